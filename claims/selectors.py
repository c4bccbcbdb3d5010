"""Reads of the claims domain: the engine's view of a claim, evidence checklists."""

import re
from collections import Counter
from dataclasses import dataclass, replace
from decimal import Decimal

from django.db.models import Count, Max, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from claims.models import PARCEL_EXPECTED, Claim, ClaimEvent, ClaimLine, ClaimMessage, EvidenceFile, Refund
from claims.states import SHOPPER_TIMELINE_EVENTS, UNITS_RELEASED_STATES, ClaimStatus
from orders import selectors as order_selectors
from orders.models import Order, OrderLine, Product, ProductPart, Store, normalise_order_number
from policies.engine import (
    ORDER_DELIVERED,
    ORDER_STATE_NOW,
    STORE_CREDIT,
    Decision,
    PolicyData,
    PurchaseFacts,
    RuleData,
    SlotData,
    items_refund_estimate,
    store_credit_amount,
    store_credit_offer_for,
)
from policies.models import Outcome
from policies.selectors import (
    decision_for_purchase,
    order_state_for_order,
    policy_data_for_version,
    purchase_facts_for_order_lines,
    purchase_facts_offline,
    store_calendar,
)


def claim_policy_data(*, claim: Claim) -> PolicyData:
    return policy_data_for_version(version=claim.policy_version, store=claim.store)


def claim_purchases(*, claim: Claim) -> list[tuple[object, PurchaseFacts]]:
    """(claim line, purchase facts) for each claimed line; offline claims have one."""
    if claim.order_id is None:
        facts = purchase_facts_offline(
            product=claim.offline_product,
            purchased_at=claim.offline_purchased_at,
            channel=claim.offline_channel,
            price=claim.offline_price,
            country=claim.offline_country,
            currency=claim.store.currency,
        )
        return [(line, facts) for line in claim.lines.all()]
    claimed = list(claim.lines.select_related("order_line__product"))
    facts = purchase_facts_for_order_lines(
        order=claim.order, claimed={line.order_line_id: line.quantity for line in claimed}, exclude_claim_ids=(claim.pk, claim.parent_id)
    )
    return [(line, facts[line.order_line_id]) for line in claimed]




def claim_order_state(*, claim: Claim) -> str:
    """The claimed order's state for the reasons (a purchase without an order: delivered)."""
    if claim.order_id is None:
        return ORDER_DELIVERED
    return order_state_for_order(order=claim.order)


def claim_reason_not_offered(*, claim: Claim, policy: PolicyData | None = None) -> dict | None:
    """When the draft's reason is no longer offered for its order (it shipped after the
    shopper chose "Cancel my order"): {"reason": its label, "state": the order now, in
    words}, for REASON_NOT_OFFERED; None while it still applies."""
    policy = policy or claim_policy_data(claim=claim)
    reason = policy.reason(claim.reason_code)
    if reason is None:
        return None
    state = claim_order_state(claim=claim)
    if reason.offered_in(state):
        return None
    return {"reason": reason.label, "state": _(ORDER_STATE_NOW[state])}


def claim_products(*, claim: Claim) -> list[Product]:
    """The products a claim is about: its order lines' products, or the offline one."""
    if claim.order_id is None:
        return [claim.offline_product] if claim.offline_product_id else []
    return [line.order_line.product for line in claim.lines.select_related("order_line__product")]


def units_claimed_elsewhere(*, order_line_ids, exclude_claim_ids=()) -> dict[int, int]:
    """Units of these order lines in claims that still have effect, other than the given ones."""
    rows = (
        ClaimLine.objects.filter(order_line_id__in=list(order_line_ids))
        .exclude(claim__status__in=UNITS_RELEASED_STATES)
        # a closed claim holds its units only if it was resolved (not rejected, withdrawn, expired)
        .exclude(claim__status=ClaimStatus.CLOSED, claim__resolution="")
        .exclude(claim_id__in=[pk for pk in exclude_claim_ids if pk])
        .values("order_line_id")
        .annotate(n=Sum("quantity"))
    )
    return {row["order_line_id"]: row["n"] for row in rows}


