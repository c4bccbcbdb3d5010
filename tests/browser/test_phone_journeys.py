"""The shopper-journey "done" criterion, once per launch brand: on a phone, a new shopper
goes from the order e-mail link to a submitted claim with photos and a video, and,
once staff approve it with a return, opens the claim from the approval e-mail, prints
the RMA slip and enters a tracking number, without help. Every page is axe-checked
and must fit the phone's width."""

import json
import os
import re
import time
from dataclasses import dataclass, field

import pytest
from django.core.management import call_command
from playwright.sync_api import Locator, expect

from accounts.models import User
from claims.actors import staff_actor
from claims.models import Claim
from claims.services import claim_approve
from tests.browser.claiming import claim_units
from tests.browser.conftest import CONTEXT_DEFAULTS, assert_accessible, link_in, wait_for_mail
from tests.browser.test_shopper_claim import PHONE, _photos, _wait_ready
from tests.browser.test_shopper_scenarios import WARRANTY_ANSWERS
from tests.claims.test_media import _write_video

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class Journey:
    slug: str
    order: str
    email: str
    item: str  # the product the shopper claims, as the claim form labels its line
    quantity: str
    reason: str
    rule: str  # the rule the decision must offer
    media_slot: str  # a slot taking photos and videos: it gets both
    photo_slots: dict[str, int] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)
    answers: dict[str, str] = field(default_factory=dict)
    preferred: str | None = None
    staff_outcome: str | None = None  # None: staff approve what the shopper prefers, or the rule's first outcome
    carrier: str = "UPS"
    tracking: str = "1Z999AA10123456784"


JOURNEYS = [
    Journey(
        slug="iwalk",
        order="IW-10045",  # delivered 45 days ago: past the 30-day money-back window, inside the 24-month warranty
        email="shopper@demo.example",
        item="iWALK MAG-X 10000 mAh magnetic power bank",
        quantity="1",
        reason="It doesn't work properly (quality issue)",
        rule="Warranty (quality issues)",
        media_slot="Photos or videos of the issue",
        texts={"Describe the issue": "It stops charging after two minutes."},
        answers=WARRANTY_ANSWERS,
        carrier="UPS",
        tracking="1Z999AA10123456784",
    ),
    Journey(
        # the 14-day DOA rule never takes the item back (no RMA); the category warranty does
        slug="kwoking",
        order="KW-50070",  # a camera delivered 70 days ago, inside its 12-month warranty
        email="shopper@demo.example",
        item="Wi-Fi security camera",
        quantity="1",
        reason="It stopped working after a while",
        rule="Warranty of the product's category",
        media_slot="A photo or video showing the problem",
        texts={"What is wrong": "The night vision stopped working; the picture is black at night."},
        staff_outcome="replacement",  # the rule's first outcome, a replacement part, needs no return
        carrier="DHL Express",
        tracking="1234567890",
    ),
    Journey(
        slug="voltaic",
        order="VC-70001",  # delivered a day ago: inside the 48-hour wrong-item window
        email="shopper@demo.example",
        item="VC32 microcontroller board",
        quantity="10",
        reason="I received the wrong item",
        rule="Wrong item",
        media_slot="Photos or videos of the package from several angles",
        photo_slots={"A screenshot comparing the wrong item with your order": 1},
        preferred="Replacement",
        carrier="FedEx",
        tracking="123456789012",
    ),
    Journey(
        slug="imirror",
        order="IM-80045",  # delivered 45 days ago: past the 30-day return, inside the warranty
        email="shopper@demo.example",
        item='IMIRROR Smart Mirror 32"',
        quantity="1",
        reason="It has a manufacturing issue",
        rule="IMIRROR warranty",
        media_slot="Photos or a video of the issue",
        texts={"What is wrong": "The touch panel stopped responding in the lower half."},
        carrier="USPS",
        tracking="9400111899223197428490",
    ),
]

# On a mobile viewport Chromium zooms out to show content wider than the screen, and
# window.innerWidth grows with it; the layout viewport (clientWidth) stays the phone's.
FITS_JS = "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
TOO_WIDE_JS = """() => {
  const width = document.documentElement.clientWidth;
  const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
    + (typeof el.className === 'string' && el.className.trim() ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
  return [...document.querySelectorAll('body *')]
    .map((el) => [el, el.getBoundingClientRect()])
    .filter(([, box]) => box.right > width + 0.5)
    .slice(0, 8)
    .map(([el, box]) => `${name(el)} (${Math.round(box.left)}–${Math.round(box.right)}px of ${width}px)`);
}"""


