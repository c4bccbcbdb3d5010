"""The claim's review workspace in the admin, without a browser: what the page shows
(answers as questions, the decision panels posting to the action view), "Save and open
the next claim" along the queue as filtered, and the photo rendition of the evidence
viewer behind the same access check as the files."""

import html
import io
import re
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.db.models import F
from django.test import Client
from django.test.utils import CaptureQueriesContext
from PIL import Image

from accounts.models import User
from claims import services
from claims.actors import shopper_actor
from claims.admin import NO_NEXT_CLAIM
from claims.evidence import evidence_add, evidence_process, evidence_remove, evidence_view_rendition_name
from claims.models import Claim, EvidenceFile
from claims.queue import queue_neighbour
from orders.models import Store
from tests.factories import OrderFactory, OrderLineFactory

pytestmark = pytest.mark.django_db
FILTERS = "status__exact=submitted"


@pytest.fixture
def demo():
    call_command("demo_load")


def _client(email: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(email=email))
    return client


def _another_submitted_iwalk_claim(number: str = "IW-90001") -> Claim:
    first = Claim.objects.get(order__number="IW-10010")
    line = OrderLineFactory(
        order=OrderFactory(store=Store.objects.get(slug="iwalk"), number=number, customer_email="kim@example.com"),
        product=first.lines.get().order_line.product,
    )
    shopper = shopper_actor(email="kim@example.com")
    claim = services.claim_start(
        store=first.store, actor=shopper, reason_code="changed-mind", order=line.order, lines=[(line, 1)]
    )
    services.claim_update_draft(
        claim_id=claim.pk, actor=shopper, answers={"unopened": True}, preferred_outcome="refund"
    )
    return services.claim_submit(claim_id=claim.pk, actor=shopper)


def _change_url(claim: Claim, filters: str = FILTERS) -> str:
    return f"/admin/claims/claim/{claim.pk}/change/?{urlencode({'_changelist_filters': filters})}"


def test_the_page_shows_answers_as_questions_and_panels_posting_to_the_action_view(demo):
    claim = Claim.objects.get(order__number="IW-10010")
    page = html.unescape(_client("reviewer@iwalk.demo.example").get(_change_url(claim)).content.decode())
    assert "Is the product still unopened, in its sealed packaging?" in page
    assert "unopened:" not in page
    for action in ("approve", "reject", "request_info", "message"):
        assert (
            f'action="/admin/claims/claim/{claim.pk}/act/{action}/?version={claim.row_version}&_changelist_filters=status__exact%3Dsubmitted"'
            in page
        )
    assert "What the shopper will receive" in page
    assert f"Claim {claim.reference} was not approved" in page  # the rejection e-mail's headline


def _refund_every_item(claim: Claim) -> dict:
    """The approve form's fields: one outcome per item (here a refund for each)."""
    return {f"outcome_{pk}": "refund" for pk in claim.lines.values_list("pk", flat=True)}


def test_save_and_open_the_next_claim_follows_the_queue_as_filtered(demo):
    first = Claim.objects.get(order__number="IW-10010")
    second = _another_submitted_iwalk_claim()
    queue = Claim.objects.filter(status="submitted", store__slug="iwalk").order_by("next_due_at", "pk")
    assert queue_neighbour(queue, pk=first.pk) == second.pk
    assert queue_neighbour(queue, pk=second.pk, forward=False) == first.pk
    reviewer = _client("reviewer@iwalk.demo.example")
    act = f"/admin/claims/claim/{first.pk}/act/approve/?{urlencode({'version': first.row_version, '_changelist_filters': FILTERS})}"

    response = reviewer.post(act, {"expected_version": first.row_version, **_refund_every_item(first), "_next": "1"})
    assert response.status_code == 302 and response["Location"] == _change_url(second)
    assert Claim.objects.get(pk=first.pk).status == "approved_awaiting_return"

    # plain save: back to the claim, the queue's filters kept
    act = f"/admin/claims/claim/{second.pk}/act/message/?{urlencode({'version': second.row_version, '_changelist_filters': FILTERS})}"
    response = reviewer.post(act, {"expected_version": second.row_version, "body": "We are looking at it."})
    assert response.status_code == 302 and response["Location"] == _change_url(second)

    # the last claim of the queue: back to the queue, saying so
    second.refresh_from_db()
    act = f"/admin/claims/claim/{second.pk}/act/approve/?{urlencode({'version': second.row_version, '_changelist_filters': FILTERS})}"
    response = reviewer.post(
        act, {"expected_version": second.row_version, **_refund_every_item(second), "_next": "1"}, follow=True
    )
    assert response.redirect_chain[-1][0] == f"/admin/claims/claim/?{FILTERS}"
    assert str(NO_NEXT_CLAIM) in html.unescape(response.content.decode())


