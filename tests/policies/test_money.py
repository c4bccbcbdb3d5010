"""Refund arithmetic: exact Decimal, rounded once per shown line, lines add up, never
negative, never more than was paid (plus reimbursed postage)."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policies.money import build_refund, percent_of, quantize

amounts = st.decimals(min_value=Decimal("0"), max_value=Decimal("100000"), places=4, allow_nan=False, allow_infinity=False)
currencies = st.sampled_from(["USD", "EUR", "JPY", "KWD"])


@settings(max_examples=300, deadline=None)
@given(
    paid=amounts,
    deductions=st.lists(amounts, max_size=6),
    reimbursement=st.one_of(st.none(), amounts),
    currency=currencies,
)
def test_refund_is_never_negative_never_above_paid_and_lines_add_up(paid, deductions, reimbursement, currency):
    breakdown = build_refund(
        currency=currency,
        paid=paid,
        deductions=[(f"d{i}", f"Deduction {i}", amount, False) for i, amount in enumerate(deductions)],
        reimbursement=("postage", "Return postage", reimbursement) if reimbursement is not None else None,
    )
    extra = quantize(reimbursement, currency) if reimbursement is not None else Decimal("0")
    assert breakdown.total >= 0
    assert breakdown.total <= quantize(paid, currency) + extra
    assert breakdown.total == sum(line.amount for line in breakdown.counted_lines)
    for line in breakdown.lines:
        assert line.amount == quantize(line.amount, currency)  # every shown amount is in the currency's units


def test_a_deduction_larger_than_what_is_left_is_capped_and_says_so():
    breakdown = build_refund(currency="USD", paid=Decimal("10.00"), deductions=[("a", "Fee", Decimal("7.00"), False), ("b", "Fee 2", Decimal("5.00"), False)])
    assert [line.amount for line in breakdown.lines] == [Decimal("10.00"), Decimal("-7.00"), Decimal("-3.00")]
    assert "capped" in breakdown.lines[2].note
    assert breakdown.total == Decimal("0.00")


def test_currency_minor_units():
    assert quantize(Decimal("1234.5"), "JPY") == Decimal("1235")
    assert quantize(Decimal("1.0005"), "KWD") == Decimal("1.001")
    assert quantize(Decimal("0.125"), "USD") == Decimal("0.13")


def test_float_money_is_refused():
    with pytest.raises(TypeError):
        quantize(1.5, "USD")


def test_percent_over_100_is_refused():
    with pytest.raises(ValueError):
        percent_of(Decimal("10"), Decimal("101"))
