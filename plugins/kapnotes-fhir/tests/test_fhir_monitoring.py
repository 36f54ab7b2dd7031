"""Monitoring entries of a dosing session as Observations: what each number is on."""

from __future__ import annotations

import json

from kapnotes_fhir.bundles import export_collection

from kapnotes.exporting import ExportOptions
from kapnotes.model import Dissociation, DissociationScale, evolve
from kapnotes.synthetic import build_document


def _cadss_observation(entry: Dissociation) -> dict:
    doc = build_document(clients=1)
    course = doc.courses[0]
    s = next(s for s in course.sessions if s.dosing is not None)
    s2 = evolve(s, dosing=evolve(s.dosing, monitoring=(entry,)))
    c2 = evolve(course, sessions=tuple(s2 if x.id == s.id else x for x in course.sessions))
    bundle = json.loads(export_collection(evolve(doc, courses=(c2,)), ExportOptions(extra={"note_content": "none"})))
    (obs,) = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Observation"
              and e["resource"]["identifier"][0]["value"] == f"{s.id}/monitoring/0/cadss"]
    return obs


def test_a_cadss_6_total_is_not_exported_as_a_full_cadss_total():
    """20 on the six-item CADSS-6 (0-24) is high; 20 on the 23-item CADSS (0-92) is low: the
    Observation says which form the total is on (the record's ``Dissociation.scale``)."""
    at = build_document(clients=1).courses[0].sessions[2].start
    short = _cadss_observation(Dissociation(at=at, total=20, scale=DissociationScale.CADSS_6))
    full = _cadss_observation(Dissociation(at=at, total=20))
    explicit = _cadss_observation(Dissociation(at=at, total=20, scale=DissociationScale.CADSS))
    assert short["valueInteger"] == full["valueInteger"] == 20
    assert short["code"]["text"] == "CADSS-6 total score (six-item short form of the Clinician-Administered " \
                                    "Dissociative States Scale, 0-24)"
    assert full["code"]["text"] == "CADSS total score (Clinician-Administered Dissociative States Scale)"
    assert explicit["code"] == full["code"]


def _monitoring_observations(entries) -> list[dict]:
    doc = build_document(clients=1)
    course = doc.courses[0]
    s = next(s for s in course.sessions if s.dosing is not None)
    s2 = evolve(s, dosing=evolve(s.dosing, monitoring=tuple(entries)))
    c2 = evolve(course, sessions=tuple(s2 if x.id == s.id else x for x in course.sessions))
    bundle = json.loads(export_collection(evolve(doc, courses=(c2,)), ExportOptions(extra={"note_content": "none"})))
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Observation"
            and e["resource"]["identifier"][0]["value"].startswith(f"{s.id}/monitoring/")]


def test_free_text_observations_and_check_ins_are_exported_as_text_only_observations():
    """Every monitoring entry reaches the EHR: a free-text observation and a chaperone's check-in
    (ok, or the concern that made the chaperone call) as Observations with their words, no code
    invented for them, valid R4 for the real engine and for fhir.resources."""
    import fhir_engine
    from fhir.resources.R4B.observation import Observation as R4BObservation

    from kapnotes.model import CheckIn, CheckInStatus, Observation

    at = build_document(clients=1).courses[0].sessions[2].start
    obs = _monitoring_observations([
        Observation(at=at, text="Resting; eyeshades off.\u2028Says the room feels far away."),
        CheckIn(at=at.replace(minute=20), by="chaperone: partner (A. Reyes)"),
        CheckIn(at=at.replace(minute=40), by="chaperone: partner (A. Reyes)", status=CheckInStatus.CONCERN,
                notes="Client tearful, asked for the clinician; called 10:40."),
    ])
    text, ok, concern = obs
    assert text["code"] == {"text": "Observation during the dosing session (free text)"}
    assert text["valueString"] == "Resting; eyeshades off.\u2028Says the room feels far away."  # kept as given
    assert ok["valueCodeableConcept"] == {"text": "ok"}
    assert ok["note"] == [{"text": "Checked in by chaperone: partner (A. Reyes)"}]
    assert concern["valueCodeableConcept"] == {"text": "concern: the chaperone called the clinician"}
    assert concern["note"][1] == {"text": "Client tearful, asked for the clinician; called 10:40."}
    assert [o["identifier"][0]["value"].split("/monitoring/")[1] for o in obs] == ["0/observation", "1/check-in", "2/check-in"]
    assert all("category" not in o and "meta" not in o and o["status"] == "final" for o in obs)
    for o in obs:
        R4BObservation.model_validate(o)
    assert fhir_engine.errors_by_resource(obs) == {}


def test_who_gave_the_dose_is_its_administrations_performer():
    """``DosingRecord.administering_clinician_id`` (who gave it, or supervised self-administration)
    is ``MedicationAdministration.performer.actor``; without it there is no performer."""
    import fhir_engine

    doc = build_document(clients=1)
    course = doc.courses[0]
    s = next(s for s in course.sessions if s.dosing is not None)
    who = next(c.clinician_id for c in s.clinicians)

    def administration(administering):
        s2 = evolve(s, dosing=evolve(s.dosing, administering_clinician_id=administering))
        c2 = evolve(course, sessions=tuple(s2 if x.id == s.id else x for x in course.sessions))
        bundle = json.loads(export_collection(evolve(doc, courses=(c2,)), ExportOptions(extra={"note_content": "none"})))
        by_url = {e["fullUrl"]: e["resource"] for e in bundle["entry"]}
        (ma,) = [r for r in by_url.values() if r["resourceType"] == "MedicationAdministration"
                 and r["identifier"][0]["value"] == f"{s.id}/dose"]
        return ma, by_url

    ma, by_url = administration(who)
    (performer,) = ma["performer"]
    practitioner = by_url[performer["actor"]["reference"]]
    assert practitioner["resourceType"] == "Practitioner" and practitioner["identifier"][-1]["value"] == who
    assert fhir_engine.errors_by_resource([ma]) == {}
    assert "performer" not in administration(None)[0]
