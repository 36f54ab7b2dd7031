"""Rows of the measures tables, with the total and band when the instrument is registered."""

from __future__ import annotations

from typing import Any

from kapnotes.model import Session
from kapnotes.store.rows import utc_key


def measure_rows(client_id: str, s: Session) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    from kapnotes.plugins import registry
    from kapnotes.scoring import score

    instruments = registry().instruments
    measures, items = [], []
    for m in s.measures:
        total = band = None
        if m.instrument in instruments:
            result = score(instruments.get(m.instrument), m.items)
            if result.complete:
                total, band = result.total, result.band
        measures.append(
            (
                m.id,
                s.id,
                client_id,
                m.instrument,
                utc_key(m.administered_at),
                m.context.value,
                m.respondent.value,
                total,
                band,
            )
        )
        items += [(m.id, n, v) for n, v in enumerate(m.items, start=1) if v is not None]
    return measures, items
