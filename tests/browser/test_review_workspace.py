"""The claim's admin page is the reviewer's workspace (issue 16): the evidence viewer
beside what the decision needs, the decision panels posting to the claim's action view
(one write path), "Save and open the next claim", and the keyboard (j/k, a/r/i, ?).
At 1440 × 900, axe-checked.

WORKSPACE_EFFORT_REPORT=<file> appends the page height and the effort from the queue to
an approval (clicks, key presses, page loads) as JSON lines."""

import io
import json
import os
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from PIL import Image
from playwright.sync_api import Locator, expect

from tests.browser.conftest import assert_accessible
from tests.browser.test_claim_actions import _admin_login
from tests.claims.test_media import _write_video
from tests.factories import OrderFactory, OrderLineFactory

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1440, "height": 900}
CLICK_ACTIONS = ("click", "check", "uncheck", "select_option", "fill")


class Effort:
    """Clicks (a click, a check, a choice, a field filled), key presses and page loads,
    as the phone journeys' effort counter counts taps."""

    def __init__(self, page, monkeypatch):
        self.clicks = self.keys = self.loads = 0
        self.counting = False
        page.on("load", self._loaded)
        for action in CLICK_ACTIONS:
            monkeypatch.setattr(Locator, action, self._counted(getattr(Locator, action)))
        original_press = type(page.keyboard).press

        def press(keyboard, *args, **kwargs):
            if self.counting:
                self.keys += 1
            return original_press(keyboard, *args, **kwargs)

        monkeypatch.setattr(type(page.keyboard), "press", press)

    def _loaded(self, _page) -> None:
        if self.counting:
            self.loads += 1

    def _counted(self, original):
        effort = self

        def action(locator, *args, **kwargs):
            if effort.counting:
                effort.clicks += 1
            return original(locator, *args, **kwargs)

        return action

    def report(self, **row) -> dict:
        row = {**row, "clicks": self.clicks, "keys": self.keys, "page_loads": self.loads}
        path = os.environ.get("WORKSPACE_EFFORT_REPORT")
        if path:
            with open(path, "a", encoding="utf-8") as out:
                out.write(json.dumps(row) + "\n")
        return row


def _submitted_iwalk_claims(count: int):
    """`count` iWALK claims waiting for review: the demo's IW-10010 and changed-mind
    returns of new orders delivered 8 days ago, submitted through the services."""
    from claims import services
    from claims.actors import shopper_actor
    from claims.models import Claim
    from orders.models import Product, Store

    store = Store.objects.get(slug="iwalk")
    product = Claim.objects.get(order__number="IW-10010").lines.get().order_line.product
    assert isinstance(product, Product)
    claims = [Claim.objects.get(order__number="IW-10010")]
    for n in range(count - 1):
        line = OrderLineFactory(
            order=OrderFactory(store=store, number=f"IW-9{n:04d}", customer_email=f"buyer{n}@example.com"),
            product=product,
        )
        shopper = shopper_actor(email=line.order.customer_email)
        claim = services.claim_start(
            store=store, actor=shopper, reason_code="changed-mind", order=line.order, lines=[(line, 1)]
        )
        services.claim_update_draft(
            claim_id=claim.pk, actor=shopper, answers={"unopened": True}, preferred_outcome="refund"
        )
        claims.append(services.claim_submit(claim_id=claim.pk, actor=shopper))
    return claims


def _on_claim(page, claim) -> None:
    """The claim's workspace is shown and its keyboard handling is ready."""
    expect(page.get_by_test_id("claim-facts")).to_contain_text(claim.reference)
    expect(page.locator(".claim-workspace[data-keyboard=ready]")).to_have_count(1)


def _queue_order(claims):
    from claims.models import Claim

    return list(Claim.objects.filter(pk__in=[c.pk for c in claims]).order_by("next_due_at", "pk"))


