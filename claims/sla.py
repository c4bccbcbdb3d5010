"""The SLA sweeps over the claim clocks (run every minute by beat: claims.tasks.sla_sweep_task)
and the evidence retention sweep (daily: claims.tasks.evidence_retention_task).

Each step is taken once per claim, clock and level, also when two sweeps run at the same
time or one catches up after hours of downtime:
- due claims are found by indexed range queries on the clock fields;
- each claim is handled in its own transaction, its row locked with SELECT ... FOR UPDATE
  SKIP LOCKED (a row another sweep holds is that sweep's to handle);
- under the lock the condition and the "level done" marker are read again, and the marker
  is written in the same transaction as the outbox e-mails it stands for.
On SQLite (no row locks) the write transactions are IMMEDIATE, so they run one after the
other, and the re-check under the "lock" is what keeps a step from being repeated.

The markers (Claim fields) change no claim state and do not bump row_version: a reviewer
with the claim open is not told that the claim changed because it was escalated."""

import logging
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accounts import access
from accounts.roles import StaffRole
from claims.models import Claim, EvidenceFile
from claims.notifications import claim_link_days, claim_shopper_link
from claims.services import ClaimChanged, TransitionNotAllowed, claim_close_finished, claim_expire
from claims.states import AUTO_CLOSE_STATES, OPEN_STATES, REVIEW_CLOCK_STATES, ClaimStatus
from notifications.services import email_enqueue_template
from orders.models import Store
from policies.calendar import BusinessCalendar
from policies.selectors import store_calendar

logger = logging.getLogger(__name__)

# ship-by reminder level -> how long before the ship-by time it is due
SHIP_REMINDERS: dict[int, timedelta] = {1: timedelta(hours=48), 2: timedelta(hours=24)}
# the second escalation: this many working days (of the store's working time) after the review was due
SECOND_ESCALATION_WORKING_DAYS = 1

KIND_SHIP_REMINDER = "claim:ship_reminder"
KIND_ESCALATION = "staff:escalation"
KIND_REFUND_OVERDUE = "staff:refund_overdue"


class _Sweep:
    """One sweep's moment, and what it looked up once per store."""

    def __init__(self, now: datetime):
        self.now = now
        self._stores: dict[int, Store] = {}
        self._calendars: dict[int, BusinessCalendar] = {}
        self._managers: dict[int, list[str]] = {}

    def store(self, store_id: int) -> Store:
        if store_id not in self._stores:
            self._stores[store_id] = Store.objects.get(pk=store_id)
        return self._stores[store_id]

    def calendar(self, store_id: int) -> BusinessCalendar:
        if store_id not in self._calendars:
            self._calendars[store_id] = store_calendar(store=self.store(store_id), around=self.now)
        return self._calendars[store_id]

    def managers(self, store_id: int) -> list[str]:
        """E-mail addresses of the store's active managers."""
        if store_id not in self._managers:
            managers = access.store_staff(store_id, roles={StaffRole.MANAGER}).exclude(email="")
            self._managers[store_id] = list(managers.values_list("email", flat=True))
        return self._managers[store_id]


def _locked(queryset: QuerySet) -> Claim | None:
    """The claim row if it still matches and no other sweep holds it (inside a transaction)."""
    return queryset.select_for_update(skip_locked=True).first()


def _each(ids: Iterable[int], handle: Callable[[int], bool], what: str, counts: dict) -> None:
    """Handle each claim on its own: one that fails is logged and retried by the next sweep."""
    for claim_id in ids:
        try:
            if handle(claim_id):
                counts[what] += 1
        except Exception:
            logger.exception("SLA sweep: %s failed for claim %s", what, claim_id)
            counts["errors"] += 1


def sla_sweep(*, now: datetime | None = None) -> dict:
    """Waive the returns not shipped in time, remind shoppers before the ship-by time,
    escalate overdue reviews to the managers, flag overdue refunds and close finished
    claims after the store's close_claims_after_days. Returns how many
    claims each step acted on. `now` is for tests; the waiver itself is checked against
    the real clock by claims.services.claim_expire."""
    sweep = _Sweep(now or timezone.now())
    counts = {"expired": 0, "ship_reminders": 0, "review_escalations": 0, "refunds_overdue": 0, "closed": 0, "errors": 0}
    _each(_ship_by_passed(sweep), partial(_waive, sweep), "expired", counts)
    _each(_ship_reminders_due(sweep), partial(_ship_remind, sweep), "ship_reminders", counts)
    _each(_reviews_to_escalate(sweep), partial(_escalate_review, sweep), "review_escalations", counts)
    _each(_refunds_overdue(sweep), partial(_flag_refund_overdue, sweep), "refunds_overdue", counts)
    _each(_finished_to_close(sweep), _close_finished, "closed", counts)
    if any(counts.values()):
        logger.info("SLA sweep at %s: %s", sweep.now.isoformat(), counts)
    return counts


