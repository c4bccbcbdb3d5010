"""The shopper's claim page as a tracker: where the claim stands (the steps it has taken
and the ones ahead, adapted to the claim), what happens next and by when (its running
clocks), the tracking number with the carrier's page, and what the shopper told us.

Reads only the claim's row (claims.selectors.claim_for_page loads every field used here)
and the policy version's engine view: the page's query count does not change."""

from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from claims.models import Claim
from claims.states import EVENT_LABELS, OPEN_STATES, PARCEL_EXPECTED_STATES, ClaimStatus
from policies.engine import PolicyData, RuleData, carrier_named, tracking_url

S = ClaimStatus

DONE, CURRENT, UPCOMING, STOPPED = "done", "current", "upcoming", "stopped"


@dataclass(frozen=True)
class Step:
    label: str
    state: str  # done | current | upcoming | stopped (the claim ended here)
    at: datetime | None = None  # when it happened (done, stopped)
    due: datetime | None = None  # by when it is due (current, upcoming), a running clock


def _stop(label, at) -> Step:
    return Step(str(label), STOPPED, at=at)


def claim_with_return(*, claim: Claim, rule: RuleData | None) -> bool:
    """Whether the item travels back to the store: decided by the approval (an RMA
    number), foreseen by the rule before it."""
    if claim.rma_number or claim.shipped_back_at or claim.received_at:
        return True
    if claim.decided_at is not None or claim.status == S.APPROVED_NO_RETURN:
        return False
    return bool(rule and rule.requires_return)


def claim_progress(*, claim: Claim, rule: RuleData | None) -> list[Step]:
    """The claim's steps, oldest first: submitted → decided → (shipped back → received →
    inspected →) resolved; a rejection, an appeal, a lapsed return or a withdrawal ends
    or bends the path where it happened."""
    status = claim.status
    steps = [Step(_("Submitted"), DONE, at=claim.submitted_at)]
    rejected = status in (S.REJECTED, S.APPEALED) or (status == S.CLOSED and claim.rejection_reason and not claim.resolution)

    # the decision
    if status in (S.SUBMITTED, S.NEEDS_INFO):
        label = _("Decision (waiting for your information)") if status == S.NEEDS_INFO else _("Decision")
        steps.append(Step(label, CURRENT, due=claim.review_due_at))
    elif status in (S.WITHDRAWN, S.CLOSED) and claim.decided_at is None:
        steps.append(_stop(_("Withdrawn"), claim.withdrawn_at or claim.closed_at or claim.status_changed_at))
        return steps
    elif rejected and not claim.inspected_at and not claim.received_at:
        steps.append(Step(_("Not accepted"), DONE if status != S.CLOSED else STOPPED, at=claim.decided_at))
        if status == S.APPEALED:
            steps.append(Step(_("Appeal: decision"), CURRENT, due=claim.review_due_at))
        elif status == S.REJECTED:
            steps[-1] = _stop(_("Not accepted"), claim.decided_at)
        return steps
    else:
        steps.append(Step(_("Approved"), DONE, at=claim.decided_at))

    with_return = claim_with_return(claim=claim, rule=rule)
    ahead = status in OPEN_STATES  # the steps after the current one are still to come
    if with_return:
        if claim.shipped_back_at or claim.received_at:
            steps.append(Step(_("Shipped back"), DONE, at=claim.shipped_back_at))
        elif status == S.WITHDRAWN or (status == S.CLOSED and claim.withdrawn_at):
            # withdrawn after approval, before shipping (still so once the claim is closed)
            steps.append(_stop(_("Withdrawn"), claim.withdrawn_at or claim.status_changed_at))
            return steps
        elif status == S.EXPIRED or (status == S.CLOSED and not claim.resolution and not claim.received_at):
            steps.append(_stop(_("Not shipped in time"), claim.status_changed_at))
            return steps
        else:
            steps.append(Step(_("Ship it back"), CURRENT if status == S.APPROVED_AWAITING_RETURN else UPCOMING, due=claim.ship_by_at))
        if claim.received_at:
            steps.append(Step(_("Received"), DONE, at=claim.received_at))
        else:
            steps.append(Step(_("Received"), CURRENT if status == S.IN_TRANSIT else UPCOMING))
        if rejected:  # rejected after inspection
            steps.append(_stop(_("Not accepted after inspection"), claim.inspected_at or claim.decided_at))
            return steps
        if claim.inspected_at:
            steps.append(Step(_("Inspected"), DONE, at=claim.inspected_at))
        elif rule is None or rule.inspection_before_refund:
            steps.append(Step(_("Inspected"), CURRENT if status == S.RECEIVED else UPCOMING))
    if claim.resolved_at:
        steps.append(Step(_("Resolved"), DONE, at=claim.resolved_at))
    elif ahead:
        due = claim.refund_due_at or claim.turnaround_due_at
        current = status == S.INSPECTED or status == S.APPROVED_NO_RETURN or (status == S.RECEIVED and rule is not None and not rule.inspection_before_refund)
        steps.append(Step(_("Resolved"), CURRENT if current else UPCOMING, due=due))
    return steps


