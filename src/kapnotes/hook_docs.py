"""``docs/hooks.md``, generated from the code: ``python -m kapnotes.hook_docs > docs/hooks.md``.

The page has three parts, each read from where the fact lives:

* every hook of :mod:`kapnotes.hookspecs`, with its typed signature and its docstring;
* the constructor fields (type, default, the ``:ivar:`` line of the class docstring) and public
  methods of the objects a plugin builds or receives (:data:`CLASSES`);
* the JSON tag → Python class tables: intervention ``type`` tags, monitoring entry ``type``
  tags and session kinds, from the model's own tables.

Nothing here depends on which plugins are installed, so the page is the same everywhere; a test
fails when it is stale.
"""

from __future__ import annotations

import enum
import inspect
import re
import sys
from collections.abc import Callable, Iterator
from typing import Any

import attrs

from kapnotes import hookspecs
from kapnotes.batch import DEFAULT_FORMATS
from kapnotes.exporting import ExportOptions, NoteExporter, RecordExporter, RecordView
from kapnotes.instruments.base import Band, Instrument, Item
from kapnotes.model import SessionKind
from kapnotes.model.dosing import MONITORING_TYPES
from kapnotes.model.interventions import BUILTIN_INTERVENTION_TYPES, UnknownIntervention
from kapnotes.notes.format import NoteContext, NoteFormat
from kapnotes.registry import Registry
from kapnotes.rules.base import CourseContext, Finding, Rule, RuleContext

__all__ = ["CLASSES", "hooks", "markdown"]

#: The objects a plugin builds (and registers) or receives, in the order the page shows them.
CLASSES: tuple[type, ...] = (
    NoteFormat,
    NoteContext,
    NoteExporter,
    RecordExporter,
    ExportOptions,
    RecordView,
    Instrument,
    Item,
    Band,
    Rule,
    RuleContext,
    CourseContext,
    Finding,
    Registry,
)

_ROLE = re.compile(r":(?:class|func|meth|mod|data|attr|exc|obj):`~?([^`]+)`")
_FIELD = re.compile(r"^:(param|ivar) (\w+):\s*(.*)$")
_DIRECTIVE = re.compile(r"^\.\. (versionadded|versionchanged|deprecated):: (\S+)\s*(.*)$")


def _inline(text: str) -> str:
    """reStructuredText inline markup as Markdown: roles and double back-quotes as code."""
    text = _ROLE.sub(lambda m: f"`{m.group(1)}`", text)
    return text.replace("``", "`")


def _split_doc(doc: str) -> tuple[list[str], dict[str, str], dict[str, str], list[str]]:
    """A docstring's prose lines, its ``:param:`` and ``:ivar:`` texts (continuation lines
    joined) and its version notes."""
    prose: list[str] = []
    fields: dict[str, dict[str, str]] = {"param": {}, "ivar": {}}
    versions: list[str] = []
    current: tuple[str, str] | None = None
    for line in doc.splitlines():
        stripped = line.strip()
        m = _FIELD.match(stripped)
        d = _DIRECTIVE.match(stripped)
        if m:
            current = (m.group(1), m.group(2))
            fields[m.group(1)][m.group(2)] = m.group(3)
        elif d:
            current = None
            word = {"versionadded": "Added", "versionchanged": "Changed", "deprecated": "Deprecated"}
            rest = f": {d.group(3)}" if d.group(3) else ""
            versions.append(f"*{word[d.group(1)]} in version {d.group(2)}{rest}.*")
        elif current is not None and line.startswith((" ", "\t")) and stripped:
            kind, name = current
            fields[kind][name] += " " + stripped
        else:
            current = None
            prose.append(line)
    while prose and not prose[-1].strip():
        prose.pop()
    return prose, fields["param"], fields["ivar"], versions


