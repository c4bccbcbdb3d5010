"""Staff review in the admin: the queue ordered by the most urgent clock, scoped to
the staff member's stores. The claim page shows everything read-only, with buttons
for the steps this staff member may take now (claims.states.transitions_from with
their roles); each opens a small form (/admin/claims/claim/<pk>/act/<action>/) that
calls one claims.services function with the row_version the page showed."""

import copy
import csv
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import F
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from accounts import access
from accounts.scoped_admin import ScopedRelatedFilter, StoreScopedAdmin, StoreScopedTabularInline, request_store_ids
from claims import admin_forms as forms
from claims import notifications, services, states
from claims.actors import Actor, staff_actor
from claims.admin_receiving import RECEIVE_PERMISSION, ReceivingScreen, claims_receive
from claims.canned import PLACEHOLDERS, CannedReplyError, CannedUse, canned_replies_of_stores, canned_reply_render
from claims.evidence import EXTRA_SLOTS
from claims.models import MIXED_OUTCOME, CannedReply, Claim, ClaimEvent, ClaimLine, ClaimMessage, EvidenceFile, Refund
from claims.outcomes import claim_outcome_lines
from claims.queue import MY_OVERDUE_QUERY, REVIEW_OVERDUE, queue_first, queue_neighbour, queue_place
from claims.selectors import claim_answered_questions, claim_decided_rule, claim_rule, claims_matching, evidence_counts
from claims.states import REVIEW_CLOCK_STATES, ClaimStatus
from credits.selectors import store_credit_for_claim
from orders.models import Store
from policies.engine import OUTCOME_LABELS
from policies.models import Reason

# --- the queue: a bounded count -------------------------------------------------------


class QueueCountPaginator(Paginator):
    """Counts at most `limit` + 1 rows (COUNT over a LIMIT subquery): a store's queue of
    250,000 claims is not read to print its size; the page says "10,000+"."""

    limit = 10_000

    @cached_property
    def count(self) -> int:
        return self.object_list.order_by().values("pk")[: self.limit + 1].count()

    @property
    def bounded(self) -> bool:
        return self.count > self.limit

    @property
    def count_label(self) -> str:
        return f"{number_format(self.limit, force_grouping=True)}+" if self.bounded else number_format(self.count, force_grouping=True)


class QueueChangeList(ChangeList):
    # only the columns the queue shows (ClaimAdmin.list_display): a claim row is ~5 KB
    # with its JSON documents, none of which the list needs
    columns = (
        "reference", "rma_number", "store__name", "status", "shopper_email", "reason_label", "assignee__email",
        "next_due_at", "review_due_at", "ship_by_at", "review_escalation_level", "review_escalation_clock",
        "turnaround_due_at",
    )  # fmt: skip

    def get_queryset(self, request, exclude_parameters=None):
        return super().get_queryset(request, exclude_parameters).only(*self.columns)


# --- the action buttons of the claim page --------------------------------------------


@dataclass(frozen=True)
class ClaimAction:
    key: str
    label: str
    form_class: type[forms.ClaimActionForm]


ACTIONS: dict[str, ClaimAction] = {
    action.key: action
    for action in (
        ClaimAction("request_info", _("Request more information"), forms.RequestInfoForm),
        ClaimAction("approve", _("Approve"), forms.ApproveForm),
        ClaimAction("reject", _("Reject"), forms.RejectForm),
        ClaimAction("uphold_rejection", _("Uphold the rejection"), forms.UpholdRejectionForm),
        ClaimAction("ship", _("Enter return tracking"), forms.ShipForm),
        ClaimAction("receive", _("Receive the return"), forms.ReceiveForm),
        ClaimAction("inspect", _("Record the inspection"), forms.InspectForm),
        ClaimAction("record_refund", _("Record the refund"), forms.RecordRefundForm),
        ClaimAction("record_compensation", _("Record the compensation"), forms.RecordCompensationForm),
        ClaimAction("resolve", _("Resolve"), forms.ResolveForm),
        ClaimAction("issue_store_credit", _("Issue the store credit"), forms.IssueStoreCreditForm),
        ClaimAction("settle_per_item", _("Settle every item"), forms.SettlePerItemForm),
        ClaimAction("close", _("Close"), forms.CloseForm),
        ClaimAction("mark_complex", _("Mark as complex"), forms.MarkComplexForm),
        ClaimAction("assign", _("Assign"), forms.AssignForm),
        ClaimAction("note", _("Add an internal note"), forms.InternalNoteForm),
        ClaimAction("message", _("Message the shopper"), forms.ShopperMessageForm),
    )
}
# Commands of the table -> the admin's forms ("resolve" depends on the outcome).
COMMAND_FORMS = {
    "request_info": "request_info",
    "approve_return": "approve",
    "approve_no_return": "approve",
    "reject": "reject",
    "uphold_rejection": "uphold_rejection",
    "ship": "ship",
    "receive": "receive",
    "inspect": "inspect",
    "reject_after_inspection": "inspect",
    "close": "close",
    "mark_complex": "mark_complex",
    "assign": "assign",
    "message": "message",
    "internal_note": "note",
}


