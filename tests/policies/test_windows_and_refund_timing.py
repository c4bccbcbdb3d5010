"""Issue #14, policy concepts as data: advised (soft) windows, extra working days in the
store calendar, rules that are not open yet naming when they open, and the refund timing
as a range with its method. Pure engine tests with hand-made policies, the launch
brands' published policies (demo loader → publish → snapshot), and the calendar as the
store's rows build it."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from claims import clocks
from policies.calendar import BusinessCalendar
from policies.engine import PolicyData, ReasonData, RuleData, Status, evaluate, refund_timing_text
from policies.models import CoverageRule, Policy, Reason, ReturnCarrier, StoreClosure, StoreWorkingDay
from policies.selectors import store_calendar
from policies.services import policy_publish, policy_validate
from policies.snapshot import policy_data
from tests.factories import StoreFactory
from tests.policies.conftest import decide, facts, local, rule

pytestmark = pytest.mark.django_db

NY = ZoneInfo("America/New_York")
SHANGHAI = ZoneInfo("Asia/Shanghai")
CAL = BusinessCalendar(time_zone="America/New_York")
TRANSIT = ReasonData(code="transit", label="Damaged in transit", kind="damaged_in_transit")
MIND = ReasonData(code="mind", label="Changed my mind", kind="change_of_mind")


def _policy(*rules: RuleData, note: str = "") -> PolicyData:
    return PolicyData(
        store_name="Lumen Lamps",
        currency="USD",
        store_country="US",
        default_review_working_days=3,
        rules=rules,
        reasons=(TRANSIT, MIND),
        funds_arrival_note=note,
    )


def _transit_rule(**fields) -> RuleData:
    values = {
        "code": "transit",
        "name": "Transit damage",
        "reason_codes": ("transit",),
        "window_unit": "hours",
        "window_length": 48,
        "window_anchor": "delivered",
        "window_enforced": False,
        "outcomes": ("replacement",),
        "requires_return": False,
        "return_shipping_payer": "none",
    }
    values.update(fields)
    return RuleData(**values)


# --- 1. advised (soft) windows ------------------------------------------------------------


def test_advised_window_within_its_length_asks_for_a_report_by_a_time_in_the_store_zone():
    delivered = datetime(2026, 11, 2, 10, 0, tzinfo=NY)
    decision = evaluate(
        policy=_policy(_transit_rule()), purchase=facts(delivered_at=delivered), calendar=CAL, reason=TRANSIT, now=delivered + timedelta(hours=47)
    )
    transit = decision.rules[0]
    assert transit.status == Status.ELIGIBLE and not transit.reported_late
    assert transit.deadline.code == "advised_by" and transit.deadline.at == delivered + timedelta(hours=48)
    assert "Please report it within 48 hours, by 4 Nov 2026, 10:00 (America/New_York)" in transit.explanation[0]


def test_advised_window_past_its_length_stays_open_says_so_and_is_flagged_reported_late():
    delivered = datetime(2026, 11, 2, 10, 0, tzinfo=NY)
    late = evaluate(
        policy=_policy(_transit_rule()), purchase=facts(delivered_at=delivered), calendar=CAL, reason=TRANSIT, now=delivered + timedelta(hours=48, seconds=1)
    )
    transit = late.rules[0]
    assert transit.status == Status.ELIGIBLE and transit.reported_late
    assert "We ask you to report it within 48 hours (by 4 Nov 2026, 10:00 (America/New_York))" in transit.explanation[0]
    assert "staff will look at your late report" in transit.explanation[0]
    # the same window enforced closes the rule
    enforced = evaluate(
        policy=_policy(_transit_rule(window_enforced=True)),
        purchase=facts(delivered_at=delivered),
        calendar=CAL,
        reason=TRANSIT,
        now=delivered + timedelta(hours=48, seconds=1),
    )
    assert enforced.rules[0].status == Status.NOT_ELIGIBLE and not enforced.rules[0].reported_late


def test_as_soon_as_possible_has_no_length_and_never_closes():
    delivered = datetime(2026, 1, 5, 10, 0, tzinfo=NY)
    decision = evaluate(
        policy=_policy(_transit_rule(window_length=None, window_unit="calendar_days")),
        purchase=facts(delivered_at=delivered),
        calendar=CAL,
        reason=TRANSIT,
        now=delivered + timedelta(days=400),
    )
    transit = decision.rules[0]
    assert transit.status == Status.ELIGIBLE and not transit.reported_late
    assert transit.deadline.at is None and "Please report it as soon as possible." in transit.explanation[0]


def test_advised_window_day_count_ends_at_the_end_of_the_local_day():
    delivered = datetime(2026, 11, 2, 23, 30, tzinfo=NY)  # already 3 Nov in UTC
    rule_2_days = _transit_rule(window_unit="calendar_days", window_length=2)
    on_time = evaluate(policy=_policy(rule_2_days), purchase=facts(delivered_at=delivered), calendar=CAL, reason=TRANSIT, now=datetime(2026, 11, 4, 23, 59, tzinfo=NY))
    late = evaluate(policy=_policy(rule_2_days), purchase=facts(delivered_at=delivered), calendar=CAL, reason=TRANSIT, now=datetime(2026, 11, 5, 0, 0, tzinfo=NY))
    assert not on_time.rules[0].reported_late and late.rules[0].reported_late
    assert late.rules[0].eligible


def _brand_policy(store) -> Policy:
    policy = Policy.objects.create(store=store, name="Lumen Lamps returns")
    ReturnCarrier.objects.create(policy=policy, name="UPS", tracking_pattern=r"^1Z\w{16}$")
    return policy


def test_advised_window_is_validated_on_publish_and_kept_in_the_snapshot():
    store = StoreFactory(slug="lumen")
    policy = _brand_policy(store)
    transit = Reason.objects.create(store=store, code="transit", label="Damaged in transit", kind="damaged_in_transit")
    soft = CoverageRule.objects.create(
        policy=policy,
        code="transit",
        name="Transit damage",
        window_unit="calendar_days",
        window_anchor="delivered",
        window_enforced=False,
        outcomes=["replacement"],
        requires_return=False,
        return_shipping_payer="none",
    )
    soft.reasons.add(transit)
    assert policy_validate(policy=policy) == []  # "as soon as possible": no length needed when advised
    soft.window_unit, soft.window_until = "until_event", "delivered"
    soft.save()
    problems = policy_validate(policy=policy)
    assert any("Only a window counted in hours, days or months can be advised" in p for p in problems)
    soft.window_unit, soft.window_until, soft.window_length = "hours", "", 48
    soft.save()
    version = policy_publish(policy=policy, actor=None)
    assert version.data["rules"][0]["window_enforced"] is False


# --- 2. extra working days ---------------------------------------------------------------


def _shanghai_store():
    store = StoreFactory(slug="shenzhen-parts", time_zone="Asia/Shanghai", country="CN", currency="CNY")
    StoreWorkingDay.objects.create(store=store, day=date(2026, 11, 14), reason="Make-up working Saturday")
    StoreClosure.objects.create(store=store, day=date(2026, 11, 18), reason="Stocktaking")
    store.refresh_from_db()  # opening hours as times, as a page reads them
    return store


def test_working_days_count_an_extra_working_saturday_and_skip_a_closure():
    calendar = store_calendar(store=_shanghai_store(), around=datetime(2026, 11, 1, tzinfo=SHANGHAI))
    friday = date(2026, 11, 13)
    assert calendar.is_working_day(date(2026, 11, 14)) and not calendar.is_working_day(date(2026, 11, 21))
    assert not calendar.is_working_day(date(2026, 11, 18))
    # Sat 14 (make-up), Mon 16, Tue 17, [Wed 18 closed], Thu 19
    assert [calendar.add_working_days_to_date(friday, n) for n in (1, 2, 3, 4)] == [
        date(2026, 11, 14),
        date(2026, 11, 16),
        date(2026, 11, 17),
        date(2026, 11, 19),
    ]
    assert calendar.working_days_between(friday, date(2026, 11, 19)) == 4


def test_extra_working_day_boundaries_are_in_the_store_time_zone():
    calendar = store_calendar(store=_shanghai_store(), around=datetime(2026, 11, 1, tzinfo=SHANGHAI))
    friday_late = datetime(2026, 11, 13, 23, 30, tzinfo=SHANGHAI)  # 15:30 UTC, Friday everywhere
    saturday_early = datetime(2026, 11, 14, 0, 30, tzinfo=SHANGHAI)  # still Friday 16:30 in UTC
    # refund due in 1 business day: the make-up Saturday for Friday, Monday for Saturday
    assert clocks.refund_due(calendar, friday_late, 1) == datetime.combine(date(2026, 11, 14), time.max, tzinfo=SHANGHAI)
    assert clocks.refund_due(calendar, saturday_early, 1) == datetime.combine(date(2026, 11, 16), time.max, tzinfo=SHANGHAI)
    # a review SLA of 1 working day (8 working hours) from Friday 16:00: 1 h Friday, 7 h on the Saturday
    assert clocks.review_due(calendar, datetime(2026, 11, 13, 16, 0, tzinfo=SHANGHAI), 1) == datetime(2026, 11, 14, 16, 0, tzinfo=SHANGHAI)
    # across the closure: 2 working days from Tuesday 16:00 run 1 h Tue, 8 h Thu, 7 h Fri
    assert clocks.review_due(calendar, datetime(2026, 11, 17, 16, 0, tzinfo=SHANGHAI), 2) == datetime(2026, 11, 20, 16, 0, tzinfo=SHANGHAI)


def test_a_closure_wins_over_an_extra_working_day_and_the_form_says_so():
    store = _shanghai_store()
    StoreWorkingDay.objects.create(store=store, day=date(2026, 11, 18), reason="entered twice")
    calendar = store_calendar(store=store, around=datetime(2026, 11, 1, tzinfo=SHANGHAI))
    assert not calendar.is_working_day(date(2026, 11, 18))
    with pytest.raises(ValidationError, match="closed that day"):
        StoreWorkingDay(store=store, day=date(2026, 11, 18)).full_clean(validate_unique=False)


# --- 3. not yet open: say when it opens ---------------------------------------------------


def test_kwoking_processed_undelivered_cancel_names_the_60_day_return_once_delivered(brands):
    """Demo-brand mismatch: cancelling after processing was refused with no alternative,
    though KWOKING's text offers its 60-day return once the parcel arrives."""
    kw = brands["kwoking"]
    now = local(kw, 2026, 10, 10, 12, 0)
    decision = decide(
        kw,
        "cancel",
        now=now,
        placed_at=local(kw, 2026, 10, 8, 12, 0),
        processed_at=now - timedelta(hours=2),
        shipped_at=now - timedelta(hours=1),
        expected_ship_at=now + timedelta(days=2),
    )
    assert rule(decision, "cancel").status == Status.NOT_ELIGIBLE
    first = decision.alternatives[0]
    assert first.rule_code == "conditional-60" and first.not_yet_open
    assert first.text == "Once your parcel is delivered, you can return it within 60 days (“60-day conditional return”)."
    assert first.text in decision.summary
    assert {a.rule_code for a in decision.alternatives if a.not_yet_open} == {"conditional-60", "doa-14", "warranty"}