def test_the_next_and_previous_links_stay_in_the_reviewers_stores(demo):
    first = Claim.objects.get(order__number="IW-10010")
    second = _another_submitted_iwalk_claim()
    page = html.unescape(_client("reviewer@iwalk.demo.example").get(_change_url(first, filters="")).content.decode())
    assert f'data-next-url="/admin/claims/claim/{second.pk}/change/"' in page
    others = set(Claim.objects.exclude(store__slug="iwalk").values_list("pk", flat=True))
    for pk in others:
        assert f'data-previous-url="/admin/claims/claim/{pk}/change/"' not in page
        assert f'data-next-url="/admin/claims/claim/{pk}/change/"' not in page


def test_the_viewer_gets_a_resized_photo_behind_the_access_check(demo):
    claim = Claim.objects.get(order__number="IW-10045")
    buffer = io.BytesIO()
    Image.new("RGB", (4000, 3000), "#7a3b8f").save(buffer, "JPEG", quality=85)
    upload = SimpleUploadedFile("big.jpg", buffer.getvalue(), content_type="image/jpeg")
    item = evidence_add(
        claim_id=claim.pk, actor=shopper_actor(email=claim.shopper_email), slot_code="photos-videos", upload=upload
    )
    assert evidence_process(evidence_id=item.pk) == EvidenceFile.Status.READY

    response = _client("reviewer@iwalk.demo.example").get(f"/evidence/{item.pk}/view/")
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"].startswith("private") and response["X-Content-Type-Options"] == "nosniff"
    with Image.open(io.BytesIO(b"".join(response.streaming_content))) as shown:
        assert max(shown.size) == 1600 and shown.size == (1600, 1200)
    assert _client("reviewer@kwoking.demo.example").get(f"/evidence/{item.pk}/view/").status_code == 404
    assert Client().get(f"/evidence/{item.pk}/view/").status_code == 404


def _big_photo(claim: Claim, colour: str = "#7a3b8f") -> EvidenceFile:
    buffer = io.BytesIO()
    Image.new("RGB", (4000, 3000), colour).save(buffer, "JPEG", quality=85)
    upload = SimpleUploadedFile("big.jpg", buffer.getvalue(), content_type="image/jpeg")
    item = evidence_add(
        claim_id=claim.pk, actor=shopper_actor(email=claim.shopper_email), slot_code="photos-videos", upload=upload
    )
    assert evidence_process(evidence_id=item.pk) == EvidenceFile.Status.READY
    return EvidenceFile.objects.get(pk=item.pk)


def test_the_viewers_rendition_is_made_once_kept_privately_and_served_from_there(demo):
    """The first view stores the 1600 px rendition beside the files (private storage,
    no public URL); the next views read it instead of resizing the photo again, behind
    the same access check; another store's staff still get a 404."""
    claim = Claim.objects.get(order__number="IW-10045")
    item = _big_photo(claim)
    storage, name = item.file.storage, evidence_view_rendition_name(item=item)
    assert not storage.exists(name)
    reviewer = _client("reviewer@iwalk.demo.example")
    first = b"".join(reviewer.get(f"/evidence/{item.pk}/view/").streaming_content)
    assert storage.exists(name)
    with storage.open(name, "rb") as kept:
        assert kept.read() == first
    assert name not in str(settings.MEDIA_URL) and item.file.name.split("/")[-1].split(".")[0] in name

    # what is stored is what is served: replaced by another picture, the next view shows it
    marker = io.BytesIO()
    Image.new("RGB", (16, 12), "#00ff00").save(marker, "JPEG")
    storage.delete(name)
    storage.save(name, ContentFile(marker.getvalue()))
    second = reviewer.get(f"/evidence/{item.pk}/view/")
    assert second.status_code == 200 and second["Cache-Control"].startswith("private")
    assert b"".join(second.streaming_content) == marker.getvalue()
    assert _client("reviewer@kwoking.demo.example").get(f"/evidence/{item.pk}/view/").status_code == 404
    assert Client().get(f"/evidence/{item.pk}/view/").status_code == 404


