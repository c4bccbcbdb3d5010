from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboundEmail(models.Model):
    """The outbox: an e-mail is a row written in the same transaction as the change
    that causes it; a Celery task delivers it after commit. A rolled-back change
    leaves no row, and a lost task leaves a pending row that can be sent again."""

    store_path = "store"

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        # The SMTP server took the whole message but its answer never came (timeout,
        # dropped connection): probably delivered, so never sent again automatically.
        UNCONFIRMED = "unconfirmed", _("Sent, unconfirmed")
        FAILED = "failed", _("Failed")

    store = models.ForeignKey("orders.Store", on_delete=models.SET_NULL, null=True, blank=True, related_name="emails")
    kind = models.CharField(_("kind"), max_length=60)
    to = models.EmailField(_("to"))
    from_email = models.CharField(_("from"), max_length=254)
    reply_to = models.CharField(_("reply-to"), max_length=254, blank=True)
    subject = models.CharField(_("subject"), max_length=255)
    body_text = models.TextField(_("plain text"))
    body_html = models.TextField(_("HTML"), blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=255, unique=True)
    # placeholder -> sign-in link, put into the bodies when sent, emptied once sent
    # (notifications.services.SignedLink); never shown in the admin
    signed_links = models.JSONField(default=dict, blank=True, editable=False)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    owed_since = models.DateTimeField(
        _("owed since"),
        default=timezone.now,
        help_text=_(
            "When the outbox started owing this e-mail (created, or staff's Send again): the relay's "
            "wait grows with it and it stops retrying after EMAIL_GIVE_UP_AFTER_SECONDS."
        ),
    )
    claimed_at = models.DateTimeField(_("claimed by a worker"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(
        _("next attempt"),
        null=True,
        blank=True,
        help_text=_("When the relay sends a failed e-mail again; empty once it stops retrying."),
    )
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"], name="notif_email_status_idx")]
        verbose_name = _("outbound e-mail")
        permissions = [("resend_outboundemail", _("Can send an e-mail again"))]
        verbose_name_plural = _("outbound e-mails")

    def __str__(self) -> str:
        return f"{self.subject} → {self.to}"


class ScheduledJobRun(models.Model):
    """When each periodic job (run by Celery beat) last ran: without beat, lost tasks and
    rows left "sending" never recover, and the admin says so from these rows."""

    name = models.CharField(_("job"), max_length=60, unique=True)
    last_run_at = models.DateTimeField(_("last run"))
    # A job that must never run twice at once (the SLA sweep) holds a lease while it runs:
    # taken with one conditional UPDATE, renewed as it goes, released at the end; a run
    # that dies leaves it to expire (notifications.services.scheduled_job_lease).
    lease_owner = models.CharField(_("running in"), max_length=120, blank=True)
    lease_until = models.DateTimeField(_("lease held until"), null=True, blank=True)

    class Meta:
        verbose_name = _("scheduled job run")
        verbose_name_plural = _("scheduled job runs")

    def __str__(self) -> str:
        return f"{self.name} @ {self.last_run_at:%Y-%m-%d %H:%M}"
