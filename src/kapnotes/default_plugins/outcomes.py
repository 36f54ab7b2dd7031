"""Built-in plugin: measurement-based care. Registers

* the ``progress`` note format: a course progress note anchored at any session. It shows the
  course, an outcomes table (one row per outcome instrument), the thresholds used and their
  sources, interpretation lines, one chart per instrument (a Figure), the session's own
  assessment, measures and plan, then signatures and addenda like every note. Outcomes are
  computed *as of the session*: later sessions of the course are left out.
* the ``scores-csv`` record exporter: one row per measure administration (every instrument,
  outcome measure or not), RFC 4180 CSV (``\\r\\n`` line ends, UTF-8, no BOM).

CSV layout (wide): the fixed columns :data:`CSV_COLUMNS`, then ``item_1`` .. ``item_N`` where N is
the largest item count among the registered instruments and the exported administrations (30
with the built-in instruments: MEQ30), so that the columns of an export do not depend on which
clients it holds. An unanswered item and an item the instrument does not have are both empty;
``n_items`` says how many items the administration has. Rows are ordered by course id, then
session order, then measure order. ``total`` is empty when the instrument gave no total;
``complete`` is ``true``/``false`` (empty when the instrument is not registered); ``flags`` holds
the scoring flag codes joined by ``;`` (``not-registered`` / ``not-scorable`` when no score).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from kapnotes.exporting import ExportOptions, NoteExporter, RecordExporter, RecordView
from kapnotes.hookspecs import hookimpl
from kapnotes.instruments.base import Instrument, ScoringError
from kapnotes.model import Document, MeasureAdministration, Session, TreatmentCourse
from kapnotes.notes import blocks
from kapnotes.notes.document import (
    BulletList,
    Figure,
    Note,
    Paragraph,
    Section,
)
from kapnotes.notes.format import NoteContext, NoteFormat
from kapnotes.notes.frame import note_frame
from kapnotes.outcomes import (
    DEFAULT_PARAMS,
    CourseOutcomes,
    InstrumentOutcome,
    OutcomeParams,
    ScorePoint,
    course_outcomes,
    course_until,
    is_outcome_measure,
)
from kapnotes.registry import Registry, resolve

__all__ = ["CSV_COLUMNS", "PROGRESS", "SCORES_CSV", "build_progress_note", "scores_csv"]

Blocks = tuple[Any, ...]

# =============================================================================================
# Text of outcome values (shared by the note and the interpretation lines)
# =============================================================================================

NONE = blocks.MISSING


def points(value: float) -> str:
    """A signed change in points: ``-15``, ``+2``, ``0``, ``-3.5``."""
    text = blocks.format_number(round(value, 2))
    return text if value <= 0 else f"+{text}"


def percent(value: float | None) -> str:
    """``-71.4%``; the missing mark for None."""
    return NONE if value is None else f"{value:+.1f}%"


def score_text(p: ScorePoint | None) -> str:
    """``21 (2026-01-05)``; ``8 (2026-03-09, at home)`` for an at-home score."""
    if p is None:
        return NONE
    where = ", at home" if p.at_home else ""
    return f"{blocks.format_number(p.value)} ({blocks.format_date(p.administered_at.date())}{where})"


def yes_no(value: bool | None) -> str:
    return NONE if value is None else ("Yes" if value else "No")


BASELINE_RULES = {
    "pre-first-dosing": "last complete score before the first dosing session",
    "context-baseline": "first complete score marked baseline (none before the first dosing)",
}


def response_cell(o: InstrumentOutcome) -> str:
    pct = round(o.response_reduction * 100)
    return f"{yes_no(o.response)} (≥{pct}% reduction)" if o.response is not None else NONE


def remission_cell(o: InstrumentOutcome) -> str:
    if o.remission_rule is None:
        return "no threshold defined"
    return f"{yes_no(o.remission)} ({o.remission_rule.text})"


def rci_cell(o: InstrumentOutcome) -> str:
    rc = o.reliable_change
    if rc is None:
        return "not computed" if o.evaluable else NONE
    mark = "" if rc.params.verified else " *"
    return f"RCI {rc.rci:.2f}: {rc.verdict}{mark}"


def time_to_response_cell(o: InstrumentOutcome) -> str:
    if o.days_to_response is not None:
        return f"{o.days_to_response} days"
    if o.evaluable and o.first_dose_at is not None:
        return "not reached"
    return NONE


OUTCOME_COLUMNS: tuple[str, ...] = (
    "Measure", "Baseline", "Latest", "Change", "% change", "Response", "Remission",
    "Reliable change", "Time to response", "Complete scores",
)


def outcome_row(o: InstrumentOutcome) -> tuple[str, ...]:
    """One instrument's outcome as a row of :data:`OUTCOME_COLUMNS`."""
    return (
        o.title,
        score_text(o.baseline),
        score_text(o.latest),
        points(o.change) if o.change is not None else NONE,
        percent(o.percent_change),
        response_cell(o),
        remission_cell(o),
        rci_cell(o),
        time_to_response_cell(o),
        f"{o.n_scores} of {o.n_administrations}",
    )


