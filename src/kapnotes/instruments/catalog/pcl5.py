"""PCL-5: PTSD Checklist for DSM-5 (20 items, 0-4), with DSM-5 cluster scoring.

Item wording is not reproduced here (kapnotes policy); items carry the DSM-5 symptom they
map to as a neutral label.
"""

from __future__ import annotations

from kapnotes.instruments.base import (
    Answers,
    Band,
    Completeness,
    Direction,
    Flag,
    Instrument,
    Item,
    LoincCodes,
    Parameter,
    Params,
    ReliableChangeParams,
    ScoreResult,
    Subscale,
)
from kapnotes.instruments.catalog._common import (
    RESPONSE_50,
    band_fields,
    fmt,
    interpretation,
    missing,
    span,
    total_headline,
    total_under_policy,
)
from kapnotes.references import cite

SOURCE = cite("weathers-2013")
# Scoring (total 0-80, clusters B 1-5, C 6-7, D 8-14, E 15-20, the DSM-5 rule with items
# rated 2 = "Moderately" or higher counted as endorsed): National Center for PTSD scoring
# guidance, as reproduced by comorbidityguidelines.org.au (Appendix S).
SCORING_SOURCE = "National Center for PTSD PCL-5 scoring guidance [ref:weathers-2013]"
# Cut-off 31-33 for probable PTSD: Bovin MJ et al. Psychological Assessment 2016;28(11):
# 1379-1391, and the National Center for PTSD ("a PCL-5 cutpoint of 31-33 appears to be
# reasonable"). kapnotes uses 33, the top of that range, unless the caller passes another.
CUTOFF_SOURCE = cite("bovin-2016", note="National Center for PTSD: cut-point 31-33")
DEFAULT_CUTOFF = 33
ENDORSED_AT = 2  # an item rated 2 ("Moderately") or higher counts as a symptom endorsed

#: (cluster, items, symptoms needed, name) per the DSM-5 diagnostic rule.
CLUSTERS: tuple[tuple[str, tuple[int, ...], int, str], ...] = (
    ("B", span(1, 5), 1, "intrusion"),
    ("C", span(6, 7), 1, "avoidance"),
    ("D", span(8, 14), 2, "negative alterations in cognitions and mood"),
    ("E", span(15, 20), 2, "alterations in arousal and reactivity"),
)

_LABELS = (
    "B1 intrusive memories", "B2 distressing dreams", "B3 flashbacks", "B4 distress at reminders",
    "B5 physical reactions to reminders", "C1 avoiding internal reminders",
    "C2 avoiding external reminders", "D1 trouble remembering", "D2 negative beliefs",
    "D3 blame", "D4 negative emotional state", "D5 loss of interest", "D6 detachment",
    "D7 trouble feeling positive emotions", "E1 irritability or anger",
    "E2 risky or self-destructive behaviour", "E3 hypervigilance", "E4 startle",
    "E5 concentration", "E6 sleep",
)


def bands_for(cutoff: int) -> tuple[Band, Band]:
    """The two bands of the total at a given probable-PTSD cut-off."""
    return (
        Band(0, cutoff - 1, "below probable-PTSD cut-off", CUTOFF_SOURCE),
        Band(cutoff, 80, "probable PTSD", CUTOFF_SOURCE),
    )


def criterion(answers: Answers, items: tuple[int, ...], needed: int) -> bool | None:
    """Whether a cluster has ``needed`` items rated >= 2: True, False, or None if missing
    answers could still decide it either way."""
    endorsed = sum(1 for n in items if (v := answers[n - 1]) is not None and v >= ENDORSED_AT)
    unknown = len(missing(answers, items))
    if endorsed >= needed:
        return True
    if endorsed + unknown < needed:
        return False
    return None


def provisional_diagnosis(criteria: dict[str, bool | None]) -> bool | None:
    """Met when every cluster criterion is met; not met when any fails; else undetermined."""
    values = list(criteria.values())
    if all(v is True for v in values):
        return True
    if any(v is False for v in values):
        return False
    return None


def _cluster_sums(answers: Answers) -> dict[str, int | None]:
    sums: dict[str, int | None] = {}
    for cluster, items, _needed, _name in CLUSTERS:
        values = [answers[n - 1] for n in items]
        sums[cluster] = None if None in values else sum(v for v in values if v is not None)
    return sums


