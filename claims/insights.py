"""Insights for managers: why products come back, how fast claims are decided and how
often the review deadline is missed, per store and period. Reads only.

Where the figures come from: a store's closed days (midnight to midnight in its time
zone) are counted once into the daily tables (claims.models.Insights*Day) by the worker
(claims.services.insights_days, hourly, and every night again); the days of a period not
counted yet (today, at least) are counted here from the claims, orders and refunds, the
same way (`count_days`). The time to decision comes from the claims' first decisions
(Claim.first_decided_at) with PostgreSQL's percentile_cont (on SQLite, which has none, the
same linear interpolation over the sorted durations).

What counts where (the page says it too):
- claims by reason and by product, and the units claimed: claims submitted in the period;
- units sold: order lines of the store's orders placed in the period (cancelled orders
  not counted); the claim rate of a product is units claimed / units sold;
- time to decision: from a claim's submission to its first decision (the first of
  states.DECISION_COMMANDS), for the claims whose first decision falls in the period;
- SLA compliance per week: the decisions made that week (appeals' included) that kept
  the review deadline in force when they were made (ClaimEvent.review_due_at); weeks
  start on Monday in the store's time zone;
- refunds and deductions: Refund rows recorded in the period, per currency; deductions
  are the breakdown lines of kind "deduction" (stored negative, shown as amounts taken).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.core.cache import cache
from django.db import connection
from django.db.models import Aggregate, Count, DurationField, F, Max, Min, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from accounts import access
from accounts.roles import StaffRole
from claims.models import (
    Claim,
    ClaimEvent,
    ClaimLine,
    InsightsDay,
    InsightsDecisionDay,
    InsightsMoneyDay,
    InsightsProductDay,
    InsightsReasonDay,
    Refund,
)
from claims.states import DECISION_COMMANDS
from orders.models import Order, OrderLine, Product, Store

PRESET_DAYS = (30, 90, 365)
DEFAULT_DAYS = 30
INSIGHTS_CACHE_SECONDS = 60
MAX_DAYS = 3 * 366
# what the money figures show: Refund.kind, then the deductions taken from refunds
DEDUCTION_KIND = "deduction"


@dataclass(frozen=True)
class Period:
    """Whole days in the store's time zone, first and last included."""

    first: date
    last: date
    zone: ZoneInfo

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time.min, tzinfo=self.zone)

    @property
    def end(self) -> datetime:
        """The moment after the last day (exclusive)."""
        return datetime.combine(self.last + timedelta(days=1), time.min, tzinfo=self.zone)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


def insights_period(
    *, store: Store, today: date, days: int | None = None, first: date | None = None, last: date | None = None
) -> Period:
    """The period asked for: `first`..`last`, else the `days` up to `today` (default 30).
    Bounded to MAX_DAYS, first never after last."""
    zone = ZoneInfo(str(store.time_zone))
    if first is not None and last is not None:
        if first > last:
            first, last = last, first
        first = max(first, last - timedelta(days=MAX_DAYS - 1))
        return Period(first, last, zone)
    days = min(max(days or DEFAULT_DAYS, 1), MAX_DAYS)
    return Period(today - timedelta(days=days - 1), today, zone)


def insights_stores(*, user) -> QuerySet:
    """The stores whose insights the user may read: those they manage (a superuser: all)."""
    ids = access.staff_store_ids(user, roles=[StaffRole.MANAGER])
    stores = Store.objects.order_by("name")
    return stores if ids is None else stores.filter(pk__in=ids)


@dataclass(frozen=True)
class ReasonCount:
    code: str
    label: str
    claims: int


@dataclass(frozen=True)
class ProductFigures:
    product_id: int
    sku: str
    name: str
    claims: int
    units_claimed: int
    units_sold: int

    @property
    def rate(self) -> Decimal | None:
        """Units claimed per unit sold in the period (None: none sold in it)."""
        if not self.units_sold:
            return None
        return Decimal(self.units_claimed) / Decimal(self.units_sold)


@dataclass(frozen=True)
class DecisionTimes:
    claims: int
    median: timedelta | None
    p90: timedelta | None


