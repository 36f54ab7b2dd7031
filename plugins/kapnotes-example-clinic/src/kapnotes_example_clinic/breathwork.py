"""A clinic's own intervention type: it extends the tagged union of interventions.

Once registered, documents may contain ``{"type": "breathwork", "technique": "...", ...}`` in a
session's ``interventions``; kapnotes validates it strictly (unknown keys, types, the checks
below), stores it, includes it in the JSON Schema and shows it in every note format.
"""

from __future__ import annotations

from typing import ClassVar

from kapnotes.model import Intervention, field, in_range, model, non_blank


@model
class Breathwork(Intervention):
    """Paced or coherent breathing, with the client's arousal before and after (0-10)."""

    type: ClassVar[str] = "breathwork"
    label: ClassVar[str] = "Breathwork"

    technique: str = field(check=non_blank, doc="e.g. 'coherent breathing, 5.5 breaths/min'")
    rounds: int | None = field(default=None, check=in_range(1, 100))
    arousal_before: int | None = field(default=None, check=in_range(0, 10))
    arousal_after: int | None = field(default=None, check=in_range(0, 10))
