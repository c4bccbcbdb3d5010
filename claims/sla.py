"""The SLA sweeps over the claim clocks (run every minute by beat: claims.tasks.sla_sweep_task)
and the evidence retention sweep (daily: claims.tasks.evidence_retention_task).

Each step is taken once per claim, clock and level, also when two sweeps are started at
the same time, one outlives the beat interval, or one catches up after hours of downtime:
- one sweep runs at a time: it holds a lease (notifications.ScheduledJobRun "sla_sweep",
  one conditional UPDATE), renewed between batches and released at the end; a sweep that
  finds it held returns at once ("skipped": "running"); a sweep that died leaves it to
  expire after LEASE_SECONDS;
- each step is set-based: its due claims are read by an index range query (the partial
  indexes of claims.models SLA_*), a batch at a time, each batch in its own transaction
  with its rows locked (SELECT ... FOR UPDATE SKIP LOCKED: a row someone is changing right
  now is left for the next sweep), so the conditions are read under the lock;
- the "level done" markers are written by one UPDATE per batch (and level), in the same
  transaction as the outbox e-mails they stand for (queued in bulk) and, for the waiver
  and the close, the state change, its audit events and the shopper's e-mails, through the
  claim's one write path (claims.services.commands.claim_command_many);
- a batch that fails is taken again claim by claim: a bad claim is logged, counted in
  "errors" and retried by the next sweep; the others are not lost.
On SQLite (no row locks) the write transactions are IMMEDIATE, so they run one after the
other, and the conditions read inside them keep a step from being repeated.

The markers (Claim fields) change no claim state and do not bump row_version: a reviewer
with the claim open is not told that the claim changed because it was escalated.

Managers get one e-mail per store and kind (overdue reviews, overdue refunds) per sweep,
listing the claims (the first DIGEST_LIST, then how many more, and a link to the admin
queue's overdue filter), not one e-mail per claim: a backlog of 3,000 overdue reviews is
one e-mail (one per STAFF_BATCH claims). A single claim gets the e-mail about that claim."""

import logging
import operator
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial, reduce

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accounts import access
from accounts.roles import StaffRole
from claims.evidence import evidence_stored_files
from claims.models import (
    SLA_AWAITING_RETURN,
    SLA_ESCALATION_PENDING,
    SLA_FINISHED,
    SLA_REFUND_UNFLAGGED,
    SLA_REMINDER_PENDING,
    SLA_TURNAROUND_UNFLAGGED,
    Claim,
    EvidenceFile,
)
from claims.notifications import claim_link_days, claim_shopper_link
from claims.services import claim_close_finished_many, claim_expire_many
from claims.states import ClaimStatus
from notifications.services import (
    EmailSlot,
    Lease,
    LeaseLost,
    email_enqueue_template,
    email_enqueue_template_many,
    scheduled_job_lease,
)
from orders.models import Store
from policies.calendar import BusinessCalendar
from policies.selectors import store_calendar
from policies.time_words import deadline_date_and_zone

logger = logging.getLogger(__name__)

# ship-by reminder level -> how long before the ship-by time it is due
SHIP_REMINDERS: dict[int, timedelta] = {1: timedelta(hours=48), 2: timedelta(hours=24)}
# the second escalation: this many working days (of the store's working time) after the review was due
SECOND_ESCALATION_WORKING_DAYS = 1

KIND_SHIP_REMINDER = "claim:ship_reminder"
KIND_ESCALATION = "staff:escalation"
KIND_REFUND_OVERDUE = "staff:refund_overdue"
KIND_TURNAROUND_REMINDER = "staff:turnaround_reminder"
KIND_TURNAROUND_OVERDUE = "staff:turnaround_overdue"
TURNAROUND_KINDS = (KIND_TURNAROUND_REMINDER, KIND_TURNAROUND_OVERDUE)
# the managers are reminded this long before a repair / replacement is due
TURNAROUND_REMINDER = timedelta(hours=48)

LEASE_NAME = "sla_sweep"
# a sweep renews it between batches (each takes a second or two): only a dead sweep lets it expire
LEASE_SECONDS = 120
BATCH = 1000  # claims per transaction: waivers, reminders, closes
STAFF_BATCH = 5000  # overdue claims per transaction, and per manager e-mail
CLOSE_LIMIT = 5000  # closes per sweep: a backlog (a store shortening its days) drains over the next minutes
DIGEST_LIST = 50  # claims listed by name in a manager's e-mail


