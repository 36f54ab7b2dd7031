"""Keyed pseudonyms and date offsets: HMAC-SHA256 with a secret the covered entity keeps.

A pseudonym is a re-identification code in the sense of 45 CFR 164.514(c): it can be traced back
only by whoever holds the secret (by recomputing it over the clinic's own ids), it is not the id
itself nor a plain hash of it (a plain hash of ``cl-001`` could be recomputed by anyone), and the
secret is never written into the output. 164.514(c)(2) requires that the covered entity neither
discloses the secret nor uses it for anything else. Use a long random secret (at least 16 bytes;
``secrets.token_hex(32)``); a new secret per release makes releases unlinkable to each other.
"""

from __future__ import annotations

import hashlib
import hmac

from kapnotes.errors import KapnotesError

#: Domain separation: a pseudonym of a client id never equals one of a session id, and values
#: from other tools keyed with the same secret never coincide with ours.
_CONTEXT = b"kapnotes/deidentify/v1"
#: Hex digits kept of the HMAC: 12 hex = 48 bits. Collisions are detected, never silent.
PSEUDONYM_HEX_DIGITS = 12
MIN_SECRET_BYTES = 16


class DeidentificationError(KapnotesError):
    """De-identification was asked for with unusable options (no secret, an unknown policy...)."""


def check_secret(secret: object) -> bytes:
    """The secret as bytes, or a clear error: it must be bytes of at least 16 bytes."""
    if not isinstance(secret, (bytes, bytearray)):
        raise DeidentificationError(
            f"the de-identification secret must be bytes, got {type(secret).__name__}"
        )
    if len(secret) < MIN_SECRET_BYTES:
        raise DeidentificationError(
            f"the de-identification secret is {len(secret)} bytes; use at least "
            f"{MIN_SECRET_BYTES} random bytes (e.g. python -c 'import secrets; "
            "print(secrets.token_hex(32))' > KEY)"
        )
    return bytes(secret)


class Keyed:
    """Pseudonyms and date offsets derived from one secret; the same inputs give the same outputs."""

    def __init__(self, secret: bytes) -> None:
        self._secret = check_secret(secret)
        self._seen: dict[str, str] = {}

    def _mac(self, purpose: str, value: str) -> bytes:
        msg = b"\x00".join((_CONTEXT, purpose.encode("utf-8"), value.encode("utf-8")))
        return hmac.new(self._secret, msg, hashlib.sha256).digest()

    def pseudonym(self, namespace: str, value: str) -> str:
        """``namespace-<12 hex>`` for ``value``; a collision within a run raises, never merges."""
        digest = self._mac(f"id:{namespace}", value).hex()[:PSEUDONYM_HEX_DIGITS]
        out = f"{namespace}-{digest}"
        earlier = self._seen.setdefault(out, value)
        if earlier != value:  # pragma: no cover - 48-bit collision: astronomically unlikely
            raise DeidentificationError(
                f"two different {namespace} ids map to the same pseudonym; use another secret"
            )
        return out

    def day_offset(self, subject: str, max_days: int) -> int:
        """A whole number of days in [-max_days, -1] or [1, max_days], fixed for ``subject``.

        Never 0: an offset of 0 would release the true dates.
        """
        n = int.from_bytes(self._mac("date-shift", subject)[:8], "big")
        magnitude = 1 + (n >> 1) % max_days
        return magnitude if n & 1 else -magnitude
