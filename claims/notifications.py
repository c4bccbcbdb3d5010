"""Which e-mails each transition sends (outbox rows in the transition's transaction):
the shopper hears of every step that concerns them; the store's reviewers and managers
of every new claim; staff get a daily digest. Reminders and escalations: claims.sla."""

import functools
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts import access
from claims.states import Role
from notifications.services import EmailSlot, SignedLink, email_enqueue_template, email_enqueue_template_many
from orders.guest_access import CLAIM, guest_token_make

SHOPPER_EMAILS = {
    "submit": (_("We received your claim %(ref)s"), _("We'll review it by %(review_due)s and e-mail you as soon as it is decided.")),
    "request_info": (_("Claim %(ref)s: we need a little more from you"), _("Please add what we asked for so we can decide your claim.")),
    "provide_info": (_("Claim %(ref)s: thanks, we have what we asked for"), _("We'll continue the review.")),
    "approve_return": (
        _("Claim %(ref)s approved: your RMA number is %(rma)s"),
        _("Print the return slip from your claim page, write %(rma)s on the parcel and ship it%(ship_by)s."),
    ),
    "approve_no_return": (_("Claim %(ref)s approved"), _("There is nothing to send back. We'll let you know when it is done.")),
    "reject": (_("Claim %(ref)s was not approved"), _("Reason: %(reason)s. You can appeal once from your claim page.")),
    "appeal": (_("Claim %(ref)s: we received your appeal"), _("A colleague will look at it again.")),
    "uphold_rejection": (_("Claim %(ref)s: the decision stands"), _("After a second look, the claim stays rejected.")),
    "ship": (_("Claim %(ref)s: return on its way"), _("Thanks for the tracking number; we'll tell you when the parcel arrives.")),
    "expire": (_("Claim %(ref)s expired"), _("The return was not shipped in time, so the right to return has been waived.")),
    "receive": (_("Claim %(ref)s: we received your return"), _("We'll inspect it and let you know.")),
    "inspect": (_("Claim %(ref)s: your return was inspected"), _("We'll complete your claim shortly.")),
    "reject_after_inspection": (
        _("Claim %(ref)s: your return did not pass inspection"),
        _("Reason: %(reason)s. You can appeal once from your claim page."),
    ),
    "resolve": (_("Claim %(ref)s resolved: %(resolution)s"), _("Thank you for your patience.")),
    "withdraw": (_("Claim %(ref)s withdrawn"), _("You withdrew the claim. Nothing more will happen with it.")),
    # only sent when the SLA sweep closes a finished claim (claims.services.claim_close_finished)
    "close": (
        _("Claim %(ref)s is closed"),
        _("This claim is finished and now closed: it can no longer be changed or appealed. Its photos and files are deleted %(retention_days)s days from now."),
    ),
}


# the steps whose e-mail explains the money decided (claims.refund_explained)
MONEY_ACTIONS = frozenset({"inspect", "resolve"})


def claim_notify(*, claim, action: str, note: str = "") -> None:
    _shopper_notify(claim=claim, action=action, note=note)
    if action == "submit":
        staff_notify_new_claim(claim=claim)


def claim_notify_many(*, claims, action: str, note: str = "") -> None:
    """claim_notify for many claims that took the same step (the SLA sweep's waivers and
    closes): the shopper e-mails are rendered once per store and shape and queued in bulk."""
    if action == "submit":
        for claim in claims:
            claim_notify(claim=claim, action=action, note=note)
        return
    if action not in SHOPPER_EMAILS:
        return
    groups: dict[tuple, list] = {}
    for claim in claims:
        if not claim.shopper_email:
            continue
        headline, body = _shopper_texts(claim, action, note)
        details = tuple(_details(claim, action))
        values = {"headline": headline, "body": body, "link": claim_shopper_link(claim)}
        groups.setdefault((claim.store_id, claim_link_days(claim), details), []).append((claim, values))
    for (_store_id, link_days, details), messages in groups.items():
        email_enqueue_template_many(
            template="claim_update",
            context={
                "headline": EmailSlot("headline"),
                "body": EmailSlot("body"),
                "note": note,
                "details": list(details),
                "link": EmailSlot("link"),
                "link_days": link_days,
            },
            messages=[(claim.shopper_email, values) for claim, values in messages],
            kind=f"claim:{action}",
            store=messages[0][0].store,
        )


def _shopper_notify(*, claim, action: str, note: str) -> None:
    if action not in SHOPPER_EMAILS or not claim.shopper_email:
        return
    headline, body = _shopper_texts(claim, action, note)
    _claim_update_email(
        claim, kind=f"claim:{action}", headline=headline, body=body, note=note, details=_details(claim, action), money=_money(claim, action)
    )


PREVIEW_RMA = _("[RMA number, given on approval]")


