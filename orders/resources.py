"""CSV import of orders (django-import-export): one row per order line, the order's
columns repeated on each of its rows. The admin previews the file (a dry run in a
rolled-back transaction), shows every bad row with its reason, and only imports a
file without errors, in one transaction: nothing is half-imported."""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from import_export import fields, resources, widgets

from accounts import access
from accounts.roles import StaffRole
from orders.models import Order, OrderEvent, OrderLine, Product, Store
from orders.services import (
    normalise_order_number,
    order_event_names_known,
    order_event_time_parse,
    order_event_types_by_name,
    order_events_record,
)

ORDER_COLUMNS = (
    "customer_email",
    "customer_name",
    "channel",
    "status",
    "currency",
    "shipping_charged",
    "shipping_name",
    "shipping_address",
    "shipping_country",
)
TIME_COLUMNS = (
    "placed_at",
    "paid_at",
    "expected_ship_at",
    "processed_at",
    "shipped_at",
    "picked_up_at",
    "delivered_at",
)

# An order event is a column per event name, its cell the time it happened:
# `event:payment_confirmed` = 2027-01-03T10:00:00+08:00 (names: the store's order event types).
EVENT_COLUMN_PREFIX = "event:"
EVENT_COLUMN_UNKNOWN = _("%(store)s has no order event %(name)r; its events are: %(known)s.")


# Every column the file may have, in the order of the example file: (column, required,
# what it holds). The import page lists them; the example file uses them as its header.
COLUMN_HELP = (
    ("store", _("yes"), _("The store's slug, e.g. northwind-audio (only stores you manage).")),
    ("order_number", _("yes"), _("As the shopper sees it, e.g. NW-2051; a leading # and the case do not matter.")),
    ("customer_email", _("for a new order"), _("The e-mail the order was placed with; the shopper looks the order up with it.")),
    ("customer_name", _("no"), _("Shown to staff.")),
    ("channel", _("no"), _("online (default), offline, crowdfunding, authorized_reseller, unauthorized_reseller or free.")),
    ("status", _("no"), _("placed (default), processing, shipped, delivered or cancelled.")),
    ("currency", _("no"), _("ISO code, e.g. USD; empty: the store's currency.")),
    ("shipping_charged", _("no"), _("What the shopper paid for shipping, e.g. 4.90 (a dot for decimals).")),
    ("shipping_name", _("no"), _("Ship-to name.")),
    ("shipping_address", _("no"), _("Ship-to address (quote it if it has commas or line breaks).")),
    ("shipping_country", _("no"), _("Two-letter ISO code, e.g. US; decides rules limited to countries.")),
    ("placed_at", _("for a new order"), _("Date-time, see below.")),
    ("paid_at", _("no"), _("Date-time; windows counted from payment start here.")),
    ("expected_ship_at", _("no"), _("Date-time the order should ship by.")),
    ("processed_at", _("no"), _("Date-time the order was processed (ends “cancel before processing”).")),
    ("shipped_at", _("no"), _("Date-time it shipped.")),
    ("picked_up_at", _("no"), _("Date-time the carrier picked it up.")),
    ("delivered_at", _("no"), _("Date-time it was delivered; windows counted from delivery start here.")),
    ("sku", _("yes"), _("The product's SKU in this store.")),
    ("quantity", _("yes"), _("Whole number, at least 1.")),
    ("unit_price", _("yes"), _("Price of one item, e.g. 49.00.")),
    ("discount", _("no"), _("Discount on the whole line, e.g. 5.00; empty: none.")),
    ("bundle_group", _("no"), _("Lines with the same text were sold as one set, e.g. B1.")),
    ("gift", _("no"), _("1 for a free gift, empty or 0 otherwise.")),
)
DATE_TIME_FORMAT_HELP = _(
    "Date-times are ISO 8601 with their UTC offset, e.g. 2026-10-03T14:00:00+02:00 (14:00 in a store two hours ahead "
    "of UTC) or 2026-10-03T12:00:00+00:00; a date-time without an offset is refused."
)


