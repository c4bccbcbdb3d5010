"""Whole claim lives through the services, as the pages will drive them: every step's
state, clock, event and outbox row, on the demo brands (IMIRROR's 30-day return with
a return parcel, Voltaic's wrong item kept with compensation, KWOKING's automatic
cancellation of a late order)."""

import re
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from claims.actors import shopper_actor
from claims.models import Claim, ClaimEvent, EvidenceFile, Refund
from claims.services import (
    RMA_MISMATCH,
    ClaimChanged,
    ClaimError,
    claim_approve,
    claim_close,
    claim_inspect,
    claim_provide_info,
    claim_receive,
    claim_record_compensation,
    claim_record_refund,
    claim_refund_breakdown,
    claim_request_info,
    claim_ship,
    claim_start,
    claim_submit,
    claim_update_draft,
)
from claims.states import ClaimStatus, Role
from demo.policies import ANY_TRACKED_CARRIERS
from notifications.models import OutboundEmail
from orders.models import Order
from policies.models import Outcome
from tests.claims.conftest import IM_OK, ready_evidence, staff, submitted_claim

pytestmark = pytest.mark.django_db

UPS_EXAMPLE = next(example for name, _pattern, example in ANY_TRACKED_CARRIERS if name == "UPS")
MIRROR_REASON = "The mirror is bigger than I expected; it does not fit the hallway."
LIFE_EVENTS = [
    "start",
    "submit",
    "request_info",
    "provide_info",
    "approve_return",
    "ship",
    "receive",
    "inspect",
    "resolve",
    "close",
]
LIFE_EMAILS = [
    "claim:submit",
    "staff:new_claim",  # the store's manager
    "staff:new_claim",  # and its reviewer
    "claim:request_info",
    "claim:provide_info",
    "claim:approve_return",
    "claim:ship",
    "claim:receive",
    "claim:inspect",
    "claim:resolve",
]


def _mirror_line(order: Order):
    return order.lines.get(product__sku="IM-SM32")


def _mirror_draft() -> tuple[Claim, object]:
    """A draft for the smart mirror of IM-80010 (the wall mount is an accessory: not returnable)."""
    order = Order.objects.get(number="IM-80010")
    shopper = shopper_actor(email=order.customer_email)
    claim = claim_start(
        store=order.store, actor=shopper, reason_code="not-satisfied", order=order, lines=[(_mirror_line(order), 1)]
    )
    return claim, shopper


def _submitted_mirror_claim() -> tuple[Claim, object]:
    claim, shopper = _mirror_draft()
    claim_update_draft(
        claim_id=claim.pk,
        actor=shopper,
        answers=IM_OK,
        texts={"reason": MIRROR_REASON},
        preferred_outcome=Outcome.REFUND,
    )
    for slot, count in (("all-sides", 4), ("accessories", 1), ("packaging", 1)):
        ready_evidence(claim, slot, count)
    return claim_submit(claim_id=claim.pk, actor=shopper), shopper


def _inspected_mirror_claim(missing=None):
    """IM-80010's mirror, through approval, shipping and receipt, to the inspection.
    Returns (claim, refund total before the inspection, refund total after it)."""
    claim, shopper = _submitted_mirror_claim()
    reviewer = staff("reviewer@imirror.demo.example")
    warehouse = staff("warehouse@imirror.demo.example")
    claim = claim_approve(claim_id=claim.pk, actor=reviewer, outcome=None)
    claim = claim_ship(claim_id=claim.pk, actor=shopper, carrier="UPS", tracking_number=UPS_EXAMPLE)
    claim = claim_receive(claim_id=claim.pk, actor=warehouse, rma_number=claim.rma_number)
    before = claim_refund_breakdown(claim=Claim.objects.get(pk=claim.pk)).total
    claim = claim_inspect(claim_id=claim.pk, actor=warehouse, missing_accessories=missing, damage_value=Decimal("0"))
    after = claim_refund_breakdown(claim=Claim.objects.get(pk=claim.pk)).total
    return claim, before, after


def _events(claim: Claim) -> list[str]:
    return list(ClaimEvent.objects.filter(claim=claim).order_by("pk").values_list("action", flat=True))


