"""A German shopper on a phone claims from a store in Shanghai: the order page, the
draft's decision (a 48-hour window, computed in the store's calendar), the claim page
and the confirmation e-mail show Berlin times, each naming the store's zone. The
browser names its zone (static/portal/time-zone.js); nothing is typed or chosen."""

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from claims.models import Claim
from orders.models import Order
from tests.browser.claiming import claim_units
from tests.browser.conftest import CONTEXT_DEFAULTS, assert_accessible
from tests.browser.test_phone_journeys import FITS_JS, _wait_for_mail_about
from tests.browser.test_shopper_claim import PHONE, _open_order, _photos, _wait_ready

pytestmark = pytest.mark.browser

BERLIN = ZoneInfo("Europe/Berlin")
SHANGHAI = ZoneInfo("Asia/Shanghai")
COMPARISON = "A screenshot comparing the wrong item with your order"
PACKAGE = "Photos or videos of the package from several angles"


@pytest.fixture
def berlin_phone(browser, site, settings):
    settings.PORTAL_BASE_URL = site.url  # e-mails link to the live server
    context = browser.new_context(**PHONE, **CONTEXT_DEFAULTS, timezone_id="Europe/Berlin")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def _check(page) -> None:
    assert_accessible(page)
    assert page.evaluate(FITS_JS), f"{page.url} is wider than the phone"


def _clock(moment, zone) -> str:
    local = moment.astimezone(zone)
    return f"{local:%H:%M}"


def test_german_shopper_on_a_shanghai_store_sees_berlin_times_with_the_stores_zone_named(berlin_phone, site, mailoutbox, tmp_path):
    page = berlin_phone
    call_command("demo_load", no_claims=True)
    order = Order.objects.select_related("store").get(number="VC-70001")
    assert str(order.store.time_zone) == "Asia/Shanghai"
    # delivered 20 hours ago, at a time whose Berlin and Shanghai clocks differ by 7 hours
    delivered = (timezone.now() - timedelta(hours=20)).replace(second=0, microsecond=0)
    order.delivered_at = delivered
    order.save(update_fields=["delivered_at", "updated_at"])

    # the first page (the order link) lets the browser name its zone; the order page is in it
    _open_order(page, site, order.number)
    expect(page.get_by_test_id("zone-note")).to_have_text("Times are in your time zone, Europe/Berlin (the store's is Asia/Shanghai).")
    local = delivered.astimezone(BERLIN)
    expect(page.locator(".dl-dates")).to_contain_text(f"{local.day} {local:%b %Y}, {local:%H:%M}")
    _check(page)

    page.get_by_role("link", name="Start a claim").click()
    claim_units(page.get_by_label("VC32 microcontroller board"))
    page.get_by_label("I received the wrong item", exact=True).check()
    page.get_by_role("button", name="Continue").click()

    # the 48-hour window ends 48 hours after delivery: said on the Berlin clock, the store's beside it
    deadline = delivered + timedelta(hours=48)
    decision = page.get_by_test_id("decision")
    berlin_deadline = deadline.astimezone(BERLIN)
    expect(decision).to_contain_text(
        f"{berlin_deadline.day} {berlin_deadline:%b %Y}, {_clock(deadline, BERLIN)} your time (Europe/Berlin; "
    )
    expect(decision).to_contain_text("in the store's time zone, Asia/Shanghai)")
    expect(decision).to_contain_text(re.compile(rf"Claim by: \w+ {berlin_deadline.day} \w+ {berlin_deadline.year}, {_clock(deadline, BERLIN)} your time \(Europe/Berlin; "))
    expect(decision).to_contain_text(f"{_clock(deadline, SHANGHAI)} in the store's time zone")
    expect(decision).not_to_contain_text("Times are in Asia/Shanghai")
    _check(page)

    page.get_by_label("Keep the item with compensation, plus reshipment of the right item", exact=True).check()
    page.get_by_label(f"Add files: {COMPARISON}").set_input_files(_photos(tmp_path, 1))
    page.get_by_label(f"Add files: {PACKAGE}").set_input_files(_photos(tmp_path, 2))
    _wait_ready(page, COMPARISON, 1)
    _wait_ready(page, PACKAGE, 2)
    page.get_by_role("button", name="Submit my claim").click()
    expect(page.locator("#submitted-confirmation")).to_contain_text("submitted")

    claim = Claim.objects.get(order=order)
    assert claim.shopper_timezone == "Europe/Berlin"
    # the review clock runs in the store's working time; the page says when on the Berlin clock
    due = claim.review_due_at
    berlin_due = due.astimezone(BERLIN)
    steps = page.get_by_test_id("due-review_due_at")  # the tracker: what happens next, by when
    expect(steps).to_contain_text(f"{berlin_due.day}")
    expect(steps).to_contain_text(f"{_clock(due, BERLIN)} your time (Europe/Berlin; ")
    expect(steps).to_contain_text(f"{_clock(due, SHANGHAI)} in the store's time zone, Asia/Shanghai)")
    # the decision as submitted says its deadline on the Berlin clock too
    expect(page.locator("main")).to_contain_text(
        f"you can claim until {berlin_deadline.day} {berlin_deadline:%b %Y}, {_clock(deadline, BERLIN)} your time (Europe/Berlin; "
    )
    _check(page)

    # the confirmation e-mail: the same Berlin time, the store's zone named
    message = _wait_for_mail_about(mailoutbox, order.customer_email, f"We received your claim {claim.reference}")
    assert f"{berlin_due.day} {berlin_due:%b %Y}, {_clock(due, BERLIN)} your time (Europe/Berlin;" in message.body
    assert f"{_clock(due, SHANGHAI)}" in message.body and "Asia/Shanghai" in message.body
