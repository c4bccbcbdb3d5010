"""The staff queue: most urgent clock first, scoped to the staff member's stores, and
a constant number of queries however many claims are listed."""

import html
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from claims.actors import shopper_actor
from claims.admin import QueueCountPaginator
from claims.clocks import next_due
from claims.models import Claim
from claims.services import TRACKING_REQUIRED, claim_approve, claim_ship
from tests.claims.conftest import enter_tracking, staff, submitted_claim
from tests.claims.test_life import UPS_EXAMPLE

pytestmark = pytest.mark.django_db


def _clone(claim: Claim, count: int, start: int = 0) -> None:
    """Submitted copies of the claim, review due (n - 20) h from now; bulk-created rows
    bypass the write path, so next_due_at is set as the write path would."""
    now = timezone.now()
    clones = [
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
            next_due_at=now + timedelta(hours=n - 20),
        )
        for n in range(start, start + count)
    ]
    assert all(clone.next_due_at == next_due(clone) for clone in clones)
    Claim.objects.bulk_create(clones)


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
    response = client.post(
        "/admin/claims/claim/", {"action": "assign_to_me", "_selected_action": [claim.pk]}, follow=True
    )
    assert "1 claim(s) assigned to you." in response.content.decode()
    claim.refresh_from_db()
    assert claim.assignee == reviewer
    claim = claim_approve(claim_id=claim.pk, actor=staff("reviewer@imirror.demo.example"), outcome=None)
    warehouse = Client()
    warehouse.force_login(User.objects.get(email="warehouse@imirror.demo.example"))
    # IMIRROR requires the return tracking number (P4): not received without it
    response = warehouse.post(
        "/admin/claims/claim/", {"action": "mark_received", "_selected_action": [claim.pk]}, follow=True
    )
    assert html.unescape(TRACKING_REQUIRED % {"rule": "30-day return"}) in html.unescape(response.content.decode())
    claim.refresh_from_db()
    assert claim.status == "approved_awaiting_return"
    enter_tracking(claim)
    response = warehouse.post(
        "/admin/claims/claim/", {"action": "mark_received", "_selected_action": [claim.pk]}, follow=True
    )
    assert "1 claim(s) marked received." in response.content.decode()
    claim.refresh_from_db()
    assert claim.status == "received"
    again = warehouse.post(
        "/admin/claims/claim/", {"action": "mark_received", "_selected_action": [claim.pk]}, follow=True
    )
    assert "The receipt was already recorded for claim" in html.unescape(again.content.decode())


def test_admin_index_summarises_my_stores(demo):
    claim = submitted_claim()
    Claim.objects.filter(pk=claim.pk).update(review_due_at=timezone.now() - timedelta(hours=3))
    client = Client()
    client.force_login(User.objects.get(email="manager@imirror.demo.example"))
    page = client.get("/admin/").content.decode()
    assert "Open claims by store" in page and "IMIRROR" in page and "Submitted: 1" in page
    assert "iWALK</a>" not in page


@pytest.mark.parametrize("user", ["reviewer@imirror.demo.example", "admin@demo.example"])
@pytest.mark.parametrize("query", ["", "?q=CLM-Q", "?q=Shopper1", "?q=IM-80010", "?clock=overdue", "?clock=24h", "?reason_code=not-satisfied"])
def test_queue_query_count_is_the_same_for_few_and_many_rows_searched_and_filtered(demo, user, query):
    _clone(submitted_claim(), 3)
    client = Client()
    client.force_login(User.objects.get(email=user))
    client.get(f"/admin/claims/claim/{query}")  # sessions, permissions and the like warmed up
    with CaptureQueriesContext(connection) as few:
        assert client.get(f"/admin/claims/claim/{query}").status_code == 200
    _clone(Claim.objects.first(), 150, start=3)
    with CaptureQueriesContext(connection) as many:
        response = client.get(f"/admin/claims/claim/{query}")
    assert len(many.captured_queries) == len(few.captured_queries), [q["sql"] for q in many.captured_queries]
    assert response.content.decode().count('class="action-select"') > 3  # more rows listed, not fewer queries by luck