def order_lines_claimable(*, order) -> list[tuple[OrderLine, int]]:
    """Each line of the order with the units still free to claim: those not in a claim
    that has effect (the same count claim_start enforces). Uses the order's lines when
    they were prefetched with it (orders.selectors.order_for_viewer does)."""
    if "lines" in getattr(order, "_prefetched_objects_cache", {}):
        lines = sorted(order.lines.all(), key=lambda line: line.pk)
    else:
        lines = list(order.lines.select_related("product").order_by("pk"))
    claimed = units_claimed_elsewhere(order_line_ids=[line.pk for line in lines])
    return [(line, max(line.quantity - claimed.get(line.pk, 0), 0)) for line in lines]


def _files_per_slot(claim: Claim, status: str, evidence: list[EvidenceFile] | None) -> dict[str, int]:
    """The claim's files in `status` per slot: counted from `evidence` when the page has
    the files already, else by one query."""
    if evidence is not None:
        return dict(Counter(item.slot_code for item in evidence if item.status == status))
    return dict(claim.evidence.filter(status=status).values("slot_code").annotate(n=Count("pk")).values_list("slot_code", "n"))


def evidence_counts(*, claim: Claim, evidence: list[EvidenceFile] | None = None) -> dict[str, int]:
    """Processed files per slot; text slots count 1 when filled in. `evidence`: the
    claim's files when the page has them already (claim_evidence_files)."""
    counts = _files_per_slot(claim, EvidenceFile.Status.READY, evidence)
    for code, text in (claim.texts or {}).items():
        if str(text).strip():
            counts[code] = 1
    return counts


def claim_evaluate(
    *, claim: Claim, now=None, policy: PolicyData | None = None, display_zone: str | None = None
) -> list[tuple[object, Decision]]:
    """The engine's decision for each claimed line, as of `now`; its texts' times in
    `display_zone` (the shopper's) when given, else the store's zone, named."""
    now = now or timezone.now()
    policy = policy or claim_policy_data(claim=claim)
    counts = evidence_counts(claim=claim)
    calendar = claim_calendar(claim=claim, now=now)  # once for all lines
    return [
        (
            line,
            decision_for_purchase(
                store=claim.store,
                policy=policy,
                purchase=facts,
                reason_code=claim.reason_code,
                answers=claim.answers,
                now=now,
                evidence_counts=counts,
                calendar=calendar,
                display_zone=display_zone,
            ),
        )
        for line, facts in claim_purchases(claim=claim)
    ]


