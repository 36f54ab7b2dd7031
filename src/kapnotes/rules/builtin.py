"""The built-in safety rules of a KAP clinic. Each is small and checks one thing.

Every threshold comes from the :class:`~kapnotes.rules.config.ClinicConfig` (defaults cited in
:data:`kapnotes.rules.config.SOURCES`); findings quote the source of the value they applied.
Codes are stable: a code never changes meaning (new checks get new codes).

The codes, their severity and what each finding says are in :data:`CODES` (and, generated
from it, in ``docs/clinical.md``). Blocking findings stop signing: they are what a label, the
REMS or the clinic's own policy makes mandatory; warnings ask for a look.

A safety plan is documented when the session has a
:class:`~kapnotes.model.SafetyPlanning` intervention or ``risk.safety_plan_reviewed`` is true.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import TypeVar

import attrs

from kapnotes.instruments.base import SUICIDE, CriticalItem, Instrument, ScoringError
from kapnotes.model.course import Consent, ConsentKind
from kapnotes.model.dosing import (
    Agent,
    CheckIn,
    Dissociation,
    DosingRecord,
    Route,
    Sedation,
    Vitals,
)
from kapnotes.model.interventions import SafetyPlanning, SomaticWork
from kapnotes.model.lifecycle import NoteStatus
from kapnotes.model.measures import MeasureAdministration
from kapnotes.model.people import Role
from kapnotes.model.prescreen import (
    Contraindication,
    Medication,
    MedicationClass,
    PregnancyTest,
    PreScreen,
    ScreenAnswer,
)
from kapnotes.model.session import Modality, Session, SessionKind
from kapnotes.references import cite
from kapnotes.rules.base import CourseContext, Finding, Rule, RuleContext, Severity, item_value
from kapnotes.rules.config import SUICIDE_ITEM_KEYS

__all__ = ["BUILTIN_RULES"]

BLOCKING, WARNING = Severity.BLOCKING, Severity.WARNING
DOSING = frozenset({SessionKind.DOSING})

# The suicide items are facts of each instrument: every critical item of kind ``suicide`` of
# any registered instrument (PHQ-9 item 9, QIDS-SR16 item 12, MADRS item 10, BDI-II item 9, a
# plugin's), at the instrument's own threshold; the clinic configuration can override the
# built-ins' thresholds (kapnotes.rules.config.SUICIDE_ITEM_KEYS).
#: The C-SSRS screeners whose triage level the suicide rules read.
CSSRS: dict[str, str] = {
    "cssrs-screener": "C-SSRS screener",
    "cssrs-since-last-visit": "C-SSRS since last visit",
}

#: Every code a built-in rule emits: ``code -> (severity, what the finding means)``. A code
#: never changes meaning; new checks get new codes.
CODES: dict[str, tuple[Severity, str]] = {
    "KAP-RISK-001": (BLOCKING, "a suicide screen is positive and no risk assessment is documented"),
    "KAP-RISK-002": (BLOCKING, "a suicide screen is positive and no safety plan is documented"),
    "KAP-RISK-003": (BLOCKING, "the clinician rates risk moderate or above and no safety plan is "
                     "documented"),
    "KAP-RISK-004": (BLOCKING, "the C-SSRS screener cannot be scored"),
    "KAP-RISK-005": (WARNING, "a suicide item is unanswered, or the C-SSRS is incomplete"),
    "KAP-RISK-006": (BLOCKING, "a suicide screen answered at home is positive and no session has "
                     "followed it yet"),
    "KAP-PREDOSE-001": (WARNING, "no pre-dose vitals (or no BP / HR among them)"),
    "KAP-PREDOSE-002": (WARNING, "last pre-dose BP at or above the go/no-go limit"),
    "KAP-PREDOSE-003": (WARNING, "last pre-dose HR at or above the go/no-go limit"),
    "KAP-DOSE-001": (WARNING, "ketamine above the clinic's mg/kg maximum for the route"),
    "KAP-DOSE-002": (WARNING, "no body weight: mg/kg cannot be checked"),
    "KAP-DOSE-003": (WARNING, "esketamine above the clinic's maximum (mg)"),
    "KAP-REMS-001": (BLOCKING, "no BP at 40 +/- 5 minutes after esketamine"),
    "KAP-REMS-002": (BLOCKING, "under 120 minutes of monitoring after esketamine"),
    "KAP-REMS-003": (BLOCKING, "no BP before esketamine"),
    "KAP-REMS-004": (BLOCKING, "no SpO2 (pulse oximetry) recorded after esketamine"),
    "KAP-REMS-005": (BLOCKING, "no BP before the esketamine session was completed"),
    "KAP-REMS-006": (BLOCKING, "sedation not resolved (last MOAA/S below 5) at discharge"),
    "KAP-REMS-007": (BLOCKING, "dissociation not resolved (last CADSS above the clinic's "
                     "threshold) at discharge"),
    "KAP-REMS-008": (BLOCKING, "respiratory depression not resolved (last SpO2 below the "
                     "minimum) at discharge"),
    "KAP-REMS-009": (BLOCKING, "last BP before completion outside the acceptable range"),
    "KAP-REMS-010": (BLOCKING, "esketamine without a reviewed medication list (the REMS form's "
                     "concomitant-medication questions)"),
    "KAP-REMS-011": (WARNING, "esketamine with a concomitant benzodiazepine, sedative hypnotic, "
                     "psychostimulant or MAOI"),
    "KAP-NPO-001": (WARNING, "esketamine with less fasting than the label advises"),
    "KAP-CONTRA-001": (BLOCKING, "dosing with a contraindication answered yes on the pre-screen"),
    "KAP-OBS-001": (WARNING, "discharged sooner after the last dose than the clinic's minimum "
                    "observation"),
    "KAP-DISCHARGE-004": (WARNING, "discharge criteria met without recent vitals"),
    "KAP-GO-001": (BLOCKING, "dose given although the go decision was no"),
    "KAP-PREG-001": (BLOCKING, "dosing with a positive pregnancy test"),
    "KAP-GO-002": (WARNING, "dosing at elevated suicide risk: the go decision needs the "
                     "prescriber's review"),
    "KAP-HOME-003": (BLOCKING, "at-home dosing at elevated suicide risk"),
    "KAP-HOME-001": (WARNING, "at-home session without chaperone check-ins"),
    "KAP-HOME-002": (WARNING, "a gap between chaperone check-ins longer than the clinic's "
                     "interval"),
    "KAP-ATTEST-001": (BLOCKING, "the dosing record names no ordering clinician who is a "
                       "prescriber"),
    "KAP-ATTEST-002": (BLOCKING, "esketamine session without a prescriber among its clinicians "
                       "(the REMS requires a prescriber onsite)"),
    "KAP-ATTEST-003": (WARNING, "a signed dosing note awaits a signature role the clinic's "
                       "policy requires"),
    "KAP-ESK-001": (WARNING, "first esketamine dose above the label's day-1 starting dose"),
    "KAP-ESK-002": (WARNING, "fewer esketamine sessions in an induction week than the label's "
                    "twice weekly"),
    "KAP-CONSENT-001": (BLOCKING, "dosing without KAP informed consent in force"),
    "KAP-SEDATION-001": (WARNING, "MOAA/S at or below the clinic's threshold"),
    "KAP-SPO2-001": (WARNING, "SpO2 below the clinic's minimum"),
    "KAP-TOUCH-001": (BLOCKING, "touch used without consent to touch in force"),
    "KAP-TOUCH-002": (BLOCKING, "touch used after the client declined it that day"),
    "KAP-DISCHARGE-001": (WARNING, "dosing session without a discharge record"),
    "KAP-DISCHARGE-002": (WARNING, "discharged with criteria not met"),
    "KAP-DISCHARGE-003": (WARNING, "discharged with no escort or transport recorded"),
}


def _code(code: str) -> tuple[Severity, str]:
    """``(severity, code)`` of a catalogued code, for ``ctx.finding(*_code("KAP-..."), ...)``."""
    return CODES[code][0], code

# Sources of requirements that are not thresholds.
_CONSENT_SOURCE = cite(
    "ama-2.1.1", "sanacora-2017",
    note="informed consent before treatment; ketamine for mood disorders is off-label",
)
_TOUCH_SOURCE = cite(
    "mithoefer-2017",
    note="touch in psychedelic-assisted therapy is agreed beforehand; kapnotes blocks touch "
    "without a consent to touch in force",
)
_DISCHARGE_SOURCE = cite(
    "spravato-pi", "spravatohcp-dosing",
    note="assess when the patient is clinically stable and ready to leave; patients need "
    "someone to drive them home; no driving until the next day. Applied to racemic ketamine "
    "by kapnotes",
)


# =============================================================================================
# Helpers
# =============================================================================================


def _num(x: float) -> str:
    """``30.0`` -> ``30``, ``0.8971`` -> ``0.9``, ``3.1212`` -> ``3.12`` (for messages)."""
    return f"{round(x, 2):g}"


def _mg_per_kg(x: float) -> str:
    """mg/kg to three decimals, so a value just above a maximum does not print as equal to it."""
    return f"{round(x, 3):g}"


_ROUTE_LABELS = {
    Route.IV: "IV",
    Route.IM: "IM",
    Route.SUBLINGUAL: "sublingual",
    Route.ORAL: "oral",
    Route.INTRANASAL: "intranasal",
}


def _when(dosing: DosingRecord | None, at: dt.datetime) -> str:
    """``30 min after the dose`` / ``10 min before the dose`` / the time when there is no dose."""
    if dosing is None:
        return f"at {at.isoformat()}"
    minutes = dosing.minutes_after_dose(at)
    if minutes >= 0:
        return f"{_num(minutes)} min after the dose"
    return f"{_num(-minutes)} min before the dose"


def has_safety_plan(session: Session) -> bool:
    """A SafetyPlanning intervention in the session, or a safety plan reviewed in the risk
    assessment."""
    if any(isinstance(i, SafetyPlanning) for i in session.interventions):
        return True
    return session.risk is not None and session.risk.safety_plan_reviewed


_PLAN_HINT = "add a safety planning intervention or mark the safety plan as reviewed"


def _dose_day(session: Session) -> dt.date:
    """The day a session's medicine was given (the session's start when there is no dose)."""
    return (session.dosing.administered_at if session.dosing else session.start).date()


# =============================================================================================
# (a) Suicide risk: a positive screen needs a risk assessment and a safety plan
# =============================================================================================


def suicide_items(
    ctx: RuleContext | CourseContext, m: MeasureAdministration
) -> Iterator[tuple[Instrument, CriticalItem, int, str]]:
    """``(instrument, item, threshold, source)`` for each suicide item of the measure's
    instrument: the threshold is the clinic's override where the configuration has one
    (:data:`~kapnotes.rules.config.SUICIDE_ITEM_KEYS`), else the instrument's own."""
    inst = ctx.instrument(m)
    if inst is None:
        return
    key = SUICIDE_ITEM_KEYS.get(inst.name)
    for critical in inst.critical_items_of(SUICIDE):
        if key is not None:
            yield inst, critical, ctx.config.get(key), ctx.config.source(key)
        else:
            yield inst, critical, critical.threshold, critical.source


