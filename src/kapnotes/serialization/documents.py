"""Load and dump kapnotes documents: from and to paths, strings, bytes and plain objects.

A document is the public, versioned interchange format (see ``docs/format.md``). Loading checks
the format name and version first, then structures with the project converter, then checks the
document against what plugins registered (instrument item counts and ranges). All problems are
reported at once in one :class:`~kapnotes.errors.InvalidError`, each with its JSON path.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import attrs

from kapnotes.errors import FormatVersionError, InvalidError, Problem
from kapnotes.model.document import FORMAT_NAME, FORMAT_VERSION, Document
from kapnotes.registry import Registry
from kapnotes.serialization.converter import converter
from kapnotes.serialization.problems import problems_from

T = TypeVar("T")

SUPPORTED_MAJOR = int(FORMAT_VERSION.split(".")[0])
SUPPORTED_MINOR = int(FORMAT_VERSION.split(".")[1])


def check_version(data: Any, source: str | None = None) -> None:
    """Refuse documents that are not kapnotes documents of a version this kapnotes reads.

    Policy (docs/format.md): the same major version and a minor version up to ours are read.
    A newer minor version may carry fields we do not know; rather than drop clinical data
    silently, it is refused with a message asking for a newer kapnotes. Another major version
    is refused.
    """
    if not isinstance(data, dict):
        raise InvalidError(
            [Problem("$", "expected a JSON object (a kapnotes document)")], source=source
        )
    problems = []
    fmt = data.get("format")
    if fmt != FORMAT_NAME:
        problems.append(Problem("$.format", f"expected {FORMAT_NAME!r}, got {fmt!r}"))
    version = data.get("format_version")
    parsed = _parse_version(version)
    if parsed is None:
        problems.append(
            Problem(
                "$.format_version", f"expected a version like {FORMAT_VERSION!r}, got {version!r}"
            )
        )
    else:
        major, minor = parsed
        if major != SUPPORTED_MAJOR or minor > SUPPORTED_MINOR:
            problems.append(
                Problem(
                    "$.format_version",
                    f"this kapnotes reads format {SUPPORTED_MAJOR}.0 to {FORMAT_VERSION}; the "
                    f"document is {version}. "
                    + (
                        "Upgrade kapnotes to read it."
                        if (major, minor) > (SUPPORTED_MAJOR, SUPPORTED_MINOR)
                        else "It cannot be read."
                    ),
                )
            )
    if problems:
        raise FormatVersionError(problems, source=source)


def _parse_version(v: Any) -> tuple[int, int] | None:
    if not isinstance(v, str):
        return None
    parts = v.split(".")
    # ASCII digits only: str.isdigit() also accepts "¹" (int() then fails) and "١" (Arabic-Indic)
    if len(parts) != 2 or not all(p.isascii() and p.isdigit() and len(p) <= 4 for p in parts):
        return None
    return int(parts[0]), int(parts[1])


def structure(
    data: Any, cls: type[T], *, source: str | None = None, registry: Registry | None = None
) -> T:
    """Structure plain data as ``cls`` with the project converter; every problem at once.

    ``registry``: the intervention types (None: the default registry, see :mod:`kapnotes.registry`).
    """
    try:
        return converter(registry).structure(data, cls)
    except Exception as exc:  # noqa: BLE001 - turned into problems with paths
        raise InvalidError(problems_from(exc), source=source) from None


def unstructure(obj: Any) -> Any:
    """Plain JSON-ready data for a model object (defaults omitted)."""
    return converter().unstructure(obj)


def from_data(
    data: Any, *, source: str | None = None, registry: Registry | None = None
) -> Document:
    """A :class:`Document` from parsed JSON (a dict).

    ``registry``: the intervention types and instruments it is read and checked with (None: the
    default registry, see :mod:`kapnotes.registry`).
    """
    check_version(data, source)
    doc = structure(data, Document, source=source, registry=registry)
    if doc.format_version != FORMAT_VERSION:
        # Upgrade within the major version: every field added since 1.0 is optional, so an
        # older document is already a valid current one (docs/format.md, "Versions").
        doc = attrs.evolve(doc, format_version=FORMAT_VERSION)  # type: ignore[misc]
    from kapnotes.validation import check_against_registry

    problems = check_against_registry(doc, registry=registry)
    if problems:
        raise InvalidError(problems, source=source)
    return doc


def loads(
    text: str | bytes, *, source: str | None = None, registry: Registry | None = None
) -> Document:
    """A :class:`Document` from JSON text (``registry``: as for :func:`from_data`)."""
    try:
        data = json.loads(
            text, parse_constant=_refuse_constant, object_pairs_hook=_object_refusing_duplicates
        )
    except RecursionError:
        raise InvalidError(
            [Problem("$", f"nested too deeply (at most {MAX_DEPTH} levels)")], source=source
        ) from None
    except UnicodeDecodeError as exc:
        raise InvalidError(
            [Problem("$", f"not UTF-8 text: {exc.reason} at byte {exc.start}")], source=source
        ) from None
    except json.JSONDecodeError as exc:
        raise InvalidError(
            [Problem("$", f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}")],
            source=source,
        ) from None
    except ValueError as exc:
        raise InvalidError([Problem("$", str(exc))], source=source) from None
    problems = structure_problems(data)
    if problems:
        raise InvalidError(problems, source=source)
    return from_data(data, source=source, registry=registry)


#: Deepest nesting of arrays and objects a document may have (a kapnotes document needs < 12).
MAX_DEPTH = 64


class _DuplicateKeys(dict[str, Any]):
    """A JSON object in which some keys appeared more than once (the names are kept)."""

    duplicates: tuple[str, ...] = ()


def _object_refusing_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) == len(pairs):
        return obj
    seen: set[str] = set()
    dups: list[str] = []
    for k, _ in pairs:
        if k in seen:
            dups.append(k)
        seen.add(k)
    marked = _DuplicateKeys(obj)
    marked.duplicates = tuple(dict.fromkeys(dups))
    return marked


def structure_problems(data: Any) -> list[Problem]:
    """Duplicate keys (each with its JSON path) and nesting deeper than :data:`MAX_DEPTH`."""
    problems: list[Problem] = []
    stack: list[tuple[str, Any, int]] = [("$", data, 0)]
    while stack:
        path, value, depth = stack.pop()
        if depth > MAX_DEPTH:
            problems.append(Problem(path, f"nested too deeply (at most {MAX_DEPTH} levels)"))
            continue
        if isinstance(value, dict):
            for key in getattr(value, "duplicates", ()):
                problems.append(
                    Problem(f"{path}.{key}", "duplicate key (JSON keys must be unique)")
                )
            stack.extend((f"{path}.{k}", v, depth + 1) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((f"{path}[{i}]", v, depth + 1) for i, v in enumerate(value))
    return sorted(problems, key=lambda p: p.path)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"not valid JSON: {name} is not a number in JSON")


def load(path: str | Path, *, registry: Registry | None = None) -> Document:
    """A :class:`Document` from a JSON file (``registry``: as for :func:`from_data`)."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise InvalidError(
            [Problem("$", f"cannot read {p}: {exc.strerror}")], source=str(p)
        ) from None
    return loads(raw, source=str(p), registry=registry)


