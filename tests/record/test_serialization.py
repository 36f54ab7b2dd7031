"""The JSON edge: strict, every problem at once with its path, versioned, canonical."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from kapnotes.errors import FormatVersionError, InvalidError
from kapnotes.model import Document
from kapnotes.serialization import (
    canonical_bytes,
    content_hash,
    dumps,
    from_data,
    load,
    loads,
    to_data,
)


@pytest.fixture
def data(demo_doc: Document) -> dict:
    return json.loads(dumps(demo_doc))


def problems_of(data: dict) -> dict[str, str]:
    with pytest.raises(InvalidError) as exc:
        from_data(data)
    return {p.path: p.message for p in exc.value.problems}


DOSE = "$.courses[0].sessions[2].dosing"  # first dosing session of the first course


def dosing(data: dict) -> dict:
    s = data["courses"][0]["sessions"][2]
    assert s["kind"] == "dosing"
    return s["dosing"]


def test_round_trip_is_byte_identical(demo_doc, data):
    again = loads(dumps(demo_doc))
    assert again == demo_doc
    assert dumps(again) == dumps(demo_doc)


@pytest.mark.parametrize(
    ("mutate", "path", "fragment"),
    [
        (lambda d: dosing(d).__setitem__("dose_mg", -5), f"{DOSE}.dose_mg", "> 0"),
        (
            lambda d: dosing(d).__setitem__("dose_mg", "50"),
            f"{DOSE}.dose_mg",
            "expected a number, got string",
        ),
        (
            lambda d: dosing(d).__setitem__("dose_mg", True),
            f"{DOSE}.dose_mg",
            "expected a number, got boolean",
        ),
        (lambda d: dosing(d).__setitem__("dose_mg", 2**70), f"{DOSE}.dose_mg", "64 bits"),
        (
            lambda d: dosing(d).__setitem__("infusion_minutes", 12.9),
            f"{DOSE}.infusion_minutes",
            "expected an integer, got number 12.9",
        ),
        (
            lambda d: dosing(d).__setitem__("infusion_minutes", 12.0),
            f"{DOSE}.infusion_minutes",
            "expected an integer",
        ),
        (
            lambda d: dosing(d).__setitem__("infusion_minutes", 2**70),
            f"{DOSE}.infusion_minutes",
            "64 bits",
        ),
        (
            lambda d: dosing(d)["preparation"].__setitem__("consent_reviewed", "false"),
            f"{DOSE}.preparation.consent_reviewed",
            "expected true or false",
        ),
        (
            lambda d: dosing(d).__setitem__("route", "rectal"),
            f"{DOSE}.route",
            "expected one of 'iv'",
        ),
        (
            lambda d: dosing(d).__setitem__("colour", "blue"),
            f"{DOSE}.colour",
            "unknown key 'colour'",
        ),
        (lambda d: dosing(d).pop("agent"), f"{DOSE}.agent", "required but missing"),
        (
            lambda d: dosing(d).__setitem__("administered_at", "2026-02-30T09:00:00-07:00"),
            f"{DOSE}.administered_at",
            "invalid date-time",
        ),
        (
            lambda d: dosing(d).__setitem__("administered_at", "2026-01-12T09:20:00"),
            f"{DOSE}.administered_at",
            "UTC offset",
        ),
        (
            lambda d: dosing(d).__setitem__("administered_at", "yesterday"),
            f"{DOSE}.administered_at",
            "ISO 8601",
        ),
        (
            lambda d: dosing(d)["monitoring"][0].__setitem__("type", "telepathy"),
            f"{DOSE}.monitoring[0]",
            "'type' is 'telepathy'",
        ),
        (
            lambda d: dosing(d)["monitoring"][1].__setitem__("systolic", 400),
            f"{DOSE}.monitoring[1].systolic",
            "from 40 to 300",
        ),
        (
            lambda d: dosing(d).__setitem__("boosters", "none"),
            f"{DOSE}.boosters",
            "expected an array",
        ),
        (
            lambda d: d["clients"][0].__setitem__("date_of_birth", "1984-02-30"),
            "$.clients[0].date_of_birth",
            "invalid date",
        ),
        (
            lambda d: d["clients"][0].__setitem__("name", "Rowan Example"),
            "$.clients[0].name",
            "expected an object",
        ),
        (
            lambda d: d["courses"][0].__setitem__("client_id", "nobody"),
            "$.courses[0].client_id",
            "no client 'nobody'",
        ),
        (
            lambda d: d["courses"][0]["sessions"][0].__setitem__("kind", "party"),
            "$.courses[0].sessions[0].kind",
            "expected one of",
        ),
        (
            lambda d: d["courses"][0]["sessions"][3]["interventions"][0].__setitem__(
                "type", 7
            ),
            "$.courses[0].sessions[3].interventions[0]",
            "'type' is 7",
        ),
        (
            lambda d: d["courses"][0]["sessions"][0]["measures"][0]["items"].__setitem__(8, 4),
            "$.courses[0].sessions[0].measures[0].items[8]",
            "0",
        ),
        (
            lambda d: d["courses"][0]["sessions"][0]["measures"][0]["items"].pop(),
            "$.courses[0].sessions[0].measures[0].items",
            "9",
        ),
        (
            lambda d: d["clinicians"][0].__setitem__("npi", "1234567890"),
            "$.clinicians[0].npi",
            "check digit",
        ),
    ],
)
def test_each_kind_of_bad_input_names_its_path(data, mutate, path, fragment):
    mutate(data)
    found = problems_of(data)
    assert path in found, found
    assert fragment in found[path]


def test_every_problem_is_reported_at_once(data):
    dosing(data)["dose_mg"] = -5
    data["clients"][1]["foo"] = 1
    data["courses"][1]["sessions"][0]["start"] = "not a date"
    data["courses"][2]["sessions"][3]["interventions"][1]["belief_before"] = 12.9
    found = problems_of(data)
    assert set(found) == {
        f"{DOSE}.dose_mg",
        "$.clients[1].foo",
        "$.courses[1].sessions[0].start",
        "$.courses[2].sessions[3].interventions[1].belief_before",
    }


def test_truncated_and_non_json_files(tmp_path: Path, demo_doc):
    text = dumps(demo_doc)
    p = tmp_path / "cut.json"
    p.write_text(text[: len(text) // 2])
    with pytest.raises(InvalidError) as exc:
        load(p)
    assert exc.value.problems[0].path == "$"
    assert "not valid JSON" in exc.value.problems[0].message
    assert str(p) in str(exc.value)
    (tmp_path / "bin.json").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(InvalidError, match="not UTF-8"):
        load(tmp_path / "bin.json")
    with pytest.raises(InvalidError, match="cannot read"):
        load(tmp_path / "missing.json")
    with pytest.raises(InvalidError, match="NaN is not a number"):
        loads('{"format": "kapnotes", "format_version": "1.0", "x": NaN}')
    with pytest.raises(InvalidError, match="expected a JSON object"):
        loads("[]")


@pytest.mark.parametrize(
    ("version", "fragment"),
    [
        ("1.4", "Upgrade kapnotes"),
        ("2.0", "Upgrade kapnotes"),
        ("0.9", "cannot be read"),
        ("one", "expected a version"),
        (None, "expected a version"),
    ],
)
def test_format_version_policy(data, version, fragment):
    data["format_version"] = version
    with pytest.raises(FormatVersionError) as exc:
        from_data(data)
    assert exc.value.problems[0].path == "$.format_version"
    assert fragment in exc.value.problems[0].message


def test_wrong_format_name(data):
    data["format"] = "fhir"
    with pytest.raises(FormatVersionError, match=r"\$\.format: expected 'kapnotes'"):
        from_data(data)


def test_text_is_kept_exactly_as_given(data):
    odd = "tab\t nul\x00 esc\x1b bell\x07 vt\x0b rtl \u202eabc emoji \U0001f9e0 combining e\u0301 bom\ufeff"
    data["courses"][0]["sessions"][0]["narrative"]["assessment"] = odd
    doc = from_data(data)
    assert doc.courses[0].sessions[0].narrative.assessment == odd
    again = loads(dumps(doc))
    assert again.courses[0].sessions[0].narrative.assessment == odd


def test_lone_surrogate_is_invalid_unicode(data):
    data["courses"][0]["sessions"][0]["narrative"]["assessment"] = "bad \ud800 text"
    found = problems_of(data)
    assert "lone surrogate U+D800" in found["$.courses[0].sessions[0].narrative.assessment"]


def test_canonical_form_ignores_collection_order(demo_doc):
    import attrs

    shuffled = attrs.evolve(
        demo_doc,
        clients=tuple(reversed(demo_doc.clients)),
        clinicians=tuple(reversed(demo_doc.clinicians)),
    )
    assert dumps(shuffled) == dumps(demo_doc)
    assert canonical_bytes(to_data(shuffled)) == canonical_bytes(to_data(demo_doc))
    assert content_hash(demo_doc.courses[0]) == content_hash(copy.deepcopy(demo_doc.courses[0]))
    assert len(content_hash(demo_doc.courses[0])) == 64


def test_canonical_bytes_are_sorted_compact_utf8():
    assert canonical_bytes({"b": 1, "a": "é"}) == '{"a":"é","b":1}'.encode()


def test_optional_fields_and_array_elements_decode_by_their_own_hooks(data):
    # ``X | None`` and array elements look their structure hook up once per type
    # (serialization.converter._optional_hook, _structure_items): None stays None, anything
    # else goes through X's hook with its checks and paths, every bad element is named.
    session = data["courses"][0]["sessions"][0]
    assert session["kind"] != "dosing" and "dosing" not in session  # absent: the default
    session["dosing"] = None
    assert from_data(data).courses[0].sessions[0].dosing is None
    del session["dosing"]
    dosing(data)["dose_mg"] = "50"  # inside an ``X | None`` object
    data["courses"][0]["sessions"][2]["plan"] = {"homework": ["ok", 5, "fine", None]}  # Plan | None
    got = problems_of(data)
    assert "expected a number, got string" in got[f"{DOSE}.dose_mg"]
    tag = "$.courses[0].sessions[2].plan.homework"
    assert "expected a string" in got[f"{tag}[1]"] and "expected a string" in got[f"{tag}[3]"]
    assert f"{tag}[0]" not in got and f"{tag}[2]" not in got