class _Sweep:
    """One sweep's moment, its lease, and what it looked up once per store."""

    def __init__(self, now: datetime, lease: Lease):
        self.now = now
        self.lease = lease
        self._stores: dict[int, Store] | None = None
        self._calendars: dict[int, BusinessCalendar] = {}
        self._managers: dict[int, list[str]] = {}
        self._second_escalation: dict[int, datetime] = {}

    @property
    def stores(self) -> dict[int, Store]:
        if self._stores is None:
            self._stores = Store.objects.in_bulk()
        return self._stores

    def store(self, store_id: int) -> Store:
        return self.stores[store_id]

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

    def second_escalation_until(self, store_id: int) -> datetime:
        """The latest review due time whose second escalation is due by now (one working
        day of the store's later): adding working time never goes back, so the due times
        whose second escalation is due are the ones up to this moment (found by halving)."""
        if store_id not in self._second_escalation:
            calendar = self.calendar(store_id)

            def due(moment: datetime) -> bool:
                return calendar.add_working_days_of_time(moment, SECOND_ESCALATION_WORKING_DAYS) <= self.now

            early, late = self.now - timedelta(days=400), self.now  # due(early), not due(late)
            while late - early > timedelta(microseconds=1):
                middle = early + (late - early) / 2
                early, late = (middle, late) if due(middle) else (early, middle)
            self._second_escalation[store_id] = early
        return self._second_escalation[store_id]


COUNTS = ("expired", "ship_reminders", "review_escalations", "refunds_overdue", "closed", "errors", "turnaround_reminders", "turnarounds_overdue")


def sla_sweep(*, now: datetime | None = None) -> dict:
    """Waive the returns not shipped in time, remind shoppers before the ship-by time,
    escalate overdue reviews to the managers, flag overdue refunds and close finished
    claims after the store's close_claims_after_days. Returns how many claims each step
    acted on, with "skipped": "running" when another sweep holds the lease. `now` is for
    tests; the waiver and the close are checked against the real clock by their services."""
    counts: dict = dict.fromkeys(COUNTS, 0)
    with scheduled_job_lease(name=LEASE_NAME, seconds=LEASE_SECONDS) as lease:
        if lease is None:
            logger.info("SLA sweep skipped: another sweep is running")
            return {**counts, "skipped": "running"}
        sweep = _Sweep(now or timezone.now(), lease)
        for what, step in STEPS:
            try:
                step(sweep, counts)
            except LeaseLost:
                logger.warning("SLA sweep stopped: it outlived its lease and another sweep took over")
                counts["skipped"] = "lease lost"
                break
            except Exception:
                logger.exception("SLA sweep: the %s step failed; the next sweep tries again", what)
                counts["errors"] += 1
    if any(value for key, value in counts.items() if key != "skipped"):
        logger.info("SLA sweep at %s: %s", sweep.now.isoformat(), counts)
    return counts


# --- batches -------------------------------------------------------------------------------

Select = Callable[..., list[Claim]]


def _run(
    sweep: _Sweep,
    counts: dict,
    what: str,
    due: QuerySet,
    handle: Callable[[list[Claim]], int],
    *,
    order: str,
    fields: tuple[str, ...],
    related: tuple[str, ...] = (),
    size: int = BATCH,
    limit: int | None = None,
    probe: bool = True,
) -> None:
    """Take a step on its `due` claims: first one index range probe ("is anything due",
    no transaction), then a batch at a time (keyset on `order`, pk), each batch in its own
    transaction, read and locked by one query; `handle` acts on the rows and returns how
    many it acted on. A failed batch is taken again claim by claim."""
    if probe and not due.exists():  # probe=False: the caller's probe covered it
        return
    select = partial(_due_rows, due, order=order, fields=fields, related=related)
    after = None
    seen = 0
    while True:
        rows: list[Claim] = []
        try:
            with transaction.atomic():
                rows = select(after=after, size=size)
                if rows:
                    counts[what] += handle(rows)
        except Exception:
            if not rows:
                raise
            logger.exception("SLA sweep: %s failed for a batch of %d claims; taking them one by one", what, len(rows))
            _one_by_one(counts, what, select, handle, [row.pk for row in rows])
        if len(rows) < size:
            return
        seen += len(rows)
        if limit is not None and seen >= limit:
            return
        after = (getattr(rows[-1], order), rows[-1].pk)
        sweep.lease.renew()


