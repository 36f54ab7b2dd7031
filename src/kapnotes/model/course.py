"""A treatment course: why the client is in KAP care, what they consented to, and its sessions."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from kapnotes.choices import Choice
from kapnotes.errors import Problem
from kapnotes.model._base import field, in_range, model, non_blank, problem, unique_by, valid_id

# ICD-10-CM code shape (letter, digit, digit-or-letter, optional dot and 1-4 characters; CDC/NCHS
# ICD-10-CM Official Guidelines, section I.A): one definition, in kapnotes.model.billing.
from kapnotes.model.billing import ICD10_RE
from kapnotes.model.extensions import Extensions, as_extensions
from kapnotes.model.measures import MeasureAdministration, MeasureContext, Respondent, in_time_order
from kapnotes.model.session import Session, SessionKind
from kapnotes.model.treatment_plan import TreatmentPlan


def valid_icd10(value: str) -> str | None:
    return (
        None if ICD10_RE.match(value) else f"expected an ICD-10-CM code like F33.2, got {value!r}"
    )


class CourseStatus(Choice):
    PLANNED = "planned"
    ACTIVE = "active"
    COMPLETED = "completed"
    DISCONTINUED = "discontinued"


class ConsentKind(Choice):
    """Consents a KAP course records: informed consent to KAP, and consent to touch."""

    KAP_INFORMED_CONSENT = "kap_informed_consent"
    CONSENT_TO_TOUCH = "consent_to_touch"
    TELEHEALTH = "telehealth"
    AT_HOME_DOSING = "at_home_dosing"
    RECORDING = "recording"
    RELEASE_OF_INFORMATION = "release_of_information"
    OTHER = "other"


@model
class Indication:
    """A reason for the course, coded in ICD-10-CM."""

    code: str = field(check=valid_icd10)
    display: str = field(check=non_blank)
    primary: bool = False


@model
class Consent:
    """A consent on file. ``withdrawn_on`` ends it; ``scope`` qualifies it (e.g. which touch)."""

    kind: ConsentKind
    obtained_on: dt.date
    given: bool = True
    scope: str | None = None
    expires_on: dt.date | None = None
    withdrawn_on: dt.date | None = None
    document_ref: str | None = None
    description: str | None = None

    def _invariants(self) -> list[Problem]:
        out = []
        if self.expires_on is not None and self.expires_on < self.obtained_on:
            out.append(problem("expires_on", "a consent cannot expire before it was obtained"))
        if self.withdrawn_on is not None and self.withdrawn_on < self.obtained_on:
            out.append(
                problem("withdrawn_on", "a consent cannot be withdrawn before it was obtained")
            )
        if self.kind is ConsentKind.OTHER and not self.description:
            out.append(problem("description", "a consent of kind 'other' needs a description"))
        return out

    def in_force_on(self, day: dt.date) -> bool:
        """Whether this consent was given and in force on ``day``."""
        if not self.given or day < self.obtained_on:
            return False
        if self.withdrawn_on is not None and day >= self.withdrawn_on:
            return False
        return self.expires_on is None or day <= self.expires_on


@model
class Goal:
    """A treatment goal, optionally measured by an instrument with a target score."""

    id: str = field(check=valid_id)
    description: str = field(check=non_blank)
    instrument: str | None = None
    target_score: float | None = field(default=None, check=in_range(0, 1000))
    target_date: dt.date | None = None


@model
class PlannedPhase:
    """A planned phase of the course: how many sessions of one kind."""

    kind: SessionKind
    planned_sessions: int = field(check=in_range(0, 200))
    notes: str | None = None


@model
class TreatmentCourse:
    """One course of KAP for one client, with its sessions in time order."""

    id: str = field(check=valid_id)
    client_id: str = field(check=valid_id)
    started_on: dt.date
    status: CourseStatus = CourseStatus.ACTIVE
    ended_on: dt.date | None = None
    indications: tuple[Indication, ...] = field(
        default=(), check=unique_by(lambda i: i.code, "indication code")
    )
    consents: tuple[Consent, ...] = ()
    goals: tuple[Goal, ...] = field(default=(), check=unique_by(lambda g: g.id, "goal id"))
    phases: tuple[PlannedPhase, ...] = ()
    prescriber_id: str | None = field(default=None, check=valid_id)
    primary_therapist_id: str | None = field(default=None, check=valid_id)
    sessions: tuple[Session, ...] = field(default=(), check=unique_by(lambda s: s.id, "session id"))
    notes: str | None = None
    # --- format 1.2
    treatment_plan: TreatmentPlan | None = None
    extensions: Extensions = field(
        factory=Extensions, converter=as_extensions,
        doc="plugin extension fields by namespace (format 1.2)",
    )
    # --- format 1.3
    measures: tuple[MeasureAdministration, ...] = field(
        default=(), converter=in_time_order, check=unique_by(lambda m: m.id, "measure id"),
        doc="measures taken outside any session (context 'home', e.g. on a patient portal between "
        "sessions), in time order (format 1.3)",
    )

    extension_host: ClassVar[str] = "course"

    def _invariants(self) -> list[Problem]:
        out = []
        if self.ended_on is not None and self.ended_on < self.started_on:
            out.append(problem("ended_on", "a course cannot end before it started"))
        if sum(1 for i in self.indications if i.primary) > 1:
            out.append(problem("indications", "at most one indication can be primary"))
        out += _line_diagnoses(self)
        out += _home_measures(self)
        if self.treatment_plan is not None:
            codes = {i.code for i in self.indications}
            for k, code in enumerate(self.treatment_plan.problems):
                if code not in codes:
                    out.append(problem(f"treatment_plan.problems[{k}]",
                                       f"{code} is not among the course's indications"))
        starts = [s.start for s in self.sessions]
        if starts != sorted(starts):
            for i in range(1, len(starts)):
                if starts[i] < starts[i - 1]:
                    out.append(
                        problem(
                            f"sessions[{i}].start",
                            "sessions must be in time order (this one starts before the one before it)",
                        )
                    )
                    break
        return out

    def consent(self, kind: ConsentKind, on: dt.date) -> Consent | None:
        """The consent of ``kind`` in force on ``on``, if any."""
        for c in self.consents:
            if c.kind is kind and c.in_force_on(on):
                return c
        return None

    def session(self, session_id: str) -> Session:
        for s in self.sessions:
            if s.id == session_id:
                return s
        raise KeyError(session_id)

    @property
    def dosing_sessions(self) -> tuple[Session, ...]:
        return tuple(s for s in self.sessions if s.kind is SessionKind.DOSING)

    def home_measures_for(self, session_id: str) -> tuple[tuple[int, MeasureAdministration], ...]:
        """``(index, measure)`` of the at-home measures a session answers for: taken after the
        previous session started (for the first session, since the course began) and up to
        this session's start. Its note shows them ("since the previous session") and its rules
        check them.

        :raises KeyError: ``session_id`` is not a session of the course.
        """
        before: dt.datetime | None = None
        for s in self.sessions:
            if s.id == session_id:
                return tuple(
                    (k, m) for k, m in enumerate(self.measures)
                    if (before is None or m.administered_at > before) and m.administered_at <= s.start
                )
            before = s.start
        raise KeyError(session_id)

    def pending_home_measures(self) -> tuple[tuple[int, MeasureAdministration], ...]:
        """``(index, measure)`` of the at-home measures no session answers for yet: taken after
        the last session started (all of them in a course without sessions)."""
        last = self.sessions[-1].start if self.sessions else None
        return tuple(
            (k, m) for k, m in enumerate(self.measures) if last is None or m.administered_at > last
        )


def _line_diagnoses(course: TreatmentCourse) -> list[Problem]:
    """A service line's diagnoses are among the course's indications (its diagnosis pointers)."""
    codes = {i.code for i in course.indications}
    out = []
    for i, s in enumerate(course.sessions):
        for j, line in enumerate(s.service_lines):
            for k, code in enumerate(line.diagnoses):
                if code not in codes:
                    out.append(
                        problem(
                            f"sessions[{i}].service_lines[{j}].diagnoses[{k}]",
                            f"{code} is not among the course's indications",
                        )
                    )
    return out


def _home_measures(course: TreatmentCourse) -> list[Problem]:
    """A course's own measures are at-home ones, answered by the client (or an informant), on a
    day of the course (started_on to ended_on, both included, by the measure's own offset)."""
    out = []
    for k, m in enumerate(course.measures):
        p = f"measures[{k}]"
        if m.context is not MeasureContext.HOME:
            out.append(problem(f"{p}.context", "a course's own measures are taken at home: "
                               f"expected 'home', got {m.context.value!r} (a measure taken in a "
                               "session belongs to the session's measures)"))
        if m.respondent is Respondent.CLINICIAN:
            out.append(problem(f"{p}.respondent", "an at-home measure is answered by the client "
                               "or an informant, not a clinician (a clinician's rating belongs to "
                               "a session)"))
        if not m.administered_at.tzinfo:
            continue
        day = m.administered_at.date()
        if day < course.started_on:
            out.append(problem(f"{p}.administered_at", f"taken on {day}, before the course "
                               f"started on {course.started_on}"))
        elif course.ended_on is not None and day > course.ended_on:
            out.append(problem(f"{p}.administered_at", f"taken on {day}, after the course ended "
                               f"on {course.ended_on}"))
    return out
