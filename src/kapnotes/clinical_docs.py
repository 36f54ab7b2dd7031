"""``docs/clinical.md``, generated from the instruments and the rules themselves.

The page lists every built-in instrument (items, bands, critical items, LOINC codes, missing-item
policy, each with its source) and every built-in safety rule (its codes, severity, the clinic
configuration values it reads with their defaults and sources). It is written by
``python -m kapnotes.clinical_docs > docs/clinical.md``; a test fails when the page is stale.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable

from kapnotes.instruments.base import Instrument

__all__ = ["instrument_section", "markdown"]

_HEAD = """# Clinical content: instruments, cut-offs, rules and their sources

Every cut-off, code and scoring rule below is in the code with its source
(`src/kapnotes/instruments/catalog/`, `src/kapnotes/rules/`); this page is generated from the
code (`python -m kapnotes.clinical_docs > docs/clinical.md`) and a test keeps it in step.
Sources cite the references registry as `[ref:<key>]`: see [sources.md](sources.md).
Item *wording* is reproduced only for instruments free to reproduce (PHQ-9, GAD-7); the others
carry item numbers and neutral domain labels only.

Scoring: `kapnotes.score(instrument, responses)` or `kapnotes score PHQ9 1 2 0 ...`. A wrong item
count or an out-of-range answer is refused with the item and the allowed range; all problems at
once. Missing items are `None` (`-` on the command line) and follow each instrument's stated
policy below.
"""

_OUTCOMES = """## Reliable change, response and remission

Outcomes over a course (baseline, change, response, remission, reliable change index after
Jacobson & Truax 1991 [ref:jacobson-1991]) are computed in `kapnotes.outcomes`, each threshold a
named parameter with its source.

**At-home scores** (a course's measures with context `home`, format 1.3) are points of the
trajectory in time order, marked as home, and count as follow-ups (latest score, response,
remission, time to response). They are not a baseline unless the clinic chooses
`OutcomeParams(home_baseline=True)`: the baseline rules pick the *last* score before the first
dose, so frequent portal scores would move the baseline to whichever answer came last, taken
where no one could see who answered or query an unclear answer (a design choice of kapnotes,
not a published rule; see `kapnotes.outcomes`, "At-home scores").

**Safety rules on at-home answers.** An at-home measure is checked with the session that
follows it (the first session starting at or after it): a positive suicide item (each
instrument's `suicide` critical items, at the same thresholds) gives that session
`KAP-RISK-001`/`-002` exactly as a session's answer would, its message marked "answered at home
on DATE, with no clinician present", and an unanswered one `KAP-RISK-005`. An at-home answer
that no session has followed yet is reported on the course by `kapnotes check`: `KAP-RISK-006`
(blocking: contact the client now) for a positive suicide item, `KAP-RISK-005` for an
unanswered one (paths `$.courses[i].measures[k].items[n]`).
"""


def _precondition(baseline_at_least: float | None) -> str:
    return "" if baseline_at_least is None else f", judged when the baseline is ≥ {baseline_at_least}"


def instrument_section(i: Instrument) -> str:
    """One instrument's section of the page."""
    lines = [f"## {i.title} (`{i.name}`)", "", f"- Source: {i.source}"]
    if i.total_range is not None:
        lo, hi = i.total_range
        lines.append(f"- Items: {len(i.items)}; total {lo}–{hi}")
    else:
        lines.append(f"- Items: {len(i.items)}")
    if i.bands:
        bands = "; ".join(f"{b.low}–{b.high} {b.label}" for b in i.bands)
        lines.append(f"- Bands: {bands} (source: {i.bands[0].source})")
    for c in i.critical_items:
        kind = f", kind {c.kind}" if c.kind else ""
        lines.append(f"- Critical item {c.item}: answer {c.condition}{kind}: {c.reason} "
                     f"(source: {c.source})")
    if i.is_outcome_measure and i.direction is not None:
        lines.append(f"- Outcome measure: a lower total is better (source: {i.direction.source})")
    else:
        lines.append(f"- Not an outcome measure: {i.not_outcome_because}")
    if i.response is not None:
        pre = _precondition(i.response.baseline_at_least)
        lines.append(f"- Response: ≥ {round(i.response.reduction * 100)}% reduction from "
                     f"baseline{pre} (source: {i.response.source})")
    if i.remission is not None:
        pre = _precondition(i.remission.baseline_at_least)
        lines.append(f"- Remission: total ≤ {i.remission.max_total}{pre} "
                     f"(source: {i.remission.source})")
    if i.reliable_change is not None:
        rc = i.reliable_change
        lines.append(f"- Reliable change: s1 = {rc.s1:.2f}, r = {rc.r:.2f} (source: {rc.source}"
                     + ("" if rc.verified else f"; not fully verified: {rc.note}") + ")")
    if i.loinc is not None and (i.loinc.panel or i.loinc.total or i.loinc.risk_level):
        parts = [f"panel {i.loinc.panel or '—'}"]
        if i.loinc.total:
            parts.append(f"total {i.loinc.total}")
        if i.loinc.risk_level:
            parts.append(f"risk level {i.loinc.risk_level}")
        lines.append(f"- LOINC: {', '.join(parts)} (source: {i.loinc.source})")
    else:
        lines.append("- LOINC: none verified; sent as text, never as a guessed code")
    lines.append(f"- Missing items: {i.missing_item_policy}")
    return "\n".join(lines) + "\n"


def markdown(instruments: Iterable[Instrument] | None = None, rules_section: str | None = None) -> str:
    """The whole page: the built-in instruments, then the built-in rules."""
    if instruments is None:
        from kapnotes.instruments.catalog import ALL

        instruments = ALL
    if rules_section is None:
        from kapnotes.rules.docs import rules_markdown

        rules_section = rules_markdown()
    parts = [_HEAD, *(instrument_section(i) for i in instruments), _OUTCOMES, rules_section]
    return "\n".join(parts)


if __name__ == "__main__":  # pragma: no cover - exercised through the staleness test
    sys.stdout.write(markdown())