def _suicide_triggers(ctx: RuleContext) -> Iterator[tuple[str, str, str]]:
    """``(path, what, source)`` for every positive suicide screen in the session, and in the
    at-home measures it answers for (format 1.3)."""
    for base, m in ctx.all_measures():
        yield from _positive_screens(ctx, base, m)


def _positive_screens(
    ctx: RuleContext | CourseContext, base: str, m: MeasureAdministration
) -> Iterator[tuple[str, str, str]]:
    """``(path, what, source)`` of the positive suicide screens of one measure at ``base``."""
    cfg = ctx.config.suicide
    name = ctx.instrument_name(m)
    for inst, critical, at_least, source in suicide_items(ctx, m):
        number = critical.item
        value = item_value(m, number)
        triggered = attrs.evolve(critical, threshold=at_least).triggered(value)
        if triggered:
            what = f"{inst.title} item {number} is {value} (threshold {_condition(critical, at_least)})"
            yield f"{base}.items[{number - 1}]", _where(m, what), source
    if name in CSSRS and m.items:
        try:
            result = ctx.score(m)
        except ScoringError:
            return  # reported by _suicide_risk as KAP-RISK-004
        level = result.risk_level if result is not None else None
        if level is not None and level in cfg.cssrs_levels:
            lower = " at least" if result is not None and not result.complete else ""
            what = f"{CSSRS[name]} risk is{lower} {level}"
            yield base, _where(m, what), ctx.config.source("suicide.cssrs_levels")


def _where(m: MeasureAdministration, what: str) -> str:
    """``what``, marked when it was answered at home (no clinician was present to respond)."""
    if not m.at_home:
        return what
    return f"Answered at home on {m.administered_at.date()}, with no clinician present: {what}"


def _condition(critical: CriticalItem, threshold: int) -> str:
    """``>= 2`` (or ``<= 1`` for an at-most item)."""
    return f"{'>=' if critical.direction == 'at_least' else '<='} {threshold}"


def _suicide_risk(ctx: RuleContext) -> Iterator[Finding]:
    s = ctx.session
    for base, m in ctx.all_measures():
        if ctx.instrument_name(m) in CSSRS:
            try:
                ctx.score(m)
            except ScoringError as exc:
                problems = "; ".join(str(p) for p in exc.problems)
                yield ctx.finding(
                    *_code("KAP-RISK-004"),
                    f"The {CSSRS[ctx.instrument_name(m)]} cannot be scored ({problems}), so the suicide risk "
                    "level is unknown: correct the responses.",
                    f"{base}.items",
                )
    planned = has_safety_plan(s)
    for path, what, source in _suicide_triggers(ctx):
        if s.risk is None:
            yield ctx.finding(
                *_code("KAP-RISK-001"),
                f"{what}: document a suicide risk assessment in this session.",
                path, source=source,
            )
        if not planned:
            yield ctx.finding(
                *_code("KAP-RISK-002"),
                f"{what}: document a safety plan in this session ({_PLAN_HINT}).",
                path, source=source,
            )


def _suicide_risk_pending(ctx: CourseContext) -> Iterator[Finding]:
    """A positive screen answered at home that no session has followed: the most urgent case,
    since no clinician was present when it was answered and no note yet acts on it."""
    for k, m in ctx.measures:
        try:
            screens = list(_positive_screens(ctx, ctx.at(k), m))
        except ScoringError:
            screens = []
        for path, what, source in screens:
            yield ctx.finding(
                *_code("KAP-RISK-006"),
                f"{what}; no session has followed it yet: contact the client to assess suicide "
                "risk now, and document the risk assessment and safety plan in the next session.",
                path, source=source,
            )


SUICIDE_RISK_SAFETY_PLAN = Rule(
    name="suicide-risk-safety-plan",
    description=(
        "A positive suicide screen (a suicide item of any instrument: PHQ-9 item 9, QIDS-SR16 "
        "item 12, MADRS item 10, BDI-II item 9, a plugin's; the C-SSRS screener level) needs a "
        "documented risk assessment and safety plan in the session; one answered at home needs "
        "them in the next session, and is reported on the course until a session follows it."
    ),
    check=_suicide_risk,
    source="thresholds: ClinicConfig.suicide (see kapnotes.rules.config.SOURCES)",
    codes=("KAP-RISK-001", "KAP-RISK-002", "KAP-RISK-004", "KAP-RISK-006"),
    check_course=_suicide_risk_pending,
)


