"""Notes as separate ``Binary`` resources (``note_attachment`` ``binary``) or inline (the default)."""

from __future__ import annotations

import base64
import hashlib
import json

import fhir_engine
import pytest
from click.testing import CliRunner
from kapnotes_fhir.bundles import export_collection, export_transaction, export_transactions
from kapnotes_fhir.context import FhirExportError
from kapnotes_fhir.ndjson import export_ndjson

from conftest import client_view
from kapnotes.cli import cli
from kapnotes.exporting import ExportOptions, RecordView
from kapnotes.store import open_store


def opts(**extra) -> ExportOptions:
    return ExportOptions(extra={"indent": 0, "note_content": "text", **extra})


def by_type(resources: list[dict], rtype: str) -> list[dict]:
    return [r for r in resources if r["resourceType"] == rtype]


def test_inline_is_the_default_and_binary_carries_the_same_bytes(demo):
    view = client_view(demo, "cl-002")
    inline = [e["resource"] for e in json.loads(export_collection(view, opts()))["entry"]]
    binary = [e["resource"] for e in json.loads(export_collection(view, opts(note_attachment="binary")))["entry"]]
    assert not by_type(inline, "Binary")
    files = {b["id"]: b for b in by_type(binary, "Binary")}
    docs_inline, docs_binary = by_type(inline, "DocumentReference"), by_type(binary, "DocumentReference")
    assert len(files) == sum(len(d["content"]) for d in docs_binary) == len(docs_inline) > 5
    for a, b in zip(docs_inline, docs_binary, strict=True):
        (ca,), (cb,) = a["content"], b["content"]
        att = cb["attachment"]
        assert "data" not in att and att["url"].startswith("Binary/")
        f = files[att["url"].removeprefix("Binary/")]
        data = base64.b64decode(f["data"])
        assert f["data"] == ca["attachment"]["data"]  # the same file
        assert att["size"] == len(data) and att["hash"] == base64.b64encode(hashlib.sha1(data).digest()).decode()
        assert (att["contentType"], f["contentType"]) == (ca["attachment"]["contentType"],) * 2
        assert f["securityContext"] == b["subject"]  # the patient's access rules apply to the file
        assert {k: v for k, v in att.items() if k not in ("url", "size", "hash")} == {
            k: v for k, v in ca["attachment"].items() if k != "data"}
    assert fhir_engine.errors_by_resource(list(files.values())[:3] + docs_binary[:3]) == {}


def test_a_bad_note_attachment_is_refused_with_the_choices(demo):
    with pytest.raises(FhirExportError, match="note_attachment must be one of inline, binary, got 'file'"):
        export_collection(RecordView.of_document(demo), opts(note_attachment="file"))


@pytest.mark.slow  # posts to the real FHIR engine twice
def test_binary_transactions_post_twice_and_every_file_is_on_the_server(demo, tmp_path):
    view = client_view(demo, "cl-002")
    bundle = json.loads(export_transaction(view, opts(note_attachment="binary")))
    binaries = [e for e in bundle["entry"] if e["resource"]["resourceType"] == "Binary"]
    assert binaries and all(e["request"] == {"method": "PUT", "url": f"Binary/{e['resource']['id']}"} for e in binaries)
    # split Bundles keep each file with its DocumentReference
    for b in (json.loads(p.read_bytes()) for p in export_transactions(view, opts(note_attachment="binary", max_entries=40), tmp_path / "tx")):
        ids = {e["resource"]["id"] for e in b["entry"] if e["resource"]["resourceType"] == "Binary"}
        for e in b["entry"]:
            for c in e["resource"].get("content", []):
                assert c["attachment"]["url"].removeprefix("Binary/") in ids
    first, counts1, second, counts2, stored_docs, stored_files = fhir_engine.steps(
        {"post": bundle}, {"counts": True}, {"post": bundle}, {"counts": True},
        {"read": "DocumentReference"}, {"read": "Binary"},
    )
    assert first["ok"] and second["ok"], (first["issues"][:3], second["issues"][:3])
    assert counts2 == counts1 and counts1["Binary"] == len(binaries)
    on_server = {f"Binary/{b['id']}" for b in stored_files}
    urls = [c["attachment"]["url"] for d in stored_docs for c in d["content"]]
    assert urls and set(urls) <= on_server


def test_ndjson_writes_binary_ndjson(demo, tmp_path):
    paths = export_ndjson(client_view(demo, "cl-001"), opts(note_attachment="binary"), tmp_path / "bulk")
    names = {p.name for p in paths}
    assert "Binary.ndjson" in names
    lines = [json.loads(x) for x in (tmp_path / "bulk" / "Binary.ndjson").read_text(encoding="utf-8").splitlines()]
    docs = [json.loads(x) for x in (tmp_path / "bulk" / "DocumentReference.ndjson").read_text(encoding="utf-8").splitlines()]
    assert {f"Binary/{b['id']}" for b in lines} == {c["attachment"]["url"] for d in docs for c in d["content"]}
    export_ndjson(client_view(demo, "cl-001"), opts(), tmp_path / "bulk")  # inline again: no stale Binary file
    assert not (tmp_path / "bulk" / "Binary.ndjson").exists()


def test_cli_note_attachment(demo, tmp_path):
    db = tmp_path / "k.db"
    with open_store(db) as store:
        store.save(demo)
    out = tmp_path / "bulk"
    r = CliRunner().invoke(cli, ["fhir-export", "--db", str(db), "--to", "fhir-ndjson", "-o", str(out),
                                 "--client", "cl-003", "--note-content", "text", "--note-attachment", "binary"])
    assert r.exit_code == 0, r.output
    assert (out / "Binary.ndjson").exists()
    r = CliRunner().invoke(cli, ["fhir-export", "--db", str(db), "-o", str(tmp_path / "x"), "--note-attachment", "file"])
    assert r.exit_code != 0 and "inline" in r.output and "Traceback" not in r.output
