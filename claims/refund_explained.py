"""The money a shopper is told after the decision, line by line beside the estimate they
were shown at submission: what was refunded (or will be after inspection), each
deduction with its reason, and what changed since the estimate. One selector for the
claim page and the status e-mail (templates/claims/_money.html)."""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from claims.models import Claim, ClaimLine, InspectionOutcome, Refund
from claims.selectors import claim_decided_rule, claim_refund
from policies.engine import DECIDED_BY_ANSWERS, DECIDED_BY_INSPECTION, DECIDED_BY_STAFF
from policies.money import ELSEWHERE

ZERO = Decimal("0")
ITEM_PRICE = "item_price"
OVERRIDE = "override"


@dataclass(frozen=True)
class MoneyRow:
    """One line of the comparison. `estimate` None: not in the estimate; `estimate_later`:
    the estimate left it to be decided (inspection, answers)."""

    label: str
    estimate: Decimal | None
    final: Decimal | None
    estimate_later: bool = False
    kind: str = "deduction"


@dataclass(frozen=True)
class MoneyExplained:
    currency: str
    heading: str  # "Refunded" / "Refund after inspection" / "Compensation paid"
    final_label: str  # the total's words: "Refunded" / "To be refunded" / "Compensation"
    final_total: Decimal
    estimate_total: Decimal | None
    estimate_up_to: bool  # the estimate was a ceiling (decided at inspection / by staff)
    rows: tuple[MoneyRow, ...]
    changes: tuple[tuple[Decimal, str], ...]  # (signed amount, why) from the estimate to the final

    @property
    def changed(self) -> bool:
        return self.estimate_total is not None and self.estimate_total != self.final_total

    @property
    def change_words(self) -> str:
        """ "−134.85 Restocking fee (15 %), −45.00 Damage on return — damage found at inspection" """
        return ", ".join(f"{_signed(amount)} {why}" for amount, why in self.changes)


def _signed(amount: Decimal) -> str:
    return f"−{-amount}" if amount < 0 else f"+{amount}"


def _decimal(value) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        return None


def _grouped(lines: list[dict]) -> dict[str, dict]:
    """Lines by code, in order; several items' lines of one code (a multi-item estimate
    names each item) are added up."""
    grouped: dict[str, dict] = {}
    for line in lines:
        if line.get("kind") == ELSEWHERE:  # an item taken as store credit or exchanged: not refunded
            continue
        amount = _decimal(line.get("amount")) or ZERO
        row = grouped.setdefault(line.get("code", ""), {"label": line.get("label", ""), "amount": ZERO, "pending": True, "kind": line.get("kind", "")})
        row["amount"] += ZERO if line.get("pending") else amount
        row["pending"] = row["pending"] and bool(line.get("pending"))
    return grouped


def _final(claim: Claim, refund: Refund | None):
    """(heading, total words, total, lines, currency) of the money decided, or None."""
    if refund is not None:
        if refund.kind == Refund.Kind.COMPENSATION:
            return _("Compensation paid"), _("Compensation"), refund.amount, refund.lines, refund.currency
        return _("Your refund"), _("Refunded"), refund.amount, refund.lines, refund.currency
    if claim.inspection_outcome in (InspectionOutcome.ACCEPTED, InspectionOutcome.PARTIAL):
        found = (claim.inspection or {}).get("refund") or {}
        total = _decimal(found.get("total"))
        if total is not None and found.get("lines"):
            return _("Your refund after inspection"), _("To be refunded"), total, found["lines"], found.get("currency", "")
    return None


def claim_money_explained(*, claim: Claim) -> MoneyExplained | None:
    """The money decided for the claim beside the estimate at submission, None before it is
    decided (or when the claim pays no money). Reads the claim's row and its refund
    (claims.selectors.claim_for_page loads both); only a claim whose accepted items
    differ from the estimate's reads its lines, to name the items not accepted."""
    refund = claim_refund(claim=claim)
    final = _final(claim, refund)
    if final is None:
        return None
    heading, final_label, final_total, final_lines, currency = final
    decided = claim_decided_rule(claim=claim)
    estimate = decided.get("refund") or None
    estimate_lines = _grouped(estimate["lines"]) if estimate and refund_kind(refund) == Refund.Kind.REFUND else {}
    finals = _grouped(final_lines)
    rows, changes = [], []
    for code in [*estimate_lines, *(c for c in finals if c not in estimate_lines)]:
        before, after = estimate_lines.get(code), finals.get(code)
        # staff's reason for another amount is theirs (Refund.override_reason): the shopper reads the adjustment
        label = _("Adjustment by our team") if code == OVERRIDE else (after or before)["label"]
        final_amount = None if after is None or after["pending"] else after["amount"]
        estimate_amount = None if before is None or before["pending"] else before["amount"]
        rows.append(
            MoneyRow(
                label=label,
                estimate=estimate_amount,
                final=final_amount,
                estimate_later=bool(before and before["pending"]),
                kind=(after or before)["kind"],
            )
        )
        difference = (final_amount or ZERO) - (estimate_amount or ZERO)
        if estimate_lines and difference:
            changes.append((difference, _not_accepted_words(claim) if code == ITEM_PRICE else label))
    estimate_total = _decimal(estimate.get("total")) if estimate_lines else None
    return MoneyExplained(
        currency=currency or claim.store.currency,
        heading=heading,
        final_label=final_label,
        final_total=final_total,
        estimate_total=estimate_total,
        # a ceiling when staff or inspection settle it (or, kept before that was recorded, lines were left for later)
        estimate_up_to=decided.get("refund_decided_by", "") in (DECIDED_BY_INSPECTION, DECIDED_BY_STAFF, DECIDED_BY_ANSWERS)
        or any(row.estimate_later for row in rows),
        rows=tuple(rows),
        changes=tuple(changes),
    )


def refund_kind(refund: Refund | None) -> str:
    return refund.kind if refund is not None else Refund.Kind.REFUND


def _not_accepted_words(claim: Claim) -> str:
    """Why the price refunded differs from the estimate's: the items staff did not accept."""
    rejected = list(
        ClaimLine.objects.filter(claim=claim, staff_decision=ClaimLine.StaffDecision.REJECTED)
        .select_related("order_line__product")
        .order_by("pk")
    )
    names = [
        f"{line.order_line.product.name}" + (f" ({line.staff_note})" if line.staff_note else "") for line in rejected if line.order_line_id
    ]
    if not names:
        return _("price of the items refunded")
    return _("not accepted: %s") % "; ".join(names)
