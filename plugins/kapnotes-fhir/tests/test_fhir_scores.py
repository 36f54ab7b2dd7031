"""QuestionnaireResponse items: each item's linkId and text, worked out once per instrument
(``scores.item_heads``), are what the item-by-item rule gives."""

from __future__ import annotations

import attrs
from kapnotes_fhir import scores
from kapnotes_fhir.context import prune

from kapnotes.plugins import registry


def _by_item(instrument, n):
    """The head of item ``n`` worked out on its own, as each item was before the cache."""
    item = instrument.item(n)
    return prune({"linkId": scores.link_id(instrument, n), "text": item.text or item.label})


def test_item_heads_are_every_item_worked_out_on_its_own_for_every_instrument():
    for inst in registry().instruments:
        heads = scores.item_heads(inst)
        assert len(heads) == len(inst.items)
        for n, head in enumerate(heads, start=1):
            assert head == _by_item(inst, n)
            assert list(head) == list(_by_item(inst, n))  # same keys, same order (same bytes)
        assert scores.item_heads(inst) is heads  # once per instrument


def test_item_heads_are_per_instrument_object_not_per_name():
    inst = next(iter(registry().instruments))
    other = attrs.evolve(inst, items=tuple(attrs.evolve(i, text=f"changed {i.number}") for i in inst.items))
    assert scores.item_heads(other)[0]["text"] == "changed 1"
    assert scores.item_heads(inst)[0] == _by_item(inst, 1)


def test_item_heads_keep_a_bounded_number_of_instruments():
    inst = next(iter(registry().instruments))
    made = [attrs.evolve(inst) for _ in range(scores._HEADS_KEPT * 2)]
    for m in made:
        scores.item_heads(m)
    assert len(scores._HEADS) <= scores._HEADS_KEPT
