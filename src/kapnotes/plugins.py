"""The plugin manager and plugin loading: the top of kapnotes, which fills the registry.

What plugins register is kept in a :class:`kapnotes.registry.Registry` (the bottom layer);
:func:`registry` builds it from the hooks on first use. Nothing below the top imports this
module: the layers in between receive the registry as a parameter, and ``import kapnotes``
installs :func:`registry` as their default (see :mod:`kapnotes.registry`).

Loading is lazy (on first use), happens once, and loads each entry point separately: a plugin
that fails to import or to register is named in a warning and everything else keeps working.
``KAPNOTES_STRICT_PLUGINS=1`` re-raises instead; ``KAPNOTES_LOAD_PLUGINS=a,b`` loads only the
named entry points (an empty value loads none). Built-in plugins are always loaded.
"""

from __future__ import annotations

import difflib
import importlib
import importlib.metadata
import os
import threading
import warnings
from collections.abc import Callable, Iterable
from typing import Any

import attrs
import pluggy

from kapnotes import hookspecs
from kapnotes.errors import (
    LOAD_PLUGINS_ENV,
    STRICT_PLUGINS_ENV,
    KapnotesError,
    PluginError,
    PluginFailure,
    strict_plugins,
)
from kapnotes.registry import NAME_RE, Entry, Kind, Registry

__all__ = [
    "DEFAULT_PLUGINS",
    "ENTRY_POINT_GROUP",
    "LOAD_ENV",
    "NAME_RE",
    "STRICT_ENV",
    "Entry",
    "Kind",
    "PluginLoadWarning",
    "Registry",
    "add_plugin_commands",
    "check_hook_names",
    "describe_plugins",
    "iter_hook_names",
    "load_plugins",
    "plugin_names",
    "plugin_warnings",
    "register_plugin",
    "registry",
    "unregister_plugin",
]

ENTRY_POINT_GROUP = "kapnotes"
STRICT_ENV = STRICT_PLUGINS_ENV
LOAD_ENV = LOAD_PLUGINS_ENV

#: Built-in plugins: modules registered exactly like third-party ones.
DEFAULT_PLUGINS: tuple[str, ...] = (
    "kapnotes.default_plugins.interventions",
    "kapnotes.default_plugins.note_formats",
    "kapnotes.default_plugins.exporters",
    "kapnotes.default_plugins.record_exporters",
    "kapnotes.default_plugins.deidentified",
    "kapnotes.default_plugins.instruments",
    "kapnotes.default_plugins.rules",
    "kapnotes.default_plugins.outcomes",
    "kapnotes.default_plugins.billing",
    "kapnotes.default_plugins.plans",
    "kapnotes.default_plugins.groups",
)

pm = pluggy.PluginManager("kapnotes")
pm.add_hookspecs(hookspecs)

_lock = threading.RLock()
_builtins_loaded = False
_entry_points_loaded = False
_registry: Registry | None = None


class PluginLoadWarning(UserWarning):
    """A plugin could not be loaded or could not register; the rest of kapnotes still works."""


_strict = strict_plugins


#: What went wrong with each plugin while it was loaded (import, hook names, register_commands):
#: kept until the plugin is loaded again, and shown by ``kapnotes plugins``.
_load_warnings: dict[str, list[str]] = {}
#: What went wrong while the registry was built (clashes, wrong types, failing hooks).
_registry_warnings: dict[str, list[str]] = {}
#: Entry points that failed to import: name -> entry-point value.
_failed: dict[str, str] = {}


#: Warnings recorded at registration, emitted when the registry is next built.
_pending: list[str] = []


def _warn(
    plugin: str,
    message: str,
    *,
    into: dict[str, list[str]],
    stacklevel: int = 3,
    later: bool = False,
) -> None:
    """Report a contained plugin failure: a :class:`PluginLoadWarning` (now, or when the
    registry is next built if ``later``), or under ``KAPNOTES_STRICT_PLUGINS=1`` a
    :class:`PluginError`. The message is kept for ``kapnotes plugins``."""
    if _strict():
        raise PluginError(message)
    seen = into.setdefault(plugin, [])
    if message not in seen:
        seen.append(message)
    if later:
        _pending.append(message)
    else:
        warnings.warn(message, PluginLoadWarning, stacklevel=stacklevel)


def plugin_warnings(name: str) -> list[str]:
    """Every warning recorded for plugin ``name`` (load and registration), oldest first."""
    return [*_load_warnings.get(name, ()), *_registry_warnings.get(name, ())]


