import secrets
from decimal import Decimal
from pathlib import PurePosixPath

import holidays
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from timezone_field import TimeZoneField

hex_colour_validator = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Use a colour like #1a73e8."))
weekdays_validator = RegexValidator(r"^[0-6]{1,7}$", _("Digits 0 (Monday) to 6 (Sunday), e.g. 01234."))


LOGO_FORMATS = ("PNG", "JPEG", "WEBP")
LOGO_MAX_BYTES = 1024 * 1024
LOGO_MIN_HEIGHT = 64
LOGO_MAX_RATIO = 6  # width : height
LOGO_WRONG_FORMAT = _("Upload the logo as PNG, JPEG or WebP.")
LOGO_TOO_LARGE = _("The logo file is larger than 1 MB: export it smaller (e.g. 400 × 100 px).")
LOGO_TOO_SMALL = _("The logo is %(h)d px high: use at least 64 px (it is shown 36–48 px high, sharp on high-density screens).")
LOGO_TOO_WIDE = _("The logo is %(w)d × %(h)d px, wider than 6 : 1: use a shorter version of it (e.g. the symbol with the name below).")


def validate_logo(file) -> None:
    """A logo the pages can show sharp and unsqueezed: PNG/JPEG/WebP, ≤ 1 MB, at
    least 64 px high, no wider than 6 : 1."""
    from PIL import Image

    if file.size > LOGO_MAX_BYTES:
        raise ValidationError(LOGO_TOO_LARGE)
    position = file.tell() if hasattr(file, "tell") else 0
    try:
        file.seek(0)
        with Image.open(file) as image:
            kind, (width, height) = image.format, image.size
    except (OSError, ValueError):
        raise ValidationError(LOGO_WRONG_FORMAT) from None
    finally:
        file.seek(position)
    if kind not in LOGO_FORMATS:
        raise ValidationError(LOGO_WRONG_FORMAT)
    if height < LOGO_MIN_HEIGHT:
        raise ValidationError(LOGO_TOO_SMALL % {"h": height})
    if width > LOGO_MAX_RATIO * height:
        raise ValidationError(LOGO_TOO_WIDE % {"w": width, "h": height})


PRODUCT_IMAGE_MAX_BYTES = 5 * 1024 * 1024
PRODUCT_IMAGE_MIN_SIDE = 160
PRODUCT_IMAGE_WRONG_FORMAT = _("Upload the product image as PNG, JPEG or WebP.")
PRODUCT_IMAGE_TOO_LARGE = _("The product image is larger than 5 MB: export it smaller (e.g. 800 × 800 px).")
PRODUCT_IMAGE_TOO_SMALL = _("The product image is %(w)d × %(h)d px: use at least 160 px on each side (it is shown 64 px wide, sharp on high-density screens).")


def validate_product_image(file) -> None:
    """A product photo the pages can shrink to a sharp thumbnail: PNG/JPEG/WebP,
    ≤ 5 MB, at least 160 px on each side (checked like the store logo)."""
    from PIL import Image

    if file.size > PRODUCT_IMAGE_MAX_BYTES:
        raise ValidationError(PRODUCT_IMAGE_TOO_LARGE)
    position = file.tell() if hasattr(file, "tell") else 0
    try:
        file.seek(0)
        with Image.open(file) as image:
            kind, (width, height) = image.format, image.size
    except (OSError, ValueError, Image.DecompressionBombError):
        raise ValidationError(PRODUCT_IMAGE_WRONG_FORMAT) from None
    finally:
        file.seek(position)
    if kind not in LOGO_FORMATS:
        raise ValidationError(PRODUCT_IMAGE_WRONG_FORMAT)
    if min(width, height) < PRODUCT_IMAGE_MIN_SIDE:
        raise ValidationError(PRODUCT_IMAGE_TOO_SMALL % {"w": width, "h": height})


def product_image_upload_to(instance, filename: str) -> str:
    """A random name: a replaced image gets a new name, so its thumbnail is made again."""
    extension = filename.rsplit(".", 1)[-1].lower()[:5] if "." in filename else "img"
    return f"product-images/{secrets.token_hex(12)}.{extension}"


def _new_webhook_secret() -> str:
    return secrets.token_urlsafe(32)


