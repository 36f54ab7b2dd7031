"""Group sessions: one group record, one session per client; billing per client (90853); a
member's note never names another member (tested on every built-in progress format and in
Word); the de-identified export and the psychotherapy-note separation cover them."""

from __future__ import annotations

import copy
import json

import pytest
from click.testing import CliRunner

from kapnotes.cli import cli
from kapnotes.errors import InvalidError
from kapnotes.privacy.deidentify import deidentify
from kapnotes.rendering import build_note, render
from kapnotes.rules.engine import evaluate
from kapnotes.serialization import from_data
from kapnotes.store import open_store
from tests.billing.builders import bill_json, codes, document, session, span
from tests.readers import docx_all_text

MEMBERS = [("cl-a", "Rowan", "Felt a wave of grief about the old house."),
           ("cl-b", "Jamie", "Practised the breathing exercise at work twice."),
           ("cl-c", "Avery", "Noticed less tension when speaking up.")]
GROUP = {"id": "grp-thu-01", "kind": "integration", "start": "2026-03-02T09:00:00-07:00",
         "end": "2026-03-02T10:30:00-07:00", "title": "Thursday integration group",
         "facilitator_ids": ["th-ortiz"]}


def _data(experience: dict[str, str] | None = None) -> dict:
    clients = []
    for cid, given, text in MEMBERS:
        s = session(
            f"{cid}-grp", "integration", "09:00", "10:30", group_id="grp-thu-01",
            clinicians=[{"clinician_id": "th-ortiz", "role": "therapist"}],
            clinician_times=[span("th-ortiz", "psychotherapy", "09:00", "10:30")],
            narrative={"client_experience": (experience or {}).get(cid, text)},
        )
        clients.append((cid, given, [s]))
    data = document(*clients, groups=[copy.deepcopy(GROUP)])
    for c, (cid, _, _) in zip(data["clients"], MEMBERS, strict=True):
        c["name"]["family"] = {"cl-a": "Quill", "cl-b": "Marsh", "cl-c": "Stone"}[cid]
    return data


def test_a_group_of_three_bills_90853_once_per_client(tmp_path):
    data = _data()
    for cid, _, _ in MEMBERS:
        (tmp_path / cid).mkdir()
        b = bill_json(tmp_path / cid, data, f"{cid}-grp")
        assert codes(b) == [("90853", 1)]
        line = b["lines"][0]
        assert line["rendering_clinician_id"] == "th-ortiz"
        assert "group session grp-thu-01" in line["reason"] and "[ref:ama-cpt-90853]" in line["source"]
        assert b["client_id"] == cid and b["findings"] == []


def test_a_members_note_never_names_another_member(tmp_path):
    doc = from_data(_data())
    names = {cid: (given, fam) for cid, given, fam in
             ((c.id, c.name.given, c.name.family) for c in doc.clients)}
    texts = {cid: text for cid, _, text in MEMBERS}
    for cid, _, _ in MEMBERS:
        _course, s = doc.find_session(f"{cid}-grp")
        others = [x for x in names if x != cid]
        outputs = ["\n".join(build_note(s, format=f, document=doc).iter_text())
                   for f in ("soap", "dap", "birp", "girp", "pirp", "integration")]
        outputs.append(docx_all_text(render(s, format="soap", to="docx", document=doc)))
        for out in outputs:
            assert texts[cid] in out and names[cid][0] in out
            for other in others:
                for word in (*names[other], texts[other], f"MRN-{other}"):
                    assert word not in out, (cid, word)


def test_a_member_note_naming_another_member_cannot_be_signed():
    doc = from_data(_data({"cl-a": "Said that jamie's story about work helped."}))
    got = [f for f in evaluate(doc) if f.code == "KAP-GROUP-001"]
    assert [(f.session_id, f.path, f.severity.value) for f in got] == [
        ("cl-a-grp", "$.courses[0].sessions[0].narrative.client_experience", "blocking")]
    assert "jamie" not in got[0].message.lower()  # the finding does not repeat the name


def test_group_references_are_checked():
    data = _data()
    data["courses"][0]["sessions"][0]["group_id"] = "grp-none"
    data["groups"][0]["facilitator_ids"] = ["nobody"]
    with pytest.raises(InvalidError) as err:
        from_data(data)
    paths = {p.path for p in err.value.problems}
    assert paths == {"$.courses[0].sessions[0].group_id", "$.groups[0].facilitator_ids[0]"}


def test_the_store_keeps_the_group_and_deidentification_leaves_it_out(tmp_path):
    doc = from_data(_data())
    store = open_store(tmp_path / "c.db", actor="test")
    store.save(doc)
    assert store.document() == doc
    one = store.document(client_ids=["cl-b"])
    assert [g.id for g in one.groups] == ["grp-thu-01"]
    store.close()
    out = deidentify(doc, secret=b"s" * 32)
    text = json.dumps(out)
    assert "groups" not in out and "Thursday integration group" not in text
    assert out["deidentification"]["counts"]["excluded"]["groups"] == 1
    pseudonyms = {c["sessions"][0]["group_id"] for c in out["courses"]}
    assert len(pseudonyms) == 1 and "grp-thu-01" not in pseudonyms


def test_psychotherapy_notes_of_group_members_stay_apart(tmp_path):
    data = _data()
    data["psychotherapy_notes"] = [{"id": "pn-1", "session_id": "cl-a-grp", "author_id": "th-ortiz",
                                    "written_at": "2026-03-02T11:00:00-07:00",
                                    "text": "Process note: transference toward the group."}]
    src = tmp_path / "r.json"
    src.write_text(json.dumps(data), encoding="utf-8")
    db = tmp_path / "c.db"
    runner = CliRunner()
    assert runner.invoke(cli, ["import", str(src), "--db", str(db)]).exit_code == 0
    r = runner.invoke(cli, ["export", "--to", "json", "--db", str(db)])
    assert r.exit_code == 0 and "transference" not in r.output
    assert json.loads(r.output)["groups"][0]["id"] == "grp-thu-01"
    r = runner.invoke(cli, ["render", "cl-b-grp", "--format", "soap", "--to", "text", "-o", "-",
                            "--db", str(db)])
    assert r.exit_code == 0 and "transference" not in r.output and "Rowan" not in r.output


