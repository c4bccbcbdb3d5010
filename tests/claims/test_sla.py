"""The SLA sweeps (claims.sla): ship-by reminders at 48 h and 24 h, the waiver when the
ship-by time passes, escalation of overdue reviews to the store's managers (level 1 when
due, level 2 one working day later), overdue refunds flagged; each once per claim and
level, also when sweeps run several times, after downtime, or two at the same moment.
Beat's periodic tasks come with the migrations and the real worker runs the sweep.
Evidence retention deletes the files of claims closed long ago and keeps the rows.

Clocks are moved with time_machine; the demo is loaded inside the travelled time where
the test needs fixed dates (the orders' dates are relative to the load)."""

import contextlib
import re
import threading
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

import notifications.services
from accounts.models import StoreMembership, User
from claims import sla
from claims.actors import shopper_actor
from claims.evidence import evidence_view_rendition_name
from claims.models import REFERENCE_ALPHABET, Claim, ClaimEvent, EvidenceFile
from claims.services import claim_appeal, claim_approve, claim_close, claim_receive, claim_reject
from claims.sla import evidence_retention_sweep, sla_sweep
from claims.states import ClaimStatus
from claims.tasks import evidence_retention_task, sla_sweep_task
from notifications.models import OutboundEmail, ScheduledJobRun
from notifications.services import Lease, LeaseLost, email_as_sent, scheduled_job_lease_take
from orders.models import Store
from tests.claims.conftest import enter_tracking, staff, submitted_claim
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
    monkeypatch.setattr(notifications.services, "_dispatch_batch", lambda email_ids: None)


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
    claim = enter_tracking(claim_approve(claim_id=claim.pk, actor=staff("reviewer@imirror.demo.example"), outcome=None))
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


def _clones(template: Claim, count: int, **fields) -> list[Claim]:
    """`count` copies of a claim (each its own reference and RMA number) with `fields` set."""
    values = {f.attname: getattr(template, f.attname) for f in Claim._meta.concrete_fields if not f.primary_key}
    start = Claim.objects.count() * 100  # references not taken by earlier clones
    references = [ref for ref in (_reference(7_000_000 + start + n) for n in range(count + 1)) if ref != template.reference][:count]
    rma = template.rma_number is not None
    return Claim.objects.bulk_create(
        [
            Claim(**{**values, **fields, "reference": ref, "rma_number": f"RMA{8_000_000 + start + n:09d}" if rma else None})
            for n, ref in enumerate(references)
        ],
        batch_size=200,
    )


def _copies(template: Claim, count: int, **fields) -> list[Claim]:
    """The claim with `fields` set, and `count` copies of it; the claim first."""
    clones = _clones(template, count, **fields)
    Claim.objects.filter(pk=template.pk).update(**fields)
    return [Claim.objects.get(pk=template.pk), *clones]


def _approved_mirror() -> Claim:
    """IM-80010's mirror, approved with a return (its clones stand for other approved claims)."""
    claim = submitted_claim("IM-80010")
    return claim_approve(claim_id=claim.pk, actor=staff("reviewer@imirror.demo.example"), outcome=None)


def _overdue_copies(template: Claim, count: int, due: datetime) -> list[str]:
    """Copies of a submitted claim, each with its own reference, all overdue."""
    return [claim.reference for claim in _copies(template, count, review_due_at=due)]


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


DIGEST_ROW = re.compile(r"^- (CLM-[0-9A-Z]{6}): level (\d)", re.MULTILINE)


