"""The record as FHIR R4 resources (plain dicts): people, the course, sessions, doses, vitals.

One function per resource kind; each returns :class:`~kapnotes_fhir.context.Entry` objects whose
codes all come from :mod:`kapnotes_fhir.codes`. Scores are in :mod:`kapnotes_fhir.scores`, notes
in :mod:`kapnotes_fhir.documents`. Psychotherapy notes are never read here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from kapnotes.model import (
    Address,
    AdverseEvent,
    Booster,
    CheckIn,
    CheckInStatus,
    Client,
    Clinic,
    Clinician,
    CourseStatus,
    Dissociation,
    DissociationScale,
    Intervention,
    Role,
    Sedation,
    Session,
    TreatmentCourse,
    Vitals,
)
from kapnotes.model.dosing import DISSOCIATION_MAX
from kapnotes.model.dosing import Observation as MonitoringObservation
from kapnotes_fhir import care, codes
from kapnotes_fhir.codes import text_concept
from kapnotes_fhir.context import Entry, ExportContext, period, prune, when
from kapnotes_fhir.ids import identifier
from kapnotes_fhir.names import human_name

# --- people -------------------------------------------------------------------------------------


def _address(a: Address | None, use: str) -> list[dict[str, Any]]:
    if a is None:
        return []
    return [
        prune(
            {
                "use": use,
                "line": list(a.lines),
                "city": a.city,
                "state": a.state,
                "postalCode": a.postal_code,
                "country": a.country,
            }
        )
    ]


def _telecom(phone: str | None, email: str | None, use: str) -> list[dict[str, str]]:
    out = []
    if phone:
        out.append({"system": "phone", "value": phone, "use": use})
    if email:
        out.append({"system": "email", "value": email, "use": use})
    return out


def contact_relationship(word: str | None) -> dict[str, Any]:
    """An emergency contact's relationship: v2-0131 ``C``, and the v3 RoleCode when the word is exact."""
    coding = [codes.EMERGENCY_CONTACT.coding()]
    role = codes.RELATIONSHIPS.get(word.strip().lower()) if word else None
    if role is not None:
        coding.append(role.coding())
    return prune({"coding": coding, "text": word})


def organization(ctx: ExportContext, clinic: Clinic) -> Entry:
    """The clinic. Created conditionally on its NPI when it has one."""
    npi = [identifier(codes.NPI, clinic.npi)] if clinic.npi else []
    body = prune(
        {
            "active": True,
            "name": clinic.name,
            "telecom": _telecom(clinic.phone, None, "work"),
            "address": _address(clinic.address, "work"),
        }
    )
    return ctx.new("Organization", clinic.id, "clinic", body, identifiers=npi)


def practitioner(ctx: ExportContext, c: Clinician) -> Entry:
    """A clinician (NPI first when known, so that an EHR matches its own Practitioner)."""
    npi = [identifier(codes.NPI, c.npi)] if c.npi else []
    body = prune(
        {
            "active": True,
            "name": [human_name(c.name)],
            "telecom": _telecom(None, c.email, "work"),
            "qualification": [{"code": text_concept(c.credentials)}],
        }
    )
    return ctx.new("Practitioner", c.id, "clinician", body, identifiers=npi, extended=c)


def patient(ctx: ExportContext, c: Client) -> Entry:
    """A client, identified by their MRN (created conditionally on it)."""
    mrn = identifier(
        ctx.systems.mrn, c.mrn, use="usual", type=codes.MEDICAL_RECORD_NUMBER.concept()
    )
    names: list[dict[str, Any]] = [
        {"use": "official", "family": c.name.family, "given": [g for g in (c.name.given, c.name.middle) if g]}
    ]
    if c.name.preferred:
        names.append({"use": "usual", "given": [c.name.preferred]})
    contacts = [
        prune(
            {
                "relationship": [contact_relationship(k.relationship)],
                "name": {"text": k.name},
                "telecom": _telecom(k.phone, None, "home"),
            }
        )
        for k in c.emergency_contacts
    ]
    body = prune(
        {
            "active": True,
            "name": names,
            "telecom": _telecom(c.phone, c.email, "home"),
            "gender": codes.GENDER[c.sex.value],
            "birthDate": c.date_of_birth.isoformat(),
            "address": _address(c.address, "home"),
            "contact": contacts,
            "managingOrganization": ctx.organization(),
        }
    )
    return ctx.new("Patient", c.id, "client", body, identifiers=[mrn], extended=c)