def _one_by_one(counts: dict, what: str, select: Select, handle: Callable[[list[Claim]], int], ids: list[int]) -> None:
    for claim_id in ids:
        try:
            with transaction.atomic():
                rows = select(after=None, size=1, ids=[claim_id])
                if rows:
                    counts[what] += handle(rows)
        except Exception:
            logger.exception("SLA sweep: %s failed for claim %s", what, claim_id)
            counts["errors"] += 1


def _due_rows(
    queryset: QuerySet,
    *,
    order: str,
    after: tuple | None,
    size: int,
    ids: list[int] | None = None,
    fields: tuple[str, ...],
    related: tuple[str, ...] = (),
) -> list[Claim]:
    """The next `size` due rows after `after`, locked; rows another transaction holds are
    skipped (that transaction's to finish; the next sweep finds them again if still due)."""
    if ids is not None:
        queryset = queryset.filter(pk__in=ids)
    if after is not None:
        moment, pk = after
        queryset = queryset.filter(Q(**{f"{order}__gt": moment}) | Q(**{order: moment, "pk__gt": pk}))
    queryset = queryset.select_for_update(skip_locked=True, of=("self",)).order_by(order, "pk").only(*fields)
    if related:
        queryset = queryset.select_related(*related)
    return list(queryset[:size])


# --- links and dates in the store's time zone --------------------------------------------


def _local(store: Store, moment: datetime | None, format_: str = "j M Y, H:i") -> str:
    if moment is None:
        return "—"
    with timezone.override(store.time_zone):
        return formats.date_format(timezone.localtime(moment), format_)


def _staff_link(claim: Claim) -> str:
    return settings.PORTAL_BASE_URL + reverse("admin:claims_claim_change", args=[claim.pk])


def _overdue_queue_link() -> str:
    return settings.PORTAL_BASE_URL + reverse("admin:claims_claim_changelist") + "?clock=overdue"


# --- ship-by: waive, and remind before -------------------------------------------------


def _waive(sweep: _Sweep, counts: dict) -> None:
    """Through the state machine: claim_expire_many writes the events and the e-mails."""
    due = Claim.objects.filter(SLA_AWAITING_RETURN, ship_by_at__lte=sweep.now)

    def handle(rows: list[Claim]) -> int:
        return len(claim_expire_many(claim_ids=[row.pk for row in rows]))

    _run(sweep, counts, "expired", due, handle, order="ship_by_at", fields=("pk", "ship_by_at"))


def _ship_reminder_level_due(ship_by_at: datetime, now: datetime) -> int:
    """The latest reminder level due by now (a sweep after downtime sends only that one)."""
    return max((level for level, before in SHIP_REMINDERS.items() if ship_by_at - before <= now), default=0)


SHIP_REMINDER_FIELDS = (
    "pk", "store", "order", "order__customer_email", "reference", "rma_number", "shopper_email",
    "ship_by_at", "decided_at", "ship_reminder_level", "shopper_timezone",
)  # fmt: skip


def _ship_remind(sweep: _Sweep, counts: dict) -> None:
    # a level is due when the ship-by time is that close and the levels done are fewer
    # (the range of the first reminder, as a bound of its own: the index range PostgreSQL reads)
    due = Claim.objects.filter(
        SLA_REMINDER_PENDING,
        ship_by_at__gt=sweep.now,
        ship_by_at__lte=sweep.now + max(SHIP_REMINDERS.values()),
    ).filter(
        reduce(
            operator.or_,
            (
                Q(ship_reminder_level__in=list(range(level)), ship_by_at__lte=sweep.now + before)
                for level, before in SHIP_REMINDERS.items()
            ),
        )
    )

    def handle(rows: list[Claim]) -> int:
        levels: dict[int, list[int]] = defaultdict(list)
        emails: dict[tuple, list[tuple[str, dict]]] = defaultdict(list)
        for claim in rows:
            level = _ship_reminder_level_due(claim.ship_by_at, sweep.now)
            if level <= claim.ship_reminder_level:
                continue
            levels[level].append(claim.pk)
            # A claim approved after this reminder was due already has the ship-by date in its
            # approval e-mail: the level is marked done without a second e-mail.
            if claim.decided_at is None or claim.decided_at <= claim.ship_by_at - SHIP_REMINDERS[level]:
                claim.store = store = sweep.store(claim.store_id)
                # in the shopper's zone (kept on the claim), the store's named when it differs
                ship_by, zone_words = deadline_date_and_zone(claim.ship_by_at, store_zone=str(store.time_zone), viewer_zone=claim.shopper_timezone)
                values = {
                    "reference": claim.reference,
                    "rma": claim.rma_number,
                    "ship_by": ship_by,
                    "time_zone": zone_words,
                    "link": claim_shopper_link(claim),
                }
                emails[(claim.store_id, level, claim_link_days(claim))].append((claim.shopper_email, values))
        for level, ids in levels.items():
            Claim.objects.filter(pk__in=ids).update(ship_reminder_level=level)
        for (store_id, level, link_days), messages in emails.items():
            store = sweep.store(store_id)
            email_enqueue_template_many(
                template="ship_reminder",
                context={
                    "claim": {"reference": EmailSlot("reference"), "rma_number": EmailSlot("rma")},
                    "level": level,
                    "ship_by": EmailSlot("ship_by"),
                    "time_zone": EmailSlot("time_zone"),
                    "link": EmailSlot("link"),
                    "link_days": link_days,
                },
                messages=messages,
                kind=KIND_SHIP_REMINDER,
                store=store,
            )
        return sum(len(messages) for messages in emails.values())

    _run(
        sweep,
        counts,
        "ship_reminders",
        due,
        handle,
        order="ship_by_at",
        fields=SHIP_REMINDER_FIELDS,
        related=("order",),
    )


