"""Plain words for policy settings on shopper pages."""

from django import template

from policies.engine import ANCHOR_WORDS, CHANNEL_LABELS, OUTCOME_LABELS, turnaround_sentence

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


@register.filter
def turnaround_words(rule) -> str:
    """The rule's repair / replacement promise: "Repairs are completed within 14 days of receiving your item." """
    return turnaround_sentence(rule)
