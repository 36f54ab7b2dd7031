"""The billing codes kapnotes knows: one entry per code, with its source (one place per fact).

Each :class:`BillingCode` cites :mod:`kapnotes.references`; its ``status`` is the weakest of
its sources' (``verified`` > ``single source`` > ``not verified``). Codes change yearly: check
them against the current CPT and HCPCS books before billing.
"""

from __future__ import annotations

import attrs

from kapnotes.model.billing import CodeSystem
from kapnotes.references import Status, cite, reference

__all__ = ["CODES", "EM_CODES", "PROLONGED_CODES", "BillingCode", "weakest"]

_RANK: dict[str, int] = {"verified": 2, "single source": 1, "not verified": 0}


def weakest(keys: tuple[str, ...]) -> Status:
    """The weakest status of the references ``keys`` (``not verified`` without any)."""
    if not keys:
        return "not verified"
    return min((reference(k).status for k in keys), key=lambda s: _RANK[s])


@attrs.frozen
class BillingCode:
    """A CPT or HCPCS code: what it describes and where that was read.

    :ivar add_on: an add-on code (reported only with a primary service).
    """

    code: str
    system: CodeSystem
    title: str
    references: tuple[str, ...]
    add_on: bool = False

    @property
    def status(self) -> Status:
        return weakest(self.references)

    @property
    def source(self) -> str:
        return cite(*self.references)


def _c(code: str, title: str, *refs: str, system: CodeSystem = CodeSystem.CPT, add_on: bool = False) -> BillingCode:
    return BillingCode(code, system, title, refs, add_on)


_PSY = "ama-cpt-psychotherapy"
_ADD = ("ama-cpt-psychotherapy", "ama-cpt-em-add-on")
_HCPCS = CodeSystem.HCPCS

_ALL = (
    _c("90791", "Psychiatric diagnostic evaluation", "ama-cpt-90791"),
    _c("90792", "Psychiatric diagnostic evaluation with medical services", "ama-cpt-90791"),
    _c("90832", "Psychotherapy, 30 minutes (16-37)", _PSY),
    _c("90834", "Psychotherapy, 45 minutes (38-52)", _PSY),
    _c("90837", "Psychotherapy, 60 minutes (53 or more)", _PSY),
    _c("90833", "Psychotherapy with an E/M service, 30 minutes (16-37)", *_ADD, add_on=True),
    _c("90836", "Psychotherapy with an E/M service, 45 minutes (38-52)", *_ADD, add_on=True),
    _c("90838", "Psychotherapy with an E/M service, 60 minutes (53 or more)", *_ADD, add_on=True),
    _c("90853", "Group psychotherapy (other than of a multiple-family group)", "ama-cpt-90853"),
    _c("96127", "Brief emotional/behavioral assessment, per standardized instrument",
       "ama-cpt-96127"),
    _c("0820T", "Continuous in-person monitoring during psychedelic medication therapy, first "
       "physician or QHP, each hour", "ama-cpt-0820t"),
    _c("0821T", "Continuous in-person monitoring during psychedelic medication therapy, second "
       "physician or QHP, concurrent, each hour", "ama-cpt-0820t", add_on=True),
    _c("0822T", "Continuous in-person monitoring during psychedelic medication therapy, "
       "clinical staff, concurrent, each hour", "ama-cpt-0820t", add_on=True),
    _c("G2082", "Esketamine nasal self-administration visit, up to 56 mg, includes 2 hours "
       "observation", "cms-hcpcs-g2082", system=_HCPCS),
    _c("G2083", "Esketamine nasal self-administration visit, more than 56 mg, includes 2 hours "
       "observation", "cms-hcpcs-g2082", system=_HCPCS),
    _c("J0013", "Esketamine, nasal spray, 1 mg (drug code outside Medicare)",
       "esketamine-drug-code", system=_HCPCS),
)

#: Every code by code.
CODES: dict[str, BillingCode] = {c.code: c for c in _ALL}

#: Office or other outpatient E/M visits (new 99202-99205, established 99211-99215): the
#: primary service a psychotherapy add-on needs [ref:ama-cpt-em-add-on].
EM_CODES: frozenset[str] = frozenset(
    [f"9920{n}" for n in range(2, 6)] + [f"9921{n}" for n in range(1, 6)]
)

#: Prolonged-service codes never billed with G2082/G2083 [ref:esketamine-bundling].
PROLONGED_CODES: frozenset[str] = frozenset({"99415", "99416", "99417", "G2212"})
