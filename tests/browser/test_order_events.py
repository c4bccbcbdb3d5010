"""Order events in a real browser: a manager imports an order whose CSV row carries
the time payment was confirmed (`event:payment_confirmed`, named on the import page);
the brand's 30-day return is counted from that event, and the shopper's decision on
the order's claim page says so with the event's words and the store's dates; an order
whose payment is not confirmed yet is told when the return opens. axe-checked."""

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import StoreMembership
from orders.models import OrderEventType
from policies.models import CoverageRule, Policy, Reason, ReturnCarrier
from policies.services import policy_publish
from tests.browser.claiming import claim_units
from tests.browser.conftest import CONTEXT_DEFAULTS, assert_accessible
from tests.browser.test_shopper_claim import _open_order
from tests.factories import PASSWORD, OrderLineFactory, ProductFactory, StoreFactory, UserFactory

pytestmark = pytest.mark.browser

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _brand():
    store = StoreFactory(name="Mirror Works", slug="mirrorworks", country="CN", time_zone="Asia/Shanghai", currency="CNY")
    ProductFactory(store=store, sku="MW-S1", name="Smart Mirror S1", price="1999.00")
    paid = OrderEventType.objects.create(store=store, name="payment_confirmed", label="payment confirmation")
    policy = Policy.objects.create(store=store, name="Returns")
    ReturnCarrier.objects.create(policy=policy, name="SF Express", tracking_pattern=r"^SF\d{12}$")
    # counted from the payment: the brand takes returns of an order it has not shipped yet too
    mind = Reason.objects.create(
        store=store, code="mind", label="I changed my mind", kind="change_of_mind", order_states=["not_shipped", "shipped", "delivered"]
    )
    rule = CoverageRule.objects.create(
        policy=policy, code="return30", name="30-day return", window_length=30, window_unit="calendar_days",
        window_anchor="event", window_anchor_event=paid, outcomes=["refund"], requires_approval=True,
    )  # fmt: skip
    rule.reasons.add(mind)
    policy_publish(policy=policy, actor=None)
    manager = UserFactory(email="manager@mirrorworks.example", is_staff=True)
    StoreMembership.objects.create(user=manager, store=store)
    manager.groups.add(Group.objects.get(name="manager"))
    return store


def _day(moment) -> str:
    local = moment.astimezone(SHANGHAI)
    return f"{local.day} {local:%b %Y}"


def test_an_imported_payment_confirmation_opens_the_return_counted_from_it(page, browser, site, tmp_path):
    _brand()
    paid = (timezone.now() - timedelta(days=3)).astimezone(SHANGHAI).replace(microsecond=0)
    placed = paid - timedelta(days=1)
    csv_file = tmp_path / "orders.csv"
    csv_file.write_text(
        "store,order_number,customer_email,customer_name,channel,shipping_country,placed_at,sku,quantity,unit_price,event:payment_confirmed\n"
        f"mirrorworks,MW-1,pat@example.com,Pat,online,CN,{placed.isoformat()},MW-S1,1,1999.00,{paid.isoformat()}\n"
        f"mirrorworks,MW-2,pat@example.com,Pat,online,CN,{placed.isoformat()},MW-S1,1,1999.00,\n"
    )

    page.goto(f"{site.url}/admin/")
    page.get_by_label(re.compile("e-mail address", re.I)).fill("manager@mirrorworks.example")
    page.get_by_label(re.compile("^Password")).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{site.url}/admin/orders/order/import/")
    help_section = page.locator("#import-event-columns")
    expect(help_section).to_contain_text("event:payment_confirmed — payment confirmation (Mirror Works)")
    assert_accessible(page)
    page.get_by_label("File to import").set_input_files(str(csv_file))
    page.get_by_label("Format").select_option(label="csv")
    page.get_by_role("button", name="Submit").click()
    page.get_by_role("button", name="Confirm import").click()
    expect(page.get_by_text(re.compile(r"Import finished"))).to_be_visible()

    # staff see the event on the order's page
    page.goto(f"{site.url}/admin/orders/order/?q=MW-1")
    page.get_by_role("link", name="MW-1", exact=True).click()
    expect(page.locator("#events-group")).to_contain_text("payment confirmation")
    expect(page.locator("#events-group")).to_contain_text("CSV import")

    # the shopper, in a browser of their own
    # a shopper in the store's zone: the decision's dates are the store's, with no second clock
    shopper_context = browser.new_context(**CONTEXT_DEFAULTS, timezone_id="Asia/Shanghai")
    page = shopper_context.new_page()
    page.set_default_timeout(30_000)
    _open_order(page, site, "MW-1")
    page.get_by_role("link", name="Start a claim").click()
    claim_units(page.get_by_label("Smart Mirror S1"))
    page.get_by_label("I changed my mind").check()
    page.get_by_role("button", name="Continue").click()
    decision = page.get_by_test_id("decision")
    expect(decision).to_contain_text(
        f"Payment confirmation was on {_day(paid)}; you can claim within 30 days of payment confirmation "
        f"(until {_day(paid + timedelta(days=30))})."
    )
    assert_accessible(page)

    _open_order(page, site, "MW-2")
    page.get_by_role("link", name="Start a claim").click()
    claim_units(page.get_by_label("Smart Mirror S1"))
    page.get_by_label("I changed my mind").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_test_id("decision")).to_contain_text(
        "“30-day return” opens with payment confirmation, which has not happened yet: "
        "from then you can claim within 30 days of payment confirmation."
    )
    shopper_context.close()


