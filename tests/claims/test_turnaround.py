"""The repair / replacement turnaround promise as a claim clock: it starts at approval or
at receipt (in the store's zone, calendar or working days with the store's holidays),
the managers are reminded 48 hours before it is due and told once when it is overdue,
the staff queue and the shopper's page show it, and it stops when the claim is resolved.
And the rule's "tracking number required" (P4): the parcel is not received, so not
refunded, without its tracking number unless staff say why."""

import html
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from accounts.models import User
from claims.models import Claim, ClaimEvent
from claims.selectors import claim_decided_rule
from claims.services import (
    TRACKING_REQUIRED,
    ClaimError,
    TransitionNotAllowed,
    claim_approve,
    claim_receive,
    claim_record_refund,
    claim_resolve,
)
from claims.sla import KIND_TURNAROUND_OVERDUE, KIND_TURNAROUND_REMINDER, sla_sweep
from claims.states import ClaimStatus
from notifications.models import OutboundEmail
from policies.models import CoverageRule
from policies.services import policy_publish
from tests.claims.conftest import enter_tracking, staff, submitted_claim

NEW_YORK = ZoneInfo("America/New_York")
IMIRROR_MANAGER = "manager@imirror.demo.example"
END_OF_DAY = {"hour": 23, "minute": 59, "second": 59, "microsecond": 999999, "tzinfo": NEW_YORK}


@pytest.fixture
def demo_at(request):
    def load(moment: datetime):
        travel = time_machine.travel(moment, tick=False)
        traveller = travel.start()
        request.addfinalizer(travel.stop)
        request.getfixturevalue("demo")
        return traveller

    return load


def promise(store: str = "imirror", rule: str = "warranty", **fields) -> CoverageRule:
    """Set the rule's turnaround as an operator would, and publish the policy."""
    row = CoverageRule.objects.get(policy__store__slug=store, code=rule)
    for name, value in fields.items():
        setattr(row, name, value)
    row.full_clean()
    row.save()
    policy_publish(policy=row.policy, actor=User.objects.get(email="admin@demo.example"))
    return row


def warranty_claim(preferred: str) -> Claim:
    claim = submitted_claim("IM-80010", reason="manufacturing-issue", answers={}, preferred=preferred)
    assert claim.rule_code == "warranty"
    return claim


def _page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def _shopper_page(claim: Claim) -> str:
    client = Client()
    client.force_login(User.objects.get(email=claim.shopper_email))
    return _page(client, f"/s/{claim.store.slug}/claims/{claim.reference}/")


def _emails(kind: str) -> list[OutboundEmail]:
    return list(OutboundEmail.objects.filter(kind=kind).order_by("pk"))


@pytest.mark.django_db
def test_a_repair_promised_from_receipt_is_dated_reminded_flagged_and_stopped(demo_at):
    traveller = demo_at(datetime(2026, 11, 24, 10, 0, tzinfo=NEW_YORK))
    promise(turnaround_length=14, turnaround_unit="calendar_days", turnaround_clock="receipt", turnaround_outcomes=["repair", "replacement"])
    claim = warranty_claim("repair")
    assert claim_decided_rule(claim=claim)["turnaround_text"] == "Repairs are completed and replacements are shipped within 14 days of receiving your item."

    claim = enter_tracking(claim_approve(claim_id=claim.pk, actor=staff("reviewer@imirror.demo.example"), outcome="repair"))
    assert claim.turnaround_due_at is None  # counted from the receipt
    page = _shopper_page(claim)
    assert "Repairs are completed and replacements are shipped within 14 days of receiving your item." in page

    traveller.move_to(datetime(2026, 12, 1, 16, 0, tzinfo=NEW_YORK))
    claim = claim_receive(claim_id=claim.pk, actor=staff("warehouse@imirror.demo.example"), rma_number=claim.rma_number)
    due = datetime(2026, 12, 15, **END_OF_DAY)  # 14 days, to the end of the store's day
    assert claim.turnaround_due_at == due
    assert Claim.objects.get(pk=claim.pk).next_due_at == due
    assert "We will repair it by Tue 15 Dec 2026" in _shopper_page(claim)
    (received,) = _emails("claim:receive")
    assert "We will repair it by Tue 15 Dec 2026" in received.body_text

    # the managers: reminded once, 48 hours before; told once when it is overdue
    traveller.move_to(due - timedelta(hours=48, minutes=1))
    assert sla_sweep()["turnaround_reminders"] == 0
    traveller.move_to(due - timedelta(hours=47))
    assert [sla_sweep()["turnaround_reminders"] for _ in range(2)] == [1, 0]
    (reminder,) = _emails(KIND_TURNAROUND_REMINDER)
    assert reminder.to == IMIRROR_MANAGER and claim.reference in reminder.subject and "due soon" in reminder.subject
    traveller.move_to(due + timedelta(minutes=1))
    assert [sla_sweep()["turnarounds_overdue"] for _ in range(3)] == [1, 0, 0]
    (overdue,) = _emails(KIND_TURNAROUND_OVERDUE)
    assert overdue.to == IMIRROR_MANAGER and claim.reference in overdue.subject and "overdue" in overdue.subject
    claim.refresh_from_db()
    assert claim.turnaround_overdue_flagged_at == due + timedelta(minutes=1)

    # the staff queue: in the overdue filter, named as the repair clock
    manager = Client()
    manager.force_login(User.objects.get(email=IMIRROR_MANAGER))
    queue = _page(manager, "/admin/claims/claim/?clock=overdue")
    assert claim.reference in queue and "repair/replacement overdue by" in queue
    assert "Repair / replacement due" in _page(manager, f"/admin/claims/claim/{claim.pk}/change/")

    # repaired and shipped back: the clock stops
    claim = claim_resolve(claim_id=claim.pk, actor=staff("warehouse@imirror.demo.example"), resolution="repaired")
    stored = Claim.objects.get(pk=claim.pk)
    assert (stored.status, stored.turnaround_due_at, stored.next_due_at) == (ClaimStatus.RESOLVED, None, None)
    assert claim.reference not in _page(manager, "/admin/claims/claim/?clock=overdue")
    assert "We will repair it" not in _shopper_page(stored)


