"""The outbox: an e-mail is a row written with the change that causes it, sent by a
real Celery worker after commit, once; nothing is sent when the change rolls back."""

import socket
import time

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message
from django.core import mail
from django.db import transaction

from notifications.models import OutboundEmail
from notifications.services import email_deliver, email_enqueue
from orders.services import order_access_link_send
from tests.factories import OrderFactory


def _wait_for(predicate, timeout=90.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


@pytest.mark.django_db
def test_row_is_written_in_the_callers_transaction_and_vanishes_on_rollback():
    with pytest.raises(RuntimeError), transaction.atomic():
        email_enqueue(to="a@example.com", subject="Hi", body_text="Hello", kind="test")
        assert OutboundEmail.objects.count() == 1
        raise RuntimeError("the change failed")
    assert OutboundEmail.objects.count() == 0


def test_worker_sends_after_commit(celery_worker, mailoutbox):
    order = OrderFactory(number="Q-1")
    order_access_link_send(store_id=order.store_id, order_number="Q-1", email=order.customer_email, base_url="http://testserver/")
    assert _wait_for(lambda: len(mailoutbox) == 1)
    message = mailoutbox[0]
    row = OutboundEmail.objects.get()
    assert message.to == [order.customer_email]
    assert message.extra_headers["Message-ID"] == row.message_id
    assert message.alternatives and order.store.name in message.alternatives[0][0]
    assert _wait_for(lambda: OutboundEmail.objects.get().status == OutboundEmail.Status.SENT)


def test_nothing_is_sent_when_the_change_rolls_back(celery_worker, mailoutbox):
    order = OrderFactory(number="Q-2")
    with pytest.raises(RuntimeError), transaction.atomic():
        order_access_link_send(store_id=order.store_id, order_number="Q-2", email=order.customer_email, base_url="http://t/")
        raise RuntimeError("rolled back")
    # a committed e-mail after it proves the worker was listening all along
    email_enqueue(to="later@example.com", subject="Later", body_text="x", kind="test")
    assert _wait_for(lambda: len(mailoutbox) == 1)
    assert [m.to for m in mailoutbox] == [["later@example.com"]]
    assert OutboundEmail.objects.count() == 1


@pytest.mark.django_db
def test_a_sent_row_is_never_sent_again(mailoutbox):
    email = email_enqueue(to="a@example.com", subject="Once", body_text="x", kind="test")
    assert email_deliver(email_id=email.pk) is True
    assert email_deliver(email_id=email.pk) is False
    assert len(mailoutbox) == 1


class _SMTPServer:
    def __init__(self):
        self.messages = []
        outer = self

        class Handler(Message):
            def handle_message(self, message):
                outer.messages.append(message)

        self.port = _free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.django_db
def test_real_smtp_delivery_and_a_down_server(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_TIMEOUT = 5
    server = _SMTPServer()
    settings.EMAIL_PORT = server.port
    email = email_enqueue(to="a@example.com", subject="Over SMTP", body_text="plain", body_html="<p>html</p>", kind="test")

    # down: the row records the failure and stays retryable
    with pytest.raises(OSError):
        email_deliver(email_id=email.pk)
    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.FAILED and "Connection refused" in email.last_error

    server.controller.start()
    try:
        assert email_deliver(email_id=email.pk) is True
    finally:
        server.controller.stop()
    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.SENT and email.attempts == 2
    assert len(server.messages) == 1
    received = server.messages[0]
    assert received["Message-ID"] == email.message_id
    assert received["Subject"] == "Over SMTP"
    assert mail.outbox == []
