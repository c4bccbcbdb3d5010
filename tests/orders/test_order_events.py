"""Order events as data (payment confirmed, in stock, installed): they arrive by the
webhook's `events` list and the CSV import's `event:<name>` columns, and staff add
one on the order's admin page. Only the store's own event names are accepted; a bad
name or time is a clear 400 (webhook) or a row error (import) and nothing is written;
a later report of the same event moves its time."""

import json
import re
from datetime import UTC, datetime

import pytest
import tablib
from django.urls import reverse

from accounts.models import StoreMembership
from orders.models import Order, OrderEvent, OrderEventType, WebhookEvent
from orders.resources import OrderLineImportResource
from orders.services import webhook_signature
from tests.factories import OrderFactory, ProductFactory, StoreFactory, UserFactory

pytestmark = pytest.mark.django_db


def _post(client, store, payload):
    body = json.dumps(payload).encode()
    return client.post(
        reverse("orders:order_webhook", args=[store.slug]),
        data=body,
        content_type="application/json",
        HTTP_X_PORTAL_SIGNATURE=webhook_signature(secret=store.webhook_secret, body=body),
    )


def _store_with_events():
    product = ProductFactory(sku="P-A", store=StoreFactory(time_zone="Asia/Shanghai", country="CN"))
    store = product.store
    OrderEventType.objects.create(store=store, name="payment_confirmed", label="payment confirmation")
    OrderEventType.objects.create(store=store, name="in_stock", label="in-stock date", until_words="the product is in stock")
    return store, product


def _created(sku, events, event_id="evt-1", number="E-1"):
    return {
        "id": event_id,
        "type": "order.created",
        "order": {
            "number": number,
            "customer_email": "pat@example.com",
            "placed_at": "2027-01-01T10:00:00+08:00",
            "lines": [{"sku": sku, "quantity": 1, "unit_price": "100.00"}],
            "events": events,
        },
    }


def _events(order):
    return {e.event_type.name: (e.occurred_at, e.source) for e in order.events.select_related("event_type")}


def test_webhook_records_the_order_events_and_a_later_report_moves_the_time(client):
    store, product = _store_with_events()
    response = _post(client, store, _created(product.sku, [{"name": "payment_confirmed", "at": "2027-01-02T00:30:00+08:00"}]))
    assert response.status_code == 200, response.content
    order = Order.objects.get(store=store, number="E-1")
    assert _events(order) == {"payment_confirmed": (datetime(2027, 1, 1, 16, 30, tzinfo=UTC), "webhook")}

    update = {
        "id": "evt-2",
        "type": "order.updated",
        "order": {
            "number": "E-1",
            "events": [
                {"name": "payment_confirmed", "at": "2027-01-03T09:00:00+00:00"},
                {"name": "in_stock", "at": "2027-01-10T08:00:00+08:00"},
            ],
        },
    }
    assert _post(client, store, update).status_code == 200
    assert _events(order) == {
        "payment_confirmed": (datetime(2027, 1, 3, 9, 0, tzinfo=UTC), "webhook"),
        "in_stock": (datetime(2027, 1, 10, 0, 0, tzinfo=UTC), "webhook"),
    }
    assert OrderEvent.objects.count() == 2  # one per order and name


@pytest.mark.parametrize(
    ("events", "message"),
    [
        (
            [{"name": "installed", "at": "2027-01-02T00:30:00+08:00"}],
            "events[0]: 'installed' is not an order event of this store; its events are: in_stock, payment_confirmed.",
        ),
        (
            [{"name": "payment_confirmed", "at": "2027-01-02"}],
            "events[0] (payment_confirmed): “at” must be an ISO 8601 time with a UTC offset, e.g. 2027-01-03T10:00:00+08:00.",
        ),
        (
            [{"name": "payment_confirmed", "at": "2027-13-02T00:30:00+08:00"}],
            "events[0] (payment_confirmed): “at” must be an ISO 8601 time with a UTC offset, e.g. 2027-01-03T10:00:00+08:00.",
        ),
        (
            [{"name": "payment_confirmed", "at": "2027-01-02T00:30:00"}],
            "events[0] (payment_confirmed): “at” must be an ISO 8601 time with a UTC offset, e.g. 2027-01-03T10:00:00+08:00.",
        ),
        ({"payment_confirmed": "2027-01-02T00:30:00+08:00"}, 'events must be a list of objects like {"name": "payment_confirmed"'),
        (["payment_confirmed"], 'events[0] must be an object with "name" and "at".'),
        (
            [{"name": "in_stock", "at": "2027-01-02T00:30:00+08:00"}, {"name": "in_stock", "at": "2027-01-03T00:30:00+08:00"}],
            "events[1]: in_stock is listed twice.",
        ),
    ],
)
def test_webhook_refuses_a_bad_event_with_a_clear_400_and_writes_nothing(client, events, message):
    store, product = _store_with_events()
    response = _post(client, store, _created(product.sku, events))
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert Order.objects.count() == 0 and OrderEvent.objects.count() == 0 and WebhookEvent.objects.count() == 0


