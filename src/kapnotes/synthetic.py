"""A deterministic synthetic KAP clinic, for the demo, the tests and the benchmarks.

Everything here is invented: names are placeholders, phone numbers are in the 555-01xx range
reserved for fiction, e-mail addresses use example.org (RFC 2606). The same arguments always
give the same record, byte for byte.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator

import attrs

from kapnotes.errors import call_plugin
from kapnotes.model import (
    Addendum,
    AddendumKind,
    Address,
    Adjunct,
    AdverseEvent,
    Agent,
    Booster,
    CBTReframing,
    Client,
    Clinic,
    Clinician,
    Commitment,
    CommitmentReview,
    Consent,
    ConsentKind,
    Contact,
    CourseStatus,
    Discharge,
    Dissociation,
    Distortion,
    Document,
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
    Preparation,
    Psychoeducation,
    PsychotherapyNote,
    RiskAssessment,
    RiskLevel,
    Role,
    Route,
    SafetyPlanning,
    Sedation,
    Session,
    SessionClinician,
    SessionKind,
    SetAndSetting,
    Sex,
    Signature,
    SignatureRole,
    SomaticWork,
    TreatmentCourse,
    Vitals,
    evolve,
)
from kapnotes.model.prescreen import (
    AntidepressantTrial,
    Contraindication,
    ContraindicationAnswer,
    ContraindicationScreen,
    Medication,
    MedicationClass,
    PreScreen,
    ScreenAnswer,
    TrialOutcome,
)
from kapnotes.registry import Registry, resolve

TZ = dt.timezone(dt.timedelta(hours=-7), "MST")  # a fixed offset: deterministic everywhere


@attrs.frozen
class Profile:
    """How one synthetic client's course goes."""

    given: str
    family: str
    sex: Sex
    born: dt.date
    indication: tuple[str, str]
    phq9_baseline: int
    phq9_final: int
    gad7_baseline: int
    gad7_final: int
    route: Route
    agent: Agent
    weight_kg: float
    dose_mg_per_kg: float
    pcl5_baseline: int | None = None
    pcl5_final: int | None = None
    at_risk_session: int | None = None  # dosing number (1-based) with item 9 > 0 and no safety plan


PROFILES: tuple[Profile, ...] = (
    Profile(
        "Rowan",
        "Example",
        Sex.FEMALE,
        dt.date(1984, 3, 14),
        ("F33.2", "Major depressive disorder, recurrent, severe without psychotic features"),
        21,
        6,
        14,
        5,
        Route.IM,
        Agent.KETAMINE,
        68.0,
        0.75,
    ),
    Profile(
        "Jordan",
        "Sample",
        Sex.MALE,
        dt.date(1976, 11, 2),
        ("F33.1", "Major depressive disorder, recurrent, moderate"),
        18,
        15,
        12,
        11,
        Route.SUBLINGUAL,
        Agent.KETAMINE,
        82.5,
        3.0,
        at_risk_session=3,
    ),
    Profile(
        "Casey",
        "Placeholder",
        Sex.FEMALE,
        dt.date(1991, 7, 23),
        ("F43.10", "Post-traumatic stress disorder, unspecified"),
        16,
        7,
        17,
        7,
        Route.IV,
        Agent.KETAMINE,
        61.0,
        0.5,
        pcl5_baseline=52,
        pcl5_final=28,
    ),
    Profile(
        "Morgan",
        "Fictional",
        Sex.INTERSEX,
        dt.date(1968, 1, 30),
        ("F32.2", "Major depressive disorder, single episode, severe without psychotic features"),
        24,
        11,
        16,
        9,
        Route.INTRANASAL,
        Agent.ESKETAMINE,
        90.0,
        0.0,
    ),
)


def _spread(
    total: int, n: int, top: int, rng: random.Random, fixed: dict[int, int] | None = None
) -> tuple[int, ...]:
    """``n`` item responses 0..top summing to ``total`` (items in ``fixed`` keep their value)."""
    fixed = fixed or {}
    items = [fixed.get(i, 0) for i in range(n)]
    free = [i for i in range(n) if i not in fixed]
    remaining = max(0, min(total - sum(items), top * len(free)))
    while remaining:
        i = rng.choice(free)
        if items[i] < top:
            items[i] += 1
            remaining -= 1
    return tuple(items)