def _prose(lines: list[str]) -> list[str]:
    """Docstring prose as Markdown: a literal block (``::``) becomes a fenced text block."""
    out: list[str] = []
    in_code = False
    for line in lines:
        if in_code:
            if line.strip() and not line.startswith("    "):
                out += ["```", ""]
                in_code = False
            else:
                out.append(line[4:] if line.startswith("    ") else line)
                continue
        if line.rstrip().endswith("::"):
            out.append(_inline(line.rstrip()[:-1]))
            out += ["", "```text"]
            in_code = True
            continue
        out.append(_inline(line))
    if in_code:
        while out and not out[-1].strip():
            out.pop()
        out.append("```")
    # blank lines at the start of a code block are dropped
    return re.sub(r"```text\n\n+", "```text\n", "\n".join(out)).splitlines()


def _type_text(t: Any) -> str:
    if t is None or t is inspect.Parameter.empty:
        return ""
    if isinstance(t, str):
        return t
    return inspect.formatannotation(t)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def hooks() -> list[Callable[..., Any]]:
    """Every hookspec, in the order of the module."""
    found = [
        f for name, f in vars(hookspecs).items()
        if name.startswith("register_") and inspect.isfunction(f)
    ]
    return sorted(found, key=lambda f: f.__code__.co_firstlineno)


def _hook_section(spec: Callable[..., Any]) -> Iterator[str]:
    sig = inspect.signature(spec)
    params = ", ".join(f"{p.name}: {_type_text(p.annotation)}" for p in sig.parameters.values())
    prose, params_doc, _ivars, versions = _split_doc(inspect.getdoc(spec) or "")
    yield f"### `{spec.__name__}`"
    yield ""
    yield "```text"
    yield "@kapnotes.hookimpl"
    yield f"def {spec.__name__}({params}) -> None"
    yield "```"
    yield ""
    yield from _prose(prose)
    if params_doc:
        yield ""
        yield "Parameters:"
        yield ""
        for name, text in params_doc.items():
            yield f"- `{name}`: {_inline(text)}"
    for v in versions:
        yield ""
        yield v
    yield ""


def _default_text(value: Any) -> str:
    if value is attrs.NOTHING or value is inspect.Parameter.empty:
        return "required"
    if isinstance(value, attrs.Factory):  # type: ignore[arg-type]
        factory = value.factory
        empty = {dict: "{}", list: "[]", tuple: "()", set: "set()", frozenset: "frozenset()"}
        return f"`{empty[factory]}`" if factory in empty else f"`{factory.__name__}()`"
    if isinstance(value, enum.Enum):
        return f"`{type(value).__name__}.{value.name}`"
    return f"`{value!r}`"


def _fields(cls: type) -> list[tuple[str, str, str, str]]:
    """(name, type, default, description from the field's metadata) of each constructor
    argument; the class docstring's ``:ivar:`` describes a field without metadata."""
    if attrs.has(cls):
        return [
            (
                f.alias or f.name,
                _type_text(f.type),
                _default_text(f.default),
                str(f.metadata.get("doc") or f.metadata.get("description") or ""),
            )
            for f in attrs.fields(cls)
            if f.init and not f.name.startswith("_")
        ]
    sig = inspect.signature(cls.__init__)  # type: ignore[misc]
    return [
        (p.name, _type_text(p.annotation), _default_text(p.default), "")
        for p in list(sig.parameters.values())[1:]
        if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]


def _methods(cls: type) -> list[tuple[str, str]]:
    """(signature, summary) of each public method and property the class itself defines."""
    out = []
    for name, value in vars(cls).items():
        if name.startswith("_"):
            continue
        if isinstance(value, property):
            doc = inspect.getdoc(value) or ""
            out.append((f"{name} (property)", doc.split("\n\n")[0]))
            continue
        func = value.__func__ if isinstance(value, (classmethod, staticmethod)) else value
        if not inspect.isfunction(func):
            continue
        params = list(inspect.signature(func).parameters.values())
        if params and params[0].name in ("self", "cls"):
            params = params[1:]
        stars: dict[Any, str] = {
            inspect.Parameter.VAR_POSITIONAL: "*", inspect.Parameter.VAR_KEYWORD: "**"
        }
        shown = ", ".join(stars.get(p.kind, "") + p.name for p in params)
        doc = inspect.getdoc(func) or ""
        out.append((f"{name}({shown})", doc.split("\n\n")[0]))
    return out


