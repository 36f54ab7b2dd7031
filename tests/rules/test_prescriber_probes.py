"""The probes of issue 11 ("the dosing session a prescriber would sign"): each record below
gave no (or the wrong) finding in 0.1. Every probe now yields the right finding."""

from __future__ import annotations

from kapnotes.model import Sedation
from kapnotes.rules.config import SOURCES

from .builders import at, esketamine, only, run, session, vitals


def found(prefix, *sessions, config=None, **kw):
    return only(run(*sessions, config=config, **kw), prefix)


# --- sedation threshold: the manufacturer's moderate-or-greater sedation is MOAA/S <= 3 ------


def test_esketamine_session_with_moaas_3_is_flagged() -> None:
    mon = (vitals(-10), vitals(40), Sedation(at=at(45), score=3), vitals(90), vitals(120))
    f = found("KAP-SEDATION", session(dosing=esketamine(monitoring=mon)))
    assert [x.code for x in f] == ["KAP-SEDATION-001"]
    assert "[ref:jnj-sedation]" in f[0].source
    assert "moderate/deep boundary" not in SOURCES["monitoring.moaas_at_most"]
    assert "MOAA/S <= 3" in SOURCES["monitoring.moaas_at_most"]
