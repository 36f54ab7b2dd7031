"""``Store.clinic_summary`` (from the facts the store keeps) is the course-by-course summary.

Every test compares the two: ``kapnotes.outcomes.clinic_summary`` over the decoded courses, and
``Store.clinic_summary`` over ``outcome_points`` / ``outcome_courses`` — on the demo, on
hand-built edge cases and on hypothesis-generated records — and ``kapnotes verify`` checks the
facts against a recomputation.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kapnotes.model import Indication, MeasureAdministration, MeasureContext, SessionKind
from kapnotes.outcomes import ClinicSummary, OutcomeParams, RemissionRule, clinic_summary
from kapnotes.store import Store, open_store
from kapnotes.store.migrations import migrations
from kapnotes.store.outcome_facts import check, course_row, primary_indication_of
from kapnotes.store.verify import verify
from kapnotes.testing import registered_plugin

from .helpers import at, course, document_of, dosing, phq9, session, worked_course
from .test_instrument_facts import ScalePlugin

PARAMS = (
    OutcomeParams(),
    OutcomeParams(baseline="intake"),
    OutcomeParams(response_reduction=0.3, remission={"phq9": RemissionRule(7, "synthetic")}),
    OutcomeParams(remission={"gad7": RemissionRule(4, "synthetic", baseline_at_least=12)}),
)


def course_by_course(store: Store, params: OutcomeParams = OutcomeParams(),
                     instruments: list[str] | None = None) -> ClinicSummary:
    summary = clinic_summary(store.iter_courses(), params, instruments=instruments)
    return attrs.evolve(summary, courses=())


def assert_same(store: Store, instruments: list[str] | None = None) -> None:
    for params in PARAMS:
        want = course_by_course(store, params, instruments)
        assert store.clinic_summary(params, instruments=instruments) == want, params


@pytest.fixture
def plugin() -> Iterator[None]:
    with registered_plugin(ScalePlugin(), "clinic-scales"):
        yield


def test_the_demo(store: Store, demo_doc) -> None:  # type: ignore[no-untyped-def]
    store.save(demo_doc)
    summary = store.clinic_summary()
    assert summary.n_courses == len(demo_doc.courses) and summary.by_instrument
    assert_same(store)
    assert_same(store, ["PHQ-9"])
    assert_same(store, ["gad7", "pcl5"])
    assert verify(store).ok


def test_the_worked_course_and_its_edge_cases(store: Store) -> None:
    # worked_course: an exactly-50 % response, remission, an incomplete score, a marked baseline
    # that is not the last before dosing.
    no_dosing = course(
        "course-t2",
        session("t2-intake", SessionKind.INTAKE, at(1, 1),
                phq9("t2-m1", at(1, 1), 12, MeasureContext.BASELINE)),
        session("t2-follow", SessionKind.FOLLOW_UP, at(2, 1), phq9("t2-m2", at(2, 1), 3)),
        client="cl-t2", indication="F41.1",
    )
    zero = course(  # a baseline of 0: nothing to reduce, response not evaluable
        "course-t3",
        session("t3-prep", SessionKind.PREPARATION, at(1, 2), phq9("t3-m1", at(1, 2), 0)),
        dosing("t3-dose", at(1, 9)),
        session("t3-follow", SessionKind.FOLLOW_UP, at(2, 1), phq9("t3-m2", at(2, 1), 0)),
        client="cl-t3",
    )
    missing = course(  # no complete score before dosing and none marked: no baseline
        "course-t4",
        session("t4-prep", SessionKind.PREPARATION, at(1, 2), phq9("t4-m1", at(1, 2), None)),
        dosing("t4-dose", at(1, 9), phq9("t4-m2", at(1, 9), 14, MeasureContext.PRE_DOSE)),
        session("t4-follow", SessionKind.FOLLOW_UP, at(2, 1), phq9("t4-m3", at(2, 1), 5)),
        client="cl-t4",
    )
    tied = course(  # the follow-up at the very time of the baseline is no follow-up
        "course-t5",
        session("t5-prep", SessionKind.PREPARATION, at(1, 2), phq9("t5-m1", at(1, 2), 16),
                phq9("t5-m2", at(1, 2), 4)),
        dosing("t5-dose", at(1, 9)),
        client="cl-t5",
    )
    empty = attrs.evolve(course("course-t6", session("t6-intake", SessionKind.INTAKE, at(1, 1)),
                                client="cl-t6"), indications=())
    store.save(document_of(worked_course(), no_dosing, zero, missing, tied, empty))
    summary = store.clinic_summary()
    (row,) = summary.by_instrument
    assert (row.n_courses, row.n_evaluable, row.n_response_evaluable, row.n_response) == (5, 3, 2, 2)
    assert summary.n_courses == 6 and summary.n_clients == 6
    assert_same(store)
    assert verify(store).ok


def test_a_plugin_instrument_and_a_recorded_alias(store: Store, plugin: None) -> None:
    def m(mid: str, name: str, when: dt.datetime, value: int) -> MeasureAdministration:
        return MeasureAdministration(id=mid, instrument=name, administered_at=when, items=(value,))

    c = course(
        "course-p",
        session("p-intake", SessionKind.INTAKE, at(1, 1), m("p1", "clinic-scale", at(1, 1), 8),
                m("p2", "clinic-plain", at(1, 1), 3),
                phq9("p3", at(1, 1), 15), attrs.evolve(phq9("p4", at(1, 1, 10), 14), instrument="PHQ-9")),
        dosing("p-dose", at(1, 8)),
        session("p-follow", SessionKind.FOLLOW_UP, at(2, 1), m("p5", "clinic-scale", at(2, 1), 2),
                attrs.evolve(phq9("p6", at(2, 1), 6), instrument="PHQ-9")),
        client="cl-p",
    )
    store.save(document_of(c))
    assert [r.instrument for r in store.clinic_summary().by_instrument] == ["clinic-scale", "phq9"]
    assert_same(store)
    assert_same(store, ["clinic-scale"])


def test_first_dose_day_is_left_to_the_course_by_course_summary(store: Store) -> None:
    with pytest.raises(ValueError, match="first-dose-day"):
        store.clinic_summary(OutcomeParams(baseline="first-dose-day"))


def test_the_facts_follow_every_save(store: Store) -> None:
    c = worked_course()
    store.save(document_of(c))
    # a draft replaced: the follow-up gets worse; a session inserted early renumbers the rest
    follow = attrs.evolve(c.sessions[-1], measures=(phq9("m-f", at(2, 12, 10), 15),))
    early = session("t1-early", SessionKind.PREPARATION, at(1, 3), phq9("m-early", at(1, 3), 11))
    changed = attrs.evolve(c, sessions=(*c.sessions[:1], early, *c.sessions[1:-1], follow),
                           indications=(Indication(code="F41.1", display="Other", primary=True),))
    store.save(document_of(changed))
    assert store.clinic_summary().by_indication[0].indication == "F41.1"
    assert_same(store)
    assert verify(store).ok


def behind_the_store(path, *statements: str) -> None:  # type: ignore[no-untyped-def]
    """Run SQL ``statements`` on the store file at ``path`` behind the store's back, committed."""
    raw = sqlite3.connect(path)
    for sql in statements:
        raw.execute(sql)
    raw.commit()
    raw.close()


