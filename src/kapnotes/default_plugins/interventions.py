"""Built-in plugin: the intervention types every KAP clinic uses."""

from __future__ import annotations

from collections.abc import Callable

from kapnotes.hookspecs import hookimpl
from kapnotes.model.interventions import BUILTIN_INTERVENTION_TYPES, Intervention


@hookimpl
def register_intervention_types(register: Callable[[type[Intervention]], None]) -> None:
    for cls in BUILTIN_INTERVENTION_TYPES:
        register(cls)
