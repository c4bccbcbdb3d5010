"""Writes of the claims domain. Every status change goes through claim_transition:
it locks the row, checks the transition table and the actor, checks the state the
caller saw, saves with update_fields, appends a ClaimEvent and queues the e-mails
(outbox rows, sent after commit)."""

import re
import secrets
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import access
from claims import clocks, notifications, states
from claims.actors import SYSTEM, Actor
from claims.models import Claim, ClaimEvent, ClaimLine, ClaimMessage, EvidenceFile, Refund, new_reference
from claims.selectors import (
    claim_calendar,
    claim_checklist,
    claim_decided_rule,
    claim_evaluate,
    claim_purchases,
    claim_rule,
    postage_reimbursed,
    units_claimed_elsewhere,
)
from claims.states import ClaimStatus, Role
from orders.models import Order, OrderLine, Product, Store
from policies.engine import InspectionFacts, RuleData, Status, compensation_amount, refund_for, triggered_deductions
from policies.models import Outcome
from policies.selectors import policy_data_for_version, policy_version_current
from policies.snapshot import decision_document

# Messages the pages show; tests match them.
CLAIM_CHANGED = _("This claim changed while you were looking at it. Reload the page to see what happened.")
NOT_ALLOWED_NOW = _("This step is not possible while the claim is “%(status)s”.")
NOT_PERMITTED = _("You are not allowed to do this on this claim.")
NO_POLICY = _("This brand has not published a return policy yet; please contact its support.")
UNKNOWN_REASON = _("Choose one of the reasons listed.")
NOTHING_CLAIMED = _("Choose at least one item and a quantity.")
TOO_MANY = _("You can claim at most %(max)d of “%(name)s”.")
ALREADY_CLAIMED = _("“%(name)s” is already in another claim: see your claims on the order page.")
NOT_ELIGIBLE = _("This claim cannot be submitted under the brand's policy: %(why)s")
ANSWER_NEEDED = _("Answer the question “%(question)s”")
SLOT_MISSING = _("%(label)s: %(n)d more needed.")
SLOT_PROCESSING = _("%(label)s: a file is still being checked; submit again in a moment.")
TEXT_MISSING = _("%(label)s: please fill this in.")
PREFERENCE_NEEDED = _("Choose the outcome you prefer.")
OUTCOME_NOT_OFFERED = _("This outcome is not offered under this rule.")
OUTCOME_CHANGE_REASON = _("Say why the outcome differs from the shopper's preference.")
APPEAL_ONCE = _("A claim can be appealed once.")
CARRIER_NOT_ALLOWED = _("Use one of the carriers listed: %(carriers)s.")
TRACKING_FORMAT = _("This doesn't look like a %(carrier)s tracking number (for example %(example)s).")
POSTAGE_RECEIPT_MISSING = _("Add the receipt for the postage you paid (a photo or PDF) above, then save again.")
POSTAGE_RECEIPT_CHECKING = _("Your postage receipt is still being checked; save again in a moment.")
RMA_MISMATCH = _("The RMA number on the parcel does not match this claim (%(rma)s).")
REFUND_ALREADY = _("A refund has already been recorded for this claim.")
OVERRIDE_REASON = _("Say why the refund differs from the breakdown.")
OVERRIDE_TOO_HIGH = _("The refund cannot be more than was paid (%(max)s).")
NO_ROLE = _("Only the shopper or this store's staff can act on this claim.")
INSPECT_FIRST = _("This rule decides the refund after inspection: record the inspection first.")
ALREADY_COMPLEX = _("This claim is already marked complex.")
ASSIGNEE_NOT_STAFF = _("Assign the claim to a staff member of this store.")
UNKNOWN_RESOLUTION = _("Choose one of the resolutions listed.")


class ClaimError(Exception):
    def __init__(self, message: str, problems: list[str] | None = None):
        super().__init__(message)
        self.message = message
        self.problems = problems or []


class ClaimChanged(ClaimError):
    def __init__(self):
        super().__init__(CLAIM_CHANGED)


class TransitionNotAllowed(ClaimError):
    pass


class NotPermitted(ClaimError):
    def __init__(self):
        super().__init__(NOT_PERMITTED)


# --- the one transition service -------------------------------------------------------