def people(ctx: ExportContext) -> Iterator[Entry]:
    """The Organization, every Practitioner and every Patient of the view."""
    if ctx.clinic is not None:
        yield organization(ctx, ctx.clinic)
    for cid in sorted(ctx.clinicians):
        yield practitioner(ctx, ctx.clinicians[cid])
    for client in ctx.view.clients:
        yield patient(ctx, client)


# --- the course -----------------------------------------------------------------------------------


def condition_key(course: TreatmentCourse, code: str) -> str:
    return f"{course.id}/indication/{code}"


def conditions(ctx: ExportContext, course: TreatmentCourse) -> Iterator[Entry]:
    """The course's indications, coded in ICD-10-CM (the record's own, validated codes)."""
    ongoing = course.status in (CourseStatus.PLANNED, CourseStatus.ACTIVE)
    for ind in course.indications:
        body = prune(
            {
                "clinicalStatus": codes.CONDITION_ACTIVE.concept() if ongoing else None,
                "category": [codes.ENCOUNTER_DIAGNOSIS.concept()],
                "code": {
                    "coding": [{"system": codes.ICD10CM, "code": ind.code, "display": ind.display}],
                    "text": ind.display,
                },
                "subject": ctx.patient(course.client_id),
                "recordedDate": course.started_on.isoformat(),
            }
        )
        yield ctx.new("Condition", condition_key(course, ind.code), "indication", body)


def episode_of_care(ctx: ExportContext, course: TreatmentCourse) -> Entry:
    """The course: status, period, diagnoses (its Conditions) and care manager."""
    diagnosis = [
        prune({"condition": ctx.ref("Condition", condition_key(course, i.code)), "rank": 1 if i.primary else None})
        for i in course.indications
    ]
    manager = ctx.practitioner(course.primary_therapist_id) or ctx.practitioner(course.prescriber_id)
    body = prune(
        {
            "status": codes.EPISODE_STATUS[course.status.value],
            "type": [text_concept("Ketamine-assisted psychotherapy (KAP) course")],
            "diagnosis": diagnosis,
            "patient": ctx.patient(course.client_id),
            "managingOrganization": ctx.organization(),
            "period": prune(
                {
                    "start": course.started_on.isoformat(),
                    "end": course.ended_on.isoformat() if course.ended_on else None,
                }
            ),
            "careManager": manager,
        }
    )
    return ctx.new("EpisodeOfCare", course.id, "course", body, extended=course)


# --- a session --------------------------------------------------------------------------------------


def encounter(ctx: ExportContext, course: TreatmentCourse, s: Session) -> Entry:
    """A session: class by modality, type by kind (text), participants, period."""
    participants = [
        {"type": [codes.PARTICIPANT_TYPES[sc.role.value].concept(sc.role.value)], "individual": ref}
        for sc in s.clinicians
        if (ref := ctx.practitioner(sc.clinician_id)) is not None
    ]
    body = prune(
        {
            "status": "finished",
            "class": codes.ENCOUNTER_CLASSES[s.modality.value].coding(),
            "type": [text_concept(codes.SESSION_KIND_TEXT[s.kind.value])],
            "subject": ctx.patient(course.client_id),
            "episodeOfCare": [ctx.ref("EpisodeOfCare", course.id)],
            "participant": participants,
            "period": period(s.start, s.end),
            "reasonReference": [ctx.ref("Condition", condition_key(course, i.code)) for i in course.indications],
            "serviceProvider": ctx.organization(),
        }
    )
    return ctx.new("Encounter", s.id, "session", body, extended=s)


def _performed(s: Session) -> dict[str, Any]:
    if s.end is not None:
        return {"performedPeriod": period(s.start, s.end)}
    return {"performedDateTime": when(s.start)}


