"""The insights' daily count (claims.tasks.insights_days_task): hourly at minute 5, the
closed days not counted yet; every night at 02:40 UTC, every day again."""

from django.db import migrations
from django.utils import timezone

HOURLY = "Insights: count the closed days"
NIGHTLY = "Insights: count every day again"


def create(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    hourly, _created = CrontabSchedule.objects.get_or_create(
        minute="5", hour="*", day_of_month="*", month_of_year="*", day_of_week="*", timezone="UTC"
    )
    nightly, _created = CrontabSchedule.objects.get_or_create(
        minute="40", hour="2", day_of_month="*", month_of_year="*", day_of_week="*", timezone="UTC"
    )
    PeriodicTask.objects.get_or_create(
        name=HOURLY,
        defaults={
            "task": "claims.tasks.insights_days_task",
            "crontab": hourly,
            "enabled": True,
            "expire_seconds": 3000,
            "description": "Each store's closed days (its time zone) not counted yet, and those whose orders "
            "changed, into the insights' daily tables (claims.services.insights_days).",
        },
    )
    PeriodicTask.objects.get_or_create(
        name=NIGHTLY,
        defaults={
            "task": "claims.tasks.insights_days_task",
            "crontab": nightly,
            "kwargs": '{"everything": true}',
            "enabled": True,
            "expire_seconds": 6 * 3600,
            "description": "Every day of every store counted again into the insights' daily tables.",
        },
    )
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=[HOURLY, NIGHTLY]).delete()


class Migration(migrations.Migration):
    dependencies = [("claims", "0023_insights_days"), ("django_celery_beat", "0019_alter_periodictasks_options")]

    operations = [migrations.RunPython(create, remove)]
