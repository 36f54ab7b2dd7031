"""``Choice``: the base of kapnotes' enumerations of text values (a route, a note's status).

A ``Choice`` is a ``(str, Enum)`` in every respect: its members are ``str`` and ``Enum``
members, with the ``str()``, ``format()``, ``repr()``, pickling, lookup by value and by name of a
``(str, Enum)`` class of the same members (``tests/record/test_choices.py`` compares each of
kapnotes' choices with one). What differs is how the class is made: the standard library's
``enum`` spends about 40 µs on each enumeration it creates (the checks of its class namespace,
one at each member defined, and of the finished class), and ``import kapnotes.model`` creates
about thirty. The standard library makes its own enumerations (``http.HTTPStatus``,
``re.RegexFlag``, ...) with ``enum._simple_enum`` instead, which creates the same class from a
plain class body in half the time, without those checks; a ``Choice`` is made the same way.

What ``_simple_enum`` leaves out is kept where a definition could get it wrong: a member
name given twice in a class body is refused as ``enum`` refuses it (the body is gathered in a
dictionary that checks just that). A definition that uses what ``_simple_enum`` does not do
(class keywords, ``_ignore_``, ``_order_``, a method calling ``super()`` without arguments),
and every choice on a Python without ``_simple_enum`` (3.10), is made by ``enum`` as usual.
"""

from __future__ import annotations

import enum
from typing import Any

_simple_enum = getattr(enum, "_simple_enum", None)

#: Class-body names that ``_simple_enum`` does not handle as ``enum`` does.
_NOT_SIMPLE = ("__classcell__", "_ignore_", "_order_")

_choice: type | None = None  # Choice, once made


def _descriptor(value: Any) -> bool:
    return hasattr(value, "__get__") or hasattr(value, "__set__") or hasattr(value, "__delete__")


class _Body(dict[str, Any]):
    """A choice's class body: refuses a member name given twice (and a name given again as a
    member), as ``enum``'s namespace does; a method or property may be redefined."""

    def __setitem__(self, key: str, value: Any) -> None:
        if (
            key in self
            and not key.startswith("_")
            and not (_descriptor(value) and _descriptor(self[key]))
        ):
            raise TypeError(f"{key!r} already defined as {self[key]!r}")
        super().__setitem__(key, value)


class _ChoiceType(enum.EnumMeta):
    """``Enum``'s metaclass, making each subclass of :class:`Choice` from a plain class body."""

    @classmethod
    def __prepare__(  # type: ignore[override]
        metacls, cls: str, bases: tuple[type, ...], **kwds: Any
    ) -> Any:
        if _simple_enum is not None and not kwds and bases == (_choice,):
            return _Body()
        return super().__prepare__(cls, bases, **kwds)

    def __new__(
        metacls, cls: str, bases: tuple[type, ...], classdict: Any, **kwds: Any
    ) -> Any:
        if kwds or type(classdict) is not _Body:  # enum's own namespace, or _simple_enum's
            return super().__new__(metacls, cls, bases, classdict, **kwds)  # own call
        if any(name in classdict for name in _NOT_SIMPLE):
            namespace = super().__prepare__(cls, bases)
            for name, value in classdict.items():
                namespace[name] = value
            return super().__new__(metacls, cls, bases, namespace)
        assert _simple_enum is not None and _choice is not None
        return _simple_enum(_choice)(type(cls, (), dict(classdict)))


class Choice(str, enum.Enum, metaclass=_ChoiceType):
    """A ``(str, Enum)``: subclass it with members ``NAME = "value"``."""


_choice = Choice
