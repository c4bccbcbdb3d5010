"""The command table (claims.states.COMMANDS), exhaustively through the one write path
(claims.services.claim_command): every command × every state × every kind of actor is
allowed exactly where the table says; a refusal says why and writes nothing; the
admin's buttons and the shopper's timeline are read from the same table."""

import pytest
from django.db import transaction
from django.test import Client

from accounts.models import User
from claims import services, states
from claims.actors import SYSTEM, shopper_actor
from claims.admin import claim_action_keys
from claims.models import Claim, ClaimEvent, ClaimMessage
from claims.services import CLAIM_CHANGED, NOT_ALLOWED_NOW, NOT_PERMITTED, ClaimError, claim_command
from claims.states import ClaimStatus, Role
from notifications.models import OutboundEmail
from tests.claims.conftest import staff, submitted_claim

pytestmark = pytest.mark.django_db


class _RollBack(Exception):
    pass


def _actors(claim: Claim) -> dict[str, object]:
    """Each kind of actor: the owner, every staff role of the store, the system, and
    the ones who never may (staff of another store, another shopper)."""
    slug = claim.store.slug
    return {
        "owner": shopper_actor(email=claim.shopper_email),
        "reviewer": staff(f"reviewer@{slug}.demo.example"),
        "warehouse": staff(f"warehouse@{slug}.demo.example"),
        "manager": staff(f"manager@{slug}.demo.example"),
        "system": SYSTEM,
        "other store's manager": staff("manager@iwalk.demo.example"),
        "another shopper": shopper_actor(email="someone.else@example.com"),
    }


ROLE_OF = {
    "owner": Role.SHOPPER,
    "reviewer": Role.REVIEWER,
    "warehouse": Role.WAREHOUSE,
    "manager": Role.MANAGER,
    "system": Role.SYSTEM,
}


@pytest.mark.parametrize("status", ClaimStatus.values)
def test_every_command_in_every_state_for_every_actor(demo, status):
    claim = submitted_claim()
    Claim.objects.filter(pk=claim.pk).update(status=status)  # test set-up: the state under test
    claim.refresh_from_db()
    actors = _actors(claim)
    checked = 0
    for command in states.COMMANDS.values():
        for who, actor in actors.items():
            expected = status in command.sources and ROLE_OF.get(who) in command.roles
            events, messages, emails = ClaimEvent.objects.count(), ClaimMessage.objects.count(), OutboundEmail.objects.count()
            try:
                with transaction.atomic():
                    result = claim_command(claim_id=claim.pk, command=command.name, actor=actor, expected_version=claim.row_version, notify=False)
                    assert expected, f"{command.name} by {who} in {status} was allowed"
                    assert result.status == (command.target or status)
                    assert result.row_version == claim.row_version + 1
                    assert ClaimEvent.objects.count() == events + (1 if command.audited else 0)
                    raise _RollBack
            except _RollBack:
                pass
            except ClaimError as refused:
                assert not expected, f"{command.name} by {who} in {status} was refused: {refused.message}"
                wanted = NOT_ALLOWED_NOW % {"status": claim.get_status_display()} if status not in command.sources else NOT_PERMITTED
                assert str(refused.message) == str(wanted)
                after = Claim.objects.get(pk=claim.pk)
                assert (after.status, after.row_version) == (status, claim.row_version)
                assert (ClaimEvent.objects.count(), ClaimMessage.objects.count(), OutboundEmail.objects.count()) == (events, messages, emails)
            checked += 1
    assert checked == len(states.COMMANDS) * len(actors)


