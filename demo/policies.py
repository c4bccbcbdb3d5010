"""The launch brands' published policies (demo/seeds, docs/POLICY_MATRIX.md) as data.

Everything here goes through the same models a brand operator edits in the admin;
each row carries the matrix IDs it implements in its `sources`. Amounts a brand's
text names without a figure are invented and flagged `is_invented_amount`.
"""

from decimal import Decimal

from orders.models import Store
from policies.engine import default_order_states
from policies.models import (
    ConditionQuestion,
    CoverageRule,
    Deduction,
    EvidenceSlot,
    InspectionRejectionReason,
    ItemAfterRejection,
    PackingItem,
    Policy,
    Reason,
    ReturnCarrier,
)
from policies.services import policy_publish

ANY_TRACKED_CARRIERS = [
    ("UPS", r"^1Z[0-9A-Z]{16}$", "1Z999AA10123456784"),
    ("USPS", r"^(94|93|92|95)\d{20}$", "9400111899223197428490"),
    ("FedEx", r"^(\d{12}|\d{15})$", "123456789012"),
    ("DHL Express", r"^\d{10}$", "1234567890"),
]

# The carriers' public tracking pages ({tracking}: the parcel's number), for the claim page's link.
TRACKING_URLS = {
    "UPS": "https://www.ups.com/track?tracknum={tracking}",
    "USPS": "https://tools.usps.com/go/TrackConfirmAction?tLabels={tracking}",
    "FedEx": "https://www.fedex.com/fedextrack/?trknbr={tracking}",
    "DHL Express": "https://www.dhl.com/global-en/home/tracking/tracking-express.html?submit=1&tracking-id={tracking}",
}

# How to hand a return over. The brands' published texts name no drop-off steps (Voltaic
# names its carriers, P3): these are plausible demo texts built on what each policy says.
# No policy text gives a return address: the stores' demo addresses (demo/brands.py) apply.
DROP_OFF = {
    "iwalk": (
        "Pack the item with its cables and adapters, write the RMA number on the outside of the box and drop it at any "
        "UPS, USPS, FedEx or DHL location. Keep the receipt with the tracking number and enter the number here."
    ),
    "kwoking": (
        "Write the RMA number on the parcel and hand it to a tracked courier (UPS, USPS, FedEx or DHL Express) or drop it "
        "at one of their service points. Parcels without an approved RMA number are refused."
    ),
    "voltaic": (
        "Book a FedEx or DHL Express pickup, or drop the parcel at a FedEx or DHL service point: postal services are not "
        "accepted. Write the RMA number in the recipient information of the waybill."
    ),
    "imirror": (
        "Pack the mirror in its original box and drop it at a UPS Store, a USPS post office, a FedEx Office or a DHL "
        "service point, or use another carrier with tracking. Enter the tracking number here as soon as you ship."
    ),
}


def _policy(store: Store, **fields) -> Policy:
    return Policy.objects.create(store=store, drop_off_instructions=DROP_OFF.get(store.slug, ""), **fields)


def _reasons(store: Store, specs) -> dict[str, Reason]:
    reasons = {}
    for position, (code, label, kind, *rest) in enumerate(specs):
        reasons[code] = Reason.objects.create(
            store=store,
            code=code,
            label=label,
            kind=kind,
            position=position,
            help_text=rest[0] if rest else "",
            not_covered_note=rest[1] if len(rest) > 1 else "",
            # the published texts fit the kinds' defaults: cancel or change the address
            # before shipment / pick-up (W6, W12), refuse a parcel on its way (P9), every
            # other reason once delivered
            order_states=list(default_order_states(kind)),
        )
    return reasons


def _rule(policy: Policy, reasons: list[Reason], *, conditions=(), slots=(), deductions=(), categories=(), **fields) -> CoverageRule:
    fields.setdefault("position", policy.rules.count())
    rule = CoverageRule(policy=policy, **fields)
    rule.full_clean(exclude=["policy"])
    rule.save()
    rule.reasons.set(reasons)
    rule.categories.set(categories)
    for position, condition in enumerate(conditions):
        ConditionQuestion.objects.create(rule=rule, position=position, **condition)
    for position, slot in enumerate(slots):
        EvidenceSlot.objects.create(rule=rule, position=position, **slot)
    for position, deduction in enumerate(deductions):
        Deduction.objects.create(rule=rule, position=position, **deduction)
    return rule


