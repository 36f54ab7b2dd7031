"""The fast ways of wording values give what the first ways gave: format_clock without strftime,
format_offset cached by offset, format_value by exact type before its isinstance chain."""

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


_PLAIN = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False),
                   st.text(max_size=5), st.dates(), st.datetimes(timezones=_OFFSETS))


def _by_isinstance(value):
    """format_value's chain as first written (isinstance checks in order), for plain values."""
    from kapnotes.notes.wording import format_date, format_number

    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, float):
        return format_number(value)
    if isinstance(value, dt.datetime):
        return format_datetime(value)
    if isinstance(value, dt.date):
        return format_date(value)
    return str(value)


@given(st.one_of(_PLAIN, st.lists(_PLAIN, max_size=3).map(tuple)))
def test_format_value_by_exact_type_is_the_isinstance_chain(value):
    from kapnotes.notes.wording import LIST_SEP, format_value, populated

    if isinstance(value, tuple):
        assert format_value(value) == LIST_SEP.join(_by_isinstance(v) for v in value if populated(v))
    else:
        assert format_value(value) == _by_isinstance(value)
