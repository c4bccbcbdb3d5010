"""The shopper's outcome per claimed item (writes): chosen in the draft through the one
write path (the draft's `update_draft` command), checked against the rule at submit,
where an exchange's price difference is fixed on the line."""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from claims.actors import Actor
from claims.models import MIXED_OUTCOME, Claim, ClaimLine, Refund
from claims.outcomes import claim_exchange_total, line_product
from claims.selectors import claim_products, claim_purchases
from claims.services.commands import OUTCOME_NOT_OFFERED, PREFERENCE_NEEDED, ClaimError, claim_command
from claims.states import ClaimStatus
from orders.models import Product
from policies.engine import RuleData, choosable_outcomes, exchange_difference
from policies.models import Outcome

EXCHANGE_PRODUCT_NEEDED = _("Choose what you want in exchange for “%(name)s”.")
EXCHANGE_NOT_ALLOWED = _("“%(name)s” can't be exchanged for “%(product)s”: choose one of the products listed.")
OUTCOME_NOT_OFFERED_FOR = _("“%(outcome)s” is not offered for “%(name)s” under this policy: choose one of the outcomes listed.")


def claim_choose_outcomes(*, claim_id: int, actor: Actor, choices: dict[int, tuple[str, int | None]]) -> Claim:
    """Save the shopper's outcome per claim line ({line id: (outcome, exchange product
    id)}) in the draft. The outcome must be one the portal knows and an exchange product
    one the item may become; whether the rule offers it is checked at submit (the
    answers may still change the rule). The first item's choice is the claim's stated
    preference (what staff see pre-selected)."""

    def apply(claim: Claim, now) -> list[str]:
        if claim.status != ClaimStatus.DRAFT:
            return []
        lines = {line.pk: line for line in claim.lines.select_related("order_line__product")}
        for line_id, (outcome, exchange_id) in choices.items():
            line = lines.get(line_id)
            if line is None:
                continue
            if outcome and outcome not in Outcome.values:
                raise ClaimError(str(OUTCOME_NOT_OFFERED))
            exchange = None
            if outcome == Outcome.EXCHANGE and exchange_id:
                product = line_product(claim=claim, line=line)
                exchange = Product.objects.filter(pk=exchange_id).first()
                if exchange is None or product is None or not product.is_exchangeable_for(exchange):
                    raise ClaimError(str(EXCHANGE_NOT_ALLOWED % {"name": product.name if product else "", "product": exchange.name if exchange else ""}))
            line.requested_outcome = outcome
            line.exchange_product = exchange
            line.price_difference = None  # fixed at submit
            line.save(update_fields=["requested_outcome", "exchange_product", "price_difference"])
        first = next((lines[pk].requested_outcome for pk in sorted(lines) if lines[pk].requested_outcome), "")
        if first and first != claim.preferred_outcome:
            claim.preferred_outcome = first
            return ["preferred_outcome"]
        return []

    return claim_command(claim_id=claim_id, command="update_draft", actor=actor, apply=apply)


def claim_outcome_problems(claim: Claim, rule: RuleData) -> list[str]:
    """At submit, on the locked draft: every item's outcome against the rule. An item
    without a choice takes the claim's stated preference, or the rule's only outcome,
    or — where the rule does not ask the shopper to choose — its first; an exchange
    needs a product the item may become, and its price difference is fixed now.
    Returns the problems in the shopper's words (nothing is saved when there are any)."""
    offered = choosable_outcomes(rule.outcomes)
    if not offered:
        return []
    problems: list[str] = []
    chosen: list[tuple[ClaimLine, str, Product | None]] = []
    for line, facts in claim_purchases(claim=claim):
        product = line_product(claim=claim, line=line)
        name = product.name if product else ""
        outcome = line.requested_outcome or (claim.preferred_outcome if claim.preferred_outcome in offered else "")
        if not outcome:
            if len(offered) == 1 or not rule.shopper_states_preference:
                outcome = offered[0]
            else:
                problems.append(str(PREFERENCE_NEEDED))
                continue
        if outcome not in offered:
            problems.append(str(OUTCOME_NOT_OFFERED_FOR % {"outcome": Outcome(outcome).label if outcome in Outcome.values else outcome, "name": name}))
            continue
        exchange = line.exchange_product if outcome == Outcome.EXCHANGE else None
        if outcome == Outcome.EXCHANGE:
            if exchange is None:
                problems.append(str(EXCHANGE_PRODUCT_NEEDED % {"name": name}))
                continue
            if product is None or not product.is_exchangeable_for(exchange):
                problems.append(str(EXCHANGE_NOT_ALLOWED % {"name": name, "product": exchange.name}))
                continue
            line.price_difference = exchange_difference(
                paid=facts.paid_for_claimed, new_unit_price=exchange.price, quantity=line.quantity, currency=claim.store.currency
            )
        else:
            line.price_difference = None
        chosen.append((line, outcome, exchange))
    if problems:
        return list(dict.fromkeys(problems))
    for line, outcome, exchange in chosen:
        line.requested_outcome = outcome
        line.exchange_product = exchange
        line.save(update_fields=["requested_outcome", "exchange_product", "price_difference"])
    return []


