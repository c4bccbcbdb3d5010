from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orders.models import Order, OrderEventType, OrderLine, Product
from policies.engine import default_order_states
from policies.models import TURNAROUND_OUTCOMES, CoverageRule, OrderState, Outcome, Reason


class ChoiceListField(forms.MultipleChoiceField):
    """A JSON list of choices, edited as checkboxes."""

    widget = forms.CheckboxSelectMultiple

    def prepare_value(self, value):
        return value or []


class CountryListField(forms.CharField):
    """ISO country codes as "US, CA"; stored as a JSON list."""

    def prepare_value(self, value):
        if isinstance(value, list):
            return ", ".join(value)
        return value

    def to_python(self, value):
        value = super().to_python(value)
        codes = [part.strip().upper() for part in (value or "").replace(";", ",").split(",") if part.strip()]
        for code in codes:
            if len(code) != 2 or not code.isalpha():
                raise ValidationError(_("Use two-letter country codes separated by commas, e.g. US, CA."))
        return codes


REASON_OF_ANOTHER_STORE = _("Pick only reasons of the policy's store.")
REASON_NEVER_OFFERED = _("Tick at least one order state: a reason offered in none would never be shown.")


class ReasonForm(forms.ModelForm):
    """A store's reason; "offered when the order is" starts from the kind's default."""

    order_states = ChoiceListField(
        choices=OrderState.choices,
        required=False,
        label=_("Offered when the order is"),
        help_text=_(
            "Shoppers see this reason only for orders in these states (e.g. “Cancel my order” only before it ships). "
            "Left empty on a new reason: the kind's default (cancellation and address change: not shipped; refused "
            "delivery: shipped; wrong charge: any; everything else: delivered)."
        ),
    )

    class Meta:
        model = Reason
        fields = ["store", "code", "label", "kind", "order_states", "help_text", "not_covered_note", "position", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and "order_states" in self.fields:
            self.initial["order_states"] = list(self.instance.offered_when)

    def clean_order_states(self):
        states = self.cleaned_data.get("order_states") or []
        if not states and self.instance.pk:
            raise ValidationError(REASON_NEVER_OFFERED)
        return states

    def clean(self):
        data = super().clean()
        if not data.get("order_states") and data.get("kind") and not self.errors.get("order_states"):
            data["order_states"] = list(default_order_states(data["kind"]))
        return data

CATEGORY_OF_ANOTHER_STORE = _("Pick only categories of the policy's store.")


class CoverageRuleForm(forms.ModelForm):
    excluded_channels = ChoiceListField(choices=Order.Channel.choices, required=False, label=_("Excluded sales channels"))
    outcomes = ChoiceListField(choices=[c for c in Outcome.choices if c[0] != Outcome.REJECTION], label=_("Outcomes offered"))
    turnaround_outcomes = ChoiceListField(
        choices=[(o.value, o.label) for o in TURNAROUND_OUTCOMES],
        required=False,
        label=_("Turnaround promised for"),
        help_text=_("The approved outcomes the promise covers."),
    )
    allowed_countries = CountryListField(
        required=False, label=_("Only for shipping countries"), help_text=_("e.g. US. Empty: every country.")
    )

    class Meta:
        model = CoverageRule
        fields = [
            "policy", "name", "code", "description", "position", "is_active", "sources", "reasons",
            "window_length", "window_unit", "window_anchor", "window_until", "late_shipment_opens",
            "window_anchor_event", "window_until_event",
            "excluded_channels", "allowed_countries", "product_scope", "categories",
            "outcomes", "shopper_states_preference", "compensation_percent",
            "store_credit_bonus_percent", "store_credit_valid_months",
            "requires_approval", "requires_return", "tracking_required", "ship_by_length", "ship_by_unit",
            "ship_by_effect", "inspection_before_refund", "is_complex", "bundle_return", "gift_return",
            "return_shipping_payer", "shopper_pays_if_international", "shipping_reimbursement_cap",
            "refund_due_business_days", "refund_clock",
            "window_enforced", "refund_min_business_days", "refund_method",
            "replacement_same_model",
            "turnaround_length", "turnaround_unit", "turnaround_clock", "turnaround_outcomes",
        ]  # fmt: skip
        widgets = {"reasons": forms.CheckboxSelectMultiple, "categories": forms.CheckboxSelectMultiple}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        store = None
        if self.instance and self.instance.policy_id:
            store = self.instance.policy.store
        elif self.initial.get("policy"):
            policy = self.fields["policy"].queryset.filter(pk=self.initial["policy"]).select_related("store").first()
            store = policy.store if policy is not None else None
        if store is not None and "reasons" in self.fields:
            # within what the admin already allows this user (their stores)
            self.fields["reasons"].queryset = self.fields["reasons"].queryset.filter(store=store)
            self.fields["categories"].queryset = self.fields["categories"].queryset.filter(store=store)
        for name in ("window_anchor_event", "window_until_event"):
            if store is not None and name in self.fields:
                self.fields[name].queryset = self.fields[name].queryset.filter(store=store)

    def clean(self):
        data = super().clean()
        policy = data.get("policy") or (self.instance.policy if self.instance.policy_id else None)
        if policy is not None:
            if any(reason.store_id != policy.store_id for reason in data.get("reasons") or []):
                self.add_error("reasons", REASON_OF_ANOTHER_STORE)
            if any(category.store_id != policy.store_id for category in data.get("categories") or []):
                self.add_error("categories", CATEGORY_OF_ANOTHER_STORE)
        return data


ANSWER_CHOICES = [("", _("not answered")), ("yes", _("yes")), ("no", _("no"))]


class TryItForm(forms.Form):
    """Staff try a decision exactly as a shopper would see it."""

    SOURCE_ORDER = "order"
    SOURCE_OFFLINE = "offline"

    version = forms.ChoiceField(label=_("Policy"), choices=[("published", _("latest published version")), ("draft", _("draft (unpublished edits)"))])
    source = forms.ChoiceField(
        label=_("Purchase"),
        choices=[(SOURCE_ORDER, _("an order line")), (SOURCE_OFFLINE, _("an offline purchase"))],
        widget=forms.RadioSelect,
        initial=SOURCE_ORDER,
    )
    order_line = forms.ModelChoiceField(queryset=OrderLine.objects.none(), required=False, label=_("Order line"))
    quantity = forms.IntegerField(min_value=1, required=False, label=_("Quantity claimed"), help_text=_("Empty: the whole line."))
    product = forms.ModelChoiceField(queryset=Product.objects.none(), required=False, label=_("Product (offline)"))
    purchased_on = forms.DateTimeField(required=False, label=_("Purchased (offline)"), help_text=_("YYYY-MM-DD HH:MM, store time"))
    channel = forms.ChoiceField(choices=Order.Channel.choices, required=False, initial=Order.Channel.OFFLINE, label=_("Channel (offline)"))
    price = forms.DecimalField(min_value=0, decimal_places=2, required=False, label=_("Price paid (offline)"))
    country = forms.CharField(max_length=2, required=False, label=_("Country (offline)"))
    reason = forms.ModelChoiceField(queryset=Reason.objects.none(), label=_("Reason"))
    now = forms.DateTimeField(required=False, label=_("As if on"), help_text=_("Empty: now. YYYY-MM-DD HH:MM, store time."))

    def __init__(self, *args, store, questions: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.store = store
        self.fields["order_line"].queryset = (
            OrderLine.objects.filter(order__store=store).select_related("order", "product").order_by("-order__placed_at", "pk")
        )
        self.fields["order_line"].label_from_instance = lambda line: f"{line.order.number} · {line.quantity} × {line.product.name}"
        self.fields["product"].queryset = store.products.all()
        self.fields["reason"].queryset = Reason.objects.filter(store=store, is_active=True)
        self.event_fields = []
        for event_type in OrderEventType.objects.filter(store=store).order_by("label"):
            name = f"event_{event_type.name}"
            self.fields[name] = forms.DateTimeField(
                required=False,
                label=_("Event: %(label)s") % {"label": event_type.label},
                help_text=_("When it happened, YYYY-MM-DD HH:MM, store time. Empty: the order's own (an offline purchase has none)."),
            )
            self.event_fields.append(name)
        self.question_fields = []
        for code, question in questions:
            name = f"answer_{code}"
            self.fields[name] = forms.ChoiceField(choices=ANSWER_CHOICES, required=False, label=question)
            self.question_fields.append(name)

    def clean(self):
        data = super().clean()
        if data.get("source") == self.SOURCE_ORDER and not data.get("order_line"):
            self.add_error("order_line", _("Choose an order line."))
        if data.get("source") == self.SOURCE_OFFLINE:
            for field in ("product", "purchased_on", "price", "country"):
                if data.get(field) in (None, ""):
                    self.add_error(field, _("Needed for an offline purchase."))
        return data

    def answers(self) -> dict[str, bool]:
        result = {}
        for name in self.question_fields:
            value = self.cleaned_data.get(name)
            if value in ("yes", "no"):
                result[name.removeprefix("answer_")] = value == "yes"
        return result

    def events(self) -> dict:
        """The order events set for the hypothetical purchase: name -> aware time."""
        return {
            name.removeprefix("event_"): self.cleaned_data[name] for name in self.event_fields if self.cleaned_data.get(name)
        }

    def moment(self):
        return self.cleaned_data.get("now") or timezone.now()
