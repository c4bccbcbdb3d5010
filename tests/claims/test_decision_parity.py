"""Try it (the admin) and the shopper see the same decision: one builder of the
engine's purchase facts (bundle and gift companions included) and one template. For
every line of every demo order of every demo brand, and every reason."""

import re

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from accounts.models import User
from claims import selectors
from claims.actors import shopper_actor
from claims.models import Claim
from claims.services import ClaimError, claim_start
from orders.models import Order, Store
from policies.models import Policy, Reason
from policies.selectors import (
    decision_for_purchase,
    policy_data_for_version,
    policy_version_current,
    purchase_facts_for_line,
)

pytestmark = pytest.mark.django_db


def _shape(decision):
    return (
        decision.summary,
        tuple((r.rule_code, r.status, r.explanation, r.refund.total if r.refund else None) for r in decision.rules),
        tuple(a.text for a in decision.alternatives),
    )


def test_try_it_and_the_shopper_decide_every_demo_line_alike():
    with time_machine.travel(timezone.now(), tick=False):
        call_command("demo_load", no_claims=True)
        compared = companions = 0
        for store in Store.objects.order_by("slug"):
            policy = policy_data_for_version(version=policy_version_current(store=store))
            for order in Order.objects.filter(store=store).prefetch_related("lines__product"):
                for line in order.lines.all():
                    for reason in policy.reasons:
                        try_it = decision_for_purchase(
                            store=store, policy=policy, purchase=purchase_facts_for_line(line=line), reason_code=reason.code, answers={}, now=timezone.now()
                        )
                        try:
                            claim = claim_start(
                                store=store, actor=shopper_actor(email=order.customer_email), reason_code=reason.code, order=order, lines=[(line, line.quantity)]
                            )
                        except ClaimError:
                            continue
                        [(_line, shopper)] = selectors.claim_evaluate(claim=claim)
                        Claim.objects.filter(pk=claim.pk).delete()
                        assert _shape(try_it) == _shape(shopper), f"{order.number} {line.product.name} {reason.code}"
                        compared += 1
                        companions += bool(line.bundle_group or line.is_gift) and any("1 × " in " ".join(r.explanation) for r in shopper.rules)
        assert compared > 100 and companions > 0


def test_the_try_it_page_names_what_a_bundle_line_needs_like_the_shopper_is_told(client):
    call_command("demo_load", no_claims=True)
    order = Order.objects.get(number="KW-50002")  # camera + microSD in one bundle, strap as a gift
    camera = order.lines.get(product__sku="KW-CAM")
    reason = Reason.objects.get(store=order.store, code="changed-mind")  # the 60-day return: the set goes back together
    policy = Policy.objects.get(store=order.store)
    client.force_login(User.objects.get(email="manager@kwoking.demo.example"))
    page = client.get(
        f"/admin/policies/policy/{policy.pk}/try/",
        {"version": "published", "source": "order", "order_line": camera.pk, "reason": reason.pk},
    ).content.decode()
    claim = claim_start(store=order.store, actor=shopper_actor(email=order.customer_email), reason_code="changed-mind", order=order, lines=[(camera, 1)])
    shopper = Client()
    shopper.force_login(User.objects.get(email=order.customer_email))
    draft = shopper.get(f"/claims/{claim.pk}/draft/").content.decode()
    needed = re.search(r"[^<>]*1 × 32 GB microSD card[^<>]*", draft)
    assert needed, "the shopper is told to add the card"
    assert needed.group(0).strip() in page
