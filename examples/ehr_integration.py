"""Send a KAP record to an EHR as a FHIR R4 transaction Bundle.

Run: python examples/ehr_integration.py OUT_DIR [--record RECORD.json] [--endpoint URL]

* The record: a kapnotes JSON document (``--record``), or the synthetic demo clinic.
* Out: OUT_DIR/transaction-bundle.json, a ``transaction`` Bundle (plugin kapnotes-fhir) in which
  every resource is created only if the EHR has none with its identifier (``ifNoneExist``), so
  posting it twice creates nothing the second time.
* With ``--endpoint`` (the EHR's FHIR base URL) the Bundle is POSTed there, as a FHIR server
  expects a transaction: ``POST [base]`` with ``Content-Type: application/fhir+json``. A bearer
  token, if the EHR needs one, is read from ``$FHIR_TOKEN`` (never printed). Without an endpoint
  nothing is sent: the script prints the request it would make.

Word notes are left out here to keep the bundle small (``--notes docx,text`` adds them: the
exporter's default).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

import kapnotes
from kapnotes.exporting import ExportOptions, RecordView, export_record
from kapnotes.plugins import registry
from kapnotes.synthetic import build_document

FHIR_JSON = "application/fhir+json"


def transaction_bundle(record: Path | None, notes: str) -> bytes:
    """The record as a FHIR transaction Bundle (bytes of JSON)."""
    doc = kapnotes.load(record) if record is not None else build_document()
    view = RecordView.of_document(doc)  # never carries psychotherapy notes without an authorization
    return export_record(view, "fhir-transaction", options=ExportOptions(extra={"note_content": notes}))  # type: ignore[no-any-return]


def post_transaction(endpoint: str, bundle: bytes, *, timeout: float = 60.0) -> dict[str, Any]:
    """POST a transaction Bundle to a FHIR server; returns its transaction-response Bundle."""
    headers = {"Content-Type": FHIR_JSON, "Accept": FHIR_JSON}
    token = os.environ.get("FHIR_TOKEN")
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(endpoint.rstrip("/"), data=bundle, headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read().decode("utf-8"))  # type: ignore[no-any-return]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Export a KAP record as a FHIR transaction and POST it to an EHR.")
    parser.add_argument("out_dir", nargs="?", default=".", type=Path, help="where to write the bundle")
    parser.add_argument("--record", type=Path, help="a kapnotes JSON document [default: the synthetic demo]")
    parser.add_argument("--endpoint", help="FHIR base URL of the EHR, e.g. https://ehr.example.org/fhir")
    parser.add_argument("--notes", default="text", help="note content: text, docx,text or none [default: text]")
    args = parser.parse_args(argv)

    if "fhir-transaction" not in registry().record_exporters:
        print("the FHIR exporter is not installed: pip install -e plugins/kapnotes-fhir", file=sys.stderr)
        return 2
    bundle = transaction_bundle(args.record, args.notes)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    path = args.out_dir / "transaction-bundle.json"
    path.write_bytes(bundle)
    entries = json.loads(bundle)["entry"]
    kinds = Counter(e["request"]["url"] for e in entries)
    print(f"wrote {path} ({len(entries)} entries: {', '.join(f'{n} {t}' for t, n in sorted(kinds.items()))})")
    if not args.endpoint:
        print(f"no --endpoint: would POST {len(bundle)} bytes to [base] with")
        print(f"  Content-Type: {FHIR_JSON}\n  Accept: {FHIR_JSON}")
        return 0
    try:
        reply = post_transaction(args.endpoint, bundle)
    except urllib.error.HTTPError as exc:
        print(f"the EHR refused the bundle: HTTP {exc.code} {exc.reason}", file=sys.stderr)
        print(exc.read().decode("utf-8", "replace")[:2000], file=sys.stderr)
        return 1
    except urllib.error.URLError as exc:
        print(f"cannot reach {args.endpoint}: {exc.reason}", file=sys.stderr)
        return 1
    statuses = Counter(str(e.get("response", {}).get("status", "?")) for e in reply.get("entry", []))
    print(f"POSTed to {args.endpoint}: " + ", ".join(f"{n} x {s}" for s, n in sorted(statuses.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
