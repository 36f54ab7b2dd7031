"""FHIR Bulk Data NDJSON: one ``<ResourceType>.ndjson`` file per type, one resource per line.

Written as the record streams: each resource is serialized and written the moment it is built,
course by course, so memory holds one course whatever the size of the store (see
``benchmarks/bench_ndjson.py`` for the measurements). References are ``Type/id``, as in a Bulk
Data export. Files are written as ``.part`` and renamed when complete; ``.ndjson`` files of
resource types this exporter writes but that this export did not produce are removed, so that a
directory never mixes two exports.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TextIO

from kapnotes.exporting import ExportOptions, RecordView
from kapnotes.model import Document
from kapnotes_fhir.context import ExportContext, Settings, as_view
from kapnotes_fhir.ids import resource_uuid
from kapnotes_fhir.record import record_entries

#: Every resource type the exporter can write.
RESOURCE_TYPES = (
    "AdverseEvent", "AllergyIntolerance", "Binary", "CarePlan", "Condition", "Consent", "DocumentReference",
    "Encounter", "EpisodeOfCare", "Goal", "Medication", "MedicationAdministration",
    "MedicationRequest", "Observation", "Organization", "Patient", "Practitioner", "Procedure",
    "QuestionnaireResponse", "RiskAssessment",
)


#: One encoder for every line (``json.dumps`` builds a new one per call): compact, UTF-8 text.
_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False).encode


#: Characters of lines kept per file before they are written (memory stays bounded).
_FLUSH_AT = 1 << 15


def line(resource: dict[str, object]) -> str:
    """One NDJSON line (compact JSON, UTF-8 text, ``\\n``)."""
    return _ENCODE(resource) + "\n"


def export_ndjson(record: RecordView | Document, options: ExportOptions | None, directory: Path) -> list[Path]:
    """The ``fhir-ndjson`` exporter: write the files into ``directory``, return their paths."""
    settings = Settings.from_options(options, note_content=("text",))
    ctx = ExportContext(as_view(record), settings, mode="relative")
    directory.mkdir(parents=True, exist_ok=True)
    files: dict[str, TextIO] = {}
    pending: dict[str, list[str]] = {}  # lines not yet written, per type (one write per batch)
    size: dict[str, int] = {}
    try:
        for entry in record_entries(ctx):
            rtype = entry.type
            lines = pending.get(rtype)
            if lines is None:
                files[rtype] = (directory / f"{rtype}.ndjson.part").open("w", encoding="utf-8", newline="\n")
                lines = pending[rtype] = []
                size[rtype] = 0
            text = line(entry.resource)
            lines.append(text)
            size[rtype] += len(text)
            if size[rtype] >= _FLUSH_AT:
                files[rtype].write("".join(lines))
                lines.clear()
                size[rtype] = 0
        for rtype, lines in pending.items():
            files[rtype].write("".join(lines))
    except BaseException:
        for f in files.values():
            f.close()
            Path(f.name).unlink(missing_ok=True)
        raise
    paths = []
    for rtype, f in sorted(files.items()):
        f.close()
        final = directory / f"{rtype}.ndjson"
        Path(f.name).replace(final)
        paths.append(final)
    for rtype in RESOURCE_TYPES:
        if rtype not in files:
            (directory / f"{rtype}.ndjson").unlink(missing_ok=True)
    resource_uuid.cache_clear()  # the id cache is bounded; an export leaves nothing behind
    return paths