def procedures(ctx: ExportContext, course: TreatmentCourse, s: Session) -> Iterator[Entry]:
    """One Procedure per intervention, coded where a code is verified (see codes.INTERVENTIONS)."""
    therapists = s.clinician_ids(Role.THERAPIST) or s.clinician_ids()
    performers = [{"actor": r} for cid in therapists if (r := ctx.practitioner(cid)) is not None]
    for i, iv in enumerate(s.interventions):
        code = codes.INTERVENTIONS.get(iv.type)
        label = type(iv).label
        notes = [t for t in (_minutes(iv), iv.notes) if t]
        body = prune(
            {
                "status": "completed",
                "code": code.concept(label) if code is not None else text_concept(label),
                "subject": ctx.patient(course.client_id),
                "encounter": ctx.ref("Encounter", s.id),
                **_performed(s),
                "performer": performers,
                "note": [{"text": t} for t in notes],
            }
        )
        yield ctx.new("Procedure", f"{s.id}/intervention/{i}", "intervention", body)


def _minutes(iv: Intervention) -> str | None:
    return f"{iv.minutes} minutes" if iv.minutes is not None else None


# --- medicine ---------------------------------------------------------------------------------------

_AGENT_TEXT = {"ketamine": "ketamine (racemic)", "esketamine": "esketamine (Spravato) nasal spray"}
_ROUTE_TEXT = {"iv": "IV", "im": "IM", "sublingual": "sublingual", "intranasal": "intranasal", "oral": "oral"}


def _medication(ctx: ExportContext, key: str, concept: dict[str, Any], lot: str | None) -> Entry:
    body = prune({"code": concept, "batch": {"lotNumber": lot} if lot else None})
    return ctx.new("Medication", key, "medication", body)


def _administration(
    ctx: ExportContext,
    key: str,
    course: TreatmentCourse,
    s: Session,
    effective: dict[str, Any],
    dosage: dict[str, Any],
    *,
    reason: str | None = None,
    note: str | None = None,
    extended: Any = None,
    request: dict[str, str] | None = None,
    performer: str | None = None,
) -> Entry:
    actor = ctx.practitioner(performer)
    body = prune(
        {
            "status": "completed",
            "medicationReference": ctx.ref("Medication", key),
            "subject": ctx.patient(course.client_id),
            "context": ctx.ref("Encounter", s.id),
            **effective,
            "performer": [{"actor": actor}] if actor is not None else [],
            "request": request,
            "reasonCode": [text_concept(reason)] if reason else [],
            "note": [{"text": note}] if note else [],
            "dosage": prune(dosage),
        }
    )
    return ctx.new("MedicationAdministration", key, "administration", body, extended=extended)


def _route(route: str | None) -> dict[str, Any] | None:
    return codes.ROUTES[route].concept() if route is not None else None


def medications(ctx: ExportContext, course: TreatmentCourse, s: Session) -> Iterator[Entry]:
    """The dose, its boosters and adjuncts: a Medication (with its lot) and its administration."""
    d = s.dosing
    if d is None:
        return
    agent = d.agent.value
    concept = (
        codes.AGENTS[agent].concept(_AGENT_TEXT[agent]) if agent in codes.AGENTS else text_concept(_AGENT_TEXT[agent])
    )
    key = f"{s.id}/dose"
    yield _medication(ctx, key, concept, d.lot_number)
    per_kg = f" ({d.mg_per_kg:.2f} mg/kg at {d.body_weight_kg:g} kg)" if d.mg_per_kg is not None else ""
    infusion = f" over {d.infusion_minutes} minutes" if d.infusion_minutes else ""
    if d.infusion_minutes:
        end = d.administered_at + dt.timedelta(minutes=d.infusion_minutes)
        effective: dict[str, Any] = {"effectivePeriod": period(d.administered_at, end)}
    else:
        effective = {"effectiveDateTime": when(d.administered_at)}
    text = f"{d.dose_mg:g} mg {_ROUTE_TEXT[d.route.value]}{per_kg}{infusion}"
    order = list(care.medication_request(ctx, course, s, {
        "text": text, "route": _route(d.route.value),
        "doseAndRate": [{"doseQuantity": codes.MILLIGRAM.quantity(d.dose_mg)}],
    }))
    yield from order
    yield _administration(
        ctx, key, course, s, effective,
        {"text": text, "route": _route(d.route.value), "dose": codes.MILLIGRAM.quantity(d.dose_mg)},
        request=ctx.ref_to(order[0]) if order else None,
        extended=d,  # the dosing record's extension fields
        performer=d.administering_clinician_id,  # who gave it, or supervised self-administration
    )
    for i, b in enumerate(d.boosters):
        yield from _booster(ctx, course, s, i, b, concept, d.route.value)
    for i, a in enumerate(d.adjuncts):
        akey = f"{s.id}/adjunct/{i}"
        yield _medication(ctx, akey, text_concept(a.name), None)
        if a.dose is not None and a.unit == "mg":
            dose: dict[str, Any] | None = codes.MILLIGRAM.quantity(a.dose)
        elif a.dose is not None:
            dose = prune({"value": a.dose, "unit": a.unit})
        else:
            dose = None
        eff = {"effectiveDateTime": when(a.at)} if a.at is not None else {"effectivePeriod": period(s.start, s.end)}
        text = " ".join(x for x in (a.name, f"{a.dose:g}" if a.dose is not None else None, a.unit) if x)
        yield _administration(
            ctx, akey, course, s, eff,
            {"text": text, "route": _route(a.route.value if a.route else None), "dose": dose},
            reason=a.reason,
        )


