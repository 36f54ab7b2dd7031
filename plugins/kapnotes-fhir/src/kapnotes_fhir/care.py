"""Consents, goals and the course plan, risk assessments, the medicine order and allergies as FHIR.

Only what the record holds, each from its own record field:

* a course's **consents** -> ``Consent`` (scope ``treatment``, or ``patient-privacy`` for
  recording and release of information; category LOINC 59284-0 Patient Consent, or 64292-6
  Release of information consent; status ``active``, ``inactive`` once withdrawn, ``rejected``
  when refused; the provision ``permit`` or ``deny`` from when it was obtained to its
  withdrawal or expiry);
* its **goals** -> ``Goal`` (the instrument's LOINC total as the target measure, the target
  score as ``detailQuantity`` in ``{score}``), and, when it has goals or planned phases, one
  ``CarePlan`` of the course (the goals, one activity per planned phase);
* a session's **risk assessment** -> ``RiskAssessment`` (the session's C-SSRS responses as
  ``basis``; the level, ideation, plan, intent, means and factors as notes; the actions as
  ``mitigation``). No ``prediction``: R4's invariant ras-2 (``probability is decimal implies
  ...``) is not met by a prediction without a probability in the engine (FHIRPath's empty
  implication), and the record has a level, not a probability;
* a dose with its **ordering prescriber** -> ``MedicationRequest`` (``order``, ``completed``:
  the dose was given; the administration points to it with ``request``);
* the pre-screen's **allergies** -> ``AllergyIntolerance`` (substance as text, the reaction
  and its severity when recorded). "No known allergies" is not sent as a resource: no
  verified code for it (see ``codes.UNVERIFIED``).

Every code is in :mod:`kapnotes_fhir.codes`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from kapnotes.model import (
    Consent,
    ConsentKind,
    Role,
    Session,
    TreatmentCourse,
)
from kapnotes.scoring import resolve_instrument
from kapnotes_fhir import codes
from kapnotes_fhir.codes import LOINC, instrument_loinc, text_concept
from kapnotes_fhir.context import Entry, ExportContext, prune, when

# --- consents ---------------------------------------------------------------------------------


def consent_status(c: Consent) -> str:
    """``rejected`` if refused, ``inactive`` once withdrawn, else ``active``.

    An expiry date is the end of ``provision.period``, not a status: the status never depends
    on the day of the export, so the same record is the same bytes whenever it is exported.
    """
    if not c.given:
        return "rejected"
    return "inactive" if c.withdrawn_on is not None else "active"


def consent_key(course: TreatmentCourse, k: int) -> str:
    return f"{course.id}/consent/{k}"


def consents(ctx: ExportContext, course: TreatmentCourse) -> Iterator[Entry]:
    """The course's consents on file."""
    for k, c in enumerate(course.consents):
        kind = c.kind.value
        scope, category = codes.CONSENT_SCOPE[kind], codes.CONSENT_CATEGORY[kind]
        label = c.description if c.kind is ConsentKind.OTHER and c.description else codes.CONSENT_TEXT[kind]
        end = min((d for d in (c.withdrawn_on, c.expires_on) if d is not None), default=None)
        body = prune(
            {
                "status": consent_status(c),
                "scope": scope.concept(),
                "category": [category.concept(label)],
                "patient": ctx.patient(course.client_id),
                "dateTime": c.obtained_on.isoformat(),
                "organization": [r] if (r := ctx.organization()) is not None else [],
                "sourceAttachment": {"title": c.document_ref} if c.document_ref else None,
                # R4 ppc-1: a policy or a policy rule; the clinic's own consent form is the rule
                "policyRule": text_concept(f"{label} (the clinic's consent form)"),
                "provision": prune(
                    {
                        "type": "permit" if c.given else "deny",
                        "period": prune({"start": c.obtained_on.isoformat(), "end": end.isoformat() if end else None}),
                    }
                ),
            }
        )
        if c.scope:
            body["provision"]["action"] = [text_concept(c.scope)]
        yield ctx.new("Consent", consent_key(course, k), "consent", body)


