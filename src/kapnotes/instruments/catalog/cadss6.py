"""CADSS-6: the six-item short form of the CADSS for monitoring ketamine dissociation.

Items are CADSS items 1, 2, 6, 7, 15 and 22 (Rodrigues et al. 2021), each rated 0-4; total 0-24.
Item wording is not reproduced. The authors describe the short form as not yet validated; it
correlated 0.91-0.95 with the full 23-item total across four infusions.
"""

from __future__ import annotations

from kapnotes.instruments.base import Instrument, Item
from kapnotes.instruments.catalog._common import sum_scorer
from kapnotes.references import cite

SOURCE = cite("rodrigues-2021")
#: The CADSS item behind each CADSS-6 position.
CADSS_ITEMS: tuple[int, ...] = (1, 2, 6, 7, 15, 22)

CADSS6 = Instrument(
    name="cadss-6",
    title="CADSS-6",
    description="CADSS-6: six-item short form of the CADSS, ketamine-induced dissociation.",
    items=tuple(
        Item(n, 0, 4, label=f"CADSS item {c}", key=str(c), hint="0 = not at all ... 4 = extremely")
        for n, c in enumerate(CADSS_ITEMS, 1)
    ),
    total_range=(0, 24),
    scoring_rule="Total = sum of CADSS items 1, 2, 6, 7, 15 and 22 (each 0-4; total 0-24).",
    scorer=sum_scorer,
    respondent="clinician",
    missing_item_policy=(
        "all 6 items must be rated for a total; with any missing the result is incomplete and "
        "has no total"
    ),
    source=SOURCE,
    copyright_note=(
        "CADSS copyright of the authors (J. D. Bremner et al.); short form by Rodrigues et al. "
        "2021. kapnotes stores item numbers and scores only."
    ),
    # No bands, no critical items and no LOINC codes were found for the short form.
    aliases=("CADSS6", "CADSS-6"),
    not_outcome_reason="CADSS-6 rates dissociation during a dosing session (acute drug effect)",
)
