"""What every resource builder needs: the clinic, its people, the settings of this export.

Options are read from ``ExportOptions.extra`` (``kapnotes export`` fills it; the Python API takes
any dict):

``identifier_base``
    Base URI of the clinic's identifier systems (default ``urn:kapnotes:<clinic id>``).
``note_content``
    What a note's DocumentReference carries: ``"docx,text"`` (the default of the Bundles),
    ``"text"`` (the default of NDJSON: a Word file is ~40 kB and ~0.1 s per note), ``"docx"``
    or ``"none"`` (no DocumentReferences at all).
``note_format``
    The note format to render (default: the format for the session kind, as ``kapnotes render``).
``note_attachment``
    Where a note's file goes: ``inline`` (default: base64 in the DocumentReference) or ``binary``
    (a ``Binary`` resource each, the attachment pointing to it by ``url`` ``Binary/<id>`` with
    its ``size`` and SHA-1 ``hash``).
``indent``
    Indentation of Bundle JSON (default 2; ``0`` for one line).
``session_id``
    The note of ``fhir-document``.
``max_entries``
    ``fhir-transactions``: at most this many entries per transaction Bundle (default 500).
``split``
    ``fhir-transactions``: ``patient`` (default: a Bundle never mixes two patients) or ``none``.
``workers``
    ``fhir-ndjson``: the worker processes of an export of a store (default: the CPUs this
    process may use; ``1``: this process only). A small record, an in-memory or encrypted
    store, a view of a document, or a store opened with its own registry is always exported in
    this process (see :mod:`kapnotes_fhir.ndjson_workers`); the output is the same bytes.

Any other name is refused, with the known ones listed.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

import attrs

from kapnotes.errors import KapnotesError
from kapnotes.exporting import ExportOptions, RecordView
from kapnotes.model import Client, Clinic, Clinician, Document
from kapnotes_fhir import profiles
from kapnotes_fhir.ids import RefMode, Refs, Systems, identifier, resource_uuid

NOTE_CONTENT = ("docx", "text")
#: Every option name the FHIR exporters read.
OPTION_NAMES = (
    "identifier_base", "indent", "max_entries", "note_attachment", "note_content", "note_format", "session_id", "split",
    "workers",
)
SPLITS = ("patient", "none")
NOTE_ATTACHMENTS = ("inline", "binary")


class FhirExportError(KapnotesError):
    """A FHIR export cannot be made as asked (bad option, unknown or unsigned session)."""


@attrs.frozen
class Settings:
    """The options of one export, checked."""

    identifier_base: str | None = None
    note_content: tuple[str, ...] = NOTE_CONTENT
    note_format: str | None = None
    indent: int | None = 2
    max_entries: int = 500
    split: str = "patient"
    note_attachment: str = "inline"
    #: Worker processes of an NDJSON export (None: the CPUs this process may use).
    workers: int | None = None

    @classmethod
    def from_options(cls, options: ExportOptions | None, *, note_content: tuple[str, ...]) -> Settings:
        """Read ``options.extra``; a bad value is a :class:`FhirExportError` naming the option."""
        extra: Mapping[str, Any] = options.extra if options is not None else {}
        unknown = sorted(k for k in extra if k not in OPTION_NAMES)
        if unknown:
            raise FhirExportError(
                f"unknown FHIR export option(s) {', '.join(map(repr, unknown))}; known: {', '.join(OPTION_NAMES)}"
            )
        base = extra.get("identifier_base")
        if base is not None and (not isinstance(base, str) or _URI.match(base) is None):
            raise FhirExportError(f"identifier_base must be a URI, got {base!r}")
        if base is not None and base.lower().startswith(("urn:oid:", "urn:uuid:")):
            # the systems are the base extended by a name (<base>:mrn), which an OID or a UUID
            # cannot be (urn:oid:1.2.3:mrn is no OID)
            raise FhirExportError(
                f"identifier_base {base!r} is an OID or UUID, which cannot be extended by a name "
                "(urn:oid:...:mrn is not an OID): give a URL (https://ehr.example.org/sid/kap) or a URN "
                "such as urn:kapnotes:clinic-1"
            )
        content = note_content
        if "note_content" in extra:
            content = _parse_content(extra["note_content"])
        fmt = extra.get("note_format")
        if fmt is not None:
            from kapnotes.plugins import registry

            registry().note_formats.get(fmt)  # an unknown name lists the known ones
        indent = extra.get("indent", 2)
        if indent is not None and (not isinstance(indent, int) or isinstance(indent, bool) or indent < 0):
            raise FhirExportError(f"indent must be a non-negative integer, got {indent!r}")
        max_entries = extra.get("max_entries", 500)
        if not isinstance(max_entries, int) or isinstance(max_entries, bool) or max_entries < 1:
            raise FhirExportError(f"max_entries must be a positive integer, got {max_entries!r}")
        split = extra.get("split", "patient")
        if split not in SPLITS:
            raise FhirExportError(f"split must be one of {', '.join(SPLITS)}, got {split!r}")
        attachment = extra.get("note_attachment", "inline")
        if attachment not in NOTE_ATTACHMENTS:
            raise FhirExportError(f"note_attachment must be one of {', '.join(NOTE_ATTACHMENTS)}, got {attachment!r}")
        workers = extra.get("workers")
        if workers is not None and (not isinstance(workers, int) or isinstance(workers, bool) or workers < 1):
            raise FhirExportError(f"workers must be a positive integer, got {workers!r}")
        return cls(base, content, fmt, indent or None, max_entries, split, attachment, workers)


def _parse_content(value: object) -> tuple[str, ...]:
    parts = value.split(",") if isinstance(value, str) else value
    if not isinstance(parts, (list, tuple)):
        raise FhirExportError(f"note_content must be 'docx,text', 'text', 'docx' or 'none', got {value!r}")
    names = tuple(p.strip() for p in parts if isinstance(p, str) and p.strip())
    if names == ("none",):
        return ()
    bad = [n for n in names if n not in NOTE_CONTENT]
    if bad or len(names) != len(parts):
        raise FhirExportError(f"note_content must be 'docx,text', 'text', 'docx' or 'none', got {value!r}")
    return tuple(n for n in NOTE_CONTENT if n in names)


def as_view(record: RecordView | Document) -> RecordView:
    """A :class:`RecordView` of ``record`` (a Document is viewed without psychotherapy notes)."""
    if isinstance(record, Document):
        return RecordView.of_document(record)
    return record


class ExportContext:
    """The clinic, clinicians and clients of a view, with the settings and reference style."""

    def __init__(self, view: RecordView, settings: Settings, *, mode: RefMode) -> None:
        from kapnotes.plugins import registry

        self.view = view
        self.settings = settings
        self.clinic: Clinic | None = view.clinic
        self.clinicians: dict[str, Clinician] = {c.id: c for c in view.clinicians}
        self.clients: dict[str, Client] = {c.id: c for c in view.clients}
        clinic_id = view.clinic.id if view.clinic is not None else "kapnotes"
        self.systems = Systems.for_clinic(clinic_id, settings.identifier_base)
        self.refs = Refs(clinic_id, mode)
        self._clinic_id = clinic_id
        self._urn = mode == "urn"
        self._system_of: dict[str, str] = {}  # identifier system by name: a few names, every resource
        self.instruments = registry().instruments
        self.extensions = {e.name: e for e in registry().extensions}

    # --- references ---------------------------------------------------------------------------

    def ref(self, resource_type: str, key: str) -> dict[str, str]:
        """A reference to the resource of ``resource_type`` with kapnotes key ``key``
        (``self.refs.ref``, without its two calls: an export makes several per resource)."""
        rid = resource_uuid(self._clinic_id, resource_type, key)
        return {"reference": f"urn:uuid:{rid}" if self._urn else f"{resource_type}/{rid}"}

    def ref_to(self, entry: Entry) -> dict[str, str]:
        """A reference to an entry already built."""
        if self.refs.mode == "urn":
            return {"reference": f"urn:uuid:{entry.id}"}
        return {"reference": f"{entry.type}/{entry.id}"}

    def organization(self) -> dict[str, str] | None:
        """A reference to the clinic's Organization (None without a clinic)."""
        return self.ref("Organization", self.clinic.id) if self.clinic is not None else None

    def practitioner(self, clinician_id: str | None) -> dict[str, str] | None:
        """A reference to a clinician's Practitioner (None if the view does not have them)."""
        if clinician_id is None or clinician_id not in self.clinicians:
            return None
        return self.ref("Practitioner", clinician_id)

    def patient(self, client_id: str) -> dict[str, str]:
        return self.ref("Patient", client_id)

    # --- identity -----------------------------------------------------------------------------

    def new(
        self,
        resource_type: str,
        key: str,
        system: str,
        body: dict[str, Any],
        *,
        identifiers: list[dict[str, Any]] | None = None,
        single_identifier: bool = False,
        extended: Any = None,
    ) -> Entry:
        """A resource with its deterministic id and business identifier(s).

        ``identifiers`` come before the kapnotes one (an MRN, an NPI); the first identifier is
        what a transaction creates the resource conditionally on. ``extended`` is the kapnotes
        object whose extension fields become the resource's ``extension`` (see
        :mod:`kapnotes_fhir.extensions`).
        """
        system_uri = self._system_of.get(system)
        if system_uri is None:
            system_uri = self._system_of[system] = self.systems.of(system)
        own = identifier(system_uri, key)
        # Built in one pass, in the order ``profiles.declare({**head, **body})`` gives (type, id,
        # meta, extension, identifier, then the body; a body key already placed keeps its place).
        rtype = body.get("resourceType", resource_type)
        res: dict[str, Any] = {"resourceType": resource_type, "id": resource_uuid(self._clinic_id, resource_type, key)}
        url = profiles.profile_of(rtype, body)
        if url is not None:
            res["meta"] = {"profile": [url]}
        if extended is not None:
            found = self._extensions_of(extended)
            if found:
                res["extension"] = found
        if single_identifier:
            res["identifier"] = own
            first = own
        elif identifiers:
            res["identifier"] = [*identifiers, own]
            first = identifiers[0]
        else:
            res["identifier"] = [own]
            first = own
        res.update(body)
        return Entry(res, (first["system"], first["value"]))

    def _extensions_of(self, extended: Any) -> list[dict[str, Any]]:
        if extended is None or not getattr(extended, "extensions", None):
            return []
        from kapnotes_fhir.extensions import fhir_extensions

        return fhir_extensions(extended.extensions, extended.extension_host, self.extensions)

    def extend(self, entry: Entry, extended: Any) -> Entry:
        """``entry`` with the extension fields of ``extended`` (a kapnotes object) added."""
        found = self._extensions_of(extended)
        if not found:
            return entry
        res = entry.resource
        head: dict[str, Any] = {k: res[k] for k in ("resourceType", "id", "identifier") if k in res}
        merged: dict[str, Any] = {
            **head,
            "extension": [*res.get("extension", []), *found],
            **{k: v for k, v in res.items() if k not in head and k != "extension"},
        }
        return Entry(merged, entry.condition)


@attrs.frozen
class Entry:
    """A resource and the identifier (system, value) it is conditionally created on."""

    resource: dict[str, Any]
    condition: tuple[str, str]

    @property
    def type(self) -> str:
        return str(self.resource["resourceType"])

    @property
    def id(self) -> str:
        return str(self.resource["id"])


#: A URI as an identifier base must be one: a scheme, a colon, then no white space.
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")


# --- value helpers ------------------------------------------------------------------------------


def when(value: dt.datetime) -> str:
    """A FHIR dateTime/instant (the record's times always carry a UTC offset)."""
    return value.isoformat()


def period(start: dt.datetime, end: dt.datetime | None) -> dict[str, str]:
    """A FHIR Period."""
    out = {"start": when(start)}
    if end is not None:
        out["end"] = when(end)
    return out


#: The kinds of value :func:`prune` drops when empty (other false values, 0 and False, are kept).
_CONTAINERS = (list, dict, str)


def prune(obj: dict[str, Any]) -> dict[str, Any]:
    """``obj`` without keys whose value is None or empty (FHIR forbids empty elements): an empty
    list, dict or string."""
    return {k: v for k, v in obj.items() if v or (v is not None and not isinstance(v, _CONTAINERS))}
