"""Scenario tests, one or more per row of docs/POLICY_MATRIX.md, named by its ID.
They run the launch brands' published policies (built by the demo loader through the
models and a real publish) through the pure engine, with boundaries in the store's
time zone. test_matrix_coverage.py checks that every ID has a test here and a rule."""

from datetime import timedelta
from decimal import Decimal

import pytest

from policies.engine import Status
from tests.policies.conftest import decide, local, rule

WARRANTY_OK = {"dropped": False, "misuse": False, "third-party-repair": False, "outside-damage": False, "have-product": True}
KW_MINT = {"mint": True, "unused": True}
VC_UNOPENED = {"unused": True, "untested": True, "unprogrammed": True, "packaging-intact": True}
IM_OK = {"no-cosmetic-damage": True, "original-box": True, "complete-set": True, "packaging-undamaged": True}

# The brands fixture builds the policies in the test database once; the tests
# themselves are pure.
pytestmark = pytest.mark.django_db


# --- 1. Windows ------------------------------------------------------------------------


def test_W1_money_back_last_minute_of_day_30_across_dst(brands):
    iwalk = brands["iwalk"]
    bought = local(iwalk, 2026, 10, 3, 10, 0)  # PDT; the window crosses the 1 Nov DST change
    last_minute = decide(iwalk, "changed-mind", now=local(iwalk, 2026, 11, 2, 23, 59), answers={"unopened": True}, paid_at=bought, placed_at=bought)
    assert rule(last_minute, "money-back-30").status == Status.ELIGIBLE
    assert rule(last_minute, "money-back-30").deadline.at == local(iwalk, 2026, 11, 2, 23, 59, 59, 999999)

    first_minute = decide(iwalk, "changed-mind", now=local(iwalk, 2026, 11, 3, 0, 0), answers={"unopened": True}, paid_at=bought, placed_at=bought)
    money_back = rule(first_minute, "money-back-30")
    assert money_back.status == Status.NOT_ELIGIBLE
    assert "You bought it on 3 Oct 2026; the 30-day window for “30-day money-back guarantee” ended on 2 Nov 2026." in money_back.explanation


def test_W1_window_counts_in_the_store_time_zone_not_utc(brands):
    iwalk = brands["iwalk"]
    bought = local(iwalk, 2026, 10, 3, 20, 0)  # 4 Oct 03:00 UTC: still 3 Oct in California
    decision = decide(iwalk, "changed-mind", now=local(iwalk, 2026, 11, 2, 23, 30), answers={"unopened": True}, paid_at=bought)
    assert rule(decision, "money-back-30").eligible


def test_W2_warranty_by_product_length_and_alternative_after_30_days(brands):
    iwalk = brands["iwalk"]
    bought = local(iwalk, 2026, 10, 3, 10, 0)
    decision = decide(iwalk, "changed-mind", now=local(iwalk, 2026, 11, 20, 9, 0), answers={"unopened": True}, paid_at=bought, warranty_months=24)
    assert not decision.eligible
    assert decision.alternatives[0].rule_code == "warranty"
    assert decision.summary == (
        "You bought it on 3 Oct 2026; the 30-day window for “30-day money-back guarantee” ended on 2 Nov 2026. "
        "Your warranty runs until 3 Oct 2028, so you can still file a warranty claim."
    )
    warranty = decide(iwalk, "not-working", now=local(iwalk, 2028, 10, 3, 23, 59), answers=WARRANTY_OK, paid_at=bought, warranty_months=24)
    assert rule(warranty, "warranty").eligible
    expired = decide(iwalk, "not-working", now=local(iwalk, 2028, 10, 4, 0, 1), answers=WARRANTY_OK, paid_at=bought, warranty_months=24)
    assert rule(expired, "warranty").status == Status.NOT_ELIGIBLE
    assert "the 24-month warranty ended on 3 Oct 2028" in rule(expired, "warranty").explanation[0]


def test_W3_doa_14_days_from_receipt(brands):
    kw = brands["kwoking"]
    received = local(kw, 2026, 10, 1, 15, 0)
    assert rule(decide(kw, "arrived-damaged", now=local(kw, 2026, 10, 15, 23, 59), delivered_at=received), "doa-14").eligible
    late = rule(decide(kw, "wrong-item", now=local(kw, 2026, 10, 16, 0, 0), delivered_at=received), "doa-14")
    assert late.status == Status.NOT_ELIGIBLE and "ended on 15 Oct 2026" in late.explanation[0]


