"""Progress toward a treatment plan's objectives, computed from the course's scores.

For each :class:`~kapnotes.model.Objective` ("PHQ-9 < 10 by 2026-04-01") the course's complete
scores of its instrument up to ``as_of`` are read (:func:`kapnotes.outcomes.score_points`):

* ``met`` - the latest score meets the target;
* ``in progress`` - it does not yet, and the target date has not passed;
* ``not met`` - it does not, and the target date has passed;
* ``no scores`` - the instrument was not scored in the course.

``as_of`` defaults to the date of the course's last session, so the same record always gives
the same progress. At-home scores (format 1.3) count, as follow-ups: the baseline shown is the
first session score (the first at-home one only when there is none), the latest may be at home.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, Literal

import attrs

from kapnotes.model.course import TreatmentCourse
from kapnotes.model.treatment_plan import Objective

__all__ = ["ObjectiveProgress", "objective_text", "plan_progress"]

Status = Literal["met", "in progress", "not met", "no scores"]


@attrs.frozen
class ObjectiveProgress:
    """Where one objective stands on ``as_of``."""

    objective: Objective
    goal_id: str
    title: str
    status: Status
    as_of: dt.date
    baseline: float | None = None
    baseline_on: dt.date | None = None
    latest: float | None = None
    latest_on: dt.date | None = None
    scores: int = 0

    @property
    def summary(self) -> str:
        o = self.objective
        if self.latest is None:
            return f"{self.title}: no complete score in the course ({self.status})"
        base = (f"from {_n(self.baseline)} on {self.baseline_on}" if self.baseline is not None
                and self.baseline_on != self.latest_on else "")
        return (f"{self.title} {_n(self.latest)} on {self.latest_on} {base}".rstrip()
                + f"; target {o.comparison.symbol} {_n(o.target)} by {o.by}: {self.status}")


def _n(x: float | None) -> str:
    return "" if x is None else f"{x:g}"


def objective_text(o: Objective, title: str | None = None) -> str:
    """``PHQ-9 < 10 by 2026-04-01``."""
    return f"{title or o.instrument} {o.comparison.symbol} {_n(o.target)} by {o.by.isoformat()}"


Lookup = Callable[[str], Any]


def _default_lookup(name: str) -> Any:
    from kapnotes.scoring import get_instrument

    return get_instrument(name)


def plan_progress(
    course: TreatmentCourse, *, as_of: dt.date | None = None, lookup: Lookup = _default_lookup
) -> tuple[ObjectiveProgress, ...]:
    """Progress toward every objective of the course's plan (empty without a plan).

    :param lookup: finds an instrument by name or alias (default: the plugin registry).
    :raises kapnotes.errors.UnknownNameError: an objective names an unknown instrument.
    """
    from kapnotes.outcomes import score_points

    plan = course.treatment_plan
    if plan is None:
        return ()
    if as_of is None:
        as_of = course.sessions[-1].start.date() if course.sessions else plan.written_on
    out = []
    for goal in plan.goals:
        for o in goal.objectives:
            inst = lookup(o.instrument)
            points = [p for p in score_points(course, inst)
                      if p.total is not None and p.administered_at.date() <= as_of]
            if not points:
                out.append(ObjectiveProgress(o, goal.id, inst.title, "no scores", as_of))
                continue
            # the baseline is a session's score where there is one (at-home scores are
            # follow-ups, as in kapnotes.outcomes); the latest may be an at-home score
            first = next((p for p in points if not p.at_home), points[0])
            last = points[-1]
            met = o.comparison.holds(float(last.total), o.target)  # type: ignore[arg-type]
            status: Status = "met" if met else ("not met" if as_of > o.by else "in progress")
            out.append(ObjectiveProgress(
                o, goal.id, inst.title, status, as_of,
                baseline=float(first.total), baseline_on=first.administered_at.date(),  # type: ignore[arg-type]
                latest=float(last.total), latest_on=last.administered_at.date(),  # type: ignore[arg-type]
                scores=len(points),
            ))
    return tuple(out)
