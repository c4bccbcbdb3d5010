from decimal import Decimal

import pytest
from django.core.management import call_command

from claims.actors import shopper_actor, staff_actor
from claims.models import Claim, EvidenceFile
from claims.services import claim_start, claim_submit, claim_update_draft
from orders.models import Order, Store
from policies.selectors import policy_data_for_version, policy_version_current

IM_OK = {"no-cosmetic-damage": True, "original-box": True, "complete-set": True, "packaging-undamaged": True}


@pytest.fixture
def demo(db):
    call_command("demo_load", no_claims=True)
    return {store.slug: store for store in Store.objects.all()}


def staff(email: str):
    from accounts.models import User

    user = User.objects.get(email=email)
    return staff_actor(user=user)


def ready_evidence(claim: Claim, slot_code: str, count: int) -> None:
    """Processed evidence for a slot (the processing pipeline has its own tests)."""
    EvidenceFile.objects.bulk_create(
        [
            EvidenceFile(claim=claim, slot_code=slot_code, accept="photo", status=EvidenceFile.Status.READY, original_name=f"{slot_code}-{n}.jpg", kind="photo")
            for n in range(count)
        ]
    )


def satisfy_evidence(claim: Claim) -> None:
    """Fill every mandatory slot of the rules that cover the claim's reason."""
    policy = policy_data_for_version(version=policy_version_current(store=claim.store))
    texts = {}
    for rule in policy.rules:
        if claim.reason_code not in rule.reason_codes:
            continue
        for slot in rule.evidence_slots:
            if slot.kind == "text":
                texts[slot.code] = "The mirror has a dead pixel line across the top."
            elif not claim.evidence.filter(slot_code=slot.code).exists():
                ready_evidence(claim, slot.code, slot.min_count)
    claim_update_draft(claim_id=claim.pk, actor=shopper_actor(email=claim.shopper_email), texts=texts)


def submitted_claim(order_number: str = "IM-80010", reason: str = "not-satisfied", answers=None, preferred=None) -> Claim:
    """A submitted IMIRROR return by the demo shopper (defaults: the smart mirror)."""
    order = Order.objects.get(number=order_number)
    shopper = shopper_actor(email=order.customer_email)
    line = order.lines.order_by("pk").first()
    claim = claim_start(store=order.store, actor=shopper, reason_code=reason, order=order, lines=[(line, line.quantity)])
    claim_update_draft(claim_id=claim.pk, actor=shopper, answers=IM_OK if answers is None else answers, preferred_outcome=preferred)
    satisfy_evidence(claim)
    return claim_submit(claim_id=claim.pk, actor=shopper)


MONEY = Decimal


def enter_tracking(claim: Claim, actor=None) -> Claim:
    """The return's tracking number, entered by the shopper (a rule may require it before
    the parcel is received, P4): the policy's first named carrier and its example number."""
    from claims.services import claim_ship

    carrier = next(c for c in policy_data_for_version(version=claim.policy_version).carriers if not c.any_carrier)
    actor = actor or shopper_actor(email=claim.shopper_email)
    return claim_ship(claim_id=claim.pk, actor=actor, carrier=carrier.name, tracking_number=carrier.tracking_example)
