"""Shopper pages (the claim page, the order page) kept rendered while nothing they show
has changed: the page is rendered once per version of its data and served from the
cache until that version changes or PAGE_CACHE_SECONDS pass.

- The key names the page, the viewer (signed-in user or guest), the language and a
  version of everything the page shows (the claim's row_version, which every command
  bumps, plus a stamp of its evidence files, which the checking worker changes without a
  command). The access check runs before the cache is read, on every request.
- Pages that differ per request are never cached: with a query string, with a flash
  message to show, or while a file is still being checked (the page polls for it).
- The CSRF token differs per browser: the page is rendered with a placeholder that is
  replaced by this request's token when served.
- PAGE_CACHE_SECONDS (60) bounds what no version names: a store renamed in the admin, a
  window that closes with the clock. The cache is the portal's default cache (Redis when
  REDIS_URL is set, else per process memory); entries are per viewer, never shared."""

import hashlib
import secrets

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.utils.translation import get_language

# per process: a page rendered by another process carries its own placeholder, so a
# placeholder left unreplaced can never be a valid token
CSRF_PLACEHOLDER = "csrf-placeholder-" + secrets.token_hex(16)


def page_cacheable(request: HttpRequest) -> bool:
    """Whether this request sees the page everybody with the same key sees."""
    if settings.PAGE_CACHE_SECONDS <= 0 or request.method != "GET" or request.GET:
        return False
    return len(get_messages(request)) == 0  # counting does not mark them shown


def page_key(request: HttpRequest, page: str, *version) -> str:
    viewer = request.user.pk if request.user.is_authenticated else "guest"
    zone = getattr(request, "shopper_zone", "")  # its times are in the shopper's zone
    raw = ":".join(str(part) for part in (page, get_language(), zone, viewer, CSRF_PLACEHOLDER, *version))
    return "page:" + hashlib.sha256(raw.encode()).hexdigest()


def _served(request: HttpRequest, html: str) -> HttpResponse:
    return HttpResponse(html.replace(CSRF_PLACEHOLDER, get_token(request)))


def page_from_cache(request: HttpRequest, key: str) -> HttpResponse | None:
    html = cache.get(key)
    return None if html is None else _served(request, html)


def page_render_and_cache(request: HttpRequest, key: str, template: str, context: dict) -> HttpResponse:
    html = render(request, template, {**context, "csrf_token": CSRF_PLACEHOLDER}).content.decode()
    cache.set(key, html, settings.PAGE_CACHE_SECONDS)
    return _served(request, html)
