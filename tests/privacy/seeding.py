"""Seed unique synthetic identifiers into a synthetic record, remembering every one of them.

Everything here is invented: names are generated from syllables, numbers are random, domains are
under example.com/example.net (RFC 2606). The RNG is seeded, so a test run is reproducible.
"""

from __future__ import annotations

import calendar
import datetime as dt
import random
import re

import attrs

from kapnotes.model import (
    Address,
    Client,
    Contact,
    Document,
    Narrative,
    Observation,
    PersonName,
    PersonPresent,
    Session,
    TreatmentCourse,
    evolve,
)

_ONSETS = [
    "b",
    "br",
    "c",
    "d",
    "dr",
    "f",
    "g",
    "gr",
    "h",
    "j",
    "k",
    "kl",
    "l",
    "m",
    "n",
    "p",
    "pr",
    "qu",
    "r",
    "s",
    "st",
    "t",
    "tr",
    "v",
    "w",
    "z",
]
_VOWELS = ["a", "e", "i", "o", "u", "ae", "ai", "ou"]
_CODAS = ["n", "r", "l", "s", "th", "x", "m", "nd", "rk"]
MONTHS = tuple(calendar.month_name[1:])
STREET_SUFFIXES = ("Street", "Avenue", "Road", "Lane", "Boulevard", "Drive", "Court")


@attrs.define
class Seeds:
    """Every identifier seeded, as written, to be searched for in the output."""

    values: list[str] = attrs.field(factory=list)

    def add(self, *values: str) -> None:
        self.values.extend(values)


class Generator:
    """Unique invented words and identifiers from one seeded RNG."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.used: set[str] = set()

    def word(self) -> str:
        while True:
            w = "".join(
                self.rng.choice(_ONSETS) + self.rng.choice(_VOWELS) for _ in range(3)
            ) + self.rng.choice(_CODAS)
            if w not in self.used:
                self.used.add(w)
                return w.capitalize()

    def digits(self, n: int) -> str:
        return "".join(self.rng.choice("0123456789") for _ in range(n))

    def phone(self) -> tuple[str, str]:
        """A phone number in two different formats (the structured one, one for text)."""
        a, b, c = self.rng.randint(201, 989), self.rng.randint(200, 999), self.digits(4)
        formats = [
            f"({a}) {b}-{c}",
            f"{a}-{b}-{c}",
            f"{a}.{b}.{c}",
            f"+1 {a} {b} {c}",
            f"1-{a}-{b}-{c}",
            f"{a}{b}{c}",
        ]
        first, second = self.rng.sample(formats, 2)
        return first, second

    def text_date(self) -> str:
        """A date in words or numbers, in years no record date can be shifted to."""
        y, m, d = self.rng.randint(2031, 2035), self.rng.randint(1, 12), self.rng.randint(1, 28)
        return self.rng.choice(
            [
                f"{MONTHS[m - 1]} {d}, {y}",
                f"{d} {MONTHS[m - 1]} {y}",
                f"{m:02d}/{d:02d}/{y}",
                f"{m}/{d}/{y}",
                f"{y}-{m:02d}-{d:02d}",
                f"{MONTHS[m - 1][:3]} {d}th",
            ]
        )


def seed_identifiers(doc: Document, seed: int = 5150) -> tuple[Document, Seeds]:
    """``doc`` with unique identifiers in every client's structured fields and free text."""
    g = Generator(seed)
    seeds = Seeds()
    people: dict[str, dict[str, str]] = {}
    clients = []
    for i, client in enumerate(doc.clients):
        person = _person(g, i)
        people[client.id] = person
        clients.append(_client(client, person, g, i))
        seeds.add(*(v for k, v in person.items() if not k.startswith("_")))
    ids = [c.id for c in doc.clients]
    courses = []
    for course in doc.courses:
        me = people[course.client_id]
        other = people[ids[(ids.index(course.client_id) + 1) % len(ids)]]
        courses.append(_course(course, me, other))
    return evolve(doc, clients=tuple(clients), courses=tuple(courses)), seeds


