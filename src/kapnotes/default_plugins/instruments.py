"""Built-in plugin: the standardized instruments of :mod:`kapnotes.instruments.catalog`.

Registered through the ``register_instruments`` hook exactly like a third-party plugin.
"""

from __future__ import annotations

from collections.abc import Callable

from kapnotes.hookspecs import hookimpl
from kapnotes.instruments.base import Instrument
from kapnotes.instruments.catalog import ALL


@hookimpl
def register_instruments(register: Callable[[Instrument], None]) -> None:
    """Register every built-in instrument (PHQ-9, GAD-7, PCL-5, ...)."""
    for instrument in ALL:
        register(instrument)
