"""A fully populated synthetic KAP record for the note-format tests (no real person in it).

:func:`full_dosing_session` sets every optional field of the session and of every nested object,
uses every built-in intervention type and every monitoring event type, and is signed by an
author and a co-signer, with an addendum and an amendment. :func:`full_integration_session` is
the same record as an integration session (which cannot hold a dosing record).
"""

from __future__ import annotations

import datetime as dt

import attrs

from kapnotes.model import (
    Addendum,
    AddendumKind,
    Address,
    Adjunct,
    AdverseEvent,
    Agent,
    Allergy,
    AntidepressantTrial,
    Booster,
    CBTReframing,
    CheckIn,
    CheckInStatus,
    Client,
    Clinic,
    Clinician,
    ClinicianTime,
    Commitment,
    CommitmentReview,
    Consent,
    ConsentKind,
    Contact,
    Contraindication,
    ContraindicationAnswer,
    ContraindicationScreen,
    CourseStatus,
    Discharge,
    Dissociation,
    DissociationScale,
    Distortion,
    DosingRecord,
    EmotionRating,
    Exposure,
    FollowThrough,
    Goal,
    Ideation,
    Indication,
    IntegrationWork,
    Intervention,
    MeasureAdministration,
    MeasureContext,
    Medication,
    MedicationClass,
    Mindfulness,
    Modality,
    MotivationalInterviewing,
    Narrative,
    NoteStatus,
    Observation,
    PersonName,
    PersonPresent,
    Plan,
    PlannedPhase,
    PregnancyTest,
    Preparation,
    PreScreen,
    Psychoeducation,
    Respondent,
    RiskAssessment,
    RiskLevel,
    Role,
    Route,
    SafetyPlanning,
    ScreenAnswer,
    Sedation,
    ServiceLine,
    Session,
    SessionClinician,
    SessionKind,
    SetAndSetting,
    Severity,
    Sex,
    Signature,
    SignatureRole,
    SomaticWork,
    TimeActivity,
    TreatmentCourse,
    TrialOutcome,
    Vitals,
)
from kapnotes.model._base import field, model
from kapnotes.notes.format import NoteContext

TZ = dt.timezone(dt.timedelta(hours=-7))
DAY = dt.date(2026, 1, 12)
HASH_A = "a1" * 32
HASH_B = "b2" * 32
HASH_C = "c3" * 32
HASH_D = "d4" * 32

PREV_DOSE_ID = "ses-dose-prev"
DOSE_ID = "ses-full-dose"
INTEG_ID = "ses-full-integ"


def at(hour: int, minute: int = 0, day: dt.date = DAY) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ)


def clinic() -> Clinic:
    return Clinic(
        id="clinic-test",
        name="Aspen Hollow Ketamine Clinic (synthetic)",
        address=Address(lines=("12 Fictional Road",), city="Testville", state="CO",
                        postal_code="80001"),
        phone="555-0142",
        npi="1234567893",
        timezone="America/Denver",
    )


def clinicians() -> dict[str, Clinician]:
    people = (
        Clinician(id="dr-ames", name="Dr. Lee Ames", credentials="MD", roles=(Role.PRESCRIBER,)),
        Clinician(id="th-ortiz", name="Sam Ortiz", credentials="PsyD",
                  roles=(Role.THERAPIST, Role.SUPERVISOR)),
        Clinician(id="th-kim", name="Riley Kim", credentials="AMFT", roles=(Role.THERAPIST,),
                  licensed=False, supervisor_id="th-ortiz"),
        Clinician(id="rn-bell", name="Alex Bell", credentials="RN", roles=(Role.MONITOR,)),
    )
    return {c.id: c for c in people}


def client() -> Client:
    return Client(
        id="cl-900",
        mrn="TEST-900001",
        name=PersonName(given="Quinn", family="Testcase", middle="R", preferred="Q"),
        date_of_birth=dt.date(1980, 5, 17),
        sex=Sex.FEMALE,
        gender_identity="woman",
        pronouns="she/her",
        phone="555-0177",
        email="quinn@example.org",
        emergency_contacts=(Contact(name="Support Testcase", relationship="sibling",
                                    phone="555-0178"),),
    )


# --- interventions ----------------------------------------------------------------------------


