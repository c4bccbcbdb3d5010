"""Canned replies: a store's ready-made texts for rejecting, requesting information and
messaging the shopper. Their placeholders are checked when a reply is saved
(`canned_reply_problems`, used by CannedReply.clean) and filled in for one claim by
`canned_reply_render`, the one place that knows what each placeholder means."""

import string
from enum import StrEnum

from django.db.models import QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts import access
from claims.models import CannedReply, Claim
from claims.states import ClaimStatus
from policies.time_words import when_words


class CannedUse(StrEnum):
    """The forms a reply may be offered in (CannedReply.for_<use>)."""

    REJECT = "reject"
    REQUEST_INFO = "request_info"
    MESSAGE = "message"


PLACEHOLDERS = {
    "shopper_name": _("the shopper's name (from the order; “customer” when it has none)"),
    "reference": _("the claim reference"),
    "rma_number": _("the RMA number (once the return is approved)"),
    "deadline": _("the claim's next deadline (ship-by, else the one that runs), in the shopper's time zone"),
    "store_name": _("the store's name"),
}
UNKNOWN_PLACEHOLDER = _("Unknown placeholder {%(name)s}. Use one of: %(known)s.")
BAD_PLACEHOLDER = _("{%(name)s} cannot be formatted: write the placeholder's name only, e.g. {reference}.")
BAD_BRACES = _("A brace is not closed: write a placeholder as {reference}, and {{ or }} for a brace itself.")
NOT_RENDERABLE = _("The canned reply “%(title)s” cannot be filled in: %(problem)s")
NO_NAME = _("customer")
NO_DATE = _("(no date yet)")


class CannedReplyError(ValueError):
    """A stored reply whose text no longer renders (saved before a placeholder was
    renamed, or written to the database without the admin)."""


def _known() -> str:
    return ", ".join(f"{{{name}}}" for name in PLACEHOLDERS)


def canned_reply_problems(*, body: str) -> list[str]:
    """What is wrong with a reply's placeholders: empty when it renders for any claim."""
    problems: list[str] = []
    try:
        parsed = list(string.Formatter().parse(body))
    except ValueError:
        return [str(BAD_BRACES)]
    for _literal, name, spec, conversion in parsed:
        if name is None:
            continue
        if name not in PLACEHOLDERS:
            problems.append(str(UNKNOWN_PLACEHOLDER % {"name": name, "known": _known()}))
        elif spec or conversion:
            problems.append(str(BAD_PLACEHOLDER % {"name": name}))
    return list(dict.fromkeys(problems))


def canned_reply_values(*, claim: Claim) -> dict[str, str]:
    """The placeholder values of one claim, as the shopper reads them."""
    order = claim.order
    name = (order.customer_name if order is not None else "").strip() or gettext(NO_NAME)
    return {
        "shopper_name": name,
        "reference": claim.reference or "",
        "rma_number": claim.rma_number or "",
        "deadline": _deadline_words(claim),
        "store_name": claim.store.name,
    }


def _deadline_words(claim: Claim) -> str:
    """The ship-by date while the return is awaited, else the claim's most urgent clock."""
    moment = claim.ship_by_at if claim.status == ClaimStatus.APPROVED_AWAITING_RETURN else None
    moment = moment or claim.next_due_at or claim.ship_by_at
    if moment is None:
        return gettext(NO_DATE)
    return when_words(
        moment, store_zone=str(claim.store.time_zone), viewer_zone=claim.shopper_timezone or "", kind="deadline"
    )


def canned_reply_render(*, reply: CannedReply, claim: Claim) -> str:
    """The reply's text with the claim's values in place of its placeholders."""
    problems = canned_reply_problems(body=reply.body)
    if problems:
        raise CannedReplyError(str(NOT_RENDERABLE % {"title": reply.title, "problem": " ".join(problems)}))
    return reply.body.format_map(canned_reply_values(claim=claim))


def canned_replies_for(*, claim: Claim, use: CannedUse) -> QuerySet[CannedReply]:
    """The active replies of the claim's store offered in one form (never another store's)."""
    return CannedReply.objects.filter(store_id=claim.store_id, is_active=True, **{f"for_{use}": True}).order_by(
        "position", "title"
    )


def canned_replies_of_stores(*, store_ids: set[int] | None, use: CannedUse) -> QuerySet[CannedReply]:
    """The active replies of a use in the given stores (None: every store), for bulk actions."""
    replies = CannedReply.objects.filter(is_active=True, **{f"for_{use}": True}).select_related("store")
    return access.in_stores(replies, store_ids).order_by("store__name", "position", "title")
