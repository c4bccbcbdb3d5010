"""Publishing freezes a policy into a version; edits never change a published one;
contradictions are refused in plain words; a brand configured only through the
models (no code) behaves as configured."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.core.management import call_command

from accounts.models import User
from policies.models import ConditionQuestion, CoverageRule, Deduction, EvidenceSlot, Policy, Reason, ReturnCarrier
from policies.selectors import (
    decision_for_purchase,
    policy_data_for_draft,
    policy_data_for_version,
    policy_has_unpublished_changes,
    purchase_facts_for_line,
)
from policies.services import NOTHING_TO_PUBLISH, NothingToPublish, policy_publish
from tests.factories import OrderLineFactory, ProductFactory, StoreFactory

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")


def _new_brand():
    """A brand the code has never seen: a German bike-parts shop, only data."""
    store = StoreFactory(name="Rad & Teile", slug="radteile", country="DE", holiday_subdivision="BE", time_zone="Europe/Berlin", currency="EUR")
    policy = Policy.objects.create(store=store, name="Rückgabe", review_standard_working_days=4)
    ReturnCarrier.objects.create(policy=policy, name="DHL Paket", tracking_pattern=r"^\d{12}$", tracking_example="003404341234")
    mind = Reason.objects.create(store=store, code="widerruf", label="Widerruf (14 Tage)", kind="change_of_mind")
    broken = Reason.objects.create(store=store, code="defekt", label="Defekt", kind="functional_failure")
    withdrawal = CoverageRule.objects.create(
        policy=policy,
        code="widerruf",
        name="14-Tage-Widerruf",
        window_length=14,
        window_unit="working_days",
        window_anchor="delivered",
        outcomes=["refund"],
        return_shipping_payer="shopper",
        ship_by_length=10,
        ship_by_unit="calendar_days",
        ship_by_effect="remind",
    )
    withdrawal.reasons.add(mind)
    Deduction.objects.create(rule=withdrawal, code="wertersatz", kind="damage_on_return", label="Wertersatz", basis="percent", percent=Decimal("12.5"), trigger="condition")
    ConditionQuestion.objects.create(
        rule=withdrawal, code="benutzt", question="Benutzt?", blocking_answer=True, effect="deduction", deduction_code="wertersatz", explanation="Gebraucht: Wertersatz."
    )
    EvidenceSlot.objects.create(rule=withdrawal, code="foto", kind="photo", label="Foto", min_count=1, max_count=2)
    warranty = CoverageRule.objects.create(
        policy=policy, code="gewaehr", name="Gewährleistung", window_length=24, window_unit="months", window_anchor="delivered", outcomes=["repair", "replacement"], return_shipping_payer="brand"
    )
    warranty.reasons.add(broken)
    return store, policy


def _decide(store, policy_data, line, reason, now, answers=None):
    return decision_for_purchase(store=store, policy=policy_data, purchase=purchase_facts_for_line(line=line), reason_code=reason, answers=answers, now=now)


def test_a_new_brand_configured_only_through_models():
    store, policy = _new_brand()
    version = policy_publish(policy=policy, actor=None)
    data = policy_data_for_version(version=version)
    delivered = datetime(2026, 12, 18, 15, 0, tzinfo=BERLIN)  # Friday before Christmas
    line = OrderLineFactory(order__store=store, order__delivered_at=delivered, order__shipping_country="DE", unit_price=Decimal("80.00"), order__currency="EUR")
    # 14 working days in Berlin skip weekends, 25/26 Dec and 1 Jan
    decision = _decide(store, data, line, "widerruf", datetime(2027, 1, 11, 23, 0, tzinfo=BERLIN), {"benutzt": True})
    withdrawal = decision.rules[0]
    assert withdrawal.eligible, withdrawal.explanation
    assert withdrawal.deadline.at == datetime(2027, 1, 11, 23, 59, 59, 999999, tzinfo=BERLIN)
    assert [(line.code, line.amount) for line in withdrawal.refund.counted_lines] == [("item_price", Decimal("80.00")), ("wertersatz", Decimal("-10.00"))]
    assert withdrawal.review_working_days == 4 and withdrawal.carriers[0].name == "DHL Paket"
    assert not _decide(store, data, line, "widerruf", datetime(2027, 1, 12, 0, 0, tzinfo=BERLIN)).rules[0].eligible
    assert _decide(store, data, line, "defekt", datetime(2028, 12, 18, 12, 0, tzinfo=BERLIN)).rules[0].eligible


def test_published_version_is_frozen_while_the_draft_changes():
    store, policy = _new_brand()
    v1 = policy_publish(policy=policy, actor=None)
    assert not policy_has_unpublished_changes(policy=policy)
    rule = policy.rules.get(code="widerruf")
    rule.window_unit, rule.window_length = "calendar_days", 30
    rule.save()
    assert policy_has_unpublished_changes(policy=policy)

    delivered = datetime(2026, 11, 2, 12, 0, tzinfo=BERLIN)
    line = OrderLineFactory(order__store=store, order__delivered_at=delivered, order__shipping_country="DE")
    day_25 = delivered + timedelta(days=25)
    assert not _decide(store, policy_data_for_version(version=v1), line, "widerruf", day_25, {"benutzt": False}).eligible
    assert _decide(store, policy_data_for_draft(policy=policy), line, "widerruf", day_25, {"benutzt": False}).eligible

    v2 = policy_publish(policy=policy, actor=None, note="30 days")
    v1.refresh_from_db()
    assert (v1.number, v2.number) == (1, 2)
    assert _decide(store, policy_data_for_version(version=v2), line, "widerruf", day_25, {"benutzt": False}).eligible
    assert not _decide(store, policy_data_for_version(version=v1), line, "widerruf", day_25, {"benutzt": False}).eligible


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda rule: setattr(rule, "window_anchor", ""), "A window needs a point it is counted from."),
        (lambda rule: setattr(rule, "window_length", None), "A window needs a length."),
        (lambda rule: setattr(rule, "outcomes", []), "Offer at least one outcome."),
        (lambda rule: setattr(rule, "ship_by_effect", ""), "Say what happens when ship-by passes."),
        (
            lambda rule: [setattr(rule, name, value) for name, value in (("requires_return", False), ("ship_by_length", None), ("return_shipping_payer", "none"), ("bundle_return", "together"))],
            "Bundles can only be required to go back together where the item is sent back.",
        ),
    ],
)
def test_contradictions_are_refused_in_plain_words(change, message):
    _store, policy = _new_brand()
    rule = policy.rules.get(code="widerruf")
    change(rule)
    rule.save()
    with pytest.raises(ValidationError) as raised:
        policy_publish(policy=policy, actor=None)
    assert any(message in problem for problem in raised.value.messages), raised.value.messages
    assert not policy.versions.exists()


def test_slot_with_min_above_max_and_percents_over_100_are_refused():
    _store, policy = _new_brand()
    rule = policy.rules.get(code="widerruf")
    slot = rule.evidence_slots.get()
    slot.min_count, slot.max_count = 5, 2
    with pytest.raises(ValidationError, match="cannot be more than"):
        slot.full_clean()
    deduction = rule.deductions.get()
    deduction.percent = Decimal("120")
    with pytest.raises(ValidationError, match="less than or equal to 100"):
        deduction.full_clean()
    rule.compensation_percent = Decimal("150")
    with pytest.raises(ValidationError, match="less than or equal to 100"):
        rule.full_clean()
    # and the database refuses it too
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        rule.save()


def test_a_question_pointing_at_a_missing_deduction_is_refused():
    _store, policy = _new_brand()
    policy.rules.get(code="widerruf").deductions.all().delete()
    with pytest.raises(ValidationError, match="does not have"):
        policy_publish(policy=policy, actor=None)


def test_warranty_falls_back_to_the_category():
    product = ProductFactory(warranty_months=None, category__warranty_months=18)
    assert product.effective_warranty_months == 18
    product.warranty_months = 6
    assert product.effective_warranty_months == 6


def test_publishing_with_nothing_changed_makes_no_new_version(db, client):

    call_command("demo_load", no_claims=True)
    policy = Policy.objects.get(store__slug="iwalk")
    before = policy.versions.count()
    with pytest.raises(NothingToPublish) as nothing:
        policy_publish(policy=policy, actor=None)
    assert str(nothing.value) == NOTHING_TO_PUBLISH % {"n": before}
    client.force_login(User.objects.get(email="manager@iwalk.demo.example"))
    response = client.post(f"/admin/policies/policy/{policy.pk}/publish/", {"note": "again"})
    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == [NOTHING_TO_PUBLISH % {"n": before}]
    assert policy.versions.count() == before


def test_a_version_published_before_new_policy_keys_is_not_changed_by_them():
    """After an upgrade adds rule keys (advised windows, turnaround, same model …), a
    policy whose draft leaves them at their defaults has no unpublished changes; setting
    one is a change."""
    store, policy = _new_brand()
    policy_publish(policy=policy, actor=None)
    version = policy.versions.get()
    for rule in version.data["rules"]:
        for key in ("window_enforced", "refund_method", "replacement_same_model", "turnaround_length", "turnaround_outcomes"):
            rule.pop(key, None)
    for carrier in version.data["carriers"]:
        carrier.pop("any_carrier", None)
    version.save(update_fields=["data"])
    assert not policy_has_unpublished_changes(policy=policy)
    CoverageRule.objects.filter(policy=policy).update(turnaround_length=14)
    assert policy_has_unpublished_changes(policy=policy)
    CoverageRule.objects.filter(policy=policy).update(turnaround_length=None, window_enforced=False)
    assert policy_has_unpublished_changes(policy=policy)
