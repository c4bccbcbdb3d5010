"""The shopper's front door: brand pages, order lookup, guest links, the order page.
Thin: each view validates input, calls one service or selector and renders."""

import json

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from orders import guest_access as access
from orders import selectors, services
from orders.forms import OrderLookupForm
from orders.models import Product, Store


def _lookup_rate_per_ip(group, request) -> str:
    return settings.LOOKUP_RATE_PER_IP


def _lookup_rate_per_order(group, request) -> str:
    return settings.LOOKUP_RATE_PER_ORDER


def _order_number_key(group, request) -> str:
    number = services.normalise_order_number(request.POST.get("order_number", ""))
    return f"{request.resolver_match.kwargs.get('slug', '')}:{number}"


def _store(slug: str) -> Store:
    return get_object_or_404(Store, slug=slug, is_active=True)


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "orders/home.html", {"stores": selectors.store_list_active()})


@require_http_methods(["GET", "POST"])
@ratelimit(key="ip", rate=_lookup_rate_per_ip, method="POST", block=True, group="order-lookup-ip")
@ratelimit(key=_order_number_key, rate=_lookup_rate_per_order, method="POST", block=True, group="order-lookup-number")
def store_home(request: HttpRequest, slug: str) -> HttpResponse:
    store = _store(slug)
    form = OrderLookupForm(request.POST or None, example=selectors.store_order_number_example(store=store))
    if request.method == "POST" and form.is_valid():
        services.order_access_link_request(
            store=store,
            order_number=form.cleaned_data["order_number"],
            email=form.cleaned_data["email"],
            base_url=request.build_absolute_uri("/"),
        )
        # The same page whether or not the details matched: nothing to learn here.
        return _lookup_sent(request, store, email=form.cleaned_data["email"])
    return render(request, "orders/store_home.html", {"store": store, "form": form})


def _claim_next(request: HttpRequest, store) -> str:
    """Where an order link may lead after opening the order: one of this store's claim
    pages (the links in claim e-mails), never anywhere else."""
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if next_url.startswith(f"/s/{store.slug}/claims/") and url_has_allowed_host_and_scheme(next_url, allowed_hosts=None):
        return next_url
    return ""


@require_http_methods(["GET", "POST"])
def guest_access(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    """GET shows a confirm button (mail scanners prefetch links); POST opens the order."""
    store = _store(slug)
    next_url = _claim_next(request, store)
    try:
        link = access.guest_token_read(token=token)
    except access.LinkExpired:
        # the new link leads where this one did (a claim e-mail's link: to the claim)
        return render(request, "orders/link_expired.html", {"store": store, "token": token, "next": next_url}, status=410)
    except access.LinkInvalid:
        return render(request, "orders/link_invalid.html", {"store": store}, status=400)
    order = store.orders.filter(pk=link.order_id).first()
    if order is None or not access.guest_link_matches(link=link, order=order):
        return render(request, "orders/link_invalid.html", {"store": store}, status=400)
    if request.method == "POST":
        request.session.cycle_key()
        access.session_grant(session=request.session, order=order)
        return redirect(next_url or reverse("claims:order_detail", args=[store.slug, order.number]))
    return render(request, "orders/link_confirm.html", {"store": store, "order": order, "next": next_url})


@require_POST
@ratelimit(key="ip", rate=_lookup_rate_per_ip, method="POST", block=True, group="order-lookup-ip")
def guest_access_resend(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    store = _store(slug)
    try:
        link = access.guest_token_read_even_expired(token=token)
    except access.LinkInvalid:
        return render(request, "orders/link_invalid.html", {"store": store}, status=400)
    if store.orders.filter(pk=link.order_id).exists():
        services.order_access_link_resend(order_id=link.order_id, base_url=request.build_absolute_uri("/"), next_path=_claim_next(request, store))
    return _lookup_sent(request, store, email=None)


def _lookup_sent(request: HttpRequest, store: Store, *, email: str | None) -> HttpResponse:
    context = {"store": store, "email": email, "link_lifetime": access.guest_link_lifetime()}
    return render(request, "orders/lookup_sent.html", context)


@require_GET
def store_logo(request: HttpRequest, slug: str) -> FileResponse:
    """Brand logos are public; they live with uploaded files, which have no public URL."""
    store = _store(slug)
    if not store.logo:
        raise Http404
    response = FileResponse(store.logo.open("rb"))
    response["Cache-Control"] = "public, max-age=3600"
    return response


# A thumbnail URL carrying the current content version names bytes that never change
# (a new image makes a new file with a new name): cached for good. Without it, or with a
# version replaced since, the URL shows whatever is current: a short while only.
THUMBNAIL_CACHE_VERSIONED = "public, max-age=31536000, immutable"
THUMBNAIL_CACHE_UNVERSIONED = "public, max-age=60"


@require_GET
def product_thumbnail(request: HttpRequest, slug: str, product_id: int) -> FileResponse:
    """Catalogue pictures are public like the logo (orders.product_images says why a view);
    the pages link them with ?v=<content version> (Product.thumbnail_version)."""
    product = Product.objects.filter(pk=product_id, store__slug=slug, store__is_active=True).only("id", "thumbnail").first()
    if product is None or not product.thumbnail:
        raise Http404
    response = FileResponse(product.thumbnail.open("rb"), content_type="image/jpeg")
    current = request.GET.get("v", "") == product.thumbnail_version
    response["Cache-Control"] = THUMBNAIL_CACHE_VERSIONED if current else THUMBNAIL_CACHE_UNVERSIONED
    response["X-Content-Type-Options"] = "nosniff"
    return response


@csrf_exempt
@require_POST
def order_webhook(request: HttpRequest, slug: str) -> JsonResponse:
    """Orders pushed by the store, signed with HMAC-SHA256 of the body."""
    store = Store.objects.filter(slug=slug, is_active=True).first()
    signature = request.headers.get(services.SIGNATURE_HEADER, "")
    if store is None or not services.webhook_signature_valid(store=store, body=request.body, signature=signature):
        return JsonResponse({"error": "bad signature"}, status=401)
    try:
        payload = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return JsonResponse({"error": "the body is not JSON"}, status=400)
    try:
        result = services.order_webhook_apply(store=store, payload=payload)
    except services.WebhookRejected as exc:
        return JsonResponse({"error": exc.message}, status=exc.status)
    if result.duplicate:
        return JsonResponse({"status": "duplicate"}, status=200)
    return JsonResponse({"status": "ok", "order": result.order.number}, status=200)
