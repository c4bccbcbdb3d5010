"""Delivery that survives faults, with real parts: a real SMTP server (aiosmtpd) that
refuses with 421 or is not listening, the real Celery worker of the test session, a
real worker process killed mid-send and a real redis-server killed with messages in it.
Every e-mail must arrive exactly once, with its row's Message-ID."""

import asyncio
import importlib
import os
import signal
import smtplib
import socket
import subprocess
import sys
import threading
from collections import Counter
from datetime import timedelta
from email import message_from_bytes
from email.utils import make_msgid
from functools import partial

import pytest
import redis
import time_machine
from aiosmtpd.controller import Controller
from celery.signals import task_postrun
from django.apps import apps as django_apps
from django.conf import settings as django_settings
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.db import connection, transaction
from django.test import Client, RequestFactory
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from kombu import Exchange, Queue

from accounts.models import User
from notifications import services
from notifications.admin import OutboundEmailAdmin
from notifications.models import OutboundEmail
from notifications.services import WORKER_LOST, email_deliver, email_enqueue, email_relay
from notifications.tasks import email_relay_task, email_send
from portal.celery import app as celery_app
from tests.external import service_env
from tests.waiting import wait_until

Status = OutboundEmail.Status
CHANGELIST = "/admin/notifications/outboundemail/"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SMTPServer:
    """A real SMTP server on 127.0.0.1. `refuse` messages get "421 Service not available"
    (smtplib raises SMTPDataError), then "250 OK"; with `hang`, the first message waits at
    end of DATA until `release` is set and is then refused (its client is gone by then)."""

    def __init__(self):
        self.port = _free_port()
        self.refuse = 0
        self.refused = 0
        self.down = False  # an outage: every message gets 421 until it is cleared
        self.slow = 0.0  # seconds to wait at end of DATA before answering 250 (message kept)
        self.hang = False
        self.hanging = threading.Event()
        self.release = threading.Event()
        self.messages = []
        self.controller = None

    async def handle_DATA(self, server, session, envelope):
        if self.hang:
            self.hang = False
            self.hanging.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
            return "451 4.3.0 Aborted"
        if self.slow:
            self.messages.append(message_from_bytes(envelope.original_content or envelope.content))
            await asyncio.sleep(self.slow)
            return "250 OK"
        if self.down or self.refuse > 0:
            self.refuse = max(self.refuse - 1, 0)
            self.refused += 1
            return "421 Service not available"
        self.messages.append(message_from_bytes(envelope.original_content or envelope.content))
        return "250 OK"

    def start(self) -> None:
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        self.release.set()
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def received(self) -> Counter:
        return Counter(message["Message-ID"] for message in self.messages)


@pytest.fixture
def smtp_server(settings):
    """Not started: nothing listens on its port until the test calls start()."""
    server = SMTPServer()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_TIMEOUT = 10
    yield server
    server.stop()


