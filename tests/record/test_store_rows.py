"""The rows the store derives from the model, pinned against their first definitions."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from kapnotes.store.rows import utc_key

offsets = st.integers(-14 * 60, 14 * 60).map(lambda m: dt.timezone(dt.timedelta(minutes=m)))
#: any instant whose UTC form is a date Python can write (years 1 to 9999)
instants = st.datetimes(
    min_value=dt.datetime(1, 1, 2), max_value=dt.datetime(9999, 12, 30), timezones=offsets
)


@given(instants)
def test_utc_key_is_the_fixed_width_utc_text_it_always_was(t: dt.datetime) -> None:
    assert utc_key(t) == t.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def test_utc_key_of_an_early_year_and_of_a_whole_second() -> None:
    early = dt.datetime(999, 1, 1, 7, tzinfo=dt.timezone(dt.timedelta(hours=7)))
    assert utc_key(early) == "999-01-01T00:00:00.000000Z"
    t = dt.datetime(2026, 3, 2, 23, 59, 59, tzinfo=dt.timezone(dt.timedelta(hours=-7)))
    assert utc_key(t) == "2026-03-03T06:59:59.000000Z"
