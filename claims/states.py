"""The claim state machine: every state and every allowed transition, in one table.

claims.services.claim_transition is the only code that changes Claim.status; it
looks the transition up here, checks who is acting, and records a ClaimEvent.
"""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class ClaimStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    NEEDS_INFO = "needs_info", _("More information needed")
    APPROVED_AWAITING_RETURN = "approved_awaiting_return", _("Approved, awaiting return")
    APPROVED_NO_RETURN = "approved_no_return", _("Approved, no return needed")
    IN_TRANSIT = "in_transit", _("Return in transit")
    RECEIVED = "received", _("Return received")
    INSPECTED = "inspected", _("Inspected")
    RESOLVED = "resolved", _("Resolved")
    REJECTED = "rejected", _("Rejected")
    APPEALED = "appealed", _("Appealed")
    EXPIRED = "expired", _("Expired (not shipped in time)")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    CLOSED = "closed", _("Closed")


class Role(models.TextChoices):
    SHOPPER = "shopper", _("Shopper")
    REVIEWER = "reviewer", _("Reviewer")
    WAREHOUSE = "warehouse", _("Warehouse")
    MANAGER = "manager", _("Manager")
    SYSTEM = "system", _("System")


S = ClaimStatus
SHOPPER, REVIEWER, WAREHOUSE, MANAGER, SYSTEM = Role.SHOPPER, Role.REVIEWER, Role.WAREHOUSE, Role.MANAGER, Role.SYSTEM
DECIDERS = frozenset({REVIEWER, MANAGER})
HANDLERS = frozenset({WAREHOUSE, MANAGER})


@dataclass(frozen=True)
class Transition:
    action: str
    source: S
    target: S
    roles: frozenset[str]
    label: str


def _t(action: str, sources, target: S, roles, label: str) -> list[Transition]:
    sources = sources if isinstance(sources, (list, tuple)) else [sources]
    return [Transition(action, source, target, frozenset(roles), label) for source in sources]


TRANSITIONS: tuple[Transition, ...] = tuple(
    [
        *_t("submit", S.DRAFT, S.SUBMITTED, {SHOPPER}, _("Submit")),
        *_t("request_info", [S.SUBMITTED, S.APPEALED], S.NEEDS_INFO, DECIDERS, _("Request more information")),
        *_t("provide_info", S.NEEDS_INFO, S.SUBMITTED, {SHOPPER}, _("Send the information")),
        *_t("approve_return", [S.SUBMITTED, S.APPEALED], S.APPROVED_AWAITING_RETURN, DECIDERS, _("Approve with return")),
        *_t("approve_no_return", [S.SUBMITTED, S.APPEALED], S.APPROVED_NO_RETURN, DECIDERS | {SYSTEM}, _("Approve, no return")),
        *_t("reject", S.SUBMITTED, S.REJECTED, DECIDERS, _("Reject")),
        *_t("appeal", S.REJECTED, S.APPEALED, {SHOPPER}, _("Appeal")),
        *_t("uphold_rejection", S.APPEALED, S.CLOSED, DECIDERS, _("Uphold the rejection")),
        *_t("ship", S.APPROVED_AWAITING_RETURN, S.IN_TRANSIT, {SHOPPER, WAREHOUSE, MANAGER}, _("Enter return tracking")),
        *_t("expire", S.APPROVED_AWAITING_RETURN, S.EXPIRED, {SYSTEM}, _("Ship-by passed: right waived")),
        *_t("receive", [S.APPROVED_AWAITING_RETURN, S.IN_TRANSIT], S.RECEIVED, HANDLERS, _("Receive the return")),
        *_t("inspect", S.RECEIVED, S.INSPECTED, HANDLERS, _("Record the inspection")),
        *_t("resolve", [S.INSPECTED, S.APPROVED_NO_RETURN, S.RECEIVED], S.RESOLVED, DECIDERS | HANDLERS, _("Resolve")),
        *_t(
            "withdraw",
            [S.DRAFT, S.SUBMITTED, S.NEEDS_INFO, S.APPROVED_AWAITING_RETURN, S.APPEALED],
            S.WITHDRAWN,
            {SHOPPER},
            _("Withdraw"),
        ),
        *_t("close", [S.RESOLVED, S.REJECTED, S.EXPIRED, S.WITHDRAWN], S.CLOSED, DECIDERS | {SYSTEM}, _("Close")),
    ]
)

OPEN_STATES = frozenset(
    {S.SUBMITTED, S.NEEDS_INFO, S.APPROVED_AWAITING_RETURN, S.APPROVED_NO_RETURN, S.IN_TRANSIT, S.RECEIVED, S.INSPECTED, S.APPEALED}
)
FINAL_STATES = frozenset({S.CLOSED})
# Finished, but not closed yet: the SLA sweep closes them after the store's
# close_claims_after_days (so evidence retention, counted from closing, reaches them).
AUTO_CLOSE_STATES = frozenset({S.RESOLVED, S.REJECTED, S.EXPIRED, S.WITHDRAWN})
# ... and tells the shopper, except for a claim they withdrew themselves.
AUTO_CLOSE_NOTIFY_STATES = frozenset({S.RESOLVED, S.REJECTED, S.EXPIRED})


def transition_for(action: str, source: str) -> Transition | None:
    return next((t for t in TRANSITIONS if t.action == action and t.source == source), None)


def transitions_from(source: str, roles: frozenset[str] | set[str]) -> list[Transition]:
    return [t for t in TRANSITIONS if t.source == source and t.roles & set(roles)]


ACTIONS = tuple(dict.fromkeys(t.action for t in TRANSITIONS))
