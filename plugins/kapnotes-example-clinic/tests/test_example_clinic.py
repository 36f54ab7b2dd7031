"""Tests of the example clinic plugin, installed as a distribution (entry point ``example_clinic``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from kapnotes_example_clinic.breathwork import Breathwork

from kapnotes.cli import cli
from kapnotes.plugins import registry
from kapnotes.serialization import dumps, loads
from kapnotes.serialization.schema import json_schema
from kapnotes.synthetic import build_document


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("clinic") / "k.db"
    record = path.with_name("record.json")
    record.write_text(dumps(build_document(clients=3)))
    result = CliRunner().invoke(cli, ["import", str(record), "--db", str(path)])
    assert result.exit_code == 0, result.output
    return path


def test_the_entry_point_registers_everything():
    reg = registry()
    assert reg.note_formats.entry("handover").plugin == "example_clinic"
    assert reg.exporters.entry("html").plugin == "example_clinic"
    assert reg.intervention_types.get("breathwork") is Breathwork


def test_formats_command_shows_the_plugin():
    out = CliRunner().invoke(cli, ["formats"]).output
    assert "handover" in out
    assert "plugin example_clinic" in out


def test_render_handover_as_html(db, tmp_path):
    out = tmp_path / "h.html"
    r = CliRunner().invoke(
        cli, ["render", "cl-001-dose-01", "--format", "handover", "--to", "html", "-o", str(out), "--db", str(db)]
    )
    assert r.exit_code == 0, r.output
    page = out.read_text(encoding="utf-8")
    assert "Dosing-day handover" in page
    assert "Rowan Example" in page
    assert "DRAFT — NOT SIGNED" in page


@pytest.mark.parametrize("fmt", ["soap", "dap", "birp", "girp", "pirp", "kap-dosing"])
def test_every_builtin_format_renders_to_the_plugin_exporter(db, fmt):
    from kapnotes.batch import render_stored
    from kapnotes.store import open_store

    store = open_store(db)
    try:
        page = render_stored(store, "cl-001-dose-01", format=fmt, to="html").decode("utf-8")
    finally:
        store.close()
    assert page.startswith("<!DOCTYPE html>")
    assert "34 mg" in page  # the dose reaches the page whatever the format


def test_html_escapes_recorded_text():
    from kapnotes_example_clinic.html import esc

    assert esc("<script>alert(1)</script>") == "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert esc("a\x00b\nc") == "a\u2400b<br>c"


def test_breathwork_in_documents_and_schema():
    doc = build_document(clients=3)
    data = json.loads(dumps(doc))
    data["courses"][0]["sessions"][1]["interventions"].append(
        {"type": "breathwork", "technique": "coherent breathing", "rounds": 6, "arousal_before": 7, "arousal_after": 3}
    )
    back = loads(json.dumps(data))
    bw = back.courses[0].sessions[1].interventions[-1]
    assert isinstance(bw, Breathwork)
    assert bw.arousal_after == 3
    assert "Breathwork" in json_schema()["$defs"]
    data["courses"][0]["sessions"][1]["interventions"][-1]["arousal_after"] = 11
    from kapnotes.errors import InvalidError

    with pytest.raises(InvalidError) as exc:
        loads(json.dumps(data))
    assert exc.value.problems[0].path == "$.courses[0].sessions[1].interventions[2].arousal_after"


def test_handover_list_command(db):
    r = CliRunner().invoke(cli, ["handover-list", "2026-01-12", "--db", str(db)])
    assert r.exit_code == 0
    assert "cl-001-dose-01" in r.output


# --- the ISI: a plugin instrument that is an outcome measure ---------------------------------


def _with_isi(totals: tuple[int, ...], spelling: str = "isi"):
    """The synthetic record with an ISI (total as given) in each of cl-001's first sessions."""
    import attrs

    from kapnotes.model import MeasureAdministration

    doc = build_document(clients=1)
    course = doc.courses[0]
    sessions = list(course.sessions)
    for k, total in enumerate(totals):
        s = sessions[k]
        items = tuple(min(4, max(0, total - 4 * n)) for n in range(7))
        assert sum(items) == total
        m = MeasureAdministration(id=f"isi-{k}", instrument=spelling, administered_at=s.start,
                                  items=items)
        sessions[k] = attrs.evolve(s, measures=(*s.measures, m))
    return attrs.evolve(doc, courses=(attrs.evolve(course, sessions=tuple(sessions)),))


