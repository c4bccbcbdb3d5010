"""A store's manager opens the insights from the admin index (1440 × 900), reads the
demo's figures as charts and tables, changes the period and downloads a chart's CSV,
which holds the figures on the page. axe-checked."""

import csv
import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from claims.insights import insights_for, insights_period
from demo.services import DEMO_PASSWORD
from orders.models import Store
from tests.browser.conftest import assert_accessible

pytestmark = pytest.mark.browser


def _admin_login(page, site, email):
    page.goto(f"{site.url}/admin/")
    page.get_by_label(re.compile("e-mail address", re.I)).fill(email)
    page.get_by_label(re.compile("^Password")).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()


def _table(page, slug: str) -> list[list[str]]:
    rows = page.locator(f"#chart-{slug} table tr")
    return [[cell.strip() for cell in rows.nth(n).locator("th, td").all_text_contents()] for n in range(rows.count())]


def test_a_manager_reads_insights_changes_the_period_and_downloads_a_csv(page, site):
    call_command("demo_load")
    store = Store.objects.get(slug="imirror")
    today = timezone.localtime(timezone.now(), store.time_zone).date()
    page.set_viewport_size({"width": 1440, "height": 900})
    _admin_login(page, site, "manager@imirror.demo.example")
    page.get_by_role("link", name="Insights", exact=True).click()
    expect(page.get_by_role("heading", name="Insights: IMIRROR")).to_be_visible()
    assert_accessible(page)

    # the demo's figures, as counted for the same period
    expected = insights_for(store=store, period=insights_period(store=store, today=today, days=30))
    reasons = _table(page, "reasons")
    assert reasons[1:] == [[r.label, str(r.claims)] for r in expected.reasons]
    expect(page.get_by_role("img", name=re.compile("Claims by reason, as a bar chart"))).to_be_visible()
    expect(page.locator("#chart-money table")).to_contain_text("USD")

    # another period: from a week ago to today
    page.get_by_label("From", exact=True).fill((today - timedelta(days=6)).isoformat())
    page.get_by_label("To", exact=True).fill(today.isoformat())
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_text(re.compile(r"\(7 days, America/New_York time\)"))).to_be_visible()
    assert_accessible(page)
    # a preset
    page.get_by_role("link", name="365 days").click()
    expect(page.get_by_role("link", name="365 days")).to_have_attribute("aria-current", "true")
    expect(page.get_by_text(re.compile(r"\(365 days, America/New_York time\)"))).to_be_visible()
    assert_accessible(page)

    shown = _table(page, "products")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV: Claims and claim rate by product").click()
    assert re.fullmatch(
        r"insights-imirror-products-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.csv", download.value.suggested_filename
    )
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8"))))
    assert rows == shown and len(rows) > 1


def test_the_page_asks_the_worker_to_count_the_days_and_shows_the_same_figures(page, site, celery_worker):
    """Before the worker has counted the closed days the page counts them from the claims
    and orders (and says so) and asks the worker to count them; once it has, the page
    reads them from the daily totals: the same figures, and no note."""
    from django.core.cache import cache

    from claims.models import InsightsDay
    from tests.waiting import wait_until

    call_command("demo_load")
    store = Store.objects.get(slug="imirror")
    yesterday = timezone.localtime(timezone.now(), store.time_zone).date() - timedelta(days=1)
    page.set_viewport_size({"width": 1440, "height": 900})
    _admin_login(page, site, "manager@imirror.demo.example")
    page.goto(f"{site.url}/admin/insights/?store={store.pk}&days=365")
    note = page.get_by_test_id("insights-not-in-tables")
    expect(note).to_contain_text("not in the daily totals yet")
    before = {slug: _table(page, slug) for slug in ("reasons", "products", "sla", "money")}
    assert len(before["products"]) > 1

    # the worker, asked by the page, counts every closed day of every store
    assert wait_until(lambda: InsightsDay.objects.filter(store=store, day=yesterday).exists(), timeout=90)
    cache.clear()  # the page's count is kept a minute: count again now
    page.reload()
    expect(page.get_by_role("heading", name="Insights: IMIRROR")).to_be_visible()
    expect(note).to_have_count(0)
    assert {slug: _table(page, slug) for slug in before} == before
    assert_accessible(page)