@dataclass(frozen=True)
class SlaWeek:
    week: date  # its Monday
    decided: int
    in_time: int

    @property
    def share(self) -> Decimal:
        return Decimal(self.in_time) / Decimal(self.decided) if self.decided else Decimal(0)


@dataclass(frozen=True)
class MoneyTotals:
    currency: str
    refunds: int
    refunded: Decimal
    compensated: Decimal
    deducted: Decimal


@dataclass
class Insights:
    store: Store
    period: Period
    reasons: list[ReasonCount] = field(default_factory=list)
    products: list[ProductFigures] = field(default_factory=list)
    decision_times: DecisionTimes = DecisionTimes(0, None, None)
    sla_weeks: list[SlaWeek] = field(default_factory=list)
    money: list[MoneyTotals] = field(default_factory=list)
    counted_at: datetime | None = None
    # closed days of the period not in the daily tables yet, counted from the claims
    days_not_in_tables: int = 0

    @property
    def claims(self) -> int:
        return sum(reason.claims for reason in self.reasons)


def insights_cached(*, store: Store, period: Period) -> Insights:
    """insights_for, counted at most every INSIGHTS_CACHE_SECONDS per store and period:
    the page and its CSV downloads show the same count."""
    key = f"insights:{store.pk}:{period.first.isoformat()}:{period.last.isoformat()}"
    found = cache.get(key)
    if found is None:
        found = insights_for(store=store, period=period)
        cache.set(key, found, INSIGHTS_CACHE_SECONDS)
        if found.days_not_in_tables:
            from claims.services.insights_days import insights_days_count_soon

            insights_days_count_soon()
    return found


def insights_for(*, store: Store, period: Period) -> Insights:
    """The period's figures: the days already counted into the daily tables
    (claims.services.insights_days, by the worker) read from them, the others (today, at
    least) counted from the claims, orders and refunds; the time to decision from the
    claims' first decisions. The same numbers either way."""
    now = timezone.now()
    today = timezone.localtime(now, period.zone).date()
    counted = insights_counted_days(store=store, period=period)
    figures = DayFigures.from_tables(store=store, days=counted)
    closed_not_counted = 0
    first = store_first_day(store=store, zone=period.zone)
    # the days before the store's first claim or order hold nothing: not counted at all
    parts = [] if first is None or first > period.last else uncounted_parts(period, counted)
    for part in parts:
        if part.last < first:
            continue
        part = Period(max(part.first, first), part.last, part.zone)
        figures.add(count_days(store=store, period=part))
        closed_not_counted += max(0, (min(part.last, today - timedelta(days=1)) - part.first).days + 1)
    return Insights(
        store=store,
        period=period,
        counted_at=now,
        days_not_in_tables=closed_not_counted,
        reasons=figures.reason_counts(),
        products=figures.product_figures(),
        decision_times=insights_decision_times(store=store, period=period),
        sla_weeks=figures.sla_weeks(),
        money=figures.money_totals(),
    )


def insights_counted_days(*, store: Store, period: Period) -> list[date]:
    """The period's days whose figures are in the daily tables, counted in the store's
    present time zone."""
    return list(
        InsightsDay.objects.filter(
            store=store, day__gte=period.first, day__lte=period.last, time_zone=str(period.zone)
        ).values_list("day", flat=True)
    )


def store_first_day(*, store: Store, zone: ZoneInfo) -> date | None:
    """The store's first day (in `zone`) with a claim submitted or an order placed;
    decisions and refunds come after both. Two index reads."""
    moments = [
        Claim.objects.filter(store=store, submitted_at__isnull=False).aggregate(at=Min("submitted_at"))["at"],
        Order.objects.filter(store=store).aggregate(at=Min("placed_at"))["at"],
    ]
    moments = [moment for moment in moments if moment is not None]
    return min(moments).astimezone(zone).date() if moments else None


def uncounted_parts(period: Period, counted: list[date]) -> list[Period]:
    """The runs of consecutive days of the period missing from `counted`."""
    have = set(counted)
    parts: list[Period] = []
    day, run_first = period.first, None
    while day <= period.last:
        if day in have:
            if run_first is not None:
                parts.append(Period(run_first, day - timedelta(days=1), period.zone))
                run_first = None
        elif run_first is None:
            run_first = day
        day += timedelta(days=1)
    if run_first is not None:
        parts.append(Period(run_first, period.last, period.zone))
    return parts


