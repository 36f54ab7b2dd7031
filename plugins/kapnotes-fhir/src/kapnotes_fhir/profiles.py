"""US Core profiles (``meta.profile``) of the resources that conform to them, in one place.

US Core 5.0.1 [ref:us-core] (the version whose profiles the engine of the tests ships in part).
A resource declares a profile only when it meets the profile's required elements:

* ``Patient`` (identifier, name, gender), ``Organization`` (active, name), ``Encounter``,
  ``Condition`` (encounter-diagnosis), ``Procedure``, ``DocumentReference`` (type LOINC,
  category ``clinical-note``, one encounter), ``QuestionnaireResponse``, ``MedicationRequest``
  (requester), ``AllergyIntolerance``, ``Goal``: always;
* ``Practitioner``: only when its name has a ``family`` (US Core requires one; see
  :mod:`kapnotes_fhir.names`);
* ``Observation``: the vital-sign profile of its LOINC code (blood pressure, heart rate,
  respiratory rate, body weight, pulse oximetry), or the survey profile for ``survey`` ones.

Not declared: ``CarePlan`` (US Core requires a narrative the export does not write),
``Medication`` (a text-only code for racemic ketamine), and the resources US Core does not
profile (EpisodeOfCare, MedicationAdministration, AdverseEvent, RiskAssessment, Consent,
Binary). The tests validate against every profile the engine can load (Patient, blood pressure,
MedicationRequest) and list the others as declared but not checked by the engine.
"""

from __future__ import annotations

from typing import Any

from kapnotes_fhir import codes

US_CORE = "http://hl7.org/fhir/us/core/StructureDefinition/"

#: Resource type -> its US Core profile, for the types that always conform.
BY_TYPE: dict[str, str] = {
    "Patient": "us-core-patient",
    "Organization": "us-core-organization",
    "Encounter": "us-core-encounter",
    "Condition": "us-core-condition-encounter-diagnosis",
    "Procedure": "us-core-procedure",
    "DocumentReference": "us-core-documentreference",
    "QuestionnaireResponse": "us-core-questionnaireresponse",
    "MedicationRequest": "us-core-medicationrequest",
    "AllergyIntolerance": "us-core-allergyintolerance",
    "Goal": "us-core-goal",
}
#: An Observation's LOINC code -> its US Core vital-sign profile.
VITAL_SIGNS: dict[str, str] = {
    codes.BP_PANEL.code: "us-core-blood-pressure",
    codes.HEART_RATE.code: "us-core-heart-rate",
    codes.RESPIRATORY_RATE.code: "us-core-respiratory-rate",
    codes.BODY_WEIGHT.code: "us-core-body-weight",
    codes.PULSE_OXIMETRY.code: "us-core-pulse-oximetry",
}
SURVEY = "us-core-observation-survey"


def profile(resource: dict[str, Any]) -> str | None:
    """The US Core profile ``resource`` conforms to, or None."""
    return profile_of(resource["resourceType"], resource)


def profile_of(rtype: str, resource: dict[str, Any]) -> str | None:
    """The US Core profile of a resource of type ``rtype`` whose other elements are ``resource``
    (which need not hold ``resourceType``: :meth:`ExportContext.new` asks before it builds it)."""
    name = BY_TYPE.get(rtype)
    if rtype == "Practitioner" and all(n.get("family") for n in resource.get("name", [])) and resource.get("name"):
        name = "us-core-practitioner"
    elif rtype == "Observation":
        loinc = [c["code"] for c in resource["code"].get("coding", []) if c.get("system") == codes.LOINC]
        name = next((VITAL_SIGNS[c] for c in loinc if c in VITAL_SIGNS), None)
        if name is None and any(c["code"] == "survey" for cat in resource.get("category", ()) for c in cat["coding"]):
            name = SURVEY
    return US_CORE + name if name else None


def declare(resource: dict[str, Any]) -> dict[str, Any]:
    """``resource`` with ``meta.profile`` after its ``id`` when it conforms to a US Core profile."""
    url = profile(resource)
    if url is None:
        return resource
    head: dict[str, Any] = {k: resource[k] for k in ("resourceType", "id") if k in resource}
    return {**head, "meta": {"profile": [url]}, **{k: v for k, v in resource.items() if k not in head}}
