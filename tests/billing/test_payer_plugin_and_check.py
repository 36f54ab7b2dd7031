"""A payer's code rules as a plugin (the ``register_billing_rules`` hook), and billing conflicts
as findings of ``kapnotes check``."""

from __future__ import annotations

import pytest

from kapnotes.billing import bill, code_rules
from kapnotes.billing.rules import Basis, CodeRule
from kapnotes.hookspecs import hookimpl
from kapnotes.plugins import registry
from kapnotes.rules.engine import evaluate
from kapnotes.serialization import from_data
from kapnotes.testing import registered_plugin
from tests.billing.builders import document, session, span

ACME_90837 = CodeRule(
    name="acme-90837", code="90837", basis=Basis.PSYCHOTHERAPY, min_minutes=60,
    replaces=("psychotherapy-90837",), status="single source",
    source="Acme Health payment policy BH-12 (synthetic)",
    reason="psychotherapy of 60 minutes or more",
)


class AcmePayer:
    @hookimpl
    def register_billing_rules(self, register):
        register(ACME_90837)
        register("not a rule")  # a wrong type is skipped with a warning, the rest kept


def _doc(minutes_end: str, **kw):
    s = session("s1", "integration", "09:00", "10:30",
                clinicians=[{"clinician_id": "th-ortiz", "role": "therapist"}],
                clinician_times=[span("th-ortiz", "psychotherapy", "09:00", minutes_end)], **kw)
    return from_data(document(("cl-1", "Rowan", [s])))


def test_a_payer_plugin_replaces_a_built_in_rule():
    doc = _doc("09:55")
    assert [x.line.code for x in bill(doc, "s1").lines] == ["90837"]
    with registered_plugin(AcmePayer(), "acme"):
        with pytest.warns(UserWarning, match="not a rule"):
            reg = registry()
        assert reg.billing_rules.entry("acme-90837").plugin == "acme"
        result = bill(doc, "s1")
        assert result.lines == ()  # 55 minutes: Acme pays 90837 from 60, and 90834 stops at 52
        assert "psychotherapy-90837" not in {r.name for r in result.rules}
        result = bill(_doc("10:02"), "s1")
        (line,) = result.lines
        assert (line.line.code, line.rule, line.status, line.verified) == (
            "90837", "acme-90837", "single source", False)
        assert "Acme Health payment policy" in line.source
        assert [f.code for f in result.findings] == ["KAP-BILL-001"]
    assert "acme-90837" not in {r.name for r in code_rules()}


def test_a_rule_needs_a_known_code_or_its_system_and_a_source():
    with pytest.raises(ValueError, match="give its system and title"):
        CodeRule(name="x-1", code="H0038", basis=Basis.PSYCHOTHERAPY, reason="r", source="s")
    with pytest.raises(ValueError, match="needs references or a source"):
        CodeRule(name="x-2", code="90837", basis=Basis.PSYCHOTHERAPY, reason="r")
    with pytest.raises(KeyError, match="no-such-ref"):
        CodeRule(name="x-3", code="90837", basis="psychotherapy", reason="r",
                 references=("no-such-ref",))


def test_check_reports_billing_conflicts_and_nothing_for_a_clean_session():
    findings = evaluate(_doc("09:53"))
    assert [f for f in findings if f.rule == "billing-conflicts"] == []
    doc = _doc("09:40", service_lines=[{"code": "90838"}])
    got = [f for f in evaluate(doc) if f.rule == "billing-conflicts"]
    assert sorted(f.code for f in got) == ["KAP-BILL-004", "KAP-BILL-005"]
    assert all(f.path == "$.courses[0].sessions[0].service_lines[0]" for f in got)
    assert all("[ref:" in f.source for f in got)