def example_csv(*, store_slug: str, sku: str, other_sku: str) -> str:
    """A small file with every column: two orders, three lines (one a gift of a set)."""
    import csv
    import io

    header = [column for column, _required, _help in COLUMN_HELP]
    rows = [
        [store_slug, "EX-1001", "pat@example.com", "Pat Lee", "online", "delivered", "", "4.90", "Pat Lee", "1 Main St, Springfield",
         "US", "2026-10-01T10:00:00+00:00", "2026-10-01T10:01:00+00:00", "", "2026-10-02T09:00:00+00:00",
         "2026-10-02T15:00:00+00:00", "", "2026-10-05T12:30:00+00:00", sku, "1", "49.00", "", "B1", ""],
        [store_slug, "EX-1001", "pat@example.com", "Pat Lee", "online", "delivered", "", "4.90", "Pat Lee", "1 Main St, Springfield",
         "US", "2026-10-01T10:00:00+00:00", "2026-10-01T10:01:00+00:00", "", "2026-10-02T09:00:00+00:00",
         "2026-10-02T15:00:00+00:00", "", "2026-10-05T12:30:00+00:00", other_sku, "1", "0.00", "", "B1", "1"],
        [store_slug, "EX-1002", "kim@example.com", "Kim Park", "online", "placed", "", "0", "Kim Park", "2 High St, Springfield",
         "US", "2026-10-06T18:45:00+00:00", "", "2026-10-08T18:00:00+00:00", "", "", "", "", sku, "2", "49.00", "5.00", "", ""],
    ]  # fmt: skip
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


class _ShownAsField(fields.Field):
    """Imported as an id (resolved in before_import_row), shown in the preview as what
    the file said: the order number, the SKU."""

    def __init__(self, *, shown: str, **kwargs):
        super().__init__(**kwargs)
        self.shown = shown

    def export(self, instance, **kwargs):
        value = instance
        for part in self.shown.split("__"):
            value = getattr(value, part, None) if value is not None else None
        return "" if value is None else str(value)


