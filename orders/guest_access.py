"""Signed, expiring links that open one order for a guest.

The token carries the order's id and a digest of its e-mail, signed with a salt of
its own, so it opens nothing else, stops working if the order's e-mail changes, and
expires: a link the shopper asked for (order look-up, "send me a new link") after
settings.GUEST_LINK_MAX_AGE seconds, the link in a claim e-mail ("p": "claim") after
settings.CLAIM_LINK_MAX_AGE, since those e-mails are read days later (ship-by reminders,
the refund). The signer compares in constant time.
"""

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.utils.translation import ngettext

SALT = "orders.guest-access.v1"
SESSION_KEY = "guest_order_ids"
ORDER = "order"
CLAIM = "claim"


class LinkInvalid(Exception):
    """Tampered, truncated, or meant for another order."""


class LinkExpired(Exception):
    """Authentic but older than the allowed age; a new one can be sent."""

    def __init__(self, order_id: int):
        super().__init__(order_id)
        self.order_id = order_id


@dataclass(frozen=True)
class GuestLink:
    order_id: int
    email_digest: str
    purpose: str = ORDER


def _email_digest(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:20]


def guest_token_make(*, order, purpose: str = ORDER) -> str:
    payload = {"o": order.pk, "e": _email_digest(order.customer_email)}
    if purpose == CLAIM:
        payload["p"] = CLAIM
    return signing.TimestampSigner(salt=SALT).sign_object(payload)


def _max_age(link: "GuestLink") -> int:
    return settings.CLAIM_LINK_MAX_AGE if link.purpose == CLAIM else settings.GUEST_LINK_MAX_AGE


def guest_token_read(*, token: str) -> GuestLink:
    """Raise LinkInvalid or LinkExpired; return the link when it is good. The signature
    is checked first, then the age allowed for the link's purpose."""
    signer = signing.TimestampSigner(salt=SALT)
    link = _link_from(_payload_ignoring_age(signer, token))
    try:
        signer.unsign_object(token, max_age=_max_age(link))
    except signing.SignatureExpired:
        raise LinkExpired(link.order_id) from None
    return link


def guest_token_read_even_expired(*, token: str) -> GuestLink:
    """For "send me a new link": the signature must hold, the age may not."""
    return _link_from(_payload_ignoring_age(signing.TimestampSigner(salt=SALT), token))


def _payload_ignoring_age(signer: signing.TimestampSigner, token: str) -> dict:
    try:
        return signer.unsign_object(token)
    except (signing.BadSignature, ValueError, TypeError):
        raise LinkInvalid() from None


def _link_from(payload) -> GuestLink:
    if not isinstance(payload, dict) or not isinstance(payload.get("o"), int) or not isinstance(payload.get("e"), str):
        raise LinkInvalid()
    return GuestLink(order_id=payload["o"], email_digest=payload["e"], purpose=CLAIM if payload.get("p") == CLAIM else ORDER)


def guest_link_matches(*, link: GuestLink, order) -> bool:
    return link.order_id == order.pk and link.email_digest == _email_digest(order.customer_email)


def session_grant(*, session, order) -> None:
    ids = [i for i in session.get(SESSION_KEY, []) if i != order.pk]
    session[SESSION_KEY] = [*ids, order.pk][-20:]


def session_order_ids(*, session) -> list[int]:
    return list(session.get(SESSION_KEY, []))


def guest_link_lifetime() -> str:
    """How long a link the shopper asked for works, in words ("24 hours", "2 hours",
    "30 minutes"), from settings.GUEST_LINK_MAX_AGE: what the page and the e-mail say."""
    return duration_in_words(seconds=settings.GUEST_LINK_MAX_AGE)


def duration_in_words(*, seconds: int) -> str:
    if seconds >= 3 * 86400 and seconds % 86400 == 0:
        days = seconds // 86400
        return ngettext("%(count)d day", "%(count)d days", days) % {"count": days}
    if seconds >= 3600 and seconds % 3600 == 0:
        hours = seconds // 3600
        return ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}
    if seconds >= 60 and seconds % 60 == 0:
        minutes = seconds // 60
        return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}
    return ngettext("%(count)d second", "%(count)d seconds", seconds) % {"count": seconds}
