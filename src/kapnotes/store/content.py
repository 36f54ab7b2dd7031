"""What a signature covers, and how it is hashed (one place for the idea)."""

from __future__ import annotations

import hashlib
from typing import Any

from kapnotes.model import Addendum, Session
from kapnotes.serialization import canonical_bytes, canonical_text, unstructure
from kapnotes.serialization.fast_unstructure import fast_unstructure

#: The lifecycle fields of a session: not covered by a signature, stored in their own tables.
LIFECYCLE_KEYS = frozenset({"status", "signatures", "addenda"})


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def session_content_data(data: dict[str, Any]) -> dict[str, Any]:
    """A session's data without its lifecycle fields."""
    return {k: v for k, v in data.items() if k not in LIFECYCLE_KEYS}


def session_content_json(s: Session) -> str:
    """The canonical JSON of what a signature of ``s`` covers (stored as the session's doc)."""
    return canonical_text(session_content_data(fast_unstructure(s)))


def session_content_hash(s: Session) -> str:
    """SHA-256 of :func:`session_content_json`: what a signature records. Unchanged by signing
    and by addenda."""
    return sha256_text(session_content_json(s))


def addendum_content_hash(a: Addendum) -> str:
    """SHA-256 of an addendum's canonical JSON without its signature (what its author signs)."""
    data = {k: v for k, v in unstructure(a).items() if k != "signature"}
    return hashlib.sha256(canonical_bytes(data)).hexdigest()
