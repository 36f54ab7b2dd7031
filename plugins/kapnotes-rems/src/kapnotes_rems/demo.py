"""The plugin's part of the synthetic demo (``register_demo_data``): the esketamine client's
REMS answers, enrolment and the monitoring provider's contact. Every form is complete but the
last esketamine session's, which lacks "ready to leave" and so blocks signing."""

from __future__ import annotations

from kapnotes.model import Document, evolve
from kapnotes_rems.answers import NAMESPACE, ClinicianContact, RemsAnswers, RemsEnrolment
from kapnotes_rems.context import is_esketamine

__all__ = ["add_demo_data"]


def add_demo_data(doc: Document) -> Document:
    """``doc`` with the REMS data of its esketamine courses (synthetic)."""
    courses = []
    providers: set[str] = set()
    for course in doc.courses:
        esk = [s for s in course.sessions if is_esketamine(s)]
        if not esk:
            courses.append(course)
            continue
        last = esk[-1].id
        sessions = []
        for s in course.sessions:
            if is_esketamine(s):
                assert s.dosing is not None
                if s.dosing.monitoring_clinician_id:
                    providers.add(s.dosing.monitoring_clinician_id)
                answers = RemsAnswers(
                    ready_to_leave_minutes=None if s.id == last else 95,
                    vitals_acceptable_before_administration=True,
                    vitals_acceptable_before_completion=True,
                    dissociation=True,
                )
                s = evolve(s, extensions={**s.extensions, NAMESPACE: answers})
            sessions.append(s)
        enrolment = RemsEnrolment(enrolled_on=course.started_on)  # at intake, before dosing
        courses.append(evolve(course, sessions=tuple(sessions),
                              extensions={**course.extensions, NAMESPACE: enrolment}))
    clinicians = []
    for c in doc.clinicians:
        if c.id in providers:
            given, _, family = c.name.removeprefix("Dr. ").partition(" ")
            contact = ClinicianContact(given_name=given, family_name=family, telephone="555-0101",
                                       email=f"{c.id}@example.org")
            c = evolve(c, extensions={**c.extensions, NAMESPACE: contact})
        clinicians.append(c)
    return evolve(doc, courses=tuple(courses), clinicians=tuple(clinicians))
