"""The documentation is true to the code: its examples run, every hook is documented and tested."""

from __future__ import annotations

import inspect
import re
import subprocess
import sys
from pathlib import Path

import pytest

from kapnotes import hookspecs

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))
HOOKS = [name for name, _ in inspect.getmembers(hookspecs, inspect.isfunction) if name.startswith("register_")]


def python_blocks(path: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", path.read_text(encoding="utf-8"), flags=re.S)


@pytest.mark.parametrize("doc", [d for d in DOCS if python_blocks(d)], ids=lambda p: p.name)
def test_python_examples_in_docs_run(doc, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": f"docs_{doc.stem}"}
    for block in python_blocks(doc):  # the blocks of one page build on each other
        exec(compile(block, str(doc), "exec"), namespace)


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_examples_run(example, tmp_path):
    result = subprocess.run(
        [sys.executable, str(example), str(tmp_path)], capture_output=True, text=True, timeout=300, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()


def test_every_hook_is_documented_with_its_signature():
    text = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
    for name in HOOKS:
        params = ", ".join(inspect.signature(getattr(hookspecs, name)).parameters)
        assert f"### `{name}({params})`" in text, name
        doc = inspect.getdoc(getattr(hookspecs, name)) or ""
        assert ":param" in doc, name


def test_every_hook_has_a_test():
    sources = [p.read_text(encoding="utf-8") for p in (ROOT / "tests").rglob("test_*.py")]
    sources += [p.read_text(encoding="utf-8") for p in (ROOT / "plugins").rglob("tests/test_*.py")]
    for name in HOOKS:
        assert any(f"def {name}(" in s for s in sources), f"no test implements the hook {name}"


def test_readme_starts_with_the_two_commands():
    head = (ROOT / "README.md").read_text(encoding="utf-8")[:1500]
    assert "make demo" in head
    assert "make test" in head


def test_clinical_page_matches_the_instruments():
    from kapnotes.plugins import registry

    text = (ROOT / "docs" / "clinical.md").read_text(encoding="utf-8")
    for i in registry().instruments:
        if not i.name.startswith(("phq", "gad", "pcl", "qids", "madrs", "bdi", "cssrs", "cadss", "moaas", "meq")):
            continue
        assert f"(`{i.name}`)" in text, i.name
        for b in i.bands:
            assert f"{b.low}–{b.high} {b.label}" in text, (i.name, b)
        for c in i.critical_items:
            assert f"Critical item {c.item}:" in text, (i.name, c.item)
        if i.loinc is not None and i.loinc.total:
            assert i.loinc.total in text, i.name
