# The SLA sweep's reminder step reads only the returns with a reminder still to do.

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('claims', '0009_sla_sweep_indexes'),
        ('orders', '0006_order_normalised_lookup'),
        ('policies', '0002_rule_bundles_gifts'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name='claim',
            index=models.Index(condition=models.Q(('ship_reminder_level__lt', 2), ('status', 'approved_awaiting_return')), fields=['ship_by_at'], name='claims_sla_remind_idx'),
        ),
    ]
