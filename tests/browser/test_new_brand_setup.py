"""A new brand, not one of the demo brands, is set up by its manager from its published
policy text, only through the admin pages (docs/SETUP_GUIDE.md, in its order): calendar,
catalogue, reasons, policy with carriers and packing list, two coverage rules, orders by
CSV import, publish. Five decisions are checked in Try it, then a shopper finds the
order from the brand page and claims under the published policy.

Only the store and its manager are made in code: a manager cannot create a store. The
number of admin forms the setup took is printed (and reported in issue #14)."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from accounts.models import StoreMembership
from accounts.roles import StaffRole
from claims.models import Claim
from orders.models import Order, Store
from policies.models import PolicyVersion
from policies.selectors import store_calendar
from tests.browser.claiming import claim_units
from tests.browser.conftest import assert_accessible, link_in, wait_for_mail
from tests.factories import UserFactory

pytestmark = pytest.mark.browser

POLICY_TEXT = """
Northwind Audio — returns and warranty

Changed your mind? Return your headphones within 30 days of delivery for a full refund.
Opened boxes are accepted with a 10% restocking fee. Headphones bought from unauthorized
resellers cannot be returned to us. You pay the return shipping. We refund within 5
business days after we receive your return, to your original payment method; funds take
5–10 business days to appear.

Faulty? Our warranty (12 months from delivery) covers defects: send us a short video
showing the fault and we repair or replace the headphones within 14 days of receiving
them, shipping on us.

