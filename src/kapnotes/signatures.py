"""Cryptographic signatures: Ed25519 by the signer's own key, verifiable without the store.

A :class:`~kapnotes.model.Signature` records who signed what; with ``key_id`` and
``digital_signature`` it also *proves* it: the signer's private key (kept in a file of theirs,
never in the store) signs the canonical :func:`payload` — the subject (the session, or the
addendum and its session), the content hash, signer, name, credentials, role, time, statement,
the hash of the note's previous signature or addendum (so none can be removed from the middle
unnoticed) and the hash of the client, course and clinicians the note showed.

Public keys are registered in the clinic record with a validity period (:class:`PublicKey`);
a signature verifies only with the key it names, of the clinician who signed, valid at the
time of signing and not revoked by then. :func:`verify_document` checks an exported record
with nothing but a set of trusted public keys.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from kapnotes.errors import KapnotesError
from kapnotes.serialization import canonical_bytes, unstructure

if TYPE_CHECKING:  # pragma: no cover
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from kapnotes.model import (
        Addendum,
        Client,
        Clinician,
        Document,
        Session,
        Signature,
        TreatmentCourse,
    )

ALGORITHM = "ed25519"
GENESIS = "0" * 64
PAYLOAD_VERSION = 1
PUBLIC_KEYS_FORMAT = "kapnotes-public-keys"


class SigningKeyError(KapnotesError):
    """A signing key is unusable: unreadable, unregistered, expired or revoked."""


@attrs.frozen
class PublicKey:
    """A clinician's registered public key and when it may sign.

    :ivar key_id: ``ed25519:`` + the first 16 hex digits of the SHA-256 of the raw key.
    :ivar public_key: the raw 32-byte Ed25519 public key, base64.
    :ivar valid_from: signatures made before this time do not verify with this key.
    :ivar valid_until: nor those made at or after this time (rotation); None: open-ended.
    :ivar revoked_at: nor those made at or after this time (a compromised key); None: not revoked.
    """

    key_id: str
    clinician_id: str
    public_key: str
    valid_from: dt.datetime
    valid_until: dt.datetime | None = None
    revoked_at: dt.datetime | None = None
    algorithm: str = ALGORITHM

    def usable_at(self, when: dt.datetime) -> str | None:
        """Why this key cannot have signed at ``when`` (None when it can)."""
        if when < self.valid_from:
            return f"key {self.key_id} is valid only from {self.valid_from.isoformat()}"
        if self.valid_until is not None and when >= self.valid_until:
            return f"key {self.key_id} expired at {self.valid_until.isoformat()}"
        if self.revoked_at is not None and when >= self.revoked_at:
            return f"key {self.key_id} was revoked at {self.revoked_at.isoformat()}"
        return None

    def to_data(self) -> dict[str, Any]:
        return {
            "key_id": self.key_id,
            "clinician_id": self.clinician_id,
            "algorithm": self.algorithm,
            "public_key": self.public_key,
            "valid_from": self.valid_from.isoformat(),
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any], where: str = "$") -> PublicKey:
        try:
            if data.get("algorithm", ALGORITHM) != ALGORITHM:
                raise ValueError(f"unsupported algorithm {data.get('algorithm')!r}")
            raw = base64.b64decode(str(data["public_key"]), validate=True)
            if len(raw) != 32:
                raise ValueError("an Ed25519 public key is 32 bytes")
            key = cls(
                key_id=str(data["key_id"]),
                clinician_id=str(data["clinician_id"]),
                public_key=str(data["public_key"]),
                valid_from=_aware(data["valid_from"]),
                valid_until=_aware(data["valid_until"]) if data.get("valid_until") else None,
                revoked_at=_aware(data["revoked_at"]) if data.get("revoked_at") else None,
            )
        except (KeyError, TypeError, ValueError, binascii.Error) as exc:
            raise SigningKeyError(f"{where}: not a kapnotes public key ({exc})") from None
        if key.key_id != key_id_of(raw):
            raise SigningKeyError(f"{where}: key_id {key.key_id!r} does not match its public key")
        return key


def _aware(text: Any) -> dt.datetime:
    t = dt.datetime.fromisoformat(str(text))
    if t.tzinfo is None:
        raise ValueError(f"{text!r} has no time zone")
    return t


def key_id_of(raw_public_key: bytes) -> str:
    return f"{ALGORITHM}:{hashlib.sha256(raw_public_key).hexdigest()[:16]}"


def raw_public_key(private_key: Ed25519PrivateKey) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return private_key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )


def public_keys_data(keys: Iterable[PublicKey]) -> dict[str, Any]:
    """The public-keys file (``kapnotes keys export``): what another machine verifies with."""
    return {"format": PUBLIC_KEYS_FORMAT, "keys": [k.to_data() for k in keys]}


def public_keys_from_data(data: Any, where: str) -> list[PublicKey]:
    if not isinstance(data, dict) or data.get("format") != PUBLIC_KEYS_FORMAT:
        raise SigningKeyError(f"{where}: not a kapnotes public-keys file (format {PUBLIC_KEYS_FORMAT!r})")
    keys = data.get("keys")
    if not isinstance(keys, list):
        raise SigningKeyError(f"{where}: $.keys must be a list")
    return [PublicKey.from_data(k, f"{where}: $.keys[{i}]") for i, k in enumerate(keys)]


# --- what is signed ---------------------------------------------------------------------------


def sha256_of(obj: Any) -> str:
    return hashlib.sha256(canonical_bytes(unstructure(obj))).hexdigest()


def signature_hash(sig: Signature) -> str:
    """SHA-256 of a signature's canonical JSON: what the audit row and the next signature name."""
    return sha256_of(sig)


