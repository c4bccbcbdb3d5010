"""CSV import of orders in the admin (django-import-export): bad rows are shown with
their reason and nothing is imported; a good file imports orders with their lines;
staff can only import into their own stores."""

import io
import re

import pytest
import tablib
from django.urls import reverse

from accounts.models import StoreMembership
from orders.models import Order, OrderLine
from orders.resources import OrderLineImportResource
from tests.factories import ProductFactory, StoreFactory, UserFactory

pytestmark = pytest.mark.django_db

HEADER = "store,order_number,customer_email,customer_name,channel,shipping_country,placed_at,delivered_at,sku,quantity,unit_price,discount,bundle_group,gift"


def _csv(*rows):
    return "\n".join([HEADER, *rows]) + "\n"


def _import(csv_text, user=None):
    dataset = tablib.Dataset().load(csv_text, format="csv")
    resource = OrderLineImportResource(user=user)
    return resource.import_data(dataset, dry_run=False, use_transactions=True, rollback_on_validation_errors=True)


def test_good_file_imports_orders_with_lines():
    a = ProductFactory(sku="P-A")
    ProductFactory(sku="P-B", store=a.store)
    s = a.store.slug
    result = _import(
        _csv(
            f"{s},C-1,pat@example.com,Pat,online,us,2026-10-01T10:00:00+00:00,2026-10-05T10:00:00+00:00,P-A,2,10.00,0,,",
            f"{s},C-1,pat@example.com,Pat,online,us,2026-10-01T10:00:00+00:00,2026-10-05T10:00:00+00:00,P-B,1,5.00,0,B1,1",
            f"{s},C-2,kim@example.com,Kim,crowdfunding,de,2026-09-01T10:00:00+00:00,,P-A,1,9.00,1.00,,",
        )
    )
    assert not result.has_errors() and not result.has_validation_errors()
    assert Order.objects.count() == 2
    c1 = Order.objects.get(number="C-1")
    assert c1.shipping_country == "US" and c1.lines.count() == 2
    assert c1.lines.get(product__sku="P-B").is_gift is True
    assert Order.objects.get(number="C-2").channel == Order.Channel.CROWDFUNDING


def test_reimport_updates_instead_of_duplicating():
    product = ProductFactory(sku="P-A")
    row = f"{product.store.slug},C-1,pat@example.com,Pat,online,US,2026-10-01T10:00:00+00:00,,P-A,2,10.00,0,,"
    _import(_csv(row))
    _import(_csv(row.replace(",2,10.00", ",3,10.00")))
    assert Order.objects.count() == 1
    assert OrderLine.objects.get().quantity == 3


@pytest.mark.parametrize(
    ("bad_row", "field", "message"),
    [
        ("{s},C-9,pat@example.com,Pat,online,US,2026-10-01T10:00:00+00:00,,NOPE,1,1.00,0,,", "sku", "No product with SKU"),
        ("nostore,C-9,pat@example.com,Pat,online,US,2026-10-01T10:00:00+00:00,,P-A,1,1.00,0,,", "store", "Unknown store"),
        ("{s},C-9,pat@example.com,Pat,online,US,01/10/2026,,P-A,1,1.00,0,,", "placed_at", "ISO 8601"),
        ("{s},C-9,not-an-email,Pat,online,US,2026-10-01T10:00:00+00:00,,P-A,1,1.00,0,,", "customer_email", "valid email"),
        ("{s},C-9,pat@example.com,Pat,space,US,2026-10-01T10:00:00+00:00,,P-A,1,1.00,0,,", "channel", "not a valid choice"),
        ("{s},C-9,pat@example.com,Pat,online,US,2026-10-01T10:00:00+00:00,,P-A,0,1.00,0,,", "quantity", "greater than or equal to 1"),
    ],
)
def test_one_bad_row_imports_nothing(bad_row, field, message):
    product = ProductFactory(sku="P-A")
    s = product.store.slug
    good = f"{s},C-1,pat@example.com,Pat,online,US,2026-10-01T10:00:00+00:00,,P-A,1,10.00,0,,"
    result = _import(_csv(good, bad_row.format(s=s)))
    assert result.has_validation_errors()
    errors = {k: " ".join(v) for row in result.invalid_rows for k, v in row.error_dict.items()}
    assert field in errors and message in errors[field]
    assert Order.objects.count() == 0 and OrderLine.objects.count() == 0


def test_staff_cannot_import_into_another_store():
    mine = ProductFactory(sku="P-A")
    theirs = ProductFactory(sku="P-A")
    staff = UserFactory(is_staff=True)
    StoreMembership.objects.create(user=staff, store=mine.store)
    result = _import(_csv(f"{theirs.store.slug},C-1,pat@example.com,Pat,online,US,2026-10-01T10:00:00+00:00,,P-A,1,1.00,0,,"), user=staff)
    assert result.has_validation_errors()
    assert Order.objects.count() == 0


def test_admin_import_previews_errors_then_imports(client):
    ProductFactory(sku="P-A", store=StoreFactory(slug="acme"))
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    url = reverse("admin:orders_order_import")

    bad = _csv("acme,C-1,pat@example.com,Pat,online,US,2026-10-01T10:00:00+00:00,,NOPE,1,1.00,0,,")
    page = client.post(url, {"import_file": io.BytesIO(bad.encode()), "format": "0", "resource": "0"} | {"import_file": _file(bad)})
    content = page.content.decode()
    assert page.status_code == 200
    assert "No product with SKU" in content
    assert "Traceback" not in content
    assert 'name="confirm"' not in content and "process_import" not in content
    assert Order.objects.count() == 0

    good = _csv("acme,C-1,pat@example.com,Pat,online,US,2026-10-01T10:00:00+00:00,,P-A,2,1.00,0,,")
    preview = client.post(url, {"import_file": _file(good), "format": "0", "resource": "0"})
    assert preview.status_code == 200
    assert Order.objects.count() == 0  # the preview is a dry run
    confirm_fields = dict(re.findall(r'name="(import_file_name|original_file_name|format|resource)"[^>]*value="([^"]*)"', preview.content.decode()))
    done = client.post(reverse("admin:orders_order_process_import"), confirm_fields)
    assert done.status_code == 302
    assert Order.objects.get(number="C-1").lines.get().quantity == 2


def _file(text):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("orders.csv", text.encode(), content_type="text/csv")
