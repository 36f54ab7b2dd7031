"""Interventions: a tagged union (by the ``type`` key in JSON) that plugins can extend.

Each intervention type is an attrs subclass of :class:`Intervention` with a unique ``type``
class variable. The built-in types are registered by :mod:`kapnotes.default_plugins.interventions`
through ``register_intervention_types``, exactly as a clinic's plugin registers its own.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, ClassVar

from kapnotes.choices import Choice
from kapnotes.errors import Problem
from kapnotes.model._base import each, field, in_range, model, non_blank, problem

_0_100 = in_range(0, 100)


@model
class Intervention:
    """Fields every intervention has. Subclasses set ``type`` (the JSON tag) and ``label``."""

    type: ClassVar[str] = ""
    label: ClassVar[str] = "Intervention"

    minutes: int | None = field(default=None, check=in_range(0, 600, unit="minutes"))
    notes: str | None = None


class Distortion(Choice):
    """Cognitive distortions after Burns (1980), *Feeling Good*. Burns lists ten; "jumping to
    conclusions" is kept as its two kinds (mind reading, fortune telling), as clinicians record
    them, which makes eleven members."""

    ALL_OR_NOTHING = "all_or_nothing"
    OVERGENERALIZATION = "overgeneralization"
    MENTAL_FILTER = "mental_filter"
    DISQUALIFYING_THE_POSITIVE = "disqualifying_the_positive"
    MIND_READING = "mind_reading"
    FORTUNE_TELLING = "fortune_telling"
    MAGNIFICATION_MINIMIZATION = "magnification_minimization"
    EMOTIONAL_REASONING = "emotional_reasoning"
    SHOULD_STATEMENTS = "should_statements"
    LABELING = "labeling"
    PERSONALIZATION_BLAME = "personalization_blame"

    @property
    def label(self) -> str:
        return (
            self.value.replace("_", " ")
            .replace(" minimization", "/minimization")
            .replace(" blame", "/blame")
            .capitalize()
        )


@model
class EmotionRating:
    """An emotion and its intensity 0-100, before and (optionally) after reframing."""

    emotion: str = field(check=non_blank)
    before: int = field(check=_0_100)
    after: int | None = field(default=None, check=_0_100)


@model
class CBTReframing(Intervention):
    """Cognitive restructuring of one automatic thought (thought record)."""

    type: ClassVar[str] = "cbt_reframing"
    label: ClassVar[str] = "CBT reframing"

    situation: str = field(check=non_blank)
    automatic_thought: str = field(check=non_blank)
    emotions: tuple[EmotionRating, ...] = ()
    distortions: tuple[Distortion, ...] = ()
    evidence_for: tuple[str, ...] = ()
    evidence_against: tuple[str, ...] = ()
    balanced_thought: str | None = None
    belief_before: int | None = field(default=None, check=_0_100)
    belief_after: int | None = field(default=None, check=_0_100)

    def _invariants(self) -> list[Problem]:
        if self.belief_after is not None and self.belief_before is None:
            return [
                problem("belief_before", "belief after is recorded, so belief before is needed")
            ]
        return []


class FollowThrough(Choice):
    DONE = "done"
    PARTLY = "partly"
    NOT_DONE = "not_done"


@model
class Commitment:
    """Homework or a commitment made in integration (journaling, behavioural activation, ...)."""

    text: str = field(check=non_blank)
    due: dt.date | None = None


@model
class CommitmentReview:
    """Follow-through on a commitment made earlier."""

    commitment: str = field(check=non_blank)
    status: FollowThrough
    notes: str | None = None


@model
class IntegrationWork(Intervention):
    """Integration of a dosing experience: themes, insights, meaning, commitments, practices."""

    type: ClassVar[str] = "integration"
    label: ClassVar[str] = "Integration work"

    dosing_session_id: str | None = None
    themes: tuple[str, ...] = ()
    insights: tuple[str, ...] = ()
    meaning: str | None = None
    values: tuple[str, ...] = ()
    commitments: tuple[Commitment, ...] = ()
    practices: tuple[str, ...] = ()
    reviewed_commitments: tuple[CommitmentReview, ...] = ()


@model
class Psychoeducation(Intervention):
    type: ClassVar[str] = "psychoeducation"
    label: ClassVar[str] = "Psychoeducation"

    topics: tuple[str, ...] = field(check=each(non_blank))
    materials: tuple[str, ...] = ()


@model
class Mindfulness(Intervention):
    """Mindfulness or grounding practice."""

    type: ClassVar[str] = "mindfulness"
    label: ClassVar[str] = "Mindfulness / grounding"

    practice: str = field(check=non_blank)
    response: str | None = None


@model
class MotivationalInterviewing(Intervention):
    type: ClassVar[str] = "motivational_interviewing"
    label: ClassVar[str] = "Motivational interviewing"

    target_behavior: str = field(check=non_blank)
    change_talk: tuple[str, ...] = ()
    sustain_talk: tuple[str, ...] = ()
    importance: int | None = field(default=None, check=in_range(0, 10))
    confidence: int | None = field(default=None, check=in_range(0, 10))


@model
class Exposure(Intervention):
    """Exposure or trauma processing, with SUDS 0-100 (Wolpe's Subjective Units of Distress)."""

    type: ClassVar[str] = "exposure"
    label: ClassVar[str] = "Exposure / trauma processing"

    target: str = field(check=non_blank)
    method: str | None = None
    suds_before: int | None = field(default=None, check=_0_100)
    suds_peak: int | None = field(default=None, check=_0_100)
    suds_after: int | None = field(default=None, check=_0_100)

    def _invariants(self) -> list[Problem]:
        peak, others = self.suds_peak, (self.suds_before, self.suds_after)
        if peak is not None and any(o is not None and o > peak for o in others):
            return [problem("suds_peak", "peak SUDS cannot be lower than before or after")]
        return []


@model
class SafetyPlanning(Intervention):
    """Safety planning after Stanley & Brown (2012): the six steps plus means safety."""

    type: ClassVar[str] = "safety_planning"
    label: ClassVar[str] = "Safety planning"

    warning_signs: tuple[str, ...] = ()
    coping_strategies: tuple[str, ...] = ()
    social_distractions: tuple[str, ...] = ()
    people_to_ask_for_help: tuple[str, ...] = ()
    professional_contacts: tuple[str, ...] = ()
    means_safety: str | None = None
    reasons_for_living: tuple[str, ...] = ()
    copy_given_to_client: bool = False

    def _invariants(self) -> list[Problem]:
        if not (self.warning_signs or self.coping_strategies or self.professional_contacts):
            return [
                problem(
                    "warning_signs",
                    "a safety plan needs at least warning signs, coping strategies or contacts",
                )
            ]
        return []


@model
class SomaticWork(Intervention):
    type: ClassVar[str] = "somatic"
    label: ClassVar[str] = "Somatic work"

    technique: str = field(check=non_blank)
    body_areas: tuple[str, ...] = ()
    touch_used: bool = False
    response: str | None = None


BUILTIN_INTERVENTION_TYPES: tuple[type[Intervention], ...] = (
    CBTReframing,
    IntegrationWork,
    Psychoeducation,
    Mindfulness,
    MotivationalInterviewing,
    Exposure,
    SafetyPlanning,
    SomaticWork,
)


@model
class UnknownIntervention(Intervention):
    """An intervention whose ``type`` no installed plugin registers (uninstalled, or failed to
    import). It is kept exactly as read: ``raw`` is the canonical JSON of the whole object,
    ``type`` key included, and it is written back unchanged, so the record's bytes, its content
    hash and any signature over it stay the same. Notes show its fields generically, marked as
    such; ``kapnotes check`` warns about it. Install the plugin again to read it as its class."""

    label: ClassVar[str] = "Intervention of an uninstalled plugin"

    tag: str = field(check=non_blank)
    raw: str = field(check=non_blank)

    @property
    def data(self) -> dict[str, Any]:
        """The object as read (a fresh copy each time: the record itself cannot change)."""
        value: dict[str, Any] = json.loads(self.raw)
        return value

    @property
    def missing_plugin_note(self) -> str:
        """How notes and ``kapnotes check`` mark it: ``type 'music-set' — its plugin is not
        installed``."""
        return f"type {self.tag!r} — its plugin is not installed"
