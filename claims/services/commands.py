"""The one write path of a claim: every command of claims.states.COMMANDS runs
through claim_command (lock, check state, role, store, ownership and the version the
page saw, apply, save, audit event, outbox rows). The messages people see are here."""

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import access
from claims import clocks, notifications, states
from claims.actors import Actor
from claims.models import Claim, ClaimEvent
from claims.states import Role

# Messages the pages show; tests match them.
CLAIM_CHANGED = _("This claim changed while you were looking at it. Reload the page to see what happened.")
NOT_ALLOWED_NOW = _("This step is not possible while the claim is “%(status)s”.")
NOT_PERMITTED = _("You are not allowed to do this on this claim.")
NO_POLICY = _("This brand has not published a return policy yet; please contact its support.")
UNKNOWN_REASON = _("Choose one of the reasons listed.")
REASON_NOT_OFFERED = _("“%(reason)s” no longer applies: your order %(state)s. Your answers and files are kept; choose another reason.")
NOTHING_CLAIMED = _("Choose at least one item and a quantity.")
TOO_MANY = _("You can claim at most %(max)d of “%(name)s”.")
ALREADY_CLAIMED = _("“%(name)s” is already in another claim: see your claims on the order page.")
NOT_ELIGIBLE = _("This claim cannot be submitted under the brand's policy: %(why)s")
ANSWER_NEEDED = _("Answer the question “%(question)s”")
SLOT_MISSING = _("%(label)s: %(n)d more needed.")
SLOT_PROCESSING = _("%(label)s: a file is still being checked; submit again in a moment.")
TEXT_MISSING = _("%(label)s: please fill this in.")
PREFERENCE_NEEDED = _("Choose the outcome you prefer.")
OUTCOME_NOT_OFFERED = _("This outcome is not offered under this rule.")
OUTCOME_CHANGE_REASON = _("Say why the outcome differs from the shopper's preference.")
APPEAL_ONCE = _("A claim can be appealed once.")
CARRIER_NOT_ALLOWED = _("Use one of the carriers listed: %(carriers)s.")
TRACKING_FORMAT = _("This doesn't look like a %(carrier)s tracking number (for example %(example)s).")
POSTAGE_RECEIPT_MISSING = _("Add the receipt for the postage you paid (a photo or PDF) above, then save again.")
POSTAGE_RECEIPT_CHECKING = _("Your postage receipt is still being checked; save again in a moment.")
RMA_MISMATCH = _("The RMA number on the parcel does not match this claim (%(rma)s).")
REFUND_ALREADY = _("A refund has already been recorded for this claim.")
OVERRIDE_REASON = _("Say why the refund differs from the breakdown.")
OVERRIDE_TOO_HIGH = _("The refund cannot be more than was paid (%(max)s).")
NO_ROLE = _("Only the shopper or this store's staff can act on this claim.")
INSPECT_FIRST = _("This rule decides the refund after inspection: record the inspection first.")
ALREADY_COMPLEX = _("This claim is already marked complex.")
ASSIGNEE_NOT_STAFF = _("Assign the claim to a staff member of this store.")
UNKNOWN_RESOLUTION = _("Choose one of the resolutions listed.")
TRACKING_REQUIRED = _(
    "“%(rule)s” requires the return tracking number and none has been entered. Enter it first with "
    "“Enter return tracking” (it is on the parcel's label), or receive it with “Receive the return”, saying why it comes without one."
)


class ClaimError(Exception):
    def __init__(self, message: str, problems: list[str] | None = None):
        super().__init__(message)
        self.message = message
        self.problems = problems or []


class ClaimChanged(ClaimError):
    def __init__(self):
        super().__init__(CLAIM_CHANGED)


class TransitionNotAllowed(ClaimError):
    pass


class NotPermitted(ClaimError):
    def __init__(self):
        super().__init__(NOT_PERMITTED)


# --- the one write path ------------------------------------------------------------------


def command_check(claim: Claim, command: str, actor: Actor) -> states.Command:
    """Whether `actor` may run `command` on the claim as it is now (the state from the
    table, then the role, the store or the ownership); raises with the reason."""
    spec = states.command_allowed(command, claim.status)
    if spec is None:
        raise TransitionNotAllowed(NOT_ALLOWED_NOW % {"status": claim.get_status_display()})
    _check_actor(claim, actor, spec.roles)
    return spec


