"""The shared building blocks: value formatting, CBT table, monitoring timeline, fallback
rendering of plugin interventions, signatures, addenda, measures and plugin extras."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

import attrs
import pytest

from kapnotes.model import (
    Agent,
    CBTReframing,
    ConsentKind,
    Distortion,
    EmotionRating,
    Intervention,
    MeasureAdministration,
    MeasureContext,
    Modality,
    NoteStatus,
    Route,
    Session,
    SessionKind,
    SignatureRole,
    Vitals,
)
from kapnotes.notes import blocks
from kapnotes.notes.document import Fields, Figure, Note, Paragraph, Table
from kapnotes.notes.format import NoteContext
from kapnotes.notes.formats import BUILTIN_SPECS, girp, integration, kap_dosing, pirp, soap

from . import fixtures
from .leaves import note_text

MST = dt.timezone(dt.timedelta(hours=-7))


def _tables(note: Note, columns: tuple[str, ...]) -> list[Table]:
    return [
        b for s in note.sections for b in s.blocks if isinstance(b, Table) and b.columns == columns
    ]


def _fields(note: Note) -> dict[str, str]:
    return {k: v for s in note.sections for b in s.blocks if isinstance(b, Fields) for k, v in b.items}


# --- value formatting ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (True, "Yes"),
        (False, "No"),
        (51.0, "51"),
        (0.75, "0.75"),
        (70.4, "70.4"),
        (7, "7"),
        (dt.datetime(2026, 1, 12, 9, 20, tzinfo=MST), "2026-01-12 09:20 -07:00"),
        (dt.datetime(2026, 1, 12, 9, 20, tzinfo=dt.timezone(dt.timedelta(hours=5, minutes=30))),
         "2026-01-12 09:20 +05:30"),
        (dt.datetime(2026, 1, 12, 9, 20, tzinfo=dt.timezone.utc), "2026-01-12 09:20 +00:00"),
        (dt.date(2026, 1, 12), "2026-01-12"),
        (Route.IM, "IM"),
        (Agent.KETAMINE, "Ketamine (racemic)"),
        (Modality.AT_HOME_CHAPERONED, "At home (chaperoned)"),
        (SessionKind.FOLLOW_UP, "Follow-up"),
        (SessionKind.DOSING, "Dosing"),
        (MeasureContext.PRE_DOSE, "Pre-dose"),
        (ConsentKind.KAP_INFORMED_CONSENT, "KAP informed consent"),
        (SignatureRole.COSIGNER, "co-signer (supervisor)"),
        (Distortion.MAGNIFICATION_MINIMIZATION, "Magnification/minimization"),
        (NoteStatus.AMENDED, "Amended"),
        (("a", "", "b"), "a; b"),
    ],
)
def test_format_value(value: object, text: str) -> None:
    assert blocks.format_value(value) == text


def test_format_value_of_an_attrs_object_lists_its_populated_fields() -> None:
    e = EmotionRating(emotion="shame", before=80)
    assert blocks.format_value(e) == "Emotion: shame, Before: 80"


def test_enum_labels_do_not_collide_across_enums_with_equal_values() -> None:
    from kapnotes.model import RiskLevel, Severity

    assert blocks.format_value(RiskLevel.MODERATE) == blocks.format_value(Severity.MODERATE)
    assert blocks.format_value(MeasureContext.FOLLOW_UP) == "Follow-up"


def test_format_span() -> None:
    start = dt.datetime(2026, 1, 12, 9, 0, tzinfo=MST)
    assert blocks.format_span(start, start + dt.timedelta(minutes=75)) == "09:00–10:15 -07:00"
    assert blocks.format_span(start, None) == "09:00 -07:00"
    late = start + dt.timedelta(hours=16)
    assert blocks.format_span(start, late) == "2026-01-12 09:00 -07:00 – 2026-01-13 01:00 -07:00"


def test_datetimes_in_notes_use_the_one_format(dosing_ctx: NoteContext) -> None:
    note = soap.SPEC.build(dosing_ctx)
    assert _fields(note)["Time given"] == "2026-01-12 09:30 -07:00"
    assert _fields(note)["Next session"] == "2026-01-14 15:00 -07:00"


# --- the session facts, letterhead, banner ------------------------------------------------------


def test_facts(dosing_ctx: NoteContext) -> None:
    facts = dict(soap.SPEC.build(dosing_ctx).facts)
    assert facts["Date"] == "2026-01-12"
    assert facts["Time"] == "09:00–12:10 -07:00"
    assert facts["Duration"] == "190 min"
    assert facts["Session type"] == "Dosing"
    assert facts["Modality"] == "At home (chaperoned)"
    assert facts["Clinicians"] == (
        "Dr. Lee Ames, MD (Prescriber); Riley Kim, AMFT (Therapist); Alex Bell, RN (Monitor)"
    )
    assert facts["People present"] == "Chaperone Placeholder (sibling)"
    assert facts["Note status"] == "Amended"


def test_letterhead_and_banner(dosing_ctx: NoteContext) -> None:
    note = soap.SPEC.build(dosing_ctx)
    assert note.letterhead.clinic_name == "Aspen Hollow Ketamine Clinic (synthetic)"
    assert note.letterhead.lines == (
        "12 Fictional Road", "Testville, CO 80001", "Phone 555-0142", "NPI 1234567893"
    )
    assert (note.patient.name, note.patient.mrn) == ("Quinn Testcase", "TEST-900001")
    assert note.patient.date_of_birth == dt.date(1980, 5, 17)
    assert note.created == fixtures.at(17, 0)
    assert note.subject == "KAP dosing session 2026-01-12"


def test_without_clinic_client_or_clinicians_the_ids_are_shown(dosing_session: Session) -> None:
    note = soap.SPEC.build(NoteContext(session=dosing_session))
    assert note.letterhead.clinic_name == ""
    assert note.patient.name == ""
    assert "th-kim (Therapist)" in dict(note.facts)["Clinicians"]
    # an unknown author is named by the signature of the addendum, else by the id
    assert (note.addenda[0].author, note.addenda[0].credentials) == ("Riley Kim", "AMFT")
    unsigned = attrs.evolve(dosing_session.addenda[0], signature=None)
    bare = attrs.evolve(dosing_session, addenda=(unsigned,))
    assert soap.SPEC.build(NoteContext(session=bare)).addenda[0].author == "th-kim"


# --- interventions ------------------------------------------------------------------------------


def test_cbt_reframing_is_a_structured_table(dosing_ctx: NoteContext) -> None:
    note = soap.SPEC.build(dosing_ctx)
    (t,) = _tables(note, blocks.CBT_COLUMNS)
    assert t.columns == (
        "Situation",
        "Automatic thought",
        "Emotions (0–100, before → after)",
        "Distortions",
        "Evidence for",
        "Evidence against",
        "Balanced thought",
        "Belief in thought (0–100, before → after)",
    )
    row = dict(zip(t.columns, t.rows[0], strict=False))
    assert row["Situation"] == "Sister cancelled the Sunday call"
    assert row["Emotions (0–100, before → after)"] == "loneliness 85 → 55\nirritation 40 → 20"
    assert row["Distortions"] == "Overgeneralization\nMind reading\nPersonalization/blame"
    assert row["Evidence against"] == "She rescheduled both times\nA colleague invited me to lunch"
    assert row["Belief in thought (0–100, before → after)"] == "90 → 35"
    assert t.caption == "CBT reframing: thought record (18 min)"


def test_cbt_row_without_after_ratings() -> None:
    cbt = CBTReframing(situation="s", automatic_thought="t",
                       emotions=(EmotionRating(emotion="fear", before=60),), belief_before=70)
    row = blocks.cbt_row(cbt)
    assert row[2] == "fear 60"
    assert row[7] == "70"


def test_cbt_table_in_every_format(dosing_ctx: NoteContext, integration_ctx: NoteContext) -> None:
    for spec in BUILTIN_SPECS:
        ctx = integration_ctx if spec is integration.SPEC else dosing_ctx
        assert len(_tables(spec.build(ctx), blocks.CBT_COLUMNS)) == 1, spec.name


def test_integration_work(integration_ctx: NoteContext) -> None:
    note = integration.SPEC.build(integration_ctx)
    themes = note.section("themes")
    fields = dict(next(b for b in themes.blocks if isinstance(b, Fields)).items)
    assert fields["Themes"] == "returning to the body; grief for lost time"
    assert fields["Dosing session integrated"] == (
        "ses-full-dose (2026-01-12; Ketamine (racemic) 52.5 mg IM (0.75 mg/kg))"
    )
    commitments = note.section("commitments")
    tables = {b.caption: b for b in commitments.blocks if isinstance(b, Table)}
    assert tables["Commitments"].rows == (
        ("Evening walk three times", "2026-01-19"),
        ("Text one friend each week", "2026-01-26"),
    )
    assert tables["Follow-through on earlier commitments"].rows == (
        ("Write three intentions", "Done", "Brought them written in a notebook"),
    )


@attrs.frozen(kw_only=True)
class BreathRetention(Intervention):
    """A clinic's own intervention type, as a plugin would define it."""

    type: ClassVar[str] = "clinic_breath_retention"
    label: ClassVar[str] = "Breath retention (clinic protocol)"

    pattern: str
    rounds: int | None = None
    cues: tuple[str, ...] = ()
    first_rating: EmotionRating | None = None


