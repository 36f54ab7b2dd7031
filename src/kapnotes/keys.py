"""Signing keys: an Ed25519 private key per clinician, in a file of theirs, never in the store.

``kapnotes keys new --clinician ID --out FILE`` writes the private key (PEM, PKCS#8; encrypted
with ``$KAPNOTES_SIGNING_KEY_PASSPHRASE`` when it is set; the file is created with mode 0600 and
never overwritten) and registers the public key in the store with its validity period.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from kapnotes.signatures import SigningKeyError

if TYPE_CHECKING:  # pragma: no cover
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

PASSPHRASE_ENV = "KAPNOTES_SIGNING_KEY_PASSPHRASE"


def new_private_key() -> Ed25519PrivateKey:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return Ed25519PrivateKey.generate()


def _passphrase(passphrase: bytes | None) -> bytes | None:
    if passphrase is not None:
        return passphrase
    env = os.environ.get(PASSPHRASE_ENV)
    return env.encode("utf-8") if env else None


def save_private_key(
    key: Ed25519PrivateKey, path: str | Path, *, passphrase: bytes | None = None
) -> Path:
    """Write ``key`` to a new file (mode 0600); refuses to overwrite an existing file."""
    from cryptography.hazmat.primitives import serialization

    secret = _passphrase(passphrase)
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(secret) if secret else serialization.NoEncryption()
    )
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )
    p = Path(path)
    try:
        fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise SigningKeyError(f"{p} exists: a signing key is never overwritten") from None
    except OSError as exc:
        raise SigningKeyError(f"cannot write {p}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(pem)
    except BaseException:
        p.unlink(missing_ok=True)
        raise
    return p


def load_private_key(path: str | Path, *, passphrase: bytes | None = None) -> Ed25519PrivateKey:
    """Read a private key written by :func:`save_private_key` (clear error if unusable)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise SigningKeyError(f"cannot read the signing key {p}: {exc.strerror}") from None
    try:
        key = serialization.load_pem_private_key(data, password=_passphrase(passphrase))
    except TypeError:
        raise SigningKeyError(
            f"{p} is encrypted: set ${PASSPHRASE_ENV} (or the passphrase is not needed)"
        ) from None
    except ValueError:
        raise SigningKeyError(f"{p} is not a readable signing key (or wrong passphrase)") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError(f"{p} is not an Ed25519 key")
    return key
