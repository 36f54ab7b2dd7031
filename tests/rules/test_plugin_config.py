"""Plugin sections of the clinic configuration: strict, with paths; rules read their thresholds
from them and cite the configured policy."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from kapnotes import hookimpl
from kapnotes.errors import InvalidError
from kapnotes.model import SessionKind, field, in_range, model
from kapnotes.rules.base import Finding, Rule, RuleContext, Severity
from kapnotes.rules.config import ClinicConfig
from kapnotes.rules.plugin_config import ConfigSection
from kapnotes.testing import registered_plugin

from .builders import measure, only, run, session


@model
class HarborSettings:
    max_measures: int = field(default=3, check=in_range(0, 20))
    label: str = "Harbor"


HARBOR = ConfigSection("harbor_light", HarborSettings,
                       sources={"max_measures": "Harbor Light SOP 2 (synthetic)"})


def _few_measures(ctx: RuleContext) -> Iterator[Finding]:
    limit = ctx.config.section(HARBOR).max_measures
    if len(ctx.session.measures) > limit:
        yield ctx.finding(Severity.WARNING, "HARBOR-MEASURES-001",
                          f"{len(ctx.session.measures)} measures (at most {limit})",
                          ctx.at("measures"),
                          source=ctx.config.section_source(HARBOR, "max_measures"))


class HarborPlugin:
    @hookimpl
    def register_config_sections(self, register: Callable[[Any], None]) -> None:
        register(HARBOR)

    @hookimpl
    def register_rules(self, register: Callable[[Any], None]) -> None:
        register(Rule(name="harbor-measures", description="Not too many measures.",
                      check=_few_measures, applies_to={SessionKind.DOSING},
                      codes=("HARBOR-MEASURES-001",)))


@pytest.fixture
def harbor():
    with registered_plugin(HarborPlugin(), "harbor_light") as name:
        yield name


def _findings(config: ClinicConfig | None, n: int) -> list[Finding]:
    ms = tuple(measure("gad7", (0,) * 7, f"m{k}") for k in range(n))
    return only(run(session(measures=ms), config=config), "HARBOR")


def test_the_section_is_read_strictly_with_paths(harbor) -> None:
    cfg = ClinicConfig.from_data({"policy": "Harbor SOP v2",
                                  "plugins": {"harbor_light": {"max_measures": 1}}})
    assert cfg.section(HARBOR) == HarborSettings(max_measures=1)
    with pytest.raises(InvalidError) as exc:
        ClinicConfig.from_data({"plugins": {"harbor_light": {"max_measure": 1, "label": 3},
                                            "county": {}},
                                "go_no_go": {"systolic_below": 1.5}})
    found = {p.path: p.message for p in exc.value.problems}
    assert set(found) == {"$.plugins.harbor_light.max_measure", "$.plugins.harbor_light.label",
                          "$.plugins.county", "$.go_no_go.systolic_below"}
    assert "unknown key 'max_measure'" in found["$.plugins.harbor_light.max_measure"]
    assert "declared: harbor_light" in found["$.plugins.county"]
    with pytest.raises(InvalidError, match=r"\$\.plugins\.harbor_light\.max_measures"):
        ClinicConfig.from_data({"plugins": {"harbor_light": {"max_measures": 50}}})


def test_without_the_plugin_its_section_is_refused() -> None:
    with pytest.raises(InvalidError, match="no installed plugin declares the configuration section"):
        ClinicConfig.from_data({"plugins": {"harbor_light": {"max_measures": 1}}})


def test_rules_read_the_threshold_and_cite_the_policy(harbor) -> None:
    assert _findings(None, 3) == []
    (default,) = _findings(None, 4)
    assert default.source == "Harbor Light SOP 2 (synthetic)"
    cfg = ClinicConfig.from_data({"policy": "Harbor SOP v2",
                                  "plugins": {"harbor_light": {"max_measures": 1}}})
    (found,) = _findings(cfg, 2)
    assert found.message == "2 measures (at most 1)"
    assert found.source == ("clinic policy 'Harbor SOP v2': plugins.harbor_light.max_measures = 1 "
                            "(default 3)")


def test_to_data_writes_the_sections_back(harbor) -> None:
    cfg = ClinicConfig.from_data({"plugins": {"harbor_light": {"max_measures": 1}}})
    data = cfg.to_data()
    assert data["plugins"] == {"harbor_light": {"max_measures": 1, "label": "Harbor"}}
    assert ClinicConfig.from_data(data) == cfg


@pytest.mark.parametrize(
    ("args", "message"),
    [(("Bad", HarborSettings), "section name"), (("ok", dict), "attrs class")],
)
def test_a_section_declaration_is_checked(args: tuple, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ConfigSection(*args)


def test_every_setting_needs_a_default() -> None:
    @model
    class NoDefault:
        x: int

    with pytest.raises(ValueError, match="x has none"):
        ConfigSection("ok", NoDefault)
