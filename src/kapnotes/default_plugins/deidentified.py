"""Built-in plugin: the de-identified export of a record (``kapnotes export --deidentify``).

The ``deidentified-json`` record exporter runs :func:`kapnotes.privacy.deidentify` (HIPAA Safe
Harbor, 45 CFR 164.514(b)(2)) and writes canonical JSON (keys sorted, UTF-8). Its options come in
:attr:`kapnotes.exporting.ExportOptions.extra`:

``secret`` (required)
    bytes or str: the key of the pseudonyms and date offsets. Leading and trailing white space is
    stripped, so a key file read with or without its final newline gives the same output.
``dates``
    ``"shift"`` (default) or ``"year"``.
``max_shift_days``
    default 365.
``keep_clinicians``
    default False.
``as_of``
    a :class:`datetime.date` on which ages are judged (default: the latest date in the record).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from kapnotes.errors import KapnotesError
from kapnotes.exporting import ExportOptions, NoteExporter, RecordExporter, RecordView
from kapnotes.hookspecs import hookimpl

NAME = "deidentified-json"


def _secret(extra: dict[str, Any]) -> bytes:
    secret = extra.get("secret")
    if secret is None:
        raise KapnotesError(
            f"the {NAME} exporter needs a secret key: give ExportOptions(extra={{'secret': ...}}) "
            "(on the command line: kapnotes export --deidentify --secret-file KEY). Make one with "
            "python -c 'import secrets; print(secrets.token_hex(32))' > KEY and keep it private."
        )
    if isinstance(secret, str):
        secret = secret.encode("utf-8")
    if not isinstance(secret, (bytes, bytearray)):
        raise KapnotesError(f"the {NAME} secret must be bytes or str, got {type(secret).__name__}")
    return bytes(secret).strip()


def _as_of(extra: dict[str, Any]) -> dt.date | None:
    value = extra.get("as_of")
    if value is None or isinstance(value, dt.date):
        return value
    raise KapnotesError(f"the {NAME} option as_of must be a date, got {value!r}")


def export_deidentified(view: RecordView, options: ExportOptions) -> bytes:
    """The record of ``view``, de-identified, as canonical JSON bytes (ending in a newline)."""
    from kapnotes.privacy import deidentify
    from kapnotes.serialization import canonical_bytes

    extra = options.extra
    data = deidentify(
        view.document(),
        secret=_secret(extra),
        dates=extra.get("dates", "shift"),
        max_shift_days=extra.get("max_shift_days", 365),
        keep_clinicians=bool(extra.get("keep_clinicians", False)),
        as_of=_as_of(extra),
    )
    return canonical_bytes(data) + b"\n"


DEIDENTIFIED_JSON = RecordExporter(
    name=NAME,
    description="The record de-identified (HIPAA Safe Harbor), to be reviewed before release.",
    media_type="application/json",
    extension="json",
    export=export_deidentified,
)


@hookimpl
def register_exporters(register: Callable[[NoteExporter | RecordExporter], None]) -> None:
    register(DEIDENTIFIED_JSON)
