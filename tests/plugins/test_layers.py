"""The registry sits at the bottom, plugin loading at the top: no layer in between reaches for
the plugin manager, and every one of them works with an explicit registry handed to it."""

from __future__ import annotations

import ast
from pathlib import Path

import attrs
import pytest

import kapnotes
import kapnotes.plugins
import kapnotes.registry as registry_module
from kapnotes.errors import KapnotesError, PluginError, UnknownNameError
from kapnotes.instruments.catalog import BY_NAME
from kapnotes.model import UnknownIntervention
from kapnotes.notes.document import Note
from kapnotes.notes.format import NoteContext, NoteFormat
from kapnotes.registry import Registry
from kapnotes.serialization import dumps, loads

SRC = Path(kapnotes.__file__).resolve().parent

#: The top layer: what loads plugins (and the public facade that installs them as the default).
TOP = {"__init__.py", "plugins.py", "testing.py", "hook_docs.py", "cli"}


def _module(path: Path) -> str:
    rel = path.relative_to(SRC.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imported(
    path: Path, *, module: str | None = None, skip_type_checking: bool = False
) -> list[tuple[int, str]]:
    """``(line, module)`` of every import in ``path`` (relative ones resolved as if it were
    ``module``), at any depth, inside functions too."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    name = module or _module(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    skipped: set[int] = set()
    if skip_type_checking:
        for node in ast.walk(tree):
            if isinstance(node, ast.If) and ast.unparse(node.test) in (
                "TYPE_CHECKING", "typing.TYPE_CHECKING"
            ):
                skipped |= {id(n) for child in node.body for n in ast.walk(child)}
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            found.append((node.lineno, base))
            found += [(node.lineno, f"{base}.{a.name}") for a in node.names]
    return found


def _below_the_top() -> list[Path]:
    return [
        p for p in sorted(SRC.rglob("*.py"))
        if p.relative_to(SRC).parts[0] not in TOP
    ]


def test_the_walk_sees_the_imports_it_is_meant_to_catch(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text(
        "def f():\n    from kapnotes.plugins import registry\n    return registry()\n"
        "def g():\n    from .. import plugins\n"
        "def h():\n    from ..plugins import pm\n",
        encoding="utf-8",
    )
    found = [m for _, m in _imported(probe, module="kapnotes.notes.probe")]
    assert found.count("kapnotes.plugins") == 3  # the module of each of the three imports
    assert {"kapnotes.plugins.registry", "kapnotes.plugins.pm"} <= set(found)


def test_no_module_below_the_top_imports_the_plugin_manager():
    offenders = [
        f"{p.relative_to(SRC.parent)}:{line} imports {mod}"
        for p in _below_the_top()
        for line, mod in _imported(p)
        if mod == "kapnotes.plugins" or mod.startswith("kapnotes.plugins.")
    ]
    assert not offenders, "\n".join(offenders)


def _kapnotes_imports(path: Path) -> set[str]:
    return {
        mod for _, mod in _imported(path, skip_type_checking=True)
        if mod == "kapnotes" or mod.startswith("kapnotes.")
    }


def test_the_registry_imports_nothing_of_kapnotes_but_errors_and_lazy_classes():
    ours = _kapnotes_imports(SRC / "registry.py")
    assert ours <= {
        "kapnotes.errors", *(f"kapnotes.errors.{n}" for n in dir(kapnotes.errors)),
        "kapnotes.lazy_classes", "kapnotes.lazy_classes.define", "kapnotes.lazy_classes.frozen",
        "kapnotes.patterns", "kapnotes.patterns.LazyPattern",
    }, ours
    assert "kapnotes.errors" in ours  # the walk did see its one import


def test_errors_lazy_classes_and_patterns_are_leaves():
    """What the registry builds on imports nothing of kapnotes (but errors its lazy classes)."""
    assert _kapnotes_imports(SRC / "lazy_classes.py") == set()
    assert _kapnotes_imports(SRC / "patterns.py") == set()
    assert _kapnotes_imports(SRC / "errors.py") <= {
        "kapnotes.lazy_classes", "kapnotes.lazy_classes.frozen"}


def test_a_layer_given_a_registry_consults_nothing_else():
    from kapnotes.scoring import get_instrument, score

    empty = Registry()
    with pytest.raises(UnknownNameError, match="phq9"):
        get_instrument("phq9", registry=empty)  # built in, but not in this registry
    own = Registry()
    own.instruments.add("phq9", "my-tests", BY_NAME["phq9"])
    assert score("PHQ-9", [1] * 9, registry=own).total == 9


def test_render_with_a_format_only_the_given_registry_has(demo_doc):
    from kapnotes.rendering import render

    soap = kapnotes.plugins.registry().note_formats.get("soap")

    def build(ctx: NoteContext) -> Note:
        return attrs.evolve(soap.build(ctx), title=f"Only here: {ctx.session.id}")

    reg = Registry()
    fmt = NoteFormat(name="only-here", description="a test format", build=build)
    reg.note_formats.add("only-here", "my-tests", fmt)
    reg.exporters.add("text", "my-tests", kapnotes.plugins.registry().exporters.get("text"))
    course = demo_doc.courses[0]
    session = course.sessions[0]
    text = render(session, course=course, format="only-here", to="text", registry=reg)
    assert f"Only here: {session.id}" in text.decode("utf-8")
    with pytest.raises(UnknownNameError):  # the loaded plugins do not have it
        render(session, course=course, format="only-here", to="text")


def test_a_document_read_with_a_registry_without_its_types_keeps_them(demo_doc):
    text = dumps(demo_doc)
    doc = loads(text, registry=Registry())  # no intervention type, no instrument known
    kept = [i for _c, s in doc.iter_sessions() for i in s.interventions]
    assert kept and all(isinstance(i, UnknownIntervention) for i in kept)
    assert dumps(doc) == text


def test_a_store_opened_with_a_registry_reads_with_it(demo_doc):
    from kapnotes.store import open_store

    store = open_store(":memory:", registry=Registry())
    try:
        store.save(demo_doc)
        sessions = [s for c in store.document().courses for s in c.sessions]
        kept = [i for s in sessions for i in s.interventions]
        assert kept and all(isinstance(i, UnknownIntervention) for i in kept)
    finally:
        store.close()


def test_none_without_an_installed_default_says_what_to_do(monkeypatch):
    from kapnotes.scoring import score

    monkeypatch.setattr(registry_module, "_default", None)
    with pytest.raises(KapnotesError, match="pass registry="):
        score("phq9", [0] * 9)


def test_kapnotes_registry_is_still_callable():
    """kapnotes 0.1's ``kapnotes.registry()`` keeps working although the name is now a module."""
    assert kapnotes.registry() is kapnotes.plugins.registry()
    assert kapnotes.registry.Registry is Registry


def test_a_kind_names_both_plugins_on_a_clash():
    reg = Registry()
    reg.rules.add("x", "first", object())  # type: ignore[arg-type]
    with pytest.raises(PluginError, match="'x' of plugin 'second' is already registered by 'first'"):
        reg.rules.add("x", "second", object())  # type: ignore[arg-type]
