"""Topics: self-labelled blocks about one subject, built once and placed by each format.

*Record* topics render fields of the session and declare which (``Topic.paths``); a format must
place each of them or name the field in its ``OMITTED`` map. *Views* (no paths) are summaries
or context. The registry is open: :func:`register_topic` adds a plugin's topic (a format spec
that maps it must be built after it is registered).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType

import attrs

from kapnotes.notes.format import NoteContext
from kapnotes.notes.topics.course import (
    consents_view,
    dosing_intention_view,
    figures_view,
    findings_view,
    goals_view,
    linked_dosing_view,
    problems_view,
)
from kapnotes.notes.topics.dosing import (
    BASELINE_CHECKS,
    CONSENT_CHECKS,
    _preparation_topic,
    medicine_topic,
    pre_screen_topic,
)
from kapnotes.notes.topics.interventions import (
    cbt_topic,
    commitments_topic,
    follow_through_topic,
    integration_topic,
    other_interventions_topic,
)
from kapnotes.notes.topics.measures import measures_topic
from kapnotes.notes.topics.monitoring import (
    adverse_events_view,
    baseline_vitals_view,
    diagnosis_view,
    discharge_topic,
    monitoring_topic,
)
from kapnotes.notes.topics.narrative import _fields_of, _narrative, intention_topic
from kapnotes.notes.wording import Blocks

__all__ = [
    "FRAME_PATHS",
    "NOT_SHOWN",
    "TOPICS",
    "TOPIC_BY_KEY",
    "Topic",
    "register_topic",
]

# =============================================================================================
# Topics
# =============================================================================================


def _extensions_topic(ctx: NoteContext) -> Blocks:
    from kapnotes.notes.extensions import extensions_topic

    return extensions_topic(ctx)


@attrs.frozen
class Topic:
    """Self-labelled blocks about one subject, built once and placed by each format.

    :ivar key: stable name used by format specs (``monitoring``).
    :ivar label: the heading it gets when it lands in a default section on its own.
    :ivar build: ``build(context) -> blocks`` (empty when there is nothing to show).
    :ivar paths: the session fields it documents (dotted, no indices); empty for a *view*.
    """

    key: str
    label: str
    build: Callable[[NoteContext], Blocks] = attrs.field(repr=False)
    paths: tuple[str, ...] = ()

    @property
    def is_view(self) -> bool:
        """A view (summary or context) is shown only where a format maps it."""
        return not self.paths


def _p(prefix: str, names: Iterable[str]) -> tuple[str, ...]:
    return tuple(f"{prefix}.{n}" for n in names)


_MEDICINE_FIELDS = (
    "ordering_clinician_id",
    "administering_clinician_id",
    "monitoring_clinician_id",
    "agent",
    "route",
    "dose_mg",
    "administered_at",
    "body_weight_kg",
    "lot_number",
    "infusion_minutes",
    "boosters",
    "adjuncts",
)

def _billing_topic(ctx: NoteContext) -> Blocks:
    from kapnotes.notes.billing_blocks import billing_topic

    return billing_topic(ctx)


def _plan_progress_view(ctx: NoteContext) -> Blocks:
    from kapnotes.notes.documents.treatment_plan import progress_blocks

    return progress_blocks(ctx)


_BILLING_PATHS = ("clinician_times", "service_lines", "group_id")  # billing_blocks.PATHS

TOPICS: tuple[Topic, ...] = (
    # -- the session's record (each must be placed or omitted on purpose)
    Topic("presenting_concerns", "Presenting concerns",
          _narrative("presenting_concerns", "Presenting concerns"),
          ("narrative.presenting_concerns",)),
    Topic("intention", "Intention", intention_topic, ("intention",)),
    Topic("client_experience", "Client experience",
          _narrative("client_experience", "Client experience"), ("narrative.client_experience",)),
    Topic("mental_status", "Mental status", _narrative("mental_status", "Mental status"),
          ("narrative.mental_status",)),
    Topic("observations", "Observations", _narrative("observations", "Observations"),
          ("narrative.observations",)),
    Topic("assessment", "Assessment", _narrative("assessment", "Clinical assessment"),
          ("narrative.assessment",)),
    Topic("set_and_setting", "Set and setting", _fields_of("set_and_setting"),
          ("set_and_setting",)),
    Topic("consent_checks", "Consent checks", _preparation_topic(CONSENT_CHECKS),
          _p("dosing.preparation", CONSENT_CHECKS)),
    Topic("baseline_checks", "Pre-dose checks", _preparation_topic(BASELINE_CHECKS),
          _p("dosing.preparation", BASELINE_CHECKS)),
    Topic("medicine", "Medicine", medicine_topic, _p("dosing", _MEDICINE_FIELDS)),
    Topic("pre_screen", "Medical pre-screen", pre_screen_topic, ("pre_screen",)),
    Topic("monitoring", "Monitoring timeline", monitoring_topic, ("dosing.monitoring",)),
    Topic("discharge", "Discharge", discharge_topic, ("dosing.discharge",)),
    Topic("measures", "Measures", measures_topic, ("measures",)),
    Topic("risk", "Risk assessment", _fields_of("risk"), ("risk",)),
    Topic("plan", "Plan", _fields_of("plan"), ("plan",)),
    Topic("interventions", "Interventions", other_interventions_topic, ("interventions",)),
    Topic("cbt", "CBT reframing", cbt_topic, ("interventions",)),
    Topic("integration", "Integration work", integration_topic, ("interventions",)),
    Topic("commitments", "Commitments", commitments_topic, ("interventions.commitments",)),
    Topic("follow_through", "Follow-through", follow_through_topic,
          ("interventions.reviewed_commitments",)),
    Topic("billing", "Time and services", _billing_topic, _BILLING_PATHS),
    Topic("extensions", "Clinic fields", _extensions_topic,
          ("extensions", "dosing.extensions", "dosing.monitoring.extensions",
           "measures.extensions")),
    # -- views: summaries and context, shown where a format maps them
    Topic("baseline_vitals", "Pre-dose vitals", baseline_vitals_view),
    Topic("adverse_events", "Adverse events", adverse_events_view),
    Topic("consents_on_file", "Consents on file", consents_view),
    Topic("course_goals", "Treatment goals", goals_view),
    Topic("plan_progress", "Treatment plan progress", _plan_progress_view),
    Topic("course_problems", "Problems", problems_view),
    Topic("diagnosis", "Diagnosis", diagnosis_view),
    Topic("linked_dosing", "Dosing session", linked_dosing_view),
    Topic("dosing_intention", "Intention for the dosing session", dosing_intention_view),
    Topic("findings", "Safety findings", findings_view),
    Topic("figures", "Figures", figures_view),
)

_BY_KEY: dict[str, Topic] = {t.key: t for t in TOPICS}
#: Every topic by key: the built-in :data:`TOPICS` and those added with :func:`register_topic`.
TOPIC_BY_KEY: Mapping[str, Topic] = MappingProxyType(_BY_KEY)


def register_topic(topic: Topic) -> Topic:
    """Add a topic (a plugin's view, such as a clinic's own summary) so that format specs can
    map it by key; returns it. A key already taken is refused (topics never change meaning).

    :raises ValueError: the key is taken, or the topic is a record topic (record topics are
        the core's: every format must place or omit them, so a plugin adds a *view*).
    """
    if topic.key in _BY_KEY:
        raise ValueError(f"topic {topic.key!r} is already registered")
    if not topic.is_view:
        raise ValueError(f"topic {topic.key!r} declares session paths; a plugin adds views only")
    _BY_KEY[topic.key] = topic
    return topic

#: Session fields shown in every note outside the topics (facts, signatures, addenda).
FRAME_PATHS: tuple[str, ...] = (
    "id",
    "kind",
    "start",
    "end",
    "modality",
    "location",
    "clinicians",
    "present",
    "status",
    "signatures",
    "addenda",
)

#: Fields no note shows, and why. Every built-in format's ``OMITTED`` includes these.
NOT_SHOWN: Mapping[str, str] = {
    "measures.id": "an internal record identifier; a measure is shown by instrument and time",
    "addenda.id": "an internal record identifier; an addendum is shown by author and time",
    "signatures.clinician_id": "a signer is shown by the name and credentials copied at signing",
    "addenda.signature.clinician_id": "the addendum's author, shown by name and credentials",
    "signatures.key_id": "verification data (kapnotes verify), not part of the note's text",
    "signatures.digital_signature": "verification data (kapnotes verify), not part of the note's text",
    "signatures.previous_hash": "verification data (kapnotes verify), not part of the note's text",
    "signatures.context_hash": "verification data (kapnotes verify), not part of the note's text",
    "addenda.signature.key_id": "verification data (kapnotes verify), not part of the note's text",
    "addenda.signature.digital_signature": "verification data (kapnotes verify), not part of the note's text",
    "addenda.signature.previous_hash": "verification data (kapnotes verify), not part of the note's text",
    "addenda.signature.context_hash": "verification data (kapnotes verify), not part of the note's text",
}


