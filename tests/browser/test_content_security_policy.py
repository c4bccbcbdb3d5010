"""The Content-Security-Policy is enforced by the browser: a script smuggled into a
page (the way an XSS would) does not run, and the page's own scripts do. Every other
browser test fails on any CSP violation (tests/browser/conftest.py), so each page a
test visits is checked under the real policy."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_an_injected_inline_script_does_not_run(page, site, csp_violations):
    page.goto(f"{site.url}/")
    page.evaluate(
        """() => {
            const script = document.createElement('script');
            script.textContent = 'window.__injected = true';
            document.body.append(script);
            const img = document.createElement('img');
            img.setAttribute('src', 'https://tracker.invalid/pixel.gif');
            document.body.append(img);
        }"""
    )
    expect(page.locator("body")).to_be_visible()
    page.wait_for_function("() => document.readyState === 'complete'")
    assert page.evaluate("() => window.__injected") is None
    for _ in range(300):  # console events arrive asynchronously: up to 30 s
        if sum(any(word in v for v in csp_violations) for word in ("inline script", "tracker.invalid")) == 2:
            break
        page.wait_for_timeout(100)
    assert any("inline script" in v for v in csp_violations), csp_violations
    assert any("tracker.invalid" in v for v in csp_violations), csp_violations
    csp_violations.clear()  # seen, and expected here


def test_the_page_scripts_still_run(page, site):
    """Bootstrap's own script (the menu toggle on a phone) works under the policy."""
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{site.url}/")
    toggle = page.get_by_role("button", name="Toggle navigation")
    toggle.click()
    expect(page.get_by_role("link", name="All brands")).to_be_visible()