def _trajectory(start: int, end: int, steps: int, k: int) -> int:
    """Score at step ``k`` of ``steps`` on a curve from ``start`` to ``end`` (faster early)."""
    if steps <= 1:
        return end
    frac: float = 1 - (1 - k / (steps - 1)) ** 1.6
    return round(start + (end - start) * frac)


class _Course:
    """Builds one client's course, session by session."""

    def __init__(
        self, idx: int, p: Profile, clinic_start: dt.date, rng: random.Random, dosings: int
    ) -> None:
        self.idx, self.p, self.rng, self.dosings = idx, p, rng, dosings
        self.cid = f"cl-{idx + 1:03d}"
        self.start = clinic_start + dt.timedelta(days=7 * (idx % 104))
        self.sessions: list[Session] = []
        self.process_notes: list[PsychotherapyNote] = []
        self.n_measures = 0

    def at(self, day: int, hour: int, minute: int = 0) -> dt.datetime:
        d = self.start + dt.timedelta(days=day)
        return dt.datetime(d.year, d.month, d.day, hour, minute, tzinfo=TZ)

    def sid(self, kind: str, n: int) -> str:
        return f"{self.cid}-{kind}-{n:02d}"

    def measures(
        self,
        when: dt.datetime,
        context: MeasureContext,
        step: int,
        steps: int,
        sid: str,
        item9: int = 0,
    ) -> tuple[MeasureAdministration, ...]:
        p = self.p
        phq = _trajectory(p.phq9_baseline, p.phq9_final, steps, step)
        gad = _trajectory(p.gad7_baseline, p.gad7_final, steps, step)
        fixed = {8: item9} if item9 else {8: 0}
        out = [
            MeasureAdministration(
                id=f"{sid}-phq9",
                instrument="phq9",
                administered_at=when,
                items=_spread(phq, 9, 3, self.rng, fixed),
                context=context,
            ),
            MeasureAdministration(
                id=f"{sid}-gad7",
                instrument="gad7",
                administered_at=when,
                items=_spread(gad, 7, 3, self.rng),
                context=context,
            ),
        ]
        if p.pcl5_baseline is not None and p.pcl5_final is not None:
            pcl = _trajectory(p.pcl5_baseline, p.pcl5_final, steps, step)
            out.append(
                MeasureAdministration(
                    id=f"{sid}-pcl5",
                    instrument="pcl5",
                    administered_at=when,
                    items=_spread(pcl, 20, 4, self.rng),
                    context=context,
                )
            )
        return tuple(out)


def home_measures_of(b: _Course, seed: int) -> tuple[MeasureAdministration, ...]:
    """The at-home measures of ``b``'s course: a PHQ-9 and a GAD-7 answered on the portal at
    20:30 the evening before the middle dosing session, on the course's score trajectory (its
    own random draws, so the rest of the document does not change). Item 9 of the PHQ-9 is 0."""
    dosings = [s for s in b.sessions if s.kind is SessionKind.DOSING]
    if not dosings:
        return ()
    k = (len(dosings) + 1) // 2
    session = dosings[k - 1]
    day = session.start.date() - dt.timedelta(days=1)
    when = dt.datetime(day.year, day.month, day.day, 20, 30, tzinfo=session.start.tzinfo)
    steps = b.dosings + 2
    p, rng = b.p, random.Random(f"{seed}-home-{b.cid}")
    phq = _trajectory(p.phq9_baseline, p.phq9_final, steps, k)
    gad = _trajectory(p.gad7_baseline, p.gad7_final, steps, k)
    mid = f"{b.cid}-home-{day.isoformat()}"
    return (
        MeasureAdministration(id=f"{mid}-phq9", instrument="phq9", administered_at=when,
                              items=_spread(phq, 9, 3, rng, {8: 0}),
                              context=MeasureContext.HOME, notes="Patient portal (synthetic)."),
        MeasureAdministration(id=f"{mid}-gad7", instrument="gad7", administered_at=when,
                              items=_spread(gad, 7, 3, rng), context=MeasureContext.HOME,
                              notes="Patient portal (synthetic)."),
    )


