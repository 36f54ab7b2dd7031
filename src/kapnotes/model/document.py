"""The root of the interchange format: a clinic's KAP record in one document."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

from kapnotes.errors import Problem
from kapnotes.model._base import field, model, problem, unique_by
from kapnotes.model.course import TreatmentCourse
from kapnotes.model.groups import GroupSession
from kapnotes.model.people import Client, Clinic, Clinician
from kapnotes.model.process_notes import PsychotherapyNote
from kapnotes.model.session import Session

FORMAT_NAME: Literal["kapnotes"] = "kapnotes"
#: The interchange format version this kapnotes writes and reads (MAJOR.MINOR).
FORMAT_VERSION = "1.3"


def _by_id(items: Iterable[Any]) -> tuple[Any, ...]:
    """Top-level collections are sets of records: kept sorted by id, so the same record is the
    same object (and the same canonical bytes) whatever order it was assembled in."""
    return tuple(sorted(items, key=lambda x: x.id))


@model
class Document:
    """A KAP record: the clinic, its clinicians and clients, courses with their sessions.

    ``psychotherapy_notes`` are carried only in documents made with an explicit authorization;
    they are stored apart from the sessions they belong to.
    """

    format: Literal["kapnotes"] = FORMAT_NAME
    format_version: str = FORMAT_VERSION
    clinic: Clinic | None = None
    clinicians: tuple[Clinician, ...] = field(
        default=(), converter=_by_id, check=unique_by(lambda c: c.id, "clinician id")
    )
    clients: tuple[Client, ...] = field(
        default=(), converter=_by_id, check=unique_by(lambda c: c.id, "client id")
    )
    courses: tuple[TreatmentCourse, ...] = field(
        default=(), converter=_by_id, check=unique_by(lambda c: c.id, "course id")
    )
    psychotherapy_notes: tuple[PsychotherapyNote, ...] = field(
        default=(), converter=_by_id, check=unique_by(lambda n: n.id, "psychotherapy note id")
    )
    # --- format 1.2
    groups: tuple[GroupSession, ...] = field(
        default=(), converter=_by_id, check=unique_by(lambda g: g.id, "group session id")
    )

    def _invariants(self) -> list[Problem]:
        return list(_references(self))

    # --- lookups ------------------------------------------------------------------------------

    def client(self, client_id: str) -> Client:
        for c in self.clients:
            if c.id == client_id:
                return c
        raise KeyError(client_id)

    def clinician(self, clinician_id: str) -> Clinician:
        for c in self.clinicians:
            if c.id == clinician_id:
                return c
        raise KeyError(clinician_id)

    def group(self, group_id: str) -> GroupSession:
        for g in self.groups:
            if g.id == group_id:
                return g
        raise KeyError(group_id)

    def group_members(self, group_id: str) -> list[tuple[TreatmentCourse, Session]]:
        """The sessions (with their courses) of the clients in group session ``group_id``."""
        return [(c, s) for c, s in self.iter_sessions() if s.group_id == group_id]

    def iter_sessions(self) -> list[tuple[TreatmentCourse, Session]]:
        return [(c, s) for c in self.courses for s in c.sessions]

    def find_session(self, session_id: str) -> tuple[TreatmentCourse, Session]:
        for course, s in self.iter_sessions():
            if s.id == session_id:
                return course, s
        raise KeyError(session_id)


def _references(doc: Document) -> list[Problem]:
    """Every identifier a document refers to must be defined in it; session ids are global."""
    out: list[Problem] = []
    clients = {c.id for c in doc.clients}
    clinicians = {c.id for c in doc.clinicians}
    for i, c in enumerate(doc.clinicians):
        if c.supervisor_id is not None and c.supervisor_id not in clinicians:
            out.append(
                problem(f"clinicians[{i}].supervisor_id", f"no clinician {c.supervisor_id!r}")
            )
    seen_sessions: dict[str, str] = {}
    # Measure and addendum ids are unique across the record (the store keys them so): checked
    # here, with the path of the second use, before any store is touched.
    seen: dict[str, dict[str, str]] = {"measure": {}, "addendum": {}}
    for i, course in enumerate(doc.courses):
        p = f"courses[{i}]"
        if course.client_id not in clients:
            out.append(
                problem(f"{p}.client_id", f"no client {course.client_id!r} in this document")
            )
        for attr in ("prescriber_id", "primary_therapist_id"):
            ref = getattr(course, attr)
            if ref is not None and ref not in clinicians:
                out.append(problem(f"{p}.{attr}", f"no clinician {ref!r} in this document"))
        plan = course.treatment_plan
        if plan is not None:
            plan_refs = [(f"interventions[{k}]", x.clinician_id)
                         for k, x in enumerate(plan.interventions)]
            plan_refs += [(f"signatures[{k}]", x.clinician_id) for k, x in enumerate(plan.signatures)]
            for where, ref in plan_refs:
                if ref is not None and ref not in clinicians:
                    out.append(problem(f"{p}.treatment_plan.{where}.clinician_id",
                                       f"no clinician {ref!r} in this document"))
        for j, s in enumerate(course.sessions):
            sp = f"{p}.sessions[{j}]"
            if s.id in seen_sessions:
                out.append(problem(f"{sp}.id", f"session id {s.id!r} is used twice"))
            seen_sessions[s.id] = sp
            out += _session_refs(s, sp, clinicians)
            ids: list[tuple[str, str, list[str]]] = [
                ("measure", "measures", [m.id for m in s.measures]),
                ("addendum", "addenda", [a.id for a in s.addenda]),
            ]
            for what, key, values in ids:
                for k, item_id in enumerate(values):
                    ip = f"{sp}.{key}[{k}]"
                    first = seen[what].get(item_id)
                    if first is not None and not first.startswith(sp + "."):
                        out.append(
                            problem(f"{ip}.id", f"{what} id {item_id!r} is also used at $.{first}")
                        )
                    seen[what].setdefault(item_id, ip)
        for k, m in enumerate(course.measures):  # at-home measures (format 1.3)
            mp = f"{p}.measures[{k}]"
            first = seen["measure"].get(m.id)
            if first is not None and not first.startswith(f"{p}.measures["):
                out.append(problem(f"{mp}.id", f"measure id {m.id!r} is also used at $.{first}"))
            seen["measure"].setdefault(m.id, mp)
            if m.administered_by is not None and m.administered_by not in clinicians:
                out.append(problem(f"{mp}.administered_by",
                                   f"no clinician {m.administered_by!r} in this document"))
    out += _group_refs(doc, clinicians)
    for i, n in enumerate(doc.psychotherapy_notes):
        if n.session_id not in seen_sessions:
            out.append(
                problem(f"psychotherapy_notes[{i}].session_id", f"no session {n.session_id!r}")
            )
        if n.author_id not in clinicians:
            out.append(
                problem(f"psychotherapy_notes[{i}].author_id", f"no clinician {n.author_id!r}")
            )
    return out


def _session_refs(s: Session, sp: str, clinicians: set[str]) -> list[Problem]:
    out = []
    refs: list[tuple[str, str | None]] = [
        (f"{sp}.clinicians[{k}].clinician_id", c.clinician_id) for k, c in enumerate(s.clinicians)
    ]
    refs += [
        (f"{sp}.signatures[{k}].clinician_id", g.clinician_id) for k, g in enumerate(s.signatures)
    ]
    refs += [(f"{sp}.addenda[{k}].author_id", a.author_id) for k, a in enumerate(s.addenda)]
    refs += [
        (f"{sp}.measures[{k}].administered_by", m.administered_by) for k, m in enumerate(s.measures)
    ]
    refs += [
        (f"{sp}.clinician_times[{k}].clinician_id", t.clinician_id)
        for k, t in enumerate(s.clinician_times)
    ]
    for k, line in enumerate(s.service_lines):
        for who in ("rendering", "supervising", "billing"):
            refs.append(
                (f"{sp}.service_lines[{k}].{who}_clinician_id", getattr(line, f"{who}_clinician_id"))
            )
    for path, ref in refs:
        if ref is not None and ref not in clinicians:
            out.append(problem(path, f"no clinician {ref!r} in this document"))
    return out


def _group_refs(doc: Document, clinicians: set[str]) -> list[Problem]:
    """Group facilitators exist; a member session refers to a group of its kind and date."""
    out = []
    groups = {g.id: g for g in doc.groups}
    for i, g in enumerate(doc.groups):
        for k, cid in enumerate(g.facilitator_ids):
            if cid not in clinicians:
                out.append(problem(f"groups[{i}].facilitator_ids[{k}]", f"no clinician {cid!r}"))
    for i, course in enumerate(doc.courses):
        for j, s in enumerate(course.sessions):
            if s.group_id is None:
                continue
            path = f"courses[{i}].sessions[{j}].group_id"
            grp = groups.get(s.group_id)
            if grp is None:
                out.append(problem(path, f"no group session {s.group_id!r} in this document"))
            elif grp.kind is not s.kind:
                out.append(problem(path, f"group {grp.id!r} is a {grp.kind.value} session; this "
                                   f"session is {s.kind.value}"))
            elif grp.start.tzinfo and s.start.tzinfo and grp.start.date() != s.start.date():
                out.append(problem(path, f"group {grp.id!r} is on {grp.start.date()}; this "
                                   f"session is on {s.start.date()}"))
    return out