def test_webhook_names_are_the_stores_own():
    """Another store's event name is unknown here, and a store without events says how to add them."""
    store, product = _store_with_events()
    other = ProductFactory(sku="P-A")
    from django.test import Client

    response = _post(Client(), other.store, _created("P-A", [{"name": "payment_confirmed", "at": "2027-01-02T00:30:00+08:00"}]))
    assert response.status_code == 400
    assert "its events are: none yet (a manager adds them under Orders › Order event types)" in response.json()["error"]


HEADER = "store,order_number,customer_email,placed_at,sku,quantity,unit_price,event:payment_confirmed,event:in_stock"


def _import(csv_text, user=None):
    dataset = tablib.Dataset().load(csv_text, format="csv")
    return OrderLineImportResource(user=user).import_data(dataset, dry_run=False, use_transactions=True, rollback_on_validation_errors=True)


def test_csv_import_records_events_from_event_columns():
    store, product = _store_with_events()
    ProductFactory(sku="P-B", store=store)
    s = store.slug
    csv_text = "\n".join(
        [
            HEADER,
            f"{s},C-1,pat@example.com,2027-01-01T10:00:00+08:00,P-A,1,100.00,2027-01-02T00:30:00+08:00,",
            f"{s},C-1,pat@example.com,2027-01-01T10:00:00+08:00,P-B,1,10.00,,",  # empty: nothing reported
            f"{s},C-2,kim@example.com,2027-01-01T10:00:00+08:00,P-A,1,100.00,,2027-01-09T12:00:00+00:00",
        ]
    )
    result = _import(csv_text)
    assert not result.has_errors() and not result.has_validation_errors(), [r.error_dict for r in result.invalid_rows]
    assert _events(Order.objects.get(number="C-1")) == {"payment_confirmed": (datetime(2027, 1, 1, 16, 30, tzinfo=UTC), "csv")}
    assert _events(Order.objects.get(number="C-2")) == {"in_stock": (datetime(2027, 1, 9, 12, 0, tzinfo=UTC), "csv")}

    # a re-import with a new time moves the event
    _import(HEADER + f"\n{s},C-1,pat@example.com,2027-01-01T10:00:00+08:00,P-A,1,100.00,2027-01-04T00:00:00+00:00,")
    assert _events(Order.objects.get(number="C-1"))["payment_confirmed"][0] == datetime(2027, 1, 4, tzinfo=UTC)


@pytest.mark.parametrize(
    ("header", "cell", "column", "message"),
    [
        ("event:installed", "2027-01-02T00:30:00+08:00", "event:installed", "has no order event 'installed'; its events are: in_stock, payment_confirmed."),
        ("event:payment_confirmed", "02/01/2027", "event:payment_confirmed", "Use ISO 8601 with a UTC offset"),
    ],
)
def test_csv_import_refuses_a_bad_event_column_and_imports_nothing(header, cell, column, message):
    store, _product = _store_with_events()
    s = store.slug
    csv_text = (
        f"store,order_number,customer_email,placed_at,sku,quantity,unit_price,{header}\n"
        f"{s},C-1,pat@example.com,2027-01-01T10:00:00+08:00,P-A,1,100.00,2027-01-02T00:30:00+08:00\n"
        f"{s},C-2,pat@example.com,2027-01-01T10:00:00+08:00,P-A,1,100.00,{cell}\n"
    )
    if header == "event:installed":
        csv_text = csv_text.replace(",2027-01-02T00:30:00+08:00\n", ",\n", 1)  # the first row leaves it empty
    result = _import(csv_text)
    assert result.has_validation_errors()
    errors = {k: " ".join(v) for row in result.invalid_rows for k, v in row.error_dict.items()}
    assert column in errors and message in errors[column], errors
    assert Order.objects.count() == 0 and OrderEvent.objects.count() == 0


