"""Sign-in links (a guest's order or claim link, an account's password-reset link) are
never readable in the outbox: the row holds a placeholder, the link is put in when the
e-mail is sent (also when staff press "Send again") and dropped once it is sent."""

import re

import pytest
from django.core.management import call_command
from django.test import Client

import notifications.services
from accounts.models import User
from notifications.models import OutboundEmail
from notifications.services import email_deliver, email_send_again
from orders.models import Order
from orders.services import order_access_link_resend
from tests.claims.conftest import submitted_claim

pytestmark = pytest.mark.django_db

TOKEN_LINK = re.compile(r"https?://[^\s\"'<>]+/(?:access|password/reset/key)/[^\s\"'<>]+")


@pytest.fixture
def demo(db, monkeypatch):
    monkeypatch.setattr(notifications.services, "_dispatch", lambda email_id: None)
    call_command("demo_load", no_claims=True)


def _row_text(row: OutboundEmail) -> str:
    return f"{row.subject}\n{row.body_text}\n{row.body_html}"


def test_the_order_link_is_kept_out_of_the_row_and_put_in_when_sent(demo, mailoutbox, client):
    order = Order.objects.get(number="IW-10020")
    order_access_link_resend(order_id=order.pk, base_url="http://testserver/")
    row = OutboundEmail.objects.get(kind="order_access")
    assert not TOKEN_LINK.search(_row_text(row))
    assert "https://signed-link.invalid/link" in row.body_text and "https://signed-link.invalid/link" in row.body_html

    assert email_deliver(email_id=row.pk)
    sent = mailoutbox[-1]
    link = TOKEN_LINK.search(sent.body).group(0)
    assert link in sent.alternatives[0][0] and "signed-link.invalid" not in sent.body + sent.alternatives[0][0]
    row.refresh_from_db()
    assert row.status == OutboundEmail.Status.SENT and row.signed_links == {}
    assert client.get(link.replace("http://testserver", "")).status_code == 200  # the link works


def test_a_store_manager_reading_the_outbox_in_the_admin_finds_no_usable_link(demo):
    claim = submitted_claim()  # claim e-mails carry the signed claim link
    order_access_link_resend(order_id=claim.order_id, base_url="http://testserver/")
    rows = OutboundEmail.objects.filter(store=claim.store, to=claim.shopper_email)
    assert rows.filter(kind="claim:submit").exists() and rows.filter(kind="order_access").exists()
    manager = Client()
    manager.force_login(User.objects.get(email=f"manager@{claim.store.slug}.demo.example"))
    pages = [manager.get("/admin/notifications/outboundemail/")]
    pages += [manager.get(f"/admin/notifications/outboundemail/{row.pk}/change/") for row in rows]
    for page in pages:
        assert page.status_code == 200
        assert not TOKEN_LINK.search(page.content.decode()), page.request["PATH_INFO"]
        assert "signed_links" not in page.content.decode()
    assert "signed-link.invalid" in pages[-1].content.decode()  # the staff see where it goes


def test_send_again_still_sends_a_working_link(demo, mailoutbox):
    order = Order.objects.get(number="IW-10020")
    order_access_link_resend(order_id=order.pk, base_url="http://testserver/")
    row = OutboundEmail.objects.get(kind="order_access")
    OutboundEmail.objects.filter(pk=row.pk).update(status=OutboundEmail.Status.FAILED, attempts=99)
    assert email_send_again(email_ids=[row.pk])["queued"] == 1
    assert email_deliver(email_id=row.pk)
    assert TOKEN_LINK.search(mailoutbox[-1].body)


def test_a_password_reset_link_is_not_in_the_row(demo, mailoutbox, client):
    client.post("/account/password/reset/", {"email": "shopper@demo.example"})
    row = OutboundEmail.objects.get(kind__startswith="account:password_reset")
    assert not TOKEN_LINK.search(_row_text(row))
    assert email_deliver(email_id=row.pk)
    assert TOKEN_LINK.search(mailoutbox[-1].body)
