import secrets
import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from claims.states import (
    AUTO_CLOSE_STATES,
    DECISION_COMMANDS,
    OPEN_STATES,
    PARCEL_EXPECTED_STATES,
    REVIEW_CLOCK_STATES,
    ClaimStatus,
    Role,
)
from orders.models import Order, OrderLine, Product, Store
from policies.models import Outcome, PolicyVersion

REFERENCE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read over the phone


def new_reference() -> str:
    return "CLM-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))


# The rows each step of the SLA sweep (claims.sla) looks at, as the conditions of the
# partial indexes that serve its "is anything due" queries: a sweep with nothing due
# reads a few index pages, whatever the table's size. The sweep's queries repeat them
# word for word, so that PostgreSQL can prove the index applies.
# (waivers: the ship-by time passed; reminders: it is within 48 hours)
SLA_AWAITING_RETURN = Q(status=ClaimStatus.APPROVED_AWAITING_RETURN)
# reminders: only the returns whose two ship-by reminders (claims.sla.SHIP_REMINDERS) are not
# all done: reminded ones no longer fill the range the sweep reads every minute
SLA_REMINDER_PENDING = Q(status=ClaimStatus.APPROVED_AWAITING_RETURN, ship_reminder_level__lt=2)
# the review clock runs and its second escalation is not done (a new clock starts at 0)
SLA_ESCALATION_PENDING = Q(status__in=sorted(REVIEW_CLOCK_STATES)) & (
    Q(review_escalation_level__lt=2) | Q(review_escalation_clock__isnull=True) | ~Q(review_escalation_clock=F("review_due_at"))
)
SLA_REFUND_UNFLAGGED = Q(status__in=sorted(OPEN_STATES), refund_overdue_flagged_at__isnull=True)
SLA_FINISHED = Q(status__in=sorted(AUTO_CLOSE_STATES))
# the receiving screen's expected parcels: approved with a return, not received yet
PARCEL_EXPECTED = Q(status__in=sorted(PARCEL_EXPECTED_STATES))
# the repair / replacement turnaround: reminders before it is due and the overdue flag
# (a flagged claim leaves the index; a resolved one has no turnaround_due_at)
SLA_TURNAROUND_UNFLAGGED = Q(status__in=sorted(OPEN_STATES), turnaround_due_at__isnull=False, turnaround_overdue_flagged_at__isnull=True)


# Claim.outcome when staff approved different outcomes for the claim's items (each is on its line)
MIXED_OUTCOME = "mixed"


class InspectionOutcome(models.TextChoices):
    """What staff decided when they inspected the returned item."""

    ACCEPTED = "accepted", _("Accepted")
    PARTIAL = "partial", _("Partial refund")
    REJECTED = "rejected", _("Rejected")