def cbt() -> CBTReframing:
    return CBTReframing(
        situation="Sister cancelled the Sunday call",
        automatic_thought="Nobody ever wants to talk to me.",
        emotions=(EmotionRating(emotion="loneliness", before=85, after=55),
                  EmotionRating(emotion="irritation", before=40, after=20)),
        distortions=(Distortion.OVERGENERALIZATION, Distortion.MIND_READING,
                     Distortion.PERSONALIZATION_BLAME),
        evidence_for=("Two calls cancelled this month",),
        evidence_against=("She rescheduled both times", "A colleague invited me to lunch"),
        balanced_thought="Plans fall through sometimes; people still reach out to me.",
        belief_before=90,
        belief_after=35,
        minutes=18,
        notes="Client completed the thought record with light prompting.",
    )


def integration_work(linked: str) -> IntegrationWork:
    return IntegrationWork(
        dosing_session_id=linked,
        themes=("returning to the body", "grief for lost time"),
        insights=("Rest is not the same as giving up",),
        meaning="Sees the fatigue as a signal rather than a verdict.",
        values=("gentleness", "connection"),
        commitments=(Commitment(text="Evening walk three times", due=dt.date(2026, 1, 19)),
                     Commitment(text="Text one friend each week", due=dt.date(2026, 1, 26))),
        practices=("body scan before sleep", "gratitude list"),
        reviewed_commitments=(CommitmentReview(commitment="Write three intentions",
                                               status=FollowThrough.DONE,
                                               notes="Brought them written in a notebook"),),
        minutes=27,
        notes="Integration focused on the felt sense of heaviness lifting.",
    )


def other_interventions() -> tuple[Intervention, ...]:
    return (
        Psychoeducation(topics=("How ketamine affects glutamate", "Neuroplasticity window"),
                        materials=("Integration workbook, chapter 2",), minutes=11,
                        notes="Questions answered about driving after sessions."),
        Mindfulness(practice="4-7-8 breathing", response="heart rate slowed, shoulders dropped",
                    minutes=7, notes="Practised with eyes closed."),
        MotivationalInterviewing(target_behavior="cut cannabis use at night",
                                 change_talk=("I want clearer mornings",),
                                 sustain_talk=("It is the only thing that helps me sleep",),
                                 importance=8, confidence=3, minutes=13,
                                 notes="Ambivalence explored; no pressure applied."),
        Exposure(target="sound of sirens", method="in-vivo audio exposure", suds_before=55,
                 suds_peak=82, suds_after=31, minutes=21, notes="Habituation within session."),
        SafetyPlanning(warning_signs=("staying in bed past noon",),
                       coping_strategies=("cold water on face", "playlist of calm songs"),
                       social_distractions=("coffee shop on Elm Street",),
                       people_to_ask_for_help=("Support Testcase (sibling)",),
                       professional_contacts=("Clinic crisis line 555-0142",
                                              "988 Suicide & Crisis Lifeline"),
                       means_safety="Medications locked in a box kept by the sibling",
                       reasons_for_living=("my niece", "the garden in spring"),
                       copy_given_to_client=True, minutes=16,
                       notes="Plan updated and photographed by the client."),
        SomaticWork(technique="grounding through the feet", body_areas=("feet", "lower back"),
                    touch_used=True, response="reported feeling anchored", minutes=6,
                    notes="Touch limited to the consented areas."),
    )


def interventions(linked: str) -> tuple[Intervention, ...]:
    return (cbt(), integration_work(linked), *other_interventions())


# --- dosing -----------------------------------------------------------------------------------