def test_W3_not_yet_delivered_is_not_yet_open(brands):
    kw = brands["kwoking"]
    decision = decide(kw, "not-working", now=local(kw, 2026, 10, 15, 12, 0), shipped_at=local(kw, 2026, 10, 10, 9, 0))
    assert rule(decision, "doa-14").status == Status.NOT_YET_OPEN
    assert "has not happened yet" in rule(decision, "doa-14").explanation[0]


def test_W4_conditional_return_60_days_from_receipt(brands):
    kw = brands["kwoking"]
    received = local(kw, 2026, 9, 1, 12, 0)
    assert rule(decide(kw, "changed-mind", now=local(kw, 2026, 10, 31, 23, 59), answers=KW_MINT, delivered_at=received), "conditional-60").eligible
    assert not rule(decide(kw, "changed-mind", now=local(kw, 2026, 11, 1, 0, 0), answers=KW_MINT, delivered_at=received), "conditional-60").eligible


def test_W5_warranty_of_the_category_from_receipt(brands):
    kw = brands["kwoking"]
    received = local(kw, 2026, 1, 10, 12, 0)
    decision = decide(kw, "broke-later", now=local(kw, 2026, 7, 10, 23, 59), delivered_at=received, warranty_months=6)
    assert rule(decision, "warranty").eligible
    assert "your 6-month warranty runs until 10 Jul 2026" in rule(decision, "warranty").explanation[0]
    assert not rule(decide(kw, "broke-later", now=local(kw, 2026, 7, 11, 0, 0), delivered_at=received, warranty_months=6), "warranty").eligible


def test_W6_cancel_until_processed_and_automatic_when_late(brands):
    kw = brands["kwoking"]
    now = local(kw, 2026, 10, 10, 12, 0)
    placed = local(kw, 2026, 10, 8, 12, 0)
    open_order = rule(decide(kw, "cancel", now=now, placed_at=placed, expected_ship_at=now + timedelta(days=2)), "cancel")
    assert open_order.eligible and open_order.requires_approval and not open_order.auto_approve
    processed = rule(
        decide(kw, "cancel", now=now, placed_at=placed, processed_at=now - timedelta(hours=2), expected_ship_at=now + timedelta(days=2)),
        "cancel",
    )
    assert processed.status == Status.NOT_ELIGIBLE and "processed on 10 Oct 2026" in processed.explanation[0]
    late = rule(decide(kw, "cancel", now=now, placed_at=placed, processed_at=now - timedelta(days=1), expected_ship_at=now - timedelta(days=1)), "cancel")
    assert late.eligible and late.auto_approve and not late.requires_approval
    assert late.refund.total == Decimal("100.00")


def test_W7_supplier_30_days_from_receipt(brands):
    vc = brands["voltaic"]
    received = local(vc, 2026, 10, 1, 10, 0)
    assert rule(decide(vc, "defect", now=local(vc, 2026, 10, 31, 23, 59), delivered_at=received), "quality-defect").eligible
    assert not rule(decide(vc, "defect", now=local(vc, 2026, 11, 1, 0, 0), delivered_at=received), "quality-defect").eligible


def test_W8_wrong_item_exactly_48_hours(brands):
    vc = brands["voltaic"]
    delivered = local(vc, 2026, 10, 5, 9, 30)
    assert rule(decide(vc, "wrong-item", now=delivered + timedelta(hours=48), delivered_at=delivered), "wrong-item").eligible
    too_late = rule(decide(vc, "wrong-item", now=delivered + timedelta(hours=48, seconds=1), delivered_at=delivered), "wrong-item")
    assert too_late.status == Status.NOT_ELIGIBLE
    assert "ended on 7 Oct 2026, 09:30 (Asia/Shanghai)" in too_late.explanation[0]


def test_W9_wrong_item_return_within_5_working_days_of_approval(brands):
    vc = brands["voltaic"]
    delivered = local(vc, 2026, 10, 12, 9, 0)
    wrong = rule(decide(vc, "wrong-item", now=delivered + timedelta(hours=2), delivered_at=delivered), "wrong-item")
    assert (wrong.ship_by_length, wrong.ship_by_unit, wrong.ship_by_effect) == (5, "working_days", "waive")
    approved = local(vc, 2026, 10, 16, 11, 0)  # a Friday: the five working days skip the weekend
    assert vc.calendar.add_working_days(approved, 5) == local(vc, 2026, 10, 23, 23, 59, 59, 999999)