class RedisServer:
    """A private redis-server (no persistence) on a free port: never the shared one."""

    def __init__(self):
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            env=service_env(),
        )
        assert wait_until(self._answers, timeout=10), "redis-server did not start"

    def _answers(self) -> bool:
        try:
            return self.client().ping()
        except redis.ConnectionError:
            return False

    def client(self) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=2)

    def kill(self) -> None:
        """SIGKILL: whatever it held in memory is gone."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)


@pytest.fixture
def private_redis():
    server = RedisServer()
    server.start()
    yield server
    server.kill()


@pytest.fixture
def task_results():
    """task id -> (state, return value) of every task the in-process worker ran."""
    results = {}

    def record(task_id=None, state=None, retval=None, **kwargs):
        results[task_id] = (state, retval)

    task_postrun.connect(record, weak=False)
    yield results
    task_postrun.disconnect(record)


def _enqueue(count: int, tag: str) -> list[OutboundEmail]:
    """Each e-mail in its own committed transaction, as the changes that cause them."""
    rows = []
    for n in range(count):
        with transaction.atomic():
            rows.append(email_enqueue(to=f"{tag}{n}@example.com", subject=f"{tag} {n}", body_text="Hello", kind="test"))
    return rows


def _row(**fields) -> OutboundEmail:
    """A row as some earlier event left it (no task dispatched)."""
    defaults = {"kind": "test", "to": "x@example.com", "from_email": "no-reply@portal.localhost", "body_text": "x"}
    return OutboundEmail.objects.create(**{**defaults, "subject": "row", "message_id": make_msgid(), **fields})


def _all_in(rows, status) -> bool:
    return OutboundEmail.objects.filter(pk__in=[r.pk for r in rows], status=status).count() == len(rows)


def _refresh(rows) -> list[OutboundEmail]:
    for row in rows:
        row.refresh_from_db()
    return rows


def _once_each(server: SMTPServer, rows) -> bool:
    return server.received() == Counter({row.message_id: 1 for row in rows})


# --- SMTP answering 421 ----------------------------------------------------------------


@pytest.mark.django_db
def test_a_421_leaves_the_row_failed_with_its_error_attempt_and_next_attempt(smtp_server):
    smtp_server.refuse = 1
    smtp_server.start()
    email = email_enqueue(to="a@example.com", subject="Refused", body_text="x", kind="test")

    with pytest.raises(smtplib.SMTPDataError):
        email_deliver(email_id=email.pk)
    email.refresh_from_db()
    assert email.status == Status.FAILED and email.attempts == 1
    assert "421" in email.last_error and "Service not available" in email.last_error
    # the relay's backoff: the first retry is due a minute later
    assert timedelta(seconds=55) < email.next_attempt_at - timezone.now() <= timedelta(seconds=60)

    assert email_deliver(email_id=email.pk) is True
    assert email_deliver(email_id=email.pk) is False
    email.refresh_from_db()
    assert email.status == Status.SENT and email.attempts == 2 and email.last_error == ""
    assert email.next_attempt_at is None
    assert _once_each(smtp_server, [email])


def test_smtp_answering_421_for_a_while_the_worker_retries_until_each_is_sent_once(celery_worker, smtp_server):
    smtp_server.refuse = 4
    smtp_server.start()
    rows = _enqueue(3, "busy")

    assert wait_until(lambda: _all_in(rows, Status.SENT), timeout=60)
    assert smtp_server.refused == 4
    assert _once_each(smtp_server, rows)
    rows = _refresh(rows)
    assert sum(row.attempts for row in rows) == 3 + 4
    assert all(row.last_error == "" and row.sent_at for row in rows)


# --- SMTP down, then up ----------------------------------------------------------------


def test_smtp_down_rows_fail_with_connection_refused_then_the_task_retry_sends_them(celery_worker, smtp_server):
    rows = _enqueue(2, "down")
    seen_failed = set()

    def all_seen_failed() -> bool:
        for row in OutboundEmail.objects.filter(pk__in=[r.pk for r in rows], status=Status.FAILED):
            if "Connection refused" in row.last_error and row.attempts >= 1:
                seen_failed.add(row.pk)
        return len(seen_failed) == len(rows)

    assert wait_until(all_seen_failed, timeout=20)
    smtp_server.start()

    assert wait_until(lambda: _all_in(rows, Status.SENT), timeout=60)
    assert _once_each(smtp_server, rows)
    assert all(row.attempts >= 2 and row.last_error == "" for row in _refresh(rows))


def test_smtp_down_then_up_the_relay_sends_each_failed_row_once(celery_worker, smtp_server, monkeypatch, task_results):
    # The rows' own tasks are lost (and their retries with them): only the relay is left.
    monkeypatch.setattr(services, "_dispatch", lambda email_id: None)
    rows = _enqueue(3, "relay")
    for row in rows:
        with pytest.raises(ConnectionRefusedError):
            email_deliver(email_id=row.pk)
    for row in _refresh(rows):
        assert row.status == Status.FAILED and row.attempts == 1 and "Connection refused" in row.last_error

    assert email_relay() == 0  # not due yet: the backoff holds
    smtp_server.start()
    assert email_relay(now=timezone.now() + timedelta(seconds=61)) == 3

    assert wait_until(lambda: _all_in(rows, Status.SENT), timeout=30)
    assert _once_each(smtp_server, rows)
    assert all(row.attempts == 2 for row in _refresh(rows))

    # sent rows are never picked again, by the relay or by a stray task
    assert email_relay(now=timezone.now() + timedelta(days=1)) == 0
    stray = email_send.delay(rows[0].pk)
    assert wait_until(lambda: stray.id in task_results, timeout=20)
    assert task_results[stray.id] == ("SUCCESS", False)
    assert _once_each(smtp_server, rows)


@pytest.mark.django_db  # the relay's dispatch waits for a commit that never comes: no task is sent
def test_the_relay_retries_until_the_give_up_horizon_then_leaves_the_row_for_staff(smtp_server, settings):
    settings.EMAIL_GIVE_UP_AFTER_SECONDS = 3 * 24 * 3600
    now = timezone.now()
    failed = {"status": Status.FAILED, "last_error": "x", "next_attempt_at": now}
    young = _row(**failed, attempts=40, owed_since=now - timedelta(days=2))
    old = _row(**failed, attempts=3, owed_since=now - timedelta(days=3, minutes=1))
    # many attempts do not stop the retrying, only time does
    with pytest.raises(ConnectionRefusedError):
        email_deliver(email_id=young.pk)
    young.refresh_from_db()
    assert young.status == Status.FAILED and young.attempts == 41
    assert timedelta(minutes=9) < young.next_attempt_at - timezone.now() <= timedelta(minutes=10)  # the ceiling

    with pytest.raises(ConnectionRefusedError):
        email_deliver(email_id=old.pk)
    old.refresh_from_db()
    assert old.status == Status.FAILED and old.next_attempt_at is None  # given up
    assert email_deliver(email_id=old.pk) is False  # a late task retry cannot claim it
    assert email_relay(now=timezone.now() + timedelta(minutes=11)) == 1  # only the young one
    assert OutboundEmail.objects.get(pk=old.pk).next_attempt_at is None

    # staff's Send again owes it afresh: a failure then is retried again
    services.email_send_again(email_ids=[old.pk])
    with pytest.raises(ConnectionRefusedError):
        email_deliver(email_id=old.pk)
    old.refresh_from_db()
    assert old.status == Status.FAILED and old.next_attempt_at is not None


def _quick_retries_over(rows, attempts: int) -> bool:
    """Every row failed and its task has used its quick retries (1 try + 4 retries)."""
    ids = [row.pk for row in rows]
    return OutboundEmail.objects.filter(pk__in=ids, status=Status.FAILED, attempts=attempts).count() == len(rows)


def test_a_one_minute_outage_the_backlog_drains_within_two_minutes_of_recovery_once_each(celery_worker, smtp_server):
    """E-mails produced while the SMTP server answers 421 fail through their task's quick
    retries; the server recovers; the relay rounds (every minute, stood for by its `now`)
    send each exactly once, within two minutes of the recovery."""
    smtp_server.down = True
    smtp_server.start()
    rows = _enqueue(30, "outage")
    assert wait_until(lambda: _quick_retries_over(rows, 5), timeout=120)
    assert smtp_server.messages == []

    smtp_server.down = False
    recovered_at = timezone.now()
    rounds = 0
    for minute in (1, 2):
        rounds += 1
        dispatched = email_relay(now=recovered_at + timedelta(minutes=minute))
        if dispatched and wait_until(lambda: _all_in(rows, Status.SENT), timeout=60):
            break
    assert _all_in(rows, Status.SENT), f"after {rounds} relay rounds"
    assert _once_each(smtp_server, rows)
    assert all(row.attempts == 6 for row in _refresh(rows))  # 5 during the outage, 1 after


def test_a_long_outage_the_relay_keeps_retrying_with_a_capped_wait_then_sends_once(celery_worker, smtp_server):
    """Twenty hours of 421 (the clock moved with time-machine; the worker is a thread of
    this process and sees the same clock): every relay round retries, the wait never
    exceeds EMAIL_RETRY_BACKOFF_MAX_SECONDS, and after the recovery each is sent once."""
    smtp_server.down = True
    smtp_server.start()
    rows = _enqueue(3, "long")
    assert wait_until(lambda: _quick_retries_over(rows, 5), timeout=60)
    ceiling = timedelta(seconds=django_settings.EMAIL_RETRY_BACKOFF_MAX_SECONDS)

    with time_machine.travel(timezone.now(), tick=True) as clock:
        for hours_later, attempts in ((6, 10), (14, 15)):
            clock.shift(timedelta(hours=hours_later))
            assert email_relay() == 3
            assert wait_until(partial(_quick_retries_over, rows, attempts), timeout=60)
            for row in _refresh(rows):
                assert timezone.now() < row.next_attempt_at <= timezone.now() + ceiling

        smtp_server.down = False
        clock.shift(ceiling)
        assert email_relay() == 3
        assert wait_until(lambda: _all_in(rows, Status.SENT), timeout=60)
    assert _once_each(smtp_server, rows)


# --- a server slower than EMAIL_TIMEOUT --------------------------------------------------


def test_a_server_slower_than_the_timeout_gets_one_copy_and_the_row_says_unconfirmed(
    celery_worker, smtp_server, settings
):
    """The server keeps each message but answers 250 only after EMAIL_TIMEOUT: the
    message went out whole, so it is not sent again (not by the task's retries, not by
    the relay); the row says so, and staff can still send it again."""
    settings.EMAIL_TIMEOUT = 1
    smtp_server.slow = 2.5
    smtp_server.start()
    rows = _enqueue(2, "slow")

    assert wait_until(lambda: _all_in(rows, Status.UNCONFIRMED), timeout=60)
    assert wait_until(lambda: False, timeout=smtp_server.slow + 2) is False  # room for any retry
    assert email_relay(now=timezone.now() + timedelta(days=1)) == 0
    assert _once_each(smtp_server, rows)
    for row in _refresh(rows):
        assert row.attempts == 1 and row.sent_at is not None
        assert row.last_error.startswith("The SMTP server took the message but did not confirm it")

    # a refusal during DATA is known, not unconfirmed: retried as before
    smtp_server.slow = 0
    smtp_server.refuse = 1
    [refused] = _enqueue(1, "refused")
    assert wait_until(lambda: _all_in([refused], Status.SENT), timeout=30)
    assert OutboundEmail.objects.get(pk=refused.pk).attempts == 2


# --- a worker killed mid-send ----------------------------------------------------------


def test_a_row_left_sending_by_a_killed_worker_is_reset_and_sent_once_by_the_relay(
    celery_worker, smtp_server, task_results
):
    smtp_server.start()
    long_ago = timezone.now() - timedelta(hours=1)
    stale = _row(subject="stale", status=Status.SENDING, claimed_at=long_ago, attempts=1)
    busy = _row(subject="busy", status=Status.SENDING, claimed_at=timezone.now() - timedelta(seconds=10), attempts=1)
    stale_capped = _row(
        subject="capped", status=Status.SENDING, claimed_at=long_ago, attempts=3, owed_since=long_ago - timedelta(days=3)
    )
    sent = _row(subject="sent", status=Status.SENT, claimed_at=long_ago, sent_at=long_ago, attempts=1)

    assert email_relay() == 1
    assert wait_until(lambda: _all_in([stale], Status.SENT), timeout=30)
    assert _once_each(smtp_server, [stale])
    stale.refresh_from_db()
    assert stale.attempts == 2 and stale.last_error == ""
    busy.refresh_from_db()
    assert busy.status == Status.SENDING  # its worker may just be slow: not touched
    stale_capped.refresh_from_db()
    assert stale_capped.status == Status.FAILED and stale_capped.last_error == WORKER_LOST

    # a sent row is never sent again: not by the relay, not by email_send (twice, via the worker)
    busy.delete()  # a day later it would be stale too
    assert email_relay(now=timezone.now() + timedelta(days=1)) == 0
    strays = [email_send.delay(sent.pk), email_send.delay(stale.pk)]
    assert wait_until(lambda: all(task.id in task_results for task in strays), timeout=20)
    assert [task_results[task.id] for task in strays] == [("SUCCESS", False), ("SUCCESS", False)]
    assert _once_each(smtp_server, [stale])


def _database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{os.path.abspath(db['NAME'])}"
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


def test_a_real_worker_process_killed_while_sending_the_relay_sends_it_once(
    celery_worker, smtp_server, private_redis, monkeypatch, tmp_path
):
    """A separate `celery worker` process (on a private Redis) claims the row and is
    SIGKILLed while the SMTP server holds its DATA: the row is left "sending"."""
    smtp_server.hang = True
    smtp_server.start()
    queue = Queue("killable", Exchange("killable", type="direct"), routing_key="killable")
    producer_connection = celery_app.connection_for_write(private_redis.url)
    queue(producer_connection.default_channel).declare()
    monkeypatch.setattr(
        services,
        "_dispatch",
        lambda email_id: email_send.apply_async(args=[email_id], connection=producer_connection, queue=queue),
    )
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": private_redis.url,
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_server.port}",
        "EMAIL_TIMEOUT": "60",
    }
    log = tmp_path / "worker.log"
    with log.open("w") as out:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "portal", "worker", "-Q", "killable", "-P", "solo", "-c", "1"]
            + ["--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "WARNING"],
            cwd=django_settings.BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        [email] = _enqueue(1, "killed")
        assert wait_until(smtp_server.hanging.is_set, timeout=60), log.read_text()
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait(timeout=10)
        producer_connection.release()
    smtp_server.release.set()

    email.refresh_from_db()
    assert email.status == Status.SENDING and email.attempts == 1  # what a killed worker leaves
    assert smtp_server.messages == []
    assert email_relay() == 0  # claimed seconds ago: maybe only slow
    assert email_relay(now=timezone.now() + timedelta(minutes=16)) == 1

    assert wait_until(lambda: _all_in([email], Status.SENT), timeout=30)
    assert _once_each(smtp_server, [email])
    email.refresh_from_db()
    assert email.attempts == 2


# --- Redis killed with messages queued -------------------------------------------------


def test_a_message_lost_in_redis_is_not_an_email_lost(celery_worker, smtp_server, private_redis, monkeypatch):
    smtp_server.start()
    # The app's e-mail queue, but on a private Redis that the session's worker does not read.
    queue = celery_app.amqp.router.route({}, email_send.name)["queue"]
    doomed = celery_app.connection_for_write(private_redis.url)
    queue(doomed.default_channel).declare()
    monkeypatch.setattr(
        services, "_dispatch", lambda email_id: email_send.apply_async(args=[email_id], connection=doomed)
    )
    try:
        rows = _enqueue(3, "lost")
        assert private_redis.client().llen(queue.name) == 3  # the tasks are in Redis

        private_redis.kill()
        # committed while Redis is down: the dispatch after commit fails, the change stands
        rows += _enqueue(1, "down")
    finally:
        doomed.release()

    private_redis.start()  # the same port, empty: without persistence the messages are gone
    assert private_redis.client().llen(queue.name) == 0
    assert _all_in(rows, Status.PENDING) and smtp_server.messages == []

    assert email_relay() == 0  # younger than EMAIL_RELAY_DELAY_SECONDS: maybe still on their way
    assert email_relay(now=timezone.now() + timedelta(seconds=61)) == 4  # through the normal broker
    assert wait_until(lambda: _all_in(rows, Status.SENT), timeout=30)
    assert _once_each(smtp_server, rows)
    assert all(row.attempts == 1 for row in _refresh(rows))
    assert email_relay(now=timezone.now() + timedelta(days=1)) == 0


def test_the_relay_task_runs_on_the_worker(celery_worker, smtp_server, monkeypatch):
    smtp_server.start()
    monkeypatch.setattr(services, "_dispatch", lambda email_id: None)
    [email] = _enqueue(1, "beat")
    OutboundEmail.objects.filter(pk=email.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    email_relay_task.delay()
    assert wait_until(lambda: _all_in([email], Status.SENT), timeout=30)
    assert _once_each(smtp_server, [email])


@pytest.mark.django_db
def test_the_beat_schedule_runs_the_relay_every_minute_on_the_email_queue():
    migration = importlib.import_module("notifications.migrations.0003_email_relay_periodic_task")
    PeriodicTask.objects.filter(name="E-mail relay").delete()
    migration.create_periodic_task(django_apps, None)
    migration.create_periodic_task(django_apps, None)  # idempotent
    periodic = PeriodicTask.objects.get(name="E-mail relay")
    assert periodic.task == email_relay_task.name and periodic.enabled
    assert (periodic.interval.every, periodic.interval.period) == (1, "minutes")
    assert periodic.queue is None  # routed like every notifications task:
    assert celery_app.amqp.router.route({}, periodic.task)["queue"].name.endswith("email")


# --- the admin ---------------------------------------------------------------------------


def test_admin_send_again_queues_failed_and_pending_never_sent(celery_worker, smtp_server):
    smtp_server.start()
    long_ago = timezone.now() - timedelta(hours=2)
    failed = _row(
        subject="subject-gave-up",
        status=Status.FAILED,
        attempts=7,
        next_attempt_at=None,  # given up
        claimed_at=long_ago,
        last_error="SMTPDataError(421, b'Service not available')",
    )
    pending = _row(
        subject="subject-stuck", status=Status.PENDING, next_attempt_at=timezone.now() + timedelta(minutes=9)
    )
    sent = _row(subject="subject-delivered", status=Status.SENT, attempts=1, claimed_at=long_ago, sent_at=long_ago)
    sending = _row(subject="subject-in-flight", status=Status.SENDING, attempts=1, claimed_at=timezone.now())
    client = Client()
    client.force_login(User.objects.create_superuser(email="root@example.com", password="x"))

    page = client.get(CHANGELIST, {"status__exact": "failed"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "subject-gave-up" in html and "subject-delivered" not in html and "subject-stuck" not in html
    assert "Service not available" in html and "Send again" in html

    response = client.post(
        CHANGELIST,
        {"action": "send_again", "_selected_action": [failed.pk, pending.pk, sent.pk, sending.pk]},
        follow=True,
    )
    assert response.status_code == 200
    notes = [str(message) for message in response.context["messages"]]
    assert notes == [
        "2 e-mails queued to be sent again.",
        "1 skipped: already sent, it is never sent twice.",
        "1 skipped: being sent right now.",
    ]
    assert wait_until(lambda: _all_in([failed, pending], Status.SENT), timeout=30)
    assert _once_each(smtp_server, [failed, pending])
    assert OutboundEmail.objects.get(pk=sending.pk).status == Status.SENDING

    # clicking again on what is now sent queues nothing
    response = client.post(
        CHANGELIST, {"action": "send_again", "_selected_action": [failed.pk, pending.pk]}, follow=True
    )
    notes = [str(message) for message in response.context["messages"]]
    assert notes == ["0 e-mails queued to be sent again.", "2 skipped: already sent, they are never sent twice."]
    sending.delete()  # a day later it would be stale
    assert email_relay(now=timezone.now() + timedelta(days=1)) == 0
    assert _once_each(smtp_server, [failed, pending])


@pytest.mark.django_db
def test_admin_send_again_needs_the_resend_permission():
    viewer = User.objects.create_user(email="viewer@example.com", password="x", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_outboundemail"))
    request = RequestFactory().get(CHANGELIST)
    request.user = User.objects.get(pk=viewer.pk)
    model_admin = admin.site._registry[OutboundEmail]
    assert isinstance(model_admin, OutboundEmailAdmin)
    assert "send_again" not in model_admin.get_actions(request)

    viewer.user_permissions.add(Permission.objects.get(codename="resend_outboundemail"))
    request.user = User.objects.get(pk=viewer.pk)
    assert "send_again" in model_admin.get_actions(request)
