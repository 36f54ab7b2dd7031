"""Every hook a kapnotes plugin can implement.

A plugin is a module or object with functions decorated by :data:`kapnotes.hookimpl`, found through
the ``kapnotes`` entry-point group (or registered with :func:`kapnotes.plugins.register_plugin`,
or for one test with :func:`kapnotes.testing.registered_plugin`).

The registration hooks receive a ``register`` callback owned by the core. The core checks what is
registered — its type, its name (lower-case letters, digits, ``.``, ``_``, ``-``), that no other
plugin already took the name — and contains every failure: a wrong object or a clash skips that
one registration with a :class:`kapnotes.plugins.PluginLoadWarning` naming both plugins (a
built-in name always stays the built-in's), and an implementation that raises is skipped for that
hook with a warning naming it. ``kapnotes plugins`` lists each plugin's warnings;
``KAPNOTES_STRICT_PLUGINS=1`` makes them errors. The built-in note formats, exporters,
instruments, intervention types and rules are registered through these same hooks (see
:mod:`kapnotes.default_plugins`).

The hooks are typed with the classes they take, so ``mypy --strict`` on a plugin whose
implementations carry the same annotations catches a wrong registration::

    @kapnotes.hookimpl
    def register_note_formats(register: Callable[[NoteFormat], None]) -> None:
        register(HANDOVER)

Hooks only ever gain arguments; an implementation may accept just the ones it needs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:  # pragma: no cover - imports for annotations only: hooks import nothing at run time
    import click

    from kapnotes.billing.rules import CodeRule
    from kapnotes.exporting import NoteExporter, RecordExporter
    from kapnotes.instruments.base import Instrument
    from kapnotes.model.extensions import Extension
    from kapnotes.model.interventions import Intervention
    from kapnotes.notes.format import NoteFormat
    from kapnotes.notes.renderers import Renderer
    from kapnotes.rules.base import Rule
    from kapnotes.rules.plugin_config import ConfigSection
    from kapnotes.synthetic import DemoData

hookspec = pluggy.HookspecMarker("kapnotes")
hookimpl = pluggy.HookimplMarker("kapnotes")


@hookspec
def register_note_formats(register: Callable[[NoteFormat], None]) -> None:
    """Register note formats: each turns a session into a format-neutral note.

    :param register: call it once per :class:`kapnotes.notes.format.NoteFormat`.

    What the core checks: the object is a ``NoteFormat`` and its name is valid and not taken
    (else that one registration is skipped with a warning). When a note is rendered, an
    exception raised by ``build`` or a result that is not a
    :class:`kapnotes.notes.document.Note` is a :class:`kapnotes.errors.PluginFailure` naming the
    format, the plugin and the session (``kapnotes render`` exits 1 without a traceback).

    .. versionadded:: 0.1
    """


@hookspec
def register_exporters(register: Callable[[NoteExporter | RecordExporter], None]) -> None:
    """Register exporters: each turns a note (or a whole record) into bytes.

    :param register: call it once per :class:`kapnotes.exporting.NoteExporter` (one note to
        one file) or :class:`kapnotes.exporting.RecordExporter` (a
        :class:`kapnotes.exporting.RecordView` of the record to a file or a directory).

    What the core checks: the object is one of the two classes; names are unique within each
    (``json`` can be both a note and a record exporter). At export time, an exception or a
    result of the wrong type (not ``bytes``; not a ``list`` of paths for an exporter that
    ``writes_directory``) is a :class:`kapnotes.errors.PluginFailure` naming the exporter and
    the plugin, and nothing is written or audited.

    .. versionadded:: 0.1
    """


@hookspec
def register_instruments(register: Callable[[Instrument], None]) -> None:
    """Register standardized measures (PHQ-9, ...): items, ranges, bands and a scoring rule.

    :param register: call it once per :class:`kapnotes.instruments.base.Instrument`.

    What the core checks: the object is an ``Instrument`` (whose constructor already checked
    its items, bands and name) and the name is not taken. Measures of a registered instrument
    are validated against it when a document is read; measures of an instrument no plugin
    registers are kept as recorded.

    A scorer must be a function of the answers and parameters: its results are kept and
    given again, and a large save scores in a forked helper process
    (:mod:`kapnotes.store.save_helper`), where whatever else a scorer did stays.

    .. versionadded:: 0.1
    """


@hookspec
def register_intervention_types(register: Callable[[type[Intervention]], None]) -> None:
    """Register intervention types: attrs classes that extend the tagged union of interventions.

    :param register: call it once per subclass of :class:`kapnotes.model.Intervention` with a
        unique ``type`` class variable (the tag used in JSON documents).

    What the core checks: the class is an attrs subclass of ``Intervention`` with a string
    ``type``, and the tag is not taken. A record holding a tag whose plugin is not installed
    stays readable, storable and exportable byte for byte
    (:class:`kapnotes.model.UnknownIntervention`).

    .. versionadded:: 0.1
    """


@hookspec
def register_rules(register: Callable[[Rule], None]) -> None:
    """Register rules: checks from a session (and its course) to findings; blocking ones stop signing.

    :param register: call it once per :class:`kapnotes.rules.base.Rule`.

    What the core checks: the object is a ``Rule`` and its name is not taken. When rules run, a
    rule that raises, or returns something other than
    :class:`kapnotes.rules.base.Finding` objects, gives a blocking ``KAP-RULE-ERROR`` finding
    naming the rule and the plugin (a note is not signed on a check that did not run).

    .. versionadded:: 0.1
    """


@hookspec
def register_extensions(register: Callable[[Extension], None]) -> None:
    """Register extension fields: a namespaced attrs class on a model object (a host).

    :param register: call it once per :class:`kapnotes.model.extensions.Extension` (namespace,
        host such as ``session`` or ``dosing``, fields class, FHIR extension URL, label).

    What the core checks: the object is an ``Extension`` (whose constructor checks the
    namespace, the host, that the fields are an attrs class and the URL absolute) and its name
    ``namespace.host`` is not taken. Values in documents are validated as strictly as core
    fields; a namespace whose plugin is not installed is kept byte for byte.

    .. versionadded:: 0.2
    """


@hookspec
def register_renderers(register: Callable[[Renderer], None]) -> None:
    """Register how notes show a plugin's intervention type or extension fields.

    :param register: call it once per :class:`kapnotes.notes.renderers.Renderer`
        (``Renderer.for_intervention("breathwork", fn)``, ``Renderer.for_extension(ext, fn)``;
        ``fn(ctx, obj)`` returns note blocks).

    What the core checks: the object is a ``Renderer`` and its name is not taken. Without a
    renderer an intervention or extension is shown as a list of its labelled fields.

    .. versionadded:: 0.2
    """


@hookspec
def register_config_sections(register: Callable[[ConfigSection], None]) -> None:
    """Register a plugin's section of the clinic configuration (``plugins.<name>``).

    :param register: call it once per :class:`kapnotes.rules.plugin_config.ConfigSection`
        (name, an attrs class of settings with defaults, the source of each default); rules
        read it with ``ctx.config.section(section)``.

    What the core checks: the object is a ``ConfigSection`` (whose constructor checks the name
    and that every setting has a default) and its name is not taken. A clinic configuration
    is validated against it with paths (``$.plugins.<name>.<setting>``); a section no installed
    plugin declares is refused.

    .. versionadded:: 0.2
    """


@hookspec
def register_demo_data(register: Callable[[DemoData], None]) -> None:
    """Register a plugin's part of the synthetic demo (the values of its extension fields, say).

    Applied by ``kapnotes demo`` and ``kapnotes.synthetic.build_document(plugin_data=True)``.

    :param register: call it once per :class:`kapnotes.synthetic.DemoData` (name, one line,
        ``apply(document) -> document``).

    What the core checks: the object is a ``DemoData`` and its name is not taken. ``apply``
    runs on every demo built while the plugin is installed; an exception or a result that is
    not a ``Document`` is reported naming the plugin. Synthetic data only.

    .. versionadded:: 0.2
    """


@hookspec
def register_billing_rules(register: Callable[[CodeRule], None]) -> None:
    """Register code-suggestion rules: which CPT/HCPCS code a session earns, and why.

    A clinic's payer-specific rules are a plugin implementing this hook; a rule may
    ``replace`` built-in rules by name (see ``docs/billing.md``).

    :param register: call it once per :class:`kapnotes.billing.rules.CodeRule`.

    What the core checks: the object is a ``CodeRule`` and its name is not taken. Every code it
    suggests carries its reason and sources; a rule whose source is not verified is flagged,
    never emitted silently.

    .. versionadded:: 0.2
    """


@hookspec
def register_commands(cli: click.Group) -> None:
    """Add commands to the ``kapnotes`` command line.

    :param cli: the root click group; add commands with ``@cli.command()``.

    What the core checks: an implementation that raises is skipped (none of its commands is
    added) with a warning, so ``kapnotes --help`` always works; an exception raised by a
    command is a :class:`kapnotes.errors.PluginFailure` naming the command and the plugin
    (exit 1, the traceback only with ``--debug``).

    .. versionadded:: 0.1
    """
