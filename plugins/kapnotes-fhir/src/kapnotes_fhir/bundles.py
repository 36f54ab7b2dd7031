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
from collections.abc import Iterable, Iterator
from typing import Any

from kapnotes.exporting import ExportOptions, RecordView
from kapnotes.model import Document, NoteStatus, Session, TreatmentCourse
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


def export_collection(record: RecordView | Document, options: ExportOptions | None = None) -> bytes:
    """The ``fhir-collection`` exporter."""
    ctx = _context(record, options)
    return dumps(collection_bundle(record_entries(ctx)), ctx.settings.indent)


def export_transaction(record: RecordView | Document, options: ExportOptions | None = None) -> bytes:
    """The ``fhir-transaction`` exporter."""
    ctx = _context(record, options)
    return dumps(transaction_bundle(record_entries(ctx)), ctx.settings.indent)


# --- document -----------------------------------------------------------------------------------


def _find_session(view: RecordView, session_id: str) -> tuple[TreatmentCourse, Session]:
    for course in view.iter_courses():
        for s in course.sessions:
            if s.id == session_id:
                return course, s
    raise FhirExportError(f"no session {session_id!r} in this record")


def _references(obj: Any) -> Iterator[str]:
    """Every ``reference`` string inside a resource."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k == "reference" and isinstance(v, str):
                yield v
            else:
                yield from _references(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _references(v)


def _closure(start: Entry, pool: list[Entry]) -> list[Entry]:
    """``start`` and every entry of ``pool`` it references, directly or not, in pool order."""
    by_url = {f"urn:uuid:{e.id}": e for e in pool}
    seen = {start.id}
    todo = [start]
    while todo:
        for ref in _references(todo.pop().resource):
            e = by_url.get(ref)
            if e is not None and e.id not in seen:
                seen.add(e.id)
                todo.append(e)
    return [start, *(e for e in pool if e.id in seen and e.id != start.id)]


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
    entries = _closure(comp, pool)
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
