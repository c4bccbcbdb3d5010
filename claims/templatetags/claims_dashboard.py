"""The admin index summary: per store, claims per state, overdue reviews and the
oldest waiting claim, for the stores the staff member works for."""

from django import template
from django.core.cache import cache
from django.db.models import Count, Min, Q
from django.urls import reverse
from django.utils import timezone

from accounts import access
from claims.models import Claim
from claims.queue import MY_OVERDUE_QUERY
from claims.states import OPEN_STATES, REVIEW_CLOCK_STATES, ClaimStatus
from orders.models import Store

register = template.Library()



DASHBOARD_SECONDS = 60  # counting a million claims by store and state is not done per page view


@register.inclusion_tag("admin/claims/_dashboard.html", takes_context=True)
def claims_dashboard(context):
    user = context["request"].user
    if not user.has_perm("claims.view_claim"):
        return {"rows": [], "show": False}
    stores = list(access.scope_to_staff(Store.objects.all(), user).order_by("name"))
    key = "claims-dashboard:v2:" + ",".join(str(store.pk) for store in stores)
    counted = cache.get(key)
    if counted is None:
        counted = _count(stores)
        cache.set(key, counted, DASHBOARD_SECONDS)
    by_pk = {store.pk: store for store in stores}
    rows = [{**row, "store": by_pk[row["store_id"]]} for row in counted["rows"] if row["store_id"] in by_pk]
    # the counts link to the queue, filtered as they were counted (claims.admin filters)
    queue_url = reverse("admin:claims_claim_changelist")
    return {"rows": rows, "counted_at": counted["at"], "show": bool(rows), "queue_url": queue_url, "my_overdue_query": MY_OVERDUE_QUERY}


def _count(stores: list[Store]) -> dict:
    """Per store: open claims per state, overdue reviews, the oldest waiting claim."""
    now = timezone.now()
    store_ids = [store.pk for store in stores]
    counts = (
        Claim.objects.filter(store_id__in=store_ids, status__in=OPEN_STATES)
        .values("store_id", "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    by_store: dict[int, dict[str, int]] = {}
    for row in counts:
        by_store.setdefault(row["store_id"], {})[row["status"]] = row["n"]
    summary = {
        row["store_id"]: row
        for row in Claim.objects.filter(store_id__in=store_ids, status__in=REVIEW_CLOCK_STATES)
        .values("store_id")
        .annotate(overdue=Count("pk", filter=Q(review_due_at__lt=now)), oldest=Min("submitted_at"))
        .order_by()
    }
    labels = dict(ClaimStatus.choices)
    order = list(labels)
    rows = []
    for store_id in store_ids:
        states = by_store.get(store_id, {})
        rows.append(
            {
                "store_id": store_id,
                "states": [(s, str(labels[s]), n) for s, n in sorted(states.items(), key=lambda item: order.index(item[0]))],
                "overdue": summary.get(store_id, {}).get("overdue", 0),
                "oldest": summary.get(store_id, {}).get("oldest"),
            }
        )
    return {"rows": rows, "at": now}