def dosing_record() -> DosingRecord:
    return DosingRecord(
        agent=Agent.KETAMINE,
        route=Route.IM,
        dose_mg=52.5,
        administered_at=at(9, 30),
        body_weight_kg=70.4,
        lot_number="LOT-SYN-7731",
        infusion_minutes=12,
        boosters=(Booster(at=at(9, 55), dose_mg=12.5, route=Route.IM, lot_number="LOT-SYN-7732",
                          reason="little effect after 25 minutes"),),
        adjuncts=(Adjunct(name="ondansetron", dose=4.0, unit="mg", route=Route.ORAL,
                          at=at(9, 20), reason="history of motion sickness"),),
        preparation=Preparation(
            fasting_hours=6.5,
            medications_reviewed="bupropion 150 mg each morning; held lorazepam since Friday",
            si_screen="denies SI since last session",
            pregnancy_test="urine hCG negative",
            consent_reviewed=True,
            consent_to_touch=True,
            go_decision=True,
            notes="Arrived with sibling; hydrated; emptied bladder.",
        ),
        monitoring=(
            Vitals(at=at(9, 20), systolic=124, diastolic=79, heart_rate=71, spo2=98,
                   respiratory_rate=14),
            Vitals(at=at(9, 45), systolic=139, diastolic=86, heart_rate=83, spo2=97,
                   respiratory_rate=16),
            Sedation(at=at(9, 45), score=4),
            AdverseEvent(at=at(9, 50), event="nausea", severity=Severity.MODERATE,
                         action="ondansetron repeated, emesis basin offered",
                         resolved_at=at(10, 5)),
            Vitals(at=at(10, 10), systolic=133, diastolic=84, heart_rate=77, spo2=99,
                   respiratory_rate=15),
            Dissociation(at=at(10, 10), total=23, scale=DissociationScale.CADSS_6),
            Observation(at=at(10, 30), text="Humming along to the music; hands relaxed."),
            CheckIn(at=at(10, 45), by="Chaperone Placeholder", status=CheckInStatus.CONCERN,
                    notes="called the clinician about chills; settled"),
        ),
        ordering_clinician_id="dr-ames",
        administering_clinician_id="rn-bell",
        monitoring_clinician_id="th-kim",
        discharge=Discharge(
            at=at(11, 55),
            criteria_met=True,
            criteria=("MOAA/S 5 for 30 minutes", "walks unaided"),
            escort="Chaperone Placeholder",
            escort_relationship="sibling",
            transport="sibling drives home",
            notes="Written after-care sheet given.",
        ),
    )


def measures() -> tuple[MeasureAdministration, ...]:
    return (
        MeasureAdministration(id="m-phq9", instrument="phq9", administered_at=at(9, 5),
                              items=(2, 1, 3, 2, 0, 1, 2, 1, 1), respondent=Respondent.CLIENT,
                              context=MeasureContext.PRE_DOSE, administered_by="rn-bell",
                              notes="Completed on the tablet in the waiting room."),
        MeasureAdministration(id="m-wellbeing", instrument="clinic-wellbeing",
                              administered_at=at(11, 40), items=(3, None, 7),
                              respondent=Respondent.CLINICIAN, context=MeasureContext.POST_DOSE,
                              administered_by="th-kim", notes="Clinic's own scale."),
    )


# --- the session ------------------------------------------------------------------------------


def signatures() -> tuple[Signature, ...]:
    return (
        Signature(clinician_id="th-kim", signer_name="Riley Kim", credentials="AMFT",
                  role=SignatureRole.AUTHOR, signed_at=at(14, 12), content_hash=HASH_A,
                  statement="Electronically signed by the author.",
                  key_id="ed25519:0123456789abcdef", digital_signature="A" * 86 + "==",
                  previous_hash="0" * 64, context_hash=HASH_A),
        Signature(clinician_id="th-ortiz", signer_name="Sam Ortiz", credentials="PsyD",
                  role=SignatureRole.COSIGNER, signed_at=at(16, 48), content_hash=HASH_B,
                  statement="Reviewed and co-signed by the supervisor.",
                  key_id="ed25519:0123456789abcdef", digital_signature="A" * 86 + "==",
                  previous_hash="0" * 64, context_hash=HASH_A),
    )


def addenda() -> tuple[Addendum, ...]:
    day = dt.date(2026, 1, 13)
    return (
        Addendum(id="add-1", kind=AddendumKind.ADDENDUM, author_id="th-kim",
                 written_at=at(8, 15, day), text="Client called: nausea fully gone by evening.",
                 reason="Follow-up call the next morning",
                 signature=Signature(clinician_id="th-kim", signer_name="Riley Kim",
                                     credentials="AMFT", role=SignatureRole.AUTHOR,
                                     signed_at=at(8, 17, day), content_hash=HASH_C,
                                     statement="Addendum signed by its author.",
                  key_id="ed25519:0123456789abcdef", digital_signature="A" * 86 + "==",
                  previous_hash="0" * 64, context_hash=HASH_A)),
        Addendum(id="add-2", kind=AddendumKind.AMENDMENT, author_id="th-ortiz",
                 written_at=at(10, 2, day), text="Booster lot number corrected in the record.",
                 reason="Transcription error in the lot number",
                 signature=Signature(clinician_id="th-ortiz", signer_name="Sam Ortiz",
                                     credentials="PsyD", role=SignatureRole.AUTHOR,
                                     signed_at=at(10, 4, day), content_hash=HASH_D,
                                     statement="Amendment signed by its author.",
                  key_id="ed25519:0123456789abcdef", digital_signature="A" * 86 + "==",
                  previous_hash="0" * 64, context_hash=HASH_A)),
    )


