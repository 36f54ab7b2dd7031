"""Instrument ids are canonical at the edge: every spelling of a registered instrument is that
instrument for validation, scoring, the store, rules, outcomes and notes; the record keeps the
id as written (so a signed note's bytes never change); an unknown id is kept and reported."""

from __future__ import annotations

import json

import attrs
import pytest
from click.testing import CliRunner

from kapnotes.cli import cli
from kapnotes.errors import InvalidError
from kapnotes.instruments.catalog import ALL
from kapnotes.model import MeasureAdministration
from kapnotes.outcomes import course_outcomes
from kapnotes.scoring import resolve_instrument
from kapnotes.serialization import dumps, loads
from kapnotes.store import open_store, session_content_hash
from kapnotes.synthetic import build_document
from kapnotes.validation import unknown_instruments


@pytest.mark.parametrize("spelling", ["phq9", "PHQ-9", "phq-9", "PHQ9", "PHQ 9", "44249-1"])
def test_aliases_and_the_loinc_panel_resolve_to_the_registered_name(spelling: str) -> None:
    found = resolve_instrument(spelling, ALL)
    assert found is not None and found.name == "phq9"


def test_an_unknown_id_resolves_to_nothing() -> None:
    assert resolve_instrument("ISI", ALL) is None
    assert resolve_instrument("phq", ALL) is None


def _respell(doc, spelling: str, instrument: str = "phq9", *, drafts_only: bool = False):  # type: ignore[no-untyped-def]
    """``doc`` with every measure of ``instrument`` recorded as ``spelling`` (only in unsigned
    sessions with ``drafts_only``: a signed session's content is what its signature covers)."""
    courses = tuple(
        attrs.evolve(c, sessions=tuple(
            attrs.evolve(s, measures=tuple(
                attrs.evolve(m, instrument=spelling) if m.instrument == instrument else m
                for m in s.measures))
            if not (drafts_only and s.signatures) else s
            for s in c.sessions))
        for c in doc.courses
    )
    return attrs.evolve(doc, courses=courses)


def _first_phq9(data: dict) -> tuple[str, dict]:  # type: ignore[type-arg]
    for i, c in enumerate(data["courses"]):
        for j, s in enumerate(c["sessions"]):
            for k, m in enumerate(s["measures"]):
                if m["instrument"] in ("phq9", "PHQ-9"):
                    return f"$.courses[{i}].sessions[{j}].measures[{k}]", m
    raise AssertionError("no PHQ-9 in the record")


def test_an_alias_is_validated_on_load_like_the_name() -> None:
    data = json.loads(dumps(_respell(build_document(clients=2), "PHQ-9")))
    path, m = _first_phq9(data)
    m["items"] = m["items"][:5]
    with pytest.raises(InvalidError) as exc:
        loads(json.dumps(data))
    assert [p.path for p in exc.value.problems] == [f"{path}.items"]


def test_an_alias_is_stored_with_its_total_and_band_and_kept_as_written() -> None:
    doc = _respell(build_document(clients=2), "PHQ-9", drafts_only=True)
    store = open_store(":memory:")
    try:
        store.save(doc)
        rows = store.conn.execute(
            "SELECT instrument, total, band FROM measures WHERE instrument = 'PHQ-9'").fetchall()
        assert rows and all(total is not None and band for _i, total, band in rows)
        assert dumps(store.document()) == dumps(doc)  # the id is kept as written
    finally:
        store.close()


def test_a_signed_note_that_says_phq_9_keeps_its_bytes_and_hash() -> None:
    doc = _respell(build_document(clients=2), "PHQ-9")
    text = dumps(doc)
    again = loads(text)
    assert dumps(again) == text
    for c_before, c_after in zip(doc.courses, again.courses, strict=True):
        for s1, s2 in zip(c_before.sessions, c_after.sessions, strict=True):
            assert session_content_hash(s1) == session_content_hash(s2)


def test_outcomes_include_an_alias() -> None:
    doc = build_document(clients=2)
    respelled = _respell(doc, "PHQ-9")
    for c, r in zip(doc.courses, respelled.courses, strict=True):
        a, b = course_outcomes(c), course_outcomes(r)
        assert a.instruments == b.instruments
        assert [o.latest for o in a.outcomes] == [o.latest for o in b.outcomes]


def test_rules_treat_an_alias_as_the_instrument() -> None:
    from kapnotes.rules.engine import evaluate

    doc = build_document(clients=2)
    assert [f.code for f in evaluate(_respell(doc, "PHQ-9"))] == [f.code for f in evaluate(doc)]


def test_unknown_instrument_ids_are_reported_with_path_and_known_names() -> None:
    doc = _respell(build_document(clients=1), "phq-nine")
    (first, *_rest) = unknown_instruments(doc, ALL)
    assert first.path.endswith(".instrument") and first.path.startswith("$.courses[0].sessions[")
    assert "unknown instrument 'phq-nine'" in first.message
    assert "phq9" in first.message and "gad7" in first.message


def test_check_warns_of_an_unknown_instrument_and_keeps_the_exit_status(tmp_path) -> None:  # type: ignore[no-untyped-def]
    doc = build_document(clients=1)
    course = doc.courses[0]
    s = course.sessions[0]
    odd = MeasureAdministration(id="m-odd", instrument="clinic-odd", items=(1,),
                                administered_at=s.start)
    doc = attrs.evolve(doc, courses=(attrs.evolve(course, sessions=(
        attrs.evolve(s, measures=(*s.measures, odd)), *course.sessions[1:])),))
    record = tmp_path / "r.json"
    record.write_text(dumps(doc))
    baseline = tmp_path / "b.json"
    baseline.write_text(dumps(build_document(clients=1)))
    runner = CliRunner()
    r = runner.invoke(cli, ["check", str(record)])
    b = runner.invoke(cli, ["check", str(baseline)])
    assert r.exit_code == b.exit_code
    k = len(s.measures)
    assert (f"warning: {record}: $.courses[0].sessions[0].measures[{k}].instrument: unknown "
            "instrument 'clinic-odd'") in r.stderr
    assert "known: bdi2, cadss" in r.stderr


# --- the lookups without their per-call work give the same answers -------------------------


def _canonical_by_index(name, instruments):
    """canonical_name as first written: one pass, spellings squashed as it goes."""
    from kapnotes.instruments.base import squash_id

    wanted = name.strip().lower()
    index: dict[str, str] = {}
    for inst in instruments:
        if inst.name == wanted:
            return inst.name
        for spelling in inst.spellings:
            index.setdefault(squash_id(spelling), inst.name)
    return index.get(squash_id(wanted), wanted)


def test_canonical_name_is_the_one_pass_rule_for_every_spelling_and_unknown_names():
    from kapnotes.plugins import registry
    from kapnotes.scoring import canonical_name

    instruments = list(registry().instruments)
    names = [s for i in instruments for s in i.spellings]
    names += [n.upper() for n in names] + [f" {n} " for n in names] + ["PHQ-9", "phq 9", "nope", ""]
    for name in names:
        assert canonical_name(name, instruments) == _canonical_by_index(name, instruments)
        assert canonical_name(name, iter(instruments)) == _canonical_by_index(name, instruments)


def test_loinc_item_is_the_last_pair_of_its_number():
    from kapnotes.instruments.base import LoincCodes

    codes = LoincCodes(source="test", items=((1, "a"), (2, "b"), (1, "c")))
    for n in (0, 1, 2, 3):
        assert codes.item(n) == dict(codes.items).get(n)
