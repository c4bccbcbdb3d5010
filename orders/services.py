"""Writes of the orders domain: guest access links and incoming orders (webhook)."""

import hashlib
import hmac
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import partial
from urllib.parse import urlencode

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from notifications.services import SignedLink, email_enqueue_template
from orders.guest_access import guest_link_lifetime, guest_token_make
from orders.models import (
    Order,
    OrderEvent,
    OrderEventType,
    OrderLine,
    OrderLookupRequest,
    Product,
    Shipment,
    Store,
    WebhookEvent,
    normalise_email,
    normalise_order_number,
)
from orders.selectors import order_for_lookup

__all__ = ["normalise_email", "normalise_order_number"]  # the stored form of numbers and e-mails, for callers

logger = logging.getLogger(__name__)


def order_access_link_request(*, store: Store, order_number: str, email: str, base_url: str) -> OrderLookupRequest:
    """The guest's front door, as the web sees it: the same work whether or not the
    order exists (one row written, one task sent after commit), so neither the answer
    nor its timing tells. The row makes the look-up durable: a task lost with the broker
    is dispatched again by the lookup relay. The worker does the matching."""
    with transaction.atomic():
        lookup = OrderLookupRequest.objects.create(
            store=store,
            order_number=normalise_order_number(order_number)[:100],
            email=normalise_email(email),
            base_url=base_url[:300],
            dispatched_at=timezone.now(),
        )
        # a lambda: robust=True logs the callback's __qualname__, which a partial lacks
        transaction.on_commit(lambda: _dispatch_lookup(lookup.pk), robust=True)
    return lookup


def _dispatch_lookup(lookup_id: int) -> None:
    from orders.tasks import order_lookup_process_task

    order_lookup_process_task.delay(lookup_id)


def order_lookup_process(*, lookup_id: int) -> bool:
    """Match one look-up: on a match queue the link e-mail; either way delete the row,
    in one transaction, so a look-up e-mails at most one link however often its task
    runs. Returns False when the row is gone (done already, or expired)."""
    with transaction.atomic():
        lookup = OrderLookupRequest.objects.select_for_update().filter(pk=lookup_id).first()
        if lookup is None:
            return False
        order_access_link_send(
            store_id=lookup.store_id, order_number=lookup.order_number, email=lookup.email, base_url=lookup.base_url
        )
        lookup.delete()
    return True


def order_lookup_relay(*, now=None) -> int:
    """Every minute (beat): dispatch again look-ups not done ORDER_LOOKUP_RELAY_SECONDS
    after their last dispatch (the broker lost or refused the task) and delete those
    older than ORDER_LOOKUP_EXPIRE_SECONDS. Returns how many were dispatched."""
    now = now or timezone.now()
    OrderLookupRequest.objects.filter(
        created_at__lte=now - timedelta(seconds=settings.ORDER_LOOKUP_EXPIRE_SECONDS)
    ).delete()
    due = OrderLookupRequest.objects.filter(
        dispatched_at__lte=now - timedelta(seconds=settings.ORDER_LOOKUP_RELAY_SECONDS)
    )
    ids = list(due.order_by("created_at").values_list("pk", flat=True)[: settings.EMAIL_RELAY_BATCH_SIZE])
    if ids:
        OrderLookupRequest.objects.filter(pk__in=ids).update(dispatched_at=now)
        transaction.on_commit(partial(_dispatch_lookups, ids))
    return len(ids)


def _dispatch_lookups(ids: list[int]) -> None:
    for position, lookup_id in enumerate(ids):
        try:
            _dispatch_lookup(lookup_id)
        except Exception:
            # The broker is down: the rows stay and the next relay run tries again.
            logger.exception("order look-up dispatch failed; %s left for the relay", len(ids) - position)
            return


def order_access_link_send(*, store_id: int, order_number: str, email: str, base_url: str) -> None:
    """Queues an e-mail with a signed link when the order number and e-mail match an
    order of this store; does nothing otherwise."""
    order = order_for_lookup(store_id=store_id, order_number=order_number, email=email)
    if order is not None:
        _queue_access_email(order=order, base_url=base_url)


def order_access_link_resend(*, order_id: int, base_url: str, next_path: str = "") -> None:
    """A new link for the e-mail on the order (after an expired one), leading where the
    expired one did: `next_path` is a claim page the caller has checked."""
    order = Order.objects.filter(pk=order_id).select_related("store").first()
    if order is not None:
        _queue_access_email(order=order, base_url=base_url, next_path=next_path)


def _queue_access_email(*, order: Order, base_url: str, next_path: str = "") -> None:
    path = reverse("orders:guest_access", kwargs={"slug": order.store.slug, "token": guest_token_make(order=order)})
    if next_path:
        path += "?" + urlencode({"next": next_path})
    with transaction.atomic():
        email_enqueue_template(
            to=order.customer_email,
            template="order_access",
            context={"order": order, "link": SignedLink(base_url.rstrip("/") + path), "link_lifetime": guest_link_lifetime()},
            kind="order_access",
            store=order.store,
        )


# --- Webhook --------------------------------------------------------------------------

