"""The claim page is kept rendered while nothing it shows has changed (claims.page_cache):
served again with fewer queries, with this browser's CSRF token, never across viewers,
and rendered anew after every command and after a file's check."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from claims.actors import shopper_actor
from claims.evidence import _finish
from claims.models import EvidenceFile
from claims.selectors import claim_rule
from claims.services import claim_request_info, claim_withdraw
from orders.models import Order
from tests.claims.conftest import staff, submitted_claim

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _get(client: Client, url: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response.content.decode()


@pytest.fixture
def claim_page(demo):
    claim = submitted_claim()
    client = Client(enforce_csrf_checks=True)
    client.force_login(User.objects.get(email=claim.shopper_email))
    return claim, client, reverse("claims:claim_detail", args=[claim.store.slug, claim.reference])


def test_the_page_is_served_again_with_fewer_queries_and_a_working_csrf_token(claim_page):
    claim, client, url = claim_page
    rendered, first = _get(client, url)
    served, again = _get(client, url)
    assert served < rendered
    assert "csrf-placeholder" not in again
    assert TOKEN.sub("", first) == TOKEN.sub("", again)
    token = TOKEN.search(again).group(1)
    response = client.post(
        reverse("claims:claim_act", args=[claim.store.slug, claim.reference, "message"]),
        {"csrfmiddlewaretoken": token, "body": "Is there any news on my claim?"},
    )
    assert response.status_code == 302
    _queries, page = _get(client, response["Location"])  # the flash message: rendered, not kept
    assert "Message sent." in page and "Is there any news on my claim?" in page
    _queries, page = _get(client, url)  # the command bumped the version: the new page is kept
    assert "Message sent." not in page and "Is there any news on my claim?" in page


def test_a_staff_command_shows_at_once(claim_page):
    claim, client, url = claim_page
    _get(client, url)
    claim_request_info(
        claim_id=claim.pk, actor=staff("reviewer@imirror.demo.example"), message="Please add a photo of the label.", slots=["photos"]
    )
    _queries, page = _get(client, url)
    assert "Please add a photo of the label." in page


def test_a_file_checked_by_the_worker_shows_without_a_command(claim_page):
    claim, client, url = claim_page
    slot = next(s for s in claim_rule(claim=claim).evidence_slots if s.kind != "text")
    claim_request_info(claim_id=claim.pk, actor=staff("reviewer@imirror.demo.example"), message="One more photo, please.", slots=[slot.code])
    evidence = EvidenceFile.objects.create(claim=claim, slot_code=slot.code, accept="photo", original_name="blurry.jpg")
    _queries, page = _get(client, url)
    assert "blurry.jpg" in page
    _get(client, url)  # still being checked: not kept
    _finish(evidence, refusal="The photo is too blurry to see the fault.")
    _queries, page = _get(client, url)
    assert "The photo is too blurry to see the fault." in page


def test_another_viewer_never_gets_the_kept_page(claim_page):
    claim, client, url = claim_page
    _get(client, url)
    stranger = Client()
    stranger.force_login(User.objects.create_user(email="someone.else@example.com", password="x" * 12))
    response = stranger.get(url)
    assert response.status_code == 302
    assert claim.reference not in response.content.decode()


def test_a_page_with_a_query_string_is_rendered_each_time(claim_page):
    _claim, client, url = claim_page
    _get(client, url)
    with_query, page = _get(client, url + "?submitted=1")
    again, _page = _get(client, url + "?submitted=1")
    assert again == with_query and "submitted-confirmation" in page


def test_the_order_page_follows_its_claims_and_the_order(demo):
    order = Order.objects.get(number="IM-80010")
    client = Client()
    client.force_login(User.objects.get(email=order.customer_email))
    url = reverse("claims:order_detail", args=[order.store.slug, order.number])
    rendered, _page = _get(client, url)
    served, _page = _get(client, url)
    assert served < rendered
    claim = submitted_claim("IM-80010")
    _queries, page = _get(client, url)
    assert claim.reference in page
    claim_withdraw(claim_id=claim.pk, actor=shopper_actor(email=claim.shopper_email), note="")
    _queries, page = _get(client, url)
    assert claim.reference not in page
    order.refresh_from_db()
    order.shipping_name = "Ada Lovelace-Byron"
    order.save()  # what a webhook's order.updated does: the order's updated_at moves
    _queries, page = _get(client, url)
    assert "Ada Lovelace-Byron" in page
