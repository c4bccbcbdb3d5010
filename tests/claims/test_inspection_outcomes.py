"""Inspection outcomes through the claim's one write path: accepted (the full refund),
partial (the engine's refund with what was found deducted, parts lists and free entries
at their value), rejected with one of the policy's reasons (what happens to the item and
its fee). Each writes its audit row and the shopper's e-mail; wrong states, roles and
inputs are refused with nothing changed."""

from datetime import timedelta
from decimal import Decimal

import pytest

from claims.actors import shopper_actor
from claims.models import Claim, ClaimEvent, InspectionOutcome, Refund
from claims.selectors import claim_inspection_result, inspection_parts
from claims.services import (
    ACCEPT_BUT_DEDUCTED,
    NO_REJECTION_REASONS,
    PART_NAME_NEEDED,
    PART_VALUE_INVALID,
    PARTIAL_NOTHING_DEDUCTED,
    PARTIAL_WITHOUT_REFUND,
    REJECTION_REASON_NEEDED,
    UNKNOWN_INSPECTION_OUTCOME,
    UNKNOWN_REJECTION_REASON,
    ClaimError,
    NotPermitted,
    TransitionNotAllowed,
    claim_appeal,
    claim_approve,
    claim_inspect,
    claim_receive,
    claim_record_refund,
    claim_refund_breakdown,
    claim_ship,
)
from claims.states import ClaimStatus
from notifications.models import OutboundEmail
from orders.models import Product, ProductPart
from policies.models import PolicyVersion
from tests.claims.conftest import staff, submitted_claim

pytestmark = pytest.mark.django_db

UPS = "1Z999AA10123456784"


def _received(order_number: str = "KW-50001") -> Claim:
    """A KWOKING changed-mind return (rule conditional-60: a partial refund, missing parts
    deducted at their value at inspection), approved, shipped and received."""
    claim = submitted_claim(order_number, "changed-mind", answers={"mint": True, "unused": True})
    claim = claim_approve(claim_id=claim.pk, actor=staff("reviewer@kwoking.demo.example"), outcome=None)
    claim = claim_ship(claim_id=claim.pk, actor=shopper_actor(email=claim.shopper_email), carrier="UPS", tracking_number=UPS)
    claim = claim_receive(claim_id=claim.pk, actor=staff("warehouse@kwoking.demo.example"), rma_number=claim.rma_number)
    assert claim.status == ClaimStatus.RECEIVED
    return Claim.objects.get(pk=claim.pk)


def _warehouse():
    return staff("warehouse@kwoking.demo.example")


def _unchanged(claim: Claim):
    fresh = Claim.objects.get(pk=claim.pk)
    return (fresh.status, fresh.row_version, fresh.inspection, fresh.inspection_outcome, fresh.events.count(), OutboundEmail.objects.count())


def test_accepted_keeps_the_full_refund_with_its_audit_row_and_email(demo):
    claim = _received()
    full = claim_refund_breakdown(claim=claim, inspection_data={"missing_accessories": [], "damage_value": "0"}).total
    claim = claim_inspect(claim_id=claim.pk, actor=_warehouse(), outcome="accepted", expected_version=claim.row_version)
    claim = Claim.objects.get(pk=claim.pk)
    assert (claim.status, claim.inspection_outcome) == (ClaimStatus.INSPECTED, InspectionOutcome.ACCEPTED)
    assert claim_refund_breakdown(claim=claim).total == full
    event = claim.events.order_by("-pk").first()
    assert (event.action, event.from_status, event.to_status, event.data["outcome"]) == ("inspect", "received", "inspected", "accepted")
    email = OutboundEmail.objects.filter(kind="claim:inspect").latest("pk")
    assert "Inspection outcome: Accepted" in email.body_text


