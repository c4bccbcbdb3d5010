"""The staff queue: most urgent clock first, scoped to the staff member's stores, and
a constant number of queries however many claims are listed."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import User
from claims.models import Claim
from tests.claims.conftest import staff, submitted_claim

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


def test_csv_export_is_the_filtered_list_of_my_stores_only(demo):
    claim = submitted_claim()
    _clone(claim, 3)
    client = Client()
    client.force_login(User.objects.get(email="reviewer@imirror.demo.example"))
    rows = client.get("/admin/claims/claim/export.csv?q=CLM-Q00001").content.decode().splitlines()
    assert rows[0].startswith("reference,rma,store,status")
    assert len(rows) == 2 and rows[1].startswith("CLM-Q00001,")
    everything = client.get("/admin/claims/claim/export.csv").content.decode()
    assert claim.reference in everything and everything.count("\n") == 5
    other = Client()
    other.force_login(User.objects.get(email="reviewer@iwalk.demo.example"))
    assert claim.reference not in other.get("/admin/claims/claim/export.csv").content.decode()


def test_bulk_assign_to_me_and_mark_received(demo):
    from claims.services import claim_approve

    claim = submitted_claim()
    reviewer = User.objects.get(email="reviewer@imirror.demo.example")
    client = Client()
    client.force_login(reviewer)
    response = client.post("/admin/claims/claim/", {"action": "assign_to_me", "_selected_action": [claim.pk]}, follow=True)
    assert "1 claim(s) assigned to you." in response.content.decode()
    claim.refresh_from_db()
    assert claim.assignee == reviewer
    claim_approve(claim_id=claim.pk, actor=staff("reviewer@imirror.demo.example"), outcome=None)
    warehouse = Client()
    warehouse.force_login(User.objects.get(email="warehouse@imirror.demo.example"))
    response = warehouse.post("/admin/claims/claim/", {"action": "mark_received", "_selected_action": [claim.pk]}, follow=True)
    assert "1 claim(s) marked received." in response.content.decode()
    claim.refresh_from_db()
    assert claim.status == "received"
    again = warehouse.post("/admin/claims/claim/", {"action": "mark_received", "_selected_action": [claim.pk]}, follow=True)
    assert "This step is not possible" in again.content.decode()


def test_admin_index_summarises_my_stores(demo):
    claim = submitted_claim()
    Claim.objects.filter(pk=claim.pk).update(review_due_at=timezone.now() - timedelta(hours=3))
    client = Client()
    client.force_login(User.objects.get(email="manager@imirror.demo.example"))
    page = client.get("/admin/").content.decode()
    assert "Open claims by store" in page and "IMIRROR" in page and "Submitted: 1" in page
    assert "iWALK</a>" not in page
