"""kapnotes extension fields as FHIR extensions, under the URL their plugin declares.

Clients (Patient), clinicians (Practitioner), courses (EpisodeOfCare), sessions (Encounter),
dosing records (the dose's MedicationAdministration), measures (QuestionnaireResponse) and
monitoring entries (each Observation or AdverseEvent made from the entry) carry them.

A declared extension value becomes one complex extension::

    {"url": "<Extension.url>", "extension": [{"url": "sitter", "valueString": "..."}, ...]}

with one sub-extension per populated field (the field name is its relative URL; a tuple gives
one sub-extension per element): ``str`` -> ``valueString``, ``bool`` -> ``valueBoolean``,
``int`` -> ``valueInteger``, ``float`` -> ``valueDecimal``, a date -> ``valueDate``, a
date-time -> ``valueDateTime``, an enum -> ``valueCode``; a nested attrs value nests the same
way. A namespace no installed plugin declares has no URL and is not exported (it stays in the
kapnotes JSON record).

The importer reads them back (:func:`read_fhir_extensions`): a declared URL's sub-extensions
become the fields class again, checked as a document's would be.
"""

from __future__ import annotations

import datetime as dt
import enum
import typing
from collections.abc import Mapping
from typing import Any

import attrs

from kapnotes.errors import InvalidError, Problem
from kapnotes.model.extensions import Extension, Extensions, UnknownExtension
from kapnotes.serialization import structure

__all__ = ["fhir_extensions", "read_fhir_extensions"]


def _value(v: Any) -> dict[str, Any] | None:
    if isinstance(v, bool):
        return {"valueBoolean": v}
    if isinstance(v, int):
        return {"valueInteger": v}
    if isinstance(v, float):
        return {"valueDecimal": v}
    if isinstance(v, enum.Enum):
        return {"valueCode": str(v.value)}
    if isinstance(v, dt.datetime):
        return {"valueDateTime": v.isoformat()}
    if isinstance(v, dt.date):
        return {"valueDate": v.isoformat()}
    if isinstance(v, str):
        return {"valueString": v}
    return None


def _fields(obj: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for a in attrs.fields(type(obj)):
        value = getattr(obj, a.name)
        for v in value if isinstance(value, tuple) else (value,):
            if v is None or v == "":
                continue
            if attrs.has(type(v)):
                out.append({"url": a.name, "extension": _fields(v)})
            elif (typed := _value(v)) is not None:
                out.append({"url": a.name, **typed})
    return out


def fhir_extensions(
    extensions: Extensions, host: str, declared: Mapping[str, Extension]
) -> list[dict[str, Any]]:
    """The FHIR ``extension`` array of one object's extension values (``declared``: the
    registered extensions by name, ``harbor_light.session``)."""
    out = []
    for ns, value in extensions.items():
        spec = declared.get(f"{ns}.{host}")
        if spec is None or isinstance(value, UnknownExtension):
            continue
        sub = _fields(value)
        if sub:
            out.append({"url": spec.url, "extension": sub})
    return out


# --- reading them back (the importer) -------------------------------------------------------

#: The FHIR value of each JSON type an extension field takes, as :func:`fhir_extensions` writes it.
_VALUE_KEYS = ("valueString", "valueBoolean", "valueInteger", "valueDecimal", "valueCode",
               "valueDate", "valueDateTime")


def _attrs_class_in(t: Any) -> type | None:
    """The attrs class ``t`` names (``Nested``, ``Nested | None``, ``tuple[Nested, ...]``)."""
    if isinstance(t, type) and attrs.has(t):
        return t
    for arg in typing.get_args(t):
        found = _attrs_class_in(arg)
        if found is not None:
            return found
    return None


def _is_tuple(t: Any) -> bool:
    if typing.get_origin(t) is tuple:
        return True
    return any(_is_tuple(a) for a in typing.get_args(t) if a is not type(None))


def _data(cls: type, subs: Any, path: str, problems: list[Problem]) -> dict[str, Any]:
    """The kapnotes JSON of one extension value of ``cls`` from its FHIR sub-extensions."""
    if not isinstance(subs, list):
        problems.append(Problem(path, f"expected a list of extensions, got {type(subs).__name__}"))
        return {}
    fields = attrs.fields_dict(attrs.resolve_types(cls))
    values: dict[str, list[Any]] = {}
    for i, sub in enumerate(subs):
        where = f"{path}[{i}]"
        url = sub.get("url") if isinstance(sub, dict) else None
        if not isinstance(url, str):
            problems.append(Problem(where, "expected an extension with a 'url'"))
            continue
        field = fields.get(url)
        if field is None:
            known = ", ".join(fields) or "none"
            problems.append(Problem(f"{where}.url", f"{url!r} is not a field of this extension "
                                                    f"(its fields: {known})"))
            continue
        nested = _attrs_class_in(field.type)
        if nested is not None:
            values.setdefault(url, []).append(_data(nested, sub.get("extension"),
                                                    f"{where}.extension", problems))
            continue
        typed = [k for k in _VALUE_KEYS if k in sub]
        if len(typed) != 1:
            problems.append(Problem(where, f"expected one of {', '.join(_VALUE_KEYS)} "
                                           f"for the field {url!r}"))
            continue
        values.setdefault(url, []).append(sub[typed[0]])
    out: dict[str, Any] = {}
    for name, found in values.items():
        if _is_tuple(fields[name].type):
            out[name] = found
        elif len(found) == 1:
            out[name] = found[0]
        else:
            problems.append(Problem(path, f"the field {name!r} is given {len(found)} times; "
                                          "it takes one value"))
    return out


def read_fhir_extensions(
    value: Any, host: str, declared: Mapping[str, Extension], path: str
) -> tuple[dict[str, Any], list[Problem]]:
    """The extension values of a ``host`` object from a FHIR resource's ``extension`` array at
    ``path``: each extension whose URL a plugin declares for ``host`` (``declared``: the
    registered extensions by name) read back as its fields class, with its checks, every
    problem with its JSON path. Extensions of other URLs are not kapnotes fields and are
    ignored, as FHIR lets a reader ignore any extension that is not a modifier."""
    if value is None:
        return {}, []
    if not isinstance(value, list):
        return {}, [Problem(path, f"expected a list of extensions, got {type(value).__name__}")]
    by_url = {e.url: e for e in declared.values() if e.host == host}
    problems: list[Problem] = []
    found: dict[str, Any] = {}
    for i, ext in enumerate(value):
        url = ext.get("url") if isinstance(ext, dict) else None
        spec = by_url.get(url) if isinstance(url, str) else None
        if spec is None:
            continue
        where = f"{path}[{i}]"
        if spec.namespace in found:
            problems.append(Problem(where, f"the extension {spec.url} is given twice"))
            continue
        before = len(problems)
        data = _data(spec.fields, ext.get("extension"), f"{where}.extension", problems)
        if len(problems) > before:
            continue
        try:
            found[spec.namespace] = structure(data, spec.fields)
        except InvalidError as exc:
            problems += [Problem(where, f"{spec.label}: {p.path.removeprefix('$.')}: {p.message}")
                         for p in exc.problems]
    return found, problems
