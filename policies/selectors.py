"""Reads that build the engine's plain inputs from the database."""

import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from decimal import Decimal

from orders.models import Order, OrderEvent, OrderLine, Product, Store
from policies.calendar import BusinessCalendar, holiday_dates
from policies.engine import (
    Decision,
    PolicyData,
    PurchaseFacts,
    ReasonData,
    SetLine,
    companions_kept,
    companions_missing,
    evaluate,
    order_state_from,
)
from policies.models import Policy, PolicyVersion
from policies.snapshot import policy_data, policy_snapshot, same_document


def store_calendar(*, store: Store, around: datetime) -> BusinessCalendar:
    """The store's calendar with public holidays and closures from two years before
    `around` to three years after (enough for any window or warranty we evaluate)."""
    years = range(around.year - 2, around.year + 4)
    closures = set(store.closures.filter(day__year__gte=years.start, day__year__lt=years.stop).values_list("day", flat=True))
    extra_working_days = _extra_working_days(store=store, years=years) - closures
    return BusinessCalendar(
        time_zone=str(store.time_zone),
        working_weekdays=frozenset(store.weekday_numbers),
        holidays=holiday_dates(country=store.country, subdivision=store.holiday_subdivision, years=years) | closures,
        opens_at=store.opens_at,
        closes_at=store.closes_at,
        extra_working_days=frozenset(extra_working_days),
    )


def _extra_working_days(*, store: Store, years: range) -> set:
    """Make-up working days; a closure on the same day wins (the caller removes it)."""
    return set(store.extra_working_days.filter(day__year__gte=years.start, day__year__lt=years.stop).values_list("day", flat=True))


def policy_version_current(*, store: Store) -> PolicyVersion | None:
    return PolicyVersion.objects.filter(policy__store=store).select_related("policy__store").order_by("-number").first()


def policy_data_for_version(*, version: PolicyVersion, store: Store | None = None) -> PolicyData:
    """The engine's view of a published version. `store`: the version's store when the
    caller has it loaded already (a claim's page), so its policy and store are not read again.

    A version never changes once published, so its engine view is kept per process,
    keyed by the version (its id and publication time: ids can come back after a rollback)
    and the store facts it reads (a renamed store gets a new one)."""
    store = store or version.policy.store
    key = (version.pk, version.published_at, version.number, store.name, store.currency, store.country, store.default_review_sla_days)
    data = _policy_data_cache.get(key) if version.pk is not None else None
    if data is None:
        data = policy_data(
            version.data,
            store_name=store.name,
            currency=store.currency,
            store_country=store.country,
            default_review_working_days=store.default_review_sla_days,
            version=version.number,
        )
        if version.pk is not None:
            with _policy_data_lock:  # the web server's threads share it
                if len(_policy_data_cache) >= _POLICY_DATA_CACHE_SIZE:
                    _policy_data_cache.pop(next(iter(_policy_data_cache)))  # the oldest entry
                _policy_data_cache[key] = data
    return data


# A few hundred versions at most are in use at once (one current per store, and the
# versions older open claims were made under); each is a few kilobytes.
_POLICY_DATA_CACHE_SIZE = 512
_policy_data_cache: dict[tuple, PolicyData] = {}
_policy_data_lock = threading.Lock()


def policy_data_for_draft(*, policy: Policy) -> PolicyData:
    """The unpublished rows as the engine would see them once published."""
    store = policy.store
    return policy_data(
        policy_snapshot(policy),
        store_name=store.name,
        currency=store.currency,
        store_country=store.country,
        default_review_working_days=store.default_review_sla_days,
        version=0,
    )


def policy_has_unpublished_changes(*, policy: Policy) -> bool:
    latest = policy.versions.order_by("-number").first()
    return latest is None or not same_document(latest.data, policy_snapshot(policy))


# Units of order lines already in other claims, for the bundle and gift checks. Claims
# are a higher layer (policies never imports claims): the claims app registers its
# selector here when it starts (ClaimsConfig.ready); without it nothing is claimed.
def _nothing_claimed(*, order_line_ids, exclude_claim_ids=()) -> dict[int, int]:
    return {}


_units_claimed_elsewhere: Callable[..., dict[int, int]] = _nothing_claimed


def units_claimed_elsewhere_register(provider: Callable[..., dict[int, int]]) -> None:
    global _units_claimed_elsewhere
    _units_claimed_elsewhere = provider


def purchase_facts_for_order_lines(*, order: Order, claimed: dict[int, int], exclude_claim_ids=()) -> dict[int, PurchaseFacts]:
    """The engine's purchase facts for the claimed lines of an order (line id ->
    quantity claimed), bundle and gift companions included: what else of the line's
    set must come back with it, counting the units of this claim and those already in
    other claims (not the ones in `exclude_claim_ids`). The one builder: the shopper's
    pages, submission and the admin's Try it all use it."""
    lines = list(order.lines.select_related("product__category").order_by("pk"))
    items_total = sum((line.line_total for line in lines), Decimal("0"))
    has_sets = any(line.bundle_group or line.is_gift for line in lines)
    elsewhere = (
        _units_claimed_elsewhere(order_line_ids=[line.pk for line in lines], exclude_claim_ids=tuple(i for i in exclude_claim_ids if i))
        if has_sets
        else {}
    )
    set_lines = tuple(
        SetLine(
            line_id=line.pk,
            name=line.product.name,
            quantity=line.quantity,
            bundle_group=line.bundle_group,
            is_gift=line.is_gift,
            covered=claimed.get(line.pk, 0) + elsewhere.get(line.pk, 0),
            unit_value=_unit_value_beyond_paid(line),
        )
        for line in lines
    )
    events = order_events_facts(order=order)
    kept = companions_kept(set_lines, [line.pk for line in lines if line.pk in claimed]) if has_sets else {}
    facts = {}
    for line in lines:
        if line.pk not in claimed:
            continue
        bundle_missing, gifts_missing = companions_missing(set_lines, line.pk)
        bundle_kept, gifts_kept = kept.get(line.pk, ((), ()))
        facts[line.pk] = replace(
            _line_facts(order, line, claimed[line.pk], items_total),
            bundle_missing=bundle_missing,
            gifts_missing=gifts_missing,
            events=events,
            bundle_kept=bundle_kept,
            gifts_kept=gifts_kept,
        )
    return facts


