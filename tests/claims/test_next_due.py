"""Claim.next_due_at, the staff queue's order: the earliest running clock of an open
claim, kept by the one write path after every command, and the same value from the
set-based expression (sweeps, the migration's backfill)."""

import importlib
from datetime import timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.utils import timezone

from claims.actors import shopper_actor
from claims.clocks import next_due, next_due_expression
from claims.models import Claim
from claims.services import (
    claim_appeal,
    claim_approve,
    claim_close,
    claim_inspect,
    claim_provide_info,
    claim_receive,
    claim_record_refund,
    claim_reject,
    claim_request_info,
    claim_ship,
    claim_start,
    claim_uphold_rejection,
)
from claims.states import OPEN_STATES, ClaimStatus
from orders.models import Order
from tests.claims.conftest import staff, submitted_claim
from tests.claims.test_life import UPS_EXAMPLE, _submitted_mirror_claim

pytestmark = pytest.mark.django_db

VC_OK = {"unused": True, "untested": True, "unprogrammed": True, "packaging-intact": True}


def _stored(claim: Claim) -> Claim:
    """The row as saved; its next_due_at must be what next_due() says of it."""
    fresh = Claim.objects.get(pk=claim.pk)
    assert fresh.next_due_at == next_due(fresh)
    return fresh


def test_next_due_is_the_earliest_clock_of_an_open_claim():
    now = timezone.now()
    review, ship_by, refund = now + timedelta(hours=5), now + timedelta(hours=2), now + timedelta(days=3)
    assert next_due(Claim(status=ClaimStatus.SUBMITTED, review_due_at=review, ship_by_at=ship_by, refund_due_at=refund)) == ship_by
    assert next_due(Claim(status=ClaimStatus.RECEIVED, refund_due_at=refund)) == refund
    assert next_due(Claim(status=ClaimStatus.NEEDS_INFO)) is None  # the review clock is paused
    for status in set(ClaimStatus) - OPEN_STATES:
        assert next_due(Claim(status=status, review_due_at=review, refund_due_at=refund)) is None


def test_every_command_of_a_return_leaves_the_next_due_time_of_its_clocks(demo):
    reviewer = staff("reviewer@imirror.demo.example")
    warehouse = staff("warehouse@imirror.demo.example")
    manager = staff("manager@imirror.demo.example")

    claim, shopper = _submitted_mirror_claim()
    claim = _stored(claim)
    assert claim.next_due_at == claim.review_due_at is not None

    claim = _stored(claim_request_info(claim_id=claim.pk, actor=reviewer, slots=[], message="Which size is it?"))
    assert claim.status == ClaimStatus.NEEDS_INFO and claim.next_due_at is None

    claim = _stored(claim_provide_info(claim_id=claim.pk, actor=shopper, message="The 32-inch one."))
    assert claim.next_due_at == claim.review_due_at is not None

    claim = _stored(claim_approve(claim_id=claim.pk, actor=reviewer, outcome=None))
    assert claim.status == ClaimStatus.APPROVED_AWAITING_RETURN
    assert claim.next_due_at == claim.ship_by_at  # IMIRROR's 30-day return sets no ship-by: None

    claim = _stored(claim_ship(claim_id=claim.pk, actor=shopper, carrier="UPS", tracking_number=UPS_EXAMPLE))
    claim = _stored(claim_receive(claim_id=claim.pk, actor=warehouse, rma_number=claim.rma_number))
    assert claim.next_due_at == claim.refund_due_at is not None  # the refund clock runs from the receipt

    claim = _stored(claim_inspect(claim_id=claim.pk, actor=warehouse, damage_value=Decimal("0")))
    assert claim.next_due_at == claim.refund_due_at is not None

    claim = _stored(claim_record_refund(claim_id=claim.pk, actor=manager))
    assert claim.status == ClaimStatus.RESOLVED and claim.next_due_at is None

    claim = _stored(claim_close(claim_id=claim.pk, actor=manager))
    assert claim.status == ClaimStatus.CLOSED and claim.next_due_at is None


def test_approval_with_a_ship_by_clock_puts_it_first(demo):
    claim = submitted_claim("VC-70010", reason="change-of-demand", answers=VC_OK)
    claim = _stored(claim_approve(claim_id=claim.pk, actor=staff("reviewer@voltaic.demo.example"), outcome=None))
    assert claim.status == ClaimStatus.APPROVED_AWAITING_RETURN
    assert claim.next_due_at == claim.ship_by_at is not None


def test_a_rejection_stops_the_clock_an_appeal_restarts_it(demo):
    reviewer = staff("reviewer@imirror.demo.example")
    claim = submitted_claim()
    claim = _stored(claim_reject(claim_id=claim.pk, actor=reviewer, reason="Condition not met"))
    assert claim.next_due_at is None
    claim = _stored(claim_appeal(claim_id=claim.pk, actor=shopper_actor(email=claim.shopper_email), message="Please look again."))
    assert claim.status == ClaimStatus.APPEALED and claim.next_due_at == claim.review_due_at is not None
    claim = _stored(claim_uphold_rejection(claim_id=claim.pk, actor=reviewer, message="Still not met."))
    assert claim.next_due_at is None


def test_the_set_based_expression_agrees_with_next_due(demo):
    """What a set-based write (a sweep, the migration's backfill) stores is next_due()."""
    template = submitted_claim()
    now = timezone.now()
    hour = timedelta(hours=1)
    clocks = [(None, None, None), (now, None, None), (None, now - hour, None), (None, None, now + hour), (now, now - hour, now + hour), (now + hour, None, now)]
    fields = {f.attname: getattr(template, f.attname) for f in Claim._meta.concrete_fields if f.attname not in ("id", "reference", "rma_number")}
    Claim.objects.bulk_create(
        [
            Claim(**{**fields, "status": status, "review_due_at": review, "ship_by_at": ship_by, "refund_due_at": refund, "next_due_at": None})
            for status in ClaimStatus
            for review, ship_by, refund in clocks
        ]
    )
    Claim.objects.update(next_due_at=next_due_expression())
    claims = list(Claim.objects.all())
    assert len(claims) == 1 + len(ClaimStatus) * len(clocks)
    assert all(claim.next_due_at == next_due(claim) for claim in claims)
    assert any(claim.next_due_at is not None for claim in claims)


def test_the_migration_fills_next_due_and_normalises_the_searched_values(demo):
    claim = submitted_claim()
    Claim.objects.filter(pk=claim.pk).update(next_due_at=None, shopper_email=" Shopper@Example.COM ", return_tracking_number="1z 999 aa1")
    migration = importlib.import_module("claims.migrations.0008_claim_next_due_and_search")
    migration.backfill(apps, None)
    claim = Claim.objects.get(pk=claim.pk)
    assert claim.next_due_at == claim.review_due_at is not None
    assert (claim.shopper_email, claim.return_tracking_number) == ("shopper@example.com", "1Z999AA1")


def test_the_shopper_email_is_stored_normalised(demo):
    order = Order.objects.get(number="IM-80010")
    line = order.lines.order_by("pk").first()
    claim = claim_start(store=order.store, actor=shopper_actor(email=f"  {order.customer_email.upper()} "), reason_code="not-satisfied", order=order, lines=[(line, 1)])
    assert Claim.objects.get(pk=claim.pk).shopper_email == order.customer_email.lower()
