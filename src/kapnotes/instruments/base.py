"""The data model of a standardized instrument, its validation, and the result of scoring it.

An :class:`Instrument` is plain data plus one scoring function: its items and their ranges, the
severity bands (each with its source), the critical items (with the threshold, the kind of risk
and why), the subscales, the LOINC codes where they were verified, the respondent, the
missing-item policy in words, the citation and a copyright note. It also carries every fact
that outcomes and rules need about it, so that no other module keeps a table of instruments:
its :class:`Direction` (whether a lower total is better), its :class:`Response` and
:class:`Remission` rules (with preconditions such as "baseline >= 10"), its
:class:`ReliableChangeParams` and, for an instrument that is deliberately not an outcome
measure, why not (``not_outcome_reason``). The suicide rules fire on the critical items whose
``kind`` is ``suicide`` (:data:`SUICIDE`), at the item's own threshold. Copyrighted instruments carry item numbers and neutral
domain labels only, never item wording.

Responses are a sequence with one entry per item, in item order; ``None`` marks a missing answer.
Every answer must be an ``int`` within its item's range: a ``bool`` is not an int, nor is a
float, even ``2.0``. :meth:`Instrument.validate` reports every problem at once, each with a path
under ``$.items`` (``$.items[8]`` is item 9) that a caller can re-root with
:meth:`kapnotes.errors.Problem.under`. :meth:`Instrument.score` raises :class:`ScoringError`
with all of them, or returns a :class:`ScoreResult`.
"""

from __future__ import annotations

import functools
import math
import numbers
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal, TypeAlias

import attrs

from kapnotes.errors import InvalidError, ModelError, Problem
from kapnotes.registry import NAME_RE  # registry names: the rule the plugin registry enforces

Answer: TypeAlias = int | None
Answers: TypeAlias = tuple[int | None, ...]
Number: TypeAlias = int | float
Respondent: TypeAlias = Literal["self-report", "clinician"]
Params: TypeAlias = Mapping[str, Any]
#: ``scorer(instrument, answers, params) -> ScoreResult``
ScoreFn: TypeAlias = "Callable[[Instrument, Answers, Mapping[str, Any]], ScoreResult]"


class ScoringError(InvalidError):
    """Responses (or scoring parameters) that cannot be scored: every problem, each with its path.

    Paths are ``$.items[i]`` for answers (``i`` counts from 0, so ``$.items[8]`` is item 9),
    ``$.items`` for the list as a whole and ``$.extra.<name>`` for parameters.
    """


# --------------------------------------------------------------------------------------------
# Parts of an instrument
# --------------------------------------------------------------------------------------------


@attrs.frozen
class Item:
    """One item: its number (1-based position in the responses) and the range of its answers.

    :ivar label: a neutral domain label ("sleep"); never the wording of a copyrighted item.
    :ivar text: the item's wording, only for instruments that are free to reproduce.
    :ivar key: how the item is named in messages when it is not just its number ("6b").
    :ivar hint: what the answer codes mean ("0 = no, 1 = yes"), for forms and documentation.
    :ivar scored: whether the item counts towards the total (PHQ-9 item 10 does not).
    :ivar required: whether the responses must contain it (trailing optional items may be left
        out; items that are asked only after a given answer are not required either, and the
        instrument's scoring rule decides when they are needed).
    :ivar loinc: the item's LOINC code, only where verified.
    """

    number: int
    min: int
    max: int
    label: str | None = None
    text: str | None = None
    key: str | None = None
    hint: str | None = None
    scored: bool = True
    required: bool = True
    loinc: str | None = None

    @property
    def id(self) -> str:
        """The item's name in messages: its key, or its number."""
        return self.key or str(self.number)

    @property
    def allowed(self) -> str:
        """The allowed answers in words, e.g. ``an integer 0–3``."""
        return f"an integer {self.min}–{self.max}"


@attrs.frozen
class Band:
    """A severity band of the total: ``low``–``high`` inclusive, its label and where it comes from.

    Bounds are integers. A prorated (fractional) total belongs to the band whose integer range it
    falls in or just above: 9.5 is in 5–9, because the next cut-off says "10 or more".

    :ivar low: the lowest total in the band.
    :ivar high: the highest total in the band.
    :ivar label: the band's name (``moderate``), shown with the score.
    :ivar source: where the cut-offs come from (a citation).
    """

    low: int
    high: int
    label: str
    source: str

    def contains(self, total: Number) -> bool:
        """Whether ``total`` falls in this band."""
        return self.low <= total < self.high + 1


