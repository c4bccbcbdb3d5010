"""The claim page as a tracker: the steps adapted to the claim (no shipping steps when
nothing goes back; where a rejection, an appeal or a lapsed return ends the path), what
happens next by when, the return's tracking number linked to the carrier's page, the
shopper's own words, and a timeline from submission (no draft rows)."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from claims.models import Claim
from claims.services import claim_approve, claim_reject, claim_ship
from claims.states import ClaimStatus as S
from claims.tracker import claim_next_dues, claim_progress
from policies.engine import RuleData
from tests.claims.conftest import IM_OK, staff, submitted_claim

NOW = timezone.now()
RETURN = RuleData(code="r", name="Return", reason_codes=("x",), window_unit="calendar_days", outcomes=("refund",), requires_return=True)
NO_RETURN = RuleData(code="n", name="Keep", reason_codes=("x",), window_unit="calendar_days", outcomes=("refund",), requires_return=False)


def _claim(status, **fields) -> Claim:
    return Claim(status=status, submitted_at=NOW - timedelta(days=5), **fields)


def _steps(claim, rule=RETURN):
    return [(step.label, step.state) for step in claim_progress(claim=claim, rule=rule)]


# --- the steps, per path ---------------------------------------------------------------------

PATHS = [
    (
        "submitted, with a return ahead",
        _claim(S.SUBMITTED, review_due_at=NOW + timedelta(days=2)),
        RETURN,
        [("Submitted", "done"), ("Decision", "current"), ("Ship it back", "upcoming"), ("Received", "upcoming"), ("Inspected", "upcoming"), ("Resolved", "upcoming")],
    ),
    (
        "nothing to send back: no shipping steps",
        _claim(S.APPROVED_NO_RETURN, decided_at=NOW),
        NO_RETURN,
        [("Submitted", "done"), ("Approved", "done"), ("Resolved", "current")],
    ),
    (
        "approved with a return",
        _claim(S.APPROVED_AWAITING_RETURN, decided_at=NOW, rma_number="RMA1", ship_by_at=NOW + timedelta(days=7)),
        RETURN,
        [("Submitted", "done"), ("Approved", "done"), ("Ship it back", "current"), ("Received", "upcoming"), ("Inspected", "upcoming"), ("Resolved", "upcoming")],
    ),
    (
        "in transit",
        _claim(S.IN_TRANSIT, decided_at=NOW, rma_number="RMA1", shipped_back_at=NOW),
        RETURN,
        [("Submitted", "done"), ("Approved", "done"), ("Shipped back", "done"), ("Received", "current"), ("Inspected", "upcoming"), ("Resolved", "upcoming")],
    ),
    (
        "resolved",
        _claim(S.RESOLVED, decided_at=NOW, rma_number="RMA1", shipped_back_at=NOW, received_at=NOW, inspected_at=NOW, resolved_at=NOW, resolution="refunded"),
        RETURN,
        [("Submitted", "done"), ("Approved", "done"), ("Shipped back", "done"), ("Received", "done"), ("Inspected", "done"), ("Resolved", "done")],
    ),
    (
        "rejected: the path ends at the decision",
        _claim(S.REJECTED, decided_at=NOW, rejection_reason="Outside the window"),
        RETURN,
        [("Submitted", "done"), ("Not accepted", "stopped")],
    ),
    (
        "appealed: a second decision is under way",
        _claim(S.APPEALED, decided_at=NOW, rejection_reason="Outside the window", appeal_used=True, review_due_at=NOW + timedelta(days=2)),
        RETURN,
        [("Submitted", "done"), ("Not accepted", "done"), ("Appeal: decision", "current")],
    ),
    (
        "rejected after inspection",
        _claim(S.REJECTED, decided_at=NOW, rma_number="RMA1", shipped_back_at=NOW, received_at=NOW, inspected_at=NOW, rejection_reason="Damaged by use"),
        RETURN,
        [("Submitted", "done"), ("Approved", "done"), ("Shipped back", "done"), ("Received", "done"), ("Not accepted after inspection", "stopped")],
    ),
    (
        "not shipped in time",
        _claim(S.EXPIRED, decided_at=NOW, rma_number="RMA1"),
        RETURN,
        [("Submitted", "done"), ("Approved", "done"), ("Not shipped in time", "stopped")],
    ),
    (
        "withdrawn before the decision",
        _claim(S.WITHDRAWN),
        RETURN,
        [("Submitted", "done"), ("Withdrawn", "stopped")],
    ),
]


@pytest.mark.parametrize(("claim", "rule", "expected"), [p[1:] for p in PATHS], ids=[p[0] for p in PATHS])
def test_the_steps_follow_the_claims_path(claim, rule, expected):
    assert _steps(claim, rule) == expected


def test_the_current_step_carries_its_running_clock():
    due = NOW + timedelta(days=2)
    steps = claim_progress(claim=_claim(S.SUBMITTED, review_due_at=due), rule=RETURN)
    assert steps[1].due == due and steps[0].at is not None


def test_next_dues_are_the_running_clocks_soonest_first():
    claim = _claim(S.APPROVED_AWAITING_RETURN, ship_by_at=NOW + timedelta(days=7), refund_due_at=NOW + timedelta(days=3))
    assert [due.code for due in claim_next_dues(claim=claim)] == ["refund_due_at", "ship_by_at"]
    assert claim_next_dues(claim=_claim(S.RESOLVED, refund_due_at=NOW)) == []  # nothing runs on a settled claim


# --- the page --------------------------------------------------------------------------------

def _page(claim: Claim) -> str:
    client = Client()
    client.force_login(User.objects.get(email=claim.shopper_email))
    response = client.get(reverse("claims:claim_detail", args=[claim.store.slug, claim.reference]))
    assert response.status_code == 200
    return response.content.decode()


def _timeline(page: str) -> list[str]:
    block = page.split('data-testid="timeline"', 1)[1].split("</ol>", 1)[0]
    return re.findall(r'<span class="fw-semibold">([^<]+)</span>', block)


@pytest.mark.django_db
def test_a_submitted_claim_says_when_we_decide_shows_the_shoppers_words_and_starts_at_submission(demo):
    claim = submitted_claim(answers={**IM_OK, "complete-set": False})
    page = _page(claim)
    assert "We decide by" in page
    assert re.search(r'data-testid="due-review_due_at">We decide by <time datetime="[^"]+">\w{3} \d{1,2} \w{3} \d{4}, \d\d:\d\d( \([\w/]+\))?</time>', page)
    assert _timeline(page) == ["Submitted"]  # the draft's own events are not shown
    assert "Draft" not in _timeline(page)
    words = page.split('data-testid="own-words"', 1)[1].split("</section>", 1)[0]
    assert "The mirror has a dead pixel line across the top." in words  # their written evidence
    assert "You answered: No." in words and "You answered: Yes." in words


@pytest.mark.django_db
def test_approved_with_a_return_gives_the_address_carriers_drop_off_and_one_shipping_sentence(demo):
    claim = submitted_claim()
    claim = claim_approve(claim_id=claim.pk, actor=staff("reviewer@imirror.demo.example"), outcome="refund")
    page = _page(claim)
    block = page.split('data-testid="return-shipping"', 1)[1].split("</section>", 1)[0]
    assert "400 Commerce Way" in block and "Edison, NJ 08837" in block
    assert "any carrier with a tracking number" in block.lower()
    assert "drop it at a UPS Store" in block
    assert "We deduct 89.00 USD return shipping from your refund: the reason is not a defect." in block
    assert "You pay return shipping" not in page
    assert "Ship it back" in page  # the current step (IMIRROR sets no ship-by time)


@pytest.mark.django_db
def test_the_tracking_number_links_to_the_carriers_page_in_a_new_tab(demo):
    claim = submitted_claim()
    claim_approve(claim_id=claim.pk, actor=staff("reviewer@imirror.demo.example"), outcome="refund")
    claim = claim_ship(claim_id=claim.pk, actor=staff("warehouse@imirror.demo.example"), carrier="UPS", tracking_number="1z999aa1 0123456784")
    page = _page(claim)
    link = re.search(r'<a href="([^"]+)" target="_blank" rel="noopener noreferrer" data-testid="tracking-link">', page)
    assert link and link.group(1) == "https://www.ups.com/track?tracknum=1Z999AA10123456784"
    assert "1Z999AA10123456784" in page and "Shipped back" in page
    assert _timeline(page)[:3] == ["Submitted", "Approved, awaiting return", "Return in transit"]


@pytest.mark.django_db
def test_a_carrier_named_by_the_shopper_shows_the_number_without_a_link(demo):
    claim = submitted_claim()
    claim_approve(claim_id=claim.pk, actor=staff("reviewer@imirror.demo.example"), outcome="refund")
    claim = claim_ship(
        claim_id=claim.pk, actor=staff("warehouse@imirror.demo.example"), carrier="Another carrier (with tracking)", tracking_number="LOCAL-12345", carrier_name="City Couriers"
    )
    page = _page(claim)
    assert 'data-testid="tracking-link"' not in page and "LOCAL-12345" in page and "City Couriers" in page



@pytest.mark.django_db
def test_a_rejected_claim_ends_at_the_decision_with_its_reason(demo):
    claim = submitted_claim()
    claim = claim_reject(claim_id=claim.pk, actor=staff("reviewer@imirror.demo.example"), reason="Bought more than 30 days ago")
    page = _page(claim)
    assert "Not accepted" in page and "Bought more than 30 days ago" in page
    assert "Ship it back" not in page and "We decide by" not in page
