"""Staff at 1440 × 900: a reviewer writes a canned reply with placeholders (a wrong one
is refused), picks it in "Message the shopper" (the text box fills in at once, still
editable) and the shopper reads it filled in, on the claim page and in the e-mail; the
admin index's claims table keeps each header on one line and its counts open the queue
filtered alike; a reviewer assigns several claims to a named colleague in one go.
Every page is axe-checked."""

import re
import time
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from claims.models import Claim
from demo.services import DEMO_PASSWORD
from tests.browser.conftest import CONTEXT_DEFAULTS, assert_accessible

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1440, "height": 900}
REVIEWER = "reviewer@iwalk.demo.example"


def _admin_login(page, site, email):
    page.set_viewport_size(DESKTOP)
    page.goto(f"{site.url}/admin/")
    page.get_by_label(re.compile("e-mail address", re.I)).fill(email)
    page.get_by_label(re.compile("^Password")).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Claims, orders and stores")).to_be_visible()


def _mail_containing(mailoutbox, text: str, timeout: float = 90.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [m for m in list(mailoutbox) if text in " ".join(m.body.split())]
        if found:
            return found[-1]
        time.sleep(0.1)
    raise AssertionError(f"no e-mail says {text!r}")


def test_a_canned_reply_with_placeholders_reaches_the_shopper_filled_in(page, site, mailoutbox, browser):
    call_command("demo_load")
    claim = Claim.objects.select_related("order").get(order__number="IW-10010")
    name = claim.order.customer_name
    assert claim.status == "submitted" and name

    _admin_login(page, site, REVIEWER)
    page.goto(f"{site.url}/admin/claims/cannedreply/add/")
    expect(page.get_by_role("heading", name="Placeholders")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Title").fill("We are on it")
    page.get_by_label("Text").fill("Hello {name}, we are looking at {reference}.")
    page.get_by_label("In messages to the shopper").check()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Unknown placeholder {name}.")).to_be_visible()  # refused when saved
    assert_accessible(page)
    page.get_by_label("Text").fill(
        "Hello {shopper_name}, we are looking at {reference} and answer by {deadline}. {store_name}"
    )
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("was added successfully")).to_be_visible()

    page.goto(f"{site.url}/admin/claims/claim/{claim.pk}/change/")
    page.get_by_test_id("claim-actions").get_by_role("link", name="Message the shopper", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Message the shopper")
    box = page.get_by_label("Message to the shopper")
    expect(box).to_have_value("")
    page.get_by_label("Canned reply").select_option(label="We are on it")
    # filled in for this claim at once, before anything is sent
    expect(box).to_have_value(
        re.compile(rf"^Hello {re.escape(name)}, we are looking at {claim.reference} and answer by .+\. iWALK$")
    )
    filled = box.input_value()
    assert "{" not in filled
    assert_accessible(page)
    box.fill(filled + " Thank you for your patience.")  # still editable
    page.get_by_role("button", name="Send to the shopper").click()
    expect(page.get_by_text("Message sent to the shopper.")).to_be_visible()

    sent = filled + " Thank you for your patience."
    mail = _mail_containing(mailoutbox, sent)  # the demo's own e-mails came before it
    assert mail.to == [claim.shopper_email]

    # the shopper, signed in on their own browser, reads it on the claim page
    shopper = browser.new_context(**CONTEXT_DEFAULTS, viewport=DESKTOP)
    shopper_page = shopper.new_page()
    shopper_page.goto(f"{site.url}/account/login/")
    shopper_page.get_by_role("textbox", name=re.compile("^Email")).fill(claim.shopper_email)
    shopper_page.get_by_role("textbox", name=re.compile("^Password")).fill(DEMO_PASSWORD)
    shopper_page.get_by_role("button", name="Sign In").click()
    shopper_page.goto(f"{site.url}/s/{claim.store.slug}/claims/{claim.reference}/")
    messages = shopper_page.get_by_role("region", name="Messages")
    expect(messages).to_contain_text(sent)
    assert_accessible(shopper_page)
    shopper.close()


def test_the_index_table_keeps_headers_on_one_line_and_its_counts_open_the_queue(page, site):
    call_command("demo_load")
    late = Claim.objects.get(order__number="IW-10010")
    Claim.objects.filter(pk=late.pk).update(review_due_at=timezone.now() - timedelta(hours=3))
    cache.clear()  # the index counts once a minute

    _admin_login(page, site, REVIEWER)
    table = page.get_by_test_id("claims-dashboard")
    headers = table.locator("thead th")
    expect(headers).to_have_count(4)
    line = page.evaluate(
        "() => parseFloat(getComputedStyle(document.querySelector('.claims-dashboard thead th')).lineHeight) || 16"
    )
    for index in range(4):
        box = headers.nth(index).bounding_box()
        text = headers.nth(index).inner_text()
        # one line of text plus the cell's padding: "OVERDUE REVIEWS" was one letter per line
        assert box["height"] < 2 * line + 12, (text, box)
        assert box["width"] > 40, (text, box)
    assert_accessible(page)

    row = table.get_by_role("row").filter(has=page.get_by_role("rowheader", name="iWALK"))
    row.get_by_role("link", name="1 overdue review in iWALK").click()
    expect(page).to_have_url(re.compile(r"clock=review_overdue"))
    results = page.locator("#result_list tbody tr")
    expect(results).to_have_count(1)
    expect(results.first).to_contain_text(late.reference)
    assert_accessible(page)

    page.goto(f"{site.url}/admin/")
    row = (
        page.get_by_test_id("claims-dashboard")
        .get_by_role("row")
        .filter(has=page.get_by_role("rowheader", name="iWALK"))
    )
    row.get_by_role("link", name="Submitted: 1").click()
    expect(page).to_have_url(re.compile(r"status__exact=submitted"))
    expect(page.locator("#result_list tbody tr")).to_have_count(1)


def test_a_reviewer_assigns_claims_to_a_named_colleague_in_one_go(page, site):
    call_command("demo_load")
    claims = list(Claim.objects.filter(store__slug="iwalk").exclude(status__in=["draft", "closed"]).order_by("pk")[:2])
    assert len(claims) == 2
    colleague = "warehouse@iwalk.demo.example"

    _admin_login(page, site, REVIEWER)
    page.goto(f"{site.url}/admin/claims/claim/")
    for claim in claims:
        page.get_by_role("checkbox", name=re.compile(f"Select this object for an action - {claim.reference}")).check()
    page.locator("select[name=action]").select_option(label="Assign to a colleague…")
    page.get_by_role("button", name=re.compile("Go|Run the selected action")).click()
    expect(page.get_by_role("heading", name="Assign to a colleague")).to_be_visible()
    expect(page.get_by_test_id("bulk-claims").get_by_role("listitem")).to_have_count(2)
    assert_accessible(page)
    page.get_by_label("Assign to").select_option(label=colleague)
    page.get_by_role("button", name="Apply to these claims").click()
    expect(page.get_by_text(f"2 claim(s) assigned to {colleague}.")).to_be_visible()
    assert_accessible(page)
    for claim in claims:
        claim.refresh_from_db()
        assert claim.assignee.email == colleague
