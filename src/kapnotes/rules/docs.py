"""The safety-rules part of ``docs/clinical.md``: every built-in rule, the codes it emits with
their severity, and every clinic-configuration default with its source."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from kapnotes.rules.base import Rule, Severity
from kapnotes.rules.builtin import BUILTIN_RULES, CODES
from kapnotes.rules.config import SOURCES, ClinicConfig, leaf_keys

__all__ = ["rules_markdown"]

_INTRO = """## Safety rules

`kapnotes check` runs these rules on every session. A **blocking** finding stops signing: it
is used where the SPRAVATO label or REMS, the clinic's informed-consent duty or the clinic's own
policy makes the item mandatory. A **warning** is shown on the draft and in `check`, and does
not stop signing: it is used where the threshold is a clinical judgement (go/no-go vitals, dose
ceilings for off-label racemic ketamine, alarms). Thresholds are clinic configuration
(`ClinicConfig`, loaded with `--config`); a finding cites the default's source, or the clinic's
policy when the clinic changed the value.
"""


def _rules() -> Iterator[tuple[Rule, Mapping[str, tuple[Severity, str]]]]:
    """The safety rules, then the built-in plugins' rules (billing, plans, groups), each with
    the table of its finding codes."""
    from kapnotes.billing.engine import CODES_OF_FINDINGS
    from kapnotes.default_plugins import billing, groups, plans

    for rule in BUILTIN_RULES:
        yield rule, CODES
    yield billing.CONFLICTS, CODES_OF_FINDINGS
    yield plans.OVERDUE_REVIEW, plans.CODES
    yield groups.GROUP_PRIVACY, groups.CODES


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def rules_markdown() -> str:
    """The rules and configuration sections of the clinical page."""
    lines = [_INTRO]
    for rule, codes in _rules():
        kinds = (", ".join(sorted(k.value for k in rule.applies_to))
                 if rule.applies_to else "every session")
        lines += [
            f"### `{rule.name}`",
            "",
            rule.description,
            "",
            f"- Applies to: {kinds}",
            f"- Source: {rule.source}",
            "",
            "| code | severity | finding |",
            "|---|---|---|",
        ]
        for code in rule.codes:
            severity, what = codes[code]
            lines.append(f"| `{code}` | {severity.value} | {_cell(what)} |")
        lines.append("")
    default = ClinicConfig.default()
    lines += [
        "## Clinic configuration: defaults and sources",
        "",
        "| key | default | source |",
        "|---|---|---|",
    ]
    for key in leaf_keys():
        value = default.get(key)
        shown = (", ".join(str(getattr(v, "value", v)) for v in value)
                 if isinstance(value, tuple) else str(getattr(value, "value", value)))
        lines.append(f"| `{key}` | {shown} | {_cell(SOURCES[key])} |")
    return "\n".join(lines) + "\n"