def test_a_changed_file_gets_its_own_rendition_and_a_removed_one_takes_it_along(demo, django_capture_on_commit_callbacks):
    claim = Claim.objects.get(order__number="IW-10045")
    first, second = _big_photo(claim), _big_photo(claim, colour="#204060")
    assert evidence_view_rendition_name(item=first) != evidence_view_rendition_name(item=second)
    reviewer = _client("reviewer@iwalk.demo.example")
    for item in (first, second):
        assert reviewer.get(f"/evidence/{item.pk}/view/").status_code == 200
    storage, name = first.file.storage, evidence_view_rendition_name(item=first)
    assert storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        evidence_remove(evidence_id=first.pk, actor=shopper_actor(email=claim.shopper_email))
    assert not storage.exists(name) and not storage.exists(first.file.name)
    assert storage.exists(evidence_view_rendition_name(item=second))


# the queue's columns after the action checkbox: 1 claim/RMA, 2 store, 3 shopper,
# 4 reason, 5 status, 6 time left, 7 assignee (o= as the column headers link them)
SORTS = ["", "o=-3", "o=5.-1", "o=7.3", "assigned=nobody&o=-6.2"]


def test_next_and_previous_follow_the_queues_filters_and_column_sort(demo):
    """j/k walk the queue exactly as the change list lists it, whatever column it is
    sorted on (NULLs and ties included): one definition of the queue."""
    _another_submitted_iwalk_claim()
    reviewer = _client("reviewer@iwalk.demo.example")
    for filters in SORTS:
        changelist = reviewer.get(f"/admin/claims/claim/?{filters}").content.decode()
        listed = [int(pk) for pk in re.findall(r'name="_selected_action" value="(\d+)"', changelist)]
        assert len(listed) >= 3, filters
        for i, pk in enumerate(listed[:5]):
            page = html.unescape(reviewer.get(_change_url(Claim(pk=pk), filters=filters)).content.decode())
            following = _change_url(Claim(pk=listed[i + 1]), filters=filters) if i + 1 < len(listed) else ""
            preceding = _change_url(Claim(pk=listed[i - 1]), filters=filters) if i else ""
            if not filters:
                following, preceding = following.split("?")[0], preceding.split("?")[0]
            assert f'data-next-url="{following}"' in page, (filters, i)
            assert f'data-previous-url="{preceding}"' in page, (filters, i)


def test_save_and_open_the_next_claim_follows_the_column_sort(demo):
    """Sorted by shopper e-mail, descending: the next claim is the one listed below,
    not the next by clock."""
    first = Claim.objects.get(order__number="IW-10010")
    Claim.objects.filter(pk=first.pk).update(shopper_email="mia@example.com")
    earlier = _another_submitted_iwalk_claim("IW-90001")
    Claim.objects.filter(pk=earlier.pk).update(shopper_email="zoe@example.com")
    later = _another_submitted_iwalk_claim("IW-90002")
    Claim.objects.filter(pk=later.pk).update(shopper_email="ann@example.com")
    first.refresh_from_db()
    filters = f"{FILTERS}&o=-3"
    reviewer = _client("reviewer@iwalk.demo.example")
    listed = re.findall(r'name="_selected_action" value="(\d+)"', reviewer.get(f"/admin/claims/claim/?{filters}").content.decode())
    assert listed == [str(earlier.pk), str(first.pk), str(later.pk)]
    act = f"/admin/claims/claim/{first.pk}/act/approve/?{urlencode({'version': first.row_version, '_changelist_filters': filters})}"
    response = reviewer.post(act, {"expected_version": first.row_version, **_refund_every_item(first), "_next": "1"})
    assert response.status_code == 302 and response["Location"] == _change_url(later, filters=filters)


def test_the_neighbour_is_found_by_bounded_seeks_on_the_queue_index(demo):
    """The default order seeks on (next_due_at, id) from the claim's own values: LIMIT
    1 queries, an equality or a range each, no OFFSET, no row number over the queue."""
    queue = Claim.objects.filter(store__slug="iwalk").order_by(F("next_due_at").asc(nulls_last=True), "pk")
    claim = queue[1]
    with CaptureQueriesContext(connection) as queries:
        following = queue_neighbour(queue, pk=claim.pk)
    assert following == queue[2].pk
    seeks = [query["sql"] for query in queries.captured_queries[1:]]  # after reading the claim's place
    assert 1 <= len(seeks) <= 3
    for seek in seeks:
        assert "LIMIT 1" in seek and "OFFSET" not in seek and "ROW_NUMBER" not in seek.upper()
