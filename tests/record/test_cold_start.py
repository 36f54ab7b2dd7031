"""What ``import kapnotes``, ``import kapnotes.cli`` and the loads machinery import (issue #16).

Fresh processes, so that nothing imported by other tests hides an import.
"""

from __future__ import annotations

import subprocess
import sys

from click.testing import CliRunner

from kapnotes.cli import cli
from kapnotes.model import SessionKind


def imported_after(code: str, *modules: str) -> list[str]:
    """Which of ``modules`` are imported after running ``code`` in a fresh interpreter."""
    probe = f"{code}\nimport sys\nprint(' '.join(m for m in {modules!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True, timeout=120).stdout
    return out.split()


def test_the_cli_imports_no_model_plugins_or_heavy_libraries():
    heavy = ("kapnotes.model", "kapnotes.plugins", "pluggy", "cattrs", "importlib.metadata",
             "docx", "matplotlib", "hashlib", "tempfile")
    assert imported_after("import kapnotes.cli", *heavy) == []


def test_the_loads_machinery_needs_no_plugin_manager():
    code = "import kapnotes; kapnotes.loads; kapnotes.serialization.converter()"
    assert imported_after(code, "pluggy", "kapnotes.plugins", "importlib.metadata",
                          "hashlib", "click") == []
    assert imported_after(code, "kapnotes.model", "cattrs") == ["kapnotes.model", "cattrs"]


def test_render_kind_lists_and_checks_the_session_kinds():
    shown = CliRunner().invoke(cli, ["render", "--help"], terminal_width=200).output
    assert "[" + "|".join(k.value for k in SessionKind) + "]" in shown
    refused = CliRunner().invoke(cli, ["render", "--all", "--kind", "nap"])
    assert refused.exit_code == 2
    assert "'nap' is not one of" in refused.output
