"""Benchmark data: many orders and claims over the four demo stores, written fast.

`bench_seed` makes N orders (1–3 lines, the KWOKING bundle with its gift) for shoppers
with several orders each (every tenth one signed up, with a verified e-mail), and N
claims in every state of claims.states.ClaimStatus with the clocks the write path would
have set for that state, 2–4 audit events each, and about 1 % due now for the SLA
sweep (review overdue, ship-by passed, ship reminders, refunds overdue, finished claims
to close). The claims copy their decision, answers and rule from the demo claims of
their store (made through the real services by demo_load), so the pages render real
decisions.

Rows are generated in Python with a fixed random seed and streamed with PostgreSQL
COPY (psycopg 3). Every concrete column of a model is written: the ones set here, the
others with the field's default (read from `_meta`), so a new nullable or defaulted
column does not break the seed. Stored values follow the normalisation rules (e-mails
lower-case, order numbers, references, RMA and tracking numbers upper-case) and
`Claim.next_due_at` is filled when the field exists.

Bench rows are the ones with an e-mail at BENCH_DOMAIN; `bench_drop` deletes them.
"""

import json
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, models, transaction
from django.utils import timezone

from claims.models import REFERENCE_ALPHABET, Claim, ClaimEvent, ClaimLine, ClaimMessage
from claims.states import DECISION_COMMANDS, OPEN_STATES, ClaimStatus, Role
from demo.brands import BRANDS
from demo.services import ADMIN_EMAIL, DEMO_PASSWORD, demo_load
from orders.models import Order, OrderLine, Store

BENCH_DOMAIN = "bench.example"
SEED = 13
ORDERS_PER_SHOPPER = 5
SIGNED_UP_EVERY = 10  # every tenth shopper has an account
DUE_EVERY = 100  # 1 % of the claims are due for the SLA sweep
DUE_KINDS = ("review", "ship_by", "ship_reminder", "refund", "close")

NOT_POSTGRESQL = "bench_seed needs PostgreSQL (it writes with COPY); DATABASE_URL points at %(vendor)s."
TEST_DATABASE = (
    "bench_seed refuses the database %(name)r: benchmarks use their own database "
    "(default postgres://postgres@127.0.0.1:5432/portal_bench), never a test database."
)

S = ClaimStatus
# the share of each state among the claims that are not due (sums to 100)
STATE_WEIGHTS = {
    S.DRAFT: 2,
    S.SUBMITTED: 26,
    S.NEEDS_INFO: 5,
    S.APPEALED: 2,
    S.APPROVED_AWAITING_RETURN: 12,
    S.APPROVED_NO_RETURN: 4,
    S.IN_TRANSIT: 8,
    S.RECEIVED: 4,
    S.INSPECTED: 3,
    S.RESOLVED: 10,
    S.REJECTED: 6,
    S.EXPIRED: 2,
    S.WITHDRAWN: 4,
    S.CLOSED: 12,
}
# the steps that led to each state (the audit events; at most four are written)
PATHS = {
    S.DRAFT: ["start"],
    S.SUBMITTED: ["start", "submit"],
    S.NEEDS_INFO: ["start", "submit", "request_info"],
    S.APPEALED: ["start", "submit", "reject", "appeal"],
    S.APPROVED_AWAITING_RETURN: ["start", "submit", "approve_return"],
    S.APPROVED_NO_RETURN: ["start", "submit", "approve_no_return"],
    S.IN_TRANSIT: ["start", "submit", "approve_return", "ship"],
    S.RECEIVED: ["start", "submit", "approve_return", "ship", "receive"],
    S.INSPECTED: ["start", "submit", "approve_return", "ship", "receive", "inspect"],
    S.RESOLVED: ["start", "submit", "approve_no_return", "resolve"],
    S.REJECTED: ["start", "submit", "reject"],
    S.EXPIRED: ["start", "submit", "approve_return", "expire"],
    S.WITHDRAWN: ["start", "submit", "withdraw"],
    S.CLOSED: ["start", "submit", "approve_no_return", "resolve", "close"],
}
TARGET = {
    "start": S.DRAFT,
    "submit": S.SUBMITTED,
    "request_info": S.NEEDS_INFO,
    "reject": S.REJECTED,
    "appeal": S.APPEALED,
    "approve_return": S.APPROVED_AWAITING_RETURN,
    "approve_no_return": S.APPROVED_NO_RETURN,
    "ship": S.IN_TRANSIT,
    "receive": S.RECEIVED,
    "inspect": S.INSPECTED,
    "resolve": S.RESOLVED,
    "expire": S.EXPIRED,
    "withdraw": S.WITHDRAWN,
    "close": S.CLOSED,
}
STAFF_ACTIONS = {
    "request_info": Role.REVIEWER,
    "reject": Role.REVIEWER,
    "approve_return": Role.REVIEWER,
    "approve_no_return": Role.REVIEWER,
    "receive": Role.WAREHOUSE,
    "inspect": Role.WAREHOUSE,
    "resolve": Role.MANAGER,
    "close": Role.REVIEWER,
}
# the review deadline a decision was due by, after the submission (about the demo's 2–3 working days)
REVIEW_DAYS = timedelta(days=3)
# carrier, tracking number prefix, digits after it (the demo policies' patterns)
CARRIERS = [("UPS", "1Z", 16), ("USPS", "9400", 18), ("FedEx", "", 12), ("DHL Express", "", 10)]


