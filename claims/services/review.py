"""Review: request information, approve, reject, appeal; and the changes in place
staff make while deciding (complex, assign, line decisions, messages)."""

import secrets
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts import access
from claims import clocks, notifications
from claims.actors import Actor
from claims.models import MIXED_OUTCOME, Claim, ClaimLine, ClaimMessage
from claims.outcomes import line_product
from claims.problems import Problem
from claims.selectors import (
    claim_calendar,
    claim_decided_rule,
    claim_info_request_checklist,
    claim_purchases,
    claim_rule,
)
from claims.services.commands import (
    ALREADY_COMPLEX,
    APPEAL_ONCE,
    ASSIGNEE_NOT_STAFF,
    OUTCOME_CHANGE_REASON,
    OUTCOME_NOT_OFFERED,
    SLOT_MISSING,
    ClaimError,
    claim_command,
)
from claims.services.outcomes import EXCHANGE_NOT_ALLOWED
from claims.states import Role
from orders.models import Product
from policies.engine import exchange_difference
from policies.models import Outcome
from policies.selectors import policy_data_for_version

# --- review -----------------------------------------------------------------------------


def claim_request_info(*, claim_id: int, actor: Actor, slots: list[str], message: str, expected_version: int | None = None) -> Claim:
    def apply(claim: Claim, now) -> list[str]:
        calendar = claim_calendar(claim=claim, now=now)
        if claim.review_due_at:
            claim.review_remaining_seconds = clocks.review_pause(calendar, now, claim.review_due_at)
        claim.review_paused_at = now
        claim.review_due_at = None
        ClaimMessage.objects.create(claim=claim, author_user=actor.user, author_role=actor.primary_role, body=message, requested_slots=slots)
        return ["review_remaining_seconds", "review_paused_at", "review_due_at"]

    return claim_command(
        claim_id=claim_id, command="request_info", actor=actor, expected_version=expected_version, note=message, apply=apply, event_data={"slots": slots}
    )


def claim_provide_info(*, claim_id: int, actor: Actor, message: str = "", expected_version: int | None = None) -> Claim:
    def apply(claim: Claim, now) -> list[str]:
        requested = claim.messages.filter(requested_slots__isnull=False).exclude(requested_slots=[]).order_by("-created_at").first()
        rule = claim_rule(claim=claim)
        if requested is not None and rule is not None:
            # something new in each requested slot, added since we asked: counted as the page counts it
            missing = [status for status in claim_info_request_checklist(claim=claim, slots=rule.evidence_slots, request=requested) if status.missing]
            if missing:
                problems = [
                    Problem(
                        SLOT_MISSING % {"label": status.slot.label, "n": status.missing},
                        anchor=f"slot-{status.slot.code}",
                        slot=status.slot.code,
                        needed=str(SLOT_MISSING).replace("%(n)d", "{n}") % {"label": status.slot.label},
                    )
                    for status in missing
                ]
                raise ClaimError(problems[0], problems)
        if message:
            ClaimMessage.objects.create(claim=claim, author_user=actor.user, author_role=Role.SHOPPER, body=message)
        calendar = claim_calendar(claim=claim, now=now)
        claim.review_due_at = clocks.review_resume(calendar, now, claim.review_remaining_seconds or 0)
        claim.review_paused_at = None
        claim.review_remaining_seconds = None
        return ["review_due_at", "review_paused_at", "review_remaining_seconds"]

    return claim_command(claim_id=claim_id, command="provide_info", actor=actor, expected_version=expected_version, note=message, apply=apply)


EXCHANGE_TARGET_NEEDED = _("Choose the product sent in exchange for “%(name)s”.")
NO_RETURN_OUTCOMES = {Outcome.KEEP_WITH_COMPENSATION, Outcome.CANCEL_REFUND, Outcome.ADDRESS_CHANGED, Outcome.REPLACEMENT_PART}


def approval_needs_return(*, rule, outcome: str) -> bool:
    """Whether approving with this outcome sends the item back (an RMA number, the
    ship-by clock): the rule asks for a return and the outcome does not forgo it."""
    return bool(rule.requires_return) and outcome not in NO_RETURN_OUTCOMES


