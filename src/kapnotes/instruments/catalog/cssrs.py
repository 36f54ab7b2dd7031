"""C-SSRS screener: Columbia-Suicide Severity Rating Scale, screen version, with risk triage.

Encoding (kapnotes' choice, documented here): seven answers, each 0 = no, 1 = yes.
Items 1-5 ask about the past month; item 6 asks about suicidal behaviour over the lifetime, and
the screener's follow-up "was this within the past 3 months?" is modelled as a separate
position 7 named item "6b" (asked only when item 6 is yes). This mirrors LOINC, which codes the
follow-up as its own question (93269-9), and keeps every answer a plain yes/no.

Skip logic of the screener: items 3-5 are asked only after a yes to item 2, and item 6b only
after a yes to item 6; items skipped by that logic may be left None and count as "no".

Triage (Columbia screener with triage points, [ref:columbia-triage]):
  high     - yes to item 4 or 5, or yes to 6 with 6b yes (behaviour within the past 3 months)
  moderate - yes to item 3, or yes to 6 with 6b no (behaviour over 3 months ago)
  low      - yes to item 1 or 2 only
  none     - no to every question asked
The high-risk anchors are confirmed by the Columbia Lighthouse Project's triage page ("the most
worrisome answers are a recent (past month) yes to items 4 or 5 ... and/or any recent (3 months)
behavior"); the low/moderate split (including "6 over 3 months ago -> moderate") rests on
one public implementation of the Columbia triage form (single source).
"""

from __future__ import annotations

from typing import Any

from kapnotes.instruments.base import (
    Answers,
    Completeness,
    CriticalItem,
    Flag,
    Instrument,
    Item,
    LoincCodes,
    Params,
    ScoreResult,
)
from kapnotes.instruments.catalog._common import YES_NO, interpretation, list_items, missing
from kapnotes.references import cite

SOURCE = cite("posner-2011", "columbia-triage")
TRIAGE_SOURCE = cite(
    "columbia-triage",
    note="recent yes to 4 or 5, or behaviour in the past 3 months, is the most worrisome; the "
    "low/moderate split rests on one public implementation",
)
RISK_LEVELS = ("none", "low", "moderate", "high")

_ITEMS = (
    ("wish to be dead (past month)", "93246-7"),
    ("non-specific active suicidal thoughts (past month)", "93247-5"),
    ("suicidal thoughts with method, without intent (past month)", "93248-3"),
    ("suicidal intent without specific plan (past month)", "93249-1"),
    ("suicidal intent with specific plan (past month)", "93250-9"),
    ("suicidal behaviour (lifetime)", "93267-3"),
    ("suicidal behaviour within the past 3 months", "93269-9"),
)
_REASONS = (
    "wish to be dead: low risk at least",
    "active suicidal thoughts: low risk at least",
    "suicidal thoughts with a method: moderate risk at least",
    "suicidal intent: high risk",
    "suicidal intent with a plan: high risk",
    "lifetime suicidal behaviour: moderate risk at least; ask whether within the past 3 months",
    "suicidal behaviour within the past 3 months: high risk",
)


def _yes(answers: Answers, number: int) -> bool:
    return answers[number - 1] == 1


def required_items(answers: Answers) -> list[int]:
    """The items that had to be asked given the answers (skip logic); 7 is item 6b."""
    needed = [1, 2, 6]
    if answers[1] != 0:  # items 3-5 follow a yes to item 2 (or an unanswered item 2)
        needed += [3, 4, 5]
    if answers[5] == 1:  # 6b follows a yes to item 6
        needed.append(7)
    return sorted(needed)


def risk_level(answers: Answers) -> str:
    """The triage level the answers establish (a lower bound when some are missing).

    A yes to 6b counts unless item 6 is explicitly no: behaviour "within the past 3 months"
    implies behaviour, so an unanswered item 6 does not lower the level.
    """
    if _yes(answers, 4) or _yes(answers, 5) or (answers[5] != 0 and _yes(answers, 7)):
        return "high"
    if _yes(answers, 3) or (_yes(answers, 6) and answers[6] != 1):
        return "moderate"
    if _yes(answers, 1) or _yes(answers, 2):
        return "low"
    return "none"


def _consistency_flags(answers: Answers) -> list[Flag]:
    flags: list[Flag] = []
    if answers[1] == 0 and any(_yes(answers, n) for n in (3, 4, 5)):
        flags.append(Flag("cssrs-skip-logic", "items 3-5 are asked only after a yes to item 2; "
                          "their yes answers were kept"))
    if answers[5] == 0 and _yes(answers, 7):
        flags.append(Flag("cssrs-skip-logic", "item 6b answered yes although item 6 is no; "
                          "item 6b was ignored", 7))
    return flags