class Claim(models.Model):
    """A shopper's request about one purchase: a return, a warranty fix, a cancellation."""

    store_path = "store"

    class Resolution(models.TextChoices):
        REFUNDED = "refunded", _("Refunded")
        PARTIALLY_REFUNDED = "partially_refunded", _("Partially refunded")
        REPLACED = "replaced", _("Replaced")
        REPLACEMENT_PART_SENT = "replacement_part_sent", _("Replacement part sent")
        REPAIRED = "repaired", _("Repaired")
        COMPENSATED = "compensated", _("Compensated, right item reshipped")
        CANCELLED_REFUNDED = "cancelled_refunded", _("Order cancelled and refunded")
        ADDRESS_CHANGED = "address_changed", _("Address changed")
        STORE_CREDIT_ISSUED = "store_credit_issued", _("Store credit issued")
        EXCHANGED = "exchanged", _("Exchanged")
        SETTLED_PER_ITEM = "settled_per_item", _("Settled per item")

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="claims")
    reference = models.CharField(_("reference"), max_length=12, unique=True, null=True, blank=True)
    status = models.CharField(_("status"), max_length=30, choices=ClaimStatus.choices, default=ClaimStatus.DRAFT)
    row_version = models.PositiveIntegerField(default=0, help_text=_("Bumped by every change; a stale page is detected by it."))
    # who
    shopper_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="claims")
    shopper_email = models.EmailField(_("shopper e-mail"))
    shopper_timezone = models.CharField(
        _("shopper's time zone"),
        max_length=64,
        blank=True,
        help_text=_("The zone the shopper's browser named (e.g. Europe/Berlin): their e-mails and pages show times in it. Empty: the store's zone."),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="assigned_claims"
    )
    # what
    order = models.ForeignKey(Order, on_delete=models.PROTECT, null=True, blank=True, related_name="claims")
    parent = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="follow_ups")
    offline_product = models.ForeignKey(Product, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    offline_purchased_at = models.DateTimeField(null=True, blank=True)
    offline_channel = models.CharField(max_length=32, choices=Order.Channel.choices, blank=True)
    offline_price = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    offline_country = models.CharField(max_length=2, blank=True)
    reason_code = models.CharField(_("reason"), max_length=40)
    reason_label = models.CharField(_("reason (as shown)"), max_length=120)
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    texts = models.JSONField(_("texts"), default=dict, blank=True, help_text=_("Text evidence by slot code."))
    preferred_outcome = models.CharField(_("preferred outcome"), max_length=30, choices=Outcome.choices, blank=True)
    # the decision
    policy_version = models.ForeignKey(PolicyVersion, on_delete=models.PROTECT, related_name="claims")
    rule_code = models.CharField(_("rule"), max_length=40, blank=True)
    decision = models.JSONField(_("decision at submission"), default=dict, blank=True)
    is_complex = models.BooleanField(_("complex"), default=False)
    # the approved outcome: each line's (ClaimLine.approved_outcome) when they agree, else MIXED_OUTCOME
    outcome = models.CharField(
        _("approved outcome"),
        max_length=30,
        choices=[*Outcome.choices, (MIXED_OUTCOME, _("Per item (mixed)"))],
        blank=True,
    )
    resolution = models.CharField(_("resolution"), max_length=30, choices=Resolution.choices, blank=True)
    rejection_reason = models.CharField(_("rejection reason"), max_length=300, blank=True)
    appeal_used = models.BooleanField(default=False)
    rma_number = models.CharField(_("RMA number"), max_length=30, unique=True, null=True, blank=True)
    # the return parcel
    return_carrier = models.CharField(max_length=60, blank=True)
    return_tracking_number = models.CharField(max_length=60, blank=True)
    postage_paid = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    replacement_tracking = models.CharField(max_length=120, blank=True)
    replacement_product = models.ForeignKey(
        Product, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("replacement sent")
    )
    # clocks (computed from the policy version and the store calendar)
    submitted_at = models.DateTimeField(null=True, blank=True)
    review_due_at = models.DateTimeField(null=True, blank=True)
    review_paused_at = models.DateTimeField(null=True, blank=True)
    review_remaining_seconds = models.PositiveIntegerField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    # the first decision (states.DECISION_COMMANDS), kept by the write path: insights' time to decision
    first_decided_at = models.DateTimeField(null=True, blank=True)
    ship_by_at = models.DateTimeField(null=True, blank=True)
    shipped_back_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    inspected_at = models.DateTimeField(null=True, blank=True)
    refund_due_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    # the shopper withdrew the claim (kept once it is closed: the claim page says why it ended)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # kept by the one write path (claims.services.commands): the earliest running clock
    # while the claim is open (claims.clocks.next_due), NULL otherwise; the staff queue
    # is ordered by it through an index
    next_due_at = models.DateTimeField(_("next due"), null=True, blank=True, editable=False)
    # set by the one transition service: when the claim entered its current state
    status_changed_at = models.DateTimeField(null=True, blank=True)
    inspection = models.JSONField(_("inspection"), default=dict, blank=True)
    inspection_outcome = models.CharField(_("inspection outcome"), max_length=10, choices=InspectionOutcome.choices, blank=True)
    # what the SLA sweeps (claims.sla) have done, so each step is taken once per clock and level
    ship_reminder_level = models.PositiveSmallIntegerField(
        _("ship-by reminders"),
        default=0,
        help_text=_("Ship-by reminder levels done: 1 = the 48-hour reminder, 2 = the 24-hour reminder."),
    )
    review_escalation_level = models.PositiveSmallIntegerField(
        _("overdue review escalation"),
        default=0,
        help_text=_("Escalations sent to the managers for the current review clock: 1 = overdue, 2 = one working day later."),
    )
    review_escalation_clock = models.DateTimeField(
        _("escalated review due time"),
        null=True,
        blank=True,
        help_text=_("The review due time the escalation level refers to; a restarted review clock (information provided, appeal) starts again at level 0."),
    )
    review_escalated_at = models.DateTimeField(_("review overdue, escalated at"), null=True, blank=True)
    refund_overdue_flagged_at = models.DateTimeField(_("refund overdue, flagged at"), null=True, blank=True)
    evidence_purged_at = models.DateTimeField(_("evidence files deleted (retention)"), null=True, blank=True)
    # the rule's repair / replacement turnaround promise (claims.clocks.turnaround_due),
    # from approval or receipt until the claim leaves TURNAROUND_CLOCK_STATES
    turnaround_due_at = models.DateTimeField(_("repair / replacement due"), null=True, blank=True)
    turnaround_reminded_at = models.DateTimeField(_("turnaround due soon, managers reminded at"), null=True, blank=True)
    turnaround_overdue_flagged_at = models.DateTimeField(_("turnaround overdue, flagged at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        # the warehouse's receiving screen (claims.admin_receiving); receiving and
        # inspecting themselves are checked by the command table (claims.states.HANDLERS)
        permissions = [("receive_parcel", _("Can receive and inspect returned parcels"))]
        indexes = [
            models.Index(fields=["store", "status"], name="claims_store_status_idx"),
            models.Index(fields=["review_due_at"], name="claims_review_due_idx", condition=Q(review_due_at__isnull=False)),
            models.Index(fields=["ship_by_at"], name="claims_ship_by_idx", condition=Q(ship_by_at__isnull=False)),
            models.Index(fields=["refund_due_at"], name="claims_refund_due_idx", condition=Q(refund_due_at__isnull=False)),
            # the staff queue: most urgent first (NULLS LAST is a b-tree's ascending
            # order), per store for staff and across stores for a superuser
            models.Index(fields=["store", "next_due_at", "id"], name="claims_queue_store_idx"),
            models.Index(fields=["next_due_at", "id"], name="claims_queue_idx"),
            # the queue by reason: a reviewer's (reason, store) in order; a superuser's
            # bounded count of one reason
            models.Index(fields=["reason_code", "store", "next_due_at", "id"], name="claims_queue_reason_idx"),
            # the queue's search: exact or prefix matches on normalised values (a
            # pattern_ops b-tree serves LIKE 'X%' in any collation, and equality; the
            # unique reference and rma_number have one from Django already: *_like)
            models.Index(fields=["shopper_email"], name="claims_shopper_email_pat_idx", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["return_tracking_number"], name="claims_tracking_pat_idx", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["ship_by_at"], name="claims_sla_expire_idx", condition=SLA_AWAITING_RETURN),
            models.Index(fields=["ship_by_at"], name="claims_sla_remind_idx", condition=SLA_REMINDER_PENDING),
            models.Index(fields=["review_due_at"], name="claims_sla_escalate_idx", condition=SLA_ESCALATION_PENDING),
            models.Index(fields=["refund_due_at"], name="claims_sla_refund_idx", condition=SLA_REFUND_UNFLAGGED),
            models.Index(fields=["store", "status_changed_at"], name="claims_sla_close_idx", condition=SLA_FINISHED),
            models.Index(fields=["turnaround_due_at"], name="claims_sla_turnaround_idx", condition=SLA_TURNAROUND_UNFLAGGED),
            # the receiving screen's expected parcels (claims.selectors.claims_parcel_expected):
            # a store's, oldest approval first, read in index order a page at a time; and
            # across stores for a superuser
            models.Index(fields=["store", "decided_at", "id"], name="claims_parcel_expected_idx", condition=PARCEL_EXPECTED),
            models.Index(fields=["decided_at", "id"], name="claims_parcel_expected_all_idx", condition=PARCEL_EXPECTED),
            # insights (claims.insights): a store's claims submitted in a period, counted
            # by reason and joined to their lines from the index alone
            models.Index(
                fields=["store", "submitted_at"],
                include=["id", "reason_code", "offline_product"],
                name="claims_insights_submitted_idx",
                condition=Q(submitted_at__isnull=False),
            ),
            # insights: a store's claims first decided in a period, with their submission
            # (the median and p90 of the time to decision from the index alone)
            models.Index(
                fields=["store", "first_decided_at"],
                include=["submitted_at"],
                name="claims_insights_decided_idx",
                condition=Q(first_decided_at__isnull=False),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(order__isnull=False) | Q(offline_product__isnull=False), name="claims_claim_has_a_purchase"
            ),
        ]

    def __str__(self) -> str:
        return self.reference or f"draft #{self.pk}"


class ClaimLine(models.Model):
    """One order line (or the offline product) with the quantity claimed; the engine's
    decision is kept per line and staff accept or reject per line."""

    store_path = "claim__store"

    class StaffDecision(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, null=True, blank=True, related_name="claim_lines")
    quantity = models.PositiveIntegerField(default=1)
    decision = models.JSONField(default=dict, blank=True)
    staff_decision = models.CharField(max_length=10, choices=StaffDecision.choices, default=StaffDecision.PENDING)
    staff_note = models.CharField(max_length=300, blank=True)
    # what the shopper chose for this item (claims.outcomes): one of the rule's outcomes;
    # for an exchange, the product they want instead and what it costs them on top of
    # what they paid (negative: refunded to them), fixed at submission
    requested_outcome = models.CharField(_("outcome the shopper chose"), max_length=30, choices=Outcome.choices, blank=True)
    exchange_product = models.ForeignKey(
        Product, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("exchange for")
    )
    price_difference = models.DecimalField(
        _("exchange price difference"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Positive: the shopper owes it; negative: refunded to the shopper."),
    )
    # what staff approved for this item (claims.services.review.claim_approve); an
    # exchange's product and price difference are then the approved ones
    approved_outcome = models.CharField(_("approved outcome"), max_length=30, choices=Outcome.choices, blank=True)

    class Meta:
        ordering = ["claim", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="claims_line_quantity_positive"),
            models.UniqueConstraint(fields=["claim", "order_line"], name="claims_line_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.order_line.product.name if self.order_line else 'offline purchase'}"


class ClaimEvent(models.Model):
    """Append-only history: who did what, from which state to which, when."""

    store_path = "claim__store"

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=40)
    from_status = models.CharField(max_length=30, choices=ClaimStatus.choices, blank=True)
    to_status = models.CharField(max_length=30, choices=ClaimStatus.choices, blank=True)
    actor_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    actor_role = models.CharField(max_length=12, choices=Role.choices)
    actor_label = models.CharField(max_length=254)
    note = models.TextField(_("internal note"), blank=True, help_text=_("Only staff see this."))
    # the only note the shopper ever reads (timeline, e-mail); see states.SHOPPER_NOTE_COMMANDS
    shopper_note = models.TextField(_("note to the shopper"), blank=True, help_text=_("Sent to the shopper and shown on their claim page."))
    data = models.JSONField(default=dict, blank=True)
    # a decision (states.DECISION_COMMANDS): the review deadline it was due by
    review_due_at = models.DateTimeField(_("review due (decisions)"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["claim", "created_at", "pk"]
        indexes = [
            # insights (claims.insights): a claim's submission and decisions (time to
            # decision), and the decisions of a period with their deadlines (SLA per week)
            models.Index(
                fields=["claim", "created_at"],
                include=["action"],
                name="claims_event_decisions_idx",
                condition=Q(action__in=sorted({"submit", *DECISION_COMMANDS})),
            ),
            models.Index(
                fields=["created_at"],
                include=["claim", "review_due_at"],
                name="claims_event_decided_idx",
                condition=Q(review_due_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.action}: {self.from_status} → {self.to_status}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise RuntimeError("claim events are append-only")
        super().save(*args, **kwargs)


class ClaimMessage(models.Model):
    """Messages between the shopper and staff; internal notes are staff-only."""

    store_path = "claim__store"

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="messages")
    author_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    author_role = models.CharField(max_length=12, choices=Role.choices)
    body = models.TextField()
    internal = models.BooleanField(default=False)
    requested_slots = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["claim", "created_at", "pk"]

    def __str__(self) -> str:
        return self.body[:60]


class Refund(models.Model):
    """Money recorded against a claim, once (the one-to-one makes a second impossible)."""

    store_path = "claim__store"

    class Kind(models.TextChoices):
        REFUND = "refund", _("Refund")
        COMPENSATION = "compensation", _("Compensation")

    claim = models.OneToOneField(Claim, on_delete=models.PROTECT, related_name="refund")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.REFUND)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    lines = models.JSONField(default=list, help_text=_("The breakdown, line by line."))
    override_reason = models.CharField(max_length=300, blank=True)
    reference = models.CharField(_("payment reference"), max_length=120, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(amount__gte=0), name="claims_refund_not_negative")]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"


def _private_name(prefix: str, filename: str) -> str:
    """A non-guessable storage name; the shopper's file name is kept only as a field."""
    suffix = PurePath(filename).suffix.lower()[:8]
    return f"{prefix}/{uuid.uuid4().hex}{suffix}"


def evidence_upload_to(instance, filename: str) -> str:
    return _private_name("evidence", filename)


def evidence_thumb_to(instance, filename: str) -> str:
    return _private_name("evidence-thumbs", filename)


def incoming_upload_to(instance, filename: str) -> str:
    """An upload waits for its check under a random name alone: no extension the client
    chose (.php, .exe, .svg) ever reaches the storage. The check reads the content; the
    checked copy gets the extension of the type it decided."""
    return f"incoming/{uuid.uuid4().hex}"


class EvidenceFile(models.Model):
    """A file for one evidence slot of the claim's rule. Uploads land in `incoming`;
    the processing task checks and sanitises them into `file` (no EXIF/GPS), or
    refuses them with a reason the shopper sees."""

    store_path = "claim__store"

    class Status(models.TextChoices):
        PROCESSING = "processing", _("Processing")
        READY = "ready", _("Ready")
        REFUSED = "refused", _("Refused")
        DELETED = "deleted", _("Deleted (retention)")

    # slots that are not a rule's evidence items (see claims.evidence)
    POSTAGE_RECEIPT_SLOT = "postage-receipt"
    APPEAL_SLOT = "appeal"

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="evidence")
    slot_code = models.CharField(max_length=40)
    accept = models.CharField(max_length=40, help_text=_("Kinds this slot accepts, comma-separated: photo, video, document."))
    min_resolution = models.CharField(max_length=4, default="any")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PROCESSING)
    refusal_reason = models.CharField(max_length=300, blank=True)
    original_name = models.CharField(max_length=200)
    incoming = models.FileField(upload_to=incoming_upload_to, max_length=200, blank=True)
    file = models.FileField(upload_to=evidence_upload_to, max_length=200, blank=True)
    thumbnail = models.FileField(upload_to=evidence_thumb_to, max_length=200, blank=True)
    kind = models.CharField(max_length=12, blank=True)
    content_type = models.CharField(max_length=80, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True, help_text=_("Of the file as uploaded: the same file counts once per slot."))
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    duration_seconds = models.FloatField(null=True, blank=True)
    codec = models.CharField(max_length=40, blank=True)
    captured_at = models.DateTimeField(null=True, blank=True)
    device = models.CharField(max_length=120, blank=True)
    uploaded_by_role = models.CharField(max_length=12, choices=Role.choices, default=Role.SHOPPER)
    created_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    redispatched_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When a file still being checked was last queued again (claims.evidence.evidence_redispatch_stuck).")
    )
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["claim", "slot_code", "created_at"]
        indexes = [models.Index(fields=["claim", "slot_code", "status"], name="claims_evidence_slot_idx")]

    def __str__(self) -> str:
        return f"{self.slot_code}: {self.original_name}"


class CannedReply(models.Model):
    """A store's ready-made text for the reject, request-information and message forms,
    with placeholders ({shopper_name}, {reference}, …) filled in for each claim by
    claims.canned.canned_reply_render."""

    store_path = "store"

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="canned_replies", verbose_name=_("store"))
    title = models.CharField(
        _("title"), max_length=120, help_text=_("What staff pick from the list; the shopper never sees it.")
    )
    body = models.TextField(
        _("text"),
        max_length=5000,
        help_text=_(
            "Placeholders filled in for each claim: {shopper_name}, {reference}, {rma_number}, {deadline} "
            "(the claim's next deadline, in the shopper's time zone), {store_name}. Write {{ or }} for a brace."
        ),
    )
    for_reject = models.BooleanField(_("when rejecting"), default=False)
    for_request_info = models.BooleanField(_("when requesting information"), default=False)
    for_message = models.BooleanField(_("in messages to the shopper"), default=False)
    is_active = models.BooleanField(_("active"), default=True, help_text=_("Inactive replies are not offered."))
    position = models.PositiveSmallIntegerField(_("order"), default=0, help_text=_("Lower numbers are listed first."))

    class Meta:
        verbose_name = _("canned reply")
        verbose_name_plural = _("canned replies")
        ordering = ["store", "position", "title"]
        constraints = [models.UniqueConstraint(fields=["store", "title"], name="claims_canned_reply_title_unique")]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        from claims.canned import canned_reply_problems

        problems = canned_reply_problems(body=self.body or "")
        if problems:
            raise ValidationError({"body": problems})
        if not (self.for_reject or self.for_request_info or self.for_message):
            raise ValidationError(_("Choose at least one form the reply is offered in."))


# --- insights' daily figures ------------------------------------------------------------------------
# claims.services.insights_days counts a store's closed days (midnight to midnight in the
# store's time zone) once into these tables; the insights page (claims.insights) reads
# them for those days and counts only the days not counted yet (today, at least).


class InsightsDay(models.Model):
    """A store's day whose figures are in the Insights*Day tables, counted in `time_zone`
    (a store whose zone changed has its days counted again)."""

    store_path = "store"

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    time_zone = models.CharField(max_length=64)
    counted_at = models.DateTimeField()

    class Meta:
        verbose_name = _("insights day")
        constraints = [models.UniqueConstraint(fields=["store", "day"], name="claims_insights_day_unique")]

    def __str__(self) -> str:
        return f"{self.store_id} {self.day}"


class _InsightsDayFigures(models.Model):
    """A row of a store's day in one of the daily tables."""

    store_path = "store"

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.store_id} {self.day}"


