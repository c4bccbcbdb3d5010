from django import forms
from django.utils.translation import gettext_lazy as _

from claims.problems import Problem
from policies.engine import carriers_words, outcome_label

CHOOSE_THE_ITEM = _("Tick %(name)s to claim for it.")
CHOOSE_ITEMS = _("Choose which items the claim is for: %(names)s or %(last)s.")


class StartClaimForm(forms.Form):
    """Lines and quantities of the order, and the reason."""

    reason = forms.ChoiceField(label=_("What happened?"), widget=forms.RadioSelect(attrs={"class": "form-check-input"}))

    def __init__(self, *args, order, reasons, claimable, **kwargs):
        """`claimable`: each order line with the units still free to claim; a line with
        none left is shown without a quantity to choose."""
        super().__init__(*args, **kwargs)
        self.order = order
        self.fields["reason"].choices = [(r.code, r.label) for r in reasons]
        self.line_fields = []  # (field name or None, line, units free)
        open_lines = [line for line, free in claimable if free]
        for line, free in claimable:
            if not free:
                self.line_fields.append((None, line, 0))
                continue
            name = f"qty_{line.pk}"
            self.fields[name] = forms.TypedChoiceField(
                label=_("%(name)s — quantity to claim") % {"name": line.product.name},
                choices=[(n, str(n)) for n in range(0, free + 1)],
                coerce=int,
                # one line: that item, once (the shopper raises it); several: nothing chosen yet
                initial=1 if len(open_lines) == 1 else 0,
                required=False,
                # a page from before another claim took units: say what is left
                error_messages={"invalid_choice": _("Only %(free)d of “%(name)s” can still be claimed.") % {"free": free, "name": line.product.name}},
            )
            self.line_fields.append((name, line, free))
        self.nothing_left = not open_lines
        self.has_sets = any(line.bundle_group or line.is_gift for _name, line, _free in self.line_fields)

    @property
    def problem_links(self) -> list[Problem]:
        """The form's errors for the error summary, each linked to its field (the
        first item's box when none is chosen)."""
        first_item = next((name for name, _line, _free in self.line_fields if name), "")
        problems = [Problem(error, anchor=f"id_{first_item}" if first_item else "") for error in self.non_field_errors()]
        for name, errors in self.errors.items():
            if name == "__all__":
                continue
            anchor = "id_reason_0" if name == "reason" else f"id_{name}"
            problems += [Problem(error, anchor=anchor, field=name) for error in errors]
        return problems

    def clean(self):
        data = super().clean()
        picked = [(line, data.get(name) or 0) for name, line, _free in self.line_fields if name]
        if not any(quantity for _line, quantity in picked):
            names = [f"“{line.product.name}”" for _name, line, _free in self.line_fields if _name]
            if len(names) == 1:
                raise forms.ValidationError(CHOOSE_THE_ITEM % {"name": names[0]})
            raise forms.ValidationError(CHOOSE_ITEMS % {"names": ", ".join(names[:-1]), "last": names[-1]})
        data["lines"] = [(line, quantity) for line, quantity in picked if quantity]
        return data


YES_NO = [("yes", _("Yes")), ("no", _("No"))]