def _clinic() -> tuple[Clinic, tuple[Clinician, ...]]:
    clinic = Clinic(
        id="clinic-demo",
        name="Juniper Ridge Integrative Psychiatry (synthetic)",
        address=Address(
            lines=("100 Example Way, Suite 2",), city="Springfield", state="CO", postal_code="80000"
        ),
        phone="555-0100",
        timezone="America/Denver",
    )
    clinicians = (
        Clinician(
            id="dr-ames",
            name="Dr. Lee Ames",
            credentials="MD",
            roles=(Role.PRESCRIBER,),
            npi="1234567893",
        ),
        Clinician(
            id="th-ortiz",
            name="Sam Ortiz",
            credentials="PsyD",
            roles=(Role.THERAPIST, Role.SUPERVISOR),
        ),
        Clinician(
            id="th-kim",
            name="Riley Kim",
            credentials="AMFT",
            roles=(Role.THERAPIST,),
            licensed=False,
            supervisor_id="th-ortiz",
        ),
        Clinician(id="rn-bell", name="Alex Bell", credentials="RN", roles=(Role.MONITOR,)),
    )
    return clinic, clinicians


def build_document(
    *,
    clients: int = 4,
    dosings: int = 4,
    seed: int = 2026,
    start: dt.date = dt.date(2026, 1, 5),
    with_process_notes: bool = False,
    first_client: int = 0,
    plugin_data: bool = False,
    home_measures: bool = False,
    registry: Registry | None = None,
) -> Document:
    """A synthetic clinic: ``clients`` courses (profiles repeat), each with ``dosings`` dosing sessions.

    ``first_client`` numbers the clients from there, so that a large store can be built in parts.
    With ``plugin_data`` (as ``kapnotes demo`` does), each :class:`DemoData` the plugins of
    ``registry`` register (None: the default registry) then adds its part, in name order: a
    plugin's extension fields, for example. Without it the demo is kapnotes' own, whatever is
    installed.

    With ``home_measures`` (as ``kapnotes demo`` does; format 1.3), each course also holds the
    at-home PHQ-9 and GAD-7 a client answered on the patient portal the evening before the
    dosing session in the middle of the course (:func:`home_measures_of`). Without it the
    document is as before, byte for byte.
    """
    rng = random.Random(seed + first_client)
    clinic, clinicians = _clinic()
    client_objs, courses, notes = [], [], []
    from kapnotes.synthetic_billing import billed, demo_plan

    by_id = {c.id: c for c in clinicians}
    for i in range(first_client, first_client + clients):
        p = PROFILES[i % len(PROFILES)]
        b = _Course(i, p, start, rng, dosings)
        client_objs.append(_client(i, p))
        course = _course(b)
        if home_measures:
            course = evolve(course, measures=home_measures_of(b, seed))
        dx = tuple(x.code for x in course.indications)
        course = evolve(course, sessions=tuple(billed(s, dx, by_id) for s in course.sessions))
        if i == 0:
            course = evolve(course, treatment_plan=demo_plan(course))
        courses.append(course)
        notes += b.process_notes
    doc = Document(
        clinic=clinic,
        clinicians=clinicians,
        clients=tuple(client_objs),
        courses=tuple(courses),
        psychotherapy_notes=tuple(notes) if with_process_notes else (),
    )
    return _with_plugins_data(doc, registry) if plugin_data else doc


@attrs.frozen
class DemoData:
    """A plugin's part of the synthetic demo (``register_demo_data``).

    :ivar name: registry name (usually the plugin's extension namespace).
    :ivar description: one line: what it adds.
    :ivar apply: ``apply(document) -> document``: the demo with the plugin's data added (synthetic
        only; it must keep every id, and may only add).
    """

    name: str
    description: str
    apply: Callable[[Document], Document] = attrs.field(repr=False)


def _with_plugins_data(doc: Document, registry: Registry | None) -> Document:
    for entry in resolve(registry).demo_data.entries():
        doc = call_plugin("demo data", entry.name, entry.plugin, "the demo", entry.value.apply,
                          doc, returns=Document)
    return doc


def _client(i: int, p: Profile) -> Client:
    n = i + 1
    return Client(
        id=f"cl-{n:03d}",
        mrn=f"DEMO-{100000 + n * 7919}",
        name=PersonName(given=p.given if i < len(PROFILES) else f"{p.given}{n}", family=p.family),
        date_of_birth=p.born,
        sex=p.sex,
        phone=f"555-01{n % 100:02d}",
        email=f"client{n}@example.org",
        address=Address(
            lines=(f"{n} Sample Street",), city="Springfield", state="CO", postal_code="80000"
        ),
        emergency_contacts=(
            Contact(name=f"Support Person {n}", relationship="partner", phone="555-0199"),
        ),
    )


