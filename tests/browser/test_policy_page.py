"""A shopper reads a brand's published policy in plain words from the brand page."""

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("slug", "name", "rule", "words"),
    [
        ("iwalk", "iWALK", "30-day money-back guarantee", "Within 30 days of purchase."),
        ("kwoking", "KWOKING", "Cancel before processing", "Until your order is processed."),
        ("kwoking", "KWOKING", "60-day conditional return", "Items sold as a bundle go back together."),
        ("voltaic", "Voltaic Components", "Wrong item", "Within 48 hours of delivery."),
        ("imirror", "IMIRROR", "30-day return", "Only for addresses in"),
    ],
)
def test_brand_policy_page(page, site, slug, name, rule, words):
    call_command("demo_load", no_claims=True)
    page.goto(f"{site.url}/s/{slug}/")
    page.get_by_role("link", name=f"Read {name}'s return policy").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{name}'s return and warranty policy")
    section = page.get_by_role("region", name=rule)
    expect(section).to_contain_text(words)
    assert_accessible(page)
