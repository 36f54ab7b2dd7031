"""The building blocks of every note format, in one namespace (``from kapnotes.notes import blocks``).

A note format (SOAP, DAP, the KAP dosing record, a clinic's own) is a *mapping* from **topics** to
the section headings of the format (see :mod:`kapnotes.notes.formats`). The code lives in one
module per job, and this module re-exports every public name of them (``__all__``):

* :mod:`kapnotes.notes.wording` — **values and date-times**: :func:`format_value` is the one way
  a value of the record is shown (a float, a datetime, an enum, a tuple) and
  :func:`format_datetime` the one way a moment is shown (``2026-01-12 09:20 -07:00``), in every
  format and every exporter; field labels; the block helpers :func:`fields_block`,
  :func:`paragraph`, :func:`table`.
* :mod:`kapnotes.notes.frame` — **the note frame**: letterhead, patient banner, session facts,
  signature blocks (or an unsigned author block for a draft), addenda, and :func:`note_frame`,
  which every format uses to assemble its :class:`~kapnotes.notes.document.Note`.
* :mod:`kapnotes.notes.topics` — **topics**, one module per subject (``narrative``, ``dosing``,
  ``monitoring``, ``measures``, ``interventions``, ``course``), collected in
  :mod:`kapnotes.notes.topics.registry` (:data:`TOPICS`, :data:`TOPIC_BY_KEY`,
  :func:`register_topic`). *Record* topics render fields of the session and declare which
  (``Topic.paths``); a format must place each of them or name the field in its ``OMITTED`` map,
  and an unplaced one lands in a default section. *Views* (no paths) are summaries or context
  from the course and from plugins (linked dosing session, consents on file, goals, safety
  findings, figures); a format shows them only where it maps them.
* :mod:`kapnotes.notes.extensions` — extension fields of the session in notes.

:func:`display_value` (here) says how the field at a given path of a session appears in a note;
the tests use it to check that every populated field is shown.

Psychotherapy notes (45 CFR 164.501) are never part of a session, so no topic can render them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from kapnotes.notes.format import NoteContext
from kapnotes.notes.frame import (
    clinician_name,
    clinician_parts,
    letterhead,
    note_addenda,
    note_addendum,
    note_author,
    note_frame,
    patient_banner,
    session_facts,
    signature_block,
    signature_blocks,
)
from kapnotes.notes.topics.course import (
    blocking_findings,
    consents_view,
    dosing_intention_view,
    figures_view,
    findings_view,
    goals_view,
    linked_dosing_session,
    linked_dosing_view,
    linked_session_label,
    problems_view,
)
from kapnotes.notes.topics.dosing import (
    BASELINE_CHECKS,
    CONSENT_CHECKS,
    adjuncts_table,
    boosters_table,
    medicine_rows,
    medicine_summary,
    medicine_topic,
    mg,
    mg_per_kg,
    minutes_after,
    pre_screen_topic,
    timeline_time,
)
from kapnotes.notes.topics.interventions import (
    CBT_COLUMNS,
    INTEGRATION_FIELDS,
    INTERVENTION_RENDERERS,
    InterventionRenderer,
    cbt_blocks,
    cbt_row,
    cbt_topic,
    commitments_topic,
    follow_through_topic,
    generic_intervention,
    integration_blocks,
    integration_topic,
    other_interventions_topic,
    render_intervention,
    unknown_intervention,
)
from kapnotes.notes.topics.measures import (
    HOME_CAPTION,
    MEASURE_COLUMNS,
    MeasureScore,
    home_measures,
    home_measures_blocks,
    instrument,
    instrument_title,
    measure_row,
    measure_score,
    measures_topic,
)
from kapnotes.notes.topics.monitoring import (
    TIMELINE_COLUMNS,
    adverse_event_text,
    adverse_events_view,
    baseline_vitals_view,
    diagnosis_view,
    discharge_topic,
    monitoring_topic,
    timeline_rows,
    timeline_table,
    vitals_summary,
)
from kapnotes.notes.topics.narrative import (
    intention_topic,
)
from kapnotes.notes.topics.registry import (
    FRAME_PATHS,
    NOT_SHOWN,
    TOPIC_BY_KEY,
    TOPICS,
    Topic,
)
from kapnotes.notes.wording import (
    ENUM_LABELS,
    FIELD_LABELS,
    LIST_SEP,
    MISSING,
    Blocks,
    Rows,
    attrs_rows,
    before_after,
    enum_label,
    field_label,
    fields_block,
    format_clock,
    format_date,
    format_datetime,
    format_fixed,
    format_items,
    format_minutes,
    format_number,
    format_offset,
    format_span,
    format_value,
    humanize,
    lines,
    paragraph,
    populated,
    table,
)

__all__ = [
    "BASELINE_CHECKS",
    "CBT_COLUMNS",
    "CONSENT_CHECKS",
    "DISPLAY",
    "ENUM_LABELS",
    "FIELD_LABELS",
    "FRAME_PATHS",
    "HOME_CAPTION",
    "INTEGRATION_FIELDS",
    "INTERVENTION_RENDERERS",
    "LIST_SEP",
    "MEASURE_COLUMNS",
    "MISSING",
    "NOT_SHOWN",
    "TIMELINE_COLUMNS",
    "TOPICS",
    "TOPIC_BY_KEY",
    "Blocks",
    "Display",
    "InterventionRenderer",
    "MeasureScore",
    "Rows",
    "Topic",
    "adjuncts_table",
    "adverse_event_text",
    "adverse_events_view",
    "attrs_rows",
    "baseline_vitals_view",
    "before_after",
    "blocking_findings",
    "boosters_table",
    "cbt_blocks",
    "cbt_row",
    "cbt_topic",
    "clinician_name",
    "clinician_parts",
    "commitments_topic",
    "consents_view",
    "diagnosis_view",
    "discharge_topic",
    "display_value",
    "dosing_intention_view",
    "enum_label",
    "field_label",
    "fields_block",
    "figures_view",
    "findings_view",
    "follow_through_topic",
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
    "generic_intervention",
    "goals_view",
    "home_measures",
    "home_measures_blocks",
    "humanize",
    "instrument",
    "instrument_title",
    "integration_blocks",
    "integration_topic",
    "intention_topic",
    "letterhead",
    "lines",
    "linked_dosing_session",
    "linked_dosing_view",
    "linked_session_label",
    "measure_row",
    "measure_score",
    "measures_topic",
    "medicine_rows",
    "medicine_summary",
    "medicine_topic",
    "mg",
    "mg_per_kg",
    "minutes_after",
    "monitoring_topic",
    "note_addenda",
    "note_addendum",
    "note_author",
    "note_frame",
    "other_interventions_topic",
    "paragraph",
    "patient_banner",
    "populated",
    "pre_screen_topic",
    "problems_view",
    "render_intervention",
    "session_facts",
    "signature_block",
    "signature_blocks",
    "table",
    "timeline_rows",
    "timeline_table",
    "timeline_time",
    "unknown_intervention",
    "vitals_summary",
]

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
    **dict.fromkeys(
        ("extensions", "dosing.extensions", "dosing.monitoring.extensions", "measures.extensions"),
        lambda ctx, v: _first_extension_text(v),
    ),
    "clinician_times.clinician_id": clinician_name,
    "clinician_times.start": lambda ctx, v: format_clock(v),
    "clinician_times.end": lambda ctx, v: format_clock(v),
    "service_lines.rendering_clinician_id": clinician_name,
    "service_lines.supervising_clinician_id": clinician_name,
    "service_lines.billing_clinician_id": clinician_name,
    "service_lines.charge_cents": lambda ctx, v: "" if v is None else f"${v / 100:,.2f}",
}


def _first_extension_text(ext: Any) -> str:
    """The text of the first field of the first extension value (what a note must show)."""
    from kapnotes.notes.extensions import extension_rows

    rows = [text for _ns, value in ext.items() for _label, text in extension_rows(value)]
    return rows[0] if rows else ""


def display_value(ctx: NoteContext, path: str, value: Any) -> str:
    """The text that shows the value of the session field at ``path`` (``dosing.dose_mg``)."""
    custom = DISPLAY.get(path)
    return custom(ctx, value) if custom is not None else format_value(value)

