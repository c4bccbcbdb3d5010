"""The business calendar: working days across weekends and public holidays, day
windows ending at the end of the local day across DST, working-time clocks that
pause and resume (property tests with hypothesis)."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policies.calendar import BusinessCalendar, holiday_dates

NY = ZoneInfo("America/New_York")
US_2026 = holiday_dates(country="US", subdivision="NY", years=range(2025, 2029))
CAL = BusinessCalendar(time_zone="America/New_York", holidays=US_2026, opens_at=time(9), closes_at=time(17))


def test_us_holidays_come_from_the_holidays_package():
    assert date(2026, 11, 26) in US_2026  # Thanksgiving
    assert date(2026, 12, 25) in US_2026
    assert date(2026, 11, 27) not in US_2026


def test_working_days_skip_the_weekend_and_a_public_holiday():
    wednesday = date(2026, 11, 25)
    # Thu 26 Thanksgiving, Sat/Sun weekend: Fri 27, Mon 30, Tue 1 Dec
    assert CAL.add_working_days_to_date(wednesday, 1) == date(2026, 11, 27)
    assert CAL.add_working_days_to_date(wednesday, 3) == date(2026, 12, 1)
    assert CAL.working_days_between(wednesday, date(2026, 12, 1)) == 3


def test_store_closures_count_as_non_working_days():
    closed = BusinessCalendar(time_zone="America/New_York", holidays=US_2026 | {date(2026, 11, 27)})
    assert closed.add_working_days_to_date(date(2026, 11, 25), 1) == date(2026, 11, 30)


def test_a_day_window_ends_at_the_end_of_the_local_day_across_dst():
    bought = datetime(2026, 10, 20, 22, 30, tzinfo=NY)  # EDT; DST ends on 1 Nov
    deadline = CAL.add_calendar_days(bought, 30)
    assert deadline == datetime(2026, 11, 19, 23, 59, 59, 999999, tzinfo=NY)
    assert deadline.utcoffset() == timedelta(hours=-5)  # EST by then


def test_working_time_pauses_overnight_weekends_and_holidays():
    wednesday_4pm = datetime(2026, 11, 25, 16, 0, tzinfo=NY)
    # 2 working days = 16 working hours: 1 h Wed, 8 h Fri (Thu is Thanksgiving), 7 h Mon
    assert CAL.add_working_days_of_time(wednesday_4pm, 2) == datetime(2026, 11, 30, 16, 0, tzinfo=NY)


def test_pause_and_resume_keeps_the_remaining_working_time():
    submitted = datetime(2026, 11, 24, 10, 0, tzinfo=NY)  # Tue
    due = CAL.add_working_days_of_time(submitted, 2)
    paused = datetime(2026, 11, 25, 12, 0, tzinfo=NY)  # waiting for the shopper
    remaining = CAL.working_time_between(paused, due)
    resumed = datetime(2026, 12, 2, 15, 0, tzinfo=NY)
    new_due = CAL.add_working_time(resumed, remaining)
    assert CAL.working_time_between(submitted, paused) + CAL.working_time_between(resumed, new_due) == timedelta(hours=16)


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="aware"):
        CAL.add_calendar_days(datetime(2026, 1, 1), 3)


weekdays = st.frozensets(st.integers(min_value=0, max_value=6), min_size=1)
moments = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(NY))


@settings(max_examples=200, deadline=None)
@given(start=st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 12, 31)), n=st.integers(min_value=0, max_value=60), week=weekdays)
def test_adding_n_working_days_then_counting_gives_n(start, n, week):
    calendar = BusinessCalendar(time_zone="America/New_York", working_weekdays=week, holidays=US_2026)
    end = calendar.add_working_days_to_date(start, n)
    assert calendar.is_working_day(end)
    if n > 0:
        assert calendar.working_days_between(start, end) == n


@settings(max_examples=200, deadline=None)
@given(start=moments, minutes=st.integers(min_value=0, max_value=60 * 8 * 30))
def test_adding_working_time_then_measuring_it_gives_it_back(start, minutes):
    amount = timedelta(minutes=minutes)
    end = CAL.add_working_time(start, amount)
    assert end >= start
    assert CAL.working_time_between(start, end) == amount