def test_isi_is_an_outcome_measure_with_its_remission_rule():
    from kapnotes.outcomes import course_outcomes, is_outcome_measure

    assert is_outcome_measure("ISI")
    doc = _with_isi((18, 18, 9, 6))
    o = course_outcomes(doc.courses[0], instruments=["ISI"]).get("isi")
    assert (o.baseline.value, o.latest.value, o.change) == (18, 6, -12)
    assert o.remission is True and o.remission_rule.text == "≤ 7 (baseline ≥ 8)"
    assert o.response is True  # 6 <= 18 * 0.5: the 50 % convention (ISI declares no response)
    assert o.reliable_change is None  # no verified r: no RCI


def test_isi_remission_is_not_judged_below_its_baseline_precondition():
    from kapnotes.outcomes import course_outcomes

    o = course_outcomes(_with_isi((7, 7, 5, 2)).courses[0]).get("isi")
    assert o.baseline.value == 7 and o.remission is None


def test_kapnotes_outcomes_instrument_isi(tmp_path):
    record, db = tmp_path / "r.json", tmp_path / "k.db"
    record.write_text(dumps(_with_isi((18, 18, 9, 6))))
    assert CliRunner().invoke(cli, ["import", str(record), "--db", str(db)]).exit_code == 0
    r = CliRunner().invoke(cli, ["outcomes", "--instrument", "ISI", "--json", "--db", str(db)])
    assert r.exit_code == 0, r.output
    (row,) = json.loads(r.output)["summary"]["by_instrument"]
    assert (row["instrument"], row["n_remission"], row["n_remission_evaluable"]) == ("isi", 1, 1)


# --- the open model end to end: extensions, a renderer, a configurable rule, the ISI ----------

DOSE = "cl-001-dose-01"


def _clinic_record():
    """The synthetic record with the clinic's fields, a breathwork intervention and the ISI
    (spelled "ISI", an alias) in cl-001's first dosing session."""
    import attrs
    from kapnotes_example_clinic.fields import DosingFields, SessionFields

    from kapnotes.model import MeasureAdministration

    doc = _with_isi((18, 18, 9, 6), spelling="ISI")
    course = doc.courses[0]
    sessions = list(course.sessions)
    k, s = next((k, s) for k, s in enumerate(sessions) if s.id == DOSE)
    sessions[k] = attrs.evolve(
        s,
        extensions={"example_clinic": SessionFields(sitter="Sam Sitter (synthetic)",
                                                    research_id="R-17")},
        dosing=attrs.evolve(s.dosing, extensions={"example_clinic": DosingFields(rest_minutes=10)}),
        interventions=(*s.interventions, Breathwork(technique="coherent breathing", rounds=6,
                                                     arousal_before=7, arousal_after=3)),
    )
    assert all(isinstance(m, MeasureAdministration) for m in sessions[k].measures)
    return attrs.evolve(doc, courses=(attrs.evolve(course, sessions=tuple(sessions)),))


