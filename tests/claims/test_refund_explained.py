"""The money after the decision, line by line beside the estimate at submission, on the
shopper's claim page and in the status e-mails; and staff's internal notes never reach
the shopper (only the note to the shopper does)."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from claims.actors import shopper_actor
from claims.models import Claim, ClaimEvent
from claims.refund_explained import claim_money_explained
from claims.services import (
    claim_approve,
    claim_inspect,
    claim_line_decide,
    claim_receive,
    claim_record_refund,
    claim_resolve,
    claim_ship,
    claim_start,
    claim_submit,
    claim_update_draft,
)
from notifications.models import OutboundEmail
from orders.models import Order
from tests.claims.conftest import satisfy_evidence, staff, submitted_claim
from tests.claims.test_life import UPS_EXAMPLE, _submitted_mirror_claim

pytestmark = pytest.mark.django_db

INTERNAL = "INTERNAL-ONLY: bin 4, resell as B-stock"


def _page(claim: Claim) -> str:
    client = Client()
    client.force_login(User.objects.get(email=claim.shopper_email))
    response = client.get(reverse("claims:claim_detail", args=[claim.store.slug, claim.reference]))
    assert response.status_code == 200
    return response.content.decode()


def _email(claim: Claim, kind: str) -> OutboundEmail:
    return OutboundEmail.objects.filter(kind=kind, to=claim.shopper_email).latest("pk")


def _received_mirror():
    """IM-80010's mirror (estimate 810.00: 899.00 less 89.00 return shipping), received."""
    claim, shopper = _submitted_mirror_claim()
    claim = claim_approve(claim_id=claim.pk, actor=staff("reviewer@imirror.demo.example"), outcome=None)
    claim = claim_ship(claim_id=claim.pk, actor=shopper, carrier="UPS", tracking_number=UPS_EXAMPLE)
    return claim_receive(claim_id=claim.pk, actor=staff("warehouse@imirror.demo.example"), rma_number=claim.rma_number)


def test_a_refund_reduced_at_inspection_is_explained_line_by_line_on_the_page_and_in_the_emails(demo):
    claim = _received_mirror()
    warehouse = staff("warehouse@imirror.demo.example")
    claim = claim_inspect(
        claim_id=claim.pk,
        actor=warehouse,
        missing_accessories=[("Wall mount kit", Decimal("49.00"))],
        damage_value=Decimal("45.00"),
        damage_description="scratched frame",
        notes=INTERNAL,
        shopper_note="The mirror arrived without its wall mount kit and with a scratched frame.",
    )
    claim = Claim.objects.get(pk=claim.pk)
    money = claim_money_explained(claim=claim)
    assert (money.estimate_total, money.final_total) == (Decimal("810.00"), Decimal("630.15"))
    assert money.changes == (
        (Decimal("-134.85"), "Restocking fee (items missing or packaging damaged, found at inspection, 15 %)"),
        (Decimal("-45.00"), "Damage on return — damage found at inspection: scratched frame"),
    )
    rows = {row.label: (row.estimate, row.estimate_later, row.final) for row in money.rows}
    assert rows["Price paid for the item(s)"] == (Decimal("899.00"), False, Decimal("899.00"))
    assert rows["Return shipping"] == (Decimal("-89.00"), False, Decimal("-89.00"))
    assert rows["Damage on return — damage found at inspection: scratched frame"] == (None, True, Decimal("-45.00"))

    inspected = _email(claim, "claim:inspect")
    for body in (inspected.body_text, inspected.body_html, _page(claim)):
        assert "Estimated 810.00 → 630.15" in body
        assert "−134.85 Restocking fee" in body and "−45.00 Damage on return — damage found at inspection: scratched frame" in body
        assert "The mirror arrived without its wall mount kit and with a scratched frame." in body
        assert "INTERNAL-ONLY" not in body

    # the refund recorded as it stands: the same lines, now "Refunded"
    claim_record_refund(claim_id=claim.pk, actor=staff("manager@imirror.demo.example"))
    claim = Claim.objects.get(pk=claim.pk)
    resolved = _email(claim, "claim:resolve")
    page = _page(claim)
    for body in (resolved.body_text, resolved.body_html, page):
        assert "Estimated 810.00 → 630.15" in body and "Refunded" in body and "scratched frame" in body
        assert "INTERNAL-ONLY" not in body
    assert claim.store.accent_colour in resolved.body_html  # the brand's colours


