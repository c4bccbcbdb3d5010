"""Bundles and free gifts: which other units a claim must include when a rule wants
sets back complete. The check is pure (companions_missing); the engine turns what is
missing into a plain-words reason, only for rules that say so."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from policies.engine import SetLine, Status, companions_missing
from tests.policies.conftest import decide, facts, local, rule


def _line(line_id, quantity, covered, group="", gift=False, name=None):
    return SetLine(
        line_id=line_id,
        name=name or f"Item {line_id}",
        quantity=quantity,
        bundle_group=group,
        is_gift=gift,
        covered=covered,
    )


def test_a_bundle_item_alone_misses_the_rest_of_its_bundle():
    lines = (_line(1, 1, 1, "B1", name="Camera"), _line(2, 1, 0, "B1", name="SD card"), _line(3, 1, 0, name="Lamp"))
    assert companions_missing(lines, 1) == (("1 × SD card",), ())


def test_bundles_are_counted_in_proportion():
    # two bundles of (1 camera + 2 cards): one camera back needs 2 cards back
    lines = (_line(1, 2, 1, "B1", name="Camera"), _line(2, 4, 1, "B1", name="Card"))
    assert companions_missing(lines, 1)[0] == ("1 × Card",)
    assert companions_missing((_line(1, 2, 1, "B1"), _line(2, 4, 2, "B1")), 1) == ((), ())
    # one card of two bundles: a camera back in proportion (rounded up: half a camera is a camera)
    assert companions_missing((_line(1, 2, 0, "B1", name="Camera"), _line(2, 4, 1, "B1")), 2)[0] == ("1 × Camera",)


def test_a_gift_goes_back_only_when_everything_it_came_with_does():
    bundle = (
        _line(1, 1, 1, "B1", name="Camera"),
        _line(2, 1, 0, "B1", name="Card"),
        _line(3, 1, 0, "B1", gift=True, name="Strap"),
    )
    assert companions_missing(bundle, 1) == (("1 × Card",), ())  # the bundle first; the gift once it is complete
    complete = (_line(1, 1, 1, "B1"), _line(2, 1, 1, "B1"), _line(3, 1, 0, "B1", gift=True, name="Strap"))
    assert companions_missing(complete, 1) == ((), ("1 × Strap",))


def test_a_gift_without_a_group_came_with_the_whole_order():
    order = (
        _line(1, 1, 1, name="Power bank"),
        _line(2, 2, 1, name="Cable"),
        _line(3, 1, 0, gift=True, name="Keychain"),
    )
    assert companions_missing(order, 1) == ((), ())  # one cable stays: the gift may stay
    everything = (_line(1, 1, 1), _line(2, 2, 2), _line(3, 1, 0, gift=True, name="Keychain"))
    assert companions_missing(everything, 2) == ((), ("1 × Keychain",))


def test_units_in_earlier_claims_count_and_a_gift_alone_needs_nothing():
    lines = (_line(1, 1, 1, "B1"), _line(2, 1, 1, "B1"), _line(3, 1, 1, "B1", gift=True))
    assert companions_missing(lines, 1) == ((), ())
    assert companions_missing((_line(1, 1, 0, "B1"), _line(3, 1, 1, "B1", gift=True)), 3) == ((), ())


@given(
    quantity=st.integers(1, 6),
    other_quantity=st.integers(1, 6),
    covered=st.integers(0, 6),
)
def test_a_complete_bundle_never_misses_anything(quantity, other_quantity, covered):
    covered = min(covered, quantity)
    needed = -(-covered * other_quantity // quantity)
    lines = (_line(1, quantity, covered, "B"), _line(2, other_quantity, needed, "B"))
    assert companions_missing(lines, 1)[0] == ()
    if needed:
        short = (_line(1, quantity, covered, "B"), _line(2, other_quantity, needed - 1, "B"))
        assert companions_missing(short, 1)[0] == ("1 × Item 2",)


@pytest.mark.django_db
def test_only_rules_that_want_sets_back_refuse_a_partial_bundle(brands):
    kw = brands["kwoking"]
    received = local(kw, 2026, 10, 1, 15, 0)
    now = local(kw, 2026, 10, 20, 12, 0)
    partial = {"bundle_missing": ("1 × Micro SD card",), "product_name": "Action camera"}
    conditional = rule(
        decide(kw, "changed-mind", now=now, delivered_at=received, answers={"mint": True, "unused": True}, **partial),
        "conditional-60",
    )
    assert conditional.status == Status.NOT_ELIGIBLE
    assert conditional.explanation == (
        "Action camera was sold as part of a bundle, and under “60-day conditional return” a bundle goes back complete: "
        "add 1 × Micro SD card to this claim.",
    )
    gift = rule(
        decide(
            kw,
            "changed-mind",
            now=now,
            delivered_at=received,
            answers={"mint": True, "unused": True},
            gifts_missing=("1 × Strap",),
        ),
        "conditional-60",
    )
    assert gift.status == Status.NOT_ELIGIBLE and "add 1 × Strap to this claim" in gift.explanation[0]
    # the warranty repairs what is broken: its rule lets bundle items be claimed alone
    warranty = rule(
        decide(
            kw, "not-working", now=local(kw, 2026, 11, 20, 12, 0), delivered_at=received, warranty_months=12, **partial
        ),
        "warranty",
    )
    assert warranty.eligible
    assert facts().bundle_missing == () and facts().gifts_missing == ()
