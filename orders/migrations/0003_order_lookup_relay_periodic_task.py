"""Celery beat runs the order look-up relay every minute (django_celery_beat's DatabaseScheduler)."""

from django.db import migrations
from django.utils import timezone

NAME = "Order look-up relay"
TASK = "orders.tasks.order_lookup_relay_task"


def create_periodic_task(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    every_minute = IntervalSchedule.objects.filter(every=1, period="minutes").first()
    if every_minute is None:
        every_minute = IntervalSchedule.objects.create(every=1, period="minutes")
    PeriodicTask.objects.update_or_create(
        name=NAME,
        defaults={
            "task": TASK,
            "interval": every_minute,
            "enabled": True,
            # A run that waited longer than its interval is dropped; the next one does the same work.
            "expire_seconds": 55,
            "description": "Dispatch again guest order look-ups whose task was lost; delete those older "
            "than a day (orders.services.order_lookup_relay).",
        },
    )
    # The historical model sends no signals: tell a running beat that its schedule changed.
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def delete_periodic_task(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    PeriodicTask.objects.filter(name=NAME).delete()
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0002_order_lookup_request"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_periodic_task, delete_periodic_task)]