def _risk_level(ctx: RuleContext) -> Iterator[Finding]:
    risk = ctx.session.risk
    if risk is None or risk.level not in ctx.config.suicide.risk_levels:
        return
    if not has_safety_plan(ctx.session):
        yield ctx.finding(
            *_code("KAP-RISK-003"),
            f"The risk assessment rates suicide risk {risk.level.value}: document a safety plan "
            f"in this session ({_PLAN_HINT}).",
            ctx.at("risk", "level"),
            source=ctx.config.source("suicide.risk_levels"),
        )


RISK_LEVEL_SAFETY_PLAN = Rule(
    name="risk-level-safety-plan",
    description="A clinician-rated suicide risk of moderate or above needs a safety plan.",
    check=_risk_level,
    source="thresholds: ClinicConfig.suicide.risk_levels",
    codes=("KAP-RISK-003",),
)


def _suicide_unanswered(ctx: RuleContext) -> Iterator[Finding]:
    for base, m in ctx.all_measures():
        yield from _unanswered(ctx, base, m)


def _suicide_unanswered_pending(ctx: CourseContext) -> Iterator[Finding]:
    for k, m in ctx.measures:
        yield from _unanswered(ctx, ctx.at(k), m)


def _unanswered(
    ctx: RuleContext | CourseContext, base: str, m: MeasureAdministration
) -> Iterator[Finding]:
    """KAP-RISK-005 for a suicide item left blank, or an incomplete C-SSRS, of one measure."""
    name = ctx.instrument_name(m)
    for inst, critical, _at_least, source in suicide_items(ctx, m):
        number = critical.item
        if item_value(m, number) is None:
            yield ctx.finding(
                *_code("KAP-RISK-005"),
                _where(m, f"{inst.title} item {number} (suicidal thoughts) is not answered: ask "
                       "about it directly and record the answer."),
                f"{base}.items[{number - 1}]" if number <= len(m.items) else f"{base}.items",
                source=source,
            )
    if name in CSSRS and m.items:
        try:
            result = ctx.score(m)
        except ScoringError:
            return  # KAP-RISK-004
        if result is not None and not result.complete:
            yield ctx.finding(
                *_code("KAP-RISK-005"),
                _where(m, f"The {CSSRS[name]} is incomplete: risk is at least {result.risk_level} "
                       "and could be higher; ask the remaining questions."),
                f"{base}.items",
                source=ctx.config.source("suicide.cssrs_levels"),
            )


SUICIDE_ITEM_UNANSWERED = Rule(
    name="suicide-item-unanswered",
    description="Suicide items (and the C-SSRS screener) are answered in full.",
    check=_suicide_unanswered,
    source="missing-item policies of the instruments (kapnotes.instruments.catalog)",
    codes=("KAP-RISK-005",),
    check_course=_suicide_unanswered_pending,
)


# =============================================================================================
# (b) Pre-dose vitals against the clinic's go/no-go
# =============================================================================================


def _predose(ctx: RuleContext) -> Iterator[Finding]:
    d = ctx.session.dosing
    if d is None:
        return
    limits = ctx.config.go_no_go
    pre = [
        (i, e) for i, e in enumerate(d.monitoring)
        if isinstance(e, Vitals) and e.at < d.administered_at
    ]
    where = ctx.at("dosing", "monitoring")
    if not pre:
        yield ctx.finding(
            *_code("KAP-PREDOSE-001"),
            "No vitals are recorded before the dose: the go/no-go decision is undocumented.",
            where, source=ctx.config.source("go_no_go.systolic_below"),
        )
        return
    with_bp = [(i, v) for i, v in pre if v.systolic is not None and v.diastolic is not None]
    with_hr = [(i, v) for i, v in pre if v.heart_rate is not None]
    missing = [name for name, found in (("blood pressure", with_bp), ("heart rate", with_hr))
               if not found]
    if missing:
        yield ctx.finding(
            *_code("KAP-PREDOSE-001"),
            f"No pre-dose {' or '.join(missing)} is recorded: the go/no-go decision is "
            "undocumented.",
            where, source=ctx.config.source("go_no_go.systolic_below"),
        )
    if with_bp:
        i, v = with_bp[-1]  # the reading the go decision rests on
        assert v.systolic is not None and v.diastolic is not None
        when = _when(d, v.at)
        for attr, value, limit, key in (
            ("systolic", v.systolic, limits.systolic_below, "go_no_go.systolic_below"),
            ("diastolic", v.diastolic, limits.diastolic_below, "go_no_go.diastolic_below"),
        ):
            if value >= limit:
                yield ctx.finding(
                    *_code("KAP-PREDOSE-002"),
                    f"Last pre-dose blood pressure {v.systolic}/{v.diastolic} mmHg ({when}): "
                    f"{attr} {value} is at or above the clinic's go/no-go limit (dose only "
                    f"below {limit}).",
                    ctx.at("dosing", "monitoring", i, attr), source=ctx.config.source(key),
                )
    if with_hr:
        i, v = with_hr[-1]
        assert v.heart_rate is not None
        if v.heart_rate >= limits.heart_rate_below:
            yield ctx.finding(
                *_code("KAP-PREDOSE-003"),
                f"Last pre-dose heart rate {v.heart_rate}/min ({_when(d, v.at)}) is at or above "
                f"the clinic's go/no-go limit (dose only below {limits.heart_rate_below}).",
                ctx.at("dosing", "monitoring", i, "heart_rate"),
                source=ctx.config.source("go_no_go.heart_rate_below"),
            )


PREDOSE_VITALS = Rule(
    name="predose-vitals",
    description=(
        "Vitals are recorded before the dose, and the last pre-dose BP and heart rate are below "
        "the clinic's go/no-go limits."
    ),
    check=_predose,
    applies_to=DOSING,
    source="thresholds: ClinicConfig.go_no_go",
    codes=("KAP-PREDOSE-001", "KAP-PREDOSE-002", "KAP-PREDOSE-003"),
)


# =============================================================================================
# (c) Dose against the clinic's maximum
# =============================================================================================

_EPSILON = 1e-9  # mg/kg exactly at the maximum is allowed, whatever floating point does


def _administrations(d: DosingRecord) -> list[tuple[Route, float, tuple[str | int, ...]]]:
    """``(route, mg, path parts)`` of the first dose and each booster, in time order."""
    out: list[tuple[Route, float, tuple[str | int, ...]]] = [
        (d.route, d.dose_mg, ("dosing", "dose_mg"))
    ]
    boosters = sorted(enumerate(d.boosters), key=lambda ib: ib[1].at)
    out += [(b.route or d.route, b.dose_mg, ("dosing", "boosters", j, "dose_mg"))
            for j, b in boosters]
    return out


def _dose(ctx: RuleContext) -> Iterator[Finding]:
    d = ctx.session.dosing
    if d is None:
        return
    limits = ctx.config.dose
    if d.agent is Agent.ESKETAMINE:
        total = 0.0
        for _route, mg, parts in _administrations(d):
            total += mg
            if total > limits.esketamine_max_mg + _EPSILON:
                yield ctx.finding(
                    *_code("KAP-DOSE-003"),
                    f"Esketamine {_num(total)} mg in this session is above the clinic's "
                    f"maximum of {_num(limits.esketamine_max_mg)} mg.",
                    ctx.at(*parts), source=ctx.config.source("dose.esketamine_max_mg"),
                )
                return
        return
    routes = {r for r, _mg, _p in _administrations(d)}
    checked = [r for r in Route if r in routes and limits.max_mg_per_kg.for_route(r) is not None]
    if not checked:
        return
    weight = d.body_weight_kg
    if weight is None:
        yield ctx.finding(
            *_code("KAP-DOSE-002"),
            "No body weight is recorded, so the dose in mg/kg cannot be checked against the "
            "clinic's maximum.",
            ctx.at("dosing", "body_weight_kg"),
            source=ctx.config.source(f"dose.max_mg_per_kg.{checked[0].value}"),
        )
        return
    for route in checked:
        limit = limits.max_mg_per_kg.for_route(route)
        assert limit is not None
        total = 0.0
        given: list[str] = []
        for r, mg, parts in _administrations(d):
            if r is not route:
                continue
            total += mg
            given.append(_num(mg))
            if total / weight > limit + _EPSILON:
                how = f"{' + '.join(given)} = {_num(total)} mg" if len(given) > 1 else f"{given[0]} mg"
                yield ctx.finding(
                    *_code("KAP-DOSE-001"),
                    f"Ketamine {_ROUTE_LABELS[route]} {how} for {_num(weight)} kg is "
                    f"{_mg_per_kg(total / weight)} mg/kg, above the clinic's maximum of "
                    f"{_mg_per_kg(limit)} mg/kg for this route.",
                    ctx.at(*parts), source=ctx.config.source(f"dose.max_mg_per_kg.{route.value}"),
                )
                break