def _person(g: Generator, i: int) -> dict[str, str]:
    given, family, middle, preferred = g.word(), g.word(), g.word(), g.word()
    phone, phone_text = g.phone()
    ec_given, ec_family = g.word(), g.word()
    ec_phone, ec_phone_text = g.phone()
    restricted = i % 10 == 3
    return {
        "given": given,
        "family": family,
        "middle": middle,
        "preferred": preferred,
        "mrn": f"{g.word()[:2].upper()}-{g.digits(7)}",
        "phone": phone,
        "phone_text": phone_text,
        "email": f"{given.lower()}.{family.lower()}{i}@{g.word().lower()}.example.com",
        "line": f"{g.rng.randint(10, 9999)} {g.word()} {g.rng.choice(STREET_SUFFIXES)}",
        "city": g.word(),
        "zip": ("036" if restricted else str(g.rng.randint(100, 999))) + g.digits(2),
        "ssn": f"{g.rng.randint(100, 665)}-{g.digits(2)}-{g.digits(4)}",
        "url": f"https://{g.word().lower()}.example.net/p/{g.digits(6)}",
        "ip": f"10.{g.rng.randint(0, 255)}.{g.rng.randint(0, 255)}.{g.rng.randint(1, 254)}",
        "ec_name": f"{ec_given} {ec_family}",
        "ec_given": ec_given,
        "ec_phone": ec_phone,
        "ec_phone_text": ec_phone_text,
        "escort": f"{g.word()} {g.word()}",
        "present": f"{g.word()} {g.word()}",
        "account": f"{g.digits(4)}-{g.digits(4)}-{g.digits(4)}",
        "plan_id": f"{g.word()[:3].upper()}{g.digits(9)}",
        "date": g.text_date(),
        "_born": f"{g.rng.randint(1940, 2000)}-{g.rng.randint(1, 12):02d}-{g.rng.randint(1, 28):02d}",
    }


def _client(client: Client, p: dict[str, str], g: Generator, i: int) -> Client:
    return evolve(
        client,
        mrn=p["mrn"],
        name=PersonName(
            given=p["given"], family=p["family"], middle=p["middle"], preferred=p["preferred"]
        ),
        date_of_birth=dt.date.fromisoformat(p["_born"]),
        phone=p["phone"],
        email=p["email"],
        address=Address(
            lines=(p["line"], f"Apt {g.rng.randint(1, 99)}"),
            city=p["city"],
            state="CO",
            postal_code=p["zip"],
        ),
        emergency_contacts=(
            Contact(name=p["ec_name"], relationship="sister", phone=p["ec_phone"]),
        ),
    )


def narrative_for(p: dict[str, str], other: dict[str, str]) -> Narrative:
    """Free text that mentions every identifier of the client (and a name of another client)."""
    return Narrative(
        presenting_concerns=(
            f"{p['given']} {p['family']} (MRN {p['mrn']}) reports low mood; {p['preferred']}'s "
            f"sister {p['ec_name']} called from {p['ec_phone_text']}. PHQ-9 16, BP 129/77."
        ),
        client_experience=(
            f"Emailed {p['email']} and visited {p['url']} on {p['date']}; lives at {p['line']}, "
            f"{p['city']} {p['zip']}. Mentioned {other['given']} from the group."
        ),
        observations=(
            f"SSN {p['ssn']} seen on a form; portal login from {p['ip']}. {p['escort']} drove; "
            f"{p['present']} stayed. {p['given'].upper()} was calm after 34 mg."
        ),
        assessment=(
            f"{p['family'].lower()}'s progress is steady; middle name {p['middle']}; call "
            f"{p['phone_text']}; account number {p['account']}; member ID {p['plan_id']}."
        ),
        mental_status=f"{p['given']}'s affect brighter; {p['ec_given']} supportive.",
    )


def _course(course: TreatmentCourse, p: dict[str, str], other: dict[str, str]) -> TreatmentCourse:
    sessions = [_session(s, p, other) for s in course.sessions]
    return evolve(course, sessions=tuple(sessions), notes=f"Course for {p['given']} {p['family']}.")


def _session(s: Session, p: dict[str, str], other: dict[str, str]) -> Session:
    changes: dict[str, object] = {
        "narrative": narrative_for(p, other),
        "intention": f"To be kinder to {p['preferred']}.",
    }
    if s.plan is not None:
        changes["plan"] = evolve(
            s.plan, homework=(*s.plan.homework, f"Text {p['ec_given']} at {p['ec_phone']}")
        )
    if s.interventions:
        first = evolve(s.interventions[0], notes=f"{p['given']} practised; email {p['email']}.")
        changes["interventions"] = (first, *s.interventions[1:])
    if s.present:
        changes["present"] = (PersonPresent(name=p["present"], relationship="friend"),)
    if s.dosing is not None:
        d = s.dosing
        monitoring = tuple(
            evolve(e, text=f"{p['present']} checked in; {p['given']} resting.")
            if isinstance(e, Observation)
            else e
            for e in d.monitoring
        )
        discharge = evolve(d.discharge, escort=p["escort"]) if d.discharge else None
        changes["dosing"] = evolve(d, monitoring=monitoring, discharge=discharge)
    return evolve(s, **changes)


def word_pattern(value: str) -> re.Pattern[str]:
    """``value`` as a whole word (not inside a longer word or number), case-insensitively."""
    return re.compile(rf"(?<![a-z0-9]){re.escape(value.lower())}(?![a-z0-9])")


__all__ = ["Seeds", "narrative_for", "seed_identifiers", "word_pattern"]
