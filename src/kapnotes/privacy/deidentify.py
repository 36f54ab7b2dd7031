"""De-identified export of a kapnotes record: HIPAA Safe Harbor, 45 CFR 164.514(b)(2).

:func:`deidentify` turns a :class:`~kapnotes.model.Document` into a JSON-ready ``dict`` with the
document's shape, in which

* direct identifiers (fields marked ``identifier=True`` in the model, found by introspection) are
  removed, except ZIP codes (first three digits, or ``000``, 164.514(b)(2)(i)(B)) and birth dates
  (shifted or cut to the year, or ``90+``, 164.514(b)(2)(i)(C));
* record ids and references (``id``, ``*_id``, ``*_ref``) become keyed pseudonyms
  (``client-3f9a1c2b7d4e``), a re-identification code as allowed by 164.514(c);
* every date and date-time of a client is shifted by the same secret per-client number of days
  (``dates="shift"``: intervals, times of day and UTC offsets kept exactly) or cut to its year
  (``dates="year"``: the literal Safe Harbor rule);
* every other string is free text, found by walking the data (so a plugin's intervention type is
  covered too), and is redacted by :mod:`kapnotes.privacy.patterns`;
* psychotherapy notes (45 CFR 164.501) are never included;
* group session records are left out (one record spans clients whose dates are shifted by
  different offsets); each member's session keeps its ``group_id`` as a keyed pseudonym.

The result is *not* a Document: ``"90+"`` and year-only dates cannot be valid model objects, and
its ``format`` is ``kapnotes-deidentified`` so that no kapnotes reader mistakes it for a record.
It is assisted redaction, to be reviewed by a person before release: its ``deidentification``
block says so.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections import Counter
from collections.abc import Collection, Iterator
from typing import Any, Literal

import attrs

from kapnotes.model import (
    Address,
    Adjunct,
    Booster,
    Client,
    Clinic,
    Clinician,
    Document,
    DosingRecord,
    Goal,
    Indication,
    MeasureAdministration,
    PersonName,
    Signature,
    UnknownIntervention,
    identifier_fields,
)
from kapnotes.model.extensions import Extensions, UnknownExtension
from kapnotes.privacy import patterns as p
from kapnotes.privacy.keys import DeidentificationError, Keyed, check_secret
from kapnotes.privacy.safe_harbor import AGE_90_PLUS, RESTRICTED_ZIP3, over_89, zip3

DatePolicy = Literal["shift", "year"]

#: The ``format`` of a de-identified export: not a kapnotes document, and refused as one.
OUTPUT_FORMAT = "kapnotes-deidentified"
METHOD = "HIPAA Safe Harbor, 45 CFR 164.514(b)(2)"
REVIEW_NOTICE = (
    "Assisted redaction, to be reviewed by a person before release. Structured identifiers were "
    "removed or replaced by rule; free text was redacted by patterns and by the identifiers the "
    "record itself holds, which cannot find every identifier (a name the record does not hold, a "
    "date written in words, a rare characteristic). Safe Harbor also requires that the releasing "
    "entity has no actual knowledge that what remains could identify a person "
    "(45 CFR 164.514(b)(2)(ii)): only a person can judge that."
)
MAX_SHIFT_LIMIT = 3650

_DROP = object()

#: The pseudonym namespace of an ``id`` field, by the class that holds it.
_ID_NAMESPACES: dict[str, str] = {
    "Client": "client",
    "TreatmentCourse": "course",
    "Session": "session",
    "MeasureAdministration": "measure",
    "Clinician": "clinician",
    "Clinic": "clinic",
    "Addendum": "addendum",
    "Goal": "goal",
    "PsychotherapyNote": "note",
}
#: The pseudonym namespace of a reference field, by the end of its name.
_REF_NAMESPACES: tuple[tuple[str, str], ...] = (
    ("session_id", "session"),
    ("client_id", "client"),
    ("course_id", "course"),
    ("measure_id", "measure"),
    ("addendum_id", "addendum"),
    ("clinician_id", "clinician"),
    ("therapist_id", "clinician"),
    ("prescriber_id", "clinician"),
    ("supervisor_id", "clinician"),
    ("author_id", "clinician"),
    ("administered_by", "clinician"),
    ("ordering_clinician_id", "clinician"),
    ("administering_clinician_id", "clinician"),
    ("monitoring_clinician_id", "clinician"),
    ("screened_by", "clinician"),
)
#: Coded values that are not identifiers and are not free text: left as they are. Lot numbers
#: identify a batch of medicine, not a person (they are kept for safety reporting).
_CODED: frozenset[tuple[type, str]] = frozenset(
    {
        (DosingRecord, "lot_number"),
        (Booster, "lot_number"),
        (MeasureAdministration, "instrument"),
        (Goal, "instrument"),
        (Indication, "code"),
        (Clinician, "credentials"),
        (Signature, "credentials"),
        (Adjunct, "unit"),
        (Address, "state"),
        (Address, "country"),
        (Clinic, "timezone"),
    }
)
#: Not Safe Harbor identifiers of the client, but removed anyway. Signature hashes are codes
#: computed from the identified note (164.514(b)(2)(i)(R)); clinician and clinic identities are
#: removed unless ``keep_clinicians`` (see :func:`deidentify`).
_ALWAYS_DROPPED: frozenset[tuple[type, str]] = frozenset({(Signature, "content_hash")})
_PROVIDER_FIELDS: frozenset[tuple[type, str]] = frozenset(
    {
        (Clinician, "name"),
        (Clinician, "npi"),
        (Clinician, "email"),
        (Signature, "signer_name"),
        (Clinic, "name"),
        (Clinic, "phone"),
        (Clinic, "npi"),
        # (B) a tz database name names a city ("America/Indiana/Tell_City"), which redaction of
        # free text cannot know: removed with the clinic's identity
        (Clinic, "timezone"),
    }
)
_NAME_WORDS = re.compile(r"name|escort", re.IGNORECASE)


def deidentify(
    doc: Document,
    *,
    secret: bytes,
    dates: DatePolicy = "shift",
    max_shift_days: int = 365,
    keep_clinicians: bool = False,
    as_of: dt.date | None = None,
    restricted_zip3: Collection[str] = RESTRICTED_ZIP3,
) -> dict[str, Any]:
    """A de-identified copy of ``doc`` as JSON-ready data (HIPAA Safe Harbor, 164.514(b)(2)).

    :param doc: the record. Its psychotherapy notes, if any, are never included.
    :param secret: the caller's key (at least 16 random bytes) for pseudonyms and date offsets.
        The same secret gives the same pseudonyms and offsets; it is never written in the output.
        Keep it secret (164.514(c)(2)); a new secret per release makes releases unlinkable.
    :param dates: ``"shift"`` moves every date and date-time of a client by one per-client number
        of days in ``±max_shift_days`` (never 0), keeping intervals, times of day and UTC offsets;
        ``"year"`` keeps only the year of every date (the literal Safe Harbor rule).
    :param max_shift_days: the largest shift, in days (1 to 3650).
    :param keep_clinicians: keep clinician and clinic names, ids, NPIs and e-mails. They are not
        identifiers of the client under Safe Harbor, but are removed by default: they narrow a
        small practice's clients down, they appear next to the client in free text, and they are
        the clinicians' own personal data.
    :param as_of: the date on which ages are judged for the "over 89" rule; by default the latest
        date in the record. Pass the release date to judge ages as of today.
    :param restricted_zip3: the three-digit ZIP prefixes reported as ``000``.
    :returns: the document's shape with ``format`` ``"kapnotes-deidentified"`` and a
        ``deidentification`` block (method, date policy, review notice, version, counts).
    :raises DeidentificationError: for a missing or short secret or an unknown option.
    """
    _check_options(dates, max_shift_days)
    run = _Run(
        Keyed(check_secret(secret)),
        dates=dates,
        max_shift_days=max_shift_days,
        keep_clinicians=keep_clinicians,
        as_of=as_of or _latest_record_date(doc) or dt.date.today(),
        restricted_zip3=frozenset(restricted_zip3),
        redactor=p.TextRedactor(_known_identifiers(doc, keep_clinicians)),
    )
    return run.document(doc)


def _check_options(dates: object, max_shift_days: object) -> None:
    if dates not in ("shift", "year"):
        raise DeidentificationError(f"dates must be 'shift' or 'year', got {dates!r}")
    if isinstance(max_shift_days, bool) or not isinstance(max_shift_days, int):
        raise DeidentificationError(f"max_shift_days must be an integer, got {max_shift_days!r}")
    if not 1 <= max_shift_days <= MAX_SHIFT_LIMIT:
        raise DeidentificationError(
            f"max_shift_days must be from 1 to {MAX_SHIFT_LIMIT}, got {max_shift_days}"
        )


# --- what the record knows about its people -------------------------------------------------------


_IDENTIFIERS_OF: dict[type, frozenset[str]] = {}


def _identifiers_of(cls: type) -> frozenset[str]:
    """The fields of ``cls`` marked as direct identifiers (45 CFR 164.514(b)(2)(i))."""
    found = _IDENTIFIERS_OF.get(cls)
    if found is None:
        found = _IDENTIFIERS_OF[cls] = frozenset(identifier_fields(cls))
    return found


def _walk(obj: Any) -> Iterator[Any]:
    """Every attrs object in ``obj`` (depth first), ``obj`` included."""
    if attrs.has(type(obj)):
        yield obj
        for a in attrs.fields(type(obj)):
            yield from _walk(getattr(obj, a.name))
    elif isinstance(obj, tuple):
        for item in obj:
            yield from _walk(item)


def _record_parts(doc: Document) -> tuple[Any, ...]:
    """What is exported of a document (never its psychotherapy notes)."""
    return (doc.clinic, doc.clinicians, doc.clients, doc.courses)


def _latest_record_date(doc: Document) -> dt.date | None:
    """The latest date or date-time of the record, birth dates and other identifiers excepted."""
    latest: dt.date | None = None
    for obj in _walk(_record_parts(doc)):
        ids = _identifiers_of(type(obj))
        for a in attrs.fields(type(obj)):
            value = getattr(obj, a.name)
            if a.name in ids or not isinstance(value, dt.date):
                continue
            day = value.date() if isinstance(value, dt.datetime) else value
            latest = day if latest is None or day > latest else latest
    return latest


def _known_identifiers(doc: Document, keep_clinicians: bool) -> p.KnownIdentifiers:
    """Every identifier the record holds, to be found again in free text."""
    known = p.KnownIdentifiers()
    for obj in _walk(_record_parts(doc)):
        _add_marked_fields(known, obj)
        if isinstance(obj, Client):
            known.add(p.ID, obj.id)
        elif isinstance(obj, (Clinician, Clinic)) and not keep_clinicians:
            _add_provider(known, obj)
    for course in doc.courses:
        known.add(p.ID, course.id)
        for s in course.sessions:
            known.add(p.ID, s.id)
    return known


def _add_marked_fields(known: p.KnownIdentifiers, obj: Any) -> None:
    """The values of the fields of ``obj`` marked ``identifier=True``."""
    cls = type(obj)
    if isinstance(obj, PersonName):
        known.add_person_name(obj.given, obj.family, obj.middle, obj.preferred)
    for name in _identifiers_of(cls):
        value = getattr(obj, name)
        for text in value if isinstance(value, tuple) else (value,):
            if isinstance(text, str):
                _add_known(known, cls, name, text)


def _add_provider(known: p.KnownIdentifiers, obj: Clinician | Clinic) -> None:
    """A clinician's or the clinic's identity (removed unless ``keep_clinicians``)."""
    known.add(p.ID, obj.id)
    if obj.npi:
        known.add(p.ID, obj.npi)
    if isinstance(obj, Clinician):
        known.add_name(obj.name, structured=False)
        if obj.email:
            known.add(p.EMAIL, obj.email)
    else:
        known.add(p.NAME, obj.name)
        if obj.phone:
            known.add_phone(obj.phone)


def _add_known(known: p.KnownIdentifiers, cls: type, name: str, text: str) -> None:
    """One identifier value, by what kind of identifier its field holds."""
    field = name.lower()
    if cls is PersonName:
        known.add_name(text, structured=True)
    elif "phone" in field or "fax" in field:
        known.add_phone(text)
    elif "email" in field:
        known.add(p.EMAIL, text)
    elif field in ("mrn", "medical_record_number"):
        known.add(p.MRN, text)
    elif "postal" in field or "zip" in field:
        known.add_postal_code(text)
    elif field == "lines" or "address" in field or "street" in field:
        known.add_address_line(text)
    elif field in ("city", "county", "town"):
        known.add(p.LOCATION, text)
    elif _NAME_WORDS.search(field):
        known.add_name(text, structured=False)
    else:
        known.add(p.ID, text)


# --- the run ------------------------------------------------------------------------------------------


class _Run:
    """One de-identification: the options, the keyed functions, the counts."""

    def __init__(
        self,
        keyed: Keyed,
        *,
        dates: DatePolicy,
        max_shift_days: int,
        keep_clinicians: bool,
        as_of: dt.date,
        restricted_zip3: frozenset[str],
        redactor: p.TextRedactor,
    ) -> None:
        self.keyed = keyed
        self.dates = dates
        self.max_shift_days = max_shift_days
        self.keep_clinicians = keep_clinicians
        self.as_of = as_of
        self.restricted_zip3 = restricted_zip3
        self.redactor = redactor
        self.dropped = _ALWAYS_DROPPED if keep_clinicians else _ALWAYS_DROPPED | _PROVIDER_FIELDS
        self.subject = "document"  # whose dates are being shifted (a client id)
        self.removed: Counter[str] = Counter()
        self.replaced: Counter[str] = Counter()
        self.redacted: Counter[str] = Counter()

    # --- the document -----------------------------------------------------------------------------

    def document(self, doc: Document) -> dict[str, Any]:
        from kapnotes.serialization import to_data

        data = to_data(doc)
        out: dict[str, Any] = {"format": OUTPUT_FORMAT, "format_version": doc.format_version}
        if doc.clinic is not None and "clinic" in data:
            out["clinic"] = self.obj(doc.clinic, data["clinic"])
        for key in ("clinicians", "clients", "courses"):
            if key in data:
                items = [self.obj(o, d) for o, d in zip(getattr(doc, key), data[key], strict=True)]
                out[key] = sorted(items, key=lambda d: str(d.get("id", "")))
        excluded = {"psychotherapy_notes": len(doc.psychotherapy_notes)}
        if doc.groups:
            # a group record spans clients whose dates are shifted by different offsets: left
            # out; each member's session keeps its group_id as a keyed pseudonym
            excluded["groups"] = len(doc.groups)
        out["deidentification"] = self.header(excluded)
        return out

    def header(self, excluded: dict[str, int]) -> dict[str, Any]:
        from kapnotes import __version__

        return {
            "method": METHOD,
            "review_required": True,
            "status": "assisted redaction: to be reviewed by a person before release",
            "notice": REVIEW_NOTICE,
            "kapnotes_version": __version__,
            "dates": self._date_policy(),
            "pseudonyms": {
                "algorithm": "HMAC-SHA256 over a namespaced id, truncated to 48 bits",
                "key": "the releasing entity's secret; not in this file (45 CFR 164.514(c))",
            },
            "clinicians": "kept" if self.keep_clinicians else "removed",
            "zip3": {
                "rule": "45 CFR 164.514(b)(2)(i)(B): first three digits, 000 if restricted",
                "restricted_prefixes": sorted(self.restricted_zip3),
            },
            "psychotherapy_notes": "never included (45 CFR 164.501)",
            "groups": "group session records are left out (their dates span clients); each "
            "member's session keeps its group_id as a pseudonym",
            "counts": {
                "removed": dict(sorted(self.removed.items())),
                "replaced": dict(sorted(self.replaced.items())),
                "redacted": dict(sorted(self.redacted.items())),
                "excluded": excluded,
            },
        }

    def _date_policy(self) -> dict[str, Any]:
        if self.dates == "year":
            return {
                "policy": "year",
                "description": "every date and date-time cut to its year (45 CFR "
                "164.514(b)(2)(i)(C)); birth years indicating an age over 89 become 90+",
            }
        return {
            "policy": "shift",
            "max_shift_days": self.max_shift_days,
            "description": "every date and date-time of a client moved by one secret per-client "
            "number of days (never 0): intervals, times of day and UTC offsets are exact, "
            "calendar dates and weekdays are not; the birth date of a client over 89 becomes 90+",
        }

    # --- objects and fields -----------------------------------------------------------------------

    def obj(self, obj: Any, data: dict[str, Any]) -> dict[str, Any]:
        """An attrs object (``data`` is its unstructured form): every key, de-identified."""
        if isinstance(obj, UnknownIntervention):
            return self.unknown(obj)
        cls = type(obj)
        outer = self.subject
        if isinstance(obj, Client):
            self.subject = obj.id
        elif isinstance(getattr(obj, "client_id", None), str):
            self.subject = obj.client_id
        try:
            ids = _identifiers_of(cls)
            names = {a.name for a in attrs.fields(cls)}
            out: dict[str, Any] = {}
            for key, dval in data.items():
                if key not in names:  # the tag of a tagged union ("type")
                    out[key] = dval
                    continue
                result = self.field(obj, key, key in ids, getattr(obj, key), dval)
                if result is not _DROP:
                    out[key] = result
            return out
        finally:
            self.subject = outer

    def field(self, owner: Any, key: str, identifier: bool, value: Any, dval: Any) -> Any:
        """One field of ``owner``: removed, generalized, pseudonymized, shifted or redacted."""
        cls = type(owner)
        if (cls, key) in self.dropped:
            self.removed[f"{cls.__name__}.{key}"] += 1
            return _DROP
        if identifier:
            return self.identifier(owner, key, value, dval)
        return self.value(owner, key, value, dval)

    def identifier(self, owner: Any, key: str, value: Any, dval: Any) -> Any:
        """A field marked as a direct identifier, 45 CFR 164.514(b)(2)(i)."""
        where = f"{type(owner).__name__}.{key}"
        if isinstance(value, dt.date):
            return self.birth_date(value) if "birth" in key else self.date(value)
        if isinstance(value, str) and ("postal" in key or "zip" in key):
            return self.postal_code(owner, value, where)
        if attrs.has(type(value)) or (
            isinstance(value, tuple) and value and attrs.has(type(value[0]))
        ):
            return self.value(owner, key, value, dval)  # inner identifier fields are handled there
        self.removed[where] += len(value) if isinstance(value, tuple) else 1
        return _DROP

    def value(self, owner: Any, key: str, value: Any, dval: Any) -> Any:
        """A value that is not itself a direct identifier."""
        if isinstance(value, enum.Enum):
            return value.value  # the plain string, as JSON will hold it
        if isinstance(value, (bool, int, float)) or value is None:
            return dval
        if isinstance(value, dt.date):
            return self.date(value)
        if isinstance(value, str):
            return self.string(owner, key, value)
        if isinstance(value, tuple):
            items = [self.value(owner, key, v, d) for v, d in zip(value, dval, strict=True)]
            kept = [i for i in items if i is not _DROP and i != {}]
            return kept if kept else _DROP
        if attrs.has(type(value)):
            result = self.obj(value, dval)
            return result if result else _DROP
        if isinstance(value, Extensions):
            return self.extensions(owner, value, dval)
        return self.plain(dval)

    def extensions(self, owner: Any, value: Extensions, dval: dict[str, Any]) -> Any:
        """Extension fields: a declared value like any attrs object (its ``identifier=True``
        fields removed, its strings free text); a namespace whose plugin is not installed like
        an unknown intervention (date-like strings shifted, ids pseudonymized, text redacted)."""
        out: dict[str, Any] = {}
        for ns, v in value.items():
            if isinstance(v, UnknownExtension):
                out[ns] = self.unknown_value(owner, ns, v.data)
            else:
                result = self.obj(v, dval[ns])
                if result:
                    out[ns] = result
        return out if out else _DROP

    def unknown(self, obj: UnknownIntervention) -> dict[str, Any]:
        """An intervention whose plugin is not installed: its fields are unknown, so every
        date-like string is treated as a date, every ``id``/``*_id``/``*_ref`` as an id, and
        every other string as free text."""
        data = obj.data
        return {
            "type": obj.tag,
            **{k: self.unknown_value(obj, k, v) for k, v in data.items() if k != "type"},
        }

    def unknown_value(self, owner: Any, key: str, value: Any) -> Any:
        if isinstance(value, list):
            return [self.unknown_value(owner, key, v) for v in value]
        if isinstance(value, dict):
            return {k: self.unknown_value(owner, k, v) for k, v in value.items()}
        if not isinstance(value, str):
            return value
        if _DATE_LIKE.match(value):
            try:
                return self.date(
                    dt.datetime.fromisoformat(value)
                    if len(value) > 10
                    else dt.date.fromisoformat(value)
                )
            except ValueError:
                pass
        namespace = _namespace(owner, key)
        if namespace is not None:
            self.replaced[f"pseudonym.{namespace}"] += 1
            return self.keyed.pseudonym(namespace, value)
        return self.text(value)

    def plain(self, data: Any) -> Any:
        """Data of a type the model does not declare: every string is redacted as free text."""
        if isinstance(data, str):
            return self.text(data)
        if isinstance(data, list):
            return [self.plain(d) for d in data]
        if isinstance(data, dict):
            return {k: self.plain(v) for k, v in data.items()}
        return data.value if isinstance(data, enum.Enum) else data

    # --- strings --------------------------------------------------------------------------------------

    def string(self, owner: Any, key: str, value: str) -> str:
        """An id, a reference, a coded value, or free text."""
        namespace = _namespace(owner, key)
        if namespace is not None:
            if namespace in ("clinician", "clinic") and self.keep_clinicians:
                return value
            self.replaced[f"pseudonym.{namespace}"] += 1
            return self.keyed.pseudonym(namespace, value)
        if (type(owner), key) in _CODED or key == "lot_number":
            return value
        return self.text(value)

    def text(self, value: str) -> str:
        redacted, counts = self.redactor.redact(value)
        self.redacted.update(counts)
        return redacted

    # --- dates, ages, places ------------------------------------------------------------------------

    def offset(self) -> int:
        return self.keyed.day_offset(self.subject, self.max_shift_days)

    def date(self, value: dt.date) -> str:
        """A date or date-time: shifted by the subject's offset, or its year only."""
        if self.dates == "year":
            self.replaced["date.year_only"] += 1
            return f"{value.year:04d}"
        self.replaced["date.shifted"] += 1
        days = dt.timedelta(days=self.offset())
        if isinstance(value, dt.datetime):
            offset = value.utcoffset()
            if offset is not None:  # a fixed offset: shifting keeps the interval exact
                value = value.astimezone(dt.timezone(offset))
        return (value + days).isoformat()

    def birth_date(self, value: dt.date) -> str:
        """A birth date: like any date, or ``90+`` when it indicates an age over 89."""
        if over_89(value, self.as_of, year_only=self.dates == "year"):
            self.replaced["date_of_birth.90_plus"] += 1
            return AGE_90_PLUS
        return self.date(value)

    def postal_code(self, owner: Any, value: str, where: str) -> Any:
        """A ZIP code as its first three digits (or 000); any other postal code is removed."""
        country = getattr(owner, "country", "US")
        short = zip3(value, restricted=self.restricted_zip3) if country == "US" else None
        if short is None:
            self.removed[where] += 1
            return _DROP
        self.replaced["postal_code.zip3_000" if short == "000" else "postal_code.zip3"] += 1
        return short


#: A string of an unknown intervention that reads as an ISO date or date-time.
_DATE_LIKE = re.compile(
    r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$"
)


def _namespace(owner: Any, key: str) -> str | None:
    """The pseudonym namespace of an id or reference field, or None if it is neither."""
    if key == "id":
        name = type(owner).__name__
        return _ID_NAMESPACES.get(name) or re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
    for suffix, namespace in _REF_NAMESPACES:
        if key.endswith(suffix):
            return namespace
    if key.endswith("_id"):
        return key[: -len("_id")]
    if key.endswith("_ref"):
        return key[: -len("_ref")]
    return None


__all__ = [
    "METHOD",
    "OUTPUT_FORMAT",
    "REVIEW_NOTICE",
    "DatePolicy",
    "DeidentificationError",
    "deidentify",
]
