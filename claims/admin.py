"""Staff review in the admin: the queue ordered by the most urgent clock, scoped to
the staff member's stores. The claim page shows everything read-only; status changes
go through claims.services (the transition buttons arrive with issue #6)."""

from datetime import UTC, datetime, timedelta

from django.contrib import admin
from django.db.models.functions import Coalesce, Least
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from claims.models import Claim, ClaimEvent, ClaimLine, ClaimMessage, EvidenceFile, Refund
from claims.states import OPEN_STATES

FAR_FUTURE = datetime(9999, 1, 1, tzinfo=UTC)


def _store_ids(request) -> list[int] | None:
    if request.user.is_superuser:
        return None
    return list(request.user.store_memberships.values_list("store_id", flat=True))


class ClockFilter(admin.SimpleListFilter):
    title = _("clocks")
    parameter_name = "clock"

    def lookups(self, request, model_admin):
        return [("overdue", _("overdue")), ("today", _("due today")), ("24h", _("due within 24 h"))]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "overdue":
            return queryset.filter(next_due__lt=now)
        if self.value() == "today":
            end = timezone.localtime(now).replace(hour=23, minute=59, second=59)
            return queryset.filter(next_due__gte=now, next_due__lte=end)
        if self.value() == "24h":
            return queryset.filter(next_due__gte=now, next_due__lte=now + timedelta(hours=24))
        return queryset


class AssigneeFilter(admin.SimpleListFilter):
    title = _("assigned")
    parameter_name = "assigned"

    def lookups(self, request, model_admin):
        return [("me", _("to me")), ("nobody", _("unassigned"))]

    def queryset(self, request, queryset):
        if self.value() == "me":
            return queryset.filter(assignee=request.user)
        if self.value() == "nobody":
            return queryset.filter(assignee__isnull=True)
        return queryset


class ClaimLineInline(admin.TabularInline):
    model = ClaimLine
    fields = ["order_line", "quantity", "staff_decision", "staff_note"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class EvidenceInline(admin.TabularInline):
    model = EvidenceFile
    fields = ["preview", "slot_code", "original_name", "status", "refusal_reason", "kind", "size", "width", "height", "captured_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("preview"))
    def preview(self, obj):
        if obj.status != EvidenceFile.Status.READY or not obj.thumbnail:
            return "—"
        full = reverse("claims:evidence_download", args=[obj.pk, "file"])
        thumb = reverse("claims:evidence_download", args=[obj.pk, "thumb"])
        return format_html('<a href="{}"><img src="{}" alt="{}" width="96"></a>', full, thumb, obj.original_name)


class ClaimEventInline(admin.TabularInline):
    model = ClaimEvent
    fields = ["created_at", "action", "from_status", "to_status", "actor_label", "actor_role", "note"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["created_at", "pk"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class ClaimMessageInline(admin.TabularInline):
    model = ClaimMessage
    fields = ["created_at", "author_role", "internal", "body"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Claim)
class ClaimAdmin(admin.ModelAdmin):
    list_display = ["reference_rma", "store", "shopper_email", "reason_label", "status", "time_left", "assignee"]
    list_filter = ["store", "status", "reason_code", AssigneeFilter, ClockFilter]
    search_fields = ["reference", "rma_number", "order__number", "shopper_email", "return_tracking_number"]
    list_select_related = ["store", "assignee"]
    list_per_page = 100
    inlines = [ClaimLineInline, EvidenceInline, ClaimMessageInline, ClaimEventInline]
    readonly_fields = [
        "reference",
        "store",
        "status",
        "shopper_email",
        "order",
        "reason_label",
        "rule_code",
        "policy_version",
        "preferred_outcome",
        "outcome",
        "rma_number",
        "answers_display",
        "decision_display",
        "review_due_at",
        "ship_by_at",
        "refund_due_at",
        "return_carrier",
        "return_tracking_number",
        "resolution",
        "rejection_reason",
        "assignee",
        "submitted_at",
        "decided_at",
        "received_at",
        "inspected_at",
        "resolved_at",
        "closed_at",
    ]
    fieldsets = (
        (None, {"fields": ("reference", "rma_number", "store", "status", "shopper_email", "order", "assignee")}),
        (_("What the shopper asked"), {"fields": ("reason_label", "answers_display", "preferred_outcome")}),
        (_("Decision"), {"fields": ("policy_version", "rule_code", "decision_display", "outcome", "resolution", "rejection_reason")}),
        (_("Clocks"), {"fields": ("review_due_at", "ship_by_at", "refund_due_at")}),
        (_("Return parcel"), {"fields": ("return_carrier", "return_tracking_number")}),
        (_("Dates"), {"fields": ("submitted_at", "decided_at", "received_at", "inspected_at", "resolved_at", "closed_at")}),
    )

    def get_queryset(self, request):
        # Not super(): it orders by get_ordering() before the annotation exists.
        queryset = (
            self.model._default_manager.get_queryset()
            .annotate(
                next_due=Least(
                    Coalesce("review_due_at", FAR_FUTURE),
                    Coalesce("ship_by_at", FAR_FUTURE),
                    Coalesce("refund_due_at", FAR_FUTURE),
                )
            )
            .order_by(*self.get_ordering(request))
        )
        store_ids = _store_ids(request)
        if store_ids is not None:
            queryset = queryset.filter(store_id__in=store_ids)
        return queryset

    def get_ordering(self, request):
        return ["next_due", "submitted_at"]  # the most urgent clock first

    def has_add_permission(self, request) -> bool:
        return False  # claims are opened by shoppers

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("claim / RMA"), ordering="reference")
    def reference_rma(self, obj):
        if obj.rma_number:
            return format_html("{}<br><small>{}</small>", obj.reference or "draft", obj.rma_number)
        return obj.reference or _("draft #%d") % obj.pk

    @admin.display(description=_("time left"), ordering="next_due")
    def time_left(self, obj):
        if obj.status not in OPEN_STATES or obj.next_due is None or obj.next_due.year == 9999:
            return "—"
        left = obj.next_due - timezone.now()
        which = (
            _("review")
            if obj.next_due == obj.review_due_at
            else _("ship-by")
            if obj.next_due == obj.ship_by_at
            else _("refund")
        )
        if left.total_seconds() < 0:
            return format_html('<strong class="overdue">{} {} {}</strong>', which, _("overdue by"), _duration(-left))
        return f"{which}: {_duration(left)}"

    @admin.display(description=_("answers"))
    def answers_display(self, obj):
        return format_html_join("", "<div>{}: {}</div>", ((k, _("yes") if v else _("no")) for k, v in (obj.answers or {}).items())) or "—"

    @admin.display(description=_("decision the shopper saw"))
    def decision_display(self, obj):
        decision = obj.decision or {}
        return decision.get("summary") or "—"


def _duration(delta: timedelta) -> str:
    hours = int(delta.total_seconds() // 3600)
    if hours >= 48:
        return _("%d days") % (hours // 24)
    return _("%d h") % hours if hours else _("%d min") % max(int(delta.total_seconds() // 60), 0)


@admin.register(Refund)
class RefundAdmin(admin.ModelAdmin):
    list_display = ["claim", "kind", "amount", "currency", "recorded_by", "recorded_at"]
    list_select_related = ["claim", "recorded_by"]
    readonly_fields = ["claim", "kind", "amount", "currency", "lines", "override_reason", "reference", "recorded_by", "recorded_at"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        store_ids = _store_ids(request)
        return queryset if store_ids is None else queryset.filter(claim__store_id__in=store_ids)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

