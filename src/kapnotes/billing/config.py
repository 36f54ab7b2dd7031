"""The ``billing`` section of the clinic configuration: the clinic's changes to the code rules.

Only the values a clinic changes are given::

    {"billing": {
        "rules": {"psychotherapy-90837": {"min_minutes": 60},
                  "esketamine-drug-j0013": {"enabled": true}},
        "accept_unverified": ["0820T"],
        "place_of_service": {"telehealth": "02"}
    }}

``rules`` changes a rule's limits or switches it on or off (by the rule's name, see
``kapnotes bill --rules``); ``accept_unverified`` lists codes the clinic has checked itself
(their lines are then not flagged); ``fees_cents`` is the clinic's fee per code (in cents, per
unit) shown on superbills; ``place_of_service`` maps a session's modality to the CMS
place-of-service code [ref:cms-pos].
"""

from __future__ import annotations

from kapnotes.model._base import field, in_range, model
from kapnotes.model.billing import valid_place_of_service

__all__ = ["BillingConfig", "PlaceOfService", "RuleChange"]


@model
class RuleChange:
    """The clinic's change to one code rule (every value optional)."""

    enabled: bool | None = None
    min_minutes: int | None = field(default=None, check=in_range(0, 1440))
    max_minutes: int | None = field(default=None, check=in_range(0, 1440))
    dose_above_mg: float | None = field(default=None, check=in_range(0, 1000))
    dose_at_most_mg: float | None = field(default=None, check=in_range(0, 1000))


@model
class PlaceOfService:
    """The CMS place of service by session modality: office 11, telehealth in the patient's
    home 10, home 12 [ref:cms-pos]."""

    in_person: str = field(default="11", check=valid_place_of_service)
    telehealth: str = field(default="10", check=valid_place_of_service)
    at_home_chaperoned: str = field(default="12", check=valid_place_of_service)


@model
class BillingConfig:
    """The clinic's billing policy (see the module docstring)."""

    rules: dict[str, RuleChange] = field(factory=dict)
    accept_unverified: tuple[str, ...] = ()
    fees_cents: dict[str, int] = field(factory=dict)
    place_of_service: PlaceOfService = field(factory=PlaceOfService)
