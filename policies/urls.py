from django.urls import path

from policies import views

app_name = "policies"

urlpatterns = [
    path("s/<slug:slug>/policy/", views.policy_page, name="policy_page"),
]
