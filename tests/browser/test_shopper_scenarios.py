"""More shopper scenarios across the launch brands: a late order cancelled with the
keyboard alone; a wrong item kept with compensation; a warranty claim with a video;
a purchase made in a shop, with its receipt; an address change before pick-up; evidence added after "more information
needed"; bad files (wrong type, damaged, too large, the same photo twice) refused with
their reason while the good one and everything typed stay; a bundle
that goes back complete with its free gift."""

import os
import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from claims.models import Claim
from demo.services import DEMO_PASSWORD
from tests.browser.claiming import claim_units
from tests.browser.conftest import assert_accessible
from tests.browser.test_shopper_claim import SIDES, _open_order, _photos, _start_imirror_return, _wait_ready
from tests.browser.test_staff_admin import _admin_login
from tests.claims.test_media import _overwrite_with_garbage, _write_video

pytestmark = pytest.mark.browser

WARRANTY_ANSWERS = {
    "Was it dropped or physically damaged?": "No",
    "Was it exposed to water or extreme temperatures, or operated improperly?": "No",
    "Has anyone other than iWALK repaired or opened it?": "No",
    "Was it damaged by something outside the product (e.g. a faulty charger, a fire)?": "No",
    "Do you still have the product?": "Yes",
}


def _answer(page, answers):
    for question, answer in answers.items():
        page.get_by_role("group", name=question).get_by_label(answer, exact=True).check()
    page.get_by_role("button", name="Update what I can claim").click()


def test_late_order_cancelled_with_the_keyboard_alone(page, site):
    call_command("demo_load", no_claims=True)
    _open_order(page, site, "KW-60001")
    page.get_by_role("link", name="Start a claim").focus()
    page.keyboard.press("Enter")
    page.get_by_label("Cancel my order").focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Continue").focus()
    page.keyboard.press("Enter")
    decision = page.get_by_test_id("decision")
    expect(decision).to_contain_text("it is approved automatically")
    expect(decision.get_by_test_id("refund-timing")).to_contain_text("Refund within 5 business days after approval, to your original payment method.")
    assert_accessible(page)
    page.get_by_role("button", name="Submit my claim").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#submitted-confirmation")).to_be_visible()
    expect(page.get_by_text("Approved, no return needed").first).to_be_visible()
    expect(page.get_by_text("Your refund is due by")).to_be_visible()
    assert_accessible(page)


def test_wrong_item_kept_with_compensation(page, site, tmp_path):
    call_command("demo_load", no_claims=True)
    _open_order(page, site, "VC-70001")
    page.get_by_role("link", name="Start a claim").click()
    page.get_by_label("I received the wrong item").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_test_id("decision")).to_contain_text("48-hour window")
    expect(page.get_by_test_id("decision")).to_contain_text("50 % of the price difference")
    page.get_by_label("Keep the item with compensation, plus reshipment of the right item").check()
    page.get_by_label("Add files: A screenshot comparing the wrong item with your order").set_input_files(_photos(tmp_path, 1))
    page.get_by_label("Add files: Photos or videos of the package from several angles").set_input_files(_photos(tmp_path, 2))
    _wait_ready(page, "A screenshot comparing the wrong item with your order", 1)
    _wait_ready(page, "Photos or videos of the package from several angles", 2)
    page.get_by_role("button", name="Submit my claim").click()
    expect(page.locator("#submitted-confirmation")).to_be_visible()
    assert Claim.objects.get(order__number="VC-70001").preferred_outcome == "keep_with_compensation"


def test_warranty_claim_with_a_video(page, site, tmp_path):
    call_command("demo_load", no_claims=True)
    video = tmp_path / "charging.mp4"
    _write_video(video)
    _open_order(page, site, "IW-10045")
    page.get_by_role("link", name="Start a claim").click()
    claim_units(page.get_by_label("iWALK MAG-X 10000 mAh magnetic power bank"))
    page.get_by_label("It doesn't work properly (quality issue)").check()
    page.get_by_role("button", name="Continue").click()
    _answer(page, WARRANTY_ANSWERS)
    expect(page.get_by_test_id("decision")).to_contain_text("your 24-month warranty runs until")
    page.get_by_label("Describe the issue").fill("It stops charging after two minutes.")
    page.get_by_label("Add files: Photos or videos of the issue").set_input_files(str(video))
    _wait_ready(page, "Photos or videos of the issue", 1)
    assert_accessible(page)
    page.get_by_role("button", name="Submit my claim").click()
    expect(page.locator("#submitted-confirmation")).to_be_visible()
    claim = Claim.objects.get(order__number="IW-10045")
    assert claim.rule_code == "warranty" and claim.evidence.get().kind == "video"
    # "Back" to the draft shows the submitted claim, not a form that could be sent again
    page.go_back()
    expect(page.get_by_role("heading", name=f"Claim {claim.reference}")).to_be_visible()
    expect(page.get_by_role("button", name="Submit my claim")).to_have_count(0)
    assert claim.events.filter(action="submit").count() == 1


