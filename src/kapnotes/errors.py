"""Errors raised by kapnotes.

Every error a caller can act on is a subclass of :class:`KapnotesError`. Errors about
input carry a list of :class:`Problem` (a JSON path and a message), so that a caller can
show *every* problem with a document at once, each with where it is.
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs


@attrs.frozen
class Problem:
    """One thing wrong with an input, and where it is (a JSON path such as ``$.courses[0].id``)."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"

    def under(self, prefix: str) -> Problem:
        """This problem with its path re-rooted under ``prefix`` (``$`` is replaced)."""
        return Problem(prefix + self.path[1:], self.message)


class KapnotesError(Exception):
    """Base class of every error kapnotes raises on purpose."""


class InvalidError(KapnotesError, ValueError):
    """Input that does not make a valid record: every problem, each with its path."""

    def __init__(self, problems: Iterable[Problem], *, source: str | None = None) -> None:
        self.problems: list[Problem] = list(problems)
        self.source = source
        super().__init__(self._summary())

    def _summary(self) -> str:
        n = len(self.problems)
        where = f"{self.source}: " if self.source else ""
        head = f"{where}{n} problem{'s' if n != 1 else ''}"
        return head + "".join(f"\n  {p}" for p in self.problems)


class ModelError(InvalidError):
    """An object of the domain model was built with values that break its invariants.

    Raised by the model's constructors; paths are relative to the object (``$.end``).
    """


class FormatVersionError(InvalidError):
    """A document declares a format or version this kapnotes cannot read."""


class NotFoundError(KapnotesError, LookupError):
    """Something asked for by identifier is not in the store or registry."""


class PluginError(KapnotesError):
    """A plugin registered something invalid, or a name clashes with another plugin's."""


class UnknownNameError(PluginError, LookupError):
    """A note format, exporter, instrument or rule name that no plugin provides."""

    def __init__(self, kind: str, name: str, known: Iterable[str]) -> None:
        self.kind = kind
        self.name = name
        self.known = sorted(known)
        super().__init__(f"unknown {kind} {name!r}; known: {', '.join(self.known) or '(none)'}")


class StoreError(KapnotesError):
    """The store cannot do what was asked (locked record, wrong schema, bad file)."""


class ImmutableError(StoreError):
    """An attempt to change signed content."""
