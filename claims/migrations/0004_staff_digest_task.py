"""The staff daily digest (claims.tasks.staff_digest_task), every day at 07:00 UTC."""

from django.db import migrations
from django.utils import timezone

STAFF_DIGEST = "Staff daily digest"


def create(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    morning, _created = CrontabSchedule.objects.get_or_create(
        minute="0", hour="7", day_of_month="*", month_of_year="*", day_of_week="*", timezone="UTC"
    )
    PeriodicTask.objects.get_or_create(
        name=STAFF_DIGEST,
        defaults={
            "task": "claims.tasks.staff_digest_task",
            "crontab": morning,
            "enabled": True,
            "expire_seconds": 6 * 3600,
            "description": "Each staff member's claims due today or overdue, once a day (claims.notifications).",
        },
    )
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=STAFF_DIGEST).delete()


class Migration(migrations.Migration):
    dependencies = [("claims", "0003_periodic_tasks")]

    operations = [migrations.RunPython(create, remove)]
