"""The staff queue at scale: Claim.next_due_at (the earliest running clock of an open
claim, kept by the one write path) with the queue's indexes, and the searched columns
normalised (shopper e-mail lower-case, tracking number upper-case without spaces)
with pattern_ops indexes for exact and prefix matches (the unique reference and
RMA number have theirs from Django: *_like)."""

from django.db import migrations, models
from django.db.models import Case, Q, Value, When
from django.db.models.functions import Coalesce, Least, Lower, Replace, Trim, Upper

# claims.states.OPEN_STATES when this migration was written (a migration keeps its own copy)
OPEN_STATES = [
    "appealed",
    "approved_awaiting_return",
    "approved_no_return",
    "in_transit",
    "inspected",
    "needs_info",
    "received",
    "submitted",
]


def backfill(apps, schema_editor):
    """One UPDATE, each row touched once (a second UPDATE of the same rows in this
    transaction would leave deferred foreign-key checks pending, and PostgreSQL then
    refuses to build the indexes that follow)."""
    Claim = apps.get_model("claims", "Claim")
    # the earliest non-null clock of an open claim (LEAST over COALESCEs is that on
    # every database); the others keep NULL
    earliest = Least(
        Coalesce("review_due_at", "ship_by_at", "refund_due_at"),
        Coalesce("ship_by_at", "refund_due_at", "review_due_at"),
        Coalesce("refund_due_at", "review_due_at", "ship_by_at"),
    )
    email = Lower(Trim("shopper_email"))
    tracking = Upper(Replace("return_tracking_number", Value(" "), Value("")))
    Claim.objects.filter(Q(status__in=OPEN_STATES) | ~Q(shopper_email=email) | ~Q(return_tracking_number=tracking)).update(
        next_due_at=Case(When(status__in=OPEN_STATES, then=earliest), default=Value(None), output_field=models.DateTimeField()),
        shopper_email=email,
        return_tracking_number=tracking,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0007_claim_status_changed_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="claim",
            name="next_due_at",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="next due"),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
        migrations.RemoveIndex(model_name="claim", name="claims_shopper_email_idx"),
        migrations.AddIndex(
            model_name="claim",
            index=models.Index(fields=["store", "next_due_at", "id"], name="claims_queue_store_idx"),
        ),
        migrations.AddIndex(
            model_name="claim",
            index=models.Index(fields=["next_due_at", "id"], name="claims_queue_idx"),
        ),
        migrations.AddIndex(
            model_name="claim",
            index=models.Index(fields=["reason_code", "store", "next_due_at", "id"], name="claims_queue_reason_idx"),
        ),
        migrations.AddIndex(
            model_name="claim",
            index=models.Index(fields=["shopper_email"], name="claims_shopper_email_pat_idx", opclasses=["varchar_pattern_ops"]),
        ),
        migrations.AddIndex(
            model_name="claim",
            index=models.Index(fields=["return_tracking_number"], name="claims_tracking_pat_idx", opclasses=["varchar_pattern_ops"]),
        ),
    ]
