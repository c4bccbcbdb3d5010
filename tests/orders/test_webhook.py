"""The per-store JSON webhook: HMAC-SHA256 of the body with the store's secret;
idempotent per event id; a bad signature gets 401 and writes nothing."""

import json

import pytest
from django.urls import reverse

from orders.models import Order, Shipment, WebhookEvent
from orders.services import webhook_signature
from tests.factories import ProductFactory, StoreFactory

pytestmark = pytest.mark.django_db


def _post(client, store, payload, secret=None, raw=None):
    body = raw if raw is not None else json.dumps(payload).encode()
    signature = webhook_signature(secret=secret or store.webhook_secret, body=body)
    return client.post(
        reverse("orders:order_webhook", args=[store.slug]),
        data=body,
        content_type="application/json",
        HTTP_X_PORTAL_SIGNATURE=signature,
    )


def _created(store, sku, event_id="evt-1", number="W-1"):
    return {
        "id": event_id,
        "type": "order.created",
        "order": {
            "number": number,
            "customer_email": "pat@example.com",
            "customer_name": "Pat",
            "channel": "online",
            "shipping_country": "us",
            "shipping_charged": "4.90",
            "placed_at": "2026-10-01T10:00:00+00:00",
            "paid_at": "2026-10-01T10:01:00+00:00",
            "lines": [{"sku": sku, "quantity": 2, "unit_price": "19.99", "discount": "1.00"}],
        },
    }


def test_created_order_with_lines(client):
    product = ProductFactory()
    response = _post(client, product.store, _created(product.store, product.sku))
    assert response.status_code == 200, response.content
    order = Order.objects.get(store=product.store, number="W-1")
    assert order.shipping_country == "US"
    assert order.currency == product.store.currency
    line = order.lines.get()
    assert (line.quantity, str(line.unit_price), str(line.discount)) == (2, "19.99", "1.00")
    assert str(order.total_paid) == "43.88"


def test_redelivery_is_a_no_op(client):
    product = ProductFactory()
    payload = _created(product.store, product.sku)
    assert _post(client, product.store, payload).json() == {"status": "ok", "order": "W-1"}
    assert _post(client, product.store, payload).json() == {"status": "duplicate"}
    assert Order.objects.count() == 1
    assert Order.objects.get().lines.count() == 1
    assert WebhookEvent.objects.count() == 1


def test_bad_signature_is_401_and_writes_nothing(client):
    product = ProductFactory()
    response = _post(client, product.store, _created(product.store, product.sku), secret="wrong")
    assert response.status_code == 401
    assert Order.objects.count() == 0 and WebhookEvent.objects.count() == 0


def test_missing_signature_is_401(client):
    store = StoreFactory()
    response = client.post(reverse("orders:order_webhook", args=[store.slug]), data=b"{}", content_type="application/json")
    assert response.status_code == 401


def test_signature_of_another_store_is_401(client):
    product = ProductFactory()
    other = StoreFactory()
    body = json.dumps(_created(product.store, product.sku)).encode()
    response = client.post(
        reverse("orders:order_webhook", args=[other.slug]),
        data=body,
        content_type="application/json",
        HTTP_X_PORTAL_SIGNATURE=webhook_signature(secret=product.store.webhook_secret, body=body),
    )
    assert response.status_code == 401


def test_shipped_then_delivered(client):
    product = ProductFactory()
    store = product.store
    _post(client, store, _created(store, product.sku))
    shipped = {
        "id": "evt-2",
        "type": "order.shipped",
        "order": {"number": "W-1", "shipped_at": "2026-10-02T08:00:00Z", "carrier": "UPS", "tracking_number": "1Z1"},
    }
    delivered = {"id": "evt-3", "type": "order.delivered", "order": {"number": "W-1", "delivered_at": "2026-10-04T15:30:00+02:00"}}
    assert _post(client, store, shipped).status_code == 200
    assert _post(client, store, delivered).status_code == 200
    order = Order.objects.get()
    assert order.status == Order.Status.DELIVERED
    assert order.delivered_at.isoformat() == "2026-10-04T13:30:00+00:00"
    assert Shipment.objects.get().tracking_number == "1Z1"


@pytest.mark.parametrize(
    ("mutate", "status", "message"),
    [
        (lambda p: p["order"]["lines"][0].update(sku="NOPE"), 422, "unknown SKU"),
        (lambda p: p["order"]["lines"][0].update(quantity=0), 400, "quantity must be 1 or more"),
        (lambda p: p["order"].update(placed_at="yesterday"), 400, "placed_at must be an ISO 8601 time"),
        (lambda p: p["order"].update(placed_at="2026-13-02T08:00:00Z"), 400, "placed_at must be an ISO 8601 time"),
        (lambda p: p["order"].update(customer_email="not-an-email"), 400, "customer_email"),
        (lambda p: p.update(type="order.exploded"), 400, "Unknown event type"),
        (lambda p: p.pop("id"), 400, "no id"),
    ],
)
def test_bad_payload_is_rejected_and_writes_nothing(client, mutate, status, message):
    product = ProductFactory()
    payload = _created(product.store, product.sku)
    mutate(payload)
    response = _post(client, product.store, payload)
    assert response.status_code == status
    assert message in response.json()["error"]
    assert Order.objects.count() == 0 and WebhookEvent.objects.count() == 0


def test_not_json_is_400(client):
    store = StoreFactory()
    response = _post(client, store, None, raw=b"not json")
    assert response.status_code == 400


def test_event_for_unknown_order_is_422(client):
    store = StoreFactory()
    response = _post(client, store, {"id": "e", "type": "order.delivered", "order": {"number": "nope", "delivered_at": "2026-10-04T15:30:00Z"}})
    assert response.status_code == 422
