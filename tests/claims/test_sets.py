"""Issue #14 on a claim's one write path: a replacement under a "same model only" rule
(staff pick the product sent; another model is refused), the return shipped with any
carrier (the shopper names it; the tracking number is free text of a sane shape), and
a kept free gift deducted from the refund the claim records."""

import re
from decimal import Decimal

import pytest

from claims.actors import shopper_actor
from claims.admin_forms import ResolveForm
from claims.models import Claim
from claims.services import (
    CARRIER_NAME_NEEDED,
    REPLACEMENT_NOT_SAME_MODEL,
    REPLACEMENT_OTHER_STORE,
    REPLACEMENT_PRODUCT_NEEDED,
    TRACKING_FREE_FORMAT,
    CarrierNameMissing,
    ClaimError,
    claim_approve,
    claim_refund_breakdown,
    claim_resolve,
    claim_ship,
    claim_start,
    claim_submit,
    claim_update_draft,
)
from orders.models import Order, Product
from policies.models import CoverageRule, Policy, ReturnCarrier
from policies.services import policy_publish
from tests.claims.conftest import staff, submitted_claim
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def _republish(slug: str) -> None:
    policy_publish(policy=Policy.objects.get(store__slug=slug), actor=None)


def _replacement_claim(same_model: bool) -> Claim:
    """iWALK's 30-day guarantee, approved as a replacement and inspected."""
    if same_model:
        CoverageRule.objects.filter(policy__store__slug="iwalk", code="money-back-30").update(replacement_same_model=True)
        _republish("iwalk")
    claim = submitted_claim("IW-10001", "not-working", answers={"unopened": True}, preferred="replacement")
    claim = claim_approve(claim_id=claim.pk, actor=staff("reviewer@iwalk.demo.example"), outcome=None)
    Claim.objects.filter(pk=claim.pk).update(status="inspected")  # set-up: the return was handled
    assert claim.rule_code == "money-back-30" and claim.outcome == "replacement"
    return claim


def test_a_same_model_replacement_refuses_another_model_and_takes_the_same_family(demo):
    claim = _replacement_claim(same_model=True)
    manager = staff("manager@iwalk.demo.example")
    claimed = claim.lines.get().order_line.product
    claimed.model_family = "PB-20K"
    claimed.save()
    other_model = Product.objects.filter(store=claim.store, is_accessory=False).exclude(pk=claimed.pk).first()
    other_colour = ProductFactory(store=claim.store, name="Power bank 20K, white", model_family="pb-20k ")

    with pytest.raises(ClaimError, match=re.escape(REPLACEMENT_PRODUCT_NEEDED)):
        claim_resolve(claim_id=claim.pk, actor=manager, resolution=Claim.Resolution.REPLACED)
    expected = REPLACEMENT_NOT_SAME_MODEL % {"product": other_model.name, "claimed": claimed.name}
    with pytest.raises(ClaimError, match=re.escape(expected)):
        claim_resolve(claim_id=claim.pk, actor=manager, resolution=Claim.Resolution.REPLACED, replacement_product=other_model)
    with pytest.raises(ClaimError, match=re.escape(REPLACEMENT_OTHER_STORE)):
        claim_resolve(claim_id=claim.pk, actor=manager, resolution=Claim.Resolution.REPLACED, replacement_product=ProductFactory(model_family="PB-20K"))
    assert Claim.objects.get(pk=claim.pk).status == "inspected"  # nothing written

    # the staff form offers only what the policy accepts
    form = ResolveForm(claim=Claim.objects.get(pk=claim.pk))
    assert set(form.fields["replacement_product"].queryset) == {claimed, other_colour}
    assert "same model only" in str(form.fields["replacement_product"].help_text)

    claim = claim_resolve(claim_id=claim.pk, actor=manager, resolution=Claim.Resolution.REPLACED, replacement_product=other_colour, replacement_tracking="UPS 1Z999AA10123456784")
    claim.refresh_from_db()
    assert (claim.status, claim.resolution, claim.replacement_product) == ("resolved", "replaced", other_colour)
    assert claim.decision["rules"][0]["replacement_same_model"] is True


def test_without_the_option_any_product_of_the_store_may_replace(demo):
    claim = _replacement_claim(same_model=False)
    other_model = Product.objects.filter(store=claim.store).exclude(pk=claim.lines.get().order_line.product_id).first()
    claim = claim_resolve(claim_id=claim.pk, actor=staff("manager@iwalk.demo.example"), resolution=Claim.Resolution.REPLACED, replacement_product=other_model)
    assert claim.replacement_product == other_model
    form = ResolveForm(claim=Claim.objects.get(pk=claim.pk))
    assert form.fields["replacement_product"].queryset.count() == Product.objects.filter(store=claim.store).count()


