"""My claims: what a signed-in shopper sees listed."""

import pytest
from django.urls import reverse

from accounts.models import User
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
