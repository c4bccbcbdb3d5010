"""The SLA sweeps (claims.sla): ship-by reminders at 48 h and 24 h, the waiver when the
ship-by time passes, escalation of overdue reviews to the store's managers (level 1 when
due, level 2 one working day later), overdue refunds flagged; each once per claim and
level, also when sweeps run several times, after downtime, or two at the same moment.
Beat's periodic tasks come with the migrations and the real worker runs the sweep.
Evidence retention deletes the files of claims closed long ago and keeps the rows.

Clocks are moved with time_machine; the demo is loaded inside the travelled time where
the test needs fixed dates (the orders' dates are relative to the load)."""

import re
import threading
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

import notifications.services
from accounts.models import StoreMembership, User
from claims.actors import shopper_actor
from claims.models import REFERENCE_ALPHABET, Claim, ClaimEvent, EvidenceFile
from claims.services import claim_appeal, claim_approve, claim_close, claim_receive, claim_reject
from claims.sla import evidence_retention_sweep, sla_sweep
from claims.states import ClaimStatus
from claims.tasks import evidence_retention_task, sla_sweep_task
from notifications.models import OutboundEmail
from notifications.services import email_as_sent
from orders.models import Store
from tests.claims.conftest import staff, submitted_claim
from tests.waiting import wait_until

NEW_YORK = ZoneInfo("America/New_York")
SHANGHAI = ZoneInfo("Asia/Shanghai")
VOLTAIC_UNOPENED = {"unused": True, "untested": True, "unprogrammed": True, "packaging-intact": True}
IMIRROR_MANAGER = "manager@imirror.demo.example"
ESCALATION_SUBJECT = re.compile(r"claim (CLM-[0-9A-Z]{6}) \(level (\d)\)")


@pytest.fixture
def demo_at(request):
    """demo_at(moment): stop the clock at `moment` (until the test ends) and load the demo
    then; returns the traveller, to move the clock on."""

    def load(moment: datetime):
        travel = time_machine.travel(moment, tick=False)
        traveller = travel.start()
        request.addfinalizer(travel.stop)
        request.getfixturevalue("demo")
        return traveller

    return load


@pytest.fixture
def no_broker(monkeypatch):
    """Outbox rows are what is counted; handing them to Celery after commit is not under test."""
    monkeypatch.setattr(notifications.services, "_dispatch", lambda email_id: None)


def _emails(kind: str, **filters) -> list[OutboundEmail]:
    return list(OutboundEmail.objects.filter(kind=kind, **filters).order_by("pk"))


def _sweep_times(times: int, **kwargs) -> list[dict]:
    return [sla_sweep(**kwargs) for _ in range(times)]


# --- ship-by: reminders at 48 h and 24 h, then the waiver ------------------------------------


def _approved_voltaic_return() -> Claim:
    """Voltaic change of demand: ship back within 7 calendar days of the approval (waive)."""
    claim = submitted_claim("VC-70020", reason="change-of-demand", answers=VOLTAIC_UNOPENED)
    claim = claim_approve(claim_id=claim.pk, actor=staff("reviewer@voltaic.demo.example"), outcome=None)
    assert claim.status == ClaimStatus.APPROVED_AWAITING_RETURN and claim.rma_number
    return Claim.objects.get(pk=claim.pk)