def test_reviewer_decides_five_claims_in_a_row_with_the_keyboard(page, site, monkeypatch):
    call_command("demo_load")
    from claims.models import Claim, ClaimEvent

    claims = _queue_order(_submitted_iwalk_claims(5))
    page.set_viewport_size(DESKTOP)
    _admin_login(page, site, "reviewer@iwalk.demo.example")
    page.goto(f"{site.url}/admin/claims/claim/?status__exact=submitted")
    effort = Effort(page, monkeypatch)
    effort.counting = True
    page.get_by_role("link", name=re.compile(claims[0].reference)).click()
    expect(page.get_by_role("heading", name="What you can do now")).to_be_visible()
    page.wait_for_load_state("load")
    _on_claim(page, claims[0])
    effort.counting = False  # the effort of the approval itself resumes at "a" below

    # the evidence and the decision on one screen, without scrolling
    viewer = page.get_by_test_id("evidence-viewer")
    assert viewer.bounding_box()["y"] < DESKTOP["height"] / 2
    assert page.get_by_test_id("claim-actions").bounding_box()["y"] < DESKTOP["height"] / 2
    expect(page.get_by_test_id("answers")).to_contain_text("Is the product still unopened")
    height = page.evaluate("document.documentElement.scrollHeight")
    assert_accessible(page)

    # j / k: the next and previous claims of the queue as filtered, not when typing
    page.keyboard.press("j")
    _on_claim(page, claims[1])
    assert "_changelist_filters=status__exact%3Dsubmitted" in page.url
    page.keyboard.press("k")
    _on_claim(page, claims[0])
    page.keyboard.press("m")
    page.keyboard.type("just kidding")
    _on_claim(page, claims[0])
    expect(page.get_by_test_id("preview-message")).to_contain_text("just kidding")
    page.keyboard.press("Escape")
    page.locator("body").focus()
    page.evaluate("document.activeElement.blur()")

    # ? shows the help
    page.keyboard.press("?")
    help_dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(help_dialog).to_be_visible()
    assert_accessible(page)
    page.keyboard.press("Escape")
    expect(help_dialog).to_be_hidden()

    # a, Enter: approved as the shopper preferred; the next claim opens
    effort.counting = True
    page.keyboard.press("a")
    panel = page.get_by_test_id("panel-approve")
    expect(panel.get_by_role("button", name="Save and open the next claim")).to_be_focused()
    expect(panel.get_by_test_id("preview-approve")).to_contain_text(
        f"Claim {claims[0].reference} approved: your RMA number is"
    )
    assert_accessible(page)
    page.keyboard.press("Enter")
    _on_claim(page, claims[1])
    first = Claim.objects.get(pk=claims[0].pk)
    assert first.status == "approved_awaiting_return" and first.outcome == "refund"
    expect(page.locator("li.success")).to_contain_text(f"RMA number: {first.rma_number}")
    page.wait_for_load_state("load")
    effort.counting = False
    row = effort.report(what="queue to approval (workspace)", page_height=height)
    assert (row["clicks"], row["keys"], row["page_loads"]) == (1, 2, 2)

    # the second claim is rejected with the keyboard only: r, a reason, the message, Enter
    page.keyboard.press("r")
    expect(page.get_by_test_id("panel-reject").get_by_label(re.compile("^Reason"))).to_be_focused()
    page.keyboard.press("c")  # "Condition not met"
    page.keyboard.press("Tab")  # the store's canned replies come before the text box
    expect(page.get_by_test_id("panel-reject").get_by_label("Canned reply")).to_be_focused()
    page.keyboard.press("Tab")
    page.keyboard.type("The box has been opened.")
    preview = page.get_by_test_id("preview-reject")
    expect(preview).to_contain_text(f"Claim {claims[1].reference} was not approved")
    expect(preview).to_contain_text("Reason: Condition not met. You can appeal once")
    expect(preview).to_contain_text("The box has been opened.")
    assert_accessible(page)
    page.keyboard.press("Tab")
    expect(
        page.get_by_test_id("panel-reject").get_by_role("button", name="Save and open the next claim")
    ).to_be_focused()
    page.keyboard.press("Enter")
    _on_claim(page, claims[2])
    second = Claim.objects.get(pk=claims[1].pk)
    assert second.status == "rejected" and second.rejection_reason == "Condition not met"

    for claim, following in zip(claims[2:], [*claims[3:], None], strict=True):
        _on_claim(page, claim)
        page.keyboard.press("a")
        page.keyboard.press("Enter")
        if following is not None:
            _on_claim(page, following)
    # the queue is empty: back to it, saying so
    expect(page.get_by_text("There is no other claim in this queue.")).to_be_visible()
    assert "status__exact=submitted" in page.url
    for claim in claims:
        claim.refresh_from_db()
        assert claim.status in ("approved_awaiting_return", "rejected")
        assert (
            ClaimEvent.objects.filter(claim=claim, action__in=["approve_return", "approve_no_return", "reject"]).count()
            == 1
        )


