"""format_clock and format_offset, written without strftime and cached by offset, give what
strftime and the arithmetic gave, for any moment and offset."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from kapnotes.notes.wording import format_clock, format_datetime, format_offset

_OFFSETS = st.integers(min_value=-23 * 60 - 59, max_value=23 * 60 + 59).map(
    lambda m: dt.timezone(dt.timedelta(minutes=m))
)


@given(st.datetimes(timezones=_OFFSETS))
def test_clock_is_strftime(value):
    assert format_clock(value) == value.strftime("%H:%M")
    assert format_clock(value, seconds=True) == value.strftime("%H:%M:%S")


@given(st.datetimes(timezones=_OFFSETS))
def test_offset_is_the_offset_written_out(value):
    minutes = int(value.utcoffset().total_seconds() // 60)
    hours, mins = divmod(abs(minutes), 60)
    assert format_offset(value) == f"{'+' if minutes >= 0 else '-'}{hours:02d}:{mins:02d}"
    assert format_datetime(value).endswith(format_offset(value))


def test_naive_moment_has_no_offset():
    assert format_offset(dt.datetime(2026, 1, 12, 9, 5)) == ""
    assert format_datetime(dt.datetime(2026, 1, 12, 9, 5)) == "2026-01-12 09:05"
