"""An outcome per item, from the estimate to the settlement (issue 15): the estimate takes
a fixed charge once and keeps the items taken as store credit or exchanged out of the
refund; staff approve each item (the shopper's choice pre-selected, a reason when they
differ); what follows honours each item; the shopper is told per item; a claim
withdrawn after approval says so once closed."""

from decimal import Decimal

import pytest

from claims import services
from claims.actors import shopper_actor
from claims.admin_forms import ApproveForm, RecordRefundForm, SettlePerItemForm
from claims.models import MIXED_OUTCOME, Claim, ClaimEvent, Refund
from claims.outcomes import claim_outcome_lines
from claims.selectors import claim_rule
from claims.services.review import EXCHANGE_TARGET_NEEDED
from claims.tracker import claim_progress
from credits.models import StoreCredit
from notifications.models import OutboundEmail
from orders.models import Order, Product
from tests.claims.conftest import IM_OK, enter_tracking, satisfy_evidence, staff

MIRROR, SMALL, WHITE = 'IMIRROR Smart Mirror 32"', 'IMIRROR Smart Mirror 27"', 'IMIRROR Smart Mirror 32" (white frame)'
RETURN_SHIPPING = Decimal("89.00")  # IMIRROR's 30-day return: a fixed charge per claim


def _three_items(choices: dict[str, tuple[str, str | None]]) -> Claim:
    """IM-80013's three mirrors claimed together, each with the outcome the shopper chose
    ({product name: (outcome, exchange product name)}), submitted."""
    order = Order.objects.get(number="IM-80013")
    shopper = shopper_actor(email=order.customer_email)
    lines = [(line, line.quantity) for line in order.lines.order_by("pk")]
    claim = services.claim_start(store=order.store, actor=shopper, reason_code="not-satisfied", order=order, lines=lines)
    services.claim_update_draft(claim_id=claim.pk, actor=shopper, answers=IM_OK)
    satisfy_evidence(claim)
    by_name = {line.order_line.product.name: line for line in claim.lines.select_related("order_line__product")}
    products = {p.name: p.pk for p in Product.objects.filter(store=claim.store)}
    services.claim_choose_outcomes(
        claim_id=claim.pk,
        actor=shopper,
        choices={by_name[name].pk: (outcome, products[exchange] if exchange else None) for name, (outcome, exchange) in choices.items()},
    )
    return services.claim_submit(claim_id=claim.pk, actor=shopper)


MIXED = {MIRROR: ("exchange", WHITE), SMALL: ("refund", None), WHITE: ("store_credit", None)}


def _estimate(claim: Claim) -> dict:
    return next(rule for rule in claim.decision["rules"] if rule["rule_code"] == claim.rule_code)["refund"]


def _lines(claim: Claim) -> dict:
    return {line.order_line.product.name: line for line in claim.lines.select_related("order_line__product")}


def test_the_estimate_takes_a_fixed_charge_once_per_claim(demo):
    claim = _three_items({MIRROR: ("refund", None), SMALL: ("refund", None), WHITE: ("refund", None)})
    estimate = _estimate(claim)
    shipping = [line for line in estimate["lines"] if line["code"] == "return-shipping"]
    assert len(shipping) == 1 and Decimal(shipping[0]["amount"]) == -RETURN_SHIPPING
    assert Decimal(estimate["total"]) == Decimal("899.00") + Decimal("799.00") + Decimal("929.00") - RETURN_SHIPPING
    # what staff refund is the same figure
    assert services.claim_refund_breakdown(claim=claim).total == Decimal(estimate["total"])


def test_store_credit_and_exchanged_items_are_not_in_the_refund_estimate(demo):
    claim = _three_items(MIXED)
    estimate = _estimate(claim)
    # the refund to the payment method: the 27" mirror, less the return shipping once
    assert Decimal(estimate["total"]) == Decimal("799.00") - RETURN_SHIPPING
    counted = [line for line in estimate["lines"] if line["kind"] != "elsewhere" and not line["pending"]]
    assert [line["label"] for line in counted if line["kind"] == "base"] == [f"1 × {SMALL}: Price paid for the item(s)"]
    # the other two in their own rows: the white mirror as store credit (its price + 10 % bonus,
    # the fixed charge already taken), the exchange with what the shopper pays on top
    elsewhere = {line["label"]: Decimal(line["amount"]) for line in estimate["elsewhere_lines"]}
    assert elsewhere == {
        f"1 × {WHITE}: as store credit, not refunded": Decimal("1021.90"),
        f"1 × {MIRROR}: exchanged for {WHITE}, not refunded": Decimal("30.00"),
    }


