"""Return and warranty policies as data.

A store has one Policy. Staff edit its rules (the draft: the rows below); publishing
freezes them into a PolicyVersion whose `data` is the complete snapshot the engine
evaluates. A claim keeps the version it was decided under, so later edits never
change the rules of an open claim.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

from orders.models import Order, OrderEventType, ProductCategory, Store
from policies.engine import ORDER_DELIVERED, ORDER_NOT_SHIPPED, ORDER_SHIPPED, ORDER_STATES, default_order_states


class ReasonKind(models.TextChoices):
    CHANGE_OF_MIND = "change_of_mind", _("Change of mind / change of demand")
    DEAD_ON_ARRIVAL = "dead_on_arrival", _("Dead on arrival")
    FUNCTIONAL_FAILURE = "functional_failure", _("Functional failure (warranty)")
    WRONG_ITEM = "wrong_item", _("Wrong item")
    DAMAGED_IN_TRANSIT = "damaged_in_transit", _("Damaged in transit")
    MISSING_PARTS = "missing_parts", _("Missing parts")
    CANCELLATION = "cancellation", _("Cancellation before shipment")
    ADDRESS_CHANGE = "address_change", _("Address change before shipment")
    REFUSED_DELIVERY = "refused_delivery", _("Refused delivery")
    WRONG_CHARGE = "wrong_charge", _("Wrong charge")


class Outcome(models.TextChoices):
    REFUND = "refund", _("Full refund")  # O1
    PARTIAL_REFUND = "partial_refund", _("Partial refund")  # O2
    REPLACEMENT = "replacement", _("Replacement")  # O3
    REPLACEMENT_PART = "replacement_part", _("Replacement part")  # O4
    REPAIR = "repair", _("Repair")  # O5
    KEEP_WITH_COMPENSATION = "keep_with_compensation", _("Keep the item with compensation, plus reshipment")  # O6
    CANCEL_REFUND = "cancel_refund", _("Order cancelled and refunded")  # O7
    ADDRESS_CHANGED = "address_changed", _("Address changed")  # O8
    REJECTION = "rejection", _("Rejected with a reason")  # O9
    STORE_CREDIT = "store_credit", _("Store credit")
    # the item for another of the same exchange group or model family (orders.Product),
    # the price difference settled either way (claims.outcomes)
    EXCHANGE = "exchange", _("Exchange")


class Policy(models.Model):
    """A store's return and warranty policy: the settings that hold for every rule."""

    store_path = "store"

    store = models.OneToOneField(Store, on_delete=models.CASCADE, related_name="policy")
    name = models.CharField(_("name"), max_length=200)
    summary = models.TextField(_("summary shown to shoppers"), blank=True)
    # process (P2, P3, P6)
    rma_prefix = models.CharField(_("RMA prefix"), max_length=10, default="RMA", validators=[RegexValidator(r"^[A-Z0-9-]*$")])
    rma_digits = models.PositiveSmallIntegerField(
        _("RMA digits"), default=9, validators=[MinValueValidator(6), MaxValueValidator(15)]
    )
    # service levels (S1, S2, S9)
    review_standard_working_days = models.PositiveSmallIntegerField(
        _("review SLA, standard claim (working days)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Empty: the store's default review SLA."),
    )
    review_complex_working_days = models.PositiveSmallIntegerField(
        _("review SLA, complex claim (working days)"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    funds_arrival_note = models.CharField(
        _("when refunded money arrives (shown)"),
        max_length=200,
        blank=True,
        help_text=_('e.g. "Funds appear in 10–15 business days depending on your payment provider."'),
    )
    # return shipping (shown on the claim page and the return slip while the item is to be sent back)
    return_address = models.TextField(
        _("return address"),
        blank=True,
        help_text=_("Where returns are sent, as it goes on the parcel. Empty: the store's return address."),
    )
    drop_off_instructions = models.TextField(
        _("drop-off instructions (shown)"),
        blank=True,
        help_text=_('How to hand the parcel over, e.g. "Drop the parcel at any DHL Packstation or post office; keep the receipt."'),
    )
    sources = models.TextField(
        _("sources (policy matrix IDs)"),
        blank=True,
        help_text=_("Which rules of the brand's published policy these settings implement, e.g. S1, S2, P2."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("policy")
        verbose_name_plural = _("policies")

    def __str__(self) -> str:
        return f"{self.store.name}: {self.name}"

    def clean(self) -> None:
        if (
            self.review_standard_working_days
            and self.review_complex_working_days
            and self.review_complex_working_days < self.review_standard_working_days
        ):
            raise ValidationError({"review_complex_working_days": _("A complex review cannot be shorter than a standard one.")})


class Reason(models.Model):
    """What the shopper says happened. Each store lists its own; each maps to a kind."""

    store_path = "store"

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="claim_reasons")
    code = models.SlugField(_("code"), max_length=40)
    label = models.CharField(_("label"), max_length=120)
    kind = models.CharField(_("kind"), max_length=30, choices=ReasonKind.choices)
    help_text = models.CharField(_("help text"), max_length=300, blank=True)
    not_covered_note = models.CharField(
        _("note when no rule covers it"), max_length=300, blank=True, help_text=_("Shown when no rule covers this reason.")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    order_states = models.JSONField(
        _("offered when the order is"),
        default=list,
        blank=True,
        help_text=_("The order states in which shoppers may pick this reason. Empty: the kind's default."),
    )

    class Meta:
        ordering = ["store", "position", "label"]
        constraints = [models.UniqueConstraint(fields=["store", "code"], name="policies_reason_code_unique")]

    def __str__(self) -> str:
        return self.label

    @property
    def offered_when(self) -> tuple[str, ...]:
        """The order states it is offered in: the chosen ones, else the kind's default."""
        chosen = set(self.order_states or default_order_states(self.kind))
        return tuple(state for state in ORDER_STATES if state in chosen)

    def clean(self) -> None:
        unknown = set(self.order_states or ()) - set(ORDER_STATES)
        if unknown:
            raise ValidationError({"order_states": REASON_ORDER_STATE_UNKNOWN})


class OrderState(models.TextChoices):
    """The order states a reason can be offered in (policies.engine.ORDER_STATES)."""

    NOT_SHIPPED = ORDER_NOT_SHIPPED, _("not shipped yet")
    SHIPPED = ORDER_SHIPPED, _("shipped, not delivered (on its way, or refused at the door)")
    DELIVERED = ORDER_DELIVERED, _("delivered (purchases without an order count as delivered)")


REASON_ORDER_STATE_UNKNOWN = _("Choose order states from the list.")


class WindowUnit(models.TextChoices):
    HOURS = "hours", _("hours")
    CALENDAR_DAYS = "calendar_days", _("calendar (natural) days")
    WORKING_DAYS = "working_days", _("working days")
    MONTHS = "months", _("months")
    WARRANTY = "warranty", _("the product's warranty (months, else its category's)")
    UNTIL_EVENT = "until_event", _("until an event happens")


class Anchor(models.TextChoices):
    PLACED = "placed", _("order placed")
    PAID = "paid", _("order paid")
    SHIPPED = "shipped", _("shipped")
    PICKED_UP = "picked_up", _("picked up by the carrier")
    DELIVERED = "delivered", _("delivered / received")
    PURCHASE = "purchase", _("purchase (paid, else placed)")
    EVENT = "event", _("an order event (choose it below)")


class UntilEvent(models.TextChoices):
    PROCESSED = "processed", _("the order is processed")
    SHIPPED = "shipped", _("the order ships")
    PICKED_UP = "picked_up", _("the carrier picks the parcel up")
    DELIVERED = "delivered", _("the parcel is delivered")
    EVENT = "event", _("an order event happens (choose it below)")


class ProductScope(models.TextChoices):
    ALL = "all", _("all products")
    NOT_ACCESSORIES = "not_accessories", _("products, not accessories")
    ACCESSORIES = "accessories", _("accessories only")


class ShippingPayer(models.TextChoices):
    BRAND = "brand", _("the brand")
    SHOPPER = "shopper", _("the shopper")
    BRAND_IF_DEFECT = "brand_if_defect", _("the brand if a defect is confirmed, else the shopper")
    NONE = "none", _("nothing is shipped back")


class RefundClock(models.TextChoices):
    APPROVAL = "approval", _("after approval")
    RECEIPT = "receipt", _("after the return is received")
    INSPECTION = "inspection", _("after inspection")


class RefundMethod(models.TextChoices):
    ORIGINAL_PAYMENT = "original_payment", _("the original payment method")
    STORE_CREDIT = "store_credit", _("store credit")
    BANK_TRANSFER = "bank_transfer", _("a bank transfer")
    SHOPPERS_CHOICE = "shoppers_choice", _("the shopper's choice of method")


class TurnaroundClock(models.TextChoices):
    APPROVAL = "approval", _("at approval")
    RECEIPT = "receipt", _("when the return is received")


# the outcomes a turnaround promise can cover (policies.engine.TURNAROUND_OUTCOMES)
TURNAROUND_OUTCOMES = [Outcome.REPAIR, Outcome.REPLACEMENT, Outcome.REPLACEMENT_PART]


class BundleReturn(models.TextChoices):
    SEPARATELY = "separately", _("items of a bundle can be claimed one by one")
    TOGETHER = "together", _("a bundle goes back complete")
    KEEP_DEDUCT = "keep_deduct", _("the shopper may keep part of a bundle; its value is deducted from the refund")


class GiftReturn(models.TextChoices):
    KEEP = "keep", _("the shopper keeps free gifts")
    WITH_ITEMS = "with_items", _("free gifts go back when everything they came with goes back")
    KEEP_DEDUCT = "keep_deduct", _("the shopper may keep a free gift; its value is deducted from the refund")


class ShipByEffect(models.TextChoices):
    WAIVE = "waive", _("the right to return is waived (claim expires)")
    REMIND = "remind", _("the shopper is reminded, staff decide")


@deconstructible
class ChoiceListValidator:
    """A JSON list whose items all come from `choices`."""

    def __init__(self, allowed: list[str]):
        self.allowed = list(allowed)

    def __call__(self, value) -> None:
        if not isinstance(value, list) or any(item not in self.allowed for item in value):
            raise ValidationError(_("Choose from the list."))

    def __eq__(self, other) -> bool:
        return isinstance(other, ChoiceListValidator) and other.allowed == self.allowed


class CoverageRule(models.Model):
    """One way a shopper can claim: which reasons, how long, on which products and
    channels, with which evidence, outcomes, process and money."""

    store_path = "policy__store"

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="rules")
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name shown to shoppers"), max_length=120)
    description = models.TextField(_("what it is (shown)"), blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    reasons = models.ManyToManyField(Reason, related_name="rules", verbose_name=_("reasons covered"))
    # window
    window_length = models.PositiveIntegerField(_("window length"), null=True, blank=True)
    window_unit = models.CharField(_("window unit"), max_length=20, choices=WindowUnit.choices)
    window_anchor = models.CharField(_("counted from"), max_length=20, choices=Anchor.choices, blank=True)
    window_until = models.CharField(_("open until"), max_length=20, choices=UntilEvent.choices, blank=True)
    window_anchor_event = models.ForeignKey(
        OrderEventType,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("starting order event"),
        help_text=_("The order event the window is counted from, with “counted from: an order event”; e.g. payment confirmation."),
    )
    window_until_event = models.ForeignKey(
        OrderEventType,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("closing order event"),
        help_text=_("The order event that closes the window, with “open until: an order event happens”; e.g. in stock."),
    )
    late_shipment_opens = models.BooleanField(
        _("open and approved automatically when the expected ship date passed unshipped"), default=False
    )
    window_enforced = models.BooleanField(
        _("the window is enforced"),
        default=True,
        help_text=_(
            "Unticked: the window is only advised (“report it as soon as possible”, “within 48 hours if possible”): "
            "a later claim is still accepted and flagged for staff as reported late. An advised window may have no "
            "length: “as soon as possible”."
        ),
    )
    # who and what
    excluded_channels = models.JSONField(
        _("excluded sales channels"), default=list, blank=True, validators=[ChoiceListValidator(Order.Channel.values)]
    )
    allowed_countries = models.JSONField(
        _("only for shipping countries"), default=list, blank=True, help_text=_("ISO codes; empty: every country.")
    )
    product_scope = models.CharField(_("products"), max_length=20, choices=ProductScope.choices, default=ProductScope.ALL)
    categories = models.ManyToManyField(
        ProductCategory, blank=True, related_name="rules", verbose_name=_("only these categories (empty: all)")
    )
    # outcomes
    outcomes = models.JSONField(_("outcomes offered"), default=list, validators=[ChoiceListValidator(Outcome.values)])
    shopper_states_preference = models.BooleanField(_("shopper states a preferred outcome"), default=False)
    # process
    requires_approval = models.BooleanField(_("approval before shipping back"), default=True)
    requires_return = models.BooleanField(_("the item is sent back"), default=True)
    tracking_required = models.BooleanField(_("return tracking number required"), default=False)
    ship_by_length = models.PositiveIntegerField(_("ship back within"), null=True, blank=True)
    ship_by_unit = models.CharField(
        _("ship-by unit"),
        max_length=20,
        choices=[(WindowUnit.CALENDAR_DAYS, WindowUnit.CALENDAR_DAYS.label), (WindowUnit.WORKING_DAYS, WindowUnit.WORKING_DAYS.label)],
        blank=True,
    )
    ship_by_effect = models.CharField(_("when ship-by passes"), max_length=10, choices=ShipByEffect.choices, blank=True)
    inspection_before_refund = models.BooleanField(_("inspect before deciding the refund"), default=True)
    is_complex = models.BooleanField(_("complex by default (longer review SLA)"), default=False)
    bundle_return = models.CharField(
        _("bundles"),
        max_length=12,
        choices=BundleReturn.choices,
        default=BundleReturn.SEPARATELY,
        help_text=_("Order lines with the same bundle group were sold as one set."),
    )
    gift_return = models.CharField(
        _("free gifts"),
        max_length=12,
        choices=GiftReturn.choices,
        default=GiftReturn.KEEP,
        help_text=_("A gift came with the lines of its bundle group, or with the whole order when it has none."),
    )
    replacement_same_model = models.BooleanField(
        _("replacement with the same model only"),
        default=False,
        help_text=_(
            "“Exchange for the same type only”: a replacement is the same product, or a product of the same model "
            "family (the product's “model family” field, e.g. the colours of one power bank)."
        ),
    )
    # money
    return_shipping_payer = models.CharField(
        _("return shipping paid by"), max_length=20, choices=ShippingPayer.choices, default=ShippingPayer.SHOPPER
    )
    shopper_pays_if_international = models.BooleanField(
        _("shopper pays return shipping from abroad"), default=False
    )
    shipping_reimbursement_cap = models.DecimalField(
        _("brand-paid shipping reimbursed up to"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("When the brand pays return shipping, the shopper's receipt is refunded up to this amount."),
    )
    compensation_percent = models.DecimalField(
        _("compensation, % of the price difference"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    # store credit instead of a refund: what the refund would be, plus a bonus
    store_credit_bonus_percent = models.DecimalField(
        _("store credit bonus, % on top of the refund"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text=_("With the outcome “store credit”: e.g. 10 for 10 % more than the refund. Empty: no bonus."),
    )
    store_credit_valid_months = models.PositiveSmallIntegerField(
        _("store credit valid for (months)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("From the day it is issued, e.g. 12. Empty: it never expires."),
    )
    # service levels (S4, S6, S8)
    refund_due_business_days = models.PositiveSmallIntegerField(_("refund issued within (business days)"), null=True, blank=True)
    refund_clock = models.CharField(_("refund clock starts"), max_length=12, choices=RefundClock.choices, blank=True)
    sources = models.CharField(_("sources (policy matrix IDs)"), max_length=200, blank=True)
    refund_min_business_days = models.PositiveSmallIntegerField(
        _("refund issued at the earliest after (business days)"),
        null=True,
        blank=True,
        help_text=_("With “refund issued within”, the range told to the shopper, e.g. 7–14 business days. The clock uses the maximum."),
    )
    refund_method = models.CharField(
        _("refund paid to"), max_length=20, choices=RefundMethod.choices, blank=True, help_text=_("Told to the shopper with the refund timing.")
    )
    # the repair / replacement turnaround promise: a claim clock (claims.clocks)
    turnaround_length = models.PositiveSmallIntegerField(
        _("repaired or replaced within"),
        null=True,
        blank=True,
        help_text=_("E.g. 14 for “repaired within 14 days of receiving your item”. Empty: no promise."),
    )
    turnaround_unit = models.CharField(
        _("turnaround unit"),
        max_length=20,
        choices=[(WindowUnit.CALENDAR_DAYS, WindowUnit.CALENDAR_DAYS.label), (WindowUnit.WORKING_DAYS, WindowUnit.WORKING_DAYS.label)],
        blank=True,
    )
    turnaround_clock = models.CharField(
        _("turnaround starts"),
        max_length=12,
        choices=TurnaroundClock.choices,
        blank=True,
        help_text=_("An outcome approved without a return (a replacement part) counts from approval."),
    )
    turnaround_outcomes = models.JSONField(
        _("turnaround promised for"),
        default=list,
        blank=True,
        validators=[ChoiceListValidator([o.value for o in TURNAROUND_OUTCOMES])],
        help_text=_("Which approved outcomes the promise covers: repair, replacement, replacement_part."),
    )

    class Meta:
        ordering = ["policy", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "code"], name="policies_rule_code_unique"),
            models.CheckConstraint(
                condition=Q(compensation_percent__isnull=True) | Q(compensation_percent__lte=100),
                name="policies_rule_compensation_max_100",
            ),
            models.CheckConstraint(
                condition=Q(store_credit_bonus_percent__isnull=True)
                | Q(store_credit_bonus_percent__gte=0, store_credit_bonus_percent__lte=100),
                name="policies_rule_credit_bonus_0_100",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, str] = {}
        unit = self.window_unit
        if unit == WindowUnit.UNTIL_EVENT:
            if not self.window_until:
                errors["window_until"] = _("Say which event closes the window.")
        elif unit == WindowUnit.WARRANTY:
            if not self.window_anchor:
                errors["window_anchor"] = _("A window needs a point it is counted from.")
        elif unit:
            if not self.window_length and self.window_enforced:
                errors["window_length"] = _("A window needs a length.")
            if not self.window_anchor:
                errors["window_anchor"] = _("A window needs a point it is counted from.")
        errors.update(self._order_event_errors())
        if self.ship_by_length and not self.ship_by_unit:
            errors["ship_by_unit"] = _("Say how the ship-by time is counted.")
        if self.ship_by_length and not self.ship_by_effect:
            errors["ship_by_effect"] = _("Say what happens when ship-by passes.")
        if self.ship_by_length and not self.requires_return:
            errors["ship_by_length"] = _("A ship-by time needs a rule where the item is sent back.")
        if self.refund_due_business_days and not self.refund_clock:
            errors["refund_clock"] = _("Say when the refund clock starts.")
        if not self.requires_return and self.bundle_return == BundleReturn.TOGETHER:
            errors["bundle_return"] = _("Bundles can only be required to go back together where the item is sent back.")
        if not self.requires_return and self.gift_return == GiftReturn.WITH_ITEMS:
            errors["gift_return"] = _("Gifts can only be required to go back where the item is sent back.")
        if self.return_shipping_payer == ShippingPayer.NONE and self.requires_return:
            errors["return_shipping_payer"] = _("The item is sent back: say who pays for it.")
        if not self.outcomes:
            errors["outcomes"] = _("Offer at least one outcome.")
        if self.compensation_percent is not None and Outcome.KEEP_WITH_COMPENSATION not in (self.outcomes or []):
            errors["compensation_percent"] = _("Compensation needs the outcome “keep the item with compensation”.")
        if Outcome.STORE_CREDIT not in (self.outcomes or []):
            if self.store_credit_bonus_percent is not None:
                errors["store_credit_bonus_percent"] = _("A store credit bonus needs the outcome “store credit”.")
            if self.store_credit_valid_months is not None:
                errors["store_credit_valid_months"] = _("A store credit validity needs the outcome “store credit”.")
        for code in self.allowed_countries or []:
            if not isinstance(code, str) or len(code) != 2 or not code.isupper():
                errors["allowed_countries"] = _("Use two-letter upper-case country codes, e.g. US.")
        self._clean_advised_window_and_refund_timing(errors)
        errors.update(self._keep_part_errors())
        errors.update(self._turnaround_errors())
        if errors:
            raise ValidationError(errors)

    def _order_event_errors(self) -> dict[str, str]:
        """A window counted from, or open until, an order event names one of the store's events."""
        errors: dict[str, str] = {}
        counted_from_event = self.window_unit not in ("", WindowUnit.UNTIL_EVENT) and self.window_anchor == Anchor.EVENT
        until_event = self.window_unit == WindowUnit.UNTIL_EVENT and self.window_until == UntilEvent.EVENT
        if counted_from_event and not self.window_anchor_event_id:
            errors["window_anchor_event"] = RULE_ANCHOR_EVENT_MISSING
        if until_event and not self.window_until_event_id:
            errors["window_until_event"] = RULE_UNTIL_EVENT_MISSING
        if self.window_anchor_event_id and not counted_from_event:
            errors["window_anchor_event"] = RULE_ANCHOR_EVENT_UNUSED
        if self.window_until_event_id and not until_event:
            errors["window_until_event"] = RULE_UNTIL_EVENT_UNUSED
        store_id = self.policy.store_id if self.policy_id else None
        for field in ("window_anchor_event", "window_until_event"):
            event_type = getattr(self, field)
            if event_type is not None and store_id is not None and event_type.store_id != store_id:
                errors[field] = RULE_EVENT_OF_ANOTHER_STORE
        return errors


    def _clean_advised_window_and_refund_timing(self, errors: dict) -> None:
        if not self.window_enforced and self.window_unit in (WindowUnit.UNTIL_EVENT, WindowUnit.WARRANTY):
            errors["window_enforced"] = _("Only a window counted in hours, days or months can be advised; this one is always enforced.")
        if not self.window_enforced and self.window_anchor == Anchor.EVENT:
            errors["window_enforced"] = _("A window counted from an order event is always enforced.")
        if not self.window_enforced and self.late_shipment_opens:
            errors["window_enforced"] = _("An advised window cannot open on a late shipment.")
        if self.refund_min_business_days is not None:
            if not self.refund_due_business_days:
                errors["refund_min_business_days"] = _("Give the longest time too (“refund issued within”).")
            elif self.refund_min_business_days > self.refund_due_business_days:
                errors["refund_min_business_days"] = _("The earliest refund cannot be later than the latest.")
        money = {Outcome.REFUND, Outcome.PARTIAL_REFUND, Outcome.CANCEL_REFUND, Outcome.KEEP_WITH_COMPENSATION}
        if (self.refund_method or self.refund_due_business_days) and not money.intersection(self.outcomes or []):
            field = "refund_method" if self.refund_method else "refund_due_business_days"
            errors[field] = _("Refund timing needs an outcome that pays money (refund, partial refund, cancellation, compensation).")

    def _keep_part_errors(self) -> dict[str, str]:
        """A kept part's value is deducted from a refund the shopper gets for what goes back;
        a rule with nothing sent back or no refund has nothing to deduct it from."""
        errors = {}
        refunds = {Outcome.REFUND, Outcome.PARTIAL_REFUND, Outcome.CANCEL_REFUND, Outcome.STORE_CREDIT}.intersection(self.outcomes or [])
        for field, label in (("bundle_return", _("part of a bundle")), ("gift_return", _("a free gift"))):
            if getattr(self, field) != BundleReturn.KEEP_DEDUCT:
                continue
            if not self.requires_return:
                errors[field] = _("Keeping %(what)s against its value needs a rule where the item is sent back.") % {"what": label}
            elif not refunds:
                errors[field] = _("Keeping %(what)s against its value needs a refund outcome to deduct it from.") % {"what": label}
        if self.replacement_same_model and Outcome.REPLACEMENT not in (self.outcomes or []):
            errors["replacement_same_model"] = _("“Same model only” needs the outcome “Replacement”.")
        return errors

    def _turnaround_errors(self) -> dict[str, str]:
        errors: dict[str, str] = {}
        covered = list(self.turnaround_outcomes or [])
        if not self.turnaround_length:
            if covered or self.turnaround_unit or self.turnaround_clock:
                errors["turnaround_length"] = _("Say within how many days the repair or replacement is done, or clear the turnaround fields.")
            return errors
        if not self.turnaround_unit:
            errors["turnaround_unit"] = _("Say how the turnaround is counted (calendar or working days).")
        if not self.turnaround_clock:
            errors["turnaround_clock"] = _("Say when the turnaround starts: at approval or when the return is received.")
        if self.turnaround_clock == TurnaroundClock.RECEIPT and not self.requires_return:
            errors["turnaround_clock"] = _("Nothing is sent back under this rule: count the turnaround from approval.")
        if not covered:
            errors["turnaround_outcomes"] = _("Say which outcomes the turnaround covers (repair, replacement, replacement part).")
        elif any(o not in (self.outcomes or []) for o in covered):
            errors["turnaround_outcomes"] = _("The turnaround can only cover outcomes this rule offers.")
        return errors


RULE_ANCHOR_EVENT_MISSING = _("The window is counted from an order event: choose which one.")
RULE_UNTIL_EVENT_MISSING = _("The window is open until an order event: choose which one.")
RULE_ANCHOR_EVENT_UNUSED = _("Choose “counted from: an order event” to count the window from this event, or leave it empty.")
RULE_UNTIL_EVENT_UNUSED = _("Choose “open until an event happens” and “an order event happens” to use this event, or leave it empty.")
RULE_EVENT_OF_ANOTHER_STORE = _("Pick an order event of the policy's store.")


class ConditionEffect(models.TextChoices):
    INELIGIBLE = "ineligible", _("the rule does not apply")
    DEDUCTION = "deduction", _("a deduction applies")
    SHOPPER_PAYS_SHIPPING = "shopper_pays_shipping", _("the shopper pays return shipping")
    INSPECTED = "inspected", _("noted; checked at inspection")


class ConditionQuestion(models.Model):
    """A question the shopper answers (unopened? dropped?), with what a blocking answer does."""

    store_path = "rule__policy__store"

    rule = models.ForeignKey(CoverageRule, on_delete=models.CASCADE, related_name="conditions")
    code = models.SlugField(_("code"), max_length=40)
    question = models.CharField(_("question"), max_length=200)
    help_text = models.CharField(_("help text"), max_length=300, blank=True)
    blocking_answer = models.BooleanField(
        _("the answer that triggers the effect"),
        default=False,
        help_text=_("Unticked: “no” triggers it (e.g. unopened? no). Ticked: “yes” triggers it (e.g. dropped? yes)."),
    )
    effect = models.CharField(_("effect"), max_length=30, choices=ConditionEffect.choices, default=ConditionEffect.INELIGIBLE)
    deduction_code = models.SlugField(
        _("deduction it triggers"), max_length=40, blank=True, help_text=_("The code of a deduction of this rule.")
    )
    explanation = models.CharField(_("explanation when triggered (shown)"), max_length=300)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    sources = models.CharField(_("sources"), max_length=100, blank=True)

    class Meta:
        ordering = ["rule", "position", "pk"]
        constraints = [models.UniqueConstraint(fields=["rule", "code"], name="policies_condition_code_unique")]

    def __str__(self) -> str:
        return self.question

    def clean(self) -> None:
        if self.effect == ConditionEffect.DEDUCTION and not self.deduction_code:
            raise ValidationError({"deduction_code": _("Name the deduction this answer triggers.")})


class EvidenceKind(models.TextChoices):
    PHOTO = "photo", _("photo")
    VIDEO = "video", _("video")
    MEDIA = "media", _("photo or video")
    SCREENSHOT = "screenshot", _("screenshot")
    DOCUMENT = "document", _("document (PDF, photo of a receipt)")
    TEXT = "text", _("text")


class EvidenceRequirement(models.TextChoices):
    MANDATORY = "mandatory", _("required to submit")
    AFFECTS_SHIPPING = "affects_shipping", _("optional; without it the shopper may pay return shipping")
    OPTIONAL = "optional", _("optional")


class EvidenceAppliesTo(models.TextChoices):
    ALL = "all", _("every claim")
    OFFLINE_PURCHASE = "offline_purchase", _("purchases without an order in the portal")
    ORDERS = "orders", _("orders in the portal")


class Resolution(models.TextChoices):
    ANY = "any", _("any")
    HD = "hd", _("HD: short side ≥ 720 px and long side ≥ 1280 px")


class EvidenceSlot(models.Model):
    store_path = "rule__policy__store"

    rule = models.ForeignKey(CoverageRule, on_delete=models.CASCADE, related_name="evidence_slots")
    code = models.SlugField(_("code"), max_length=40)
    kind = models.CharField(_("kind"), max_length=12, choices=EvidenceKind.choices)
    label = models.CharField(_("label (shown)"), max_length=160)
    help_text = models.CharField(_("help text"), max_length=300, blank=True)
    min_count = models.PositiveSmallIntegerField(_("at least"), default=1)
    max_count = models.PositiveSmallIntegerField(_("at most"), default=10)
    min_resolution = models.CharField(_("minimum resolution"), max_length=4, choices=Resolution.choices, default=Resolution.ANY)
    requirement = models.CharField(
        _("requirement"), max_length=20, choices=EvidenceRequirement.choices, default=EvidenceRequirement.MANDATORY
    )
    applies_to = models.CharField(_("applies to"), max_length=20, choices=EvidenceAppliesTo.choices, default=EvidenceAppliesTo.ALL)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    sources = models.CharField(_("sources"), max_length=100, blank=True)

    class Meta:
        ordering = ["rule", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "code"], name="policies_slot_code_unique"),
            models.CheckConstraint(condition=Q(min_count__lte=models.F("max_count")), name="policies_slot_min_le_max"),
        ]

    def __str__(self) -> str:
        return self.label

    def clean(self) -> None:
        if self.min_count is not None and self.max_count is not None and self.min_count > self.max_count:
            raise ValidationError({"min_count": _("“At least” cannot be more than “at most”.")})
        if self.min_resolution == Resolution.HD and self.kind not in (EvidenceKind.PHOTO, EvidenceKind.MEDIA, EvidenceKind.VIDEO):
            raise ValidationError({"min_resolution": _("A resolution applies to photos and videos only.")})
        if self.kind == EvidenceKind.TEXT and self.max_count != 1:
            self.max_count = 1


class DeductionKind(models.TextChoices):
    DELIVERY_CHARGES = "delivery_charges", _("delivery charges")
    RETURN_SHIPPING = "return_shipping", _("return shipping")
    ROUND_TRIP_SHIPPING = "round_trip_shipping", _("round-trip shipping")
    RESTOCKING_FEE = "restocking_fee", _("restocking fee")
    MISSING_ACCESSORIES = "missing_accessories", _("missing accessories (their value)")
    PURCHASE_COST = "purchase_cost", _("purchase cost")
    EXPORT_POSTAGE = "export_postage", _("export postage")
    IMPROPER_PACKAGING = "improper_packaging", _("improper packaging (reduction)")
    DAMAGE_ON_RETURN = "damage_on_return", _("damage on return")


class AmountBasis(models.TextChoices):
    FIXED = "fixed", _("fixed amount")
    PERCENT_OF_PRICE = "percent", _("% of the item price")
    ORDER_SHIPPING = "order_shipping", _("the order's shipping charge")
    ASSESSED = "assessed", _("assessed by staff at inspection")


class DeductionTrigger(models.TextChoices):
    ALWAYS = "always", _("always")
    CONDITION = "condition", _("when a condition question triggers it")
    INSPECTION = "inspection", _("when inspection finds it")
    SHOPPER_PAYS_SHIPPING = "shopper_pays_shipping", _("when the shopper pays return shipping")


class Deduction(models.Model):
    store_path = "rule__policy__store"

    rule = models.ForeignKey(CoverageRule, on_delete=models.CASCADE, related_name="deductions")
    code = models.SlugField(_("code"), max_length=40)
    kind = models.CharField(_("kind"), max_length=30, choices=DeductionKind.choices)
    label = models.CharField(_("label (shown)"), max_length=160)
    basis = models.CharField(_("amount"), max_length=20, choices=AmountBasis.choices)
    amount = models.DecimalField(
        _("fixed amount"), max_digits=10, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(Decimal("0"))]
    )
    percent = models.DecimalField(
        _("percent"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    trigger = models.CharField(_("applies"), max_length=30, choices=DeductionTrigger.choices, default=DeductionTrigger.ALWAYS)
    is_invented_amount = models.BooleanField(
        _("invented amount"), default=False, help_text=_("The brand's text names this charge but not its amount.")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    sources = models.CharField(_("sources"), max_length=100, blank=True)

    class Meta:
        ordering = ["rule", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "code"], name="policies_deduction_code_unique"),
            models.CheckConstraint(condition=Q(percent__isnull=True) | Q(percent__lte=100), name="policies_deduction_percent_max_100"),
        ]

    def __str__(self) -> str:
        return self.label

    def clean(self) -> None:
        if self.basis == AmountBasis.FIXED and self.amount is None:
            raise ValidationError({"amount": _("A fixed deduction needs an amount.")})
        if self.basis == AmountBasis.PERCENT_OF_PRICE and self.percent is None:
            raise ValidationError({"percent": _("Give the percentage.")})


def validate_tracking_url(value: str) -> None:
    """A carrier's tracking page: an https (or http) address with one {tracking} in it."""
    from policies.engine import tracking_url_problem

    problem = tracking_url_problem(value)
    if problem:
        raise ValidationError(problem)


class ReturnCarrier(models.Model):
    store_path = "policy__store"

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="carriers")
    name = models.CharField(_("carrier"), max_length=60)
    tracking_pattern = models.CharField(
        _("tracking number format (regular expression)"),
        max_length=200,
        blank=True,
        help_text=_(r"e.g. ^\d{10}$ for DHL Express. Empty: any tracking number of 5–40 letters, digits, spaces or dashes."),
    )
    any_carrier = models.BooleanField(
        _("any carrier"),
        default=False,
        help_text=_(
            "The shopper may use any carrier and names it; the tracking number is free text. "
            "Name this row as shoppers should read it, e.g. “Any carrier with tracking”."
        ),
    )
    tracking_example = models.CharField(_("example tracking number"), max_length=60, blank=True)
    tracking_url = models.CharField(
        _("tracking page (URL pattern)"),
        max_length=300,
        blank=True,
        validators=[validate_tracking_url],
        help_text=_(
            "The carrier's public tracking page, with {tracking} where the tracking number goes, "
            "e.g. https://www.ups.com/track?tracknum={tracking}. Empty: the claim page shows the number without a link."
        ),
    )
    sources = models.CharField(_("sources"), max_length=100, blank=True)

    class Meta:
        ordering = ["policy", "name"]
        constraints = [models.UniqueConstraint(fields=["policy", "name"], name="policies_carrier_unique")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        import re

        from policies.engine import FREE_TRACKING

        if self.any_carrier and self.tracking_pattern:
            raise ValidationError({"tracking_pattern": _("Any carrier means any tracking number: leave the format empty.")})
        try:
            pattern = re.compile(self.tracking_pattern or FREE_TRACKING)
        except re.error as exc:
            raise ValidationError({"tracking_pattern": _("Not a valid regular expression: %s") % exc}) from None
        if self.tracking_example and not pattern.fullmatch(self.tracking_example):
            raise ValidationError({"tracking_example": _("The example does not match the format.")})


class PackingItem(models.Model):
    store_path = "policy__store"

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="packing_items")
    text = models.CharField(_("checklist line"), max_length=200)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    sources = models.CharField(_("sources"), max_length=100, blank=True)

    class Meta:
        ordering = ["policy", "position", "pk"]

    def __str__(self) -> str:
        return self.text


class StoreClosure(models.Model):
    """A day the store does not work (besides weekends and public holidays)."""

    store_path = "store"

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="closures")
    day = models.DateField(_("day"))
    reason = models.CharField(_("reason"), max_length=120, blank=True)

    class Meta:
        ordering = ["store", "day"]
        constraints = [models.UniqueConstraint(fields=["store", "day"], name="policies_closure_unique")]

    def __str__(self) -> str:
        return f"{self.day} {self.reason}"


class StoreWorkingDay(models.Model):
    """An extra working day on a day the store's week or public holidays leave off,
    e.g. a make-up working Saturday in China. Review, ship-by and refund clocks count it."""

    store_path = "store"

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="extra_working_days")
    day = models.DateField(_("day"))
    reason = models.CharField(_("reason"), max_length=120, blank=True)

    class Meta:
        ordering = ["store", "day"]
        verbose_name = _("extra working day")
        verbose_name_plural = _("extra working days")
        constraints = [models.UniqueConstraint(fields=["store", "day"], name="policies_extra_working_day_unique")]

    def __str__(self) -> str:
        return f"{self.day} {self.reason}"

    def clean(self) -> None:
        if self.store_id and self.day and StoreClosure.objects.filter(store_id=self.store_id, day=self.day).exists():
            raise ValidationError({"day": _("The store is closed that day (see its closures): remove the closure first.")})


class PolicyVersion(models.Model):
    """A published, frozen policy. `data` is the whole snapshot the engine reads."""

    store_path = "policy__store"

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    data = models.JSONField(_("snapshot"))
    note = models.CharField(_("what changed"), max_length=300, blank=True)
    published_at = models.DateTimeField(_("published"), auto_now_add=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)

    class Meta:
        ordering = ["policy", "-number"]
        get_latest_by = "number"
        constraints = [models.UniqueConstraint(fields=["policy", "number"], name="policies_version_unique")]

    def __str__(self) -> str:
        return f"{self.policy} v{self.number}"


class ItemAfterRejection(models.TextChoices):
    """What happens to a returned item when inspection rejects the claim."""

    RETURNED = "returned", _("sent back to the shopper at their cost")
    KEPT = "kept", _("kept by the store")
    DISPOSED = "disposed", _("disposed of")


class InspectionRejectionReason(models.Model):
    """Why a claim may be rejected after the returned item was inspected ("defect not
    found", "not in the condition declared"...), the text the shopper sees, and what
    then happens to the item: sent back at the shopper's cost (the fee), or kept or
    disposed of by the store."""

    store_path = "policy__store"

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="inspection_rejections")
    code = models.SlugField(_("code"), max_length=40)
    label = models.CharField(_("reason (shown to the shopper)"), max_length=160, help_text=_("e.g. “Defect not found”."))
    item_handling = models.CharField(
        _("what happens to the item"), max_length=20, choices=ItemAfterRejection.choices, default=ItemAfterRejection.RETURNED
    )
    fee = models.DecimalField(
        _("fee for sending it back"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("In the store's currency; only when the item is sent back (0 for free)."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    sources = models.CharField(_("sources"), max_length=100, blank=True)

    class Meta:
        ordering = ["policy", "position", "pk"]
        verbose_name = _("rejection reason after inspection")
        verbose_name_plural = _("rejection reasons after inspection")
        constraints = [
            models.UniqueConstraint(fields=["policy", "code"], name="policies_inspection_rejection_code_unique"),
            models.CheckConstraint(condition=Q(fee__isnull=True) | Q(fee__gte=0), name="policies_inspection_rejection_fee_not_negative"),
        ]

    def __str__(self) -> str:
        return self.label

    def clean(self) -> None:
        if self.item_handling == ItemAfterRejection.RETURNED and self.fee is None:
            raise ValidationError({"fee": _("Give the fee for sending the item back (0 if it is free).")})
        if self.item_handling != ItemAfterRejection.RETURNED and self.fee is not None:
            raise ValidationError({"fee": _("A fee applies only when the item is sent back.")})
