"""Posting the transaction Bundle to a FHIR server twice creates nothing the second time.

The server (conftest ``fhir_server``) runs on 127.0.0.1 in a thread and implements conditional
create from the Bundle entries' ``ifNoneExist``; the example ``examples/ehr_integration.py`` is
run against it as an integrator would run it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

from kapnotes_fhir.bundles import export_transaction

from conftest import walk
from kapnotes.exporting import ExportOptions, RecordView

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "examples" / "ehr_integration.py"


def _post(url: str, data: bytes) -> dict:
    import urllib.request

    req = urllib.request.Request(url, data=data, method="POST",
                                 headers={"Content-Type": "application/fhir+json", "Accept": "application/fhir+json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read())


def test_posting_twice_creates_no_duplicates(demo, fhir_server):
    url, server = fhir_server
    bundle = export_transaction(RecordView.of_document(demo), ExportOptions(extra={"note_content": "text"}))
    n = len(json.loads(bundle)["entry"])
    first = _post(url, bundle)
    assert Counter(e["response"]["status"] for e in first["entry"]) == {"201 Created": n}
    assert server.count() == n
    second = _post(url, bundle)
    assert Counter(e["response"]["status"] for e in second["entry"]) == {"200 OK": n}
    assert server.count() == n  # nothing new
    # every reference the server stored points at a resource it has
    stored = {f"{t}/{i}" for t, rs in server.resources.items() for i in rs}
    refs = [r for rs in server.resources.values() for res in rs.values() for r in walk(res, "reference")]
    assert refs and set(refs) <= stored
    patients = server.resources["Patient"]
    assert len(patients) == 4


def test_a_second_export_with_more_data_adds_only_the_new_resources(demo, fhir_server):
    from kapnotes.synthetic import build_document

    url, server = fhir_server
    _post(url, export_transaction(RecordView.of_document(demo), ExportOptions(extra={"note_content": "none"})))
    before = server.count()
    bigger = build_document(clients=5)
    _post(url, export_transaction(RecordView.of_document(bigger), ExportOptions(extra={"note_content": "none"})))
    assert len(server.resources["Patient"]) == 5
    assert len(server.resources["Organization"]) == 1
    assert len(server.resources["Practitioner"]) == 4
    assert server.count() > before
    # the new patient's encounters point at the existing organization, not a copy
    org = next(iter(server.resources["Organization"]))
    providers = {e["serviceProvider"]["reference"] for e in server.resources["Encounter"].values()}
    assert providers == {f"Organization/{org}"}


def test_the_example_posts_to_an_ehr_twice_without_duplicates(fhir_server, tmp_path):
    url, server = fhir_server
    run = [sys.executable, str(EXAMPLE), str(tmp_path), "--endpoint", url]
    first = subprocess.run(run, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "201 Created" in first.stdout
    created = server.count()
    assert created > 800
    second = subprocess.run(run, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert "201" not in second.stdout and "200 OK" in second.stdout
    assert server.count() == created
    assert {r["content_type"] for r in server.requests} == {"application/fhir+json"}
    assert {r["accept"] for r in server.requests} == {"application/fhir+json"}
    assert (tmp_path / "transaction-bundle.json").exists()


def test_the_example_without_a_server_writes_the_bundle(tmp_path):
    r = subprocess.run([sys.executable, str(EXAMPLE), str(tmp_path)], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "would POST" in r.stdout
    bundle = json.loads((tmp_path / "transaction-bundle.json").read_text(encoding="utf-8"))
    assert bundle["type"] == "transaction"


def test_the_example_reads_a_record_file_and_reports_an_unreachable_ehr(tmp_path):
    import kapnotes
    from kapnotes.synthetic import build_document

    record = tmp_path / "record.json"
    kapnotes.dump(build_document(clients=3), record)
    r = subprocess.run(
        [sys.executable, str(EXAMPLE), str(tmp_path / "out"), "--record", str(record), "--endpoint", "http://127.0.0.1:9/fhir"],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
    )
    assert r.returncode == 1
    assert "cannot reach" in r.stderr
    assert "Traceback" not in r.stderr
    assert json.loads((tmp_path / "out" / "transaction-bundle.json").read_text(encoding="utf-8"))["entry"]