EXCHANGE_SENT_NEEDED = _("Choose the product sent in exchange.")
EXCHANGE_SENT_NOT_ALLOWED = _("“%(product)s” is not one the claimed items may be exchanged for (%(claimed)s).")


def claim_resolve_exchange(
    *,
    claim_id: int,
    actor: Actor,
    product: Product | None,
    tracking: str = "",
    note: str = "",
    expected_version: int | None = None,
) -> Claim:
    """Resolve an approved exchange: the product sent (one a claimed item may become:
    its model family or exchange group) and its tracking. A cheaper exchange refunds
    the difference, recorded here as the claim's refund; a dearer one was owed by the
    shopper and collected before sending (the audit event keeps the amount)."""
    event_data = {"resolution": "exchanged", "product": product.pk if product else None, "product_name": product.name if product else ""}

    def apply(claim: Claim, now) -> list[str]:
        if product is None:
            raise ClaimError(str(EXCHANGE_SENT_NEEDED))
        claimed = claim_products(claim=claim)
        if not any(original.is_exchangeable_for(product) for original in claimed):
            raise ClaimError(str(EXCHANGE_SENT_NOT_ALLOWED % {"product": product.name, "claimed": ", ".join(p.name for p in claimed)}))
        difference = claim_exchange_total(claim=claim)
        event_data["price_difference"] = str(difference) if difference is not None else ""
        if difference is not None and difference < 0 and not Refund.objects.filter(claim=claim).exists():
            Refund.objects.create(
                claim=claim,
                kind=Refund.Kind.REFUND,
                amount=-difference,
                currency=claim.store.currency,
                lines=[{"code": "exchange-difference", "label": str(_("Price difference of the exchange, refunded")), "amount": str(-difference)}],
                recorded_by=actor.user,
            )
        claim.resolution = Claim.Resolution.EXCHANGED
        claim.replacement_product = product
        claim.replacement_tracking = tracking
        claim.resolved_at = now
        claim.refund_due_at = None
        return ["resolution", "replacement_product", "replacement_tracking", "resolved_at", "refund_due_at"]

    return claim_command(
        claim_id=claim_id,
        command="resolve",
        actor=actor,
        expected_version=expected_version,
        note=note,
        apply=apply,
        event_data=event_data,
    )


NOT_MIXED = _("This claim was not approved with different outcomes per item.")
EXCHANGE_DIFFERENCE_LABEL = _("Price difference of the exchange, refunded")


