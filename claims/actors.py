"""Who is acting on a claim: the shopper (account or verified e-mail), a staff member
with their roles in the claim's store, or the system (sweeps, webhooks)."""

from dataclasses import dataclass, field

from claims.states import Role


@dataclass(frozen=True)
class Actor:
    roles: frozenset[str]
    label: str
    user: object | None = None
    email: str = ""
    store_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def primary_role(self) -> str:
        for role in (Role.SYSTEM, Role.MANAGER, Role.REVIEWER, Role.WAREHOUSE, Role.SHOPPER):
            if role in self.roles:
                return role
        return Role.SHOPPER

    @property
    def is_shopper(self) -> bool:
        return self.roles == frozenset({Role.SHOPPER})


SYSTEM = Actor(roles=frozenset({Role.SYSTEM}), label="system")


def shopper_actor(*, email: str, user=None) -> Actor:
    return Actor(roles=frozenset({Role.SHOPPER}), label=email, user=user, email=email.lower())


def staff_actor(*, user, store=None) -> Actor:
    """The staff member's roles (groups) where they belong to the store; a superuser
    is a manager everywhere."""
    if user.is_superuser:
        return Actor(roles=frozenset({Role.MANAGER}), label=user.email, user=user, store_ids=frozenset())
    store_ids = frozenset(user.store_memberships.values_list("store_id", flat=True))
    if store is not None and store.pk not in store_ids:
        return Actor(roles=frozenset(), label=user.email, user=user, store_ids=store_ids)
    roles = frozenset(name for name in user.groups.values_list("name", flat=True) if name in Role.values and name != Role.SYSTEM)
    return Actor(roles=roles, label=user.email, user=user, store_ids=store_ids)
