"""Staff accept or reject per line: a rejected line leaves the refund."""

from decimal import Decimal

import pytest

from claims.actors import shopper_actor
from claims.models import Claim, ClaimLine
from claims.services import (
    LINE_NOT_IN_CLAIM,
    ClaimError,
    claim_line_decide,
    claim_refund_breakdown,
    claim_start,
    claim_submit,
    claim_update_draft,
)
from orders.models import Order
from tests.claims.conftest import satisfy_evidence, staff

pytestmark = pytest.mark.django_db

VC_UNOPENED = {"unused": True, "untested": True, "unprogrammed": True, "packaging-intact": True}


def test_a_rejected_line_drops_out_of_the_refund(demo):
    order = Order.objects.get(number="VC-70020")  # 2 power modules + 3 connector kits
    shopper = shopper_actor(email=order.customer_email)
    lines = list(order.lines.order_by("pk"))
    claim = claim_start(store=order.store, actor=shopper, reason_code="change-of-demand", order=order, lines=[(line, line.quantity) for line in lines])
    claim_update_draft(claim_id=claim.pk, actor=shopper, answers=VC_UNOPENED)
    satisfy_evidence(claim)
    claim = claim_submit(claim_id=claim.pk, actor=shopper)
    before = claim_refund_breakdown(claim=claim).total
    connectors = claim.lines.get(order_line=lines[1])
    manager = staff("manager@voltaic.demo.example")
    claim_line_decide(claim_id=claim.pk, actor=manager, line_id=connectors.pk, accept=False, note="Opened packs")
    claim = Claim.objects.get(pk=claim.pk)
    after = claim_refund_breakdown(claim=claim).total
    # connectors: 3 × 6.40 = 19.20, minus their 10 % purchase cost (1.92); the fixed
    # export postage is taken once per claim either way
    assert before - after == Decimal("19.20") - Decimal("1.92")
    assert claim.lines.get(pk=connectors.pk).staff_decision == ClaimLine.StaffDecision.REJECTED
    assert claim.events.filter(action="line_rejected").count() == 1
    with pytest.raises(ClaimError, match=LINE_NOT_IN_CLAIM):
        claim_line_decide(claim_id=claim.pk, actor=manager, line_id=999999, accept=True)


def test_an_open_claim_keeps_its_policy_version_when_the_policy_changes(demo):
    from claims.selectors import claim_evaluate
    from policies.models import CoverageRule, Policy
    from policies.services import policy_publish
    from tests.claims.conftest import submitted_claim

    claim = submitted_claim()  # IMIRROR 30-day return, decided under version 1
    policy = Policy.objects.get(store__slug="imirror")
    rule = CoverageRule.objects.get(policy=policy, code="return-30")
    rule.window_length = 45
    rule.save()
    v2 = policy_publish(policy=policy, actor=None, note="45 days")
    claim.refresh_from_db()
    assert claim.policy_version.number == 1 and v2.number == 2
    decision = claim_evaluate(claim=claim)[0][1]
    assert "30-day window" in " ".join(next(r for r in decision.rules if r.rule_code == "return-30").explanation)
    assert "30-day window" in " ".join(claim.decision["rules"][0]["explanation"])


def test_a_claim_opened_from_an_earlier_one_links_to_it(demo):
    from claims.actors import shopper_actor
    from claims.services import claim_approve, claim_follow_up, claim_resolve
    from tests.claims.conftest import submitted_claim

    first = submitted_claim("IM-80010", "manufacturing-issue")
    manager = staff("manager@imirror.demo.example")
    Claim.objects.filter(pk=first.pk).update(rule_code="warranty")  # decided under the warranty rule
    first = claim_approve(claim_id=first.pk, actor=manager, outcome="replacement", change_reason="Replacement under warranty")
    Claim.objects.filter(pk=first.pk).update(status="inspected")  # set-up: the return was handled
    claim_resolve(claim_id=first.pk, actor=manager, resolution=Claim.Resolution.REPLACED, replacement_tracking="UPS 1Z999AA10123456784")
    second = claim_follow_up(claim=Claim.objects.get(pk=first.pk), actor=shopper_actor(email=first.shopper_email), reason_code="manufacturing-issue")
    assert second.parent_id == first.pk and second.status == "draft"
    assert [(line.order_line_id, line.quantity) for line in second.lines.all()] == [(line.order_line_id, line.quantity) for line in first.lines.all()]
    assert list(first.follow_ups.all()) == [second]


def test_a_bundle_goes_back_complete_with_its_gift_where_the_rule_says_so(demo):
    from claims.selectors import claim_evaluate

    order = Order.objects.get(number="KW-50002")  # camera + SD card (bundle B1) + a free strap
    shopper = shopper_actor(email=order.customer_email)
    camera, card, strap = (order.lines.get(product__sku=sku) for sku in ("KW-CAM", "KW-SDCARD", "KW-STRAP"))

    def conditional_return(lines):
        claim = claim_start(store=order.store, actor=shopper, reason_code="changed-mind", order=order, lines=lines)
        claim = claim_update_draft(claim_id=claim.pk, actor=shopper, answers={"mint": True, "unused": True})
        return next(r for r in claim_evaluate(claim=claim)[0][1].rules if r.rule_code == "conditional-60"), claim

    alone, _ = conditional_return([(camera, 1)])
    assert not alone.eligible and "add 1 × " + card.product.name in alone.explanation[0]
    without_gift, _ = conditional_return([(camera, 1), (card, 1)])
    assert not without_gift.eligible and "add 1 × " + strap.product.name in without_gift.explanation[0]
    complete, claim = conditional_return([(camera, 1), (card, 1), (strap, 1)])
    assert complete.eligible

    # units already in another open claim count as going back: with the camera in a
    # submitted claim, the card completes the bundle, and then the gift goes back too
    Claim.objects.filter(pk=claim.pk).update(status="submitted")
    ClaimLine.objects.filter(claim=claim).exclude(order_line=camera).delete()
    card_alone, _ = conditional_return([(card, 1)])
    assert not card_alone.eligible and "add 1 × " + strap.product.name in card_alone.explanation[0]
    card_and_gift, _ = conditional_return([(card, 1), (strap, 1)])
    assert card_and_gift.eligible