@pytest.mark.django_db
def test_ship_by_reminders_48_and_24_hours_before_are_sent_once_each(demo_at):
    # approved Mon 2 March 2026 10:00 in Shanghai: ship by the end of Mon 9 March, local time
    traveller = demo_at(datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI))
    claim = _approved_voltaic_return()
    ship_by = claim.ship_by_at
    assert ship_by == datetime(2026, 3, 9, 23, 59, 59, 999999, tzinfo=SHANGHAI)

    traveller.move_to(ship_by - timedelta(hours=48, seconds=1))
    assert [s["ship_reminders"] for s in _sweep_times(3)] == [0, 0, 0]
    assert _emails("claim:ship_reminder") == []

    traveller.move_to(ship_by - timedelta(hours=48))
    assert [s["ship_reminders"] for s in _sweep_times(3)] == [1, 0, 0]
    (first,) = _emails("claim:ship_reminder")
    assert first.to == claim.shopper_email
    assert claim.rma_number in first.subject and "9 Mar 2026" in first.subject  # the store's local date
    assert claim.rma_number in first.body_text and "Asia/Shanghai" in first.body_text
    # a guest opens the claim from the reminder: the signed claim link, not the bare page
    assert f"/s/{claim.store.slug}/access/" in email_as_sent(email=first).body and f"?next=%2Fs%2F{claim.store.slug}%2Fclaims%2F{claim.reference}%2F" in email_as_sent(email=first).body
    assert "The link works for 30 days" in first.body_text

    traveller.move_to(ship_by - timedelta(hours=30))
    assert [s["ship_reminders"] for s in _sweep_times(3)] == [0, 0, 0]

    traveller.move_to(ship_by - timedelta(hours=24))
    assert [s["ship_reminders"] for s in _sweep_times(3)] == [1, 0, 0]
    traveller.move_to(ship_by - timedelta(minutes=1))
    assert [s["ship_reminders"] for s in _sweep_times(3)] == [0, 0, 0]

    assert len(_emails("claim:ship_reminder")) == 2
    claim.refresh_from_db()
    assert claim.ship_reminder_level == 2
    assert claim.status == ClaimStatus.APPROVED_AWAITING_RETURN


@pytest.mark.django_db
def test_after_downtime_only_the_latest_reminder_is_sent(demo_at):
    traveller = demo_at(datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI))
    claim = _approved_voltaic_return()
    # no sweep ran from before the 48-hour mark until 20 hours before the ship-by time
    traveller.move_to(claim.ship_by_at - timedelta(hours=20))
    assert [s["ship_reminders"] for s in _sweep_times(3)] == [1, 0, 0]
    assert len(_emails("claim:ship_reminder")) == 1
    claim.refresh_from_db()
    assert claim.ship_reminder_level == 2  # the 24-hour one; the 48-hour one is never sent late


@pytest.mark.django_db
def test_a_claim_approved_inside_the_48_hours_gets_no_48_hour_reminder(demo_at):
    traveller = demo_at(datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI))
    claim = _approved_voltaic_return()
    # as if the rule gave 30 hours: the approval e-mail already names the date
    ship_by = claim.decided_at + timedelta(hours=30)
    Claim.objects.filter(pk=claim.pk).update(ship_by_at=ship_by)
    assert sla_sweep()["ship_reminders"] == 0
    assert Claim.objects.get(pk=claim.pk).ship_reminder_level == 1
    traveller.move_to(ship_by - timedelta(hours=24))
    assert [s["ship_reminders"] for s in _sweep_times(2)] == [1, 0]
    assert len(_emails("claim:ship_reminder")) == 1


@pytest.mark.django_db
def test_ship_by_passed_expires_the_claim_through_the_state_machine_once(demo_at):
    traveller = demo_at(datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI))
    claim = _approved_voltaic_return()
    traveller.move_to(claim.ship_by_at + timedelta(seconds=1))
    counts = _sweep_times(2)
    assert [c["expired"] for c in counts] == [1, 0]
    assert all(c["errors"] == 0 for c in counts)

    claim.refresh_from_db()
    assert claim.status == ClaimStatus.EXPIRED
    (event,) = ClaimEvent.objects.filter(claim=claim, action="expire")
    assert (event.from_status, event.to_status, event.actor_role) == (
        ClaimStatus.APPROVED_AWAITING_RETURN,
        ClaimStatus.EXPIRED,
        "system",
    )
    assert len(_emails("claim:expire", to=claim.shopper_email)) == 1
    assert _emails("claim:ship_reminder") == []  # nobody swept before: no late reminder either


# --- overdue reviews: level 1, level 2 one working day later, never a third ---------------------


def _escalations() -> Counter:
    """(reference, level, recipient) -> outbox rows."""
    found = Counter()
    for email in _emails("staff:escalation"):
        match = ESCALATION_SUBJECT.search(email.subject)
        assert match, email.subject
        found[(match.group(1), int(match.group(2)), email.to)] += 1
    return found