# --- interpretation ----------------------------------------------------------------------------


def _trend(o: InstrumentOutcome) -> str:
    assert o.baseline is not None and o.latest is not None and o.change is not None
    band = f"; latest band: {o.latest.band}" if o.latest.band else ""
    return (
        f"{o.title}: {blocks.format_number(o.baseline.value)} → "
        f"{blocks.format_number(o.latest.value)} ({points(o.change)} points, "
        f"{percent(o.percent_change)}) from {blocks.format_date(o.baseline.administered_at.date())} "
        f"to {blocks.format_date(o.latest.administered_at.date())}{band}."
    )


def _response_sentence(o: InstrumentOutcome) -> str:
    pct = round(o.response_reduction * 100)
    if o.response is None:
        return "Response cannot be judged (baseline of 0)."
    if o.first_response is not None and o.days_to_response is not None:
        first = blocks.format_date(o.first_response.administered_at.date())
        now = "met" if o.response else "not met at the latest score"
        return (f"Response (≥{pct}% reduction) {now}; first met on {first}, "
                f"{o.days_to_response} days after the first dose.")
    return f"Response (≥{pct}% reduction) {'met' if o.response else 'not met'}."


def _remission_sentence(o: InstrumentOutcome) -> str:
    if o.remission_rule is None:
        return f"No remission threshold is defined for {o.title}."
    return f"Remission ({o.remission_rule.text}) {'met' if o.remission else 'not met'}."


def _rci_sentence(o: InstrumentOutcome) -> str:
    rc = o.reliable_change
    if rc is None:
        return o.reliability_note[:1].upper() + o.reliability_note[1:] + "."
    what = {"improved": "Reliable improvement", "deteriorated": "Reliable deterioration",
            "no reliable change": "No reliable change"}[rc.verdict]
    text = (f"{what} (RCI {rc.rci:.2f}; reliable when |RCI| > {rc.critical:g}, i.e. a change "
            f"of more than {rc.min_change:.1f} points).")
    return text if rc.params.verified else f"{text} * {o.reliability_note}."


def interpretation(o: InstrumentOutcome) -> str:
    """One plain-language line about an instrument's outcome."""
    if o.baseline is None:
        return (f"{o.title}: no baseline (no complete score before the first dosing session and "
                f"none marked baseline); {o.n_scores} complete score(s).")
    if o.latest is None:
        return (f"{o.title}: baseline {score_text(o.baseline)}; no complete score after it yet, "
                f"so change, response and remission cannot be judged.")
    return " ".join((_trend(o), _response_sentence(o), _remission_sentence(o), _rci_sentence(o)))


# =============================================================================================
# The progress note
# =============================================================================================

TITLE = "KAP course progress note"


def _course_rows(ctx: NoteContext, course: TreatmentCourse, found: CourseOutcomes) -> list[
        tuple[str, str]]:
    p = found.primary_indication
    others = [f"{i.code} {i.display}" for i in course.indications if i is not p]
    return [
        ("Course", course.id),
        ("Started", blocks.format_date(course.started_on)),
        ("Status", blocks.format_value(course.status)),
        ("Primary indication", f"{p.code} {p.display}" if p is not None else ""),
        ("Other indications", blocks.LIST_SEP.join(others)),
        ("Sessions to date", str(len(course.sessions))),
        ("Dosing sessions to date", str(len(course.dosing_sessions))),
        ("First dose", blocks.format_datetime(found.first_dose_at) if found.first_dose_at else
         "no dosing session yet"),
        ("Outcomes as of", blocks.format_datetime(ctx.session.start)),
    ]


def _outcomes_table(found: CourseOutcomes, ctx: NoteContext) -> Blocks:
    caption = (f"Outcomes by instrument as of {blocks.format_date(ctx.session.start.date())}. "
               "Change = latest − baseline (negative is improvement). "
               "* = reliable-change parameters not fully verified (see thresholds).")
    rows = tuple(outcome_row(o) for o in found.outcomes)
    rules = tuple(
        f"{o.title} baseline: {BASELINE_RULES[o.baseline_rule]}"
        for o in found.outcomes if o.baseline_rule is not None
    )
    return (*blocks.table(OUTCOME_COLUMNS, rows, caption),
            *((BulletList(rules),) if rules else ()))


