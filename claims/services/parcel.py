"""The return parcel: tracking, waiver when ship-by passes, receipt, inspection."""

import re
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from claims import clocks
from claims.actors import SYSTEM, Actor
from claims.models import MIXED_OUTCOME, Claim, EvidenceFile, InspectionOutcome
from claims.selectors import (
    claim_calendar,
    claim_rule,
    postage_reimbursed,
)
from claims.services.commands import (
    CARRIER_NOT_ALLOWED,
    NOT_ALLOWED_NOW,
    POSTAGE_RECEIPT_CHECKING,
    POSTAGE_RECEIPT_MISSING,
    RMA_MISMATCH,
    TRACKING_FORMAT,
    TRACKING_REQUIRED,
    ClaimError,
    TransitionNotAllowed,
    claim_command,
    claim_command_many,
)
from claims.services.money import breakdown_lines, claim_refund_breakdown
from claims.services.review import claim_turnaround_start
from claims.states import ClaimStatus
from policies.engine import item_after_rejection, tracking_number_fits
from policies.selectors import policy_data_for_version

CARRIER_NAME_NEEDED = _("Say which carrier you sent it with.")
TRACKING_FREE_FORMAT = _("Enter the tracking number as the carrier gave it: 5 to 40 letters and digits (spaces and dashes allowed).")


class CarrierNameMissing(ClaimError):
    pass


# --- the return parcel ------------------------------------------------------------------


def claim_ship(
    *,
    claim_id: int,
    actor: Actor,
    carrier: str,
    tracking_number: str,
    postage_paid: Decimal | None = None,
    expected_version: int | None = None,
    carrier_name: str = "",
) -> Claim:
    """The return's carrier and tracking number. A carrier row without a format takes
    any sane tracking number; under "any carrier" the shopper names theirs (carrier_name)."""
    claim = Claim.objects.select_related("policy_version__policy__store").get(pk=claim_id)
    policy = policy_data_for_version(version=claim.policy_version)
    allowed = {c.name: c for c in policy.carriers}
    if carrier not in allowed:
        raise ClaimError(CARRIER_NOT_ALLOWED % {"carriers": ", ".join(allowed) or "—"})
    shown_carrier = carrier
    if allowed[carrier].any_carrier:
        shown_carrier = " ".join(carrier_name.split())[:60]
        if not shown_carrier:
            raise CarrierNameMissing(CARRIER_NAME_NEEDED)
    tracking = re.sub(r"\s+", "", tracking_number).upper()
    if not tracking_number_fits(allowed[carrier], tracking):
        if allowed[carrier].tracking_pattern:
            raise ClaimError(TRACKING_FORMAT % {"carrier": carrier, "example": allowed[carrier].tracking_example or "—"})
        raise ClaimError(TRACKING_FREE_FORMAT)

    def apply(claim: Claim, now) -> list[str]:
        claim.return_carrier = shown_carrier
        claim.return_tracking_number = tracking
        claim.shipped_back_at = now
        claim.postage_paid = postage_paid if postage_paid and postage_reimbursed(claim=claim) else None
        if claim.postage_paid and actor.is_shopper:
            _check_postage_receipt(claim)
        return ["return_carrier", "return_tracking_number", "shipped_back_at", "postage_paid"]

    return claim_command(claim_id=claim_id, command="ship", actor=actor, expected_version=expected_version, apply=apply)


class PostageReceiptMissing(ClaimError):
    pass


def _check_postage_receipt(claim: Claim) -> None:
    """Postage is refunded against its receipt: one must be in (staff entering the
    amount for a shopper have seen it another way)."""
    receipts = set(claim.evidence.filter(slot_code=EvidenceFile.POSTAGE_RECEIPT_SLOT).values_list("status", flat=True))
    if EvidenceFile.Status.READY in receipts:
        return
    if EvidenceFile.Status.PROCESSING in receipts:
        raise PostageReceiptMissing(POSTAGE_RECEIPT_CHECKING)
    raise PostageReceiptMissing(POSTAGE_RECEIPT_MISSING)


def _expire_apply(claim: Claim, now) -> list[str]:
    if claim.ship_by_at is None or claim.ship_by_at > now:
        raise TransitionNotAllowed(NOT_ALLOWED_NOW % {"status": claim.get_status_display()})
    return []


def claim_expire(*, claim_id: int) -> Claim:
    """The ship-by time passed: the right to return is waived (W10/S3)."""
    return claim_command(
        claim_id=claim_id, command="expire", actor=SYSTEM, expected_status=ClaimStatus.APPROVED_AWAITING_RETURN, apply=_expire_apply
    )