def test_verify_finds_facts_that_differ_from_the_record(tmp_path, demo_doc) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "k.db"
    with open_store(path) as s:
        s.save(demo_doc)
    behind_the_store(
        path,
        "UPDATE outcome_points SET latest = NULL WHERE rowid = 1",
        "DELETE FROM outcome_courses WHERE rowid = 1",
    )
    with open_store(path, migrate=False) as s:
        problems = verify(s).problems
    assert any(p.startswith("outcome_points: the row of course") for p in problems)
    assert any(p.startswith("outcome_courses: the row of course") for p in problems)


def test_an_older_store_gets_the_facts_when_opened(tmp_path, demo_doc) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "old.db"
    with open_store(path) as s:
        s.save(demo_doc)
        want = course_by_course(s)
    # the store as 0.2 before m004 left it: no facts tables, m004 not applied
    behind_the_store(
        path,
        "DROP TABLE outcome_points",
        "DROP TABLE outcome_courses",
        "DELETE FROM _sqlite_migrations WHERE name = 'm005_outcome_facts'",
    )
    with open_store(path) as s:
        assert "m005_outcome_facts" in [m.name for m in migrations.applied(s.db)]
        assert s.clinic_summary() == want
        assert verify(s).ok


def test_primary_indication_of_json_is_the_models() -> None:
    from kapnotes.outcomes import primary_indication
    from kapnotes.serialization import unstructure

    a = Indication(code="F33.2", display="A")
    b = Indication(code="F41.1", display="B", primary=True)
    for inds in ((), (a,), (a, b), (b, a)):
        c = attrs.evolve(worked_course(), indications=inds)
        want = primary_indication(c)
        got = primary_indication_of(unstructure(c))
        assert got == ((want.code, want.display) if want else (None, None))
    assert course_row("c", "cl", '{"indications": []}') == ("c", "cl", None, None)