def test_W10_S3_approved_return_ships_within_7_natural_days_or_is_waived(brands):
    vc = brands["voltaic"]
    delivered = local(vc, 2026, 10, 12, 9, 0)
    for reason, code in (("change-of-demand", "change-of-demand"), ("defect", "quality-defect")):
        decision = rule(decide(vc, reason, now=delivered + timedelta(days=1), answers=VC_UNOPENED, delivered_at=delivered), code)
        assert (decision.ship_by_length, decision.ship_by_unit, decision.ship_by_effect) == (7, "calendar_days", "waive")
    approved = local(vc, 2026, 10, 16, 11, 0)
    assert vc.calendar.add_calendar_days(approved, 7) == local(vc, 2026, 10, 23, 23, 59, 59, 999999)


def test_W11_X5_imirror_30_days_from_delivery_us_only(brands):
    im = brands["imirror"]
    delivered = local(im, 2026, 10, 1, 14, 0)
    us = decide(im, "not-satisfied", now=local(im, 2026, 10, 31, 23, 59), answers=IM_OK, delivered_at=delivered, shipping_country="US")
    assert rule(us, "return-30").eligible
    assert not rule(decide(im, "not-satisfied", now=local(im, 2026, 11, 1, 0, 0), answers=IM_OK, delivered_at=delivered), "return-30").eligible
    canada = rule(decide(im, "not-satisfied", now=local(im, 2026, 10, 5, 9, 0), answers=IM_OK, delivered_at=delivered, shipping_country="CA"), "return-30")
    assert canada.status == Status.NOT_ELIGIBLE
    assert "only available for shipping addresses in US; this order shipped to CA" in canada.explanation[0]


def test_W12_O7_O8_cancel_or_change_address_until_picked_up(brands):
    im = brands["imirror"]
    now = local(im, 2026, 10, 10, 12, 0)
    placed = now - timedelta(hours=5)
    assert rule(decide(im, "cancel", now=now, placed_at=placed), "cancel").outcomes == ("cancel_refund",)
    address = rule(decide(im, "change-address", now=now, placed_at=placed), "change-address")
    assert address.eligible and address.outcomes == ("address_changed",)
    picked = decide(im, "cancel", now=now, placed_at=placed, picked_up_at=now - timedelta(hours=1))
    assert rule(picked, "cancel").status == Status.NOT_ELIGIBLE
    assert picked.alternatives[0].rule_code == "refused-delivery"


# --- 2. Who can claim ---------------------------------------------------------------------


def test_X1_crowdfunding_gets_warranty_but_no_refund(brands):
    im = brands["imirror"]
    delivered = local(im, 2026, 10, 1, 14, 0)
    now = local(im, 2026, 10, 5, 9, 0)
    refund = rule(decide(im, "manufacturing-issue", now=now, answers=IM_OK, delivered_at=delivered, channel="crowdfunding"), "return-30")
    assert refund.status == Status.NOT_ELIGIBLE and "crowdfunding" in refund.explanation[0]
    assert rule(decide(im, "manufacturing-issue", now=now, delivered_at=delivered, channel="crowdfunding"), "warranty").eligible


def test_X2_unauthorized_reseller_gets_nothing(brands):
    iwalk = brands["iwalk"]
    bought = local(iwalk, 2026, 10, 3, 10, 0)
    decision = decide(iwalk, "not-working", now=bought + timedelta(days=2), answers={"unopened": True, **WARRANTY_OK}, paid_at=bought, channel="unauthorized_reseller")
    assert not decision.eligible and not decision.alternatives
    assert all("unauthorized reseller" in r.explanation[0] for r in decision.rules)


def test_X3_free_products_get_no_warranty(brands):
    iwalk = brands["iwalk"]
    bought = local(iwalk, 2026, 10, 3, 10, 0)
    decision = decide(iwalk, "not-working", now=bought + timedelta(days=40), answers=WARRANTY_OK, paid_at=bought, channel="free", unit_price=Decimal("0"))
    assert rule(decision, "warranty").status == Status.NOT_ELIGIBLE


