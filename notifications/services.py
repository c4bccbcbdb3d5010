"""The outbox: queue an e-mail with the change that causes it, deliver it once."""

import logging
import os
import re
import secrets
import smtplib
import socket
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from email.utils import make_msgid
from functools import partial

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.db import transaction
from django.db.models import F, Q, Value
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import escape

from notifications.models import OutboundEmail, ScheduledJobRun

logger = logging.getLogger(__name__)

DELIVERY_ERRORS = (smtplib.SMTPException, OSError)


class SignedLink(str):
    """A URL that opens something as its owner (a guest's order or claim link, an
    account's confirmation or password-reset link). Put into an e-mail's context as a
    SignedLink, it never reaches the outbox text: the row holds a placeholder and keeps
    the link apart (`signed_links`, not shown in the admin), the link is put in when the
    e-mail is sent and dropped once it is sent. Staff reading the outbox in the admin
    see where the link goes, never a link they could use; "Send again" still works."""


def _hidden_link(key: str) -> str:
    # URL-shaped, so templates that use it as an href render it as they would the link;
    # on a reserved domain, so even a copy of the placeholder leads nowhere.
    return f"https://signed-link.invalid/{key}"


def signed_links_hidden(context: dict) -> tuple[dict, dict[str, str]]:
    """The context with every SignedLink replaced by its placeholder, and the links by
    placeholder."""
    links = {_hidden_link(key): str(value) for key, value in context.items() if isinstance(value, SignedLink)}
    hidden = {key: _hidden_link(key) if isinstance(value, SignedLink) else value for key, value in context.items()}
    return hidden, links


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
    signed_links: dict[str, str] | None = None,
) -> OutboundEmail:
    """Write the e-mail as a row in the caller's transaction; dispatch after commit.
    `signed_links` maps placeholders in the bodies to the links put in when it is sent
    (see SignedLink)."""
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
        signed_links=signed_links or {},
    )
    # robust: a broker that is down must not fail the change that was just committed;
    # the row stays pending and is sent again by the relay.
    transaction.on_commit(lambda: _dispatch(email.pk), robust=True)
    return email


def email_enqueue_template(*, to: str, template: str, context: dict, kind: str, store=None) -> OutboundEmail:
    """Render templates/emails/<template>.subject.txt / .txt / .html and queue them."""
    context, signed_links = signed_links_hidden({"store": store, "portal_base_url": settings.PORTAL_BASE_URL, **context})
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
        signed_links=signed_links,
    )


def _dispatch(email_id: int) -> None:
    from notifications.tasks import email_send

    email_send.delay(email_id)


# --- many e-mails at once (the SLA sweep) ---------------------------------------------------


@dataclass(frozen=True)
class EmailSlot:
    """In email_enqueue_template_many's context: a value that differs per message. The
    template is rendered once with a marker here; each message's value is put in (escaped
    in the HTML body, as the template would have escaped it)."""

    name: str


_SLOT_NAME = re.compile(r"^[a-z][a-z_]*$")


def _with_slot_markers(value, marker):
    if isinstance(value, EmailSlot):
        if not _SLOT_NAME.match(value.name):
            raise ValueError(f"slot names are lower-case words: {value.name!r}")
        return marker(value.name)
    if isinstance(value, dict):
        return {key: _with_slot_markers(item, marker) for key, item in value.items()}
    return value


