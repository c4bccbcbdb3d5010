"""The managers' insights (claims.insights, /admin/insights/): the figures on the demo data
match a direct count, the decision times and the SLA weeks on claims decided at known
moments, store scoping, and each CSV holding exactly the page's figures.

Runs on PostgreSQL (percentile_cont) and on SQLite (the same interpolation in Python):
the expected numbers are the same on both."""

import csv
import io
import re
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from html import unescape
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from claims.insights import insights_for, insights_period, percentile_cont
from claims.insights_views import insights_tables
from claims.models import Claim, ClaimEvent, Refund
from claims.services import claim_approve, claim_reject
from claims.states import DECISION_COMMANDS
from orders.models import Order, OrderLine, Store
from tests.claims.conftest import staff, submitted_claim

NEW_YORK = ZoneInfo("America/New_York")
URL = "/admin/insights/"


@pytest.fixture
def demo_claims(db):
    call_command("demo_load")
    return {store.slug: store for store in Store.objects.all()}


def _login(client, email: str) -> None:
    client.force_login(User.objects.get(email=email))


def _today(store: Store) -> date:
    return timezone.localtime(timezone.now(), store.time_zone).date()


def _page_tables(html: str) -> dict[str, list[list[str]]]:
    """Each chart's table on the page, by its section id: header row, then the rows."""
    found = {}
    for slug, body in re.findall(r'<section[^>]*id="chart-([a-z-]+)">(.*?)</section>', html, re.S):
        rows = []
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S):
            rows.append(
                [
                    unescape(re.sub(r"<[^>]+>", "", cell)).strip()
                    for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
                ]
            )
        found[slug] = rows
    return found


# --- the figures on the demo data, against a direct count --------------------------------------


def test_demo_figures_match_a_direct_count(demo_claims):
    for store in demo_claims.values():
        period = insights_period(store=store, today=_today(store), days=30)
        insights = insights_for(store=store, period=period)
        claims = [
            c
            for c in Claim.objects.filter(store=store).prefetch_related("lines__order_line")
            if c.submitted_at and period.start <= c.submitted_at < period.end
        ]
        assert claims, store  # the demo has submitted claims in every store
        assert {r.code: r.claims for r in insights.reasons} == Counter(c.reason_code for c in claims)
        assert insights.claims == len(claims)

        units_claimed: Counter = Counter()
        claims_of: dict[int, set] = defaultdict(set)
        for claim in claims:
            for line in claim.lines.all():
                product_id = line.order_line.product_id if line.order_line else claim.offline_product_id
                units_claimed[product_id] += line.quantity
                claims_of[product_id].add(claim.pk)
        units_sold: Counter = Counter()
        for line in OrderLine.objects.filter(order__store=store).select_related("order"):
            if period.start <= line.order.placed_at < period.end and line.order.status != Order.Status.CANCELLED:
                units_sold[line.product_id] += line.quantity
        for product in insights.products:
            assert product.units_claimed == units_claimed[product.product_id]
            assert product.claims == len(claims_of[product.product_id])
            assert product.units_sold == units_sold[product.product_id]
            if product.units_sold:
                assert product.rate == Decimal(units_claimed[product.product_id]) / Decimal(
                    units_sold[product.product_id]
                )
        assert {p.product_id for p in insights.products} == {*units_claimed, *units_sold}

        decisions = [
            e
            for e in ClaimEvent.objects.filter(claim__store=store, action__in=DECISION_COMMANDS)
            if period.start <= e.created_at < period.end
        ]
        assert sum(week.decided for week in insights.sla_weeks) == len(decisions)
        assert sum(week.in_time for week in insights.sla_weeks) == sum(
            1 for e in decisions if e.created_at <= e.review_due_at
        )

        refunds = [r for r in Refund.objects.filter(claim__store=store) if period.start <= r.recorded_at < period.end]
        expected = {}
        for refund in refunds:
            deducted = -sum(
                (
                    Decimal(line["amount"])
                    for line in refund.lines
                    if line["kind"] == "deduction" and not line.get("pending")
                ),
                Decimal(0),
            )
            n, refunded, taken = expected.get(refund.currency, (0, Decimal(0), Decimal(0)))
            expected[refund.currency] = (
                n + 1,
                refunded + (refund.amount if refund.kind == Refund.Kind.REFUND else 0),
                taken + deducted,
            )
        assert {m.currency: (m.refunds, m.refunded, m.deducted) for m in insights.money} == expected
    # the demo refunds a refused IMIRROR delivery
    imirror = demo_claims["imirror"]
    money = insights_for(store=imirror, period=insights_period(store=imirror, today=_today(imirror), days=30)).money
    assert [(m.currency, m.refunds) for m in money] == [("USD", 1)] and money[0].refunded > 0