# --- hypothesis ------------------------------------------------------------------------------------

KINDS = (SessionKind.INTAKE, SessionKind.PREPARATION, SessionKind.DOSING,
         SessionKind.INTEGRATION, SessionKind.FOLLOW_UP)
CONTEXTS = tuple(c for c in MeasureContext if c is not MeasureContext.HOME)  # home: course measures


@st.composite
def records(draw):  # type: ignore[no-untyped-def]
    n_courses = draw(st.integers(1, 4))
    courses = []
    n = 0
    for k in range(n_courses):
        days = sorted(draw(st.lists(st.integers(0, 20), min_size=0, max_size=6)))
        sessions = []
        for j, day in enumerate(days):
            kind = draw(st.sampled_from(KINDS))
            start = at(1, 1 + day)
            measures = []
            for _ in range(draw(st.integers(0, 2))):
                n += 1
                when = start + dt.timedelta(hours=draw(st.sampled_from((-1, 0, 0, 1, 24))))
                name = draw(st.sampled_from(("phq9", "PHQ-9", "gad7", "clinic-scale", "clinic-plain")))
                ctx = draw(st.sampled_from(CONTEXTS))
                if name in ("phq9", "PHQ-9"):
                    total = draw(st.one_of(st.none(), st.integers(0, 24)))
                    m = attrs.evolve(phq9(f"m{n}", when, total, ctx), instrument=name)
                elif name == "gad7":
                    items = tuple(draw(st.lists(st.one_of(st.integers(0, 3), st.none()),
                                                min_size=7, max_size=7)))
                    m = MeasureAdministration(id=f"m{n}", instrument=name, administered_at=when,
                                              items=items, context=ctx)
                else:
                    m = MeasureAdministration(id=f"m{n}", instrument=name, administered_at=when,
                                              items=(draw(st.integers(0, 10)),), context=ctx)
                measures.append(m)
            sid = f"s{k}-{j}"
            if kind is SessionKind.DOSING:
                sessions.append(dosing(sid, start, *measures))
            else:
                sessions.append(session(sid, kind, start, *measures))
        c = course(f"course-{draw(st.sampled_from('abcdef'))}{k}", *sessions,
                   client=f"cl-{draw(st.integers(0, 2))}",
                   indication=draw(st.sampled_from(("F33.2", "F41.1", "F43.10"))))
        home = []  # at-home measures (format 1.3): between, before, after or at a session's time
        for _ in range(draw(st.integers(0, 2))):
            n += 1
            when = at(1, 1 + draw(st.integers(0, 21))) + dt.timedelta(
                hours=draw(st.sampled_from((0, 0, 11, -1))))
            name = draw(st.sampled_from(("phq9", "PHQ-9", "gad7")))
            if name == "gad7":
                items = tuple(draw(st.lists(st.one_of(st.integers(0, 3), st.none()),
                                            min_size=7, max_size=7)))
                m = MeasureAdministration(id=f"m{n}", instrument=name, administered_at=when,
                                          items=items, context=MeasureContext.HOME)
            else:
                total = draw(st.one_of(st.none(), st.integers(0, 24)))
                m = attrs.evolve(phq9(f"m{n}", when, total, MeasureContext.HOME), instrument=name)
            home.append(m)
        if home:
            c = attrs.evolve(c, measures=tuple(sorted(home, key=lambda m: m.administered_at)))
        if draw(st.booleans()):
            c = attrs.evolve(c, indications=draw(st.sampled_from((
                (), (Indication(code="F41.1", display="GAD"), Indication(code="F33.1", display="MDD")),
            ))))
        courses.append(c)
    return document_of(*courses)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records())
