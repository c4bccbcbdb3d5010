"""The admin index's link to the managers' insights page (claims.insights_views)."""

from django import template

from claims.insights import insights_stores

register = template.Library()


@register.inclusion_tag("admin/claims/_insights_link.html", takes_context=True)
def insights_link(context):
    """Shown to the managers of a store (and superusers) only."""
    return {"show": insights_stores(user=context["request"].user).exists()}
