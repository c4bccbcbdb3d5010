"""Return shipping made clear: when the shopper pays, ONE sentence says how (the amount
deducted from the refund, the same as the estimate's row, or postage they buy); the
carrier's tracking page is built from the policy's pattern with the number encoded;
the return address and drop-off instructions travel in the published version."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from policies.engine import CarrierData, tracking_url, tracking_url_problem
from policies.models import Policy, ReturnCarrier
from policies.selectors import policy_data_for_version, policy_version_current
from policies.services import policy_publish
from policies.templatetags.policy_words import payer_words
from tests.policies.conftest import decide, local, rule

IM_OK = {"no-cosmetic-damage": True, "original-box": True, "complete-set": True, "packaging-undamaged": True}
UPS = "https://www.ups.com/track?tracknum={tracking}"


# --- the shipping sentence, per payer ----------------------------------------------------


def test_the_shopper_who_pays_reads_the_amount_deducted_once_and_it_is_the_estimates_row(brands):
    im = brands["imirror"]
    delivered = local(im, 2026, 10, 1, 14, 0)
    unhappy = rule(
        decide(im, "not-satisfied", now=delivered + timedelta(days=3), answers=IM_OK, delivered_at=delivered, unit_price=Decimal("899.00")), "return-30"
    )
    assert unhappy.shipping_payer == "shopper"
    assert unhappy.shipping_explanation == "We deduct 89.00 USD return shipping from your refund: the reason is not a defect."
    assert "You pay return shipping" not in unhappy.shipping_explanation  # never a second, unexplained charge
    assert [line.amount for line in unhappy.refund.lines if line.code == "return-shipping"] == [Decimal("-89.00")]


def test_the_shopper_who_pays_without_a_deduction_buys_the_postage_and_nothing_is_deducted(brands):
    iwalk = brands["iwalk"]
    bought = local(iwalk, 2026, 10, 3, 10, 0)
    changed_mind = rule(decide(iwalk, "changed-mind", now=bought + timedelta(days=2), answers={"unopened": True}, paid_at=bought), "money-back-30")
    assert changed_mind.shipping_payer == "shopper"
    assert changed_mind.shipping_explanation == (
        "You buy the return postage yourself; we don't deduct anything for it from your refund: the reason is not a defect."
    )
    assert not any("shipping" in line.label.lower() for line in changed_mind.refund.lines)


def test_the_reason_the_shopper_pays_is_kept_in_the_one_sentence(brands):
    iwalk = brands["iwalk"]
    bought = local(iwalk, 2026, 10, 3, 10, 0)
    abroad = rule(
        decide(iwalk, "not-working", now=bought + timedelta(days=2), answers={"unopened": True}, paid_at=bought, shipping_country="CA"), "money-back-30"
    )
    assert abroad.shipping_explanation == (
        "You buy the return postage yourself; we don't deduct anything for it from your refund: returns from abroad are at the shopper's cost."
    )


def test_brand_paid_and_nothing_to_send_back_read_as_before(brands):
    im = brands["imirror"]
    delivered = local(im, 2026, 10, 1, 14, 0)
    faulty = rule(
        decide(im, "manufacturing-issue", now=delivered + timedelta(days=3), answers=IM_OK, delivered_at=delivered, unit_price=Decimal("899.00")), "return-30"
    )
    assert faulty.shipping_payer == "brand" and faulty.shipping_explanation.startswith("IMIRROR pays return shipping")
    assert "deduct" not in faulty.shipping_explanation


def test_the_policy_page_says_how_a_paying_shopper_pays(brands):
    im = next(r for r in brands["imirror"].policy.rules if r.code == "return-30")
    assert payer_words(im, "USD") == (
        "The brand pays return shipping for a confirmed defect; otherwise we deduct 89.00 USD return shipping from your refund."
    )
    iwalk = next(r for r in brands["iwalk"].policy.rules if r.code == "money-back-30")
    assert payer_words(iwalk, "USD").endswith("otherwise you buy the return postage yourself; we don't deduct anything for it.")


# --- the carrier's tracking page -----------------------------------------------------------


def test_the_tracking_page_is_the_pattern_with_the_number():
    ups = CarrierData(name="UPS", tracking_pattern="", tracking_url=UPS)
    assert tracking_url(ups, "1Z999AA10123456784") == "https://www.ups.com/track?tracknum=1Z999AA10123456784"
    dhl = CarrierData(name="DHL", tracking_pattern="", tracking_url="https://www.dhl.de/de/privatkunden/pakete-empfangen/verfolgen.html?piececode={tracking}")
    assert tracking_url(dhl, " 00340434161094042557 ").endswith("?piececode=00340434161094042557")


def test_the_number_is_url_encoded_so_it_stays_inside_its_parameter():
    ups = CarrierData(name="UPS", tracking_pattern="", tracking_url=UPS)
    assert tracking_url(ups, "AB 12/34?x=1&y#z") == "https://www.ups.com/track?tracknum=AB%2012%2F34%3Fx%3D1%26y%23z"


def test_no_pattern_or_no_number_means_no_link():
    assert tracking_url(CarrierData(name="Courier", tracking_pattern=""), "1234567890") == ""
    assert tracking_url(CarrierData(name="UPS", tracking_pattern="", tracking_url=UPS), "") == ""
    assert tracking_url(None, "1234567890") == ""


@pytest.mark.parametrize(
    "number",
    ['"><script>alert(1)</script>', "javascript:alert(1)", "1Z' onmouseover='x", "../../admin/"],
)
def test_a_hostile_number_cannot_leave_the_query_or_change_the_host(number):
    url = tracking_url(CarrierData(name="UPS", tracking_pattern="", tracking_url=UPS), number)
    assert url.startswith("https://www.ups.com/track?tracknum=")
    assert not set("<>\"' /&?#") & set(url.removeprefix("https://www.ups.com/track?tracknum="))


@pytest.mark.parametrize(
    "pattern",
    [
        "javascript:alert(1)//{tracking}",
        "data:text/html,{tracking}",
        "https://www.ups.com/track",  # no place for the number
        "https://www.ups.com/track?a={tracking}&b={tracking}",
        '//evil.example/{tracking}',
        'https://evil.example/"onmouseover="x{tracking}',
        "https://evil.example/ {tracking}",
    ],
)
def test_a_pattern_that_is_not_a_plain_web_address_is_refused_and_never_linked(pattern):
    assert tracking_url_problem(pattern)
    assert tracking_url(CarrierData(name="X", tracking_pattern="", tracking_url=pattern), "1234567890") == ""


@pytest.mark.django_db
def test_the_admin_refuses_a_bad_pattern_with_the_reason(demo):
    carrier = ReturnCarrier(policy=Policy.objects.get(store__slug="voltaic"), name="Courier", tracking_url="https://courier.example/track")
    with pytest.raises(ValidationError) as raised:
        carrier.full_clean()
    assert "{tracking}" in str(raised.value.message_dict["tracking_url"])


# --- policy data: published with the version ----------------------------------------------


@pytest.mark.django_db
def test_return_address_drop_off_and_tracking_pages_are_published_with_the_version(demo, django_user_model):
    policy = Policy.objects.select_related("store").get(store__slug="voltaic")
    before = policy_data_for_version(version=policy_version_current(store=policy.store))
    assert before.drop_off_instructions.startswith("Book a FedEx or DHL Express pickup")
    assert {c.name: c.tracking_url for c in before.carriers}["FedEx"] == "https://www.fedex.com/fedextrack/?trknbr={tracking}"
    assert before.return_address == ""  # the store's applies

    policy.return_address = "Voltaic RMA\nDock 4, 5 Industrial Park Road\nDongguan 523000\nChina"
    policy.drop_off_instructions = "Hand it to the DHL courier at the door."
    policy.save()
    policy.carriers.filter(name="FedEx").update(tracking_url="https://www.fedex.com/en-us/tracking.html?tracknumbers={tracking}")
    policy_publish(policy=policy, actor=django_user_model.objects.get(email="admin@demo.example"), note="New dock")
    after = policy_data_for_version(version=policy_version_current(store=policy.store))
    assert after.return_address.startswith("Voltaic RMA\nDock 4")
    assert after.drop_off_instructions == "Hand it to the DHL courier at the door."
    assert {c.name: c.tracking_url for c in after.carriers}["FedEx"].endswith("tracknumbers={tracking}")


@pytest.fixture
def demo(db):
    from django.core.management import call_command

    from orders.models import Store

    call_command("demo_load", no_claims=True)
    return {store.slug: store for store in Store.objects.all()}
