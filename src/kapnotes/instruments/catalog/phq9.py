"""PHQ-9: Patient Health Questionnaire, 9 items (depression severity), plus the difficulty item.

Free to reproduce (Pfizer: "No permission required to reproduce, translate, display or
distribute"), so the item wording is included.
"""

from __future__ import annotations

import math

from kapnotes.instruments.base import (
    SUICIDE,
    Answers,
    Band,
    CriticalItem,
    Direction,
    Instrument,
    Item,
    LoincCodes,
    Parameter,
    Params,
    Prorating,
    ReliableChangeParams,
    Remission,
    ScoreResult,
)
from kapnotes.instruments.catalog._common import PHQ_FREQUENCY, RESPONSE_50, sum_scorer
from kapnotes.references import cite

SOURCE = cite("kroenke-2001")
# Bands: Kroenke et al. 2001 (cut-points 5, 10, 15, 20); the same ranges are LOINC answer list
# LL382-3 "PHQ-9 interpretation" (loinc.org/LL382-3, read 2026).
BAND_SOURCE = SOURCE + "; " + cite("loinc", note="answer list LL382-3")

_WORDING = (
    ("anhedonia", "Little interest or pleasure in doing things"),
    ("depressed mood", "Feeling down, depressed, or hopeless"),
    ("sleep", "Trouble falling or staying asleep, or sleeping too much"),
    ("energy", "Feeling tired or having little energy"),
    ("appetite", "Poor appetite or overeating"),
    ("self-worth", "Feeling bad about yourself - or that you are a failure or have let "
     "yourself or your family down"),
    ("concentration", "Trouble concentrating on things, such as reading the newspaper or "
     "watching television"),
    ("psychomotor", "Moving or speaking so slowly that other people could have noticed? Or the "
     "opposite - being so fidgety or restless that you have been moving around a lot more "
     "than usual"),
    ("thoughts of self-harm", "Thoughts that you would be better off dead or of hurting "
     "yourself in some way"),
)
_DIFFICULTY = (
    "If you checked off any problems, how difficult have these problems made it for you to do "
    "your work, take care of things at home, or get along with other people?"
)

# LOINC. Panel 44249-1 and total 44261-6: loinc.org lists 44261-6 as a member
# of 44249-1. Items 1-7: linkIds of the PHQ-9 QuestionnaireResponse example in the HL7 US
# Quality Core IG (build.fhir.org/ig/HL7/fhir-us-quality-core), same codes in the loinc.org
# PHQ-SADS panel 69729-2. Item 8 44253-3: the LHC-Forms PHQ-9 Questionnaire (lhncbc) and other
# FHIR Questionnaires built from LOINC. Item 9 44260-8: the same Questionnaires. Item 10
# (difficulty) 69722-7: a German PHQ-9 FHIR Questionnaire (item PHQ.10), an EHR's LOINC map of
# the PHQ-9 and a FHIR mapping test, three independent sources (see [ref:loinc]).
DIFFICULTY_LOINC = "69722-7"
_R, _SEM = 0.84, 2.5  # reliable change: see reliable_change below
_ITEM_LOINC = ("44250-9", "44255-8", "44259-0", "44254-1", "44251-7", "44258-2", "44252-5",
               "44253-3", "44260-8")


def _score(inst: Instrument, answers: Answers, params: Params) -> ScoreResult:
    """Sum of items 1-9; item 10 is recorded in ``details["difficulty"]`` and not scored."""
    return sum_scorer(inst, answers, params, details={"difficulty": answers[9]})