def test_a_plugin_intervention_appears_through_the_fallback(dosing_session: Session) -> None:
    custom = BreathRetention(pattern="box 4-4-4-4", rounds=6, cues=("count aloud", "hand on belly"),
                             first_rating=EmotionRating(emotion="calm", before=30, after=70),
                             minutes=9, notes="Client chose the pace.")
    ctx = fixtures.context(attrs.evolve(dosing_session, interventions=(custom,)))
    for spec in BUILTIN_SPECS:
        fields = _fields(spec.build(ctx))
        assert fields["Intervention"] == "Breath retention (clinic protocol)", spec.name
        assert fields["Pattern"] == "box 4-4-4-4"
        assert fields["Rounds"] == "6"
        assert fields["Cues"] == "count aloud; hand on belly"
        assert fields["First rating"] == "Emotion: calm, Before: 30, After: 70"
        assert fields["Duration (min)"] == "9"
        assert fields["Notes"] == "Client chose the pace."


def test_a_plugin_subclass_of_cbt_keeps_the_table_and_its_own_fields() -> None:
    @attrs.frozen(kw_only=True)
    class CBTWithHomework(CBTReframing):
        type: ClassVar[str] = "cbt_homework"
        homework: str | None = None

    cbt = CBTWithHomework(situation="s", automatic_thought="t", homework="log two thoughts")
    out = blocks.render_intervention(NoteContext(session=fixtures.previous_dosing_session()), cbt)
    assert isinstance(out[0], Table)
    assert out[0].columns == blocks.CBT_COLUMNS
    assert Fields((("Homework", "log two thoughts"),)) in out


