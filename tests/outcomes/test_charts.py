"""Trajectory charts: valid PNG and SVG, the same bytes on every run, matplotlib imported lazily."""

from __future__ import annotations

import hashlib
import struct
import subprocess
import sys

import pytest

from kapnotes.charts import ChartError, draw_trajectory
from kapnotes.model import SessionKind

from .helpers import at, course, dosing, phq9, session, worked_course

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from the PNG's IHDR chunk."""
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.fixture(scope="module")
def cl001(demo_doc):
    return next(c for c in demo_doc.courses if c.client_id == "cl-001")


def test_png_is_a_valid_png_of_the_requested_size(cl001) -> None:
    data = draw_trajectory(cl001, "phq9", "png", width_in=8.0, height_in=4.6, dpi=100)
    assert data.startswith(PNG_SIGNATURE)
    assert data.endswith(b"IEND\xaeB`\x82")
    assert png_size(data) == (800, 460)


def test_png_metadata_has_no_software_version(cl001) -> None:
    data = draw_trajectory(cl001, "phq9")
    assert b"Software" not in data and b"matplotlib" not in data.lower()


def test_svg_is_valid_xml_without_a_date(cl001) -> None:
    import xml.etree.ElementTree as ET

    data = draw_trajectory(cl001, "PHQ-9", "svg")
    root = ET.fromstring(data)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert b"<dc:date>" not in data
    # Text is drawn as paths (no font needed to show it), and the labels are in the SVG.
    assert b"<path" in data


def test_output_is_deterministic_in_process(cl001) -> None:
    for fmt in ("png", "svg"):
        assert draw_trajectory(cl001, "phq9", fmt) == draw_trajectory(cl001, "phq9", fmt)


def test_output_is_the_same_in_a_fresh_process(cl001) -> None:
    code = (
        "import hashlib, sys\n"
        "from kapnotes.synthetic import build_document\n"
        "from kapnotes.charts import draw_trajectory\n"
        "c = next(c for c in build_document().courses if c.client_id == 'cl-001')\n"
        "for f in ('png', 'svg'):\n"
        "    print(hashlib.sha256(draw_trajectory(c, 'phq9', f)).hexdigest())\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    here = [hashlib.sha256(draw_trajectory(cl001, "phq9", f)).hexdigest() for f in ("png", "svg")]
    assert out == here


def test_different_data_gives_a_different_chart(cl001, demo_doc) -> None:
    cl002 = next(c for c in demo_doc.courses if c.client_id == "cl-002")
    assert draw_trajectory(cl001, "phq9") != draw_trajectory(cl002, "phq9")
    assert draw_trajectory(cl001, "phq9") != draw_trajectory(cl001, "gad7")


def test_importing_charts_does_not_import_matplotlib() -> None:
    code = (
        "import sys\n"
        "import kapnotes.charts, kapnotes.outcomes, kapnotes.default_plugins.outcomes\n"
        "import kapnotes.cli\n"
        "assert not [m for m in sys.modules if m.split('.')[0] == 'matplotlib'], 'imported'\n"
        "print('ok')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_a_chart_without_complete_scores_still_draws() -> None:
    c = course("c", session("i", SessionKind.INTAKE, at(1, 1), phq9("x", at(1, 1), None)),
               dosing("d", at(1, 8)))
    assert draw_trajectory(c, "phq9").startswith(PNG_SIGNATURE)


def test_a_hand_built_course_draws_in_both_formats() -> None:
    c = worked_course()
    assert draw_trajectory(c, "phq9", "PNG").startswith(PNG_SIGNATURE)
    assert b"<svg" in draw_trajectory(c, "phq9", "svg")


def test_unknown_format_and_instrument_without_total_are_refused(cl001) -> None:
    with pytest.raises(ChartError, match="unknown chart format 'pdf'"):
        draw_trajectory(cl001, "phq9", "pdf")
    with pytest.raises(ChartError, match="no total range"):
        draw_trajectory(cl001, "cssrs-screener")
