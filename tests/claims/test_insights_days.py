"""The insights' daily tables (claims.services.insights_days): the closed days counted once
by the worker give the page the same figures as counting the claims again; today, a day
whose orders changed and a store whose time zone changed are counted right; counting is
idempotent; the write path keeps each claim's first decision; the worker runs the count.

Runs on PostgreSQL and on SQLite."""

from dataclasses import astuple
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from claims.actors import shopper_actor
from claims.insights import insights_for, insights_period
from claims.models import (
    Claim,
    InsightsDay,
    InsightsDecisionDay,
    InsightsMoneyDay,
    InsightsProductDay,
    InsightsReasonDay,
)
from claims.services import claim_appeal, claim_approve, claim_reject, claim_uphold_rejection
from claims.services.insights_days import insights_days_refresh, insights_days_refresh_all
from claims.tasks import insights_days_task
from orders.models import Order, OrderLine, Store
from orders.services import order_webhook_apply
from tests.claims.conftest import staff, submitted_claim
from tests.waiting import wait_until

NEW_YORK = ZoneInfo("America/New_York")


@pytest.fixture
def demo_stores(db):
    call_command("demo_load")
    return list(Store.objects.order_by("slug"))


def _today(store: Store) -> date:
    return timezone.localtime(timezone.now(), store.time_zone).date()


def _figures(store: Store, days: int = 365) -> tuple:
    """What the page shows for the period, as plain values."""
    insights = insights_for(store=store, period=insights_period(store=store, today=_today(store), days=days))
    return (
        [astuple(r) for r in insights.reasons],
        [astuple(p) for p in insights.products],
        astuple(insights.decision_times),
        [astuple(w) for w in insights.sla_weeks],
        [astuple(m) for m in insights.money],
    )


def _rows(store: Store) -> list:
    return [
        sorted(model.objects.filter(store=store).values_list(*fields))
        for model, fields in (
            (InsightsDay, ("day", "time_zone")),
            (InsightsReasonDay, ("day", "reason_code", "reason_label", "claims")),
            (InsightsProductDay, ("day", "product_id", "claims", "units_claimed", "units_sold")),
            (InsightsDecisionDay, ("day", "decided", "in_time")),
            (InsightsMoneyDay, ("day", "currency", "refunds", "refunded", "compensated", "deducted")),
        )
    ]


@pytest.fixture
def demo_loaded_days_ago(db):
    """The demo loaded three days ago: its claims, decisions and refunds are on a closed day."""
    with time_machine.travel(timezone.now() - timedelta(days=3, hours=2), tick=True):
        call_command("demo_load")
    return list(Store.objects.order_by("slug"))


@pytest.mark.parametrize("loaded", ["demo_stores", "demo_loaded_days_ago"])
def test_the_daily_tables_give_the_same_figures_as_counting_again(request, loaded):
    demo_stores = request.getfixturevalue(loaded)
    before = {store.slug: (_figures(store, 30), _figures(store)) for store in demo_stores}
    assert not InsightsDay.objects.exists()

    counted = insights_days_refresh_all()

    for store in demo_stores:
        yesterday = _today(store) - timedelta(days=1)
        marks = InsightsDay.objects.filter(store=store)
        # every closed day from the store's first order or claim to yesterday; today is not closed
        assert marks.count() == next(c.days for c in counted if c.store_id == store.pk) > 30
        assert marks.order_by("-day").first().day == yesterday
        assert set(marks.values_list("time_zone", flat=True)) == {str(store.time_zone)}
        assert InsightsProductDay.objects.filter(store=store).exists()
        assert (_figures(store, 30), _figures(store)) == before[store.slug], store.slug
    if loaded == "demo_loaded_days_ago":  # its claims, decisions and refunds are in the tables
        assert InsightsReasonDay.objects.exists() and InsightsDecisionDay.objects.exists()
        assert InsightsMoneyDay.objects.exists()


def test_counting_again_changes_nothing(demo_stores):
    insights_days_refresh_all()
    first = {store.slug: _rows(store) for store in demo_stores}
    assert all(c.days == 0 for c in insights_days_refresh_all())  # nothing new: nothing counted
    insights_days_refresh_all(everything=True)
    assert {store.slug: _rows(store) for store in demo_stores} == first