def _listed(kind: str) -> Counter:
    """(reference, level) -> how many managers' e-mails list it (digests and single e-mails)."""
    found = Counter()
    for email in _emails(kind):
        single = ESCALATION_SUBJECT.search(email.subject)
        rows = [(single.group(1), single.group(2))] if single else DIGEST_ROW.findall(email.body_text)
        found.update((ref, int(level)) for ref, level in rows)
    return found


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_escalate_each_claim_once_per_level(demo, no_broker):
    """The lease lets one sweep run; the manager gets one e-mail per level listing the
    first claims, how many more, and the admin queue's overdue filter."""
    claims = 240
    now = timezone.now()
    references = _overdue_copies(submitted_claim("IM-80010"), claims - 1, due=now - timedelta(hours=1))
    assert Claim.objects.filter(status=ClaimStatus.SUBMITTED, review_due_at__lt=now).count() == claims

    for level, at in ((1, None), (2, now + timedelta(days=10))):  # level 2: a working day later, surely
        results = _at_once([lambda at=at: sla_sweep(now=at), lambda at=at: sla_sweep(now=at)])
        assert sum(r["review_escalations"] for r in results) == claims, results
        assert all(r["errors"] == 0 for r in results), results
        email = _emails("staff:escalation")[-1]
        assert len(_emails("staff:escalation")) == level  # one per level, not one per claim
        assert email.to == IMIRROR_MANAGER and "Reviews overdue: 240 claims" in email.subject
        listed = DIGEST_ROW.findall(email.body_text)
        assert len(listed) == sla.DIGEST_LIST and {ref for ref, _ in listed} <= set(references)
        assert {int(n) for _, n in listed} == {level}
        assert "and 190 more claims" in email.body_text and "/admin/claims/claim/?clock=overdue" in email.body_text
        assert set(Claim.objects.values_list("review_escalation_level", flat=True)) == {level}

    assert sla_sweep(now=now + timedelta(days=20))["review_escalations"] == 0
    assert len(_emails("staff:escalation")) == 2


class _NoLease:
    """As if the lease had expired under a sweep that outlived it: both sweeps run."""

    def renew(self) -> None:
        pass


@pytest.fixture
def without_lease(monkeypatch):
    monkeypatch.setattr(sla, "scheduled_job_lease", lambda **kwargs: contextlib.nullcontext(_NoLease()))
    monkeypatch.setattr(sla, "BATCH", 15)
    monkeypatch.setattr(sla, "STAFF_BATCH", 15)


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_running_together_take_each_step_once_by_the_row_locks(demo, no_broker, without_lease):
    """Without the lease, small batches interleave: the row locks (PostgreSQL: FOR UPDATE
    SKIP LOCKED; SQLite: one write transaction at a time) and the conditions read under
    them keep every waiver, reminder and escalation to one per claim and level."""
    now = timezone.now()
    approved = _approved_mirror()
    overdue = [c.reference for c in _clones(approved, 60, status=ClaimStatus.SUBMITTED, review_due_at=now - timedelta(hours=1))]
    shipping = _copies(approved, 59, ship_by_at=now - timedelta(minutes=5))

    results = _at_once([sla_sweep, sla_sweep])
    assert all(r["errors"] == 0 for r in results), results
    assert sum(r["expired"] for r in results) == 60 and sum(r["review_escalations"] for r in results) == 60, results
    assert set(_listed("staff:escalation").items()) == {((ref, 1), 1) for ref in overdue}
    expired = Counter(ClaimEvent.objects.filter(action="expire").values_list("claim_id", flat=True))
    assert expired == Counter({claim.pk: 1 for claim in shipping})
    told = Counter(OutboundEmail.objects.filter(kind="claim:expire").values_list("subject", flat=True))
    assert sorted(told.values()) == [1] * 60 and all(claim.reference in " ".join(told) for claim in shipping)
    assert set(Claim.objects.filter(pk__in=[c.pk for c in shipping]).values_list("status", flat=True)) == {ClaimStatus.EXPIRED}


# --- set-based: the queries do not grow with the claims due ------------------------------------


def _due_in_every_step(count: int, now: datetime) -> dict[str, list[Claim]]:
    """`count` IMIRROR claims due in each step of the sweep (copies of two real claims)."""
    approved = _approved_mirror()
    long_ago = now - timedelta(days=60)
    make = partial(_clones, approved, count)
    return {
        "review_escalations": make(status=ClaimStatus.SUBMITTED, review_due_at=now - timedelta(hours=1)),
        "expired": make(ship_by_at=now - timedelta(minutes=1), decided_at=long_ago),
        "ship_reminders": make(ship_by_at=now + timedelta(hours=30), decided_at=long_ago),
        "refunds_overdue": make(status=ClaimStatus.RECEIVED, refund_due_at=now - timedelta(hours=1)),
        "closed": make(status=ClaimStatus.REJECTED, status_changed_at=long_ago),
        "turnarounds_overdue": make(status=ClaimStatus.RECEIVED, outcome="repair", turnaround_due_at=now - timedelta(hours=1)),
        "turnaround_reminders": make(status=ClaimStatus.RECEIVED, outcome="repair", turnaround_due_at=now + timedelta(hours=30)),
    }


