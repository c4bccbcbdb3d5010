"""The public policy page says everything the published snapshot holds that a shopper
needs before claiming: refund timing, carriers, the packing checklist and what is not
accepted (issue #14)."""

import pytest

from policies.models import ConditionQuestion, CoverageRule, PackingItem, Policy, Reason, ReturnCarrier
from policies.services import policy_publish
from tests.factories import StoreFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_policy_page_shows_refund_timing_carriers_packing_and_what_is_not_accepted(client):
    store = StoreFactory(slug="northwind-audio", name="Northwind Audio")
    changed = Reason.objects.create(store=store, code="changed-mind", label="I changed my mind", kind="change_of_mind")
    Reason.objects.create(
        store=store, code="software", label="My app subscription", kind="change_of_mind", not_covered_note="App subscriptions cannot be returned."
    )
    policy = Policy.objects.create(store=store, name="Returns", funds_arrival_note="Funds take 5–10 business days to appear.")
    rule = CoverageRule.objects.create(
        policy=policy,
        code="return-30",
        name="30-day return",
        window_length=30,
        window_unit="calendar_days",
        window_anchor="delivered",
        outcomes=["refund"],
        refund_due_business_days=5,
        refund_clock="receipt",
    )
    rule.reasons.add(changed)
    ConditionQuestion.objects.create(
        rule=rule, code="worn", question="Have the ear pads been worn?", blocking_answer=True, explanation="Worn ear pads cannot be returned."
    )
    ReturnCarrier.objects.create(policy=policy, name="UPS", tracking_pattern=r"^1Z[0-9A-Z]{16}$", tracking_example="1Z999AA10123456784")
    PackingItem.objects.create(policy=policy, text="Include the cable.")
    policy_publish(policy=policy, actor=UserFactory(is_staff=True))

    page = client.get("/s/northwind-audio/policy/").content.decode()
    assert "Refund within 5 business days after we receive the return." in page
    assert "Funds take 5–10 business days to appear." in page
    assert "UPS — tracking numbers look like 1Z999AA10123456784" in page
    assert "Include the cable." in page
    assert "Not accepted" in page and "Worn ear pads cannot be returned." in page
    assert "<strong>My app subscription:</strong> App subscriptions cannot be returned." in page