@pytest.mark.django_db
def test_an_overdue_review_is_escalated_to_the_stores_managers_twice_at_most(demo_at):
    # IMIRROR (New York, Mon-Fri 9-17): submitted Tue 24 Nov 2026 10:00, 3 working days ->
    # due Mon 30 Nov 10:00 (Thanksgiving is not a working day; see test_clocks)
    traveller = demo_at(datetime(2026, 11, 24, 10, 0, tzinfo=NEW_YORK))
    inactive = User.objects.create_user(email="old-manager@imirror.demo.example", is_staff=True, is_active=False)
    inactive.groups.add(Group.objects.get(name="manager"))
    StoreMembership.objects.create(user=inactive, store=Store.objects.get(slug="imirror"))
    claim = submitted_claim("IM-80010")
    seen = claim.row_version
    assert claim.review_due_at == datetime(2026, 11, 30, 10, 0, tzinfo=NEW_YORK)

    traveller.move_to(datetime(2026, 11, 30, 9, 59, tzinfo=NEW_YORK))
    assert sla_sweep()["review_escalations"] == 0

    traveller.move_to(datetime(2026, 11, 30, 10, 1, tzinfo=NEW_YORK))
    assert [s["review_escalations"] for s in _sweep_times(3)] == [1, 0, 0]
    assert _escalations() == {(claim.reference, 1, IMIRROR_MANAGER): 1}  # not other stores', not the inactive one
    claim.refresh_from_db()
    assert claim.review_escalation_level == 1
    assert claim.review_escalated_at == datetime(2026, 11, 30, 10, 1, tzinfo=NEW_YORK)  # the flag
    (email,) = _emails("staff:escalation")
    assert "Review overdue" in email.subject and f"/admin/claims/claim/{claim.pk}/change/" in email.body_text

    # one working day (8 working hours) after Mon 30 Nov 10:00 is Tue 1 Dec 10:00
    traveller.move_to(datetime(2026, 12, 1, 9, 59, tzinfo=NEW_YORK))
    assert sla_sweep()["review_escalations"] == 0
    traveller.move_to(datetime(2026, 12, 1, 10, 0, tzinfo=NEW_YORK))
    assert [s["review_escalations"] for s in _sweep_times(3)] == [1, 0, 0]
    assert _escalations() == {(claim.reference, 1, IMIRROR_MANAGER): 1, (claim.reference, 2, IMIRROR_MANAGER): 1}

    traveller.move_to(datetime(2026, 12, 11, 10, 0, tzinfo=NEW_YORK))
    assert [s["review_escalations"] for s in _sweep_times(3)] == [0, 0, 0]
    assert sum(_escalations().values()) == 2
    claim.refresh_from_db()
    assert claim.review_escalation_level == 2
    assert claim.review_escalated_at == datetime(2026, 11, 30, 10, 1, tzinfo=NEW_YORK)
    assert claim.status == ClaimStatus.SUBMITTED and claim.row_version == seen  # nothing a reviewer sees as a change


@pytest.mark.django_db
def test_an_appeal_starts_a_new_review_clock_and_its_own_escalations(demo_at):
    traveller = demo_at(datetime(2026, 11, 24, 10, 0, tzinfo=NEW_YORK))
    claim = submitted_claim("IM-80010")
    traveller.move_to(datetime(2026, 12, 4, 10, 0, tzinfo=NEW_YORK))  # long after level 2 was due
    assert sla_sweep()["review_escalations"] == 1
    assert _escalations() == {(claim.reference, 2, IMIRROR_MANAGER): 1}  # after downtime: the latest level only

    claim_reject(claim_id=claim.pk, actor=staff("reviewer@imirror.demo.example"), reason="Scratches on the photos.")
    claim = claim_appeal(
        claim_id=claim.pk, actor=shopper_actor(email=claim.shopper_email), message="They are reflections."
    )
    assert claim.status == ClaimStatus.APPEALED
    traveller.move_to(claim.review_due_at + timedelta(minutes=1))
    assert [s["review_escalations"] for s in _sweep_times(2)] == [1, 0]
    assert _escalations() == {(claim.reference, 2, IMIRROR_MANAGER): 1, (claim.reference, 1, IMIRROR_MANAGER): 1}


