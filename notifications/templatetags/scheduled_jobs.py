from django import template
from django.utils.html import format_html

from notifications.selectors import scheduled_jobs_warning

register = template.Library()


@register.simple_tag
def scheduled_jobs_alert() -> str:
    """On the admin index: the warning when beat has not run the periodic jobs."""
    warning = scheduled_jobs_warning()
    if warning is None:
        return ""
    return format_html('<ul class="messagelist"><li class="warning"><span role="alert">{}</span></li></ul>', warning)
