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
