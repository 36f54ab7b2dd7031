"""What ``kapnotes --help`` lists of the plugins' commands, kept between runs.

Listing a plugin's commands means importing the plugin, and plugins import most of kapnotes:
that is most of the time of ``kapnotes --help``. So the console script keeps, in one small
JSON file, each plugin's commands (name, help text, hidden, deprecated) and the warnings its
loading gave, together with *stamps* of what they were read from. The next ``kapnotes --help``
lists the same commands from the file, without importing the plugins, if every stamp still
matches; otherwise it loads the plugins as before and writes the file again.

The stamps (a difference in any of them is a miss):

* the format of the file, kapnotes' version, the Python executable and version, ``sys.path``
  and ``$KAPNOTES_LOAD_PLUGINS``;
* the modification time of every ``sys.path`` folder: installing, upgrading or removing a
  distribution (a plugin, or a plugin's missing dependency) adds or removes a ``*.dist-info``
  folder in it;
* for each plugin, size and modification time of every file of its top-level package that was
  imported while its commands were listed (an editable install's sources).

Only the root help reads the file: running a command, ``kapnotes <command> --help``,
``kapnotes plugins`` and in-process callers (``CliRunner``, the tests) always load the plugins.
So a stale file can at worst show an outdated line of help, never run old code. The file is
written atomically (a temporary file renamed over it); one that cannot be read, is damaged or
cannot be written is ignored (the help is then as slow as without it). It is not used under
``$KAPNOTES_STRICT_PLUGINS`` (a broken plugin must raise) or when ``$KAPNOTES_CACHE_DIR`` is
set to the empty string. Where it is: ``$KAPNOTES_CACHE_DIR``, else ``$XDG_CACHE_HOME/kapnotes``,
else ``~/.cache/kapnotes``.

Not detected (documented in docs/plugins.md): a ``dist-info`` folder edited in place, and a
plugin whose command help is built from files outside its own package changing without any
distribution being installed; such a help line is outdated until the next install.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
import zlib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from kapnotes.errors import LOAD_PLUGINS_ENV, strict_plugins

__all__ = ["CACHE_DIR_ENV", "FORMAT", "CachedCommand", "CommandCache", "cache_dir"]

CACHE_DIR_ENV = "KAPNOTES_CACHE_DIR"
#: The format of the file; a file of another format is a miss.
FORMAT = 1
#: A stamp this recent (seconds) may still change within the file system's timestamp
#: granularity, so a file with such a stamp is not written (git's "racy" rule).
RACY_SECONDS = 2.0


def cache_dir() -> Path | None:
    """The folder of the cache (None: switched off with ``KAPNOTES_CACHE_DIR=``)."""
    configured = os.environ.get(CACHE_DIR_ENV)
    if configured is not None:
        return Path(configured) if configured.strip() else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "kapnotes"


def _mtime(path: str) -> int | None:
    try:
        return os.stat(path or ".").st_mtime_ns
    except OSError:
        return None


def _file_stamp(path: str) -> list[Any]:
    try:
        st = os.stat(path)
    except OSError:
        return [path, None, None]
    return [path, st.st_mtime_ns, st.st_size]


def _environment() -> dict[str, Any]:
    from kapnotes import __version__

    return {
        "format": FORMAT,
        "kapnotes": __version__,
        "python": [sys.executable, sys.version],
        "path": [[p, _mtime(p)] for p in sys.path],
        "load": os.environ.get(LOAD_PLUGINS_ENV),
    }


class CachedCommand:
    """What the root help shows of a command: enough to build a stand-in ``click.Command``."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.name: str = data["name"]
        self.help: str | None = data.get("help")
        self.short_help: str | None = data.get("short_help")
        self.hidden: bool = bool(data.get("hidden", False))
        self.deprecated: bool | str = data.get("deprecated", False)

    @staticmethod
    def describe(command: Any) -> dict[str, Any]:
        return {
            "name": command.name,
            "help": command.help,
            "short_help": command.short_help,
            "hidden": bool(command.hidden),
            "deprecated": command.deprecated,
        }


def _plugin_package(plugin: object) -> str:
    """The top-level package a plugin object (a module or an instance) comes from."""
    module = getattr(plugin, "__name__", None) if isinstance(plugin, type(sys)) else None
    return (module or type(plugin).__module__).split(".")[0]


def _package_files(package: str) -> list[list[Any]]:
    files = []
    for name, module in list(sys.modules.items()):
        if name == package or name.startswith(package + "."):
            path = getattr(module, "__file__", None)
            if path:
                files.append(_file_stamp(path))
    if not files:  # never imported (it failed to): where it would be found, if anywhere
        import importlib.util

        try:
            spec = importlib.util.find_spec(package)
        except (ImportError, ValueError):
            spec = None
        if spec is not None and spec.origin:
            files.append(_file_stamp(spec.origin))
    return sorted(files)


class CommandCache:
    """The cache file of one Python environment and ``sys.path`` (``commands-<hash>.json`` in
    :func:`cache_dir`)."""

    def __init__(self, folder: Path) -> None:
        where = "\0".join([sys.executable, sys.prefix, *sys.path])
        tag = zlib.crc32(where.encode("utf-8", "surrogatepass"))
        self.path = folder / f"commands-{tag:08x}.json"

    @classmethod
    def default(cls) -> CommandCache | None:
        """The cache of this environment, or None where it is switched off."""
        folder = cache_dir()
        if folder is None or strict_plugins():
            return None
        return cls(folder)

    def read(self) -> tuple[list[CachedCommand], list[str]] | None:
        """The plugins' commands and the warnings their loading gave, if every stamp matches."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if data.get("environment") != _environment():
                return None
            commands: list[CachedCommand] = []
            messages: list[str] = []
            for plugin in data["plugins"]:
                if any(_file_stamp(f[0]) != f for f in plugin["files"]):
                    return None
                commands.extend(CachedCommand(c) for c in plugin["commands"])
                messages.extend(str(m) for m in plugin["warnings"])
            return commands, messages
        except (OSError, ValueError, KeyError, TypeError, AttributeError, IndexError):
            return None  # no file, or not one this kapnotes wrote: a miss

    def write(
        self,
        plugins: Iterable[tuple[str, object | None, str | None]],
        commands: Mapping[str, Iterable[Any]],
        messages: Mapping[str, Iterable[str]],
    ) -> bool:
        """Keep what the plugins gave: ``plugins`` as (name, plugin object or None if it failed
        to import, its entry-point value), ``commands`` and warning ``messages`` by plugin.
        Returns whether the file was written (never raises for an unwritable cache)."""
        environment = _environment()
        rows: list[dict[str, Any]] = []
        for name, obj, value in plugins:
            if obj is not None:
                package = _plugin_package(obj)
            else:
                package = (value or name).split(":")[0].split(".")[0]
            rows.append({
                "name": name,
                "files": _package_files(package),
                "commands": [CachedCommand.describe(c) for c in commands.get(name, ())],
                "warnings": list(messages.get(name, ())),
            })
        racy = time.time_ns() - int(RACY_SECONDS * 1e9)
        stamps = [m for _, m in environment["path"] if m is not None]
        stamps += [f[1] for row in rows for f in row["files"] if f[1] is not None]
        if any(m >= racy for m in stamps):
            return False  # something changed a moment ago: it may change again unseen
        text = json.dumps({"environment": environment, "plugins": rows}, ensure_ascii=False)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.part")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            tmp.write_text(text, encoding="utf-8")
            os.replace(tmp, self.path)
        except OSError:
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)
            return False
        return True
