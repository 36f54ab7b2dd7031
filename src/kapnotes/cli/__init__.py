"""The ``kapnotes`` command line (click).

Every command reports bad input as ``error: ...`` lines on standard error (each problem with its
JSON path) and exits non-zero; it never shows a traceback for bad input. Plugins add commands
through the ``register_commands`` hook.
"""

from __future__ import annotations

from typing import Any

from kapnotes.cli import billing, lifecycle, measures, notes, record  # noqa: F401 - these modules add their commands to `cli`
from kapnotes.cli.app import cli


def main(argv: list[str] | None = None) -> Any:
    """Console-script entry point. Its root help lists the plugins' commands from the command
    cache when it is current (:mod:`kapnotes.cli.command_cache`)."""
    from kapnotes.cli.command_cache import CommandCache

    cli.command_cache = CommandCache.default()
    return cli.main(args=argv, prog_name="kapnotes")


__all__ = ["cli", "main"]
