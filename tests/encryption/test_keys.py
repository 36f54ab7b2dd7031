"""Keys: passphrases and raw 32-byte keys; a wrong, missing, unneeded or unusable key is a clear
:class:`EncryptionError` that never contains the key, with nothing from SQLCipher on stderr."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import traceback
from pathlib import Path

import pytest
from click.testing import CliRunner

from kapnotes.cli import cli
from kapnotes.cli.app import KEY_ENV, KEY_FILE_ENV
from kapnotes.errors import KapnotesError, StoreError
from kapnotes.model import Document
from kapnotes.serialization import dumps
from kapnotes.store import open_store
from kapnotes.store.connect import INSTALL_HINT, EncryptionError
from kapnotes.store.verify import verify
from tests.encryption.conftest import PASSPHRASE, RAW_KEY

OTHER_RAW_KEY = bytes(32)


def assert_secret_absent(exc: BaseException, key: object) -> None:
    """The key is nowhere in the error: message, repr, traceback, or a chained error."""
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    forms = [key] if isinstance(key, str) else []
    if isinstance(key, bytes):
        forms += [key.hex(), key.hex().upper(), repr(key), key.decode("latin-1")]
    for form in forms:
        assert isinstance(form, str)
        for where in (str(exc), repr(exc), text, str(exc.__context__)):
            assert form not in where
    assert exc.__cause__ is None
    assert exc.__context__ is None or exc.__suppress_context__  # no driver error shown with it


def digest(path: Path) -> dict[str, str]:
    return {
        sfx: hashlib.sha256(Path(f"{path}{sfx}").read_bytes()).hexdigest()
        for sfx in ("", "-wal")
        if Path(f"{path}{sfx}").exists()
    }


def make(path: Path, key: str | bytes | None, doc: Document) -> None:
    with open_store(path, key=key) as s:
        s.save(doc)


# --- round trips ---------------------------------------------------------------------------------


@pytest.mark.parametrize("key", [PASSPHRASE, RAW_KEY], ids=["passphrase", "raw-key"])
def test_the_right_key_opens_the_store(db_path: Path, demo_doc: Document, key: str | bytes) -> None:
    make(db_path, key, demo_doc)
    with open_store(db_path, key=key, create=False) as s:
        assert dumps(s.document()) == dumps(demo_doc)
        assert verify(s).ok


# --- wrong, missing and unneeded keys --------------------------------------------------------------


WRONG = [
    pytest.param(PASSPHRASE, "correct horse battery staple", id="wrong-passphrase"),
    pytest.param(PASSPHRASE, RAW_KEY, id="raw-key-for-passphrase"),
    pytest.param(RAW_KEY, OTHER_RAW_KEY, id="wrong-raw-key"),
    pytest.param(RAW_KEY, RAW_KEY.hex(), id="hex-of-raw-key-as-passphrase"),
]


@pytest.mark.parametrize(("key", "wrong"), WRONG)
def test_a_wrong_key_is_a_clear_error(
    db_path: Path,
    demo_doc: Document,
    key: str | bytes,
    wrong: str | bytes,
    capfd: pytest.CaptureFixture[str],
) -> None:
    make(db_path, key, demo_doc)
    before = digest(db_path)
    capfd.readouterr()
    with pytest.raises(EncryptionError, match=r"cannot open .*clinic\.db: wrong key") as e:
        open_store(db_path, key=wrong)
    assert_secret_absent(e.value, wrong)
    assert_secret_absent(e.value, key)
    assert capfd.readouterr() == ("", "")  # nothing from SQLCipher's log
    assert digest(db_path) == before


def test_the_stderr_check_would_see_sqlcipher_noise(
    db_path: Path, demo_doc: Document, capfd: pytest.CaptureFixture[str]
) -> None:
    """The control for the check above: SQLCipher at its default log level writes a wrong key's
    HMAC failures to stderr (fd 2), which ``capfd`` captures; kapnotes silences it."""
    from sqlcipher3 import dbapi2 as sqlcipher

    make(db_path, PASSPHRASE, demo_doc)
    capfd.readouterr()
    conn = sqlcipher.connect(str(db_path))
    conn.execute("PRAGMA cipher_log_level = WARN")
    conn.execute("PRAGMA key = 'not the key'")
    with pytest.raises(sqlcipher.DatabaseError):
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    conn.close()
    assert "hmac check failed" in capfd.readouterr().err
    with pytest.raises(EncryptionError):
        open_store(db_path, key="not the key")
    assert capfd.readouterr() == ("", "")


def test_a_missing_key_is_a_clear_error(
    db_path: Path, demo_doc: Document, capfd: pytest.CaptureFixture[str]
) -> None:
    make(db_path, PASSPHRASE, demo_doc)
    before = digest(db_path)
    capfd.readouterr()
    with pytest.raises(EncryptionError, match=r"clinic\.db is encrypted .*open it with its key"):
        open_store(db_path)
    assert capfd.readouterr() == ("", "")
    assert digest(db_path) == before


@pytest.mark.parametrize("key", [PASSPHRASE, RAW_KEY], ids=["passphrase", "raw-key"])
def test_a_key_for_a_plain_store_is_refused(
    db_path: Path, demo_doc: Document, key: str | bytes, capfd: pytest.CaptureFixture[str]
) -> None:
    """Refused: neither encrypted in place nor opened unencrypted; the file is left as it was."""
    make(db_path, None, demo_doc)
    before = digest(db_path)
    capfd.readouterr()
    with pytest.raises(
        EncryptionError, match=r"clinic\.db is not encrypted: open it without a key"
    ) as e:
        open_store(db_path, key=key)
    assert_secret_absent(e.value, key)
    assert capfd.readouterr() == ("", "")
    assert digest(db_path) == before
    with open_store(db_path, create=False) as s:
        assert verify(s).ok
        assert dumps(s.document()) == dumps(demo_doc)


BAD_KEYS = [
    pytest.param(b"", "must be 32 bytes, not 0", id="empty-bytes"),
    pytest.param(b"sixteen byte key", "must be 32 bytes, not 16", id="short-bytes"),
    pytest.param(RAW_KEY * 2, "must be 32 bytes, not 64", id="long-bytes"),
    pytest.param("", "the encryption key is empty", id="empty-passphrase"),
    pytest.param("pass\x00phrase", "contains a NUL character", id="nul-in-passphrase"),
    pytest.param(1234567890, "must be str .* or bytes, not int", id="int"),
]


@pytest.mark.parametrize(("key", "message"), BAD_KEYS)
def test_an_unusable_key_is_refused_before_anything_is_created(
    db_path: Path, key: object, message: str
) -> None:
    with pytest.raises(EncryptionError, match=message) as e:
        open_store(db_path, key=key)  # type: ignore[arg-type]
    if isinstance(key, (str, bytes)) and key:
        assert_secret_absent(e.value, key)
    assert not db_path.exists()


def test_errors_are_kapnotes_errors() -> None:
    assert issubclass(EncryptionError, StoreError)
    assert issubclass(EncryptionError, KapnotesError)  # the CLI shows them without a traceback


# --- without SQLCipher -----------------------------------------------------------------------------


def test_without_sqlcipher_a_key_names_the_extra_to_install(
    db_path: Path, demo_doc: Document, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "sqlcipher3", None)
    monkeypatch.setitem(sys.modules, "sqlcipher3.dbapi2", None)
    with pytest.raises(EncryptionError, match="SQLCipher is not installed") as e:
        open_store(db_path, key=PASSPHRASE)
    assert INSTALL_HINT == "pip install 'kapnotes[encryption]'"
    assert INSTALL_HINT in str(e.value)
    assert_secret_absent(e.value, PASSPHRASE)
    assert not db_path.exists()
    make(db_path, None, demo_doc)  # plain stores need no SQLCipher
    with open_store(db_path, create=False) as s:
        assert verify(s).ok


def test_without_sqlcipher_an_encrypted_store_is_still_named_as_such(
    db_path: Path, demo_doc: Document, monkeypatch: pytest.MonkeyPatch
) -> None:
    make(db_path, PASSPHRASE, demo_doc)
    monkeypatch.setitem(sys.modules, "sqlcipher3", None)
    monkeypatch.setitem(sys.modules, "sqlcipher3.dbapi2", None)
    with pytest.raises(EncryptionError, match="is encrypted"):
        open_store(db_path)
    with pytest.raises(EncryptionError, match=r"pip install 'kapnotes\[encryption\]'"):
        open_store(db_path, key=PASSPHRASE)


# --- the command line ------------------------------------------------------------------------------


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``kapnotes ARGS`` in a fresh process: its real stderr (fd 2) is what a user sees."""
    base = {k: v for k, v in os.environ.items() if k not in (KEY_ENV, KEY_FILE_ENV)}
    return subprocess.run(
        [sys.executable, "-c", "from kapnotes.cli import main; main()", *args],
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def encrypted_file(db_path: Path, demo_doc: Document) -> Path:
    make(db_path, PASSPHRASE, demo_doc)
    return db_path


def test_cli_opens_an_encrypted_store_with_the_key_from_the_environment(
    encrypted_file: Path, tmp_path: Path
) -> None:
    runner = CliRunner()
    r = runner.invoke(cli, ["verify", "--db", str(encrypted_file)], env={KEY_ENV: PASSPHRASE})
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith("ok: ")
    key_file = tmp_path / "db.key"
    key_file.write_text(PASSPHRASE + "\n", encoding="utf-8")
    r = runner.invoke(
        cli, ["verify", "--db", str(encrypted_file)], env={KEY_FILE_ENV: str(key_file)}
    )
    assert r.exit_code == 0, r.output


@pytest.mark.slow
@pytest.mark.parametrize(
    ("env", "message"),
    [
        pytest.param(
            {}, "is encrypted (or is not a SQLite database): open it with its key", id="no-key"
        ),
        pytest.param({KEY_ENV: "a wrong passphrase"}, "wrong key", id="wrong-key"),
    ],
)
def test_cli_key_errors_are_one_clear_line(
    encrypted_file: Path, env: dict[str, str], message: str
) -> None:
    r = run_cli("verify", "--db", str(encrypted_file), env=env)
    assert r.returncode == 1
    assert r.stdout == ""
    assert r.stderr.startswith("error: ") and message in r.stderr
    assert r.stderr.count("\n") == 1  # one line: no traceback, no SQLCipher log
    assert "Traceback" not in r.stderr
    for secret in env.values():
        assert secret not in r.stderr


@pytest.mark.slow
def test_cli_refuses_a_key_for_a_plain_store(db_path: Path, demo_doc: Document) -> None:
    make(db_path, None, demo_doc)
    before = digest(db_path)
    r = run_cli("verify", "--db", str(db_path), env={KEY_ENV: PASSPHRASE})
    assert r.returncode == 1
    assert r.stderr.startswith("error: ") and "is not encrypted" in r.stderr
    assert r.stderr.count("\n") == 1
    assert PASSPHRASE not in r.stderr
    assert digest(db_path) == before
