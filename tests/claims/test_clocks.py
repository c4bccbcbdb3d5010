"""Review clocks in working time: a request for information stops the clock and keeps
the working time left; sending the information starts it again from there, across
weekends and public holidays. Marking a claim complex adds the difference between the
complex and the standard review length (Voltaic: 5 - 2 = 3 working days, S1/S2).

Every expected instant is written out, with the arithmetic in a comment. The demo is
loaded inside the travelled time, so the orders' dates are relative to it."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from claims.actors import shopper_actor
from claims.models import Claim
from claims.services import ALREADY_COMPLEX, ClaimError, claim_mark_complex, claim_provide_info, claim_request_info
from claims.states import ClaimStatus
from orders.models import Store
from policies.selectors import store_calendar
from tests.claims.conftest import ready_evidence, staff, submitted_claim

pytestmark = pytest.mark.django_db

# IMIRROR: NY holidays, Mon-Fri 09:00-17:00, review 3 working days (the store default)
NEW_YORK = ZoneInfo("America/New_York")
# Voltaic: CN holidays, Mon-Fri 09:00-17:00, review 2 working days, complex 5
SHANGHAI = ZoneInfo("Asia/Shanghai")
HOUR = 3600
VOLTAIC_UNOPENED = {"unused": True, "untested": True, "unprogrammed": True, "packaging-intact": True}


@pytest.fixture
def demo_at(request):
    """demo_at(moment): stop the clock at `moment` (until the test ends) and load the
    demo (the `demo` fixture) then; returns the traveller, to move the clock on."""

    def load(moment: datetime):
        travel = time_machine.travel(moment, tick=False)
        traveller = travel.start()
        request.addfinalizer(travel.stop)
        request.getfixturevalue("demo")
        return traveller

    return load


def test_the_imirror_calendar_is_the_one_the_arithmetic_below_assumes(demo_at):
    demo_at(datetime(2026, 11, 20, 14, 0, tzinfo=NEW_YORK))
    store = Store.objects.get(slug="imirror")
    calendar = store_calendar(store=store, around=datetime(2026, 11, 20, 14, 0, tzinfo=NEW_YORK))
    assert (str(store.time_zone), store.country, store.holiday_subdivision) == ("America/New_York", "US", "NY")
    assert calendar.working_day_length == timedelta(hours=8)
    assert not calendar.is_working_day(datetime(2026, 11, 26).date())  # Thanksgiving
    assert calendar.is_working_day(datetime(2026, 11, 27).date())  # the Friday after is a working day in NY
    assert store.default_review_sla_days == 3


@pytest.mark.parametrize(
    "submitted, requested, remaining_hours, provided, due_after_resume",
    [
        pytest.param(
            # submitted Tue 24 Nov 10:00; 3 working days = 24 working hours:
            #   Tue 10-17 (7 h) + Wed 25 9-17 (8 h) + [Thu 26 Thanksgiving] + Fri 27 9-17 (8 h) + Mon 30 9-10 (1 h)
            #   -> due Mon 30 Nov 10:00
            datetime(2026, 11, 24, 10, 0, tzinfo=NEW_YORK),
            # information requested Wed 25 Nov 12:00: 7 h (Tue) + 3 h (Wed) spent, 24 - 10 = 14 h left
            datetime(2026, 11, 25, 12, 0, tzinfo=NEW_YORK),
            14,
            # sent on Mon 30 Nov 09:30, after Thanksgiving, the Friday and the weekend (none of it counts: paused)
            datetime(2026, 11, 30, 9, 30, tzinfo=NEW_YORK),
            # Mon 30 09:30-17:00 (7.5 h, 6.5 h left) + Tue 1 Dec 09:00 + 6.5 h = Tue 1 Dec 15:30
            datetime(2026, 12, 1, 15, 30, tzinfo=NEW_YORK),
            id="paused-over-thanksgiving-and-the-weekend",
        ),
        pytest.param(
            # submitted Fri 20 Nov 14:00; 24 working hours:
            #   Fri 14-17 (3 h) + Mon 23 (8 h) + Tue 24 (8 h) + Wed 25 9-14 (5 h) -> due Wed 25 Nov 14:00
            datetime(2026, 11, 20, 14, 0, tzinfo=NEW_YORK),
            # information requested Mon 23 Nov 11:00: 3 h (Fri) + 2 h (Mon) spent over the weekend, 19 h left
            datetime(2026, 11, 23, 11, 0, tzinfo=NEW_YORK),
            19,
            # sent on Wed 25 Nov 15:00, the day before Thanksgiving
            datetime(2026, 11, 25, 15, 0, tzinfo=NEW_YORK),
            # Wed 15-17 (2 h, 17 left) + [Thu 26 Thanksgiving] + Fri 27 (8 h, 9 left) + [Sat, Sun]
            #   + Mon 30 (8 h, 1 left) + Tue 1 Dec 09:00 + 1 h = Tue 1 Dec 10:00
            datetime(2026, 12, 1, 10, 0, tzinfo=NEW_YORK),
            id="resumed-over-thanksgiving-and-the-weekend",
        ),
    ],
)
def test_pause_and_resume_keep_the_working_time_left(
    demo_at, submitted, requested, remaining_hours, provided, due_after_resume
):
    traveller = demo_at(submitted)
    claim = submitted_claim("IM-80010")
    reviewer = staff("reviewer@imirror.demo.example")
    shopper = shopper_actor(email=claim.shopper_email)
    assert claim.submitted_at == submitted

    traveller.move_to(requested)
    claim_request_info(claim_id=claim.pk, actor=reviewer, slots=["packaging"], message="A photo of the box, please.")
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.NEEDS_INFO
    assert claim.review_due_at is None
    assert claim.review_paused_at == requested
    assert claim.review_remaining_seconds == remaining_hours * HOUR

    traveller.move_to(provided)
    ready_evidence(claim, "packaging", 1)  # what was asked for, added now
    claim_provide_info(claim_id=claim.pk, actor=shopper, message="Added.")
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.SUBMITTED
    assert claim.review_due_at == due_after_resume
    assert claim.review_paused_at is None and claim.review_remaining_seconds is None


def test_the_first_due_time_is_three_working_days_of_opening_hours(demo_at):
    demo_at(datetime(2026, 11, 24, 10, 0, tzinfo=NEW_YORK))
    claim = submitted_claim("IM-80010")
    # Tue 10-17 (7 h) + Wed 25 (8 h) + [Thanksgiving] + Fri 27 (8 h) + Mon 30 9-10 (1 h) = 24 h
    assert claim.review_due_at == datetime(2026, 11, 30, 10, 0, tzinfo=NEW_YORK)


# --- Voltaic: complex claims get 5 working days instead of 2 -----------------------------------


def _voltaic_change_of_demand() -> Claim:
    claim = submitted_claim("VC-70020", reason="change-of-demand", answers=VOLTAIC_UNOPENED)
    assert claim.rule_code == "change-of-demand" and not claim.is_complex
    return claim


def test_marking_a_claim_complex_adds_three_working_days(demo_at):
    # Mon 2 March 2026 10:00 in Shanghai (no Chinese holiday that week or the next)
    traveller = demo_at(datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI))
    claim = _voltaic_change_of_demand()
    # standard, 2 working days = 16 h: Mon 10-17 (7 h) + Tue 3 (8 h) + Wed 4 9-10 (1 h)
    assert claim.review_due_at == datetime(2026, 3, 4, 10, 0, tzinfo=SHANGHAI)

    traveller.move_to(datetime(2026, 3, 2, 15, 0, tzinfo=SHANGHAI))
    reviewer = staff("reviewer@voltaic.demo.example")
    claim = claim_mark_complex(claim_id=claim.pk, actor=reviewer, expected_version=claim.row_version)
    claim.refresh_from_db()
    assert claim.is_complex
    # + 3 working days = 24 h from Wed 4 10:00: Wed 10-17 (7 h, 17 left) + Thu 5 (8 h, 9 left) + Fri 6 (8 h, 1 left)
    #   + [Sat, Sun] + Mon 9 9-10 (1 h) = Mon 9 March 10:00, i.e. 5 working days (40 h) after the submission
    assert claim.review_due_at == datetime(2026, 3, 9, 10, 0, tzinfo=SHANGHAI)
    assert claim.events.order_by("-pk").first().action == "mark_complex"

    # a second press is refused and changes nothing
    traveller.move_to(datetime(2026, 3, 3, 9, 0, tzinfo=SHANGHAI))
    events = claim.events.count()
    with pytest.raises(ClaimError, match=ALREADY_COMPLEX):
        claim_mark_complex(claim_id=claim.pk, actor=reviewer)
    claim.refresh_from_db()
    assert claim.review_due_at == datetime(2026, 3, 9, 10, 0, tzinfo=SHANGHAI)
    assert claim.events.count() == events


def test_marking_a_paused_claim_complex_adds_to_the_time_left(demo_at):
    traveller = demo_at(datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI))
    claim = _voltaic_change_of_demand()
    reviewer = staff("reviewer@voltaic.demo.example")
    shopper = shopper_actor(email=claim.shopper_email)

    traveller.move_to(datetime(2026, 3, 2, 12, 0, tzinfo=SHANGHAI))
    claim_request_info(claim_id=claim.pk, actor=reviewer, slots=["panoramic"], message="Another angle, please.")
    claim.refresh_from_db()
    assert claim.review_remaining_seconds == 14 * HOUR  # 16 h - 2 h spent (Mon 10-12)

    traveller.move_to(datetime(2026, 3, 3, 10, 0, tzinfo=SHANGHAI))
    claim_mark_complex(claim_id=claim.pk, actor=reviewer)
    claim.refresh_from_db()
    assert claim.review_due_at is None
    assert claim.review_remaining_seconds == (14 + 24) * HOUR  # + 3 working days of 8 h

    traveller.move_to(datetime(2026, 3, 4, 9, 0, tzinfo=SHANGHAI))
    ready_evidence(claim, "panoramic", 1)  # the other angle, added now
    claim_provide_info(claim_id=claim.pk, actor=shopper)
    claim.refresh_from_db()
    # 38 h from Wed 4 09:00: Wed (8 h, 30 left) + Thu 5 (8 h, 22 left) + Fri 6 (8 h, 14 left) + [Sat, Sun]
    #   + Mon 9 (8 h, 6 left) + Tue 10 09:00 + 6 h = Tue 10 March 15:00
    assert claim.review_due_at == datetime(2026, 3, 10, 15, 0, tzinfo=SHANGHAI)
