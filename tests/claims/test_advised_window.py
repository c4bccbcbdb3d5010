"""An advised ("soft") window: a claim reported after it is still accepted, the shopper
was told staff will look at the late report, and staff see the claim flagged on its page."""

import html

import pytest
from django.test import Client

from accounts.models import User
from claims.admin import REPORTED_LATE
from claims.selectors import claim_decided_rule
from claims.services import ClaimError
from policies.models import CoverageRule, Policy
from policies.services import policy_publish
from tests.claims.conftest import submitted_claim

pytestmark = pytest.mark.django_db


def _voltaic_wrong_item_advised() -> None:
    """Voltaic's 48-hour wrong-item window, only advised ("within 48 hours if possible")."""
    CoverageRule.objects.filter(policy__store__slug="voltaic", code="wrong-item").update(window_enforced=False)
    policy_publish(policy=Policy.objects.get(store__slug="voltaic"), actor=User.objects.get(email="manager@voltaic.demo.example"))


def _staff_page(claim) -> str:
    client = Client()
    client.force_login(User.objects.get(email="reviewer@voltaic.demo.example"))
    response = client.get(f"/admin/claims/claim/{claim.pk}/change/")
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def test_a_report_after_an_advised_window_is_accepted_and_flagged_for_staff(demo):
    _voltaic_wrong_item_advised()
    late = submitted_claim("VC-70010", "wrong-item", answers={}, preferred="keep_with_compensation")  # delivered 10 days ago
    assert late.status == "submitted" and late.rule_code == "wrong-item"
    decided = claim_decided_rule(claim=late)
    assert decided["reported_late"] is True
    assert "staff will look at your late report" in decided["explanation"][0]
    assert str(REPORTED_LATE) in _staff_page(late)


def test_a_report_inside_the_advised_window_is_not_flagged(demo):
    _voltaic_wrong_item_advised()
    on_time = submitted_claim("VC-70001", "wrong-item", answers={}, preferred="keep_with_compensation")  # delivered a day ago
    assert claim_decided_rule(claim=on_time)["reported_late"] is False
    assert str(REPORTED_LATE) not in _staff_page(on_time)


def test_the_enforced_window_still_refuses_a_late_report(demo):
    with pytest.raises(ClaimError, match="ended on"):
        submitted_claim("VC-70010", "wrong-item", answers={}, preferred="keep_with_compensation")
