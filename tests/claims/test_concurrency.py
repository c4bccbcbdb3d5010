"""Two people, or two presses, at the same moment: a transition is taken once, a refund
is recorded once, and RMA numbers stay unique under concurrent approvals.

Each thread has its own database connection (closed when it ends), so these tests
need committed data: transaction=True. A Barrier makes the threads start together."""

import random
import re
import threading
import time
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import connection

import notifications.services
from claims.actors import shopper_actor
from claims.models import REFERENCE_ALPHABET as ALPHABET
from claims.models import Claim, ClaimEvent, ClaimLine, Refund
from claims.services import (
    ClaimChanged,
    ClaimError,
    TransitionNotAllowed,
    claim_approve,
    claim_inspect,
    claim_receive,
    claim_record_refund,
    claim_reject,
    claim_request_info,
    claim_start,
    claim_submit,
    claim_update_draft,
)
from claims.states import ClaimStatus
from notifications.models import OutboundEmail
from orders.models import Order
from policies.models import Outcome
from tests.claims.conftest import IM_OK, enter_tracking, ready_evidence, staff, submitted_claim

pytestmark = pytest.mark.django_db(transaction=True)

RMA = re.compile(r"^RMA\d{9}$")
ROUNDS = 3


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    """What is counted here are the outbox rows. Handing them to Celery after commit is
    not under test, and would leave thousands of messages on the shared broker."""
    monkeypatch.setattr(notifications.services, "_dispatch", lambda email_id: None)
    monkeypatch.setattr(notifications.services, "_dispatch_batch", lambda email_ids: None)


def _together(calls: list[Callable[[], object]], timeout: float = 60) -> list[tuple[str, object]]:
    """Run the calls in threads that start at the same moment; ("ok", result) or
    ("error", exception) for each, in order."""
    barrier = threading.Barrier(len(calls))
    results: list[tuple[str, object] | None] = [None] * len(calls)

    def run(index: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=timeout)
            results[index] = ("ok", call())
        except BaseException as exc:  # reported to the test, never lost in the thread
            results[index] = ("error", exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n, call), daemon=True) for n, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout * 2)
    assert not any(thread.is_alive() for thread in threads), "a thread did not finish"
    assert all(result is not None for result in results)
    return results


def _free_the_mirror(claim: Claim) -> None:
    """Test set-up for the next round: IM-80010 has one mirror, and a claim that is not
    withdrawn holds it."""
    Claim.objects.filter(pk=claim.pk).update(status=ClaimStatus.WITHDRAWN)


def _last_email_pk() -> int:
    last = OutboundEmail.objects.order_by("-pk").first()
    return last.pk if last else 0


# --- the same transition, twice at once ------------------------------------------------------

DECISIONS = {
    "approve": ("approve_return", ClaimStatus.APPROVED_AWAITING_RETURN),
    "reject": ("reject", ClaimStatus.REJECTED),
    "request_info": ("request_info", ClaimStatus.NEEDS_INFO),
}


def _decide(kind: str, claim_id: int, actor, version: int) -> Callable[[], Claim]:
    if kind == "approve":
        return lambda: claim_approve(claim_id=claim_id, actor=actor, outcome=None, expected_version=version)
    if kind == "reject":
        return lambda: claim_reject(
            claim_id=claim_id, actor=actor, reason="Scratches visible on the photos.", expected_version=version
        )
    return lambda: claim_request_info(
        claim_id=claim_id, actor=actor, slots=["packaging"], message="The box, please.", expected_version=version
    )


@pytest.mark.parametrize("first, second", [("approve", "reject"), ("approve", "approve"), ("reject", "request_info")])
def test_two_reviewers_decide_at_once_and_one_wins(demo, first, second):
    reviewer = staff("reviewer@imirror.demo.example")
    manager = staff("manager@imirror.demo.example")
    for _round in range(ROUNDS):
        claim = submitted_claim("IM-80010", preferred=Outcome.REFUND)
        seen = claim.row_version
        emails_before = _last_email_pk()
        results = _together([_decide(first, claim.pk, reviewer, seen), _decide(second, claim.pk, manager, seen)])

        won = [n for n, (status, _value) in enumerate(results) if status == "ok"]
        lost = [value for status, value in results if status == "error"]
        assert len(won) == 1, results
        assert len(lost) == 1 and isinstance(lost[0], ClaimChanged | TransitionNotAllowed), results
        winner = (first, second)[won[0]]
        action, target = DECISIONS[winner]

        claim.refresh_from_db()
        assert claim.status == target
        assert claim.row_version == seen + 1
        actions = {DECISIONS[first][0], DECISIONS[second][0]}
        events = list(ClaimEvent.objects.filter(claim=claim, action__in=actions).values_list("action", flat=True))
        assert events == [action]
        emails = list(OutboundEmail.objects.filter(pk__gt=emails_before).values_list("kind", flat=True))
        assert emails == [f"claim:{action}"]
        assert (claim.rma_number is not None) == (action == "approve_return")
        _free_the_mirror(claim)


