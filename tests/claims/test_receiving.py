"""The warehouse's receiving screen (/admin/claims/claim/receive/): a scanned RMA number
or claim reference (any case, spaces around it) opens the claim of the worker's stores;
another store's code gets the same answer as an unknown one; the receive and inspect
steps go through their admin forms and services with the version the screen showed; a
second Enter records nothing twice; a claim that takes neither step says its state and
what to do."""

import html
import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from claims import admin_receiving, services, states
from claims.actors import shopper_actor
from claims.models import Claim, ClaimEvent, InspectionOutcome
from claims.services import CLAIM_CHANGED, RMA_MISMATCH, claim_approve, claim_message, claim_ship
from claims.states import HANDLERS, PARCEL_EXPECTED_STATES, ClaimStatus
from tests.claims.conftest import staff, submitted_claim

pytestmark = pytest.mark.django_db

SCREEN = "/admin/claims/claim/receive/"
UPS = "1Z999AA10123456784"
KW_WAREHOUSE = "warehouse@kwoking.demo.example"


def _client(email: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(email=email))
    return client


def _in_transit(order_number: str = "KW-50001") -> Claim:
    """A KWOKING changed-mind return, approved (RMA issued) and shipped back."""
    claim = submitted_claim(order_number, "changed-mind", answers={"mint": True, "unused": True})
    claim = claim_approve(claim_id=claim.pk, actor=staff("reviewer@kwoking.demo.example"), outcome=None)
    claim_ship(claim_id=claim.pk, actor=shopper_actor(email=claim.shopper_email), carrier="UPS", tracking_number=UPS)
    return Claim.objects.get(pk=claim.pk)


def _scan(client: Client, code: str):
    response = client.get(SCREEN, {"code": code})
    assert response.status_code == 200
    return response, html.unescape(response.content.decode())


def _without_tokens(page: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)


def _step_url(claim: Claim, step: str) -> str:
    return reverse("admin:claims_claim_receive_step", args=[claim.pk, step])


def _receive(client: Client, claim: Claim, version: int, rma: str | None = None):
    return client.post(
        _step_url(claim, "receive"), {"expected_version": version, "rma_number": rma or claim.rma_number, "note": ""}
    )


def _inspect(client: Client, claim: Claim, version: int, **fields):
    data = {"expected_version": version, "outcome": "", "damage_value": "0.00", "defect_confirmed": "unknown", **fields}
    return client.post(_step_url(claim, "inspect"), data)


def test_a_scanned_rma_opens_the_claim_with_its_checklist_and_the_receive_step(demo):
    claim = _in_transit()
    response, page = _scan(_client(KW_WAREHOUSE), f"  {claim.rma_number.lower()}\n")
    assert response.context["claim"] == claim
    assert response.context["step"] == "receive"
    # the label was scanned: its RMA is in place; the scan field keeps the focus (a label
    # scanned next opens the next parcel, it never presses a button of this one)
    assert response.context["form"]["rma_number"].value() == claim.rma_number
    assert re.search(r'<input type="text" name="code"[^>]* autofocus', page)
    assert re.search(rf'<input type="text" name="rma_number" value="{claim.rma_number}"', page)
    assert page.count("autofocus") == 1
    # the packing checklist: the item, the policy's packing lines, what the shopper declared
    checklist = response.context["checklist"]
    assert checklist.items == ["1 × Wi-Fi security camera"]
    assert checklist.packing == ["All accessories: batteries, cables, chargers", "The original packaging"]
    assert [answer for _question, answer in checklist.declared] == ["yes", "yes"]
    for line in checklist.packing:
        assert line in page


def test_the_claim_reference_opens_it_too_and_the_rma_is_then_typed(demo):
    claim = _in_transit()
    response, _page = _scan(_client(KW_WAREHOUSE), claim.reference.lower())
    assert response.context["claim"] == claim
    assert not response.context["form"]["rma_number"].value()


