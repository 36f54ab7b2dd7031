"""Redaction of free text: the record's own known identifiers, plus patterns for the rest.

This is *assisted* redaction. Patterns find the identifiers that have a shape (telephone numbers,
e-mail addresses, SSNs, URLs, IP addresses, dates, record numbers, ZIP codes, street addresses,
ages over 89); the record's own identifiers (names, MRNs, phones, addresses... taken from the
fields marked as identifiers in the model) are found wherever they are written, case-insensitively
and at word boundaries. Nothing can find a name the record does not know ("my neighbour Alma")
or a date written as prose ("the day after Easter"): a person must review the output.

Identifiers of the Safe Harbor list, 45 CFR 164.514(b)(2)(i): the letter of each pattern's
category is noted next to it.

Clinical numbers are left alone on purpose: doses (``34 mg``, ``0.5 mg/kg``), scores
(``PHQ-9 16``), blood pressure (``129/77``), times of day (``09:20``), counts (``5-4-3-2-1``).
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol

import attrs

# --- labels (the placeholder is "[LABEL]") -------------------------------------------------------

NAME = "NAME"
PHONE = "PHONE"
EMAIL = "EMAIL"
SSN = "SSN"
URL = "URL"
IP = "IP"
DATE = "DATE"
MRN = "MRN"
ID = "ID"
ZIP = "ZIP"
ADDRESS = "ADDRESS"
LOCATION = "LOCATION"
AGE = "AGE"
IMAGE = "IMAGE"
DATA = "DATA"

#: Words never redacted on their own when they occur in a free-form name ("Support person (our
#: chaperone)", "Dr. Lee Ames"): titles, particles, relationships and generic words. The whole
#: name is still redacted as a phrase; structured name parts (given, family...) always are.
_STOPWORDS_TEXT = """
    dr doctor mr mrs ms mx miss prof rev sr jr ii iii iv md do phd psyd rn np pa lcsw lmft amft
    lpc lpcc the and of de del der di du da la le van von st
    mother father mom dad mum sister brother partner spouse wife husband friend son daughter
    aunt uncle grandmother grandfather grandma grandpa cousin neighbor neighbour roommate
    support person people contact emergency chaperone escort driver family relative guardian
    synthetic unknown none other client patient
