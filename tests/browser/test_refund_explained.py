"""A refund reduced at inspection, explained: the warehouse records what was missing and
what was damaged, with a note to the shopper apart from its internal note; on a phone
(390 × 844) the shopper's claim page shows the refund line by line beside the estimate
they were shown, and the e-mail says the same. The internal note reaches neither.
axe-checked."""

import pytest
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.conftest import CONTEXT_DEFAULTS, assert_accessible
from tests.browser.test_claim_actions import _admin_login, _claim_page, _open_action
from tests.browser.test_phone_journeys import FITS_JS, TOO_WIDE_JS, _wait_for_mail_about
from tests.browser.test_shopper_claim import PHONE
from tests.browser.test_shopper_claim_page import _sign_in
from tests.claims.test_refund_explained import _received_mirror

pytestmark = pytest.mark.browser

SHOPPER_NOTE = "The wall mount kit was not in the box and the frame is scratched."
INTERNAL_NOTE = "Bin 4, resell as B-stock"
CHANGE = "Estimated 810.00 → 630.15: −134.85 Restocking fee"
DAMAGE = "Damage on return — damage found at inspection: scratched frame"


def test_a_refund_reduced_at_inspection_is_shown_line_by_line_on_the_phone_and_in_the_email(page, site, browser, mailoutbox, settings):
    settings.PORTAL_BASE_URL = site.url
    call_command("demo_load", no_claims=True)
    claim = _received_mirror()  # IMIRROR's smart mirror: estimate 810.00 (899.00 less 89.00 return shipping)

    # the warehouse records the inspection: who reads each note is said beside it
    _admin_login(page, site, "warehouse@imirror.demo.example")
    _claim_page(page, site, claim)
    _open_action(page, "Record the inspection")
    expect(page.get_by_text("Only staff see this.")).to_be_visible()
    expect(page.get_by_text("Sent to the shopper and shown on their claim page.")).to_be_visible()
    page.get_by_label("Another missing part").fill("Wall mount kit")
    page.get_by_label("Its value (USD)").fill("49.00")
    page.get_by_label("Damage value (USD)").fill("45.00")
    page.get_by_label("What is damaged").fill("scratched frame")
    page.get_by_label("Note to the shopper").fill(SHOPPER_NOTE)
    page.get_by_label("Internal note").fill(INTERNAL_NOTE)
    assert_accessible(page)
    page.get_by_role("button", name="Record the inspection").click()
    expect(page.get_by_text("Inspection recorded. The refund as it stands: 630.15 USD.")).to_be_visible()

    # the shopper, on a phone, reads why the amount changed
    phone = browser.new_context(**PHONE, **CONTEXT_DEFAULTS)
    shopper_page = phone.new_page()
    shopper_page.set_default_timeout(30_000)
    _sign_in(shopper_page, site, claim.shopper_email)
    shopper_page.goto(site.url + reverse("claims:claim_detail", args=[claim.store.slug, claim.reference]))
    money = shopper_page.get_by_test_id("money-explained")
    expect(money.get_by_role("heading", name="Your refund after inspection (USD)")).to_be_visible()
    expect(money.get_by_test_id("money-change")).to_contain_text(CHANGE)
    expect(money.get_by_test_id("money-change")).to_contain_text("−45.00 " + DAMAGE)
    rows = money.get_by_test_id("money-row")
    expect(rows).to_have_text(
        [
            # the line, the estimate, the amount now
            "Price paid for the item(s)" "899.00" "899.00",
            "Return shipping" "-89.00" "-89.00",
            "Restocking fee (items missing or packaging damaged, found at inspection, 15 %)" "later" "-134.85",
            DAMAGE + "later" "-45.00",
        ]
    )
    expect(money.get_by_test_id("money-total")).to_have_text("630.15")
    expect(shopper_page.get_by_text(SHOPPER_NOTE)).to_be_visible()
    expect(shopper_page.get_by_text(INTERNAL_NOTE)).to_have_count(0)
    assert_accessible(shopper_page)
    assert shopper_page.evaluate(FITS_JS), f"wider than the phone: {shopper_page.evaluate(TOO_WIDE_JS)}"

    # the e-mail says the same, in text and in the brand's HTML
    message = _wait_for_mail_about(mailoutbox, claim.shopper_email, "your return was inspected")
    html = message.alternatives[0][0]
    for body in (message.body, html):
        assert CHANGE in body and DAMAGE in body and SHOPPER_NOTE in body
        assert INTERNAL_NOTE not in body
    assert "- Restocking fee (items missing or packaging damaged, found at inspection, 15 %): -134.85 (estimate: later)" in message.body
    assert "To be refunded: 630.15 USD (estimate: up to 810.00)" in message.body
    phone.close()
