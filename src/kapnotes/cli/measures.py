"""Commands of measurement-based care: ``score`` (one administration) and ``outcomes`` (courses).

``kapnotes outcomes --chart FILE`` (with ``--client``) writes PNG or SVG by the file's extension.
When more than one chart is drawn, the instrument (and, for a client with several courses, the
course id) is appended to the file name: ``--chart cl-001.png`` writes ``cl-001-phq9.png``,
``cl-001-gad7.png``; a single chart is written to FILE itself.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from kapnotes.cli.app import cli, db_option, file_output, open_db
from kapnotes.errors import KapnotesError, NotFoundError

if TYPE_CHECKING:  # pragma: no cover
    from kapnotes.instruments.base import Instrument, ScoreResult
    from kapnotes.model import Document
    from kapnotes.outcomes import (
        ClinicSummary,
        CourseOutcomes,
        InstrumentOutcome,
        RateRow,
        ScorePoint,
    )

MISSING_ANSWER = "-"
_INT = re.compile(r"^[+-]?[0-9]+$")  # ASCII digits only: "١" is not 1 here
DASH = "—"

# =============================================================================================
# kapnotes score
# =============================================================================================


def parse_answer(text: str) -> int | str | None:
    """``-`` -> None (not answered); an integer -> int; anything else is kept as text, so
    that the instrument reports it with the item's allowed range."""
    if text == MISSING_ANSWER:
        return None
    return int(text) if _INT.match(text.strip()) else text


def parse_param(text: str) -> tuple[str, Any]:
    """``cutoff=31`` -> ("cutoff", 31); ``prorate=true`` -> ("prorate", True)."""
    name, sep, raw = text.partition("=")
    if not sep or not name.strip():
        raise click.BadParameter(f"expected NAME=VALUE, got {text!r}", param_hint="--param")
    value: Any = raw.strip()
    if value.lower() in ("true", "false"):
        value = value.lower() == "true"
    elif _INT.match(value):
        value = int(value)
    return name.strip(), value


def _range(inst: Instrument) -> list[Any] | None:
    return list(inst.total_range) if inst.total_range is not None else None


def score_json(inst: Instrument, result: ScoreResult) -> dict[str, Any]:
    """A score as a JSON-ready dict."""
    return {
        "instrument": inst.name,
        "title": inst.title,
        "total": result.total,
        "range": _range(inst),
        "band": result.band,
        "band_source": result.band_source,
        "complete": result.complete,
        "completeness": {
            "answered": result.completeness.answered,
            "required": result.completeness.required,
        },
        "flags": [{"code": f.code, "message": f.message, "item": f.item} for f in result.flags],
        "subscales": dict(result.subscales),
        "provisional_diagnosis": result.provisional_diagnosis,
        "risk_level": result.risk_level,
        "interpretation": result.interpretation,
        "responses": list(result.responses),
        "details": dict(result.details),
    }


def _fmt(value: Any) -> str:
    from kapnotes.notes.blocks import format_number

    if value is None:
        return DASH
    return format_number(value) if isinstance(value, (int, float)) else str(value)


def score_lines(inst: Instrument, result: ScoreResult) -> list[str]:
    """A score as lines of text for the terminal."""
    total = "no total" if result.total is None else _fmt(result.total)
    if result.total is not None and inst.total_range is not None:
        total += f" (range {_fmt(inst.total_range[0])}–{_fmt(inst.total_range[1])})"
    c = result.completeness
    out = [
        f"{inst.title} ({inst.name})",
        f"  Total:       {total}",
        f"  Band:        {result.band or DASH}",
        f"  Band source: {result.band_source or DASH}",
        f"  Complete:    {'yes' if result.complete else 'no'} "
        f"({c.answered} of {c.required} required items answered)",
    ]
    if result.risk_level is not None:
        out.append(f"  Risk level:  {result.risk_level}")
    if result.provisional_diagnosis is not None:
        out.append(
            f"  Provisional diagnosis: {'met' if result.provisional_diagnosis else 'not met'}"
        )
    if result.subscales:
        parts = ", ".join(f"{k} {_fmt(v)}" for k, v in result.subscales.items())
        out.append(f"  Subscales:   {parts}")
    out.append(f"  Flags:       {'none' if not result.flags else len(result.flags)}")
    out += [f"    - [{f.code}] {f.message}" for f in result.flags]
    out.append(f"  Interpretation: {result.interpretation}")
    return out


