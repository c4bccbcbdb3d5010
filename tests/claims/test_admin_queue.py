"""The staff queue: most urgent clock first, scoped to the staff member's stores, and
a constant number of queries however many claims are listed."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import User
from claims.models import Claim
from tests.claims.conftest import submitted_claim

pytestmark = pytest.mark.django_db


def _clone(claim: Claim, count: int, start: int = 0) -> None:
    now = timezone.now()
    Claim.objects.bulk_create(
        [
            Claim(
                store=claim.store,
                reference=f"CLM-Q{n:05d}",
                status="submitted",
                shopper_email=f"shopper{n}@example.com",
                order=claim.order,
                reason_code=claim.reason_code,
                reason_label=claim.reason_label,
                policy_version=claim.policy_version,
                rule_code=claim.rule_code,
                submitted_at=now,
                review_due_at=now + timedelta(hours=n - 20),
            )
            for n in range(start, start + count)
        ]
    )


def _changelist(email: str, query: str = "") -> str:
    client = Client()
    client.force_login(User.objects.get(email=email))
    response = client.get(f"/admin/claims/claim/{query}")
    assert response.status_code == 200
    return response.content.decode()


def test_queue_query_count_does_not_grow_with_rows(demo, django_assert_max_num_queries):
    _clone(submitted_claim(), 20)
    client = Client()
    client.force_login(User.objects.get(email="reviewer@imirror.demo.example"))
    with django_assert_max_num_queries(30) as small:
        client.get("/admin/claims/claim/")
    _clone(Claim.objects.first(), 180, start=20)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get("/admin/claims/claim/")
    assert response.content.decode().count("CLM-Q") >= 100  # a full page of rows
    assert Claim.objects.count() == 201


def test_most_urgent_first_and_overdue_marked(demo):
    _clone(submitted_claim(), 30)
    page = _changelist("reviewer@imirror.demo.example")
    # review_due_at = now + (n - 20) h: CLM-Q00000 is the most overdue
    assert page.index("CLM-Q00000") < page.index("CLM-Q00001") < page.index("CLM-Q00025")
    assert "overdue by" in page
    overdue = _changelist("reviewer@imirror.demo.example", "?clock=overdue")
    assert "CLM-Q00019" in overdue and "CLM-Q00021" not in overdue


def test_staff_see_only_their_stores_claims(demo):
    claim = submitted_claim()
    assert claim.reference in _changelist("reviewer@imirror.demo.example")
    assert claim.reference not in _changelist("reviewer@iwalk.demo.example")
    client = Client()
    client.force_login(User.objects.get(email="reviewer@iwalk.demo.example"))
    assert client.get(f"/admin/claims/claim/{claim.pk}/change/").status_code == 302
    assert _changelist("reviewer@imirror.demo.example", f"?q={claim.order.number}").count(claim.reference) >= 1
