"""Signed, expiring order links: confirm on POST, expired offers a new link,
tampered or other-order tokens open nothing."""

import json
import re

import pytest
import time_machine
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from notifications.models import OutboundEmail
from notifications.services import email_as_sent
from orders.guest_access import CLAIM, SALT, guest_token_make
from tests.factories import OrderFactory, OrderLineFactory

pytestmark = pytest.mark.django_db


def _link_path(order):
    return reverse("orders:guest_access", args=[order.store.slug, guest_token_make(order=order)])


def test_get_shows_confirm_and_opens_nothing(client):
    order = OrderLineFactory().order
    response = client.get(_link_path(order))
    assert response.status_code == 200
    assert "Open my order" in response.content.decode()
    assert client.get(reverse("claims:order_detail", args=[order.store.slug, order.number])).status_code == 302


def test_post_opens_that_order_only(client):
    order = OrderLineFactory().order
    other = OrderLineFactory(order__store=order.store, order__customer_email=order.customer_email).order
    response = client.post(_link_path(order))
    assert response.status_code == 302
    assert response.url == reverse("claims:order_detail", args=[order.store.slug, order.number])
    page = client.get(response.url)
    assert page.status_code == 200
    assert order.lines.first().product.name in page.content.decode()
    assert client.get(reverse("claims:order_detail", args=[other.store.slug, other.number])).status_code == 302


def test_expired_link_offers_a_new_one(client, settings):
    order = OrderLineFactory().order
    with time_machine.travel(timezone.now() - timezone.timedelta(seconds=settings.GUEST_LINK_MAX_AGE + 60)):
        path = _link_path(order)
    response = client.get(path)
    assert response.status_code == 410
    assert "This link has expired" in response.content.decode()
    assert client.post(path).status_code == 410
    resend = client.post(path.rstrip("/") + "/resend/")
    assert resend.status_code == 200
    email = OutboundEmail.objects.get()
    assert email.to == order.customer_email
    new_path = re.search(r"/s/[^\s]+/access/[^\s]+/", email_as_sent(email=email).body).group(0)
    assert client.post(new_path).status_code == 302


def test_an_expired_claim_link_sends_a_new_one_to_the_same_claim(client, settings):
    """The link in a claim e-mail opens the order, then the claim (?next=); its renewal
    leads there too, and only to a claim page of this store."""
    order = OrderLineFactory().order
    claim_path = f"/s/{order.store.slug}/claims/CLM-ABC123/"
    with time_machine.travel(timezone.now() - timezone.timedelta(seconds=settings.GUEST_LINK_MAX_AGE + 60)):
        path = _link_path(order)
    expired = client.get(f"{path}?next={claim_path}").content.decode()
    assert f'name="next" value="{claim_path}"' in expired
    client.post(path.rstrip("/") + "/resend/", {"next": claim_path})
    new_link = re.search(r"/s/[^\s]+/access/[^\s]+/\?next=\S+", email_as_sent(email=OutboundEmail.objects.get()).body).group(0)
    opened = client.post(new_link)
    assert opened.status_code == 302 and opened.url == claim_path

    client.post(path.rstrip("/") + "/resend/", {"next": "https://evil.example/"})
    assert "next=" not in email_as_sent(email=OutboundEmail.objects.order_by("-pk").first()).body


def test_tampered_token_is_refused(client):
    order = OrderLineFactory().order
    path = _link_path(order)
    tampered = path[:-3] + ("A" if path[-3] != "A" else "B") + path[-2:]
    response = client.post(tampered)
    assert response.status_code == 400
    assert "This link doesn" in response.content.decode()
    assert client.post(path.rstrip("/") + "x/resend/").status_code == 400


def test_token_of_another_store_is_refused(client):
    order = OrderLineFactory().order
    other_store = OrderFactory().store
    token = guest_token_make(order=order)
    response = client.post(reverse("orders:guest_access", args=[other_store.slug, token]))
    assert response.status_code == 400


def test_token_stops_working_when_the_order_email_changes(client):
    order = OrderLineFactory().order
    path = _link_path(order)
    order.customer_email = "new-owner@example.com"
    order.save()
    assert client.post(path).status_code == 400


def test_signed_in_shopper_sees_orders_of_verified_email(client):
    from tests.factories import UserFactory

    user = UserFactory(email="Pat@Example.com")  # verified in another case than the order stores it (lower-case)
    order = OrderLineFactory(order__customer_email="pat@example.com").order
    stranger = OrderLineFactory(order__customer_email="other@example.com").order
    client.force_login(user)
    listing = client.get(reverse("claims:my_orders")).content.decode()
    assert order.number in listing and stranger.number not in listing
    assert client.get(reverse("claims:order_detail", args=[order.store.slug, order.number])).status_code == 200
    assert client.get(reverse("claims:order_detail", args=[stranger.store.slug, stranger.number])).status_code == 302


def test_unverified_email_sees_no_orders(client):
    from tests.factories import UserFactory

    user = UserFactory(email="pat@example.com", verified=False)
    order = OrderLineFactory(order__customer_email="pat@example.com").order
    client.force_login(user)
    assert order.number not in client.get(reverse("claims:my_orders")).content.decode()


def test_a_claim_emails_link_works_for_30_days_an_order_link_for_a_day(client, settings):
    """Claim e-mails are read days later (a ship-by reminder, the refund): their links
    (purpose "claim", signed with the rest) work for CLAIM_LINK_MAX_AGE, the links a
    shopper asks for for GUEST_LINK_MAX_AGE."""
    order = OrderLineFactory().order
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        claim_path = reverse("orders:guest_access", args=[order.store.slug, guest_token_make(order=order, purpose=CLAIM)])
        order_path = _link_path(order)
    with time_machine.travel(start + timezone.timedelta(days=2), tick=False):
        assert client.get(order_path).status_code == 410
        assert client.get(claim_path).status_code == 200
    with time_machine.travel(start + timezone.timedelta(seconds=settings.CLAIM_LINK_MAX_AGE - 60), tick=False):
        assert client.post(claim_path).status_code == 302
    with time_machine.travel(start + timezone.timedelta(seconds=settings.CLAIM_LINK_MAX_AGE + 60), tick=False):
        expired = client.get(claim_path)
        assert expired.status_code == 410 and "This link has expired" in expired.content.decode()


def test_an_order_link_cannot_be_turned_into_a_claim_link(client):
    """The purpose is inside the signature: adding it to an order link breaks the link."""
    order = OrderLineFactory().order
    token = guest_token_make(order=order)
    value, timestamp, signature = token.rsplit(":", 2)
    payload = signing.loads(token, salt=SALT)  # what the order link carries, unchanged but for "p"
    forged_value = signing.b64_encode(json.dumps({**payload, "p": CLAIM}, separators=(",", ":")).encode()).decode()
    forged = f"{forged_value}:{timestamp}:{signature}"
    assert client.get(reverse("orders:guest_access", args=[order.store.slug, forged])).status_code == 400
