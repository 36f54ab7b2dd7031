"""An encrypted store's files hold no plaintext: not the database, not its WAL, not its -shm.

Searched for: every client's name, MRN, e-mail and phone, the clinicians' and clinic's names,
every narrative, intention, plan, addendum and psychotherapy-note text, full-text index terms
and the schema. The same search over an unencrypted store finds every one of them (so the
search would see a leak), with the content in the WAL before a checkpoint and in the database
file after one.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from kapnotes.cli.app import KEY_ENV
from kapnotes.lifecycle import add_addendum, sign
from kapnotes.model import Document
from kapnotes.store import Store, open_store
from kapnotes.store.connect import SQLITE_HEADER
from kapnotes.store.rows import narrative_text
from kapnotes.synthetic import build_document
from tests.encryption.conftest import PASSPHRASE, RAW_KEY
from tests.faults import records

SUFFIXES = ("", "-wal", "-shm")


def needles(doc: Document) -> set[bytes]:
    """Identifying and clinical text of ``doc``, as SQLite stores text (UTF-8)."""
    found: set[str] = {
        "CREATE TABLE",
        "sessions_fts",
        '"presenting_concerns"',
        "ocean",  # an FTS index term
        "countertransference",
    }
    assert doc.clinic is not None
    found.add(doc.clinic.name)
    found |= {k.name for k in doc.clinicians}
    for c in doc.clients:
        found |= {c.mrn, c.name.given, c.name.family, c.email or "", c.phone or ""}
    for _, s in doc.iter_sessions():
        # each line of searchable text, cut to 40 characters (JSON escapes longer runs less often)
        found |= {line[:40] for line in narrative_text(s).splitlines() if '"' not in line[:40]}
        found |= {a.text[:40] for a in s.addenda}
    found |= {n.text[:40] for n in doc.psychotherapy_notes}
    return {n.encode("utf-8") for n in found if len(n) >= 5}


def files(path: Path) -> dict[str, bytes]:
    return {
        sfx: Path(f"{path}{sfx}").read_bytes() for sfx in SUFFIXES if Path(f"{path}{sfx}").exists()
    }


def leaks(path: Path, wanted: set[bytes]) -> dict[str, list[bytes]]:
    """Which needles appear in which of the store's files."""
    out: dict[str, list[bytes]] = {}
    for sfx, data in files(path).items():
        hits = sorted(n for n in wanted if n in data)
        if hits:
            out[sfx or "db"] = hits
    return out


@pytest.fixture(scope="module")
def record() -> Document:
    return build_document(clients=4, with_process_notes=True)


def fill(path: Path, key: str | bytes | None, record: Document) -> Store:
    """A store holding ``record``, one note signed and one addendum added, with every change
    still in the WAL (automatic checkpoints off)."""
    store = open_store(path, key=key, actor="importer")
    store.conn.execute("PRAGMA wal_autocheckpoint = 0")
    store.save(record)
    sign(store, "cl-001-dose-01", "dr-ames")
    add_addendum(
        store, "cl-001-dose-01", "dr-ames", "Addendum: called the client at home next day."
    )
    return store


@pytest.fixture(params=["passphrase", "raw-key"])
def key(request: pytest.FixtureRequest) -> str | bytes:
    return PASSPHRASE if request.param == "passphrase" else RAW_KEY


STAGES = ["in-wal", "checkpointed", "closed"]


def reach(store: Store, stage: str) -> None:
    """Leave the content in the WAL, checkpoint it into the database file, or close the store."""
    if stage == "checkpointed":
        assert store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0] == 0
    elif stage == "closed":
        store.close()


@pytest.mark.parametrize("stage", STAGES)
def test_plain_store_shows_what_the_search_looks_for(
    tmp_path: Path, record: Document, stage: str
) -> None:
    """The control: without a key every needle is found (in the WAL first, then the db)."""
    path = tmp_path / "plain.db"
    wanted = needles(record)
    store = fill(path, None, record)
    try:
        reach(store, stage)
        found = leaks(path, wanted)
        where = "-wal" if stage == "in-wal" else "db"
        assert set(found.get(where, [])) == wanted
        if stage == "in-wal":
            assert "db" not in found  # all content is in the WAL: the encrypted case tests it
    finally:
        store.close()