DOSE_LIMIT = Rule(
    name="dose-limit",
    description=(
        "Racemic ketamine per session stays within the clinic's mg/kg maximum for each route "
        "(first dose plus boosters); esketamine within its maximum in mg."
    ),
    check=_dose,
    applies_to=DOSING,
    source="thresholds: ClinicConfig.dose",
    codes=("KAP-DOSE-001", "KAP-DOSE-002", "KAP-DOSE-003"),
)


# =============================================================================================
# (d) Esketamine (SPRAVATO REMS): BP at ~40 minutes, at least 2 hours of monitoring
# =============================================================================================


def _esketamine(ctx: RuleContext) -> Iterator[Finding]:
    d = ctx.session.dosing
    if d is None or d.agent is not Agent.ESKETAMINE:
        return
    cfg = ctx.config.esketamine
    bps = [(i, v) for i, v in enumerate(d.monitoring)
           if isinstance(v, Vitals) and v.systolic is not None]
    if not any(v.at < d.administered_at for _i, v in bps):
        yield ctx.finding(
            *_code("KAP-REMS-003"),
            "No blood pressure is recorded before esketamine was given (SPRAVATO REMS: BP "
            "before administration).",
            ctx.at("dosing", "monitoring"), source=ctx.config.source("esketamine.bp_check_minutes"),
        )
    lo = cfg.bp_check_minutes - cfg.bp_check_tolerance_minutes
    hi = cfg.bp_check_minutes + cfg.bp_check_tolerance_minutes
    if not any(lo <= d.minutes_after_dose(v.at) <= hi for _i, v in bps):
        after = [_num(d.minutes_after_dose(v.at)) for _i, v in bps if v.at >= d.administered_at]
        seen = f"BP recorded at {', '.join(after)} min" if after else "no BP after the dose"
        yield ctx.finding(
            *_code("KAP-REMS-001"),
            f"No blood pressure between {lo} and {hi} minutes after esketamine ({seen}); the "
            f"SPRAVATO REMS asks for BP at about {cfg.bp_check_minutes} minutes.",
            ctx.at("dosing", "monitoring"),
            source=ctx.config.source("esketamine.bp_check_minutes"),
        )
    if not any(isinstance(v, Vitals) and v.spo2 is not None and v.at >= d.administered_at
               for v in d.monitoring):
        yield ctx.finding(
            *_code("KAP-REMS-004"),
            "No SpO2 is recorded after esketamine: the SPRAVATO REMS requires a pulse oximeter "
            "and monitoring of respiratory status (pulse oximetry) at each session.",
            ctx.at("dosing", "monitoring"),
            source=cite("spravato-rems", "spravatohcp-dosing"),
        )
    end = _completion(ctx.session)
    within = cfg.completion_bp_within_minutes
    if not any(d.minutes_after_dose(v.at) > hi and v.at <= end
               and (end - v.at).total_seconds() / 60.0 <= within for _i, v in bps):
        yield ctx.finding(
            *_code("KAP-REMS-005"),
            f"No blood pressure is recorded before the session was completed (after the "
            f"{cfg.bp_check_minutes}-minute check and within {within} minutes of "
            f"{'discharge' if d.discharge else 'the end of monitoring'}); the REMS monitoring "
            "form records BP prior to treatment session completion.",
            ctx.at("dosing", "monitoring"),
            source=ctx.config.source("esketamine.completion_bp_within_minutes"),
        )
    # Monitoring runs from administration to the last monitoring entry or discharge.
    ends: list[tuple[dt.datetime, tuple[str | int, ...]]] = []
    if d.monitoring:
        ends.append((d.monitoring[-1].at, ("dosing", "monitoring", len(d.monitoring) - 1, "at")))
    if d.discharge is not None:
        ends.append((d.discharge.at, ("dosing", "discharge", "at")))
    end, parts = (
        max(ends, key=lambda e: e[0]) if ends else (d.administered_at, ("dosing", "monitoring"))
    )
    minutes = d.minutes_after_dose(end)
    if minutes < cfg.min_monitoring_minutes:
        yield ctx.finding(
            *_code("KAP-REMS-002"),
            f"Monitoring after esketamine lasted {_num(max(minutes, 0))} minutes (to the last "
            f"entry or discharge); at least {cfg.min_monitoring_minutes} minutes are required.",
            ctx.at(*parts), source=ctx.config.source("esketamine.min_monitoring_minutes"),
        )


ESKETAMINE_REMS = Rule(
    name="esketamine-rems",
    description=(
        "Esketamine sessions record BP before the dose, at 40 +/- 5 minutes and before "
        "completion, pulse oximetry, and at least 120 minutes of monitoring."
    ),
    check=_esketamine,
    applies_to=DOSING,
    source=cite("spravato-pi", "spravato-rems", "spravato-monitoring-form",
                note="thresholds: ClinicConfig.esketamine"),
    codes=("KAP-REMS-001", "KAP-REMS-002", "KAP-REMS-003", "KAP-REMS-004", "KAP-REMS-005"),
)


def _completion(s: Session) -> dt.datetime:
    """When the session's monitoring ended (:attr:`DosingRecord.monitoring_end`)."""
    assert s.dosing is not None
    return s.dosing.monitoring_end


_T = TypeVar("_T")


def _last(entries: list[tuple[int, _T]]) -> tuple[int, _T] | None:
    return entries[-1] if entries else None


