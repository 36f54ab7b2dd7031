"""Topics of the session's own narrative, intention, setting, risk and plan."""

from __future__ import annotations

from collections.abc import Callable

from kapnotes.notes.format import NoteContext
from kapnotes.notes.wording import Blocks, attrs_rows, fields_block, paragraph

__all__ = [
    "intention_topic",
]

# =============================================================================================
# The session's own narrative, intention, setting, risk and plan
# =============================================================================================


def _narrative(name: str, label: str) -> Callable[[NoteContext], Blocks]:
    def build(ctx: NoteContext) -> Blocks:
        n = ctx.session.narrative
        return paragraph(getattr(n, name) if n is not None else None, label)

    return build


def _fields_of(attr: str) -> Callable[[NoteContext], Blocks]:
    """A topic showing every populated field of the session's attrs object ``attr``."""

    def build(ctx: NoteContext) -> Blocks:
        obj = getattr(ctx.session, attr)
        return fields_block(attrs_rows(obj)) if obj is not None else ()

    return build


def intention_topic(ctx: NoteContext) -> Blocks:
    return paragraph(ctx.session.intention, "Intention")


