"""On a phone (390 × 844), every page axe-clean: the reasons offered follow the order's
state; signing in from a brand's page lands in that brand, its drafts listed; the
README's guest example goes from the look-up to a started claim."""

import re
import time

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from claims.actors import shopper_actor
from claims.services import claim_start
from demo.brands import GUEST_EMAIL, SHOPPER_EMAIL
from demo.services import DEMO_PASSWORD
from orders.models import Order
from tests.browser.claiming import claim_units
from tests.browser.conftest import CONTEXT_DEFAULTS, assert_accessible, link_in
from tests.browser.test_phone_journeys import FITS_JS
from tests.browser.test_shopper_claim import PHONE, _open_order

pytestmark = pytest.mark.browser


@pytest.fixture
def phone(browser, site, settings):
    settings.PORTAL_BASE_URL = site.url  # e-mailed links lead to the live server
    context = browser.new_context(**PHONE, **CONTEXT_DEFAULTS)
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    context.close()


def _check(page) -> None:
    assert_accessible(page)
    assert page.evaluate(FITS_JS), f"{page.url} is wider than the phone"


def _wait_for_mail_to(mailoutbox, to: str, subject: str, timeout=90.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [m for m in list(mailoutbox) if to in m.to and subject in m.subject]
        if found:
            return found[-1]
        time.sleep(0.05)
    raise AssertionError(f"no e-mail to {to} about {subject}: {[(m.to, m.subject) for m in mailoutbox]}")


def _reasons(page) -> list[str]:
    group = page.get_by_role("group", name="What happened?")
    return [label.strip() for label in group.locator("label").all_inner_texts()]


def test_a_delivered_order_offers_no_cancel_and_a_not_shipped_one_does(phone, site):
    call_command("demo_load", no_claims=True)
    _open_order(phone, site, "IM-80005")  # delivered four days ago
    phone.get_by_role("link", name="Start a claim").click()
    expect(phone.get_by_role("heading", name="Start a claim", exact=True)).to_be_visible()
    offered = _reasons(phone)
    assert "I'm not satisfied (any reason)" in offered
    assert not {"Cancel my order", "Change the delivery address", "I refused the delivery"} & set(offered)
    _check(phone)

    _open_order(phone, site, "IM-81003")  # placed yesterday, not picked up yet
    phone.get_by_role("link", name="Start a claim").click()
    assert _reasons(phone) == ["Cancel my order", "Change the delivery address"]
    _check(phone)
    phone.get_by_label("Cancel my order").check()
    phone.get_by_role("button", name="Continue").click()
    expect(phone.get_by_role("heading", name="Cancel my order", exact=True)).to_be_visible()
    _check(phone)

    # the parcel is picked up while the draft waits: the draft says so, nothing is lost
    Order.objects.filter(number="IM-81003").update(shipped_at=Order.objects.get(number="IM-81003").placed_at, picked_up_at=Order.objects.get(number="IM-81003").placed_at)
    phone.reload()
    expect(phone.locator("#reason-not-offered")).to_contain_text("“Cancel my order” no longer applies: your order is on its way.")
    _check(phone)
    phone.locator("#reason-not-offered").get_by_role("link", name="Choose another reason").click()
    assert _reasons(phone) == ["I refused the delivery"]


def test_signing_in_from_a_brand_page_lands_in_that_brand_with_its_drafts(phone, site):
    call_command("demo_load")
    order = Order.objects.get(number="KW-50005")
    draft = claim_start(store=order.store, actor=shopper_actor(email=SHOPPER_EMAIL), reason_code="changed-mind", order=order, lines=[(order.lines.get(), 1)])
    phone.goto(f"{site.url}/s/kwoking/")
    _check(phone)
    phone.get_by_role("main").get_by_role("link", name="Sign in").click()
    expect(phone.locator("header")).to_contain_text("KWOKING")  # the sign-in page wears the brand
    _check(phone)
    phone.get_by_role("textbox", name=re.compile("^Email")).fill(SHOPPER_EMAIL)
    phone.get_by_role("textbox", name=re.compile("^Password")).fill(DEMO_PASSWORD)
    phone.get_by_role("button", name="Sign In").click()

    expect(phone.get_by_role("heading", name="My KWOKING orders and claims", exact=True)).to_be_visible()
    assert phone.url.endswith("/account/orders/?brand=kwoking")
    expect(phone.locator("header")).to_contain_text("KWOKING")
    drafts = phone.get_by_role("region", name="Drafts not sent yet").first
    expect(drafts).to_contain_text("Order KW-50005")
    my_orders = phone.get_by_role("region", name="My orders")
    expect(my_orders).to_contain_text("Order KW-60003")
    expect(my_orders).not_to_contain_text("IW-10005")
    expect(phone.get_by_role("region", name="Other brands")).to_contain_text("iWALK")
    _check(phone)
    drafts.get_by_role("link", name=re.compile("^Continue the draft")).click()
    expect(phone.get_by_role("heading", name=draft.reason_label, exact=True)).to_be_visible()
    assert phone.url.endswith(f"/claims/{draft.pk}/draft/")


def test_the_readmes_guest_example_from_lookup_to_a_started_claim(phone, site, mailoutbox):
    call_command("demo_load")
    phone.goto(f"{site.url}/s/iwalk/")
    phone.get_by_label("Order number").fill("IW-10020")
    phone.get_by_label("E-mail used for the order").fill(GUEST_EMAIL)
    phone.get_by_role("button", name="E-mail me a link to my order").click()
    expect(phone.get_by_role("heading", name="Check your e-mail", exact=True)).to_be_visible()
    message = _wait_for_mail_to(mailoutbox, GUEST_EMAIL, "IW-10020")  # the demo claims e-mailed others
    phone.goto(link_in(message))
    phone.get_by_role("button", name="Open my order").click()
    expect(phone.get_by_role("heading", name="Order IW-10020", exact=True)).to_be_visible()
    _check(phone)
    phone.get_by_role("link", name="Start a claim").click()
    expect(phone.locator("#nothing-left")).to_have_count(0)
    _check(phone)
    claim_units(phone.get_by_label(re.compile("^iWALK LinkPod 5000 mAh")))
    phone.get_by_label("I changed my mind / no longer need it").check()
    phone.get_by_role("button", name="Continue").click()
    expect(phone.get_by_role("heading", name="I changed my mind / no longer need it", exact=True)).to_be_visible()
    _check(phone)
