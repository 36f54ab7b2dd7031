"""The hooks are typed with real classes, so mypy --strict on a plugin catches a wrong registration.

mypy runs on two small sample plugins written to a temporary folder: one registering the right
objects must pass, one registering a wrong object in each hook must fail on exactly those lines.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

HEADER = '''\
from __future__ import annotations

from collections.abc import Callable, Iterator

import attrs
import click

from kapnotes import hookimpl, hookspecs
from kapnotes.exporting import ExportOptions, NoteExporter, RecordExporter, RecordView
from kapnotes.instruments.catalog import BY_NAME
from kapnotes.instruments.base import Instrument
from kapnotes.model import Intervention
from kapnotes.notes.document import Note
from kapnotes.notes.format import NoteContext, NoteFormat
from kapnotes.rules.base import Finding, Rule, RuleContext


def build(ctx: NoteContext) -> Note:
    raise NotImplementedError


def export_note(note: Note, options: ExportOptions) -> bytes:
    return b""


def export_record(view: RecordView, options: ExportOptions) -> bytes:
    return b""


def check(ctx: RuleContext) -> Iterator[Finding]:
    yield from ()


@attrs.frozen
class Singing(Intervention):
    type = "singing"


FORMAT = NoteFormat(name="sample", description="A sample format", build=build)
EXPORTER = NoteExporter("sample", "A sample exporter", "text/plain", "txt", export_note)
RECORDS = RecordExporter("sample", "A sample record exporter", "text/plain", "txt", export_record)
INSTRUMENT: Instrument = BY_NAME["phq9"]
RULE = Rule(name="sample", description="A sample rule", check=check)
'''

RIGHT = HEADER + '''

@hookimpl
def register_note_formats(register: Callable[[NoteFormat], None]) -> None:
    register(FORMAT)


@hookimpl
def register_exporters(register: Callable[[NoteExporter | RecordExporter], None]) -> None:
    register(EXPORTER)
    register(RECORDS)


@hookimpl
def register_instruments(register: Callable[[Instrument], None]) -> None:
    register(INSTRUMENT)


@hookimpl
def register_intervention_types(register: Callable[[type[Intervention]], None]) -> None:
    register(Singing)


@hookimpl
def register_rules(register: Callable[[Rule], None]) -> None:
    register(RULE)


@hookimpl
def register_commands(cli: click.Group) -> None:
    @cli.command()
    def sample() -> None:
        """A sample command."""


# The hookspecs themselves take these implementations.
hookspecs.register_note_formats(lambda f: None)
'''

#: (hook, what is wrongly registered) — each line must be reported by mypy.
WRONG = {
    "register_note_formats": ("Callable[[NoteFormat], None]", "EXPORTER"),
    "register_exporters": ("Callable[[NoteExporter | RecordExporter], None]", "FORMAT"),
    "register_instruments": ("Callable[[Instrument], None]", "RULE"),
    "register_intervention_types": ("Callable[[type[Intervention]], None]", "Singing()"),
    "register_rules": ("Callable[[Rule], None]", "INSTRUMENT"),
}


def _wrong_source() -> tuple[str, dict[int, str]]:
    lines = HEADER.splitlines()
    expected: dict[int, str] = {}
    for hook, (annotation, obj) in WRONG.items():
        lines += ["", "", "@hookimpl", f"def {hook}(register: {annotation}) -> None:"]
        lines.append(f"    register({obj})")
        expected[len(lines)] = hook
    # A callback of the wrong type handed to a hookspec: caught only because the spec is typed.
    lines += ["", "", "def takes_ints(obj: int) -> None:", "    pass", ""]
    lines.append("hookspecs.register_rules(takes_ints)")
    expected[len(lines)] = "hookspecs.register_rules"
    return "\n".join(lines) + "\n", expected


def _mypy(tmp_path: Path, name: str, source: str) -> subprocess.CompletedProcess[str]:
    path = tmp_path / f"{name}.py"
    path.write_text(source, encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-error-summary",
         "--cache-dir", str(tmp_path / ".mypy_cache"), path.name],
        capture_output=True, text=True, cwd=tmp_path, timeout=300,
    )


@pytest.mark.slow  # a few seconds: mypy reads kapnotes' annotations
def test_a_correctly_typed_plugin_passes_mypy_strict(tmp_path):
    result = _mypy(tmp_path, "right_plugin", RIGHT)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_a_wrong_registration_is_caught_by_mypy_strict(tmp_path):
    source, expected = _wrong_source()
    result = _mypy(tmp_path, "wrong_plugin", source)
    assert result.returncode == 1, result.stdout + result.stderr
    reported = {
        int(m.group(1))
        for m in re.finditer(r"^wrong_plugin\.py:(\d+): error: .*\[arg-type\]$", result.stdout, re.M)
    }
    assert reported == set(expected), (result.stdout, expected)


def _first_party_hook_modules() -> list[object]:
    import importlib

    from kapnotes.plugins import DEFAULT_PLUGINS

    names = [*DEFAULT_PLUGINS, "kapnotes_example_clinic.plugin", "kapnotes_fhir.plugin"]
    return [importlib.import_module(n) for n in names]


@pytest.mark.parametrize("module", _first_party_hook_modules(), ids=lambda m: m.__name__)
def test_built_in_and_first_party_hooks_carry_the_hookspec_annotations(module):
    """The built-ins are written like any plugin: each implementation is annotated exactly as
    its hookspec, so mypy checks what they register."""
    import inspect

    from kapnotes import hookspecs

    implemented = 0
    for name in dir(hookspecs):
        impl = getattr(module, name, None)
        if not name.startswith("register_") or impl is None:
            continue
        implemented += 1
        spec = inspect.signature(getattr(hookspecs, name))
        got = inspect.signature(impl)
        for param, expected in spec.parameters.items():
            if param in got.parameters:
                assert got.parameters[param].annotation == expected.annotation, (name, param)
    assert implemented