@pytest.mark.django_db
def test_the_sweeps_queries_do_not_grow_with_the_number_of_claims_due(demo, django_assert_num_queries):
    """3 or 30 claims due in each step: the same queries (a batch per step, one UPDATE
    per batch and level, one INSERT of the events, one of the e-mails)."""
    queries = []
    sla_sweep()  # the lease's row exists from the first sweep on
    with time_machine.travel(timezone.now(), tick=False):
        for count in (3, 30):
            now = timezone.now()
            due = _due_in_every_step(count, now)
            with CaptureQueriesContext(connection) as captured:
                counts = sla_sweep()
            assert {step: counts[step] for step in due} == dict.fromkeys(due, count), counts
            queries.append(len(captured))
            Claim.objects.all().delete()
    assert queries[0] == queries[1], queries
    assert queries[0] < 70, queries  # about 6 per step that acts, whatever the number due

    with django_assert_num_queries(4 + len(sla.STEPS)):  # the lease (row, take, release), the stores, one probe per step
        assert sla_sweep() == dict.fromkeys(sla.COUNTS, 0)


@pytest.mark.django_db
def test_bulk_waivers_write_each_claims_version_event_and_email(demo, no_broker):
    now = timezone.now()
    approved = _approved_mirror()
    claims = _copies(approved, 4, ship_by_at=now - timedelta(minutes=1))
    versions = {claim.pk: claim.row_version for claim in claims}
    assert sla_sweep()["expired"] == 5
    for claim in claims:
        claim.refresh_from_db()
        assert claim.status == ClaimStatus.EXPIRED and claim.row_version == versions[claim.pk] + 1
        assert claim.status_changed_at >= now
        (event,) = claim.events.filter(action="expire")
        assert (event.from_status, event.to_status, event.actor_role, event.actor_label) == (
            ClaimStatus.APPROVED_AWAITING_RETURN, ClaimStatus.EXPIRED, "system", "system"
        )  # fmt: skip
        (email,) = _emails("claim:expire", subject__contains=claim.reference)
        assert email.to == claim.shopper_email and "right to return has been waived" in email.body_text
        sent = email_as_sent(email=email)
        assert f"/s/{claim.store.slug}/access/" in sent.body and "signed-link.invalid" not in sent.body
        assert f"?next=%2Fs%2F{claim.store.slug}%2Fclaims%2F{claim.reference}%2F" in sent.body  # its own claim


@pytest.mark.django_db
def test_a_manager_gets_one_email_listing_the_overdue_refunds_of_their_store(demo, monkeypatch):
    monkeypatch.setattr(sla, "DIGEST_LIST", 2)
    now = timezone.now()
    approved = _approved_mirror()
    claims = _copies(approved, 2, status=ClaimStatus.RECEIVED, refund_due_at=now - timedelta(hours=1))
    assert [s["refunds_overdue"] for s in _sweep_times(2)] == [3, 0]
    (email,) = _emails("staff:refund_overdue")
    assert email.to == IMIRROR_MANAGER and "Refunds overdue: 3 claims" in email.subject
    listed = [ref for ref in re.findall(r"^- (CLM-[0-9A-Z]{6}): refund due", email.body_text, re.MULTILINE)]
    assert len(listed) == 2 and set(listed) < {claim.reference for claim in claims}
    assert "and 1 more claim." in email.body_text and "and 1 more claim." in email.body_html
    assert "/admin/claims/claim/?clock=overdue" in email.body_text
    assert all(f"/admin/claims/claim/{claim.pk}/change/" in email.body_html for claim in claims if claim.reference in listed)
    assert Claim.objects.filter(refund_overdue_flagged_at=now).count() == 0  # flagged at the sweep's moment
    assert Claim.objects.filter(refund_overdue_flagged_at__isnull=False).count() == 3