def test_staff_approve_each_item_with_the_shoppers_choice_preselected(demo):
    claim = _three_items(MIXED)
    lines = _lines(claim)
    form = ApproveForm(claim=claim)
    assert {name: form.fields[f"outcome_{line.pk}"].initial for name, line in lines.items()} == {
        MIRROR: "exchange",
        SMALL: "refund",
        WHITE: "store_credit",
    }
    assert [value for value, _label in form.fields[f"outcome_{lines[SMALL].pk}"].choices] == ["refund", "exchange", "store_credit"]
    assert form.fields[f"exchange_{lines[MIRROR].pk}"].initial == lines[MIRROR].exchange_product_id
    assert "you pay 30.00 USD more" in dict(form.fields[f"exchange_{lines[MIRROR].pk}"].choices)[lines[MIRROR].exchange_product_id]

    # another outcome than the shopper's for one item needs a reason
    data = {"expected_version": claim.row_version, "change_reason": "", "note": ""}
    data |= {f"outcome_{line.pk}": line.requested_outcome for line in lines.values()}
    data[f"exchange_{lines[MIRROR].pk}"] = str(lines[MIRROR].exchange_product_id)
    data[f"outcome_{lines[SMALL].pk}"] = "store_credit"
    reviewer = staff("reviewer@imirror.demo.example")
    form = ApproveForm(data, claim=claim)
    assert form.is_valid(), form.errors
    with pytest.raises(services.ClaimError) as error:
        form.perform(actor=reviewer)
    assert str(error.value) == str(services.OUTCOME_CHANGE_REASON)
    assert Claim.objects.get(pk=claim.pk).status == "submitted"

    data[f"outcome_{lines[SMALL].pk}"] = "refund"
    events = ClaimEvent.objects.filter(claim=claim).count()
    form = ApproveForm(data, claim=claim)
    assert form.is_valid(), form.errors
    claim = form.perform(actor=reviewer)
    assert claim.status == "approved_awaiting_return" and claim.rma_number
    assert claim.outcome == MIXED_OUTCOME
    assert {name: line.approved_outcome for name, line in _lines(claim).items()} == {MIRROR: "exchange", SMALL: "refund", WHITE: "store_credit"}
    (event,) = ClaimEvent.objects.filter(claim=claim)[events:]  # one audit row
    assert event.action == "approve_return" and event.data["lines"][str(lines[SMALL].pk)]["outcome"] == "refund"

    # told per item, on the claim page and in the e-mail
    told = claim_outcome_lines(claim=claim)
    assert told == [
        f"Approved: 1 × {MIRROR} → Exchange for {WHITE}. " + told[0].split(f"{WHITE}. ", 1)[1],
        f"Approved: 1 × {SMALL} → Full refund — 710.00 USD",
        f"Approved: 1 × {WHITE} → Store credit — 1,021.90 USD",
    ]
    assert "You pay 30.00 USD more" in told[0]
    email = OutboundEmail.objects.get(kind="claim:approve_return", to=claim.shopper_email)
    for line in told:
        assert line in email.body_text


def test_staff_may_change_an_exchange_target_with_a_reason(demo):
    claim = _three_items(MIXED)
    lines = _lines(claim)
    small = Product.objects.get(store=claim.store, name=SMALL)
    choices = {line.pk: (line.requested_outcome, None) for line in lines.values()}
    choices[lines[MIRROR].pk] = ("exchange", small.pk)
    reviewer = staff("reviewer@imirror.demo.example")
    with pytest.raises(services.ClaimError):
        services.claim_approve(claim_id=claim.pk, actor=reviewer, outcome=None, line_outcomes=choices)
    claim = services.claim_approve(claim_id=claim.pk, actor=reviewer, outcome=None, line_outcomes=choices, change_reason="The white frame is sold out.")
    mirror = _lines(claim)[MIRROR]
    assert (mirror.approved_outcome, mirror.exchange_product_id, mirror.price_difference) == ("exchange", small.pk, Decimal("-100.00"))
    # an exchange staff choose needs the product sent
    claim = _three_items_again_claim()
    (line,) = claim.lines.all()
    with pytest.raises(services.ClaimError) as error:
        services.claim_approve(claim_id=claim.pk, actor=reviewer, outcome=None, line_outcomes={line.pk: ("exchange", None)}, change_reason="Asked by phone.")
    assert str(error.value) == str(EXCHANGE_TARGET_NEEDED % {"name": MIRROR})
    # an outcome the rule does not offer, and an item of another claim, are refused
    with pytest.raises(services.ClaimError):
        services.claim_approve(claim_id=claim.pk, actor=reviewer, outcome=None, line_outcomes={line.pk: ("repair", None)})
    with pytest.raises(services.ClaimError):
        services.claim_approve(claim_id=claim.pk, actor=reviewer, outcome=None, line_outcomes={lines[MIRROR].pk: ("refund", None)})
    assert Claim.objects.get(pk=claim.pk).status == "submitted"


