"""A coverage rule's window counted from, or open until, a named order event
("within 30 days of payment confirmation", "cancel until the product is in stock"):
validated on publish, frozen with the event's words in the version, evaluated in the
store's time zone, told to the shopper with those words, not yet open (or still open)
while the event has not happened, and tried in the admin with event times set."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from orders.models import OrderEvent, OrderEventType
from policies.calendar import BusinessCalendar
from policies.engine import PolicyData, ReasonData, RuleData, Status, evaluate
from policies.models import CoverageRule, Policy, Reason, ReturnCarrier
from policies.selectors import (
    decision_for_purchase,
    policy_data_for_version,
    policy_has_unpublished_changes,
    purchase_facts_for_line,
    purchase_facts_with_events,
)
from policies.services import policy_publish, policy_validate
from policies.snapshot import policy_data, policy_snapshot
from tests.factories import OrderLineFactory, StoreFactory, UserFactory
from tests.policies.conftest import facts

SHANGHAI = ZoneInfo("Asia/Shanghai")
CALENDAR = BusinessCalendar(time_zone="Asia/Shanghai")

RETURN = RuleData(
    code="return30",
    name="30-day return",
    reason_codes=("mind",),
    window_unit="calendar_days",
    window_length=30,
    window_anchor="event",
    window_anchor_event="payment_confirmed",
    window_anchor_event_label="payment confirmation",
    outcomes=("refund",),
)
CANCEL = RuleData(
    code="cancel",
    name="Cancellation",
    reason_codes=("cancel",),
    window_unit="until_event",
    window_until="event",
    window_until_event="in_stock",
    window_until_event_label="in-stock date",
    window_until_event_words="the product is in stock",
    outcomes=("cancel_refund",),
    requires_return=False,
    return_shipping_payer="none",
)
POLICY = PolicyData(
    store_name="Mirror Works",
    currency="CNY",
    store_country="CN",
    default_review_working_days=2,
    rules=(RETURN, CANCEL),
    reasons=(ReasonData("mind", "I changed my mind", "change_of_mind"), ReasonData("cancel", "Cancel my order", "cancellation")),
)
# 00:30 on 2 Jan in Shanghai is still 1 Jan in UTC: the window counts from the local day
PAID = datetime(2027, 1, 2, 0, 30, tzinfo=SHANGHAI)


def _decide(reason, now, events=(), policy=POLICY):
    return evaluate(
        policy=policy,
        purchase=facts(currency="CNY", placed_at=PAID - timedelta(days=1), events=tuple(events)),
        calendar=CALENDAR,
        reason=policy.reason(reason),
        answers={},
        now=now,
    )


def test_a_window_counted_from_an_order_event_ends_at_the_end_of_the_stores_local_day():
    events = [("payment_confirmed", PAID)]
    last_moment = _decide("mind", datetime(2027, 2, 1, 23, 59, tzinfo=SHANGHAI), events)
    rule = last_moment.rules[0]
    assert rule.status == Status.ELIGIBLE
    assert rule.deadline.at == datetime(2027, 2, 1, 23, 59, 59, 999999, tzinfo=SHANGHAI)
    assert rule.explanation[0] == (
        "Payment confirmation was on 2 Jan 2027; you can claim within 30 days of payment confirmation (until 1 Feb 2027)."
    )
    too_late = _decide("mind", datetime(2027, 2, 2, 0, 0, tzinfo=SHANGHAI), events).rules[0]
    assert too_late.status == Status.NOT_ELIGIBLE
    assert too_late.explanation[0] == (
        "Payment confirmation was on 2 Jan 2027; “30-day return” was possible within 30 days of payment confirmation, until 1 Feb 2027."
    )


def test_a_window_counted_from_an_event_that_has_not_happened_is_not_yet_open_and_says_when_it_opens():
    decision = _decide("mind", datetime(2027, 1, 5, 12, 0, tzinfo=SHANGHAI), [("in_stock", PAID)])
    assert decision.rules[0].status == Status.NOT_YET_OPEN
    text = "“30-day return” opens with payment confirmation, which has not happened yet: from then you can claim within 30 days of payment confirmation."
    assert decision.rules[0].explanation == (text,)
    assert decision.summary == text
    # an event dated after "now" has not happened yet either (Try it's "as if on")
    assert _decide("mind", PAID - timedelta(minutes=1), [("payment_confirmed", PAID)]).rules[0].status == Status.NOT_YET_OPEN


def test_hours_and_working_days_from_an_event_are_counted_in_the_stores_zone():
    hours = replace(RETURN, window_unit="hours", window_length=48)
    working = replace(RETURN, window_unit="working_days", window_length=2)
    events = [("payment_confirmed", datetime(2027, 1, 8, 18, 0, tzinfo=SHANGHAI))]  # a Friday evening
    by_hours = _decide("mind", datetime(2027, 1, 10, 17, 59, tzinfo=SHANGHAI), events, replace(POLICY, rules=(hours,))).rules[0]
    assert by_hours.eligible and "within 48 hours of payment confirmation (until 10 Jan 2027, 18:00 (Asia/Shanghai))" in by_hours.explanation[0]
    by_days = _decide("mind", datetime(2027, 1, 12, 23, 0, tzinfo=SHANGHAI), events, replace(POLICY, rules=(working,))).rules[0]
    assert by_days.eligible and by_days.deadline.at == datetime(2027, 1, 12, 23, 59, 59, 999999, tzinfo=SHANGHAI)
    assert not _decide("mind", datetime(2027, 1, 13, 0, 0, tzinfo=SHANGHAI), events, replace(POLICY, rules=(working,))).eligible


def test_a_window_open_until_an_order_event_closes_when_it_happens():
    now = datetime(2027, 1, 6, 9, 0, tzinfo=SHANGHAI)
    before = _decide("cancel", now).rules[0]
    assert before.status == Status.ELIGIBLE
    assert before.explanation[0] == "Possible until the product is in stock."
    assert before.deadline.label == "Open until the product is in stock" and before.deadline.at is None

    in_stock = datetime(2027, 1, 6, 8, 59, tzinfo=SHANGHAI)
    after = _decide("cancel", now, [("in_stock", in_stock)]).rules[0]
    assert after.status == Status.NOT_ELIGIBLE
    assert after.explanation[0] == "“Cancellation” was possible until the product is in stock, which happened on 6 Jan 2027: it is no longer possible."
    # reported for later than now: still open
    assert _decide("cancel", now, [("in_stock", now + timedelta(hours=1))]).rules[0].status == Status.ELIGIBLE


def test_an_open_event_window_is_offered_as_the_alternative():
    decision = _decide("cancel", datetime(2027, 1, 6, 9, 0, tzinfo=SHANGHAI), [("in_stock", PAID), ("payment_confirmed", PAID)])
    assert not decision.eligible
    assert decision.alternatives[0].rule_code == "return30"
    assert "within 30 days of payment confirmation (until 1 Feb 2027)" in decision.alternatives[0].text


# --- through the models: publish, snapshot, selectors, pages ------------------------------


def _brand(db_events=True):
    store = StoreFactory(name="Mirror Works", slug="mirrorworks", country="CN", time_zone="Asia/Shanghai", currency="CNY")
    policy = Policy.objects.create(store=store, name="Returns")
    ReturnCarrier.objects.create(policy=policy, name="SF Express", tracking_pattern=r"^SF\d{12}$")
    paid = OrderEventType.objects.create(store=store, name="payment_confirmed", label="payment confirmation")
    stock = OrderEventType.objects.create(store=store, name="in_stock", label="in-stock date", until_words="the product is in stock")
    mind = Reason.objects.create(store=store, code="mind", label="I changed my mind", kind="change_of_mind")
    cancel = Reason.objects.create(store=store, code="cancel", label="Cancel my order", kind="cancellation")
    ret = CoverageRule.objects.create(
        policy=policy, code="return30", name="30-day return", window_length=30, window_unit="calendar_days",
        window_anchor="event", window_anchor_event=paid, outcomes=["refund"],
    )  # fmt: skip
    ret.reasons.add(mind)
    can = CoverageRule.objects.create(
        policy=policy, code="cancel", name="Cancellation", window_unit="until_event", window_until="event",
        window_until_event=stock, outcomes=["cancel_refund"], requires_return=False, return_shipping_payer="none",
    )  # fmt: skip
    can.reasons.add(cancel)
    return store, policy, paid, stock


@pytest.mark.django_db
def test_the_published_version_carries_the_event_and_its_words_and_the_order_events_decide():
    store, policy, paid, stock = _brand()
    version = policy_publish(policy=policy, actor=None)
    rules = {r["code"]: r for r in version.data["rules"]}
    assert (rules["return30"]["window_anchor_event"], rules["return30"]["window_anchor_event_label"]) == ("payment_confirmed", "payment confirmation")
    assert rules["cancel"]["window_until_event_words"] == "the product is in stock"
    # renaming the event later changes the draft, never the published version
    paid.label = "confirmed payment"
    paid.save()
    assert policy_has_unpublished_changes(policy=policy)
    data = policy_data_for_version(version=version)

    line = OrderLineFactory(order__store=store, order__currency="CNY", order__placed_at=PAID - timedelta(days=1), order__delivered_at=None)
    OrderEvent.objects.create(order=line.order, event_type=paid, occurred_at=PAID, source="webhook")
    purchase = purchase_facts_for_line(line=line)
    assert purchase.events == (("payment_confirmed", PAID),)
    decision = decision_for_purchase(store=store, policy=data, purchase=purchase, reason_code="mind", answers={}, now=datetime(2027, 2, 1, 23, 0, tzinfo=SHANGHAI))
    assert decision.eligible
    assert "within 30 days of payment confirmation (until 1 Feb 2027)" in decision.rules[0].explanation[0]
    # Try it's hypothetical times replace the order's own
    moved = purchase_facts_with_events(purchase=purchase, events={"payment_confirmed": PAID - timedelta(days=5)})
    assert not decision_for_purchase(store=store, policy=data, purchase=moved, reason_code="mind", answers={}, now=datetime(2027, 2, 1, 23, 0, tzinfo=SHANGHAI)).eligible


@pytest.mark.django_db
def test_rules_without_order_events_keep_their_snapshot_and_old_versions_read_with_defaults():
    store, policy, _paid, _stock = _brand()
    CoverageRule.objects.filter(code="cancel").delete()
    plain = policy.rules.get()
    plain.window_anchor, plain.window_anchor_event = "placed", None
    plain.save()
    document = policy_snapshot(policy)
    assert "window_anchor_event" not in document["rules"][0]  # versions published before this change stay equal
    rule = policy_data(document, store_name="x", currency="CNY", store_country="CN", default_review_working_days=2).rules[0]
    assert (rule.window_anchor_event, rule.window_until_event, rule.window_until_event_words) == ("", "", "")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"code": "return30", "window_anchor_event": None}, "window_anchor_event: The window is counted from an order event: choose which one."),
        ({"code": "cancel", "window_until_event": None}, "window_until_event: The window is open until an order event: choose which one."),
        ({"code": "return30", "window_anchor": "delivered"}, "window_anchor_event: Choose “counted from: an order event” to count the window"),
        ({"code": "cancel", "window_until": "shipped"}, "window_until_event: Choose “open until an event happens”"),
        ({"code": "return30", "other_store": True}, "window_anchor_event: Pick an order event of the policy's store."),
    ],
)
def test_publishing_refuses_an_event_window_without_its_event(change, message):
    store, policy, _paid, _stock = _brand()
    change = dict(change)
    rule = CoverageRule.objects.get(policy=policy, code=change.pop("code"))
    if change.pop("other_store", False):
        rule.window_anchor_event = OrderEventType.objects.create(store=StoreFactory(), name="payment_confirmed", label="elsewhere")
    for field, value in change.items():
        setattr(rule, field, value)
    rule.save()
    problems = policy_validate(policy=policy)
    assert any(message in problem for problem in problems), problems
    with pytest.raises(Exception, match="order event"):
        policy_publish(policy=policy, actor=None)


@pytest.mark.django_db
def test_the_public_policy_page_describes_the_window_with_the_events_words(client):
    store, policy, _paid, _stock = _brand()
    policy_publish(policy=policy, actor=None)
    page = client.get(reverse("policies:policy_page", args=[store.slug])).content.decode()
    assert "Within 30 days of payment confirmation." in page
    assert "Until the product is in stock." in page


@pytest.mark.django_db
def test_try_it_sets_the_event_times_of_the_hypothetical_order(client):
    store, policy, paid, _stock = _brand()
    policy_publish(policy=policy, actor=None)
    line = OrderLineFactory(order__store=store, order__currency="CNY", order__delivered_at=None, unit_price=Decimal("100.00"))
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    url = reverse("admin:policies_policy_try", args=[policy.pk])
    query = {"version": "published", "source": "order", "order_line": line.pk, "reason": Reason.objects.get(code="mind").pk, "now": "2027-02-01 23:00"}

    form_page = client.get(url).content.decode()
    assert "Event: payment confirmation" in form_page and "Event: in-stock date" in form_page

    not_yet = client.get(url, query).content.decode()
    assert "opens with payment confirmation, which has not happened yet" in not_yet

    opened = client.get(url, {**query, "event_payment_confirmed": "2027-01-02 00:30"}).content.decode()
    assert "Payment confirmation was on 2 Jan 2027; you can claim within 30 days of payment confirmation (until 1 Feb 2027)." in opened

    offline = {**query, "source": "offline", "product": line.product.pk, "purchased_on": "2027-01-01 10:00", "price": "100", "country": "CN"}
    assert "opens with payment confirmation" in client.get(url, offline).content.decode()
    assert "until 1 Feb 2027" in client.get(url, {**offline, "event_payment_confirmed": "2027-01-02 00:30"}).content.decode()


def test_utc_is_not_the_stores_day():
    """The 2 Jan 00:30 Shanghai payment is 1 Jan in UTC; counting in UTC would end a day early."""
    assert PAID.astimezone(UTC).day == 1
    assert _decide("mind", datetime(2027, 2, 1, 12, 0, tzinfo=SHANGHAI), [("payment_confirmed", PAID)]).eligible


@pytest.mark.django_db
def test_the_rule_page_offers_only_the_policy_stores_events(client):
    store, policy, paid, stock = _brand()
    OrderEventType.objects.create(store=StoreFactory(), name="payment_confirmed", label="elsewhere")
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    rule = CoverageRule.objects.get(policy=policy, code="return30")
    page = client.get(reverse("admin:policies_coveragerule_change", args=[rule.pk]))
    form = page.context["adminform"].form
    assert set(form.fields["window_anchor_event"].queryset) == {paid, stock}
    assert set(form.fields["window_until_event"].queryset) == {paid, stock}
    listing = client.get(reverse("admin:policies_policy_change", args=[policy.pk])).content.decode()
    assert "30 calendar (natural) days · payment confirmation" in listing and "until the product is in stock" in listing