SIGNATURE_HEADER = "X-Portal-Signature"


class WebhookRejected(Exception):
    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


def webhook_signature(*, secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def webhook_signature_valid(*, store: Store, body: bytes, signature: str) -> bool:
    return hmac.compare_digest(webhook_signature(secret=store.webhook_secret, body=body), signature or "")


@dataclass(frozen=True)
class WebhookResult:
    duplicate: bool
    order: Order | None


EVENT_TYPES = ("order.created", "order.updated", "order.shipped", "order.delivered")


def order_webhook_apply(*, store: Store, payload: dict) -> WebhookResult:
    """Apply one verified webhook event. Idempotent on the event id: a re-delivery
    changes nothing. Raises WebhookRejected for a payload we cannot use; then nothing
    is written."""
    if not isinstance(payload, dict):
        raise WebhookRejected(_("The body must be a JSON object."))
    event_id = str(payload.get("id") or "").strip()
    event_type = payload.get("type")
    data = payload.get("order")
    if not event_id:
        raise WebhookRejected(_("The event has no id."))
    if event_type not in EVENT_TYPES:
        raise WebhookRejected(_("Unknown event type; use one of: %s.") % ", ".join(EVENT_TYPES))
    if not isinstance(data, dict) or not str(data.get("number") or "").strip():
        raise WebhookRejected(_("The event needs an order with a number."))

    try:
        with transaction.atomic():
            event = WebhookEvent.objects.create(store=store, event_id=event_id[:100], event_type=event_type)
            order = _apply(store=store, event_type=event_type, data=data)
            event.order = order
            event.save(update_fields=["order"])
    except IntegrityError:
        if WebhookEvent.objects.filter(store=store, event_id=event_id[:100]).exists():
            return WebhookResult(duplicate=True, order=None)
        raise
    return WebhookResult(duplicate=False, order=order)


def _parse_time(data: dict, key: str) -> datetime | None:
    value = data.get(key)
    if value in (None, ""):
        return None
    try:
        parsed = parse_datetime(str(value))
    except ValueError:  # well formed but impossible, e.g. month 13
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise WebhookRejected(_("%(field)s must be an ISO 8601 time with a UTC offset.") % {"field": key})
    return parsed


def _parse_money(value, field: str) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise WebhookRejected(_("%(field)s must be a decimal amount.") % {"field": field}) from None
    if amount < 0 or not amount.is_finite():
        raise WebhookRejected(_("%(field)s must not be negative.") % {"field": field})
    return amount.quantize(Decimal("0.01"))


ORDER_TIME_FIELDS = (
    "placed_at",
    "paid_at",
    "expected_ship_at",
    "processed_at",
    "shipped_at",
    "picked_up_at",
    "delivered_at",
)


def _apply(*, store: Store, event_type: str, data: dict) -> Order:
    number = normalise_order_number(str(data["number"]))
    order = Order.objects.select_for_update().filter(store=store, number=number).first()
    if order is None and event_type != "order.created":
        raise WebhookRejected(_("Order %(number)s is unknown; send order.created first.") % {"number": number}, 422)
    if order is None:
        order = Order(store=store, number=number, currency=store.currency)

    if event_type in ("order.created", "order.updated"):
        for field in ("customer_email", "customer_name", "shipping_name", "shipping_address", "shipping_country", "channel"):
            if field in data:
                setattr(order, field, str(data[field] or "").strip())
        if "currency" in data:
            order.currency = str(data["currency"]).upper()[:3]
        if "shipping_charged" in data:
            order.shipping_charged = _parse_money(data["shipping_charged"], "shipping_charged")
        for field in ORDER_TIME_FIELDS:
            if field in data:
                setattr(order, field, _parse_time(data, field))
        if "status" in data:
            order.status = data["status"]
    elif event_type == "order.shipped":
        order.shipped_at = _parse_time(data, "shipped_at") or order.shipped_at
        order.picked_up_at = _parse_time(data, "picked_up_at") or order.picked_up_at
        order.status = Order.Status.SHIPPED
    elif event_type == "order.delivered":
        order.delivered_at = _parse_time(data, "delivered_at")
        if order.delivered_at is None:
            raise WebhookRejected(_("order.delivered needs delivered_at."))
        order.status = Order.Status.DELIVERED

    if order.placed_at is None:
        raise WebhookRejected(_("placed_at is required for a new order."))
    order.shipping_country = (order.shipping_country or "").upper()[:2]
    try:
        order.full_clean(exclude=["store"])
    except Exception as exc:  # ValidationError: report which fields, write nothing
        messages = getattr(exc, "message_dict", {"order": [str(exc)]})
        raise WebhookRejected("; ".join(f"{k}: {' '.join(v)}" for k, v in messages.items())) from None
    order.save()

    # Lines are taken once, when the order first arrives: claims will point at them,
    # so a later event never rewrites them.
    if event_type == "order.created" and not order.lines.exists():
        _create_lines(order=order, lines=data.get("lines") or [])
    if "events" in data:
        order_events_record(order=order, events=_parse_events(store=store, raw=data["events"]), source=OrderEvent.Source.WEBHOOK)
    if event_type == "order.shipped" and data.get("tracking_number"):
        Shipment.objects.get_or_create(
            order=order,
            carrier=str(data.get("carrier") or "").strip()[:40],
            tracking_number=str(data["tracking_number"]).strip()[:64],
            defaults={"shipped_at": order.shipped_at},
        )
    return order


def _create_lines(*, order: Order, lines: list) -> None:
    if not isinstance(lines, list) or not lines:
        raise WebhookRejected(_("An order needs at least one line."))
    skus = {str(line.get("sku", "")) for line in lines if isinstance(line, dict)}
    products = {p.sku: p for p in Product.objects.filter(store=order.store, sku__in=skus)}
    new_lines = []
    for index, line in enumerate(lines, start=1):
        if not isinstance(line, dict):
            raise WebhookRejected(_("Line %(n)d is not an object.") % {"n": index})
        product = products.get(str(line.get("sku", "")))
        if product is None:
            raise WebhookRejected(_("Line %(n)d: unknown SKU %(sku)r.") % {"n": index, "sku": line.get("sku")}, 422)
        try:
            quantity = int(line.get("quantity", 1))
        except (TypeError, ValueError):
            quantity = 0
        if quantity < 1:
            raise WebhookRejected(_("Line %(n)d: quantity must be 1 or more.") % {"n": index})
        new_lines.append(
            OrderLine(
                order=order,
                product=product,
                quantity=quantity,
                unit_price=_parse_money(line.get("unit_price", product.price), "unit_price"),
                discount=_parse_money(line.get("discount", "0"), "discount"),
                bundle_group=str(line.get("bundle_group") or "")[:32],
                is_gift=bool(line.get("gift", False)),
            )
        )
    OrderLine.objects.bulk_create(new_lines)


# --- Order events (payment confirmed, in stock, installed …) -----------------------

EVENTS_NOT_A_LIST = _('events must be a list of objects like {"name": "payment_confirmed", "at": "2027-01-03T10:00:00+08:00"}.')
EVENT_NOT_AN_OBJECT = _('events[%(n)d] must be an object with "name" and "at".')
EVENT_UNKNOWN_NAME = _("events[%(n)d]: %(name)r is not an order event of this store; its events are: %(known)s.")
EVENT_BAD_TIME = _("events[%(n)d] (%(name)s): “at” must be an ISO 8601 time with a UTC offset, e.g. 2027-01-03T10:00:00+08:00.")
EVENT_TWICE = _("events[%(n)d]: %(name)s is listed twice.")
NO_EVENTS_DECLARED = _("none yet (a manager adds them under Orders › Order event types)")


def order_event_types_by_name(*, store: Store) -> dict[str, OrderEventType]:
    return {event_type.name: event_type for event_type in OrderEventType.objects.filter(store=store)}


def order_event_names_known(*, types: dict[str, OrderEventType]) -> str:
    return ", ".join(sorted(types)) or str(NO_EVENTS_DECLARED)


def order_event_time_parse(raw) -> datetime | None:
    """An event time as sent: ISO 8601 with a UTC offset, else None."""
    try:
        parsed = parse_datetime(raw.strip()) if isinstance(raw, str) else None
    except ValueError:  # well formed but not a date, e.g. month 13
        return None
    return parsed if parsed is not None and parsed.tzinfo is not None else None


def _parse_events(*, store: Store, raw) -> list[tuple[OrderEventType, datetime]]:
    """The webhook's `events` list, checked whole before anything is written."""
    if not isinstance(raw, list):
        raise WebhookRejected(str(EVENTS_NOT_A_LIST))
    types = order_event_types_by_name(store=store)
    parsed: list[tuple[OrderEventType, datetime]] = []
    for index, item in enumerate(raw):
        if not isinstance(item, dict):
            raise WebhookRejected(EVENT_NOT_AN_OBJECT % {"n": index})
        name = str(item.get("name") or "").strip()
        event_type = types.get(name)
        if event_type is None:
            raise WebhookRejected(EVENT_UNKNOWN_NAME % {"n": index, "name": name, "known": order_event_names_known(types=types)})
        if any(seen.pk == event_type.pk for seen, _at in parsed):
            raise WebhookRejected(EVENT_TWICE % {"n": index, "name": name})
        at = order_event_time_parse(item.get("at"))
        if at is None:
            raise WebhookRejected(EVENT_BAD_TIME % {"n": index, "name": name})
        parsed.append((event_type, at))
    return parsed


def order_events_record(*, order: Order, events: list[tuple[OrderEventType, datetime]], source: str) -> None:
    """Record what happened to an order. One event per order and name: a later report
    of an event the order has already moves its time (and notes where it came from)."""
    for event_type, occurred_at in events:
        OrderEvent.objects.update_or_create(
            order=order, event_type=event_type, defaults={"occurred_at": occurred_at, "source": source}
        )
    if events:  # the order's pages show decisions that depend on its events (claims.page_cache)
        Order.objects.filter(pk=order.pk).update(updated_at=timezone.now())
