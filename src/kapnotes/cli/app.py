"""The root command group, shared options and error handling."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from kapnotes.errors import InvalidError, KapnotesError

F = TypeVar("F", bound=Callable[..., Any])

EXIT_INVALID = 1
EXIT_ERROR = 1


def echo_problems(err: InvalidError) -> None:
    head = f"{err.source}: " if err.source else ""
    n = len(err.problems)
    click.secho(f"error: {head}{n} problem{'s' if n != 1 else ''}", fg="red", err=True)
    for p in err.problems:
        click.echo(f"  {p.path}: {p.message}", err=True)


class KapnotesGroup(click.Group):
    """A group that turns kapnotes errors into clear messages and loads plugin commands."""

    _plugins_added = False

    def _add_plugin_commands(self) -> None:
        if self._plugins_added:
            return
        self._plugins_added = True
        from kapnotes.plugins import add_plugin_commands, load_plugins

        load_plugins(builtin=False)
        add_plugin_commands(self)

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._add_plugin_commands()
        return super().list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        cmd = super().get_command(ctx, cmd_name)
        if cmd is None:
            self._add_plugin_commands()
            cmd = super().get_command(ctx, cmd_name)
        return cmd

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except InvalidError as exc:
            echo_problems(exc)
            ctx.exit(EXIT_INVALID)
        except KapnotesError as exc:
            click.secho(f"error: {exc}", fg="red", err=True)
            ctx.exit(EXIT_ERROR)
        except BrokenPipeError:  # pragma: no cover - e.g. `kapnotes export | head`
            sys.stderr.close()
            ctx.exit(EXIT_ERROR)


def db_option(f: F) -> F:
    """``--db PATH``: the database (default ``$KAPNOTES_DB`` or ``./kapnotes.db``)."""
    return click.option(
        "--db",
        "db_path",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="SQLite database [default: $KAPNOTES_DB or ./kapnotes.db].",
    )(f)


KEY_ENV = "KAPNOTES_DB_KEY"
KEY_FILE_ENV = "KAPNOTES_DB_KEY_FILE"


def db_key() -> str | bytes | None:
    """The key of an encrypted database: ``$KAPNOTES_DB_KEY_FILE`` (a file holding it; preferred,
    as an environment variable is visible to child processes) or ``$KAPNOTES_DB_KEY``.

    The file holds a passphrase (one trailing newline is ignored) or a raw 32-byte key written
    as ``hex:`` and 64 hexadecimal digits.
    """
    key_file = os.environ.get(KEY_FILE_ENV)
    if key_file:
        try:
            text = Path(key_file).read_text(encoding="utf-8")
        except OSError as exc:
            raise KapnotesError(f"cannot read the key file named by ${KEY_FILE_ENV}: {exc.strerror}") from None
        text = text[:-1] if text.endswith("\n") else text
        text = text[:-1] if text.endswith("\r") else text
        if text.startswith("hex:"):
            try:
                return bytes.fromhex(text[4:])
            except ValueError:
                raise KapnotesError(f"the key file named by ${KEY_FILE_ENV} has an invalid hex: key") from None
        return text
    return os.environ.get(KEY_ENV) or None


def open_db(db_path: Path | None, *, must_exist: bool = True) -> Any:
    """Open the database the user chose (``--db``, ``$KAPNOTES_DB`` or ``./kapnotes.db``)."""
    from kapnotes.store import default_path, open_store

    path = db_path or default_path()
    if must_exist and not path.exists():
        raise KapnotesError(
            f"no database at {path} (import a record first: kapnotes import FILE, or set $KAPNOTES_DB)"
        )
    return open_store(path, key=db_key())


@click.group(
    cls=KapnotesGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(package_name="kapnotes")
def cli() -> None:
    """Keep the clinical record of ketamine-assisted psychotherapy: import, check, render, export.

    \b
    Start with the synthetic demo clinic:
      kapnotes demo --out demo-out
      kapnotes search ocean --db demo-out/kapnotes.db
    The database is $KAPNOTES_DB or ./kapnotes.db unless --db is given; an encrypted one
    takes its key from $KAPNOTES_DB_KEY_FILE (a file) or $KAPNOTES_DB_KEY. Writes are audited
    as $KAPNOTES_ACTOR (default: your login name).
    """
