from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("orders/", views.my_orders, name="my_orders"),
]
