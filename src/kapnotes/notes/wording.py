"""How values of the record are worded in notes, and the blocks that hold them.

The one module for value and date-time wording used by every note format and every
exporter: :func:`format_value` (a float, a datetime, an enum, a tuple), :func:`format_datetime`
(``2026-01-12 09:20 -07:00``; with ``seconds=True`` for signature times), field labels, and the
small block helpers (:func:`fields_block`, :func:`paragraph`, :func:`table`).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Mapping, Sequence
from enum import Enum
from typing import Any

import attrs

from kapnotes.model import (
    Agent,
    ConsentKind,
    FollowThrough,
    MeasureContext,
    Modality,
    Route,
    SessionKind,
    SignatureRole,
)
from kapnotes.notes.document import (
    Block,
    Fields,
    Paragraph,
    Table,
)

__all__ = [
    "ENUM_LABELS",
    "FIELD_LABELS",
    "LIST_SEP",
    "MISSING",
    "Blocks",
    "Rows",
    "attrs_rows",
    "before_after",
    "enum_label",
    "field_label",
    "fields_block",
    "format_clock",
    "format_date",
    "format_datetime",
    "format_fixed",
    "format_items",
    "format_minutes",
    "format_number",
    "format_offset",
    "format_span",
    "format_value",
    "humanize",
    "lines",
    "paragraph",
    "populated",
    "table",
]

Rows = list[tuple[str, str]]
Blocks = tuple[Block, ...]

#: Separator of the items of a list shown in one line (a Fields value).
LIST_SEP = "; "
#: What a table cell shows for a value that was not recorded.
MISSING = "—"

# =============================================================================================
# Value formatting: the one way each kind of value is shown
# =============================================================================================

#: Labels for enum values whose default label (the value, humanized) reads badly.
ENUM_LABELS: Mapping[type[Enum], Mapping[str, str]] = {
    Modality: {
        "in_person": "In person",
        "telehealth": "Telehealth",
        "at_home_chaperoned": "At home (chaperoned)",
    },
    Route: {"iv": "IV", "im": "IM"},
    SessionKind: {"follow-up": "Follow-up"},
    Agent: {"ketamine": "Ketamine (racemic)", "esketamine": "Esketamine"},
    SignatureRole: {"author": "author", "cosigner": "co-signer (supervisor)",
                    "prescriber_attestation": "prescriber attestation"},
    MeasureContext: {"pre_dose": "Pre-dose", "post_dose": "Post-dose", "follow_up": "Follow-up"},
    ConsentKind: {"kap_informed_consent": "KAP informed consent"},
    FollowThrough: {"not_done": "Not done"},
}


def humanize(name: str) -> str:
    """``heart_rate`` -> ``Heart rate``."""
    text = name.replace("_", " ")
    return text[:1].upper() + text[1:]


@functools.lru_cache(maxsize=1024)  # a pure function of the member: notes show the same few often
def enum_label(member: Enum) -> str:
    """How an enum value is shown: :data:`ENUM_LABELS`, else its ``label``, else its value."""
    custom = ENUM_LABELS.get(type(member), {}).get(str(member.value))
    if custom is not None:
        return custom
    own = getattr(member, "label", None)
    return own if isinstance(own, str) else humanize(str(member.value))


def format_number(value: float) -> str:
    """``51.0`` -> ``51``, ``0.75`` -> ``0.75``: no trailing zeros, at most 6 significant digits."""
    if isinstance(value, int) or value.is_integer():
        return str(int(value))
    return format(value, ".6g")


def format_fixed(value: float, decimals: int) -> str:
    """A number with exactly ``decimals`` decimals (``0.7352`` -> ``0.74`` for mg/kg)."""
    return f"{value:.{decimals}f}"


def format_offset(value: dt.datetime) -> str:
    """The UTC offset of an aware datetime as ``-07:00`` (empty for a naive one)."""
    offset = value.utcoffset()
    if offset is None:
        return ""
    return _offset_text(offset)


@functools.lru_cache(maxsize=256)  # a pure function of the offset: a record has a few
def _offset_text(offset: dt.timedelta) -> str:
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, mins = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{mins:02d}"


def format_date(value: dt.date) -> str:
    """``2026-01-12``."""
    return value.isoformat()


def format_clock(value: dt.datetime, *, seconds: bool = False) -> str:
    """The time of day, ``09:20`` (``09:20:42`` with ``seconds``)."""
    # what strftime("%H:%M[:%S]") gives, without its round trip through time.strftime
    if seconds:
        return f"{value.hour:02d}:{value.minute:02d}:{value.second:02d}"
    return f"{value.hour:02d}:{value.minute:02d}"


def format_datetime(value: dt.datetime, *, seconds: bool = False) -> str:
    """The one format of a moment in every note and every exporter: ``2026-01-12 09:20 -07:00``
    (``+00:00`` in UTC); ``seconds`` for the time of a signature (``09:20:42 -07:00``)."""
    offset = format_offset(value)
    text = f"{format_date(value.date())} {format_clock(value, seconds=seconds)}"
    return f"{text} {offset}" if offset else text


def format_span(start: dt.datetime, end: dt.datetime | None) -> str:
    """``09:00–10:15 -07:00``; both dated when they fall on different days or offsets."""
    if end is None:
        return f"{format_clock(start)} {format_offset(start)}".strip()
    if end.date() == start.date() and end.utcoffset() == start.utcoffset():
        return f"{format_clock(start)}–{format_clock(end)} {format_offset(start)}".strip()
    return f"{format_datetime(start)} – {format_datetime(end)}"


def format_minutes(minutes: float) -> str:
    """A duration in minutes, ``75 min``."""
    return f"{format_number(round(minutes, 1))} min"


def populated(value: Any) -> bool:
    """Whether a value was recorded: not None, not an empty string or tuple (False counts)."""
    return value is not None and value != "" and value != ()


def format_value(value: Any) -> str:
    """The one way a value of the record is shown in a note.

    None -> ``""``; bool -> ``Yes``/``No``; enum -> its label (:func:`enum_label`); float ->
    :func:`format_number`; datetime -> :func:`format_datetime`; date -> ISO; a tuple -> its items
    joined by ``"; "``; an attrs object -> ``Label: value`` pairs; anything else -> ``str()``.
    """
    if value is None:
        return ""
    kind = type(value)  # the usual values first, by exact type (an enum or bool is neither)
    if kind is str:
        return str(value)  # the same object (str of an exact str is itself)
    if kind is int:
        return str(value)
    if kind is float:
        return format_number(value)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, Enum):
        return enum_label(value)
    if isinstance(value, float):
        return format_number(value)
    if isinstance(value, dt.datetime):
        return format_datetime(value)
    if isinstance(value, dt.date):
        return format_date(value)
    if isinstance(value, (str, int)):
        return str(value)
    if isinstance(value, (tuple, list)):
        return LIST_SEP.join(format_value(v) for v in value if populated(v))
    if attrs.has(type(value)):
        return ", ".join(f"{label}: {text}" for label, text in attrs_rows(value))
    return str(value)


def format_items(items: Sequence[int | None]) -> str:
    """Raw item responses in item order, ``–`` for a skipped item: ``1, 2, –, 0``."""
    return ", ".join("–" if v is None else str(v) for v in items)


def lines(values: Iterable[str]) -> str:
    """Values one per line (for a table cell)."""
    return "\n".join(v for v in values if v)


def before_after(before: int | None, after: int | None) -> str:
    """``85 → 35``, or just ``85`` without an after rating."""
    if before is None:
        return "" if after is None else f"→ {after}"
    return str(before) if after is None else f"{before} → {after}"


# --- field labels ------------------------------------------------------------------------------

#: Labels of attrs fields, by ``Class.field`` (looked up along the class's MRO) or by ``field``.
FIELD_LABELS: Mapping[str, str] = {
    "RiskAssessment.suicidal_ideation": "Suicidal ideation",
    "RiskAssessment.level": "Risk level",
    "RiskAssessment.plan": "Suicidal plan",
    "RiskAssessment.intent": "Suicidal intent",
    "RiskAssessment.access_to_means": "Access to lethal means",
    "RiskAssessment.homicidal_ideation": "Homicidal ideation",
    "RiskAssessment.actions": "Risk actions taken",
    "RiskAssessment.notes": "Risk notes",
    "Preparation.fasting_hours": "Fasting (hours)",
    "Preparation.si_screen": "SI screen",
    "Preparation.consent_to_touch": "Consent to touch (this session)",
    "Preparation.go_decision": "Cleared to dose (go decision)",
    "Preparation.notes": "Preparation notes",
    "SetAndSetting.support_plan": "Support plan",
    "Intervention.minutes": "Duration (min)",
    "IntegrationWork.practices": "Practices",
    "MotivationalInterviewing.importance": "Importance (0–10)",
    "MotivationalInterviewing.confidence": "Confidence (0–10)",
    "Exposure.suds_before": "SUDS before (0–100)",
    "Exposure.suds_peak": "SUDS peak (0–100)",
    "Exposure.suds_after": "SUDS after (0–100)",
    "Discharge.at": "Discharged at",
    "Discharge.criteria_met": "Discharge criteria met",
    "Discharge.criteria": "Criteria",
    "Discharge.notes": "Discharge notes",
}


@functools.lru_cache(maxsize=1024)  # a pure function of the class and name (labels are constants)
def field_label(cls: type, name: str) -> str:
    """The label of field ``name`` of ``cls``: its own ``field(label=...)`` (attrs
    ``metadata={"label": ...}``, how a plugin labels its fields), else :data:`FIELD_LABELS`,
    else the name humanized."""
    if attrs.has(cls):
        own = attrs.fields_dict(cls).get(name)
        if own is not None and own.metadata.get("label"):
            return str(own.metadata["label"])
    for klass in cls.__mro__:
        label = FIELD_LABELS.get(f"{klass.__name__}.{name}")
        if label is not None:
            return label
    return FIELD_LABELS.get(name, humanize(name))


def attrs_rows(
    obj: Any, *, only: Sequence[str] | None = None, exclude: Iterable[str] = ()
) -> Rows:
    """``(label, value)`` for every populated field of an attrs object, in field order."""
    cls: type = type(obj)
    skip = set(exclude)
    names = only if only is not None else [a.name for a in attrs.fields(cls) if a.name not in skip]
    rows = [(field_label(cls, n), getattr(obj, n)) for n in names]
    return [(label, format_value(v)) for label, v in rows if populated(v)]


def fields_block(rows: Iterable[tuple[str, str]]) -> Blocks:
    """A Fields block of the rows that have a value (nothing when none has)."""
    kept = tuple((label, text) for label, text in rows if text)
    return (Fields(kept),) if kept else ()


def paragraph(text: str | None, label: str) -> Blocks:
    """A labelled paragraph, or nothing for an empty text."""
    return (Paragraph(text, label=label),) if text else ()


def table(columns: tuple[str, ...], rows: Iterable[tuple[str, ...]], caption: str) -> Blocks:
    """A table, or nothing without rows."""
    body = tuple(rows)
    return (Table(columns, body, caption=caption),) if body else ()


