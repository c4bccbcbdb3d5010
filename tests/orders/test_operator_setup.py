"""An operator's setup as met in the admin (issue #14): choices of several stores are
named by store, an object's form lists only its store's; date-times in the store's zone,
labelled; the slug and logo guidance; the lookup hint from the store's own numbers; the
CSV import's columns, example file, preview and counts; the setup guide page."""

import io
import re
from datetime import UTC, datetime

import pytest
import tablib
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from accounts.models import StoreMembership
from accounts.roles import StaffRole
from orders.models import LOGO_TOO_SMALL, LOGO_TOO_WIDE, LOGO_WRONG_FORMAT, Order, validate_logo
from orders.resources import COLUMN_HELP, OrderLineImportResource, example_csv
from tests.factories import CategoryFactory, OrderFactory, OrderLineFactory, ProductFactory, StoreFactory, UserFactory

pytestmark = pytest.mark.django_db


def _manager(store):
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name=StaffRole.MANAGER))
    StoreMembership.objects.create(user=user, store=store)
    return user


def _options(html: str, select_name: str) -> list[str]:
    select = re.search(rf'<select name="{select_name}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return [label.strip() for label in re.findall(r"<option[^>]*>([^<]*)</option>", select)]


def test_a_superuser_sees_choices_named_by_store_and_an_objects_form_lists_only_its_store(client):
    north, south = StoreFactory(name="Northwind"), StoreFactory(name="Southwind")
    CategoryFactory(store=north, name="Accessories")
    CategoryFactory(store=south, name="Accessories")
    product = ProductFactory(store=north, category=None)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    add = _options(client.get(reverse("admin:orders_product_add")).content.decode(), "category")
    assert {"Northwind · Accessories", "Southwind · Accessories"} <= set(add)

    change = _options(client.get(reverse("admin:orders_product_change", args=[product.pk])).content.decode(), "category")
    assert change == ["---------", "Accessories"]


def test_staff_of_one_store_pick_plain_names_of_their_store_only(client):
    north, south = StoreFactory(name="Northwind"), StoreFactory(name="Southwind")
    CategoryFactory(store=north, name="Power banks")
    CategoryFactory(store=south, name="Cables")
    client.force_login(_manager(north))
    html = client.get(reverse("admin:orders_product_add")).content.decode()
    assert _options(html, "category") == ["---------", "Power banks"]
    assert f'<option value="{north.pk}" selected>Northwind</option>' in html  # their store, chosen


def test_order_times_are_shown_in_the_store_zone_and_labelled(client):
    store = StoreFactory(name="Northwind", time_zone="America/Los_Angeles")
    order = OrderFactory(store=store, placed_at=datetime(2026, 10, 3, 12, 0, tzinfo=UTC), delivered_at=None)
    client.force_login(_manager(store))
    html = client.get(reverse("admin:orders_order_change", args=[order.pk])).content.decode()
    assert re.search(r'name="placed_at_1"[^>]*value="05:00:00"', html) or re.search(r'value="05:00:00"[^>]*name="placed_at_1"', html)
    assert "Time in America/Los_Angeles, the store&#x27;s time zone." in html or "Time in America/Los_Angeles, the store's time zone." in html
    listing = client.get(reverse("admin:orders_order_changelist")).content.decode()
    assert "3 Oct 2026, 05:00 PDT" in listing


def test_the_slug_help_shows_the_real_address():
    help_text = str(Order._meta.get_field("store").related_model._meta.get_field("slug").help_text)
    assert "/s//" not in help_text and "/s/northwind-audio/" in help_text


def _image(size, kind="PNG"):
    buffer = io.BytesIO()
    Image.new("RGB", size, "#1f4e8c").save(buffer, kind)
    return SimpleUploadedFile(f"logo.{kind.lower()}", buffer.getvalue())


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (lambda: _image((1000, 50)), LOGO_TOO_SMALL % {"h": 50}),
        (lambda: _image((1400, 200)), LOGO_TOO_WIDE % {"w": 1400, "h": 200}),
        (lambda: _image((400, 100), "GIF"), LOGO_WRONG_FORMAT),
        (lambda: SimpleUploadedFile("logo.png", b"not an image"), LOGO_WRONG_FORMAT),
    ],
)
def test_a_logo_that_would_be_squeezed_or_blurred_is_refused_with_a_reason(upload, message):
    with pytest.raises(ValidationError) as refused:
        validate_logo(upload())
    assert refused.value.messages == [str(message)]


