"""Seeded identifiers never survive de-identification (structured fields and free text).

100 synthetic clients, 1,100 session records: every client gets unique invented names, MRN, phones,
e-mail, street address, city, ZIP, SSN, URL, IP address, account and health-plan numbers, and the
names of an emergency contact, an escort and a person present. They are written into the
structured fields and into every session's narrative, intention, plan, interventions and
monitoring observations (plus the name of another client, as in a group note). The output is
searched for every seeded value, case-insensitively, as a whole word.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from kapnotes.model import Document
from kapnotes.serialization import canonical_bytes, dumps, to_data
from tests.privacy.helpers import CLIENTS
from tests.privacy.seeding import Seeds, word_pattern

#: Identifiers of the synthetic clinic itself (clinician and clinic names, NPI, phone, address).
CLINIC_IDENTIFIERS = (
    "Lee Ames",
    "Ames",
    "Sam Ortiz",
    "Ortiz",
    "Riley Kim",
    "Alex Bell",
    "1234567893",
    "Juniper Ridge",
    "555-0100",
    "100 Example Way",
    "Springfield",
    "Support person (synthetic)",
)


_RUN = re.compile(r"[a-z0-9]+")


def _leaks(output: Any, values: list[str]) -> list[str]:
    """The values found in the output as whole words (``word_pattern``).

    A value found as a whole word has each of its letter-and-digit runs as a whole run of the
    text. So the text's runs are indexed by where they start, and a value is looked for only
    where its rarest run is (``word_pattern`` then has the last word).
    """
    text = canonical_bytes(output).decode("utf-8").lower()
    where: dict[str, list[int]] = {}
    for m in _RUN.finditer(text):
        where.setdefault(m.group(), []).append(m.start())
    found = []
    for value in values:
        lowered = value.lower()
        own = list(_RUN.finditer(lowered))
        if own:
            rarest = min(own, key=lambda m: len(where.get(m.group(), ())))
            starts = (at - rarest.start() for at in where.get(rarest.group(), ()))
            if not any(at >= 0 and text.startswith(lowered, at) for at in starts):
                continue
        if word_pattern(value).search(text):
            found.append(value)
    return found


def test_the_leak_search_finds_what_is_there():
    values = ["Mabrebur", "(837) 640-3710", "+1 679 748 0384", "a.b@c.example.com", "Zoë", "10.84.232.141"]
    text = " ".join(values) + " x-mabreburs 6403710 zo"
    assert _leaks({"t": text}, values) == values
    assert _leaks({"t": "mabreburs (837) 640-37101 1 679 748 03845 zoëy"}, values) == []


def test_the_leak_search_finds_every_seed_in_the_input(seeded: tuple[Document, Seeds]):
    doc, seeds = seeded
    sample = seeds.values[::23]
    assert _leaks(to_data(doc), sample) == sample


def test_the_fixture_is_big_enough_and_really_holds_the_seeds(seeded: tuple[Document, Seeds]):
    doc, seeds = seeded
    assert len(doc.clients) == CLIENTS
    assert sum(len(c.sessions) for c in doc.courses) >= 1000
    assert len(seeds.values) >= 20 * CLIENTS
    original = dumps(doc).lower()
    missing = [v for v in seeds.values if v.lower() not in original]
    assert (
        missing == []
    )  # every seeded value is in the input, so finding none of it means something


@pytest.mark.parametrize("mode", ["shifted", "year_only"])
def test_no_seeded_identifier_survives(mode, request, seeded: tuple[Document, Seeds]):
    output = request.getfixturevalue(mode)
    assert _leaks(output, seeded[1].values) == []


def test_no_identifier_of_the_clinic_or_its_clinicians_survives(shifted):
    assert _leaks(shifted, list(CLINIC_IDENTIFIERS)) == []


def test_original_record_ids_are_gone(shifted, seeded_doc: Document):
    ids = [c.id for c in seeded_doc.clients] + [c.id for c in seeded_doc.clinicians]
    ids += [s.id for c in seeded_doc.courses for s in c.sessions]
    assert _leaks(shifted, ids) == []


def test_free_text_keeps_its_clinical_content(shifted):
    narrative = shifted["courses"][0]["sessions"][0]["narrative"]
    assert "PHQ-9 16, BP 129/77." in narrative["presenting_concerns"]
    assert "calm after 34 mg" in narrative["observations"]
    assert "[NAME] (MRN [MRN]) reports" in narrative["presenting_concerns"]
    assert "[SSN]" in narrative["observations"] and "[IP]" in narrative["observations"]
    assert "[EMAIL]" in narrative["client_experience"] and "[URL]" in narrative["client_experience"]


def test_output_holds_only_plain_json_types(shifted):
    def check(x):
        assert type(x) in (dict, list, str, int, float, bool, type(None)), repr(x)
        for v in x.values() if isinstance(x, dict) else x if isinstance(x, list) else ():
            check(v)

    check(shifted)


def test_counts_say_what_was_done(shifted):
    counts = shifted["deidentification"]["counts"]
    for field in ("Client.mrn", "Client.phone", "Client.email", "PersonName.given", "Contact.name"):
        assert counts["removed"][field] == CLIENTS, field
    assert counts["removed"]["Discharge.escort"] >= CLIENTS
    for label in ("NAME", "PHONE", "EMAIL", "SSN", "URL", "IP", "DATE", "MRN", "ADDRESS", "ZIP"):
        assert counts["redacted"][label] >= CLIENTS, label
    assert counts["replaced"]["pseudonym.client"] >= CLIENTS
    assert counts["replaced"]["postal_code.zip3_000"] >= CLIENTS // 10
