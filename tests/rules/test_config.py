"""Clinic configuration: cited defaults, strict loading with paths, sources of changed values."""

from __future__ import annotations

import json
from pathlib import Path

import attrs
import pytest

from kapnotes.errors import InvalidError, Problem
from kapnotes.model import RiskLevel, Route
from kapnotes.rules.config import SOURCES, ClinicConfig, leaf_keys


def test_defaults() -> None:
    c = ClinicConfig.default()
    assert (c.go_no_go.systolic_below, c.go_no_go.diastolic_below, c.go_no_go.heart_rate_below) == (
        160, 90, 100,
    )
    limits = c.dose.max_mg_per_kg
    assert [limits.for_route(r) for r in Route] == [0.75, 0.75, 7.0, 1.5, 3.0]
    assert c.dose.esketamine_max_mg == 84.0
    assert (c.esketamine.bp_check_minutes, c.esketamine.bp_check_tolerance_minutes,
            c.esketamine.min_monitoring_minutes) == (40, 5, 120)
    assert (c.monitoring.spo2_min, c.monitoring.moaas_at_most) == (93, 3)
    s = c.suicide
    assert (s.phq9_item9_at_least, s.qids_sr16_item12_at_least, s.madrs_item10_at_least) == (1, 1, 2)
    assert s.cssrs_levels == ("moderate", "high")
    assert s.risk_levels == (RiskLevel.MODERATE, RiskLevel.HIGH, RiskLevel.IMMINENT)
    assert ClinicConfig.default() is c
    assert ClinicConfig() == c


def test_every_threshold_cites_a_source() -> None:
    assert sorted(leaf_keys()) == sorted(SOURCES)
    for key, source in SOURCES.items():
        assert len(source) > 40, key
    # every default cites the references registry; the unverified go/no-go says so
    for key, source in SOURCES.items():
        assert "[ref:" in source, key
    assert "(not verified) [ref:kapnotes-default]" in SOURCES["go_no_go.systolic_below"]
    # unverified defaults say so
    for key in ("dose.max_mg_per_kg.intranasal",):
        assert "NOT VERIFIED" in SOURCES[key]


def test_source_of_a_default_is_its_citation() -> None:
    c = ClinicConfig.default()
    source = c.source("esketamine.min_monitoring_minutes")
    assert "SPRAVATO" in source and "[ref:spravato-pi]" in source and "[ref:spravato-rems]" in source
    assert c.get("go_no_go.systolic_below") == 160
    with pytest.raises(KeyError):
        c.get("go_no_go.nope")


def test_source_of_a_changed_value_is_the_clinic() -> None:
    c = ClinicConfig.from_data({"policy": "SOP v3", "go_no_go": {"systolic_below": 150}})
    assert c.source("go_no_go.systolic_below") == (
        "clinic policy 'SOP v3': go_no_go.systolic_below = 150 (default 160)"
    )
    assert c.source("go_no_go.diastolic_below") == SOURCES["go_no_go.diastolic_below"]
    c2 = ClinicConfig.from_data({"suicide": {"cssrs_levels": ["high"]}})
    assert c2.source("suicide.cssrs_levels") == (
        "clinic configuration: suicide.cssrs_levels = high (default moderate, high)"
    )


def test_config_is_frozen() -> None:
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        ClinicConfig.default().go_no_go.systolic_below = 1  # type: ignore[misc]


def test_from_path_keeps_defaults_for_keys_left_out(tmp_path: Path) -> None:
    p = tmp_path / "clinic.json"
    p.write_text(json.dumps({
        "policy": "Juniper Ridge KAP SOP v3 (2026)",
        "go_no_go": {"systolic_below": 150},
        "dose": {"max_mg_per_kg": {"im": 1, "sublingual": None}},
        "suicide": {"risk_levels": ["high", "imminent"]},
    }))
    c = ClinicConfig.from_path(p)
    assert c.policy == "Juniper Ridge KAP SOP v3 (2026)"
    assert c.go_no_go.systolic_below == 150
    assert c.go_no_go.diastolic_below == 90
    assert c.dose.max_mg_per_kg.im == 1.0 and isinstance(c.dose.max_mg_per_kg.im, float)
    assert c.dose.max_mg_per_kg.sublingual is None
    assert c.dose.max_mg_per_kg.iv == 0.75
    assert c.suicide.risk_levels == (RiskLevel.HIGH, RiskLevel.IMMINENT)


