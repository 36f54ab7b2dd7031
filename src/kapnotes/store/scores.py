"""Scores of the measures in a document, for the ``total`` and ``band`` columns."""

from __future__ import annotations

from collections.abc import Sequence

from kapnotes.errors import InvalidError, Problem
from kapnotes.model import Document, MeasureAdministration, Session
from kapnotes.registry import Registry, resolve

Score = tuple[float | None, str | None]


def score_document(doc: Document, *, registry: Registry | None = None) -> dict[str, Score]:
    """(total, band) of every measure of a registered instrument, by measure id.

    Scoring validates the responses against the instrument (item count, ranges); every problem
    in the document is raised at once, with its path, before anything is written. ``registry``:
    the instruments (None: the default registry, see :mod:`kapnotes.registry`).
    """
    reg = resolve(registry)
    scores: dict[str, Score] = {}
    problems: list[Problem] = []
    for i, course in enumerate(doc.courses):
        for j, s in enumerate(course.sessions):
            problems += score_session(s, scores, f"$.courses[{i}].sessions[{j}]", registry=reg)
        problems += score_measures(course.measures, scores, f"$.courses[{i}]", registry=reg)
    if problems:
        raise InvalidError(problems)
    return scores


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
) -> list[Problem]:
    """Add (total, band) of each measure (a session's, or a course's at-home ones under
    ``base``) to ``scores``; returns the problems."""
    from kapnotes.instruments.base import ScoringError
    from kapnotes.scoring import resolve_instrument

    instruments = list(resolve(registry).instruments)
    problems: list[Problem] = []
    for k, m in enumerate(measures):
        inst = resolve_instrument(m.instrument, instruments)  # "PHQ-9" scores as phq9
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
