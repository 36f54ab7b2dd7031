"""From a session to a note to bytes: the one entry point of the note pipeline.

Every function takes ``registry=``: the note formats and exporters to use (None: the default
registry, see :mod:`kapnotes.registry`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from kapnotes.errors import KapnotesError, call_plugin
from kapnotes.exporting import ExportOptions
from kapnotes.model import (
    Client,
    Clinic,
    Clinician,
    Document,
    NoteStatus,
    Session,
    TreatmentCourse,
)
from kapnotes.notes.document import Note
from kapnotes.notes.format import NoteContext, NoteFormat
from kapnotes.registry import Registry, resolve


class FormatMismatchError(KapnotesError):
    """A note format was asked for a session kind it does not document."""


def context_for(
    session: Session,
    *,
    course: TreatmentCourse | None = None,
    document: Document | None = None,
    client: Client | None = None,
    clinic: Clinic | None = None,
    clinicians: Mapping[str, Clinician] | None = None,
    extra: Mapping[str, Any] | None = None,
    generated_at: dt.datetime | None = None,
) -> NoteContext:
    """Assemble a :class:`NoteContext`; a ``document`` fills in whatever is not given.

    ``generated_at`` is when the note is produced (shown and set as the document's creation
    time); None keeps notes deterministic (the session's own times are used).
    """
    if document is not None:
        if course is None:
            course = next(
                (c for c in document.courses if any(s.id == session.id for s in c.sessions)), None
            )
        if client is None and course is not None:
            client = next((c for c in document.clients if c.id == course.client_id), None)
        clinic = clinic or document.clinic
        if clinicians is None:
            clinicians = {c.id: c for c in document.clinicians}
    return NoteContext(
        session=session,
        course=course,
        client=client,
        clinic=clinic,
        clinicians=dict(clinicians or {}),
        generated_at=generated_at,
        extra=dict(extra or {}),
    )


def check_kind(fmt: NoteFormat, session: Session) -> None:
    """Refuse a note format meant for other session kinds (``kap-dosing`` for an intake)."""
    if not fmt.applies_to(session):
        kinds = ", ".join(sorted(k.value for k in fmt.session_kinds or ()))
        raise FormatMismatchError(
            f"note format {fmt.name!r} is for {kinds} sessions; "
            f"session {session.id!r} is {session.kind.value}"
        )


def build_note(
    session: Session,
    *,
    format: str = "soap",
    strict_kind: bool = True,
    registry: Registry | None = None,
    **context: Any,
) -> Note:
    """Build the format-neutral :class:`Note` of ``session`` in note format ``format``.

    ``context`` is passed to :func:`context_for` (``course``, ``document``, ``client``,
    ``clinic``, ``clinicians``, ``extra``, ``generated_at``). A format meant for other session
    kinds is refused unless ``strict_kind`` is false.
    """
    reg = resolve(registry)
    fmt = reg.note_formats.get(format)
    if strict_kind:
        check_kind(fmt, session)
    ctx = context_for(session, **context)
    if "findings" not in ctx.extra and session.status is NoteStatus.DRAFT:
        # a draft shows the safety findings (and those that stop signing, under its banner)
        from kapnotes.rules.engine import check_session

        findings = check_session(
            session, course=ctx.course, document=context.get("document"), registry=reg
        )
        ctx = attrs.evolve(ctx, extra={**ctx.extra, "findings": tuple(findings)})
    return run_format(format, ctx, registry=reg)


def run_format(format: str, ctx: NoteContext, *, registry: Registry | None = None) -> Note:
    """Run note format ``format`` on ``ctx``. An exception in its code, or a result that is not
    a :class:`Note`, is a :class:`~kapnotes.errors.PluginFailure` naming the plugin."""
    reg = resolve(registry)
    entry = reg.note_formats.entry(format)
    if not ctx.renderers and not ctx.extensions:
        ctx = attrs.evolve(
            ctx,
            renderers={e.name: e.value.render for e in reg.renderers.entries()},
            extensions={e.name: e.value for e in reg.extensions.entries()},
        )
    note: Note = call_plugin(
        "note format",
        entry.name,
        entry.plugin,
        ctx.session.id,
        entry.value.build,
        ctx,
        returns=Note,
    )
    return note


def export_note(
    note: Note,
    *,
    to: str = "docx",
    template: str | Path | None = None,
    subject: str | None = None,
    registry: Registry | None = None,
) -> bytes:
    """Bytes of ``note`` from note exporter ``to`` (``subject``: the session id, for errors).

    An exception in the exporter's code, or a result that is not ``bytes``, is a
    :class:`~kapnotes.errors.PluginFailure` naming the plugin.
    """
    entry = resolve(registry).exporters.entry(to)
    options = ExportOptions(template=Path(template) if template is not None else None)
    data: bytes = call_plugin(
        "note exporter",
        entry.name,
        entry.plugin,
        subject or note.subject or note.title,
        entry.value.export,
        note,
        options,
        returns=bytes,
    )
    return data


def render(
    session: Session,
    *,
    format: str = "soap",
    to: str = "docx",
    template: str | Path | None = None,
    registry: Registry | None = None,
    **context: Any,
) -> bytes:
    """A session as a finished note: ``render(session, course=course, format="soap", to="docx")``.

    :param format: a registered note format (``kapnotes formats`` lists them).
    :param to: a registered note exporter (``docx``, ``markdown``, ``text``, ``json``, ...).
    :param template: a clinic's .docx template (docx only).
    :param registry: the note formats and exporters (None: the default registry).
    :param context: ``course``, ``document``, ``client``, ``clinic``, ``clinicians``.
    """
    reg = resolve(registry)
    note = build_note(session, format=format, registry=reg, **context)
    return export_note(note, to=to, template=template, subject=session.id, registry=reg)