def test_a_covering_rule_not_open_yet_says_when_it_opens(brands):
    kw = brands["kwoking"]
    now = local(kw, 2026, 10, 15, 12, 0)
    doa = rule(decide(kw, "not-working", now=now, shipped_at=local(kw, 2026, 10, 10, 9, 0)), "doa-14")
    assert doa.status == Status.NOT_YET_OPEN
    assert doa.explanation[1] == "Once your parcel is delivered, you can claim within 14 days (“14-day DOA guarantee”)."


def test_a_rule_counted_from_shipping_names_the_expected_ship_date():
    ships = RuleData(
        code="early",
        name="Early-bird return",
        reason_codes=("mind",),
        window_unit="calendar_days",
        window_length=10,
        window_anchor="shipped",
        outcomes=("refund",),
    )
    cancel = RuleData(code="cancel", name="Cancel", reason_codes=("transit",), window_unit="until_event", window_until="processed", outcomes=("cancel_refund",))
    now = datetime(2026, 11, 2, 10, 0, tzinfo=NY)
    decision = evaluate(
        policy=_policy(ships, cancel),
        purchase=facts(processed_at=now - timedelta(hours=1), expected_ship_at=datetime(2026, 11, 5, 12, 0, tzinfo=NY)),
        calendar=CAL,
        reason=TRANSIT,
        now=now,
    )
    assert decision.alternatives[0].text == "Once your order ships (expected by 5 Nov 2026), you can return it within 10 days (“Early-bird return”)."