def _check_actor(claim: Claim, actor: Actor, allowed: frozenset[str]) -> None:
    roles = set(actor.roles) & set(allowed)
    if not roles:
        raise NotPermitted()
    if roles == {Role.SHOPPER}:
        owns = (actor.user is not None and claim.shopper_user_id == getattr(actor.user, "pk", None)) or (
            actor.email and actor.email.lower() == claim.shopper_email.lower()
        )
        if not owns:
            raise NotPermitted()
    elif Role.SYSTEM not in roles and not access.is_staff_of(actor.user, claim.store_id, roles=roles):
        raise NotPermitted()


def claim_transition(
    *,
    claim_id: int,
    action: str,
    actor: Actor,
    expected_status: str | None = None,
    expected_version: int | None = None,
    note: str = "",
    apply: Callable[[Claim, datetime], list[str]] | None = None,
    event_data: dict | None = None,
    notify: bool = True,
) -> Claim:
    """Take one transition from the table, once. `apply` makes the changes that go
    with it (on the locked row) and returns the fields it changed."""
    with transaction.atomic():
        claim = Claim.objects.select_for_update().select_related("store", "policy_version").get(pk=claim_id)
        if (expected_status is not None and claim.status != expected_status) or (
            expected_version is not None and claim.row_version != expected_version
        ):
            raise ClaimChanged()
        transition = states.transition_for(action, claim.status)
        if transition is None:
            raise TransitionNotAllowed(NOT_ALLOWED_NOW % {"status": claim.get_status_display()})
        _check_actor(claim, actor, transition.roles)
        now = timezone.now()
        changed = list(apply(claim, now)) if apply else []
        previous = claim.status
        claim.status = transition.target
        claim.status_changed_at = now
        claim.row_version += 1
        claim.save(update_fields=sorted({*changed, "status", "status_changed_at", "row_version", "updated_at"}))
        ClaimEvent.objects.create(
            claim=claim,
            action=action,
            from_status=previous,
            to_status=transition.target,
            actor_user=actor.user,
            actor_role=actor.primary_role,
            actor_label=actor.label,
            note=note,
            data=event_data or {},
        )
        if notify:
            notifications.claim_notify(claim=claim, action=action, note=note)
    return claim


def _claim_change(
    *, claim_id: int, action: str, actor: Actor, roles: frozenset[str], expected_version: int | None, apply, note: str = "", data=None
) -> Claim:
    """A change that keeps the status (assign, mark complex, message): same locking,
    stale check and audit row as a transition."""
    with transaction.atomic():
        claim = Claim.objects.select_for_update().select_related("store", "policy_version").get(pk=claim_id)
        if expected_version is not None and claim.row_version != expected_version:
            raise ClaimChanged()
        _check_actor(claim, actor, roles)
        changed = list(apply(claim, timezone.now()))
        claim.row_version += 1
        claim.save(update_fields=sorted({*changed, "row_version", "updated_at"}))
        ClaimEvent.objects.create(
            claim=claim,
            action=action,
            from_status=claim.status,
            to_status=claim.status,
            actor_user=actor.user,
            actor_role=actor.primary_role,
            actor_label=actor.label,
            note=note,
            data=data or {},
        )
    return claim


# --- drafts -----------------------------------------------------------------------------


def claim_start(
    *,
    store: Store,
    actor: Actor,
    reason_code: str,
    order: Order | None = None,
    lines: list[tuple[OrderLine, int]] | None = None,
    offline: dict | None = None,
    parent: Claim | None = None,
) -> Claim:
    """A draft claim for order lines (with quantities) or an offline purchase."""
    version = policy_version_current(store=store)
    if version is None:
        raise ClaimError(NO_POLICY)
    policy = policy_data_for_version(version=version)
    reason = policy.reason(reason_code)
    if reason is None:
        raise ClaimError(UNKNOWN_REASON)
    with transaction.atomic():
        claim = Claim(
            store=store,
            shopper_user=actor.user if actor.is_shopper else None,
            shopper_email=actor.email or (order.customer_email if order else ""),
            reason_code=reason.code,
            reason_label=reason.label,
            policy_version=version,
            parent=parent,
        )
        if order is not None:
            picked = [(line, quantity) for line, quantity in (lines or []) if quantity]
            if not picked:
                raise ClaimError(NOTHING_CLAIMED)
            for line, quantity in picked:
                if line.order_id != order.pk:
                    raise ClaimError(NOTHING_CLAIMED)
                _check_units(line, quantity, line.quantity - _already_claimed(line, follow_up_of=parent))
            claim.order = order
            claim.save()
            ClaimLine.objects.bulk_create([ClaimLine(claim=claim, order_line=line, quantity=q) for line, q in picked])
        else:
            product: Product = offline["product"]
            claim.offline_product = product
            claim.offline_purchased_at = offline["purchased_at"]
            claim.offline_channel = offline.get("channel", Order.Channel.OFFLINE)
            claim.offline_price = offline["price"]
            claim.offline_country = offline.get("country", store.country).upper()
            claim.save()
            ClaimLine.objects.create(claim=claim, order_line=None, quantity=1)
        ClaimEvent.objects.create(
            claim=claim, action="start", to_status=claim.status, actor_user=actor.user, actor_role=actor.primary_role, actor_label=actor.label
        )
    return claim


