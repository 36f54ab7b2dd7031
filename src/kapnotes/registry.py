"""The registry of what plugins registered: one typed :class:`Kind` per kind of thing.

This module sits at the bottom of kapnotes: it imports nothing of kapnotes but
:mod:`kapnotes.errors` (the classes named in the annotations are imported for type checking
only). The plugin manager at the top, :mod:`kapnotes.plugins`, fills a :class:`Registry` from
the plugins' hooks; everything in between — the converter, scoring, validation, rules, note
rendering, batches, the store and exporting — receives it.

How a layer below the top gets its registry
===========================================

Every function (or object, such as :class:`kapnotes.store.Store`) below the top that needs
plugin state takes one keyword-only parameter ``registry: Registry | None = None`` and passes
it on to what it calls. It never looks plugins up itself and never imports
:mod:`kapnotes.plugins` (a test walks the source to keep it so).

``None`` means *the default registry*, and the top layer decides what that is: importing
:mod:`kapnotes` installs :func:`kapnotes.plugins.registry` (the loaded plugins, built on first
use) with :func:`set_default`. So the public API keeps its signatures and its behaviour
(``kapnotes.render(session)`` renders with the installed plugins), while a caller — a test, a
service embedding kapnotes, a batch with its own set of plugins — can pass an explicit
:class:`Registry` and be sure that nothing else is consulted::

    reg = Registry()
    reg.instruments.add("phq9", "my-tests", PHQ9)
    score("phq9", answers, registry=reg)

:func:`resolve` is the one place where ``None`` is turned into the default registry.

For backward compatibility the module itself is callable: ``kapnotes.registry()`` (kapnotes
0.1's way to reach the loaded plugins) returns the default registry, like
:func:`kapnotes.plugins.registry` (the typed spelling).
"""

from __future__ import annotations

import sys
import types
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Generic, TypeVar

import attrs

from kapnotes.errors import KapnotesError, PluginError, UnknownNameError
from kapnotes.patterns import LazyPattern

if TYPE_CHECKING:  # type checkers know attrs' own decorators
    from attrs import define, frozen
else:  # the classes are made by attrs on first use (kapnotes.lazy_classes)
    from kapnotes.lazy_classes import define, frozen

if TYPE_CHECKING:  # pragma: no cover - for annotations only: this module stays at the bottom
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

__all__ = ["NAME_RE", "Entry", "Kind", "Registry", "resolve", "set_default"]

#: What a registered name may look like (``soap``, ``kap-dosing``, ``phq9``, ``fhir.ndjson``).
NAME_RE = LazyPattern(r"^[a-z0-9][a-z0-9._-]{0,63}$")

T = TypeVar("T")


@frozen
class Entry(Generic[T]):
    """Something a plugin registered, with the plugin's name."""

    name: str
    plugin: str
    value: T


class Kind(Generic[T]):
    """The registered objects of one kind (note formats, exporters, ...), by name."""

    def __init__(self, label: str) -> None:
        #: What the objects are called in messages (``note format``).
        self.label = label
        self._entries: dict[str, Entry[T]] = {}

    def add(self, name: str, plugin: str, value: T) -> None:
        """Add ``value`` as ``name``, registered by ``plugin``.

        :raises kapnotes.errors.PluginError: an invalid name, or one already taken (the message
            names both plugins).
        """
        if not isinstance(name, str) or not NAME_RE.match(name):
            raise PluginError(
                f"plugin {plugin!r} registered a {self.label} with an invalid name {name!r} "
                f"(use lower-case letters, digits, '.', '_' or '-')"
            )
        if name in self._entries:
            other = self._entries[name].plugin
            raise PluginError(
                f"{self.label} {name!r} of plugin {plugin!r} is already registered by {other!r}"
            )
        self._entries[name] = Entry(name, plugin, value)

    def get(self, name: str) -> T:
        """The object registered as ``name``.

        :raises kapnotes.errors.UnknownNameError: no plugin registered it (the message lists the
            known names and the closest one).
        """
        try:
            return self._entries[name].value
        except KeyError:
            raise UnknownNameError(self.label, name, self._entries) from None

    def entry(self, name: str) -> Entry[T]:
        """Like :meth:`get`, with the name of the plugin that registered it."""
        self.get(name)
        return self._entries[name]

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[T]:
        return (e.value for e in self._entries.values())

    def __len__(self) -> int:
        return len(self._entries)

    def names(self) -> list[str]:
        """The registered names, sorted."""
        return sorted(self._entries)

    def entries(self) -> list[Entry[T]]:
        """Every entry, sorted by name."""
        return [self._entries[n] for n in self.names()]


