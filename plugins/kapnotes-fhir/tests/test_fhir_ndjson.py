"""Bulk Data NDJSON: one file per type, every line a valid resource, written as the record streams."""

from __future__ import annotations

import gc
import json
import tracemalloc
import uuid
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from kapnotes_fhir import codes
from kapnotes_fhir.ndjson import export_ndjson

from conftest import check_required, codings
from kapnotes.exporting import ExportOptions, RecordView, export_record
from kapnotes.synthetic import build_document


def read(paths: list[Path]) -> dict[str, list[dict]]:
    out = {}
    for p in paths:
        assert p.name.endswith(".ndjson")
        lines = p.read_text(encoding="utf-8").split("\n")
        assert lines[-1] == ""  # every line ends with \n
        out[p.name[: -len(".ndjson")]] = [json.loads(line) for line in lines[:-1]]
    return out


def test_ndjson_files_parse_line_by_line_and_validate(demo, tmp_path):
    from fhir.resources.R4B import get_fhir_model_class

    paths = export_record(RecordView.of_document(demo), "fhir-ndjson", directory=tmp_path)
    assert paths == sorted(paths)
    by_type = read(paths)
    assert {"Patient", "Encounter", "Observation", "QuestionnaireResponse", "DocumentReference",
            "MedicationAdministration", "Medication", "Procedure", "EpisodeOfCare", "Condition"} <= set(by_type)
    ids = set()
    allowed = codes.allowed_codings() | {(codes.ICD10CM, i.code) for c in demo.courses for i in c.indications}
    from kapnotes_fhir.charges import CPT, HCPCS  # the record's own service-line codes

    allowed |= {({"CPT": CPT, "HCPCS": HCPCS}[x.system.value], x.code)
                for c in demo.courses for s in c.sessions for x in s.service_lines}
    for rtype, resources in by_type.items():
        model = get_fhir_model_class(rtype)
        for r in resources:
            assert r["resourceType"] == rtype
            model.model_validate(r)
            check_required(r)
            ids.add(f"{rtype}/{r['id']}")
            for c in codings(r):
                assert (c["system"], c["code"]) in allowed
    assert len(by_type["Patient"]) == 4
    assert len(by_type["Encounter"]) == 44
    # Bulk Data references are Type/id and resolve inside the export
    refs = [ref for rs in by_type.values() for r in rs for ref in _refs(r)]
    assert refs and all(not ref.startswith("urn:") for ref in refs)
    assert set(refs) <= ids
    # the default note content of NDJSON is text (Word is opt-in)
    doc = by_type["DocumentReference"][0]
    assert [c["attachment"]["contentType"] for c in doc["content"]] == ["text/plain; charset=utf-8"]


