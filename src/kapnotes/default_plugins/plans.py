"""Built-in plugin: the ``treatment-plan`` and ``medical-necessity`` note formats and the rule
that reports an overdue treatment-plan review (``KAP-PLAN-001``).

Registered through the public hooks exactly like a clinic's plugin.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from kapnotes.hookspecs import hookimpl
from kapnotes.notes.format import NoteFormat
from kapnotes.references import cite
from kapnotes.rules.base import Finding, Rule, RuleContext, Severity

_REVIEW = cite(
    "kapnotes-default",
    note="the plan states its own next review date; kapnotes reports a session after that date "
    "with no review recorded on or after it (payers and accreditors set their own intervals)",
)


def _overdue(ctx: RuleContext) -> Iterator[Finding]:
    course = ctx.course
    plan = course.treatment_plan if course is not None else None
    if plan is None:
        return
    day = ctx.session.start.date()
    due = plan.next_review_on
    if day > due and not any(due <= d <= day for d in plan.reviewed_on):
        yield ctx.finding(
            CODES["KAP-PLAN-001"][0], "KAP-PLAN-001",
            f"the treatment plan's review was due on {due.isoformat()} and none is recorded "
            f"since: review the plan (treatment_plan.reviewed_on, next_review_on)",
            ctx.at_course("treatment_plan", "next_review_on"),
        )


#: The finding code the rule emits: ``code -> (severity, meaning)``.
CODES: dict[str, tuple[Severity, str]] = {
    "KAP-PLAN-001": (Severity.WARNING, "a session after the treatment plan's review date, with "
                     "no review since"),
}

OVERDUE_REVIEW = Rule(
    name="treatment-plan-review",
    description="The course's treatment plan is reviewed by its next review date.",
    check=_overdue,
    source=_REVIEW,
    codes=("KAP-PLAN-001",),
)


@hookimpl
def register_rules(register: Callable[[Rule], None]) -> None:
    """Register the overdue-review rule."""
    register(OVERDUE_REVIEW)


@hookimpl
def register_note_formats(register: Callable[[NoteFormat], None]) -> None:
    """Register the treatment-plan and medical-necessity formats."""
    from kapnotes.notes.documents import medical_necessity, treatment_plan

    register(treatment_plan.FORMAT)
    register(medical_necessity.FORMAT)
