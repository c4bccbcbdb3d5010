"""A policy's rows as one JSON document (what a PolicyVersion stores), and that
document as the engine's plain data. Decimals travel as strings."""

from decimal import Decimal

from policies.engine import (
    CarrierData,
    ConditionData,
    DeductionData,
    InspectionRejectionData,
    PolicyData,
    ReasonData,
    RuleData,
    SlotData,
)
from policies.models import Policy

SCHEMA = 1


def _dec(value) -> str | None:
    return None if value is None else str(value)


def policy_snapshot(policy: Policy) -> dict:
    """Serialize the policy's current rows (the draft) into a version document."""
    rules = (
        policy.rules.filter(is_active=True)
        .prefetch_related("reasons", "categories", "conditions", "evidence_slots", "deductions")
        .select_related("window_anchor_event", "window_until_event")
        .order_by("position", "pk")
    )
    reasons = policy.store.claim_reasons.filter(is_active=True).order_by("position", "label")
    document = {
        "schema": SCHEMA,
        "name": policy.name,
        "summary": policy.summary,
        "rma_prefix": policy.rma_prefix,
        "rma_digits": policy.rma_digits,
        "review_standard_working_days": policy.review_standard_working_days,
        "review_complex_working_days": policy.review_complex_working_days,
        "funds_arrival_note": policy.funds_arrival_note,
        "sources": policy.sources,
        "reasons": [
            {
                "code": r.code,
                "label": r.label,
                "kind": r.kind,
                "help_text": r.help_text,
                "not_covered_note": r.not_covered_note,
                "order_states": list(r.offered_when),
            }
            for r in reasons
        ],
        "carriers": [
            {
                "name": c.name,
                "tracking_pattern": c.tracking_pattern,
                "tracking_example": c.tracking_example,
                "any_carrier": c.any_carrier,
                "tracking_url": c.tracking_url,
                "sources": c.sources,
            }
            for c in policy.carriers.all()
        ],
        "return_address": policy.return_address,
        "drop_off_instructions": policy.drop_off_instructions,
        "packing_checklist": [{"text": p.text, "sources": p.sources} for p in policy.packing_items.all()],
        "rules": [_rule(rule) for rule in rules],
    }
    rejections = [
        {"code": r.code, "label": r.label, "item_handling": r.item_handling, "fee": _dec(r.fee), "sources": r.sources}
        for r in policy.inspection_rejections.all()
    ]
    if rejections:  # absent otherwise: a policy without them publishes the document it did before
        document["inspection_rejections"] = rejections
    return document


def _rule(rule) -> dict:
    return {
        "code": rule.code,
        "name": rule.name,
        "description": rule.description,
        "reason_codes": sorted(r.code for r in rule.reasons.all() if r.is_active),
        "window_length": rule.window_length,
        "window_unit": rule.window_unit,
        "window_anchor": rule.window_anchor,
        "window_until": rule.window_until,
        "late_shipment_opens": rule.late_shipment_opens,
        **_order_event_keys(rule),
        "excluded_channels": list(rule.excluded_channels or []),
        "allowed_countries": list(rule.allowed_countries or []),
        "product_scope": rule.product_scope,
        "category_names": sorted(c.name for c in rule.categories.all()),
        "outcomes": list(rule.outcomes or []),
        "shopper_states_preference": rule.shopper_states_preference,
        "requires_approval": rule.requires_approval,
        "requires_return": rule.requires_return,
        "tracking_required": rule.tracking_required,
        "ship_by_length": rule.ship_by_length,
        "ship_by_unit": rule.ship_by_unit,
        "ship_by_effect": rule.ship_by_effect,
        "inspection_before_refund": rule.inspection_before_refund,
        "is_complex": rule.is_complex,
        "bundle_return": rule.bundle_return,
        "gift_return": rule.gift_return,
        "return_shipping_payer": rule.return_shipping_payer,
        "shopper_pays_if_international": rule.shopper_pays_if_international,
        "shipping_reimbursement_cap": _dec(rule.shipping_reimbursement_cap),
        "compensation_percent": _dec(rule.compensation_percent),
        "store_credit_bonus_percent": _dec(rule.store_credit_bonus_percent),
        "store_credit_valid_months": rule.store_credit_valid_months,
        "refund_due_business_days": rule.refund_due_business_days,
        "refund_clock": rule.refund_clock,
        "replacement_same_model": rule.replacement_same_model,
        "sources": rule.sources,
        "window_enforced": rule.window_enforced,
        "refund_min_business_days": rule.refund_min_business_days,
        "refund_method": rule.refund_method,
        "turnaround_length": rule.turnaround_length,
        "turnaround_unit": rule.turnaround_unit,
        "turnaround_clock": rule.turnaround_clock,
        "turnaround_outcomes": list(rule.turnaround_outcomes or []),
        "conditions": [
            {
                "code": c.code,
                "question": c.question,
                "help_text": c.help_text,
                "blocking_answer": c.blocking_answer,
                "effect": c.effect,
                "deduction_code": c.deduction_code,
                "explanation": c.explanation,
                "sources": c.sources,
            }
            for c in rule.conditions.all()
        ],
        "evidence_slots": [
            {
                "code": s.code,
                "kind": s.kind,
                "label": s.label,
                "help_text": s.help_text,
                "min_count": s.min_count,
                "max_count": s.max_count,
                "min_resolution": s.min_resolution,
                "requirement": s.requirement,
                "applies_to": s.applies_to,
                "sources": s.sources,
            }
            for s in rule.evidence_slots.all()
        ],
        "deductions": [
            {
                "code": d.code,
                "kind": d.kind,
                "label": d.label,
                "basis": d.basis,
                "trigger": d.trigger,
                "amount": _dec(d.amount),
                "percent": _dec(d.percent),
                "is_invented_amount": d.is_invented_amount,
                "sources": d.sources,
            }
            for d in rule.deductions.all()
        ],
    }


