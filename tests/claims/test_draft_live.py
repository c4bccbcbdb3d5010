"""The claim draft saved as the shopper answers (the page's script posts with
X-Requested-With: fetch): the answers and the typed text are saved and the decision
panel comes back as JSON, with the rule the evidence list must follow. Only the claim's
owner, only while it is a draft."""

import pytest
from django.test import Client

from claims.models import Claim
from claims.views import LIVE_NOT_DRAFT
from tests.claims.conftest import IM_OK, submitted_claim
from tests.claims.test_evidence import _draft, _guest_client

LIVE = {"X-Requested-With": "fetch", "Accept": "application/json"}
IM_ANSWERS = {f"q_{code}": "yes" for code in IM_OK}


def _live_post(client: Client, claim: Claim, data: dict):
    return client.post(f"/claims/{claim.pk}/draft/", {**data, "save": "1"}, headers=LIVE)


@pytest.mark.django_db
def test_an_answer_saves_and_returns_the_decision_panel(demo):
    claim = _draft()
    client = _guest_client(claim.order)
    response = _live_post(client, claim, {**IM_ANSWERS, "t_reason": "Too large for our hallway."})
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    body = response.json()
    assert body["rule"] == "return-30"
    assert 'data-testid="decision"' in body["html"] and "you can claim" in body["html"]
    assert "<html" not in body["html"]  # the panel, not the page
    claim.refresh_from_db()
    assert claim.answers == IM_OK
    assert claim.texts["reason"] == "Too large for our hallway."
    assert body["version"] == claim.row_version
    # no "Saved…" flash waiting for the next page: the panel itself was the answer
    assert "Saved. You can come back" not in client.get(f"/claims/{claim.pk}/draft/").content.decode()


@pytest.mark.django_db
def test_an_answer_that_closes_every_rule_keeps_the_questions_on_the_page(demo):
    claim = _draft()
    client = _guest_client(claim.order)
    body = _live_post(client, claim, {**IM_ANSWERS, "q_original-box": "no", "t_reason": "Typed before the click."}).json()
    assert body["rule"] is None
    assert "not possible" in body["html"] and "original box" in body["html"]
    claim.refresh_from_db()
    assert claim.answers["original-box"] is False and claim.texts["reason"] == "Typed before the click."
    # the page itself (as after the no-JavaScript Update button): the answer can be undone
    page = client.get(f"/claims/{claim.pk}/draft/").content.decode()
    assert "Do you still have the original box?" in page and "Update what I can claim" in page
    assert "Change the items or the reason" in page
    assert "Submit my claim" not in page
    body = _live_post(client, claim, {**IM_ANSWERS, "q_original-box": "yes"}).json()
    assert body["rule"] == "return-30"
    page = client.get(f"/claims/{claim.pk}/draft/").content.decode()
    assert "Submit my claim" in page and "Typed before the click." in page


@pytest.mark.django_db
def test_an_answer_can_open_a_different_rule(demo):
    """A manufacturing issue without the original box: the 30-day return closes and the
    warranty, with its own evidence, is what is left."""
    claim = _draft(reason="manufacturing-issue")
    client = _guest_client(claim.order)
    assert _live_post(client, claim, IM_ANSWERS).json()["rule"] == "return-30"
    assert _live_post(client, claim, {**IM_ANSWERS, "q_original-box": "no"}).json()["rule"] == "warranty"


@pytest.mark.django_db
def test_a_stranger_gets_not_found_and_nothing_is_saved(demo):
    claim = _draft()
    response = _live_post(Client(), claim, {**IM_ANSWERS, "t_reason": "Not mine."})
    assert response.status_code == 404
    claim.refresh_from_db()
    assert claim.answers == {} and "reason" not in claim.texts