def claim_decision_shown(
    *, line_decisions: list[tuple[object, Decision]], policy: PolicyData | None = None
) -> Decision:
    """The decision the shopper's draft shows: the first line's rules, each with the
    refund estimate of the whole claim, so the estimate is what staff will see: the
    items to be refunded with their lines named after them, a fixed charge once
    (engine.items_refund_estimate); the items the shopper chose to take as store credit
    or to exchange in their own rows, outside the refund's total."""
    decision = line_decisions[0][1]
    if len(line_decisions) < 2:
        return decision
    claim = line_decisions[0][0].claim
    policy = policy or claim_policy_data(claim=claim)
    currency = claim.store.currency
    chosen = {
        row["pk"]: row
        for row in ClaimLine.objects.filter(pk__in=[line.pk for line, _d in line_decisions]).values(
            "pk", "requested_outcome", "price_difference", "exchange_product__name"
        )
    }
    rules = []
    for rule in decision.rules:
        rule_data = next((r for r in policy.rules if r.code == rule.rule_code), None)
        parts = []
        for claim_line, line_decision in line_decisions:
            same = next((r for r in line_decision.rules if r.rule_code == rule.rule_code), None)
            if same is not None and same.refund is not None:
                parts.append((claim_line, same.refund))
        if rule.refund is None or not parts or rule_data is None:
            rules.append(rule)
            continue
        outcome_of = {line.pk: (chosen.get(line.pk) or {}).get("requested_outcome") or "" for line, _b in parts}
        refunded = [
            (_item_name(line), breakdown)
            for line, breakdown in parts
            if outcome_of[line.pk] not in (Outcome.EXCHANGE, STORE_CREDIT)
        ]
        elsewhere = []
        credited = [(_item_name(line), breakdown) for line, breakdown in parts if outcome_of[line.pk] == STORE_CREDIT]
        if credited:
            # the claim's fixed charges are taken once, from the refunded items when there are any
            worth = items_refund_estimate(rule_data, credited, currency=currency, fixed_charges=not refunded)
            _bonus, amount = store_credit_amount(worth.total, rule_data.store_credit_bonus_percent, currency)
            names = ", ".join(name for name, _b in credited)
            elsewhere.append(
                (
                    _("%(items)s: as store credit, not refunded") % {"items": names},
                    amount,
                    _("sent as a code") if not worth.pending_lines else _("follows the amounts decided later"),
                )
            )
        for line, _breakdown in parts:
            if outcome_of[line.pk] != Outcome.EXCHANGE:
                continue
            row = chosen.get(line.pk) or {}
            difference = row.get("price_difference")
            label = _("%(item)s: exchanged for %(product)s, not refunded") % {
                "item": _item_name(line),
                "product": row.get("exchange_product__name") or _("another product"),
            }
            if difference is None or difference == 0:
                elsewhere.append((label, Decimal("0.00"), _("same price")))
            elif difference > 0:
                elsewhere.append((label, difference, _("you pay this difference")))
            else:
                elsewhere.append((label, -difference, _("we refund this difference")))
        combined = items_refund_estimate(rule_data, refunded, elsewhere, currency=currency)
        rules.append(
            replace(
                rule,
                refund=combined,
                store_credit=store_credit_offer_for(rule.store_credit, combined) if refunded else None,
            )
        )
    return replace(decision, rules=tuple(rules))


def _item_name(claim_line) -> str:
    order_line = getattr(claim_line, "order_line", None)
    if order_line is None:
        return claim_line.claim.offline_product.name
    return f"{claim_line.quantity} × {order_line.product.name}"


def draft_rule(*, decision: Decision):
    """The rule a draft follows (its evidence, texts, preference): the first open one."""
    return next((rule for rule in decision.rules if rule.open), None)


def claim_covering_rules(*, claim: Claim) -> list[RuleData]:
    """The rules of the claim's policy version that cover its reason."""
    return [rule for rule in claim_policy_data(claim=claim).rules if claim.reason_code in rule.reason_codes]


def claim_questions(*, claim: Claim) -> list:
    """The condition questions of every rule that covers the claim's reason, once each."""
    questions, seen = [], set()
    for rule in claim_covering_rules(claim=claim):
        for condition in rule.conditions:
            if condition.code not in seen:
                seen.add(condition.code)
                questions.append(condition)
    return questions


def claim_rule(*, claim: Claim, policy: PolicyData | None = None) -> RuleData | None:
    policy = policy or claim_policy_data(claim=claim)
    return next((rule for rule in policy.rules if rule.code == claim.rule_code), None)


def claim_answered_questions(*, claim: Claim) -> list[tuple[str, bool]]:
    """The shopper's answers under the questions they were asked (the conditions of the
    claim's policy version, its own rule first), in the order answered; a code no
    condition names any more is shown as it is."""
    policy = claim_policy_data(claim=claim)
    rule = claim_rule(claim=claim, policy=policy)
    questions: dict[str, str] = {}
    for candidate in [rule, *policy.rules] if rule else policy.rules:
        for condition in candidate.conditions:
            questions.setdefault(condition.code, condition.question)
    return [(questions.get(code, code), bool(answer)) for code, answer in (claim.answers or {}).items()]


