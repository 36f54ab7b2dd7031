"""Dates: shifted per client with intervals kept exactly, or cut to the year; ages over 89."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections import defaultdict
from typing import Any

import pytest

from kapnotes.model import Document, evolve
from kapnotes.privacy import deidentify
from kapnotes.privacy.keys import Keyed
from kapnotes.serialization import to_data
from kapnotes.synthetic import build_document
from tests.privacy.helpers import SECRET, by_id, paired_dates, parse_when, strings

#: What a date looks like in any common written form (the year-mode scan).
DATE_SHAPES = re.compile(
    r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}/\d{1,2}/\d{2,4}|\d{4}/\d{1,2}/\d{1,2}|T\d{2}:\d{2}"
    r"|\b(?:January|February|March|April|May|June|July|August|September|October|November"
    r"|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.?\s+\d{1,2}\b"
    r"|\b\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:January|February|March|April|May|June|July"
    r"|August|September|October|November|December)\b"
)


def _course_pairs(doc: Document, output: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """(client id, original course data, de-identified course data) for every course."""
    keyed, out = Keyed(SECRET), by_id(output["courses"])
    data = to_data(doc)["courses"]
    return [(c["client_id"], c, out[keyed.pseudonym("course", c["id"])]) for c in data]


def _delta(original: str, shifted: str) -> dt.timedelta:
    a, b = parse_when(original), parse_when(shifted)
    assert a is not None and b is not None
    assert type(a) is type(b)
    return b - a  # type: ignore[operator]


# --- shift mode ----------------------------------------------------------------------------------


def test_every_date_of_a_client_moves_by_the_same_whole_number_of_days(seeded_doc, shifted):
    offsets: dict[str, set[dt.timedelta]] = defaultdict(set)
    for client_id, original, out in _course_pairs(seeded_doc, shifted):
        pairs = list(paired_dates(original, out))
        assert len(pairs) > 50
        for _, a, b in pairs:
            offsets[client_id].add(_delta(a, b))
    for client_id, found in offsets.items():
        assert len(found) == 1, client_id
        (delta,) = found
        assert delta.seconds == 0 and delta.microseconds == 0
        assert 1 <= abs(delta.days) <= 365
    assert len({d for s in offsets.values() for d in s}) > len(offsets) // 2  # offsets differ


def test_birth_dates_move_with_the_client_so_ages_are_kept(seeded_doc, shifted):
    keyed, out = Keyed(SECRET), by_id(shifted["clients"])
    courses = {c["client_id"]: c for c in shifted["courses"]}
    for client in seeded_doc.clients:
        mine = out[keyed.pseudonym("client", client.id)]
        born = dt.date.fromisoformat(mine["date_of_birth"])
        course = courses[mine["id"]]
        started = dt.date.fromisoformat(course["started_on"])
        original_course = next(c for c in seeded_doc.courses if c.client_id == client.id)
        assert started - born == original_course.started_on - client.date_of_birth


def test_intervals_between_sessions_and_monitoring_are_exact(seeded_doc, shifted):
    for _, original, out in _course_pairs(seeded_doc, shifted):
        starts_a = [dt.datetime.fromisoformat(s["start"]) for s in original["sessions"]]
        starts_b = [dt.datetime.fromisoformat(s["start"]) for s in out["sessions"]]
        gaps_a = [b - a for a, b in itertools.pairwise(starts_a)]
        gaps_b = [b - a for a, b in itertools.pairwise(starts_b)]
        assert gaps_a == gaps_b
        for sa, sb in zip(original["sessions"], out["sessions"], strict=True):
            if "dosing" not in sa:
                continue
            t0a = dt.datetime.fromisoformat(sa["dosing"]["administered_at"])
            t0b = dt.datetime.fromisoformat(sb["dosing"]["administered_at"])
            for ea, eb in zip(sa["dosing"]["monitoring"], sb["dosing"]["monitoring"], strict=True):
                minutes_a = dt.datetime.fromisoformat(ea["at"]) - t0a
                assert dt.datetime.fromisoformat(eb["at"]) - t0b == minutes_a


def test_time_of_day_and_utc_offset_are_kept(seeded_doc, shifted):
    for _, original, out in _course_pairs(seeded_doc, shifted)[:10]:
        for _, a, b in paired_dates(original, out):
            pa, pb = parse_when(a), parse_when(b)
            if isinstance(pa, dt.datetime):
                assert isinstance(pb, dt.datetime)
                assert (pa.time(), pa.utcoffset()) == (pb.time(), pb.utcoffset())
                assert a[-6:] == b[-6:]  # the offset is written the same way


def test_shift_keeps_exact_intervals_across_a_daylight_saving_change():
    from zoneinfo import ZoneInfo

    doc = build_document(clients=1)
    course = doc.courses[0]
    denver = ZoneInfo("America/Denver")
    s = course.sessions[0]
    start = dt.datetime(2026, 3, 7, 23, 30, tzinfo=denver)  # DST starts 2026-03-08 in Denver
    moved = evolve(s, start=start, end=start + dt.timedelta(hours=5), clinician_times=())
    doc = evolve(doc, courses=(evolve(course, sessions=(moved,)),))
    elapsed = moved.end.astimezone(dt.timezone.utc) - moved.start.astimezone(dt.timezone.utc)
    assert elapsed == dt.timedelta(hours=4)  # 5 hours of wall clock, one of them skipped by DST
    out = deidentify(doc, secret=SECRET, max_shift_days=3)
    first = out["courses"][0]["sessions"][0]
    a, b = dt.datetime.fromisoformat(first["start"]), dt.datetime.fromisoformat(first["end"])
    assert b - a == elapsed
    assert (first["start"][-6:], first["end"][-6:]) == ("-07:00", "-06:00")


@pytest.mark.parametrize("max_days", [1, 7, 30])
def test_offsets_stay_within_max_shift_days_and_are_never_zero(max_days):
    keyed = Keyed(SECRET)
    offsets = [keyed.day_offset(f"cl-{i:04d}", max_days) for i in range(2000)]
    assert all(1 <= abs(o) <= max_days for o in offsets)
    assert {abs(o) for o in offsets} == set(range(1, max_days + 1))
    assert any(o < 0 for o in offsets) and any(o > 0 for o in offsets)


# --- year mode -----------------------------------------------------------------------------------


def test_year_mode_leaves_no_month_or_day_anywhere(year_only):
    record = {k: v for k, v in year_only.items() if k != "deidentification"}
    offenders = [(path, s) for path, s in strings(record) if DATE_SHAPES.search(s)]
    assert offenders == []


def test_year_mode_writes_every_date_as_its_year(seeded_doc, year_only):
    keyed, out = Keyed(SECRET), by_id(year_only["courses"])
    for original in to_data(seeded_doc)["courses"][:10]:
        mine = out[keyed.pseudonym("course", original["id"])]
        pairs = list(paired_dates(original, mine))
        assert pairs
        for _, a, b in pairs:
            assert b == a[:4]


def test_year_mode_birth_dates_are_years(seeded_doc, year_only):
    keyed, out = Keyed(SECRET), by_id(year_only["clients"])
    for client in seeded_doc.clients:
        assert out[keyed.pseudonym("client", client.id)]["date_of_birth"] in (
            str(client.date_of_birth.year),
            "90+",
        )


# --- ages over 89 (45 CFR 164.514(b)(2)(i)(C)) -----------------------------------------------------

LAST = dt.date(2026, 3, 9)  # the latest date of build_document(clients=1)


def _one_client_born(born: dt.date) -> Document:
    doc = build_document(clients=1)
    return evolve(doc, clients=(evolve(doc.clients[0], date_of_birth=born),))


def test_the_default_age_reference_is_the_latest_record_date():
    days = []
    for _, s in strings(to_data(build_document(clients=1))["courses"]):
        when = parse_when(s)
        if when is not None:
            days.append(when.date() if isinstance(when, dt.datetime) else when)
    assert max(days) == LAST


@pytest.mark.parametrize(
    ("born", "shift", "year"),
    [
        (dt.date(1930, 5, 1), "90+", "90+"),  # 95
        (LAST.replace(year=LAST.year - 90), "90+", "90+"),  # 90 on the last record date
        (LAST.replace(year=LAST.year - 90) + dt.timedelta(days=1), "date", "90+"),  # 89 ...
        (dt.date(LAST.year - 89, 12, 31), "date", "1937"),  # 88: the years differ by 89
        (dt.date(1984, 3, 14), "date", "1984"),
    ],
)
def test_birth_dates_indicating_an_age_over_89_become_90_plus(born, shift, year):
    doc = _one_client_born(born)
    shifted = deidentify(doc, secret=SECRET)["clients"][0]["date_of_birth"]
    assert shifted == "90+" if shift == "90+" else parse_when(shifted) is not None
    assert deidentify(doc, secret=SECRET, dates="year")["clients"][0]["date_of_birth"] == year


def test_an_89_year_old_keeps_an_exact_shifted_birth_date_so_ages_stay_under_90():
    """In shift mode the reader can compute exact ages: an 89-year-old is never shown as 90."""
    born = LAST.replace(year=LAST.year - 90) + dt.timedelta(days=1)
    out = deidentify(_one_client_born(born), secret=SECRET)
    shifted_born = dt.date.fromisoformat(out["clients"][0]["date_of_birth"])
    last_session = max(dt.datetime.fromisoformat(s["start"]) for s in out["courses"][0]["sessions"])
    age = (
        last_session.year
        - shifted_born.year
        - ((last_session.month, last_session.day) < (shifted_born.month, shifted_born.day))
    )
    assert age == 89


def test_as_of_judges_ages_on_another_day():
    doc = _one_client_born(dt.date(1940, 1, 1))  # 86 at the last record
    assert deidentify(doc, secret=SECRET)["clients"][0]["date_of_birth"] != "90+"
    later = deidentify(doc, secret=SECRET, as_of=dt.date(2031, 1, 1))
    assert later["clients"][0]["date_of_birth"] == "90+"
    assert later["deidentification"]["counts"]["replaced"]["date_of_birth.90_plus"] == 1


def test_ages_over_89_in_free_text_become_90_plus():
    doc = build_document(clients=1)
    course = doc.courses[0]
    s = course.sessions[0]
    text = "Lives with her 93-year-old mother; father aged 91; client is 45 years old."
    s = evolve(s, narrative=evolve(s.narrative, presenting_concerns=text))
    doc = evolve(doc, courses=(evolve(course, sessions=(s, *course.sessions[1:])),))
    out = deidentify(doc, secret=SECRET)["courses"][0]["sessions"][0]["narrative"]
    assert out["presenting_concerns"] == (
        "Lives with her 90+-year-old mother; father aged 90+; client is 45 years old."
    )