def _esketamine_resolution(ctx: RuleContext) -> Iterator[Finding]:
    d = ctx.session.dosing
    if d is None or d.agent is not Agent.ESKETAMINE:
        return
    cfg, end = ctx.config.esketamine, _completion(ctx.session)
    when = "discharge" if d.discharge is not None else "the end of monitoring"
    after = [(i, e) for i, e in enumerate(d.monitoring)
             if d.administered_at <= e.at <= end]
    sed = _last([(i, e) for i, e in after if isinstance(e, Sedation)])
    if sed is not None and sed[1].score < cfg.sedation_resolved_at_least:
        i, e = sed
        yield ctx.finding(
            *_code("KAP-REMS-006"),
            f"The last MOAA/S before {when} is {e.score} ({_when(d, e.at)}): sedation has not "
            f"resolved (MOAA/S {cfg.sedation_resolved_at_least}); the REMS requires monitoring "
            "until it does.",
            ctx.at("dosing", "monitoring", i, "score"),
            source=ctx.config.source("esketamine.sedation_resolved_at_least"),
        )
    dis = _last([(i, e) for i, e in after if isinstance(e, Dissociation)])
    if dis is not None and dis[1].total > cfg.dissociation_resolved_at_most:
        i, e2 = dis
        yield ctx.finding(
            *_code("KAP-REMS-007"),
            f"The last CADSS before {when} is {e2.total} ({_when(d, e2.at)}): dissociation has "
            f"not resolved (at most {cfg.dissociation_resolved_at_most}); the REMS requires "
            "monitoring until it does.",
            ctx.at("dosing", "monitoring", i, "total"),
            source=ctx.config.source("esketamine.dissociation_resolved_at_most"),
        )
    vit = [(i, e) for i, e in after if isinstance(e, Vitals)]
    ox = _last([(i, v) for i, v in vit if v.spo2 is not None])
    minimum = ctx.config.monitoring.spo2_min
    if ox is not None and ox[1].spo2 is not None and ox[1].spo2 < minimum:
        i, v = ox
        yield ctx.finding(
            *_code("KAP-REMS-008"),
            f"The last SpO2 before {when} is {v.spo2}% ({_when(d, v.at)}), below {minimum}%: "
            "respiratory depression has not resolved; the REMS requires monitoring until it "
            "does.",
            ctx.at("dosing", "monitoring", i, "spo2"),
            source=cite("spravato-rems") + "; " + ctx.config.source("monitoring.spo2_min"),
        )
    bp = _last([(i, v) for i, v in vit if v.systolic is not None and v.diastolic is not None])
    limits = ctx.config.go_no_go
    if bp is not None:
        i, v = bp
        assert v.systolic is not None and v.diastolic is not None
        high = [(a, val, lim, key) for a, val, lim, key in (
            ("systolic", v.systolic, limits.systolic_below, "go_no_go.systolic_below"),
            ("diastolic", v.diastolic, limits.diastolic_below, "go_no_go.diastolic_below"),
        ) if val >= lim]
        if high:
            a, _val, lim, key = high[0]
            yield ctx.finding(
                *_code("KAP-REMS-009"),
                f"The last blood pressure before {when} is {v.systolic}/{v.diastolic} mmHg "
                f"({_when(d, v.at)}): {a} at or above {lim}. The REMS monitoring form asks "
                "whether vital signs were acceptable before session completion; keep "
                "monitoring until BP is at a safe level.",
                ctx.at("dosing", "monitoring", i, a),
                source=cite("spravato-monitoring-form", "spravatohcp-dosing") + "; "
                + ctx.config.source(key),
            )


ESKETAMINE_RESOLUTION = Rule(
    name="esketamine-resolution",
    description=(
        "An esketamine session ends only after sedation, dissociation and respiratory "
        "depression resolve and BP is acceptable (the last readings before discharge)."
    ),
    check=_esketamine_resolution,
    applies_to=DOSING,
    source=cite("spravato-rems", "spravato-monitoring-form",
                note="thresholds: ClinicConfig.esketamine, monitoring, go_no_go"),
    codes=("KAP-REMS-006", "KAP-REMS-007", "KAP-REMS-008", "KAP-REMS-009"),
)


def _age_on(ctx: RuleContext, day: dt.date) -> int | None:
    course, doc = ctx.course, ctx.document
    if course is None or doc is None:
        return None
    try:
        born = doc.client(course.client_id).date_of_birth
    except KeyError:
        return None
    if born is None:
        return None
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def _esketamine_sessions(ctx: RuleContext) -> list[Session]:
    if ctx.course is None:
        return []
    found = [s for s in ctx.course.dosing_sessions
             if s.dosing is not None and s.dosing.agent is Agent.ESKETAMINE]
    return sorted(found, key=lambda s: s.dosing.administered_at if s.dosing else s.start)


def _esketamine_schedule(ctx: RuleContext) -> Iterator[Finding]:
    d = ctx.session.dosing
    if d is None or d.agent is not Agent.ESKETAMINE:
        return
    sessions = _esketamine_sessions(ctx)
    if not sessions or all(s.id != ctx.session.id for s in sessions):
        return
    cfg = ctx.config.esketamine
    first = sessions[0]
    assert first.dosing is not None
    if first.id == ctx.session.id:
        age = _age_on(ctx, d.administered_at.date())
        key = ("esketamine.first_dose_mg_65_plus" if age is not None and age >= 65
               else "esketamine.first_dose_mg")
        start = ctx.config.get(key)
        if d.dose_mg > start + _EPSILON:
            older = f" (the client is {age})" if age is not None and age >= 65 else ""
            yield ctx.finding(
                *_code("KAP-ESK-001"),
                f"Esketamine {_num(d.dose_mg)} mg on the first treatment day{older}: the label's "
                f"day-1 starting dose is {_num(start)} mg; document the prescriber's rationale.",
                ctx.at("dosing", "dose_mg"), source=ctx.config.source(key),
            )
        return

    def week(s: Session) -> int:
        assert s.dosing is not None and first.dosing is not None
        return (s.dosing.administered_at.date() - first.dosing.administered_at.date()).days // 7 + 1

    mine = week(ctx.session)
    earlier_same_week = [s for s in sessions if week(s) == mine
                         and s.dosing is not None and s.dosing.administered_at < d.administered_at]
    previous = mine - 1
    if earlier_same_week or not 1 <= previous <= cfg.induction_weeks:
        return
    n = sum(1 for s in sessions if week(s) == previous)
    if n < cfg.induction_sessions_per_week:
        yield ctx.finding(
            *_code("KAP-ESK-002"),
            f"Week {previous} of esketamine induction had {n} session(s): the label's "
            f"induction is {cfg.induction_sessions_per_week} sessions per week (twice weekly) "
            f"in weeks 1-{cfg.induction_weeks}; document the reason for the schedule.",
            ctx.at("dosing", "administered_at"),
            source=ctx.config.source("esketamine.induction_sessions_per_week"),
        )


ESKETAMINE_SCHEDULE = Rule(
    name="esketamine-schedule",
    description=(
        "The first esketamine dose is the label's day-1 starting dose, and induction is twice "
        "weekly in weeks 1-4."
    ),
    check=_esketamine_schedule,
    applies_to=DOSING,
    source=cite("spravato-pi", note="thresholds: ClinicConfig.esketamine"),
    codes=("KAP-ESK-001", "KAP-ESK-002"),
)


# =============================================================================================
# (e) KAP informed consent in force on every dosing day (the first one included)
# =============================================================================================


def _why_not_in_force(c: Consent, day: dt.date) -> tuple[str, str]:
    """``(field, reason)`` for a consent that is not in force on ``day``."""
    if not c.given:
        return "given", "the consent was declined"
    if day < c.obtained_on:
        return "obtained_on", f"the consent was obtained only on {c.obtained_on.isoformat()}"
    if c.withdrawn_on is not None and day >= c.withdrawn_on:
        return "withdrawn_on", f"the consent was withdrawn on {c.withdrawn_on.isoformat()}"
    assert c.expires_on is not None
    return "expires_on", f"the consent expired on {c.expires_on.isoformat()}"


def _consent(
    ctx: RuleContext, kind: ConsentKind, day: dt.date
) -> tuple[bool, str, str]:
    """``(in force, path, why not)`` for the course's consent of ``kind`` on ``day``."""
    course = ctx.course
    assert course is not None
    if course.consent(kind, day) is not None:
        return True, "", ""
    found = [(k, c) for k, c in enumerate(course.consents) if c.kind is kind]
    if not found:
        return False, ctx.at_course("consents"), "none is on file"
    k, c = max(found, key=lambda kc: kc[1].obtained_on)  # the latest one explains it best
    attr, why = _why_not_in_force(c, day)
    return False, ctx.at_course("consents", k, attr), why


def _kap_consent(ctx: RuleContext) -> Iterator[Finding]:
    if ctx.course is None:
        return  # checked without its course: the consents are not available
    day = _dose_day(ctx.session)
    ok, path, why = _consent(ctx, ConsentKind.KAP_INFORMED_CONSENT, day)
    if ok:
        return
    first = ctx.course.dosing_sessions[:1] == (ctx.session,)
    which = "the first dosing session" if first else "a dosing session"
    yield ctx.finding(
        *_code("KAP-CONSENT-001"),
        f"No KAP informed consent in force on {day.isoformat()} for {which} ({why}).",
        path,
    )


