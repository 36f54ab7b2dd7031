"""The one cattrs converter of the project, and the strict rules at the JSON edge.

Strict primitives: a float is not an int (12.9 and 12.0 are refused for an integer field), a
string is not a bool ("false" is refused), a bool is not a number, integers must fit in 64 bits
(2**70 is refused), floats must be finite. Unknown keys are refused. Date-times need a UTC offset.
Interventions and monitoring entries are tagged unions keyed by ``type``; intervention types come
from the plugin registry, so a clinic's plugin extends the format: :func:`converter` takes
``registry=`` (None: the default registry, looked up when an intervention is read; see
:mod:`kapnotes.registry`). So do extension fields (``"extensions": {"<namespace>": {...}}``,
:mod:`kapnotes.model.extensions`): a declared namespace is structured as its plugin's class,
strictly; an undeclared one is kept as read.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import math
import re
import sys
import threading
import types
import typing
from collections.abc import Callable
from typing import Any, Literal

import attrs
import cattrs
from cattrs.errors import (
    AttributeValidationNote,
    ClassValidationError,
    IterableValidationError,
    IterableValidationNote,
)
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from kapnotes.model.dosing import MONITORING_TYPES, MonitoringEntry
from kapnotes.model.extensions import (
    NAMESPACE_RE,
    Extension,
    Extensions,
    UnknownExtension,
)
from kapnotes.model.interventions import Intervention, UnknownIntervention
from kapnotes.patterns import LazyPattern
from kapnotes.registry import Registry, resolve

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
# ASCII digits only (re.ASCII): without it Python's \d matches other scripts' digits too.
_DATE_RE = LazyPattern(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)
_DATETIME_RE = LazyPattern(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$", re.ASCII
)


class EdgeError(ValueError):
    """A value at the JSON edge has the wrong type or shape. The message says what was expected."""


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"boolean {str(value).lower()}"
    if isinstance(value, int):
        return (
            f"integer {value}"
            if abs(value) < 10**12
            else f"integer with {len(str(abs(value)))} digits"
        )
    if isinstance(value, float):
        return f"number {value!r}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"string {shown!r}"
    if isinstance(value, list):
        return f"array of {len(value)}"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


_SURROGATE = LazyPattern("[\ud800-\udfff]")


def _str(value: Any, _: Any) -> str:
    if not isinstance(value, str):
        raise EdgeError(f"expected a string, got {_describe(value)}")
    if not value.isascii():  # a surrogate is not ASCII: most strings need no search
        found = _SURROGATE.search(value)
        if found is not None:
            raise EdgeError(
                f"invalid Unicode: lone surrogate U+{ord(found.group()):04X} at character {found.start()}"
            )
    return value


def _int(value: Any, _: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise EdgeError(f"expected an integer, got {_describe(value)}")
    if not INT64_MIN <= value <= INT64_MAX:
        raise EdgeError(f"expected an integer that fits in 64 bits, got {_describe(value)}")
    return value


def _float(value: Any, _: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise EdgeError(f"expected a number, got {_describe(value)}")
    if isinstance(value, int) and not INT64_MIN <= value <= INT64_MAX:
        raise EdgeError(f"expected a number that fits in 64 bits, got {_describe(value)}")
    f = float(value)
    if not math.isfinite(f):
        raise EdgeError(f"expected a finite number, got {value!r}")
    return f


def _bool(value: Any, _: Any) -> bool:
    if not isinstance(value, bool):
        raise EdgeError(f"expected true or false, got {_describe(value)}")
    return value


def _date(value: Any, _: Any) -> dt.date:
    if not isinstance(value, str) or not _DATE_RE.match(value):
        raise EdgeError(f"expected a date as YYYY-MM-DD, got {_describe(value)}")
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise EdgeError(f"invalid date {value!r}: {exc}") from None


def _datetime(value: Any, _: Any) -> dt.datetime:
    if not isinstance(value, str) or not _DATETIME_RE.match(value):
        raise EdgeError(
            "expected an ISO 8601 date-time with a UTC offset "
            f"(e.g. 2026-03-02T09:30:00-07:00), got {_describe(value)}"
        )
    text = value[:-1] + "+00:00" if value.endswith("Z") else value
    if len(text) >= 3 and text[-3] == ":" and text[-2:].isdigit() and int(text[-2:]) > 59:
        raise EdgeError(f"invalid date-time {value!r}: offset minutes must be below 60")
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError as exc:
        raise EdgeError(f"invalid date-time {value!r}: {exc}") from None


_PRIMITIVES: dict[Any, Callable[[Any, Any], Any]] = {
    str: _str,
    int: _int,
    float: _float,
    bool: _bool,
    dt.date: _date,
    dt.datetime: _datetime,
}


def _enum_hook(cls: type[enum.Enum]) -> Callable[[Any, Any], enum.Enum]:
    allowed = [m.value for m in cls]

    def structure(value: Any, _: Any) -> enum.Enum:
        if isinstance(value, str):
            try:
                return cls(value)
            except ValueError:
                pass
        raise EdgeError(f"expected one of {', '.join(map(repr, allowed))}; got {_describe(value)}")

    return structure


def _is_tuple(t: Any) -> bool:
    return typing.get_origin(t) is tuple


def _literal_hook(t: Any) -> Callable[[Any, Any], Any]:
    allowed = typing.get_args(t)

    def structure(value: Any, _: Any) -> Any:
        if value in allowed and type(value) is type(allowed[0]):
            return value
        raise EdgeError(f"expected {' or '.join(map(repr, allowed))}, got {_describe(value)}")

    return structure


class UnknownTypeError(EdgeError):
    pass


def _intervention_types(registry: Registry | None) -> dict[str, type[Intervention]]:
    return {t.type: t for t in resolve(registry).intervention_types}


def _extensions(host: str, registry: Registry | None) -> dict[str, Extension]:
    """The declared extensions of ``host``, by namespace."""
    return {e.namespace: e for e in resolve(registry).extensions if e.host == host}


#: Set by :func:`strict_extensions`: refuse namespaces no installed plugin declares.
_strict_extensions = threading.local()


class strict_extensions:
    """``with strict_extensions():`` structures refuse an undeclared extension namespace
    (``kapnotes import --strict-extensions``) instead of keeping it opaque."""

    def __enter__(self) -> None:
        self._was = getattr(_strict_extensions, "on", False)
        _strict_extensions.on = True

    def __exit__(self, *_exc: object) -> None:
        _strict_extensions.on = self._was


def _tag_of(value: Any, known: Callable[[], dict[str, type]]) -> type:
    if not isinstance(value, dict):
        raise EdgeError(f"expected an object with a 'type' key, got {_describe(value)}")
    tag = value.get("type")
    types = known()
    if tag not in types:
        shown = "missing" if tag is None else repr(tag)
        raise UnknownTypeError(
            f"'type' is {shown}; expected one of {', '.join(map(repr, sorted(types)))}"
        )
    return types[tag]


_MONITORING = {t.type: t for t in MONITORING_TYPES}


def _check_json_value(value: Any, where: str = "") -> None:
    """The JSON of an unknown intervention obeys the same value rules as the rest (int64 range,
    finite numbers, valid Unicode), so writing it back cannot fail or change it."""
    if isinstance(value, dict):
        for k, v in value.items():
            _check_json_value(k, f"{where}.{k} (key)")
            _check_json_value(v, f"{where}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _check_json_value(v, f"{where}[{i}]")
    elif isinstance(value, (str, int, float)) and not isinstance(value, bool):
        try:
            _PRIMITIVES[type(value)](value, type(value))
        except EdgeError as exc:
            raise EdgeError(f"at {where.lstrip('.')}: {exc}") from None


def _unknown_intervention(value: dict[str, Any]) -> UnknownIntervention:
    _check_json_value(value)
    raw = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return UnknownIntervention(tag=value["type"], raw=raw)


def _structure_keyed(
    value: Any, what: str, label: str, one: Callable[[str, Any], Any], cls: type, group: str
) -> dict[str, Any]:
    """Structure each ``key: value`` of a JSON object with ``one(key, value)``, collecting every
    failure with its key (cattrs' own form, so paths name it) before raising them together."""
    if not isinstance(value, dict):
        raise EdgeError(f"expected an object of {what}, got {_describe(value)}")
    found: dict[str, Any] = {}
    errors: list[Exception] = []
    for key, v in value.items():
        try:
            found[key] = one(key, v)
        except Exception as exc:  # noqa: BLE001 - collected and re-raised as a group
            note = AttributeValidationNote(f"Structuring {label} @ attribute {key}", key, object)
            exc.__notes__ = [*getattr(exc, "__notes__", []), note]  # type: ignore[attr-defined]
            errors.append(exc)
    if errors:
        raise ClassValidationError(f"While structuring {group}", errors, cls)
    return found


def _structure_extensions(
    c: cattrs.Converter, value: Any, host: str, registry: Registry | None
) -> Extensions:
    """The ``extensions`` object of a ``host``: each declared namespace as its class (every
    problem with its path), each undeclared one kept opaque (or refused when strict)."""
    declared = _extensions(host, registry)

    def one(ns: str, v: Any) -> Any:
        if not NAMESPACE_RE.match(ns):
            raise EdgeError(f"invalid extension namespace {ns!r} (lower-case letters, "
                            "digits and '_', starting with a letter)")
        spec = declared.get(ns)
        if spec is not None:
            if not isinstance(v, dict):
                raise EdgeError(f"expected an object, got {_describe(v)}")
            return c.structure(v, spec.fields)
        if getattr(_strict_extensions, "on", False):
            known = ", ".join(sorted(declared)) or "none"
            raise EdgeError(f"extension namespace {ns!r} is not declared by an installed "
                            f"plugin for {host} (declared: {known}); is its plugin installed?")
        _check_json_value(v)
        raw = json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return UnknownExtension(ns, raw)

    return Extensions(_structure_keyed(value, "extension namespaces", "extension", one,
                                       Extensions, "extensions"))


def _structure_plugin_sections(c: cattrs.Converter, value: Any, registry: Registry | None) -> Any:
    """The ``plugins`` object of a clinic configuration: each section as its plugin's class."""
    from kapnotes.rules.plugin_config import PluginSections

    declared = {s.name: s for s in resolve(registry).config_sections}

    def one(name: str, v: Any) -> Any:
        section = declared.get(name)
        if section is None:
            known = ", ".join(sorted(declared)) or "none"
            raise EdgeError(f"no installed plugin declares the configuration section "
                            f"{name!r} (declared: {known})")
        if not isinstance(v, dict):
            raise EdgeError(f"expected an object, got {_describe(v)}")
        return c.structure(v, section.fields)

    return PluginSections(_structure_keyed(value, "plugin sections", "section", one,
                                           PluginSections, "plugin sections"))


def _unstructure_extensions(c: cattrs.Converter, ext: Extensions) -> dict[str, Any]:
    return {
        ns: v.data if isinstance(v, UnknownExtension) else c.unstructure(v, unstructure_as=type(v))
        for ns, v in ext.entries
    }


def _is_plugin_sections(t: Any) -> bool:
    """Whether ``t`` is the clinic configuration's ``PluginSections``: by a look at the loaded
    modules, so that building the converter does not import the rules (a class of a module not
    imported is not being read)."""
    module = sys.modules.get("kapnotes.rules.plugin_config")
    return module is not None and t is getattr(module, "PluginSections", None)


def _make_converter(registry: Registry | None = None) -> cattrs.Converter:
    c = cattrs.Converter(detailed_validation=True, forbid_extra_keys=True, omit_if_default=True)
    # ``X | None``: what cattrs' own hook does (None stays None, else X's hook), with X's hook
    # looked up once per type instead of once per value (registered first: any later, more
    # specific hook still wins).
    c.register_structure_hook_factory(_is_optional, lambda t: _optional_hook(c, t))
    # cattrs dispatches primitives by singledispatch, so a ``str`` hook also receives str-based
    # enums and an ``int`` hook receives bool: one hook per base decides by the exact class.
    enum_hooks: dict[type, Callable[[Any, Any], Any]] = {}

    def primitive(value: Any, cl: Any) -> Any:
        exact = _PRIMITIVES.get(cl)
        if exact is not None:
            return exact(value, cl)
        if isinstance(cl, type) and issubclass(cl, enum.Enum):
            hook = enum_hooks.get(cl) or enum_hooks.setdefault(cl, _enum_hook(cl))
            return hook(value, cl)
        raise EdgeError(f"cannot read a value of type {cl!r}")  # pragma: no cover

    for t in (str, int, float, bool, dt.date, dt.datetime):
        c.register_structure_hook(t, primitive)
    c.register_unstructure_hook_func(lambda x: x in (dt.date, dt.datetime), lambda d: d.isoformat())
    # A Python caller may put 9 in a float field; the document always says 9.0 (stable bytes).
    c.register_unstructure_hook_func(lambda x: x is float, float)
    c.register_structure_hook_factory(
        lambda t: isinstance(t, type) and issubclass(t, enum.Enum), _enum_hook
    )
    c.register_structure_hook_factory(
        lambda t: typing.get_origin(t) is Literal,  # type: ignore[comparison-overlap]
        _literal_hook,
    )

    def tuple_hook(t: Any) -> Callable[[Any, Any], tuple[Any, ...]]:
        elem_t = typing.get_args(t)[0]

        def structure(value: Any, _: Any) -> tuple[Any, ...]:
            if not isinstance(value, list):
                raise EdgeError(f"expected an array, got {_describe(value)}")
            return _structure_items(c, value, elem_t)

        return structure

    c.register_structure_hook_factory(_is_tuple, tuple_hook)

    # Every attrs class: an object with exactly its keys.
    def attrs_structure_factory(cls: type) -> Callable[[Any, Any], Any]:
        host = getattr(cls, "extension_host", "")
        overrides: dict[str, Any] = {}
        if host:
            overrides["extensions"] = override(
                struct_hook=lambda value, _t: _structure_extensions(c, value, host, registry)
            )
        fn: Callable[[Any, Any], Any] = make_dict_structure_fn(
            cls, c, _cattrs_forbid_extra_keys=True, **overrides
        )

        def structure(value: Any, t: Any) -> Any:
            if not isinstance(value, dict):
                raise EdgeError(f"expected an object, got {_describe(value)}")
            return fn(value, t)

        return structure

    def is_concrete_attrs(t: Any) -> bool:
        return isinstance(t, type) and attrs.has(t) and t is not Intervention

    c.register_structure_hook_factory(is_concrete_attrs, attrs_structure_factory)

    # Tagged unions: interventions (members come from plugins) and monitoring entries.
    def tagged_structure(known: Callable[[], dict[str, type]]) -> Callable[[Any, Any], Any]:
        def structure(value: Any, _: Any) -> Any:
            cls = _tag_of(value, known)
            return c.structure({k: v for k, v in value.items() if k != "type"}, cls)

        return structure

    def intervention_structure(value: Any, t: Any) -> Any:
        types = _intervention_types(registry)
        # A string tag no installed plugin registers: kept as read (the data outlives its plugin).
        if isinstance(value, dict):
            tag = value.get("type")
            if isinstance(tag, str) and tag.strip() and tag not in types:
                return _unknown_intervention(value)
        return tagged_structure(lambda: types)(value, t)

    c.register_structure_hook_func(lambda t: t is Intervention, intervention_structure)
    # By predicate, not by class: cattrs' register_unstructure_hook asks attrs.has of the class,
    # which would make the (lazily made) model class at every converter's set-up.
    c.register_unstructure_hook_func(lambda t: t is UnknownIntervention, lambda obj: obj.data)
    c.register_structure_hook_func(
        lambda t: t == MonitoringEntry, tagged_structure(lambda: _MONITORING)
    )

    def tagged_unstructure_factory(cls: type) -> Callable[[Any], dict[str, Any]]:
        fn: Callable[[Any], dict[str, Any]] = make_dict_unstructure_fn(
            cls, c, _cattrs_omit_if_default=True
        )

        def unstructure(obj: Any) -> dict[str, Any]:
            return {"type": obj.type, **fn(obj)}

        return unstructure

    def is_tagged_member(t: Any) -> bool:
        return (
            isinstance(t, type)
            and attrs.has(t)
            and issubclass(t, (Intervention, *MONITORING_TYPES))
            and bool(getattr(t, "type", ""))
        )

    c.register_unstructure_hook_factory(is_tagged_member, tagged_unstructure_factory)

    # Declared as the base class or the union: dispatch on the runtime class.
    def by_runtime_class(obj: Any) -> Any:
        return c.unstructure(obj, unstructure_as=type(obj))

    c.register_unstructure_hook(Extensions, lambda ext: _unstructure_extensions(c, ext))
    c.register_structure_hook_func(
        _is_plugin_sections, lambda v, _t: _structure_plugin_sections(c, v, registry)
    )
    c.register_unstructure_hook_func(
        _is_plugin_sections,
        lambda ps: {n: c.unstructure(v, unstructure_as=type(v)) for n, v in ps.items()},
    )
    c.register_unstructure_hook_func(lambda t: t is Intervention, by_runtime_class)
    c.register_unstructure_hook_func(lambda t: t == MonitoringEntry, by_runtime_class)
    return c


def _is_optional(t: Any) -> bool:
    """Whether ``t`` is ``X | None`` (``Optional[X]``): a union of exactly one type and None."""
    return typing.get_origin(t) in _UNIONS and len(t.__args__) == 2 and type(None) in t.__args__


_UNIONS: tuple[Any, ...] = (typing.Union, types.UnionType)


def _optional_hook(c: cattrs.Converter, union: Any) -> Callable[[Any, Any], Any]:
    """The structure hook of ``union`` (``X | None``): None as is, anything else by X's hook."""
    args = union.__args__
    other = args[0] if args[1] is type(None) else args[1]
    inner: list[Callable[[Any, Any], Any]] = []  # found on first use (X may refer back to itself)

    def structure(value: Any, _: Any) -> Any:
        if value is None:
            return None
        if not inner:
            inner.append(c.get_structure_hook(other))
        return inner[0](value, other)

    return structure


def _structure_items(c: cattrs.Converter, value: list[Any], elem_t: Any) -> tuple[Any, ...]:
    """Structure every element, collecting all failures with their index (cattrs' own form)."""
    out = []
    errors: list[Exception] = []
    hook = c.get_structure_hook(elem_t)  # once for the array, not once per element
    for i, v in enumerate(value):
        try:
            out.append(hook(v, elem_t))
        except Exception as exc:  # noqa: BLE001 - collected and re-raised as a group
            note = IterableValidationNote(f"Structuring item @ index {i}", i, elem_t)
            exc.__notes__ = [*getattr(exc, "__notes__", []), note]  # type: ignore[attr-defined]
            errors.append(exc)
    if errors:
        raise IterableValidationError("While structuring an array", errors, tuple)
    return tuple(out)


_lock = threading.Lock()
_converter: cattrs.Converter | None = None
#: Converters of explicitly given registries, by ``id`` (the registry is kept alive with it).
_by_registry: dict[int, tuple[Registry, cattrs.Converter]] = {}
_KEEP = 8


def converter(registry: Registry | None = None) -> cattrs.Converter:
    """The project converter reading the intervention types of ``registry``.

    ``None``: the default registry's, looked up as each intervention is read (the converter is
    built once). A converter of an explicit registry is kept for the last few registries.
    """
    global _converter
    with _lock:
        if registry is None:
            if _converter is None:
                _converter = _make_converter()
            return _converter
        found = _by_registry.get(id(registry))
        if found is not None and found[0] is registry:
            return found[1]
        if len(_by_registry) >= _KEEP:
            del _by_registry[next(iter(_by_registry))]
        made = _make_converter(registry)
        _by_registry[id(registry)] = (registry, made)
        return made


def reset_converter() -> None:
    """Forget the converters built so far (after plugins changed)."""
    global _converter
    with _lock:
        _converter = None
        _by_registry.clear()