class BenchRefused(Exception):
    """The database is not one the bench may write to."""


def bench_database_check(*, test_database_ok: bool = False) -> None:
    """PostgreSQL only, and never a database named test or test_*, unless the caller
    created that test database itself (`test_database_ok`)."""
    if connection.vendor != "postgresql":
        raise BenchRefused(NOT_POSTGRESQL % {"vendor": connection.vendor})
    name = connection.settings_dict["NAME"] or ""
    if (name == "test" or name.startswith("test_")) and not test_database_ok:
        raise BenchRefused(TEST_DATABASE % {"name": name})


# --- writing every concrete column of a model with COPY ------------------------------------


class _Table:
    """COPY rows of a model: the columns the seed sets, then every other concrete column
    with its field's default (auto_now fields: the seed's moment).

    `templated` columns (the decision documents, kilobytes each) are not sent per row:
    the rows go to a temporary table with the number of their template, and one
    INSERT ... SELECT joins the template's stored value in (PostgreSQL copies the
    compressed value instead of parsing and compressing it again a million times)."""

    def __init__(self, model: type[models.Model], columns: list[str], now: datetime, templated: dict[str, str] | None = None):
        self.model = model
        self.templated = templated or {}
        concrete = {f.column: f for f in model._meta.concrete_fields}
        self.columns = [c for c in columns if c in concrete and c not in self.templated]
        self.rest = [c for c in concrete if c not in self.columns and c not in self.templated]
        self.tail = tuple(_column_default(concrete[c], now) for c in self.rest)

    def write(self, cursor, rows: Iterable[tuple]) -> int:
        """`rows`: the set columns in order (templated ones left out), then, for a
        templated table, the template's number."""
        quote = connection.ops.quote_name
        table = quote(self.model._meta.db_table)
        names = ", ".join(quote(c) for c in [*self.columns, *self.rest])
        tail, count = self.tail, 0
        if not self.templated:
            with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row + tail)
                    count += 1
            return count
        stage = quote(f"bench_stage_{self.model._meta.db_table}")
        cursor.execute(f"CREATE TEMP TABLE {stage} ON COMMIT DROP AS SELECT {names} FROM {table} WITH NO DATA")  # noqa: S608 - names from _meta
        cursor.execute(f"ALTER TABLE {stage} ADD COLUMN bench_template integer")
        with cursor.copy(f"COPY {stage} ({names}, bench_template) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row[:-1] + tail + row[-1:])
                count += 1
        staged = ", ".join(f"s.{quote(c)}" for c in [*self.columns, *self.rest])
        templated = ", ".join(quote(c) for c in self.templated)
        values = ", ".join(f"t.{quote(v)}" for v in self.templated.values())
        cursor.execute(
            f"INSERT INTO {table} ({names}, {templated}) SELECT {staged}, {values} "  # noqa: S608 - names from _meta
            f"FROM {stage} s JOIN bench_templates t ON t.id = s.bench_template"
        )
        cursor.execute(f"DROP TABLE {stage}")
        return count


class _IndexesLater:
    """Bulk loading: the tables' plain indexes are dropped first and built again at the
    end (one sort each instead of a million inserts), in the seed's transaction. Unique
    and primary keys (constraints) stay. The definitions come from the catalogue, so an
    index another migration adds is rebuilt as it was."""

    def __init__(self, cursor, models_: Iterable[type[models.Model]]):
        self.cursor = cursor
        self.definitions: list[str] = []
        for model in models_:
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = %s "
                "AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)",
                [model._meta.db_table, model._meta.db_table],
            )
            for name, definition in cursor.fetchall():
                cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
                self.definitions.append(definition)

    def rebuild(self) -> int:
        for definition in self.definitions:
            self.cursor.execute(definition)
        return len(self.definitions)


def _column_default(f: models.Field, now: datetime):
    if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
        return now
    value = f.get_default()
    if value is None and not f.null:
        raise RuntimeError(f"bench_seed does not know what to write in {f.model.__name__}.{f.name} (no default)")
    if isinstance(f, models.JSONField):
        return json.dumps(value)
    return value


def _next_ids(model: type[models.Model]) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {connection.ops.quote_name(model._meta.db_table)}")  # noqa: S608 - a model's table
        return cursor.fetchone()[0]


def _sync_sequence(cursor, model: type[models.Model]) -> None:
    table = model._meta.db_table
    cursor.execute(
        f"SELECT setval(pg_get_serial_sequence(%s, 'id'), (SELECT COALESCE(MAX(id), 1) FROM {connection.ops.quote_name(table)}))",  # noqa: S608 - a model's table
        [table],
    )