def _photo(colour: str, label: str) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (2400, 1600), colour).save(buffer, "JPEG", quality=85)
    return SimpleUploadedFile(f"{label}.jpg", buffer.getvalue(), content_type="image/jpeg")


def _claim_with_photos_and_a_video(tmp_path):
    """The demo's iWALK warranty claim waiting for more information (one photo), with two
    more photos and a video added by the shopper (processed as the worker does)."""
    from claims.actors import shopper_actor
    from claims.evidence import evidence_add, evidence_process
    from claims.models import Claim, EvidenceFile

    claim = Claim.objects.get(order__number="IW-10045")
    shopper = shopper_actor(email=claim.shopper_email)
    video_path = tmp_path / "charging-light.mp4"
    _write_video(video_path, size=(320, 240), frames=30)
    uploads = [
        _photo("#7a3b8f", "charger-side"),
        _photo("#0f766e", "charger-top"),
        SimpleUploadedFile("charging-light.mp4", video_path.read_bytes(), content_type="video/mp4"),
    ]
    for upload in uploads:
        item = evidence_add(claim_id=claim.pk, actor=shopper, slot_code="photos-videos", upload=upload)
        assert evidence_process(evidence_id=item.pk) == EvidenceFile.Status.READY
    return claim


def test_evidence_viewer_zooms_pages_with_the_arrow_keys_and_plays_a_video(page, site, tmp_path):
    call_command("demo_load")
    from claims.models import EvidenceFile

    claim = _claim_with_photos_and_a_video(tmp_path)
    page.set_viewport_size(DESKTOP)
    _admin_login(page, site, "reviewer@iwalk.demo.example")
    page.goto(f"{site.url}/admin/claims/claim/{claim.pk}/change/")
    _on_claim(page, claim)
    viewer = page.get_by_test_id("evidence-viewer")
    items = viewer.get_by_test_id("evidence-item")
    expect(items).to_have_count(4)
    shown = viewer.locator(".ws-item:not([hidden])")
    expect(shown).to_contain_text("Photos or videos of the issue")
    expect(shown).to_contain_text("1 of 4")
    photo = shown.get_by_role("img")
    expect(photo).to_have_js_property("complete", True)
    # a resized rendition through the access-checked view, not the 2400 px original
    assert re.search(r"/evidence/\d+/view/$", photo.get_attribute("src"))
    assert page.evaluate("(img) => img.naturalWidth", photo.element_handle()) <= 1600
    # made once on this first view and kept privately: the next views read it
    from claims.evidence import evidence_view_rendition_name

    shown_item = EvidenceFile.objects.get(pk=re.search(r"/evidence/(\d+)/view/", photo.get_attribute("src")).group(1))
    assert shown_item.file.storage.exists(evidence_view_rendition_name(item=shown_item))
    fitted = photo.bounding_box()["width"]
    assert_accessible(page)

    # zoom: the + key, the buttons, a click on the photo
    page.keyboard.press("+")
    expect(viewer.get_by_test_id("zoom-level")).to_have_text("150 %")
    assert photo.bounding_box()["width"] > fitted * 1.4
    viewer.get_by_role("button", name="Zoom in").click()
    expect(viewer.get_by_test_id("zoom-level")).to_have_text("200 %")
    viewer.get_by_role("button", name="Fit").click()
    expect(viewer.get_by_test_id("zoom-level")).to_have_text("100 %")
    photo.click()
    expect(viewer.get_by_test_id("zoom-level")).to_have_text("200 %")
    page.keyboard.press("-")
    expect(viewer.get_by_test_id("zoom-level")).to_have_text("150 %")

    # → and ←: the next and previous files, round the strip
    page.keyboard.press("ArrowRight")
    expect(shown).to_contain_text("2 of 4")
    expect(viewer.get_by_test_id("zoom-level")).to_have_text("100 %")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    expect(shown).to_contain_text("4 of 4")
    video = viewer.get_by_test_id("evidence-video")
    expect(video).to_be_visible()
    assert_accessible(page)
    page.evaluate("(v) => v.play()", video.element_handle())
    page.wait_for_function("(v) => v.currentTime > 0", arg=video.element_handle())
    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("ArrowLeft")
    expect(shown).to_contain_text("3 of 4")
    assert page.evaluate("(v) => v.paused", video.element_handle())
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    expect(shown).to_contain_text("1 of 4")
    # the thumbnail strip selects a file too
    viewer.get_by_role("button", name=re.compile("charging-light.mp4")).click()
    expect(shown).to_contain_text("4 of 4")
    assert EvidenceFile.objects.filter(claim=claim, status="ready").count() == 4