KAP_CONSENT = Rule(
    name="kap-consent",
    description="Every dosing session, the first included, has KAP informed consent in force.",
    check=_kap_consent,
    applies_to=DOSING,
    source=_CONSENT_SOURCE,
    codes=("KAP-CONSENT-001",),
)


# =============================================================================================
# (f) Sedation depth and oxygen saturation after the dose
# =============================================================================================


def _sedation(ctx: RuleContext) -> Iterator[Finding]:
    s = ctx.session
    at_most = ctx.config.monitoring.moaas_at_most
    source = ctx.config.source("monitoring.moaas_at_most")
    d = s.dosing
    if d is not None:
        for i, e in enumerate(d.monitoring):
            if isinstance(e, Sedation) and e.score <= at_most:
                yield ctx.finding(
                    *_code("KAP-SEDATION-001"),
                    f"MOAA/S {e.score} at {_when(d, e.at)} (at or below {at_most}): deeper "
                    "sedation than expected; record airway checks and the response.",
                    ctx.at("dosing", "monitoring", i, "score"), source=source,
                )
    for k, m in ctx.measures("moaas"):
        level = item_value(m, 1)
        if level is not None and level <= at_most:
            yield ctx.finding(
                *_code("KAP-SEDATION-001"),
                f"MOAA/S {level} at {_when(d, m.administered_at)} (at or below {at_most}): "
                "deeper sedation than expected; record airway checks and the response.",
                ctx.at("measures", k, "items", 0), source=source,
            )


SEDATION_DEPTH = Rule(
    name="sedation-depth",
    description="MOAA/S stays above the clinic's threshold (default: warns at 3 or below).",
    check=_sedation,
    applies_to=DOSING,
    source="thresholds: ClinicConfig.monitoring.moaas_at_most",
    codes=("KAP-SEDATION-001",),
)


def _spo2(ctx: RuleContext) -> Iterator[Finding]:
    d = ctx.session.dosing
    if d is None:
        return
    minimum = ctx.config.monitoring.spo2_min
    for i, e in enumerate(d.monitoring):
        if isinstance(e, Vitals) and e.spo2 is not None and e.spo2 < minimum:
            yield ctx.finding(
                *_code("KAP-SPO2-001"),
                f"SpO2 {e.spo2}% at {_when(d, e.at)} is below the clinic's minimum of "
                f"{minimum}%: record the response (stimulation, airway, oxygen).",
                ctx.at("dosing", "monitoring", i, "spo2"),
                source=ctx.config.source("monitoring.spo2_min"),
            )


OXYGEN_SATURATION = Rule(
    name="oxygen-saturation",
    description="SpO2 stays at or above the clinic's minimum (default 93%).",
    check=_spo2,
    applies_to=DOSING,
    source="thresholds: ClinicConfig.monitoring.spo2_min",
    codes=("KAP-SPO2-001",),
)


# =============================================================================================
# Touch needs consent to touch
# =============================================================================================


def _touch(ctx: RuleContext) -> Iterator[Finding]:
    s = ctx.session
    touched = [k for k, i in enumerate(s.interventions)
               if isinstance(i, SomaticWork) and i.touch_used]
    if not touched:
        return
    day = s.start.date()
    if ctx.course is not None:
        ok, _path, why = _consent(ctx, ConsentKind.CONSENT_TO_TOUCH, day)
        if not ok:
            for k in touched:
                yield ctx.finding(
                    *_code("KAP-TOUCH-001"),
                    f"Touch is documented but no consent to touch is in force on "
                    f"{day.isoformat()} ({why}).",
                    ctx.at("interventions", k, "touch_used"),
                )
    prep = s.dosing.preparation if s.dosing is not None else None
    if prep is not None and prep.consent_to_touch is False:
        for k in touched:
            yield ctx.finding(
                *_code("KAP-TOUCH-002"),
                "Touch is documented although the client declined touch at this session's "
                "preparation.",
                ctx.at("interventions", k, "touch_used"),
            )


TOUCH_CONSENT = Rule(
    name="touch-consent",
    description=(
        "Touch (somatic work with touch) only with consent to touch in force and not declined "
        "at the session's preparation."
    ),
    check=_touch,
    source=_TOUCH_SOURCE,
    codes=("KAP-TOUCH-001", "KAP-TOUCH-002"),
)


# =============================================================================================
# Discharge
# =============================================================================================


def _at_home(s: Session) -> bool:
    return s.modality is Modality.AT_HOME_CHAPERONED


def _discharge(ctx: RuleContext) -> Iterator[Finding]:
    d = ctx.session.dosing
    if d is None or _at_home(ctx.session):
        return
    if d.discharge is None:
        yield ctx.finding(
            *_code("KAP-DISCHARGE-001"),
            "No discharge is recorded: record when the client was assessed as ready to leave.",
            ctx.at("dosing", "discharge"),
        )
    elif not d.discharge.criteria_met:
        yield ctx.finding(
            *_code("KAP-DISCHARGE-002"),
            f"The client left at {_when(d, d.discharge.at)} with discharge criteria not met: "
            "document the reason and the plan.",
            ctx.at("dosing", "discharge", "criteria_met"),
        )


DISCHARGE_CRITERIA = Rule(
    name="discharge-criteria",
    description="Dosing sessions record a discharge with its criteria met.",
    check=_discharge,
    applies_to=DOSING,
    source=_DISCHARGE_SOURCE,
    codes=("KAP-DISCHARGE-001", "KAP-DISCHARGE-002"),
)


def _escort(ctx: RuleContext) -> Iterator[Finding]:
    d = ctx.session.dosing
    if d is None or d.discharge is None or _at_home(ctx.session):
        return
    if not d.discharge.escort and not d.discharge.transport:
        yield ctx.finding(
            *_code("KAP-DISCHARGE-003"),
            "No escort or transport is recorded at discharge: the client must not drive until "
            "the next day.",
            ctx.at("dosing", "discharge", "escort"),
        )


DISCHARGE_ESCORT = Rule(
    name="discharge-escort",
    description="Discharge after dosing records an escort or the transport home.",
    check=_escort,
    applies_to=DOSING,
    source=_DISCHARGE_SOURCE,
    codes=("KAP-DISCHARGE-003",),
)


# =============================================================================================
# Observation, discharge against the timeline, the go decision, pregnancy
# =============================================================================================


def _last_dose_at(d: DosingRecord) -> dt.datetime:
    return max([d.administered_at, *(b.at for b in d.boosters)])


def _observation(ctx: RuleContext) -> Iterator[Finding]:
    d = ctx.session.dosing
    if d is None or d.discharge is None or _at_home(ctx.session):
        return
    cfg = ctx.config.observation
    if d.agent is not Agent.ESKETAMINE:  # esketamine: KAP-REMS-002 (120 minutes)
        last = _last_dose_at(d)
        minutes = (d.discharge.at - last).total_seconds() / 60.0
        if minutes < cfg.min_minutes:
            which = "the last dose" if d.boosters else "the dose"
            yield ctx.finding(
                *_code("KAP-OBS-001"),
                f"Discharged {_num(minutes)} min after {which}: the clinic's minimum observation "
                f"is {cfg.min_minutes} minutes.",
                ctx.at("dosing", "discharge", "at"),
                source=ctx.config.source("observation.min_minutes"),
            )
    readings = [v for v in d.monitoring if isinstance(v, Vitals) and v.at <= d.discharge.at]
    if d.discharge.criteria_met and readings:
        gap = (d.discharge.at - readings[-1].at).total_seconds() / 60.0
        if gap > cfg.last_vitals_within_minutes:
            yield ctx.finding(
                *_code("KAP-DISCHARGE-004"),
                f"Discharge criteria are marked met, but the last vitals were {_num(gap)} min "
                f"before discharge (the clinic asks for vitals within "
                f"{cfg.last_vitals_within_minutes} minutes): record the vitals the discharge "
                "rests on.",
                ctx.at("dosing", "discharge", "criteria_met"),
                source=ctx.config.source("observation.last_vitals_within_minutes"),
            )