def _code(n: int, alphabet: str, length: int, multiplier: int, offset: int) -> str:
    """A unique-looking code for n (a bijection of [0, len(alphabet)**length))."""
    base = len(alphabet)
    x = (n * multiplier + offset) % base**length
    chars = []
    for _ in range(length):
        x, digit = divmod(x, base)
        chars.append(alphabet[digit])
    return "".join(chars)


# --- the stores as the seed needs them -----------------------------------------------------


@dataclass
class _Template:
    """A demo claim of the store: what a bench claim copies (reason, rule, decision)."""

    reason_code: str
    reason_label: str
    rule_code: str
    decision: str
    answers: str
    texts: str
    preferred_outcome: str
    outcome: str
    policy_version_id: int
    line_decision: str
    requested_slot: str
    number: int = 0


@dataclass
class _Store:
    pk: int
    slug: str
    prefix: str
    currency: str
    close_after_days: int
    products: list[tuple[int, Decimal]]
    bundle: list[tuple[int, Decimal, bool]]
    templates: list[_Template]
    staff: dict[str, tuple[int, str]] = field(default_factory=dict)


def _stores() -> list[_Store]:
    User = get_user_model()
    result = []
    numbered = 0
    for brand in BRANDS:
        store = Store.objects.get(slug=brand["slug"])
        products = {p.sku: p for p in store.products.all()}
        bundle_lines = [(products[sku].pk, Decimal(price), len(rest) > 1 and bool(rest[1])) for order in brand["orders"] for sku, _q, price, *rest in order[7] if rest]
        templates = []
        for claim in Claim.objects.filter(store=store).exclude(rule_code="").exclude(decision={}).order_by("pk"):
            line = claim.lines.order_by("pk").first()
            rule = next((r for r in claim.decision.get("rules", []) if r.get("rule_code") == claim.rule_code), {})
            slots = [s["code"] for s in rule.get("evidence_slots", []) if s.get("kind") != "text"]
            templates.append(
                _Template(
                    reason_code=claim.reason_code,
                    reason_label=claim.reason_label,
                    rule_code=claim.rule_code,
                    decision=json.dumps(claim.decision),
                    answers=json.dumps(claim.answers),
                    texts=json.dumps(claim.texts),
                    preferred_outcome=claim.preferred_outcome,
                    outcome=claim.outcome or claim.preferred_outcome or (rule.get("outcomes") or ["refund"])[0],
                    policy_version_id=claim.policy_version_id,
                    line_decision=json.dumps(line.decision if line else {}),
                    requested_slot=slots[0] if slots else "",
                    number=numbered,
                )
            )
            numbered += 1
        if not templates:
            raise RuntimeError(f"bench_seed: the demo store {store.slug} has no demo claims to copy; run demo_load first")
        staff = {}
        for role in (Role.REVIEWER, Role.WAREHOUSE, Role.MANAGER):
            email = f"{role}@{store.slug}.demo.example"
            staff[role] = (User.objects.get(email=email).pk, email)
        result.append(
            _Store(
                pk=store.pk,
                slug=store.slug,
                prefix=brand["orders"][0][0].split("-")[0],
                currency=store.currency,
                close_after_days=store.close_claims_after_days,
                products=[(p.pk, p.price) for p in products.values() if p.price > 0],
                bundle=bundle_lines,
                templates=templates,
                staff=staff,
            )
        )
    return result


# --- seed -----------------------------------------------------------------------------------


@dataclass
class SeedResult:
    orders: int
    claims: int
    seconds: float
    rows: dict[str, int]
    due: dict[str, int]


def bench_counts() -> tuple[int, int]:
    """(orders, claims) of the bench data in this database."""
    like = f"%@{BENCH_DOMAIN}"
    return _count("orders_order", "customer_email", like), _count("claims_claim", "shopper_email", like)


