"""Renderers: how notes show a plugin's intervention type or extension fields.

A plugin registers a :class:`Renderer` through the ``register_renderers`` hook; every note format
then shows that intervention type, or that extension, with it::

    from kapnotes import hookimpl
    from kapnotes.notes import blocks
    from kapnotes.notes.renderers import Renderer

    def breathwork(ctx, obj):
        return blocks.fields_block([("Breathwork", obj.technique),
                                    ("Arousal", blocks.before_after(obj.arousal_before,
                                                                    obj.arousal_after))])

    @hookimpl
    def register_renderers(register):
        register(Renderer.for_intervention("breathwork", breathwork))

Without a renderer, an intervention is shown as a list of its fields and an extension as a list
of its fields under its label; a field's label is its ``field(label=...)`` (or
``metadata={"label": ...}``), else its name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs

__all__ = ["RenderFn", "Renderer"]

#: ``render(ctx, obj) -> tuple of note blocks`` (empty: nothing to show).
RenderFn = Callable[[Any, Any], tuple[Any, ...]]


@attrs.frozen
class Renderer:
    """A renderer of one intervention type (``intervention.<type>``) or one extension
    (``extension.<namespace>.<host>``; ``extension.<namespace>`` for every host)."""

    name: str
    render: RenderFn = attrs.field(repr=False)

    @classmethod
    def for_intervention(cls, type_tag: str | type, render: RenderFn) -> Renderer:
        """A renderer of the intervention type ``type_tag`` (its JSON ``type``, or the class)."""
        tag = type_tag if isinstance(type_tag, str) else type_tag.type  # type: ignore[attr-defined]
        return cls(f"intervention.{tag}", render)

    @classmethod
    def for_extension(cls, extension: Any, render: RenderFn) -> Renderer:
        """A renderer of an extension: an :class:`~kapnotes.model.extensions.Extension`, its
        name (``harbor_light.session``) or a namespace (``harbor_light``: every host)."""
        name = extension if isinstance(extension, str) else extension.name
        return cls(f"extension.{name}", render)
