"""Insights for managers: why products come back, how fast claims are decided and how
often the review deadline is missed, per store and period. Reads only; every figure is
aggregated in the database (PostgreSQL's percentile_cont for the decision times; on
SQLite, which has none, the same linear interpolation over the sorted durations).

What counts where (the page says it too):
- claims by reason and by product, and the units claimed: claims submitted in the period;
- units sold: order lines of the store's orders placed in the period (cancelled orders
  not counted); the claim rate of a product is units claimed / units sold;
- time to decision: from a claim's submission to its first decision (the audit events
  ClaimEvent "submit" and the first of states.DECISION_COMMANDS), for the claims whose
  first decision falls in the period;
- SLA compliance per week: the decisions made that week (appeals' included) that kept
  the review deadline in force when they were made (ClaimEvent.review_due_at); weeks
  start on Monday in the store's time zone;
- refunds and deductions: Refund rows recorded in the period, per currency; deductions
  are the breakdown lines of kind "deduction" (stored negative, shown as amounts taken).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.core.cache import cache
from django.db import connection
from django.db.models import Aggregate, Count, DurationField, F, Min, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncWeek
from django.utils import timezone

from accounts import access
from accounts.roles import StaffRole
from claims.models import Claim, ClaimEvent, ClaimLine, Refund
from claims.states import DECISION_COMMANDS
from orders.models import Order, OrderLine, Product, Store

PRESET_DAYS = (30, 90, 365)
DEFAULT_DAYS = 30
INSIGHTS_CACHE_SECONDS = 300
MAX_DAYS = 3 * 366
SUBMIT = "submit"
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

    @property
    def claims(self) -> int:
        return sum(reason.claims for reason in self.reasons)


def insights_cached(*, store: Store, period: Period) -> Insights:
    """insights_for, counted at most every INSIGHTS_CACHE_SECONDS per store and period
    (seconds each at a million claims): the page and its CSV downloads show the same count."""
    key = f"insights:{store.pk}:{period.first.isoformat()}:{period.last.isoformat()}"
    found = cache.get(key)
    if found is None:
        found = insights_for(store=store, period=period)
        cache.set(key, found, INSIGHTS_CACHE_SECONDS)
    return found


def insights_for(*, store: Store, period: Period) -> Insights:
    return Insights(
        store=store,
        period=period,
        counted_at=timezone.now(),
        reasons=insights_reasons(store=store, period=period),
        products=insights_products(store=store, period=period),
        decision_times=insights_decision_times(store=store, period=period),
        sla_weeks=insights_sla_weeks(store=store, period=period),
        money=insights_money(store=store, period=period),
    )


def _claims_in(store: Store, period: Period) -> QuerySet:
    return Claim.objects.filter(store=store, submitted_at__gte=period.start, submitted_at__lt=period.end)


def insights_reasons(*, store: Store, period: Period) -> list[ReasonCount]:
    claims = _claims_in(store, period)
    counted = claims.values("reason_code").annotate(claims=Count("*")).order_by()  # from the index alone
    found = []
    for row in counted:
        # the words shoppers picked (one claim's, found by the queue's reason index: a
        # policy's later rewording is not counted apart)
        label = (
            Claim.objects.filter(store=store, reason_code=row["reason_code"])
            .order_by()
            .values_list("reason_label", flat=True)[:1]
        )
        found.append(ReasonCount(row["reason_code"], next(iter(label), "") or row["reason_code"], row["claims"]))
    return sorted(found, key=lambda reason: (-reason.claims, reason.label))


def insights_products(*, store: Store, period: Period) -> list[ProductFigures]:
    """Every product claimed or sold in the period, most claimed first."""
    claimed = (
        ClaimLine.objects.filter(
            claim__store=store, claim__submitted_at__gte=period.start, claim__submitted_at__lt=period.end
        )
        .annotate(product=Coalesce("order_line__product_id", "claim__offline_product_id"))
        .values("product")
        .annotate(claims=Count("claim_id", distinct=True), units=Sum("quantity"))
        .order_by()
    )
    sold = (
        OrderLine.objects.filter(
            order__store=store, order__placed_at__gte=period.start, order__placed_at__lt=period.end
        )
        .exclude(order__status=Order.Status.CANCELLED)
        .values("product_id")
        .annotate(units=Sum("quantity"))
        .order_by()
    )
    claims_of = {row["product"]: (row["claims"], row["units"] or 0) for row in claimed}
    sold_of = {row["product_id"]: row["units"] or 0 for row in sold}
    products = Product.objects.filter(pk__in={*claims_of, *sold_of}).only("sku", "name")
    found = [
        ProductFigures(
            product_id=product.pk,
            sku=product.sku,
            name=product.name,
            claims=claims_of.get(product.pk, (0, 0))[0],
            units_claimed=claims_of.get(product.pk, (0, 0))[1],
            units_sold=sold_of.get(product.pk, 0),
        )
        for product in products
    ]
    return sorted(found, key=lambda p: (-p.claims, -p.units_claimed, p.name, p.sku))


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


def _first_decisions(store: Store, period: Period) -> QuerySet:
    """Per claim: its submission and its first decision, for the claims first decided in
    the period. (A claim's decided_at is its latest decision, so it is at least the first
    one: `claim__decided_at >= start` only narrows the rows read.)"""
    return (
        ClaimEvent.objects.filter(
            claim__store=store,
            claim__decided_at__gte=period.start,
            claim__submitted_at__lt=period.end,
            action__in=[SUBMIT, *sorted(DECISION_COMMANDS)],
        )
        .values("claim_id")
        .annotate(
            submitted=Min("created_at", filter=Q(action=SUBMIT)),
            decided=Min("created_at", filter=Q(action__in=sorted(DECISION_COMMANDS))),
        )
        .filter(decided__gte=period.start, decided__lt=period.end, submitted__isnull=False)
        .order_by()
    )


def insights_decision_times(*, store: Store, period: Period) -> DecisionTimes:
    """Median and 90th percentile of submission → first decision."""
    per_claim = _first_decisions(store, period)
    if connection.vendor == "postgresql":
        took = F("decided") - F("submitted")
        result = per_claim.aggregate(
            claims=Count("claim_id"),
            median=PercentileCont(took, 0.5, output_field=DurationField()),
            p90=PercentileCont(took, 0.9, output_field=DurationField()),
        )
        return DecisionTimes(result["claims"], result["median"], result["p90"])
    durations = sorted(
        (row["decided"] - row["submitted"]).total_seconds() for row in per_claim.values("submitted", "decided")
    )
    median, p90 = percentile_cont(durations, 0.5), percentile_cont(durations, 0.9)
    return DecisionTimes(
        len(durations),
        None if median is None else timedelta(seconds=median),
        None if p90 is None else timedelta(seconds=p90),
    )


def insights_sla_weeks(*, store: Store, period: Period) -> list[SlaWeek]:
    """Per week (Monday, store time): decisions made and those made by their review deadline."""
    rows = (
        ClaimEvent.objects.filter(
            claim__store=store,
            action__in=sorted(DECISION_COMMANDS),
            created_at__gte=period.start,
            created_at__lt=period.end,
            review_due_at__isnull=False,
        )
        .annotate(week=TruncWeek("created_at", tzinfo=period.zone))
        .values("week")
        .annotate(decided=Count("pk"), in_time=Count("pk", filter=Q(created_at__lte=F("review_due_at"))))
        .order_by("week")
    )
    return [SlaWeek(_as_date(row["week"], period.zone), row["decided"], row["in_time"]) for row in rows]


def _as_date(value, zone: ZoneInfo) -> date:
    if isinstance(value, datetime):
        return value.astimezone(zone).date() if value.tzinfo else value.date()
    return value


def insights_money(*, store: Store, period: Period) -> list[MoneyTotals]:
    """Per currency: refunds recorded, refunded and compensated amounts, deductions taken."""
    refunds = Refund.objects.filter(claim__store=store, recorded_at__gte=period.start, recorded_at__lt=period.end)
    totals = (
        refunds.values("currency")
        .annotate(
            n=Count("pk"),
            refunded=Coalesce(Sum("amount", filter=Q(kind=Refund.Kind.REFUND)), Decimal("0")),
            compensated=Coalesce(Sum("amount", filter=Q(kind=Refund.Kind.COMPENSATION)), Decimal("0")),
        )
        .order_by("currency")
    )
    deducted = _deductions(refunds)
    return [
        MoneyTotals(
            row["currency"],
            row["n"],
            Decimal(row["refunded"]),
            Decimal(row["compensated"]),
            deducted.get(row["currency"], Decimal("0")),
        )
        for row in totals
    ]


def _deductions(refunds: QuerySet) -> dict[str, Decimal]:
    """The deductions of the refunds' breakdowns per currency, as positive amounts. On
    PostgreSQL summed as numeric over jsonb_array_elements; SQLite has no decimal type,
    so its json_each rows are summed here as Decimal."""
    ids_sql, params = refunds.values("pk").query.sql_with_params()
    table = Refund._meta.db_table
    if connection.vendor == "postgresql":
        sql = (
            f"SELECT r.currency, COALESCE(SUM((line->>'amount')::numeric), 0) FROM {table} r "  # noqa: S608 - our own names
            "CROSS JOIN LATERAL jsonb_array_elements(r.lines::jsonb) AS line "
            f"WHERE r.id IN ({ids_sql}) AND line->>'kind' = %s AND COALESCE((line->>'pending')::boolean, false) = false "
            "GROUP BY r.currency"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, DEDUCTION_KIND])
            return {currency: -Decimal(total) for currency, total in cursor.fetchall()}
    sql = (
        f"SELECT r.currency, json_extract(line.value, '$.amount') FROM {table} r, json_each(r.lines) AS line "  # noqa: S608 - our own names
        f"WHERE r.id IN ({ids_sql}) AND json_extract(line.value, '$.kind') = %s "
        "AND COALESCE(json_extract(line.value, '$.pending'), 0) = 0"
    )
    found: dict[str, Decimal] = defaultdict(Decimal)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, DEDUCTION_KIND])
        for currency, amount in cursor.fetchall():
            found[currency] -= Decimal(str(amount))
    return dict(found)
