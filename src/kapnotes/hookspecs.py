"""Every hook a kapnotes plugin can implement.

A plugin is a module or object with functions decorated by :data:`kapnotes.hookimpl`, found through
the ``kapnotes`` entry-point group (or registered with :func:`kapnotes.plugins.register_plugin`).

The registration hooks receive a ``register`` callback owned by the core. The core checks what is
registered (its type, its name, that no other plugin already took the name) and raises
:class:`kapnotes.errors.PluginError` naming both plugins on a clash. The built-in note formats,
exporters, instruments, intervention types and rules are registered through these same hooks
(see :mod:`kapnotes.default_plugins`).

Hooks only ever gain arguments; an implementation may accept just the ones it needs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:  # pragma: no cover - imports for annotations only
    import click

hookspec = pluggy.HookspecMarker("kapnotes")
hookimpl = pluggy.HookimplMarker("kapnotes")


@hookspec
def register_note_formats(register: Callable[[Any], None]) -> None:
    """Register note formats: each turns a session into a format-neutral note.

    :param register: call it once per :class:`kapnotes.notes.format.NoteFormat`.

    .. versionadded:: 0.1
    """


@hookspec
def register_exporters(register: Callable[[Any], None]) -> None:
    """Register exporters: each turns a note (or a whole record) into bytes.

    :param register: call it once per :class:`kapnotes.exporting.NoteExporter` or
        :class:`kapnotes.exporting.RecordExporter`.

    .. versionadded:: 0.1
    """


@hookspec
def register_instruments(register: Callable[[Any], None]) -> None:
    """Register standardized measures (PHQ-9, ...): items, ranges, bands and a scoring rule.

    :param register: call it once per :class:`kapnotes.instruments.base.Instrument`.

    .. versionadded:: 0.1
    """


@hookspec
def register_intervention_types(register: Callable[[Any], None]) -> None:
    """Register intervention types: attrs classes that extend the tagged union of interventions.

    :param register: call it once per subclass of :class:`kapnotes.model.Intervention` with a
        unique ``type`` class variable (the tag used in JSON documents).

    .. versionadded:: 0.1
    """


@hookspec
def register_rules(register: Callable[[Any], None]) -> None:
    """Register rules: checks from a session (and its course) to findings; blocking ones stop signing.

    :param register: call it once per :class:`kapnotes.rules.base.Rule`.

    .. versionadded:: 0.1
    """


@hookspec
def register_billing_rules(register: Callable[[Any], None]) -> None:
    """Register code-suggestion rules: which CPT/HCPCS code a session earns, and why.

    A clinic's payer-specific rules are a plugin implementing this hook; a rule may
    ``replace`` built-in rules by name (see ``docs/billing.md``).

    :param register: call it once per :class:`kapnotes.billing.rules.CodeRule`.

    .. versionadded:: 0.2
    """


@hookspec
def register_commands(cli: click.Group) -> None:
    """Add commands to the ``kapnotes`` command line.

    :param cli: the root click group; add commands with ``@cli.command()``.

    .. versionadded:: 0.1
    """
