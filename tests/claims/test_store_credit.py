"""A claim approved with store credit is resolved by issuing its code once: the refund
the claim would pay plus the bonus of the policy version it was decided under, with the
version's validity; the shopper is told the code, amount and expiry by e-mail and on the
claim page; the audit trail has the resolve event."""

import html
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.test import Client

from accounts.models import User
from claims.models import Claim, ClaimEvent
from claims.services import (
    CREDIT_NOT_APPROVED,
    ClaimError,
    TransitionNotAllowed,
    claim_approve,
    claim_inspect,
    claim_issue_store_credit,
    claim_receive,
    claim_refund_breakdown,
    claim_store_credit_amount,
)
from claims.states import ClaimStatus
from credits.models import StoreCredit, StoreCreditEntry
from credits.services import store_credit_issue
from notifications.models import OutboundEmail
from tests.claims.conftest import enter_tracking, staff, submitted_claim

NEW_YORK = ZoneInfo("America/New_York")
REVIEWER = "reviewer@imirror.demo.example"
WAREHOUSE = "warehouse@imirror.demo.example"


@pytest.fixture
def at_noon(request):
    travel = time_machine.travel(datetime(2026, 12, 1, 12, 0, tzinfo=NEW_YORK), tick=False)
    travel.start()
    request.addfinalizer(travel.stop)
    return request.getfixturevalue("demo")


def inspected(outcome: str = "store_credit") -> Claim:
    """An IMIRROR 30-day return (the smart mirror, 899.00 USD), approved with `outcome`,
    shipped back, received and inspected without findings."""
    claim = submitted_claim("IM-80010", preferred=outcome)
    claim = enter_tracking(claim_approve(claim_id=claim.pk, actor=staff(REVIEWER), outcome=outcome))
    claim = claim_receive(claim_id=claim.pk, actor=staff(WAREHOUSE), rma_number=claim.rma_number)
    return claim_inspect(claim_id=claim.pk, actor=staff(WAREHOUSE))


@pytest.mark.django_db
def test_store_credit_is_the_refund_plus_the_bonus_issued_once_and_told(at_noon):
    claim = inspected()
    refund = claim_refund_breakdown(claim=claim).total
    assert refund == Decimal("810.00")  # 899.00 paid - 89.00 return shipping (not a defect)

    claim = claim_issue_store_credit(claim_id=claim.pk, actor=staff(REVIEWER), expected_version=claim.row_version)
    stored = Claim.objects.get(pk=claim.pk)
    assert (stored.status, stored.resolution) == (ClaimStatus.RESOLVED, Claim.Resolution.STORE_CREDIT_ISSUED)
    credit = StoreCredit.objects.get(claim=claim)
    assert (credit.initial_amount, credit.balance, credit.currency, credit.store.slug) == (Decimal("891.00"), Decimal("891.00"), "USD", "imirror")
    assert credit.shopper_email == claim.shopper_email.lower() and credit.bonus_percent == Decimal("10.00")
    # 12 months from 1 Dec 2026: valid to the end of 30 Nov 2027 in New York
    assert credit.expires_at == datetime(2027, 11, 30, 23, 59, 59, 999999, tzinfo=NEW_YORK)
    (issued,) = credit.entries.all()
    assert (issued.kind, issued.amount, issued.balance_after, issued.actor_label) == ("issued", Decimal("891.00"), Decimal("891.00"), REVIEWER)
    assert ClaimEvent.objects.filter(claim=claim, action="resolve", to_status=ClaimStatus.RESOLVED).count() == 1

    # a double click: the claim is resolved, nothing more is issued
    with pytest.raises(TransitionNotAllowed):
        claim_issue_store_credit(claim_id=claim.pk, actor=staff(REVIEWER))
    assert StoreCredit.objects.filter(claim=claim).count() == 1 and StoreCreditEntry.objects.filter(credit=credit).count() == 1

    # the e-mail and the claim page say the code, amount and expiry
    (email,) = OutboundEmail.objects.filter(kind="claim:resolve")
    for body in (email.body_text, html.unescape(email.body_html)):
        assert credit.code in body and "891.00 USD" in body and "Valid until 30 November 2027." in body
    assert "Store credit issued" in email.subject
    client = Client()
    client.force_login(User.objects.get(email=claim.shopper_email))
    page = html.unescape(client.get(f"/s/imirror/claims/{claim.reference}/").content.decode())
    assert "Your store credit" in page and credit.code in page and "891.00 USD" in page and "including a 10 % bonus" in page
    assert "Valid until 30 November 2027." in page

    # staff see it on the claim's admin page, linked to the ledger
    desk = Client()
    desk.force_login(User.objects.get(email=REVIEWER))
    admin_page = html.unescape(desk.get(f"/admin/claims/claim/{claim.pk}/change/").content.decode())
    assert f'href="/admin/credits/storecredit/{credit.pk}/change/"' in admin_page and credit.code in admin_page
    assert "balance 891.00 USD" in admin_page and "valid until 30 Nov 2027" in admin_page


