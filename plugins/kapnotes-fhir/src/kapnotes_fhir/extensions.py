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
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from typing import Any

import attrs

from kapnotes.model.extensions import Extension, Extensions, UnknownExtension

__all__ = ["fhir_extensions"]


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
