"""What a safety rule is, what it reports, and what it sees.

A :class:`Rule` is a named, single-purpose check: ``check(ctx)`` looks at one session (with its
course and the clinic's :class:`~kapnotes.rules.config.ClinicConfig`) and yields
:class:`Finding` objects. A finding has a severity (``blocking`` findings stop signing), a stable
code (``KAP-RISK-002``), a message, the exact JSON path of the field it is about (so an EHR can
point at it: ``$.courses[1].sessions[6].measures[0].items[8]``), the session, the rule, and the
source of the threshold or requirement it applies.

Rules are registered by plugins through the ``register_rules`` hook (the built-in ones by
:mod:`kapnotes.default_plugins.rules`) and run by :func:`kapnotes.rules.engine.evaluate`.

A minimal third-party rule::

    from kapnotes import hookimpl
    from kapnotes.model import SessionKind
    from kapnotes.rules.base import Rule, Severity

    def _intention(ctx):
        if not ctx.session.intention:
            yield ctx.finding(Severity.WARNING, "CLINIC-INTENT-001",
                              "no intention recorded for the dosing session", ctx.at("intention"))

    @hookimpl
    def register_rules(register):
        register(Rule(name="clinic-intention", description="Dosing sessions record an intention.",
                      check=_intention, applies_to={SessionKind.DOSING},
                      source="Clinic SOP 3.1"))
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

import attrs

from kapnotes.choices import Choice
from kapnotes.model.session import Session, SessionKind
from kapnotes.registry import Registry, resolve

if TYPE_CHECKING:  # pragma: no cover - imports for annotations only
    from kapnotes.instruments.base import Instrument, ScoreResult
    from kapnotes.model.course import TreatmentCourse
    from kapnotes.model.document import Document
    from kapnotes.model.measures import MeasureAdministration
    from kapnotes.rules.config import ClinicConfig

__all__ = ["CODE_RE", "CourseContext", "Finding", "Rule", "RuleContext", "Severity", "json_path"]

#: Finding codes: upper-case words joined by hyphens, e.g. ``KAP-RISK-002``, ``CLINIC-INTENT-1``.
CODE_RE = re.compile(r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$")


class Severity(Choice):
    """How much a finding matters. ``blocking`` findings stop the note from being signed."""

    INFO = "info"
    WARNING = "warning"
    BLOCKING = "blocking"

    @property
    def rank(self) -> int:
        """0 for info, 1 for warning, 2 for blocking (for sorting and thresholds)."""
        return _RANKS[self]

    @property
    def label(self) -> str:
        return self.value.capitalize()


_RANKS = {Severity.INFO: 0, Severity.WARNING: 1, Severity.BLOCKING: 2}


def _check_code(_inst: object, _attr: object, value: str) -> None:
    if not isinstance(value, str) or not CODE_RE.match(value):
        raise ValueError(
            f"finding code {value!r} must be upper-case words joined by hyphens, e.g. KAP-RISK-002"
        )


def _check_path(_inst: object, _attr: object, value: str) -> None:
    if not isinstance(value, str) or not value.startswith("$"):
        raise ValueError(f"finding path {value!r} must be a JSON path starting with '$'")


def _check_text(_inst: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"finding {attribute.name} must be a non-empty string")


@attrs.frozen
class Finding:
    """One thing a rule found about a session.

    :ivar severity: :class:`Severity`; ``blocking`` stops signing.
    :ivar code: stable code, e.g. ``KAP-RISK-002`` (codes never change meaning).
    :ivar message: what is wrong and what to do, in one or two sentences.
    :ivar path: JSON path into the document of the field the finding is about, e.g.
        ``$.courses[0].sessions[4].measures[0].items[8]``.
    :ivar session_id: the session's id; None for a finding about a course's at-home measures
        that no session has followed yet (then ``course_id`` names the course).
    :ivar rule: the name of the rule that produced it.
    :ivar source: where the threshold or requirement comes from (a citation, or the clinic's
        configuration when the clinic changed the default).
    :ivar course_id: the course of a finding made on the course (``Rule.check_course``).
    """

    severity: Severity = attrs.field(converter=Severity)
    code: str = attrs.field(validator=_check_code)
    message: str = attrs.field(validator=_check_text)
    path: str = attrs.field(validator=_check_path)
    session_id: str | None
    rule: str
    source: str = ""
    course_id: str | None = None

    @property
    def blocking(self) -> bool:
        """Whether this finding stops signing."""
        return self.severity is Severity.BLOCKING

    def as_dict(self) -> dict[str, str | None]:
        """Plain JSON-ready data (``severity`` as its value: ``"blocking"``; ``course_id`` only
        for a finding made on a course)."""
        out: dict[str, str | None] = {
            "severity": self.severity.value,
            "code": self.code,
            "message": self.message,
            "path": self.path,
            "session_id": self.session_id,
            "rule": self.rule,
            "source": self.source,
        }
        if self.course_id is not None:
            out["course_id"] = self.course_id
        return out

    @property
    def subject(self) -> str:
        """What the finding is about: the session's id, or ``course <id>``."""
        return self.session_id if self.session_id is not None else f"course {self.course_id}"

    def __str__(self) -> str:
        return f"{self.severity.value.upper()} {self.code} {self.subject} {self.path}: {self.message}"


