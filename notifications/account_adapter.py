from allauth.account.adapter import DefaultAccountAdapter
from django.db import transaction

from notifications.services import SignedLink, email_enqueue, signed_links_hidden

# allauth's context keys that carry a link acting as the account's owner
SIGNED_LINK_KEYS = ("activate_url", "password_reset_url")


class AccountAdapter(DefaultAccountAdapter):
    """Account e-mails (verification, password reset) go through the outbox like every
    other e-mail: the request never waits on SMTP and a failure is retried."""

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        context, signed_links = signed_links_hidden(
            {key: SignedLink(value) if key in SIGNED_LINK_KEYS and value else value for key, value in context.items()}
        )
        message = self.render_mail(template_prefix, email, context)
        html = ""
        for content, mimetype in getattr(message, "alternatives", []):
            if mimetype == "text/html":
                html = content
        with transaction.atomic():
            email_enqueue(
                to=email,
                subject=message.subject,
                body_text=message.body,
                body_html=html,
                kind=f"account:{template_prefix.rsplit('/', 1)[-1]}",
                from_email=message.from_email,
                signed_links=signed_links,
            )
