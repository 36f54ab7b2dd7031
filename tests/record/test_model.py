"""Invariants of the domain model are checked where objects are made, all at once."""

from __future__ import annotations

import datetime as dt

import attrs
import pytest

from kapnotes.errors import ModelError
from kapnotes.model import (
    Addendum,
    AddendumKind,
    Agent,
    CBTReframing,
    Client,
    Clinician,
    Consent,
    ConsentKind,
    DosingRecord,
    Exposure,
    Indication,
    MeasureAdministration,
    PersonName,
    Role,
    Route,
    Session,
    SessionKind,
    TreatmentCourse,
    Vitals,
    identifier_fields,
)
from kapnotes.model.people import valid_npi

TZ = dt.timezone(dt.timedelta(hours=-5))
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=TZ)


def paths(exc: pytest.ExceptionInfo[ModelError]) -> list[str]:
    return [p.path for p in exc.value.problems]


def test_session_end_before_start_and_dosing_on_intake_are_both_reported():
    dosing = DosingRecord(agent=Agent.KETAMINE, route=Route.IM, dose_mg=50.0, administered_at=T0)
    with pytest.raises(ModelError) as exc:
        Session(
            id="s1",
            kind=SessionKind.INTAKE,
            start=T0,
            end=T0 - dt.timedelta(minutes=1),
            dosing=dosing,
        )
    assert paths(exc) == ["$.end", "$.dosing"]
    assert "only dosing sessions" in str(exc.value)


def test_naive_datetime_is_refused():
    with pytest.raises(ModelError) as exc:
        Session(id="s1", kind=SessionKind.INTAKE, start=dt.datetime(2026, 3, 2, 9, 0))
    assert paths(exc) == ["$.start"]
    assert "UTC offset" in exc.value.problems[0].message


@pytest.mark.parametrize(
    ("kwargs", "path", "fragment"),
    [
        ({"systolic": 310, "diastolic": 80}, "$.systolic", "from 40 to 300"),
        ({"systolic": 120, "diastolic": 120}, "$.diastolic", "lower than systolic"),
        ({"systolic": 120}, "$.diastolic", "both systolic and diastolic"),
        ({"spo2": 101}, "$.spo2", "from 50 to 100"),
        ({"heart_rate": 19}, "$.heart_rate", "from 20 to 250"),
        ({}, "$.systolic", "at least one value"),
    ],
)
def test_vitals_plausibility(kwargs, path, fragment):
    with pytest.raises(ModelError) as exc:
        Vitals(at=T0, **kwargs)
    assert path in paths(exc)
    assert any(fragment in p.message for p in exc.value.problems)


@pytest.mark.parametrize(
    ("weight", "ok"), [(19.9, False), (20.0, True), (400.0, True), (400.1, False)]
)
def test_body_weight_range_boundaries(weight, ok):
    make = lambda: DosingRecord(  # noqa: E731
        agent=Agent.KETAMINE,
        route=Route.IV,
        dose_mg=35.0,
        administered_at=T0,
        body_weight_kg=weight,
    )
    if ok:
        assert make().mg_per_kg == pytest.approx(35.0 / weight)
    else:
        with pytest.raises(ModelError):
            make()


def test_dose_must_be_positive_and_esketamine_intranasal():
    with pytest.raises(ModelError) as exc:
        DosingRecord(agent=Agent.ESKETAMINE, route=Route.IV, dose_mg=-5.0, administered_at=T0)
    assert paths(exc) == ["$.dose_mg", "$.route"]
    assert "got -5" in exc.value.problems[0].message


def test_nan_dose_is_refused():
    with pytest.raises(ModelError):
        DosingRecord(agent=Agent.KETAMINE, route=Route.IM, dose_mg=float("nan"), administered_at=T0)


def test_mg_per_kg_and_total_dose():
    from kapnotes.model import Booster

    d = DosingRecord(
        agent=Agent.KETAMINE,
        route=Route.IM,
        dose_mg=51.0,
        administered_at=T0,
        body_weight_kg=68.0,
        boosters=(Booster(at=T0 + dt.timedelta(minutes=20), dose_mg=10.0),),
    )
    assert d.mg_per_kg == pytest.approx(0.75)
    assert d.total_dose_mg == 61.0
    assert d.minutes_after_dose(T0 - dt.timedelta(minutes=10)) == -10