@pytest.mark.django_db
def test_a_promise_from_approval_counts_the_stores_working_days_and_holidays(demo_at):
    # approved on Tuesday before Thanksgiving (a US holiday at IMIRROR): 5 working days
    # are Wed, Fri, Mon, Tue, Wed
    demo_at(datetime(2026, 11, 24, 10, 0, tzinfo=NEW_YORK))
    promise(turnaround_length=5, turnaround_unit="working_days", turnaround_clock="approval", turnaround_outcomes=["replacement"])
    claim = warranty_claim("replacement")
    claim = claim_approve(claim_id=claim.pk, actor=staff("reviewer@imirror.demo.example"), outcome="replacement")
    assert claim.turnaround_due_at == datetime(2026, 12, 2, **END_OF_DAY)
    assert "We will ship your replacement by Wed 2 Dec 2026" in _shopper_page(claim)


@pytest.mark.django_db
def test_an_outcome_the_promise_does_not_cover_gets_no_clock(demo_at):
    demo_at(datetime(2026, 11, 24, 10, 0, tzinfo=NEW_YORK))
    promise(turnaround_length=14, turnaround_unit="calendar_days", turnaround_clock="approval", turnaround_outcomes=["repair"])
    claim = warranty_claim("replacement")
    claim = claim_approve(claim_id=claim.pk, actor=staff("reviewer@imirror.demo.example"), outcome="replacement")
    assert claim.turnaround_due_at is None
    assert "We will" not in _shopper_page(claim)


@pytest.mark.django_db
def test_claims_decided_under_a_version_without_the_promise_keep_no_clock(demo_at):
    demo_at(datetime(2026, 11, 24, 10, 0, tzinfo=NEW_YORK))
    claim = warranty_claim("repair")  # under the demo's version: no promise
    promise(turnaround_length=14, turnaround_unit="calendar_days", turnaround_clock="approval", turnaround_outcomes=["repair"])
    claim = claim_approve(claim_id=claim.pk, actor=staff("reviewer@imirror.demo.example"), outcome="repair")
    assert claim.turnaround_due_at is None


@pytest.mark.django_db
def test_withdrawn_or_closed_claims_stop_the_clock(demo_at):
    demo_at(datetime(2026, 11, 24, 10, 0, tzinfo=NEW_YORK))
    promise(turnaround_length=14, turnaround_unit="calendar_days", turnaround_clock="approval", turnaround_outcomes=["repair"])
    claim = warranty_claim("repair")
    claim = claim_approve(claim_id=claim.pk, actor=staff("reviewer@imirror.demo.example"), outcome="repair")
    assert claim.turnaround_due_at is not None
    from claims.actors import shopper_actor
    from claims.services import claim_withdraw

    claim = claim_withdraw(claim_id=claim.pk, actor=shopper_actor(email=claim.shopper_email))
    stored = Claim.objects.get(pk=claim.pk)
    assert (stored.status, stored.turnaround_due_at, stored.next_due_at) == (ClaimStatus.WITHDRAWN, None, None)


# --- "tracking number required" (P4) -----------------------------------------------------------