def test_an_accepted_return_shows_the_estimate_kept(demo):
    claim = _received_mirror()
    claim_inspect(claim_id=claim.pk, actor=staff("warehouse@imirror.demo.example"))
    claim_record_refund(claim_id=claim.pk, actor=staff("manager@imirror.demo.example"))
    money = claim_money_explained(claim=Claim.objects.get(pk=claim.pk))
    assert (money.estimate_total, money.final_total, money.changed, money.changes) == (Decimal("810.00"), Decimal("810.00"), False, ())
    page = _page(claim)
    assert 'data-testid="money-explained"' in page and "Estimated 810.00 →" not in page


def test_before_the_money_is_decided_nothing_is_claimed(demo):
    claim = _received_mirror()
    assert claim_money_explained(claim=Claim.objects.get(pk=claim.pk)) is None
    assert 'data-testid="money-explained"' not in _page(claim)


def test_an_item_not_accepted_is_named_as_the_reason_the_amount_changed(demo):
    order = Order.objects.get(number="VC-70020")  # 2 power modules + 3 connector kits
    shopper = shopper_actor(email=order.customer_email)
    lines = list(order.lines.order_by("pk"))
    claim = claim_start(store=order.store, actor=shopper, reason_code="change-of-demand", order=order, lines=[(line, line.quantity) for line in lines])
    claim_update_draft(claim_id=claim.pk, actor=shopper, answers={"unused": True, "untested": True, "unprogrammed": True, "packaging-intact": True})
    satisfy_evidence(claim)
    claim = claim_submit(claim_id=claim.pk, actor=shopper)
    # the estimate kept is the whole claim's, as the draft showed it (both items)
    estimate = Decimal(claim.decision["rules"][0]["refund"]["total"])
    connectors = claim.lines.get(order_line=lines[1])
    manager = staff("manager@voltaic.demo.example")
    claim_line_decide(claim_id=claim.pk, actor=manager, line_id=connectors.pk, accept=False, note="Opened packs")
    claim = claim_approve(claim_id=claim.pk, actor=manager, outcome=None)
    claim = claim_ship(claim_id=claim.pk, actor=shopper, carrier="FedEx", tracking_number="123456789012")
    claim = claim_receive(claim_id=claim.pk, actor=staff("warehouse@voltaic.demo.example"), rma_number=claim.rma_number)
    claim_inspect(claim_id=claim.pk, actor=staff("warehouse@voltaic.demo.example"))
    claim_record_refund(claim_id=claim.pk, actor=manager)
    money = claim_money_explained(claim=Claim.objects.get(pk=claim.pk))
    assert money.estimate_total == estimate
    # every change is named, and they add up to the difference
    assert sum(amount for amount, _why in money.changes) == money.final_total - estimate
    assert (Decimal("-19.20"), f"not accepted: {lines[1].product.name} (Opened packs)") in money.changes
    assert f"not accepted: {lines[1].product.name} (Opened packs)" in _email(claim, "claim:resolve").body_text


def test_postage_the_shopper_paid_is_shown_as_added_to_the_refund(demo):
    claim = submitted_claim("IW-10001", "not-working", answers={"unopened": True}, preferred="refund")
    claim = claim_approve(claim_id=claim.pk, actor=staff("reviewer@iwalk.demo.example"), outcome=None)
    warehouse = staff("warehouse@iwalk.demo.example")
    claim = claim_ship(claim_id=claim.pk, actor=warehouse, postage_paid=Decimal("18.40"), carrier="USPS", tracking_number="9400111899223197428490")
    claim = claim_receive(claim_id=claim.pk, actor=warehouse, rma_number=claim.rma_number)
    claim_inspect(claim_id=claim.pk, actor=warehouse, defect_confirmed=True)
    claim_record_refund(claim_id=claim.pk, actor=staff("manager@iwalk.demo.example"))
    money = claim_money_explained(claim=Claim.objects.get(pk=claim.pk))
    assert (Decimal("15.00"), "Return postage you paid (refunded up to the cap)") in money.changes
    assert money.final_total - money.estimate_total == Decimal("15.00")
    assert "+15.00 Return postage you paid" in _email(claim, "claim:resolve").body_text


