"""A guest finds an order: lookup → e-mail → link → confirm → order page; a wrong
e-mail gets the very same answer; too many attempts get a friendly 429 page. Every
page is checked with axe-core (WCAG 2 A/AA)."""

import re
import time

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from claims.models import Claim
from claims.notifications import claim_shopper_link
from tests.browser.conftest import CONTEXT_DEFAULTS, assert_accessible, link_in, wait_for_mail
from tests.factories import OrderLineFactory, StoreFactory

pytestmark = pytest.mark.browser


def _order():
    store = StoreFactory(name="Acme Audio", slug="acme", accent_colour="#ffd400")
    return OrderLineFactory(
        order__store=store, order__number="AC-1001", order__customer_email="pat@example.com", product__name="Acme Speaker"
    ).order


def _lookup(page, site, number, email):
    page.goto(f"{site.url}/s/acme/")
    page.get_by_label("Order number").fill(number)
    page.get_by_label("E-mail used for the order").fill(email)
    page.get_by_role("button", name="E-mail me a link to my order").click()


def test_guest_opens_the_order_from_the_emailed_link(page, site, mailoutbox):
    _order()
    page.goto(site.url)
    assert_accessible(page)
    page.get_by_role("link", name="Start with Acme Audio").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Return or claim an item from Acme Audio")
    assert_accessible(page)

    _lookup(page, site, "ac-1001", "pat@example.com")
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()
    assert_accessible(page)

    message = wait_for_mail(mailoutbox)
    assert message.to == ["pat@example.com"]
    link = link_in(message)
    page.goto(link)
    expect(page.get_by_role("heading", name="Open order AC-1001")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Open my order").click()

    expect(page.get_by_role("heading", name="Order AC-1001")).to_be_visible()
    expect(page.get_by_role("cell", name=re.compile("Acme Speaker"))).to_be_visible()
    expect(page.get_by_role("link", name="Start a claim")).to_be_visible()
    assert_accessible(page)


def test_wrong_email_gets_the_same_answer(page, site, mailoutbox):
    _order()
    _lookup(page, site, "AC-1001", "pat@example.com")
    right = page.locator("main").inner_text().replace("pat@example.com", "EMAIL")
    _lookup(page, site, "AC-1001", "someone.else@example.com")
    wrong = page.locator("main").inner_text().replace("someone.else@example.com", "EMAIL")
    assert right == wrong
    wait_for_mail(mailoutbox)
    assert [m.to for m in mailoutbox] == [["pat@example.com"]]


def test_too_many_lookups_get_the_429_page(page, site):
    """5 lookups a minute per address (the exact count is tested in tests/orders). The
    limit counts in clock-aligned minutes and six lookups take a browser a few seconds,
    so a minute may turn over midway and start a fresh count, and other browser tests
    look orders up from the same address: the page must come within two minutes'
    allowance."""
    _order()
    for attempt in range(11):
        _lookup(page, site, f"NOPE-{attempt}", "pat@example.com")
        expect(page.get_by_role("heading", name=re.compile("Check your e-mail|Too many attempts"))).to_be_visible()
        if page.get_by_role("heading", name="Too many attempts").is_visible():
            break
    else:
        raise AssertionError("11 lookups in a row were never limited")
    expect(page.get_by_text("Please wait a few minutes and try again.")).to_be_visible()
    assert_accessible(page)


def test_expired_and_broken_links_explain_what_to_do(page, site, mailoutbox, settings):
    _order()
    settings.GUEST_LINK_MAX_AGE = 0
    _lookup(page, site, "AC-1001", "pat@example.com")
    link = link_in(wait_for_mail(mailoutbox))
    time.sleep(1.1)
    page.goto(link)
    expect(page.get_by_role("heading", name="This link has expired")).to_be_visible()
    assert_accessible(page)
    settings.GUEST_LINK_MAX_AGE = 3600
    page.get_by_role("button", name="Send me a new link").click()
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()
    fresh = link_in(wait_for_mail(mailoutbox, count=2))
    page.goto(fresh)
    page.get_by_role("button", name="Open my order").click()
    expect(page.get_by_role("heading", name="Order AC-1001")).to_be_visible()

    page.goto(link[:-6] + "xxxxx/")
    expect(page.get_by_role("heading", name="This link doesn't work")).to_be_visible()
    assert_accessible(page)


def test_lookup_works_on_a_phone(browser, site, mailoutbox):
    _order()
    context = browser.new_context(**CONTEXT_DEFAULTS, viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    phone = context.new_page()
    _lookup(phone, site, "AC-1001", "pat@example.com")
    expect(phone.get_by_role("heading", name="Check your e-mail")).to_be_visible()
    # the menu collapses behind a toggle that opens with the keyboard
    toggle = phone.get_by_role("button", name="Toggle navigation")
    expect(toggle).to_be_visible()
    toggle.focus()
    phone.keyboard.press("Enter")
    expect(phone.get_by_role("link", name="Sign in")).to_be_visible()
    assert_accessible(phone)
    context.close()


def test_an_expired_link_from_a_claim_email_renews_to_the_same_claim(page, site, mailoutbox, settings):
    """A claim e-mail's link opened after CLAIM_LINK_MAX_AGE: "Send me a new link" e-mails
    an order link that opens that claim again, not just the order."""
    call_command("demo_load")
    settings.PORTAL_BASE_URL = site.url
    claim = Claim.objects.filter(order__isnull=False, store__slug="imirror").exclude(reference=None).order_by("pk").first()
    settings.CLAIM_LINK_MAX_AGE = 0
    link = claim_shopper_link(claim)
    time.sleep(1.1)
    page.goto(link)
    expect(page.get_by_role("heading", name="This link has expired")).to_be_visible()
    assert_accessible(page)
    settings.CLAIM_LINK_MAX_AGE = 3600
    page.get_by_role("button", name="Send me a new link").click()
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()
    renewed = _wait_for_subject(mailoutbox, f"your link to order {claim.order.number}")
    page.goto(link_in(renewed))
    page.get_by_role("button", name="Open my claim").click()
    expect(page.get_by_role("heading", name=f"Claim {claim.reference}")).to_be_visible()
    assert_accessible(page)


def _wait_for_subject(mailoutbox, text, timeout=90.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [m for m in list(mailoutbox) if text in m.subject]
        if found:
            return found[-1]
        time.sleep(0.05)
    raise AssertionError(f"no e-mail about {text!r} in {[m.subject for m in mailoutbox]}")
