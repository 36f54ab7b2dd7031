"""Pseudonyms: keyed, stable for one secret, different for another, references kept consistent."""

from __future__ import annotations

import re

import pytest

from kapnotes.privacy import DeidentificationError, deidentify
from kapnotes.privacy.keys import Keyed
from kapnotes.serialization import canonical_bytes
from tests.privacy.helpers import OTHER_SECRET, SECRET, strings

PSEUDONYM = re.compile(
    r"^(client|course|session|measure|clinician|clinic|addendum|goal|document|objective|plan_goal"
    r"|group)-[0-9a-f]{12}$"
)


def _ids(data) -> set[str]:
    return {s for path, s in strings(data) if path.endswith(("id", "_by", "_ref"))}


def test_ids_and_references_are_pseudonyms(shifted):
    record = {k: v for k, v in shifted.items() if k != "deidentification"}
    ids = _ids(record)
    assert len(ids) > 1000
    assert all(PSEUDONYM.match(i) for i in ids), sorted(i for i in ids if not PSEUDONYM.match(i))[
        :5
    ]


def test_the_same_secret_gives_the_same_output(small_doc):
    a = canonical_bytes(deidentify(small_doc, secret=SECRET))
    b = canonical_bytes(deidentify(small_doc, secret=SECRET))
    assert a == b


def test_another_secret_gives_other_pseudonyms_and_other_offsets(small_doc):
    a = deidentify(small_doc, secret=SECRET)
    b = deidentify(small_doc, secret=OTHER_SECRET)
    assert _ids(a["clients"]).isdisjoint(_ids(b["clients"]))
    assert _ids(a["courses"]).isdisjoint(_ids(b["courses"]))
    starts_a = [s["start"] for c in a["courses"] for s in c["sessions"]]
    starts_b = [s["start"] for c in b["courses"] for s in c["sessions"]]
    assert sorted(starts_a) != sorted(starts_b)


def test_references_point_at_the_pseudonymized_records(shifted):
    clients = {c["id"] for c in shifted["clients"]}
    clinicians = {c["id"] for c in shifted["clinicians"]}
    for c in shifted["clinicians"]:
        assert c.get("supervisor_id", next(iter(clinicians))) in clinicians
    for course in shifted["courses"]:
        assert course["client_id"] in clients
        assert course["prescriber_id"] in clinicians
        sessions = {s["id"] for s in course["sessions"]}
        for s in course["sessions"]:
            assert all(c["clinician_id"] in clinicians for c in s.get("clinicians", []))
            assert all(g["clinician_id"] in clinicians for g in s.get("signatures", []))
            for i in s.get("interventions", []):
                if "dosing_session_id" in i:
                    assert i["dosing_session_id"] in sessions


def test_a_pseudonym_is_an_hmac_of_the_namespaced_id_and_nothing_simpler():
    keyed = Keyed(SECRET)
    assert keyed.pseudonym("client", "cl-001") == keyed.pseudonym("client", "cl-001")
    assert keyed.pseudonym("client", "cl-001") != keyed.pseudonym("session", "cl-001")[8:]
    import hashlib

    plain = hashlib.sha256(b"cl-001").hexdigest()[:12]
    assert plain not in keyed.pseudonym("client", "cl-001")


def test_the_secret_is_never_written(small_doc):
    out = canonical_bytes(deidentify(small_doc, secret=SECRET))
    assert SECRET not in out
    assert SECRET.hex().encode() not in out


@pytest.mark.parametrize("secret", [b"", b"short", "a str secret of enough length", None])
def test_a_missing_short_or_non_bytes_secret_is_refused(small_doc, secret):
    with pytest.raises(DeidentificationError):
        deidentify(small_doc, secret=secret)


@pytest.mark.parametrize(
    "options",
    [{"dates": "month"}, {"max_shift_days": 0}, {"max_shift_days": 5000}, {"max_shift_days": 1.5}],
)
def test_unknown_options_are_refused(small_doc, options):
    with pytest.raises(DeidentificationError):
        deidentify(small_doc, secret=SECRET, **options)


def test_clinicians_can_be_kept_on_request(small_doc):
    out = deidentify(small_doc, secret=SECRET, keep_clinicians=True)
    names = {c["name"] for c in out["clinicians"]}
    assert "Dr. Lee Ames" in names
    assert {c["id"] for c in out["clinicians"]} == {c.id for c in small_doc.clinicians}
    assert out["clinic"]["name"].startswith("Juniper Ridge")
    assert out["clinic"]["id"] == small_doc.clinic.id
    assert "lines" not in out["clinic"]["address"]  # the clinic's street is still below a state
    assert out["deidentification"]["clinicians"] == "kept"
    assert all("name" not in c for c in out["clients"])


def test_clinicians_are_removed_by_default(small_doc):
    out = deidentify(small_doc, secret=SECRET)
    assert all(
        set(c) <= {"id", "credentials", "roles", "licensed", "supervisor_id"}
        for c in out["clinicians"]
    )
    sigs = [g for c in out["courses"] for s in c["sessions"] for g in s.get("signatures", [])]
    assert sigs and all("signer_name" not in g and "content_hash" not in g for g in sigs)
    assert "name" not in out["clinic"] and "phone" not in out["clinic"]