def _relative_luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(colour_a: str, colour_b: str) -> float:
    la, lb = sorted((_relative_luminance(colour_a), _relative_luminance(colour_b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


class Store(models.Model):
    """A brand that runs its returns through the portal."""

    store_path = ""

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(
        _("slug"),
        unique=True,
        help_text=_(
            "The store's address in the portal: /s/ + slug + /. Lower-case letters, digits and hyphens; "
            "e.g. the slug “northwind-audio” gives /s/northwind-audio/ (and /s/northwind-audio/policy/). "
            "Changing it breaks links already sent."
        ),
    )
    tagline = models.CharField(_("tagline"), max_length=200, blank=True)
    time_zone = TimeZoneField(_("time zone"), default="UTC")
    country = models.CharField(_("country"), max_length=2, help_text=_("ISO 3166 code, e.g. US, CN, DE."))
    holiday_subdivision = models.CharField(
        _("holiday subdivision"), max_length=10, blank=True, help_text=_("State or province code, e.g. CA.")
    )
    working_weekdays = models.CharField(
        _("working week"),
        max_length=7,
        default="01234",
        validators=[weekdays_validator],
        help_text=_("Working weekdays as digits, 0 = Monday … 6 = Sunday."),
    )
    opens_at = models.TimeField(_("support opens at"), default="09:00")
    closes_at = models.TimeField(_("support closes at"), default="17:00")
    support_hours = models.CharField(_("support hours (shown)"), max_length=120, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="USD")
    support_email = models.EmailField(_("support e-mail"))
    sender_email = models.EmailField(_("sender address"), help_text=_("From: address of the store's e-mails."))
    return_address = models.TextField(_("return address"))
    policy_url = models.URLField(_("policy page"), blank=True)
    order_number_example = models.CharField(
        _("order number example"),
        max_length=64,
        blank=True,
        help_text=_(
            "What an order number of this store looks like, shown to shoppers looking up an order, e.g. NW-2051 or #100234. "
            "Empty: the pattern of the latest order's number, or no example."
        ),
    )
    logo = models.ImageField(
        _("logo"),
        upload_to="brand-logos/",
        blank=True,
        validators=[validate_logo],
        help_text=_(
            "PNG (transparent background), JPEG or WebP, at most 1 MB. Shown 36–48 px high with its proportions kept: "
            "square or wide logos up to 6 : 1 work; recommended 400 × 100 px for a wide logo, 192 × 192 px for a square one."
        ),
    )
    accent_colour = models.CharField(_("accent colour"), max_length=7, default="#0d6efd", validators=[hex_colour_validator])
    default_review_sla_days = models.PositiveSmallIntegerField(
        _("default review SLA (working days)"), default=3, validators=[MinValueValidator(1)]
    )
    close_claims_after_days = models.PositiveSmallIntegerField(
        _("close finished claims after (days)"),
        default=30,
        validators=[MinValueValidator(1)],
        help_text=_(
            "Resolved, rejected, expired and withdrawn claims close themselves this many days after they reached "
            "that state (a rejected claim can be appealed until then). Evidence files are deleted a set time after closing."
        ),
    )
    webhook_secret = models.CharField(_("webhook secret"), max_length=64, default=_new_webhook_secret)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("store")
        verbose_name_plural = _("stores")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        supported = holidays.list_supported_countries()
        if self.country and self.country.upper() not in supported:
            raise ValidationError({"country": _("No holiday calendar for this country code.")})
        if self.country and self.holiday_subdivision:
            subdivisions = supported.get(self.country.upper(), [])
            if self.holiday_subdivision not in subdivisions:
                raise ValidationError({"holiday_subdivision": _("Unknown subdivision for this country.")})
        if self.opens_at and self.closes_at and self.opens_at >= self.closes_at:
            raise ValidationError({"closes_at": _("Support must close after it opens.")})

    @property
    def accent_text_colour(self) -> str:
        """Black or white, whichever reads better on the accent colour (WCAG contrast)."""
        return "#000000" if contrast_ratio(self.accent_colour, "#000000") >= contrast_ratio(self.accent_colour, "#ffffff") else "#ffffff"

    @property
    def accent_link_colour(self) -> str:
        """The accent for text on white; falls back to a dark shade when it is too light."""
        return self.accent_colour if contrast_ratio(self.accent_colour, "#ffffff") >= 4.5 else "#1f2937"

    @property
    def weekday_numbers(self) -> set[int]:
        return {int(d) for d in self.working_weekdays}


class ProductCategory(models.Model):
    store_path = "store"

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="categories")
    name = models.CharField(_("name"), max_length=120)
    warranty_months = models.PositiveSmallIntegerField(_("warranty (months)"), null=True, blank=True)

    class Meta:
        ordering = ["store", "name"]
        constraints = [models.UniqueConstraint(fields=["store", "name"], name="orders_category_unique")]
        verbose_name = _("product category")
        verbose_name_plural = _("product categories")

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    store_path = "store"

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="products")
    sku = models.CharField(_("SKU"), max_length=64)
    name = models.CharField(_("name"), max_length=200)
    category = models.ForeignKey(ProductCategory, on_delete=models.PROTECT, related_name="products", null=True, blank=True)
    is_accessory = models.BooleanField(_("accessory"), default=False)
    warranty_months = models.PositiveSmallIntegerField(
        _("warranty (months)"), null=True, blank=True, help_text=_("Empty: the category's warranty applies.")
    )
    price = models.DecimalField(
        _("list price"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("0.00"),
        help_text=_(
            "Also the value of a free gift or a bundle part a shopper keeps where the policy deducts it "
            "(less what was paid for it)."
        ),
    )
    model_family = models.CharField(
        _("model family"),
        max_length=64,
        blank=True,
        help_text=_(
            "Products with the same family are the same model for a “same model only” replacement, "
            "e.g. PB-20K for the black and the white 20,000 mAh power bank. Empty: only this product itself."
        ),
    )
    exchange_group = models.CharField(
        _("exchange group"),
        max_length=64,
        blank=True,
        help_text=_(
            "Where a policy offers “Exchange”, a shopper may exchange this product for another of the same "
            "exchange group (e.g. MIRRORS for every size of smart mirror), or for a product of its model family. "
            "Empty: only the model family."
        ),
    )
    image = models.ImageField(
        _("image"),
        upload_to=product_image_upload_to,
        blank=True,
        validators=[validate_product_image],
        help_text=_(
            "Optional. PNG, JPEG or WebP, at most 5 MB, at least 160 px on each side; square works best (e.g. 800 × 800 px). "
            "Shoppers see a small thumbnail beside the item on their order and claim; it is made a moment after saving."
        ),
    )
    # made by the worker (orders.product_images); `thumbnail_of` names the image it was made from
    thumbnail = models.ImageField(_("thumbnail"), upload_to="product-thumbnails/", blank=True, editable=False)
    thumbnail_of = models.CharField(max_length=255, blank=True, editable=False)

    class Meta:
        ordering = ["store", "name"]
        constraints = [models.UniqueConstraint(fields=["store", "sku"], name="orders_product_sku_unique")]

    def __str__(self) -> str:
        return f"{self.name} ({self.sku})"

    def clean(self) -> None:
        if self.category_id and self.store_id and self.category.store_id != self.store_id:
            raise ValidationError({"category": _("The category belongs to another store.")})

    @property
    def effective_warranty_months(self) -> int | None:
        if self.warranty_months is not None:
            return self.warranty_months
        return self.category.warranty_months if self.category else None

    @property
    def thumbnail_version(self) -> str:
        """The content version pages put in the thumbnail's URL: each thumbnail made gets
        a new random file name (orders.product_images), never reused, so the name stands
        for these very bytes."""
        return PurePosixPath(self.thumbnail.name).stem if self.thumbnail else ""

    def is_same_model_as(self, other: "Product") -> bool:
        """The same product, or one of the same model family in the same store."""
        if self.pk == other.pk:
            return True
        return bool(self.model_family) and self.store_id == other.store_id and self.model_family.strip().upper() == other.model_family.strip().upper()

    def is_exchangeable_for(self, other: "Product") -> bool:
        """Whether this (claimed) product may be exchanged for `other`: another product
        of its model family (a variant) or of its exchange group, in the same store."""
        if self.pk == other.pk or self.store_id != other.store_id:
            return False
        same_group = bool(self.exchange_group) and self.exchange_group.strip().upper() == other.exchange_group.strip().upper()
        return same_group or self.is_same_model_as(other)


def normalise_order_number(raw: str) -> str:
    """An order number as stored and looked up: without surrounding spaces or a leading
    '#', upper-case ("#iw-10020 " and "IW-10020" are one order). Lookups are then an
    exact match on the (store, number) unique index, never UPPER(number)."""
    return raw.strip().lstrip("#").strip().upper()


def normalise_email(raw: str) -> str:
    """A customer e-mail as stored and compared: stripped, lower-case."""
    return raw.strip().lower()


class Order(models.Model):
    store_path = "store"

    class Channel(models.TextChoices):
        ONLINE = "online", _("Online store")
        OFFLINE = "offline", _("Offline / retail")
        CROWDFUNDING = "crowdfunding", _("Crowdfunding (Kickstarter, Indiegogo)")
        AUTHORIZED_RESELLER = "authorized_reseller", _("Authorized reseller")
        UNAUTHORIZED_RESELLER = "unauthorized_reseller", _("Unauthorized reseller")
        FREE = "free", _("Free / gift")

    class Status(models.TextChoices):
        PLACED = "placed", _("Placed")
        PROCESSING = "processing", _("Processing")
        SHIPPED = "shipped", _("Shipped")
        DELIVERED = "delivered", _("Delivered")
        CANCELLED = "cancelled", _("Cancelled")

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="orders")
    number = models.CharField(_("order number"), max_length=64)
    customer_email = models.EmailField(_("customer e-mail"))
    customer_name = models.CharField(_("customer name"), max_length=200, blank=True)
    channel = models.CharField(_("sales channel"), max_length=32, choices=Channel.choices, default=Channel.ONLINE)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PLACED)
    currency = models.CharField(_("currency"), max_length=3)
    shipping_charged = models.DecimalField(_("shipping charged"), max_digits=12, decimal_places=2, default=Decimal("0.00"))
    shipping_name = models.CharField(_("ship to"), max_length=200, blank=True)
    shipping_address = models.TextField(_("shipping address"), blank=True)
    shipping_country = models.CharField(_("shipping country"), max_length=2, blank=True)
    placed_at = models.DateTimeField(_("placed"))
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)
    expected_ship_at = models.DateTimeField(_("expected to ship"), null=True, blank=True)
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)
    shipped_at = models.DateTimeField(_("shipped"), null=True, blank=True)
    picked_up_at = models.DateTimeField(_("picked up by carrier"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-placed_at"]
        constraints = [models.UniqueConstraint(fields=["store", "number"], name="orders_order_number_unique")]
        indexes = [
            models.Index(fields=["customer_email"], name="orders_order_email_idx"),
            # Staff search an order number by its beginning (LIKE 'IW-100%'), in their
            # stores or in all of them: the number leads so both are one range scan;
            # pattern ops because the database's collation is not C (ignored on SQLite).
            models.Index(
                fields=["number", "store"], name="orders_order_number_prefix_idx", opclasses=["varchar_pattern_ops", "int8_ops"]
            ),
            # insights: a store's orders placed in a period (units sold; today's counted live),
            # and the orders saved since the daily count's last run
            models.Index(fields=["store", "placed_at"], name="orders_order_placed_idx"),
            models.Index(fields=["store", "updated_at"], name="orders_order_updated_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.store.name} #{self.number}"

    def clean(self) -> None:
        # Every form, import and webhook that validates an order stores these normalised.
        self.number = normalise_order_number(self.number or "")
        self.customer_email = normalise_email(self.customer_email or "")
        if not self.number:
            raise ValidationError({"number": ORDER_NUMBER_EMPTY})

    @property
    def total_paid(self) -> Decimal:
        return sum((line.line_total for line in self.lines.all()), Decimal("0.00")) + self.shipping_charged


PRODUCT_OF_ANOTHER_STORE = _("This product belongs to another store than the order.")
ORDER_NUMBER_EMPTY = _("Enter an order number.")


class OrderLine(models.Model):
    store_path = "order__store"

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="order_lines")
    quantity = models.PositiveIntegerField(_("quantity"), default=1, validators=[MinValueValidator(1)])
    unit_price = models.DecimalField(_("unit price"), max_digits=12, decimal_places=2)
    discount = models.DecimalField(_("discount (line total)"), max_digits=12, decimal_places=2, default=Decimal("0.00"))
    bundle_group = models.CharField(
        _("bundle group"), max_length=32, blank=True, help_text=_("Lines with the same group were sold together.")
    )
    is_gift = models.BooleanField(_("gift"), default=False)

    class Meta:
        ordering = ["order", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gte=1), name="orders_line_quantity_positive"),
            models.CheckConstraint(condition=models.Q(discount__gte=0), name="orders_line_discount_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product.name}"

    def clean(self) -> None:
        order, product = getattr(self, "order", None), getattr(self, "product", None)  # None while unset
        if order is not None and product is not None and product.store_id != order.store_id:
            raise ValidationError({"product": PRODUCT_OF_ANOTHER_STORE})

    @property
    def line_total(self) -> Decimal:
        return self.unit_price * self.quantity - self.discount


class Shipment(models.Model):
    """An outbound parcel of an order."""

    store_path = "order__store"

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="shipments")
    carrier = models.CharField(_("carrier"), max_length=40)
    tracking_number = models.CharField(_("tracking number"), max_length=64)
    shipped_at = models.DateTimeField(_("shipped"), null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["order", "carrier", "tracking_number"], name="orders_shipment_unique")
        ]

    def __str__(self) -> str:
        return f"{self.carrier} {self.tracking_number}"


class WebhookEvent(models.Model):
    """One accepted webhook delivery; the unique event id makes re-deliveries no-ops."""

    store_path = "store"

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="webhook_events")
    event_id = models.CharField(max_length=100)
    event_type = models.CharField(max_length=40)
    order = models.ForeignKey(Order, on_delete=models.SET_NULL, null=True, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store", "event_id"], name="orders_webhook_event_unique")]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id}"


class OrderLookupRequest(models.Model):
    """A guest's order look-up, written in the web request's transaction whatever the
    answer (no order is looked at there, so a match and a miss take the same time); the
    worker matches it, queues the link e-mail on a match and deletes the row. The lookup
    relay (every minute) dispatches again a row whose task was lost and deletes rows
    older than a day."""

    store_path = "store"

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="lookup_requests")
    order_number = models.CharField(_("order number"), max_length=100)
    email = models.EmailField(_("e-mail"))
    base_url = models.CharField(max_length=300)
    created_at = models.DateTimeField(_("asked"), auto_now_add=True)
    dispatched_at = models.DateTimeField(_("last dispatched"), null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["created_at"], name="orders_lookup_created_idx")]
        verbose_name = _("order look-up")
        verbose_name_plural = _("order look-ups")

    def __str__(self) -> str:
        return f"{self.store_id}:{self.order_number}"