def addendum_hash(a: Addendum) -> str:
    """SHA-256 of an addendum's canonical JSON, its signature included."""
    return sha256_of(a)


def context_hash(
    client: Client | None, course: TreatmentCourse | None, clinicians: Iterable[Clinician]
) -> str:
    """SHA-256 of what a note shows besides the session: its client, course and clinicians."""
    from kapnotes.model import evolve

    data = {
        "client": unstructure(client) if client is not None else None,
        "course": unstructure(evolve(course, sessions=())) if course is not None else None,
        "clinicians": [unstructure(c) for c in sorted(clinicians, key=lambda c: c.id)],
    }
    return hashlib.sha256(canonical_bytes(data)).hexdigest()


def session_context_hash(
    session: Session,
    client: Client | None,
    course: TreatmentCourse | None,
    clinicians: Mapping[str, Clinician],
) -> str:
    shown = [clinicians[i] for i in session.clinician_ids() if i in clinicians]
    return context_hash(client, course, shown)


def payload(subject: str, sig: Signature, *, key_id: str | None = None) -> bytes:
    """The canonical bytes a digital signature covers (everything but the signature itself);
    ``key_id`` stands for ``sig.key_id`` while the signature is being made."""
    data = {
        "kapnotes_signature": PAYLOAD_VERSION,
        "subject": subject,
        "content_hash": sig.content_hash,
        "clinician_id": sig.clinician_id,
        "signer_name": sig.signer_name,
        "credentials": sig.credentials,
        "role": sig.role.value,
        "signed_at": sig.signed_at.isoformat(),
        "statement": sig.statement,
        "key_id": key_id or sig.key_id,
        "previous_hash": sig.previous_hash,
        "context_hash": sig.context_hash,
    }
    return canonical_bytes(data)


def session_subject(session_id: str) -> str:
    return f"session:{session_id}"


def addendum_subject(session_id: str, addendum_id: str) -> str:
    return f"session:{session_id}/addendum:{addendum_id}"


def seal(subject: str, sig: Signature, private_key: Ed25519PrivateKey) -> Signature:
    """``sig`` with ``key_id`` and ``digital_signature`` made by ``private_key``."""
    from kapnotes.model import evolve

    key_id = key_id_of(raw_public_key(private_key))
    value = private_key.sign(payload(subject, sig, key_id=key_id))
    return evolve(sig, key_id=key_id, digital_signature=base64.b64encode(value).decode("ascii"))


