from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from accounts.scoped_admin import StoreScopedAdmin, StoreScopedStackedInline, StoreScopedTabularInline
from policies import selectors, services
from policies.forms import CoverageRuleForm, ReasonForm, TryItForm
from policies.models import (
    ConditionQuestion,
    CoverageRule,
    Deduction,
    EvidenceSlot,
    InspectionRejectionReason,
    OrderState,
    PackingItem,
    Policy,
    PolicyVersion,
    Reason,
    ReturnCarrier,
    StoreClosure,
    StoreWorkingDay,
)


class CoverageRuleInline(StoreScopedTabularInline):
    model = CoverageRule
    fields = ["position", "name", "code", "window", "is_active", "sources"]
    readonly_fields = ["window"]
    extra = 0
    show_change_link = True
    can_delete = False

    @admin.display(description=_("window"))
    def window(self, obj):
        if not obj.pk:
            return "—"
        if obj.window_unit == "until_event" and obj.window_until == "event" and obj.window_until_event_id:
            return _("until %s") % obj.window_until_event.until_text
        if obj.window_unit == "until_event":
            return _("until %s") % obj.get_window_until_display()
        if obj.window_anchor == "event" and obj.window_anchor_event_id:
            return f"{obj.window_length or ''} {obj.get_window_unit_display()} · {obj.window_anchor_event.label}".strip()
        if obj.window_unit == "warranty":
            return _("warranty, from %s") % obj.get_window_anchor_display()
        if not obj.window_enforced:
            return advised_window_display(obj)
        return f"{obj.window_length} {obj.get_window_unit_display()} · {obj.get_window_anchor_display()}"

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # rules are added on their own page, with their evidence and deductions

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("window_anchor_event", "window_until_event")


def advised_window_display(rule: CoverageRule) -> str:
    length = f"{rule.window_length} {rule.get_window_unit_display()}" if rule.window_length else _("as soon as possible")
    return _("%(length)s · %(anchor)s (advised)") % {"length": length, "anchor": rule.get_window_anchor_display()}


class ReturnCarrierInline(StoreScopedTabularInline):
    model = ReturnCarrier
    extra = 0
    fields = ["name", "tracking_pattern", "tracking_example", "any_carrier", "tracking_url", "sources"]


class PackingItemInline(StoreScopedTabularInline):
    model = PackingItem
    extra = 0
    fields = ["position", "text", "sources"]


class InspectionRejectionInline(StoreScopedTabularInline):
    model = InspectionRejectionReason
    extra = 0
    fields = ["position", "code", "label", "item_handling", "fee", "sources"]


