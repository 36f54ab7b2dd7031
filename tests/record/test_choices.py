"""Every ``Choice`` of kapnotes behaves as the ``(str, Enum)`` class of the same members that
``enum`` makes (``kapnotes.choices`` makes them with ``enum._simple_enum``, which skips
``enum``'s checks of the definition)."""

from __future__ import annotations

import copy
import enum
import json
import pickle

import pytest

import kapnotes.billing.rules
import kapnotes.model
import kapnotes.rules.base
from kapnotes import choices
from kapnotes.choices import Choice
from kapnotes.serialization import converter


def _all_choices() -> list[type[Choice]]:
    found: list[type[Choice]] = []
    for module in (kapnotes.model, kapnotes.billing.rules, kapnotes.rules.base):
        for value in vars(module).values():
            is_choice = isinstance(value, type) and issubclass(value, Choice)
            if is_choice and value is not Choice and value not in found:
                found.append(value)
    return found


CHOICES = _all_choices()


def _reference(cls: type[Choice]) -> type[enum.Enum]:
    """The same members, made by ``enum`` as a ``(str, Enum)``."""
    members = [(m.name, m.value) for m in cls]
    return enum.Enum(cls.__name__, members, type=str, module=cls.__module__,  # type: ignore[return-value]
                     qualname=cls.__qualname__)


def test_every_enumeration_of_kapnotes_is_a_choice() -> None:
    # the model's enumerations are choices (the speed of ``import kapnotes.model`` counts on it)
    plain = [v for v in vars(kapnotes.model).values() if isinstance(v, type)
             and issubclass(v, enum.Enum) and not issubclass(v, Choice)]
    assert plain == []
    assert len(CHOICES) >= 30


@pytest.mark.parametrize("cls", CHOICES, ids=lambda c: c.__name__)
def test_a_choice_behaves_as_the_str_enum_of_its_members(cls: type[Choice]) -> None:
    ref = _reference(cls)
    assert [m.name for m in cls] == [m.name for m in ref]
    assert list(cls.__members__) == list(ref.__members__)
    assert len(cls) == len(ref)
    assert type(cls) is not type and isinstance(cls, enum.EnumMeta)
    for ours, theirs in zip(cls, ref, strict=True):
        assert isinstance(ours, str) and isinstance(ours, enum.Enum) and isinstance(ours, cls)
        assert ours.value == theirs.value and type(ours.value) is str
        assert str(ours) == str(theirs)
        assert repr(ours) == repr(theirs)
        assert format(ours) == format(theirs) and f"{ours:>40}" == f"{theirs:>40}"
        assert ours == ours.value and hash(ours) == hash(ours.value)
        assert cls(ours.value) is ours and cls[ours.name] is ours and cls(ours) is ours
        assert json.dumps(ours) == json.dumps(theirs)
        assert copy.copy(ours) is ours and copy.deepcopy(ours) is ours
        for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
            assert pickle.loads(pickle.dumps(ours, protocol)) is ours
        assert converter().structure(ours.value, cls) is ours
        assert converter().unstructure(ours) == ours.value
    with pytest.raises(ValueError) as ours_error:
        cls("not one of them")
    with pytest.raises(ValueError) as their_error:
        ref("not one of them")
    assert str(ours_error.value) == str(their_error.value)
    with pytest.raises(KeyError):
        cls["NOT_ONE"]
    with pytest.raises(AttributeError):
        cls.NOT_ONE  # type: ignore[attr-defined]  # noqa: B018
    with pytest.raises(AttributeError):
        next(iter(cls)).value = "changed"  # type: ignore[misc]


def test_a_choice_keeps_its_methods_properties_and_aliases() -> None:
    class Speed(Choice):
        """Synthetic."""

        SLOW = "slow"
        FAST = "fast"
        QUICK = "fast"  # an alias, as enum makes it

        @property
        def shout(self) -> str:
            return self.value.upper()

        def twice(self) -> str:
            return self.value * 2

        @classmethod
        def default(cls) -> Speed:
            return cls.SLOW

    assert [m.name for m in Speed] == ["SLOW", "FAST"]
    assert Speed.QUICK is Speed.FAST and Speed("fast") is Speed.FAST
    assert list(Speed.__members__) == ["SLOW", "FAST", "QUICK"]
    assert Speed.FAST.shout == "FAST" and Speed.SLOW.twice() == "slowslow"
    assert Speed.default() is Speed.SLOW
    assert Speed.__doc__ == "Synthetic."
    assert issubclass(Speed, Choice) and issubclass(Speed, str)


@pytest.mark.skipif(not hasattr(enum, "_simple_enum"), reason="Python without _simple_enum")
def test_a_choice_is_made_by_simple_enum_unless_it_needs_enum(monkeypatch) -> None:
    made: list[str] = []
    simple = choices._simple_enum
    assert simple is not None

    def counting(etype):  # type: ignore[no-untyped-def]
        def convert(plain):  # type: ignore[no-untyped-def]
            made.append(plain.__name__)
            return simple(etype)(plain)

        return convert

    monkeypatch.setattr(choices, "_simple_enum", counting)

    class Plain(Choice):
        A = "a"

    class Ignoring(Choice):
        _ignore_ = ["helper"]
        helper = "not a member"
        B = "b"

    class Calling(Choice):
        C = "c"

        def __str__(self) -> str:
            return "called " + super().__str__()

    assert made == ["Plain"]
    assert [m.name for m in Ignoring] == ["B"] and not hasattr(Ignoring, "helper")
    assert str(Calling.C) == "called Calling.C"
    assert Plain("a") is Plain.A


def _define_twice(base: type) -> None:
    class Twice(base):  # type: ignore[valid-type, misc]
        A = "a"
        A = "b"  # noqa: PIE794


class _StrEnum(str, enum.Enum):
    pass


@pytest.mark.parametrize("base", [Choice, _StrEnum], ids=["Choice", "(str, Enum)"])
def test_a_member_defined_twice_is_refused_as_enum_refuses_it(base: type) -> None:
    with pytest.raises(TypeError, match=r"^'A' already defined as 'a'$"):
        _define_twice(base)


def test_a_choice_may_redefine_a_property() -> None:
    class Level(Choice):
        LOW = "low"

        @property
        def rank(self) -> int:
            return 1

        @rank.setter
        def rank(self, value: int) -> None:
            raise AttributeError("read only")

    assert Level.LOW.rank == 1


def test_a_choice_without_simple_enum_is_made_by_enum(monkeypatch) -> None:
    monkeypatch.setattr(choices, "_simple_enum", None)  # as on Python 3.10

    class Fallback(Choice):
        A = "a"
        B = "b"

    assert [m.value for m in Fallback] == ["a", "b"] and Fallback("b") is Fallback.B
    assert isinstance(Fallback.A, Choice) and str(Fallback.A) == "Fallback.A"
    with pytest.raises(TypeError, match=r"^'A' already defined as 'a'$"):  # enum's own check
        _define_twice(Choice)