@model
class ClinicFields:
    """A clinic plugin's extension fields (synthetic), set on every object that takes them."""

    note: str = field(label="Clinic note")
    minutes: int | None = None


def with_extensions(session: Session) -> Session:
    """``session`` with an extension value on itself, its dosing record, each monitoring entry
    and each measure (each value's text names where it is)."""
    def ext(where: str, minutes: int | None = None) -> dict[str, ClinicFields]:
        return {"clinic": ClinicFields(note=f"clinic field of the {where}", minutes=minutes)}

    d = session.dosing
    if d is not None:
        d = attrs.evolve(
            d, extensions=ext("dosing record", 15),
            monitoring=tuple(attrs.evolve(e, extensions=ext(f"{e.type} entry {k}"))
                             for k, e in enumerate(d.monitoring)),
        )
    return attrs.evolve(
        session, extensions=ext("session"), dosing=d,
        measures=tuple(attrs.evolve(m, extensions=ext(f"measure {m.id}"))
                       for m in session.measures),
    )


def full_dosing_session() -> Session:
    """A dosing session with every optional field set, signed, co-signed and amended."""
    return with_extensions(_full_dosing_session())


def _full_dosing_session() -> Session:
    """The dosing session without its extension fields."""
    return Session(
        id=DOSE_ID,
        kind=SessionKind.DOSING,
        start=at(9, 0),
        end=at(12, 10),
        modality=Modality.AT_HOME_CHAPERONED,
        location="Client's home, living room",
        clinicians=(SessionClinician(clinician_id="dr-ames", role=Role.PRESCRIBER),
                    SessionClinician(clinician_id="th-kim", role=Role.THERAPIST),
                    SessionClinician(clinician_id="rn-bell", role=Role.MONITOR)),
        present=(PersonPresent(name="Chaperone Placeholder", relationship="sibling"),),
        intention="To notice the tightness in my chest without running from it.",
        pre_screen=PreScreen(
            allergies=(Allergy(substance="sulfonamides", reaction="hives",
                               severity=Severity.MILD),),
            contraindications=ContraindicationScreen(
                answers=(ContraindicationAnswer(condition=Contraindication.UNCONTROLLED_HYPERTENSION,
                                                answer=ScreenAnswer.NO,
                                                notes="home readings 120s/70s"),),
                screened_by="dr-ames",
                screened_on=dt.date(2026, 3, 2),
            ),
            medications=(Medication(name="bupropion XL", dose="150 mg each morning",
                                    classes=(MedicationClass.ANTIDEPRESSANT,)),),
            antidepressant_trials=(AntidepressantTrial(agent="sertraline", dose="200 mg",
                                                       weeks=12, adequate=True,
                                                       outcome=TrialOutcome.PARTIAL_RESPONSE),),
            pregnancy_test=PregnancyTest.NEGATIVE,
            height_cm=168.0,
        ),
        set_and_setting=SetAndSetting(mindset="curious, a little guarded",
                                      setting="own sofa, curtains drawn, weighted blanket",
                                      music="slow cello playlist", eyeshades=True,
                                      support_plan="sibling stays until the evening"),
        narrative=Narrative(
            presenting_concerns="Low energy and early waking for six weeks.",
            mental_status="Calm, cooperative; mood 'tired'; affect reactive; no psychosis.",
            observations="Brief nausea at 20 minutes; otherwise settled throughout.",
            client_experience="Felt 'lighter than air' and saw a lake at dawn.",
            assessment="Well tolerated; mild transient hypertension; engaged with intention.",
        ),
        risk=RiskAssessment(
            suicidal_ideation=Ideation.ACTIVE,
            level=RiskLevel.HIGH,
            plan=True,
            intent=False,
            access_to_means=False,
            homicidal_ideation=False,
            risk_factors=("recent job loss", "lives alone"),
            protective_factors=("niece", "engaged in treatment"),
            safety_plan_reviewed=True,
            actions="Safety plan updated; sibling to hold medications.",
            notes="Ideation fleeting, no rehearsal; reassess at integration.",
        ),
        plan=Plan(next_steps=("Integration session in two days",),
                  homework=("Journal on the lake image",),
                  next_session=at(15, 0, dt.date(2026, 1, 14)),
                  referrals=("Sleep medicine clinic",)),
        dosing=dosing_record(),
        interventions=interventions(PREV_DOSE_ID),
        measures=measures(),
        status=NoteStatus.AMENDED,
        signatures=signatures(),
        addenda=addenda(),
        clinician_times=clinician_times(DAY),
        service_lines=(ServiceLine(code="0820T", modifiers=("95",), units=2,
                                   place_of_service="12", rendering_clinician_id="th-kim",
                                   supervising_clinician_id="dr-ames",
                                   billing_clinician_id="dr-ames", diagnoses=("F33.1",),
                                   charge_cents=45000),),
        group_id="group-thursday-01",
    )


