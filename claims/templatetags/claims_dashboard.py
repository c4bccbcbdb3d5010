"""The admin index summary: per store, claims per state, overdue reviews and the
oldest waiting claim, for the stores the staff member works for."""

from django import template
from django.db.models import Count, Min, Q
from django.utils import timezone

from accounts import access
from claims.models import Claim
from claims.states import OPEN_STATES, REVIEW_CLOCK_STATES, ClaimStatus
from orders.models import Store

register = template.Library()



@register.inclusion_tag("admin/claims/_dashboard.html", takes_context=True)
def claims_dashboard(context):
    user = context["request"].user
    stores = access.scope_to_staff(Store.objects.all(), user)
    now = timezone.now()
    rows = []
    counts = (
        Claim.objects.filter(store__in=stores, status__in=OPEN_STATES)
        .values("store_id", "status")
        .annotate(n=Count("pk"))
    )
    by_store: dict[int, dict[str, int]] = {}
    for row in counts:
        by_store.setdefault(row["store_id"], {})[row["status"]] = row["n"]
    summary = {
        row["store_id"]: row
        for row in Claim.objects.filter(store__in=stores)
        .values("store_id")
        .annotate(
            overdue=Count("pk", filter=Q(status__in=REVIEW_CLOCK_STATES, review_due_at__lt=now)),
            oldest=Min("submitted_at", filter=Q(status__in=REVIEW_CLOCK_STATES)),
        )
    }
    labels = dict(ClaimStatus.choices)
    for store in stores.order_by("name"):
        states = by_store.get(store.pk, {})
        rows.append(
            {
                "store": store,
                "states": [(labels[s], n) for s, n in sorted(states.items(), key=lambda item: list(labels).index(item[0]))],
                "overdue": summary.get(store.pk, {}).get("overdue", 0),
                "oldest": summary.get(store.pk, {}).get("oldest"),
            }
        )
    return {"rows": rows, "show": bool(rows) and user.has_perm("claims.view_claim")}
