"""The note lifecycle: draft -> signed (locked) -> amended, with signatures and addenda."""

from __future__ import annotations

import datetime as dt

from kapnotes.choices import Choice
from kapnotes.errors import Problem
from kapnotes.model._base import aware, field, model, non_blank, problem, valid_id
from kapnotes.patterns import LazyPattern

SHA256_RE = LazyPattern(r"^[0-9a-f]{64}$")


def valid_sha256(value: str) -> str | None:
    return None if SHA256_RE.match(value) else "expected a lower-case hex SHA-256 (64 characters)"


KEY_ID_RE = LazyPattern(r"^ed25519:[0-9a-f]{16}$")
SIGNATURE_RE = LazyPattern(r"^[A-Za-z0-9+/]{86}==$")


def valid_key_id(value: str) -> str | None:
    return None if KEY_ID_RE.match(value) else "expected a key id like 'ed25519:' + 16 hex digits"


def valid_base64_signature(value: str) -> str | None:
    if SIGNATURE_RE.match(value):
        return None
    return "expected a base64 Ed25519 signature (88 characters)"


class NoteStatus(Choice):
    DRAFT = "draft"
    SIGNED = "signed"
    AMENDED = "amended"


class SignatureRole(Choice):
    AUTHOR = "author"
    COSIGNER = "cosigner"  # supervisor attestation for a pre-licensed clinician
    PRESCRIBER_ATTESTATION = "prescriber_attestation"  # the prescriber attests the medical part


@model
class Signature:
    """An electronic signature: who, as what, when, and the hash of what they signed.

    ``signer_name`` and ``credentials`` are copied at signing time: a later change of a
    clinician's credentials does not change what the note says they were.
    """

    clinician_id: str = field(check=valid_id)
    signer_name: str = field(check=non_blank)
    credentials: str = field(check=non_blank)
    role: SignatureRole
    signed_at: dt.datetime = field(check=aware)
    content_hash: str = field(check=valid_sha256)
    statement: str | None = None
    key_id: str | None = field(
        default=None, check=valid_key_id, doc="the registered public key that made `digital_signature`"
    )
    previous_hash: str | None = field(
        default=None,
        check=valid_sha256,
        doc="SHA-256 of the note's previous signature or addendum (64 zeros for the first)",
    )
    context_hash: str | None = field(
        default=None,
        check=valid_sha256,
        doc="SHA-256 of the client, course and clinicians the note showed when signed",
    )
    digital_signature: str | None = field(
        default=None,
        check=valid_base64_signature,
        doc="base64 Ed25519 signature by `key_id` over the canonical signing payload",
    )

    def _invariants(self) -> list[Problem]:
        if (self.key_id is None) != (self.digital_signature is None):
            return [problem("digital_signature", "key_id and digital_signature go together")]
        return []


class AddendumKind(Choice):
    ADDENDUM = "addendum"  # adds information; the original stands
    AMENDMENT = "amendment"  # corrects the original; the original is kept and marked amended


@model
class Addendum:
    """Text appended after signing. Never overwrites the original note."""

    id: str = field(check=valid_id)
    kind: AddendumKind
    author_id: str = field(check=valid_id)
    written_at: dt.datetime = field(check=aware)
    text: str = field(check=non_blank)
    reason: str | None = None
    signature: Signature | None = None

    def _invariants(self) -> list[Problem]:
        out = []
        if self.kind is AddendumKind.AMENDMENT and not self.reason:
            out.append(problem("reason", "an amendment needs a reason"))
        if self.signature is not None and self.signature.clinician_id != self.author_id:
            out.append(problem("signature.clinician_id", "an addendum is signed by its author"))
        return out
