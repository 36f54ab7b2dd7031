"""Trajectories and outcomes with at-home scores: in time order, marked as home; a home score
is a follow-up (latest, response, remission) but not a baseline unless the clinic says so
(``OutcomeParams(home_baseline=True)``)."""

from __future__ import annotations

from kapnotes.model import evolve
from kapnotes.outcomes import OutcomeParams, course_outcomes, instrument_outcome
from kapnotes.scoring import get_instrument
from kapnotes.serialization import from_data
from tests.athome.builders import home_phq9, record
from tests.billing.builders import phq9, session, t

PHQ9 = get_instrument("phq9")


def _course(*home, dosing_first=True):
    """An intake (PHQ-9 = 18) on 2026-02-02, a dosing session on 2026-02-09 (first dose), a
    follow-up on 2026-03-02 (PHQ-9 = 8), and ``home``."""
    intake = {**session("s-intake", "intake", "09:00", "10:00",
                        measures=[{**phq9("m-intake", "2026-02-02", [2] * 9)}]),
              "start": t("09:00", "2026-02-02"), "end": t("10:00", "2026-02-02")}
    dose = {**session("s-dose", "dosing", "09:00", "11:00"),
            "start": t("09:00", "2026-02-09"), "end": t("11:00", "2026-02-09")}
    follow = session("s-fu", "follow-up", "09:00", "10:00",
                     measures=[phq9("m-fu", "2026-03-02", [1] * 8 + [0])])
    data = record(*home, sessions=[intake, dose, follow] if dosing_first else [intake, follow])
    return from_data(data).courses[0]


def test_home_scores_are_in_the_trajectory_in_time_order_and_marked() -> None:
    course = _course(home_phq9("h-eve", "2026-02-08T20:00:00-07:00", [1] * 9),
                     home_phq9("h-mid", "2026-02-20T20:00:00-07:00", [1] * 6 + [0, 0, 0]))
    points = instrument_outcome(course, PHQ9).scores
    assert [p.measure_id for p in points] == ["m-intake", "h-eve", "h-mid", "m-fu"]
    assert [p.at_home for p in points] == [False, True, True, False]
    assert points[1].session_id is None and points[1].session_kind is None
    assert points[1].total == 9


def test_a_home_score_is_not_the_baseline_by_default() -> None:
    # the evening before the first dose: the last score before it, but at home
    course = _course(home_phq9("h-eve", "2026-02-08T20:00:00-07:00", [1] * 9))
    out = instrument_outcome(course, PHQ9)
    assert out.baseline.measure_id == "m-intake" and out.baseline_rule == "pre-first-dosing"
    assert out.baseline.value == 18 and out.latest.measure_id == "m-fu"
    allowed = instrument_outcome(course, PHQ9, OutcomeParams(home_baseline=True))
    assert allowed.baseline.measure_id == "h-eve" and allowed.baseline.value == 9


def test_a_home_score_after_the_last_session_is_the_latest() -> None:
    course = _course(home_phq9("h-late", "2026-03-05T20:00:00-07:00", [0] * 9))
    out = instrument_outcome(course, PHQ9)
    assert out.latest.measure_id == "h-late" and out.latest.at_home
    assert out.change == -18 and out.response is True and out.remission is True


def test_only_home_scores_give_no_baseline() -> None:
    course = evolve(_course(home_phq9("h-1", "2026-02-03T20:00:00-07:00", [3] * 9)), sessions=())
    out = instrument_outcome(course, PHQ9)
    assert out.baseline is None and [p.measure_id for p in out.scores] == ["h-1"]


def test_course_outcomes_find_an_instrument_used_only_at_home() -> None:
    gad = {"id": "h-gad", "instrument": "gad7", "administered_at": "2026-02-04T20:00:00-07:00",
           "items": [1] * 7, "context": "home"}
    assert "gad7" in course_outcomes(_course(gad)).instruments


def test_the_progress_note_as_of_a_session_leaves_later_home_scores_out() -> None:
    from kapnotes.outcomes import course_until

    course = _course(home_phq9("h-eve", "2026-02-08T20:00:00-07:00", [1] * 9),
                     home_phq9("h-late", "2026-03-05T20:00:00-07:00", [0] * 9))
    at_dose = course_until(course, course.session("s-dose"))
    assert [m.id for m in at_dose.measures] == ["h-eve"]


def test_the_outcome_json_and_chart_mark_home_points() -> None:
    from kapnotes.charts import draw_trajectory
    from kapnotes.cli.measures import point_json

    course = _course(home_phq9("h-late", "2026-03-05T20:00:00-07:00", [0] * 9))
    out = instrument_outcome(course, PHQ9)
    assert point_json(out.latest)["at_home"] is True and point_json(out.latest)["session_id"] is None
    assert point_json(out.baseline)["at_home"] is False
    svg = draw_trajectory(course, PHQ9, "svg", outcome=out).decode("utf-8")
    assert "At home" in svg


def test_treatment_plan_progress_reads_home_scores_as_follow_ups() -> None:
    from kapnotes.treatment_plan import plan_progress
    from tests.billing.builders import PLAN

    data = record(home_phq9("h-early", "2026-02-03T20:00:00-07:00", [3] * 9),
                  home_phq9("h-late", "2026-03-09T20:00:00-07:00", [0] * 9))
    data["courses"][0]["treatment_plan"] = PLAN
    course = from_data(data).courses[0]
    mood = [p for p in plan_progress(course, as_of=course.measures[-1].administered_at.date())
            if p.title == "PHQ-9"]
    assert mood and all(p.baseline_on.isoformat() == "2026-03-03" for p in mood)  # m-0303, not h-early
    assert all(p.latest == 0 for p in mood)