THRESHOLD_COLUMNS = ("Measure", "Criterion", "Threshold", "Source")


def _threshold_rows(
    o: InstrumentOutcome, inst: Instrument, params: OutcomeParams
) -> list[tuple[str, ...]]:
    rule = o.remission_rule
    pct = round(o.response_reduction * 100)
    rows: list[tuple[str, ...]] = [
        (o.title, "Response", f"≥{pct}% reduction from baseline", o.response_source),
        (o.title, "Remission", rule.text if rule else "none defined",
         rule.source if rule else "no verified threshold"),
    ]
    rel = params.reliability_of(inst)
    if rel is None:
        rows.append((o.title, "Reliable change", "not computed", o.reliability_note))
    else:
        detail = (f"s1 = {rel.s1:.2f}, r = {rel.r:.2f}; SE = {rel.se:.2f}, "
                  f"S_diff = {rel.s_diff:.2f}; |RCI| > {params.rci_critical:g}")
        status = "" if rel.verified else f" (not fully verified: {rel.note})"
        rows.append((o.title, "Reliable change (Jacobson & Truax 1991)", detail,
                     rel.source + status))
    return rows


def _thresholds_table(
    found: CourseOutcomes, instruments: dict[str, Instrument], params: OutcomeParams
) -> Blocks:
    if not found.outcomes:
        return ()
    rows = tuple(
        r for o in found.outcomes for r in _threshold_rows(o, instruments[o.instrument], params)
    )
    return blocks.table(THRESHOLD_COLUMNS, rows, "Thresholds and reliability data used")


def _figure(course: TreatmentCourse, o: InstrumentOutcome, params: OutcomeParams) -> Figure:
    from kapnotes.charts import draw_trajectory

    image = draw_trajectory(course, o.instrument, "png", params=params, outcome=o)
    caption = (f"{o.title} totals over the course on the instrument's severity bands; vertical "
               f"lines mark dosing sessions; dashed, dash-dot and dotted lines mark the baseline "
               f"and the response and remission thresholds.")
    return Figure(image=image, caption=caption, width_in=6.5)


def _figures(course: TreatmentCourse, found: CourseOutcomes, params: OutcomeParams) -> Blocks:
    return tuple(_figure(course, o, params) for o in found.outcomes if o.n_scores)


def _topics(ctx: NoteContext, keys: Sequence[str]) -> Blocks:
    return tuple(b for k in keys for b in blocks.TOPIC_BY_KEY[k].build(ctx))


def _section(key: str, heading: str, content: Blocks, empty: str | None = None) -> Section | None:
    if not content:
        if empty is None:
            return None
        content = (Paragraph(empty),)
    return Section(key=key, heading=heading, blocks=content)


SESSION_TOPICS = ("presenting_concerns", "assessment", "measures", "risk", "plan")


def _outcome_sections(ctx: NoteContext, params: OutcomeParams) -> list[Section | None]:
    if ctx.course is None:
        return [_section("outcomes", "Outcomes", (), "No treatment course: outcomes need the "
                         "course's sessions.")]
    course = course_until(ctx.course, ctx.session)
    known = _registered(None)  # notes read the default registry (see kapnotes.registry)
    found = course_outcomes(course, params, lookup=_lookup(known))
    titles = ", ".join(i.title for i in known.values() if is_outcome_measure(i, params))
    none = f"No outcome measures ({titles}) recorded yet."
    return [
        _section("course", "Course", blocks.fields_block(_course_rows(ctx, course, found))),
        _section("outcomes", "Outcomes", _outcomes_table(found, ctx), none),
        _section("interpretation", "Interpretation",
                 (BulletList(tuple(interpretation(o) for o in found.outcomes)),)
                 if found.outcomes else ()),
        _section("thresholds", "Thresholds and sources",
                 _thresholds_table(found, known, params)),
        _section("charts", "Charts", _figures(course, found, params)),
    ]


def build_progress_note(ctx: NoteContext, params: OutcomeParams = DEFAULT_PARAMS) -> Note:
    """The course progress note of ``ctx.session`` (see the module docstring)."""
    s = ctx.session
    sections = [
        _section("findings", "Safety findings", blocks.findings_view(ctx)),
        *_outcome_sections(ctx, params),
        _section("session", "This session", _topics(ctx, SESSION_TOPICS), "Not documented."),
    ]
    date = blocks.format_date(s.start.date())
    return note_frame(
        ctx, title=TITLE, format="progress", sections=sections,
        subject=f"KAP course progress {date}",
    )