def _resolve_forms(claim: Claim) -> list[str]:
    if claim.outcome == MIXED_OUTCOME:
        return ["settle_per_item"]
    if claim.outcome in forms.MONEY_OUTCOMES:
        return ["record_refund"]
    if claim.outcome == "keep_with_compensation":
        return ["record_compensation"]
    if claim.outcome == "store_credit":
        return ["issue_store_credit"]
    if claim.outcome in forms.RESOLUTION_FOR_OUTCOME:
        return ["resolve"]
    return ["record_refund", "record_compensation", "resolve"]


def claim_action_keys(claim: Claim, actor: Actor) -> list[str]:
    """The forms this staff member may open now: the commands the table allows them
    (services.allowed_commands), in the table's order."""
    return _form_keys(claim, services.allowed_commands(claim, actor))


def _form_keys(claim: Claim, commands) -> list[str]:
    keys: list[str] = []
    for command in commands:
        if command.name == "resolve":
            keys += _resolve_forms(claim)
        elif command.name == "mark_complex" and claim.is_complex:
            continue
        elif command.name in COMMAND_FORMS:
            keys.append(COMMAND_FORMS[command.name])
    return list(dict.fromkeys(keys))


def _evidence_checklist(claim: Claim) -> list[dict]:
    """Per slot of the claim's rule (as decided at submission): required vs provided."""
    slots = list(claim_decided_rule(claim=claim).get("evidence_slots", []))
    # the postage receipt and appeal evidence, where the shopper sent some
    sent = set(claim.evidence.values_list("slot_code", flat=True))
    slots += [{"code": s.code, "label": s.label, "kind": s.kind, "requirement": s.requirement, "min_count": 0, "max_count": s.max_count} for s in EXTRA_SLOTS if s.code in sent]
    if not slots:
        return []
    provided = evidence_counts(claim=claim)
    by_status: dict[tuple[str, str], int] = {}
    for slot_code, status in claim.evidence.values_list("slot_code", "status"):
        by_status[slot_code, status] = by_status.get((slot_code, status), 0) + 1
    rows = []
    for slot in slots:
        code, minimum = slot["code"], slot.get("min_count", 1)
        count = provided.get(code, 0)
        rows.append(
            {
                "code": code,
                "label": slot["label"],
                "kind": slot.get("kind", ""),
                "requirement": slot.get("requirement", "mandatory"),
                "min_count": minimum,
                "max_count": slot.get("max_count", minimum),
                "provided": count,
                "processing": by_status.get((code, EvidenceFile.Status.PROCESSING), 0),
                "refused": by_status.get((code, EvidenceFile.Status.REFUSED), 0),
                "missing": max(minimum - count, 0),
            }
        )
    return rows


def _breakdown(claim: Claim):
    if not claim.rule_code or claim.status == ClaimStatus.DRAFT:
        return None
    return services.claim_refund_breakdown(claim=claim)


# --- the review workspace ----------------------------------------------------------------

# The steps decided in panels on the claim page itself (the others open their own page),
# with the key that opens each panel (static/portal/claim-workspace.js).
PANEL_KEYS = {"approve": "a", "reject": "r", "request_info": "i", "message": "m"}
NO_NEXT_CLAIM = _("There is no other claim in this queue.")


def _evidence_items(claim: Claim, checklist_labels: dict[str, str]) -> list[dict]:
    """The claim's files that passed the checks, slot by slot, with the access-checked
    URLs of their renditions (claims.views.evidence_download)."""
    items = []
    for item in claim.evidence.filter(status=EvidenceFile.Status.READY).order_by("slot_code", "created_at", "pk"):
        download = "claims:evidence_download"
        items.append(
            {
                "pk": item.pk,
                "kind": item.kind,
                "name": item.original_name,
                "slot": checklist_labels.get(item.slot_code, item.slot_code),
                "content_type": item.content_type,
                "file_url": reverse(download, args=[item.pk, "file"]),
                "thumb_url": reverse(download, args=[item.pk, "thumb"]) if item.thumbnail else "",
                "view_url": reverse(download, args=[item.pk, "view"]) if item.kind == "photo" else "",
                "width": item.width,
                "height": item.height,
                "captured_at": item.captured_at,
            }
        )
    return items