class InsightsReasonDay(_InsightsDayFigures):
    """Claims submitted that day, per reason."""

    reason_code = models.CharField(max_length=40)
    reason_label = models.CharField(max_length=120)
    claims = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "day", "reason_code"], name="claims_insights_reason_day_unique")
        ]


class InsightsProductDay(_InsightsDayFigures):
    """Per product that day: the claims submitted for it and their units, the units sold
    (order lines of the orders placed that day, cancelled orders not counted)."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    claims = models.PositiveIntegerField(default=0)
    units_claimed = models.PositiveIntegerField(default=0)
    units_sold = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "day", "product"], name="claims_insights_product_day_unique")
        ]


class InsightsDecisionDay(_InsightsDayFigures):
    """Decisions made that day that had a review deadline, and those made by it."""

    decided = models.PositiveIntegerField()
    in_time = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store", "day"], name="claims_insights_decision_day_unique")]


class InsightsMoneyDay(_InsightsDayFigures):
    """Refunds recorded that day, per currency: how many, the amounts refunded and
    compensated, the deductions taken (positive)."""

    currency = models.CharField(max_length=3)
    refunds = models.PositiveIntegerField()
    refunded = models.DecimalField(max_digits=14, decimal_places=2)
    compensated = models.DecimalField(max_digits=14, decimal_places=2)
    deducted = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "day", "currency"], name="claims_insights_money_day_unique")
        ]
