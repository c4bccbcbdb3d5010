from django.urls import path

from claims import views

app_name = "claims"

urlpatterns = [
    path("account/orders/", views.my_orders, name="my_orders"),
    path("s/<slug:slug>/orders/<str:number>/", views.order_detail, name="order_detail"),
    path("s/<slug:slug>/orders/<str:number>/claim/", views.claim_start, name="claim_start"),
    path("s/<slug:slug>/claims/offline/", views.claim_start_offline, name="claim_start_offline"),
    path("claims/<int:claim_id>/draft/", views.claim_draft, name="claim_draft"),
    path("claims/<int:claim_id>/upload/", views.claim_upload, name="claim_upload"),
    path("claims/<int:claim_id>/discard/", views.claim_discard, name="claim_discard"),
    path("claims/<int:claim_id>/evidence/", views.evidence_upload, name="evidence_upload"),
    path("s/<slug:slug>/claims/<str:reference>/", views.claim_detail, name="claim_detail"),
    path("s/<slug:slug>/claims/<str:reference>/slip/", views.rma_slip, name="rma_slip"),
    path("s/<slug:slug>/claims/<str:reference>/<str:action>/", views.claim_act, name="claim_act"),
    path("evidence/<int:evidence_id>/status/", views.evidence_status, name="evidence_status"),
    path("evidence/<int:evidence_id>/remove/", views.evidence_remove, name="evidence_remove"),
    path("evidence/<int:evidence_id>/<str:variant>/", views.evidence_download, name="evidence_download"),
]
