"""Checks of a document against what plugins registered (instruments' item counts and ranges)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from kapnotes.errors import Problem
from kapnotes.instruments.base import Instrument
from kapnotes.model.document import Document
from kapnotes.model.measures import MeasureAdministration
from kapnotes.registry import Registry, resolve


def check_against_registry(doc: Document, *, registry: Registry | None = None) -> list[Problem]:
    """Problems with measure administrations whose instrument is registered.

    A measure of an instrument no plugin registers is kept as recorded (a clinic may record an
    instrument before installing its plugin; :func:`unknown_instruments` reports it); one of a
    registered instrument, by its name or any alias (``PHQ-9``), must fit it.
    ``registry``: the instruments (None: the default registry, see :mod:`kapnotes.registry`).
    """
    from kapnotes.scoring import resolve_instrument

    instruments = list(resolve(registry).instruments)
    out: list[Problem] = []
    for base, m in _measures(doc):
        inst = resolve_instrument(m.instrument, instruments)
        if inst is not None:
            out += [p.under(base) for p in inst.validate(m.items)]
    return out


def unknown_instruments(doc: Document, instruments: Iterable[Instrument]) -> list[Problem]:
    """A problem (a warning for ``kapnotes check``) for each measure whose instrument id names
    no registered instrument: its path, the id and the known names. Such a measure is kept as
    recorded, and never scored, exported or ruled on as a known instrument."""
    from kapnotes.scoring import known_names, resolve_instrument

    found = list(instruments)
    return [
        Problem(f"{base}.instrument", f"unknown instrument {m.instrument!r}: kept as recorded, "
                f"not scored (known: {known_names(found)}; is its plugin installed?)")
        for base, m in _measures(doc)
        if resolve_instrument(m.instrument, found) is None
    ]


def _measures(doc: Document) -> Iterator[tuple[str, MeasureAdministration]]:
    for i, course in enumerate(doc.courses):
        for j, s in enumerate(course.sessions):
            for k, m in enumerate(s.measures):
                yield f"$.courses[{i}].sessions[{j}].measures[{k}]", m
        for k, m in enumerate(course.measures):  # at-home measures (format 1.3)
            yield f"$.courses[{i}].measures[{k}]", m
