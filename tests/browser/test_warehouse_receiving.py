"""The warehouse receives and inspects a returned parcel from one screen of the admin
(1440 × 900): the RMA number is scanned (typed, then Enter, as a barcode scanner does),
the claim opens beside its packing checklist, one click receives it, the inspection is
recorded with a note to the shopper, and the scan field is back for the next parcel.
The shopper reads the note; another store's warehouse scanning the same RMA finds
nothing. The clicks and page loads of one parcel are counted. axe-checked."""

import os
import re

import pytest
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import expect

from claims import admin_receiving
from claims.models import Claim
from claims.states import PARCEL_EXPECTED_STATES, ClaimStatus
from tests.browser.conftest import assert_accessible
from tests.browser.test_claim_actions import _admin_login
from tests.browser.test_shopper_claim_page import _sign_in

pytestmark = pytest.mark.browser

NOTE_TO_SHOPPER = "Your lamp set arrived complete; the refund is on its way."


def test_warehouse_scans_receives_and_inspects_on_one_screen(page, site):
    call_command("demo_load")
    claim = Claim.objects.select_related("store").get(order__number="KW-50030")  # the demo's KWOKING parcel
    assert claim.status == ClaimStatus.APPROVED_AWAITING_RETURN and claim.rma_number
    page.set_viewport_size({"width": 1440, "height": 900})
    _admin_login(page, site, "warehouse@kwoking.demo.example")
    page.wait_for_load_state("load")  # the admin index's own load is not counted (a busy machine fires it late)

    loads, clicks = [], 0
    page.on("load", lambda _page: loads.append(page.url))
    page.get_by_role("link", name="Receive parcels").click()
    clicks += 1
    scan = page.get_by_label("RMA number or claim reference")
    expect(scan).to_be_focused()
    assert_accessible(page)

    # the scanner types the code and presses Enter (in lower case, with a stray space);
    # a scanner set to send Enter twice: the second one finds the scan field empty
    page.keyboard.type(f" {claim.rma_number.lower()}")
    page.keyboard.press("Enter")
    screen = page.get_by_test_id("receiving-claim")
    expect(screen.get_by_role("heading", level=2)).to_have_text(f"Claim {claim.reference} · RMA {claim.rma_number}")
    expect(scan).to_be_focused()
    page.keyboard.press("Enter")
    expect(screen).to_be_visible()
    checklist = page.get_by_test_id("packing-checklist")
    for line in ("1 × Solar garden lamp set", "All accessories: batteries, cables, chargers", "The original packaging"):
        expect(checklist.get_by_text(line)).to_be_visible()
    expect(page.get_by_label("RMA number on the parcel")).to_have_value(claim.rma_number)
    assert_accessible(page)

    # a double click receives once
    page.get_by_role("button", name="Receive the return").dblclick()
    clicks += 1
    expect(page.get_by_text(f"Return received ({claim.rma_number}). Now record the inspection below.")).to_be_visible()
    expect(page.get_by_test_id("receiving-status")).to_have_text("Return received")
    assert claim.events.filter(action="receive").count() == 1
    expect(scan).to_be_focused()
    assert_accessible(page)

    page.get_by_label("Note to the shopper").fill(NOTE_TO_SHOPPER)
    page.get_by_label("Internal note").fill("Shelf B4.")
    page.get_by_role("button", name="Record the inspection").click()
    clicks += 1
    expect(page.get_by_text("Inspection recorded. The refund as it stands:")).to_be_visible()
    expect(page.get_by_text("Scan the next parcel.")).to_be_visible()
    expect(page.get_by_label("RMA number or claim reference")).to_be_focused()
    assert_accessible(page)

    claim.refresh_from_db()
    assert claim.status == ClaimStatus.INSPECTED
    # scanned once, two steps: the screen of the claim, after the receipt, after the inspection
    print(f"\nwarehouse, one parcel from the scan field: {len(loads) - 1} page loads, {clicks - 1} clicks, 1 scan")
    assert (len(loads) - 1, clicks - 1) == (3, 2), loads

    # the shopper reads the note on their claim page; the internal note stays with staff
    page.context.clear_cookies()
    _sign_in(page, site, claim.shopper_email)
    page.goto(site.url + reverse("claims:claim_detail", args=[claim.store.slug, claim.reference]))
    expect(page.get_by_text(NOTE_TO_SHOPPER)).to_be_visible()
    expect(page.get_by_text("Shelf B4.")).to_have_count(0)


def test_another_stores_warehouse_scanning_the_rma_finds_nothing(page, site):
    call_command("demo_load")
    claim = Claim.objects.get(order__number="KW-50030")
    page.set_viewport_size({"width": 1440, "height": 900})
    _admin_login(page, site, "warehouse@imirror.demo.example")
    page.goto(f"{site.url}/admin/claims/claim/receive/")
    page.get_by_label("RMA number or claim reference").fill(claim.rma_number)
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("scan-error")).to_have_text(str(admin_receiving.NOT_FOUND % {"code": claim.rma_number}))
    expect(page.get_by_test_id("receiving-claim")).to_have_count(0)
    assert_accessible(page)


