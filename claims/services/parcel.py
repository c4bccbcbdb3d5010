"""The return parcel: tracking, waiver when ship-by passes, receipt, inspection."""

import re
from decimal import Decimal

from claims import clocks
from claims.actors import SYSTEM, Actor
from claims.models import Claim, EvidenceFile
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
from claims.services.review import claim_turnaround_start
from claims.states import ClaimStatus
from policies.selectors import policy_data_for_version

# --- the return parcel ------------------------------------------------------------------


def claim_ship(
    *, claim_id: int, actor: Actor, carrier: str, tracking_number: str, postage_paid: Decimal | None = None, expected_version: int | None = None
) -> Claim:
    claim = Claim.objects.select_related("policy_version__policy__store").get(pk=claim_id)
    policy = policy_data_for_version(version=claim.policy_version)
    allowed = {c.name: c for c in policy.carriers}
    if carrier not in allowed:
        raise ClaimError(CARRIER_NOT_ALLOWED % {"carriers": ", ".join(allowed) or "—"})
    tracking = re.sub(r"\s+", "", tracking_number).upper()
    if not re.fullmatch(allowed[carrier].tracking_pattern, tracking, flags=re.IGNORECASE):
        raise ClaimError(TRACKING_FORMAT % {"carrier": carrier, "example": allowed[carrier].tracking_example or "—"})

    def apply(claim: Claim, now) -> list[str]:
        claim.return_carrier = carrier
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
        if clocks.turnaround_start(rule, claim.outcome, "receipt", with_return=True):
            changed += claim_turnaround_start(claim, rule, claim_calendar(claim=claim, now=now), now)
        return changed

    return claim_command(
        claim_id=claim_id, command="receive", actor=actor, expected_version=expected_version, note=note, apply=apply, event_data=event_data
    )


def claim_inspect(
    *,
    claim_id: int,
    actor: Actor,
    missing_accessories: list[tuple[str, Decimal]] | None = None,
    improper_packaging: bool = False,
    damage_value: Decimal = Decimal("0"),
    defect_confirmed: bool | None = None,
    notes: str = "",
    expected_version: int | None = None,
) -> Claim:
    """Record what the warehouse found; the refund breakdown is recalculated from it."""
    missing = [(label, Decimal(value)) for label, value in (missing_accessories or [])]

    def apply(claim: Claim, now) -> list[str]:
        claim.inspected_at = now
        claim.inspection = {
            "missing_accessories": [{"label": label, "value": str(value)} for label, value in missing],
            "improper_packaging": improper_packaging,
            "damage_value": str(damage_value),
            "defect_confirmed": defect_confirmed,
            "notes": notes,
        }
        changed = ["inspected_at", "inspection"]
        rule = claim_rule(claim=claim)
        if rule and rule.refund_due_business_days and rule.refund_clock == "inspection":
            claim.refund_due_at = clocks.refund_due(claim_calendar(claim=claim, now=now), now, rule.refund_due_business_days)
            changed.append("refund_due_at")
        return changed

    return claim_command(
        claim_id=claim_id, command="inspect", actor=actor, expected_version=expected_version, note=notes, apply=apply, event_data={"missing": len(missing)}
    )
