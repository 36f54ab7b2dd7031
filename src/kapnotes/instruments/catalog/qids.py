"""QIDS-SR16: Quick Inventory of Depressive Symptomatology, self-report, 16 items in 9 domains.

Item wording is copyrighted; items carry neutral domain labels only.
"""

from __future__ import annotations

from kapnotes.instruments.base import (
    SUICIDE,
    Answers,
    Band,
    Completeness,
    CriticalItem,
    Direction,
    Flag,
    Instrument,
    Item,
    Params,
    Remission,
    ScoreResult,
    Subscale,
)
from kapnotes.instruments.catalog._common import (
    RESPONSE_50,
    band_fields,
    critical_flags,
    interpretation,
    list_items,
    missing,
    remission_details,
    span,
    total_headline,
)
from kapnotes.references import cite

SOURCE = cite("rush-2003")
# Bands: the IDS/QIDS site's interpretation table (ids-qids.org/interpretation.html, "adapted
# from Rush et al. 2003, Trivedi et al. 2004"): QIDS-SR 0-5 none, 6-10 mild, 11-15 moderate,
# 16-20 severe, 21-27 very severe.
PAIRS_SOURCE = cite("ids-qids", note="answer one of items 6/7 and one of 8/9")
BAND_SOURCE = cite("ids-qids", note="interpretation table (Rush et al. 2003; Trivedi et al. 2004)")

#: (domain key, items, label): sleep, appetite/weight and psychomotor take the highest item.
DOMAINS: tuple[tuple[str, tuple[int, ...], str], ...] = (
    ("sleep", span(1, 4), "sleep (highest of items 1-4)"),
    ("sad_mood", (5,), "sad mood"),
    ("appetite_weight", span(6, 9), "appetite/weight (highest of the answered items 6-9)"),
    ("concentration", (10,), "concentration/decision making"),
    ("self_view", (11,), "view of self"),
    ("suicidal_ideation", (12,), "thoughts of death or suicide"),
    ("interest", (13,), "general interest"),
    ("energy", (14,), "energy level"),
    ("psychomotor", span(15, 16), "psychomotor (highest of items 15-16)"),
)

_LABELS = (
    "sleep onset", "sleep during the night", "waking too early", "sleeping too much",
    "sad mood", "decreased appetite", "increased appetite", "decreased weight",
    "increased weight", "concentration/decision making", "view of self",
    "thoughts of death or suicide", "general interest", "energy level", "feeling slowed down",
    "feeling restless",
)


#: Items answered as alternatives: the form asks for one of 6/7 (appetite decreased/increased)
#: and one of 8/9 (weight decreased/increased); the other may be left blank.
PAIRS: tuple[tuple[int, int], ...] = ((6, 7), (8, 9))
#: Items every completed form answers (all but the alternatives).
SINGLE_ITEMS: tuple[int, ...] = tuple(n for n in span(1, 16) if n not in (6, 7, 8, 9))
#: What a complete form answers: 12 single items and one item of each pair.
REQUIRED_ANSWERS = len(SINGLE_ITEMS) + len(PAIRS)


def _pair_answered(answers: Answers, pair: tuple[int, int]) -> bool:
    return any(answers[n - 1] is not None for n in pair)


def domain_scores(answers: Answers) -> dict[str, int | None]:
    """Each domain's score: the highest of its answered items.

    A domain is None when one of its required items is missing; for appetite/weight that is
    when both items of a pair (6 and 7, or 8 and 9) are blank.
    """
    scores: dict[str, int | None] = {}
    for key, items, _label in DOMAINS:
        values = [answers[n - 1] for n in items]
        if key == "appetite_weight":
            ok = all(_pair_answered(answers, p) for p in PAIRS)
            scores[key] = max(v for v in values if v is not None) if ok else None
        else:
            scores[key] = None if None in values else max(v for v in values if v is not None)
    return scores


def _missing_flags(answers: Answers) -> list[Flag]:
    gaps: list[int | str] = list(missing(answers, SINGLE_ITEMS))
    gaps += [f"{a} or {b}" for a, b in PAIRS if not _pair_answered(answers, (a, b))]
    if not gaps:
        return []
    return [Flag("incomplete", f"{list_items(gaps)} not answered: no total")]


