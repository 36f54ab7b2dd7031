"""The code-suggestion engine: from a session's facts and the code rules to service lines.

:func:`suggest` reads the session's kind, clinician time spans, clinicians, measures and dosing,
applies every enabled :class:`~kapnotes.billing.rules.CodeRule` (after the clinic's changes)
and returns a :class:`Bill`: suggested lines, each with its reason, rule and sources, and
findings for what cannot be billed as recorded (conflicts, time below a minimum, codes whose
source is not verified). Nothing is emitted silently: a line from a rule that is not verified
carries ``verified: False`` and a finding, unless the clinic accepted the code.

Time is counted once: a clinician's psychotherapy minutes exclude any of their own E/M or
monitoring time that overlaps it (the overlap is a finding), and minutes are whole minutes
(rounded down).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import attrs

from kapnotes.billing.codes import EM_CODES
from kapnotes.billing.config import BillingConfig, RuleChange
from kapnotes.billing.rules import Basis, CodeRule
from kapnotes.errors import InvalidError, Problem
from kapnotes.model._base import evolve
from kapnotes.model.billing import ServiceLine, TimeActivity
from kapnotes.model.course import TreatmentCourse
from kapnotes.model.document import Document
from kapnotes.model.dosing import Agent
from kapnotes.model.measures import MeasureAdministration
from kapnotes.model.people import Clinician, Role
from kapnotes.model.session import Modality, Session
from kapnotes.references import cite
from kapnotes.rules.base import Finding, Severity, json_path

__all__ = ["CODES_OF_FINDINGS", "Bill", "SuggestedLine", "apply_config", "suggest"]

RULE_NAME = "billing"

#: Every finding code the engine emits: ``code -> (severity, meaning)``.
CODES_OF_FINDINGS: dict[str, tuple[Severity, str]] = {
    "KAP-BILL-001": (Severity.WARNING, "a suggested code's source is not verified"),
    "KAP-BILL-002": (Severity.WARNING, "psychotherapy time below the shortest code's minimum"),
    "KAP-BILL-003": (Severity.WARNING, "E/M time recorded but no E/M level chosen"),
    "KAP-BILL-004": (Severity.WARNING, "a psychotherapy add-on is recorded without an E/M service"),
    "KAP-BILL-005": (Severity.WARNING, "a recorded time-based code does not fit the recorded time"),
    "KAP-BILL-006": (Severity.WARNING, "recorded codes that are never billed together"),
    "KAP-BILL-007": (Severity.WARNING, "psychotherapy time overlaps the same clinician's E/M or "
                     "monitoring time (the overlap is not counted twice)"),
    "KAP-BILL-008": (Severity.WARNING, "no clinician to render a suggested line"),
    "KAP-BILL-009": (Severity.INFO, "a measure that does not score is not counted for 96127"),
}

Scorer = Callable[[MeasureAdministration], Any]
_QHP = {Role.PRESCRIBER, Role.THERAPIST, Role.SUPERVISOR}


@attrs.frozen
class SuggestedLine:
    """A service line the engine suggests, with why.

    :ivar line: the line (code, units, place of service, clinicians, diagnoses).
    :ivar title: what the code describes.
    :ivar reason: why the code applies to this session (facts and the rule's reason).
    :ivar rule: the rule's name.
    :ivar source: the rule's sources, cited (``[ref:<key>]`` markers).
    :ivar status: ``verified``, ``single source`` or ``not verified``.
    :ivar verified: False when the status is not ``verified`` and the clinic did not accept
        the code: check it before billing.
    """

    line: ServiceLine
    title: str
    reason: str
    rule: str
    source: str
    status: str
    verified: bool

    def as_dict(self, clinicians: dict[str, Clinician] | None = None) -> dict[str, Any]:
        from kapnotes.serialization import unstructure

        data: dict[str, Any] = {
            "code": self.line.code,
            "system": self.line.system.value,
            "title": self.title,
            "units": self.line.units,
            "modifiers": list(self.line.modifiers),
            "place_of_service": self.line.place_of_service,
            **{k: v for k, v in unstructure(self.line).items() if k.endswith("_clinician_id")},
            "diagnoses": list(self.line.diagnoses),
            "reason": self.reason,
            "rule": self.rule,
            "source": self.source,
            "status": self.status,
            "verified": self.verified,
        }
        for who in ("rendering", "supervising", "billing"):
            cid = getattr(self.line, f"{who}_clinician_id")
            c = (clinicians or {}).get(cid) if cid else None
            if c is not None and c.npi:
                data[f"{who}_npi"] = c.npi
        return data


@attrs.frozen
class Bill:
    """What a session bills: suggested lines, the lines recorded, findings, the rules used."""

    session_id: str
    client_id: str | None
    date: dt.date
    lines: tuple[SuggestedLine, ...]
    recorded: tuple[ServiceLine, ...]
    findings: tuple[Finding, ...]
    minutes: dict[str, dict[str, int]]
    rules: tuple[CodeRule, ...]

    @property
    def unverified(self) -> tuple[SuggestedLine, ...]:
        return tuple(x for x in self.lines if not x.verified)

    def as_dict(self, clinicians: dict[str, Clinician] | None = None) -> dict[str, Any]:
        from kapnotes.serialization import unstructure

        return {
            "session_id": self.session_id,
            "client_id": self.client_id,
            "date": self.date.isoformat(),
            "minutes": self.minutes,
            "lines": [x.as_dict(clinicians) for x in self.lines],
            "recorded": [unstructure(x) for x in self.recorded],
            "findings": [f.as_dict() for f in self.findings],
            "rules": [rule_dict(r) for r in self.rules],
        }


def rule_dict(r: CodeRule) -> dict[str, Any]:
    return {
        "name": r.name,
        "code": r.code,
        "basis": r.basis.value,
        "enabled": r.enabled,
        "status": r.verification,
        "source": r.citation,
    }


# --- configuration ---------------------------------------------------------------------------


def apply_config(rules: Iterable[CodeRule], config: BillingConfig) -> tuple[CodeRule, ...]:
    """The rules after plugins' replacements and the clinic's changes, in a stable order.

    :raises kapnotes.errors.InvalidError: the configuration names a rule that does not exist.
    """
    rules = list(rules)
    replaced = {n for r in rules for n in r.replaces}
    out = {r.name: r for r in rules if r.name not in replaced}
    problems = [
        Problem(f"$.billing.rules.{name}", f"no billing rule {name!r} (see kapnotes bill --rules)")
        for name in config.rules
        if name not in out
    ]
    if problems:
        raise InvalidError(problems)
    for name, change in config.rules.items():
        values = {
            a.name: getattr(change, a.name)
            for a in attrs.fields(RuleChange)  # type: ignore[arg-type]
            if getattr(change, a.name) is not None
        }
        out[name] = attrs.evolve(out[name], **values)
    return tuple(out[n] for n in sorted(out))


# --- facts -----------------------------------------------------------------------------------

Span = tuple[dt.datetime, dt.datetime]


def _union(spans: Iterable[Span]) -> list[Span]:
    out: list[Span] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _minus(spans: list[Span], cut: list[Span]) -> list[Span]:
    out = []
    for a, b in spans:
        pieces = [(a, b)]
        for c, d in cut:
            nxt = []
            for x, y in pieces:
                if d <= x or c >= y:
                    nxt.append((x, y))
                    continue
                if x < c:
                    nxt.append((x, c))
                if d < y:
                    nxt.append((d, y))
            pieces = nxt
        out += pieces
    return out


def _minutes(spans: Iterable[Span]) -> float:
    return sum((b - a).total_seconds() for a, b in spans) / 60.0


@attrs.frozen
class _Facts:
    psychotherapy: dict[str, int]
    em: dict[str, int]
    monitoring: dict[str, int]
    overlaps: list[tuple[str, int, int]]  # clinician, index of the psychotherapy span, minutes


def _facts(s: Session) -> _Facts:
    by: dict[tuple[str, TimeActivity], list[Span]] = {}
    for t in s.clinician_times:
        by.setdefault((t.clinician_id, t.activity), []).append((t.start, t.end))
    psy: dict[str, int] = {}
    overlaps = []
    for (cid, act), spans in by.items():
        if act is not TimeActivity.PSYCHOTHERAPY:
            continue
        other = _union(
            by.get((cid, TimeActivity.EVALUATION_MANAGEMENT), [])
            + by.get((cid, TimeActivity.MONITORING), [])
        )
        union = _union(spans)
        kept = _minus(union, other)
        lost = _minutes(union) - _minutes(kept)
        if lost > 0:
            k = next(i for i, t in enumerate(s.clinician_times) if t.clinician_id == cid
                     and t.activity is TimeActivity.PSYCHOTHERAPY)
            overlaps.append((cid, k, math.ceil(lost)))
        psy[cid] = math.floor(_minutes(kept) + 1e-9)

    def total(act: TimeActivity) -> dict[str, int]:
        return {
            cid: math.floor(_minutes(_union(sp)) + 1e-9)
            for (cid, a), sp in by.items()
            if a is act
        }

    return _Facts(psy, total(TimeActivity.EVALUATION_MANAGEMENT), total(TimeActivity.MONITORING),
                  overlaps)


def hour_units(minutes: int) -> int:
    """Units of an "each hour" code: a unit is attained when the mid-point (31 minutes) is
    passed [ref:ama-cpt-psychotherapy]."""
    return 0 if minutes < 31 else (minutes - 31) // 60 + 1


# --- the engine ------------------------------------------------------------------------------


@attrs.define
class _Run:
    session: Session
    course: TreatmentCourse | None
    clinicians: dict[str, Clinician]
    config: BillingConfig
    path: str
    lines: list[SuggestedLine] = attrs.field(factory=list)
    findings: list[Finding] = attrs.field(factory=list)

    def finding(self, code: str, message: str, path: str, source: str = "") -> None:
        self.findings.append(
            Finding(
                severity=CODES_OF_FINDINGS[code][0], code=code, message=message, path=path,
                session_id=self.session.id, rule=RULE_NAME, source=source,
            )
        )

    def roles(self, cid: str) -> set[Role]:
        roles = {c.role for c in self.session.clinicians if c.clinician_id == cid}
        c = self.clinicians.get(cid)
        if not roles and c is not None:
            roles = set(getattr(c, "roles", ()) or ())
        return roles

    def diagnoses(self) -> tuple[str, ...]:
        if self.course is None:
            return ()
        ind = sorted(self.course.indications, key=lambda i: not i.primary)
        return tuple(i.code for i in ind[:4])

    def pos(self) -> str:
        p = self.config.place_of_service
        return {
            Modality.IN_PERSON: p.in_person,
            Modality.TELEHEALTH: p.telehealth,
            Modality.AT_HOME_CHAPERONED: p.at_home_chaperoned,
        }[self.session.modality]

    def add(self, rule: CodeRule, reason: str, *, units: int = 1, rendering: str | None) -> None:
        if rendering is None:
            self.finding(
                "KAP-BILL-008",
                f"{rule.code} applies ({reason}) but no clinician of the session can render it: "
                f"add the clinician to the session",
                json_path(self.path, "clinicians"), rule.citation,
            )
            return
        c = self.clinicians.get(rendering)
        supervisor = c.supervisor_id if c is not None and not c.licensed else None
        line = ServiceLine(
            code=rule.code, system=rule.code_system, units=units, place_of_service=self.pos(),
            rendering_clinician_id=rendering, supervising_clinician_id=supervisor,
            billing_clinician_id=supervisor or rendering, diagnoses=self.diagnoses(),
        )
        status = rule.verification
        verified = status == "verified" or rule.code in self.config.accept_unverified
        self.lines.append(
            SuggestedLine(line, rule.code_title, f"{reason}: {rule.reason}", rule.name,
                          rule.citation, status, verified)
        )
        if not verified:
            self.finding(
                "KAP-BILL-001",
                f"{rule.code} is suggested by rule {rule.name!r} whose source is {status}: check "
                f"it with the payer before billing (or list it in billing.accept_unverified)",
                self.path, rule.citation,
            )


def suggest(
    session: Session,
    *,
    rules: Sequence[CodeRule],
    course: TreatmentCourse | None = None,
    document: Document | None = None,
    config: BillingConfig | None = None,
    score: Scorer | None = None,
    path: str = "$",
    clinicians: Mapping[str, Clinician] | None = None,
) -> Bill:
    """Suggest the service lines of ``session``.

    :param rules: the code rules (registered by plugins; see :func:`kapnotes.billing.bill`).
    :param course: the session's course (diagnoses come from its indications).
    :param document: the whole record (clinicians' NPIs and supervisors, group records).
    :param config: the clinic's billing configuration.
    :param score: scores a measure (None when its instrument is not registered); raises when
        the responses do not score. Without it no 96127 is suggested.
    :param path: the session's JSON path in the document, for findings.
    :param clinicians: the clinicians by id (NPIs, supervisors) when no ``document`` is given.
    """
    config = config or BillingConfig()
    active = apply_config(rules, config)
    known = dict(clinicians or {})
    if document is not None:
        known.update({c.id: c for c in document.clinicians})
    run = _Run(session, course, known, config, path)
    facts = _facts(session)
    for cid, k, lost in facts.overlaps:
        run.finding(
            "KAP-BILL-007",
            f"{lost} minutes of {cid}'s psychotherapy overlap their own E/M or monitoring time; "
            f"those minutes are not counted as psychotherapy",
            json_path(path, "clinician_times", k), cite("em-time-with-add-on"),
        )
    enabled = [r for r in active if r.enabled and session.kind in r.kinds]
    by_basis: dict[Basis, list[CodeRule]] = {}
    for r in enabled:
        by_basis.setdefault(r.basis, []).append(r)
    _psychotherapy(run, facts, by_basis)
    _intake(run, by_basis.get(Basis.INTAKE, []))
    _instruments(run, by_basis.get(Basis.INSTRUMENTS, []), score)
    _esketamine(run, by_basis)
    _monitoring(run, facts, by_basis)
    _group(run, facts, by_basis.get(Basis.GROUP_PSYCHOTHERAPY, []))
    _recorded(run, facts, active)
    minutes = {
        "psychotherapy": facts.psychotherapy,
        "evaluation_management": facts.em,
        "monitoring": facts.monitoring,
    }
    return Bill(
        session_id=session.id, client_id=course.client_id if course else None,
        date=session.start.date(), lines=tuple(run.lines), recorded=session.service_lines,
        findings=tuple(run.findings), minutes=minutes, rules=active,
    )


def _fit(rules: list[CodeRule], minutes: int) -> CodeRule | None:
    for r in rules:
        if r.minutes_fit(minutes):
            return r
    return None


def _psychotherapy(run: _Run, facts: _Facts, by_basis: dict[Basis, list[CodeRule]]) -> None:
    if run.session.group_id is not None:
        return  # a group session bills group psychotherapy, not individual psychotherapy
    recorded_em = [x for x in run.session.service_lines if x.code in EM_CODES]
    for cid in sorted(facts.psychotherapy):
        minutes = facts.psychotherapy[cid]
        with_em = cid in facts.em
        basis = Basis.PSYCHOTHERAPY_WITH_EM if with_em else Basis.PSYCHOTHERAPY
        rules = by_basis.get(basis, [])
        if not rules:
            continue
        rule = _fit(rules, minutes)
        k = next(i for i, t in enumerate(run.session.clinician_times)
                 if t.clinician_id == cid and t.activity is TimeActivity.PSYCHOTHERAPY)
        if rule is None:
            lowest = min((r.min_minutes or 0) for r in rules)
            first = min(rules, key=lambda r: r.min_minutes or 0)
            run.finding(
                "KAP-BILL-002",
                f"{cid}'s psychotherapy time is {minutes} minutes, below the {lowest}-minute "
                f"minimum of {first.code}: no psychotherapy code",
                json_path(run.path, "clinician_times", k), first.citation,
            )
            continue
        if with_em:
            em = [x for x in recorded_em if x.rendering_clinician_id in (cid, None)]
            if em:
                x = em[0]
                run.lines.append(
                    SuggestedLine(
                        evolve(x, place_of_service=x.place_of_service or run.pos(),
                                     rendering_clinician_id=x.rendering_clinician_id or cid,
                                     diagnoses=x.diagnoses or run.diagnoses()),
                        "Office or other outpatient E/M visit",
                        f"E/M visit ({facts.em[cid]} minutes) recorded by the clinician at level "
                        f"{x.code}: chosen by medical decision making, not by time, when a "
                        f"psychotherapy add-on is billed",
                        "recorded-em", cite("ama-cpt-em-add-on", "em-time-with-add-on"), "single source",
                        True,
                    )
                )
            else:
                em_k = next(i for i, t in enumerate(run.session.clinician_times)
                            if t.clinician_id == cid
                            and t.activity is TimeActivity.EVALUATION_MANAGEMENT)
                run.finding(
                    "KAP-BILL-003",
                    f"{cid} has {facts.em[cid]} minutes of E/M time: record the E/M level "
                    f"(99212-99215) chosen by medical decision making as a service line; time "
                    f"cannot set it when a psychotherapy add-on is billed",
                    json_path(run.path, "clinician_times", em_k), cite("em-time-with-add-on"),
                )
        what = f"{minutes} minutes of psychotherapy by {cid}"
        if with_em:
            what += f" (E/M time of {facts.em[cid]} minutes kept apart)"
        run.add(rule, what, rendering=cid)


def _intake(run: _Run, rules: list[CodeRule]) -> None:
    if not rules:
        return
    s = run.session
    prescribers = [c.clinician_id for c in s.clinicians if c.role is Role.PRESCRIBER]
    medical = bool(prescribers) or any(
        t.activity is TimeActivity.EVALUATION_MANAGEMENT for t in s.clinician_times
    )
    for r in rules:
        if r.medical is not None and r.medical != medical:
            continue
        if medical:
            rendering = prescribers[0] if prescribers else None
            why = f"intake with {rendering or 'a prescriber'}"
        else:
            rendering = s.clinicians[0].clinician_id if s.clinicians else None
            why = f"intake with {rendering or 'no clinician'}"
        run.add(r, why, rendering=rendering)
        return


def _author(s: Session) -> str | None:
    for c in s.clinicians:
        if c.role is Role.THERAPIST:
            return c.clinician_id
    return s.clinicians[0].clinician_id if s.clinicians else None


def _instruments(run: _Run, rules: list[CodeRule], score: Scorer | None) -> None:
    if not rules or score is None:
        return
    s = run.session
    counted: list[MeasureAdministration] = []
    for k, m in enumerate(s.measures):
        try:
            result = score(m)
        except Exception as exc:  # noqa: BLE001 - a measure that does not score is not billed
            run.finding(
                "KAP-BILL-009",
                f"{m.instrument} ({m.id}) does not score ({exc}); it is not counted for "
                f"{rules[0].code}",
                json_path(run.path, "measures", k), rules[0].citation,
            )
            continue
        if result is None or getattr(result, "total", 0) is None:
            continue
        counted.append(m)
    if not counted:
        return
    names = ", ".join(m.instrument for m in counted)
    by = [m.administered_by for m in counted if m.administered_by]
    run.add(rules[0], f"{len(counted)} scored instrument(s): {names}", units=len(counted),
            rendering=by[0] if by else _author(s))


def _prescriber(run: _Run) -> str | None:
    d = run.session.dosing
    if d is not None:
        for cid in (d.ordering_clinician_id, d.monitoring_clinician_id):
            if cid and Role.PRESCRIBER in run.roles(cid):
                return cid
    for c in run.session.clinicians:
        if c.role is Role.PRESCRIBER:
            return c.clinician_id
    return None


def _esketamine(run: _Run, by_basis: dict[Basis, list[CodeRule]]) -> None:
    d = run.session.dosing
    if d is None or d.agent is not Agent.ESKETAMINE:
        return
    mg = d.total_dose_mg
    for r in by_basis.get(Basis.ESKETAMINE, []):
        if r.dose_fits(mg):
            run.add(r, f"esketamine {mg:g} mg", rendering=_prescriber(run))
            break
    for r in by_basis.get(Basis.ESKETAMINE_DRUG, []):
        run.add(r, f"esketamine {mg:g} mg supplied", units=max(1, round(mg)),
                rendering=_prescriber(run))


def _monitoring(run: _Run, facts: _Facts, by_basis: dict[Basis, list[CodeRule]]) -> None:
    d = run.session.dosing
    if d is None or d.agent is not Agent.KETAMINE or not facts.monitoring:
        return
    qhp = sorted(
        (cid for cid in facts.monitoring if run.roles(cid) & _QHP),
        key=lambda c: (-facts.monitoring[c], c),
    )
    staff = sorted(cid for cid in facts.monitoring if cid not in qhp)
    slots = [(Basis.MONITORING_FIRST, qhp[:1]), (Basis.MONITORING_SECOND, qhp[1:2]),
             (Basis.MONITORING_STAFF, staff[:1])]
    for basis, who in slots:
        for cid in who:
            for r in by_basis.get(basis, []):
                minutes = facts.monitoring[cid]
                units = hour_units(minutes)
                if units and r.minutes_fit(minutes):
                    run.add(r, f"{minutes} minutes of monitoring by {cid}", units=units,
                            rendering=cid)
                    break


def _group(run: _Run, facts: _Facts, rules: list[CodeRule]) -> None:
    if run.session.group_id is None or not rules:
        return
    minutes = max(facts.psychotherapy.values(), default=0)
    lead = max(facts.psychotherapy, key=lambda c: facts.psychotherapy[c], default=None)
    r = rules[0]
    if r.min_minutes is not None and minutes < r.min_minutes:
        run.finding(
            "KAP-BILL-002",
            f"group psychotherapy time is {minutes} minutes, below the {r.min_minutes}-minute "
            f"minimum of {r.code}", json_path(run.path, "clinician_times"), r.citation,
        )
        return
    run.add(r, f"group session {run.session.group_id} ({minutes} minutes of group "
            f"psychotherapy)", rendering=lead or _author(run.session))


def _recorded(run: _Run, facts: _Facts, rules: Sequence[CodeRule]) -> None:
    """Conflicts among the lines the session records."""
    s = run.session
    codes = {x.code for x in s.service_lines} | {x.line.code for x in run.lines}
    by_code = {r.code: r for r in rules}
    for k, x in enumerate(s.service_lines):
        p = json_path(run.path, "service_lines", k)
        r = by_code.get(x.code)
        if r is None:
            continue
        if r.basis is Basis.PSYCHOTHERAPY_WITH_EM and not (codes & EM_CODES) and not facts.em:
            run.finding(
                "KAP-BILL-004",
                f"{x.code} is a psychotherapy add-on and needs an E/M service in the same "
                f"session; none is recorded (no E/M line, no E/M time)",
                p, r.citation,
            )
        if r.basis in (Basis.PSYCHOTHERAPY, Basis.PSYCHOTHERAPY_WITH_EM):
            cid = x.rendering_clinician_id
            minutes = facts.psychotherapy.get(cid, 0) if cid else max(
                facts.psychotherapy.values(), default=0)
            if not r.minutes_fit(minutes):
                hi = f"-{r.max_minutes}" if r.max_minutes is not None else " or more"
                run.finding(
                    "KAP-BILL-005",
                    f"{x.code} needs {r.min_minutes}{hi} minutes of psychotherapy; the session "
                    f"records {minutes}", p, r.citation,
                )
    by_name = {r.name: r for r in rules}
    for sl in run.lines:
        r = by_name.get(sl.rule)
        for k, x in enumerate(s.service_lines):
            if r is not None and x.code in r.excludes:
                run.finding(
                    "KAP-BILL-006",
                    f"{x.code} is not billed with {sl.line.code} (rule {r.name!r})",
                    json_path(run.path, "service_lines", k),
                    cite(*r.excludes_references) if r.excludes_references else r.citation,
                )
