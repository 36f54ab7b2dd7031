"""Each registration hook, exercised by a small plugin the way a clinic would write it."""

from __future__ import annotations

import datetime as dt

import attrs
import click
import pytest
from click.testing import CliRunner

from kapnotes.errors import InvalidError
from kapnotes.hookspecs import hookimpl
from kapnotes.instruments.base import Band, Instrument, Item
from kapnotes.model import MeasureAdministration
from kapnotes.plugins import registry
from kapnotes.scoring import score


def _wellbeing() -> Instrument:
    """A clinic's own 3-item check-in (synthetic), each item 0-2, total 0-6."""
    from kapnotes.instruments.catalog import BY_NAME

    template = BY_NAME["gad7"]
    return attrs.evolve(
        template,
        name="checkin3",
        title="Clinic check-in (3 items)",
        description="A synthetic three-item check-in used only in tests.",
        items=tuple(Item(number=n, min=0, max=2, label=f"item {n}") for n in (1, 2, 3)),
        total_range=(0, 6),
        bands=(
            Band(low=0, high=2, label="settled", source="synthetic test instrument"),
            Band(low=3, high=6, label="unsettled", source="synthetic test instrument"),
        ),
        critical_items=(),
        subscales=(),
        loinc=None,
        aliases=(),
        remission=None,
    )


def test_register_instruments_extends_scoring_validation_and_the_store(plugin, demo_doc, store):
    instrument = _wellbeing()

    class Clinic:
        @hookimpl
        def register_instruments(self, register):
            register(instrument)

    plugin(Clinic(), "clinic-instruments")
    assert registry().instruments.get("checkin3") is instrument
    result = score("checkin3", [2, 1, 1])
    assert (result.total, result.band) == (4, "unsettled")
    with pytest.raises(InvalidError) as exc:
        score("checkin3", [3, 0, 0])
    assert exc.value.problems[0].path == "$.items[0]"

    course = demo_doc.courses[0]
    s = course.sessions[3]
    m = MeasureAdministration(id="ci-1", instrument="checkin3", administered_at=s.start, items=(0, 1, 1))
    doc = attrs.evolve(
        demo_doc,
        courses=(attrs.evolve(course, sessions=(*course.sessions[:3], attrs.evolve(s, measures=(m,)), *course.sessions[4:])),
                 *demo_doc.courses[1:]),
    )
    store.save(doc)
    assert store.instrument_scores("checkin3")[0]["band"] == "settled"


def test_register_commands_adds_a_cli_command(plugin):
    from kapnotes.cli import cli

    class Clinic:
        @hookimpl
        def register_commands(self, cli):
            @cli.command("clinic-hello")
            def hello() -> None:
                """Say hello from the clinic plugin."""
                click.echo(f"hello {dt.date(2026, 1, 1).isoformat()}")

    plugin(Clinic(), "clinic-commands")
    from kapnotes.plugins import pm

    pm.hook.register_commands(cli=cli)  # what the CLI does on first use
    try:
        result = CliRunner().invoke(cli, ["clinic-hello"])
        assert result.exit_code == 0
        assert result.output == "hello 2026-01-01\n"
        assert "clinic-hello" in CliRunner().invoke(cli, ["--help"]).output
    finally:
        cli.commands.pop("clinic-hello", None)
