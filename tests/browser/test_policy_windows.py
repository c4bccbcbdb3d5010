"""Issue #14 in the browser: a processed, undelivered KWOKING order asking to cancel is
told when its 60-day return opens; a Voltaic manager makes the 48-hour wrong-item
window advised, sees a late report flagged in Try it and publishes it to the policy
page, where the refund timing and its method are shown; a KWOKING manager adds a
make-up working Saturday next to the store's closures."""

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from orders.models import Store
from policies.models import StoreClosure, StoreWorkingDay
from policies.selectors import store_calendar
from tests.browser.conftest import assert_accessible
from tests.browser.test_policy_admin import _login, _try
from tests.browser.test_shopper_claim import _open_order

pytestmark = pytest.mark.browser


def test_cancel_after_processing_names_the_return_that_opens_on_delivery(page, site):
    call_command("demo_load", no_claims=True)
    _open_order(page, site, "KW-60002")  # processed yesterday, not shipped, expected to ship in two days
    page.get_by_role("link", name="Start a claim").click()
    page.get_by_label("Cancel my order").check()
    page.get_by_role("button", name="Continue").click()
    decision = page.get_by_test_id("decision")
    expect(decision).to_contain_text("Cancel before processing: not possible")
    expect(decision).to_contain_text("Once your parcel is delivered, you can return it within 60 days (“60-day conditional return”).")
    expect(decision.get_by_test_id("refund-timing")).to_have_count(0)
    assert_accessible(page)


def test_manager_makes_a_window_advised_tries_a_late_report_and_publishes(page, site):
    call_command("demo_load", no_claims=True)
    _login(page, site, "manager@voltaic.demo.example")
    page.goto(f"{site.url}/admin/policies/coveragerule/?q=wrong-item")
    page.get_by_role("link", name="Wrong item").click()
    page.get_by_label("The window is enforced").uncheck()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")

    page.goto(f"{site.url}/admin/policies/policy/")
    page.get_by_role("link", name="Voltaic Components").click()
    page.get_by_role("link", name="Try it").click()
    now = datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M")  # VC-70010 was delivered ten days ago
    line = "VC-70010 · 5 × VC32 microcontroller board"
    draft = _try(page, line, "I received the wrong item", version="draft (unpublished edits)", when=now)
    expect(draft).to_contain_text("Wrong item: you can claim")
    expect(draft).to_contain_text("We ask you to report it within 48 hours")
    expect(draft).to_contain_text("staff will look at your late report")
    expect(draft.get_by_test_id("reported-late")).to_have_text("reported late (advised window)")
    expect(draft.get_by_test_id("refund-timing")).to_contain_text("Funds appear in 10 to 15 business days")  # compensation pays money
    published = _try(page, line, "I received the wrong item", when=now)
    expect(published).to_contain_text("Wrong item: not possible")
    assert_accessible(page)

    page.goto(f"{site.url}/admin/policies/policy/")
    page.get_by_role("link", name="Voltaic Components").click()
    page.get_by_label("What changed").fill("Wrong item: 48 hours advised")
    page.get_by_role("button", name="Publish a new version").click()
    expect(page.locator(".messagelist")).to_contain_text("Published version 2")

    page.goto(f"{site.url}/s/voltaic/policy/")
    wrong_item = page.get_by_role("region", name="Wrong item")
    expect(wrong_item).to_contain_text("Within 48 hours of delivery if possible (advised: a later report is still looked at).")
    defect = page.get_by_role("region", name="Quality defect")
    expect(defect.get_by_test_id("refund-timing")).to_contain_text("Refund within 2 business days after inspection, to your original payment method.")
    assert_accessible(page)


def test_manager_adds_a_make_up_working_saturday(page, site):
    call_command("demo_load", no_claims=True)
    kwoking = Store.objects.get(slug="kwoking")
    StoreClosure.objects.create(store=kwoking, day=date(2030, 10, 14), reason="Stocktaking")
    _login(page, site, "manager@kwoking.demo.example")
    page.goto(f"{site.url}/admin/")
    page.get_by_role("link", name="Extra working days").click()
    page.get_by_role("link", name=re.compile("Add extra working day")).click()
    page.get_by_label("Store").select_option(label="KWOKING")
    page.get_by_label("Day").fill("2030-10-14")
    page.get_by_label("Reason").fill("Make-up working Monday")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("The store is closed that day")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Day").fill("2030-10-12")
    page.get_by_label("Reason").fill("Make-up working Saturday")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    assert StoreWorkingDay.objects.get(store=kwoking).day == date(2030, 10, 12)
    calendar = store_calendar(store=kwoking, around=datetime(2030, 10, 1, tzinfo=ZoneInfo("Asia/Shanghai")))
    assert calendar.add_working_days_to_date(date(2030, 10, 11), 1) == date(2030, 10, 12)


def test_manager_sets_a_refund_range_with_its_method(page, site):
    call_command("demo_load", no_claims=True)
    _login(page, site, "manager@voltaic.demo.example")
    page.goto(f"{site.url}/admin/policies/coveragerule/?q=quality-defect")
    page.get_by_role("link", name="Quality defect").click()
    page.get_by_label("Refund issued at the earliest after (business days)").fill("20")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("The earliest refund cannot be later than the latest.")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Refund issued at the earliest after (business days)").fill("1")
    page.get_by_label("Refund paid to").select_option(label="store credit")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")

    page.goto(f"{site.url}/admin/policies/policy/")
    page.get_by_role("link", name="Voltaic Components").click()
    page.get_by_role("link", name="Try it").click()
    now = datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M")
    draft = _try(page, "VC-70010 · 5 × VC32 microcontroller board", "Process defect or functional failure on receipt", version="draft (unpublished edits)", when=now)
    expect(draft.get_by_test_id("refund-timing")).to_contain_text("Refund within 1–2 business days after inspection, as store credit.")
