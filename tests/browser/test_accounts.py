"""Accounts in the browser: sign up → verify from the e-mail → signed in, sign out,
sign in again, my orders; password reset from the e-mail. axe-checked."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, wait_for_mail
from tests.factories import PASSWORD, OrderLineFactory, StoreFactory, UserFactory

pytestmark = pytest.mark.browser


def test_sign_up_verify_and_sign_in(page, site, mailoutbox):
    store = StoreFactory(name="Acme Audio", slug="acme")
    OrderLineFactory(order__store=store, order__number="AC-77", order__customer_email="new.shopper@example.com")

    page.goto(f"{site.url}/account/signup/")
    assert_accessible(page)
    page.get_by_label("Email").fill("new.shopper@example.com")
    page.get_by_role("textbox", name=re.compile(r"^Password\W*$")).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.get_by_role("button", name="Sign Up").click()
    expect(page.get_by_role("heading", name="Verify Your Email Address")).to_be_visible()
    assert_accessible(page)

    message = wait_for_mail(mailoutbox)
    assert message.to == ["new.shopper@example.com"]
    link = re.search(r"https?://\S+/account/confirm-email/\S+", message.body).group(0)
    page.goto(link)
    assert_accessible(page)
    page.get_by_role("button", name="Confirm").click()

    expect(page.get_by_role("heading", name="My orders and claims")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("Order AC-77"))).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Sign out").click()
    assert_accessible(page)
    page.get_by_role("button", name="Sign Out").click()
    page.get_by_role("link", name="Sign in").first.click()
    assert_accessible(page)
    page.get_by_label("Email").fill("new.shopper@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("heading", name="My orders and claims")).to_be_visible()
    page.get_by_role("link", name=re.compile("Order AC-77")).click()
    expect(page.get_by_role("heading", name="Order AC-77")).to_be_visible()


def test_wrong_password_is_refused_with_a_message(page, site):
    UserFactory(email="pat@example.com")
    page.goto(f"{site.url}/account/login/")
    page.get_by_label("Email").fill("pat@example.com")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_text("The email address and/or password you specified are not correct.")).to_be_visible()
    assert_accessible(page)


def test_password_reset_from_the_email(page, site, mailoutbox):
    UserFactory(email="pat@example.com")
    page.goto(f"{site.url}/account/password/reset/")
    assert_accessible(page)
    page.get_by_label("Email").fill("pat@example.com")
    page.get_by_role("button", name="Reset My Password").click()
    expect(page.get_by_role("heading", name="Password Reset")).to_be_visible()
    link = re.search(r"https?://\S+/account/password/reset/key/\S+", wait_for_mail(mailoutbox).body).group(0)
    page.goto(link)
    assert_accessible(page)
    page.get_by_role("textbox", name=re.compile(r"^New Password\W*$")).fill("a-brand-new-pass-42")
    page.get_by_label("New Password (again)").fill("a-brand-new-pass-42")
    page.get_by_role("button", name="Change Password").click()
    expect(page.get_by_text("Your password is now changed.")).to_be_visible()


def test_axe_does_report_a_violation(page):
    """The accessibility check can fail: an unlabeled input and an image without alt."""
    page.set_content('<html lang="en"><body><main><img src="x.png"><input type="text"></main></body></html>')
    from tests.browser.conftest import AXE_OPTIONS, _axe

    assert _axe.run(page, options=AXE_OPTIONS).violations_count >= 2


def test_password_change_when_signed_in(page, site):
    UserFactory(email="pat@example.com")
    page.goto(f"{site.url}/account/login/")
    page.get_by_role("textbox", name=re.compile("^Email")).fill("pat@example.com")
    page.get_by_role("textbox", name=re.compile("^Password")).fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.get_by_role("link", name="Account").click()
    assert_accessible(page)
    page.get_by_role("textbox", name=re.compile("^Current Password")).fill(PASSWORD)
    page.get_by_role("textbox", name=re.compile(r"^New Password\W*$")).fill("another-long-pass-77")
    page.get_by_role("textbox", name=re.compile(r"^New Password \(again\)")).fill("another-long-pass-77")
    page.get_by_role("button", name="Change Password").click()
    expect(page.get_by_text("Password successfully changed.")).to_be_visible()


def test_my_orders_and_claims_shows_the_newest_and_older_ones_a_link_away(page, site):
    """A shopper with more claims than one list shows (claims.selectors.MY_PAGE_SIZE)
    sees the newest first and reaches the older ones by "Older claims"."""
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    from claims.models import Claim
    from claims.selectors import MY_PAGE_SIZE
    from demo.services import DEMO_PASSWORD

    call_command("demo_load")
    template = Claim.objects.filter(shopper_email="shopper@demo.example").exclude(reference=None).first()
    now = timezone.now()
    Claim.objects.bulk_create(
        Claim(
            store=template.store,
            reference=f"CLM-OLD{n:03d}",
            status="submitted",
            shopper_email=template.shopper_email,
            order=template.order,
            reason_code=template.reason_code,
            reason_label=template.reason_label,
            policy_version=template.policy_version,
            submitted_at=now - timedelta(days=400 + n),
        )
        for n in range(MY_PAGE_SIZE)
    )
    Claim.objects.filter(reference__startswith="CLM-OLD").update(created_at=now - timedelta(days=400))
    page.goto(f"{site.url}/account/login/")
    page.get_by_role("textbox", name=re.compile("^Email")).fill("shopper@demo.example")
    page.get_by_role("textbox", name=re.compile("^Password")).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.goto(f"{site.url}/account/orders/")
    expect(page.get_by_role("link", name=template.reference)).to_be_visible()
    expect(page.get_by_text("CLM-OLD000")).to_have_count(0)
    assert_accessible(page)
    page.get_by_role("link", name="Older claims").click()
    expect(page.get_by_text("CLM-OLD000").first).to_be_visible()
    expect(page.get_by_role("link", name="Newer claims")).to_be_visible()
    assert_accessible(page)
