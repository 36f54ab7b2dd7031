"""The instrument data model: every built-in definition is consistent and sourced; bad ones fail."""

from __future__ import annotations

from typing import Any

import attrs
import pytest

from kapnotes.errors import ModelError
from kapnotes.instruments.base import NAME_RE, Band, CriticalItem, Instrument, Item, Subscale
from kapnotes.instruments.catalog import ALL, BY_NAME
from kapnotes.instruments.catalog._common import sum_scorer

EXPECTED_NAMES = [
    "phq9", "gad7", "pcl5", "qids-sr16", "madrs", "bdi2", "cssrs-screener",
    "cssrs-since-last-visit", "cadss", "cadss-6", "moaas", "meq30",
]


def test_catalog_has_the_twelve_instruments() -> None:
    assert [i.name for i in ALL] == EXPECTED_NAMES
    assert set(BY_NAME) == set(EXPECTED_NAMES)


@pytest.mark.parametrize("inst", ALL, ids=lambda i: i.name)
def test_definition_is_consistent_and_sourced(inst: Instrument) -> None:
    assert NAME_RE.match(inst.name)
    assert "\n" not in inst.description
    assert inst.description.strip()
    assert [i.number for i in inst.items] == list(range(1, len(inst.items) + 1))
    assert inst.source.strip()
    assert inst.copyright_note.strip()
    assert inst.missing_item_policy.strip()
    assert inst.scoring_rule.strip()
    assert inst.respondent in ("self-report", "clinician")
    assert all(b.source.strip() for b in inst.bands)
    assert all(c.source.strip() and c.reason.strip() for c in inst.critical_items)
    assert all(s.source.strip() for s in inst.subscales)
    if inst.loinc is not None:
        assert inst.loinc.source.strip()


@pytest.mark.parametrize("inst", ALL, ids=lambda i: i.name)
def test_only_free_instruments_carry_item_wording(inst: Instrument) -> None:
    has_text = any(item.text for item in inst.items)
    assert has_text == (inst.name in ("phq9", "gad7"))


@pytest.mark.parametrize(
    ("name", "items", "item_range", "total_range", "respondent"),
    [
        ("phq9", 10, (0, 3), (0, 27), "self-report"),
        ("gad7", 7, (0, 3), (0, 21), "self-report"),
        ("pcl5", 20, (0, 4), (0, 80), "self-report"),
        ("qids-sr16", 16, (0, 3), (0, 27), "self-report"),
        ("madrs", 10, (0, 6), (0, 60), "clinician"),
        ("bdi2", 21, (0, 3), (0, 63), "self-report"),
        ("cssrs-screener", 7, (0, 1), None, "clinician"),
        ("cadss", 23, (0, 4), (0, 92), "clinician"),
        ("moaas", 1, (0, 5), (0, 5), "clinician"),
        ("meq30", 30, (0, 5), (0, 5), "self-report"),
    ],
)
def test_items_and_ranges(
    name: str, items: int, item_range: tuple[int, int], total_range: Any, respondent: str
) -> None:
    inst = BY_NAME[name]
    assert len(inst.items) == items
    assert {(i.min, i.max) for i in inst.items} == {item_range}
    assert inst.total_range == total_range
    assert inst.respondent == respondent


def test_phq9_item_10_is_optional_and_unscored() -> None:
    phq9 = BY_NAME["phq9"]
    assert [i.number for i in phq9.scored_items] == list(range(1, 10))
    assert [i.number for i in phq9.unscored_items] == [10]
    assert phq9.item(10).required is False
    assert phq9.min_answers == 9


@pytest.mark.parametrize(
    ("name", "item", "threshold"),
    [("phq9", 9, 1), ("qids-sr16", 12, 1), ("madrs", 10, 2), ("bdi2", 9, 1)],
)
def test_suicide_items_are_critical(name: str, item: int, threshold: int) -> None:
    (critical,) = BY_NAME[name].critical_items
    assert (critical.item, critical.threshold, critical.direction) == (item, threshold, "at_least")
    assert critical.kind == "suicide"
    assert critical.verified


@pytest.mark.parametrize(
    ("name", "panel", "total", "items"),
    [
        ("phq9", "44249-1", "44261-6", {1: "44250-9", 8: "44253-3", 9: "44260-8", 10: "69722-7"}),
        ("gad7", "69737-5", "70274-6", {1: "69725-0", 7: "69736-7"}),
        ("bdi2", None, "89209-1", {9: None}),
        ("pcl5", "101697-1", "101698-9", {1: None}),
    ],
)
def test_loinc_codes(name: str, panel: str | None, total: str, items: dict[int, Any]) -> None:
    loinc = BY_NAME[name].loinc
    assert loinc is not None
    assert (loinc.panel, loinc.total) == (panel, total)
    for number, code in items.items():
        assert loinc.item(number) == code


