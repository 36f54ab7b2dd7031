"""The NDJSON export on worker processes: the same bytes as one process, errors as in one process."""

from __future__ import annotations

import base64
import hashlib
import json
import multiprocessing
import sqlite3
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from kapnotes_fhir import ndjson_workers
from kapnotes_fhir.context import FhirExportError, Settings
from kapnotes_fhir.ndjson import export_ndjson

from kapnotes.cli import cli
from kapnotes.errors import InvalidError
from kapnotes.exporting import ExportOptions, RecordView, export_record
from kapnotes.model import NoteStatus, evolve
from kapnotes.store import open_store
from kapnotes.synthetic import build_document

sys.path.insert(0, str(Path(__file__).parent / "pinned"))
import pins

#: Text a line must carry byte for byte: JSON escapes, line and paragraph separators, non-BMP.
ODD = 'Zoë “quoted” \\ back\\slash "q" \u2028 sep \u2029 tab\t 🙂 𝄞 <b>&amp;</b> ünï'


@pytest.fixture(scope="module")
def big_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store of 40 courses (above the threshold), odd text in every draft's intention and
    intervention notes (in its note, and in its Procedures' JSON)."""
    doc = build_document(clients=40)
    courses = []
    for course in doc.courses:
        sessions = tuple(
            evolve(s, intention=f"{ODD} {s.id}", interventions=tuple(evolve(iv, notes=ODD) for iv in s.interventions))
            if s.status is NoteStatus.DRAFT else s
            for s in course.sessions
        )
        courses.append(evolve(course, sessions=sessions))
    doc = evolve(doc, courses=tuple(courses))
    path = tmp_path_factory.mktemp("workers") / "clinic.db"
    with open_store(path) as store:
        store.save(doc, actor="test")
    return path


def _export(db: Path, out: Path, **extra: object) -> dict[str, bytes]:
    with open_store(db, create=False, read_only=True) as store:
        paths = export_record(
            RecordView.of_store(store), "fhir-ndjson", options=ExportOptions(extra=dict(extra)),
            directory=out, audit=False,
        )
    return {p.name: p.read_bytes() for p in paths}


def _plan(db: Path, **extra: object) -> object:
    with open_store(db, create=False, read_only=True) as store:
        return ndjson_workers.parallel_plan(
            RecordView.of_store(store), Settings.from_options(ExportOptions(extra=dict(extra)), note_content=("text",))
        )


def test_a_parallel_export_is_byte_identical_to_one_process(big_store, tmp_path):
    assert _plan(big_store, workers=1) is None
    plan = _plan(big_store, workers=2)
    assert plan is not None and plan[2] == 2 and len(plan[1]) == 40
    one = _export(big_store, tmp_path / "one", workers=1)
    two = _export(big_store, tmp_path / "two", workers=2)
    three = _export(big_store, tmp_path / "three", workers=3)
    assert sorted(one) == sorted(two) == sorted(three)
    assert [n for n in one if one[n] != two[n] or one[n] != three[n]] == []
    # the odd text went through the workers: in the drafts' notes, every character intact
    notes = _lines(two["DocumentReference.ndjson"])
    texts = [base64.b64decode(c["attachment"]["data"]).decode("utf-8") for r in notes for c in r["content"]]
    kept = ODD.replace("\u2028", "\n").replace("\u2029", "\n")  # a note's text breaks lines at them
    assert sum(kept in t for t in texts) > 40
    procedures = _lines(two["Procedure.ndjson"])
    assert sum(n.get("text") == ODD for r in procedures for n in r.get("note", [])) > 40
    assert len(_lines(two["Encounter.ndjson"])) == 440


def _lines(data: bytes) -> list[dict]:
    """The resources of an NDJSON file (lines end at \\n only: U+2028 is text inside a line)."""
    lines = data.decode("utf-8").split("\n")
    assert lines[-1] == ""
    return [json.loads(x) for x in lines[:-1]]


def test_the_pins_hold_with_workers(tmp_path, monkeypatch):
    monkeypatch.setattr(ndjson_workers, "PARALLEL_THRESHOLD", 1)
    monkeypatch.setattr(ndjson_workers, "UNIT", 1)  # one course a batch: the small stores go to workers
    (tmp_path / "stores").mkdir()
    stores = pins.build(tmp_path / "stores")
    expected = json.loads(pins.DIGESTS.read_text(encoding="utf-8"))
    for store, path in stores.items():
        assert _plan(path, workers=2) is not None
        for name, extra in pins.EXPORTS.items():
            found = pins.export(path, {**extra, "workers": 2}, tmp_path / f"{store}-{name}")
            assert found == expected[f"{store}/{name}"], (store, name)


def test_a_small_record_and_a_document_stay_in_one_process(tmp_path, demo):
    db = tmp_path / "demo.db"
    with open_store(db) as store:
        store.save(demo)
    assert _plan(db, workers=2) is None  # 4 courses
    settings = Settings.from_options(ExportOptions(extra={"workers": 4}), note_content=("text",))
    assert ndjson_workers.parallel_plan(RecordView.of_document(demo), settings) is None


def test_a_damaged_course_in_a_worker_stops_the_export_with_its_path_and_writes_no_file(big_store, tmp_path):
    db = tmp_path / "damaged.db"
    db.write_bytes(big_store.read_bytes())
    conn = sqlite3.connect(db)
    conn.execute("UPDATE sessions SET doc = json_set(doc, '$.surprise', 1) WHERE id = 'cl-031-follow-01'")
    conn.commit()
    conn.close()
    messages = []
    for workers in (1, 2):
        out = tmp_path / f"out-{workers}"
        with pytest.raises(InvalidError, match=r"\$\.sessions\[10\]\.surprise") as raised:
            _export(db, out, workers=workers)
        messages.append(str(raised.value))
        assert list(out.iterdir()) == []  # no .ndjson, no .part
    assert messages[0] == messages[1]  # the same error as one process gives
    assert multiprocessing.active_children() == []


def test_a_plugin_failing_in_a_worker_is_named_as_in_one_process(big_store, tmp_path, monkeypatch):
    from kapnotes_fhir import documents

    from kapnotes.errors import PluginFailure

    real = documents.build_note

    def build_note(ctx, course, client, s):  # a note format that fails on one session
        if s.id == "cl-025-dose-02":
            from kapnotes.errors import call_plugin

            return call_plugin("note format", "broken", "kapnotes-broken", s.id, _fail, returns=object)
        return real(ctx, course, client, s)

    monkeypatch.setattr(documents, "build_note", build_note)  # forked workers inherit it
    messages = []
    for workers in (1, 2):
        out = tmp_path / f"out-{workers}"
        with pytest.raises(PluginFailure) as raised:
            _export(big_store, out, workers=workers)
        messages.append(str(raised.value))
        assert list(out.iterdir()) == []
    assert messages[0] == messages[1]
    assert "broken" in messages[0] and "cl-025-dose-02" in messages[0]


def _fail() -> object:
    raise RuntimeError("the format's own bug")


def test_stopping_early_leaves_no_worker_running(big_store):
    with open_store(big_store, create=False, read_only=True) as store:
        view = RecordView.of_store(store)
        settings = Settings.from_options(ExportOptions(extra={"workers": 2}), note_content=("text",))
        plan = ndjson_workers.parallel_plan(view, settings)
        assert plan is not None
        from kapnotes_fhir.context import ExportContext

        batches = ndjson_workers.course_lines(ExportContext(view, settings, mode="relative"), *plan)
        first = next(batches)
        assert "Encounter" in first
        assert multiprocessing.active_children() != []
        batches.close()
    assert multiprocessing.active_children() == []


def test_an_error_while_writing_removes_the_part_files_and_ends_the_workers(big_store, tmp_path, monkeypatch):
    from kapnotes_fhir import ndjson

    calls = []
    real = ndjson._Files.add

    def add(self, rtype, text):
        calls.append(rtype)
        if len(calls) > 70:  # the people (44 lines), then into the second batch of courses
            raise KeyboardInterrupt  # Ctrl-C while writing
        real(self, rtype, text)

    monkeypatch.setattr(ndjson._Files, "add", add)
    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt), open_store(big_store, create=False, read_only=True) as store:
        export_ndjson(RecordView.of_store(store), ExportOptions(extra={"workers": 2}), out)
    assert list(out.iterdir()) == []
    assert multiprocessing.active_children() == []


