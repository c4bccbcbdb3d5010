"""The action buttons of the admin claim page: only the steps the staff member's roles
allow from the claim's state, each form calls one service with the version the page
showed, and the service's refusals are shown on the form."""

import html
import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.test import Client

from accounts.models import User
from claims import services
from claims.actors import shopper_actor, staff_actor
from claims.models import Claim, ClaimEvent, ClaimMessage, Refund
from claims.services import CLAIM_CHANGED, OUTCOME_CHANGE_REASON, OVERRIDE_REASON, RMA_MISMATCH, TRACKING_REQUIRED
from tests.claims.conftest import enter_tracking

pytestmark = pytest.mark.django_db

ACTION_LINK = re.compile(r'href="/admin/claims/claim/\d+/act/([a-z_]+)/\?version=(\d+)"')


@pytest.fixture
def demo():
    call_command("demo_load")


def _client(email: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(email=email))
    return client


def _claim(order_number: str) -> Claim:
    return Claim.objects.get(order__number=order_number)


def _page(client: Client, claim: Claim) -> str:
    response = client.get(f"/admin/claims/claim/{claim.pk}/change/")
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def _buttons(client: Client, claim: Claim) -> dict[str, int]:
    return {action: int(version) for action, version in ACTION_LINK.findall(_page(client, claim))}


def _act(claim: Claim, action: str) -> str:
    return f"/admin/claims/claim/{claim.pk}/act/{action}/"


def _approve_form(claim: Claim, outcome: str, **fields) -> dict:
    """The approve form with the same outcome chosen for every item (one row per line)."""
    return {
        "expected_version": claim.row_version,
        **{f"outcome_{pk}": outcome for pk in claim.lines.values_list("pk", flat=True)},
        **fields,
    }


def test_reviewer_sees_the_review_steps_of_a_submitted_claim(demo):
    claim = _claim("IW-10010")
    assert claim.status == "submitted"
    reviewer = _client("reviewer@iwalk.demo.example")
    buttons = _buttons(reviewer, claim)
    assert {"request_info", "approve", "reject", "mark_complex", "assign"} <= set(buttons)
    assert not {"receive", "inspect", "ship", "record_refund", "resolve", "close", "uphold_rejection"} & set(buttons)
    assert set(buttons.values()) == {claim.row_version}  # every button carries the version shown
    # the form of a step that is not offered is not shown either
    response = reviewer.get(_act(claim, "receive"), follow=True)
    assert response.redirect_chain and "This step is not possible while the claim is “Submitted”." in html.unescape(response.content.decode())
    # each offered form opens, with the version the page showed
    for action in ("request_info", "approve", "reject", "mark_complex", "assign", "note"):
        page = html.unescape(reviewer.get(_act(claim, action) + f"?version={claim.row_version}").content.decode())
        assert f'name="expected_version" value="{claim.row_version}"' in page, action


def test_warehouse_receives_but_does_not_approve(demo):
    claim = _claim("IM-80010")
    assert claim.status == "approved_awaiting_return"
    buttons = _buttons(_client("warehouse@imirror.demo.example"), claim)
    assert "receive" in buttons
    assert not {"approve", "reject", "request_info", "mark_complex", "inspect"} & set(buttons)
    # and a reviewer of the same store cannot receive, nor post the form
    reviewer = _client("reviewer@imirror.demo.example")
    assert "receive" not in _buttons(reviewer, claim)
    response = reviewer.get(_act(claim, "receive"), follow=True)
    assert "You are not allowed to do this on this claim." in html.unescape(response.content.decode())
    response = reviewer.post(_act(claim, "receive"), {"expected_version": claim.row_version, "rma_number": claim.rma_number})
    assert "You are not allowed to do this on this claim." in html.unescape(response.content.decode())
    assert Claim.objects.get(pk=claim.pk).status == "approved_awaiting_return"
    # a manager (and a superuser, who is a manager everywhere) can
    assert "receive" in _buttons(_client("manager@imirror.demo.example"), claim)
    assert "receive" in _buttons(_client("admin@demo.example"), claim)


