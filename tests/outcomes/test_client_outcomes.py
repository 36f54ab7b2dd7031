"""``Store.client_outcomes``: one client's outcomes read from the store's rows without decoding
the courses, the very ``CourseOutcomes`` of ``course_outcomes`` on the decoded courses (equal by
``==`` and by ``repr``, which also shows each time's UTC offset), under several ``OutcomeParams``
and instrument selections."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kapnotes.errors import NotFoundError
from kapnotes.model import (
    AddendumKind,
    Indication,
    MeasureAdministration,
    MeasureContext,
    Session,
    SessionKind,
)
from kapnotes.outcomes import OutcomeParams, RemissionRule, course_outcomes
from kapnotes.store import Store, open_store
from kapnotes.testing import registered_plugin

from .helpers import at, course, document_of, dosing, phq9, session, worked_course
from .test_instrument_facts import ScalePlugin

PARAMS = (
    OutcomeParams(),
    OutcomeParams(baseline="intake"),
    OutcomeParams(baseline="first-dose-day"),
    OutcomeParams(home_baseline=True),
    OutcomeParams(baseline="first-dose-day", home_baseline=True),
    OutcomeParams(response_reduction=0.3, remission={"phq9": RemissionRule(7, "synthetic")},
                  reliability={"phq9": None}),
    OutcomeParams(remission={"gad7": RemissionRule(4, "synthetic", baseline_at_least=12)}),
)
SELECTIONS = (None, ["PHQ-9"], ["gad7", "clinic-scale"])


def decoded(store: Store, client_id: str, params: OutcomeParams,
            instruments: list[str] | None) -> list:  # type: ignore[type-arg]
    """``course_outcomes`` of the client's courses, decoded (``iter_courses`` does not fill the
    store's cache), in ``courses_of`` order."""
    courses = sorted(store.iter_courses([client_id]), key=lambda c: (c.started_on, c.id))
    return [course_outcomes(c, params, instruments=instruments) for c in courses]


def assert_same(store: Store) -> None:
    for client_id in store.client_ids():
        for params in PARAMS:
            for instruments in SELECTIONS:
                ours = store.client_outcomes(client_id, params, instruments=instruments)
                want = decoded(store, client_id, params, instruments)
                assert ours == want, (client_id, params, instruments)
                assert repr(ours) == repr(want), (client_id, params, instruments)


@pytest.fixture
def plugin() -> Iterator[None]:
    with registered_plugin(ScalePlugin(), "clinic-scales"):
        yield


def test_the_demo(store: Store, demo_doc) -> None:  # type: ignore[no-untyped-def]
    store.save(demo_doc)
    assert any(c.outcomes for c in store.client_outcomes(demo_doc.clients[0].id))
    assert_same(store)


