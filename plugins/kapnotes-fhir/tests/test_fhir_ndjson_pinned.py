"""The NDJSON export's bytes are pinned: speed-ups must not change a single file.

The digests in ``pinned/ndjson_digests.json`` were written by the exporter before its speed-ups
(``pinned/pins.py`` builds the two synthetic stores and regenerates them).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "pinned"))
import pins


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return pins.build(tmp_path_factory.mktemp("pinned-stores"))


@pytest.mark.parametrize("store", sorted(pins.STORES))
@pytest.mark.parametrize("export", sorted(pins.EXPORTS))
def test_every_ndjson_file_is_byte_identical_to_the_pinned_one(stores, tmp_path, store, export):
    expected = json.loads(pins.DIGESTS.read_text(encoding="utf-8"))[f"{store}/{export}"]
    found = pins.export(stores[store], pins.EXPORTS[export], tmp_path / "out")
    assert sorted(found) == sorted(expected)  # the same resource types
    changed = [name for name in expected if found[name] != expected[name]]
    assert changed == []
