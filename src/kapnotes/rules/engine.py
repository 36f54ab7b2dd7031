"""Run every registered rule over a document (or one session) and collect the findings.

>>> from kapnotes.rules.engine import evaluate, blocking     # doctest: +SKIP
>>> findings = evaluate(doc)                                 # doctest: +SKIP
>>> [str(f) for f in blocking(findings)]                     # doctest: +SKIP
['BLOCKING KAP-RISK-002 cl-002-dose-03 $.courses[1].sessions[6].measures[0].items[8]: ...']

A rule that raises does not stop the check: it becomes a ``blocking`` finding with code
``KAP-RULE-ERROR`` naming the rule (a note must not be signed on a check that did not run).
``KAPNOTES_STRICT_PLUGINS=1`` re-raises instead, for plugin authors and CI.

The rules run, and the instruments they score with, come from ``registry=`` (None: the
default registry, see :mod:`kapnotes.registry`).

Order is stable: sessions in document order (courses as stored, sessions in time order), then
within a session blocking before warning before info, then by code, then by path (indices
compared as numbers), then by rule name. After a course's sessions come the findings about its
at-home measures that no session has followed yet (format 1.3, :func:`check_course`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from kapnotes.errors import NotFoundError, strict_plugins
from kapnotes.model.course import TreatmentCourse
from kapnotes.model.document import Document
from kapnotes.model.session import Session
from kapnotes.registry import Registry, resolve
from kapnotes.rules.base import CourseContext, Finding, Rule, RuleContext, Severity, json_path
from kapnotes.rules.config import ClinicConfig

__all__ = ["RULE_ERROR", "blocking", "check_course", "check_session", "evaluate", "rules"]

#: The code of the finding reported for a rule that raised.
RULE_ERROR = "KAP-RULE-ERROR"


def rules(*, registry: Registry | None = None) -> list[tuple[str, Rule]]:
    """``(plugin name, rule)`` for every registered rule, sorted by rule name."""
    return [(e.plugin, e.value) for e in resolve(registry).rules.entries()]


def evaluate(
    document: Document,
    config: ClinicConfig | None = None,
    *,
    session_ids: Iterable[str] | None = None,
    registry: Registry | None = None,
) -> list[Finding]:
    """Every finding of every registered rule on every session of ``document``.

    :param document: the record to check.
    :param config: the clinic's thresholds; :meth:`ClinicConfig.default` when None.
    :param session_ids: check only these sessions (ids are unique within a document).
    :param registry: the rules and instruments (None: the default registry).
    :returns: the findings, in the stable order described in the module docstring.
    :raises kapnotes.errors.NotFoundError: a session id that is not in the document.
    """
    cfg = config if config is not None else ClinicConfig.default()
    wanted = None if session_ids is None else list(dict.fromkeys(session_ids))
    if wanted is not None:
        known = {s.id for _c, s in document.iter_sessions()}
        unknown = [sid for sid in wanted if sid not in known]
        if unknown:
            raise NotFoundError(f"no session {', '.join(map(repr, unknown))} in the document")
    reg = resolve(registry)
    registered = rules(registry=reg)
    scores: dict[str, Any] = {}
    shared = _shared(reg)
    out: list[Finding] = []
    for i, course in enumerate(document.courses):
        course_path = json_path("$", "courses", i)
        for j, session in enumerate(course.sessions):
            if wanted is not None and session.id not in wanted:
                continue
            out += _run(
                registered, session, cfg,
                path=json_path(course_path, "sessions", j),
                course=course, course_path=course_path, document=document, scores=scores,
                registry=reg,
                **shared,
            )
        if wanted is None:
            out += _run_course(registered, course, cfg, path=course_path, document=document,
                               registry=reg, instruments=shared["instruments"])
    return out


def check_course(
    course: TreatmentCourse,
    config: ClinicConfig | None = None,
    *,
    document: Document | None = None,
    registry: Registry | None = None,
) -> list[Finding]:
    """The findings about a course's at-home measures (format 1.3) that no session has followed
    yet: every registered rule's ``check_course``. Paths are under the course's place in
    ``document`` (``$.courses[1].measures[0]``), else under the course (``$.measures[0]``).
    At-home measures that a session follows are checked with that session
    (:func:`check_session`, :func:`evaluate`)."""
    reg = resolve(registry)
    cfg = config if config is not None else ClinicConfig.default()
    i = None
    if document is not None:
        i = next((k for k, c in enumerate(document.courses) if c.id == course.id), None)
    path = "$" if i is None else json_path("$", "courses", i)
    return _run_course(rules(registry=reg), course, cfg, path=path, document=document,
                       registry=reg, instruments=_shared(reg)["instruments"])


def check_session(
    session: Session,
    config: ClinicConfig | None = None,
    *,
    course: TreatmentCourse | None = None,
    document: Document | None = None,
    registry: Registry | None = None,
) -> list[Finding]:
    """The findings for one session, e.g. at the signing gate.

    Paths are rooted where the session sits: under its document when ``document`` holds it
    (``$.courses[1].sessions[6]...``), under its course otherwise (``$.sessions[6]...``), or at
    the session itself (``$.dosing...``) when it comes alone. Without a course, rules that need
    the course (consents) cannot check and report nothing. ``registry``: the rules and
    instruments (None: the default registry).
    """
    reg = resolve(registry)
    cfg = config if config is not None else ClinicConfig.default()
    path, course_path = "$", None
    if document is not None and course is None:
        course = next(
            (c for c in document.courses if any(s.id == session.id for s in c.sessions)), None
        )
    if course is not None:
        j = next((k for k, s in enumerate(course.sessions) if s.id == session.id), None)
        i = (
            next((k for k, c in enumerate(document.courses) if c.id == course.id), None)
            if document is not None
            else None
        )
        course_path = "$" if i is None else json_path("$", "courses", i)
        if j is not None:
            path = json_path(course_path, "sessions", j)
    return _run(
        rules(registry=reg), session, cfg, path=path, course=course, course_path=course_path,
        document=document, scores={}, registry=reg, **_shared(reg),
    )


def _shared(reg: Registry) -> dict[str, Any]:
    """What every rule of one evaluation shares: the registered instruments (read once) and the
    resolution of the instrument ids the record uses."""
    return {"instruments": {i.name: i for i in reg.instruments}, "names": {}}


def blocking(findings: Iterable[Finding]) -> list[Finding]:
    """The findings that stop signing (severity ``blocking``), in their order."""
    return [f for f in findings if f.severity is Severity.BLOCKING]


# --- running ---------------------------------------------------------------------------------


def _run(
    registered: list[tuple[str, Rule]],
    session: Session,
    config: ClinicConfig,
    *,
    path: str,
    course: TreatmentCourse | None,
    course_path: str | None,
    document: Document | None,
    scores: dict[str, Any],
    registry: Registry,
    instruments: Mapping[str, Any] | None = None,
    names: dict[str, str] | None = None,
) -> list[Finding]:
    """Every applicable rule on one session; findings sorted within the session."""
    found: list[Finding] = []
    home = _home_of(course, session) if course_path is not None else ()
    for plugin, rule in registered:
        if not rule.applies(session):
            continue
        ctx = RuleContext(
            session=session, config=config, rule=rule, path=path, course=course,
            course_path=course_path, document=document, scores=scores, registry=registry,
            instruments=instruments, names=names if names is not None else {}, home=home,
        )
        try:
            results = _findings(rule.check(ctx))
        except Exception as exc:
            if strict_plugins():
                raise
            found.append(_rule_error(rule, plugin, session, path, exc))
            continue
        found += results
    return sorted(found, key=_order)


def _findings(produced: Iterable[Any]) -> list[Finding]:
    """What a rule's check produced, every item checked to be a :class:`Finding`."""
    results = list(produced)
    for f in results:
        if not isinstance(f, Finding):
            raise TypeError(f"rule returned {f!r}; expected kapnotes.rules.base.Finding")
    return results