#: The kind of a critical item that the suicide-risk rules act on.
SUICIDE = "suicide"


@attrs.frozen
class CriticalItem:
    """An item whose answer needs follow-up whatever the total, with the threshold and why.

    :ivar threshold: the answer at which the item is flagged (the one fact: the scorer's flag
        and the rules both use it).
    :ivar direction: ``at_least`` flags answers >= threshold; ``at_most`` answers <= threshold.
    :ivar verified: False when the item's meaning or threshold could not be checked against a
        public source (the comment in the catalog says so).
    :ivar kind: what the item is about, for rules that act on a kind of risk: ``suicide``
        (:data:`SUICIDE`; the suicide-risk rules require a risk assessment and a safety plan
        when it is triggered, for any registered instrument), or None.
    """

    item: int
    threshold: int
    reason: str
    source: str
    verified: bool = True
    direction: Literal["at_least", "at_most"] = "at_least"
    kind: str | None = None

    def triggered(self, value: int | None) -> bool:
        """Whether an answer crosses the threshold (a missing answer never does)."""
        if value is None:
            return False
        if self.direction == "at_least":
            return value >= self.threshold
        return value <= self.threshold

    @property
    def condition(self) -> str:
        """The threshold in words: ``> 0``, ``>= 2`` or ``= 0``."""
        if self.direction == "at_most":
            return f"= {self.threshold}" if self.threshold == 0 else f"<= {self.threshold}"
        return f"> {self.threshold - 1}" if self.threshold == 1 else f">= {self.threshold}"


@attrs.frozen
class Subscale:
    """A subscale (or scoring domain): which items, and how they combine (sum, mean or max).

    ``name`` is the key in :attr:`ScoreResult.subscales`; ``label`` says what it measures.
    """

    name: str
    items: tuple[int, ...]
    rule: Literal["sum", "mean", "max"]
    source: str
    label: str | None = None


@attrs.frozen
class LoincCodes:
    """LOINC codes of an instrument, only those found stated by a credible source.

    :ivar items: ``(item number, code)`` pairs.
    :ivar risk_level: the code of a categorical result that is not a total (C-SSRS risk level).
    :ivar source: where each code was found.
    :ivar single_source: True when a code rests on one source only.
    """

    source: str
    panel: str | None = None
    total: str | None = None
    items: tuple[tuple[int, str], ...] = ()
    risk_level: str | None = None
    single_source: bool = False

    def item(self, number: int) -> str | None:
        """The code of item ``number``, or None (the last pair of that number, as a dict of
        ``items`` would say)."""
        for n, code in reversed(self.items):
            if n == number:
                return code
        return None


@attrs.frozen
class Remission:
    """Remission as a single-timepoint threshold: total <= ``max_total``.

    :ivar baseline_at_least: remission is judged only for a course whose baseline is at least
        this (PHQ-9 and GAD-7 >= 10 in KAP outcome work); below it, remission is not evaluable.
    """

    max_total: int
    source: str
    baseline_at_least: int | None = None


@attrs.frozen
class Response:
    """Response: a reduction of at least ``reduction`` (a fraction, 0.5 = 50 %) from baseline.

    :ivar baseline_at_least: response is judged only for a course whose baseline is at least
        this (when set).
    """

    reduction: float
    source: str
    baseline_at_least: int | None = None


@attrs.frozen
class Direction:
    """Which way the total improves: ``lower`` (symptom severity) or ``higher`` is better.

    Only instruments where a lower total is better are summarised as outcomes (change,
    response, remission, reliable change all assume it).
    """

    better: Literal["lower", "higher"]
    source: str

    @property
    def lower_is_better(self) -> bool:
        return self.better == "lower"


@attrs.frozen
class ReliableChangeParams:
    """The ``s1`` (standard deviation of the baseline) and ``r`` (test-retest reliability) of
    the Jacobson-Truax reliable change index, with where they come from.

    :ivar verified: False when a number could not be checked in a published source, or was
        derived rather than read (``note`` says how); the outcome shows it.
    """

    s1: float = attrs.field()
    r: float = attrs.field()
    source: str
    verified: bool = True
    note: str = ""

    @s1.validator
    def _s1(self, _attr: object, value: float) -> None:
        if not value > 0:
            raise ValueError(f"s1 must be > 0, got {value}")

    @r.validator
    def _r(self, _attr: object, value: float) -> None:
        if not 0 <= value < 1:
            raise ValueError(f"r must be in [0, 1), got {value}")

    @property
    def se(self) -> float:
        """Standard error of measurement, ``s1 * sqrt(1 - r)``."""
        return self.s1 * math.sqrt(1 - self.r)

    @property
    def s_diff(self) -> float:
        """Standard error of the difference, ``sqrt(2) * SE``."""
        return math.sqrt(2) * self.se