def _clocks(claim: Claim, now) -> list[dict]:
    """The clocks running on the claim, each with the time left (or overdue)."""
    rows = []
    for label, due in (
        (_("Review due"), claim.review_due_at),
        (_("Ship by"), claim.ship_by_at),
        (_("Refund due"), claim.refund_due_at),
        (_("Repair or replacement due"), claim.turnaround_due_at),
    ):
        if due is None:
            continue
        left = due - now
        overdue = left.total_seconds() < 0
        rows.append({"label": label, "due": due, "overdue": overdue, "left": _duration(-left if overdue else left)})
    return rows


def _panel_preview(claim: Claim, key: str, form) -> dict:
    """What the shopper will receive when the step is taken: the e-mail's headline and
    first lines, then what the reviewer types (the page fills it in as they type; a
    picked reason goes where the template says {reason})."""
    if key == "approve":
        # the e-mail asks for a return when any item's approved outcome sends it back
        rule = claim_rule(claim=claim)
        returned = [o for o in (rule.outcomes if rule else []) if services.approval_needs_return(rule=rule, outcome=o)]
        chosen = [form.fields[field].initial for _line, field, _exchange in form.line_fields]
        return {
            "by_outcome": {
                "return": notifications.shopper_email_preview(claim=claim, action="approve_return"),
                "no_return": notifications.shopper_email_preview(claim=claim, action="approve_no_return"),
            },
            "initial": "return" if any(o in returned for o in chosen) else "no_return",
            "return_outcomes": " ".join(returned),
        }
    action = {"reject": "reject", "request_info": "request_info", "message": "message"}[key]
    email = notifications.shopper_email_preview(claim=claim, action=action, reason="{reason}")
    for part in ("headline", "body"):
        email[f"{part}_template"] = email[part]
        email[part] = email[part].replace("{reason}", "…")
    note_field = "body" if key == "message" else "message"
    return {
        "email": email,
        "note_id": form[note_field].auto_id,
        "slots_name": "slots" if "slots" in form.fields else "",
    }


class ClockFilter(admin.SimpleListFilter):
    """Filters on the stored next due time (claims.clocks.next_due): index range scans."""

    title = _("clocks")
    parameter_name = "clock"

    def lookups(self, request, model_admin):
        return [("overdue", _("overdue")), (REVIEW_OVERDUE, _("review overdue")), ("today", _("due today")), ("24h", _("due within 24 h"))]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "overdue":
            return queryset.filter(next_due_at__lt=now)
        if self.value() == REVIEW_OVERDUE:
            # what the admin index counts as overdue reviews (claims_review_due_idx)
            return queryset.filter(status__in=sorted(REVIEW_CLOCK_STATES), review_due_at__lt=now)
        if self.value() == "today":
            end = timezone.localtime(now).replace(hour=23, minute=59, second=59)
            return queryset.filter(next_due_at__gte=now, next_due_at__lte=end)
        if self.value() == "24h":
            return queryset.filter(next_due_at__gte=now, next_due_at__lte=now + timedelta(hours=24))
        return queryset


class ReasonFilter(admin.SimpleListFilter):
    """The reasons of the staff member's stores, from their policies (not a DISTINCT
    over the claims); a code several stores use is listed once."""

    title = _("reason")
    parameter_name = "reason_code"

    def lookups(self, request, model_admin):
        reasons = access.in_stores(Reason.objects.all(), request_store_ids(request)).order_by("position", "label")
        choices: dict[str, str] = {}
        for code, label in reasons.values_list("code", "label"):
            choices.setdefault(code, label)
        return list(choices.items())

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(reason_code=self.value())
        return queryset


class StoreFilter(ScopedRelatedFilter):
    """The staff member's stores, whether or not they have claims (not a DISTINCT over
    the claims)."""

    def field_choices(self, field, request, model_admin):
        stores = access.in_stores(Store.objects.all(), request_store_ids(request)).order_by("name")
        return [(store.pk, str(store)) for store in stores]


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