# --- 4. refund timing: a range with its method, only where money is paid ------------------


def test_refund_timing_range_and_method_only_where_an_outcome_pays_money():
    paying = _transit_rule(
        outcomes=("refund", "replacement"), refund_min_business_days=7, refund_due_business_days=14, refund_clock="inspection", refund_method="original_payment"
    )
    assert refund_timing_text(paying, "Your bank needs a few days.") == (
        "Refund within 7–14 business days after inspection, to your original payment method. Your bank needs a few days."
    )
    repair = _transit_rule(outcomes=("repair",), refund_due_business_days=14)
    address = _transit_rule(outcomes=("address_changed",))
    assert refund_timing_text(repair, "Your bank needs a few days.") == ""
    assert refund_timing_text(address, "Your bank needs a few days.") == ""
    decision = evaluate(
        policy=_policy(_transit_rule(outcomes=("repair",)), note="Your bank needs a few days."),
        purchase=facts(delivered_at=datetime(2026, 11, 2, 10, 0, tzinfo=NY)),
        calendar=CAL,
        reason=TRANSIT,
        now=datetime(2026, 11, 2, 12, 0, tzinfo=NY),
    )
    assert decision.rules[0].refund_timing == ""


def test_demo_brands_refund_timing_from_the_matrix(brands):
    im, kw, vc = brands["imirror"], brands["kwoking"], brands["voltaic"]
    delivered = local(im, 2026, 10, 1, 14, 0)
    imirror = rule(decide(im, "not-satisfied", now=delivered + timedelta(days=3), delivered_at=delivered), "return-30")
    assert imirror.refund_timing.startswith("Refund within 10 business days after we receive the return, to your original payment method.")  # S6
    assert "7–10 business days" in imirror.refund_timing  # S7
    now = local(kw, 2026, 10, 10, 12, 0)
    cancel = rule(decide(kw, "cancel", now=now, placed_at=now - timedelta(days=1)), "cancel")
    assert cancel.refund_timing.startswith("Refund within 5 business days after approval, to your original payment method.")  # S8
    defect = rule(decide(vc, "defect", now=local(vc, 2026, 10, 3, 10, 0), delivered_at=local(vc, 2026, 10, 1, 10, 0)), "quality-defect")
    assert defect.refund_timing.startswith("Refund within 2 business days after inspection")  # S4, S5
    warranty = rule(decide(kw, "broke-later", now=now, delivered_at=now - timedelta(days=30)), "warranty")
    assert warranty.refund_timing == ""  # repairs and replacements pay no money