def _class_section(cls: type) -> Iterator[str]:
    prose, params_doc, ivars, _versions = _split_doc(inspect.getdoc(cls) or "")
    described = {**params_doc, **ivars}
    yield f"### `{cls.__name__}`"
    yield ""
    yield f"`{cls.__module__}.{cls.__qualname__}`"
    yield ""
    yield from _prose(prose)
    yield ""
    yield "| Argument | Type | Default | Description |"
    yield "|---|---|---|---|"
    for name, type_text, default, doc in _fields(cls):
        text = _inline(doc or described.get(name, ""))
        yield f"| `{name}` | `{_cell(type_text)}` | {_cell(default)} | {_cell(text)} |"
    methods = _methods(cls)
    if methods:
        yield ""
        yield "Methods:"
        yield ""
        for signature, summary in methods:
            summary_text = " ".join(_inline(summary).split())
            yield f"- `{signature}`" + (f": {summary_text}" if summary_text else "")
    yield ""


def _summary(cls: type) -> str:
    doc = inspect.getdoc(cls) or ""
    return " ".join(_inline(doc.split("\n\n")[0]).split())


def _tag_tables() -> Iterator[str]:
    yield "### Interventions: `courses[].sessions[].interventions[].type`"
    yield ""
    yield "| Tag | Class | Label |"
    yield "|---|---|---|"
    for cls in BUILTIN_INTERVENTION_TYPES:
        yield f"| `{cls.type}` | `{cls.__module__}.{cls.__qualname__}` | {_cell(cls.label)} |"
    unknown = UnknownIntervention
    yield ""
    yield (
        "Plugins add their own tags (`register_intervention_types`). A tag that no installed "
        f"plugin registers is read as `{unknown.__module__}.{unknown.__qualname__}` and kept "
        "byte for byte."
    )
    yield ""
    yield "### Monitoring entries: `courses[].sessions[].dosing.monitoring[].type`"
    yield ""
    yield "| Tag | Class | What it records |"
    yield "|---|---|---|"
    for entry in MONITORING_TYPES:
        yield f"| `{entry.type}` | `{entry.__module__}.{entry.__qualname__}` | {_cell(_summary(entry))} |"
    yield ""
    yield "### Session kinds: `courses[].sessions[].kind`"
    yield ""
    yield "| Value | Python | Default note format |"
    yield "|---|---|---|"
    for kind in SessionKind:
        default = DEFAULT_FORMATS.get(kind)
        shown = f"`{default}`" if default else ""
        yield f"| `{kind.value}` | `{SessionKind.__module__}.SessionKind.{kind.name}` | {shown} |"
    yield ""


def markdown() -> str:
    """The whole page."""
    lines = [
        "# Hook reference",
        "",
        "Every hook a kapnotes plugin can implement, the objects it registers or receives, and",
        "the JSON tags of the document format with the Python classes they are read as. This",
        "page is generated from the code (`python -m kapnotes.hook_docs > docs/hooks.md`); a",
        "test keeps it in step. The tutorial is [plugins.md](plugins.md).",
        "",
        "Annotate your hook implementations as the hooks are annotated here and",
        "`mypy --strict` on your plugin catches a wrong registration.",
        "",
        "## Hooks",
        "",
    ]
    for spec in hooks():
        lines += _hook_section(spec)
    lines += ["## Registered and received objects", ""]
    for cls in CLASSES:
        lines += _class_section(cls)
    lines += ["## JSON tags and Python classes", ""]
    lines += _tag_tables()
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines))
    return text.strip("\n") + "\n"


if __name__ == "__main__":  # pragma: no cover - exercised through the staleness test
    sys.stdout.write(markdown())
