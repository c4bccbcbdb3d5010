"""Messages on a claim: a double click or a re-posted form makes one message (one audit
row, one e-mail); the same words later, or from someone else, are a new message."""

from datetime import timedelta

import pytest
from django.utils import timezone

from claims import services
from claims.actors import shopper_actor
from claims.models import ClaimEvent, ClaimMessage
from notifications.models import OutboundEmail
from tests.claims.conftest import staff, submitted_claim
from tests.claims.test_evidence import _guest_client


@pytest.mark.django_db
def test_the_same_message_posted_twice_is_sent_once(demo):
    claim = submitted_claim()
    client = _guest_client(claim.order)
    url = f"/s/{claim.store.slug}/claims/{claim.reference}/message/"
    first = client.post(url, {"body": "Can I drop it at a UPS store?"})
    mails = OutboundEmail.objects.count()
    second = client.post(url, {"body": "Can I drop it at a UPS store?"})
    assert first.status_code == second.status_code == 302
    assert ClaimMessage.objects.filter(claim=claim, body="Can I drop it at a UPS store?").count() == 1
    assert ClaimEvent.objects.filter(claim=claim, action="message").count() == 1
    assert OutboundEmail.objects.count() == mails


@pytest.mark.django_db
def test_the_same_words_later_or_from_staff_are_new_messages(demo):
    claim = submitted_claim()
    shopper = shopper_actor(email=claim.shopper_email)
    first = services.claim_message(claim_id=claim.pk, actor=shopper, body="Thanks!")
    ClaimMessage.objects.filter(pk=first.pk).update(created_at=timezone.now() - services.MESSAGE_REPEAT_WINDOW - timedelta(seconds=1))
    later = services.claim_message(claim_id=claim.pk, actor=shopper, body="Thanks!")
    reviewer = services.claim_message(claim_id=claim.pk, actor=staff("reviewer@imirror.demo.example"), body="Thanks!")
    note = services.claim_message(claim_id=claim.pk, actor=staff("reviewer@imirror.demo.example"), body="Thanks!", internal=True)
    assert len({first.pk, later.pk, reviewer.pk, note.pk}) == 4