# --- a store's figures per day: counted from the claims, or read from the daily tables -----


@dataclass
class DayCounts:
    """One day's figures of a store, as the daily tables hold them."""

    reasons: dict[str, list] = field(default_factory=dict)  # code -> [label, claims]
    products: dict[int, list[int]] = field(default_factory=dict)  # product -> [claims, units claimed, units sold]
    decided: int = 0
    in_time: int = 0
    money: dict[str, list] = field(default_factory=dict)  # currency -> [refunds, refunded, compensated, deducted]


def _day(name: str, zone: ZoneInfo) -> TruncDate:
    return TruncDate(name, tzinfo=zone)


def count_days(*, store: Store, period: Period) -> dict[date, DayCounts]:
    """The store's figures of each day of the period, counted from the claims, order
    lines, decision events and refunds (days with nothing are left out)."""
    days: dict[date, DayCounts] = defaultdict(DayCounts)
    zone = period.zone
    reasons = (
        _claims_in(store, period)
        .annotate(day=_day("submitted_at", zone))
        .values("day", "reason_code")
        .annotate(claims=Count("*"), label=Max("reason_label"))
        .order_by()
    )
    for row in reasons:
        days[row["day"]].reasons[row["reason_code"]] = [row["label"] or row["reason_code"], row["claims"]]
    claimed = (
        ClaimLine.objects.filter(
            claim__store=store, claim__submitted_at__gte=period.start, claim__submitted_at__lt=period.end
        )
        .annotate(
            day=_day("claim__submitted_at", zone),
            product=Coalesce("order_line__product_id", "claim__offline_product_id"),
        )
        .values("day", "product")
        .annotate(claims=Count("claim_id", distinct=True), units=Sum("quantity"))
        .order_by()
    )
    for row in claimed:
        figures = days[row["day"]].products.setdefault(row["product"], [0, 0, 0])
        figures[0], figures[1] = row["claims"], row["units"] or 0
    sold = (
        OrderLine.objects.filter(
            order__store=store, order__placed_at__gte=period.start, order__placed_at__lt=period.end
        )
        .exclude(order__status=Order.Status.CANCELLED)
        .annotate(day=_day("order__placed_at", zone))
        .values("day", "product_id")
        .annotate(units=Sum("quantity"))
        .order_by()
    )
    for row in sold:
        days[row["day"]].products.setdefault(row["product_id"], [0, 0, 0])[2] = row["units"] or 0
    decisions = (
        ClaimEvent.objects.filter(
            claim__store=store,
            action__in=sorted(DECISION_COMMANDS),
            created_at__gte=period.start,
            created_at__lt=period.end,
            review_due_at__isnull=False,
        )
        .annotate(day=_day("created_at", zone))
        .values("day")
        .annotate(decided=Count("pk"), in_time=Count("pk", filter=Q(created_at__lte=F("review_due_at"))))
        .order_by()
    )
    for row in decisions:
        days[row["day"]].decided, days[row["day"]].in_time = row["decided"], row["in_time"]
    refunds = Refund.objects.filter(claim__store=store, recorded_at__gte=period.start, recorded_at__lt=period.end)
    totals = (
        refunds.annotate(day=_day("recorded_at", zone))
        .values("day", "currency")
        .annotate(
            n=Count("pk"),
            refunded=Coalesce(Sum("amount", filter=Q(kind=Refund.Kind.REFUND)), Decimal("0")),
            compensated=Coalesce(Sum("amount", filter=Q(kind=Refund.Kind.COMPENSATION)), Decimal("0")),
        )
        .order_by()
    )
    for row in totals:
        days[row["day"]].money[row["currency"]] = [
            row["n"],
            Decimal(row["refunded"]),
            Decimal(row["compensated"]),
            Decimal(0),
        ]
    for (day, currency), taken in _deductions(refunds, zone).items():
        days[day].money[currency][3] = taken
    return dict(days)


