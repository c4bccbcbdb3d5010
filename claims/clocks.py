"""Claim clocks from the policy version and the store calendar, and the claim's most
urgent clock (next_due). Pure functions."""

import math
from datetime import datetime, timedelta

from django.db.models import Case, DateTimeField, Value, When
from django.db.models.functions import Coalesce, Least
from django.utils.translation import gettext as _

from claims.states import OPEN_STATES
from policies.calendar import BusinessCalendar
from policies.engine import turnaround_covers
from policies.time_words import when_words


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


def turnaround_due(calendar: BusinessCalendar, start: datetime, length: int, unit: str) -> datetime:
    """The repair / replacement promise: N calendar or working days, to the end of the
    store's local day."""
    if unit == "working_days":
        return calendar.add_working_days(start, length)
    return calendar.add_calendar_days(start, length)


def turnaround_start(rule, outcome: str, event: str, *, with_return: bool) -> bool:
    """Whether the rule's turnaround clock starts at this event ("approval" or
    "receipt") for the approved outcome. An outcome approved without a return starts
    it at approval: there is no receipt to wait for."""
    if rule is None or not turnaround_covers(rule, outcome):
        return False
    if event == "approval":
        return rule.turnaround_clock == "approval" or not with_return
    return rule.turnaround_clock == "receipt"


def turnaround_due_words(claim, viewer_zone: str | None = None) -> str:
    """What the shopper is told while the turnaround runs: "We will repair it by Tue 15
    Dec 2026", the day in the shopper's zone (`viewer_zone`, else the one kept on the
    claim, else the store's); empty when no turnaround runs."""
    if claim.turnaround_due_at is None:
        return ""
    date = when_words(
        claim.turnaround_due_at,
        store_zone=str(claim.store.time_zone),
        viewer_zone=viewer_zone if viewer_zone is not None else claim.shopper_timezone,
        kind="date",
        date_format="D j M Y",
    )
    if claim.outcome == "repair":
        return _("We will repair it by %(date)s") % {"date": date}
    if claim.outcome == "replacement_part":
        return _("We will ship the replacement part by %(date)s") % {"date": date}
    return _("We will ship your replacement by %(date)s") % {"date": date}


# --- the queue's urgency: the claim's most urgent running clock ------------------------

CLOCK_FIELDS = ("review_due_at", "ship_by_at", "refund_due_at", "turnaround_due_at")


def next_due(claim) -> datetime | None:
    """The earliest of the claim's clocks while it is open (claims.states.OPEN_STATES),
    else None: what Claim.next_due_at stores and the staff queue is ordered by."""
    if claim.status not in OPEN_STATES:
        return None
    return min((moment for moment in (getattr(claim, name) for name in CLOCK_FIELDS) if moment is not None), default=None)


def next_due_expression(open_states=OPEN_STATES) -> Case:
    """next_due() as one SQL expression, for set-based writes (UPDATE … SET next_due_at
    = …). LEAST over COALESCEs: the earliest non-null clock on every database (SQLite's
    MIN() and MySQL's LEAST() return NULL when any argument is NULL)."""
    # each field first once (its rotations): the least of them is the earliest set clock
    rotations = [CLOCK_FIELDS[i:] + CLOCK_FIELDS[:i] for i in range(len(CLOCK_FIELDS))]
    earliest = Least(*(Coalesce(*fields) for fields in rotations))
    return Case(When(status__in=sorted(open_states), then=earliest), default=Value(None), output_field=DateTimeField())
