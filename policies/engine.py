"""The policy engine: a pure function from plain data to a decision.

    evaluate(policy=PolicyData, purchase=PurchaseFacts, calendar=BusinessCalendar,
             reason=ReasonData, answers={...}, now=aware datetime) -> Decision

No database, no clock, no settings: everything comes in as frozen dataclasses built by
policies.selectors (from a PolicyVersion snapshot, an order line or an offline
purchase, and the store). The shopper pages, the admin "try it" panel and the SLA
clocks all call it, so they always agree.
"""

import dataclasses
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from urllib.parse import quote

from dateutil.relativedelta import relativedelta

from policies import zones
from policies.calendar import BusinessCalendar
from policies.money import ELSEWHERE, ZERO, Breakdown, MoneyLine, build_refund, format_money, percent_of, quantize

# --- input ------------------------------------------------------------------------

PAYING_OUTCOMES = frozenset({"refund", "partial_refund", "cancel_refund", "keep_with_compensation"})
REFUND_METHOD_WORDS = {
    "original_payment": "to your original payment method",
    "store_credit": "as store credit",
    "bank_transfer": "by bank transfer",
    "shoppers_choice": "by the method you choose",
}
REFUND_CLOCK_WORDS = {"approval": "after approval", "receipt": "after we receive the return", "inspection": "after inspection"}
ANCHOR_FUTURE = {
    "placed": "your order is placed",
    "paid": "your payment is confirmed",
    "purchase": "you buy it",
    "shipped": "your order ships",
    "picked_up": "the carrier picks your parcel up",
    "delivered": "your parcel is delivered",
}
DEFECT_KINDS = frozenset({"dead_on_arrival", "functional_failure", "wrong_item", "damaged_in_transit", "missing_parts"})
MONEY_OUTCOMES = frozenset({"refund", "partial_refund", "cancel_refund"})
# paid as store credit: what the refund would be, plus the rule's bonus (store_credit_offer)
STORE_CREDIT = "store_credit"

OUTCOME_LABELS = {
    "refund": "Full refund",
    "partial_refund": "Partial refund",
    "replacement": "Replacement",
    "replacement_part": "Replacement part",
    "repair": "Repair",
    "keep_with_compensation": "Keep the item with compensation, plus reshipment of the right item",
    "cancel_refund": "Order cancelled and refunded",
    "address_changed": "Address changed",
    "rejection": "Rejected with a reason",
    "store_credit": "Store credit",
    "exchange": "Exchange",
}
CHANNEL_LABELS = {
    "online": "the online store",
    "offline": "an offline shop",
    "crowdfunding": "crowdfunding (Kickstarter, Indiegogo)",
    "authorized_reseller": "an authorized reseller",
    "unauthorized_reseller": "an unauthorized reseller",
    "free": "a free product or gift",
}
ANCHOR_WORDS = {
    "placed": "the order was placed",
    "paid": "payment",
    "purchase": "purchase",
    "shipped": "shipping",
    "picked_up": "pick-up by the carrier",
    "delivered": "delivery",
}
ANCHOR_PAST = {
    "placed": "Your order was placed",
    "paid": "You paid",
    "purchase": "You bought it",
    "shipped": "Your order shipped",
    "picked_up": "The carrier picked your parcel up",
    "delivered": "Your order was delivered",
}
UNTIL_PAST = {
    "processed": "Your order was processed",
    "shipped": "Your order shipped",
    "picked_up": "The carrier picked your parcel up",
    "delivered": "Your parcel was delivered",
}
# A purchase without an order (a shop, a reseller) was bought, not ordered or delivered:
# every anchor and event of it is the day of purchase.
PURCHASE_PAST = "You bought it"


@dataclass(frozen=True)
class ConditionData:
    code: str
    question: str
    blocking_answer: bool
    effect: str  # ineligible | deduction | shopper_pays_shipping | inspected
    explanation: str
    help_text: str = ""
    deduction_code: str = ""
    sources: str = ""


@dataclass(frozen=True)
class SlotData:
    code: str
    kind: str
    label: str
    min_count: int
    max_count: int
    min_resolution: str = "any"
    requirement: str = "mandatory"
    applies_to: str = "all"
    help_text: str = ""
    sources: str = ""

    @property
    def mandatory(self) -> bool:
        return self.requirement == "mandatory"


@dataclass(frozen=True)
class DeductionData:
    code: str
    kind: str
    label: str
    basis: str  # fixed | percent | order_shipping | assessed
    trigger: str  # always | condition | inspection | shopper_pays_shipping
    amount: Decimal | None = None
    percent: Decimal | None = None
    is_invented_amount: bool = False
    sources: str = ""

    @property
    def shopper_label(self) -> str:
        """The label with its basis, as shoppers read it (deduction_label)."""
        return deduction_label(self)


@dataclass(frozen=True)
class RuleData:
    code: str
    name: str
    reason_codes: tuple[str, ...]
    window_unit: str
    outcomes: tuple[str, ...]
    description: str = ""
    window_length: int | None = None
    window_anchor: str = ""
    window_until: str = ""
    # a window counted from / open until a named order event (window_anchor or
    # window_until "event"): its name, and the words shoppers read
    window_anchor_event: str = ""
    window_anchor_event_label: str = ""
    window_until_event: str = ""
    window_until_event_label: str = ""
    window_until_event_words: str = ""
    late_shipment_opens: bool = False
    excluded_channels: tuple[str, ...] = ()
    allowed_countries: tuple[str, ...] = ()
    product_scope: str = "all"
    category_names: tuple[str, ...] = ()
    shopper_states_preference: bool = False
    requires_approval: bool = True
    requires_return: bool = True
    tracking_required: bool = False
    ship_by_length: int | None = None
    ship_by_unit: str = ""
    ship_by_effect: str = ""
    inspection_before_refund: bool = True
    is_complex: bool = False
    bundle_return: str = "separately"  # separately | together
    gift_return: str = "keep"  # keep | with_items
    return_shipping_payer: str = "shopper"
    shopper_pays_if_international: bool = False
    shipping_reimbursement_cap: Decimal | None = None
    compensation_percent: Decimal | None = None
    refund_due_business_days: int | None = None
    refund_clock: str = ""
    # with the outcome "store_credit": % on top of the refund, months it is valid (None: no expiry)
    store_credit_bonus_percent: Decimal | None = None
    store_credit_valid_months: int | None = None
    conditions: tuple[ConditionData, ...] = ()
    evidence_slots: tuple[SlotData, ...] = ()
    deductions: tuple[DeductionData, ...] = ()
    sources: str = ""
    window_enforced: bool = True
    refund_min_business_days: int | None = None
    refund_method: str = ""
    replacement_same_model: bool = False  # a replacement is the same product or model family
    # the repair / replacement turnaround promise ("repaired within 14 days of receipt")
    turnaround_length: int | None = None
    turnaround_unit: str = ""  # calendar_days | working_days
    turnaround_clock: str = ""  # approval | receipt
    turnaround_outcomes: tuple[str, ...] = ()


@dataclass(frozen=True)
class CarrierData:
    name: str
    tracking_pattern: str  # "": any tracking number of a sane shape (FREE_TRACKING)
    tracking_example: str = ""
    any_carrier: bool = False  # the shopper names the carrier they used
    tracking_url: str = ""  # the carrier's tracking page, "{tracking}" where the number goes; "": no link


@dataclass(frozen=True)
class InspectionRejectionData:
    """A reason to reject a claim after inspecting the returned item, and what then
    happens to the item: returned (at the shopper's cost: `fee`), kept or disposed of."""

    code: str
    label: str
    item_handling: str  # returned | kept | disposed
    fee: Decimal | None = None


# The order's state, as far as the reasons care: a reason is offered only while it can
# apply (no "Cancel my order" for a delivered parcel). Ordered: an order only moves on.
ORDER_NOT_SHIPPED = "not_shipped"
ORDER_SHIPPED = "shipped"
ORDER_DELIVERED = "delivered"
ORDER_STATES = (ORDER_NOT_SHIPPED, ORDER_SHIPPED, ORDER_DELIVERED)
ORDER_STATE_WORDS = {
    ORDER_NOT_SHIPPED: "has not shipped yet",
    ORDER_SHIPPED: "is on its way (shipped, not delivered) or you refused it",
    ORDER_DELIVERED: "has been delivered (or you bought it in a shop)",
}
# the state in a sentence: "your order has not shipped yet"
ORDER_STATE_NOW = {
    ORDER_NOT_SHIPPED: "has not shipped yet",
    ORDER_SHIPPED: "is on its way",
    ORDER_DELIVERED: "has been delivered",
}
# order events that mean the parcel was refused at the door: it is not "delivered"
REFUSED_EVENTS = frozenset({"delivery_refused", "refused"})
_ORDER_STATES_BY_KIND = {
    "cancellation": (ORDER_NOT_SHIPPED,),
    "address_change": (ORDER_NOT_SHIPPED,),
    "refused_delivery": (ORDER_SHIPPED,),
    "wrong_charge": ORDER_STATES,
}


