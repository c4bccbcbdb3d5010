"""Claim clocks from the policy version and the store calendar. Pure functions."""

import math
from datetime import datetime, timedelta

from policies.calendar import BusinessCalendar


def review_due(calendar: BusinessCalendar, start: datetime, working_days: int) -> datetime:
    """Review SLAs run in working time: N working days of the store's opening hours."""
    return calendar.add_working_days_of_time(start, working_days)


def review_pause(calendar: BusinessCalendar, now: datetime, due: datetime) -> int:
    """Seconds of working time left when the clock stops (waiting for the shopper),
    rounded up: a pause never takes time away from the review."""
    return math.ceil(calendar.working_time_between(now, due).total_seconds())


def review_resume(calendar: BusinessCalendar, now: datetime, remaining_seconds: int) -> datetime:
    return calendar.add_working_time(now, timedelta(seconds=remaining_seconds))


def ship_by(calendar: BusinessCalendar, approved_at: datetime, length: int, unit: str) -> datetime:
    if unit == "working_days":
        return calendar.add_working_days(approved_at, length)
    return calendar.add_calendar_days(approved_at, length)


def refund_due(calendar: BusinessCalendar, start: datetime, business_days: int) -> datetime:
    return calendar.add_working_days(start, business_days)