def _carriers(policy: Policy, carriers, sources: str = "") -> None:
    for name, pattern, example in carriers:
        ReturnCarrier.objects.create(
            policy=policy, name=name, tracking_pattern=pattern, tracking_example=example, tracking_url=TRACKING_URLS.get(name, ""), sources=sources
        )


def _packing(policy: Policy, lines) -> None:
    for position, (text, sources) in enumerate(lines):
        PackingItem.objects.create(policy=policy, text=text, position=position, sources=sources)


# P6: returns without all accessories and the original packaging may be rejected; P5:
# the decision follows the inspection. The texts name no fee for sending a rejected
# item back: the demo's 8.00 is an invented amount (sources say so).
REJECTED_ITEM_FEE = Decimal("8.00")


def _inspection_rejections(policy: Policy, specs) -> None:
    for position, (code, label, handling, sources) in enumerate(specs):
        InspectionRejectionReason.objects.create(
            policy=policy,
            code=code,
            label=label,
            item_handling=handling,
            fee=REJECTED_ITEM_FEE if handling == ItemAfterRejection.RETURNED else None,
            position=position,
            sources=sources,
        )


def _p6_rejections(policy: Policy, *, defect: bool) -> None:
    specs = [
        ("missing-accessories", "Missing accessories or original packaging", ItemAfterRejection.RETURNED, "P6 (fee: demo amount)"),
        ("not-as-declared", "Not in the condition declared", ItemAfterRejection.RETURNED, "P6 (fee: demo amount)"),
    ]
    if defect:
        specs.insert(0, ("no-defect", "Defect not found", ItemAfterRejection.RETURNED, "P5 (fee: demo amount)"))
    _inspection_rejections(policy, specs)


# --- iWALK (seed 000) ----------------------------------------------------------------