def test_purchase_made_in_a_shop_with_its_receipt(page, site, tmp_path):
    call_command("demo_load", no_claims=True)
    receipt = tmp_path / "receipt.pdf"
    receipt.write_bytes(
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )
    page.goto(f"{site.url}/account/login/")
    page.get_by_role("textbox", name=re.compile("^Email")).fill("shopper@demo.example")
    page.get_by_role("textbox", name=re.compile("^Password")).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.goto(f"{site.url}/s/iwalk/")
    page.get_by_role("link", name="Bought a iWALK product in a shop or elsewhere? Claim it here").click()
    assert_accessible(page)
    page.get_by_label("Product").select_option(label="iWALK MAG-X 10000 mAh magnetic power bank (IW-MAGX)")
    page.get_by_label("Purchase date").fill((timezone.localdate() - timedelta(days=60)).isoformat())
    page.get_by_label("Where did you buy it?").select_option(label="In a shop")
    page.get_by_label("Price paid").fill("64.99")
    page.get_by_label("It doesn't work properly (quality issue)").check()
    page.get_by_role("button", name="Continue").click()
    _answer(page, WARRANTY_ANSWERS)
    page.get_by_label("Describe the issue").fill("The magnet no longer holds the phone.")
    page.get_by_label(re.compile("Add files: Proof of purchase")).set_input_files(str(receipt))
    _wait_ready(page, "Proof of purchase: invoice or receipt (shop), order screenshot (online)", 1)
    page.get_by_role("button", name="Submit my claim").click()
    expect(page.locator("#submitted-confirmation")).to_be_visible()
    assert_accessible(page)
    claim = Claim.objects.get(offline_product__sku="IW-MAGX")
    assert claim.order is None and claim.offline_channel == "offline" and claim.evidence.get(slot_code="proof-of-purchase").kind == "document"


def test_more_information_needed_then_added(page, site, tmp_path):
    call_command("demo_load")
    claim = Claim.objects.get(order__number="IW-10045")
    assert claim.status == "needs_info"
    _open_order(page, site, "IW-10045")
    page.get_by_role("link", name=claim.reference).click()
    expect(page.get_by_role("heading", name="More information needed")).to_be_visible()
    expect(page.get_by_role("region", name="Messages")).to_contain_text("Could you add a short video of the charging light?")
    assert_accessible(page)
    page.get_by_role("button", name="Send the information").click()
    expect(page.get_by_text("Photos or videos of the issue: 1 more needed.")).to_be_visible()
    video = tmp_path / "light.mp4"
    _write_video(video)
    slot = page.locator(".evidence-slot").filter(has=page.get_by_role("heading", name="Photos or videos of the issue"))
    sent_before = slot.get_by_text("Ready").count()  # the files sent with the claim
    page.get_by_label("Add files: Photos or videos of the issue").set_input_files(str(video))
    _wait_ready(page, "Photos or videos of the issue", sent_before + 1)
    page.get_by_role("button", name="Send the information").click()
    expect(page.get_by_text("Thanks, we'll continue the review.")).to_be_visible()
    claim.refresh_from_db()
    assert claim.status == "submitted" and claim.review_due_at is not None