def claim_decided_rule(*, claim: Claim) -> dict:
    """The claim's rule as decided at submission (what the shopper was told); {} before."""
    rules = (claim.decision or {}).get("rules", [])
    return next((r for r in rules if r.get("rule_code") == claim.rule_code), None) or {}


def claim_decided_rule_for_viewer(*, claim: Claim, viewer_zone: str) -> dict:
    """claim_decided_rule with its deadline said on the viewer's clock (the kept texts
    say it in the store's zone, as staff read it)."""
    from datetime import datetime

    from policies.zones import reword_for_viewer

    rule = claim_decided_rule(claim=claim)
    at = ((rule.get("deadline") or {}).get("at")) if rule else None
    if not at or not viewer_zone:
        return rule
    deadline = datetime.fromisoformat(at)
    store_zone = str(claim.store.time_zone)
    return {
        **rule,
        "explanation": [reword_for_viewer(line, deadline, store_zone=store_zone, viewer_zone=viewer_zone) for line in rule.get("explanation", [])],
    }


def postage_reimbursed(*, claim: Claim, rule: RuleData | None = None) -> bool:
    """The brand pays the return shipping of this claim and refunds the postage the
    shopper paid (up to the rule's cap), against a receipt."""
    rule = rule or claim_rule(claim=claim)
    decided = claim_decided_rule(claim=claim)
    return bool(rule and rule.shipping_reimbursement_cap is not None and decided.get("shipping_payer") == "brand")


@dataclass(frozen=True)
class SlotStatus:
    slot: SlotData
    provided: int
    processing: int

    @property
    def missing(self) -> int:
        return max(self.slot.min_count - self.provided, 0)

    @property
    def complete(self) -> bool:
        return self.missing == 0

    @property
    def room(self) -> int:
        return max(self.slot.max_count - self.provided - self.processing, 0)


def claim_checklist(*, claim: Claim, slots: tuple[SlotData, ...], evidence: list[EvidenceFile] | None = None) -> list[SlotStatus]:
    """Each slot with its files provided and still being checked. `evidence`: the
    claim's files when the page has them already (claim_evidence_files)."""
    ready = evidence_counts(claim=claim, evidence=evidence)
    processing = _files_per_slot(claim, EvidenceFile.Status.PROCESSING, evidence)
    return [SlotStatus(slot=slot, provided=ready.get(slot.code, 0), processing=processing.get(slot.code, 0)) for slot in slots]


@dataclass(frozen=True)
class RequestedSlotStatus(SlotStatus):
    """A slot staff asked about ("more information needed"): it needs a new file, one
    added since they asked; files from before do not answer the request."""

    since_request: int = 0
    needed: int = 1
    is_request: bool = True

    @property
    def missing(self) -> int:
        return max(self.needed - self.since_request, 0)


def claim_info_request_checklist(
    *, claim: Claim, slots, request: ClaimMessage, evidence: list[EvidenceFile] | None = None
) -> list[RequestedSlotStatus]:
    """The requested slots with what is still missing: the one count the claim page's
    slots, its "send" check and claim_provide_info all use."""
    if evidence is None:
        evidence = claim_evidence_files(claim=claim)
    ready = [item for item in evidence if item.status == EvidenceFile.Status.READY]
    processing = Counter(item.slot_code for item in evidence if item.status == EvidenceFile.Status.PROCESSING)
    total = Counter(item.slot_code for item in ready)
    fresh = Counter(item.slot_code for item in ready if item.created_at > request.created_at)
    return [
        RequestedSlotStatus(slot=slot, provided=total[slot.code], processing=processing[slot.code], since_request=fresh[slot.code])
        for slot in slots
        if slot.code in request.requested_slots and slot.kind != "text"
    ]


def claim_calendar(*, claim: Claim, now=None):
    return store_calendar(store=claim.store, around=now or timezone.now())


