"""Money: the refund breakdown, the refund or compensation recorded once, resolution."""

from dataclasses import replace
from decimal import Decimal

from django.utils.translation import gettext as _

from claims.actors import Actor
from claims.models import MIXED_OUTCOME, Claim, ClaimLine, Refund
from claims.outcomes import REFUND_OUTCOMES, claim_line_ids_approved
from claims.selectors import (
    claim_decided_rule,
    claim_products,
    claim_purchases,
    claim_rule,
)
from claims.services.commands import (
    INSPECT_FIRST,
    OVERRIDE_REASON,
    OVERRIDE_TOO_HIGH,
    REFUND_ALREADY,
    UNKNOWN_RESOLUTION,
    ClaimError,
    claim_command,
)
from orders.models import Product
from policies.engine import (
    InspectionFacts,
    RuleData,
    compensation_amount,
    refund_for,
    triggered_deductions,
    without_fixed_charges,
)
from policies.models import Outcome
from policies.selectors import policy_data_for_version

REPLACEMENT_PRODUCT_NEEDED = _("This policy replaces with the same model only: choose the product sent as the replacement.")
REPLACEMENT_NOT_SAME_MODEL = _(
    "“%(product)s” is not the same model as what was claimed (%(claimed)s): this policy replaces with the same model only."
)
REPLACEMENT_OTHER_STORE = _("Choose a product of this claim's store.")

# --- money ------------------------------------------------------------------------------


def _inspection_facts(claim: Claim, data: dict | None = None) -> InspectionFacts | None:
    data = claim.inspection if data is None else data
    if not data:
        return None
    return InspectionFacts(
        missing_accessories_value=sum((Decimal(i["value"]) for i in data.get("missing_accessories", [])), Decimal("0")),
        damage_value=Decimal(data.get("damage_value") or "0"),
        improper_packaging=bool(data.get("improper_packaging")),
        defect_confirmed=data.get("defect_confirmed"),
        missing_accessories=tuple(i["label"] for i in data.get("missing_accessories", [])),
        damage_description=data.get("damage_description", ""),
    )


def breakdown_lines(breakdown) -> list[dict]:
    """A refund breakdown's lines as kept on the claim's inspection and the Refund row."""
    return [
        {"code": line.code, "label": line.label, "amount": str(line.amount), "pending": line.pending, "note": line.note, "kind": line.kind}
        for line in (breakdown.lines if breakdown else ())
    ]


def claim_refund_breakdown(
    *, claim: Claim, inspection_data: dict | None = None, line_ids: set[int] | None = None, fixed_charges: bool = True
):
    """The refund as it stands: the policy's lines, the shopper's answers, what the
    inspection found and the postage the shopper paid, for the accepted lines.
    `inspection_data`: other findings than the claim's (what they would make of it).
    `line_ids`: only these claim lines (e.g. those paid as store credit); None: every
    accepted line, or for a claim approved per item with mixed outcomes the lines
    approved for a refund (store credit and exchanges are settled their own way).
    `fixed_charges` False: without the rule's fixed charges (taken from another part of
    the claim: a claim pays them once)."""
    if line_ids is None and claim.outcome == MIXED_OUTCOME:
        line_ids = claim_line_ids_approved(claim=claim, outcomes=REFUND_OUTCOMES)
    policy = policy_data_for_version(version=claim.policy_version)
    rule: RuleData | None = claim_rule(claim=claim, policy=policy)
    if rule is None:
        return None
    if not fixed_charges:
        rule = without_fixed_charges(rule)
    snapshot = claim_decided_rule(claim=claim)
    payer = snapshot.get("shipping_payer", rule.return_shipping_payer)
    inspection = _inspection_facts(claim, inspection_data)
    if inspection is not None and inspection.defect_confirmed is False and rule.return_shipping_payer == "brand_if_defect":
        payer = "shopper"
    accepted = [
        facts
        for line, facts in claim_purchases(claim=claim)
        if line.staff_decision != ClaimLine.StaffDecision.REJECTED and (line_ids is None or line.pk in line_ids)
    ]
    if not accepted:
        return None
    # One breakdown for the claim: the accepted lines' prices together, so a fixed
    # charge (export postage, round trip) is taken once, percentages and the share
    # of delivery charges scale with what is refunded.
    combined = replace(
        accepted[0],
        unit_price=sum((facts.paid_for_claimed for facts in accepted), Decimal("0")),
        quantity=1,
        line_quantity=1,
        line_discount=Decimal("0"),
    )
    breakdown, _notes = refund_for(
        rule, combined, payer, triggered_deductions(rule, claim.answers), inspection=inspection, postage_paid=claim.postage_paid
    )
    return breakdown