def _three_items_again_claim() -> Claim:
    """Another claim: IM-80010's mirror alone, the shopper's refund."""
    order = Order.objects.get(number="IM-80010")
    shopper = shopper_actor(email=order.customer_email)
    line = order.lines.get(product__sku="IM-SM32")
    claim = services.claim_start(store=order.store, actor=shopper, reason_code="not-satisfied", order=order, lines=[(line, 1)])
    services.claim_update_draft(claim_id=claim.pk, actor=shopper, answers=IM_OK)
    satisfy_evidence(claim)
    return services.claim_submit(claim_id=claim.pk, actor=shopper)


def test_items_that_agree_make_the_claims_outcome(demo):
    claim = _three_items({MIRROR: ("refund", None), SMALL: ("refund", None), WHITE: ("refund", None)})
    claim = services.claim_approve(claim_id=claim.pk, actor=staff("reviewer@imirror.demo.example"), outcome=None)
    assert claim.outcome == "refund"
    assert set(claim.lines.values_list("approved_outcome", flat=True)) == {"refund"}
    # the refund form suggests every item's refund, the fixed charge once
    form = RecordRefundForm(claim=claim)
    assert form.fields["amount"].initial == Decimal("2538.00")


def test_another_stores_staff_cannot_approve(demo):
    claim = _three_items(MIXED)
    with pytest.raises(services.NotPermitted):
        services.claim_approve(claim_id=claim.pk, actor=staff("reviewer@kwoking.demo.example"), outcome=None)
    assert Claim.objects.get(pk=claim.pk).status == "submitted"


def test_a_mixed_claim_is_settled_item_by_item_in_one_step(demo):
    claim = _three_items(MIXED)
    reviewer, warehouse, manager = (staff(f"{role}@imirror.demo.example") for role in ("reviewer", "warehouse", "manager"))
    claim = services.claim_approve(claim_id=claim.pk, actor=reviewer, outcome=None)
    claim = enter_tracking(claim)
    claim = services.claim_receive(claim_id=claim.pk, actor=warehouse, rma_number=claim.rma_number)
    rule = claim_rule(claim=claim)
    if rule.inspection_before_refund:
        claim = services.claim_inspect(claim_id=claim.pk, actor=warehouse)
    assert services.claim_refund_breakdown(claim=claim).total == Decimal("710.00")  # the refunded item only
    form = SettlePerItemForm(claim=claim)
    assert form.fields["amount"].initial == Decimal("710.00")
    assert "tracking" in form.fields
    events = ClaimEvent.objects.filter(claim=claim).count()
    claim = services.claim_settle_per_item(claim_id=claim.pk, actor=manager, tracking="1Z999AA10123456784", expected_version=claim.row_version)
    assert (claim.status, claim.resolution) == ("resolved", Claim.Resolution.SETTLED_PER_ITEM)
    refund = Refund.objects.get(claim=claim)
    assert refund.amount == Decimal("710.00")  # the exchange costs the shopper 30.00: nothing of it refunded
    credit = StoreCredit.objects.get(claim=claim)
    assert credit.initial_amount == Decimal("1021.90")
    assert claim.replacement_product.name == WHITE and claim.replacement_tracking == "1Z999AA10123456784"
    (event,) = ClaimEvent.objects.filter(claim=claim)[events:]
    assert event.action == "resolve" and event.data["refund"] == "710.00" and event.data["store_credit"] == "1021.90"
    # settled once
    with pytest.raises(services.ClaimError):
        services.claim_settle_per_item(claim_id=claim.pk, actor=manager)


def test_a_claim_withdrawn_after_approval_says_withdrawn_once_closed(demo):
    claim = _three_items(MIXED)
    claim = services.claim_approve(claim_id=claim.pk, actor=staff("reviewer@imirror.demo.example"), outcome=None)
    claim = services.claim_withdraw(claim_id=claim.pk, actor=shopper_actor(email=claim.shopper_email))
    assert claim.withdrawn_at is not None
    rule = claim_rule(claim=claim)
    assert claim_progress(claim=claim, rule=rule)[-1].label == "Withdrawn"
    claim = services.claim_close(claim_id=claim.pk, actor=staff("reviewer@imirror.demo.example"))
    steps = claim_progress(claim=claim, rule=rule)
    assert steps[-1].label == "Withdrawn" and steps[-1].state == "stopped"
    assert "Not shipped in time" not in [step.label for step in steps]
