"""Project-wide response policy."""

from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control

from policies.zones import COOKIE_NAME, SESSION_KEY, zone_valid


class PrivatePagesMiddleware:
    """Every page the portal renders may carry personal data (an order, a claim, a
    shopper's name in the header), so a response that does not say how it may be cached
    is `private, no-store`: no shared cache keeps it and the browser does not write it to
    disk (the Back button after signing out on a shared computer shows nothing).
    Responses that set their own Cache-Control (evidence files, the brand logo) keep it;
    static files never get here (whitenoise answers them first)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            patch_cache_control(response, private=True, no_store=True)
        return response


class ShopperTimeZoneMiddleware:
    """Shopper pages show times in the shopper's own zone. Their browser names it
    (static/portal/time-zone.js sets the cookie); a real IANA zone is kept on the
    session, so it holds when the cookie is gone, and activated for the request, so
    `{{ value|date }}` and the decision texts use it. Unknown or hostile values are
    ignored: the store's zone is then shown, named. The staff admin keeps the store's
    zone (accounts.scoped_admin) and never sees the shopper's."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info.startswith(reverse("admin:index")):
            request.shopper_zone = ""
            return self.get_response(request)
        zone = zone_valid(request.COOKIES.get(COOKIE_NAME))
        if zone and request.session.get(SESSION_KEY) != zone:
            request.session[SESSION_KEY] = zone
        request.shopper_zone = zone or zone_valid(request.session.get(SESSION_KEY))
        if request.shopper_zone:
            timezone.activate(request.shopper_zone)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