# The effort a journey takes, from the order e-mail's link to "submitted": taps (every
# click, check, choice in a list, file attached and text field filled counts one; the
# keystrokes of a text are not counted) and page loads (documents the phone loads).
# bench/shopper_effort.py runs the journeys with JOURNEY_EFFORT_REPORT set and prints them.
TAP_ACTIONS = ("click", "check", "uncheck", "set_checked", "select_option", "set_input_files", "fill")


class Effort:
    def __init__(self, page, monkeypatch):
        self.taps = 0
        self.loads = 0
        self.counting = False
        page.on("load", self._loaded)
        for action in TAP_ACTIONS:
            monkeypatch.setattr(Locator, action, self._counted(getattr(Locator, action)))

    def _loaded(self, _page) -> None:
        if self.counting:
            self.loads += 1

    def _counted(self, original):
        effort = self

        def action(locator, *args, **kwargs):
            if effort.counting:
                effort.taps += 1
            return original(locator, *args, **kwargs)

        return action

    def open_link(self, page, url: str) -> None:
        """The shopper taps the e-mail's link: counting starts with that tap."""
        self.counting = True
        self.taps += 1
        page.goto(url)

    def record(self, slug: str) -> None:
        self.counting = False
        report = os.environ.get("JOURNEY_EFFORT_REPORT")
        if report:
            with open(report, "a", encoding="utf-8") as out:
                out.write(json.dumps({"brand": slug, "taps": self.taps, "page_loads": self.loads}) + "\n")


@pytest.fixture
def phone(browser, site, settings):
    # e-mails link to the portal's base URL: here, the live server
    settings.PORTAL_BASE_URL = site.url
    context = browser.new_context(**PHONE, **CONTEXT_DEFAULTS)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def _check_page(page) -> None:
    """axe-clean, and nothing wider than the phone's screen."""
    assert_accessible(page)
    assert page.evaluate(FITS_JS), f"{page.url} is wider than the phone: {page.evaluate(TOO_WIDE_JS)}"