def email_enqueue_template_many(
    *, template: str, context: dict, messages: Sequence[tuple[str, dict]], kind: str, store=None
) -> list[OutboundEmail]:
    """Queue one e-mail per (to, values) of `messages`, as email_enqueue_template would,
    in the caller's transaction, with one INSERT per 500 rows and one dispatch after commit.

    Rendering 10,000 branded e-mails one by one takes seconds (~0.7 ms each), so the
    templates are rendered once with `context`, in which each EmailSlot (at any depth of
    dicts) is a marker; each message's values (plain text, or a SignedLink kept apart as
    email_enqueue_template does) replace the markers in one pass, HTML-escaped in the
    HTML body. A slot may only be printed (no {% if %} on it, no filter that changes it):
    a marker the template transformed is an error, never a wrong e-mail. Messages whose
    shared parts differ (another store, a note) are separate calls."""
    if not messages:
        return []
    nonce = secrets.token_hex(8)
    pattern = re.compile(f"slot{nonce}([a-z_]+){nonce}end")
    shared, shared_links = signed_links_hidden(
        {"store": store, "portal_base_url": settings.PORTAL_BASE_URL, **context}
    )
    shared = _with_slot_markers(shared, lambda name: f"slot{nonce}{name}{nonce}end")
    rendered = {
        part: render_to_string(f"emails/{template}.{part}", shared) for part in ("subject.txt", "txt", "html")
    }
    for part, text in rendered.items():
        if len(pattern.findall(text)) * 2 != text.lower().count(nonce):
            raise ValueError(f"emails/{template}.{part} changes a slot's value; render these one by one")
    from_email = f"{store.name} <{store.sender_email}>" if store else settings.DEFAULT_FROM_EMAIL
    reply_to = store.support_email if store else ""
    domain = _message_id_domain()
    now = timezone.now()
    rows = []
    for to, values in messages:
        links = dict(shared_links)
        plain: dict[str, str] = {}
        for name, value in values.items():
            if isinstance(value, SignedLink):
                plain[name] = _hidden_link(name)
                links[plain[name]] = str(value)
            else:
                plain[name] = "" if value is None else str(value)
        html = {name: escape(value) for name, value in plain.items()}

        def put(text: str, values: dict[str, str]) -> str:
            return pattern.sub(lambda match: values[match.group(1)], text)

        rows.append(
            OutboundEmail(
                store=store,
                kind=kind,
                to=to,
                from_email=from_email,
                reply_to=reply_to,
                subject=" ".join(put(rendered["subject.txt"], plain).split()),
                body_text=put(rendered["txt"], plain),
                body_html=put(rendered["html"], html),
                message_id=make_msgid(domain=domain),
                signed_links=links,
                # An expression keeps Django's multi-row VALUES insert: its UNNEST insert
                # (PostgreSQL) makes psycopg quote the bodies as arrays in Python, 2-3x
                # slower for these 5-10 KB rows (measured).
                owed_since=Value(now),
            )
        )
    emails = OutboundEmail.objects.bulk_create(rows, batch_size=500)
    transaction.on_commit(partial(_dispatch_batch, [email.pk for email in emails]), robust=True)
    return emails


def _dispatch_batch(ids: list[int]) -> None:
    """One message for many rows: an e-mail worker hands each row its own task
    (notifications.tasks.email_dispatch_many), so the sweep does not publish 10,000
    messages itself. A broker that is down leaves the rows to the relay."""
    from notifications.tasks import email_dispatch_many

    for start in range(0, len(ids), DISPATCH_CHUNK):
        try:
            email_dispatch_many.delay(ids[start : start + DISPATCH_CHUNK])
        except Exception:
            logger.exception("e-mail dispatch failed; %s row(s) left for the relay", len(ids) - start)
            return


DISPATCH_CHUNK = 1000


def _message_id_domain() -> str:
    sender = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].rstrip(">")
    return sender or "portal.localhost"


