"""The shopper's outcome per claimed item (reads): what each item may become under a
rule (refund, exchange, repair …, in the policy's order, in the shopper's words), which
products an item may be exchanged for and at what price difference, and the approved
outcome told back to the shopper. The writes are in claims.services.outcomes."""

from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from claims.models import Claim, ClaimLine
from claims.selectors import claim_rule
from orders.models import Product
from policies.engine import (
    OUTCOME_LABELS,
    PurchaseFacts,
    RuleData,
    choosable_outcomes,
    exchange_difference,
    exchange_difference_words,
    outcome_choice_words,
    outcome_label,
)
from policies.money import Breakdown, format_money


def line_product(*, claim: Claim, line: ClaimLine) -> Product | None:
    """The product a claim line is about (the order line's, or the offline purchase)."""
    if line.order_line_id is not None:
        return line.order_line.product
    return claim.offline_product


def exchange_products(*, product: Product) -> list[Product]:
    """What a product may be exchanged for: the other products of its model family
    (variants) and of its exchange group, in its store, cheapest first."""
    if product is None or not (product.model_family or product.exchange_group):
        return []
    # a product with neither field is nobody's exchange; the case-blind match is made here
    candidates = Product.objects.filter(store_id=product.store_id).exclude(pk=product.pk).exclude(model_family="", exchange_group="").order_by("price", "name")
    return [candidate for candidate in candidates if product.is_exchangeable_for(candidate)]


@dataclass(frozen=True)
class ExchangeOption:
    product: Product
    difference: Decimal
    currency: str

    @property
    def label(self) -> str:
        price = format_money(self.product.price, self.currency)
        if self.difference > 0:
            more = _("you pay %(amount)s more") % {"amount": format_money(self.difference, self.currency)}
        elif self.difference < 0:
            more = _("we refund %(amount)s") % {"amount": format_money(-self.difference, self.currency)}
        else:
            more = _("same price")
        return f"{self.product.name} — {price} ({more})"


@dataclass(frozen=True)
class LineOutcomeChoice:
    """One claimed item in the draft's outcome section."""

    line: ClaimLine
    product: Product | None
    options: tuple[tuple[str, str, str], ...]  # (outcome, its name, what it means for the shopper)
    exchanges: tuple[ExchangeOption, ...] = ()
    chosen: str = ""
    exchange_product_id: int | None = None
    currency: str = ""

    @property
    def single(self) -> bool:
        return len(self.options) == 1

    @property
    def labelled_options(self) -> tuple[tuple[str, str, str], ...]:
        return self.options

    @property
    def chosen_words(self) -> str:
        return next((hint for value, _label, hint in self.options if value == self.chosen), "")

    @property
    def chosen_exchange(self) -> ExchangeOption | None:
        return next((o for o in self.exchanges if o.product.pk == self.exchange_product_id), None)

    @property
    def difference_words(self) -> str:
        option = self.chosen_exchange
        if self.chosen != "exchange" or option is None:
            return ""
        return exchange_difference_words(option.difference, self.currency)


def line_outcome_choices(
    *, claim: Claim, rule: RuleData, purchases: list[tuple[ClaimLine, PurchaseFacts]], refunds: dict[int, Breakdown | None]
) -> list[LineOutcomeChoice]:
    """Per claimed item, the outcomes the rule lets the shopper choose (policy order,
    with the item's refund estimate where money is paid) and, where an exchange is
    offered, the products it may become with their price difference."""
    currency = claim.store.currency
    outcomes = choosable_outcomes(rule.outcomes)
    rows = []
    for line, facts in purchases:
        product = line_product(claim=claim, line=line)
        options = tuple(
            (o, outcome_label(o, same_model=rule.replacement_same_model), outcome_choice_words(rule, o, refund=refunds.get(line.pk), currency=currency))
            for o in outcomes
        )
        exchanges: tuple[ExchangeOption, ...] = ()
        if "exchange" in outcomes:
            exchanges = tuple(
                ExchangeOption(
                    candidate,
                    exchange_difference(paid=facts.paid_for_claimed, new_unit_price=candidate.price, quantity=line.quantity, currency=currency),
                    currency,
                )
                for candidate in exchange_products(product=product)
            )
            if not exchanges:  # nothing to exchange it for: not a choice for this item
                options = tuple(o for o in options if o[0] != "exchange")
        offered = [o[0] for o in options]
        chosen = line.requested_outcome if line.requested_outcome in offered else (claim.preferred_outcome if claim.preferred_outcome in offered else "")
        if not chosen and len(offered) == 1:
            chosen = offered[0]
        rows.append(
            LineOutcomeChoice(
                line=line,
                product=product,
                options=options,
                exchanges=exchanges,
                chosen=chosen,
                exchange_product_id=line.exchange_product_id,
                currency=currency,
            )
        )
    return rows


def line_outcome_words(*, claim: Claim, line: ClaimLine, outcome: str, rule: RuleData | None = None) -> str:
    """What an item gets, for the staff page, the shopper's claim page and the e-mail:
    "Exchange for Trail Shoe 43 (blue). You pay 10.00 EUR more …", "Replacement — …"."""
    if outcome == "exchange" and line.exchange_product_id:
        text = _("Exchange for %(product)s.") % {"product": line.exchange_product.name}
        if line.price_difference is not None:
            text += " " + exchange_difference_words(line.price_difference, claim.store.currency)
        return text
    if rule is not None:
        return outcome_choice_words(rule, outcome, refund=None, currency=claim.store.currency)
    return OUTCOME_LABELS.get(outcome, outcome)