def _order_event_keys(rule) -> dict:
    """The order events a rule's window is counted from or open until, with the words
    shoppers read (frozen: renaming the event later does not change a version)."""
    keys = {}
    if rule.window_anchor == "event" and rule.window_anchor_event is not None:
        keys["window_anchor_event"] = rule.window_anchor_event.name
        keys["window_anchor_event_label"] = rule.window_anchor_event.label
    if rule.window_until == "event" and rule.window_until_event is not None:
        keys["window_until_event"] = rule.window_until_event.name
        keys["window_until_event_label"] = rule.window_until_event.label
        keys["window_until_event_words"] = rule.window_until_event.until_text
    return keys


def _opt_dec(value) -> Decimal | None:
    return None if value in (None, "") else Decimal(value)


def policy_data(
    document: dict, *, store_name: str, currency: str, store_country: str, default_review_working_days: int, version: int = 0
) -> PolicyData:
    """The engine's view of a version document (pure)."""
    rules = []
    for r in document["rules"]:
        rules.append(
            RuleData(
                code=r["code"],
                name=r["name"],
                description=r.get("description", ""),
                reason_codes=tuple(r["reason_codes"]),
                window_unit=r["window_unit"],
                window_length=r.get("window_length"),
                window_anchor=r.get("window_anchor", ""),
                window_until=r.get("window_until", ""),
                late_shipment_opens=r.get("late_shipment_opens", False),
                window_anchor_event=r.get("window_anchor_event", ""),
                window_anchor_event_label=r.get("window_anchor_event_label", ""),
                window_until_event=r.get("window_until_event", ""),
                window_until_event_label=r.get("window_until_event_label", ""),
                window_until_event_words=r.get("window_until_event_words", ""),
                excluded_channels=tuple(r.get("excluded_channels", ())),
                allowed_countries=tuple(r.get("allowed_countries", ())),
                product_scope=r.get("product_scope", "all"),
                category_names=tuple(r.get("category_names", ())),
                outcomes=tuple(r["outcomes"]),
                shopper_states_preference=r.get("shopper_states_preference", False),
                requires_approval=r.get("requires_approval", True),
                requires_return=r.get("requires_return", True),
                tracking_required=r.get("tracking_required", False),
                ship_by_length=r.get("ship_by_length"),
                ship_by_unit=r.get("ship_by_unit", ""),
                ship_by_effect=r.get("ship_by_effect", ""),
                inspection_before_refund=r.get("inspection_before_refund", True),
                is_complex=r.get("is_complex", False),
                bundle_return=r.get("bundle_return", "separately"),
                gift_return=r.get("gift_return", "keep"),
                return_shipping_payer=r.get("return_shipping_payer", "shopper"),
                shopper_pays_if_international=r.get("shopper_pays_if_international", False),
                shipping_reimbursement_cap=_opt_dec(r.get("shipping_reimbursement_cap")),
                compensation_percent=_opt_dec(r.get("compensation_percent")),
                # versions published before store credit have none
                store_credit_bonus_percent=_opt_dec(r.get("store_credit_bonus_percent")),
                store_credit_valid_months=r.get("store_credit_valid_months"),
                refund_due_business_days=r.get("refund_due_business_days"),
                refund_clock=r.get("refund_clock", ""),
                replacement_same_model=r.get("replacement_same_model", False),
                sources=r.get("sources", ""),
                # keys added after version 1 of the schema: older snapshots lack them
                window_enforced=r.get("window_enforced", True),
                refund_min_business_days=r.get("refund_min_business_days"),
                refund_method=r.get("refund_method", ""),
                # versions published before the turnaround promise have none
                turnaround_length=r.get("turnaround_length"),
                turnaround_unit=r.get("turnaround_unit", ""),
                turnaround_clock=r.get("turnaround_clock", ""),
                turnaround_outcomes=tuple(r.get("turnaround_outcomes", ())),
                conditions=tuple(
                    ConditionData(
                        code=c["code"],
                        question=c["question"],
                        help_text=c.get("help_text", ""),
                        blocking_answer=c["blocking_answer"],
                        effect=c["effect"],
                        deduction_code=c.get("deduction_code", ""),
                        explanation=c["explanation"],
                        sources=c.get("sources", ""),
                    )
                    for c in r.get("conditions", ())
                ),
                evidence_slots=tuple(
                    SlotData(
                        code=s["code"],
                        kind=s["kind"],
                        label=s["label"],
                        help_text=s.get("help_text", ""),
                        min_count=s["min_count"],
                        max_count=s["max_count"],
                        min_resolution=s.get("min_resolution", "any"),
                        requirement=s.get("requirement", "mandatory"),
                        applies_to=s.get("applies_to", "all"),
                        sources=s.get("sources", ""),
                    )
                    for s in r.get("evidence_slots", ())
                ),
                deductions=tuple(
                    DeductionData(
                        code=d["code"],
                        kind=d["kind"],
                        label=d["label"],
                        basis=d["basis"],
                        trigger=d["trigger"],
                        amount=_opt_dec(d.get("amount")),
                        percent=_opt_dec(d.get("percent")),
                        is_invented_amount=d.get("is_invented_amount", False),
                        sources=d.get("sources", ""),
                    )
                    for d in r.get("deductions", ())
                ),
            )
        )
    return PolicyData(
        store_name=store_name,
        currency=currency,
        store_country=store_country,
        default_review_working_days=default_review_working_days,
        version=version,
        rules=tuple(rules),
        reasons=tuple(
            ReasonData(
                code=r["code"],
                label=r["label"],
                kind=r["kind"],
                not_covered_note=r.get("not_covered_note", ""),
                # versions published before reasons followed the order's state: the kind's default
                order_states=tuple(r.get("order_states", ())),
            )
            for r in document.get("reasons", ())
        ),
        review_standard_working_days=document.get("review_standard_working_days"),
        review_complex_working_days=document.get("review_complex_working_days"),
        rma_prefix=document.get("rma_prefix", "RMA"),
        rma_digits=document.get("rma_digits", 9),
        funds_arrival_note=document.get("funds_arrival_note", ""),
        carriers=tuple(
            CarrierData(
                name=c["name"],
                tracking_pattern=c.get("tracking_pattern", ""),
                tracking_example=c.get("tracking_example", ""),
                any_carrier=c.get("any_carrier", False),
                tracking_url=c.get("tracking_url", ""),
            )
            for c in document.get("carriers", ())
        ),
        packing_checklist=tuple(p["text"] for p in document.get("packing_checklist", ())),
        sources=document.get("sources", ""),
        # versions published before these existed have none
        inspection_rejections=tuple(
            InspectionRejectionData(code=r["code"], label=r["label"], item_handling=r["item_handling"], fee=_opt_dec(r.get("fee")))
            for r in document.get("inspection_rejections", ())
        ),
        return_address=document.get("return_address", ""),
        drop_off_instructions=document.get("drop_off_instructions", ""),
    )