def _booster(
    ctx: ExportContext, course: TreatmentCourse, s: Session, i: int, b: Booster, concept: dict[str, Any], route: str
) -> Iterator[Entry]:
    key = f"{s.id}/booster/{i}"
    yield _medication(ctx, key, concept, b.lot_number)
    r = b.route.value if b.route is not None else route
    yield _administration(
        ctx, key, course, s, {"effectiveDateTime": when(b.at)},
        {"text": f"booster {b.dose_mg:g} mg {_ROUTE_TEXT[r]}", "route": _route(r), "dose": codes.MILLIGRAM.quantity(b.dose_mg)},
        note=f"Booster: {b.reason}" if b.reason else "Booster",
    )


# --- monitoring ---------------------------------------------------------------------------------------


def _observation(
    ctx: ExportContext,
    key: str,
    course: TreatmentCourse,
    s: Session,
    category: codes.Code | None,
    code: dict[str, Any],
    at: dt.datetime,
    value: dict[str, Any],
) -> Entry:
    """An Observation of the session; ``category`` None for a monitoring entry that is words, not
    a measurement (none of R4's observation-category says what a chaperone or a free-text note is)."""
    body = {
        "status": codes.OBSERVATION_STATUS,
        **({"category": [category.concept()]} if category is not None else {}),
        "code": code,
        "subject": ctx.patient(course.client_id),
        "encounter": ctx.ref("Encounter", s.id),
        "effectiveDateTime": when(at),
        **value,
    }
    return ctx.new("Observation", key, "observation", body)


def _vitals(ctx: ExportContext, course: TreatmentCourse, s: Session, k: int, v: Vitals) -> Iterator[Entry]:
    base = f"{s.id}/monitoring/{k}"
    vs = codes.VITAL_SIGNS
    if v.systolic is not None and v.diastolic is not None:
        components = [
            {"code": codes.SYSTOLIC.concept(), "valueQuantity": codes.MM_HG.quantity(v.systolic)},
            {"code": codes.DIASTOLIC.concept(), "valueQuantity": codes.MM_HG.quantity(v.diastolic)},
        ]
        yield _observation(ctx, f"{base}/bp", course, s, vs, codes.BP_PANEL.concept("Blood pressure"), v.at, {"component": components})
    if v.heart_rate is not None:
        yield _observation(ctx, f"{base}/hr", course, s, vs, codes.HEART_RATE.concept(), v.at,
                           {"valueQuantity": codes.PER_MINUTE.quantity(v.heart_rate)})
    if v.spo2 is not None:
        spo2 = codes.concept_of((codes.OXYGEN_SATURATION, codes.PULSE_OXIMETRY), "SpO2 (pulse oximetry)")
        yield _observation(ctx, f"{base}/spo2", course, s, vs, spo2, v.at, {"valueQuantity": codes.PERCENT.quantity(v.spo2)})
    if v.respiratory_rate is not None:
        yield _observation(ctx, f"{base}/rr", course, s, vs, codes.RESPIRATORY_RATE.concept(), v.at,
                           {"valueQuantity": codes.PER_MINUTE.quantity(v.respiratory_rate)})


