"""Staff e-mails: a new claim reaches its store's reviewers and managers (and nobody
else's); the daily digest lists what is due, once a day per person."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from claims.models import Claim
from claims.notifications import staff_daily_digest
from notifications.models import OutboundEmail
from tests.claims.conftest import submitted_claim

pytestmark = pytest.mark.django_db


def test_a_new_claim_reaches_the_stores_reviewers_and_managers(demo):
    claim = submitted_claim()
    staff_emails = OutboundEmail.objects.filter(kind="staff:new_claim")
    assert set(staff_emails.values_list("to", flat=True)) == {"manager@imirror.demo.example", "reviewer@imirror.demo.example"}
    email = staff_emails.first()
    assert claim.reference in email.subject and claim.store.name in email.subject
    assert f"/admin/claims/claim/{claim.pk}/change/" in email.body_text
    assert email.from_email == f"{claim.store.name} <{claim.store.sender_email}>" and email.reply_to == claim.store.support_email


def test_the_daily_digest_lists_due_claims_once_a_day(demo):
    claim = submitted_claim()
    Claim.objects.filter(pk=claim.pk).update(review_due_at=timezone.now() - timedelta(hours=2))
    assert staff_daily_digest() >= 3  # reviewer, warehouse and manager of IMIRROR
    assert staff_daily_digest() == 0  # same day: nothing again
    digests = OutboundEmail.objects.filter(kind="staff:digest")
    assert set(digests.values_list("to", flat=True)) == {
        "reviewer@imirror.demo.example",
        "warehouse@imirror.demo.example",
        "manager@imirror.demo.example",
    }
    digest = digests.first()
    assert claim.reference in digest.body_text and "OVERDUE" in digest.body_text
    assert "1 overdue" in digest.subject
    assert 'alt="" height="32"' in digest.body_html  # the store's logo in the header, its proportions kept


def test_the_digest_is_scheduled():
    assert PeriodicTask.objects.filter(name="Staff daily digest", task="claims.tasks.staff_digest_task", enabled=True).exists()


def test_shopper_emails_say_which_items_are_needed_and_what_was_refunded(demo):
    from claims.services import claim_record_refund, claim_request_info
    from tests.claims.conftest import staff

    claim = submitted_claim()
    reviewer = staff("reviewer@imirror.demo.example")
    claim_request_info(claim_id=claim.pk, actor=reviewer, slots=["packaging"], message="The box, please.")
    asked = OutboundEmail.objects.get(kind="claim:request_info")
    assert "Needed: Photos of the original packaging" in asked.body_text and "The box, please." in asked.body_text

    refused = submitted_claim("IM-81002", "refused", answers={})
    from claims.services import claim_approve

    claim_approve(claim_id=refused.pk, actor=reviewer, outcome=None)
    claim_record_refund(claim_id=refused.pk, actor=staff("manager@imirror.demo.example"))
    resolved = OutboundEmail.objects.get(kind="claim:resolve")
    assert "Refund: 749.00 USD" in resolved.body_text and "Partially refunded" in resolved.subject