# --- the shopper's pages: one query per kind of row, only the columns a page shows -------

# What the claim page reads of the claim and its store, order, policy version and
# refund (claims/detail.html, the access check, the checklists, the tracking form).
# Loading ~160 columns of four tables cost more than the query itself.
CLAIM_PAGE_FIELDS = (
    "id",
    "store_id",
    "reference",
    "status",
    "row_version",
    "updated_at",
    "shopper_user_id",
    "shopper_email",
    "shopper_timezone",
    "order_id",
    "reason_code",
    "reason_label",
    "texts",
    "policy_version_id",
    "rule_code",
    "decision",
    "appeal_used",
    "rma_number",
    "rejection_reason",
    "inspection_outcome",
    "inspection",  # small: what was found and the outcome (claim_inspection_result)
    "replacement_tracking",
    "replacement_product__id",
    "replacement_product__name",
    "review_due_at",
    "ship_by_at",
    "refund_due_at",
    "turnaround_due_at",
    "outcome",  # the turnaround's words (repair, replacement, part)
    # the tracker (claims.tracker): the steps taken, the shopper's words, the parcel
    "answers",
    "return_carrier",
    "return_tracking_number",
    "submitted_at",
    "decided_at",
    "shipped_back_at",
    "received_at",
    "inspected_at",
    "resolved_at",
    "closed_at",
    "withdrawn_at",  # a claim withdrawn after approval says so once closed
    "status_changed_at",
    "resolution",
    "preferred_outcome",  # what the shopper asked for (claims.outcomes.claim_outcome_lines)
    "resolution",  # an exchange resolved: what was sent (claims.outcomes.claim_exchange_sent)
    "store",  # every column: the page's header, footer and colours read the store
    "order__id",
    "order__number",
    "policy_version__id",
    "policy_version__number",
    "policy_version__published_at",
    # policy_version__data is read only when this process has not built the version's
    # engine view yet (policies.selectors.policy_data_for_version keeps it)
    "refund__id",
    "refund__amount",
    "refund__currency",
    "refund__kind",
    "refund__lines",  # the money line by line (claims.refund_explained)
)


def claim_for_page(*, pk: int) -> Claim:
    """The claim the shopper's claim page shows, with its store, order number, policy
    version and refund in one query (after claim_page_head found it)."""
    return (
        Claim.objects.select_related("store", "order", "policy_version", "refund", "replacement_product")
        .only(*CLAIM_PAGE_FIELDS)
        .get(pk=pk)
    )


# What the access check and the page's version (claims.page_cache) need: a kept page is
# served after this one small query, the whole page's are run only to render it.
CLAIM_HEAD_FIELDS = ("id", "store_id", "row_version", "updated_at", "shopper_email", "order_id")


def claim_page_head(*, store_slug: str, reference: str) -> Claim | None:
    rows = list(Claim.objects.only(*CLAIM_HEAD_FIELDS).filter(store__slug=store_slug, reference=reference).order_by()[:1])
    return rows[0] if rows else None


def order_page_head(*, store_slug: str, number: str) -> Order | None:
    """The order behind an order page, with what the access check needs and the page's
    version (claims.page_cache): when the order last changed (webhooks save it) and how
    many claims it has and when one last changed (every command saves its claim)."""
    claims = Claim.objects.filter(order_id=OuterRef("pk")).order_by().values("order_id")
    rows = (
        Order.objects.filter(store__slug=store_slug, store__is_active=True, number=normalise_order_number(number))
        .only("id", "store_id", "customer_email", "updated_at")
        .annotate(
            claims_count=Subquery(claims.annotate(n=Count("pk")).values("n")),
            claims_changed=Subquery(claims.annotate(last=Max("updated_at")).values("last")),
        )
        .order_by()[:1]
    )
    return next(iter(rows), None)


