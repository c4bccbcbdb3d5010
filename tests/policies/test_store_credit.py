"""Store credit as an outcome: worth the refund plus the rule's bonus (exact Decimal,
rounded once to the currency's minor unit), valid for the rule's months from the day it
is issued (in the store's zone), kept in the policy version the claim was decided under,
said in the estimate and on the public policy page."""

from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from policies.calendar import BusinessCalendar
from policies.engine import (
    RuleData,
    store_credit_amount,
    store_credit_expires_at,
    store_credit_offer,
    store_credit_terms,
)
from policies.money import build_refund, quantize
from policies.snapshot import policy_data

BERLIN = BusinessCalendar(time_zone="Europe/Berlin")
RULE = RuleData(
    code="return-30",
    name="30-day return",
    reason_codes=("changed-mind",),
    window_unit="calendar_days",
    outcomes=("refund", "store_credit"),
    store_credit_bonus_percent=Decimal("10"),
    store_credit_valid_months=12,
)


def test_the_bonus_is_added_to_the_refund_and_rounded_once_to_cents():
    assert store_credit_amount(Decimal("49.00"), Decimal("10"), "EUR") == (Decimal("4.90"), Decimal("53.90"))
    # 12.5 % of 0.99 = 0.12375 -> 0.12 (half up at the cent), never a float
    assert store_credit_amount(Decimal("0.99"), Decimal("12.5"), "EUR") == (Decimal("0.12"), Decimal("1.11"))
    assert store_credit_amount(Decimal("1005"), Decimal("7.5"), "JPY") == (Decimal("75"), Decimal("1080"))
    assert store_credit_amount(Decimal("20.00"), None, "USD") == (Decimal("0.00"), Decimal("20.00"))


@settings(max_examples=200, deadline=None)
@given(
    refund=st.decimals(min_value=Decimal("0"), max_value=Decimal("100000"), places=2, allow_nan=False, allow_infinity=False),
    percent=st.decimals(min_value=Decimal("0"), max_value=Decimal("100"), places=2, allow_nan=False, allow_infinity=False),
    currency=st.sampled_from(["EUR", "USD", "JPY", "KWD"]),
)
def test_credit_is_never_less_than_the_refund_nor_more_than_the_bonus_allows(refund, percent, currency):
    bonus, amount = store_credit_amount(refund, percent, currency)
    refund = quantize(refund, currency)
    assert amount == refund + bonus
    assert Decimal("0") <= bonus <= quantize(refund * percent / 100, currency)
    assert amount == quantize(amount, currency)


def test_valid_months_end_the_day_before_the_same_date_in_the_store_zone():
    issued = datetime(2026, 11, 30, 23, 30, tzinfo=ZoneInfo("UTC"))  # already 1 Dec in Berlin
    expires = store_credit_expires_at(RULE, issued, BERLIN)
    assert expires == datetime(2027, 11, 30, 23, 59, 59, 999999, tzinfo=ZoneInfo("Europe/Berlin"))
    # a month without the day: 31 Jan + 1 month = 28 Feb, valid until 27 Feb
    one_month = replace(RULE, store_credit_valid_months=1)
    assert store_credit_expires_at(one_month, datetime(2027, 1, 31, 12, tzinfo=ZoneInfo("Europe/Berlin")), BERLIN).date().isoformat() == "2027-02-27"
    assert store_credit_expires_at(replace(RULE, store_credit_valid_months=None), issued, BERLIN) is None


def test_the_estimate_says_what_store_credit_would_be_worth():
    refund = build_refund(currency="EUR", paid=Decimal("59.00"), deductions=[("restocking", "Restocking fee", Decimal("10.00"), False)])
    now = datetime(2026, 12, 1, 10, tzinfo=ZoneInfo("Europe/Berlin"))
    offer = store_credit_offer(RULE, refund, BERLIN, now)
    assert offer.amount == Decimal("53.90") and offer.bonus == Decimal("4.90") and offer.currency == "EUR"
    assert offer.text == "Or 53.90 EUR store credit (10 % bonus), valid until 30 Nov 2027."
    only_credit = replace(RULE, outcomes=("store_credit",), store_credit_bonus_percent=None, store_credit_valid_months=None)
    assert store_credit_offer(only_credit, refund, BERLIN, now).text == "As 49.00 EUR store credit, with no expiry date."
    assert store_credit_offer(replace(RULE, outcomes=("refund",)), refund, BERLIN, now) is None


