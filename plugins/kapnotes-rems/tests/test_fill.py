"""The form filled from the demo's first esketamine session, against hand-worked values."""

from __future__ import annotations

import datetime as dt

import pytest
from kapnotes_rems.context import form_input
from kapnotes_rems.fill import fill
from kapnotes_rems.forms import FIRST_TREATMENT, V2021_11, version_for
from rems_fixtures import answers, demo, rems_demo, rems_plugin, synthetic_demo  # noqa: F401 - fixtures

from kapnotes.model import evolve
from kapnotes.rules.config import ClinicConfig

CONFIG = ClinicConfig.default()


def _input(doc, session_id, **session_changes):
    ci, course = next((i, c) for i, c in enumerate(doc.courses)
                      if any(s.id == session_id for s in c.sessions))
    si, session = next((i, s) for i, s in enumerate(course.sessions) if s.id == session_id)
    session = evolve(session, **session_changes)
    course = evolve(course, sessions=tuple(session if s.id == session_id else s
                                           for s in course.sessions))
    return form_input(session, f"$.courses[{ci}].sessions[{si}]", config=CONFIG, course=course,
                      course_path=f"$.courses[{ci}]", clinic=doc.clinic, clients=doc.clients,
                      clinicians=doc.clinicians)


def test_every_field_of_the_first_session_by_hand(rems_demo):
    filled = fill(V2021_11, _input(rems_demo, "cl-004-dose-01"))
    got = {v.field.key: v.value for v in filled.values}
    assert got == {
        "patient.first_name": "Morgan", "patient.middle_initial": None,
        "patient.last_name": "Fictional", "patient.birthdate": "01/30/1968",
        "patient.sex": "Other",  # intersex: the form's boxes are Male / Female / Other
        "concomitant.benzodiazepines": "Yes", "concomitant.sedative_hypnotics": "No",
        "concomitant.psychostimulants": "No", "concomitant.maois": "No",
        "provider.first_name": "Lee", "provider.last_name": "Ames",
        "provider.telephone": "555-0101", "provider.email": "lee.ames@example.org",
        "setting.name": "Juniper Ridge Integrative Psychiatry (synthetic)",
        "setting.address_1": "100 Example Way, Suite 2", "setting.address_2": None,
        "setting.city": "Springfield", "setting.state": "CO", "setting.zip": "80000",
        "treatment.date": "02/02/2026", "treatment.dose": "56 mg",
        "treatment.lot_number": "LOT-26013",
        "treatment.total_minutes": "150",  # 09:20 first device -> 11:50 discharge
        "treatment.ready_to_leave_minutes": "100",
        "vitals.acceptable_before_administration": "Yes",
        "vitals.acceptable_before_completion": "Yes",
        "bp.before_administration": "132/80",  # the reading at the first device (0 min)
        "bp.at_40_minutes": "147/87",  # 40 min
        "bp.before_completion": "132/80",  # 140 min, 10 min before discharge
        "experience.sedation": "Yes",  # MOAA/S 4 at 15 min
        "experience.dissociation": "Yes",  # the clinician's answer
        "experience.respiratory_depression": "No",  # SpO2 96-99 % after the dose, none < 93
    }
    assert filled.complete
    assert filled.due_on == dt.date(2026, 2, 9)
    assert filled.value("treatment.dose").detail == "2 device(s) of 28 mg"
    assert filled.value("bp.at_40_minutes").path == "$.courses[3].sessions[2].dosing.monitoring[6]"
    assert "CADSS 12, 0" in filled.value("experience.dissociation").detail


def test_a_missing_bp_before_completion_is_reported_at_the_monitoring_timeline(rems_demo):
    # drop the readings at 120 and 140 min: the last BP (90 min) is 60 min before discharge,
    # outside the clinic's 30-minute window before completion
    _c, s = rems_demo.find_session("cl-004-dose-02")
    d = s.dosing
    kept = tuple(e for e in d.monitoring if d.minutes_after_dose(e.at) < 100)
    filled = fill(V2021_11, _input(rems_demo, s.id, dosing=evolve(d, monitoring=kept)))
    missing = {v.field.key: v.path for v in filled.missing}
    assert missing == {"bp.before_completion": "$.courses[3].sessions[4].dosing.monitoring"}


def test_without_answers_each_missing_answer_points_at_its_extension_field(demo):
    filled = fill(V2021_11, _input(demo, "cl-004-dose-01"))
    missing = {v.field.key: v.path for v in filled.missing}
    base = "$.courses[3].sessions[2]"
    assert missing["treatment.ready_to_leave_minutes"] == f"{base}.extensions.rems.ready_to_leave_minutes"
    assert missing["experience.dissociation"] == f"{base}.extensions.rems.dissociation"
    # no pre-screen in the session: the intake's reviewed list (sertraline only) answers
    assert "concomitant.maois" not in missing
    maoi = filled.value("concomitant.maois")
    assert (maoi.value, maoi.path) == ("No", "$.courses[3].sessions[0].pre_screen.medications")
    assert missing["provider.telephone"] == "$.clinicians[0].extensions.rems.telephone"
    assert "experience.respiratory_depression" not in missing  # derived from SpO2
    assert "experience.sedation" not in missing


@pytest.mark.parametrize(("spo2", "answer", "expected"), [
    (93, None, "No"),  # at the limit: not below
    (92, None, "Yes"),  # below 93 %
    (92, False, "No"),  # the clinician's answer wins
])
def test_respiratory_depression_boundary(rems_demo, spo2, answer, expected):
    _c, s = rems_demo.find_session("cl-004-dose-01")
    monitoring = tuple(
        evolve(e, spo2=spo2) if getattr(e, "spo2", None) is not None and e.at > s.dosing.administered_at
        and s.dosing.minutes_after_dose(e.at) == 60 else e
        for e in s.dosing.monitoring
    )
    inp = _input(rems_demo, "cl-004-dose-01", dosing=evolve(s.dosing, monitoring=monitoring),
                 extensions={"rems": answers(respiratory_depression=answer)})
    assert fill(V2021_11, inp).value("experience.respiratory_depression").value == expected


def test_an_84_mg_dose_and_another_dose(rems_demo):
    _c, s = rems_demo.find_session("cl-004-dose-03")
    assert fill(V2021_11, _input(rems_demo, s.id)).value("treatment.dose").value == "84 mg"
    other = _input(rems_demo, s.id, dosing=evolve(s.dosing, dose_mg=28.0))
    assert fill(V2021_11, other).value("treatment.dose").value == "Other: 28 mg"


def test_the_version_in_force_by_date():
    assert version_for(dt.date(2021, 10, 31)) is None
    assert version_for(dt.date(2021, 11, 1)) is V2021_11
    assert version_for(dt.date(2026, 2, 2)) is V2021_11  # the later one needs a configured date
    start = {"first-treatment": dt.date(2026, 2, 3)}
    assert version_for(dt.date(2026, 2, 2), configured_from=start) is V2021_11
    assert version_for(dt.date(2026, 2, 3), configured_from=start) is FIRST_TREATMENT


def test_first_treatment_question(rems_demo):
    first = fill(FIRST_TREATMENT, _input(rems_demo, "cl-004-dose-01"))
    assert first.value("patient.first_treatment").value == "Yes"
    assert first.value("patient.enrolled").value == "Yes"
    later = fill(FIRST_TREATMENT, _input(rems_demo, "cl-004-dose-02"))
    assert later.value("patient.first_treatment").value == "No"
    assert later.value("patient.enrolled").value is None  # asked at the first treatment only
    assert not later.value("patient.enrolled").field.required
