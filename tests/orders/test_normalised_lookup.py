"""Order numbers and customer e-mails are stored normalised (upper-case number without
'#' or spaces, lower-case e-mail) by every write path, so the guest lookup and "My
orders" match them exactly on an index; a shopper may still type them any way."""

import importlib
import json
import logging
from datetime import timedelta
from types import SimpleNamespace

import pytest
import tablib
from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from notifications.models import OutboundEmail
from orders.models import ORDER_NUMBER_EMPTY, Order
from orders.resources import OrderLineImportResource
from orders.selectors import order_for_lookup, order_for_viewer, orders_for_emails
from orders.services import normalise_email, normalise_order_number, order_access_link_send, webhook_signature
from tests.factories import OrderFactory, ProductFactory, StoreFactory, UserFactory

pytestmark = pytest.mark.django_db

migration = importlib.import_module("orders.migrations.0006_order_normalised_lookup")


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("IW-10020", "IW-10020"),
        ("iw-10020", "IW-10020"),
        ("#iw-10020 ", "IW-10020"),
        ("  # iw-10020\t", "IW-10020"),
        ("##Iw-10020", "IW-10020"),
        ("iw 10020", "IW 10020"),  # inner spaces are part of the number
        ("#", ""),
    ],
)
def test_order_numbers_are_normalised(typed, stored):
    assert normalise_order_number(typed) == stored


def test_emails_are_normalised():
    assert normalise_email("  Pat.Buyer@Example.COM ") == "pat.buyer@example.com"


# --- The guest lookup's match ----------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "email"),
    [("IW-10020", "pat@example.com"), ("iw-10020", "pat@example.com"), ("#iw-10020 ", "PAT@Example.com"), (" IW-10020", " Pat@example.com ")],
)
def test_the_match_finds_the_order_however_it_is_typed(number, email):
    order = OrderFactory(number="IW-10020", customer_email="pat@example.com")
    order_access_link_send(store_id=order.store_id, order_number=number, email=email, base_url="http://testserver/")
    assert list(OutboundEmail.objects.values_list("to", flat=True)) == ["pat@example.com"]


def _match_queries(store_id, number, email) -> tuple[list[str], object]:
    with CaptureQueriesContext(connection) as ctx:
        found = order_for_lookup(store_id=store_id, order_number=number, email=email)
    return [query["sql"] for query in ctx.captured_queries], found


def test_the_match_runs_one_and_the_same_query_for_a_hit_and_a_miss():
    order = OrderFactory(number="IW-10020", customer_email="pat@example.com")
    hit, found = _match_queries(order.store_id, "#iw-10020 ", "Pat@Example.com")
    wrong_email, not_found = _match_queries(order.store_id, "IW-10020", "kim@example.com")
    no_such_order, nothing = _match_queries(order.store_id, "IW-99999", "pat@example.com")

    assert (found, not_found, nothing) == (order, None, None)
    assert len(hit) == len(wrong_email) == len(no_such_order) == 1
    assert hit == wrong_email
    assert no_such_order[0].replace("IW-99999", "IW-10020") == hit[0]
    assert "UPPER(" not in hit[0].upper()  # an exact match on the (store, number) unique index


def _queries(store_id, number, email) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        order_access_link_send(store_id=store_id, order_number=number, email=email, base_url="http://testserver/")
    return [query["sql"] for query in ctx.captured_queries]


def test_a_hit_and_a_miss_run_the_same_queries_before_the_email_is_queued():
    order = OrderFactory(number="IW-10020", customer_email="pat@example.com")
    hit = _queries(order.store_id, "iw-10020", "pat@example.com")
    wrong_email = _queries(order.store_id, "IW-10020", "kim@example.com")
    no_such_order = _queries(order.store_id, "IW-99999", "pat@example.com")

    assert len(wrong_email) == len(no_such_order) == 1  # one query on the (store, number) unique index
    shape = wrong_email[0].replace("IW-10020", "?")
    assert no_such_order[0].replace("IW-99999", "?") == shape
    assert hit[0].replace("IW-10020", "?") == shape
    assert "UPPER(" not in shape.upper()
    # what follows on a hit is the e-mail being queued, nothing more about the order
    assert OutboundEmail.objects.count() == 1
    assert all("orders_order" not in sql for sql in hit[1:])


# --- Write paths -----------------------------------------------------------------------


def _post_webhook(client, store, payload):
    body = json.dumps(payload).encode()
    return client.post(
        reverse("orders:order_webhook", args=[store.slug]),
        data=body,
        content_type="application/json",
        HTTP_X_PORTAL_SIGNATURE=webhook_signature(secret=store.webhook_secret, body=body),
    )