@cli.command(context_settings={"ignore_unknown_options": True})
@click.argument("instrument")
@click.argument("responses", nargs=-1)
@click.option(
    "-p",
    "--param",
    "params",
    multiple=True,
    metavar="NAME=VALUE",
    help="A scoring parameter of the instrument (repeatable), e.g. cutoff=31 for PCL-5.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def score(
    instrument: str, responses: tuple[str, ...], params: tuple[str, ...], as_json: bool
) -> None:
    """Score one administration of an instrument from its item responses.

    Give one response per item, in item order; '-' marks an item left unanswered. A wrong
    number of responses or a value out of range is reported with the item and the allowed
    range, and exits 1.

    \b
    Examples:
      kapnotes score PHQ9 1 2 0 3 1 0 2 1 0
      kapnotes score PHQ-9 1 2 0 3 1 0 2 - 0        # item 8 not answered
      kapnotes score gad7 2 2 1 1 0 3 1 --json
      kapnotes score madrs 3 3 2 2 1 2 2 1 1 0 -p remission_cutoff=12
    """
    from kapnotes.scoring import get_instrument

    inst = get_instrument(instrument)
    answers = [parse_answer(r) for r in responses]
    extra = dict(parse_param(p) for p in params)
    result = inst.score(answers, extra=extra or None)  # type: ignore[arg-type]
    if as_json:
        click.echo(json.dumps(score_json(inst, result), indent=2, ensure_ascii=False, default=str))
        return
    for line in score_lines(inst, result):
        click.echo(line)


# =============================================================================================
# kapnotes outcomes: JSON
# =============================================================================================


def point_json(p: ScorePoint | None) -> dict[str, Any] | None:
    if p is None:
        return None
    return {
        "measure_id": p.measure_id,
        "session_id": p.session_id,
        "session_kind": p.session_kind.value if p.session_kind is not None else None,
        "at_home": p.at_home,
        "administered_at": p.administered_at.isoformat(),
        "context": p.context.value,
        "total": p.total,
        "band": p.band,
        "complete": p.complete,
        "flags": list(p.flags),
    }


def _rci_json(o: InstrumentOutcome) -> dict[str, Any] | None:
    rc = o.reliable_change
    if rc is None:
        return None
    p = rc.params
    return {
        "rci": rc.rci,
        "reliable": rc.reliable,
        "verdict": rc.verdict,
        "critical": rc.critical,
        "min_change": rc.min_change,
        "s1": p.s1,
        "r": p.r,
        "se": p.se,
        "s_diff": p.s_diff,
        "source": p.source,
        "verified": p.verified,
        "note": p.note,
    }


def outcome_json(o: InstrumentOutcome) -> dict[str, Any]:
    """An instrument outcome as a JSON-ready dict."""
    rule = o.remission_rule
    return {
        "client_id": o.client_id,
        "course_id": o.course_id,
        "instrument": o.instrument,
        "title": o.title,
        "baseline": point_json(o.baseline),
        "baseline_rule": o.baseline_rule,
        "latest": point_json(o.latest),
        "change": o.change,
        "percent_change": o.percent_change,
        "response": o.response,
        "response_reduction": o.response_reduction,
        "response_threshold": o.response_threshold,
        "response_source": o.response_source,
        "remission": o.remission,
        "remission_rule": {"max_total": rule.max_total, "source": rule.source} if rule else None,
        "reliable_change": _rci_json(o),
        "reliability_note": o.reliability_note,
        "first_dose_at": o.first_dose_at.isoformat() if o.first_dose_at else None,
        "first_response": point_json(o.first_response),
        "days_to_response": o.days_to_response,
        "n_scores": o.n_scores,
        "n_administrations": o.n_administrations,
        "scores": [point_json(p) for p in o.scores],
    }


