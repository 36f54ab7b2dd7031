"""The rules: an incomplete form blocks signing (each missing field with its path); enrolment
before the first treatment; the 7-day deadline, against the plugin's own clock."""

from __future__ import annotations

import datetime as dt

import pytest
from kapnotes_rems.submission import submission_text
from rems_fixtures import TODAY, demo, rems_demo, rems_plugin, synthetic_demo, with_rems  # noqa: F401 - fixtures

from kapnotes.lifecycle import SigningRefused, add_addendum, sign
from kapnotes.model import evolve
from kapnotes.rules.engine import evaluate
from kapnotes.store import open_store


def _codes(doc, session_id):
    return [(f.code, f.path) for f in evaluate(doc, session_ids=[session_id])
            if f.code.startswith("REMS-")]


def test_a_complete_form_and_enrolment_give_no_rems_finding(rems_plugin, rems_demo):
    assert _codes(rems_demo, "cl-004-dose-01") == []


def test_each_missing_field_is_a_blocking_finding_at_its_path(rems_plugin, demo):
    findings = [f for f in evaluate(demo, session_ids=["cl-004-dose-01"])
                if f.code == "REMS-PMF-001"]
    paths = {f.path for f in findings}
    base = "$.courses[3].sessions[2]"
    assert f"{base}.extensions.rems.ready_to_leave_minutes" in paths
    assert f"{base}.extensions.rems.dissociation" in paths
    assert not any("pre_screen" in p for p in paths)  # answered by the intake's list
    assert "$.clinicians[0].extensions.rems.telephone" in paths
    assert all(f.blocking for f in findings)
    assert any("'Patient Treatment Session Information - If there was not a 2-hour minimum"
               in f.message and "extensions.rems" in f.message for f in findings)


def test_no_rems_finding_on_racemic_ketamine(rems_plugin, demo):
    assert _codes(demo, "cl-001-dose-01") == []


@pytest.mark.parametrize(("enrolled_on", "codes"), [
    (None, ["REMS-ENROL-001"]),
    (dt.date(2026, 2, 2), []),  # the day of the first treatment: before it, in time
    (dt.date(2026, 2, 3), ["REMS-ENROL-002"]),  # the day after
])
def test_enrolment_before_the_first_treatment(rems_plugin, demo, enrolled_on, codes):
    doc = with_rems(demo, enrolled_on=enrolled_on)
    got = [c for c, _p in _codes(doc, "cl-004-dose-01")]
    assert got == codes
    if codes:
        assert _codes(doc, "cl-004-dose-01")[0][1] == "$.courses[3].extensions.rems.enrolled_on"


def _signed(doc, session_id):
    course, s = doc.find_session(session_id)
    from kapnotes.model import NoteStatus, Signature, SignatureRole
    from kapnotes.store import session_content_hash

    g = Signature(clinician_id="dr-ames", signer_name="Dr. Lee Ames", credentials="MD",
                  role=SignatureRole.AUTHOR, signed_at=s.end, content_hash=session_content_hash(s),
                  statement="Electronically signed by the author.")
    s2 = evolve(s, status=NoteStatus.SIGNED, signatures=(g,))
    c2 = evolve(course, sessions=tuple(s2 if x.id == s.id else x for x in course.sessions))
    return evolve(doc, courses=tuple(c2 if c.id == course.id else c for c in doc.courses))


@pytest.mark.parametrize(("today", "code"), [
    (dt.date(2026, 2, 6), None),  # due 02-09: 3 days left, more than the 2-day warning
    (dt.date(2026, 2, 7), "REMS-PMF-003"),  # 2 days left
    (dt.date(2026, 2, 9), "REMS-PMF-003"),  # the last day
    (dt.date(2026, 2, 10), "REMS-PMF-004"),  # overdue
])
def test_the_submission_deadline(rems_plugin, rems_demo, today, code):
    rems_plugin.today = lambda: today
    doc = _signed(rems_demo, "cl-004-dose-01")
    got = [c for c, _p in _codes(doc, "cl-004-dose-01")]
    assert got == ([code] if code else [])


def test_signing_is_refused_until_the_form_is_complete_then_allowed(rems_plugin, demo, rems_demo, tmp_path):
    with open_store(tmp_path / "k.db") as store:
        store.save(demo)
        with pytest.raises(SigningRefused) as refused:
            sign(store, "cl-004-dose-01", "dr-ames")
        assert any(f.code == "REMS-PMF-001" for f in refused.value.findings)
    with open_store(tmp_path / "ok.db") as store:
        store.save(rems_demo)
        signed = sign(store, "cl-004-dose-01", "dr-ames", at=dt.datetime(2026, 2, 2, 19, tzinfo=dt.timezone.utc))
        assert signed.status.value == "signed"
        add_addendum(store, "cl-004-dose-01", "dr-ames",
                     submission_text("2021-11", TODAY, "PMF-0001"))
        _c, s = store.session("cl-004-dose-01")
        from kapnotes_rems.submission import submission_of

        sub = submission_of(s)
        assert sub is not None and (sub.on, sub.confirmation) == (TODAY, "PMF-0001")


def test_the_demo_has_complete_forms_but_for_its_last_esketamine_session(rems_plugin, synthetic_demo):
    for sid in ("cl-004-dose-01", "cl-004-dose-02", "cl-004-dose-03"):
        assert _codes(synthetic_demo, sid) == [], sid
    assert _codes(synthetic_demo, "cl-004-dose-04") == [
        ("REMS-PMF-001", "$.courses[3].sessions[8].extensions.rems.ready_to_leave_minutes")]
