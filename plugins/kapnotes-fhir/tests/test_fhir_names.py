"""A clinician's name split into HumanName parts only when unambiguous (a wrong family name is
worse than none)."""

from __future__ import annotations

import pytest
from kapnotes_fhir.names import human_name


@pytest.mark.parametrize(("text", "prefix", "given", "family"), [
    ("Dr. Lee Ames", ["Dr."], ["Lee"], "Ames"),
    ("Lee Ames", None, ["Lee"], "Ames"),
    ("Mary-Ann O'Neil", None, ["Mary-Ann"], "O'Neil"),
    ("Zoë Ångström", None, ["Zoë"], "Ångström"),
])
def test_an_unambiguous_name_is_split(text, prefix, given, family):
    name = human_name(text)
    assert (name.get("prefix"), name["given"], name["family"], name["text"]) == (prefix, given, family, text)


@pytest.mark.parametrize("text", [
    "Lee Ames III", "Lee Ames Jr", "Lee Ames Jr.", "Lee Ames Sr", "Lee Ames PhD", "Dr. Lee Ames MD", "Lee Ames psyd",
    "李 小龍",  # family name first, and no case to tell
    "Lee àmes", "Ludwig van Beethoven", "Ames, Lee", "Ames", "Lee 2Ames",
])
def test_an_ambiguous_name_stays_text_only(text):
    assert human_name(text) == {"use": "official", "text": text}
