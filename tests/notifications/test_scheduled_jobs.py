"""Without Celery beat nothing recovers lost tasks or rows left "sending": the periodic
jobs record when they ran, and the admin warns staff when that was too long ago."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import formats, timezone

from accounts.models import User
from claims.tasks import sla_sweep_task
from notifications.models import ScheduledJobRun
from notifications.selectors import SCHEDULED_JOBS_LATE, SCHEDULED_JOBS_NEVER
from notifications.tasks import email_relay_task
from tests.waiting import wait_until

PAGES = ["/admin/", "/admin/notifications/outboundemail/"]


def _pages(client: Client) -> list[str]:
    responses = [client.get(url) for url in PAGES]
    assert [response.status_code for response in responses] == [200, 200]
    return [response.content.decode() for response in responses]


@pytest.fixture
def staff_client(db):
    client = Client()
    client.force_login(User.objects.create_superuser(email="root@example.com", password="x"))
    return client


def test_the_admin_warns_when_scheduled_jobs_never_ran_or_stopped_running(celery_worker, staff_client, settings):
    settings.SCHEDULED_JOBS_STALE_SECONDS = 300
    assert all(str(SCHEDULED_JOBS_NEVER) in page for page in _pages(staff_client))

    # beat runs the relay and the sweep: each records its run, the warning goes
    email_relay_task.delay()
    sla_sweep_task.delay()
    assert wait_until(lambda: ScheduledJobRun.objects.count() == 2, timeout=30)
    last_run = ScheduledJobRun.objects.order_by("-last_run_at").first().last_run_at
    assert all("is celery beat running?" not in page for page in _pages(staff_client))

    with time_machine.travel(last_run + timedelta(minutes=4), tick=False):
        assert all("is celery beat running?" not in page for page in _pages(staff_client))
    with time_machine.travel(last_run + timedelta(minutes=6), tick=False):
        when = formats.date_format(timezone.localtime(last_run), "DATETIME_FORMAT")
        expected = str(SCHEDULED_JOBS_LATE) % {"when": when}
        assert all(expected in page for page in _pages(staff_client))
