from django import forms
from django.utils.translation import gettext_lazy as _


class OrderLookupForm(forms.Form):
    order_number = forms.CharField(
        label=_("Order number"),
        max_length=64,
        help_text=_("As shown in your order confirmation, e.g. IW-10042."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    email = forms.EmailField(
        label=_("E-mail used for the order"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
