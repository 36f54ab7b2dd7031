"""The plugin's rules: a complete form before signing, enrolment before the first treatment,
and the submission deadline."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

from kapnotes.model import NoteStatus, SessionKind
from kapnotes.references import cite
from kapnotes.rules.base import Finding, Rule, RuleContext, Severity
from kapnotes_rems.answers import RemsEnrolment
from kapnotes_rems.context import form_for, form_input, is_esketamine, rems_value
from kapnotes_rems.fill import FilledForm, fill, treatment_date
from kapnotes_rems.settings import CONFIG_SECTION, RemsSettings
from kapnotes_rems.submission import submission_of

__all__ = ["rules"]

Today = Callable[[], dt.date]

FORM_SOURCE = cite("spravato-monitoring-form")
ENROLMENT_SOURCE = cite("spravato-rems", "spravato-monitoring-form-overview")


def _settings(ctx: RuleContext) -> RemsSettings:
    settings: RemsSettings = ctx.config.section(CONFIG_SECTION)
    return settings


def _filled(ctx: RuleContext) -> FilledForm | None:
    doc = ctx.document
    inp = form_input(
        ctx.session, ctx.path, config=ctx.config, course=ctx.course, course_path=ctx.course_path,
        clinic=doc.clinic if doc is not None else None,
        clients=doc.clients if doc is not None else (),
        clinicians=doc.clinicians if doc is not None else (),
    )
    form = form_for(inp, _settings(ctx))
    return None if form is None else fill(form, inp)


def _form_complete(ctx: RuleContext) -> Iterator[Finding]:
    if not is_esketamine(ctx.session):
        return
    filled = _filled(ctx)
    if filled is None:
        yield ctx.finding(
            Severity.WARNING, "REMS-PMF-002",
            "No version of the REMS Patient Monitoring Form is in force on this treatment date.",
            ctx.at("dosing", "administered_at"),
        )
        return
    for v in filled.missing:
        how = ("answer it in the REMS fields (extensions.rems)"
               if ".extensions.rems." in v.path else "record it")
        yield ctx.finding(
            Severity.BLOCKING, "REMS-PMF-001",
            f"REMS Patient Monitoring Form (form {filled.form.version}): "
            f"'{v.field.section} - {v.field.label}' is missing; {how}"
            + (f" ({v.detail})" if v.detail else "") + ".",
            v.path,
        )


def _enrolment(ctx: RuleContext) -> Iterator[Finding]:
    if not is_esketamine(ctx.session) or ctx.course is None:
        return
    enrolment = rems_value(ctx.course, RemsEnrolment)
    enrolled = enrolment.enrolled_on if isinstance(enrolment, RemsEnrolment) else None
    path = ctx.at_course("extensions", "rems", "enrolled_on")
    day = treatment_date(form_input(ctx.session, ctx.path, config=ctx.config,
                                    clinic=ctx.document.clinic if ctx.document else None))
    if enrolled is None:
        yield ctx.finding(
            Severity.BLOCKING, "REMS-ENROL-001",
            "The patient's SPRAVATO REMS enrolment is not recorded: the Patient Enrollment "
            "Form is submitted before the first treatment.", path,
        )
    elif enrolled > day:
        yield ctx.finding(
            Severity.BLOCKING, "REMS-ENROL-002",
            f"REMS enrolment on {enrolled.isoformat()} is after this treatment "
            f"({day.isoformat()}): patients are enrolled before treatment.", path,
        )


def _deadline(today: Today) -> Callable[[RuleContext], Iterator[Finding]]:
    def check(ctx: RuleContext) -> Iterator[Finding]:
        s = ctx.session
        if not is_esketamine(s) or s.status is NoteStatus.DRAFT:
            return  # drafts: the form-completeness rule comes first
        if submission_of(s) is not None:
            return
        filled = _filled(ctx)
        if filled is None:
            return
        now, due = today(), filled.due_on
        warn = _settings(ctx).warn_days_before_due
        where = ctx.at("addenda")
        if now > due:
            yield ctx.finding(
                Severity.WARNING, "REMS-PMF-004",
                f"The REMS Patient Monitoring Form was due by {due.isoformat()} "
                f"({(now - due).days} day(s) ago) and no submission is recorded "
                "(kapnotes rems mark-submitted).", where,
            )
        elif (due - now).days <= warn:
            yield ctx.finding(
                Severity.WARNING, "REMS-PMF-003",
                f"The REMS Patient Monitoring Form is due by {due.isoformat()} "
                f"({(due - now).days} day(s) left); no submission is recorded yet.", where,
                source=FORM_SOURCE + "; " + ctx.config.section_source(CONFIG_SECTION, "warn_days_before_due"),
            )

    return check


def rules(today: Today) -> tuple[Rule, ...]:
    """The plugin's rules; ``today`` is the clock the deadline rule reads (plugin state)."""
    dosing = {SessionKind.DOSING}
    return (
        Rule(
            name="rems-monitoring-form",
            description="An esketamine session's REMS Patient Monitoring Form is complete "
            "before the note is signed.",
            check=_form_complete, applies_to=dosing, source=FORM_SOURCE,
            codes=("REMS-PMF-001", "REMS-PMF-002"),
        ),
        Rule(
            name="rems-patient-enrolment",
            description="The patient is enrolled in the SPRAVATO REMS before the first "
            "esketamine treatment.",
            check=_enrolment, applies_to=dosing, source=ENROLMENT_SOURCE,
            codes=("REMS-ENROL-001", "REMS-ENROL-002"),
        ),
        Rule(
            name="rems-submission-deadline",
            description="A signed esketamine session's form is submitted within 7 days.",
            check=_deadline(today), applies_to=dosing, source=FORM_SOURCE,
            codes=("REMS-PMF-003", "REMS-PMF-004"),
        ),
    )
