"""Plain words for policy settings on shopper pages."""

from django import template

from policies.engine import ANCHOR_WORDS, CHANNEL_LABELS, OUTCOME_LABELS

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
def payer_words(rule) -> str:
    return {
        "brand": "The brand pays return shipping.",
        "shopper": "You pay return shipping.",
        "brand_if_defect": "The brand pays return shipping for a confirmed defect; otherwise you do.",
        "none": "Nothing is shipped back.",
    }.get(rule.return_shipping_payer, "")


_REFUND_CLOCK = {
    "approval": "after your claim is approved",
    "receipt": "after we receive the return",
    "inspection": "after the return is inspected",
}


@register.filter
def refund_timing_words(rule) -> str:
    """When the rule's refund is issued, e.g. "Issued within 5 business days after we
    receive the return." ("" when the rule sets no time)."""
    if not rule.refund_due_business_days:
        return ""
    after = _REFUND_CLOCK.get(rule.refund_clock, "")
    return f"Issued within {rule.refund_due_business_days} business days {after}.".replace("  ", " ").replace(" .", ".")


@register.filter
def refusing_conditions(rule) -> list:
    """The rule's conditions that make it not apply: what is not accepted."""
    return [c for c in rule.conditions if c.effect == "ineligible"]
