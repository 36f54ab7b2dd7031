"""The building blocks of every note format: one place for each idea.

A note format (SOAP, DAP, the KAP dosing record, a clinic's own) is a *mapping* from **topics** to
the section headings of the format (see :mod:`kapnotes.notes.formats`). This module produces the
topics, once, for every format:

* **Value formatting.** :func:`format_value` is the one way a value of the record is shown (a float,
  a datetime, an enum, a tuple), and :func:`format_datetime` the one way a moment is shown
  (``2026-01-12 09:20 -07:00``). :func:`display_value` says how the field at a given path of a
  session appears in a note; the tests use it to check that every populated field is shown.
* **The parts every note has**: letterhead, patient banner, session facts, signature blocks (or an
  unsigned author block for a draft) and addenda.
* **Topics** (:data:`TOPICS`): self-labelled blocks about one subject (the intention, the risk
  assessment, the monitoring timeline, CBT reframing, ...). *Record* topics render fields of the
  session and declare which (``Topic.paths``); a format must place each of them or name the field
  in its ``OMITTED`` map, and an unplaced one lands in a default section. *Views* (no paths) are
  summaries or context from the course and from plugins (linked dosing session, consents on file,
  goals, safety findings, figures); a format shows them only where it maps them.

Psychotherapy notes (45 CFR 164.501) are never part of a session, so no topic can render them.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from enum import Enum
from typing import Any

import attrs

from kapnotes.errors import UnknownNameError
from kapnotes.instruments.base import Instrument, ScoreResult, ScoringError
from kapnotes.model import Addendum as RecordAddendum
from kapnotes.model import (
    AddendumKind,
    AdverseEvent,
    Agent,
    CBTReframing,
    CheckIn,
    Clinician,
    ConsentKind,
    Dissociation,
    DosingRecord,
    FollowThrough,
    IntegrationWork,
    Intervention,
    MeasureAdministration,
    MeasureContext,
    Modality,
    NoteStatus,
    Observation,
    Role,
    Route,
    Sedation,
    Session,
    SessionKind,
    Signature,
    SignatureRole,
    UnknownIntervention,
    Vitals,
)
from kapnotes.notes.document import (
    Addendum,
    Block,
    Fields,
    Figure,
    Letterhead,
    Paragraph,
    PatientBanner,
    SignatureBlock,
    Table,
)
from kapnotes.notes.format import NoteContext

__all__ = [
    "CBT_COLUMNS",
    "NOT_SHOWN",
    "TIMELINE_COLUMNS",
    "TOPICS",
    "TOPIC_BY_KEY",
    "Topic",
    "display_value",
    "format_datetime",
    "format_value",
    "letterhead",
    "note_addenda",
    "note_author",
    "patient_banner",
    "session_facts",
    "signature_blocks",
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
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, mins = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{mins:02d}"


def format_date(value: dt.date) -> str:
    """``2026-01-12``."""
    return value.isoformat()


def format_clock(value: dt.datetime) -> str:
    """The time of day, ``09:20``."""
    return value.strftime("%H:%M")


def format_datetime(value: dt.datetime) -> str:
    """The one format of a moment in every note: ``2026-01-12 09:20 -07:00``."""
    offset = format_offset(value)
    text = f"{format_date(value.date())} {format_clock(value)}"
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


def field_label(cls: type, name: str) -> str:
    """The label of field ``name`` of ``cls``: :data:`FIELD_LABELS`, else the name humanized."""
    for klass in cls.__mro__:
        label = FIELD_LABELS.get(f"{klass.__name__}.{name}")
        if label is not None:
            return label
    return FIELD_LABELS.get(name, humanize(name))


def attrs_rows(
    obj: Any, *, only: Sequence[str] | None = None, exclude: Iterable[str] = ()
) -> Rows:
    """``(label, value)`` for every populated field of an attrs object, in field order."""
    cls = type(obj)
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


# =============================================================================================
# People
# =============================================================================================


def clinician_parts(ctx: NoteContext, clinician_id: str) -> tuple[str, str]:
    """``(name, credentials)`` of a clinician; the id and no credentials when unknown."""
    c: Clinician | None = ctx.clinicians.get(clinician_id)
    return (c.name, c.credentials) if c is not None else (clinician_id, "")


def clinician_name(ctx: NoteContext, clinician_id: str) -> str:
    """How a clinician reference is shown wherever a name is enough."""
    return clinician_parts(ctx, clinician_id)[0]


# =============================================================================================
# The parts of every note: letterhead, banner, facts, signatures, addenda
# =============================================================================================


def letterhead(ctx: NoteContext) -> Letterhead:
    """The clinic's name, address, phone and NPI."""
    clinic = ctx.clinic
    if clinic is None:
        return Letterhead(clinic_name="")
    out: list[str] = []
    if clinic.address is not None:
        a = clinic.address
        out += list(a.lines)
        place = " ".join(p for p in (a.state, a.postal_code) if p)
        out.append(", ".join(p for p in (a.city, place) if p))
    if clinic.phone:
        out.append(f"Phone {clinic.phone}")
    if clinic.npi:
        out.append(f"NPI {clinic.npi}")
    return Letterhead(clinic_name=clinic.name, lines=tuple(line for line in out if line))


def patient_banner(ctx: NoteContext) -> PatientBanner:
    """The client's name, date of birth and MRN (the course's client id without a client)."""
    client = ctx.client
    if client is None:
        fallback = ctx.course.client_id if ctx.course is not None else ""
        return PatientBanner(name=fallback, date_of_birth=None, mrn=None)
    return PatientBanner(name=client.name.display, date_of_birth=client.date_of_birth, mrn=client.mrn)


def session_facts(
    ctx: NoteContext, omits: Callable[[str], bool] = lambda _path: False
) -> tuple[tuple[str, str], ...]:
    """Date, time span with UTC offset, duration, kind, modality, location, clinicians with
    roles, people present, note status and session id; ``omits(path)`` leaves a field out."""
    s = ctx.session
    facts: list[tuple[str, str, str]] = [
        ("start", "Date", format_date(s.start.date())),
        ("start", "Time", format_span(s.start, s.end)),
        ("end", "Duration", format_minutes(s.duration_minutes) if s.duration_minutes else ""),
        ("kind", "Session type", format_value(s.kind)),
        ("modality", "Modality", format_value(s.modality)),
        ("location", "Location", s.location or ""),
        ("clinicians", "Clinicians", LIST_SEP.join(_session_clinician(ctx, s, i)
                                                   for i in range(len(s.clinicians)))),
        ("present", "People present", LIST_SEP.join(_person(p.name, p.relationship)
                                                    for p in s.present)),
        ("status", "Note status", format_value(s.status)),
        ("id", "Session ID", s.id),
    ]
    return tuple((label, text) for path, label, text in facts if text and not omits(path))


