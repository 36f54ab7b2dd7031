"""Scoring building blocks shared by the catalog: sums, missing items, flags, interpretation."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from kapnotes.instruments.base import (
    Answers,
    Band,
    Completeness,
    Flag,
    Instrument,
    Number,
    Params,
    Response,
    ScoreResult,
)
from kapnotes.references import cite

#: Response as a reduction of at least 50 % from baseline: the convention of depression trials,
#: declared by each built-in outcome measure (``Instrument.response``).
RESPONSE_50 = Response(
    0.5,
    cite("mcinnes-2022", "hull-2022",
         note=">= 50 % reduction from baseline, the convention of depression trials (also the "
         "esketamine TRANSFORM trials, MADRS response >= 50 %)"),
)

#: Answer codes of the PHQ-9 and GAD-7 symptom items (Pfizer; free to reproduce).
PHQ_FREQUENCY = (
    "0 = not at all, 1 = several days, 2 = more than half the days, 3 = nearly every day"
)
YES_NO = "0 = no, 1 = yes"


def span(first: int, last: int) -> tuple[int, ...]:
    """Item numbers ``first``..``last`` inclusive."""
    return tuple(range(first, last + 1))


def missing(answers: Answers, numbers: Iterable[int]) -> list[int]:
    """The item numbers among ``numbers`` that have no answer."""
    return [n for n in numbers if answers[n - 1] is None]


def scored_numbers(inst: Instrument) -> tuple[int, ...]:
    """The numbers of the items that count towards the total."""
    return tuple(i.number for i in inst.scored_items)


def item_name(inst: Instrument, number: int) -> str:
    """``item 9 (thoughts of self-harm)``: an item named for a message."""
    item = inst.item(number)
    return f"item {item.id} ({item.label})" if item.label else f"item {item.id}"


def list_items(numbers: Sequence[int | str]) -> str:
    """``item 3`` or ``items 3, 5``."""
    return ("item " if len(numbers) == 1 else "items ") + ", ".join(map(str, numbers))


def critical_flags(inst: Instrument, answers: Answers) -> list[Flag]:
    """A flag for every critical item over its threshold, and for every one left unanswered."""
    flags: list[Flag] = []
    for critical in inst.critical_items:
        value = answers[critical.item - 1]
        if critical.triggered(value):
            name = item_name(inst, critical.item)
            message = f"{name} answered {value}: {critical.reason}"
            flags.append(Flag(f"{inst.name}-item-{critical.item}", message, critical.item))
        elif value is None:
            name = item_name(inst, critical.item)
            flags.append(
                Flag(f"{inst.name}-item-{critical.item}-missing",
                     f"critical {name} was not answered: ask about it directly", critical.item)
            )
    return flags


def total_under_policy(
    inst: Instrument, answers: Answers, numbers: Sequence[int], params: Params
) -> tuple[Number | None, list[Flag]]:
    """The sum of ``numbers`` under the instrument's missing-item policy, and flags about it.

    All answered: the sum. Some missing: no total, unless the instrument has a published
    prorating rule, the caller passed ``prorate=True`` and no more items are missing than the
    rule allows; then the mean of the answered items stands in for each missing one.
    """
    gaps = missing(answers, numbers)
    present = [answers[n - 1] for n in numbers if answers[n - 1] is not None]
    total = sum(v for v in present if v is not None)
    if not gaps:
        return total, []
    rule = inst.prorating
    if params.get("prorate") and rule is not None and 0 < len(gaps) <= rule.max_missing and present:
        prorated = round(total * len(numbers) / len(present), 2)
        return prorated, [
            Flag("prorated", f"{list_items(gaps)} missing: total prorated from {len(present)} "
                 f"answered items ({rule.source})")
        ]
    message = f"{list_items(gaps)} not answered: no total ({inst.missing_item_policy})"
    return None, [Flag("incomplete", message)]


def band_fields(band: Band | None) -> dict[str, Any]:
    """The band label and source of a result."""
    return {"band": band.label if band else None, "band_source": band.source if band else None}


def remission_details(
    inst: Instrument, total: Number | None, max_total: int | None = None
) -> dict[str, Any]:
    """``{"remission": bool|None, "remission_max_total": n, "remission_source": ...}``."""
    rule = inst.remission
    if rule is None:
        return {}
    cutoff = rule.max_total if max_total is None else max_total
    return {
        "remission": None if total is None else total <= cutoff,
        "remission_max_total": cutoff,
        "remission_source": rule.source,
    }


def fmt(value: Number) -> str:
    """A number for prose: ``12``, ``20.25``, ``3.13``."""
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return str(int(value))


def interpretation(inst: Instrument, headline: str, flags: Sequence[Flag]) -> str:
    """The headline followed by every flag's message, as sentences."""
    sentences = [headline.rstrip(".") + "."]
    sentences += [f.message[0].upper() + f.message[1:].rstrip(".") + "." for f in flags]
    return " ".join(sentences)


def total_headline(inst: Instrument, total: Number | None, band: Band | None) -> str:
    """``PHQ-9 total 12 (range 0–27): moderate`` or ``PHQ-9: no total``."""
    if total is None:
        return f"{inst.title}: no total"
    assert inst.total_range is not None
    low, high = inst.total_range
    text = f"{inst.title} total {fmt(total)} (range {fmt(low)}–{fmt(high)})"
    return f"{text}: {band.label}" if band else text


def sum_scorer(
    inst: Instrument, answers: Answers, params: Params, *, details: dict[str, Any] | None = None
) -> ScoreResult:
    """The common rule: total = sum of the scored items; band; critical items; remission.

    ``details``: an instrument's own facts, after the remission ones (PHQ-9's difficulty item).
    """
    numbers = scored_numbers(inst)
    total, policy_flags = total_under_policy(inst, answers, numbers, params)
    band = inst.band_for(total)
    flags = critical_flags(inst, answers) + policy_flags
    required = [i.number for i in inst.items if i.required]
    answered = len(required) - len(missing(answers, required))
    cutoff = params.get("remission_cutoff")
    return ScoreResult(
        instrument=inst.name,
        total=total,
        **band_fields(band),
        flags=tuple(flags),
        completeness=Completeness(answered, len(required)),
        complete=answered == len(required),
        interpretation=interpretation(inst, total_headline(inst, total, band), flags),
        responses=answers,
        details={**remission_details(inst, total, cutoff), **(details or {})},
    )