PHQ9 = Instrument(
    name="phq9",
    title="PHQ-9",
    description="Patient Health Questionnaire-9: depression severity over the last 2 weeks.",
    items=(
        *(
            Item(n, 0, 3, label=label, text=text, hint=PHQ_FREQUENCY, loinc=code)
            for n, ((label, text), code) in enumerate(zip(_WORDING, _ITEM_LOINC, strict=True), 1)
        ),
        Item(10, 0, 3, label="functional difficulty", text=_DIFFICULTY, scored=False,
             loinc=DIFFICULTY_LOINC,
             required=False, hint="0 = not difficult at all, 1 = somewhat difficult, "
             "2 = very difficult, 3 = extremely difficult"),
    ),
    total_range=(0, 27),
    scoring_rule="Total = sum of items 1-9 (0-27). Item 10 (difficulty) is recorded, not scored.",
    scorer=_score,
    respondent="self-report",
    missing_item_policy=(
        "items 1-9 must all be answered for a total; with any missing the result is "
        "incomplete and has no total. A caller may opt in (prorate=true) to the published "
        "rule of Arrieta et al. 2017: with at most 2 of items 1-9 missing, each missing item "
        "takes the mean of the answered ones. Item 10 is optional. A missing item 9 is always "
        "flagged"
    ),
    source=SOURCE,
    copyright_note=(
        "Copyright Pfizer Inc. Developed by Drs. Robert L. Spitzer, Janet B.W. Williams, Kurt "
        "Kroenke and colleagues, with an educational grant from Pfizer Inc. No permission "
        "required to reproduce, translate, display or distribute."
    ),
    bands=(
        Band(0, 4, "none/minimal", BAND_SOURCE),
        Band(5, 9, "mild", BAND_SOURCE),
        Band(10, 14, "moderate", BAND_SOURCE),
        Band(15, 19, "moderately severe", BAND_SOURCE),
        Band(20, 27, "severe", BAND_SOURCE),
    ),
    critical_items=(
        CriticalItem(
            9, 1,
            "thoughts of being better off dead or of self-harm: follow up (suicide risk "
            "assessment) whatever the total",
            cite("kroenke-2001",
                 note="any PHQ-9 item 9 answer above 0 needs follow-up whatever the total"),
            kind=SUICIDE,
        ),
    ),
    loinc=LoincCodes(
        source="see the comment above _ITEM_LOINC in kapnotes/instruments/catalog/phq9.py",
        panel="44249-1",
        total="44261-6",
        items=(*enumerate(_ITEM_LOINC, 1), (10, DIFFICULTY_LOINC)),
    ),
    # Remission "< 5": HEDIS DRR-E (NCQA) defines remission as a PHQ-9 below 5 (as summarized
    # by health-plan HEDIS pages; the NCQA text itself was not read); the same cut-off in KAP
    # outcome work (Hull et al. 2022, with a baseline >= 10: see the outcomes module).
    remission=Remission(
        4, cite("ncqa-drr", "hull-2022", note="total < 5, judged when the baseline is >= 10"),
        baseline_at_least=10,
    ),
    # Prorating: Arrieta J et al. 2017, J Clin Psychol, doi:10.1002/jclp.22390 (up to two
    # missing items replaced by the mean of the completed ones), as summarized by the
    # documentation of the qscorer R package (scoring_phq9); the paper itself was not read.
    prorating=Prorating(
        2, "Arrieta et al. 2017, doi:10.1002/jclp.22390 (via qscorer docs; original not read)"
    ),
    parameters=(
        Parameter(
            "prorate", "bool", False,
            "score a total with up to 2 of items 1-9 missing, each replaced by the mean of the "
            "answered items", "Arrieta et al. 2017 (see prorating)",
        ),
    ),
    aliases=("PHQ-9", "PHQ 9"),
    direction=Direction("lower", cite("kroenke-2001", note="a higher total is more severe")),
    response=RESPONSE_50,
    # Reliable change. r = 0.84: Kroenke et al. 2001 (patient-completed PHQ-9 vs the same by
    # telephone within 48 h), as quoted by several secondary sources; the original paragraph
    # was not read. No published baseline SD of a clinical sample was verified, so s1 is
    # DERIVED: Lowe et al. 2004 report (abstract) a minimal clinically important individual
    # change of 5 points "estimated as 2 standard errors of measurement", i.e. SEM = 2.5;
    # s1 = SEM / sqrt(1 - r) = 2.5 / 0.4 = 6.25 reproduces that SEM, the only quantity the RCI
    # depends on. Reliable change is then |change| > 1.96 * sqrt(2) * 2.5 = 6.93 points.
    reliable_change=ReliableChangeParams(
        s1=_SEM / math.sqrt(1 - _R),
        r=_R,
        source=cite("kroenke-2001", note="r = 0.84 (via secondary sources)") + "; "
        + cite("lowe-2004", note="SEM 2.5 (MCID = 2 SEM = 5 points)"),
        verified=False,
        note="s1 = 6.25 is derived from the published SEM (2.5) and r, not a published SD",
    ),
)
