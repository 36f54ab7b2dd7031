"""Outcomes read every fact from the instrument: direction, response, remission, reliability."""

from __future__ import annotations

import attrs
import pytest
from click.testing import CliRunner

from kapnotes.cli import cli
from kapnotes.errors import ModelError
from kapnotes.instruments.base import Direction, Instrument, Item, Remission, Response
from kapnotes.instruments.catalog import ALL, PHQ9
from kapnotes.instruments.catalog._common import sum_scorer
from kapnotes.model import MeasureAdministration
from kapnotes.outcomes import (
    LOWER_IS_BETTER,
    NOT_OUTCOME_MEASURES,
    RELIABILITY,
    OutcomeParams,
    course_outcomes,
    instrument_outcome,
    is_outcome_measure,
)
from kapnotes.testing import registered_plugin

from .helpers import at, course, dosing, session, worked_course

#: A plugin scale (0-10, one item) without a direction: not an outcome measure.
PLAIN = Instrument(
    name="clinic-plain", title="Clinic Plain", description="A synthetic one-item scale.",
    items=(Item(1, 0, 10),), total_range=(0, 10), scoring_rule="the answer", scorer=sum_scorer,
    respondent="self-report", missing_item_policy="needed", source="synthetic",
    copyright_note="synthetic",
)
#: The same with a direction, a 40 % response judged at baseline >= 6 and remission <= 2.
SCALE = attrs.evolve(
    PLAIN, name="clinic-scale", title="Clinic Scale",
    direction=Direction("lower", "synthetic"),
    response=Response(0.4, "synthetic response rule", baseline_at_least=6),
    remission=Remission(2, "synthetic remission rule"),
)


class ScalePlugin:
    from kapnotes import hookimpl

    @staticmethod
    @hookimpl
    def register_instruments(register):  # type: ignore[no-untyped-def]
        register(PLAIN)
        register(SCALE)


def _m(mid: str, name: str, when, value: int) -> MeasureAdministration:  # type: ignore[no-untyped-def]
    return MeasureAdministration(id=mid, instrument=name, administered_at=when, items=(value,))


def _course(name: str, baseline: int, latest: int):  # type: ignore[no-untyped-def]
    from kapnotes.model import SessionKind

    return course(
        "course-s",
        session("s-intake", SessionKind.INTAKE, at(1, 1), _m("m1", name, at(1, 1), baseline)),
        dosing("s-dose", at(1, 8)),
        session("s-follow", SessionKind.FOLLOW_UP, at(2, 1), _m("m2", name, at(2, 1), latest)),
    )


def test_the_01_tables_are_views_of_the_catalog() -> None:
    assert set(LOWER_IS_BETTER) == {i.name for i in ALL if i.is_outcome_measure}
    assert set(NOT_OUTCOME_MEASURES) == {i.name for i in ALL if i.not_outcome_reason}
    assert RELIABILITY["phq9"] is PHQ9.reliable_change
    assert {i.name for i in ALL} == set(LOWER_IS_BETTER) | set(NOT_OUTCOME_MEASURES)


def test_a_plugin_instrument_with_a_direction_is_an_outcome_with_its_own_rules() -> None:
    assert is_outcome_measure(SCALE) and not is_outcome_measure(PLAIN)
    o = instrument_outcome(_course("clinic-scale", 8, 2), SCALE)
    assert (o.baseline.value, o.latest.value) == (8, 2)
    assert o.response is True and o.response_reduction == 0.4
    assert o.response_source == "synthetic response rule"
    assert o.remission is True and o.remission_rule.source == "synthetic remission rule"
    # 8 -> 5 is a 37.5 % reduction: not a 40 % response.
    assert instrument_outcome(_course("clinic-scale", 8, 5), SCALE).response is False


def test_response_is_not_judged_below_the_instruments_baseline_precondition() -> None:
    o = instrument_outcome(_course("clinic-scale", 5, 1), SCALE)
    assert o.response is None and o.remission is True


def test_an_override_of_response_reduction_applies_to_every_instrument() -> None:
    o = instrument_outcome(worked_course(), PHQ9, OutcomeParams(response_reduction=0.8))
    assert o.response_reduction == 0.8
    assert instrument_outcome(worked_course(), PHQ9).response_reduction == 0.5


def test_course_outcomes_pick_up_plugin_outcome_measures_only() -> None:
    with registered_plugin(ScalePlugin(), "clinic-scales"):
        c = _course("clinic-scale", 8, 2)
        c = attrs.evolve(c, sessions=(*c.sessions, session(
            "s-plain", c.sessions[0].kind, at(2, 2), _m("m3", "clinic-plain", at(2, 2), 4))))
        assert course_outcomes(c).instruments == ("clinic-scale",)


def test_cli_names_why_an_instrument_is_not_an_outcome_measure(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with registered_plugin(ScalePlugin(), "clinic-scales"):
        db = tmp_path / "k.db"
        r = CliRunner().invoke(cli, ["outcomes", "--instrument", "clinic-plain", "--db", str(db)])
        assert r.exit_code != 0
        assert "Clinic Plain is not an outcome measure: no direction is declared" in r.output
        r = CliRunner().invoke(cli, ["outcomes", "--instrument", "MEQ30", "--db", str(db)])
        assert "MEQ30 rates the mystical quality" in r.output


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"remission": Remission(11, "x")}, r"\$\.remission\.max_total"),
        ({"response": Response(1.5, "x")}, r"\$\.response\.reduction"),
        ({"remission": Remission(2, " ")}, r"\$\.remission\.source"),
    ],
)
def test_outcome_facts_that_do_not_fit_the_instrument_are_refused(change, path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ModelError, match=path):
        attrs.evolve(SCALE, **change)


def test_kapnotes_instruments_lists_outcome_measures_and_spellings() -> None:
    import json

    r = CliRunner().invoke(cli, ["instruments", "--json"])
    rows = {row["name"]: row for row in json.loads(r.output)}
    assert rows["phq9"]["outcome_measure"] is True and rows["meq30"]["outcome_measure"] is False
    assert {"PHQ-9", "44249-1"} <= set(rows["phq9"]["aliases"])
