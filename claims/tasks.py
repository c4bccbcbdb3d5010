"""Thin Celery wrappers over the claims services."""

from celery import shared_task

from claims.evidence import evidence_process


@shared_task(acks_late=True)
def evidence_process_task(evidence_id: int) -> str:
    """On the "evidence" queue, so a long video never delays an e-mail."""
    return evidence_process(evidence_id=evidence_id)