EVENT_NAME_HELP = _("A short code the webhook and the CSV import use, e.g. payment_confirmed, in_stock, installed.")
EVENT_TYPE_OF_ANOTHER_STORE = _("This event is not one of the order's store.")


class OrderEventType(models.Model):
    """An order event a store records (payment confirmation, in stock, installation):
    the names its webhook and CSV import may send, and the words shoppers read when a
    coverage rule's window is counted from it or open until it."""

    store_path = "store"

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="order_event_types")
    name = models.SlugField(_("name"), max_length=40, help_text=EVENT_NAME_HELP)
    label = models.CharField(
        _("label (shown)"),
        max_length=80,
        help_text=_("Words shoppers read, as in “within 30 days of payment confirmation”: e.g. payment confirmation."),
    )
    until_words = models.CharField(
        _("“until …” words (shown)"),
        max_length=120,
        blank=True,
        help_text=_("As in “possible until the product is in stock”: e.g. the product is in stock. Empty: the label."),
    )

    class Meta:
        ordering = ["store", "label"]
        constraints = [models.UniqueConstraint(fields=["store", "name"], name="orders_event_type_name_unique")]
        verbose_name = _("order event type")
        verbose_name_plural = _("order event types")

    def __str__(self) -> str:
        return self.label

    @property
    def until_text(self) -> str:
        return self.until_words or self.label


