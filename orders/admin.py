from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportMixin

from accounts import access
from accounts.roles import StaffRole
from accounts.scoped_admin import StoreScopedAdmin, StoreScopedTabularInline
from orders.models import Order, OrderLine, Product, ProductCategory, ProductPart, Shipment, Store, WebhookEvent
from orders.resources import OrderLineImportResource


@admin.register(Store)
class StoreAdmin(StoreScopedAdmin):
    list_display = ["name", "slug", "country", "time_zone", "currency", "default_review_sla_days", "is_active"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    fieldsets = (
        (None, {"fields": ("name", "slug", "tagline", "is_active", "policy_url")}),
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
    list_display = ["name", "sku", "store", "category", "is_accessory", "warranty_months", "price"]
    list_filter = ["store", "is_accessory", "category"]
    search_fields = ["name", "sku"]
    list_select_related = ["store", "category"]
    inlines = [ProductPartInline]


class OrderLineInline(StoreScopedTabularInline):
    model = OrderLine
    extra = 0
    autocomplete_fields = ["product"]


class ShipmentInline(StoreScopedTabularInline):
    model = Shipment
    extra = 0


@admin.register(Order)
class OrderAdmin(ImportMixin, StoreScopedAdmin):
    resource_classes = [OrderLineImportResource]
    list_display = ["number", "store", "customer_email", "channel", "status", "placed_at", "delivered_at"]
    list_filter = ["store", "status", "channel", "shipping_country"]
    search_fields = ["number", "customer_email", "customer_name", "shipments__tracking_number"]
    list_select_related = ["store"]
    date_hierarchy = "placed_at"
    inlines = [OrderLineInline, ShipmentInline]
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

    def get_import_resource_kwargs(self, request, **kwargs):
        return {**super().get_import_resource_kwargs(request, **kwargs), "user": request.user}


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
