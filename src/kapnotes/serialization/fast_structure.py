"""Structuring stored rows without the general converter's dispatch: one function per class.

The bulk read path (:mod:`kapnotes.store.bulk`) decodes every course of an export. Through the
project converter each value goes through cattrs' generated function, then a hook per field
type (the ``X | None`` hook, the tuple hook, the primitive hook that dispatches on the declared
class), each a call or two. :func:`fast_structure` gives the same objects with those hooks'
checks written into one function per attrs class, compiled at its first use (the reverse of
:mod:`kapnotes.serialization.fast_unstructure`):

* a ``str`` field is taken as it is when it is an ASCII ``str`` (no lone surrogate can be in
  it), else through the converter's own string check; ``int``, ``float``, ``bool``, dates and
  date-times through the converter's own checks (the same functions, so the same refusals);
* an enum of string values by a dictionary of its members by value;
* ``X | None`` as ``None`` or X's form; ``tuple[X, ...]`` from a JSON array only;
* an attrs class from an object with exactly its keys (a required key missing, or a key it does
  not have, is refused); the ``extensions`` of an extension host, interventions (unknown tags
  kept as read) and monitoring entries as the converter reads them.

Everything else is the project converter's own hook for the declared type. A class whose
converter hook is not the project's generated one (a plugin registered its own) is structured
by that hook.

What it is for: data the store wrote. It refuses whatever the converter refuses (tested with
random damage against the converter) but its refusals carry no JSON path; the caller decodes
a refused row again through the validating path for the error
(:func:`kapnotes.store.bulk.decode_course`). It may refuse what the converter would accept in
odd cases (an enum's alias); those rows take the same slower path. The model's invariants are
the caller's business (:func:`kapnotes.model._base.trusted_construction`).
"""

from __future__ import annotations

import enum
import itertools
import threading
import typing
from collections.abc import Callable
from typing import Any

import attrs
import cattrs

from kapnotes.model.dosing import MonitoringEntry
from kapnotes.model.interventions import Intervention
from kapnotes.serialization.converter import (
    _MONITORING,
    _PRIMITIVES,
    INT64_MAX,
    INT64_MIN,
    _describe,
    _intervention_types,
    _is_optional,
    _str,
    _structure_extensions,
    _tag_of,
    _unknown_intervention,
    converter,
)

Fn = Callable[[Any], Any]


class Refused(ValueError):
    """A value the fast path does not take (the converter's own path says why)."""


def fast_structure(data: Any, cls: type) -> Any:
    """``converter().structure(data, cls)`` for an attrs class ``cls`` (see the module)."""
    return _functions(converter()).for_class(cls)(data)


def _not_a_list(value: Any) -> Any:
    """A JSON array read as a tuple (a ``list`` subclass: not from ``json.loads``, yet allowed)."""
    if not isinstance(value, list):
        raise Refused(f"expected an array, got {_describe(value)}")
    return value


def _not_an_object(value: Any) -> None:
    raise Refused(f"expected an object, got {_describe(value)}")