"""
NAME_STOPWORDS = frozenset(_STOPWORDS_TEXT.split())

_SEP = r"[\s().-]{0,3}"
_ANY_DIGIT = re.compile(r"\d")


def _needs(value: str | re.Pattern[str] | None) -> re.Pattern[str] | None:
    """``needs="@"``: the text must hold one of these characters."""
    return re.compile(f"[{re.escape(value)}]") if isinstance(value, str) else value


@attrs.frozen
class Found:
    """A span of text to replace."""

    start: int
    end: int
    label: str
    replacement: str
    priority: int


class Finder(Protocol):
    """Anything that finds spans to replace in a text."""

    def find(self, text: str) -> Iterator[Found]: ...


@attrs.frozen
class Detector:
    """A pattern, the group whose span is replaced, and an optional check of the match."""

    label: str
    regex: re.Pattern[str]
    priority: int = 50
    group: str | int = 0
    check: Callable[[re.Match[str]], bool] | None = None
    replacement: str | None = None
    #: The pattern cannot match unless this matches somewhere in the text (a fast skip).
    needs: re.Pattern[str] | None = attrs.field(default=_ANY_DIGIT, converter=_needs)

    def find(self, text: str) -> Iterator[Found]:
        if self.needs is not None and self.needs.search(text) is None:
            return
        for m in self.regex.finditer(text):
            if self.check is not None and not self.check(m):
                continue
            start, end = m.span(self.group)
            if start < end:
                yield Found(
                    start, end, self.label, self.replacement or f"[{self.label}]", self.priority
                )


# --- checks --------------------------------------------------------------------------------------


def _is_ip(m: re.Match[str]) -> bool:
    try:
        ipaddress.ip_address(m.group(0))
    except ValueError:
        return False
    return True


def _day_month(a: str, b: str) -> bool:
    """``a/b`` is a plausible month/day or day/month."""
    x, y = int(a), int(b)
    return (1 <= x <= 12 and 1 <= y <= 31) or (1 <= x <= 31 and 1 <= y <= 12)


def _numeric_date(m: re.Match[str]) -> bool:
    return _day_month(m.group("a"), m.group("b"))


def _enough_digits(n: int) -> Callable[[re.Match[str]], bool]:
    def check(m: re.Match[str]) -> bool:
        return sum(c.isdigit() for c in m.group(0)) >= n

    return check


_UNIT_RE = re.compile(
    r"^\d+(?:[.,]\d+)?(?:mg|mcg|ug|µg|g|kg|ml|l|mmhg|bpm|min|mins|h|hr|hrs|s|sec|iu|units?|"
    r"st|nd|rd|th|am|pm|x|k|m|km|cm|mm|lbs?|kcal)$",
    re.IGNORECASE,
)


_LOT_RE = re.compile(r"(?:\blot|\bbatch)\s*(?:#|no\.?|number)?\s*[:#]?\s*$", re.IGNORECASE)


def _code_like(m: re.Match[str]) -> bool:
    """Letters mixed with at least four digits (``DEMO-107919``, ``A12B3456``), not ``1000mg``.

    A medicine lot or batch number ("lot LOT-2601") identifies the medicine, not a person, and
    is kept for safety reporting.
    """
    token = m.group(0)
    if _UNIT_RE.match(token) or sum(c.isdigit() for c in token) < 4:
        return False
    before = m.string[max(0, m.start() - 16) : m.start()]
    return not (token.lower().startswith(("lot", "batch")) or _LOT_RE.search(before))


# --- the patterns ---------------------------------------------------------------------------------

_I = re.IGNORECASE
# "March" and "May" are also ordinary words: as month names they must be capitalized.
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|(?-i:Mar(?:ch)?|MAR(?:CH)?|May|MAY)|apr(?:il)?|june?|july?|"
    r"aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_WEEKDAY = r"(?:(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?\.?,?\s+)?"
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_AGE_N = r"(?P<n>9\d|1[0-2]\d)"
#: A number followed by one of these is a quantity, not a telephone number ("100-1000 mg").
_UNIT_AFTER = (
    r"(?!\s*(?:mg|mcg|ug|g|kg|ml|mL|l|mmhg|bpm|min|mins|minutes|hours?|h|hrs?|s|sec|iu|units?|"
    r"steps|%)\b)"
)
_ID_LABELS = (
    r"MRN|MR\s?#|medical\s+record(?:\s+(?:number|no\.?|#))?|chart\s+(?:number|no\.?|#)"
    r"|patient\s+(?:id|number|no\.?|#)|case\s+(?:number|no\.?|#)"
    r"|account(?:\s+(?:number|no\.?|#))?|acct\.?(?:\s*(?:number|no\.?|#))?"
    r"|member\s+(?:id|number|no\.?|#)|subscriber\s+(?:id|number|no\.?|#)"
    r"|beneficiary(?:\s+(?:id|number|no\.?|#))?|policy(?:\s+(?:number|no\.?|#))?"
    r"|group\s+(?:number|no\.?|#)|insurance\s+(?:id|number|no\.?|#)"
    r"|medicaid(?:\s+(?:id|number|no\.?|#))?|medicare(?:\s+(?:id|number|no\.?|#))?"
    r"|licen[cs]e(?:\s+(?:number|no\.?|#|plate))?|certificate\s+(?:number|no\.?|#)"
    r"|DEA(?:\s+(?:number|no\.?|#))?|NPI|plate|VIN"
    r"|serial\s+(?:number|no\.?|#)|S/N|device\s+(?:id|identifier|serial|number)|IMEI|UDI"
    r"|passport(?:\s+(?:number|no\.?|#))?|SSN|social\s+security(?:\s+(?:number|no\.?|#))?"
    r"|(?:fingerprint|finger\s+print|voiceprint|voice\s+print|palm\s*print|iris|retina(?:l)?"
    r"|face|facial|biometric)\s+(?:scan\s+)?(?:id|identifier|template|hash|number|no\.?|#)"
    r"|(?:fingerprint|voiceprint|biometric)"
)

PATTERNS: tuple[Detector, ...] = (
    # (F) e-mail addresses
    Detector(
        EMAIL,
        re.compile(r"(?<![\w.+-])[\w.%+-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}(?![\w-])", _I),
        10,
        needs="@",
    ),
    # (N) URLs: with a scheme or www., or a bare host name under a common top-level domain
    Detector(
        URL,
        re.compile(r"\b(?:https?://|ftp://|www\.)[^\s<>\"']*[^\s<>\"'.,;:!?)\]]", _I),
        11,
        needs=":.",
    ),
    Detector(
        URL,
        re.compile(
            r"(?<![\w@.-])(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+"
            r"(?:com|org|net|edu|gov|mil|int|io|us|info|biz|health|care|app|dev|me|co|uk|ca|ly)"
            r"(?![\w-])(?:/[^\s<>\"']*[^\s<>\"'.,;:!?)\]])?",
            _I,
        ),
        12,
        needs=".",
    ),
    # (O) IP addresses, each candidate checked by the ipaddress module
    Detector(IP, re.compile(r"(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?!\w|\.\d)"), 13, check=_is_ip),
    Detector(
        IP,
        re.compile(r"(?<![\w:])(?=[0-9a-f:]*:[0-9a-f]*:)[0-9a-f:]{2,39}(?![\w:])", _I),
        13,
        check=_is_ip,
        needs=":",
    ),
    # (G) social security numbers
    Detector(SSN, re.compile(r"(?<![\w.-])\d{3}([- .])\d{2}\1\d{4}(?![\w-]|\.\d)"), 14),
    # (C) dates: ISO (with an optional time), year first, US or European numeric, and in words
    Detector(
        DATE,
        re.compile(
            r"(?<![\w-])\d{4}-(?:1[0-2]|0?[1-9])-(?:[12]\d|3[01]|0?[1-9])"
            r"(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?(?![\w-])"
        ),
        15,
    ),
    Detector(DATE, re.compile(r"(?<![\w/.])\d{4}([/.])\d{1,2}\1\d{1,2}(?!\w|[/.]\d)"), 15),
    Detector(
        DATE,
        re.compile(
            r"(?<![\w/.-])(?P<a>\d{1,2})([/-])(?P<b>\d{1,2})\2(?:\d{4}|\d{2})(?!\w|[/-]\d|\.\d)"
        ),
        16,
        check=_numeric_date,
    ),
    Detector(
        DATE,
        re.compile(r"(?<![\w/.-])(?P<a>\d{1,2})\.(?P<b>\d{1,2})\.\d{4}(?!\w|\.\d)"),
        16,
        check=_numeric_date,
    ),
    Detector(DATE, re.compile(rf"\b{_WEEKDAY}{_MONTH}\s+{_DAY}(?:,?\s+\d{{4}})?(?!\w)", _I), 16),
    Detector(
        DATE,
        re.compile(
            rf"(?<![\w:.,/-]){_WEEKDAY}{_DAY}\s+(?:of\s+)?{_MONTH}(?:,?\s+\d{{4}})?(?!\w)", _I
        ),
        16,
    ),
    Detector(DATE, re.compile(rf"\b{_MONTH},?\s+\d{{4}}(?!\w)", _I), 17),
    # a month/day without a year only where the words say it is a date ("on 3/14")
    Detector(
        DATE,
        re.compile(
            r"\b(?:on|since|from|until|till|by|before|after|dated)\s+"
            r"(?P<d>(?P<a>\d{1,2})/(?P<b>\d{1,2}))(?!\w|/\d)",
            _I,
        ),
        17,
        group="d",
        check=_numeric_date,
    ),
    # (C) ages over 89: only the number is replaced ("a 92-year-old" -> "a 90+-year-old")
    Detector(
        AGE,
        re.compile(rf"(?<![\w.]){_AGE_N}\s*-?\s*(?:years?|yrs?)\.?\s*-?\s*old\b", _I),
        18,
        group="n",
        replacement="90+",
    ),
    Detector(
        AGE,
        re.compile(rf"(?<![\w.]){_AGE_N}\s*-?\s*(?:years?|yrs?)\.?\s+of\s+age\b", _I),
        18,
        group="n",
        replacement="90+",
    ),
    # a year of birth: Safe Harbor keeps years, but not one that shows an age over 89, and
    # which does is not known here, so every "born in 1931" goes
    Detector(
        DATE,
        re.compile(
            r"\bborn\s+(?:in\s+|(?:circa|c\.|around|about)\s+)?(?P<y>(?:1[89]|20)\d\d)\b", _I
        ),
        17,
        group="y",
    ),
    Detector(
        AGE,
        re.compile(rf"(?<![\w.]){_AGE_N}\s*(?:yo|y/o|y\.o\.)(?!\w)", _I),
        18,
        group="n",
        replacement="90+",
    ),
    Detector(
        AGE,
        re.compile(rf"\b(?:age|aged|ages)\s*(?:of\s*|:\s*)?{_AGE_N}(?!\w|\.\d)", _I),
        18,
        group="n",
        replacement="90+",
    ),
    # (D, E) telephone and fax numbers: North American with separators, 10-11 digits in a row,
    # local 7-digit with a hyphen, international with a leading +. Ten digits in 3-3-4 groups
    # are a telephone number even before a unit ("(433) 377-0042 mg" is no dose); the shorter
    # shapes are not, before one ("100-1000 mg").
    Detector(
        PHONE,
        re.compile(
            r"(?<![\w+])(?:\+?1[\s.-]?)?(?:\(\d{3}\)\s?|\d{3}[\s.-])\d{3}[\s.-]\d{4}"
            r"(?:\s?(?:x|ext\.?|extension)\s?\d{1,6})?(?![\w-])",
            _I,
        ),
        20,
    ),
    Detector(PHONE, re.compile(r"(?<![\w+.,-])\+?1?\d{10}(?![\w-]|[.,]\d)"), 21),
    Detector(PHONE, re.compile(rf"(?<![\w./-])\d{{3}}-\d{{4}}(?![\w-]|\.\d){_UNIT_AFTER}"), 22),
    Detector(
        PHONE,
        re.compile(
            rf"(?<![\w+])\+[2-9]\d{{0,2}}(?:[\s.-]?\(?\d{{1,4}}\)?){{2,5}}(?![\w-]){_UNIT_AFTER}"
        ),
        22,
        check=_enough_digits(8),
    ),
    # (Q, P) images embedded in the text (a data: URI), and any long run of base64: the encoding
    # of a photograph, a biometric template or another file, never clinical prose
    Detector(
        IMAGE,
        re.compile(r"\bdata:image/[\w.+-]+(?:;[\w=.+-]+)*,[A-Za-z0-9+/=%_-]*", _I),
        9,
        needs=":",
    ),
    Detector(DATA, re.compile(r"(?<![\w+/])[A-Za-z0-9+/]{64,}={0,2}(?![\w+/=])"), 9, needs=None),
    # (H-M, R) values labelled as identifiers: MRN, account, member, policy, licence, plate, VIN,
    # serial, device... Only the value is replaced, and only if it has a digit.
    Detector(
        ID,
        re.compile(
            rf"\b(?:{_ID_LABELS})(?!\w)\s*(?:is|was|of|[:#=])?\s*#?\s*"
            r"(?P<v>[^\W_](?:[\w-]*[^\W_])?)",
            _I,
        ),
        25,
        group="v",
        check=lambda m: any(c.isdigit() for c in m.group("v")),
    ),
    # (M) MAC addresses (device identifiers)
    Detector(
        ID,
        re.compile(r"(?<![\w:-])[0-9a-f]{2}([:-])(?:[0-9a-f]{2}\1){4}[0-9a-f]{2}(?![\w:-])", _I),
        26,
        needs=":-",
    ),
    # (H, R) record-number shapes: letters with 4+ digits (DEMO-107919), 6+ digits in a row,
    # groups of digits joined by hyphens (4417-2231-9987)
    Detector(
        ID,
        re.compile(
            r"(?<![\w-])(?=[\w-]*[a-z])(?=[\w-]*\d)[a-z0-9]+(?:[-_][a-z0-9]+)*(?![\w-])", _I
        ),
        30,
        check=_code_like,
    ),
    Detector(ID, re.compile(r"(?<![\w.,-])\d{6,}(?![\w-]|[.,]\d)"), 31),
    Detector(ID, re.compile(r"(?<![\w-])\d{3,}(?:-\d{3,}){2,}(?![\w-])"), 31),
    # (B) ZIP codes (5 digits or ZIP+4), street addresses, PO boxes and units
    Detector(ZIP, re.compile(r"(?<![\w.,/-])\d{5}(?:-\d{4})?(?![\w/-]|[.,]\d)"), 35),
    Detector(
        ADDRESS,
        re.compile(
            # not the year of a date ("1/1/1930 Birchwood Lane": the date and the street are
            # two identifiers; the longer address span would otherwise leave "1/1/" behind)
            r"(?<![/.-])\b\d{1,6}[A-Za-z]?\s+(?:[NSEW]\.?\s+)?(?:[A-Z][\w'-]*\.?\s+){1,4}"
            r"(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place"
            r"|Pl|Terrace|Ter|Circle|Cir|Parkway|Pkwy|Highway|Hwy|Trail|Trl|Square|Sq|Loop|Row"
            r"|Alley)\b\.?(?:,?\s+(?:Apt|Apartment|Suite|Ste|Unit|Fl|Floor|#)\.?\s*[A-Za-z0-9-]+)?"
        ),
        36,
    ),
    # a street named without a number ("on Birchwood Lane"): capitalised words and a spelled-out
    # street type (abbreviations such as "Dr" are titles too often)
    Detector(
        ADDRESS,
        re.compile(
            r"\b(?:[A-Z][a-z'-]+\s+){1,3}(?:Street|Avenue|Road|Boulevard|Lane|Drive|Court|Terrace"
            r"|Circle|Parkway|Highway|Trail|Alley)\b"
        ),
        38,
        needs=None,
    ),
    Detector(ADDRESS, re.compile(r"\bP\.?\s?O\.?\s+Box\s+\d+\b", _I), 36),
    Detector(
        ADDRESS, re.compile(r"\b(?:Apt|Apartment|Suite|Ste|Unit)\.?\s*#?\s*\d+[A-Za-z]?\b", _I), 37
    ),
)


# --- known identifiers of the record ----------------------------------------------------------------


def normalize(text: str) -> str:
    """NFC, case-folded (lower), with runs of white space collapsed: the key of a known term."""
    return " ".join(unicodedata.normalize("NFC", text).lower().split())


def _trie(words: Iterable[str]) -> dict[str, Any]:
    root: dict[str, Any] = {}
    for w in words:
        node = root
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}
    return root


def _emit(node: dict[str, Any], edge: Callable[[str, bool], str], first: bool = True) -> str:
    """A regex matching exactly the words of a trie; optional tails are greedy (longest wins)."""
    branches = [
        edge(ch, first) + _emit(child, edge, False) for ch, child in sorted(node.items()) if ch
    ]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{body})?" if "" in node else body


def _text_edge(ch: str, first: bool) -> str:
    return r"\s+" if ch == " " else re.escape(ch)


def _digit_edge(ch: str, first: bool) -> str:
    return ch if first else _SEP + ch


def _words(name: str) -> list[str]:
    return re.findall(r"[^\W\d_]+(?:['’-][^\W\d_]+)*", name)


class KnownIdentifiers:
    """The identifiers a record holds, to be found again in its free text."""

    def __init__(self) -> None:
        self.terms: dict[str, str] = {}
        self.phones: set[str] = set()

    #: Longer values are not matched as one phrase (their parts and words still are).
    MAX_TERM = 300

    def add(self, label: str, value: str) -> None:
        """Add a value as one phrase (matched whole, case-insensitively, at word boundaries).

        Too-short values are left out: a one-letter initial, a number of fewer than 5 digits.
        """
        key = normalize(value)
        if len(key) > self.MAX_TERM:
            return
        if (len(key) >= 2 and not key.isdigit()) or len(key) >= 5:
            self.terms.setdefault(key, label)

    def add_name(self, value: str, *, structured: bool) -> None:
        """A name: the phrase, and each word of it that is not a title or relationship word.

        ``structured``: the value is one part of a structured name (given, family...), so it is
        a name as a whole, whatever words it contains.
        """
        self.add(NAME, value)
        for word in _words(value):
            if len(word) >= 2 and (structured or word.lower() not in NAME_STOPWORDS):
                self.add(NAME, word)

    def add_person_name(
        self, given: str, family: str, middle: str | None = None, preferred: str | None = None
    ) -> None:
        """A structured name: each part, and the ways the parts are written together."""
        for part in (given, family, middle, preferred):
            if part:
                self.add_name(part, structured=True)
        firsts = [f for f in (given, preferred) if f]
        for first in firsts:
            self.add(NAME, f"{first} {family}")
            self.add(NAME, f"{family}, {first}")
            self.add(NAME, f"{family} {first}")
            if middle:
                for m in (middle, f"{middle[0]}."):
                    self.add(NAME, f"{first} {m} {family}")
                    self.add(NAME, f"{family}, {first} {m}")

    def add_phone(self, value: str) -> None:
        """A telephone or fax number: matched by its digits, whatever separators the text uses."""
        digits = re.sub(r"\D", "", value)
        if len(digits) == 11 and digits.startswith("1"):
            digits = digits[1:]
        if len(digits) >= 7:
            self.phones.add(digits)
        self.add(PHONE, value)

    def add_address_line(self, value: str) -> None:
        """A street line, also without its house number and split at commas."""
        self.add(ADDRESS, value)
        for part in (p.strip() for p in value.split(",")):
            self.add(ADDRESS, part)
            rest = re.sub(r"^\d+[A-Za-z]?\s+", "", part)
            if rest != part and len(rest.split()) >= 2:
                self.add(ADDRESS, rest)

    def add_postal_code(self, value: str) -> None:
        self.add(ZIP, value)
        m = re.match(r"^\s*(\d{5})", value)
        if m:
            self.add(ZIP, m.group(1))

    def finders(self) -> list[Finder]:
        """What finds these identifiers in text: known phrases, then known phone numbers."""
        out: list[Finder] = []
        if self.terms:
            body = _emit(_trie(self.terms), _text_edge)
            regex = re.compile(
                rf"(?<!\w)(?P<core>{body})(?:['’]s|s['’]|['’]|s)?(?!\w)", re.IGNORECASE
            )
            out.append(KnownTermFinder(self.terms, regex))
        if self.phones:
            body = _emit(_trie(self.phones), _digit_edge)
            regex = re.compile(rf"(?<![\d+])(?:\+?1{_SEP})?\(?{body}(?!\d)")
            out.append(Detector(PHONE, regex, 1))
        return out


class KnownTermFinder:
    """Finds the known phrases (one trie-shaped regex); the label comes from the phrase found."""

    def __init__(self, terms: dict[str, str], regex: re.Pattern[str]) -> None:
        self.terms = terms
        self.regex = regex

    def find(self, text: str) -> Iterator[Found]:
        for m in self.regex.finditer(text):
            label = self.terms.get(normalize(m.group("core")), NAME)
            yield Found(m.start(), m.end(), label, f"[{label}]", 0)


# --- the redactor -----------------------------------------------------------------------------------


#: Characters that do not show but split a word for a matcher (soft hyphen, zero-width marks,
#: word joiner, byte-order mark, Mongolian vowel separator).
_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")


def normalize_text(text: str) -> str:
    """Free text as matched: NFKC (full-width letters, ligatures and compatibility forms become
    plain ones) with invisible characters removed, so ``Row\u00adanne`` and full-width names are
    found. Redacted text is returned in this form."""
    return _INVISIBLE.sub("", unicodedata.normalize("NFKC", text))


class TextRedactor:
    """Replaces identifiers in free text by typed placeholders (``[NAME]``, ``[DATE]``...)."""

    #: Results are remembered for this many distinct texts (records repeat many short strings).
    CACHE_SIZE = 50_000

    def __init__(self, known: KnownIdentifiers | None = None) -> None:
        self.finders: tuple[Finder, ...] = (*(known.finders() if known else ()), *PATTERNS)
        self._cache: dict[str, tuple[str, Counter[str]]] = {}

    def redact(self, text: str) -> tuple[str, Counter[str]]:
        """The redacted text and how many of each label were replaced."""
        hit = self._cache.get(text)
        if hit is None:
            hit = self._redact(text)
            if len(self._cache) < self.CACHE_SIZE:
                self._cache[text] = hit
        return hit[0], Counter(hit[1])

    def _redact(self, text: str) -> tuple[str, Counter[str]]:
        text = normalize_text(text)
        chosen = _choose([f for d in self.finders for f in d.find(text)])
        counts: Counter[str] = Counter()
        parts, pos = [], 0
        for f in chosen:
            parts += [text[pos : f.start], f.replacement]
            pos = f.end
            counts[f.label] += 1
        parts.append(text[pos:])
        return "".join(parts), counts


def _choose(found: list[Found]) -> list[Found]:
    """Non-overlapping spans: the longest first, then the most specific (lowest priority)."""
    taken: list[Found] = []
    for f in sorted(found, key=lambda f: (f.start - f.end, f.priority, f.start)):
        if all(f.end <= t.start or f.start >= t.end for t in taken):
            taken.append(f)
    return sorted(taken, key=lambda f: f.start)


def redact_text(text: str, known: KnownIdentifiers | None = None) -> str:
    """``text`` with identifiers replaced (a convenience for one string; see :class:`TextRedactor`)."""
    return TextRedactor(known).redact(text)[0]