@pytest.mark.parametrize("stage", STAGES)
def test_encrypted_store_files_hold_no_plaintext(
    tmp_path: Path, record: Document, key: str | bytes, stage: str
) -> None:
    path = tmp_path / "clinic.db"
    store = fill(path, key, record)
    try:
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.conn.execute("PRAGMA temp_store").fetchone()[0] == 2  # temp data in memory
        reach(store, stage)
        on_disk = files(path)
        assert on_disk[""][:16] != SQLITE_HEADER
        if stage == "in-wal":
            assert len(on_disk["-wal"]) > 500_000  # the whole record is in the WAL
            assert "-shm" in on_disk
        assert leaks(path, needles(record)) == {}
        for data in on_disk.values():
            assert PASSPHRASE.encode() not in data and RAW_KEY not in data
    finally:
        store.close()
    with open_store(path, key=key, create=False) as again:
        assert again.session("cl-001-dose-01")[1].status.value == "signed"
        assert again.search("ocean")


def test_wal_readers_and_a_writer_at_once(db_path: Path, demo_doc: Document) -> None:
    """WAL under SQLCipher: a reader sees the last commit while a write transaction is open."""
    writer = open_store(db_path, key=PASSPHRASE)
    writer.save(demo_doc)
    reader = open_store(db_path, key=PASSPHRASE, create=False)
    try:
        names = "SELECT family_name FROM clients ORDER BY id"
        before = reader.conn.execute(names).fetchall()
        writer.conn.execute("BEGIN IMMEDIATE")
        writer.conn.execute("UPDATE clients SET family_name = 'Changed'")
        assert reader.conn.execute(names).fetchall() == before  # not blocked, nor dirty
        assert reader.search("ocean")
        writer.conn.execute("ROLLBACK")
        assert writer.conn.execute(names).fetchall() == before
    finally:
        reader.close()
        writer.close()


CRASHING_WRITER = textwrap.dedent(
    """
    import sys
    from kapnotes.store import open_store
    from kapnotes.synthetic import build_document
    key = bytes.fromhex(sys.argv[2]) if sys.argv[3] == "raw" else sys.argv[2]
    docs = [build_document(clients=2, first_client=2 * b) for b in range(40)]
    store = open_store(sys.argv[1], key=key, actor="crasher")
    store.conn.execute("PRAGMA wal_autocheckpoint = 0")
    for b, doc in enumerate(docs):
        store.save(doc)
        print(f"saved {b}", flush=True)
    """
)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["passphrase", "raw"])
def test_killed_encrypted_writer_leaves_an_encrypted_wal_that_recovers(
    db_path: Path, kind: str
) -> None:
    key: str | bytes = PASSPHRASE if kind == "passphrase" else RAW_KEY
    arg = PASSPHRASE if kind == "passphrase" else RAW_KEY.hex()
    proc = subprocess.Popen(
        [sys.executable, "-c", CRASHING_WRITER, str(db_path), arg, kind],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    saved = [proc.stdout.readline() for _ in range(3)]
    proc.send_signal(signal.SIGKILL)
    out, err = proc.communicate(timeout=60)
    assert saved == ["saved 0\n", "saved 1\n", "saved 2\n"], err
    done = 3 + sum(1 for line in out.splitlines() if line.startswith("saved"))

    wal = Path(f"{db_path}-wal")
    assert wal.exists() and wal.stat().st_size > 0  # the crash left a WAL to recover from
    batches = [build_document(clients=2, first_client=2 * b) for b in range(40)]
    wanted = set().union(*(needles(d) for d in batches[:done]))
    assert leaks(db_path, wanted) == {}

    with open_store(db_path, key=key, create=False) as store:
        env = {KEY_ENV: PASSPHRASE} if kind == "passphrase" else None  # the CLI takes passphrases
        records.assert_verifies(store, db_path, env=env)
        stored = set(store.client_ids())
        assert len(stored) >= 2 * done  # every committed batch is there
        for b, doc in enumerate(batches):
            for c in doc.clients:
                if c.id in stored:
                    records.assert_client_whole(store, c.id, [doc])
                else:
                    assert b >= done
