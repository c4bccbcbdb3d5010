"""Who is acting on a claim: the shopper (account or verified e-mail), a staff member
with their roles in the claim's store, or the system (sweeps, webhooks)."""

from dataclasses import dataclass

from accounts import access
from claims.states import Role


@dataclass(frozen=True)
class Actor:
    roles: frozenset[str]
    label: str
    user: object | None = None
    email: str = ""

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
    """The staff member's roles in the store (accounts.access; None: in any of their
    stores); no roles where they are not its staff."""
    roles = access.staff_roles(user, store.pk if store is not None else None)
    return Actor(roles=frozenset(role for role in roles if role in Role.values and role != Role.SYSTEM), label=user.email, user=user)
