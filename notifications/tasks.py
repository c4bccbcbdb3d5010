"""Thin Celery wrappers over notifications.services (routed to the "email" queue)."""

from celery import shared_task

from notifications.services import DELIVERY_ERRORS, email_deliver, email_dispatch_each, email_relay, scheduled_job_ran


@shared_task(
    autoretry_for=DELIVERY_ERRORS,
    retry_backoff=True,
    retry_backoff_max=600,
    # Quick retries for a blip (countdowns of at most 1, 2, 4, 8 s); a longer outage is
    # the relay's job (email_relay: a wait that grows with the row's age, capped, until
    # EMAIL_GIVE_UP_AFTER_SECONDS), which these retries do not shorten or lengthen.
    max_retries=4,
)
def email_send(email_id: int) -> bool:
    return email_deliver(email_id=email_id)


@shared_task
def email_relay_task() -> int:
    """Run every minute by beat (PeriodicTask "E-mail relay", notifications migration 0003)."""
    scheduled_job_ran(name="email_relay")
    return email_relay()


@shared_task
def email_dispatch_many(email_ids: list[int]) -> int:
    """Many outbox rows queued at once (the SLA sweep): each gets its own email_send."""
    email_dispatch_each(email_ids=email_ids)
    return len(email_ids)