def test_X4_offline_purchase_proves_purchase_with_invoice_online_with_order(brands):
    iwalk = brands["iwalk"]
    bought = local(iwalk, 2026, 10, 3, 10, 0)
    offline = rule(decide(iwalk, "not-working", now=bought + timedelta(days=40), answers=WARRANTY_OK, paid_at=bought, channel="offline", has_order=False), "warranty")
    assert "proof-of-purchase" in {s.code for s in offline.evidence_slots}
    online = rule(decide(iwalk, "not-working", now=bought + timedelta(days=40), answers=WARRANTY_OK, paid_at=bought), "warranty")
    assert "proof-of-purchase" not in {s.code for s in online.evidence_slots}


def test_X6_accessories_only_if_damaged_on_arrival(brands):
    im = brands["imirror"]
    delivered = local(im, 2026, 10, 1, 14, 0)
    now = local(im, 2026, 10, 5, 9, 0)
    unhappy = decide(im, "not-satisfied", now=now, answers=IM_OK, delivered_at=delivered, is_accessory=True)
    assert not unhappy.eligible and "Accessories are not covered" in rule(unhappy, "return-30").explanation[0]
    damaged = decide(im, "damaged-on-arrival", now=now, answers=IM_OK, delivered_at=delivered, is_accessory=True)
    assert rule(damaged, "accessory-doa").eligible and not rule(damaged, "return-30").eligible


def test_X7_warranty_exclusions_and_shipping_damage_not_covered(brands):
    iwalk = brands["iwalk"]
    bought = local(iwalk, 2026, 6, 3, 10, 0)
    now = local(iwalk, 2026, 10, 3, 10, 0)
    for code, text in (
        ("dropped", "Physical damage"),
        ("misuse", "misuse"),
        ("third-party-repair", "third parties"),
        ("outside-damage", "outside sources"),
    ):
        decision = decide(iwalk, "not-working", now=now, answers={**WARRANTY_OK, code: True}, paid_at=bought)
        assert text in rule(decision, "warranty").explanation[0]
    lost = decide(iwalk, "not-working", now=now, answers={**WARRANTY_OK, "have-product": False}, paid_at=bought)
    assert "Lost or stolen" in rule(lost, "warranty").explanation[0]
    transit = decide(iwalk, "shipping-damage", now=now, paid_at=bought)
    assert transit.rules == () and transit.summary.startswith("iWALK's warranty does not cover packages damaged during shipping")


def test_X8_money_back_needs_the_product_unopened(brands):
    iwalk = brands["iwalk"]
    bought = local(iwalk, 2026, 10, 3, 10, 0)
    asked = decide(iwalk, "changed-mind", now=bought + timedelta(days=3), paid_at=bought)
    assert rule(asked, "money-back-30").status == Status.NEEDS_ANSWERS
    assert [q.code for q in asked.questions] == ["unopened"]
    opened = decide(iwalk, "changed-mind", now=bought + timedelta(days=3), answers={"unopened": False}, paid_at=bought)
    assert rule(opened, "money-back-30").explanation == ("The 30-day money-back guarantee is for unopened products only.",)


def test_X9_conditional_return_needs_mint_and_unused(brands):
    kw = brands["kwoking"]
    received = local(kw, 2026, 9, 1, 12, 0)
    for answers in ({"mint": False, "unused": True}, {"mint": True, "unused": False}):
        assert not rule(decide(kw, "changed-mind", now=received + timedelta(days=5), answers=answers, delivered_at=received), "conditional-60").eligible


def test_X10_supplier_return_needs_unused_untested_unprogrammed_intact(brands):
    vc = brands["voltaic"]
    received = local(vc, 2026, 10, 1, 10, 0)
    for code in VC_UNOPENED:
        decision = decide(vc, "change-of-demand", now=received + timedelta(days=3), answers={**VC_UNOPENED, code: False}, delivered_at=received)
        assert rule(decision, "change-of-demand").status == Status.NOT_ELIGIBLE


def test_X11_imirror_no_cosmetic_damage_and_original_box(brands):
    im = brands["imirror"]
    delivered = local(im, 2026, 10, 1, 14, 0)
    for code in ("no-cosmetic-damage", "original-box"):
        decision = decide(im, "not-satisfied", now=delivered + timedelta(days=3), answers={**IM_OK, code: False}, delivered_at=delivered)
        assert rule(decision, "return-30").status == Status.NOT_ELIGIBLE


