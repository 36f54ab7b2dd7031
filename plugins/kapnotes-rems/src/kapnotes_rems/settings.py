"""The plugin's section of the clinic configuration: ``"plugins": {"rems": {...}}``."""

from __future__ import annotations

import datetime as dt

from kapnotes.model import field, in_range, model
from kapnotes.references import cite
from kapnotes.rules.plugin_config import ConfigSection

__all__ = ["CONFIG_SECTION", "SECTION", "SOURCES", "RemsSettings"]

#: The key under ``plugins`` in the clinic configuration.
SECTION = "rems"


@model
class RemsSettings:
    """How the clinic uses the REMS form.

    :ivar first_treatment_form_from: the first treatment date on which the clinic uses the
        form version with the first-treatment question (its revision date is not verified, so
        it is never in force by default).
    :ivar warn_days_before_due: warn this many days before the submission deadline.
    """

    first_treatment_form_from: dt.date | None = None
    warn_days_before_due: int = field(default=2, check=in_range(0, 7, unit="days"))


SOURCES = {
    "first_treatment_form_from": cite("spravato-monitoring-form-overview",
                                      note="no default: the revision date is not verified"),
    "warn_days_before_due": "kapnotes-rems default (no published lead time); the deadline "
    "itself is 7 days, " + cite("spravato-monitoring-form"),
}

#: The section as registered (``register_config_sections``); rules read it with
#: ``ctx.config.section(CONFIG_SECTION)``.
CONFIG_SECTION = ConfigSection(SECTION, RemsSettings, sources=SOURCES,
                               description="SPRAVATO REMS Patient Monitoring Form")
