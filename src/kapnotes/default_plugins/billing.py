"""Built-in plugin: the code-suggestion rules of :mod:`kapnotes.billing.rules`, and the safety
rule ``billing-conflicts`` that reports billing conflicts as findings in ``kapnotes check``.

Registered through the ``register_billing_rules`` and ``register_rules`` hooks exactly like a
payer's plugin (see ``docs/billing.md``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from kapnotes.billing.engine import CODES_OF_FINDINGS
from kapnotes.billing.rules import BUILTIN_CODE_RULES, CodeRule
from kapnotes.hookspecs import hookimpl
from kapnotes.notes.format import NoteFormat
from kapnotes.references import cite
from kapnotes.rules.base import Finding, Rule, RuleContext

#: Findings of the engine that ``kapnotes check`` reports (conflicts in what is recorded);
#: unverified codes and measures that do not score are reported by ``kapnotes bill``.
CHECKED = tuple(c for c in CODES_OF_FINDINGS if c not in ("KAP-BILL-001", "KAP-BILL-009"))


def _conflicts(ctx: RuleContext) -> Iterator[Finding]:
    s = ctx.session
    if not (s.clinician_times or s.service_lines):
        return
    from kapnotes.billing import code_rules
    from kapnotes.billing.engine import suggest

    result = suggest(
        s, rules=code_rules(), course=ctx.course, document=ctx.document,
        config=ctx.config.billing, score=None, path=ctx.path,
    )
    for f in result.findings:
        if f.code in CHECKED:
            yield ctx.finding(f.severity, f.code, f.message, f.path, source=f.source)


CONFLICTS = Rule(
    name="billing-conflicts",
    description="Recorded times and service lines can be billed as recorded (no add-on without "
    "an E/M service, no time code below its minimum, no bundled codes together).",
    check=_conflicts,
    source=cite("ama-cpt-psychotherapy", "ama-cpt-em-add-on"),
    codes=CHECKED,
)


@hookimpl
def register_billing_rules(register: Callable[[CodeRule], None]) -> None:
    """Register the built-in code rules (psychotherapy, add-ons, intake, 96127, esketamine,
    psychedelic monitoring, group psychotherapy)."""
    for rule in BUILTIN_CODE_RULES:
        register(rule)


@hookimpl
def register_rules(register: Callable[[Rule], None]) -> None:
    """Register the billing-conflicts rule."""
    register(CONFLICTS)


@hookimpl
def register_note_formats(register: Callable[[NoteFormat], None]) -> None:
    """Register the superbill format."""
    from kapnotes.billing.superbill import FORMAT

    register(FORMAT)