def _session_clinician(ctx: NoteContext, s: Session, i: int) -> str:
    c = s.clinicians[i]
    return f"{ctx.clinician_label(c.clinician_id)} ({format_value(c.role)})"


def _person(name: str, relationship: str | None) -> str:
    return f"{name} ({relationship})" if relationship else name


def signature_block(sig: Signature) -> SignatureBlock:
    """A signature of the record as a note's signature block."""
    return SignatureBlock(
        signer=sig.signer_name,
        credentials=sig.credentials,
        role=format_value(sig.role),
        signed_at=sig.signed_at,
        content_hash=sig.content_hash,
        statement=sig.statement,
    )


def _draft_author(ctx: NoteContext) -> str | None:
    """The clinician expected to sign a draft: the first therapist, else the first clinician."""
    s = ctx.session
    therapists = [c.clinician_id for c in s.clinicians if c.role is Role.THERAPIST]
    ids = therapists or [c.clinician_id for c in s.clinicians]
    return ids[0] if ids else None


def signature_blocks(ctx: NoteContext) -> tuple[SignatureBlock, ...]:
    """Every signature line: the session's signatures, and unsigned lines for those still due
    (a draft's author and, for a pre-licensed author, the supervisor; a dosing record's
    ordering prescriber, who attests the medical part)."""
    s = ctx.session
    blocks = _signature_lines(ctx)
    ordering = s.dosing.ordering_clinician_id if s.dosing is not None else None
    attested = any(sig.role is SignatureRole.PRESCRIBER_ATTESTATION for sig in s.signatures)
    if ordering is not None and not attested:
        blocks.append(_unsigned(ctx, ordering, SignatureRole.PRESCRIBER_ATTESTATION))
    return tuple(blocks)


def _signature_lines(ctx: NoteContext) -> list[SignatureBlock]:
    s = ctx.session
    if s.signatures:
        return [signature_block(sig) for sig in s.signatures]
    author = _draft_author(ctx)
    if author is None:
        return [SignatureBlock(signer="", credentials="", role=format_value(SignatureRole.AUTHOR))]
    blocks = [_unsigned(ctx, author, SignatureRole.AUTHOR)]
    clinician = ctx.clinicians.get(author)
    if clinician is not None and not clinician.licensed and clinician.supervisor_id:
        blocks.append(_unsigned(ctx, clinician.supervisor_id, SignatureRole.COSIGNER))
    return blocks


def _unsigned(ctx: NoteContext, clinician_id: str, role: SignatureRole) -> SignatureBlock:
    name, credentials = clinician_parts(ctx, clinician_id)
    return SignatureBlock(signer=name, credentials=credentials, role=format_value(role))


def note_author(ctx: NoteContext) -> str:
    """The author: who signed as author, else who is expected to sign the draft."""
    for sig in ctx.session.signatures:
        if sig.role is SignatureRole.AUTHOR:
            return sig.signer_name
    author = _draft_author(ctx)
    return clinician_name(ctx, author) if author else ""


def note_addendum(ctx: NoteContext, a: RecordAddendum) -> Addendum:
    """An addendum of the record as a note addendum (author resolved to name and credentials)."""
    name, credentials = clinician_parts(ctx, a.author_id)
    if a.author_id not in ctx.clinicians and a.signature is not None:
        name, credentials = a.signature.signer_name, a.signature.credentials
    return Addendum(
        kind="amendment" if a.kind is AddendumKind.AMENDMENT else "addendum",
        author=name,
        credentials=credentials,
        written_at=a.written_at,
        text=a.text,
        signature=signature_block(a.signature) if a.signature is not None else None,
        reason=a.reason,
    )


def note_addenda(ctx: NoteContext) -> tuple[Addendum, ...]:
    """Every addendum and amendment, in the order written."""
    return tuple(note_addendum(ctx, a) for a in ctx.session.addenda)


# =============================================================================================
# Interventions
# =============================================================================================

InterventionRenderer = Callable[[NoteContext, Intervention], Blocks]

CBT_COLUMNS: tuple[str, ...] = (
    "Situation",
    "Automatic thought",
    "Emotions (0–100, before → after)",
    "Distortions",
    "Evidence for",
    "Evidence against",
    "Balanced thought",
    "Belief in thought (0–100, before → after)",
)

#: The fields of integration work shown with its themes (commitments have their own topics).
INTEGRATION_FIELDS = ("themes", "insights", "meaning", "values", "practices")


def _label(obj: Intervention) -> str:
    return str(getattr(type(obj), "label", "") or humanize(type(obj).__name__))


def _extension_rows(obj: Any, base: type) -> Rows:
    """Rows of the fields a subclass (a plugin's) adds to ``base``: nothing is lost."""
    own = {a.name for a in attrs.fields(base)}
    return attrs_rows(obj, only=[a.name for a in attrs.fields(type(obj)) if a.name not in own])


def _heading_rows(obj: Intervention) -> Rows:
    return [("Intervention", _label(obj)), *attrs_rows(obj, only=("minutes",))]


def generic_intervention(ctx: NoteContext, obj: Intervention) -> Blocks:
    """Any intervention type, by introspecting its attrs fields (the fallback for plugins)."""
    rows = [
        *_heading_rows(obj),
        *attrs_rows(obj, exclude=("minutes", "notes")),
        *attrs_rows(obj, only=("notes",)),
    ]
    return fields_block(rows)