def test_X12_M4_change_of_demand_accepted_with_formula_and_shopper_freight(brands):
    vc = brands["voltaic"]
    received = local(vc, 2026, 10, 1, 10, 0)
    decision = rule(
        decide(vc, "change-of-demand", now=received + timedelta(days=10), answers=VC_UNOPENED, delivered_at=received, unit_price=Decimal("42.00"), quantity=2, line_quantity=2),
        "change-of-demand",
    )
    assert decision.eligible and decision.shipping_payer == "shopper"
    assert [(line.code, line.amount) for line in decision.refund.lines] == [
        ("item_price", Decimal("84.00")),
        ("purchase-cost", Decimal("-8.40")),
        ("export-postage", Decimal("-12.00")),
    ]
    assert decision.refund.total == Decimal("63.60")
    assert all(line.code != "return_shipping" for line in decision.refund.lines)  # freight is not deducted


# --- 3. Evidence ------------------------------------------------------------------------


def _slots(decision, code):
    return {s.code: s for s in rule(decision, code).evidence_slots}


def test_E1_M1_iwalk_quality_evidence_without_media_shopper_pays(brands):
    iwalk = brands["iwalk"]
    bought = local(iwalk, 2026, 6, 3, 10, 0)
    now = local(iwalk, 2026, 10, 3, 10, 0)
    decision = decide(iwalk, "not-working", now=now, answers=WARRANTY_OK, paid_at=bought)
    slots = _slots(decision, "warranty")
    assert slots["issue"].kind == "text" and slots["issue"].mandatory
    assert slots["photos-videos"].kind == "media" and slots["photos-videos"].requirement == "affects_shipping"
    assert rule(decision, "warranty").shipping_payer == "brand"
    without = decide(iwalk, "not-working", now=now, answers=WARRANTY_OK, paid_at=bought, evidence_counts={"photos-videos": 0})
    assert rule(without, "warranty").shipping_payer == "shopper"


def test_E2_kwoking_doa_evidence(brands):
    kw = brands["kwoking"]
    received = local(kw, 2026, 10, 1, 15, 0)
    slots = _slots(decide(kw, "not-working", now=received + timedelta(days=2), delivered_at=received), "doa-14")
    assert [(s.kind, s.min_count) for s in slots.values()] == [("media", 1), ("photo", 1), ("photo", 1), ("text", 1)]
    assert "shipping label" in slots["label"].label and "original packaging" in slots["packaging"].label


def test_E3_supplier_change_of_demand_evidence(brands):
    vc = brands["voltaic"]
    received = local(vc, 2026, 10, 1, 10, 0)
    slots = _slots(decide(vc, "change-of-demand", now=received + timedelta(days=2), answers=VC_UNOPENED, delivered_at=received), "change-of-demand")
    assert set(slots) == {"panoramic", "packaging-proof"}


def test_E4_supplier_wrong_item_evidence(brands):
    vc = brands["voltaic"]
    received = local(vc, 2026, 10, 1, 10, 0)
    slots = _slots(decide(vc, "wrong-item", now=received + timedelta(hours=3), delivered_at=received), "wrong-item")
    assert slots["comparison"].kind == "screenshot" and slots["package"].min_count == 2


def test_E5_supplier_quality_defect_evidence_with_hd_photos(brands):
    vc = brands["voltaic"]
    received = local(vc, 2026, 10, 1, 10, 0)
    slots = _slots(decide(vc, "defect", now=received + timedelta(days=2), delivered_at=received), "quality-defect")
    assert (slots["videos"].kind, slots["videos"].min_count) == ("video", 3)
    assert (slots["photos"].kind, slots["photos"].min_count, slots["photos"].min_resolution) == ("photo", 10, "hd")
    assert slots["fault-statement"].kind == "text"


def test_E6_imirror_evidence(brands):
    im = brands["imirror"]
    delivered = local(im, 2026, 10, 1, 14, 0)
    slots = _slots(decide(im, "not-satisfied", now=delivered + timedelta(days=2), answers=IM_OK, delivered_at=delivered), "return-30")
    assert list(slots) == ["all-sides", "accessories", "packaging", "reason"]
    assert slots["all-sides"].min_count == 4


