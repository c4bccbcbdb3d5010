"""The shopper's claim journey in a real browser: from the order page to a submitted
claim with evidence, on a phone-sized screen and with the keyboard alone; the decision
before any upload; the return slip and tracking; postage paid with its receipt.
axe-checked on every page."""

import re
import time
import uuid
from pathlib import Path

import pytest
from django.core.management import call_command
from PIL import Image
from playwright.sync_api import expect

from claims.models import Claim
from orders.guest_access import guest_token_make
from orders.models import Order
from tests.browser.claiming import claim_units
from tests.browser.conftest import CONTEXT_DEFAULTS, assert_accessible

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
# the IMIRROR 30-day return's condition questions, each answered "Yes" on the main path
IMIRROR_QUESTIONS = (
    "Is the mirror free of cracks, dents and scratches that would affect resale?",
    "Do you still have the original box?",
    "Are all items of the set present?",
    "Is the packaging undamaged?",
)


def _open_order(page, site, number):
    order = Order.objects.get(number=number)
    page.goto(f"{site.url}/s/{order.store.slug}/access/{guest_token_make(order=order)}/")
    page.get_by_role("button", name="Open my order").click()
    expect(page.get_by_role("heading", name=f"Order {number}")).to_be_visible()
    return order


def _photos(tmp_path: Path, count: int, size=(1280, 960)) -> list[str]:
    """New files each call: the browser reads a file when it uploads it, so a file must
    not be rewritten while an earlier upload may still be reading it."""
    paths = []
    for n in range(count):
        path = tmp_path / f"photo-{uuid.uuid4().hex[:8]}.jpg"
        image = Image.new("RGB", size, (40 * n % 255, 90, 160))
        image.putpixel((0, 0), tuple(uuid.uuid4().bytes[:3]))  # distinct bytes: the same file counts once per slot
        image.save(path, "JPEG")
        paths.append(str(path))
    return paths


def _wait_ready(page, slot_label, count):
    """Wait until the slot shows `count` files checked by the worker; on failure, say
    what the slot shows (a refusal reason, an upload error, still checking)."""
    slot = page.locator(".evidence-slot").filter(has=page.get_by_role("heading", name=slot_label))
    try:
        expect(slot.get_by_text("Ready")).to_have_count(count, timeout=60_000)
    except AssertionError as exc:
        raise AssertionError(f"{slot_label}: {slot.inner_text()}") from exc


SIDES = "Photos that clearly show all sides of the product"


def _start_imirror_return(page, site):
    """From the demo's IMIRROR order to a draft return of the mirror ("not satisfied"); returns
    the slot for photos of all sides."""
    call_command("demo_load", no_claims=True)
    _open_order(page, site, "IM-80010")
    page.get_by_role("link", name="Start a claim").click()
    claim_units(page.get_by_label("IMIRROR Smart Mirror 32\""))
    page.get_by_label("I'm not satisfied (any reason)").check()
    page.get_by_role("button", name="Continue").click()
    # the evidence step opens once the questions are answered and the claim can go ahead
    for question in IMIRROR_QUESTIONS:
        page.get_by_role("group", name=question).get_by_label("Yes").check()
    page.get_by_role("button", name="Update what I can claim").click()
    expect(page.get_by_test_id("decision")).to_contain_text("You can claim under “30-day return”")
    return page.locator(".evidence-slot").filter(has=page.get_by_role("heading", name=SIDES))


