"""Score a standardized instrument by name: ``score("PHQ-9", [1, 2, 0, ...])``.

Instruments are looked up in the plugin registry (``registry=``; None: the default registry, see
:mod:`kapnotes.registry`), so third-party instruments score the same way as the built-in ones. Names are accepted case-insensitively and in their common spellings
(``PHQ9``, ``PHQ-9``, ``phq 9`` -> ``phq9``; see :func:`canonical_name`).

>>> result = score("PHQ-9", [1, 1, 1, 1, 1, 1, 1, 1, 0])          # doctest: +SKIP
>>> result.total, result.band                                     # doctest: +SKIP
(8, 'mild')
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from kapnotes.errors import Problem
from kapnotes.instruments.base import Instrument, ScoreResult, ScoringError, squash_id
from kapnotes.registry import Registry, resolve

__all__ = [
    "ScoreResult",
    "ScoringError",
    "canonical_name",
    "get_instrument",
    "known_names",
    "resolve_instrument",
    "score",
    "validate_responses",
]


def canonical_name(name: str, instruments: Iterable[Instrument]) -> str:
    """The registry name ``name`` refers to, matching names and aliases case-insensitively and
    ignoring punctuation and spaces. An unknown name comes back lower-cased and stripped, so the
    registry's error names it."""
    wanted = name.strip().lower()
    found = list(instruments)
    for inst in found:  # the usual case, a registry name as it is: no spelling squashed
        if inst.name == wanted:
            return inst.name
    index: dict[str, str] = {}
    for inst in found:
        for spelling in inst.spellings:
            index.setdefault(squash_id(spelling), inst.name)
    return index.get(squash_id(wanted), wanted)


def resolve_instrument(recorded: str, instruments: Iterable[Instrument]) -> Instrument | None:
    """The registered instrument an id as recorded names (``PHQ-9``, ``phq-9``, ``PHQ9``, the
    LOINC panel ``44249-1`` -> ``phq9``), or None when it names none of ``instruments``.

    The one resolution every reader uses (validation on load, the store's scores, rules,
    outcomes, notes, exporters): a record keeps its id as written, so the bytes of a signed
    note never change, and an alias is scored and exported exactly like the registered name.
    """
    found = list(instruments)
    name = canonical_name(recorded, found)
    return next((i for i in found if i.name == name), None)


def known_names(instruments: Iterable[Instrument]) -> str:
    """``bdi2, gad7, phq9, ...``: the registered names, for a message about an unknown id."""
    return ", ".join(sorted(i.name for i in instruments))


def get_instrument(name: str, *, registry: Registry | None = None) -> Instrument:
    """The registered instrument called ``name`` (or an alias of it).

    :raises kapnotes.errors.UnknownNameError: no plugin registered such an instrument.
    """
    instruments = resolve(registry).instruments
    found: Instrument = instruments.get(canonical_name(name, instruments))
    return found


def _resolve(instrument: str | Instrument, registry: Registry | None) -> Instrument:
    if isinstance(instrument, Instrument):
        return instrument
    return get_instrument(instrument, registry=registry)


def score(
    instrument: str | Instrument,
    responses: Sequence[int | None],
    *,
    extra: Mapping[str, Any] | None = None,
    registry: Registry | None = None,
) -> ScoreResult:
    """Score one administration of ``instrument``.

    :param instrument: a registry name or alias (``"PHQ-9"``), or an :class:`Instrument`.
    :param responses: one answer per item in item order; ``None`` for a missing answer.
    :param extra: scoring parameters the instrument declares (``{"cutoff": 31}`` for PCL-5,
        ``{"prorate": True}`` for PHQ-9, ``{"remission_cutoff": 12}`` for MADRS).
    :param registry: where a name is looked up (None: the default registry).
    :returns: the total, band, subscales, flags, completeness and interpretation.
    :raises ScoringError: with every problem in ``responses`` and ``extra`` at once.
    :raises kapnotes.errors.UnknownNameError: for an instrument no plugin registered.
    """
    return _resolve(instrument, registry).score(responses, extra=extra)


def validate_responses(
    instrument: str | Instrument, responses: object, *, registry: Registry | None = None
) -> list[Problem]:
    """Every problem with ``responses`` (empty when valid), with paths under ``$.items``.

    For the import path: re-root the problems with :meth:`Problem.under`, e.g.
    ``[p.under("$.scores[3]") for p in problems]`` gives ``$.scores[3].items[8]``.
    """
    return _resolve(instrument, registry).validate(responses)