def _hook_names() -> list[str]:
    return sorted(n for n in dir(hookspecs) if n.startswith("register_"))


def check_hook_names(plugin: object, name: str) -> None:
    """Warn about functions of ``plugin`` that look like hooks but are not called.

    A ``@hookimpl`` whose name no hookspec has (``register_note_format``) is named with the
    closest hook; a function named like a hook without ``@kapnotes.hookimpl`` likewise.
    """
    known = _hook_names()
    for attr in sorted(dir(plugin)):
        if attr.startswith("__"):
            continue
        try:
            value = getattr(plugin, attr)
        except Exception:  # noqa: BLE001 - a property that raises is not a hook
            continue
        if not callable(value):
            continue
        marked = getattr(value, "kapnotes_impl", None) is not None
        if attr in known:
            if not marked:
                _warn(
                    name,
                    f"kapnotes plugin {name!r} defines {attr} without @kapnotes.hookimpl: "
                    f"it is never called",
                    into=_load_warnings,
                    later=True,
                )
            continue
        if not (marked or attr.startswith("register_")):
            continue
        close = difflib.get_close_matches(attr, known, n=1, cutoff=0.75)
        if not (marked or close):
            continue
        hint = f"; did you mean {close[0]}?" if close else f"; the hooks are {', '.join(known)}"
        _warn(
            name,
            f"kapnotes plugin {name!r} implements {attr}, which is not a kapnotes hook{hint}",
            into=_load_warnings,
            later=True,
        )


def load_plugins(*, builtin: bool = True) -> None:
    """Load entry-point plugins, and the built-in ones unless ``builtin`` is false (idempotent).

    ``kapnotes --help`` loads only entry points (which may add commands): the built-in
    plugins define no commands, and importing them is most of kapnotes' start-up time.
    """
    global _builtins_loaded, _entry_points_loaded
    with _lock:
        if builtin and not _builtins_loaded:
            _builtins_loaded = True
            for modname in DEFAULT_PLUGINS:
                if pm.get_plugin(modname) is None:
                    pm.register(importlib.import_module(modname), name=modname)
        if not _entry_points_loaded:
            _entry_points_loaded = True
            _load_entry_points()


def _load_entry_points() -> None:
    allowed = os.environ.get(LOAD_ENV)
    allowed_names = None if allowed is None else {n.strip() for n in allowed.split(",") if n.strip()}
    for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        if allowed_names is not None and ep.name not in allowed_names:
            continue
        if pm.get_plugin(ep.name) is not None:
            continue
        _load_warnings.pop(ep.name, None)
        _failed.pop(ep.name, None)
        try:
            plugin = ep.load()
            pm.register(plugin, name=ep.name)
        except Exception as exc:
            if _strict():
                raise
            _failed[ep.name] = ep.value
            _warn(
                ep.name,
                f"kapnotes plugin {ep.name!r} ({ep.value}) failed to load and is skipped: "
                f"{type(exc).__name__}: {exc}",
                into=_load_warnings,
                stacklevel=4,
            )
            continue
        try:
            check_hook_names(plugin, ep.name)
        except BaseException:
            pm.unregister(name=ep.name)
            raise


def register_plugin(plugin: object, name: str | None = None) -> str:
    """Register a plugin object or module at run time (tests, scripts). Returns its name."""
    load_plugins()
    with _lock:
        if name is not None and pm.has_plugin(name):
            raise PluginError(
                f"a plugin named {name!r} is already registered (installed?): use "
                f"kapnotes.testing.registered_plugin, which replaces it for the test"
            )
        try:
            registered = pm.register(plugin, name=name)
        except ValueError as exc:  # pluggy: the same object registered twice
            raise PluginError(f"plugin {name or plugin!r} cannot be registered: {exc}") from None
        if registered is None:
            raise PluginError(f"plugin {name or plugin!r} is blocked")
        _load_warnings.pop(registered, None)
        try:
            check_hook_names(plugin, registered)
        except BaseException:
            pm.unregister(name=registered)
            raise
        _invalidate()
        return registered


def unregister_plugin(name: str) -> None:
    """Remove a plugin registered with :func:`register_plugin`."""
    with _lock:
        pm.unregister(name=name)
        _load_warnings.pop(name, None)
        _invalidate()


def _invalidate() -> None:
    global _registry
    _registry = None
    _registry_warnings.clear()
    from kapnotes import serialization

    serialization.reset_converter()


#: A checker validates what a plugin registered; returns (registry attribute, name, object).
Checker = Callable[[Any, str], tuple[str, str, Any]]