def iwalk(store: Store) -> Policy:
    policy = _policy(
        store,
        name="iWALK warranty policy",
        summary="30-day money-back guarantee for unopened products, and a warranty for quality issues.",
        sources="S9: iWALK names no review time, the store default applies. O9: any claim may be rejected with a reason.",
    )
    r = _reasons(
        store,
        [
            ("changed-mind", "I changed my mind / no longer need it", "change_of_mind"),
            ("not-working", "It doesn't work properly (quality issue)", "functional_failure"),
            ("arrived-broken", "It didn't work when it arrived", "dead_on_arrival"),
            (
                "shipping-damage",
                "The package was damaged during shipping",
                "damaged_in_transit",
                "",
                "iWALK's warranty does not cover packages damaged during shipping (X7); please claim with the carrier.",
            ),
        ],
    )
    proof = {
        "code": "proof-of-purchase",
        "kind": "document",
        "label": "Proof of purchase: invoice or receipt (shop), order screenshot (online)",
        "min_count": 1,
        "max_count": 3,
        "applies_to": "offline_purchase",
        "sources": "X4",
    }
    _rule(
        policy,
        [r["changed-mind"], r["not-working"], r["arrived-broken"]],
        code="money-back-30",
        name="30-day money-back guarantee",
        description="Return an unopened product within 30 days of purchase, for any reason, for a refund or a replacement.",
        window_length=30,
        window_unit="calendar_days",
        window_anchor="purchase",
        excluded_channels=["unauthorized_reseller", "free"],
        outcomes=["refund", "replacement"],
        shopper_states_preference=True,
        return_shipping_payer="brand_if_defect",
        shopper_pays_if_international=True,
        shipping_reimbursement_cap=Decimal("15.00"),
        inspection_before_refund=True,
        # not in iWALK's text: a demo of the bundle and gift settings
        bundle_return="together",
        gift_return="with_items",
        refund_clock="inspection",
        sources="W1, X2, X8, M1, P5, P6, O1, O3",
        conditions=[
            {
                "code": "unopened",
                "question": "Is the product still unopened, in its sealed packaging?",
                "blocking_answer": False,
                "effect": "ineligible",
                "explanation": "The 30-day money-back guarantee is for unopened products only.",
                "sources": "X8",
            }
        ],
        slots=[proof],
    )
    _rule(
        policy,
        [r["not-working"], r["arrived-broken"]],
        code="warranty",
        name="Warranty (quality issues)",
        description="Quality issues within the product's warranty period: refund, repair or replacement after inspection.",
        window_unit="warranty",
        window_anchor="purchase",
        excluded_channels=["unauthorized_reseller", "free"],
        outcomes=["refund", "repair", "replacement"],
        return_shipping_payer="brand_if_defect",
        shopper_pays_if_international=True,
        shipping_reimbursement_cap=Decimal("15.00"),
        inspection_before_refund=True,
        refund_clock="inspection",
        sources="W2, X2, X3, X4, X7, E1, M1, P5, O5",
        conditions=[
            {
                "code": "dropped",
                "question": "Was it dropped or physically damaged?",
                "blocking_answer": True,
                "effect": "ineligible",
                "explanation": "Physical damage, e.g. from a drop, is not covered by the warranty.",
                "sources": "X7",
            },
            {
                "code": "misuse",
                "question": "Was it exposed to water or extreme temperatures, or operated improperly?",
                "blocking_answer": True,
                "effect": "ineligible",
                "explanation": "Damage from misuse (falls, extreme temperatures, water, improper operation) is not covered.",
                "sources": "X7",
            },
            {
                "code": "third-party-repair",
                "question": "Has anyone other than iWALK repaired or opened it?",
                "blocking_answer": True,
                "effect": "ineligible",
                "explanation": "Repairs by third parties end the warranty.",
                "sources": "X7",
            },
            {
                "code": "outside-damage",
                "question": "Was it damaged by something outside the product (e.g. a faulty charger, a fire)?",
                "blocking_answer": True,
                "effect": "ineligible",
                "explanation": "Damage from outside sources is not covered.",
                "sources": "X7",
            },
            {
                "code": "have-product",
                "question": "Do you still have the product?",
                "blocking_answer": False,
                "effect": "ineligible",
                "explanation": "Lost or stolen products are not covered.",
                "sources": "X7",
            },
        ],
        slots=[
            {"code": "issue", "kind": "text", "label": "Describe the issue", "min_count": 1, "max_count": 1, "sources": "E1"},
            {
                "code": "photos-videos",
                "kind": "media",
                "label": "Photos or videos of the issue",
                "help_text": "Without photos or videos, iWALK may ask you to pay return shipping.",
                "min_count": 1,
                "max_count": 6,
                "requirement": "affects_shipping",
                "sources": "E1, M1",
            },
            proof,
        ],
    )
    _carriers(policy, ANY_TRACKED_CARRIERS)
    _packing(policy, [("All accessories (cables, adapters)", "P6"), ("The original packaging", "P6")])
    _p6_rejections(policy, defect=True)
    return policy


# --- KWOKING (seed 001) --------------------------------------------------------------


