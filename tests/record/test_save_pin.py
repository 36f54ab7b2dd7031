"""What ``Store.save`` writes, pinned byte for byte: a digest of every table's rows (and of the
full-text index) after saving the demo clinic, a document with odd text, one with at-home measures, a group,
and a second save that replaces drafts and appends a signature and an addendum.

The save's speed-ups must not change one byte: stored JSON, content hashes (which signatures
record), audit rows, outcome facts and FTS contents. If a change to the save is *meant* to
change the stored form, that needs a migration and a changelog entry, and these digests are
then recomputed (print them with ``python -m tests.record.test_save_pin``).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from kapnotes.model import Document, NoteStatus, UnknownIntervention, evolve
from kapnotes.serialization import from_data
from kapnotes.store import audit, open_store
from kapnotes.synthetic import build_document
from tests.athome.builders import home_phq9, record
from tests.billing.test_groups import _data as group_record

#: Text no ordinary record has: quotes, backslashes, control characters, line and paragraph
#: separators, combining marks, right-to-left script, characters beyond the BMP.
ODD = (
    'naïve "quoted" \\ back\\slash / slash \t tab \n newline \r return \x1f unit-sep '
    "\u2028 line-sep \u2029 para-sep e\u0301 combining שלום עולם 😀🧠 <b>&amp;</b> '' \u00a0nbsp"
)

#: The tables a save fills, and what each row is read in (FTS shadow tables are left out:
#: their segments depend on how the index was merged; its vocabulary is hashed instead).
TABLES = (
    "clinic", "clinicians", "groups", "clients", "courses", "sessions", "vitals",
    "interventions", "service_lines", "measures", "measure_items", "signatures", "addenda",
    "psychotherapy_notes", "outcome_courses", "outcome_points", "audit",
)


#: An intervention of a plugin that is not installed, kept as read: odd numbers and text.
ORPHAN = UnknownIntervention(tag="music-set", raw=json.dumps(
    {"type": "music-set", "minutes": 40, "bpm": 72.5, "gain": 1e-07, "big": 12345678901234567890,
     "tracks": [ODD, "two", None, True, {"nested": [1.0, -0.0, 2.5e300]}]},
    sort_keys=True, separators=(",", ":"), ensure_ascii=False))


def _odd(doc: Document) -> Document:
    """``doc`` with odd text in the narrative, intention and interventions of every draft
    session, and an intervention of a plugin not installed on the first."""
    courses = []
    orphan = True
    for course in doc.courses:
        sessions = []
        for s in course.sessions:
            if s.status is NoteStatus.DRAFT and s.narrative is not None:
                ivs = tuple(evolve(iv, notes=f"{iv.notes or ''} {ODD}") for iv in s.interventions)
                if orphan:
                    ivs, orphan = (*ivs, ORPHAN), False
                s = evolve(
                    s,
                    intention=f"{s.intention or ''} {ODD}",
                    narrative=evolve(s.narrative, observations=f"{ODD} {s.narrative.observations}"),
                    interventions=ivs,
                )
            sessions.append(s)
        courses.append(evolve(course, sessions=tuple(sessions)))
    return evolve(doc, courses=tuple(courses))


def _second(doc: Document) -> Document:
    """A later save of ``doc``: one draft's narrative changed."""
    course = doc.courses[1]
    k, s = next((k, s) for k, s in enumerate(course.sessions)
                if s.status is NoteStatus.DRAFT and s.narrative is not None)
    changed = evolve(s, narrative=evolve(s.narrative, assessment=f"revised: {ODD}"))
    sessions = (*course.sessions[:k], changed, *course.sessions[k + 1 :])
    courses = (doc.courses[0], evolve(course, sessions=sessions), *doc.courses[2:])
    return evolve(doc, courses=courses)


def digests(path: Path) -> dict[str, str]:
    """SHA-256 of each table's rows in rowid order, and of the FTS index's every term instance."""
    conn = sqlite3.connect(path)
    out: dict[str, str] = {}
    for table in TABLES:
        rows = conn.execute(f"SELECT * FROM [{table}] ORDER BY rowid").fetchall()
        out[table] = hashlib.sha256(repr(rows).encode("utf-8")).hexdigest()
    conn.execute("CREATE VIRTUAL TABLE temp.fts_terms USING fts5vocab(main, sessions_fts, instance)")
    terms = conn.execute("SELECT * FROM temp.fts_terms ORDER BY term, doc, col, offset").fetchall()
    out["sessions_fts"] = hashlib.sha256(repr(terms).encode("utf-8")).hexdigest()
    conn.close()
    return out


