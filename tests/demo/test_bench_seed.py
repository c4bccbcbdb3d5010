"""The benchmark's data (demo.bench, manage.py bench_seed): every claim state with the
clocks its state has, 1 % due for the SLA sweep, and a drop that leaves the demo."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from claims.models import Claim, ClaimEvent
from claims.sla import sla_sweep
from claims.states import OPEN_STATES, ClaimStatus
from demo.bench import (
    BENCH_DOMAIN,
    TEST_DATABASE,
    BenchRefused,
    bench_counts,
    bench_database_check,
    bench_drop,
    bench_seed,
)
from orders.models import Order

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_command_refuses_a_test_database_or_sqlite():
    """The test run's database is named test_*: the command (which never passes
    test_database_ok) refuses it, and SQLite is refused with a clear message."""
    with pytest.raises(CommandError) as refused:
        call_command("bench_seed", "--orders", "10")
    if connection.vendor == "postgresql":
        assert str(refused.value) == TEST_DATABASE % {"name": connection.settings_dict["NAME"]}
    else:
        assert "needs PostgreSQL" in str(refused.value)


def _indexes() -> set[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename LIKE 'claims_%%' OR tablename LIKE 'orders_%%'")
        return set(cursor.fetchall())


def test_seed_writes_every_state_with_its_clocks_and_one_percent_due_then_drops():
    if connection.vendor != "postgresql":
        # the seed writes with PostgreSQL COPY: elsewhere it refuses before writing anything
        with pytest.raises(BenchRefused, match="needs PostgreSQL"):
            bench_seed(orders=6, claims=10, test_database_ok=True, log=lambda text: None)
        assert bench_counts() == (0, 0)
        return
    with pytest.raises(BenchRefused):
        bench_database_check()
    indexes = _indexes()
    result = bench_seed(orders=600, claims=1000, test_database_ok=True, log=lambda text: None)
    assert bench_counts() == (600, 1000)
    # dropped for the load, built again from their definitions (PostgreSQL prints a
    # re-parsed partial index's IN list with other casts: the names are compared)
    assert {name for name, _definition in _indexes()} == {name for name, _definition in indexes}
    bench = Claim.objects.filter(shopper_email__endswith=f"@{BENCH_DOMAIN}")
    assert set(bench.values_list("status", flat=True)) == set(ClaimStatus)
    now = timezone.now()
    # the clocks the write path leaves in each state
    assert not bench.filter(status=ClaimStatus.SUBMITTED, review_due_at=None).exists()
    assert not bench.filter(status=ClaimStatus.APPROVED_AWAITING_RETURN, ship_by_at=None).exists()
    assert not bench.filter(status=ClaimStatus.APPROVED_AWAITING_RETURN, rma_number=None).exists()
    assert not bench.filter(status=ClaimStatus.IN_TRANSIT, return_tracking_number="").exists()
    assert not bench.exclude(status__in=OPEN_STATES).exclude(status=ClaimStatus.EXPIRED).exclude(review_due_at=None, refund_due_at=None).exists()
    assert not bench.filter(status=ClaimStatus.DRAFT).exclude(reference=None).exists()
    assert not bench.filter(submitted_at__gt=now).exists()
    # stored normalised (the lookups are exact matches)
    assert all(email == email.lower() for email in bench.values_list("shopper_email", flat=True))
    numbers = Order.objects.filter(customer_email__endswith=f"@{BENCH_DOMAIN}").values_list("number", flat=True)
    assert all(number == number.upper() for number in numbers)
    # 2–4 audit events per submitted claim, the first one the draft's start
    per_claim = {}
    for claim_id, action in ClaimEvent.objects.filter(claim__in=bench).order_by("pk").values_list("claim_id", "action"):
        per_claim.setdefault(claim_id, []).append(action)
    assert all(actions[0] == "start" for actions in per_claim.values())
    assert {len(actions) for claim_id, actions in per_claim.items()} <= {1, 2, 3, 4}
    # 1 % due: what the sweep acts on
    assert sum(result.due.values()) == 10
    counts = sla_sweep()
    assert counts.get("errors", 0) == 0
    assert sum(n for step, n in counts.items() if step != "errors" and isinstance(n, int)) >= 10

    demo_claims = Claim.objects.exclude(shopper_email__endswith=f"@{BENCH_DOMAIN}").count()
    bench_drop(test_database_ok=True)
    assert bench_counts() == (0, 0)
    assert Claim.objects.count() == demo_claims > 0
