"""FHIR Bulk Data NDJSON: one ``<ResourceType>.ndjson`` file per type, one resource per line.

Written as the record streams: each resource is serialized and written the moment it is built,
course by course, so memory holds one course whatever the size of the store (see
``benchmarks/bench_ndjson.py`` for the measurements). An export of a store file large enough
is built by worker processes, a batch of courses each, and written here in course order: the
same bytes as in one process (:mod:`kapnotes_fhir.ndjson_workers`; option ``workers``).
References are ``Type/id``, as in a Bulk Data export. Files are written as ``.part`` and
renamed when complete; ``.ndjson`` files of resource types this exporter writes but that this
export did not produce are removed, so that a directory never mixes two exports.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TextIO

from kapnotes.exporting import ExportOptions, RecordView
from kapnotes.model import Document
from kapnotes.store import bulk
from kapnotes_fhir import resources
from kapnotes_fhir.context import ExportContext, Settings, as_view
from kapnotes_fhir.ids import resource_uuid
from kapnotes_fhir.ndjson_workers import course_lines, parallel_plan
from kapnotes_fhir.record import course_entries, record_entries

#: Every resource type the exporter can write.
RESOURCE_TYPES = (
    "AdverseEvent", "AllergyIntolerance", "Binary", "CarePlan", "ChargeItem", "Condition", "Consent",
    "DocumentReference",
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


class _Files:
    """The ``.part`` files of one export, one per resource type, opened on its first line."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.files: dict[str, TextIO] = {}
        self.pending: dict[str, list[str]] = {}  # lines not yet written, per type (one write per batch)
        self.size: dict[str, int] = {}

    def add(self, rtype: str, text: str) -> None:
        """Append ``text`` (whole lines) to the file of ``rtype``."""
        lines = self.pending.get(rtype)
        if lines is None:
            self.files[rtype] = (self.directory / f"{rtype}.ndjson.part").open("w", encoding="utf-8", newline="\n")
            lines = self.pending[rtype] = []
            self.size[rtype] = 0
        lines.append(text)
        self.size[rtype] += len(text)
        if self.size[rtype] >= _FLUSH_AT:
            self.files[rtype].write("".join(lines))
            lines.clear()
            self.size[rtype] = 0

    def discard(self) -> None:
        """Close and remove every ``.part`` file (a failed or stopped export leaves none)."""
        for f in self.files.values():
            f.close()
            Path(f.name).unlink(missing_ok=True)

    def finish(self) -> list[Path]:
        """Write what is pending, rename each file to ``.ndjson``; remove the other types' files."""
        for rtype, lines in self.pending.items():
            self.files[rtype].write("".join(lines))
        paths = []
        for rtype, f in sorted(self.files.items()):
            f.close()
            final = self.directory / f"{rtype}.ndjson"
            Path(f.name).replace(final)
            paths.append(final)
        for rtype in RESOURCE_TYPES:
            if rtype not in self.files:
                (self.directory / f"{rtype}.ndjson").unlink(missing_ok=True)
        return paths


def export_ndjson(record: RecordView | Document, options: ExportOptions | None, directory: Path) -> list[Path]:
    """The ``fhir-ndjson`` exporter: write the files into ``directory``, return their paths."""
    settings = Settings.from_options(options, note_content=("text",))
    view = as_view(record)
    ctx = ExportContext(view, settings, mode="relative")
    plan = parallel_plan(view, settings)
    directory.mkdir(parents=True, exist_ok=True)
    files = _Files(directory)
    try:
        if plan is None:
            for entry in record_entries(ctx):
                files.add(entry.type, line(entry.resource))
        else:
            store, ids, n_workers = plan
            for entry in resources.people(ctx):  # as record_entries: people first, then the courses
                files.add(entry.type, line(entry.resource))
            # The first course here: forked workers inherit what it prepared (the decoder's
            # generated code, the formats' and rules' lazy set-up) instead of each doing it again.
            for course in bulk.read_courses(store, ids[:1]):
                for entry in course_entries(ctx, course):
                    files.add(entry.type, line(entry.resource))
            batches = course_lines(ctx, store, ids[1:], n_workers)
            try:
                for batch in batches:
                    for rtype, text in batch.items():
                        files.add(rtype, text)
            finally:
                batches.close()  # stopped early (an error writing, Ctrl-C): the workers end now
        paths = files.finish()
    except BaseException:
        files.discard()
        raise
    finally:
        resource_uuid.cache_clear()  # the id cache is bounded; an export leaves nothing behind
    return paths
