"""The clinic's own fields (extensions), its configurable rule, and its renderers.

* Extension fields under the namespace ``example_clinic``: on the session, the sitter who stays
  with the client and a research ID; on the dosing record, how long the client rested lying
  down after the dose. In JSON: ``"extensions": {"example_clinic": {...}}``.
* A configuration section ``plugins.example_clinic`` with the minimum rest the clinic's SOP
  asks for (``min_rest_minutes``, default 20).
* A rule (``example-clinic-rest``, ``CLINIC-REST-001``, warning): a dosing record whose rest is
  shorter than the configured minimum; the finding cites the configured policy.
* Renderers: breathwork as one line with the arousal change; the dosing fields as one line.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from kapnotes.model import SessionKind, field, in_range, model, non_blank
from kapnotes.model.extensions import Extension
from kapnotes.notes import blocks
from kapnotes.notes.renderers import Renderer
from kapnotes.rules.base import Finding, Rule, RuleContext, Severity
from kapnotes.rules.plugin_config import ConfigSection

NAMESPACE = "example_clinic"
FHIR_BASE = "https://example-clinic.example/fhir/StructureDefinition/"


@model
class SessionFields:
    """Who stayed with the client, and the client's research ID (if enrolled)."""

    sitter: str | None = field(default=None, check=non_blank, identifier=True, label="Sitter")
    research_id: str | None = field(default=None, check=non_blank, label="Research ID")


@model
class DosingFields:
    """How long the client rested lying down after the dose."""

    rest_minutes: int | None = field(default=None, check=in_range(0, 600),
                                     label="Rest lying down (minutes)")


SESSION_FIELDS = Extension(NAMESPACE, "session", SessionFields, FHIR_BASE + "session",
                           "Example clinic: session")
DOSING_FIELDS = Extension(NAMESPACE, "dosing", DosingFields, FHIR_BASE + "dosing",
                          "Example clinic: dosing")


@model
class Settings:
    """The clinic's settings for its own rule."""

    min_rest_minutes: int = field(default=20, check=in_range(0, 240))


SETTINGS = ConfigSection(
    NAMESPACE, Settings,
    sources={"min_rest_minutes": "Example clinic SOP 7.2 (synthetic): rest at least 20 minutes"},
    description="The example clinic's own thresholds.",
)


def _rest(ctx: RuleContext) -> Iterator[Finding]:
    d = ctx.session.dosing
    if d is None or NAMESPACE not in d.extensions:
        return
    rest = d.extensions[NAMESPACE].rest_minutes
    at_least = ctx.config.section(SETTINGS).min_rest_minutes
    if rest is not None and rest < at_least:
        yield ctx.finding(
            Severity.WARNING, "CLINIC-REST-001",
            f"The client rested {rest} minutes lying down; the clinic asks for at least "
            f"{at_least}.",
            ctx.at("dosing", "extensions", NAMESPACE, "rest_minutes"),
            source=ctx.config.section_source(SETTINGS, "min_rest_minutes"),
        )


REST_RULE = Rule(
    name="example-clinic-rest",
    description="A dosing session records a rest lying down at least as long as the SOP asks.",
    check=_rest,
    applies_to={SessionKind.DOSING},
    source="Example clinic SOP 7.2 (synthetic)",
    codes=("CLINIC-REST-001",),
)


def render_breathwork(ctx: Any, obj: Any) -> tuple[Any, ...]:
    """Breathwork as the technique, the rounds and the arousal change (0-10)."""
    rounds = f", {obj.rounds} rounds" if obj.rounds else ""
    return blocks.fields_block([
        ("Breathwork", f"{obj.technique}{rounds}"),
        ("Arousal (0-10)", blocks.before_after(obj.arousal_before, obj.arousal_after)),
        ("Duration", blocks.format_minutes(obj.minutes) if obj.minutes is not None else ""),
        ("Notes", obj.notes or ""),
    ])


def render_dosing_fields(ctx: Any, obj: Any) -> tuple[Any, ...]:
    """The dosing fields as one line."""
    rest = "not recorded" if obj.rest_minutes is None else f"{obj.rest_minutes} minutes"
    return blocks.fields_block([("Rest lying down", rest)])


RENDERERS = (
    Renderer.for_intervention("breathwork", render_breathwork),
    Renderer.for_extension(DOSING_FIELDS, render_dosing_fields),
)