SCREENS = ({"width": 1440, "height": 900}, {"width": 1280, "height": 800})


def _in_view(page, locator) -> None:
    """Seen without scrolling: the page is at its top and the element's box is inside
    the viewport."""
    expect(locator).to_be_visible()
    assert page.evaluate("window.scrollY") == 0
    box, size = locator.bounding_box(), page.viewport_size
    if os.environ.get("RECEIVING_SCREENSHOTS"):
        page.screenshot(path=f"/tmp/receiving-{size['width']}.png")
    assert box["y"] >= 0 and box["y"] + box["height"] <= size["height"], (box, size)
    assert box["x"] >= 0 and box["x"] + box["width"] <= size["width"], (box, size)


def test_an_expected_parcel_opens_from_the_list_and_both_steps_fit_the_screen(page, site):
    """The parcels expected are listed under the scan field, oldest first; a row opens
    the claim as scanning its RMA does; at 1440 × 900 and at 1280 × 800 the checklist,
    the receive step and then the inspect step's button are seen without scrolling."""
    call_command("demo_load")
    claim = Claim.objects.select_related("store").get(order__number="KW-50030")
    other_store = Claim.objects.get(order__number="VC-70030")
    page.set_viewport_size(SCREENS[0])
    _admin_login(page, site, "warehouse@kwoking.demo.example")
    page.get_by_role("link", name="Receive parcels").click()
    expected = page.get_by_test_id("expected-parcels")
    row = expected.get_by_test_id("expected-parcel").filter(has_text=claim.rma_number)
    expect(row).to_contain_text(claim.reference)
    expect(row).to_contain_text("1")
    expect(expected).not_to_contain_text(other_store.rma_number)
    expect(page.get_by_label("RMA number or claim reference")).to_be_focused()
    assert_accessible(page)

    row.get_by_role("link", name=claim.rma_number).click()
    expect(page.get_by_test_id("receiving-claim")).to_be_visible()
    expect(page.get_by_label("RMA number on the parcel")).to_have_value(claim.rma_number)
    for screen in SCREENS:
        page.set_viewport_size(screen)
        _in_view(page, page.get_by_test_id("packing-checklist"))
        _in_view(page, page.get_by_role("button", name="Receive the return"))
    assert_accessible(page)

    page.get_by_role("button", name="Receive the return").click()
    expect(page.get_by_test_id("receiving-status")).to_have_text("Return received")
    expect(page.get_by_text("Now record the inspection below.")).to_be_visible()
    for screen in SCREENS:
        page.set_viewport_size(screen)
        _in_view(page, page.get_by_test_id("packing-checklist"))
        _in_view(page, page.get_by_role("button", name="Record the inspection"))
    assert_accessible(page)

    # received: it leaves the list
    page.get_by_role("button", name="Record the inspection").click()
    expect(page.get_by_text("Scan the next parcel.")).to_be_visible()
    expect(page.get_by_test_id("expected-parcels")).not_to_contain_text(claim.rma_number)


def test_bulk_mark_received_in_the_queue_says_per_claim_what_it_took(page, site):
    """The queue's bulk action receives the parcels it can and says, in the receiving
    screen's words, why it left the others untouched."""
    call_command("demo_load")
    parcel = Claim.objects.get(order__number="KW-50030")
    # a claim no parcel is expected for (the demo's KWOKING claims under review or settled)
    under_review = (
        Claim.objects.filter(store=parcel.store)
        .exclude(status__in=[*PARCEL_EXPECTED_STATES, ClaimStatus.RECEIVED, ClaimStatus.DRAFT])
        .order_by("next_due_at", "pk")
        .first()
    )
    assert under_review is not None
    page.set_viewport_size(SCREENS[0])
    _admin_login(page, site, "warehouse@kwoking.demo.example")
    page.goto(f"{site.url}/admin/claims/claim/")
    for claim in (parcel, under_review):
        page.get_by_role("checkbox", name=f"Select this object for an action - {claim}").check()
    page.get_by_label("Action:").select_option("mark_received")
    page.get_by_role("button", name=re.compile("Go|Run the selected action")).click()
    expect(page.get_by_text("1 claim(s) marked received.")).to_be_visible()
    refusal = admin_receiving.NOT_RECEIVABLE % {
        "claim": under_review,
        "status": under_review.get_status_display(),
        "advice": admin_receiving.ADVICE[under_review.status],
    }
    expect(page.get_by_text(str(refusal))).to_be_visible()
    assert Claim.objects.get(pk=parcel.pk).status == ClaimStatus.RECEIVED
    assert Claim.objects.get(pk=under_review.pk).status == under_review.status
    assert_accessible(page)
