"""Starting and submitting, where they can go wrong: the start page offers only the
units not yet in a claim (a partly claimed line offers the rest, a fully claimed order
says so instead of a form that can only fail); a submit before the questions are
answered lists everything still missing."""

import pytest
from django.test import Client
from django.urls import reverse

from claims.actors import shopper_actor
from claims.services import ClaimError, claim_start, claim_submit, claim_update_draft
from orders.guest_access import guest_token_make
from orders.models import Order
from tests.claims.conftest import satisfy_evidence

pytestmark = pytest.mark.django_db

VC_UNOPENED = {"unused": True, "untested": True, "unprogrammed": True, "packaging-intact": True}


def _guest(order) -> Client:
    client = Client()
    client.post(reverse("orders:guest_access", args=[order.store.slug, guest_token_make(order=order)]))
    return client


def _submitted(order, quantities: dict[int, int]):
    shopper = shopper_actor(email=order.customer_email)
    lines = [(line, quantities[line.pk]) for line in order.lines.order_by("pk") if quantities.get(line.pk)]
    claim = claim_start(store=order.store, actor=shopper, reason_code="change-of-demand", order=order, lines=lines)
    claim_update_draft(claim_id=claim.pk, actor=shopper, answers=VC_UNOPENED)
    satisfy_evidence(claim)
    return claim_submit(claim_id=claim.pk, actor=shopper)


def test_a_partly_claimed_line_offers_the_units_left(demo):
    order = Order.objects.get(number="VC-70020")  # 2 power modules + 3 connector kits
    modules, connectors = order.lines.order_by("pk")
    _submitted(order, {connectors.pk: 2})
    client = _guest(order)
    page = client.get(reverse("claims:claim_start", args=[order.store.slug, order.number])).content.decode()
    assert "1 not yet in a claim" in page
    assert f'name="qty_{connectors.pk}"' in page and '<option value="2"' not in page.split(f'name="qty_{connectors.pk}"')[1].split("</select>")[0]
    # an old page asking for more than is left gets the rule in words
    response = client.post(
        reverse("claims:claim_start", args=[order.store.slug, order.number]), {f"qty_{modules.pk}": 0, f"qty_{connectors.pk}": 3, "reason": "change-of-demand"}
    )
    assert response.status_code == 200 and "Only 1 of “JST connector kit (10 pcs)” can still be claimed." in response.content.decode()


def test_a_fully_claimed_order_says_so_instead_of_a_form(demo):
    order = Order.objects.get(number="VC-70020")
    modules, connectors = order.lines.order_by("pk")
    _submitted(order, {modules.pk: 2, connectors.pk: 3})
    client = _guest(order)
    detail = client.get(reverse("claims:order_detail", args=[order.store.slug, order.number])).content.decode()
    assert "Everything in this order is already in a claim." in detail and "Start a claim</a>" not in detail
    page = client.get(reverse("claims:claim_start", args=[order.store.slug, order.number])).content.decode()
    assert "Everything in this order is already in a claim, so there is nothing left to claim here." in page
    assert 'name="reason"' not in page


def test_a_post_for_units_claimed_meanwhile_names_the_item(demo):
    """Two tabs: the page offered the modules, then another claim took them; starting is
    refused with the item named (the start page shows it above the form), nothing is
    started."""
    order = Order.objects.get(number="VC-70020")
    modules, connectors = order.lines.order_by("pk")
    _submitted(order, {modules.pk: 2})
    with pytest.raises(ClaimError, match="is already in another claim"):
        claim_start(store=order.store, actor=shopper_actor(email=order.customer_email), reason_code="change-of-demand", order=order, lines=[(modules, 1)])
    assert order.claims.count() == 1


def test_submitting_before_the_questions_are_answered_lists_everything_still_missing(demo):
    """One submit says it all: each unanswered question, and what the rule they would
    open still needs (the fault statement), not only "answer the questions"."""
    order = Order.objects.get(number="IW-20001")
    shopper = shopper_actor(email=order.customer_email)
    claim = claim_start(store=order.store, actor=shopper, reason_code="not-working", order=order, lines=[(order.lines.get(), 1)])
    with pytest.raises(ClaimError) as refused:
        claim_submit(claim_id=claim.pk, actor=shopper)
    problems = refused.value.problems
    assert "Answer the question “Was it dropped or physically damaged?”" in problems
    assert "Answer the question “Do you still have the product?”" in problems
    assert any(problem.startswith("Describe the issue") for problem in problems), problems
    assert len(problems) == len(set(problems))