def bench_seeded_at() -> datetime | None:
    """About when the bench data was seeded (its latest state change is minutes before)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT MAX(status_changed_at) FROM claims_claim WHERE shopper_email LIKE %s", [f"%@{BENCH_DOMAIN}"])
        return cursor.fetchone()[0]


def _count(table: str, column: str, like: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {table} WHERE {column} LIKE %s", [like])  # noqa: S608 - names from this module
        return cursor.fetchone()[0]


def shopper_email(n: int) -> str:
    return f"shopper{n:07d}@{BENCH_DOMAIN}"


def bench_seed(*, orders: int, claims: int, test_database_ok: bool = False, log: Callable[[str], None] = print) -> SeedResult:
    """Write `orders` orders and `claims` claims (see the module docstring), then VACUUM (ANALYZE)."""
    bench_database_check(test_database_ok=test_database_ok)
    started = time.perf_counter()
    if not Claim.objects.exclude(rule_code="").exists() or not Store.objects.filter(slug=BRANDS[0]["slug"]).exists():
        log("demo stores, policies and claims (demo_load) ...")
        demo_load()
    stores = _stores()
    now = timezone.now().replace(microsecond=0)
    rng = random.Random(SEED)
    rows: dict[str, int] = {}
    due: dict[str, int] = dict.fromkeys(DUE_KINDS, 0)
    shoppers = max(orders // ORDERS_PER_SHOPPER, 1)
    with transaction.atomic(), connection.cursor() as django_cursor:
        cursor = django_cursor.cursor  # psycopg's own cursor: copy()
        cursor.execute("SET LOCAL synchronous_commit = off")
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        _skip_foreign_key_checks(cursor)
        _templates_table(cursor, stores)
        indexes = _IndexesLater(cursor, [Order, OrderLine, Claim, ClaimLine, ClaimEvent])
        user_ids = _seed_users(cursor, shoppers, now, rows)
        log(f"  users: {rows['users']:,} ({time.perf_counter() - started:.1f} s)")
        order_facts = _seed_orders(cursor, rng, stores, orders, shoppers, user_ids, now, rows)
        log(f"  orders: {rows['orders']:,}, lines: {rows['order_lines']:,} ({time.perf_counter() - started:.1f} s)")
        _seed_claims(cursor, rng, stores, order_facts, claims, now, rows, due)
        log(f"  claims: {rows['claims']:,}, lines: {rows['claim_lines']:,}, events: {rows['events']:,} ({time.perf_counter() - started:.1f} s)")
        rebuilt = indexes.rebuild()
        log(f"  {rebuilt} indexes built ({time.perf_counter() - started:.1f} s)")
        for model in (get_user_model(), EmailAddress, Order, OrderLine, Claim, ClaimLine, ClaimEvent, ClaimMessage):
            _sync_sequence(cursor, model)
    # VACUUM too where it can run (not inside a transaction): freshly copied rows have no
    # hint bits and no visibility map yet, so the first reads would write every page and
    # index-only scans could not be used; a table in service is vacuumed by autovacuum.
    # The tables searched at scale (claims, orders) only: the others are read by index.
    vacuum = not connection.in_atomic_block
    with connection.cursor() as cursor:
        for model in (get_user_model(), EmailAddress, Order, OrderLine, Claim, ClaimLine, ClaimEvent, ClaimMessage):
            command = "VACUUM (ANALYZE)" if vacuum and model in (Order, Claim) else "ANALYZE"
            cursor.execute(f"{command} {connection.ops.quote_name(model._meta.db_table)}")
    seconds = time.perf_counter() - started
    log(f"  {'VACUUM (ANALYZE) of claims and orders, ' if vacuum else ''}ANALYZE done ({seconds:.1f} s)")
    return SeedResult(orders=orders, claims=claims, seconds=seconds, rows=rows, due=due)


def _skip_foreign_key_checks(cursor) -> None:
    """The rows are made consistent here; checking each foreign key of millions of rows
    (a trigger per row) is skipped where the role may (a superuser: replica mode)."""
    cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    if cursor.fetchone()[0]:
        cursor.execute("SET LOCAL session_replication_role = replica")


def _templates_table(cursor, stores: list["_Store"]) -> None:
    """The demo claims' documents, once, for the INSERT ... SELECT of claims and lines."""
    cursor.execute(
        "CREATE TEMP TABLE bench_templates (id integer PRIMARY KEY, decision jsonb, answers jsonb, texts jsonb, line_decision jsonb) ON COMMIT DROP"
    )
    for store in stores:
        for template in store.templates:
            cursor.execute(
                "INSERT INTO bench_templates VALUES (%s, %s, %s, %s, %s)",
                [template.number, template.decision, template.answers, template.texts, template.line_decision],
            )


def _seed_users(cursor, shoppers: int, now: datetime, rows: dict) -> dict[int, int]:
    """Every SIGNED_UP_EVERY-th shopper has an account with a verified e-mail."""
    User = get_user_model()
    password = make_password(DEMO_PASSWORD)  # hashed once: all bench accounts share it
    first_user, first_address = _next_ids(User), _next_ids(EmailAddress)
    signed_up = list(range(0, shoppers, SIGNED_UP_EVERY))
    user_ids = {n: first_user + i for i, n in enumerate(signed_up)}
    users = _Table(User, ["id", "email", "password", "is_active", "is_staff", "is_superuser", "date_joined"], now)
    rows["users"] = users.write(
        cursor,
        ((user_ids[n], shopper_email(n), password, True, False, False, now - timedelta(days=400 - n % 300)) for n in signed_up),
    )
    addresses = _Table(EmailAddress, ["id", "user_id", "email", "verified", "primary"], now)
    addresses.write(cursor, ((first_address + i, user_ids[n], shopper_email(n), True, True) for i, n in enumerate(signed_up)))
    return user_ids


@dataclass
class _OrderFacts:
    first_id: int
    store: list[int]  # index into stores
    first_line: list[int]
    lines: list[int]
    delivered: list[datetime]
    shopper: list[int]
    user_ids: dict[int, int]
    line_quantity: list[int]