def _issue_rma(claim: Claim, prefix: str, digits: int) -> None:
    """Random digits under a unique constraint, retried on a clash: unique even under
    concurrent approvals, never max()+1, and not guessable."""
    for _attempt in range(50):
        candidate = f"{prefix}{secrets.randbelow(10**digits):0{digits}d}"
        try:
            with transaction.atomic():
                Claim.objects.filter(pk=claim.pk).update(rma_number=candidate)
        except IntegrityError:
            continue
        claim.rma_number = candidate
        return
    raise RuntimeError("could not issue a unique RMA number")


def claim_approve(
    *,
    claim_id: int,
    actor: Actor,
    outcome: str | None,
    change_reason: str = "",
    note: str = "",
    expected_version: int | None = None,
    line_outcomes: dict[int, tuple[str, int | None]] | None = None,
) -> Claim:
    """Approve with an outcome per item: `line_outcomes` {line id: (outcome, exchange
    product id)}; a line it leaves out gets `outcome` when given, else the outcome its
    shopper chose (the claim's preference, the rule's first). Each line's approved
    outcome is kept on it; Claim.outcome is their summary (the one outcome, or mixed).
    An outcome other than the one the shopper chose needs staff's reason. With a return
    (RMA number, ship-by clock) when any approved item goes back, else without one."""
    claim = Claim.objects.select_related("policy_version__policy__store", "store").get(pk=claim_id)
    policy = policy_data_for_version(version=claim.policy_version)
    rule = claim_rule(claim=claim, policy=policy)
    if rule is None:
        raise ClaimError(OUTCOME_NOT_OFFERED)
    plan = _approval_plan(claim, rule, outcome, line_outcomes or {})
    approved = {chosen for _line, chosen, _product, _difference in plan}
    if not approved:
        raise ClaimError(OUTCOME_NOT_OFFERED)
    summary = next(iter(approved)) if len(approved) == 1 else MIXED_OUTCOME
    differs = [
        line.pk for line, chosen, product, _difference in plan if _differs_from_request(claim, line, chosen, product)
    ]
    if differs and not change_reason.strip():
        raise ClaimError(OUTCOME_CHANGE_REASON)
    with_return = any(approval_needs_return(rule=rule, outcome=chosen) for chosen in approved)
    # the turnaround promise runs for the first approved outcome it covers (repair, replacement …)
    turnaround_outcome = next(
        (
            o
            for o in rule.outcomes
            if o in approved and clocks.turnaround_start(rule, o, "approval", with_return=with_return)
        ),
        None,
    )

    def apply(claim: Claim, now) -> list[str]:
        calendar = claim_calendar(claim=claim, now=now)
        for line, chosen, product, difference in plan:
            line.approved_outcome = chosen
            line.exchange_product = product
            line.price_difference = difference
            line.save(update_fields=["approved_outcome", "exchange_product", "price_difference"])
        claim.outcome = summary
        claim.decided_at = now
        claim.review_due_at = None
        changed = ["outcome", "decided_at", "review_due_at"]
        if with_return:
            _issue_rma(claim, policy.rma_prefix, policy.rma_digits)
            if rule.ship_by_length:
                claim.ship_by_at = clocks.ship_by(calendar, now, rule.ship_by_length, rule.ship_by_unit)
                changed.append("ship_by_at")
        if rule.refund_due_business_days and rule.refund_clock == "approval":
            claim.refund_due_at = clocks.refund_due(calendar, now, rule.refund_due_business_days)
            changed.append("refund_due_at")
        if turnaround_outcome:
            changed += claim_turnaround_start(claim, rule, calendar, now)
        return changed

    action = "approve_return" if with_return else "approve_no_return"
    text = "; ".join(filter(None, [note, change_reason and _("Outcome changed: %s") % change_reason]))
    return claim_command(
        claim_id=claim_id,
        command=action,
        actor=actor,
        expected_version=expected_version,
        note=text,
        apply=apply,
        event_data={
            "outcome": summary,
            "preferred": claim.preferred_outcome,
            "change_reason": change_reason,
            "lines": {
                str(line.pk): {
                    "outcome": chosen,
                    "requested": line.requested_outcome,
                    "exchange_product": product.pk if product else None,
                    "price_difference": str(difference) if difference is not None else "",
                }
                for line, chosen, product, difference in plan
            },
        },
    )


