"""Scores of the measures in a document, for the ``total`` and ``band`` columns."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from kapnotes.errors import InvalidError, Problem
from kapnotes.model import Document, MeasureAdministration, Session, TreatmentCourse
from kapnotes.registry import Registry, resolve

if TYPE_CHECKING:
    from kapnotes.instruments.base import Instrument

Score = tuple[float | None, str | None]


def score_document(doc: Document, *, registry: Registry | None = None) -> dict[str, Score]:
    """(total, band) of every measure of a registered instrument, by measure id.

    Scoring validates the responses against the instrument (item count, ranges); every problem
    in the document is raised at once, with its path, before anything is written. ``registry``:
    the instruments (None: the default registry, see :mod:`kapnotes.registry`).
    """
    found = Resolver(registry)
    scores: dict[str, Score] = {}
    problems: list[Problem] = []
    for i, course in enumerate(doc.courses):
        problems += score_course(course, i, scores, found)
    if problems:
        raise InvalidError(problems)
    return scores


def score_course(
    course: TreatmentCourse, index: int, scores: dict[str, Score], resolver: Resolver
) -> list[Problem]:
    """Add (total, band) of the measures of ``course`` (``doc.courses[index]``: its sessions'
    in order, then its at-home ones) to ``scores``; returns the problems, with their paths."""
    problems: list[Problem] = []
    for j, s in enumerate(course.sessions):
        if s.measures:
            problems += score_measures(
                s.measures, scores, f"$.courses[{index}].sessions[{j}]", resolver=resolver
            )
    if course.measures:
        problems += score_measures(course.measures, scores, f"$.courses[{index}]", resolver=resolver)
    return problems


class Resolver:
    """The registered instrument each recorded id names (``PHQ-9`` -> phq9), looked up once
    per id (:func:`kapnotes.scoring.resolve_instrument`); for one document's scoring."""

    def __init__(self, registry: Registry | None) -> None:
        self.instruments = list(resolve(registry).instruments)
        self.by_id: dict[str, Instrument | None] = {}

    def __call__(self, recorded: str) -> Instrument | None:
        try:
            return self.by_id[recorded]
        except KeyError:
            from kapnotes.scoring import resolve_instrument

            inst = self.by_id[recorded] = resolve_instrument(recorded, self.instruments)
            return inst


def score_session(
    s: Session, scores: dict[str, Score], base: str = "$", *, registry: Registry | None = None
) -> list[Problem]:
    """Add (total, band) of each of ``s``'s measures to ``scores``; returns the problems."""
    return score_measures(s.measures, scores, base, registry=registry)


def score_measures(
    measures: Sequence[MeasureAdministration],
    scores: dict[str, Score],
    base: str = "$",
    *,
    registry: Registry | None = None,
    resolver: Resolver | None = None,
) -> list[Problem]:
    """Add (total, band) of each measure (a session's, or a course's at-home ones under
    ``base``) to ``scores``; returns the problems. ``resolver``: instruments already looked up
    (else those of ``registry``)."""
    from kapnotes.instruments.base import ScoringError

    found = resolver if resolver is not None else Resolver(registry)
    problems: list[Problem] = []
    for k, m in enumerate(measures):
        inst = found(m.instrument)  # "PHQ-9" scores as phq9
        if inst is None:
            scores[m.id] = (None, None)
            continue
        try:
            result = inst.score(m.items)
        except ScoringError as exc:
            problems += [p.under(f"{base}.measures[{k}]") for p in exc.problems]
            continue
        scores[m.id] = (result.total, result.band) if result.complete else (None, None)
    return problems