def test_stale_version_shows_claim_changed_and_changes_nothing(demo):
    claim = _claim("IW-10010")
    reviewer = _client("reviewer@iwalk.demo.example")
    events = ClaimEvent.objects.filter(claim=claim).count()
    response = reviewer.post(
        _act(claim, "approve"),
        _approve_form(claim, "refund", expected_version=claim.row_version - 1, change_reason="", note=""),
    )
    assert response.status_code == 200
    assert CLAIM_CHANGED in html.unescape(response.content.decode())
    fresh = Claim.objects.get(pk=claim.pk)
    assert (fresh.status, fresh.row_version, fresh.rma_number) == ("submitted", claim.row_version, None)
    assert ClaimEvent.objects.filter(claim=claim).count() == events

    # two staff at once: the second post (same version) finds the claim changed
    form = {"expected_version": claim.row_version, "message": "Please add a photo.", "slots": []}
    first = reviewer.post(_act(claim, "request_info"), form)
    assert first.status_code == 302 and first["Location"] == f"/admin/claims/claim/{claim.pk}/change/"
    second = _client("manager@iwalk.demo.example").post(_act(claim, "request_info"), form)
    assert CLAIM_CHANGED in html.unescape(second.content.decode())
    assert ClaimMessage.objects.filter(claim=claim, body="Please add a photo.").count() == 1
    assert ClaimEvent.objects.filter(claim=claim, action="request_info").count() == 1


def test_reviewer_of_another_store_cannot_reach_the_actions(demo):
    claim = _claim("IW-10010")
    other = _client("reviewer@imirror.demo.example")
    assert other.get(_act(claim, "approve")).status_code in (302, 404)
    response = other.post(_act(claim, "approve"), _approve_form(claim, "refund"))
    assert response.status_code in (302, 404)
    assert Claim.objects.get(pk=claim.pk).status == "submitted"
    assert Client().get(_act(claim, "approve")).status_code == 302  # anonymous: to the login page
    assert _client("reviewer@iwalk.demo.example").get(_act(claim, "no-such-step")).status_code == 404


def test_changed_outcome_needs_a_reason(demo):
    claim = _claim("IW-10010")
    assert claim.preferred_outcome == "refund"
    reviewer = _client("reviewer@iwalk.demo.example")
    form = _approve_form(claim, "replacement", change_reason="", note="")
    response = reviewer.post(_act(claim, "approve"), form)
    assert response.status_code == 200
    assert OUTCOME_CHANGE_REASON in html.unescape(response.content.decode())
    assert Claim.objects.get(pk=claim.pk).status == "submitted"

    response = reviewer.post(_act(claim, "approve"), {**form, "change_reason": "The shopper asked for a replacement by phone."}, follow=True)
    claim.refresh_from_db()
    assert (claim.status, claim.outcome) == ("approved_awaiting_return", "replacement")
    assert claim.rma_number and claim.rma_number in html.unescape(response.content.decode())


def test_receive_checks_the_rma_and_refund_override_needs_a_reason(demo):
    claim = _claim("IM-80010")
    warehouse = _client("warehouse@imirror.demo.example")
    response = warehouse.post(_act(claim, "receive"), {"expected_version": claim.row_version, "rma_number": "RMA000"})
    assert RMA_MISMATCH % {"rma": claim.rma_number} in html.unescape(response.content.decode())
    # IMIRROR's return needs its tracking number (P4), never entered for this claim: refused, saying what to do
    form = {"expected_version": claim.row_version, "rma_number": claim.rma_number.lower()}
    response = warehouse.post(_act(claim, "receive"), form)
    assert TRACKING_REQUIRED % {"rule": "30-day return"} in html.unescape(response.content.decode())
    assert Claim.objects.get(pk=claim.pk).status == "approved_awaiting_return"
    # received without it only with a reason, kept in the audit event
    response = warehouse.post(_act(claim, "receive"), {**form, "tracking_override_reason": "Label torn off; RMA on the box."})
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.status == "received"
    event = ClaimEvent.objects.get(claim=claim, action="receive")
    assert event.data == {"tracking_override": "Label torn off; RMA on the box."}

    response = warehouse.post(
        _act(claim, "inspect"),
        {"expected_version": claim.row_version, "damage_value": "100.00", "defect_confirmed": "no", "notes": "Scratched frame."},
    )
    assert response.status_code == 302
    claim.refresh_from_db()
    page = _page(_client("manager@imirror.demo.example"), claim)
    assert "Damage on return" in page and "-100.00" in page  # the breakdown, line by line

    manager = _client("manager@imirror.demo.example")
    form = {"expected_version": claim.row_version, "amount": "700.00", "override_reason": "", "payment_reference": "PAY-1"}
    response = manager.post(_act(claim, "record_refund"), form)
    assert OVERRIDE_REASON in html.unescape(response.content.decode())
    assert not Refund.objects.filter(claim=claim).exists()
    response = manager.post(_act(claim, "record_refund"), {**form, "override_reason": "Goodwill"})
    assert response.status_code == 302
    refund = Refund.objects.get(claim=claim)
    assert (refund.amount, refund.override_reason, refund.reference) == (Decimal("700.00"), "Goodwill", "PAY-1")
    assert Claim.objects.get(pk=claim.pk).status == "resolved"