@pytest.mark.parametrize("value", [0, -1, True, "2", 1.5])
def test_the_workers_option_is_validated(value):
    with pytest.raises(FhirExportError, match=r"workers must be a positive integer"):
        Settings.from_options(ExportOptions(extra={"workers": value}), note_content=("text",))


def test_the_workers_option_from_the_command_line(big_store, tmp_path):
    db = tmp_path / "k.db"
    db.write_bytes(big_store.read_bytes())
    out = tmp_path / "x"
    r = CliRunner().invoke(cli, ["fhir-export", "--db", str(db), "--to", "fhir-ndjson", "-o", str(out), "--workers", "0"])
    assert r.exit_code == 1
    assert "workers must be a positive integer, got 0" in r.output
    assert "Traceback" not in r.output and not out.exists()
    r = CliRunner().invoke(cli, ["fhir-export", "--db", str(db), "--to", "fhir-ndjson", "-o", str(out), "--workers", "two"])
    assert r.exit_code == 2 and "--workers" in r.output and not out.exists()
    digests = {}
    for workers in ("1", "2"):
        r = CliRunner().invoke(cli, ["fhir-export", "--db", str(db), "--to", "fhir-ndjson", "-o", str(out / workers),
                                     "--workers", workers])
        assert r.exit_code == 0, r.output
        digests[workers] = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in (out / workers).iterdir()}
    assert digests["1"] == digests["2"] and "Encounter.ndjson" in digests["1"]
    with open_store(db, create=False, read_only=True) as store:  # audited once per export, by this process
        rows = store.conn.execute("SELECT count(*) FROM audit WHERE action = 'export'").fetchone()[0]
    assert rows == 2 * 40


