"""Money: exact Decimal in the store's currency. Each amount shown on a line is
rounded once, when the line is made; totals are exact sums of the shown lines, so a
breakdown always adds up. A refund is never negative and never more than was paid."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

# ISO 4217 minor units that differ from 2.
_MINOR_UNITS = {"JPY": 0, "KRW": 0, "VND": 0, "CLP": 0, "ISK": 0, "HUF": 2, "BHD": 3, "KWD": 3, "OMR": 3, "JOD": 3, "TND": 3}

ZERO = Decimal("0")


def minor_units(currency: str) -> int:
    return _MINOR_UNITS.get(currency.upper(), 2)


def quantize(amount: Decimal, currency: str) -> Decimal:
    if not isinstance(amount, Decimal):
        raise TypeError("money is Decimal, never float")
    exponent = Decimal(1).scaleb(-minor_units(currency))
    return amount.quantize(exponent, rounding=ROUND_HALF_UP)


def format_money(amount: Decimal, currency: str) -> str:
    return f"{quantize(amount, currency):,} {currency.upper()}"


@dataclass(frozen=True)
class MoneyLine:
    """One line of a breakdown. `amount` is signed: credits positive, deductions
    negative. `pending` lines are shown but not counted (amount decided later)."""

    code: str
    label: str
    amount: Decimal
    kind: str = "deduction"  # base | deduction | reimbursement | compensation | cap | override | elsewhere
    pending: bool = False
    note: str = ""
    invented: bool = False


# a MoneyLine kind shown beside a refund but not part of it (an item the shopper takes
# as store credit or exchanges: settled its own way)
ELSEWHERE = "elsewhere"


@dataclass(frozen=True)
class Breakdown:
    currency: str
    lines: tuple[MoneyLine, ...] = field(default_factory=tuple)

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.counted_lines), ZERO)

    @property
    def counted_lines(self) -> tuple[MoneyLine, ...]:
        return tuple(line for line in self.lines if not line.pending and line.kind != ELSEWHERE)

    @property
    def elsewhere_lines(self) -> tuple[MoneyLine, ...]:
        return tuple(line for line in self.lines if line.kind == ELSEWHERE)

    @property
    def pending_lines(self) -> tuple[MoneyLine, ...]:
        return tuple(line for line in self.lines if line.pending)


def build_refund(
    *,
    currency: str,
    paid: Decimal,
    deductions: Iterable[tuple[str, str, Decimal, bool]],
    pending: Iterable[tuple[str, str, str]] = (),
    reimbursement: tuple[str, str, Decimal] | None = None,
    compensation: tuple[str, str, Decimal] | None = None,
) -> Breakdown:
    """A refund breakdown.

    paid: what the shopper paid for the claimed items (the base line).
    deductions: (code, label, amount >= 0, invented) subtracted in order; each is
        capped so the running total never goes below zero (the cap is its own line).
    pending: (code, label, note) shown, decided later (e.g. at inspection).
    reimbursement: (code, label, amount) of brand-paid return shipping, added on top.
    compensation: (code, label, amount) paid instead of / besides a refund.
    """
    base = quantize(paid, currency)
    if base < ZERO:
        raise ValueError("paid must not be negative")
    lines = [MoneyLine("item_price", "Price paid for the item(s)", base, kind="base")]
    running = base
    for code, label, amount, invented in deductions:
        amount = quantize(amount, currency)
        if amount < ZERO:
            raise ValueError("a deduction is a positive amount")
        applied = min(amount, running)
        if applied == ZERO and amount > ZERO:
            lines.append(MoneyLine(code, label, ZERO, note="nothing left to deduct", invented=invented))
            continue
        note = "" if applied == amount else f"capped at what is left ({applied})"
        lines.append(MoneyLine(code, label, -applied, note=note, invented=invented))
        running -= applied
    for code, label, note in pending:
        lines.append(MoneyLine(code, label, ZERO, pending=True, note=note))
    if reimbursement is not None:
        code, label, amount = reimbursement
        lines.append(MoneyLine(code, label, quantize(amount, currency), kind="reimbursement"))
    if compensation is not None:
        code, label, amount = compensation
        lines.append(MoneyLine(code, label, quantize(amount, currency), kind="compensation"))
    return Breakdown(currency=currency.upper(), lines=tuple(lines))


def percent_of(amount: Decimal, percent: Decimal) -> Decimal:
    if not (ZERO <= percent <= Decimal(100)):
        raise ValueError("percent must be between 0 and 100")
    return amount * percent / Decimal(100)
