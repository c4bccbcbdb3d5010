from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group

from accounts.models import StoreMembership
from credits.models import StoreCredit
from credits.services import store_credit_issue
from tests.factories import StoreFactory, UserFactory

ISSUED = datetime(2026, 12, 1, 12, 0, tzinfo=ZoneInfo("America/New_York"))


def staff_of(store, role: str, email: str | None = None):
    user = UserFactory(email=email or f"{role}@{store.slug}.example", is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    StoreMembership.objects.create(user=user, store=store)
    return user


def credit_of(store, *, amount: str = "55.00", months: int | None = 12, email: str = "shopper@example.com") -> StoreCredit:
    expires = ISSUED + timedelta(days=365) if months else None
    return store_credit_issue(
        store=store, shopper_email=email, amount=Decimal(amount), currency=store.currency, issued_at=ISSUED, expires_at=expires, bonus_percent=Decimal("10")
    )


@pytest.fixture
def stores(db):
    return StoreFactory(slug="alpha", name="Alpha"), StoreFactory(slug="beta", name="Beta", currency="EUR", time_zone="Europe/Berlin")
