"""MOAA/S: Modified Observer's Assessment of Alertness/Sedation (one observed level, 0-5)."""

from __future__ import annotations

import attrs

from kapnotes.instruments.base import (
    Answers,
    Band,
    CriticalItem,
    Instrument,
    Item,
    Params,
    ScoreResult,
)
from kapnotes.instruments.catalog._common import interpretation, sum_scorer
from kapnotes.references import cite

SOURCE = cite("chernik-1990")
# Level descriptions (paraphrased): the MOAA/S table citing Chernik et al. 1990 in a Thorax
# (BMJ) supplement and the Janssen medical-information page (5 = responds readily to name, 0 = no response to a
# painful stimulus). Published versions word level 1 differently ("does not respond to mild
# prodding or shaking" / "responds only after painful trapezius squeeze"); both are kept.
LEVEL_SOURCE = cite("chernik-1990", note="as tabulated with the MOAA/S (Thorax supplement)")

_LEVELS = (
    "no response to a painful stimulus (e.g. trapezius squeeze)",
    "no response to mild prodding or shaking; responds only to a painful stimulus",
    "responds only after mild prodding or shaking",
    "responds only after name is called loudly and/or repeatedly",
    "lethargic response to name spoken in normal tone",
    "responds readily to name spoken in normal tone",
)


def _score(inst: Instrument, answers: Answers, params: Params) -> ScoreResult:
    """The level is the score; its description is the band."""
    result = sum_scorer(inst, answers, params)
    level = answers[0]
    headline = "MOAA/S: level not recorded" if level is None else (
        f"MOAA/S level {level} (5 = alert, 0 = unresponsive): {_LEVELS[level]}"
    )
    return attrs.evolve(result, interpretation=interpretation(inst, headline, result.flags))


MOAAS = Instrument(
    name="moaas",
    title="MOAA/S",
    description="Modified Observer's Assessment of Alertness/Sedation: responsiveness, 0-5.",
    items=(
        Item(1, 0, 5, label="responsiveness",
             hint="5 = responds readily to name, 0 = no response to a painful stimulus"),
    ),
    total_range=(0, 5),
    scoring_rule="The score is the single observed level, 0-5 (5 = alert, 0 = unresponsive).",
    scorer=_score,
    respondent="clinician",
    missing_item_policy="the level must be recorded; a missing level gives no score",
    source=SOURCE,
    copyright_note=(
        "Published rating scale (Chernik et al. 1990). kapnotes stores paraphrased level "
        "descriptions only."
    ),
    bands=tuple(Band(n, n, text, LEVEL_SOURCE) for n, text in enumerate(_LEVELS)),
    # Level 0 is by definition unresponsive to a painful stimulus. No other sedation cut-off
    # (e.g. "deep sedation") was verified, so none is flagged.
    critical_items=(
        CriticalItem(
            1, 0,
            "no response to a painful stimulus: unresponsive; act on the clinic's sedation and "
            "airway protocol",
            LEVEL_SOURCE,
            direction="at_most",
        ),
    ),
    # LOINC: no MOAA/S code was found: not verified.
    aliases=("MOAA/S", "MOAAS", "MOAA-S"),
    not_outcome_reason="MOAA/S is a sedation level during dosing monitoring (acute drug effect)",
)