# --- goals and the plan ---------------------------------------------------------------------------


def goal_key(course: TreatmentCourse, goal_id: str) -> str:
    return f"{course.id}/goal/{goal_id}"


def goals(ctx: ExportContext, course: TreatmentCourse) -> Iterator[Entry]:
    """The course's goals, with the instrument's LOINC total as the measure of a target score."""
    for g in course.goals:
        # an alias ("PHQ-9") is the registered instrument, as everywhere (resolve_instrument)
        instrument = resolve_instrument(g.instrument, ctx.instruments) if g.instrument else None
        loinc = instrument_loinc(instrument) if instrument is not None else None
        target: dict[str, Any] | None = None
        if g.target_score is not None or (instrument is not None and g.target_date is not None):
            measure: dict[str, Any]
            if instrument is None:  # kept, with what the record says it is on (gol-1: a detail has a measure)
                measure = text_concept(f"{g.instrument} total score" if g.instrument else
                                       "Target score (no instrument recorded)")
            elif loinc is not None and loinc.total:
                measure = {"coding": [{"system": LOINC, "code": loinc.total}], "text": f"{instrument.title} total score"}
            else:
                measure = text_concept(f"{instrument.title} total score")
            target = prune(
                {
                    "measure": measure,
                    "detailQuantity": codes.SCORE.quantity(g.target_score) if g.target_score is not None else None,
                    "dueDate": g.target_date.isoformat() if g.target_date else None,
                }
            )
        elif g.target_date is not None:
            target = {"dueDate": g.target_date.isoformat()}
        body = prune(
            {
                "lifecycleStatus": codes.GOAL_STATUS[course.status.value],
                "description": text_concept(g.description),
                "subject": ctx.patient(course.client_id),
                "startDate": course.started_on.isoformat(),
                "target": [target] if target else [],
                "expressedBy": ctx.practitioner(course.primary_therapist_id),
            }
        )
        yield ctx.new("Goal", goal_key(course, g.id), "goal", body)


def care_plan(ctx: ExportContext, course: TreatmentCourse) -> Iterator[Entry]:
    """The course's plan (its goals and planned phases), when the record has one."""
    if not course.goals and not course.phases:
        return
    activities = [
        {
            "detail": prune(
                {
                    "kind": "Appointment",
                    "code": text_concept(codes.SESSION_KIND_TEXT[p.kind.value]),
                    "status": codes.ACTIVITY_STATUS[course.status.value],
                    "description": "; ".join(
                        t for t in (f"{p.planned_sessions} planned session{'s' if p.planned_sessions != 1 else ''}", p.notes) if t
                    ),
                }
            )
        }
        for p in course.phases
    ]
    body = prune(
        {
            "status": codes.CARE_PLAN_STATUS[course.status.value],
            "intent": "plan",
            "title": "Ketamine-assisted psychotherapy (KAP) course plan",
            "subject": ctx.patient(course.client_id),
            "period": prune(
                {"start": course.started_on.isoformat(), "end": course.ended_on.isoformat() if course.ended_on else None}
            ),
            "author": ctx.practitioner(course.primary_therapist_id) or ctx.practitioner(course.prescriber_id),
            "addresses": [ctx.ref("Condition", f"{course.id}/indication/{i.code}") for i in course.indications],
            "goal": [ctx.ref("Goal", goal_key(course, g.id)) for g in course.goals],
            "activity": activities,
            "note": [{"text": course.notes}] if course.notes else [],
        }
    )
    yield ctx.new("CarePlan", f"{course.id}/plan", "care-plan", body)


# --- a session ----------------------------------------------------------------------------------


def _yes_no(value: bool | None) -> str:
    return "not recorded" if value is None else ("yes" if value else "no")


def _is_cssrs(ctx: ExportContext, recorded: str) -> bool:
    """Whether a measure is a C-SSRS form, however its instrument is recorded (``C-SSRS``, ...)."""
    found = resolve_instrument(recorded, ctx.instruments)
    return (found.name if found is not None else recorded).startswith("cssrs")


