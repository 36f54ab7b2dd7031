"""The rules of the HIPAA Safe Harbor method that are data: ZIP3 prefixes, ages, the 18 identifiers.

Regulation: 45 CFR 164.514(b)(2)(i)(A)-(R) lists the identifiers to remove; 164.514(b)(2)(ii) adds
that the covered entity must have no actual knowledge that what remains could identify the
individual. This module holds the parts of that rule that are plain data, each with its source.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection

#: Three-digit ZIP prefixes whose combined population was 20,000 or fewer in Census 2000, which
#: Safe Harbor requires to be reported as ``000`` (45 CFR 164.514(b)(2)(i)(B)(2)).
#:
#: Source: HHS Office for Civil Rights, "Guidance Regarding Methods for De-identification of
#: Protected Health Information in Accordance with the HIPAA Privacy Rule" (2012), question
#: "When can ZIP codes be included in de-identified information?", which lists these 17
#: three-digit ZCTAs from Census 2000 data and points to the preamble of the 2002 modifications
#: (67 FR 53182, 53233-53234, Aug. 14, 2002). Checked against that guidance's text and against
#: several independent published implementations, all giving these same 17 prefixes. The guidance
#: itself warns not to rely on this list once more current Census data is published: pass your own
#: list to :func:`kapnotes.privacy.deidentify` (``restricted_zip3=``) if your privacy officer
#: uses newer data.
RESTRICTED_ZIP3: frozenset[str] = frozenset(
    {
        "036", "059", "063", "102", "203", "556", "692", "790", "821",
        "823", "830", "831", "878", "879", "884", "890", "893",
    }
)  # fmt: skip

#: Ages above this are aggregated into one category, 45 CFR 164.514(b)(2)(i)(C).
MAX_REPORTABLE_AGE = 89
#: The single category that ages over 89 (and their birth years) become.
AGE_90_PLUS = "90+"

_US_ZIP_RE = re.compile(r"^\s*(\d{3})\d{2}(?:-?\d{4})?\s*$")

#: The 18 Safe Harbor identifiers, 45 CFR 164.514(b)(2)(i)(A)-(R), and what kapnotes does with
#: each. The documentation (docs/deidentification.md) is checked against this table.
IDENTIFIERS: tuple[tuple[str, str, str], ...] = (
    ("A", "Names", "client, emergency-contact, escort and people-present names removed; clinician "
     "names removed by default; names redacted from free text"),
    ("B", "Geographic subdivisions smaller than a State", "street lines and city removed; ZIP "
     "kept as its first three digits, 000 for the restricted prefixes; state kept; the clinic's "
     "time zone (a tz name names a city) removed"),
    ("C", "All elements of dates (except year); ages over 89", "dates shifted per client or cut "
     "to the year; a birth date indicating an age over 89 becomes 90+; dates and ages over 89 "
     "redacted from free text"),
    ("D", "Telephone numbers", "removed; redacted from free text"),
    ("E", "Fax numbers", "removed; redacted from free text (same patterns as telephone numbers)"),
    ("F", "Electronic mail addresses", "removed; redacted from free text"),
    ("G", "Social security numbers", "not in the model; redacted from free text"),
    ("H", "Medical record numbers", "removed; redacted from free text"),
    ("I", "Health plan beneficiary numbers", "not in the model; redacted from free text when "
     "labelled (member/policy/subscriber number) or shaped like an identifier"),
    ("J", "Account numbers", "not in the model; redacted from free text when labelled or "
     "shaped like an identifier"),
    ("K", "Certificate/license numbers", "clinician NPIs removed by default; redacted from free "
     "text when labelled or shaped like an identifier"),
    ("L", "Vehicle identifiers and serial numbers", "not in the model; redacted from free text "
     "when labelled (plate, VIN) or shaped like an identifier"),
    ("M", "Device identifiers and serial numbers", "not in the model; redacted from free text "
     "when labelled (serial, device id) or shaped like an identifier, and MAC addresses"),
    ("N", "Web Universal Resource Locators (URLs)", "redacted from free text"),
    ("O", "Internet Protocol (IP) addresses", "IPv4 and IPv6 redacted from free text"),
    ("P", "Biometric identifiers", "not in the model; in free text, labelled biometric codes "
     "(fingerprint, voiceprint, iris or face ids and templates) and encoded data (long base64) "
     "redacted; a biometric described in words cannot be detected"),
    ("Q", "Full-face photographs and comparable images", "not in the model (no images); an "
     "image embedded in any string (a data: URI, long base64) is removed whole"),
    ("R", "Any other unique identifying number, characteristic, or code", "record ids replaced "
     "by keyed pseudonyms (allowed as a re-identification code by 164.514(c)); signature content "
     "hashes removed; identifier-shaped codes redacted from free text"),
)  # fmt: skip


def zip3(postal_code: str, *, restricted: Collection[str] = RESTRICTED_ZIP3) -> str | None:
    """The Safe Harbor form of a US ZIP code: its first three digits, or ``000`` if restricted.

    45 CFR 164.514(b)(2)(i)(B): the initial three digits may be kept only where the area they
    cover holds more than 20,000 people; otherwise they become ``000``. Returns ``None`` for a
    value that is not a US ZIP (5 digits, optionally ZIP+4), which must then be removed.
    """
    m = _US_ZIP_RE.match(postal_code)
    if m is None:
        return None
    prefix = m.group(1)
    return "000" if prefix in restricted else prefix


def age_on(born: dt.date, on: dt.date) -> int:
    """Age in whole years on ``on`` of someone born on ``born``."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def over_89(born: dt.date, on: dt.date, *, year_only: bool) -> bool:
    """Whether a birth date must be aggregated into ``90+`` (45 CFR 164.514(b)(2)(i)(C)).

    With exact dates (``year_only`` false) the age is exact. When only years are released, a
    reader can tell only the difference of the years, which may be one more than the true age:
    the birth year is aggregated as soon as that difference could mean an age over 89.
    """
    if year_only:
        return on.year - born.year > MAX_REPORTABLE_AGE
    return age_on(born, on) > MAX_REPORTABLE_AGE