def to_data(doc: Document) -> dict[str, Any]:
    """Plain JSON-ready data for a document; ``format`` and ``format_version`` always present."""
    data = unstructure(doc)
    return {**data, "format": doc.format, "format_version": doc.format_version}


#: The encoder of the canonical form (``json.dumps`` with these options makes one a call).
_CANONICAL = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
)


def _canonical_encoder() -> Callable[[Any], str]:
    """``_CANONICAL.encode``, with the C encoder made once rather than at every call (that
    costs more than encoding a small object). Without a circular-reference check: a record is a
    tree (a cycle would end in RecursionError rather than ValueError)."""
    from json import encoder as std

    make = getattr(std, "c_make_encoder", None)
    if make is None:  # pragma: no cover - CPython has it
        return _CANONICAL.encode
    # the arguments JSONEncoder.iterencode passes, with markers None (no circular check)
    one = make(None, _CANONICAL.default, std.encode_basestring, None, ":", ",", True, False, False)

    def encode(obj: Any) -> str:
        if isinstance(obj, str):
            return _CANONICAL.encode(obj)
        return "".join(one(obj, 0))

    return encode


_encode = _canonical_encoder()


def canonical_bytes(obj: Any) -> bytes:
    """The canonical JSON form: UTF-8, keys sorted, no spaces. Same record, same bytes."""
    data = obj if isinstance(obj, (dict, list)) else unstructure(obj)
    return _encode(data).encode("utf-8")


def canonical_text(obj: Any) -> str:
    """:func:`canonical_bytes` as text, a model object unstructured by
    :func:`~kapnotes.serialization.fast_unstructure.fast_unstructure` (the same data, faster:
    the store's write path)."""
    if not isinstance(obj, (dict, list)):
        from kapnotes.serialization.fast_unstructure import fast_unstructure

        obj = fast_unstructure(obj)
    return _encode(obj)


def content_hash(obj: Any) -> str:
    """SHA-256 (hex) of the canonical JSON form of ``obj``."""
    import hashlib  # here: loading OpenSSL is a tenth of ``import kapnotes.serialization``

    return hashlib.sha256(canonical_bytes(obj)).hexdigest()


def dumps(doc: Document, *, canonical: bool = True, indent: int | None = None) -> str:
    """JSON text for a document. Canonical (the default) gives stable bytes; ``indent`` pretty-prints."""
    data = to_data(doc)
    if canonical and indent is None:
        return canonical_bytes(data).decode("utf-8")
    return json.dumps(data, sort_keys=True, ensure_ascii=False, indent=indent, allow_nan=False)


def dump(doc: Document, path: str | Path, *, indent: int | None = None) -> None:
    """Write a document to ``path`` (canonical JSON unless ``indent`` is given)."""
    Path(path).write_text(dumps(doc, indent=indent) + "\n", encoding="utf-8")