def _json_text(value: Any) -> str:
    """A value of an unknown intervention's JSON as note text (nested values as compact JSON)."""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, (str, int, float)):
        return str(value)
    if isinstance(value, list) and all(isinstance(v, (str, int, float)) for v in value):
        return "; ".join(map(_json_text, value))
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def unknown_intervention(ctx: NoteContext, obj: Intervention) -> Blocks:
    """An intervention whose plugin is not installed: every field of its JSON, as recorded,
    marked ``type 'music-set' — its plugin is not installed``."""
    assert isinstance(obj, UnknownIntervention)
    data = obj.data
    order = [
        *(k for k in ("minutes",) if k in data),
        *(k for k in data if k not in ("type", "minutes", "notes")),
        *(k for k in ("notes",) if k in data),
    ]
    rows = [
        ("Intervention", humanize(obj.tag.replace("-", " "))),
        ("Type", obj.missing_plugin_note),
        *((humanize(k), _json_text(data[k])) for k in order if data[k] is not None),
    ]
    return fields_block(rows)


def _emotion(e: Any) -> str:
    return f"{e.emotion} {before_after(e.before, e.after)}"


def cbt_row(cbt: CBTReframing) -> tuple[str, ...]:
    """One thought record as a row of :data:`CBT_COLUMNS`."""
    return (
        cbt.situation,
        cbt.automatic_thought,
        lines(_emotion(e) for e in cbt.emotions),
        lines(format_value(d) for d in cbt.distortions),
        lines(cbt.evidence_for),
        lines(cbt.evidence_against),
        cbt.balanced_thought or "",
        before_after(cbt.belief_before, cbt.belief_after),
    )


def cbt_blocks(ctx: NoteContext, obj: Intervention) -> Blocks:
    """CBT reframing as a thought-record table, its duration and notes."""
    assert isinstance(obj, CBTReframing)
    duration = f" ({format_minutes(obj.minutes)})" if obj.minutes is not None else ""
    caption = f"{_label(obj)}: thought record{duration}"
    notes = paragraph(obj.notes, "Notes")
    extension = fields_block(_extension_rows(obj, CBTReframing))
    return (Table(CBT_COLUMNS, (cbt_row(obj),), caption=caption), *notes, *extension)


def integration_blocks(ctx: NoteContext, obj: Intervention) -> Blocks:
    """Integration work: linked dosing session, themes, insights, meaning, values, practices."""
    assert isinstance(obj, IntegrationWork)
    linked = linked_session_label(ctx, obj.dosing_session_id) if obj.dosing_session_id else ""
    rows = [
        *_heading_rows(obj),
        ("Dosing session integrated", linked),
        *attrs_rows(obj, only=INTEGRATION_FIELDS),
        *attrs_rows(obj, only=("notes",)),
        *_extension_rows(obj, IntegrationWork),
    ]
    return fields_block(rows)


#: Renderers of intervention types that deserve more than a list of fields (subclasses too).
INTERVENTION_RENDERERS: Mapping[type[Intervention], InterventionRenderer] = {
    CBTReframing: cbt_blocks,
    IntegrationWork: integration_blocks,
}


def render_intervention(ctx: NoteContext, obj: Intervention) -> Blocks:
    """An intervention with its type's renderer, else :func:`generic_intervention`; one whose
    plugin is not installed with :func:`unknown_intervention`."""
    if isinstance(obj, UnknownIntervention):
        return unknown_intervention(ctx, obj)
    for cls in type(obj).__mro__:
        renderer = INTERVENTION_RENDERERS.get(cls)
        if renderer is not None:
            return renderer(ctx, obj)
    return generic_intervention(ctx, obj)


def _of_type(ctx: NoteContext, cls: type[Intervention]) -> list[Any]:
    return [i for i in ctx.session.interventions if isinstance(i, cls)]


def _render_all(ctx: NoteContext, items: Iterable[Intervention]) -> Blocks:
    return tuple(b for i in items for b in render_intervention(ctx, i))


def other_interventions_topic(ctx: NoteContext) -> Blocks:
    """Every intervention that is neither CBT reframing nor integration work, in session order."""
    special = tuple(INTERVENTION_RENDERERS)
    return _render_all(ctx, (i for i in ctx.session.interventions if not isinstance(i, special)))


def cbt_topic(ctx: NoteContext) -> Blocks:
    return _render_all(ctx, _of_type(ctx, CBTReframing))


def integration_topic(ctx: NoteContext) -> Blocks:
    return _render_all(ctx, _of_type(ctx, IntegrationWork))


def commitments_topic(ctx: NoteContext) -> Blocks:
    """Commitments (homework) made in integration work, with due dates."""
    rows = (
        (c.text, format_value(c.due) or MISSING)
        for w in _of_type(ctx, IntegrationWork)
        for c in w.commitments
    )
    return table(("Commitment", "Due"), rows, "Commitments")


def follow_through_topic(ctx: NoteContext) -> Blocks:
    """Follow-through on commitments made earlier."""
    rows = (
        (r.commitment, format_value(r.status), r.notes or "")
        for w in _of_type(ctx, IntegrationWork)
        for r in w.reviewed_commitments
    )
    columns = ("Earlier commitment", "Follow-through", "Notes")
    return table(columns, rows, "Follow-through on earlier commitments")


# =============================================================================================
# The dosing record
# =============================================================================================


def _dosing(ctx: NoteContext) -> DosingRecord | None:
    return ctx.session.dosing


def mg(value: float) -> str:
    return f"{format_number(value)} mg"


def mg_per_kg(d: DosingRecord) -> str:
    """The initial dose per kg of body weight to 2 decimals (empty without a weight)."""
    return f"{format_fixed(d.mg_per_kg, 2)} mg/kg" if d.mg_per_kg is not None else ""


def medicine_summary(d: DosingRecord) -> str:
    """``Ketamine (racemic) 51 mg IM (0.75 mg/kg)``."""
    per_kg = (f" ({mg_per_kg(d)})"
              if d.body_weight_kg is not None and d.agent is not Agent.ESKETAMINE else "")
    return f"{format_value(d.agent)} {mg(d.dose_mg)} {format_value(d.route)}{per_kg}"


def minutes_after(d: DosingRecord, at: dt.datetime) -> str:
    """Whole minutes since the first administration (negative before it): ``40``, ``-10``."""
    return str(round(d.minutes_after_dose(at)))


def _same_day(d: DosingRecord, at: dt.datetime) -> bool:
    ref = d.administered_at
    return at.date() == ref.date() and at.utcoffset() == ref.utcoffset()


def timeline_time(d: DosingRecord, at: dt.datetime) -> str:
    """The time of day on the dose's day and offset; the full datetime otherwise."""
    return format_clock(at) if _same_day(d, at) else format_datetime(at)


