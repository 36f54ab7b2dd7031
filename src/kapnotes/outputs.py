"""Writing output files safely: names made from ids stay in their folder, writes are atomic.

Identifiers may contain ``/`` and ``.`` (see the id rules), so a file name built from one could
climb out of the folder asked for (``../../x``). :func:`safe_component` turns any text into one
harmless path component; :func:`atomic_write` writes a file through a temporary file in the
target folder and renames it into place only when complete, so a full disk or a crash never
leaves a half-written file behind.
"""

from __future__ import annotations

import contextlib
import os
import re
import unicodedata
from pathlib import Path

from kapnotes.errors import KapnotesError

#: Characters kept as they are in a file name; everything else becomes ``_``.
_UNSAFE = re.compile(r"[^A-Za-z0-9._@+=,-]")
#: Longest component written (common file systems allow 255 bytes).
MAX_COMPONENT = 120


class OutputError(KapnotesError, OSError):
    """An output file or folder cannot be written; the message names the path and why."""


def safe_component(text: str) -> str:
    """``text`` as one path component that cannot leave its folder.

    Text that is already safe is returned unchanged; otherwise unsafe characters become ``_``
    and 8 hexadecimal digits of the SHA-256 of the original text are appended, so two ids
    that differ only in unsafe characters (``a/b``, ``a:b``) never get the same name, and the
    same id always gets the same name.
    """
    cleaned = _UNSAFE.sub("_", unicodedata.normalize("NFKC", text))
    if cleaned.startswith("."):
        cleaned = "_" + cleaned[1:]
    if cleaned == text and 0 < len(text) <= MAX_COMPONENT:
        return text
    import hashlib  # here: the CLI imports this module, and most names need no hash

    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{cleaned[:MAX_COMPONENT]}-{digest}"


def describe_os_error(exc: OSError) -> str:
    """The human part of an ``OSError`` (``No space left on device``)."""
    return exc.strerror or str(exc) or type(exc).__name__


def ensure_folder(folder: Path) -> Path:
    """Create ``folder`` (and its parents) or raise :class:`OutputError` saying why not."""
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"cannot write into {folder}: it is a file, not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create the folder {folder}: {describe_os_error(exc)}") from exc
    return folder


def atomic_write(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` all at once: a temporary file in the same folder, renamed.

    A device or a pipe (``/dev/null``, ``/dev/stdout``, a FIFO) is written in place: renaming a
    file over it would replace it. The folder is created if missing. On any failure the temporary file is removed, an
    existing ``path`` is left as it was, and :class:`OutputError` names the path and why.
    """
    path = Path(path)
    if path.is_dir():
        raise OutputError(f"cannot write {path}: it is a folder (give a file name)")
    if path.exists() and not path.is_file():
        return _write_in_place(path, data)
    try:
        ensure_folder(path.parent)
    except OutputError as exc:
        raise OutputError(f"cannot write {path}: {exc}") from exc
    import tempfile  # here: the CLI imports this module to define its commands

    tmp: str | None = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name[:40]}.", suffix=".part", dir=path.parent)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {describe_os_error(exc)}") from exc
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    return path


def _write_in_place(path: Path, data: bytes) -> Path:
    """Write to a device or a pipe as it is (it cannot be replaced atomically, nor should be)."""
    try:
        with path.open("wb") as f:
            f.write(data)
            f.flush()
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {describe_os_error(exc)}") from exc
    return path
