"""Where a document holds data of a plugin that is not installed, and what to tell the user.

Such data is read as :class:`~kapnotes.model.UnknownIntervention` and kept byte for byte; these
helpers only find and describe it (``kapnotes check`` prints them as warnings).
"""

from __future__ import annotations

from collections.abc import Iterable

from kapnotes.model import Document, UnknownIntervention


def unknown_interventions(doc: Document) -> list[tuple[str, UnknownIntervention]]:
    """``(JSON path, intervention)`` for each intervention whose type no installed plugin
    registers, in document order (paths as in problems: ``$.courses[1].sessions[5]...``)."""
    return [
        (f"$.courses[{c}].sessions[{s}].interventions[{i}]", iv)
        for c, course in enumerate(doc.courses)
        for s, session in enumerate(course.sessions)
        for i, iv in enumerate(session.interventions)
        if isinstance(iv, UnknownIntervention)
    ]


def unknown_type_warning(
    path: str, iv: UnknownIntervention, failed_plugins: Iterable[str] = ()
) -> str:
    """One line for ``kapnotes check``: the path, the type, and the hint to install its plugin
    (naming the plugins that failed to load, which may be the one)."""
    failed = sorted(failed_plugins)
    hint = (
        f"install the plugin that registers intervention type {iv.tag!r}"
        + (f" (failed to load: {', '.join(failed)})" if failed else "")
        + "; `kapnotes plugins` lists what is installed. It is kept and exported unchanged."
    )
    return f"{path}: {iv.missing_plugin_note}; {hint}"