def test_internal_note_is_kept_apart_from_messages(demo):
    claim = _claim("IW-10045")
    warehouse = _client("warehouse@iwalk.demo.example")
    response = warehouse.post(_act(claim, "note"), {"expected_version": claim.row_version, "body": "Shopper called twice."})
    assert response.status_code == 302
    note = ClaimMessage.objects.get(claim=claim, body="Shopper called twice.")
    assert note.internal and note.author_role == "warehouse"
    assert ClaimEvent.objects.filter(claim=claim, action="internal_note").exists()


def test_change_page_shows_the_evidence_checklist_and_breakdown(demo):
    claim = _claim("IM-80010")
    page = _page(_client("reviewer@imirror.demo.example"), claim)
    assert "Evidence checklist" in page
    assert "Photos that clearly show all sides of the product" in page
    assert "Refund breakdown as it stands" in page and "810.00" in page
    assert 'id="lines-0"' in page and 'id="evidence-0"' in page and 'id="events-0"' in page  # inlines kept


def test_compensation_resolve_uphold_and_close(demo):
    manager = _client("manager@voltaic.demo.example")
    claim = _claim("VC-70001")  # wrong item, the shopper prefers to keep it with compensation
    page = html.unescape(manager.get(_act(claim, "approve") + f"?version={claim.row_version}").content.decode())
    line = claim.lines.get()
    assert f'value="keep_with_compensation" required id="id_outcome_{line.pk}_0" checked' in page
    manager.post(_act(claim, "approve"), _approve_form(claim, "keep_with_compensation"))
    claim.refresh_from_db()
    assert claim.status == "approved_no_return"
    assert set(_buttons(manager, claim)) == {"record_compensation", "assign", "message", "note"}
    form = {"expected_version": claim.row_version, "received_item_value": "20.00", "reshipment_tracking": "UPS 1Z999"}
    assert manager.post(_act(claim, "record_compensation"), form).status_code == 302
    claim.refresh_from_db()
    assert (claim.status, claim.resolution, claim.refund.kind) == ("resolved", "compensated", "compensation")

    # a replacement: resolved without money, with the tracking of the replacement
    claim = _claim("IM-80002")
    reviewer = staff_actor(user=User.objects.get(email="reviewer@imirror.demo.example"), store=claim.store)
    claim = enter_tracking(services.claim_approve(claim_id=claim.pk, actor=reviewer, outcome="replacement"))
    claim = services.claim_receive(
        claim_id=claim.pk, actor=staff_actor(user=User.objects.get(email="warehouse@imirror.demo.example")), rma_number=claim.rma_number
    )
    warehouse = _client("warehouse@imirror.demo.example")
    assert {"inspect", "resolve"} <= set(_buttons(warehouse, claim)) and "record_refund" not in _buttons(warehouse, claim)
    form = {"expected_version": claim.row_version, "resolution": "replaced", "replacement_tracking": "DHL 123", "note": ""}
    assert warehouse.post(_act(claim, "resolve"), form).status_code == 302
    claim.refresh_from_db()
    assert (claim.status, claim.resolution, claim.replacement_tracking) == ("resolved", "replaced", "DHL 123")

    # the appeal of a rejection is decided: upheld, the claim closes
    claim = _claim("KW-50045")
    claim = services.claim_appeal(claim_id=claim.pk, actor=shopper_actor(email=claim.shopper_email), message="Please look again.")
    reviewer = _client("reviewer@kwoking.demo.example")
    assert {"uphold_rejection", "approve", "request_info"} <= set(_buttons(reviewer, claim))
    form = {"expected_version": claim.row_version, "message": "The photos still show use."}
    assert reviewer.post(_act(claim, "uphold_rejection"), form).status_code == 302
    assert Claim.objects.get(pk=claim.pk).status == "closed"

    # a resolved claim is closed by a reviewer
    claim = _claim("KW-50001")
    assert "close" in _buttons(reviewer, claim)
    assert "close" not in _buttons(_client("warehouse@kwoking.demo.example"), claim)
    assert reviewer.post(_act(claim, "close"), {"expected_version": claim.row_version, "note": ""}).status_code == 302
    assert Claim.objects.get(pk=claim.pk).status == "closed"
    assert _buttons(reviewer, Claim.objects.get(pk=claim.pk)) == {}  # a closed claim refuses every command



def test_a_message_to_the_shopper_is_not_internal(demo):
    from claims.models import ClaimMessage

    claim = Claim.objects.get(order__number="IW-10010")
    reviewer = _client("reviewer@iwalk.demo.example")
    response = reviewer.post(_act(claim, "message"), {"expected_version": claim.row_version, "body": "We're on it."})
    assert response.status_code == 302
    message = ClaimMessage.objects.get(claim=claim, body="We're on it.")
    assert message.internal is False and message.author_role == "reviewer"
