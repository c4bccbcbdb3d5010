"""Project-wide response policy."""

from django.utils.cache import patch_cache_control


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
