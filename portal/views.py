"""Project-wide pages: the rate-limit page and friendly error pages."""

from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader


def rate_limited(request: HttpRequest, exception=None) -> HttpResponse:
    return render(request, "errors/429.html", status=429)


def bad_request(request: HttpRequest, exception=None) -> HttpResponse:
    return render(request, "errors/400.html", status=400)


def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    return render(request, "errors/403.html", status=403)


def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    return render(request, "errors/404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # No request context: the database or the session may be what failed.
    return HttpResponseServerError(loader.get_template("errors/500.html").render())
