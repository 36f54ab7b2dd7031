"""A clinician's name (one string in the record) as a FHIR ``HumanName``, split only when unambiguous.

The record keeps a clinician's name as written ("Dr. Lee Ames"). US Core asks for
``name.family``; a wrong split would send a wrong family name, which is worse than none. So the
name is split only when every word is a capitalised name word: leading titles (``Dr.``, ``Prof.``,
...) become ``prefix``, the last word ``family`` and the others ``given``. A comma (family-first,
or a suffix), a lower-case particle ("van", "de": where the family name starts is not known), a
suffix or degree such as "Jr.", "III" or "MD" (:data:`SUFFIXES`), a word of a script without
case (Chinese names put the family name first) or a single word leave the name as ``text`` only.
"""

from __future__ import annotations

import re
from typing import Any

#: Titles read as ``HumanName.prefix`` (compared without case).
PREFIXES = frozenset({"dr", "dr.", "prof", "prof.", "mr", "mr.", "mrs", "mrs.", "ms", "ms.", "mx", "mx."})
#: A name word: letters, optionally joined by a hyphen or an apostrophe, the first an upper-case
#: letter (``str.isupper``: a letter of a script without case, as in "李 小龍", whose family name
#: comes first, is not taken for one, nor a lower-case "àmes").
_WORD = re.compile(r"^[^\W\d_][^\W\d_]*(?:[-'\u2019][^\W\d_]+)*$")
#: Words after the family name (generation suffixes, degrees), compared without case or dots:
#: with one of them last, where the family name ends is not known, so the name is not split.
SUFFIXES = frozenset({
    "jr", "sr", "ii", "iii", "iv", "v", "md", "do", "phd", "psyd", "np", "pa", "rn", "lcsw", "lmft",
    "lpc", "dnp", "pmhnp", "aprn", "crna", "esq",
})


def _name_word(w: str) -> bool:
    return bool(_WORD.match(w)) and w[0].isupper() and w.replace(".", "").lower() not in SUFFIXES


def human_name(text: str) -> dict[str, Any]:
    """The ``HumanName`` (use ``official``) of ``text``: always the text, the parts when unambiguous."""
    name: dict[str, Any] = {"use": "official", "text": text}
    words = text.split()
    prefix: list[str] = []
    while words and words[0].lower() in PREFIXES:
        prefix.append(words.pop(0))
    if "," in text or len(words) < 2 or not all(_name_word(w) for w in words):
        return name
    if prefix:
        name["prefix"] = prefix
    name["given"] = words[:-1]
    name["family"] = words[-1]
    return name
