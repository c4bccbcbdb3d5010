"""Thin Celery wrappers over the claims services."""

from celery import shared_task
from django.conf import settings

from claims.evidence import evidence_process, evidence_redispatch_stuck
from claims.sla import evidence_retention_sweep, sla_sweep
from notifications.services import scheduled_job_ran


@shared_task(acks_late=True)
def evidence_process_task(evidence_id: int) -> str:
    """On the "evidence" queue, so a long video never delays an e-mail."""
    return evidence_process(evidence_id=evidence_id)


@shared_task(acks_late=True)
def sla_sweep_task() -> dict:
    """Every minute (beat, DatabaseScheduler; claims migration 0003): ship-by reminders and
    waivers, overdue review escalations, overdue refund flags, closes; evidence whose check
    never ran is queued again. Safe to run twice at once: the second finds the sweep's
    lease held and returns at once."""
    scheduled_job_ran(name="sla_sweep")
    return {**sla_sweep(), "evidence": evidence_redispatch_stuck()}


@shared_task(acks_late=True)
def evidence_retention_task() -> int:
    """Daily (matches the "evidence_*" route: the evidence queue): the files of claims closed
    longer than settings.EVIDENCE_RETENTION_DAYS (default 180)."""
    return evidence_retention_sweep(days=getattr(settings, "EVIDENCE_RETENTION_DAYS", 180))


@shared_task
def staff_digest_task() -> int:
    """Daily: each staff member's claims due today or overdue (once per day)."""
    from claims.notifications import staff_daily_digest

    return staff_daily_digest()


@shared_task(acks_late=True)
def insights_days_task(everything: bool = False) -> dict:
    """Hourly (beat; claims migration 0024): every store's closed days not counted yet, and
    those whose orders changed, into the insights' daily tables; nightly with
    `everything` (every day counted again). Idempotent: a day is replaced whole."""
    from claims.services.insights_days import insights_days_refresh_all

    counted = insights_days_refresh_all(everything=everything)
    return {str(store.store_id): store.days for store in counted}