def _already_claimed(line: OrderLine, follow_up_of: Claim | None = None) -> int:
    """Units of the line in other claims that are not withdrawn, rejected or expired
    (a follow-up claim is about the same units as the claim it follows)."""
    exclude = (follow_up_of.pk,) if follow_up_of is not None else ()
    return units_claimed_elsewhere(order_line_ids=[line.pk], exclude_claim_ids=exclude).get(line.pk, 0)


def _check_still_available(claim: Claim) -> None:
    """Drafts don't reserve units; at submit, lock the order lines and check that no
    other claim took them meanwhile (two drafts for the same unit make one claim)."""
    claimed = list(claim.lines.filter(order_line__isnull=False).values_list("order_line_id", "quantity"))
    if not claimed:
        return
    locked = {line.pk: line for line in OrderLine.objects.select_for_update().select_related("product").filter(pk__in=[i for i, _q in claimed])}
    for line_id, quantity in claimed:
        line = locked[line_id]
        _check_units(line, quantity, line.quantity - _already_claimed(line, follow_up_of=claim.parent))


def _check_units(line: OrderLine, quantity: int, available: int) -> None:
    """The units asked for against those of the line not in another claim, in words."""
    if available < 1:
        raise ClaimError(ALREADY_CLAIMED % {"name": line.product.name})
    if quantity < 1 or quantity > available:
        raise ClaimError(TOO_MANY % {"max": available, "name": line.product.name})


def claim_update_draft(
    *,
    claim_id: int,
    actor: Actor,
    answers: dict[str, bool] | None = None,
    texts: dict[str, str] | None = None,
    preferred_outcome: str | None = None,
) -> Claim:
    """Saved as the shopper goes: answers, typed texts, preferred outcome."""

    def apply(claim: Claim, now) -> list[str]:
        if claim.status not in (ClaimStatus.DRAFT, ClaimStatus.NEEDS_INFO, ClaimStatus.APPEALED):
            raise TransitionNotAllowed(NOT_ALLOWED_NOW % {"status": claim.get_status_display()})
        changed = []
        if answers is not None and claim.status == ClaimStatus.DRAFT:
            claim.answers = {**claim.answers, **{k: bool(v) for k, v in answers.items()}}
            changed.append("answers")
        if texts is not None:
            claim.texts = {**claim.texts, **{k: str(v)[:5000] for k, v in texts.items()}}
            changed.append("texts")
        if preferred_outcome is not None and claim.status == ClaimStatus.DRAFT:
            if preferred_outcome and preferred_outcome not in Outcome.values:
                raise ClaimError(OUTCOME_NOT_OFFERED)
            claim.preferred_outcome = preferred_outcome
            changed.append("preferred_outcome")
        return changed

    with transaction.atomic():
        claim = Claim.objects.select_for_update().get(pk=claim_id)
        _check_actor(claim, actor, frozenset({Role.SHOPPER}))
        changed = apply(claim, timezone.now())
        claim.row_version += 1
        claim.save(update_fields=[*changed, "row_version", "updated_at"])
    return claim


# --- submit -----------------------------------------------------------------------------


def _assign_reference(claim: Claim) -> None:
    for _attempt in range(20):
        candidate = new_reference()
        if not Claim.objects.filter(reference=candidate).exists():
            claim.reference = candidate
            return
    raise RuntimeError("could not find a free claim reference")


