"""The whole record as a stream of resources, course by course.

:func:`record_entries` yields the Organization, the Practitioners and the Patients, then, for
each course the view streams (``RecordView.iter_courses``), its Conditions, its EpisodeOfCare and
every session's resources. Nothing is kept once yielded, so a caller that writes as it goes (the
NDJSON exporter) holds one course at a time. Psychotherapy notes, even when a view carries them
under an authorization, are never read: they are not part of any exported resource.
"""

from __future__ import annotations

from collections.abc import Iterator

from kapnotes.model import Session, TreatmentCourse
from kapnotes_fhir import care, charges, documents, resources, scores
from kapnotes_fhir.context import Entry, ExportContext


def session_data(ctx: ExportContext, course: TreatmentCourse, s: Session) -> Iterator[Entry]:
    """What was recorded in a session, besides its Encounter and its note."""
    yield from resources.procedures(ctx, course, s)
    yield from resources.medications(ctx, course, s)
    yield from resources.monitoring(ctx, course, s)
    yield from scores.measures(ctx, course, s)
    yield from care.risk_assessment(ctx, course, s)
    yield from care.allergies(ctx, course, s)
    yield from charges.charge_items(ctx, course, s)


def course_entries(ctx: ExportContext, course: TreatmentCourse) -> Iterator[Entry]:
    """Conditions, EpisodeOfCare, Consents, Goals, CarePlan, then per session: Encounter, data,
    DocumentReferences; then the at-home measures."""
    client = ctx.clients.get(course.client_id)
    yield from resources.conditions(ctx, course)
    yield resources.episode_of_care(ctx, course)
    yield from care.consents(ctx, course)
    yield from care.goals(ctx, course)
    yield from care.care_plan(ctx, course)
    for s in course.sessions:
        yield resources.encounter(ctx, course, s)
        yield from session_data(ctx, course, s)
        if ctx.settings.note_content:  # "none": no DocumentReferences
            yield from documents.document_references(ctx, course, client, s)
    yield from scores.home_measures(ctx, course)  # at-home measures (format 1.3): no Encounter


def record_entries(ctx: ExportContext) -> Iterator[Entry]:
    """Every resource of the view, people first, then course by course."""
    yield from resources.people(ctx)
    for course in ctx.view.iter_courses():
        yield from course_entries(ctx, course)