def allowed_commands(claim: Claim, actor: Actor) -> list[states.Command]:
    """The commands this actor may run on the claim now (drives every button). Who the
    actor is on this claim is looked up once, not once per command."""
    return states.commands_for(claim.status, _roles_on(claim, actor))


def _check_actor(claim: Claim, actor: Actor, allowed: frozenset[str]) -> None:
    if not (_roles_on(claim, actor) & set(allowed)):
        raise NotPermitted()


def _roles_on(claim: Claim, actor: Actor) -> set[str]:
    """The actor's roles that count on this claim: the shopper's if they own it, the
    staff roles they hold in its store (accounts.access), the system's always."""
    roles = set(actor.roles)
    held = roles & {Role.SYSTEM}
    if Role.SHOPPER in roles:
        owns = (actor.user is not None and claim.shopper_user_id == getattr(actor.user, "pk", None)) or (
            actor.email and actor.email.lower() == claim.shopper_email.lower()
        )
        if owns:
            held.add(Role.SHOPPER)
    staff = roles - {Role.SHOPPER, Role.SYSTEM}
    if staff:
        held |= staff & access.staff_roles(actor.user, claim.store_id)
    return held


def claim_command(
    *,
    claim_id: int,
    command: str,
    actor: Actor,
    expected_status: str | None = None,
    expected_version: int | None = None,
    note: str = "",
    apply: Callable[[Claim, datetime], list[str]] | None = None,
    event_data: dict | None = None,
    notify: bool = True,
    shopper_note: str | None = None,
) -> Claim:
    """Run one command of the table, once: lock the row, check the state the caller
    saw (status and/or row version: a stale page gets ClaimChanged), the state, the
    role, store and ownership; `apply` makes the command's changes on the locked row
    and returns the fields it changed; save them with the new status (if the command
    moves the claim), the claim's next due time (claims.clocks.next_due) and a new row
    version; write the audit event and, for a status
    change, the e-mails (outbox rows, sent after commit). `note` stays with staff unless
    the command's note is meant for the shopper (states.SHOPPER_NOTE_COMMANDS);
    `shopper_note` is what the shopper reads on the timeline and in the e-mail."""
    told = _shopper_note(command, note, shopper_note)
    with transaction.atomic():
        claim = Claim.objects.select_for_update().select_related("store", "policy_version").get(pk=claim_id)
        if (expected_status is not None and claim.status != expected_status) or (
            expected_version is not None and claim.row_version != expected_version
        ):
            raise ClaimChanged()
        spec = command_check(claim, command, actor)
        now = timezone.now()
        due = claim.review_due_at  # before apply: a decision stops the clock
        changed = set(apply(claim, now)) if apply else set()
        previous = claim.status
        changed |= _moved(claim, spec, now)
        claim.save(update_fields=sorted({*changed, "row_version", "updated_at"}))
        if spec.audited:
            _audit_event(claim, command, previous, actor, note, event_data, told, review_due_at=due).save()
        if notify and spec.moves:
            notifications.claim_notify(claim=claim, action=command, note=told)
    return claim


def _moved(claim: Claim, spec, now: datetime) -> set[str]:
    """What both write paths do after a command's changes: the status it moves to (with
    status_changed_at), the first decision's time, the derived fields, a new row
    version; the fields it set."""
    changed: set[str] = set()
    if spec.moves:
        claim.status = spec.target
        claim.status_changed_at = now
        changed |= {"status", "status_changed_at"}
    if spec.name in states.DECISION_COMMANDS and claim.first_decided_at is None:
        claim.first_decided_at = now  # insights' time to decision: the first decision only
        changed.add("first_decided_at")
    changed |= set(claim_derived_fields(claim))
    claim.row_version += 1
    return changed


def _shopper_note(command: str, note: str, shopper_note: str | None) -> str:
    """The words of a command the shopper may read: its shopper_note, or its note when the
    command's note is written for the shopper; never staff's internal note."""
    if shopper_note is not None:
        return shopper_note
    return note if command in states.SHOPPER_NOTE_COMMANDS else ""


