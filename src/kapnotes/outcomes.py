"""Outcomes of a treatment course per instrument, and a clinic summary (measurement-based care).

For each *outcome* instrument a course used, :func:`instrument_outcome` gives:

* **baseline**, by the rule chosen in ``OutcomeParams.baseline`` (a documented choice, since
  a fall before any ketamine would otherwise count as response):

  - ``pre-first-dosing`` (default): the last complete score administered *before the first
    dosing session starts* (a pre-dose score taken inside the first dosing session does not
    count: it is part of the dosing visit);
  - ``intake``: the first complete score of the course;
  - ``first-dose-day``: the last complete score on the day of the first dose, administered
    before it (the esketamine trials take the day-1 pre-dose score); without one, the
    ``pre-first-dosing`` rule applies.

  When the rule finds none (no dosing session yet, or nothing complete before it), the fallback
  is the first complete score whose context is ``baseline``. ``baseline_rule`` says which rule
  chose it (``pre-first-dosing``, ``intake``, ``first-dose-day`` or ``context-baseline``).
* **latest**: the last complete score administered after the baseline (a "follow-up").
* **change** (latest - baseline; negative is improvement) and **percent change** (None for a
  baseline of 0).
* **response**: a reduction of at least the instrument's ``response.reduction`` (the built-in
  measures: 50 %) of the baseline, compared exactly (``Fraction``), so a drop of exactly 50 % is
  a response; ``OutcomeParams.response_reduction`` overrides it for every instrument.
* **remission**: latest total <= the remission threshold (:class:`RemissionRule`), taken from the
  instrument's own ``remission`` data unless :class:`OutcomeParams` overrides it; where the rule
  requires an elevated baseline (PHQ-9 and GAD-7: >= 10, Hull et al. 2022), a course below it
  is not remission-evaluable (None).
* **reliable change index** (Jacobson & Truax 1991): ``SE = s1 * sqrt(1 - r)``,
  ``S_diff = sqrt(2) * SE``, ``RCI = (x2 - x1) / S_diff``, reliable when ``|RCI| > 1.96``. The
  ``s1`` and ``r`` (the instrument's ``reliable_change`` unless ``OutcomeParams.reliability``
  overrides them), their source and whether they were verified are kept in the result.
* **time to response**: calendar days from the first dose to the first score (after the first
  dose) that meets the response criterion.

"Complete" means the instrument's scorer returned a total and marked every required item answered.

At-home scores
--------------
The course's at-home measures (format 1.3, context ``home``: a portal PHQ-9 between sessions)
are points of the trajectory like a session's, in time order and marked (``ScorePoint.at_home``,
no session). They count as follow-ups: the latest score, response, remission, reliable change
and time to response may rest on one (the same self-report instrument, answered the same way).
They are **not** a baseline by default: the baseline is the one score every later change is
measured against, and the rules pick the *last* score before the first dose, so with frequent
portal scores it would move to whichever evening's answer came last, answered where nobody could
see who answered or query an unclear answer. A session's score is taken under the conditions the
baseline rules assume. ``OutcomeParams(home_baseline=True)`` lets a clinic whose baseline is
collected on the portal choose otherwise.
Every function here is pure: it reads the model and the instruments, and does no I/O.

Which instruments are summarised
--------------------------------
Every fact comes from the instrument itself (:class:`kapnotes.instruments.base.Instrument`):
an instrument whose ``direction`` says a lower total is better, and that gives no
``not_outcome_reason``, is an outcome measure, built-in or plugin alike.
``OutcomeParams.lower_is_better`` still adds names for instruments that declare no direction.
:data:`LOWER_IS_BETTER`, :data:`NOT_OUTCOME_MEASURES` and :data:`RELIABILITY` are read-only views
of the built-in catalog, kept for callers of 0.1.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from fractions import Fraction
from typing import Any, Literal, cast

import attrs

from kapnotes.errors import UnknownNameError
from kapnotes.instruments.base import (
    Instrument,
    Number,
    ReliableChangeParams,
    Response,
    ScoringError,
)
from kapnotes.instruments.catalog import ALL as _CATALOG
from kapnotes.instruments.catalog._common import RESPONSE_50
from kapnotes.model import (
    Document,
    Indication,
    MeasureAdministration,
    MeasureContext,
    Session,
    SessionKind,
    TreatmentCourse,
)

__all__ = [
    "LOWER_IS_BETTER",
    "MADRS_REMISSION",
    "NOT_OUTCOME_MEASURES",
    "RCI_CRITICAL",
    "RELIABILITY",
    "RESPONSE_REDUCTION",
    "Administration",
    "ClinicSummary",
    "CourseMeasures",
    "CourseOutcomes",
    "InstrumentOutcome",
    "OutcomeParams",
    "RateRow",
    "ReliableChange",
    "ReliableChangeParams",
    "RemissionRule",
    "ScorePoint",
    "clinic_summary",
    "course_measures",
    "course_outcomes",
    "course_until",
    "first_dose_at",
    "instrument_outcome",
    "is_outcome_measure",
    "meets_response",
    "outcomes_of",
    "primary_of",
    "reliable_change",
    "summarise",
]

InstrumentLookup = Callable[[str], "Instrument | None"]
BaselineRule = Literal["pre-first-dosing", "context-baseline", "intake", "first-dose-day"]
#: The baseline rules a caller may choose (``OutcomeParams.baseline``); see the module docstring.
BASELINE_CHOICES: tuple[str, ...] = ("pre-first-dosing", "intake", "first-dose-day")
Verdict = Literal["improved", "deteriorated", "no reliable change"]

# =============================================================================================
# Thresholds and reliability data, each with its source
# =============================================================================================

#: Response: a reduction of at least 50 % from baseline, for instruments that declare no
#: ``response`` of their own (each built-in outcome measure declares this one).
RESPONSE_REDUCTION = RESPONSE_50.reduction
RESPONSE_SOURCE = RESPONSE_50.source

#: |RCI| above this is reliable change (p < .05, two-tailed): Jacobson NS, Truax P. Clinical
#: significance: a statistical approach to defining meaningful change in psychotherapy research.
#: J Consult Clin Psychol. 1991;59(1):12-19.
RCI_CRITICAL = 1.96
RCI_SOURCE = "Jacobson & Truax 1991, J Consult Clin Psychol 59(1):12-19"


@attrs.frozen
class RemissionRule:
    """Remission at a single time point: ``total <= max_total``, judged only when the baseline
    is at least ``baseline_at_least`` (when set)."""

    max_total: Number
    source: str
    baseline_at_least: Number | None = None

    @property
    def text(self) -> str:
        """``≤ 10``, or ``≤ 4 (baseline ≥ 10)``."""
        if self.baseline_at_least is None:
            return f"≤ {_num(self.max_total)}"
        return f"≤ {_num(self.max_total)} (baseline ≥ {_num(self.baseline_at_least)})"

    def met(self, total: Number) -> bool:
        """Whether ``total`` is in remission."""
        return total <= self.max_total

    def evaluable(self, baseline: Number) -> bool:
        """Whether remission is judged for a course with this baseline."""
        return self.baseline_at_least is None or baseline >= self.baseline_at_least


#: MADRS remission thresholds in use. The instrument's default (``madrs.remission``) is <= 10;
#: pass another with ``OutcomeParams(remission={"madrs": MADRS_REMISSION[12]})``.
MADRS_REMISSION: Mapping[int, RemissionRule] = {
    10: RemissionRule(
        10,
        "MADRS <= 10: Zimmerman M, Posternak MA, Chelminski I. Derivation of a definition of "
        "remission on the MADRS corresponding to the definition of remission on the HRSD. "
        "J Psychiatr Res 2004;38(6):577-582 (<= 10 corresponds to HRSD <= 7)",
    ),
    12: RemissionRule(
        12,
        "MADRS <= 12: esketamine TRANSFORM trials (e.g. TRANSFORM-3, Ochs-Ross R et al., "
        "Clin Pharmacol Ther 2021;109(2):536-546, remitter = MADRS <= 12 at day 28)",
    ),
    9: RemissionRule(
        9,
        "MADRS <= 9: Hawley CJ et al. Defining remission by cut off score on the MADRS. "
        "J Affect Disord 2002;72:177-184 (MADRS < 10); Zimmerman M et al. J Clin Psychiatry "
        "2004;65:163-168 (broad definition, <= 9)",
    ),
}


#: The RCI parameters of the built-in instruments (each kept on its instrument,
#: ``Instrument.reliable_change``; see the catalog modules for the sources).
RELIABILITY: Mapping[str, ReliableChangeParams] = {
    i.name: i.reliable_change for i in _CATALOG if i.reliable_change is not None
}

#: The built-in outcome measures (a lower total is better), with the source of the direction.
LOWER_IS_BETTER: Mapping[str, str] = {
    i.name: i.direction.source for i in _CATALOG
    if i.direction is not None and i.is_outcome_measure
}

#: The built-in instruments that are deliberately not outcome measures, and why.
NOT_OUTCOME_MEASURES: Mapping[str, str] = {
    i.name: i.not_outcome_reason for i in _CATALOG if i.not_outcome_reason is not None
}


@attrs.frozen
class OutcomeParams:
    """The thresholds and reliability data outcomes are computed with.

    :ivar response_reduction: when set, response is a reduction of at least this fraction (0-1]
        for every instrument; None (default) uses each instrument's own ``response`` (50 % for
        instruments that declare none).
    :ivar response_source: the source quoted with ``response_reduction``.
    :ivar remission: instrument name -> rule, overriding the instrument's own ``remission``.
    :ivar reliability: instrument name -> RCI parameters (``None`` turns the RCI off), overriding
        the instrument's own ``reliable_change``.
    :ivar rci_critical: ``|RCI|`` above this is reliable change.
    :ivar lower_is_better: more instrument names (plugin instruments) to treat as outcome
        measures where a lower total is better.
    :ivar baseline: which score is the baseline: ``pre-first-dosing`` (default: the last
        complete score before the first dosing session starts), ``intake`` (the first complete
        score of the course) or ``first-dose-day`` (the last complete score on the first dosing
        day before the first dose, the esketamine trials' convention). Each falls back as the
        module docstring says, and the outcome's ``baseline_rule`` names the rule that chose.
    :ivar home_baseline: whether an at-home score (format 1.3) may be the baseline; False by
        default (see "At-home scores" in the module docstring).
    """

    response_reduction: float | None = attrs.field(default=None)
    response_source: str | None = None
    remission: Mapping[str, RemissionRule] = attrs.field(factory=dict, hash=False)
    reliability: Mapping[str, ReliableChangeParams | None] = attrs.field(
        factory=dict, hash=False
    )
    rci_critical: float = RCI_CRITICAL
    lower_is_better: frozenset[str] = frozenset()
    baseline: BaselineRule = attrs.field(default="pre-first-dosing")
    home_baseline: bool = False

    @baseline.validator
    def _baseline(self, _attr: object, value: str) -> None:
        if value not in BASELINE_CHOICES:
            raise ValueError(
                f"baseline must be one of {', '.join(BASELINE_CHOICES)}, got {value!r}"
            )

    @response_reduction.validator
    def _reduction(self, _attr: object, value: float | None) -> None:
        if value is not None and not 0 < value <= 1:
            raise ValueError(f"response_reduction must be in (0, 1], got {value}")

    def remission_rule(self, instrument: Instrument) -> RemissionRule | None:
        """The remission rule of ``instrument``: the override, else the instrument's own."""
        if instrument.name in self.remission:
            return self.remission[instrument.name]
        own = instrument.remission
        if own is None:
            return None
        return RemissionRule(own.max_total, own.source, own.baseline_at_least)

    def response_rule(self, instrument: Instrument) -> Response:
        """The response rule of ``instrument``: ``response_reduction`` when set, else the
        instrument's own ``response``, else the 50 % convention."""
        if self.response_reduction is not None:
            return Response(self.response_reduction, self.response_source or RESPONSE_SOURCE)
        return instrument.response if instrument.response is not None else RESPONSE_50

    def reliability_of(self, instrument: Instrument | str) -> ReliableChangeParams | None:
        """The RCI parameters of ``instrument`` (or of the built-in instrument so named)."""
        name = instrument if isinstance(instrument, str) else instrument.name
        if name in self.reliability:
            return self.reliability[name]
        if isinstance(instrument, str):
            return RELIABILITY.get(name)
        return instrument.reliable_change


DEFAULT_PARAMS = OutcomeParams()


def is_outcome_measure(
    instrument: Instrument | str,
    params: OutcomeParams = DEFAULT_PARAMS,
    *,
    lookup: InstrumentLookup | None = None,
) -> bool:
    """Whether ``instrument`` is summarised as an outcome: its own ``direction`` says a lower
    total is better (and it gives no ``not_outcome_reason``), or it declares no direction and
    ``params.lower_is_better`` names it. A name is looked up with ``lookup`` (default: the
    plugin registry)."""
    if isinstance(instrument, str):
        found = (lookup or default_lookup)(instrument)
        if found is None:
            return instrument in params.lower_is_better and instrument not in NOT_OUTCOME_MEASURES
        instrument = found
    if instrument.is_outcome_measure:
        return True
    return (
        instrument.direction is None
        and instrument.not_outcome_reason is None
        and instrument.name in params.lower_is_better
    )


# =============================================================================================
# Results
# =============================================================================================


@attrs.frozen
class ScorePoint:
    """One administration of an instrument in a course, scored.

    :ivar total: None when the instrument gave no total (missing items, or not scorable).
    :ivar flags: the codes of the scoring flags (``phq9-item-9``, ``incomplete`` ...).
    """

    measure_id: str
    session_id: str | None  #: None for an at-home score (format 1.3)
    session_kind: SessionKind | None  #: None for an at-home score
    administered_at: dt.datetime
    context: MeasureContext
    total: Number | None
    band: str | None
    complete: bool
    flags: tuple[str, ...] = ()

    @property
    def at_home(self) -> bool:
        """Answered at home, outside any session (one of the course's measures)."""
        return self.context is MeasureContext.HOME

    @property
    def usable(self) -> bool:
        """A complete score with a total: the only kind outcomes are computed from."""
        return self.complete and self.total is not None

    @property
    def value(self) -> Number:
        """The total of a usable score."""
        assert self.total is not None, "only usable scores have a value"
        return self.total


@attrs.frozen
class ReliableChange:
    """The Jacobson-Truax reliable change index of baseline -> latest, with what it used."""

    rci: float
    reliable: bool
    verdict: Verdict
    params: ReliableChangeParams
    critical: float = RCI_CRITICAL

    @property
    def min_change(self) -> float:
        """The smallest change (points) that is reliable: ``critical * S_diff``."""
        return self.critical * self.params.s_diff


@attrs.frozen
class InstrumentOutcome:
    """The outcome of one instrument over one course (see the module docstring for the rules).

    :ivar scores: every administration, in time order (complete or not).
    :ivar response_threshold: the total at or below which the response criterion is met.
    :ivar reliability_note: why there is no RCI, when there is none.
    """

    course_id: str
    client_id: str
    instrument: str
    title: str
    scores: tuple[ScorePoint, ...]
    baseline: ScorePoint | None
    baseline_rule: BaselineRule | None
    latest: ScorePoint | None
    change: Number | None
    percent_change: float | None
    response: bool | None
    response_reduction: float
    response_source: str
    response_threshold: float | None
    remission: bool | None
    remission_rule: RemissionRule | None
    reliable_change: ReliableChange | None
    reliability_note: str
    first_dose_at: dt.datetime | None
    first_response: ScorePoint | None
    days_to_response: int | None

    @property
    def n_scores(self) -> int:
        """How many complete scores (with a total) the course has on this instrument."""
        return sum(1 for p in self.scores if p.usable)

    @property
    def n_administrations(self) -> int:
        """How many administrations, complete or not."""
        return len(self.scores)

    @property
    def evaluable(self) -> bool:
        """Whether there is a baseline and a follow-up score after it."""
        return self.baseline is not None and self.latest is not None


@attrs.frozen
class CourseOutcomes:
    """The outcomes of one course: one :class:`InstrumentOutcome` per outcome instrument."""

    course_id: str
    client_id: str
    primary_indication: Indication | None
    first_dose_at: dt.datetime | None
    outcomes: tuple[InstrumentOutcome, ...]

    def get(self, instrument: str) -> InstrumentOutcome:
        """The outcome of ``instrument`` (its registry name)."""
        for o in self.outcomes:
            if o.instrument == instrument:
                return o
        raise KeyError(instrument)

    @property
    def instruments(self) -> tuple[str, ...]:
        return tuple(o.instrument for o in self.outcomes)


@attrs.frozen
class RateRow:
    """Response and remission counts of one instrument (within one indication, or overall).

    :ivar n_courses: courses with at least one administration of the instrument.
    :ivar n_evaluable: courses with a baseline and a follow-up score.
    :ivar n_response_evaluable: evaluable courses whose baseline is above 0 (a response needs
        something to reduce).
    :ivar n_remission_evaluable: evaluable courses on an instrument with a remission rule.
    """

    instrument: str
    title: str
    indication: str | None
    indication_display: str | None
    n_courses: int
    n_evaluable: int
    n_response_evaluable: int
    n_response: int
    n_remission_evaluable: int
    n_remission: int

    @property
    def response_rate(self) -> float | None:
        """Responders / response-evaluable courses (None with none evaluable)."""
        return _rate(self.n_response, self.n_response_evaluable)

    @property
    def remission_rate(self) -> float | None:
        """Remitters / remission-evaluable courses (None with none evaluable)."""
        return _rate(self.n_remission, self.n_remission_evaluable)


@attrs.frozen
class ClinicSummary:
    """Outcomes across a clinic's courses: rates by instrument and by primary indication.

    :ivar n_evaluable_courses: courses with a baseline and a follow-up on at least one outcome
        instrument.
    :ivar by_indication: one row per (primary indication, instrument); a course without a
        primary indication is grouped under its first indication, or under None.
    """

    n_clients: int
    n_courses: int
    n_evaluable_courses: int
    by_instrument: tuple[RateRow, ...]
    by_indication: tuple[RateRow, ...]
    courses: tuple[CourseOutcomes, ...] = attrs.field(repr=False)


# =============================================================================================
# Computing outcomes
# =============================================================================================


def _num(value: Number) -> str:
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return str(int(value))


def _rate(n: int, d: int) -> float | None:
    return n / d if d else None


def _exact(value: Number) -> Fraction:
    """A number as an exact fraction; floats by their decimal text (``0.3`` -> 3/10)."""
    return Fraction(str(value)) if isinstance(value, float) else Fraction(value)


def default_lookup(name: str) -> Instrument | None:
    """The registered instrument ``name``, or None when no plugin registers it."""
    from kapnotes.scoring import get_instrument

    try:
        return get_instrument(name)
    except UnknownNameError:
        return None


def first_dosing_session(course: TreatmentCourse) -> Session | None:
    """The course's first dosing session, or None."""
    dosings = course.dosing_sessions
    return dosings[0] if dosings else None


def first_dose_at(course: TreatmentCourse) -> dt.datetime | None:
    """When the first dose was given: the first dosing session's dose time, else its start."""
    first = first_dosing_session(course)
    if first is None:
        return None
    return first.dosing.administered_at if first.dosing is not None else first.start


def course_until(course: TreatmentCourse, session: Session) -> TreatmentCourse:
    """The course as it stood at ``session``: its sessions up to and including that one, and
    the at-home measures taken up to its start."""
    kept = tuple(s for s in course.sessions if s.start <= session.start)
    home = tuple(m for m in course.measures if m.administered_at <= session.start)
    evolved: TreatmentCourse = attrs.evolve(cast(Any, course), sessions=kept, measures=home)
    return evolved


def score_point(inst: Instrument, session: Session | None, m: MeasureAdministration) -> ScorePoint:
    """Score one administration (``session`` None: an at-home one); one that cannot be scored
    has no total and a flag saying so."""
    if session is None:
        return _scored(inst, m, None, None)
    return _scored(inst, m, session.id, session.kind)


def _scored(
    inst: Instrument, m: MeasureAdministration, session_id: str | None,
    session_kind: SessionKind | None,
) -> ScorePoint:
    flags: tuple[str, ...]
    try:
        result = inst.score(m.items)
    except ScoringError:
        total, band, complete, flags = None, None, False, ("not-scorable",)
    else:
        total, band, complete = result.total, result.band, result.complete
        flags = tuple(f.code for f in result.flags)
    return ScorePoint(
        measure_id=m.id,
        session_id=session_id,
        session_kind=session_kind,
        administered_at=m.administered_at,
        context=m.context,
        total=total,
        band=band,
        complete=complete,
        flags=flags,
    )


def score_points(course: TreatmentCourse, inst: Instrument) -> tuple[ScorePoint, ...]:
    """Every administration of ``inst`` in the course, the sessions' and the at-home ones
    (``at_home``), scored, in time order (stable; at the same time a session's first)."""
    return _points(course_measures(course), inst)


def _points(measures: CourseMeasures, inst: Instrument) -> tuple[ScorePoint, ...]:
    """:func:`score_points` of a course's :class:`CourseMeasures`: the administrations are in
    course order (each session's in turn, then the at-home ones), which breaks ties in time."""
    found = [
        (a.measure.administered_at, k, a)
        for k, a in enumerate(measures.administrations)
        if inst.is_named(a.measure.instrument)
    ]
    found.sort(key=lambda t: (t[0], t[1]))
    return tuple(_scored(inst, a.measure, a.session_id, a.session_kind) for *_key, a in found)


def select_baseline(
    points: Sequence[ScorePoint], course: TreatmentCourse,
    rule: BaselineRule = "pre-first-dosing",
    *,
    home: bool = False,
) -> tuple[ScorePoint | None, BaselineRule | None]:
    """The baseline score and the rule that chose it (see the module docstring). At-home
    scores are left out unless ``home`` (``OutcomeParams.home_baseline``)."""
    first = first_dosing_session(course)
    return _baseline(points, first.start if first is not None else None, first_dose_at(course),
                     rule, home=home)


def _baseline(
    points: Sequence[ScorePoint], first_start: dt.datetime | None, dose_at: dt.datetime | None,
    rule: BaselineRule, *, home: bool,
) -> tuple[ScorePoint | None, BaselineRule | None]:
    """:func:`select_baseline`, given when the first dosing session starts and the first dose."""
    usable = [p for p in points if p.usable and (home or not p.at_home)]
    if rule == "intake" and usable:
        return usable[0], "intake"
    if rule == "first-dose-day" and dose_at is not None:
        same_day = [p for p in usable
                    if p.administered_at < dose_at
                    and p.administered_at.astimezone(dose_at.tzinfo).date() == dose_at.date()]
        if same_day:
            return same_day[-1], "first-dose-day"
    if first_start is not None:
        before = [p for p in usable if p.administered_at < first_start]
        if before:
            return before[-1], "pre-first-dosing"
    marked = [p for p in usable if p.context is MeasureContext.BASELINE]
    if marked:
        return marked[0], "context-baseline"
    return None, None


def _after(points: Sequence[ScorePoint], baseline: ScorePoint) -> list[ScorePoint]:
    """The usable scores administered after the baseline."""
    return [
        p
        for p in points
        if p.usable and p.administered_at > baseline.administered_at
        and p.measure_id != baseline.measure_id
    ]


def meets_response(baseline: Number, score: Number, reduction: float = RESPONSE_REDUCTION) -> bool | None:
    """Whether ``score`` is at least ``reduction`` below ``baseline`` (exact arithmetic).

    None for a baseline of 0 or less: there is nothing to reduce.
    """
    b = _exact(baseline)
    if b <= 0:
        return None
    return b - _exact(score) >= _exact(reduction) * b


def percent_change(baseline: Number, latest: Number) -> float | None:
    """``100 * (latest - baseline) / baseline``; None for a baseline of 0."""
    if baseline == 0:
        return None
    return 100.0 * float(_exact(latest) - _exact(baseline)) / float(_exact(baseline))


def reliable_change(
    x1: Number, x2: Number, params: ReliableChangeParams, critical: float = RCI_CRITICAL
) -> ReliableChange:
    """The Jacobson-Truax RCI from ``x1`` (baseline) to ``x2``, lower totals being better.

    ``SE = s1 * sqrt(1 - r)``, ``S_diff = sqrt(2) * SE``, ``RCI = (x2 - x1) / S_diff``;
    reliable when ``|RCI| > critical`` (1.96).
    """
    rci = (x2 - x1) / params.s_diff
    reliable = abs(rci) > critical
    verdict: Verdict = "no reliable change"
    if reliable:
        verdict = "improved" if rci < 0 else "deteriorated"
    return ReliableChange(rci=rci, reliable=reliable, verdict=verdict, params=params,
                          critical=critical)


def _first_response(
    later: Sequence[ScorePoint], baseline: ScorePoint, dose_at: dt.datetime | None,
    reduction: float,
) -> ScorePoint | None:
    if dose_at is None:
        return None
    return next(
        (p for p in later
         if p.administered_at >= dose_at and meets_response(baseline.value, p.value, reduction)),
        None,
    )


def _days_between(start: dt.datetime, end: dt.datetime) -> int:
    """Calendar days from ``start`` to ``end``, each taken in its own recorded UTC offset."""
    return (end.date() - start.date()).days


def instrument_outcome(
    course: TreatmentCourse, instrument: Instrument, params: OutcomeParams = DEFAULT_PARAMS
) -> InstrumentOutcome:
    """The outcome of ``instrument`` over ``course`` (see the module docstring for the rules)."""
    return _outcome(course_measures(course), instrument, params)


def _outcome(
    course: CourseMeasures, instrument: Instrument, params: OutcomeParams
) -> InstrumentOutcome:
    points = _points(course, instrument)
    dose_at = course.first_dose_at
    baseline, rule = _baseline(points, course.first_dosing_start, dose_at, params.baseline,
                               home=params.home_baseline)
    later = _after(points, baseline) if baseline is not None else []
    latest = later[-1] if later else None
    remission_rule = params.remission_rule(instrument)
    response_rule = params.response_rule(instrument)
    reduction = response_rule.reduction
    rel = params.reliability_of(instrument)
    fields: dict[str, object] = {
        "change": None, "percent_change": None, "response": None, "remission": None,
        "reliable_change": None, "first_response": None, "days_to_response": None,
        "response_threshold": None,
    }
    if baseline is not None:
        fields["response_threshold"] = float(baseline.value) * (1 - reduction)
    if baseline is not None and latest is not None:
        x1, x2 = baseline.value, latest.value
        judged = response_rule.baseline_at_least is None or x1 >= response_rule.baseline_at_least
        first = _first_response(later, baseline, dose_at, reduction) if judged else None
        fields.update(
            change=x2 - x1,
            percent_change=percent_change(x1, x2),
            response=meets_response(x1, x2, reduction) if judged else None,
            remission=remission_rule.met(x2)
            if remission_rule is not None and remission_rule.evaluable(x1) else None,
            reliable_change=reliable_change(x1, x2, rel, params.rci_critical) if rel else None,
            first_response=first,
            days_to_response=_days_between(dose_at, first.administered_at)
            if first is not None and dose_at is not None else None,
        )
    return InstrumentOutcome(
        course_id=course.course_id,
        client_id=course.client_id,
        instrument=instrument.name,
        title=instrument.title,
        scores=points,
        baseline=baseline,
        baseline_rule=rule,
        latest=latest,
        response_reduction=reduction,
        response_source=response_rule.source,
        remission_rule=remission_rule,
        reliability_note=_reliability_note(instrument, rel),
        first_dose_at=dose_at,
        **fields,  # type: ignore[arg-type]
    )


def _reliability_note(instrument: Instrument, rel: ReliableChangeParams | None) -> str:
    if rel is None:
        return (f"no verified s1 and r for {instrument.title}: no reliable change index "
                f"(pass OutcomeParams(reliability=...) to compute one)")
    return "" if rel.verified else f"s1/r not fully verified: {rel.note}"


def primary_indication(course: TreatmentCourse) -> Indication | None:
    """The course's primary indication; else its first; else None."""
    return primary_of(course.indications)


def primary_of(indications: Sequence[Indication]) -> Indication | None:
    """The indication marked primary; else the first; else None."""
    for i in indications:
        if i.primary:
            return i
    return indications[0] if indications else None


@attrs.frozen
class Administration:
    """One administration of a course, with the session it was taken in (None: at home)."""

    measure: MeasureAdministration
    session_id: str | None = None
    session_kind: SessionKind | None = None


@attrs.frozen
class CourseMeasures:
    """What outcomes read of a course, and nothing else: its measures with their sessions' id
    and kind, when its first dosing session starts and when its first dose is given, and its
    primary indication. :func:`course_measures` takes them from a decoded course; a store reads
    them from its rows without decoding the course (``Store.client_outcomes``).

    :ivar administrations: in course order: each session's measures in turn (sessions in
        their order), then the course's at-home measures (in time order).
    """

    course_id: str
    client_id: str
    primary_indication: Indication | None
    first_dosing_start: dt.datetime | None
    first_dose_at: dt.datetime | None
    administrations: tuple[Administration, ...]


def course_measures(course: TreatmentCourse) -> CourseMeasures:
    """The :class:`CourseMeasures` of a decoded course."""
    first = first_dosing_session(course)
    return CourseMeasures(
        course_id=course.id,
        client_id=course.client_id,
        primary_indication=primary_indication(course),
        first_dosing_start=first.start if first is not None else None,
        first_dose_at=first_dose_at(course),
        administrations=(
            *(Administration(m, s.id, s.kind) for s in course.sessions for m in s.measures),
            *(Administration(m) for m in course.measures),
        ),
    )


def _instruments_in(
    course: CourseMeasures, lookup: InstrumentLookup, params: OutcomeParams
) -> list[Instrument]:
    """The registered outcome instruments the course used, in order of first use."""
    seen: dict[str, Instrument] = {}
    measures = [a.measure for a in course.administrations]
    if any(a.session_id is None for a in course.administrations):
        # at-home measures (format 1.3) take their place in time
        measures.sort(key=lambda x: x.administered_at)
    for m in measures:
        inst = lookup(m.instrument)
        if inst is None or inst.name in seen or not inst.is_named(m.instrument):
            continue
        if is_outcome_measure(inst, params):
            seen[inst.name] = inst
    return list(seen.values())


def course_outcomes(
    course: TreatmentCourse,
    params: OutcomeParams = DEFAULT_PARAMS,
    *,
    instruments: Iterable[str] | None = None,
    lookup: InstrumentLookup = default_lookup,
) -> CourseOutcomes:
    """The outcome of every outcome instrument the course used (or only of ``instruments``).

    :param instruments: names or aliases (``PHQ-9``) of the instruments wanted.
    :param lookup: finds an instrument by registry name or alias (default: the plugin
        registry). Instruments it cannot find, and non-outcome instruments, are left out.
    """
    return outcomes_of(course_measures(course), params, instruments=instruments, lookup=lookup)


def outcomes_of(
    course: CourseMeasures,
    params: OutcomeParams = DEFAULT_PARAMS,
    *,
    instruments: Iterable[str] | None = None,
    lookup: InstrumentLookup = default_lookup,
) -> CourseOutcomes:
    """:func:`course_outcomes` of a course's :class:`CourseMeasures` (the same result)."""
    found = _instruments_in(course, lookup, params)
    if instruments is not None:
        wanted = list(instruments)
        found = [i for i in found if any(i.is_named(w) for w in wanted)]
    return CourseOutcomes(
        course_id=course.course_id,
        client_id=course.client_id,
        primary_indication=course.primary_indication,
        first_dose_at=course.first_dose_at,
        outcomes=tuple(_outcome(course, i, params) for i in found),
    )


# =============================================================================================
# The clinic summary
# =============================================================================================


def _row(
    instrument: str, title: str, outcomes: Sequence[InstrumentOutcome],
    indication: Indication | None = None,
) -> RateRow:
    evaluable = [o for o in outcomes if o.evaluable]
    responders = [o for o in evaluable if o.response is not None]
    remitters = [o for o in evaluable if o.remission is not None]
    return RateRow(
        instrument=instrument,
        title=title,
        indication=indication.code if indication is not None else None,
        indication_display=indication.display if indication is not None else None,
        n_courses=len(outcomes),
        n_evaluable=len(evaluable),
        n_response_evaluable=len(responders),
        n_response=sum(1 for o in responders if o.response),
        n_remission_evaluable=len(remitters),
        n_remission=sum(1 for o in remitters if o.remission),
    )


def _by_instrument(courses: Sequence[CourseOutcomes]) -> tuple[RateRow, ...]:
    groups: dict[str, list[InstrumentOutcome]] = {}
    for c in courses:
        for o in c.outcomes:
            groups.setdefault(o.instrument, []).append(o)
    return tuple(_row(name, outs[0].title, outs) for name, outs in groups.items())


def _by_indication(courses: Sequence[CourseOutcomes]) -> tuple[RateRow, ...]:
    groups: dict[tuple[str, str], list[InstrumentOutcome]] = {}
    indications: dict[str, Indication | None] = {}
    for c in courses:
        code = c.primary_indication.code if c.primary_indication is not None else ""
        indications.setdefault(code, c.primary_indication)
        for o in c.outcomes:
            groups.setdefault((code, o.instrument), []).append(o)
    order = {name: k for k, name in enumerate(r.instrument for r in _by_instrument(courses))}
    keys = sorted(groups, key=lambda k: (k[0], order[k[1]]))
    return tuple(
        _row(name, groups[(code, name)][0].title, groups[(code, name)], indications[code])
        for code, name in keys
    )


def clinic_summary(
    record: Document | Iterable[TreatmentCourse],
    params: OutcomeParams = DEFAULT_PARAMS,
    *,
    instruments: Iterable[str] | None = None,
    lookup: InstrumentLookup = default_lookup,
) -> ClinicSummary:
    """Outcomes across courses: how many have a baseline and a follow-up, and response and
    remission rates by instrument and by primary indication."""
    courses = list(record.courses if isinstance(record, Document) else record)
    wanted = list(instruments) if instruments is not None else None
    return summarise(
        [course_outcomes(c, params, instruments=wanted, lookup=lookup) for c in courses]
    )


def summarise(outcomes: Sequence[CourseOutcomes]) -> ClinicSummary:
    """The clinic summary of courses' outcomes (:func:`clinic_summary` of those courses)."""
    return ClinicSummary(
        n_clients=len({c.client_id for c in outcomes}),
        n_courses=len(outcomes),
        n_evaluable_courses=sum(1 for c in outcomes if any(o.evaluable for o in c.outcomes)),
        by_instrument=_by_instrument(outcomes),
        by_indication=_by_indication(outcomes),
        courses=tuple(outcomes),
    )
