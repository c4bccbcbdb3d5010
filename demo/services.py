"""Loads the demo stores, orders and logins. Re-running changes nothing already there:
stores, products and orders are looked up by their natural keys first, and order
times are offsets from the store's first load (Store.created_at)."""

import io
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.db import transaction
from PIL import Image, ImageDraw

from accounts.models import StoreMembership
from accounts.roles import StaffRole
from demo.brands import BRANDS, GUEST_EMAIL, SHIPPING_CHARGED, SHOPPER_EMAIL
from demo.canned import demo_canned_replies_load
from demo.claims import demo_claims_load
from demo.policies import demo_policy_load
from orders.models import (
    Order,
    OrderLine,
    Product,
    ProductCategory,
    ProductPart,
    Shipment,
    Store,
    normalise_email,
    normalise_order_number,
)
from orders.product_images import product_thumbnail_make

DEMO_PASSWORD = "returns-demo-2026"  # noqa: S105 - printed on purpose: demo logins only
ADMIN_EMAIL = "admin@demo.example"


@dataclass(frozen=True)
class DemoLogin:
    email: str
    role: str
    stores: str


def demo_load(*, with_claims: bool = True) -> list[DemoLogin]:
    with transaction.atomic():
        for brand in BRANDS:
            store = _store(brand)
            _catalogue(store, brand)
            _orders(store, brand)
            demo_policy_load(store)
            demo_canned_replies_load(store)
        logins = _logins()
        if with_claims:
            demo_claims_load()
        return logins


def _store(brand: dict) -> Store:
    store = Store.objects.filter(slug=brand["slug"]).first()
    if store is not None:
        return store
    fields = {k: v for k, v in brand.items() if k not in ("categories", "products", "parts", "product_groups", "orders", "special_orders")}
    store = Store(**fields)
    store.full_clean()
    store.save()
    store.logo.save(f"{store.slug}.png", ContentFile(_logo_png(store.name, store.accent_colour)), save=True)
    return store


def _logo_png(name: str, colour: str) -> bytes:
    image = Image.new("RGB", (96, 96), colour)
    draw = ImageDraw.Draw(image)
    initials = "".join(part[0] for part in name.split()[:2]).upper()
    draw.text((48, 48), initials, fill="#ffffff", anchor="mm", font_size=44)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _product_png(name: str, colour: str) -> bytes:
    """A simple catalogue picture (no network): a box in the brand's colour, the name's initials."""
    image = Image.new("RGB", (320, 320), "#f4f5f7")
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((70, 50, 250, 270), radius=28, fill=colour)
    draw.rounded_rectangle((96, 76, 224, 150), radius=12, fill="#ffffff")
    initials = "".join(part[0] for part in name.split()[:3] if part[0].isalnum()).upper()
    draw.text((160, 113), initials, fill=colour, anchor="mm", font_size=40)
    draw.ellipse((140, 200, 180, 240), outline="#ffffff", width=6)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _catalogue(store: Store, brand: dict) -> None:
    categories = {}
    for name, months in brand["categories"]:
        categories[name], _created = ProductCategory.objects.get_or_create(
            store=store, name=name, defaults={"warranty_months": months}
        )
    for sku, name, category, is_accessory, warranty, price in brand["products"]:
        Product.objects.get_or_create(
            store=store,
            sku=sku,
            defaults={
                "name": name,
                "category": categories[category],
                "is_accessory": is_accessory,
                "warranty_months": warranty,
                "price": Decimal(price),
            },
        )
    for sku, (family, group) in brand.get("product_groups", {}).items():
        Product.objects.filter(store=store, sku=sku, model_family="", exchange_group="").update(model_family=family, exchange_group=group)
    for product in store.products.filter(image=""):
        product.image.save(f"{product.sku}.png", ContentFile(_product_png(product.name, store.accent_colour)), save=False)
        product.save(update_fields=["image"])
        product_thumbnail_make(product_id=product.pk)  # no worker while seeding: made here
    for sku, parts in brand.get("parts", {}).items():
        product = Product.objects.get(store=store, sku=sku)
        for position, (part, value) in enumerate(parts):
            ProductPart.objects.get_or_create(product=product, name=part, defaults={"value": Decimal(value), "position": position})