def _pick_rule(decisions) -> str | None:
    """The first rule eligible for every claimed line."""
    eligible_sets = [{r.rule_code for r in decision.rules if r.status == Status.ELIGIBLE} for _line, decision in decisions]
    if not eligible_sets:
        return None
    common = set.intersection(*eligible_sets)
    for rule in decisions[0][1].rules:
        if rule.rule_code in common:
            return rule.rule_code
    return None


def claim_submit(*, claim_id: int, actor: Actor) -> Claim:
    """Re-evaluate with the current policy version at submit time, check every evidence
    requirement, store the decision snapshot, start the review clock. A second submit
    (double click, re-posted form) finds the claim no longer a draft: ClaimChanged."""

    state: dict = {}

    def apply(claim: Claim, now) -> list[str]:
        _check_still_available(claim)
        version = policy_version_current(store=claim.store) or claim.policy_version
        policy = policy_data_for_version(version=version)
        claim.policy_version = version
        decisions = claim_evaluate(claim=claim, now=now, policy=policy)
        rule_code = _pick_rule(decisions)
        if rule_code is None:
            raise _not_submittable(claim, decisions)
        rule = next(r for r in policy.rules if r.code == rule_code)
        rule_decision = next(r for r in decisions[0][1].rules if r.rule_code == rule_code)
        problems = _evidence_problems(claim, rule_decision.evidence_slots)
        if rule.shopper_states_preference and claim.preferred_outcome not in rule.outcomes:
            problems.append(PREFERENCE_NEEDED)
        if problems:
            raise ClaimError(problems[0], problems)
        for line, decision in decisions:
            line.decision = decision_document(decision)
            line.save(update_fields=["decision"])
        claim.rule_code = rule_code
        claim.decision = decision_document(decisions[0][1])
        claim.is_complex = rule.is_complex
        _assign_reference(claim)
        claim.submitted_at = now
        claim.review_due_at = clocks.review_due(claim_calendar(claim=claim, now=now), now, rule_decision.review_working_days)
        state["auto_approve"] = rule_decision.auto_approve
        return ["policy_version", "rule_code", "decision", "is_complex", "reference", "submitted_at", "review_due_at"]

    claim = claim_transition(claim_id=claim_id, action="submit", actor=actor, expected_status=ClaimStatus.DRAFT, apply=apply)
    if state.get("auto_approve"):
        claim = claim_approve(claim_id=claim.pk, actor=SYSTEM, outcome=None, note=_("Approved automatically: the expected ship date passed unshipped."))
    return claim


def _not_submittable(claim: Claim, decisions) -> ClaimError:
    """Why no rule takes the draft. While condition questions are unanswered, say which,
    and what else the rule they would open still needs, so one submit lists it all."""
    first = decisions[0][1] if decisions else None
    waiting = [r for r in (first.rules if first else ()) if r.status == Status.NEEDS_ANSWERS]
    if not waiting:
        return ClaimError(NOT_ELIGIBLE % {"why": first.summary if first else ""})
    questions = dict.fromkeys(question.question for rule in waiting for question in rule.questions)
    problems = [ANSWER_NEEDED % {"question": question} for question in questions]
    problems += _evidence_problems(claim, waiting[0].evidence_slots)
    return ClaimError(problems[0], problems)


def _evidence_problems(claim: Claim, slots) -> list[str]:
    problems = []
    for status in claim_checklist(claim=claim, slots=slots):
        slot = status.slot
        if slot.requirement != "mandatory":
            continue
        if slot.kind == "text":
            if not str(claim.texts.get(slot.code, "")).strip():
                problems.append(TEXT_MISSING % {"label": slot.label})
        elif status.missing:
            if status.processing:
                problems.append(SLOT_PROCESSING % {"label": slot.label})
            else:
                problems.append(SLOT_MISSING % {"label": slot.label, "n": status.missing})
    return problems


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

    return claim_transition(
        claim_id=claim_id, action="request_info", actor=actor, expected_version=expected_version, note=message, apply=apply, event_data={"slots": slots}
    )


