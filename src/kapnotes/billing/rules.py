"""Code-suggestion rules as data: which code a session earns, on what basis, and why.

A :class:`CodeRule` names a code and a *basis* (the fact of the session it reads: the minutes
of psychotherapy, an intake, the scored instruments, the esketamine dose, a clinician's
monitoring time) with the limits that select it (minutes, dose). The engine
(:mod:`kapnotes.billing.engine`) turns the facts into service lines, each with the rule's
reason and sources. The built-in rules are registered through the ``register_billing_rules``
hook like a payer's plugin; a plugin rule may ``replace`` built-in rules by name (a payer
that pays 90837 only from 60 minutes), and the clinic configuration (``billing`` section)
changes limits or switches rules off.
"""

from __future__ import annotations

import re

import attrs

from kapnotes.billing.codes import CODES, PROLONGED_CODES, weakest
from kapnotes.choices import Choice
from kapnotes.model.billing import CodeSystem
from kapnotes.model.session import SessionKind
from kapnotes.references import Status, cite

__all__ = ["BUILTIN_CODE_RULES", "Basis", "CodeRule"]

NAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")


class Basis(Choice):
    """The session fact a rule reads."""

    #: a clinician's psychotherapy minutes, when that clinician has no E/M time in the session
    PSYCHOTHERAPY = "psychotherapy"
    #: a clinician's psychotherapy minutes, when the same clinician also has E/M time
    PSYCHOTHERAPY_WITH_EM = "psychotherapy_with_em"
    #: an intake session; ``medical`` selects with (True) or without (False) medical services
    INTAKE = "intake"
    #: one unit per scored standardized instrument
    INSTRUMENTS = "instruments"
    #: an esketamine dosing session, by dose (``dose_above_mg`` / ``dose_at_most_mg``)
    ESKETAMINE = "esketamine"
    #: the esketamine drug itself, in mg
    ESKETAMINE_DRUG = "esketamine_drug"
    #: the first physician/QHP's monitoring time in a racemic ketamine dosing session, per hour
    MONITORING_FIRST = "monitoring_first"
    #: a second physician/QHP's concurrent monitoring time, per hour
    MONITORING_SECOND = "monitoring_second"
    #: clinical staff's concurrent monitoring time, per hour
    MONITORING_STAFF = "monitoring_staff"
    #: a client's place in a group session
    GROUP_PSYCHOTHERAPY = "group_psychotherapy"


_ALL_KINDS = frozenset(SessionKind)
_NOT_INTAKE = _ALL_KINDS - {SessionKind.INTAKE}
_DOSING = frozenset({SessionKind.DOSING})


def _kinds(value: object) -> frozenset[SessionKind]:
    return frozenset(SessionKind(v) for v in value)  # type: ignore[attr-defined]


def _check_name(_i: object, _a: object, value: str) -> None:
    if not isinstance(value, str) or not NAME_RE.match(value):
        raise ValueError(f"billing rule name {value!r}: use lower-case letters, digits, . _ -")


