"""Messages on a claim: a double click or a re-posted form makes one message (one audit
row, one e-mail); the same words later, or from someone else, are a new message."""

from datetime import timedelta

import pytest
from django.utils import timezone

from claims import services
from claims.actors import shopper_actor
from claims.models import ClaimEvent, ClaimMessage
from notifications.models import OutboundEmail
from notifications.services import email_as_sent
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


@pytest.mark.django_db
def test_a_staff_message_to_the_shopper_is_emailed_with_the_claim_link_internal_notes_are_not(demo):
    from django.test import Client

    from accounts.models import User
    from claims.notifications import STAFF_MESSAGE_INTRO, STAFF_MESSAGE_SUBJECT

    claim = submitted_claim()
    client = Client()
    client.force_login(User.objects.get(email="reviewer@imirror.demo.example"))
    act = f"/admin/claims/claim/{claim.pk}/act/"
    before = set(OutboundEmail.objects.values_list("pk", flat=True))

    note = client.post(f"{act}note/", {"body": "Looks like a pixel fault.", "expected_version": claim.row_version})
    assert note.status_code == 302
    assert not OutboundEmail.objects.exclude(pk__in=before).exists()  # a note stays with staff

    claim.refresh_from_db()
    posted = client.post(
        f"{act}message/", {"body": "Could you send a photo of the serial label?", "expected_version": claim.row_version}
    )
    assert posted.status_code == 302
    [email] = OutboundEmail.objects.exclude(pk__in=before)
    assert email.kind == "claim:message" and email.to == claim.shopper_email
    assert email.subject == f"{claim.store.name}: " + str(STAFF_MESSAGE_SUBJECT) % {"ref": claim.reference}
    assert email.from_email == f"{claim.store.name} <{claim.store.sender_email}>"
    intro = str(STAFF_MESSAGE_INTRO) % {"store": claim.store.name}
    sent = email_as_sent(email=email)
    for body in (sent.body, sent.alternatives[0][0]):
        assert intro in body and "Could you send a photo of the serial label?" in body
        # the signed link that opens the claim's order, then the claim (put in when sent)
        assert f"/s/{claim.store.slug}/access/" in body and claim.reference in body
    assert claim.store.accent_colour in email.body_html

    # the shopper's own message is not e-mailed back to them
    services.claim_message(claim_id=claim.pk, actor=shopper_actor(email=claim.shopper_email), body="Sure, here.")
    assert OutboundEmail.objects.exclude(pk__in=before).count() == 1
