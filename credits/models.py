"""Store credit: a code the shopper spends at the store, issued when a claim is settled
with the outcome "store credit", and its append-only ledger. The balance is kept on the
credit and every change to it is an entry (credits.services is the one place that
writes either)."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from orders.models import Store

# no 0/O, 1/I: read over the phone (the claim reference alphabet, claims.models)
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_GROUPS = 3
CODE_GROUP_LENGTH = 4  # 12 characters: 32**12 = 2**60 codes, not guessable


def new_code() -> str:
    groups = ("".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_GROUP_LENGTH)) for _ in range(CODE_GROUPS))
    return "SC-" + "-".join(groups)


class StoreCredit(models.Model):
    """A store credit: its code, whose it is, what it was worth and what is left."""

    store_path = "store"

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="store_credits", verbose_name=_("store"))
    code = models.CharField(_("code"), max_length=20, unique=True)
    shopper_email = models.EmailField(_("shopper e-mail"))
    currency = models.CharField(_("currency"), max_length=3)
    initial_amount = models.DecimalField(_("issued amount"), max_digits=12, decimal_places=2)
    balance = models.DecimalField(_("balance"), max_digits=12, decimal_places=2)
    bonus_percent = models.DecimalField(_("bonus, %"), max_digits=5, decimal_places=2, null=True, blank=True)
    issued_at = models.DateTimeField(_("issued"))
    expires_at = models.DateTimeField(_("valid until"), null=True, blank=True, help_text=_("Empty: it never expires."))
    # one credit per claim: a double click or a retried task never issues twice
    claim = models.OneToOneField(
        "claims.Claim", on_delete=models.PROTECT, null=True, blank=True, related_name="store_credit", verbose_name=_("claim")
    )

    class Meta:
        ordering = ["-issued_at", "-pk"]
        verbose_name = _("store credit")
        verbose_name_plural = _("store credits")
        indexes = [
            models.Index(fields=["store", "issued_at"], name="credits_store_issued_idx"),
            # the admin's search: prefix matches on the e-mail (the unique code has its own *_like index)
            models.Index(fields=["shopper_email"], name="credits_email_pat_idx", opclasses=["varchar_pattern_ops"]),
            # the daily expiry step reads only credits with something left to expire
            models.Index(fields=["expires_at"], name="credits_expiry_due_idx", condition=Q(expires_at__isnull=False, balance__gt=0)),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(balance__gte=0), name="credits_balance_not_negative"),
            models.CheckConstraint(condition=Q(initial_amount__gte=0), name="credits_initial_not_negative"),
        ]

    def __str__(self) -> str:
        return self.code


class StoreCreditEntry(models.Model):
    """One change to a credit's balance, never edited or deleted: issued (+), redeemed
    (−), adjusted (±, with a reason), expired (the rest, −)."""

    store_path = "credit__store"

    class Kind(models.TextChoices):
        ISSUED = "issued", _("Issued")
        REDEEMED = "redeemed", _("Redeemed")
        ADJUSTED = "adjusted", _("Adjusted")
        EXPIRED = "expired", _("Expired")

    credit = models.ForeignKey(StoreCredit, on_delete=models.PROTECT, related_name="entries", verbose_name=_("store credit"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2, help_text=_("Signed: what it added to the balance."))
    balance_after = models.DecimalField(_("balance after"), max_digits=12, decimal_places=2)
    reference = models.CharField(_("reference"), max_length=120, blank=True, help_text=_("E.g. the order it was spent on."))
    note = models.CharField(_("note"), max_length=500, blank=True)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("by")
    )
    actor_label = models.CharField(_("by (as shown)"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("at"))

    class Meta:
        ordering = ["credit", "created_at", "pk"]
        verbose_name = _("store credit entry")
        verbose_name_plural = _("store credit entries")
        indexes = [models.Index(fields=["credit", "created_at"], name="credits_entry_credit_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(balance_after__gte=0), name="credits_entry_balance_not_negative"),
            # a credit is issued once
            models.UniqueConstraint(fields=["credit"], condition=Q(kind="issued"), name="credits_entry_issued_once"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} ({self.credit_id})"