def _expect(attr: str, kind_label: str, cls_path: str) -> Checker:
    """A checker: the registered object must be an instance of ``cls_path``."""

    def check(obj: Any, plugin: str) -> tuple[str, str, Any]:
        modname, _, clsname = cls_path.rpartition(".")
        cls = getattr(importlib.import_module(modname), clsname)
        if not isinstance(obj, cls):
            raise PluginError(
                f"plugin {plugin!r} registered {obj!r} as a {kind_label}; "
                f"expected an instance of {cls_path}"
            )
        return attr, obj.name, obj

    return check


def _check_intervention_type(obj: Any, plugin: str) -> tuple[str, str, Any]:
    from kapnotes.model.interventions import Intervention

    if not (isinstance(obj, type) and issubclass(obj, Intervention) and attrs.has(obj)):
        raise PluginError(
            f"plugin {plugin!r} registered {obj!r} as an intervention type; expected an attrs "
            f"subclass of kapnotes.model.Intervention"
        )
    tag = getattr(obj, "type", None)
    if not isinstance(tag, str):
        raise PluginError(
            f"plugin {plugin!r}: intervention type {obj.__name__} has no string class variable 'type'"
        )
    return "intervention_types", tag, obj


def _check_extension(obj: Any, plugin: str) -> tuple[str, str, Any]:
    from kapnotes.model.extensions import Extension

    if not isinstance(obj, Extension):
        raise PluginError(
            f"plugin {plugin!r} registered {obj!r} as an extension; expected an instance of "
            "kapnotes.model.extensions.Extension"
        )
    return "extensions", obj.name, obj


_EXPORTER_CLASSES = ("kapnotes.exporting.NoteExporter", "kapnotes.exporting.RecordExporter")


def _check_exporter(obj: Any, plugin: str) -> tuple[str, str, Any]:
    """Note exporters and record exporters have separate names (``json`` can be both)."""
    from kapnotes.exporting import NoteExporter, RecordExporter

    if isinstance(obj, NoteExporter):
        return "exporters", obj.name, obj
    if isinstance(obj, RecordExporter):
        return "record_exporters", obj.name, obj
    raise PluginError(
        f"plugin {plugin!r} registered {obj!r} as an exporter; expected an instance of "
        f"{' or '.join(_EXPORTER_CLASSES)}"
    )


_HOOKS: dict[str, Checker] = {
    "register_note_formats": _expect(
        "note_formats", "note format", "kapnotes.notes.format.NoteFormat"
    ),
    "register_exporters": _check_exporter,
    "register_instruments": _expect(
        "instruments", "instrument", "kapnotes.instruments.base.Instrument"
    ),
    "register_intervention_types": _check_intervention_type,
    "register_rules": _expect("rules", "rule", "kapnotes.rules.base.Rule"),
    "register_extensions": _check_extension,
    "register_renderers": _expect("renderers", "renderer", "kapnotes.notes.renderers.Renderer"),
    "register_config_sections": _expect(
        "config_sections", "configuration section", "kapnotes.rules.plugin_config.ConfigSection"
    ),
    "register_demo_data": _expect("demo_data", "demo data", "kapnotes.synthetic.DemoData"),
    "register_billing_rules": _expect(
        "billing_rules", "billing rule", "kapnotes.billing.rules.CodeRule"
    ),
}


def _plugin_name(impl: pluggy.HookImpl) -> str:
    return impl.plugin_name


def _ordered_impls(hook: Any) -> list[pluggy.HookImpl]:
    """A hook's implementations, built-ins first, then the others in registration order (so
    a built-in name always stays the built-in's and, of two plugins, the first keeps it)."""
    impls = list(hook.get_hookimpls())
    return sorted(impls, key=lambda i: _plugin_name(i) not in DEFAULT_PLUGINS)


