"""Staff sign in to the admin with the demo logins and see only their stores'
orders; a manager imports orders from a CSV file. axe-checked."""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from demo.services import DEMO_PASSWORD
from tests.browser.conftest import assert_accessible

pytestmark = pytest.mark.browser


def _admin_login(page, site, email):
    page.goto(f"{site.url}/admin/")
    page.get_by_label(re.compile("e-mail address", re.I)).fill(email)
    page.get_by_label(re.compile("^Password")).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_demo_reviewer_sees_only_their_store(page, site):
    call_command("demo_load")
    page.goto(f"{site.url}/admin/")
    assert_accessible(page)
    _admin_login(page, site, "reviewer@iwalk.demo.example")
    expect(page.get_by_role("heading", name="Claims, orders and stores")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("rowheader", name="Orders").get_by_role("link").click()
    expect(page.get_by_role("link", name="IW-10001")).to_be_visible()
    expect(page.get_by_role("link", name="KW-50001")).to_have_count(0)
    assert_accessible(page)
    page.get_by_role("link", name="IW-10045").click()
    expect(page.get_by_text("iWALK MAG-X 10000 mAh magnetic power bank").first).to_be_visible()
    assert_accessible(page)
    other = page.goto(re.sub(r"/\d+/change/$", "/", page.url) + "?q=KW-50001")
    assert other.ok
    expect(page.get_by_text("0 orders")).to_be_visible()


def test_manager_imports_orders_from_csv(page, site, tmp_path):
    call_command("demo_load")
    csv_file = tmp_path / "orders.csv"
    csv_file.write_text(
        "store,order_number,customer_email,customer_name,channel,shipping_country,placed_at,delivered_at,sku,quantity,unit_price,discount,bundle_group,gift\n"
        "iwalk,IW-90001,new@example.com,New Buyer,online,US,2026-10-01T10:00:00+00:00,,IW-LP5,1,29.99,0,,\n"
        "iwalk,IW-90002,new@example.com,New Buyer,online,US,2026-10-01T10:00:00+00:00,,NO-SUCH-SKU,1,29.99,0,,\n"
    )
    _admin_login(page, site, "manager@iwalk.demo.example")
    page.goto(f"{site.url}/admin/orders/order/import/")
    assert_accessible(page)
    page.get_by_label("File to import").set_input_files(str(csv_file))
    page.get_by_label("Format").select_option(label="csv")
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_text("No product with SKU 'NO-SUCH-SKU' in iWALK.")).to_be_visible()
    expect(page.get_by_role("button", name="Confirm import")).to_have_count(0)

    csv_file.write_text(csv_file.read_text().splitlines()[0] + "\n" + csv_file.read_text().splitlines()[1] + "\n")
    page.get_by_label("File to import").set_input_files(str(csv_file))
    page.get_by_label("Format").select_option(label="csv")
    page.get_by_role("button", name="Submit").click()
    page.get_by_role("button", name="Confirm import").click()
    expect(page.get_by_text(re.compile(r"Import finished"))).to_be_visible()
    page.goto(f"{site.url}/admin/orders/order/?q=IW-90001")
    expect(page.get_by_role("link", name="IW-90001")).to_be_visible()


def test_reviewer_works_the_claim_queue_read_only(page, site):
    call_command("demo_load")
    from claims.models import Claim

    _admin_login(page, site, "reviewer@iwalk.demo.example")
    page.get_by_role("rowheader", name="Claims").get_by_role("link").click()
    expect(page.get_by_text("time left")).to_be_visible()
    references = Claim.objects.filter(store__slug="iwalk").values_list("reference", flat=True)
    for reference in references:
        expect(page.get_by_role("link", name=re.compile(reference))).to_be_visible()
    other = Claim.objects.exclude(store__slug="iwalk").first()
    expect(page.get_by_role("link", name=re.compile(other.reference))).to_have_count(0)
    assert_accessible(page)
    needs_info = Claim.objects.get(store__slug="iwalk", status="needs_info")
    page.get_by_role("link", name=re.compile(needs_info.reference)).click()
    expect(page.locator("#messages-0")).to_contain_text("Could you add a short video of the charging light?")
    expect(page.locator("#events-2")).to_contain_text("request_info")
    assert_accessible(page)


def test_reviewer_of_another_store_cannot_reach_a_claim_its_evidence_or_export(page, site):
    call_command("demo_load")
    from claims.models import Claim, EvidenceFile

    claim = Claim.objects.get(order__number="IM-80010")
    evidence = EvidenceFile.objects.filter(claim=claim, status="ready").first()
    _admin_login(page, site, "reviewer@iwalk.demo.example")
    expect(page.get_by_role("heading", name="Open claims by store")).to_be_visible()
    expect(page.get_by_role("rowheader", name="IMIRROR")).to_have_count(0)
    assert_accessible(page)
    page.goto(f"{site.url}/admin/claims/claim/{claim.pk}/change/")
    expect(page.get_by_text(claim.reference)).to_have_count(0)
    response = page.goto(f"{site.url}/evidence/{evidence.pk}/file/")
    assert response.status == 404
    response = page.goto(f"{site.url}/admin/claims/claim/{claim.pk}/act/approve/?version={claim.row_version}")
    assert response.status == 404
    export = page.request.get(f"{site.url}/admin/claims/claim/export.csv?store__id__exact={claim.store_id}")
    assert export.status == 200 and claim.reference not in export.text()


def test_reviewer_finds_a_claim_in_the_queue_by_any_number_typed_in_any_case(page, site):
    """The queue's search box: a tracking number's first characters in lower case, an
    order number with '#', the shopper's e-mail in capitals; then the clock and reason
    filters. The admin index says when its counts were taken."""
    call_command("demo_load")
    from claims.models import Claim

    in_transit = Claim.objects.get(order__number="IW-10021")
    other = Claim.objects.get(order__number="IW-10045")  # another iWALK claim, another shopper
    _admin_login(page, site, "reviewer@iwalk.demo.example")
    expect(page.get_by_text(re.compile(r"Counted at \d\d:\d\d"))).to_be_visible()
    page.goto(f"{site.url}/admin/claims/claim/")
    assert_accessible(page)
    expect(page.get_by_role("link", name=other.reference)).to_be_visible()
    search = page.locator("#searchbar")
    for typed in ("1z999aa", "#iw-10021", in_transit.shopper_email.upper()):
        search.fill(typed)
        search.press("Enter")
        expect(page.locator("#searchbar")).to_have_value(typed)
        expect(page.get_by_role("link", name=in_transit.reference)).to_be_visible()
        expect(page.get_by_role("link", name=other.reference)).to_have_count(0)
    search.fill("1z")  # under 3 characters: whole values only
    search.press("Enter")
    expect(page.get_by_text("0 results")).to_be_visible()
    page.goto(f"{site.url}/admin/claims/claim/")
    page.get_by_role("link", name="overdue", exact=True).click()
    expect(page).to_have_url(re.compile(r"clock=overdue"))
    reason = page.locator("#changelist-filter").get_by_role("link", name=in_transit.reason_label)
    page.goto(f"{site.url}/admin/claims/claim/")
    reason.click()
    expect(page.get_by_role("link", name=in_transit.reference)).to_be_visible()
    assert_accessible(page)
