"""docs/hooks.md is generated from the hookspecs, the registered classes and the model's tables,
and kept in step by these tests."""

from __future__ import annotations

import inspect
import subprocess
import sys
from pathlib import Path

import attrs

from kapnotes import hook_docs, hookspecs
from kapnotes.model import SessionKind
from kapnotes.model.dosing import MONITORING_TYPES
from kapnotes.model.interventions import BUILTIN_INTERVENTION_TYPES

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "hooks.md"


def test_the_hook_reference_is_not_stale():
    assert PAGE.read_text(encoding="utf-8") == hook_docs.markdown(), (
        "docs/hooks.md is stale: python -m kapnotes.hook_docs > docs/hooks.md"
    )


def test_the_module_writes_the_page():
    result = subprocess.run(
        [sys.executable, "-m", "kapnotes.hook_docs"], capture_output=True, text=True,
        timeout=120, cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == hook_docs.markdown()


def test_every_hook_is_shown_with_its_typed_signature():
    page = hook_docs.markdown()
    names = [h.__name__ for h in hook_docs.hooks()]
    assert names == sorted(names, key=lambda n: getattr(hookspecs, n).__code__.co_firstlineno)
    assert set(names) == {n for n in dir(hookspecs) if n.startswith("register_")}
    assert "def register_note_formats(register: Callable[[NoteFormat], None]) -> None" in page
    assert (
        "def register_exporters(register: Callable[[NoteExporter | RecordExporter], None])" in page
    )
    assert "def register_commands(cli: click.Group) -> None" in page


def test_every_hookspec_is_documented_like_pytest_s():
    for spec in hook_docs.hooks():
        doc = inspect.getdoc(spec) or ""
        summary = doc.split("\n\n")[0]
        assert summary and "\n" not in summary.strip(), spec.__name__
        for param in inspect.signature(spec).parameters:
            assert f":param {param}:" in doc, (spec.__name__, param)
        assert "What the core checks:" in doc, spec.__name__
        assert ".. versionadded::" in doc, spec.__name__


def test_every_constructor_field_of_the_registered_classes_is_listed():
    page = hook_docs.markdown()
    for cls in hook_docs.CLASSES:
        assert f"### `{cls.__name__}`" in page, cls
        section = page.split(f"### `{cls.__name__}`", 1)[1].split("\n### ", 1)[0]
        if attrs.has(cls):
            names = [f.alias or f.name for f in attrs.fields(cls) if f.init and not f.name.startswith("_")]
        else:
            names = list(inspect.signature(cls.__init__).parameters)[1:]
        assert names
        for name in names:
            assert f"| `{name}` |" in section, (cls.__name__, name)


def test_a_field_s_type_default_and_ivar_come_from_the_class():
    @attrs.frozen
    class Sample:
        """A sample.

        :ivar colour: the colour, in ``words``.
        """

        colour: str = "blue"
        size: int = attrs.field(factory=int)
        shape: str = attrs.field(default="round", metadata={"doc": "the shape"})

    section = "\n".join(hook_docs._class_section(Sample))
    assert "| `colour` | `str` | `'blue'` | the colour, in `words`. |" in section
    assert "| `size` | `int` | `int()` |  |" in section
    assert "| `shape` | `str` | `'round'` | the shape |" in section


def test_the_json_tag_table_comes_from_the_model():
    page = hook_docs.markdown()
    assert "| `vitals` | `kapnotes.model.dosing.Vitals` |" in page
    assert "| `moaas` | `kapnotes.model.dosing.Sedation` |" in page
    for cls in (*BUILTIN_INTERVENTION_TYPES, *MONITORING_TYPES):
        assert f"| `{cls.type}` | `{cls.__module__}.{cls.__qualname__}` |" in page, cls
    for kind in SessionKind:
        assert f"| `{kind.value}` | `kapnotes.model.session.SessionKind.{kind.name}` |" in page


def test_the_page_runs_no_python_block():
    """docs/*.md python blocks are executed by test_docs; the signatures here are text."""
    assert "```python" not in hook_docs.markdown()