OBSERVATION = Rule(
    name="observation-and-discharge",
    description=(
        "In-clinic sessions observe the client for the clinic's minimum after the last dose, "
        "and a discharge with criteria met rests on recent vitals."
    ),
    check=_observation,
    applies_to=DOSING,
    source="thresholds: ClinicConfig.observation",
    codes=("KAP-OBS-001", "KAP-DISCHARGE-004"),
)


def _go_decision(ctx: RuleContext) -> Iterator[Finding]:
    d = ctx.session.dosing
    if d is None or d.preparation is None or d.preparation.go_decision is not False:
        return
    yield ctx.finding(
        *_code("KAP-GO-001"),
        "The preparation records a no-go decision, yet a dose was given: correct the record or "
        "document why the decision changed and who made it.",
        ctx.at("dosing", "preparation", "go_decision"),
    )


GO_DECISION = Rule(
    name="go-decision",
    description="No dose is given after a documented no-go decision.",
    check=_go_decision,
    applies_to=DOSING,
    source=cite("kapnotes-default", note="the clinic's own go/no-go decision binds the dose"),
    codes=("KAP-GO-001",),
)

_NEGATED = ("negative", "not positive", "neg ")


def _free_text_positive(text: str | None) -> bool:
    if not text:
        return False
    t = f" {text.lower()} "
    return "positive" in t and not any(n in t for n in _NEGATED)


def _pregnancy(ctx: RuleContext) -> Iterator[Finding]:
    s = ctx.session
    if s.pre_screen is not None and s.pre_screen.pregnancy_test is PregnancyTest.POSITIVE:
        yield ctx.finding(
            *_code("KAP-PREG-001"),
            "The pre-screen records a positive pregnancy test: ketamine and esketamine are not "
            "given in pregnancy; do not dose.",
            ctx.at("pre_screen", "pregnancy_test"),
        )
        return
    prep = s.dosing.preparation if s.dosing is not None else None
    if prep is not None and _free_text_positive(prep.pregnancy_test):
        yield ctx.finding(
            *_code("KAP-PREG-001"),
            f"The preparation records the pregnancy test as {prep.pregnancy_test!r}: ketamine "
            "and esketamine are not given in pregnancy; do not dose (record the result as a "
            "coded pre-screen result).",
            ctx.at("dosing", "preparation", "pregnancy_test"),
        )


PREGNANCY = Rule(
    name="pregnancy",
    description="No dosing with a positive pregnancy test (coded, or free text reading positive).",
    check=_pregnancy,
    applies_to=DOSING,
    source=cite("sanacora-2017", "hull-2022", "spravato-pi",
                note="pregnancy is screened before ketamine and excluded from at-home programs; "
                "the SPRAVATO label advises against use in pregnancy"),
    codes=("KAP-PREG-001",),
)


def _elevated_risk(ctx: RuleContext) -> str | None:
    """Why the session's suicide risk is elevated (None when it is not)."""
    risk = ctx.session.risk
    if risk is not None and risk.level in ctx.config.suicide.risk_levels:
        return f"the risk assessment rates suicide risk {risk.level.value}"
    for _path, what, _source in _suicide_triggers(ctx):
        return what
    return None


def _risk_and_dosing(ctx: RuleContext) -> Iterator[Finding]:
    d = ctx.session.dosing
    if d is None:
        return
    why = _elevated_risk(ctx)
    if why is None:
        return
    where = (ctx.at("dosing", "preparation", "go_decision") if d.preparation is not None
             else ctx.at("dosing"))
    yield ctx.finding(
        *_code("KAP-GO-002"),
        f"A dose was given although {why}: the go decision needs the prescriber's documented "
        "review of the risk.",
        where, source=ctx.config.source("suicide.risk_levels"),
    )
    if _at_home(ctx.session):
        yield ctx.finding(
            *_code("KAP-HOME-003"),
            f"At-home dosing although {why}: published at-home programs exclude clients with "
            "recent suicidal intent or attempt; dose in clinic, or not at all.",
            ctx.at("modality"),
            source=cite("hull-2022", note="exclusion of recent suicidal intent or attempt"),
        )


RISK_AND_DOSING = Rule(
    name="suicide-risk-and-dosing",
    description=(
        "At elevated suicide risk the go decision is flagged for the prescriber's review, and "
        "at-home dosing is blocked."
    ),
    check=_risk_and_dosing,
    applies_to=DOSING,
    source="thresholds: ClinicConfig.suicide",
    codes=("KAP-GO-002", "KAP-HOME-003"),
)


def _check_ins(ctx: RuleContext) -> Iterator[Finding]:
    d = ctx.session.dosing
    if d is None or not _at_home(ctx.session):
        return
    interval = ctx.config.at_home.check_in_interval_minutes
    source = ctx.config.source("at_home.check_in_interval_minutes")
    checks = [(i, e) for i, e in enumerate(d.monitoring)
              if isinstance(e, CheckIn) and e.at >= d.administered_at]
    if not checks:
        yield ctx.finding(
            *_code("KAP-HOME-001"),
            f"No chaperone check-ins are recorded after the dose: record the chaperone's visual "
            f"check-ins (at least every {interval} minutes).",
            ctx.at("dosing", "monitoring"), source=source,
        )
        return
    previous = d.administered_at
    for i, e in checks:
        gap = (e.at - previous).total_seconds() / 60.0
        if gap > interval:
            yield ctx.finding(
                *_code("KAP-HOME-002"),
                f"{_num(gap)} min between chaperone check-ins (to {_when(d, e.at)}): the clinic "
                f"asks for a check-in at least every {interval} minutes.",
                ctx.at("dosing", "monitoring", i, "at"), source=source,
            )
        previous = e.at


CHECK_INS = Rule(
    name="at-home-check-ins",
    description="At-home sessions record the chaperone's check-ins at the clinic's interval.",
    check=_check_ins,
    applies_to=DOSING,
    source="thresholds: ClinicConfig.at_home",
    codes=("KAP-HOME-001", "KAP-HOME-002"),
)


# =============================================================================================
# The pre-screen: concomitant medications, contraindications, fasting
# =============================================================================================


def _screen_with(ctx: RuleContext, attr: str) -> tuple[PreScreen, str] | None:
    """The latest pre-screen (this session's, else an earlier one of the course) with ``attr``
    recorded, and its path."""
    s = ctx.session
    if s.pre_screen is not None and getattr(s.pre_screen, attr) is not None:
        return s.pre_screen, ctx.at("pre_screen", attr)
    if ctx.course is None:
        return None
    earlier = [(k, x) for k, x in enumerate(ctx.course.sessions)
               if x.pre_screen is not None and getattr(x.pre_screen, attr) is not None
               and x.start < s.start]
    if not earlier:
        return None
    k, x = max(earlier, key=lambda kx: kx[1].start)
    assert x.pre_screen is not None
    return x.pre_screen, ctx.at_course("sessions", k, "pre_screen", attr)


_REMS_CLASSES = (MedicationClass.BENZODIAZEPINE, MedicationClass.SEDATIVE_HYPNOTIC,
                 MedicationClass.PSYCHOSTIMULANT, MedicationClass.MAOI)


