"""Fixtures of the kapnotes-fhir tests: synthetic records, FHIR checks and a local FHIR server.

Everything here is synthetic (``kapnotes.synthetic``). ``fhir.resources`` (R4B models) is used
to validate structure, in the tests only.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from kapnotes.exporting import RecordView
from kapnotes.model import (
    Addendum,
    AddendumKind,
    Document,
    NoteStatus,
    Signature,
    SignatureRole,
    evolve,
)
from kapnotes.synthetic import build_document

# --- records ------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def demo() -> Document:
    """The synthetic demo clinic: 4 clients, 44 sessions, without psychotherapy notes."""
    return build_document()


@pytest.fixture(scope="session")
def demo_with_notes() -> Document:
    return build_document(with_process_notes=True)


def client_view(doc: Document, client_id: str) -> RecordView:
    """A view of one client of ``doc``."""
    return RecordView(
        clinic=doc.clinic,
        clinicians=doc.clinicians,
        clients=[doc.client(client_id)],
        courses=lambda: (c for c in doc.courses if c.client_id == client_id),
    )


def sign(clinician_id: str, name: str, creds: str, at: dt.datetime, role: SignatureRole = SignatureRole.AUTHOR) -> Signature:
    return Signature(
        clinician_id=clinician_id, signer_name=name, credentials=creds, role=role, signed_at=at,
        content_hash="0" * 64, statement="Electronically signed.",
    )


@pytest.fixture(scope="session")
def amended() -> Document:
    """The demo with cl-001-intake-01 given an addendum, then an amendment, then an addendum."""
    doc = build_document()
    course = doc.courses[0]
    s = course.sessions[0]
    t = s.signatures[0].signed_at
    addenda = (
        Addendum(id="add-1", kind=AddendumKind.ADDENDUM, author_id="th-ortiz", written_at=t + dt.timedelta(days=1),
                 text="Collateral from partner: sleep improving.",
                 signature=sign("th-ortiz", "Sam Ortiz", "PsyD", t + dt.timedelta(days=1))),
        Addendum(id="amend-1", kind=AddendumKind.AMENDMENT, author_id="th-ortiz", written_at=t + dt.timedelta(days=2),
                 text="Correction: the referral came from the primary care physician.", reason="referral source recorded wrongly",
                 signature=sign("th-ortiz", "Sam Ortiz", "PsyD", t + dt.timedelta(days=2))),
        Addendum(id="add-2", kind=AddendumKind.ADDENDUM, author_id="th-ortiz", written_at=t + dt.timedelta(days=3),
                 text="Unsigned addendum <b>with markup</b> & a control \x07 character."),
    )
    s2 = evolve(s, status=NoteStatus.AMENDED, addenda=addenda)
    c2 = evolve(course, sessions=(s2, *course.sessions[1:]))
    return evolve(doc, courses=(c2, *doc.courses[1:]))


# --- FHIR checks ----------------------------------------------------------------------------------------


def validate(bundle: dict[str, Any]) -> None:
    """Structural validation with fhir.resources R4B (raises on any problem)."""
    from fhir.resources.R4B.bundle import Bundle

    Bundle.model_validate(bundle)


def walk(obj: Any, key: str) -> Iterator[Any]:
    """Every value of ``key`` anywhere in ``obj``."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k == key:
                yield v
            yield from walk(v, key)
    elif isinstance(obj, list):
        for v in obj:
            yield from walk(v, key)


def codings(obj: Any) -> Iterator[dict[str, Any]]:
    """Every Coding in a resource (in ``coding`` lists, and Encounter.class)."""
    for lst in walk(obj, "coding"):
        yield from lst
    if isinstance(obj, dict) and obj.get("resourceType") == "Encounter":
        yield obj["class"]


def unresolved(bundle: dict[str, Any]) -> list[str]:
    """References in a Bundle that name no entry's fullUrl."""
    urls = {e["fullUrl"] for e in bundle["entry"]}
    return [r for r in walk(bundle, "reference") if r not in urls]


#: Values of elements with a required binding in R4 (hl7.org/fhir/R4), checked in every export.
REQUIRED: dict[tuple[str, str], set[str]] = {
    ("Encounter", "status"): {"planned", "arrived", "triaged", "in-progress", "onleave", "finished", "cancelled", "entered-in-error", "unknown"},
    ("EpisodeOfCare", "status"): {"planned", "waitlist", "active", "onhold", "finished", "cancelled", "entered-in-error"},
    ("Observation", "status"): {"registered", "preliminary", "final", "amended", "corrected", "cancelled", "entered-in-error", "unknown"},
    ("DocumentReference", "status"): {"current", "superseded", "entered-in-error"},
    ("DocumentReference", "docStatus"): {"preliminary", "final", "amended", "entered-in-error"},
    ("Composition", "status"): {"preliminary", "final", "amended", "entered-in-error"},
    ("Procedure", "status"): {"preparation", "in-progress", "not-done", "on-hold", "stopped", "completed", "entered-in-error", "unknown"},
    ("MedicationAdministration", "status"): {"in-progress", "not-done", "on-hold", "completed", "entered-in-error", "stopped", "unknown"},
    ("QuestionnaireResponse", "status"): {"in-progress", "completed", "amended", "entered-in-error", "stopped"},
    ("Patient", "gender"): {"male", "female", "other", "unknown"},
    ("AdverseEvent", "actuality"): {"actual", "potential"},
}


