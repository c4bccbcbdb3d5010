"""The claims' periodic tasks for django-celery-beat's DatabaseScheduler: the SLA sweep
every minute, the evidence retention sweep daily at 03:30 UTC. Idempotent (get_or_create;
a task an operator changed in the admin keeps its changes); reversing removes them."""

from django.db import migrations
from django.utils import timezone

SLA_SWEEP = "SLA sweep"
EVIDENCE_RETENTION = "Evidence retention"


def create_periodic_tasks(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")

    every_minute, _created = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    nightly, _created = CrontabSchedule.objects.get_or_create(
        minute="30", hour="3", day_of_month="*", month_of_year="*", day_of_week="*", timezone="UTC"
    )
    PeriodicTask.objects.get_or_create(
        name=SLA_SWEEP,
        defaults={
            "task": "claims.tasks.sla_sweep_task",
            "interval": every_minute,
            "enabled": True,
            # sweeps queued while the workers were down are dropped: the next one catches up
            "expire_seconds": 120,
            "description": "Ship-by reminders and waivers, overdue review escalations, overdue refund flags (claims.sla).",
        },
    )
    PeriodicTask.objects.get_or_create(
        name=EVIDENCE_RETENTION,
        defaults={
            "task": "claims.tasks.evidence_retention_task",
            "crontab": nightly,
            "enabled": True,
            "expire_seconds": 6 * 3600,
            "description": "Deletes the evidence files of claims closed longer than EVIDENCE_RETENTION_DAYS (claims.sla).",
        },
    )
    # a running beat (DatabaseScheduler) reloads its schedule when this changes; the
    # historical models skip PeriodicTask.save(), which would otherwise do it
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def remove_periodic_tasks(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    PeriodicTask.objects.filter(name__in=[SLA_SWEEP, EVIDENCE_RETENTION]).delete()
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0002_sla_markers"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_periodic_tasks, remove_periodic_tasks)]
