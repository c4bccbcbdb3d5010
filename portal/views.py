"""Project-wide pages: the rate-limit page and friendly error pages."""

from django.conf import settings
from django.core.exceptions import DisallowedHost, TooManyFilesSent
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.utils.http import url_has_allowed_host_and_scheme


def rate_limited(request: HttpRequest, exception=None) -> HttpResponse:
    return render(request, "errors/429.html", status=429)


def bad_request(request: HttpRequest, exception=None) -> HttpResponse:
    """Too many files in one post (a page without JavaScript sends every picker at once)
    gets its own words and a way back to the page it came from."""
    back = request.META.get("HTTP_REFERER", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts=_own_host(request), require_https=request.is_secure()):
        back = ""
    context = {
        "too_many_files": isinstance(exception, TooManyFilesSent),
        "max_files": settings.DATA_UPLOAD_MAX_NUMBER_FILES,
        "back": back,
    }
    return render(request, "errors/400.html", context, status=400)


def _own_host(request: HttpRequest) -> set[str]:
    """The request's host when it is one of ours. A Host header outside ALLOWED_HOSTS is
    itself a reason for a 400 (scanners send them all day): asking for it again would
    raise DisallowedHost inside the handler and turn the 400 into a 500."""
    try:
        return {request.get_host()}
    except DisallowedHost:
        return set()


def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    return render(request, "errors/403.html", status=403)


def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    return render(request, "errors/404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # No request context: the database or the session may be what failed.
    return HttpResponseServerError(loader.get_template("errors/500.html").render())


def setup_guide(request: HttpRequest) -> HttpResponse:
    """docs/SETUP_GUIDE.md for staff, from the admin index (admin_view: staff only)."""
    from django.contrib import admin

    text = (settings.BASE_DIR / "docs" / "SETUP_GUIDE.md").read_text(encoding="utf-8")
    context = {**admin.site.each_context(request), "title": "Setting up a store", "guide": text}
    return render(request, "admin/setup_guide.html", context)