# --- the dosing record ---------------------------------------------------------------------------


def _timeline(note: Note) -> Table:
    (t,) = _tables(note, blocks.TIMELINE_COLUMNS)
    return t


def test_the_monitoring_timeline_is_one_table_with_minutes_since_the_dose(
    dosing_ctx: NoteContext,
) -> None:
    t = _timeline(kap_dosing.SPEC.build(dosing_ctx))
    rows = {r[0]: dict(zip(t.columns, r, strict=False)) for r in t.rows}
    # vitals 40 minutes after the 09:30 dose, with the CADSS rating taken at the same time
    assert rows["40"]["Time"] == "10:10"
    assert rows["40"]["BP (mmHg)"] == "133/84"
    assert (rows["40"]["HR (/min)"], rows["40"]["SpO2 (%)"], rows["40"]["RR (/min)"]) == (
        "77", "99", "15")
    assert rows["40"]["CADSS"] == "23 (CADSS-6)"  # the short form is named
    # pre-dose vitals are negative; the adjunct given then is an event of the same row
    assert rows["-10"]["BP (mmHg)"] == "124/79"
    assert rows["-10"]["Events / notes"] == "Adjunct: ondansetron 4 mg Oral"
    assert rows["15"]["MOAA/S"] == "4"
    assert rows["0"]["Events / notes"] == (
        "Dose given: Ketamine (racemic) 52.5 mg IM (0.75 mg/kg), infused over 12 min"
    )
    assert rows["20"]["Events / notes"] == (
        "Adverse event: nausea (Moderate); action: ondansetron repeated, emesis basin offered; "
        "resolved 2026-01-12 10:05 -07:00"
    )
    assert rows["25"]["Events / notes"] == "Booster: 12.5 mg IM (little effect after 25 minutes)"
    assert rows["60"]["Events / notes"] == "Observation: Humming along to the music; hands relaxed."
    assert rows["75"]["Events / notes"] == (
        "Chaperone check-in (Chaperone Placeholder): Concern; called the clinician about chills; "
        "settled"
    )
    assert rows["145"]["Events / notes"] == "Discharge (criteria met)"
    assert [r[0] for r in t.rows] == ["-10", "0", "15", "20", "25", "40", "60", "75", "145"]