def row_json(r: RateRow) -> dict[str, Any]:
    return {
        "instrument": r.instrument,
        "title": r.title,
        "indication": r.indication,
        "indication_display": r.indication_display,
        "n_courses": r.n_courses,
        "n_evaluable": r.n_evaluable,
        "n_response_evaluable": r.n_response_evaluable,
        "n_response": r.n_response,
        "response_rate": r.response_rate,
        "n_remission_evaluable": r.n_remission_evaluable,
        "n_remission": r.n_remission,
        "remission_rate": r.remission_rate,
    }


def summary_json(summary: ClinicSummary) -> dict[str, Any]:
    """Courses and the clinic summary as one JSON-ready dict."""
    return {
        "courses": [
            {
                "client_id": c.client_id,
                "course_id": c.course_id,
                "primary_indication": c.primary_indication.code if c.primary_indication else None,
                "first_dose_at": c.first_dose_at.isoformat() if c.first_dose_at else None,
                "outcomes": [outcome_json(o) for o in c.outcomes],
            }
            for c in summary.courses
        ],
        "summary": {
            "n_clients": summary.n_clients,
            "n_courses": summary.n_courses,
            "n_evaluable_courses": summary.n_evaluable_courses,
            "by_instrument": [row_json(r) for r in summary.by_instrument],
            "by_indication": [row_json(r) for r in summary.by_indication],
        },
    }


# =============================================================================================
# kapnotes outcomes: text
# =============================================================================================


def table_lines(
    headers: Sequence[str], rows: Iterable[Sequence[str]], indent: str = ""
) -> list[str]:
    """A plain text table, columns padded to their widest cell."""
    body = [list(r) for r in rows]
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *body, strict=False)]

    def line(cells: Sequence[str]) -> str:
        return (
            indent
            + "  ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=False)).rstrip()
        )

    return [line(headers), line(["-" * w for w in widths]), *(line(r) for r in body)]


def _date(p: ScorePoint) -> str:
    return p.administered_at.date().isoformat()


def _score_rows(o: InstrumentOutcome) -> list[list[str]]:
    def mark(p: ScorePoint) -> str:
        if o.baseline is not None and p.measure_id == o.baseline.measure_id:
            return "baseline"
        if o.latest is not None and p.measure_id == o.latest.measure_id:
            return "latest"
        return "" if p.usable else "incomplete"

    return [
        [_date(p), p.session_id or "at home", p.context.value, _fmt(p.total), p.band or DASH, mark(p)]
        for p in o.scores
    ]


def outcome_summary(o: InstrumentOutcome) -> list[str]:
    """The outcome's figures in words (two or three lines)."""
    from kapnotes.default_plugins.outcomes import (
        BASELINE_RULES,
        percent,
        points,
        rci_cell,
        remission_cell,
        response_cell,
        time_to_response_cell,
    )

    if o.baseline is None:
        return [
            "no baseline: no complete score before the first dosing session, none marked baseline"
        ]
    base = (
        f"baseline {_fmt(o.baseline.value)} ({_date(o.baseline)}; "
        f"{BASELINE_RULES[o.baseline_rule or 'pre-first-dosing']})"
    )
    if o.latest is None:
        return [base, "no complete score after the baseline yet"]
    change = points(o.change) if o.change is not None else DASH
    return [
        f"{base}; latest {_fmt(o.latest.value)} ({_date(o.latest)})",
        f"change {change} ({percent(o.percent_change)}); response {response_cell(o)}; "
        f"remission {remission_cell(o)}",
        f"reliable change {rci_cell(o)}; time to response {time_to_response_cell(o)}; "
        f"{o.n_scores} complete score(s) of {o.n_administrations}",
    ]


