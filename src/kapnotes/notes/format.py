"""Note formats: what turns a session (with its course context) into a :class:`Note`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import attrs

from kapnotes.model import Client, Clinic, Clinician, Session, SessionKind, TreatmentCourse

if TYPE_CHECKING:  # pragma: no cover
    from kapnotes.notes.document import Note


@attrs.frozen
class NoteContext:
    """Everything a note format may use: the session and what surrounds it.

    ``course`` gives earlier sessions (for integration of a dosing session, outcomes);
    ``clinicians`` resolves ids to names and credentials. ``extra`` carries what plugins add
    (e.g. safety findings, outcome charts) keyed by name.

    :ivar session: the session the note is about.
    :ivar course: its treatment course (with the other sessions), when known.
    :ivar client: the client, when known.
    :ivar clinic: the clinic (letterhead), when known.
    :ivar clinicians: clinicians by id.
    :ivar generated_at: when the note is produced; None keeps notes deterministic.
    :ivar extra: what the core and plugins add, by name (``findings``: the safety findings of
        a draft).
    :ivar renderers: the registered renderers by name (``intervention.breathwork``,
        ``extension.harbor_light.session``; see :mod:`kapnotes.notes.renderers`), filled in
        from the plugin registry when a note is built.
    :ivar extensions: the declared extensions by name (``harbor_light.session``).
    """

    session: Session
    course: TreatmentCourse | None = None
    client: Client | None = None
    clinic: Clinic | None = None
    clinicians: Mapping[str, Clinician] = attrs.field(factory=dict)
    generated_at: dt.datetime | None = None
    extra: Mapping[str, Any] = attrs.field(factory=dict)
    renderers: Mapping[str, Callable[[Any, Any], Any]] = attrs.field(factory=dict)
    extensions: Mapping[str, Any] = attrs.field(factory=dict)

    def clinician_label(self, clinician_id: str) -> str:
        """``Name, CREDENTIALS`` for a clinician id (the id itself when unknown)."""
        c = self.clinicians.get(clinician_id)
        return f"{c.name}, {c.credentials}" if c is not None else clinician_id


@attrs.frozen
class NoteFormat:
    """A registered note format.

    :ivar name: registry name used by ``--format`` (``soap``).
    :ivar description: one line for ``kapnotes formats``.
    :ivar build: ``build(context) -> Note``.
    :ivar session_kinds: the session kinds it is meant for (``None``: any kind).
    """

    name: str
    description: str
    build: Callable[[NoteContext], Note] = attrs.field(repr=False)
    session_kinds: frozenset[SessionKind] | None = None

    def applies_to(self, session: Session) -> bool:
        return self.session_kinds is None or session.kind in self.session_kinds