def kwoking(store: Store) -> Policy:
    policy = _policy(
        store,
        name="KWOKING returns and guarantees",
        summary="14-day DOA guarantee, 60-day conditional return, cancellation before processing.",
        funds_arrival_note="Refunds return automatically to your payment account.",
        sources="P1: every return needs approval first. S9: no review time named, the store default applies.",
    )
    r = _reasons(
        store,
        [
            ("arrived-damaged", "It arrived damaged", "damaged_in_transit"),
            ("wrong-item", "I received a different item", "wrong_item"),
            ("not-working", "It doesn't work", "dead_on_arrival"),
            ("broke-later", "It stopped working after a while", "functional_failure"),
            ("changed-mind", "I'm not satisfied / changed my mind", "change_of_mind"),
            ("cancel", "Cancel my order", "cancellation"),
        ],
    )
    _rule(
        policy,
        [r["arrived-damaged"], r["wrong-item"], r["not-working"]],
        code="doa-14",
        name="14-day DOA guarantee",
        description="Damaged, different or not working on arrival: a replacement part or a partial refund.",
        window_length=14,
        window_unit="calendar_days",
        window_anchor="delivered",
        outcomes=["replacement_part", "partial_refund"],
        shopper_states_preference=True,
        requires_return=False,
        return_shipping_payer="none",
        inspection_before_refund=False,
        refund_clock="approval",
        refund_due_business_days=5,
        sources="W3, E2, P1, O4, O2",
        slots=[
            {"code": "problem", "kind": "media", "label": "A photo or video showing the problem", "min_count": 1, "max_count": 5, "sources": "E2"},
            {"code": "label", "kind": "photo", "label": "A photo of the shipping label", "min_count": 1, "max_count": 2, "sources": "E2"},
            {"code": "packaging", "kind": "photo", "label": "A photo of the original packaging", "min_count": 1, "max_count": 3, "sources": "E2"},
            {
                "code": "details",
                "kind": "text",
                "label": "Item number and what is wrong",
                "help_text": "The order number is already on the claim.",
                "min_count": 1,
                "max_count": 1,
                "sources": "E2",
            },
        ],
    )
    _rule(
        policy,
        [r["changed-mind"]],
        code="conditional-60",
        name="60-day conditional return",
        description="Not satisfied and the product is in mint, unused condition: a refund of the item price minus delivery charges.",
        window_length=60,
        window_unit="calendar_days",
        window_anchor="delivered",
        outcomes=["partial_refund"],
        return_shipping_payer="shopper",
        inspection_before_refund=True,
        refund_clock="inspection",
        # not in KWOKING's text: a demo of the bundle and gift settings
        bundle_return="together",
        gift_return="with_items",
        sources="W4, X9, M2, M3, P1, P6",
        conditions=[
            {
                "code": "mint",
                "question": "Is the product in mint condition (no marks, no wear)?",
                "blocking_answer": False,
                "effect": "ineligible",
                "explanation": "The 60-day return needs the product in mint condition.",
                "sources": "X9",
            },
            {
                "code": "unused",
                "question": "Is the product unused?",
                "blocking_answer": False,
                "effect": "ineligible",
                "explanation": "The 60-day return needs the product unused.",
                "sources": "X9",
            },
        ],
        deductions=[
            {"code": "delivery", "kind": "delivery_charges", "label": "Delivery charges", "basis": "order_shipping", "trigger": "always", "sources": "M2"},
            {
                "code": "missing-parts",
                "kind": "missing_accessories",
                "label": "Missing components or accessories (their value)",
                "basis": "assessed",
                "trigger": "inspection",
                "sources": "M3",
            },
        ],
    )
    _rule(
        policy,
        [r["broke-later"], r["not-working"]],
        code="warranty",
        name="Warranty of the product's category",
        description="After the 14 days, a damaged or faulty product is covered by the warranty of its category.",
        window_unit="warranty",
        window_anchor="delivered",
        outcomes=["replacement_part", "repair", "replacement"],
        return_shipping_payer="brand",
        refund_clock="inspection",
        sources="W5, P1, P6, O3, O5",
        slots=[
            {"code": "problem", "kind": "media", "label": "A photo or video showing the problem", "min_count": 1, "max_count": 5, "sources": "W5"},
            {"code": "details", "kind": "text", "label": "What is wrong", "min_count": 1, "max_count": 1, "sources": "W5"},
        ],
    )
    _rule(
        policy,
        [r["cancel"]],
        code="cancel",
        name="Cancel before processing",
        description="Orders can be cancelled until the parcel is processed; when the expected ship date has passed unshipped, cancellation is automatic.",
        window_unit="until_event",
        window_until="processed",
        late_shipment_opens=True,
        outcomes=["cancel_refund"],
        requires_return=False,
        return_shipping_payer="none",
        inspection_before_refund=False,
        refund_due_business_days=5,
        refund_method="original_payment",  # S5, S7, S8: back to the payment account / card
        refund_clock="approval",
        sources="W6, S8, O7",
    )
    _carriers(policy, ANY_TRACKED_CARRIERS)
    _packing(policy, [("All accessories: batteries, cables, chargers", "P6"), ("The original packaging", "P6")])
    _p6_rejections(policy, defect=False)
    return policy


# --- Voltaic Components (seed 002) ----------------------------------------------------


