"""The JSON Schema (draft 2020-12) of the kapnotes document, generated from the model.

Types, required keys, enums and the numeric and text constraints of each field come from the
attrs classes and their checks, so the schema cannot drift from the code. Cross-field invariants
(end after start, references between objects) are beyond JSON Schema; the loader checks them.
"""

from __future__ import annotations

import datetime as dt
import enum
import types
import typing
from typing import Any, Literal

import attrs

from kapnotes.model import Document
from kapnotes.model._base import checks_of
from kapnotes.model.document import FORMAT_VERSION
from kapnotes.model.dosing import MONITORING_TYPES, MonitoringEntry
from kapnotes.model.extensions import NAMESPACE_RE, Extension
from kapnotes.model.interventions import Intervention, UnknownIntervention
from kapnotes.registry import Registry, resolve
from kapnotes.serialization.converter import INT64_MAX, INT64_MIN

SCHEMA_ID = f"https://kapnotes.org/schema/document-{FORMAT_VERSION}.json"
_OFFSET_DATETIME = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$"


class _Builder:
    def __init__(
        self,
        intervention_types: list[type[Intervention]],
        extensions: list[Extension] | None = None,
    ) -> None:
        self.defs: dict[str, Any] = {}
        self.intervention_types = intervention_types
        self.extensions = extensions or []

    def extensions_schema(self, host: str) -> dict[str, Any]:
        """The ``extensions`` object of ``host``: each declared namespace as its class; any
        other namespace is kept as it is (its plugin is not installed)."""
        declared = {e.namespace: e for e in self.extensions if e.host == host}
        return {
            "type": "object",
            "description": "Plugin extension fields by namespace (format 1.2); a namespace no "
            "installed plugin declares is kept unchanged and reported by `kapnotes check`.",
            "propertyNames": {"pattern": NAMESPACE_RE.pattern},
            "properties": {
                ns: {**self.ref(e.fields), "description": e.label}
                for ns, e in sorted(declared.items())
            },
            "additionalProperties": {"type": "object"},
        }

    def ref(self, cls: type) -> dict[str, Any]:
        name = cls.__name__
        if name not in self.defs:
            self.defs[name] = {}  # placeholder against recursion
            self.defs[name] = self.object_schema(cls)
        return {"$ref": f"#/$defs/{name}"}

    def object_schema(self, cls: type, tag: str | None = None) -> dict[str, Any]:
        hints = typing.get_type_hints(cls)
        props: dict[str, Any] = {}
        required: list[str] = []
        if tag is not None:
            props["type"] = {"const": tag}
            required.append("type")
        host = getattr(cls, "extension_host", "")
        for a in attrs.fields(cls):
            if host and a.name == "extensions":
                props[a.name] = self.extensions_schema(host)
                continue
            s = self.type_schema(hints[a.name])
            for check in checks_of(a):
                extra = getattr(check, "json_schema", None)
                if extra:
                    s = _merge(s, extra)
            if "doc" in a.metadata:
                s = {**s, "description": a.metadata["doc"]}
            props[a.name] = s
            if a.default is attrs.NOTHING:
                required.append(a.name)
        out: dict[str, Any] = {
            "type": "object",
            "title": cls.__name__,
            "properties": props,
            "additionalProperties": False,
        }
        doc = (cls.__doc__ or "").strip().split("\n\n")[0].replace("\n", " ")
        if doc:
            out["description"] = doc
        if required:
            out["required"] = required
        return out

    def type_schema(self, t: Any) -> dict[str, Any]:
        origin = typing.get_origin(t)
        args = typing.get_args(t)
        if t is Intervention:
            return {"oneOf": [*(self.tagged(c) for c in self.intervention_types), self.unknown()]}
        if t == MonitoringEntry:
            return {"oneOf": [self.tagged(c) for c in MONITORING_TYPES]}
        if origin in (typing.Union, types.UnionType):
            non_null = [a for a in args if a is not type(None)]
            inner = (
                self.type_schema(non_null[0])
                if len(non_null) == 1
                else {"anyOf": [self.type_schema(a) for a in non_null]}
            )
            return {"anyOf": [inner, {"type": "null"}]} if type(None) in args else inner
        if origin is tuple:
            return {"type": "array", "items": self.type_schema(args[0])}
        if origin is Literal:
            return {"enum": list(args)} if len(args) > 1 else {"const": args[0]}
        if isinstance(t, type) and issubclass(t, enum.Enum):
            return {"type": "string", "enum": [m.value for m in t]}
        if t is bool:
            return {"type": "boolean"}
        if t is int:
            return {"type": "integer", "minimum": INT64_MIN, "maximum": INT64_MAX}
        if t is float:
            return {"type": "number"}
        if t is str:
            return {"type": "string"}
        if t is dt.datetime:
            return {"type": "string", "format": "date-time", "pattern": _OFFSET_DATETIME}
        if t is dt.date:
            return {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
        if isinstance(t, type) and attrs.has(t):
            return self.ref(t)
        raise TypeError(f"no JSON Schema for {t!r}")

    def unknown(self) -> dict[str, Any]:
        """An intervention of a type no installed plugin registers: kept as it is (any keys)."""
        name = UnknownIntervention.__name__
        if name not in self.defs:
            known = sorted(c.type for c in self.intervention_types)
            self.defs[name] = {
                "type": "object",
                "title": name,
                "description": (
                    "An intervention of a type whose plugin is not installed: read, stored and "
                    "written back unchanged; `kapnotes check` warns about it."
                ),
                "properties": {
                    "type": {"type": "string", "pattern": r"\S", "not": {"enum": known}}
                },
                "required": ["type"],
            }
        return {"$ref": f"#/$defs/{name}"}

    def tagged(self, cls: type) -> dict[str, Any]:
        name = cls.__name__
        if name not in self.defs:
            self.defs[name] = self.object_schema(cls, tag=cls.type)  # type: ignore[attr-defined]
        return {"$ref": f"#/$defs/{name}"}


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """Apply check keywords to the non-null branch of a schema."""
    if "anyOf" in base and any(b.get("type") == "null" for b in base["anyOf"]):
        branches = [b if b.get("type") == "null" else _merge(b, extra) for b in base["anyOf"]]
        return {**base, "anyOf": branches}
    if base.get("type") == "array":
        rest = {k: v for k, v in extra.items() if k != "items"}
        items = {**base["items"], **extra["items"]} if "items" in extra else base["items"]
        return {**base, **rest, "items": items}
    merged = {**base, **{k: v for k, v in extra.items() if k != "items"}}
    if base.get("type") == "integer":
        for k in ("minimum", "maximum"):
            if isinstance(merged.get(k), float) and merged[k].is_integer():
                merged[k] = int(merged[k])
    return merged


def json_schema(*, registry: Registry | None = None) -> dict[str, Any]:
    """The JSON Schema of a kapnotes document, including plugins' intervention types and
    extension fields (those of ``registry``; None: the default registry, see
    :mod:`kapnotes.registry`)."""
    reg = resolve(registry)
    b = _Builder(list(reg.intervention_types), list(reg.extensions))
    root = b.object_schema(Document)
    root["required"] = sorted({*root.get("required", []), "format", "format_version"})
    root["properties"]["format_version"] = {
        "type": "string",
        "pattern": r"^\d+\.\d+$",
        "description": f"Interchange format version; this kapnotes writes {FORMAT_VERSION}.",
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        **root,
        "$defs": dict(sorted(b.defs.items())),
    }
