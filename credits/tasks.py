"""Thin Celery wrappers over the store credit services."""

from celery import shared_task

from credits.services import store_credits_expire


@shared_task(acks_late=True)
def store_credits_expire_task() -> int:
    """Daily (beat, DatabaseScheduler; credits migration 0001): what is left on credits
    past their date is written off, each with an "expired" entry. Safe to run twice:
    an expired credit has nothing left to expire."""
    return store_credits_expire()