# --- 4. Process -------------------------------------------------------------------------


def test_P1_supplier_and_kwoking_need_approval_first(brands):
    for slug in ("voltaic", "kwoking"):
        assert all(r.requires_approval for r in brands[slug].policy.rules if r.code != "cancel")


def test_P2_rma_number_format(brands):
    policy = brands["voltaic"].policy
    assert (policy.rma_prefix, policy.rma_digits) == ("RMA", 9)


def test_P3_supplier_accepts_fedex_and_dhl_only(brands):
    vc = brands["voltaic"]
    received = local(vc, 2026, 10, 1, 10, 0)
    decision = rule(decide(vc, "defect", now=received + timedelta(days=2), delivered_at=received), "quality-defect")
    assert [c.name for c in decision.carriers] == ["DHL Express", "FedEx"]


def test_P4_imirror_needs_the_return_tracking_number(brands):
    im = brands["imirror"]
    delivered = local(im, 2026, 10, 1, 14, 0)
    assert rule(decide(im, "not-satisfied", now=delivered + timedelta(days=2), answers=IM_OK, delivered_at=delivered), "return-30").tracking_required


def test_P5_decision_after_inspection(brands):
    iwalk = brands["iwalk"]
    bought = local(iwalk, 2026, 10, 3, 10, 0)
    decision = decide(iwalk, "changed-mind", now=bought + timedelta(days=2), answers={"unopened": True}, paid_at=bought)
    assert rule(decision, "money-back-30").inspection_before_refund
    im = brands["imirror"]
    delivered = local(im, 2026, 10, 1, 14, 0)
    assert rule(decide(im, "not-satisfied", now=delivered + timedelta(days=2), answers=IM_OK, delivered_at=delivered), "return-30").inspection_before_refund


def test_P6_packing_checklist_accessories_and_packaging(brands):
    for slug in ("iwalk", "kwoking", "imirror"):
        checklist = " ".join(brands[slug].policy.packing_checklist).lower()
        assert "accessor" in checklist and ("packaging" in checklist or "box" in checklist)


def test_P7_improper_packaging_reduction_decided_at_inspection(brands):
    vc = brands["voltaic"]
    received = local(vc, 2026, 10, 1, 10, 0)
    refund = rule(decide(vc, "defect", now=received + timedelta(days=2), delivered_at=received), "quality-defect").refund
    pending = {line.code: line for line in refund.pending_lines}
    assert "improper-packaging" in pending and refund.total == Decimal("100.00")


def test_P8_O6_M6_wrong_item_keep_with_compensation_or_return(brands):
    vc = brands["voltaic"]
    received = local(vc, 2026, 10, 1, 10, 0)
    wrong = rule(decide(vc, "wrong-item", now=received + timedelta(hours=3), delivered_at=received), "wrong-item")
    assert wrong.outcomes == ("keep_with_compensation", "replacement") and wrong.shopper_states_preference
    assert any("50 % of the price difference" in note for note in wrong.refund_notes)


def test_P9_M9_refused_delivery_refund_minus_round_trip(brands):
    im = brands["imirror"]
    picked = local(im, 2026, 10, 1, 14, 0)
    in_transit = rule(decide(im, "refused", now=picked + timedelta(days=1), picked_up_at=picked, shipped_at=picked, unit_price=Decimal("899.00")), "refused-delivery")
    assert in_transit.eligible
    assert [(line.code, line.amount) for line in in_transit.refund.lines] == [("item_price", Decimal("899.00")), ("round-trip", Decimal("-150.00"))]
    delivered = rule(decide(im, "refused", now=picked + timedelta(days=3), picked_up_at=picked, delivered_at=picked + timedelta(days=2)), "refused-delivery")
    assert delivered.status == Status.NOT_ELIGIBLE


# --- 5. Outcomes ------------------------------------------------------------------------


def test_O1_O3_iwalk_refund_or_replacement_shopper_chooses(brands):
    iwalk = brands["iwalk"]
    bought = local(iwalk, 2026, 10, 3, 10, 0)
    decision = rule(decide(iwalk, "changed-mind", now=bought + timedelta(days=2), answers={"unopened": True}, paid_at=bought), "money-back-30")
    assert decision.outcomes == ("refund", "replacement") and decision.shopper_states_preference


