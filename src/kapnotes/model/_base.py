"""Shared machinery of the domain model: frozen attrs classes that check all their invariants.

Each model class is ``@model``-decorated: frozen, keyword-only, and after ``__init__`` it runs every
field check (``field(check=...)``) and the class's ``_invariants()``, collecting *all* problems
before raising one :class:`~kapnotes.errors.ModelError`. Paths are relative to the object (``$.end``);
the serialization edge re-roots them under the document path.

Fields that hold direct identifiers (HIPAA Safe Harbor, 45 CFR 164.514(b)(2)) are marked with
``identifier=True`` so that de-identification can find them by introspection.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import functools
import math
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from kapnotes.patterns import LazyPattern

if sys.version_info >= (3, 11):
    from typing import dataclass_transform
else:  # pragma: no cover
    from typing_extensions import dataclass_transform

import attrs

from kapnotes import lazy_classes as _lazy
from kapnotes.errors import ModelError, Problem

#: A check returns None when the value is fine, else a message, or (sub-path, message) to point
#: inside the value (``("[2]", "...")`` for the third element of a tuple).
Check = Callable[[Any], "str | tuple[str, str] | None"]
C = TypeVar("C", bound=type)

_CHECKS = "kapnotes_checks"
_IDENTIFIER = "kapnotes_identifier"


def field(
    *,
    check: Check | Iterable[Check] = (),
    identifier: bool = False,
    default: Any = attrs.NOTHING,
    factory: Callable[[], Any] | None = None,
    converter: Callable[[Any], Any] | None = None,
    doc: str | None = None,
    label: str | None = None,
) -> Any:
    """An attrs field with kapnotes metadata: checks to run, whether it is a direct identifier,
    its description (``doc``, in the JSON Schema) and its label in notes (``label``)."""
    checks = (check,) if callable(check) else tuple(check)
    meta: dict[str, Any] = {_CHECKS: checks, _IDENTIFIER: identifier}
    if doc:
        meta["doc"] = doc
    if label:
        meta["label"] = label
    if factory is not None:
        return attrs.field(factory=factory, metadata=meta, converter=converter)
    return attrs.field(default=default, metadata=meta, converter=converter)


def _problems(obj: Any) -> Iterator[Problem]:
    for a in attrs.fields(type(obj)):
        value = getattr(obj, a.name)
        if value is None:
            continue
        for check in a.metadata.get(_CHECKS, ()):
            msg = check(value)
            if isinstance(msg, tuple):
                yield Problem(f"$.{a.name}{msg[0]}", msg[1])
            elif msg:
                yield Problem(f"$.{a.name}", msg)
    invariants = getattr(obj, "_invariants", None)
    if invariants is not None:
        yield from invariants()


#: Set while stored, already-validated records are decoded (``kapnotes.store.bulk``): the
#: invariants were checked when the record was written, so they are not checked again.
_trusted: contextvars.ContextVar[bool] = contextvars.ContextVar("kapnotes_trusted", default=False)


@contextlib.contextmanager
def trusted_construction() -> Iterator[None]:
    """Within this block (this thread or task only), model objects skip their invariant checks.

    For decoding records the store validated when they were written; anything else is checked.
    """
    token = _trusted.set(True)
    try:
        yield
    finally:
        _trusted.reset(token)


#: Per model class: ``(field name, its checks)`` for the fields that have checks, and whether
#: the class has ``_invariants``. Worked out at the class's first instance (a class is complete
#: by then, however lazily it was built).
_check_plans: dict[type, tuple[tuple[tuple[str, tuple[Check, ...]], ...], bool]] = {}


def _check_plan(cls: type) -> tuple[tuple[tuple[str, tuple[Check, ...]], ...], bool]:
    checked = tuple(
        (a.name, tuple(a.metadata[_CHECKS])) for a in attrs.fields(cls) if a.metadata.get(_CHECKS)
    )
    plan = (checked, getattr(cls, "_invariants", None) is not None)
    _check_plans[cls] = plan
    return plan


def _a_check_speaks(
    obj: Any, checked: tuple[tuple[str, tuple[Check, ...]], ...], has_invariants: bool
) -> bool:
    """Whether any field check or invariant of ``obj`` says anything (the usual answer, no, is
    found without making a problem)."""
    for name, checks in checked:
        value = getattr(obj, name)
        if value is not None:
            for check in checks:
                if check(value) is not None:
                    return True
    return has_invariants and next(iter(obj._invariants()), None) is not None


def _post_init(self: Any) -> None:
    if _trusted.get():
        return
    cls = self.__class__
    checked, has_invariants = _check_plans.get(cls) or _check_plan(cls)
    if not _a_check_speaks(self, checked, has_invariants):
        return
    # _problems' list (all problems, in field order, then the invariants') is what is raised,
    # as it always was; a check that spoke with a falsy message ("") is no problem
    problems = list(_problems(self))
    if problems:
        raise ModelError(problems)


# --- methods made on first use --------------------------------------------------------------
#
# attrs writes and compiles ``__eq__``, ``__hash__`` and ``__repr__`` for every class as it is
# built, and most model classes are never compared, hashed or shown in a run: that was a third
# of the time of ``import kapnotes.model``. So :func:`model` builds the class without them and
# puts in their place a stand-in that writes the very methods attrs would have (same fields,
# same order, same semantics) the first time one is looked up, and replaces itself with it.

_EQ_HASH_REPR = ("__eq__", "__ne__", "__hash__", "__repr__")
_EQ_HASH_REPR_NAMES = frozenset(_EQ_HASH_REPR)


def _ne(self: Any, other: Any) -> Any:
    """``!=`` as attrs defines it: the negation of ``__eq__`` unless that is NotImplemented."""
    result = self.__eq__(other)
    if result is NotImplemented:
        return NotImplemented
    return not result


_repr_context = threading.local()


def _make_method(cls: type, name: str) -> Callable[..., Any]:
    """``cls``'s ``__eq__``, ``__hash__`` or ``__repr__``, written as attrs writes it."""
    fields = attrs.fields(cls)
    globs: dict[str, Any] = {"NOTHING": attrs.NOTHING, "_repr_context": _repr_context}
    if name == "__eq__":
        compared = [f"self.{a.name} == other.{a.name}" for a in fields if a.eq]
        lines = [
            "def __eq__(self, other):",
            "    if other.__class__ is not self.__class__:",
            "        return NotImplemented",
            f"    return ({' and '.join(compared)})" if compared else "    return True",
        ]
    elif name == "__hash__":
        hashed = [f"self.{a.name}, " for a in fields if (a.eq if a.hash is None else a.hash)]
        globs["TYPE_HASH"] = hash(f"<kapnotes model hash {cls.__module__}.{cls.__qualname__}>")
        lines = ["def __hash__(self):", f"    return hash((TYPE_HASH, {''.join(hashed)}))"]
    else:
        shown = ", ".join(
            f"{a.name}={{self.{a.name}!r}}" if a.init
            else f"{a.name}={{getattr(self, {a.name!r}, NOTHING)!r}}"
            for a in fields
            if a.repr
        )
        lines = [
            "def __repr__(self):",
            "    already = getattr(_repr_context, 'already', None)",
            "    if already is None:",
            "        already = _repr_context.already = set()",
            "    if id(self) in already:",
            "        return '...'",
            "    already.add(id(self))",
            "    try:",
            f"        return f'{{self.__class__.__qualname__.rsplit(\">.\", 1)[-1]}}({shown})'",
            "    finally:",
            "        already.discard(id(self))",
        ]
    filename = f"<kapnotes model {name} {cls.__module__}.{cls.__qualname__}>"
    exec(compile("\n".join(lines), filename, "exec"), globs)
    method: Callable[..., Any] = globs[name]
    method.__qualname__ = f"{cls.__qualname__}.{name}"
    return method


