"""Built-in plugin: the safety rules of :mod:`kapnotes.rules.builtin`.

Registered through the ``register_rules`` hook exactly like a third-party plugin; a clinic's
plugin adds its own rules the same way (rule names must not clash).
"""

from __future__ import annotations

from collections.abc import Callable

from kapnotes.hookspecs import hookimpl
from kapnotes.rules.base import Rule
from kapnotes.rules.builtin import BUILTIN_RULES


@hookimpl
def register_rules(register: Callable[[Rule], None]) -> None:
    """Register every built-in rule (suicide risk, go/no-go, dose, REMS, consent, ...)."""
    for rule in BUILTIN_RULES:
        register(rule)