def test_an_encrypted_store_is_exported_in_one_process(tmp_path, monkeypatch):
    pytest.importorskip("sqlcipher3")
    monkeypatch.setattr(ndjson_workers, "PARALLEL_THRESHOLD", 1)
    monkeypatch.setattr(ndjson_workers, "UNIT", 1)  # would go to workers, were it not encrypted
    key = b"k" * 32
    db = tmp_path / "encrypted.db"
    with open_store(db, key=key) as store:
        store.save(build_document(clients=3), actor="test")
    with open_store(db, create=False, key=key, read_only=True) as store:
        view = RecordView.of_store(store)
        settings = Settings.from_options(ExportOptions(extra={"workers": 2}), note_content=("text",))
        assert ndjson_workers.parallel_plan(view, settings) is None  # the key is not kept to hand on
        paths = export_ndjson(view, ExportOptions(extra={"workers": 2}), tmp_path / "out")
    assert len(_lines((tmp_path / "out" / "Encounter.ndjson").read_bytes())) == 33 and paths


def _dying(ids: list[str]) -> object:
    """A worker that ends at once (killed, out of memory): no result, no exception."""
    import os

    os._exit(3)


def test_a_worker_that_dies_is_a_clear_error_and_writes_no_file(big_store, tmp_path, monkeypatch):
    monkeypatch.setattr(ndjson_workers, "_work", _dying)  # forked workers inherit it
    out = tmp_path / "out"
    with (
        pytest.raises(FhirExportError, match="a worker process of the NDJSON export ended unexpectedly"),
        open_store(big_store, create=False, read_only=True) as store,
    ):
        export_ndjson(RecordView.of_store(store), ExportOptions(extra={"workers": 2}), out)
    assert list(out.iterdir()) == []
    assert multiprocessing.active_children() == []


def test_kapnotes_export_uses_the_workers_on_a_writable_store(big_store, tmp_path, monkeypatch):
    db = tmp_path / "k.db"
    db.write_bytes(big_store.read_bytes())
    used = []
    real = ndjson_workers.course_lines

    def spy(*args):
        used.append(args[-1])
        yield from real(*args)

    from kapnotes_fhir import ndjson

    monkeypatch.setattr(ndjson, "course_lines", spy)  # what export_ndjson calls
    out = tmp_path / "bulk"
    r = CliRunner().invoke(cli, ["export", "--db", str(db), "--to", "fhir-ndjson", "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert (used and used[0] >= 2) or ndjson_workers.worker_count() < 2  # a 1-CPU machine: one process
    one = _export(db, tmp_path / "one", workers=1)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == one
