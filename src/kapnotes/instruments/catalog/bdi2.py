"""BDI-II: Beck Depression Inventory-II (21 items, 0-3). Copyrighted: scores only, no wording."""

from __future__ import annotations

from kapnotes.instruments.base import (
    SUICIDE,
    Band,
    CriticalItem,
    Direction,
    Instrument,
    Item,
    LoincCodes,
)
from kapnotes.instruments.catalog._common import RESPONSE_50, sum_scorer
from kapnotes.references import cite

SOURCE = cite("beck-1996")
# Bands: the BDI-II manual (Beck, Steer & Brown 1996): 0-13 minimal, 14-19 mild, 20-28
# moderate, 29-63 severe; the same ranges appear on Pearson's BDI-II score report and the
# COMPAR-EU tool summary. Read in secondary sources, not in the manual itself.
BAND_SOURCE = "Beck, Steer & Brown 1996 (BDI-II manual), via secondary sources"

# Neutral labels of our own for the 21 symptoms (not the published item titles).
_LABELS = (
    "sadness", "pessimism", "sense of failure", "loss of pleasure", "guilt", "punishment",
    "self-dislike", "self-criticism", "suicidal thoughts", "crying", "agitation",
    "loss of interest", "indecisiveness", "worthlessness", "energy", "sleep", "irritability",
    "appetite", "concentration", "fatigue", "interest in sex",
)
# Items 16 (sleep) and 18 (appetite) have options 0, 1a, 1b, 2a, 2b, 3a, 3b; record the number.
_AB_HINT = "record the number of the option chosen: 1a or 1b = 1, 2a or 2b = 2, 3a or 3b = 3"

BDI2 = Instrument(
    name="bdi2",
    title="BDI-II",
    description="Beck Depression Inventory-II: self-reported depression severity, past 2 weeks.",
    items=tuple(
        Item(n, 0, 3, label=label, hint=_AB_HINT if n in (16, 18) else None)
        for n, label in enumerate(_LABELS, 1)
    ),
    total_range=(0, 63),
    scoring_rule="Total = sum of items 1-21 (0-63); items 16 and 18 count their option's number.",
    scorer=sum_scorer,
    respondent="self-report",
    missing_item_policy=(
        "all 21 items must be answered for a total; with any missing the result is incomplete "
        "and has no total; a missing item 9 is always flagged"
    ),
    source=SOURCE,
    copyright_note=(
        "Copyright Aaron T. Beck; published by Pearson. kapnotes stores item numbers, scores "
        "and neutral labels only, never item wording."
    ),
    bands=(
        Band(0, 13, "minimal", BAND_SOURCE),
        Band(14, 19, "mild", BAND_SOURCE),
        Band(20, 28, "moderate", BAND_SOURCE),
        Band(29, 63, "severe", BAND_SOURCE),
    ),
    # Item 9 is "suicidal thoughts or wishes" on the BDI-II (Pearson BDI-II score report item
    # list; St Patrick's outcome-measure summary): two sources. Threshold >= 1: option 1 is the
    # first that states thoughts of killing oneself (Perroud et al. 2009, Table 1: 0 absent,
    # 1 thoughts of killing myself, 2-3 wishes to), as for PHQ-9 item 9 > 0.
    critical_items=(
        CriticalItem(
            9, 1,
            "suicidal thoughts or wishes endorsed: follow up (suicide risk assessment) "
            "whatever the total",
            cite("beck-1996", "perroud-2009",
                 note="BDI item 9 options (Perroud Table 1): 0 absent, 1 thoughts of killing "
                 "oneself, 2-3 wishes to; >= 1 mirrors PHQ-9 item 9 > 0"),
            kind=SUICIDE,
        ),
    ),
    # LOINC total 89209-1 "Beck Depression Inventory II total score [BDI]" ([ref:loinc]): the
    # LOINC table as reproduced by healthassure.in (LOINC 2.82). No panel or item codes verified.
    loinc=LoincCodes(source=cite("loinc", note="LOINC 2.82 table"), total="89209-1"),
    aliases=("BDI-II", "BDI 2", "BDI2", "BDIII"),
    direction=Direction("lower", cite("beck-1996", note="a higher total is more severe")),
    response=RESPONSE_50,
)
