"""Stricter documents: duplicate keys and deep nesting refused with their path."""

from __future__ import annotations

import json
import re

import pytest

from kapnotes.errors import InvalidError
from kapnotes.serialization import dumps, loads
from kapnotes.synthetic import build_document


@pytest.fixture(scope="module")
def text() -> str:
    return dumps(build_document(clients=1, dosings=1))


def test_duplicate_mrn_is_refused_with_its_path(text):
    data = json.loads(text)
    mrn = data["clients"][0]["mrn"]
    dup = text.replace(f'"mrn":"{mrn}"', f'"mrn":"{mrn}","mrn":"OTHER"', 1)
    assert dup != text
    with pytest.raises(InvalidError) as err:
        loads(dup)
    assert [p.path for p in err.value.problems] == ["$.clients[0].mrn"]
    assert "duplicate key" in err.value.problems[0].message


@pytest.mark.parametrize(
    "doc", ["[" * 10_000 + "]" * 10_000, '{"a":' * 100_000 + "1" + "}" * 100_000]
)
def test_very_deep_nesting_is_a_clear_error(doc):
    with pytest.raises(InvalidError, match="nested too deeply"):
        loads(doc)


def test_moderately_deep_nesting_names_the_path():
    with pytest.raises(InvalidError) as err:
        loads('{"a":' * 80 + "1" + "}" * 80)
    assert err.value.problems[0].path.startswith("$.a.a.a")
    assert "nested too deeply" in err.value.problems[0].message


def test_a_valid_document_still_loads(text):
    assert dumps(loads(text)) == text


@pytest.mark.parametrize("version", ["\u00b9.0", "\u0661.\u0660", "1.\u00b2"])
def test_format_version_is_ascii_digits_only(text, version):
    with pytest.raises(InvalidError) as err:
        loads(re.sub(r'"format_version":"[^"]*"', f'"format_version":"{version}"', text, count=1))
    assert err.value.problems[0].path == "$.format_version"


def test_an_id_with_a_trailing_newline_is_refused(text):
    data = json.loads(text)
    cid = data["clients"][0]["id"]
    bad = text.replace(f'"{cid}"', json.dumps(cid + "\n"))
    with pytest.raises(InvalidError) as err:
        loads(bad)
    assert any(p.path == "$.clients[0].id" for p in err.value.problems)


def _first_start(data):
    return data["courses"][0]["sessions"][0]["start"]


@pytest.mark.parametrize(
    ("start", "words"),
    [
        ("2026-01-05T09:00:00+05:60", "below 60"),
        ("2026-01-05T09:00:00+19:00", "within -18:00 and +18:00"),
        ("0001-01-01T00:30:00+05:00", "out of range in UTC"),
        ("9999-12-31T23:30:00-05:00", "out of range in UTC"),
    ],
)
def test_bad_offsets_and_out_of_range_datetimes_are_refused_with_their_path(text, start, words):
    data = json.loads(text)
    data["courses"][0]["sessions"][0]["start"] = start  # the session's own start (not a span's)
    with pytest.raises(InvalidError) as err:
        loads(json.dumps(data))
    assert any(
        p.path == "$.courses[0].sessions[0].start" and words in p.message
        for p in err.value.problems
    ), err.value.problems


@pytest.mark.parametrize("zone", ["Mars/Olympus", "../../etc/passwd", "America/Denver\n"])
def test_unknown_time_zones_are_refused(text, zone):
    data = json.loads(text)
    data["clinic"]["timezone"] = zone
    with pytest.raises(InvalidError) as err:
        loads(json.dumps(data))
    assert any(p.path == "$.clinic.timezone" for p in err.value.problems), err.value.problems


def test_a_real_time_zone_is_accepted(text):
    data = json.loads(text)
    data["clinic"]["timezone"] = "America/Denver"
    assert loads(json.dumps(data)).clinic.timezone == "America/Denver"


def test_one_measure_id_in_two_sessions_is_refused_with_its_path_before_the_store(text, tmp_path):

    data = json.loads(text)
    sessions = [s for c in data["courses"] for s in c["sessions"] if s.get("measures")]
    first, second = sessions[0], sessions[1]
    second["measures"][0]["id"] = first["measures"][0]["id"]
    with pytest.raises(InvalidError) as err:
        loads(json.dumps(data))
    [p] = err.value.problems
    assert p.path.endswith(".measures[0].id")
    assert f"measure id {first['measures'][0]['id']!r} is also used at $.courses[" in p.message
    from click.testing import CliRunner

    from kapnotes.cli import cli

    record, db = tmp_path / "record.json", tmp_path / "k.db"
    record.write_text(json.dumps(data), encoding="utf-8")
    result = CliRunner().invoke(cli, ["import", str(record), "--db", str(db)])
    assert result.exit_code == 1
    assert p.path in result.output and "Traceback" not in result.output
    assert not db.exists()  # refused before the store was touched


@pytest.mark.parametrize(
    "value", ["\u0662\u0660\u0662\u0666-02-05T09:00:00-07:00", "2026-02-05T09:00:00-0\u0667:00"]
)
def test_date_times_take_ascii_digits_only(text, value):
    data = json.loads(text)
    session = data["courses"][0]["sessions"][0]
    session["start"] = value
    with pytest.raises(InvalidError) as err:
        loads(json.dumps(data))
    assert any(p.path == "$.courses[0].sessions[0].start" for p in err.value.problems)
