"""Every populated field of a session appears in the note of every format, or is left out on
purpose (the format's ``OMITTED`` map says why)."""

from __future__ import annotations

import attrs
import pytest

from kapnotes.errors import ModelError
from kapnotes.model import Session, SessionKind
from kapnotes.notes import blocks
from kapnotes.notes.format import NoteContext
from kapnotes.notes.formats import BUILTIN_MODULES, BUILTIN_SPECS, FormatSpec

from . import fixtures
from .leaves import dotted, leaves, mutations, note_text, replace_at, unpopulated

GENERAL = [m.SPEC for m in BUILTIN_MODULES if m.SPEC.session_kinds is None]
DOSING_SPECS = [s for s in BUILTIN_SPECS if s.session_kinds is None or SessionKind.DOSING in s.session_kinds]
INTEG_SPECS = [
    s for s in BUILTIN_SPECS if s.session_kinds is None or SessionKind.INTEGRATION in s.session_kinds
]
CASES = [(s, "dosing") for s in DOSING_SPECS] + [(s, "integration") for s in INTEG_SPECS]
IDS = [f"{s.name}-{kind}" for s, kind in CASES]


def _session(kind: str) -> Session:
    if kind == "dosing":
        return fixtures.full_dosing_session()
    return fixtures.full_integration_session()


def _missing(spec: FormatSpec, ctx: NoteContext) -> list[str]:
    text = note_text(spec.build(ctx))
    out = []
    for path, value in leaves(ctx.session):
        where = dotted(path)
        if spec.omits(where):
            continue
        expected = blocks.display_value(ctx, where, value)
        if expected not in text:
            out.append(f"{where} = {value!r} (expected {expected!r})")
    return out


def test_cases_cover_every_builtin_format() -> None:
    assert {s.name for s, _ in CASES} == {s.name for s in BUILTIN_SPECS}
    assert len(GENERAL) == 5


def test_the_dosing_fixture_sets_every_optional_field() -> None:
    assert list(unpopulated(fixtures.full_dosing_session())) == []


def test_the_integration_fixture_sets_every_optional_field_but_dosing() -> None:
    assert list(unpopulated(fixtures.full_integration_session())) == ["dosing"]


def test_the_fixture_has_every_builtin_intervention_and_monitoring_type() -> None:
    from kapnotes.model import BUILTIN_INTERVENTION_TYPES
    from kapnotes.model.dosing import MONITORING_TYPES

    s = fixtures.full_dosing_session()
    assert s.dosing is not None
    assert {type(i) for i in s.interventions} == set(BUILTIN_INTERVENTION_TYPES)
    assert {type(e) for e in s.dosing.monitoring} == set(MONITORING_TYPES)


@pytest.mark.parametrize(("spec", "kind"), CASES, ids=IDS)
def test_every_populated_field_appears(spec: FormatSpec, kind: str) -> None:
    ctx = fixtures.context(_session(kind))
    assert _missing(spec, ctx) == []


@pytest.mark.parametrize(("spec", "kind"), CASES, ids=IDS)
def test_changing_any_flag_or_number_changes_the_note(spec: FormatSpec, kind: str) -> None:
    """Presence alone proves little for ``Yes`` or ``4``: change each and the note must change."""
    session = _session(kind)
    base = note_text(spec.build(fixtures.context(session)))
    unchanged, tried = [], 0
    for path, value in leaves(session):
        if spec.omits(dotted(path)) or not isinstance(value, (bool, int, float)):
            continue
        for other in mutations(value):
            try:
                changed = replace_at(session, path, other)
            except ModelError:
                continue
            tried += 1
            if note_text(spec.build(fixtures.context(changed))) == base:
                unchanged.append(f"{dotted(path)}: {value!r} -> {other!r}")
            break
    assert tried > 20
    assert unchanged == []


@pytest.mark.parametrize("spec", BUILTIN_SPECS, ids=lambda s: s.name)
def test_builtin_formats_map_every_record_topic(spec: FormatSpec) -> None:
    """Nothing of the record needs the "Additional documentation" fallback in a built-in,
    except a dosing record in a format for sessions that cannot hold one (integration)."""
    unmapped = spec.unmapped_topics()
    if spec.session_kinds is None or SessionKind.DOSING in spec.session_kinds:
        assert unmapped == ()
    else:
        assert {p.split(".")[0] for t in unmapped for p in t.paths} == {"dosing"}


@pytest.mark.parametrize("spec", BUILTIN_SPECS, ids=lambda s: s.name)
def test_builtin_formats_omit_only_what_no_note_shows(spec: FormatSpec) -> None:
    module = next(m for m in BUILTIN_MODULES if m.SPEC is spec)
    assert module.OMITTED is spec.omitted
    assert dict(spec.omitted) == dict(blocks.NOT_SHOWN)


def test_every_session_field_belongs_to_a_topic_or_the_frame() -> None:
    covered = set(blocks.FRAME_PATHS) | {p for t in blocks.TOPICS for p in t.paths}
    roots = {p.split(".")[0] for p in covered}
    assert {a.name for a in attrs.fields(Session)} <= roots


def test_a_session_with_nothing_optional_builds_in_every_format() -> None:
    s = Session(id="bare", kind=SessionKind.DOSING, start=fixtures.at(9))
    ctx = NoteContext(session=s)
    for spec in BUILTIN_SPECS:
        note = spec.build(ctx)
        assert note.status == "draft"
        assert note.sections
