"""A claim page answers a visitor who is not its owner the same way whether the claim
exists, is an order's claim or an offline purchase's: a reference can't be probed."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import User
from claims.actors import shopper_actor
from claims.services import claim_start
from orders.models import Product
from tests.claims.conftest import submitted_claim

pytestmark = pytest.mark.django_db


def _answer(client: Client, url: str):
    response = client.get(url)
    follow = client.get(response["Location"]) if response.status_code == 302 else response
    return response.status_code, response.get("Location"), follow.status_code, [str(m) for m in follow.context["messages"]] if follow.context else []


def test_an_anonymous_visitor_gets_the_same_answer_for_any_reference(demo):
    order_claim = submitted_claim()
    store = order_claim.store
    product = Product.objects.filter(store=store).first()
    offline = claim_start(
        store=store,
        actor=shopper_actor(email="shopper@demo.example", user=User.objects.get(email="shopper@demo.example")),
        reason_code=order_claim.reason_code,
        offline={"product": product, "purchased_at": timezone.now() - timedelta(days=3), "price": Decimal("10.00")},
    )
    offline.reference = "CLM-OFFLN1"
    offline.save(update_fields=["reference"])
    answers = set()
    for reference in (order_claim.reference, offline.reference, "CLM-NOSUCH"):
        status, location, final_status, messages = _answer(Client(), f"/s/{store.slug}/claims/{reference}/")
        answers.add((status, location.replace(reference, "REF"), final_status, tuple(messages)))
    assert len(answers) == 1, answers
    [(status, location, final_status, messages)] = answers
    assert status == 302 and location.startswith("/account/login/") and final_status == 200
    assert "sign in, or use the link in our e-mail" in messages[0]


def test_a_signed_in_stranger_gets_the_same_answer_too(demo):
    order_claim = submitted_claim()
    stranger = User.objects.create_user(email="stranger@example.com", password="x")
    client = Client()
    client.force_login(stranger)
    answers = {
        client.get(f"/s/{order_claim.store.slug}/claims/{reference}/")["Location"]
        for reference in (order_claim.reference, "CLM-NOSUCH")
    }
    assert answers == {f"/s/{order_claim.store.slug}/"}