def test_todays_claims_and_decisions_are_counted_as_they_happen(demo):
    store = Store.objects.get(slug="imirror")
    insights_days_refresh(store=store)
    before = insights_for(store=store, period=insights_period(store=store, today=_today(store), days=30))
    claim = submitted_claim("IM-80010")
    claim_reject(claim_id=claim.pk, actor=staff("reviewer@imirror.demo.example"), reason="Outside the policy.")
    after = insights_for(store=store, period=insights_period(store=store, today=_today(store), days=30))
    assert after.claims == before.claims + 1
    assert sum(w.decided for w in after.sla_weeks) == sum(w.decided for w in before.sla_weeks) + 1
    assert after.decision_times.claims == before.decision_times.claims + 1
    assert not InsightsDay.objects.filter(store=store, day=_today(store)).exists()


def _units_sold(store: Store, day: date, sku: str) -> int:
    zone = ZoneInfo(str(store.time_zone))
    start = datetime.combine(day, datetime.min.time(), tzinfo=zone)
    lines = OrderLine.objects.filter(
        order__store=store,
        product__sku=sku,
        order__placed_at__gte=start,
        order__placed_at__lt=start + timedelta(days=1),
    ).exclude(order__status=Order.Status.CANCELLED)
    return sum(lines.values_list("quantity", flat=True))


def _product_on(store: Store, day: date, sku: str):
    insights = insights_for(store=store, period=insights_period(store=store, today=day, first=day, last=day))
    return next((p for p in insights.products if p.sku == sku), None)


def test_orders_imported_or_cancelled_later_are_counted_again_on_their_day(demo):
    store = Store.objects.get(slug="imirror")
    order = Order.objects.filter(store=store, status=Order.Status.DELIVERED).order_by("placed_at").first()
    line = order.lines.select_related("product").first()
    day = timezone.localtime(order.placed_at, store.time_zone).date()
    sku = line.product.sku
    insights_days_refresh(store=store)
    assert InsightsDay.objects.filter(store=store, day=day).exists()
    sold = _units_sold(store, day, sku)
    assert _product_on(store, day, sku).units_sold == sold > 0

    # an order the shop sends late, placed that day, and the order cancelled
    placed = order.placed_at + timedelta(minutes=1)
    created = order_webhook_apply(
        store=store,
        payload={
            "id": "evt-late-1",
            "type": "order.created",
            "order": {
                "number": "IM-LATE-1",
                "customer_email": "late@example.com",
                "placed_at": placed.isoformat(),
                "lines": [{"sku": sku, "quantity": 3, "unit_price": str(line.unit_price)}],
            },
        },
    )
    assert not created.duplicate
    order_webhook_apply(
        store=store,
        payload={
            "id": "evt-cancel-1",
            "type": "order.updated",
            "order": {"number": order.number, "status": "cancelled"},
        },
    )
    expected = _units_sold(store, day, sku)
    assert expected == sold + 3 - line.quantity
    # until the worker's next run the day shows what it counted; the run counts it again
    assert _product_on(store, day, sku).units_sold == sold
    result = insights_days_refresh(store=store)
    assert result.days == 1
    assert _product_on(store, day, sku).units_sold == expected


def test_a_store_whose_time_zone_changed_is_counted_in_its_new_zone(demo):
    store = Store.objects.get(slug="imirror")
    insights_days_refresh(store=store)
    assert store.time_zone != "Asia/Tokyo"
    store.time_zone = "Asia/Tokyo"
    store.save(update_fields=["time_zone"])
    store.refresh_from_db()
    # the days counted in New York's days are not used: the page counts the claims again
    live = _figures(store)
    assert not InsightsDay.objects.filter(store=store, time_zone="Asia/Tokyo").exists()
    insights_days_refresh(store=store)
    assert set(InsightsDay.objects.filter(store=store).values_list("time_zone", flat=True)) == {"Asia/Tokyo"}
    assert _figures(store) == live