def medicine_rows(d: DosingRecord) -> Rows:
    """Agent, route, dose, weight, mg/kg, time, lot, infusion and total dose with boosters."""
    rows = [
        ("Agent", format_value(d.agent)),
        ("Route", format_value(d.route)),
        ("Dose", mg(d.dose_mg)),
        ("Body weight", f"{format_number(d.body_weight_kg)} kg" if d.body_weight_kg else ""),
        # esketamine is dosed in fixed mg, never by weight: no mg/kg row
        ("Dose per body weight", mg_per_kg(d) if d.agent is not Agent.ESKETAMINE else ""),
        ("Time given", format_datetime(d.administered_at)),
        ("Lot number", d.lot_number or ""),
        ("Infusion duration", format_minutes(d.infusion_minutes) if d.infusion_minutes else ""),
    ]
    if d.boosters:
        rows.append(("Total dose incl. boosters", mg(d.total_dose_mg)))
    return rows


def boosters_table(d: DosingRecord) -> Blocks:
    rows = (
        (
            format_datetime(b.at),
            minutes_after(d, b.at),
            mg(b.dose_mg),
            format_value(b.route) or MISSING,
            b.lot_number or MISSING,
            b.reason or "",
        )
        for b in d.boosters
    )
    return table(("Time", "Min", "Dose", "Route", "Lot", "Reason"), rows, "Boosters")


def _adjunct_dose(dose: float | None, unit: str | None) -> str:
    if dose is None:
        return unit or MISSING
    return f"{format_number(dose)} {unit}" if unit else format_number(dose)


def adjuncts_table(d: DosingRecord) -> Blocks:
    rows = (
        (
            a.name,
            _adjunct_dose(a.dose, a.unit),
            format_value(a.route) or MISSING,
            format_datetime(a.at) if a.at else MISSING,
            a.reason or "",
        )
        for a in d.adjuncts
    )
    columns = ("Medication", "Dose", "Route", "Time", "Reason")
    return table(columns, rows, "Adjunct medications")


def medicine_topic(ctx: NoteContext) -> Blocks:
    """The medicine given: Fields, then the boosters and adjuncts tables."""
    d = _dosing(ctx)
    if d is None:
        return ()
    who = [
        (label, clinician_name(ctx, cid))
        for label, cid in (
            ("Ordered by", d.ordering_clinician_id),
            ("Administered by", d.administering_clinician_id),
            ("Monitored by", d.monitoring_clinician_id),
        )
        if cid
    ]
    return (*fields_block([*medicine_rows(d), *who]), *boosters_table(d), *adjuncts_table(d))


def _yes_no_unknown(answer: Enum) -> str:
    return format_value(answer)


def pre_screen_topic(ctx: NoteContext) -> Blocks:
    """The medical pre-screen: allergies, contraindications, medications, prior antidepressant
    trials, pregnancy test, height and BMI."""
    p = ctx.session.pre_screen
    if p is None:
        return ()
    out: list[Block] = []
    rows: Rows = []
    if p.no_known_allergies:
        rows.append(("Allergies", "No known allergies"))
    if p.pregnancy_test is not None:
        rows.append(("Pregnancy test", format_value(p.pregnancy_test)))
    if p.height_cm is not None:
        rows.append(("Height", f"{format_number(p.height_cm)} cm"))
        weight = ctx.session.dosing.body_weight_kg if ctx.session.dosing is not None else None
        bmi = p.bmi(weight)
        if bmi is not None:
            rows.append(("BMI", format_number(bmi)))
    if p.medications is not None and not p.medications:
        rows.append(("Medications", "None taken (reviewed)"))
    out += fields_block(rows)
    if p.allergies:
        out += table(("Substance", "Reaction", "Severity"),
                     ((a.substance, a.reaction or "", format_value(a.severity))
                      for a in p.allergies), "Allergies")
    screen = p.contraindications
    if screen is not None:
        by = clinician_name(ctx, screen.screened_by) if screen.screened_by else MISSING
        on = format_value(screen.screened_on) if screen.screened_on else MISSING
        out += table(("Condition", "Answer", "Notes"),
                     ((a.condition.label, _yes_no_unknown(a.answer), a.notes or "")
                      for a in screen.answers),
                     f"Contraindication screen (screened by {by}, {on})")
    if p.medications:
        out += table(("Medication", "Dose", "Classes"),
                     ((m.name, m.dose or "", format_value(m.classes)) for m in p.medications),
                     "Current medications")
    if p.antidepressant_trials:
        out += table(("Agent", "Dose", "Weeks", "Adequate", "Outcome"),
                     ((t.agent, t.dose or "", format_value(t.weeks), format_value(t.adequate),
                       format_value(t.outcome)) for t in p.antidepressant_trials),
                     "Prior antidepressant trials")
    return tuple(out)


def _preparation_topic(names: tuple[str, ...]) -> Callable[[NoteContext], Blocks]:
    def build(ctx: NoteContext) -> Blocks:
        d = _dosing(ctx)
        if d is None or d.preparation is None:
            return ()
        return fields_block(attrs_rows(d.preparation, only=names))

    return build


CONSENT_CHECKS = ("consent_reviewed", "consent_to_touch")
BASELINE_CHECKS = (
    "fasting_hours",
    "medications_reviewed",
    "si_screen",
    "pregnancy_test",
    "go_decision",
    "notes",
)


# --- the monitoring timeline -------------------------------------------------------------------

TIMELINE_COLUMNS: tuple[str, ...] = (
    "Min",
    "Time",
    "BP (mmHg)",
    "HR (/min)",
    "SpO2 (%)",
    "RR (/min)",
    "MOAA/S",
    "CADSS",
    "Events / notes",
)


@attrs.define
class _Row:
    """One moment of the timeline: what was measured and what happened."""

    at: dt.datetime
    vitals: Vitals | None = None
    moaas: int | None = None
    cadss: str | None = None
    events: list[str] = attrs.Factory(list)

    def takes(self, entry: object) -> bool:
        """Whether ``entry`` fits in this row (same moment, its slot still free)."""
        if isinstance(entry, Vitals):
            return self.vitals is None
        if isinstance(entry, Sedation):
            return self.moaas is None
        if isinstance(entry, Dissociation):
            return self.cadss is None
        return True

    def put(self, entry: object) -> None:
        if isinstance(entry, Vitals):
            self.vitals = entry
        elif isinstance(entry, Sedation):
            self.moaas = entry.score
        elif isinstance(entry, Dissociation):
            scale = f" ({format_value(entry.scale)})" if entry.scale is not None else ""
            self.cadss = f"{entry.total}{scale}"
        else:
            self.events.append(str(entry))


