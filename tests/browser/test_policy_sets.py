"""Issue #14 in a real browser: a manager lets shoppers keep a free gift against its
value in the admin and publishes; the shopper sees the kept gift's deduction in the
decision, submits, and once approved enters the tracking number of a carrier the
policy does not name ("any carrier"). axe-checked where the shopper meets it."""

import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from claims.models import Claim
from claims.services import claim_approve
from orders.models import Product
from policies.models import Policy, ReturnCarrier
from tests.browser.claiming import claim_units
from tests.browser.conftest import assert_accessible
from tests.browser.test_policy_admin import _login
from tests.browser.test_shopper_claim import _open_order
from tests.claims.conftest import staff

pytestmark = pytest.mark.browser

ANY_CARRIER = "Another carrier (with tracking)"
KEEP_GIFT = "the shopper may keep a free gift; its value is deducted from the refund"


def test_a_kept_gift_is_deducted_in_the_decision_and_any_carrier_takes_the_tracking(page, site):
    call_command("demo_load", no_claims=True)
    Product.objects.filter(sku="KW-STRAP").update(price=Decimal("6.50"))  # the free strap's list price
    ReturnCarrier.objects.create(policy=Policy.objects.get(store__slug="kwoking"), name=ANY_CARRIER, any_carrier=True)

    # the manager lets the 60-day return keep the free gift, and publishes
    _login(page, site, "manager@kwoking.demo.example")
    page.goto(f"{site.url}/admin/policies/coveragerule/?q=conditional-60")
    page.get_by_role("link", name="60-day conditional return").click()
    page.get_by_label("Free gifts").select_option(label=KEEP_GIFT)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    page.goto(f"{site.url}/admin/policies/policy/{Policy.objects.get(store__slug='kwoking').pk}/change/")
    page.get_by_role("button", name="Publish a new version").click()
    expect(page.get_by_text(re.compile(r"Published version \d+"))).to_be_visible()
    page.context.clear_cookies()

    # the public policy page says so
    page.goto(f"{site.url}/s/kwoking/policy/")
    expect(page.get_by_test_id("keep-part")).to_have_text("You may keep a free gift: its value is deducted from your refund.")

    # the shopper returns the camera and its SD card, and keeps the free strap
    order = _open_order(page, site, "KW-50002")
    page.get_by_role("link", name="Start a claim").click()
    claim_units(page.get_by_label("Wi-Fi security camera"))
    claim_units(page.get_by_label("32 GB microSD card"))
    page.get_by_label("I'm not satisfied / changed my mind").check()
    page.get_by_role("button", name="Continue").click()
    for question in ("Is the product in mint condition (no marks, no wear)?", "Is the product unused?"):
        page.get_by_role("group", name=question).get_by_label("Yes", exact=True).check()
    page.get_by_role("button", name="Update what I can claim").click()
    decision = page.get_by_test_id("decision")
    expect(decision).to_contain_text("You can claim under “60-day conditional return”")
    # the refund table is behind the rule's details on the shopper's page
    decision.get_by_test_id("rule-details").locator("summary").click()
    kept = decision.get_by_role("row", name=re.compile("Kept: Camera mounting strap"))
    expect(kept).to_contain_text("-6.50")
    expect(decision).to_contain_text("You may keep Camera mounting strap (gift) from the set: its value, 6.50 USD, is deducted from your refund.")
    assert_accessible(page)
    page.get_by_role("button", name="Submit my claim").click()
    expect(page.locator("#submitted-confirmation")).to_contain_text("submitted")

    claim = Claim.objects.get(order=order)
    claim_approve(claim_id=claim.pk, actor=staff("reviewer@kwoking.demo.example"), outcome=None)
    _open_order(page, site, "KW-50002")
    page.get_by_role("link", name=claim.reference).click()
    expect(page.get_by_text("Accepted carriers: any carrier with a tracking number (for example DHL Express, FedEx, UPS, USPS).")).to_be_visible()
    page.get_by_label("Carrier", exact=True).select_option(ANY_CARRIER)
    page.get_by_role("textbox", name="Tracking number").fill("JD0148 2201 77")
    page.get_by_role("button", name="Save tracking number").click()
    expect(page.get_by_text("Say which carrier you sent it with.")).to_be_visible()
    expect(page.get_by_role("textbox", name="Tracking number")).to_have_value("JD0148 2201 77")
    assert_accessible(page)
    page.get_by_role("textbox", name="Shipping company, if not listed").fill("Parcelforce")
    page.get_by_role("button", name="Save tracking number").click()
    expect(page.get_by_text("Return in transit").first).to_be_visible()
    claim.refresh_from_db()
    assert (claim.status, claim.return_carrier, claim.return_tracking_number) == ("in_transit", "Parcelforce", "JD0148220177")
