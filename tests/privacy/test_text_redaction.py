"""Free-text redaction: patterns, the record's own identifiers, and clinical numbers kept."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kapnotes.privacy import KnownIdentifiers, TextRedactor, redact_text

CLINICAL = (
    "BP 129/77, HR 72, SpO2 98%, RR 14. Ketamine 34 mg IM (0.5 mg/kg) at 09:20, booster 10 mg "
    "at 09:45. PHQ-9 16, GAD-7 12, PCL-5 52, QIDS-SR16 11, MOAA/S 4, CADSS 24 at 40 min. "
    "Grounding 5-4-3-2-1. Fasting 6 hours; ondansetron 4 mg SL. Dose range 50-100 mg; 2 of 4 "
    "sessions; 988 Lifeline. Serial 7s intact. Alert, oriented x4. Belief 85 -> 35. Lot LOT-2601; "
    "lot # 26013A. Call 988 or +1 303 555 0100 34 mg? No: +44 20 7946 0958 34 mg."
)


def test_clinical_numbers_survive():
    expected = CLINICAL.replace("+1 303 555 0100", "[PHONE]").replace("+44 20 7946 0958", "[PHONE]")
    assert redact_text(CLINICAL) == expected


@pytest.mark.parametrize(
    "date",
    [
        "2026-03-02",
        "2026-03-02T09:00:00-07:00",
        "03/02/2026",
        "3/2/26",
        "2026/03/02",
        "02.03.2026",
        "March 3, 2026",
        "Mar 3",
        "March 3rd",
        "3 March 2026",
        "3rd of March",
        "Tuesday, March 3, 2026",
        "March 2026",
        "Dec. 24",
    ],
)
def test_dates_are_redacted_but_blood_pressure_and_doses_are_not(date):
    text = f"Seen {date}; BP 129/77 after 34 mg."
    assert redact_text(text) == "Seen [DATE]; BP 129/77 after 34 mg."


def test_a_month_and_day_alone_only_where_the_words_say_it_is_a_date():
    assert redact_text("Started on 3/14 and felt better") == "Started on [DATE] and felt better"
    assert redact_text("Scored 4/7 on the checklist") == "Scored 4/7 on the checklist"


def test_may_and_march_as_words_are_not_dates():
    text = "Symptoms may 2x in a week; we march 10 minutes daily."
    assert redact_text(text) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("call (303) 555-0187", "call [PHONE]"),
        ("call 303-555-0187", "call [PHONE]"),
        ("call 303.555.0187", "call [PHONE]"),
        ("call 303 555 0187", "call [PHONE]"),
        ("call +1 303 555 0187", "call [PHONE]"),
        ("call 1-303-555-0187", "call [PHONE]"),
        ("call 3035550187", "call [PHONE]"),
        ("call 555-0187 today", "call [PHONE] today"),
        ("fax (303) 555-0188 x 204", "fax [PHONE]"),
        ("call +44 20 7946 0958", "call [PHONE]"),
        ("mail jo.doe+kap@mail.example.org.", "mail [EMAIL]."),
        ("SSN 123-45-6789", "SSN [SSN]"),
        ("see https://portal.example.com/u/991?x=1.", "see [URL]."),
        ("see www.example.org/path", "see [URL]"),
        ("see mychart.example.health", "see [URL]"),
        ("from 192.168.14.201.", "from [IP]."),
        ("from 2001:db8::ff00:42:8329", "from [IP]"),
        ("MRN: 4417", "MRN: [ID]"),
        ("chart DEMO-107919", "chart [ID]"),
        ("ref 00481516", "ref [ID]"),
        ("account number 4417-2231-9987", "account number [ID]"),
        ("member ID XJ55812", "member ID [ID]"),
        ("licence number CA-55120", "licence number [ID]"),
        ("license plate 7ABC123", "license plate [ID]"),
        ("VIN 1HGCM82633A004352", "VIN [ID]"),
        ("serial no. SN4471AX", "serial no. [ID]"),
        ("device 00:1A:2B:3C:4D:5E", "device [ID]"),
        ("at 42 Maple Grove Ave, Apt 3B", "at [ADDRESS]"),
        ("PO Box 77", "[ADDRESS]"),
        ("ZIP 80210-1234", "ZIP [ZIP]"),
    ],
)
def test_patterns(text, expected):
    assert redact_text(text) == expected


def _known() -> KnownIdentifiers:
    known = KnownIdentifiers()
    known.add_person_name("Rowan", "Example", middle="Quinn", preferred="Ro")
    known.add_name("Dr. Lee Ames", structured=False)
    known.add_name("Support person (synthetic)", structured=False)
    known.add_phone("555-0101")
    known.add("MRN", "DEMO-107919")
    known.add_address_line("1 Sample Street, Suite 2")
    known.add("LOCATION", "Springfield")
    known.add_postal_code("80000")
    return known


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Rowan's mood lifted", "[NAME] mood lifted"),
        ("ROWAN EXAMPLE attended", "[NAME] attended"),
        ("rowan example attended", "[NAME] attended"),
        ("Rowan  Example", "[NAME]"),
        ("the Examples' house", "the [NAME] house"),
        ("Rowanberry jam", "Rowanberry jam"),  # a name inside a longer word is not a name
        ("Quinn, Rowan", "[NAME], [NAME]"),
        ("Example, Rowan Q.", "[NAME]"),
        ("Rowan Q. Example", "[NAME]"),
        ("Ro Example's plan", "[NAME] plan"),
        ("Dr. Ames and Lee came", "Dr. [NAME] and [NAME] came"),
        (
            "Support person (synthetic) drove; support staff waited",
            "[NAME] drove; support staff waited",
        ),
        ("call 555 0101 or (555)0101", "call [PHONE] or [PHONE]"),
        ("MRN demo-107919", "MRN [MRN]"),
        ("lives at 1 Sample Street", "lives at [ADDRESS]"),
        ("on sample street in Springfield", "on [ADDRESS] in [LOCATION]"),
        ("ZIP 80000", "ZIP [ZIP]"),
    ],
)
def test_the_records_own_identifiers(text, expected):
    assert TextRedactor(_known()).redact(text)[0] == expected


def test_counts_per_placeholder():
    _, counts = TextRedactor(_known()).redact(
        "Rowan called 555-0101 on March 3, 2026 from Springfield"
    )
    assert counts == {"NAME": 1, "PHONE": 1, "DATE": 1, "LOCATION": 1}


# --- properties ------------------------------------------------------------------------------------

_area = st.integers(201, 989)
_exchange = st.integers(200, 999)
_line = st.integers(0, 9999)


@st.composite
def phones(draw):
    a, b, c = draw(_area), draw(_exchange), draw(_line)
    fmt = draw(
        st.sampled_from(
            ["({a}) {b}-{c:04d}", "{a}-{b}-{c:04d}", "{a}.{b}.{c:04d}", "{a} {b} {c:04d}",
             "+1 {a} {b} {c:04d}", "1-{a}-{b}-{c:04d}", "{a}{b}{c:04d}", "+1-{a}-{b}-{c:04d}"]
        )
    )  # fmt: skip
    return fmt.format(a=a, b=b, c=c)


@st.composite
def dates(draw):
    y, m, d = draw(st.integers(1990, 2040)), draw(st.integers(1, 12)), draw(st.integers(1, 28))
    months = ["January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December"]  # fmt: skip
    fmt = draw(
        st.sampled_from(
            ["{y}-{m:02d}-{d:02d}", "{m:02d}/{d:02d}/{y}", "{m}/{d}/{y}", "{mon} {d}, {y}",
             "{d} {mon} {y}", "{mon} {d}", "{y}/{m:02d}/{d:02d}", "{d:02d}.{m:02d}.{y}"]
        )
    )  # fmt: skip
    return fmt.format(y=y, m=m, d=d, mon=months[m - 1])


identifiers = st.one_of(
    phones(),
    dates(),
    st.builds(
        "{}-{:02d}-{:04d}".format, st.integers(100, 665), st.integers(1, 99), st.integers(1, 9999)
    ),
    st.builds(
        "{}.{}@{}.example.com".format,
        st.from_regex(r"[a-z]{2,8}", fullmatch=True),
        st.from_regex(r"[a-z]{2,8}", fullmatch=True),
        st.from_regex(r"[a-z]{3,8}", fullmatch=True),
    ),
    st.builds(
        "https://{}.example.net/{}".format,
        st.from_regex(r"[a-z]{3,8}", fullmatch=True),
        st.from_regex(r"[a-z0-9]{1,10}", fullmatch=True),
    ),
    st.builds("{}.{}.{}.{}".format, *(st.integers(0, 255) for _ in range(4))),
    st.builds("MRN {}".format, st.from_regex(r"[A-Z]{0,3}\d{4,8}", fullmatch=True)),
)
fillers = st.sampled_from(
    [
        "BP 129/77;",
        "34 mg IM;",
        "PHQ-9 16.",
        "at 09:20",
        "Client reports",
        "CADSS 24,",
        "and",
        "—",
        "(",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(fillers, identifiers), min_size=1, max_size=6), fillers)
def test_seeded_identifiers_never_survive_in_any_text(pairs, tail):
    text = " ".join(f"{f} {i}" for f, i in pairs) + f" {tail}"
    out = redact_text(text)
    for _, identifier in pairs:
        value = identifier.removeprefix("MRN ")
        assert value not in out, (value, out)
    for filler, _ in pairs:
        assert filler in out