@attrs.frozen
class Prorating:
    """A published rule for a total with a few missing items: the mean of the answered items
    stands in for each missing one. Applied only when the caller passes ``prorate=True``."""

    max_missing: int
    source: str


@attrs.frozen
class Parameter:
    """A scoring parameter a caller may pass in ``extra`` (a cut-off, opting in to prorating)."""

    name: str
    kind: Literal["int", "bool"]
    default: int | bool
    description: str
    source: str
    low: int | None = None
    high: int | None = None


# --------------------------------------------------------------------------------------------
# The result of scoring
# --------------------------------------------------------------------------------------------


@attrs.frozen
class Flag:
    """Something in the responses that needs attention (a critical item, a missing item)."""

    code: str
    message: str
    item: int | None = None


@attrs.frozen
class Completeness:
    """How many of the items that had to be answered were answered."""

    answered: int
    required: int

    def __str__(self) -> str:
        return f"{self.answered}/{self.required}"


@attrs.frozen
class ScoreResult:
    """The score of one administration of an instrument.

    :ivar total: None when the missing-item policy does not allow a total.
    :ivar band: the severity band of the total (None without bands or without a total).
    :ivar subscales: subscale (or domain) name -> score, None where it cannot be computed.
    :ivar complete: True when every item that had to be answered was answered.
    :ivar provisional_diagnosis: PCL-5's DSM-5 rule; None where not applicable or undetermined.
    :ivar risk_level: C-SSRS triage level; a lower bound when ``complete`` is False.
    :ivar responses: the answers scored, one per item (None where missing).
    :ivar details: instrument-specific facts (cut-off used, remission, percent of maximum ...).
    """

    instrument: str
    total: Number | None
    band: str | None
    band_source: str | None
    subscales: dict[str, Number | None] = attrs.field(factory=dict, hash=False)
    flags: tuple[Flag, ...] = ()
    completeness: Completeness = Completeness(0, 0)
    complete: bool = False
    provisional_diagnosis: bool | None = None
    risk_level: str | None = None
    interpretation: str = ""
    responses: tuple[int | None, ...] = ()
    details: dict[str, Any] = attrs.field(factory=dict, hash=False)

    def flagged(self, code: str) -> bool:
        """Whether a flag with this code was raised."""
        return any(f.code == code for f in self.flags)


# --------------------------------------------------------------------------------------------
# The instrument
# --------------------------------------------------------------------------------------------


def _check_name(_inst: object, _attr: object, value: str) -> None:
    if not isinstance(value, str) or not NAME_RE.match(value):
        raise ModelError([Problem("$.name", f"invalid instrument name {value!r}")])