def _course(b: _Course) -> TreatmentCourse:
    p = b.p
    steps = b.dosings + 2  # baseline, one per dosing, follow-up
    b.sessions.append(_intake(b, steps))
    b.sessions.append(_preparation(b))
    for k in range(1, b.dosings + 1):
        b.sessions.append(_dosing(b, k, steps))
        b.sessions.append(_integration(b, k))
    b.sessions.append(_follow_up(b, steps))
    consents = (
        Consent(
            kind=ConsentKind.KAP_INFORMED_CONSENT,
            obtained_on=b.start,
            document_ref=f"consent-{b.cid}-kap",
        ),
        Consent(
            kind=ConsentKind.CONSENT_TO_TOUCH,
            obtained_on=b.start,
            scope="hand on shoulder or hand, on request",
        ),
        Consent(kind=ConsentKind.TELEHEALTH, obtained_on=b.start),
    )
    return TreatmentCourse(
        id=f"course-{b.cid}",
        client_id=b.cid,
        started_on=b.start,
        status=CourseStatus.COMPLETED,
        ended_on=b.sessions[-1].start.date(),
        indications=(Indication(code=p.indication[0], display=p.indication[1], primary=True),),
        consents=consents,
        goals=(
            Goal(
                id="g1",
                description="Reduce depressive symptoms to the mild range",
                instrument="phq9",
                target_score=9,
            ),
            Goal(id="g2", description="Return to part-time work and weekly social contact"),
        ),
        phases=(
            PlannedPhase(kind=SessionKind.INTAKE, planned_sessions=1),
            PlannedPhase(kind=SessionKind.PREPARATION, planned_sessions=1),
            PlannedPhase(kind=SessionKind.DOSING, planned_sessions=b.dosings),
            PlannedPhase(kind=SessionKind.INTEGRATION, planned_sessions=b.dosings),
            PlannedPhase(kind=SessionKind.FOLLOW_UP, planned_sessions=1),
        ),
        prescriber_id="dr-ames",
        primary_therapist_id="th-ortiz" if b.idx % 2 == 0 else "th-kim",
        sessions=tuple(b.sessions),
    )


def _therapist(b: _Course) -> str:
    return "th-ortiz" if b.idx % 2 == 0 else "th-kim"


def _sign(s: Session, b: _Course, when: dt.datetime) -> Session:
    from kapnotes.store.content import session_content_hash

    h = session_content_hash(s)
    tid = _therapist(b)
    sigs = [
        Signature(
            clinician_id=tid,
            signer_name="Sam Ortiz" if tid == "th-ortiz" else "Riley Kim",
            credentials="PsyD" if tid == "th-ortiz" else "AMFT",
            role=SignatureRole.AUTHOR,
            signed_at=when,
            content_hash=h,
            statement="Electronically signed by the author.",
        )
    ]
    if tid == "th-kim":
        sigs.append(
            Signature(
                clinician_id="th-ortiz",
                signer_name="Sam Ortiz",
                credentials="PsyD",
                role=SignatureRole.COSIGNER,
                signed_at=when + dt.timedelta(hours=2),
                content_hash=h,
                statement="Reviewed and co-signed by the supervisor.",
            )
        )
    return evolve(s, status=NoteStatus.SIGNED, signatures=tuple(sigs))


def _intake_pre_screen(b: _Course) -> PreScreen:
    """The medical pre-screen at intake: no allergies, no contraindication, one antidepressant
    taken, two adequate prior trials (the treatment-resistance criterion)."""
    return PreScreen(
        no_known_allergies=True,
        contraindications=ContraindicationScreen(
            answers=tuple(
                ContraindicationAnswer(condition=c, answer=ScreenAnswer.NO)
                for c in Contraindication
            ),
            screened_by="dr-ames",
            screened_on=b.at(0, 9).date(),
        ),
        medications=(
            Medication(name="sertraline", dose="100 mg daily",
                       classes=(MedicationClass.ANTIDEPRESSANT,)),
        ),
        antidepressant_trials=(
            AntidepressantTrial(agent="escitalopram", dose="20 mg daily", weeks=10,
                                adequate=True, outcome=TrialOutcome.NO_RESPONSE),
            AntidepressantTrial(agent="bupropion XL", dose="300 mg daily", weeks=8,
                                adequate=True, outcome=TrialOutcome.PARTIAL_RESPONSE),
        ),
        height_cm=170.0,
    )


