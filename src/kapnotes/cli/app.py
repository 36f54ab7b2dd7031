"""The root command group, shared options and error handling."""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import click

from kapnotes.errors import InvalidError, KapnotesError

if TYPE_CHECKING:  # pragma: no cover
    from kapnotes.cli.command_cache import CommandCache

F = TypeVar("F", bound=Callable[..., Any])


class LazyChoice(click.Choice):  # type: ignore[type-arg]
    """A :class:`click.Choice` whose values are asked for on first use, so that defining an
    option imports nothing (``kapnotes --help`` needs no model): ``values`` returns them."""

    def __init__(self, values: Callable[[], Iterable[str]], case_sensitive: bool = True) -> None:
        self._values = values
        self._choices: tuple[str, ...] | None = None
        self.case_sensitive = case_sensitive

    @property  # type: ignore[override]
    def choices(self) -> tuple[str, ...]:
        if self._choices is None:
            self._choices = tuple(self._values())
        return self._choices

    @choices.setter
    def choices(self, value: Iterable[str]) -> None:
        self._choices = tuple(value)

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

    _plugins_added = False  # False: (re)add the plugin commands at the next lookup
    _plugin_key: tuple[tuple[str, int], ...] = ()
    _plugin_commands: tuple[str, ...] = ()
    _by_plugin: dict[str, list[str]] = {}  # replaced, never mutated
    #: Set by the console script (:func:`kapnotes.cli.main`): the root help lists the plugins'
    #: commands from this cache when it is current (see :mod:`kapnotes.cli.command_cache`).
    command_cache: CommandCache | None = None
    _listing: dict[str, click.Command] | None = None  # stand-ins while listing from the cache

    def _add_plugin_commands(self) -> None:
        """Add the registered plugins' commands; again whenever the registered plugins change
        (a test registering a plugin, or blocking the installed ones, sees exactly theirs)."""
        from kapnotes import plugins

        plugins.load_plugins(builtin=False)
        key = tuple(sorted((name, id(obj)) for name, obj in plugins.pm.list_name_plugin()))
        if self._plugins_added and key == self._plugin_key:
            return
        for name in self._plugin_commands:
            self.commands.pop(name, None)
        before = set(self.commands)
        self._by_plugin = plugins.add_plugin_commands(self)
        self._plugin_commands = tuple(sorted(set(self.commands) - before))
        self._plugin_key = key
        self._plugins_added = True

    def list_commands(self, ctx: click.Context) -> list[str]:
        if self._listing is not None:
            return sorted({*self.commands, *self._listing})
        self._add_plugin_commands()
        return super().list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if self._listing is not None:
            return self._listing.get(cmd_name) or self.commands.get(cmd_name)
        self._add_plugin_commands()
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list of the root help: from :attr:`command_cache` when it is current
        (no plugin imported), else by loading the plugins (then the cache is written)."""
        cache = self.command_cache
        loaded = getattr(sys.modules.get("kapnotes.plugins"), "_entry_points_loaded", False)
        if cache is None or self._plugins_added or loaded:
            super().format_commands(ctx, formatter)
            return
        found = cache.read()
        if found is not None:
            commands, messages = found
            self._listing = {
                c.name: click.Command(
                    c.name, help=c.help, short_help=c.short_help, hidden=c.hidden,
                    deprecated=c.deprecated,
                )
                for c in commands
            }
            try:
                super().format_commands(ctx, formatter)
            finally:
                self._listing = None
            if messages:
                from kapnotes.plugins import PluginLoadWarning

                for message in messages:
                    warnings.warn(message, PluginLoadWarning, stacklevel=2)
            return
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            super().format_commands(ctx, formatter)
        for w in caught:  # shown as they would have been
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        self._write_cache(cache, {str(w.message) for w in caught})

    def _write_cache(self, cache: CommandCache, emitted: set[str]) -> None:
        from kapnotes import plugins

        rows: list[tuple[str, object | None, str | None]] = [
            (name, obj, None)
            for name, obj in plugins.pm.list_name_plugin()
            if name is not None and name not in plugins.DEFAULT_PLUGINS
        ]
        rows += [(name, None, value) for name, value in plugins._failed.items()]
        commands = {p: [self.commands[n] for n in names if n in self.commands]
                    for p, names in self._by_plugin.items()}
        messages = {name: [m for m in plugins.plugin_warnings(name) if m in emitted]
                    for name, _, _ in rows}
        cache.write(rows, commands, messages)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except InvalidError as exc:
            echo_problems(exc)
            _debug_traceback(ctx)
            ctx.exit(EXIT_INVALID)
        except KapnotesError as exc:
            click.secho(f"error: {exc}", fg="red", err=True)
            _debug_traceback(ctx)
            ctx.exit(EXIT_ERROR)
        except BrokenPipeError:  # pragma: no cover - e.g. `kapnotes export | head`
            sys.stderr.close()
            ctx.exit(EXIT_ERROR)
        except Exception as exc:  # noqa: BLE001 - the error boundary: no traceback unless --debug
            click.secho(f"error: {describe_error(exc, ctx)}", fg="red", err=True)
            if not _debug_traceback(ctx):
                click.echo("(run with --debug for the traceback)", err=True)
            ctx.exit(EXIT_ERROR)


DEBUG_ENV = "KAPNOTES_DEBUG"
_DB_META = "kapnotes.db_path"


def debug_enabled(ctx: click.Context | None) -> bool:
    """``--debug`` on the root command, or ``$KAPNOTES_DEBUG`` set to 1 (or yes/true/on)."""
    if os.environ.get(DEBUG_ENV, "").strip().lower() in {"1", "yes", "true", "on"}:
        return True
    root = ctx.find_root() if ctx is not None else None
    return bool(root is not None and root.params.get("debug"))


def _debug_traceback(ctx: click.Context) -> bool:
    if not debug_enabled(ctx):
        return False
    import traceback

    click.echo(traceback.format_exc(), err=True, nl=False)
    return True


def describe_error(exc: BaseException, ctx: click.Context | None = None) -> str:
    """``<what> <where>: <why>`` for an error that reached the command line."""
    import sqlite3

    db = ctx.find_root().meta.get(_DB_META) if ctx is not None else None
    where = f" {db}" if db else ""
    if isinstance(exc, sqlite3.Error):
        why = str(exc) or type(exc).__name__
        hint = ""
        if "malformed" in why or "not a database" in why:
            hint = " (the file is damaged or not a kapnotes store; restore it from a backup)"
        elif "locked" in why or "busy" in why:
            hint = " (another kapnotes is writing; try again)"
        elif "readonly" in why or "read-only" in why or "unable to open" in why:
            hint = " (check the file's permissions and that its folder is writable)"
        return f"database{where}: {why}{hint}"
    if isinstance(exc, UnicodeError):
        return f"cannot decode the input: {exc}"
    if isinstance(exc, OSError):
        name = exc.filename if exc.filename is not None else db
        place = f" {name}" if name else ""
        if exc.filename2 is not None:
            place += f" -> {exc.filename2}"
        return f"cannot access{place}: {exc.strerror or exc}"
    if isinstance(exc, RecursionError):
        return "the input is nested too deeply to read"
    if isinstance(exc, OverflowError):
        return f"a value is out of range: {exc}"
    return f"internal error: {type(exc).__name__}: {exc}"


_FOLDER_SLASH = "kapnotes.output_ends_with_slash"


def _ends_with_slash(text: str) -> bool:
    return text != "-" and text.endswith(("/", os.sep))


def file_output(ctx: click.Context, param: click.Parameter, value: str | None) -> Path | None:
    """Click callback of an output *file* option: ``notes/`` (a folder) is refused, not
    written as a file named ``notes`` (``Path`` would drop the slash). Use with
    ``type=click.Path()``."""
    if value is None:
        return None
    if _ends_with_slash(value):
        raise click.BadParameter(
            f"{value} names a folder (it ends with '/'): give a file name", ctx=ctx, param=param
        )
    return Path(value)


def file_or_folder_output(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> Path | None:
    """As :func:`file_output` for an option that may also name a folder (``export -o``): the
    slash is remembered, for :func:`refuse_folder_output` once the command knows which."""
    if value is None:
        return None
    ctx.meta[_FOLDER_SLASH] = _ends_with_slash(value)
    return Path(value)


def refuse_folder_output(ctx: click.Context, output: Path) -> None:
    """Refuse ``-o DIR/`` where one file is written."""
    if ctx.meta.get(_FOLDER_SLASH):
        raise click.BadParameter(
            f"{output}/ names a folder (it ends with '/'): give a file name", ctx=ctx
        )


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
            return read_key_file(Path(key_file))
        except OSError as exc:
            raise KapnotesError(
                f"cannot read the key file named by ${KEY_FILE_ENV}: {exc.strerror}"
            ) from None
    return os.environ.get(KEY_ENV) or None


def _binary(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return any(b < 0x20 or b == 0x7F for b in data)


def read_key_file(path: Path) -> str | bytes:
    """The key in a key file: raw 32 bytes (``head -c 32 /dev/urandom``), ``hex:`` and 64
    hexadecimal digits, or a passphrase; one trailing newline (``\\n`` or ``\\r\\n``) is ignored.
    """
    data = path.read_bytes()
    for raw in (data, data[:-1] if data.endswith(b"\n") else b""):
        if len(raw) == 32 and _binary(raw):
            return raw
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise KapnotesError(
            f"the key file {path} is neither 32 raw bytes ({len(data)} bytes) nor UTF-8 text"
        ) from None
    text = text[:-1] if text.endswith("\n") else text
    text = text[:-1] if text.endswith("\r") else text
    if text.startswith("hex:"):
        try:
            return bytes.fromhex(text[4:])
        except ValueError:
            raise KapnotesError(f"the key file {path} has an invalid hex: key") from None
    return text


def open_db(
    db_path: Path | None, *, must_exist: bool = True, read_only: bool | Literal["auto"] = False
) -> Any:
    """Open the database the user chose (``--db``, ``$KAPNOTES_DB`` or ``./kapnotes.db``).

    Read commands pass ``read_only="auto"``: a store on read-only media opens read-only. For
    the others, such a store is an error naming the file.
    """
    from kapnotes.store import ReadOnlyStoreError, default_path, open_store

    path = db_path or default_path()
    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        ctx.find_root().meta[_DB_META] = path
    if must_exist and not path.exists():
        raise KapnotesError(
            f"no database at {path} (import a record first: kapnotes import FILE, or set $KAPNOTES_DB)"
        )
    # a command that reads never creates or fills in a store (an empty file is refused)
    try:
        return open_store(path, key=db_key(), create=not must_exist, read_only=read_only)
    except ReadOnlyStoreError as exc:
        if read_only is not False:
            raise
        command = f"`kapnotes {ctx.command_path.split(' ', 1)[-1]}`" if ctx else "this command"
        raise KapnotesError(
            f"{exc}; {command} writes to the store (commands that only read open it read-only)"
        ) from None


def no_audit_option(f: F) -> F:
    """``--no-audit``: go on unrecorded when the store is on read-only media (see
    :func:`audited`)."""
    return click.option(
        "--no-audit",
        is_flag=True,
        help="Only for a store on read-only media, whose audit log cannot be written: go on "
        "without recording this in it (keep your own record).",
    )(f)


def audited(store: Any, no_audit: bool, what: str) -> bool:
    """Whether ``what`` (a render, an export) is recorded in the store's audit log.

    Always, for a store that can be written (``--no-audit`` is refused there). A store on
    read-only media cannot record it: refused unless ``--no-audit``, which is then warned of.
    """
    if store.read_only and not no_audit:
        raise KapnotesError(
            f"{store.path} is read-only ({store.read_only_reason}): the {what} would be recorded "
            "in its audit log, which cannot be written; copy the store to writable media, or "
            "pass --no-audit to go on without recording it"
        )
    if no_audit and not store.read_only:
        raise KapnotesError(
            f"--no-audit is only for a store on read-only media: {store.path} can be written, "
            f"so the {what} is recorded in its audit log"
        )
    if no_audit:
        click.echo(
            f"warning: not audited: {store.path} is read-only ({store.read_only_reason}); "
            f"keep your own record of this {what}",
            err=True,
        )
    return not no_audit


@click.group(
    cls=KapnotesGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(package_name="kapnotes")
@click.option(
    "--debug",
    is_flag=True,
    help="Show the full traceback of an error (also: $KAPNOTES_DEBUG=1).",
)
def cli(debug: bool) -> None:
    """Keep the clinical record of ketamine-assisted psychotherapy: import, check, render, export.

    \b
    Start with the synthetic demo clinic:
      kapnotes demo --out demo-out
      kapnotes search ocean --db demo-out/kapnotes.db
    The database is $KAPNOTES_DB or ./kapnotes.db unless --db is given; an encrypted one
    takes its key from $KAPNOTES_DB_KEY_FILE (a file) or $KAPNOTES_DB_KEY. Writes are audited
    as $KAPNOTES_ACTOR (default: your login name).
    """
