"""A session of KAP care: intake, preparation, dosing, integration or follow-up."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from kapnotes.choices import Choice
from kapnotes.errors import Problem
from kapnotes.model._base import aware, field, model, non_blank, problem, unique_by, valid_id
from kapnotes.model.billing import ClinicianTime, ServiceLine
from kapnotes.model.dosing import DosingRecord
from kapnotes.model.extensions import Extensions, as_extensions
from kapnotes.model.interventions import Intervention
from kapnotes.model.lifecycle import Addendum, NoteStatus, Signature, SignatureRole
from kapnotes.model.measures import MeasureAdministration
from kapnotes.model.people import Role
from kapnotes.model.prescreen import PreScreen


class SessionKind(Choice):
    INTAKE = "intake"
    PREPARATION = "preparation"
    DOSING = "dosing"
    INTEGRATION = "integration"
    FOLLOW_UP = "follow-up"

    @property
    def label(self) -> str:
        """``Intake``, ``Follow-up``, ... for headings."""
        return self.value.capitalize()


class Modality(Choice):
    IN_PERSON = "in_person"
    TELEHEALTH = "telehealth"
    AT_HOME_CHAPERONED = "at_home_chaperoned"


@model
class SessionClinician:
    """A clinician's part in one session."""

    clinician_id: str = field(check=valid_id)
    role: Role


@model
class PersonPresent:
    """Someone present who is not a clinician (chaperone, support person)."""

    name: str = field(identifier=True, check=non_blank)
    relationship: str | None = None


@model
class SetAndSetting:
    """Psychedelic-specific context of a session."""

    mindset: str | None = None
    setting: str | None = None
    music: str | None = None
    eyeshades: bool | None = None
    support_plan: str | None = None


@model
class Narrative:
    """What happened, by topic. Part of the record (not a psychotherapy note)."""

    presenting_concerns: str | None = None
    mental_status: str | None = None
    observations: str | None = None
    client_experience: str | None = None
    assessment: str | None = None


class Ideation(Choice):
    NONE = "none"
    PASSIVE = "passive"  # wish to be dead
    ACTIVE = "active"  # thoughts of killing oneself


class RiskLevel(Choice):
    LOW = "low"
    MODERATE = "moderate"
    HIGH = "high"
    IMMINENT = "imminent"


@model
class RiskAssessment:
    """Suicide and safety risk as assessed in the session."""

    suicidal_ideation: Ideation
    level: RiskLevel
    plan: bool = False
    intent: bool = False
    access_to_means: bool | None = None
    homicidal_ideation: bool = False
    risk_factors: tuple[str, ...] = ()
    protective_factors: tuple[str, ...] = ()
    safety_plan_reviewed: bool = False
    actions: str | None = None
    notes: str | None = None

    def _invariants(self) -> list[Problem]:
        out = []
        if self.suicidal_ideation is Ideation.NONE and (self.plan or self.intent):
            out.append(problem("suicidal_ideation", "a plan or intent implies ideation"))
        return out


@model
class Plan:
    next_steps: tuple[str, ...] = ()
    homework: tuple[str, ...] = ()
    next_session: dt.datetime | None = field(default=None, check=aware)
    referrals: tuple[str, ...] = ()