def test_a_part_not_sold_separately_is_recorded_and_deducted_partial_refund(demo):
    """Regression (KWOKING, P6 "batteries, cables, chargers"): the camera's charger is not
    a product of the store, yet it can be recorded missing and is deducted at its value."""
    claim = _received()
    charger = ProductPart.objects.get(product__sku="KW-CAM", name="USB charger")
    assert not Product.objects.filter(store=claim.store, name__icontains="charger").exists()
    assert charger in inspection_parts(claim=claim)
    before = claim_refund_breakdown(claim=claim)
    assert "missing-parts" in [line.code for line in before.pending_lines]

    claim = claim_inspect(
        claim_id=claim.pk, actor=_warehouse(), missing_accessories=[(charger.name, charger.value)], outcome="partial", expected_version=claim.row_version
    )
    claim = Claim.objects.get(pk=claim.pk)
    after = claim_refund_breakdown(claim=claim)
    assert claim.inspection_outcome == InspectionOutcome.PARTIAL
    assert ("missing-parts", -Decimal("6.00")) in [(line.code, line.amount) for line in after.lines]
    assert before.total - after.total == Decimal("6.00")
    assert isinstance(after.total, Decimal)
    result = claim_inspection_result(claim=claim)
    assert (Decimal(result.refund_total), Decimal(result.refund_full)) == (after.total, after.total + Decimal("6.00"))
    assert f"Refund after inspection: {after.total} of {after.total + Decimal('6.00')} USD" in result.lines

    claim = claim_record_refund(claim_id=claim.pk, actor=staff("manager@kwoking.demo.example"), expected_version=claim.row_version)
    assert Refund.objects.get(claim=claim).amount == after.total
    assert Claim.objects.get(pk=claim.pk).status == ClaimStatus.RESOLVED


def test_a_free_entry_with_its_value_is_deducted(demo):
    claim = _received()
    full = claim_refund_breakdown(claim=claim, inspection_data={"missing_accessories": [], "damage_value": "0"}).total
    claim = claim_inspect(claim_id=claim.pk, actor=_warehouse(), missing_accessories=[("Lens cap", "4.50")])
    claim = Claim.objects.get(pk=claim.pk)
    # no outcome given: the findings decide (something deducted: partial), and the audit row says so
    assert claim.inspection_outcome == InspectionOutcome.PARTIAL
    assert claim.events.filter(action="inspect").get().data["outcome"] == "partial"
    assert claim.inspection["missing_accessories"] == [{"label": "Lens cap", "value": "4.50"}]
    assert full - claim_refund_breakdown(claim=claim).total == Decimal("4.50")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"outcome": "accepted", "missing_accessories": [("USB charger", Decimal("6.00"))]}, ACCEPT_BUT_DEDUCTED),
        ({"outcome": "partial"}, PARTIAL_NOTHING_DEDUCTED),
        ({"outcome": "maybe"}, UNKNOWN_INSPECTION_OUTCOME),
        ({"outcome": "rejected"}, REJECTION_REASON_NEEDED),
        ({"outcome": "rejected", "rejection_code": "no-such-reason"}, UNKNOWN_REJECTION_REASON),
        ({"missing_accessories": [("Lens cap", "abc")]}, PART_VALUE_INVALID % {"name": "Lens cap"}),
        ({"missing_accessories": [("Lens cap", "-1")]}, PART_VALUE_INVALID % {"name": "Lens cap"}),
        ({"missing_accessories": [("  ", "1.00")]}, PART_NAME_NEEDED),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_nothing_changes(demo, kwargs, message):
    claim = _received()
    before = _unchanged(claim)
    with pytest.raises(ClaimError) as refused:
        claim_inspect(claim_id=claim.pk, actor=_warehouse(), **kwargs)
    if message is ACCEPT_BUT_DEDUCTED:
        assert refused.value.message.startswith("What you recorded lowers the refund to ")
    else:
        assert refused.value.message == message
    assert _unchanged(claim) == before