def _missing_flags(answers: Answers, gaps: list[int], level: str) -> list[Flag]:
    flags: list[Flag] = []
    if 7 in gaps:
        flags.append(Flag("cssrs-item-6b-missing", "item 6 is yes but it is not recorded whether "
                          "the behaviour was within the past 3 months: if it was, risk is high", 7))
    others: list[int | str] = [n for n in gaps if n != 7]
    if others:
        flags.append(Flag("incomplete", f"{list_items(others)} not answered: risk is at least "
                          f"{level} and could be higher"))
    return flags


def _score(inst: Instrument, answers: Answers, params: Params) -> ScoreResult:
    level = risk_level(answers)
    needed = required_items(answers)
    gaps = missing(answers, needed)
    flags = [
        Flag(f"cssrs-item-{key}", f"item {key} yes: {c.reason}", c.item)
        for c in inst.critical_items
        if c.triggered(answers[c.item - 1]) and not (c.item == 7 and answers[5] == 0)
        for key in [inst.item(c.item).id]
    ]
    flags += _consistency_flags(answers) + _missing_flags(answers, gaps, level)
    headline = f"C-SSRS screener: {'at least ' if gaps else ''}{level} risk (Columbia triage)"
    return _triage_result(inst, answers, needed, gaps, level, flags, headline, TRIAGE_SOURCE)


def _triage_result(
    inst: Instrument,
    answers: Any,
    needed: Any,
    gaps: Any,
    level: Any,
    flags: list[Flag],
    headline: str,
    source: str,
) -> ScoreResult:
    """The result of a C-SSRS triage (no total: a risk level, a lower bound when items are
    missing), shared by the screener and the since-last-visit screen."""
    return ScoreResult(
        instrument=inst.name,
        total=None,
        band=None,
        band_source=None,
        flags=tuple(flags),
        completeness=Completeness(len(needed) - len(gaps), len(needed)),
        complete=not gaps,
        risk_level=level,
        interpretation=interpretation(inst, headline, flags),
        responses=answers,
        details={"risk_is_lower_bound": bool(gaps), "triage_source": source},
    )


CSSRS_SCREENER = Instrument(
    name="cssrs-screener",
    title="C-SSRS screener",
    description="Columbia-Suicide Severity Rating Scale, screen version: suicide risk triage.",
    items=tuple(
        Item(n, 0, 1, label=label, hint=YES_NO, loinc=code, key="6b" if n == 7 else None,
             required=n in (1, 2, 6))
        for n, (label, code) in enumerate(_ITEMS, 1)
    ),
    total_range=None,
    scoring_rule=(
        "No total. Risk level: high = yes to 4 or 5, or behaviour (6) within the past 3 months "
        "(6b); moderate = yes to 3, or behaviour over 3 months ago; low = yes to 1 or 2; none "
        "otherwise. Answers are 0 = no, 1 = yes; position 7 is item 6b."
    ),
    scorer=_score,
    respondent="clinician",
    missing_item_policy=(
        "items 1, 2 and 6 are always required, 3-5 when item 2 is yes (or unanswered), 6b when "
        "item 6 is yes; items skipped by the screener's logic count as no. With a required item "
        "missing the result is incomplete and risk_level is the level already established, a "
        "lower bound, with a flag saying so"
    ),
    source=SOURCE,
    copyright_note=(
        "C-SSRS copyright The Research Foundation for Mental Hygiene, Inc.; free for clinical "
        "use (Columbia Lighthouse Project). kapnotes stores neutral item labels, not wording."
    ),
    critical_items=tuple(
        CriticalItem(n, 1, reason, TRIAGE_SOURCE) for n, reason in enumerate(_REASONS, 1)
    ),
    # LOINC item codes 93246-7 ... 93269-9 and risk level 93374-7: linkIds of the C-SSRS
    # QuestionnaireResponse example in the HL7 US Behavioral Health Profiles IG (CI build,
    # "C-SSRS-example-1", screen version per cms.gov). 93374-7 "Suicide risk level" (class
    # SURVEY.CSSRS): several independent FHIR IGs and applications, and the LOINC 2.82 table
    # via healthassure.in; 93373-9 is the screener-recent panel in two public Questionnaires.
    # Item codes rest on the IG example, a continuous build, not a published version.
    loinc=LoincCodes(
        source=cite("hl7-bhp-ig", "loinc"),
        panel="93373-9",
        items=tuple((n, code) for n, (_label, code) in enumerate(_ITEMS, 1)),
        risk_level="93374-7",
        single_source=True,
    ),
    aliases=("C-SSRS", "CSSRS", "C-SSRS screener", "C-SSRS screen", "Columbia"),
    not_outcome_reason="the C-SSRS screener is a suicide-risk triage, not a severity total",
)


# =============================================================================================
# The "since last visit" screener, for repeat visits
# =============================================================================================
#
# The Columbia "Since Last Visit" version asks the same five ideation questions (1 and 2
# always, 3-5 after a yes to 2) over the time since the last visit, and one question about
# suicidal behaviour since the last visit (no lifetime / 3-month split). Triage applies the
# screener's points: behaviour since the last visit counts as recent behaviour (high), which
# holds when visits are less than 3 months apart, as in a KAP course (kapnotes' reading).