class AnswersForm(forms.Form):
    """The condition questions of the rules that cover the reason, and the preferred outcome."""

    def __init__(self, *args, questions, outcomes, answers, preferred, texts, text_slots, same_model=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.question_names = []
        for question in questions:
            name = f"q_{question.code}"
            initial = None if question.code not in answers else ("yes" if answers[question.code] else "no")
            self.fields[name] = forms.ChoiceField(
                label=question.question, choices=YES_NO, widget=forms.RadioSelect(attrs={"class": "form-check-input"}), required=False, initial=initial, help_text=question.help_text
            )
            self.question_names.append(name)
        if outcomes:
            self.fields["preferred_outcome"] = forms.ChoiceField(
                label=_("What would you prefer?"),
                choices=[(o, outcome_label(o, same_model=same_model)) for o in outcomes],
                widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
                required=False,
                initial=preferred or None,
            )
        self.text_names = []
        for slot in text_slots:
            name = f"t_{slot.code}"
            self.fields[name] = forms.CharField(
                label=slot.label,
                help_text=slot.help_text,
                widget=forms.Textarea(attrs={"rows": 3, **({"aria-describedby": f"id_{name}_help"} if slot.help_text else {})}),
                required=False,
                initial=texts.get(slot.code, ""),
                max_length=5000,
            )
            self.text_names.append(name)

    def answers(self) -> dict[str, bool]:
        return {
            name.removeprefix("q_"): self.cleaned_data[name] == "yes"
            for name in self.question_names
            if self.cleaned_data.get(name) in ("yes", "no")
        }

    def texts(self) -> dict[str, str]:
        """The text fields that were on the page: one the page did not show keeps what it had."""
        return {name.removeprefix("t_"): self.cleaned_data.get(name, "") for name in self.text_names if name in self.data}


class TrackingForm(forms.Form):
    carrier = forms.ChoiceField(label=_("Carrier"))
    carrier_name = forms.CharField(label=_("Shipping company, if not listed"), max_length=60, required=False)
    tracking_number = forms.CharField(label=_("Tracking number"), max_length=60)
    postage_paid = forms.DecimalField(
        label=_("Postage you paid"), required=False, min_value=0, max_digits=10, decimal_places=2, help_text=_("Leave empty if you paid nothing.")
    )

    def __init__(self, *args, carriers, reimbursed: bool, currency: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        # the named carriers first; "any carrier" is the last resort, never preselected
        self.fields["carrier"].choices = [(c.name, c.name) for c in sorted(carriers, key=lambda c: c.any_carrier)]
        self.fields["carrier"].help_text = _("Accepted carriers: %(carriers)s.") % {"carriers": carriers_words(tuple(carriers))}
        if any(c.any_carrier for c in carriers):
            self.fields["carrier_name"].help_text = _("If you chose “%(any)s”: the carrier you sent it with, e.g. UPS.") % {
                "any": next(c.name for c in carriers if c.any_carrier)
            }
        else:
            del self.fields["carrier_name"]
        if not reimbursed:
            del self.fields["postage_paid"]
        elif currency:
            self.fields["postage_paid"].label = _("Postage you paid (%(currency)s)") % {"currency": currency}


class MessageForm(forms.Form):
    body = forms.CharField(label=_("Your message"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)


OFFLINE_CHANNELS = [
    ("offline", _("In a shop")),
    ("online", _("Online (another web shop or marketplace)")),
    ("authorized_reseller", _("An authorized reseller")),
    ("unauthorized_reseller", _("Another reseller")),
    ("crowdfunding", _("Kickstarter or Indiegogo")),
]


class OfflinePurchaseForm(forms.Form):
    """A purchase the portal has no order for; proof of purchase comes as evidence."""

    product = forms.ModelChoiceField(queryset=None, label=_("Product"))
    purchased_on = forms.DateField(label=_("Purchase date"), widget=forms.DateInput(attrs={"type": "date"}))
    channel = forms.ChoiceField(label=_("Where did you buy it?"), choices=OFFLINE_CHANNELS)
    price = forms.DecimalField(label=_("Price paid"), min_value=0, decimal_places=2, max_digits=10)
    country = forms.CharField(label=_("Country (two letters, e.g. US)"), min_length=2, max_length=2)
    reason = forms.ChoiceField(label=_("What happened?"), widget=forms.RadioSelect(attrs={"class": "form-check-input"}))

    def __init__(self, *args, store, reasons, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = store.products.order_by("name")
        self.fields["reason"].choices = [(r.code, r.label) for r in reasons]
        self.fields["country"].initial = store.country

    def clean_country(self):
        value = self.cleaned_data["country"].strip().upper()
        if not value.isalpha():
            raise forms.ValidationError(_("Use a two-letter country code, e.g. US."))
        return value

    def clean_purchased_on(self):
        from django.utils import timezone

        value = self.cleaned_data["purchased_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("The purchase date cannot be in the future."))
        return value


class OutcomeChoiceForm(forms.Form):
    """What the shopper wants per claimed item (claims.outcomes.LineOutcomeChoice rows):
    an outcome where the rule offers more than one, and the product an exchange is for."""

    def __init__(self, *args, rows, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = rows
        self.row_fields = []  # (row, outcome field name or None, exchange field name or None)
        for row in rows:
            outcome_name = exchange_name = None
            if not row.single:
                outcome_name = f"outcome_{row.line.pk}"
                self.fields[outcome_name] = forms.ChoiceField(
                    label=_("What would you like for %(name)s?") % {"name": row.product.name if row.product else ""},
                    choices=[(value, label) for value, label, _hint in row.labelled_options],
                    widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
                    required=False,
                    initial=row.chosen or None,
                )
            if row.exchanges:
                exchange_name = f"exchange_{row.line.pk}"
                self.fields[exchange_name] = forms.TypedChoiceField(
                    label=_("Exchange for"),
                    choices=[("", _("Choose the product you want instead")), *((o.product.pk, o.label) for o in row.exchanges)],
                    coerce=int,
                    empty_value=None,
                    required=False,
                    initial=row.exchange_product_id,
                    help_text=_("Only for an exchange. The price difference is shown with each product."),
                )
            self.row_fields.append((row, outcome_name, exchange_name))

    def choices(self) -> dict[int, tuple[str, int | None]]:
        """{line id: (outcome, exchange product id)} for the items whose fields were
        posted and are usable (a choice the page's rule no longer offers is left out)."""
        self.is_valid()
        chosen = {}
        for row, outcome_name, exchange_name in self.row_fields:
            if outcome_name and (outcome_name not in self.data or self.has_error(outcome_name)):
                continue
            if exchange_name and self.has_error(exchange_name):
                exchange_name = None
            if outcome_name is None and exchange_name is None:
                continue
            outcome = self.cleaned_data.get(outcome_name) if outcome_name else row.options[0][0]
            chosen[row.line.pk] = (outcome or "", self.cleaned_data.get(exchange_name) if exchange_name else row.exchange_product_id)
        return chosen