def _email_kinds(since_pk: int) -> list[str]:
    return list(OutboundEmail.objects.filter(pk__gt=since_pk).order_by("pk").values_list("kind", flat=True))


def _last_email_pk() -> int:
    last = OutboundEmail.objects.order_by("-pk").first()
    return last.pk if last else 0


# --- IMIRROR: the 30-day return of the smart mirror, start to close -----------------------------


def test_the_life_of_an_imirror_return(demo):
    emails_before = _last_email_pk()
    reviewer = staff("reviewer@imirror.demo.example")
    warehouse = staff("warehouse@imirror.demo.example")
    manager = staff("manager@imirror.demo.example")

    # a draft, filled in as the shopper goes
    claim, shopper = _mirror_draft()
    assert claim.status == ClaimStatus.DRAFT and claim.reference is None
    claim = claim_update_draft(claim_id=claim.pk, actor=shopper, answers=IM_OK)
    claim = claim_update_draft(claim_id=claim.pk, actor=shopper, texts={"reason": MIRROR_REASON})
    claim = claim_update_draft(claim_id=claim.pk, actor=shopper, preferred_outcome=Outcome.REFUND)
    claim.refresh_from_db()
    assert (claim.answers, claim.texts, claim.preferred_outcome) == (IM_OK, {"reason": MIRROR_REASON}, Outcome.REFUND)
    for slot, count in (("all-sides", 4), ("accessories", 1), ("packaging", 1)):
        ready_evidence(claim, slot, count)

    # submitted: a reference, the rule, the review clock running
    claim = claim_submit(claim_id=claim.pk, actor=shopper)
    assert claim.status == ClaimStatus.SUBMITTED
    assert re.fullmatch(r"CLM-[A-Z0-9]{6}", claim.reference)
    assert claim.rule_code == "return-30"
    assert claim.submitted_at is not None and claim.review_due_at > claim.submitted_at
    first_due = claim.review_due_at

    # more information asked for: the review clock stops, the working time left is kept
    claim = claim_request_info(
        claim_id=claim.pk,
        actor=reviewer,
        slots=["accessories"],
        message="Please add a photo of the power adapter.",
        expected_version=claim.row_version,
    )
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.NEEDS_INFO
    assert claim.review_due_at is None and claim.review_paused_at is not None
    assert 0 < claim.review_remaining_seconds <= 3 * 8 * 3600  # IMIRROR: store default, 3 working days of 09:00-17:00
    assert claim.messages.get().requested_slots == ["accessories"]

    # the shopper adds the photo and sends it: the clock runs again
    ready_evidence(claim, "accessories", 1)
    assert claim.evidence.filter(slot_code="accessories", status=EvidenceFile.Status.READY).count() == 2
    claim = claim_provide_info(
        claim_id=claim.pk, actor=shopper, message="Here it is.", expected_version=claim.row_version
    )
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.SUBMITTED
    assert claim.review_due_at is not None and claim.review_due_at >= first_due
    assert claim.review_paused_at is None and claim.review_remaining_seconds is None

    # approved with a return: an RMA number (IMIRROR's 30-day return sets no ship-by)
    claim = claim_approve(claim_id=claim.pk, actor=reviewer, outcome=None, expected_version=claim.row_version)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.APPROVED_AWAITING_RETURN
    assert claim.outcome == Outcome.REFUND and claim.decided_at is not None and claim.review_due_at is None
    assert re.fullmatch(r"RMA\d{9}", claim.rma_number)
    approve_email = OutboundEmail.objects.filter(pk__gt=emails_before, kind="claim:approve_return").get()
    assert claim.rma_number in approve_email.body_text
    assert claim.rma_number in approve_email.subject

    # the shopper ships it with UPS (tracking entered with spaces and in lower case)
    spaced = " ".join([UPS_EXAMPLE[:6], UPS_EXAMPLE[6:12], UPS_EXAMPLE[12:]]).lower()
    claim = claim_ship(
        claim_id=claim.pk, actor=shopper, carrier="UPS", tracking_number=spaced, expected_version=claim.row_version
    )
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.IN_TRANSIT
    assert (claim.return_carrier, claim.return_tracking_number) == ("UPS", UPS_EXAMPLE)
    assert claim.shipped_back_at is not None

    # a parcel with another RMA number is refused and changes nothing
    seen = (claim.status, claim.row_version, claim.received_at, len(_events(claim)), _last_email_pk())
    wrong = "RMA" + str((int(claim.rma_number[3:]) + 1) % 10**9).zfill(9)
    with pytest.raises(ClaimError) as refused:
        claim_receive(claim_id=claim.pk, actor=warehouse, rma_number=wrong)
    assert refused.value.message == RMA_MISMATCH % {"rma": claim.rma_number}
    claim.refresh_from_db()
    assert (claim.status, claim.row_version, claim.received_at, len(_events(claim)), _last_email_pk()) == seen

    # the right one is received (refund due 10 business days after receipt, S6)
    claim = claim_receive(
        claim_id=claim.pk, actor=warehouse, rma_number=claim.rma_number.lower(), expected_version=claim.row_version
    )
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.RECEIVED
    assert claim.received_at is not None and claim.refund_due_at > claim.received_at

    # inspected: the wall mount kit is missing
    before = claim_refund_breakdown(claim=claim)
    assert before.total == Decimal("810.00")  # 899.00 paid - 89.00 return shipping (not a defect: the shopper pays, M7)
    claim = claim_inspect(
        claim_id=claim.pk,
        actor=warehouse,
        missing_accessories=[("Wall mount kit", Decimal("49.00"))],
        damage_value=Decimal("0"),
        notes="Mirror fine; wall mount kit not in the box.",
        expected_version=claim.row_version,
    )
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.INSPECTED
    assert claim.inspection["missing_accessories"] == [{"label": "Wall mount kit", "value": "49.00"}]
    after = claim_refund_breakdown(claim=claim)

    # the refund is recorded as the breakdown stands, once; then the claim is closed
    claim = claim_record_refund(
        claim_id=claim.pk, actor=manager, payment_reference="PAY-0001", expected_version=claim.row_version
    )
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.RESOLVED
    assert (
        claim.resolution == Claim.Resolution.REFUNDED and claim.resolved_at is not None and claim.refund_due_at is None
    )
    refund = Refund.objects.get(claim=claim)
    assert (refund.kind, refund.amount, refund.currency, refund.reference) == (
        Refund.Kind.REFUND,
        after.total,
        "USD",
        "PAY-0001",
    )
    assert sum(Decimal(line["amount"]) for line in refund.lines if not line["pending"]) == refund.amount
    claim = claim_close(claim_id=claim.pk, actor=reviewer, expected_version=claim.row_version)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.CLOSED and claim.closed_at is not None

    # the audit trail and the e-mails, in order (closing sends none)
    assert _events(claim) == LIFE_EVENTS
    assert _email_kinds(emails_before) == LIFE_EMAILS
    assert set(OutboundEmail.objects.filter(pk__gt=emails_before, kind__startswith="claim:").values_list("to", flat=True)) == {
        claim.shopper_email
    }
    assert set(OutboundEmail.objects.filter(pk__gt=emails_before, kind__startswith="staff:").values_list("to", flat=True)) == {
        "manager@imirror.demo.example",
        "reviewer@imirror.demo.example",
    }
    assert claim.row_version == 3 + 9  # three draft saves and nine transitions, each bumped it once
    # IMIRROR (M8): items found missing at inspection cost the 15 % restocking fee
    assert before.total - after.total == Decimal("134.85"), (
        f"refund before inspection {before.total}, after {after.total}: "
        "the missing accessory found at inspection changed nothing"
    )