def _kinds(value: Iterable[SessionKind | str] | None) -> frozenset[SessionKind] | None:
    if value is None:
        return None
    if isinstance(value, (str, SessionKind)):
        value = (value,)
    return frozenset(SessionKind(v) for v in value)


def _codes(value: Iterable[str]) -> tuple[str, ...]:
    codes = (value,) if isinstance(value, str) else tuple(value)
    for code in codes:
        _check_code(None, None, code)
    return codes


#: ``check(ctx) -> findings``; a generator function is the usual form.
CheckFn = Callable[["RuleContext"], Iterable[Finding]]
#: ``check_course(ctx) -> findings`` about a course's at-home measures no session has followed.
CourseCheckFn = Callable[["CourseContext"], Iterable[Finding]]


@attrs.frozen
class Rule:
    """A named, single-purpose safety or documentation check.

    :ivar name: registry name (lower-case letters, digits, ``.``, ``_``, ``-``), unique across
        plugins, e.g. ``suicide-risk-safety-plan``.
    :ivar description: one line: what the rule requires.
    :ivar check: ``check(ctx)`` yields the :class:`Finding` objects for ``ctx.session``.
    :ivar applies_to: the session kinds the rule runs on; None for every kind.
    :ivar source: where the requirement comes from (findings default to it).
    :ivar codes: the finding codes the rule can produce (documentation and listings).
    :ivar check_course: ``check_course(ctx)`` yields findings about the at-home measures of a
        course (format 1.3) that no session has followed yet (``ctx`` a :class:`CourseContext`);
        None when the rule has nothing to say about them. At-home measures that a session
        follows are seen by ``check`` itself, through :meth:`RuleContext.all_measures`.
    """

    name: str
    description: str
    check: CheckFn = attrs.field(eq=False, repr=False)
    applies_to: frozenset[SessionKind] | None = attrs.field(default=None, converter=_kinds)
    source: str = ""
    codes: tuple[str, ...] = attrs.field(default=(), converter=_codes)
    check_course: CourseCheckFn | None = attrs.field(default=None, eq=False, repr=False)

    def applies(self, session: Session) -> bool:
        """Whether the rule runs on ``session`` (by its kind)."""
        return self.applies_to is None or session.kind in self.applies_to


