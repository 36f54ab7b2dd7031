"""kapnotes.scoring: names and aliases, scoring by object, and one call through the registry."""

from __future__ import annotations

import pytest

from kapnotes.instruments.catalog import ALL, BY_NAME
from kapnotes.scoring import canonical_name, score


@pytest.mark.parametrize(
    ("spelling", "name"),
    [
        ("phq9", "phq9"),
        ("PHQ9", "phq9"),
        ("PHQ-9", "phq9"),
        (" phq 9 ", "phq9"),
        ("Phq_9", "phq9"),
        ("GAD-7", "gad7"),
        ("PCL-5", "pcl5"),
        ("QIDS-SR16", "qids-sr16"),
        ("qids", "qids-sr16"),
        ("MADRS", "madrs"),
        ("BDI-II", "bdi2"),
        ("C-SSRS", "cssrs-screener"),
        ("cssrs-screener", "cssrs-screener"),
        ("CADSS", "cadss"),
        ("MOAA/S", "moaas"),
        ("MEQ-30", "meq30"),
        ("Unknown-Scale", "unknown-scale"),
    ],
)
def test_canonical_name(spelling: str, name: str) -> None:
    assert canonical_name(spelling, ALL) == name


def test_score_with_an_instrument_object_needs_no_registry() -> None:
    result = score(BY_NAME["gad7"], [1, 1, 1, 1, 1, 0, 0])
    assert (result.instrument, result.total, result.band) == ("gad7", 5, "mild")


def test_score_by_name_through_the_plugin_registry() -> None:
    """Goes through kapnotes.plugins.registry(): needs every built-in plugin module to load."""
    result = score("PHQ9", [1, 1, 1, 1, 1, 1, 1, 1, 1, 2])
    assert (result.instrument, result.total, result.band) == ("phq9", 9, "mild")
    assert result.flagged("phq9-item-9")
