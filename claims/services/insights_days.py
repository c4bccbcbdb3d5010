"""Counting a store's closed days into the insights' daily tables (claims.models.Insights*Day),
so that the insights page reads a few hundred rows instead of counting a million claims.

A day is closed once it is over in the store's time zone. A day's figures are written in
one transaction with its InsightsDay mark, replacing what the day held: counting a day
again is always safe (idempotent), and a reader sees a day either whole or not at all
(claims.insights counts the days without a mark itself).

What changes a closed day afterwards, and how it is counted again:
- orders placed that day and imported, changed by a webhook or in the admin later (their
  units sold): every run counts again the days of the orders saved since the store's
  last count (Order.updated_at; lines are saved with their order);
- a store's time zone changed: its days are marked with the old zone and count as not
  counted until the run counts them again;
- anything else (an order's placing time moved, rows deleted by hand): the nightly run
  counts every day again.
Claims, decisions and refunds only ever add to the day they happen on (today).
"""

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.cache import cache
from django.db import transaction
from django.db.models import Max
from django.db.models.functions import TruncDate
from django.utils import timezone

from claims.insights import Period, count_days, store_first_day, uncounted_parts
from claims.models import (
    InsightsDay,
    InsightsDecisionDay,
    InsightsMoneyDay,
    InsightsProductDay,
    InsightsReasonDay,
)
from orders.models import Order, Store

logger = logging.getLogger(__name__)

# days counted per transaction: a year of a large store stays a short write
CHUNK_DAYS = 31
# the insights page asks the worker to count at most this often
COUNT_SOON_SECONDS = 600


@dataclass
class StoreCounted:
    store_id: int
    days: int
    seconds: float


def insights_days_count(*, store: Store, first: date, last: date, now: datetime | None = None) -> int:
    """Count the store's days first..last into the daily tables, replacing what they held;
    only closed days (before today in the store's zone). Returns the days counted."""
    now = now or timezone.now()
    zone = ZoneInfo(str(store.time_zone))
    last = min(last, _today(store, now) - timedelta(days=1))
    counted = 0
    while first <= last:
        part = Period(first, min(last, first + timedelta(days=CHUNK_DAYS - 1)), zone)
        _count_part(store, part, now)
        counted += part.days
        first = part.last + timedelta(days=1)
    return counted


def _count_part(store: Store, part: Period, now: datetime) -> None:
    days = count_days(store=store, period=part)
    reasons, products, decisions, money = [], [], [], []
    for day, counts in days.items():
        reasons += [
            InsightsReasonDay(store=store, day=day, reason_code=code, reason_label=label[:120], claims=claims)
            for code, (label, claims) in counts.reasons.items()
        ]
        products += [
            InsightsProductDay(store=store, day=day, product_id=product, claims=c, units_claimed=u, units_sold=s)
            for product, (c, u, s) in counts.products.items()
            if product is not None
        ]
        if counts.decided:
            decisions.append(InsightsDecisionDay(store=store, day=day, decided=counts.decided, in_time=counts.in_time))
        money += [
            InsightsMoneyDay(
                store=store, day=day, currency=currency, refunds=n, refunded=r, compensated=c, deducted=d
            )
            for currency, (n, r, c, d) in counts.money.items()
        ]
    span = {"store": store, "day__gte": part.first, "day__lte": part.last}
    with transaction.atomic():
        # one count of a store's days at a time (the hourly and the nightly run may meet)
        Store.objects.select_for_update().filter(pk=store.pk).first()
        for model in (InsightsReasonDay, InsightsProductDay, InsightsDecisionDay, InsightsMoneyDay, InsightsDay):
            model.objects.filter(**span).delete()
        InsightsReasonDay.objects.bulk_create(reasons, batch_size=1000)
        InsightsProductDay.objects.bulk_create(products, batch_size=1000)
        InsightsDecisionDay.objects.bulk_create(decisions, batch_size=1000)
        InsightsMoneyDay.objects.bulk_create(money, batch_size=1000)
        marks = [InsightsDay(store=store, day=day, time_zone=str(part.zone), counted_at=now) for day in _days(part)]
        InsightsDay.objects.bulk_create(marks, batch_size=1000)


def _days(period: Period):
    day = period.first
    while day <= period.last:
        yield day
        day += timedelta(days=1)


def _today(store: Store, now: datetime) -> date:
    return timezone.localtime(now, ZoneInfo(str(store.time_zone))).date()


def insights_days_refresh(*, store: Store, everything: bool = False, now: datetime | None = None) -> StoreCounted:
    """Bring the store's daily tables up to yesterday: count the closed days not counted
    (in the store's present zone), and again those whose orders were saved since the
    last count; `everything`: count every day again (the nightly run)."""
    started = timezone.now()
    now = now or started
    zone = ZoneInfo(str(store.time_zone))
    first, yesterday = store_first_day(store=store, zone=zone), _today(store, now) - timedelta(days=1)
    if first is None or first > yesterday:
        return StoreCounted(store.pk, 0, 0.0)
    whole = Period(first, yesterday, zone)
    if everything:
        parts = [whole]
    else:
        marks = InsightsDay.objects.filter(store=store, day__gte=first, day__lte=yesterday, time_zone=str(zone))
        counted = list(marks.values_list("day", flat=True))
        parts = uncounted_parts(whole, counted)
        last_count = marks.aggregate(at=Max("counted_at"))["at"]
        if last_count is not None:
            changed = (
                Order.objects.filter(
                    store=store, updated_at__gte=last_count, placed_at__gte=whole.start, placed_at__lt=whole.end
                )
                .annotate(day=TruncDate("placed_at", tzinfo=zone))
                .values_list("day", flat=True)
                .order_by()
                .distinct()
            )
            missing = {day for part in parts for day in _days(part)}
            parts += [Period(day, day, zone) for day in sorted(set(changed) - missing)]
    days = sum(insights_days_count(store=store, first=part.first, last=part.last, now=now) for part in parts)
    return StoreCounted(store.pk, days, (timezone.now() - started).total_seconds())


def insights_days_refresh_all(*, everything: bool = False, now: datetime | None = None) -> list[StoreCounted]:
    """insights_days_refresh for every store."""
    return [insights_days_refresh(store=store, everything=everything, now=now) for store in Store.objects.order_by("pk")]


def insights_days_count_soon() -> bool:
    """Ask the worker to count the closed days now (the insights page found days not
    counted yet: a new installation, the worker stopped for a while), at most once per
    COUNT_SOON_SECONDS. The page never waits for it nor fails with the broker down."""
    if not cache.add("insights:count-soon", 1, COUNT_SOON_SECONDS):
        return False
    from claims.tasks import insights_days_task

    try:
        insights_days_task.delay()
    except Exception:
        logger.exception("insights: the daily count could not be queued; the hourly run will count the days")
        cache.delete("insights:count-soon")
        return False
    return True
