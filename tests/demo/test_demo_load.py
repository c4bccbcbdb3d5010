from decimal import Decimal

import pytest
from django.core.management import call_command

from accounts.models import StoreMembership
from orders.models import Order, Product, Store

pytestmark = pytest.mark.django_db


def _counts():
    from claims.models import Claim, ClaimEvent, EvidenceFile

    return (
        Store.objects.count(),
        Product.objects.count(),
        Order.objects.count(),
        StoreMembership.objects.count(),
        Claim.objects.count(),
        ClaimEvent.objects.count(),
        EvidenceFile.objects.count(),
    )


def test_demo_load_is_idempotent_and_prints_logins(capsys):
    call_command("demo_load")
    first = _counts()
    dates = list(Order.objects.order_by("pk").values_list("placed_at", flat=True))
    out = capsys.readouterr().out
    call_command("demo_load")
    assert _counts() == first
    assert list(Order.objects.order_by("pk").values_list("placed_at", flat=True)) == dates
    assert "password for all" in out
    for login in ("shopper@demo.example", "reviewer@iwalk.demo.example", "manager@imirror.demo.example", "admin@demo.example"):
        assert login in out


def test_demo_covers_the_situations_the_policies_distinguish():
    call_command("demo_load")
    assert set(Store.objects.values_list("name", flat=True)) == {"iWALK", "KWOKING", "Voltaic Components", "IMIRROR"}
    channels = set(Order.objects.values_list("channel", flat=True))
    assert {"online", "offline", "crowdfunding", "unauthorized_reseller", "free"} <= channels
    iwalk = Store.objects.get(slug="iwalk")
    ages = {(iwalk.created_at - o.delivered_at).days for o in iwalk.orders.exclude(delivered_at=None)}
    assert {1, 10, 20, 45, 70, 400} <= ages
    kwoking = Store.objects.get(slug="kwoking")
    late = kwoking.orders.get(number="KW-60001")
    assert late.shipped_at is None and late.expected_ship_at < kwoking.created_at
    assert kwoking.orders.filter(lines__is_gift=True, lines__bundle_group="B1").exists()
    imirror = Store.objects.get(slug="imirror")
    assert imirror.orders.filter(shipping_country="US").exists() and imirror.orders.exclude(shipping_country="US").exists()
    assert imirror.orders.filter(picked_up_at__isnull=False, delivered_at=None).exists()
    assert Product.objects.filter(is_accessory=True).count() >= 4


def test_demo_claims_cover_the_main_states_with_processed_evidence():
    from claims.models import Claim, EvidenceFile
    from claims.states import ClaimStatus

    call_command("demo_load")
    states = set(Claim.objects.values_list("status", flat=True))
    assert set(ClaimStatus.values) - {"draft"} <= states
    assert set(Claim.objects.values_list("store__slug", flat=True)) == {"iwalk", "kwoking", "voltaic", "imirror"}
    assert EvidenceFile.objects.count() >= 10
    assert not EvidenceFile.objects.exclude(status=EvidenceFile.Status.READY).exists()
    assert Claim.objects.filter(status="approved_awaiting_return", rma_number__regex=r"^RMA\d{9}$").exists()


def test_demo_ledger_has_a_store_credit_issued_by_a_claim_and_partly_spent():
    from claims.models import Claim
    from credits.models import StoreCredit

    call_command("demo_load")
    credit = StoreCredit.objects.get(store__slug="imirror")
    claim = Claim.objects.get(store_credit=credit)
    assert (claim.order.number, claim.status, claim.outcome, claim.resolution) == ("IM-80012", "resolved", "store_credit", "store_credit_issued")
    assert credit.bonus_percent and credit.initial_amount > 0  # the refund plus the rule's bonus
    kinds = list(credit.entries.order_by("pk").values_list("kind", "amount"))
    assert [kind for kind, _amount in kinds] == ["issued", "redeemed"] and kinds[1][1] == Decimal("-100.00")
    assert credit.balance == credit.initial_amount - Decimal("100.00")
    call_command("demo_load")  # again: nothing more issued
    assert StoreCredit.objects.count() == 1 and credit.entries.count() == 2