def test_a_wide_logo_of_the_recommended_size_is_accepted():
    validate_logo(_image((400, 100)))
    validate_logo(_image((192, 192), "JPEG"))


def test_the_lookup_hint_is_the_stores_own_never_another_brands(client):
    own = StoreFactory(slug="own", order_number_example="NW-2051")
    shaped = StoreFactory(slug="shaped")
    OrderFactory(store=shaped, number="SH-88017")
    new = StoreFactory(slug="new")
    OrderFactory(store=StoreFactory(slug="other"), number="IW-10042")
    assert "e.g. NW-2051." in client.get("/s/own/").content.decode()
    shaped_page = client.get("/s/shaped/").content.decode()
    assert "e.g. SH-12345." in shaped_page and "SH-88017" not in shaped_page
    new_page = client.get("/s/new/").content.decode()
    assert "IW-10042" not in new_page and "e.g." not in new_page.split("Order number", 1)[1].split("</div>", 3)[0]
    assert own and new


def _import_resource(csv_text, user):
    return OrderLineImportResource(user=user).import_data(
        tablib.Dataset().load(csv_text, format="csv"), dry_run=False, use_transactions=True, rollback_on_validation_errors=True
    )


def test_the_example_file_has_every_column_and_imports_as_it_is():
    store = StoreFactory(slug="northwind-audio")
    ProductFactory(store=store, sku="NW-ARIA")
    ProductFactory(store=store, sku="NW-CABLE")
    text = example_csv(store_slug=store.slug, sku="NW-ARIA", other_sku="NW-CABLE")
    assert text.splitlines()[0].split(",") == [column for column, _required, _help in COLUMN_HELP]
    result = _import_resource(text, user=None)
    assert not result.has_errors() and not result.has_validation_errors()
    assert result.orders_new == 2 and result.totals["new"] == 3
    assert Order.objects.get(number="EX-1001").lines.get(product__sku="NW-CABLE").is_gift is True


def test_the_import_page_lists_columns_previews_numbers_and_counts_orders_and_lines(client):
    store = StoreFactory(slug="acme")
    ProductFactory(sku="P-A", store=store)
    ProductFactory(sku="P-B", store=store)
    client.force_login(_manager(store))
    url = reverse("admin:orders_order_import")
    page = client.get(url).content.decode()
    for column in ("customer_email", "placed_at", "delivered_at", "gift"):
        assert f"<code>{column}</code>" in page
    assert "ISO 8601 with their UTC offset" in page and reverse("admin:orders_order_import_example") in page
    example = client.get(reverse("admin:orders_order_import_example"))
    assert example["Content-Disposition"] == 'attachment; filename="orders-example.csv"' and b"acme,EX-1001" in example.content

    header = "store,order_number,customer_email,placed_at,sku,quantity,unit_price"
    rows = [f"acme,{number},pat@example.com,2026-10-01T10:00:00+00:00,{sku},1,5.00" for number in ("C-1", "C-2") for sku in ("P-A", "P-B")]
    upload = SimpleUploadedFile("orders.csv", "\n".join([header, *rows]).encode(), content_type="text/csv")
    preview = client.post(url, {"import_file": upload, "format": "0", "resource": "0"}).content.decode()
    summary = re.search(r'<p class="import-summary">(.*?)</p>', preview, re.S).group(1)
    assert "2 new orders" in summary and "4 new lines" in summary
    table = preview.split('class="import-preview"', 1)[1].split("</table>", 1)[0]
    assert "C-1" in table and "P-B" in table
    confirm = dict(re.findall(r'name="(import_file_name|original_file_name|format|resource)"[^>]*value="([^"]*)"', preview))
    done = client.post(reverse("admin:orders_order_process_import"), confirm, follow=True).content.decode()
    assert "Import finished: 2 new orders, 0 orders updated; 4 new lines" in done


def test_the_setup_guide_is_linked_from_the_admin_index_for_staff_only(client):
    store = StoreFactory()
    OrderLineFactory(order__store=store)
    assert client.get(reverse("setup_guide")).status_code == 302  # to the admin login
    client.force_login(_manager(store))
    assert reverse("setup_guide") in client.get(reverse("admin:index")).content.decode()
    guide = client.get(reverse("setup_guide")).content.decode()
    assert "Coverage rules" in guide and "Publish" in guide