def test_import_page_names_the_event_columns_of_the_managers_stores(client):
    store, _product = _store_with_events()
    other = StoreFactory(name="Other brand")
    OrderEventType.objects.create(store=other, name="secret_event", label="secret")
    manager = UserFactory(is_staff=True)
    StoreMembership.objects.create(user=manager, store=store)
    from django.contrib.auth.models import Group

    manager.groups.add(Group.objects.get(name="manager"))
    client.force_login(manager)
    page = client.get(reverse("admin:orders_order_import")).content.decode()
    assert "event:payment_confirmed" in page and "payment confirmation" in page and "event:in_stock" in page
    assert "secret_event" not in page
    assert "ISO 8601 with a UTC offset" in page


def test_staff_add_an_event_on_the_orders_admin_page_from_its_stores_events_only(client):
    store, _product = _store_with_events()
    other = StoreFactory()
    foreign = OrderEventType.objects.create(store=other, name="foreign", label="foreign")
    order = OrderFactory(store=store, number="S-1")
    admin_user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    url = reverse("admin:orders_order_change", args=[order.pk])
    page = client.get(url)
    formset = next(f.formset for f in page.context["inline_admin_formsets"] if f.formset.model is OrderEvent)
    offered = set(formset.empty_form.fields["event_type"].queryset)
    assert offered == set(OrderEventType.objects.filter(store=store)) and foreign not in offered

    data = _change_form_data(page)
    prefix = formset.prefix
    data.update(
        {
            f"{prefix}-TOTAL_FORMS": "1",
            f"{prefix}-0-event_type": str(OrderEventType.objects.get(store=store, name="in_stock").pk),
            f"{prefix}-0-occurred_at_0": "2027-01-10",
            f"{prefix}-0-occurred_at_1": "08:00:00",
            f"{prefix}-0-order": str(order.pk),
        }
    )
    response = client.post(url, data)
    assert response.status_code == 302, _errors(response)
    event = order.events.get()
    assert (event.event_type.name, event.source) == ("in_stock", "staff")


def _change_form_data(page) -> dict:
    """The change form's fields as the browser would post them."""
    form = page.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if hasattr(value, "pk"):
            value = value.pk
        if isinstance(value, datetime):
            data[f"{name}_0"], data[f"{name}_1"] = value.strftime("%Y-%m-%d"), value.strftime("%H:%M:%S")
            continue
        if value is not None:
            data[name] = value
    for inline in page.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        for name in management.fields:
            data[f"{inline.formset.prefix}-{name}"] = management.initial.get(name, management[name].value())
    return data


def _errors(response):
    if response.context is None:
        return response.status_code
    return [str(e) for e in response.context.get("errors", [])] + re.findall(r'class="errorlist[^"]*">(.*?)</ul>', response.content.decode())


def test_the_event_type_names_are_unique_per_store():
    store, _product = _store_with_events()
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        OrderEventType(store=store, name="in_stock", label="again").full_clean()
    OrderEventType(store=StoreFactory(), name="in_stock", label="elsewhere").full_clean()


def test_an_event_of_another_stores_type_is_refused():
    store, _product = _store_with_events()
    from django.core.exceptions import ValidationError

    order = OrderFactory(store=StoreFactory())
    with pytest.raises(ValidationError, match="not one of the order's store"):
        OrderEvent(order=order, event_type=OrderEventType.objects.filter(store=store).first(), occurred_at=datetime(2027, 1, 1, tzinfo=UTC)).full_clean()




def test_staff_see_and_pick_only_their_stores_event_types(client):
    store, _product = _store_with_events()
    other = StoreFactory(name="Other brand")
    foreign = OrderEventType.objects.create(store=other, name="secret_event", label="secret label")
    manager = UserFactory(is_staff=True)
    StoreMembership.objects.create(user=manager, store=store)
    from django.contrib.auth.models import Group

    manager.groups.add(Group.objects.get(name="manager"))
    client.force_login(manager)
    listing = client.get(reverse("admin:orders_ordereventtype_changelist")).content.decode()
    assert "payment confirmation" in listing and "secret label" not in listing
    assert client.get(reverse("admin:orders_ordereventtype_change", args=[foreign.pk])).status_code in (302, 404)

    order = OrderFactory(store=store)
    page = client.get(reverse("admin:orders_order_change", args=[order.pk]))
    formset = next(f.formset for f in page.context["inline_admin_formsets"] if f.formset.model is OrderEvent)
    assert foreign not in set(formset.empty_form.fields["event_type"].queryset)