def default_order_states(kind: str) -> tuple[str, ...]:
    """When a reason of this kind can apply, unless the store says otherwise: cancelling
    or changing the address before shipment, refusing a parcel on its way, a wrong charge
    at any time, everything else (defects, wrong item, change of mind) once delivered."""
    return _ORDER_STATES_BY_KIND.get(kind, (ORDER_DELIVERED,))


@dataclass(frozen=True)
class ReasonData:
    code: str
    label: str
    kind: str
    not_covered_note: str = ""
    order_states: tuple[str, ...] = ()  # empty: the kind's default

    @property
    def offered_when(self) -> tuple[str, ...]:
        """The order states this reason is offered in, in order."""
        chosen = set(self.order_states or default_order_states(self.kind))
        return tuple(state for state in ORDER_STATES if state in chosen)

    def offered_in(self, state: str) -> bool:
        return state in self.offered_when

    def applies_from(self, state: str) -> bool:
        """Offered in this state or a later one: still possible for this order."""
        later = ORDER_STATES[ORDER_STATES.index(state):]
        return any(s in later for s in self.offered_when)

    @property
    def offered_when_words(self) -> str:
        """“When your order has not shipped yet.” for the policy page."""
        states = self.offered_when
        if set(states) == set(ORDER_STATES):
            return "At any time."
        return "When your order " + " or ".join(ORDER_STATE_WORDS[s] for s in states) + "."


@dataclass(frozen=True)
class PolicyData:
    store_name: str
    currency: str
    store_country: str
    default_review_working_days: int
    rules: tuple[RuleData, ...]
    reasons: tuple[ReasonData, ...] = ()
    version: int = 0
    review_standard_working_days: int | None = None
    review_complex_working_days: int | None = None
    rma_prefix: str = "RMA"
    rma_digits: int = 9
    funds_arrival_note: str = ""
    carriers: tuple[CarrierData, ...] = ()
    packing_checklist: tuple[str, ...] = ()
    sources: str = ""
    inspection_rejections: tuple[InspectionRejectionData, ...] = ()
    return_address: str = ""  # "": the store's return address
    drop_off_instructions: str = ""

    def reason(self, code: str) -> ReasonData | None:
        return next((r for r in self.reasons if r.code == code), None)

    def reasons_for(self, state: str) -> tuple[ReasonData, ...]:
        """The reasons a shopper may pick for an order in this state (order_state())."""
        return tuple(r for r in self.reasons if r.offered_in(state))


@dataclass(frozen=True)
class PurchaseFacts:
    """What was bought, how and when: from an order line or an offline purchase."""

    channel: str
    currency: str
    product_name: str
    is_accessory: bool
    unit_price: Decimal
    quantity: int  # claimed
    line_quantity: int = 1
    line_discount: Decimal = ZERO
    warranty_months: int | None = None
    category_name: str = ""
    shipping_country: str = ""
    order_shipping_charged: Decimal = ZERO
    order_items_total: Decimal = ZERO
    has_order: bool = True
    placed_at: datetime | None = None
    paid_at: datetime | None = None
    expected_ship_at: datetime | None = None
    processed_at: datetime | None = None
    shipped_at: datetime | None = None
    picked_up_at: datetime | None = None
    delivered_at: datetime | None = None
    # what else must be in the claim for a rule that wants sets back complete,
    # e.g. ("1 × SD card",): see companions_missing()
    bundle_missing: tuple[str, ...] = ()
    gifts_missing: tuple[str, ...] = ()
    # the order's named events that have happened: (("payment_confirmed", aware time), …)
    events: tuple[tuple[str, datetime], ...] = ()

    def event_at(self, name: str) -> datetime | None:
        return next((at for event, at in self.events if event == name), None)
    # the same companions with their value, for a rule that lets the shopper keep
    # them and deducts it (bundle_return / gift_return "keep_deduct"): see companions_kept()
    bundle_kept: tuple["KeptPart", ...] = ()
    gifts_kept: tuple["KeptPart", ...] = ()

    def moment(self, anchor: str) -> datetime | None:
        if anchor == "purchase":
            return self.paid_at or self.placed_at
        if anchor in ("shipped", "processed", "picked_up", "delivered", "placed", "paid"):
            return getattr(self, f"{anchor}_at")
        return None

    @property
    def paid_for_claimed(self) -> Decimal:
        """The claimed quantity's share of what was paid for the line (exact)."""
        if self.line_quantity <= 0:
            return ZERO
        line_paid = self.unit_price * self.line_quantity - self.line_discount
        return max(line_paid, ZERO) * Decimal(self.quantity) / Decimal(self.line_quantity)


def order_state(purchase: PurchaseFacts) -> str:
    """Not shipped, shipped (on its way, or refused at the door) or delivered, from the
    order's facts. A purchase without an order (a shop, a reseller) is in hand: delivered."""
    if not purchase.has_order:
        return ORDER_DELIVERED
    return order_state_from(
        shipped_at=purchase.shipped_at,
        picked_up_at=purchase.picked_up_at,
        delivered_at=purchase.delivered_at,
        event_names=tuple(name for name, _at in purchase.events),
    )


def order_state_from(*, shipped_at, picked_up_at, delivered_at, event_names=()) -> str:
    """order_state() for an order's own fields, without building a line's facts."""
    if REFUSED_EVENTS.intersection(event_names):
        return ORDER_SHIPPED
    if delivered_at is not None:
        return ORDER_DELIVERED
    if shipped_at is not None or picked_up_at is not None:
        return ORDER_SHIPPED
    return ORDER_NOT_SHIPPED


# --- output -----------------------------------------------------------------------


class Status:
    ELIGIBLE = "eligible"
    NEEDS_ANSWERS = "needs_answers"
    NOT_ELIGIBLE = "not_eligible"
    NOT_YET_OPEN = "not_yet_open"


@dataclass(frozen=True)
class Question:
    code: str
    question: str
    help_text: str = ""


@dataclass(frozen=True)
class Deadline:
    code: str  # claim_by | ship_by | refund_due ...
    label: str
    at: datetime | None  # None: until an event
    text: str


@dataclass(frozen=True)
class RuleDecision:
    rule_code: str
    rule_name: str
    status: str
    explanation: tuple[str, ...]
    deadline: Deadline | None
    evidence_slots: tuple[SlotData, ...]
    outcomes: tuple[str, ...]
    shopper_states_preference: bool
    shipping_payer: str  # brand | shopper | none
    shipping_explanation: str
    refund: Breakdown | None
    refund_notes: tuple[str, ...]
    questions: tuple[Question, ...]
    review_working_days: int
    refund_due_business_days: int | None
    refund_clock: str
    funds_arrival_note: str
    requires_approval: bool
    requires_return: bool
    tracking_required: bool
    ship_by_length: int | None
    ship_by_unit: str
    ship_by_effect: str
    inspection_before_refund: bool
    auto_approve: bool
    carriers: tuple[CarrierData, ...]
    packing_checklist: tuple[str, ...]
    sources: str
    # "Refund within 7–14 business days after inspection, to your original payment
    # method." only where an outcome pays money
    refund_timing: str = ""
    # an advised (not enforced) window has passed: still open, flagged for staff
    reported_late: bool = False
    replacement_same_model: bool = False
    # what happens when inspection rejects the returned item (inspection_outcome_sentences)
    inspection_outcomes: tuple[str, ...] = ()
    turnaround_length: int | None = None
    turnaround_unit: str = ""
    turnaround_clock: str = ""
    turnaround_outcomes: tuple[str, ...] = ()
    turnaround_text: str = ""
    # what the refund estimate would be worth as store credit (the rule offers it)
    store_credit: "StoreCreditOffer | None" = None
    # who settles the refund total: "" (a firm estimate), inspection, answers or staff
    refund_decided_by: str = ""

    @property
    def eligible(self) -> bool:
        return self.status == Status.ELIGIBLE

    @property
    def open(self) -> bool:
        """Eligible, or eligible once the open questions are answered."""
        return self.status in (Status.ELIGIBLE, Status.NEEDS_ANSWERS)

    @property
    def outcome_labels(self) -> tuple[str, ...]:
        return tuple(outcome_label(o, same_model=self.replacement_same_model) for o in self.outcomes)


@dataclass(frozen=True)
class Alternative:
    rule_code: str
    rule_name: str
    reasons: tuple[str, ...]
    text: str
    not_yet_open: bool = False  # opens when its anchor event happens (the text says when)


@dataclass(frozen=True)
class Decision:
    reason_code: str
    reason_label: str
    policy_version: int
    evaluated_at: datetime
    rules: tuple[RuleDecision, ...]
    alternatives: tuple[Alternative, ...] = ()
    summary: str = ""

    @property
    def eligible(self) -> bool:
        return any(rule.eligible for rule in self.rules)

    @property
    def open_rules(self) -> tuple[RuleDecision, ...]:
        return tuple(rule for rule in self.rules if rule.open)

    @property
    def questions(self) -> tuple[Question, ...]:
        seen: dict[str, Question] = {}
        for rule in self.rules:
            for question in rule.questions:
                seen.setdefault(question.code, question)
        return tuple(seen.values())


# --- evaluation ---------------------------------------------------------------------