class _Functions:
    """The structure functions of one converter (of the default registry), by class."""

    def __init__(self, c: cattrs.Converter) -> None:
        self.c = c
        self.by_class: dict[type, Fn] = {}
        self.writing: set[type] = set()
        self.lock = threading.RLock()
        self._names = itertools.count()

    def for_class(self, cls: type) -> Fn:
        fn = self.by_class.get(cls)
        if fn is None:
            with self.lock:
                fn = self.by_class.get(cls) or self._class_fn(cls)
        return fn

    def _class_fn(self, cls: type) -> Fn:
        hook = self.c.get_structure_hook(cls)
        if isinstance(cls, type) and attrs.has(cls) and _is_generated(hook):
            self.by_class[cls] = lambda data: self.by_class[cls](data)  # a cycle finds it
            self.writing.add(cls)
            try:
                fn = self._compile(cls)
            except BaseException:
                del self.by_class[cls]
                raise
            finally:
                self.writing.discard(cls)
        else:  # a hook of the converter's own or a plugin's: as the converter does it

            def fn(data: Any, _hook: Any = hook, _cls: type = cls) -> Any:
                return _hook(data, _cls)

        self.by_class[cls] = fn
        return fn

    def _compile(self, cls: type) -> Fn:
        attrs.resolve_types(cls)
        env: dict[str, Any] = {"_not_an_object": _not_an_object, "_Refused": Refused, "_cls": cls}
        host = getattr(cls, "extension_host", "")
        required: list[str] = []
        optional: list[str] = []
        for a in attrs.fields(cls):
            if not a.init:
                continue  # cattrs leaves init=False fields out
            if host and a.name == "extensions":
                env["_ext"] = lambda v, _h=host, _c=self.c: _structure_extensions(_c, v, _h, None)
                expr = "_ext(v)"
            else:
                expr = self._expr(a.type, "v", env)
            if a.default is attrs.NOTHING:
                required.append(f"    v = o[{a.name!r}]\n    res[{a.alias!r}] = {expr}")
            else:
                optional.append(
                    f"    if {a.name!r} in o:\n        v = o[{a.name!r}]\n        res[{a.alias!r}] = {expr}\n"
                    "        n += 1"
                )
        name = f"structure_{cls.__name__}"
        lines = [
            f"def {name}(o):",
            "    if not isinstance(o, dict):",
            "        _not_an_object(o)",
            "    res = {}",
            *required,
            f"    n = {len(required)}",
            *optional,
            "    if len(o) != n:",
            "        raise _Refused('a key the class does not have, or a required one missing')",
            "    return _cls(**res)",
        ]
        source = "\n".join(lines) + "\n"
        namespace: dict[str, Any] = {}
        filename = f"<kapnotes fast structure {cls.__module__}.{cls.__qualname__}>"
        exec(compile(source, filename, "exec"), env, namespace)  # our own source
        fn: Fn = namespace[name]
        fn.__kapnotes_source__ = source  # type: ignore[attr-defined]
        return fn

    def _name(self, prefix: str) -> str:
        return f"_{prefix}{next(self._names)}"

    def _expr(self, t: Any, value: str, env: dict[str, Any]) -> str:
        """Python source of the structured form of ``value`` (a simple name) declared as ``t``."""
        inner = _optional_of(t)
        if inner is not None:
            return f"(None if {value} is None else {self._expr(inner, value, env)})"
        if t is str:
            env["_str"] = _str
            return f"({value} if type({value}) is str and {value}.isascii() else _str({value}, None))"
        if t is int:  # bool is not an int here; 64 bits
            env["_int"] = _PRIMITIVES[int]
            return (f"({value} if type({value}) is int and {INT64_MIN} <= {value} <= {INT64_MAX} "
                    f"else _int({value}, None))")
        if t in _PRIMITIVES:
            key = self._name("p")
            env[key] = _PRIMITIVES[t]
            return f"{key}({value}, None)"
        if isinstance(t, type) and issubclass(t, enum.Enum) and all(isinstance(m.value, str) for m in t):
            key = self._name("members")
            env[key] = {m.value: m for m in t}  # a str value of no member: KeyError (refused)
            return f"{key}[{value}]"
        if typing.get_origin(t) is tuple:
            args = typing.get_args(t)
            if len(args) == 2 and args[1] is Ellipsis:
                env["_not_a_list"] = _not_a_list
                x = self._name("x")
                items = f"({value} if type({value}) is list else _not_a_list({value}))"
                return f"tuple([{self._expr(args[0], x, env)} for {x} in {items}])"
        if t is Intervention:
            env["_intervention"] = self._intervention
            return f"_intervention({value})"
        if t == MonitoringEntry:
            env["_monitoring"] = self._monitoring
            return f"_monitoring({value})"
        if isinstance(t, type) and attrs.has(t):
            key = self._name("cls")
            if t in self.writing:  # a cycle: looked up when it runs
                env[key] = lambda data, _t=t: self.for_class(_t)(data)
            else:
                env[key] = self.for_class(t)
            return f"{key}({value})"
        key, tkey = self._name("hook"), self._name("t")  # the converter's own hook
        env[key], env[tkey] = self.c.get_structure_hook(t), t
        return f"{key}({value}, {tkey})"

    def _intervention(self, value: Any) -> Any:
        """As the converter's ``intervention_structure``: a tag no plugin registers kept as read."""
        types = _intervention_types(None)
        if isinstance(value, dict):
            tag = value.get("type")
            if isinstance(tag, str) and tag.strip() and tag not in types:
                return _unknown_intervention(value)
        cls = _tag_of(value, lambda: types)
        return self.for_class(cls)({k: v for k, v in value.items() if k != "type"})

    def _monitoring(self, value: Any) -> Any:
        cls = _tag_of(value, lambda: _MONITORING)
        return self.for_class(cls)({k: v for k, v in value.items() if k != "type"})


def _optional_of(t: Any) -> Any:
    """``X`` for ``X | None`` (one type and None), else None."""
    if _is_optional(t):
        args = t.__args__
        return args[0] if args[1] is type(None) else args[1]
    return None


def _is_generated(hook: Any) -> bool:
    """Whether ``hook`` is the project converter's structure of an attrs class (its keys exactly)."""
    return "attrs_structure_factory" in getattr(hook, "__qualname__", "")


_lock = threading.Lock()
_cache: tuple[cattrs.Converter, _Functions] | None = None


def _functions(c: cattrs.Converter) -> _Functions:
    global _cache
    cached = _cache
    if cached is not None and cached[0] is c:
        return cached[1]
    with _lock:
        if _cache is None or _cache[0] is not c:
            _cache = (c, _Functions(c))
        return _cache[1]