def _seed_orders(cursor, rng, stores, count: int, shoppers: int, user_ids, now: datetime, rows: dict) -> _OrderFacts:
    first_order, first_line = _next_ids(Order), _next_ids(OrderLine)
    facts = _OrderFacts(first_order, [], [], [], [], [], user_ids, [])
    line_rows: list[tuple] = []
    order_table = _Table(
        Order,
        [
            "id", "store_id", "number", "customer_email", "customer_name", "channel", "status", "currency",
            "shipping_charged", "shipping_name", "shipping_address", "shipping_country", "placed_at", "paid_at",
            "processed_at", "shipped_at", "picked_up_at", "delivered_at", "created_at", "updated_at",
        ],
        now,
    )
    line_table = _Table(OrderLine, ["id", "order_id", "product_id", "quantity", "unit_price", "discount", "bundle_group", "is_gift"], now)
    channels = ["online"] * 17 + ["offline", "authorized_reseller", "crowdfunding"]
    shipping = Decimal("7.95")
    address = "742 Evergreen Terrace\nSpringfield, OR 97477"

    def order_rows():
        line_id = first_line
        for i in range(count):
            s = i % len(stores)
            store = stores[s]
            shopper = i % shoppers
            email = shopper_email(shopper)
            name = f"Shopper {shopper}"
            placed = now - timedelta(days=60 + rng.random() * 360, seconds=rng.randrange(86400))
            delivered = placed + timedelta(days=3 + rng.randrange(5))
            if store.bundle and rng.random() < 0.15:
                lines = [(pid, price, 1, "B1", gift) for pid, price, gift in store.bundle]
            else:
                picked = rng.sample(store.products, k=min(len(store.products), 1 + int(rng.random() ** 2 * 3)))
                lines = [(pid, price, 1 + (rng.random() < 0.1), "", False) for pid, price in picked]
            facts.store.append(s)
            facts.first_line.append(line_id)
            facts.lines.append(len(lines))
            facts.delivered.append(delivered)
            facts.shopper.append(shopper)
            facts.line_quantity.append(lines[0][2])
            for pid, price, quantity, group, gift in lines:
                line_rows.append((line_id, first_order + i, pid, quantity, price, Decimal("0.00"), group, gift))
                line_id += 1
            yield (
                first_order + i, store.pk, f"{store.prefix}-B{i:07d}", email, name, channels[i % len(channels)], "delivered",
                store.currency, shipping, name, address, "US", placed, placed, placed + timedelta(hours=20),
                placed + timedelta(days=1), placed + timedelta(days=1), delivered, placed, delivered,
            )
            if len(line_rows) >= 50_000:  # keep memory flat: lines follow in their own COPY
                pending.append(list(line_rows))
                line_rows.clear()

    pending: list[list[tuple]] = []
    rows["orders"] = order_table.write(cursor, order_rows())
    pending.append(line_rows)
    rows["order_lines"] = line_table.write(cursor, (row for chunk in pending for row in chunk))
    return facts


