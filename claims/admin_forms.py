"""The small forms behind the action buttons of the admin claim page. Each form is
built for one claim, carries the row_version the page showed (`expected_version`)
and, in perform(), calls exactly one claims.services function with it; the service
decides (state, role, stale page, money rules) and its ClaimError is shown on the form."""

from decimal import Decimal

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from accounts import access
from claims import services
from claims.actors import Actor
from claims.canned import CannedReplyError, CannedUse, canned_replies_for, canned_reply_render
from claims.models import MIXED_OUTCOME, Claim, ClaimLine, InspectionOutcome
from claims.outcomes import (
    ExchangeOption,
    claim_approved_lines,
    claim_outcome_lines,
    claim_requested_outcome,
    exchange_products,
    line_outcome_words,
    line_product,
)
from claims.selectors import claim_decided_rule, claim_products, claim_purchases, claim_rule, inspection_parts
from policies.engine import OUTCOME_LABELS, exchange_difference, item_after_rejection
from policies.models import Outcome
from policies.selectors import policy_data_for_version

REJECTION_REASONS = [
    ("outside_window", _("Outside the window")),
    ("condition_not_met", _("Condition not met")),
    ("evidence_insufficient", _("Evidence insufficient")),
    ("not_covered", _("Not covered")),
    ("other", _("Other")),
]
DEFECT_CHOICES = [("unknown", _("Unknown")), ("yes", _("Yes")), ("no", _("No"))]
MONEY_OUTCOMES = frozenset({"refund", "partial_refund", "cancel_refund"})
# Resolutions without money (refunds and compensation have their own forms).
RESOLUTIONS_WITHOUT_MONEY = [
    Claim.Resolution.REPLACED,
    Claim.Resolution.REPAIRED,
    Claim.Resolution.REPLACEMENT_PART_SENT,
    Claim.Resolution.ADDRESS_CHANGED,
    Claim.Resolution.EXCHANGED,
]
RESOLUTION_FOR_OUTCOME = {
    "replacement": Claim.Resolution.REPLACED,
    "repair": Claim.Resolution.REPAIRED,
    "replacement_part": Claim.Resolution.REPLACEMENT_PART_SENT,
    "address_changed": Claim.Resolution.ADDRESS_CHANGED,
    "exchange": Claim.Resolution.EXCHANGED,
}
MONEY = {"max_digits": 12, "decimal_places": 2, "min_value": Decimal("0")}
# who reads a note: staff's own notes stay in the staff timeline; only a note to the shopper is sent
INTERNAL_NOTE_HELP = _("Only staff see this.")
SHOPPER_NOTE_HELP = _("Sent to the shopper and shown on their claim page.")


def textarea(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows, "cols": 60})


class ClaimActionForm(forms.Form):
    """Base: the hidden version the page showed; subclasses add fields and perform()."""

    submit_label = _("Save")
    intro = ""
    expected_version = forms.IntegerField(
        widget=forms.HiddenInput,
        error_messages={"required": services.CLAIM_CHANGED, "invalid": services.CLAIM_CHANGED},
    )

    def __init__(self, *args, claim: Claim, **kwargs):
        self.claim = claim
        super().__init__(*args, **kwargs)

    @property
    def version(self) -> int:
        return self.cleaned_data["expected_version"]

    def perform(self, *, actor: Actor) -> Claim:
        raise TypeError(f"{type(self).__name__} must say which service it calls (perform)")

    def success_message(self, claim: Claim) -> str:
        return _("Saved.")


CANNED_OR_MESSAGE = _("Write a message or choose a canned reply.")


class CannedPicker:
    """What templates/admin/claims/claim/_canned_picker.html shows: the select, and
    each reply filled in for this claim (the script puts it in the text box at once)."""

    def __init__(self, field, options: list[tuple[int, str, str]], target):
        self.field = field
        self.options = options
        self.target = target


