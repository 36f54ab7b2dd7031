"""Where a document holds data of a plugin that is not installed, and what to tell the user.

Such data is read as :class:`~kapnotes.model.UnknownIntervention` (an intervention type) or
:class:`~kapnotes.model.extensions.UnknownExtension` (an extension namespace) and kept byte for
byte; these helpers only find and describe it (``kapnotes check`` prints them as warnings).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from kapnotes.model import Document, UnknownIntervention
from kapnotes.model.extensions import Extensions


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


def extension_holders(doc: Document) -> Iterator[tuple[str, Any]]:
    """``(JSON path, object)`` for every object of ``doc`` that can hold extension fields:
    clinicians, clients, courses, their at-home measures, sessions, dosing records, monitoring
    entries, measures."""
    for k, clinician in enumerate(doc.clinicians):
        yield f"$.clinicians[{k}]", clinician
    for k, client in enumerate(doc.clients):
        yield f"$.clients[{k}]", client
    for c, course in enumerate(doc.courses):
        cp = f"$.courses[{c}]"
        yield cp, course
        for m, measure in enumerate(course.measures):  # at-home measures (format 1.3)
            yield f"{cp}.measures[{m}]", measure
        for s, session in enumerate(course.sessions):
            sp = f"{cp}.sessions[{s}]"
            yield sp, session
            if session.dosing is not None:
                yield f"{sp}.dosing", session.dosing
                for e, entry in enumerate(session.dosing.monitoring):
                    yield f"{sp}.dosing.monitoring[{e}]", entry
            for m, measure in enumerate(session.measures):
                yield f"{sp}.measures[{m}]", measure


def unknown_extensions(doc: Document) -> list[tuple[str, str]]:
    """``(JSON path, namespace)`` of each extension namespace no installed plugin declares
    (``$.courses[0].sessions[2].extensions.harbor_light``), in document order."""
    out = []
    for path, obj in extension_holders(doc):
        ext: Extensions = obj.extensions
        out += [(f"{path}.extensions.{ns}", ns) for ns in ext.unknown]
    return out


def unknown_extension_warning(
    path: str, namespace: str, host: str, failed_plugins: Iterable[str] = ()
) -> str:
    """One line for ``kapnotes check``: the path, the namespace and the likely missing plugin."""
    failed = sorted(failed_plugins)
    return (
        f"{path}: extension namespace {namespace!r} is not declared for {host} by any installed "
        f"plugin; install the plugin that declares it (likely one named {namespace!r}"
        + (f"; failed to load: {', '.join(failed)}" if failed else "")
        + "). It is kept and exported unchanged; `kapnotes import --strict-extensions` refuses it."
    )
