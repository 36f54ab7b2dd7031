"""A clinic's own instrument that is an outcome measure: the Insomnia Severity Index (ISI).

The instrument carries every fact about itself, so kapnotes' outcomes, charts, the progress
note and ``kapnotes outcomes --instrument ISI`` treat it like a built-in measure:

* ``direction``: a lower total is better (insomnia severity);
* ``remission``: total <= 7 (no clinically significant insomnia), judged only for a course
  whose baseline shows insomnia (>= 8: a course that starts at 0-7 cannot remit);
* no ``response`` of its own: the 50 % reduction convention applies;
* no ``reliable_change``: no test-retest r was verified, so no reliable change index.

The ISI is copyrighted (Morin, Universite Laval): item numbers and neutral labels only.
"""

from __future__ import annotations

from kapnotes.instruments.base import Band, Direction, Instrument, Item, Remission
from kapnotes.instruments.catalog._common import sum_scorer

# Bastien CH, Vallieres A, Morin CM. Validation of the Insomnia Severity Index as an outcome
# measure for insomnia research. Sleep Med 2001;2(4):297-307: 7 items 0-4, total 0-28; bands
# 0-7 no clinically significant insomnia, 8-14 subthreshold, 15-21 moderate, 22-28 severe (as
# printed on the form's scoring guidelines, e.g. the VA My HealtheVet copy).
SOURCE = "Bastien, Vallieres & Morin 2001, Sleep Med 2(4):297-307"
# Remission ISI < 8: Morin CM, Belleville G, Belanger L, Ivers H. The Insomnia Severity Index:
# psychometric indicators to detect insomnia cases and evaluate treatment response. Sleep
# 2011;34(5):601-608 (a score below 8 used to define remission after treatment).
REMISSION_SOURCE = "Morin et al. 2011, Sleep 34(5):601-608 (remission: ISI < 8)"

_LABELS = (
    "falling asleep", "staying asleep", "waking too early", "satisfaction with sleep",
    "noticeable to others", "worry about sleep", "interference with daytime functioning",
)

ISI = Instrument(
    name="isi",
    title="ISI",
    description="Insomnia Severity Index: self-reported insomnia severity, last 2 weeks.",
    items=tuple(Item(n, 0, 4, label=label) for n, label in enumerate(_LABELS, 1)),
    total_range=(0, 28),
    scoring_rule="Total = sum of items 1-7 (0-28).",
    scorer=sum_scorer,
    respondent="self-report",
    missing_item_policy="all 7 items must be answered for a total",
    source=SOURCE,
    copyright_note="Copyright Charles M. Morin, Universite Laval: item numbers and labels only.",
    bands=(
        Band(0, 7, "no clinically significant insomnia", SOURCE),
        Band(8, 14, "subthreshold insomnia", SOURCE),
        Band(15, 21, "clinical insomnia (moderate)", SOURCE),
        Band(22, 28, "clinical insomnia (severe)", SOURCE),
    ),
    aliases=("ISI", "ISI-7", "Insomnia Severity Index"),
    direction=Direction("lower", SOURCE + ": a higher total is more severe insomnia"),
    remission=Remission(7, REMISSION_SOURCE, baseline_at_least=8),
)