def test_a_manager_counts_a_window_from_an_order_event_tries_it_and_the_policy_page_says_so(page, site):
    store = _brand()
    rule = CoverageRule.objects.get(code="return30")
    rule.window_anchor, rule.window_anchor_event = "placed", None
    rule.save()
    policy_publish(policy=rule.policy, actor=None)  # version 2: counted from the order's placing
    OrderLineFactory(order__store=store, order__number="MW-7", order__currency="CNY", order__delivered_at=None, product=store.products.get())

    page.goto(f"{site.url}/admin/")
    page.get_by_label(re.compile("e-mail address", re.I)).fill("manager@mirrorworks.example")
    page.get_by_label(re.compile("^Password")).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{site.url}/admin/policies/coveragerule/{rule.pk}/change/")
    page.get_by_label("Counted from").select_option(label="an order event (choose it below)")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".errorlist")).to_contain_text("The window is counted from an order event: choose which one.")
    page.get_by_label("Starting order event").select_option(label="payment confirmation")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")

    page.goto(f"{site.url}/admin/policies/policy/{rule.policy_id}/change/")
    expect(page.get_by_text("30 calendar (natural) days · payment confirmation")).to_be_visible()
    page.get_by_label("What changed").fill("30 days from payment confirmation")
    page.get_by_role("button", name="Publish a new version").click()
    expect(page.locator(".messagelist")).to_contain_text("Published version 3")

    page.get_by_role("link", name="Try it").click()
    page.get_by_label("an order line").check()
    page.get_by_label(re.compile("^Order line")).select_option(label="MW-7 · 1 × Smart Mirror S1")
    page.get_by_label(re.compile("^Reason")).select_option(label="I changed my mind")
    page.get_by_label(re.compile("^As if on")).fill("2027-02-01 23:00")
    page.get_by_role("button", name="Show the decision").click()
    expect(page.get_by_test_id("decision")).to_contain_text("opens with payment confirmation, which has not happened yet")
    page.get_by_label("Event: payment confirmation").fill("2027-01-02 00:30")
    page.get_by_role("button", name="Show the decision").click()
    expect(page.get_by_test_id("decision")).to_contain_text(
        "Payment confirmation was on 2 Jan 2027; you can claim within 30 days of payment confirmation (until 1 Feb 2027)."
    )
    assert_accessible(page)

    page.goto(f"{site.url}/s/{store.slug}/policy/")
    expect(page.get_by_role("region", name="30-day return")).to_contain_text("Within 30 days of payment confirmation.")
