"""Fixtures and data of the kapnotes-rems tests (a module, not conftest.py: the FHIR plugin's tests import their own ``conftest`` by name): the synthetic demo with REMS data, and the plugin with
a fixed clock (registered for one test with ``kapnotes.testing``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from kapnotes_rems.answers import ClinicianContact, RemsAnswers, RemsEnrolment
from kapnotes_rems.plugin import RemsPlugin

from kapnotes.model import Document, Medication, MedicationClass, PreScreen, evolve
from kapnotes.synthetic import build_document
from kapnotes.testing import registered_plugin

ESKETAMINE = ("cl-004-dose-01", "cl-004-dose-02", "cl-004-dose-03", "cl-004-dose-04")
TODAY = dt.date(2026, 2, 6)


def answers(**changes: object) -> RemsAnswers:
    base = RemsAnswers(ready_to_leave_minutes=100, vitals_acceptable_before_administration=True,
                       vitals_acceptable_before_completion=True, dissociation=True)
    return evolve(base, **changes)


def with_rems(doc: Document, *, sessions: tuple[str, ...] = ESKETAMINE,
              enrolled_on: dt.date | None = dt.date(2026, 1, 26)) -> Document:
    """The demo with what the REMS form needs beyond the core record, for ``sessions``."""
    meds = (Medication(name="sertraline (synthetic)", classes=(MedicationClass.ANTIDEPRESSANT,)),
            Medication(name="lorazepam (synthetic)", classes=(MedicationClass.BENZODIAZEPINE,)))
    courses = []
    for course in doc.courses:
        new_sessions = tuple(
            evolve(s, pre_screen=PreScreen(medications=meds), extensions={"rems": answers()})
            if s.id in sessions else s
            for s in course.sessions
        )
        ext = course.extensions
        if course.client_id == "cl-004" and enrolled_on is not None:
            ext = {"rems": RemsEnrolment(enrolled_on=enrolled_on)}
        courses.append(evolve(course, sessions=new_sessions, extensions=ext))
    clinicians = tuple(
        evolve(c, email="lee.ames@example.org",
               extensions={"rems": ClinicianContact(given_name="Lee", family_name="Ames",
                                                    telephone="555-0101")})
        if c.id == "dr-ames" else c
        for c in doc.clinicians
    )
    return evolve(doc, courses=tuple(courses), clinicians=clinicians)


def without_rems(doc: Document) -> Document:
    """The demo without any REMS answers, enrolment or provider contact (forms incomplete)."""
    def strip(obj):
        return evolve(obj, extensions={k: v for k, v in obj.extensions.items() if k != "rems"})

    courses = tuple(strip(evolve(c, sessions=tuple(strip(s) for s in c.sessions)))
                    for c in doc.courses)
    return evolve(doc, courses=courses, clinicians=tuple(strip(c) for c in doc.clinicians))


@pytest.fixture(scope="session")
def synthetic_demo() -> Document:
    """The demo as kapnotes builds it with this plugin installed (its ``register_demo_data``)."""
    with registered_plugin(RemsPlugin(today=lambda: TODAY), "rems"):
        return build_document(plugin_data=True)


@pytest.fixture(scope="session")
def demo(synthetic_demo: Document) -> Document:
    """The demo without REMS data: every esketamine form incomplete."""
    return without_rems(synthetic_demo)


@pytest.fixture(scope="session")
def rems_demo(demo: Document) -> Document:
    return with_rems(demo)


@pytest.fixture
def rems_plugin() -> Iterator[RemsPlugin]:
    """The plugin with the clock at :data:`TODAY`, registered for this test only."""
    plugin = RemsPlugin(today=lambda: TODAY)
    with registered_plugin(plugin, "rems"):
        yield plugin
