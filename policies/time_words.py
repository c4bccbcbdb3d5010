"""A moment in words for a shopper (pages and e-mails), with Django's date formats:
in the shopper's zone, with the store's zone named when it shows another time
(policies.zones has the cases)."""

from django.utils import formats
from django.utils.translation import gettext as _

from policies.zones import ShownMoment, moment_shown

DATE_FORMAT = "l j F Y"


def when_words(moment, *, store_zone: str, viewer_zone: str, kind: str = "deadline", date_format: str = DATE_FORMAT) -> str:
    """`kind`: "time" (to the minute), "date" (the day something happened) or
    "deadline" (to the minute, or the store's day when it ends with that day)."""
    if not moment:
        return ""
    shown = moment_shown(moment, store_zone=store_zone, viewer_zone=viewer_zone)
    if kind == "date":
        return formats.date_format(shown.local, date_format)
    if kind == "deadline" and shown.ends_store_day:
        return _day_deadline(shown, date_format)
    return _time(shown, date_format)


def _time(shown: ShownMoment, date_format: str) -> str:
    values = {
        "date": formats.date_format(shown.local, date_format),
        "time": formats.time_format(shown.local, "H:i"),
        "zone": shown.zone,
        "store_zone": shown.store_zone,
        "store_time": formats.time_format(shown.store_local, "H:i")
        if shown.same_store_day
        else formats.date_format(shown.store_local, "D j M, H:i"),
    }
    if not shown.viewer_known:
        return _("%(date)s, %(time)s (%(zone)s)") % values
    if not shown.differs:
        return _("%(date)s, %(time)s") % values
    return _("%(date)s, %(time)s your time (%(zone)s; %(store_time)s in the store's time zone, %(store_zone)s)") % values


def _day_deadline(shown: ShownMoment, date_format: str) -> str:
    if not shown.differs:
        return formats.date_format(shown.store_local, date_format)
    values = {
        "date": formats.date_format(shown.local, date_format),
        "time": formats.time_format(shown.local, "H:i"),
        "zone": shown.zone,
        "store_zone": shown.store_zone,
        "store_day": formats.date_format(shown.store_local, "j M"),
    }
    return _("%(date)s, %(time)s your time (%(zone)s; the end of %(store_day)s in the store's time zone, %(store_zone)s)") % values


def zone_note_words(*, store_zone: str, viewer_zone: str) -> str:
    """One line under a page's times: whose clock they are on."""
    if not viewer_zone:
        return _("Times are in %(zone)s, the store's time zone.") % {"zone": store_zone}
    if viewer_zone == store_zone:
        return _("Times are in your time zone, %(zone)s.") % {"zone": viewer_zone}
    return _("Times are in your time zone, %(zone)s (the store's is %(store_zone)s).") % {"zone": viewer_zone, "store_zone": store_zone}


def deadline_date_and_zone(moment, *, store_zone: str, viewer_zone: str, date_format: str = "j M Y") -> tuple[str, str]:
    """A deadline in two parts for a sentence "ship it by {date} ({zone})" (the ship
    reminder, rendered once for many claims with both parts filled in per claim): the
    viewer's day, and whose clock it is on: the store's zone name, or when the viewer's
    clock differs, the time the deadline is for them and for the store."""
    shown = moment_shown(moment, store_zone=store_zone, viewer_zone=viewer_zone)
    date = formats.date_format(shown.local, date_format)
    if not shown.differs:
        return date, shown.store_zone
    values = {
        "time": formats.time_format(shown.local, "H:i"),
        "zone": shown.zone,
        "store_zone": shown.store_zone,
        "store_when": _("the end of %(day)s") % {"day": formats.date_format(shown.store_local, "j M")}
        if shown.ends_store_day
        else formats.date_format(shown.store_local, "j M, H:i"),
    }
    return date, _("%(time)s your time, %(zone)s; %(store_when)s in the store's time zone, %(store_zone)s") % values
