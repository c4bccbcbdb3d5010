"""A store's business calendar: time zone, working week, public holidays and closure
days, with working hours. Pure: built from plain data by policies.selectors, it never
reads the clock or the database.

Conventions
- A day-counted window ends at the end of the local day (23:59:59.999999 local time).
- "N working days after D" is the N-th working day after D's local date.
- Service-level clocks run in working time: the store's opening hours on working days;
  "2 working days" is twice the length of a working day of working time.
"""

import functools
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays as holidays_lib
from dateutil.relativedelta import relativedelta


@dataclass(frozen=True)
class BusinessCalendar:
    time_zone: str
    working_weekdays: frozenset[int] = frozenset({0, 1, 2, 3, 4})
    holidays: frozenset[date] = field(default_factory=frozenset)
    opens_at: time = time(9, 0)
    closes_at: time = time(17, 0)
    # make-up working days (a Saturday in China) that the week or a holiday leaves off
    extra_working_days: frozenset[date] = field(default_factory=frozenset)
    # the zone the texts made with this calendar show times in (the shopper's, detected
    # by their browser); empty: the store's own, named. Never used to count days.
    viewer_zone: str = ""

    def __post_init__(self) -> None:
        if not self.working_weekdays:
            raise ValueError("A calendar needs at least one working weekday.")
        if self.opens_at >= self.closes_at:
            raise ValueError("Opening time must be before closing time.")

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    # --- days ------------------------------------------------------------------------

    def local_date(self, moment: datetime) -> date:
        _require_aware(moment)
        return moment.astimezone(self.tz).date()

    def is_working_day(self, day: date) -> bool:
        if day in self.extra_working_days:
            return True
        return day.weekday() in self.working_weekdays and day not in self.holidays

    def end_of_day(self, day: date) -> datetime:
        """The last instant of the local day, as an aware datetime."""
        return datetime.combine(day, time.max, tzinfo=self.tz)

    def start_of_day(self, day: date) -> datetime:
        return datetime.combine(day, time.min, tzinfo=self.tz)

    def add_calendar_days(self, moment: datetime, days: int) -> datetime:
        """End of the local day `days` calendar days after the moment's local date."""
        return self.end_of_day(self.local_date(moment) + timedelta(days=days))

    def add_months(self, moment: datetime, months: int) -> datetime:
        return self.end_of_day(self.local_date(moment) + relativedelta(months=months))

    def add_working_days_to_date(self, day: date, days: int) -> date:
        """The `days`-th working day after `day` (0: `day` itself if it is one, else
        the next working day)."""
        if days < 0:
            raise ValueError("days must not be negative")
        current = day
        if days == 0:
            while not self.is_working_day(current):
                current += timedelta(days=1)
            return current
        counted = 0
        while counted < days:
            current += timedelta(days=1)
            if self.is_working_day(current):
                counted += 1
        return current

    def add_working_days(self, moment: datetime, days: int) -> datetime:
        """End of the local day that is the `days`-th working day after the moment."""
        return self.end_of_day(self.add_working_days_to_date(self.local_date(moment), days))

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]: the inverse of add_working_days_to_date."""
        if end <= start:
            return 0
        return sum(1 for n in range(1, (end - start).days + 1) if self.is_working_day(start + timedelta(days=n)))

    # --- working time (service-level clocks) ---------------------------------------

    @property
    def working_day_length(self) -> timedelta:
        return datetime.combine(date.min, self.closes_at) - datetime.combine(date.min, self.opens_at)

    def _open_interval(self, day: date) -> tuple[datetime, datetime] | None:
        if not self.is_working_day(day):
            return None
        return (datetime.combine(day, self.opens_at, tzinfo=self.tz), datetime.combine(day, self.closes_at, tzinfo=self.tz))

    def add_working_time(self, moment: datetime, amount: timedelta) -> datetime:
        """The instant when `amount` of working time has passed after `moment`."""
        _require_aware(moment)
        if amount < timedelta(0):
            raise ValueError("amount must not be negative")
        remaining = amount
        local = moment.astimezone(self.tz)
        day = local.date()
        for _ in range(3660):  # ten years of days: a bound, not a limit anyone meets
            interval = self._open_interval(day)
            if interval is not None:
                start = max(interval[0], local)
                if start < interval[1]:
                    available = interval[1] - start
                    if remaining <= available:
                        return start + remaining
                    remaining -= available
            day += timedelta(days=1)
            local = self.start_of_day(day)
        raise ValueError("working time does not fit in ten years of this calendar")

    def add_working_days_of_time(self, moment: datetime, days: int | float) -> datetime:
        return self.add_working_time(moment, self.working_day_length * days)

    def working_time_between(self, start: datetime, end: datetime) -> timedelta:
        _require_aware(start)
        _require_aware(end)
        if end <= start:
            return timedelta(0)
        total = timedelta(0)
        day = start.astimezone(self.tz).date()
        last = end.astimezone(self.tz).date()
        while day <= last:
            interval = self._open_interval(day)
            if interval is not None:
                lo, hi = max(interval[0], start), min(interval[1], end)
                if hi > lo:
                    total += hi - lo
            day += timedelta(days=1)
        return total


@functools.lru_cache(maxsize=64)
def holiday_dates(*, country: str, subdivision: str = "", years: range) -> frozenset[date]:
    """Public holidays from the `holidays` package for the given years. They are the
    package's data, the same for the life of the process, so they are computed once
    per country and years (building them takes milliseconds; a decision needs them)."""
    if not country:
        return frozenset()
    calendar = holidays_lib.country_holidays(country.upper(), subdiv=subdivision or None, years=list(years))
    return frozenset(calendar.keys())


def _require_aware(moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("aware datetimes only")