@pytest.mark.django_db
def test_a_claim_that_fails_is_left_for_the_next_sweep_and_the_others_are_not_lost(demo, monkeypatch):
    now = timezone.now()
    approved = _approved_mirror()
    claims = _copies(approved, 4, ship_by_at=now + timedelta(hours=30), decided_at=now - timedelta(days=5))
    bad = claims[2].pk
    link = sla.claim_shopper_link

    def failing_link(claim):
        if claim.pk == bad:
            raise RuntimeError("a broken claim")
        return link(claim)

    monkeypatch.setattr(sla, "claim_shopper_link", failing_link)
    counts = sla_sweep()
    assert (counts["ship_reminders"], counts["errors"]) == (4, 1)
    levels = dict(Claim.objects.filter(pk__in=[c.pk for c in claims]).values_list("pk", "ship_reminder_level"))
    assert levels == {claim.pk: 0 if claim.pk == bad else 1 for claim in claims}
    assert len(_emails("claim:ship_reminder")) == 4

    monkeypatch.setattr(sla, "claim_shopper_link", link)
    assert sla_sweep()["ship_reminders"] == 1
    assert len(_emails("claim:ship_reminder")) == 5


# --- one sweep at a time: the lease -----------------------------------------------------------


@pytest.mark.django_db
def test_a_sweep_that_finds_the_lease_held_returns_at_once(demo, django_assert_max_num_queries):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        start = timezone.now()
        claim = submitted_claim("IM-80010")
        Claim.objects.filter(pk=claim.pk).update(review_due_at=start - timedelta(hours=1))
        held = scheduled_job_lease_take(name="sla_sweep", seconds=sla.LEASE_SECONDS)
        with django_assert_max_num_queries(3):
            assert sla_sweep() == {**dict.fromkeys(sla.COUNTS, 0), "skipped": "running"}
        assert Claim.objects.get(pk=claim.pk).review_escalation_level == 0

        # a sweep longer than the beat interval renews its lease between batches: still held
        traveller.move_to(start + timedelta(seconds=sla.LEASE_SECONDS - 10))
        held.renew()
        traveller.move_to(start + timedelta(seconds=sla.LEASE_SECONDS + 60))
        assert sla_sweep()["skipped"] == "running"

        # the holder died: its lease expires, the next sweep takes it, works and lets it go
        traveller.move_to(start + timedelta(seconds=2 * sla.LEASE_SECONDS))
        counts = sla_sweep()
        assert "skipped" not in counts and counts["review_escalations"] == 1
        row = ScheduledJobRun.objects.get(name="sla_sweep")
        assert (row.lease_owner, row.lease_until) == ("", None)
        with pytest.raises(LeaseLost):
            held.renew()  # the dead sweep, waking up, stops


@pytest.mark.django_db
def test_the_sweep_renews_its_lease_between_batches(demo, monkeypatch):
    monkeypatch.setattr(sla, "STAFF_BATCH", 2)
    renewals = []
    renew = Lease.renew
    monkeypatch.setattr(Lease, "renew", lambda lease: (renewals.append(lease.owner), renew(lease))[1])
    _overdue_copies(submitted_claim("IM-80010"), 4, due=timezone.now() - timedelta(hours=1))
    assert sla_sweep()["review_escalations"] == 5
    assert len(renewals) == 2 and len(set(renewals)) == 1  # after the batches of 2 and 2; the last has 1


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
        claim=claim, slot_code="all-sides", accept="photo", kind="photo", status=EvidenceFile.Status.READY, original_name="a.jpg"
    )
    ready.file.save("a.jpg", ContentFile(b"sanitised photo"), save=False)
    ready.thumbnail.save("a.jpg", ContentFile(b"thumbnail"), save=False)
    ready.save()
    # the evidence viewer's rendition, kept since its first view
    default_storage.save(evidence_view_rendition_name(item=ready), ContentFile(b"rendition"))
    pending = EvidenceFile(claim=claim, slot_code="packaging", accept="photo", original_name="b.jpg")
    pending.incoming.save("b.jpg", ContentFile(b"as uploaded"), save=False)
    pending.save()
    names = [ready.file.name, ready.thumbnail.name, pending.incoming.name, evidence_view_rendition_name(item=ready)]
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


def test_the_reminder_index_covers_every_reminder_level():
    """The partial index the reminder step reads (claims.models.SLA_REMINDER_PENDING)
    keeps the returns with a reminder level still to do: as many levels as SHIP_REMINDERS."""
    from django.db.models import Q

    from claims.models import SLA_REMINDER_PENDING
    from claims.sla import SHIP_REMINDERS

    assert Q(status=ClaimStatus.APPROVED_AWAITING_RETURN, ship_reminder_level__lt=max(SHIP_REMINDERS)) == SLA_REMINDER_PENDING
