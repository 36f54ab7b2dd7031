"""What a clinic bills for a session: service lines and per-clinician times (format 1.2).

A :class:`ServiceLine` is one claim line as a biller writes it (code system and code,
modifiers, units, place of service, rendering / supervising / billing clinician, diagnoses).
A :class:`ClinicianTime` is one span a clinician spent on one activity (psychotherapy,
evaluation and management, monitoring, assessment): time-based codes are chosen from these
spans, and psychotherapy minutes are kept apart from E/M minutes because each span has one
activity. :mod:`kapnotes.billing` suggests lines from a session; the lines recorded here are
what the clinic decided to bill.

Code *shapes* are checked here (a CPT code is five digits, or four digits and F/T/U; a HCPCS
Level II code is a letter and four digits; a modifier two letters or digits; a place of
service two digits); whether a code exists and when it applies is :mod:`kapnotes.billing`'s.
"""

from __future__ import annotations

import datetime as dt

from kapnotes.choices import Choice
from kapnotes.errors import Problem
from kapnotes.model._base import (
    aware,
    each,
    field,
    in_range,
    json_schema_of,
    model,
    problem,
    valid_id,
)
from kapnotes.patterns import LazyPattern

__all__ = [
    "ClinicianTime",
    "CodeSystem",
    "ServiceLine",
    "TimeActivity",
    "valid_icd10_list",
    "valid_modifier",
    "valid_place_of_service",
]

# CPT: five digits (Category I) or four digits and F (Category II), T (Category III) or U (PLA).
# HCPCS Level II: a letter A-V and four digits (CMS HCPCS Level II coding procedures).
_CODE_RE = {
    "CPT": LazyPattern(r"^[0-9]{4}[0-9FTU]$"),
    "HCPCS": LazyPattern(r"^[A-V][0-9]{4}$"),
}
MODIFIER_RE = LazyPattern(r"^[A-Z0-9]{2}$")
POS_RE = LazyPattern(r"^[0-9]{2}$")
ICD10_RE = LazyPattern(r"^[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$")


class CodeSystem(Choice):
    """The code system of a service line."""

    CPT = "CPT"
    HCPCS = "HCPCS"


class TimeActivity(Choice):
    """What a clinician's time was spent on (one activity per span)."""

    PSYCHOTHERAPY = "psychotherapy"
    EVALUATION_MANAGEMENT = "evaluation_management"
    MONITORING = "monitoring"
    ASSESSMENT = "assessment"

    @property
    def label(self) -> str:
        return {"evaluation_management": "E/M"}.get(self.value, self.value.capitalize())


def valid_modifier(value: str) -> str | None:
    return None if MODIFIER_RE.match(value) else f"expected a 2-character modifier like 25, got {value!r}"


json_schema_of(valid_modifier, pattern=MODIFIER_RE.pattern)


def valid_place_of_service(value: str) -> str | None:
    return None if POS_RE.match(value) else f"expected a 2-digit place of service like 11, got {value!r}"


json_schema_of(valid_place_of_service, pattern=POS_RE.pattern)


def _valid_icd10(value: str) -> str | None:
    return None if ICD10_RE.match(value) else f"expected an ICD-10-CM code like F33.2, got {value!r}"


json_schema_of(_valid_icd10, pattern=ICD10_RE.pattern)
valid_icd10_list = each(_valid_icd10)


def _at_most(n: int, what: str):  # type: ignore[no-untyped-def]
    def check(values: tuple[object, ...]) -> str | None:
        return f"at most {n} {what}, got {len(values)}" if len(values) > n else None

    return json_schema_of(check, maxItems=n)


@model
class ClinicianTime:
    """One span of one clinician's time on one activity (face-to-face unless noted).

    :ivar clinician_id: who.
    :ivar activity: psychotherapy, evaluation_management, monitoring or assessment.
    :ivar start: when the span began (with a UTC offset).
    :ivar end: when it ended.
    """

    clinician_id: str = field(check=valid_id)
    activity: TimeActivity
    start: dt.datetime = field(check=aware)
    end: dt.datetime = field(check=aware)
    notes: str | None = None

    @property
    def minutes(self) -> float:
        return (self.end - self.start).total_seconds() / 60.0

    def _invariants(self) -> list[Problem]:
        if self.start.tzinfo and self.end.tzinfo and self.end <= self.start:
            return [problem("end", "a time span must end after it starts")]
        return []


@model
class ServiceLine:
    """One billed service: a claim or superbill line.

    :ivar code: the CPT or HCPCS code (``90837``, ``G2083``, ``0820T``).
    :ivar system: ``CPT`` (the default) or ``HCPCS``.
    :ivar modifiers: up to four two-character modifiers (``25``, ``95``).
    :ivar units: units of service (1-99).
    :ivar place_of_service: the CMS two-digit place of service (``11`` office).
    :ivar rendering_clinician_id: who performed the service.
    :ivar supervising_clinician_id: who supervised it, when billed under supervision.
    :ivar billing_clinician_id: whose NPI bills it (the clinic's NPI when absent).
    :ivar diagnoses: ICD-10-CM codes of the course's indications this line is for, in pointer
        order (A, B, C, D on a claim form).
    :ivar charge_cents: the clinic's fee for the line, in cents.
    """

    code: str
    system: CodeSystem = CodeSystem.CPT
    modifiers: tuple[str, ...] = field(default=(), check=(each(valid_modifier), _at_most(4, "modifiers")))
    units: int = field(default=1, check=in_range(1, 99))
    place_of_service: str | None = field(default=None, check=valid_place_of_service)
    rendering_clinician_id: str | None = field(default=None, check=valid_id)
    supervising_clinician_id: str | None = field(default=None, check=valid_id)
    billing_clinician_id: str | None = field(default=None, check=valid_id)
    diagnoses: tuple[str, ...] = field(default=(), check=(valid_icd10_list, _at_most(4, "diagnoses")))
    charge_cents: int | None = field(default=None, check=in_range(0, 100_000_000))

    def _invariants(self) -> list[Problem]:
        if not _CODE_RE[self.system.value].match(self.code):
            shape = {
                "CPT": "five digits, or four digits and F, T or U (90837, 0820T)",
                "HCPCS": "a letter and four digits (G2083)",
            }[self.system.value]
            return [problem("code", f"expected a {self.system.value} code: {shape}, got {self.code!r}")]
        return []
