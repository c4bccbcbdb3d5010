"""Finished claims (resolved, rejected, expired, withdrawn) close themselves after the
store's close_claims_after_days, through the claim's one write path (a "close" event by
the system, the shopper's e-mail), so that evidence retention, counted from closing,
reaches them."""

from datetime import timedelta

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

import notifications.services
from claims.actors import shopper_actor
from claims.models import Claim, EvidenceFile
from claims.services import claim_appeal, claim_reject, claim_withdraw
from claims.sla import evidence_retention_sweep, sla_sweep
from claims.states import ClaimStatus, Role
from notifications.models import OutboundEmail
from tests.claims.conftest import staff, submitted_claim

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_broker(monkeypatch):
    monkeypatch.setattr(notifications.services, "_dispatch", lambda email_id: None)
    monkeypatch.setattr(notifications.services, "_dispatch_batch", lambda email_ids: None)


@pytest.fixture
def clock():
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller


def _rejected(number="IM-80010") -> Claim:
    claim = submitted_claim(number)
    return claim_reject(claim_id=claim.pk, actor=staff("reviewer@imirror.demo.example"), reason="Outside the policy.")


def test_a_rejected_claim_closes_after_the_stores_days_once_with_its_event_and_email(demo, clock):
    claim = _rejected()
    assert demo["imirror"].close_claims_after_days == 30
    clock.shift(timedelta(days=30) - timedelta(minutes=1))
    assert sla_sweep()["closed"] == 0
    assert Claim.objects.get(pk=claim.pk).status == ClaimStatus.REJECTED

    clock.shift(timedelta(minutes=2))
    assert sla_sweep()["closed"] == 1
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.CLOSED and claim.closed_at == timezone.now()
    event = claim.events.order_by("-pk").first()
    assert (event.action, event.from_status, event.to_status, event.actor_role) == ("close", "rejected", "closed", Role.SYSTEM)
    emails = OutboundEmail.objects.filter(kind="claim:close", to=claim.shopper_email)
    assert emails.count() == 1 and claim.reference in emails.get().subject
    assert "can no longer be changed or appealed" in emails.get().body_text

    assert sla_sweep()["closed"] == 0  # once
    assert OutboundEmail.objects.filter(kind="claim:close").count() == 1


def test_each_store_has_its_own_days(demo, clock):
    store = demo["imirror"]
    store.close_claims_after_days = 3
    store.save(update_fields=["close_claims_after_days"])
    claim = _rejected()
    clock.shift(timedelta(days=3, minutes=1))
    assert sla_sweep()["closed"] == 1
    assert Claim.objects.get(pk=claim.pk).status == ClaimStatus.CLOSED


def test_an_appeal_before_the_sweep_keeps_the_claim_open(demo, clock):
    claim = _rejected()
    clock.shift(timedelta(days=10))
    claim_appeal(claim_id=claim.pk, actor=shopper_actor(email=claim.shopper_email), message="The mirror was faulty on arrival.")
    clock.shift(timedelta(days=40))
    assert sla_sweep()["closed"] == 0
    assert Claim.objects.get(pk=claim.pk).status == ClaimStatus.APPEALED


def test_a_withdrawn_claim_closes_without_an_email(demo, clock):
    claim = submitted_claim()
    claim_withdraw(claim_id=claim.pk, actor=shopper_actor(email=claim.shopper_email))
    clock.shift(timedelta(days=31))
    assert sla_sweep()["closed"] == 1
    assert Claim.objects.get(pk=claim.pk).status == ClaimStatus.CLOSED
    assert not OutboundEmail.objects.filter(kind="claim:close").exists()


def test_retention_reaches_an_automatically_closed_claim(demo, clock, settings, tmp_path, django_capture_on_commit_callbacks):
    settings.MEDIA_ROOT = str(tmp_path)
    claim = _rejected()
    stored = EvidenceFile(claim=claim, slot_code="all-sides", accept="photo", status=EvidenceFile.Status.READY, original_name="a.jpg")
    stored.file.save("a.jpg", ContentFile(b"sanitised photo"), save=False)
    stored.save()
    name = stored.file.name
    clock.shift(timedelta(days=31))
    assert sla_sweep()["closed"] == 1
    clock.shift(timedelta(days=settings.EVIDENCE_RETENTION_DAYS - 1))
    with django_capture_on_commit_callbacks(execute=True):
        assert evidence_retention_sweep(days=settings.EVIDENCE_RETENTION_DAYS) == 0
    assert default_storage.exists(name)
    clock.shift(timedelta(days=1, minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert evidence_retention_sweep(days=settings.EVIDENCE_RETENTION_DAYS) >= 1
    assert not default_storage.exists(name)
    assert EvidenceFile.objects.get(pk=stored.pk).status == EvidenceFile.Status.DELETED
