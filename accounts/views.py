from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from claims.selectors import claims_for_user
from orders.selectors import orders_for_user, user_verified_emails


@login_required
@require_GET
def my_orders(request: HttpRequest) -> HttpResponse:
    emails = user_verified_emails(user=request.user)
    return render(
        request,
        "accounts/my_orders.html",
        {
            "orders": orders_for_user(user=request.user),
            "emails": emails,
            "claims": claims_for_user(user=request.user, emails=emails),
        },
    )
