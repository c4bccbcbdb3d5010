"""How long the draft is on a phone (390 × 844), step by step, for each launch brand's
typical draft (the phone journeys' warranty and wrong-item claims, and the IMIRROR
30-day return with its outcome choice): the page's height at the items step (the start
page), on arriving at the questions, at the evidence and at the review. Printed with -s
(and appended to DRAFT_HEIGHTS_REPORT as JSON lines when set); axe on every step."""

import json
import os
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tests.browser.claiming import claim_units
from tests.browser.conftest import CONTEXT_DEFAULTS, assert_accessible
from tests.browser.test_phone_journeys import JOURNEYS, Journey
from tests.browser.test_shopper_claim import IMIRROR_QUESTIONS, PHONE, _open_order, _photos, _wait_ready

pytestmark = pytest.mark.browser

IMIRROR_RETURN = Journey(
    slug="imirror-return",
    order="IM-80010",
    email="shopper@demo.example",
    item='IMIRROR Smart Mirror 32"',
    quantity="1",
    reason="I'm not satisfied (any reason)",
    rule="30-day return",
    media_slot="Photos that clearly show all sides of the product",
    photo_slots={"A photo of the complete accessory set": 1, "Photos of the original packaging": 1},
    texts={"A brief reason for the return": "Too large for our hallway."},
    answers={question: "Yes" for question in IMIRROR_QUESTIONS},
    preferred="Full refund",
)
MEDIA_PHOTOS = {"imirror-return": 4}


@pytest.fixture
def phone(browser, site):
    context = browser.new_context(**PHONE, **CONTEXT_DEFAULTS)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def _height(page) -> int:
    return page.evaluate("document.documentElement.scrollHeight")


@pytest.mark.parametrize("journey", [*JOURNEYS, IMIRROR_RETURN], ids=[j.slug for j in [*JOURNEYS, IMIRROR_RETURN]])
def test_each_step_of_a_typical_draft_on_a_phone(phone, site, tmp_path, journey, capsys):
    call_command("demo_load", no_claims=True)
    page = phone
    heights = {}
    _open_order(page, site, journey.order)
    page.get_by_role("link", name="Start a claim").click()
    claim_units(page.get_by_label(journey.item), int(journey.quantity))
    page.get_by_label(journey.reason, exact=True).check()
    heights["items"] = _height(page)
    assert_accessible(page)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_test_id("draft-steps")).to_be_visible()
    heights["questions"] = _height(page)
    assert_accessible(page)

    for question, answer in journey.answers.items():
        page.get_by_role("group", name=question).get_by_label(answer, exact=True).check()
    decision = page.get_by_test_id("decision")
    expect(
        decision.get_by_role("heading", name=re.compile(rf"^{re.escape(journey.rule)}:\s+you can claim"))
    ).to_be_visible()
    page.wait_for_load_state("networkidle")  # an answer that changes the rule reloads the evidence
    if journey.preferred:
        page.get_by_label(journey.preferred, exact=True).check()
    for label, text in journey.texts.items():
        page.get_by_label(label, exact=True).fill(text)
    page.wait_for_load_state("networkidle")
    # what Continue still asks for (another rule's question, the outcome where there is a
    # choice): the first option, as a shopper told by Continue would choose
    unchosen = (
        page.locator("#step-questions fieldset")
        .filter(has=page.locator("input[type=radio]"))
        .filter(has_not=page.locator("input:checked"))
    )
    for _ in range(10):
        if not unchosen.count():
            break
        unchosen.first.locator("input[type=radio]").first.check()
        page.wait_for_load_state("networkidle")
    page.get_by_role("button", name="Continue: Evidence").click()

    expect(page.locator("#evidence-heading")).to_be_focused()
    heights["evidence"] = _height(page)
    assert_accessible(page)

    page.get_by_label(f"Add files: {journey.media_slot}").set_input_files(
        _photos(tmp_path, MEDIA_PHOTOS.get(journey.slug, 2))
    )
    for slot, count in journey.photo_slots.items():
        page.get_by_label(f"Add files: {slot}").set_input_files(_photos(tmp_path, count))
    _wait_ready(page, journey.media_slot, MEDIA_PHOTOS.get(journey.slug, 2))
    for slot, count in journey.photo_slots.items():
        _wait_ready(page, slot, count)
    page.get_by_role("button", name="Continue: Review").click()
    expect(page.locator("#review-heading")).to_be_focused()
    heights["review"] = _height(page)
    assert_accessible(page)

    with capsys.disabled():
        print(f"\n{journey.slug}: draft height at 390 × 844 (px): {heights}")
    report = os.environ.get("DRAFT_HEIGHTS_REPORT")
    if report:
        with open(report, "a", encoding="utf-8") as out:
            out.write(json.dumps({"draft": journey.slug, **heights}) + "\n")