def _refs(obj):
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k == "reference":
                yield v
            else:
                yield from _refs(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _refs(v)


def test_ndjson_is_deterministic_and_replaces_an_earlier_export(demo, tmp_path):
    view = RecordView.of_document(demo)
    a = export_ndjson(view, ExportOptions(), tmp_path / "a")
    b = export_ndjson(view, ExportOptions(), tmp_path / "b")
    assert [p.read_bytes() for p in a] == [p.read_bytes() for p in b]
    stale = tmp_path / "a" / "AdverseEvent.ndjson"
    assert stale.exists()
    other = tmp_path / "a" / "notes.txt"
    other.write_text("mine", encoding="utf-8")
    small = build_document(clients=3, dosings=0)  # no dosing: no adverse events, no medication
    paths = export_ndjson(RecordView.of_document(small), ExportOptions(extra={"note_content": "none"}), tmp_path / "a")
    assert not stale.exists()
    assert other.exists()  # not ours: left alone
    assert not list((tmp_path / "a").glob("*.part"))
    assert {p.name for p in paths} == {p.name for p in (tmp_path / "a").glob("*.ndjson")}


def test_a_failing_export_leaves_no_partial_files(demo, tmp_path):
    def courses():
        yield demo.courses[0]
        raise RuntimeError("store went away")

    view = RecordView(clinic=demo.clinic, clinicians=demo.clinicians, clients=demo.clients, courses=courses)
    with pytest.raises(RuntimeError):
        export_ndjson(view, ExportOptions(), tmp_path)
    assert list(tmp_path.iterdir()) == []


def _streamed_view(clients: int) -> RecordView:
    """A view whose courses are built one client at a time, as a store streams them."""
    people = build_document(clients=clients, dosings=4)
    return RecordView(
        clinic=people.clinic,
        clinicians=people.clinicians,
        clients=people.clients,
        courses=lambda: (c for i in range(clients) for c in _built(i).courses),
    )


def _built(i: int):
    """One client's synthetic record. The builder (which also runs the billing engine on every
    session) leaves garbage that only a full collection frees; collecting it here keeps the
    measurement about the exporter, not the synthetic builder."""
    gc.collect()
    return build_document(clients=1, first_client=i)


def _measure(clients: int, tmp_path: Path) -> tuple[int, int, int]:
    """(peak traced memory, memory still held after the export, bytes written)."""
    view = _streamed_view(clients)
    gc.collect()
    tracemalloc.start()
    try:
        paths = export_ndjson(view, ExportOptions(extra={"note_content": "none"}), tmp_path / str(clients))
        peak = tracemalloc.get_traced_memory()[1]
        gc.collect()  # also empties CPython's free lists, which tracemalloc counts as in use
        kept = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    return peak, kept, sum(p.stat().st_size for p in paths)


@pytest.mark.slow
def test_memory_stays_flat_as_the_record_grows(tmp_path):
    _measure(16, tmp_path / "warm-up")  # fills the bounded caches before either measurement
    small_peak, small_kept, small_written = _measure(8, tmp_path)  # 88 sessions
    peak, kept, written = _measure(64, tmp_path)  # 8x the sessions (704)
    assert written > 7 * small_written
    # Nothing of the record is kept once written. What stays after an export is the bounded
    # caches (converters, instrument lookups of the installed plugins): 52-72 kB here and in CI,
    # varying by run, so the bound is not an absolute figure but (a) small beside what was
    # written - a kept record would be megabytes - and (b) not growing with the record: 616 more
    # sessions kept at 40 bytes each (an id apiece) would add 24 kB; runs varied by 3-14 kB.
    assert kept < 0.01 * written, (kept, written)
    assert kept - small_kept < 24_000, (small_kept, kept)
    # ... and the peak does not grow with the record (one course at a time, plus a bounded id
    # cache), while a list of the resources would grow 8x; the benchmark shows it flat from 10k
    # to 100k sessions
    assert peak < 2 * small_peak, (small_peak, peak)  # a list of resources would be ~8x
    assert peak < 0.1 * written, (peak, written)


@given(st.text(max_size=20), st.sampled_from(["Patient", "Observation", "Encounter"]), st.text(max_size=60))
def test_resource_ids_are_uuid5_as_rfc4122_defines_it(clinic, rtype, key):
    from kapnotes_fhir.ids import NAMESPACE, resource_uuid

    assert resource_uuid(clinic, rtype, key) == str(uuid.uuid5(NAMESPACE, f"{clinic}/{rtype}/{key}"))


def test_an_ndjson_line_is_what_json_dumps_writes():
    from kapnotes_fhir.ndjson import line

    r = {"resourceType": "Patient", "name": [{"text": "Zoë \u2028 \"q\""}], "n": 1.5, "b": True, "z": None}
    assert line(r) == json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n"


def test_a_damaged_store_row_stops_the_export_with_its_path_and_writes_no_file(tmp_path):
    import sqlite3

    from kapnotes.errors import InvalidError
    from kapnotes.store import open_store

    db = tmp_path / "clinic.db"
    with open_store(db) as store:
        store.save(build_document(clients=2))
    conn = sqlite3.connect(db)
    conn.execute("UPDATE sessions SET doc = json_set(doc, '$.surprise', 1) WHERE id = 'cl-002-follow-01'")
    conn.commit()
    conn.close()
    out = tmp_path / "out"
    with (
        open_store(db, create=False, read_only=True) as store,
        pytest.raises(InvalidError, match=r"\$\.sessions\[10\]\.surprise"),
    ):
        export_record(RecordView.of_store(store), "fhir-ndjson", directory=out, audit=False)
    assert list(out.iterdir()) == []


def test_every_type_the_exporter_writes_is_one_it_clears_from_an_earlier_export(demo, tmp_path):
    """A directory never mixes two exports: a type this export did not write is removed, so
    every type the exporter can write must be in ``RESOURCE_TYPES`` (ChargeItem once was not)."""
    from kapnotes_fhir.ndjson import RESOURCE_TYPES

    from kapnotes.model import evolve

    written = {p.name[: -len(".ndjson")] for p in export_ndjson(RecordView.of_document(demo), ExportOptions(), tmp_path / "a")}
    assert "ChargeItem" in written
    assert written <= set(RESOURCE_TYPES)
    # the same record without service lines: the earlier export's ChargeItem.ndjson goes
    unbilled = evolve(demo, courses=tuple(
        evolve(c, sessions=tuple(evolve(s, service_lines=()) for s in c.sessions)) for c in demo.courses))
    paths = export_ndjson(RecordView.of_document(unbilled), ExportOptions(), tmp_path / "a")
    assert "ChargeItem.ndjson" not in {p.name for p in paths}
    assert not (tmp_path / "a" / "ChargeItem.ndjson").exists()
    assert {p.name for p in paths} == {p.name for p in (tmp_path / "a").glob("*.ndjson")}