def test_an_inspection_that_finds_nothing_keeps_the_refund_and_decides_every_line(demo):
    claim, before, after = _inspected_mirror_claim(missing=None)
    assert before == after == Decimal("810.00")
    # inspected: nothing is "decided at inspection" any more (the damage-on-return line found 0.00)
    breakdown = claim_refund_breakdown(claim=Claim.objects.get(pk=claim.pk))
    still_pending = [(line.code, line.note) for line in breakdown.pending_lines]
    assert still_pending == [], f"after the inspection these lines are still pending: {still_pending}"


def test_a_double_submit_is_refused_the_second_time(demo):
    claim, shopper = _mirror_draft()
    claim_update_draft(claim_id=claim.pk, actor=shopper, answers=IM_OK, texts={"reason": MIRROR_REASON})
    for slot, count in (("all-sides", 4), ("accessories", 1), ("packaging", 1)):
        ready_evidence(claim, slot, count)
    emails_before = _last_email_pk()
    first = claim_submit(claim_id=claim.pk, actor=shopper)
    with pytest.raises(ClaimChanged):
        claim_submit(claim_id=claim.pk, actor=shopper)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.SUBMITTED
    assert (claim.reference, claim.row_version, claim.review_due_at) == (
        first.reference,
        first.row_version,
        first.review_due_at,
    )
    assert ClaimEvent.objects.filter(claim=claim, action="submit").count() == 1
    assert _email_kinds(emails_before) == ["claim:submit", "staff:new_claim", "staff:new_claim"]