def monitoring(ctx: ExportContext, course: TreatmentCourse, s: Session) -> Iterator[Entry]:
    """Body weight, vital signs, MOAA/S and CADSS scores, adverse events of a dosing session."""
    d = s.dosing
    if d is None:
        return
    if d.body_weight_kg is not None:
        yield _observation(ctx, f"{s.id}/weight", course, s, codes.VITAL_SIGNS, codes.BODY_WEIGHT.concept(), s.start,
                           {"valueQuantity": codes.KILOGRAM.quantity(d.body_weight_kg)})
    for k, e in enumerate(d.monitoring):
        for entry in _monitoring_entry(ctx, course, s, k, e):
            yield ctx.extend(entry, e)  # the entry's extension fields, on each resource of it


#: What a CADSS total is on, by form: 20 is high on the six-item CADSS-6 (0-24) and low on the
#: 23-item CADSS (0-92), so the Observation says which (``Dissociation.scale``; the ranges are
#: the model's ``DISSOCIATION_MAX``, with their sources).
_CADSS_TEXT = {
    DissociationScale.CADSS: "CADSS total score (Clinician-Administered Dissociative States Scale)",
    DissociationScale.CADSS_6: "CADSS-6 total score (six-item short form of the Clinician-Administered "
                               f"Dissociative States Scale, 0-{DISSOCIATION_MAX[DissociationScale.CADSS_6]})",
}


def _monitoring_entry(
    ctx: ExportContext, course: TreatmentCourse, s: Session, k: int, e: Any
) -> Iterator[Entry]:
    if isinstance(e, Vitals):
        yield from _vitals(ctx, course, s, k, e)
    elif isinstance(e, Sedation):
        code = text_concept("MOAA/S sedation score (Modified Observer's Assessment of Alertness/Sedation)")
        yield _observation(ctx, f"{s.id}/monitoring/{k}/moaas", course, s, codes.SURVEY, code, e.at,
                           {"valueInteger": e.score})
    elif isinstance(e, Dissociation):
        code = text_concept(_CADSS_TEXT[e.scale or DissociationScale.CADSS])
        yield _observation(ctx, f"{s.id}/monitoring/{k}/cadss", course, s, codes.SURVEY, code, e.at,
                           {"valueInteger": e.total})
    elif isinstance(e, AdverseEvent):
        yield adverse_event(ctx, course, s, k, e)
    elif isinstance(e, MonitoringObservation):
        yield _observation(ctx, f"{s.id}/monitoring/{k}/observation", course, s, None,
                           text_concept("Observation during the dosing session (free text)"), e.at,
                           {"valueString": e.text})
    elif isinstance(e, CheckIn):
        status = "concern: the chaperone called the clinician" if e.status is CheckInStatus.CONCERN else "ok"
        notes = [f"Checked in by {e.by}", *([e.notes] if e.notes else [])]
        yield _observation(ctx, f"{s.id}/monitoring/{k}/check-in", course, s, None,
                           text_concept("Chaperone check-in during an at-home dosing session"), e.at,
                           {"valueCodeableConcept": text_concept(status), "note": [{"text": n} for n in notes]})


def adverse_event(ctx: ExportContext, course: TreatmentCourse, s: Session, k: int, e: AdverseEvent) -> Entry:
    """An adverse event during dosing, with the dose as suspected entity (text-only concepts)."""
    outcome = "; ".join(
        t for t in (f"resolved {when(e.resolved_at)}" if e.resolved_at else None, f"action: {e.action}" if e.action else None) if t
    )
    body = prune(
        {
            "actuality": "actual",
            "event": text_concept(e.event),
            "subject": ctx.patient(course.client_id),
            "encounter": ctx.ref("Encounter", s.id),
            "date": when(e.at),
            "severity": {"coding": [{"system": codes.AE_SEVERITY, "code": e.severity.value,
                                     "display": codes.AE_SEVERITY_DISPLAY[e.severity.value]}]},
            "outcome": {
                "coding": [{"system": codes.AE_OUTCOME, "code": "resolved" if e.resolved_at else "unknown",
                            "display": "Resolved" if e.resolved_at else "Unknown"}],
                **({"text": outcome} if outcome else {}),
            },
            "suspectEntity": [{"instance": ctx.ref("MedicationAdministration", f"{s.id}/dose")}],
        }
    )
    return ctx.new("AdverseEvent", f"{s.id}/monitoring/{k}/adverse-event", "adverse-event", body, single_identifier=True)
