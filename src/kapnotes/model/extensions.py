"""Extension fields: typed, namespaced fields a clinic plugin adds to model objects.

A plugin declares an :class:`Extension` through the ``register_extensions`` hook: for one
*host* (:data:`EXTENSION_HOSTS`: ``client``, ``clinician``, ``course``, ``session``,
``dosing``, ``measure``, or a monitoring entry type such as ``monitoring.vitals``) an attrs
class (usually ``@kapnotes.model.model``, so it validates its values like a core class) under a
*namespace*. In a JSON document the values sit under ``"extensions"``::

    {"id": "s-1", ..., "extensions": {"harbor_light": {"sitter": "J. Doe (synthetic)"}}}

The serialization edge validates a declared namespace as strictly as a core object (unknown
keys, types, the class's checks; every problem with its path, all at once). A namespace that
no installed plugin declares is kept byte-identically as :class:`UnknownExtension` (the record
outlives its plugin) and reported by ``kapnotes check``; ``kapnotes import
--strict-extensions`` refuses it. Extension values are part of the object's canonical JSON, so
the content hash and the signatures cover them. An object without extensions writes no
``extensions`` key, so documents without them keep their bytes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

import attrs

from kapnotes.patterns import LazyPattern

if TYPE_CHECKING:  # type checkers know attrs' own decorator
    from attrs import frozen
else:
    from kapnotes.lazy_classes import frozen

__all__ = [
    "EXTENSION_HOSTS",
    "NAMESPACE_RE",
    "Extension",
    "Extensions",
    "UnknownExtension",
]

#: The model objects that take extension fields, by host name.
EXTENSION_HOSTS: dict[str, str] = {
    "client": "kapnotes.model.Client",
    "clinician": "kapnotes.model.Clinician",
    "course": "kapnotes.model.TreatmentCourse",
    "session": "kapnotes.model.Session",
    "dosing": "kapnotes.model.DosingRecord",
    "measure": "kapnotes.model.MeasureAdministration",
    "monitoring.vitals": "kapnotes.model.Vitals",
    "monitoring.moaas": "kapnotes.model.Sedation",
    "monitoring.cadss": "kapnotes.model.Dissociation",
    "monitoring.adverse_event": "kapnotes.model.AdverseEvent",
    "monitoring.check_in": "kapnotes.model.CheckIn",
    "monitoring.observation": "kapnotes.model.Observation",
}

#: A namespace: the JSON key under ``extensions`` (lower-case letters, digits and ``_``).
NAMESPACE_RE = LazyPattern(r"^[a-z][a-z0-9_]{0,63}$")
_URL_RE = LazyPattern(r"^https?://[^\s]+$")


@frozen
class Extension:
    """A plugin's extension of one host: its namespace, its fields class, its FHIR URL.

    :ivar namespace: the key under ``extensions`` (``harbor_light``); one plugin usually uses
        one namespace for every host it extends.
    :ivar host: which objects it extends (a key of :data:`EXTENSION_HOSTS`).
    :ivar fields: an attrs class; every field needs a default (an object may be recorded
        before the clinic fills it in) or is required in every document that uses it.
    :ivar url: the absolute URL of the FHIR extension the FHIR exporter writes
        (``https://harborlight.example/fhir/StructureDefinition/session``).
    :ivar label: the heading of the extension in notes.
    """

    namespace: str = attrs.field()
    host: str = attrs.field()
    fields: type = attrs.field()
    url: str = attrs.field()
    label: str
    description: str = ""

    @namespace.validator
    def _namespace(self, _attr: object, value: str) -> None:
        if not isinstance(value, str) or not NAMESPACE_RE.match(value):
            raise ValueError(
                f"extension namespace {value!r} must be lower-case letters, digits and '_', "
                "starting with a letter"
            )

    @host.validator
    def _host(self, _attr: object, value: str) -> None:
        if value not in EXTENSION_HOSTS:
            raise ValueError(
                f"extension host {value!r} is not one of {', '.join(EXTENSION_HOSTS)}"
            )

    @fields.validator
    def _fields(self, _attr: object, value: type) -> None:
        if not (isinstance(value, type) and attrs.has(value)):
            raise ValueError(f"extension fields {value!r} must be an attrs class")

    @url.validator
    def _url(self, _attr: object, value: str) -> None:
        if not isinstance(value, str) or not _URL_RE.match(value):
            raise ValueError(f"extension url {value!r} must be an absolute http(s) URL")

    @property
    def name(self) -> str:
        """The registry name: ``harbor_light.session``."""
        return f"{self.namespace}.{self.host}"


@frozen
class UnknownExtension:
    """The value of a namespace no installed plugin declares, kept as read.

    :ivar raw: the value's canonical JSON (sorted keys): written back unchanged.
    """

    namespace: str
    raw: str

    @property
    def data(self) -> Any:
        """The value as parsed JSON."""
        return json.loads(self.raw)


def _check_entries(entries: tuple[tuple[str, Any], ...]) -> None:
    from kapnotes.errors import ModelError, Problem

    problems = []
    seen: set[str] = set()
    for ns, v in entries:
        if not isinstance(ns, str) or not NAMESPACE_RE.match(ns):
            problems.append(Problem("$.extensions", f"invalid extension namespace {ns!r}"))
        elif ns in seen:
            problems.append(Problem(f"$.extensions.{ns}", "namespace given twice"))
        elif not (isinstance(v, UnknownExtension) or attrs.has(type(v))):
            problems.append(Problem(f"$.extensions.{ns}",
                                    f"expected an instance of an extension's fields class, "
                                    f"got {type(v).__name__}"))
        seen.add(str(ns))
    if problems:
        raise ModelError(problems)


class Extensions(Mapping[str, Any]):
    """The extension values of one object: namespace -> an instance of the declared fields
    class, or :class:`UnknownExtension` for a namespace no installed plugin declares.

    Immutable and hashable, ordered by namespace. Build it from a mapping:
    ``Extensions({"harbor_light": HarborSession(sitter="...")})``; model objects accept a plain
    dict too. Empty by default (and then not written to JSON).
    """

    __slots__ = ("_entries",)

    def __init__(self, values: Mapping[str, Any] | None = None) -> None:
        entries = tuple(sorted((values or {}).items(), key=lambda kv: str(kv[0])))
        _check_entries(entries)
        self._entries: tuple[tuple[str, Any], ...] = entries

    @property
    def entries(self) -> tuple[tuple[str, Any], ...]:
        """``(namespace, value)`` pairs, by namespace."""
        return self._entries

    def __getitem__(self, namespace: str) -> Any:
        for ns, v in self._entries:
            if ns == namespace:
                return v
        raise KeyError(namespace)

    def __iter__(self) -> Iterator[str]:
        return (ns for ns, _v in self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Extensions):
            return self._entries == other._entries
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._entries)

    def __repr__(self) -> str:
        return f"Extensions({dict(self._entries)!r})"

    @property
    def unknown(self) -> tuple[str, ...]:
        """The namespaces kept opaque (no installed plugin declares them)."""
        return tuple(ns for ns, v in self._entries if isinstance(v, UnknownExtension))


def as_extensions(value: Any) -> Extensions:
    """The converter of a model's ``extensions`` field: an :class:`Extensions` or a mapping."""
    return value if isinstance(value, Extensions) else Extensions(value)