class CannedReplyMixin:
    """A "Canned reply" select before the text box `canned_target`: the store's active
    replies for `canned_use`, filled in for the claim. Posted with an empty text box,
    the chosen reply is the text; a text typed or edited by staff wins."""

    canned_use: CannedUse
    canned_target = "message"

    def _canned_setup(self) -> None:
        replies = list(canned_replies_for(claim=self.claim, use=self.canned_use))
        self.canned_texts: dict[str, tuple[str, str]] = {}
        for reply in replies:
            try:
                self.canned_texts[str(reply.pk)] = (reply.title, canned_reply_render(reply=reply, claim=self.claim))
            except CannedReplyError:
                continue  # a reply that no longer renders is not offered
        if not self.canned_texts:
            return
        self.fields["canned_reply"] = forms.ChoiceField(
            label=_("Canned reply"),
            required=False,
            choices=[
                ("", _("— none: write your own —")),
                *((pk, title) for pk, (title, _text) in self.canned_texts.items()),
            ],
            help_text=_("Fills in the text below; you can still edit it."),
        )
        self.fields[self.canned_target].required = False
        names = [name for name in self.fields if name != "canned_reply"]
        names.insert(names.index(self.canned_target), "canned_reply")
        self.order_fields(names)

    @property
    def canned_picker(self) -> CannedPicker | None:
        if "canned_reply" not in self.fields:
            return None
        options = [(pk, title, text) for pk, (title, text) in self.canned_texts.items()]
        return CannedPicker(self["canned_reply"], options, self[self.canned_target])

    def clean(self):
        cleaned = super().clean()
        chosen = cleaned.get("canned_reply")
        if not (cleaned.get(self.canned_target) or "").strip():
            if chosen:
                cleaned[self.canned_target] = self.canned_texts[chosen][1]
            elif self.canned_target not in self.errors:
                message = (
                    CANNED_OR_MESSAGE
                    if "canned_reply" in self.fields
                    else forms.Field.default_error_messages["required"]
                )
                self.add_error(self.canned_target, message)
        return cleaned


class RequestInfoForm(CannedReplyMixin, ClaimActionForm):
    canned_use = CannedUse.REQUEST_INFO
    submit_label = _("Ask the shopper")
    intro = _("The claim waits for the shopper (its review clock pauses) until they send what you ask for.")
    slots = forms.MultipleChoiceField(
        label=_("Evidence to add"), required=False, widget=forms.CheckboxSelectMultiple, choices=()
    )
    message = forms.CharField(label=_("Message to the shopper"), widget=textarea(4), max_length=5000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(s["code"], s["label"]) for s in claim_decided_rule(claim=self.claim).get("evidence_slots", [])]
        if choices:
            self.fields["slots"].choices = choices
        else:
            del self.fields["slots"]
        self._canned_setup()

    def perform(self, *, actor):
        return services.claim_request_info(
            claim_id=self.claim.pk,
            actor=actor,
            slots=list(self.cleaned_data.get("slots") or []),
            message=self.cleaned_data["message"],
            expected_version=self.version,
        )

    def success_message(self, claim):
        return _("More information requested from the shopper.")