def _check_one_line(_inst: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not value.strip() or "\n" in value:
        raise ModelError([Problem(f"$.{attribute.name}", "must be one non-empty line")])


#: Results kept per instrument by :meth:`Instrument.score`: a few, as a session's measures are
#: scored in succession (its rules, its note, its Observations) and answers repeat little
#: across records; so what an export leaves behind stays small.
KEPT_RESULTS = 8
#: Instruments whose results are kept (a registry has a few dozen; tests make many more).
KEPT_INSTRUMENTS = 256
#: ``id(instrument) -> (instrument, its results)``: outside the class, whose fields are its
#: definition (plugins copy an instrument by its fields).
_KEPT: dict[int, tuple[Instrument, dict[tuple[int | None, ...], ScoreResult]]] = {}


def _own_copy(result: ScoreResult) -> ScoreResult:
    """``result`` with dicts of its own (its other fields are immutable)."""
    return attrs.evolve(result, subscales=dict(result.subscales), details=dict(result.details))


@attrs.frozen
class Instrument:
    """A standardized instrument: items, ranges, bands with sources, and a scoring rule.

    :ivar name: registry name (``phq9``), lower-case.
    :ivar total_range: the range of the total, None when the result is not a total (C-SSRS).
    :ivar scoring_rule: the scoring rule in words; ``scorer`` implements it.
    :ivar scorer: ``scorer(instrument, answers, params) -> ScoreResult``, called with validated
        answers (one per item, None where missing) and every parameter resolved to a value.
    :ivar missing_item_policy: what happens when answers are missing, in words.
    :ivar aliases: other spellings that resolve to this instrument everywhere a record names
        it (``PHQ-9``); the LOINC panel code resolves too (see :meth:`spellings`).
    :ivar direction: whether a lower total is better; with ``lower`` (and no
        ``not_outcome_reason``) the instrument is an outcome measure.
    :ivar response: the response rule; None uses the convention of
        :data:`kapnotes.outcomes.RESPONSE_REDUCTION` (50 %).
    :ivar reliable_change: the RCI parameters; None: no reliable change index by default.
    :ivar not_outcome_reason: why the instrument is deliberately not an outcome measure
        (MEQ30: a process measure), shown when someone asks for its outcomes.
    """

    name: str = attrs.field(validator=_check_name)
    title: str
    description: str = attrs.field(validator=_check_one_line)
    items: tuple[Item, ...]
    total_range: tuple[Number, Number] | None
    scoring_rule: str
    scorer: ScoreFn = attrs.field(repr=False, eq=False)
    respondent: Respondent
    missing_item_policy: str
    source: str
    copyright_note: str
    bands: tuple[Band, ...] = ()
    critical_items: tuple[CriticalItem, ...] = ()
    subscales: tuple[Subscale, ...] = ()
    loinc: LoincCodes | None = None
    remission: Remission | None = None
    prorating: Prorating | None = None
    parameters: tuple[Parameter, ...] = ()
    aliases: tuple[str, ...] = ()
    direction: Direction | None = None
    response: Response | None = None
    reliable_change: ReliableChangeParams | None = None
    not_outcome_reason: str | None = None

    def __attrs_post_init__(self) -> None:
        problems = _definition_problems(self)
        if problems:
            raise ModelError(problems, source=f"instrument {self.name}")

    # -- lookups -------------------------------------------------------------------------------

    def item(self, number: int) -> Item:
        """Item ``number`` (1-based)."""
        return self.items[number - 1]

    @property
    def scored_items(self) -> tuple[Item, ...]:
        """The items that count towards the total."""
        return tuple(i for i in self.items if i.scored)

    @property
    def unscored_items(self) -> tuple[Item, ...]:
        """The items recorded but not counted (PHQ-9 item 10)."""
        return tuple(i for i in self.items if not i.scored)

    @property
    def min_answers(self) -> int:
        """The shortest acceptable response list: up to the last required item."""
        required = [i.number for i in self.items if i.required]
        return max(required, default=0)

    def band_for(self, total: Number | None) -> Band | None:
        """The band containing ``total``, or None."""
        if total is None:
            return None
        return next((b for b in self.bands if b.contains(total)), None)

    @property
    def is_outcome_measure(self) -> bool:
        """Whether outcomes summarise it: a lower total is better and nothing says otherwise."""
        return (
            self.direction is not None
            and self.direction.lower_is_better
            and self.not_outcome_reason is None
        )

    @property
    def not_outcome_because(self) -> str | None:
        """Why the instrument is not an outcome measure, or None when it is one."""
        if self.is_outcome_measure:
            return None
        if self.not_outcome_reason is not None:
            return self.not_outcome_reason
        if self.direction is None:
            return "no direction is declared (Instrument.direction: is a lower total better?)"
        return "a higher total is better; outcomes summarise lower-is-better measures only"

    def critical_items_of(self, kind: str) -> tuple[CriticalItem, ...]:
        """The critical items of ``kind`` (``suicide``)."""
        return tuple(c for c in self.critical_items if c.kind == kind)

    @property
    def spellings(self) -> tuple[str, ...]:
        """Every id that names this instrument: its name, its aliases, its LOINC panel code."""
        panel = (self.loinc.panel,) if self.loinc is not None and self.loinc.panel else ()
        return (self.name, *self.aliases, *panel)

    def is_named(self, recorded: str) -> bool:
        """Whether an id as a record spells it (``PHQ-9``, ``phq 9``, ``44249-1``) names this
        instrument: its name, an alias or its LOINC panel code, ignoring case, spaces and
        punctuation (:func:`squash_id`)."""
        if recorded == self.name:
            return True
        wanted = squash_id(recorded)
        return any(squash_id(spelling) == wanted for spelling in self.spellings)

    def parameter(self, name: str) -> Parameter:
        """The parameter called ``name``."""
        return next(p for p in self.parameters if p.name == name)

    # -- validating and scoring ---------------------------------------------------------------

    def validate(self, responses: object) -> list[Problem]:
        """Every problem with ``responses``, with paths under ``$.items`` (empty when valid)."""
        if isinstance(responses, (str, bytes)) or not isinstance(responses, Sequence):
            got = _describe(responses)
            return [Problem("$.items", f"expected {self._count_words()}, got {got}")]
        problems: list[Problem] = []
        if not self.min_answers <= len(responses) <= len(self.items):
            problems.append(
                Problem("$.items", f"expected {self._count_words()}, got {len(responses)}")
            )
        for index, (item, value) in enumerate(zip(self.items, responses, strict=False)):
            message = _answer_problem(item, value)
            if message is not None:
                problems.append(Problem(f"$.items[{index}]", message))
        return problems

    def resolve_params(
        self, extra: Mapping[str, Any] | None
    ) -> tuple[dict[str, Any], list[Problem]]:
        """The parameters with defaults filled in, and every problem with ``extra``."""
        known = {p.name: p for p in self.parameters}
        values: dict[str, Any] = {name: p.default for name, p in known.items()}
        problems: list[Problem] = []
        for key, value in (extra or {}).items():
            if key in known:
                wrong = _parameter_problem(known[key], value)
            else:
                names = ", ".join(sorted(known)) or "(none)"
                wrong = f"{self.title} has no parameter {key!r}; known: {names}"
            if wrong is None:
                values[key] = value
            else:
                problems.append(Problem(f"$.extra.{key}", wrong))
        return values, problems

    def score(
        self, responses: Sequence[int | None], *, extra: Mapping[str, Any] | None = None
    ) -> ScoreResult:
        """Score ``responses``; raise :class:`ScoringError` with every problem if invalid.

        A record's answers are scored several times in an export (by the rules of a draft, in
        its note, for its Observation), so the result for a tuple of ``int`` and ``None``
        without ``extra`` is kept (up to :data:`KEPT_RESULTS` per instrument, then all dropped)
        and given again: a scorer is a function of the answers and parameters. Each call gets
        a result of its own (its ``subscales`` and ``details`` are new dicts), so a reader that
        changes one changes nothing kept. Refusals are not kept.
        """
        if extra is None and type(responses) is tuple and all(type(v) is int or v is None for v in responses):
            results = self._kept_results()
            kept = results.get(responses)
            if kept is None:
                kept = self._score(responses, None)
                if len(results) >= KEPT_RESULTS:
                    results.clear()
                results[responses] = kept
            return _own_copy(kept)
        return self._score(responses, extra)

    def _kept_results(self) -> dict[tuple[int | None, ...], ScoreResult]:
        """The results :meth:`score` keeps for this instrument object, by answers."""
        found = _KEPT.get(id(self))
        if found is None or found[0] is not self:
            if len(_KEPT) >= KEPT_INSTRUMENTS:
                _KEPT.clear()
            found = _KEPT[id(self)] = (self, {})
        return found[1]

    def _score(self, responses: Sequence[int | None], extra: Mapping[str, Any] | None) -> ScoreResult:
        problems = self.validate(responses)
        params, param_problems = self.resolve_params(extra)
        problems.extend(param_problems)
        if problems:
            raise ScoringError(problems, source=self.title)
        answers = tuple(None if v is None else int(v) for v in responses)
        answers += (None,) * (len(self.items) - len(answers))
        return self.scorer(self, answers, params)

    def _count_words(self) -> str:
        n, low = len(self.items), self.min_answers
        if low == n:
            return f"a list of {n} answers (items 1–{n})"
        optional = ", ".join(i.id for i in self.items[low:])
        return f"a list of {low}–{n} answers (items 1–{n}; item {optional} optional)"


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1024)  # a pure function; instrument ids are few and looked up often
def squash_id(name: str) -> str:
    """``"PHQ-9"`` -> ``"phq9"``: an instrument id in lower case, letters and digits only."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _describe(value: object) -> str:
    """``str '2'``, ``float 2.0``, ``bool True``: the type and a short repr of a wrong value."""
    text = repr(value)
    if len(text) > 40:
        text = text[:37] + "..."
    return f"{type(value).__name__} {text}"


def _is_int(value: object) -> bool:
    if type(value) is int:  # the common case, without the abstract class check
        return True
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _answer_problem(item: Item, value: object) -> str | None:
    """What is wrong with one answer, or None (a missing answer is not a problem here)."""
    if value is None:
        return None
    if not _is_int(value):
        return f"item {item.id} must be {item.allowed}, got {_describe(value)}"
    number = int(value)  # type: ignore[call-overload]
    if not item.min <= number <= item.max:
        return f"item {item.id} must be {item.allowed}, got {number}"
    return None


def _parameter_problem(param: Parameter, value: object) -> str | None:
    if param.kind == "bool":
        return None if isinstance(value, bool) else f"must be true or false, got {_describe(value)}"
    if not _is_int(value):
        return f"must be an integer, got {_describe(value)}"
    number = int(value)  # type: ignore[call-overload]
    low = param.low if param.low is not None else number
    high = param.high if param.high is not None else number
    if not low <= number <= high:
        return f"must be an integer {low}–{high}, got {number}"
    return None


def _definition_problems(inst: Instrument) -> list[Problem]:
    """Every inconsistency in an instrument's definition."""
    problems = _item_problems(inst)
    problems += _band_problems(inst)
    numbers_ = {i.number for i in inst.items}
    for k, critical in enumerate(inst.critical_items):
        path = f"$.critical_items[{k}]"
        if critical.item not in numbers_:
            problems.append(Problem(path, f"no item {critical.item}"))
        else:
            item = inst.item(critical.item)
            if not item.min <= critical.threshold <= item.max:
                problems.append(Problem(f"{path}.threshold", f"{critical.threshold} is outside "
                                        f"item {critical.item}'s range {item.min}–{item.max}"))
        if critical.kind is not None and not NAME_RE.match(critical.kind):
            problems.append(Problem(f"{path}.kind", f"invalid kind {critical.kind!r}"))
    problems += _outcome_problems(inst)
    for k, sub in enumerate(inst.subscales):
        missing = [n for n in sub.items if n not in numbers_]
        if missing or not sub.items:
            problems.append(Problem(f"$.subscales[{k}]", f"{sub.name}: unknown items {missing}"))
    for alias in inst.aliases:
        if not alias.strip():
            problems.append(Problem("$.aliases", "an alias is empty"))
    return problems


