"""Build the filler's input from what a caller has: a document, a rule's context, a view."""

from __future__ import annotations

import datetime as dt
import typing
from collections.abc import Iterable, Iterator

import attrs

from kapnotes.model import Agent, Client, Clinic, Clinician, Session, TreatmentCourse
from kapnotes.model.extensions import UnknownExtension
from kapnotes.rules.config import ClinicConfig
from kapnotes_rems.answers import NAMESPACE, ClinicianContact, RemsAnswers, RemsEnrolment
from kapnotes_rems.fill import FilledForm, FormInput, fill, treatment_date
from kapnotes_rems.forms import FORMS, FormVersion, version_for
from kapnotes_rems.settings import RemsSettings

__all__ = ["esketamine_sessions", "filled_forms", "form_for", "form_input", "is_esketamine", "rems_value"]


def is_esketamine(session: Session) -> bool:
    d = session.dosing
    return d is not None and d.agent is Agent.ESKETAMINE


def rems_value(obj: object, cls: type) -> object | None:
    """The object's ``rems`` extension as ``cls``; a value read while this plugin was not
    registered (kept opaque by kapnotes) is read as ``cls`` now."""
    extensions = getattr(obj, "extensions", None)
    value = extensions.get(NAMESPACE) if extensions is not None else None
    if isinstance(value, UnknownExtension):
        data = value.data
        hints = typing.get_type_hints(cls)
        for f in attrs.fields(cls):
            if dt.date in typing.get_args(hints[f.name]) and isinstance(data.get(f.name), str):
                data[f.name] = dt.date.fromisoformat(data[f.name])
        made: object = cls(**data)
        return made
    return value if isinstance(value, cls) else None


def form_input(
    session: Session,
    session_path: str,
    *,
    config: ClinicConfig,
    course: TreatmentCourse | None = None,
    course_path: str | None = None,
    clinic: Clinic | None = None,
    clients: Iterable[Client] = (),
    clinicians: Iterable[Clinician] = (),
    client_path_prefix: str = "$.clients",
) -> FormInput:
    """The filler's input for ``session``; paths follow the JSON document's layout."""
    client_list = list(clients)
    clinician_list = list(clinicians)
    client, client_path = None, None
    if course is not None:
        for i, c in enumerate(client_list):
            if c.id == course.client_id:
                client, client_path = c, f"{client_path_prefix}[{i}]"
    earlier = None
    if course is not None:
        earlier = sum(
            1 for s in course.sessions
            if s.id != session.id and is_esketamine(s) and s.start < session.start
        )
    answers = rems_value(session, RemsAnswers)
    enrolment = rems_value(course, RemsEnrolment) if course is not None else None
    contacts = {c.id: x for c in clinician_list
                if isinstance(x := rems_value(c, ClinicianContact), ClinicianContact)}
    return FormInput(
        session=session,
        session_path=session_path,
        config=config,
        course=course,
        course_path=course_path,
        client=client,
        client_path=client_path,
        clinic=clinic,
        clinicians={c.id: c for c in clinician_list},
        clinician_paths={c.id: f"$.clinicians[{i}]" for i, c in enumerate(clinician_list)},
        earlier_esketamine=earlier,
        answers=answers if isinstance(answers, RemsAnswers) else None,
        enrolment=enrolment if isinstance(enrolment, RemsEnrolment) else None,
        contacts=contacts,
    )


def form_for(inp: FormInput, settings: RemsSettings, forms: Iterable[FormVersion] = FORMS) -> FormVersion | None:
    """The form version in force on the session's treatment date (None before the first)."""
    configured: dict[str, dt.date] = {}
    if settings.first_treatment_form_from is not None:
        configured["first-treatment"] = settings.first_treatment_form_from
    return version_for(treatment_date(inp), configured_from=configured, forms=forms)


def esketamine_sessions(
    courses: Iterable[TreatmentCourse],
) -> Iterator[tuple[int, TreatmentCourse, int, Session]]:
    """``(course index, course, session index, session)`` of every esketamine dosing session."""
    for ci, course in enumerate(courses):
        for si, s in enumerate(course.sessions):
            if is_esketamine(s):
                yield ci, course, si, s


def filled_forms(
    *,
    courses: Iterable[TreatmentCourse],
    config: ClinicConfig,
    settings: RemsSettings,
    clinic: Clinic | None,
    clients: Iterable[Client],
    clinicians: Iterable[Clinician],
) -> Iterator[tuple[TreatmentCourse, Session, FilledForm | None]]:
    """Every esketamine session with its filled form (None when no version is in force)."""
    client_list, clinician_list = list(clients), list(clinicians)
    for ci, course, si, s in esketamine_sessions(courses):
        inp = form_input(
            s, f"$.courses[{ci}].sessions[{si}]", config=config, course=course,
            course_path=f"$.courses[{ci}]", clinic=clinic, clients=client_list,
            clinicians=clinician_list,
        )
        form = form_for(inp, settings)
        yield course, s, None if form is None else fill(form, inp)