# --- notes: only the note to the shopper reaches the shopper -----------------------------------


def test_internal_notes_never_reach_the_shopper_page_or_emails(demo):
    emails_before = OutboundEmail.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    claim, shopper = _submitted_mirror_claim()
    reviewer, warehouse = staff("reviewer@imirror.demo.example"), staff("warehouse@imirror.demo.example")
    claim = claim_approve(claim_id=claim.pk, actor=reviewer, outcome=None, note=INTERNAL + " (approve)")
    claim = claim_ship(claim_id=claim.pk, actor=shopper, carrier="UPS", tracking_number=UPS_EXAMPLE)
    claim = claim_receive(claim_id=claim.pk, actor=warehouse, rma_number=claim.rma_number, note=INTERNAL + " (receive)")
    claim = claim_inspect(claim_id=claim.pk, actor=warehouse, notes=INTERNAL + " (inspect)", shopper_note="All there, thank you.")
    claim_record_refund(claim_id=claim.pk, actor=staff("manager@imirror.demo.example"))
    # staff keep every internal note in the claim's history
    notes = list(ClaimEvent.objects.filter(claim=claim).exclude(note="").values_list("action", "note"))
    assert [action for action, note in notes if note.startswith(INTERNAL)] == ["approve_return", "receive", "inspect"]
    told = OutboundEmail.objects.filter(pk__gt=emails_before, to=claim.shopper_email)
    assert told.count() >= 5
    for email in told:
        assert "INTERNAL-ONLY" not in email.body_text + email.body_html + email.subject, email.kind
    page = _page(claim)
    assert "INTERNAL-ONLY" not in page
    assert "All there, thank you." in page and "All there, thank you." in _email(claim, "claim:inspect").body_text


def test_a_resolution_note_stays_internal_and_existing_inspection_notes_are_treated_as_internal(demo):
    claim = _received_mirror()
    claim = claim_inspect(claim_id=claim.pk, actor=staff("warehouse@imirror.demo.example"))
    # an inspection recorded before notes were split: its note was written as "Notes" only
    ClaimEvent.objects.filter(claim=claim, action="inspect").update(note=INTERNAL + " (old inspection)", shopper_note="")
    claim_resolve(claim_id=claim.pk, actor=staff("manager@imirror.demo.example"), resolution=Claim.Resolution.REFUNDED, note=INTERNAL + " (resolve)")
    page = _page(claim)
    assert "INTERNAL-ONLY" not in page
    assert "INTERNAL-ONLY" not in _email(claim, "claim:resolve").body_text


def test_the_drafts_estimate_says_up_to_while_inspection_decides_a_line(demo):
    from tests.claims.conftest import IM_OK
    from tests.claims.test_life import _mirror_draft

    claim, shopper = _mirror_draft()
    claim_update_draft(claim_id=claim.pk, actor=shopper, answers=IM_OK)
    client = Client()
    client.force_login(User.objects.get(email=claim.shopper_email))
    page = client.get(f"/claims/{claim.pk}/draft/").content.decode()
    total = page[page.index('data-testid="refund-estimate-total"') :]
    total = total[: total.index("</tr>")]
    assert "Refund: up to" in total and "decided at inspection" in total and "810.00" in total
    assert "Estimated refund" not in page


def test_another_amount_is_shown_as_an_adjustment_without_staffs_reason(demo):
    claim = _received_mirror()
    claim_inspect(claim_id=claim.pk, actor=staff("warehouse@imirror.demo.example"))
    claim_record_refund(
        claim_id=claim.pk, actor=staff("manager@imirror.demo.example"), amount=Decimal("800.00"), override_reason="INTERNAL-ONLY goodwill cap"
    )
    money = claim_money_explained(claim=Claim.objects.get(pk=claim.pk))
    assert money.changes == ((Decimal("-10.00"), "Adjustment by our team"),)
    assert "INTERNAL-ONLY" not in _page(claim) + _email(claim, "claim:resolve").body_text