# --- links and dates in the store's time zone --------------------------------------------


def _local(store: Store, moment: datetime | None, format_: str = "j M Y, H:i") -> str:
    if moment is None:
        return "—"
    with timezone.override(store.time_zone):
        return formats.date_format(timezone.localtime(moment), format_)


def _staff_link(claim: Claim) -> str:
    return settings.PORTAL_BASE_URL + reverse("admin:claims_claim_change", args=[claim.pk])


# --- ship-by: waive, and remind before -------------------------------------------------


def _ship_by_passed(sweep: _Sweep) -> list[int]:
    return list(
        Claim.objects.filter(status=ClaimStatus.APPROVED_AWAITING_RETURN, ship_by_at__lte=sweep.now)
        .order_by("ship_by_at")
        .values_list("pk", flat=True)
    )


def _waive(sweep: _Sweep, claim_id: int) -> bool:
    """Through the state machine: claim_expire writes the event and the shopper's e-mail."""
    try:
        with transaction.atomic():
            queryset = Claim.objects.filter(
                pk=claim_id, status=ClaimStatus.APPROVED_AWAITING_RETURN, ship_by_at__lte=sweep.now
            )
            if _locked(queryset) is None:
                return False
            claim_expire(claim_id=claim_id)
    except (ClaimChanged, TransitionNotAllowed):
        return False  # shipped, received or withdrawn meanwhile
    return True


def _ship_reminders_due(sweep: _Sweep) -> list[int]:
    due = Q()
    for level, before in SHIP_REMINDERS.items():
        due |= Q(ship_by_at__lte=sweep.now + before, ship_reminder_level__lt=level)
    return list(
        Claim.objects.filter(status=ClaimStatus.APPROVED_AWAITING_RETURN, ship_by_at__gt=sweep.now)
        .filter(due)
        .order_by("ship_by_at")
        .values_list("pk", flat=True)
    )


def _ship_reminder_level_due(ship_by_at: datetime, now: datetime) -> int:
    """The latest reminder level due by now (a sweep after downtime sends only that one)."""
    return max((level for level, before in SHIP_REMINDERS.items() if ship_by_at - before <= now), default=0)


def _ship_remind(sweep: _Sweep, claim_id: int) -> bool:
    with transaction.atomic():
        claim = _locked(
            Claim.objects.filter(pk=claim_id, status=ClaimStatus.APPROVED_AWAITING_RETURN, ship_by_at__gt=sweep.now)
        )
        if claim is None:
            return False
        level = _ship_reminder_level_due(claim.ship_by_at, sweep.now)
        if level <= claim.ship_reminder_level:
            return False
        # A claim approved after this reminder was due already has the ship-by date in its
        # approval e-mail: the level is marked done without a second e-mail.
        remind = claim.decided_at is None or claim.decided_at <= claim.ship_by_at - SHIP_REMINDERS[level]
        if remind:
            _send_ship_reminder(sweep, claim, level)
        Claim.objects.filter(pk=claim.pk).update(ship_reminder_level=level)
    return remind


def _send_ship_reminder(sweep: _Sweep, claim: Claim, level: int) -> None:
    store = sweep.store(claim.store_id)
    email_enqueue_template(
        to=claim.shopper_email,
        template="ship_reminder",
        context={
            "claim": claim,
            "level": level,
            "ship_by": _local(store, claim.ship_by_at, "j M Y"),
            "time_zone": str(store.time_zone),
            "link": claim_shopper_link(claim),
            "link_days": claim_link_days(claim),
        },
        kind=KIND_SHIP_REMINDER,
        store=store,
    )


# --- overdue reviews: escalate to the managers, twice at most per review clock ---------------