def test_an_unknown_rma_and_another_stores_rma_get_the_same_answer(demo):
    claim = _in_transit()
    other_store = _client("warehouse@imirror.demo.example")
    _response, unknown = _scan(other_store, "RMA000000000")
    response, foreign = _scan(other_store, claim.rma_number)
    assert response.context["claim"] is None
    assert str(admin_receiving.NOT_FOUND % {"code": "RMA000000000"}) in unknown
    assert str(admin_receiving.NOT_FOUND % {"code": claim.rma_number}) in foreign
    # nothing of the other store's claim is shown: the pages differ only by the code typed
    assert _without_tokens(foreign.replace(claim.rma_number, "RMA000000000")) == _without_tokens(unknown)
    for leaked in (claim.reference, claim.shopper_email, "KWOKING"):
        assert leaked not in foreign
    # nor can its steps be posted to
    assert _receive(other_store, claim, claim.row_version).status_code == 404
    assert Claim.objects.get(pk=claim.pk).status == ClaimStatus.IN_TRANSIT


def test_receive_then_inspect_on_the_screen_then_back_to_the_scan_field(demo):
    claim = _in_transit()
    client = _client(KW_WAREHOUSE)
    response = _receive(client, claim, claim.row_version)
    assert response.status_code == 302
    assert response["Location"] == f"{SCREEN}?code={claim.rma_number}"
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.RECEIVED

    response, page = _scan(client, claim.rma_number)
    assert response.context["step"] == "inspect"
    assert f"Return received ({claim.rma_number}). Now record the inspection below." in page
    assert response.context["refund_breakdown"] is not None

    response = _inspect(
        client, claim, claim.row_version, shopper_note="All there, thank you.", notes="Box dented on one corner."
    )
    assert response.status_code == 302 and response["Location"] == SCREEN
    claim.refresh_from_db()
    assert (claim.status, claim.inspection_outcome) == (ClaimStatus.INSPECTED, InspectionOutcome.ACCEPTED)
    event = claim.events.get(action="inspect")
    assert (event.shopper_note, event.note, event.actor_label) == (
        "All there, thank you.",
        "Box dented on one corner.",
        KW_WAREHOUSE,
    )
    page = html.unescape(client.get(SCREEN).content.decode())
    assert "Scan the next parcel." in page
    assert 'name="code"' in page and "autofocus" in page


def test_a_step_posted_twice_is_recorded_once_and_says_so(demo):
    claim = _in_transit()
    client = _client(KW_WAREHOUSE)
    version = claim.row_version
    assert _receive(client, claim, version).status_code == 302
    again = _receive(client, claim, version)  # a double click without JavaScript: the same form again
    assert again.status_code == 302
    assert ClaimEvent.objects.filter(claim=claim, action="receive").count() == 1
    page = html.unescape(client.get(again["Location"]).content.decode())
    assert f"The receipt was already recorded for claim {claim.reference}" in page
    assert f"by {KW_WAREHOUSE}. Nothing was recorded twice." in page
    claim.refresh_from_db()
    # and the inspection, sent twice, is recorded once
    assert _inspect(client, claim, claim.row_version).status_code == 302
    assert _inspect(client, claim, claim.row_version).status_code == 302
    assert ClaimEvent.objects.filter(claim=claim, action="inspect").count() == 1


def test_two_staff_at_once_the_second_gets_a_clear_message(demo):
    claim = _in_transit()
    client = _client(KW_WAREHOUSE)
    _receive(client, claim, claim.row_version)
    claim.refresh_from_db()
    shown = claim.row_version
    # a colleague writes a note meanwhile: the screen's version is stale
    claim_message(claim_id=claim.pk, actor=staff("manager@kwoking.demo.example"), body="Check the lens.", internal=True)
    response = _inspect(client, claim, shown)
    assert response.status_code == 200
    errors = [str(e) for e in response.context["form_errors"]]
    assert str(CLAIM_CHANGED) in errors
    assert any(
        e.startswith("It is now “Return received” (last change:") and "manager@kwoking.demo.example" in e
        for e in errors
    )
    assert Claim.objects.get(pk=claim.pk).status == ClaimStatus.RECEIVED


def test_a_wrong_rma_typed_for_a_claim_found_by_reference_is_refused(demo):
    claim = _in_transit()
    response = _receive(_client(KW_WAREHOUSE), claim, claim.row_version, rma="RMA111111111")
    assert response.status_code == 200
    assert str(RMA_MISMATCH % {"rma": claim.rma_number}) in [str(e) for e in response.context["form_errors"]]
    assert Claim.objects.get(pk=claim.pk).status == ClaimStatus.IN_TRANSIT


