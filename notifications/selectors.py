"""Reads of the notifications domain."""

from datetime import timedelta

from django.conf import settings
from django.db.models import Max
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from notifications.models import ScheduledJobRun

SCHEDULED_JOBS_LATE = _("Scheduled jobs have not run since %(when)s: is celery beat running?")
SCHEDULED_JOBS_NEVER = _("Scheduled jobs have never run: is celery beat running?")


def scheduled_jobs_warning(*, now=None) -> str | None:
    """The warning staff see when no periodic job (e-mail relay, SLA sweep) has run for
    SCHEDULED_JOBS_STALE_SECONDS; None while beat is doing its work."""
    now = now or timezone.now()
    last_run = ScheduledJobRun.objects.aggregate(last=Max("last_run_at"))["last"]
    if last_run is None:
        return str(SCHEDULED_JOBS_NEVER)
    if now - last_run <= timedelta(seconds=settings.SCHEDULED_JOBS_STALE_SECONDS):
        return None
    when = formats.date_format(timezone.localtime(last_run), "DATETIME_FORMAT")
    return str(SCHEDULED_JOBS_LATE) % {"when": when}
