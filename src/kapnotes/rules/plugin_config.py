"""Plugin sections of the clinic configuration: ``"plugins": {"<name>": {...}}``.

A plugin registers a :class:`ConfigSection` (``register_config_sections``): its name, an attrs
class with the settings (each with a default) and the source of each default. The clinic
configuration then accepts that section, validated as strictly as the built-in groups (unknown
keys, types, the class's checks, all with paths: ``$.plugins.harbor_light.min_minutes``); a
section no installed plugin declares is refused with the declared names.

A plugin's rule reads its settings with ``ctx.config.section(SECTION)`` (the defaults when the
clinic sets none) and cites them with ``ctx.config.section_source(SECTION, "min_minutes")``:
the default's source, or the clinic's policy with the value and the default.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import attrs

from kapnotes.model.extensions import NAMESPACE_RE

__all__ = ["ConfigSection", "PluginSections"]


@attrs.frozen
class ConfigSection:
    """A plugin's section of the clinic configuration.

    :ivar name: the key under ``plugins`` (lower-case letters, digits and ``_``).
    :ivar fields: an attrs class whose every field has a default (usually ``@kapnotes.model.model``).
    :ivar sources: field name -> where its default comes from (findings quote it).
    :ivar description: one line for documentation.
    """

    name: str = attrs.field()
    fields: type = attrs.field()
    sources: Mapping[str, str] = attrs.field(factory=dict, hash=False)
    description: str = ""

    @name.validator
    def _name(self, _attr: object, value: str) -> None:
        if not isinstance(value, str) or not NAMESPACE_RE.match(value):
            raise ValueError(f"configuration section name {value!r} must be lower-case letters, "
                             "digits and '_', starting with a letter")

    @fields.validator
    def _fields(self, _attr: object, value: type) -> None:
        if not (isinstance(value, type) and attrs.has(value)):
            raise ValueError(f"configuration section fields {value!r} must be an attrs class")
        missing = [a.name for a in attrs.fields(value) if a.default is attrs.NOTHING]
        if missing:
            raise ValueError(f"every setting needs a default; {', '.join(missing)} has none")

    def defaults(self) -> Any:
        """The settings with every default."""
        return self.fields()

    def source_of(self, setting: str) -> str:
        """Where the default of ``setting`` comes from."""
        return self.sources.get(setting) or f"plugin default ({self.name}.{setting})"


class PluginSections(Mapping[str, Any]):
    """The plugin sections a clinic configured: name -> settings object. Immutable."""

    __slots__ = ("_entries",)

    def __init__(self, values: Mapping[str, Any] | None = None) -> None:
        entries = tuple(sorted((values or {}).items(), key=lambda kv: str(kv[0])))
        for _name, v in entries:
            if not attrs.has(type(v)):
                raise TypeError(f"a plugin configuration section must be an attrs object, got {v!r}")
        self._entries: tuple[tuple[str, Any], ...] = entries

    def __getitem__(self, name: str) -> Any:
        for n, v in self._entries:
            if n == name:
                return v
        raise KeyError(name)

    def __iter__(self) -> Iterator[str]:
        return (n for n, _v in self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, PluginSections):
            return self._entries == other._entries
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._entries)

    def __repr__(self) -> str:
        return f"PluginSections({dict(self._entries)!r})"
