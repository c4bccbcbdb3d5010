"""The claim draft's decision follows the answers as they are given, in a real browser:
the panel is swapped in place (the page does not navigate), the questions stay so a
wrong click can be undone, nothing typed is lost, the keyboard alone does it; an
answer that opens a different rule brings that rule's evidence list, but never while a
file is still uploading; a failed save says so and the Update button still works."""

import time

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from claims.models import Claim, EvidenceFile
from tests.browser.claiming import claim_units
from tests.browser.conftest import assert_accessible
from tests.browser.test_shopper_claim import _open_order, _photos

pytestmark = pytest.mark.browser

BOX = "Do you still have the original box?"
REASON = "A brief reason for the return"
SUBMIT = "Submit my claim"
ANOTHER_REASON = "Change the items or the reason"
DRAFT_SCRIPTS = 5  # error summary, steps, uploads, live decision, time zone


def _start_imirror_claim(page, site, reason="I'm not satisfied (any reason)"):
    _open_order(page, site, "IM-80010")
    page.get_by_role("link", name="Start a claim").click()
    claim_units(page.get_by_label('IMIRROR Smart Mirror 32"'))
    page.get_by_label(reason).check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_test_id("decision")).to_contain_text("30-day return: answer the questions below")
    expect(page.locator("#answers-form[data-live=on]")).to_be_attached()  # the script is listening
    page.evaluate("window.__marker = 'the same page'")


def _same_page(page) -> bool:
    return page.evaluate("window.__marker") == "the same page"


def test_answers_update_the_decision_in_place_and_can_be_undone(page, site):
    call_command("demo_load", no_claims=True)
    _start_imirror_claim(page, site)
    decision = page.get_by_test_id("decision")
    status = page.locator("#decision-status")
    box = page.get_by_role("group", name=BOX)
    page.get_by_label(REASON).fill("Too large for our hallway.")

    box.get_by_label("No", exact=True).check()
    expect(decision).to_contain_text("30-day return: not possible")
    expect(decision).to_contain_text("The mirror must travel back in its original box.")
    expect(status).to_contain_text("Updated: what you can claim.")
    assert _same_page(page)
    # the questions stay, so the answer can be changed back; no claim can be submitted
    expect(box).to_be_visible()
    expect(page.get_by_role("button", name="Update what I can claim")).to_be_visible()
    expect(page.get_by_role("link", name=ANOTHER_REASON)).to_be_visible()
    expect(page.get_by_role("button", name=SUBMIT)).to_be_hidden()
    assert_accessible(page)
    claim = Claim.objects.get(order__number="IM-80010")
    assert claim.answers == {"original-box": False}
    assert claim.texts["reason"] == "Too large for our hallway."  # saved with the answer

    box.get_by_label("Yes", exact=True).check()
    expect(decision).to_contain_text("30-day return: answer the questions below")
    # the rule's steps are back; the review opens once the answers let the claim go ahead
    expect(page.locator("#review-heading")).to_be_visible()
    expect(page.get_by_role("button", name=SUBMIT)).to_be_hidden()
    expect(page.get_by_role("link", name=ANOTHER_REASON)).to_be_hidden()
    expect(page.get_by_label(REASON)).to_have_value("Too large for our hallway.")
    expect(box).to_be_visible()
    assert _same_page(page)
    assert_accessible(page)
    claim.refresh_from_db()
    assert claim.answers == {"original-box": True}


def test_the_keyboard_alone_updates_the_decision(page, site):
    call_command("demo_load", no_claims=True)
    _start_imirror_claim(page, site)
    decision = page.get_by_test_id("decision")
    box = page.get_by_role("group", name=BOX)
    box.get_by_label("Yes", exact=True).focus()
    page.keyboard.press("Space")
    expect(page.locator("#decision-status")).to_contain_text("Updated: what you can claim.")
    page.keyboard.press("ArrowRight")  # moves to "No" and chooses it
    expect(box.get_by_label("No", exact=True)).to_be_focused()
    expect(decision).to_contain_text("30-day return: not possible")
    page.keyboard.press("ArrowLeft")
    expect(decision).to_contain_text("30-day return: answer the questions below")
    expect(box.get_by_label("Yes", exact=True)).to_be_focused()  # focus never left the radios
    assert _same_page(page)
    assert Claim.objects.get(order__number="IM-80010").answers == {"original-box": True}


