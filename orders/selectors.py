"""Reads of the orders domain, with the access rules of who may see an order."""

import hmac

from allauth.account.models import EmailAddress
from django.db.models import Prefetch, QuerySet, prefetch_related_objects

from orders.models import Order, OrderLine, Store, normalise_email, normalise_order_number

# Compared with when no order has the number: not an e-mail anyone can type (no '@').
_NO_ORDER_EMAIL = "no order with this number"


def store_list_active() -> QuerySet[Store]:
    return Store.objects.filter(is_active=True).order_by("name")


def store_for_slug(*, slug: str) -> Store | None:
    """An active store by its slug; None for an empty or unknown one (one query at most)."""
    if not slug:
        return None
    return Store.objects.filter(slug=slug, is_active=True).first()


def store_order_number_example(*, store: Store) -> str:
    """An order number as the store writes them, for the look-up form's hint: the
    store's own example, else the shape of its latest order's number with made-up
    digits (never a real number, never another store's), else "" (no example)."""
    if store.order_number_example:
        return store.order_number_example
    latest = Order.objects.filter(store=store).order_by("-placed_at").values_list("number", flat=True).first()
    if not latest:
        return ""
    digits = iter("1234567890" * 7)
    return "".join(next(digits) if ch.isdigit() else ch for ch in latest)


def user_verified_emails(*, user) -> list[str]:
    if not user.is_authenticated:
        return []
    return list(EmailAddress.objects.filter(user=user, verified=True).values_list("email", flat=True))


def orders_for_emails(*, emails: list[str]) -> QuerySet[Order]:
    """Orders placed with one of these (verified) e-mails, newest first, with the columns
    a list of them shows. Orders store the e-mail lower-case: an exact match on its index."""
    wanted = sorted({normalise_email(email) for email in emails})
    if not wanted:
        return Order.objects.none()
    return (
        Order.objects.filter(customer_email__in=wanted)
        .select_related("store")
        .only("id", "number", "status", "placed_at", "store__id", "store__slug", "store__name", "store__time_zone")
        .order_by("-placed_at", "-pk")
    )


def order_viewable(*, order: Order, user, guest_order_ids: list[int]) -> bool:
    """Opened through a guest link in this session, or placed with a verified e-mail of
    the signed-in account."""
    return order.pk in guest_order_ids or order.customer_email in {normalise_email(e) for e in user_verified_emails(user=user)}


def order_with_lines(*, order_id: int) -> Order:
    """The order with its store, its lines (in order, with their products) and shipments:
    for a viewer order_viewable has let in."""
    order = Order.objects.select_related("store").get(pk=order_id)
    prefetch_related_objects(
        [order], Prefetch("lines", queryset=OrderLine.objects.select_related("product", "product__category")), "shipments"
    )
    return order


def order_for_viewer(*, store: Store, number: str, user, guest_order_ids: list[int]) -> Order | None:
    """The order if this viewer may see it: opened through a guest link in this
    session, or placed with a verified e-mail of the signed-in account. Its lines (in
    order, with their products) and shipments come with it, for the viewer only."""
    order = Order.objects.filter(store=store, number=number).first()
    if order is None:
        return None
    order.store = store  # the caller's, not read again
    if not order_viewable(order=order, user=user, guest_order_ids=guest_order_ids):
        return None
    prefetch_related_objects(
        [order], Prefetch("lines", queryset=OrderLine.objects.select_related("product", "product__category")), "shipments"
    )
    return order


def order_for_lookup(*, store_id: int, order_number: str, email: str) -> Order | None:
    """The order a guest's look-up names, if the number and the e-mail both match.

    A hit and a miss do the same work: one query on the (store, number) unique index
    with the number as stored (normalised), then a constant-time comparison of the
    normalised e-mail (against a stand-in when there is no such order)."""
    number = normalise_order_number(order_number)
    candidates = list(Order.objects.filter(store_id=store_id, number=number).select_related("store").order_by())
    order = candidates[0] if candidates else None
    expected = order.customer_email if order is not None else _NO_ORDER_EMAIL
    matches = hmac.compare_digest(expected.encode(), normalise_email(email).encode())
    return order if matches and order is not None else None
