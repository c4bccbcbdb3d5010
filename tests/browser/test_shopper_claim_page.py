"""The claim page and the upload area as a person uses them: a signed-in shopper finds
the claim under "My claims" (its order offers no second claim for the same unit),
writes to the store (the form sent twice at once makes one message), reads the answer
and withdraws the claim after confirming (the unit is free again); files dropped on a
slot upload with a preview and a progress bar that moves; a photo uploaded while the
queue is down is kept, the page says so, and it turns ready once the queue is back;
the return slip prints on one page without the site's header. Every page is
axe-checked."""

import base64
import io
import os
import re
from datetime import timedelta
from unittest import mock

import pytest
from django.core.management import call_command
from django.utils import timezone
from kombu.exceptions import OperationalError
from PIL import Image
from playwright.sync_api import expect

from claims.evidence import REDISPATCH_AFTER, evidence_redispatch_stuck
from claims.models import Claim, ClaimMessage, EvidenceFile
from claims.services import claim_message
from demo.services import DEMO_PASSWORD
from tests.browser.conftest import assert_accessible
from tests.browser.test_shopper_claim import SIDES, _open_order, _start_imirror_return, _wait_ready
from tests.claims.conftest import staff

pytestmark = pytest.mark.browser

SHOPPER = "shopper@demo.example"


def _sign_in(page, site, email):
    page.goto(f"{site.url}/account/login/")
    page.get_by_role("textbox", name=re.compile("^Email")).fill(email)
    page.get_by_role("textbox", name=re.compile("^Password")).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign In").click()


def test_signed_in_shopper_writes_from_my_claims_reads_the_answer_and_withdraws(page, site):
    call_command("demo_load")
    claim = Claim.objects.select_related("store", "order").get(order__number="IW-10010")  # its one unit
    assert claim.status == "submitted" and claim.shopper_email == SHOPPER
    _sign_in(page, site, SHOPPER)
    page.get_by_role("link", name="My orders and claims").click()
    expect(page.get_by_role("heading", name="My claims")).to_be_visible()
    assert_accessible(page)
    # its order: everything is in this claim, so no new claim is offered
    page.get_by_role("link", name=re.compile(f"Order {claim.order.number}")).click()
    expect(page.get_by_text("Everything in this order is already in a claim.")).to_be_visible()
    expect(page.get_by_role("link", name="Start a claim")).to_have_count(0)
    page.get_by_role("link", name=claim.reference).click()
    expect(page.get_by_role("heading", name=f"Claim {claim.reference}")).to_be_visible()
    expect(page.get_by_text("We're reviewing your claim and will e-mail you the decision.")).to_be_visible()

    # the form sent twice at once (a double click, a request resent by a flaky network):
    # both posts reach the server, one message is kept
    page.get_by_label("Write to us").fill("Can I drop the parcel at a post office?")
    statuses = page.evaluate(
        """async () => {
            const form = document.getElementById("message-body").form;
            const send = () => fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin" });
            const answers = await Promise.all([send(), send()]);
            return answers.map((answer) => answer.status);
        }"""
    )
    assert statuses == [200, 200]  # each redirected to the claim page
    page.reload()
    messages = page.get_by_role("region", name="Messages")
    expect(messages).to_contain_text("Can I drop the parcel at a post office?")
    expect(messages.get_by_text("Can I drop the parcel at a post office?")).to_have_count(1)
    assert ClaimMessage.objects.filter(claim=claim, body="Can I drop the parcel at a post office?").count() == 1
    assert_accessible(page)

    claim_message(claim_id=claim.pk, actor=staff(f"reviewer@{claim.store.slug}.demo.example"), body="Yes, any post office will do.")
    page.reload()
    expect(messages).to_contain_text("Yes, any post office will do.")
    expect(messages).to_contain_text(claim.store.name)

    # withdrawing asks first: one click opens the confirmation, nothing is withdrawn yet
    page.get_by_text("Withdraw this claim…").click()
    confirm = page.get_by_role("button", name="Yes, withdraw this claim")
    expect(confirm).to_be_visible()
    claim.refresh_from_db()
    assert claim.status == "submitted"
    assert_accessible(page)
    page.get_by_label("Why are you withdrawing it? (optional)").fill("Found a place for it after all.")
    confirm.click()
    expect(page.get_by_text("Your claim is withdrawn.")).to_be_visible()
    expect(page.get_by_text("Withdraw this claim…")).to_have_count(0)
    expect(page.get_by_label("Write to us")).to_be_visible()  # still possible to write
    claim.refresh_from_db()
    assert claim.status == "withdrawn"
    assert claim.events.filter(to_status="withdrawn", note="Found a place for it after all.").exists()
    page.get_by_role("link", name="My orders and claims").click()
    expect(page.get_by_role("link", name=re.compile(claim.reference))).to_contain_text("Withdrawn")
    # the unit is free again: the order offers a new claim
    page.get_by_role("link", name=re.compile(f"Order {claim.order.number}")).click()
    expect(page.get_by_role("link", name="Start a claim")).to_be_visible()


