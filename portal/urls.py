from django.contrib import admin
from django.urls import include, path

from claims.insights_views import insights_view
from portal.views import setup_guide

admin.site.site_header = "Returns portal — staff"
admin.site.site_title = "Returns portal staff"
admin.site.index_title = "Claims, orders and stores"

urlpatterns = [
    path("admin/setup-guide/", admin.site.admin_view(setup_guide), name="setup_guide"),
    path("admin/insights/", admin.site.admin_view(insights_view), name="insights"),
    path("admin/", admin.site.urls),
    path("account/", include("allauth.urls")),
    path("", include("policies.urls")),
    path("", include("claims.urls")),
    path("", include("orders.urls")),
]

handler400 = "portal.views.bad_request"
handler403 = "portal.views.permission_denied"
handler404 = "portal.views.page_not_found"
handler500 = "portal.views.server_error"
