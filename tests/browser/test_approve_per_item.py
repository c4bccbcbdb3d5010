"""Staff at their desk (1440×900) approve a two-item claim whose shopper chose a
different outcome for each item (an exchange for the white frame, store credit for the
small mirror), each item's choice pre-selected; the shopper's claim page on a phone
(390×844) then tells what was approved for each item. axe-checked."""

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from claims.models import Claim
from tests.browser.conftest import CONTEXT_DEFAULTS, assert_accessible
from tests.browser.test_shopper_claim import PHONE, _open_order
from tests.browser.test_staff_admin import _admin_login

pytestmark = pytest.mark.browser

MIRROR, SMALL, WHITE = 'IMIRROR Smart Mirror 32"', 'IMIRROR Smart Mirror 27"', 'IMIRROR Smart Mirror 32" (white frame)'
DESK = {"viewport": {"width": 1440, "height": 900}}


def _two_item_claim() -> Claim:
    """IM-80013's 32" mirror (exchange for the white frame) and 27" mirror (store credit),
    submitted by the demo shopper."""
    from claims import services
    from claims.actors import shopper_actor
    from orders.models import Order, Product
    from tests.claims.conftest import IM_OK, satisfy_evidence

    order = Order.objects.get(number="IM-80013")
    shopper = shopper_actor(email=order.customer_email)
    lines = [(line, 1) for line in order.lines.filter(product__sku__in=["IM-SM32", "IM-SM27"]).order_by("pk")]
    claim = services.claim_start(store=order.store, actor=shopper, reason_code="not-satisfied", order=order, lines=lines)
    services.claim_update_draft(claim_id=claim.pk, actor=shopper, answers=IM_OK)
    satisfy_evidence(claim)
    by_sku = {line.order_line.product.sku: line.pk for line in claim.lines.select_related("order_line__product")}
    white = Product.objects.get(store=order.store, sku="IM-SM32W")
    services.claim_choose_outcomes(
        claim_id=claim.pk, actor=shopper, choices={by_sku["IM-SM32"]: ("exchange", white.pk), by_sku["IM-SM27"]: ("store_credit", None)}
    )
    return services.claim_submit(claim_id=claim.pk, actor=shopper)


def test_staff_approve_two_items_with_different_outcomes_and_the_shopper_is_told_both(browser, site):
    call_command("demo_load", no_claims=True)
    claim = _two_item_claim()
    mirror, small = (claim.lines.get(order_line__product__sku=sku) for sku in ("IM-SM32", "IM-SM27"))

    desk = browser.new_context(**DESK, **CONTEXT_DEFAULTS)
    admin = desk.new_page()
    admin.set_default_timeout(30_000)
    _admin_login(admin, site, "reviewer@imirror.demo.example")
    admin.goto(f"{site.url}/admin/claims/claim/{claim.pk}/change/")
    admin.get_by_test_id("claim-actions").get_by_role("link", name="Approve", exact=True).click()
    # one row per item, the shopper's choice pre-selected, the exchange with its product and difference
    mirror_row = admin.get_by_role("group", name=f"1 × {MIRROR}: outcome")
    small_row = admin.get_by_role("group", name=f"1 × {SMALL}: outcome")
    expect(mirror_row.get_by_label("Exchange", exact=True)).to_be_checked()
    expect(small_row.get_by_label("Store credit", exact=True)).to_be_checked()
    exchange_for = admin.get_by_label(f"1 × {MIRROR}: exchange for")
    expect(exchange_for).to_have_value(str(mirror.exchange_product_id))
    expect(exchange_for.locator("option:checked")).to_have_text(f"{WHITE} — 929.00 USD (you pay 30.00 USD more)")
    assert_accessible(admin)

    # another outcome than the shopper's needs a reason: the form says so, nothing changes
    small_row.get_by_label("Full refund", exact=True).check()
    admin.get_by_role("button", name="Approve").click()
    expect(admin.get_by_test_id("action-errors")).to_contain_text("Say why the outcome differs from the shopper's preference.")
    assert_accessible(admin)
    assert Claim.objects.get(pk=claim.pk).status == "submitted"
    admin.get_by_role("group", name=f"1 × {SMALL}: outcome").get_by_label("Store credit", exact=True).check()
    admin.get_by_role("button", name="Approve").click()
    expect(admin.get_by_text("RMA number:").first).to_be_visible()
    claim.refresh_from_db()
    assert claim.status == "approved_awaiting_return" and claim.outcome == "mixed"
    assert {line.pk: line.approved_outcome for line in claim.lines.all()} == {mirror.pk: "exchange", small.pk: "store_credit"}
    assert_accessible(admin)
    desk.close()

    # the shopper's claim page on a phone tells each item's approved outcome
    phone = browser.new_context(**PHONE, **CONTEXT_DEFAULTS)
    page = phone.new_page()
    page.set_default_timeout(30_000)
    _open_order(page, site, "IM-80013")
    page.goto(f"{site.url}/s/{claim.store.slug}/claims/{claim.reference}/")
    told = page.get_by_test_id("outcome-told")
    expect(told).to_contain_text(f"Approved: 1 × {MIRROR} → Exchange for {WHITE}. You pay 30.00 USD more")
    expect(told).to_contain_text(f"Approved: 1 × {SMALL} → Store credit — ")
    assert_accessible(page)
    phone.close()
