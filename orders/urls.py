from django.urls import path

from orders import views

app_name = "orders"

urlpatterns = [
    path("", views.home, name="home"),
    path("s/<slug:slug>/", views.store_home, name="store_home"),
    path("s/<slug:slug>/logo", views.store_logo, name="store_logo"),
    path("s/<slug:slug>/products/<int:product_id>/thumb", views.product_thumbnail, name="product_thumbnail"),
    path("s/<slug:slug>/access/<str:token>/", views.guest_access, name="guest_access"),
    path("s/<slug:slug>/access/<str:token>/resend/", views.guest_access_resend, name="guest_access_resend"),
    path("webhooks/orders/<slug:slug>/", views.order_webhook, name="order_webhook"),
]