@pytest.fixture
def phone(browser, site):
    context = browser.new_context(**PHONE, **CONTEXT_DEFAULTS)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_imirror_return_from_order_to_submitted_claim_on_a_phone(phone, site, tmp_path):
    call_command("demo_load", no_claims=True)
    page = phone
    _open_order(page, site, "IM-80010")
    page.get_by_role("link", name="Start a claim").click()
    assert_accessible(page)
    claim_units(page.get_by_label("IMIRROR Smart Mirror 32\""))
    page.get_by_label("I'm not satisfied (any reason)").check()
    page.get_by_role("button", name="Continue").click()

    decision = page.get_by_test_id("decision")
    expect(decision).to_contain_text("30-day return")
    expect(decision).to_contain_text("Claim by")
    expect(decision).to_contain_text("Refund estimate")
    assert_accessible(page)

    for question in IMIRROR_QUESTIONS:
        page.get_by_role("group", name=question).get_by_label("Yes").check()
    page.get_by_role("button", name="Update what I can claim").click()
    # the last answer's save has come back (not a passage of the first panel)
    expect(page.get_by_test_id("decision")).to_contain_text("You can claim under “30-day return”")

    sides = page.locator(".evidence-slot").filter(has=page.get_by_role("heading", name="Photos that clearly show all sides of the product"))
    expect(sides).to_contain_text("4 more needed")
    page.get_by_label("Add files: Photos that clearly show all sides of the product").set_input_files(_photos(tmp_path, 4))
    _wait_ready(page, "Photos that clearly show all sides of the product", 4)
    expect(sides).to_contain_text("✓ Complete")  # counted as the files are checked
    page.get_by_label("Add files: A photo of the complete accessory set").set_input_files(_photos(tmp_path, 1))
    _wait_ready(page, "A photo of the complete accessory set", 1)
    page.get_by_label("A brief reason for the return").fill("Too large for our hallway.")

    # submitting with a slot missing says exactly what is missing, and keeps the text
    page.get_by_role("button", name="Submit my claim").click()
    expect(page.locator("#submit-problems")).to_contain_text("Photos of the original packaging: 1 more needed.")
    expect(page.get_by_label("A brief reason for the return")).to_have_value("Too large for our hallway.")
    assert_accessible(page)

    page.get_by_label("Add files: Photos of the original packaging").set_input_files(_photos(tmp_path, 1))
    _wait_ready(page, "Photos of the original packaging", 1)
    page.get_by_role("button", name="Submit my claim").click()
    expect(page.locator("#submitted-confirmation")).to_contain_text("submitted")
    expect(page.get_by_text("We decide by")).to_be_visible()
    assert_accessible(page)
    claim = Claim.objects.get(order__number="IM-80010")
    assert claim.status == "submitted" and re.fullmatch(r"CLM-[A-Z0-9]{6}", claim.reference)
    assert claim.evidence.filter(status="ready").count() == 6


def test_ineligible_request_shows_why_and_the_warranty_alternative(page, site):
    call_command("demo_load", no_claims=True)
    _open_order(page, site, "IM-90020")  # bought on Kickstarter
    page.get_by_role("link", name="Start a claim").click()
    page.get_by_label("I'm not satisfied (any reason)").check()
    page.get_by_role("button", name="Continue").click()
    decision = page.get_by_test_id("decision")
    expect(decision).to_contain_text("crowdfunding (Kickstarter, Indiegogo) are not covered")
    expect(decision).to_contain_text("so you can still file a warranty claim")
    expect(page.get_by_role("link", name="Change the items or the reason")).to_be_visible()
    assert_accessible(page)


