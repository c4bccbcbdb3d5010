"""The repair / replacement turnaround promise as people meet it: a manager sets it on a
rule in the admin, publishes, sees it in Try it and on the public policy page; the
shopper whose repair has started reads the date on the claim page. And a rule that
requires the return tracking number: the warehouse is refused, in words, when it
receives a parcel without one, and receives it with a reason kept in the history.
axe-checked."""

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from claims.models import Claim
from claims.services import TRACKING_REQUIRED
from demo.services import DEMO_PASSWORD
from orders.models import Order
from tests.browser.conftest import assert_accessible
from tests.browser.test_claim_actions import _admin_login, _claim_page, _open_action
from tests.browser.test_policy_admin import _try
from tests.claims.conftest import enter_tracking, staff, submitted_claim

pytestmark = pytest.mark.browser

NEW_YORK = ZoneInfo("America/New_York")
PROMISE = "Repairs are completed within 14 days of receiving your item."


@pytest.fixture
def browser_context_args(browser_context_args):
    # the shopper lives in the store's zone: the claim page's dates are the store's days
    return {**browser_context_args, "timezone_id": "America/New_York"}


def test_a_manager_promises_a_repair_time_and_the_shopper_reads_the_date(page, site):
    call_command("demo_load", no_claims=True)
    _admin_login(page, site, "manager@imirror.demo.example")
    page.goto(f"{site.url}/admin/policies/coveragerule/?q=warranty")
    page.get_by_role("link", name="IMIRROR warranty").click()
    turnaround = page.locator("fieldset", has=page.get_by_role("heading", name="Repair or replacement turnaround"))
    turnaround.get_by_label("Repaired or replaced within").fill("14")
    turnaround.get_by_label("Turnaround unit").select_option(label="calendar (natural) days")
    turnaround.get_by_label("Turnaround starts").select_option(label="when the return is received")
    turnaround.get_by_label("Repair", exact=True).check()
    assert_accessible(page)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")

    page.goto(f"{site.url}/admin/policies/policy/")
    page.get_by_role("link", name="IMIRROR", exact=True).click()
    page.get_by_label("What changed").fill("Repair turnaround")
    page.get_by_role("button", name="Publish a new version").click()
    expect(page.locator(".messagelist")).to_contain_text("Published version 2")

    page.get_by_role("link", name="Try it").click()
    order = Order.objects.get(number="IM-80010")
    line = order.lines.select_related("product").order_by("pk").first()
    when = (order.delivered_at.astimezone(NEW_YORK) + timedelta(days=40)).strftime("%Y-%m-%d 12:00")
    decision = _try(page, f"{order.number} · {line.quantity} × {line.product.name}", "It has a manufacturing issue", when=when)
    expect(decision.get_by_test_id("turnaround")).to_contain_text(PROMISE)
    assert_accessible(page)

    page.goto(f"{site.url}/s/imirror/policy/")
    expect(page.get_by_test_id("turnaround")).to_have_text(PROMISE)
    assert_accessible(page)

    # a shopper's warranty claim, approved for repair and received: the date on the claim page
    claim = submitted_claim("IM-80010", reason="manufacturing-issue", answers={}, preferred="repair")
    from claims.services import claim_approve, claim_receive

    claim = enter_tracking(claim_approve(claim_id=claim.pk, actor=staff("reviewer@imirror.demo.example"), outcome="repair"))
    claim = claim_receive(claim_id=claim.pk, actor=staff("warehouse@imirror.demo.example"), rma_number=claim.rma_number)
    due = claim.turnaround_due_at.astimezone(NEW_YORK)
    page.context.clear_cookies()
    page.goto(f"{site.url}/account/login/")
    page.get_by_role("textbox", name=re.compile("^Email")).fill(claim.shopper_email)
    page.get_by_role("textbox", name=re.compile("^Password")).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.goto(f"{site.url}/s/imirror/claims/{claim.reference}/")
    expect(page.get_by_test_id("turnaround-due")).to_have_text(f"We will repair it by {due:%a} {due.day} {due:%b %Y}")
    assert_accessible(page)


def test_the_warehouse_is_told_to_enter_the_required_tracking_number_before_receiving(page, site):
    call_command("demo_load")
    claim = Claim.objects.get(order__number="IM-80010")  # approved, awaiting the return; no tracking entered
    assert claim.status == "approved_awaiting_return" and not claim.return_tracking_number
    _admin_login(page, site, "warehouse@imirror.demo.example")
    _claim_page(page, site, claim)
    _open_action(page, "Receive the return")
    expect(page.get_by_text("This rule requires the return tracking number, and none has been entered yet.")).to_be_visible()
    page.get_by_label("RMA number on the parcel").fill(claim.rma_number)
    page.get_by_role("button", name="Receive the return").click()
    expect(page.get_by_text(TRACKING_REQUIRED % {"rule": "30-day return"})).to_be_visible()
    expect(page.get_by_text("Traceback")).to_have_count(0)
    assert_accessible(page)
    claim.refresh_from_db()
    assert claim.status == "approved_awaiting_return"

    page.get_by_label("Receiving without the required tracking number? Say why").fill("Label torn off; RMA written on the box.")
    page.get_by_role("button", name="Receive the return").click()
    expect(page.get_by_text(f"Return received ({claim.rma_number}).")).to_be_visible()
    claim.refresh_from_db()
    assert claim.status == "received"
    assert claim.events.get(action="receive").data == {"tracking_override": "Label torn off; RMA written on the box."}