def test_the_open_model_end_to_end_from_the_cli(tmp_path):
    run = CliRunner()
    record, db, config = tmp_path / "record.json", tmp_path / "k.db", tmp_path / "clinic.json"
    record.write_text(dumps(_clinic_record()), encoding="utf-8")
    config.write_text(json.dumps({"policy": "Example SOP v3",
                                  "plugins": {"example_clinic": {"min_rest_minutes": 15}}}))
    # import -> check (the clinic's rule reads its configured threshold and cites the policy)
    r = run.invoke(cli, ["import", str(record), "--strict-extensions", "--db", str(db)])
    assert r.exit_code == 0, r.output
    r = run.invoke(cli, ["check", "--config", str(config), "--json", "--db", str(db)])
    rest = [f for f in json.loads(r.stdout) if f["code"] == "CLINIC-REST-001"]
    assert [f["session_id"] for f in rest] == [DOSE]
    assert rest[0]["path"].endswith(".dosing.extensions.example_clinic.rest_minutes")
    assert rest[0]["source"] == ("clinic policy 'Example SOP v3': "
                                 "plugins.example_clinic.min_rest_minutes = 15 (default 20)")
    assert "at least 15" in rest[0]["message"]
    # render: the fields and the breathwork through the plugin's renderers
    r = run.invoke(cli, ["render", DOSE, "-f", "kap-dosing", "--to", "text", "-o", "-",
                         "--db", str(db)])
    assert r.exit_code == 0, r.output
    assert "Sam Sitter (synthetic)" in r.stdout and "R-17" in r.stdout
    assert "Rest lying down" in r.stdout and "10 minutes" in r.stdout
    assert "coherent breathing, 6 rounds" in r.stdout and "7 → 3" in r.stdout
    assert "Arousal before" not in r.stdout  # not the generic field dump
    assert "ISI" in r.stdout
    # sign, export JSON and FHIR
    r = run.invoke(cli, ["sign", DOSE, "--clinician", "dr-ames", "--db", str(db)])
    assert r.exit_code == 0, r.output
    exported = tmp_path / "export.json"
    r = run.invoke(cli, ["export", "--to", "json", "-o", str(exported), "--db", str(db)])
    assert r.exit_code == 0, r.output
    data = json.loads(exported.read_text(encoding="utf-8"))
    dose = next(s for c in data["courses"] for s in c["sessions"] if s["id"] == DOSE)
    assert dose["status"] == "signed"
    assert dose["extensions"] == {"example_clinic": {"sitter": "Sam Sitter (synthetic)",
                                                     "research_id": "R-17"}}
    assert dose["dosing"]["extensions"] == {"example_clinic": {"rest_minutes": 10}}
    r = run.invoke(cli, ["export", "--to", "fhir-collection", "-o", "-", "--db", str(db)])
    assert r.exit_code == 0, r.output
    bundle = json.loads(r.stdout)
    urls = {x["url"] for e in bundle["entry"] for x in e["resource"].get("extension", [])}
    assert {"https://example-clinic.example/fhir/StructureDefinition/session",
            "https://example-clinic.example/fhir/StructureDefinition/dosing"} <= urls
    isi = [e["resource"] for e in bundle["entry"]
           if e["resource"]["resourceType"] == "Observation"
           and e["resource"].get("code", {}).get("text") == "ISI total score"]
    assert len(isi) == 4  # "ISI" is scored like isi
    # import again: byte-identical
    again = tmp_path / "again.db"
    r = run.invoke(cli, ["import", str(exported), "--trust-signatures", "--db", str(again)])
    assert r.exit_code == 0, r.output
    second = tmp_path / "second.json"
    assert run.invoke(cli, ["export", "--to", "json", "-o", str(second), "--db",
                            str(again)]).exit_code == 0
    assert second.read_bytes() == exported.read_bytes()
    r = run.invoke(cli, ["verify", "--db", str(again)])
    assert r.exit_code == 0, r.output


@pytest.mark.parametrize("day", ["2026-02-30", "", "12/01/2026", "2026-1-12x"])
def test_handover_list_refuses_a_day_that_is_not_one(db, day):
    r = CliRunner().invoke(cli, ["handover-list", day, "--db", str(db)])
    assert r.exit_code == 2, r.output
    assert "Invalid value for 'DAY'" in r.output and "Traceback" not in r.output
    assert "no dosing sessions" not in r.output
