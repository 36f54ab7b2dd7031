"""Regular expressions compiled at their first use.

The modules that reading a document needs define some twenty patterns for their checks
(identifiers, codes, signatures, dates), and compiling them all took about 1.3 ms of every
``import kapnotes.model``, while a document uses a few of them. A :class:`LazyPattern` holds the
expression, which is there at once (the JSON Schema generator reads ``pattern``), and compiles it
the first time it is matched; afterwards each call is the compiled pattern's.

This module imports nothing of kapnotes (the registry, at the bottom, uses it).
"""

from __future__ import annotations

import re
import sys

__all__ = ["LazyPattern"]


class LazyPattern:
    """``re.compile(pattern, flags)``, made on the first ``match``/``fullmatch``/``search``.

    Two threads that first match at once may both compile it; they get equal patterns.
    """

    __slots__ = ("_compiled", "flags", "pattern")

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.pattern = pattern
        self.flags = flags
        self._compiled: re.Pattern[str] | None = None

    @property
    def compiled(self) -> re.Pattern[str]:
        """The compiled pattern (compiled now if it was not)."""
        compiled = self._compiled
        if compiled is None:
            compiled = self._compiled = re.compile(self.pattern, self.flags)
        return compiled

    def match(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        return self.compiled.match(string, pos, endpos)

    def fullmatch(
        self, string: str, pos: int = 0, endpos: int = sys.maxsize
    ) -> re.Match[str] | None:
        return self.compiled.fullmatch(string, pos, endpos)

    def search(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        return self.compiled.search(string, pos, endpos)

    def __repr__(self) -> str:
        flags = f", {self.flags}" if self.flags else ""
        return f"LazyPattern({self.pattern!r}{flags})"
