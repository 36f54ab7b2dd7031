"""MEQ30: revised Mystical Experience Questionnaire (30 items, 0-5), four subscales.

Item wording is not reproduced; each item carries the name of its subscale.

Item-to-subscale mapping (stand-alone MEQ30 item order of Barrett, Johnson & Griffiths 2015):
mystical 4, 5, 6, 9, 14, 15, 16, 18, 20, 21, 23, 24, 25, 26, 28; positive mood 2, 8, 12, 17,
27, 30; transcendence of time and space 1, 7, 11, 13, 19, 22; ineffability 3, 10, 29.
VERIFICATION: three independent public scoring implementations agree on exactly this mapping
(an R script scoring MEQ_1..MEQ_30, a Python MEQ_SCALES table, and a TypeScript MEQ30 form
whose item 1 is "loss of usual sense of time", i.e. the stand-alone order); the subscale sizes
(15, 6, 6, 3) match MacLean et al. 2012 and the maxima 75/30/30/15 of published score sheets.
The appendix of Barrett et al. 2015 itself was not read. Another numbering exists (items
grouped by subscale): responses must follow the stand-alone order.
"""

from __future__ import annotations

from fractions import Fraction

from kapnotes.instruments.base import (
    Answers,
    Completeness,
    Instrument,
    Item,
    Number,
    Params,
    ScoreResult,
    Subscale,
)
from kapnotes.instruments.catalog._common import (
    fmt,
    interpretation,
    missing,
    span,
    total_under_policy,
)

SOURCE = (
    "Barrett FS, Johnson MW, Griffiths RR. Validation of the revised Mystical Experience "
    "Questionnaire in experimental sessions with psilocybin. J Psychopharmacol. "
    "2015;29(11):1182-1190; MacLean KA, Leoutsakos JMS, Johnson MW, Griffiths RR. Factor "
    "analysis of the Mystical Experience Questionnaire. J Sci Study Relig. 2012;51(4):721-737"
)
MAPPING_SOURCE = (
    "stand-alone MEQ30 order (Barrett et al. 2015), as implemented identically by three "
    "independent public scoring scripts; appendix not read"
)
# "Complete mystical experience": a score of at least 60% of the maximum on every one of the
# four subscales (Barrett et al. 2015, abstract: "a method to score a 'complete mystical
# experience' ... is validated in the MEQ30"; the 60% criterion as implemented by the public R
# scoring script). With items 0-5, 60% of the maximum is a mean of 3.
COMPLETE_PERCENT = 60
ITEM_MAX = 5

SUBSCALES: tuple[tuple[str, tuple[int, ...], str], ...] = (
    ("mystical", (4, 5, 6, 9, 14, 15, 16, 18, 20, 21, 23, 24, 25, 26, 28), "mystical"),
    ("positive_mood", (2, 8, 12, 17, 27, 30), "positive mood"),
    ("transcendence", (1, 7, 11, 13, 19, 22), "transcendence of time and space"),
    ("ineffability", (3, 10, 29), "ineffability"),
)
_LABEL_OF = {n: label for _key, items, label in SUBSCALES for n in items}


def _mean(answers: Answers, items: tuple[int, ...]) -> Fraction | None:
    values = [answers[n - 1] for n in items]
    if None in values:
        return None
    return Fraction(sum(v for v in values if v is not None), len(items))


def complete_experience(means: dict[str, Fraction | None]) -> bool | None:
    """True when every subscale mean is >= 60% of the maximum; False when a scored subscale is
    below it; None when that depends on missing answers."""
    threshold = Fraction(COMPLETE_PERCENT * ITEM_MAX, 100)
    if any(m is not None and m < threshold for m in means.values()):
        return False
    if any(m is None for m in means.values()):
        return None
    return True


def _score(inst: Instrument, answers: Answers, params: Params) -> ScoreResult:
    means = {key: _mean(answers, items) for key, items, _label in SUBSCALES}
    sum_all, flags = total_under_policy(inst, answers, span(1, 30), params)
    total: Number | None = None if sum_all is None else float(Fraction(sum_all) / 30)
    complete = complete_experience(means)
    percent = {k: None if m is None else float(m * 100 / ITEM_MAX) for k, m in means.items()}
    words = {True: "yes", False: "no", None: "undetermined (missing items)"}[complete]
    labels = {key: label for key, _items, label in SUBSCALES}
    parts = ", ".join(f"{labels[k]} {fmt(p)}%" for k, p in percent.items() if p is not None)
    headline = f"MEQ30 mean {fmt(total)} of 5" if total is not None else "MEQ30: no total"
    if parts:
        headline += f"; percent of maximum: {parts}"
    headline += f". Complete mystical experience: {words}"
    answered = 30 - len(missing(answers, span(1, 30)))
    return ScoreResult(
        instrument=inst.name,
        total=total,
        band=None,
        band_source=None,
        subscales={k: None if m is None else float(m) for k, m in means.items()},
        flags=tuple(flags),
        completeness=Completeness(answered, 30),
        complete=answered == 30,
        interpretation=interpretation(inst, headline, flags),
        responses=answers,
        details={
            "percent_of_max": percent,
            "complete_mystical_experience": complete,
            "complete_threshold_percent": COMPLETE_PERCENT,
            "mapping_source": MAPPING_SOURCE,
        },
    )


MEQ30 = Instrument(
    name="meq30",
    title="MEQ30",
    description="Revised Mystical Experience Questionnaire: mystical-type experience of a session.",
    items=tuple(
        Item(n, 0, ITEM_MAX, label=_LABEL_OF[n], hint="0 = none ... 5 = extreme")
        for n in range(1, 31)
    ),
    total_range=(0, 5),
    scoring_rule=(
        "Subscale scores = mean of their items (0-5): mystical (15 items), positive mood (6), "
        "transcendence of time and space (6), ineffability (3); total = mean of all 30 items. "
        "Complete mystical experience = every subscale >= 60% of its maximum (mean >= 3)."
    ),
    scorer=_score,
    respondent="self-report",
    missing_item_policy=(
        "a subscale is scored only when all its items are answered, the total only when all 30 "
        "are; the complete-experience criterion is decided when the answered items settle it "
        "(a scored subscale below 60% makes it false), else it is undetermined (None)"
    ),
    source=SOURCE,
    copyright_note=(
        "Published research instrument (Johns Hopkins; MacLean et al. 2012, Barrett et al. "
        "2015). kapnotes stores item numbers and subscale names only, never item wording."
    ),
    subscales=tuple(
        Subscale(key, items, "mean", MAPPING_SOURCE, label=label) for key, items, label in SUBSCALES
    ),
    # LOINC: no MEQ30 code was found: not verified.
    aliases=("MEQ-30", "MEQ 30", "MEQ30"),
    not_outcome_reason="MEQ30 rates the mystical quality of one dosing experience: a process measure",
)
