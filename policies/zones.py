"""Times shown to a shopper: in their own time zone (their browser tells it), with the
store's zone named when the two differ. Pure: deadlines are computed in the store's
calendar (its working days and holidays); this only says a moment for a viewer.

Three cases, for a moment and a store:
- the viewer's zone is unknown (no JavaScript yet): the store's zone, named, as a store
  page always did;
- it shows the same clock time as the store's zone: just the time;
- it differs: the viewer's time, "your time (Europe/Berlin)", then the store's clock
  time named with its zone.
"""

import functools
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, available_timezones

# A browser's answer travels in this cookie (static/portal/time-zone.js) and is kept on
# the session under SESSION_KEY once it names a real zone.
COOKIE_NAME = "shopper_tz"
SESSION_KEY = "shopper_time_zone"
MAX_LENGTH = 64

# names in the tz database that are no place a shopper is
_NOT_PLACES = frozenset({"localtime", "Factory"})


@functools.cache
def _known_zones() -> frozenset[str]:
    return frozenset(available_timezones()) - _NOT_PLACES


def zone_valid(value: object) -> str:
    """The IANA zone name when `value` is one ("Europe/Berlin"), else "": unknown,
    hostile or oversized values are ignored, never stored or echoed."""
    if not isinstance(value, str) or not value or len(value) > MAX_LENGTH:
        return ""
    return value if value in _known_zones() else ""


@dataclass(frozen=True)
class ShownMoment:
    """A moment as the viewer sees it (`local`) and as the store's clock says it."""

    local: datetime
    store_local: datetime
    zone: str
    store_zone: str
    viewer_known: bool

    @property
    def differs(self) -> bool:
        """The viewer's clock shows another time than the store's at that moment (same
        offset in another zone's name, Paris for a Berlin store, is the same time)."""
        return self.viewer_known and self.local.utcoffset() != self.store_local.utcoffset()

    @property
    def ends_store_day(self) -> bool:
        """A day-counted deadline: the last minute of the store's day."""
        return (self.store_local.hour, self.store_local.minute) == (23, 59)

    @property
    def same_store_day(self) -> bool:
        return self.local.date() == self.store_local.date()


def moment_shown(moment: datetime, *, store_zone: str, viewer_zone: str | None) -> ShownMoment:
    if moment.tzinfo is None:
        raise ValueError("moment must be aware")
    viewer = zone_valid(viewer_zone or "")
    store_local = moment.astimezone(ZoneInfo(store_zone))
    if not viewer:
        return ShownMoment(store_local, store_local, store_zone, store_zone, False)
    return ShownMoment(moment.astimezone(ZoneInfo(viewer)), store_local, viewer, store_zone, True)


# --- the engine's English words (the templates word it with Django's formats) ------------


def _day(local: datetime) -> str:
    return f"{local.day} {local:%b %Y}"


def date_words(moment: datetime, *, store_zone: str, viewer_zone: str | None) -> str:
    """A day something happened ("Delivered on 3 Dec 2026"): the viewer's day."""
    return _day(moment_shown(moment, store_zone=store_zone, viewer_zone=viewer_zone).local)


def time_words(moment: datetime, *, store_zone: str, viewer_zone: str | None) -> str:
    """A deadline to the minute (an hours window): "4 Dec 2026, 16:19 your time
    (Europe/Berlin; 23:19 in the store's time zone, Asia/Shanghai)"."""
    shown = moment_shown(moment, store_zone=store_zone, viewer_zone=viewer_zone)
    mine = f"{_day(shown.local)}, {shown.local:%H:%M}"
    if not shown.viewer_known:
        return f"{mine} ({shown.store_zone})"
    if not shown.differs:
        return mine
    theirs = f"{shown.store_local:%H:%M}" if shown.same_store_day else f"{shown.store_local.day} {shown.store_local:%b, %H:%M}"
    return f"{mine} your time ({shown.zone}; {theirs} in the store's time zone, {shown.store_zone})"


def day_deadline_words(moment: datetime, *, store_zone: str, viewer_zone: str | None) -> str:
    """A deadline that ends with the store's day (a day-counted window): the day, and
    when the viewer's clock differs, the time that day ends for them: "4 Dec 2026, 16:59
    your time (Europe/Berlin; the end of 4 Dec in the store's time zone, Asia/Shanghai)"."""
    shown = moment_shown(moment, store_zone=store_zone, viewer_zone=viewer_zone)
    if not shown.differs:
        return _day(shown.store_local)
    return (
        f"{_day(shown.local)}, {shown.local:%H:%M} your time ({shown.zone}; "
        f"the end of {shown.store_local.day} {shown.store_local:%b} in the store's time zone, {shown.store_zone})"
    )


def reword_for_viewer(text: str, deadline: datetime, *, store_zone: str, viewer_zone: str | None) -> str:
    """A text the engine wrote in the store's words (a claim's decision kept from its
    submission says its deadline "7 Oct 2026, 09:30 (Asia/Shanghai)") with the deadline
    said for the viewer instead. Only the engine's own wording of that deadline is
    replaced: the same functions wrote it, so it is found exactly or left alone."""
    if not zone_valid(viewer_zone or ""):
        return text
    as_time = time_words(deadline, store_zone=store_zone, viewer_zone=None)
    if as_time in text:
        return text.replace(as_time, time_words(deadline, store_zone=store_zone, viewer_zone=viewer_zone))
    shown = moment_shown(deadline, store_zone=store_zone, viewer_zone=viewer_zone)
    as_day = day_deadline_words(deadline, store_zone=store_zone, viewer_zone=None)
    if shown.ends_store_day and shown.differs and as_day in text:
        return text.replace(as_day, day_deadline_words(deadline, store_zone=store_zone, viewer_zone=viewer_zone), 1)
    return text
