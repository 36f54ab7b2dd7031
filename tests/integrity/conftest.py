"""A signed store to attack: keys for three clinicians, a signed dosing note with an addendum,
and a pre-licensed therapist's note co-signed by the supervisor, all with Ed25519 signatures."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from kapnotes.keys import new_private_key
from kapnotes.lifecycle import add_addendum, cosign, sign
from kapnotes.signatures import raw_public_key
from kapnotes.store import open_store

SINCE = dt.datetime(2026, 2, 1, tzinfo=dt.timezone.utc)  # after the demo's own (keyless) signatures
AT = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.timezone.utc)
SIGNED = "cl-001-dose-01"
COSIGNED = "cl-002-integ-01"


@pytest.fixture(scope="session")
def keys():
    return {c: new_private_key() for c in ("dr-ames", "th-kim", "th-ortiz")}


@pytest.fixture(scope="session")
def template(tmp_path_factory, demo_doc, keys) -> Path:
    path = tmp_path_factory.mktemp("attack") / "template.db"
    s = open_store(path, actor="importer")
    s.save(demo_doc)
    for cid, k in keys.items():
        s.register_public_key(cid, raw_public_key(k), valid_from=SINCE)
    sign(s, SIGNED, "dr-ames", at=AT, key=keys["dr-ames"])
    add_addendum(s, SIGNED, "dr-ames", "Late entry: called the client, all well.", at=AT, key=keys["dr-ames"])
    sign(s, COSIGNED, "th-kim", at=AT, key=keys["th-kim"])
    cosign(s, COSIGNED, "th-ortiz", at=AT + dt.timedelta(hours=1), key=keys["th-ortiz"])
    s.record_export("json", ["cl-001"])
    s.close()
    return path


@pytest.fixture
def db(tmp_path, template) -> Path:
    path = tmp_path / "clinic.db"
    shutil.copy(template, path)
    return path


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@pytest.fixture
def attacker(db) -> Iterator[sqlite3.Connection]:
    """A plain connection to the file, as anyone with write access has: sqlite3 and nothing
    of kapnotes (no pragmas), with a sha256() SQL function to recompute hashes."""
    conn = sqlite3.connect(db, isolation_level=None)
    conn.create_function("sha256", 1, _sha256, deterministic=True)
    yield conn
    conn.close()
