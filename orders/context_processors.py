"""The brand whose look the account pages (sign in, sign up, password reset) wear when
they were opened from that brand's page: its "My orders" link is their `next`."""

from urllib.parse import parse_qs, urlsplit

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

from orders.selectors import store_for_slug


def brand_of_next(request: HttpRequest) -> dict:
    match = getattr(request, "resolver_match", None)
    if match is None or not (match.url_name or "").startswith("account_"):
        return {}
    target = request.GET.get("next") or (request.POST.get("next", "") if request.method == "POST" else "")
    # only a page of this site (allauth follows no other `next` either)
    if not target or not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return {}
    slug = parse_qs(urlsplit(target).query).get("brand", [""])[0]
    store = store_for_slug(slug=slug)
    return {"store": store} if store is not None else {}