class _OnFirstUse:
    """Stands for ``owner.<name>`` until first looked up, then makes it and steps aside."""

    def __init__(self, owner: type, name: str) -> None:
        self.owner = owner
        self.name = name

    def __get__(self, obj: Any, objtype: type | None = None) -> Any:
        method = _make_method(self.owner, self.name)
        setattr(self.owner, self.name, method)
        return method if obj is None else method.__get__(obj, objtype)


def _plain_attrs(cls: type) -> bool:
    """Whether attrs must write the methods itself: the class has its own, or a field asks
    for what the stand-in does not do (a key to compare by, a repr function)."""
    namespace = cls.__dict__
    if not _EQ_HASH_REPR_NAMES.isdisjoint(namespace):
        return True
    specs: list[Any] = [v for v in namespace.values() if type(v) is _lazy.FIELD_SPEC]
    # A base still to be built was made lazily, so it has none of these (and stays unbuilt).
    for base in cls.__mro__[1:-1]:
        if "__attrs_attrs__" in base.__dict__ and not _lazy.is_pending(base):
            specs += attrs.fields(base)
    return any(
        a.eq_key is not None or callable(a.repr) or a.hash is not None for a in specs
    )


def _on_first_use(built: type) -> None:
    for name in ("__eq__", "__hash__", "__repr__"):
        setattr(built, name, _OnFirstUse(built, name))
    built.__ne__ = _ne  # type: ignore[assignment]


