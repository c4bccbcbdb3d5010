"""The shopper's time zone: named by their browser (a cookie), checked, kept on the
session and on the claim; the claim page and the shopper's e-mails (one by one and in
bulk) show times in it with the store's zone named; staff e-mails and the admin stay
in the store's zone."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from claims.actors import shopper_actor
from claims.models import Claim
from claims.notifications import claim_notify_many
from claims.selectors import claim_decided_rule
from claims.services import claim_approve, claim_start, claim_submit, claim_update_draft
from claims.sla import sla_sweep
from notifications.models import OutboundEmail
from orders.models import Order
from policies.zones import COOKIE_NAME, SESSION_KEY
from tests.claims.conftest import IM_OK, satisfy_evidence, staff
from tests.claims.test_sla import _approved_mirror, _clones, no_broker  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")  # IMIRROR's zone
LOS_ANGELES = ZoneInfo("America/Los_Angeles")


def _hm(moment, zone) -> str:
    return f"{moment.astimezone(zone):%H:%M}"


def _day(moment, zone) -> str:
    local = moment.astimezone(zone)
    return f"{local.day} {local:%b %Y}"


def _mirror_claim(*, start_zone: str = "", submit_zone: str = "") -> Claim:
    order = Order.objects.get(number="IM-80010")
    shopper = shopper_actor(email=order.customer_email)
    line = order.lines.order_by("pk").first()
    claim = claim_start(store=order.store, actor=shopper, reason_code="not-satisfied", order=order, lines=[(line, 1)], shopper_zone=start_zone)
    claim_update_draft(claim_id=claim.pk, actor=shopper, answers=IM_OK)
    satisfy_evidence(claim)
    return claim_submit(claim_id=claim.pk, actor=shopper, shopper_zone=submit_zone)


# --- the browser's zone: checked, kept on the session, never on the admin ---------------------


def test_a_real_zone_from_the_browser_is_kept_on_the_session_and_used_without_the_cookie(demo):
    client = Client()
    client.cookies[COOKIE_NAME] = "Europe/Berlin"
    url = reverse("policies:policy_page", args=["kwoking"])
    response = client.get(url)
    assert response.status_code == 200 and response.context["shopper_zone"] == "Europe/Berlin"
    assert client.session[SESSION_KEY] == "Europe/Berlin"
    del client.cookies[COOKIE_NAME]  # the cookie is gone (cleared, blocked): the session remembers
    assert client.get(url).context["shopper_zone"] == "Europe/Berlin"


@pytest.mark.parametrize("value", ["Mars/Olympus_Mons", "Europe/Berlin<script>alert(1)</script>", "x" * 300, "../../etc/passwd", "localtime"])
def test_an_unknown_or_hostile_zone_is_ignored(demo, value):
    client = Client()
    client.cookies[COOKIE_NAME] = value
    response = client.get(reverse("policies:policy_page", args=["kwoking"]))
    assert response.status_code == 200 and response.context["shopper_zone"] == ""
    assert SESSION_KEY not in client.session
    assert "Olympus" not in response.content.decode() and "<script>alert" not in response.content.decode()


def test_the_admin_keeps_the_stores_zone(demo):
    client = Client()
    client.force_login(User.objects.get(email="reviewer@imirror.demo.example"))
    client.cookies[COOKIE_NAME] = "Europe/Berlin"
    response = client.get(reverse("admin:claims_claim_changelist"))
    assert response.status_code == 200
    assert SESSION_KEY not in client.session
    assert timezone.get_current_timezone_name() == "UTC"  # nothing left active after the request


# --- kept on the claim ------------------------------------------------------------------------


@pytest.mark.parametrize(("start_zone", "submit_zone", "kept"), [("Europe/Berlin", "", "Europe/Berlin"), ("Europe/Berlin", "America/Chicago", "America/Chicago")])
def test_the_zone_is_kept_on_the_claim_at_start_and_updated_at_submit(demo, start_zone, submit_zone, kept):
    claim = _mirror_claim(start_zone=start_zone, submit_zone=submit_zone)
    assert Claim.objects.get(pk=claim.pk).shopper_timezone == kept


def test_submit_keeps_the_zone_named_then_and_ignores_a_bad_one(demo):
    order = Order.objects.get(number="IM-80010")
    shopper = shopper_actor(email=order.customer_email)
    line = order.lines.order_by("pk").first()
    claim = claim_start(store=order.store, actor=shopper, reason_code="not-satisfied", order=order, lines=[(line, 1)], shopper_zone="Mars/Base")
    assert claim.shopper_timezone == ""
    claim_update_draft(claim_id=claim.pk, actor=shopper, answers=IM_OK)
    satisfy_evidence(claim)
    claim = claim_submit(claim_id=claim.pk, actor=shopper, shopper_zone="Europe/Berlin")
    assert Claim.objects.get(pk=claim.pk).shopper_timezone == "Europe/Berlin"


# --- the claim page: the shopper's clock, from any device ------------------------------------


def test_the_claim_page_shows_the_claims_zone_on_another_device_and_the_browsers_zone_first(demo):
    claim = _mirror_claim(start_zone="Europe/Berlin")
    due = claim.review_due_at
    client = Client()
    client.force_login(User.objects.get(email=claim.shopper_email))
    url = reverse("claims:claim_detail", args=[claim.store.slug, claim.reference])

    # another device, before its script ran: the zone kept on the claim
    page = client.get(url).content.decode()
    assert f"{_hm(due, BERLIN)} your time (Europe/Berlin; {_hm(due, NEW_YORK)} in the store&#x27;s time zone, America/New_York)" in page
    # the decision kept from submission says its deadline on the Berlin clock too
    deadline = datetime.fromisoformat(claim_decided_rule(claim=claim)["deadline"]["at"])
    end = deadline.astimezone(NEW_YORK)
    assert f"{_hm(deadline, BERLIN)} your time (Europe/Berlin; the end of {end.day} {end:%b} in the store&#x27;s time zone" in page

    # this browser names Los Angeles: its zone wins, and the cached Berlin page is not served
    client.cookies[COOKIE_NAME] = "America/Los_Angeles"
    page = client.get(url).content.decode()
    assert f"{_hm(due, LOS_ANGELES)} your time (America/Los_Angeles; " in page
    assert "Europe/Berlin" not in page

    # in the store's own zone: just the time
    client.cookies[COOKIE_NAME] = "America/New_York"
    page = client.get(url).content.decode()
    assert f"{_hm(due, NEW_YORK)}</time>" in page and "your time" not in page


def test_without_any_zone_the_claim_page_names_the_stores(demo):
    claim = _mirror_claim()
    client = Client()
    client.force_login(User.objects.get(email=claim.shopper_email))
    page = client.get(reverse("claims:claim_detail", args=[claim.store.slug, claim.reference])).content.decode()
    assert f"{_hm(claim.review_due_at, NEW_YORK)} (America/New_York)" in page


# --- e-mails: the claim's zone for the shopper, the store's for staff -------------------------


def test_the_confirmation_email_uses_the_claims_zone_and_staff_keep_the_stores(demo):
    claim = _mirror_claim(submit_zone="Europe/Berlin")
    due = claim.review_due_at
    shopper = OutboundEmail.objects.get(kind="claim:submit", to=claim.shopper_email)
    assert f"{_day(due, BERLIN)}, {_hm(due, BERLIN)} your time (Europe/Berlin; " in shopper.body_text
    assert "in the store's time zone, America/New_York)" in shopper.body_text
    (staff_email, *_) = OutboundEmail.objects.filter(kind="staff:new_claim")
    assert f"{_hm(due, NEW_YORK)}." in staff_email.body_text and "your time" not in staff_email.body_text


def test_the_bulk_path_fills_each_claims_times_in_its_own_zone(demo, no_broker):  # noqa: F811
    approved = _approved_mirror()
    ship_by = timezone.now() + timedelta(days=5)
    zones = ["", "Europe/Berlin", "Asia/Tokyo", "America/New_York"]
    claims = _clones(approved, len(zones), ship_by_at=ship_by)
    for claim, zone in zip(claims, zones, strict=True):
        claim.shopper_timezone = zone
    claim_notify_many(claims=claims, action="approve_return")
    for claim, zone in zip(claims, zones, strict=True):
        (email,) = OutboundEmail.objects.filter(kind="claim:approve_return", subject__contains=claim.reference)
        shown = ZoneInfo(zone or "America/New_York")
        assert f"ship it by {_day(ship_by, shown)}, " in email.body_text, (zone, email.body_text)
        if zone in ("", "America/New_York"):
            assert "your time" not in email.body_text
        else:
            assert f"{_hm(ship_by, shown)} your time ({zone}; " in email.body_text
            assert f"{_hm(ship_by, NEW_YORK)} in the store's time zone, America/New_York)." in email.body_text


def test_ship_reminders_in_bulk_name_each_claims_zone(demo, no_broker):  # noqa: F811
    approved = _approved_mirror()
    now = timezone.now()
    ship_by = (now + timedelta(hours=30)).astimezone(NEW_YORK).replace(hour=23, minute=59, second=59, microsecond=999999)
    if ship_by - now > timedelta(hours=48):
        ship_by -= timedelta(days=1)
    zones = ["", "Europe/Berlin", "Asia/Tokyo"]
    claims = _clones(approved, len(zones), ship_by_at=ship_by, decided_at=now - timedelta(days=10))
    for claim, zone in zip(claims, zones, strict=True):
        Claim.objects.filter(pk=claim.pk).update(shopper_timezone=zone)
    Claim.objects.filter(pk=approved.pk).update(status="withdrawn")
    assert sla_sweep()["ship_reminders"] == len(zones)
    for claim, zone in zip(claims, zones, strict=True):
        (email,) = OutboundEmail.objects.filter(kind="claim:ship_reminder", subject__contains=claim.reference)
        if not zone:
            assert f"ship it by {_day(ship_by, NEW_YORK)} (America/New_York)" in email.body_text
            continue
        shown = ZoneInfo(zone)
        end = ship_by.astimezone(NEW_YORK)
        assert (
            f"ship it by {_day(ship_by, shown)} ({_hm(ship_by, shown)} your time, {zone}; "
            f"the end of {end.day} {end:%b} in the store's time zone, America/New_York)"
        ) in email.body_text


def test_staff_approval_leaves_the_shopper_zone_alone(demo):
    claim = _mirror_claim(submit_zone="Europe/Berlin")
    claim = claim_approve(claim_id=claim.pk, actor=staff("reviewer@imirror.demo.example"), outcome=None)
    assert Claim.objects.get(pk=claim.pk).shopper_timezone == "Europe/Berlin"