def test_the_timeline_dates_rows_of_another_day(dosing_session: Session) -> None:
    assert dosing_session.dosing is not None
    late = Vitals(at=fixtures.at(0, 30, dt.date(2026, 1, 13)), heart_rate=70)
    d = attrs.evolve(dosing_session.dosing, monitoring=(*dosing_session.dosing.monitoring, late),
                     discharge=None)
    s = attrs.evolve(dosing_session, dosing=d, end=fixtures.at(1, 0, dt.date(2026, 1, 13)))
    t = _timeline(kap_dosing.SPEC.build(fixtures.context(s)))
    assert t.rows[-1][:2] == ("900", "2026-01-13 00:30 -07:00")


def test_two_vitals_at_the_same_moment_get_two_rows(dosing_session: Session) -> None:
    assert dosing_session.dosing is not None
    first = dosing_session.dosing.monitoring[0]
    again = Vitals(at=first.at, heart_rate=99)
    d = attrs.evolve(dosing_session.dosing,
                     monitoring=(first, again, *dosing_session.dosing.monitoring[1:]))
    t = _timeline(kap_dosing.SPEC.build(fixtures.context(attrs.evolve(dosing_session, dosing=d))))
    assert [r[3] for r in t.rows if r[0] == "-10"] == ["71", "99"]


def test_medicine(dosing_ctx: NoteContext) -> None:
    note = kap_dosing.SPEC.build(dosing_ctx)
    fields = dict(next(b for b in note.section("medicine").blocks if isinstance(b, Fields)).items)
    assert fields == {
        "Agent": "Ketamine (racemic)",
        "Route": "IM",
        "Dose": "52.5 mg",
        "Body weight": "70.4 kg",
        "Dose per body weight": "0.75 mg/kg",
        "Time given": "2026-01-12 09:30 -07:00",
        "Lot number": "LOT-SYN-7731",
        "Infusion duration": "12 min",
        "Total dose incl. boosters": "65 mg",
        "Ordered by": "Dr. Lee Ames",
        "Administered by": "Alex Bell",
        "Monitored by": "Riley Kim",
    }
    tables = {b.caption: b for b in note.section("medicine").blocks if isinstance(b, Table)}
    assert tables["Boosters"].rows == (
        ("2026-01-12 09:55 -07:00", "25", "12.5 mg", "IM", "LOT-SYN-7732",
         "little effect after 25 minutes"),
    )
    assert tables["Adjunct medications"].rows == (
        ("ondansetron", "4 mg", "Oral", "2026-01-12 09:20 -07:00", "history of motion sickness"),
    )