def test_rejected_with_a_reason_says_what_happens_to_the_item_and_can_be_appealed(demo):
    claim = _received()
    claim = claim_inspect(
        claim_id=claim.pk,
        actor=_warehouse(),
        outcome="rejected",
        rejection_code="not-as-declared",
        notes="Bin 4: resell as B-stock.",
        shopper_note="Scratches on the lens housing.",
        expected_version=claim.row_version,
    )
    claim = Claim.objects.get(pk=claim.pk)
    assert (claim.status, claim.inspection_outcome, claim.rejection_reason) == (
        ClaimStatus.REJECTED,
        InspectionOutcome.REJECTED,
        "Not in the condition declared",
    )
    assert claim.refund_due_at is None
    assert claim.inspection["rejection"] == {
        "code": "not-as-declared",
        "label": "Not in the condition declared",
        "item_handling": "returned",
        "fee": "8.00",
        "currency": "USD",
        "item": "the item is sent back to you at your cost (8.00 USD)",
    }
    event = ClaimEvent.objects.filter(claim=claim).latest("pk")
    assert (event.action, event.from_status, event.to_status, event.actor_role) == ("reject_after_inspection", "received", "rejected", "warehouse")
    assert event.data["reason"] == "not-as-declared"
    email = OutboundEmail.objects.filter(kind="claim:reject_after_inspection").latest("pk")
    assert "did not pass inspection" in email.subject
    for text in ("Reason: Not in the condition declared", "Your item: the item is sent back to you at your cost (8.00 USD).", "Scratches on the lens housing."):
        assert text in email.body_text
    assert "Bin 4" not in email.body_text + email.body_html  # the internal note stays with staff
    assert claim_inspection_result(claim=claim).lines[:2] == ["Inspection outcome: Rejected", "Reason: Not in the condition declared"]
    # the shopper may appeal the rejection once, as any other
    claim = claim_appeal(claim_id=claim.pk, actor=shopper_actor(email=claim.shopper_email), message="The scratches were there on delivery.")
    assert claim.status == ClaimStatus.APPEALED


@pytest.mark.parametrize("status", [ClaimStatus.SUBMITTED, ClaimStatus.APPROVED_AWAITING_RETURN, ClaimStatus.INSPECTED, ClaimStatus.REJECTED, ClaimStatus.CLOSED])
@pytest.mark.parametrize("outcome", ["accepted", "rejected"])
def test_an_inspection_outcome_is_refused_outside_received(demo, status, outcome):
    claim = _received()
    Claim.objects.filter(pk=claim.pk).update(status=status)  # test set-up: the claim in another state
    before = _unchanged(claim)
    with pytest.raises(TransitionNotAllowed):
        claim_inspect(claim_id=claim.pk, actor=_warehouse(), outcome=outcome, rejection_code="not-as-declared")
    assert _unchanged(claim) == before


def test_a_reviewer_or_another_store_cannot_record_the_outcome(demo):
    claim = _received()
    before = _unchanged(claim)
    for actor in (staff("reviewer@kwoking.demo.example"), staff("warehouse@iwalk.demo.example"), shopper_actor(email=claim.shopper_email)):
        with pytest.raises(NotPermitted):
            claim_inspect(claim_id=claim.pk, actor=actor, outcome="rejected", rejection_code="not-as-declared")
    assert _unchanged(claim) == before


def test_a_claim_under_a_version_without_reasons_cannot_be_rejected_after_inspection(demo):
    """Versions published before the reasons existed read as having none (old claims keep
    their version: no fee the shopper was never told of)."""
    claim = _received()
    version = claim.policy_version
    data = dict(version.data)
    data.pop("inspection_rejections")
    # test set-up: an older snapshot (a new publication time: the engine view is kept per version)
    PolicyVersion.objects.filter(pk=version.pk).update(data=data, published_at=version.published_at - timedelta(days=30))
    before = _unchanged(claim)
    with pytest.raises(ClaimError) as refused:
        claim_inspect(claim_id=claim.pk, actor=_warehouse(), outcome="rejected", rejection_code="not-as-declared")
    assert refused.value.message == NO_REJECTION_REASONS % {"n": version.number}
    assert _unchanged(claim) == before


def test_partial_is_refused_for_a_rule_without_a_refund(demo):
    """IMIRROR's warranty repairs: nothing to reduce."""
    claim = _received()
    Claim.objects.filter(pk=claim.pk).update(rule_code="warranty")  # test set-up: a repair/replacement rule
    with pytest.raises(ClaimError) as refused:
        claim_inspect(claim_id=claim.pk, actor=_warehouse(), outcome="partial", missing_accessories=[("USB charger", "6.00")])
    assert refused.value.message == PARTIAL_WITHOUT_REFUND
