from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.urls import path
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportMixin

from accounts import access
from accounts.roles import StaffRole
from accounts.scoped_admin import StoreScopedAdmin, StoreScopedTabularInline, request_store_ids
from orders.models import (
    Order,
    OrderEvent,
    OrderEventType,
    OrderLine,
    Product,
    ProductCategory,
    ProductPart,
    Shipment,
    Store,
    WebhookEvent,
)
from orders.product_images import product_image_changed
from orders.resources import (
    COLUMN_HELP,
    DATE_TIME_FORMAT_HELP,
    EVENT_COLUMN_PREFIX,
    OrderLineImportResource,
    example_csv,
)

IMPORT_FINISHED = _("Import finished: %(orders_new)d new orders, %(orders_updated)d orders updated; %(lines_new)d new lines, %(lines_updated)d lines updated, %(lines_skipped)d unchanged.")


@admin.register(Store)
class StoreAdmin(StoreScopedAdmin):
    list_display = ["name", "slug", "country", "time_zone", "currency", "default_review_sla_days", "is_active"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    fieldsets = (
        (None, {"fields": ("name", "slug", "tagline", "is_active", "policy_url", "order_number_example")}),
        (_("Look"), {"fields": ("logo", "accent_colour")}),
        (
            _("Calendar"),
            {"fields": ("time_zone", "country", "holiday_subdivision", "working_weekdays", "opens_at", "closes_at", "support_hours")},
        ),
        (_("Contact and returns"), {"fields": ("support_email", "sender_email", "return_address", "currency")}),
        (_("Service levels"), {"fields": ("default_review_sla_days", "close_claims_after_days")}),
        (_("Integration"), {"fields": ("webhook_secret",), "classes": ("collapse",)}),
    )


@admin.register(ProductCategory)
class ProductCategoryAdmin(StoreScopedAdmin):
    list_display = ["name", "store", "warranty_months"]
    list_filter = ["store"]
    search_fields = ["name"]


class ProductPartInline(StoreScopedTabularInline):
    model = ProductPart
    extra = 1
    fields = ["position", "name", "value"]


@admin.register(Product)
class ProductAdmin(StoreScopedAdmin):
    list_display = ["name", "sku", "store", "category", "is_accessory", "warranty_months", "price", "model_family", "exchange_group"]
    list_filter = ["store", "is_accessory", "category"]
    search_fields = ["name", "sku"]
    list_select_related = ["store", "category"]
    inlines = [ProductPartInline]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if "image" in form.changed_data:
            product_image_changed(product_id=obj.pk)


class OrderLineInline(StoreScopedTabularInline):
    model = OrderLine
    extra = 0
    autocomplete_fields = ["product"]


class ShipmentInline(StoreScopedTabularInline):
    model = Shipment
    extra = 0


class OrderEventInline(StoreScopedTabularInline):
    """What happened to the order, by name (payment confirmed, in stock …): staff add
    one here; the webhook and the CSV import add theirs."""

    model = OrderEvent
    extra = 0
    fields = ["event_type", "occurred_at", "source"]
    readonly_fields = ["source"]

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        if obj is not None:  # the order's own store's events only
            field = formset.form.base_fields["event_type"]
            field.queryset = field.queryset.filter(store_id=obj.store_id)
        return formset


@admin.register(OrderEventType)
class OrderEventTypeAdmin(StoreScopedAdmin):
    list_display = ["label", "name", "store", "until_words"]
    list_filter = ["store"]
    search_fields = ["name", "label"]
    list_select_related = ["store"]


@admin.register(Order)
class OrderAdmin(ImportMixin, StoreScopedAdmin):
    resource_classes = [OrderLineImportResource]
    list_display = ["number", "store", "customer_email", "channel", "status", "placed_at", "delivered_at"]
    list_filter = ["store", "status", "channel", "shipping_country"]
    search_fields = ["number", "customer_email", "customer_name", "shipments__tracking_number"]
    list_select_related = ["store"]
    date_hierarchy = "placed_at"
    inlines = [OrderLineInline, ShipmentInline, OrderEventInline]
    import_template_name = "admin/orders/order/import.html"
    fieldsets = (
        (None, {"fields": ("store", "number", "status", "channel", "currency", "shipping_charged")}),
        (_("Customer"), {"fields": ("customer_name", "customer_email", "shipping_name", "shipping_address", "shipping_country")}),
        (
            _("Dates"),
            {"fields": ("placed_at", "paid_at", "expected_ship_at", "processed_at", "shipped_at", "picked_up_at", "delivered_at")},
        ),
    )

    def has_import_permission(self, request) -> bool:
        """Importing adds and changes orders: managers (of at least one store) and
        superusers; each row is then checked against the importer's stores."""
        user = request.user
        return (
            user.has_perm("orders.add_order")
            and user.has_perm("orders.change_order")
            and access.staff_store_ids(user, roles={StaffRole.MANAGER}) != set()
        )

    def save_formset(self, request, form, formset, change):
        if formset.model is OrderEvent:  # an event staff add or move is theirs
            for event_form in formset.forms:
                if event_form.has_changed():
                    event_form.instance.source = OrderEvent.Source.STAFF
        super().save_formset(request, form, formset, change)

    def import_action(self, request, **kwargs):
        """The import page also names the event columns the importer may use: their
        stores' order event names."""
        response = super().import_action(request, **kwargs)
        if getattr(response, "context_data", None) is not None:
            types = access.in_stores(OrderEventType.objects.select_related("store"), request_store_ids(request))
            response.context_data["event_column_prefix"] = EVENT_COLUMN_PREFIX
            response.context_data["event_types"] = list(types.order_by("store__name", "name"))
        return response

    def get_import_resource_kwargs(self, request, **kwargs):
        return {**super().get_import_resource_kwargs(request, **kwargs), "user": request.user}

    import_template_name = "admin/orders/order/import.html"

    def get_import_context_data(self, **kwargs):
        return {**super().get_import_context_data(**kwargs), "column_help": COLUMN_HELP, "date_time_help": DATE_TIME_FORMAT_HELP}

    def add_success_message(self, result, request):
        totals = result.totals
        messages.success(
            request,
            IMPORT_FINISHED
            % {
                "orders_new": getattr(result, "orders_new", 0),
                "orders_updated": getattr(result, "orders_updated", 0),
                "lines_new": totals["new"],
                "lines_updated": totals["update"],
                "lines_skipped": totals["skip"],
            },
        )

    def get_urls(self):
        example = path("import/example.csv", self.admin_site.admin_view(self.import_example_view), name="orders_order_import_example")
        return [example, *super().get_urls()]

    def import_example_view(self, request):
        """An example file with every column, for one of the importer's stores."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        store = access.in_stores(Store.objects.order_by("name"), access.staff_store_ids(request.user, roles={StaffRole.MANAGER})).first()
        products = list(Product.objects.filter(store=store).order_by("is_accessory", "name")[:2]) if store else []
        sku = products[0].sku if products else "SKU-1"
        other_sku = products[-1].sku if products else "SKU-2"
        response = HttpResponse(
            example_csv(store_slug=store.slug if store else "your-store", sku=sku, other_sku=other_sku), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = 'attachment; filename="orders-example.csv"'
        return response


@admin.register(WebhookEvent)
class WebhookEventAdmin(StoreScopedAdmin):
    list_display = ["received_at", "store", "event_type", "event_id", "order_link"]
    list_filter = ["store", "event_type"]
    search_fields = ["event_id", "order__number"]
    list_select_related = ["store", "order"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("order"))
    def order_link(self, obj):
        return format_html("{}", obj.order.number) if obj.order else "—"