@dataclass_transform(
    frozen_default=True, kw_only_default=True, field_specifiers=(attrs.field, field)
)
def model(cls: C) -> C:
    """Make ``cls`` a frozen, keyword-only attrs class whose invariants are checked on creation.

    Its ``__eq__``, ``__hash__`` and ``__repr__`` are attrs' own, made on first use; the rest of
    what attrs makes is made on the class's first use too (:mod:`kapnotes.lazy_classes`)."""
    if "__attrs_post_init__" in cls.__dict__:
        raise TypeError(f"{cls.__name__}: use _invariants(), not __attrs_post_init__")
    cls.__attrs_post_init__ = _post_init  # type: ignore[attr-defined]
    if _plain_attrs(cls):
        return attrs.frozen(kw_only=True)(cls)  # type: ignore[no-any-return]
    options: dict[str, Any] = {"kw_only": True, "eq": False, "repr": False}
    shell = _lazy.lazy_frozen(cls, options, _on_first_use, {"__ne__": _ne})
    if shell is not None:
        return shell  # type: ignore[return-value]
    built: C = attrs.frozen(kw_only=True, eq=False, repr=False)(cls)
    _on_first_use(built)
    return built


T = TypeVar("T")


def evolve(obj: T, **changes: Any) -> T:
    """A copy of a model object with ``changes``, validated again (typed ``attrs.evolve``)."""
    return attrs.evolve(obj, **changes)  # type: ignore[misc, no-any-return]


def identifier_fields(cls: type) -> list[str]:
    """Names of the fields of ``cls`` that hold direct identifiers."""
    return [a.name for a in attrs.fields(cls) if a.metadata.get(_IDENTIFIER)]


def problem(path: str, message: str) -> Problem:
    return Problem(path if path.startswith("$") else f"$.{path}", message)


# --- reusable checks ---------------------------------------------------------------------------

ID_RE = LazyPattern(r"^[A-Za-z0-9][A-Za-z0-9._:/@|-]{0,127}$")


def json_schema_of(check: Any, **schema: Any) -> Any:
    """Attach the JSON Schema keywords that express ``check`` (used by the schema generator)."""
    check.json_schema = schema
    return check


def valid_id(value: str) -> str | None:
    if not ID_RE.fullmatch(value):  # fullmatch: "$" alone lets a trailing newline through
        return (
            f"expected an identifier of 1-128 characters (letters, digits and . _ : / @ | -), "
            f"starting with a letter or digit, got {value!r}"
        )
    return None


json_schema_of(valid_id, pattern=ID_RE.pattern)