def _reviews_to_escalate(sweep: _Sweep) -> list[int]:
    """Overdue reviews whose next escalation level is due. Escalations count per review
    clock: a new clock (information provided, an appeal) starts again at level 0."""
    rows = (
        Claim.objects.filter(status__in=REVIEW_CLOCK_STATES, review_due_at__lt=sweep.now)
        .exclude(review_escalation_clock=F("review_due_at"), review_escalation_level__gte=2)
        .order_by("review_due_at")
        .values_list("pk", "store_id", "review_due_at", "review_escalation_clock", "review_escalation_level")
    )
    return [
        pk
        for pk, store_id, due_at, clock, level in rows
        if _escalation_level_due(sweep, store_id, due_at) > (level if clock == due_at else 0)
    ]


def _escalation_level_due(sweep: _Sweep, store_id: int, due_at: datetime) -> int:
    if due_at >= sweep.now:
        return 0
    second = sweep.calendar(store_id).add_working_days_of_time(due_at, SECOND_ESCALATION_WORKING_DAYS)
    return 2 if second <= sweep.now else 1


def _escalate_review(sweep: _Sweep, claim_id: int) -> bool:
    with transaction.atomic():
        claim = _locked(Claim.objects.filter(pk=claim_id, status__in=REVIEW_CLOCK_STATES, review_due_at__lt=sweep.now))
        if claim is None:
            return False
        done = claim.review_escalation_level if claim.review_escalation_clock == claim.review_due_at else 0
        level = _escalation_level_due(sweep, claim.store_id, claim.review_due_at)
        if level <= done:
            return False
        store = sweep.store(claim.store_id)
        values = {"ref": claim.reference, "level": level, "due": _local(store, claim.review_due_at)}
        if level == 1:
            headline = _("Review overdue: claim %(ref)s (level %(level)d)") % values
            body = _("The review was due on %(due)s and the claim has not been decided yet.") % values
        else:
            headline = _("Review still overdue: claim %(ref)s (level %(level)d)") % values
            body = _("The review was due on %(due)s; a working day later the claim is still not decided.") % values
        _email_managers(sweep, claim, kind=KIND_ESCALATION, headline=headline, body=body, level=level)
        Claim.objects.filter(pk=claim.pk).update(
            review_escalation_level=level,
            review_escalation_clock=claim.review_due_at,
            review_escalated_at=sweep.now if done == 0 else claim.review_escalated_at,
        )
    return True


# --- overdue refunds: flag once, tell the managers once ------------------------------------


def _refunds_overdue(sweep: _Sweep) -> list[int]:
    return list(
        Claim.objects.filter(
            refund_due_at__lt=sweep.now, refund_overdue_flagged_at__isnull=True, status__in=OPEN_STATES
        )
        .order_by("refund_due_at")
        .values_list("pk", flat=True)
    )


def _flag_refund_overdue(sweep: _Sweep, claim_id: int) -> bool:
    with transaction.atomic():
        claim = _locked(
            Claim.objects.filter(
                pk=claim_id, refund_due_at__lt=sweep.now, refund_overdue_flagged_at__isnull=True, status__in=OPEN_STATES
            )
        )
        if claim is None:
            return False
        store = sweep.store(claim.store_id)
        values = {"ref": claim.reference, "due": _local(store, claim.refund_due_at)}
        _email_managers(
            sweep,
            claim,
            kind=KIND_REFUND_OVERDUE,
            headline=_("Refund overdue: claim %(ref)s") % values,
            body=_("The refund was due by %(due)s and has not been recorded yet.") % values,
        )
        Claim.objects.filter(pk=claim.pk).update(refund_overdue_flagged_at=sweep.now)
    return True


def _email_managers(
    sweep: _Sweep, claim: Claim, *, kind: str, headline: str, body: str, level: int | None = None
) -> int:
    """One outbox row per manager of the claim's store, in the caller's transaction."""
    store = sweep.store(claim.store_id)
    recipients = sweep.managers(store.pk)
    if not recipients:
        logger.warning("SLA sweep: %s for claim %s, but %s has no active manager", kind, claim.reference, store.slug)
    facts = [
        (_("Claim"), claim.reference or "—"),
        (_("Status"), claim.get_status_display()),
        (_("Reason"), claim.reason_label),
        (_("Shopper"), claim.shopper_email),
        *(
            (label, _local(store, moment))
            for label, moment in (
                (_("Submitted"), claim.submitted_at),
                (_("Review due"), claim.review_due_at),
                (_("Refund due"), claim.refund_due_at),
            )
            if moment is not None
        ),
        (_("Time zone"), str(store.time_zone)),
    ]
    for to in recipients:
        email_enqueue_template(
            to=to,
            template="sla_staff",
            context={
                "claim": claim,
                "headline": headline,
                "body": body,
                "facts": facts,
                "level": level,
                "link": _staff_link(claim),
            },
            kind=kind,
            store=store,
        )
    return len(recipients)