def test_kap_dosing_sections(dosing_ctx: NoteContext) -> None:
    note = kap_dosing.SPEC.build(dosing_ctx)
    assert [s.heading for s in note.sections] == [
        "Consent and preparation",
        "Baseline",
        "Medicine",
        "Monitoring timeline",
        "Adverse events",
        "Client experience",
        "Interventions",
        "Discharge readiness and escort",
        "Assessment",
        "Integration plan",
        "Time and services",
    ]
    assert note.title == "KAP dosing session record"
    baseline = _fields(note)
    assert baseline["Pre-dose vitals"] == (
        "BP 124/79 mmHg, HR 71/min, SpO2 98%, RR 14/min (09:20, -10 min)"
    )
    assert baseline["SI screen"] == "denies SI since last session"
    assert baseline["Consent to touch (this session)"] == "Yes"
    discharge = dict(next(b for b in note.section("discharge").blocks
                          if isinstance(b, Fields)).items)
    assert discharge["Escort"] == "Chaperone Placeholder (sibling)"
    assert discharge["Observed after the dose"] == "145 min"
    (ae,) = [b for b in note.section("adverse_events").blocks if isinstance(b, Table)]
    assert ae.rows == (("20", "09:50", "nausea", "Moderate",
                        "ondansetron repeated, emesis basin offered", "2026-01-12 10:05 -07:00"),)


def test_kap_dosing_without_adverse_events_says_so(dosing_session: Session) -> None:
    assert dosing_session.dosing is not None
    quiet = tuple(e for e in dosing_session.dosing.monitoring if e.type != "adverse_event")
    s = attrs.evolve(dosing_session, dosing=attrs.evolve(dosing_session.dosing, monitoring=quiet))
    note = kap_dosing.SPEC.build(fixtures.context(s))
    # the adjunct (ondansetron) is named beside "no adverse events"
    assert note.section("adverse_events").blocks == (Paragraph(
        "No adverse events recorded. Adjunct medication given: ondansetron 4 mg "
        "(history of motion sickness)."),)
    bare = attrs.evolve(s, dosing=attrs.evolve(s.dosing, adjuncts=()))
    note = kap_dosing.SPEC.build(fixtures.context(bare))
    assert note.section("adverse_events").blocks == (Paragraph("No adverse events recorded."),)


def test_consents_on_file(dosing_ctx: NoteContext) -> None:
    note = kap_dosing.SPEC.build(dosing_ctx)
    (t,) = [b for b in note.section("consent").blocks
            if isinstance(b, Table) and b.caption == "Consents on file"]
    status = {r[0]: r[1] for r in t.rows}
    assert status == {
        "KAP informed consent": "in force",
        "Consent to touch": "in force",
        "Recording": "not in force",
        "Other: Music streaming account use": "refused",
    }
    assert t.rows[0][2] == "2026-01-02"  # the KAP informed consent date
    assert not any(isinstance(b, Paragraph) and b.label == "Consent"
                   for b in note.section("consent").blocks)


def test_missing_kap_consent_is_pointed_out(dosing_session: Session) -> None:
    ctx = fixtures.context(dosing_session)
    ctx = attrs.evolve(ctx, course=attrs.evolve(ctx.course, consents=()))
    note = kap_dosing.SPEC.build(ctx)
    assert Paragraph("No KAP informed consent in force on the session date.", "Consent") in (
        note.section("consent").blocks
    )


# --- measures -----------------------------------------------------------------------------------


def _measure_rows(note: Note) -> dict[str, dict[str, str]]:
    (t,) = _tables(note, blocks.MEASURE_COLUMNS)
    return {r[0]: dict(zip(t.columns, r, strict=False)) for r in t.rows}


def test_an_unregistered_instrument_shows_raw_items_and_not_scored(dosing_ctx: NoteContext) -> None:
    row = _measure_rows(soap.SPEC.build(dosing_ctx))["clinic-wellbeing"]
    assert row["Total"] == "not scored"
    assert row["Flags"] == "instrument not registered"
    assert row["Item responses"] == "3, –, 7"
    assert row["Details"] == "Respondent: Clinician\nadministered by Riley Kim, AMFT\nClinic's own scale."


def test_a_registered_instrument_is_scored(dosing_ctx: NoteContext) -> None:
    if blocks.instrument("phq9") is None:
        pytest.skip("the instrument registry is not available yet (a built-in plugin is missing)")
    row = _measure_rows(soap.SPEC.build(dosing_ctx))["PHQ-9"]
    assert (row["Total"], row["Band"]) == ("13", "moderate")
    assert "item 9" in row["Flags"]
    assert row["Item responses"] == "2, 1, 3, 2, 0, 1, 2, 1, 1"
    assert row["When"] == "2026-01-12 09:05 -07:00"
    assert row["Context"] == "Pre-dose"


