"""Response headers every page carries: `private, no-store` on anything that may show
personal data, a Content-Security-Policy without inline scripts, and a 400 (never a
500) for a Host header that is not ours. The page list is walked from the URLconf, so a
new page is checked without editing this test."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from PIL import Image

from accounts.models import User
from claims.actors import shopper_actor
from claims.evidence import evidence_add, evidence_process
from claims.services import claim_start
from orders.guest_access import guest_token_make
from orders.models import Order
from tests.claims.conftest import submitted_claim

pytestmark = pytest.mark.django_db

# Responses that set their own caching on purpose: the brand logo is public.
OWN_CACHING = {"orders:store_logo": "public", "orders:product_thumbnail": "public"}  # catalogue pictures, not personal data


def _routes(patterns=None, prefix="", namespace=""):
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _routes(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            yield f"{namespace}{entry.name}", prefix + str(entry.pattern), entry.pattern


def _photo() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), "#336699").save(buffer, "JPEG")
    return SimpleUploadedFile("photo.jpg", buffer.getvalue(), content_type="image/jpeg")


@pytest.fixture
def demo(db):
    call_command("demo_load", no_claims=True)


@pytest.fixture
def samples(demo, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    claim = submitted_claim()
    order = claim.order
    # another delivered order of the shopper's (a not-shipped one is offered other reasons)
    draft_order = (
        Order.objects.filter(customer_email=order.customer_email, store=order.store, delivered_at__isnull=False)
        .exclude(pk=order.pk)
        .order_by("-delivered_at")
        .first()
    )
    shopper = shopper_actor(email=order.customer_email)
    line = draft_order.lines.first()
    draft = claim_start(store=draft_order.store, actor=shopper, reason_code="not-satisfied", order=draft_order, lines=[(line, 1)])
    item = evidence_add(claim_id=draft.pk, actor=shopper, slot_code=claim.evidence.first().slot_code, upload=_photo())
    evidence_process(evidence_id=item.pk)
    return {
        "slug": order.store.slug,
        "number": order.number,
        "reference": claim.reference,
        "claim_id": str(draft.pk),
        "product_id": str(line.product_id),
        "evidence_id": str(item.pk),
        "variant": "file",
        "token": guest_token_make(order=order),
        "action": "message",
        "key": "not-a-key",
        "uidb36": "1",
        "user": User.objects.get(email=order.customer_email),
    }


def _fill(route: str, pattern, samples: dict) -> str:
    converters = getattr(pattern, "converters", {})
    missing = [name for name in converters if name not in samples]
    assert not missing, f"{route}: add a sample value for {missing} to this test"
    path = route
    for name in converters:
        path = path.replace(f"<{type(converters[name]).__name__.removesuffix('Converter').lower()}:{name}>", samples[name])
        path = path.replace(f"<{name}>", samples[name])
    return "/" + path


def test_every_page_is_private_no_store_and_has_a_csp(samples):
    client = Client()
    client.force_login(samples["user"])
    checked = 0
    for name, route, pattern in _routes():
        if route.startswith("admin/") or "(?P" in route or "^" in route:
            continue
        url = _fill(route, pattern, samples)
        response = client.get(url)
        cache_control = response.headers.get("Cache-Control", "")
        if name in OWN_CACHING:
            assert OWN_CACHING[name] in cache_control, f"{url}: {cache_control}"
        else:
            assert "private" in cache_control and ("no-store" in cache_control or name == "claims:evidence_download"), (
                f"{url} ({name}, {response.status_code}): Cache-Control {cache_control!r}"
            )
        if response.headers.get("Content-Type", "").startswith("text/html"):
            policy = response.headers.get("Content-Security-Policy", "")
            script_src = next((d for d in policy.split(";") if d.strip().startswith("script-src")), "")
            assert script_src and "unsafe-inline" not in script_src, f"{url}: CSP {policy!r}"
            assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
        checked += 1
    assert checked > 30  # the shopper pages and allauth's account pages


def test_a_staff_admin_page_has_the_same_headers(demo, client):
    client.force_login(User.objects.get(email="reviewer@iwalk.demo.example"))
    response = client.get("/admin/claims/claim/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_evidence_downloads_keep_their_own_private_headers(samples):
    client = Client()
    client.force_login(samples["user"])
    response = client.get(f"/evidence/{samples['evidence_id']}/file/")
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("private")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_report_only_mode_is_a_setting(client, settings):
    directives = settings.CONTENT_SECURITY_POLICY
    del settings.CONTENT_SECURITY_POLICY
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = directives
    response = client.get("/")
    assert "Content-Security-Policy" not in response
    assert "script-src 'self'" in response["Content-Security-Policy-Report-Only"]


@pytest.mark.parametrize("path", ["/", "/s/iwalk/", "/account/login/", "/admin/"])
def test_a_foreign_host_header_gets_400_not_500(client, path):
    response = client.get(path, HTTP_HOST="scanner.invalid", HTTP_REFERER="http://scanner.invalid/x")
    assert response.status_code == 400
    assert b"Traceback" not in response.content


def test_a_foreign_host_header_gets_400_from_the_real_server(live_server):
    """Through the live server's full handler (no test client shortcuts)."""
    import http.client
    from urllib.parse import urlsplit

    url = urlsplit(live_server.url)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    connection.request("GET", "/", headers={"Host": "evil.invalid"})
    response = connection.getresponse()
    assert response.status == 400
    assert b"Traceback" not in response.read()
