"""The shopper's pages (a claim, an order, "My orders and claims") read a fixed number of
queries however many events, messages, files, claims and orders there are, and none
from their templates; "My orders and claims" lists the newest a page at a time."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from claims.models import Claim, ClaimEvent, ClaimMessage
from claims.selectors import MY_PAGE_SIZE
from claims.services import claim_request_info
from orders.models import Order
from tests.claims.conftest import ready_evidence, staff, submitted_claim

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _render_every_time(settings):
    """These tests count the queries of rendering the pages (and change rows behind the
    write path's back), so the rendered-page cache (claims.page_cache: tests/claims/
    test_page_cache.py) is off here."""
    settings.PAGE_CACHE_SECONDS = 0


def _shopper_client(email: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(email=email))
    return client


def _get(client: Client, url: str) -> tuple[int, str]:
    """The number of queries of one request of the page, and the page."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response.content.decode()


def _conversation(claim: Claim, count: int) -> None:
    """`count` more timeline events and messages each way, and processed files."""
    now = timezone.now()
    ClaimEvent.objects.bulk_create(
        [ClaimEvent(claim=claim, action="message", actor_role="shopper", actor_label=claim.shopper_email, shopper_note=f"event {n}") for n in range(count)]
    )
    ClaimMessage.objects.bulk_create(
        [ClaimMessage(claim=claim, author_role="shopper" if n % 2 else "reviewer", body=f"Message number {n}", created_at=now) for n in range(count)]
    )
    ready_evidence(claim, "photos", count)


def _clone_claims(claim: Claim, count: int, start: int = 1) -> None:
    now = timezone.now()
    Claim.objects.bulk_create(
        [
            Claim(
                store=claim.store,
                reference=f"CLM-P{n:05d}",
                status="submitted",
                shopper_email=claim.shopper_email,
                order=claim.order,
                reason_code=claim.reason_code,
                reason_label=claim.reason_label,
                policy_version=claim.policy_version,
                rule_code=claim.rule_code,
                submitted_at=now - timedelta(minutes=n),
            )
            for n in range(start, start + count)
        ]
    )


def test_claim_page_query_count_does_not_grow_with_its_timeline_messages_and_files(demo):
    claim = submitted_claim()
    client = _shopper_client(claim.shopper_email)
    url = reverse("claims:claim_detail", args=[claim.store.slug, claim.reference])
    client.get(url)  # this process builds the policy version's engine view once
    small, _page = _get(client, url)
    _conversation(claim, 20)
    large, page = _get(client, url)
    assert large == small <= 9  # 9: the claim's items, with the outcome the shopper chose for each
    assert "Message number 19" in page and "event 19" in page and page.count("/thumb/") + page.count("photos-") >= 20


def test_claim_page_asking_for_information_query_count_does_not_grow(demo):
    """Needs information: the requested slots' checklist comes from the same one read of the files."""
    claim = submitted_claim()
    claim = claim_request_info(claim_id=claim.pk, actor=staff("reviewer@imirror.demo.example"), slots=["photos"], message="A photo of the crack, please.")
    client = _shopper_client(claim.shopper_email)
    url = reverse("claims:claim_detail", args=[claim.store.slug, claim.reference])
    client.get(url)
    small, page = _get(client, url)
    assert "More information needed" in page
    _conversation(claim, 20)
    large, page = _get(client, url)
    assert large == small <= 9
    assert "More information needed" in page and "Message number 19" in page


def test_order_page_query_count_does_not_grow_with_its_claims(demo):
    claim = submitted_claim()
    client = _shopper_client(claim.shopper_email)
    url = reverse("claims:order_detail", args=[claim.store.slug, claim.order.number])
    small, _page = _get(client, url)
    _clone_claims(claim, 20)
    large, page = _get(client, url)
    assert large == small <= 9
    assert claim.reference in page and "CLM-P00020" in page


def test_my_orders_query_count_does_not_grow_and_older_ones_are_a_page_away(demo):
    claim = submitted_claim()
    client = _shopper_client(claim.shopper_email)
    url = reverse("claims:my_orders")
    small, _page = _get(client, url)
    _clone_claims(claim, MY_PAGE_SIZE + 5)
    order = claim.order
    # the shopper's newest order (the demo gives them orders in every brand, more than a page)
    newest = Order.objects.filter(customer_email=order.customer_email).order_by("-placed_at", "-pk").first()
    Order.objects.bulk_create(
        [
            Order(store=order.store, number=f"IM-OLD{n:04d}", customer_email=order.customer_email, currency=order.currency, placed_at=timezone.now() - timedelta(days=400 + n))
            for n in range(MY_PAGE_SIZE + 5)
        ]
    )
    large, page = _get(client, url)
    assert large == small <= 6  # emails, session, user, drafts, claims, orders
    # the newest first, a page of each, and a link to the older ones
    assert "CLM-P00025" in page and "CLM-P00006" in page and "CLM-P00005" not in page and claim.reference not in page
    assert newest.number in page and "IM-OLD0024" not in page
    assert "Older claims" in page and "Older orders" in page and "Newer claims" not in page
    _queries, older = _get(client, f"{url}?claims=2&orders=2")
    assert "CLM-P00005" in older and claim.reference in older and "CLM-P00006" not in older
    assert "Newer claims" in older and "Older claims" not in older
    assert "Newer orders" in older and newest.number not in older


def test_my_orders_matches_a_verified_email_whatever_its_case(demo):
    """Orders and claims store the e-mail lower-case; an address verified in another case finds them."""
    claim = submitted_claim()
    user = User.objects.get(email=claim.shopper_email)
    user.emailaddress_set.update(email=claim.shopper_email.upper())
    page = _get(_shopper_client(claim.shopper_email), reverse("claims:my_orders"))[1]
    newest = Order.objects.filter(customer_email=claim.shopper_email).order_by("-placed_at", "-pk").first()
    assert claim.reference in page and newest.number in page