def claim_refund(*, claim: Claim) -> Refund | None:
    """The claim's refund (loaded with the claim by claim_for_page), or None."""
    try:
        return claim.refund
    except Refund.DoesNotExist:
        return None


def claim_evidence_files(*, claim: Claim) -> list[EvidenceFile]:
    """The claim's files (not the deleted ones), oldest first: one query for the page's
    checklists and its "Your evidence" list."""
    return list(
        claim.evidence.exclude(status=EvidenceFile.Status.DELETED)
        .only("id", "claim_id", "slot_code", "status", "original_name", "refusal_reason", "thumbnail", "created_at")
        .order_by("created_at", "pk")
    )


def claim_timeline(*, claim: Claim) -> list[ClaimEvent]:
    """The events the shopper sees on the claim's timeline, oldest first, from submission."""
    return list(
        claim.events.filter(action__in=SHOPPER_TIMELINE_EVENTS).only("id", "claim_id", "action", "to_status", "shopper_note", "created_at").order_by("created_at", "pk")
    )


@dataclass(frozen=True)
class ShopperMessages:
    shown: list[ClaimMessage]  # the conversation the shopper sees, oldest first
    last_request: ClaimMessage | None  # staff's latest request for more information


def claim_messages_for_shopper(*, claim: Claim) -> ShopperMessages:
    """The claim's messages the shopper sees, and the latest one asking for evidence,
    in one query."""
    rows = list(
        claim.messages.filter(Q(internal=False) | ~Q(requested_slots=[]))
        .only("id", "claim_id", "author_role", "body", "internal", "requested_slots", "created_at")
        .order_by("created_at", "pk")
    )
    requests = [row for row in rows if row.requested_slots]
    return ShopperMessages(shown=[row for row in rows if not row.internal], last_request=requests[-1] if requests else None)


# "My orders and claims" lists the newest of each, this many at a time, with a link to older ones.
MY_PAGE_SIZE = 20


@dataclass(frozen=True)
class ListPage:
    rows: list
    page: int
    has_older: bool


def _list_page(queryset: QuerySet, page: int, size: int = MY_PAGE_SIZE) -> ListPage:
    """One page of a list, newest first, without counting the whole list: one row more
    than shown tells whether older ones exist."""
    page = max(page, 1)
    start = (page - 1) * size
    rows = list(queryset[start : start + size + 1])
    return ListPage(rows=rows[:size], page=page, has_older=len(rows) > size)


# "Other brands" under a brand's own list (signed in from its page): only the newest few.
MY_OTHER_BRANDS_SIZE = 5


def _in_brand(queryset: QuerySet, store: Store | None, others: bool) -> QuerySet:
    """The rows of the brand (`store`), or with `others` those of every other brand."""
    if store is None:
        return queryset
    return queryset.exclude(store=store) if others else queryset.filter(store=store)


def claims_for_user(
    *, user, emails: list[str], page: int = 1, store: Store | None = None, others: bool = False, size: int = MY_PAGE_SIZE
) -> ListPage:
    """The signed-in shopper's claims ("My claims"), newest first: made while signed in,
    or made as a guest with one of their verified e-mails (the same rule that lets them
    open it). Claims store the e-mail lower-case: an exact match on its index, or'ed with
    the user's index. `store`: only that brand's (with `others`: every other brand's)."""
    match = Q(shopper_user=user)
    if emails:
        match |= Q(shopper_email__in=sorted({email.strip().lower() for email in emails}))
    claims = (
        Claim.objects.filter(match)
        .exclude(reference=None)
        .select_related("store")
        .only("id", "reference", "reason_label", "status", "submitted_at", "created_at", "store__id", "store__slug", "store__name", "store__time_zone")
        .order_by("-created_at", "-pk")
    )
    return _list_page(_in_brand(claims, store, others), page, size)


