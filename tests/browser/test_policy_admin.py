"""A brand operator edits a policy in the admin: finds the matrix IDs on the rules,
changes the money-back window from 30 to 45 days, sees the draft in "try it", publishes,
and the published decision changes while version 1 stays as it was."""

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from demo.services import DEMO_PASSWORD
from orders.models import Order
from policies.models import PolicyVersion
from tests.browser.conftest import assert_accessible

pytestmark = pytest.mark.browser


def _login(page, site, email):
    page.goto(f"{site.url}/admin/")
    page.get_by_label(re.compile("e-mail address", re.I)).fill(email)
    page.get_by_label(re.compile("^Password")).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()


def _try(page, order_line_label, reason, *, when, version="latest published version", answers=None):
    page.get_by_label(re.compile("^Policy")).select_option(label=version)
    page.get_by_label("an order line").check()
    page.get_by_label(re.compile("^Order line")).select_option(label=order_line_label)
    page.get_by_label(re.compile("^Reason")).select_option(label=reason)
    page.get_by_label(re.compile("^As if on")).fill(when)
    for question, answer in (answers or {}).items():
        page.get_by_label(question).select_option(label=answer)
    page.get_by_role("button", name="Show the decision").click()
    return page.get_by_test_id("decision")


def test_manager_changes_a_window_tries_it_and_publishes(page, site):
    call_command("demo_load", no_claims=True)
    _login(page, site, "manager@iwalk.demo.example")
    page.get_by_role("rowheader", name="Policies").get_by_role("link").click()
    page.get_by_role("link", name="iWALK").click()
    expect(page.get_by_text("Everything here is published.")).to_be_visible()
    expect(page.locator("input[value='W1, X2, X8, M1, P5, P6, O1, O3']")).to_have_count(1)
    assert_accessible(page)

    page.get_by_role("link", name="Try it").click()
    assert_accessible(page)
    line = "IW-10045 · 1 × iWALK MAG-X 10000 mAh magnetic power bank"
    # Dates come from the demo order (made relative to today): 38 days after the
    # purchase is past the 30-day window and inside a 45-day one, on any day.
    placed = Order.objects.get(number="IW-10045").placed_at.astimezone(ZoneInfo("America/Los_Angeles"))
    when = (placed + timedelta(days=38)).strftime("%Y-%m-%d 12:00")
    unopened = {"Is the product still unopened, in its sealed packaging?": "yes"}
    decision = _try(page, line, "I changed my mind / no longer need it", when=when, answers=unopened)
    expect(decision).to_contain_text("the 30-day window for “30-day money-back guarantee” ended")
    expect(decision).to_contain_text("you can still file a warranty claim")
    assert_accessible(page)

    page.goto(f"{site.url}/admin/policies/coveragerule/?q=money-back")
    page.get_by_role("link", name="30-day money-back guarantee").click()
    expect(page.get_by_text("W1, X2, X8, M1, P5, P6, O1, O3").or_(page.locator("input[value='W1, X2, X8, M1, P5, P6, O1, O3']"))).to_have_count(1)
    page.get_by_label("Window length").fill("45")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")

    page.goto(f"{site.url}/admin/policies/policy/")
    page.get_by_role("link", name="iWALK").click()
    expect(page.get_by_text("This policy has edits that are not published yet.")).to_be_visible()
    page.get_by_role("link", name="Try it").click()
    draft = _try(page, line, "I changed my mind / no longer need it", version="draft (unpublished edits)", when=when, answers=unopened)
    expect(draft).to_contain_text("45-day window")
    expect(draft).to_contain_text("you can claim")
    published = _try(page, line, "I changed my mind / no longer need it", when=when, answers=unopened)
    expect(published).to_contain_text("30-day window")

    page.goto(f"{site.url}/admin/policies/policy/")
    page.get_by_role("link", name="iWALK").click()
    page.get_by_label("What changed").fill("45-day money-back")
    page.get_by_role("button", name="Publish a new version").click()
    expect(page.locator(".messagelist")).to_contain_text("Published version 2")
    page.get_by_role("link", name="Try it").click()
    after = _try(page, line, "I changed my mind / no longer need it", when=when, answers=unopened)
    expect(after).to_contain_text("45-day window")

    v1, v2 = PolicyVersion.objects.filter(policy__store__slug="iwalk").order_by("number")
    money_back = {r["code"]: r for r in v1.data["rules"]}["money-back-30"]
    assert money_back["window_length"] == 30
    assert {r["code"]: r for r in v2.data["rules"]}["money-back-30"]["window_length"] == 45


def test_a_contradiction_is_refused_with_a_message(page, site):
    call_command("demo_load", no_claims=True)
    _login(page, site, "manager@voltaic.demo.example")
    page.goto(f"{site.url}/admin/policies/coveragerule/?q=wrong-item")
    page.get_by_role("link", name="Wrong item").click()
    page.get_by_label("Counted from").select_option(label="---------")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("A window needs a point it is counted from.")).to_be_visible()
    assert_accessible(page)


def test_a_reviewer_of_another_store_cannot_open_the_policy(page, site):
    call_command("demo_load", no_claims=True)
    from policies.models import Policy

    iwalk_policy = Policy.objects.get(store__slug="iwalk")
    _login(page, site, "reviewer@kwoking.demo.example")
    response = page.goto(f"{site.url}/admin/policies/policy/{iwalk_policy.pk}/change/")
    assert response.status == 302 or "doesn’t exist" in page.content() or "doesn't exist" in page.content()
    response = page.goto(f"{site.url}/admin/policies/policy/{iwalk_policy.pk}/try/")
    assert response.status == 404