# --- overdue reviews: escalate to the managers, twice at most per review clock ---------------


ESCALATION_FIELDS = (
    "pk", "store", "reference", "status", "reason_label", "shopper_email", "submitted_at", "review_due_at",
    "refund_due_at", "review_escalation_level", "review_escalation_clock", "review_escalated_at",
)  # fmt: skip


def _escalate_reviews(sweep: _Sweep, counts: dict) -> None:
    """Overdue reviews whose next escalation level is due. Escalations count per review
    clock: a new clock (information provided, an appeal) starts again at level 0."""
    overdue = Claim.objects.filter(SLA_ESCALATION_PENDING, review_due_at__lt=sweep.now)
    if not overdue.exists():
        return
    second_until = {store_id: sweep.second_escalation_until(store_id) for store_id in sweep.stores}
    none_done = (
        Q(review_escalation_clock__isnull=True)
        | ~Q(review_escalation_clock=F("review_due_at"))
        | Q(review_escalation_level=0)
    )
    second_due = Q(review_escalation_level__lt=2) & reduce(
        operator.or_, (Q(store_id=store_id, review_due_at__lte=until) for store_id, until in second_until.items())
    )

    def handle(rows: list[Claim]) -> int:
        updates: dict[tuple[int, bool], list[int]] = defaultdict(list)
        escalated: list[tuple[Claim, int]] = []
        for claim in rows:
            done = claim.review_escalation_level if claim.review_escalation_clock == claim.review_due_at else 0
            level = 2 if claim.review_due_at <= second_until[claim.store_id] else 1
            if level <= done:
                continue
            updates[(level, done == 0)].append(claim.pk)
            escalated.append((claim, level))
        for (level, first), ids in updates.items():
            Claim.objects.filter(pk__in=ids).update(
                review_escalation_level=level,
                review_escalation_clock=F("review_due_at"),
                **({"review_escalated_at": sweep.now} if first else {}),
            )
        _tell_managers(sweep, KIND_ESCALATION, escalated)
        return len(escalated)

    due = overdue.filter(none_done | second_due)
    _run(
        sweep,
        counts,
        "review_escalations",
        due,
        handle,
        order="review_due_at",
        fields=ESCALATION_FIELDS,
        size=STAFF_BATCH,
    )


# --- overdue refunds: flag once, tell the managers once ------------------------------------


def _flag_refunds_overdue(sweep: _Sweep, counts: dict) -> None:
    due = Claim.objects.filter(SLA_REFUND_UNFLAGGED, refund_due_at__lt=sweep.now)

    def handle(rows: list[Claim]) -> int:
        Claim.objects.filter(pk__in=[row.pk for row in rows]).update(refund_overdue_flagged_at=sweep.now)
        _tell_managers(sweep, KIND_REFUND_OVERDUE, [(claim, None) for claim in rows])
        return len(rows)

    _run(
        sweep, counts, "refunds_overdue", due, handle, order="refund_due_at", fields=ESCALATION_FIELDS, size=STAFF_BATCH
    )


# --- the repair / replacement turnaround: remind before it is due, flag it overdue ---------


TURNAROUND_FIELDS = (
    "pk", "store", "reference", "status", "reason_label", "shopper_email", "submitted_at", "outcome",
    "review_due_at", "refund_due_at", "turnaround_due_at", "turnaround_reminded_at", "turnaround_overdue_flagged_at",
)  # fmt: skip


