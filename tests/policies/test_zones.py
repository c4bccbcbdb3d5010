"""Times for the shopper's zone: which zone names are taken from a browser, and the
decision's deadlines counted in the store's calendar but said on the shopper's clock,
the store's zone named when its clock differs."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import translation

from policies.engine import Status
from policies.time_words import deadline_date_and_zone, when_words, zone_note_words
from policies.zones import zone_valid
from tests.policies.conftest import decide, local, rule

pytestmark = pytest.mark.django_db  # the brands' policies are built once from the demo data


@pytest.mark.parametrize("name", ["Europe/Berlin", "America/New_York", "Asia/Shanghai", "America/Argentina/Buenos_Aires", "Etc/GMT+5", "UTC"])
def test_real_zone_names_are_taken(name):
    assert zone_valid(name) == name


@pytest.mark.parametrize(
    "value",
    [
        "",
        None,
        42,
        ["Europe/Berlin"],
        "Mars/Olympus_Mons",
        "europe/berlin",
        "Europe/Berlin ",
        "../../etc/passwd",
        "Europe/Berlin<script>alert(1)</script>",
        "localtime",
        "Factory",
        "A" * 65,
        "Europe/Berlin\x00",
    ],
)
def test_unknown_or_hostile_zone_values_are_ignored(value):
    assert zone_valid(value) == ""


def test_an_hours_window_is_counted_from_the_store_but_said_on_the_shoppers_clock(brands):
    vc = brands["voltaic"]  # Asia/Shanghai, a 48-hour wrong-item window from delivery
    delivered = local(vc, 2026, 10, 5, 9, 30)
    now = delivered + timedelta(hours=1)
    as_store = rule(decide(vc, "wrong-item", now=now, delivered_at=delivered), "wrong-item")
    berlin = rule(_decide_for(vc, "Europe/Berlin", "wrong-item", now=now, delivered_at=delivered), "wrong-item")
    # the same deadline and status: only the words change
    assert berlin.deadline.at == as_store.deadline.at == delivered + timedelta(hours=48)
    assert berlin.status == as_store.status == Status.ELIGIBLE
    # no zone known: the store's, named (as before); known and different: both clocks
    assert "you can claim until 7 Oct 2026, 09:30 (Asia/Shanghai)" in as_store.explanation[0]
    assert (
        "you can claim until 7 Oct 2026, 03:30 your time (Europe/Berlin; 09:30 in the store's time zone, Asia/Shanghai)"
        in berlin.explanation[0]
    )


def test_the_stores_day_is_named_when_the_shopper_is_on_another_day(brands):
    vc = brands["voltaic"]
    delivered = local(vc, 2026, 10, 5, 5, 0)  # the deadline, 7 Oct 05:00 in Shanghai, is 6 Oct 23:00 in Berlin
    berlin = rule(_decide_for(vc, "Europe/Berlin", "wrong-item", now=delivered, delivered_at=delivered), "wrong-item")
    assert "until 6 Oct 2026, 23:00 your time (Europe/Berlin; 7 Oct, 05:00 in the store's time zone, Asia/Shanghai)" in berlin.explanation[0]
    # the day it was delivered is the shopper's day too: 4 Oct in Berlin
    assert berlin.explanation[0].startswith("Your order was delivered on 4 Oct 2026")


def test_a_day_window_ends_with_the_stores_day_said_on_the_shoppers_clock(brands):
    kw = brands["kwoking"]  # Asia/Shanghai, 14 calendar days from delivery
    received = local(kw, 2026, 10, 1, 15, 0)
    now = local(kw, 2026, 10, 3, 12, 0)
    as_store = rule(decide(kw, "arrived-damaged", now=now, delivered_at=received), "doa-14")
    berlin = rule(_decide_for(kw, "Europe/Berlin", "arrived-damaged", now=now, delivered_at=received), "doa-14")
    auckland = rule(_decide_for(kw, "Pacific/Auckland", "arrived-damaged", now=now, delivered_at=received), "doa-14")
    assert as_store.deadline.at == berlin.deadline.at == auckland.deadline.at == kw.calendar.end_of_day(received.date() + timedelta(days=14))
    assert "until 15 Oct 2026 (14-day window)" in as_store.explanation[0]
    assert "until 15 Oct 2026, 17:59 your time (Europe/Berlin; the end of 15 Oct in the store's time zone, Asia/Shanghai)" in berlin.explanation[0]
    # east of the store the day ends the next morning
    assert "until 16 Oct 2026, 04:59 your time (Pacific/Auckland; the end of 15 Oct in the store's time zone, Asia/Shanghai)" in auckland.explanation[0]


def test_a_zone_on_the_stores_clock_gets_just_the_time(brands):
    vc = brands["voltaic"]
    delivered = local(vc, 2026, 10, 5, 9, 30)
    singapore = rule(_decide_for(vc, "Asia/Singapore", "wrong-item", now=delivered, delivered_at=delivered), "wrong-item")
    assert "you can claim until 7 Oct 2026, 09:30 (48-hour window)" in singapore.explanation[0]


def test_a_hostile_display_zone_falls_back_to_the_stores_named(brands):
    vc = brands["voltaic"]
    delivered = local(vc, 2026, 10, 5, 9, 30)
    decision = rule(_decide_for(vc, "<b>Europe/Berlin</b>", "wrong-item", now=delivered, delivered_at=delivered), "wrong-item")
    assert "until 7 Oct 2026, 09:30 (Asia/Shanghai)" in decision.explanation[0]


def _decide_for(brand, zone, reason, **kwargs):
    from policies.engine import evaluate
    from tests.policies.conftest import facts

    now = kwargs.pop("now")
    return evaluate(
        policy=brand.policy,
        purchase=facts(**kwargs),
        calendar=brand.calendar,
        reason=brand.policy.reason(reason),
        answers={},
        now=now,
        display_zone=zone,
    )


# --- the page and e-mail words (Django's formats) -----------------------------------------

REVIEW_DUE = datetime(2026, 12, 4, 15, 19, tzinfo=UTC)  # 23:19 in Shanghai, 16:19 in Berlin
END_OF_STORE_DAY = datetime(2026, 12, 4, 15, 59, 59, 999999, tzinfo=UTC)  # 23:59:59.999999 in Shanghai


@pytest.mark.parametrize(
    ("viewer", "kind", "moment", "words"),
    [
        ("", "time", REVIEW_DUE, "Friday 4 December 2026, 23:19 (Asia/Shanghai)"),
        ("Asia/Shanghai", "time", REVIEW_DUE, "Friday 4 December 2026, 23:19"),
        ("Europe/Berlin", "time", REVIEW_DUE, "Friday 4 December 2026, 16:19 your time (Europe/Berlin; 23:19 in the store's time zone, Asia/Shanghai)"),
        ("America/New_York", "time", REVIEW_DUE, "Friday 4 December 2026, 10:19 your time (America/New_York; 23:19 in the store's time zone, Asia/Shanghai)"),
        ("Pacific/Auckland", "time", REVIEW_DUE, "Saturday 5 December 2026, 04:19 your time (Pacific/Auckland; Fri 4 Dec, 23:19 in the store's time zone, Asia/Shanghai)"),
        ("", "deadline", END_OF_STORE_DAY, "Friday 4 December 2026"),
        ("Europe/Berlin", "deadline", END_OF_STORE_DAY, "Friday 4 December 2026, 16:59 your time (Europe/Berlin; the end of 4 Dec in the store's time zone, Asia/Shanghai)"),
        ("Europe/Berlin", "deadline", REVIEW_DUE, "Friday 4 December 2026, 16:19 your time (Europe/Berlin; 23:19 in the store's time zone, Asia/Shanghai)"),
        ("Europe/Berlin", "date", datetime(2026, 12, 4, 23, 30, tzinfo=UTC), "Saturday 5 December 2026"),
    ],
)
def test_page_words_for_a_moment(viewer, kind, moment, words):
    with translation.override("en"):
        assert when_words(moment, store_zone="Asia/Shanghai", viewer_zone=viewer, kind=kind) == words


def test_the_ship_reminders_two_parts():
    with translation.override("en"):
        assert deadline_date_and_zone(END_OF_STORE_DAY, store_zone="Asia/Shanghai", viewer_zone="") == ("4 Dec 2026", "Asia/Shanghai")
        assert deadline_date_and_zone(END_OF_STORE_DAY, store_zone="Asia/Shanghai", viewer_zone="Europe/Berlin") == (
            "4 Dec 2026",
            "16:59 your time, Europe/Berlin; the end of 4 Dec in the store's time zone, Asia/Shanghai",
        )


def test_the_pages_zone_note():
    with translation.override("en"):
        assert zone_note_words(store_zone="Asia/Shanghai", viewer_zone="") == "Times are in Asia/Shanghai, the store's time zone."
        assert zone_note_words(store_zone="Asia/Shanghai", viewer_zone="Asia/Shanghai") == "Times are in your time zone, Asia/Shanghai."
        assert zone_note_words(store_zone="Asia/Shanghai", viewer_zone="Europe/Berlin") == (
            "Times are in your time zone, Europe/Berlin (the store's is Asia/Shanghai)."
        )


def test_a_kept_decision_text_is_reworded_for_the_viewer_and_only_its_deadline():
    from policies.zones import reword_for_viewer

    hours = datetime(2026, 10, 7, 1, 30, tzinfo=UTC)  # 09:30 in Shanghai
    text = "Your order was delivered on 5 Oct 2026; you can claim until 7 Oct 2026, 09:30 (Asia/Shanghai) (48-hour window)."
    assert reword_for_viewer(text, hours, store_zone="Asia/Shanghai", viewer_zone="Europe/Berlin") == (
        "Your order was delivered on 5 Oct 2026; you can claim until "
        "7 Oct 2026, 03:30 your time (Europe/Berlin; 09:30 in the store's time zone, Asia/Shanghai) (48-hour window)."
    )
    day = datetime(2026, 10, 15, 15, 59, 59, 999999, tzinfo=UTC)  # the end of 15 Oct in Shanghai
    text = "Your order was delivered on 1 Oct 2026; you can claim until 15 Oct 2026 (14-day window)."
    assert reword_for_viewer(text, day, store_zone="Asia/Shanghai", viewer_zone="Europe/Berlin") == (
        "Your order was delivered on 1 Oct 2026; you can claim until "
        "15 Oct 2026, 17:59 your time (Europe/Berlin; the end of 15 Oct in the store's time zone, Asia/Shanghai) (14-day window)."
    )
    # no viewer zone, a bad one, or the store's own clock: the text as kept
    for viewer in ("", "Mars/Base", "Asia/Singapore"):
        assert reword_for_viewer(text, day, store_zone="Asia/Shanghai", viewer_zone=viewer) == text
