"""The estimate's words (issue 15, problem 8): no two rows read the same, each deduction
says its basis; a total that inspection or staff settle says "up to", not "estimated";
compensation always says how much. The launch brands' published policies, through the
pure engine."""

from datetime import timedelta
from decimal import Decimal

import pytest

from policies.engine import DECIDED_BY_INSPECTION, DECIDED_BY_STAFF, DeductionData, deduction_label
from tests.policies.conftest import decide, local, rule
from tests.policies.test_scenarios import IM_OK

pytestmark = pytest.mark.django_db


def _deduction(label: str, basis: str = "percent", percent: str | None = "15") -> DeductionData:
    return DeductionData(code="d", kind="restocking_fee", label=label, basis=basis, trigger="condition", percent=Decimal(percent) if percent else None)


def test_a_deduction_reads_with_its_basis():
    assert deduction_label(_deduction("Restocking fee")) == "Restocking fee (15 %)"
    assert deduction_label(_deduction("Restocking fee (opened box)")) == "Restocking fee (opened box, 15 %)"
    assert deduction_label(_deduction("10% restocking fee", percent="10")) == "10% restocking fee"  # says it already
    assert deduction_label(_deduction("Return shipping", basis="fixed", percent=None)) == "Return shipping"


def test_imirror_estimate_has_no_two_rows_alike_and_says_up_to_until_inspection(brands):
    im = brands["imirror"]
    delivered = local(im, 2026, 10, 1, 14, 0)
    # the shopper says a set item is missing: the restocking fee on the answer, and the one at inspection
    decision = rule(
        decide(im, "manufacturing-issue", now=delivered + timedelta(days=3), answers={**IM_OK, "complete-set": False}, delivered_at=delivered, unit_price=Decimal("899.00")),
        "return-30",
    )
    labels = [line.label for line in decision.refund.lines]
    assert len(labels) == len(set(labels)), labels
    assert "Restocking fee (15 %)" in labels
    assert decision.refund_decided_by == DECIDED_BY_INSPECTION


def test_a_partial_refund_staff_decide_is_not_an_estimate_and_compensation_has_an_amount(brands):
    kw = brands["kwoking"]
    received = local(kw, 2026, 10, 1, 15, 0)
    doa = rule(decide(kw, "not-working", now=received + timedelta(days=2), delivered_at=received), "doa-14")
    assert doa.refund_decided_by == DECIDED_BY_STAFF

    vc = brands["voltaic"]
    arrived = local(vc, 2026, 10, 1, 10, 0)
    wrong = rule(decide(vc, "wrong-item", now=arrived + timedelta(hours=3), delivered_at=arrived), "wrong-item")
    note = next(note for note in wrong.refund_notes if "price difference" in note)
    assert "50 % of the price difference" in note and "at most " in note and " USD" in note


def test_two_deductions_with_the_same_words_are_told_apart_by_when_they_apply():
    from policies.engine import _distinct_labels

    by_code = {
        "a": DeductionData(code="a", kind="restocking_fee", label="Restocking fee", basis="fixed", trigger="condition"),
        "b": DeductionData(code="b", kind="restocking_fee", label="Restocking fee", basis="fixed", trigger="inspection"),
    }
    rows = _distinct_labels([("a", "Restocking fee", Decimal("5"), False), ("b", "Restocking fee", "decided at inspection")], by_code)
    assert [row[1] for row in rows] == ["Restocking fee, if your answers show it", "Restocking fee, if found at inspection"]