def _plain(value):
    """Decimals and datetimes as strings, tuples as lists: JSON-ready."""
    from dataclasses import fields, is_dataclass
    from datetime import datetime

    if is_dataclass(value) and not isinstance(value, type):
        document = {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
        if hasattr(value, "total") and hasattr(value, "lines"):  # a money breakdown keeps its total
            document["total"] = _plain(value.total)
            if getattr(value, "elsewhere_lines", ()):  # items settled another way (store credit, exchange)
                document["elsewhere_lines"] = _plain(value.elsewhere_lines)
        return document
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def decision_document(decision) -> dict:
    """An engine Decision as JSON, kept on a claim as what the shopper was told."""
    return _plain(decision)


# Keys added to the document after versions were already published, with the value a
# version without them means (policy_data reads them the same way). A version published
# before a key existed is not "changed" by it while the draft holds that value.
ADDED_KEY_DEFAULTS = {"window_enforced": True}


def same_document(published, draft) -> bool:
    """Whether a draft's snapshot says what a published version says, reading keys the
    published one lacks as their defaults (empty, off, ADDED_KEY_DEFAULTS)."""
    if isinstance(published, dict) and isinstance(draft, dict):
        for key in published.keys() | draft.keys():
            if key not in published:
                value = draft[key]
                if value != ADDED_KEY_DEFAULTS.get(key, value if value in (None, "", False, [], {}) else object()):
                    return False
            elif key not in draft or not same_document(published[key], draft[key]):
                return False
        return True
    if isinstance(published, list) and isinstance(draft, list):
        return len(published) == len(draft) and all(same_document(a, b) for a, b in zip(published, draft, strict=True))
    return published == draft
