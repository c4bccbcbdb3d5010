import re
import time

import pytest
from axe_playwright_python.sync_playwright import Axe

AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}, "resultTypes": ["violations"]}
_axe = Axe()


def assert_accessible(page) -> None:
    """axe-core reports no WCAG 2 A/AA violation on the page as it is now."""
    results = _axe.run(page, options=AXE_OPTIONS)
    assert results.violations_count == 0, f"{page.url}\n{results.generate_report()}"


def wait_for_mail(mailoutbox, count=1, timeout=90.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(mailoutbox) >= count:
            return mailoutbox[count - 1]
        time.sleep(0.05)
    raise AssertionError(f"expected {count} e-mail(s), got {len(mailoutbox)}")


def link_in(message, pattern=r"https?://\S+") -> str:
    return re.search(pattern, message.body).group(0)


# Every browser context: English, and no CSS transitions (Bootstrap honours reduced
# motion), so axe measures the colours a person sees, not a button caught mid-fade.
CONTEXT_DEFAULTS = {"locale": "en-US", "reduced_motion": "reduce"}


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, **CONTEXT_DEFAULTS}


@pytest.fixture
def site(live_server, celery_worker, mailoutbox):
    """The portal served on a live server, with a real Celery worker delivering the
    outbox to the test mailbox."""
    return live_server


@pytest.fixture(autouse=True)
def _fail_fast(page):
    # Generous: the suite also runs on a busy two-core machine. Waits are on conditions,
    # so a generous limit costs nothing when things are fast.
    page.set_default_timeout(30_000)
    page.set_default_navigation_timeout(45_000)


@pytest.fixture(autouse=True)
def csp_violations(context):
    """Every page a browser test opens runs under the real Content-Security-Policy: a
    script, style or image the policy blocks is a defect the shopper would meet as a
    dead button, so the test fails on it."""
    violations = []

    def record(message):
        if "Content Security Policy" in message.text:
            violations.append(f"{message.location.get('url', '')}: {message.text}")

    context.on("console", record)
    yield violations
    assert not violations, "\n".join(violations)
