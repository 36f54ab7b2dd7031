"""Checks of a document against what plugins registered (instruments' item counts and ranges)."""

from __future__ import annotations

from kapnotes.errors import Problem
from kapnotes.model.document import Document
from kapnotes.registry import Registry, resolve


def check_against_registry(doc: Document, *, registry: Registry | None = None) -> list[Problem]:
    """Problems with measure administrations whose instrument is registered.

    A measure of an instrument no plugin registers is kept as recorded (a clinic may record an
    instrument before installing its plugin); one of a registered instrument must fit it.
    ``registry``: the instruments (None: the default registry, see :mod:`kapnotes.registry`).
    """
    from kapnotes.scoring import validate_responses

    instruments = resolve(registry).instruments
    out: list[Problem] = []
    for i, course in enumerate(doc.courses):
        for j, s in enumerate(course.sessions):
            for k, m in enumerate(s.measures):
                if m.instrument not in instruments:
                    continue
                base = f"$.courses[{i}].sessions[{j}].measures[{k}]"
                for p in validate_responses(instruments.get(m.instrument), m.items):
                    out.append(p.under(base))
    return out