def test_O2_O4_kwoking_doa_replacement_part_or_partial_refund(brands):
    kw = brands["kwoking"]
    received = local(kw, 2026, 10, 1, 15, 0)
    doa = rule(decide(kw, "not-working", now=received + timedelta(days=2), delivered_at=received), "doa-14")
    assert doa.outcomes == ("replacement_part", "partial_refund") and not doa.requires_return
    assert any("Staff decide the amount of the partial refund" in note for note in doa.refund_notes)


def test_O5_iwalk_warranty_repair_replacement_or_refund(brands):
    iwalk = brands["iwalk"]
    bought = local(iwalk, 2026, 6, 3, 10, 0)
    decision = rule(decide(iwalk, "not-working", now=bought + timedelta(days=60), answers=WARRANTY_OK, paid_at=bought), "warranty")
    assert set(decision.outcomes) == {"refund", "repair", "replacement"}


def test_O9_a_refused_decision_carries_the_reason_to_show(brands):
    kw = brands["kwoking"]
    received = local(kw, 2026, 9, 1, 12, 0)
    decision = decide(kw, "changed-mind", now=received + timedelta(days=61), answers=KW_MINT, delivered_at=received)
    assert not decision.eligible and decision.summary.startswith("Your order was delivered on 1 Sep 2026; the 60-day window")


# --- 6. Money ---------------------------------------------------------------------------


def test_M1_iwalk_shipping_payer_by_cause_and_destination(brands):
    iwalk = brands["iwalk"]
    bought = local(iwalk, 2026, 10, 3, 10, 0)
    now = bought + timedelta(days=2)
    assert rule(decide(iwalk, "not-working", now=now, answers={"unopened": True}, paid_at=bought), "money-back-30").shipping_payer == "brand"
    assert rule(decide(iwalk, "changed-mind", now=now, answers={"unopened": True}, paid_at=bought), "money-back-30").shipping_payer == "shopper"
    abroad = rule(decide(iwalk, "not-working", now=now, answers={"unopened": True}, paid_at=bought, shipping_country="CA"), "money-back-30")
    assert abroad.shipping_payer == "shopper" and "abroad" in abroad.shipping_explanation
    defect = rule(decide(iwalk, "not-working", now=now, answers={"unopened": True}, paid_at=bought), "money-back-30")
    assert "refunded up to 15.00 USD" in defect.shipping_explanation


def test_M2_kwoking_refund_is_price_minus_delivery_charges(brands):
    kw = brands["kwoking"]
    received = local(kw, 2026, 9, 1, 12, 0)
    refund = rule(
        decide(kw, "changed-mind", now=received + timedelta(days=5), answers=KW_MINT, delivered_at=received, unit_price=Decimal("34.00"), order_items_total=Decimal("68.00"), order_shipping_charged=Decimal("7.95")),
        "conditional-60",
    ).refund
    # one of two equal items: half of the order's delivery charges, rounded once
    assert [(line.code, line.amount) for line in refund.counted_lines] == [("item_price", Decimal("34.00")), ("delivery", Decimal("-3.98"))]
    assert refund.total == Decimal("30.02")


def test_M3_missing_components_charged_at_inspection(brands):
    kw = brands["kwoking"]
    received = local(kw, 2026, 9, 1, 12, 0)
    refund = rule(decide(kw, "changed-mind", now=received + timedelta(days=5), answers=KW_MINT, delivered_at=received), "conditional-60").refund
    assert [line.code for line in refund.pending_lines] == ["missing-parts"]


def test_M5_supplier_brand_pays_freight_for_defect_and_wrong_item(brands):
    vc = brands["voltaic"]
    received = local(vc, 2026, 10, 1, 10, 0)
    assert rule(decide(vc, "defect", now=received + timedelta(days=2), delivered_at=received), "quality-defect").shipping_payer == "brand"
    assert rule(decide(vc, "wrong-item", now=received + timedelta(hours=2), delivered_at=received), "wrong-item").shipping_payer == "brand"