def email_deliver(*, email_id: int) -> bool:
    """Send one outbox row. Returns False when there was nothing to do (already sent,
    claimed by another worker, or given up: left for staff); raises the error so
    the task can retry. The claim is a conditional UPDATE, so two tasks for the same row
    (a retry and a relay dispatch, a redelivered message) never both send it."""
    Status = OutboundEmail.Status
    claimed_at = timezone.now()
    claimable = Q(status=Status.PENDING) | Q(status=Status.FAILED, next_attempt_at__isnull=False)
    claimed = OutboundEmail.objects.filter(claimable, pk=email_id).update(
        status=Status.SENDING, claimed_at=claimed_at, attempts=F("attempts") + 1, next_attempt_at=None
    )
    if not claimed:
        return False
    email = OutboundEmail.objects.get(pk=email_id)
    try:
        _send(_message(email))
    except DeliveryUnconfirmed as exc:
        # Not raised: a retry would send a second copy of what the server probably has.
        OutboundEmail.objects.filter(pk=email_id).update(
            status=Status.UNCONFIRMED, sent_at=timezone.now(), last_error=(UNCONFIRMED_ERROR % {"error": repr(exc.__cause__)})[:2000]
        )
        logger.warning("e-mail %s: the SMTP server did not confirm it (%r); not sent again", email_id, exc.__cause__)
        return True
    except Exception as exc:
        # Any error, not only SMTP ones: a row must never stay "sending" because of a bug.
        _mark_failed(email, claimed_at, exc)
        logger.warning("e-mail %s not delivered (attempt %s): %r", email_id, email.attempts, exc)
        raise
    # Unconditional: the message has left, whatever happened to the row meanwhile (e.g. the
    # relay took the claim for stale), so no other task may send it again.
    OutboundEmail.objects.filter(pk=email_id).update(
        status=Status.SENT, sent_at=timezone.now(), last_error="", next_attempt_at=None, signed_links={}
    )
    return True


UNCONFIRMED_ERROR = "The SMTP server took the message but did not confirm it: %(error)s"


class DeliveryUnconfirmed(Exception):
    """The message's DATA went out whole, then no answer came (the server was slower
    than EMAIL_TIMEOUT, or the connection dropped): it was probably accepted."""


def _send(message: EmailMultiAlternatives) -> None:
    """Send through the configured backend. Over SMTP, an error before the whole message
    went out is a failure (retried); a lost answer after it is DeliveryUnconfirmed."""
    connection = get_connection(fail_silently=False)
    message.connection = connection
    if not isinstance(connection, SMTPBackend):
        message.send()
        return
    body_sent = False
    connection.open()
    smtp = connection.connection
    smtp_send = smtp.send

    def send(data) -> None:
        nonlocal body_sent
        smtp_send(data)
        # smtplib's data() sends the whole message, dot-terminated, in one call
        if isinstance(data, bytes) and data.endswith(b"\r\n.\r\n"):
            body_sent = True

    smtp.send = send
    try:
        message.send()
    except smtplib.SMTPResponseException:
        raise  # the server answered: its refusal is known
    except (smtplib.SMTPServerDisconnected, OSError) as exc:
        if body_sent:
            raise DeliveryUnconfirmed() from exc
        raise
    finally:
        connection.close()


def _with_links(text: str, links: dict[str, str]) -> str:
    for placeholder, link in links.items():
        text = text.replace(placeholder, link)
    return text


def email_as_sent(*, email: OutboundEmail) -> EmailMultiAlternatives:
    """The message as it goes out: the row's text with its signed links put in."""
    return _message(email)


def _message(email: OutboundEmail) -> EmailMultiAlternatives:
    links = email.signed_links or {}
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=_with_links(email.body_text, links),
        from_email=email.from_email,
        to=[email.to],
        reply_to=[email.reply_to] if email.reply_to else None,
        headers={"Message-ID": email.message_id},
    )
    if email.body_html:
        message.attach_alternative(_with_links(email.body_html, links), "text/html")
    return message


def _mark_failed(email: OutboundEmail, claimed_at, exc: Exception) -> None:
    now = timezone.now()
    owed_for = now - email.owed_since
    gave_up = owed_for >= timedelta(seconds=settings.EMAIL_GIVE_UP_AFTER_SECONDS)
    next_attempt_at = None if gave_up else now + timedelta(seconds=email_retry_delay(owed_for=owed_for))
    # Only while the claim is still ours: never overwrite a later claim's outcome.
    OutboundEmail.objects.filter(pk=email.pk, status=OutboundEmail.Status.SENDING, claimed_at=claimed_at).update(
        status=OutboundEmail.Status.FAILED, last_error=repr(exc)[:2000], next_attempt_at=next_attempt_at
    )


