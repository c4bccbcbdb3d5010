"""Partial indexes for the SLA sweep's "is anything due" queries (claims.models SLA_*):
each step reads an index range of the rows it may act on, not the whole table."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('claims', '0008_claim_next_due_and_search'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='claim',
            index=models.Index(condition=models.Q(('status', 'approved_awaiting_return')), fields=['ship_by_at'], name='claims_sla_expire_idx'),
        ),
        migrations.AddIndex(
            model_name='claim',
            index=models.Index(condition=models.Q(('status__in', ['appealed', 'submitted']), models.Q(('review_escalation_level__lt', 2), ('review_escalation_clock__isnull', True), models.Q(('review_escalation_clock', models.F('review_due_at')), _negated=True), _connector='OR')), fields=['review_due_at'], name='claims_sla_escalate_idx'),
        ),
        migrations.AddIndex(
            model_name='claim',
            index=models.Index(condition=models.Q(('refund_overdue_flagged_at__isnull', True), ('status__in', ['appealed', 'approved_awaiting_return', 'approved_no_return', 'in_transit', 'inspected', 'needs_info', 'received', 'submitted'])), fields=['refund_due_at'], name='claims_sla_refund_idx'),
        ),
        migrations.AddIndex(
            model_name='claim',
            index=models.Index(condition=models.Q(('status__in', ['expired', 'rejected', 'resolved', 'withdrawn'])), fields=['store', 'status_changed_at'], name='claims_sla_close_idx'),
        ),
    ]