def _seed_claims(cursor, rng, stores, orders: _OrderFacts, count: int, now: datetime, rows: dict, due: dict) -> None:
    first_claim, first_line, first_event, first_message = _next_ids(Claim), _next_ids(ClaimLine), _next_ids(ClaimEvent), _next_ids(ClaimMessage)
    taken_refs = set(Claim.objects.exclude(reference=None).values_list("reference", flat=True))
    taken_rmas = set(Claim.objects.exclude(rma_number=None).values_list("rma_number", flat=True))
    has_next_due = any(f.name == "next_due_at" for f in Claim._meta.concrete_fields)
    claim_columns = [
        "id", "store_id", "reference", "status", "row_version", "shopper_user_id", "shopper_email", "assignee_id", "order_id",
        "reason_code", "reason_label", "answers", "texts", "preferred_outcome", "policy_version_id", "rule_code", "decision",
        "outcome", "resolution", "rejection_reason", "appeal_used", "rma_number", "return_carrier", "return_tracking_number",
        "submitted_at", "review_due_at", "review_paused_at", "review_remaining_seconds", "decided_at", "ship_by_at",
        "shipped_back_at", "received_at", "inspected_at", "refund_due_at", "resolved_at", "closed_at", "status_changed_at",
        "inspection", "ship_reminder_level", "review_escalation_level", "review_escalation_clock", "review_escalated_at",
        "refund_overdue_flagged_at", "created_at", "updated_at",
    ]
    if has_next_due:
        claim_columns.append("next_due_at")
    if any(f.name == "first_decided_at" for f in Claim._meta.concrete_fields):
        claim_columns.append("first_decided_at")
    documents = {"decision": "decision", "answers": "answers", "texts": "texts"}
    claim_columns = [c for c in claim_columns if c not in documents]
    claim_table = _Table(Claim, claim_columns, now, templated=documents)
    line_table = _Table(ClaimLine, ["id", "claim_id", "order_line_id", "quantity", "staff_decision"], now, templated={"decision": "line_decision"})
    event_table = _Table(
        ClaimEvent,
        ["id", "claim_id", "action", "from_status", "to_status", "actor_user_id", "actor_role", "actor_label", "note", "data", "review_due_at", "created_at"],
        now,
    )
    message_table = _Table(ClaimMessage, ["id", "claim_id", "author_user_id", "author_role", "body", "internal", "requested_slots", "created_at"], now)
    states = list(STATE_WEIGHTS)
    weights = list(STATE_WEIGHTS.values())
    open_states = set(OPEN_STATES)
    lines_out: list[tuple] = []
    events_out: list[tuple] = []
    messages_out: list[tuple] = []
    counters = {"line": first_line, "event": first_event, "message": first_message}
    hour = timedelta(hours=1)

    def claim_rows():
        for k in range(count):
            o = k % len(orders.store)
            store = stores[orders.store[o]]
            template = store.templates[k % len(store.templates)]
            shopper = orders.shopper[o]
            email = shopper_email(shopper)
            kind = DUE_KINDS[(k // DUE_EVERY) % len(DUE_KINDS)] if k % DUE_EVERY == DUE_EVERY // 2 else ""
            status = _due_status(rng, kind) if kind else rng.choices(states, weights)[0]
            c = dict.fromkeys(claim_columns)
            c.update(
                id=first_claim + k, store_id=store.pk, status=status, shopper_email=email, order_id=orders.first_id + o,
                shopper_user_id=orders.user_ids.get(shopper) if rng.random() < 0.7 else None,
                reason_code=template.reason_code, reason_label=template.reason_label,
                preferred_outcome=template.preferred_outcome, policy_version_id=template.policy_version_id, rule_code=template.rule_code,
                outcome="", resolution="", rejection_reason="", appeal_used=False,
                return_carrier="", return_tracking_number="", inspection="{}", ship_reminder_level=0, review_escalation_level=0,
            )
            # when the claim entered its state, and when it was submitted (before that)
            age = _state_age(rng, status, kind, store)
            changed = now - age
            created = changed - timedelta(days=rng.random() * 6, minutes=5 + rng.randrange(120)) if status != S.DRAFT else changed
            created = max(created, orders.delivered[o] + hour)
            changed = max(changed, created)
            submitted = None if status == S.DRAFT else created + timedelta(minutes=5 + rng.randrange(60))
            if submitted is not None and submitted > changed:
                submitted = changed
            path = PATHS[status]
            steps = _step_times(path, created, submitted, changed)
            c.update(created_at=created, updated_at=changed, status_changed_at=changed, submitted_at=submitted, row_version=len(path) - 1)
            if status != S.DRAFT:
                c["reference"] = _unique(lambda n: "CLM-" + _code(n, REFERENCE_ALPHABET, 6, 387_420_489, 777_777), k, taken_refs)
            if rng.random() < 0.3 and status != S.DRAFT:
                c["assignee_id"] = store.staff[Role.REVIEWER][0]
            _clocks(c, rng, status, kind, now, steps, store, template, k, taken_rmas)
            if has_next_due:
                c["next_due_at"] = (
                    min((t for t in (c["review_due_at"], c["ship_by_at"], c["refund_due_at"]) if t is not None), default=None)
                    if status in open_states
                    else None
                )
            if kind:
                due[kind] += 1
            claim_id = c["id"]
            # claim lines: the whole bundle, else the first line of the order
            n_lines = orders.lines[o] if store.bundle and orders.lines[o] == len(store.bundle) else 1
            decided = status not in (S.DRAFT, S.SUBMITTED, S.NEEDS_INFO, S.APPEALED)
            for j in range(n_lines):
                lines_out.append(
                    (counters["line"], claim_id, orders.first_line[o] + j, orders.line_quantity[o] if j == 0 else 1, "accepted" if decided else "pending", template.number)
                )
                counters["line"] += 1
            _events(events_out, counters, claim_id, path, steps, email, store, status)
            if status == S.NEEDS_INFO:
                body = "Could you add a photo of the item and its serial number?"
                slots = json.dumps([template.requested_slot] if template.requested_slot else [])
                messages_out.append((counters["message"], claim_id, store.staff[Role.REVIEWER][0], Role.REVIEWER.value, body, False, slots, steps[-1]))
                counters["message"] += 1
            yield (*(c[name] for name in claim_columns), template.number)

    rows["claims"] = claim_table.write(cursor, claim_rows())
    rows["claim_lines"] = line_table.write(cursor, lines_out)
    rows["events"] = event_table.write(cursor, events_out)
    rows["messages"] = message_table.write(cursor, messages_out)


def _unique(make: Callable[[int], str], n: int, taken: set[str]) -> str:
    """The code for n; on the rare clash with a demo claim's random code, another one."""
    code = make(n)
    while code in taken:
        n += 1_000_000_007
        code = make(n)
    return code


def _due_status(rng, kind: str) -> str:
    if kind == "review":
        return S.SUBMITTED if rng.random() < 0.9 else S.APPEALED
    if kind in ("ship_by", "ship_reminder"):
        return S.APPROVED_AWAITING_RETURN
    if kind == "refund":
        return S.INSPECTED if rng.random() < 0.5 else S.APPROVED_NO_RETURN
    return rng.choice([S.RESOLVED, S.REJECTED, S.EXPIRED, S.WITHDRAWN])


def _state_age(rng, status: str, kind: str, store: _Store) -> timedelta:
    """How long ago the claim entered its state."""
    if status in (S.RESOLVED, S.REJECTED, S.EXPIRED, S.WITHDRAWN):
        if kind == "close":  # past the store's waiting time: the sweep closes it
            return timedelta(days=store.close_after_days + 1 + rng.random() * 20)
        return timedelta(days=rng.random() * (store.close_after_days - 1))
    if status == S.CLOSED:
        return timedelta(days=1 + rng.random() * 300)
    return timedelta(hours=1 + rng.random() * 24 * 12)


def _step_times(path: list[str], created: datetime, submitted: datetime | None, changed: datetime) -> list[datetime]:
    """A time for each step: start, submit, then spread until the last change."""
    times = [created]
    if len(path) > 1:
        times.append(submitted)
        rest = len(path) - 2
        for n in range(1, rest + 1):
            times.append(submitted + (changed - submitted) * n / rest)
    return times


def _clocks(c: dict, rng, status: str, kind: str, now: datetime, steps: list[datetime], store: _Store, template: _Template, k: int, taken_rmas: set) -> None:
    """The clock and marker fields as the write path leaves them in this state."""
    hour, day = timedelta(hours=1), timedelta(days=1)
    path = PATHS[status]
    at = dict(zip(path, steps, strict=True))
    if "approve_return" in at or "approve_no_return" in at or "reject" in at:
        c["decided_at"] = at.get("approve_return") or at.get("approve_no_return") or at.get("reject")
    decisions = [moment for step, moment in at.items() if step in DECISION_COMMANDS]
    if decisions:
        c["first_decided_at"] = min(decisions)  # as its decision events tell
    if "approve_return" in at or "approve_no_return" in at:
        c["outcome"] = template.outcome
    if "approve_return" in at:
        c["rma_number"] = _unique(lambda n: "RMA" + _code(n, "0123456789", 9, 387_420_489, 123_456_789), k, taken_rmas)
    if "ship" in at:
        carrier, prefix, digits = CARRIERS[k % len(CARRIERS)]
        c["return_carrier"] = carrier
        c["return_tracking_number"] = prefix + _code(k, "0123456789", digits, 3_486_784_401, 42)
        c["shipped_back_at"] = at["ship"]
    if "receive" in at:
        c["received_at"] = at["receive"]
    if "inspect" in at:
        c["inspected_at"] = at["inspect"]
        c["inspection"] = json.dumps({"missing_accessories": [], "improper_packaging": False, "damage_value": "0", "defect_confirmed": None, "notes": "All parts present."})
    if "reject" in at:
        c["rejection_reason"] = "Condition not met"
    if "appeal" in at:
        c["appeal_used"] = True
    if "resolve" in at:
        c["resolved_at"] = at["resolve"]
        c["resolution"] = "refunded"
    if "close" in at:
        c["closed_at"] = at["close"]

    if status in (S.SUBMITTED, S.APPEALED):
        if kind == "review":
            c["review_due_at"] = now - timedelta(minutes=10 + rng.randrange(60 * 20))
        elif rng.random() < 0.15:  # overdue, both escalations already sent
            due_at = now - timedelta(days=2 + rng.random() * 8)
            c.update(review_due_at=due_at, review_escalation_level=2, review_escalation_clock=due_at, review_escalated_at=due_at + hour)
        else:
            c["review_due_at"] = now + timedelta(hours=1 + rng.random() * 24 * 5)
    elif status == S.NEEDS_INFO:
        c["review_paused_at"] = steps[-1]
        c["review_remaining_seconds"] = 3600 + rng.randrange(3 * 8 * 3600)
    elif status == S.APPROVED_AWAITING_RETURN:
        if kind == "ship_by":
            c["ship_by_at"] = now - timedelta(minutes=1 + rng.randrange(60 * 12))
        elif kind == "ship_reminder":
            c["ship_by_at"] = now + timedelta(hours=1 + rng.random() * 46)
        else:
            ship_by = now + timedelta(hours=1 + rng.random() * 24 * 14)
            c["ship_by_at"] = ship_by
            # the reminders already due by now were sent
            c["ship_reminder_level"] = 2 if ship_by <= now + 24 * hour else 1 if ship_by <= now + 48 * hour else 0
        # approved well before the reminders were due (so they are e-mailed)
        c["decided_at"] = min(c["decided_at"], c["ship_by_at"] - 3 * day)
    elif status == S.IN_TRANSIT:
        c["ship_by_at"] = c["decided_at"] + 14 * day  # shipping does not clear it
    elif status == S.EXPIRED:
        c["ship_by_at"] = steps[-1] - timedelta(minutes=5)
    elif status in (S.RECEIVED, S.INSPECTED, S.APPROVED_NO_RETURN):
        if kind == "refund":
            c["refund_due_at"] = now - timedelta(hours=1 + rng.random() * 24 * 3)
        elif rng.random() < 0.1:  # overdue and already flagged to the managers
            due_at = now - timedelta(days=1 + rng.random() * 10)
            c.update(refund_due_at=due_at, refund_overdue_flagged_at=due_at + hour)
        elif status != S.RECEIVED or rng.random() < 0.5:
            c["refund_due_at"] = now + timedelta(hours=2 + rng.random() * 24 * 10)


def _events(out: list, counters: dict, claim_id: int, path: list[str], steps: list[datetime], email: str, store: _Store, status: str) -> None:
    """The audit events: the first two steps and the last two (2–4 per claim; a draft has its start).
    A decision keeps the review deadline it was due by: REVIEW_DAYS after the submission."""
    indexes = list(range(len(path)))
    if len(indexes) > 4:
        indexes = indexes[:2] + indexes[-2:]
    previous = ""
    for n in indexes:
        action = path[n]
        role = STAFF_ACTIONS.get(action)
        if action == "expire":
            user_id, label, role = None, "system", Role.SYSTEM
        elif role is None:
            user_id, label, role = None, email, Role.SHOPPER
        else:
            user_id, label = store.staff[role]
        source = PATHS[status][n - 1] if n else ""
        previous = TARGET[source] if source else ""
        due = steps[path.index("submit")] + REVIEW_DAYS if action in DECISION_COMMANDS else None
        out.append((counters["event"], claim_id, action, previous, TARGET[action], user_id, role.value, label, "", "{}", due, steps[n]))
        counters["event"] += 1


# --- drop -----------------------------------------------------------------------------------


def bench_drop(*, test_database_ok: bool = False) -> dict[str, int]:
    """Delete the bench rows (e-mails at BENCH_DOMAIN) and what hangs off them."""
    bench_database_check(test_database_ok=test_database_ok)
    like = f"%@{BENCH_DOMAIN}"
    deleted = {}
    claims = "SELECT id FROM claims_claim WHERE shopper_email LIKE %s"
    orders = "SELECT id FROM orders_order WHERE customer_email LIKE %s"
    users = "SELECT id FROM accounts_user WHERE email LIKE %s"
    steps = [
        ("claim events", f"DELETE FROM claims_claimevent WHERE claim_id IN ({claims})"),  # noqa: S608 - constant SQL
        ("claim lines", f"DELETE FROM claims_claimline WHERE claim_id IN ({claims})"),  # noqa: S608 - constant SQL
        ("claim messages", f"DELETE FROM claims_claimmessage WHERE claim_id IN ({claims})"),  # noqa: S608 - constant SQL
        ("evidence", f"DELETE FROM claims_evidencefile WHERE claim_id IN ({claims})"),  # noqa: S608 - constant SQL
        ("refunds", f"DELETE FROM claims_refund WHERE claim_id IN ({claims})"),  # noqa: S608 - constant SQL
        ("claims", "DELETE FROM claims_claim WHERE shopper_email LIKE %s"),
        ("order lines", f"DELETE FROM orders_orderline WHERE order_id IN ({orders})"),  # noqa: S608 - constant SQL
        ("shipments", f"DELETE FROM orders_shipment WHERE order_id IN ({orders})"),  # noqa: S608 - constant SQL
        ("webhook events", f"UPDATE orders_webhookevent SET order_id = NULL WHERE order_id IN ({orders})"),  # noqa: S608 - constant SQL
        ("orders", "DELETE FROM orders_order WHERE customer_email LIKE %s"),
        ("order look-ups", "DELETE FROM orders_orderlookuprequest WHERE email LIKE %s"),
        ("e-mails", "DELETE FROM notifications_outboundemail WHERE \"to\" LIKE %s"),
        ("e-mail addresses", f"DELETE FROM account_emailaddress WHERE user_id IN ({users})"),  # noqa: S608 - constant SQL
        ("users", "DELETE FROM accounts_user WHERE email LIKE %s"),
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        for what, sql in steps:
            cursor.execute(sql, [like])
            deleted[what] = cursor.rowcount
    return deleted


def bench_logins() -> list[tuple[str, str]]:
    """The logins a benchmark uses (password DEMO_PASSWORD for all)."""
    logins = [(ADMIN_EMAIL, "superuser, every store")]
    for brand in BRANDS:
        for role in (Role.REVIEWER, Role.MANAGER):
            logins.append((f"{role}@{brand['slug']}.demo.example", f"{role}, {brand['name']}"))
    logins.append((shopper_email(0), f"shopper with {ORDERS_PER_SHOPPER} orders and their claims"))
    return logins