class PolicyVersionInline(StoreScopedTabularInline):
    model = PolicyVersion
    fields = ["number", "published_at", "published_by", "note"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["-number"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Policy)
class PolicyAdmin(StoreScopedAdmin):
    list_display = ["store", "name", "current_version", "rule_count"]
    list_select_related = ["store"]
    search_fields = ["name", "store__name"]
    inlines = [CoverageRuleInline, ReturnCarrierInline, PackingItemInline, InspectionRejectionInline, PolicyVersionInline]
    change_form_template = "admin/policies/policy/change_form.html"
    fieldsets = (
        (None, {"fields": ("store", "name", "summary")}),
        (_("RMA numbers"), {"fields": ("rma_prefix", "rma_digits")}),
        (_("Service levels"), {"fields": ("review_standard_working_days", "review_complex_working_days", "funds_arrival_note")}),
        (_("Return shipping"), {"fields": ("return_address", "drop_off_instructions")}),
        (_("Sources"), {"fields": ("sources",)}),
    )

    def get_queryset(self, request):
        from django.db.models import Count, Max

        return super().get_queryset(request).annotate(_rules=Count("rules", distinct=True), _version=Max("versions__number"))

    @admin.display(description=_("published version"), ordering="_version")
    def current_version(self, obj):
        return obj._version or "—"

    @admin.display(description=_("rules"), ordering="_rules")
    def rule_count(self, obj):
        return obj._rules

    def get_urls(self):
        return [
            path("<int:pk>/publish/", self.admin_site.admin_view(self.publish_view), name="policies_policy_publish"),
            path("<int:pk>/try/", self.admin_site.admin_view(self.try_view), name="policies_policy_try"),
            *super().get_urls(),
        ]

    def _policy(self, request, pk) -> Policy:
        return get_object_or_404(self.get_queryset(request).select_related("store"), pk=pk)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        policy = self.get_object(request, object_id)
        if policy is not None:
            extra_context["unpublished_changes"] = selectors.policy_has_unpublished_changes(policy=policy)
            extra_context["can_publish"] = self.has_change_permission(request, policy)
        return super().change_view(request, object_id, form_url, extra_context=extra_context)

    def publish_view(self, request, pk):
        policy = self._policy(request, pk)
        if request.method != "POST":
            return redirect(reverse("admin:policies_policy_change", args=[pk]))
        if not self.has_change_permission(request, policy):
            raise PermissionDenied
        try:
            version = services.policy_publish(policy=policy, actor=request.user, note=request.POST.get("note", ""))
        except ValidationError as exc:
            for problem in exc.messages:
                messages.error(request, problem)
            return redirect(reverse("admin:policies_policy_change", args=[pk]))
        except services.NothingToPublish as nothing:
            messages.warning(request, str(nothing))
            return redirect(reverse("admin:policies_policy_change", args=[pk]))
        messages.success(request, _("Published version %(n)d. New claims use it; open claims keep theirs.") % {"n": version.number})
        return redirect(reverse("admin:policies_policy_change", args=[pk]))

    def try_view(self, request, pk):
        policy = self._policy(request, pk)
        store = policy.store
        questions = list(
            ConditionQuestion.objects.filter(rule__policy=policy, rule__is_active=True)
            .order_by("rule__position", "position")
            .values_list("code", "question")
            .distinct()
        )
        seen, unique_questions = set(), []
        for code, question in questions:
            if code not in seen:
                seen.add(code)
                unique_questions.append((code, question))
        decision, error = None, None
        with timezone.override(store.time_zone):
            form = TryItForm(request.GET or None, store=store, questions=unique_questions)
            if request.GET and form.is_valid():
                decision, error = self._decide(policy, form)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Try %(policy)s") % {"policy": policy},
            "opts": self.model._meta,
            "original": policy,
            "policy": policy,
            "store": store,
            "form": form,
            "decision": decision,
            "error": error,
        }
        return TemplateResponse(request, "admin/policies/policy/try.html", context)

    def _decide(self, policy: Policy, form: TryItForm):
        store = policy.store
        if form.cleaned_data["version"] == "draft":
            data = selectors.policy_data_for_draft(policy=policy)
        else:
            version = policy.versions.order_by("-number").first()
            if version is None:
                return None, _("Nothing is published yet: try the draft, or publish first.")
            data = selectors.policy_data_for_version(version=version)
        if form.cleaned_data["source"] == TryItForm.SOURCE_ORDER:
            purchase = selectors.purchase_facts_for_line(line=form.cleaned_data["order_line"], quantity=form.cleaned_data["quantity"])
        else:
            purchase = selectors.purchase_facts_offline(
                product=form.cleaned_data["product"],
                purchased_at=form.cleaned_data["purchased_on"],
                channel=form.cleaned_data["channel"] or "offline",
                price=form.cleaned_data["price"],
                country=form.cleaned_data["country"].upper(),
                currency=store.currency,
            )
        purchase = selectors.purchase_facts_with_events(purchase=purchase, events=form.events())
        reason = form.cleaned_data["reason"]
        if data.reason(reason.code) is None:
            return None, _("This reason is not in the chosen version of the policy.")
        decision = selectors.decision_for_purchase(
            store=store, policy=data, purchase=purchase, reason_code=reason.code, answers=form.answers(), now=form.moment()
        )
        return decision, None


# The rule page's inlines are stacked, a few fields a line: as table columns they made
# the page ~3,200 px wide; stacked, it fits a 1280 px screen.
class ConditionInline(StoreScopedStackedInline):
    model = ConditionQuestion
    extra = 0
    fields = [("question", "code", "position"), ("blocking_answer", "effect", "deduction_code"), "explanation", "sources"]


class EvidenceSlotInline(StoreScopedStackedInline):
    model = EvidenceSlot
    extra = 0
    fields = [
        ("label", "code", "position"),
        ("kind", "min_count", "max_count", "min_resolution"),
        ("requirement", "applies_to"),
        "help_text",
        "sources",
    ]