def adverse_event_text(e: AdverseEvent) -> str:
    """``Adverse event: nausea (Mild); action: ...; resolved 2026-01-12 10:20 -07:00``."""
    parts = [f"Adverse event: {e.event} ({format_value(e.severity)})"]
    if e.action:
        parts.append(f"action: {e.action}")
    if e.resolved_at is not None:
        parts.append(f"resolved {format_datetime(e.resolved_at)}")
    return "; ".join(parts)


def _medication_events(d: DosingRecord) -> Iterator[tuple[dt.datetime, str]]:
    infusion = f", infused over {format_minutes(d.infusion_minutes)}" if d.infusion_minutes else ""
    yield d.administered_at, f"Dose given: {medicine_summary(d)}{infusion}"
    for b in d.boosters:
        route = f" {format_value(b.route)}" if b.route else ""
        reason = f" ({b.reason})" if b.reason else ""
        yield b.at, f"Booster: {mg(b.dose_mg)}{route}{reason}"
    for a in d.adjuncts:
        if a.at is not None:
            route = f" {format_value(a.route)}" if a.route else ""
            yield a.at, f"Adjunct: {a.name} {_adjunct_dose(a.dose, a.unit)}{route}"
    if d.discharge is not None:
        met = "criteria met" if d.discharge.criteria_met else "criteria NOT met"
        yield d.discharge.at, f"Discharge ({met})"


def _timeline_entries(d: DosingRecord) -> list[tuple[dt.datetime, object]]:
    """Monitoring entries and medication events in time order (entries first at equal times)."""
    out: list[tuple[dt.datetime, object]] = []
    for e in d.monitoring:
        if isinstance(e, AdverseEvent):
            out.append((e.at, adverse_event_text(e)))
        elif isinstance(e, Observation):
            out.append((e.at, f"Observation: {e.text}"))
        elif isinstance(e, CheckIn):
            notes = f"; {e.notes}" if e.notes else ""
            out.append((e.at, f"Chaperone check-in ({e.by}): {format_value(e.status)}{notes}"))
        else:
            out.append((e.at, e))
    out += list(_medication_events(d))
    return sorted(out, key=lambda pair: pair[0])


def timeline_rows(d: DosingRecord) -> list[_Row]:
    """One row per moment; entries at the same moment share a row while their slots are free."""
    rows: list[_Row] = []
    for at, entry in _timeline_entries(d):
        row = next((r for r in reversed(rows) if r.at == at and r.takes(entry)), None)
        if row is None:
            row = _Row(at)
            rows.append(row)
        row.put(entry)
    return rows


def _vitals_cells(v: Vitals | None) -> tuple[str, str, str, str]:
    if v is None:
        return ("", "", "", "")
    bp = f"{v.systolic}/{v.diastolic}" if v.systolic is not None else ""
    return (bp, format_value(v.heart_rate), format_value(v.spo2), format_value(v.respiratory_rate))


def timeline_table(d: DosingRecord) -> Table:
    """The monitoring timeline as ONE table; Min = minutes since the first administration."""
    body = tuple(
        (
            minutes_after(d, r.at),
            timeline_time(d, r.at),
            *_vitals_cells(r.vitals),
            format_value(r.moaas),
            format_value(r.cadss),
            lines(r.events),
        )
        for r in timeline_rows(d)
    )
    caption = (
        f"Monitoring timeline. Min = minutes since the first administration at "
        f"{format_datetime(d.administered_at)} (negative = before the dose); times are on that "
        f"day and UTC offset unless dated. MOAA/S 0–5 (5 = responds readily); CADSS total 0–92."
    )
    return Table(TIMELINE_COLUMNS, body, caption=caption)


def monitoring_topic(ctx: NoteContext) -> Blocks:
    d = _dosing(ctx)
    if d is None or not (d.monitoring or d.boosters or d.discharge):
        return ()
    return (timeline_table(d),)


def adverse_events_view(ctx: NoteContext) -> Blocks:
    """The adverse events of the timeline, one row each (a view: the timeline shows them too)."""
    d = _dosing(ctx)
    if d is None:
        return ()
    rows = (
        (
            minutes_after(d, e.at),
            timeline_time(d, e.at),
            e.event,
            format_value(e.severity),
            e.action or "",
            format_datetime(e.resolved_at) if e.resolved_at else "not recorded",
        )
        for e in d.monitoring
        if isinstance(e, AdverseEvent)
    )
    columns = ("Min", "Time", "Event", "Severity", "Action", "Resolved")
    found = table(columns, rows, "Adverse events")
    if found or not d.adjuncts:
        return found
    given = "; ".join(
        f"{a.name} {_adjunct_dose(a.dose, a.unit)}" + (f" ({a.reason})" if a.reason else "")
        for a in d.adjuncts
    )
    return (Paragraph(f"No adverse events recorded. Adjunct medication given: {given}."),)


def diagnosis_view(ctx: NoteContext) -> Blocks:
    """``Diagnosis: F33.2 Major depressive disorder, ...``: the course's indications, primary
    first (a view of the course)."""
    course = ctx.course
    if course is None or not course.indications:
        return ()
    ordered = sorted(course.indications, key=lambda i: not i.primary)
    text = "; ".join(f"{i.code} {i.display}" for i in ordered)
    return (Paragraph(f"Diagnosis: {text}"),)


def vitals_summary(v: Vitals) -> str:
    """``BP 120/78 mmHg, HR 70/min, SpO2 98%, RR 14/min``."""
    parts = []
    if v.systolic is not None:
        parts.append(f"BP {v.systolic}/{v.diastolic} mmHg")
    if v.heart_rate is not None:
        parts.append(f"HR {v.heart_rate}/min")
    if v.spo2 is not None:
        parts.append(f"SpO2 {v.spo2}%")
    if v.respiratory_rate is not None:
        parts.append(f"RR {v.respiratory_rate}/min")
    return ", ".join(parts)