def test_a_closed_claim_refuses_every_command(demo):
    claim = submitted_claim()
    services.claim_reject(claim_id=claim.pk, actor=staff("reviewer@imirror.demo.example"), reason="Outside the policy.")
    claim = services.claim_close(claim_id=claim.pk, actor=staff("manager@imirror.demo.example"))
    assert claim.status == ClaimStatus.CLOSED
    manager = staff("manager@imirror.demo.example")
    refused = NOT_ALLOWED_NOW % {"status": claim.get_status_display()}
    attempts = [
        lambda: services.claim_assign(claim_id=claim.pk, actor=manager, assignee=None),
        lambda: services.claim_mark_complex(claim_id=claim.pk, actor=manager),
        lambda: services.claim_message(claim_id=claim.pk, actor=manager, body="Hello"),
        lambda: services.claim_message(claim_id=claim.pk, actor=manager, body="Note", internal=True),
        lambda: services.claim_message(claim_id=claim.pk, actor=shopper_actor(email=claim.shopper_email), body="Hello?"),
        lambda: services.claim_line_decide(claim_id=claim.pk, actor=manager, line_id=claim.lines.get().pk, accept=False),
        lambda: services.claim_update_draft(claim_id=claim.pk, actor=shopper_actor(email=claim.shopper_email), texts={"x": "y"}),
    ]
    for attempt in attempts:
        with pytest.raises(ClaimError) as error:
            attempt()
        assert str(error.value.message) == str(refused)
    assert not ClaimMessage.objects.filter(claim=claim).exists()
    assert claim_action_keys(claim, manager) == []


def _admin(email: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(email=email))
    return client


def test_a_note_or_message_posted_from_a_stale_admin_page_is_refused_and_not_saved(demo):
    claim = submitted_claim()
    reviewer = _admin("reviewer@imirror.demo.example")
    for action in ("note", "message"):
        page = reviewer.post(
            f"/admin/claims/claim/{claim.pk}/act/{action}/", {"body": "Seen an old page", "expected_version": claim.row_version - 1}
        )
        assert page.status_code == 200 and str(CLAIM_CHANGED) in page.content.decode()
    assert not ClaimMessage.objects.filter(claim=claim).exists()


def test_a_note_posted_to_a_closed_claim_from_the_admin_is_refused(demo):
    claim = submitted_claim()
    services.claim_reject(claim_id=claim.pk, actor=staff("reviewer@imirror.demo.example"), reason="Outside the policy.")
    claim = services.claim_close(claim_id=claim.pk, actor=staff("manager@imirror.demo.example"))
    reviewer = _admin("reviewer@imirror.demo.example")
    for action in ("note", "message"):
        page = reviewer.post(f"/admin/claims/claim/{claim.pk}/act/{action}/", {"body": "Late", "expected_version": claim.row_version})
        assert page.status_code == 200
        assert str(NOT_ALLOWED_NOW % {"status": claim.get_status_display()}) in page.content.decode()
    assert not ClaimMessage.objects.filter(claim=claim).exists()


def test_the_named_state_sets_and_the_timeline_vocabulary_come_from_the_table():
    assert {ClaimStatus.CLOSED} == states.FINAL_STATES
    assert all(not (c.sources & states.FINAL_STATES) for c in states.COMMANDS.values())
    assert states.REVIEW_CLOCK_STATES < states.UNDER_REVIEW_STATES
    assert {"internal_note", "assign", "mark_complex", "line_accepted", "line_rejected"}.isdisjoint(states.SHOPPER_EVENTS)
    assert {"submit", "approve_return", "message", "start"} <= states.SHOPPER_EVENTS
    assert set(states.ACTIONS) == {t.action for t in states.TRANSITIONS}


def test_a_rejected_claim_closed_by_the_sweep_frees_its_units_a_resolved_one_keeps_them(demo):
    from claims.selectors import units_claimed_elsewhere

    claim = submitted_claim()
    line_id = claim.lines.get().order_line_id
    services.claim_reject(claim_id=claim.pk, actor=staff("reviewer@imirror.demo.example"), reason="Outside the policy.")
    services.claim_close(claim_id=claim.pk, actor=staff("manager@imirror.demo.example"))
    assert units_claimed_elsewhere(order_line_ids=[line_id]) == {}
    Claim.objects.filter(pk=claim.pk).update(resolution=Claim.Resolution.REFUNDED)  # as if it had been resolved
    assert units_claimed_elsewhere(order_line_ids=[line_id]) == {line_id: 1}
