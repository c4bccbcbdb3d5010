from django import forms
from django.utils.translation import gettext_lazy as _


class OrderLookupForm(forms.Form):
    order_number = forms.CharField(
        label=_("Order number"),
        max_length=64,
        help_text=_("As shown in your order confirmation."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    email = forms.EmailField(
        label=_("E-mail used for the order"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def __init__(self, *args, example: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if example:
            self.fields["order_number"].help_text = _("As shown in your order confirmation, e.g. %(example)s.") % {"example": example}