def claim_provide_info(*, claim_id: int, actor: Actor, message: str = "", expected_version: int | None = None) -> Claim:
    def apply(claim: Claim, now) -> list[str]:
        requested = claim.messages.filter(requested_slots__isnull=False).exclude(requested_slots=[]).order_by("-created_at").first()
        rule_decision = claim_decided_rule(claim=claim)
        if requested is not None and rule_decision:
            wanted = [s for s in rule_decision["evidence_slots"] if s["code"] in requested.requested_slots and s["kind"] != "text"]
            # something new in each requested slot, added since we asked
            fresh = set(
                claim.evidence.filter(status=EvidenceFile.Status.READY, created_at__gt=requested.created_at).values_list("slot_code", flat=True)
            )
            missing = [s["label"] for s in wanted if s["code"] not in fresh]
            if missing:
                raise ClaimError(SLOT_MISSING % {"label": missing[0], "n": 1}, [SLOT_MISSING % {"label": m, "n": 1} for m in missing])
        if message:
            ClaimMessage.objects.create(claim=claim, author_user=actor.user, author_role=Role.SHOPPER, body=message)
        calendar = claim_calendar(claim=claim, now=now)
        claim.review_due_at = clocks.review_resume(calendar, now, claim.review_remaining_seconds or 0)
        claim.review_paused_at = None
        claim.review_remaining_seconds = None
        return ["review_due_at", "review_paused_at", "review_remaining_seconds"]

    return claim_transition(claim_id=claim_id, action="provide_info", actor=actor, expected_version=expected_version, note=message, apply=apply)


NO_RETURN_OUTCOMES = {Outcome.KEEP_WITH_COMPENSATION, Outcome.CANCEL_REFUND, Outcome.ADDRESS_CHANGED, Outcome.REPLACEMENT_PART}


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
) -> Claim:
    """Approve with the outcome (the shopper's preference unless staff say why not):
    with a return (RMA number, ship-by clock) or without one."""
    claim = Claim.objects.select_related("policy_version__policy__store").get(pk=claim_id)
    policy = policy_data_for_version(version=claim.policy_version)
    rule = claim_rule(claim=claim, policy=policy)
    outcome = outcome or claim.preferred_outcome or (rule.outcomes[0] if rule else "")
    if rule is None or outcome not in rule.outcomes:
        raise ClaimError(OUTCOME_NOT_OFFERED)
    if claim.preferred_outcome and outcome != claim.preferred_outcome and not change_reason.strip():
        raise ClaimError(OUTCOME_CHANGE_REASON)
    with_return = rule.requires_return and outcome not in NO_RETURN_OUTCOMES

    def apply(claim: Claim, now) -> list[str]:
        calendar = claim_calendar(claim=claim, now=now)
        claim.outcome = outcome
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
        return changed

    action = "approve_return" if with_return else "approve_no_return"
    text = "; ".join(filter(None, [note, change_reason and _("Outcome changed: %s") % change_reason]))
    return claim_transition(
        claim_id=claim_id,
        action=action,
        actor=actor,
        expected_version=expected_version,
        note=text,
        apply=apply,
        event_data={"outcome": outcome, "preferred": claim.preferred_outcome, "change_reason": change_reason},
    )


