"""The shopper's outcome per item: chosen in the draft from what the rule offers (policy
order), an exchange for a product of the item's model family or exchange group with
its price difference, checked at submit, pre-selected for staff, told when approved,
and an exchange resolved with the product sent."""

import dataclasses
from decimal import Decimal

import pytest

from claims import services
from claims.actors import shopper_actor
from claims.admin_forms import ApproveForm, ResolveForm
from claims.models import Claim, ClaimEvent, Refund
from claims.outcomes import claim_outcome_lines, line_outcome_choices
from claims.selectors import claim_covering_rules, claim_evaluate, claim_purchases
from notifications.models import OutboundEmail
from orders.models import Order, Product
from tests.claims.conftest import IM_OK, enter_tracking, satisfy_evidence, staff

WHITE = 'IMIRROR Smart Mirror 32" (white frame)'
SMALL = 'IMIRROR Smart Mirror 27"'


def _draft(order_number="IM-80010", reason="not-satisfied", answers=IM_OK):
    order = Order.objects.get(number=order_number)
    shopper = shopper_actor(email=order.customer_email)
    line = order.lines.get(product__sku="IM-SM32")
    claim = services.claim_start(store=order.store, actor=shopper, reason_code=reason, order=order, lines=[(line, 1)])
    services.claim_update_draft(claim_id=claim.pk, actor=shopper, answers=answers)
    satisfy_evidence(claim)
    return claim, shopper


def _choose(claim, shopper, outcome, product_name=None):
    product = Product.objects.get(store=claim.store, name=product_name) if product_name else None
    line = claim.lines.get()
    return services.claim_choose_outcomes(claim_id=claim.pk, actor=shopper, choices={line.pk: (outcome, product.pk if product else None)})


def _rows(claim, outcomes=None):
    rule = next(r for r in claim_covering_rules(claim=claim) if r.code == "return-30")
    if outcomes is not None:  # the same rule offering only these
        rule = dataclasses.replace(rule, outcomes=tuple(outcomes))
    decisions = claim_evaluate(claim=claim)
    refunds = {line.pk: next(r for r in d.rules if r.rule_code == rule.code).refund for line, d in decisions}
    return line_outcome_choices(claim=claim, rule=rule, purchases=claim_purchases(claim=claim), refunds=refunds)


def test_the_draft_offers_the_rules_outcomes_in_order_with_what_they_mean(demo):
    claim, _shopper = _draft()
    (row,) = _rows(claim)
    assert [value for value, _label, _hint in row.options] == ["refund", "exchange", "store_credit"]
    refund_hint = row.options[0][2]
    assert refund_hint.startswith("Refund to your original payment method — about ") and refund_hint.endswith(" USD")
    # store credit: the same refund with IMIRROR's 10 % bonus, as a code
    credit_hint = row.options[2][2]
    assert credit_hint.startswith("Store credit — about ") and "plus a 10 % bonus" in credit_hint
    # the other frame colour (a variant, dearer) and the smaller size (its exchange group, cheaper); never itself
    assert [(o.product.name, o.difference) for o in row.exchanges] == [(SMALL, Decimal("-100.00")), (WHITE, Decimal("30.00"))]
    assert "we refund 100.00 USD" in row.exchanges[0].label and "you pay 30.00 USD more" in row.exchanges[1].label


def test_a_rule_with_one_outcome_states_it_without_a_choice(demo):
    claim, _shopper = _draft()
    claim.lines.get().order_line.product.__class__.objects.filter(store=claim.store).update(exchange_group="", model_family="")
    # IMIRROR's return offers refund, exchange and store credit; here refund and exchange
    (row,) = _rows(claim, outcomes=["refund", "exchange"])  # nothing to exchange for: not offered for this item
    assert row.single and row.options[0][0] == "refund" and row.chosen == "refund"


