"""After inspection, the warehouse rejects a return in the admin with one of the policy's
reasons (bad input first: a clear message, nothing lost, no stack trace), and the
shopper's claim page says why and what happens to the item; the camera's parts list
offers a charger that is not sold separately. axe-checked."""

import re

import pytest
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import expect

from claims.models import Claim
from claims.services import REJECTION_REASON_NEEDED
from tests.browser.conftest import assert_accessible
from tests.browser.test_claim_actions import _admin_login, _claim_page, _open_action
from tests.browser.test_shopper_claim_page import _sign_in
from tests.claims.test_inspection_outcomes import _received

pytestmark = pytest.mark.browser


def test_warehouse_rejects_after_inspection_and_the_shopper_reads_why(page, site):
    call_command("demo_load", no_claims=True)
    claim = _received("KW-50001")  # the Wi-Fi camera, returned under the 60-day return
    _admin_login(page, site, "warehouse@kwoking.demo.example")
    _claim_page(page, site, claim)
    _open_action(page, "Record the inspection")
    assert_accessible(page)
    # the camera's own parts, not sold separately, can be ticked
    expect(page.get_by_label(re.compile(r"Wi-Fi security camera: USB charger — 6\.00 USD"))).to_be_visible()

    # bad input: a free entry with a negative value, a rejection without reason
    page.get_by_label("Reject with a reason").check()
    page.get_by_label("Another missing part").fill("Lens cap")
    page.get_by_label("Its value (USD)").fill("-5")
    page.get_by_label("Note to the shopper").fill("Scratches on the lens housing.")
    page.get_by_role("button", name="Record the inspection").click()
    expect(page.get_by_text("Ensure this value is greater than or equal to 0.")).to_be_visible()
    expect(page.get_by_text(str(REJECTION_REASON_NEEDED))).to_be_visible()
    expect(page.get_by_text("Traceback")).to_have_count(0)
    # nothing lost: what was typed is still there
    expect(page.get_by_label("Note to the shopper")).to_have_value("Scratches on the lens housing.")
    expect(page.get_by_label("Another missing part")).to_have_value("Lens cap")
    assert Claim.objects.get(pk=claim.pk).status == "received"
    assert_accessible(page)

    page.get_by_label("Another missing part").fill("")
    page.get_by_label("Its value (USD)").fill("")
    page.get_by_label("Reason for the rejection").select_option(label="Not in the condition declared — the item is sent back to you at your cost (8.00 USD)")
    page.get_by_role("button", name="Record the inspection").click()
    expect(page.get_by_text("Inspection recorded: the claim is rejected (Not in the condition declared).")).to_be_visible()
    claim.refresh_from_db()
    assert (claim.status, claim.inspection_outcome, claim.rejection_reason) == ("rejected", "rejected", "Not in the condition declared")

    # the shopper signs in and reads the outcome, the reason and what happens to the item
    page.context.clear_cookies()
    _sign_in(page, site, claim.shopper_email)
    page.goto(site.url + reverse("claims:claim_detail", args=[claim.store.slug, claim.reference]))
    expect(page.get_by_role("heading", name=f"Claim {claim.reference}")).to_be_visible()
    result = page.get_by_test_id("inspection-result")
    expect(result).to_have_text(
        [
            "Inspection outcome: Rejected",
            "Reason: Not in the condition declared",
            "Your item: the item is sent back to you at your cost (8.00 USD).",
        ]
    )
    expect(page.get_by_text("Scratches on the lens housing.")).to_be_visible()
    assert_accessible(page)


def test_a_manager_adds_a_part_to_a_product_and_inspection_offers_it(page, site):
    call_command("demo_load", no_claims=True)
    from orders.models import Product

    camera = Product.objects.get(sku="KW-CAM")
    _admin_login(page, site, "manager@kwoking.demo.example")
    page.goto(f"{site.url}/admin/orders/product/{camera.pk}/change/")
    expect(page.get_by_role("heading", name="Parts list")).to_be_visible()
    assert_accessible(page)
    empty = camera.parts.count()  # the extra row after the saved ones
    page.locator(f"input[name='parts-{empty}-name']").fill("Night-vision lens cover")
    page.locator(f"input[name='parts-{empty}-value']").fill("-2")
    page.locator("input[name='_continue']").click()
    expect(page.get_by_text("Ensure this value is greater than or equal to 0.")).to_be_visible()
    assert not camera.parts.filter(name="Night-vision lens cover").exists()
    page.locator(f"input[name='parts-{empty}-value']").fill("4.50")
    page.locator("input[name='_continue']").click()
    expect(page.locator("li.success")).to_be_visible()
    part = camera.parts.get(name="Night-vision lens cover")
    assert str(part.value) == "4.50"

    claim = _received("KW-50001")
    page.goto(f"{site.url}/admin/claims/claim/{claim.pk}/act/inspect/?version={claim.row_version}")
    expect(page.get_by_label(re.compile(r"Wi-Fi security camera: Night-vision lens cover — 4\.50 USD"))).to_be_visible()
