"""Plain words for policy settings on shopper pages."""

from django import template

from policies.engine import (
    ANCHOR_WORDS,
    CHANNEL_LABELS,
    OUTCOME_LABELS,
    carriers_words,
    inspection_rejection_sentence,
    outcome_label,
    refund_timing_text,
    shopper_postage_words,
    store_credit_terms,
    turnaround_sentence,
)

register = template.Library()

_UNITS = {"hours": "hours", "calendar_days": "days", "working_days": "working days", "months": "months"}
_UNTIL = {
    "processed": "until your order is processed",
    "shipped": "until your order ships",
    "picked_up": "until the carrier picks your parcel up",
    "delivered": "until your parcel is delivered",
}


@register.filter
def window_words(rule) -> str:
    if rule.window_unit == "until_event" and rule.window_until == "event":
        return f"until {rule.window_until_event_words or rule.window_until_event_label or rule.window_until_event}"
    if rule.window_anchor == "event" and rule.window_unit != "until_event":
        return order_event_window_words(rule)
    if not getattr(rule, "window_enforced", True):
        return advised_window_words(rule)
    if rule.window_unit == "until_event":
        return _UNTIL.get(rule.window_until, "")
    anchor = ANCHOR_WORDS.get(rule.window_anchor, rule.window_anchor)
    if rule.window_unit == "warranty":
        return f"for the product's warranty period, counted from {anchor}"
    return f"within {rule.window_length} {_UNITS[rule.window_unit]} of {anchor}"


@register.filter
def outcome_words(outcomes) -> str:
    return ", ".join(OUTCOME_LABELS.get(o, o) for o in outcomes)


@register.filter
def channel_words(channels) -> str:
    return ", ".join(CHANNEL_LABELS.get(c, c) for c in channels)


@register.filter
def payer_words(rule, currency: str = "") -> str:
    """Who pays the return shipping; where the shopper does, how (deducted from the refund,
    with its amount when the policy fixes one, or postage they buy)."""
    if currency and rule.return_shipping_payer == "shopper":
        how = shopper_postage_words(rule, currency)
        return f"You pay return shipping: {how}."
    if currency and rule.return_shipping_payer == "brand_if_defect":
        return f"The brand pays return shipping for a confirmed defect; otherwise {shopper_postage_words(rule, currency)}."
    return {
        "brand": "The brand pays return shipping.",
        "shopper": "You pay return shipping.",
        "brand_if_defect": "The brand pays return shipping for a confirmed defect; otherwise you do.",
        "none": "Nothing is shipped back.",
    }.get(rule.return_shipping_payer, "")


def order_event_window_words(rule) -> str:
    """"within 30 days of payment confirmation" (a window counted from an order event)."""
    label = rule.window_anchor_event_label or rule.window_anchor_event
    if rule.window_unit == "warranty":
        return f"for the product's warranty period, counted from {label}"
    return f"within {rule.window_length} {_UNITS[rule.window_unit]} of {label}"


def advised_window_words(rule) -> str:
    anchor = ANCHOR_WORDS.get(rule.window_anchor, rule.window_anchor)
    if not rule.window_length:
        return f"as soon as possible after {anchor} (advised: a later report is still looked at)"
    return f"within {rule.window_length} {_UNITS[rule.window_unit]} of {anchor} if possible (advised: a later report is still looked at)"


@register.filter
def refund_timing_words(rule, funds_arrival_note: str = "") -> str:
    """The refund timing and method of a rule whose outcomes pay money, else ""."""
    return refund_timing_text(rule, funds_arrival_note or "")


@register.filter
def rule_outcome_words(rule) -> str:
    """A rule's outcomes, with "Replacement with the same model only" where it says so
    and what an exchange may be for."""
    return ", ".join(
        EXCHANGE_POLICY_WORDS if o == "exchange" else outcome_label(o, same_model=rule.replacement_same_model) for o in rule.outcomes
    )


EXCHANGE_POLICY_WORDS = "Exchange for another size, colour or model of the same range (you pay or get back the price difference)"


@register.filter
def store_credit_words(rule) -> str:
    """The rule's store credit terms (bonus, validity), "" when not offered."""
    return store_credit_terms(rule)


@register.filter
def accepted_carriers(carriers) -> str:
    return carriers_words(tuple(carriers))


@register.filter
def refusing_conditions(rule) -> list:
    """The rule's conditions that make it not apply: what is not accepted."""
    return [c for c in rule.conditions if c.effect == "ineligible"]


@register.filter
def rejection_sentence(reason, currency: str) -> str:
    """A rejection reason after inspection, as the policy states it (policies.engine)."""
    return inspection_rejection_sentence(reason, currency)


@register.filter
def turnaround_words(rule) -> str:
    """The rule's repair / replacement promise: "Repairs are completed within 14 days of receiving your item." """
    return turnaround_sentence(rule)
