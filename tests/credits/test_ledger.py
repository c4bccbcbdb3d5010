"""The store credit ledger: every change is an entry, the balance follows them, nothing
is redeemed beyond the balance or after the expiry, only the store's reviewers and
managers record, expiry writes off what is left once, codes are unique and readable."""

from datetime import timedelta
from decimal import Decimal

import pytest

from credits.models import CODE_ALPHABET, StoreCredit, StoreCreditEntry, new_code
from credits.services import (
    CREDIT_ADJUST_NEGATIVE,
    CREDIT_ADJUST_REASON,
    CREDIT_AMOUNT_POSITIVE,
    CREDIT_BEYOND_BALANCE,
    CREDIT_EXPIRED,
    CREDIT_NOT_STAFF,
    CreditError,
    store_credit_adjust,
    store_credit_redeem,
    store_credits_expire,
)
from tests.credits.conftest import ISSUED, credit_of, staff_of

pytestmark = pytest.mark.django_db


def _kinds(credit):
    return [(e.kind, e.amount, e.balance_after) for e in credit.entries.order_by("created_at", "pk")]


def test_balance_after_redemptions_and_adjustments(stores):
    alpha, _beta = stores
    credit = credit_of(alpha)
    reviewer = staff_of(alpha, "reviewer")
    store_credit_redeem(credit_id=credit.pk, user=reviewer, amount=Decimal("20.00"), reference="A-1001", now=ISSUED + timedelta(days=3))
    store_credit_adjust(credit_id=credit.pk, user=staff_of(alpha, "manager"), amount=Decimal("-5.50"), note="Price match", now=ISSUED + timedelta(days=4))
    store_credit_adjust(credit_id=credit.pk, user=reviewer, amount=Decimal("2.00"), note="Goodwill", now=ISSUED + timedelta(days=5))
    credit.refresh_from_db()
    assert credit.balance == Decimal("31.50") and credit.initial_amount == Decimal("55.00")
    assert _kinds(credit) == [
        ("issued", Decimal("55.00"), Decimal("55.00")),
        ("redeemed", Decimal("-20.00"), Decimal("35.00")),
        ("adjusted", Decimal("-5.50"), Decimal("29.50")),
        ("adjusted", Decimal("2.00"), Decimal("31.50")),
    ]
    assert credit.entries.get(kind="redeemed").reference == "A-1001"
    assert credit.entries.get(kind="redeemed").actor_label == reviewer.email


def test_no_redemption_beyond_the_balance_or_after_expiry(stores):
    alpha, _beta = stores
    credit = credit_of(alpha, amount="10.00")
    reviewer = staff_of(alpha, "reviewer")
    with pytest.raises(CreditError) as error:
        store_credit_redeem(credit_id=credit.pk, user=reviewer, amount=Decimal("10.01"), now=ISSUED)
    assert error.value.message == CREDIT_BEYOND_BALANCE % {"balance": Decimal("10.00"), "currency": "USD"}
    with pytest.raises(CreditError) as error:
        store_credit_redeem(credit_id=credit.pk, user=reviewer, amount=Decimal("0"), now=ISSUED)
    assert error.value.message == CREDIT_AMOUNT_POSITIVE
    store_credit_redeem(credit_id=credit.pk, user=reviewer, amount=Decimal("10.00"), now=ISSUED)  # all of it: fine
    credit.refresh_from_db()
    assert credit.balance == Decimal("0.00")

    later = credit_of(alpha, amount="10.00")
    with pytest.raises(CreditError) as error:
        store_credit_redeem(credit_id=later.pk, user=reviewer, amount=Decimal("1.00"), now=later.expires_at + timedelta(seconds=1))
    assert error.value.message == CREDIT_EXPIRED % {"date": "1 Dec 2027"}
    later.refresh_from_db()
    assert later.balance == Decimal("10.00") and later.entries.count() == 1


