"""GAD-7: Generalized Anxiety Disorder, 7 items. Free to reproduce (Pfizer): wording included."""

from __future__ import annotations

import math

from kapnotes.instruments.base import (
    Band,
    Direction,
    Instrument,
    Item,
    LoincCodes,
    ReliableChangeParams,
    Remission,
)
from kapnotes.instruments.catalog._common import PHQ_FREQUENCY, RESPONSE_50, sum_scorer
from kapnotes.references import cite

SOURCE = cite("spitzer-2006")

_WORDING = (
    ("nervousness", "Feeling nervous, anxious or on edge"),
    ("uncontrollable worry", "Not being able to stop or control worrying"),
    ("excessive worry", "Worrying too much about different things"),
    ("trouble relaxing", "Trouble relaxing"),
    ("restlessness", "Being so restless that it is hard to sit still"),
    ("irritability", "Becoming easily annoyed or irritable"),
    ("dread", "Feeling afraid as if something awful might happen"),
)
# LOINC. Panel 69737-5 and total 70274-6 ([ref:loinc]); 70274-6 is also in the HL7 Personal
# Health Records IG value set observation-scored-assessment-score-codes. Item codes: loinc.org
# panel 69729-2 (PHQ-SADS), which lists these seven GAD-7 questions with the GAD-7 total
# 70274-6; the same codes are the linkIds of published FHIR GAD-7 Questionnaires.
_ITEM_LOINC = ("69725-0", "68509-9", "69733-4", "69734-2", "69735-9", "69689-8", "69736-7")

_R, _RCI = 0.87, 5.59  # reliable change: see reliable_change below

GAD7 = Instrument(
    name="gad7",
    title="GAD-7",
    description="Generalized Anxiety Disorder-7: anxiety severity over the last 2 weeks.",
    items=tuple(
        Item(n, 0, 3, label=label, text=text, hint=PHQ_FREQUENCY, loinc=code)
        for n, ((label, text), code) in enumerate(zip(_WORDING, _ITEM_LOINC, strict=True), 1)
    ),
    total_range=(0, 21),
    scoring_rule="Total = sum of items 1-7 (0-21).",
    scorer=sum_scorer,
    respondent="self-report",
    missing_item_policy=(
        "all 7 items must be answered for a total; with any missing the result is incomplete "
        "and has no total (no published prorating rule was found)"
    ),
    source=SOURCE,
    copyright_note=(
        "Copyright Pfizer Inc. Developed by Drs. Robert L. Spitzer, Janet B.W. Williams, Kurt "
        "Kroenke and colleagues, with an educational grant from Pfizer Inc. No permission "
        "required to reproduce, translate, display or distribute."
    ),
    # Bands: Spitzer et al. 2006 (cut-points 5, 10, 15).
    bands=(
        Band(0, 4, "minimal", SOURCE),
        Band(5, 9, "mild", SOURCE),
        Band(10, 14, "moderate", SOURCE),
        Band(15, 21, "severe", SOURCE),
    ),
    loinc=LoincCodes(
        source="see the comment above _ITEM_LOINC in kapnotes/instruments/catalog/gad7.py",
        panel="69737-5",
        total="70274-6",
        items=tuple(enumerate(_ITEM_LOINC, 1)),
    ),
    # Remission: follow-up < 5 with a baseline >= 10, as in published KAP outcome work.
    remission=Remission(
        4, cite("hull-2022", note="total < 5, judged when the baseline is >= 10"),
        baseline_at_least=10,
    ),
    aliases=("GAD-7", "GAD 7"),
    direction=Direction("lower", cite("spitzer-2006", note="a higher total is more severe")),
    response=RESPONSE_50,
    # Reliable change. r = .87 (14-28 day test-retest) and RCI = 5.59 points: Bischoff et al.
    # 2020 (abstract). Their SD was not read; s1 = 5.59 / (1.96 * sqrt(2) * sqrt(1 - .87)) =
    # 5.593 is DERIVED so that the RCI threshold matches theirs.
    reliable_change=ReliableChangeParams(
        s1=_RCI / (1.96 * math.sqrt(2) * math.sqrt(1 - _R)),
        r=_R,
        source=cite("bischoff-2020", note="r = .87, RCI = 5.59 points"),
        verified=False,
        note="s1 is derived from the published RCI (5.59) and r, not read in the paper",
    ),
)
