"""Rejection reasons after inspection as policy data: validated on publish, frozen in
the version (older versions read as having none), stated in the engine's decision (Try
it, the shopper's decision) and on the public policy page, with what happens to the
item and its fee."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from orders.models import Store
from policies.engine import (
    InspectionRejectionData,
    inspection_outcome_sentences,
    inspection_rejection_sentence,
    item_after_rejection,
)
from policies.models import InspectionRejectionReason, ItemAfterRejection, Policy
from policies.selectors import policy_data_for_version, policy_version_current
from policies.services import policy_publish, policy_validate
from policies.snapshot import policy_data, policy_snapshot

pytestmark = pytest.mark.django_db

NO_DEFECT_SENTENCE = "If inspection finds “Defect not found”, the claim is rejected and the item is sent back to you at your cost (8.00 USD)."


@pytest.mark.parametrize(
    ("handling", "fee", "words"),
    [
        ("returned", Decimal("8"), "the item is sent back to you at your cost (8.00 GBP)"),
        ("returned", Decimal("0.00"), "the item is sent back to you free of charge"),
        ("kept", None, "the item stays with us and is not sent back"),
        ("disposed", None, "the item is disposed of and not sent back"),
    ],
)
def test_what_happens_to_the_item_in_words(handling, fee, words):
    reason = InspectionRejectionData(code="x", label="Defect not found", item_handling=handling, fee=fee)
    assert item_after_rejection(reason, "GBP") == words
    assert inspection_rejection_sentence(reason, "GBP") == f"If inspection finds “Defect not found”, the claim is rejected and {words}."


def test_reasons_are_frozen_in_the_version_and_old_versions_read_without_them(db):
    call_command("demo_load", no_claims=True)
    store = Store.objects.get(slug="iwalk")
    version = policy_version_current(store=store)
    data = policy_data_for_version(version=version)
    assert [(r.code, r.item_handling, r.fee) for r in data.inspection_rejections] == [
        ("no-defect", "returned", Decimal("8.00")),
        ("missing-accessories", "returned", Decimal("8.00")),
        ("not-as-declared", "returned", Decimal("8.00")),
    ]
    old = dict(version.data)
    old.pop("inspection_rejections")
    facts = {"store_name": "x", "currency": "USD", "store_country": "US", "default_review_working_days": 3}
    assert policy_data(old, **facts).inspection_rejections == ()
    # editing the draft does not change the published version
    InspectionRejectionReason.objects.filter(policy__store=store, code="no-defect").update(fee=Decimal("12.00"))
    assert policy_data_for_version(version=version).inspection_rejections[0].fee == Decimal("8.00")
    assert policy_snapshot(store.policy)["inspection_rejections"][0]["fee"] == "12.00"


def test_a_policy_without_reasons_publishes_the_document_it_did_before(db):
    call_command("demo_load", no_claims=True)
    policy = Policy.objects.get(store__slug="voltaic")
    assert not policy.inspection_rejections.exists()
    assert "inspection_rejections" not in policy_snapshot(policy)


@pytest.mark.parametrize(
    ("handling", "fee", "problem"),
    [
        (ItemAfterRejection.RETURNED, None, "Give the fee for sending the item back (0 if it is free)."),
        (ItemAfterRejection.KEPT, Decimal("5.00"), "A fee applies only when the item is sent back."),
    ],
)
def test_publishing_refuses_a_reason_that_contradicts_itself(db, handling, fee, problem):
    call_command("demo_load", no_claims=True)
    policy = Policy.objects.get(store__slug="kwoking")
    InspectionRejectionReason.objects.create(policy=policy, code="odd", label="Odd", item_handling=handling, fee=fee)
    assert any(problem in p and "Odd" in p for p in map(str, policy_validate(policy=policy)))
    with pytest.raises(ValidationError):
        policy_publish(policy=policy, actor=None)


def test_the_decision_states_the_outcomes_for_rules_with_a_return_only(db, client):
    call_command("demo_load", no_claims=True)
    store = Store.objects.get(slug="iwalk")
    data = policy_data_for_version(version=policy_version_current(store=store))
    with_return = next(rule for rule in data.rules if rule.requires_return)
    assert inspection_outcome_sentences(data, with_return)[0] == NO_DEFECT_SENTENCE
    without = next((rule for rule in data.rules if not rule.requires_return), None)
    if without is not None:
        assert inspection_outcome_sentences(data, without) == ()

    # the public policy page states them
    page = client.get(reverse("policies:policy_page", args=[store.slug]))
    assert page.status_code == 200
    assert NO_DEFECT_SENTENCE in page.content.decode()


def test_try_it_states_what_inspection_may_find_like_the_shopper_is_told(db, client):
    from accounts.models import User
    from orders.models import Order
    from policies.models import Reason

    call_command("demo_load", no_claims=True)
    order = Order.objects.get(number="KW-50001")
    line = order.lines.get()
    reason = Reason.objects.get(store=order.store, code="changed-mind")
    client.force_login(User.objects.get(email="manager@kwoking.demo.example"))
    page = client.get(
        f"/admin/policies/policy/{order.store.policy.pk}/try/",
        {"version": "published", "source": "order", "order_line": line.pk, "reason": reason.pk},
    ).content.decode()
    assert (
        "If inspection finds “Missing accessories or original packaging”, the claim is rejected and the item is sent back "
        "to you at your cost (8.00 USD)."
    ) in page