def test_M7_imirror_return_shipping_deducted_except_manufacturing_issue(brands):
    im = brands["imirror"]
    delivered = local(im, 2026, 10, 1, 14, 0)
    now = delivered + timedelta(days=3)
    unhappy = rule(decide(im, "not-satisfied", now=now, answers=IM_OK, delivered_at=delivered, unit_price=Decimal("899.00")), "return-30")
    assert ("return-shipping", Decimal("-89.00")) in [(line.code, line.amount) for line in unhappy.refund.lines]
    faulty = rule(decide(im, "manufacturing-issue", now=now, answers=IM_OK, delivered_at=delivered, unit_price=Decimal("899.00")), "return-30")
    assert faulty.shipping_payer == "brand" and faulty.refund.total == Decimal("899.00")


def test_M8_restocking_fee_for_missing_items_or_damaged_packaging(brands):
    im = brands["imirror"]
    delivered = local(im, 2026, 10, 1, 14, 0)
    now = delivered + timedelta(days=3)
    for code in ("complete-set", "packaging-undamaged"):
        refund = rule(decide(im, "manufacturing-issue", now=now, answers={**IM_OK, code: False}, delivered_at=delivered, unit_price=Decimal("899.00")), "return-30").refund
        assert ("restocking", Decimal("-134.85")) in [(line.code, line.amount) for line in refund.lines]
        assert "return-damage" in [line.code for line in refund.pending_lines]
    unanswered = rule(decide(im, "manufacturing-issue", now=now, delivered_at=delivered), "return-30").refund
    assert "restocking" in [line.code for line in unanswered.pending_lines]


# --- 7. Service levels --------------------------------------------------------------------


def test_S1_S2_supplier_review_two_or_five_working_days(brands):
    vc = brands["voltaic"]
    received = local(vc, 2026, 10, 1, 10, 0)
    assert rule(decide(vc, "change-of-demand", now=received + timedelta(days=2), answers=VC_UNOPENED, delivered_at=received), "change-of-demand").review_working_days == 2
    assert rule(decide(vc, "defect", now=received + timedelta(days=2), delivered_at=received), "quality-defect").review_working_days == 5


def test_S4_S5_supplier_refund_after_inspection_and_funds_promise(brands):
    vc = brands["voltaic"]
    received = local(vc, 2026, 10, 1, 10, 0)
    decision = rule(decide(vc, "defect", now=received + timedelta(days=2), delivered_at=received), "quality-defect")
    assert (decision.refund_due_business_days, decision.refund_clock) == (2, "inspection")
    assert "10 to 15 business days" in decision.funds_arrival_note


def test_S6_S7_imirror_refund_after_receipt_and_bank_credit(brands):
    im = brands["imirror"]
    delivered = local(im, 2026, 10, 1, 14, 0)
    decision = rule(decide(im, "not-satisfied", now=delivered + timedelta(days=3), answers=IM_OK, delivered_at=delivered), "return-30")
    assert (decision.refund_due_business_days, decision.refund_clock) == (10, "receipt")
    assert "7–10 business days" in decision.funds_arrival_note


def test_S8_kwoking_cancellation_refund_in_5_business_days(brands):
    kw = brands["kwoking"]
    now = local(kw, 2026, 10, 10, 12, 0)
    decision = rule(decide(kw, "cancel", now=now, placed_at=now - timedelta(days=1)), "cancel")
    assert (decision.refund_due_business_days, decision.refund_clock) == (5, "approval")


def test_S9_review_falls_back_to_the_store_default(brands):
    iwalk = brands["iwalk"]
    bought = local(iwalk, 2026, 10, 3, 10, 0)
    decision = rule(decide(iwalk, "changed-mind", now=bought + timedelta(days=2), answers={"unopened": True}, paid_at=bought), "money-back-30")
    assert decision.review_working_days == iwalk.policy.default_review_working_days == 3


def test_an_offline_purchase_is_worded_as_bought_not_ordered_or_delivered(brands):
    """A shop purchase has no order: its delivery-anchored window says when it was bought."""
    kw = brands["kwoking"]
    bought = local(kw, 2026, 9, 1, 12, 0)
    moments = {"placed_at": bought, "paid_at": bought, "processed_at": bought, "shipped_at": bought, "delivered_at": bought}
    decision = decide(kw, "changed-mind", now=bought + timedelta(days=61), answers=KW_MINT, channel="offline", has_order=False, **moments)
    assert decision.summary.startswith("You bought it on 1 Sep 2026; the 60-day window")
    assert "order" not in decision.summary.split(";")[0] and "delivered" not in decision.summary