def _concomitant(ctx: RuleContext) -> Iterator[Finding]:
    d = ctx.session.dosing
    if d is None or d.agent is not Agent.ESKETAMINE:
        return
    found = _screen_with(ctx, "medications")
    if found is None:
        yield ctx.finding(
            *_code("KAP-REMS-010"),
            "No reviewed medication list: the SPRAVATO REMS monitoring form asks whether the "
            "patient takes benzodiazepines, non-benzodiazepine sedative hypnotics, "
            "psychostimulants or MAOIs; record the medications in the pre-screen.",
            ctx.at("pre_screen", "medications"),
        )
        return
    screen, path = found
    assert screen.medications is not None
    hits: list[tuple[int, Medication, MedicationClass]] = [
        (j, m, c) for j, m in enumerate(screen.medications) for c in _REMS_CLASSES
        if c in m.classes
    ]
    if hits:
        listed = ", ".join(f"{m.name} ({c.label.lower()})" for _j, m, c in hits)
        yield ctx.finding(
            *_code("KAP-REMS-011"),
            f"Concomitant {listed}: monitor sedation and blood pressure closely and answer yes "
            "on the REMS monitoring form.",
            f"{path}[{hits[0][0]}].classes",
            source=cite("spravato-monitoring-form", "spravato-pi",
                        note="CNS depressants increase sedation; psychostimulants and MAOIs "
                        "raise blood pressure"),
        )


CONCOMITANT_MEDICATIONS = Rule(
    name="esketamine-concomitant-medications",
    description=(
        "Esketamine sessions rest on a reviewed medication list, and a concomitant "
        "benzodiazepine, sedative hypnotic, psychostimulant or MAOI is flagged."
    ),
    check=_concomitant,
    applies_to=DOSING,
    source=cite("spravato-monitoring-form"),
    codes=("KAP-REMS-010", "KAP-REMS-011"),
)

#: Which screened conditions contraindicate which agent.
CONTRAINDICATIONS: dict[Agent, tuple[Contraindication, ...]] = {
    Agent.ESKETAMINE: (
        Contraindication.ANEURYSMAL_VASCULAR_DISEASE,
        Contraindication.ARTERIOVENOUS_MALFORMATION,
        Contraindication.INTRACEREBRAL_HAEMORRHAGE,
        Contraindication.KETAMINE_HYPERSENSITIVITY,
    ),
    Agent.KETAMINE: tuple(Contraindication),
}
_CONTRA_SOURCES = {
    Agent.ESKETAMINE: cite("spravato-pi", note="section 4, contraindications"),
    Agent.KETAMINE: cite("sanacora-2017", "hull-2022",
                         note="screened before racemic ketamine; the clinic's SOP decides"),
}


def _contraindications(ctx: RuleContext) -> Iterator[Finding]:
    d = ctx.session.dosing
    if d is None:
        return
    found = _screen_with(ctx, "contraindications")
    if found is None:
        return
    screen, path = found
    assert screen.contraindications is not None
    for j, a in enumerate(screen.contraindications.answers):
        if a.answer is ScreenAnswer.YES and a.condition in CONTRAINDICATIONS[d.agent]:
            yield ctx.finding(
                *_code("KAP-CONTRA-001"),
                f"{a.condition.label} is answered yes on the pre-screen: a contraindication to "
                f"{d.agent.value}; do not dose without the prescriber's documented decision.",
                f"{path}.answers[{j}].answer",
                source=_CONTRA_SOURCES[d.agent],
            )


CONTRAINDICATIONS_RULE = Rule(
    name="contraindications",
    description="No dosing with a contraindication to the agent answered yes on the pre-screen.",
    check=_contraindications,
    applies_to=DOSING,
    source=cite("spravato-pi", "sanacora-2017"),
    codes=("KAP-CONTRA-001",),
)


def _fasting(ctx: RuleContext) -> Iterator[Finding]:
    d = ctx.session.dosing
    if d is None or d.agent is not Agent.ESKETAMINE or d.preparation is None:
        return
    hours, least = d.preparation.fasting_hours, ctx.config.esketamine.fasting_hours_at_least
    if hours is not None and hours < least:
        yield ctx.finding(
            *_code("KAP-NPO-001"),
            f"Fasting {_num(hours)} h before esketamine: the label advises no food for at least "
            f"{_num(least)} hours (nausea and vomiting).",
            ctx.at("dosing", "preparation", "fasting_hours"),
            source=ctx.config.source("esketamine.fasting_hours_at_least"),
        )


FASTING = Rule(
    name="esketamine-fasting",
    description="Esketamine is given after the fasting the label advises (2 hours, no food).",
    check=_fasting,
    applies_to=DOSING,
    source="thresholds: ClinicConfig.esketamine.fasting_hours_at_least",
    codes=("KAP-NPO-001",),
)


# =============================================================================================
# Who did what: ordering prescriber, prescriber onsite, the signatures the policy requires
# =============================================================================================


def _is_prescriber(ctx: RuleContext, clinician_id: str) -> bool | None:
    """Whether the clinician holds the prescriber role (None: no document to look it up)."""
    if ctx.document is None:
        return None
    found = next((c for c in ctx.document.clinicians if c.id == clinician_id), None)
    return found is not None and Role.PRESCRIBER in found.roles


def _attestation(ctx: RuleContext) -> Iterator[Finding]:
    s, d = ctx.session, ctx.session.dosing
    if d is None:
        return
    ordering = d.ordering_clinician_id
    if ordering is None or _is_prescriber(ctx, ordering) is False:
        why = ("no ordering clinician is named" if ordering is None
               else f"the ordering clinician {ordering} is not a prescriber")
        yield ctx.finding(
            *_code("KAP-ATTEST-001"),
            f"The dosing record cannot be signed: {why}. Name the prescriber who ordered the "
            "dose.",
            ctx.at("dosing", "ordering_clinician_id"),
        )
    if d.agent is Agent.ESKETAMINE and not s.clinician_ids(Role.PRESCRIBER):
        yield ctx.finding(
            *_code("KAP-ATTEST-002"),
            "No prescriber is among the session's clinicians: the SPRAVATO REMS requires a "
            "prescriber onsite during administration and monitoring.",
            ctx.at("clinicians"),
            source=cite("spravato-rems"),
        )
    if s.status is not NoteStatus.DRAFT:
        have = {sig.role for sig in s.signatures}
        for role in ctx.config.signing.dosing_roles:
            if role not in have:
                yield ctx.finding(
                    *_code("KAP-ATTEST-003"),
                    f"The signed dosing note awaits its {role.value.replace('_', ' ')} "
                    "signature (clinic policy).",
                    ctx.at("signatures"),
                    source=ctx.config.source("signing.dosing_roles"),
                )


DOSING_ATTESTATION = Rule(
    name="dosing-attestation",
    description=(
        "A dosing record names its ordering prescriber; esketamine has a prescriber onsite; a "
        "signed dosing note carries every signature role the clinic's policy requires."
    ),
    check=_attestation,
    applies_to=DOSING,
    source=cite("spravato-rems", note="policy: ClinicConfig.signing"),
    codes=("KAP-ATTEST-001", "KAP-ATTEST-002", "KAP-ATTEST-003"),
)


#: Every built-in rule, registered by :mod:`kapnotes.default_plugins.rules`.
BUILTIN_RULES: tuple[Rule, ...] = (
    SUICIDE_RISK_SAFETY_PLAN,
    RISK_LEVEL_SAFETY_PLAN,
    SUICIDE_ITEM_UNANSWERED,
    PREDOSE_VITALS,
    DOSE_LIMIT,
    ESKETAMINE_REMS,
    ESKETAMINE_RESOLUTION,
    ESKETAMINE_SCHEDULE,
    KAP_CONSENT,
    SEDATION_DEPTH,
    OXYGEN_SATURATION,
    TOUCH_CONSENT,
    DISCHARGE_CRITERIA,
    DISCHARGE_ESCORT,
    OBSERVATION,
    GO_DECISION,
    PREGNANCY,
    RISK_AND_DOSING,
    CHECK_INS,
    CONCOMITANT_MEDICATIONS,
    CONTRAINDICATIONS_RULE,
    FASTING,
    DOSING_ATTESTATION,
)