def test_a_refund_is_recorded_once_when_two_staff_press_at_once(demo):
    reviewer = staff("reviewer@imirror.demo.example")
    warehouse = staff("warehouse@imirror.demo.example")
    manager = staff("manager@imirror.demo.example")
    for _round in range(ROUNDS):
        claim = submitted_claim("IM-80010", preferred=Outcome.REFUND)
        claim = enter_tracking(claim_approve(claim_id=claim.pk, actor=reviewer, outcome=None))
        claim = claim_receive(claim_id=claim.pk, actor=warehouse, rma_number=claim.rma_number)
        claim = claim_inspect(claim_id=claim.pk, actor=warehouse, damage_value=Decimal("0"))
        assert claim.status == ClaimStatus.INSPECTED
        emails_before = _last_email_pk()

        results = _together(
            [
                lambda claim_id=claim.pk: claim_record_refund(
                    claim_id=claim_id, actor=manager, payment_reference="PAY-A"
                ),
                lambda claim_id=claim.pk: claim_record_refund(
                    claim_id=claim_id, actor=warehouse, payment_reference="PAY-B"
                ),
            ]
        )
        assert [status for status, _value in results].count("ok") == 1, results
        lost = [value for status, value in results if status == "error"]
        assert len(lost) == 1 and isinstance(lost[0], ClaimError), results  # "not possible now" or "already recorded"

        claim.refresh_from_db()
        assert claim.status == ClaimStatus.RESOLVED
        assert Refund.objects.filter(claim=claim).count() == 1
        assert Refund.objects.get(claim=claim).reference in ("PAY-A", "PAY-B")
        assert ClaimEvent.objects.filter(claim=claim, action="resolve").count() == 1
        assert list(OutboundEmail.objects.filter(pk__gt=emails_before).values_list("kind", flat=True)) == [
            "claim:resolve"
        ]
        _free_the_mirror(claim)


def test_two_drafts_for_the_same_unit_submitted_at_once_give_one_claim(demo):
    """The shopper opened the claim in two tabs (drafts don't hold the unit) and submits
    both at once: one is submitted, the other refused, never two claims for one mirror."""
    order = Order.objects.get(number="IM-80010")
    mirror = order.lines.get(product__sku="IM-SM32")
    shopper = shopper_actor(email=order.customer_email)
    drafts = []
    for _tab in range(2):
        claim = claim_start(
            store=order.store, actor=shopper, reason_code="not-satisfied", order=order, lines=[(mirror, 1)]
        )
        claim_update_draft(claim_id=claim.pk, actor=shopper, answers=IM_OK, texts={"reason": "Too big."})
        for slot, count in (("all-sides", 4), ("accessories", 1), ("packaging", 1)):
            ready_evidence(claim, slot, count)
        drafts.append(claim)

    results = _together([lambda claim_id=claim.pk: claim_submit(claim_id=claim_id, actor=shopper) for claim in drafts])
    assert [status for status, _value in results].count("ok") == 1, results
    lost = [value for status, value in results if status == "error"]
    assert len(lost) == 1 and isinstance(lost[0], ClaimError), results
    assert Claim.objects.filter(lines__order_line=mirror, status=ClaimStatus.SUBMITTED).count() == 1


# --- RMA numbers: unique under 8 threads approving 2000 claims ---------------------------------

CLAIMS = 2000
THREADS = 8


def _reference(n: int) -> str:
    """CLM- and six characters of the reference alphabet (n in base 32)."""
    chars = []
    for _ in range(6):
        n, digit = divmod(n, len(ALPHABET))
        chars.append(ALPHABET[digit])
    return "CLM-" + "".join(reversed(chars))


