"""The plugin module named by the entry point ``fhir``: four record exporters and a command."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import click

from kapnotes import hookimpl
from kapnotes.exporting import NoteExporter, RecordExporter
from kapnotes.instruments.base import ScoreResult
from kapnotes.model import MeasureAdministration
from kapnotes.rules.base import CourseContext, Finding, Rule, RuleContext, Severity
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


def _incomplete_imports(ctx: RuleContext) -> Iterator[Finding]:
    """An imported response with items missing (no total) is flagged until completed: a
    session's, and an at-home one in the session that follows it."""
    for path, m in ctx.all_measures():
        message = _incomplete(ctx.score(m) if _imported(m) else None, m)
        if message is not None:
            yield ctx.finding(Severity.WARNING, "FHIR-IMPORT-001", message, path)


def _incomplete_imports_pending(ctx: CourseContext) -> Iterator[Finding]:
    """The same, for an at-home response no session has followed yet (on the course)."""
    for k, m in ctx.measures:
        message = _incomplete(ctx.score(m) if _imported(m) else None, m)
        if message is not None:
            yield ctx.finding(Severity.WARNING, "FHIR-IMPORT-001", message, ctx.at(k))


def _imported(m: MeasureAdministration) -> bool:
    from kapnotes_fhir.importer import IMPORTED_NOTE

    return (m.notes or "").startswith(IMPORTED_NOTE)


def _incomplete(result: ScoreResult | None, m: MeasureAdministration) -> str | None:
    if result is None or result.complete:
        return None
    c = result.completeness
    where = f" (answered at home on {m.administered_at.date()})" if m.at_home else ""
    return (
        f"{m.instrument} {m.id} was imported from a portal with {c.answered} of {c.required} "
        f"required items answered{where}: it has no total; complete it or record why"
    )


@hookimpl
def register_rules(register: Callable[[Rule], None]) -> None:
    register(Rule(
        name="fhir-imported-incomplete",
        description="A questionnaire response imported from a portal with items missing is flagged.",
        check=_incomplete_imports,
        source="kapnotes-fhir import: a partial response is imported with its completeness stated",
        codes=("FHIR-IMPORT-001",),
        check_course=_incomplete_imports_pending,
    ))
