"""The "more information needed" screen agrees with itself: a slot staff asked about
counts the files added since they asked, as the send check does. Before, the slot said
"✓ Complete" (it counted the file sent with the claim) while sending answered "1 more
needed"."""

import re

import pytest
from django.utils import timezone

from claims.models import Claim
from claims.services import ClaimError, claim_provide_info, claim_request_info
from claims.services.commands import SLOT_MISSING
from orders.guest_access import SESSION_KEY
from tests.claims.conftest import ready_evidence, staff
from tests.claims.test_life import _submitted_mirror_claim

pytestmark = pytest.mark.django_db

ACCESSORIES = "A photo of the complete accessory set"


def _asked_for_accessories() -> Claim:
    claim, _shopper = _submitted_mirror_claim()  # one accessories photo came with the claim: the slot's minimum
    claim_request_info(claim_id=claim.pk, actor=staff("reviewer@imirror.demo.example"), slots=["accessories"], message="Please add the power adapter.")
    return Claim.objects.get(pk=claim.pk)


def _as_guest(client, claim):
    session = client.session
    session[SESSION_KEY] = [claim.order_id]
    session.save()
    return client


def _slot_text(html: str) -> str:
    start = html.index('data-slot="accessories"')
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html[start : html.index("</p>", start)]))


def test_the_slot_and_the_send_check_count_the_same_files(demo, client):
    claim = _asked_for_accessories()
    client = _as_guest(client, claim)
    page = client.get(f"/s/{claim.store.slug}/claims/{claim.reference}/").content.decode()
    # the file from before the request does not answer it: the slot says so, like the send check
    assert "1 more needed" in _slot_text(page) and "Complete" not in _slot_text(page)
    with pytest.raises(ClaimError) as missing:
        claim_provide_info(claim_id=claim.pk, actor=_shopper(claim))
    assert missing.value.message == SLOT_MISSING % {"label": ACCESSORIES, "n": 1}
    assert missing.value.problems[0].anchor == "slot-accessories"

    # sent anyway: the page comes back with the problem linked to its slot, the message kept
    response = client.post(
        f"/s/{claim.store.slug}/claims/{claim.reference}/provide_info/", {"body": "The adapter is attached.", "expected_version": claim.row_version}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert '<a href="#slot-accessories">A photo of the complete accessory set: 1 more needed.</a>' in html
    assert "The adapter is attached.</textarea>" in html
    assert 'data-needed="A photo of the complete accessory set: {n} more needed."' in html

    ready_evidence(claim, "accessories", 1)
    Claim.objects.filter(pk=claim.pk).update(updated_at=timezone.now())  # as the upload's command does: the page is not the cached one
    page = client.get(f"/s/{claim.store.slug}/claims/{claim.reference}/").content.decode()
    assert "✓ Complete" in _slot_text(page)
    claim = claim_provide_info(claim_id=claim.pk, actor=_shopper(claim))
    assert claim.status == "submitted"


def _shopper(claim):
    from claims.actors import shopper_actor

    return shopper_actor(email=claim.shopper_email)
