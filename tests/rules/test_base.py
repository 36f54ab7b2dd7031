"""Findings, rules and paths: the public types of kapnotes.rules.base."""

from __future__ import annotations

import pytest

from kapnotes.model import SessionKind
from kapnotes.rules.base import Finding, Rule, Severity, json_path


def finding(**kw) -> Finding:
    fields = {
        "severity": "blocking",
        "code": "KAP-RISK-002",
        "message": "document a safety plan",
        "path": "$.courses[0].sessions[4].measures[0].items[8]",
        "session_id": "s1",
        "rule": "suicide-risk-safety-plan",
        "source": "Kroenke 2001",
    }
    fields.update(kw)
    return Finding(**fields)


def test_finding_fields_and_forms() -> None:
    f = finding()
    assert f.severity is Severity.BLOCKING and f.blocking
    assert f.as_dict() == {
        "severity": "blocking",
        "code": "KAP-RISK-002",
        "message": "document a safety plan",
        "path": "$.courses[0].sessions[4].measures[0].items[8]",
        "session_id": "s1",
        "rule": "suicide-risk-safety-plan",
        "source": "Kroenke 2001",
    }
    assert str(f) == (
        "BLOCKING KAP-RISK-002 s1 $.courses[0].sessions[4].measures[0].items[8]: "
        "document a safety plan"
    )
    assert not finding(severity=Severity.WARNING).blocking
    assert hash(f) == hash(finding())


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"code": "kap-risk-2"}, "upper-case words joined by hyphens"),
        ({"code": "KAPRISK"}, "upper-case words joined by hyphens"),
        ({"path": "courses[0]"}, "must be a JSON path starting with '\\$'"),
        ({"message": "  "}, "message must be a non-empty string"),
    ],
)
def test_finding_validation(kw: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        finding(**kw)


def test_unknown_severity() -> None:
    with pytest.raises(ValueError, match="'fatal' is not a valid Severity"):
        finding(severity="fatal")


def test_severity_order() -> None:
    assert [s.rank for s in Severity] == [0, 1, 2]
    assert Severity.BLOCKING.label == "Blocking"


def _noop(ctx):
    return ()


def test_rule_session_kinds() -> None:
    everywhere = Rule(name="r", description="d", check=_noop)
    assert everywhere.applies_to is None
    dosing = Rule(name="r", description="d", check=_noop, applies_to="dosing")
    assert dosing.applies_to == frozenset({SessionKind.DOSING})
    both = Rule(name="r", description="d", check=_noop,
                applies_to=[SessionKind.INTAKE, "follow-up"])
    assert both.applies_to == frozenset({SessionKind.INTAKE, SessionKind.FOLLOW_UP})
    with pytest.raises(ValueError, match="'nap' is not a valid SessionKind"):
        Rule(name="r", description="d", check=_noop, applies_to=["nap"])


def test_rule_codes_are_checked() -> None:
    assert Rule(name="r", description="d", check=_noop, codes=["X-1"]).codes == ("X-1",)
    with pytest.raises(ValueError, match="upper-case"):
        Rule(name="r", description="d", check=_noop, codes=["x-1"])


def test_json_path() -> None:
    assert json_path("$", "courses", 1, "sessions", 4, "risk") == "$.courses[1].sessions[4].risk"
    assert json_path("$.a") == "$.a"
    with pytest.raises(TypeError):
        json_path("$", True)  # type: ignore[arg-type]
