"""Hypothesis round trips: model -> JSON -> model, model -> store -> model, JSON -> store -> JSON."""

from __future__ import annotations

import datetime as dt

import attrs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kapnotes.model import (
    CBTReframing,
    Distortion,
    Document,
    EmotionRating,
    IntegrationWork,
    MeasureAdministration,
    MeasureContext,
    Narrative,
    Session,
    SessionKind,
)
from kapnotes.serialization import dumps, loads
from kapnotes.store import open_store

text = st.text(max_size=40)  # any Unicode but surrogates, control characters included
opt_text = st.none() | text
offsets = st.integers(-12 * 60, 14 * 60).map(lambda m: dt.timezone(dt.timedelta(minutes=m)))
narratives = st.builds(
    Narrative,
    presenting_concerns=opt_text,
    mental_status=opt_text,
    observations=opt_text,
    client_experience=opt_text,
    assessment=opt_text,
)
rating = st.integers(0, 100)
cbt = st.builds(
    CBTReframing,
    situation=text.filter(str.strip),
    automatic_thought=text.filter(str.strip),
    emotions=st.lists(
        st.builds(
            EmotionRating, emotion=text.filter(str.strip), before=rating, after=st.none() | rating
        ),
        max_size=3,
    ).map(tuple),
    distortions=st.lists(st.sampled_from(list(Distortion)), unique=True, max_size=4).map(tuple),
    evidence_for=st.lists(text, max_size=3).map(tuple),
    belief_before=rating,
    belief_after=st.none() | rating,
    minutes=st.none() | st.integers(0, 600),
)
integration = st.builds(
    IntegrationWork, themes=st.lists(text, max_size=3).map(tuple), meaning=opt_text
)


@st.composite
def sessions(draw, sid: str, kind: SessionKind, start: dt.datetime) -> Session:
    items = draw(st.lists(st.integers(0, 3), min_size=9, max_size=9).map(tuple))
    return Session(
        id=sid,
        kind=kind,
        start=start,
        end=start + dt.timedelta(minutes=draw(st.integers(1, 600))),
        intention=draw(opt_text),
        narrative=draw(st.none() | narratives),
        interventions=tuple(draw(st.lists(cbt | integration, max_size=3))),
        measures=(
            MeasureAdministration(
                id=f"{sid}-m",
                instrument="phq9",
                administered_at=start,
                items=items,
                # 'home' is a course's own measure (format 1.3), drawn in documents()
                context=draw(st.sampled_from(SESSION_CONTEXTS)),
            ),
        ),
    )


SESSION_CONTEXTS = [c for c in MeasureContext if c is not MeasureContext.HOME]


@st.composite
def home_measures(draw, course_start: dt.datetime) -> tuple[MeasureAdministration, ...]:
    """At-home PHQ-9s of the course (format 1.3), in any order and UTC offset."""
    out = []
    for k in range(draw(st.integers(0, 3))):
        at = course_start + dt.timedelta(hours=draw(st.integers(12, 24 * 40)))
        out.append(MeasureAdministration(
            id=f"home-{k}", instrument="phq9", administered_at=at.astimezone(draw(offsets)),
            items=draw(st.lists(st.integers(0, 3) | st.none(), min_size=9, max_size=9).map(tuple)),
            context=MeasureContext.HOME,
        ))
    return tuple(draw(st.permutations(out)))


@st.composite
def documents(draw, base: Document) -> Document:
    """The demo clinic with the first course's integration sessions replaced by random ones."""
    course = base.courses[0]
    new = []
    for s in course.sessions:
        if s.kind is SessionKind.INTEGRATION:
            # keep time order: a new start within an hour after the original, in any UTC offset
            start = s.start + dt.timedelta(seconds=draw(st.integers(0, 3600)))
            start = start.astimezone(draw(offsets))
            s = draw(sessions(s.id, SessionKind.INTEGRATION, start))
        new.append(s)
    home = draw(home_measures(course.sessions[0].start))
    return attrs.evolve(
        base,
        courses=(attrs.evolve(course, sessions=tuple(new), measures=home), *base.courses[1:]),
    )


SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@SETTINGS
@given(data=st.data())
def test_model_json_model(demo_doc, data):
    doc = data.draw(documents(demo_doc))
    assert loads(dumps(doc)) == doc


@SETTINGS
@given(data=st.data())
def test_model_store_model_and_json_store_json(demo_doc, data):
    doc = data.draw(documents(demo_doc))
    store = open_store(":memory:")
    try:
        store.save(loads(dumps(doc)))
        back = store.document()
        assert back == doc
        assert dumps(back) == dumps(doc)
    finally:
        store.close()
