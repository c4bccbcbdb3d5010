"""Thin Celery wrappers over notifications.services."""

from celery import shared_task

from notifications.services import DELIVERY_ERRORS, email_deliver


@shared_task(
    autoretry_for=DELIVERY_ERRORS,
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
)
def email_send(email_id: int) -> bool:
    return email_deliver(email_id=email_id)