def test_a_dearer_exchange_is_recorded_as_owed_by_the_shopper(demo):
    claim, shopper = _draft()
    _choose(claim, shopper, "exchange", WHITE)
    claim = services.claim_submit(claim_id=claim.pk, actor=shopper)
    line = claim.lines.get()
    assert (line.requested_outcome, line.exchange_product.name, line.price_difference) == ("exchange", WHITE, Decimal("30.00"))
    assert claim.preferred_outcome == "exchange"
    (told,) = claim_outcome_lines(claim=claim)
    assert told.startswith(f"You asked for: Exchange for {WHITE}. You pay 30.00 USD more")


def test_a_cheaper_exchange_refunds_the_difference(demo):
    claim, shopper = _draft()
    _choose(claim, shopper, "exchange", SMALL)
    claim = services.claim_submit(claim_id=claim.pk, actor=shopper)
    assert claim.lines.get().price_difference == Decimal("-100.00")
    assert "We refund the 100.00 USD difference to your original payment method" in claim_outcome_lines(claim=claim)[0]


def test_an_exchange_without_a_product_is_not_submitted(demo):
    claim, shopper = _draft()
    _choose(claim, shopper, "exchange")
    with pytest.raises(services.ClaimError) as error:
        services.claim_submit(claim_id=claim.pk, actor=shopper)
    assert error.value.problems == [str(services.EXCHANGE_PRODUCT_NEEDED % {"name": 'IMIRROR Smart Mirror 32"'})]
    assert Claim.objects.get(pk=claim.pk).status == "draft"


def test_an_exchange_outside_the_group_is_refused(demo):
    claim, shopper = _draft()
    with pytest.raises(services.ClaimError) as error:
        _choose(claim, shopper, "exchange", "Wall mount kit")
    assert error.value.message == str(services.EXCHANGE_NOT_ALLOWED % {"name": 'IMIRROR Smart Mirror 32"', "product": "Wall mount kit"})
    assert claim.lines.get().requested_outcome == ""


def test_an_outcome_the_rule_does_not_offer_is_not_submitted(demo):
    claim, shopper = _draft()
    _choose(claim, shopper, "repair")
    with pytest.raises(services.ClaimError) as error:
        services.claim_submit(claim_id=claim.pk, actor=shopper)
    assert error.value.problems == [str(services.OUTCOME_NOT_OFFERED_FOR % {"outcome": "Repair", "name": 'IMIRROR Smart Mirror 32"'})]


def test_without_a_choice_the_rules_first_outcome_is_recorded(demo):
    claim, shopper = _draft()
    claim = services.claim_submit(claim_id=claim.pk, actor=shopper)
    assert claim.lines.get().requested_outcome == "refund" and claim.preferred_outcome == ""


def test_staff_see_the_exchange_preselected_and_the_approval_tells_it(demo):
    claim, shopper = _draft()
    _choose(claim, shopper, "exchange", WHITE)
    claim = services.claim_submit(claim_id=claim.pk, actor=shopper)
    reviewer = staff("reviewer@imirror.demo.example")
    form = ApproveForm(claim=claim)
    line = claim.lines.get()
    assert form.fields[f"outcome_{line.pk}"].initial == "exchange"
    assert form.fields[f"exchange_{line.pk}"].initial == line.exchange_product_id
    assert WHITE in str(form.fields[f"outcome_{line.pk}"].help_text)
    claim = services.claim_approve(claim_id=claim.pk, actor=reviewer, outcome="exchange")
    assert claim.rma_number  # the mirror comes back
    (told,) = claim_outcome_lines(claim=claim)
    assert told.startswith(f"Approved: Exchange for {WHITE}. You pay 30.00 USD more")
    email = OutboundEmail.objects.filter(kind="claim:approve_return", to=claim.shopper_email).get()
    assert f"Approved: Exchange for {WHITE}." in email.body_text


