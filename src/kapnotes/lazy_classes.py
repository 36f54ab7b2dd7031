"""attrs classes whose attrs machinery is made on first use (the model's, the registry's, errors').

``import kapnotes.model`` defines some 60 classes, and attrs spends about a quarter of a
millisecond on each (its attributes, the generated ``__init__`` compiled, the slotted class
rebuilt), while a run of kapnotes uses few of them. So :func:`lazy_frozen` makes at once only the
class that the module binds and everyone refers to — a *shell*: the same name, bases, methods and
``__slots__`` that attrs would give it — and leaves in it stand-ins for what attrs writes
(``__attrs_attrs__``, ``__init__``, ``__setattr__``, ``__getstate__``, ...). The first use of any
of them (``attrs.fields``/``attrs.has``, creating an object, pickling, ``==``) builds the class:
attrs makes its own frozen slotted class from the definition, exactly as ``@attrs.frozen``
would, and everything attrs wrote is copied onto the shell, which is then an attrs class in every
respect. The shell is checked against what attrs made (the same slots), so a definition this
module cannot mirror fails loudly instead of building a different class.

What attrs itself checks of a definition is checked at the first use too; the shell's own
checks (the fields it finds, the slots) run at once, and a definition they do not cover — a
field without an annotation, its own ``__slots__``, a ``cached_property``, a method attrs would
write — is built by attrs at once instead.

The build holds one re-entrant lock (a class's bases are built first, under the same lock), so
two threads that first use a class at once get the same, complete class; a forked child starts
with the lock free.
"""

from __future__ import annotations

import inspect
import os
import threading
from collections.abc import Callable
from typing import Any

import attrs

#: What attrs writes into a frozen, slotted class (and the methods ``model`` makes on first use).
#: Each stands as a :class:`_Pending` until built; those attrs did not write are then removed.
_ATTRS_MADE = (
    "__attrs_attrs__",
    "__eq__",
    "__ne__",
    "__hash__",
    "__repr__",
    "__attrs_props__",
    "__init__",
    "__match_args__",
    "__setattr__",
    "__delattr__",
    "__getstate__",
    "__setstate__",
)
_ATTRS_MADE_NAMES = frozenset(_ATTRS_MADE)
#: ClassVar spellings, as attrs recognises them in string annotations.
_CLASSVAR_PREFIXES = ("typing.ClassVar", "t.ClassVar", "ClassVar", "typing_extensions.ClassVar")

#: The type of what ``attrs.field()`` returns (a field specification in a class body).
FIELD_SPEC = type(attrs.field())
_FUNCTION = type(lambda: None)
_lock = threading.RLock()


def _new_lock_in_child() -> None:
    """A forked child (the batch workers) gets a free lock: a thread of the parent that held it
    does not exist there. A class half made at the fork is still pending, so it is made again."""
    global _lock
    _lock = threading.RLock()


os.register_at_fork(after_in_child=_new_lock_in_child)

#: Shell -> (the definition's class dictionary, attrs options, what to do with the built class,
#: its field names). The definition class itself is not kept: it is made again from its
#: dictionary when the shell is built, so that an unused class costs one class, not two (every
#: class kept is walked by each full garbage collection, the last ones at exit included).
_pending: dict[type, tuple[dict[str, Any], dict[str, Any], Callable[[type], None], frozenset[str]]] = {}


