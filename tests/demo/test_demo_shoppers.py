"""The demo is there to be tried: the README's guest example can be claimed, and every
demo shopper has, in every brand, recent orders no claim holds, one in each state the
reasons follow (not shipped, on its way, delivered within a return window)."""

import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from claims.selectors import order_lines_claimable
from demo.brands import BRANDS, GUEST_EMAIL, SHOPPER_EMAIL
from orders.models import Order
from policies.engine import ORDER_DELIVERED, ORDER_NOT_SHIPPED, ORDER_SHIPPED
from policies.selectors import (
    decision_for_purchase,
    order_state_for_order,
    policy_data_for_version,
    policy_version_current,
    purchase_facts_for_line,
)

pytestmark = pytest.mark.django_db


def _unclaimed(order: Order) -> bool:
    return all(free == line.quantity for line, free in order_lines_claimable(order=order))


def _some_reason_open(order: Order) -> bool:
    policy = policy_data_for_version(version=policy_version_current(store=order.store))
    state = order_state_for_order(order=order)
    now = timezone.now()
    for line in order.lines.order_by("pk"):
        purchase = purchase_facts_for_line(line=line, quantity=1)
        for reason in policy.reasons_for(state):
            decision = decision_for_purchase(store=order.store, policy=policy, purchase=purchase, reason_code=reason.code, answers={}, now=now)
            if decision.open_rules:
                return True
    return False


def test_the_readmes_guest_example_is_claimable_and_every_demo_shopper_has_unclaimed_orders_in_every_state():
    call_command("demo_load")
    example = Order.objects.get(number="IW-10020", customer_email=GUEST_EMAIL)
    assert _unclaimed(example)
    assert order_state_for_order(order=example) == ORDER_DELIVERED
    assert _some_reason_open(example)
    for email in (SHOPPER_EMAIL, GUEST_EMAIL):
        for slug in (brand["slug"] for brand in BRANDS):
            orders = [o for o in Order.objects.filter(store__slug=slug, customer_email=email) if _unclaimed(o)]
            by_state = {}
            for order in orders:
                by_state.setdefault(order_state_for_order(order=order), []).append(order)
            assert set(by_state) == {ORDER_NOT_SHIPPED, ORDER_SHIPPED, ORDER_DELIVERED}, (slug, email, by_state)
            # each can start a claim today: a delivered one within a return window, the
            # others with the reasons of their state (cancel, change the address, refuse)
            assert any(_some_reason_open(order) for order in by_state[ORDER_DELIVERED]), (slug, email)


def test_the_readmes_table_of_orders_to_try_matches_the_demo_data():
    call_command("demo_load")
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    rows = [line for line in readme.splitlines() if line.startswith("| ") and re.search(r"`[A-Z]{2}-\d{5}` · ", line)]
    assert len(rows) == len(BRANDS)
    states = (ORDER_DELIVERED, ORDER_NOT_SHIPPED, ORDER_SHIPPED)
    for row in rows:
        cells = row.strip("|").split("|")[1:]
        for email, cell in zip((SHOPPER_EMAIL, GUEST_EMAIL), cells, strict=True):
            numbers = re.findall(r"`([A-Z]{2}-\d{5})`", cell)
            for number, state in zip(numbers, states, strict=True):
                order = Order.objects.get(number=number)
                assert (order.customer_email, order_state_for_order(order=order), _unclaimed(order)) == (email, state, True), number