def test_an_answer_that_opens_another_rule_brings_its_evidence_after_the_upload(page, site, tmp_path):
    """A manufacturing issue without the original box: only the warranty is left, with
    its own evidence and text. The photo being uploaded for the return arrives first."""
    call_command("demo_load", no_claims=True)
    _start_imirror_claim(page, site, reason="It has a manufacturing issue")
    page.get_by_label(REASON).fill("The frame came loose.")
    held = []
    page.route("**/claims/*/evidence/", lambda route: held.append(route))
    page.get_by_label("Add files: Photos that clearly show all sides of the product").set_input_files(_photos(tmp_path, 1))
    deadline = time.monotonic() + 10
    while not held and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    assert held, "the upload never started"

    page.get_by_role("group", name=BOX).get_by_label("No", exact=True).check()
    expect(page.locator("#decision-status")).to_contain_text("Your files are still uploading")
    expect(page.get_by_test_id("decision")).to_contain_text("IMIRROR warranty: you can claim")
    assert _same_page(page)  # not reloaded under the upload

    held[0].continue_()
    expect(page.get_by_role("heading", name="Photos or a video of the issue")).to_be_visible()
    assert not _same_page(page)
    expect(page.get_by_label("What is wrong")).to_be_visible()
    expect(page.get_by_role("group", name=BOX).get_by_label("No", exact=True)).to_be_focused()
    assert_accessible(page)
    claim = Claim.objects.get(order__number="IM-80010")
    assert claim.texts["reason"] == "The frame came loose."
    assert EvidenceFile.objects.filter(claim=claim, slot_code="all-sides").count() == 1


def test_a_failed_update_says_so_and_the_button_still_works(page, site):
    call_command("demo_load", no_claims=True)
    _start_imirror_claim(page, site)
    page.get_by_label(REASON).fill("Too large for our hallway.")

    def drop_live_saves(route):
        if route.request.method == "POST" and route.request.headers.get("x-requested-with") == "fetch":
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route("**/claims/*/draft/", drop_live_saves)
    box = page.get_by_role("group", name=BOX)
    box.get_by_label("No", exact=True).check()
    status = page.locator("#decision-status")
    expect(status).to_have_text("We couldn't update this just now; use the Update button.")
    expect(page.get_by_test_id("decision")).to_contain_text("30-day return: answer the questions below")
    expect(box.get_by_label("No", exact=True)).to_be_checked()
    assert_accessible(page)

    page.get_by_role("button", name="Update what I can claim").click()
    expect(page.get_by_test_id("decision")).to_contain_text("30-day return: not possible")
    assert not _same_page(page)
    expect(box.get_by_label("No", exact=True)).to_be_checked()
    claim = Claim.objects.get(order__number="IM-80010")
    assert claim.answers == {"original-box": False} and claim.texts["reason"] == "Too large for our hallway."


def test_what_was_done_before_the_scripts_ran_is_not_lost(page, site, tmp_path):
    """On a slow connection a shopper can answer and pick files before the page's scripts
    run: the answer is still saved and the files still uploaded."""
    call_command("demo_load", no_claims=True)
    _open_order(page, site, "IM-80010")
    page.get_by_role("link", name="Start a claim").click()
    claim_units(page.get_by_label('IMIRROR Smart Mirror 32"'))
    page.get_by_label("I'm not satisfied (any reason)").check()
    held = []
    page.route("**/portal/*.js", lambda route: held.append(route))
    page.get_by_role("button", name="Continue").click()
    deadline = time.monotonic() + 10
    while len(held) < DRAFT_SCRIPTS and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    assert len(held) == DRAFT_SCRIPTS, "the page's scripts were never requested"

    page.get_by_role("group", name=BOX).get_by_label("Yes", exact=True).check()
    page.get_by_label("Add files: Photos that clearly show all sides of the product").set_input_files(_photos(tmp_path, 1))
    for route in held:
        route.continue_()
    expect(page.locator("#decision-status")).to_contain_text("Updated: what you can claim.")
    slot = page.locator(".evidence-slot").filter(has=page.get_by_role("heading", name="Photos that clearly show all sides of the product"))
    expect(slot.get_by_text("Ready")).to_have_count(1, timeout=60_000)
    assert Claim.objects.get(order__number="IM-80010").answers == {"original-box": True}
