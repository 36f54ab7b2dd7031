"""Model classes made on first use (``kapnotes.lazy_classes``) are the classes attrs makes.

``import kapnotes.model`` binds a shell for each class and builds its attrs machinery the first
time it is used: these tests use classes first in every way (creating, ``attrs.fields``/``has``,
pickling, cattrs, two threads at once), in fresh processes where the import must not hide it.
"""

from __future__ import annotations

import copy
import inspect
import subprocess
import sys
import threading
from typing import ClassVar

import attrs
import pytest

import kapnotes.model as model_pkg
from kapnotes import lazy_classes as _lazy
from kapnotes.errors import ModelError
from kapnotes.model._base import field, in_range, model
from kapnotes.serialization import converter


def fresh(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def model_classes() -> list[type]:
    return [v for v in vars(model_pkg).values()
            if isinstance(v, type) and v.__module__.startswith("kapnotes.model.")
            and "__attrs_post_init__" in v.__dict__]


def test_importing_the_model_builds_no_class_and_first_use_builds_one():
    out = fresh(
        "import attrs\n"
        "from kapnotes import lazy_classes as _lazy\n"
        "from kapnotes.model import Clinic, Session\n"
        "print(_lazy.is_pending(Clinic), _lazy.is_pending(Session))\n"
        "c = Clinic(id='c-1', name='Harbor')\n"
        "print(_lazy.is_pending(Clinic), _lazy.is_pending(Session), c.name)\n"
    )
    assert out.splitlines() == ["True True", "False True Harbor"]


def test_every_model_class_builds_as_attrs_would_make_it():
    """Built in a fresh process by ``attrs.fields`` (the build checks the slots against attrs');
    each is then a frozen, slotted, keyword-only attrs class."""
    out = fresh(
        "import attrs, inspect, kapnotes.model as m\n"
        "from kapnotes import lazy_classes as _lazy\n"
        "classes = [v for v in vars(m).values() if isinstance(v, type)\n"
        "           and '__attrs_post_init__' in v.__dict__]\n"
        "pending = sum(_lazy.is_pending(c) for c in classes)\n"
        "for c in classes:\n"
        "    assert attrs.has(c), c\n"
        "    names = [a.name for a in attrs.fields(c)]\n"
        "    assert not _lazy.is_pending(c), c\n"
        "    assert '__dict__' not in dir(c), c\n"
        "    params = inspect.signature(c).parameters.values()\n"
        "    assert [p.name for p in params] == [a.alias for a in attrs.fields(c) if a.init], c\n"
        "    assert all(p.kind is p.KEYWORD_ONLY for p in params), c\n"
        "print(len(classes), pending)\n"
    )
    total, pending = map(int, out.split())
    assert total > 50
    assert pending > 50  # nearly all were made lazily


def test_an_object_pickled_is_read_back_where_its_class_is_not_built_yet():
    """The batch workers' case: the pickle is loaded in a process that never used the class."""
    made = subprocess.run(
        [sys.executable, "-c",
         "import pickle, sys\n"
         "from kapnotes.model import Clinic\n"
         "sys.stdout.buffer.write(pickle.dumps(Clinic(id='c-1', name='Harbor')))\n"],
        capture_output=True, check=True, timeout=120).stdout
    out = subprocess.run(
        [sys.executable, "-c",
         "import pickle, sys, attrs\n"
         "from kapnotes import lazy_classes as _lazy\n"
         "from kapnotes.model import Clinic\n"
         "assert _lazy.is_pending(Clinic)\n"
         "c = pickle.loads(sys.stdin.buffer.read())\n"
         "try:\n"
         "    c.name = 'x'\n"
         "except attrs.exceptions.FrozenInstanceError:\n"
         "    print('frozen')\n"
         "print(repr(c), c == Clinic(id='c-1', name='Harbor'))\n"],
        input=made, capture_output=True, check=True, timeout=120).stdout.decode()
    assert out.splitlines() == [
        "frozen",
        "Clinic(id='c-1', name='Harbor', address=None, phone=None, npi=None, timezone=None) True",
    ]


def define() -> tuple[type, type]:
    """A base and a subclass, defined here so that they start unbuilt."""

    @model
    class Base:
        kind: ClassVar[str] = "base"
        dose: float = field(check=in_range(0, 10, unit="mg"))

        def describe(self) -> str:
            return f"{self.kind} {self.dose}"

    @model
    class Child(Base):
        kind: ClassVar[str] = "child"
        note: str = ""

        def describe(self) -> str:
            return "child of " + super().describe()

    return Base, Child


def test_a_lazily_made_class_is_an_attrs_class_in_every_respect():
    Base, Child = define()
    assert _lazy.is_pending(Base) and _lazy.is_pending(Child)
    assert attrs.has(Child)  # builds the base first
    assert not _lazy.is_pending(Base) and not _lazy.is_pending(Child)
    assert [a.name for a in attrs.fields(Child)] == ["dose", "note"]
    assert attrs.fields_dict(Base)["dose"].metadata["kapnotes_checks"]
    c = Child(dose=2.5, note="n")
    assert c.describe() == "child of child 2.5"  # super() names the class kept
    assert attrs.evolve(c, note="m") == Child(dose=2.5, note="m")
    assert repr(c) == "Child(dose=2.5, note='n')"
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        c.note = "x"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        c.other = 1  # type: ignore[attr-defined]
    assert copy.copy(c) == c and copy.deepcopy(c) == c  # __getstate__/__setstate__
    assert Child.__match_args__ == ()
    with pytest.raises(ModelError) as err:
        Child(dose=12.0)
    assert [(p.path, p.message) for p in err.value.problems] == [
        ("$.dose", "expected a number from 0 to 10 mg, got 12")
    ]


def test_creating_the_first_object_builds_the_class():
    _, Child = define()
    assert Child(dose=1.0).note == ""
    assert not _lazy.is_pending(Child)
    assert inspect.signature(Child).parameters["note"].kind is inspect.Parameter.KEYWORD_ONLY


def test_cattrs_builds_the_class_it_reads():
    _, Child = define()
    got = converter().structure({"dose": 3.0, "note": "n"}, Child)
    assert got == Child(dose=3.0, note="n")
    assert converter().unstructure(got) == {"dose": 3.0, "note": "n"}


def first_use_at_once(child: type, threads: int = 4) -> tuple[list[object], list[BaseException]]:
    """``threads`` threads released together, each using ``child`` first (half by creating an
    object, half by ``attrs.fields``); what each got, and what was raised."""
    start = threading.Barrier(threads)
    results: list[object] = []
    errors: list[BaseException] = []

    def use(how: int) -> None:
        start.wait()
        try:
            if how % 2:
                results.append(attrs.fields(child))
            else:
                results.append(attrs.fields(type(child(dose=1.0, note=str(how)))))
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    running = [threading.Thread(target=use, args=(i,)) for i in range(threads)]
    for t in running:
        t.start()
    for t in running:
        t.join()
    return results, errors


def test_two_threads_using_a_class_first_at_once_get_the_same_class():
    for _ in range(20):
        _, Child = define()
        results, errors = first_use_at_once(Child)
        assert errors == []
        assert len(results) == 4 and all(r is results[0] for r in results)


def test_a_definition_not_mirrored_is_built_at_once():
    @model
    class Unannotated:
        x = attrs.field(default=1)

    assert not _lazy.is_pending(Unannotated)
    assert Unannotated(x=2).x == 2


def test_no_model_class_is_left_half_built():
    for cls in model_classes():
        attrs.fields(cls)
        assert not _lazy.is_pending(cls)
        assert not any(isinstance(v, _lazy._Pending) for v in cls.__dict__.values()), cls


def test_building_the_converter_imports_no_rules_and_reads_plugin_sections_after():
    """The clinic configuration's plugin sections are recognised without importing the rules
    first (the converter looks for the class among the loaded modules)."""
    out = fresh(
        "import sys, kapnotes.serialization\n"
        "c = kapnotes.serialization.converter()\n"
        "print('kapnotes.rules.plugin_config' in sys.modules)\n"
        "from kapnotes.rules.plugin_config import PluginSections\n"
        "try:\n"
        "    c.structure({'nobody': {}}, PluginSections)\n"
        "except Exception as exc:\n"
        "    print(type(exc).__name__)\n"
        "print(c.unstructure(PluginSections({})))\n"
    )
    assert out.splitlines() == ["False", "ClassValidationError", "{}"]


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="needs os.fork")
def test_a_child_forked_while_a_thread_builds_can_build_classes():
    out = fresh(
        "import os, threading, time\n"
        "from kapnotes import lazy_classes as _lazy\n"
         "from kapnotes.model import Clinic\n"
        "held, done = threading.Event(), threading.Event()\n"
        "def hold():\n"
        "    with _lazy._lock:\n"
        "        held.set()\n"
        "        done.wait()\n"
        "t = threading.Thread(target=hold)\n"
        "t.start()\n"
        "held.wait()\n"
        "pid = os.fork()\n"
        "if pid == 0:\n"
        "    os._exit(0 if Clinic(id='c-1', name='H').name == 'H' else 1)\n"
        "for _ in range(200):\n"
        "    got, status = os.waitpid(pid, os.WNOHANG)\n"
        "    if got:\n"
        "        break\n"
        "    time.sleep(0.05)\n"
        "else:\n"
        "    os.kill(pid, 9)\n"
        "    status = -1\n"
        "done.set()\n"
        "t.join()\n"
        "print(status)\n"
    )
    assert out == "0"