def voltaic(store: Store) -> Policy:
    policy = _policy(
        store,
        name="Voltaic Components RMA policy",
        summary="Every return needs an RMA first. Standard cases are reviewed within 2 working days, complex ones within 5.",
        review_standard_working_days=2,
        review_complex_working_days=5,
        funds_arrival_note="Funds appear in 10 to 15 business days, depending on your payment provider.",
        sources="S1, S2: review times. S5: funds arrival. P1: prior RMA authorization. P2: RMA number on approval (RMA + 9 digits). P3: FedEx or DHL only. O9: any claim may be rejected with a reason.",
    )
    r = _reasons(
        store,
        [
            ("change-of-demand", "I no longer need it (change of demand)", "change_of_mind"),
            ("wrong-item", "I received the wrong item", "wrong_item"),
            ("defect", "Process defect or functional failure on receipt", "dead_on_arrival"),
        ],
    )
    unopened = [
        ("unused", "Is the product unused?", "Only unused products can be returned."),
        ("untested", "Is the product untested (never powered or connected)?", "Only untested products can be returned."),
        ("unprogrammed", "Is the product unprogrammed (no firmware flashed)?", "Only unprogrammed products can be returned."),
        (
            "packaging-intact",
            "Are the original packaging and accessories intact and undamaged?",
            "The original packaging and accessories must be intact and undamaged.",
        ),
    ]
    _rule(
        policy,
        [r["change-of-demand"]],
        code="change-of-demand",
        name="Change-of-demand return",
        description="Unused, untested, unprogrammed products within 30 days of receipt. Refund = price paid − purchase cost − export postage; you pay return freight.",
        window_length=30,
        window_unit="calendar_days",
        window_anchor="delivered",
        outcomes=["partial_refund"],
        tracking_required=True,
        ship_by_length=7,
        ship_by_unit="calendar_days",
        ship_by_effect="waive",
        return_shipping_payer="shopper",
        refund_due_business_days=2,
        refund_method="original_payment",  # S5, S7, S8: back to the payment account / card
        refund_clock="inspection",
        sources="W7, W10, X10, X12, E3, M4, P1, P2, P3, S3, S4, S5",
        conditions=[
            {"code": code, "question": q, "blocking_answer": False, "effect": "ineligible", "explanation": e, "sources": "X10"}
            for code, q, e in unopened
        ],
        slots=[
            {"code": "panoramic", "kind": "photo", "label": "A panoramic photo of the product", "min_count": 1, "max_count": 3, "sources": "E3"},
            {
                "code": "packaging-proof",
                "kind": "photo",
                "label": "Proof that the packaging is intact",
                "min_count": 1,
                "max_count": 4,
                "sources": "E3",
            },
        ],
        deductions=[
            {
                "code": "purchase-cost",
                "kind": "purchase_cost",
                "label": "Purchase cost",
                "basis": "percent",
                "percent": Decimal("10"),
                "trigger": "always",
                "is_invented_amount": True,
                "sources": "M4",
            },
            {
                "code": "export-postage",
                "kind": "export_postage",
                "label": "Export postage",
                "basis": "fixed",
                "amount": Decimal("12.00"),
                "trigger": "always",
                "is_invented_amount": True,
                "sources": "M4",
            },
        ],
    )
    _rule(
        policy,
        [r["wrong-item"]],
        code="wrong-item",
        name="Wrong item",
        description="Report within 48 hours of delivery. Keep the wrong item with 50 % of the price difference plus reshipment of the right item, or return it within 5 working days.",
        window_length=48,
        window_unit="hours",
        window_anchor="delivered",
        outcomes=["keep_with_compensation", "replacement"],
        shopper_states_preference=True,
        compensation_percent=Decimal("50"),
        tracking_required=True,
        ship_by_length=5,
        ship_by_unit="working_days",
        ship_by_effect="waive",
        return_shipping_payer="brand",
        inspection_before_refund=False,
        sources="W8, W9, E4, P8, M5, M6, O6",
        slots=[
            {
                "code": "comparison",
                "kind": "screenshot",
                "label": "A screenshot comparing the wrong item with your order",
                "min_count": 1,
                "max_count": 3,
                "sources": "E4",
            },
            {
                "code": "package",
                "kind": "media",
                "label": "Photos or videos of the package from several angles",
                "min_count": 2,
                "max_count": 8,
                "sources": "E4",
            },
        ],
    )
    _rule(
        policy,
        [r["defect"]],
        code="quality-defect",
        name="Quality defect",
        description="Process defects or functional failures on receipt, within 30 days. Return freight is covered when the defect is confirmed.",
        window_length=30,
        window_unit="calendar_days",
        window_anchor="delivered",
        outcomes=["refund", "replacement"],
        shopper_states_preference=True,
        tracking_required=True,
        ship_by_length=7,
        ship_by_unit="calendar_days",
        ship_by_effect="waive",
        return_shipping_payer="brand_if_defect",
        is_complex=True,
        refund_due_business_days=2,
        refund_method="original_payment",  # S5, S7, S8: back to the payment account / card
        refund_clock="inspection",
        sources="W7, W10, E5, P7, M5, S2, S3, S4",
        slots=[
            {"code": "videos", "kind": "video", "label": "3 videos from different angles", "min_count": 3, "max_count": 6, "sources": "E5"},
            {
                "code": "photos",
                "kind": "photo",
                "label": "10 high-definition photos in ambient light",
                "help_text": "HD: at least 1280 × 720 pixels.",
                "min_count": 10,
                "max_count": 20,
                "min_resolution": "hd",
                "sources": "E5",
            },
            {
                "code": "fault-statement-photo",
                "kind": "photo",
                "label": "A photo of your fault statement attached to the original packaging",
                "min_count": 1,
                "max_count": 2,
                "sources": "E5",
            },
            {"code": "fault-statement", "kind": "text", "label": "Fault statement", "min_count": 1, "max_count": 1, "sources": "E5"},
        ],
        deductions=[
            {
                "code": "improper-packaging",
                "kind": "improper_packaging",
                "label": "Improper packaging (reduced refund ratio)",
                "basis": "percent",
                "percent": Decimal("20"),
                "trigger": "inspection",
                "is_invented_amount": True,
                "sources": "P7",
            }
        ],
    )
    _carriers(
        policy,
        [("FedEx", r"^(\d{12}|\d{15})$", "123456789012"), ("DHL Express", r"^\d{10}$", "1234567890")],
        sources="P3",
    )
    _packing(
        policy,
        [
            ("Write the RMA number in the recipient information", "P2"),
            ("Original packaging and all accessories, intact", "X10"),
            ("Ship with FedEx or DHL (no postal services)", "P3"),
        ],
    )
    return policy