@model
class Session:
    """One session and everything documented about it (never its psychotherapy notes)."""

    id: str = field(check=valid_id)
    kind: SessionKind
    start: dt.datetime = field(check=aware)
    end: dt.datetime | None = field(default=None, check=aware)
    modality: Modality = Modality.IN_PERSON
    location: str | None = None
    clinicians: tuple[SessionClinician, ...] = ()
    present: tuple[PersonPresent, ...] = ()
    intention: str | None = None
    set_and_setting: SetAndSetting | None = None
    narrative: Narrative | None = None
    risk: RiskAssessment | None = None
    plan: Plan | None = None
    dosing: DosingRecord | None = None
    pre_screen: PreScreen | None = None
    interventions: tuple[Intervention, ...] = ()
    measures: tuple[MeasureAdministration, ...] = field(
        default=(), check=unique_by(lambda m: m.id, "measure id")
    )
    status: NoteStatus = NoteStatus.DRAFT
    signatures: tuple[Signature, ...] = ()
    addenda: tuple[Addendum, ...] = field(
        default=(), check=unique_by(lambda a: a.id, "addendum id")
    )
    # --- billing (format 1.2): what each clinician's time was spent on, and the lines billed
    clinician_times: tuple[ClinicianTime, ...] = ()
    service_lines: tuple[ServiceLine, ...] = ()
    #: the group session (``document.groups``) this client's session is part of
    group_id: str | None = field(default=None, check=valid_id)
    extensions: Extensions = field(
        factory=Extensions, converter=as_extensions,
        doc="plugin extension fields by namespace (format 1.2)",
    )

    extension_host: ClassVar[str] = "session"

    @property
    def duration_minutes(self) -> float | None:
        if self.end is None:
            return None
        return (self.end - self.start).total_seconds() / 60.0

    def clinician_ids(self, role: Role | None = None) -> list[str]:
        return [c.clinician_id for c in self.clinicians if role is None or c.role is role]

    def _invariants(self) -> list[Problem]:
        out: list[Problem] = []
        if (
            self.end is not None
            and self.end.tzinfo
            and self.start.tzinfo
            and self.end <= self.start
        ):
            out.append(problem("end", "a session must end after it starts"))
        if self.dosing is not None and self.kind is not SessionKind.DOSING:
            out.append(
                problem(
                    "dosing",
                    f"only dosing sessions record dosing; this is a {self.kind.value} session",
                )
            )
        if self.dosing is not None and self.start.tzinfo:
            out += _dosing_within(self)
        authors = [s for s in self.signatures if s.role is SignatureRole.AUTHOR]
        if self.status is NoteStatus.DRAFT and self.signatures:
            out.append(problem("status", "a draft has no signatures; sign it or remove them"))
        if self.status is not NoteStatus.DRAFT and not authors:
            out.append(
                problem("signatures", f"a {self.status.value} note needs an author signature")
            )
        if self.status is NoteStatus.DRAFT and self.addenda:
            out.append(problem("addenda", "addenda are added to signed notes only"))
        out += _times_within(self)
        out += [
            problem(f"measures[{k}].context", "a measure taken at home ('home') is one of the "
                    "course's measures (course.measures), not a session's")
            for k, m in enumerate(self.measures) if m.at_home
        ]
        return out


def _times_within(s: Session) -> list[Problem]:
    """Clinician time spans fall inside the session's time span."""
    out = []
    for i, t in enumerate(s.clinician_times):
        if not (t.start.tzinfo and t.end.tzinfo and s.start.tzinfo):
            continue
        if t.start < s.start:
            out.append(problem(f"clinician_times[{i}].start", "a time span must start within the session"))
        if s.end is not None and s.end.tzinfo and t.end > s.end:
            out.append(problem(f"clinician_times[{i}].end", "a time span must end within the session"))
    return out


def _dosing_within(s: Session) -> list[Problem]:
    """Dose and monitoring must fall inside the session's time span."""
    d = s.dosing
    assert d is not None
    out = []
    if d.administered_at.tzinfo and d.administered_at < s.start:
        out.append(problem("dosing.administered_at", "the dose is given after the session starts"))
    if s.end is not None and s.end.tzinfo:
        for i, e in enumerate(d.monitoring):
            if e.at.tzinfo and not s.start <= e.at <= s.end:
                out.append(
                    problem(f"dosing.monitoring[{i}].at", "monitoring must fall within the session")
                )
        if d.discharge is not None and d.discharge.at.tzinfo and d.discharge.at > s.end:
            out.append(problem("dosing.discharge.at", "discharge must fall within the session"))
    return out
