"""The claim page as a tracker, on a phone (390 × 844): a shopper sees where the claim
stands (steps, the current one marked), what happens next and by when, their own words
and answers, and a timeline that starts at submission; once approved, where and how to
send the item (address, carriers, drop-off, one sentence on the shipping cost), the same
on the printed slip; after shipping, the tracking number opens the carrier's page in a
new tab. Every page is axe-checked and fits the phone's width."""

import re

import pytest
from playwright.sync_api import expect

from claims.models import Claim
from claims.services import claim_approve
from tests.browser.conftest import CONTEXT_DEFAULTS, assert_accessible
from tests.browser.test_shopper_claim import PHONE, _open_order
from tests.claims.conftest import IM_OK, staff, submitted_claim

pytestmark = pytest.mark.browser


@pytest.fixture
def phone(browser, site):
    context = browser.new_context(**PHONE, **CONTEXT_DEFAULTS)
    # the carrier's site is not reached from the test: a stand-in answers for it
    context.route("https://www.ups.com/**", lambda route: route.fulfill(status=200, content_type="text/html", body="<title>UPS tracking</title>"))
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def _check(page) -> None:
    assert_accessible(page)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "the page is wider than the phone"


def _open_claim(page, site, claim: Claim) -> None:
    _open_order(page, site, claim.order.number)
    page.get_by_role("link", name=claim.reference).click()
    expect(page.get_by_role("heading", name=f"Claim {claim.reference}")).to_be_visible()


def test_the_claim_page_tracks_the_claim_and_the_return_on_a_phone(phone, site):
    from django.core.management import call_command

    call_command("demo_load", no_claims=True)
    claim = submitted_claim(answers={**IM_OK, "complete-set": False})
    page = phone
    _open_claim(page, site, claim)

    # where it stands: the status in words, the steps, the current one, and by when
    tracker = page.get_by_role("region", name="Where your claim stands")
    expect(tracker.get_by_test_id("status-words")).to_have_text("Submitted")
    steps = tracker.get_by_test_id("step")
    expect(steps.first).to_contain_text("Submitted")
    expect(tracker.locator("[aria-current=step]")).to_contain_text("Decision")
    expect(steps.filter(has_text="Ship it back")).to_have_count(1)
    expect(tracker.get_by_test_id("due-review_due_at")).to_contain_text(re.compile(r"We decide by \w{3} \d{1,2} \w{3} \d{4}, \d\d:\d\d"))

    # their own words and answers, as sentences
    words = page.get_by_role("region", name="What you told us")
    expect(words).to_contain_text("The mirror has a dead pixel line across the top.")
    expect(words).to_contain_text("Are all items of the set present? You answered: No.")
    expect(words).to_contain_text("Do you still have the original box? You answered: Yes.")

    # the timeline starts at submission
    timeline = page.get_by_test_id("timeline").locator("li")
    expect(timeline).to_have_count(1)
    expect(timeline.first).to_contain_text("Submitted")
    expect(page.get_by_test_id("timeline")).not_to_contain_text("Draft")
    _check(page)

    # approved with a return: where to, with whom, how, and what it costs, in one sentence
    claim_approve(claim_id=claim.pk, actor=staff("reviewer@imirror.demo.example"), outcome="refund")
    page.reload()
    expect(tracker.locator("[aria-current=step]")).to_contain_text("Ship it back")
    send = page.get_by_role("region", name="Send the item back")
    expect(send.get_by_test_id("shipping-sentence")).to_have_text("We deduct 89.00 USD return shipping from your refund: the reason is not a defect.")
    expect(send.get_by_test_id("return-address")).to_contain_text("400 Commerce Way")
    expect(send.get_by_test_id("return-carriers")).to_contain_text("UPS")
    expect(send.get_by_test_id("drop-off")).to_contain_text("drop it at a UPS Store")
    expect(page.get_by_text("You pay return shipping")).to_have_count(0)
    _check(page)

    # the slip says the same
    send.get_by_role("link", name="Print the return slip").click()
    expect(page.get_by_test_id("return-address")).to_contain_text("Edison, NJ 08837")
    expect(page.get_by_test_id("drop-off")).to_contain_text("drop it at a UPS Store")
    _check(page)
    page.get_by_role("link", name="Back to the claim").click()

    # shipped: the number links to the carrier's tracking page, in a new tab
    page.get_by_label("Carrier").select_option("UPS")
    page.get_by_role("textbox", name="Tracking number").fill("1Z999AA10123456784")
    page.get_by_role("button", name="Save tracking number").click()
    expect(page.get_by_test_id("status-words")).to_have_text("Return in transit")
    link = page.get_by_role("region", name="Your return parcel").get_by_role("link", name=re.compile("1Z999AA10123456784"))
    expect(link).to_have_attribute("href", "https://www.ups.com/track?tracknum=1Z999AA10123456784")
    expect(link).to_have_attribute("target", "_blank")
    expect(link).to_have_attribute("rel", re.compile(r"\bnoopener\b"))
    expect(tracker.locator("[aria-current=step]")).to_contain_text("Received")
    expect(page.get_by_test_id("timeline").locator("li")).to_have_count(3)
    expect(page.get_by_test_id("timeline").locator("li").last).to_contain_text("Return in transit")
    _check(page)
    with page.expect_popup() as popup:
        link.click()
    expect(popup.value).to_have_title("UPS tracking")
    assert popup.value.url == "https://www.ups.com/track?tracknum=1Z999AA10123456784"