def test_bad_files_are_refused_with_their_reason_and_nothing_typed_is_lost(page, site, tmp_path, settings):
    settings.EVIDENCE_MAX_PHOTO_BYTES = 1024 * 1024  # the live server runs in this process
    _start_imirror_return(page, site)
    page.get_by_label("A brief reason for the return").fill("Too large for the hallway.")
    fake = tmp_path / "photo.jpg"
    fake.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    broken = tmp_path / "broken.jpg"
    Image.new("RGB", (800, 600), "red").save(broken, "JPEG")
    broken.write_bytes(broken.read_bytes()[:2000])
    huge = tmp_path / "huge.jpg"  # noise does not compress: about 2 MB, over the 1 MB cap
    Image.frombytes("RGB", (1280, 960), os.urandom(1280 * 960 * 3)).save(huge, "JPEG", quality=95)
    good = tmp_path / "good.jpg"
    Image.new("RGB", (1280, 960), "teal").save(good, "JPEG")
    slot = "Photos that clearly show all sides of the product"
    page.get_by_label(f"Add files: {slot}").set_input_files([str(good), str(fake), str(broken), str(huge)])
    box = page.locator(".evidence-slot").filter(has=page.get_by_role("heading", name=slot))
    expect(box.get_by_text("This file is a PDF document; this item needs a photo")).to_be_visible(timeout=30_000)
    expect(box.get_by_text("This photo is damaged or incomplete")).to_be_visible(timeout=30_000)
    expect(box.get_by_text("This file is larger than 1 MB, the most we accept for photo.")).to_be_visible(timeout=30_000)
    expect(box.get_by_text("Ready", exact=True)).to_have_count(1, timeout=30_000)  # the good one is kept
    # the same photo again (a second try, or to pad "photos of all sides"): counted once
    page.get_by_label(f"Add files: {slot}").set_input_files(str(good))
    expect(box.get_by_text(f"This file is already in “{slot}”: each file counts once.")).to_be_visible(timeout=30_000)
    expect(box.get_by_text("Ready", exact=True)).to_have_count(1)
    expect(page.get_by_label("A brief reason for the return")).to_have_value("Too large for the hallway.")
    assert_accessible(page)


def test_a_refused_photo_leaves_its_reason_and_no_preview(page, site, tmp_path):
    """The browser shows a picture of a chosen photo while it uploads. A damaged JPEG
    (which the browser still draws, garbled) and a PDF named .jpg (which it cannot draw)
    are refused by the check: only the reason stays, no preview of a file not kept."""
    box = _start_imirror_return(page, site)
    damaged = tmp_path / "damaged.jpg"
    Image.frombytes("RGB", (1280, 960), os.urandom(1280 * 960 * 3)).save(damaged, "JPEG", quality=70)
    damaged.write_bytes(_overwrite_with_garbage(damaged.read_bytes()))
    fake = tmp_path / "scan.jpg"
    fake.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    good = _photos(tmp_path, 1)[0]
    page.get_by_label(f"Add files: {SIDES}").set_input_files([str(damaged), str(fake), good])

    expect(box.get_by_text("This photo is damaged or incomplete")).to_be_visible(timeout=60_000)
    expect(box.get_by_text("This file is a PDF document; this item needs a photo")).to_be_visible(timeout=60_000)
    _wait_ready(page, SIDES, 1)
    for name in ("damaged.jpg", "scan.jpg"):
        item = box.locator(".evidence-file").filter(has_text=name)
        expect(item.get_by_role("button", name=f"Remove {name}")).to_be_visible()
        expect(item.locator("img")).to_have_count(0)
    # what pictures stay (the good photo's thumbnail) are shown, none broken
    images = box.locator("img")
    expect(images).to_have_count(1)
    page.wait_for_function("box => [...box.querySelectorAll('img')].every(img => img.complete)", arg=box.element_handle(), timeout=60_000)
    widths = images.evaluate_all("imgs => imgs.map(img => img.naturalWidth)")
    assert all(width > 0 for width in widths), widths
    assert_accessible(page)


