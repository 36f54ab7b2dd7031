"""Hand-built courses for the outcome tests: every score is chosen, so every result can be
worked out by hand (the numbers are written out in the tests)."""

from __future__ import annotations

import datetime as dt

from kapnotes.model import (
    Agent,
    Client,
    Clinic,
    Document,
    DosingRecord,
    Indication,
    MeasureAdministration,
    MeasureContext,
    PersonName,
    Route,
    Session,
    SessionKind,
    TreatmentCourse,
)
from kapnotes.store import Store, open_store

TZ = dt.timezone(dt.timedelta(hours=-7))


def at(month: int, day: int, hour: int = 9, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=TZ)


def items_for(total: int, n: int, top: int) -> tuple[int, ...]:
    """``n`` answers 0..top summing to ``total`` (filled from item 1)."""
    out = []
    left = total
    for _ in range(n):
        v = min(top, left)
        out.append(v)
        left -= v
    assert left == 0, f"{total} does not fit in {n} items of 0..{top}"
    return tuple(out)


def phq9(mid: str, when: dt.datetime, total: int | None,
         context: MeasureContext = MeasureContext.ROUTINE) -> MeasureAdministration:
    """A PHQ-9 with the given total (None: item 1 left unanswered, so no total)."""
    items: tuple[int | None, ...]
    if total is None:
        items = (None, 1, 1, 1, 1, 1, 1, 1, 0)
    else:
        items = (*items_for(total, 8, 3), 0)  # item 9 stays 0 (no safety flag)
    return MeasureAdministration(id=mid, instrument="phq9", administered_at=when, items=items,
                                 context=context)


def madrs(mid: str, when: dt.datetime, total: int,
          context: MeasureContext = MeasureContext.ROUTINE) -> MeasureAdministration:
    return MeasureAdministration(id=mid, instrument="madrs", administered_at=when,
                                 items=(*items_for(total, 9, 6), 0), context=context,
                                 respondent="clinician")  # type: ignore[arg-type]


def dosing(sid: str, start: dt.datetime, *measures: MeasureAdministration) -> Session:
    """A dosing session; the dose is given 30 minutes after the start."""
    dose = DosingRecord(agent=Agent.KETAMINE, route=Route.IM, dose_mg=50.0,
                        administered_at=start + dt.timedelta(minutes=30))
    return Session(id=sid, kind=SessionKind.DOSING, start=start,
                   end=start + dt.timedelta(hours=2), dosing=dose, measures=measures)


def session(sid: str, kind: SessionKind, start: dt.datetime,
            *measures: MeasureAdministration) -> Session:
    return Session(id=sid, kind=kind, start=start, end=start + dt.timedelta(hours=1),
                   measures=measures)


def course(cid: str, *sessions: Session, client: str = "cl-t1",
           indication: str = "F33.2") -> TreatmentCourse:
    return TreatmentCourse(
        id=cid, client_id=client, started_on=dt.date(2026, 1, 1), sessions=sessions,
        indications=(Indication(code=indication, display="Test indication", primary=True),),
    )


def worked_course() -> TreatmentCourse:
    """The PHQ-9 course the worked examples use.

    =========  ============  ==========  =====  ==========================================
    session    when          context     total  role
    =========  ============  ==========  =====  ==========================================
    intake     01-01 09:00   baseline    20     marked baseline, but not the last before dosing
    prep       01-05 09:00   routine     18     last complete score before the first dosing
    prep       01-05 10:00   routine     --     incomplete (item 1 missing): never a baseline
    dose-01    01-08 09:00   pre_dose    16     inside the first dosing session: not baseline;
                                                before the dose (09:30): not a response candidate
    dose-02    01-15 09:00   pre_dose     9     exactly 50 % below 18: first response (7 days)
    follow-up  02-12 10:00   follow_up    4     latest; remission (<= 4)
    =========  ============  ==========  =====  ==========================================
    """
    return course(
        "course-t1",
        session("t1-intake", SessionKind.INTAKE, at(1, 1),
                phq9("m-intake", at(1, 1), 20, MeasureContext.BASELINE)),
        session("t1-prep", SessionKind.PREPARATION, at(1, 5),
                phq9("m-prep", at(1, 5), 18), phq9("m-prep-2", at(1, 5, 10), None)),
        dosing("t1-dose-01", at(1, 8), phq9("m-d1", at(1, 8), 16, MeasureContext.PRE_DOSE)),
        dosing("t1-dose-02", at(1, 15), phq9("m-d2", at(1, 15), 9, MeasureContext.PRE_DOSE)),
        session("t1-follow", SessionKind.FOLLOW_UP, at(2, 12, 10),
                phq9("m-f", at(2, 12, 10), 4, MeasureContext.FOLLOW_UP)),
    )


def document_of(*courses: TreatmentCourse) -> Document:
    clients = sorted({c.client_id for c in courses})
    return Document(
        clinic=Clinic(id="clinic-t", name="Test clinic (synthetic)"),
        clients=tuple(
            Client(id=c, mrn=f"T-{c}", name=PersonName(given="Test", family=c),
                   date_of_birth=dt.date(1980, 1, 1))
            for c in clients
        ),
        courses=courses,
    )


def saved(*courses: TreatmentCourse) -> Store:
    """An in-memory store holding the courses (the caller closes it)."""
    store = open_store(":memory:")
    store.save(document_of(*courses))
    return store