def _orders(store: Store, brand: dict) -> None:
    anchor = store.created_at
    products = {p.sku: p for p in store.products.all()}
    for number, email, name, channel, country, placed, delivered, lines in brand["orders"]:
        spec = {
            "number": number,
            "email": email,
            "name": name,
            "channel": channel,
            "country": country,
            "placed": placed,
            "shipped": placed - 1 if delivered is not None else None,
            "picked_up": placed - 1 if delivered is not None else None,
            "delivered": delivered,
            "lines": lines,
        }
        _order(store, anchor, products, spec)
    for spec in brand.get("special_orders", []):
        _order(store, anchor, products, spec)


def _ago(anchor, days):
    return None if days is None else anchor - timedelta(days=days)


def _order(store: Store, anchor, products: dict, spec: dict) -> None:
    number = normalise_order_number(spec["number"])
    if Order.objects.filter(store=store, number=number).exists():
        return
    delivered = _ago(anchor, spec.get("delivered"))
    shipped = _ago(anchor, spec.get("shipped"))
    status = Order.Status.DELIVERED if delivered else Order.Status.SHIPPED if shipped else Order.Status.PLACED
    if status == Order.Status.PLACED and spec.get("processed") is not None:
        status = Order.Status.PROCESSING
    placed = _ago(anchor, spec["placed"])
    order = Order.objects.create(
        store=store,
        number=number,
        customer_email=normalise_email(spec["email"]),
        customer_name=spec["name"],
        channel=spec.get("channel", Order.Channel.ONLINE),
        status=status,
        currency=store.currency,
        shipping_charged=Decimal("0.00") if spec.get("channel") == Order.Channel.FREE else SHIPPING_CHARGED,
        shipping_name=spec["name"],
        shipping_address=_address(spec.get("country", store.country)),
        shipping_country=spec.get("country", store.country),
        placed_at=placed,
        paid_at=placed,
        expected_ship_at=_ago(anchor, spec.get("expected_ship")),
        processed_at=_ago(anchor, spec.get("processed")) or shipped,
        shipped_at=shipped,
        picked_up_at=_ago(anchor, spec.get("picked_up")),
        delivered_at=delivered,
    )
    for line in spec["lines"]:
        sku, quantity, price, *rest = line
        OrderLine.objects.create(
            order=order,
            product=products[sku],
            quantity=quantity,
            unit_price=Decimal(price),
            bundle_group=rest[0] if rest else "",
            is_gift=bool(rest[1]) if len(rest) > 1 else False,
        )
    if shipped:
        carrier, tracking = spec.get("tracking", ("UPS", f"1Z{order.pk:016d}"))
        Shipment.objects.create(order=order, carrier=carrier, tracking_number=tracking, shipped_at=shipped)


def _address(country: str) -> str:
    return {
        "US": "742 Evergreen Terrace\nSpringfield, OR 97477",
        "CA": "88 Queen St W\nToronto, ON M5H 2N2",
        "DE": "Hauptstraße 5\n10115 Berlin",
        "FR": "12 rue de Rivoli\n75004 Paris",
        "GB": "221B Baker Street\nLondon NW1 6XE",
    }.get(country, "1 Main Street")


def _user(email: str, *, staff: bool = False, superuser: bool = False):
    User = get_user_model()
    user = User.objects.filter(email=email).first()
    if user is None:
        if superuser:
            user = User.objects.create_superuser(email=email, password=DEMO_PASSWORD)
        else:
            user = User.objects.create_user(email=email, password=DEMO_PASSWORD, is_staff=staff)
    EmailAddress.objects.get_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    return user


def _logins() -> list[DemoLogin]:
    logins = [DemoLogin(ADMIN_EMAIL, "superuser", "all")]
    _user(ADMIN_EMAIL, superuser=True)
    _user(SHOPPER_EMAIL)
    logins.append(DemoLogin(SHOPPER_EMAIL, "shopper", "orders in every brand"))
    for store in Store.objects.filter(slug__in=[b["slug"] for b in BRANDS]).order_by("name"):
        for role in StaffRole:
            email = f"{role.value}@{store.slug}.demo.example"
            user = _user(email, staff=True)
            user.groups.add(Group.objects.get(name=role.value))
            StoreMembership.objects.get_or_create(user=user, store=store)
            logins.append(DemoLogin(email, role.value, store.name))
    logins.append(DemoLogin(GUEST_EMAIL, "guest (no account: look up an order by number + e-mail)", "iWALK IW-10020"))
    return logins