def evaluate(
    *,
    policy: PolicyData,
    purchase: PurchaseFacts,
    calendar: BusinessCalendar,
    reason: ReasonData,
    answers: Mapping[str, bool] | None = None,
    now: datetime,
    evidence_counts: Mapping[str, int] | None = None,
    display_zone: str | None = None,
) -> Decision:
    """`display_zone`: the zone the decision's texts show times in (the shopper's);
    deadlines are still counted in the store's calendar."""
    if now.tzinfo is None:
        raise ValueError("now must be aware")
    if display_zone is not None:
        calendar = dataclasses.replace(calendar, viewer_zone=display_zone)
    answers = dict(answers or {})
    covering = [rule for rule in policy.rules if reason.code in rule.reason_codes]
    decisions = tuple(
        _evaluate_rule(policy, rule, purchase, calendar, reason, answers, now, evidence_counts) for rule in covering
    )
    alternatives = () if any(d.open for d in decisions) else _alternatives(policy, purchase, calendar, reason, now)
    return Decision(
        reason_code=reason.code,
        reason_label=reason.label,
        policy_version=policy.version,
        evaluated_at=now,
        rules=decisions,
        alternatives=alternatives,
        summary=_summary(policy, reason, decisions, alternatives),
    )


def _evaluate_rule(
    policy: PolicyData,
    rule: RuleData,
    purchase: PurchaseFacts,
    calendar: BusinessCalendar,
    reason: ReasonData,
    answers: dict[str, bool],
    now: datetime,
    evidence_counts: Mapping[str, int] | None,
) -> RuleDecision:
    blockers: list[str] = []
    notes: list[str] = []

    blockers.extend(_scope_blockers(rule, purchase))
    if rule.window_unit == "warranty" and not purchase.warranty_months:
        window_status, window_text, deadline, auto_approve = "closed", "", None, False
    else:
        window_status, window_text, deadline, auto_approve = _window(rule, purchase, calendar, now)
    if window_status == "closed" and window_text:
        blockers.append(window_text)
    elif window_status == "not_yet":
        pass
    else:
        notes.append(window_text)

    questions: list[Question] = []
    triggered_deductions: set[str] = set()
    shopper_pays_by_answer = False
    for condition in rule.conditions:
        if condition.code not in answers:
            questions.append(Question(condition.code, condition.question, condition.help_text))
            continue
        if answers[condition.code] != condition.blocking_answer:
            continue
        if condition.effect == "ineligible":
            blockers.append(condition.explanation)
        elif condition.effect == "deduction":
            triggered_deductions.add(condition.deduction_code)
            notes.append(condition.explanation)
        elif condition.effect == "shopper_pays_shipping":
            shopper_pays_by_answer = True
            notes.append(condition.explanation)
        else:
            notes.append(condition.explanation)

    slots = tuple(
        slot
        for slot in rule.evidence_slots
        if slot.applies_to == "all" or (slot.applies_to == "offline_purchase") != purchase.has_order
    )
    payer, shipping_text, shopper_pays_cause = _shipping_payer(rule, purchase, policy, reason, shopper_pays_by_answer, slots, evidence_counts)
    unanswered = {q.code for q in questions}
    refund, refund_notes = refund_for(rule, purchase, payer, triggered_deductions, unanswered)
    if payer == "shopper":
        shipping_text = _shipping_words(rule, refund, shopper_pays_cause, purchase.currency)

    if blockers:
        status = Status.NOT_ELIGIBLE
    elif window_status == "not_yet":
        status = Status.NOT_YET_OPEN
        blockers.append(window_text)
        if rule.window_anchor != "event":  # an event's window text already says when it opens
            blockers.append(_not_yet_open_alternative(rule, purchase, calendar, now))
    elif questions:
        status = Status.NEEDS_ANSWERS
    else:
        status = Status.ELIGIBLE

    explanation = tuple(blockers) if status in (Status.NOT_ELIGIBLE, Status.NOT_YET_OPEN) else tuple(notes)
    review_days = (
        (policy.review_complex_working_days if rule.is_complex else None)
        or policy.review_standard_working_days
        or policy.default_review_working_days
    )
    return RuleDecision(
        rule_code=rule.code,
        rule_name=rule.name,
        status=status,
        explanation=explanation,
        deadline=deadline,
        evidence_slots=slots,
        outcomes=rule.outcomes,
        shopper_states_preference=rule.shopper_states_preference,
        shipping_payer=payer,
        shipping_explanation=shipping_text,
        refund=refund,
        refund_notes=tuple(refund_notes),
        refund_decided_by=refund_decided_by(rule, refund),
        questions=tuple(questions),
        review_working_days=review_days,
        refund_due_business_days=rule.refund_due_business_days,
        refund_clock=rule.refund_clock,
        funds_arrival_note=policy.funds_arrival_note,
        requires_approval=rule.requires_approval and not auto_approve,
        requires_return=rule.requires_return,
        tracking_required=rule.tracking_required,
        ship_by_length=rule.ship_by_length,
        ship_by_unit=rule.ship_by_unit,
        ship_by_effect=rule.ship_by_effect,
        inspection_before_refund=rule.inspection_before_refund,
        auto_approve=auto_approve,
        carriers=policy.carriers if rule.requires_return else (),
        packing_checklist=policy.packing_checklist if rule.requires_return else (),
        sources=rule.sources,
        refund_timing=refund_timing_text(rule, policy.funds_arrival_note),
        reported_late=advised_window_late(rule, purchase, calendar, now),
        replacement_same_model=rule.replacement_same_model,
        inspection_outcomes=inspection_outcome_sentences(policy, rule),
        turnaround_length=rule.turnaround_length,
        turnaround_unit=rule.turnaround_unit,
        turnaround_clock=rule.turnaround_clock,
        turnaround_outcomes=rule.turnaround_outcomes,
        turnaround_text=turnaround_sentence(rule),
        store_credit=store_credit_offer(rule, refund, calendar, now) if refund is not None else None,
    )


def _scope_blockers(rule: RuleData, purchase: PurchaseFacts) -> list[str]:
    blockers = []
    if purchase.channel in rule.excluded_channels:
        blockers.append(f"Items bought through {CHANNEL_LABELS.get(purchase.channel, purchase.channel)} are not covered by “{rule.name}”.")
    if rule.allowed_countries and purchase.shipping_country.upper() not in rule.allowed_countries:
        where = ", ".join(rule.allowed_countries)
        shipped = purchase.shipping_country.upper() or "an unknown country"
        blockers.append(f"“{rule.name}” is only available for shipping addresses in {where}; this order shipped to {shipped}.")
    if rule.product_scope == "not_accessories" and purchase.is_accessory:
        blockers.append(f"Accessories are not covered by “{rule.name}”.")
    if rule.product_scope == "accessories" and not purchase.is_accessory:
        blockers.append(f"“{rule.name}” covers accessories only.")
    if rule.category_names and purchase.category_name not in rule.category_names:
        blockers.append(f"“{rule.name}” does not cover {purchase.category_name or 'this product'}.")
    if rule.window_unit == "warranty" and not purchase.warranty_months:
        blockers.append(f"{purchase.product_name} has no warranty.")
    if rule.requires_return and rule.bundle_return == "together" and purchase.bundle_missing:
        blockers.append(
            f"{purchase.product_name} was sold as part of a bundle, and under “{rule.name}” a bundle goes back complete: "
            f"add {_and_join(purchase.bundle_missing)} to this claim."
        )
    if rule.requires_return and rule.gift_return == "with_items" and purchase.gifts_missing:
        blockers.append(
            f"Under “{rule.name}” the free gift that came with what you are returning goes back too: "
            f"add {_and_join(purchase.gifts_missing)} to this claim."
        )
    return blockers