@attrs.frozen
class CodeRule:
    """One code-suggestion rule.

    :ivar name: registry name, e.g. ``psychotherapy-90837``.
    :ivar code: the code it suggests (``90837``); its system and title come from
        :data:`kapnotes.billing.codes.CODES` unless given.
    :ivar basis: the session fact it reads (:class:`Basis`).
    :ivar reason: why the code applies, in one sentence (the line's reason starts with it).
    :ivar references: :mod:`kapnotes.references` keys of its sources.
    :ivar source: a free-text source for a plugin's own rule (a payer's policy).
    :ivar status: the rule's verification status; the weakest of ``references`` when None.
    :ivar kinds: the session kinds it applies to.
    :ivar min_minutes: / :ivar max_minutes: the minutes it needs (inclusive).
    :ivar dose_above_mg: / :ivar dose_at_most_mg: the dose range (esketamine).
    :ivar medical: for an intake, whether medical services (a prescriber) are needed.
    :ivar excludes: codes never billed with this one (bundling); a recorded line with one of
        them is a conflict finding.
    :ivar excludes_references: the sources of ``excludes`` (cited by that finding; they do not
        lower the status of the code itself).
    :ivar replaces: names of rules this one replaces (a payer's variant of a built-in).
    :ivar enabled: off rules are listed but never applied (the clinic config turns them on).
    """

    name: str = attrs.field(validator=_check_name)
    code: str
    basis: Basis = attrs.field(converter=Basis)
    reason: str
    references: tuple[str, ...] = ()
    source: str = ""
    status: Status | None = None
    kinds: frozenset[SessionKind] = attrs.field(default=_ALL_KINDS, converter=_kinds)
    min_minutes: int | None = None
    max_minutes: int | None = None
    dose_above_mg: float | None = None
    dose_at_most_mg: float | None = None
    medical: bool | None = None
    excludes: tuple[str, ...] = ()
    excludes_references: tuple[str, ...] = ()
    replaces: tuple[str, ...] = ()
    enabled: bool = True
    system: CodeSystem | None = None
    title: str | None = None

    def __attrs_post_init__(self) -> None:
        if self.code not in CODES and (self.system is None or self.title is None):
            raise ValueError(
                f"billing rule {self.name!r}: code {self.code!r} is not in kapnotes.billing.codes; "
                f"give its system and title"
            )
        for key in self.references + self.excludes_references:
            cite(key)  # an unknown key raises here, naming it
        if not self.references and not self.source:
            raise ValueError(f"billing rule {self.name!r} needs references or a source")

    @property
    def code_system(self) -> CodeSystem:
        return self.system or CODES[self.code].system

    @property
    def code_title(self) -> str:
        return self.title or CODES[self.code].title

    @property
    def verification(self) -> Status:
        """The rule's status: given, or the weakest of its references' and its code's."""
        if self.status is not None:
            return self.status
        keys = self.references + (CODES[self.code].references if self.code in CODES else ())
        return weakest(keys)

    @property
    def citation(self) -> str:
        """The rule's sources as cited text (references, then the free-text source)."""
        parts = [cite(*self.references)] if self.references else []
        if self.source:
            parts.append(self.source)
        return "; ".join(parts)

    def minutes_fit(self, minutes: int) -> bool:
        lo = self.min_minutes if self.min_minutes is not None else 0
        return lo <= minutes and (self.max_minutes is None or minutes <= self.max_minutes)

    def dose_fits(self, mg: float) -> bool:
        return (self.dose_above_mg is None or mg > self.dose_above_mg) and (
            self.dose_at_most_mg is None or mg <= self.dose_at_most_mg
        )


_PSY = ("ama-cpt-psychotherapy",)
_ADD = ("ama-cpt-psychotherapy", "ama-cpt-em-add-on")
_MON = ("ama-cpt-0820t", "kapnotes-default")
_MON_WHY = (
    "kapnotes applies the psychedelic-monitoring codes to racemic ketamine dosing sessions; "
    "whether a payer accepts them for ketamine is not settled"
)
_ESK = ("cms-hcpcs-g2082",)


def _time(name: str, code: str, basis: Basis, lo: int, hi: int | None, refs: tuple[str, ...], what: str) -> CodeRule:
    span = f"{lo}-{hi}" if hi is not None else f"{lo} or more"
    return CodeRule(
        name=name, code=code, basis=basis, references=refs, kinds=_NOT_INTAKE,
        min_minutes=lo, max_minutes=hi,
        reason=f"{what} of {span} minutes",
    )