def test_a_return_with_any_carrier_names_it_and_takes_a_free_tracking_number(demo):
    claim = submitted_claim()  # IMIRROR: its text asks for "the tracking number", any carrier (P4)
    claim = claim_approve(claim_id=claim.pk, actor=staff("reviewer@imirror.demo.example"), outcome="refund")
    shopper = shopper_actor(email=claim.shopper_email)
    anyone = ReturnCarrier.objects.get(policy__store__slug="imirror", any_carrier=True).name

    with pytest.raises(CarrierNameMissing, match=re.escape(CARRIER_NAME_NEEDED)):
        claim_ship(claim_id=claim.pk, actor=shopper, carrier=anyone, tracking_number="JD014822017")
    with pytest.raises(ClaimError, match=re.escape(TRACKING_FREE_FORMAT)):
        claim_ship(claim_id=claim.pk, actor=shopper, carrier=anyone, carrier_name="Parcelforce", tracking_number="see photo!")
    claim = claim_ship(claim_id=claim.pk, actor=shopper, carrier=anyone, carrier_name="  Parcel  force ", tracking_number="jd01 4822 017")
    assert (claim.status, claim.return_carrier, claim.return_tracking_number) == ("in_transit", "Parcel force", "JD014822017")


def test_a_named_carrier_keeps_its_format_next_to_any_carrier(demo):
    claim = submitted_claim()
    claim = claim_approve(claim_id=claim.pk, actor=staff("reviewer@imirror.demo.example"), outcome="refund")
    with pytest.raises(ClaimError, match="This doesn't look like a UPS tracking number"):
        claim_ship(claim_id=claim.pk, actor=shopper_actor(email=claim.shopper_email), carrier="UPS", tracking_number="JD014822017")


def test_a_kept_free_gift_is_deducted_from_the_claims_refund(demo):
    CoverageRule.objects.filter(policy__store__slug="kwoking", code="conditional-60").update(bundle_return="keep_deduct", gift_return="keep_deduct")
    Product.objects.filter(sku="KW-STRAP").update(price=Decimal("6.50"))
    _republish("kwoking")
    order = Order.objects.get(number="KW-50002")  # camera + SD card (bundle B1) + a free strap
    shopper = shopper_actor(email=order.customer_email)
    camera, card = (order.lines.get(product__sku=sku) for sku in ("KW-CAM", "KW-SDCARD"))
    claim = claim_start(store=order.store, actor=shopper, reason_code="changed-mind", order=order, lines=[(camera, 1), (card, 1)])
    claim_update_draft(claim_id=claim.pk, actor=shopper, answers={"mint": True, "unused": True})
    claim = claim_submit(claim_id=claim.pk, actor=shopper)  # the strap stays: no longer refused
    assert claim.status == "submitted"
    lines = [(line.label, line.amount) for line in claim_refund_breakdown(claim=claim).counted_lines]
    assert lines.count(("Kept: Camera mounting strap (gift)", Decimal("-6.50"))) == 1  # once, not per claimed line
    decided = claim.decision["rules"][0]
    assert "You may keep Camera mounting strap (gift) from the set: its value, 6.50 USD, is deducted from your refund." in decided["refund_notes"]


def test_the_admin_resolve_page_offers_only_the_same_model_and_records_it(demo):
    import html

    from django.test import Client

    from accounts.models import User

    claim = _replacement_claim(same_model=True)
    claimed = claim.lines.get().order_line.product
    Product.objects.filter(pk=claimed.pk).update(model_family="PB-20K")
    white = ProductFactory(store=claim.store, name="Power bank 20K, white", model_family="PB-20K")
    other_model = Product.objects.filter(store=claim.store).exclude(model_family="PB-20K").first()
    manager = Client()
    manager.force_login(User.objects.get(email="manager@iwalk.demo.example"))
    url = f"/admin/claims/claim/{claim.pk}/act/resolve/"
    claim.refresh_from_db()
    page = html.unescape(manager.get(f"{url}?version={claim.row_version}").content.decode())
    assert "Replacement with the same model only: the claimed product or its model family." in page
    assert f">{white}</option>" in page and f">{claimed}</option>" in page and f">{other_model}</option>" not in page

    form = {"expected_version": claim.row_version, "resolution": "replaced", "replacement_product": other_model.pk, "note": ""}
    refused = html.unescape(manager.post(url, form).content.decode())
    assert "Select a valid choice." in refused and Claim.objects.get(pk=claim.pk).status == "inspected"
    assert manager.post(url, {**form, "replacement_product": white.pk}).status_code == 302
    claim.refresh_from_db()
    assert (claim.status, claim.replacement_product) == ("resolved", white)
    assert str(white) in html.unescape(manager.get(f"/admin/claims/claim/{claim.pk}/change/").content.decode())
    shopper = Client()
    shopper.force_login(User.objects.get(email=claim.shopper_email))
    claim_page = html.unescape(shopper.get(f"/s/iwalk/claims/{claim.reference}/").content.decode())
    assert f"Replacement: {white.name}" in claim_page