def _clone_submitted(base: Claim, count: int) -> list[int]:
    """Copies of a submitted claim (same policy version, rule and decision), each with
    its own reference and claim line."""
    fields = [f for f in Claim._meta.concrete_fields if not f.primary_key and f.name not in ("reference", "rma_number")]
    references = [_reference(n) for n in range(1, count + 1 + 1) if _reference(n) != base.reference][:count]
    Claim.objects.bulk_create(
        [Claim(**{f.attname: getattr(base, f.attname) for f in fields}, reference=ref) for ref in references],
        batch_size=500,
    )
    ids = list(Claim.objects.filter(reference__in=references).values_list("pk", flat=True))
    line = base.lines.get()
    ClaimLine.objects.bulk_create(
        [
            ClaimLine(claim_id=pk, order_line_id=line.order_line_id, quantity=line.quantity, decision=line.decision)
            for pk in ids
        ],
        batch_size=500,
    )
    return ids


def test_rma_numbers_stay_unique_when_eight_staff_approve_2000_claims(demo):
    started = time.monotonic()
    base = submitted_claim("IM-80010", preferred=Outcome.REFUND)
    assert (base.rule_code, base.preferred_outcome) == ("return-30", Outcome.REFUND)  # return-30 offers "refund"
    ids = [base.pk, *_clone_submitted(base, CLAIMS - 1)]
    assert len(ids) == CLAIMS
    assert Claim.objects.filter(status=ClaimStatus.SUBMITTED, rma_number__isnull=True).count() == CLAIMS
    built = time.monotonic()

    manager = staff("manager@imirror.demo.example")
    errors: list[tuple[int, BaseException]] = []
    errors_lock = threading.Lock()

    def approve_all(chunk: list[int]) -> int:
        for claim_id in chunk:
            try:
                claim_approve(claim_id=claim_id, actor=manager, outcome=None)
            except Exception as exc:
                with errors_lock:
                    errors.append((claim_id, exc))
        return len(chunk)

    chunks = [ids[n::THREADS] for n in range(THREADS)]
    assert [len(chunk) for chunk in chunks] == [CLAIMS // THREADS] * THREADS
    results = _together([lambda chunk=chunk: approve_all(chunk) for chunk in chunks], timeout=600)
    approved = time.monotonic()

    assert [status for status, _value in results] == ["ok"] * THREADS, results
    assert errors == [], f"{len(errors)} approvals failed, e.g. {errors[:3]}"
    numbers = list(Claim.objects.filter(pk__in=ids).values_list("rma_number", flat=True))
    assert len(numbers) == CLAIMS
    assert None not in numbers
    assert len(set(numbers)) == CLAIMS, "duplicate RMA numbers"
    assert all(RMA.fullmatch(number) for number in numbers), [n for n in numbers if not RMA.fullmatch(n)][:5]
    assert Claim.objects.filter(pk__in=ids, status=ClaimStatus.APPROVED_AWAITING_RETURN).count() == CLAIMS
    assert ClaimEvent.objects.filter(action="approve_return").count() == CLAIMS
    assert OutboundEmail.objects.filter(kind="claim:approve_return").count() == CLAIMS
    print(
        f"\nRMA test ({connection.vendor}): {CLAIMS} claims built in {built - started:.1f} s, "
        f"approved by {THREADS} threads in {approved - built:.1f} s, wall time {time.monotonic() - started:.1f} s"
    )


def test_rma_draws_that_clash_are_retried_under_concurrency(demo, monkeypatch):
    """Random draws from a space only three times the number of claims: many clash (often
    with a number another thread has issued but not committed yet) and are drawn again."""
    claims = 400
    base = submitted_claim("IM-80010", preferred=Outcome.REFUND)
    ids = [base.pk, *_clone_submitted(base, claims - 1)]
    draws = random.Random(20261126)  # test data, not a secret
    draws_lock = threading.Lock()
    drawn = []

    def small_randbelow(_upper: int) -> int:
        with draws_lock:
            drawn.append(draws.randrange(3 * claims))
            return drawn[-1]

    monkeypatch.setattr("claims.services.review.secrets.randbelow", small_randbelow)
    manager = staff("manager@imirror.demo.example")

    def approve_all(chunk: list[int]) -> None:
        for claim_id in chunk:
            claim_approve(claim_id=claim_id, actor=manager, outcome=None)

    results = _together(
        [lambda chunk=chunk: approve_all(chunk) for chunk in (ids[n::THREADS] for n in range(THREADS))], timeout=300
    )
    assert [status for status, _value in results] == ["ok"] * THREADS, results
    numbers = list(Claim.objects.filter(pk__in=ids).values_list("rma_number", flat=True))
    assert None not in numbers and len(set(numbers)) == claims
    assert all(RMA.fullmatch(number) for number in numbers)
    assert len(drawn) > claims, "no draw clashed: the retry was not exercised"
