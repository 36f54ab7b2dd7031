"""Data outlives its plugin: a record holding an intervention type whose plugin is gone stays
loadable, storable, exportable byte for byte, renderable, signable and verifiable."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import docx
import pytest
from click.testing import CliRunner

import kapnotes.plugins as plugins
from kapnotes import hookimpl
from kapnotes.cli.app import cli
from kapnotes.errors import InvalidError
from kapnotes.model import Document, Intervention, UnknownIntervention
from kapnotes.model._base import field, model, non_blank
from kapnotes.serialization import content_hash, dumps, loads, to_data

SESSION = "cl-002-integ-02"
MARK = "type 'music-set' — its plugin is not installed"


@model
class MusicSet(Intervention):
    """A music set played during the session (a test plugin's intervention type)."""

    type: ClassVar[str] = "music-set"
    label: ClassVar[str] = "Music set"

    playlist: str = field(check=non_blank)
    tracks: int = 0


class MusicPlugin:
    @hookimpl
    def register_intervention_types(self, register: Callable[[Any], None]) -> None:
        register(MusicSet)


MUSIC = {"type": "music-set", "playlist": "Ocean drift", "tracks": 7, "minutes": 40,
         "notes": "Client chose the second half."}


def with_music(demo_doc: Document) -> tuple[dict, str]:
    """The demo record with a music set in one integration session; and that session's path."""
    data = copy.deepcopy(to_data(demo_doc))
    for c, course in enumerate(data["courses"]):
        for s, session in enumerate(course["sessions"]):
            if session["id"] == SESSION:
                session["interventions"] = [*session.get("interventions", []), dict(MUSIC)]
                i = len(session["interventions"]) - 1
                return data, f"$.courses[{c}].sessions[{s}].interventions[{i}]"
    raise AssertionError(SESSION)


@pytest.fixture
def music_plugin():
    name = plugins.register_plugin(MusicPlugin(), name="music_set_test")
    yield name
    if plugins.pm.has_plugin(name):
        plugins.unregister_plugin(name)


def test_a_record_exported_with_the_plugin_exports_identically_without_it(
    demo_doc, music_plugin, tmp_path: Path
) -> None:
    data, _ = with_music(demo_doc)
    text = json.dumps(data)
    doc = loads(text)
    assert any(isinstance(i, MusicSet) for c in doc.courses for s in c.sessions
               for i in s.interventions)
    before, digest = dumps(doc), content_hash(doc)
    db = tmp_path / "k.db"
    record = tmp_path / "with.json"
    record.write_text(before, encoding="utf-8")
    run = CliRunner()
    r = run.invoke(cli, ["import", str(record), "--db", str(db)])
    assert r.exit_code == 0, r.output
    r = run.invoke(cli, ["export", "--to", "json", "--db", str(db)])
    assert r.exit_code == 0, r.output
    exported_with = r.stdout

    plugins.unregister_plugin(music_plugin)

    again = loads(before)
    iv = [i for c in again.courses for s in c.sessions for i in s.interventions
          if isinstance(i, UnknownIntervention)]
    assert len(iv) == 1 and iv[0].tag == "music-set"
    assert iv[0].data == MUSIC
    assert dumps(again) == before and content_hash(again) == digest
    r = run.invoke(cli, ["export", "--to", "json", "--db", str(db)])
    assert r.exit_code == 0, r.output
    assert r.stdout == exported_with
    # the store's interventions table keeps its row
    import sqlite3
    rows = sqlite3.connect(db).execute(
        "SELECT type FROM interventions WHERE session_id = ?", (SESSION,)).fetchall()
    assert ("music-set",) in rows
    from kapnotes.store import open_store

    store = open_store(db)
    try:
        _, session = store.session(SESSION)
        assert [i.tag for i in session.interventions if isinstance(i, UnknownIntervention)] == [
            "music-set"
        ]
        assert dumps(store.document()) == dumps(loads(exported_with))
        assert [h.session_id for h in store.search("Ocean drift")] == [SESSION]
        assert store.search("playlist") == []  # its text is indexed, not its JSON keys
    finally:
        store.close()

    # installed again, it is read as its class once more, with the same bytes
    plugins.register_plugin(MusicPlugin(), name=music_plugin)
    assert isinstance(loads(before).courses, tuple)
    assert any(isinstance(i, MusicSet) for c in loads(before).courses for s in c.sessions
               for i in s.interventions)
    assert dumps(loads(before)) == before


def test_an_orphaned_intervention_renders_marked_in_every_format(demo_doc, tmp_path) -> None:
    data, _ = with_music(demo_doc)
    db = tmp_path / "k.db"
    record = tmp_path / "r.json"
    record.write_text(json.dumps(data), encoding="utf-8")
    run = CliRunner()
    assert run.invoke(cli, ["import", str(record), "--db", str(db)]).exit_code == 0
    for fmt in ("soap", "dap", "birp", "girp", "pirp", "integration"):  # progress shows outcomes only
        r = run.invoke(cli, ["render", SESSION, "-f", fmt, "--to", "text", "-o", "-",
                             "--db", str(db)])
        assert r.exit_code == 0, (fmt, r.output)
        assert MARK in r.stdout, fmt
        assert "Ocean drift" in r.stdout and "Client chose the second half." in r.stdout, fmt
    for to in ("markdown", "json"):  # and docx below (core tests see only built-ins)
        r = run.invoke(cli, ["render", SESSION, "-f", "soap", "--to", to, "-o", "-",
                             "--db", str(db)])
        assert r.exit_code == 0, (to, r.output)
        assert "Ocean drift" in r.stdout, to
        assert "its plugin is not installed" in r.stdout, to
    # any other session of that course, and the database check
    r = run.invoke(cli, ["render", "cl-002-dose-02", "--to", "text", "-o", "-", "--db", str(db)])
    assert r.exit_code == 0, r.output
    r = run.invoke(cli, ["check", "--db", str(db), "--client", "cl-002"])
    assert "$.courses[0].sessions[5].interventions[" in r.stderr and MARK in r.stderr
    out = tmp_path / "n.docx"
    r = run.invoke(cli, ["render", SESSION, "-f", "integration", "-o", str(out), "--db", str(db)])
    assert r.exit_code == 0, r.output
    document = docx.Document(str(out))
    cells = "\n".join(c.text for t in document.tables for row in t.rows for c in row.cells)
    assert MARK in cells + "\n".join(p.text for p in document.paragraphs)


def test_a_signed_note_of_it_takes_addenda_and_verifies(demo_doc, tmp_path) -> None:
    data, _ = with_music(demo_doc)
    db = tmp_path / "k.db"
    record = tmp_path / "r.json"
    record.write_text(json.dumps(data), encoding="utf-8")
    run = CliRunner()
    assert run.invoke(cli, ["import", str(record), "--db", str(db)]).exit_code == 0
    r = run.invoke(cli, ["sign", SESSION, "--clinician", "th-kim", "--db", str(db)])
    assert r.exit_code == 0, r.output
    r = run.invoke(cli, ["cosign", SESSION, "--clinician", "th-ortiz", "--db", str(db)])
    assert r.exit_code == 0, r.output
    r = run.invoke(cli, ["addendum", SESSION, "--clinician", "th-kim", "--text",
                         "Music set noted.", "--db", str(db)])
    assert r.exit_code == 0, r.output
    r = run.invoke(cli, ["verify", "--db", str(db)])
    assert r.exit_code == 0, r.output


def test_check_warns_with_the_path_and_the_missing_plugin(demo_doc, tmp_path) -> None:
    data, path = with_music(demo_doc)
    record = tmp_path / "r.json"
    text = json.dumps(data)
    record.write_text(text, encoding="utf-8")
    r = CliRunner().invoke(cli, ["check", str(record)])
    out = r.output + r.stderr
    assert path in out
    assert "'music-set'" in out and "plugin" in out
    assert record.read_text(encoding="utf-8") == text  # nothing rewritten


def test_an_unknown_key_in_a_known_type_is_still_refused(demo_doc) -> None:
    data, path = with_music(demo_doc)
    entry = MUSIC_COPY(data, path)
    entry["type"] = "integration"  # a known type: its keys are checked as strictly as ever
    with pytest.raises(InvalidError) as e:
        loads(json.dumps(data))
    assert f"{path}.playlist" in str(e.value)


def test_a_missing_type_is_still_refused(demo_doc) -> None:
    data, path = with_music(demo_doc)
    del MUSIC_COPY(data, path)["type"]
    with pytest.raises(InvalidError) as e:
        loads(json.dumps(data))
    assert f"{path}: 'type' is missing" in str(e.value)


def MUSIC_COPY(data: dict, path: str) -> dict:
    c, s, i = (int(x.split("]")[0]) for x in path.split("[")[1:])
    return data["courses"][c]["sessions"][s]["interventions"][i]


def test_a_plugin_that_fails_to_import_leaves_its_data_readable(
    demo_doc, entry_points, tmp_path
) -> None:
    entry_points("music_broken", "raise ImportError('no module named pydub')\n")
    data, path = with_music(demo_doc)
    with pytest.warns(plugins.PluginLoadWarning, match="music_broken"):
        text = dumps(loads(json.dumps(data)))
    assert dumps(loads(text)) == text
    record = tmp_path / "r.json"
    record.write_text(text, encoding="utf-8")
    r = CliRunner().invoke(cli, ["check", str(record)])
    assert f"{path}: {MARK}" in r.stderr
    assert "failed to load: music_broken" in r.stderr
    assert record.read_text(encoding="utf-8") == text


def test_the_json_schema_allows_it_and_still_checks_known_types(demo_doc) -> None:
    import jsonschema

    from kapnotes.serialization.schema import json_schema

    validator = jsonschema.Draft202012Validator(json_schema())
    data, path = with_music(demo_doc)
    assert list(validator.iter_errors(data)) == []
    MUSIC_COPY(data, path)["type"] = "integration"  # known type, unknown keys: refused
    assert list(validator.iter_errors(data)) != []
    MUSIC_COPY(data, path)["type"] = " "
    assert list(validator.iter_errors(data)) != []


def test_de_identification_covers_an_orphaned_intervention(demo_doc) -> None:
    from kapnotes.privacy import deidentify

    data, path = with_music(demo_doc)
    client = next(c for c in data["clients"] if c["id"] == "cl-002")
    name = f"{client['name']['given']} {client['name']['family']}"
    MUSIC_COPY(data, path).update(
        notes=f"Played for {name}; call 555-010-2233 after.", played_on="2026-02-03",
        client_ref="cl-002", tracks=7,
    )
    out = deidentify(loads(json.dumps(data)), secret=b"k" * 32)
    text = json.dumps(out, ensure_ascii=False)
    ivs = [i for c in out["courses"] for s in c["sessions"] for i in s.get("interventions", [])
           if i["type"] == "music-set"]
    assert len(ivs) == 1
    (iv,) = ivs
    assert name not in text and client["name"]["family"] not in iv["notes"]
    assert "555-010-2233" not in iv["notes"]
    assert iv["played_on"] != "2026-02-03" and len(iv["played_on"]) == 10
    assert iv["client_ref"] != "cl-002"
    assert iv["tracks"] == 7 and iv["playlist"] == "Ocean drift"
