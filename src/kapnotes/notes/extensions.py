"""Extension fields in notes: the ``extensions`` topic and the default rendering of a value.

Every extension value of the session, its dosing record, each monitoring entry and each measure
is shown: with the plugin's renderer when one is registered (``ctx.renderers``, see
:mod:`kapnotes.notes.renderers`), else as its fields under the extension's label. A namespace no
installed plugin declares is shown as its JSON fields, marked as such.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import attrs

from kapnotes.model.extensions import Extensions, UnknownExtension
from kapnotes.notes.document import Fields
from kapnotes.notes.format import NoteContext

__all__ = ["extension_blocks", "extension_rows", "extensions_topic", "value_label"]

Blocks = tuple[Any, ...]


def value_label(cls: type, name: str) -> str:
    """A field's label: ``field(label=...)`` / ``metadata["label"]``, else its name humanized."""
    from kapnotes.notes.wording import field_label

    return field_label(cls, name)


def extension_rows(value: Any) -> list[tuple[str, str]]:
    """``(label, text)`` of every populated field of an extension value."""
    from kapnotes.notes.blocks import format_value, populated

    if isinstance(value, UnknownExtension):
        data = value.data
        if not isinstance(data, dict):
            return [("Value", _json_text(data))]
        return [(k.replace("_", " ").capitalize(), _json_text(v))
                for k, v in data.items() if v is not None]
    cls = type(value)
    return [
        (value_label(cls, a.name), format_value(getattr(value, a.name)))
        for a in attrs.fields(cls)
        if populated(getattr(value, a.name))
    ]


def _json_text(value: Any) -> str:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, (str, int, float)):
        return str(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _label(ctx: NoteContext, namespace: str, host: str, value: Any) -> str:
    if isinstance(value, UnknownExtension):
        return f"{namespace} (extension; its plugin is not installed)"
    spec = ctx.extensions.get(f"{namespace}.{host}")
    return str(spec.label) if spec is not None else namespace.replace("_", " ").capitalize()


def extension_blocks(ctx: NoteContext, ext: Extensions, host: str, where: str = "") -> Blocks:
    """The blocks of one object's extension values (``where`` prefixes each label: the time of
    a monitoring entry, the instrument of a measure)."""
    out: list[Any] = []
    for ns, value in ext.items():
        render = None if isinstance(value, UnknownExtension) else (
            ctx.renderers.get(f"extension.{ns}.{host}") or ctx.renderers.get(f"extension.{ns}")
        )
        if render is not None:
            out += render(ctx, value)
            continue
        rows = extension_rows(value)
        if rows:
            label = _label(ctx, ns, host, value)
            heading = f"{where}: {label}" if where else label
            out.append(Fields((("Extension", heading), *rows)))
    return tuple(out)


def _holders(ctx: NoteContext) -> Iterator[tuple[Extensions, str, str]]:
    """The objects of the note that carry extension values (only those: the label of each,
    a time or an instrument title, is worked out for them alone)."""
    from kapnotes.notes.blocks import format_clock, instrument_title

    s = ctx.session
    if s.extensions:
        yield s.extensions, "session", ""
    if s.dosing is not None:
        if s.dosing.extensions:
            yield s.dosing.extensions, "dosing", "Dosing"
        for entry in s.dosing.monitoring:
            if entry.extensions:
                yield entry.extensions, entry.extension_host, format_clock(entry.at)
    for m in s.measures:
        if m.extensions:
            yield m.extensions, "measure", instrument_title(m.instrument)
    from kapnotes.notes.topics.measures import home_measures

    for m in home_measures(ctx):  # the at-home measures the note shows (format 1.3)
        if m.extensions:
            yield m.extensions, "measure", f"{instrument_title(m.instrument)} at home"


def extensions_topic(ctx: NoteContext) -> Blocks:
    """Every extension value of the session (and of what it holds), in record order."""
    return tuple(b for ext, host, where in _holders(ctx) for b in extension_blocks(ctx, ext, host, where))