def test_monitoring_must_be_in_time_order_and_within_the_session():
    v1 = Vitals(at=T0 + dt.timedelta(minutes=30), systolic=120, diastolic=80)
    v2 = Vitals(at=T0 + dt.timedelta(minutes=10), systolic=120, diastolic=80)
    with pytest.raises(ModelError) as exc:
        DosingRecord(
            agent=Agent.KETAMINE,
            route=Route.IM,
            dose_mg=50.0,
            administered_at=T0,
            monitoring=(v1, v2),
        )
    assert paths(exc) == ["$.monitoring[1].at"]
    late = Vitals(at=T0 + dt.timedelta(hours=5), systolic=120, diastolic=80)
    d = DosingRecord(
        agent=Agent.KETAMINE, route=Route.IM, dose_mg=50.0, administered_at=T0, monitoring=(late,)
    )
    with pytest.raises(ModelError) as exc2:
        Session(id="s", kind=SessionKind.DOSING, start=T0, end=T0 + dt.timedelta(hours=2), dosing=d)
    assert paths(exc2) == ["$.dosing.monitoring[0].at"]


@pytest.mark.parametrize("value", [-1, 101])
def test_cbt_belief_ratings_within_0_100(value):
    with pytest.raises(ModelError) as exc:
        CBTReframing(situation="x", automatic_thought="y", belief_before=value)
    assert paths(exc) == ["$.belief_before"]


def test_cbt_belief_after_needs_before():
    with pytest.raises(ModelError):
        CBTReframing(situation="x", automatic_thought="y", belief_after=20)


def test_exposure_peak_suds():
    with pytest.raises(ModelError) as exc:
        Exposure(target="memory", suds_before=70, suds_peak=50)
    assert paths(exc) == ["$.suds_peak"]


def test_measure_items_range_points_at_the_item():
    with pytest.raises(ModelError) as exc:
        MeasureAdministration(id="m", instrument="phq9", administered_at=T0, items=(0, 1, 101))
    assert paths(exc) == ["$.items[2]"]


@pytest.mark.parametrize(
    ("npi", "ok"), [("1234567893", True), ("1234567890", False), ("123456789", False)]
)
def test_npi_check_digit(npi, ok):
    # 1234567893 is the worked example of the CMS check-digit document.
    assert (valid_npi(npi) is None) is ok


def test_pre_licensed_clinician_needs_a_supervisor():
    with pytest.raises(ModelError) as exc:
        Clinician(id="c", name="N", credentials="AMFT", roles=(Role.THERAPIST,), licensed=False)
    assert paths(exc) == ["$.supervisor_id"]


def test_indication_icd10_and_consent_dates():
    Indication(code="F33.2", display="MDD")
    with pytest.raises(ModelError):
        Indication(code="depression", display="MDD")
    with pytest.raises(ModelError) as exc:
        Consent(
            kind=ConsentKind.KAP_INFORMED_CONSENT,
            obtained_on=dt.date(2026, 2, 1),
            withdrawn_on=dt.date(2026, 1, 1),
        )
    assert paths(exc) == ["$.withdrawn_on"]
    c = Consent(
        kind=ConsentKind.KAP_INFORMED_CONSENT,
        obtained_on=dt.date(2026, 2, 1),
        withdrawn_on=dt.date(2026, 3, 1),
    )
    assert c.in_force_on(dt.date(2026, 2, 28)) and not c.in_force_on(dt.date(2026, 3, 1))


def test_course_sessions_in_time_order():
    s1 = Session(id="a", kind=SessionKind.INTAKE, start=T0)
    s2 = Session(id="b", kind=SessionKind.PREPARATION, start=T0 - dt.timedelta(days=1))
    with pytest.raises(ModelError) as exc:
        TreatmentCourse(id="k", client_id="c", started_on=T0.date(), sessions=(s1, s2))
    assert paths(exc) == ["$.sessions[1].start"]


def test_addendum_amendment_needs_reason():
    with pytest.raises(ModelError):
        Addendum(id="a", kind=AddendumKind.AMENDMENT, author_id="c", written_at=T0, text="fix")


def test_objects_are_frozen_and_evolve_revalidates(demo_doc):
    course = demo_doc.courses[0]
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        course.id = "x"  # type: ignore[misc]
    with pytest.raises(ModelError):
        attrs.evolve(course.sessions[0], end=course.sessions[0].start)


def test_identifier_fields_are_marked():
    assert set(identifier_fields(Client)) >= {
        "mrn",
        "name",
        "date_of_birth",
        "phone",
        "email",
        "address",
    }
    assert set(identifier_fields(PersonName)) == {"given", "family", "middle", "preferred"}


def test_control_characters_are_valid_text():
    s = Session(id="s", kind=SessionKind.INTAKE, start=T0, intention="tab\there\x00nul\x1besc")
    assert s.intention == "tab\there\x00nul\x1besc"