def risk_assessment(ctx: ExportContext, course: TreatmentCourse, s: Session) -> Iterator[Entry]:
    """The session's suicide and safety risk assessment, based on its C-SSRS responses."""
    r = s.risk
    if r is None:
        return
    basis = [ctx.ref("QuestionnaireResponse", m.id) for m in s.measures if _is_cssrs(ctx, m.instrument)]
    findings = (
        f"Suicidal ideation: {r.suicidal_ideation.value}; plan: {_yes_no(r.plan)}; intent: {_yes_no(r.intent)}; "
        f"access to means: {_yes_no(r.access_to_means)}; homicidal ideation: {_yes_no(r.homicidal_ideation)}; "
        f"safety plan reviewed: {_yes_no(r.safety_plan_reviewed)}"
    )
    notes = [
        f"Risk level: {r.level.value} (the clinician's assessment)",
        findings,
        f"Risk factors: {', '.join(r.risk_factors)}" if r.risk_factors else None,
        f"Protective factors: {', '.join(r.protective_factors)}" if r.protective_factors else None,
        r.notes,
    ]
    assessors = s.clinician_ids(Role.THERAPIST) or s.clinician_ids()
    body = prune(
        {
            "status": codes.OBSERVATION_STATUS,
            "code": text_concept("Suicide and safety risk assessment"),
            "subject": ctx.patient(course.client_id),
            "encounter": ctx.ref("Encounter", s.id),
            "occurrenceDateTime": when(s.start),
            "performer": ctx.practitioner(assessors[0]) if assessors else None,
            "basis": basis,
            "mitigation": r.actions,
            "note": [{"text": t} for t in notes if t],
        }
    )
    yield ctx.new("RiskAssessment", f"{s.id}/risk", "risk-assessment", body)


def medication_request(
    ctx: ExportContext, course: TreatmentCourse, s: Session, dosage: dict[str, Any]
) -> Iterator[Entry]:
    """The order of the session's dose, when the record names the ordering prescriber."""
    d = s.dosing
    if d is None or d.ordering_clinician_id is None:
        return
    body = prune(
        {
            "status": "completed",
            "intent": "order",
            "medicationReference": ctx.ref("Medication", f"{s.id}/dose"),
            "subject": ctx.patient(course.client_id),
            "encounter": ctx.ref("Encounter", s.id),
            "requester": ctx.practitioner(d.ordering_clinician_id),
            "reasonReference": [ctx.ref("Condition", f"{course.id}/indication/{i.code}") for i in course.indications],
            "dosageInstruction": [prune(dosage)],
        }
    )
    yield ctx.new("MedicationRequest", f"{s.id}/order", "medication-request", body)


def allergies(ctx: ExportContext, course: TreatmentCourse, s: Session) -> Iterator[Entry]:
    """The allergies the session's pre-screen lists."""
    p = s.pre_screen
    if p is None:
        return
    screen = p.contraindications
    recorder = ctx.practitioner(screen.screened_by) if screen is not None else None
    recorded = screen.screened_on.isoformat() if screen is not None and screen.screened_on else when(s.start)
    for k, a in enumerate(p.allergies):
        reaction = None
        if a.reaction:
            reaction = prune(
                {"manifestation": [text_concept(a.reaction)], "severity": a.severity.value if a.severity else None}
            )
        body = prune(
            {
                "clinicalStatus": codes.ALLERGY_ACTIVE.concept(),
                "code": text_concept(a.substance),
                "patient": ctx.patient(course.client_id),
                "encounter": ctx.ref("Encounter", s.id),
                "recordedDate": recorded,
                "recorder": recorder,
                "asserter": ctx.patient(course.client_id),
                "reaction": [reaction] if reaction else [],
                "note": [{"text": f"Severity: {a.severity.value}"}] if a.severity and not a.reaction else [],
            }
        )
        yield ctx.new("AllergyIntolerance", f"{s.id}/allergy/{k}", "allergy", body)
