import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import IntegrityError
from django.urls import reverse

from notifications.models import OutboundEmail
from notifications.services import email_as_sent
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_email_is_the_login_and_unique_ignoring_case():
    User = get_user_model()
    user = User.objects.create_user(email="Pat@Example.COM", password=PASSWORD)
    assert user.email == "pat@example.com" and User.USERNAME_FIELD == "email"
    with pytest.raises(IntegrityError):
        User.objects.create(email="PAT@example.com")


def test_failed_logins_are_throttled(client):
    UserFactory(email="pat@example.com")
    url = reverse("account_login")
    for _ in range(5):
        response = client.post(url, {"login": "pat@example.com", "password": "wrong"})
        assert response.status_code == 200
    # even the right password is refused for a while, with a message saying why
    response = client.post(url, {"login": "pat@example.com", "password": PASSWORD})
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_signup_email_goes_through_the_outbox(client):
    response = client.post(
        reverse("account_signup"), {"email": "new@example.com", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert response.status_code == 302
    email = OutboundEmail.objects.get()
    assert email.to == "new@example.com" and "/account/confirm-email/" in email_as_sent(email=email).body


def test_staff_role_groups_exist_with_permissions():
    names = set(Group.objects.values_list("name", flat=True))
    assert {"reviewer", "warehouse", "manager"} <= names
    manager = Group.objects.get(name="manager")
    assert manager.permissions.filter(codename="change_order").exists()
    assert not Group.objects.get(name="reviewer").permissions.filter(codename="change_order").exists()


def test_my_orders_needs_a_login(client):
    response = client.get(reverse("claims:my_orders"))
    assert response.status_code == 302 and reverse("account_login") in response.url
