"""CADSS: Clinician-Administered Dissociative States Scale, the 23 subject-rated items (0-4).

Item wording is not reproduced. The full scale has 28 items: 23 rated by the subject and 5 by
the observer (Bremner's administration instructions, 2014); kapnotes scores the 23 subject
items, total 0-92 (Bremner et al. 1998). The observer items are not part of this total.
"""

from __future__ import annotations

from kapnotes.instruments.base import Instrument, Item
from kapnotes.instruments.catalog._common import sum_scorer
from kapnotes.references import cite

SOURCE = cite("bremner-1998")

CADSS = Instrument(
    name="cadss",
    title="CADSS",
    description=(
        "Clinician-Administered Dissociative States Scale: present-state dissociation "
        "(23 subject-rated items)."
    ),
    items=tuple(Item(n, 0, 4, hint="0 = not at all ... 4 = extremely") for n in range(1, 24)),
    total_range=(0, 92),
    scoring_rule="Total = sum of the 23 subject-rated items (each 0-4; total 0-92).",
    scorer=sum_scorer,
    respondent="clinician",
    missing_item_policy=(
        "all 23 items must be rated for a total; with any missing the result is incomplete "
        "and has no total"
    ),
    source=SOURCE,
    copyright_note=(
        "Copyright of the authors (J. D. Bremner et al.). kapnotes stores item numbers and "
        "scores only. Subscale item assignments (depersonalization, derealization, amnesia) "
        "were not verified and are not scored."
    ),
    # No severity bands and no critical items: none were found in a public source.
    # LOINC: none found, not verified.
    aliases=("CADSS",),
    not_outcome_reason="CADSS rates dissociation during a dosing session (acute drug effect)",
)