def email_retry_delay(*, owed_for: timedelta) -> int:
    """Seconds the relay waits before trying a failed row again: as long as the row has
    been owed, at least EMAIL_RETRY_BACKOFF_SECONDS and at most
    EMAIL_RETRY_BACKOFF_MAX_SECONDS. Measured in time, not in attempts: the task's quick
    retries (seconds apart) do not count as relay rounds, so after a one-minute outage
    the first relay retry is a minute later (not 16), and the wait doubles per round
    (tried at 1, 2, 4, 8 … minutes of age) up to the ceiling, so after a long outage the
    backlog goes out within that ceiling of the recovery."""
    base = settings.EMAIL_RETRY_BACKOFF_SECONDS
    ceiling = settings.EMAIL_RETRY_BACKOFF_MAX_SECONDS
    return int(min(max(base, owed_for.total_seconds()), ceiling))


WORKER_LOST = "The worker stopped while sending (reset by the relay)."


def email_relay(*, now=None, pending_after_seconds=None, stale_sending_seconds=None) -> int:
    """Dispatch again what the outbox still owes; run every minute by Celery beat.

    - rows still pending after EMAIL_RELAY_DELAY_SECONDS (their message was lost: broker
      down at commit, Redis restarted, ...);
    - failed rows whose next attempt is due, for EMAIL_GIVE_UP_AFTER_SECONDS after they
      were first owed (then they stay failed for staff: admin action "Send again");
    - rows "sending" for longer than EMAIL_RELAY_STALE_SENDING_SECONDS (the worker died
      mid-send) are reset to pending first.

    Sent rows are never selected. Tasks are sent after commit, with email_send.delay;
    each dispatched row is not dispatched again for EMAIL_RELAY_REDISPATCH_SECONDS, so
    a backlog in the queue is not multiplied every minute. Returns how many rows were
    dispatched."""
    Status = OutboundEmail.Status
    now = now or timezone.now()
    if pending_after_seconds is None:
        pending_after_seconds = settings.EMAIL_RELAY_DELAY_SECONDS
    if stale_sending_seconds is None:
        stale_sending_seconds = settings.EMAIL_RELAY_STALE_SENDING_SECONDS
    batch_size = settings.EMAIL_RELAY_BATCH_SIZE
    redispatch_after = timedelta(seconds=settings.EMAIL_RELAY_REDISPATCH_SECONDS)
    give_up_before = now - timedelta(seconds=settings.EMAIL_GIVE_UP_AFTER_SECONDS)

    stale = OutboundEmail.objects.filter(
        status=Status.SENDING, claimed_at__lte=now - timedelta(seconds=stale_sending_seconds)
    )
    stale_ids = list(stale.order_by("claimed_at").values_list("pk", flat=True)[:batch_size])
    if stale_ids:
        stale = stale.filter(pk__in=stale_ids)
        stale.filter(owed_since__lte=give_up_before).update(
            status=Status.FAILED, next_attempt_at=None, last_error=WORKER_LOST
        )
        stale.update(status=Status.PENDING, next_attempt_at=None, last_error=WORKER_LOST)
        logger.warning("e-mail relay: %s row(s) left sending by a lost worker", len(stale_ids))

    not_scheduled_or_due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    due = OutboundEmail.objects.filter(
        (
            Q(status=Status.PENDING)
            & (Q(created_at__lte=now - timedelta(seconds=pending_after_seconds)) | Q(pk__in=stale_ids))
        )
        | Q(status=Status.FAILED, next_attempt_at__isnull=False),
        not_scheduled_or_due,
    )
    ids = list(due.order_by("created_at", "pk").values_list("pk", flat=True)[:batch_size])
    if not ids:
        return 0
    OutboundEmail.objects.filter(pk__in=ids, status__in=[Status.PENDING, Status.FAILED]).update(
        next_attempt_at=now + redispatch_after
    )
    transaction.on_commit(partial(_dispatch_many, ids))
    logger.info("e-mail relay: dispatching %s row(s)", len(ids))
    return len(ids)


