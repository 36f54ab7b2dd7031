"""About 300 hostile inputs to the command line, as data: the cases of issue 17.

Each :class:`Case` is a command line (with placeholders for the files of the :class:`World`),
an environment, an optional injected failure (a full disk) and what must happen:

* ``"refuse"``: exit 1 (or 2, click's usage error), ``error`` in the output, no traceback, and a
  store the case names unchanged (its audit rows count every write);
* ``"ok"``: exit 0;
* ``"fail"``: exit 1 without a traceback (a check that found a problem, e.g. ``verify``);
* ``"clean"``: either, but never a traceback.

Every case is also a test (``tests/hostile/test_hostile_cases.py``), and
``benchmarks/hostile_count.py`` counts what breaks the promise with any kapnotes version: the
cases use only the command line, the synthetic record and the JSON text.

Classes: malformed documents (``doc-*``), damaged or odd databases (``db-*``), odd output paths
(``path-*``), full disks (``full-*``), unknown plugin names (``name-*``), control characters and
Unicode (``text-*``), encryption keys (``key-*``), command-line arguments (``arg-*``) and a store
on read-only media (``ro-*``).
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import sqlite3
import stat
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock

CLIENT, SESSION = "x/../../../ESCAPED-CLIENT", "s/../../../ESCAPED-SESSION"
DOSE = "cl-001-dose-01"


@dataclass(frozen=True)
class Case:
    id: str
    args: tuple[str, ...]
    expect: str = "refuse"
    env: dict[str, str] = field(default_factory=dict)
    #: an injected failure: "enospc" (every file write and fsync fails: a full disk)
    fault: str | None = None
    #: a store (a name of World.dbs) that must be unchanged when the case is refused
    unchanged: str | None = None
    #: needs a read-only mount (root); skipped where none can be made
    needs_mount: bool = False
    #: needs the device node ``{dev:full}`` (root); skipped where none can be made
    needs_device: bool = False


# --- the documents ---------------------------------------------------------------------------


def _good() -> dict[str, Any]:
    from kapnotes.serialization import dumps
    from kapnotes.synthetic import build_document

    return json.loads(dumps(build_document(clients=1, dosings=1)))


def _session(d: dict[str, Any], sid: str) -> dict[str, Any]:
    return next(s for s in d["courses"][0]["sessions"] if s["id"] == sid)


def _set(path: Callable[[dict[str, Any]], dict[str, Any]], key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def edit(d: dict[str, Any]) -> None:
        path(d)[key] = value

    return edit


def _client(d: dict[str, Any]) -> dict[str, Any]:
    return d["clients"][0]


def _dose(d: dict[str, Any]) -> dict[str, Any]:
    return _session(d, DOSE)


def _measure(d: dict[str, Any]) -> dict[str, Any]:
    return _dose(d)["measures"][0]


def _clinic(d: dict[str, Any]) -> dict[str, Any]:
    return d["clinic"]


def _moved_measure(d: dict[str, Any]) -> None:
    """The dosing session under a new id in a course of its own, measure ids kept: they are
    stored for the old session (a clash with the store)."""
    course = d["courses"][0]
    dose = _dose(d)
    course["sessions"].remove(dose)
    dose["id"] = "cl-001-dose-01-copy"
    d["courses"].append(dict(course, id="course-cl-001-b", sessions=[dose]))


def _deep_arrays(_: str) -> str:
    return "[" * 10_000 + "]" * 10_000


def _deep_objects(_: str) -> str:
    return '{"a":' * 100_000 + "1" + "}" * 100_000


#: Edits of the good document's data (``d``) that make it invalid, by id.
DATA_EDITS: dict[str, Callable[[dict[str, Any]], None]] = {
    "version-superscript": lambda d: d.update(format_version="\u00b9.0"),
    "version-arabic-indic": lambda d: d.update(format_version="\u0661.\u0660"),
    "version-future": lambda d: d.update(format_version="9.0"),
    "version-number": lambda d: d.update(format_version=1.1),
    "version-missing": lambda d: d.pop("format_version"),
    "format-other": lambda d: d.update(format="fhir"),
    "id-trailing-newline": _set(_client, "id", "cl-001\n"),
    "id-leading-space": _set(_client, "id", " cl-001"),
    "id-bell": _set(_client, "id", "cl-\x07001"),
    "id-empty": _set(_client, "id", ""),
    "id-nul": _set(_client, "id", "cl\x00001"),
    "id-very-long": _set(_client, "id", "c" * 10_000),
    "offset-60-minutes": _set(_dose, "start", "2026-01-12T09:00:00+05:60"),
    "offset-19-hours": _set(_dose, "start", "2026-01-12T09:00:00+19:00"),
    "offset-minus-25": _set(_dose, "start", "2026-01-12T09:00:00-25:00"),
    "year-1-positive-offset": _set(_dose, "start", "0001-01-01T00:30:00+05:00"),
    "year-9999-negative-offset": _set(_dose, "start", "9999-12-31T23:00:00-05:00"),
    "date-non-ascii-digits": _set(_dose, "start", "\u0662026-01-12T09:00:00-07:00"),
    "date-not-a-date": _set(_dose, "start", "yesterday"),
    "timezone-mars": _set(_clinic, "timezone", "Mars/Olympus"),
    "timezone-path": _set(_clinic, "timezone", "../../etc/passwd"),
    "timezone-empty": _set(_clinic, "timezone", ""),
    "item-float": lambda d: _measure(d)["items"].__setitem__(0, 1.9),
    "item-out-of-range": lambda d: _measure(d)["items"].__setitem__(0, 99),
    "item-string": lambda d: _measure(d)["items"].__setitem__(0, "1"),
    "item-bool": lambda d: _measure(d)["items"].__setitem__(0, True),
    "items-too-few": lambda d: _measure(d).update(items=[1, 2]),
    "instrument-unknown": _set(_measure, "instrument", "nosuch-scale"),  # kept: data outlives its plugin
    "measure-id-twice": lambda d: _session(d, "cl-001-follow-01")["measures"][0].update(
        id=_measure(d)["id"]
    ),
    "measure-id-stored-elsewhere": _moved_measure,
    "unknown-key": _set(_client, "favourite_colour", "teal"),
    "missing-required": lambda d: _client(d).pop("mrn"),
    "courses-object": lambda d: d.update(courses={"a": 1}),
    "sessions-null": lambda d: d["courses"][0].update(sessions=None),
    "session-kind-unknown": _set(_dose, "kind", "party"),
    "course-of-unknown-client": lambda d: d["courses"][0].update(client_id="nobody"),
    "session-ends-before-start": _set(_dose, "end", "2026-01-12T08:00:00-07:00"),
    "signature-wrong-hash": lambda d: _session(d, "cl-001-intake-01")["signatures"][0].update(
        content_hash="0" * 64
    ),
    "document-is-list": lambda d: (d.clear(), d.update({"__list__": True})),
}

#: Edits of the document's text, by id (for what JSON data cannot express).
TEXT_EDITS: dict[str, Callable[[str], str]] = {
    "empty-file": lambda t: "",
    "only-brace": lambda t: "{",
    "truncated": lambda t: t[: len(t) // 2],
    "null": lambda t: "null",
    "a-number": lambda t: "123",
    "a-string": lambda t: '"kapnotes"',
    "a-list": lambda t: "[]",
    "nan": lambda t: t.replace('"items":[1,2,1,1,1,0,2,3,0]', '"items":[NaN,2,1,1,1,0,2,3,0]', 1),
    "infinity": lambda t: t.replace('"items":[1,2,1,1,1,0,2,3,0]', '"items":[Infinity,2,1,1,1,0,2,3,0]', 1),
    "huge-exponent": lambda t: t.replace('"items":[1,2,1,1,1,0,2,3,0]', '"items":[1e400,2,1,1,1,0,2,3,0]', 1),
    "huge-integer": lambda t: t.replace('"items":[1,2,1,1,1,0,2,3,0]', '"items":[' + "9" * 5000 + ",2,1,1,1,0,2,3,0]", 1),
    "duplicate-mrn": lambda t: t.replace('"mrn":', '"mrn":"OTHER","mrn":', 1),
    "duplicate-narrative": lambda t: t.replace('"narrative":', '"narrative":"lost","narrative":', 1),
    "duplicate-format-version": lambda t: t.replace('"format_version":', '"format_version":"1.0","format_version":', 1),
    "deep-arrays": _deep_arrays,
    "deep-objects": _deep_objects,
    "lone-surrogate": lambda t: t.replace('"family":"', '"family":"\\ud800', 1),
    "trailing-garbage": lambda t: t + " }{",
    "two-documents": lambda t: t + t,
    "comment": lambda t: "// a comment\n" + t,
}

#: Byte-level documents, by id.
BYTE_EDITS: dict[str, Callable[[bytes], bytes]] = {
    "invalid-utf8": lambda b: b.replace(b'"family":"', b'"family":"\xff\xfe', 1),
    "utf16": lambda b: b.decode("utf-8").encode("utf-16"),
    "nul-bytes": lambda b: b[:100] + b"\x00" * 10 + b[100:],
    "latin1-name": lambda b: b.replace(b'"family":"', b'"family":"Ren\xe9e ', 1),
}

#: Documents that must be accepted, with their text kept exactly (Unicode is data).
UNICODE_NARRATIVES: dict[str, str] = {
    "rtl-override": "Client said \u202eeno kniht\u202c twice.",
    "emoji": "Felt \U0001f30a like the ocean \U0001f9d8.",
    "combining": "Cafe\u0301 visit; Zoe\u0308 joined.",
    "nfd-vs-nfc": "Re\u0301sume\u0301 and R\u00e9sum\u00e9.",
    "zero-width": "co\u200bop\u200deration",
    "cjk": "\u5b89\u5fc3\u3057\u305f\u3068\u8a71\u3057\u305f\u3002",
    "astral": "\U00010348\U0001d11e math \U0001d400",
    "tab-and-newline": "line one\n\tline two",
}


# --- the world ---------------------------------------------------------------------------------


@dataclass
class World:
    """The files the cases refer to, made once under ``root``."""

    root: Path
    work: Path
    dbs: dict[str, Path] = field(default_factory=dict)
    docs: dict[str, Path] = field(default_factory=dict)
    keys: dict[str, Path] = field(default_factory=dict)
    mounted: list[Path] = field(default_factory=list)
    devices: dict[str, Path] = field(default_factory=dict)
    #: ``escaped_files``' resolved folders, by the ids of the cases asked about
    allowed: dict[tuple[str, ...], frozenset[Path]] = field(default_factory=dict)

    def resolve(self, arg: str) -> str:
        """``{db:NAME}``, ``{doc:NAME}``, ``{key:NAME}``, ``{root}`` and ``{work}`` in ``arg``."""
        out = arg.replace("{root}", str(self.root)).replace("{work}", str(self.work))
        for kind, table in (("db", self.dbs), ("doc", self.docs), ("key", self.keys), ("dev", self.devices)):
            for name, path in table.items():
                out = out.replace(f"{{{kind}:{name}}}", str(path))
        return out

    def close(self) -> None:
        for m in self.mounted:
            subprocess.run(["umount", "-l", str(m)], capture_output=True)
        self.mounted.clear()


def _invoke(args: list[str], env: dict[str, str] | None = None) -> Any:
    from click.testing import CliRunner

    from kapnotes.cli import cli

    return CliRunner().invoke(cli, args, env=env)


def _checkpointed(db: Path) -> None:
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.close()


def _mount_read_only(src: Path, dst: Path) -> bool:
    if not hasattr(os, "geteuid") or os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    dst.mkdir()
    for args in (["mount", "--bind", str(src), str(dst)], ["mount", "-o", "remount,bind,ro", str(dst)]):
        if subprocess.run(args, capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(dst)], capture_output=True)
            return False
    return True


def build_world(root: Path) -> World:
    """Make every file the cases need (about a second)."""
    world = World(root=root, work=root / "a" / "b" / "c")
    world.work.mkdir(parents=True)
    good = _good()
    text = json.dumps(good, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    sid = _session(good, DOSE)["id"]
    hostile = text.replace(f'"{sid}"', f'"{SESSION}"').replace('"cl-001"', f'"{CLIENT}"')
    (root / "h.json").write_text(hostile, encoding="utf-8")
    world.docs["hostile"] = root / "h.json"
    (root / "good.json").write_text(text, encoding="utf-8")
    world.docs["good"] = root / "good.json"

    store = root / "good.db"
    r = _invoke(["import", str(root / "h.json"), "--db", str(store)])
    assert r.exit_code == 0, r.output
    _checkpointed(store)
    plain = root / "plain.db"  # the unedited record, which the edited documents are imported into
    r = _invoke(["import", str(root / "good.json"), "--db", str(plain)])
    assert r.exit_code == 0, r.output
    _checkpointed(plain)
    world.dbs["plain"] = plain
    world.dbs["good"] = store
    data = store.read_bytes()
    for kind, content in {
        "truncated": data[: len(data) // 3],
        "scribbled": data[:100] + b"\xa5" * 8192 + data[8292:],
        "header-only": data[:100],
        "zero-page": data[:4096] + b"\x00" * 4096 + data[8192:],
        "empty": b"",
        "zip": b"PK\x03\x04 junk" * 300,
    }.items():
        world.dbs[kind] = root / f"{kind}.db"
        world.dbs[kind].write_bytes(content)
    other = root / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
    conn.commit()
    conn.close()
    world.dbs["other-app"] = other
    world.dbs["folder"] = root / "folder.db"
    world.dbs["folder"].mkdir()
    world.dbs["missing"] = root / "missing.db"
    world.dbs["dangling-link"] = root / "dangling.db"
    world.dbs["dangling-link"].symlink_to(root / "nowhere.db")
    world.dbs["loop-link"] = root / "loop.db"
    world.dbs["loop-link"].symlink_to(root / "loop.db")
    world.dbs["under-a-file"] = root / "afile" / "k.db"
    (root / "afile").write_text("x")
    for name in ("import", "import-unicode"):
        world.dbs[name] = root / f"{name}.db"
        shutil.copy(plain, world.dbs[name])
    # an encrypted store (when SQLCipher is installed) and its key in every documented form
    raw = bytes(range(200, 232))
    world.keys.update(
        {name: root / f"key-{name}" for name in ("raw", "raw-newline", "hex", "hex-bad", "binary-40", "empty", "passphrase")}
    )
    world.keys["raw"].write_bytes(raw)
    world.keys["raw-newline"].write_bytes(raw + b"\n")
    world.keys["hex"].write_bytes(b"hex:" + raw.hex().encode() + b"\n")
    world.keys["hex-bad"].write_bytes(b"hex:zz\n")
    world.keys["binary-40"].write_bytes(b"\xff" * 40)
    world.keys["empty"].write_bytes(b"")
    world.keys["passphrase"].write_bytes(b"correct horse battery\n")
    world.keys["missing"] = root / "key-missing"
    world.keys["folder"] = root
    world.dbs["encrypted"] = root / "enc.db"
    _invoke(["import", str(root / "good.json"), "--db", str(root / "enc.db")], {"KAPNOTES_DB_KEY_FILE": str(world.keys["raw"])})
    # documents
    for name, edit in DATA_EDITS.items():
        d = _good()
        edit(d)
        body: Any = [] if d.get("__list__") else d
        world.docs[name] = root / "docs" / f"{name}.json"
        world.docs[name].parent.mkdir(exist_ok=True)
        world.docs[name].write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    for name, edit_text in TEXT_EDITS.items():
        world.docs[name] = root / "docs" / f"{name}.json"
        world.docs[name].write_text(edit_text(text), encoding="utf-8")
    for name, edit_bytes in BYTE_EDITS.items():
        world.docs[name] = root / "docs" / f"{name}.json"
        world.docs[name].write_bytes(edit_bytes(text.encode("utf-8")))
    for name, narrative in UNICODE_NARRATIVES.items():
        d = _good()
        _dose(d)["narrative"]["observations"] = narrative
        world.docs[f"unicode-{name}"] = root / "docs" / f"unicode-{name}.json"
        world.docs[f"unicode-{name}"].write_text(json.dumps(d, ensure_ascii=False), encoding="utf-8")
    world.docs["missing"] = root / "docs" / "missing.json"
    world.docs["folder"] = root / "docs"
    # a full device (what /dev/full is), where a device node can be made
    with contextlib.suppress(OSError, AttributeError):
        os.mknod(root / "full", stat.S_IFCHR | 0o666, os.makedev(1, 7))
        world.devices["full"] = root / "full"
    # a store on read-only media, where a mount can be made
    media = root / "media"
    media.mkdir()
    shutil.copy(store, media / "k.db")
    if _mount_read_only(media, root / "ro"):
        world.mounted.append(root / "ro")
        world.dbs["read-only"] = root / "ro" / "k.db"
    return world


# --- the cases ---------------------------------------------------------------------------------

_DAMAGED = ["truncated", "scribbled", "header-only", "zero-page", "empty", "zip", "other-app", "folder", "missing", "dangling-link", "loop-link", "under-a-file"]
_ON_A_STORE: dict[str, tuple[str, ...]] = {
    "verify": ("verify",),
    "export": ("export", "-o", "-"),
    "search": ("search", "ocean"),
    "check": ("check",),
    "render": ("render", SESSION, "--to", "markdown", "-o", "-"),
    "render-all": ("render", "--all", "--out", "{work}/notes-x", "--to", "markdown"),
    "outcomes": ("outcomes",),
    "import": ("import", "{doc:good}"),
}
#: Document edits also run through ``check`` (the rest: ``import`` only; both read with one loader).
_CHECKED = {"version-superscript", "id-trailing-newline", "offset-60-minutes", "year-1-positive-offset",
            "timezone-path", "item-float", "measure-id-twice", "empty-file", "truncated", "nan",
            "huge-integer", "duplicate-mrn", "deep-arrays", "deep-objects", "lone-surrogate",
            "invalid-utf8", "utf16", "nul-bytes", "missing", "folder"}


#: Edited documents that are not refused, and why (the documented behaviour): an instrument no
#: plugin registers is kept as data; a signature that does not verify is listed as refused and
#: its note imported as a draft (exit 0); UTF-16 with a byte-order mark is JSON (RFC 8259
#: section 8.1 lets a parser accept it) holding the same record.
_DOC_EXPECT = {"instrument-unknown": "clean", "signature-wrong-hash": "clean", "utf16": "clean"}


def _documents() -> Iterator[Case]:
    names = [*DATA_EDITS, *TEXT_EDITS, *BYTE_EDITS, "missing", "folder"]
    for name in names:
        for cmd in ("import", "check") if name in _CHECKED else ("import",):
            extra = ("--db", "{db:import}") if cmd == "import" else ()
            expect = _DOC_EXPECT.get(name, "refuse")
            yield Case(f"doc-{cmd}-{name}", (cmd, f"{{doc:{name}}}", *extra), expect, unchanged="import")
        if name in ("deep-arrays", "deep-objects", "duplicate-mrn", "lone-surrogate", "truncated"):
            yield Case(f"doc-render-from-{name}", ("render", DOSE, "--from", f"{{doc:{name}}}", "-o", "-"))
            yield Case(f"doc-verify-record-{name}", ("verify", f"{{doc:{name}}}"))


def _databases() -> Iterator[Case]:
    for kind in _DAMAGED:
        for name, cmd in _ON_A_STORE.items():
            if name == "import" and kind in ("empty", "missing", "dangling-link"):
                continue  # an import creates a store: that is what it is for
            yield Case(f"db-{name}-{kind}", (*cmd, "--db", f"{{db:{kind}}}"))
    yield Case("db-env-folder", ("search", "ocean"), env={"KAPNOTES_DB": "{root}"})
    yield Case("db-env-empty-string", ("search", "ocean"), env={"KAPNOTES_DB": ""}, expect="clean")
    yield Case("db-option-empty", ("search", "ocean", "--db", ""))
    yield Case("db-dev-null", ("search", "ocean", "--db", "/dev/null"))
    # a link is followed, as by any program: the store is made where it points
    yield Case("db-import-through-a-dangling-link", ("import", "{doc:good}", "--db", "{db:dangling-link}"), "ok")
    yield Case("db-import-into-folder", ("import", "{doc:good}", "--db", "{db:folder}"))
    yield Case("db-import-into-other-app", ("import", "{doc:good}", "--db", "{db:other-app}"))


_OUTS = {
    "new-folder": "{root}/new/deeper/n.md",
    "existing-folder": "{root}",
    "under-a-file": "{root}/afile/n.md",
    "unwritable": "/proc/kapnotes-cannot-write-here/n.md",
    "long-name": "{root}/" + "n" * 300 + ".md",
    "trailing-slash": "{root}/notes-dir/",
    "dev-full": "{dev:full}",  # a node of its own: an old kapnotes renamed a file over /dev/full
}


def _paths() -> Iterator[Case]:
    for name, out in _OUTS.items():
        expect = "ok" if name == "new-folder" else "refuse"
        dev = name == "dev-full"
        yield Case(f"path-render-o-{name}", ("render", SESSION, "--to", "markdown", "-o", out, "--db", "{db:good}"), expect, needs_device=dev)
        yield Case(f"path-export-o-{name}", ("export", "-o", out, "--db", "{db:good}"), expect, needs_device=dev)
        yield Case(f"path-schema-o-{name}", ("schema", "-o", out), expect, needs_device=dev)
        yield Case(f"path-keys-export-{name}", ("keys", "export", "--out", out, "--db", "{db:good}"), expect, needs_device=dev)
    for name, cmd in {
        "render-default-name": ("render", SESSION, "--to", "markdown", "--db", "{db:good}"),
        "render-stdout": ("render", SESSION, "--to", "markdown", "-o", "-", "--db", "{db:good}"),
        "export-stdout": ("export", "-o", "-", "--db", "{db:good}"),
        "schema-stdout": ("schema", "-o", "-"),
        "render-all-escaping-ids": ("render", "--all", "--out", "notes", "--to", "markdown", "--db", "{db:good}"),
        "render-client-escaping-id": ("render", "--client", CLIENT, "--out", "notes", "--to", "markdown", "--db", "{db:good}"),
        "demo-new-folder": ("demo", "--out", "{root}/demo-out", "--clients", "3"),
    }.items():
        yield Case(f"path-{name}", cmd, "ok")
    for name, out in {"a-file": "{root}/afile", "under-a-file": "{root}/afile/notes", "unwritable": "/proc/kapnotes-no/notes"}.items():
        yield Case(f"path-render-all-out-{name}", ("render", "--all", "--out", out, "--to", "markdown", "--db", "{db:good}"))
        yield Case(f"path-demo-out-{name}", ("demo", "--out", out, "--clients", "3"))


def _full_disks() -> Iterator[Case]:
    for name, cmd in {
        "render-o": ("render", SESSION, "--to", "markdown", "-o", "full.md", "--db", "{db:good}"),
        "render-docx": ("render", SESSION, "-o", "full.docx", "--db", "{db:good}"),
        "render-all": ("render", "--all", "--out", "fullnotes", "--db", "{db:good}", "--to", "markdown"),
        "export-o": ("export", "-o", "full.json", "--db", "{db:good}"),
        "export-deidentify": ("export", "--deidentify", "--secret-file", "{key:passphrase}", "-o", "full-deid.json", "--db", "{db:good}"),
        "schema-o": ("schema", "-o", "full-schema.json"),
        "keys-export": ("keys", "export", "--out", "full-keys.json", "--db", "{db:good}"),
        "outcomes-chart": ("outcomes", "--chart", "full.png", "--db", "{db:good}"),
    }.items():
        yield Case(f"full-{name}", cmd, fault="enospc")


def _names() -> Iterator[Case]:
    db = ("--db", "{db:good}")
    for name, cmd in {
        "render-exporter": ("render", SESSION, "--to", "nosuch", "-o", "-", *db),
        "render-format": ("render", SESSION, "-f", "nosuch", "-o", "-", *db),
        "render-format-wrong-kind": ("render", "cl-001-intake-01", "-f", "kap-dosing", "-o", "-", *db),
        "render-all-exporter": ("render", "--all", "--out", "n", "--to", "nosuch", *db),
        "export-exporter": ("export", "--to", "nosuch", *db),
        "export-deidentify-other-exporter": ("export", "--deidentify", "--to", "markdown", "--secret-file", "{key:passphrase}", *db),
        "score-instrument": ("score", "NOSUCH", "1", "2"),
        "outcomes-instrument": ("outcomes", "--instrument", "nosuch", *db),
        "render-session": ("render", "no-such-session", "-o", "-", *db),
        "render-client": ("render", "--client", "no-such-client", "--out", "n", *db),
        "export-client": ("export", "--client", "no-such-client", *db),
        "sign-session": ("sign", "no-such-session", "--clinician", "th-ortiz", *db),
        "sign-clinician": ("sign", SESSION, "--clinician", "no-such-clinician", *db),
        "keys-revoke": ("keys", "revoke", "ed25519:0000000000000000", *db),
        "keys-new-clinician": ("keys", "new", "--clinician", "nobody", "--out", "{root}/nobody.pem", *db),
    }.items():
        yield Case(f"name-{name}", cmd, unchanged="good")
    yield Case("name-load-plugins-unknown", ("formats",), "ok", env={"KAPNOTES_LOAD_PLUGINS": "nosuch"})
    yield Case("name-strict-plugins", ("formats",), "clean", env={"KAPNOTES_STRICT_PLUGINS": "1"})


def _texts() -> Iterator[Case]:
    for name in UNICODE_NARRATIVES:
        yield Case(f"text-import-{name}", ("import", f"{{doc:unicode-{name}}}", "--db", "{db:import-unicode}"), "ok")
    db = ("--db", "{db:good}")
    for name, query in {
        "nul": "a\x00b",
        "rtl": "\u202eocean",
        "quote": '"',
        "star": "*",
        "near": "NEAR(ocean calm)",
        "colon": "narrative:ocean",
        "caret": "^ocean",
        "only-spaces": "   ",
        "emoji": "\U0001f30a",
        "very-long": "ocean " * 5000,
        "lone-surrogate": "\ud800",
    }.items():
        yield Case(f"text-search-{name}", ("search", query, *db), "clean")
    for name, sid in {"nul": "s\x00", "newline": "s\n1", "surrogate": "\ud800", "long": "s" * 5000}.items():
        yield Case(f"text-render-id-{name}", ("render", sid, "-o", "-", *db))


def _keys() -> Iterator[Case]:
    for name, expect in {
        "raw": "ok",
        "raw-newline": "ok",
        "hex": "ok",
        "hex-bad": "refuse",
        "binary-40": "refuse",
        "empty": "refuse",
        "passphrase": "refuse",
        "missing": "refuse",
        "folder": "refuse",
    }.items():
        env = {"KAPNOTES_DB_KEY_FILE": f"{{key:{name}}}"}
        yield Case(f"key-search-{name}", ("search", "ocean", "--db", "{db:encrypted}"), expect, env=env)
        yield Case(f"key-plain-store-{name}", ("search", "ocean", "--db", "{db:good}"), env=env)
    yield Case("key-none-for-encrypted", ("search", "ocean", "--db", "{db:encrypted}"))
    yield Case("key-env-wrong-passphrase", ("search", "ocean", "--db", "{db:encrypted}"), env={"KAPNOTES_DB_KEY": "wrong"})
    yield Case("key-render-all-workers", ("render", "--all", "--out", "{root}/enc-notes", "--to", "markdown", "--workers", "2", "--db", "{db:encrypted}"), "ok", env={"KAPNOTES_DB_KEY_FILE": "{key:raw}"})
    yield Case("key-signing-key-garbage", ("sign", SESSION, "--clinician", "th-ortiz", "--key", "{key:binary-40}", "--db", "{db:good}"), unchanged="good")
    yield Case("key-signing-key-missing", ("sign", SESSION, "--clinician", "th-ortiz", "--key", "{key:missing}", "--db", "{db:good}"), unchanged="good")


def _arguments() -> Iterator[Case]:
    for name, answers in {
        "too-few": ("1", "2"),
        "too-many": ("1",) * 12,
        "not-a-number": ("a",) * 9,
        "negative": ("-1",) * 9,
        "huge": ("1" + "0" * 400,) * 9,
        "float": ("1.5",) * 9,
        "nan": ("nan",) * 9,
        "arabic-indic-digit": ("\u0661",) * 9,
        "empty-strings": ("",) * 9,
    }.items():
        yield Case(f"arg-score-{name}", ("score", "PHQ9", *answers))
    yield Case("arg-verify-anchor-future", ("verify", "--anchor", "999999:" + "0" * 64, "--db", "{db:good}"), "fail")
    yield Case("arg-score-ok", ("score", "PHQ9", "1", "2", "0", "3", "1", "0", "2", "1", "0"), "ok")
    db = ("--db", "{db:good}")
    for name, cmd in {
        "verify-anchor-garbage": ("verify", "--anchor", "not-a-head", *db),

        "audit-limit-zero": ("audit", "--limit", "0", *db),
        "render-workers-zero": ("render", "--all", "--out", "n", "--workers", "0", *db),
        "render-both-session-and-all": ("render", DOSE, "--all", "--out", "n", *db),
        "render-all-without-out": ("render", "--all", *db),
        "render-no-session": ("render", *db),
        "export-deidentify-no-secret": ("export", "--deidentify", *db),
        "export-deidentify-empty-secret": ("export", "--deidentify", "--secret-file", "{key:empty}", *db),
        "export-psychotherapy-without-purpose": ("export", "--include-psychotherapy-notes", "AUTH-1", *db),
        "addendum-to-a-draft": ("addendum", SESSION, "--clinician", "th-ortiz", "--text", "late", *db),
        "keys-new-bad-date": ("keys", "new", "--clinician", "th-ortiz", "--out", "{root}/k.pem", "--valid-from", "yesterday", *db),
        "outcomes-chart-bad-extension": ("outcomes", "--chart", "{root}/chart.exe", *db),
        "check-config-missing": ("check", "--config", "{root}/no-config.json", *db),
        "check-config-not-json": ("check", "--config", "{doc:truncated}", *db),
    }.items():
        yield Case(f"arg-{name}", cmd, unchanged="good")


def _read_only() -> Iterator[Case]:
    ro = ("--db", "{db:read-only}")
    for name, cmd in {
        "check": ("check",),
        "verify": ("verify",),
        "search": ("search", "ocean"),
        "audit": ("audit",),
        "keys-list": ("keys", "list"),
        "outcomes": ("outcomes",),
        "render-no-audit": ("render", SESSION, "--to", "markdown", "-o", "-", "--no-audit"),
        "export-no-audit": ("export", "-o", "-", "--no-audit"),
        "render-all-no-audit": ("render", "--all", "--out", "{root}/ro-notes", "--to", "markdown", "--no-audit"),
    }.items():
        yield Case(f"ro-{name}", (*cmd, *ro), "ok", needs_mount=True)
    for name, cmd in {
        "render-audited": ("render", SESSION, "--to", "markdown", "-o", "-"),
        "export-audited": ("export", "-o", "-"),
        "import": ("import", "{doc:good}"),
        "sign": ("sign", SESSION, "--clinician", "th-ortiz"),
        "keys-revoke": ("keys", "revoke", "ed25519:0000000000000000"),
    }.items():
        yield Case(f"ro-{name}", (*cmd, *ro), needs_mount=True)


def all_cases() -> list[Case]:
    cases = [*_documents(), *_databases(), *_paths(), *_full_disks(), *_names(), *_texts(), *_keys(), *_arguments(), *_read_only()]
    ids = [c.id for c in cases]
    assert len(ids) == len(set(ids)), "case ids must be unique"
    return cases


# --- running one case ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    traceback: bool
    wrong: bool
    store_changed: bool
    output: str


def _audit_rows(db: Path) -> int | None:
    try:
        conn = sqlite3.connect(f"{db.absolute().as_uri()}?mode=ro", uri=True)
        try:
            return int(conn.execute("SELECT count(*) FROM audit").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.Error:
        return None


@contextlib.contextmanager
def _fault(kind: str | None) -> Iterator[None]:
    if kind is None:
        yield
        return
    full = OSError(errno.ENOSPC, "No space left on device")
    with (
        mock.patch("pathlib.Path.write_bytes", side_effect=full),
        mock.patch("pathlib.Path.write_text", side_effect=full),
        mock.patch("os.write", side_effect=full),
        mock.patch("os.fsync", side_effect=full),
    ):
        yield


def skipped(world: World, case: Case) -> bool:
    """Whether ``world`` lacks what ``case`` needs (a read-only mount, a device node)."""
    return (case.needs_mount and "read-only" not in world.dbs) or (
        case.needs_device and "full" not in world.devices
    )


def run_case(world: World, case: Case) -> Outcome:
    """Run ``case`` in ``world.work``; what went wrong, if anything."""
    args = [world.resolve(a) for a in case.args]
    env = {k: world.resolve(v) for k, v in case.env.items()}
    watched = world.dbs.get(case.unchanged) if case.unchanged else None
    before = _audit_rows(watched) if watched else None
    cwd = Path.cwd()
    os.chdir(world.work)
    try:
        with _fault(case.fault):
            r = _invoke(args, env)
    finally:
        os.chdir(cwd)
    output = r.output if isinstance(r.output, str) else ""
    traceback = (r.exception is not None and not isinstance(r.exception, SystemExit)) or "Traceback" in output
    if case.expect == "ok":
        wrong = r.exit_code != 0
    elif case.expect == "fail":
        wrong = r.exit_code != 1
    elif case.expect == "refuse":
        wrong = r.exit_code not in (1, 2) or "error" not in output.lower()
    else:
        wrong = False
    changed = bool(watched) and r.exit_code != 0 and _audit_rows(watched) != before  # type: ignore[arg-type]
    return Outcome(traceback=traceback, wrong=wrong, store_changed=changed, output=output)


def escaped_files(world: World, cases: list[Case]) -> list[Path]:
    """Files named after an escaping id that are not inside the folder they were asked into:
    the working folder (``-o`` relative names, the default ``SESSION.EXT``) or the ``--out`` of
    a case that may succeed (a refused case is asked for nothing: ``--out {root}`` is refused)."""
    key = tuple(c.id for c in cases)
    folders = world.allowed.get(key)
    if folders is None:  # the same for every call with these cases: worked out once
        found = {world.work.resolve()}
        for case in cases:
            if case.expect not in ("ok", "clean"):
                continue
            args = [world.resolve(a) for a in case.args]
            found |= {(world.work / args[i + 1]).resolve() for i, a in enumerate(args[:-1]) if a == "--out"}
        folders = world.allowed[key] = frozenset(found)
    return [
        p
        for p in world.root.rglob("*ESCAPED*")
        if p.is_file() and folders.isdisjoint(p.resolve().parents)
    ]
