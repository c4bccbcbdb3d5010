"""Canned replies: placeholders checked when a reply is saved and filled in per claim;
offered only to staff of the reply's store, in the forms it is meant for; the queue's
bulk actions (assign to a colleague, request information with a canned reply, export
the selection) go through the claim's one write path and report what was refused."""

import csv
import html
import io
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from claims import services
from claims.actors import staff_actor
from claims.admin_forms import (
    CANNED_OR_MESSAGE,
    REPLY_OF_ANOTHER_STORE,
    RejectForm,
    RequestInfoForm,
    ShopperMessageForm,
)
from claims.canned import (
    BAD_BRACES,
    NO_DATE,
    UNKNOWN_PLACEHOLDER,
    CannedReplyError,
    CannedUse,
    canned_replies_for,
    canned_reply_problems,
    canned_reply_render,
)
from claims.models import CannedReply, Claim, ClaimEvent, ClaimMessage
from claims.states import ClaimStatus
from notifications.models import OutboundEmail
from orders.models import Store
from policies.time_words import when_words

pytestmark = pytest.mark.django_db
QUEUE = "/admin/claims/claim/"


@pytest.fixture
def demo():
    call_command("demo_load")
    return {store.slug: store for store in Store.objects.all()}


def _client(email: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(email=email))
    return client


def _reply(store, body: str, title: str = "Reply", **uses) -> CannedReply:
    uses = uses or {"for_reject": True, "for_request_info": True, "for_message": True}
    reply = CannedReply(store=store, title=title, body=body, **uses)
    reply.full_clean()
    reply.save()
    return reply


# --- placeholders ---------------------------------------------------------------------


def test_every_placeholder_is_filled_in_for_the_claim(demo):
    claim = Claim.objects.get(order__number="IM-80010")
    Claim.objects.filter(pk=claim.pk).update(ship_by_at=timezone.now() + timedelta(days=5))
    claim = Claim.objects.select_related("store", "order").get(pk=claim.pk)
    assert claim.status == ClaimStatus.APPROVED_AWAITING_RETURN and claim.rma_number
    reply = _reply(
        demo["imirror"], "Hi {shopper_name}, {reference} / {rma_number} by {deadline}. {store_name} {{team}}"
    )
    deadline = when_words(
        claim.ship_by_at, store_zone=str(claim.store.time_zone), viewer_zone=claim.shopper_timezone, kind="deadline"
    )
    assert canned_reply_render(reply=reply, claim=claim) == (
        f"Hi {claim.order.customer_name}, {claim.reference} / {claim.rma_number} by {deadline}. IMIRROR {{team}}"
    )
    assert claim.order.customer_name and deadline


def test_the_deadline_is_said_in_the_shoppers_time_zone(demo):
    Claim.objects.filter(order__number="IM-80010").update(ship_by_at=timezone.now() + timedelta(days=5))
    claim = Claim.objects.select_related("store", "order").get(order__number="IM-80010")
    reply = _reply(demo["imirror"], "by {deadline}")
    store_words = canned_reply_render(reply=reply, claim=claim)
    Claim.objects.filter(pk=claim.pk).update(shopper_timezone="Pacific/Auckland")
    claim.refresh_from_db()
    shopper_words = canned_reply_render(reply=reply, claim=claim)
    assert "Pacific/Auckland" in shopper_words and shopper_words != store_words
    assert shopper_words == "by " + when_words(
        claim.ship_by_at, store_zone=str(claim.store.time_zone), viewer_zone="Pacific/Auckland"
    )


def test_a_claim_without_a_running_clock_or_a_name_still_reads_well(demo):
    claim = Claim.objects.select_related("store", "order").get(order__number="IW-10010")
    Claim.objects.filter(pk=claim.pk).update(next_due_at=None, ship_by_at=None)
    claim.order.customer_name = ""
    claim.order.save(update_fields=["customer_name"])
    claim.refresh_from_db()
    reply = _reply(demo["iwalk"], "{shopper_name}: {deadline}; RMA [{rma_number}]")
    assert canned_reply_render(reply=reply, claim=claim) == f"customer: {NO_DATE}; RMA []"


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (
            "Dear {name}",
            UNKNOWN_PLACEHOLDER
            % {"name": "name", "known": "{shopper_name}, {reference}, {rma_number}, {deadline}, {store_name}"},
        ),
        ("Dear {shopper_name", BAD_BRACES),
        ("Dear shopper_name}", BAD_BRACES),
        (
            "{reference.pk}",
            UNKNOWN_PLACEHOLDER
            % {"name": "reference.pk", "known": "{shopper_name}, {reference}, {rma_number}, {deadline}, {store_name}"},
        ),
    ],
)
def test_an_unknown_placeholder_or_a_lone_brace_is_refused_when_saved(demo, body, problem):
    assert canned_reply_problems(body=body) == [str(problem)]
    with pytest.raises(ValidationError) as refused:
        _reply(demo["iwalk"], body)
    assert refused.value.message_dict["body"] == [str(problem)]