class ReadOnlyInline(StoreScopedTabularInline):
    """What a claim page shows but never edits: changes go through claims.services."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class ClaimLineInline(ReadOnlyInline):
    model = ClaimLine
    fields = [
        "order_line",
        "quantity",
        "requested_outcome",
        "approved_outcome",
        "exchange_product",
        "price_difference",
        "staff_decision",
        "staff_note",
    ]


class EvidenceInline(ReadOnlyInline):
    model = EvidenceFile
    fields = ["preview", "slot_code", "original_name", "status", "refusal_reason", "kind", "size", "width", "height", "captured_at"]
    readonly_fields = ["preview"]  # the admin checks that a computed column is declared read-only

    @admin.display(description=_("preview"))
    def preview(self, obj):
        if obj.status != EvidenceFile.Status.READY:
            return "—"
        full = reverse("claims:evidence_download", args=[obj.pk, "file"])
        if obj.kind == "video":
            # the poster frame, a player where the browser can play the codec, else the download link
            thumb = reverse("claims:evidence_download", args=[obj.pk, "thumb"])
            return format_html(
                '<video controls preload="none" width="240" poster="{}" aria-label="{}"><source src="{}" type="{}">'
                '<a href="{}">{}</a></video><br><a href="{}" download>{}</a>',
                thumb, obj.original_name, full, obj.content_type, full, obj.original_name, full, _("Download"),
            )
        if not obj.thumbnail:
            return format_html('<a href="{}">{}</a>', full, obj.original_name)
        thumb = reverse("claims:evidence_download", args=[obj.pk, "thumb"])
        return format_html('<a href="{}"><img src="{}" alt="{}" width="96"></a>', full, thumb, obj.original_name)


class ClaimEventInline(ReadOnlyInline):
    model = ClaimEvent
    fields = ["created_at", "action", "from_status", "to_status", "actor_label", "actor_role", "note", "shopper_note"]
    ordering = ["created_at", "pk"]


class ClaimMessageInline(ReadOnlyInline):
    model = ClaimMessage
    fields = ["created_at", "author_role", "internal", "body"]


@admin.register(Claim)
class ClaimAdmin(StoreScopedAdmin):
    list_display = ["reference_rma", "store", "shopper_email", "reason_label", "status", "time_left", "assignee"]
    list_filter = [("store", StoreFilter), "status", ReasonFilter, AssigneeFilter, ClockFilter]
    # the search is claims.selectors.claims_matching (get_search_results); these name
    # what it looks at and make the admin show the search box
    search_fields = ["reference", "rma_number", "order__number", "shopper_email", "return_tracking_number"]
    search_help_text = _("A claim reference, RMA, order or tracking number, or the shopper's e-mail: the whole value, or its first 3 characters or more.")
    list_select_related = ["store", "assignee"]
    list_per_page = 100
    # counting a store's whole queue would read every row: the count stops at
    # QueueCountPaginator.limit and no unfiltered total (or facet count) is taken
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    paginator = QueueCountPaginator
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
        "outcome_choices_display",
        "outcome",
        "rma_number",
        "answers_display",
        "texts_display",
        "decision_display",
        "review_due_at",
        "ship_by_at",
        "refund_due_at",
        "review_escalation_level",
        "review_escalated_at",
        "refund_overdue_flagged_at",
        "ship_reminder_level",
        "evidence_purged_at",
        "turnaround_due_at",
        "turnaround_reminded_at",
        "turnaround_overdue_flagged_at",
        "return_carrier",
        "return_tracking_number",
        "postage_paid",
        "resolution",
        "replacement_product",
        "rejection_reason",
        "inspection_outcome",
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
        (_("What the shopper asked"), {"fields": ("reason_label", "answers_display", "texts_display", "preferred_outcome", "outcome_choices_display")}),
        (_("Decision"), {"fields": ("policy_version", "rule_code", "decision_display", "outcome", "inspection_outcome", "resolution", "replacement_product", "rejection_reason")}),
        (
            _("Clocks"),
            {
                "fields": (
                    "review_due_at",
                    "ship_by_at",
                    "refund_due_at",
                    "review_escalation_level",
                    "review_escalated_at",
                    "refund_overdue_flagged_at",
                    "ship_reminder_level",
                    "evidence_purged_at",
                    "turnaround_due_at",
                    "turnaround_reminded_at",
                    "turnaround_overdue_flagged_at",
                )
            },
        ),
        (_("Return parcel"), {"fields": ("return_carrier", "return_tracking_number", "postage_paid")}),
        (_("Dates"), {"fields": ("submitted_at", "decided_at", "received_at", "inspected_at", "resolved_at", "closed_at")}),
    )

    actions = ["assign_to_me", "assign_to_colleague", "request_info_canned", "mark_received", "export_selected"]
    change_list_template = "admin/claims/claim/change_list.html"

    def get_urls(self):
        return [
            path("export.csv", self.admin_site.admin_view(self.export_view), name="claims_claim_export"),
            *ReceivingScreen(self).urls(),
            path("<int:object_id>/act/<slug:action>/", self.admin_site.admin_view(self.action_view), name="claims_claim_act"),
            *super().get_urls(),
        ]

    def export_view(self, request):
        """The queue as filtered on screen, as CSV; only the staff member's stores."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        return self._csv(self.get_changelist_instance(request).get_queryset(request))

    def _csv(self, claims) -> HttpResponse:
        rows = claims.defer(None).select_related("store", "order", "assignee")
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="claims.csv"'
        writer = csv.writer(response)
        writer.writerow(["reference", "rma", "store", "status", "reason", "shopper", "order", "submitted", "review due", "ship by", "refund due", "assignee"])
        for claim in rows.iterator(chunk_size=500):
            writer.writerow(
                [
                    claim.reference or "",
                    claim.rma_number or "",
                    claim.store.name,
                    claim.get_status_display(),
                    claim.reason_label,
                    claim.shopper_email,
                    claim.order.number if claim.order else "",
                    *(value.isoformat() if value else "" for value in (claim.submitted_at, claim.review_due_at, claim.ship_by_at, claim.refund_due_at)),
                    claim.assignee.email if claim.assignee else "",
                ]
            )
        return response

    @admin.action(description=_("Assign to me"))
    def assign_to_me(self, request, queryset):
        done, refused = 0, []
        for claim in queryset.select_related("store"):
            try:
                services.claim_assign(claim_id=claim.pk, actor=staff_actor(user=request.user, store=claim.store), assignee=request.user)
                done += 1
            except services.ClaimError as exc:
                refused.append(f"{claim}: {exc.message}")
        self._report(request, done, refused, _("%(n)d claim(s) assigned to you."))

    @admin.action(description=_("Assign to a colleague…"))
    def assign_to_colleague(self, request, queryset):
        """An intermediate page: whom to assign the selected claims to, among the staff
        of their store(s); then claim_assign per claim, refusals reported."""
        claims = list(queryset.select_related("store"))
        form = forms.BulkAssignForm(
            request.POST if "apply" in request.POST else None, store_ids={c.store_id for c in claims}
        )
        if not form.is_bound or not form.is_valid():
            return self._intermediate(request, claims, form, "assign_to_colleague", _("Assign to a colleague"))
        assignee = form.cleaned_data["assignee"]
        done, refused = 0, []
        for claim in claims:
            try:
                services.claim_assign(
                    claim_id=claim.pk, actor=staff_actor(user=request.user, store=claim.store), assignee=assignee
                )
                done += 1
            except services.ClaimError as exc:
                refused.append(f"{claim}: {exc.message}")
        self._report(request, done, refused, _("%(n)d claim(s) assigned to %(who)s."), who=assignee.email)
        return None

    @admin.action(description=_("Request information with a canned reply…"))
    def request_info_canned(self, request, queryset):
        """An intermediate page choosing one of the stores' canned replies; each claim
        gets it filled in for itself through claim_request_info (one command each)."""
        claims = list(queryset.defer(None).select_related("store", "order"))
        replies = canned_replies_of_stores(store_ids=request_store_ids(request), use=CannedUse.REQUEST_INFO).filter(
            store_id__in={c.store_id for c in claims}
        )
        form = forms.BulkCannedReplyForm(request.POST if "apply" in request.POST else None, replies=replies)
        if not form.is_bound or not form.is_valid():
            return self._intermediate(
                request, claims, form, "request_info_canned", _("Request information with a canned reply")
            )
        reply = form.cleaned_data["reply"]
        done, refused = 0, []
        for claim in claims:
            if claim.store_id != reply.store_id:
                refused.append(f"{claim}: {forms.REPLY_OF_ANOTHER_STORE % {'store': reply.store.name}}")
                continue
            try:
                message = canned_reply_render(reply=reply, claim=claim)
                services.claim_request_info(
                    claim_id=claim.pk,
                    actor=staff_actor(user=request.user, store=claim.store),
                    slots=[],
                    message=message,
                )
                done += 1
            except CannedReplyError as exc:
                refused.append(f"{claim}: {exc}")
            except services.ClaimError as exc:
                refused.append(f"{claim}: {exc.message}")
        self._report(request, done, refused, _("More information requested on %(n)d claim(s)."))
        return None

    @admin.action(description=_("Export the selected claims (CSV)"))
    def export_selected(self, request, queryset):
        return self._csv(queryset)

    def _intermediate(self, request, claims, form, action: str, title: str) -> TemplateResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": title,
            "subtitle": None,
            "claims": claims,
            "form": form,
            "action": action,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "queue_url": reverse("admin:claims_claim_changelist"),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/claims/claim/bulk_action.html", context)

    @admin.action(description=_("Mark received (parcels in hand, RMA checked)"), permissions=["receive_parcel"])
    def mark_received(self, request, queryset):
        """As the receiving screen receives each parcel (claims.admin_receiving)."""
        done, refused = claims_receive(claims=queryset.defer(None).select_related("store", "policy_version"), user=request.user)
        self._report(request, len(done), refused, _("%(n)d claim(s) marked received."))

    def has_receive_parcel_permission(self, request) -> bool:
        return request.user.has_perm(RECEIVE_PERMISSION)

    def _report(self, request, done: int, refused: list[str], success: str, **values) -> None:
        if done:
            self.message_user(request, success % {"n": done, **values}, messages.SUCCESS)
        for line in refused[:20]:
            self.message_user(request, line, messages.WARNING)
        if len(refused) > 20:
            self.message_user(request, MORE_REFUSED % {"n": len(refused) - 20}, messages.WARNING)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        claim = self.get_object(request, object_id)
        if claim is not None:
            actor = staff_actor(user=request.user, store=claim.store)
            keys = claim_action_keys(claim, actor)
            filters = request.GET.get("_changelist_filters", "")
            urls = {key: self._action_url(claim, key, version=claim.row_version, filters=filters) for key in keys}
            refund = Refund.objects.filter(claim=claim).first()
            checklist = _evidence_checklist(claim)
            slot_labels = {row["code"]: row["label"] for row in checklist}
            queue = self._queue(request, filters)
            place = queue_place(queue, pk=claim.pk)
            neighbours = {
                "next": queue_neighbour(queue, pk=claim.pk, place=place),
                "previous": queue_neighbour(queue, pk=claim.pk, place=place, forward=False),
            }
            panels = []
            for key in keys:
                if key not in PANEL_KEYS:
                    continue
                form = ACTIONS[key].form_class(
                    claim=claim, initial={"expected_version": claim.row_version}, auto_id=f"ws-{key}-%s"
                )
                panels.append(
                    {
                        "key": key,
                        "shortcut": PANEL_KEYS[key],
                        "label": ACTIONS[key].label,
                        "url": urls[key],
                        "form": form,
                        "preview": _panel_preview(claim, key, form),
                    }
                )
            rule = claim_decided_rule(claim=claim)
            extra_context.update(
                shopper_words=self.texts_display(claim),
                claim_actions=[(ACTIONS[key].label, urls[key]) for key in keys if key != "note"],
                claim_panels=panels,
                note_url=urls.get("note"),
                refund_breakdown=_breakdown(claim),
                recorded_refund=refund,
                issued_store_credit=store_credit_for_claim(claim_id=claim.pk),
                evidence_checklist=checklist,
                evidence_items=_evidence_items(claim, slot_labels),
                decided_rule=rule,
                answered_questions=claim_answered_questions(claim=claim) if claim.policy_version_id else [],
                preferred_outcome_label=OUTCOME_LABELS.get(claim.preferred_outcome, claim.preferred_outcome),
                outcome_lines=claim_outcome_lines(claim=claim),
                claim_clocks=_clocks(claim, timezone.now()),
                claim_lines=claim.lines.select_related("order_line__product", "exchange_product").order_by("pk"),
                queue_next_url=self._change_url(neighbours["next"], filters) if neighbours["next"] else "",
                queue_previous_url=self._change_url(neighbours["previous"], filters) if neighbours["previous"] else "",
                queue_url=reverse("admin:claims_claim_changelist") + (f"?{filters}" if filters else ""),
            )
        return super().change_view(request, object_id, form_url, extra_context=extra_context)

    def _queue(self, request, filters: str):
        """The queue as the reviewer last saw it: the change list the admin builds from
        its querystring (kept as `_changelist_filters`: the filters, the search and the
        column sort `o=`), scoped to their stores and in that change list's order."""
        queue_request = copy.copy(request)
        queue_request.GET = QueryDict(filters)
        try:
            return self.get_changelist_instance(queue_request).get_queryset(queue_request)
        except IncorrectLookupParameters:
            return self.get_queryset(request)

    @staticmethod
    def _change_url(pk: int, filters: str) -> str:
        url = reverse("admin:claims_claim_change", args=[pk])
        return f"{url}?{urlencode({'_changelist_filters': filters})}" if filters else url

    @staticmethod
    def _action_url(claim: Claim, key: str, version: int | None = None, filters: str = "") -> str:
        url = reverse("admin:claims_claim_act", args=[claim.pk, key])
        query = {
            **({"version": version} if version is not None else {}),
            **({"_changelist_filters": filters} if filters else {}),
        }
        return f"{url}?{urlencode(query)}" if query else url

    def _after_action(self, request, claim: Claim, *, queue, place: dict | None, filters: str):
        """Back to the claim, or with "Save and open the next claim" on to the next claim
        of the queue as the reviewer saw it (filters and sort), after the claim's place
        in it before the step (from the start again past the last one)."""
        if "_next" not in request.POST:
            return redirect(self._change_url(claim.pk, filters))
        following = queue_neighbour(queue, pk=claim.pk, place=place) or queue_first(queue, exclude=claim.pk)
        if following is None:
            messages.info(request, NO_NEXT_CLAIM)
            return redirect(reverse("admin:claims_claim_changelist") + (f"?{filters}" if filters else ""))
        return redirect(self._change_url(following, filters))

    def action_view(self, request, object_id, action):
        """GET: the form of one action; POST: one service call, then back to the claim."""
        spec = ACTIONS.get(action)
        if spec is None:
            raise Http404
        claim = get_object_or_404(self.get_queryset(request).select_related("store", "policy_version", "assignee"), pk=object_id)
        if not self.has_view_permission(request, claim):
            raise PermissionDenied
        actor = staff_actor(user=request.user, store=claim.store)
        allowed = action in claim_action_keys(claim, actor)
        filters = request.GET.get("_changelist_filters", "")
        change_url = self._change_url(claim.pk, filters)
        stale_page = False
        if request.method == "POST":
            # the claim's place in the queue before this step (the step may move it)
            queue = self._queue(request, filters) if "_next" in request.POST else None
            place = queue_place(queue, pk=claim.pk) if queue is not None else None
            form = spec.form_class(request.POST, claim=claim)
            if form.is_valid():
                if not allowed and form.version == claim.row_version:
                    form.add_error(None, _not_possible(claim, actor, action))
                else:
                    try:
                        result = form.perform(actor=actor)
                    except services.ClaimError as exc:
                        for problem in exc.problems or [exc.message]:
                            form.add_error(None, problem)
                    else:
                        messages.success(request, form.success_message(result))
                        return self._after_action(request, claim, queue=queue, place=place, filters=filters)
        else:
            try:
                version = int(request.GET.get("version", claim.row_version))
            except ValueError:
                version = claim.row_version
            # A button of a page older than the claim: say so at once (posting this
            # form would only get the same answer from the service).
            stale_page = version != claim.row_version
            if not allowed and not stale_page:
                messages.error(request, _not_possible(claim, actor, action))
                return redirect(change_url)
            form = spec.form_class(claim=claim, initial={"expected_version": version})
        form_errors = [*form.non_field_errors(), *(e for field in form.hidden_fields() for e in field.errors)]
        if stale_page:
            form_errors.append(services.CLAIM_CHANGED)
        stale = str(services.CLAIM_CHANGED) in map(str, form_errors)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"{spec.label}: {claim}",
            "subtitle": None,
            "claim": claim,
            "action": spec,
            "form": form,
            "form_errors": form_errors,
            "stale": stale,
            "change_url": change_url,
            "refund_breakdown": _breakdown(claim) if action in ("inspect", "record_refund", "settle_per_item") else None,
            "offers_next": True,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/claims/claim/action_form.html", context)

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "my_overdue_query": MY_OVERDUE_QUERY}
        return super().changelist_view(request, extra_context)

    def get_ordering(self, request):
        # the most urgent clock first, served by claims_queue_store_idx / claims_queue_idx
        return [F("next_due_at").asc(nulls_last=True), "pk"]

    def get_changelist(self, request, **kwargs):
        return QueueChangeList

    def action_checkbox(self, obj):
        # as the admin's, without rendering a widget template for each of the 100 rows
        label = format_html(_("Select this object for an action - {}"), str(obj))
        return format_html('<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">', ACTION_CHECKBOX_NAME, obj.pk, label)

    def get_search_results(self, request, queryset, search_term):
        """Exact or prefix matches on normalised, indexed columns; never '%term%'."""
        return claims_matching(claims=queryset, term=search_term, store_ids=request_store_ids(request)), False

    def has_add_permission(self, request) -> bool:
        return False  # claims are opened by shoppers

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # read-only page: every change goes through an action form and claims.services

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("claim / RMA"), ordering="reference")
    def reference_rma(self, obj):
        if obj.rma_number:
            return format_html("{}<br><small>{}</small>", obj.reference or "draft", obj.rma_number)
        return obj.reference or _("draft #%d") % obj.pk

    @admin.display(description=_("time left"), ordering="next_due_at")
    def time_left(self, obj):
        due = obj.next_due_at
        if due is None:
            return "—"
        left = due - timezone.now()
        which = (
            _("review")
            if due == obj.review_due_at
            else _("ship-by")
            if due == obj.ship_by_at
            else _("repair/replacement")
            if due == obj.turnaround_due_at
            else _("refund")
        )
        if left.total_seconds() < 0:
            escalated = obj.review_escalation_level and obj.review_escalation_clock == obj.review_due_at
            return format_html(
                '<strong class="overdue">{} {} {}</strong>{}',
                which,
                _("overdue by"),
                _duration(-left),
                format_html(" <small>({} {})</small>", _("escalated, level"), obj.review_escalation_level) if escalated else "",
            )
        return f"{which}: {_duration(left)}"

    @admin.display(description=_("answers"))
    def answers_display(self, obj):
        """Each answer under the question the shopper was asked (not its code)."""
        if not obj.policy_version_id:
            return "—"
        answered = claim_answered_questions(claim=obj)
        return format_html_join("", "<div>{} <strong>{}</strong></div>", ((q, _("Yes") if a else _("No")) for q, a in answered)) or "—"

    @admin.display(description=_("outcome per item"))
    def outcome_choices_display(self, obj):
        """What the shopper chose per item (an exchange with its product and price
        difference), or once approved, what was approved."""
        return format_html_join("", '<div data-testid="outcome-choice">{}</div>', ((line,) for line in claim_outcome_lines(claim=obj))) or "—"

    @admin.display(description=_("what the shopper wrote"))
    def texts_display(self, obj):
        """Each text the shopper typed (description, fault statement, new address…),
        under the label the shopper saw; line breaks kept."""
        labels = {s["code"]: s["label"] for s in claim_decided_rule(claim=obj).get("evidence_slots", [])}
        rows = [(labels.get(code, code), text) for code, text in (obj.texts or {}).items() if str(text).strip()]
        return format_html_join("", '<div class="mb-2"><strong>{}</strong><div style="white-space: pre-line">{}</div></div>', rows) or "—"

    @admin.display(description=_("decision the shopper saw"))
    def decision_display(self, obj):
        decision = obj.decision or {}
        summary = decision.get("summary") or "—"
        if claim_decided_rule(claim=obj).get("reported_late"):
            return format_html('{} <span class="badge text-bg-warning" data-testid="reported-late">{}</span>', summary, REPORTED_LATE)
        return summary


