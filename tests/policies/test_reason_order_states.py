"""Reasons follow the order's state: each reason is offered when the order is not
shipped, shipped (on its way, or refused) or delivered; the kind gives the default,
the store may choose otherwise in the admin; the choice is frozen in the policy
version; alternatives name only what still applies to the order."""

import re
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command

from accounts.models import User
from policies.engine import (
    ORDER_DELIVERED,
    ORDER_NOT_SHIPPED,
    ORDER_SHIPPED,
    ORDER_STATES,
    ReasonData,
    default_order_states,
    order_state,
)
from policies.forms import REASON_NEVER_OFFERED
from policies.models import Policy, Reason, ReasonKind
from policies.selectors import policy_data_for_version, policy_version_current
from policies.services import policy_publish
from tests.policies.conftest import decide, facts, local

KIND_DEFAULTS = {
    "cancellation": (ORDER_NOT_SHIPPED,),
    "address_change": (ORDER_NOT_SHIPPED,),
    "refused_delivery": (ORDER_SHIPPED,),
    "wrong_charge": ORDER_STATES,
    "change_of_mind": (ORDER_DELIVERED,),
    "dead_on_arrival": (ORDER_DELIVERED,),
    "functional_failure": (ORDER_DELIVERED,),
    "wrong_item": (ORDER_DELIVERED,),
    "damaged_in_transit": (ORDER_DELIVERED,),
    "missing_parts": (ORDER_DELIVERED,),
}
DAY = datetime(2026, 10, 1, 12, 0).astimezone()


def test_every_reason_kind_has_a_default_order_state():
    assert set(KIND_DEFAULTS) == set(ReasonKind.values)
    for kind, states in KIND_DEFAULTS.items():
        assert default_order_states(kind) == states, kind
        assert ReasonData("r", "R", kind).offered_when == states


@pytest.mark.parametrize(
    ("times", "events", "expected"),
    [
        ({}, (), ORDER_NOT_SHIPPED),
        ({"processed_at": DAY}, (), ORDER_NOT_SHIPPED),
        ({"shipped_at": DAY}, (), ORDER_SHIPPED),
        ({"picked_up_at": DAY}, (), ORDER_SHIPPED),
        ({"shipped_at": DAY, "delivered_at": DAY + timedelta(days=2)}, (), ORDER_DELIVERED),
        # refused at the door: on its way back, not delivered, whatever the carrier wrote
        ({"shipped_at": DAY, "delivered_at": DAY + timedelta(days=2)}, (("delivery_refused", DAY),), ORDER_SHIPPED),
    ],
)
def test_the_order_state_comes_from_the_orders_facts(times, events, expected):
    assert order_state(facts(placed_at=DAY - timedelta(days=1), events=events, **times)) == expected


def test_a_purchase_without_an_order_counts_as_delivered():
    assert order_state(facts(has_order=False, paid_at=DAY)) == ORDER_DELIVERED


def test_the_store_can_offer_a_reason_in_other_states_than_its_kinds_default():
    reason = ReasonData("cancel", "Cancel my order", "cancellation", order_states=(ORDER_SHIPPED, ORDER_NOT_SHIPPED))
    assert reason.offered_when == (ORDER_NOT_SHIPPED, ORDER_SHIPPED)
    assert reason.offered_in(ORDER_SHIPPED) and not reason.offered_in(ORDER_DELIVERED)
    assert reason.offered_when_words == "When your order has not shipped yet or is on its way (shipped, not delivered) or you refused it."
    assert ReasonData("charge", "Wrong charge", "wrong_charge").offered_when_words == "At any time."


def test_each_order_state_offers_only_its_reasons(brands):
    imirror = brands["imirror"].policy
    codes = {state: [r.code for r in imirror.reasons_for(state)] for state in ORDER_STATES}
    assert codes == {
        ORDER_NOT_SHIPPED: ["cancel", "change-address"],
        ORDER_SHIPPED: ["refused"],
        ORDER_DELIVERED: ["not-satisfied", "manufacturing-issue", "damaged-on-arrival"],
    }
    kwoking = brands["kwoking"].policy
    assert [r.code for r in kwoking.reasons_for(ORDER_NOT_SHIPPED)] == ["cancel"]
    assert "cancel" not in [r.code for r in kwoking.reasons_for(ORDER_DELIVERED)]


def test_alternatives_name_nothing_of_a_state_the_order_has_left(brands):
    """The issue's case: a refused-delivery claim on an order delivered 8 days ago was
    told "Cancel before pick-up" was still possible."""
    im = brands["imirror"]
    picked = local(im, 2026, 10, 5, 10, 0)
    now = picked + timedelta(days=10)
    decision = decide(
        im, "refused", now=now, placed_at=picked - timedelta(days=1), shipped_at=picked, picked_up_at=picked, delivered_at=picked + timedelta(days=2), unit_price=Decimal("899.00")
    )
    assert not decision.eligible
    named = {alternative.rule_code for alternative in decision.alternatives}
    assert "return-30" in named
    assert not named & {"cancel", "change-address"}
    assert all("Cancel" not in label and "address" not in label for a in decision.alternatives for label in a.reasons)
    assert "pick-up" not in decision.summary