def test_the_webhook_stores_the_number_and_email_normalised(client):
    product = ProductFactory()
    created = {
        "id": "evt-1",
        "type": "order.created",
        "order": {
            "number": " #w-7",
            "customer_email": " Pat@Example.COM ",
            "placed_at": (timezone.now() - timedelta(days=10)).isoformat(),
            "lines": [{"sku": product.sku, "quantity": 1}],
        },
    }
    assert _post_webhook(client, product.store, created).json() == {"status": "ok", "order": "W-7"}
    updated = {"id": "evt-2", "type": "order.updated", "order": {"number": "w-7", "customer_name": "Pat"}}
    assert _post_webhook(client, product.store, updated).status_code == 200

    order = Order.objects.get(store=product.store)
    assert (order.number, order.customer_email, order.customer_name) == ("W-7", "pat@example.com", "Pat")


def test_the_csv_import_stores_the_number_and_email_normalised():
    product = ProductFactory(sku="P-A")
    header = "store,order_number,customer_email,placed_at,sku,quantity,unit_price"
    placed = (timezone.now() - timedelta(days=10)).isoformat()
    row = f"{product.store.slug},#c-1 ,Kim@Example.com,{placed},P-A,1,10.00"
    dataset = tablib.Dataset().load(f"{header}\n{row}\n", format="csv")
    result = OrderLineImportResource().import_data(dataset, dry_run=False, use_transactions=True)
    assert not result.has_errors() and not result.has_validation_errors()

    order = Order.objects.get(store=product.store)
    assert (order.number, order.customer_email) == ("C-1", "kim@example.com")


def test_a_validated_order_is_normalised_and_a_bare_hash_is_no_number():
    store = StoreFactory()
    order = OrderFactory.build(store=store, number="A-1")
    order.number, order.customer_email = " #a-9", "Pat@Example.com"
    order.full_clean()  # what the admin's form, the import and the webhook run
    assert (order.number, order.customer_email) == ("A-9", "pat@example.com")

    order.number = "#"
    with pytest.raises(ValidationError) as raised:
        order.full_clean()
    assert raised.value.message_dict["number"] == [str(ORDER_NUMBER_EMPTY)]


def test_an_existing_number_in_other_letter_case_is_a_duplicate():
    existing = OrderFactory(number="A-1")
    order = OrderFactory.build(store=existing.store, number="A-2")
    order.number = "a-1"
    with pytest.raises(ValidationError) as raised:
        order.full_clean()
    assert "__all__" in raised.value.message_dict  # the (store, number) constraint


# --- Signed-in shoppers ----------------------------------------------------------------


def test_my_orders_match_a_verified_email_in_any_letter_case():
    order = OrderFactory(customer_email="pat@example.com")
    OrderFactory(customer_email="kim@example.com")
    user = UserFactory(email="someone@example.com")
    EmailAddress.objects.create(user=user, email="Pat@Example.com", verified=True)

    assert list(orders_for_emails(emails=["Pat@Example.com"])) == [order]
    assert order_for_viewer(store=order.store, number=order.number, user=user, guest_order_ids=[]) == order


# --- The migration of existing rows ----------------------------------------------------


def test_the_migration_normalises_rows_and_leaves_clashing_numbers_as_they_are(caplog):
    store, other_store = StoreFactory(), StoreFactory()
    plain = OrderFactory(store=store, number="X-1")
    hashed = OrderFactory(store=store, number="X-2")
    clash_upper = OrderFactory(store=store, number="X-3")
    clash_lower = OrderFactory(store=store, number="X-4")
    elsewhere = OrderFactory(store=other_store, number="X-5")
    # rows as earlier releases stored them (no write path normalises like this today)
    Order.objects.filter(pk=plain.pk).update(number="x-1", customer_email=" Pat@Example.com")
    Order.objects.filter(pk=hashed.pk).update(number=" #x-2 ")
    Order.objects.filter(pk=clash_upper.pk).update(number="AB-1")
    Order.objects.filter(pk=clash_lower.pk).update(number="ab-1")
    Order.objects.filter(pk=elsewhere.pk).update(number="ab-1")  # another store: no clash

    with caplog.at_level(logging.WARNING, logger="orders.migrations"):
        left = migration.normalise_orders(None, SimpleNamespace(connection=connection))

    numbers = dict(Order.objects.values_list("pk", "number"))
    assert numbers == {plain.pk: "X-1", hashed.pk: "X-2", clash_upper.pk: "AB-1", clash_lower.pk: "ab-1", elsewhere.pk: "AB-1"}
    assert Order.objects.get(pk=plain.pk).customer_email == "pat@example.com"
    assert left == [(clash_lower.pk, store.pk, "ab-1")]
    assert "1 order number(s) not normalised" in caplog.text and "'ab-1'" in caplog.text