def _turnaround(sweep: _Sweep, counts: dict) -> None:
    """One probe for both (the turnaround index, due within the reminder's lead), then the
    overdue flags (once per claim) and the reminders (once per claim, only while not due)."""
    if not Claim.objects.filter(SLA_TURNAROUND_UNFLAGGED, turnaround_due_at__lte=sweep.now + TURNAROUND_REMINDER).exists():
        return
    overdue = Claim.objects.filter(SLA_TURNAROUND_UNFLAGGED, turnaround_due_at__lt=sweep.now)

    def flag(rows: list[Claim]) -> int:
        Claim.objects.filter(pk__in=[row.pk for row in rows]).update(turnaround_overdue_flagged_at=sweep.now)
        _tell_managers(sweep, KIND_TURNAROUND_OVERDUE, [(claim, None) for claim in rows])
        return len(rows)

    _run(sweep, counts, "turnarounds_overdue", overdue, flag, order="turnaround_due_at", fields=TURNAROUND_FIELDS, size=STAFF_BATCH, probe=False)
    soon = Claim.objects.filter(
        SLA_TURNAROUND_UNFLAGGED,
        turnaround_due_at__gte=sweep.now,
        turnaround_due_at__lte=sweep.now + TURNAROUND_REMINDER,
        turnaround_reminded_at__isnull=True,
    )

    def remind(rows: list[Claim]) -> int:
        Claim.objects.filter(pk__in=[row.pk for row in rows]).update(turnaround_reminded_at=sweep.now)
        _tell_managers(sweep, KIND_TURNAROUND_REMINDER, [(claim, None) for claim in rows])
        return len(rows)

    _run(sweep, counts, "turnaround_reminders", soon, remind, order="turnaround_due_at", fields=TURNAROUND_FIELDS, size=STAFF_BATCH, probe=False)


def _turnaround_texts(store: Store, kind: str, claim: Claim) -> tuple[str, str]:
    values = {"ref": claim.reference, "due": _local(store, claim.turnaround_due_at), "outcome": claim.get_outcome_display().lower()}
    if kind == KIND_TURNAROUND_OVERDUE:
        return (
            _("Repair / replacement overdue: claim %(ref)s") % values,
            _("The %(outcome)s promised by the policy was due by %(due)s and the claim is not resolved yet.") % values,
        )
    return (
        _("Repair / replacement due soon: claim %(ref)s") % values,
        _("The %(outcome)s promised by the policy is due by %(due)s; resolve the claim when it has shipped.") % values,
    )


def _turnaround_digest(store: Store, kind: str, items: list[tuple[Claim, int | None]]) -> dict:
    count = len(items)
    rows = [
        {
            "reference": claim.reference,
            "detail": _("%(outcome)s due %(due)s") % {"outcome": claim.get_outcome_display(), "due": _local(store, claim.turnaround_due_at)},
            "link": _staff_link(claim),
        }
        for claim, _level in items[:DIGEST_LIST]
    ]
    if kind == KIND_TURNAROUND_OVERDUE:
        headline = _("Repairs / replacements overdue: %(count)d claims") % {"count": count}
        body = _("The repairs or replacements these claims were promised are overdue.")
    else:
        headline = _("Repairs / replacements due soon: %(count)d claims") % {"count": count}
        body = _("The repairs or replacements these claims were promised are due within two days.")
    return {"headline": headline, "body": body, "rows": rows, "more": count - len(rows), "queue_link": _overdue_queue_link()}


# --- the managers' e-mails -------------------------------------------------------------------


def _tell_managers(sweep: _Sweep, kind: str, claims: list[tuple[Claim, int | None]]) -> None:
    """Per store, one e-mail to each active manager (outbox rows, in the caller's
    transaction): about the claim when there is one, else listing them."""
    by_store: dict[int, list[tuple[Claim, int | None]]] = defaultdict(list)
    for claim, level in claims:
        by_store[claim.store_id].append((claim, level))
    for store_id, items in by_store.items():
        store = sweep.store(store_id)
        recipients = sweep.managers(store_id)
        if not recipients:
            logger.warning("SLA sweep: %s for %d claim(s), but %s has no active manager", kind, len(items), store.slug)
            continue
        if len(items) == 1:
            ((claim, level),) = items
            headline, body = _staff_texts(store, kind, claim, level)
            _email_managers(sweep, claim, kind=kind, headline=headline, body=body, level=level)
            continue
        email_enqueue_template_many(
            template="sla_staff_digest",
            context=_digest_context(store, kind, items),
            messages=[(to, {}) for to in recipients],
            kind=kind,
            store=store,
        )


