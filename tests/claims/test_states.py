"""The transition table, exhaustively: every allowed transition succeeds with its event
and outbox row; every other (action, state) pair fails and changes nothing; a role not
in the table is refused; a stale page gets "this claim changed"."""

import pytest

from claims import states
from claims.actors import SYSTEM, Actor, shopper_actor
from claims.models import Claim, ClaimEvent
from claims.notifications import SHOPPER_EMAILS
from claims.services import CLAIM_CHANGED, ClaimChanged, NotPermitted, TransitionNotAllowed, claim_command
from claims.states import ClaimStatus, Role
from notifications.models import OutboundEmail
from tests.claims.conftest import staff, submitted_claim

pytestmark = pytest.mark.django_db


def _actor_for(role: str, claim: Claim) -> Actor:
    if role == Role.SHOPPER:
        return shopper_actor(email=claim.shopper_email)
    if role == Role.SYSTEM:
        return SYSTEM
    return staff(f"{role}@imirror.demo.example")


def _claim_in(status: str) -> Claim:
    claim = submitted_claim()
    Claim.objects.filter(pk=claim.pk).update(status=status)  # test set-up: put the claim in the source state
    claim.refresh_from_db()
    return claim


@pytest.mark.parametrize("transition", states.TRANSITIONS, ids=lambda t: f"{t.action}:{t.source}")
def test_every_allowed_transition(demo, transition):
    claim = _claim_in(transition.source)
    role = sorted(transition.roles)[0]
    events_before = claim.events.count()
    emails_before = OutboundEmail.objects.filter(kind__startswith="claim:").count()
    result = claim_command(claim_id=claim.pk, command=transition.action, actor=_actor_for(role, claim), expected_version=claim.row_version)
    assert result.status == transition.target
    assert result.row_version == claim.row_version + 1
    event = claim.events.order_by("-pk").first()
    assert claim.events.count() == events_before + 1
    assert (event.action, event.from_status, event.to_status, event.actor_role) == (transition.action, transition.source, transition.target, role)
    expected_emails = 1 if transition.action in SHOPPER_EMAILS else 0
    assert OutboundEmail.objects.filter(kind__startswith="claim:").count() == emails_before + expected_emails
    if expected_emails:
        assert OutboundEmail.objects.filter(kind__startswith="claim:").order_by("-pk").first().kind == f"claim:{transition.action}"


@pytest.mark.parametrize("action", states.ACTIONS)
def test_every_forbidden_transition_fails_and_changes_nothing(demo, action):
    """For each action, every state the table does not allow it from."""
    claim = submitted_claim()
    manager = staff("manager@imirror.demo.example")
    forbidden = [status for status in ClaimStatus.values if states.transition_for(action, status) is None]
    assert forbidden
    for status in forbidden:
        Claim.objects.filter(pk=claim.pk).update(status=status)
        claim.refresh_from_db()
        before = (claim.status, claim.row_version, claim.events.count(), OutboundEmail.objects.count())
        with pytest.raises(TransitionNotAllowed):
            claim_command(claim_id=claim.pk, command=action, actor=manager)
        claim.refresh_from_db()
        assert (claim.status, claim.row_version, claim.events.count(), OutboundEmail.objects.count()) == before, status


@pytest.mark.parametrize("transition", states.TRANSITIONS, ids=lambda t: f"{t.action}:{t.source}")
def test_a_role_outside_the_table_is_refused(demo, transition):
    claim = _claim_in(transition.source)
    for role in (Role.SHOPPER, Role.WAREHOUSE, Role.REVIEWER, Role.MANAGER, Role.SYSTEM):
        if role in transition.roles:
            continue
        with pytest.raises(NotPermitted):
            claim_command(claim_id=claim.pk, command=transition.action, actor=_actor_for(role, claim))
        claim.refresh_from_db()
        assert claim.status == transition.source, role


def test_staff_of_another_store_and_another_shopper_are_refused(demo):
    claim = _claim_in(ClaimStatus.SUBMITTED)
    with pytest.raises(NotPermitted):
        claim_command(claim_id=claim.pk, command="reject", actor=staff("reviewer@iwalk.demo.example"))
    with pytest.raises(NotPermitted):
        claim_command(claim_id=claim.pk, command="withdraw", actor=shopper_actor(email="someone.else@example.com"))


def test_a_stale_page_gets_claim_changed_and_nothing_happens(demo):
    claim = _claim_in(ClaimStatus.SUBMITTED)
    reviewer = staff("reviewer@imirror.demo.example")
    seen = claim.row_version
    claim_command(claim_id=claim.pk, command="request_info", actor=reviewer, expected_version=seen)
    with pytest.raises(ClaimChanged) as raised:
        claim_command(claim_id=claim.pk, command="reject", actor=reviewer, expected_version=seen)
    assert raised.value.message == CLAIM_CHANGED
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.NEEDS_INFO
    assert not ClaimEvent.objects.filter(claim=claim, action="reject").exists()


def test_events_are_append_only(demo):
    event = _claim_in(ClaimStatus.SUBMITTED).events.first()
    event.note = "rewritten"
    with pytest.raises(RuntimeError):
        event.save()
