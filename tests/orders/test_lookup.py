"""The guest's front door: same answer whether or not the order matches; an e-mail
(through the outbox) only when it does; rate limits per IP and per order number."""

import socket
from datetime import timedelta

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from notifications.models import OutboundEmail
from orders import services as order_services
from orders.models import OrderLookupRequest
from orders.services import order_access_link_send, order_lookup_relay
from orders.tasks import order_lookup_process_task
from portal.celery import app as celery_app
from tests.factories import OrderFactory
from tests.notifications.test_delivery_faults import RedisServer
from tests.waiting import wait_until

pytestmark = pytest.mark.django_db


def _lookup(client, store, number, email, ip="10.0.0.1"):
    return client.post(
        reverse("orders:store_home", args=[store.slug]),
        {"order_number": number, "email": email},
        REMOTE_ADDR=ip,
    )


def test_matching_order_queues_an_access_email(client, celery_worker, mailoutbox):
    order = OrderFactory(number="A-1", customer_email="pat@example.com")
    response = _lookup(client, order.store, " #a-1 ", "PAT@example.com")
    assert response.status_code == 200
    assert "Check your e-mail" in response.content.decode()
    assert wait_until(lambda: OutboundEmail.objects.exists())
    email = OutboundEmail.objects.get()
    assert email.to == "pat@example.com"
    assert email.kind == "order_access"
    assert order.store.name in email.subject and "A-1" in email.subject
    assert wait_until(lambda: len(mailoutbox) == 1)
    assert f"/s/{order.store.slug}/access/" in mailoutbox[0].body  # put in when sent, not kept in the row


def test_mismatch_gives_the_same_page_and_sends_nothing(client, celery_worker):
    order = OrderFactory(number="A-1", customer_email="pat@example.com")
    wrong_email = _lookup(client, order.store, "A-1", "someone@example.com", ip="10.0.0.3")
    wrong_number = _lookup(client, order.store, "A-2", "pat@example.com", ip="10.0.0.4")
    # the worker takes tasks in order: once the match's e-mail exists, the misses ran
    matched = _lookup(client, order.store, "A-1", "pat@example.com", ip="10.0.0.2")
    assert matched.status_code == wrong_email.status_code == wrong_number.status_code == 200

    def body(response, email):
        return response.content.decode().replace(email, "EMAIL").replace("csrfmiddlewaretoken", "")

    assert body(matched, "pat@example.com") == body(wrong_number, "pat@example.com")
    assert body(matched, "pat@example.com") == body(wrong_email, "someone@example.com")
    assert wait_until(lambda: OutboundEmail.objects.exists())
    assert list(OutboundEmail.objects.values_list("to", flat=True)) == ["pat@example.com"]


def test_order_of_another_store_is_not_found(client, celery_worker):
    order = OrderFactory(number="A-1")
    other = OrderFactory(number="B-1", customer_email="b@example.com")
    _lookup(client, other.store, "A-1", order.customer_email, ip="10.0.0.5")
    _lookup(client, other.store, "B-1", "b@example.com", ip="10.0.0.6")
    assert wait_until(lambda: OutboundEmail.objects.exists())
    assert list(OutboundEmail.objects.values_list("to", flat=True)) == ["b@example.com"]


def test_invalid_form_shows_field_errors(client):
    order = OrderFactory()
    response = _lookup(client, order.store, "", "not-an-email")
    assert response.status_code == 200
    content = response.content.decode()
    assert "This field is required." in content
    assert "Enter a valid email address." in content


def test_rate_limit_per_ip_gives_a_friendly_429(client):
    order = OrderFactory()
    for _ in range(5):
        assert _lookup(client, order.store, "X-1", "a@example.com", ip="10.9.9.9").status_code == 200
    response = _lookup(client, order.store, "X-1", "a@example.com", ip="10.9.9.9")
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    # another address is not affected
    assert _lookup(client, order.store, "X-1", "a@example.com", ip="10.9.9.10").status_code == 200


def test_rate_limit_per_order_number_across_addresses(client, settings, celery_worker):
    settings.LOOKUP_RATE_PER_IP = "1000/m"
    order = OrderFactory(number="A-7", customer_email="pat@example.com")
    for attempt in range(10):
        response = _lookup(client, order.store, "A-7", f"guess{attempt}@example.com", ip=f"10.1.0.{attempt}")
        assert response.status_code == 200
    response = _lookup(client, order.store, "a-7", "pat@example.com", ip="10.1.1.1")
    assert response.status_code == 429
    # a different order number is still open, and the blocked match sent nothing
    other = OrderFactory(store=order.store, number="A-8", customer_email="kim@example.com")
    assert _lookup(client, order.store, "A-8", "kim@example.com", ip="10.1.1.2").status_code == 200
    assert wait_until(lambda: OutboundEmail.objects.exists())
    assert list(OutboundEmail.objects.values_list("to", flat=True)) == [other.customer_email]