def course_lines(c: CourseOutcomes) -> list[str]:
    p = c.primary_indication
    out = [f"{c.client_id}  {c.course_id}" + (f"  ({p.code} {p.display})" if p else "")]
    if not c.outcomes:
        out.append("  no outcome measures recorded")
    for o in c.outcomes:
        out += ["", f"  {o.title}"]
        out += table_lines(
            ("Date", "Session", "Context", "Total", "Band", ""), _score_rows(o), "    "
        )
        out += [f"    {line}" for line in outcome_summary(o)]
        if o.reliable_change is not None and not o.reliable_change.params.verified:
            out.append(f"    * {o.reliability_note}")
    return out


def _ratio(n: int, d: int) -> str:
    return f"{n}/{d} ({100 * n / d:.0f}%)" if d else DASH


def _rate_cells(r: RateRow) -> list[str]:
    remission = (
        _ratio(r.n_remission, r.n_remission_evaluable)
        if r.n_remission_evaluable
        else ("no threshold" if r.n_evaluable else DASH)
    )
    return [
        str(r.n_courses),
        str(r.n_evaluable),
        _ratio(r.n_response, r.n_response_evaluable),
        remission,
    ]


def summary_lines(summary: ClinicSummary) -> list[str]:
    """The clinic summary: rates by instrument, then by primary indication."""
    rate_head = ("Courses", "Baseline+follow-up", "Response", "Remission")
    out = [
        f"Clinic summary: {summary.n_clients} client(s), {summary.n_courses} course(s), "
        f"{summary.n_evaluable_courses} with a baseline and a follow-up score",
        "",
        "By instrument",
    ]
    out += table_lines(
        ("Measure", *rate_head), ([r.title, *_rate_cells(r)] for r in summary.by_instrument), "  "
    )
    out += ["", "By primary indication"]
    out += table_lines(
        ("Indication", "Measure", *rate_head),
        ([r.indication or "(none)", r.title, *_rate_cells(r)] for r in summary.by_indication),
        "  ",
    )
    return out


# =============================================================================================
# kapnotes outcomes: charts
# =============================================================================================

CHART_FORMATS = {".png": "png", ".svg": "svg"}


def chart_format(path: Path) -> str:
    """``png`` or ``svg`` from the file's extension."""
    fmt = CHART_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise click.BadParameter(
            f"{path.name}: use a .png or .svg file name (the extension picks the format)",
            param_hint="--chart",
        )
    return fmt


def chart_paths(base: Path, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], Path]:
    """File names for (course id, instrument) charts: ``base`` for a single chart, else the
    instrument (and the course, when there are several) appended to the stem."""
    several_courses = len({c for c, _ in keys}) > 1
    several_instruments = len({i for _, i in keys}) > 1
    out = {}
    for course_id, name in keys:
        parts = [course_id] if several_courses else []
        parts += [name] if several_instruments else []
        out[(course_id, name)] = (
            base.with_name(f"{base.stem}-{'-'.join(parts)}{base.suffix}") if parts else base
        )
    return out


def write_charts(doc: Document, summary: ClinicSummary, base: Path) -> list[Path]:
    """Draw every outcome of the summary's courses into files named after ``base``."""
    from kapnotes.charts import draw_trajectory

    fmt = chart_format(base)
    courses = {c.id: c for c in doc.courses}
    wanted = [(c, o) for c in summary.courses for o in c.outcomes]
    if not wanted:
        raise KapnotesError("nothing to chart: no outcome measures recorded for this client")
    paths = chart_paths(base, [(c.course_id, o.instrument) for c, o in wanted])
    written = []
    for c, o in wanted:
        path = paths[(c.course_id, o.instrument)]
        path.write_bytes(draw_trajectory(courses[c.course_id], o.instrument, fmt, outcome=o))
        written.append(path)
    return written


# =============================================================================================
# kapnotes outcomes
# =============================================================================================


