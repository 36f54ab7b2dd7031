"""Errors raised by kapnotes.

Every error a caller can act on is a subclass of :class:`KapnotesError`. Errors about
input carry a list of :class:`Problem` (a JSON path and a message), so that a caller can
show *every* problem with a document at once, each with where it is.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:  # type checkers know attrs' own decorator
    from attrs import frozen
else:  # the class is made by attrs on first use (kapnotes.lazy_classes)
    from kapnotes.lazy_classes import frozen


@frozen
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


class PluginFailure(PluginError):
    """Plugin code raised, or broke its contract, while kapnotes ran it (render, export, ...).

    :ivar kind: what the plugin provided (``note format``, ``note exporter``, ...).
    :ivar name: its registry name; :ivar plugin: the plugin that registered it;
    :ivar subject: what it was working on (a session id, a record), or None.
    The original exception, if any, is ``__cause__``.
    """

    def __init__(self, kind: str, name: str, plugin: str, subject: str | None, why: str) -> None:
        self.kind, self.name, self.plugin, self.subject = kind, name, plugin, subject
        on = f" on {subject}" if subject else ""
        super().__init__(f"{kind} {name!r} (plugin {plugin}) failed{on}: {why}")


R = TypeVar("R")


def call_plugin(
    kind: str,
    name: str,
    plugin: str,
    subject: str | None,
    fn: Callable[..., R],
    *args: Any,
    returns: type | tuple[type, ...] | None = None,
) -> R:
    """Run plugin code ``fn(*args)``; any exception it raises (other than a deliberate
    :class:`KapnotesError`) becomes a :class:`PluginFailure` naming the plugin, and a result
    that is not an instance of ``returns`` is reported as the plugin's broken contract."""
    try:
        result = fn(*args)
    except KapnotesError:
        raise
    except Exception as exc:
        raise PluginFailure(kind, name, plugin, subject, f"{type(exc).__name__}: {exc}") from exc
    if returns is not None and not isinstance(result, returns):
        expected = (
            " or ".join(t.__name__ for t in returns) if isinstance(returns, tuple) else returns.__name__
        )
        raise PluginFailure(
            kind,
            name,
            plugin,
            subject,
            f"it returned {type(result).__name__}, expected {expected}",
        )
    return result


#: Set to ``1`` to make contained plugin failures raise (for plugin authors and CI).
STRICT_PLUGINS_ENV = "KAPNOTES_STRICT_PLUGINS"
#: Names the entry-point plugins to load (``a,b``; empty: none); see :mod:`kapnotes.plugins`.
LOAD_PLUGINS_ENV = "KAPNOTES_LOAD_PLUGINS"


def strict_plugins() -> bool:
    """Whether ``KAPNOTES_STRICT_PLUGINS`` asks for plugin failures to raise, not be contained."""
    return os.environ.get(STRICT_PLUGINS_ENV, "").strip() not in ("", "0", "false", "no")
