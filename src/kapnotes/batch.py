"""Render many stored sessions to files, on every core when it pays.

``registry=``: the note formats and exporters (None: the default registry, see
:mod:`kapnotes.registry`). Worker processes use the default registry, so a batch given an
explicit registry renders in this process.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from kapnotes.model import SessionKind
from kapnotes.outputs import atomic_write, ensure_folder, safe_component
from kapnotes.registry import Registry, resolve
from kapnotes.store import Store, open_store

if TYPE_CHECKING:  # pragma: no cover
    from kapnotes.rules.config import ClinicConfig

#: The note format used for a session kind when none is asked for.
DEFAULT_FORMATS: dict[SessionKind, str] = {
    SessionKind.INTAKE: "soap",
    SessionKind.PREPARATION: "soap",
    SessionKind.DOSING: "kap-dosing",
    SessionKind.INTEGRATION: "integration",
    SessionKind.FOLLOW_UP: "soap",
}

#: Below this many notes a worker pool costs more than it saves (measured: benchmarks/).
PARALLEL_THRESHOLD = 24


def default_format(kind: SessionKind, config: ClinicConfig | None = None) -> str:
    """The note format of a session kind: the clinic's (``config.notes``), else kapnotes'."""
    chosen = getattr(config.notes, kind.value) if config is not None else None
    return chosen or DEFAULT_FORMATS[kind]


def note_path(
    out_dir: Path, client_id: str, start: str, session_id: str, fmt: str, ext: str
) -> Path:
    """Where a batch writes a note: ``OUT/CLIENT/DATE_SESSION_FORMAT.EXT``, every part made safe
    (ids may hold ``/`` or ``..``; see :func:`kapnotes.outputs.safe_component`)."""
    name = safe_component(f"{start[:10]}_{session_id}_{fmt}") + "." + safe_component(ext)
    return out_dir / safe_component(client_id) / name


def render_stored(
    store: Store,
    session_id: str,
    *,
    format: str | None = None,
    to: str = "docx",
    template: str | Path | None = None,
    audit: bool = True,
    registry: Registry | None = None,
    config: ClinicConfig | None = None,
) -> bytes:
    """Render one stored session (``format`` None: the default for its kind, from ``config``
    when it sets one).

    A format asked for by name must be meant for the session's kind (``kap-dosing`` is refused
    for an intake); formats for any kind (SOAP, ...) fit every session. The rendering is audited
    in the store ("render") once the note is produced, unless ``audit`` is false (for a caller
    that audits after writing the note, with ``Store.record_renders``).
    """
    from kapnotes.rendering import check_kind, export_note, run_format

    reg = resolve(registry if registry is not None else store.registry)
    if audit:
        store.check_writable("record the render in its audit log")
    ctx = store.note_context(session_id)
    name = format or default_format(ctx.session.kind, config)
    check_kind(reg.note_formats.get(name), ctx.session)
    note = run_format(name, ctx, registry=reg)
    data = export_note(note, to=to, template=template, subject=session_id, registry=reg)
    if audit:
        store.record_renders([session_id], to=to, format=name)
    return data


def _render_chunk(
    args: tuple[str, Sequence[str], str, str | None, str, str | None, str | bytes | None,
                ClinicConfig | None],
) -> list[str]:
    db_path, session_ids, out_dir, fmt, to, template, key, config = args
    store = open_store(db_path, create=False, key=key, read_only=True)
    try:
        return [
            str(_render_one(store, sid, Path(out_dir), fmt, to, template, config=config))
            for sid in session_ids
        ]
    finally:
        store.close()


def _render_one(
    store: Store,
    sid: str,
    out_dir: Path,
    fmt: str | None,
    to: str,
    template: str | None,
    registry: Registry | None = None,
    config: ClinicConfig | None = None,
) -> Path:
    reg = resolve(registry if registry is not None else store.registry)
    ctx = store.note_context(sid)
    name = fmt or default_format(ctx.session.kind, config)
    exporter = reg.exporters.get(to)
    data = render_stored(
        store, sid, format=name, to=to, template=template, audit=False, registry=reg
    )
    assert ctx.course is not None
    path = note_path(
        out_dir, ctx.course.client_id, ctx.session.start.isoformat(), sid, name, exporter.extension
    )
    return atomic_write(path, data)


def render_all(
    store: Store,
    out_dir: Path,
    *,
    to: str = "docx",
    format: str | None = None,
    client_id: str | None = None,
    template: str | Path | None = None,
    workers: int | None = None,
    on_done: Callable[[Path], None] | None = None,
    key: str | bytes | None = None,
    registry: Registry | None = None,
    kind: SessionKind | str | None = None,
    config: ClinicConfig | None = None,
    skipped: list[str] | None = None,
    audit: bool = True,
) -> Iterator[Path]:
    """Render every stored session (or one client's, or those of one ``kind``) into
    ``out_dir``; yields each file written.

    ``format`` None renders each session in the default format of its kind (``config.notes``,
    else :data:`DEFAULT_FORMATS`). A ``format`` meant for some session kinds only
    (``kap-dosing``) renders the sessions it documents and leaves out the others, whose ids are
    appended to ``skipped`` (nothing is aborted half-way).

    With a file database and enough notes, work is spread over ``workers`` processes
    (default: the number of CPUs); each opens the database read-only for its share, with
    ``key`` when the store is encrypted (the workers need it; pass the key the store was opened with).
    Workers use the default registry: with an explicit ``registry`` (or a store opened with one)
    every note is rendered here. Each note is recorded in the store's audit log once written;
    ``audit=False`` (for a store opened read-only, whose log cannot be written: the caller keeps
    its own record) does not.
    """
    if audit:  # refused before any note is written, not after the first
        store.check_writable("record the renders in its audit log")
    explicit = registry if registry is not None else store.registry
    reg = resolve(explicit)
    reg.exporters.get(to)  # fail fast on an unknown exporter name
    fmt = reg.note_formats.get(format) if format is not None else None
    wanted = SessionKind(kind) if kind is not None else None
    ids = []
    for sid, session_kind in store.session_kinds(client_id):
        if wanted is not None and session_kind is not wanted:
            continue
        if fmt is not None and fmt.session_kinds is not None and session_kind not in fmt.session_kinds:
            if skipped is not None:
                skipped.append(sid)
            continue
        ids.append(sid)
    if not ids:
        ensure_folder(out_dir)
        return
    ensure_folder(out_dir)
    n_workers = workers or os.cpu_count() or 1
    tpl = str(template) if template is not None else None
    in_process = explicit is not None or store.path is None or n_workers < 2
    if in_process or len(ids) < PARALLEL_THRESHOLD:
        for sid in ids:
            path = _render_one(store, sid, out_dir, format, to, tpl, reg, config)
            if audit:
                store.record_renders([sid], to=to, format=format)  # audited once written
            if on_done:
                on_done(path)
            yield path
        return
    # Small chunks keep both cores busy to the end (a chunk is a few seconds of work at most);
    # warming up here first means forked workers inherit loaded modules and prepared templates.
    size = max(2, len(ids) // (n_workers * 12))
    chunks = [ids[i : i + size] for i in range(0, len(ids), size)]
    first = _render_one(store, ids[0], out_dir, format, to, tpl, reg, config)
    if audit:
        store.record_renders([ids[0]], to=to, format=format)
    if on_done:
        on_done(first)
    yield first
    chunks[0] = chunks[0][1:]
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else None
    with ProcessPoolExecutor(n_workers, mp_context=multiprocessing.get_context(method)) as pool:
        jobs = [(str(store.path), c, str(out_dir), format, to, tpl, key, config) for c in chunks]
        for chunk, paths in zip(chunks, pool.map(_render_chunk, jobs), strict=True):
            if audit:
                store.record_renders(chunk, to=to, format=format)  # the chunk's files are written
            for p in paths:
                if on_done:
                    on_done(Path(p))
                yield Path(p)