def test_setting_up_the_converter_makes_no_model_class():
    """What ``loads`` needs before it reads a document (the converter) leaves every lazily made
    class unmade: a class registered by class would be made by cattrs' ``attrs.has``."""
    out = fresh(
        "import kapnotes.model as m\n"
        "from kapnotes import lazy_classes as _lazy\n"
        "from kapnotes.serialization import converter\n"
        "classes = [v for v in vars(m).values() if isinstance(v, type)\n"
        "           and '__attrs_post_init__' in v.__dict__]\n"
        "before = {c.__name__ for c in classes if _lazy.is_pending(c)}\n"
        "converter()\n"
        "made = sorted(c.__name__ for c in classes if c.__name__ in before and not _lazy.is_pending(c))\n"
        "print(len(before), made)\n"
    )
    count, made = out.split(" ", 1)
    assert int(count) > 50
    assert made == "[]"


def test_an_unknown_intervention_still_round_trips_through_the_converter():
    import json

    from kapnotes.model import UnknownIntervention

    raw = json.dumps({"type": "clinic-breathwork", "minutes": 20})
    iv = UnknownIntervention(tag="clinic-breathwork", raw=raw)
    c = converter()
    assert c.unstructure(iv) == iv.data


def test_a_lazily_defined_mutable_class_is_the_class_attrs_define_makes():
    class Box:
        items: list[int] = attrs.field(factory=list)
        label: str = "x"

    shell = _lazy.define(Box)
    assert _lazy.is_pending(shell)
    box = shell()
    assert not _lazy.is_pending(shell)
    box.label = "y"  # mutable, as attrs.define
    assert box == shell(label="y") and box != shell()
    assert shell.__hash__ is None  # eq without frozen: unhashable, as attrs.define
    assert [a.name for a in attrs.fields(shell)] == ["items", "label"]
    assert repr(box) == "Box(items=[], label='y')"  # attrs' repr drops the <locals> prefix


