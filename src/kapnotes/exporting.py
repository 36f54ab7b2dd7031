"""Exporters: what turns a :class:`~kapnotes.notes.document.Note` (or a whole record) into bytes.

Two kinds, both registered through the ``register_exporters`` hook:

* :class:`NoteExporter` — one note to one file (docx, markdown, text, json). Any note format
  reaches any note exporter: N formats x M exporters, written N + M times.
* :class:`RecordExporter` — a whole record (courses, sessions, scores) to a file or a directory
  (JSON document, CSV, FHIR, NDJSON). It receives a :class:`RecordView`, built by the core:
  the view carries psychotherapy notes **only** when the caller passed an explicit
  :class:`Authorization` — an exporter, built-in or third-party, has no other way to reach them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from kapnotes.errors import KapnotesError
from kapnotes.registry import Registry, resolve

if TYPE_CHECKING:  # pragma: no cover
    from kapnotes.model import (
        Client,
        Clinic,
        Clinician,
        Document,
        GroupSession,
        PsychotherapyNote,
        TreatmentCourse,
    )
    from kapnotes.notes.document import Note
    from kapnotes.store import Store


@attrs.frozen
class ExportOptions:
    """Options an exporter may honour.

    :ivar template: a clinic's .docx template (docx only).
    :ivar extra: exporter-specific options by name (``secret`` and ``dates`` for
        ``deidentified-json``).
    """

    template: Path | None = None
    extra: dict[str, Any] = attrs.field(factory=dict)


@attrs.frozen
class NoteExporter:
    """Turns a Note into bytes.

    :ivar name: registry name (``docx``), used by ``--to``.
    :ivar description: one line for ``kapnotes formats``.
    :ivar media_type: IANA media type of the output.
    :ivar extension: file extension without the dot.
    :ivar export: ``export(note, options) -> bytes``.
    """

    name: str
    description: str
    media_type: str
    extension: str
    export: Callable[[Note, ExportOptions], bytes] = attrs.field(repr=False)


@attrs.frozen
class RecordExporter:
    """Turns a whole record into bytes, or into files in a directory.

    :ivar name: registry name (``scores-csv``), used by ``kapnotes export --to``.
    :ivar description: one line for ``kapnotes formats``.
    :ivar media_type: IANA media type of the output.
    :ivar extension: file extension without the dot.
    :ivar writes_directory: whether ``export`` writes files into a directory.
    :ivar export: ``export(view, options) -> bytes`` for a single file, or, when
        ``writes_directory`` is true, ``export(view, options, directory) -> list[Path]``;
        ``view`` is a :class:`RecordView`.
    """

    name: str
    description: str
    media_type: str
    extension: str
    export: Callable[..., Any] = attrs.field(repr=False)
    writes_directory: bool = False


Exporter = NoteExporter | RecordExporter


class AuthorizationError(KapnotesError):
    """Psychotherapy notes were asked for without a valid authorization."""


@attrs.frozen
class Authorization:
    """An explicit authorization to disclose psychotherapy notes (45 CFR 164.508(a)(2)).

    :ivar reference: the identifier of the signed authorization on file (required).
    :ivar purpose: what the disclosure is for.
    :ivar granted_by: who signed it (the client, or their personal representative).
    """

    reference: str
    purpose: str
    granted_by: str

    def __attrs_post_init__(self) -> None:
        for name in ("reference", "purpose", "granted_by"):
            if not getattr(self, name).strip():
                raise AuthorizationError(f"an authorization needs a {name.replace('_', ' ')}")


class RecordView:
    """What a record exporter sees of the record.

    Clinic, clinicians and clients are loaded; courses (with their sessions) are streamed by
    :meth:`iter_courses`, so an exporter can write a large store with flat memory.
    :attr:`psychotherapy_notes` is empty unless the view was made with an authorization.
    Exporters receive one built by the core (:meth:`of_document`, :meth:`of_store`).

    :ivar clinic: the clinic, None when the record has none.
    :ivar clinicians: every clinician of the record (a tuple).
    :ivar clients: the clients exported (a tuple).
    :ivar courses: a function returning the courses, read by :meth:`iter_courses`.
    :ivar psychotherapy_notes: the psychotherapy notes (45 CFR 164.501), only with an
        authorization; empty otherwise.
    :ivar authorization: the :class:`Authorization` the view was made with, or None.
    """

    def __init__(
        self,
        *,
        clinic: Clinic | None,
        clinicians: Sequence[Clinician],
        clients: Sequence[Client],
        courses: Callable[[], Iterable[TreatmentCourse]],
        psychotherapy_notes: Sequence[PsychotherapyNote] = (),
        authorization: Authorization | None = None,
        groups: Sequence[GroupSession] = (),
    ) -> None:
        if psychotherapy_notes and authorization is None:
            raise AuthorizationError("psychotherapy notes need an explicit authorization")
        self.clinic = clinic
        self.clinicians = tuple(clinicians)
        self.clients = tuple(clients)
        self._courses = courses
        self.psychotherapy_notes = tuple(psychotherapy_notes)
        #: The group session records the courses' sessions refer to (format 1.2).
        self.groups = tuple(groups)
        #: The store the view reads (set by :meth:`of_store`): exports of it are audited there.
        self.source: Store | None = None
        self.authorization = authorization

    def iter_courses(self) -> Iterator[TreatmentCourse]:
        """Every course with its sessions, one at a time."""
        yield from self._courses()

    def document(self) -> Document:
        """The whole view as one :class:`~kapnotes.model.Document` (fine for small exports)."""
        from kapnotes.model import Document

        return Document(
            clinic=self.clinic,
            clinicians=self.clinicians,
            clients=self.clients,
            courses=tuple(self.iter_courses()),
            psychotherapy_notes=self.psychotherapy_notes,
            groups=self.groups,
        )

    @classmethod
    def of_document(cls, doc: Document, authorization: Authorization | None = None) -> RecordView:
        """A view of an in-memory document; its psychotherapy notes only with an authorization."""
        return cls(
            clinic=doc.clinic,
            clinicians=doc.clinicians,
            clients=doc.clients,
            courses=lambda: iter(doc.courses),
            psychotherapy_notes=doc.psychotherapy_notes if authorization is not None else (),
            authorization=authorization,
            groups=doc.groups,
        )

    @classmethod
    def of_store(
        cls,
        store: Store,
        *,
        client_ids: Sequence[str] | None = None,
        authorization: Authorization | None = None,
    ) -> RecordView:
        """A streaming view of a store: courses read in ordered batches and decoded without
        re-validating what the store validated on writing (:mod:`kapnotes.store.bulk`; a row
        that cannot be decoded so is read by the validating path, with its clear error)."""
        from kapnotes.store import bulk

        clients = store.clients(client_ids)
        wanted = [c.id for c in clients]
        notes = store.psychotherapy_notes(wanted, authorization=authorization) if authorization else ()
        view = cls(
            clinic=store.clinic(),
            clinicians=list(store.clinicians().values()),
            clients=clients,
            courses=lambda: bulk.iter_courses(store, wanted),
            psychotherapy_notes=notes,
            authorization=authorization,
            groups=store.groups(store.group_ids(wanted)),
        )
        view.source = store
        return view


def export_record(
    view: RecordView,
    to: str,
    *,
    options: ExportOptions | None = None,
    directory: Path | None = None,
    audit: bool = True,
    registry: Registry | None = None,
) -> Any:
    """Run record exporter ``to`` on ``view``: bytes, or the paths written into ``directory``.

    A view of a store (:meth:`RecordView.of_store`) is audited in that store — one "export" row
    per client — once the exporter has succeeded; a failed export leaves no row. Pass
    ``audit=False`` only when you audit yourself after writing the bytes somewhere
    (``Store.record_export``), as the command line does. ``registry``: where ``to`` is looked up
    (None: the default registry, see :mod:`kapnotes.registry`).
    """
    from kapnotes.errors import call_plugin

    entry = resolve(registry).record_exporters.entry(to)
    exporter = entry.value
    opts = options or ExportOptions()
    if audit and view.source is not None:  # refused before the exporter writes anything
        view.source.check_writable("record the export in its audit log")
    if exporter.writes_directory:
        if directory is None:
            raise KapnotesError(f"exporter {to!r} writes a directory: give one")
        directory.mkdir(parents=True, exist_ok=True)
        result = call_plugin(
            "record exporter", to, entry.plugin, "the record", exporter.export, view, opts, directory,
            returns=list,
        )
    else:
        result = call_plugin(
            "record exporter", to, entry.plugin, "the record", exporter.export, view, opts,
            returns=bytes,
        )
    if audit and view.source is not None:
        view.source.record_export(
            to, [c.id for c in view.clients], psychotherapy_notes=len(view.psychotherapy_notes)
        )
    return result
