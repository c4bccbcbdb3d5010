"""Staff work claims from the admin claim page: the action buttons their role allows,
a small form per step, the refund breakdown recalculated after the inspection, money
overrides with a reason, and a stale page that cannot act twice. axe-checked."""

import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from claims.services import CLAIM_CHANGED
from demo.services import DEMO_PASSWORD
from tests.browser.conftest import assert_accessible

pytestmark = pytest.mark.browser


def _admin_login(page, site, email):
    page.goto(f"{site.url}/admin/")
    page.get_by_label(re.compile("e-mail address", re.I)).fill(email)
    page.get_by_label(re.compile("^Password")).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Claims, orders and stores")).to_be_visible()


def _claim_page(page, site, claim):
    page.goto(f"{site.url}/admin/claims/claim/{claim.pk}/change/")
    expect(page.get_by_role("heading", name="What you can do now")).to_be_visible()


def _open_action(page, label):
    page.get_by_test_id("claim-actions").get_by_role("link", name=label, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(label)


def _total(page) -> Decimal:
    return Decimal(page.get_by_test_id("refund-breakdown").get_by_test_id("refund-total").inner_text().strip())


def test_reviewer_approves_a_submitted_claim_from_the_queue(page, site):
    call_command("demo_load")
    from claims.models import Claim

    claim = Claim.objects.get(order__number="IW-10010")
    _admin_login(page, site, "reviewer@iwalk.demo.example")
    page.get_by_role("rowheader", name="Claims").get_by_role("link").click()
    page.get_by_role("link", name=re.compile(claim.reference)).click()
    actions = page.get_by_test_id("claim-actions")
    for label in ("Request more information", "Approve", "Reject", "Mark as complex", "Assign"):
        expect(actions.get_by_role("link", name=label, exact=True)).to_be_visible()
    expect(actions.get_by_role("link", name="Receive the return")).to_have_count(0)
    expect(actions.get_by_role("link", name="Record the inspection")).to_have_count(0)
    expect(page.get_by_role("heading", name="Evidence checklist")).to_be_visible()
    assert_accessible(page)

    # every form this reviewer can open passes axe; Cancel leads back to the claim
    for label in ("Request more information", "Reject", "Mark as complex", "Assign"):
        _open_action(page, label)
        assert_accessible(page)
        page.get_by_role("link", name="Cancel").click()
    page.get_by_role("link", name="Add an internal note").click()
    assert_accessible(page)
    page.get_by_role("link", name="Cancel").click()

    _open_action(page, "Approve")
    expect(page.get_by_label("Full refund")).to_be_checked()  # the shopper's preference
    assert_accessible(page)
    page.get_by_label("Replacement").check()
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_text("Say why the outcome differs from the shopper's preference.")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Full refund").check()
    page.get_by_role("button", name="Approve").click()

    claim.refresh_from_db()
    assert claim.status == "approved_awaiting_return" and claim.outcome == "refund" and claim.rma_number
    expect(page.get_by_text(f"Approved (Full refund). RMA number: {claim.rma_number}.")).to_be_visible()
    expect(page.get_by_test_id("rma-number")).to_have_text(claim.rma_number)
    expect(page.get_by_test_id("claim-actions").get_by_role("link", name="Approve", exact=True)).to_have_count(0)
    assert_accessible(page)


def _kwoking_claim_awaiting_return():
    """A KWOKING changed-mind return (rule conditional-60: missing accessories are
    deducted at inspection), approved with an RMA number."""
    from accounts.models import User
    from claims import services
    from claims.actors import shopper_actor, staff_actor
    from orders.models import Order

    order = Order.objects.get(number="KW-50045")
    shopper = shopper_actor(email=order.customer_email)
    line = order.lines.order_by("pk").first()
    claim = services.claim_start(store=order.store, actor=shopper, reason_code="changed-mind", order=order, lines=[(line, line.quantity)])
    services.claim_update_draft(claim_id=claim.pk, actor=shopper, answers={"mint": True, "unused": True})
    claim = services.claim_submit(claim_id=claim.pk, actor=shopper)
    reviewer = staff_actor(user=User.objects.get(email="reviewer@kwoking.demo.example"), store=order.store)
    return services.claim_approve(claim_id=claim.pk, actor=reviewer, outcome=None)


def test_warehouse_receives_and_inspects_a_missing_accessory(page, site):
    call_command("demo_load")
    from claims.models import Claim
    from orders.models import Product

    claim = _kwoking_claim_awaiting_return()
    assert claim.status == "approved_awaiting_return" and claim.rma_number
    card = Product.objects.get(store=claim.store, sku="KW-SDCARD")
    _admin_login(page, site, "warehouse@kwoking.demo.example")
    _claim_page(page, site, claim)
    expect(page.get_by_test_id("claim-actions").get_by_role("link", name="Approve", exact=True)).to_have_count(0)
    before = _total(page)
    assert_accessible(page)
    for label in ("Enter return tracking", "Assign"):
        _open_action(page, label)
        assert_accessible(page)
        page.get_by_role("link", name="Cancel").click()

    _open_action(page, "Receive the return")
    assert_accessible(page)
    page.get_by_label("RMA number on the parcel").fill("RMA000000000")
    page.get_by_role("button", name="Receive the return").click()
    expect(page.get_by_text(f"The RMA number on the parcel does not match this claim ({claim.rma_number}).")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("RMA number on the parcel").fill(claim.rma_number)
    page.get_by_role("button", name="Receive the return").click()
    expect(page.get_by_text(f"Return received ({claim.rma_number}).")).to_be_visible()

    _open_action(page, "Record the inspection")
    assert_accessible(page)
    page.get_by_label(re.compile(r"32 GB microSD card")).check()
    page.get_by_label("No", exact=True).check()
    page.get_by_label("Internal note").fill("The microSD card was not in the box.")
    page.get_by_role("button", name="Record the inspection").click()
    expect(page.get_by_text("Inspection recorded.")).to_be_visible()

    breakdown = page.get_by_test_id("refund-breakdown")
    expect(breakdown.get_by_role("row", name=re.compile("Missing components or accessories"))).to_contain_text(f"-{card.price}")
    assert _total(page) == before - card.price
    claim.refresh_from_db()
    assert claim.status == "inspected"
    assert claim.inspection["missing_accessories"] == [{"label": card.name, "value": str(card.price)}]
    assert_accessible(page)
    assert Claim.objects.filter(pk=claim.pk, events__action="receive").count() == 1


def test_manager_records_a_refund_with_an_override(page, site):
    call_command("demo_load")
    from claims.models import Claim, Refund

    claim = Claim.objects.get(order__number="VC-70020")
    assert claim.status == "inspected"
    _admin_login(page, site, "manager@voltaic.demo.example")
    _claim_page(page, site, claim)
    total = _total(page)
    assert_accessible(page)

    _open_action(page, "Record the refund")
    amount = page.get_by_label(re.compile("Amount refunded"))
    expect(amount).to_have_value(str(total))
    assert_accessible(page)
    amount.fill("70.00")
    page.get_by_label("Payment reference").fill("PAY-VC-1")
    page.get_by_role("button", name="Record the refund").click()
    expect(page.get_by_text("Say why the refund differs from the breakdown.")).to_be_visible()
    assert_accessible(page)
    assert not Refund.objects.filter(claim=claim).exists()
    page.get_by_label("Reason for a different amount").fill("Goodwill: the inspection took too long")
    page.get_by_role("button", name="Record the refund").click()

    expect(page.get_by_text("Refund of 70.00 USD recorded; the claim is resolved.")).to_be_visible()
    recorded = page.get_by_test_id("recorded-refund")
    expect(recorded).to_contain_text("Staff override: Goodwill: the inspection took too long")
    expect(recorded).to_contain_text("70.00")
    refund = Refund.objects.get(claim=claim)
    assert (refund.amount, refund.reference) == (Decimal("70.00"), "PAY-VC-1")
    assert Claim.objects.get(pk=claim.pk).status == "resolved"
    assert_accessible(page)
    _open_action(page, "Close")
    assert_accessible(page)

    # the wrong item kept with compensation: approve as preferred, then record the compensation
    claim = Claim.objects.get(order__number="VC-70001")
    _claim_page(page, site, claim)
    _open_action(page, "Approve")
    expect(page.get_by_label(re.compile("Keep the item with compensation"))).to_be_checked()
    page.get_by_role("button", name="Approve").click()
    expect(page.locator("li.success")).to_contain_text("no return needed")
    _open_action(page, "Record the compensation")
    assert_accessible(page)
    page.get_by_label("Value of the item received").fill("10.00")
    page.get_by_label("Tracking of the reshipped item").fill("DHL 1234567890")
    page.get_by_role("button", name="Record the compensation").click()
    expect(page.get_by_text(re.compile(r"Compensation of [\d.]+ USD recorded"))).to_be_visible()
    expect(page.get_by_test_id("recorded-refund")).to_contain_text("Compensation recorded")
    assert Refund.objects.get(claim=claim).kind == "compensation"


def test_a_stale_page_cannot_act_twice(page, site):
    call_command("demo_load")
    from claims.models import Claim, ClaimEvent

    claim = Claim.objects.get(order__number="IW-10010")
    _admin_login(page, site, "reviewer@iwalk.demo.example")
    second = page.context.new_page()
    second.set_default_timeout(10_000)
    _claim_page(page, site, claim)
    _claim_page(second, site, claim)
    _open_action(second, "Approve")  # the second page has its form open too

    _open_action(page, "Approve")
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_test_id("rma-number")).to_be_visible()

    second.get_by_role("button", name="Approve").click()
    expect(second.get_by_text(CLAIM_CHANGED)).to_be_visible()
    assert_accessible(second)
    second.get_by_role("link", name="Reload the claim").click()
    expect(second.get_by_test_id("rma-number")).to_be_visible()

    # a button clicked on a page older than the claim: the form says so at once, and posting it changes nothing
    _claim_page(page, site, claim)
    _claim_page(second, site, claim)
    _open_action(page, "Assign")
    page.get_by_label("Assign to").select_option(label="reviewer@iwalk.demo.example")
    page.get_by_role("button", name="Assign").click()
    expect(page.get_by_text("Assigned to reviewer@iwalk.demo.example.")).to_be_visible()
    _open_action(second, "Assign")
    expect(second.get_by_text(CLAIM_CHANGED)).to_be_visible()
    assert_accessible(second)
    second.get_by_label("Assign to").select_option(label="manager@iwalk.demo.example")
    second.get_by_role("button", name="Assign").click()
    expect(second.get_by_text(CLAIM_CHANGED)).to_be_visible()

    claim.refresh_from_db()
    assert claim.status == "approved_awaiting_return" and claim.assignee.email == "reviewer@iwalk.demo.example"
    assert ClaimEvent.objects.filter(claim=claim, action__startswith="approve").count() == 1
    assert ClaimEvent.objects.filter(claim=claim, action="assign").count() == 1
