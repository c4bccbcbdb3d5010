"""Store credit at resolution: a claim approved with the outcome "store credit" is
settled by issuing a code worth the refund plus the rule's bonus, once, through the one
write path (the "resolve" command, its audit event and the shopper's e-mail)."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.utils.translation import gettext as _

from claims.actors import Actor
from claims.models import MIXED_OUTCOME, Claim
from claims.outcomes import REFUND_OUTCOMES, claim_line_ids_approved
from claims.selectors import claim_calendar, claim_rule
from claims.services.commands import INSPECT_FIRST, ClaimError, claim_command
from claims.services.money import claim_refund_breakdown
from credits.services import CreditError, store_credit_issue
from policies.engine import STORE_CREDIT, store_credit_amount, store_credit_expires_at

CREDIT_ALREADY = _("Store credit has already been issued for this claim.")
CREDIT_NOT_APPROVED = _("This claim was not approved for store credit.")
CREDIT_NOTHING = _("There is nothing to issue: the refund this claim would pay is zero.")


@dataclass(frozen=True)
class ClaimStoreCredit:
    """What a claim's store credit is worth: the refund, the bonus, the total, and
    until when it can be spent."""

    refund: Decimal
    bonus_percent: Decimal | None
    bonus: Decimal
    amount: Decimal
    currency: str
    expires_at: datetime | None


def claim_store_credit_amount(*, claim: Claim, now: datetime, line_ids: set[int] | None = None) -> ClaimStoreCredit | None:
    """The store credit for the claim's lines (`line_ids`: only those, e.g. the lines
    whose shopper chose store credit; None: every accepted line): the refund they would
    be paid (claim_refund_breakdown) plus the bonus of the rule the claim was decided
    under. None when the rule pays no money. A claim approved per item with mixed
    outcomes: the lines approved for store credit."""
    fixed_charges = True
    if claim.outcome == MIXED_OUTCOME:
        if line_ids is None:
            line_ids = claim_line_ids_approved(claim=claim, outcomes={STORE_CREDIT}) or set()
        # the claim's fixed charges are taken once, from its refunded items when it has any
        fixed_charges = not claim_line_ids_approved(claim=claim, outcomes=REFUND_OUTCOMES)
    rule = claim_rule(claim=claim)
    breakdown = claim_refund_breakdown(claim=claim, line_ids=line_ids, fixed_charges=fixed_charges)
    if rule is None or breakdown is None:
        return None
    bonus, amount = store_credit_amount(breakdown.total, rule.store_credit_bonus_percent, claim.store.currency)
    return ClaimStoreCredit(
        refund=breakdown.total,
        bonus_percent=rule.store_credit_bonus_percent,
        bonus=bonus,
        amount=amount,
        currency=claim.store.currency,
        expires_at=store_credit_expires_at(rule, now, claim_calendar(claim=claim, now=now)),
    )


def claim_credit_issue(*, claim: Claim, worth: ClaimStoreCredit, actor: Actor, now: datetime) -> None:
    """Issue the claim's store credit (`worth`) in the ledger, inside the claim's command;
    the ledger's refusal becomes the command's."""
    try:
        store_credit_issue(
            store=claim.store,
            shopper_email=claim.shopper_email.lower(),
            amount=worth.amount,
            currency=worth.currency,
            issued_at=now,
            expires_at=worth.expires_at,
            bonus_percent=worth.bonus_percent,
            claim_id=claim.pk,
            actor_user=actor.user,
            actor_label=actor.label,
            note=_("Claim %(ref)s: refund %(refund)s + bonus %(bonus)s") % {"ref": claim.reference, "refund": worth.refund, "bonus": worth.bonus},
        )
    except CreditError as exc:
        raise ClaimError(exc.message) from exc


def claim_issue_store_credit(*, claim_id: int, actor: Actor, note: str = "", expected_version: int | None = None) -> Claim:
    """Resolve the claim by issuing its store credit, once: a second press finds the
    claim resolved (the command table) and the credit's one-to-one claim column refuses
    a second credit even to a transaction that raced past."""

    def apply(claim: Claim, now) -> list[str]:
        if claim.outcome != STORE_CREDIT:
            raise ClaimError(CREDIT_NOT_APPROVED)
        if Claim.objects.filter(pk=claim.pk, store_credit__isnull=False).exists():
            raise ClaimError(CREDIT_ALREADY)
        rule = claim_rule(claim=claim)
        if rule is not None and rule.inspection_before_refund and rule.requires_return and claim.inspected_at is None:
            raise ClaimError(INSPECT_FIRST)
        worth = claim_store_credit_amount(claim=claim, now=now)
        if worth is None or worth.amount <= 0:
            raise ClaimError(CREDIT_NOTHING)
        claim_credit_issue(claim=claim, worth=worth, actor=actor, now=now)
        claim.resolution = Claim.Resolution.STORE_CREDIT_ISSUED
        claim.resolved_at = now
        claim.refund_due_at = None
        return ["resolution", "resolved_at", "refund_due_at"]

    return claim_command(claim_id=claim_id, command="resolve", actor=actor, expected_version=expected_version, note=note, apply=apply)