@pytest.mark.parametrize(
    ("status", "advice"),
    [
        (ClaimStatus.SUBMITTED, "It has not been approved yet, so no parcel is expected"),
        (ClaimStatus.INSPECTED, "The parcel was already received and inspected"),
    ],
)
def test_a_claim_not_receivable_says_its_state_and_what_to_do(demo, status, advice):
    claim = submitted_claim("KW-50001", "changed-mind", answers={"mint": True, "unused": True})
    if status == ClaimStatus.INSPECTED:
        claim = _in_transit("KW-50005")
        warehouse = staff(KW_WAREHOUSE)
        claim = services.claim_receive(claim_id=claim.pk, actor=warehouse, rma_number=claim.rma_number)
        claim = services.claim_inspect(claim_id=claim.pk, actor=warehouse)
    response, page = _scan(_client(KW_WAREHOUSE), claim.reference)
    assert response.context["step"] is None
    blocked = response.context["blocked"]
    assert blocked.startswith(
        f"Claim {claim.reference} is “{claim.get_status_display()}”: there is nothing to receive or inspect."
    )
    assert advice in blocked and blocked in page
    assert "Receive the return" not in page


def test_only_warehouse_staff_and_managers_have_the_screen_and_its_links(demo):
    for email in (KW_WAREHOUSE, "manager@kwoking.demo.example", "admin@demo.example"):
        client = _client(email)
        assert client.get(SCREEN).status_code == 200
        assert f'href="{SCREEN}"' in client.get("/admin/").content.decode()  # the admin index
        assert f'href="{SCREEN}"' in client.get("/admin/claims/claim/").content.decode()  # the nav and the queue
    reviewer = _client("reviewer@kwoking.demo.example")
    assert reviewer.get(SCREEN).status_code == 403
    assert SCREEN not in reviewer.get("/admin/").content.decode()
    assert SCREEN not in reviewer.get("/admin/claims/claim/").content.decode()
    assert Client().get(SCREEN).status_code == 302  # anonymous: the login page


def test_the_roles_holding_the_screen_are_those_the_command_table_lets_receive(demo):
    holders = set(Group.objects.filter(permissions__codename="receive_parcel").values_list("name", flat=True))
    assert holders == set(HANDLERS)


def test_the_screens_queries_do_not_grow_with_the_claims(demo, django_assert_max_num_queries):
    claim = _in_transit()
    client = _client(KW_WAREHOUSE)
    with django_assert_max_num_queries(40) as first:
        _scan(client, claim.rma_number)
    for order_number in ("KW-50005", "KW-50006"):
        _in_transit(order_number)
    with django_assert_max_num_queries(len(first.captured_queries)):
        _scan(client, claim.rma_number)


def _bulk_receive(client: Client, *claims: Claim):
    response = client.post(
        "/admin/claims/claim/", {"action": "mark_received", "_selected_action": [c.pk for c in claims]}, follow=True
    )
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def test_bulk_mark_received_takes_the_screens_rules_claim_by_claim(demo):
    """The queue's "Mark received" receives as the screen does (the command table, the
    service, one transaction per claim) and refuses a claim in the screen's words,
    leaving it untouched, while the others are received."""
    shipped = _in_transit()
    waiting = submitted_claim("KW-50045", "changed-mind", answers={"mint": True, "unused": True})
    warehouse = _client(KW_WAREHOUSE)
    page = _bulk_receive(warehouse, shipped, waiting)
    assert "1 claim(s) marked received." in page
    blocked = admin_receiving.NOT_RECEIVABLE % {
        "claim": waiting,
        "status": waiting.get_status_display(),
        "advice": admin_receiving.ADVICE[ClaimStatus.SUBMITTED],
    }
    assert html.unescape(str(blocked)) in page
    assert Claim.objects.get(pk=shipped.pk).status == ClaimStatus.RECEIVED
    assert Claim.objects.get(pk=waiting.pk).status == ClaimStatus.SUBMITTED
    assert not ClaimEvent.objects.filter(claim=waiting, action="receive").exists()

    # taken again: when and by whom, nothing recorded twice
    page = _bulk_receive(warehouse, shipped)
    assert "marked received" not in page
    assert f"The receipt was already recorded for claim {shipped}" in page and KW_WAREHOUSE in page
    assert ClaimEvent.objects.filter(claim=shipped, action="receive").count() == 1