SLV_SOURCE = cite("posner-2011", "columbia-since-last-visit")
SLV_TRIAGE_SOURCE = cite(
    "columbia-triage", "columbia-since-last-visit",
    note="the screener's triage points over the time since the last visit: yes to 4 or 5, or "
    "any suicidal behaviour since the last visit, is high risk",
)
_SLV_ITEMS = (
    "wish to be dead (since last visit)",
    "non-specific active suicidal thoughts (since last visit)",
    "suicidal thoughts with method, without intent (since last visit)",
    "suicidal intent without specific plan (since last visit)",
    "suicidal intent with specific plan (since last visit)",
    "suicidal behaviour (since last visit)",
)
_SLV_REASONS = (
    "wish to be dead: low risk at least",
    "active suicidal thoughts: low risk at least",
    "suicidal thoughts with a method: moderate risk at least",
    "suicidal intent: high risk",
    "suicidal intent with a plan: high risk",
    "suicidal behaviour since the last visit: high risk",
)


def slv_required_items(answers: Answers) -> list[int]:
    """The items that had to be asked given the answers: 3-5 follow a yes to item 2."""
    return [1, 2, 3, 4, 5, 6] if answers[1] != 0 else [1, 2, 6]


def slv_risk_level(answers: Answers) -> str:
    """The triage level the answers establish (a lower bound when some are missing)."""
    if _yes(answers, 4) or _yes(answers, 5) or _yes(answers, 6):
        return "high"
    if _yes(answers, 3):
        return "moderate"
    if _yes(answers, 1) or _yes(answers, 2):
        return "low"
    return "none"


def _slv_score(inst: Instrument, answers: Answers, params: Params) -> ScoreResult:
    level = slv_risk_level(answers)
    needed = slv_required_items(answers)
    gaps = missing(answers, needed)
    flags = [
        Flag(f"cssrs-item-{c.item}", f"item {c.item} yes: {c.reason}", c.item)
        for c in inst.critical_items if c.triggered(answers[c.item - 1])
    ]
    if answers[1] == 0 and any(_yes(answers, n) for n in (3, 4, 5)):
        flags.append(Flag("cssrs-skip-logic", "items 3-5 are asked only after a yes to item 2; "
                          "their yes answers were kept"))
    if gaps:
        flags.append(Flag("incomplete", f"{list_items(list(gaps))} not answered: risk is at "
                          f"least {level} and could be higher"))
    headline = (f"C-SSRS since last visit: {'at least ' if gaps else ''}{level} risk "
                "(Columbia triage)")
    return _triage_result(inst, answers, needed, gaps, level, flags, headline, SLV_TRIAGE_SOURCE)


CSSRS_SINCE_LAST_VISIT = Instrument(
    name="cssrs-since-last-visit",
    title="C-SSRS since last visit",
    description=(
        "Columbia-Suicide Severity Rating Scale, since-last-visit screen: suicide risk triage "
        "at repeat visits."
    ),
    items=tuple(
        Item(n, 0, 1, label=label, hint=YES_NO, required=n in (1, 2, 6))
        for n, label in enumerate(_SLV_ITEMS, 1)
    ),
    total_range=None,
    scoring_rule=(
        "No total. Risk level: high = yes to 4 or 5, or suicidal behaviour (6) since the last "
        "visit; moderate = yes to 3; low = yes to 1 or 2; none otherwise. Answers are 0 = no, "
        "1 = yes."
    ),
    scorer=_slv_score,
    respondent="clinician",
    missing_item_policy=(
        "items 1, 2 and 6 are always required, 3-5 when item 2 is yes (or unanswered); items "
        "skipped by the screener's logic count as no. With a required item missing the result "
        "is incomplete and risk_level is a lower bound, with a flag saying so"
    ),
    source=SLV_SOURCE,
    copyright_note=(
        "C-SSRS copyright The Research Foundation for Mental Hygiene, Inc.; free for clinical "
        "use (Columbia Lighthouse Project). kapnotes stores neutral item labels, not wording."
    ),
    critical_items=tuple(
        CriticalItem(n, 1, reason, SLV_TRIAGE_SOURCE) for n, reason in enumerate(_SLV_REASONS, 1)
    ),
    # The generic suicide risk level 93374-7 applies to any C-SSRS version. No LOINC panel or
    # item codes for the since-last-visit version were found (93373-9 is the "recent" screener).
    loinc=LoincCodes(source=cite("loinc", note="suicide risk level"), risk_level="93374-7"),
    aliases=("C-SSRS since last visit", "C-SSRS SLV", "CSSRS-SLV"),
    not_outcome_reason="the C-SSRS since-last-visit screener is a suicide-risk triage, not a severity total",
)
