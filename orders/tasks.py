"""Thin Celery wrappers over orders.services."""

from celery import shared_task

from orders.services import order_lookup_process, order_lookup_relay


@shared_task
def order_lookup_process_task(lookup_id: int) -> bool:
    # Idempotent: the row is deleted with the e-mail it queues; a second run finds nothing.
    return order_lookup_process(lookup_id=lookup_id)


@shared_task
def order_lookup_relay_task() -> int:
    """Run every minute by beat (PeriodicTask "Order look-up relay", orders migration 0003)."""
    return order_lookup_relay()


@shared_task
def order_access_link_send_task(*, store_id: int, order_number: str, email: str, base_url: str) -> None:
    """The look-up task of earlier releases: kept so messages queued before an upgrade
    still run (they have no lookup row)."""
    from orders.services import order_access_link_send

    order_access_link_send(store_id=store_id, order_number=order_number, email=email, base_url=base_url)


@shared_task(acks_late=True)
def product_thumbnail_task(product_id: int) -> str:
    """Idempotent: a thumbnail made from the product's current image is kept."""
    from orders.product_images import product_thumbnail_make

    return product_thumbnail_make(product_id=product_id)