def baseline_vitals_view(ctx: NoteContext) -> Blocks:
    """The last vital signs taken before the dose, else those taken at the dose (a view of the
    timeline)."""
    d = _dosing(ctx)
    if d is None:
        return ()
    before = [v for v in d.vitals() if v.at < d.administered_at]
    before = before or [v for v in d.vitals() if v.at == d.administered_at]
    if not before:
        return (Fields((("Pre-dose vitals", "none recorded before the dose"),)),)
    v = before[-1]
    when = f"{timeline_time(d, v.at)}, {minutes_after(d, v.at)} min"
    return (Fields((("Pre-dose vitals", f"{vitals_summary(v)} ({when})"),)),)


def discharge_topic(ctx: NoteContext) -> Blocks:
    """Discharge: when, criteria, escort and transport."""
    d = _dosing(ctx)
    if d is None or d.discharge is None:
        return ()
    dis = d.discharge
    rows = [
        *attrs_rows(dis, only=("at",)),
        ("Observed after the dose", format_minutes(d.minutes_after_dose(dis.at))),
        *attrs_rows(dis, only=("criteria_met", "criteria")),
        ("Escort", _person(dis.escort, dis.escort_relationship) if dis.escort
                   else dis.escort_relationship or ""),
        *attrs_rows(dis, only=("transport", "notes")),
    ]
    return fields_block(rows)


# =============================================================================================
# Measures
# =============================================================================================


def instrument(name: str) -> Instrument | None:
    """The registered instrument ``name`` (aliases too), or None when it is not registered.

    A registry that cannot be built because a built-in plugin module is missing (ImportError)
    counts as "not registered": the note still shows the raw responses.
    """
    try:
        from kapnotes.scoring import get_instrument

        return get_instrument(name)
    except (ImportError, UnknownNameError):
        return None


def instrument_title(name: str) -> str:
    """``PHQ-9`` for ``phq9``; the name as recorded for an instrument no plugin registers."""
    found = instrument(name)
    return found.title if found is not None else name


@attrs.frozen
class MeasureScore:
    """How a measure's score is shown: total, band and flags (or why it was not scored)."""

    total: str
    band: str
    flags: str


def _scored(result: ScoreResult) -> MeasureScore:
    flags = [f.message for f in result.flags]
    if not result.complete:
        flags.append(f"incomplete: {result.completeness} items answered")
    band = result.band or (f"risk: {result.risk_level}" if result.risk_level else "")
    total = format_value(result.total) if result.total is not None else "no total"
    return MeasureScore(total=total, band=band, flags=lines(flags))


def measure_score(m: MeasureAdministration) -> MeasureScore:
    """Score ``m`` with its registered instrument, or say why it is not scored."""
    found = instrument(m.instrument)
    if found is None:
        return MeasureScore(total="not scored", band="", flags="instrument not registered")
    try:
        return _scored(found.score(m.items))
    except ScoringError as exc:
        why = LIST_SEP.join(str(p) for p in exc.problems)
        return MeasureScore(total="not scored", band="", flags=f"cannot be scored: {why}")


MEASURE_COLUMNS: tuple[str, ...] = (
    "Instrument",
    "Context",
    "When",
    "Total",
    "Band",
    "Flags",
    "Item responses",
    "Details",
)


def _measure_details(ctx: NoteContext, m: MeasureAdministration) -> str:
    by = f"administered by {ctx.clinician_label(m.administered_by)}" if m.administered_by else ""
    return lines((f"Respondent: {format_value(m.respondent)}", by, m.notes or ""))


def measure_row(ctx: NoteContext, m: MeasureAdministration) -> tuple[str, ...]:
    s = measure_score(m)
    return (
        instrument_title(m.instrument),
        format_value(m.context),
        format_datetime(m.administered_at),
        s.total,
        s.band,
        s.flags,
        format_items(m.items),
        _measure_details(ctx, m),
    )


def measures_topic(ctx: NoteContext) -> Blocks:
    rows = (measure_row(ctx, m) for m in ctx.session.measures)
    caption = "Standardized measures (item responses in item order; – = not answered)"
    return table(MEASURE_COLUMNS, rows, caption)


# =============================================================================================
# The session's own narrative, intention, setting, risk and plan
# =============================================================================================


def _narrative(name: str, label: str) -> Callable[[NoteContext], Blocks]:
    def build(ctx: NoteContext) -> Blocks:
        n = ctx.session.narrative
        return paragraph(getattr(n, name) if n is not None else None, label)

    return build


def _fields_of(attr: str) -> Callable[[NoteContext], Blocks]:
    """A topic showing every populated field of the session's attrs object ``attr``."""

    def build(ctx: NoteContext) -> Blocks:
        obj = getattr(ctx.session, attr)
        return fields_block(attrs_rows(obj)) if obj is not None else ()

    return build


def intention_topic(ctx: NoteContext) -> Blocks:
    return paragraph(ctx.session.intention, "Intention")


# =============================================================================================
# Views: the course and what plugins add
# =============================================================================================


def linked_dosing_session(ctx: NoteContext) -> Session | None:
    """The dosing session this session integrates: the one its integration work names, else
    the last dosing session of the course before this one."""
    course = ctx.course
    if course is None:
        return None
    named = [w.dosing_session_id for w in _of_type(ctx, IntegrationWork) if w.dosing_session_id]
    by_id = {s.id: s for s in course.dosing_sessions}
    for sid in named:
        if sid in by_id:
            return by_id[sid]
    earlier = [s for s in course.dosing_sessions if s.start < ctx.session.start]
    return earlier[-1] if earlier else None


def linked_session_label(ctx: NoteContext, session_id: str) -> str:
    """``ses-1 (2026-01-12; Ketamine (racemic) 51 mg IM (0.75 mg/kg))``, or the id alone."""
    course = ctx.course
    found = next((s for s in course.sessions if s.id == session_id), None) if course else None
    if found is None:
        return session_id
    summary = [format_date(found.start.date())]
    if found.dosing is not None:
        summary.append(medicine_summary(found.dosing))
    return f"{session_id} ({LIST_SEP.join(summary)})"


def linked_dosing_view(ctx: NoteContext) -> Blocks:
    """Summary of the dosing session being integrated: date, medicine, dose, experience."""
    s = linked_dosing_session(ctx)
    if s is None:
        return ()
    rows = [("Session", s.id), ("Date", format_date(s.start.date()))]
    if s.dosing is not None:
        rows += [("Medicine", medicine_summary(s.dosing))]
        if s.dosing.boosters:
            rows += [("Total dose incl. boosters", mg(s.dosing.total_dose_mg))]
    experience = s.narrative.client_experience if s.narrative is not None else None
    rows += [("Client experience (dosing session)", experience or "")]
    return fields_block(rows)