def json_path(prefix: str, *parts: str | int) -> str:
    """``json_path("$.courses[1]", "sessions", 4, "risk")`` -> ``$.courses[1].sessions[4].risk``.

    Strings are keys (``.name``), integers are array indices (``[i]``).
    """
    out = prefix
    for p in parts:
        if isinstance(p, bool) or not isinstance(p, (int, str)):
            raise TypeError(f"JSON path parts are str keys or int indices, got {p!r}")
        out += f"[{p}]" if isinstance(p, int) else f".{p}"
    return out


@attrs.frozen
class RuleContext:
    """What a rule sees: one session, its course and document, the clinic configuration.

    :ivar session: the session being checked.
    :ivar config: the clinic's thresholds (rules never hard-code a threshold).
    :ivar rule: the rule being run (findings made with :meth:`finding` name it).
    :ivar path: JSON path of the session, ``$.courses[1].sessions[4]``; ``$`` when the session
        is checked on its own.
    :ivar course: the session's course, None when the session is checked without one.
    :ivar course_path: JSON path of the course, ``$.courses[1]`` (None without a course).
    :ivar document: the whole document, when there is one.
    :ivar registry: the plugin registry the helpers read (None: the default registry, see
        :mod:`kapnotes.registry`).
    :ivar instruments: the registered instruments by name (default: the registry's), read by
        :meth:`instrument` and :meth:`score`.
    :ivar home: ``(index in course.measures, measure)`` of the at-home measures this session
        answers for (format 1.3; see :meth:`TreatmentCourse.home_measures_for`).
    """

    session: Session
    config: ClinicConfig
    rule: Rule
    path: str = "$"
    course: TreatmentCourse | None = None
    course_path: str | None = None
    document: Document | None = None
    registry: Registry | None = attrs.field(default=None, eq=False, repr=False)
    _scores: dict[str, Any] = attrs.field(factory=dict, eq=False, repr=False, alias="scores")
    _instruments: Mapping[str, Instrument] | None = attrs.field(
        default=None, eq=False, repr=False, alias="instruments"
    )
    _names: dict[str, str] = attrs.field(factory=dict, eq=False, repr=False, alias="names")
    home: tuple[tuple[int, MeasureAdministration], ...] = ()

    # --- paths -------------------------------------------------------------------------------

    def at(self, *parts: str | int) -> str:
        """A path under the session: ``ctx.at("dosing", "monitoring", 3, "systolic")``."""
        return json_path(self.path, *parts)

    def all_measures(self) -> list[tuple[str, MeasureAdministration]]:
        """``(path, measure)`` of the session's measures, then of the at-home measures it
        answers for (their paths under the course: ``$.courses[0].measures[2]``). A rule on
        measures reads these to treat an at-home answer as it treats a session's;
        ``measure.at_home`` tells them apart."""
        out = [(self.at("measures", k), m) for k, m in enumerate(self.session.measures)]
        if self.course_path is not None:
            out += [(self.at_course("measures", k), m) for k, m in self.home]
        return out

    def at_course(self, *parts: str | int) -> str:
        """A path under the course: ``ctx.at_course("consents", 0, "withdrawn_on")``."""
        if self.course_path is None:
            raise ValueError("this session is checked without its course")
        return json_path(self.course_path, *parts)

    # --- findings ----------------------------------------------------------------------------

    def finding(
        self,
        severity: Severity | str,
        code: str,
        message: str,
        path: str,
        *,
        source: str | None = None,
    ) -> Finding:
        """A finding about this session by this rule (``source`` defaults to the rule's)."""
        return Finding(
            severity=Severity(severity),
            code=code,
            message=message,
            path=path,
            session_id=self.session.id,
            rule=self.rule.name,
            source=self.rule.source if source is None else source,
        )

    # --- scoring helpers ---------------------------------------------------------------------

    def instrument_name(self, measure: MeasureAdministration) -> str:
        """The registry name of the measure's instrument (``PHQ-9`` -> ``phq9``)."""
        from kapnotes.scoring import canonical_name

        recorded = measure.instrument
        if recorded not in self._names:  # shared by the rules of one evaluation
            self._names[recorded] = canonical_name(recorded, self.instruments().values())
        return self._names[recorded]

    def instruments(self) -> Mapping[str, Instrument]:
        """Every registered instrument by name (the ``instruments`` given, else the plugin
        registry's)."""
        if self._instruments is None:
            return {i.name: i for i in resolve(self.registry).instruments}
        return self._instruments

    def instrument(self, measure: MeasureAdministration) -> Instrument | None:
        """The registered instrument of a measure (by name or alias), or None."""
        return self.instruments().get(self.instrument_name(measure))

    def measures(self, instrument: str) -> list[tuple[int, MeasureAdministration]]:
        """``(index, measure)`` for each of the session's measures of ``instrument``."""
        return [
            (k, m) for k, m in enumerate(self.session.measures) if self.instrument_name(m) == instrument
        ]

    def score(self, measure: MeasureAdministration) -> ScoreResult | None:
        """The measure scored by its registered instrument; None when no plugin provides it.

        Results are shared by every rule run on the same evaluation.

        :raises kapnotes.scoring.ScoringError: the responses do not fit the instrument.
        """
        inst = self.instrument(measure)
        if inst is None:
            return None
        key = f"{self.session.id}\x00{measure.id}\x00{inst.name}"
        if key not in self._scores:
            self._scores[key] = inst.score(measure.items)
        result: ScoreResult = self._scores[key]
        return result


