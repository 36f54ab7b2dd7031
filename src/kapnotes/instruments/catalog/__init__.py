"""The built-in instruments, one module each. :data:`ALL` is what the built-in plugin registers.

======================  ===============================================================
``phq9``                PHQ-9 (with the unscored difficulty item 10)
``gad7``                GAD-7
``pcl5``                PCL-5, with DSM-5 clusters and provisional diagnosis
``qids-sr16``           QIDS-SR16, nine domains
``madrs``               MADRS (clinician)
``bdi2``                BDI-II (scores only)
``cssrs-screener``      C-SSRS screener, risk triage (item 6b = within the past 3 months)
``cssrs-since-last-visit``  C-SSRS "since last visit" screener, risk triage at repeat visits
``cadss``               CADSS, 23 subject-rated items
``cadss-6``             CADSS-6 short form (CADSS items 1, 2, 6, 7, 15, 22)
``moaas``               MOAA/S sedation level
``meq30``               MEQ30, four subscales and the complete-experience criterion
======================  ===============================================================
"""

from __future__ import annotations

from kapnotes.instruments.base import Instrument
from kapnotes.instruments.catalog.bdi2 import BDI2
from kapnotes.instruments.catalog.cadss import CADSS
from kapnotes.instruments.catalog.cadss6 import CADSS6
from kapnotes.instruments.catalog.cssrs import CSSRS_SCREENER, CSSRS_SINCE_LAST_VISIT
from kapnotes.instruments.catalog.gad7 import GAD7
from kapnotes.instruments.catalog.madrs import MADRS
from kapnotes.instruments.catalog.meq30 import MEQ30
from kapnotes.instruments.catalog.moaas import MOAAS
from kapnotes.instruments.catalog.pcl5 import PCL5
from kapnotes.instruments.catalog.phq9 import PHQ9
from kapnotes.instruments.catalog.qids import QIDS_SR16

ALL: tuple[Instrument, ...] = (
    PHQ9, GAD7, PCL5, QIDS_SR16, MADRS, BDI2, CSSRS_SCREENER, CSSRS_SINCE_LAST_VISIT, CADSS,
    CADSS6, MOAAS, MEQ30,
)

BY_NAME: dict[str, Instrument] = {i.name: i for i in ALL}

__all__ = [
    "ALL", "BDI2", "BY_NAME", "CADSS", "CADSS6", "CSSRS_SCREENER", "CSSRS_SINCE_LAST_VISIT", "GAD7", "MADRS", "MEQ30", "MOAAS",
    "PCL5", "PHQ9", "QIDS_SR16",
]
