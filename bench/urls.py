"""The portal's URLs plus the bare view the shopper pages are compared with: a signed-in
page that reads one row by an index and renders a ~3 KB template, no more."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import include, path

from claims.models import Claim


@login_required
def bare(request, reference: str):
    claim = Claim.objects.filter(reference=reference).values("reference", "status", "shopper_email", "created_at").first()
    if claim is None:
        raise Http404
    return render(request, "bench/bare.html", {"claim": claim})


urlpatterns = [
    path("bench/bare/<str:reference>/", bare, name="bench_bare"),
    path("", include("portal.urls")),
]
