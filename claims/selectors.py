"""Reads of the claims domain: the engine's view of a claim, evidence checklists."""

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from claims.models import Claim, EvidenceFile
from policies.engine import Decision, PolicyData, PurchaseFacts, RuleData, SlotData
from policies.selectors import (
    decision_for_purchase,
    policy_data_for_version,
    purchase_facts_for_line,
    purchase_facts_offline,
    store_calendar,
)


def claim_policy_data(*, claim: Claim) -> PolicyData:
    return policy_data_for_version(version=claim.policy_version)


def claim_purchases(*, claim: Claim) -> list[tuple[object, PurchaseFacts]]:
    """(claim line, purchase facts) for each claimed line; offline claims have one."""
    if claim.order_id is None:
        facts = purchase_facts_offline(
            product=claim.offline_product,
            purchased_at=claim.offline_purchased_at,
            channel=claim.offline_channel,
            price=claim.offline_price,
            country=claim.offline_country,
            currency=claim.store.currency,
        )
        return [(line, facts) for line in claim.lines.all()]
    return [
        (line, purchase_facts_for_line(line=line.order_line, quantity=line.quantity))
        for line in claim.lines.select_related("order_line__order", "order_line__product__category")
    ]


def evidence_counts(*, claim: Claim) -> dict[str, int]:
    """Processed files per slot; text slots count 1 when filled in."""
    counts = dict(
        claim.evidence.filter(status=EvidenceFile.Status.READY)
        .values("slot_code")
        .annotate(n=Count("pk"))
        .values_list("slot_code", "n")
    )
    for code, text in (claim.texts or {}).items():
        if str(text).strip():
            counts[code] = 1
    return counts


def claim_evaluate(*, claim: Claim, now=None, policy: PolicyData | None = None) -> list[tuple[object, Decision]]:
    """The engine's decision for each claimed line, as of `now`."""
    now = now or timezone.now()
    policy = policy or claim_policy_data(claim=claim)
    counts = evidence_counts(claim=claim)
    return [
        (
            line,
            decision_for_purchase(
                store=claim.store,
                policy=policy,
                purchase=facts,
                reason_code=claim.reason_code,
                answers=claim.answers,
                now=now,
                evidence_counts=counts,
            ),
        )
        for line, facts in claim_purchases(claim=claim)
    ]


def claim_rule(*, claim: Claim, policy: PolicyData | None = None) -> RuleData | None:
    policy = policy or claim_policy_data(claim=claim)
    return next((rule for rule in policy.rules if rule.code == claim.rule_code), None)


@dataclass(frozen=True)
class SlotStatus:
    slot: SlotData
    provided: int
    processing: int

    @property
    def missing(self) -> int:
        return max(self.slot.min_count - self.provided, 0)

    @property
    def complete(self) -> bool:
        return self.missing == 0

    @property
    def room(self) -> int:
        return max(self.slot.max_count - self.provided - self.processing, 0)


def claim_checklist(*, claim: Claim, slots: tuple[SlotData, ...]) -> list[SlotStatus]:
    ready = evidence_counts(claim=claim)
    processing = dict(
        claim.evidence.filter(status=EvidenceFile.Status.PROCESSING)
        .values("slot_code")
        .annotate(n=Count("pk"))
        .values_list("slot_code", "n")
    )
    return [SlotStatus(slot=slot, provided=ready.get(slot.code, 0), processing=processing.get(slot.code, 0)) for slot in slots]


def claim_calendar(*, claim: Claim, now=None):
    return store_calendar(store=claim.store, around=now or timezone.now())


def claims_for_shopper(*, email: str, user=None) -> QuerySet[Claim]:
    match = Q(shopper_email__iexact=email)
    if user is not None and user.is_authenticated:
        match |= Q(shopper_user=user)
    return Claim.objects.filter(match).select_related("store").order_by("-created_at")