def _approval_plan(
    claim: Claim, rule, outcome: str | None, line_outcomes: dict[int, tuple[str, int | None]]
) -> list[tuple]:
    """(line, approved outcome, exchange product, price difference) per line staff did
    not reject, checked against the rule: each outcome one it offers, an exchange a
    product the item may become, its price difference computed from what was paid."""
    plan = []
    unknown = set(line_outcomes) - set(claim.lines.values_list("pk", flat=True))
    if unknown:
        raise ClaimError(LINE_NOT_IN_CLAIM)
    for line, facts in claim_purchases(claim=claim):
        if line.staff_decision == ClaimLine.StaffDecision.REJECTED:
            continue
        requested = line.requested_outcome or claim.preferred_outcome
        chosen, exchange_id = line_outcomes.get(line.pk, (None, None))
        chosen = (
            chosen
            or outcome
            or (requested if requested in rule.outcomes else rule.outcomes[0] if rule.outcomes else "")
        )
        if chosen not in rule.outcomes:
            raise ClaimError(OUTCOME_NOT_OFFERED)
        product, difference = None, None
        if chosen == Outcome.EXCHANGE:
            original = line_product(claim=claim, line=line)
            product = (
                line.exchange_product
                if exchange_id is None
                else Product.objects.filter(pk=exchange_id, store_id=claim.store_id).first()
            )
            name = original.name if original else ""
            if product is None:
                raise ClaimError(str(EXCHANGE_TARGET_NEEDED % {"name": name}))
            if original is None or not original.is_exchangeable_for(product):
                raise ClaimError(str(EXCHANGE_NOT_ALLOWED % {"name": name, "product": product.name}))
            difference = exchange_difference(
                paid=facts.paid_for_claimed,
                new_unit_price=product.price,
                quantity=line.quantity,
                currency=claim.store.currency,
            )
        plan.append((line, chosen, product, difference))
    return plan


def _differs_from_request(claim: Claim, line: ClaimLine, chosen: str, product) -> bool:
    """Whether staff approve something else than the shopper chose for this item (another
    outcome, or an exchange for another product)."""
    requested = line.requested_outcome or claim.preferred_outcome
    if not requested:
        return False
    if chosen != requested:
        return True
    return (
        chosen == Outcome.EXCHANGE
        and line.exchange_product_id is not None
        and product is not None
        and product.pk != line.exchange_product_id
    )


def claim_turnaround_start(claim: Claim, rule, calendar, now) -> list[str]:
    """Start the rule's repair / replacement turnaround clock on the locked row (inside a
    command's apply): its due time, and no reminder or overdue flag yet."""
    claim.turnaround_due_at = clocks.turnaround_due(calendar, now, rule.turnaround_length, rule.turnaround_unit)
    claim.turnaround_reminded_at = None
    claim.turnaround_overdue_flagged_at = None
    return ["turnaround_due_at", "turnaround_reminded_at", "turnaround_overdue_flagged_at"]


def claim_reject(*, claim_id: int, actor: Actor, reason: str, message: str = "", expected_version: int | None = None) -> Claim:
    def apply(claim: Claim, now) -> list[str]:
        claim.rejection_reason = reason[:300]
        claim.decided_at = now
        claim.review_due_at = None
        return ["rejection_reason", "decided_at", "review_due_at"]

    return claim_command(
        claim_id=claim_id, command="reject", actor=actor, expected_version=expected_version, note=message or reason, apply=apply, event_data={"reason": reason}
    )


def claim_appeal(*, claim_id: int, actor: Actor, message: str, expected_version: int | None = None) -> Claim:
    def apply(claim: Claim, now) -> list[str]:
        if claim.appeal_used:
            raise ClaimError(APPEAL_ONCE)
        claim.appeal_used = True
        rule_decision = claim_decided_rule(claim=claim)
        days = rule_decision.get("review_working_days") or claim.store.default_review_sla_days
        claim.review_due_at = clocks.review_due(claim_calendar(claim=claim, now=now), now, days)
        ClaimMessage.objects.create(claim=claim, author_user=actor.user, author_role=Role.SHOPPER, body=message)
        return ["appeal_used", "review_due_at"]

    return claim_command(claim_id=claim_id, command="appeal", actor=actor, expected_version=expected_version, note=message, apply=apply)


def claim_uphold_rejection(*, claim_id: int, actor: Actor, message: str, expected_version: int | None = None) -> Claim:
    def apply(claim: Claim, now) -> list[str]:
        claim.review_due_at = None
        claim.closed_at = now
        return ["review_due_at", "closed_at"]

    return claim_command(claim_id=claim_id, command="uphold_rejection", actor=actor, expected_version=expected_version, note=message, apply=apply)