def _build_registry() -> Registry:
    while _pending:
        warnings.warn(_pending.pop(0), PluginLoadWarning, stacklevel=4)
    reg = Registry()
    for hook_name, check in _HOOKS.items():
        hook = getattr(pm.hook, hook_name)
        # Call each plugin's implementation on its own so that what it registers is attributed
        # to it, and so that one failing plugin does not stop the others.
        for impl in _ordered_impls(hook):
            plugin = _plugin_name(impl)
            builtin = plugin in DEFAULT_PLUGINS
            staged: list[tuple[str, str, Any]] = []

            def register(
                obj: Any,
                _plugin: str = plugin,
                _staged: list[tuple[str, str, Any]] = staged,
                _check: Checker = check,
            ) -> None:
                try:
                    _staged.append(_check(obj, _plugin))
                except PluginError as exc:
                    if _plugin in DEFAULT_PLUGINS:
                        raise
                    # a wrong type: that one registration is skipped, the others are kept
                    _warn(_plugin, f"{exc}; skipped", into=_registry_warnings, stacklevel=3)

            try:
                impl.function(register=register)
            except PluginError:
                raise
            except Exception as exc:
                if _strict() or builtin:
                    raise
                _warn(
                    plugin,
                    f"kapnotes plugin {plugin!r} failed in {hook_name} and is skipped for it: "
                    f"{type(exc).__name__}: {exc}",
                    into=_registry_warnings,
                )
                continue
            for attr, name, obj in staged:
                kind: Kind[Any] = getattr(reg, attr)
                try:
                    kind.add(name, plugin, obj)
                except PluginError as exc:
                    if builtin:
                        raise
                    _warn(plugin, f"{exc}; skipped", into=_registry_warnings)
    return reg


def registry() -> Registry:
    """The registry of everything plugins registered (built on first use)."""
    global _registry
    load_plugins()
    with _lock:
        if _registry is None:
            _registry = _build_registry()
        return _registry


def plugin_names() -> list[str]:
    load_plugins()
    return sorted(name for name, _ in pm.list_name_plugin())


def describe_plugins(include_builtin: bool = False) -> list[dict[str, Any]]:
    """Name, version, hooks and warnings of each plugin (for ``kapnotes plugins``).

    A plugin that failed to import is listed too, with ``loaded`` false and its error.
    """
    load_plugins()
    dists = {ep.name: ep.dist for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)}
    rows: dict[str, dict[str, Any]] = {}
    for name, plugin in pm.list_name_plugin():
        if name is None or (not include_builtin and name in DEFAULT_PLUGINS):
            continue
        rows[name] = {
            "name": name,
            "hooks": sorted(h.name for h in pm.get_hookcallers(plugin) or [] if h.has_spec()),
            "loaded": True,
        }
    for name, value in _failed.items():
        rows.setdefault(name, {"name": name, "hooks": [], "loaded": False, "entry_point": value})
    out = []
    for name in sorted(rows):
        dist = dists.get(name)
        row = rows[name]
        row.update(
            version=dist.version if dist is not None else None,
            distribution=dist.metadata["Name"] if dist is not None else None,
            builtin=name in DEFAULT_PLUGINS,
            warnings=plugin_warnings(name),
        )
        out.append(row)
    return out


def _contain_command(command: Any, plugin: str) -> None:
    """Make an exception in a plugin's command (or its subcommands) a PluginFailure."""
    import functools

    import click

    callback = command.callback
    if callback is not None and not getattr(callback, "_kapnotes_contained", False):

        @functools.wraps(callback)
        def contained(*args: Any, **kwargs: Any) -> Any:
            try:
                return callback(*args, **kwargs)
            except (KapnotesError, click.exceptions.ClickException, click.exceptions.Exit):
                raise
            except click.exceptions.Abort:
                raise
            except Exception as exc:
                raise PluginFailure(
                    "command", command.name, plugin, None, f"{type(exc).__name__}: {exc}"
                ) from exc

        contained._kapnotes_contained = True  # type: ignore[attr-defined]
        command.callback = contained
    for sub in getattr(command, "commands", {}).values():
        _contain_command(sub, plugin)


def add_plugin_commands(cli: Any) -> dict[str, list[str]]:
    """Call every plugin's ``register_commands`` on its own: one that raises is skipped with a
    warning naming it, and the other plugins' commands (and ``--help``) keep working.

    Returns the names of the commands each plugin added, by plugin."""
    added: dict[str, list[str]] = {}
    for impl in pm.hook.register_commands.get_hookimpls():
        plugin = _plugin_name(impl)
        before = dict(cli.commands)
        try:
            impl.function(cli=cli)
            new = [name for name, command in cli.commands.items() if before.get(name) is not command]
            for name in new:
                _contain_command(cli.commands[name], plugin)
            if new:
                added[plugin] = new
        except Exception as exc:
            for name in set(cli.commands) - set(before):  # nothing half-added
                del cli.commands[name]
            if _strict() or plugin in DEFAULT_PLUGINS:
                raise
            _warn(
                plugin,
                f"kapnotes plugin {plugin!r} failed in register_commands and its commands are "
                f"skipped: {type(exc).__name__}: {exc}",
                into=_load_warnings,
            )
    return added


def iter_hook_names() -> Iterable[str]:
    return sorted(n for n in dir(hookspecs) if n.startswith("register_"))