def _home_of(course: TreatmentCourse | None, session: Session) -> tuple[Any, ...]:
    """The at-home measures ``session`` answers for (none when it is not in ``course``)."""
    if course is None or not course.measures:
        return ()
    try:
        return course.home_measures_for(session.id)
    except KeyError:
        return ()


def _run_course(
    registered: list[tuple[str, Rule]],
    course: TreatmentCourse,
    config: ClinicConfig,
    *,
    path: str,
    document: Document | None,
    registry: Registry,
    instruments: Mapping[str, Any],
) -> list[Finding]:
    """Every rule's ``check_course`` on the course's pending at-home measures, sorted."""
    pending = course.pending_home_measures()
    if not pending:
        return []
    found: list[Finding] = []
    for plugin, rule in registered:
        if rule.check_course is None:
            continue
        ctx = CourseContext(course=course, config=config, rule=rule, measures=pending, path=path,
                            document=document, registry=registry, instruments=instruments)
        try:
            results = _findings(rule.check_course(ctx))
        except Exception as exc:
            if strict_plugins():
                raise
            found.append(Finding(
                severity=Severity.BLOCKING, code=RULE_ERROR,
                message=(f"Rule {rule.name!r} (plugin {plugin!r}) failed on the at-home measures "
                         f"of course {course.id!r}: {type(exc).__name__}: {exc}."),
                path=path, session_id=None, rule=rule.name, source=f"plugin {plugin!r}",
                course_id=course.id,
            ))
            continue
        found += results
    return sorted(found, key=_order)


def _rule_error(rule: Rule, plugin: str, session: Session, path: str, exc: Exception) -> Finding:
    return Finding(
        severity=Severity.BLOCKING,
        code=RULE_ERROR,
        message=(
            f"Rule {rule.name!r} (plugin {plugin!r}) failed on this session and could not check "
            f"it: {type(exc).__name__}: {exc}. Fix or remove the rule before signing."
        ),
        path=path,
        session_id=session.id,
        rule=rule.name,
        source=f"plugin {plugin!r}",
    )


_INDEX = re.compile(r"\[(\d+)\]")


def _path_key(path: str) -> tuple[tuple[int, str | int], ...]:
    """``$.a[10].b`` sorts after ``$.a[9].b``: indices compare as numbers."""
    parts: list[tuple[int, str | int]] = []
    pos = 0
    for m in _INDEX.finditer(path):
        parts += [(0, path[pos:m.start()]), (1, int(m.group(1)))]
        pos = m.end()
    parts.append((0, path[pos:]))
    return tuple(parts)


def _order(f: Finding) -> tuple[Any, ...]:
    return (-f.severity.rank, f.code, _path_key(f.path), f.rule)