def test_a_plain_subclass_of_a_pending_shell_builds_the_shell_it_inherits_from():
    """One stand-in per name serves every shell: a lookup through a class that is not a shell
    itself (a plain subclass) finds the shell in its MRO and builds that one."""
    Base, _ = define()

    class Plain(Base):  # type: ignore[misc, valid-type]
        pass

    assert _lazy.is_pending(Base)
    assert Plain.__init__ is Base.__init__  # the lookup built Base
    assert not _lazy.is_pending(Base)
    assert [a.name for a in attrs.fields(Base)] == ["dose"]
    assert Plain(dose=1.0).dose == 1.0


def test_a_shell_keeps_no_second_class_of_its_definition():
    """The class the ``class`` statement made is not kept beside the shell (every class kept is
    walked by each full collection); it is made again from its dictionary at the build."""
    import gc
    import weakref

    class Dose:
        mg: float = field(check=in_range(0, 10, unit="mg"))

        def describe(self) -> str:
            return f"dose {self.mg}"

    definition = weakref.ref(Dose)
    shell = model(Dose)
    del Dose
    gc.collect()
    assert definition() is None
    assert shell(mg=2.0).describe() == "dose 2.0"
    assert attrs.fields(shell).mg.metadata["kapnotes_checks"]


def test_class_vars_are_recognised_as_attrs_recognises_them():
    """The shell's own test for ``ClassVar`` (a fast path for annotations that do not name it)
    agrees with attrs' ``_is_class_var`` on every spelling and on look-alikes."""
    from attr._make import _is_class_var as attrs_is_class_var

    spellings = ["ClassVar[int]", "typing.ClassVar[str]", "t.ClassVar", "'ClassVar[int]'",
                 '"typing.ClassVar[int]"', "typing_extensions.ClassVar[int]", "int", "",
                 "'", "list[ClassVar]", "MyClassVar", "str | None", ClassVar[int], int]
    for annotation in spellings:
        assert _lazy._is_class_var(annotation) == attrs_is_class_var(annotation), annotation
