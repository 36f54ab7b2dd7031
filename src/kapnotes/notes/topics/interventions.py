"""Topics of interventions: each type with its renderer (CBT as a thought record, integration
work, a plugin's through ``ctx.renderers``, others field by field), commitments, follow-through."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs

from kapnotes.model import (
    CBTReframing,
    IntegrationWork,
    Intervention,
    UnknownIntervention,
)
from kapnotes.notes.document import (
    Table,
)
from kapnotes.notes.format import NoteContext
from kapnotes.notes.topics.course import linked_session_label
from kapnotes.notes.wording import (
    MISSING,
    Blocks,
    Rows,
    attrs_rows,
    before_after,
    fields_block,
    format_minutes,
    format_value,
    humanize,
    lines,
    paragraph,
    table,
)

__all__ = [
    "CBT_COLUMNS",
    "INTEGRATION_FIELDS",
    "INTERVENTION_RENDERERS",
    "InterventionRenderer",
    "cbt_blocks",
    "cbt_row",
    "cbt_topic",
    "commitments_topic",
    "follow_through_topic",
    "generic_intervention",
    "integration_blocks",
    "integration_topic",
    "other_interventions_topic",
    "render_intervention",
    "unknown_intervention",
]

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
    """An intervention with its plugin's renderer (``ctx.renderers``), else its type's built-in
    renderer, else :func:`generic_intervention`; one whose plugin is not installed with
    :func:`unknown_intervention`."""
    if isinstance(obj, UnknownIntervention):
        return unknown_intervention(ctx, obj)
    plugin_renderer = ctx.renderers.get(f"intervention.{type(obj).type}")
    if plugin_renderer is not None:
        return tuple(plugin_renderer(ctx, obj))
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


