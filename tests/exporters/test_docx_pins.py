"""The Word exporter's output, compared exactly with what it wrote when it was pinned.

The fixtures in ``pins/docx/`` (see :mod:`tests.exporters.docx_pins`, which regenerates them)
hold, for each case, the structure python-docx reads back (paragraphs with styles and runs,
tables with header rows, headers and footers, fields, pictures, page setup, core properties and
the SHA-256 of every part) and the text LibreOffice reads. A change to the Word output shows up
here; if it is meant, regenerate the fixtures and review their diff.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import pytest

from tests.readers import require_soffice

from . import docx_pins


@functools.lru_cache(maxsize=1)
def _exported(folder: str) -> dict[str, bytes]:
    return docx_pins.exported(Path(folder))


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    return _exported(str(tmp_path_factory.mktemp("docx-pin-templates")))


def _first_difference(expected: object, actual: object, path: str = "$") -> str:
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key in sorted(expected.keys() | actual.keys()):
            if key not in expected or key not in actual:
                return f"{path}.{key}: only in {'actual' if key in actual else 'expected'}"
            if expected[key] != actual[key]:
                return _first_difference(expected[key], actual[key], f"{path}.{key}")
    if isinstance(expected, list) and isinstance(actual, list):
        for i, (e, a) in enumerate(zip(expected, actual, strict=False)):
            if e != a:
                return _first_difference(e, a, f"{path}[{i}]")
        if len(expected) != len(actual):
            return f"{path}: {len(expected)} items expected, {len(actual)} written"
    return f"{path}: expected {expected!r}, written {actual!r}"


def test_every_pinned_case_is_still_a_case(files: dict[str, bytes]) -> None:
    pinned = {p.stem for p in docx_pins.PINS.glob("*.json")}
    assert pinned == set(files), "regenerate the pins: python -m tests.exporters.docx_pins"
    assert {p.stem for p in docx_pins.PINS.glob("*.txt")} == pinned


def test_structure_and_parts_as_pinned(files: dict[str, bytes]) -> None:
    differences = []
    for name, data in files.items():
        expected = json.loads((docx_pins.PINS / f"{name}.json").read_text(encoding="utf-8"))
        actual = docx_pins.structure(data)
        if actual != expected:
            differences.append(f"{name}: {_first_difference(expected, actual)}")
    assert not differences, "\n".join(differences)


@pytest.mark.slow
def test_text_as_libreoffice_reads_it_as_pinned(files: dict[str, bytes], tmp_path: Path) -> None:
    require_soffice()
    texts = docx_pins.soffice_texts(files, tmp_path)
    differences = [
        name for name, text in texts.items()
        if text != (docx_pins.PINS / f"{name}.txt").read_bytes()
    ]
    assert not differences, f"LibreOffice reads other text from: {differences}"
