"""The Safe Harbor data: restricted ZIP3 prefixes, ZIP generalization, ages, the 18 identifiers."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from kapnotes.model import Address, evolve
from kapnotes.privacy import IDENTIFIERS, RESTRICTED_ZIP3, deidentify, zip3
from kapnotes.privacy.safe_harbor import age_on, over_89
from kapnotes.synthetic import build_document
from tests.privacy.helpers import SECRET

DOCS = Path(__file__).resolve().parents[2] / "docs" / "deidentification.md"

#: The 17 prefixes of the HHS de-identification guidance (Census 2000), written out again here.
HHS_LIST = "036 059 063 102 203 556 692 790 821 823 830 831 878 879 884 890 893"


def test_the_restricted_prefixes_are_the_17_of_the_hhs_guidance():
    assert sorted(RESTRICTED_ZIP3) == HHS_LIST.split()


@pytest.mark.parametrize("prefix", HHS_LIST.split())
def test_restricted_prefixes_become_000(prefix):
    assert zip3(f"{prefix}17") == "000"
    assert zip3(f"{prefix}17-4410") == "000"


@pytest.mark.parametrize(
    ("code", "expected"),
    [("80210", "802"), ("80210-1234", "802"), ("802101234", "802"), (" 02139 ", "021"),
     ("8021", None), ("ABCDE", None), ("SW1A 1AA", None), ("", None)],
)  # fmt: skip
def test_zip3(code, expected):
    assert zip3(code) == expected


def test_a_caller_can_use_a_newer_list():
    assert zip3("80210", restricted={"802"}) == "000"


def test_postal_codes_in_the_record(small_doc):
    doc = small_doc
    clients = list(doc.clients)
    clients[0] = evolve(
        clients[0], address=Address(lines=("1 A St",), city="X", state="NH", postal_code="03601")
    )
    clients[1] = evolve(clients[1], address=Address(postal_code="EC1A 1BB", country="GB"))
    doc = evolve(doc, clients=tuple(clients))
    out = {c["id"]: c for c in deidentify(doc, secret=SECRET)["clients"]}
    addresses = [c.get("address") for c in out.values()]
    assert {"state": "NH", "postal_code": "000"} in addresses
    assert {"country": "GB"} in addresses  # a non-US postal code is removed, not cut
    assert {"state": "CO", "postal_code": "800"} in addresses


def test_age_on():
    assert age_on(dt.date(1936, 3, 10), dt.date(2026, 3, 9)) == 89
    assert age_on(dt.date(1936, 3, 9), dt.date(2026, 3, 9)) == 90
    assert age_on(dt.date(2000, 2, 29), dt.date(2001, 2, 28)) == 0


def test_over_89_with_years_only_is_judged_on_the_years():
    born, on = dt.date(1936, 12, 31), dt.date(2026, 1, 1)  # 89, but the years differ by 90
    assert not over_89(born, on, year_only=False)
    assert over_89(born, on, year_only=True)


def test_there_are_18_identifiers_a_to_r():
    assert [letter for letter, _, _ in IDENTIFIERS] == [chr(c) for c in range(ord("A"), ord("S"))]


def test_the_documentation_covers_every_identifier_and_the_review():
    text = DOCS.read_text(encoding="utf-8")
    for letter, name, _ in IDENTIFIERS:
        assert re.search(rf"\|\s*\({letter}\)\s*{re.escape(name)}", text), (letter, name)
    assert "kapnotes export --deidentify --secret-file KEY -o out.json" in text
    assert "reviewed by a person" in text
    for prefix in HHS_LIST.split():
        assert prefix in text


def test_build_document_still_has_what_these_tests_expect():
    doc = build_document(clients=1)
    assert doc.clients[0].address is not None and doc.clients[0].address.postal_code == "80000"
