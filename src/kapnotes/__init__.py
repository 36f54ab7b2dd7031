"""kapnotes: the clinical record of ketamine-assisted psychotherapy.

The public API, imported lazily so that ``import kapnotes`` stays fast::

    import kapnotes

    doc = kapnotes.load("record.json")          # a Document (validated; errors have JSON paths)
    store = kapnotes.open_store("kapnotes.db")   # SQLite
    store.save(doc)
    course, session = store.session("ses-001")
    docx_bytes = kapnotes.render(session, course=course, format="soap", to="docx")

Every function that needs what plugins registered takes ``registry=``; the default (None) is
the loaded plugins, installed here, at the top (see :mod:`kapnotes.registry`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kapnotes import registry

__version__ = "0.1.0"

_LAZY = {
    "load": "kapnotes.serialization",
    "loads": "kapnotes.serialization",
    "dump": "kapnotes.serialization",
    "dumps": "kapnotes.serialization",
    "from_data": "kapnotes.serialization",
    "to_data": "kapnotes.serialization",
    "canonical_bytes": "kapnotes.serialization",
    "content_hash": "kapnotes.serialization",
    "open_store": "kapnotes.store",
    "Store": "kapnotes.store",
    "score": "kapnotes.scoring",
    "render": "kapnotes.rendering",
    "build_note": "kapnotes.rendering",
    "json_schema": "kapnotes.serialization.schema",
    "KapnotesError": "kapnotes.errors",
    "InvalidError": "kapnotes.errors",
    "Problem": "kapnotes.errors",
    "hookimpl": "kapnotes.hookspecs",
}

if TYPE_CHECKING:  # pragma: no cover
    from kapnotes.errors import InvalidError, KapnotesError, Problem
    from kapnotes.hookspecs import hookimpl
    from kapnotes.rendering import build_note, render
    from kapnotes.scoring import score
    from kapnotes.serialization import (
        canonical_bytes,
        content_hash,
        dump,
        dumps,
        from_data,
        load,
        loads,
        to_data,
    )
    from kapnotes.serialization.schema import json_schema
    from kapnotes.store import Store, open_store


def _loaded_plugins() -> registry.Registry:
    """The default registry of every layer below the top: the loaded plugins' (see
    :mod:`kapnotes.registry`). This package is the top layer, and the one place that says so."""
    from kapnotes import plugins

    return plugins.registry()


registry.set_default(_loaded_plugins)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'kapnotes' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])


__all__ = [
    "InvalidError",
    "KapnotesError",
    "Problem",
    "Store",
    "__version__",
    "build_note",
    "canonical_bytes",
    "content_hash",
    "dump",
    "dumps",
    "from_data",
    "hookimpl",
    "json_schema",
    "load",
    "loads",
    "open_store",
    "registry",
    "render",
    "score",
    "to_data",
]