def test_refund_range_is_validated_on_publish_and_the_clock_keeps_the_maximum():
    store = StoreFactory(slug="lumen-refunds")
    policy = _brand_policy(store)
    mind = Reason.objects.create(store=store, code="mind", label="Changed my mind", kind="change_of_mind")
    ret = CoverageRule.objects.create(
        policy=policy,
        code="return",
        name="30-day return",
        window_length=30,
        window_unit="calendar_days",
        window_anchor="delivered",
        outcomes=["refund"],
        refund_min_business_days=14,
        refund_due_business_days=7,
        refund_clock="inspection",
        refund_method="original_payment",
    )
    ret.reasons.add(mind)
    assert any("The earliest refund cannot be later than the latest." in p for p in policy_validate(policy=policy))
    ret.refund_min_business_days, ret.refund_due_business_days = 7, 14
    ret.save()
    version = policy_publish(policy=policy, actor=None)
    data = policy_data(version.data, store_name="Lumen", currency="USD", store_country="US", default_review_working_days=3)
    assert (data.rules[0].refund_min_business_days, data.rules[0].refund_due_business_days, data.rules[0].refund_method) == (7, 14, "original_payment")
    ret.outcomes = ["repair"]
    ret.save()
    assert any("Refund timing needs an outcome that pays money" in p for p in policy_validate(policy=policy))


def test_a_version_published_before_these_fields_reads_with_defaults():
    old = {
        "rules": [
            {"code": "r", "name": "R", "reason_codes": ["mind"], "window_unit": "calendar_days", "window_length": 30, "window_anchor": "delivered", "outcomes": ["refund"]}
        ]
    }
    data = policy_data(old, store_name="S", currency="USD", store_country="US", default_review_working_days=3)
    assert data.rules[0].window_enforced is True
    assert (data.rules[0].refund_min_business_days, data.rules[0].refund_method) == (None, "")