def claim_mark_complex(*, claim_id: int, actor: Actor, expected_version: int | None = None) -> Claim:
    """Switch the review clock to the complex length, keeping the time already spent."""

    def apply(claim: Claim, now) -> list[str]:
        if claim.is_complex:
            raise ClaimError(ALREADY_COMPLEX)
        claim.is_complex = True
        policy = policy_data_for_version(version=claim.policy_version)
        standard = policy.review_standard_working_days or policy.default_review_working_days
        complex_days = policy.review_complex_working_days or standard
        calendar = claim_calendar(claim=claim, now=now)
        extra = calendar.working_day_length * max(complex_days - standard, 0)
        if claim.review_due_at:
            claim.review_due_at = calendar.add_working_time(claim.review_due_at, extra)
        elif claim.review_remaining_seconds is not None:
            claim.review_remaining_seconds += int(extra.total_seconds())
        return ["is_complex", "review_due_at", "review_remaining_seconds"]

    return claim_command(claim_id=claim_id, command="mark_complex", actor=actor, expected_version=expected_version, apply=apply)


def claim_assign(*, claim_id: int, actor: Actor, assignee, expected_version: int | None = None) -> Claim:
    def apply(claim: Claim, now) -> list[str]:
        if assignee is not None and not access.is_staff_of(assignee, claim.store_id):
            raise ClaimError(ASSIGNEE_NOT_STAFF)
        claim.assignee = assignee
        return ["assignee"]

    return claim_command(
        claim_id=claim_id,
        command="assign",
        actor=actor,
        expected_version=expected_version,
        apply=apply,
        event_data={"assignee": getattr(assignee, "email", None)},
    )


LINE_NOT_IN_CLAIM = _("This item is not part of the claim.")


def claim_line_decide(*, claim_id: int, actor: Actor, line_id: int, accept: bool, note: str = "", expected_version: int | None = None) -> Claim:
    """Staff accept or reject one claimed line; a rejected line is left out of the refund."""

    def apply(claim: Claim, now) -> list[str]:
        line = claim.lines.filter(pk=line_id).first()
        if line is None:
            raise ClaimError(LINE_NOT_IN_CLAIM)
        line.staff_decision = ClaimLine.StaffDecision.ACCEPTED if accept else ClaimLine.StaffDecision.REJECTED
        line.staff_note = note[:300]
        line.save(update_fields=["staff_decision", "staff_note"])
        return []

    return claim_command(
        claim_id=claim_id,
        command="line_accepted" if accept else "line_rejected",
        actor=actor,
        expected_version=expected_version,
        apply=apply,
        note=note,
        event_data={"line": line_id},
    )


# the same words from the same person this soon after are one message sent twice
MESSAGE_REPEAT_WINDOW = timedelta(minutes=2)


def claim_message(
    *, claim_id: int, actor: Actor, body: str, internal: bool = False, expected_version: int | None = None
) -> ClaimMessage:
    """A message (or a staff-only note). A double click or a re-posted form makes one:
    the same body from the same author within MESSAGE_REPEAT_WINDOW returns the first.
    Staff pages pass the version they showed (a closed or changed claim refuses); the
    shopper's page does not, so its double post returns the first message."""
    created: list[ClaimMessage] = []

    def apply(claim: Claim, now) -> list[str]:
        repeat = (
            claim.messages.filter(author_user=actor.user, author_role=actor.primary_role, internal=internal, body=body, created_at__gte=now - MESSAGE_REPEAT_WINDOW)
            .order_by("-created_at")
            .first()
        )
        if repeat is not None:
            raise _Repeated(repeat)
        message = ClaimMessage.objects.create(claim=claim, author_user=actor.user, author_role=actor.primary_role, body=body, internal=internal)
        created.append(message)
        notifications.claim_message_notify(claim=claim, message=message)
        return []

    try:
        claim_command(
            claim_id=claim_id, command="internal_note" if internal else "message", actor=actor, expected_version=expected_version, apply=apply
        )
    except _Repeated as repeated:  # rolled back: no second audit row, no second e-mail
        return repeated.message
    return created[0]


class _Repeated(Exception):
    def __init__(self, message: ClaimMessage):
        super().__init__()
        self.message = message