def saved(tmp: Path, monkeypatch: Any, helper: bool | None = None) -> dict[str, str]:
    """Save the pinned documents into a fresh store at a fixed audit time; their digests
    (``helper``: as given to ``Store.save``)."""
    monkeypatch.setattr(audit, "now_utc", lambda: "2026-12-03T12:00:00.000000+00:00")
    path = tmp / "pin.db"
    demo = build_document(with_process_notes=True, plugin_data=True)
    odd = _odd(build_document(clients=3, first_client=10, seed=7))
    home = from_data(record(
        home_phq9("h-1", "2026-03-02T20:15:00-07:00", [2, 2, 2, 2, 2, 2, 1, 1, 1], notes=ODD),
        home_phq9("h-2", "2026-03-06T19:00:00-07:00", [1, 1, 1, None, 1, 1, 1, 1, 0]),
    ))
    with open_store(path) as store:
        store.save(demo, actor="pin", helper=helper)
        store.save(odd, actor="pin", helper=helper)
        store.save(home, actor="pin", helper=helper)
        store.save(from_data(group_record()), actor="pin", helper=helper)
        store.save(_second(odd), actor="pin", helper=helper)
        store.save(demo, actor="pin", helper=helper)  # unchanged: nothing new but nothing refused
    return digests(path)


#: Recorded with the save as it was before its speed-ups (kapnotes 0.2, schema m005);
#: ``outcome_points`` again when at-home measures joined the facts (m006: the home document's
#: course has its at-home PHQ-9s as points, every other row unchanged).
PINNED = {
    "clinic": "2ba9e4770201f1e1232f455557a825b5f4edc87b44cebb5037489a52956744b2",
    "clinicians": "5ba641886eb8acd5bdec4e3b21d690934616ac3555fd9289e560af67ad933523",
    "groups": "e4295ae833aec2d0e50f7ad5e77f9365d712327f80261596b51c063df9929beb",
    "clients": "b655ad099971256f0187840ce64b1b7ee8d50344f6bd7f817e7dda550bafe2aa",
    "courses": "3ce8c14a2f8150725456fa62421c86cbebccef31a213e2bd9f8208a2330911fe",
    "sessions": "0c22b490c24455e8a15ff2fe5260d3926fc222560199dba0421d43d80d056499",
    "vitals": "0bba6188df84d6bcb8758f1cf89283921a91b201b92b56d42355ed5026d5ab18",
    "interventions": "85af7b1e75996806bebf26eeb086ec5283cec4ccca1865dcdac7eb088cc9b717",
    "service_lines": "73d6174a9b397cf2c8caf67adedd5172f5ad007ca1bbb995bd77cbf9123d7002",
    "measures": "46992d520dc42f984d7dbe290808a181ad426937e4cd2f01fcebf89b85858f9a",
    "measure_items": "5786bd089cce8b21835cf47bea872c3fd500717ee5c1738c62bf077d1c52d513",
    "signatures": "78bc363dea2a446509010787c4cda90a1afd7f1be452cd2ca3abdde496ca7464",
    "addenda": "a79e0380c94409f71b648402837091e594c65315b801268154a6ee9fbf958b37",
    "psychotherapy_notes": "45fa95555f1bf4d0d1c938a03780c2aa554d0e5fabc3e33fb3176a166ee3fbfd",
    "outcome_courses": "f597511e87ac006c4bfd40643f537b7d03c59e854fadf1de7c32764ee7d313d8",
    "outcome_points": "63143b127b92f2d643c7e07e932b366fa540a558026942ac52a921b9c741da33",
    "audit": "6a425996675da569f3894388241c55a78120f6d1d9f2289fa6997e76ef6a2c3a",
    "sessions_fts": "2ed2d4d963c8cdb3eb23eb0d7ab8d17b4a49ae8ca650a7497ba4ddcb02ed92b3",
}


@pytest.mark.parametrize("helper", [False, True], ids=["in-process", "helper-process"])
def test_save_writes_exactly_the_pinned_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, helper: bool
) -> None:
    """The same rows whether the sessions are prepared in this process or by a helper."""
    if helper:
        from kapnotes.store import save_helper

        if save_helper.helper_unavailable() is not None:
            pytest.skip(f"no helper here: {save_helper.helper_unavailable()}")
        started: list[object] = []
        init = save_helper.HelperFeed.__init__

        def counted(self: Any, *args: Any) -> None:
            init(self, *args)
            started.append(self)

        monkeypatch.setattr(save_helper.HelperFeed, "__init__", counted)
    got = saved(tmp_path, monkeypatch, helper=helper)
    if helper:
        assert len(started) == 6  # every save went through a helper

    conn = sqlite3.connect(tmp_path / "pin.db")
    odd_sessions = conn.execute(
        "SELECT count(*) FROM sessions WHERE instr(doc, ?) AND instr(narrative_text, ?)",
        ("\\u001f", ODD),
    ).fetchone()[0]
    conn.close()
    assert odd_sessions > 5  # the odd text is there, escaped in JSON and as is in the FTS text
    assert got == PINNED


if __name__ == "__main__":  # print the digests (see the module's docstring)
    import tempfile

    from kapnotes.testing import third_party_plugins_blocked  # as tests/conftest.py does

    with tempfile.TemporaryDirectory() as d, pytest.MonkeyPatch.context() as mp, \
            third_party_plugins_blocked():
        for name, digest in saved(Path(d), mp).items():
            print(f'    "{name}": "{digest}",')
