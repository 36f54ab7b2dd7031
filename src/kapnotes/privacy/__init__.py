"""Privacy: de-identified export of a KAP record (HIPAA Safe Harbor, 45 CFR 164.514(b)(2)).

::

    from kapnotes.privacy import deidentify

    data = deidentify(doc, secret=key_bytes)              # dates shifted per client
    data = deidentify(doc, secret=key_bytes, dates="year")  # year only

The result is JSON-ready data, not a :class:`~kapnotes.model.Document`, and it is *assisted*
redaction: a person must review it before release. See ``docs/deidentification.md``.
"""

from kapnotes.privacy.deidentify import (
    METHOD,
    OUTPUT_FORMAT,
    REVIEW_NOTICE,
    DatePolicy,
    deidentify,
)
from kapnotes.privacy.keys import DeidentificationError
from kapnotes.privacy.patterns import KnownIdentifiers, TextRedactor, redact_text
from kapnotes.privacy.safe_harbor import IDENTIFIERS, RESTRICTED_ZIP3, zip3

__all__ = [
    "IDENTIFIERS",
    "METHOD",
    "OUTPUT_FORMAT",
    "RESTRICTED_ZIP3",
    "REVIEW_NOTICE",
    "DatePolicy",
    "DeidentificationError",
    "KnownIdentifiers",
    "TextRedactor",
    "deidentify",
    "redact_text",
    "zip3",
]