def test_responses_that_cannot_be_scored_are_shown_with_why(dosing_session: Session) -> None:
    if blocks.instrument("phq9") is None:
        pytest.skip("the instrument registry is not available yet (a built-in plugin is missing)")
    bad = MeasureAdministration(id="m-bad", instrument="phq9", administered_at=fixtures.at(9),
                                items=(9, 9))
    ctx = fixtures.context(attrs.evolve(dosing_session, measures=(bad,)))
    row = _measure_rows(soap.SPEC.build(ctx))["PHQ-9"]
    assert row["Total"] == "not scored"
    assert row["Flags"].startswith("cannot be scored: ")
    assert row["Item responses"] == "9, 9"


# --- course views -------------------------------------------------------------------------------


def test_girp_goals_come_from_the_course(dosing_ctx: NoteContext) -> None:
    note = girp.SPEC.build(dosing_ctx)
    (t,) = [b for b in note.section("goal").blocks if isinstance(b, Table)]
    assert t.caption == "Treatment goals"
    expected_total = "13" if blocks.instrument("phq9") is not None else "not scored"
    assert t.rows[0] == ("PHQ-9 below 10", blocks.instrument_title("phq9"), "9", "2026-04-01",
                         expected_total)
    assert t.rows[1] == ("Sleep through to 6 am most nights", "—", "—", "—", "—")


def test_pirp_problems_are_indications_and_presenting_concerns(dosing_ctx: NoteContext) -> None:
    note = pirp.SPEC.build(dosing_ctx)
    problem = note.section("problem")
    (t,) = [b for b in problem.blocks if isinstance(b, Table) and b.caption == "Indications"]
    assert t.rows == (("F33.1", "Major depressive disorder, recurrent, moderate", "primary"),
                      ("F41.1", "Generalized anxiety disorder", ""))
    assert Paragraph("Low energy and early waking for six weeks.", "Presenting concerns") in (
        problem.blocks
    )


def test_integration_note_summarises_the_linked_dosing_session(
    integration_ctx: NoteContext,
) -> None:
    note = integration.SPEC.build(integration_ctx)
    assert [s.key for s in note.sections] == [
        "dosing_session", "intention", "presentation", "themes", "cbt", "commitments",
        "other_interventions", "clinic_fields", "assessment", "plan", "billing",
    ]
    linked = dict(note.section("dosing_session").blocks[0].items)  # type: ignore[union-attr]
    assert linked["Session"] == "ses-full-dose"
    assert linked["Date"] == "2026-01-12"
    assert linked["Medicine"] == "Ketamine (racemic) 52.5 mg IM (0.75 mg/kg)"
    assert linked["Total dose incl. boosters"] == "65 mg"
    assert linked["Client experience (dosing session)"] == (
        "Felt 'lighter than air' and saw a lake at dawn."
    )
    intention = note.section("intention").blocks
    assert intention[0] == Paragraph(
        "To notice the tightness in my chest without running from it.",
        "Intention for the dosing session",
    )


def test_integration_falls_back_to_the_last_earlier_dosing_session(
    integration_session: Session,
) -> None:
    unlinked = tuple(i for i in integration_session.interventions if i.type != "integration")
    ctx = fixtures.context(attrs.evolve(integration_session, interventions=unlinked))
    note = integration.SPEC.build(ctx)
    assert dict(note.section("dosing_session").blocks[0].items)["Session"] == "ses-full-dose"  # type: ignore[union-attr]


def test_integration_without_a_course_says_no_dosing_session(integration_session: Session) -> None:
    note = integration.SPEC.build(NoteContext(session=integration_session))
    assert note.section("dosing_session").blocks == (
        Paragraph("No dosing session to integrate was found in the course."),
    )


# --- signatures, status, addenda ----------------------------------------------------------------