class ApproveForm(ClaimActionForm):
    """One row per claimed item: the outcomes the rule allows, the shopper's choice
    pre-selected, and for an exchange the product sent with its price difference."""

    submit_label = _("Approve")
    change_reason = forms.CharField(
        label=_("Why an outcome differs from the shopper's choice"),
        required=False,
        max_length=300,
        help_text=_(
            "Needed only when you approve another outcome (or exchange product) than the one the shopper chose for an item."
        ),
    )
    note = forms.CharField(label=_("Note for the history"), required=False, widget=textarea(2), max_length=2000, help_text=INTERNAL_NOTE_HELP)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        rule = claim_rule(claim=self.claim)
        outcomes = list(rule.outcomes) if rule else []
        currency = self.claim.store.currency
        preferred = claim_requested_outcome(claim=self.claim)
        self.line_fields: list[tuple[int, str, str | None]] = []  # (line id, outcome field, exchange field)
        reason = self.fields.pop("change_reason")
        note = self.fields.pop("note")
        for line, facts in claim_purchases(claim=self.claim):
            if line.staff_decision == ClaimLine.StaffDecision.REJECTED:
                continue
            product = line_product(claim=self.claim, line=line)
            name = f"{line.quantity} × {product.name}" if product else str(line)
            requested = line.requested_outcome or preferred
            outcome_field = f"outcome_{line.pk}"
            self.fields[outcome_field] = forms.ChoiceField(
                label=_("%(item)s: outcome") % {"item": name},
                widget=forms.RadioSelect,
                choices=[(o, OUTCOME_LABELS.get(o, o)) for o in outcomes],
                initial=requested if requested in outcomes else (outcomes[0] if outcomes else None),
                help_text=_("The shopper chose: %(what)s")
                % {"what": line_outcome_words(claim=self.claim, line=line, outcome=requested, rule=rule)}
                if requested
                else "",
            )
            exchange_field = None
            if Outcome.EXCHANGE in outcomes:
                options = [
                    ExchangeOption(
                        p,
                        exchange_difference(
                            paid=facts.paid_for_claimed,
                            new_unit_price=p.price,
                            quantity=line.quantity,
                            currency=currency,
                        ),
                        currency,
                    )
                    for p in exchange_products(product=product)
                ]
                if options:
                    exchange_field = f"exchange_{line.pk}"
                    self.fields[exchange_field] = forms.TypedChoiceField(
                        label=_("%(item)s: exchange for") % {"item": name},
                        choices=[("", "—"), *((o.product.pk, o.label) for o in options)],
                        coerce=int,
                        empty_value=None,
                        required=False,
                        initial=line.exchange_product_id,
                        help_text=_(
                            "Only when the outcome is an exchange: the product sent, with its price difference."
                        ),
                    )
            self.line_fields.append((line.pk, outcome_field, exchange_field))
        self.fields["change_reason"] = reason
        self.fields["note"] = note
        if preferred:
            self.intro = _("The shopper prefers: %(outcome)s.") % {"outcome": OUTCOME_LABELS.get(preferred, preferred)}

    def line_outcomes(self) -> dict[int, tuple[str, int | None]]:
        return {
            line_id: (
                self.cleaned_data[outcome_field],
                self.cleaned_data.get(exchange_field) if exchange_field else None,
            )
            for line_id, outcome_field, exchange_field in self.line_fields
        }

    def perform(self, *, actor):
        return services.claim_approve(
            claim_id=self.claim.pk,
            actor=actor,
            outcome=None,
            line_outcomes=self.line_outcomes(),
            change_reason=self.cleaned_data["change_reason"],
            note=self.cleaned_data["note"],
            expected_version=self.version,
        )

    def success_message(self, claim):
        if claim.outcome == MIXED_OUTCOME:
            label = "; ".join(str(line) for line in claim_outcome_lines(claim=claim))
        else:
            label = OUTCOME_LABELS.get(claim.outcome, claim.outcome)
        if claim.rma_number:
            return _("Approved (%(outcome)s). RMA number: %(rma)s.") % {"outcome": label, "rma": claim.rma_number}
        return _("Approved (%(outcome)s), no return needed.") % {"outcome": label}