def test_another_stores_staff_cannot_open_the_workspace_or_its_evidence(page, site, tmp_path):
    call_command("demo_load")
    claim = _claim_with_photos_and_a_video(tmp_path)
    photo = claim.evidence.filter(status="ready", kind="photo").first()
    video = claim.evidence.filter(status="ready", kind="video").first()
    page.set_viewport_size(DESKTOP)
    _admin_login(page, site, "reviewer@kwoking.demo.example")
    page.goto(f"{site.url}/admin/claims/claim/{claim.pk}/change/")
    expect(page.get_by_test_id("evidence-viewer")).to_have_count(0)
    expect(page.get_by_text(claim.reference)).to_have_count(0)
    for url in (
        f"/evidence/{photo.pk}/view/",
        f"/evidence/{photo.pk}/file/",
        f"/evidence/{video.pk}/file/",
        f"/evidence/{video.pk}/thumb/",
    ):
        assert page.goto(f"{site.url}{url}").status == 404, url
    response = page.goto(f"{site.url}/admin/claims/claim/{claim.pk}/act/message/?version={claim.row_version}")
    assert response.status == 404


def test_j_and_k_follow_the_column_the_reviewer_sorted_the_queue_by(page, site):
    """Sorted by the shopper's e-mail (descending, by clicking its header twice), j opens
    the claim listed below in the queue and k the one above, not the next by clock."""
    call_command("demo_load")
    from claims.models import Claim

    claims = _submitted_iwalk_claims(4)
    emails = ["bea@example.com", "zoe@example.com", "amy@example.com", "kai@example.com"]
    for claim, email in zip(claims, emails, strict=True):
        Claim.objects.filter(pk=claim.pk).update(shopper_email=email)
    by_email = sorted(claims, key=lambda c: emails[claims.index(c)], reverse=True)
    assert [c.pk for c in by_email] != [c.pk for c in _queue_order(claims)]
    page.set_viewport_size(DESKTOP)
    _admin_login(page, site, "reviewer@iwalk.demo.example")
    page.goto(f"{site.url}/admin/claims/claim/?status__exact=submitted")
    header = page.locator("th.column-shopper_email")
    header.get_by_role("link", name=re.compile("shopper", re.I)).first.click()
    page.wait_for_url(re.compile(r"o=3"))
    page.locator("th.column-shopper_email").get_by_role("link", name=re.compile("shopper", re.I)).first.click()
    page.wait_for_url(re.compile(r"o=-3"))
    rows = page.locator("#result_list tbody tr")
    expect(rows.first).to_contain_text("zoe@example.com")
    page.get_by_role("link", name=re.compile(by_email[0].reference)).click()
    _on_claim(page, by_email[0])
    for claim in by_email[1:]:
        page.keyboard.press("j")
        _on_claim(page, claim)
    assert "o%3D-3" in page.url
    page.keyboard.press("k")
    _on_claim(page, by_email[2])
    assert_accessible(page)
