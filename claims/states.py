"""The claim state machine: every state and every allowed transition, in one table.

claims.services.claim_command is the only code that changes a claim: it looks the
command up here (COMMANDS: the status transitions and the changes in place), checks the
state, who is acting and the version the page saw, and records a ClaimEvent. The named
state sets below are the only place each set is written.
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
class Command:
    """One thing a claim accepts. `target` is the state it moves to, None for a change in
    place (assign, message, ...). `shopper_sees`: its audit event appears on the
    shopper's timeline. `audited`: it writes an audit event (a draft's autosave,
    several a minute, does not)."""

    name: str
    sources: frozenset[S]
    target: S | None
    roles: frozenset[str]
    label: str
    shopper_sees: bool = True
    audited: bool = True

    @property
    def moves(self) -> bool:
        return self.target is not None


def _c(name, sources, target, roles, label, *, shopper_sees=True, audited=True) -> Command:
    sources = sources if isinstance(sources, (list, tuple, set, frozenset)) else [sources]
    return Command(name, frozenset(sources), target, frozenset(roles), label, shopper_sees, audited)


# --- named state sets (the only place they are written) ---------------------------------

ALL_STATES = frozenset(S)
FINAL_STATES = frozenset({S.CLOSED})
OPEN_STATES = frozenset(
    {S.SUBMITTED, S.NEEDS_INFO, S.APPROVED_AWAITING_RETURN, S.APPROVED_NO_RETURN, S.IN_TRANSIT, S.RECEIVED, S.INSPECTED, S.APPEALED}
)
# the shopper may still change answers, texts and evidence
EDITABLE_STATES = frozenset({S.DRAFT, S.NEEDS_INFO, S.APPEALED})
# staff are deciding (the queue's "review" states) ...
UNDER_REVIEW_STATES = frozenset({S.SUBMITTED, S.NEEDS_INFO, S.APPEALED})
# ... and the review clock runs (it pauses while the shopper is asked for more)
REVIEW_CLOCK_STATES = frozenset({S.SUBMITTED, S.APPEALED})
# a parcel is on its way back or expected
PARCEL_EXPECTED_STATES = frozenset({S.APPROVED_AWAITING_RETURN, S.IN_TRANSIT})
# the brand pays the postage: its receipt may be added
POSTAGE_RECEIPT_STATES = frozenset({S.APPROVED_AWAITING_RETURN})
# units in these claims are free to claim again; a CLOSED claim holds its units only
# when it was resolved (claims.selectors.units_claimed_elsewhere)
UNITS_RELEASED_STATES = frozenset({S.DRAFT, S.WITHDRAWN, S.REJECTED, S.EXPIRED})
# an approved claim on its way to its outcome: a repair / replacement turnaround promise
# runs (claims.clocks); leaving these states (resolved, closed, expired...) stops it
TURNAROUND_CLOCK_STATES = frozenset({S.APPROVED_AWAITING_RETURN, S.APPROVED_NO_RETURN, S.IN_TRANSIT, S.RECEIVED, S.INSPECTED})
# finished, not closed yet: the SLA sweep closes them after the store's
# close_claims_after_days (evidence retention counts from closing) ...
AUTO_CLOSE_STATES = frozenset({S.RESOLVED, S.REJECTED, S.EXPIRED, S.WITHDRAWN})
# ... and tells the shopper, except for a claim they withdrew themselves
AUTO_CLOSE_NOTIFY_STATES = frozenset({S.RESOLVED, S.REJECTED, S.EXPIRED})
# staff work on a claim from submission until it is closed
STAFF_STATES = ALL_STATES - {S.DRAFT} - FINAL_STATES
STAFF = DECIDERS | HANDLERS
# the commands that decide a claim under review (its review clock stops): their audit
# event keeps the review deadline then in force (ClaimEvent.review_due_at), so insights
# can tell a decision in time from a late one (claims.insights)
DECISION_COMMANDS = frozenset({"approve_return", "approve_no_return", "reject", "uphold_rejection"})

# what the shopper's claim page says the claim is waiting for, per state (a rejected
# claim's sentence depends on the appeal: claims.views._next_step)
NEXT_STEPS = {
    S.SUBMITTED: _("We're reviewing your claim and will e-mail you the decision."),
    S.APPROVED_AWAITING_RETURN: _(
        "Print the return slip, pack the item with it, write the RMA number on the parcel and ship it. "
        "Then enter the carrier and tracking number below."
    ),
    S.APPROVED_NO_RETURN: _("No need to send anything back: we'll e-mail you as soon as it's done."),
    S.IN_TRANSIT: _("Your return is on its way. We'll e-mail you when it arrives."),
    S.RECEIVED: _("Your return has arrived; we're checking it."),
    S.INSPECTED: _("Your return has been checked; we'll e-mail you when it's settled."),
    S.RESOLVED: _("Your claim is settled."),
    S.APPEALED: _("A colleague is looking at your claim again and will e-mail you the outcome."),
    S.EXPIRED: _("The return wasn't shipped in time, so the right to return it has lapsed."),
    S.WITHDRAWN: _("You withdrew this claim."),
    S.CLOSED: _("This claim is closed."),
}


# --- the command table -------------------------------------------------------------------

COMMANDS: dict[str, Command] = {
    c.name: c
    for c in [
        # status transitions
        _c("submit", S.DRAFT, S.SUBMITTED, {SHOPPER}, _("Submit")),
        _c("request_info", [S.SUBMITTED, S.APPEALED], S.NEEDS_INFO, DECIDERS, _("Request more information")),
        _c("provide_info", S.NEEDS_INFO, S.SUBMITTED, {SHOPPER}, _("Send the information")),
        _c("approve_return", [S.SUBMITTED, S.APPEALED], S.APPROVED_AWAITING_RETURN, DECIDERS, _("Approve with return")),
        _c("approve_no_return", [S.SUBMITTED, S.APPEALED], S.APPROVED_NO_RETURN, DECIDERS | {SYSTEM}, _("Approve, no return")),
        _c("reject", S.SUBMITTED, S.REJECTED, DECIDERS, _("Reject")),
        _c("appeal", S.REJECTED, S.APPEALED, {SHOPPER}, _("Appeal")),
        _c("uphold_rejection", S.APPEALED, S.CLOSED, DECIDERS, _("Uphold the rejection")),
        _c("ship", S.APPROVED_AWAITING_RETURN, S.IN_TRANSIT, {SHOPPER, WAREHOUSE, MANAGER}, _("Enter return tracking")),
        _c("expire", S.APPROVED_AWAITING_RETURN, S.EXPIRED, {SYSTEM}, _("Ship-by passed: right waived")),
        _c("receive", [S.APPROVED_AWAITING_RETURN, S.IN_TRANSIT], S.RECEIVED, HANDLERS, _("Receive the return")),
        _c("inspect", S.RECEIVED, S.INSPECTED, HANDLERS, _("Record the inspection")),
        _c("reject_after_inspection", S.RECEIVED, S.REJECTED, HANDLERS, _("Reject after inspection")),
        _c("resolve", [S.INSPECTED, S.APPROVED_NO_RETURN, S.RECEIVED], S.RESOLVED, DECIDERS | HANDLERS, _("Resolve")),
        _c("withdraw", [S.DRAFT, S.SUBMITTED, S.NEEDS_INFO, S.APPROVED_AWAITING_RETURN, S.APPEALED], S.WITHDRAWN, {SHOPPER}, _("Withdraw")),
        _c("close", AUTO_CLOSE_STATES, S.CLOSED, DECIDERS | {SYSTEM}, _("Close")),
        # changes in place
        _c("update_draft", EDITABLE_STATES, None, {SHOPPER}, _("Save the draft"), shopper_sees=False, audited=False),
        # staff may add a file for the shopper (e.g. sent by e-mail); the slot decides
        # which of the two state sets applies (claims.evidence)
        _c("evidence_add", EDITABLE_STATES | POSTAGE_RECEIPT_STATES, None, {SHOPPER} | DECIDERS, _("Add a file"), shopper_sees=False, audited=False),
        _c("evidence_remove", EDITABLE_STATES | POSTAGE_RECEIPT_STATES, None, {SHOPPER} | DECIDERS, _("Remove a file"), shopper_sees=False, audited=False),
        _c("assign", STAFF_STATES, None, STAFF, _("Assign"), shopper_sees=False),
        _c("mark_complex", UNDER_REVIEW_STATES, None, DECIDERS, _("Mark as complex"), shopper_sees=False),
        _c("line_accepted", STAFF_STATES, None, STAFF, _("Accept an item"), shopper_sees=False),
        _c("line_rejected", STAFF_STATES, None, STAFF, _("Reject an item"), shopper_sees=False),
        _c("message", STAFF_STATES, None, {SHOPPER} | STAFF, _("Send a message")),
        _c("internal_note", STAFF_STATES, None, STAFF, _("Add an internal note"), shopper_sees=False),
    ]
}
ACTIONS = tuple(name for name, c in COMMANDS.items() if c.moves)
# events written outside the table: the draft's creation
EVENT_LABELS = {"start": _("Draft started"), **{name: c.label for name, c in COMMANDS.items()}}
SHOPPER_EVENTS = frozenset({"start", *(name for name, c in COMMANDS.items() if c.shopper_sees)})
# the claim page's timeline starts at submission: the draft's own events are the shopper's
# work in progress, not a step of the claim
SHOPPER_TIMELINE_EVENTS = SHOPPER_EVENTS - {"start"}
# Commands whose note is written for the shopper (staff's request or reason, the
# shopper's own words). Every other command's note is staff's own (the history, the
# inspection's internal note) and never reaches the shopper: words for the shopper are
# passed as the command's shopper_note (ClaimEvent.shopper_note).
SHOPPER_NOTE_COMMANDS = frozenset({"request_info", "provide_info", "reject", "appeal", "uphold_rejection", "withdraw"})


@dataclass(frozen=True)
class Transition:
    """A status transition of the table, from one source state (the admin's buttons)."""

    action: str
    source: S
    target: S
    roles: frozenset[str]
    label: str


TRANSITIONS: tuple[Transition, ...] = tuple(
    Transition(c.name, source, c.target, c.roles, c.label) for c in COMMANDS.values() if c.moves for source in sorted(c.sources)
)


def command_allowed(name: str, status: str) -> Command | None:
    command = COMMANDS.get(name)
    return command if command is not None and status in command.sources else None


def transition_for(action: str, source: str) -> Transition | None:
    command = command_allowed(action, source)
    if command is None or not command.moves:
        return None
    return Transition(command.name, S(source), command.target, command.roles, command.label)


def transitions_from(source: str, roles: frozenset[str] | set[str]) -> list[Transition]:
    return [t for t in TRANSITIONS if t.source == source and t.roles & set(roles)]


def commands_for(status: str, roles: frozenset[str] | set[str]) -> list[Command]:
    """Every command the state allows to someone with one of these roles, table order."""
    return [c for c in COMMANDS.values() if status in c.sources and c.roles & set(roles)]