def dosing_intention_view(ctx: NoteContext) -> Blocks:
    """The intention set for the dosing session being integrated."""
    s = linked_dosing_session(ctx)
    return paragraph(s.intention if s is not None else None, "Intention for the dosing session")


def _consent_status(ctx: NoteContext, c: Any) -> str:
    if not c.given:
        return "refused"
    return "in force" if c.in_force_on(ctx.session.start.date()) else "not in force"


def consents_view(ctx: NoteContext) -> Blocks:
    """The consents on file in the course and whether each is in force on the session date."""
    course = ctx.course
    if course is None:
        return ()
    rows = tuple(
        (
            format_value(c.kind) + (f": {c.description}" if c.description else ""),
            _consent_status(ctx, c),
            format_date(c.obtained_on),
            format_value(c.expires_on) or MISSING,
            format_value(c.withdrawn_on) or MISSING,
            c.scope or "",
            c.document_ref or "",
        )
        for c in course.consents
    )
    columns = ("Consent", "On session date", "Obtained", "Expires", "Withdrawn", "Scope", "Document")
    blocks = table(columns, rows, "Consents on file")
    if course.consent(ConsentKind.KAP_INFORMED_CONSENT, ctx.session.start.date()) is None:
        blocks += (Paragraph("No KAP informed consent in force on the session date.", "Consent"),)
    return blocks


def goals_view(ctx: NoteContext) -> Blocks:
    """The course's treatment goals, with this session's score on a goal's instrument."""
    course = ctx.course
    if course is None:
        return ()
    rows = (
        (
            g.description,
            instrument_title(g.instrument) if g.instrument else MISSING,
            format_value(g.target_score) or MISSING,
            format_value(g.target_date) or MISSING,
            _session_total(ctx, g.instrument),
        )
        for g in course.goals
    )
    columns = ("Goal", "Measure", "Target score", "Target date", "This session")
    return table(columns, rows, "Treatment goals")


def _session_total(ctx: NoteContext, name: str | None) -> str:
    if name is None:
        return MISSING
    found = [m for m in ctx.session.measures if m.instrument == name]
    return measure_score(found[-1]).total if found else MISSING


def problems_view(ctx: NoteContext) -> Blocks:
    """The course's indications (ICD-10-CM), primary first."""
    course = ctx.course
    if course is None:
        return ()
    ordered = sorted(course.indications, key=lambda i: not i.primary)
    rows = ((i.code, i.display, "primary" if i.primary else "") for i in ordered)
    return table(("ICD-10-CM", "Problem", "Primary"), rows, "Indications")


def blocking_findings(ctx: NoteContext) -> tuple[str, ...]:
    """On a draft, ``CODE: message`` of each blocking finding in ``ctx.extra["findings"]``."""
    if ctx.session.status is not NoteStatus.DRAFT:
        return ()
    found = ctx.extra.get("findings") or ()
    return tuple(
        f"{getattr(f, 'code', '')}: {getattr(f, 'message', '')}"
        for f in found
        if getattr(getattr(f, "severity", None), "value", getattr(f, "severity", None))
        == "blocking"
    )


def findings_view(ctx: NoteContext) -> Blocks:
    """Safety findings a plugin put in ``ctx.extra["findings"]`` (severity, code, message, path)."""
    found = ctx.extra.get("findings") or ()
    rows = (
        (
            format_value(getattr(f, "severity", "")),
            str(getattr(f, "code", "") or ""),
            str(getattr(f, "message", "") or ""),
            str(getattr(f, "path", "") or ""),
        )
        for f in found
    )
    return table(("Severity", "Code", "Finding", "Where"), rows, "Findings of the safety rules")


def figures_view(ctx: NoteContext) -> Blocks:
    """Figures a plugin put in ``ctx.extra["figures"]`` (outcome charts, ...)."""
    figures = tuple(ctx.extra.get("figures") or ())
    for f in figures:
        if not isinstance(f, Figure):
            raise TypeError(f"ctx.extra['figures'] holds {f!r}; expected kapnotes Figure blocks")
    return figures


# =============================================================================================
# Topics
# =============================================================================================


@attrs.frozen
class Topic:
    """Self-labelled blocks about one subject, built once and placed by each format.

    :ivar key: stable name used by format specs (``monitoring``).
    :ivar label: the heading it gets when it lands in a default section on its own.
    :ivar build: ``build(context) -> blocks`` (empty when there is nothing to show).
    :ivar paths: the session fields it documents (dotted, no indices); empty for a *view*.
    """

    key: str
    label: str
    build: Callable[[NoteContext], Blocks] = attrs.field(repr=False)
    paths: tuple[str, ...] = ()

    @property
    def is_view(self) -> bool:
        """A view (summary or context) is shown only where a format maps it."""
        return not self.paths


def _p(prefix: str, names: Iterable[str]) -> tuple[str, ...]:
    return tuple(f"{prefix}.{n}" for n in names)


_MEDICINE_FIELDS = (
    "ordering_clinician_id",
    "administering_clinician_id",
    "monitoring_clinician_id",
    "agent",
    "route",
    "dose_mg",
    "administered_at",
    "body_weight_kg",
    "lot_number",
    "infusion_minutes",
    "boosters",
    "adjuncts",
)

def _billing_topic(ctx: NoteContext) -> Blocks:
    from kapnotes.notes.billing_blocks import billing_topic

    return billing_topic(ctx)


def _plan_progress_view(ctx: NoteContext) -> Blocks:
    from kapnotes.notes.documents.treatment_plan import progress_blocks

    return progress_blocks(ctx)


_BILLING_PATHS = ("clinician_times", "service_lines", "group_id")  # billing_blocks.PATHS