class _Pending:
    """Stands for ``<owner>.<name>`` in every shell until the owner is built; the first lookup
    builds it. One stand-in per name serves every shell (the owner is the first class of the
    looked-up type's MRO that holds it), so that a shell adds no objects of its own for them."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, obj: Any, objtype: type | None = None) -> Any:
        looked_up = type(obj) if objtype is None else objtype
        owner = next(c for c in looked_up.__mro__ if c.__dict__.get(self.name) is self)
        build(owner)
        return getattr(looked_up if obj is None else obj, self.name)


#: The stand-ins, one per name of :data:`_ATTRS_MADE`.
_STAND_INS = {name: _Pending(name) for name in _ATTRS_MADE}


def is_pending(cls: type) -> bool:
    """Whether ``cls`` is a shell whose attrs machinery is not made yet."""
    return isinstance(cls.__dict__.get("__attrs_attrs__"), _Pending)


def _is_class_var(annotation: Any) -> bool:
    text = annotation if type(annotation) is str else str(annotation)
    if "ClassVar" not in text:  # every spelling names it: most annotations end here
        return False
    if text[:1] in "'\"" and text[-1:] in "'\"":
        text = text[1:-1]
    return text.startswith(_CLASSVAR_PREFIXES)


def _own_field_names(cls: type, specs: set[str]) -> tuple[str, ...] | None:
    """The fields ``cls`` itself defines, in attrs' order (None: attrs would refuse the class).
    ``specs``: the names ``cls`` gives an ``attrs.field()``."""
    # Read from the class's own dictionary, as inspect.get_annotations does (in 0.07 µs
    # rather than 1 µs)
    annotations = cls.__dict__.get("__annotations__")  # noqa: RUF063
    if type(annotations) is not dict:  # not stored with the class (PEP 649): ask for them
        annotations = inspect.get_annotations(cls)
    annotated = tuple(n for n, t in annotations.items() if not _is_class_var(t))
    if specs.issubset(annotated):  # auto_attribs: every annotated name is a field
        return annotated
    return None  # unannotated fields: left to attrs (built at once)


def _field_names(cls: type) -> set[str]:
    """Every field name of an attrs class or shell, without building it."""
    found = _pending.get(cls)
    if found is not None:
        return set(found[3])
    return {a.name for a in attrs.fields(cls)}


def lazy_frozen(
    cls: type,
    options: dict[str, Any],
    finish: Callable[[type], None],
    extra: dict[str, Any] | None = None,
) -> type | None:
    """The shell of ``attrs.frozen(**options)(cls)``, built on first use; then ``finish(built)``.
    ``extra``: more entries of the shell's class dictionary (methods of the caller's own).
    ``options`` may say ``frozen=False``: the shell of ``attrs.define(**options)(cls)``.

    None when the definition is one this module does not mirror (the caller builds it at once).
    """
    if options.get("slots", True) is not True or options.get("weakref_slot", True) is not True:
        return None
    namespace = cls.__dict__
    if "__slots__" in namespace or "__attrs_pre_init__" in namespace:
        return None
    if not _ATTRS_MADE_NAMES.isdisjoint(namespace):
        return None
    # One pass over the definition: its attrs.field()s, what it holds that this module does not
    # mirror, and the methods whose ``__class__`` cell (no-argument ``super()``) must name the
    # shell.
    specs: set[str] = set()
    class_cells: list[Any] = []
    for name, value in namespace.items():
        kind = type(value)
        if kind is FIELD_SPEC:
            specs.add(name)
            continue
        if kind is str:  # the docstring, __module__, __qualname__
            continue
        if kind is _FUNCTION:  # the usual method: its cell, if it has one, is its own
            if "__class__" in value.__code__.co_freevars:
                class_cells.append(_class_cell(value))
            continue
        if kind.__name__ == "cached_property":
            return None
        cell = _class_cell(value)
        if cell is not None:
            class_cells.append(cell)
    own = _own_field_names(cls, specs)
    if own is None:
        return None
    # As attrs' slotted class: slots for the own fields (a base's slot reused), and __weakref__.
    inherited: set[str] = set()
    existing: dict[str, Any] = {}
    weakref_inherited = False
    for base in cls.__mro__[1:-1]:
        if "__attrs_attrs__" in base.__dict__:
            inherited |= _field_names(base)
        if base.__dict__.get("__weakref__") is not None:
            weakref_inherited = True
        for n in getattr(base, "__slots__", ()):
            existing[n] = getattr(base, n)
    inherited.difference_update(own)
    names = own
    if (
        "__weakref__" not in getattr(cls, "__slots__", ())
        and "__weakref__" not in names
        and not weakref_inherited
    ):
        names += ("__weakref__",)
    slot_names = [n for n in names if n not in inherited]
    definition = dict(namespace)
    definition.pop("__dict__", None)
    definition.pop("__weakref__", None)
    definition["__qualname__"] = cls.__qualname__
    body = definition.copy()
    for n in own:
        body.pop(n, None)
    body["__slots__"] = tuple(n for n in slot_names if n not in existing)
    for n in slot_names:
        if n in existing:
            body[n] = existing[n]
    body.update(_STAND_INS)
    if extra:
        body.update(extra)
    shell: type = type(cls)(cls.__name__, cls.__bases__, body)
    for cell in class_cells:  # as attrs does for its slotted rebuild
        try:
            ours = cell.cell_contents is cls
        except ValueError:  # an empty cell
            continue
        if ours:
            cell.cell_contents = shell
    with _lock:
        _pending[shell] = (definition, options, finish, frozenset((*inherited, *own)))
    return shell


def _class_cell(item: Any) -> Any:
    """The ``__class__`` cell of a method (one that calls ``super()`` without arguments or
    names ``__class__``), a classmethod's, staticmethod's or property getter's; None if it has
    none. Only code whose free variables include ``__class__`` has one."""
    if isinstance(item, (classmethod, staticmethod)):
        item = item.__func__
    elif isinstance(item, property):
        item = item.fget
    code = getattr(item, "__code__", None)
    if code is None or "__class__" not in code.co_freevars:
        return None
    return item.__closure__[code.co_freevars.index("__class__")]


#: Entries of the class attrs made that are its own layout or already the shell's.
_NOT_COPIED = frozenset({"__slots__", "__dict__", "__weakref__", "__module__", "__qualname__",
                         "__doc__", "__annotations__"})


def build(shell: type) -> None:
    """Make ``shell``'s attrs machinery now (its bases' first); nothing if it is made."""
    with _lock:
        found = _pending.get(shell)
        if found is None:
            return
        namespace, options, finish, _ = found
        for base in shell.__mro__[1:-1]:
            if base in _pending:
                build(base)
        # The definition again, from its dictionary (its methods' ``__class__`` cells already
        # name the shell, so attrs leaves them so).
        definition = type(shell)(shell.__name__, shell.__bases__, dict(namespace))
        made = _decorator(options)(definition)
        slots, expected = made.__dict__["__slots__"], shell.__dict__["__slots__"]
        if slots != expected:  # pragma: no cover - a definition this module does not mirror
            raise TypeError(f"{shell.__qualname__}: the lazily made class has the slots "
                            f"{expected}, attrs made {slots}")
        layout = set(slots)
        for name, value in made.__dict__.items():
            if name in _NOT_COPIED or name in layout:
                continue
            if definition.__dict__.get(name, _MISSING) is value:
                continue
            type.__setattr__(shell, name, value)
        finish(shell)  # before the stand-ins go: a lookup meanwhile still waits for the lock
        for name in _ATTRS_MADE:
            if isinstance(shell.__dict__.get(name), _Pending):
                type.__delattr__(shell, name)
        del _pending[shell]


_MISSING = object()


def _decorator(options: dict[str, Any]) -> Callable[[type], type]:
    """``attrs.frozen(**options)``, or ``attrs.define(**options)`` for ``frozen=False``."""
    if options.get("frozen", True):
        return attrs.frozen(**{k: v for k, v in options.items() if k != "frozen"})  # type: ignore[no-any-return]
    return attrs.define(**options)  # type: ignore[no-any-return]


def _as_made(_built: type) -> None:
    pass


def frozen(cls: type) -> type:
    """``@attrs.frozen``, with the class's attrs machinery made on its first use. (Import it
    as ``attrs.frozen`` under ``TYPE_CHECKING``, so that type checkers see an attrs class.)"""
    shell = lazy_frozen(cls, {}, _as_made)
    return attrs.frozen(cls) if shell is None else shell


def define(cls: type) -> type:
    """``@attrs.define`` (mutable, slotted), with the class's attrs machinery made on its first
    use. (Import it as ``attrs.define`` under ``TYPE_CHECKING``.)"""
    shell = lazy_frozen(cls, {"frozen": False}, _as_made)
    return attrs.define(cls) if shell is None else shell
