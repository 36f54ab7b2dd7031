"""Fixtures of the plugin tests: fake installed entry points, restored after each test."""

from __future__ import annotations

import importlib
import importlib.metadata
import sys
import types

import pytest

import kapnotes.plugins as plugins


class FakeEntryPoint:
    """Stands for an installed distribution's entry point in group ``kapnotes``."""

    def __init__(self, name: str, module: str) -> None:
        self.name, self.value, self.group, self.dist = name, module, "kapnotes", None

    def load(self) -> object:
        return importlib.import_module(self.value)


@pytest.fixture
def entry_points(monkeypatch):
    """Install fake entry points for one test; plugin state is restored afterwards."""
    plugins.load_plugins()  # built-ins and real entry points stay; only the fakes are removed
    before = {name for name, _ in plugins.pm.list_name_plugin()}
    installed: list[FakeEntryPoint] = []
    real = importlib.metadata.entry_points

    def fake(**kw):
        if kw.get("group") == plugins.ENTRY_POINT_GROUP:
            return list(real(**kw)) + installed
        return real(**kw)

    monkeypatch.setattr(importlib.metadata, "entry_points", fake)
    monkeypatch.setattr(plugins, "_entry_points_loaded", False)

    def add(name: str, module_source: str) -> None:
        modname = f"_kapnotes_test_plugin_{name}"
        mod = types.ModuleType(modname)
        sys.modules[modname] = mod
        try:
            exec(compile(module_source, modname, "exec"), mod.__dict__)
        except Exception:  # noqa: BLE001 - any import-time failure
            del sys.modules[modname]
            # a module that fails at import: load() re-runs the failing source
            installed.append(_Failing(name, module_source))
            return
        installed.append(FakeEntryPoint(name, modname))

    yield add
    for name, _ in list(plugins.pm.list_name_plugin()):
        if name not in before:
            plugins.pm.unregister(name=name)
    plugins._invalidate()
    for ep in installed:
        sys.modules.pop(f"_kapnotes_test_plugin_{ep.name}", None)


class _Failing(FakeEntryPoint):
    def __init__(self, name: str, source: str) -> None:
        super().__init__(name, f"_kapnotes_test_plugin_{name}")
        self.source = source

    def load(self) -> object:
        exec(compile(self.source, self.value, "exec"), {})
        raise AssertionError("unreachable")  # pragma: no cover