def _score(inst: Instrument, answers: Answers, params: Params) -> ScoreResult:
    cutoff: int = params["cutoff"]
    total, flags = total_under_policy(inst, answers, span(1, 20), params)
    band = next(b for b in bands_for(cutoff) if b.contains(total)) if total is not None else None
    criteria = {c: criterion(answers, items, need) for c, items, need, _ in CLUSTERS}
    diagnosis = provisional_diagnosis(criteria)
    probable = None if total is None else total >= cutoff
    if probable:
        flags.insert(0, Flag("pcl5-probable-ptsd", f"total {fmt(total or 0)} is at or above the "
                             f"probable-PTSD cut-off {cutoff}: further assessment (e.g. CAPS-5)"))
    if diagnosis:
        flags.insert(0, Flag("pcl5-provisional-diagnosis", "DSM-5 symptom rule met (>= 1 B, "
                             ">= 1 C, >= 2 D, >= 2 E items rated 2 or higher)"))
    answered = 20 - len(missing(answers, span(1, 20)))
    dx_words = {True: "met", False: "not met", None: "undetermined (missing items)"}[diagnosis]
    headline = total_headline(inst, total, band) + f". DSM-5 provisional diagnosis: {dx_words}"
    return ScoreResult(
        instrument=inst.name,
        total=total,
        **band_fields(band),
        subscales=dict(_cluster_sums(answers)),
        flags=tuple(flags),
        completeness=Completeness(answered, 20),
        complete=answered == 20,
        provisional_diagnosis=diagnosis,
        interpretation=interpretation(inst, headline, flags),
        responses=answers,
        details={
            "cutoff": cutoff,
            "cutoff_source": CUTOFF_SOURCE,
            "probable_ptsd": probable,
            "cluster_criteria": criteria,
            "endorsed_at": ENDORSED_AT,
        },
    )


PCL5 = Instrument(
    name="pcl5",
    title="PCL-5",
    description="PTSD Checklist for DSM-5: PTSD symptom severity over the past month.",
    items=tuple(Item(n, 0, 4, label=label) for n, label in enumerate(_LABELS, 1)),
    total_range=(0, 80),
    scoring_rule=(
        "Total = sum of items 1-20 (0-80); probable PTSD at total >= cut-off (31-33, default "
        "33). Cluster severity = sum of the cluster's items: B 1-5, C 6-7, D 8-14, E 15-20. "
        "Provisional DSM-5 diagnosis: items rated >= 2 count as endorsed; needs >= 1 B, "
        ">= 1 C, >= 2 D and >= 2 E."
    ),
    scorer=_score,
    respondent="self-report",
    missing_item_policy=(
        "all 20 items must be answered for a total and for a cluster's severity (no published "
        "prorating rule was found, so none is applied); the provisional diagnosis is still "
        "decided when the answered items settle it (every criterion met, or one that cannot be "
        "met whatever the missing answers), else it is undetermined (None)"
    ),
    source=SOURCE + "; " + SCORING_SOURCE,
    copyright_note=(
        "Developed by the U.S. Department of Veterans Affairs National Center for PTSD (public "
        "domain). kapnotes stores item numbers and DSM-5 symptom labels only."
    ),
    bands=bands_for(DEFAULT_CUTOFF),
    subscales=tuple(
        Subscale(c, items, "sum", SCORING_SOURCE, label=name) for c, items, _n, name in CLUSTERS
    ),
    # LOINC 101697-1 (panel "Post traumatic stress disorder checklist - civilian version DSM-5
    # [PCL-5]", added in LOINC 2.75) and 101698-9 ("PTSD PCL-5 score [PCL-5]"): the LOINC table
    # as reproduced by findacode.com and healthassure.in (LOINC 2.82), and a public CoCM guide
    # that checked 101698-9 against tx.fhir.org. Not read on loinc.org itself; PCL-5 codes
    # disagree across secondary sources. No item codes were verified.
    loinc=LoincCodes(
        source="LOINC table via findacode.com / healthassure.in (not read on loinc.org)",
        panel="101697-1",
        total="101698-9",
    ),
    parameters=(
        Parameter("cutoff", "int", DEFAULT_CUTOFF, "probable-PTSD cut-off on the total",
                  CUTOFF_SOURCE, low=1, high=80),
    ),
    aliases=("PCL-5", "PCL 5"),
    direction=Direction("lower", cite("weathers-2013", note="a higher total is more severe")),
    response=RESPONSE_50,
    # Reliable change. r = .82: Blevins et al. 2015 (Study 1, trauma-exposed students,
    # abstract). s1 = 12.40: J Affect Disord 2020;277:368-374, Table 3 "Normative data for the
    # PCL-5" (M 38.81, SD 12.40); the sample of that paper was not read, and the two numbers
    # come from different samples.
    reliable_change=ReliableChangeParams(
        s1=12.40,
        r=0.82,
        source=cite("blevins-2015", note="r = .82") + "; J Affect Disord 2020;277:368-374, "
        "Table 3 (PCL-5 SD 12.40)",
        verified=True,
        note="s1 and r come from different samples",
    ),
)
