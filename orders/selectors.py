"""Reads of the orders domain, with the access rules of who may see an order."""

from allauth.account.models import EmailAddress
from django.db.models import Prefetch, Q, QuerySet

from orders.models import Order, OrderLine, Store


def store_list_active() -> QuerySet[Store]:
    return Store.objects.filter(is_active=True).order_by("name")


def user_verified_emails(*, user) -> list[str]:
    if not user.is_authenticated:
        return []
    return list(EmailAddress.objects.filter(user=user, verified=True).values_list("email", flat=True))


def orders_for_user(*, user) -> QuerySet[Order]:
    """The signed-in shopper's orders: those placed with one of their verified e-mails."""
    emails = user_verified_emails(user=user)
    if not emails:
        return Order.objects.none()

    match = Q()
    for email in emails:
        match |= Q(customer_email__iexact=email)
    return Order.objects.filter(match).select_related("store").order_by("-placed_at")


def order_for_viewer(*, store: Store, number: str, user, guest_order_ids: list[int]) -> Order | None:
    """The order if this viewer may see it: opened through a guest link in this
    session, or placed with a verified e-mail of the signed-in account."""
    order = (
        Order.objects.filter(store=store, number=number)
        .select_related("store")
        .prefetch_related(
            Prefetch("lines", queryset=OrderLine.objects.select_related("product", "product__category")),
            "shipments",
        )
        .first()
    )
    if order is None:
        return None
    if order.pk in guest_order_ids:
        return order
    emails = {e.lower() for e in user_verified_emails(user=user)}
    if order.customer_email.lower() in emails:
        return order
    return None
