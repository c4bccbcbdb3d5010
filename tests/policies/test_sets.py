"""Issue #14, three policy concepts as data: keeping part of a set against its value,
replacement with the same model only, and any carrier without a tracking format. Each
is a rule or carrier option, validated on publish, in the snapshot, evaluated by the
pure engine and worded the same in Try it, the shopper's decision and the policy page."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from policies.calendar import BusinessCalendar
from policies.engine import (
    CarrierData,
    KeptPart,
    PolicyData,
    ReasonData,
    RuleData,
    SetLine,
    Status,
    carriers_words,
    companions_kept,
    evaluate,
    tracking_number_fits,
)
from policies.models import CoverageRule, Policy, Reason, ReturnCarrier
from policies.selectors import policy_data_for_draft, policy_data_for_version, purchase_facts_for_line
from policies.services import policy_publish, policy_validate
from policies.snapshot import policy_data, policy_snapshot
from policies.templatetags.policy_words import accepted_carriers, rule_outcome_words
from tests.factories import OrderFactory, OrderLineFactory, ProductFactory, StoreFactory
from tests.policies.conftest import facts

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 10, 20, 12, 0, tzinfo=LONDON)
CALENDAR = BusinessCalendar(time_zone="Europe/London", working_weekdays=frozenset(range(5)), holidays=frozenset())
MIND = ReasonData(code="changed-mind", label="Changed my mind", kind="change_of_mind")
POUCH = KeptPart(line_id=2, name="Travel pouch", quantity=1, value=Decimal("12.00"))


def _rule(**overrides) -> RuleData:
    values = {
        "code": "return-30",
        "name": "30-day return",
        "reason_codes": ("changed-mind",),
        "window_unit": "calendar_days",
        "window_length": 30,
        "window_anchor": "delivered",
        "outcomes": ("refund",),
        "requires_approval": True,
        "requires_return": True,
    }
    values.update(overrides)
    return RuleData(**values)


def _decide(rule: RuleData, **purchase):
    policy = PolicyData(store_name="Pack & Go", currency="GBP", store_country="GB", default_review_working_days=3, rules=(rule,), reasons=(MIND,))
    values = {"currency": "GBP", "shipping_country": "GB", "delivered_at": datetime(2026, 10, 10, 9, 0, tzinfo=LONDON)}
    values.update(purchase)
    return evaluate(policy=policy, purchase=facts(**values), calendar=CALENDAR, reason=MIND, answers={}, now=NOW).rules[0]


def _money(decision):
    return [(line.label, line.amount) for line in decision.refund.counted_lines]


# --- keeping part of a set --------------------------------------------------------------


def test_a_kept_bundle_part_is_deducted_by_name_and_value_instead_of_blocking():
    kept = _decide(_rule(bundle_return="keep_deduct"), bundle_missing=("1 × Travel pouch",), bundle_kept=(POUCH,))
    assert kept.status == Status.ELIGIBLE
    assert _money(kept) == [("Price paid for the item(s)", Decimal("100.00")), ("Kept: Travel pouch", Decimal("-12.00"))]
    assert kept.refund.total == Decimal("88.00")
    assert "You may keep Travel pouch from the set: its value, 12.00 GBP, is deducted from your refund." in kept.refund_notes
    # the same purchase under a rule that wants the set back complete is refused, as before
    together = _decide(_rule(bundle_return="together"), bundle_missing=("1 × Travel pouch",), bundle_kept=(POUCH,))
    assert together.status == Status.NOT_ELIGIBLE and "add 1 × Travel pouch to this claim" in together.explanation[0]
    # a rule that lets bundle items go back one by one deducts nothing
    separately = _decide(_rule(), bundle_missing=("1 × Travel pouch",), bundle_kept=(POUCH,))
    assert separately.eligible and separately.refund.total == Decimal("100.00")


def test_a_kept_gift_is_deducted_and_several_units_are_named_with_their_count():
    straps = KeptPart(line_id=3, name="Strap", quantity=2, value=Decimal("9.98"))
    kept = _decide(_rule(gift_return="keep_deduct"), gifts_missing=("2 × Strap",), gifts_kept=(straps,), unit_price=Decimal("59.99"), order_items_total=Decimal("59.99"))
    assert kept.eligible
    assert _money(kept) == [("Price paid for the item(s)", Decimal("59.99")), ("Kept: 2 × Strap", Decimal("-9.98"))]
    assert kept.refund.total == Decimal("50.01")
    # gifts kept under a bundle-only option are not charged
    assert _decide(_rule(bundle_return="keep_deduct"), gifts_kept=(straps,)).refund.total == Decimal("100.00")


def test_a_kept_part_worth_more_than_the_refund_leaves_nothing_never_less():
    dear = KeptPart(line_id=2, name="Lens", quantity=1, value=Decimal("250.00"))
    kept = _decide(_rule(bundle_return="keep_deduct"), bundle_kept=(dear,))
    assert kept.refund.total == Decimal("0.00")
    assert kept.refund.lines[1].note == "capped at what is left (100.00)"


def test_a_kept_part_paid_in_full_is_kept_without_a_deduction():
    free = KeptPart(line_id=2, name="Cable", quantity=1, value=Decimal("0"))
    kept = _decide(_rule(gift_return="keep_deduct"), gifts_kept=(free,))
    assert _money(kept) == [("Price paid for the item(s)", Decimal("100.00"))]
    assert "You may keep Cable from the set: nothing is deducted for it." in kept.refund_notes


def _set_line(line_id, quantity, covered, group="", gift=False, name=None, value="0"):
    return SetLine(line_id, name or f"Item {line_id}", quantity, group, gift, covered, Decimal(value))


def test_a_kept_part_is_counted_once_per_claim_in_proportion_with_its_value():
    # camera + lens + pouch sold as one set; the claim returns camera and lens
    lines = (
        _set_line(1, 1, 1, "B1", name="Camera"),
        _set_line(2, 1, 1, "B1", name="Lens"),
        _set_line(3, 1, 0, "B1", name="Travel pouch", value="12.00"),
    )
    kept = companions_kept(lines, [2, 1])
    assert kept[1] == ((KeptPart(3, "Travel pouch", 1, Decimal("12.00")),), ())
    assert kept[2] == ((), ())  # not a second time on the lens
    # two sets of (1 camera + 2 cards): one camera back keeps 2 cards
    two_sets = (_set_line(1, 2, 1, "B1", name="Camera"), _set_line(2, 4, 0, "B1", name="Card", value="5.50"))
    assert companions_kept(two_sets, [1])[1][0] == (KeptPart(2, "Card", 2, Decimal("11.00")),)
    # a gift is kept once everything it came with goes back
    order = (_set_line(1, 1, 1, name="Power bank"), _set_line(4, 1, 0, gift=True, name="Keychain", value="3.00"))
    assert companions_kept(order, [1])[1] == ((), (KeptPart(4, "Keychain", 1, Decimal("3.00")),))


@pytest.mark.django_db
def test_the_kept_value_is_the_list_price_not_paid_for_whatever_the_price_split():
    """A set sold for £200 (camera listed £200, pouch listed £12): keeping the pouch costs £12
    whether the shop put the whole price on the camera or split it."""
    store = StoreFactory(currency="GBP", country="GB", time_zone="Europe/London")
    policy = Policy.objects.create(store=store, name="Returns")
    mind = Reason.objects.create(store=store, code="changed-mind", label="Changed my mind", kind="change_of_mind")
    rule = CoverageRule.objects.create(
        policy=policy, code="return-30", name="30-day return", window_length=30, window_unit="calendar_days", window_anchor="delivered",
        outcomes=["refund"], bundle_return="keep_deduct", gift_return="keep_deduct",
    )  # fmt: skip
    rule.reasons.add(mind)
    camera, pouch = ProductFactory(store=store, name="Camera", price=Decimal("200.00")), ProductFactory(store=store, name="Travel pouch", price=Decimal("12.00"))
    refunds = []
    for camera_price, pouch_price in ((Decimal("200.00"), Decimal("0.00")), (Decimal("188.00"), Decimal("12.00")), (Decimal("190.00"), Decimal("10.00"))):
        order = OrderFactory(store=store, currency="GBP", shipping_country="GB")
        line = OrderLineFactory(order=order, product=camera, unit_price=camera_price, bundle_group="B1")
        OrderLineFactory(order=order, product=pouch, unit_price=pouch_price, bundle_group="B1")
        purchase = purchase_facts_for_line(line=line)
        decision = evaluate(
            policy=policy_data_for_draft(policy=policy), purchase=purchase, calendar=CALENDAR, reason=MIND, answers={}, now=order.delivered_at
        ).rules[0]
        refunds.append(decision.refund.total)
    assert refunds == [Decimal("188.00"), Decimal("188.00"), Decimal("188.00")]


# --- replacement with the same model only ------------------------------------------------


def test_same_model_replacement_is_named_in_the_decision_and_on_the_policy_page():
    rule = _rule(outcomes=("refund", "replacement"), replacement_same_model=True)
    decision = _decide(rule)
    assert decision.outcome_labels == ("Full refund", "Replacement with the same model only")
    assert rule_outcome_words(rule) == "Full refund, Replacement with the same model only"
    assert _decide(_rule(outcomes=("replacement",))).outcome_labels == ("Replacement",)


# --- any carrier ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "fits"),
    [("1Z999AA10123456784", True), ("JD-0148 2201 77", True), ("AB12", False), ("x" * 41, False), ("see the photo!", False), ("-ABC12", False)],
)
def test_a_carrier_without_a_format_takes_any_sane_tracking_number(number, fits):
    assert tracking_number_fits(CarrierData(name="Any carrier", tracking_pattern="", any_carrier=True), number) is fits


def test_a_carrier_with_a_format_keeps_it_and_the_words_name_the_accepted_carriers():
    dhl = CarrierData(name="DHL", tracking_pattern=r"\d{10}")
    assert tracking_number_fits(dhl, "1234567890") and not tracking_number_fits(dhl, "1Z999AA10123456784")
    fedex = CarrierData(name="FedEx", tracking_pattern=r"\d{12}")
    assert carriers_words((fedex, dhl)) == "FedEx, DHL"
    anyone = CarrierData(name="Any carrier with tracking", tracking_pattern="", any_carrier=True)
    assert carriers_words((anyone,)) == "any carrier with a tracking number"
    assert accepted_carriers([anyone, dhl]) == "any carrier with a tracking number (for example DHL)"


# --- admin validation, snapshot ------------------------------------------------------------


def _brand():
    store = StoreFactory(currency="GBP", country="GB", time_zone="Europe/London")
    policy = Policy.objects.create(store=store, name="Returns")
    mind = Reason.objects.create(store=store, code="changed-mind", label="Changed my mind", kind="change_of_mind")
    rule = CoverageRule.objects.create(
        policy=policy, code="return-30", name="30-day return", window_length=30, window_unit="calendar_days", window_anchor="delivered",
        outcomes=["refund", "replacement"],
    )  # fmt: skip
    rule.reasons.add(mind)
    return policy, rule


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"bundle_return": "keep_deduct", "outcomes": ["replacement"]}, "Keeping part of a bundle against its value needs a refund outcome to deduct it from."),
        ({"gift_return": "keep_deduct", "outcomes": ["repair"]}, "Keeping a free gift against its value needs a refund outcome to deduct it from."),
        (
            {"gift_return": "keep_deduct", "requires_return": False, "return_shipping_payer": "none"},
            "Keeping a free gift against its value needs a rule where the item is sent back.",
        ),
        ({"replacement_same_model": True, "outcomes": ["refund"]}, "“Same model only” needs the outcome “Replacement”."),
    ],
)
def test_contradicting_set_and_replacement_options_are_refused_on_publish(change, message):
    policy, rule = _brand()
    CoverageRule.objects.filter(pk=rule.pk).update(**change)
    assert any(message in problem for problem in policy_validate(policy=policy)), policy_validate(policy=policy)
    with pytest.raises(ValidationError):
        policy_publish(policy=policy, actor=None)


@pytest.mark.django_db
def test_carrier_rows_without_a_format_are_validated_on_publish():
    policy, _rule_row = _brand()
    free = ReturnCarrier(policy=policy, name="Royal Mail", tracking_pattern="", tracking_example="AB 1234 5678 9GB")
    free.full_clean()  # no format: the example only needs the free shape
    free.save()
    with pytest.raises(ValidationError, match="Any carrier means any tracking number"):
        ReturnCarrier(policy=policy, name="Any carrier", any_carrier=True, tracking_pattern=r"\d+").full_clean()
    ReturnCarrier.objects.create(policy=policy, name="Any carrier", any_carrier=True)
    ReturnCarrier.objects.create(policy=policy, name="Any courier", any_carrier=True)
    assert "Only one carrier row can say “any carrier”." in policy_validate(policy=policy)
    bad = ReturnCarrier(policy=policy, name="Parcelforce", tracking_example="?")
    with pytest.raises(ValidationError, match="The example does not match the format."):
        bad.full_clean()


@pytest.mark.django_db
def test_the_new_options_travel_in_the_snapshot_and_old_versions_read_with_defaults():
    policy, rule = _brand()
    CoverageRule.objects.filter(pk=rule.pk).update(bundle_return="keep_deduct", gift_return="keep_deduct", replacement_same_model=True)
    ReturnCarrier.objects.create(policy=policy, name="Any carrier with tracking", any_carrier=True)
    version = policy_publish(policy=policy, actor=None)
    data = policy_data_for_version(version=version)
    assert (data.rules[0].bundle_return, data.rules[0].gift_return, data.rules[0].replacement_same_model) == ("keep_deduct", "keep_deduct", True)
    assert data.carriers == (CarrierData(name="Any carrier with tracking", tracking_pattern="", any_carrier=True),)
    # a version published before these options existed
    old = policy_snapshot(policy)
    del old["rules"][0]["replacement_same_model"]
    for carrier in old["carriers"]:
        del carrier["any_carrier"], carrier["tracking_pattern"]
    read = policy_data(old, store_name="x", currency="GBP", store_country="GB", default_review_working_days=3)
    assert read.rules[0].replacement_same_model is False and read.carriers[0].any_carrier is False


# --- where people read it: Try it and the public policy page --------------------------------


@pytest.mark.django_db
def test_try_it_and_the_policy_page_show_the_kept_part_and_the_same_model_replacement(client):
    from django.core.management import call_command

    from accounts.models import User
    from orders.models import Order

    call_command("demo_load", no_claims=True)
    order = Order.objects.get(number="KW-50002")  # camera + microSD in one bundle, strap as a gift
    order.lines.filter(product__sku="KW-SDCARD").update(unit_price=Decimal("0.00"))  # the card came free with the camera
    policy = Policy.objects.get(store=order.store)
    policy.rules.filter(code="conditional-60").update(bundle_return="keep_deduct")
    policy.rules.filter(code="warranty").update(replacement_same_model=True)
    policy_publish(policy=policy, actor=None)
    client.force_login(User.objects.get(email="manager@kwoking.demo.example"))
    camera = order.lines.get(product__sku="KW-CAM")
    reason = Reason.objects.get(store=order.store, code="changed-mind")
    page = client.get(
        f"/admin/policies/policy/{policy.pk}/try/",
        {"version": "published", "source": "order", "order_line": camera.pk, "reason": reason.pk, "answer_mint": "yes", "answer_unused": "yes"},
    ).content.decode()
    assert "Kept: 32 GB microSD card" in page and "-8.00" in page
    assert "You may keep 32 GB microSD card from the set: its value, 8.00 USD, is deducted from your refund." in page

    public = client.get("/s/kwoking/policy/").content.decode()
    assert "You may keep part of a bundle and return the rest: the value of what you keep is deducted from your refund." in public
    assert "Replacement part, Repair, Replacement with the same model only" in public
