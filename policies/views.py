from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from orders.models import Store
from policies.selectors import policy_data_for_version, policy_version_current


@require_GET
def policy_page(request: HttpRequest, slug: str) -> HttpResponse:
    """The brand's current published policy, in plain words, for shoppers."""
    store = get_object_or_404(Store, slug=slug, is_active=True)
    version = policy_version_current(store=store)
    if version is None:
        raise Http404
    policy = policy_data_for_version(version=version)
    context = {
        "store": store,
        "version": version,
        "policy": policy,
        "summary": version.data.get("summary", ""),
        "not_covered_reasons": [reason for reason in policy.reasons if reason.not_covered_note],
    }
    return render(request, "policies/policy_page.html", context)
