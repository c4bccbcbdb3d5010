"""The outbox: queue an e-mail with the change that causes it, deliver it once."""

import logging
import smtplib
from email.utils import make_msgid

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone

from notifications.models import OutboundEmail

logger = logging.getLogger(__name__)

DELIVERY_ERRORS = (smtplib.SMTPException, OSError)


def email_enqueue(
    *,
    to: str,
    subject: str,
    body_text: str,
    body_html: str = "",
    kind: str,
    store=None,
    from_email: str | None = None,
    reply_to: str = "",
) -> OutboundEmail:
    """Write the e-mail as a row in the caller's transaction; dispatch after commit."""
    email = OutboundEmail.objects.create(
        store=store,
        kind=kind,
        to=to,
        from_email=from_email or settings.DEFAULT_FROM_EMAIL,
        reply_to=reply_to,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        message_id=make_msgid(domain=_message_id_domain()),
    )
    # robust: a broker that is down must not fail the change that was just committed;
    # the row stays pending and is sent again by the relay.
    transaction.on_commit(lambda: _dispatch(email.pk), robust=True)
    return email


def email_enqueue_template(*, to: str, template: str, context: dict, kind: str, store=None) -> OutboundEmail:
    """Render templates/emails/<template>.subject.txt / .txt / .html and queue them."""
    context = {"store": store, "portal_base_url": settings.PORTAL_BASE_URL, **context}
    subject = " ".join(render_to_string(f"emails/{template}.subject.txt", context).split())
    body_text = render_to_string(f"emails/{template}.txt", context)
    body_html = render_to_string(f"emails/{template}.html", context)
    from_email = f"{store.name} <{store.sender_email}>" if store else None
    return email_enqueue(
        to=to,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        kind=kind,
        store=store,
        from_email=from_email,
        reply_to=store.support_email if store else "",
    )


def _dispatch(email_id: int) -> None:
    from notifications.tasks import email_send

    email_send.delay(email_id)


def _message_id_domain() -> str:
    sender = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].rstrip(">")
    return sender or "portal.localhost"


def email_deliver(*, email_id: int) -> bool:
    """Send one outbox row. Returns False when there was nothing to do (already sent
    or claimed by another worker); raises a delivery error so the task can retry."""
    claimed = OutboundEmail.objects.filter(
        pk=email_id, status__in=[OutboundEmail.Status.PENDING, OutboundEmail.Status.FAILED]
    ).update(status=OutboundEmail.Status.SENDING, claimed_at=timezone.now(), attempts=F("attempts") + 1)
    if not claimed:
        return False
    email = OutboundEmail.objects.get(pk=email_id)
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body_text,
        from_email=email.from_email,
        to=[email.to],
        reply_to=[email.reply_to] if email.reply_to else None,
        headers={"Message-ID": email.message_id},
    )
    if email.body_html:
        message.attach_alternative(email.body_html, "text/html")
    try:
        message.send()
    except DELIVERY_ERRORS as exc:
        OutboundEmail.objects.filter(pk=email_id).update(status=OutboundEmail.Status.FAILED, last_error=repr(exc)[:2000])
        logger.warning("e-mail %s not delivered: %r", email_id, exc)
        raise
    OutboundEmail.objects.filter(pk=email_id).update(
        status=OutboundEmail.Status.SENT, sent_at=timezone.now(), last_error=""
    )
    return True
