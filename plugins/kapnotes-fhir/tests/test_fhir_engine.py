"""The exports against a real FHIR engine (Medplum's FhirRouter over a MemoryRepository).

See ``fhir_engine.py``: skipped only when node is missing. Posting is slow in the in-memory
engine (~15 s for 200 entries), so the posts use one client of the demo, text-only notes.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs

import fhir_engine
import pytest
from kapnotes_fhir.bundles import export_collection, export_transaction, export_transactions
from kapnotes_fhir.context import FhirExportError

from conftest import client_view, walk
from kapnotes.exporting import ExportOptions

pytestmark = pytest.mark.slow  # a real FHIR engine (Node, Medplum): minutes

#: Search parameters R4 defines for ``identifier`` (hl7.org/fhir/R4/searchparameter-registry.html):
#: every type the exporters write has one except AdverseEvent (and Binary, which has none).
NO_IDENTIFIER_SEARCH = {"AdverseEvent", "Binary"}


@pytest.fixture(scope="module")
def one_client_transaction(demo):
    view = client_view(demo, demo.clients[0].id)
    return json.loads(export_transaction(view, ExportOptions(extra={"indent": 0, "note_content": "text"})))


def test_conditional_creates_use_only_search_parameters_the_type_defines(demo):
    bundle = json.loads(export_transaction(demo, ExportOptions(extra={"indent": 0, "note_content": "text"})))
    seen = set()
    for e in bundle["entry"]:
        req = e["request"]
        rtype = e["resource"]["resourceType"]
        seen.add(rtype)
        if "ifNoneExist" in req:
            assert rtype not in NO_IDENTIFIER_SEARCH, (rtype, req)
            assert set(parse_qs(req["ifNoneExist"])) == {"identifier"}
            assert req["method"] == "POST"
        else:  # no identifier search: an update of the stable id, which creates it once
            assert rtype in NO_IDENTIFIER_SEARCH, (rtype, req)
            assert req == {"method": "PUT", "url": f"{rtype}/{e['resource']['id']}"}
            assert e["fullUrl"] == f"urn:uuid:{e['resource']['id']}"
    assert "AdverseEvent" in seen


def test_posting_a_transaction_twice_creates_nothing_the_second_time(one_client_transaction, demo):
    b = one_client_transaction
    first, counts1, second, counts2, refs = fhir_engine.steps(
        {"post": b}, {"counts": True}, {"post": b}, {"counts": True}, {"references": True}
    )
    assert first["ok"], first["issues"][:5]
    assert second["ok"], second["issues"][:5]
    expected: dict[str, int] = {}
    for e in b["entry"]:
        t = e["resource"]["resourceType"]
        expected[t] = expected.get(t, 0) + 1
    assert counts1 == expected
    assert counts2 == counts1  # AdverseEvents included: 0.1 doubled them
    assert refs["checked"] > 500 and refs["broken"] == []


def test_searches_by_patient_return_the_records_sets(one_client_transaction):
    b = one_client_transaction
    post, obs, enc = fhir_engine.steps(
        {"post": b},
        {"search": "Observation?subject={Patient}&_count=1000"},
        {"search": "Encounter?patient={Patient}&_count=1000"},
    )
    assert post["ok"] and obs["ok"] and enc["ok"]
    n_obs = sum(1 for e in b["entry"] if e["resource"]["resourceType"] == "Observation")
    n_enc = sum(1 for e in b["entry"] if e["resource"]["resourceType"] == "Encounter")
    assert n_obs > 100 and n_enc > 5
    assert len(set(obs["ids"])) == n_obs and len(set(enc["ids"])) == n_enc


def test_the_collection_validates_with_the_engine(demo):
    bundle = json.loads(export_collection(demo, ExportOptions(extra={"indent": 0, "note_content": "text"})))
    resources = [e["resource"] for e in bundle["entry"]]
    assert len(resources) > 800
    assert fhir_engine.errors_by_resource(resources) == {}


def _split(view, tmp_path, **extra):
    out = tmp_path / "tx"
    paths = export_transactions(view, ExportOptions(extra={"indent": 0, "note_content": "text", **extra}), out)
    return [json.loads(p.read_bytes()) for p in paths]


def test_the_whole_demo_in_one_transaction_is_refused_and_split_ones_are_taken(demo, tmp_path):
    # Medplum runs a transaction with conditional creates under strict isolation, 8 entries at most
    view = client_view(demo, demo.clients[0].id)
    whole = json.loads(export_transaction(view, ExportOptions(extra={"indent": 0, "note_content": "text"})))
    (refused,) = fhir_engine.steps({"post": whole, "transactions": True})
    assert not refused["ok"] and "too many entries" in refused["issues"][0]["text"]

    # an Observation with what it references is 9 entries, over that limit: the split Bundles
    # go to the engine's default transaction processing, which takes them however large
    bundles = _split(view, tmp_path, max_entries=20)
    assert len(bundles) > 10 and all(len(b["entry"]) <= 20 for b in bundles)
    for b in bundles:  # each Bundle stands alone: every reference is to one of its entries
        urls = {e["fullUrl"] for e in b["entry"]}
        assert all(r in urls for r in walk(b, "reference"))
    unique = {e["fullUrl"] for b in bundles for e in b["entry"]}
    posts = [{"post": b} for b in bundles]
    answers = fhir_engine.steps(*posts, {"counts": True}, *posts, {"counts": True}, {"references": True})
    n = len(bundles)
    assert all(a["ok"] for a in answers[:n]), [a["issues"] for a in answers[:n] if not a["ok"]][:3]
    assert all(a["ok"] for a in answers[n + 1 : 2 * n + 1])
    counts1, counts2, refs = answers[n], answers[2 * n + 1], answers[2 * n + 2]
    assert sum(counts1.values()) == len(unique) == len(whole["entry"])
    assert counts2 == counts1
    assert refs["broken"] == []


def test_split_per_patient_never_mixes_two_patients(demo, tmp_path):
    bundles = _split(demo, tmp_path)
    assert len(bundles) == len(demo.clients)
    for b in bundles:
        assert sum(1 for e in b["entry"] if e["resource"]["resourceType"] == "Patient") == 1
    assert _split(demo, tmp_path, split="none", max_entries=100000) and len(_split(demo, tmp_path, split="none", max_entries=100000)) == 1


def test_an_unknown_option_is_refused_with_the_known_ones_listed(demo, tmp_path):
    with pytest.raises(FhirExportError, match=r"unknown FHIR export option\(s\) 'max_entires'; known: .*max_entries"):
        _split(demo, tmp_path, max_entires=8)
    with pytest.raises(FhirExportError, match="max_entries must be a positive integer"):
        _split(demo, tmp_path, max_entries=0)
    with pytest.raises(FhirExportError, match="needs 3 entries"):
        _split(demo, tmp_path, max_entries=2)
    assert not (tmp_path / "tx").exists()  # nothing written


def test_measured_values_are_final_whatever_the_notes_status(demo):
    bundle = json.loads(export_collection(demo, ExportOptions(extra={"indent": 0, "note_content": "text"})))
    obs = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Observation"]
    docs = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "DocumentReference"]
    assert len(obs) > 500
    assert {o["status"] for o in obs} == {"final"}  # 0.1: 573 of 582 preliminary, from draft notes
    assert "preliminary" in {d["docStatus"] for d in docs}  # the note's status stays on its document


def test_adverse_event_severity_and_outcome_are_coded_from_their_required_value_sets(demo):
    bundle = json.loads(export_collection(demo, ExportOptions(extra={"indent": 0, "note_content": "none"})))
    aes = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "AdverseEvent"]
    assert len(aes) == 4
    for ae in aes:
        (sev,) = ae["severity"]["coding"]
        assert sev["system"] == "http://terminology.hl7.org/CodeSystem/adverse-event-severity"
        assert sev["code"] in {"mild", "moderate", "severe"}
        (out,) = ae["outcome"]["coding"]
        assert out["system"] == "http://terminology.hl7.org/CodeSystem/adverse-event-outcome"
        assert out["code"] in {"resolved", "unknown"}
    assert fhir_engine.errors_by_resource(aes) == {}


def _with_at_home_phq9(demo):
    """The demo with an at-home PHQ-9 (format 1.3) the evening before cl-001-dose-03, and a
    partial one after the course's last session."""
    import datetime as dt

    from kapnotes.model import MeasureAdministration, MeasureContext, evolve

    mst = dt.timezone(dt.timedelta(hours=-7))
    course = demo.courses[0]
    home = (
        MeasureAdministration(id="cl-001-home-01", instrument="phq9", items=(2, 1, 1, 1, 0, 1, 1, 0, 0),
                              administered_at=dt.datetime(2026, 1, 25, 20, 40, tzinfo=mst),
                              context=MeasureContext.HOME, notes="Portal response (synthetic)"),
        MeasureAdministration(id="cl-001-home-02", instrument="phq9", items=(1, 1, 0, None, None, None, None, None, None),
                              administered_at=dt.datetime(2026, 3, 9, 20, 0, tzinfo=mst),
                              context=MeasureContext.HOME),
    )
    return evolve(demo, courses=(evolve(course, measures=home), *demo.courses[1:]))


