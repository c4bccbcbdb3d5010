"""The outcomes a shopper chooses from and an exchange's price difference (pure engine),
and which products an item may be exchanged for (the catalogue's exchange data)."""

from decimal import Decimal

import pytest

from policies.engine import (
    RuleData,
    choosable_outcomes,
    exchange_difference,
    exchange_difference_words,
    outcome_choice_words,
)
from policies.models import Outcome
from policies.money import Breakdown, MoneyLine
from tests.factories import ProductFactory, StoreFactory


def _rule(**values) -> RuleData:
    return RuleData(code="r", name="Return", reason_codes=("any",), window_unit="calendar_days", **values)


def test_only_outcomes_a_shopper_chooses_are_offered_in_the_policys_order():
    outcomes = ("repair", "cancel_refund", "exchange", "rejection", "refund", "address_changed", "keep_with_compensation")
    assert choosable_outcomes(outcomes) == ("repair", "exchange", "refund", "keep_with_compensation")


def test_exchange_is_an_outcome_of_the_policy():
    assert Outcome.EXCHANGE.label == "Exchange"


def test_each_outcome_says_what_it_means_with_its_amount():
    rule = _rule(outcomes=("refund",), refund_method="original_payment", compensation_percent=Decimal("50"), replacement_same_model=True)
    refund = Breakdown(currency="EUR", lines=(MoneyLine(code="paid", label="Paid", amount=Decimal("49.00")),))
    assert outcome_choice_words(rule, "refund", refund=refund, currency="EUR") == "Refund to your original payment method — about 49.00 EUR"
    assert outcome_choice_words(rule, "refund", refund=None, currency="EUR") == "Refund to your original payment method"
    assert outcome_choice_words(rule, "replacement", refund=None, currency="EUR") == "Replacement — we send you the same model again"
    assert outcome_choice_words(rule, "keep_with_compensation", refund=None, currency="EUR").startswith(
        "Keep it with compensation of 50 % of the price difference"
    )
    assert outcome_choice_words(rule, "exchange", refund=None, currency="EUR").startswith("Exchange for another size, colour or model")
    # an outcome added later (store credit …) still reads as words
    assert outcome_choice_words(rule, "store_credit", refund=None, currency="EUR") == "Store credit — the refund, sent as a code"


@pytest.mark.parametrize(
    ("paid", "price", "quantity", "difference", "words"),
    [
        ("49.00", "59.00", 1, "10.00", "You pay 10.00 EUR more"),
        ("98.00", "44.00", 2, "-10.00", "We refund the 10.00 EUR difference"),
        ("49.00", "49.00", 1, "0.00", "Same price: nothing to pay and nothing to refund."),
    ],
)
def test_the_price_difference_both_ways(paid, price, quantity, difference, words):
    amount = exchange_difference(paid=Decimal(paid), new_unit_price=Decimal(price), quantity=quantity, currency="EUR")
    assert amount == Decimal(difference)
    assert exchange_difference_words(amount, "EUR").startswith(words)


def test_a_product_is_exchanged_within_its_family_or_group_in_its_store(db):
    store, other_store = StoreFactory(), StoreFactory()
    shoe = ProductFactory(store=store, model_family="TRAIL", exchange_group="")
    shoe_blue = ProductFactory(store=store, model_family="trail ", exchange_group="")
    boot = ProductFactory(store=store, model_family="BOOT", exchange_group="SHOES")
    sandal = ProductFactory(store=store, exchange_group="shoes")
    elsewhere = ProductFactory(store=other_store, model_family="TRAIL", exchange_group="SHOES")
    assert shoe.is_exchangeable_for(shoe_blue)  # a variant
    assert not shoe.is_exchangeable_for(shoe)  # the same item is a replacement, not an exchange
    assert not shoe.is_exchangeable_for(boot)  # no group in common
    assert boot.is_exchangeable_for(sandal) and sandal.is_exchangeable_for(boot)
    assert not boot.is_exchangeable_for(elsewhere)  # another store's catalogue


def test_the_public_policy_page_says_what_an_exchange_is_for(client, db):
    from django.core.management import call_command

    call_command("demo_load", no_claims=True)
    page = client.get("/s/imirror/policy/").content.decode()
    assert "Full refund, Exchange for another size, colour or model of the same range (you pay or get back the price difference)" in page
