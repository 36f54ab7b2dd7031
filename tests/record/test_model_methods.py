"""The model classes' ``==``, ``hash`` and ``repr``, made on first use, are attrs' own.

``kapnotes.model._base.model`` builds each class without them (for a faster ``import``) and
writes them the first time they are used; these tests hold them to what attrs documents.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import attrs
import pytest

from kapnotes.model import Clinic, Document, Session
from kapnotes.model._base import field, model


def walk(obj: Any) -> Iterator[Any]:
    """Every attrs object inside ``obj`` (itself included)."""
    if attrs.has(type(obj)):
        yield obj
        for a in attrs.fields(type(obj)):
            yield from walk(getattr(obj, a.name))
    elif isinstance(obj, (tuple, list)):
        for x in obj:
            yield from walk(x)


def attrs_repr(obj: Any) -> str:
    """``repr`` as attrs writes it: the class name and every field with ``repr=True``."""
    name = type(obj).__qualname__.rsplit(">.", 1)[-1]
    shown = ", ".join(f"{a.name}={getattr(obj, a.name)!r}" for a in attrs.fields(type(obj)) if a.repr)
    return f"{name}({shown})"


def test_every_model_object_of_the_demo_compares_hashes_and_shows_like_attrs(demo_doc):
    seen: set[type] = set()
    for obj in walk(demo_doc):
        cls = type(obj)
        if cls in seen:
            continue
        seen.add(cls)
        assert repr(obj) == attrs_repr(obj), cls
        twin = attrs.evolve(obj)
        assert twin is not obj
        assert obj == twin, cls
        assert obj.__ne__(twin) is False, cls
        assert hash(obj) == hash(twin), cls
        assert obj.__eq__(object()) is NotImplemented
        assert obj != object()
    assert len(seen) > 20  # the demo reaches most of the model


def test_a_changed_field_makes_objects_unequal():
    a = Clinic(id="c-1", name="Harbor")
    b = attrs.evolve(a, name="Harbour")
    assert a != b
    assert a.__eq__(b) is False
    assert {a, b, attrs.evolve(a)} == {a, b}


def test_fields_compare_in_order_and_stop_at_the_first_difference():
    calls: list[str] = []

    class Loud:
        def __init__(self, tag: str) -> None:
            self.tag = tag

        def __eq__(self, other: object) -> bool:
            calls.append(self.tag)
            return False

        __hash__ = object.__hash__

    @model
    class Pair:
        first: Any = field()
        second: Any = field()

    x, y = Pair(first=Loud("a"), second=Loud("b")), Pair(first=Loud("c"), second=Loud("d"))
    assert x != y
    assert calls == ["a"]  # `self.first == other.first and ...`, as attrs writes it


def test_a_subclass_compares_only_with_its_own_class():
    @model
    class Base:
        n: int = field()

    @model
    class Sub(Base):
        extra: str = field(default="x")

    assert Base(n=1) != Sub(n=1)
    assert Sub(n=1) == Sub(n=1)
    assert repr(Sub(n=1)) == "Sub(n=1, extra='x')"


def test_a_class_with_its_own_methods_keeps_them():
    @model
    class Shown:
        n: int = field()

        def __repr__(self) -> str:
            return "mine"

    assert repr(Shown(n=1)) == "mine"
    assert Shown(n=1) == Shown(n=1)


def test_unhashable_field_values_raise_as_with_attrs():
    @model
    class Holder:
        value: Any = field()

    with pytest.raises(TypeError):
        hash(Holder(value=[1]))


def test_document_and_session_classes_are_hashable_and_equal_by_value(demo_doc):
    course = demo_doc.courses[0]
    session = course.sessions[0]
    assert isinstance(session, Session)
    assert Document() == Document()
    assert len({session, attrs.evolve(session)}) == 1