def test_at_home_measures_validate_post_and_resolve_with_the_engine(demo):
    doc = _with_at_home_phq9(demo)
    b = json.loads(export_transaction(client_view(doc, "cl-001"), ExportOptions(extra={"indent": 0, "note_content": "none"})))
    home = [e["resource"] for e in b["entry"]  # a session's measures and vital signs have an encounter
            if e["resource"]["resourceType"] in ("QuestionnaireResponse", "Observation") and "encounter" not in e["resource"]]
    qrs = [r for r in home if r["resourceType"] == "QuestionnaireResponse"]
    assert len(qrs) == 2 and len(home) == 3  # the partial one has no total Observation
    assert fhir_engine.errors_by_resource(home, profiles=True) == {}
    post, counts, refs, found = fhir_engine.steps(
        {"post": b}, {"counts": True}, {"references": True},
        {"search": "QuestionnaireResponse?subject={Patient}&_count=1000"},
    )
    assert post["ok"], post["issues"][:5]
    assert counts["QuestionnaireResponse"] == sum(1 for e in b["entry"] if e["resource"]["resourceType"] == "QuestionnaireResponse")
    assert refs["broken"] == []
    assert len(set(found["ids"])) == counts["QuestionnaireResponse"]


def _without_ids(answer):
    """A step's answer with the ids the engine assigned left out (they are random per repository)."""
    if isinstance(answer, dict) and "ids" in answer:
        return {**answer, "ids": len(answer["ids"])}
    return answer