# --- evidence retention --------------------------------------------------------------------


# --- finished claims close themselves ----------------------------------------------------

CLOSE_BATCH = 500


def _finished_to_close(sweep: _Sweep) -> list[int]:
    """Finished claims whose store's waiting time has passed, oldest first; one query
    per store (each store has its own number of days), at most CLOSE_BATCH a sweep."""
    ids: list[int] = []
    for store_id, days in Store.objects.values_list("pk", "close_claims_after_days"):
        ids += Claim.objects.filter(
            store_id=store_id,
            status__in=AUTO_CLOSE_STATES,
            status_changed_at__lte=sweep.now - timedelta(days=days),
        ).order_by("status_changed_at").values_list("pk", flat=True)[: CLOSE_BATCH - len(ids)]
        if len(ids) >= CLOSE_BATCH:
            break
    return ids


def _close_finished(claim_id: int) -> bool:
    """Through the state machine: claim_close_finished writes the event and the e-mail."""
    try:
        with transaction.atomic():
            if _locked(Claim.objects.filter(pk=claim_id, status__in=AUTO_CLOSE_STATES)) is None:
                return False
            claim_close_finished(claim_id=claim_id)
    except (ClaimChanged, TransitionNotAllowed):
        return False  # appealed meanwhile, or not yet due by the real clock
    return True


def evidence_retention_sweep(*, now: datetime | None = None, days: int = 180) -> int:
    """Delete the stored files (file, thumbnail, incoming) of the evidence of claims closed
    more than `days` ago. The EvidenceFile rows stay, as DELETED with deleted_at, the record
    that the files existed. Files are deleted after the commit; a file that could not be
    deleted is tried again by the next sweep. Returns the rows newly marked DELETED."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=days)
    due = list(
        Claim.objects.filter(status=ClaimStatus.CLOSED, closed_at__lt=cutoff, evidence_purged_at__isnull=True)
        .order_by("closed_at")
        .values_list("pk", flat=True)
    )
    deleted = 0
    for claim_id in due:
        try:
            deleted += _purge_evidence(claim_id, now=now, cutoff=cutoff)
        except Exception:
            logger.exception("evidence retention failed for claim %s", claim_id)
    if deleted:
        logger.info("evidence retention: %d files' rows marked deleted", deleted)
    return deleted


def _purge_evidence(claim_id: int, *, now: datetime, cutoff: datetime) -> int:
    with transaction.atomic():
        claim = _locked(
            Claim.objects.filter(
                pk=claim_id, status=ClaimStatus.CLOSED, closed_at__lt=cutoff, evidence_purged_at__isnull=True
            )
        )
        if claim is None:
            return 0
        rows = list(
            EvidenceFile.objects.select_for_update()
            .filter(claim_id=claim_id)
            .exclude(status=EvidenceFile.Status.DELETED, file="", thumbnail="", incoming="")
        )
        fresh = [row.pk for row in rows if row.status != EvidenceFile.Status.DELETED]
        if fresh:
            EvidenceFile.objects.filter(pk__in=fresh).update(status=EvidenceFile.Status.DELETED, deleted_at=now)
        stored = [(row.pk, [(f.storage, f.name) for f in (row.file, row.thumbnail, row.incoming) if f]) for row in rows]
        transaction.on_commit(partial(_delete_stored_files, claim_id, stored, now), robust=True)
    return len(fresh)


def _delete_stored_files(claim_id: int, stored: list, now: datetime) -> None:
    complete = True
    for row_id, files in stored:
        try:
            for storage, name in files:
                storage.delete(name)
        except Exception:
            logger.exception("evidence %s: files not deleted; the next retention sweep tries again", row_id)
            complete = False
            continue
        EvidenceFile.objects.filter(pk=row_id).update(file="", thumbnail="", incoming="")
    if complete:
        Claim.objects.filter(pk=claim_id, evidence_purged_at__isnull=True).update(evidence_purged_at=now)