def test_to_data_round_trips(tmp_path: Path) -> None:
    data = ClinicConfig.default().to_data()
    assert data["go_no_go"] == {"systolic_below": 160, "diastolic_below": 90, "heart_rate_below": 100}
    p = tmp_path / "c.json"
    p.write_text(json.dumps(data))
    assert ClinicConfig.from_path(p) == ClinicConfig.default()


def test_bad_file_reports_every_problem_with_its_path(tmp_path: Path) -> None:
    p = tmp_path / "bad.json"
    p.write_text(json.dumps({
        "go_no_go": {"systolic_below": 150.5, "heartrate_below": 100},
        "dose": {"max_mg_per_kg": {"iv": -1, "im": "1.0"}},
        "monitoring": {"spo2_min": True},
        "colour": "blue",
    }))
    with pytest.raises(InvalidError) as e:
        ClinicConfig.from_path(p)
    assert e.value.source == str(p)
    assert sorted(e.value.problems, key=lambda x: x.path) == [
        Problem("$.colour", "unknown key 'colour'"),
        Problem("$.dose.max_mg_per_kg.im", "expected a number, got string '1.0'"),
        Problem("$.go_no_go.heartrate_below", "unknown key 'heartrate_below'"),
        Problem("$.go_no_go.systolic_below", "expected an integer, got number 150.5"),
        Problem("$.monitoring.spo2_min", "expected an integer, got boolean true"),
    ]


def test_out_of_range_values_have_paths() -> None:
    with pytest.raises(InvalidError) as e:
        ClinicConfig.from_data({
            "dose": {"max_mg_per_kg": {"iv": -1}},
            "monitoring": {"moaas_at_most": 6},
            "suicide": {"cssrs_levels": ["moderate", "severe"], "phq9_item9_at_least": 0},
        })
    assert sorted(e.value.problems, key=lambda x: x.path) == [
        Problem("$.dose.max_mg_per_kg.iv", "expected a number > 0 and <= 20 mg/kg, got -1"),
        Problem("$.monitoring.moaas_at_most", "expected a number from 0 to 5, got 6"),
        Problem("$.suicide.cssrs_levels[1]",
                "expected one of 'low', 'moderate', 'high', got 'severe'"),
        Problem("$.suicide.phq9_item9_at_least", "expected a number from 1 to 3, got 0"),
    ]


def test_wrong_enum_value() -> None:
    with pytest.raises(InvalidError) as e:
        ClinicConfig.from_data({"suicide": {"risk_levels": ["severe"]}})
    assert [p.path for p in e.value.problems] == ["$.suicide.risk_levels[0]"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{not json", "not valid JSON: Expecting property name enclosed in double quotes at line 1 column 2"),
        (b'{"go_no_go": {"systolic_below": NaN}}', "not valid JSON: NaN is not a number in JSON"),
        (b"[1, 2]", "expected a JSON object (a kapnotes clinic configuration)"),
        (b"\xff\xfe", "not UTF-8 text: invalid start byte at byte 0"),
    ],
)
def test_unreadable_files(tmp_path: Path, content: bytes, message: str) -> None:
    p = tmp_path / "c.json"
    p.write_bytes(content)
    with pytest.raises(InvalidError) as e:
        ClinicConfig.from_path(p)
    assert e.value.problems == [Problem("$", message)]


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InvalidError) as e:
        ClinicConfig.from_path(tmp_path / "nope.json")
    assert e.value.problems[0].message.startswith("cannot read")
