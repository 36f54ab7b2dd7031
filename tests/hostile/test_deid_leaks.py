"""The seven free-text leaks seen from `export --deidentify`, and a planted-identifier property."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kapnotes.privacy import KnownIdentifiers, TextRedactor


def redactor() -> TextRedactor:
    known = KnownIdentifiers()
    known.add_person_name("Rowanne", "Example")
    return TextRedactor(known)


@pytest.mark.parametrize(
    ("text", "leak"),
    [
        ("SSN 521.44.9876 on file.", "521.44.9876"),
        ("She was born in 1931 in a small town.", "1931"),
        ("Client is 95 years of age.", "95"),
        ("Call her at 5551234567 tomorrow.", "5551234567"),
        ("Row\u00adanne said she felt calm.", "anne"),
        ("\uff32\uff4f\uff57\uff41\uff4e\uff4e\uff45 said she felt calm.", "anne"),
        ("\uff32\uff4f\uff57\uff41\uff4e\uff4e\uff45 said she felt calm.", "\uff4e\uff4e\uff45"),
        ("She walks daily on Birchwood Lane with her dog.", "Birchwood"),
        ("Row\u200banne returned.", "anne"),
    ],
)
def test_seen_leaks_are_redacted(text, leak):
    out = redactor().redact(text)[0]
    assert leak not in out, out


def test_clinical_text_survives_normalisation():
    text = "BP 120/80, ketamine 0.5 mg/kg over 40 minutes; PHQ-9 was 12."
    assert redactor().redact(text)[0] == text


_FIRST = st.sampled_from(["Rowanne"])
_SSN = st.tuples(
    st.integers(100, 899), st.integers(10, 99), st.integers(1000, 9999), st.sampled_from("-. ")
).map(lambda t: f"{t[0]}{t[3]}{t[1]}{t[3]}{t[2]}")
_PHONE = st.tuples(
    st.integers(200, 999),
    st.integers(200, 999),
    st.integers(1000, 9999),
    st.sampled_from(["-", ".", " ", ""]),
).map(lambda t: f"{t[0]}{t[3]}{t[1]}{t[3]}{t[2]}")
_AGE = st.integers(90, 119).flatmap(
    lambda n: st.sampled_from(
        [f"{n} years old", f"{n}-year-old", f"{n} years of age", f"aged {n}", f"{n} yo"]
    ).map(lambda s, n=n: (s, str(n)))
)
_EMAIL = st.from_regex(r"[a-z]{3,8}@[a-z]{3,8}\.(com|org|net)", fullmatch=True)
_BORN = st.integers(1900, 1936).map(lambda y: (f"born in {y}", str(y)))
_NAME = st.sampled_from(
    [
        "Rowanne",
        "Row\u00adanne",
        "\uff32\uff4f\uff57\uff41\uff4e\uff4e\uff45",
        "Row\u200danne",
        "ROWANNE",
    ]
)
_STREET = st.sampled_from(["Birchwood Lane", "Maple Avenue", "Oak Hollow Road", "Cedar Drive"])

_PLANT = st.one_of(
    _SSN.map(lambda s: (s, s)),
    _PHONE.map(lambda s: (s, s)),
    _AGE,
    _EMAIL.map(lambda s: (s, s)),
    _BORN,
    _NAME.map(lambda s: (s, "anne")),
    _STREET.map(lambda s: (s, s.split()[0])),
)
_WORDS = st.lists(
    st.sampled_from(
        [
            "she",
            "reported",
            "feeling",
            "calm",
            "after",
            "the",
            "session",
            "and",
            "slept",
            "well",
            "mood",
            "improved",
            "integration",
            "went",
            "smoothly",
            "today",
            "with",
            "support",
        ]
    ),
    min_size=1,
    max_size=12,
).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(before=_WORDS, plant=_PLANT, after=_WORDS)
def test_planted_identifiers_never_survive(before, plant, after):
    planted, secret = plant
    out = redactor().redact(f"{before} {planted} {after}.")[0]
    assert secret.lower() not in out.replace("90+", "").lower(), (planted, out)
