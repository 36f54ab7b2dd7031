"""MADRS: Montgomery-Asberg Depression Rating Scale (clinician-rated, 10 items, 0-6).

Item wording and anchors are copyrighted; items carry neutral labels only.
"""

from __future__ import annotations

from kapnotes.instruments.base import (
    SUICIDE,
    Band,
    CriticalItem,
    Direction,
    Instrument,
    Item,
    Parameter,
    Remission,
)
from kapnotes.instruments.catalog._common import RESPONSE_50, sum_scorer
from kapnotes.references import cite

SOURCE = cite("montgomery-1979")
# Bands: Snaith RP, Harrop FM, Newby DA, Teale C. Grade scores of the Montgomery-Asberg
# Depression and the Clinical Anxiety Scales. Br J Psychiatry 1986;148:599-601 ("zero to six
# indicate an absence of symptoms; seven to 19 mild; 20 to 34 moderate; 35 to 60 severe", as
# quoted in McDowell's Measuring Health); the 35 cut-off for severe is also supported by Muller
# MJ et al., J Affect Disord 2000;60:137-140. Read in secondary sources, not in the originals.
BAND_SOURCE = "Snaith et al. 1986, Br J Psychiatry 148:599-601 (via secondary sources)"
REMISSION_SOURCE = cite(
    "zimmerman-2004", note="remission <= 10; other papers use <= 9 or <= 12 (pass remission_cutoff)"
)

_LABELS = (
    "apparent sadness", "reported sadness", "inner tension", "reduced sleep", "reduced appetite",
    "concentration difficulties", "lassitude", "inability to feel", "pessimistic thoughts",
    "suicidal thoughts",
)

MADRS = Instrument(
    name="madrs",
    title="MADRS",
    description="Montgomery-Asberg Depression Rating Scale: clinician-rated depression severity.",
    items=tuple(Item(n, 0, 6, label=label) for n, label in enumerate(_LABELS, 1)),
    total_range=(0, 60),
    scoring_rule="Total = sum of items 1-10 (0-60).",
    scorer=sum_scorer,
    respondent="clinician",
    missing_item_policy=(
        "all 10 items must be rated for a total; with any missing the result is incomplete "
        "and has no total; a missing item 10 is always flagged"
    ),
    source=SOURCE,
    copyright_note=(
        "Copyrighted rating scale. kapnotes stores item numbers and neutral labels only, never "
        "the item descriptions or anchors."
    ),
    bands=(
        Band(0, 6, "normal", BAND_SOURCE),
        Band(7, 19, "mild", BAND_SOURCE),
        Band(20, 34, "moderate", BAND_SOURCE),
        Band(35, 60, "severe", BAND_SOURCE),
    ),
    # Item 10 is "suicidal thoughts" (Montgomery & Asberg 1979 item list, as listed by the
    # cliot R package madrs_depression_score and the progress.im depression-assessment page).
    # Threshold >= 2, the first anchored rating that describes suicidal thoughts (Perroud et
    # al. 2009, Table 1: 0-1 enjoys life, 2-3 only fleeting suicidal thoughts); the same
    # anchors in J Clin Psychiatry's PCC 2010;12(5) Table 1. Until 0.2 the flag fired at >= 1
    # and the rule at >= 2: one threshold now serves both.
    critical_items=(
        CriticalItem(
            10, 2,
            "suicidal thoughts rated 2 or more: follow up (suicide risk assessment) whatever "
            "the total",
            cite("montgomery-1979", "perroud-2009",
                 note="MADRS item 10 anchors (Perroud Table 1): 0-1 enjoys life; 2-3 weary of "
                 "life, only fleeting suicidal thoughts; 4-5 suicidal thoughts common; 6 "
                 "explicit plans. >= 2 is the first rating that describes suicidal thoughts"),
            kind=SUICIDE,
        ),
    ),
    # LOINC: no MADRS code was found in LOINC, a FHIR IG or an EHR vendor spec: not verified.
    loinc=None,
    remission=Remission(10, REMISSION_SOURCE),
    parameters=(
        Parameter("remission_cutoff", "int", 10, "remission when total <= this",
                  REMISSION_SOURCE, low=0, high=60),
    ),
    aliases=("MADRS",),
    direction=Direction("lower", cite("montgomery-1979", note="a higher total is more severe")),
    response=RESPONSE_50,
)