class RejectForm(CannedReplyMixin, ClaimActionForm):
    canned_use = CannedUse.REJECT
    submit_label = _("Reject the claim")
    reason = forms.ChoiceField(label=_("Reason"), choices=[("", "—"), *REJECTION_REASONS])
    message = forms.CharField(
        label=_("Text shown to the shopper"), widget=textarea(4), max_length=5000,
        help_text=_("Explain the decision; the shopper can appeal once."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._canned_setup()

    def perform(self, *, actor):
        label = str(dict(REJECTION_REASONS)[self.cleaned_data["reason"]])
        return services.claim_reject(
            claim_id=self.claim.pk, actor=actor, reason=label, message=self.cleaned_data["message"], expected_version=self.version
        )

    def success_message(self, claim):
        return _("The claim was rejected.")


class UpholdRejectionForm(ClaimActionForm):
    submit_label = _("Uphold the rejection")
    intro = _("The appeal is decided: the rejection stands and the claim is closed.")
    message = forms.CharField(label=_("Text shown to the shopper"), widget=textarea(4), max_length=5000)

    def perform(self, *, actor):
        return services.claim_uphold_rejection(
            claim_id=self.claim.pk, actor=actor, message=self.cleaned_data["message"], expected_version=self.version
        )

    def success_message(self, claim):
        return _("The rejection was upheld; the claim is closed.")


class MarkComplexForm(ClaimActionForm):
    submit_label = _("Yes, mark as complex")
    intro = _("A complex claim gets the longer review time of the policy; the time already spent is kept.")

    def perform(self, *, actor):
        return services.claim_mark_complex(claim_id=self.claim.pk, actor=actor, expected_version=self.version)

    def success_message(self, claim):
        return _("The claim is marked as complex.")


class AssignForm(ClaimActionForm):
    submit_label = _("Assign")
    assignee = forms.ModelChoiceField(label=_("Assign to"), queryset=None, required=False, empty_label=_("Nobody"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = access.store_staff(self.claim.store_id)
        self.fields["assignee"].initial = self.claim.assignee_id

    def perform(self, *, actor):
        return services.claim_assign(
            claim_id=self.claim.pk, actor=actor, assignee=self.cleaned_data["assignee"], expected_version=self.version
        )

    def success_message(self, claim):
        if claim.assignee is None:
            return _("The claim is not assigned to anybody now.")
        return _("Assigned to %(who)s.") % {"who": claim.assignee.email}


class ShipForm(ClaimActionForm):
    submit_label = _("Save the tracking")
    carrier = forms.ChoiceField(label=_("Carrier"), choices=())
    carrier_name = forms.CharField(label=_("Shipping company (for “any carrier”)"), max_length=60, required=False)
    tracking_number = forms.CharField(label=_("Tracking number"), max_length=60)
    postage_paid = forms.DecimalField(label=_("Postage the shopper paid"), required=False, **MONEY)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        policy = policy_data_for_version(version=self.claim.policy_version)
        self.fields["carrier"].choices = [("", "—"), *((c.name, c.name) for c in policy.carriers)]
        if not any(c.any_carrier for c in policy.carriers):
            del self.fields["carrier_name"]

    def perform(self, *, actor):
        return services.claim_ship(
            claim_id=self.claim.pk,
            actor=actor,
            carrier=self.cleaned_data["carrier"],
            tracking_number=self.cleaned_data["tracking_number"],
            postage_paid=self.cleaned_data["postage_paid"],
            expected_version=self.version,
            carrier_name=self.cleaned_data.get("carrier_name", ""),
        )

    def success_message(self, claim):
        return _("Return tracking saved: %(carrier)s %(number)s.") % {
            "carrier": claim.return_carrier,
            "number": claim.return_tracking_number,
        }


class ReceiveForm(ClaimActionForm):
    submit_label = _("Receive the return")
    intro = _("Type or scan the RMA number on the parcel; it must match this claim.")
    rma_number = forms.CharField(
        label=_("RMA number on the parcel"), max_length=30, widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off"})
    )
    note = forms.CharField(label=_("Note for the history"), required=False, widget=textarea(2), max_length=2000, help_text=INTERNAL_NOTE_HELP)
    tracking_override_reason = forms.CharField(
        label=_("Receiving without the required tracking number? Say why"),
        help_text=_("Only when the rule requires the tracking number and none was entered; the reason is kept in the claim's history."),
        required=False,
        widget=textarea(2),
        max_length=500,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        rule = claim_rule(claim=self.claim)
        if not (rule and rule.tracking_required and rule.requires_return and not self.claim.return_tracking_number):
            del self.fields["tracking_override_reason"]
        else:
            self.intro = _("%(intro)s This rule requires the return tracking number, and none has been entered yet.") % {"intro": self.intro}

    def perform(self, *, actor):
        return services.claim_receive(
            claim_id=self.claim.pk,
            actor=actor,
            rma_number=self.cleaned_data["rma_number"],
            note=self.cleaned_data["note"],
            tracking_override_reason=self.cleaned_data.get("tracking_override_reason", ""),
            expected_version=self.version,
        )

    def success_message(self, claim):
        return _("Return received (%(rma)s).") % {"rma": claim.rma_number}


OUTCOME_FROM_FINDINGS = ""
INSPECTION_OUTCOME_CHOICES = [
    (OUTCOME_FROM_FINDINGS, _("From the findings: full refund, or partial when something found is deducted")),
    (InspectionOutcome.ACCEPTED, _("Accept: the item is as declared")),
    (InspectionOutcome.PARTIAL, _("Partial refund: deduct what was found")),
    (InspectionOutcome.REJECTED, _("Reject with a reason")),
]


class InspectForm(ClaimActionForm):
    submit_label = _("Record the inspection")
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=INSPECTION_OUTCOME_CHOICES, required=False, initial=OUTCOME_FROM_FINDINGS, widget=forms.RadioSelect
    )
    rejection_reason = forms.ChoiceField(
        label=_("Reason for the rejection"), required=False, choices=(), help_text=_("Shown to the shopper, with what happens to the item.")
    )
    missing_accessories = forms.MultipleChoiceField(
        label=_("Missing parts and accessories"), required=False, widget=forms.CheckboxSelectMultiple, choices=()
    )
    other_part_name = forms.CharField(label=_("Another missing part"), required=False, max_length=120)
    other_part_value = forms.DecimalField(label=_("Its value"), required=False, **MONEY)
    improper_packaging = forms.BooleanField(label=_("Improper packaging"), required=False)
    damage_value = forms.DecimalField(label=_("Damage value"), initial=Decimal("0.00"), **MONEY)
    damage_description = forms.CharField(
        label=_("What is damaged"),
        required=False,
        max_length=200,
        help_text=_("For example “scratched lens”. Sent to the shopper beside the damage deduction."),
    )
    defect_confirmed = forms.ChoiceField(
        label=_("Defect confirmed"), choices=DEFECT_CHOICES, initial="unknown", widget=forms.RadioSelect
    )
    shopper_note = forms.CharField(
        label=_("Note to the shopper"), required=False, widget=textarea(3), max_length=2000, help_text=SHOPPER_NOTE_HELP
    )
    notes = forms.CharField(label=_("Internal note"), required=False, widget=textarea(3), max_length=5000, help_text=INTERNAL_NOTE_HELP)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        currency = self.claim.store.currency
        # the claimed products' parts lists (sold separately or not), then the store's accessories
        self.missable = {
            f"part:{part.pk}": (part.name, part.value, f"{part.product.name}: {part.name} — {part.value} {currency}")
            for part in inspection_parts(claim=self.claim)
        }
        self.missable.update(
            (f"accessory:{p.pk}", (p.name, p.price, f"{p.name} — {p.price} {currency}"))
            for p in self.claim.store.products.filter(is_accessory=True).order_by("name")
        )
        self.fields["missing_accessories"].choices = [(key, label) for key, (_name, _value, label) in self.missable.items()]
        self.fields["other_part_value"].label = _("Its value (%(currency)s)") % {"currency": currency}
        self.fields["damage_value"].label = _("Damage value (%(currency)s)") % {"currency": currency}
        policy = policy_data_for_version(version=self.claim.policy_version)
        rejections = policy.inspection_rejections
        if rejections:
            self.fields["rejection_reason"].choices = [
                ("", "—"),
                *((r.code, f"{r.label} — {item_after_rejection(r, currency)}") for r in rejections),
            ]
        else:
            del self.fields["rejection_reason"]
            self.fields["outcome"].choices = INSPECTION_OUTCOME_CHOICES[:-1]
        rule = claim_rule(claim=self.claim)
        kinds = {d.kind for d in rule.deductions} if rule else set()
        at_inspection = {d.kind for d in rule.deductions if d.trigger == "inspection"} if rule else set()
        notes = []
        if "restocking_fee" in at_inspection:
            notes.append(_("Missing items or damaged packaging trigger this rule's restocking fee."))
        elif "missing_accessories" not in kinds:
            notes.append(_("Missing accessories are recorded, but this rule does not deduct them from the refund."))
        if "damage_on_return" not in kinds:
            notes.append(_("Damage is recorded, but this rule does not deduct it from the refund."))
        if not rejections:
            notes.append(
                _("This claim's policy version lists no reasons to reject after inspection (add them to the policy: new claims get them).")
            )
        self.intro = " ".join(str(n) for n in notes)

    def clean(self):
        cleaned = super().clean()
        name, value = (cleaned.get("other_part_name") or "").strip(), cleaned.get("other_part_value")
        if name and value is None and "other_part_value" not in self.errors:
            self.add_error("other_part_value", services.PART_VALUE_INVALID % {"name": name})
        if value is not None and not name:
            self.add_error("other_part_name", services.PART_NAME_NEEDED)
        if cleaned.get("outcome") == InspectionOutcome.REJECTED and not cleaned.get("rejection_reason"):
            self.add_error("rejection_reason", services.REJECTION_REASON_NEEDED)
        return cleaned

    def perform(self, *, actor):
        missing = [self.missable[key][:2] for key in self.cleaned_data["missing_accessories"]]
        if self.cleaned_data["other_part_name"].strip():
            missing.append((self.cleaned_data["other_part_name"].strip(), self.cleaned_data["other_part_value"]))
        defect = {"yes": True, "no": False}.get(self.cleaned_data["defect_confirmed"])
        return services.claim_inspect(
            claim_id=self.claim.pk,
            actor=actor,
            missing_accessories=missing,
            improper_packaging=self.cleaned_data["improper_packaging"],
            damage_value=self.cleaned_data["damage_value"],
            defect_confirmed=defect,
            notes=self.cleaned_data["notes"],
            shopper_note=self.cleaned_data["shopper_note"],
            damage_description=self.cleaned_data["damage_description"],
            outcome=self.cleaned_data["outcome"] or None,
            rejection_code=self.cleaned_data.get("rejection_reason") or "",
            expected_version=self.version,
        )

    def success_message(self, claim):
        if claim.inspection_outcome == InspectionOutcome.REJECTED:
            return _("Inspection recorded: the claim is rejected (%(reason)s).") % {"reason": claim.rejection_reason}
        breakdown = services.claim_refund_breakdown(claim=claim)
        if breakdown is None:
            return _("Inspection recorded.")
        return _("Inspection recorded. The refund as it stands: %(total)s %(currency)s.") % {
            "total": breakdown.total,
            "currency": breakdown.currency,
        }


class RecordRefundForm(ClaimActionForm):
    submit_label = _("Record the refund")
    amount = forms.DecimalField(label=_("Amount refunded"), **MONEY)
    override_reason = forms.CharField(
        label=_("Reason for a different amount"),
        required=False,
        max_length=300,
        help_text=_("Needed only when the amount differs from the breakdown total. Only staff see it; the shopper sees an adjustment."),
    )
    payment_reference = forms.CharField(label=_("Payment reference"), required=False, max_length=120)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.breakdown = services.claim_refund_breakdown(claim=self.claim)
        total = self.breakdown.total if self.breakdown else Decimal("0.00")
        self.fields["amount"].initial = total
        currency = self.claim.store.currency
        self.fields["amount"].label = _("Amount refunded (%(currency)s)") % {"currency": currency}
        self.intro = _("The breakdown total is %(total)s %(currency)s.") % {"total": total, "currency": currency}
        rule = claim_rule(claim=self.claim)
        if rule and rule.inspection_before_refund and self.claim.inspected_at is None:
            self.intro += " " + str(_("This rule expects an inspection before the refund; it has not been recorded."))

    def perform(self, *, actor):
        return services.claim_record_refund(
            claim_id=self.claim.pk,
            actor=actor,
            amount=self.cleaned_data["amount"],
            override_reason=self.cleaned_data["override_reason"],
            payment_reference=self.cleaned_data["payment_reference"],
            expected_version=self.version,
        )

    def success_message(self, claim):
        refund = claim.refund
        return _("Refund of %(amount)s %(currency)s recorded; the claim is resolved.") % {
            "amount": refund.amount,
            "currency": refund.currency,
        }


class RecordCompensationForm(ClaimActionForm):
    submit_label = _("Record the compensation")
    intro = _("The shopper keeps the item received; they get a share of the price difference and the right item is reshipped.")
    received_item_value = forms.DecimalField(label=_("Value of the item received"), **MONEY)
    reshipment_tracking = forms.CharField(label=_("Tracking of the reshipped item"), max_length=120)

    def perform(self, *, actor):
        return services.claim_record_compensation(
            claim_id=self.claim.pk,
            actor=actor,
            received_item_value=self.cleaned_data["received_item_value"],
            reshipment_tracking=self.cleaned_data["reshipment_tracking"],
            expected_version=self.version,
        )

    def success_message(self, claim):
        refund = claim.refund
        return _("Compensation of %(amount)s %(currency)s recorded; the claim is resolved.") % {
            "amount": refund.amount,
            "currency": refund.currency,
        }


class ResolveForm(ClaimActionForm):
    submit_label = _("Resolve")
    resolution = forms.ChoiceField(label=_("Resolution"), choices=())
    replacement_tracking = forms.CharField(label=_("Tracking of the replacement or part"), required=False, max_length=120)
    replacement_product = forms.ModelChoiceField(
        label=_("Product sent as the replacement"), queryset=None, required=False, help_text=_("For a replacement.")
    )
    note = forms.CharField(label=_("Note for the history"), required=False, widget=textarea(2), max_length=2000, help_text=INTERNAL_NOTE_HELP)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["resolution"].choices = [("", "—"), *((r.value, r.label) for r in RESOLUTIONS_WITHOUT_MONEY)]
        self.fields["resolution"].initial = RESOLUTION_FOR_OUTCOME.get(self.claim.outcome, "")
        self.fields["replacement_product"].queryset = self.claim.store.products.order_by("name")
        rule = claim_rule(claim=self.claim)
        if rule is not None and rule.replacement_same_model:
            # only what the policy accepts is offered; the service checks it again
            claimed = claim_products(claim=self.claim)
            same = [p.pk for p in self.fields["replacement_product"].queryset if any(p.is_same_model_as(c) for c in claimed)]
            self.fields["replacement_product"].queryset = self.claim.store.products.filter(pk__in=same).order_by("name")
            self.fields["replacement_product"].help_text = _("Replacement with the same model only: the claimed product or its model family.")
            if len(same) == 1:
                self.fields["replacement_product"].initial = same[0]
        if self.claim.outcome == Outcome.EXCHANGE:
            # what the shopper chose to receive, among what the items may be exchanged for
            claimed = claim_products(claim=self.claim)
            allowed = [p.pk for p in self.claim.store.products.all() if any(c.is_exchangeable_for(p) for c in claimed)]
            self.fields["replacement_product"].queryset = self.claim.store.products.filter(pk__in=allowed).order_by("name")
            self.fields["replacement_product"].label = _("Product sent (replacement or exchange)")
            self.fields["replacement_product"].help_text = _("For an exchange: the product the shopper chose, or another of its model family or exchange group.")
            wanted = self.claim.lines.exclude(exchange_product=None).values_list("exchange_product_id", flat=True).first()
            if wanted:
                self.fields["replacement_product"].initial = wanted

    def perform(self, *, actor):
        return services.claim_resolve(
            claim_id=self.claim.pk,
            actor=actor,
            resolution=self.cleaned_data["resolution"],
            replacement_tracking=self.cleaned_data["replacement_tracking"],
            note=self.cleaned_data["note"],
            expected_version=self.version,
            replacement_product=self.cleaned_data["replacement_product"],
        )

    def success_message(self, claim):
        return _("Resolved: %(resolution)s.") % {"resolution": claim.get_resolution_display()}


class SettlePerItemForm(ClaimActionForm):
    """A claim approved with different outcomes per item, settled in one step: the
    refund of the items refunded, the store credit of the items credited, the exchanged
    items' tracking."""

    submit_label = _("Settle every item")
    amount = forms.DecimalField(label=_("Amount refunded"), **MONEY)
    override_reason = forms.CharField(
        label=_("Reason for a different amount"),
        required=False,
        max_length=300,
        help_text=_(
            "Needed only when the amount differs from the breakdown total. Only staff see it; the shopper sees an adjustment."
        ),
    )
    payment_reference = forms.CharField(label=_("Payment reference"), required=False, max_length=120)
    tracking = forms.CharField(label=_("Tracking of the exchanged items"), required=False, max_length=120)
    note = forms.CharField(
        label=_("Note for the history"),
        required=False,
        widget=textarea(2),
        max_length=2000,
        help_text=INTERNAL_NOTE_HELP,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        approved = set(self.claim.lines.values_list("approved_outcome", flat=True))
        currency = self.claim.store.currency
        if approved & MONEY_OUTCOMES:
            # the suggested amount covers the items approved for a refund only
            self.breakdown = services.claim_refund_breakdown(claim=self.claim)
            total = self.breakdown.total if self.breakdown else Decimal("0.00")
            self.fields["amount"].initial = total
            self.fields["amount"].label = _("Amount refunded for the refunded items (%(currency)s)") % {
                "currency": currency
            }
        else:
            for name in ("amount", "override_reason", "payment_reference"):
                del self.fields[name]
        if Outcome.EXCHANGE not in approved:
            del self.fields["tracking"]
        lines = list(self.claim.lines.select_related("order_line__product", "exchange_product"))
        self.intro = " ".join(
            str(line) for line in claim_approved_lines(claim=self.claim, lines=lines, rule=claim_rule(claim=self.claim))
        )

    def perform(self, *, actor):
        return services.claim_settle_per_item(
            claim_id=self.claim.pk,
            actor=actor,
            refund_amount=self.cleaned_data.get("amount"),
            override_reason=self.cleaned_data.get("override_reason", ""),
            payment_reference=self.cleaned_data.get("payment_reference", ""),
            tracking=self.cleaned_data.get("tracking", ""),
            note=self.cleaned_data["note"],
            expected_version=self.version,
        )

    def success_message(self, claim):
        return _("Every item is settled; the claim is resolved.")


class IssueStoreCreditForm(ClaimActionForm):
    submit_label = _("Issue the store credit")
    note = forms.CharField(label=_("Note for the history"), required=False, widget=textarea(2), max_length=2000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from django.utils import timezone

        worth = services.claim_store_credit_amount(claim=self.claim, now=timezone.now())
        if worth is None:
            self.intro = _("This claim's rule pays no money: there is no store credit to issue.")
            return
        self.intro = _(
            "The shopper gets a store credit code by e-mail: %(refund)s %(currency)s (the refund) + %(bonus)s bonus = "
            "%(amount)s %(currency)s, %(validity)s. It is issued once and the claim is resolved."
        ) % {
            "refund": worth.refund,
            "bonus": worth.bonus,
            "amount": worth.amount,
            "currency": worth.currency,
            "validity": _("valid until %s") % _local_date(worth.expires_at, self.claim.store.time_zone)
            if worth.expires_at
            else _("with no expiry date"),
        }

    def perform(self, *, actor):
        return services.claim_issue_store_credit(
            claim_id=self.claim.pk, actor=actor, note=self.cleaned_data["note"], expected_version=self.version
        )

    def success_message(self, claim):
        credit = claim.store_credit
        return _("Store credit %(code)s of %(amount)s %(currency)s issued; the claim is resolved.") % {
            "code": credit.code,
            "amount": credit.initial_amount,
            "currency": credit.currency,
        }


def _local_date(moment, zone: str) -> str:
    from django.utils import formats, timezone

    with timezone.override(zone):
        return formats.date_format(timezone.localtime(moment), "j M Y")


class CloseForm(ClaimActionForm):
    submit_label = _("Close the claim")
    intro = _("A closed claim cannot be changed any more.")
    note = forms.CharField(label=_("Note for the history"), required=False, widget=textarea(2), max_length=2000, help_text=INTERNAL_NOTE_HELP)

    def perform(self, *, actor):
        return services.claim_close(claim_id=self.claim.pk, actor=actor, note=self.cleaned_data["note"], expected_version=self.version)

    def success_message(self, claim):
        return _("The claim is closed.")


class InternalNoteForm(ClaimActionForm):
    submit_label = _("Add the internal note")
    intro = _("Internal notes are for staff only: the shopper never sees them.")
    body = forms.CharField(label=_("Internal note"), widget=textarea(4), max_length=5000)

    def perform(self, *, actor):
        services.claim_message(
            claim_id=self.claim.pk, actor=actor, body=self.cleaned_data["body"], internal=True, expected_version=self.version
        )
        return self.claim

    def success_message(self, claim):
        return _("Internal note added (staff only).")


class ShopperMessageForm(CannedReplyMixin, ClaimActionForm):
    canned_use = CannedUse.MESSAGE
    canned_target = "body"
    submit_label = _("Send to the shopper")
    intro = _("The shopper sees this message on the claim page.")
    body = forms.CharField(label=_("Message to the shopper"), widget=textarea(4), max_length=5000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._canned_setup()

    def perform(self, *, actor):
        services.claim_message(
            claim_id=self.claim.pk, actor=actor, body=self.cleaned_data["body"], internal=False, expected_version=self.version
        )
        return self.claim

    def success_message(self, claim):
        return _("Message sent to the shopper.")


# --- bulk actions of the claim queue (claims.admin.ClaimAdmin.actions) ---------------

REPLY_OF_ANOTHER_STORE = _("the canned reply belongs to %(store)s, not to this claim's store.")
NO_COMMON_COLLEAGUE = _("Nobody is staff of every store of the selected claims: select claims of one store.")


class BulkAssignForm(forms.Form):
    """Whom to assign the selected claims to: staff of every store among them."""

    assignee = forms.ModelChoiceField(label=_("Assign to"), queryset=None, empty_label="—")

    def __init__(self, *args, store_ids: set[int], **kwargs):
        super().__init__(*args, **kwargs)
        colleagues: set[int] | None = None
        for store_id in store_ids:
            staff = set(access.store_staff(store_id).values_list("pk", flat=True))
            colleagues = staff if colleagues is None else colleagues & staff
        self.fields["assignee"].queryset = get_user_model().objects.filter(pk__in=colleagues or ()).order_by("email")
        self.intro = "" if colleagues else NO_COMMON_COLLEAGUE


class BulkCannedReplyForm(forms.Form):
    """Which canned reply to send, filled in for each selected claim."""

    reply = forms.ModelChoiceField(label=_("Canned reply"), queryset=None, empty_label="—")

    def __init__(self, *args, replies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reply"].queryset = replies
        self.fields["reply"].label_from_instance = lambda reply: f"{reply.store.name} · {reply.title}"
        self.intro = _(
            "Each claim gets the reply with its own values (name, reference, deadline); its review clock pauses until the shopper answers."
        )
