"""The plugin module named by the entry point ``fhir``: four record exporters and a command."""

from __future__ import annotations

from collections.abc import Callable

import click

from kapnotes import hookimpl
from kapnotes.exporting import NoteExporter, RecordExporter
from kapnotes_fhir.bundles import (
    export_collection,
    export_document,
    export_transaction,
    export_transactions,
)
from kapnotes_fhir.ndjson import export_ndjson

FHIR_JSON = "application/fhir+json"

COLLECTION = RecordExporter(
    name="fhir-collection",
    description="FHIR R4 collection Bundle of the record (Patient, EpisodeOfCare, Encounter, ...).",
    media_type=FHIR_JSON,
    extension="json",
    export=export_collection,
)
TRANSACTION = RecordExporter(
    name="fhir-transaction",
    description="FHIR R4 transaction Bundle to POST to an EHR (conditional creates: no duplicates).",
    media_type=FHIR_JSON,
    extension="json",
    export=export_transaction,
)
TRANSACTIONS = RecordExporter(
    name="fhir-transactions",
    description="FHIR R4 transaction Bundles split per patient and --max-entries, each to POST alone (a directory).",
    media_type=FHIR_JSON,
    extension="json",
    export=export_transactions,
    writes_directory=True,
)
DOCUMENT = RecordExporter(
    name="fhir-document",
    description="FHIR R4 document Bundle of one signed note (--session ID): Composition first.",
    media_type=FHIR_JSON,
    extension="json",
    export=export_document,
)
NDJSON = RecordExporter(
    name="fhir-ndjson",
    description="FHIR Bulk Data NDJSON, one file per resource type, written streaming (a directory).",
    media_type="application/fhir+ndjson",
    extension="ndjson",
    export=export_ndjson,
    writes_directory=True,
)


@hookimpl
def register_exporters(register: Callable[[NoteExporter | RecordExporter], None]) -> None:
    for exporter in (COLLECTION, TRANSACTION, TRANSACTIONS, DOCUMENT, NDJSON):
        register(exporter)


@hookimpl
def register_commands(cli: click.Group) -> None:
    from kapnotes_fhir.cli import fhir_export, fhir_import

    cli.add_command(fhir_import)
    cli.add_command(fhir_export)