def test_the_policy_page_sentence():
    assert store_credit_terms(RULE) == (
        "Store credit is worth what the refund would be, plus a 10 % bonus. It is sent as a code when your claim is settled "
        "and can be spent for 12 months."
    )
    assert store_credit_terms(replace(RULE, outcomes=("refund",))) == ""


def test_a_version_published_before_store_credit_reads_as_none():
    document = {"rules": [{"code": "r", "name": "R", "reason_codes": [], "window_unit": "calendar_days", "outcomes": ["refund"]}]}
    rule = policy_data(document, store_name="S", currency="EUR", store_country="DE", default_review_working_days=3).rules[0]
    assert rule.store_credit_bonus_percent is None and rule.store_credit_valid_months is None


@pytest.mark.django_db
def test_bonus_and_validity_need_the_outcome_are_kept_in_the_version_and_shown_on_the_policy_page(client):
    from policies.models import CoverageRule, Policy, Reason
    from policies.selectors import policy_data_for_version, policy_version_current
    from policies.services import policy_publish
    from tests.factories import StoreFactory, UserFactory

    store = StoreFactory(slug="northwind-audio", name="Northwind Audio", currency="EUR")
    changed = Reason.objects.create(store=store, code="changed-mind", label="I changed my mind", kind="change_of_mind")
    policy = Policy.objects.create(store=store, name="Returns")
    rule = CoverageRule(
        policy=policy,
        code="return-30",
        name="30-day return",
        window_length=30,
        window_unit="calendar_days",
        window_anchor="delivered",
        outcomes=["refund"],
        store_credit_bonus_percent=Decimal("10"),
        store_credit_valid_months=12,
    )
    with pytest.raises(ValidationError) as error:
        rule.full_clean(exclude=["reasons"])
    assert set(error.value.message_dict) >= {"store_credit_bonus_percent", "store_credit_valid_months"}
    rule.outcomes = ["refund", "store_credit"]
    rule.full_clean(exclude=["reasons"])
    rule.save()
    rule.reasons.add(changed)
    policy_publish(policy=policy, actor=UserFactory(is_staff=True))
    published = policy_data_for_version(version=policy_version_current(store=store)).rules[0]
    assert published.store_credit_bonus_percent == Decimal("10.00") and published.store_credit_valid_months == 12
    # a later change does not change what the published version says
    CoverageRule.objects.filter(pk=rule.pk).update(store_credit_bonus_percent=Decimal("25"))
    assert policy_data_for_version(version=policy_version_current(store=store)).rules[0].store_credit_bonus_percent == Decimal("10.00")

    page = client.get("/s/northwind-audio/policy/").content.decode()
    assert "Full refund, Store credit" in page
    assert "plus a 10 % bonus. It is sent as a code when your claim is settled and can be spent for 12 months." in page


def test_the_same_terms_for_a_whole_claim():
    """A claim of several lines shows one estimate: the offer follows the combined refund."""
    from policies.engine import store_credit_offer_for

    now = datetime(2026, 12, 1, 10, tzinfo=ZoneInfo("Europe/Berlin"))
    one = store_credit_offer(RULE, build_refund(currency="EUR", paid=Decimal("49.00"), deductions=[]), BERLIN, now)
    both = store_credit_offer_for(one, build_refund(currency="EUR", paid=Decimal("98.00"), deductions=[]))
    assert (both.amount, both.bonus, both.expires_at) == (Decimal("107.80"), Decimal("9.80"), one.expires_at)
    assert both.text == "Or 107.80 EUR store credit (10 % bonus), valid until 30 Nov 2027."
    assert store_credit_offer_for(None, build_refund(currency="EUR", paid=Decimal("1"), deductions=[])) is None
