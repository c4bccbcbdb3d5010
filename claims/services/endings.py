"""Endings: withdraw, discard a draft, close (by staff or by the sweep), follow-ups."""

from datetime import timedelta

from django.utils.translation import gettext as _

from claims import states
from claims.actors import SYSTEM, Actor
from claims.models import Claim
from claims.services.commands import NOT_ALLOWED_NOW, TransitionNotAllowed, claim_command, claim_command_many
from claims.services.drafts import claim_start
from claims.states import ClaimStatus


def claim_withdraw(*, claim_id: int, actor: Actor, note: str = "", expected_version: int | None = None) -> Claim:
    def apply(claim: Claim, now) -> list[str]:
        claim.review_due_at = None
        claim.ship_by_at = None
        claim.withdrawn_at = now
        return ["review_due_at", "ship_by_at", "withdrawn_at"]

    return claim_command(claim_id=claim_id, command="withdraw", actor=actor, expected_version=expected_version, note=note, apply=apply)


def claim_discard_draft(*, claim_id: int, actor: Actor) -> Claim:
    """A draft the shopper no longer wants (e.g. started with the wrong items): withdrawn
    without an e-mail, since it was never submitted. Its files go with the retention."""
    return claim_command(
        claim_id=claim_id, command="withdraw", actor=actor, expected_status=ClaimStatus.DRAFT, note=_("Draft discarded"), notify=False
    )


def claim_close(*, claim_id: int, actor: Actor, note: str = "", expected_version: int | None = None) -> Claim:
    def apply(claim: Claim, now) -> list[str]:
        claim.closed_at = now
        claim.review_due_at = None
        claim.ship_by_at = None
        claim.refund_due_at = None
        return ["closed_at", "review_due_at", "ship_by_at", "refund_due_at"]

    return claim_command(claim_id=claim_id, command="close", actor=actor, expected_version=expected_version, note=note, apply=apply, notify=False)


def _close_finished_apply(claim: Claim, at) -> list[str]:
    if claim.status not in states.AUTO_CLOSE_STATES or claim.status_changed_at is None:
        raise TransitionNotAllowed(NOT_ALLOWED_NOW % {"status": claim.get_status_display()})
    if claim.status_changed_at > at - timedelta(days=claim.store.close_claims_after_days):
        raise TransitionNotAllowed(NOT_ALLOWED_NOW % {"status": claim.get_status_display()})
    claim.closed_at = at
    claim.review_due_at = claim.ship_by_at = claim.refund_due_at = None
    return ["closed_at", "review_due_at", "ship_by_at", "refund_due_at"]


def claim_close_finished(*, claim_id: int) -> Claim:
    """The SLA sweep closes a finished claim once its store's close_claims_after_days
    have passed since it finished; the shopper is told (unless they withdrew it)."""
    status = Claim.objects.filter(pk=claim_id).values_list("status", flat=True).first()
    return claim_command(
        claim_id=claim_id,
        command="close",
        actor=SYSTEM,
        expected_status=status,  # changed meanwhile (e.g. appealed): ClaimChanged, left alone
        note=_("Closed automatically"),
        apply=_close_finished_apply,
        notify=status in states.AUTO_CLOSE_NOTIFY_STATES,
    )


def claim_close_finished_many(*, claim_ids: list[int]) -> list[Claim]:
    """claim_close_finished for the SLA sweep's batch; a claim not finished long enough
    by the real clock, or appealed meanwhile, is left open. Returns the claims closed."""
    return claim_command_many(
        claim_ids=claim_ids,
        command="close",
        actor=SYSTEM,
        note=_("Closed automatically"),
        apply=_close_finished_apply,
        notify=states.AUTO_CLOSE_NOTIFY_STATES,
    )


def claim_follow_up(*, claim: Claim, actor: Actor, reason_code: str) -> Claim:
    """A claim opened from an earlier one (the replacement fails, a second fault)."""
    lines = [(line.order_line, line.quantity) for line in claim.lines.all() if line.order_line_id]
    if claim.order_id:
        return claim_start(store=claim.store, actor=actor, reason_code=reason_code, order=claim.order, lines=lines, parent=claim)
    return claim_start(
        store=claim.store,
        actor=actor,
        reason_code=reason_code,
        offline={
            "product": claim.offline_product,
            "purchased_at": claim.offline_purchased_at,
            "channel": claim.offline_channel,
            "price": claim.offline_price,
            "country": claim.offline_country,
        },
        parent=claim,
    )