def test_a_formatted_placeholder_is_refused_and_a_stored_bad_reply_does_not_render(demo):
    assert canned_reply_problems(body="{reference:>20}") and canned_reply_problems(body="{reference!r}")
    reply = CannedReply.objects.create(
        store=demo["iwalk"], title="Broken", body="Hi {name}", for_message=True
    )  # not through the admin
    claim = Claim.objects.get(order__number="IW-10010")
    with pytest.raises(CannedReplyError):
        canned_reply_render(reply=reply, claim=claim)
    assert "Broken" not in [title for title, _text in ShopperMessageForm(claim=claim).canned_texts.values()]


def test_the_admin_form_names_the_unknown_placeholder(demo):
    client = _client("reviewer@iwalk.demo.example")
    response = client.post(
        reverse("admin:claims_cannedreply_add"),
        {
            "store": demo["iwalk"].pk,
            "title": "Oops",
            "body": "Hello {customer}",
            "for_message": "on",
            "is_active": "on",
            "position": 0,
        },
    )
    assert response.status_code == 200
    assert "Unknown placeholder {customer}" in html.unescape(response.content.decode())
    assert not CannedReply.objects.filter(title="Oops").exists()
    assert "{shopper_name}" in html.unescape(client.get(reverse("admin:claims_cannedreply_add")).content.decode())


# --- scoping ----------------------------------------------------------------------------


def test_staff_see_and_pick_only_their_stores_replies(demo):
    _reply(demo["kwoking"], "KWOKING only {reference}", title="Kwoking secret")
    client = _client("reviewer@iwalk.demo.example")
    listing = html.unescape(client.get(reverse("admin:claims_cannedreply_changelist")).content.decode())
    assert "Photos of the fault" in listing and "Kwoking secret" not in listing
    other = CannedReply.objects.get(title="Kwoking secret")
    assert client.get(reverse("admin:claims_cannedreply_change", args=[other.pk])).status_code in (302, 404)
    # the add form offers only the reviewer's store, and posting another store's is refused
    form = client.get(reverse("admin:claims_cannedreply_add")).context["adminform"].form
    assert {store.pk for store in form.fields["store"].queryset} == {demo["iwalk"].pk}
    client.post(
        reverse("admin:claims_cannedreply_add"),
        {"store": demo["kwoking"].pk, "title": "Smuggled", "body": "x", "for_message": "on", "position": 0},
    )
    assert not CannedReply.objects.filter(title="Smuggled").exists()


def test_a_claims_forms_offer_its_stores_active_replies_for_that_form_only(demo):
    claim = Claim.objects.get(order__number="IW-10010")
    _reply(demo["kwoking"], "not yours", title="Other store")
    retired = _reply(demo["iwalk"], "old text", title="Retired", for_reject=True)
    CannedReply.objects.filter(pk=retired.pk).update(is_active=False)
    offered = {use: {r.title for r in canned_replies_for(claim=claim, use=use)} for use in CannedUse}
    assert offered[CannedUse.REJECT] == {"Outside the return window"}
    assert offered[CannedUse.REQUEST_INFO] == {"Photos of the fault", "Proof of purchase"}
    assert offered[CannedUse.MESSAGE] == {"Ship-by reminder"}
    form = RequestInfoForm(claim=claim)
    assert [title for title, _text in form.canned_texts.values()] == ["Photos of the fault", "Proof of purchase"]
    assert list(form.fields).index("canned_reply") == list(form.fields).index("message") - 1
    # a post naming another store's reply is invalid
    other = CannedReply.objects.get(title="Other store")
    posted = RejectForm(
        {"expected_version": claim.row_version, "reason": "other", "canned_reply": other.pk, "message": ""}, claim=claim
    )
    assert not posted.is_valid() and "canned_reply" in posted.errors


# --- the forms: choosing a reply fills the message ---------------------------------------