def _intake(b: _Course, steps: int) -> Session:
    p = b.p
    sid = b.sid("intake", 1)
    start = b.at(0, 9)
    s = Session(
        id=sid,
        kind=SessionKind.INTAKE,
        start=start,
        end=start + dt.timedelta(minutes=75),
        modality=Modality.IN_PERSON,
        location="Office 2",
        clinicians=(
            SessionClinician(clinician_id="dr-ames", role=Role.PRESCRIBER),
            SessionClinician(clinician_id=_therapist(b), role=Role.THERAPIST),
        ),
        narrative=Narrative(
            presenting_concerns=f"Referred for KAP for {p.indication[1].lower()}; two adequate antidepressant trials without remission.",
            mental_status="Alert, oriented x4. Mood 'flat'; affect constricted. Thought process linear. No psychosis.",
            assessment="Meets criteria for KAP evaluation; medical screen reviewed; blood pressure controlled.",
        ),
        risk=RiskAssessment(
            suicidal_ideation=Ideation.PASSIVE if p.phq9_baseline >= 20 else Ideation.NONE,
            level=RiskLevel.LOW,
            protective_factors=("children", "engaged in care"),
            safety_plan_reviewed=True,
        ),
        pre_screen=_intake_pre_screen(b),
        plan=Plan(
            next_steps=("Preparation session", "Obtain medical clearance"),
            homework=("Write three intentions",),
        ),
        interventions=(
            Psychoeducation(
                topics=(
                    "What ketamine does and does not do",
                    "Set and setting",
                    "Risks and side effects",
                ),
                materials=("KAP client handbook",),
                minutes=20,
            ),
            SafetyPlanning(
                warning_signs=("withdrawing from friends",),
                coping_strategies=("walk outside", "call sister"),
                professional_contacts=(
                    "Clinic on-call line 555-0100",
                    "988 Suicide & Crisis Lifeline",
                ),
                copy_given_to_client=True,
                minutes=10,
            ),
        ),
        measures=b.measures(start, MeasureContext.BASELINE, 0, steps, sid),
    )
    signed = _sign(s, b, start + dt.timedelta(hours=4))
    return _with_addendum(signed, b, start + dt.timedelta(days=1)) if b.idx % 4 == 0 else signed


def _with_addendum(s: Session, b: _Course, when: dt.datetime) -> Session:
    """A late entry after signing, itself signed (as kapnotes.lifecycle.add_addendum writes it)."""
    from kapnotes.store.content import addendum_content_hash

    tid = _therapist(b)
    body = Addendum(
        id=f"{s.id}-add-01",
        kind=AddendumKind.ADDENDUM,
        author_id=tid,
        written_at=when,
        text="Late entry: records from the referring psychiatrist received; two prior antidepressant "
        "trials confirmed, as reported by the client.",
    )
    signature = Signature(
        clinician_id=tid,
        signer_name="Sam Ortiz" if tid == "th-ortiz" else "Riley Kim",
        credentials="PsyD" if tid == "th-ortiz" else "AMFT",
        role=SignatureRole.AUTHOR,
        signed_at=when,
        content_hash=addendum_content_hash(body),
        statement="Electronically signed by the author of this addendum.",
    )
    return evolve(s, addenda=(evolve(body, signature=signature),))


def _preparation(b: _Course) -> Session:
    start = b.at(3, 14)
    s = Session(
        id=b.sid("prep", 1),
        kind=SessionKind.PREPARATION,
        start=start,
        end=start + dt.timedelta(minutes=60),
        modality=Modality.TELEHEALTH,
        clinicians=(SessionClinician(clinician_id=_therapist(b), role=Role.THERAPIST),),
        intention="To meet the heaviness with curiosity instead of fear.",
        set_and_setting=SetAndSetting(
            mindset="hopeful, some apprehension",
            setting="treatment room, dim light",
            music="instrumental playlist",
            eyeshades=True,
            support_plan="partner drives home",
        ),
        narrative=Narrative(
            presenting_concerns="Preparing for first dosing session.",
            client_experience="Client described fear of 'losing control'; explored with reassurance.",
        ),
        interventions=(
            Mindfulness(
                practice="box breathing and body scan",
                response="settled within 5 minutes",
                minutes=15,
            ),
            Psychoeducation(topics=("Consent to touch", "What a dissociative state can feel like")),
        ),
        plan=Plan(next_steps=("First dosing session",), homework=("Practise breathing daily",)),
    )
    return _sign(s, b, start + dt.timedelta(hours=3))