def clinician_times(day: dt.date) -> tuple[ClinicianTime, ...]:
    return (ClinicianTime(clinician_id="th-kim", activity=TimeActivity.MONITORING,
                          start=at(9, 20, day), end=at(11, 25, day),
                          notes="continuous, in the room"),)


def full_integration_session() -> Session:
    """The same record as an integration session two days later (no dosing record)."""
    s = full_dosing_session()
    shift = dt.timedelta(days=2)
    return attrs.evolve(
        s,
        id=INTEG_ID,
        kind=SessionKind.INTEGRATION,
        start=s.start + shift,
        end=s.end + shift if s.end else None,
        dosing=None,
        interventions=interventions(DOSE_ID),
        clinician_times=clinician_times(DAY + dt.timedelta(days=2)),
    )


def previous_dosing_session() -> Session:
    """A plain earlier dosing session, the one integrated in the full dosing session."""
    day = dt.date(2026, 1, 5)
    return Session(
        id=PREV_DOSE_ID,
        kind=SessionKind.DOSING,
        start=at(9, 0, day),
        end=at(11, 30, day),
        intention="To rest.",
        narrative=Narrative(client_experience="Mostly sleepy; saw colours."),
        dosing=DosingRecord(agent=Agent.KETAMINE, route=Route.IM, dose_mg=35.0,
                            administered_at=at(9, 20, day), body_weight_kg=70.0),
    )


def course(*sessions: Session) -> TreatmentCourse:
    return TreatmentCourse(
        id="course-900",
        client_id="cl-900",
        started_on=dt.date(2026, 1, 2),
        status=CourseStatus.ACTIVE,
        indications=(Indication(code="F33.1", display="Major depressive disorder, recurrent, moderate",
                                primary=True),
                     Indication(code="F41.1", display="Generalized anxiety disorder")),
        consents=(
            Consent(kind=ConsentKind.KAP_INFORMED_CONSENT, obtained_on=dt.date(2026, 1, 2),
                    document_ref="DOC-KAP-900", expires_on=dt.date(2027, 1, 2)),
            Consent(kind=ConsentKind.CONSENT_TO_TOUCH, obtained_on=dt.date(2026, 1, 2),
                    scope="hands and feet only"),
            Consent(kind=ConsentKind.RECORDING, obtained_on=dt.date(2026, 1, 2),
                    withdrawn_on=dt.date(2026, 1, 9)),
            Consent(kind=ConsentKind.OTHER, obtained_on=dt.date(2026, 1, 2),
                    description="Music streaming account use", given=False),
        ),
        goals=(Goal(id="g1", description="PHQ-9 below 10", instrument="phq9", target_score=9,
                    target_date=dt.date(2026, 4, 1)),
               Goal(id="g2", description="Sleep through to 6 am most nights")),
        phases=(PlannedPhase(kind=SessionKind.DOSING, planned_sessions=6),),
        prescriber_id="dr-ames",
        primary_therapist_id="th-kim",
        sessions=sessions,
    )


def full_course() -> TreatmentCourse:
    return course(previous_dosing_session(), full_dosing_session(), full_integration_session())


def context(session: Session, **extra: object) -> NoteContext:
    """The note context of ``session`` within :func:`full_course`."""
    return NoteContext(
        session=session,
        course=full_course(),
        client=client(),
        clinic=clinic(),
        clinicians=clinicians(),
        generated_at=at(17, 0),
        extra=dict(extra),
    )
