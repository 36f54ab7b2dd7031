"""Unstructuring without the general converter's dispatch: one function per class, written once.

:func:`fast_unstructure` gives exactly what ``converter().unstructure`` gives (the same dicts,
lists and values, so the same canonical JSON, content hashes and signatures), several times
faster. The save path unstructures every session it writes; the converter does it through
generic hooks that dispatch on each value's type again and again (optional fields, tuples, the
tagged unions).

For each attrs class, at its first use, the source of a function is written and compiled, like
cattrs' own generated functions but with each field's handler inlined: a ``str``, ``int``,
``bool``, enum or ``Literal`` field is taken as it is, a ``float`` through ``float()``, a date
or date-time by ``isoformat()``, a tuple as a list of its elements' forms, an optional field
as ``None`` or its form. Defaults are omitted exactly as the project converter omits them
(``omit_if_default``: the value compared with the default, or with a factory's fresh value).

Everything else is the project converter's own hook for the declared type, looked up once: the
extensions mapping, a plugin's types, unknown interventions. A class whose converter hook is
not the one cattrs generates (a plugin registered its own) is unstructured by that hook. The
functions are kept per converter, so a new converter (after plugins changed, see
:func:`kapnotes.serialization.reset_converter`) gets new ones.
"""

from __future__ import annotations

import datetime as dt
import enum
import itertools
import threading
import typing
from collections.abc import Callable
from typing import Any, Literal

import attrs
import cattrs

from kapnotes.model.dosing import MONITORING_TYPES, MonitoringEntry
from kapnotes.model.extensions import Extensions
from kapnotes.model.interventions import Intervention
from kapnotes.serialization.converter import converter

Fn = Callable[[Any], Any]

#: Types whose values are their own unstructured form (the converter passes them through).
_AS_IS = (str, int, bool)
#: Default factories that make the same empty value at every call (compared, never handed out).
_PURE_FACTORIES: frozenset[Any] = frozenset({tuple, frozenset, list, dict, set, Extensions})


def fast_unstructure(obj: Any) -> Any:
    """``converter().unstructure(obj)``, from functions written per class (see the module)."""
    return _functions(converter()).for_runtime(type(obj))(obj)