def test_signed_note(dosing_ctx: NoteContext) -> None:
    note = soap.SPEC.build(dosing_ctx)
    assert note.status == "amended"
    assert note.author == "Riley Kim"
    author, cosigner, attestation = note.signatures
    # the ordering prescriber has not attested yet: the line is there, unsigned
    assert (attestation.signer, attestation.role, attestation.signed_at) == (
        "Dr. Lee Ames", "prescriber attestation", None)
    assert (author.signer, author.credentials, author.role) == ("Riley Kim", "AMFT", "author")
    assert author.signed_at == fixtures.at(14, 12)
    assert author.content_hash == fixtures.HASH_A
    assert cosigner.role == "co-signer (supervisor)"
    assert cosigner.statement == "Reviewed and co-signed by the supervisor."


def test_a_draft_has_status_draft_and_unsigned_blocks(dosing_session: Session) -> None:
    draft = attrs.evolve(dosing_session, status=NoteStatus.DRAFT, signatures=(), addenda=())
    for spec in BUILTIN_SPECS:
        note = spec.build(fixtures.context(draft))
        assert note.status == "draft"
        assert note.is_draft
        assert all(s.signed_at is None and s.content_hash is None for s in note.signatures)
        # the author is pre-licensed, so the supervisor's co-signature is expected too
        assert [(s.signer, s.role) for s in note.signatures] == [
            ("Riley Kim", "author"), ("Sam Ortiz", "co-signer (supervisor)"),
            ("Dr. Lee Ames", "prescriber attestation")]
        assert dict(note.facts)["Note status"] == "Draft"
        assert note.addenda == ()


def test_a_draft_without_clinicians_still_has_an_author_line() -> None:
    s = Session(id="bare", kind=SessionKind.INTAKE, start=fixtures.at(9))
    (block,) = soap.SPEC.build(NoteContext(session=s)).signatures
    assert (block.role, block.signed_at) == ("author", None)


def test_addenda(dosing_ctx: NoteContext) -> None:
    note = soap.SPEC.build(dosing_ctx)
    first, second = note.addenda
    assert (first.kind, first.author, first.credentials) == ("addendum", "Riley Kim", "AMFT")
    assert first.written_at == fixtures.at(8, 15, dt.date(2026, 1, 13))
    assert first.signature is not None and first.signature.content_hash == fixtures.HASH_C
    assert (second.kind, second.author, second.reason) == (
        "amendment", "Sam Ortiz", "Transcription error in the lot number")


# --- what plugins add through ctx.extra ---------------------------------------------------------


@attrs.frozen
class Finding:
    severity: str
    code: str
    message: str
    path: str


def test_findings_and_figures_from_plugins(dosing_session: Session) -> None:
    finding = Finding("blocking", "phq9-item9-no-safety-plan",
                      "PHQ-9 item 9 > 0 and no safety plan", "$.measures[0].items[8]")
    figure = Figure(image=b"\x89PNG fake", caption="PHQ-9 over the course")
    ctx = fixtures.context(dosing_session, findings=[finding], figures=[figure])
    for spec in BUILTIN_SPECS:
        note = spec.build(ctx)
        assert note.sections[0].heading == "Safety findings"
        (t,) = note.sections[0].blocks
        assert isinstance(t, Table)
        assert t.rows == (("blocking", "phq9-item9-no-safety-plan",
                           "PHQ-9 item 9 > 0 and no safety plan", "$.measures[0].items[8]"),)
        assert note.sections[-1].heading == "Figures"
        assert note.sections[-1].blocks == (figure,)


def test_no_findings_no_section(dosing_ctx: NoteContext) -> None:
    keys = [s.key for s in soap.SPEC.build(dosing_ctx).sections]
    assert keys == ["subjective", "objective", "assessment", "plan", "billing"]


def test_figures_must_be_figure_blocks(dosing_session: Session) -> None:
    ctx = fixtures.context(dosing_session, figures=["chart.png"])
    with pytest.raises(TypeError, match="Figure"):
        soap.SPEC.build(ctx)


def test_psychotherapy_notes_are_never_in_a_note() -> None:
    from kapnotes.synthetic import build_document

    doc = build_document(clients=1, dosings=1, with_process_notes=True)
    (pn,) = doc.psychotherapy_notes
    course, session = doc.find_session(pn.session_id)
    ctx = NoteContext(session=session, course=course)
    for spec in BUILTIN_SPECS:
        assert pn.text not in note_text(spec.build(ctx))