@pytest.mark.django_db
def test_an_overdue_refund_is_flagged_and_reported_to_the_managers_once(demo_at):
    traveller = demo_at(datetime(2026, 11, 24, 10, 0, tzinfo=NEW_YORK))
    claim = submitted_claim("IM-80010")
    claim = claim_approve(claim_id=claim.pk, actor=staff("reviewer@imirror.demo.example"), outcome=None)
    claim = claim_receive(claim_id=claim.pk, actor=staff("warehouse@imirror.demo.example"), rma_number=claim.rma_number)
    assert claim.refund_due_at is not None  # IMIRROR: 10 business days from the receipt

    traveller.move_to(claim.refund_due_at - timedelta(minutes=1))
    assert sla_sweep()["refunds_overdue"] == 0
    traveller.move_to(claim.refund_due_at + timedelta(minutes=1))
    assert [s["refunds_overdue"] for s in _sweep_times(3)] == [1, 0, 0]
    (email,) = _emails("staff:refund_overdue")
    assert email.to == IMIRROR_MANAGER and claim.reference in email.subject
    claim.refresh_from_db()
    assert claim.refund_overdue_flagged_at == claim.refund_due_at + timedelta(minutes=1)


# --- two sweeps at the same moment over hundreds of overdue claims -------------------------------


def _reference(n: int) -> str:
    digits = ""
    for _ in range(6):
        n, digit = divmod(n, len(REFERENCE_ALPHABET))
        digits = REFERENCE_ALPHABET[digit] + digits
    return "CLM-" + digits


def _overdue_copies(template: Claim, count: int, due: datetime) -> list[str]:
    """Copies of a submitted claim, each with its own reference, all overdue."""
    fields = [f for f in Claim._meta.concrete_fields if not f.primary_key]
    values = {f.attname: getattr(template, f.attname) for f in fields}
    taken = {template.reference}
    references = [ref for ref in (_reference(7_000_000 + n) for n in range(count + 1)) if ref not in taken][:count]
    Claim.objects.bulk_create(
        [Claim(**{**values, "reference": ref, "review_due_at": due}) for ref in references], batch_size=200
    )
    Claim.objects.filter(pk=template.pk).update(review_due_at=due)
    return [template.reference, *references]


def _at_once(calls: list[Callable[[], dict]], timeout: float = 120) -> list[dict]:
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index: int, call: Callable[[], dict]) -> None:
        try:
            barrier.wait(timeout=timeout)
            results[index] = call()
        except BaseException as exc:  # reported to the test, never lost in the thread
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n, call), daemon=True) for n, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout * 2)
    assert not any(thread.is_alive() for thread in threads), "a sweep did not finish"
    assert all(isinstance(result, dict) for result in results), results
    return results


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_escalate_each_claim_once_per_level(demo, no_broker):
    claims = 240
    now = timezone.now()
    references = _overdue_copies(submitted_claim("IM-80010"), claims - 1, due=now - timedelta(hours=1))
    assert Claim.objects.filter(status=ClaimStatus.SUBMITTED, review_due_at__lt=now).count() == claims

    for level, at in ((1, None), (2, now + timedelta(days=10))):  # level 2: a working day later, surely
        results = _at_once([lambda at=at: sla_sweep(now=at), lambda at=at: sla_sweep(now=at)])
        assert sum(r["review_escalations"] for r in results) == claims, results
        assert all(r["errors"] == 0 for r in results), results
        escalations = _escalations()
        assert {key for key, n in escalations.items() if key[1] == level} == {
            (ref, level, IMIRROR_MANAGER) for ref in references
        }
        assert set(escalations.values()) == {1}, [key for key, n in escalations.items() if n > 1][:5]

    assert sla_sweep(now=now + timedelta(days=20))["review_escalations"] == 0
    assert len(_emails("staff:escalation")) == 2 * claims
    assert set(Claim.objects.values_list("review_escalation_level", flat=True)) == {2}


# --- beat's schedule and the real worker -------------------------------------------------------