def test_rejecting_with_a_canned_reply_and_an_empty_text_sends_the_filled_reply(demo):
    claim = Claim.objects.get(order__number="IW-10010")
    reply = CannedReply.objects.get(store=demo["iwalk"], title="Outside the return window")
    expected = canned_reply_render(reply=reply, claim=claim)
    assert "{" not in expected and claim.reference in expected and "Sam Shopper" in expected
    client = _client("reviewer@iwalk.demo.example")
    before = set(OutboundEmail.objects.values_list("pk", flat=True))
    response = client.post(
        f"/admin/claims/claim/{claim.pk}/act/reject/",
        {"expected_version": claim.row_version, "reason": "outside_window", "canned_reply": reply.pk, "message": ""},
    )
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.REJECTED
    event = ClaimEvent.objects.filter(claim=claim, action="reject").get()
    assert event.note == expected
    [email] = OutboundEmail.objects.exclude(pk__in=before).filter(to=claim.shopper_email)
    assert expected.splitlines()[2] in email.body_text


def test_a_text_staff_edited_wins_over_the_reply_chosen(demo):
    claim = Claim.objects.get(order__number="IW-10010")
    reply = CannedReply.objects.get(store=demo["iwalk"], title="Photos of the fault")
    form = RequestInfoForm(
        {"expected_version": claim.row_version, "canned_reply": reply.pk, "message": "Edited by me."}, claim=claim
    )
    assert form.is_valid() and form.cleaned_data["message"] == "Edited by me."
    empty = RequestInfoForm({"expected_version": claim.row_version, "canned_reply": "", "message": ""}, claim=claim)
    assert not empty.is_valid() and empty.errors["message"] == [str(CANNED_OR_MESSAGE)]


def test_the_action_page_shows_the_picker_with_each_reply_filled_in(demo):
    claim = Claim.objects.get(order__number="IW-10010")
    page = html.unescape(
        _client("reviewer@iwalk.demo.example").get(f"/admin/claims/claim/{claim.pk}/act/request_info/").content.decode()
    )
    assert 'data-testid="canned-picker"' in page and 'data-canned-target="id_message"' in page
    assert f"thank you for your claim {claim.reference}" in page
    assert "canned-replies.js" in page


# --- bulk actions --------------------------------------------------------------------------


def _open_iwalk_claims() -> list[Claim]:
    return list(
        Claim.objects.filter(store__slug="iwalk")
        .exclude(status__in=[ClaimStatus.DRAFT, ClaimStatus.CLOSED])
        .order_by("pk")
    )


def _bulk(client, action: str, claims, **extra):
    return client.post(
        QUEUE, {"action": action, "_selected_action": [c.pk for c in claims], "index": 0, **extra}, follow=True
    )


def test_bulk_assign_to_a_colleague_offers_the_stores_staff_then_assigns_through_the_write_path(demo):
    claims = _open_iwalk_claims()
    assert len(claims) >= 3
    client = _client("reviewer@iwalk.demo.example")
    colleague = User.objects.get(email="warehouse@iwalk.demo.example")
    page = _bulk(client, "assign_to_colleague", claims)
    offered = {u.email for u in page.context["form"].fields["assignee"].queryset}
    assert colleague.email in offered and not any("kwoking" in email for email in offered)
    events = ClaimEvent.objects.filter(action="assign").count()
    done = _bulk(client, "assign_to_colleague", claims, apply="1", assignee=colleague.pk)
    assert f"{len(claims)} claim(s) assigned to {colleague.email}." in html.unescape(done.content.decode())
    assert {c.assignee_id for c in Claim.objects.filter(pk__in=[c.pk for c in claims])} == {colleague.pk}
    assert ClaimEvent.objects.filter(action="assign").count() == events + len(claims)  # one audit row each


def test_bulk_assign_refuses_someone_of_another_store(demo):
    claims = _open_iwalk_claims()
    stranger = User.objects.get(email="reviewer@kwoking.demo.example")
    page = _bulk(_client("reviewer@iwalk.demo.example"), "assign_to_colleague", claims, apply="1", assignee=stranger.pk)
    assert "assignee" in page.context["form"].errors
    assert not Claim.objects.filter(assignee=stranger).exists()