#: The built-in rules (registered by :mod:`kapnotes.default_plugins.billing`).
BUILTIN_CODE_RULES: tuple[CodeRule, ...] = (
    _time("psychotherapy-90832", "90832", Basis.PSYCHOTHERAPY, 16, 37, _PSY, "psychotherapy"),
    _time("psychotherapy-90834", "90834", Basis.PSYCHOTHERAPY, 38, 52, _PSY, "psychotherapy"),
    _time("psychotherapy-90837", "90837", Basis.PSYCHOTHERAPY, 53, None, _PSY, "psychotherapy"),
    _time("psychotherapy-add-on-90833", "90833", Basis.PSYCHOTHERAPY_WITH_EM, 16, 37, _ADD,
          "psychotherapy with an E/M visit by the same clinician, E/M time excluded,"),
    _time("psychotherapy-add-on-90836", "90836", Basis.PSYCHOTHERAPY_WITH_EM, 38, 52, _ADD,
          "psychotherapy with an E/M visit by the same clinician, E/M time excluded,"),
    _time("psychotherapy-add-on-90838", "90838", Basis.PSYCHOTHERAPY_WITH_EM, 53, None, _ADD,
          "psychotherapy with an E/M visit by the same clinician, E/M time excluded,"),
    CodeRule(
        name="intake-90791", code="90791", basis=Basis.INTAKE, medical=False,
        kinds={SessionKind.INTAKE}, references=("ama-cpt-90791",),
        reason="intake (psychiatric diagnostic evaluation) without a prescriber taking part",
    ),
    CodeRule(
        name="intake-90792", code="90792", basis=Basis.INTAKE, medical=True,
        kinds={SessionKind.INTAKE}, references=("ama-cpt-90791",),
        reason="intake (psychiatric diagnostic evaluation) with medical services: a prescriber "
        "took part",
    ),
    CodeRule(
        name="instruments-96127", code="96127", basis=Basis.INSTRUMENTS,
        references=("ama-cpt-96127",),
        reason="one unit per standardized instrument scored and documented",
    ),
    CodeRule(
        name="esketamine-g2082", code="G2082", basis=Basis.ESKETAMINE, kinds=_DOSING,
        dose_at_most_mg=56, references=_ESK, excludes=tuple(sorted(PROLONGED_CODES)),
        excludes_references=("esketamine-bundling",),
        reason="esketamine nasal self-administration of up to 56 mg, supervised, with the "
        "2-hour observation (prolonged-service codes are not billed with it)",
    ),
    CodeRule(
        name="esketamine-g2083", code="G2083", basis=Basis.ESKETAMINE, kinds=_DOSING,
        dose_above_mg=56, references=_ESK, excludes=tuple(sorted(PROLONGED_CODES)),
        excludes_references=("esketamine-bundling",),
        reason="esketamine nasal self-administration of more than 56 mg, supervised, with the "
        "2-hour observation (prolonged-service codes are not billed with it)",
    ),
    CodeRule(
        name="esketamine-drug-j0013", code="J0013", basis=Basis.ESKETAMINE_DRUG, kinds=_DOSING,
        references=("esketamine-drug-code",), enabled=False,
        reason="the esketamine supplied, one unit per mg (payers outside Medicare; G2082/G2083 "
        "include the drug for Medicare): off unless the clinic turns it on",
    ),
    CodeRule(
        name="monitoring-0820t", code="0820T", basis=Basis.MONITORING_FIRST, kinds=_DOSING,
        min_minutes=31, references=_MON,
        reason=f"continuous in-person monitoring by the first physician or QHP, per hour "
        f"(a unit from 31 minutes, the mid-point); {_MON_WHY}",
    ),
    CodeRule(
        name="monitoring-0821t", code="0821T", basis=Basis.MONITORING_SECOND, kinds=_DOSING,
        min_minutes=31, references=_MON,
        reason=f"concurrent monitoring by a second physician or QHP, per hour; {_MON_WHY}",
    ),
    CodeRule(
        name="monitoring-0822t", code="0822T", basis=Basis.MONITORING_STAFF, kinds=_DOSING,
        min_minutes=31, references=_MON,
        reason=f"concurrent monitoring by clinical staff, per hour; {_MON_WHY}",
    ),
    CodeRule(
        name="group-90853", code="90853", basis=Basis.GROUP_PSYCHOTHERAPY, kinds=_NOT_INTAKE,
        references=("ama-cpt-90853",),
        reason="the client took part in group psychotherapy (billed once per client)",
    ),
)