def _outcome_problems(inst: Instrument) -> list[Problem]:
    """Response and remission rules must fit the instrument."""
    problems: list[Problem] = []
    if inst.response is not None and not 0 < inst.response.reduction <= 1:
        problems.append(Problem("$.response.reduction",
                                f"must be in (0, 1], got {inst.response.reduction}"))
    for what, rule in (("response", inst.response), ("remission", inst.remission)):
        if rule is not None and not rule.source.strip():
            problems.append(Problem(f"$.{what}.source", "a rule needs its source"))
    if inst.remission is not None and inst.total_range is not None:
        low, high = inst.total_range
        if not low <= inst.remission.max_total <= high:
            problems.append(Problem("$.remission.max_total",
                                    f"{inst.remission.max_total} is outside the total range "
                                    f"{low}–{high}"))
    if (inst.direction is not None or inst.remission or inst.response) and inst.total_range is None:
        problems.append(Problem("$.direction", "outcome facts need a total_range"))
    return problems


def _item_problems(inst: Instrument) -> list[Problem]:
    problems: list[Problem] = []
    if not inst.items:
        problems.append(Problem("$.items", "an instrument needs at least one item"))
    for index, item in enumerate(inst.items):
        path = f"$.items[{index}]"
        if item.number != index + 1:
            problems.append(Problem(path, f"item number {item.number}, expected {index + 1}"))
        if item.min > item.max:
            problems.append(Problem(path, f"min {item.min} > max {item.max}"))
    return problems


def _band_problems(inst: Instrument) -> list[Problem]:
    """Bands must be in order, contiguous, and cover the total range exactly."""
    if not inst.bands:
        return []
    problems: list[Problem] = []
    for k, (a, b) in enumerate(zip(inst.bands, inst.bands[1:], strict=False)):
        if b.low != a.high + 1:
            message = f"starts at {b.low}, expected {a.high + 1}"
            problems.append(Problem(f"$.bands[{k + 1}]", message))
    if inst.total_range is None:
        problems.append(Problem("$.bands", "bands need a total_range"))
    elif (inst.bands[0].low, inst.bands[-1].high) != tuple(inst.total_range):
        problems.append(
            Problem("$.bands", f"bands cover {inst.bands[0].low}–{inst.bands[-1].high}, "
                    f"total range is {inst.total_range[0]}–{inst.total_range[1]}")
        )
    for k, band in enumerate(inst.bands):
        if band.low > band.high or not band.source.strip():
            problems.append(Problem(f"$.bands[{k}]", "empty range or no source"))
    return problems