def _and_join(items: tuple[str, ...]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


@dataclass(frozen=True)
class SetLine:
    """One order line as the bundle and gift checks see it. `covered` counts the units
    in this claim plus those in the shopper's other open claims. `unit_value`: what one
    unit is worth beyond what was paid for it (its list price less its share of the
    line's price, never below zero): what a shopper who keeps it owes."""

    line_id: int
    name: str
    quantity: int
    bundle_group: str
    is_gift: bool
    covered: int
    unit_value: Decimal = ZERO


def companion_shortfall(lines: tuple[SetLine, ...], line_id: int) -> tuple[tuple[tuple[SetLine, int], ...], tuple[tuple[SetLine, int], ...]]:
    """(bundle lines, gift lines) missing, each with the number of units, for claiming
    line `line_id` as far as the claim covers it: the other items of its bundle in the
    same proportion (two of two bundles need both sets), and a gift once everything it
    came with is covered (a gift with a bundle group came with that bundle, one without
    came with the order)."""
    line = next(item for item in lines if item.line_id == line_id)
    bundle: list[tuple[SetLine, int]] = []
    if line.bundle_group and not line.is_gift and line.quantity > 0:
        for other in lines:
            if other.line_id == line.line_id or other.is_gift or other.bundle_group != line.bundle_group:
                continue
            needed = -(-line.covered * other.quantity // line.quantity)  # ceiling, exact in integers
            if other.covered < needed:
                bundle.append((other, needed - other.covered))
    gifts: list[tuple[SetLine, int]] = []
    if not line.is_gift:
        for gift in lines:
            if not gift.is_gift or gift.covered >= gift.quantity:
                continue
            came_with = [item for item in lines if not item.is_gift and (not gift.bundle_group or item.bundle_group == gift.bundle_group)]
            if line in came_with and all(item.covered >= item.quantity for item in came_with):
                gifts.append((gift, gift.quantity - gift.covered))
    return tuple(bundle), tuple(gifts)


def companions_missing(lines: tuple[SetLine, ...], line_id: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(bundle items missing, gifts missing) as "1 × SD card": see companion_shortfall()."""
    bundle, gifts = companion_shortfall(lines, line_id)
    return tuple(f"{n} × {other.name}" for other, n in bundle), tuple(f"{n} × {gift.name}" for gift, n in gifts)


@dataclass(frozen=True)
class KeptPart:
    """A part of a set the shopper keeps, under a rule that deducts its value."""

    line_id: int
    name: str
    quantity: int
    value: Decimal  # of all the units kept

    @property
    def label(self) -> str:
        return f"Kept: {self.name}" if self.quantity == 1 else f"Kept: {self.quantity} × {self.name}"


def companions_kept(lines: tuple[SetLine, ...], claimed_line_ids) -> dict[int, tuple[tuple[KeptPart, ...], tuple[KeptPart, ...]]]:
    """Per claimed line: (bundle parts, gifts) the claim leaves with the shopper, with
    their value. Each part is counted once per claim, on the first claimed line that
    misses it, with the most units any claimed line misses (two items of one bundle
    both miss its card: one card is kept, not two)."""
    claimed = sorted(claimed_line_ids)
    owner: dict[tuple[str, int], tuple[int, int]] = {}  # (bundle|gift, part line) -> (claimed line, units)
    for line_id in claimed:
        bundle, gifts = companion_shortfall(lines, line_id)
        for kind, found in (("bundle", bundle), ("gift", gifts)):
            for part, units in found:
                first, most = owner.get((kind, part.line_id), (line_id, 0))
                owner[(kind, part.line_id)] = (first, max(most, units))
    by_id = {item.line_id: item for item in lines}
    kept: dict[int, tuple[list[KeptPart], list[KeptPart]]] = {line_id: ([], []) for line_id in claimed}
    for (kind, part_id), (line_id, units) in sorted(owner.items(), key=lambda item: item[0][1]):
        part = by_id[part_id]
        kept[line_id][0 if kind == "bundle" else 1].append(KeptPart(part_id, part.name, units, part.unit_value * units))
    return {line_id: (tuple(bundle), tuple(gifts)) for line_id, (bundle, gifts) in kept.items()}


def kept_parts(rule: RuleData, purchase: PurchaseFacts) -> tuple[KeptPart, ...]:
    """The parts of a set this rule lets the shopper keep against their value."""
    if not rule.requires_return:
        return ()
    parts = purchase.bundle_kept if rule.bundle_return == "keep_deduct" else ()
    return parts + (purchase.gifts_kept if rule.gift_return == "keep_deduct" else ())


def _kept_notes(rule: RuleData, purchase: PurchaseFacts) -> list[str]:
    notes = []
    for part in kept_parts(rule, purchase):
        what = part.name if part.quantity == 1 else f"{part.quantity} × {part.name}"
        if part.value > ZERO:
            notes.append(f"You may keep {what} from the set: its value, {format_money(part.value, purchase.currency)}, is deducted from your refund.")
        else:
            notes.append(f"You may keep {what} from the set: nothing is deducted for it.")
    return notes


def outcome_label(outcome: str, *, same_model: bool = False) -> str:
    if outcome == "replacement" and same_model:
        return "Replacement with the same model only"
    return OUTCOME_LABELS.get(outcome, outcome)


def _fmt_date(moment: datetime, calendar: BusinessCalendar) -> str:
    """The day something happened, in the viewer's zone."""
    return zones.date_words(moment, store_zone=calendar.time_zone, viewer_zone=calendar.viewer_zone)


def _fmt_time(moment: datetime, calendar: BusinessCalendar) -> str:
    return zones.time_words(moment, store_zone=calendar.time_zone, viewer_zone=calendar.viewer_zone)


def _fmt_deadline(moment: datetime, calendar: BusinessCalendar, *, hours: bool) -> str:
    """A window's end: to the minute for an hours window, else the store's day (with the
    time it ends for a viewer in another zone)."""
    if hours:
        return _fmt_time(moment, calendar)
    return zones.day_deadline_words(moment, store_zone=calendar.time_zone, viewer_zone=calendar.viewer_zone)


def window_deadline(rule: RuleData, purchase: PurchaseFacts, calendar: BusinessCalendar, start: datetime) -> datetime:
    unit, length = rule.window_unit, rule.window_length or 0
    if unit == "hours":
        return start + timedelta(hours=length)
    if unit == "calendar_days":
        return calendar.add_calendar_days(start, length)
    if unit == "working_days":
        return calendar.add_working_days(start, length)
    if unit == "months":
        return calendar.add_months(start, length)
    if unit == "warranty":
        return calendar.add_months(start, purchase.warranty_months or 0)
    raise ValueError(f"no deadline for window unit {unit!r}")


def _window_length_words(rule: RuleData, purchase: PurchaseFacts) -> str:
    if rule.window_unit == "warranty":
        return f"{purchase.warranty_months}-month warranty"
    unit = {"hours": "hour", "calendar_days": "day", "working_days": "working-day", "months": "month"}[rule.window_unit]
    return f"{rule.window_length}-{unit} window"


def _window(rule: RuleData, purchase: PurchaseFacts, calendar: BusinessCalendar, now: datetime):
    """(status, text, deadline, auto_approve); status: open | closed | not_yet."""
    if rule.window_unit == "until_event" and rule.window_until == "event":
        return _window_until_order_event(rule, purchase, calendar, now)
    if rule.window_unit == "until_event":
        happened = purchase.moment(rule.window_until)
        late = (
            rule.late_shipment_opens
            and purchase.shipped_at is None
            and purchase.expected_ship_at is not None
            and purchase.expected_ship_at < now
        )
        if late:
            text = (
                f"Your order was expected to ship by {_fmt_date(purchase.expected_ship_at, calendar)} and has not shipped, "
                "so you can cancel it now; it is approved automatically."
            )
            return "open", text, Deadline("claim_by", "Open until the order ships", None, text), True
        if happened is not None and happened <= now:
            past = UNTIL_PAST[rule.window_until] if purchase.has_order else PURCHASE_PAST
            text = f"{past} on {_fmt_date(happened, calendar)}, so “{rule.name}” is no longer possible."
            return "closed", text, None, False
        text = {
            "processed": "Possible until your order is processed.",
            "shipped": "Possible until your order ships.",
            "picked_up": "Possible until the carrier picks your parcel up.",
            "delivered": "Possible while your parcel is on its way, until it is delivered.",
        }[rule.window_until]
        return "open", text, Deadline("claim_by", text, None, text), False

    if rule.window_anchor == "event":
        return _window_from_order_event(rule, purchase, calendar, now)
    start = purchase.moment(rule.window_anchor)
    if start is None:
        text = f"“{rule.name}” starts at {ANCHOR_WORDS.get(rule.window_anchor, rule.window_anchor)}, which has not happened yet."
        return "not_yet", text, None, False
    if not rule.window_enforced:
        return _advised_window(rule=rule, purchase=purchase, calendar=calendar, start=start, now=now)
    deadline = window_deadline(rule, purchase, calendar, start)
    length_words = _window_length_words(rule, purchase)
    when = _fmt_deadline(deadline, calendar, hours=rule.window_unit == "hours")
    started = f"{ANCHOR_PAST[rule.window_anchor] if purchase.has_order else PURCHASE_PAST} on {_fmt_date(start, calendar)}"
    if now > deadline:
        what = length_words if rule.window_unit == "warranty" else f"{length_words} for “{rule.name}”"
        text = f"{started}; the {what} ended on {when}."
        return "closed", text, Deadline("claim_by", rule.name, deadline, text), False
    if rule.window_unit == "warranty":
        text = f"{started}; your {length_words} runs until {when}."
    else:
        text = f"{started}; you can claim until {when} ({length_words})."
    return "open", text, Deadline("claim_by", f"Claim by ({rule.name})", deadline, text), False


def _capfirst(text: str) -> str:
    return text[:1].upper() + text[1:]


def _window_words_from_event(rule: RuleData, purchase: PurchaseFacts) -> str:
    """"within 30 days of payment confirmation", "for the 24-month warranty counted from installation"."""
    label = rule.window_anchor_event_label or rule.window_anchor_event
    if rule.window_unit == "warranty":
        months = f"{purchase.warranty_months}-month " if purchase.warranty_months else ""
        return f"for the {months}warranty counted from {label}"
    unit = {"hours": "hours", "calendar_days": "days", "working_days": "working days", "months": "months"}[rule.window_unit]
    return f"within {rule.window_length} {unit} of {label}"


def _window_from_order_event(rule: RuleData, purchase: PurchaseFacts, calendar: BusinessCalendar, now: datetime):
    """A window counted from a named order event: not yet open until it happens."""
    label = rule.window_anchor_event_label or rule.window_anchor_event
    within = _window_words_from_event(rule, purchase)
    start = purchase.event_at(rule.window_anchor_event)
    if start is None or start > now:
        text = f"“{rule.name}” opens with {label}, which has not happened yet: from then you can claim {within}."
        return "not_yet", text, None, False
    deadline = window_deadline(rule, purchase, calendar, start)
    when = _fmt_deadline(deadline, calendar, hours=rule.window_unit == "hours")
    started = f"{_capfirst(label)} was on {_fmt_date(start, calendar)}"
    if now > deadline:
        text = f"{started}; “{rule.name}” was possible {within}, until {when}."
        return "closed", text, Deadline("claim_by", rule.name, deadline, text), False
    text = f"{started}; you can claim {within} (until {when})."
    return "open", text, Deadline("claim_by", f"Claim by ({rule.name})", deadline, text), False


def _window_until_order_event(rule: RuleData, purchase: PurchaseFacts, calendar: BusinessCalendar, now: datetime):
    """A window open until a named order event: closed once it has happened."""
    until = rule.window_until_event_words or rule.window_until_event_label or rule.window_until_event
    happened = purchase.event_at(rule.window_until_event)
    if happened is not None and happened <= now:
        text = f"“{rule.name}” was possible until {until}, which happened on {_fmt_date(happened, calendar)}: it is no longer possible."
        return "closed", text, None, False
    text = f"Possible until {until}."
    return "open", text, Deadline("claim_by", f"Open until {until}", None, text), False


def _advised_window(*, rule: RuleData, purchase: PurchaseFacts, calendar: BusinessCalendar, start: datetime, now: datetime):
    """An advised window ("as soon as possible", "within 48 hours if possible"): open
    once started, also past its length (then the text says staff will look at the late
    report, and advised_window_late flags it)."""
    started = f"{ANCHOR_PAST[rule.window_anchor]} on {_fmt_date(start, calendar)}"
    if not rule.window_length:
        text = f"{started}. Please report it as soon as possible."
        return "open", text, Deadline("advised_by", "As soon as possible (advised)", None, text), False
    deadline = window_deadline(rule, purchase, calendar, start)
    when = _fmt_deadline(deadline, calendar, hours=rule.window_unit == "hours")
    label = f"Advised: report by ({rule.name})"
    if now > deadline:
        text = (
            f"{started}. We ask you to report it within {_advised_length_words(rule)} (by {when}); "
            "you can still claim, and staff will look at your late report."
        )
        return "open", text, Deadline("advised_by", label, deadline, text), False
    text = f"{started}. Please report it within {_advised_length_words(rule)}, by {when} (advised: a later report is still looked at)."
    return "open", text, Deadline("advised_by", label, deadline, text), False


def _advised_length_words(rule: RuleData) -> str:
    if not rule.window_length:
        return "as soon as possible"
    unit = {"hours": "hour", "calendar_days": "day", "working_days": "working day", "months": "month"}[rule.window_unit]
    return f"{rule.window_length} {unit}{'' if rule.window_length == 1 else 's'}"


def advised_window_late(rule: RuleData, purchase: PurchaseFacts, calendar: BusinessCalendar, now: datetime) -> bool:
    """Past an advised window's length: the claim stays open but staff see it was reported late."""
    if rule.window_enforced or not rule.window_length or rule.window_unit in ("until_event", "warranty"):
        return False
    start = purchase.moment(rule.window_anchor)
    return start is not None and now > window_deadline(rule, purchase, calendar, start)


def refund_timing_text(rule: RuleData, funds_arrival_note: str = "") -> str:
    """When and how refunded money is paid ("Refund within 7–14 business days after
    inspection, to your original payment method."), then the policy's note on when the
    money arrives; "" for a rule none of whose outcomes pays money (a repair, an address change)."""
    if not PAYING_OUTCOMES.intersection(rule.outcomes):
        return ""
    text = ""
    if rule.refund_due_business_days or rule.refund_method:
        parts = ["Refund"]
        if rule.refund_due_business_days:
            low, high = rule.refund_min_business_days, rule.refund_due_business_days
            days = f"{low}–{high}" if low is not None and low < high else f"{high}"
            parts.append(f"within {days} business day{'' if days == '1' else 's'}")
            parts.append(REFUND_CLOCK_WORDS.get(rule.refund_clock, ""))
        text = " ".join(p for p in parts if p)
        if rule.refund_method:
            text += ("," if rule.refund_due_business_days else "") + " " + REFUND_METHOD_WORDS.get(rule.refund_method, "")
        text += "."
    return " ".join(p for p in (text, funds_arrival_note) if p)


def _not_yet_open_alternative(rule: RuleData, purchase: PurchaseFacts, calendar: BusinessCalendar, now: datetime) -> str:
    """"Once your parcel is delivered you can return it within 60 days." for a rule whose
    window starts at an event that has not happened; with a date where the event's date is
    expected (an expected ship date)."""
    event = ANCHOR_FUTURE.get(rule.window_anchor, rule.window_anchor)
    expected = purchase.expected_ship_at if rule.window_anchor == "shipped" else None
    if expected is not None and expected > now:
        event = f"{event} (expected by {_fmt_date(expected, calendar)})"
    verb = "return it" if rule.requires_return else "claim"
    if rule.window_unit == "warranty":
        length = f"its {purchase.warranty_months}-month warranty" if purchase.warranty_months else "its warranty"
        return f"Once {event}, you can claim under {length} (“{rule.name}”)."
    if not rule.window_enforced:
        return f"Once {event}, you can {verb} under “{rule.name}”: please report it {('within ' + _advised_length_words(rule)) if rule.window_length else 'as soon as possible'}."
    return f"Once {event}, you can {verb} within {_advised_length_words(rule)} (“{rule.name}”)."


def _shipping_payer(rule, purchase, policy, reason, shopper_pays_by_answer, slots, evidence_counts):
    """(payer, sentence, why the shopper pays): the sentence is the brand's or "none"'s;
    when the shopper pays, the sentence is made with the refund (_shipping_words) and the
    last item says why ("" when the rule simply says so)."""
    if not rule.requires_return or rule.return_shipping_payer == "none":
        return "none", "Nothing needs to be sent back.", ""
    payer, text, cause = rule.return_shipping_payer, "", ""
    if payer == "brand_if_defect":
        payer = "brand" if reason.kind in DEFECT_KINDS else "shopper"
        if payer == "brand":
            text = f"{policy.store_name} pays return shipping for a confirmed defect; if the item turns out not to be defective, you pay it."
        else:
            cause = "the reason is not a defect"
    elif payer == "brand":
        text = f"{policy.store_name} pays return shipping."
    if payer == "brand" and rule.shopper_pays_if_international and purchase.shipping_country and purchase.shipping_country.upper() != policy.store_country.upper():
        payer, cause = "shopper", "returns from abroad are at the shopper's cost"
    if payer == "brand" and shopper_pays_by_answer:
        payer, cause = "shopper", "because of your answers above"
    if payer == "brand":
        for slot in slots:
            if slot.requirement == "affects_shipping":
                provided = (evidence_counts or {}).get(slot.code)
                if provided is not None and provided < slot.min_count:
                    payer, cause = "shopper", f"because “{slot.label}” was not provided"
                    break
                text += f" Without “{slot.label}”, you may have to pay return shipping."
    if payer == "brand" and rule.shipping_reimbursement_cap is not None:
        text += f" Send us the receipt for the postage you paid: it is refunded up to {format_money(rule.shipping_reimbursement_cap, policy.currency)}."
    return payer, text, cause


def _shipping_words(rule: RuleData, refund: Breakdown | None, cause: str, currency: str) -> str:
    """When the shopper pays the return shipping, ONE sentence saying how: the amount
    deducted from the refund (the estimate's return shipping row, same figure), or that
    they buy the postage themselves and nothing is deducted."""
    codes = {d.code for d in rule.deductions if d.trigger == "shopper_pays_shipping"}
    lines = [line for line in (refund.lines if refund else ()) if line.code in codes]
    counted = [line for line in lines if not line.pending]
    if counted:
        amount = format_money(-sum((line.amount for line in counted), ZERO), currency)
        sentence = f"We deduct {amount} return shipping from your refund"
    elif lines:
        sentence = "We deduct the return shipping from your refund; its amount is set at inspection"
    elif refund is not None:
        sentence = "You buy the return postage yourself; we don't deduct anything for it from your refund"
    else:
        sentence = "You buy the return postage yourself"
    if not cause:
        return sentence + "."
    return f"{sentence} {cause}." if cause.startswith("because") else f"{sentence}: {cause}."


def shopper_postage_words(rule: RuleData, currency: str) -> str:
    """How a shopper who pays the return shipping pays it, as the policy states it before
    any claim: deducted from the refund (its amount when fixed) or postage they buy. A
    clause: "we deduct 89.00 USD return shipping from your refund"."""
    shipping = [d for d in rule.deductions if d.trigger == "shopper_pays_shipping"]
    fixed = [d for d in shipping if d.basis == "fixed" and d.amount is not None]
    if shipping and len(fixed) == len(shipping):
        return f"we deduct {format_money(sum((d.amount for d in fixed), ZERO), currency)} return shipping from your refund"
    if shipping:
        return "we deduct the return shipping from your refund"
    return "you buy the return postage yourself; we don't deduct anything for it"


def _deduction_amount(deduction: DeductionData, purchase: PurchaseFacts, base: Decimal) -> Decimal | None:
    if deduction.basis == "fixed":
        return deduction.amount or ZERO
    if deduction.basis == "percent":
        return percent_of(base, deduction.percent or ZERO)
    if deduction.basis == "order_shipping":
        if purchase.order_items_total <= ZERO:
            return purchase.order_shipping_charged
        # the claimed items' share of the order's delivery charges
        return purchase.order_shipping_charged * base / purchase.order_items_total
    return None  # assessed by staff


@dataclass(frozen=True)
class InspectionFacts:
    """What the warehouse found; turns "decided at inspection" lines into amounts."""

    missing_accessories_value: Decimal = ZERO
    damage_value: Decimal = ZERO
    improper_packaging: bool = False
    defect_confirmed: bool | None = None
    # the words the shopper reads beside the amounts: which parts were missing, what was damaged
    missing_accessories: tuple[str, ...] = ()
    damage_description: str = ""


# How sure the refund total is: a firm estimate, or at most the total until inspection,
# the shopper's answers or staff decide it (RuleDecision.refund_decided_by).
DECIDED_BY_INSPECTION = "inspection"
DECIDED_BY_ANSWERS = "answers"
DECIDED_BY_STAFF = "staff"
PENDING_AT_INSPECTION = "decided at inspection"
PENDING_ON_ANSWERS = "depends on your answers"
TRIGGER_WORDS = {
    "always": "always",
    "condition": "if your answers show it",
    "inspection": "if found at inspection",
    "shopper_pays_shipping": "when you pay the return shipping",
}


def deduction_label(deduction: DeductionData) -> str:
    """A deduction's words with its basis: "Restocking fee (15 %)"; a label that already
    names its percentage or amount is kept as it is."""
    if deduction.basis != "percent" or deduction.percent is None or "%" in deduction.label:
        return deduction.label
    percent = f"{_percent_words(deduction.percent)} %"
    if deduction.label.endswith(")"):
        return f"{deduction.label[:-1]}, {percent})"
    return f"{deduction.label} ({percent})"


def _found_label(deduction: DeductionData, inspection: InspectionFacts | None) -> str:
    """The label of a deduction taken on what inspection found, with what was found."""
    label = deduction_label(deduction)
    if inspection is None:
        return label
    if deduction.kind == "missing_accessories" and inspection.missing_accessories:
        return f"{label} — missing at inspection: {', '.join(inspection.missing_accessories)}"
    if deduction.kind == "damage_on_return":
        found = f": {inspection.damage_description}" if inspection.damage_description else ""
        return f"{label} — damage found at inspection{found}"
    if deduction.trigger == "inspection" and "inspection" not in label.lower():
        return f"{label} — found at inspection"
    return label


def _distinct_labels(rows: list[tuple], deductions_by_code: dict[str, DeductionData]) -> list[tuple]:
    """No two rows of a breakdown read the same: a repeated label gets its trigger's words."""
    seen: dict[str, int] = {}
    for row in rows:
        seen[row[1]] = seen.get(row[1], 0) + 1
    out = []
    for row in rows:
        deduction = deductions_by_code.get(row[0])
        if seen[row[1]] > 1 and deduction is not None:
            row = (row[0], f"{row[1]}, {TRIGGER_WORDS.get(deduction.trigger, deduction.trigger)}", *row[2:])
        out.append(row)
    return out


def refund_decided_by(rule: RuleData, breakdown: Breakdown | None) -> str:
    """Who settles the refund total the shopper is shown: "" when it is a firm estimate;
    "staff" when staff decide a partial refund; "inspection" or "answers" while lines wait."""
    if breakdown is None:
        return ""
    if MONEY_OUTCOMES.intersection(rule.outcomes) == {"partial_refund"}:
        return DECIDED_BY_STAFF
    notes = {line.note for line in breakdown.pending_lines}
    if PENDING_AT_INSPECTION in notes:
        return DECIDED_BY_INSPECTION
    if notes:
        return DECIDED_BY_ANSWERS
    return ""


def refund_for(
    rule: RuleData,
    purchase: PurchaseFacts,
    payer: str,
    triggered: set[str],
    unanswered: set[str] = frozenset(),
    inspection: InspectionFacts | None = None,
    postage_paid: Decimal | None = None,
):
    """The refund breakdown of a rule for a purchase: (Breakdown | None, notes).

    Before inspection, inspection-triggered and staff-assessed lines are pending;
    with an InspectionFacts they become amounts. Brand-paid return postage is added
    up to the rule's cap once the shopper has entered what they paid."""
    # store credit is worth the refund (plus a bonus): it has the same breakdown
    money_outcomes = (MONEY_OUTCOMES | {STORE_CREDIT}).intersection(rule.outcomes)
    compensation_offered = "keep_with_compensation" in rule.outcomes
    if not money_outcomes and not compensation_offered:
        return None, []
    base = purchase.paid_for_claimed
    deductions, pending, notes = [], [], []
    applied_kinds: set[str] = set()
    for deduction in rule.deductions:
        applies = (
            deduction.trigger == "always"
            or (deduction.trigger == "condition" and deduction.code in triggered)
            or (deduction.trigger == "shopper_pays_shipping" and payer == "shopper")
        )
        amount = _deduction_amount(deduction, purchase, base)
        if inspection is not None and deduction.trigger == "inspection":
            applies, amount = _inspected(deduction, inspection, amount)
            # the same charge already taken on the shopper's own answer is not taken twice
            applies = applies and deduction.kind not in applied_kinds
        elif inspection is not None and applies and amount is None:
            amount = _assessed(deduction, inspection)
        if applies and amount is not None:
            if amount > ZERO or deduction.trigger != "inspection":
                deductions.append((deduction.code, _found_label(deduction, inspection), amount, deduction.is_invented_amount))
                applied_kinds.add(deduction.kind)
        elif inspection is None and (applies or deduction.trigger == "inspection"):
            pending.append((deduction.code, deduction_label(deduction), PENDING_AT_INSPECTION))
        elif deduction.trigger == "condition" and any(
            c.deduction_code == deduction.code and c.code in unanswered for c in rule.conditions
        ):
            pending.append((deduction.code, deduction_label(deduction), PENDING_ON_ANSWERS))
    by_code = {d.code: d for d in rule.deductions}
    # told apart across the counted and the pending rows alike
    distinct = _distinct_labels([*deductions, *pending], by_code)
    deductions, pending = distinct[: len(deductions)], distinct[len(deductions) :]
    for part in kept_parts(rule, purchase):
        if part.value > ZERO:
            deductions.append((f"kept-{part.line_id}", part.label, part.value, False))
    notes.extend(_kept_notes(rule, purchase))
    reimbursement = None
    if payer == "brand" and rule.shipping_reimbursement_cap is not None:
        if postage_paid is not None:
            reimbursement = ("postage", "Return postage you paid (refunded up to the cap)", min(postage_paid, rule.shipping_reimbursement_cap))
        else:
            notes.append(
                f"Plus the return postage you paid, up to {format_money(rule.shipping_reimbursement_cap, purchase.currency)}, with its receipt."
            )
    if compensation_offered:
        notes.append(_compensation_note(rule, base, purchase.currency))
    if not money_outcomes:
        return None, notes
    if money_outcomes == {"partial_refund"} and not deductions:
        notes.append("Staff decide the amount of the partial refund; it is at most the price paid shown here.")
    breakdown = build_refund(currency=purchase.currency, paid=base, deductions=deductions, pending=pending, reimbursement=reimbursement)
    return breakdown, notes


def _compensation_note(rule: RuleData, paid: Decimal, currency: str) -> str:
    """Compensation always says how much: its share and the most it can be, or, without a
    share in the policy, that staff set it and its ceiling (the price paid)."""
    if rule.compensation_percent is None:
        return (
            f"If you keep the item: staff set the compensation after looking at your claim; it is at most the price paid, "
            f"{format_money(paid, currency)}."
        )
    most = compensation_amount(rule, paid, ZERO)
    return (
        f"If you keep the wrong item: {_percent_words(rule.compensation_percent)} % of the price difference between the item "
        f"you ordered and the one you received, at most {format_money(most, currency)} (staff confirm the received item's value), "
        "and the right item is reshipped."
    )


def _inspected(deduction: DeductionData, inspection: InspectionFacts, amount: Decimal | None):
    """(applies, amount) of an inspection-triggered deduction, given what was found."""
    if deduction.kind == "missing_accessories":
        return inspection.missing_accessories_value > ZERO, inspection.missing_accessories_value
    if deduction.kind == "damage_on_return":
        return inspection.damage_value > ZERO, inspection.damage_value
    if deduction.kind == "improper_packaging":
        return inspection.improper_packaging, amount
    if deduction.kind == "restocking_fee":
        return inspection.missing_accessories_value > ZERO or inspection.improper_packaging, amount
    return False, amount


def _assessed(deduction: DeductionData, inspection: InspectionFacts) -> Decimal | None:
    if deduction.kind == "missing_accessories":
        return inspection.missing_accessories_value
    if deduction.kind == "damage_on_return":
        return inspection.damage_value
    return None


def compensation_amount(rule: RuleData, ordered_price: Decimal, received_value: Decimal) -> Decimal:
    """M6: a share of the price difference between the ordered and the received item."""
    difference = max(ordered_price - received_value, ZERO)
    return percent_of(difference, rule.compensation_percent or ZERO)


# --- store credit -----------------------------------------------------------------


@dataclass(frozen=True)
class StoreCreditOffer:
    """What a refund is worth as store credit under a rule: the refund, the bonus on
    top, and until when it can be spent (None: no expiry)."""

    refund: Decimal
    bonus_percent: Decimal | None
    bonus: Decimal
    amount: Decimal
    currency: str
    expires_at: datetime | None
    instead_of_refund: bool  # the rule offers a refund too: "or ... as store credit"
    text: str


def store_credit_amount(refund: Decimal, bonus_percent: Decimal | None, currency: str) -> tuple[Decimal, Decimal]:
    """(bonus, amount) of store credit for a refund: the bonus rounded once to the
    currency's minor unit, as every line of a refund is; amount = refund + bonus."""
    refund = quantize(refund, currency)
    bonus = quantize(percent_of(refund, bonus_percent or ZERO), currency)
    return bonus, refund + bonus


def store_credit_expires_at(rule: RuleData, issued_at: datetime, calendar: BusinessCalendar) -> datetime | None:
    """The end of the last valid day: 12 months from 1 Dec 2026 is valid until the end of
    30 Nov 2027 in the store's zone. None: the rule's credit never expires."""
    if not rule.store_credit_valid_months:
        return None
    last_day = calendar.local_date(issued_at) + relativedelta(months=rule.store_credit_valid_months) - timedelta(days=1)
    return calendar.end_of_day(last_day)


def store_credit_offer(rule: RuleData, refund: Breakdown, calendar: BusinessCalendar, now: datetime) -> StoreCreditOffer | None:
    """The estimate's store credit line, for a rule that offers store credit: "or 53.90
    EUR store credit (10 % bonus), valid until 30 Nov 2027" (a credit issued now)."""
    if STORE_CREDIT not in rule.outcomes:
        return None
    return _store_credit_offer(
        refund,
        rule.store_credit_bonus_percent,
        store_credit_expires_at(rule, now, calendar),
        instead_of_refund=bool(MONEY_OUTCOMES.intersection(rule.outcomes)),
    )


def store_credit_offer_for(offer: StoreCreditOffer | None, refund: Breakdown) -> StoreCreditOffer | None:
    """The same terms for another refund (every line of a claim together)."""
    if offer is None:
        return None
    return _store_credit_offer(refund, offer.bonus_percent, offer.expires_at, instead_of_refund=offer.instead_of_refund)


def _store_credit_offer(refund: Breakdown, bonus_percent: Decimal | None, expires_at: datetime | None, *, instead_of_refund: bool) -> StoreCreditOffer:
    bonus, amount = store_credit_amount(refund.total, bonus_percent, refund.currency)
    words = f"{format_money(amount, refund.currency)} store credit"
    if bonus > ZERO and bonus_percent:
        words += f" ({_percent_words(bonus_percent)} % bonus)"
    # expires_at is the end of a day in the store's zone (store_credit_expires_at)
    words += f", valid until {expires_at.day} {expires_at:%b %Y}" if expires_at else ", with no expiry date"
    if refund.pending_lines:
        words += "; it follows the refund when the amounts decided later are known"
    return StoreCreditOffer(
        refund=refund.total,
        bonus_percent=bonus_percent,
        bonus=bonus,
        amount=amount,
        currency=refund.currency,
        expires_at=expires_at,
        instead_of_refund=instead_of_refund,
        text=("Or " if instead_of_refund else "As ") + words + ".",
    )


def store_credit_terms(rule: RuleData) -> str:
    """The policy page's sentence on a rule's store credit ("" when not offered)."""
    if STORE_CREDIT not in rule.outcomes:
        return ""
    text = "Store credit is worth what the refund would be"
    if rule.store_credit_bonus_percent:
        text += f", plus a {_percent_words(rule.store_credit_bonus_percent)} % bonus"
    text += ". It is sent as a code when your claim is settled"
    if rule.store_credit_valid_months:
        months = rule.store_credit_valid_months
        text += f" and can be spent for {months} month{'s' if months != 1 else ''}."
    else:
        text += " and does not expire."
    return text


def _percent_words(percent: Decimal) -> str:
    return format(percent.normalize(), "f")


def _alternatives(policy, purchase, calendar, reason, now) -> tuple[Alternative, ...]:
    """Open rules that cover other reasons: what is still possible; then the rules whose
    window has not started yet, saying when they open."""
    found, not_yet = [], []
    state = order_state(purchase)
    for rule in policy.rules:
        if reason.code in rule.reason_codes or _scope_blockers(rule, purchase):
            continue
        # only reasons that apply to this order now or later: none of a state it has left
        # (no "Cancel before pick-up" for a delivered order)
        later = tuple(r for r in policy.reasons if r.code in rule.reason_codes and r.applies_from(state))
        if not later:
            continue
        status, text, deadline, _auto = _window(rule, purchase, calendar, now)
        if status == "not_yet":
            not_yet.append(
                Alternative(
                    rule.code,
                    rule.name,
                    tuple(r.label for r in later),
                    text if rule.window_anchor == "event" else _not_yet_open_alternative(rule, purchase, calendar, now),
                    not_yet_open=True,
                )
            )
            continue
        if status != "open":
            continue
        labels = tuple(r.label for r in later)
        if rule.window_unit == "warranty" and deadline and deadline.at:
            text = f"Your warranty runs until {_fmt_deadline(deadline.at, calendar, hours=False)}, so you can still file a warranty claim."
        else:
            text = f"You can still use “{rule.name}”. {text}"
        found.append(Alternative(rule.code, rule.name, labels, text))
    return tuple(found) + _not_yet_first_fitting(policy, reason, not_yet)


def _not_yet_first_fitting(policy: PolicyData, reason: ReasonData, not_yet: list[Alternative]) -> tuple[Alternative, ...]:
    """Rules for the same kind of trouble first: a shopper cancelling (no defect) is
    offered the return that opens on delivery before a dead-on-arrival guarantee."""
    asked_defect = reason.kind in DEFECT_KINDS
    kinds = {r.code: r.kind for r in policy.reasons}
    rules = {r.code: r for r in policy.rules}

    def fits(alternative: Alternative) -> bool:
        return any((kinds.get(code, "") in DEFECT_KINDS) == asked_defect for code in rules[alternative.rule_code].reason_codes)

    return tuple(sorted(not_yet, key=lambda alternative: not fits(alternative)))


def _summary(policy, reason, decisions, alternatives) -> str:
    if not decisions:
        base = reason.not_covered_note or f"{policy.store_name}'s policy does not cover “{reason.label}”."
    elif any(d.status == Status.ELIGIBLE for d in decisions):
        names = ", ".join(f"“{d.rule_name}”" for d in decisions if d.status == Status.ELIGIBLE)
        return f"You can claim under {names}."
    elif any(d.status == Status.NEEDS_ANSWERS for d in decisions):
        return "Answer the questions below to see whether you can claim."
    elif any(d.status == Status.NOT_YET_OPEN for d in decisions):
        return next(d.explanation[0] for d in decisions if d.status == Status.NOT_YET_OPEN)
    else:
        base = " ".join(decisions[0].explanation)
    if alternatives:
        return f"{base} {alternatives[0].text}"
    return base


def triggered_deductions(rule: RuleData, answers: Mapping[str, bool]) -> set[str]:
    """The deduction codes the shopper's answers trigger under a rule."""
    return {
        condition.deduction_code
        for condition in rule.conditions
        if condition.effect == "deduction" and condition.code in answers and answers[condition.code] == condition.blocking_answer
    }


# --- return carriers -------------------------------------------------------------------

# A tracking number where the carrier has no format (any carrier): 5–40 letters and
# digits, with spaces or dashes inside; enough to tell a number from a sentence.
FREE_TRACKING = r"[A-Za-z0-9][A-Za-z0-9 \-]{3,38}[A-Za-z0-9]"


def tracking_number_fits(carrier: CarrierData, tracking_number: str) -> bool:
    """Whether a tracking number fits the carrier's format, or for a carrier without
    one, the free shape (FREE_TRACKING)."""
    return re.fullmatch(carrier.tracking_pattern or FREE_TRACKING, tracking_number, flags=re.IGNORECASE) is not None


TRACKING_PLACEHOLDER = "{tracking}"


def tracking_url_problem(pattern: str) -> str:
    """What is wrong with a carrier's tracking page pattern ("" when nothing is): it is
    a web address (http or https, a host) with exactly one {tracking} after the host."""
    if not pattern:
        return ""
    if pattern.count(TRACKING_PLACEHOLDER) != 1:
        return "Put {tracking} once where the tracking number goes."
    if re.match(r"https?://[A-Za-z0-9.-]+\.[A-Za-z]{2,}(:\d+)?/", pattern, flags=re.IGNORECASE) is None:
        return "Give the carrier's web address, starting with https:// and its host name, then a /."
    if re.search(r"[\s\"'<>\\`]", pattern):
        return "The address may not contain spaces, quotes or angle brackets."
    return ""


def tracking_url(carrier: CarrierData | None, tracking_number: str) -> str:
    """The carrier's tracking page for this parcel, "" when the carrier has none (or the
    pattern is not a safe web address). The number is percent-encoded: whatever the
    shopper typed stays inside its query parameter or path segment."""
    number = (tracking_number or "").strip()
    if carrier is None or not number or not carrier.tracking_url or tracking_url_problem(carrier.tracking_url):
        return ""
    return carrier.tracking_url.replace(TRACKING_PLACEHOLDER, quote(number, safe=""))


def carrier_named(carriers: tuple[CarrierData, ...], name: str) -> CarrierData | None:
    """The policy's carrier of this name (a claim stores the name the shopper chose)."""
    return next((c for c in carriers if c.name == name), None)


def carriers_words(carriers: tuple[CarrierData, ...]) -> str:
    """Which carriers a return may travel with, in plain words ("FedEx, DHL")."""
    named = [c.name for c in carriers if not c.any_carrier]
    if any(c.any_carrier for c in carriers):
        return "any carrier with a tracking number" + (f" (for example {', '.join(named)})" if named else "")
    return ", ".join(named)


# --- inspection outcomes ----------------------------------------------------------------


def item_after_rejection(reason: InspectionRejectionData, currency: str) -> str:
    """What happens to the item when inspection rejects the claim for this reason, as
    a clause ("the item is sent back to you at your cost (8.00 GBP)")."""
    if reason.item_handling == "returned":
        if reason.fee is None or reason.fee <= ZERO:
            return "the item is sent back to you free of charge"
        return f"the item is sent back to you at your cost ({format_money(reason.fee, currency)})"
    if reason.item_handling == "disposed":
        return "the item is disposed of and not sent back"
    return "the item stays with us and is not sent back"


def inspection_rejection_sentence(reason: InspectionRejectionData, currency: str) -> str:
    """One reason as the policy states it to a shopper before they send the item."""
    return f"If inspection finds “{reason.label}”, the claim is rejected and {item_after_rejection(reason, currency)}."


def inspection_outcome_sentences(policy: PolicyData, rule: RuleData) -> tuple[str, ...]:
    """The policy's rejection reasons after inspection, for a rule whose items come back
    (nothing is inspected otherwise)."""
    if not rule.requires_return:
        return ()
    return tuple(inspection_rejection_sentence(reason, policy.currency) for reason in policy.inspection_rejections)


# --- the repair / replacement turnaround promise -----------------------------------------

TURNAROUND_OUTCOMES = ("repair", "replacement", "replacement_part")
_TURNAROUND_SUBJECTS = {
    "repair": "repairs are completed",
    "replacement": "replacements are shipped",
    "replacement_part": "replacement parts are shipped",
}
_TURNAROUND_UNITS = {"calendar_days": ("day", "days"), "working_days": ("working day", "working days")}
_TURNAROUND_FROM = {"approval": "of your claim being approved", "receipt": "of receiving your item"}


def turnaround_covers(rule: RuleData, outcome: str) -> bool:
    """Whether the rule promises a turnaround for this approved outcome."""
    return bool(rule.turnaround_length) and outcome in rule.turnaround_outcomes


def turnaround_sentence(rule: RuleData) -> str:
    """The promise in the shopper's words: "Repairs are completed within 14 days of
    receiving your item." Empty when the rule makes none."""
    outcomes = [o for o in TURNAROUND_OUTCOMES if o in rule.turnaround_outcomes]
    if not rule.turnaround_length or not outcomes:
        return ""
    one, many = _TURNAROUND_UNITS.get(rule.turnaround_unit, ("day", "days"))
    length = f"{rule.turnaround_length} {one if rule.turnaround_length == 1 else many}"
    subjects = _and_join(tuple(_TURNAROUND_SUBJECTS[o] for o in outcomes))
    start = _TURNAROUND_FROM.get(rule.turnaround_clock, _TURNAROUND_FROM["approval"])
    return f"{subjects[0].upper()}{subjects[1:]} within {length} {start}."


# --- the shopper's outcome choice ----------------------------------------------------------

# outcomes that follow from the reason (a cancellation, an address change) or from staff
# (a rejection): never offered as a choice; every other outcome a rule lists is
NOT_CHOSEN_OUTCOMES = frozenset({"cancel_refund", "address_changed", "rejection"})


def choosable_outcomes(outcomes: tuple[str, ...]) -> tuple[str, ...]:
    """The outcomes a shopper chooses from, in the policy's order."""
    return tuple(o for o in outcomes if o not in NOT_CHOSEN_OUTCOMES)


def outcome_choice_words(rule: RuleData, outcome: str, *, refund: Breakdown | None, currency: str) -> str:
    """One outcome as a shopper chooses it: what it means for them, with the amount
    where one is known ("Refund to your original payment method — about 49.00 EUR")."""
    if outcome == "refund":
        method = REFUND_METHOD_WORDS.get(rule.refund_method, "")
        text = f"Refund {method}".strip() if method else "Refund"
        return f"{text} — about {format_money(refund.total, currency)}" if refund is not None else text
    if outcome == "partial_refund":
        if refund is not None:
            return f"Partial refund — staff decide the amount, at most {format_money(refund.total, currency)}"
        return "Partial refund — staff decide the amount"
    if outcome == "exchange":
        return "Exchange for another size, colour or model — the price difference is settled either way"
    if outcome == STORE_CREDIT:
        bonus = rule.store_credit_bonus_percent
        bonus_words = f" plus a {_percent_words(bonus)} % bonus" if bonus else ""
        if refund is not None:
            _bonus, amount = store_credit_amount(refund.total, bonus, currency)
            return f"Store credit — about {format_money(amount, currency)} (the refund{bonus_words}), sent as a code"
        return f"Store credit — the refund{bonus_words}, sent as a code"
    if outcome == "replacement":
        return "Replacement — we send you the same model again" if rule.replacement_same_model else "Replacement — we send you a new one"
    if outcome == "replacement_part":
        return "Replacement part — we send you the part that fixes it"
    if outcome == "repair":
        return "Repair — we repair it and send it back to you"
    if outcome == "keep_with_compensation":
        if rule.compensation_percent is not None:
            return (
                f"Keep it with compensation of {_percent_words(rule.compensation_percent)} % of the price difference, "
                "and we reship the right item"
            )
        return "Keep it with compensation, and we reship the right item"
    return OUTCOME_LABELS.get(outcome, outcome.replace("_", " ").capitalize())


def items_refund_estimate(
    rule: RuleData,
    refunded: Sequence[tuple[str, Breakdown]],
    elsewhere: Sequence[tuple[str, Decimal, str]] = (),
    *,
    currency: str,
    fixed_charges: bool = True,
) -> Breakdown:
    """The refund estimate of several items of one claim: each refunded item's own lines
    named after it ("1 × Mirror 27": Price paid …"), a fixed charge of the rule (return
    shipping, a flat fee) and the return postage once for the claim, after the items.
    `elsewhere`: (label, amount, note) of the items settled another way (store credit,
    an exchange), shown in their own rows and not part of the refund's total.
    `fixed_charges` False: the claim's fixed charges are taken elsewhere (from the items
    refunded, when these are paid as store credit)."""
    fixed = {deduction.code for deduction in rule.deductions if deduction.basis == "fixed"}
    lines: list[MoneyLine] = []
    once: dict[str, MoneyLine] = {}
    for name, breakdown in refunded:
        for line in breakdown.lines:
            if line.code in fixed or line.kind == "reimbursement":
                if fixed_charges:
                    once.setdefault(line.code, line)
            else:
                lines.append(replace(line, label=f"{name}: {line.label}"))
    lines.extend(once.values())
    lines.extend(
        MoneyLine(f"elsewhere-{n}", label, amount, kind=ELSEWHERE, note=note)
        for n, (label, amount, note) in enumerate(elsewhere)
    )
    return Breakdown(currency=currency.upper(), lines=tuple(lines))


def without_fixed_charges(rule: RuleData) -> RuleData:
    """The rule without its fixed charges: for a part of a claim whose fixed charges
    (return shipping, a flat fee) are taken from another part, once per claim."""
    return dataclasses.replace(rule, deductions=tuple(d for d in rule.deductions if d.basis != "fixed"))


def exchange_difference(*, paid: Decimal, new_unit_price: Decimal, quantity: int, currency: str) -> Decimal:
    """What an exchange costs the shopper on top of what they paid for the claimed
    units: positive, they owe it; negative, it is refunded to them."""
    return quantize(new_unit_price * quantity - paid, currency)


def exchange_difference_words(difference: Decimal, currency: str) -> str:
    """The price difference of an exchange and how it is settled, in one sentence."""
    if difference > ZERO:
        return (
            f"You pay {format_money(difference, currency)} more: we ask you for the difference when we approve "
            "the exchange and send the new item once it is paid."
        )
    if difference < ZERO:
        return f"We refund the {format_money(-difference, currency)} difference to your original payment method when we send the new item."
    return "Same price: nothing to pay and nothing to refund."