def non_blank(value: str) -> str | None:
    return "must not be empty or only white space" if not value.strip() else None


json_schema_of(non_blank, minLength=1, pattern=r"\S")


def max_len(n: int) -> Check:
    def check(value: str) -> str | None:
        return f"must be at most {n} characters, got {len(value)}" if len(value) > n else None

    return json_schema_of(check, maxLength=n)  # type: ignore[no-any-return]


def in_range(lo: float, hi: float, *, unit: str = "") -> Check:
    """Inclusive range check for numbers; NaN and infinities are refused."""
    suffix = f" {unit}" if unit else ""

    def check(value: float) -> str | None:
        if isinstance(value, float) and not math.isfinite(value):
            return f"expected a finite number, got {value}"
        if not lo <= value <= hi:
            return f"expected a number from {_num(lo)} to {_num(hi)}{suffix}, got {_num(value)}"
        return None

    return json_schema_of(check, minimum=lo, maximum=hi)  # type: ignore[no-any-return]


def positive(limit: float, *, unit: str = "") -> Check:
    """Strictly positive and at most ``limit`` (a plausibility ceiling)."""
    suffix = f" {unit}" if unit else ""

    def check(value: float) -> str | None:
        if isinstance(value, float) and not math.isfinite(value):
            return f"expected a finite number, got {value}"
        if not 0 < value <= limit:
            return f"expected a number > 0 and <= {_num(limit)}{suffix}, got {_num(value)}"
        return None

    return json_schema_of(check, exclusiveMinimum=0, maximum=limit)  # type: ignore[no-any-return]


#: The largest UTC offset accepted (ISO 8601 / RFC 9557 allow offsets to 18 hours; real zones
#: stay within -12:00 and +14:00).
MAX_UTC_OFFSET = dt.timedelta(hours=18)


def aware(value: dt.datetime) -> str | None:
    offset = value.utcoffset() if value.tzinfo is not None else None
    if offset is None:
        return "expected a date-time with a UTC offset (e.g. 2026-03-02T09:00:00-05:00)"
    if abs(offset) > MAX_UTC_OFFSET:
        return f"expected a UTC offset within -18:00 and +18:00, got {value.isoformat()}"
    try:
        value.astimezone(dt.timezone.utc)
    except OverflowError:
        return f"the date-time {value.isoformat()} is out of range in UTC (years 1 to 9999)"
    return None


def valid_timezone(value: str | None) -> str | None:
    """An IANA time zone name known to the tz database (``America/Denver``)."""
    if value is None:
        return None
    import zoneinfo

    if value not in _timezones():
        return f"expected an IANA time zone such as 'America/Denver', got {value!r}"
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return f"the time zone {value!r} is not in this system's tz database"
    return None


@functools.cache
def _timezones() -> frozenset[str]:
    import zoneinfo

    return frozenset(zoneinfo.available_timezones()) | {"UTC"}


def each(check: Check) -> Check:
    """Apply ``check`` to every element of a tuple; reports the first failing index."""

    def run(values: tuple[Any, ...]) -> tuple[str, str] | None:
        for i, v in enumerate(values):
            msg = check(v)
            if isinstance(msg, tuple):
                return (f"[{i}]{msg[0]}", msg[1])
            if msg:
                return (f"[{i}]", msg)
        return None

    inner = getattr(check, "json_schema", None)
    return json_schema_of(run, items=inner) if inner else run


def checks_of(a: attrs.Attribute) -> tuple[Check, ...]:  # type: ignore[type-arg]
    return tuple(a.metadata.get(_CHECKS, ()))


def unique_by(key: Callable[[Any], Any], what: str) -> Check:
    def check(values: tuple[Any, ...]) -> str | None:
        seen: set[Any] = set()
        for v in values:
            k = key(v)
            if k in seen:
                return f"duplicate {what} {k!r}"
            seen.add(k)
        return None

    return check


def _num(x: float) -> str:
    return f"{x:g}" if isinstance(x, float) else str(x)
