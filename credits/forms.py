"""The two small forms of the ledger admin: each calls one credits.services function."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from credits import services
from credits.models import StoreCredit, StoreCreditEntry

MONEY = {"max_digits": 12, "decimal_places": 2}


class RedeemForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount spent"), min_value=Decimal("0.01"), **MONEY)
    reference = forms.CharField(label=_("Order or receipt number"), required=False, max_length=120)
    note = forms.CharField(label=_("Note"), required=False, max_length=500)
    submit_label = _("Record the redemption")

    def __init__(self, *args, credit: StoreCredit, **kwargs):
        self.credit = credit
        super().__init__(*args, **kwargs)
        self.fields["amount"].label = _("Amount spent (%(currency)s)") % {"currency": credit.currency}
        self.fields["amount"].help_text = _("At most the balance: %(balance)s %(currency)s.") % {
            "balance": credit.balance,
            "currency": credit.currency,
        }

    def perform(self, *, user) -> StoreCreditEntry:
        return services.store_credit_redeem(
            credit_id=self.credit.pk,
            user=user,
            amount=self.cleaned_data["amount"],
            reference=self.cleaned_data["reference"],
            note=self.cleaned_data["note"],
        )


class AdjustForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Amount"), help_text=_("Positive adds to the balance, negative takes off."), **MONEY
    )
    note = forms.CharField(label=_("Reason"), max_length=500)
    submit_label = _("Record the adjustment")

    def __init__(self, *args, credit: StoreCredit, **kwargs):
        self.credit = credit
        super().__init__(*args, **kwargs)
        self.fields["amount"].label = _("Amount (%(currency)s)") % {"currency": credit.currency}

    def perform(self, *, user) -> StoreCreditEntry:
        return services.store_credit_adjust(
            credit_id=self.credit.pk, user=user, amount=self.cleaned_data["amount"], note=self.cleaned_data["note"]
        )
