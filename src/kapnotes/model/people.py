"""The clinic, its clinicians and its clients."""

from __future__ import annotations

import datetime as dt
import re
from typing import ClassVar

from kapnotes.choices import Choice
from kapnotes.errors import Problem
from kapnotes.model._base import (
    field,
    max_len,
    model,
    non_blank,
    problem,
    unique_by,
    valid_id,
    valid_timezone,
)
from kapnotes.model.extensions import Extensions, as_extensions
from kapnotes.patterns import LazyPattern

EMAIL_RE = LazyPattern(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
US_STATE_RE = LazyPattern(r"^[A-Z]{2}$")


def valid_email(value: str) -> str | None:
    return None if EMAIL_RE.match(value) else f"expected an e-mail address, got {value!r}"


def valid_npi(value: str) -> str | None:
    """NPI: 10 digits with a Luhn check digit computed with the prefix 80840.

    Source: CMS, "Requirements for National Provider Identifier (NPI) and NPI Enumeration",
    check-digit algorithm (ISO/IEC 7812 Luhn over "80840" + first nine digits).
    """
    if not re.fullmatch(r"\d{10}", value):
        return f"expected a 10-digit NPI, got {value!r}"
    digits = [int(c) for c in "80840" + value[:9]]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    check = (10 - total % 10) % 10
    if check != int(value[9]):
        return f"NPI {value!r} fails its check digit (expected last digit {check})"
    return None


class Role(Choice):
    """What a clinician does in KAP care."""

    PRESCRIBER = "prescriber"
    THERAPIST = "therapist"
    MONITOR = "monitor"
    SUPERVISOR = "supervisor"


class Sex(Choice):
    """Sex recorded for clinical purposes (reference ranges, pregnancy screening)."""

    FEMALE = "female"
    MALE = "male"
    INTERSEX = "intersex"
    UNKNOWN = "unknown"


@model
class Address:
    """A postal address. Every part below the state is a direct identifier (Safe Harbor)."""

    lines: tuple[str, ...] = field(default=(), identifier=True)
    city: str | None = field(default=None, identifier=True)
    state: str | None = field(default=None, check=max_len(64))
    postal_code: str | None = field(default=None, identifier=True, check=max_len(16))
    country: str = field(default="US", check=max_len(2))


@model
class Contact:
    """A person to reach (emergency contact, chaperone). Names and numbers are identifiers."""

    name: str = field(identifier=True, check=non_blank)
    relationship: str | None = None
    phone: str | None = field(default=None, identifier=True)


@model
class Clinic:
    """The practice that keeps the record."""

    id: str = field(check=valid_id)
    name: str = field(check=non_blank)
    address: Address | None = None
    phone: str | None = None
    npi: str | None = field(default=None, check=valid_npi)
    timezone: str | None = field(
        default=None, check=valid_timezone, doc="IANA time zone, e.g. America/Denver"
    )


@model
class Clinician:
    """Someone who documents care. ``licensed`` False means notes need a supervisor co-signature."""

    id: str = field(check=valid_id)
    name: str = field(check=non_blank)
    credentials: str = field(check=non_blank, doc="e.g. 'MD', 'PsyD', 'LCSW', 'RN'")
    roles: tuple[Role, ...] = field(
        check=unique_by(lambda r: r.value, "role"), doc="at least one role"
    )
    npi: str | None = field(default=None, check=valid_npi)
    licensed: bool = True
    supervisor_id: str | None = field(default=None, check=valid_id)
    email: str | None = field(default=None, check=valid_email)
    extensions: Extensions = field(
        factory=Extensions, converter=as_extensions,
        doc="plugin extension fields by namespace (format 1.2)",
    )

    extension_host: ClassVar[str] = "clinician"

    def _invariants(self) -> list[Problem]:
        out = []
        if not self.roles:
            out.append(problem("roles", "a clinician needs at least one role"))
        if not self.licensed and self.supervisor_id is None:
            out.append(problem("supervisor_id", "a pre-licensed clinician must name a supervisor"))
        if self.supervisor_id is not None and self.supervisor_id == self.id:
            out.append(problem("supervisor_id", "a clinician cannot supervise themself"))
        return out


@model
class PersonName:
    """A client's name. All parts are direct identifiers."""

    given: str = field(identifier=True, check=non_blank)
    family: str = field(identifier=True, check=non_blank)
    middle: str | None = field(default=None, identifier=True)
    preferred: str | None = field(default=None, identifier=True)

    @property
    def display(self) -> str:
        return f"{self.given} {self.family}"


@model
class Client:
    """The person in care. Fields marked ``identifier`` are removed by de-identification."""

    id: str = field(check=valid_id)
    mrn: str = field(identifier=True, check=(non_blank, max_len(64)))
    name: PersonName = field(identifier=True)
    date_of_birth: dt.date = field(identifier=True)
    sex: Sex = Sex.UNKNOWN
    gender_identity: str | None = None
    pronouns: str | None = None
    phone: str | None = field(default=None, identifier=True)
    email: str | None = field(default=None, identifier=True, check=valid_email)
    address: Address | None = field(default=None, identifier=True)
    emergency_contacts: tuple[Contact, ...] = field(default=(), identifier=True)
    extensions: Extensions = field(
        factory=Extensions, converter=as_extensions,
        doc="plugin extension fields by namespace (format 1.2)",
    )

    extension_host: ClassVar[str] = "client"

    def _invariants(self) -> list[Problem]:
        if self.date_of_birth.year < 1900 or self.date_of_birth > dt.date(2100, 1, 1):
            return [problem("date_of_birth", f"implausible date of birth {self.date_of_birth}")]
        return []


__all__ = [
    "Address",
    "Client",
    "Clinic",
    "Clinician",
    "Contact",
    "PersonName",
    "Role",
    "Sex",
    "valid_email",
    "valid_npi",
]