def _shipped_claim() -> Claim:
    """A submitted IMIRROR return, approved (an RMA) and shipped (a tracking number)."""
    claim = submitted_claim()
    claim_approve(claim_id=claim.pk, actor=staff("reviewer@imirror.demo.example"), outcome=None)
    claim_ship(claim_id=claim.pk, actor=shopper_actor(email=claim.shopper_email), carrier="UPS", tracking_number=UPS_EXAMPLE)
    return Claim.objects.select_related("order").get(pk=claim.pk)


def test_search_finds_a_claim_by_each_field_whole_or_its_beginning_in_any_case(demo):
    claim = _shipped_claim()
    _clone(claim, 5)  # other claims of the same order, with other references and e-mails
    spaced_tracking = " ".join([UPS_EXAMPLE[:6], UPS_EXAMPLE[6:]]).lower()
    terms = {
        "reference": claim.reference.lower(),
        "reference, beginning": claim.reference[:-1],
        "RMA": f" {claim.rma_number.lower()} ",
        "RMA, beginning": claim.rma_number[:-2],
        "order number": "#" + claim.order.number.lower(),
        "order number, beginning": claim.order.number[:-1],
        "e-mail": claim.shopper_email.upper(),
        "e-mail, beginning": claim.shopper_email.split("@")[0].title(),
        "tracking": spaced_tracking,
        "tracking, beginning": UPS_EXAMPLE[:-3].lower(),
    }
    for what, term in terms.items():
        page = _changelist("reviewer@imirror.demo.example", "?" + urlencode({"q": term}))
        assert claim.reference in page, what
        assert claim.reference not in _changelist("reviewer@iwalk.demo.example", "?" + urlencode({"q": term})), what
    # whole values or their beginnings (of 3 characters or more) only: no '%term%' (and
    # a '%' is not a wildcard)
    for term in (claim.reference[4:], claim.rma_number[3:], "%", "_", claim.reference[:2], UPS_EXAMPLE[:2]):
        assert claim.reference not in _changelist("reviewer@imirror.demo.example", "?" + urlencode({"q": term})), term
    exact = _changelist("reviewer@imirror.demo.example", "?" + urlencode({"q": claim.reference}))
    clones = Claim.objects.filter(order=claim.order).exclude(pk=claim.pk).values_list("reference", flat=True)
    assert len(clones) == 5 and not any(reference in exact for reference in clones)
    assert "1 result (" in exact and "1 claim\n" in exact


def test_the_count_stops_at_the_limit_and_says_so(demo, monkeypatch):
    monkeypatch.setattr(QueueCountPaginator, "limit", 10)
    _clone(submitted_claim(), 30)
    page = _changelist("reviewer@imirror.demo.example")
    assert "10+ claims" in page and "31 claims" not in page
    assert page.count('class="action-select"') == 31  # one page of the 100 a page holds: all of them
    few = _changelist("reviewer@imirror.demo.example", "?q=CLM-Q0000")
    assert "10 claims" in few and "10+" not in few


def test_the_reason_filter_lists_the_reasons_of_my_stores_policies(demo):
    from policies.models import Reason

    claim = submitted_claim()
    page = _changelist("reviewer@imirror.demo.example")
    mine = Reason.objects.filter(store=claim.store)
    assert all(f"?reason_code={reason.code}" in page for reason in mine)  # also those no claim has yet
    others = Reason.objects.exclude(code__in=mine.values("code"))
    assert others.exists() and not any(f"?reason_code={reason.code}" in page for reason in others)
    assert claim.reference in _changelist("reviewer@imirror.demo.example", f"?reason_code={claim.reason_code}")
    other_reason = mine.exclude(code=claim.reason_code).first().code
    assert claim.reference not in _changelist("reviewer@imirror.demo.example", f"?reason_code={other_reason}")