# --- Voltaic: the wrong item, kept with 50 % of the price difference (W8, M6, O6) --------------


def test_a_wrong_item_kept_with_compensation(demo):
    order = Order.objects.get(number="VC-70001")
    assert demo["voltaic"].created_at - order.delivered_at == timedelta(days=1)  # within the 48 hours of W8
    emails_before = _last_email_pk()
    claim = submitted_claim("VC-70001", reason="wrong-item", answers={}, preferred=Outcome.KEEP_WITH_COMPENSATION)
    assert claim.status == ClaimStatus.SUBMITTED and claim.rule_code == "wrong-item"
    line = claim.lines.get()
    assert (line.quantity, line.order_line.unit_price) == (10, Decimal("18.50"))  # 185.00 ordered

    reviewer = staff("reviewer@voltaic.demo.example")
    manager = staff("manager@voltaic.demo.example")
    claim = claim_approve(claim_id=claim.pk, actor=reviewer, outcome=None, expected_version=claim.row_version)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.APPROVED_NO_RETURN
    assert claim.outcome == Outcome.KEEP_WITH_COMPENSATION
    assert claim.rma_number is None and claim.ship_by_at is None
    assert claim.events.order_by("-pk").first().action == "approve_no_return"

    claim = claim_record_compensation(
        claim_id=claim.pk,
        actor=manager,
        received_item_value=Decimal("60.00"),
        reshipment_tracking="1234567890",
        expected_version=claim.row_version,
    )
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.RESOLVED
    assert claim.resolution == Claim.Resolution.COMPENSATED and claim.replacement_tracking == "1234567890"
    refund = Refund.objects.get(claim=claim)
    assert refund.kind == Refund.Kind.COMPENSATION
    assert refund.amount == Decimal("62.50")  # 50 % of (10 x 18.50 - 60.00) = 50 % of 125.00
    assert refund.currency == "USD"
    assert _events(claim) == ["start", "submit", "approve_no_return", "resolve"]
    assert _email_kinds(emails_before) == ["claim:submit", "staff:new_claim", "staff:new_claim", "claim:approve_no_return", "claim:resolve"]
    with pytest.raises(ClaimError):
        claim_record_compensation(
            claim_id=claim.pk, actor=manager, received_item_value=Decimal("0"), reshipment_tracking=""
        )
    assert Refund.objects.filter(claim=claim).count() == 1


# --- KWOKING: a late, unshipped order is cancelled automatically (W6, S8) -----------------------

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_a_late_unshipped_kwoking_order_is_cancelled_automatically(request):
    # Monday 2 March 2026, 10:00 in Shanghai: the demo is loaded and the claim submitted then
    with time_machine.travel(datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI), tick=False):
        request.getfixturevalue("demo")
        order = Order.objects.get(number="KW-60001")
        assert order.shipped_at is None and order.expected_ship_at < datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)
        emails_before = _last_email_pk()
        shopper = shopper_actor(email=order.customer_email)
        claim = claim_start(
            store=order.store, actor=shopper, reason_code="cancel", order=order, lines=[(order.lines.get(), 1)]
        )
        claim = claim_submit(claim_id=claim.pk, actor=shopper)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.APPROVED_NO_RETURN
    assert claim.rule_code == "cancel" and claim.outcome == Outcome.CANCEL_REFUND
    assert claim.rma_number is None and claim.review_due_at is None
    event = claim.events.order_by("-pk").first()
    assert (event.action, event.actor_role, event.actor_user) == ("approve_no_return", Role.SYSTEM, None)
    assert event.from_status == ClaimStatus.SUBMITTED and event.to_status == ClaimStatus.APPROVED_NO_RETURN
    assert _events(claim) == ["start", "submit", "approve_no_return"]
    assert _email_kinds(emails_before) == ["claim:submit", "staff:new_claim", "staff:new_claim", "claim:approve_no_return"]
    # 5 business days after Mon 2 Mar: Tue 3, Wed 4, Thu 5, Fri 6, Mon 9 March; to the end of that day (S8)
    assert claim.refund_due_at == datetime(2026, 3, 9, 23, 59, 59, 999999, tzinfo=SHANGHAI)
    assert claim.decided_at == datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)