def order_state_for_order(*, order: Order) -> str:
    """The engine's order state (not shipped, shipped, delivered) of an order, from its
    times and its events (one query): which reasons the shopper is offered."""
    event_names = tuple(OrderEvent.objects.filter(order=order).values_list("event_type__name", flat=True))
    return order_state_from(
        shipped_at=order.shipped_at, picked_up_at=order.picked_up_at, delivered_at=order.delivered_at, event_names=event_names
    )


def order_events_facts(*, order: Order) -> tuple[tuple[str, datetime], ...]:
    """The order's named events as the engine reads them (one query)."""
    rows = OrderEvent.objects.filter(order=order).values_list("event_type__name", "occurred_at").order_by("occurred_at", "pk")
    return tuple((name, occurred_at) for name, occurred_at in rows)


def purchase_facts_with_events(*, purchase: PurchaseFacts, events: dict[str, datetime]) -> PurchaseFacts:
    """The purchase as if these events had happened at these times (Try it's
    hypothetical order): they replace the order's own times of the same events."""
    if not events:
        return purchase
    kept = tuple((name, at) for name, at in purchase.events if name not in events)
    return replace(purchase, events=kept + tuple(sorted(events.items())))


def _unit_value_beyond_paid(line: OrderLine) -> Decimal:
    """What one unit of a set's line is worth beyond what was paid for it: its list
    price less its share of the line's price (a free gift: its list price; an item
    paid in full: nothing). Kept under a "keep and deduct" rule, this is deducted."""
    paid_per_unit = max(line.unit_price * line.quantity - line.discount, Decimal("0")) / line.quantity
    return max(line.product.price - paid_per_unit, Decimal("0"))


def purchase_facts_for_line(*, line: OrderLine, quantity: int | None = None) -> PurchaseFacts:
    """One line claimed on its own (Try it, a claim's start)."""
    quantity = quantity if quantity is not None else line.quantity
    return purchase_facts_for_order_lines(order=line.order, claimed={line.pk: quantity})[line.pk]


def _line_facts(order: Order, line: OrderLine, quantity: int, items_total: Decimal) -> PurchaseFacts:
    product = line.product
    return PurchaseFacts(
        channel=order.channel,
        currency=order.currency,
        product_name=product.name,
        is_accessory=product.is_accessory,
        unit_price=line.unit_price,
        quantity=quantity,
        line_quantity=line.quantity,
        line_discount=line.discount,
        warranty_months=product.effective_warranty_months,
        category_name=product.category.name if product.category else "",
        shipping_country=order.shipping_country,
        order_shipping_charged=order.shipping_charged,
        order_items_total=items_total,
        has_order=True,
        placed_at=order.placed_at,
        paid_at=order.paid_at,
        expected_ship_at=order.expected_ship_at,
        processed_at=order.processed_at,
        shipped_at=order.shipped_at,
        picked_up_at=order.picked_up_at,
        delivered_at=order.delivered_at,
    )


def purchase_facts_offline(
    *, product: Product, purchased_at: datetime, channel: str, price: Decimal, country: str, currency: str, quantity: int = 1
) -> PurchaseFacts:
    """A purchase the portal has no order for (a shop, a reseller): the shopper's word
    plus proof of purchase. Purchase, delivery and receipt are the same day."""
    return PurchaseFacts(
        channel=channel,
        currency=currency,
        product_name=product.name,
        is_accessory=product.is_accessory,
        unit_price=price,
        quantity=quantity,
        line_quantity=quantity,
        warranty_months=product.effective_warranty_months,
        category_name=product.category.name if product.category else "",
        shipping_country=country,
        order_items_total=price * quantity,
        has_order=False,
        placed_at=purchased_at,
        paid_at=purchased_at,
        processed_at=purchased_at,
        shipped_at=purchased_at,
        picked_up_at=purchased_at,
        delivered_at=purchased_at,
    )


def reason_data(*, policy: PolicyData, code: str) -> ReasonData:
    reason = policy.reason(code)
    if reason is None:
        raise LookupError(f"unknown reason {code!r}")
    return reason


def decision_for_purchase(
    *,
    store: Store,
    policy: PolicyData,
    purchase: PurchaseFacts,
    reason_code: str,
    answers: dict[str, bool] | None,
    now: datetime,
    evidence_counts: dict[str, int] | None = None,
    calendar: BusinessCalendar | None = None,
    display_zone: str | None = None,
) -> Decision:
    """`display_zone`: the viewer's zone for the texts' times (None: the store's, named)."""
    return evaluate(
        policy=policy,
        purchase=purchase,
        calendar=calendar or store_calendar(store=store, around=now),
        reason=reason_data(policy=policy, code=reason_code),
        answers=answers or {},
        now=now,
        evidence_counts=evidence_counts,
        display_zone=display_zone,
    )
