"""The three Bundle exporters: collection, transaction and document.

* ``collection``: every resource of the view, each entry with its ``urn:uuid:`` fullUrl.
* ``transaction``: the same resources as ``POST`` requests, each created only if no resource with
  its business identifier exists (``ifNoneExist: identifier=<system>|<value>``; types without an
  ``identifier`` search parameter, AdverseEvent, are ``PUT`` to their stable id), references
  between entries by ``urn:uuid:``, which the server rewrites to the ids it assigns. Posting the
  same Bundle twice creates nothing the second time.
* ``document``: one signed note: its Composition first, then exactly the resources the
  Composition references, directly or through them.

A Bundle is built in memory; for a large store use the NDJSON exporter, which streams.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from kapnotes.exporting import ExportOptions, RecordView
from kapnotes.model import Document, NoteStatus, Session, TreatmentCourse
from kapnotes.outputs import OutputError, describe_os_error, ensure_folder
from kapnotes_fhir import documents, resources
from kapnotes_fhir.context import Entry, ExportContext, FhirExportError, Settings, as_view, when
from kapnotes_fhir.ids import resource_uuid, transaction_request
from kapnotes_fhir.record import record_entries, session_data


def dumps(obj: dict[str, Any], indent: int | None) -> bytes:
    """FHIR JSON: UTF-8, keys in the order built (``resourceType`` first), a final newline."""
    seps = (",", ": ") if indent else (",", ":")
    return (json.dumps(obj, ensure_ascii=False, indent=indent, separators=seps) + "\n").encode("utf-8")


def _context(record: RecordView | Document, options: ExportOptions | None) -> ExportContext:
    settings = Settings.from_options(options, note_content=("docx", "text"))
    return ExportContext(as_view(record), settings, mode="urn")


def collection_bundle(entries: Iterable[Entry]) -> dict[str, Any]:
    """A ``collection`` Bundle of ``entries``."""
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"fullUrl": f"urn:uuid:{e.id}", "resource": e.resource} for e in entries],
    }


def transaction_bundle(entries: Iterable[Entry]) -> dict[str, Any]:
    """A ``transaction`` Bundle: conditional creates of ``entries``."""
    out = []
    for e in entries:
        request = transaction_request(e.type, e.id, e.condition)
        # a conditional create lets the server assign the id; an update names it
        resource = e.resource if request["method"] == "PUT" else {k: v for k, v in e.resource.items() if k != "id"}
        out.append({"fullUrl": f"urn:uuid:{e.id}", "resource": resource, "request": request})
    return {"resourceType": "Bundle", "type": "transaction", "entry": out}


PEOPLE = frozenset({"Organization", "Practitioner", "Patient"})


def _patient_of(entry: Entry) -> str | None:
    """The fullUrl of the Patient an entry belongs to (None for the clinic and its people)."""
    if entry.type == "Patient":
        return f"urn:uuid:{entry.id}"
    for key in ("subject", "patient"):
        ref = entry.resource.get(key)
        if isinstance(ref, dict) and isinstance(ref.get("reference"), str):
            return str(ref["reference"])
    return None


def split_entries(entries: Iterable[Entry], *, max_entries: int, by_patient: bool) -> Iterator[list[Entry]]:
    """The entries in groups of at most ``max_entries``, each a Bundle a server can take alone.

    A group holds, besides its own entries, every entry they reference (directly or not) that it
    does not already hold, again as conditional creates: a server finds those it already has, so
    the groups can be posted one by one, in any order, and each reference resolves inside its
    own Bundle. With ``by_patient`` a group never holds two patients' resources.
    """
    pool = list(entries)
    by_url = {f"urn:uuid:{e.id}": e for e in pool}
    order = {e.id: i for i, e in enumerate(pool)}

    def needs(e: Entry) -> list[Entry]:
        return _closure(e, by_url)

    # the clinic, its people and the patients come with the first resource that references them;
    # those no resource references (a patient without a course) go last
    people = [e for e in pool if e.type in PEOPLE]
    emitted: set[str] = set()
    group: dict[str, Entry] = {}
    patient: str | None = None
    for e in [*(e for e in pool if e.type not in PEOPLE), *people]:
        if e.id in group or (e.type in PEOPLE and e.id in emitted):
            continue
        closure = needs(e)
        if len(closure) > max_entries:
            raise FhirExportError(
                f"{e.type} {e.id} needs {len(closure)} entries in its Bundle (itself and what it references); "
                f"max_entries is {max_entries}"
            )
        mine = _patient_of(e)
        missing = [d for d in closure if d.id not in group]
        if group and (len(group) + len(missing) > max_entries or (by_patient and mine is not None
                                                                   and patient is not None and mine != patient)):
            emitted.update(group)
            yield sorted(group.values(), key=lambda x: order[x.id])
            group, patient = {}, None
            missing = closure
        for d in missing:
            group[d.id] = d
        if mine is not None:
            patient = mine
    if group:
        yield sorted(group.values(), key=lambda x: order[x.id])


def export_collection(record: RecordView | Document, options: ExportOptions | None = None) -> bytes:
    """The ``fhir-collection`` exporter."""
    ctx = _context(record, options)
    return dumps(collection_bundle(record_entries(ctx)), ctx.settings.indent)


def export_transaction(record: RecordView | Document, options: ExportOptions | None = None) -> bytes:
    """The ``fhir-transaction`` exporter."""
    ctx = _context(record, options)
    return dumps(transaction_bundle(record_entries(ctx)), ctx.settings.indent)


def export_transactions(record: RecordView | Document, options: ExportOptions | None, directory: Path) -> list[Path]:
    """The ``fhir-transactions`` exporter: ``transaction-0001.json``, ... into ``directory``.

    Each file is a transaction Bundle of at most ``max_entries`` entries (and, with ``split``
    ``patient``, of one patient), to be posted one by one; see :func:`split_entries`.
    """
    ctx = _context(record, options)
    groups = split_entries(
        record_entries(ctx), max_entries=ctx.settings.max_entries, by_patient=ctx.settings.split == "patient"
    )
    blobs = [dumps(transaction_bundle(g), ctx.settings.indent) for g in groups]  # all built before writing
    ensure_folder(directory)
    paths = [directory / f"transaction-{i:04d}.json" for i in range(1, len(blobs) + 1)]
    parts: list[Path] = []
    try:  # every file written whole first: a failure leaves the earlier export as it was
        for path, blob in zip(paths, blobs, strict=True):
            part = path.with_suffix(".json.part")
            parts.append(part)
            _write_whole(part, blob, shown=path)
    except BaseException:
        for part in parts:
            part.unlink(missing_ok=True)
        raise
    for part, path in zip(parts, paths, strict=True):
        part.replace(path)
    kept = {p.name for p in paths}
    for old in directory.glob("transaction-*.json"):  # the earlier export's Bundles beyond this one's
        if old.name not in kept:
            old.unlink()
    return paths


def _write_whole(part: Path, data: bytes, *, shown: Path) -> None:
    """Write ``part`` and flush it to disk; an error is an :class:`OutputError` naming ``shown``."""
    try:
        with part.open("wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
    except OSError as exc:
        raise OutputError(f"cannot write {shown}: {describe_os_error(exc)}") from exc


# --- document -----------------------------------------------------------------------------------


def _find_session(view: RecordView, session_id: str) -> tuple[TreatmentCourse, Session]:
    for course in view.iter_courses():
        for s in course.sessions:
            if s.id == session_id:
                return course, s
    raise FhirExportError(f"no session {session_id!r} in this record")


def _references(obj: Any) -> Iterator[str]:
    """Every ``reference`` string inside a resource, and the ``Binary`` an attachment points to
    (``url`` ``Binary/<id>``, as its fullUrl), so that a note's file goes in its Bundle."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k == "reference" and isinstance(v, str):
                yield v
            elif k == "url" and isinstance(v, str) and v.startswith("Binary/"):
                yield f"urn:uuid:{v.removeprefix('Binary/')}"
            else:
                yield from _references(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _references(v)


def _closure(start: Entry, by_url: dict[str, Entry]) -> list[Entry]:
    """``start`` and every entry of ``by_url`` it references, directly or not."""
    seen = {start.id}
    todo = [start]
    while todo:
        for ref in _references(todo.pop().resource):
            e = by_url.get(ref)
            if e is not None and e.id not in seen:
                seen.add(e.id)
                todo.append(e)
    return [start, *(e for e in by_url.values() if e.id in seen and e.id != start.id)]


def document_bundle(ctx: ExportContext, session_id: str) -> dict[str, Any]:
    """The ``document`` Bundle of one signed note."""
    course, s = _find_session(ctx.view, session_id)
    if s.status is NoteStatus.DRAFT:
        raise FhirExportError(
            f"session {session_id!r} is a draft; a FHIR document is made of a signed note only"
        )
    client = ctx.clients.get(course.client_id)
    data = list(session_data(ctx, course, s))
    pool = [
        *resources.people(ctx),
        *resources.conditions(ctx, course),
        resources.episode_of_care(ctx, course),
        resources.encounter(ctx, course, s),
        *data,
    ]
    listed = [ctx.ref_to(e) for e in data if e.type != "Medication"]  # Medications: via administrations
    comp = documents.composition(ctx, course, client, s, listed)
    entries = _closure(comp, {f"urn:uuid:{e.id}": e for e in pool})
    version = f"{s.id}/v{len(s.addenda)}"
    return {
        "resourceType": "Bundle",
        "id": resource_uuid(ctx.refs.clinic_id, "Bundle", version),
        "identifier": {"system": ctx.systems.document, "value": version},
        "type": "document",
        "timestamp": when(documents.latest_time(s)),
        "entry": [{"fullUrl": f"urn:uuid:{e.id}", "resource": e.resource} for e in entries],
    }


def export_document(record: RecordView | Document, options: ExportOptions | None = None) -> bytes:
    """The ``fhir-document`` exporter: ``options.extra["session_id"]`` names the signed note."""
    session_id = (options.extra if options is not None else {}).get("session_id")
    if not isinstance(session_id, str) or not session_id:
        raise FhirExportError(
            "fhir-document exports one signed note: name its session "
            "(kapnotes export --to fhir-document --session ID, or options.extra['session_id'])"
        )
    ctx = _context(record, options)
    return dumps(document_bundle(ctx, session_id), ctx.settings.indent)