def _outcome_instrument(name: str) -> Instrument:
    from kapnotes.outcomes import is_outcome_measure
    from kapnotes.scoring import get_instrument

    inst = get_instrument(name)
    if not is_outcome_measure(inst):
        raise KapnotesError(f"{inst.title} is not an outcome measure: {inst.not_outcome_because}")
    return inst


def _load(db_path: Path | None, client_id: str | None) -> Document:
    store = open_db(db_path, read_only="auto")
    try:
        doc: Document = store.document(client_ids=[client_id] if client_id else None)
    finally:
        store.close()
    if client_id is not None and not doc.clients:
        raise KapnotesError(f"no client {client_id!r} in the database")
    return doc


def _client_summary(
    db_path: Path | None, client_id: str, instruments: list[str] | None, with_record: bool
) -> tuple[ClinicSummary, Document | None]:
    """The summary of one client's courses, read from the store without decoding them
    (``Store.client_outcomes``), in the record's course order; and the client's record when
    ``with_record`` (charts draw from it)."""
    from kapnotes.outcomes import summarise

    store = open_db(db_path, read_only="auto")
    try:
        try:
            found = store.client_outcomes(client_id, instruments=instruments)
        except NotFoundError:
            raise KapnotesError(f"no client {client_id!r} in the database") from None
        doc = store.document(client_ids=[client_id]) if with_record else None
    finally:
        store.close()
    return summarise(sorted(found, key=lambda c: c.course_id)), doc


@cli.command()
@click.option("--client", "client_id", default=None, help="Only this client.")
@click.option(
    "--instrument",
    "instrument_name",
    default=None,
    help="Only this instrument (e.g. PHQ-9) [default: every outcome measure].",
)
@click.option(
    "--chart",
    "chart",
    type=click.Path(dir_okay=False),
    callback=file_output,
    default=None,
    help="With --client: write the trajectory chart(s), PNG or SVG by extension.",
)
@click.option("--json", "as_json", is_flag=True, help="Print courses and summary as JSON.")
@db_option
def outcomes(
    client_id: str | None,
    instrument_name: str | None,
    chart: Path | None,
    as_json: bool,
    db_path: Path | None,
) -> None:
    """Show outcomes per client and instrument, then the clinic summary.

    For each course and outcome measure (PHQ-9, GAD-7, PCL-5, QIDS-SR16, MADRS, BDI-II): the
    scores, the baseline (last complete score before the first dosing session), the latest score,
    change, response (>= 50 % reduction), remission, reliable change index and time to response.
    The summary gives response and remission rates by instrument and by primary indication (over
    the clients shown). With several charts, the instrument (and course) is added to FILE's name.

    \b
    Examples:
      kapnotes outcomes
      kapnotes outcomes --client cl-001 --instrument PHQ-9
      kapnotes outcomes --client cl-001 --chart cl-001.png   # cl-001-phq9.png, cl-001-gad7.png
      kapnotes outcomes --json > outcomes.json
    """
    from kapnotes.outcomes import clinic_summary

    if chart is not None:
        if client_id is None:
            raise click.UsageError("--chart needs --client ID (charts are drawn per client)")
        chart_format(chart)
    inst = _outcome_instrument(instrument_name) if instrument_name else None
    wanted = [inst.name] if inst else None
    doc: Document | None
    if client_id is None:
        doc = _load(db_path, None)
        summary = clinic_summary(doc, instruments=wanted)
    else:
        summary, doc = _client_summary(db_path, client_id, wanted, chart is not None)
    if as_json:
        click.echo(json.dumps(summary_json(summary), indent=2, ensure_ascii=False))
    else:
        for c in summary.courses:
            for line in course_lines(c):
                click.echo(line)
            click.echo()
        for line in summary_lines(summary):
            click.echo(line)
    if chart is not None:
        assert doc is not None
        for path in write_charts(doc, summary, chart):
            click.echo(f"wrote {path}", err=True)
