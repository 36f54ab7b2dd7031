"""``FormatSpec.omits`` looks up the path's dotted prefixes; it answers as a scan of every
omission does (a path is under ``p`` when it is ``p`` or starts with ``p.``)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kapnotes.notes import blocks
from kapnotes.notes.formats import BUILTIN_SPECS, FormatSpec, standard_sections


def scanned(spec: FormatSpec, path: str) -> bool:
    return any(path == p or path.startswith(p + ".") for p in spec.omitted)


def test_every_builtin_format_omits_what_a_scan_finds():
    paths = {p for t in blocks.TOPICS for p in t.paths}
    paths |= {f"{p}.x" for p in paths} | {f"{p}x" for p in paths}  # below, and a longer name
    paths |= {p for spec in BUILTIN_SPECS for p in spec.omitted}
    assert paths
    for spec in BUILTIN_SPECS:
        found = {p for p in paths if spec.omits(p)}
        assert found == {p for p in paths if scanned(spec, p)}, spec.name
        assert found  # every built-in format omits something


_part = st.sampled_from(["dosing", "dose", "dosing_record", "notes", "a", "ab", ""])


@given(
    omitted=st.lists(st.lists(_part, min_size=1, max_size=3).map(".".join), max_size=4),
    path=st.lists(_part, min_size=1, max_size=4).map(".".join),
)
def test_omits_is_the_scan_for_any_paths(omitted, path):
    spec = FormatSpec(name="t", description="t", title="{kind}", sections=standard_sections(),
                      omitted={**blocks.NOT_SHOWN})
    object.__setattr__(spec, "omitted", {**spec.omitted, **dict.fromkeys(omitted, "test")})
    assert spec.omits(path) == scanned(spec, path)
