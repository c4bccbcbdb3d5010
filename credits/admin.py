"""The store credit ledger in the admin: staff see and search their stores' credits and
their entries (scoped by accounts.scoped_admin), and record a redemption or an
adjustment through a small form calling credits.services. Nothing is edited in place:
the history is append-only."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts import access
from accounts.scoped_admin import StoreScopedAdmin
from credits import forms, services
from credits.models import StoreCredit
from credits.selectors import store_credits_matching

LEDGER_FORMS = {
    "redeem": (_("Record a redemption"), forms.RedeemForm, _("Redemption of %(amount)s %(currency)s recorded; %(balance)s %(currency)s left.")),
    "adjust": (_("Adjust the balance"), forms.AdjustForm, _("Adjustment of %(amount)s %(currency)s recorded; %(balance)s %(currency)s left.")),
}


@admin.register(StoreCredit)
class StoreCreditAdmin(StoreScopedAdmin):
    list_display = ["code", "store", "shopper_email", "initial_amount", "balance", "currency", "issued_at", "expires_at", "claim_link"]
    list_filter = ["store"]
    list_select_related = ["store", "claim"]
    search_fields = ["code"]  # store_credits_matching: prefix matches on indexed columns
    search_help_text = _("A code (or its start) or the shopper's e-mail (or its start).")
    fields = ["code", "store", "shopper_email", "initial_amount", "bonus_percent", "balance", "currency", "issued_at", "expires_at", "claim_link"]
    readonly_fields = fields
    change_form_template = "admin/credits/storecredit/change_form.html"

    def get_search_results(self, request, queryset, search_term):
        return store_credits_matching(credits=queryset, term=search_term), False

    def has_add_permission(self, request) -> bool:
        return False  # issued when a claim is resolved with store credit

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # the balance changes only through the ledger forms

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("claim"), ordering="claim__reference")
    def claim_link(self, obj):
        if obj.claim_id is None:
            return "—"
        return format_html('<a href="{}">{}</a>', reverse("admin:claims_claim_change", args=[obj.claim_id]), obj.claim)

    def get_urls(self):
        return [
            path("<int:object_id>/ledger/<str:action>/", self.admin_site.admin_view(self.ledger_view), name="credits_storecredit_ledger"),
            *super().get_urls(),
        ]

    def _may_record(self, request, credit: StoreCredit) -> bool:
        return access.is_staff_of(request.user, credit.store_id, roles=services.LEDGER_ROLES)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        credit = self.get_object(request, object_id)
        actions = []
        if credit is not None and self._may_record(request, credit):
            actions = [(label, reverse("admin:credits_storecredit_ledger", args=[credit.pk, key])) for key, (label, _form, _done) in LEDGER_FORMS.items()]
        # the history as a list, not a table: it reads on a phone without scrolling sideways
        entries = list(credit.entries.order_by("created_at", "pk")) if credit is not None else []
        context = {**(extra_context or {}), "ledger_actions": actions, "ledger_entries": entries}
        return super().change_view(request, object_id, form_url, context)

    def ledger_view(self, request, object_id: int, action: str):
        if action not in LEDGER_FORMS:
            raise PermissionDenied
        credit = get_object_or_404(self.get_queryset(request).select_related("store"), pk=object_id)
        if not self.has_view_permission(request, credit) or not self._may_record(request, credit):
            raise PermissionDenied
        label, form_class, done = LEDGER_FORMS[action]
        change_url = reverse("admin:credits_storecredit_change", args=[credit.pk])
        form = form_class(request.POST or None, credit=credit)
        if request.method == "POST" and form.is_valid():
            try:
                entry = form.perform(user=request.user)
            except services.CreditError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, done % {"amount": abs(entry.amount) if action == "redeem" else entry.amount, "currency": credit.currency, "balance": entry.balance_after})
                return redirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"{label}: {credit}",
            "subtitle": None,
            "credit": credit,
            "action_label": label,
            "form": form,
            "change_url": change_url,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/credits/storecredit/ledger_form.html", context)