class OrderEvent(models.Model):
    """Something that happened to an order, by name (payment_confirmed at 3 Jan 10:00).
    One per order and name: a later report of the same event moves its time."""

    store_path = "order__store"

    class Source(models.TextChoices):
        WEBHOOK = "webhook", _("webhook")
        CSV = "csv", _("CSV import")
        STAFF = "staff", _("staff")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    event_type = models.ForeignKey(OrderEventType, on_delete=models.PROTECT, related_name="events", verbose_name=_("event"))
    occurred_at = models.DateTimeField(_("happened"))
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.STAFF)
    recorded_at = models.DateTimeField(_("recorded"), auto_now=True)

    class Meta:
        ordering = ["order", "occurred_at", "pk"]
        # the unique index leads with the order: it also serves "the events of this order"
        constraints = [models.UniqueConstraint(fields=["order", "event_type"], name="orders_event_once_per_order")]
        verbose_name = _("order event")
        verbose_name_plural = _("order events")

    def __str__(self) -> str:
        return f"{self.event_type} {self.occurred_at:%Y-%m-%d %H:%M}"

    @property
    def name(self) -> str:
        return self.event_type.name

    def clean(self) -> None:
        order, event_type = getattr(self, "order", None), getattr(self, "event_type", None)  # None while unset
        if order is not None and event_type is not None and event_type.store_id != order.store_id:
            raise ValidationError({"event_type": EVENT_TYPE_OF_ANOTHER_STORE})


class ProductPart(models.Model):
    """A part that comes with a product (a charger, a cable, a strap), sold separately or
    not: inspection records the missing ones at this value."""

    store_path = "product__store"

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="parts")
    name = models.CharField(_("part"), max_length=120)
    value = models.DecimalField(
        _("value"), max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0"))], help_text=_("Deducted when the part is missing.")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["product", "position", "pk"]
        verbose_name = _("part")
        verbose_name_plural = _("parts list")
        constraints = [
            models.UniqueConstraint(fields=["product", "name"], name="orders_product_part_unique"),
            models.CheckConstraint(condition=models.Q(value__gte=0), name="orders_product_part_value_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name