def shopper_email_preview(*, claim, action: str, reason: str = "") -> dict:
    """What the shopper's e-mail for a step staff are about to take will say (its
    headline, first lines and the specifics known before the step), for the claim page's
    panels; what staff type goes below it, as `note` does in the e-mail."""
    if action == "message":
        values = {"ref": claim.reference or "", "store": claim.store.name}
        return {
            "headline": str(STAFF_MESSAGE_SUBJECT) % values,
            "body": str(STAFF_MESSAGE_INTRO) % values,
            "details": [],
        }
    headline, body = _shopper_texts(claim, action, "", overrides={"rma": str(PREVIEW_RMA), "reason": reason})
    return {"headline": headline, "body": body, "details": []}


def _shopper_texts(claim, action: str, note: str, overrides: dict | None = None) -> tuple[str, str]:
    from policies.time_words import when_words

    subject, body = (str(text) for text in SHOPPER_EMAILS[action])
    review_due, ship_by = "—", ""
    if "%(review_due)" in subject + body or "%(ship_by)" in subject + body:  # dates cost (the sweep: thousands)
        # in the shopper's zone kept on the claim, the store's named when it differs
        zones = {"store_zone": str(claim.store.time_zone), "viewer_zone": claim.shopper_timezone}
        review_due = when_words(claim.review_due_at, kind="time", date_format="j M Y", **zones) if claim.review_due_at else "—"
        ship_by = when_words(claim.ship_by_at, kind="deadline", date_format="j M Y", **zones) if claim.ship_by_at else ""
    values = {
        "ref": claim.reference or "",
        "rma": claim.rma_number or "",
        "review_due": review_due,
        "ship_by": (" " + str(_("by %s")) % ship_by) if ship_by else "",
        "reason": claim.rejection_reason or note,
        "resolution": claim.get_resolution_display() if claim.resolution else "",
        "retention_days": settings.EVIDENCE_RETENTION_DAYS,
        **(overrides or {}),
    }
    return subject % values, body % values


def _money(claim, action: str):
    """The money decided, line by line beside the estimate, in the e-mails that decide it."""
    if action not in MONEY_ACTIONS:
        return None
    from claims.refund_explained import claim_money_explained

    return claim_money_explained(claim=claim)


def _claim_update_email(claim, *, kind: str, headline: str, body: str, note: str, details: list[str], money=None) -> None:
    """The shopper's claim e-mail (the brand's look, the signed claim link)."""
    email_enqueue_template(
        to=claim.shopper_email,
        template="claim_update",
        context={
            "claim": claim,
            "headline": headline,
            "body": body,
            "note": note,
            "details": details,
            "link": claim_shopper_link(claim),
            "link_days": claim_link_days(claim),
            "money": money,
        },
        kind=kind,
        store=claim.store,
    )


STAFF_MESSAGE_SUBJECT = _("New message about your claim %(ref)s")
STAFF_MESSAGE_INTRO = _("%(store)s wrote:")


def claim_message_notify(*, claim, message) -> None:
    """A message from staff reaches the shopper by e-mail too, with the claim link;
    internal notes and the shopper's own messages never do."""
    if message.internal or message.author_role == Role.SHOPPER or not claim.shopper_email:
        return
    values = {"ref": claim.reference or "", "store": claim.store.name}
    _claim_update_email(
        claim,
        kind="claim:message",
        headline=str(STAFF_MESSAGE_SUBJECT) % values,
        body=str(STAFF_MESSAGE_INTRO) % values,
        note=message.body,
        details=[],
    )


def _details(claim, action: str) -> list[str]:
    """The specifics a step adds: which items are needed, the amount refunded, the
    replacement's tracking."""
    lines: list[str] = []
    if action == "request_info":
        last = claim.messages.exclude(requested_slots=[]).order_by("-created_at").first()
        rule = next((r for r in (claim.decision or {}).get("rules", []) if r["rule_code"] == claim.rule_code), {})
        labels = {slot["code"]: slot["label"] for slot in rule.get("evidence_slots", [])}
        for code in last.requested_slots if last else []:
            lines.append(str(_("Needed: %s")) % labels.get(code, code))
    if action in ("inspect", "reject_after_inspection"):
        from claims.selectors import claim_inspection_result

        result = claim_inspection_result(claim=claim)
        lines.extend(str(line) for line in (result.lines if result else ()))
    if action == "resolve":
        refund = getattr(claim, "refund", None) if _has_refund(claim) else None
        if refund is not None:
            kind = _("Compensation") if refund.kind == "compensation" else _("Refund")
            lines.append(f"{kind}: {refund.amount} {refund.currency}")
        if claim.replacement_tracking:
            lines.append(str(_("Replacement shipped: %s")) % claim.replacement_tracking)
    # what the shopper asked for, then the approved outcome, per item ("Approved: Exchange
    # for … You pay 10.00 USD more …")
    if action in ("submit", "approve_return", "approve_no_return") or (
        action == "resolve" and claim.outcome == "mixed"
    ):
        from claims.outcomes import claim_outcome_lines

        lines.extend(str(line) for line in claim_outcome_lines(claim=claim))
    if action == "resolve" and claim.outcome != "mixed":  # a mixed claim's items are listed above
        from claims.outcomes import claim_exchange_sent

        lines.extend(str(line) for line in claim_exchange_sent(claim=claim))
    # the turnaround promise, dated, when its clock starts (approval or receipt)
    if action in ("approve_return", "approve_no_return", "receive") and claim.turnaround_due_at is not None:
        from claims.clocks import turnaround_due_words

        lines.append(turnaround_due_words(claim))
    return lines