@dataclass
class DayFigures:
    """Figures of some days, summed."""

    reasons: dict[str, list] = field(default_factory=dict)  # code -> [label, claims, claims under that label]
    products: dict[int, list[int]] = field(default_factory=dict)
    weeks: dict[date, list[int]] = field(default_factory=dict)  # Monday -> [decided, in time]
    money: dict[str, list] = field(default_factory=dict)

    def _reason(self, code: str, label: str, claims: int) -> None:
        found = self.reasons.setdefault(code, [label, 0, 0])
        found[1] += claims
        if claims > found[2]:  # the words most claims of the reason were filed under
            found[0], found[2] = label, claims

    def _product(self, product: int, claims: int, units_claimed: int, units_sold: int) -> None:
        found = self.products.setdefault(product, [0, 0, 0])
        found[0] += claims
        found[1] += units_claimed
        found[2] += units_sold

    def _week(self, day: date, decided: int, in_time: int) -> None:
        found = self.weeks.setdefault(day - timedelta(days=day.weekday()), [0, 0])
        found[0] += decided
        found[1] += in_time

    def _money(self, currency: str, refunds: int, refunded: Decimal, compensated: Decimal, deducted: Decimal) -> None:
        found = self.money.setdefault(currency, [0, Decimal(0), Decimal(0), Decimal(0)])
        for i, value in enumerate((refunds, refunded, compensated, deducted)):
            found[i] += value

    def add(self, days: dict[date, DayCounts]) -> None:
        for day, counts in days.items():
            for code, (label, claims) in counts.reasons.items():
                self._reason(code, label, claims)
            for product, figures in counts.products.items():
                self._product(product, *figures)
            if counts.decided:
                self._week(day, counts.decided, counts.in_time)
            for currency, figures in counts.money.items():
                self._money(currency, *figures)

    @classmethod
    def from_tables(cls, *, store: Store, days: list[date]) -> "DayFigures":
        """The sums of the daily tables over `days` (days counted in the store's zone)."""
        figures = cls()
        if not days:
            return figures
        where = {"store": store, "day__in": sorted(days)}
        rows = InsightsReasonDay.objects.filter(**where).values("reason_code", "reason_label").annotate(n=Sum("claims"))
        for row in rows.order_by():
            figures._reason(row["reason_code"], row["reason_label"], row["n"])
        rows = (
            InsightsProductDay.objects.filter(**where)
            .values("product_id")
            .annotate(c=Sum("claims"), u=Sum("units_claimed"), s=Sum("units_sold"))
        )
        for row in rows.order_by():
            figures._product(row["product_id"], row["c"], row["u"], row["s"])
        for day, decided, in_time in InsightsDecisionDay.objects.filter(**where).values_list(
            "day", "decided", "in_time"
        ):
            figures._week(day, decided, in_time)
        rows = (
            InsightsMoneyDay.objects.filter(**where)
            .values("currency")
            .annotate(n=Sum("refunds"), r=Sum("refunded"), c=Sum("compensated"), d=Sum("deducted"))
        )
        for row in rows.order_by():
            figures._money(row["currency"], row["n"], Decimal(row["r"]), Decimal(row["c"]), Decimal(row["d"]))
        return figures

    def reason_counts(self) -> list[ReasonCount]:
        found = [ReasonCount(code, label, claims) for code, (label, claims, _most) in self.reasons.items() if claims]
        return sorted(found, key=lambda reason: (-reason.claims, reason.label))

    def product_figures(self) -> list[ProductFigures]:
        """Every product claimed or sold, most claimed first."""
        shown = {pk: figures for pk, figures in self.products.items() if any(figures)}
        products = Product.objects.filter(pk__in=shown).only("sku", "name")
        found = [
            ProductFigures(
                product_id=product.pk,
                sku=product.sku,
                name=product.name,
                claims=shown[product.pk][0],
                units_claimed=shown[product.pk][1],
                units_sold=shown[product.pk][2],
            )
            for product in products
        ]
        return sorted(found, key=lambda p: (-p.claims, -p.units_claimed, p.name, p.sku))

    def sla_weeks(self) -> list[SlaWeek]:
        return [SlaWeek(week, decided, in_time) for week, (decided, in_time) in sorted(self.weeks.items()) if decided]

    def money_totals(self) -> list[MoneyTotals]:
        return [
            MoneyTotals(currency, n, refunded, compensated, deducted)
            for currency, (n, refunded, compensated, deducted) in sorted(self.money.items())
        ]