# --- IMIRROR (seed 003) ---------------------------------------------------------------


def imirror(store: Store) -> Policy:
    policy = _policy(
        store,
        name="IMIRROR refund policy",
        summary="30-day returns after delivery for U.S. addresses. Cancel or change the address until the courier picks the order up.",
        funds_arrival_note="Your bank typically needs 7–10 business days to credit your card.",
        sources="S7: bank credit time. S9: no review time named, the store default applies. O9: any claim may be rejected with a reason.",
    )
    r = _reasons(
        store,
        [
            ("not-satisfied", "I'm not satisfied (any reason)", "change_of_mind"),
            ("manufacturing-issue", "It has a manufacturing issue", "functional_failure"),
            ("damaged-on-arrival", "It was damaged on arrival", "damaged_in_transit"),
            ("cancel", "Cancel my order", "cancellation"),
            ("change-address", "Change the delivery address", "address_change"),
            ("refused", "I refused the delivery", "refused_delivery"),
        ],
    )
    _rule(
        policy,
        [r["not-satisfied"], r["manufacturing-issue"], r["damaged-on-arrival"]],
        code="return-30",
        name="30-day return",
        description="For any reason within 30 days of delivery, U.S. addresses only. You pay return shipping except for a manufacturing issue.",
        window_length=30,
        window_unit="calendar_days",
        window_anchor="delivered",
        excluded_channels=["crowdfunding", "unauthorized_reseller"],
        allowed_countries=["US"],
        product_scope="not_accessories",
        # exchange and store credit are not in IMIRROR's published text (it names refunds
        # only): demo additions. Exchange for another frame colour or size of the mirror
        # (the products' exchange group); store credit with a 10 % bonus on top of the
        # refund, valid a year, as Loop and AfterShip shops offer it
        outcomes=["refund", "exchange", "store_credit"],
        store_credit_bonus_percent=Decimal("10"),
        store_credit_valid_months=12,
        tracking_required=True,
        return_shipping_payer="brand_if_defect",
        refund_due_business_days=10,
        refund_method="original_payment",  # S5, S7, S8: back to the payment account / card
        refund_clock="receipt",
        sources="W11, X1, X5, X6, X11, E6, P4, P5, P6, M7, M8, S6, S7",
        conditions=[
            {
                "code": "no-cosmetic-damage",
                "question": "Is the mirror free of cracks, dents and scratches that would affect resale?",
                "blocking_answer": False,
                "effect": "ineligible",
                "explanation": "Returns must have no cracks, dents or scratches that affect resale.",
                "sources": "X11",
            },
            {
                "code": "original-box",
                "question": "Do you still have the original box?",
                "blocking_answer": False,
                "effect": "ineligible",
                "explanation": "The mirror must travel back in its original box.",
                "sources": "X11",
            },
            {
                "code": "complete-set",
                "question": "Are all items of the set present?",
                "blocking_answer": False,
                "effect": "deduction",
                "deduction_code": "restocking",
                "explanation": "Items of the set are missing: a restocking fee applies.",
                "sources": "M8",
            },
            {
                "code": "packaging-undamaged",
                "question": "Is the packaging undamaged?",
                "blocking_answer": False,
                "effect": "deduction",
                "deduction_code": "restocking",
                "explanation": "The packaging is damaged: a restocking fee applies.",
                "sources": "M8",
            },
        ],
        slots=[
            {"code": "all-sides", "kind": "photo", "label": "Photos that clearly show all sides of the product", "min_count": 4, "max_count": 8, "sources": "E6"},
            {"code": "accessories", "kind": "photo", "label": "A photo of the complete accessory set", "min_count": 1, "max_count": 3, "sources": "E6"},
            {"code": "packaging", "kind": "photo", "label": "Photos of the original packaging", "min_count": 1, "max_count": 4, "sources": "E6"},
            {"code": "reason", "kind": "text", "label": "A brief reason for the return", "min_count": 1, "max_count": 1, "sources": "E6"},
        ],
        deductions=[
            {
                "code": "return-shipping",
                "kind": "return_shipping",
                "label": "Return shipping",
                "basis": "fixed",
                "amount": Decimal("89.00"),
                "trigger": "shopper_pays_shipping",
                "is_invented_amount": True,
                "sources": "M7",
            },
            {
                "code": "restocking",
                "kind": "restocking_fee",
                "label": "Restocking fee",
                "basis": "percent",
                "percent": Decimal("15"),
                "trigger": "condition",
                "is_invented_amount": True,
                "sources": "M8",
            },
            {
                "code": "restocking-inspection",
                "kind": "restocking_fee",
                "label": "Restocking fee (items missing or packaging damaged, found at inspection)",
                "basis": "percent",
                "percent": Decimal("15"),
                "trigger": "inspection",
                "is_invented_amount": True,
                "sources": "M8",
            },
            {
                "code": "return-damage",
                "kind": "damage_on_return",
                "label": "Damage on return",
                "basis": "assessed",
                "trigger": "inspection",
                "sources": "M8",
            },
        ],
    )
    _rule(
        policy,
        [r["damaged-on-arrival"]],
        code="accessory-doa",
        name="Accessory damaged on arrival",
        description="Accessories cannot be returned unless they were damaged on arrival.",
        window_length=30,
        window_unit="calendar_days",
        window_anchor="delivered",
        product_scope="accessories",
        outcomes=["replacement", "refund"],
        shopper_states_preference=True,
        tracking_required=True,
        return_shipping_payer="brand",
        refund_due_business_days=10,
        refund_method="original_payment",  # S5, S7, S8: back to the payment account / card
        refund_clock="receipt",
        sources="X6, P4",
        slots=[{"code": "damage", "kind": "photo", "label": "Photos of the damage", "min_count": 1, "max_count": 4, "sources": "X6"}],
    )
    _rule(
        policy,
        [r["manufacturing-issue"]],
        code="warranty",
        name="IMIRROR warranty",
        description="All IMIRROR products, Kickstarter and Indiegogo backers' too, are backed by the IMIRROR warranty.",
        window_unit="warranty",
        window_anchor="delivered",
        excluded_channels=["unauthorized_reseller"],
        outcomes=["repair", "replacement"],
        tracking_required=True,
        return_shipping_payer="brand",
        refund_clock="inspection",
        sources="X1",
        slots=[
            {"code": "issue", "kind": "media", "label": "Photos or a video of the issue", "min_count": 1, "max_count": 5, "sources": "X1"},
            {"code": "description", "kind": "text", "label": "What is wrong", "min_count": 1, "max_count": 1, "sources": "X1"},
        ],
    )
    _rule(
        policy,
        [r["cancel"]],
        code="cancel",
        name="Cancel before pick-up",
        description="Until the courier picks the order up (usually within 24 hours on workdays); not guaranteed.",
        window_unit="until_event",
        window_until="picked_up",
        outcomes=["cancel_refund"],
        requires_return=False,
        return_shipping_payer="none",
        inspection_before_refund=False,
        refund_due_business_days=10,
        refund_method="original_payment",  # S5, S7, S8: back to the payment account / card
        refund_clock="approval",
        sources="W12, O7",
    )
    _rule(
        policy,
        [r["change-address"]],
        code="change-address",
        name="Change the address before pick-up",
        description="Until the courier picks the order up; not guaranteed.",
        window_unit="until_event",
        window_until="picked_up",
        outcomes=["address_changed"],
        requires_return=False,
        return_shipping_payer="none",
        inspection_before_refund=False,
        sources="W12, O8",
        slots=[
            {
                "code": "new-address",
                "kind": "text",
                "label": "The new delivery address",
                "help_text": "Name, street and number, city, state and ZIP code.",
                "min_count": 1,
                "max_count": 1,
                "sources": "W12",
            }
        ],
    )
    _rule(
        policy,
        [r["refused"]],
        code="refused-delivery",
        name="Refused delivery",
        description="Picked up already? Refuse the parcel when it arrives and apply for a refund; round-trip shipping is deducted once the warehouse receives it.",
        window_unit="until_event",
        window_until="delivered",
        outcomes=["partial_refund"],
        requires_return=False,
        return_shipping_payer="none",
        inspection_before_refund=False,
        refund_due_business_days=10,
        refund_method="original_payment",  # S5, S7, S8: back to the payment account / card
        refund_clock="receipt",
        sources="P9, M9, S6",
        deductions=[
            {
                "code": "round-trip",
                "kind": "round_trip_shipping",
                "label": "Round-trip shipping",
                "basis": "fixed",
                "amount": Decimal("150.00"),
                "trigger": "always",
                "is_invented_amount": True,
                "sources": "M9",
            }
        ],
    )
    _carriers(policy, ANY_TRACKED_CARRIERS, sources="P4")
    # IMIRROR's text asks for "the tracking number", whatever the carrier (P4)
    ReturnCarrier.objects.create(policy=policy, name="Another carrier (with tracking)", any_carrier=True, sources="P4")
    _packing(
        policy,
        [
            ("The original box, packed as it arrived (the mirror is large and heavy)", "X11"),
            ("The complete accessory set", "M8"),
            ("Enter the return tracking number here as soon as you ship", "P4"),
        ],
    )
    _p6_rejections(policy, defect=True)
    return policy


BUILDERS = {"iwalk": iwalk, "kwoking": kwoking, "voltaic": voltaic, "imirror": imirror}


def demo_policy_load(store: Store, actor=None) -> Policy | None:
    """Build and publish the store's launch policy once; later runs change nothing."""
    if Policy.objects.filter(store=store).exists() or store.slug not in BUILDERS:
        return None
    policy = BUILDERS[store.slug](store)
    policy_publish(policy=policy, actor=actor, note="Launch policy, from the brand's published text.")
    return policy