def claim_reject(*, claim_id: int, actor: Actor, reason: str, message: str = "", expected_version: int | None = None) -> Claim:
    def apply(claim: Claim, now) -> list[str]:
        claim.rejection_reason = reason[:300]
        claim.decided_at = now
        claim.review_due_at = None
        return ["rejection_reason", "decided_at", "review_due_at"]

    return claim_transition(
        claim_id=claim_id, action="reject", actor=actor, expected_version=expected_version, note=message or reason, apply=apply, event_data={"reason": reason}
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

    return claim_transition(claim_id=claim_id, action="appeal", actor=actor, expected_version=expected_version, note=message, apply=apply)


def claim_uphold_rejection(*, claim_id: int, actor: Actor, message: str, expected_version: int | None = None) -> Claim:
    def apply(claim: Claim, now) -> list[str]:
        claim.review_due_at = None
        claim.closed_at = now
        return ["review_due_at", "closed_at"]

    return claim_transition(claim_id=claim_id, action="uphold_rejection", actor=actor, expected_version=expected_version, note=message, apply=apply)


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

    return _claim_change(
        claim_id=claim_id, action="mark_complex", actor=actor, roles=states.DECIDERS, expected_version=expected_version, apply=apply
    )


def claim_assign(*, claim_id: int, actor: Actor, assignee, expected_version: int | None = None) -> Claim:
    def apply(claim: Claim, now) -> list[str]:
        if assignee is not None and not access.is_staff_of(assignee, claim.store_id):
            raise ClaimError(ASSIGNEE_NOT_STAFF)
        claim.assignee = assignee
        return ["assignee"]

    return _claim_change(
        claim_id=claim_id,
        action="assign",
        actor=actor,
        roles=states.DECIDERS | states.HANDLERS,
        expected_version=expected_version,
        apply=apply,
        data={"assignee": getattr(assignee, "email", None)},
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

    return _claim_change(
        claim_id=claim_id,
        action="line_accepted" if accept else "line_rejected",
        actor=actor,
        roles=states.DECIDERS | states.HANDLERS,
        expected_version=expected_version,
        apply=apply,
        note=note,
        data={"line": line_id},
    )


# the same words from the same person this soon after are one message sent twice
MESSAGE_REPEAT_WINDOW = timedelta(minutes=2)


def claim_message(*, claim_id: int, actor: Actor, body: str, internal: bool = False) -> ClaimMessage:
    """A message (or a staff-only note). A double click or a re-posted form makes one:
    the same body from the same author within MESSAGE_REPEAT_WINDOW returns the first."""
    if internal and actor.is_shopper:
        raise NotPermitted()
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

    roles = states.DECIDERS | states.HANDLERS | ({Role.SHOPPER} if not internal else set())
    try:
        _claim_change(claim_id=claim_id, action="internal_note" if internal else "message", actor=actor, roles=frozenset(roles), expected_version=None, apply=apply)
    except _Repeated as repeated:  # rolled back: no second audit row, no second e-mail
        return repeated.message
    return created[0]


class _Repeated(Exception):
    def __init__(self, message: ClaimMessage):
        super().__init__()
        self.message = message


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

    return claim_transition(claim_id=claim_id, action="ship", actor=actor, expected_version=expected_version, apply=apply)


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


def claim_expire(*, claim_id: int) -> Claim:
    """The ship-by time passed: the right to return is waived (W10/S3)."""

    def apply(claim: Claim, now) -> list[str]:
        if claim.ship_by_at is None or claim.ship_by_at > now:
            raise TransitionNotAllowed(NOT_ALLOWED_NOW % {"status": claim.get_status_display()})
        return []

    return claim_transition(claim_id=claim_id, action="expire", actor=SYSTEM, expected_status=ClaimStatus.APPROVED_AWAITING_RETURN, apply=apply)


def claim_receive(*, claim_id: int, actor: Actor, rma_number: str, note: str = "", expected_version: int | None = None) -> Claim:
    def apply(claim: Claim, now) -> list[str]:
        if (rma_number or "").strip().upper() != (claim.rma_number or "").upper():
            raise ClaimError(RMA_MISMATCH % {"rma": claim.rma_number})
        claim.received_at = now
        rule = claim_rule(claim=claim)
        changed = ["received_at"]
        if rule and rule.refund_due_business_days and rule.refund_clock == "receipt":
            claim.refund_due_at = clocks.refund_due(claim_calendar(claim=claim, now=now), now, rule.refund_due_business_days)
            changed.append("refund_due_at")
        return changed

    return claim_transition(claim_id=claim_id, action="receive", actor=actor, expected_version=expected_version, note=note, apply=apply)


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

    return claim_transition(
        claim_id=claim_id, action="inspect", actor=actor, expected_version=expected_version, note=notes, apply=apply, event_data={"missing": len(missing)}
    )


# --- money ------------------------------------------------------------------------------


def _inspection_facts(claim: Claim) -> InspectionFacts | None:
    if not claim.inspection:
        return None
    data = claim.inspection
    return InspectionFacts(
        missing_accessories_value=sum((Decimal(i["value"]) for i in data.get("missing_accessories", [])), Decimal("0")),
        damage_value=Decimal(data.get("damage_value") or "0"),
        improper_packaging=bool(data.get("improper_packaging")),
        defect_confirmed=data.get("defect_confirmed"),
    )


def claim_refund_breakdown(*, claim: Claim):
    """The refund as it stands: the policy's lines, the shopper's answers, what the
    inspection found and the postage the shopper paid, for the accepted lines."""
    policy = policy_data_for_version(version=claim.policy_version)
    rule: RuleData | None = claim_rule(claim=claim, policy=policy)
    if rule is None:
        return None
    snapshot = claim_decided_rule(claim=claim)
    payer = snapshot.get("shipping_payer", rule.return_shipping_payer)
    inspection = _inspection_facts(claim)
    if inspection is not None and inspection.defect_confirmed is False and rule.return_shipping_payer == "brand_if_defect":
        payer = "shopper"
    accepted = [
        facts for line, facts in claim_purchases(claim=claim) if line.staff_decision != ClaimLine.StaffDecision.REJECTED
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
        lines = [
            {"code": line.code, "label": line.label, "amount": str(line.amount), "pending": line.pending, "note": line.note}
            for line in (breakdown.lines if breakdown else ())
        ]
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

    return claim_transition(claim_id=claim_id, action="resolve", actor=actor, expected_version=expected_version, apply=apply)


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

    return claim_transition(claim_id=claim_id, action="resolve", actor=actor, expected_version=expected_version, apply=apply)


def claim_resolve(
    *, claim_id: int, actor: Actor, resolution: str, replacement_tracking: str = "", note: str = "", expected_version: int | None = None
) -> Claim:
    """Resolve without money: replaced, repaired, part sent, address changed."""

    def apply(claim: Claim, now) -> list[str]:
        if resolution not in Claim.Resolution.values:
            raise ClaimError(UNKNOWN_RESOLUTION)
        claim.resolution = resolution
        claim.replacement_tracking = replacement_tracking
        claim.resolved_at = now
        claim.refund_due_at = None
        return ["resolution", "replacement_tracking", "resolved_at", "refund_due_at"]

    return claim_transition(claim_id=claim_id, action="resolve", actor=actor, expected_version=expected_version, note=note, apply=apply)


def claim_withdraw(*, claim_id: int, actor: Actor, note: str = "", expected_version: int | None = None) -> Claim:
    def apply(claim: Claim, now) -> list[str]:
        claim.review_due_at = None
        claim.ship_by_at = None
        return ["review_due_at", "ship_by_at"]

    return claim_transition(claim_id=claim_id, action="withdraw", actor=actor, expected_version=expected_version, note=note, apply=apply)


def claim_discard_draft(*, claim_id: int, actor: Actor) -> Claim:
    """A draft the shopper no longer wants (e.g. started with the wrong items): withdrawn
    without an e-mail, since it was never submitted. Its files go with the retention."""
    return claim_transition(
        claim_id=claim_id, action="withdraw", actor=actor, expected_status=ClaimStatus.DRAFT, note=_("Draft discarded"), notify=False
    )


def claim_close(*, claim_id: int, actor: Actor, note: str = "", expected_version: int | None = None) -> Claim:
    def apply(claim: Claim, now) -> list[str]:
        claim.closed_at = now
        claim.review_due_at = None
        claim.ship_by_at = None
        claim.refund_due_at = None
        return ["closed_at", "review_due_at", "ship_by_at", "refund_due_at"]

    return claim_transition(claim_id=claim_id, action="close", actor=actor, expected_version=expected_version, note=note, apply=apply, notify=False)


def claim_close_finished(*, claim_id: int) -> Claim:
    """The SLA sweep closes a finished claim once its store's close_claims_after_days
    have passed since it finished; the shopper is told (unless they withdrew it)."""

    def apply(claim: Claim, at) -> list[str]:
        if claim.status not in states.AUTO_CLOSE_STATES or claim.status_changed_at is None:
            raise TransitionNotAllowed(NOT_ALLOWED_NOW % {"status": claim.get_status_display()})
        if claim.status_changed_at > at - timedelta(days=claim.store.close_claims_after_days):
            raise TransitionNotAllowed(NOT_ALLOWED_NOW % {"status": claim.get_status_display()})
        claim.closed_at = at
        claim.review_due_at = claim.ship_by_at = claim.refund_due_at = None
        return ["closed_at", "review_due_at", "ship_by_at", "refund_due_at"]

    status = Claim.objects.filter(pk=claim_id).values_list("status", flat=True).first()
    return claim_transition(
        claim_id=claim_id,
        action="close",
        actor=SYSTEM,
        expected_status=status,  # changed meanwhile (e.g. appealed): ClaimChanged, left alone
        note=_("Closed automatically"),
        apply=apply,
        notify=status in states.AUTO_CLOSE_NOTIFY_STATES,
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