def _score(inst: Instrument, answers: Answers, params: Params) -> ScoreResult:
    domains = domain_scores(answers)
    total = None if None in domains.values() else sum(v for v in domains.values() if v is not None)
    flags = critical_flags(inst, answers) + _missing_flags(answers)
    band = inst.band_for(total)
    answered = len(SINGLE_ITEMS) - len(missing(answers, SINGLE_ITEMS))
    answered += sum(_pair_answered(answers, p) for p in PAIRS)
    return ScoreResult(
        instrument=inst.name,
        total=total,
        **band_fields(band),
        subscales=dict(domains),
        flags=tuple(flags),
        completeness=Completeness(answered, REQUIRED_ANSWERS),
        complete=answered == REQUIRED_ANSWERS,
        interpretation=interpretation(inst, total_headline(inst, total, band), flags),
        responses=answers,
        details=remission_details(inst, total),
    )


QIDS_SR16 = Instrument(
    name="qids-sr16",
    title="QIDS-SR16",
    description=(
        "Quick Inventory of Depressive Symptomatology, self-report: depression severity, "
        "past 7 days."
    ),
    items=tuple(Item(n, 0, 3, label=label, required=n not in (6, 7, 8, 9))
                for n, label in enumerate(_LABELS, 1)),
    total_range=(0, 27),
    scoring_rule=(
        "Nine DSM symptom domains, each 0-3: sleep = highest of items 1-4, appetite/weight = "
        "highest of the answered items 6-9 (one of 6/7 and one of 8/9 is answered), "
        "psychomotor = highest of items 15-16; sad mood, concentration, "
        "view of self, suicidal ideation, interest and energy are items 5, 10, 11, 12, 13, 14. "
        "Total = sum of the nine domains (0-27)."
    ),
    scorer=_score,
    respondent="self-report",
    missing_item_policy=(
        "the respondent answers one of items 6/7 (appetite) and one of 8/9 (weight) and every "
        "other item; a form so completed is complete (14 answers). With a single item missing, "
        "or both items of a pair blank, there is no total and that domain has no score; a "
        "missing item 12 is always flagged"
    ),
    source=SOURCE,
    copyright_note=(
        "Copyright A. John Rush and colleagues (IDS/QIDS, ids-qids.org). kapnotes stores item "
        "numbers and neutral domain labels only, never item wording."
    ),
    bands=(
        Band(0, 5, "none", BAND_SOURCE),
        Band(6, 10, "mild", BAND_SOURCE),
        Band(11, 15, "moderate", BAND_SOURCE),
        Band(16, 20, "severe", BAND_SOURCE),
        Band(21, 27, "very severe", BAND_SOURCE),
    ),
    # Item 12 is "thoughts of death or suicide" in the QIDS-SR16 item order of Rush et al. 2003,
    # as listed by the cliot R package (qids_depression_score, Q12) and the Rivet QIDS-SR-16
    # template (domain list): two listings.
    critical_items=(
        CriticalItem(
            12, 1,
            "thoughts of death or suicide: follow up (suicide risk assessment) whatever the total",
            # Item order of Rush et al. 2003, as listed by the cliot R package and Rivet docs.
            cite("rush-2003", "iom-2010",
                 note="QIDS-SR16 item 12 answer options (IOM Box 4-1): 1 = life feels empty / "
                 "wonders whether it is worth living (passive ideation), 2-3 = thoughts of "
                 "suicide or death several times a week or day, plans or attempt. >= 1 mirrors "
                 "PHQ-9 item 9 > 0"),
            kind=SUICIDE,
        ),
    ),
    subscales=tuple(
        Subscale(key, items, "max", PAIRS_SOURCE if key == "appetite_weight" else SOURCE,
                 label=label)
        for key, items, label in DOMAINS
    ),
    # LOINC: no QIDS-SR16 code was found in LOINC, a FHIR IG or an EHR vendor spec: not verified.
    loinc=None,
    # Remission QIDS-SR16 <= 5: STAR*D (Trivedi MH et al. Am J Psychiatry 2006;163:28-40;
    # Rush AJ et al. Am J Psychiatry 2006;163:1905-1917).
    remission=Remission(5, cite("trivedi-2006", note="STAR*D remission QIDS-SR16 <= 5")),
    aliases=("QIDS-SR16", "QIDS-SR", "QIDS", "QIDS-SR-16", "QIDS16"),
    direction=Direction("lower", cite("rush-2003", note="a higher total is more severe")),
    response=RESPONSE_50,
)