def test_cssrs_risk_level_loinc_is_marked_single_source() -> None:
    loinc = BY_NAME["cssrs-screener"].loinc
    assert loinc is not None
    assert loinc.risk_level == "93374-7"
    assert loinc.single_source
    assert loinc.item(7) == "93269-9"  # "within the past 3 months", item 6b


@pytest.mark.parametrize("name", ["qids-sr16", "madrs", "cadss", "moaas", "meq30"])
def test_unverified_loinc_is_absent(name: str) -> None:
    assert BY_NAME[name].loinc is None


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("qids-sr16", 16),
        ("pcl5", 20),
        ("meq30", 30),
    ],
)
def test_subscales_partition_the_items(name: str, expected: int) -> None:
    numbers = [n for sub in BY_NAME[name].subscales for n in sub.items]
    assert sorted(numbers) == list(range(1, expected + 1))


def test_meq30_mapping_as_published() -> None:
    """Barrett et al. 2015 stand-alone order, written out by hand."""
    subscales = {s.name: s.items for s in BY_NAME["meq30"].subscales}
    assert subscales == {
        "mystical": (4, 5, 6, 9, 14, 15, 16, 18, 20, 21, 23, 24, 25, 26, 28),
        "positive_mood": (2, 8, 12, 17, 27, 30),
        "transcendence": (1, 7, 11, 13, 19, 22),
        "ineffability": (3, 10, 29),
    }
    assert BY_NAME["meq30"].item(1).label == "transcendence of time and space"


# -- invalid definitions ----------------------------------------------------------------------


def _phq_like(**changes: Any) -> Instrument:
    base: dict[str, Any] = {
        "name": "toy",
        "title": "Toy",
        "description": "A toy instrument.",
        "items": (Item(1, 0, 3), Item(2, 0, 3)),
        "total_range": (0, 6),
        "scoring_rule": "sum",
        "scorer": sum_scorer,
        "respondent": "self-report",
        "missing_item_policy": "none missing",
        "source": "test",
        "copyright_note": "none",
        "bands": (Band(0, 2, "low", "test"), Band(3, 6, "high", "test")),
    }
    base.update(changes)
    return Instrument(**base)


def test_a_valid_toy_instrument_builds() -> None:
    assert _phq_like().score([1, 2]).band == "high"


@pytest.mark.parametrize(
    ("changes", "path"),
    [
        ({"bands": (Band(0, 2, "low", "t"), Band(4, 6, "high", "t"))}, "$.bands[1]"),
        ({"bands": (Band(0, 3, "low", "t"), Band(3, 6, "high", "t"))}, "$.bands[1]"),
        ({"bands": (Band(0, 2, "low", "t"), Band(3, 5, "high", "t"))}, "$.bands"),
        ({"bands": (Band(0, 6, "all", " "),)}, "$.bands[0]"),
        ({"items": (Item(1, 0, 3), Item(3, 0, 3))}, "$.items[1]"),
        ({"items": (Item(1, 3, 0), Item(2, 0, 3))}, "$.items[0]"),
        ({"critical_items": (CriticalItem(5, 1, "why", "src"),)}, "$.critical_items[0]"),
        ({"subscales": (Subscale("x", (1, 9), "sum", "src"),)}, "$.subscales[0]"),
    ],
)
def test_inconsistent_definitions_are_refused(changes: dict[str, Any], path: str) -> None:
    with pytest.raises(ModelError) as info:
        _phq_like(**changes)
    assert path in [p.path for p in info.value.problems]


@pytest.mark.parametrize("name", ["PHQ9", "phq 9", "", "-x", "a" * 65])
def test_invalid_names_are_refused(name: str) -> None:
    with pytest.raises(ModelError):
        _phq_like(name=name)


def test_multi_line_description_is_refused() -> None:
    with pytest.raises(ModelError):
        _phq_like(description="two\nlines")


def test_instruments_are_frozen() -> None:
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        BY_NAME["phq9"].name = "other"  # type: ignore[misc]


def test_builtin_plugin_registers_every_instrument() -> None:
    from kapnotes.default_plugins import instruments as plugin

    registered: list[Any] = []
    plugin.register_instruments(registered.append)
    assert registered == list(ALL)
    assert all(isinstance(i, Instrument) for i in registered)
