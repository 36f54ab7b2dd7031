"""The demo clinic bills: clinician times and service lines on every synthetic session, and a
treatment plan with one objective met and one not (used by :mod:`kapnotes.synthetic`).

The times follow each session's shape: an intake is an assessment by its clinicians; a
preparation or integration session is psychotherapy by the therapist; a dosing session is
monitoring (therapist and prescriber for racemic ketamine, the nurse throughout); a follow-up is
an E/M visit by the prescriber with psychotherapy after it. The service lines are what
:func:`kapnotes.billing.engine.suggest` suggests, recorded as the demo clinic's decision (the
follow-up's E/M level, 99213, is the prescriber's choice by medical decision making).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from kapnotes.model import (
    Clinician,
    ClinicianTime,
    Comparison,
    Objective,
    PlanGoal,
    PlannedIntervention,
    PlanSignature,
    PlanSigner,
    Role,
    ServiceLine,
    Session,
    SessionKind,
    TimeActivity,
    TreatmentCourse,
    TreatmentPlan,
    evolve,
)

__all__ = ["billed", "demo_plan"]

_M = dt.timedelta(minutes=1)


def _span(cid: str, activity: TimeActivity, start: dt.datetime, end: dt.datetime) -> ClinicianTime:
    return ClinicianTime(clinician_id=cid, activity=activity, start=start, end=end)


def _times(s: Session) -> tuple[ClinicianTime, ...]:
    end = s.end or s.start + 50 * _M
    by_role = {c.role: c.clinician_id for c in s.clinicians}
    therapist, prescriber = by_role.get(Role.THERAPIST), by_role.get(Role.PRESCRIBER)
    if s.kind is SessionKind.INTAKE:
        return tuple(_span(c.clinician_id, TimeActivity.ASSESSMENT, s.start, end)
                     for c in s.clinicians)
    if s.kind in (SessionKind.PREPARATION, SessionKind.INTEGRATION) and therapist:
        return (_span(therapist, TimeActivity.PSYCHOTHERAPY, s.start + 2 * _M, end - 3 * _M),)
    if s.kind is SessionKind.FOLLOW_UP and prescriber:
        return (
            _span(prescriber, TimeActivity.EVALUATION_MANAGEMENT, s.start, s.start + 15 * _M),
            _span(prescriber, TimeActivity.PSYCHOTHERAPY, s.start + 15 * _M, s.start + 40 * _M),
        )
    if s.kind is SessionKind.DOSING and s.dosing is not None:
        d = s.dosing
        stop = d.discharge.at if d.discharge is not None else end
        out = []
        monitor = by_role.get(Role.MONITOR)
        if monitor:
            out.append(_span(monitor, TimeActivity.MONITORING, d.administered_at, stop))
        if d.agent.value == "ketamine":
            if therapist:
                out.append(_span(therapist, TimeActivity.MONITORING, d.administered_at,
                                 d.administered_at + 120 * _M))
            if prescriber:
                out.append(_span(prescriber, TimeActivity.MONITORING, d.administered_at,
                                 d.administered_at + 45 * _M))
        return tuple(t for t in out if t.end <= end and t.end > t.start)
    return ()


def billed(s: Session, diagnoses: tuple[str, ...], clinicians: Mapping[str, Clinician]) -> Session:
    """``s`` with its clinician times and the suggested service lines recorded; a signed
    session's signatures are re-made over the new content (as signing it with them would)."""
    from kapnotes.billing import _scorer
    from kapnotes.billing.engine import suggest
    from kapnotes.billing.rules import BUILTIN_CODE_RULES
    from kapnotes.store.content import session_content_hash

    s = evolve(s, clinician_times=_times(s))
    bill = suggest(s, rules=BUILTIN_CODE_RULES, score=_scorer(), clinicians=clinicians)
    lines: list[ServiceLine] = []
    if s.kind is SessionKind.FOLLOW_UP:
        prescriber = next((c.clinician_id for c in s.clinicians if c.role is Role.PRESCRIBER), None)
        lines.append(ServiceLine(code="99213", rendering_clinician_id=prescriber))
    lines += [x.line for x in bill.lines]
    lines = [evolve(x, diagnoses=diagnoses, place_of_service=x.place_of_service
                    or bill.lines[0].line.place_of_service if bill.lines else x.place_of_service)
             for x in lines]
    s = evolve(s, service_lines=tuple(lines))
    if s.signatures:
        h = session_content_hash(s)
        s = evolve(s, signatures=tuple(evolve(g, content_hash=h) for g in s.signatures))
    return s


def demo_plan(course: TreatmentCourse) -> TreatmentPlan:
    """A plan for the first demo client: PHQ-9 below 10 (met by the end of the course) and
    PHQ-9 below 5, remission, by four weeks in (not met)."""
    start = course.started_on
    therapist = course.primary_therapist_id
    return TreatmentPlan(
        written_on=start,
        next_review_on=start + dt.timedelta(days=28),
        reviewed_on=(start + dt.timedelta(days=28),),
        problems=tuple(i.code for i in course.indications),
        goals=(
            PlanGoal(id="g-mood", description="Depressive symptoms in the mild range or below",
                     objectives=(
                         Objective(id="o-phq9-mild", description="PHQ-9 below 10",
                                   instrument="phq9", target=10,
                                   by=course.sessions[-1].start.date()),
                         Objective(id="o-phq9-remission",
                                   description="PHQ-9 below 5 (remission) within four weeks",
                                   instrument="phq9", target=5, comparison=Comparison.BELOW,
                                   by=start + dt.timedelta(days=28)),
                     )),
        ),
        interventions=(
            PlannedIntervention(description="Ketamine-assisted psychotherapy dosing sessions",
                                frequency="weekly for 4 weeks", clinician_id=course.prescriber_id),
            PlannedIntervention(description="Integration psychotherapy",
                                frequency="after each dosing session", clinician_id=therapist),
        ),
        signatures=(
            PlanSignature(signer=PlanSigner.CLINICIAN, clinician_id=therapist, signed_on=start),
            PlanSignature(signer=PlanSigner.CLIENT, signed_on=start),
        ),
    )