def email_send_again(*, email_ids) -> dict[str, int]:
    """Staff's "Send again": failed, pending and unconfirmed rows go back to pending, owed from now
    (a fresh EMAIL_GIVE_UP_AFTER_SECONDS), and are dispatched after commit; sent rows never, rows being sent now are
    left to their worker (or to the relay if it died)."""
    Status = OutboundEmail.Status
    with transaction.atomic():
        rows = dict(OutboundEmail.objects.select_for_update().filter(pk__in=email_ids).values_list("pk", "status"))
        # Unconfirmed too: staff resend one when the shopper says it never arrived.
        resendable = (Status.PENDING, Status.FAILED, Status.UNCONFIRMED)
        ids = sorted(pk for pk, status in rows.items() if status in resendable)
        OutboundEmail.objects.filter(pk__in=ids).update(
            status=Status.PENDING, next_attempt_at=None, owed_since=timezone.now()
        )
        transaction.on_commit(partial(_dispatch_many, ids))
    statuses = list(rows.values())
    return {"queued": len(ids), "sent": statuses.count(Status.SENT), "sending": statuses.count(Status.SENDING)}


def email_dispatch_each(*, email_ids: list[int]) -> None:
    """Give each row its own delivery task (from an e-mail worker: email_dispatch_many)."""
    _dispatch_many(email_ids)


def _dispatch_many(ids: list[int]) -> None:
    from notifications.tasks import email_send

    for position, email_id in enumerate(ids):
        try:
            email_send.delay(email_id)
        except Exception:
            # The broker is down: the rows stay owed and the next relay run tries again.
            logger.exception("e-mail dispatch failed; %s row(s) left for the relay", len(ids) - position)
            return


def scheduled_job_ran(*, name: str, now=None) -> None:
    """A periodic job's heartbeat (notifications.selectors.scheduled_jobs_warning)."""
    ScheduledJobRun.objects.update_or_create(name=name, defaults={"last_run_at": now or timezone.now()})


# --- one run at a time -------------------------------------------------------------------


class LeaseLost(Exception):
    """The lease expired and another run took it: this run stops where it is."""


@dataclass
class Lease:
    name: str
    owner: str
    seconds: int

    def renew(self) -> None:
        """Between batches: the lease runs `seconds` from now again; LeaseLost if another
        run took it meanwhile (this one outlived the lease without renewing)."""
        held = ScheduledJobRun.objects.filter(name=self.name, lease_owner=self.owner).update(
            lease_until=timezone.now() + timedelta(seconds=self.seconds)
        )
        if not held:
            raise LeaseLost(self.name)


def scheduled_job_lease_take(*, name: str, seconds: int) -> Lease | None:
    """Take the job's lease if nobody holds it (or its holder let it expire): one
    conditional UPDATE, the same on PostgreSQL and SQLite. None when another run holds it.
    Works outside any transaction (the lease must be seen by the other run at once)."""
    now = timezone.now()
    ScheduledJobRun.objects.get_or_create(name=name, defaults={"last_run_at": now})
    owner = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
    free = Q(lease_until__isnull=True) | Q(lease_until__lte=now)
    taken = ScheduledJobRun.objects.filter(free, name=name).update(
        lease_owner=owner, lease_until=now + timedelta(seconds=seconds)
    )
    return Lease(name=name, owner=owner, seconds=seconds) if taken else None


def scheduled_job_lease_release(*, lease: Lease) -> None:
    ScheduledJobRun.objects.filter(name=lease.name, lease_owner=lease.owner).update(lease_owner="", lease_until=None)


@contextmanager
def scheduled_job_lease(*, name: str, seconds: int) -> Iterator[Lease | None]:
    """`with scheduled_job_lease(...) as lease:` None when another run holds it; else
    the lease, released when the block ends (also on an error)."""
    lease = scheduled_job_lease_take(name=name, seconds=seconds)
    try:
        yield lease
    finally:
        if lease is not None:
            scheduled_job_lease_release(lease=lease)
