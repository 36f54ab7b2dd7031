"""Walk an attrs object to its populated leaf values, and collect all the text of a note.

Paths are tuples of field names and tuple indices (``("dosing", "monitoring", 3, "event")``);
:func:`dotted` drops the indices (``dosing.monitoring.event``), the form used by the formats'
``OMITTED`` maps and by :func:`kapnotes.notes.blocks.display_value`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from enum import Enum
from typing import Any

import attrs

from kapnotes.notes.blocks import format_datetime
from kapnotes.notes.document import Note, SignatureBlock

Path = tuple[str | int, ...]


def _is_number_tuple(value: tuple[Any, ...]) -> bool:
    return all(v is None or (isinstance(v, (int, float)) and not isinstance(v, bool)) for v in value)


def leaves(obj: Any, path: Path = ()) -> Iterator[tuple[Path, Any]]:
    """Every populated leaf of an attrs object: scalars, strings, and tuples of numbers (raw
    item responses) as one leaf; strings, enums and attrs objects inside tuples one by one."""
    for a in attrs.fields(type(obj)):
        yield from _walk(getattr(obj, a.name), (*path, a.name))


def _walk(value: Any, path: Path) -> Iterator[tuple[Path, Any]]:
    if value is None or value == "" or value == ():
        return
    if attrs.has(type(value)):
        yield from leaves(value, path)
    elif isinstance(value, tuple) and not _is_number_tuple(value):
        for i, v in enumerate(value):
            yield from _walk(v, (*path, i))
    else:
        yield path, value


def unpopulated(obj: Any, path: Path = ()) -> Iterator[str]:
    """Dotted paths of the fields of ``obj`` (recursively) that hold None or an empty tuple."""
    for a in attrs.fields(type(obj)):
        value = getattr(obj, a.name)
        p = (*path, a.name)
        if value is None or value == ():
            yield dotted(p)
        elif attrs.has(type(value)):
            yield from unpopulated(value, p)
        elif isinstance(value, tuple):
            for i, v in enumerate(value):
                if attrs.has(type(v)):
                    yield from unpopulated(v, (*p, i))


def dotted(path: Path) -> str:
    return ".".join(p for p in path if isinstance(p, str))


def replace_at(obj: Any, path: Path, value: Any) -> Any:
    """A copy of ``obj`` with the leaf at ``path`` replaced (attrs.evolve all the way down)."""
    head, rest = path[0], path[1:]
    if isinstance(head, int):
        items = list(obj)
        items[head] = replace_at(items[head], rest, value) if rest else value
        return tuple(items)
    inner = getattr(obj, head)
    return attrs.evolve(obj, **{head: replace_at(inner, rest, value) if rest else value})


def mutations(value: Any) -> list[Any]:
    """Other values to try in place of a scalar leaf (the model may refuse some)."""
    if isinstance(value, bool):
        return [not value]
    if isinstance(value, Enum):
        return [m for m in type(value) if m is not value]
    if isinstance(value, (int, float)):
        return [value + 1, value - 1]
    if isinstance(value, dt.datetime):
        return [value + dt.timedelta(minutes=1), value - dt.timedelta(minutes=1)]
    return []


def _signature_text(sig: SignatureBlock) -> list[str]:
    out = [sig.signer, sig.credentials, sig.role, sig.content_hash or "", sig.statement or ""]
    return [*out, format_datetime(sig.signed_at) if sig.signed_at else ""]


def note_text(note: Note) -> str:
    """All the text of a note: ``iter_text()`` plus what it leaves out (when signatures were
    signed, the kind, time, credentials and signature of each addendum)."""
    parts = list(note.iter_text())
    for sig in note.signatures:
        parts += _signature_text(sig)
    for a in note.addenda:
        parts += [a.kind, a.credentials, format_datetime(a.written_at)]
        if a.signature is not None:
            parts += _signature_text(a.signature)
    return "\n".join(p for p in parts if p)