# the running clocks, in the order a shopper meets them, with the sentence for each
_CLOCK_SENTENCES = (
    ("review_due_at", gettext_lazy("We decide by")),
    ("ship_by_at", gettext_lazy("Ship the item back by")),
    ("refund_due_at", gettext_lazy("Your refund is due by")),
)


@dataclass(frozen=True)
class Due:
    text: str
    at: datetime
    code: str


def claim_next_dues(*, claim: Claim) -> list[Due]:
    """What happens next and by when: the claim's running clocks (each is cleared when
    it stops), soonest first. The turnaround has its own words (clocks.turnaround_due_words)."""
    if claim.status not in OPEN_STATES:
        return []
    dues = []
    for field, words in _CLOCK_SENTENCES:
        at = getattr(claim, field)
        if at is None or (field == "ship_by_at" and claim.status not in PARCEL_EXPECTED_STATES - {S.IN_TRANSIT}):
            continue
        dues.append(Due(str(words), at, field))
    return sorted(dues, key=lambda due: due.at)


@dataclass(frozen=True)
class ReturnTracking:
    carrier: str
    number: str
    url: str  # the carrier's tracking page for it, "" when the policy names none


def claim_return_tracking(*, claim: Claim, policy: PolicyData) -> ReturnTracking | None:
    """The tracking number the shopper (or the warehouse) entered, with a link to the
    carrier's tracking page when the policy's carrier has one (a carrier the shopper
    named under "any carrier" has none)."""
    if not claim.return_tracking_number:
        return None
    carrier = carrier_named(policy.carriers, claim.return_carrier)
    return ReturnTracking(
        carrier=claim.return_carrier,
        number=claim.return_tracking_number,
        url=tracking_url(carrier, claim.return_tracking_number) if carrier and not carrier.any_carrier else "",
    )


@dataclass(frozen=True)
class Answer:
    question: str
    answer: str  # "Yes" / "No"


@dataclass(frozen=True)
class TextEvidence:
    label: str
    text: str


def claim_own_words(*, claim: Claim, policy: PolicyData) -> tuple[list[Answer], list[TextEvidence]]:
    """What the shopper told us: their answers to the policy's questions (in the policy's
    order, each question once) and their written evidence (the description), by slot."""
    answers, seen, labels = [], set(), {}
    for rule in policy.rules:
        if claim.reason_code not in rule.reason_codes:
            continue
        for condition in rule.conditions:
            if condition.code in (claim.answers or {}) and condition.code not in seen:
                seen.add(condition.code)
                answers.append(Answer(condition.question, _("Yes") if claim.answers[condition.code] else _("No")))
        for slot in rule.evidence_slots:
            labels.setdefault(slot.code, slot.label)
    texts = [
        TextEvidence(labels.get(code, _("Your description")), str(text).strip())
        for code, text in (claim.texts or {}).items()
        if str(text).strip()
    ]
    return answers, texts


# the timeline's words for the events that change nothing in the claim's state
_EVENT_WORDS = {"message": gettext_lazy("Message")}


def timeline_label(event) -> str:
    if event.to_status:
        return str(event.get_to_status_display())
    return str(_EVENT_WORDS.get(event.action) or EVENT_LABELS.get(event.action, event.action))