class OrderLineImportResource(resources.ModelResource):
    store = fields.Field(attribute="order__store__slug", column_name="store", readonly=True)
    order_number = _ShownAsField(attribute="order_id", shown="order__number", column_name="order_number", widget=widgets.IntegerWidget())
    sku = _ShownAsField(attribute="product_id", shown="product__sku", column_name="sku", widget=widgets.IntegerWidget())
    quantity = fields.Field(attribute="quantity", column_name="quantity", widget=widgets.IntegerWidget())
    unit_price = fields.Field(attribute="unit_price", column_name="unit_price", widget=widgets.DecimalWidget())
    discount = fields.Field(attribute="discount", column_name="discount", widget=widgets.DecimalWidget())
    bundle_group = fields.Field(attribute="bundle_group", column_name="bundle_group")
    gift = fields.Field(attribute="is_gift", column_name="gift", widget=widgets.BooleanWidget())

    class Meta:
        model = OrderLine
        fields = ("store", "order_number", "sku", "quantity", "unit_price", "discount", "bundle_group", "gift")
        import_id_fields = ("order_number", "sku")
        skip_unchanged = True
        report_skipped = True
        use_transactions = True
        clean_model_instances = True

    def __init__(self, *, user=None, **kwargs):
        super().__init__(**kwargs)
        self.user = user
        self.orders_new: set[tuple[int, str]] = set()
        self.orders_updated: set[tuple[int, str]] = set()

    def after_import(self, dataset, result, **kwargs) -> None:
        """Orders and lines are counted apart: 2 orders of 4 lines are 2 orders."""
        super().after_import(dataset, result, **kwargs)
        result.orders_new = len(self.orders_new)
        result.orders_updated = len(self.orders_updated - self.orders_new)

    def _allowed_stores(self):
        """The stores the importer manages (every store for a superuser)."""
        if self.user is None:
            return Store.objects.all()
        return access.in_stores(Store.objects.all(), access.staff_store_ids(self.user, roles={StaffRole.MANAGER}))

    def before_import_row(self, row, **kwargs) -> None:
        """Resolve the store, upsert the order from the row's order columns, and turn
        the order number and SKU into ids for the line."""
        slug = (row.get("store") or "").strip()
        store = self._allowed_stores().filter(slug=slug).first()
        if store is None:
            raise ValidationError({"store": _("Unknown store %(slug)r, or not one you manage.") % {"slug": slug}})
        number = normalise_order_number(str(row.get("order_number") or ""))
        if not number:
            raise ValidationError({"order_number": _("The order number is empty.")})
        product = Product.objects.filter(store=store, sku=(row.get("sku") or "").strip()).first()
        if product is None:
            raise ValidationError({"sku": _("No product with SKU %(sku)r in %(store)s.") % {"sku": row.get("sku"), "store": store}})

        order = Order.objects.filter(store=store, number=number).first()
        key = (store.pk, number)
        if order is None:
            order = Order(store=store, number=number, currency=store.currency)
            self.orders_new.add(key)
        else:
            self.orders_updated.add(key)
        errors: dict[str, str] = {}
        for column in ORDER_COLUMNS:
            value = (row.get(column) or "").strip() if isinstance(row.get(column), str) else row.get(column)
            if value in (None, ""):
                continue
            if column == "shipping_charged":
                try:
                    value = Decimal(str(value))
                except InvalidOperation:
                    errors[column] = _("Not a decimal amount.")
                    continue
            if column in ("currency", "shipping_country"):
                value = str(value).upper()
            setattr(order, column, value)
        for column in TIME_COLUMNS:
            raw = row.get(column)
            if raw in (None, ""):
                continue
            parsed = parse_datetime(str(raw).strip())
            if parsed is None or parsed.tzinfo is None:
                errors[column] = _("Use ISO 8601 with a UTC offset, e.g. 2026-10-03T14:00:00+00:00.")
                continue
            setattr(order, column, parsed)
        if order.placed_at is None:
            errors.setdefault("placed_at", _("Required for a new order."))
        events = self._row_events(row, store, errors)
        if errors:
            raise ValidationError(errors)
        try:
            order.full_clean(exclude=["store"])
        except ValidationError as exc:
            raise ValidationError(exc.message_dict) from None
        order.save()
        order_events_record(order=order, events=events, source=OrderEvent.Source.CSV)
        row["order_number"] = order.pk
        row["sku"] = product.pk
        row["store"] = store.slug

    def _row_events(self, row, store: Store, errors: dict) -> list:
        """The row's `event:<name>` columns (an empty cell: nothing reported)."""
        columns = [column for column in row if isinstance(column, str) and column.strip().startswith(EVENT_COLUMN_PREFIX)]
        if not columns:
            return []
        types = order_event_types_by_name(store=store)
        events = []
        for column in columns:
            raw = row.get(column)
            if raw in (None, "") or (isinstance(raw, str) and not raw.strip()):
                continue
            name = column.strip().removeprefix(EVENT_COLUMN_PREFIX).strip()
            event_type = types.get(name)
            if event_type is None:
                errors[column] = EVENT_COLUMN_UNKNOWN % {"name": name, "store": store, "known": order_event_names_known(types=types)}
                continue
            at = order_event_time_parse(raw if isinstance(raw, str) else str(raw))
            if at is None:
                errors[column] = _("Use ISO 8601 with a UTC offset, e.g. 2026-10-03T14:00:00+00:00.")
                continue
            events.append((event_type, at))
        return events

    def import_instance(self, instance, row, **kwargs) -> None:
        super().import_instance(instance, row, **kwargs)
        # Empty cells mean "none": no discount, not a gift, no bundle.
        if instance.discount is None:
            instance.discount = Decimal("0.00")
        if instance.is_gift is None:
            instance.is_gift = False
        if instance.bundle_group is None:
            instance.bundle_group = ""

    def get_instance(self, instance_loader, row):
        return OrderLine.objects.filter(order_id=row["order_number"], product_id=row["sku"]).first()