def test_every_demo_decision_keeps_the_review_deadline_it_was_due_by(demo_claims):
    decisions = ClaimEvent.objects.filter(action__in=DECISION_COMMANDS)
    assert decisions.exists()
    assert not decisions.filter(review_due_at=None).exists()
    assert not ClaimEvent.objects.exclude(action__in=DECISION_COMMANDS).exclude(review_due_at=None).exists()


# --- decision times and SLA weeks on claims decided at known moments ----------------------------


@pytest.fixture
def decided_at_known_moments(request, db):
    """IMIRROR (New York, Mon-Fri 9-17, 3 working days to review): three claims submitted on
    Tue 24 Nov 2026 10:00 (due Mon 30 Nov 10:00), decided after 1 h, 2 h and 154 h."""
    travel = time_machine.travel(datetime(2026, 11, 24, 10, 0, tzinfo=NEW_YORK), tick=False)
    traveller = travel.start()
    request.addfinalizer(travel.stop)
    request.getfixturevalue("demo")
    reviewer = staff("reviewer@imirror.demo.example")
    first, second, late = (submitted_claim(number) for number in ("IM-80010", "IM-80006", "IM-80005"))
    assert late.review_due_at == datetime(2026, 11, 30, 10, 0, tzinfo=NEW_YORK)
    traveller.move_to(datetime(2026, 11, 24, 11, 0, tzinfo=NEW_YORK))
    claim_approve(claim_id=first.pk, actor=reviewer, outcome=None)
    traveller.move_to(datetime(2026, 11, 24, 12, 0, tzinfo=NEW_YORK))
    claim_reject(claim_id=second.pk, actor=reviewer, reason="Scratches on the photos.")
    traveller.move_to(datetime(2026, 11, 30, 20, 0, tzinfo=NEW_YORK))  # 10 hours late
    claim_approve(claim_id=late.pk, actor=reviewer, outcome=None)
    return Store.objects.get(slug="imirror")


def test_median_p90_and_sla_weeks_on_known_decisions(decided_at_known_moments, client):
    store = decided_at_known_moments
    period = insights_period(store=store, today=date(2026, 11, 30), days=30)
    insights = insights_for(store=store, period=period)
    # durations 1, 2 and 154 hours: median 2 h; p90 = 2 + 0.8 * (154 - 2) = 123.6 h
    assert insights.decision_times.claims == 3
    assert insights.decision_times.median == timedelta(hours=2)
    assert insights.decision_times.p90 == timedelta(hours=123.6)
    assert [(w.week, w.decided, w.in_time) for w in insights.sla_weeks] == [
        (date(2026, 11, 23), 2, 2),
        (date(2026, 11, 30), 1, 0),
    ]
    assert {r.code: r.claims for r in insights.reasons} == {"not-satisfied": 3}
    (mirror,) = [p for p in insights.products if p.claims]
    assert (mirror.sku, mirror.claims, mirror.units_claimed) == ("IM-SM32", 3, 3)

    # a period that ends before the late decision: two decisions, both in time
    week = insights_for(store=store, period=insights_period(store=store, today=date(2026, 11, 29), days=7))
    assert (week.decision_times.claims, week.decision_times.median, week.decision_times.p90) == (
        2,
        timedelta(hours=1.5),
        timedelta(hours=1.9),
    )
    assert [(w.week, w.decided, w.in_time) for w in week.sla_weeks] == [(date(2026, 11, 23), 2, 2)]

    _login(client, "manager@imirror.demo.example")
    response = client.get(URL, {"store": store.pk, "first": "2026-11-01", "last": "2026-11-30"})
    assert response.status_code == 200
    tables = _page_tables(response.content.decode())
    assert tables["decision-time"][1:] == [["Median", "2.0"], ["90th percentile", "123.6"], ["Claims decided", "3"]]
    assert tables["sla"][1:] == [["2026-11-23", "2", "2", "100.0"], ["2026-11-30", "1", "0", "0.0"]]


