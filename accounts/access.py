"""Who is staff of which store, and in which role: the one place that answers it.

Staff of a store: an active user with `is_staff`, a StoreMembership of that store, and
their staff roles (groups, accounts.roles.StaffRole). A superuser is staff of every
store in every role, but is only *listed* among a store's staff (`store_staff`: the
people e-mailed, escalated to, offered as assignees) where they are a member.

Scoping a queryset to a user's stores uses the path each model declares to its store
(`store_path`: "" for the Store itself, "store", "order__store", …)."""

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db.models import Model, QuerySet

from accounts.models import StoreMembership
from accounts.roles import StaffRole

ALL_ROLES = frozenset(StaffRole.values)


def _is_active_staff(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_staff)


def _user_roles(user) -> frozenset[str]:
    if user.is_superuser:
        return ALL_ROLES
    return frozenset(name for name in user.groups.values_list("name", flat=True) if name in ALL_ROLES)


def store_model() -> type[Model]:
    """The store model, as memberships point to it (accounts sits below orders)."""
    return StoreMembership._meta.get_field("store").related_model


def staff_store_ids(user, *, roles: Iterable[str] | None = None) -> set[int] | None:
    """The stores the user is staff of (with one of `roles`, when given); None for a
    superuser (every store); an empty set for anyone else."""
    if not _is_active_staff(user):
        return set()
    if user.is_superuser:
        return None
    if roles is not None and not (_user_roles(user) & set(roles)):
        return set()
    return set(StoreMembership.objects.filter(user=user).values_list("store_id", flat=True))


def staff_roles(user, store_id: int | None = None) -> set[str]:
    """The user's staff roles in the store (None: in any store of theirs); empty when
    they are not its staff."""
    if not _is_active_staff(user):
        return set()
    if user.is_superuser:
        return set(ALL_ROLES)
    memberships = StoreMembership.objects.filter(user=user)
    if store_id is not None:
        memberships = memberships.filter(store_id=store_id)
    if not memberships.exists():
        return set()
    return set(_user_roles(user))


def is_staff_of(user, store_id: int, *, roles: Iterable[str] | None = None) -> bool:
    held = staff_roles(user, store_id)
    return bool(held) and (roles is None or bool(held & set(roles)))


def store_staff(store_id: int, *, roles: Iterable[str] = ALL_ROLES) -> QuerySet:
    """Active staff users who are members of the store and hold one of the roles."""
    members = StoreMembership.objects.filter(store_id=store_id).values("user_id")
    return (
        get_user_model()
        .objects.filter(is_active=True, is_staff=True, pk__in=members, groups__name__in=list(roles))
        .distinct()
        .order_by("email")
    )


# --- scoping querysets by the model's path to its store ----------------------------


def store_path(model: type[Model]) -> str | None:
    """The lookup from the model to its store ("" for the Store), None if it has none."""
    return getattr(model, "store_path", None)


def _crosses_many(model: type[Model], path: str) -> bool:
    for name in path.split("__"):
        field = model._meta.get_field(name)
        if field.many_to_many or field.one_to_many:
            return True
        model = field.related_model
    return False


def in_stores(queryset: QuerySet, store_ids: set[int] | None) -> QuerySet:
    """The rows of the queryset that belong to one of the stores (None: no limit).
    A model without a path to a store is returned unchanged."""
    path = store_path(queryset.model)
    if store_ids is None or path is None:
        return queryset
    if path == "":
        return queryset.filter(pk__in=store_ids)
    if _crosses_many(queryset.model, path):
        owned = queryset.model._base_manager.filter(**{f"{path}__in": store_ids}).values("pk")
        return queryset.filter(pk__in=owned)
    return queryset.filter(**{f"{path}__in": store_ids})


def scope_to_staff(queryset: QuerySet, user) -> QuerySet:
    """The rows of the queryset in the user's stores (all for a superuser)."""
    return in_stores(queryset, staff_store_ids(user))