def test_bulk_mark_received_is_offered_only_to_who_may_receive_parcels(demo):
    """A reviewer (no receive_parcel permission) is not offered the action, and posting
    it anyway receives nothing, as the screen refuses them."""
    shipped = _in_transit()
    reviewer = _client("reviewer@kwoking.demo.example")
    assert 'value="mark_received"' not in reviewer.get("/admin/claims/claim/").content.decode()
    assert reviewer.get(SCREEN).status_code == 403
    _bulk_receive(reviewer, shipped)
    assert Claim.objects.get(pk=shipped.pk).status == ClaimStatus.IN_TRANSIT
    assert 'value="mark_received"' in _client(KW_WAREHOUSE).get("/admin/claims/claim/").content.decode()


def _approved(order_number: str) -> Claim:
    claim = submitted_claim(order_number, "changed-mind", answers={"mint": True, "unused": True})
    return claim_approve(claim_id=claim.pk, actor=staff("reviewer@kwoking.demo.example"), outcome=None)


def _expected(client: Client, page: int | None = None) -> list[str]:
    response = client.get(SCREEN, {"page": page} if page else {})
    assert response.status_code == 200
    body = html.unescape(response.content.decode())
    return re.findall(r'<tr data-testid="expected-parcel">\s*<th scope="row"><a href="[^"]+">([^<]+)</a>', body)


def test_the_parcels_expected_are_the_states_the_receive_command_takes():
    assert states.COMMANDS["receive"].sources == PARCEL_EXPECTED_STATES


def test_the_screen_lists_the_stores_parcels_expected_oldest_first(demo):
    """Under the scan field: the claims of the worker's stores approved with a return and
    not received, the oldest approval first, each opening as its scanned RMA does; a
    received parcel leaves the list; another store's never shows."""
    waiting = _approved("KW-50030")
    shipped = _in_transit()
    other_store = claim_approve(claim_id=submitted_claim().pk, actor=staff("reviewer@imirror.demo.example"), outcome=None)
    warehouse = _client(KW_WAREHOUSE)
    listed = _expected(warehouse)
    assert listed[:2] == [waiting.rma_number, shipped.rma_number]
    assert other_store.rma_number not in listed
    body = html.unescape(warehouse.get(SCREEN).content.decode())
    row = re.search(rf'<tr data-testid="expected-parcel">((?:(?!</tr>).)*{shipped.rma_number}(?:(?!</tr>).)*)</tr>', body, re.S)
    cells = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row.group(1))).strip()
    assert shipped.reference in cells and f"UPS {UPS}" in cells and "0 days" in cells
    assert shipped.order.customer_name in cells and " 1 " in f" {cells} "
    assert f'href="{SCREEN}?code={shipped.rma_number}"' in body

    _scan(warehouse, shipped.rma_number)
    _receive(warehouse, shipped, shipped.row_version, rma=shipped.rma_number)
    assert shipped.rma_number not in _expected(warehouse)
    assert _expected(_client("warehouse@imirror.demo.example")) == [other_store.rma_number]


def test_the_parcels_expected_come_a_page_at_a_time_in_a_constant_number_of_queries(
    demo, django_assert_max_num_queries
):
    waiting = _approved("KW-50030")
    now = timezone.now()
    Claim.objects.bulk_create(
        [
            Claim(
                store=waiting.store, order=waiting.order, status=ClaimStatus.IN_TRANSIT, reference=f"CLM-E{n:04d}",
                rma_number=f"RMAE{n:06d}", shopper_email=waiting.shopper_email, reason_code=waiting.reason_code,
                reason_label=waiting.reason_label, policy_version=waiting.policy_version, rule_code=waiting.rule_code,
                submitted_at=now - timedelta(days=40), decided_at=now - timedelta(days=30, hours=n),
            )
            for n in range(40)
        ]
    )  # fmt: skip
    warehouse = _client(KW_WAREHOUSE)
    with django_assert_max_num_queries(12):
        first = _expected(warehouse)
    assert first == [f"RMAE{n:06d}" for n in range(39, 14, -1)]  # 25, the longest waiting first
    assert _expected(warehouse, page=2)[:15] == [f"RMAE{n:06d}" for n in range(14, -1, -1)]
    assert waiting.rma_number in _expected(warehouse, page=2)
