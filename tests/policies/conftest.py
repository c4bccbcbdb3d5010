from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction

from policies.calendar import BusinessCalendar
from policies.engine import Decision, PolicyData, PurchaseFacts, evaluate


@dataclass(frozen=True)
class Brand:
    policy: PolicyData
    calendar: BusinessCalendar
    tz: ZoneInfo


class _Rollback(Exception):
    pass


@pytest.fixture(scope="session")
def brands(django_db_setup, django_db_blocker) -> dict[str, Brand]:
    """The four launch brands' published policies as plain engine data, built once
    through the real demo loader (models → publish → snapshot) and rolled back."""
    from demo.services import demo_load
    from orders.models import Store
    from policies.selectors import policy_data_for_version, policy_version_current, store_calendar

    found: dict[str, Brand] = {}
    with django_db_blocker.unblock():
        try:
            with transaction.atomic():
                demo_load(with_claims=False)
                for store in Store.objects.all():
                    version = policy_version_current(store=store)
                    found[store.slug] = Brand(
                        policy=policy_data_for_version(version=version),
                        calendar=store_calendar(store=store, around=datetime(2026, 6, 1, tzinfo=ZoneInfo("UTC"))),
                        tz=ZoneInfo(str(store.time_zone)),
                    )
                raise _Rollback
        except _Rollback:
            pass
    return found


def local(brand: Brand, *args) -> datetime:
    return datetime(*args, tzinfo=brand.tz)


def facts(**overrides) -> PurchaseFacts:
    values = {
        "channel": "online",
        "currency": "USD",
        "product_name": "Test product",
        "is_accessory": False,
        "unit_price": Decimal("100.00"),
        "quantity": 1,
        "line_quantity": 1,
        "warranty_months": 12,
        "category_name": "",
        "shipping_country": "US",
        "order_shipping_charged": Decimal("10.00"),
        "order_items_total": Decimal("100.00"),
    }
    values.update(overrides)
    return PurchaseFacts(**values)


def decide(brand: Brand, reason: str, *, now: datetime, answers=None, evidence_counts=None, **purchase) -> Decision:
    return evaluate(
        policy=brand.policy,
        purchase=facts(**purchase),
        calendar=brand.calendar,
        reason=brand.policy.reason(reason),
        answers=answers or {},
        now=now,
        evidence_counts=evidence_counts,
    )


def rule(decision: Decision, code: str):
    return next(r for r in decision.rules if r.rule_code == code)