@pytest.mark.django_db
def test_a_parcel_without_its_required_tracking_number_is_not_received_nor_refunded(demo):
    claim = submitted_claim("IM-80010")
    claim = claim_approve(claim_id=claim.pk, actor=staff("reviewer@imirror.demo.example"), outcome=None)
    warehouse = staff("warehouse@imirror.demo.example")
    with pytest.raises(ClaimError) as refused:
        claim_receive(claim_id=claim.pk, actor=warehouse, rma_number=claim.rma_number)
    assert refused.value.message == TRACKING_REQUIRED % {"rule": "30-day return"}
    assert Claim.objects.get(pk=claim.pk).status == ClaimStatus.APPROVED_AWAITING_RETURN
    assert not ClaimEvent.objects.filter(claim=claim, action="receive").exists()
    with pytest.raises(TransitionNotAllowed):
        claim_record_refund(claim_id=claim.pk, actor=staff(IMIRROR_MANAGER))

    # the shopper's page keeps asking for it
    page = _shopper_page(claim)
    assert "The tracking number is required: we can't receive or refund your return without it." in page

    claim = enter_tracking(claim)
    claim = claim_receive(claim_id=claim.pk, actor=warehouse, rma_number=claim.rma_number)
    assert claim.status == ClaimStatus.RECEIVED
    assert ClaimEvent.objects.get(claim=claim, action="receive").data == {}


@pytest.mark.django_db
def test_staff_may_receive_without_the_tracking_number_with_a_reason_kept_in_the_history(demo):
    claim = submitted_claim("IM-80010")
    claim = claim_approve(claim_id=claim.pk, actor=staff("reviewer@imirror.demo.example"), outcome=None)
    warehouse = staff("warehouse@imirror.demo.example")
    with pytest.raises(ClaimError):
        claim_receive(claim_id=claim.pk, actor=warehouse, rma_number=claim.rma_number, tracking_override_reason="   ")
    claim = claim_receive(claim_id=claim.pk, actor=warehouse, rma_number=claim.rma_number, tracking_override_reason="Courier lost the label.")
    assert claim.status == ClaimStatus.RECEIVED
    event = ClaimEvent.objects.get(claim=claim, action="receive")
    assert event.data == {"tracking_override": "Courier lost the label."} and event.actor_role == "warehouse"


@pytest.mark.django_db
def test_the_tracking_paragraph_shows_the_rules_ship_by_date(demo):
    from tests.claims.test_sla import VOLTAIC_UNOPENED

    claim = submitted_claim("VC-70001", reason="change-of-demand", answers=VOLTAIC_UNOPENED)
    claim = claim_approve(claim_id=claim.pk, actor=staff("reviewer@voltaic.demo.example"), outcome=None)
    assert claim.status == ClaimStatus.APPROVED_AWAITING_RETURN and claim.ship_by_at is not None
    from django.utils import timezone

    with timezone.override(claim.store.time_zone):
        date = timezone.localtime(claim.ship_by_at).strftime("%A %-d %B %Y")
    page = _shopper_page(claim)
    assert f"we can't receive or refund your return without it. Ship it by {date}." in page


@pytest.mark.django_db
def test_a_rule_without_the_requirement_receives_without_a_tracking_number(demo):
    claim = submitted_claim("KW-50045", reason="changed-mind", answers={"mint": True, "unused": True})
    claim = claim_approve(claim_id=claim.pk, actor=staff("reviewer@kwoking.demo.example"), outcome=None)
    assert claim.status == ClaimStatus.APPROVED_AWAITING_RETURN and claim.return_tracking_number == ""
    claim = claim_receive(claim_id=claim.pk, actor=staff("warehouse@kwoking.demo.example"), rma_number=claim.rma_number)
    assert claim.status == ClaimStatus.RECEIVED


@pytest.mark.django_db
def test_the_queues_next_due_counts_the_turnaround_in_python_and_in_sql(demo):
    """next_due() and its set-based expression agree with the turnaround among the clocks."""
    from django.utils import timezone

    from claims.clocks import next_due, next_due_expression

    template = submitted_claim()
    now = timezone.now()
    hour = timedelta(hours=1)
    clocks = [
        (None, None, None, now),
        (now, None, None, now - hour),
        (None, now - hour, None, now + hour),
        (None, None, now + hour, now),
        (now, now + hour, now + hour, None),
    ]
    fields = {f.attname: getattr(template, f.attname) for f in Claim._meta.concrete_fields if f.attname not in ("id", "reference", "rma_number")}
    Claim.objects.bulk_create(
        [
            Claim(**{**fields, "status": status, "review_due_at": r, "ship_by_at": s, "refund_due_at": f, "turnaround_due_at": t, "next_due_at": None})
            for status in ClaimStatus
            for r, s, f, t in clocks
        ]
    )
    Claim.objects.update(next_due_at=next_due_expression())
    claims = list(Claim.objects.all())
    assert all(claim.next_due_at == next_due(claim) for claim in claims)
    received = [c for c in claims if c.status == ClaimStatus.RECEIVED and c.review_due_at is None and c.ship_by_at is None and c.refund_due_at is None]
    assert [c.next_due_at for c in received] == [now]  # the turnaround alone