def _kind(label: str) -> Callable[[], Kind[T]]:
    def make() -> Kind[T]:
        return Kind(label)

    make.__name__ = make.__qualname__ = "Kind"  # shown as the default in docs/hooks.md
    return make


@define
class Registry:
    """Everything the loaded plugins registered, one :class:`Kind` per kind.

    Filled by :mod:`kapnotes.plugins` from the hooks (or by hand, in tests); read by the layers
    below, which receive it as a parameter (see the module docstring).

    :ivar note_formats: note formats, for ``render --format``.
    :ivar exporters: note exporters, for ``render --to``.
    :ivar record_exporters: record exporters, for ``export --to``.
    :ivar instruments: standardized instruments, for scoring and validation.
    :ivar intervention_types: intervention classes, by their JSON ``type`` tag.
    :ivar rules: safety and documentation rules, for ``check`` and the signing gate.
    :ivar extensions: extension fields, by ``namespace.host``.
    :ivar renderers: how notes show an intervention type or an extension, by name.
    :ivar config_sections: plugins' sections of the clinic configuration, by name.
    :ivar demo_data: plugins' parts of the synthetic demo, by name.
    :ivar billing_rules: code-suggestion rules (built-in and payers'), by name.
    """

    note_formats: Kind[NoteFormat] = attrs.field(factory=_kind("note format"))
    exporters: Kind[NoteExporter] = attrs.field(factory=_kind("note exporter"))
    record_exporters: Kind[RecordExporter] = attrs.field(factory=_kind("record exporter"))
    instruments: Kind[Instrument] = attrs.field(factory=_kind("instrument"))
    intervention_types: Kind[type[Intervention]] = attrs.field(
        factory=_kind("intervention type")
    )
    rules: Kind[Rule] = attrs.field(factory=_kind("rule"))
    extensions: Kind[Extension] = attrs.field(factory=_kind("extension"))
    renderers: Kind[Renderer] = attrs.field(factory=_kind("renderer"))
    config_sections: Kind[ConfigSection] = attrs.field(factory=_kind("configuration section"))
    demo_data: Kind[DemoData] = attrs.field(factory=_kind("demo data"))
    billing_rules: Kind[CodeRule] = attrs.field(factory=_kind("billing rule"))


_default: Callable[[], Registry] | None = None


def set_default(provider: Callable[[], Registry] | None) -> None:
    """Make ``provider()`` the registry used wherever ``registry=None`` is passed.

    Called by the top layer (importing :mod:`kapnotes` installs the loaded plugins); ``None``
    removes it, after which only explicit registries work.
    """
    global _default
    _default = provider


def resolve(registry: Registry | None) -> Registry:
    """``registry`` itself, or, for ``None``, the default registry the top layer installed.

    :raises kapnotes.errors.KapnotesError: ``None`` while no default is installed.
    """
    if registry is not None:
        return registry
    if _default is None:
        raise KapnotesError(
            "no plugin registry: pass registry=... (a kapnotes.registry.Registry), "
            "or import kapnotes, which installs the loaded plugins as the default"
        )
    return _default()


class _CallableModule(types.ModuleType):
    """``kapnotes.registry()``: the default registry (kapnotes 0.1's public function)."""

    def __call__(self) -> Registry:
        return resolve(None)


sys.modules[__name__].__class__ = _CallableModule