def claim_expire_many(*, claim_ids: list[int]) -> list[Claim]:
    """claim_expire for the SLA sweep's batch; the claims not due (yet) by the real clock,
    or changed meanwhile, are left as they are. Returns the claims expired."""
    return claim_command_many(claim_ids=claim_ids, command="expire", actor=SYSTEM, apply=_expire_apply)


def claim_receive(
    *,
    claim_id: int,
    actor: Actor,
    rma_number: str,
    note: str = "",
    tracking_override_reason: str = "",
    expected_version: int | None = None,
) -> Claim:
    """The parcel is at the warehouse. Under a rule that requires the return tracking
    number (P4) a parcel whose tracking number was never entered is refused, unless
    staff say why they receive it without one: the reason goes in the audit event."""
    event_data: dict = {}

    def apply(claim: Claim, now) -> list[str]:
        if (rma_number or "").strip().upper() != (claim.rma_number or "").upper():
            raise ClaimError(RMA_MISMATCH % {"rma": claim.rma_number})
        rule = claim_rule(claim=claim)
        if rule and rule.requires_return and rule.tracking_required and not claim.return_tracking_number:
            if not tracking_override_reason.strip():
                raise ClaimError(TRACKING_REQUIRED % {"rule": rule.name})
            event_data["tracking_override"] = tracking_override_reason.strip()[:500]
        claim.received_at = now
        changed = ["received_at"]
        if rule and rule.refund_due_business_days and rule.refund_clock == "receipt":
            claim.refund_due_at = clocks.refund_due(claim_calendar(claim=claim, now=now), now, rule.refund_due_business_days)
            changed.append("refund_due_at")
        # a claim approved per item with mixed outcomes: any item's outcome the turnaround covers
        approved = set(claim.lines.exclude(approved_outcome="").values_list("approved_outcome", flat=True)) if claim.outcome == MIXED_OUTCOME else {claim.outcome}
        if any(clocks.turnaround_start(rule, outcome, "receipt", with_return=True) for outcome in approved):
            changed += claim_turnaround_start(claim, rule, claim_calendar(claim=claim, now=now), now)
        return changed

    return claim_command(
        claim_id=claim_id, command="receive", actor=actor, expected_version=expected_version, note=note, apply=apply, event_data=event_data
    )


# Messages of the inspection step; tests match them.
UNKNOWN_INSPECTION_OUTCOME = _("Choose one of the inspection outcomes listed.")
REJECTION_REASON_NEEDED = _("Choose the reason for rejecting the claim after inspection.")
UNKNOWN_REJECTION_REASON = _("Choose one of the rejection reasons of this claim's policy.")
NO_REJECTION_REASONS = _(
    "This claim's policy (version %(n)d) lists no reasons to reject after inspection: add them to the policy and publish, "
    "new claims get them."
)
ACCEPT_BUT_DEDUCTED = _("What you recorded lowers the refund to %(total)s %(currency)s: choose “Partial refund”, or untick it.")
PARTIAL_NOTHING_DEDUCTED = _(
    "Nothing you recorded lowers the refund under this rule: choose “Accept”, or record what is missing or damaged."
)
PARTIAL_WITHOUT_REFUND = _("This claim's rule has no refund to reduce: choose “Accept” or “Reject”.")
PART_NAME_NEEDED = _("Name the missing part.")
PART_VALUE_INVALID = _("“%(name)s”: give its value as an amount of 0 or more, e.g. 12.50.")
DAMAGE_VALUE_INVALID = _("Give the damage value as an amount of 0 or more.")


def _money(raw, message: str) -> Decimal:
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        raise ClaimError(message) from None
    if not value.is_finite() or value < 0:
        raise ClaimError(message)
    return value.quantize(Decimal("0.01"))


def _missing_parts(missing: list[tuple[str, Decimal]] | None) -> list[tuple[str, Decimal]]:
    parts = []
    for label, value in missing or []:
        name = (label or "").strip()
        if not name:
            raise ClaimError(PART_NAME_NEEDED)
        parts.append((name, _money(value, PART_VALUE_INVALID % {"name": name})))
    return parts