def _claims_in(store: Store, period: Period) -> QuerySet:
    return Claim.objects.filter(store=store, submitted_at__gte=period.start, submitted_at__lt=period.end)


class PercentileCont(Aggregate):
    """PostgreSQL's ordered-set aggregate: the continuous percentile of an expression."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression, fraction: float, **extra):
        super().__init__(expression, fraction=float(fraction), **extra)


def percentile_cont(sorted_values: list[float], fraction: float) -> float | None:
    """percentile_cont over already sorted values: linear interpolation between the two
    nearest ranks (what PostgreSQL computes)."""
    if not sorted_values:
        return None
    position = fraction * (len(sorted_values) - 1)
    lower = int(position)
    upper = min(lower + 1, len(sorted_values) - 1)
    return sorted_values[lower] + (sorted_values[upper] - sorted_values[lower]) * (position - lower)


def insights_decision_times(*, store: Store, period: Period) -> DecisionTimes:
    """Median and 90th percentile of submission → first decision, for the claims first
    decided in the period (Claim.first_decided_at, kept by the write path; one index)."""
    decided = Claim.objects.filter(
        store=store, first_decided_at__gte=period.start, first_decided_at__lt=period.end, submitted_at__isnull=False
    ).order_by()
    if connection.vendor == "postgresql":
        took = F("first_decided_at") - F("submitted_at")
        result = decided.aggregate(
            claims=Count("*"),
            median=PercentileCont(took, 0.5, output_field=DurationField()),
            p90=PercentileCont(took, 0.9, output_field=DurationField()),
        )
        return DecisionTimes(result["claims"], result["median"], result["p90"])
    durations = sorted(
        (decided_at - submitted_at).total_seconds()
        for submitted_at, decided_at in decided.values_list("submitted_at", "first_decided_at")
    )
    median, p90 = percentile_cont(durations, 0.5), percentile_cont(durations, 0.9)
    return DecisionTimes(
        len(durations),
        None if median is None else timedelta(seconds=median),
        None if p90 is None else timedelta(seconds=p90),
    )


def _deductions(refunds: QuerySet, zone: ZoneInfo) -> dict[tuple[date, str], Decimal]:
    """The deductions of the refunds' breakdowns per day (in `zone`) and currency, as
    positive amounts. On PostgreSQL summed as numeric over jsonb_array_elements; SQLite
    has no decimal type, so its json_each rows are summed here as Decimal."""
    ids_sql, params = refunds.values("pk").query.sql_with_params()
    table = Refund._meta.db_table
    if connection.vendor == "postgresql":
        sql = (
            f"SELECT (r.recorded_at AT TIME ZONE %s)::date, r.currency, COALESCE(SUM((line->>'amount')::numeric), 0) FROM {table} r "  # noqa: S608 - our own names
            "CROSS JOIN LATERAL jsonb_array_elements(r.lines::jsonb) AS line "
            f"WHERE r.id IN ({ids_sql}) AND line->>'kind' = %s AND COALESCE((line->>'pending')::boolean, false) = false "
            "GROUP BY 1, 2"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [str(zone), *params, DEDUCTION_KIND])
            return {(day, currency): -Decimal(total) for day, currency, total in cursor.fetchall()}
    sql = (
        f"SELECT r.recorded_at, r.currency, json_extract(line.value, '$.amount') FROM {table} r, json_each(r.lines) AS line "  # noqa: S608 - our own names
        f"WHERE r.id IN ({ids_sql}) AND json_extract(line.value, '$.kind') = %s "
        "AND COALESCE(json_extract(line.value, '$.pending'), 0) = 0"
    )
    found: dict[tuple[date, str], Decimal] = defaultdict(Decimal)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, DEDUCTION_KIND])
        for recorded_at, currency, amount in cursor.fetchall():
            moment = recorded_at if isinstance(recorded_at, datetime) else datetime.fromisoformat(str(recorded_at))
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
            found[(moment.astimezone(zone).date(), currency)] -= Decimal(str(amount))
    return dict(found)
