"""One place per fact: the suicide rules read every registered instrument's own critical items.

The rule and the catalog cannot disagree: the test walks every registered instrument (built-in
and a plugin's) and answers each suicide item just at and just below its threshold.
"""

from __future__ import annotations

import pytest

from kapnotes.instruments.base import SUICIDE, CriticalItem, Instrument, Item
from kapnotes.instruments.catalog._common import sum_scorer
from kapnotes.plugins import registry
from kapnotes.rules.config import SUICIDE_ITEM_KEYS, ClinicConfig
from kapnotes.testing import registered_plugin

from .builders import codes, measure, only, phq9, run, session

P = "$.courses[0].sessions[0]"

#: A plugin's 4-item instrument whose item 4 is a suicide item flagged at >= 2.
MOOD4 = Instrument(
    name="clinic-mood4",
    title="Clinic Mood-4",
    description="A synthetic four-item mood check for tests.",
    items=tuple(Item(n, 0, 3) for n in range(1, 5)),
    total_range=(0, 12),
    scoring_rule="Total = sum of items 1-4.",
    scorer=sum_scorer,
    respondent="self-report",
    missing_item_policy="all items needed",
    source="synthetic test instrument",
    copyright_note="synthetic",
    critical_items=(CriticalItem(4, 2, "thoughts of self-harm", "synthetic", kind=SUICIDE),),
)


class MoodPlugin:
    from kapnotes import hookimpl

    @staticmethod
    @hookimpl
    def register_instruments(register):  # type: ignore[no-untyped-def]
        register(MOOD4)


def _answers(inst: Instrument, number: int, value: int) -> tuple[int, ...]:
    """Every item at its minimum, item ``number`` at ``value``."""
    return tuple(value if i.number == number else i.min for i in inst.items)


def _risk(m) -> list[str]:  # type: ignore[no-untyped-def]
    return codes(only(run(session(measures=(m,))), "KAP-RISK"))


def _suicide_instruments() -> list[tuple[Instrument, CriticalItem]]:
    return [(i, c) for i in registry().instruments for c in i.critical_items_of(SUICIDE)]


def test_bdi2_item9_answered_2_blocks_signing_like_phq9_item9() -> None:
    bdi = tuple([0] * 8 + [2] + [0] * 12)
    found = only(run(session(measures=(measure("bdi2", bdi),))), "KAP-RISK")
    assert [(f.code, f.severity.value, f.path) for f in found] == [
        ("KAP-RISK-001", "blocking", f"{P}.measures[0].items[8]"),
        ("KAP-RISK-002", "blocking", f"{P}.measures[0].items[8]"),
    ]
    assert found[0].message.startswith("BDI-II item 9 is 2 (threshold >= 1)")
    assert "[ref:beck-1996]" in found[0].source
    assert _risk(measure("phq9", phq9(2))) == codes(found)


def test_bdi2_item9_unanswered_is_reported() -> None:
    bdi = tuple([0] * 8 + [None] + [0] * 12)
    assert _risk(measure("bdi2", bdi)) == ["KAP-RISK-005"]


def test_every_registered_suicide_item_fires_at_its_own_threshold_and_agrees_with_the_flag(
) -> None:
    with registered_plugin(MoodPlugin(), "clinic-mood"):
        walked = _suicide_instruments()
        assert {i.name for i, _c in walked} >= {"phq9", "qids-sr16", "madrs", "bdi2", MOOD4.name}
        for inst, critical in walked:
            at = measure(inst.name, _answers(inst, critical.item, critical.threshold))
            below = measure(inst.name, _answers(inst, critical.item, critical.threshold - 1))
            flag = f"{inst.name}-item-{critical.item}"
            assert inst.score(at.items).flagged(flag), inst.name
            assert _risk(at) == ["KAP-RISK-001", "KAP-RISK-002"], inst.name
            assert not inst.score(below.items).flagged(flag), inst.name
            assert _risk(below) == [], inst.name


def test_the_config_defaults_are_the_instruments_thresholds() -> None:
    cfg = ClinicConfig.default()
    for name, key in SUICIDE_ITEM_KEYS.items():
        (critical,) = registry().instruments.get(name).critical_items_of(SUICIDE)
        assert cfg.get(key) == critical.threshold, name


def test_madrs_item10_threshold_is_one_fact() -> None:
    madrs = registry().instruments.get("madrs")
    (critical,) = madrs.critical_items_of(SUICIDE)
    assert critical.threshold == ClinicConfig.default().suicide.madrs_item10_at_least == 2
    one = (0,) * 9 + (1,)
    assert not madrs.score(one).flagged("madrs-item-10") and _risk(measure("madrs", one)) == []


def test_a_plugin_suicide_item_cites_the_instrument_and_ignores_other_config() -> None:
    with registered_plugin(MoodPlugin(), "clinic-mood"):
        found = only(run(session(measures=(measure("clinic-mood4", (0, 0, 0, 3)),))), "KAP-RISK")
        assert [f.path for f in found] == [f"{P}.measures[0].items[3]"] * 2
        assert found[0].message.startswith("Clinic Mood-4 item 4 is 3 (threshold >= 2)")
        assert found[0].source == "synthetic"
        assert _risk(measure("clinic-mood4", (0, 0, 0, None))) == ["KAP-RISK-005"]


@pytest.mark.parametrize(
    ("threshold", "message"),
    [(4, "4 is outside item 4's range 0–3"), (-1, "-1 is outside item 4's range 0–3")],
)
def test_a_critical_threshold_outside_the_item_range_is_refused(threshold: int, message: str) -> None:
    from kapnotes.errors import ModelError

    with pytest.raises(ModelError, match=message):
        Instrument(**{**_fields(MOOD4), "critical_items": (
            CriticalItem(4, threshold, "x", "synthetic", kind=SUICIDE),)})


def _fields(inst: Instrument) -> dict:  # type: ignore[type-arg]
    import attrs

    return {a.name: getattr(inst, a.name) for a in attrs.fields(Instrument)}