def _staff_texts(store: Store, kind: str, claim: Claim, level: int | None) -> tuple[str, str]:
    if kind in TURNAROUND_KINDS:
        return _turnaround_texts(store, kind, claim)
    if kind == KIND_REFUND_OVERDUE:
        values = {"ref": claim.reference, "due": _local(store, claim.refund_due_at)}
        return (
            _("Refund overdue: claim %(ref)s") % values,
            _("The refund was due by %(due)s and has not been recorded yet.") % values,
        )
    values = {"ref": claim.reference, "level": level, "due": _local(store, claim.review_due_at)}
    if level == 1:
        return (
            _("Review overdue: claim %(ref)s (level %(level)d)") % values,
            _("The review was due on %(due)s and the claim has not been decided yet.") % values,
        )
    return (
        _("Review still overdue: claim %(ref)s (level %(level)d)") % values,
        _("The review was due on %(due)s; a working day later the claim is still not decided.") % values,
    )


def _digest_context(store: Store, kind: str, items: list[tuple[Claim, int | None]]) -> dict:
    if kind in TURNAROUND_KINDS:
        return _turnaround_digest(store, kind, items)
    count = len(items)
    rows = []
    for claim, level in items[:DIGEST_LIST]:
        if kind == KIND_REFUND_OVERDUE:
            detail = _("refund due %(due)s") % {"due": _local(store, claim.refund_due_at)}
        else:
            detail = _("level %(level)d, review due %(due)s") % {
                "level": level,
                "due": _local(store, claim.review_due_at),
            }
        rows.append({"reference": claim.reference, "detail": detail, "link": _staff_link(claim)})
    if kind == KIND_REFUND_OVERDUE:
        headline = _("Refunds overdue: %(count)d claims") % {"count": count}
        body = _("The refunds of these claims were due and have not been recorded yet.")
    else:
        headline = _("Reviews overdue: %(count)d claims") % {"count": count}
        body = _("The reviews of these claims are overdue (level 1), or still overdue a working day later (level 2).")
    return {
        "headline": headline,
        "body": body,
        "rows": rows,
        "more": count - len(rows),
        "queue_link": _overdue_queue_link(),
    }


def _email_managers(
    sweep: _Sweep, claim: Claim, *, kind: str, headline: str, body: str, level: int | None = None
) -> int:
    """One outbox row per manager of the claim's store, in the caller's transaction."""
    store = sweep.store(claim.store_id)
    recipients = sweep.managers(store.pk)
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
                *([(_("Repair / replacement due"), claim.turnaround_due_at)] if kind in TURNAROUND_KINDS else []),
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


# --- finished claims close themselves ----------------------------------------------------


def _close_finished(sweep: _Sweep, counts: dict) -> None:
    """Finished claims whose store's waiting time has passed, oldest first, at most
    CLOSE_LIMIT a sweep; through the state machine (claim_close_finished_many: the events,
    the shoppers' e-mails)."""
    waited = reduce(
        operator.or_,
        (
            Q(store_id=store_id, status_changed_at__lte=sweep.now - timedelta(days=store.close_claims_after_days))
            for store_id, store in sweep.stores.items()
        ),
        Q(pk__in=[]),
    )
    due = Claim.objects.filter(SLA_FINISHED).filter(waited)

    def handle(rows: list[Claim]) -> int:
        return len(claim_close_finished_many(claim_ids=[row.pk for row in rows]))

    _run(
        sweep,
        counts,
        "closed",
        due,
        handle,
        order="status_changed_at",
        fields=("pk", "status_changed_at"),
        limit=CLOSE_LIMIT,
    )


STEPS = (
    ("expired", _waive),
    ("ship_reminders", _ship_remind),
    ("review_escalations", _escalate_reviews),
    ("refunds_overdue", _flag_refunds_overdue),
    ("turnaround", _turnaround),
    ("closed", _close_finished),
)


def _locked(queryset: QuerySet) -> Claim | None:
    """The claim row if it still matches and no other sweep holds it (inside a transaction)."""
    return queryset.select_for_update(skip_locked=True).first()


# --- evidence retention --------------------------------------------------------------------


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
            Claim.objects.filter(pk=claim_id).update(updated_at=now)  # the claim page shows it (claims.page_cache)
        stored = [(row.pk, evidence_stored_files(row)) for row in rows]
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
