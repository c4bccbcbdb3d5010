"""The repair / replacement turnaround promise as policy data: validated on publish, in
the published snapshot (older versions read without it), in the decision (Try it, the
shopper's draft) and on the public policy page, in the shopper's words."""

from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from policies.engine import RuleData, turnaround_covers, turnaround_sentence
from policies.selectors import policy_data_for_version
from policies.services import policy_publish
from policies.snapshot import policy_data
from tests.factories import OrderLineFactory
from tests.policies.test_versions import _decide, _new_brand

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
REPAIR = RuleData(code="w", name="Warranty", reason_codes=("defekt",), window_unit="months", outcomes=("repair", "replacement", "refund"))


@pytest.mark.parametrize(
    ("fields", "sentence"),
    [
        ({"turnaround_length": 14, "turnaround_unit": "calendar_days", "turnaround_clock": "receipt", "turnaround_outcomes": ("repair",)},
         "Repairs are completed within 14 days of receiving your item."),
        ({"turnaround_length": 5, "turnaround_unit": "working_days", "turnaround_clock": "receipt", "turnaround_outcomes": ("replacement",)},
         "Replacements are shipped within 5 working days of receiving your item."),
        ({"turnaround_length": 1, "turnaround_unit": "working_days", "turnaround_clock": "approval", "turnaround_outcomes": ("replacement", "repair")},
         "Repairs are completed and replacements are shipped within 1 working day of your claim being approved."),
        ({"turnaround_length": None, "turnaround_outcomes": ("repair",)}, ""),
    ],
)  # fmt: skip
def test_the_promise_in_the_shoppers_words(fields, sentence):
    assert turnaround_sentence(replace(REPAIR, **fields)) == sentence


def test_the_promise_covers_only_its_outcomes():
    rule = replace(REPAIR, turnaround_length=14, turnaround_unit="calendar_days", turnaround_clock="receipt", turnaround_outcomes=("repair",))
    assert turnaround_covers(rule, "repair") and not turnaround_covers(rule, "replacement") and not turnaround_covers(rule, "refund")
    assert not turnaround_covers(REPAIR, "repair")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"turnaround_length": 14}, "Say how the turnaround is counted (calendar or working days)."),
        ({"turnaround_length": 14, "turnaround_unit": "calendar_days"}, "Say when the turnaround starts: at approval or when the return is received."),
        ({"turnaround_length": 14, "turnaround_unit": "calendar_days", "turnaround_clock": "receipt"}, "Say which outcomes the turnaround covers (repair, replacement, replacement part)."),
        ({"turnaround_length": 14, "turnaround_unit": "calendar_days", "turnaround_clock": "receipt", "turnaround_outcomes": ["replacement_part"]},
         "The turnaround can only cover outcomes this rule offers."),
        ({"turnaround_outcomes": ["repair"]}, "Say within how many days the repair or replacement is done, or clear the turnaround fields."),
    ],
)  # fmt: skip
def test_an_incomplete_promise_is_refused_on_publish(fields, message):
    _store, policy = _new_brand()
    rule = policy.rules.get(code="gewaehr")
    for name, value in fields.items():
        setattr(rule, name, value)
    rule.save()
    with pytest.raises(ValidationError) as raised:
        policy_publish(policy=policy, actor=None)
    assert any(message in problem for problem in raised.value.messages), raised.value.messages
    assert not policy.versions.exists()


def test_a_receipt_clock_needs_a_rule_where_the_item_is_sent_back():
    _store, policy = _new_brand()
    rule = policy.rules.get(code="gewaehr")
    rule.requires_return, rule.return_shipping_payer = False, "none"
    rule.turnaround_length, rule.turnaround_unit, rule.turnaround_clock, rule.turnaround_outcomes = 14, "calendar_days", "receipt", ["repair"]
    with pytest.raises(ValidationError) as raised:
        rule.full_clean()
    assert raised.value.message_dict["turnaround_clock"] == ["Nothing is sent back under this rule: count the turnaround from approval."]


def test_the_published_promise_reaches_the_decision_and_old_versions_have_none():
    store, policy = _new_brand()
    v1 = policy_publish(policy=policy, actor=None)
    rule = policy.rules.get(code="gewaehr")
    rule.turnaround_length, rule.turnaround_unit, rule.turnaround_clock, rule.turnaround_outcomes = 10, "working_days", "receipt", ["repair"]
    rule.full_clean()
    rule.save()
    v2 = policy_publish(policy=policy, actor=None)
    assert v2.data["rules"][1]["turnaround_outcomes"] == ["repair"]
    line = OrderLineFactory(order__store=store, order__delivered_at=datetime(2026, 11, 2, 12, 0, tzinfo=BERLIN), order__shipping_country="DE", unit_price=Decimal("80.00"))
    now = datetime(2026, 11, 20, 12, 0, tzinfo=BERLIN)
    decided = _decide(store, policy_data_for_version(version=v2), line, "defekt", now).rules[0]
    assert decided.turnaround_text == "Repairs are completed within 10 working days of receiving your item."
    assert (decided.turnaround_length, decided.turnaround_unit, decided.turnaround_clock) == (10, "working_days", "receipt")
    # v1 was published before the promise: read with the defaults
    old = policy_data_for_version(version=v1).rules[1]
    assert (old.turnaround_length, old.turnaround_outcomes) == (None, ())
    assert _decide(store, policy_data_for_version(version=v1), line, "defekt", now).rules[0].turnaround_text == ""
    # a snapshot written before the keys existed at all (versions published before this change)
    document = {**v1.data, "rules": [{k: v for k, v in r.items() if not k.startswith("turnaround_")} for r in v1.data["rules"]]}
    older = policy_data(document, store_name=store.name, currency="EUR", store_country="DE", default_review_working_days=2)
    assert (older.rules[1].turnaround_length, older.rules[1].turnaround_unit, older.rules[1].turnaround_outcomes) == (None, "", ())


def test_the_public_policy_page_and_try_it_state_the_promise(client):
    store, policy = _new_brand()
    rule = policy.rules.get(code="gewaehr")
    rule.turnaround_length, rule.turnaround_unit, rule.turnaround_clock, rule.turnaround_outcomes = 14, "calendar_days", "receipt", ["repair"]
    rule.full_clean()
    rule.save()
    policy_publish(policy=policy, actor=None)
    page = client.get(f"/s/{store.slug}/policy/")
    assert page.status_code == 200
    assert "Repairs are completed within 14 days of receiving your item." in page.content.decode()