MORE_REFUSED = _("… and %(n)d more claim(s) not taken for the same kinds of reasons.")
REPORTED_LATE = _("reported late (advised window)")


def _not_possible(claim: Claim, actor: Actor, action: str) -> str:
    """Why an action is not offered: another role could take it now, or nobody can."""
    if action in _form_keys(claim, states.commands_for(claim.status, states.STAFF)):
        return str(services.NOT_PERMITTED)
    return services.NOT_ALLOWED_NOW % {"status": claim.get_status_display()}


def _duration(delta: timedelta) -> str:
    hours = int(delta.total_seconds() // 3600)
    if hours >= 48:
        return _("%d days") % (hours // 24)
    return _("%d h") % hours if hours else _("%d min") % max(int(delta.total_seconds() // 60), 0)


@admin.register(Refund)
class RefundAdmin(StoreScopedAdmin):
    list_display = ["claim", "kind", "amount", "currency", "recorded_by", "recorded_at"]
    list_select_related = ["claim", "recorded_by"]
    readonly_fields = ["claim", "kind", "amount", "currency", "lines", "override_reason", "reference", "recorded_by", "recorded_at"]


    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CannedReply)
class CannedReplyAdmin(StoreScopedAdmin):
    """A store's canned replies: staff of a store see and pick only their store's (the
    scoping base); the placeholders are checked when a reply is saved (CannedReply.clean)."""

    list_display = ["title", "store", "for_reject", "for_request_info", "for_message", "is_active", "position"]
    list_display_links = ["title"]
    list_editable = ["is_active", "position"]
    list_filter = ["store", "is_active", "for_reject", "for_request_info", "for_message"]
    search_fields = ["title"]
    ordering = ["store__name", "position", "title"]
    fieldsets = (
        (None, {"fields": ("store", "title", "body", "is_active", "position")}),
        (_("Offered in"), {"fields": ("for_reject", "for_request_info", "for_message")}),
    )

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "canned_placeholders": [(f"{{{name}}}", label) for name, label in PLACEHOLDERS.items()],
        }
        return super().changeform_view(request, object_id, form_url, extra_context)
