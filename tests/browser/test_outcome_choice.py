"""A shopper on a phone chooses what they want for the item up front: an exchange for
another variant of the mirror (the white frame), with the price difference shown before
they submit; staff find the exchange pre-selected when they approve; the shopper's claim
page and the approval e-mail tell the approved exchange and the difference. axe-checked."""

import time

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from claims.models import Claim
from tests.browser.claiming import claim_units
from tests.browser.conftest import CONTEXT_DEFAULTS, assert_accessible
from tests.browser.test_shopper_claim import IMIRROR_QUESTIONS, PHONE, _open_order, _photos, _wait_ready
from tests.browser.test_staff_admin import _admin_login

pytestmark = pytest.mark.browser

WHITE = 'IMIRROR Smart Mirror 32" (white frame)'


def _mail_with(mailoutbox, text, timeout=90.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [m for m in mailoutbox if text in m.subject]
        if found:
            return found[-1]
        time.sleep(0.1)
    raise AssertionError(f"no e-mail with “{text}”: {[m.subject for m in mailoutbox]}")


def test_exchange_for_another_variant_chosen_approved_and_told(browser, site, mailoutbox, tmp_path):
    call_command("demo_load", no_claims=True)
    context = browser.new_context(**PHONE, **CONTEXT_DEFAULTS)
    page = context.new_page()
    page.set_default_timeout(30_000)
    _open_order(page, site, "IM-80010")
    page.get_by_role("link", name="Start a claim").click()
    claim_units(page.get_by_label('IMIRROR Smart Mirror 32"'))
    page.get_by_label("I'm not satisfied (any reason)").check()
    page.get_by_role("button", name="Continue").click()
    for question in IMIRROR_QUESTIONS:
        page.get_by_role("group", name=question).get_by_label("Yes").check()
    page.get_by_role("button", name="Update what I can claim").click()
    expect(page.get_by_test_id("decision")).to_contain_text("You can claim under “30-day return”")

    # the rule's outcomes in the policy's order, each saying what it means
    choice = page.get_by_test_id("outcome-choice")
    expect(choice.get_by_role("heading", name="What you would like")).to_be_visible()
    expect(choice.get_by_label("Full refund")).to_be_visible()
    expect(choice).to_contain_text("Refund to your original payment method — about 810.00 USD")  # the estimate, after its deductions
    choice.get_by_label("Exchange", exact=True).check()
    exchange_for = choice.get_by_label("Exchange for")
    expect(exchange_for.locator("option")).to_have_text(
        ["Choose the product you want instead", 'IMIRROR Smart Mirror 27" — 799.00 USD (we refund 100.00 USD)', f"{WHITE} — 929.00 USD (you pay 30.00 USD more)"]
    )
    exchange_for.select_option(label=f"{WHITE} — 929.00 USD (you pay 30.00 USD more)")
    assert_accessible(page)

    page.get_by_label("Add files: Photos that clearly show all sides of the product").set_input_files(_photos(tmp_path, 4))
    page.get_by_label("Add files: A photo of the complete accessory set").set_input_files(_photos(tmp_path, 1))
    page.get_by_label("Add files: Photos of the original packaging").set_input_files(_photos(tmp_path, 1))
    page.get_by_label("A brief reason for the return").fill("The white frame suits the room better.")
    _wait_ready(page, "Photos that clearly show all sides of the product", 4)
    _wait_ready(page, "A photo of the complete accessory set", 1)
    _wait_ready(page, "Photos of the original packaging", 1)
    page.get_by_role("button", name="Submit my claim").click()
    expect(page.locator("#submitted-confirmation")).to_be_visible()
    told = page.get_by_test_id("outcome-told")
    expect(told).to_contain_text(f"You asked for: Exchange for {WHITE}. You pay 30.00 USD more")
    assert_accessible(page)
    claim = Claim.objects.get(order__number="IM-80010")
    line = claim.lines.get()
    assert (line.requested_outcome, line.exchange_product.name, str(line.price_difference)) == ("exchange", WHITE, "30.00")

    # staff approve: the shopper's exchange is pre-selected, with the product and the difference
    staff_context = browser.new_context(**CONTEXT_DEFAULTS)
    admin = staff_context.new_page()
    admin.set_default_timeout(30_000)
    _admin_login(admin, site, "reviewer@imirror.demo.example")
    admin.goto(f"{site.url}/admin/claims/claim/{claim.pk}/change/")
    expect(admin.get_by_test_id("outcome-choice").first).to_contain_text(f"Exchange for {WHITE}")
    admin.get_by_test_id("claim-actions").get_by_role("link", name="Approve", exact=True).click()
    expect(admin.get_by_label("Exchange", exact=True)).to_be_checked()
    expect(admin.get_by_text(f"Exchange for {WHITE}.", exact=False).first).to_be_visible()
    assert_accessible(admin)
    admin.get_by_role("button", name="Approve").click()
    expect(admin.get_by_text("Approved (Exchange). RMA number:")).to_be_visible()
    staff_context.close()
    claim.refresh_from_db()
    assert claim.outcome == "exchange" and claim.status == "approved_awaiting_return"

    # the shopper's claim page and e-mail tell the approved exchange
    page.reload()
    expect(page.get_by_test_id("outcome-told")).to_contain_text(f"Approved: Exchange for {WHITE}. You pay 30.00 USD more")
    assert_accessible(page)
    email = _mail_with(mailoutbox, "approved")
    assert f"Approved: Exchange for {WHITE}. You pay 30.00 USD more" in email.body
    context.close()