class _Functions:
    """The unstructure functions of one converter, written at first use, by class."""

    def __init__(self, c: cattrs.Converter) -> None:
        self.c = c
        self.by_class: dict[type, Fn] = {}
        self.writing: set[type] = set()
        self.lock = threading.RLock()
        self._names = itertools.count()

    def for_runtime(self, cls: type) -> Fn:
        """The function for a value of runtime class ``cls`` (as unstructured as itself)."""
        fn = self.by_class.get(cls)
        if fn is None:
            with self.lock:
                fn = self.by_class.get(cls) or self._class_fn(cls)
        return fn

    def _class_fn(self, cls: type) -> Fn:
        hook = self.c.get_unstructure_hook(cls)
        if not (isinstance(cls, type) and attrs.has(cls)):
            fn = hook
        elif _is_generated(hook, cls):
            fn = self._write(cls, tagged=False)
        elif _is_tagged_member(cls) and "tagged_unstructure_factory" in getattr(
            hook, "__qualname__", ""
        ):
            fn = self._write(cls, tagged=True)
        else:  # a hook of the project converter's own (unknown interventions) or a plugin's
            fn = hook
        self.by_class[cls] = fn
        return fn

    def _write(self, cls: type, *, tagged: bool) -> Fn:
        """Compile the function of attrs class ``cls`` (cattrs' generated logic, inlined)."""
        # A placeholder first, so that a class reached again while it is written (a cycle)
        # finds a function that looks the finished one up when it runs.
        self.by_class[cls] = lambda obj: self.by_class[cls](obj)
        self.writing.add(cls)
        try:
            return self._compile(cls, tagged=tagged)
        except BaseException:
            del self.by_class[cls]  # no placeholder left to loop on
            raise
        finally:
            self.writing.discard(cls)

    def _compile(self, cls: type, *, tagged: bool) -> Fn:
        attrs.resolve_types(cls)
        env: dict[str, Any] = {}
        required: list[str] = []
        optional: list[str] = []
        for a in attrs.fields(cls):
            if not a.init:
                continue  # cattrs leaves init=False fields out (_cattrs_include_init_false)
            value = f"instance.{a.name}"
            expr = self._expr(a.type, "v", env)
            if a.default is attrs.NOTHING:
                required.append(f"    {a.name!r}: {self._expr(a.type, value, env)},")
                continue
            d = f"_d_{a.name}"
            test = f"v != {d}"
            if isinstance(a.default, attrs.Factory):  # type: ignore[arg-type]
                factory = a.default.factory  # type: ignore[attr-defined]
                env[f"_f_{a.name}"] = factory
                if a.default.takes_self:  # type: ignore[attr-defined]
                    default = f"_f_{a.name}(instance)"
                else:
                    default = f"_f_{a.name}()"
                if a.converter is not None:
                    env[f"_c_{a.name}"] = a.converter
                    default = f"_c_{a.name}({default})"
                if factory in _PURE_FACTORIES and not a.default.takes_self:  # type: ignore[attr-defined]
                    # the same empty value every time: made once (never handed out)
                    made = factory()
                    env[d] = made if a.converter is None else a.converter(made)
                else:
                    test = f"v != {default}"
            elif a.default is None:
                # ``v != None`` is ``v is not None`` for every model value (no __eq__ says it
                # equals None); then the value is not None, so its form needs no check
                test = "v is not None"
                inner = _optional_of(a.type)
                if inner is not None:
                    expr = self._expr(inner, "v", env)
            else:
                env[d] = a.default
            optional.append(f"    v = {value}\n    if {test}:\n        res[{a.name!r}] = {expr}")
        head = "{'type': instance.type, " if tagged else "{"
        name = f"unstructure_{cls.__name__}"
        lines = [f"def {name}(instance):", f"    res = {head}", *required, "    }", *optional,
                 "    return res"]
        source = "\n".join(lines) + "\n"
        env["_runtime"] = self.for_runtime
        namespace: dict[str, Any] = {}
        filename = f"<kapnotes fast unstructure {cls.__module__}.{cls.__qualname__}>"
        exec(compile(source, filename, "exec"), env, namespace)  # our own source
        fn: Fn = namespace[name]
        fn.__kapnotes_source__ = source  # type: ignore[attr-defined]
        return fn

    def _expr(self, t: Any, value: str, env: dict[str, Any]) -> str:
        """Python source of the unstructured form of ``value`` declared as type ``t``."""
        inner = _optional_of(t)
        if inner is not None:
            tmp = f"_o{next(self._names)}"
            form = self._expr(inner, tmp, env)
            if form == tmp:  # None and the value alike are as they are
                return value
            return f"(None if ({tmp} := {value}) is None else {form})"
        if t in _AS_IS or _is_literal(t) or (isinstance(t, type) and issubclass(t, enum.Enum)):
            return value
        if t is float:
            return f"float({value})"
        if t in (dt.date, dt.datetime):
            return f"{value}.isoformat()"
        if typing.get_origin(t) is tuple:
            args = typing.get_args(t)
            if len(args) == 2 and args[1] is Ellipsis:
                x = f"_x{next(self._names)}"
                elem = self._expr(args[0], x, env)
                return f"list({value})" if elem == x else f"[{elem} for {x} in {value}]"
        if t is Intervention or t == MonitoringEntry:  # dispatch on the runtime class
            return f"_runtime(type({value}))({value})"
        if isinstance(t, type) and attrs.has(t):
            key = f"_cls{next(self._names)}"
            fn = self.for_runtime(t)
            if t in self.writing:  # a cycle: looked up when it runs
                env[key] = t
                return f"_runtime({key})({value})"
            env[key] = fn
            return f"{key}({value})"
        key = f"_hook{next(self._names)}"  # the converter's own hook for the declared type
        env[key] = self.c.get_unstructure_hook(t)
        return f"{key}({value})"


def _optional_of(t: Any) -> Any:
    """``X`` for ``X | None`` (one type and None), else None."""
    if typing.get_origin(t) in (typing.Union, _UnionType):
        args = [a for a in typing.get_args(t) if a is not type(None)]
        if len(args) == 1 and len(typing.get_args(t)) == 2:
            return args[0]
    return None


_UnionType = type(int | None)


def _is_literal(t: Any) -> bool:
    return typing.get_origin(t) is Literal  # type: ignore[comparison-overlap]


def _is_generated(hook: Any, cls: type) -> bool:
    """Whether ``hook`` is the function cattrs writes for ``cls`` (no hook of anyone's own)."""
    code = getattr(hook, "__code__", None)
    return code is not None and code.co_filename == (
        f"<cattrs generated unstructure {cls.__module__}.{cls.__qualname__}>"
    )


def _is_tagged_member(cls: type) -> bool:
    """A member of a tagged union (its ``type`` key first), as the project converter has it
    (``is_tagged_member`` in :mod:`kapnotes.serialization.converter`)."""
    return issubclass(cls, (Intervention, *MONITORING_TYPES)) and bool(getattr(cls, "type", ""))


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