def test_an_adjustment_needs_a_reason_and_never_takes_the_balance_below_zero(stores):
    alpha, _beta = stores
    credit = credit_of(alpha, amount="10.00")
    manager = staff_of(alpha, "manager")
    with pytest.raises(CreditError) as error:
        store_credit_adjust(credit_id=credit.pk, user=manager, amount=Decimal("-1"), note="  ")
    assert error.value.message == CREDIT_ADJUST_REASON
    with pytest.raises(CreditError) as error:
        store_credit_adjust(credit_id=credit.pk, user=manager, amount=Decimal("-10.01"), note="Mistake")
    assert error.value.message == CREDIT_ADJUST_NEGATIVE % {"balance": Decimal("10.00"), "currency": "USD"}
    assert StoreCredit.objects.get(pk=credit.pk).balance == Decimal("10.00")


@pytest.mark.parametrize("role", ["warehouse", "other store"])
def test_only_the_stores_reviewers_and_managers_record(stores, role):
    alpha, beta = stores
    credit = credit_of(alpha)
    user = staff_of(beta, "manager") if role == "other store" else staff_of(alpha, role)
    with pytest.raises(CreditError) as error:
        store_credit_redeem(credit_id=credit.pk, user=user, amount=Decimal("1.00"), now=ISSUED)
    assert error.value.message == CREDIT_NOT_STAFF
    with pytest.raises(CreditError):
        store_credit_adjust(credit_id=credit.pk, user=user, amount=Decimal("1.00"), note="x")
    assert credit.entries.count() == 1


def test_expiry_writes_off_what_is_left_once(stores, django_assert_max_num_queries):
    alpha, beta = stores
    due = [credit_of(alpha), credit_of(beta, amount="7.00")]
    spent = credit_of(alpha, amount="5.00")
    store_credit_redeem(credit_id=spent.pk, user=staff_of(alpha, "reviewer"), amount=Decimal("5.00"), now=ISSUED)
    forever = credit_of(alpha, months=None)
    after = due[0].expires_at + timedelta(minutes=1)
    assert store_credits_expire(now=due[0].expires_at - timedelta(minutes=1)) == 0
    with django_assert_max_num_queries(6):  # not one per credit
        assert store_credits_expire(now=after) == 2
    assert store_credits_expire(now=after) == 0
    for credit in due:
        credit.refresh_from_db()
        assert credit.balance == Decimal("0.00")
        assert _kinds(credit)[-1][0] == StoreCreditEntry.Kind.EXPIRED and _kinds(credit)[-1][1] < 0
    assert StoreCredit.objects.get(pk=forever.pk).balance == Decimal("55.00")
    assert StoreCredit.objects.get(pk=spent.pk).entries.filter(kind="expired").count() == 0


def test_codes_are_unique_readable_and_hard_to_guess(stores):
    alpha, _beta = stores
    codes = {credit_of(alpha).code for _ in range(30)}
    assert len(codes) == 30
    for code in codes:
        assert code.startswith("SC-") and len(code) == 17
        assert set(code[3:].replace("-", "")) <= set(CODE_ALPHABET)
    assert len({new_code() for _ in range(2000)}) == 2000


def test_a_clashing_code_is_drawn_again(stores, monkeypatch):
    alpha, _beta = stores
    first = credit_of(alpha)
    drawn = iter([first.code, "SC-2222-3333-4444"])
    monkeypatch.setattr("credits.services.new_code", lambda: next(drawn))
    assert credit_of(alpha).code == "SC-2222-3333-4444"


def test_the_daily_expiry_task_is_scheduled_after_migrate():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.select_related("crontab").get(name="Store credit expiry")
    assert (task.task, task.enabled, task.crontab.minute, task.crontab.hour, str(task.crontab.timezone)) == (
        "credits.tasks.store_credits_expire_task",
        True,
        "30",
        "0",
        "UTC",
    )


def test_the_expiry_task_writes_off_expired_credits(stores):
    from credits.tasks import store_credits_expire_task

    alpha, _beta = stores
    credit = credit_of(alpha)
    StoreCredit.objects.filter(pk=credit.pk).update(expires_at=ISSUED - timedelta(days=1))
    assert store_credits_expire_task.apply().get() == 1
    assert StoreCredit.objects.get(pk=credit.pk).balance == Decimal("0.00")
