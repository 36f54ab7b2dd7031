"""The plugin is written only through kapnotes' public API: every kapnotes module it imports is
one the documentation presents to plugin authors, and it imports no private name."""

from __future__ import annotations

import ast
from pathlib import Path

from rems_fixtures import demo, rems_demo, rems_plugin, synthetic_demo  # noqa: F401 - fixtures

SRC = Path(__file__).resolve().parent.parent / "src" / "kapnotes_rems"
DOCS = Path(__file__).resolve().parents[3] / "docs"
#: The pages that present the API to plugin authors.
PAGES = ("plugins.md", "hooks.md", "open-model.md", "lifecycle.md")


def _imports() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in sorted(SRC.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("kapnotes"):
                found.setdefault(node.module, set()).update(a.name for a in node.names)
            elif isinstance(node, ast.Import):
                for a in node.names:
                    if a.name.startswith("kapnotes"):
                        found.setdefault(a.name, set())
    return {m: names for m, names in found.items() if not m.startswith("kapnotes_rems")}


def test_it_imports_kapnotes_at_all():
    assert {"kapnotes", "kapnotes.model", "kapnotes.rules.base"} <= set(_imports())


def test_every_kapnotes_module_it_imports_is_documented_for_plugin_authors():
    text = "\n".join((DOCS / p).read_text(encoding="utf-8") for p in PAGES)
    undocumented = sorted(m for m in _imports() if m != "kapnotes" and m not in text)
    assert not undocumented, undocumented


def test_no_private_module_or_name():
    for module, names in _imports().items():
        assert not any(part.startswith("_") for part in module.split(".")), module
        assert not any(n.startswith("_") for n in names), (module, names)