def _wait_for_mail_about(mailoutbox, to: str, subject: str, timeout=90.0):
    """The message to `to` whose subject contains `subject` (the worker sends staff
    e-mails too, in no fixed order)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in list(mailoutbox):
            if to in message.to and subject in message.subject:
                return message
        time.sleep(0.05)
    raise AssertionError(f"no e-mail to {to} about {subject!r}; got {[(m.to, m.subject) for m in mailoutbox]}")


def _open_order_from_the_lookup_email(page, site, mailoutbox, journey: Journey, effort: Effort) -> None:
    page.goto(f"{site.url}/s/{journey.slug}/")
    _check_page(page)
    page.get_by_label("Order number").fill(journey.order)
    page.get_by_label("E-mail used for the order").fill(journey.email)
    page.get_by_role("button", name="E-mail me a link to my order").click()
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()
    message = wait_for_mail(mailoutbox)
    assert message.to == [journey.email]
    effort.open_link(page, link_in(message))
    page.get_by_role("button", name="Open my order").click()
    expect(page.get_by_role("heading", name=f"Order {journey.order}")).to_be_visible()
    _check_page(page)


def _answer_questions(page, journey: Journey) -> None:
    """Answer the rule's questions; the decision may update as they are answered, and
    the button stays as the fallback without JavaScript."""
    for question, answer in journey.answers.items():
        page.get_by_role("group", name=question).get_by_label(answer, exact=True).check()
    update = page.get_by_role("button", name="Update what I can claim")
    if journey.answers and update.is_visible():
        update.click()


def _submit_claim(page, tmp_path, journey: Journey, effort: Effort) -> str:
    page.get_by_role("link", name="Start a claim").click()
    expect(page.get_by_role("heading", name="Start a claim")).to_be_visible()
    _check_page(page)
    claim_units(page.get_by_label(journey.item), int(journey.quantity))
    page.get_by_label(journey.reason, exact=True).check()
    page.get_by_role("button", name="Continue").click()

    _answer_questions(page, journey)
    decision = page.get_by_test_id("decision")
    expect(
        decision.get_by_role("heading", name=re.compile(rf"^{re.escape(journey.rule)}:\s+you can claim"))
    ).to_be_visible()
    _check_page(page)

    if journey.preferred:
        page.get_by_label(journey.preferred, exact=True).check()
    for label, text in journey.texts.items():
        page.get_by_label(label, exact=True).fill(text)
    for slot, count in journey.photo_slots.items():
        page.get_by_label(f"Add files: {slot}").set_input_files(_photos(tmp_path, count))
    video = tmp_path / f"{journey.slug}-issue.mp4"
    _write_video(video)
    # on a phone the slot offers the camera as well as the file picker
    media = journey.media_slot
    expect(page.locator(".camera-button").first).to_be_visible()
    page.get_by_label(f"Add files: {media}").set_input_files(_photos(tmp_path, 2))
    page.get_by_label(f"Record a video: {media}").set_input_files(str(video))
    for slot, count in journey.photo_slots.items():
        _wait_ready(page, slot, count)
    _wait_ready(page, media, 3)
    _check_page(page)

    # a photo that came out badly: removed, and retaken with the camera (a detour: not
    # counted as the journey's effort)
    effort.counting = False
    slot = page.locator(".evidence-slot").filter(has=page.get_by_role("heading", name=media))
    slot.get_by_role("button", name=re.compile(r"^Remove photo-")).first.click()
    _wait_ready(page, media, 2)
    page.get_by_label(f"Take a photo: {media}").set_input_files(_photos(tmp_path, 1))
    _wait_ready(page, media, 3)
    effort.counting = True

    page.get_by_role("button", name="Submit my claim").click()
    expect(page.locator("#submitted-confirmation")).to_contain_text("submitted")
    effort.record(journey.slug)
    expect(page.get_by_text("We decide by")).to_be_visible()
    _check_page(page)
    claim = Claim.objects.get(order__number=journey.order)
    assert claim.status == "submitted"
    assert {e.kind for e in claim.evidence.filter(status="ready")} >= {"photo", "video"}
    return claim.reference


def _staff_approve_with_a_return(journey: Journey, reference: str) -> Claim:
    claim = Claim.objects.get(reference=reference)
    reviewer = staff_actor(user=User.objects.get(email=f"reviewer@{journey.slug}.demo.example"), store=claim.store)
    # staff approving another outcome than the shopper's choice say why (the shopper is told)
    reason = "A whole replacement: the part alone would not fix it." if journey.staff_outcome else ""
    claim = claim_approve(claim_id=claim.pk, actor=reviewer, outcome=journey.staff_outcome, change_reason=reason)
    assert claim.status == "approved_awaiting_return" and claim.rma_number, (claim.status, claim.outcome)
    return claim


def _print_slip_and_ship(page, site, mailoutbox, journey: Journey, claim: Claim) -> None:
    approval = _wait_for_mail_about(mailoutbox, journey.email, f"your RMA number is {claim.rma_number}")
    page.goto(link_in(approval))
    page.get_by_role("button", name="Open my claim").click()
    expect(page.get_by_role("heading", name=f"Claim {claim.reference}")).to_be_visible()
    expect(page.get_by_text("Approved, awaiting return").first).to_be_visible()
    expect(page.get_by_text(claim.rma_number).first).to_be_visible()
    _check_page(page)

    page.get_by_role("link", name="Print the return slip").click()
    expect(page.locator(".rma-number")).to_have_text(claim.rma_number)
    expect(page.get_by_role("img", name=f"QR code of {claim.rma_number}")).to_be_visible()
    _check_page(page)

    page.get_by_role("link", name="Back to the claim").click()
    page.get_by_label("Carrier").select_option(journey.carrier)
    page.get_by_role("textbox", name="Tracking number").fill(journey.tracking)
    page.get_by_role("button", name="Save tracking number").click()
    expect(page.get_by_text("Return in transit").first).to_be_visible()
    _check_page(page)
    claim.refresh_from_db()
    assert (claim.status, claim.return_carrier, claim.return_tracking_number) == (
        "in_transit",
        journey.carrier,
        journey.tracking,
    )


@pytest.mark.parametrize("journey", JOURNEYS, ids=[j.slug for j in JOURNEYS])
def test_new_shopper_on_a_phone_claims_with_photos_and_a_video_then_ships_the_return(
    phone, site, mailoutbox, tmp_path, journey, monkeypatch
):
    call_command("demo_load", no_claims=True)
    effort = Effort(phone, monkeypatch)
    _open_order_from_the_lookup_email(phone, site, mailoutbox, journey, effort)
    reference = _submit_claim(phone, tmp_path, journey, effort)
    claim = _staff_approve_with_a_return(journey, reference)
    _print_slip_and_ship(phone, site, mailoutbox, journey, claim)
