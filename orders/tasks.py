"""Thin Celery wrappers over orders.services."""

from celery import shared_task

from orders.services import order_access_link_send


@shared_task
def order_access_link_send_task(*, store_id: int, order_number: str, email: str, base_url: str) -> None:
    # Idempotency: a redelivered task may send a second link for the same order; both
    # links are valid and open only that order, which is harmless.
    order_access_link_send(store_id=store_id, order_number=order_number, email=email, base_url=base_url)