TOPICS: tuple[Topic, ...] = (
    # -- the session's record (each must be placed or omitted on purpose)
    Topic("presenting_concerns", "Presenting concerns",
          _narrative("presenting_concerns", "Presenting concerns"),
          ("narrative.presenting_concerns",)),
    Topic("intention", "Intention", intention_topic, ("intention",)),
    Topic("client_experience", "Client experience",
          _narrative("client_experience", "Client experience"), ("narrative.client_experience",)),
    Topic("mental_status", "Mental status", _narrative("mental_status", "Mental status"),
          ("narrative.mental_status",)),
    Topic("observations", "Observations", _narrative("observations", "Observations"),
          ("narrative.observations",)),
    Topic("assessment", "Assessment", _narrative("assessment", "Clinical assessment"),
          ("narrative.assessment",)),
    Topic("set_and_setting", "Set and setting", _fields_of("set_and_setting"),
          ("set_and_setting",)),
    Topic("consent_checks", "Consent checks", _preparation_topic(CONSENT_CHECKS),
          _p("dosing.preparation", CONSENT_CHECKS)),
    Topic("baseline_checks", "Pre-dose checks", _preparation_topic(BASELINE_CHECKS),
          _p("dosing.preparation", BASELINE_CHECKS)),
    Topic("medicine", "Medicine", medicine_topic, _p("dosing", _MEDICINE_FIELDS)),
    Topic("pre_screen", "Medical pre-screen", pre_screen_topic, ("pre_screen",)),
    Topic("monitoring", "Monitoring timeline", monitoring_topic, ("dosing.monitoring",)),
    Topic("discharge", "Discharge", discharge_topic, ("dosing.discharge",)),
    Topic("measures", "Measures", measures_topic, ("measures",)),
    Topic("risk", "Risk assessment", _fields_of("risk"), ("risk",)),
    Topic("plan", "Plan", _fields_of("plan"), ("plan",)),
    Topic("interventions", "Interventions", other_interventions_topic, ("interventions",)),
    Topic("cbt", "CBT reframing", cbt_topic, ("interventions",)),
    Topic("integration", "Integration work", integration_topic, ("interventions",)),
    Topic("commitments", "Commitments", commitments_topic, ("interventions.commitments",)),
    Topic("follow_through", "Follow-through", follow_through_topic,
          ("interventions.reviewed_commitments",)),
    Topic("billing", "Time and services", _billing_topic, _BILLING_PATHS),
    # -- views: summaries and context, shown where a format maps them
    Topic("baseline_vitals", "Pre-dose vitals", baseline_vitals_view),
    Topic("adverse_events", "Adverse events", adverse_events_view),
    Topic("consents_on_file", "Consents on file", consents_view),
    Topic("course_goals", "Treatment goals", goals_view),
    Topic("plan_progress", "Treatment plan progress", _plan_progress_view),
    Topic("course_problems", "Problems", problems_view),
    Topic("diagnosis", "Diagnosis", diagnosis_view),
    Topic("linked_dosing", "Dosing session", linked_dosing_view),
    Topic("dosing_intention", "Intention for the dosing session", dosing_intention_view),
    Topic("findings", "Safety findings", findings_view),
    Topic("figures", "Figures", figures_view),
)

TOPIC_BY_KEY: Mapping[str, Topic] = {t.key: t for t in TOPICS}

#: Session fields shown in every note outside the topics (facts, signatures, addenda).
FRAME_PATHS: tuple[str, ...] = (
    "id",
    "kind",
    "start",
    "end",
    "modality",
    "location",
    "clinicians",
    "present",
    "status",
    "signatures",
    "addenda",
)

#: Fields no note shows, and why. Every built-in format's ``OMITTED`` includes these.
NOT_SHOWN: Mapping[str, str] = {
    "measures.id": "an internal record identifier; a measure is shown by instrument and time",
    "addenda.id": "an internal record identifier; an addendum is shown by author and time",
    "signatures.clinician_id": "a signer is shown by the name and credentials copied at signing",
    "addenda.signature.clinician_id": "the addendum's author, shown by name and credentials",
    "signatures.key_id": "verification data (kapnotes verify), not part of the note's text",
    "signatures.digital_signature": "verification data (kapnotes verify), not part of the note's text",
    "signatures.previous_hash": "verification data (kapnotes verify), not part of the note's text",
    "signatures.context_hash": "verification data (kapnotes verify), not part of the note's text",
    "addenda.signature.key_id": "verification data (kapnotes verify), not part of the note's text",
    "addenda.signature.digital_signature": "verification data (kapnotes verify), not part of the note's text",
    "addenda.signature.previous_hash": "verification data (kapnotes verify), not part of the note's text",
    "addenda.signature.context_hash": "verification data (kapnotes verify), not part of the note's text",
}


# =============================================================================================
# How a field of a session appears in a note (shared with the tests)
# =============================================================================================

Display = Callable[[NoteContext, Any], str]

#: Fields not shown with :func:`format_value`, by dotted path (no indices) within a session.
DISPLAY: Mapping[str, Display] = {
    "start": lambda ctx, v: format_clock(v),
    "end": lambda ctx, v: format_clock(v),
    "dosing.monitoring.at": lambda ctx, v: format_clock(v),
    "clinicians.clinician_id": clinician_name,
    "dosing.ordering_clinician_id": clinician_name,
    "dosing.administering_clinician_id": clinician_name,
    "dosing.monitoring_clinician_id": clinician_name,
    "pre_screen.contraindications.screened_by": clinician_name,
    "pre_screen.contraindications.answers.condition": lambda ctx, v: v.label,
    "pre_screen.height_cm": lambda ctx, v: f"{format_number(v)} cm",
    "measures.administered_by": clinician_name,
    "addenda.author_id": clinician_name,
    "addenda.kind": lambda ctx, v: str(v.value),
    "measures.instrument": lambda ctx, v: instrument_title(v),
    "measures.items": lambda ctx, v: format_items(v),
    "clinician_times.clinician_id": clinician_name,
    "clinician_times.start": lambda ctx, v: format_clock(v),
    "clinician_times.end": lambda ctx, v: format_clock(v),
    "service_lines.rendering_clinician_id": clinician_name,
    "service_lines.supervising_clinician_id": clinician_name,
    "service_lines.billing_clinician_id": clinician_name,
    "service_lines.charge_cents": lambda ctx, v: "" if v is None else f"${v / 100:,.2f}",
}


def display_value(ctx: NoteContext, path: str, value: Any) -> str:
    """The text that shows the value of the session field at ``path`` (``dosing.dose_mg``)."""
    custom = DISPLAY.get(path)
    return custom(ctx, value) if custom is not None else format_value(value)