def _build(ctx: NoteContext) -> Note:
    return build_progress_note(ctx)


PROGRESS = NoteFormat(
    name="progress",
    description="Course progress note: outcomes table, charts and interpretation (any session)",
    build=_build,
    session_kinds=None,
)

# =============================================================================================
# The scores CSV
# =============================================================================================

CSV_COLUMNS: tuple[str, ...] = (
    "client_id", "course_id", "session_id", "session_kind", "measure_id", "instrument",
    "administered_at", "context", "respondent", "total", "band", "complete", "flags", "n_items",
)

def _registered(registry: Registry | None) -> dict[str, Instrument]:
    return {i.name: i for i in resolve(registry).instruments}


def _lookup(known: dict[str, Instrument]) -> Callable[[str], Instrument | None]:
    """Find a registered instrument by its name or any spelling of it (``PHQ-9``)."""
    from kapnotes.scoring import canonical_name

    def lookup(name: str) -> Instrument | None:
        return known.get(canonical_name(name, known.values()))

    return lookup


def _score_cells(inst: Instrument | None, m: MeasureAdministration) -> tuple[str, str, str, str]:
    """total, band, complete, flags."""
    if inst is None:
        return "", "", "", "not-registered"
    try:
        result = inst.score(m.items)
    except ScoringError:
        return "", "", "false", "not-scorable"
    total = "" if result.total is None else blocks.format_number(result.total)
    flags = ";".join(f.code for f in result.flags)
    return total, result.band or "", "true" if result.complete else "false", flags


def _csv_row(
    course: TreatmentCourse, s: Session | None, m: MeasureAdministration, inst: Instrument | None,
    width: int,
) -> list[str]:
    """One administration's row (``s`` None: an at-home measure, empty session columns)."""
    items = ["" if v is None else str(v) for v in m.items]
    return [
        course.client_id, course.id, s.id if s else "", s.kind.value if s else "", m.id, m.instrument,
        m.administered_at.isoformat(), m.context.value, m.respondent.value,
        *_score_cells(inst, m), str(len(m.items)),
        *items, *([""] * (width - len(items))),
    ]


def _administrations(doc: Document) -> Iterator[tuple[TreatmentCourse, Session | None,
                                                      MeasureAdministration]]:
    """Each course's measures: its sessions', in session order, and its at-home ones (session
    None, format 1.3) in their place in time."""
    for course in sorted(doc.courses, key=lambda c: c.id):
        rows: list[tuple[Session | None, MeasureAdministration]] = [
            (s, m) for s in course.sessions for m in s.measures
        ]
        if course.measures:
            rows = sorted([*rows, *((None, m) for m in course.measures)],
                          key=lambda r: r[1].administered_at)
        for s, m in rows:
            yield course, s, m


def scores_csv(
    doc: Document,
    instruments: dict[str, Instrument] | None = None,
    *,
    registry: Registry | None = None,
) -> bytes:
    """The scores of every measure administration in ``doc`` as RFC 4180 CSV bytes.

    ``instruments`` by name, or those of ``registry`` (None: the default registry).
    """
    known = _registered(registry) if instruments is None else instruments
    rows = list(_administrations(doc))
    width = max([len(i.items) for i in known.values()] + [len(m.items) for *_x, m in rows]
                + [0])
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([*CSV_COLUMNS, *(f"item_{n}" for n in range(1, width + 1))])
    lookup = _lookup(known)
    for course, s, m in rows:
        writer.writerow(_csv_row(course, s, m, lookup(m.instrument), width))
    return out.getvalue().encode("utf-8")


def _export_scores(view: RecordView, options: ExportOptions) -> bytes:
    return scores_csv(view.document())


SCORES_CSV = RecordExporter(
    name="scores-csv",
    description="Every measure administration with its score, one CSV row each (RFC 4180).",
    media_type="text/csv",
    extension="csv",
    export=_export_scores,
)


@hookimpl
def register_note_formats(register: Callable[[NoteFormat], None]) -> None:
    """Register the ``progress`` note format."""
    register(PROGRESS)


@hookimpl
def register_exporters(register: Callable[[NoteExporter | RecordExporter], None]) -> None:
    """Register the ``scores-csv`` record exporter."""
    register(SCORES_CSV)