def _vitals_timeline(
    b: _Course, t0: dt.datetime, esketamine: bool, hypertensive: bool
) -> Iterator[Vitals | Sedation | Dissociation | Observation | AdverseEvent]:
    rng = b.rng
    sys0, dia0, hr0 = rng.randint(112, 132), rng.randint(70, 84), rng.randint(62, 80)
    minutes = (0, 15, 30, 40, 60, 90, 120) if esketamine else (0, 15, 30, 45, 60, 90)
    for m in minutes:
        bump = 0 if m == 0 else max(0, 18 - abs(m - 30) // 3)
        extra = 12 if hypertensive and m in (30, 40, 45) else 0
        at = t0 + dt.timedelta(minutes=m)
        yield Vitals(
            at=at,
            systolic=sys0 + bump + extra,
            diastolic=dia0 + bump // 2 + extra // 2,
            heart_rate=hr0 + bump // 2,
            spo2=rng.randint(96, 99),
            respiratory_rate=rng.randint(12, 16),
        )
        if m in (15, 30):
            yield Sedation(at=at, score=4 if m == 15 else 5)
        if m == 40 or (m == 45 and not esketamine):
            yield Dissociation(at=at, total=rng.randint(8, 24))
        if m == 120 and esketamine:  # resolved before discharge (SPRAVATO REMS)
            yield Dissociation(at=at, total=0)
        if m == 30 and hypertensive:
            yield AdverseEvent(
                at=at,
                event="transient hypertension",
                action="repeat BP in 10 minutes; resolved without treatment",
                resolved_at=at + dt.timedelta(minutes=30),
            )
        if m == 60:
            yield Observation(
                at=at, text="Resting comfortably; eyeshades off; talking about childhood home."
            )


def _dose_day(b: _Course, k: int) -> int:
    """Course day of dosing session ``k``: weekly, but esketamine twice weekly (label induction:
    twice weekly in weeks 1-4, on days 0 and 3 of each week)."""
    if b.p.agent is Agent.ESKETAMINE:
        return 7 + ((k - 1) // 2) * 7 + ((k - 1) % 2) * 3
    return 7 + (k - 1) * 7


def _dosing(b: _Course, k: int, steps: int) -> Session:
    p = b.p
    day = _dose_day(b, k)
    start = b.at(day, 9)
    sid = b.sid("dose", k)
    t0 = start + dt.timedelta(minutes=20)
    esk = p.agent is Agent.ESKETAMINE
    # Titration: the first session starts at two thirds of the target dose (plus a booster).
    per_kg = p.dose_mg_per_kg * (2 / 3 if k == 1 else 1)
    dose = 56.0 if esk and k == 1 else 84.0 if esk else round(p.weight_kg * per_kg, 1)
    hyper = k == 2
    monitoring = tuple(_vitals_timeline(b, t0, esk, hyper))
    first = monitoring[0]
    assert isinstance(first, Vitals)
    pre = Vitals(
        at=start + dt.timedelta(minutes=10),
        systolic=first.systolic,
        diastolic=first.diastolic,
        heart_rate=first.heart_rate,
        spo2=98,
        respiratory_rate=14,
    )  # type: ignore[union-attr]
    end = start + dt.timedelta(minutes=180)
    last = [e for e in monitoring if isinstance(e, Vitals)][-1]
    closing = Vitals(  # the reading the discharge rests on, 10 minutes before it
        at=end - dt.timedelta(minutes=20),
        systolic=last.systolic,
        diastolic=last.diastolic,
        heart_rate=last.heart_rate,
        spo2=98,
        respiratory_rate=14,
    )
    at_risk = p.at_risk_session == k
    dosing = DosingRecord(
        agent=p.agent,
        route=p.route,
        dose_mg=dose,
        administered_at=t0,
        body_weight_kg=p.weight_kg,
        lot_number=f"LOT-{2600 + k}{b.idx}",
        infusion_minutes=40 if p.route is Route.IV else None,
        adjuncts=(
            Adjunct(
                name="ondansetron",
                dose=4,
                unit="mg",
                route=Route.SUBLINGUAL,
                reason="nausea prophylaxis",
            ),
        )
        if k == 1
        else (),
        preparation=Preparation(
            fasting_hours=6,
            medications_reviewed="sertraline 100 mg daily; no benzodiazepines today",
            si_screen="denies active SI"
            if not at_risk
            else "passive thoughts of death this week; no plan",
            consent_reviewed=True,
            consent_to_touch=True,
            go_decision=True,
        ),
        monitoring=(pre, *monitoring, closing),
        ordering_clinician_id="dr-ames",
        administering_clinician_id="dr-ames",
        monitoring_clinician_id="dr-ames",
        discharge=Discharge(
            at=end - dt.timedelta(minutes=10),
            criteria_met=True,
            criteria=(
                "MOAA/S 5",
                "vitals within 20% of baseline",
                "ambulates steadily",
                "nausea resolved",
            ),
            escort="Support person (synthetic)",
            escort_relationship="partner",
            transport="driven home",
        ),
    )
    s = Session(
        id=sid,
        kind=SessionKind.DOSING,
        start=start,
        end=end,
        modality=Modality.IN_PERSON,
        location="Treatment room A",
        clinicians=(
            SessionClinician(clinician_id="dr-ames", role=Role.PRESCRIBER),
            SessionClinician(clinician_id=_therapist(b), role=Role.THERAPIST),
            SessionClinician(clinician_id="rn-bell", role=Role.MONITOR),
        ),
        present=(PersonPresent(name="Support person (synthetic)", relationship="partner"),)
        if k == 1
        else (),
        intention=[
            "To meet the heaviness with curiosity.",
            "To listen to what my body needs.",
            "To forgive myself for the lost years.",
            "To notice moments of ease.",
        ][(k - 1) % 4],
        set_and_setting=SetAndSetting(
            setting="treatment room, dim light, weighted blanket",
            music="session playlist B",
            eyeshades=True,
        ),
        narrative=Narrative(
            client_experience=[
                "Described a 'vast quiet space' and images of the ocean; brief fear that passed with breathing.",
                "Felt heavy at first, then a sense of being held; tearful about father.",
                "Less vivid; noticed critical inner voice and could watch it from a distance.",
                "Calm, warm; 'I could see myself without the usual judgment.'",
            ][(k - 1) % 4],
            observations="Tolerated medicine well; brief nausea at onset."
            if k == 1
            else "Tolerated medicine well.",
            assessment="Session completed safely; dissociation moderate and time-limited.",
        ),
        risk=RiskAssessment(
            suicidal_ideation=Ideation.PASSIVE,
            level=RiskLevel.MODERATE,
            protective_factors=("children",),
        )
        if at_risk
        else None,
        interventions=(
            Mindfulness(
                practice="grounding: 5-4-3-2-1 senses", response="eased pre-dose anxiety", minutes=5
            ),
            SomaticWork(
                technique="supportive hand on shoulder (consented)",
                body_areas=("shoulder",),
                touch_used=True,
                response="settled",
                minutes=3,
            ),
        ),
        measures=b.measures(
            start, MeasureContext.PRE_DOSE, k, steps, sid, item9=1 if at_risk else 0
        ),
        plan=Plan(
            next_steps=(
                "Integration session in two days",
                f"Dosing session {k + 1} as scheduled" if k < b.dosings else
                "Review the course at follow-up",
            ),
        ),
        dosing=dosing,
    )
    if k == 1 and p.route is not Route.INTRANASAL:
        booster = Booster(
            at=t0 + dt.timedelta(minutes=25), dose_mg=10.0, reason="minimal effect at 20 minutes"
        )
        dosing2 = evolve(dosing, boosters=(booster,))
        s = evolve(s, dosing=dosing2)
    if k == 1:
        b.process_notes.append(
            PsychotherapyNote(
                id=f"pn-{sid}",
                session_id=sid,
                author_id=_therapist(b),
                written_at=end,
                text="Process note (synthetic): my countertransference when the client spoke of the father; explore next time.",
            )
        )
    return s


def _integration(b: _Course, k: int) -> Session:
    day = _dose_day(b, k) + 2
    start = b.at(day, 15)
    sid = b.sid("integ", k)
    cbt = CBTReframing(
        situation="Missed a deadline at work",
        automatic_thought="I always ruin everything; they'll see I'm useless.",
        emotions=(
            EmotionRating(emotion="shame", before=80, after=45),
            EmotionRating(emotion="anxiety", before=70, after=40),
        ),
        distortions=(Distortion.ALL_OR_NOTHING, Distortion.FORTUNE_TELLING, Distortion.LABELING),
        evidence_for=("The report was two days late",),
        evidence_against=("Manager thanked me for last month's work", "I flagged the delay early"),
        balanced_thought="I was late once and handled it responsibly; one delay does not define my work.",
        belief_before=85,
        belief_after=35,
        minutes=20,
    )
    integ = IntegrationWork(
        dosing_session_id=b.sid("dose", k),
        themes=("being held", "self-judgment"),
        insights=("The critical voice is old and not the whole of me",),
        meaning="Wants to treat self with the care offered to friends.",
        values=("kindness", "honesty"),
        commitments=(
            Commitment(
                text="Journal for ten minutes after waking", due=start.date() + dt.timedelta(days=7)
            ),
            Commitment(text="One walk with a friend this week"),
        ),
        practices=("morning journaling", "loving-kindness meditation"),
        reviewed_commitments=(
            CommitmentReview(
                commitment="Practise breathing daily",
                status=FollowThrough.PARTLY,
                notes="4 of 7 days",
            ),
        )
        if k == 1
        else (),
        minutes=30,
    )
    extra: tuple[Intervention, ...] = ()
    if b.p.pcl5_baseline is not None and k >= 2:
        extra = (
            Exposure(
                target="memory of the accident",
                method="imaginal exposure",
                suds_before=60,
                suds_peak=75,
                suds_after=35,
                minutes=20,
            ),
        )
    if b.idx % 4 == 1:
        extra += (
            MotivationalInterviewing(
                target_behavior="reduce evening alcohol",
                change_talk=("I sleep better when I skip it",),
                importance=7,
                confidence=5,
            ),
        )
    s = Session(
        id=sid,
        kind=SessionKind.INTEGRATION,
        start=start,
        end=start + dt.timedelta(minutes=55),
        modality=Modality.TELEHEALTH if k % 2 == 0 else Modality.IN_PERSON,
        clinicians=(SessionClinician(clinician_id=_therapist(b), role=Role.THERAPIST),),
        narrative=Narrative(
            presenting_concerns=f"Integration of dosing session {k}.",
            mental_status="Euthymic to mildly low mood; engaged; no SI reported.",
            assessment="Integrating themes of self-compassion; mood improving."
            if b.p.phq9_final < b.p.phq9_baseline - 6
            else "Limited change in mood; engaged in integration work.",
        ),
        interventions=(integ, cbt, *extra),
        plan=Plan(
            next_steps=(f"Dosing session {k + 1}" if k < b.dosings else "Follow-up in four weeks",),
            homework=("Journal daily", "Thought record when self-critical"),
        ),
    )
    return s


def _follow_up(b: _Course, steps: int) -> Session:
    day = 7 + b.dosings * 7 + 28
    start = b.at(day, 10)
    sid = b.sid("follow", 1)
    return Session(
        id=sid,
        kind=SessionKind.FOLLOW_UP,
        start=start,
        end=start + dt.timedelta(minutes=45),
        modality=Modality.TELEHEALTH,
        clinicians=(
            SessionClinician(clinician_id="dr-ames", role=Role.PRESCRIBER),
            SessionClinician(clinician_id=_therapist(b), role=Role.THERAPIST),
        ),
        narrative=Narrative(
            presenting_concerns="Four-week follow-up after the dosing series.",
            assessment="Gains maintained."
            if b.p.phq9_final < 10
            else "Partial response; discuss maintenance options.",
        ),
        plan=Plan(
            next_steps=("Monthly check-in", "Consider booster session if PHQ-9 rises by 5 or more")
        ),
        measures=b.measures(start, MeasureContext.FOLLOW_UP, steps - 1, steps, sid),
    )