def _audit_event(
    claim: Claim,
    command: str,
    previous: str,
    actor: Actor,
    note: str,
    event_data: dict | None,
    shopper_note: str = "",
    *,
    review_due_at: datetime | None = None,
) -> ClaimEvent:
    """The command's audit row (unsaved: one path saves it, the other creates them in bulk).
    A decision keeps the review deadline it was due by (`review_due_at`, read before the
    command cleared it)."""
    return ClaimEvent(
        review_due_at=review_due_at if command in states.DECISION_COMMANDS else None,
        claim=claim,
        action=command,
        from_status=previous,
        to_status=claim.status,
        actor_user=actor.user,
        actor_role=actor.primary_role,
        actor_label=actor.label,
        note=note,
        shopper_note=shopper_note,
        data=event_data or {},
    )


def claim_derived_fields(claim: Claim) -> list[str]:
    """Fields computed from the claim's other fields (its status, its clocks), set on the
    row by both write paths after a command's changes; returns the names it set. The one
    place such a field is written."""
    changed = []
    # the turnaround promise stops when the claim moves on (repaired, replaced, closed…)
    if claim.turnaround_due_at is not None and claim.status not in states.TURNAROUND_CLOCK_STATES:
        claim.turnaround_due_at = None
        changed.append("turnaround_due_at")
    # the staff queue's order follows the clocks and the status the command left
    claim.next_due_at = clocks.next_due(claim)
    return [*changed, "next_due_at"]


def claim_command_many(
    *,
    claim_ids: Iterable[int],
    command: str,
    actor: Actor,
    note: str = "",
    apply: Callable[[Claim, datetime], list[str]] | None = None,
    event_data: dict | None = None,
    notify: bool | frozenset[str] = True,
    shopper_note: str | None = None,
) -> list[Claim]:
    """claim_command for many claims at once (the SLA sweep's waivers and closes), in a
    number of queries that does not grow with the claims: the same table guard (the
    command's states, the actor's roles in each store), the same changes (`apply` on
    each row, the status, status_changed_at, derived fields, a new row version), the same
    audit events and shopper e-mails. Rows another transaction holds are skipped (SELECT
    ... FOR UPDATE SKIP LOCKED): the next sweep finds them again. A claim whose `apply`
    refuses (ClaimError) is left as it is. No version check: the system acts on the rows
    as they are under the lock. `notify`: True, False, or the previous states whose
    claims tell the shopper. Returns the claims changed."""
    spec = states.COMMANDS[command]
    told = _shopper_note(command, note, shopper_note)
    if Role.SHOPPER in actor.roles:
        raise ValueError("a shopper acts on their own claims, one at a time: claim_command")
    with transaction.atomic():
        claims = list(
            Claim.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("store", "order")
            .filter(pk__in=list(claim_ids), status__in=sorted(spec.sources))
            .order_by("pk")
        )
        now = timezone.now()
        roles_in_store: dict[int, set[str]] = {}
        done: list[tuple[Claim, str, datetime | None]] = []
        updates: dict[tuple, list[int]] = defaultdict(list)
        for claim in claims:
            if claim.store_id not in roles_in_store:
                roles_in_store[claim.store_id] = _roles_on(claim, actor)
            if not roles_in_store[claim.store_id] & set(spec.roles):
                raise NotPermitted()
            previous, due = claim.status, claim.review_due_at
            try:
                changed = set(apply(claim, now)) if apply else set()
            except ClaimError:
                continue
            changed |= _moved(claim, spec, now)
            claim.updated_at = now
            updates[_values_key(claim, changed)].append(claim.pk)
            done.append((claim, previous, due))
        # one UPDATE per distinct set of new values (one for the sweep's commands)
        for key, ids in updates.items():
            values = dict(key[1:]) if key[0] == "shared" else dict(key[2:])
            Claim.objects.filter(pk__in=ids).update(**values, row_version=F("row_version") + 1, updated_at=now)
        if spec.audited and done:
            ClaimEvent.objects.bulk_create(
                [_audit_event(claim, command, previous, actor, note, event_data, told, review_due_at=due) for claim, previous, due in done],
                batch_size=1000,
            )
        if notify and spec.moves:
            told_claims = [claim for claim, previous, _due in done if notify is True or previous in notify]
            notifications.claim_notify_many(claims=told_claims, action=command, note=told)
    return [claim for claim, _previous, _due in done]


def _values_key(claim: Claim, fields: set[str]) -> tuple:
    """The claim's new values as a key: claims with the same values share one UPDATE;
    a value that cannot be a key (JSON) gets an UPDATE of its own."""
    values = tuple((name, getattr(claim, name)) for name in sorted(fields))
    try:
        hash(values)
    except TypeError:
        return ("own", claim.pk, *values)
    return ("shared", *values)
