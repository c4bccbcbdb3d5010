"""Store credit with a bonus, on a phone (390 × 844): the shopper's estimate says what
store credit would be worth; staff approve the claim with store credit and, once the
return is inspected, issue it from the admin; the shopper finds the code, amount and
expiry in the e-mail and on the claim page it links to; staff find the credit in the
ledger admin and record a redemption. Every page is axe-checked and fits the phone."""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from claims.actors import shopper_actor
from claims.models import Claim
from claims.services import claim_inspect, claim_receive, claim_submit, claim_update_draft
from credits.models import StoreCredit
from demo.services import DEMO_PASSWORD
from tests.browser.claiming import claim_units
from tests.browser.conftest import CONTEXT_DEFAULTS, link_in
from tests.browser.test_phone_journeys import _check_page, _wait_for_mail_about
from tests.browser.test_shopper_claim import PHONE, _open_order
from tests.claims.conftest import IM_OK, enter_tracking, satisfy_evidence, staff

pytestmark = pytest.mark.browser

REVIEWER = "reviewer@imirror.demo.example"


@pytest.fixture
def phone_context(browser, site, settings):
    settings.PORTAL_BASE_URL = site.url  # e-mails link to the live server
    contexts = []

    def new_page():
        context = browser.new_context(**PHONE, **CONTEXT_DEFAULTS)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(30_000)
        return page

    yield new_page
    for context in contexts:
        context.close()


def _admin_login(page, site, email):
    page.goto(f"{site.url}/admin/")
    page.get_by_label(re.compile("e-mail address", re.I)).fill(email)
    page.get_by_label(re.compile("^Password")).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Claims, orders and stores")).to_be_visible()


def test_store_credit_with_a_bonus_from_the_estimate_to_the_ledger(phone_context, site, mailoutbox):
    call_command("demo_load", no_claims=True)
    shopper = phone_context()

    # the estimate: the refund, or store credit worth 10 % more, valid a year
    _open_order(shopper, site, "IM-80010")
    shopper.get_by_role("link", name="Start a claim").click()
    claim_units(shopper.get_by_label('IMIRROR Smart Mirror 32"'))
    shopper.get_by_label("I'm not satisfied (any reason)").check()
    shopper.get_by_role("button", name="Continue").click()
    offer = shopper.get_by_test_id("store-credit-offer").first
    expect(offer).to_contain_text(re.compile(r"Or [\d,]+\.\d\d USD store credit \(10 % bonus\), valid until \d+ \w{3} \d{4}"))
    _check_page(shopper)

    # the shopper completes the draft (the draft's own tests drive each step) and prefers store credit
    claim = Claim.objects.get(order__number="IM-80010", status="draft")
    actor = shopper_actor(email=claim.shopper_email)
    claim_update_draft(claim_id=claim.pk, actor=actor, answers=IM_OK, preferred_outcome="store_credit")
    satisfy_evidence(claim)
    claim = claim_submit(claim_id=claim.pk, actor=actor)

    # staff approve with store credit (the shopper's preference, pre-selected)
    desk = phone_context()
    _admin_login(desk, site, REVIEWER)
    desk.goto(f"{site.url}/admin/claims/claim/{claim.pk}/change/")
    desk.get_by_test_id("claim-actions").get_by_role("link", name="Approve", exact=True).click()
    expect(desk.get_by_label("Store credit")).to_be_checked()
    _check_page(desk)
    desk.get_by_role("button", name="Approve").click()
    expect(desk.get_by_text(re.compile(r"Approved \(Store credit\)\. RMA number"))).to_be_visible()

    # the parcel comes back and passes inspection (their own tests drive these steps)
    claim = enter_tracking(Claim.objects.get(pk=claim.pk))
    claim = claim_receive(claim_id=claim.pk, actor=staff("warehouse@imirror.demo.example"), rma_number=claim.rma_number)
    claim = claim_inspect(claim_id=claim.pk, actor=staff("warehouse@imirror.demo.example"))

    desk.goto(f"{site.url}/admin/claims/claim/{claim.pk}/change/")
    actions = desk.get_by_test_id("claim-actions")
    expect(actions.get_by_role("link", name="Record the refund")).to_have_count(0)
    actions.get_by_role("link", name="Issue the store credit").click()
    expect(desk.get_by_text(re.compile(r"\(the refund\) \+ [\d.]+ bonus = [\d,.]+ USD, valid until"))).to_be_visible()
    _check_page(desk)
    desk.get_by_role("button", name="Issue the store credit").click()
    credit = StoreCredit.objects.get(claim=claim)
    expect(desk.get_by_text(f"Store credit {credit.code} of {credit.initial_amount} USD issued; the claim is resolved.")).to_be_visible()
    assert credit.initial_amount == credit.balance and credit.bonus_percent == 10

    # the shopper's e-mail: the code, the amount, the expiry; its link opens the claim
    message = _wait_for_mail_about(mailoutbox, claim.shopper_email, "Store credit issued")
    assert credit.code in message.body and f"{credit.initial_amount} USD" in message.body
    valid_until = re.search(r"Valid until (\d+ \w+ \d{4})\.", message.body).group(1)
    shopper.goto(link_in(message))
    shopper.get_by_role("button", name="Open my claim").click()
    expect(shopper.get_by_role("heading", name=f"Claim {claim.reference}")).to_be_visible()
    card = shopper.get_by_test_id("store-credit")
    expect(card.get_by_role("heading", name="Your store credit")).to_be_visible()
    expect(card.get_by_test_id("store-credit-code")).to_have_text(credit.code)
    expect(card.get_by_test_id("store-credit-amount")).to_have_text(f"{credit.initial_amount} USD")
    expect(card).to_contain_text("including a 10 % bonus")
    expect(card.get_by_test_id("store-credit-expiry")).to_contain_text(f"Valid until {valid_until}.")
    _check_page(shopper)

    # staff find it in the ledger and record what the shopper spent
    desk.goto(f"{site.url}/admin/credits/storecredit/")
    desk.locator("#searchbar").fill(credit.code[3:7])
    desk.get_by_role("button", name="Search").click()
    desk.get_by_role("link", name=credit.code).click()
    expect(desk.get_by_test_id("credit-code")).to_have_text(credit.code)
    _check_page(desk)
    desk.get_by_role("link", name="Record a redemption").click()
    _check_page(desk)
    desk.get_by_label(re.compile("Amount spent")).fill(str(credit.initial_amount + 1))
    desk.get_by_role("button", name="Record the redemption").click()
    expect(desk.get_by_test_id("ledger-errors")).to_contain_text(f"Only {credit.initial_amount} USD is left on this store credit.")
    _check_page(desk)
    desk.get_by_label(re.compile("Amount spent")).fill("100.00")
    desk.get_by_label("Order or receipt number").fill("IM-90001")
    desk.get_by_role("button", name="Record the redemption").click()
    left = credit.initial_amount - 100
    expect(desk.get_by_text(f"Redemption of 100.00 USD recorded; {left} USD left.")).to_be_visible()
    expect(desk.get_by_text("IM-90001")).to_be_visible()
    _check_page(desk)