def test_a_bundle_goes_back_complete_with_its_free_gift(page, site):
    call_command("demo_load", no_claims=True)
    _open_order(page, site, "KW-50002")  # a camera and an SD card sold as bundle B1, plus a free strap
    page.get_by_role("link", name="Start a claim").click()
    expect(page.locator("#sets-note")).to_contain_text("sold together as a bundle or came as a free gift")
    claim_units(page.get_by_label("Wi-Fi security camera"))
    page.get_by_label("I'm not satisfied / changed my mind").check()
    page.get_by_role("button", name="Continue").click()
    decision = page.get_by_test_id("decision")
    expect(decision).to_contain_text("a bundle goes back complete: add 1 × 32 GB microSD card to this claim")
    assert_accessible(page)

    # the wrong start is thrown away; the order page no longer offers it
    page.get_by_role("button", name="Discard this draft").click()
    expect(page.get_by_text("The draft is discarded.")).to_be_visible()
    expect(page.get_by_role("link", name="Draft — continue")).to_have_count(0)
    page.get_by_role("link", name="Start a claim").click()
    claim_units(page.get_by_label("Wi-Fi security camera"))
    claim_units(page.get_by_label("32 GB microSD card"))
    page.get_by_label("I'm not satisfied / changed my mind").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_test_id("decision")).to_contain_text("the free gift that came with what you are returning goes back too: add 1 × Camera mounting strap (gift)")

    page.get_by_role("link", name="Change the items or the reason").click()
    for item in ("Wi-Fi security camera", "32 GB microSD card", "Camera mounting strap (gift)"):
        claim_units(page.get_by_label(item))
    page.get_by_label("I'm not satisfied / changed my mind").check()
    page.get_by_role("button", name="Continue").click()
    _answer(page, {"Is the product in mint condition (no marks, no wear)?": "Yes", "Is the product unused?": "Yes"})
    expect(page.get_by_test_id("decision")).to_contain_text("you can claim")
    expect(page.get_by_role("button", name="Submit my claim")).to_be_visible()


def test_rejected_then_appealed_with_a_photo_where_the_rule_asks_for_none(page, site, tmp_path):
    from claims.services import claim_reject
    from tests.claims.conftest import staff

    call_command("demo_load", no_claims=True)
    _open_order(page, site, "KW-50001")
    page.get_by_role("link", name="Start a claim").click()
    page.get_by_label("I'm not satisfied / changed my mind").check()
    page.get_by_role("button", name="Continue").click()
    _answer(page, {"Is the product in mint condition (no marks, no wear)?": "Yes", "Is the product unused?": "Yes"})
    page.get_by_role("button", name="Submit my claim").click()
    expect(page.locator("#submitted-confirmation")).to_be_visible()
    claim = Claim.objects.get(order__number="KW-50001")
    claim_reject(claim_id=claim.pk, actor=staff("reviewer@kwoking.demo.example"), reason="Condition not met", message="The photos show wear.")

    page.reload()
    expect(page.get_by_text("Condition not met").first).to_be_visible()
    page.get_by_label("Why should we look again?").fill("It was never used; the box is still sealed.")
    page.get_by_role("button", name="Send my appeal").click()
    expect(page.get_by_text("Your appeal is in.")).to_be_visible()
    page.get_by_label("Add files: Anything else that supports your appeal").set_input_files(_photos(tmp_path, 1))
    _wait_ready(page, "Anything else that supports your appeal", 1)
    assert_accessible(page)
    claim.refresh_from_db()
    assert claim.status == "appealed" and claim.evidence.filter(slot_code="appeal", status="ready").count() == 1


def test_address_change_before_pick_up_reaches_staff_with_the_new_address(page, site):
    call_command("demo_load", no_claims=True)
    _open_order(page, site, "IM-81001")  # placed today, not yet picked up by the courier
    page.get_by_role("link", name="Start a claim").click()
    page.get_by_label("Change the delivery address").check()
    page.get_by_role("button", name="Continue").click()
    decision = page.get_by_test_id("decision")
    expect(decision).to_contain_text("Possible until the carrier picks your parcel up.")
    expect(page.get_by_text("Name, street and number, city, state and ZIP code.")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("The new delivery address").fill("Sam Shopper\n500 Harbor Blvd\nBrooklyn, NY 11201")
    page.get_by_role("button", name="Submit my claim").click()
    expect(page.locator("#submitted-confirmation")).to_be_visible()
    claim = Claim.objects.get(order__number="IM-81001")
    assert claim.rule_code == "change-address" and "500 Harbor Blvd" in claim.texts["new-address"]

    # the reviewer reads the new address on the claim page in the admin
    _admin_login(page, site, "reviewer@imirror.demo.example")
    page.goto(f"{site.url}/admin/claims/claim/{claim.pk}/change/")
    asked = page.get_by_test_id("shopper-words")  # the workspace's "The shopper's words", beside the evidence
    expect(asked).to_contain_text("The new delivery address")
    expect(asked).to_contain_text("500 Harbor Blvd")