def claim_record_refund(
    *,
    claim_id: int,
    actor: Actor,
    amount: Decimal | None = None,
    override_reason: str = "",
    payment_reference: str = "",
    resolution: str | None = None,
    expected_version: int | None = None,
) -> Claim:
    """Record the refund once (a second press, or two staff at once, finds it recorded)
    and resolve the claim. An amount other than the breakdown needs a reason."""

    def apply(claim: Claim, now) -> list[str]:
        if Refund.objects.filter(claim=claim).exists():
            raise ClaimError(REFUND_ALREADY)
        rule = claim_rule(claim=claim)
        if rule is not None and rule.inspection_before_refund and rule.requires_return and claim.inspected_at is None:
            raise ClaimError(INSPECT_FIRST)
        breakdown = claim_refund_breakdown(claim=claim)
        computed = breakdown.total if breakdown else Decimal("0.00")
        paid = sum((facts.paid_for_claimed for _line, facts in claim_purchases(claim=claim)), Decimal("0")) + (claim.postage_paid or 0)
        final = computed if amount is None else Decimal(amount)
        lines = breakdown_lines(breakdown)
        if final != computed:
            if not override_reason.strip():
                raise ClaimError(OVERRIDE_REASON)
            if final < 0 or final > paid:
                raise ClaimError(OVERRIDE_TOO_HIGH % {"max": paid})
            lines.append({"code": "override", "label": _("Staff override: %s") % override_reason, "amount": str(final - computed), "pending": False, "note": ""})
        Refund.objects.create(
            claim=claim,
            amount=final,
            currency=claim.store.currency,
            lines=lines,
            override_reason=override_reason,
            reference=payment_reference,
            recorded_by=actor.user,
        )
        claim.resolution = resolution or _resolution_for(claim.outcome, final, computed)
        claim.resolved_at = now
        claim.refund_due_at = None
        return ["resolution", "resolved_at", "refund_due_at"]

    return claim_command(claim_id=claim_id, command="resolve", actor=actor, expected_version=expected_version, apply=apply)


def _resolution_for(outcome: str, final: Decimal, computed: Decimal) -> str:
    if outcome == Outcome.CANCEL_REFUND:
        return Claim.Resolution.CANCELLED_REFUNDED
    if outcome == Outcome.PARTIAL_REFUND:
        return Claim.Resolution.PARTIALLY_REFUNDED
    return Claim.Resolution.REFUNDED


def claim_record_compensation(
    *, claim_id: int, actor: Actor, received_item_value: Decimal, reshipment_tracking: str, expected_version: int | None = None
) -> Claim:
    """M6/O6: keep the wrong item; a share of the price difference, and the right item reshipped."""

    def apply(claim: Claim, now) -> list[str]:
        if Refund.objects.filter(claim=claim).exists():
            raise ClaimError(REFUND_ALREADY)
        rule = claim_rule(claim=claim)
        ordered = sum((facts.paid_for_claimed for _line, facts in claim_purchases(claim=claim)), Decimal("0"))
        amount = compensation_amount(rule, ordered, Decimal(received_item_value)).quantize(Decimal("0.01"))
        Refund.objects.create(
            claim=claim,
            kind=Refund.Kind.COMPENSATION,
            amount=amount,
            currency=claim.store.currency,
            lines=[
                {"code": "ordered", "label": _("Price of the ordered item"), "amount": str(ordered)},
                {"code": "received", "label": _("Value of the item received"), "amount": str(-Decimal(received_item_value))},
                {"code": "share", "label": _("Compensation share: %s %%") % rule.compensation_percent, "amount": str(amount)},
            ],
            recorded_by=actor.user,
        )
        claim.resolution = Claim.Resolution.COMPENSATED
        claim.replacement_tracking = reshipment_tracking
        claim.resolved_at = now
        return ["resolution", "replacement_tracking", "resolved_at"]

    return claim_command(claim_id=claim_id, command="resolve", actor=actor, expected_version=expected_version, apply=apply)


def claim_resolve(
    *,
    claim_id: int,
    actor: Actor,
    resolution: str,
    replacement_tracking: str = "",
    note: str = "",
    expected_version: int | None = None,
    replacement_product: Product | None = None,
) -> Claim:
    """Resolve without money: replaced, repaired, part sent, address changed. A
    replacement names the product sent; under a "same model only" rule it must be."""

    if resolution == Claim.Resolution.EXCHANGED:
        from claims.services.outcomes import claim_resolve_exchange

        return claim_resolve_exchange(
            claim_id=claim_id, actor=actor, product=replacement_product, tracking=replacement_tracking, note=note, expected_version=expected_version
        )

    def apply(claim: Claim, now) -> list[str]:
        if resolution not in Claim.Resolution.values:
            raise ClaimError(UNKNOWN_RESOLUTION)
        replaced = resolution == Claim.Resolution.REPLACED
        if replaced:
            _check_replacement(claim, replacement_product)
        claim.resolution = resolution
        claim.replacement_tracking = replacement_tracking
        claim.replacement_product = replacement_product if replaced else None
        claim.resolved_at = now
        claim.refund_due_at = None
        return ["resolution", "replacement_tracking", "replacement_product", "resolved_at", "refund_due_at"]

    return claim_command(claim_id=claim_id, command="resolve", actor=actor, expected_version=expected_version, note=note, apply=apply)


def _check_replacement(claim: Claim, product: Product | None) -> None:
    """The product sent as a replacement: of the claim's store, and under a "same
    model only" rule the same product or model family as one of those claimed."""
    if product is not None and product.store_id != claim.store_id:
        raise ClaimError(REPLACEMENT_OTHER_STORE)
    rule = claim_rule(claim=claim)
    if rule is None or not rule.replacement_same_model:
        return
    if product is None:
        raise ClaimError(REPLACEMENT_PRODUCT_NEEDED)
    claimed = claim_products(claim=claim)
    if not any(product.is_same_model_as(original) for original in claimed):
        raise ClaimError(REPLACEMENT_NOT_SAME_MODEL % {"product": product.name, "claimed": ", ".join(p.name for p in claimed)})
