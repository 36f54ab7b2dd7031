"""Measures as FHIR: a QuestionnaireResponse with the items, and an Observation with the score.

* ``QuestionnaireResponse``: ``questionnaire`` is the instrument's canonical
  (``http://loinc.org/q/44249-1`` for PHQ-9), each answered item is
  ``{"linkId": <item LOINC code, else "item-N">, "answer": [{"valueInteger": n}]}`` (unanswered
  items are left out), or ``valueCoding`` with the LOINC answer code (LA...) where the item has
  a verified answer list (PHQ-9 items 1-10, ``codes.ANSWER_LISTS``); ``identifier`` is the
  kapnotes measure id.
* ``Observation`` (category ``survey``): code = the instrument's LOINC total, valueQuantity in
  ``{score}`` (UCUM), interpretation = the band as text, ``derivedFrom`` -> the
  QuestionnaireResponse. None when the responses give no total (incomplete), and for instruments
  whose result is a level rather than a total (C-SSRS: its risk level as text).

An at-home measure of the course (format 1.3, no session) is exported the same way without an
``encounter``. R4 gives neither resource an element for the EpisodeOfCare, so none is sent: the
patient and ``authored`` place it (the importer finds its course by that time, or by its
identifier).

Instrument codes come from the instrument catalog (``Instrument.loinc``), read through
:func:`kapnotes_fhir.codes.instrument_loinc`; the importer reads the same ones.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from kapnotes.instruments.base import Instrument
from kapnotes.model import MeasureAdministration, Respondent, Session, TreatmentCourse
from kapnotes.scoring import resolve_instrument
from kapnotes_fhir import codes
from kapnotes_fhir.codes import LOINC, instrument_loinc, text_concept
from kapnotes_fhir.context import Entry, ExportContext, prune, when


def link_id(instrument: Instrument, number: int) -> str:
    """The linkId of item ``number``: its LOINC code where the catalog has one, else ``item-N``."""
    loinc = instrument_loinc(instrument)
    code = loinc.item(number) if loinc is not None else None
    return code or f"item-{number}"


#: :func:`item_heads` by instrument (``id``; the instrument kept with them, so that the id is
#: never another's). Emptied when it reaches :data:`_HEADS_KEPT` instruments (registries made
#: again and again, in tests): an export uses a handful.
_HEADS_KEPT = 64
_HEADS: dict[int, tuple[Instrument, tuple[dict[str, str], ...]]] = {}


def item_heads(instrument: Instrument) -> tuple[dict[str, str], ...]:
    """``linkId`` and ``text`` (when the item has one) of each item of ``instrument``, in item
    order, worked out once per instrument: what each answered item of a QuestionnaireResponse
    starts with. Copy before changing one (they are shared)."""
    found = _HEADS.get(id(instrument))
    if found is not None and found[0] is instrument:
        return found[1]
    heads = tuple(
        prune({"linkId": link_id(instrument, n), "text": item.text or item.label})
        for n, item in enumerate(instrument.items, start=1)
    )
    if len(_HEADS) >= _HEADS_KEPT:
        _HEADS.clear()
    _HEADS[id(instrument)] = (instrument, heads)
    return heads


def answer(instrument: Instrument, number: int, value: int) -> dict[str, Any]:
    """The answer to item ``number``: its LOINC answer code where the item has a verified answer
    list (PHQ-9: ``codes.ANSWER_LISTS``), else ``valueInteger``."""
    answers = codes.answer_list(instrument.name, number)
    code = answers.code(value) if answers is not None else None
    if code is not None:
        return {"valueCoding": code.coding()}
    return {"valueInteger": value}


def questionnaire_response(
    ctx: ExportContext, course: TreatmentCourse, s: Session | None, m: MeasureAdministration,
    instrument: Instrument | None,
) -> Entry:
    """The items of one administration (``s`` None: an at-home measure, no encounter)."""
    items = []
    heads = item_heads(instrument) if instrument is not None else ()
    for n, value in enumerate(m.items, start=1):
        if value is None:
            continue
        if n <= len(heads):
            head = heads[n - 1]
            assert instrument is not None  # heads are an instrument's
            items.append({**head, "answer": [answer(instrument, n, value)]})
        else:
            items.append({"linkId": f"item-{n}", "answer": [{"valueInteger": value}]})
    patient = ctx.patient(course.client_id)
    by_client = m.respondent is Respondent.CLIENT
    author = patient if by_client else ctx.practitioner(m.administered_by)
    canonical = (
        codes.questionnaire_url(instrument, ctx.systems.base)
        if instrument is not None
        else codes.questionnaire_url_for_name(m.instrument, ctx.systems.base)
    )
    body = prune(
        {
            "questionnaire": canonical,
            "status": "completed",
            "subject": patient,
            "encounter": ctx.ref("Encounter", s.id) if s is not None else None,
            "authored": when(m.administered_at),
            "author": author,
            "source": patient if by_client else None,
            "item": items,
        }
    )
    return ctx.new("QuestionnaireResponse", m.id, "measure", body, single_identifier=True,
                   extended=m)


def score_observation(
    ctx: ExportContext, course: TreatmentCourse, s: Session | None, m: MeasureAdministration,
    instrument: Instrument,
) -> Entry | None:
    """The score of one administration (None when there is none to send; ``s`` None: an
    at-home measure, no encounter)."""
    result = instrument.score(m.items)
    loinc = instrument_loinc(instrument)
    value: dict[str, Any]
    if result.complete and result.total is not None:
        text = f"{instrument.title} total score"
        code = loinc.total if loinc is not None else None
        value = {"valueQuantity": codes.SCORE.quantity(result.total)}
    elif result.risk_level is not None:
        text = f"{instrument.title} risk level"
        code = loinc.risk_level if loinc is not None else None
        value = {"valueCodeableConcept": text_concept(result.risk_level)}
    else:
        return None
    concept = {"coding": [{"system": LOINC, "code": code}], "text": text} if code else text_concept(text)
    body = prune(
        {
            "status": codes.OBSERVATION_STATUS,
            "category": [codes.SURVEY.concept()],
            "code": concept,
            "subject": ctx.patient(course.client_id),
            "encounter": ctx.ref("Encounter", s.id) if s is not None else None,
            "effectiveDateTime": when(m.administered_at),
            **value,
            "interpretation": [text_concept(result.band)] if result.band else [],
            "derivedFrom": [ctx.ref("QuestionnaireResponse", m.id)],
        }
    )
    return ctx.new("Observation", f"{m.id}/score", "observation", body)


def measures(ctx: ExportContext, course: TreatmentCourse, s: Session) -> Iterator[Entry]:
    """QuestionnaireResponse and score Observation of every measure of a session."""
    for m in s.measures:
        yield from _administration(ctx, course, s, m)


def home_measures(ctx: ExportContext, course: TreatmentCourse) -> Iterator[Entry]:
    """QuestionnaireResponse and score Observation of every at-home measure of the course."""
    for m in course.measures:
        yield from _administration(ctx, course, None, m)


def _administration(
    ctx: ExportContext, course: TreatmentCourse, s: Session | None, m: MeasureAdministration
) -> Iterator[Entry]:
    instrument = resolve_instrument(m.instrument, ctx.instruments)  # "PHQ-9" is phq9
    yield questionnaire_response(ctx, course, s, m, instrument)
    if instrument is not None:
        obs = score_observation(ctx, course, s, m, instrument)
        if obs is not None:
            yield obs