def _noise_jpeg(size=(900, 700)) -> bytes:
    """About 500 KB that does not compress: an upload long enough to watch."""
    out = io.BytesIO()
    Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3)).save(out, "JPEG", quality=90)
    return out.getvalue()


def test_a_photo_dropped_on_a_slot_shows_a_preview_and_its_progress(page, site):
    slot = _start_imirror_return(page, site)
    slot_label = SIDES
    # a slow uplink (DevTools network throttling, ~100 KB/s) so the bar can be seen moving
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 20, "downloadThroughput": -1, "uploadThroughput": 100 * 1024},
    )
    transfer = page.evaluate_handle(
        """([data, name]) => {
            const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
            const transfer = new DataTransfer();
            transfer.items.add(new File([bytes], name, { type: "image/jpeg" }));
            return transfer;
        }""",
        [base64.b64encode(_noise_jpeg()).decode(), "hallway.jpg"],
    )
    drop_zone = slot.locator(".upload-drop")
    drop_zone.dispatch_event("dragenter", {"dataTransfer": transfer})
    expect(drop_zone).to_have_class(re.compile("border-primary"))  # the zone shows it takes the drop
    drop_zone.dispatch_event("drop", {"dataTransfer": transfer})
    expect(slot.get_by_role("img", name="hallway.jpg")).to_be_visible()  # the preview, before the upload ends
    bar = slot.get_by_role("progressbar", name="Uploading hallway.jpg")
    expect(bar).to_have_attribute("aria-valuenow", re.compile(r"^[1-9][0-9]?$"), timeout=60_000)  # part way
    assert_accessible(page)
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})
    expect(bar).to_have_count(0, timeout=30_000)
    _wait_ready(page, slot_label, 1)
    claim = Claim.objects.get(order__number="IM-80010", status="draft")
    assert list(claim.evidence.values_list("original_name", "status")) == [("hallway.jpg", "ready")]


def test_the_return_slip_prints_on_one_page_without_the_site_around_it(page, site):
    call_command("demo_load")
    claim = Claim.objects.get(order__number="IM-80010")
    _open_order(page, site, "IM-80010")
    page.get_by_role("link", name=claim.reference).click()
    page.get_by_role("link", name="Print the return slip").click()
    expect(page.locator(".rma-number")).to_have_text(claim.rma_number)
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.get_by_role("button", name="Print")).to_be_hidden()
    expect(page.get_by_role("link", name="Back to the claim")).to_be_hidden()
    expect(page.locator(".rma-number")).to_be_visible()
    expect(page.get_by_role("img", name=f"QR code of {claim.rma_number}")).to_be_visible()
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1, "the slip takes more than one A4 page"
    page.emulate_media(media="screen")
    assert_accessible(page)


def _tick_until(page, locator, step_ms: int, steps: int = 600) -> None:
    """Move the page's clock on until `locator` shows (each step fires the page's due
    timers; its status requests are real and answered by the live server)."""
    for _ in range(steps):
        if locator.count() and locator.first.is_visible():
            return
        page.clock.run_for(step_ms)
        page.wait_for_timeout(60)  # Playwright's own wait, not the page's clock
    expect(locator.first).to_be_visible(timeout=1)


def test_a_photo_uploaded_while_the_queue_is_down_is_kept_then_checked_once_it_is_back(page, site, tmp_path):
    """Redis refuses the check's message at upload time: the file is kept, the page says
    so after half a minute instead of spinning for ever, and once the queue is back the
    minute sweep queues the check again and the page shows the photo ready."""
    page.clock.install()  # the page's timers run on a clock this test moves on
    slot = _start_imirror_return(page, site)
    photo = tmp_path / "front.jpg"
    Image.new("RGB", (1280, 960), "navy").save(photo, "JPEG")
    down = OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
    with mock.patch("claims.tasks.evidence_process_task.delay", side_effect=down):
        page.get_by_label(f"Add files: {SIDES}").set_input_files(str(photo))
        expect(slot.get_by_text("Checking…")).to_be_visible()
        _tick_until(page, slot.get_by_text(re.compile("^Still checking… .* The file is saved: you can leave this page and come back.$")), 1000)
    assert_accessible(page)
    item = EvidenceFile.objects.get(original_name="front.jpg")
    assert item.status == "processing" and item.incoming  # kept, waiting for its check

    # the queue is back: the minute sweep, three minutes on, queues the check again
    assert evidence_redispatch_stuck(now=timezone.now() + REDISPATCH_AFTER + timedelta(seconds=5))["requeued"] == 1
    _tick_until(page, slot.get_by_text("Ready", exact=True), 5000)
    expect(slot.get_by_role("img", name="front.jpg")).to_be_visible()