REFUND_OUTCOMES = frozenset({"refund", "partial_refund", "cancel_refund"})


def claim_outcome_lines(*, claim: Claim) -> list[str]:
    """The outcome chosen per item before approval ("You asked for: …"), or the one
    approved for each item after ("Approved: 1 × Socks → Store credit — 12.00 EUR"),
    one sentence per item; [] when nothing was chosen."""
    rule = claim_rule(claim=claim) if claim.rule_code else None
    lines = list(claim.lines.select_related("order_line__product", "exchange_product"))
    if claim.outcome and any(line.approved_outcome for line in lines):
        return claim_approved_lines(claim=claim, lines=lines, rule=rule) + claim_exchange_sent(claim=claim)
    several = len(lines) > 1
    told = []
    for line in lines:
        product = line_product(claim=claim, line=line)
        prefix = f"{line.quantity} × {product.name}: " if several and product else ""
        if claim.outcome:
            # approved before outcomes were kept per item: the claim's one outcome
            told.append(
                _("Approved: %(what)s")
                % {"what": prefix + line_outcome_words(claim=claim, line=line, outcome=claim.outcome, rule=rule)}
            )
        else:
            outcome = line.requested_outcome or claim.preferred_outcome
            if outcome:
                told.append(_("You asked for: %(what)s") % {"what": prefix + line_outcome_words(claim=claim, line=line, outcome=outcome, rule=rule)})
    return told + claim_exchange_sent(claim=claim)


def claim_approved_lines(*, claim: Claim, lines: list[ClaimLine], rule: RuleData | None) -> list[str]:
    """Per approved item, what it gets: "1 × Trail Shoe 42 → Exchange for Trail Shoe 43.
    You pay 10.00 EUR more …", "1 × Socks → Store credit — 13.20 EUR". The money of the
    items refunded (or paid as store credit) is counted together, as it is paid (a fixed
    charge once): beside the item when it is the only one, else as a total after them."""
    # reads; the services import this module
    from claims.services.credit import claim_store_credit_amount
    from claims.services.money import claim_refund_breakdown

    currency = claim.store.currency
    groups = {
        "refund": [line for line in lines if line.approved_outcome in REFUND_OUTCOMES],
        "store_credit": [line for line in lines if line.approved_outcome == "store_credit"],
    }
    amounts: dict[str, Decimal] = {}
    if groups["refund"]:
        breakdown = claim_refund_breakdown(claim=claim, line_ids={line.pk for line in groups["refund"]})
        if breakdown is not None:
            amounts["refund"] = breakdown.total
    if groups["store_credit"]:
        worth = claim_store_credit_amount(
            claim=claim, now=timezone.now(), line_ids={line.pk for line in groups["store_credit"]}
        )
        if worth is not None:
            amounts["store_credit"] = worth.amount
    told = []
    several = len(lines) > 1
    for line in lines:
        if not line.approved_outcome:
            continue
        product = line_product(claim=claim, line=line)
        name = f"{line.quantity} × {product.name}" if product and several else ""
        if line.approved_outcome == "exchange":
            words = line_outcome_words(claim=claim, line=line, outcome="exchange", rule=rule)
        else:
            words = outcome_label(line.approved_outcome, same_model=bool(rule and rule.replacement_same_model))
            key = "refund" if line.approved_outcome in REFUND_OUTCOMES else line.approved_outcome
            if key in amounts and len(groups[key]) == 1:
                words += f" — {format_money(amounts[key], currency)}"
        told.append(_("Approved: %(what)s") % {"what": f"{name} → {words}" if name else words})
    if "refund" in amounts and len(groups["refund"]) > 1:
        told.append(
            _("Refund for these items together: %(amount)s") % {"amount": format_money(amounts["refund"], currency)}
        )
    if "store_credit" in amounts and len(groups["store_credit"]) > 1:
        told.append(
            _("Store credit for these items together: %(amount)s")
            % {"amount": format_money(amounts["store_credit"], currency)}
        )
    return told


def claim_line_ids_approved(*, claim: Claim, outcomes) -> set[int] | None:
    """The ids of the claim's lines approved with one of `outcomes`; None for a claim
    approved before outcomes were kept per item (every line follows Claim.outcome)."""
    approved = dict(claim.lines.values_list("pk", "approved_outcome"))
    if not any(approved.values()):
        return None
    return {pk for pk, outcome in approved.items() if outcome in outcomes}


def claim_exchange_sent(*, claim: Claim) -> list[str]:
    """Once an exchange is resolved: the product sent ([] otherwise)."""
    if (
        claim.resolution in (Claim.Resolution.EXCHANGED, Claim.Resolution.SETTLED_PER_ITEM)
        and claim.replacement_product_id
    ):
        return [_("Sent in exchange: %(product)s") % {"product": claim.replacement_product.name}]
    return []


def claim_requested_outcome(*, claim: Claim) -> str:
    """The outcome to pre-select when staff approve: the shopper's stated preference,
    else the outcome chosen for the first item."""
    if claim.preferred_outcome:
        return claim.preferred_outcome
    first = claim.lines.order_by("pk").values_list("requested_outcome", flat=True).first()
    return first or ""


def claim_exchange_total(*, claim: Claim) -> Decimal | None:
    """The price difference of the claim's exchanged items together (None: no exchange)."""
    lines = list(claim.lines.all())
    approved = any(line.approved_outcome for line in lines)
    differences = [
        line.price_difference
        for line in lines
        if (line.approved_outcome if approved else line.requested_outcome) == "exchange"
        and line.price_difference is not None
    ]
    return sum(differences, Decimal("0")) if differences else None