def orders_for_user(
    *, emails: list[str], page: int = 1, store: Store | None = None, others: bool = False, size: int = MY_PAGE_SIZE
) -> ListPage:
    """The signed-in shopper's orders ("My orders"), newest first: those placed with one of
    their verified e-mails (stored lower-case: an exact match on the e-mail's index).
    `store`: only that brand's (with `others`: every other brand's)."""
    return _list_page(_in_brand(order_selectors.orders_for_emails(emails=emails), store, others), page, size)


def drafts_for_user(*, emails: list[str]) -> list[Claim]:
    """The signed-in shopper's unsent drafts, newest first (the newest MY_PAGE_SIZE): those
    started with one of their verified e-mails, which is what lets them continue one."""
    wanted = sorted({email.strip().lower() for email in emails})
    if not wanted:
        return []
    return list(
        Claim.objects.filter(shopper_email__in=wanted, status=ClaimStatus.DRAFT)
        .select_related("store", "order", "offline_product")
        .only(
            "id", "reason_label", "created_at", "store__id", "store__slug", "store__name", "store__time_zone",
            "order__id", "order__number", "offline_product__id", "offline_product__name",
        )
        .order_by("-created_at", "-pk")[:MY_PAGE_SIZE]
    )


def claims_of_order(*, order) -> list[Claim]:
    """The order's claims the shopper sees on the order page (not the ones they withdrew)."""
    return list(
        order.claims.exclude(status=ClaimStatus.WITHDRAWN).only("id", "order_id", "reference", "reason_label", "status", "created_at").order_by("-created_at")
    )


# --- the staff queue's search --------------------------------------------------------------

SEARCH_ORDERS_MAX = 200  # orders matched by a number prefix; a longer prefix narrows it
SEARCH_PREFIX_MIN = 3  # shorter terms match whole values only: "1" would be every other tracking number


def claims_matching(*, claims: QuerySet[Claim], term: str, store_ids: set[int] | None) -> QuerySet[Claim]:
    """The claims (already scoped to the staff member's stores, `store_ids`; None: every
    store) whose reference, RMA number, order number, return tracking number or shopper
    e-mail is, or starts with, the term. Every column is stored normalised (e-mail
    lower-case, the others upper-case, tracking without spaces), so each match is an
    exact or prefix match on an index: never UPPER(col) or '%term%'."""
    term = term.strip()
    if not term:
        return claims
    how = "startswith" if len(term) >= SEARCH_PREFIX_MIN else "exact"
    email = term.lower()
    if "@" in term:
        return claims.filter(**{f"shopper_email__{how}": email})
    code = term.upper()
    match = (
        Q(**{f"reference__{how}": code})
        | Q(**{f"rma_number__{how}": code})
        | Q(**{f"return_tracking_number__{how}": re.sub(r"\s+", "", code)})
        | Q(**{f"shopper_email__{how}": email})
    )
    number = code.lstrip("#").strip()
    if number:
        # the (store, number) index is entered once per store (None: every store)
        stores = sorted(store_ids) if store_ids is not None else list(Store.objects.values_list("pk", flat=True))
        orders = Order.objects.filter(store_id__in=stores, **{f"number__{how}": number})
        order_ids = list(orders.order_by().values_list("pk", flat=True)[:SEARCH_ORDERS_MAX])
        if order_ids:
            match |= Q(order_id__in=order_ids)
    return claims.filter(match)


@dataclass(frozen=True)
class InspectionResult:
    """What the shopper is told of the inspection: the outcome, and for a rejection its
    reason and what happens to the item; for a partial refund, the amounts."""

    outcome: str
    outcome_label: str
    reason: str = ""
    item: str = ""
    refund_total: str = ""
    refund_full: str = ""
    currency: str = ""

    @property
    def lines(self) -> list[str]:
        lines = [_("Inspection outcome: %s") % self.outcome_label]
        if self.reason:
            lines.append(_("Reason: %s") % self.reason)
        if self.item:
            lines.append(_("Your item: %s.") % self.item)
        if self.outcome == "partial" and self.refund_total:
            lines.append(
                _("Refund after inspection: %(total)s of %(full)s %(currency)s")
                % {"total": self.refund_total, "full": self.refund_full, "currency": self.currency}
            )
        return lines