@pytest.mark.django_db
def test_the_periodic_tasks_exist_after_migrate():
    """Non-transactional: pytest-django runs these before any test that flushes the tables."""
    tasks = {task.name: task for task in PeriodicTask.objects.select_related("interval", "crontab")}
    sweep, retention = tasks["SLA sweep"], tasks["Evidence retention"]
    assert (sweep.task, sweep.enabled, sweep.interval.every, sweep.interval.period) == (
        "claims.tasks.sla_sweep_task",
        True,
        1,
        "minutes",
    )
    assert (retention.task, retention.enabled) == ("claims.tasks.evidence_retention_task", True)
    assert (retention.crontab.minute, retention.crontab.hour, str(retention.crontab.timezone)) == ("30", "3", "UTC")


@pytest.mark.django_db(transaction=True)
def test_the_worker_runs_the_sweep(demo, celery_worker, no_broker):
    claim = submitted_claim("IM-80010")
    Claim.objects.filter(pk=claim.pk).update(review_due_at=timezone.now() - timedelta(hours=1))
    sla_sweep_task.delay()
    assert wait_until(lambda: Claim.objects.get(pk=claim.pk).review_escalation_level == 1, timeout=60)
    assert _escalations() == {(claim.reference, 1, IMIRROR_MANAGER): 1}


# --- evidence retention -------------------------------------------------------------------------


def _rejected_claim_with_files() -> tuple[Claim, list[str]]:
    """IM-80010's mirror, claimed and rejected (a rejected claim holds no unit: the next
    claim can be made), with evidence files in the storage."""
    claim = submitted_claim("IM-80010")
    claim = claim_reject(claim_id=claim.pk, actor=staff("reviewer@imirror.demo.example"), reason="Outside the policy.")
    ready = EvidenceFile(
        claim=claim, slot_code="all-sides", accept="photo", status=EvidenceFile.Status.READY, original_name="a.jpg"
    )
    ready.file.save("a.jpg", ContentFile(b"sanitised photo"), save=False)
    ready.thumbnail.save("a.jpg", ContentFile(b"thumbnail"), save=False)
    ready.save()
    pending = EvidenceFile(claim=claim, slot_code="packaging", accept="photo", original_name="b.jpg")
    pending.incoming.save("b.jpg", ContentFile(b"as uploaded"), save=False)
    pending.save()
    names = [ready.file.name, ready.thumbnail.name, pending.incoming.name]
    assert all(default_storage.exists(name) for name in names)
    return claim, names


@pytest.mark.django_db
def test_retention_deletes_the_files_of_claims_closed_long_ago_and_keeps_the_rows(
    demo, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = str(tmp_path)
    reviewer = staff("reviewer@imirror.demo.example")
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        old, old_names = _rejected_claim_with_files()
        recent, recent_names = _rejected_claim_with_files()
        claim_close(claim_id=old.pk, actor=reviewer)
        traveller.shift(timedelta(days=171))
        claim_close(claim_id=recent.pk, actor=reviewer)
        traveller.shift(timedelta(days=10, minutes=1))  # old: closed 181 days ago, recent: 10 days ago

        rows = old.evidence.count()
        assert rows >= 2
        with django_capture_on_commit_callbacks(execute=True):
            assert evidence_retention_sweep() == rows
        assert not any(default_storage.exists(name) for name in old_names)
        assert all(default_storage.exists(name) for name in recent_names)
        assert old.evidence.count() == rows  # the record stays
        assert set(old.evidence.values_list("status", flat=True)) == {EvidenceFile.Status.DELETED}
        assert not old.evidence.filter(deleted_at__isnull=True).exists()
        assert not old.evidence.exclude(file="", thumbnail="", incoming="").exists()
        assert set(old.evidence.values_list("original_name", flat=True)) >= {"a.jpg", "b.jpg"}
        assert not recent.evidence.filter(status=EvidenceFile.Status.DELETED).exists()
        assert Claim.objects.get(pk=old.pk).evidence_purged_at == timezone.now()

        with django_capture_on_commit_callbacks(execute=True):
            assert evidence_retention_sweep() == 0  # idempotent

        settings.EVIDENCE_RETENTION_DAYS = 7  # read when the task runs
        with django_capture_on_commit_callbacks(execute=True):
            assert evidence_retention_task() == recent.evidence.count()
        assert not any(default_storage.exists(name) for name in recent_names)