def claim_inspect(
    *,
    claim_id: int,
    actor: Actor,
    missing_accessories: list[tuple[str, Decimal]] | None = None,
    improper_packaging: bool = False,
    damage_value: Decimal = Decimal("0"),
    defect_confirmed: bool | None = None,
    notes: str = "",
    outcome: str | None = None,
    rejection_code: str = "",
    expected_version: int | None = None,
    shopper_note: str = "",
    damage_description: str = "",
) -> Claim:
    """Record what the warehouse found and the outcome: accepted (the full refund of the
    rule), partial (the engine's refund with what was found deducted) or rejected with
    one of the policy's reasons (what happens to the item comes with it). Without an
    outcome, the findings decide between accepted and partial. The refund breakdown is
    recalculated from the findings; missing parts (the product's parts list, accessories
    or a free entry) are deducted at their value. `notes` are staff's internal note (never
    shown to the shopper); `shopper_note` is e-mailed and shown on the claim page, and
    `damage_description` names the damage beside its deduction."""
    missing = _missing_parts(missing_accessories)
    damage = _money(damage_value or "0", DAMAGE_VALUE_INVALID)
    if outcome and outcome not in InspectionOutcome.values:
        raise ClaimError(UNKNOWN_INSPECTION_OUTCOME)
    rejecting = outcome == InspectionOutcome.REJECTED
    if rejecting and not rejection_code:
        raise ClaimError(REJECTION_REASON_NEEDED)

    # the audit row's data: the outcome as decided (from the findings when none was given)
    event_data = {"missing": len(missing), "outcome": outcome or "", "reason": rejection_code if rejecting else ""}

    def apply(claim: Claim, now) -> list[str]:
        claim.inspected_at = now
        claim.inspection = {
            "missing_accessories": [{"label": label, "value": str(value)} for label, value in missing],
            "improper_packaging": improper_packaging,
            "damage_value": str(damage),
            "defect_confirmed": defect_confirmed,
            "notes": notes,
            "damage_description": damage_description.strip()[:200],
            "shopper_note": shopper_note.strip(),
        }
        changed = ["inspected_at", "inspection", "inspection_outcome"]
        if rejecting:
            claim.inspection["rejection"] = _rejection(claim, rejection_code)
            claim.inspection_outcome = InspectionOutcome.REJECTED
            claim.rejection_reason = claim.inspection["rejection"]["label"]
            claim.refund_due_at = None
            return [*changed, "rejection_reason", "refund_due_at"]
        claim.inspection_outcome = event_data["outcome"] = _money_outcome(claim, outcome)
        rule = claim_rule(claim=claim)
        if rule and rule.refund_due_business_days and rule.refund_clock == "inspection":
            claim.refund_due_at = clocks.refund_due(claim_calendar(claim=claim, now=now), now, rule.refund_due_business_days)
            changed.append("refund_due_at")
        return changed

    return claim_command(
        claim_id=claim_id,
        command="reject_after_inspection" if rejecting else "inspect",
        actor=actor,
        expected_version=expected_version,
        note=notes,
        shopper_note=shopper_note.strip(),
        apply=apply,
        event_data=event_data,
    )


def _rejection(claim: Claim, code: str) -> dict:
    """The policy's reason as the claim keeps it (the claim's version: its fee)."""
    policy = policy_data_for_version(version=claim.policy_version)
    if not policy.inspection_rejections:
        raise ClaimError(NO_REJECTION_REASONS % {"n": claim.policy_version.number})
    reason = next((r for r in policy.inspection_rejections if r.code == code), None)
    if reason is None:
        raise ClaimError(UNKNOWN_REJECTION_REASON)
    return {
        "code": reason.code,
        "label": reason.label,
        "item_handling": reason.item_handling,
        "fee": None if reason.fee is None else str(reason.fee),
        "currency": claim.store.currency,
        "item": item_after_rejection(reason, claim.store.currency),
    }


def _money_outcome(claim: Claim, outcome: str | None) -> str:
    """Accepted or partial, checked against the engine's refund (refund_for): partial
    only when what was found lowers it, accepted only when it does not."""
    found = claim_refund_breakdown(claim=claim)
    nothing_found = {**claim.inspection, "missing_accessories": [], "improper_packaging": False, "damage_value": "0"}
    full = claim_refund_breakdown(claim=claim, inspection_data=nothing_found)
    lowered = found is not None and full is not None and found.total < full.total
    if found is not None and full is not None:
        # the lines too: the shopper's page and e-mail explain the amount from the claim's row
        claim.inspection["refund"] = {
            "total": str(found.total),
            "full": str(full.total),
            "currency": found.currency,
            "lines": breakdown_lines(found),
        }
    if not outcome:
        return InspectionOutcome.PARTIAL if lowered else InspectionOutcome.ACCEPTED
    if outcome == InspectionOutcome.ACCEPTED and lowered:
        raise ClaimError(ACCEPT_BUT_DEDUCTED % {"total": found.total, "currency": found.currency})
    if outcome == InspectionOutcome.PARTIAL and found is None:
        raise ClaimError(PARTIAL_WITHOUT_REFUND)
    if outcome == InspectionOutcome.PARTIAL and not lowered:
        raise ClaimError(PARTIAL_NOTHING_DEDUCTED)
    return outcome