def claim_settle_per_item(
    *,
    claim_id: int,
    actor: Actor,
    refund_amount: Decimal | None = None,
    override_reason: str = "",
    payment_reference: str = "",
    tracking: str = "",
    note: str = "",
    expected_version: int | None = None,
) -> Claim:
    """Resolve a claim approved with different outcomes per item, each item its own way,
    in one step (the "resolve" command, one audit row): the items approved for a refund
    are refunded (their breakdown, or staff's amount with a reason) together with what a
    cheaper exchange gives back; the items approved for store credit get one code worth
    their refund plus the rule's bonus; the exchanged items are sent (the products
    approved per item, with the tracking)."""
    from claims.outcomes import REFUND_OUTCOMES
    from claims.selectors import claim_rule
    from claims.services.commands import INSPECT_FIRST, OVERRIDE_REASON, OVERRIDE_TOO_HIGH, REFUND_ALREADY
    from claims.services.credit import CREDIT_ALREADY, claim_credit_issue, claim_store_credit_amount
    from claims.services.money import breakdown_lines, claim_refund_breakdown

    settled: dict = {}

    def apply(claim: Claim, now) -> list[str]:
        if claim.outcome != MIXED_OUTCOME:
            raise ClaimError(str(NOT_MIXED))
        if Refund.objects.filter(claim=claim).exists():
            raise ClaimError(str(REFUND_ALREADY))
        if Claim.objects.filter(pk=claim.pk, store_credit__isnull=False).exists():
            raise ClaimError(str(CREDIT_ALREADY))
        lines = [line for line in claim.lines.select_related("exchange_product") if line.approved_outcome]
        refunded = [line for line in lines if line.approved_outcome in REFUND_OUTCOMES]
        credited = [line for line in lines if line.approved_outcome == Outcome.STORE_CREDIT]
        exchanged = [line for line in lines if line.approved_outcome == Outcome.EXCHANGE]
        rule = claim_rule(claim=claim)
        if (
            (refunded or credited)
            and rule is not None
            and rule.inspection_before_refund
            and rule.requires_return
            and claim.inspected_at is None
        ):
            raise ClaimError(str(INSPECT_FIRST))
        currency = claim.store.currency
        money_lines: list[dict] = []
        total = Decimal("0.00")
        if refunded:
            breakdown = claim_refund_breakdown(claim=claim, line_ids={line.pk for line in refunded})
            computed = breakdown.total if breakdown else Decimal("0.00")
            final = computed if refund_amount is None else Decimal(refund_amount)
            money_lines = breakdown_lines(breakdown)
            if final != computed:
                if not override_reason.strip():
                    raise ClaimError(str(OVERRIDE_REASON))
                paid = sum(
                    (facts.paid_for_claimed for line, facts in claim_purchases(claim=claim) if line in refunded),
                    Decimal("0"),
                )
                paid += claim.postage_paid or 0
                if final < 0 or final > paid:
                    raise ClaimError(str(OVERRIDE_TOO_HIGH % {"max": paid}))
                money_lines.append(
                    {
                        "code": "override",
                        "label": str(_("Staff override: %s") % override_reason),
                        "amount": str(final - computed),
                        "pending": False,
                        "note": "",
                    }
                )
            total += final
        difference = sum(
            (line.price_difference for line in exchanged if line.price_difference is not None), Decimal("0")
        )
        if difference < 0:
            money_lines.append(
                {
                    "code": "exchange-difference",
                    "label": str(EXCHANGE_DIFFERENCE_LABEL),
                    "amount": str(-difference),
                    "pending": False,
                    "note": "",
                }
            )
            total += -difference
        if refunded or difference < 0:
            Refund.objects.create(
                claim=claim,
                amount=total,
                currency=currency,
                lines=money_lines,
                override_reason=override_reason,
                reference=payment_reference,
                recorded_by=actor.user,
            )
            settled["refund"] = str(total)
        if credited:
            worth = claim_store_credit_amount(claim=claim, now=now, line_ids={line.pk for line in credited})
            if worth is not None and worth.amount > 0:
                claim_credit_issue(claim=claim, worth=worth, actor=actor, now=now)
                settled["store_credit"] = str(worth.amount)
        if exchanged:
            settled["exchanged"] = [line.exchange_product_id for line in exchanged]
            settled["exchange_difference"] = str(difference)
        claim.resolution = Claim.Resolution.SETTLED_PER_ITEM
        claim.replacement_product = exchanged[0].exchange_product if exchanged else None
        claim.replacement_tracking = tracking
        claim.resolved_at = now
        claim.refund_due_at = None
        return ["resolution", "replacement_product", "replacement_tracking", "resolved_at", "refund_due_at"]

    return claim_command(
        claim_id=claim_id,
        command="resolve",
        actor=actor,
        expected_version=expected_version,
        note=note,
        apply=apply,
        event_data=settled,
    )