def test_staff_resolve_an_exchange_with_the_product_sent(demo):
    claim, shopper = _draft()
    _choose(claim, shopper, "exchange", SMALL)
    claim = services.claim_submit(claim_id=claim.pk, actor=shopper)
    reviewer, warehouse = staff("reviewer@imirror.demo.example"), staff("warehouse@imirror.demo.example")
    claim = services.claim_approve(claim_id=claim.pk, actor=reviewer, outcome=None)
    assert claim.outcome == "exchange"  # the shopper's choice when staff name none
    claim = enter_tracking(claim)
    claim = services.claim_receive(claim_id=claim.pk, actor=warehouse, rma_number=claim.rma_number)
    form = ResolveForm(claim=claim)
    assert form.fields["resolution"].initial == Claim.Resolution.EXCHANGED
    assert form.fields["replacement_product"].initial == Product.objects.get(name=SMALL).pk
    assert "Wall mount kit" not in {p.name for p in form.fields["replacement_product"].queryset}
    with pytest.raises(services.ClaimError):
        services.claim_resolve(
            claim_id=claim.pk, actor=warehouse, resolution="exchanged", replacement_product=Product.objects.get(name="Wall mount kit")
        )
    claim = services.claim_resolve(
        claim_id=claim.pk, actor=warehouse, resolution="exchanged", replacement_product=Product.objects.get(name=SMALL), replacement_tracking="1Z999"
    )
    assert (claim.status, claim.resolution, claim.replacement_product.name) == ("resolved", "exchanged", SMALL)
    refund = Refund.objects.get(claim=claim)  # the cheaper mirror: the difference goes back
    assert refund.amount == Decimal("100.00") and refund.lines[0]["code"] == "exchange-difference"
    event = ClaimEvent.objects.filter(claim=claim, action="resolve").get()
    assert event.data["resolution"] == "exchanged" and event.data["price_difference"] == "-100.00"
    email = OutboundEmail.objects.filter(kind="claim:resolve", to=claim.shopper_email).get()
    assert f"Sent in exchange: {SMALL}" in email.body_text and "Refund: 100.00 USD" in email.body_text


def test_the_draft_page_asks_and_saves_the_outcome_and_the_exchange(demo):
    from tests.claims.test_evidence import _guest_client

    claim, _shopper = _draft()
    line = claim.lines.get()
    client = _guest_client(claim.order)
    page = client.get(f"/claims/{claim.pk}/draft/").content.decode()
    assert "What you would like" in page and f'name="outcome_{line.pk}"' in page
    assert "Refund to your original payment method — about" in page
    assert "you pay 30.00 USD more" in page and "we refund 100.00 USD" in page
    white = Product.objects.get(name=WHITE)
    answers = {f"q_{code}": "yes" if value else "no" for code, value in IM_OK.items()}
    response = client.post(f"/claims/{claim.pk}/draft/", {**answers, f"outcome_{line.pk}": "exchange", f"exchange_{line.pk}": white.pk, "save": "1"})
    assert response.status_code == 302
    line.refresh_from_db()
    assert (line.requested_outcome, line.exchange_product_id) == ("exchange", white.pk)
    page = client.get(f"/claims/{claim.pk}/draft/").content.decode()
    assert "Your choice: exchange for" in page and "You pay 30.00 USD more" in page
    # a product outside the group posted by hand is not saved; the choice stays as it was
    mount = Product.objects.get(name="Wall mount kit")
    client.post(f"/claims/{claim.pk}/draft/", {**answers, f"outcome_{line.pk}": "exchange", f"exchange_{line.pk}": mount.pk, "save": "1"})
    line.refresh_from_db()
    assert line.exchange_product_id == white.pk
    response = client.post(f"/claims/{claim.pk}/draft/", {**answers, f"outcome_{line.pk}": "exchange", f"exchange_{line.pk}": white.pk, "submit": "1"})
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.status == "submitted"
    page = client.get(f"/s/imirror/claims/{claim.reference}/").content.decode()
    assert "You asked for: Exchange for" in page
