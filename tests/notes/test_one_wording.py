"""One wording of values and date-times in every format and exporter; one note frame; an open
registry of topics."""

from __future__ import annotations

import datetime as dt

import pytest

from kapnotes import exporters
from kapnotes.notes import blocks, wording
from kapnotes.notes.formats import BUILTIN_SPECS
from kapnotes.notes.topics.registry import Topic, register_topic
from kapnotes.rendering import export_note

from . import fixtures

MST = dt.timezone(dt.timedelta(hours=-7))


def test_one_datetime_wording_for_notes_and_exporters() -> None:
    moment = dt.datetime(2026, 1, 12, 9, 0, 42, tzinfo=MST)
    assert wording.format_datetime(moment) == "2026-01-12 09:00 -07:00"
    assert wording.format_datetime(moment, seconds=True) == "2026-01-12 09:00:42 -07:00"
    assert exporters.format_datetime is wording.format_datetime
    assert blocks.format_datetime is wording.format_datetime
    assert wording.format_datetime(moment.astimezone(dt.timezone.utc)).endswith("16:00 +00:00")


@pytest.mark.parametrize("to", ["text", "markdown"])
def test_a_note_words_its_times_the_same_in_the_body_and_the_signatures(to: str) -> None:
    session = fixtures.full_dosing_session()
    spec = next(s for s in BUILTIN_SPECS if s.name == "kap-dosing")
    text = export_note(spec.build(fixtures.context(session)), to=to).decode()
    assert "UTC-07:00" not in text and "UTC" not in text.replace("UTC offset", "")
    signed = session.signatures[0].signed_at
    assert wording.format_datetime(signed, seconds=True) in text
    assert wording.format_offset(session.start) in text


def test_every_builtin_format_uses_the_one_frame() -> None:
    session = fixtures.full_dosing_session()
    ctx = fixtures.context(session)
    for spec in BUILTIN_SPECS:
        note = spec.build(ctx)
        assert note.letterhead == blocks.letterhead(ctx)
        assert note.signatures == blocks.signature_blocks(ctx)
        assert note.addenda == blocks.note_addenda(ctx)


def test_a_plugin_registers_a_view_topic_and_formats_map_it() -> None:
    from kapnotes.notes.formats import FormatSpec, SectionSpec, standard_sections
    from kapnotes.notes.topics import registry

    topic = register_topic(Topic("clinic_banner_test", "Clinic banner",
                                 lambda ctx: blocks.paragraph("Harbor Light", "Clinic")))
    try:
        _check_plugin_topic(topic, FormatSpec, SectionSpec, standard_sections)
    finally:
        del registry._BY_KEY[topic.key]


def _check_plugin_topic(topic, FormatSpec, SectionSpec, standard_sections) -> None:  # type: ignore[no-untyped-def]
    spec = FormatSpec(name="clinic-brief", description="brief", title="Brief",
                      sections=standard_sections(SectionSpec("top", "Top", (topic.key,))))
    assert "Harbor Light" in "\n".join(spec.build(fixtures.context(
        fixtures.full_dosing_session())).iter_text())
    with pytest.raises(ValueError, match="already registered"):
        register_topic(topic)
    with pytest.raises(ValueError, match="views only"):
        register_topic(Topic("clinic_record_test", "x", lambda ctx: (), ("intention",)))
