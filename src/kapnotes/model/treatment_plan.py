"""The treatment plan of a course (format 1.2): problems, goals with measurable objectives tied
to instruments, planned interventions with their frequency, review dates and signatures.

An :class:`Objective` is a target on an instrument by a date ("PHQ-9 < 10 by 2026-04-01");
:mod:`kapnotes.treatment_plan` computes progress toward it from the course's scores, and a
rule reports a review that is overdue.
"""

from __future__ import annotations

import datetime as dt

from kapnotes.choices import Choice
from kapnotes.errors import Problem
from kapnotes.model._base import field, in_range, model, non_blank, problem, unique_by, valid_id
from kapnotes.model.billing import valid_icd10_list

__all__ = [
    "Comparison",
    "Objective",
    "PlanGoal",
    "PlanSignature",
    "PlanSigner",
    "PlannedIntervention",
    "TreatmentPlan",
]


class Comparison(Choice):
    """How a score is compared with an objective's target."""

    BELOW = "below"
    AT_MOST = "at_most"
    AT_LEAST = "at_least"
    ABOVE = "above"

    @property
    def symbol(self) -> str:
        return {"below": "<", "at_most": "<=", "at_least": ">=", "above": ">"}[self.value]

    def holds(self, score: float, target: float) -> bool:
        return {
            "below": score < target,
            "at_most": score <= target,
            "at_least": score >= target,
            "above": score > target,
        }[self.value]


@model
class Objective:
    """A measurable objective: ``instrument`` ``comparison`` ``target`` by ``by``.

    :ivar instrument: the instrument's registry name or an alias (``phq9``, ``PHQ-9``).
    """

    id: str = field(check=valid_id)
    description: str = field(check=non_blank)
    instrument: str = field(check=non_blank)
    target: float = field(check=in_range(0, 1000))
    by: dt.date
    comparison: Comparison = Comparison.BELOW


@model
class PlanGoal:
    """A goal of the plan and the objectives that measure it."""

    id: str = field(check=valid_id)
    description: str = field(check=non_blank)
    objectives: tuple[Objective, ...] = field(
        default=(), check=unique_by(lambda o: o.id, "objective id")
    )


@model
class PlannedIntervention:
    """An intervention the plan commits to, how often, and by whom."""

    description: str = field(check=non_blank)
    frequency: str = field(check=non_blank)
    clinician_id: str | None = field(default=None, check=valid_id)


class PlanSigner(Choice):
    CLINICIAN = "clinician"
    CLIENT = "client"


@model
class PlanSignature:
    """Agreement to the plan: a clinician (by id) or the client, on a date."""

    signer: PlanSigner
    signed_on: dt.date
    clinician_id: str | None = field(default=None, check=valid_id)

    def _invariants(self) -> list[Problem]:
        if (self.signer is PlanSigner.CLINICIAN) != (self.clinician_id is not None):
            return [problem("clinician_id", "a clinician's signature names the clinician "
                            "(and only a clinician's does)")]
        return []


@model
class TreatmentPlan:
    """The plan of a course.

    :ivar problems: the ICD-10-CM codes (among the course's indications) the plan addresses.
    :ivar next_review_on: when the plan is next reviewed (overdue after it: a finding).
    :ivar reviewed_on: the dates it was reviewed.
    """

    written_on: dt.date
    next_review_on: dt.date
    problems: tuple[str, ...] = field(default=(), check=valid_icd10_list)
    goals: tuple[PlanGoal, ...] = field(default=(), check=unique_by(lambda g: g.id, "goal id"))
    interventions: tuple[PlannedIntervention, ...] = ()
    reviewed_on: tuple[dt.date, ...] = ()
    signatures: tuple[PlanSignature, ...] = ()
    notes: str | None = None

    def _invariants(self) -> list[Problem]:
        out = []
        if self.next_review_on < self.written_on:
            out.append(problem("next_review_on", "the review is due after the plan is written"))
        ids = [o.id for g in self.goals for o in g.objectives]
        if len(ids) != len(set(ids)):
            out.append(problem("goals", "objective ids are unique across the plan"))
        for i, d in enumerate(self.reviewed_on):
            if d < self.written_on:
                out.append(problem(f"reviewed_on[{i}]", "a review is after the plan is written"))
        return out

    @property
    def objectives(self) -> tuple[Objective, ...]:
        return tuple(o for g in self.goals for o in g.objectives)


