"""Small synthetic records for the rule tests: one client, one course, the sessions you pass.

Times are fixed (MST, no daylight saving): the dose is given at 09:20 on 2026-03-02, and
``vitals(m)`` is a reading ``m`` minutes after it (negative before it).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs

from kapnotes.model import (
    Agent,
    Client,
    Clinician,
    Consent,
    ConsentKind,
    Discharge,
    Document,
    DosingRecord,
    MeasureAdministration,
    PersonName,
    Preparation,
    PreScreen,
    Role,
    Route,
    Sedation,
    Session,
    SessionClinician,
    SessionKind,
    TreatmentCourse,
    Vitals,
)
from kapnotes.rules.base import Finding
from kapnotes.rules.config import ClinicConfig
from kapnotes.rules.engine import evaluate

MST = dt.timezone(dt.timedelta(hours=-7), "MST")
DAY = dt.date(2026, 3, 2)
DOSE_AT = dt.datetime(2026, 3, 2, 9, 20, tzinfo=MST)
COURSE_START = dt.date(2026, 2, 2)


def at(minutes: float) -> dt.datetime:
    """``minutes`` after the dose (negative: before it)."""
    return DOSE_AT + dt.timedelta(minutes=minutes)


def vitals(minutes: float, bp: tuple[int, int] | None = (120, 78), hr: int | None = 72,
           spo2: int | None = 98) -> Vitals:
    """A reading ``minutes`` after the dose."""
    return Vitals(
        at=at(minutes),
        systolic=bp[0] if bp else None,
        diastolic=bp[1] if bp else None,
        heart_rate=hr,
        spo2=spo2,
    )


def discharge(minutes: float = 150, **kw: Any) -> Discharge:
    fields: dict[str, Any] = {
        "criteria_met": True,
        "escort": "Support person (synthetic)",
        "transport": "driven home",
    }
    fields.update(kw)
    return Discharge(at=at(minutes), **fields)


def dosing(**kw: Any) -> DosingRecord:
    """Racemic IM ketamine 0.5 mg/kg for 70 kg, pre-dose vitals, monitoring, a discharge."""
    fields: dict[str, Any] = {
        "agent": Agent.KETAMINE,
        "route": Route.IM,
        "dose_mg": 35.0,
        "administered_at": DOSE_AT,
        "body_weight_kg": 70.0,
        "preparation": Preparation(consent_reviewed=True, consent_to_touch=True, go_decision=True),
        "monitoring": (
            vitals(-10),
            vitals(15),
            Sedation(at=at(15), score=4),
            vitals(30),
            vitals(60),
            vitals(90),
            vitals(140),
        ),
        "discharge": discharge(),
        "ordering_clinician_id": "dr-a",
    }
    fields.update(kw)
    return DosingRecord(**fields)


def esketamine(**kw: Any) -> DosingRecord:
    """Esketamine 56 mg (the day-1 dose) with BP before, at 40 minutes, and monitoring to 120
    minutes."""
    fields: dict[str, Any] = {
        "agent": Agent.ESKETAMINE,
        "route": Route.INTRANASAL,
        "dose_mg": 56.0,
        "body_weight_kg": None,
        "monitoring": (vitals(-10), vitals(40), vitals(90), vitals(120)),
        "discharge": discharge(125),
    }
    fields.update(kw)
    return dosing(**fields)


def session(kind: SessionKind = SessionKind.DOSING, sid: str = "s-dose-01", **kw: Any) -> Session:
    """A session on the dosing day (09:00-12:30); a dosing session gets :func:`dosing`."""
    fields: dict[str, Any] = {
        "id": sid,
        "kind": kind,
        "start": dt.datetime(2026, 3, 2, 9, 0, tzinfo=MST),
        "end": dt.datetime(2026, 3, 2, 12, 30, tzinfo=MST),
    }
    if kind is SessionKind.DOSING:
        fields["dosing"] = dosing()
        fields["clinicians"] = (SessionClinician(clinician_id="dr-a", role=Role.PRESCRIBER),)
        fields["pre_screen"] = PreScreen(medications=())  # reviewed: takes no medications
    fields.update(kw)
    return Session(**fields)


def later(s: Session, days: int, sid: str) -> Session:
    """``s`` moved ``days`` later, with a new id (its dose and monitoring move with it)."""
    delta = dt.timedelta(days=days)
    d = s.dosing
    if d is not None:
        d = attrs.evolve(
            d,
            administered_at=d.administered_at + delta,
            monitoring=tuple(attrs.evolve(e, at=e.at + delta) for e in d.monitoring),
            discharge=attrs.evolve(d.discharge, at=d.discharge.at + delta) if d.discharge else None,
        )
    assert s.end is not None
    return attrs.evolve(s, id=sid, start=s.start + delta, end=s.end + delta, dosing=d)


def consents(*kinds: ConsentKind, **kw: Any) -> tuple[Consent, ...]:
    return tuple(Consent(kind=k, obtained_on=kw.get("obtained_on", COURSE_START)) for k in kinds)


DEFAULT_CONSENTS = consents(ConsentKind.KAP_INFORMED_CONSENT, ConsentKind.CONSENT_TO_TOUCH)


def measure(instrument: str, items: tuple[int | None, ...], mid: str = "m1",
            minutes: float = -15) -> MeasureAdministration:
    return MeasureAdministration(id=mid, instrument=instrument, administered_at=at(minutes),
                                 items=items)


def phq9(item9: int | None = 0) -> tuple[int | None, ...]:
    """PHQ-9 responses with item 9 (index 8) as given."""
    return (1, 1, 1, 1, 1, 1, 0, 0, item9)


def document(*sessions: Session, course_consents: tuple[Consent, ...] = DEFAULT_CONSENTS,
             other_course: bool = False) -> Document:
    """One client and course holding ``sessions`` (and, before it, an empty course)."""
    course = TreatmentCourse(
        id="course-b", client_id="cl-1", started_on=COURSE_START, consents=course_consents,
        sessions=tuple(sessions),
    )
    courses = [course]
    if other_course:
        courses.append(TreatmentCourse(id="course-a", client_id="cl-1", started_on=COURSE_START))
    return Document(
        clinicians=(Clinician(id="dr-a", name="Dr. A", credentials="MD", roles=(Role.PRESCRIBER,)),),
        clients=(Client(id="cl-1", mrn="DEMO-1", name=PersonName(given="Test", family="Person"),
                        date_of_birth=dt.date(1980, 1, 1)),),
        courses=tuple(courses),
    )


def run(*sessions: Session, config: ClinicConfig | None = None, **kw: Any) -> list[Finding]:
    """Every finding on a document holding ``sessions``."""
    return evaluate(document(*sessions, **kw), config)


def only(findings: list[Finding], prefix: str) -> list[Finding]:
    """The findings whose code starts with ``prefix`` (``KAP-DOSE``)."""
    return [f for f in findings if f.code.startswith(prefix)]


def codes(findings: list[Finding]) -> list[str]:
    return [f.code for f in findings]


def resolve(obj: Any, path: str) -> Any:
    """Follow a finding's JSON path on the model objects (raises if it does not exist)."""
    import re

    assert path.startswith("$")
    for key, index in re.findall(r"\.([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]", path[1:]):
        if key:
            assert attrs.has(type(obj)) and key in attrs.fields_dict(type(obj)), (path, key)
            obj = getattr(obj, key)
        else:
            obj = obj[int(index)]
    return obj