def test_the_write_path_keeps_the_first_decision(demo):
    reviewer = staff("reviewer@imirror.demo.example")
    claim = submitted_claim("IM-80010")
    assert claim.first_decided_at is None
    with time_machine.travel(timezone.now() + timedelta(hours=1), tick=False):
        claim = claim_reject(claim_id=claim.pk, actor=reviewer, reason="Outside the policy.")
        rejected_at = timezone.now()
    assert claim.first_decided_at == rejected_at
    shopper = shopper_actor(email=claim.shopper_email)
    with time_machine.travel(timezone.now() + timedelta(hours=2), tick=False):
        claim = claim_appeal(claim_id=claim.pk, actor=shopper, message="The mirror was never used.")
    with time_machine.travel(timezone.now() + timedelta(hours=3), tick=False):
        claim = claim_uphold_rejection(claim_id=claim.pk, actor=reviewer, message="The photos show use.")
    claim.refresh_from_db()
    assert claim.first_decided_at == rejected_at  # the upheld rejection is a later decision

    other = submitted_claim("IM-80006")
    other = claim_approve(claim_id=other.pk, actor=reviewer, outcome=None)
    assert other.first_decided_at is not None


@pytest.mark.django_db(transaction=True)
def test_the_worker_counts_the_days(demo, celery_worker):
    store = Store.objects.get(slug="imirror")
    insights_days_task.delay()
    yesterday = _today(store) - timedelta(days=1)
    assert wait_until(lambda: InsightsDay.objects.filter(store=store, day=yesterday).exists(), timeout=60)
    assert InsightsDay.objects.filter(store=store).count() > 30


def test_known_decisions_read_from_the_daily_tables(request, db):
    """The decisions of tests/claims/test_insights.py at known moments, read a week later
    from the daily tables: the same median, p90 and weeks."""
    travel = time_machine.travel(datetime(2026, 11, 24, 10, 0, tzinfo=NEW_YORK), tick=False)
    traveller = travel.start()
    request.addfinalizer(travel.stop)
    request.getfixturevalue("demo")
    reviewer = staff("reviewer@imirror.demo.example")
    first, second, late = (submitted_claim(number) for number in ("IM-80010", "IM-80006", "IM-80005"))
    traveller.move_to(datetime(2026, 11, 24, 11, 0, tzinfo=NEW_YORK))
    claim_approve(claim_id=first.pk, actor=reviewer, outcome=None)
    traveller.move_to(datetime(2026, 11, 24, 12, 0, tzinfo=NEW_YORK))
    claim_reject(claim_id=second.pk, actor=reviewer, reason="Scratches on the photos.")
    traveller.move_to(datetime(2026, 11, 30, 20, 0, tzinfo=NEW_YORK))
    claim_approve(claim_id=late.pk, actor=reviewer, outcome=None)
    traveller.move_to(datetime(2026, 12, 7, 9, 0, tzinfo=NEW_YORK))
    store = Store.objects.get(slug="imirror")
    insights_days_refresh(store=store)
    assert InsightsDay.objects.filter(store=store, day=date(2026, 11, 30)).exists()
    assert list(
        InsightsDecisionDay.objects.filter(store=store, day__gte=date(2026, 11, 24)).values_list(
            "day", "decided", "in_time"
        )
    ) == [(date(2026, 11, 24), 2, 2), (date(2026, 11, 30), 1, 0)]
    insights = insights_for(store=store, period=insights_period(store=store, today=date(2026, 11, 30), days=30))
    assert insights.decision_times.claims == 3
    assert insights.decision_times.median == timedelta(hours=2)
    assert insights.decision_times.p90 == timedelta(hours=123.6)
    assert [(w.week, w.decided, w.in_time) for w in insights.sla_weeks] == [
        (date(2026, 11, 23), 2, 2),
        (date(2026, 11, 30), 1, 0),
    ]
    assert {r.code: r.claims for r in insights.reasons} == {"not-satisfied": 3}
    assert Claim.objects.filter(store=store, first_decided_at__isnull=False).count() >= 3
