"""Demo claims across the launch brands in the main states, built through the claim
services with generated evidence photos (processed like real uploads), so a new
staff login has a real queue."""

import io
from datetime import timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from accounts.models import User
from claims import services
from claims.actors import shopper_actor, staff_actor
from claims.evidence import evidence_add, evidence_process
from claims.models import Claim
from claims.states import PARCEL_EXPECTED_STATES
from credits.services import store_credit_redeem
from orders.models import Order, Store
from policies.selectors import policy_data_for_version


def _photo(label: str, colour: str) -> SimpleUploadedFile:
    image = Image.new("RGB", (1280, 720), colour)
    draw = ImageDraw.Draw(image)
    draw.rectangle((40, 40, 1240, 680), outline="white", width=6)
    draw.text((640, 360), label, fill="white", anchor="mm", font_size=56)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return SimpleUploadedFile(f"{label.lower().replace(' ', '-')}.jpg", buffer.getvalue(), content_type="image/jpeg")


def _draft(number: str, reason: str, answers=None, preferred="", texts=None, line_index=0, whole_order=False) -> Claim:
    order = Order.objects.get(number=number)
    shopper = shopper_actor(email=order.customer_email)
    lines = list(order.lines.order_by("pk")) if whole_order else [order.lines.order_by("pk")[line_index]]
    claim = services.claim_start(store=order.store, actor=shopper, reason_code=reason, order=order, lines=[(line, line.quantity) for line in lines])
    services.claim_update_draft(claim_id=claim.pk, actor=shopper, answers=answers or {}, preferred_outcome=preferred, texts=texts or {})
    _evidence(claim, shopper)
    return claim


def _evidence(claim: Claim, shopper) -> None:
    policy = policy_data_for_version(version=claim.policy_version)
    colours = ["#1f4e8c", "#7a3b8f", "#0f766e", "#b4232a", "#4b5563"]
    for rule in policy.rules:
        if claim.reason_code not in rule.reason_codes:
            continue
        for slot in rule.evidence_slots:
            if slot.kind == "text" or slot.applies_to == "offline_purchase" or slot.kind == "video":
                continue
            if claim.evidence.filter(slot_code=slot.code).exists():
                continue
            for n in range(slot.min_count):
                item = evidence_add(
                    claim_id=claim.pk, actor=shopper, slot_code=slot.code, upload=_photo(f"{slot.code} {n + 1}", colours[n % len(colours)])
                )
                evidence_process(evidence_id=item.pk)


def _staff(role: str, store: Store):
    return staff_actor(user=User.objects.get(email=f"{role}@{store.slug}.demo.example"), store=store)


def _submit(claim: Claim) -> Claim:
    return services.claim_submit(claim_id=claim.pk, actor=shopper_actor(email=claim.shopper_email))