def test_approved_return_prints_the_slip_and_takes_tracking(page, site):
    call_command("demo_load")
    claim = Claim.objects.get(order__number="IM-80010")
    _open_order(page, site, "IM-80010")
    page.get_by_role("link", name=claim.reference).click()
    expect(page.get_by_text(claim.rma_number).first).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Print the return slip").click()
    expect(page.locator(".rma-number")).to_have_text(claim.rma_number)
    expect(page.get_by_role("img", name=f"QR code of {claim.rma_number}")).to_be_visible()
    expect(page.get_by_text("The original box, packed as it arrived")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Back to the claim").click()
    page.get_by_label("Carrier").select_option("UPS")
    page.get_by_role("textbox", name="Tracking number").fill("12345")
    page.get_by_role("button", name="Save tracking number").click()
    expect(page.get_by_text("This doesn't look like a UPS tracking number")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("textbox", name="Tracking number").fill("1Z999AA10123456784")
    page.get_by_role("button", name="Save tracking number").click()
    expect(page.get_by_text("Return in transit").first).to_be_visible()
    claim.refresh_from_db()
    assert claim.status == "in_transit" and claim.return_tracking_number == "1Z999AA10123456784"


def test_postage_paid_is_sent_with_its_receipt(page, site, tmp_path):
    from claims.services import claim_approve
    from tests.claims.conftest import staff, submitted_claim

    call_command("demo_load", no_claims=True)
    claim = submitted_claim("IW-10001", "not-working", answers={"unopened": True}, preferred="replacement")
    claim = claim_approve(claim_id=claim.pk, actor=staff("reviewer@iwalk.demo.example"), outcome=None)
    _open_order(page, site, "IW-10001")
    page.get_by_role("link", name=claim.reference).click()
    expect(page.get_by_role("heading", name="Receipt for the return postage")).to_be_visible()

    page.get_by_label("Carrier").select_option("USPS")
    page.get_by_role("textbox", name="Tracking number").fill("9400 1118 9922 3197 4284 90")
    page.get_by_role("textbox", name="Postage you paid (USD)").fill("18.40")
    page.get_by_role("button", name="Save tracking number").click()
    expect(page.get_by_text("Add the receipt for the postage you paid")).to_be_visible()
    expect(page.get_by_role("textbox", name="Postage you paid (USD)")).to_have_value("18.40")
    expect(page.get_by_role("textbox", name="Tracking number")).to_have_value("9400 1118 9922 3197 4284 90")
    assert_accessible(page)

    page.get_by_label("Add files: Receipt for the return postage").set_input_files(_photos(tmp_path, 1))
    _wait_ready(page, "Receipt for the return postage", 1)
    page.get_by_role("button", name="Save tracking number").click()
    expect(page.get_by_text("Return in transit").first).to_be_visible()
    claim.refresh_from_db()
    assert claim.status == "in_transit" and str(claim.postage_paid) == "18.40"
    assert claim.evidence.filter(slot_code="postage-receipt", status="ready").count() == 1


def test_the_main_path_with_the_keyboard_alone(page, site, tmp_path):
    """Order page to submitted claim with evidence, pressing keys only: links and
    buttons with Enter, radios with Space, the file pickers opened from the keyboard."""
    call_command("demo_load", no_claims=True)
    # One listener for the whole test keeps Playwright's file-chooser interception on:
    # a listener per picker switches it off and on again with un-awaited messages,
    # and under load the next picker could open un-intercepted (no event, a timeout).
    page.on("filechooser", lambda chooser: None)
    _open_order(page, site, "IM-80010")
    page.get_by_role("link", name="Start a claim").focus()
    page.keyboard.press("Enter")
    page.get_by_label("IMIRROR Smart Mirror 32\"").focus()
    page.keyboard.press("Space")  # its one unit: a checkbox
    page.get_by_label("I'm not satisfied (any reason)").focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Continue").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("decision")).to_contain_text("30-day return")

    for question in IMIRROR_QUESTIONS:
        page.get_by_role("group", name=question).get_by_label("Yes").focus()
        page.keyboard.press("Space")
    # the last answer's save has come back (not a passage of the first panel)
    expect(page.get_by_test_id("decision")).to_contain_text("You can claim under “30-day return”")

    for slot, count in (
        ("Photos that clearly show all sides of the product", 4),
        ("A photo of the complete accessory set", 1),
        ("Photos of the original packaging", 1),
    ):
        picker = page.get_by_label(f"Add files: {slot}")
        picker.focus()
        expect(picker).to_be_focused()
        with page.expect_file_chooser() as chooser:
            page.keyboard.press("Space")
        chooser.value.set_files(_photos(tmp_path, count))
        _wait_ready(page, slot, count)
    page.get_by_label("A brief reason for the return").focus()
    page.keyboard.type("Too large for our hallway.")
    page.get_by_role("button", name="Submit my claim").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#submitted-confirmation")).to_contain_text("submitted")
    assert Claim.objects.get(order__number="IM-80010").evidence.filter(status="ready").count() == 6


@pytest.fixture
def no_js(browser, site):
    context = browser.new_context(**CONTEXT_DEFAULTS, java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def _assert_accessible_as_rendered(page, browser):
    """axe needs JavaScript, which this page's context has off: check the page as it was
    rendered (what <noscript> shows included, our scripts left out) in another context,
    with the portal's stylesheets, so colours and contrast are the real ones.

    The copy is served at the page's own address (the route answers the navigation,
    the live server the stylesheets): ``set_content`` on about:blank does not reliably
    wait for the stylesheets, and axe then measures the browser's default blue links."""
    html = re.sub(r"<script\b[^>]*>.*?</script>", "", page.content(), flags=re.S)
    html = html.replace("<noscript>", "").replace("</noscript>", "")
    url = page.url.split("#")[0]  # a request's URL has no fragment
    context = browser.new_context(**CONTEXT_DEFAULTS)
    try:
        checker = context.new_page()
        checker.route(lambda address: address == url, lambda route: route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html))
        checker.goto(url, wait_until="load")
        assert checker.title() == page.title()  # the copy, not whatever the server gives a stranger
        checker.wait_for_function(
            "[...document.querySelectorAll('link[rel=stylesheet]')].every((link) => link.sheet && link.sheet.cssRules.length)"
        )
        assert_accessible(checker)
    finally:
        context.close()


def _slot(page, slot_label):
    return page.locator(".evidence-slot").filter(has=page.get_by_role("heading", name=slot_label))


def _check_again_until_ready(page, slot_label, count):
    """Without JavaScript nothing updates by itself: follow "Check again" as a shopper would."""
    slot = _slot(page, slot_label)
    deadline = time.monotonic() + 180  # a busy machine's worker may take long; ready is ready
    while time.monotonic() < deadline:
        if slot.get_by_text("Ready", exact=True).count() == count:
            return
        page.wait_for_timeout(500)
        check_again = slot.get_by_role("link", name="Check again")
        if check_again.count():
            check_again.first.click()
    raise AssertionError(f"{slot_label}: {slot.inner_text()}")


def test_the_main_path_without_javascript(no_js, browser, site, tmp_path):
    """Plain forms only: answers saved with the Update button, every Upload button sends
    the answers and the text with the files (nothing typed is lost), a file still being
    checked says so with a link to look again, and the claim is submitted."""
    call_command("demo_load", no_claims=True)
    page = no_js
    _open_order(page, site, "IM-80010")
    page.get_by_role("link", name="Start a claim").click()
    claim_units(page.get_by_label("IMIRROR Smart Mirror 32\""))
    page.get_by_label("I'm not satisfied (any reason)").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_test_id("decision")).to_contain_text("30-day return")
    for question in IMIRROR_QUESTIONS:
        page.get_by_role("group", name=question).get_by_label("Yes").check()
    page.get_by_role("button", name="Update what I can claim").click()
    expect(page.get_by_test_id("decision")).to_contain_text("You can claim under “30-day return”")

    # more files than one post may carry: a page that says so and leads back
    page.get_by_label("Add files: Photos that clearly show all sides of the product").set_input_files(_photos(tmp_path, 11, size=(64, 48)))
    _slot(page, "Photos that clearly show all sides of the product").get_by_role("button", name="Upload").click()
    expect(page.get_by_role("heading", name="Too many files at once")).to_be_visible()
    expect(page.get_by_text("Please send at most 10 files at a time.")).to_be_visible()
    _assert_accessible_as_rendered(page, browser)
    page.get_by_role("link", name="Back to the page you were on").click()
    expect(page.get_by_test_id("decision")).to_contain_text("You can claim under “30-day return”")

    # typed, then files chosen in two slots, then one Upload button: all of it arrives
    page.get_by_label("A brief reason for the return").fill("Too large for our hallway.")
    page.get_by_label("Add files: Photos that clearly show all sides of the product").set_input_files(_photos(tmp_path, 4))
    page.get_by_label("Add files: A photo of the complete accessory set").set_input_files(_photos(tmp_path, 1))
    _slot(page, "A photo of the complete accessory set").get_by_role("button", name="Upload").click()
    expect(page.get_by_text("uploaded; we're checking it now.")).to_have_count(5)
    expect(page.get_by_label("A brief reason for the return")).to_have_value("Too large for our hallway.")
    _assert_accessible_as_rendered(page, browser)
    _check_again_until_ready(page, "Photos that clearly show all sides of the product", 4)
    _check_again_until_ready(page, "A photo of the complete accessory set", 1)

    page.get_by_label("Add files: Photos of the original packaging").set_input_files(_photos(tmp_path, 1))
    _slot(page, "Photos of the original packaging").get_by_role("button", name="Upload").click()
    _check_again_until_ready(page, "Photos of the original packaging", 1)
    expect(page.get_by_role("group", name="Do you still have the original box?").get_by_label("Yes")).to_be_checked()
    page.get_by_role("button", name="Submit my claim").click()
    expect(page.locator("#submitted-confirmation")).to_contain_text("submitted")
    claim = Claim.objects.get(order__number="IM-80010")
    assert claim.evidence.filter(status="ready").count() == 6
    assert claim.texts and "Too large for our hallway." in claim.texts.values()