def claim_inspection_result(*, claim: Claim) -> InspectionResult | None:
    """The claim's inspection outcome as recorded (claims.services.claim_inspect), None
    before one is recorded; reads only the claim's row."""
    if not claim.inspection_outcome:
        return None
    data = claim.inspection or {}
    rejection = data.get("rejection") or {}
    refund = data.get("refund") or {}
    return InspectionResult(
        outcome=claim.inspection_outcome,
        outcome_label=str(claim.get_inspection_outcome_display()),
        reason=rejection.get("label", ""),
        item=rejection.get("item", ""),
        refund_total=refund.get("total", ""),
        refund_full=refund.get("full", ""),
        currency=refund.get("currency", ""),
    )


def inspection_parts(*, claim: Claim) -> list:
    """The parts lists of the products in the claim (its order lines' products or the
    offline product), in one query: what inspection can record as missing."""
    product_ids = {pid for pid in claim.lines.values_list("order_line__product_id", flat=True) if pid}
    if claim.offline_product_id:
        product_ids.add(claim.offline_product_id)
    return list(ProductPart.objects.filter(product_id__in=product_ids).select_related("product").order_by("product__name", "position", "pk"))


# --- the warehouse's receiving screen ---------------------------------------------------


def claim_for_scan(*, claims: QuerySet[Claim], code: str) -> Claim | None:
    """The claim whose RMA number or reference is the scanned code (a barcode scanner
    types it and presses Enter; staff may type it in any case, with spaces around it),
    among `claims` (already scoped to the staff member's stores: a claim of another store
    is not found, exactly like an unknown code). Both columns are stored upper-case under
    a unique index: one exact match each, never a prefix."""
    code = "".join(code.split()).upper()
    if not code:
        return None
    return (
        claims.filter(Q(rma_number=code) | Q(reference=code))
        .select_related("store", "policy_version", "assignee")
        .first()
    )


def claims_parcel_expected(*, claims: QuerySet[Claim]) -> QuerySet[Claim]:
    """The parcels the warehouse expects: among `claims` (already scoped to the staff
    member's stores), those approved with a return and not received yet
    (states.PARCEL_EXPECTED_STATES, the states the "receive" command takes), the oldest
    approval first, with their items counted (claims_parcel_expected_idx; slice it)."""
    items = (
        ClaimLine.objects.filter(claim=OuterRef("pk"))
        .order_by()
        .values("claim")
        .annotate(total=Sum("quantity"))
        .values("total")
    )
    return (
        claims.filter(PARCEL_EXPECTED)
        .select_related("order", "store")
        .only(
            "reference", "rma_number", "status", "shopper_email", "decided_at", "return_carrier",
            "return_tracking_number", "store__name", "store__time_zone", "order__customer_name",
        )
        .annotate(items=Subquery(items))
        .order_by("decided_at", "pk")
    )  # fmt: skip


@dataclass(frozen=True)
class ReceivingChecklist:
    """What the parcel should hold and how it should come: the claimed items, the
    packing checklist of the claim's rule (as decided at submission: a rule without a
    return has none), and the condition the shopper declared (question and answer)."""

    items: list[str]
    packing: list[str]
    declared: list[tuple[str, str]]


def claim_receiving_checklist(*, claim: Claim) -> ReceivingChecklist:
    items = [_item_name(line) for line in claim.lines.select_related("order_line__product", "claim__offline_product")]
    decided = claim_decided_rule(claim=claim)
    packing = list(decided.get("packing_checklist") or [])
    answers = claim.answers or {}
    declared = [
        (q.question, _("yes") if answers[q.code] else _("no"))
        for q in claim_questions(claim=claim)
        if q.code in answers
    ]
    return ReceivingChecklist(items=items, packing=packing, declared=declared)