def test_percentile_cont_interpolates_as_postgresql_does():
    assert percentile_cont([], 0.5) is None
    assert percentile_cont([5.0], 0.9) == 5.0
    assert percentile_cont([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5
    assert percentile_cont([1.0, 2.0, 154.0], 0.9) == pytest.approx(123.6)


# --- the page: scoping, periods, CSV ---------------------------------------------------------------


def test_another_stores_manager_sees_none_of_them(demo_claims, client):
    imirror, iwalk = demo_claims["imirror"], demo_claims["iwalk"]
    _login(client, "manager@iwalk.demo.example")
    page = client.get(URL).content.decode()
    assert "Insights: iWALK" in page
    assert f'<option value="{imirror.pk}"' not in page
    # asking for another store's figures is refused by the form: the page stays on their own
    asked = client.get(URL, {"store": imirror.pk, "days": 30})
    assert asked.status_code == 200
    html = asked.content.decode()
    assert "Insights: iWALK" in html and "IMIRROR" not in html
    csv_text = client.get(URL, {"store": imirror.pk, "days": 30, "csv": "reasons"}).content.decode()
    iwalk_reasons = {
        r.label
        for r in insights_for(store=iwalk, period=insights_period(store=iwalk, today=_today(iwalk), days=30)).reasons
    }
    imirror_reasons = {
        r.label
        for r in insights_for(
            store=imirror, period=insights_period(store=imirror, today=_today(imirror), days=30)
        ).reasons
    }
    rows = list(csv.reader(io.StringIO(csv_text)))[1:]
    assert {row[0] for row in rows} == iwalk_reasons and not (
        {row[0] for row in rows} & (imirror_reasons - iwalk_reasons)
    )


def test_reviewers_and_warehouse_staff_have_no_insights(demo_claims, client):
    for email in ("reviewer@iwalk.demo.example", "warehouse@iwalk.demo.example"):
        _login(client, email)
        assert client.get(URL).status_code == 403
        assert f'href="{reverse("insights")}"' not in client.get("/admin/").content.decode()
    _login(client, "manager@iwalk.demo.example")
    assert f'href="{reverse("insights")}"' in client.get("/admin/").content.decode()


def test_superuser_picks_any_store(demo_claims, client):
    _login(client, "admin@demo.example")
    page = client.get(URL).content.decode()
    for store in demo_claims.values():
        assert f'<option value="{store.pk}"' in page
    voltaic = demo_claims["voltaic"]
    assert "Insights: Voltaic Components" in client.get(URL, {"store": voltaic.pk, "days": 90}).content.decode()


def test_each_csv_holds_exactly_the_figures_on_the_page(demo_claims, client, django_assert_max_num_queries):
    _login(client, "manager@imirror.demo.example")
    imirror = demo_claims["imirror"]
    for days in (30, 365):
        with django_assert_max_num_queries(25):
            html = client.get(URL, {"store": imirror.pk, "days": days}).content.decode()
        tables = _page_tables(html)
        assert set(tables) == {"reasons", "products", "decision-time", "sla", "money"}
        period = insights_period(store=imirror, today=_today(imirror), days=days)
        for table in insights_tables(insights_for(store=imirror, period=period)):
            response = client.get(
                URL,
                {
                    "store": imirror.pk,
                    "first": period.first.isoformat(),
                    "last": period.last.isoformat(),
                    "csv": table.slug,
                },
            )
            assert response["Content-Type"].startswith("text/csv") and "attachment" in response["Content-Disposition"]
            rows = list(csv.reader(io.StringIO(response.content.decode())))
            assert rows == tables[table.slug], table.slug
            assert rows[1:], table.slug  # the demo has figures for every chart
    assert client.get(URL, {"store": imirror.pk, "csv": "nothing"}).status_code == 404