def test_bulk_request_info_fills_the_reply_per_claim_and_reports_refusals(demo):
    claims = _open_iwalk_claims()
    submitted = [c for c in claims if c.status == ClaimStatus.SUBMITTED]
    assert submitted and len(submitted) < len(claims)
    reply = CannedReply.objects.get(store=demo["iwalk"], title="Proof of purchase")
    _reply(demo["kwoking"], "x", title="Kwoking info", for_request_info=True)
    client = _client("reviewer@iwalk.demo.example")
    page = _bulk(client, "request_info_canned", claims)
    offered = [r.title for r in page.context["form"].fields["reply"].queryset]
    assert offered == ["Photos of the fault", "Proof of purchase"]
    done = html.unescape(_bulk(client, "request_info_canned", claims, apply="1", reply=reply.pk).content.decode())
    assert f"More information requested on {len(submitted)} claim(s)." in done
    for claim in claims:
        claim.refresh_from_db()
        if claim in submitted:
            assert claim.status == ClaimStatus.NEEDS_INFO
            message = ClaimMessage.objects.filter(claim=claim).latest("created_at")
            assert message.body == canned_reply_render(reply=reply, claim=claim) and claim.reference in message.body
        else:
            assert f"{claim.reference}: " in done  # refused, and said so
    assert "This step is not possible while the claim is" in done


def test_bulk_request_info_refuses_a_claim_of_another_store_than_the_replys(demo):
    iwalk = Claim.objects.get(order__number="IW-10010")
    kwoking = Claim.objects.get(store=demo["kwoking"], status=ClaimStatus.APPEALED)  # request_info is allowed there too
    reply = CannedReply.objects.get(store=demo["iwalk"], title="Proof of purchase")
    admin = _client("admin@demo.example")
    offered = _bulk(admin, "request_info_canned", [iwalk, kwoking]).context["form"].fields["reply"].queryset
    assert {r.store_id for r in offered} == {demo["iwalk"].pk, demo["kwoking"].pk}
    page = html.unescape(
        _bulk(admin, "request_info_canned", [iwalk, kwoking], apply="1", reply=reply.pk).content.decode()
    )
    assert "More information requested on 1 claim(s)." in page
    assert f"{kwoking.reference}: " + str(REPLY_OF_ANOTHER_STORE % {"store": "iWALK"}) in page
    iwalk.refresh_from_db()
    kwoking.refresh_from_db()
    assert iwalk.status == ClaimStatus.NEEDS_INFO and kwoking.status == ClaimStatus.APPEALED


def test_bulk_request_info_does_not_take_a_reply_of_a_store_not_selected(demo):
    claim = Claim.objects.get(order__number="IW-10010")
    kwoking_reply = CannedReply.objects.get(store=demo["kwoking"], title="Proof of purchase")
    page = _bulk(_client("admin@demo.example"), "request_info_canned", [claim], apply="1", reply=kwoking_reply.pk)
    assert "reply" in page.context["form"].errors
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.SUBMITTED


def test_bulk_export_writes_only_the_selected_claims(demo):
    claims = _open_iwalk_claims()[:2]
    response = _client("reviewer@iwalk.demo.example").post(
        QUEUE, {"action": "export_selected", "_selected_action": [c.pk for c in claims], "index": 0}
    )
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][0] == "reference" and sorted(r[0] for r in rows[1:]) == sorted(c.reference for c in claims)


def test_my_overdue_lists_my_overdue_claims_only(demo):
    reviewer = User.objects.get(email="reviewer@iwalk.demo.example")
    claims = _open_iwalk_claims()
    mine_late, mine_fine = claims[0], claims[1]
    for claim in (mine_late, mine_fine):
        services.claim_assign(claim_id=claim.pk, actor=staff_actor(user=reviewer, store=claim.store), assignee=reviewer)
    Claim.objects.filter(pk=mine_late.pk).update(next_due_at=timezone.now() - timedelta(hours=2))
    Claim.objects.filter(pk=mine_fine.pk).update(next_due_at=timezone.now() + timedelta(days=2))
    client = _client(reviewer.email)
    queue = client.get(QUEUE)
    assert 'data-testid="my-overdue"' in queue.content.decode()
    shown = client.get(QUEUE + "?assigned=me&clock=overdue").context["cl"].result_list
    assert [c.pk for c in shown] == [mine_late.pk]
    index = client.get("/admin/")
    assert "?assigned=me&amp;clock=overdue" in index.content.decode()


def test_the_index_counts_link_to_the_queue_filtered_alike(demo):
    claim = Claim.objects.get(order__number="IW-10010")
    Claim.objects.filter(pk=claim.pk).update(review_due_at=timezone.now() - timedelta(hours=1))
    client = _client("reviewer@iwalk.demo.example")
    cache.clear()
    page = client.get("/admin/").content.decode()
    link = f"{QUEUE}?store__id__exact={claim.store_id}&amp;clock=review_overdue"
    assert link in page
    shown = client.get(html.unescape(link)).context["cl"].result_list
    assert [c.pk for c in shown] == [claim.pk]
    assert f"{QUEUE}?store__id__exact={claim.store_id}&amp;status__exact=submitted" in page