def test_alternatives_of_a_not_shipped_order_still_name_what_opens_later(brands):
    """Cancelling too late (the parcel is processed, not shipped): the return that opens
    on delivery is still ahead of this order, so it is named."""
    kw = brands["kwoking"]
    placed = local(kw, 2026, 10, 1, 10, 0)
    decision = decide(kw, "cancel", now=placed + timedelta(days=3), placed_at=placed, processed_at=placed + timedelta(days=1), shipping_country="DE")
    assert not decision.eligible
    assert decision.alternatives and all(a.not_yet_open for a in decision.alternatives)


# --- the data: admin, snapshot, demo ---------------------------------------------------


@pytest.mark.django_db
def test_the_version_freezes_when_each_reason_is_offered_and_old_versions_fall_back_to_the_kind():
    call_command("demo_load", no_claims=True)
    policy = Policy.objects.get(store__slug="imirror")
    version = policy_version_current(store=policy.store)
    stored = {r["code"]: r["order_states"] for r in version.data["reasons"]}
    assert stored["cancel"] == [ORDER_NOT_SHIPPED] and stored["refused"] == [ORDER_SHIPPED] and stored["not-satisfied"] == [ORDER_DELIVERED]

    Reason.objects.filter(store=policy.store, code="cancel").update(order_states=[ORDER_NOT_SHIPPED, ORDER_SHIPPED])
    assert policy_data_for_version(version=version).reason("cancel").offered_when == (ORDER_NOT_SHIPPED,)  # published: unchanged
    newer = policy_publish(policy=policy, actor=None)
    assert policy_data_for_version(version=newer).reason("cancel").offered_when == (ORDER_NOT_SHIPPED, ORDER_SHIPPED)

    for reason in version.data["reasons"]:  # a version published before this existed
        reason.pop("order_states")
    version.save(update_fields=["data"])
    version.refresh_from_db()
    assert policy_data_for_version(version=version).reason("refused").offered_when == (ORDER_SHIPPED,)


def _reason_post(reason: Reason, **changes) -> dict:
    data = {
        "store": reason.store_id,
        "code": reason.code,
        "label": reason.label,
        "kind": reason.kind,
        "help_text": reason.help_text,
        "not_covered_note": reason.not_covered_note,
        "position": reason.position,
        "is_active": "on",
        "order_states": list(reason.offered_when),
    }
    data.update(changes)
    return data


@pytest.mark.django_db
def test_staff_choose_in_the_admin_when_a_reason_is_offered(client):
    call_command("demo_load", no_claims=True)
    client.force_login(User.objects.get(email="manager@imirror.demo.example"))
    reason = Reason.objects.get(store__slug="imirror", code="cancel")
    url = f"/admin/policies/reason/{reason.pk}/change/"
    page = client.get(url).content.decode()
    assert "Offered when the order is" in page
    ticked = set(re.findall(r'<input type="checkbox" name="order_states" value="(\w+)"[^>]*\bchecked\b', page))
    assert ticked == {ORDER_NOT_SHIPPED}

    response = client.post(url, _reason_post(reason, order_states=[ORDER_NOT_SHIPPED, ORDER_SHIPPED]))
    assert response.status_code == 302
    reason.refresh_from_db()
    assert reason.order_states == [ORDER_NOT_SHIPPED, ORDER_SHIPPED]

    refused = client.post(url, _reason_post(reason, order_states=[]))
    assert refused.status_code == 200
    assert str(REASON_NEVER_OFFERED) in refused.content.decode()
    reason.refresh_from_db()
    assert reason.order_states == [ORDER_NOT_SHIPPED, ORDER_SHIPPED]

    # a new reason left unticked takes its kind's default
    new = Reason(store=reason.store, code="wrong-charge", label="I was charged the wrong amount", kind="wrong_charge", position=9)
    added = client.post("/admin/policies/reason/add/", _reason_post(new, order_states=[]))
    assert added.status_code == 302
    assert Reason.objects.get(store=reason.store, code="wrong-charge").order_states == list(ORDER_STATES)
    listing = client.get("/admin/policies/reason/").content.decode()
    assert "not shipped yet" in listing


@pytest.mark.django_db
def test_the_policy_page_says_when_each_reason_can_be_used(client):
    call_command("demo_load", no_claims=True)
    page = client.get("/s/imirror/policy/").content.decode()
    section = page.split('data-testid="reasons-when"', 1)[1].split("</section>", 1)[0]
    assert "<strong>Cancel my order:</strong> When your order has not shipped yet." in section
    assert "<strong>I refused the delivery:</strong> When your order is on its way (shipped, not delivered) or you refused it." in section
    assert "<strong>It has a manufacturing issue:</strong> When your order has been delivered (or you bought it in a shop)." in section