def test_the_prefiltered_repository_answers_as_medplums_own(demo, tmp_path):
    # engine.mjs narrows identifier searches before Medplum's MemoryRepository runs them; the
    # same steps on the repository as Medplum ships it must give the same answers
    bundles = _split(client_view(demo, demo.clients[0].id), tmp_path, max_entries=20)[:4]
    posts = [{"post": b} for b in bundles]
    searches = []
    for b in bundles[:2]:
        for e in b["entry"]:
            if "ifNoneExist" not in e["request"]:
                continue
            rtype = e["resource"]["resourceType"]
            system, value = parse_qs(e["request"]["ifNoneExist"])["identifier"][0].split("|")
            searches += [f"{rtype}?identifier={system}|{value}", f"{rtype}?identifier={system.upper()}|{value.upper()}",
                         f"{rtype}?identifier={value}", f"{rtype}?identifier=|{value}", f"{rtype}?identifier={system}|",
                         f"{rtype}?identifier={system}|{value}x", f"{rtype}?identifier={value},{value}x",
                         f"{rtype}?identifier:not={system}|{value}"]
    assert len(searches) >= 40
    todo = [*posts, {"counts": True}, *posts, {"counts": True}, {"references": True}, *({"search": q} for q in searches)]
    fast = [_without_ids(a) for a in fhir_engine.steps(*todo)]
    plain = [_without_ids(a) for a in fhir_engine.steps(*todo, plain=True)]
    assert fast == plain
    found = fast[2 * len(posts) + 3:]
    assert all(a["ok"] for a in found)
    assert {a["ids"] for a in found[0::8]} == {1}  # each conditional create's own search finds its resource
    assert {a["ids"] for a in found[5::8]} == {0}  # and a value it does not hold finds nothing


def test_a_job_the_engine_fails_is_an_error_and_the_engine_goes_on():
    """The harness's kept engine: a failing job names the engine's error; the next job is answered."""
    with pytest.raises(AssertionError, match=r"the engine failed: TypeError"):
        fhir_engine.run({"validate": "not a list"})
    assert fhir_engine.validate([{"resourceType": "Patient", "id": "p1"}]) == [[]]
    assert fhir_engine.validate([{"resourceType": "Patient", "id": "p1", "gender": 7}]) != [[]]