class DeductionInline(StoreScopedStackedInline):
    model = Deduction
    extra = 0
    fields = [("label", "code", "position"), ("kind", "basis", "trigger"), ("amount", "percent", "is_invented_amount"), "sources"]


@admin.register(CoverageRule)
class CoverageRuleAdmin(StoreScopedAdmin):
    form = CoverageRuleForm
    list_display = ["name", "policy", "code", "window_unit", "is_active", "sources"]
    list_filter = ["policy__store", "is_active", "window_unit"]
    list_select_related = ["policy__store"]
    search_fields = ["name", "code", "sources"]
    inlines = [ConditionInline, EvidenceSlotInline, DeductionInline]
    fieldsets = (
        (None, {"fields": ("policy", "name", "code", "description", "position", "is_active", "sources")}),
        (_("Reasons"), {"fields": ("reasons",)}),
        (
            _("Window"),
            {
                "fields": (
                    "window_length",
                    "window_unit",
                    "window_anchor",
                    "window_anchor_event",
                    "window_until",
                    "window_until_event",
                    "late_shipment_opens",
                    "window_enforced",
                )
            },
        ),
        (_("Who can claim"), {"fields": ("excluded_channels", "allowed_countries", "product_scope", "categories")}),
        (_("Outcomes"), {"fields": ("outcomes", "shopper_states_preference", "compensation_percent", "replacement_same_model")}),
        (
            _("Store credit"),
            {
                "fields": ("store_credit_bonus_percent", "store_credit_valid_months"),
                "description": _(
                    "With the outcome “store credit”: the shopper gets what the refund would be plus this bonus, "
                    "as a code issued when the claim is resolved (Store credits, in the Credits section)."
                ),
            },
        ),
        (
            _("Process"),
            {
                "fields": (
                    "requires_approval",
                    "requires_return",
                    "tracking_required",
                    "ship_by_length",
                    "ship_by_unit",
                    "ship_by_effect",
                    "inspection_before_refund",
                    "is_complex",
                    "bundle_return",
                    "gift_return",
                )
            },
        ),
        (_("Money"), {"fields": ("return_shipping_payer", "shopper_pays_if_international", "shipping_reimbursement_cap")}),
        (_("Service levels"), {"fields": ("refund_due_business_days", "refund_clock", "refund_min_business_days", "refund_method")}),
        (
            _("Repair or replacement turnaround"),
            {
                "fields": ("turnaround_length", "turnaround_unit", "turnaround_clock", "turnaround_outcomes"),
                "description": _("A promise such as “repaired within 14 days of receiving your item”: staff are reminded before it is due and the shopper sees the date."),
            },
        ),
    )


@admin.register(Reason)
class ReasonAdmin(StoreScopedAdmin):
    form = ReasonForm
    list_display = ["label", "store", "kind", "offered_when", "code", "position", "is_active"]
    list_filter = ["store", "kind", "is_active"]
    search_fields = ["label", "code"]
    list_select_related = ["store"]

    @admin.display(description=_("offered when the order is"))
    def offered_when(self, obj: Reason) -> str:
        labels = dict(OrderState.choices)
        return ", ".join(str(labels[state]) for state in obj.offered_when)


@admin.register(StoreClosure)
class StoreClosureAdmin(StoreScopedAdmin):
    list_display = ["day", "store", "reason"]
    list_filter = ["store"]
    date_hierarchy = "day"


@admin.register(StoreWorkingDay)
class StoreWorkingDayAdmin(StoreScopedAdmin):
    """Make-up working days, next to the closures: the two ways a store's calendar
    differs from its working week and public holidays."""

    list_display = ["day", "store", "reason"]
    list_filter = ["store"]
    date_hierarchy = "day"


@admin.register(PolicyVersion)
class PolicyVersionAdmin(StoreScopedAdmin):
    list_display = ["policy", "number", "published_at", "published_by", "note"]
    list_filter = ["policy__store"]
    list_select_related = ["policy__store", "published_by"]
    readonly_fields = ["policy", "number", "published_at", "published_by", "note", "rules_summary"]
    exclude = ["data"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("rules in this version"))
    def rules_summary(self, obj):
        return format_html(
            "<ul>{}</ul>",
            format_html_join("", "<li>{} <small>({})</small></li>", ((r["name"], r.get("sources", "")) for r in obj.data.get("rules", []))),
        )