@pytest.mark.django_db
def test_a_submitted_claim_answers_conflict_with_the_claim_page(demo):
    claim = submitted_claim()
    answers_before = dict(claim.answers)
    client = _guest_client(claim.order)
    response = _live_post(client, claim, {**IM_ANSWERS, "q_original-box": "no"})
    assert response.status_code == 409
    assert response.json() == {"error": str(LIVE_NOT_DRAFT), "redirect": f"/s/{claim.store.slug}/claims/{claim.reference}/"}
    claim.refresh_from_db()
    assert claim.answers == answers_before
    # the page without the script still redirects
    assert client.post(f"/claims/{claim.pk}/draft/", {"save": "1"}).status_code == 302


@pytest.mark.django_db
def test_an_unusable_answer_is_refused_without_saving(demo):
    claim = _draft()
    client = _guest_client(claim.order)
    response = _live_post(client, claim, {"q_original-box": "maybe", "t_reason": "Keep this text"})
    assert response.status_code == 400 and "error" in response.json()
    claim.refresh_from_db()
    assert claim.answers == {} and "reason" not in claim.texts


@pytest.mark.django_db
def test_the_live_save_never_submits(demo):
    """Submitting stays the button's normal POST, even if the header came along."""
    from tests.claims.conftest import satisfy_evidence

    claim = _draft()
    satisfy_evidence(claim)
    client = _guest_client(claim.order)
    _live_post(client, claim, IM_ANSWERS)
    claim.refresh_from_db()
    assert claim.status == "draft"
    response = client.post(f"/claims/{claim.pk}/draft/", {**IM_ANSWERS, "t_reason": "Too big.", "submit": "1"}, headers=LIVE)
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.status == "submitted"


@pytest.mark.django_db
def test_a_draft_can_be_discarded_quietly_once(demo):
    from notifications.models import OutboundEmail

    claim = _draft()
    assert Client().post(f"/claims/{claim.pk}/discard/").status_code == 404  # not the owner
    client = _guest_client(claim.order)
    emails_before = OutboundEmail.objects.count()
    response = client.post(f"/claims/{claim.pk}/discard/")
    assert response.status_code == 302 and response.url == f"/s/{claim.store.slug}/orders/{claim.order.number}/"
    claim.refresh_from_db()
    assert claim.status == "withdrawn" and claim.events.filter(action="withdraw", note="Draft discarded").count() == 1
    assert OutboundEmail.objects.count() == emails_before  # never submitted: nothing to tell
    again = client.post(f"/claims/{claim.pk}/discard/", follow=True)  # a double click
    assert again.status_code == 200 and claim.events.filter(action="withdraw").count() == 1
    assert "Draft — continue" not in again.content.decode()

    submitted = submitted_claim()  # the same order, once the draft is gone
    response = _guest_client(submitted.order).post(f"/claims/{submitted.pk}/discard/")
    assert response.status_code == 302 and Claim.objects.get(pk=submitted.pk).status == "submitted"


def test_the_drafts_estimate_covers_every_claimed_item(demo, client):
    """A claim of several items shows one estimate for all of them (it showed the first
    item's price only, while staff saw the sum)."""
    from accounts.models import User
    from claims.actors import shopper_actor
    from claims.services import claim_start
    from orders.models import Order

    order = Order.objects.get(number="KW-50002")  # camera 49.00 + microSD 8.00 + strap (gift) 0.00
    lines = list(order.lines.order_by("pk"))
    claim = claim_start(
        store=order.store, actor=shopper_actor(email=order.customer_email), reason_code="arrived-damaged", order=order, lines=[(line, line.quantity) for line in lines]
    )
    client.force_login(User.objects.get(email=order.customer_email))
    page = client.get(f"/claims/{claim.pk}/draft/").content.decode()
    estimate = page[page.index("Refund estimate") : page.index("</table>", page.index("Refund estimate"))]
    assert all(line.product.name in estimate for line in lines)
    assert "57.00" in estimate[estimate.index("refund-estimate-total") :]  # "Refund: up to" (staff decide a partial refund)