def test_no_course_is_decoded(store: Store, demo_doc, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    store.save(demo_doc)
    want = decoded(store, "cl-001", OutcomeParams(), None)

    def refuse(*_a: object) -> None:
        raise AssertionError("a course was decoded")

    monkeypatch.setattr(Store, "_course_from_row", refuse)
    assert store.client_outcomes("cl-001") == want


def test_a_course_already_decoded_is_reused(store: Store, demo_doc) -> None:  # type: ignore[no-untyped-def]
    store.save(demo_doc)
    courses = store.courses_of("cl-002")  # now in the store's cache
    assert store.client_outcomes("cl-002") == [course_outcomes(c) for c in courses]


def test_an_unknown_client(store: Store, demo_doc) -> None:  # type: ignore[no-untyped-def]
    store.save(demo_doc)
    with pytest.raises(NotFoundError, match="no client 'cl-999'"):
        store.client_outcomes("cl-999")


def test_hand_built_edge_cases(store: Store) -> None:
    no_dosing = course(  # no dosing session: the marked baseline, no first dose
        "course-t2",
        session("t2-intake", SessionKind.INTAKE, at(1, 1),
                phq9("t2-m1", at(1, 1), 12, MeasureContext.BASELINE)),
        session("t2-follow", SessionKind.FOLLOW_UP, at(2, 1), phq9("t2-m2", at(2, 1), 3)),
        client="cl-t2", indication="F41.1",
    )
    missing = course(  # partial scores only before dosing: no baseline
        "course-t4",
        session("t4-prep", SessionKind.PREPARATION, at(1, 2), phq9("t4-m1", at(1, 2), None)),
        dosing("t4-dose", at(1, 9), phq9("t4-m2", at(1, 9), 14, MeasureContext.PRE_DOSE)),
        session("t4-follow", SessionKind.FOLLOW_UP, at(2, 1), phq9("t4-m3", at(2, 1), 5)),
        client="cl-t4",
    )
    undosed = Session(  # a dosing session without a dosing record: the first dose is its start
        id="t7-dose", kind=SessionKind.DOSING, start=at(1, 9), end=at(1, 9, 11),
        measures=(phq9("t7-m2", at(1, 9, 8), 15, MeasureContext.PRE_DOSE),),
    )
    other_tz = dt.timezone(dt.timedelta(hours=2))  # the same day in UTC+2 is the day before
    same_day = course(
        "course-t7",
        session("t7-prep", SessionKind.PREPARATION, at(1, 2), phq9("t7-m1", at(1, 2), 20)),
        undosed,
        dosing("t7-dose-2", at(1, 16),
               phq9("t7-m3", at(1, 16).astimezone(other_tz), 7, MeasureContext.PRE_DOSE)),
        session("t7-follow", SessionKind.FOLLOW_UP, at(2, 1),
                attrs.evolve(phq9("t7-m4", at(2, 1), 6), instrument="PHQ-9"),
                phq9("t7-m5", at(2, 1, 10), 4)),
        client="cl-t7",
    )
    later = attrs.evolve(  # a second course of the same client, started later, no indication
        course("course-t8", session("t8-intake", SessionKind.INTAKE, at(3, 1),
                                    phq9("t8-m1", at(3, 1), 9)),
               dosing("t8-dose", at(3, 8)), client="cl-t7"),
        started_on=dt.date(2026, 3, 1), indications=(),
    )
    two = attrs.evolve(  # two indications, the second one primary
        course("course-t9", dosing("t9-dose", at(1, 9)), client="cl-t9"),
        indications=(Indication(code="F41.1", display="GAD"),
                     Indication(code="F33.1", display="MDD", primary=True)),
    )
    empty = attrs.evolve(course("course-t6", session("t6-intake", SessionKind.INTAKE, at(1, 1)),
                                client="cl-t6"), indications=())
    store.save(document_of(worked_course(), no_dosing, missing, same_day, later, two, empty))
    t7 = store.client_outcomes("cl-t7")
    assert [c.course_id for c in t7] == ["course-t7", "course-t8"]
    assert t7[0].first_dose_at == at(1, 9)
    assert store.client_outcomes("cl-t9")[0].primary_indication.code == "F33.1"  # type: ignore[union-attr]
    assert_same(store)


def test_a_plugin_instrument_and_recorded_aliases(store: Store, plugin: None) -> None:
    def m(mid: str, name: str, when: dt.datetime, value: int) -> MeasureAdministration:
        return MeasureAdministration(id=mid, instrument=name, administered_at=when, items=(value,))

    c = course(
        "course-p",
        session("p-intake", SessionKind.INTAKE, at(1, 1), m("p1", "clinic-scale", at(1, 1), 8),
                m("p2", "clinic-plain", at(1, 1), 3), phq9("p3", at(1, 1), 15),
                attrs.evolve(phq9("p4", at(1, 1, 10), 14), instrument="PHQ-9")),
        dosing("p-dose", at(1, 8)),
        session("p-follow", SessionKind.FOLLOW_UP, at(2, 1), m("p5", "clinic-scale", at(2, 1), 2),
                attrs.evolve(phq9("p6", at(2, 1), 6), instrument="PHQ-9")),
        client="cl-p",
    )
    store.save(document_of(c))
    (found,) = store.client_outcomes("cl-p")
    assert found.instruments == ("clinic-scale", "phq9")
    assert [p.measure_id for p in found.get("phq9").scores] == ["p3", "p4", "p6"]
    assert_same(store)


def test_at_home_measures_with_and_without_home_baseline() -> None:
    from kapnotes.serialization import from_data
    from tests.athome.builders import home_phq9, intake_dose_follow_up, record

    doc = from_data(record(  # given out of time order: the course keeps them in time order
        home_phq9("h-2", "2026-02-20T20:00:00+01:00", [0] * 9),
        home_phq9("h-1", "2026-02-09T07:00:00-07:00", [3, 3, 3, 3, 3, 3, 3, 3, 0]),
        home_phq9("h-0", "2026-02-09T07:00:00-07:00", [3, None, 3, 3, 3, 3, 3, 3, 0]),
        sessions=intake_dose_follow_up(),
    ))
    store = open_store(":memory:")
    store.save(doc)
    (plain,) = store.client_outcomes("cl-1")
    (home,) = store.client_outcomes("cl-1", OutcomeParams(home_baseline=True))
    assert plain.get("phq9").baseline.measure_id == "m-intake"  # type: ignore[union-attr]
    assert home.get("phq9").baseline.measure_id == "h-1"  # type: ignore[union-attr]
    assert_same(store)


def test_amended_and_signed_notes(demo_doc, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from kapnotes.lifecycle import add_addendum, sign

    with open_store(tmp_path / "k.db") as store:
        store.save(demo_doc)
        sign(store, "cl-001-dose-01", "dr-ames")
        add_addendum(store, "cl-001-dose-01", "rn-bell", "Discharge time was 11:55.",
                     kind=AddendumKind.AMENDMENT, reason="transcription error")
        (_course, s) = store.session("cl-001-dose-01")
        assert s.measures and s.status.value == "amended"
    with open_store(tmp_path / "k.db", create=False, read_only=True) as store:
        assert_same(store)


# --- hypothesis ------------------------------------------------------------------------------------

KINDS = (SessionKind.INTAKE, SessionKind.PREPARATION, SessionKind.DOSING,
         SessionKind.INTEGRATION, SessionKind.FOLLOW_UP)
CONTEXTS = tuple(c for c in MeasureContext if c is not MeasureContext.HOME)
ZONES = (dt.timezone(dt.timedelta(hours=-7)), dt.timezone.utc, dt.timezone(dt.timedelta(hours=9)))


@st.composite
def measure(draw, mid: str, when: dt.datetime, ctx: MeasureContext):  # type: ignore[no-untyped-def]
    when = when.astimezone(draw(st.sampled_from(ZONES)))
    name = draw(st.sampled_from(("phq9", "PHQ-9", "gad7", "clinic-scale", "clinic-plain")))
    if name in ("phq9", "PHQ-9"):
        total = draw(st.one_of(st.none(), st.integers(0, 24)))
        return attrs.evolve(phq9(mid, when, total, ctx), instrument=name)
    if name == "gad7":
        items = tuple(draw(st.lists(st.one_of(st.integers(0, 3), st.none()),
                                    min_size=7, max_size=7)))
        return MeasureAdministration(id=mid, instrument=name, administered_at=when,
                                     items=items, context=ctx)
    return MeasureAdministration(id=mid, instrument=name, administered_at=when,
                                 items=(draw(st.integers(0, 10)),), context=ctx)


@st.composite
def records(draw):  # type: ignore[no-untyped-def]
    courses = []
    n = 0
    for k in range(draw(st.integers(1, 3))):
        days = sorted(draw(st.lists(st.integers(0, 20), min_size=0, max_size=6)))
        sessions: list[Session] = []
        for j, day in enumerate(days):
            kind = draw(st.sampled_from(KINDS))
            start = at(1, 1 + day)
            measures = []
            for _ in range(draw(st.integers(0, 2))):
                n += 1
                hours = draw(st.sampled_from((-1, 0, 0, 1, 24)))
                measures.append(draw(measure(f"m{n}", start + dt.timedelta(hours=hours),
                                             draw(st.sampled_from(CONTEXTS)))))
            sid = f"s{k}-{j}"
            if kind is SessionKind.DOSING and draw(st.booleans()):
                sessions.append(dosing(sid, start, *measures))
            else:
                sessions.append(session(sid, kind, start, *measures))
        home = []
        for _ in range(draw(st.integers(0, 3))):
            n += 1
            when = at(1, 4) + dt.timedelta(hours=draw(st.integers(0, 24 * 18)))
            home.append(draw(measure(f"m{n}", when, MeasureContext.HOME)))
        c = course(f"course-{draw(st.sampled_from('abc'))}{k}", *sessions,
                   client=f"cl-{draw(st.integers(0, 1))}",
                   indication=draw(st.sampled_from(("F33.2", "F41.1"))))
        c = attrs.evolve(c, measures=tuple(home),
                         started_on=dt.date(2026, 1, draw(st.integers(1, 3))))
        courses.append(c)
    return document_of(*courses)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records())
def test_generated_records(doc) -> None:  # type: ignore[no-untyped-def]
    with registered_plugin(ScalePlugin(), "clinic-scales"):
        store = open_store(":memory:")
        try:
            store.save(doc)
            assert_same(store)
        finally:
            store.close()
