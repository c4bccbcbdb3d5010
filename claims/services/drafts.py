"""Drafts: start a claim for order lines or an offline purchase, save it as the
shopper goes, submit it (the units are checked again under a lock)."""


from django.db import transaction
from django.utils.translation import gettext as _

from claims import clocks
from claims.actors import SYSTEM, Actor
from claims.models import Claim, ClaimEvent, ClaimLine, new_reference
from claims.problems import Problem
from claims.selectors import (
    claim_calendar,
    claim_checklist,
    claim_decision_shown,
    claim_evaluate,
    claim_reason_not_offered,
    units_claimed_elsewhere,
)
from claims.services.commands import (
    ALREADY_CLAIMED,
    ANSWER_NEEDED,
    NO_POLICY,
    NOT_ELIGIBLE,
    NOTHING_CLAIMED,
    OUTCOME_NOT_OFFERED,
    PREFERENCE_NEEDED,
    REASON_NOT_OFFERED,
    SLOT_MISSING,
    SLOT_PROCESSING,
    TEXT_MISSING,
    TOO_MANY,
    UNKNOWN_REASON,
    ClaimError,
    claim_command,
)
from claims.services.outcomes import claim_outcome_problems
from claims.services.review import claim_approve
from claims.states import ClaimStatus
from orders.models import Order, OrderLine, Product, Store
from policies.engine import ORDER_DELIVERED, ORDER_STATE_NOW, Status
from policies.models import Outcome
from policies.selectors import order_state_for_order, policy_data_for_version, policy_version_current
from policies.snapshot import decision_document
from policies.zones import zone_valid

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
    shopper_zone: str = "",
) -> Claim:
    """A draft claim for order lines (with quantities) or an offline purchase.
    `shopper_zone`: the time zone the shopper's browser named; kept when it is a real one."""
    version = policy_version_current(store=store)
    if version is None:
        raise ClaimError(NO_POLICY)
    policy = policy_data_for_version(version=version)
    reason = policy.reason(reason_code)
    if reason is None:
        raise ClaimError(UNKNOWN_REASON)
    state = order_state_for_order(order=order) if order is not None else ORDER_DELIVERED
    if not reason.offered_in(state):
        raise ClaimError(REASON_NOT_OFFERED % {"reason": reason.label, "state": _(ORDER_STATE_NOW[state])})
    with transaction.atomic():
        claim = Claim(
            store=store,
            shopper_user=actor.user if actor.is_shopper else None,
            shopper_email=(actor.email or (order.customer_email if order else "")).strip().lower(),
            reason_code=reason.code,
            reason_label=reason.label,
            policy_version=version,
            parent=parent,
            shopper_timezone=zone_valid(shopper_zone),
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

    return claim_command(claim_id=claim_id, command="update_draft", actor=actor, apply=apply)


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


def claim_submit(*, claim_id: int, actor: Actor, shopper_zone: str = "") -> Claim:
    """Re-evaluate with the current policy version at submit time, check every evidence
    requirement, store the decision snapshot, start the review clock. A second submit
    (double click, re-posted form) finds the claim no longer a draft: ClaimChanged.
    `shopper_zone`: the zone the shopper's browser names now, kept for their e-mails
    (the stored decision's texts stay in the store's zone: staff read them)."""

    state: dict = {}

    def apply(claim: Claim, now) -> list[str]:
        _check_still_available(claim)
        version = policy_version_current(store=claim.store) or claim.policy_version
        policy = policy_data_for_version(version=version)
        claim.policy_version = version
        not_offered = claim_reason_not_offered(claim=claim, policy=policy)
        if not_offered:  # the order moved on since the draft began: the draft stays as it is
            raise ClaimError(REASON_NOT_OFFERED % not_offered)
        decisions = claim_evaluate(claim=claim, now=now, policy=policy)
        rule_code = _pick_rule(decisions)
        if rule_code is None:
            raise _not_submittable(claim, decisions)
        rule = next(r for r in policy.rules if r.code == rule_code)
        rule_decision = next(r for r in decisions[0][1].rules if r.rule_code == rule_code)
        problems = _evidence_problems(claim, rule_decision.evidence_slots)
        if rule.shopper_states_preference and claim.preferred_outcome not in rule.outcomes:
            problems.append(Problem(PREFERENCE_NEEDED, anchor="outcome-heading"))
        # each item's outcome (and an exchange's product and price difference)
        problems += [Problem(p, anchor="outcome-heading") for p in claim_outcome_problems(claim, rule) if p not in problems]
        if problems:
            raise ClaimError(problems[0], problems)
        for line, decision in decisions:
            line.decision = decision_document(decision)
            line.save(update_fields=["decision"])
        claim.rule_code = rule_code
        # what the draft showed: the first line's rules with the whole claim's refund estimate
        claim.decision = decision_document(claim_decision_shown(line_decisions=decisions, policy=policy))
        claim.is_complex = rule.is_complex
        _assign_reference(claim)
        claim.submitted_at = now
        claim.review_due_at = clocks.review_due(claim_calendar(claim=claim, now=now), now, rule_decision.review_working_days)
        state["auto_approve"] = rule_decision.auto_approve
        changed = ["policy_version", "rule_code", "decision", "is_complex", "reference", "submitted_at", "review_due_at"]
        if zone_valid(shopper_zone):
            claim.shopper_timezone = zone_valid(shopper_zone)
            changed.append("shopper_timezone")
        return changed

    claim = claim_command(claim_id=claim_id, command="submit", actor=actor, expected_status=ClaimStatus.DRAFT, apply=apply)
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
    questions = {question.question: question.code for rule in waiting for question in rule.questions}
    problems = [
        Problem(ANSWER_NEEDED % {"question": question}, anchor=f"id_q_{code}_0", field=f"q_{code}") for question, code in questions.items()
    ]
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
                problems.append(Problem(TEXT_MISSING % {"label": slot.label}, anchor=f"id_t_{slot.code}", field=f"t_{slot.code}"))
        elif status.missing:
            if status.processing:
                problems.append(Problem(SLOT_PROCESSING % {"label": slot.label}, anchor=f"slot-{slot.code}", slot=slot.code, needed=slot_needed_text(slot.label)))
            else:
                problems.append(
                    Problem(SLOT_MISSING % {"label": slot.label, "n": status.missing}, anchor=f"slot-{slot.code}", slot=slot.code, needed=slot_needed_text(slot.label))
                )
    return problems


def slot_needed_text(label: str) -> str:
    """SLOT_MISSING for a slot with {n} where its count goes: the page's script fills it
    in from the same count the slot shows."""
    return str(SLOT_MISSING).replace("%(n)d", "{n}") % {"label": label}
