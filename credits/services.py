"""Writes of the store credit ledger: issue (once per claim), redeem, adjust, expire.
Each locks the credit, changes its balance and appends one entry, in one transaction;
nothing else writes a credit or an entry. The messages people see are here."""

from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import access
from credits.models import StoreCredit, StoreCreditEntry, new_code
from orders.models import Store
from policies.money import quantize

CREDIT_AMOUNT_POSITIVE = _("Enter an amount greater than zero.")
CREDIT_BEYOND_BALANCE = _("Only %(balance)s %(currency)s is left on this store credit.")
CREDIT_EXPIRED = _("This store credit expired on %(date)s: nothing can be redeemed.")
CREDIT_ADJUST_REASON = _("Say why the balance is adjusted.")
CREDIT_ADJUST_NEGATIVE = _("The balance cannot go below zero: at most %(balance)s %(currency)s can be taken off.")
CREDIT_ADJUST_ZERO = _("Enter an amount to add (positive) or take off (negative), not zero.")
CREDIT_NOT_STAFF = _("Only this store's staff can change its store credits.")
CREDIT_ISSUE_NEGATIVE = _("A store credit cannot be issued for a negative amount.")

# the roles that may record a redemption or an adjustment
LEDGER_ROLES = frozenset({"reviewer", "manager"})
_CODE_ATTEMPTS = 5


class CreditError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def store_credit_issue(
    *,
    store: Store,
    shopper_email: str,
    amount: Decimal,
    currency: str,
    issued_at: datetime,
    expires_at: datetime | None,
    bonus_percent: Decimal | None = None,
    claim_id: int | None = None,
    actor_user=None,
    actor_label: str = "",
    note: str = "",
) -> StoreCredit:
    """A new credit with a fresh code and its "issued" entry. Once per claim: the
    claim's credit, when it has one already, is returned as it is (the one-to-one
    claim column decides under concurrency). Called inside the claim's command."""
    amount = quantize(Decimal(amount), currency)
    if amount < 0:
        raise CreditError(CREDIT_ISSUE_NEGATIVE)
    with transaction.atomic():
        if claim_id is not None and (existing := StoreCredit.objects.filter(claim_id=claim_id).first()) is not None:
            return existing
        for attempt in range(_CODE_ATTEMPTS):
            try:
                with transaction.atomic():  # a savepoint: a clash of codes is retried with another
                    credit = StoreCredit.objects.create(
                        store=store,
                        code=new_code(),
                        shopper_email=shopper_email,
                        currency=currency.upper(),
                        initial_amount=amount,
                        balance=amount,
                        bonus_percent=bonus_percent,
                        issued_at=issued_at,
                        expires_at=expires_at,
                        claim_id=claim_id,
                    )
                break
            except IntegrityError:
                if claim_id is not None and (existing := StoreCredit.objects.filter(claim_id=claim_id).first()) is not None:
                    return existing
                if attempt == _CODE_ATTEMPTS - 1:
                    raise
        StoreCreditEntry.objects.create(
            credit=credit,
            kind=StoreCreditEntry.Kind.ISSUED,
            amount=amount,
            balance_after=amount,
            actor_user=actor_user,
            actor_label=actor_label,
            note=note,
            created_at=issued_at,
        )
    return credit


def _locked(credit_id: int, user) -> StoreCredit:
    credit = StoreCredit.objects.select_for_update().get(pk=credit_id)
    if not access.is_staff_of(user, credit.store_id, roles=LEDGER_ROLES):
        raise CreditError(CREDIT_NOT_STAFF)
    return credit


def _label(user) -> str:
    return getattr(user, "email", "") or str(user)


def store_credit_redeem(*, credit_id: int, user, amount: Decimal, reference: str = "", note: str = "", now: datetime | None = None) -> StoreCreditEntry:
    """Staff record that the shopper spent `amount` of the credit (e.g. on an order):
    not more than is left, not after it expired."""
    now = now or timezone.now()
    with transaction.atomic():
        credit = _locked(credit_id, user)
        amount = quantize(Decimal(amount), credit.currency)
        if amount <= 0:
            raise CreditError(CREDIT_AMOUNT_POSITIVE)
        if credit.expires_at is not None and credit.expires_at <= now:
            raise CreditError(CREDIT_EXPIRED % {"date": _date_words(credit)})
        if amount > credit.balance:
            raise CreditError(CREDIT_BEYOND_BALANCE % {"balance": credit.balance, "currency": credit.currency})
        return _append(credit, StoreCreditEntry.Kind.REDEEMED, -amount, user=user, reference=reference, note=note, now=now)


def store_credit_adjust(*, credit_id: int, user, amount: Decimal, note: str, now: datetime | None = None) -> StoreCreditEntry:
    """Staff correct the balance (a goodwill top-up, a mistake undone): a signed
    amount with a reason; the balance never goes below zero."""
    now = now or timezone.now()
    if not note.strip():
        raise CreditError(CREDIT_ADJUST_REASON)
    with transaction.atomic():
        credit = _locked(credit_id, user)
        amount = quantize(Decimal(amount), credit.currency)
        if amount == 0:
            raise CreditError(CREDIT_ADJUST_ZERO)
        if credit.balance + amount < 0:
            raise CreditError(CREDIT_ADJUST_NEGATIVE % {"balance": credit.balance, "currency": credit.currency})
        return _append(credit, StoreCreditEntry.Kind.ADJUSTED, amount, user=user, note=note.strip(), now=now)


def _append(credit: StoreCredit, kind: str, amount: Decimal, *, user, now: datetime, reference: str = "", note: str = "") -> StoreCreditEntry:
    credit.balance += amount
    credit.save(update_fields=["balance"])
    return StoreCreditEntry.objects.create(
        credit=credit,
        kind=kind,
        amount=amount,
        balance_after=credit.balance,
        reference=reference,
        note=note,
        actor_user=user,
        actor_label=_label(user),
        created_at=now,
    )


def store_credits_expire(*, now: datetime | None = None) -> int:
    """The daily step: what is left on every credit past its date is written off, with
    an "expired" entry each, in a number of queries that does not grow with the
    credits. Rows another transaction holds are left for the next run. Returns how many."""
    now = now or timezone.now()
    with transaction.atomic():
        due = list(
            StoreCredit.objects.select_for_update(skip_locked=True)
            .filter(expires_at__isnull=False, balance__gt=0, expires_at__lte=now)
            .values_list("pk", "balance")
        )
        if not due:
            return 0
        StoreCreditEntry.objects.bulk_create(
            [
                StoreCreditEntry(
                    credit_id=pk,
                    kind=StoreCreditEntry.Kind.EXPIRED,
                    amount=-balance,
                    balance_after=Decimal("0"),
                    actor_label="system",
                    note=_("Expired: the remaining balance is written off."),
                    created_at=now,
                )
                for pk, balance in due
            ],
            batch_size=1000,
        )
        StoreCredit.objects.filter(pk__in=[pk for pk, _balance in due]).update(balance=Decimal("0"))
    return len(due)


def _date_words(credit: StoreCredit) -> str:
    from django.utils import formats

    with timezone.override(credit.store.time_zone):
        return formats.date_format(timezone.localtime(credit.expires_at), "j M Y")
