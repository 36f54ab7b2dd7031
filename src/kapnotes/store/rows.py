"""From model objects to the rows of the relational tables (no I/O here)."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from kapnotes.model import Session, TreatmentCourse, UnknownIntervention, Vitals


def utc_key(t: dt.datetime) -> str:
    """A fixed-width UTC timestamp that sorts as text (for indexes)."""
    u = t.astimezone(_UTC)
    if u.year < 1000:  # strftime writes such a year without leading zeros; kept as it was
        return u.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return f"{u.isoformat(timespec='microseconds')[:26]}Z"  # the same text, faster


_UTC = dt.timezone.utc


def narrative_text(s: Session) -> str:
    """The searchable text of a session: narrative, intention, plan and intervention text."""
    parts: list[str] = []
    if s.intention:
        parts.append(s.intention)
    if s.narrative is not None:
        n = s.narrative
        parts += [
            t
            for t in (
                n.presenting_concerns,
                n.mental_status,
                n.observations,
                n.client_experience,
                n.assessment,
            )
            if t
        ]
    if s.plan is not None:
        parts += [*s.plan.next_steps, *s.plan.homework]
    for iv in s.interventions:
        parts += _strings(iv)
    return "\n".join(parts)


def _strings(obj: Any) -> list[str]:
    if isinstance(obj, UnknownIntervention):  # its plugin is not installed: its JSON's text
        return _json_strings(obj.data)
    out: list[str] = []
    for name in _field_names(type(obj)):
        v = getattr(obj, name)
        if isinstance(v, str):
            out.append(v)
        elif isinstance(v, tuple):
            for x in v:
                if isinstance(x, str):
                    out.append(x)
                elif attrs.has(type(x)):
                    out += _strings(x)
    return out


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(cls: type) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(a.name for a in attrs.fields(cls))
    return names


def _json_strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [t for k, v in value.items() if k != "type" for t in _json_strings(v)]
    if isinstance(value, list):
        return [t for v in value for t in _json_strings(v)]
    return []


def vitals_rows(s: Session) -> list[tuple[Any, ...]]:
    d = s.dosing
    if d is None:
        return []
    rows = []
    for seq, e in enumerate(d.monitoring):
        if isinstance(e, Vitals):
            rows.append(
                (
                    s.id,
                    seq,
                    utc_key(e.at),
                    d.minutes_after_dose(e.at),
                    e.systolic,
                    e.diastolic,
                    e.heart_rate,
                    e.spo2,
                    e.respiratory_rate,
                )
            )
    return rows


def measure_rows(
    s: Session, client_id: str, scores: Mapping[str, tuple[float | None, str | None]]
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Rows of ``measures`` and ``measure_items`` for a session (scores by measure id)."""
    measures, items = [], []
    for m in s.measures:
        total, band = scores[m.id]
        measures.append(
            (
                m.id,
                s.id,
                client_id,
                m.instrument,
                utc_key(m.administered_at),
                m.context.value,
                m.respondent.value,
                total,
                band,
            )
        )
        items += [(m.id, n, v) for n, v in enumerate(m.items, start=1) if v is not None]
    return measures, items


def course_measure_rows(
    course: TreatmentCourse, scores: Mapping[str, tuple[float | None, str | None]]
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Rows of ``measures`` (with ``course_id``, no session) and ``measure_items`` for a
    course's at-home measures (format 1.3)."""
    measures, items = [], []
    for m in course.measures:
        total, band = scores[m.id]
        measures.append(
            (m.id, None, course.client_id, m.instrument, utc_key(m.administered_at),
             m.context.value, m.respondent.value, total, band, course.id)
        )
        items += [(m.id, n, v) for n, v in enumerate(m.items, start=1) if v is not None]
    return measures, items


def course_without_sessions(course: TreatmentCourse) -> TreatmentCourse:
    from kapnotes.model import evolve

    return evolve(course, sessions=())


def intervention_rows(
    session_id: str, data: Mapping[str, Any], to_json: Callable[[Any], str]
) -> list[tuple[Any, ...]]:
    """Rows of ``interventions`` from a session's unstructured ``data``: each one's position,
    ``type`` and canonical JSON (``to_json``), exactly what ``json_each`` gives from the
    session's stored JSON (which :mod:`kapnotes.store.verify` recomputes them with)."""
    return [
        (session_id, seq, iv.get("type"), to_json(iv))
        for seq, iv in enumerate(data.get("interventions") or ())
    ]


def service_line_rows(
    session_id: str, data: Mapping[str, Any], to_json: Callable[[Any], str]
) -> list[tuple[Any, ...]]:
    """Rows of ``service_lines`` from a session's unstructured ``data`` (defaults: CPT, one
    unit), as :data:`kapnotes.store.writer.SERVICE_LINES_SELECT` takes them from its JSON."""
    rows = []
    for seq, line in enumerate(data.get("service_lines") or ()):
        system = line.get("system", "CPT")
        rows.append((
            session_id,
            seq,
            line.get("code"),
            system.value if isinstance(system, enum.Enum) else system,
            line.get("units", 1),
            line.get("rendering_clinician_id"),
            to_json(line),
        ))
    return rows