@pytest.mark.django_db
def test_the_terms_are_those_of_the_version_the_claim_was_decided_under(at_noon):
    from policies.models import CoverageRule
    from policies.services import policy_publish

    claim = inspected()
    rule = CoverageRule.objects.get(policy__store__slug="imirror", code="return-30")
    rule.store_credit_bonus_percent, rule.store_credit_valid_months = Decimal("50"), None
    rule.save()
    policy_publish(policy=rule.policy, actor=User.objects.get(email="admin@demo.example"))
    worth = claim_store_credit_amount(claim=Claim.objects.get(pk=claim.pk), now=datetime(2026, 12, 1, 12, tzinfo=NEW_YORK))
    assert (worth.refund, worth.bonus, worth.amount) == (Decimal("810.00"), Decimal("81.00"), Decimal("891.00"))
    assert worth.expires_at is not None


@pytest.mark.django_db
def test_the_amount_can_be_computed_for_some_lines_only(at_noon):
    claim = inspected()
    line_ids = set(claim.lines.values_list("pk", flat=True))
    now = datetime(2026, 12, 1, 12, tzinfo=NEW_YORK)
    assert claim_store_credit_amount(claim=claim, now=now, line_ids=line_ids).amount == Decimal("891.00")
    assert claim_store_credit_amount(claim=claim, now=now, line_ids=set()) is None  # no line paid as credit


@pytest.mark.django_db
def test_a_claim_approved_for_a_refund_is_not_paid_in_store_credit(at_noon):
    claim = inspected(outcome="refund")
    with pytest.raises(ClaimError) as error:
        claim_issue_store_credit(claim_id=claim.pk, actor=staff(REVIEWER))
    assert error.value.message == CREDIT_NOT_APPROVED
    assert not StoreCredit.objects.exists()


@pytest.mark.django_db
def test_one_credit_per_claim_is_a_database_rule_and_a_retried_issue_returns_it(at_noon):
    claim = inspected()
    claim = claim_issue_store_credit(claim_id=claim.pk, actor=staff(REVIEWER))
    credit = StoreCredit.objects.get(claim=claim)
    now = datetime(2026, 12, 1, 12, tzinfo=NEW_YORK)
    again = store_credit_issue(store=claim.store, shopper_email="x@example.com", amount=Decimal("5"), currency="USD", issued_at=now, expires_at=None, claim_id=claim.pk)
    assert again.pk == credit.pk and StoreCredit.objects.count() == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        StoreCredit.objects.create(store=claim.store, code="SC-TEST-TEST-TEST", shopper_email="x@example.com", currency="USD", initial_amount=1, balance=1, issued_at=now, claim=claim)


@pytest.mark.django_db
def test_issuing_twice_under_the_lock_is_refused(at_noon):
    """A second request that passed the page's check before the first committed."""
    claim = inspected()
    version = claim.row_version
    claim_issue_store_credit(claim_id=claim.pk, actor=staff(REVIEWER), expected_version=version)
    with pytest.raises(ClaimError):
        claim_issue_store_credit(claim_id=claim.pk, actor=staff(REVIEWER), expected_version=version)
    assert StoreCredit.objects.count() == 1