def test_generated_records(doc) -> None:  # type: ignore[no-untyped-def]
    with registered_plugin(ScalePlugin(), "clinic-scales"):
        store = open_store(":memory:")
        try:
            store.save(doc)
            assert_same(store)
            assert_same(store, ["PHQ-9", "clinic-scale"])
            assert not list(check(store.conn))
        finally:
            store.close()


def test_at_home_measures_are_in_the_facts_and_home_baseline_goes_course_by_course() -> None:
    # At-home measures (format 1.3) are in the stored facts (first use, latest score; not the
    # baseline, as by default); with home_baseline=True the summary goes course by course, where
    # a home score (PHQ-9 = 24 the evening before the first dose) becomes the baseline and the
    # counts change.
    from kapnotes.serialization import from_data
    from tests.athome.builders import home_phq9, intake_dose_follow_up, record

    doc = from_data(record(
        home_phq9("h-1", "2026-02-08T20:00:00-07:00", [3, 3, 3, 3, 3, 3, 3, 3, 0]),
        sessions=intake_dose_follow_up(),
    ))
    store = open_store(":memory:")
    store.save(doc)
    assert_same(store)
    assert not list(check(store.conn))
    home_rows = store.conn.execute(
        "SELECT count(*) FROM outcome_points WHERE latest LIKE '%99999999%'").fetchone()
    assert home_rows == (0,)  # the follow-up on 03-02 is later than the home score on 02-08
    with_home = OutcomeParams(home_baseline=True)
    assert store.clinic_summary(with_home) == course_by_course(store, with_home)
    assert store.clinic_summary(with_home) != store.clinic_summary()
    with pytest.raises(ValueError, match="first-dose-day"):
        store.clinic_summary(OutcomeParams(baseline="first-dose-day"))


def late_home_score():  # type: ignore[no-untyped-def]
    """Intake 9, first dose, follow-up 8, then a portal PHQ-9 of 2 on 2026-03-20."""
    from kapnotes.serialization import from_data
    from tests.athome.builders import home_phq9, intake_dose_follow_up, record

    return from_data(record(
        home_phq9("h-late", "2026-03-20T20:00:00-07:00", [1, 1, 0, 0, 0, 0, 0, 0, 0]),
        sessions=intake_dose_follow_up(),
    ))


def test_a_home_score_after_the_last_session_is_the_latest() -> None:
    # A portal PHQ-9 of 2 on 2026-03-20, after the follow-up's 8: the course's latest score is
    # the home one, in the facts as in the summary computed course by course.
    doc = late_home_score()
    store = open_store(":memory:")
    store.save(doc)
    assert_same(store)
    assert not list(check(store.conn))
    (latest,) = store.conn.execute(
        "SELECT latest FROM outcome_points WHERE instrument = 'phq9'").fetchone()
    assert "99999999" in latest  # the at-home position
    summary = store.clinic_summary()
    row = next(r for r in summary.by_instrument if r.instrument == "phq9")
    assert (row.n_evaluable, row.n_response) == (1, 1)  # 9 at intake to 2 at home: a 78 % fall


def test_m006_gives_an_older_store_the_home_points(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "m005.db"
    doc = late_home_score()
    with open_store(path) as s:
        s.save(doc)
        want = s.clinic_summary()
    # as m005 left it: the facts without at-home measures, m006 not applied
    behind_the_store(
        path,
        "UPDATE outcome_points SET latest = NULL",
        "DELETE FROM _sqlite_migrations WHERE name = 'm006_home_outcome_facts'",
    )
    with open_store(path, migrate=False) as s:
        assert list(check(s.conn))  # the stale facts are seen
    with open_store(path) as s:
        assert "m006_home_outcome_facts" in [m.name for m in migrations.applied(s.db)]
        assert not list(check(s.conn))
        assert s.clinic_summary() == want
        assert verify(s).ok
