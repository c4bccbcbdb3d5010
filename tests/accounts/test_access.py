"""accounts.access: the one answer to "who is staff of which store, in which role"."""

import pytest
from django.contrib.auth.models import Group

from accounts import access
from accounts.models import StoreMembership
from tests.factories import StoreFactory, UserFactory

pytestmark = pytest.mark.django_db


def _staff(store, *roles, **fields):
    user = UserFactory(**{"is_staff": True, **fields})
    user.groups.add(*(Group.objects.get(name=role) for role in roles))
    if store is not None:
        StoreMembership.objects.create(user=user, store=store)
    return user


def test_a_member_is_staff_of_their_store_only_in_their_roles():
    mine, other = StoreFactory(), StoreFactory()
    reviewer = _staff(mine, "reviewer")
    assert access.staff_store_ids(reviewer) == {mine.pk}
    assert access.staff_roles(reviewer, mine.pk) == {"reviewer"}
    assert access.staff_roles(reviewer, other.pk) == set()
    assert access.is_staff_of(reviewer, mine.pk)
    assert not access.is_staff_of(reviewer, mine.pk, roles={"manager"})
    assert not access.is_staff_of(reviewer, other.pk)
    assert access.staff_store_ids(reviewer, roles={"manager"}) == set()


@pytest.mark.parametrize("fields", [{"is_active": False}, {"is_staff": False}])
def test_an_inactive_or_non_staff_member_is_staff_of_nothing(fields):
    store = StoreFactory()
    user = _staff(store, "manager", **fields)
    assert access.staff_store_ids(user) == set()
    assert not access.is_staff_of(user, store.pk)
    assert list(access.store_staff(store.pk)) == []


def test_a_superuser_is_staff_of_every_store_in_every_role_but_listed_only_where_member():
    store = StoreFactory()
    superuser = _staff(None, is_superuser=True)
    assert access.staff_store_ids(superuser) is None
    assert access.staff_roles(superuser, store.pk) == {"reviewer", "warehouse", "manager"}
    assert list(access.store_staff(store.pk)) == []


def test_store_staff_lists_members_with_the_roles():
    store, other = StoreFactory(), StoreFactory()
    manager = _staff(store, "manager")
    _staff(store, "warehouse")
    _staff(other, "manager")
    _staff(store)  # no role
    assert list(access.store_staff(store.pk, roles={"manager"})) == [manager]
    assert access.store_staff(store.pk).count() == 2