def check_required(resource: dict[str, Any]) -> None:
    rtype = resource["resourceType"]
    for (t, element), allowed in REQUIRED.items():
        if t == rtype and element in resource:
            assert resource[element] in allowed, (rtype, element, resource[element])
    for rel in resource.get("relatesTo", []):
        assert rel["code"] in {"replaces", "transforms", "signs", "appends"}
    for att in resource.get("attester", []):
        assert att["mode"] in {"personal", "professional", "legal", "official"}


# --- a FHIR-like server ----------------------------------------------------------------------------------

_TOKEN_SPLIT = re.compile(r"(?<!\\)\|")


class FhirServer:
    """An in-memory FHIR server: transaction Bundles with conditional create (``ifNoneExist``)
    and update-as-create (``PUT Type/id``).

    It keeps what was created, by type, and answers a transaction with a ``transaction-response``
    Bundle; an entry whose ``ifNoneExist`` matches an existing resource is not created (status
    ``200 OK``) and references to its fullUrl are rewritten to the existing resource.
    """

    def __init__(self) -> None:
        self.resources: dict[str, dict[str, dict[str, Any]]] = {}
        self.requests: list[dict[str, Any]] = []
        self.created = 0
        self.lock = threading.Lock()

    def find(self, rtype: str, query: str) -> str | None:
        params = parse_qs(query)
        (token,) = params["identifier"]
        system, value = _TOKEN_SPLIT.split(unquote(token), maxsplit=1)
        value = re.sub(r"\\(.)", r"\1", value)
        for rid, res in self.resources.get(rtype, {}).items():
            ids = res.get("identifier", [])
            for ident in ids if isinstance(ids, list) else [ids]:
                if ident.get("system") == system and ident.get("value") == value:
                    return rid
        return None

    def transaction(self, bundle: dict[str, Any]) -> dict[str, Any]:
        assert bundle["resourceType"] == "Bundle" and bundle["type"] == "transaction"
        with self.lock:
            targets: dict[str, str] = {}
            responses = []
            new: list[tuple[str, str, dict[str, Any]]] = []
            for entry in bundle["entry"]:
                req = entry["request"]
                if req["method"] == "PUT":  # update of a client-chosen id: creates it once
                    rtype, rid = req["url"].split("/")
                    targets[entry["fullUrl"]] = req["url"]
                    if rid in self.resources.get(rtype, {}):
                        responses.append({"response": {"status": "200 OK", "location": req["url"]}})
                        continue
                    self.created += 1
                    resource = json.loads(json.dumps(entry["resource"]))
                    self.resources.setdefault(rtype, {})[rid] = resource
                    new.append((rtype, rid, resource))
                    responses.append({"response": {"status": "201 Created", "location": f"{req['url']}/_history/1"}})
                    continue
                assert req["method"] == "POST"
                rtype = req["url"]
                existing = self.find(rtype, req["ifNoneExist"]) if "ifNoneExist" in req else None
                if existing is not None:
                    targets[entry["fullUrl"]] = f"{rtype}/{existing}"
                    responses.append({"response": {"status": "200 OK", "location": f"{rtype}/{existing}"}})
                    continue
                self.created += 1
                rid = f"s{self.created}"
                targets[entry["fullUrl"]] = f"{rtype}/{rid}"
                resource = json.loads(json.dumps(entry["resource"]))
                resource["id"] = rid
                self.resources.setdefault(rtype, {})[rid] = resource
                new.append((rtype, rid, resource))
                responses.append({"response": {"status": "201 Created", "location": f"{rtype}/{rid}/_history/1"}})
            for _, _, resource in new:
                _rewrite(resource, targets)
            return {"resourceType": "Bundle", "type": "transaction-response", "entry": responses}

    def count(self) -> int:
        return sum(len(v) for v in self.resources.values())


def _rewrite(obj: Any, targets: dict[str, str]) -> None:
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k == "reference" and isinstance(v, str) and v in targets:
                obj[k] = targets[v]
            else:
                _rewrite(v, targets)
    elif isinstance(obj, list):
        for v in obj:
            _rewrite(v, targets)


class _Handler(BaseHTTPRequestHandler):
    server: Any

    def log_message(self, *args: Any) -> None:  # quiet
        pass

    def do_POST(self) -> None:
        fhir: FhirServer = self.server.fhir
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        fhir.requests.append(
            {"path": self.path, "content_type": self.headers.get("Content-Type"), "accept": self.headers.get("Accept")}
        )
        if self.headers.get("Content-Type", "").split(";")[0] != "application/fhir+json" or urlsplit(self.path).path != "/fhir":
            self.send_response(415)
            self.end_headers()
            return
        out = json.dumps(fhir.transaction(json.loads(body))).encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "application/fhir+json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)


@pytest.fixture
def fhir_server() -> Iterator[tuple[str, FhirServer]]:
    """A FHIR-like server on 127.0.0.1 (a free port), in a thread: ``(base URL, server)``."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.fhir = FhirServer()  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/fhir", httpd.fhir  # type: ignore[attr-defined]
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)
