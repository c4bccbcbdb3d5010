"""Times on shopper pages: in the shopper's zone (`shopper_zone` in the context: the
middleware's, or the claim's), with the store's zone named when it shows another time
(policies.time_words)."""

from django import template

from policies.time_words import DATE_FORMAT, when_words, zone_note_words

register = template.Library()


def _zones(context) -> tuple[str, str]:
    store = context.get("store")
    store_zone = str(getattr(store, "time_zone", "") or "UTC")
    return store_zone, context.get("shopper_zone") or ""


@register.simple_tag(takes_context=True)
def when(context, moment, kind: str = "deadline", date_format: str = DATE_FORMAT) -> str:
    """{% when claim.review_due_at "time" %}: see policies.time_words.when_words."""
    store_zone, viewer_zone = _zones(context)
    return when_words(moment, store_zone=store_zone, viewer_zone=viewer_zone, kind=kind, date_format=date_format)


@register.simple_tag(takes_context=True)
def zone_note(context) -> str:
    store_zone, viewer_zone = _zones(context)
    return zone_note_words(store_zone=store_zone, viewer_zone=viewer_zone)


@register.filter
def display_zone(shopper_zone, store) -> str:
    """{% timezone shopper_zone|display_zone:store %}: the zone a page's |date filters use."""
    return shopper_zone or str(getattr(store, "time_zone", "") or "UTC")