def check_signature(
    subject: str, sig: Signature, keys: Mapping[str, PublicKey]
) -> str | None:
    """Why ``sig`` does not verify with ``keys`` (None when it does)."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    if sig.key_id is None or sig.digital_signature is None:
        return "has no digital signature"
    key = keys.get(sig.key_id)
    if key is None:
        return f"key {sig.key_id} is not a registered key"
    if key.clinician_id != sig.clinician_id:
        return f"key {sig.key_id} belongs to {key.clinician_id}, not {sig.clinician_id}"
    reason = key.usable_at(sig.signed_at)
    if reason:
        return reason
    try:
        public = Ed25519PublicKey.from_public_bytes(base64.b64decode(key.public_key))
        public.verify(base64.b64decode(sig.digital_signature), payload(subject, sig))
    except (InvalidSignature, ValueError, binascii.Error):
        return f"Ed25519 signature does not verify with key {sig.key_id} (forged or altered)"
    return None


# --- the chain of a note's signatures and addenda ----------------------------------------------


def note_items(session: Session) -> list[tuple[str, str, Signature]]:
    """(label, hash, signature) of a note's signatures and signed addenda, in stored order."""
    out = [(f"signature {i}", signature_hash(g), g) for i, g in enumerate(session.signatures)]
    for a in session.addenda:
        if a.signature is not None:
            out.append((f"addendum {a.id}", addendum_hash(a), a.signature))
    return out


def chain_tip(items: Sequence[tuple[str, str, Signature]]) -> str:
    """The hash a new signature or addendum of the note names as its previous one."""
    referenced = {g.previous_hash for _, _, g in items}
    tips = [h for _, h, _ in items if h not in referenced]
    return tips[-1] if tips else GENESIS


def chain_problems(items: Sequence[tuple[str, str, Signature]]) -> Iterator[str]:
    """A signature or addendum whose previous one is missing, or two that claim the same one."""
    hashes = {h for _, h, _ in items}
    claimed: dict[str, str] = {}
    for label, _, g in items:
        prev = g.previous_hash
        if prev is None:
            continue
        if prev != GENESIS and prev not in hashes:
            yield f"{label}: the signature or addendum it follows is missing (removed)"
        if prev in claimed:
            yield f"{label}: follows the same entry as {claimed[prev]} (one was removed or forged)"
        claimed[prev] = label


# --- verifying a document without the store -----------------------------------------------------


def addendum_problems(
    session_id: str,
    addendum: Addendum,
    keys: Any,
    check: Any = None,
) -> Iterator[tuple[str, str]]:
    """What is wrong with an addendum's signature, as ``(kind, text)``: ``unsigned``,
    ``altered`` (its text no longer matches the signed hash) or ``signature`` (``check`` —
    :func:`check_signature` by default — refused it). Shared by import and verify."""
    from kapnotes.store.content import addendum_content_hash

    sig = addendum.signature
    if sig is None:
        yield "unsigned", "is not signed"
        return
    if sig.content_hash != addendum_content_hash(addendum):
        yield "altered", "does not match its signature"
    reason = (check or check_signature)(addendum_subject(session_id, addendum.id), sig, keys)
    if reason:
        yield "signature", reason


def verify_document(doc: Document, keys: Iterable[PublicKey]) -> list[str]:
    """Problems with every signed note of ``doc`` checked against trusted ``keys`` only.

    For each session: the content hash recomputed from its content, every signature and signed
    addendum verified (Ed25519, key of the signer, valid then), the note's chain of signatures
    and addenda, and the client, course and clinicians against what the note showed at signing.
    """
    from kapnotes.model import NoteStatus
    from kapnotes.store.content import session_content_hash

    by_id = {k.key_id: k for k in keys}
    clients = {c.id: c for c in doc.clients}
    clinicians = {c.id: c for c in doc.clinicians}
    problems: list[str] = []
    for course in doc.courses:
        for s in course.sessions:
            where = f"session {s.id}"
            if s.status is not NoteStatus.DRAFT and not s.signatures:
                problems.append(f"{where}: marked {s.status.value} but has no signature")
            content = session_content_hash(s)
            shown = session_context_hash(s, clients.get(course.client_id), course, clinicians)
            for i, g in enumerate(s.signatures):
                if g.content_hash != content:
                    problems.append(f"{where}: signature {i} does not match the content (note altered)")
                reason = check_signature(session_subject(s.id), g, by_id)
                if reason:
                    problems.append(f"{where}: signature {i} by {g.clinician_id}: {reason}")
                if g.context_hash is not None and g.context_hash != shown:
                    problems.append(
                        f"{where}: signature {i}: the client, course or clinicians differ from "
                        "what the note showed when signed"
                    )
            for a in s.addenda:
                for kind, text in addendum_problems(s.id, a, by_id):
                    problems.append(
                        f"{where}: addendum {a.id} by {a.author_id}: {text}"
                        if kind == "signature"
                        else f"{where}: addendum {a.id} {text}" + (" (altered)" if kind == "altered" else "")
                    )
            problems += [f"{where}: {p}" for p in chain_problems(note_items(s))]
    return problems