@attrs.frozen
class CourseContext:
    """What ``Rule.check_course`` sees: a course and its at-home measures that no session has
    followed yet (``measures``, ``(index in course.measures, measure)``).

    :ivar path: JSON path of the course, ``$.courses[1]``; ``$`` when checked on its own.
    """

    course: TreatmentCourse
    config: ClinicConfig
    rule: Rule
    measures: tuple[tuple[int, MeasureAdministration], ...]
    path: str = "$"
    document: Document | None = None
    registry: Registry | None = attrs.field(default=None, eq=False, repr=False)
    _instruments: Mapping[str, Instrument] | None = attrs.field(
        default=None, eq=False, repr=False, alias="instruments"
    )

    def at(self, index: int, *parts: str | int) -> str:
        """The path of at-home measure ``index`` (or inside it): ``$.courses[1].measures[2].items[8]``."""
        return json_path(self.path, "measures", index, *parts)

    def finding(
        self, severity: Severity | str, code: str, message: str, path: str, *, source: str | None = None
    ) -> Finding:
        """A finding about this course by this rule (no session; ``course_id`` set)."""
        return Finding(
            severity=Severity(severity), code=code, message=message, path=path, session_id=None,
            rule=self.rule.name, source=self.rule.source if source is None else source,
            course_id=self.course.id,
        )

    def instruments(self) -> Mapping[str, Instrument]:
        """Every registered instrument by name."""
        if self._instruments is None:
            return {i.name: i for i in resolve(self.registry).instruments}
        return self._instruments

    def instrument_name(self, measure: MeasureAdministration) -> str:
        """The registry name of the measure's instrument (``PHQ-9`` -> ``phq9``)."""
        from kapnotes.scoring import canonical_name

        return canonical_name(measure.instrument, self.instruments().values())

    def instrument(self, measure: MeasureAdministration) -> Instrument | None:
        """The registered instrument of a measure (by name or alias), or None."""
        return self.instruments().get(self.instrument_name(measure))

    def score(self, measure: MeasureAdministration) -> ScoreResult | None:
        """The measure scored by its registered instrument; None when no plugin provides it.

        :raises kapnotes.scoring.ScoringError: the responses do not fit the instrument.
        """
        inst = self.instrument(measure)
        return None if inst is None else inst.score(measure.items)


def item_value(measure: MeasureAdministration, number: int) -> int | None:
    """The answer to item ``number`` (1-based); None when missing or not recorded at all."""
    if not 1 <= number <= len(measure.items):
        return None
    return measure.items[number - 1]