# --- one unit, one claim -------------------------------------------------------------------------


def test_two_drafts_for_the_same_unit_cannot_both_be_submitted(demo):
    """Drafts do not hold the unit (an abandoned draft must not block a new one), so the
    check has to happen again at submission."""
    first, shopper = _mirror_draft()
    second, _shopper = _mirror_draft()  # allowed: the first is still a draft
    for claim in (first, second):
        claim_update_draft(claim_id=claim.pk, actor=shopper, answers=IM_OK, texts={"reason": MIRROR_REASON})
        for slot, count in (("all-sides", 4), ("accessories", 1), ("packaging", 1)):
            ready_evidence(claim, slot, count)
    claim_submit(claim_id=first.pk, actor=shopper)
    with pytest.raises(ClaimError, match="is already in another claim"):
        claim_submit(claim_id=second.pk, actor=shopper)
    second.refresh_from_db()
    assert second.status == ClaimStatus.DRAFT
    mirror = _mirror_line(Order.objects.get(number="IM-80010"))
    assert Claim.objects.filter(lines__order_line=mirror, status=ClaimStatus.SUBMITTED).count() == 1


# --- more information: something has to be added ------------------------------------------------


def test_sending_the_information_without_adding_any_is_refused(demo):
    claim = submitted_claim("IM-80010")
    reviewer = staff("reviewer@imirror.demo.example")
    shopper = shopper_actor(email=claim.shopper_email)
    claim_request_info(
        claim_id=claim.pk, actor=reviewer, slots=["packaging"], message="The box's photo is blurred; another, please."
    )
    with pytest.raises(ClaimError):
        claim_provide_info(claim_id=claim.pk, actor=shopper, message="Sent.")
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.NEEDS_INFO
    ready_evidence(claim, "packaging", 1)
    claim_provide_info(claim_id=claim.pk, actor=shopper, message="Sent.")
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.SUBMITTED


VALUE_OF_MISSING = Decimal("8.00")


def test_kwoking_missing_accessory_comes_off_the_refund_at_its_value(demo):
    """M3: a missing component is charged at its value (the full life, on KWOKING)."""
    claim = submitted_claim("KW-50045", "changed-mind", answers={"mint": True, "unused": True})
    reviewer = staff("reviewer@kwoking.demo.example")
    warehouse = staff("warehouse@kwoking.demo.example")
    shopper = shopper_actor(email=claim.shopper_email)
    claim = claim_approve(claim_id=claim.pk, actor=reviewer, outcome=None, expected_version=claim.row_version)
    claim = claim_ship(claim_id=claim.pk, actor=shopper, carrier="UPS", tracking_number="1Z999AA10123456784")
    claim = claim_receive(claim_id=claim.pk, actor=warehouse, rma_number=claim.rma_number)
    before = claim_refund_breakdown(claim=claim)
    assert "missing-parts" in [line.code for line in before.pending_lines]
    claim = claim_inspect(claim_id=claim.pk, actor=warehouse, missing_accessories=[("32 GB microSD card", VALUE_OF_MISSING)])
    after = claim_refund_breakdown(claim=claim)
    assert before.total - after.total == VALUE_OF_MISSING
    assert not after.pending_lines
    assert ("missing-parts", -VALUE_OF_MISSING) in [(line.code, line.amount) for line in after.lines]