def _has_refund(claim) -> bool:
    from claims.models import Refund

    return Refund.objects.filter(claim=claim).exists()


def claim_shopper_link(claim) -> str:
    """For a guest: a signed link that opens the claim's order and then the claim; for
    a purchase without an order (signed-in shoppers): the claim page itself."""
    if not claim.reference:  # a draft has no page of its own yet
        return settings.PORTAL_BASE_URL + reverse("orders:store_home", args=[claim.store.slug])
    claim_path = _path(claim.store.slug, "claims:claim_detail").replace(_PLACEHOLDER, claim.reference)
    if claim.order_id is None:
        return settings.PORTAL_BASE_URL + claim_path
    token = guest_token_make(order=claim.order, purpose=CLAIM)
    access_path = _path(claim.store.slug, "orders:guest_access").replace(_PLACEHOLDER, token)
    return SignedLink(f"{settings.PORTAL_BASE_URL}{access_path}?{urlencode({'next': claim_path})}")


_PLACEHOLDER = "PLACEHOLDER0"


@functools.lru_cache(maxsize=1024)
def _path(slug: str, name: str) -> str:
    """A store's URL of that name with a placeholder for its last part, reversed once: the
    sweep links thousands of claims (references and tokens are URL-safe as they are)."""
    return reverse(name, args=[slug, _PLACEHOLDER])


def claim_link_days(claim) -> int | None:
    """How many days the claim link works (a guest's signed link), None when it is the
    plain claim page of a signed-in shopper."""
    return settings.CLAIM_LINK_MAX_AGE // 86400 if claim.order_id else None


# --- staff e-mails ------------------------------------------------------------------------


def store_staff_emails(*, store_id: int, roles: tuple[str, ...] = ("reviewer", "manager")) -> list[str]:
    """Active staff of the store with one of the roles."""
    return list(access.store_staff(store_id, roles=roles).values_list("email", flat=True))


def _admin_link(claim) -> str:
    return settings.PORTAL_BASE_URL + reverse("admin:claims_claim_change", args=[claim.pk])


def staff_notify_new_claim(*, claim) -> None:
    """A new claim in the store: its reviewers and managers hear of it (one e-mail each)."""
    from django.utils import formats, timezone

    with timezone.override(claim.store.time_zone):
        due = formats.date_format(timezone.localtime(claim.review_due_at), "j M Y, H:i") if claim.review_due_at else "—"
    for address in store_staff_emails(store_id=claim.store_id):
        email_enqueue_template(
            to=address,
            template="staff_claim",
            context={
                "claim": claim,
                "headline": str(_("New claim %(ref)s: %(reason)s")) % {"ref": claim.reference, "reason": claim.reason_label},
                "body": str(_("From %(shopper)s. Decision due by %(due)s.")) % {"shopper": claim.shopper_email, "due": due},
                "link": _admin_link(claim),
            },
            kind="staff:new_claim",
            store=claim.store,
        )


def staff_daily_digest(*, now=None) -> int:
    """Once a day per staff member: their stores' claims overdue or due today. A second
    run the same (store) day sends nothing."""
    from django.db.models import Q
    from django.utils import timezone

    from claims.models import Claim
    from claims.states import OPEN_STATES
    from notifications.models import OutboundEmail
    from orders.models import Store

    now = now or timezone.now()
    sent = 0
    for store in Store.objects.filter(is_active=True):
        with timezone.override(store.time_zone):
            local_now = timezone.localtime(now)
            end_of_day = local_now.replace(hour=23, minute=59, second=59, microsecond=999999)
            start_of_day = local_now.replace(hour=0, minute=0, second=0, microsecond=0)
            due = (
                Claim.objects.filter(store=store, status__in=OPEN_STATES)
                .filter(
                    Q(review_due_at__lte=end_of_day)
                    | Q(ship_by_at__lte=end_of_day)
                    | Q(refund_due_at__lte=end_of_day)
                    | Q(turnaround_due_at__lte=end_of_day)
                )
                .order_by("review_due_at", "ship_by_at", "refund_due_at")
            )
            rows = [
                {
                    "claim": claim,
                    "overdue": any(
                        moment and moment < now for moment in (claim.review_due_at, claim.ship_by_at, claim.refund_due_at, claim.turnaround_due_at)
                    ),
                    "link": _admin_link(claim),
                }
                for claim in due[:200]
            ]
            if not rows:
                continue
            for address in store_staff_emails(store_id=store.pk, roles=("reviewer", "warehouse", "manager")):
                already = OutboundEmail.objects.filter(kind="staff:digest", store=store, to=address, created_at__gte=start_of_day).exists()
                if already:
                    continue
                email_enqueue_template(
                    to=address,
                    template="staff_digest",
                    context={"rows": rows, "overdue": sum(1 for r in rows if r["overdue"]), "date": local_now},
                    kind="staff:digest",
                    store=store,
                )
                sent += 1
    return sent
