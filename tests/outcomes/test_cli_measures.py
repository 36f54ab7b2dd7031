"""``kapnotes score`` and ``kapnotes outcomes`` through click's runner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from kapnotes.cli import cli
from kapnotes.store import open_store
from kapnotes.synthetic import build_document

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def run(runner: CliRunner, *args: str):
    return runner.invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("outcomes") / "kapnotes.db"
    store = open_store(path)
    try:
        store.save(build_document())
    finally:
        store.close()
    return path


# -- kapnotes score --------------------------------------------------------------------------


def test_score_valid(runner) -> None:
    r = run(runner, "score", "PHQ9", "1", "2", "0", "3", "1", "0", "2", "1", "0")
    assert r.exit_code == 0, r.output
    assert "Total:       10 (range 0–27)" in r.output
    assert "Band:        moderate" in r.output
    assert "Band source: Kroenke K" in r.output
    assert "Complete:    yes (9 of 9 required items answered)" in r.output
    assert "Flags:       none" in r.output


def test_score_flags_item_9(runner) -> None:
    r = run(runner, "score", "phq-9", "0", "0", "0", "0", "0", "0", "0", "0", "1")
    assert r.exit_code == 0
    assert "[phq9-item-9]" in r.output


def test_score_wrong_count(runner) -> None:
    r = runner.invoke(cli, ["score", "PHQ9", "1", "2", "0"])
    assert r.exit_code == 1
    assert "error: PHQ-9: 1 problem" in r.stderr
    assert "expected a list of 9–10 answers (items 1–10; item 10 optional), got 3" in r.stderr
    assert "Traceback" not in r.output


def test_score_out_of_range_names_the_item_and_the_range(runner) -> None:
    r = runner.invoke(cli, ["score", "PHQ9", "1", "2", "0", "3", "1", "-1", "2", "1", "4"])
    assert r.exit_code == 1
    assert "$.items[5]: item 6 must be an integer 0–3, got -1" in r.stderr
    assert "$.items[8]: item 9 must be an integer 0–3, got 4" in r.stderr


def test_score_not_a_number(runner) -> None:
    r = runner.invoke(cli, ["score", "GAD7", "1", "1", "x", "1", "1", "1", "2.0"])
    assert r.exit_code == 1
    assert "item 3 must be an integer 0–3, got str 'x'" in r.stderr
    assert "item 7 must be an integer 0–3, got str '2.0'" in r.stderr


def test_score_missing_item(runner) -> None:
    r = run(runner, "score", "PHQ9", "1", "2", "0", "3", "1", "0", "2", "-", "0")
    assert r.exit_code == 0
    assert "Total:       no total" in r.output
    assert "Complete:    no (8 of 9 required items answered)" in r.output
    assert "[incomplete] item 8 not answered" in r.output


def test_score_json(runner) -> None:
    r = run(runner, "score", "PHQ9", "1", "2", "0", "3", "1", "0", "2", "-", "1", "--json")
    assert r.exit_code == 0
    data = json.loads(r.output)
    assert data["instrument"] == "phq9" and data["total"] is None
    assert data["complete"] is False
    assert data["completeness"] == {"answered": 8, "required": 9}
    assert data["responses"] == [1, 2, 0, 3, 1, 0, 2, None, 1, None]
    assert [f["code"] for f in data["flags"]] == ["phq9-item-9", "incomplete"]
    assert data["range"] == [0, 27]


def test_score_parameters(runner) -> None:
    answers = ["2"] * 20
    r = run(runner, "score", "pcl5", *answers, "-p", "cutoff=31", "--json")
    assert json.loads(r.output)["details"]["cutoff"] == 31
    bad = runner.invoke(cli, ["score", "pcl5", *answers, "-p", "cutof=31"])
    assert bad.exit_code == 1 and "PCL-5 has no parameter 'cutof'" in bad.stderr
    worse = runner.invoke(cli, ["score", "pcl5", *answers, "-p", "cutoff"])
    assert worse.exit_code == 2 and "expected NAME=VALUE" in worse.output


def test_score_unknown_instrument(runner) -> None:
    r = runner.invoke(cli, ["score", "nope", "1"])
    assert r.exit_code == 1
    assert "unknown instrument 'nope'; known:" in r.stderr


# -- kapnotes outcomes -------------------------------------------------------------------------


def test_outcomes_tables_then_summary(runner, db) -> None:
    r = run(runner, "outcomes", "--db", str(db))
    assert r.exit_code == 0, r.output
    out = r.output
    for cid in ("cl-001", "cl-002", "cl-003", "cl-004"):
        assert f"{cid}  course-{cid}" in out
    assert out.index("cl-004  course-cl-004") < out.index("Clinic summary")
    assert "Clinic summary: 4 client(s), 4 course(s), 4 with a baseline and a follow-up" in out
    assert "PHQ-9    4        4                   3/4 (75%)  0/4 (0%)" in out
    assert "By primary indication" in out


def test_outcomes_one_client_one_instrument(runner, db) -> None:
    r = run(runner, "outcomes", "--db", str(db), "--client", "cl-002", "--instrument", "PHQ-9")
    assert r.exit_code == 0
    assert "GAD-7" not in r.output
    assert "change -3 (-16.7%); response No (≥50% reduction); remission No (≤ 4 (baseline ≥ 10))" in r.output
    assert "time to response not reached" in r.output


def test_outcomes_json(runner, db) -> None:
    r = run(runner, "outcomes", "--db", str(db), "--json")
    data = json.loads(r.output)
    assert [c["client_id"] for c in data["courses"]] == ["cl-001", "cl-002", "cl-003", "cl-004"]
    phq = data["courses"][0]["outcomes"][0]
    assert (phq["instrument"], phq["baseline"]["total"], phq["latest"]["total"]) == ("phq9", 21, 6)
    assert phq["response"] is True and phq["days_to_response"] == 14
    assert phq["reliable_change"]["r"] == 0.84 and phq["reliable_change"]["verified"] is False
    rows = {r["instrument"]: r for r in data["summary"]["by_instrument"]}
    assert rows["phq9"]["response_rate"] == 0.75


@pytest.mark.parametrize("ext", ["png", "svg"])
def test_outcomes_chart_one_file_per_instrument(runner, db, tmp_path, ext) -> None:
    base = tmp_path / f"cl-001.{ext}"
    r = runner.invoke(cli, ["outcomes", "--db", str(db), "--client", "cl-001", "--chart",
                            str(base)])
    assert r.exit_code == 0, r.output
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == [f"cl-001-gad7.{ext}", f"cl-001-phq9.{ext}"]
    data = (tmp_path / f"cl-001-phq9.{ext}").read_bytes()
    assert data.startswith(PNG_SIGNATURE) if ext == "png" else b"<svg" in data
    assert f"wrote {tmp_path / f'cl-001-phq9.{ext}'}" in r.stderr


def test_outcomes_single_chart_goes_to_the_named_file(runner, db, tmp_path) -> None:
    target = tmp_path / "phq.SVG"
    r = runner.invoke(cli, ["outcomes", "--db", str(db), "--client", "cl-003", "--instrument",
                            "phq9", "--chart", str(target)])
    assert r.exit_code == 0
    assert [p.name for p in tmp_path.iterdir()] == ["phq.SVG"]
    assert b"<svg" in target.read_bytes()


def test_outcomes_errors(runner, db, tmp_path) -> None:
    no_client = runner.invoke(cli, ["outcomes", "--db", str(db), "--chart", "x.png"])
    assert no_client.exit_code == 2 and "--chart needs --client" in no_client.output
    bad_ext = runner.invoke(cli, ["outcomes", "--db", str(db), "--client", "cl-001", "--chart",
                                  str(tmp_path / "x.pdf")])
    assert bad_ext.exit_code == 2 and "use a .png or .svg file name" in bad_ext.output
    meq = runner.invoke(cli, ["outcomes", "--db", str(db), "--instrument", "MEQ30"])
    assert meq.exit_code == 1 and "MEQ30 is not an outcome measure" in meq.stderr
    who = runner.invoke(cli, ["outcomes", "--db", str(db), "--client", "cl-999"])
    assert who.exit_code == 1 and "no client 'cl-999'" in who.stderr
    missing = runner.invoke(cli, ["outcomes", "--db", str(tmp_path / "none.db")])
    assert missing.exit_code == 1 and "no database at" in missing.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("instrument", [None, "PHQ-9"])
@pytest.mark.parametrize("as_json", [True, False])
def test_outcomes_of_one_client_read_from_the_store_are_the_records(runner, db, instrument,
                                                                     as_json) -> None:
    # --client reads the client's outcomes without decoding the courses (Store.client_outcomes);
    # the output is what the outcomes of the decoded record print.
    from kapnotes.cli.measures import course_lines, summary_json, summary_lines
    from kapnotes.outcomes import clinic_summary

    with open_store(db, create=False, read_only=True) as store:
        for client_id in store.client_ids():
            doc = store.document(client_ids=[client_id])
            want = clinic_summary(doc, instruments=["phq9"] if instrument else None)
            args = ["outcomes", "--db", str(db), "--client", client_id]
            args += ["--instrument", instrument] if instrument else []
            r = run(runner, *args, *(["--json"] if as_json else []))
            assert r.exit_code == 0, r.output
            if as_json:
                assert json.loads(r.output) == summary_json(want)
            else:
                lines = [line for c in want.courses for line in (*course_lines(c), "")]
                assert r.output == "\n".join([*lines, *summary_lines(want)]) + "\n"
