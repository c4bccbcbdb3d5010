from django.contrib import admin, messages
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.scoped_admin import StoreScopedAdmin
from notifications.models import OutboundEmail
from notifications.services import email_send_again


@admin.register(OutboundEmail)
class OutboundEmailAdmin(StoreScopedAdmin):
    list_display = [
        "created_at",
        "store",
        "kind",
        "to",
        "subject",
        "status",
        "attempts",
        "last_error_short",
        "next_attempt_at",
        "sent_at",
    ]
    list_filter = ["status", "kind", "store"]
    search_fields = ["to", "subject", "message_id"]
    list_select_related = ["store"]
    # Everything but the sign-in links kept for sending (the bodies show placeholders).
    readonly_fields = [f.name for f in OutboundEmail._meta.fields if f.name != "signed_links"]
    exclude = ["signed_links"]
    actions = ["send_again"]
    # says so when beat has not run the relay (notifications.selectors.scheduled_jobs_warning)
    change_list_template = "admin/notifications/outboundemail/change_list.html"

    def has_add_permission(self, request) -> bool:
        return False

    def has_resend_permission(self, request) -> bool:
        return request.user.has_perm("notifications.resend_outboundemail")

    @admin.display(description=_("last error"))
    def last_error_short(self, email: OutboundEmail) -> str:
        return Truncator(email.last_error).chars(80)

    @admin.action(description=_("Send again"), permissions=["resend"])
    def send_again(self, request, queryset):
        counts = email_send_again(email_ids=list(queryset.values_list("pk", flat=True).distinct()))
        queued, sent, sending = counts["queued"], counts["sent"], counts["sending"]
        self.message_user(
            request,
            ngettext("%(count)d e-mail queued to be sent again.", "%(count)d e-mails queued to be sent again.", queued)
            % {"count": queued},
            messages.SUCCESS if queued else messages.WARNING,
        )
        if sent:
            self.message_user(
                request,
                ngettext(
                    "%(count)d skipped: already sent, it is never sent twice.",
                    "%(count)d skipped: already sent, they are never sent twice.",
                    sent,
                )
                % {"count": sent},
                messages.WARNING,
            )
        if sending:
            self.message_user(
                request,
                ngettext(
                    "%(count)d skipped: being sent right now.", "%(count)d skipped: being sent right now.", sending
                )
                % {"count": sending},
                messages.WARNING,
            )
