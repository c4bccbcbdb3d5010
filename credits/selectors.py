"""Reads of the store credit ledger."""

from django.db.models import Q, QuerySet

from credits.models import StoreCredit


def store_credit_for_claim(*, claim_id: int) -> StoreCredit | None:
    """The credit issued for a claim, if any (one at most)."""
    return StoreCredit.objects.filter(claim_id=claim_id).first()


def store_credits_matching(*, credits: QuerySet, term: str) -> QuerySet:
    """The admin's search: a code (or its start, dashes optional) or the shopper's
    e-mail (or its start), on indexed columns: never '%term%', never UPPER(col)."""
    term = term.strip()
    if not term:
        return credits
    code = term.upper()
    if not code.startswith("SC-") and len(code.replace("-", "")) >= 4 and "@" not in code:
        plain = code.replace("-", "")
        code = "SC-" + "-".join(plain[i : i + 4] for i in range(0, len(plain), 4))
    return credits.filter(Q(code__startswith=code) | Q(shopper_email__startswith=term.lower()))