def test_get_shows_the_lookup_form(client):
    order = OrderFactory()
    response = client.get(reverse("orders:store_home", args=[order.store.slug]))
    assert response.status_code == 200
    content = response.content.decode()
    assert 'for="id_order_number"' in content and 'for="id_email"' in content


def test_unknown_store_is_404(client):
    response = client.get("/s/no-such-brand/")
    assert response.status_code == 404
    assert "We couldn" in response.content.decode()


@pytest.mark.parametrize(("max_age", "said"), [(24 * 3600, "24 hours"), (2 * 3600, "2 hours"), (1800, "30 minutes")])
def test_the_page_and_the_email_say_how_long_the_link_really_works(client, settings, max_age, said):
    settings.GUEST_LINK_MAX_AGE = max_age
    order = OrderFactory(number="A-7", customer_email="pat@example.com")
    page = _lookup(client, order.store, "A-7", "pat@example.com", ip="10.0.7.1").content.decode()
    assert f"The link works for {said}." in page

    order_access_link_send(store_id=order.store_id, order_number="A-7", email="pat@example.com", base_url="http://t/")
    email = OutboundEmail.objects.get()
    for body in (email.body_text, email.body_html):
        assert f"The link works for {said} and opens this order only." in body
        if said != "24 hours":
            assert "24 hours" not in body


@pytest.fixture
def private_redis():
    server = RedisServer()
    server.start()
    yield server
    server.kill()


def test_a_lookup_whose_task_the_broker_refused_is_emailed_once_the_relay_runs(
    client, celery_worker, private_redis, monkeypatch
):
    """Redis down when the look-up commits: the task is never queued, but the look-up
    is a row; the lookup relay (beat, every minute) dispatches it again and the link
    e-mail is written, once. A miss leaves no e-mail and no row either."""
    order = OrderFactory(number="A-9", customer_email="pat@example.com")
    down = celery_app.connection_for_write(private_redis.url)
    private_redis.kill()
    monkeypatch.setattr(
        order_services,
        "_dispatch_lookup",
        lambda lookup_id: order_lookup_process_task.apply_async(args=[lookup_id], connection=down),
    )
    try:
        matched = _lookup(client, order.store, "a-9", "Pat@Example.com", ip="10.0.9.1")
        missed = _lookup(client, order.store, "A-9", "other@example.com", ip="10.0.9.2")
    finally:
        down.release()
        monkeypatch.undo()
    assert matched.status_code == missed.status_code == 200
    assert OrderLookupRequest.objects.count() == 2
    assert not OutboundEmail.objects.exists()

    assert order_lookup_relay() == 0  # dispatched seconds ago: maybe still on its way
    assert order_lookup_relay(now=timezone.now() + timedelta(seconds=61)) == 2
    assert wait_until(lambda: not OrderLookupRequest.objects.exists(), timeout=30)
    assert list(OutboundEmail.objects.values_list("to", "kind")) == [("pat@example.com", "order_access")]
    assert order_lookup_relay(now=timezone.now() + timedelta(minutes=5)) == 0


@pytest.mark.django_db
def test_lookups_never_done_are_deleted_after_a_day():
    order = OrderFactory(number="A-10")
    order_services.order_access_link_request(store=order.store, order_number="A-10", email="x@example.com", base_url="/")
    assert order_lookup_relay(now=timezone.now() + timedelta(hours=23)) == 1
    assert order_lookup_relay(now=timezone.now() + timedelta(hours=25)) == 0
    assert not OrderLookupRequest.objects.exists()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_with_redis_down_the_lookup_answers_and_the_limits_still_count(client):
    """The production cache (REDIS_URL set) with nothing listening at its address."""
    redis_down = {
        "default": {
            "BACKEND": "portal.cache.FallbackRedisCache",
            "LOCATION": f"redis://127.0.0.1:{_closed_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    order = OrderFactory(number="A-11", customer_email="pat@example.com")
    with override_settings(CACHES=redis_down):
        for _ in range(5):
            response = _lookup(client, order.store, "A-11", "pat@example.com", ip="10.0.11.1")
            assert response.status_code == 200
            assert "Check your e-mail" in response.content.decode()
        # counted in the process while Redis is away: the limit still holds
        assert _lookup(client, order.store, "A-11", "pat@example.com", ip="10.0.11.1").status_code == 429
    assert OrderLookupRequest.objects.count() == 5
