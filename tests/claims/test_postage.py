"""Where the brand pays the return shipping, the shopper's postage is refunded up to the
rule's cap against a receipt (photo or PDF), sent with the tracking number."""

import re
from decimal import Decimal

import pytest

from claims.actors import shopper_actor
from claims.evidence import NOT_EDITABLE, POSTAGE_RECEIPT, UNKNOWN_SLOT, evidence_add, evidence_process
from claims.models import EvidenceFile
from claims.selectors import postage_reimbursed
from claims.services import (
    POSTAGE_RECEIPT_CHECKING,
    POSTAGE_RECEIPT_MISSING,
    ClaimError,
    PostageReceiptMissing,
    claim_approve,
    claim_refund_breakdown,
    claim_ship,
)
from tests.claims.conftest import staff, submitted_claim
from tests.claims.test_evidence import _upload
from tests.claims.test_media import _write_camera_jpeg

pytestmark = pytest.mark.django_db

USPS = {"carrier": "USPS", "tracking_number": "9400111899223197428490"}


def _approved_defect_return():
    """iWALK's 30-day guarantee for an item that doesn't work: the brand pays shipping (M1)."""
    claim = submitted_claim("IW-10001", "not-working", answers={"unopened": True}, preferred="replacement")
    return claim_approve(claim_id=claim.pk, actor=staff("reviewer@iwalk.demo.example"), outcome=None)


def test_postage_is_refunded_up_to_the_cap_against_its_receipt(demo, tmp_path):
    claim = _approved_defect_return()
    shopper = shopper_actor(email=claim.shopper_email)
    assert postage_reimbursed(claim=claim)

    with pytest.raises(PostageReceiptMissing, match=re.escape(POSTAGE_RECEIPT_MISSING)):
        claim_ship(claim_id=claim.pk, actor=shopper, postage_paid=Decimal("18.40"), **USPS)

    receipt = evidence_add(claim_id=claim.pk, actor=shopper, slot_code=POSTAGE_RECEIPT.code, upload=_upload(_write_camera_jpeg(tmp_path / "receipt.jpg")))
    with pytest.raises(PostageReceiptMissing, match=re.escape(POSTAGE_RECEIPT_CHECKING)):
        claim_ship(claim_id=claim.pk, actor=shopper, postage_paid=Decimal("18.40"), **USPS)
    assert evidence_process(evidence_id=receipt.pk) == EvidenceFile.Status.READY

    claim = claim_ship(claim_id=claim.pk, actor=shopper, postage_paid=Decimal("18.40"), **USPS)
    assert claim.status == "in_transit" and claim.postage_paid == Decimal("18.40")
    postage = next(line for line in claim_refund_breakdown(claim=claim).lines if line.code == "postage")
    assert postage.amount == Decimal("15.00")  # the rule's cap
    with pytest.raises(ClaimError, match=NOT_EDITABLE.split("%")[0]):
        evidence_add(claim_id=claim.pk, actor=shopper, slot_code=POSTAGE_RECEIPT.code, upload=_upload(_write_camera_jpeg(tmp_path / "late.jpg")))


def test_no_receipt_is_needed_without_postage_or_for_staff(demo):
    claim = _approved_defect_return()
    claim = claim_ship(claim_id=claim.pk, actor=shopper_actor(email=claim.shopper_email), postage_paid=None, **USPS)
    assert claim.postage_paid is None

    other = submitted_claim("IW-10010", "not-working", answers={"unopened": True}, preferred="replacement")
    other = claim_approve(claim_id=other.pk, actor=staff("reviewer@iwalk.demo.example"), outcome=None)
    other = claim_ship(claim_id=other.pk, actor=staff("warehouse@iwalk.demo.example"), postage_paid=Decimal("7.10"), **USPS)
    assert other.postage_paid == Decimal("7.10")


def test_where_the_shopper_pays_there_is_no_receipt_slot_and_no_postage(demo, tmp_path):
    claim = submitted_claim()  # IMIRROR's 30-day return: the shopper pays (M7)
    claim = claim_approve(claim_id=claim.pk, actor=staff("reviewer@imirror.demo.example"), outcome="refund")
    shopper = shopper_actor(email=claim.shopper_email)
    assert not postage_reimbursed(claim=claim)
    with pytest.raises(ClaimError, match=re.escape(UNKNOWN_SLOT)):
        evidence_add(claim_id=claim.pk, actor=shopper, slot_code=POSTAGE_RECEIPT.code, upload=_upload(_write_camera_jpeg(tmp_path / "r.jpg")))
    claim = claim_ship(claim_id=claim.pk, actor=shopper, carrier="UPS", tracking_number="1Z999AA10123456784", postage_paid=Decimal("30"))
    assert claim.postage_paid is None