Ship returns with UPS (tracking numbers look like 1Z999AA10123456784). Put the headphones
in their original box and include the cable. We are closed on 24 December.
"""

PASSWORD = "manager-pass-1234"
ADMIN_FORMS = []  # one entry per admin form the manager submitted to set the brand up


def _submit(page, name="Save", *, what):
    page.get_by_role("button", name=name, exact=True).click()
    ADMIN_FORMS.append(what)


def _saved(page):
    expect(page.locator(".messagelist")).to_contain_text("successfully")


def _store_and_manager() -> Store:
    store = Store.objects.create(
        name="Northwind Audio",
        slug="northwind-audio",
        time_zone="America/New_York",
        country="US",
        currency="USD",
        support_email="help@northwind.example",
        sender_email="returns@northwind.example",
        return_address="Northwind Audio Returns\n12 Harbor Street\nBoston, MA 02110",
    )
    manager = UserFactory(email="manager@northwind.example", password=PASSWORD, is_staff=True)
    manager.groups.add(Group.objects.get(name=StaffRole.MANAGER))
    StoreMembership.objects.create(user=manager, store=store)
    return store


def _login(page, site):
    page.goto(f"{site.url}/admin/")
    page.get_by_label(re.compile("e-mail address", re.I)).fill("manager@northwind.example")
    page.get_by_label(re.compile("^Password")).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name="Setup guide")).to_be_visible()


def _add(page, site, path):
    page.goto(f"{site.url}/admin/{path}/add/")


def _orders_csv(store: Store, delivered) -> str:
    placed = delivered - timedelta(days=4)
    iso = lambda moment: moment.isoformat(timespec="seconds")  # noqa: E731
    header = "store,order_number,customer_email,customer_name,channel,shipping_country,placed_at,paid_at,shipped_at,delivered_at,sku,quantity,unit_price,discount,bundle_group,gift"
    rows = [
        f"{store.slug},NW-2051,pat@example.com,Pat Lee,online,US,{iso(placed)},{iso(placed)},{iso(placed + timedelta(days=1))},{iso(delivered)},NW-ARIA,1,200.00,,,",
        f"{store.slug},NW-2051,pat@example.com,Pat Lee,online,US,{iso(placed)},{iso(placed)},{iso(placed + timedelta(days=1))},{iso(delivered)},NW-CABLE,1,0.00,,,1",
        f"{store.slug},NW-2052,kim@example.com,Kim Park,online,US,{iso(placed)},{iso(placed)},,,NW-ARIA,1,200.00,,,",
    ]
    return "\n".join([header, *rows]) + "\n"


def _logo(tmp_path, size) -> str:
    path = tmp_path / f"logo-{size[0]}x{size[1]}.png"
    Image.new("RGB", size, "#1f4e8c").save(path, "PNG")
    return str(path)


def _try(page, *, reason, line=None, offline=None, when="", answers=None):
    page.get_by_label(re.compile("^Policy")).select_option(label="latest published version")
    if offline:
        page.get_by_label("an offline purchase").check()
        page.get_by_label("Product (offline)").select_option(label=offline["product"])
        page.get_by_label("Purchased (offline)").fill(offline["on"])
        page.get_by_label("Channel (offline)").select_option(label=offline["channel"])
        page.get_by_label("Price paid (offline)").fill(offline["price"])
        page.get_by_label("Country (offline)").fill("US")
    else:
        page.get_by_label("an order line").check()
        page.get_by_label(re.compile("^Order line")).select_option(label=line)
    page.get_by_label(re.compile("^Reason")).select_option(label=reason)
    page.get_by_label(re.compile("^As if on")).fill(when)
    for question, answer in (answers or {}).items():
        page.get_by_label(question).select_option(label=answer)
    page.get_by_role("button", name="Show the decision").click()
    return page.get_by_test_id("decision")


def test_a_manager_sets_up_a_new_brand_from_its_policy_text_and_a_shopper_claims(page, site, mailoutbox, tmp_path):
    store = _store_and_manager()
    ADMIN_FORMS.clear()
    page.set_viewport_size({"width": 1280, "height": 900})
    _login(page, site)

    # 1. Calendar: "We are closed on 24 December."
    _add(page, site, "policies/storeclosure")
    expect(page.get_by_label("Store")).to_have_value(str(store.pk))  # their only store, named plainly
    page.get_by_label("Day").fill(f"{timezone.localdate().year}-12-24")
    page.get_by_label("Reason").fill("Christmas Eve")
    _submit(page, what="closure")
    _saved(page)

    # 2. Catalogue: "Our warranty (12 months …)"; headphones and their cable.
    _add(page, site, "orders/productcategory")
    page.get_by_label("Name").fill("Headphones")
    page.get_by_label("Warranty (months)").fill("12")
    _submit(page, what="category")
    _saved(page)
    for sku, name, price, accessory in (("NW-ARIA", "Aria wireless headphones", "200.00", False), ("NW-CABLE", "Aria audio cable", "15.00", True)):
        _add(page, site, "orders/product")
        page.get_by_label("SKU").fill(sku)
        page.get_by_label("Name").fill(name)
        page.get_by_label("Category").select_option(label="Headphones")
        page.get_by_label("Accessory").set_checked(accessory)
        page.get_by_label("List price").fill(price)
        _submit(page, what=f"product {sku}")
        _saved(page)

    # 3. Reasons the shopper picks.
    for code, label, kind in (("changed-mind", "I changed my mind", "Change of mind / change of demand"), ("faulty", "It is faulty", "Functional failure (warranty)")):
        _add(page, site, "policies/reason")
        page.get_by_label("Code").fill(code)
        page.get_by_label("Label").fill(label)
        page.get_by_label("Kind").select_option(label=kind)
        _submit(page, what=f"reason {code}")
        _saved(page)

    # 4. The policy, its carrier ("Ship returns with UPS") and packing list.
    _add(page, site, "policies/policy")
    page.get_by_label("Name").fill("Returns and warranty")
    page.get_by_label("Summary shown to shoppers").fill("30-day returns and a 12-month warranty on every pair.")
    page.get_by_label("When refunded money arrives (shown)").fill("Funds take 5–10 business days to appear.")
    page.get_by_role("button", name="Add another Return carrier").click()
    page.locator("#id_carriers-0-name").fill("UPS")
    page.locator("#id_carriers-0-tracking_pattern").fill(r"^1Z[0-9A-Z]{16}$")
    page.locator("#id_carriers-0-tracking_example").fill("1Z999AA10123456784")
    page.locator("#id_carriers-0-tracking_url").fill("https://www.ups.com/track?tracknum={tracking}")
    page.get_by_label("Drop-off instructions (shown)").fill("Drop the parcel at any UPS Access Point; keep the receipt.")
    for n, text in enumerate(("Put the headphones in their original box.", "Include the cable.")):
        page.get_by_role("button", name="Add another Packing item").click()
        page.locator(f"#id_packing_items-{n}-text").fill(text)
        page.locator(f"#id_packing_items-{n}-position").fill(str(n))
    _submit(page, what="policy")
    _saved(page)
    policy = store.policy

    # 5. Rule one: the 30-day return, its condition and restocking fee.
    page.goto(f"{site.url}/admin/policies/coveragerule/add/?policy={policy.pk}")
    page.get_by_label("Name shown to shoppers").fill("30-day return")
    page.locator("#id_code").fill("return-30")
    page.get_by_label("I changed my mind").check()
    page.get_by_label("Window length").fill("30")
    page.get_by_label("Window unit").select_option(label="calendar (natural) days")
    page.get_by_label("Counted from").select_option(label="delivered / received")
    page.get_by_label("Unauthorized reseller").check()
    page.get_by_label("Full refund").check()
    page.get_by_label("Return shipping paid by").select_option(label="the shopper")
    page.get_by_label("Refund issued within (business days)").fill("5")
    page.get_by_label("Refund clock starts").select_option(label="after the return is received")
    page.get_by_label("Refund paid to").select_option(label="the original payment method")
    page.get_by_role("button", name="Add another Condition question").click()
    page.locator("#id_conditions-0-question").fill("Is the box still sealed?")
    page.locator("#id_conditions-0-code").fill("sealed")
    page.locator("#id_conditions-0-effect").select_option(label="a deduction applies")
    page.locator("#id_conditions-0-deduction_code").fill("restocking")
    page.locator("#id_conditions-0-explanation").fill("An opened box is refunded less a 10% restocking fee.")
    page.get_by_role("button", name="Add another Deduction").click()
    page.locator("#id_deductions-0-label").fill("Restocking fee (opened box)")
    page.locator("#id_deductions-0-code").fill("restocking")
    page.locator("#id_deductions-0-kind").select_option(label="restocking fee")
    page.locator("#id_deductions-0-basis").select_option(label="% of the item price")
    page.locator("#id_deductions-0-trigger").select_option(label="when a condition question triggers it")
    page.locator("#id_deductions-0-percent").fill("10")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1280, f"the rule page is {width} px wide"
    _submit(page, what="rule return-30")
    _saved(page)

    # 6. Rule two: the warranty, with the video it asks for.
    page.goto(f"{site.url}/admin/policies/coveragerule/add/?policy={policy.pk}")
    page.get_by_label("Name shown to shoppers").fill("12-month warranty")
    page.locator("#id_code").fill("warranty")
    page.get_by_label("It is faulty").check()
    page.get_by_label("Window unit").select_option(label="the product's warranty (months, else its category's)")
    page.get_by_label("Counted from").select_option(label="delivered / received")
    outcomes = page.get_by_role("group", name="Outcomes")
    outcomes.get_by_label("Repair", exact=True).check()
    outcomes.get_by_label("Replacement", exact=True).check()
    # "we repair or replace the headphones within 14 days of receiving them"
    page.get_by_label("Repaired or replaced within").fill("14")
    page.get_by_label("Turnaround unit").select_option(label="calendar (natural) days")
    page.get_by_label("Turnaround starts").select_option(label="when the return is received")
    page.locator("input[name=turnaround_outcomes][value=repair]").check()
    page.locator("input[name=turnaround_outcomes][value=replacement]").check()
    page.get_by_label("Return shipping paid by").select_option(label="the brand")
    page.get_by_role("button", name="Add another Evidence slot").click()
    page.locator("#id_evidence_slots-0-label").fill("A short video showing the fault")
    page.locator("#id_evidence_slots-0-code").fill("fault-video")
    page.locator("#id_evidence_slots-0-kind").select_option(label="video")
    page.locator("#id_evidence_slots-0-max_count").fill("1")
    _submit(page, what="rule warranty")
    _saved(page)

    # 7. Orders, by CSV import: the page names every column and offers an example.
    delivered = timezone.now() - timedelta(days=10)
    page.goto(f"{site.url}/admin/orders/order/import/")
    expect(page.get_by_role("table", name="Columns")).to_contain_text("customer_email")
    expect(page.get_by_role("table", name="Columns")).to_contain_text("delivered_at")
    expect(page.get_by_text("ISO 8601 with their UTC offset")).to_be_visible()
    with page.expect_download() as example:
        page.get_by_role("link", name="Download an example file").click()
    assert example.value.suggested_filename == "orders-example.csv"
    csv_file = tmp_path / "northwind-orders.csv"
    csv_file.write_text(_orders_csv(store, delivered))
    page.get_by_label("File to import").set_input_files(str(csv_file))
    page.get_by_label("Format").select_option(label="csv")
    _submit(page, "Submit", what="import (preview)")
    expect(page.locator(".import-summary")).to_contain_text("2 new orders")
    expect(page.locator(".import-summary")).to_contain_text("3 new lines")
    preview = page.locator("table.import-preview")
    expect(preview).to_contain_text("NW-2051")
    expect(preview).to_contain_text("NW-ARIA")
    _submit(page, "Confirm import", what="import (confirm)")
    expect(page.locator(".messagelist")).to_contain_text("2 new orders")
    # the order list shows the store's local time, its zone named
    expect(page.locator("#result_list")).to_contain_text(re.compile(r"E[SD]T"))

    # The order's times are the store's, labelled, without Django's "hours ahead of server time" note.
    page.get_by_role("link", name="NW-2051").click()
    expect(page.get_by_text("Time in America/New_York, the store's time zone.").first).to_be_visible()
    expect(page.locator("text=/ahead of server time|behind server time/ >> visible=true")).to_have_count(0)

    # The logo: guidance on the store page, a too-wide logo refused, a wide one kept wide
    # (not counted above: the brand's look, not its policy).
    page.goto(f"{site.url}/admin/orders/store/{store.pk}/change/")
    expect(page.get_by_text("/s/northwind-audio/").first).to_be_visible()
    expect(page.get_by_text(re.compile("recommended 400 × 100 px"))).to_be_visible()
    page.get_by_label("Logo").set_input_files(_logo(tmp_path, (1400, 100)))
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("wider than 6 : 1")).to_be_visible()
    page.get_by_label("Logo").set_input_files(_logo(tmp_path, (400, 100)))
    page.get_by_role("button", name="Save", exact=True).click()
    _saved(page)

    # 8. Publish.
    page.goto(f"{site.url}/admin/policies/policy/{policy.pk}/change/")
    page.get_by_label("What changed").fill("First version, from the published FAQ")
    _submit(page, "Publish a new version", what="publish")
    expect(page.locator(".messagelist")).to_contain_text("Published version 1")
    assert PolicyVersion.objects.filter(policy=policy).count() == 1

    print(f"\nNew brand set up with {len(ADMIN_FORMS)} admin forms: {', '.join(ADMIN_FORMS)}")
    assert len(ADMIN_FORMS) == 12

    # 9. Five decisions in Try it.
    page.get_by_role("link", name="Try it").click()
    assert_accessible(page)
    line = "NW-2051 · 1 × Aria wireless headphones"
    sealed = {"Is the box still sealed?": "yes"}
    eligible = _try(page, line=line, reason="I changed my mind", answers=sealed)
    expect(eligible).to_contain_text("You can claim under “30-day return”")

    order = Order.objects.get(number="NW-2051")
    calendar = store_calendar(store=store, around=order.delivered_at)
    deadline = calendar.add_calendar_days(order.delivered_at, 30).astimezone(calendar.tz)
    late = (order.delivered_at + timedelta(days=40)).astimezone(calendar.tz).strftime("%Y-%m-%d 12:00")
    closed = _try(page, line=line, reason="I changed my mind", when=late, answers=sealed)
    expect(closed).to_contain_text(f"the 30-day window for “30-day return” ended on {deadline.day} {deadline:%b %Y}")

    today = timezone.localtime(timezone.now(), calendar.tz).strftime("%Y-%m-%d 10:00")
    reseller = _try(
        page,
        reason="I changed my mind",
        offline={"product": "Aria wireless headphones (NW-ARIA)", "on": today, "channel": "Unauthorized reseller", "price": "150.00"},
        answers=sealed,
    )
    expect(reseller).to_contain_text("Items bought through an unauthorized reseller are not covered by “30-day return”")
    expect(reseller).not_to_contain_text("Your order was delivered")

    faulty = _try(page, line=line, reason="It is faulty")
    expect(faulty).to_contain_text("A short video showing the fault")
    expect(faulty).to_contain_text("Repairs are completed and replacements are shipped within 14 days of receiving your item.")

    opened = _try(page, line=line, reason="I changed my mind", answers={"Is the box still sealed?": "no"})
    expect(opened).to_contain_text("Restocking fee (opened box, 10 %)")
    expect(opened).to_contain_text("20.00")
    expect(opened).to_contain_text("180.00")

    # 10. The shopper (signed out of the admin): the public policy page, the brand page's
    # hint, the lookup, the claim.
    page.context.clear_cookies()
    page.goto(f"{site.url}/s/northwind-audio/policy/")
    expect(page.get_by_role("region", name="30-day return")).to_contain_text(
        "Refund within 5 business days after we receive the return, to your original payment method."
    )
    expect(page.get_by_role("region", name="12-month warranty")).to_contain_text("within 14 days of receiving your item")
    expect(page.get_by_role("region", name="Carriers for your return")).to_contain_text("UPS")
    expect(page.get_by_role("region", name="Carriers for your return")).to_contain_text("Drop the parcel at any UPS Access Point")
    expect(page.get_by_role("region", name="Packing checklist")).to_contain_text("Include the cable.")
    expect(page.get_by_role("region", name="When your money arrives")).to_contain_text("5–10 business days")
    page.get_by_role("link", name="Start a return or claim").click()
    expect(page.locator("header img")).to_have_js_property("complete", True)
    logo = page.locator("header img").bounding_box()
    assert logo["width"] == pytest.approx(4 * logo["height"], rel=0.05)  # 400 × 100 shown 144 × 36, not squeezed
    expect(page.get_by_text("e.g. NW-1234")).to_be_visible()  # the store's own shape, not a real number
    page.get_by_label("Order number").fill("nw-2051")
    page.get_by_label("E-mail used for the order").fill("pat@example.com")
    page.get_by_role("button", name="E-mail me a link to my order").click()
    page.goto(link_in(wait_for_mail(mailoutbox)))
    page.get_by_role("button", name="Open my order").click()
    expect(page.get_by_role("heading", name="Order NW-2051")).to_be_visible()
    page.get_by_role("link", name="Start a claim").click()
    claim_units(page.get_by_label("Aria wireless headphones"))
    page.get_by_label("I changed my mind").check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("group", name="Is the box still sealed?").get_by_label("Yes").check()
    page.get_by_role("button", name="Update what I can claim").click()
    expect(page.get_by_test_id("decision")).to_contain_text("You can claim under “30-day return”")
    page.get_by_role("button", name="Submit my claim").click()
    expect(page.locator("#submitted-confirmation")).to_contain_text("submitted")
    assert_accessible(page)
    claim = Claim.objects.get(order__number="NW-2051")
    assert claim.rule_code == "return-30" and claim.policy_version.number == 1
    assert claim.lines.get().order_line.product.sku == "NW-ARIA"
    assert order.lines.get(product__sku="NW-ARIA").unit_price == Decimal("200.00")
