"""My claims: what a signed-in shopper sees listed."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from accounts.models import User
from orders.models import Order
from policies.zones import COOKIE_NAME
from tests.claims.conftest import submitted_claim

pytestmark = pytest.mark.django_db


def test_my_claims_lists_claims_made_as_a_guest_with_a_verified_email(demo, client):
    """A guest who later signs up with the order's e-mail finds the claim under "My
    claims" (as they may open it); another shopper's claim is not listed."""
    mine = submitted_claim()  # made as a guest: no user on it
    theirs = submitted_claim(order_number="IM-81002", reason="refused")
    assert mine.shopper_user is None and mine.shopper_email != theirs.shopper_email
    client.force_login(User.objects.get(email=mine.shopper_email))
    listing = client.get(reverse("claims:my_orders")).content.decode()
    assert "My claims" in listing and mine.reference in listing and theirs.reference not in listing


def test_my_orders_shows_the_shoppers_days_and_names_the_zone(demo, client):
    """An order placed at 23:30 UTC was placed the next day for a shopper in Auckland:
    the list shows their day and says whose clock it is; without their zone, the
    brand's (here set to UTC), named."""
    order = (
        Order.objects.filter(customer_email="shopper@demo.example", store__slug="imirror")
        .order_by("-placed_at")
        .first()
    )
    order.store.time_zone = "UTC"
    order.store.save(update_fields=["time_zone"])
    Order.objects.filter(pk=order.pk).update(placed_at=datetime(2026, 3, 10, 23, 30, tzinfo=UTC))
    client.force_login(User.objects.get(email="shopper@demo.example"))
    url = reverse("claims:my_orders") + "?brand=imirror&orders=1"

    page = client.get(url).content.decode()
    assert "10 Mar 2026" in page and "11 Mar 2026" not in page
    assert "Times are in UTC, the store&#x27;s time zone." in page

    client.cookies[COOKIE_NAME] = "Pacific/Auckland"
    page = client.get(url).content.decode()
    assert "11 Mar 2026" in page and "10 Mar 2026" not in page
    assert "Times are in your time zone, Pacific/Auckland (the store&#x27;s is UTC)." in page
