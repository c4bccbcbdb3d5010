from django.urls import path

from claims import views

app_name = "claims"

urlpatterns = [
    path("claims/<int:claim_id>/evidence/", views.evidence_upload, name="evidence_upload"),
    path("evidence/<int:evidence_id>/status/", views.evidence_status, name="evidence_status"),
    path("evidence/<int:evidence_id>/<str:variant>/", views.evidence_download, name="evidence_download"),
]