def demo_claims_load() -> int:
    """Once: skipped when any demo claim exists."""
    if Claim.objects.exists():
        return 0
    iwalk, kwoking, voltaic, imirror = (Store.objects.get(slug=s) for s in ("iwalk", "kwoking", "voltaic", "imirror"))
    im_ok = {"no-cosmetic-damage": True, "original-box": True, "complete-set": True, "packaging-undamaged": True}
    warranty_ok = {"dropped": False, "misuse": False, "third-party-repair": False, "outside-damage": False, "have-product": True}
    vc_ok = {"unused": True, "untested": True, "unprogrammed": True, "packaging-intact": True}

    # submitted, waiting for review
    _submit(_draft("IW-10010", "changed-mind", {"unopened": True}, preferred="refund"))
    _submit(_draft("VC-70001", "wrong-item", preferred="keep_with_compensation"))
    _submit(_draft("IM-80002", "damaged-on-arrival", im_ok, preferred="replacement"))

    # three items, a different outcome chosen for each: staff approve per item
    claim = _draft(
        "IM-80013",
        "not-satisfied",
        im_ok,
        texts={"reason": "Three mirrors were too many: one in white, one back, one as credit."},
        whole_order=True,
    )
    lines = {line.order_line.product.sku: line for line in claim.lines.select_related("order_line__product")}
    white = imirror.products.get(sku="IM-SM32W")
    services.claim_choose_outcomes(
        claim_id=claim.pk,
        actor=shopper_actor(email=claim.shopper_email),
        choices={
            lines["IM-SM32"].pk: ("exchange", white.pk),
            lines["IM-SM27"].pk: ("refund", None),
            lines["IM-SM32W"].pk: ("store_credit", None),
        },
    )
    _submit(claim)

    # received at the warehouse, waiting for inspection
    claim = _submit(_draft("IW-10001", "not-working", {"unopened": True}, preferred="replacement"))
    claim = services.claim_approve(claim_id=claim.pk, actor=_staff("reviewer", iwalk), outcome=None)
    services.claim_ship(claim_id=claim.pk, actor=shopper_actor(email=claim.shopper_email), carrier="USPS", tracking_number="9400111899223197428490")
    services.claim_receive(claim_id=claim.pk, actor=_staff("warehouse", iwalk), rma_number=claim.rma_number)

    # rejected, then appealed
    claim = _submit(_draft("KW-50002", "changed-mind", {"mint": True, "unused": True}, whole_order=True))  # the bundle, with its gift
    services.claim_reject(claim_id=claim.pk, actor=_staff("reviewer", kwoking), reason="Condition not met", message="The camera shows signs of use.")
    services.claim_appeal(claim_id=claim.pk, actor=shopper_actor(email=claim.shopper_email), message="It was only unboxed, never mounted.")

    # approved with a return that was never shipped: the right was waived
    claim = _submit(_draft("VC-70010", "change-of-demand", vc_ok))
    claim = services.claim_approve(claim_id=claim.pk, actor=_staff("reviewer", voltaic), outcome=None)
    # demo only: move the ship-by clock into the past, then let the state machine expire it
    passed = timezone.now() - timedelta(hours=1)
    Claim.objects.filter(pk=claim.pk).update(ship_by_at=passed, next_due_at=passed)
    services.claim_expire(claim_id=claim.pk)

    # refused delivery refunded, then closed
    claim = _submit(_draft("IM-81002", "refused"))
    services.claim_approve(claim_id=claim.pk, actor=_staff("reviewer", imirror), outcome=None)
    services.claim_record_refund(claim_id=claim.pk, actor=_staff("manager", imirror), payment_reference="DEMO-REFUND-1")
    services.claim_close(claim_id=claim.pk, actor=_staff("reviewer", imirror))

    # more information needed
    claim = _submit(_draft("IW-10045", "not-working", warranty_ok, texts={"issue": "Stops charging after a few minutes."}))
    services.claim_request_info(
        claim_id=claim.pk, actor=_staff("reviewer", iwalk), slots=["photos-videos"], message="Could you add a short video of the charging light?"
    )

    # approved, awaiting the return (RMA issued)
    claim = _submit(_draft("IM-80010", "not-satisfied", im_ok, texts={"reason": "Too large for the hallway."}))
    services.claim_approve(claim_id=claim.pk, actor=_staff("reviewer", imirror), outcome="refund")

    # approved, awaiting the return in every brand: parcels for the warehouse's
    # receiving screen (IMIRROR's is IM-80010 above, iWALK's the one in transit below)
    claim = _submit(_draft("KW-50030", "changed-mind", {"mint": True, "unused": True}))
    services.claim_approve(claim_id=claim.pk, actor=_staff("reviewer", kwoking), outcome=None)
    claim = _submit(_draft("VC-70030", "change-of-demand", vc_ok))
    services.claim_approve(claim_id=claim.pk, actor=_staff("reviewer", voltaic), outcome=None)

    # in transit (not on IW-10020: the README's guest example stays claimable)
    claim = _submit(_draft("IW-10021", "changed-mind", {"unopened": True}, preferred="refund"))
    services.claim_approve(claim_id=claim.pk, actor=_staff("reviewer", iwalk), outcome=None)
    services.claim_ship(claim_id=claim.pk, actor=shopper_actor(email=claim.shopper_email), carrier="UPS", tracking_number="1Z999AA10123456784")

    # received and inspected, refund due
    claim = _submit(_draft("VC-70020", "change-of-demand", vc_ok))
    claim = services.claim_approve(claim_id=claim.pk, actor=_staff("reviewer", voltaic), outcome=None)
    services.claim_ship(claim_id=claim.pk, actor=shopper_actor(email=claim.shopper_email), carrier="DHL Express", tracking_number="1234567890")
    services.claim_receive(claim_id=claim.pk, actor=_staff("warehouse", voltaic), rma_number=claim.rma_number)
    services.claim_inspect(claim_id=claim.pk, actor=_staff("warehouse", voltaic), notes="Packaging intact, all parts present.")

    # approved without return, then resolved
    claim = _submit(
        _draft("KW-50001", "not-working", preferred="replacement_part", texts={"details": "Item KW-CAM: the night vision LED is dead."})
    )
    services.claim_approve(claim_id=claim.pk, actor=_staff("reviewer", kwoking), outcome=None)
    services.claim_resolve(
        claim_id=claim.pk, actor=_staff("manager", kwoking), resolution=Claim.Resolution.REPLACEMENT_PART_SENT, replacement_tracking="DHL 9876543210"
    )

    # cancelled automatically (late shipment), waiting for the refund
    _submit(_draft("KW-60001", "cancel"))

    # rejected
    claim = _submit(_draft("KW-50045", "changed-mind", {"mint": True, "unused": True}))
    services.claim_reject(
        claim_id=claim.pk, actor=_staff("reviewer", kwoking), reason="Used product", message="The photos show clear signs of use."
    )

    # returned for store credit with its bonus, resolved by issuing the code; the shopper
    # has spent part of it (the admin's Store credits ledger: issued, then redeemed)
    claim = _submit(_draft("IM-80012", "not-satisfied", im_ok, preferred="store_credit", texts={"reason": "The 32-inch suits us better."}))
    claim = services.claim_approve(claim_id=claim.pk, actor=_staff("reviewer", imirror), outcome="store_credit")
    services.claim_ship(claim_id=claim.pk, actor=shopper_actor(email=claim.shopper_email), carrier="USPS", tracking_number="9400111899223197428491")
    services.claim_receive(claim_id=claim.pk, actor=_staff("warehouse", imirror), rma_number=claim.rma_number)
    services.claim_inspect(claim_id=claim.pk, actor=_staff("warehouse", imirror), notes="As new, in its original box.")
    claim = services.claim_issue_store_credit(claim_id=claim.pk, actor=_staff("manager", imirror))
    store_credit_redeem(
        credit_id=claim.store_credit.pk,
        user=User.objects.get(email="manager@imirror.demo.example"),
        amount=Decimal("100.00"),
        reference="IM-80005",
        note="Spent on a wall mount kit and a power adapter.",
    )

    # withdrawn by the shopper
    claim = _submit(_draft("IM-81001", "cancel"))
    services.claim_withdraw(claim_id=claim.pk, actor=shopper_actor(email=claim.shopper_email), note="Changed my mind, keeping it.")
    return Claim.objects.count()


def demo_parcels_expected() -> list[tuple[str, str, str]]:
    """(store, order number, RMA number) of the demo claims whose parcel the warehouse
    expects, to try the receiving screen with."""
    expected = (
        Claim.objects.filter(status__in=PARCEL_EXPECTED_STATES)
        .exclude(rma_number=None)
        .select_related("store", "order")
    )
    return [
        (c.store.name, c.order.number if c.order else "", c.rma_number) for c in expected.order_by("store__name", "pk")
    ]
