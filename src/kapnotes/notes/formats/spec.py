"""A note format as data: which topics go under which section heading.

Every built-in format is a :class:`FormatSpec` (a few lines of mapping) and so can a clinic's::

    from kapnotes.notes.formats import FormatSpec, SectionSpec, standard_sections

    MY_FORMAT = FormatSpec(
        name="clinic-brief",
        description="Our brief progress note",
        title="Brief note: {kind} session",
        sections=standard_sections(
            SectionSpec("summary", "Summary", ("presenting_concerns", "assessment")),
            SectionSpec("plan", "Plan", ("plan",)),
        ),
    ).note_format()

The topics come from :mod:`kapnotes.notes.blocks`. A *record* topic (one that shows fields of the
session) that a format does not map is not lost: it lands in the section that collects unmapped
topics ("Additional documentation"). A format that leaves a field out on purpose names it, with
the reason, in ``omitted`` (a dotted path: ``"dosing"`` leaves out the whole dosing record).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

import attrs

from kapnotes.model import Session, SessionKind
from kapnotes.notes import blocks
from kapnotes.notes.document import Note, Paragraph, Section
from kapnotes.notes.format import NoteContext, NoteFormat
from kapnotes.notes.frame import note_frame

__all__ = [
    "ADDITIONAL",
    "FIGURES",
    "FINDINGS",
    "FormatSpec",
    "SectionSpec",
    "standard_sections",
]

#: Fields that can never be left out: they make the note a record (who signed what, when).
#: Only the internal identifiers of :data:`kapnotes.notes.blocks.NOT_SHOWN` under them may be.
NEVER_OMITTED = ("id", "kind", "start", "status", "signatures", "addenda")


@attrs.frozen
class SectionSpec:
    """A section of a format: its key, heading and the topics it shows, in order.

    :ivar empty: shown when none of its topics has anything; None leaves the section out.
    :ivar collects_unmapped: this section also receives every record topic no section maps.
    """

    key: str
    heading: str
    topics: tuple[str, ...]
    empty: str | None = "Not documented."
    collects_unmapped: bool = False


#: Safety findings from the rule plugins (``ctx.extra["findings"]``), first when present.
FINDINGS = SectionSpec("findings", "Safety findings", ("findings",), empty=None)
#: Where record topics that a format does not map land.
ADDITIONAL = SectionSpec(
    "additional", "Additional documentation", (), empty=None, collects_unmapped=True
)
#: Figures from plugins (``ctx.extra["figures"]``), last when present.
FIGURES = SectionSpec("figures", "Figures", ("figures",), empty=None)


#: The clinicians' recorded times, the service lines and the group session (format 1.2).
BILLING = SectionSpec("billing", "Time and services", ("billing",), empty=None)


def standard_sections(*body: SectionSpec) -> tuple[SectionSpec, ...]:
    """``body`` framed by the sections every format has: findings first; time and services,
    the collector of unmapped topics and the figures last (each shown only when it has
    content)."""
    return (FINDINGS, *body, BILLING, ADDITIONAL, FIGURES)


def _is_under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + ".")


@attrs.frozen
class FormatSpec:
    """A note format: a mapping from topics to sections, and what it leaves out and why.

    :ivar title: the note's title; ``{kind}`` becomes the session kind (``Dosing``).
    :ivar omitted: dotted session field path -> why this format does not show it.
    :ivar session_kinds: the session kinds it is meant for (None: any kind).
    """

    name: str
    description: str
    title: str
    sections: tuple[SectionSpec, ...]
    omitted: Mapping[str, str] = attrs.field(factory=lambda: dict(blocks.NOT_SHOWN), eq=False)
    session_kinds: frozenset[SessionKind] | None = None
    #: The topics each section shows, worked out on its first note (sections, omissions and the
    #: topic table are fixed once the format is made and validated): not once per note.
    _shown: dict[SectionSpec, tuple[blocks.Topic, ...]] = attrs.field(
        factory=dict, init=False, eq=False, repr=False
    )

    def __attrs_post_init__(self) -> None:
        problems = [*self._topic_problems(), *self._omission_problems()]
        if problems:
            raise ValueError(f"note format {self.name!r}: " + "; ".join(problems))

    def _topic_problems(self) -> list[str]:
        out = []
        keys = [s.key for s in self.sections]
        if len(set(keys)) != len(keys):
            out.append(f"section keys must be unique, got {keys}")
        mapped = [t for s in self.sections for t in s.topics]
        out += [f"unknown topic {t!r}" for t in mapped if t not in blocks.TOPIC_BY_KEY]
        twice = sorted({t for t in mapped if mapped.count(t) > 1})
        out += [f"topic {t!r} is mapped to more than one section" for t in twice]
        return out

    def _omission_problems(self) -> list[str]:
        fields = {a.name for a in attrs.fields(cast(Any, Session))}
        out = []
        for path, reason in self.omitted.items():
            if path.split(".")[0] not in fields:
                out.append(f"omitted {path!r} is not a session field")
            fixed = any(_is_under(path, p) for p in NEVER_OMITTED)
            if fixed and path not in blocks.NOT_SHOWN:
                out.append(f"{path!r} cannot be omitted from a note")
            if not reason.strip():
                out.append(f"omitted {path!r} needs a reason")
        return out

    # -- what the format shows ------------------------------------------------------------------

    def omits(self, path: str) -> bool:
        """Whether the session field at ``path`` (or a field containing it) is left out."""
        # ``path`` is under ``p`` exactly when ``p`` is ``path`` or one of its dotted prefixes
        # (``a``, ``a.b`` of ``a.b.c``): a lookup each instead of a scan of every omission.
        omitted = self.omitted
        if path in omitted:
            return True
        end = path.find(".")
        while end != -1:
            if path[:end] in omitted:
                return True
            end = path.find(".", end + 1)
        return False

    def shows(self, topic: blocks.Topic) -> bool:
        """A topic is shown unless every field it documents is omitted."""
        return topic.is_view or not all(self.omits(p) for p in topic.paths)

    def unmapped_topics(self) -> tuple[blocks.Topic, ...]:
        """Record topics no section maps (they land in the collecting section)."""
        mapped = {t for s in self.sections for t in s.topics}
        return tuple(
            t for t in blocks.TOPICS if not t.is_view and t.key not in mapped and self.shows(t)
        )

    # -- building a note ------------------------------------------------------------------------

    def section_topics(self, spec: SectionSpec) -> tuple[blocks.Topic, ...]:
        """The topics section ``spec`` shows, in order (the unmapped ones where it collects them)."""
        shown = self._shown.get(spec)
        if shown is None:
            topics = [blocks.TOPIC_BY_KEY[k] for k in spec.topics]
            if spec.collects_unmapped:
                topics += self.unmapped_topics()
            shown = self._shown[spec] = tuple(t for t in topics if self.shows(t))
        return shown

    def _section(self, spec: SectionSpec, ctx: NoteContext) -> Section | None:
        content = tuple(b for t in self.section_topics(spec) for b in t.build(ctx))
        if not content:
            if spec.empty is None:
                return None
            content = (Paragraph(spec.empty),)
        return Section(key=spec.key, heading=spec.heading, blocks=content)

    def _section_specs(self) -> tuple[SectionSpec, ...]:
        if any(s.collects_unmapped for s in self.sections):
            return self.sections
        return (*self.sections, ADDITIONAL)

    def build(self, ctx: NoteContext) -> Note:
        """The note of ``ctx.session`` in this format."""
        s = ctx.session
        sections = [self._section(spec, ctx) for spec in self._section_specs()]
        kind = blocks.format_value(s.kind)
        return note_frame(
            ctx,
            title=self.title.format(kind=kind),
            format=self.name,
            sections=sections,
            subject=f"KAP {kind.lower()} session {blocks.format_date(s.start.date())}",
            omits=self.omits,
        )

    def note_format(self) -> NoteFormat:
        """This spec as a :class:`NoteFormat` to register through ``register_note_formats``."""
        return NoteFormat(
            name=self.name,
            description=self.description,
            build=self.build,
            session_kinds=self.session_kinds,
        )
