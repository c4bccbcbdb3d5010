"""At scale: the staff queue, search, guest lookup, "My orders and claims", the managers' insights, the SLA sweep
and the shopper pages on N orders and N claims (default 1,000,000; BENCH_CLAIMS or
--claims) over the four demo stores, 1 % due.

Runs against its own PostgreSQL database (BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/portal_bench; created and migrated when missing),
seeded by demo.bench (manage.py bench_seed) unless the same scale is already there.
Requests go through the Django test client (force_login, the full middleware stack);
each line prints p50/p95/p99 in ms and the queries per request. The SLA sweep runs with
1 % of the claims due, then again with none due; the due claims are restored after, so
the benchmark can run again. The shopper claim page and order page are compared with a
bare view (bench/urls.py) by wrk against gunicorn started as the Procfile starts it.
The slowest query of the slowest line is shown with EXPLAIN (ANALYZE, BUFFERS). At the
end the table is printed again in Markdown.

Run: make bench   (or: .venv/bin/python bench/scale.py [--claims N] [--rounds R])
Nothing here asserts a timing.
"""

import argparse
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections import deque
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/portal_bench"
os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL") or DEFAULT_DATABASE_URL
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
os.environ.setdefault("SECRET_KEY", "bench-only")
os.environ.setdefault("PORTAL_VAR_DIR", str(ROOT / "var" / "bench"))
os.environ["DEBUG"] = "false"
os.environ["STATIC_MANIFEST"] = "false"
os.environ["WHITENOISE_USE_FINDERS"] = "true"
os.environ["CELERY_TASK_ALWAYS_EAGER"] = "false"
# tasks are published in process and never run: the measurements stay in this process
os.environ["CELERY_BROKER_URL"] = "memory://"


def _create_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            print(f"creating database {name}")
            conn.execute(f'CREATE DATABASE "{name}"')


_create_database(os.environ["DATABASE_URL"])

import warnings  # noqa: E402

import django  # noqa: E402

warnings.filterwarnings("ignore", message="No directory at")  # static files come from the finders
django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from claims.models import Claim, ClaimEvent, ClaimMessage  # noqa: E402
from claims.sla import sla_sweep  # noqa: E402
from claims.states import AUTO_CLOSE_STATES, REVIEW_CLOCK_STATES, ClaimStatus  # noqa: E402
from demo.bench import BENCH_DOMAIN, bench_counts, bench_drop, bench_seed, bench_seeded_at, shopper_email  # noqa: E402
from notifications.models import OutboundEmail  # noqa: E402
from orders.models import Order, OrderLookupRequest, Store  # noqa: E402
from orders.services import order_access_link_request, order_lookup_process  # noqa: E402


@dataclass
class Line:
    what: str
    timings: list[float] = field(default_factory=list)
    queries: int | None = None
    slowest_sql: str = ""
    slowest_ms: float = 0.0
    note: str = ""

    def pct(self, p: float) -> float:
        values = sorted(self.timings)
        return values[min(len(values) - 1, max(0, round(p / 100 * len(values)) - 1))] if values else float("nan")


LINES: list[Line] = []


def _measure(what: str, call, *, rounds: int, budget: float, note: str = "") -> Line:
    """One capture run (queries, the slowest query), then timed rounds: at least five,
    at most `rounds`, stopping after `budget` seconds."""
    call()  # warm up
    with CaptureQueriesContext(connection) as captured:
        call()
    line = Line(what, queries=len(captured.captured_queries), note=note)
    if captured.captured_queries:
        slowest = max(captured.captured_queries, key=lambda q: float(q["time"]))
        line.slowest_sql, line.slowest_ms = slowest["sql"], float(slowest["time"]) * 1000
    started = time.perf_counter()
    for n in range(rounds):
        t = time.perf_counter()
        call()
        line.timings.append((time.perf_counter() - t) * 1000)
        if n >= 4 and time.perf_counter() - started > budget:
            break
    LINES.append(line)
    print(f"  {what:<58} p50 {line.pct(50):8.1f}  p95 {line.pct(95):8.1f}  p99 {line.pct(99):8.1f} ms  {line.queries:>6} queries  (n={len(line.timings)})", flush=True)
    return line


def _get(client: Client, url: str):
    def call():
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"GET {url}: {response.status_code} {response.get('Location', '')}".rstrip())
        return response

    return call


# --- the data --------------------------------------------------------------------------------


STALE_AFTER = timedelta(hours=6)


def ensure_data(claims: int, reseed: bool) -> float | None:
    """Migrate, then seed N orders and N claims unless that scale is there already (or
    `reseed`: the clocks are relative to the seed's moment, so as days pass more claims
    fall due than the 1 % seeded)."""
    call_command("migrate", verbosity=0)
    if bench_counts() == (claims, claims) and not reseed:
        seeded_at = bench_seeded_at()
        print(f"bench data already there: {claims:,} orders and claims, seeded about {seeded_at:%Y-%m-%d %H:%M} UTC")
        if seeded_at is not None and timezone.now() - seeded_at > STALE_AFTER:
            print("  note: the clocks have moved on since the seed, so more than 1 % is due; --reseed (BENCH_RESEED=1) seeds again")
        return None
    if bench_counts() != (0, 0):
        print("dropping the bench data there ...", flush=True)
        bench_drop()
    print(f"seeding {claims:,} orders and {claims:,} claims ...", flush=True)
    result = bench_seed(orders=claims, claims=claims, log=lambda text: print(text, flush=True))
    print(f"seeded in {result.seconds:.1f} s; due: {result.due}")
    return result.seconds


@dataclass
class Subjects:
    store: Store
    reviewer: object
    superuser: object
    shopper: object
    claim: Claim  # a claim of the reviewer's store with an RMA and a return tracking number
    shopper_claim: Claim
    shopper_order: Order
    reason_code: str


def subjects() -> Subjects:
    User = get_user_model()
    store = Store.objects.get(slug="iwalk")
    claim = (
        Claim.objects.filter(store=store, status=ClaimStatus.IN_TRANSIT, shopper_email__endswith=f"@{BENCH_DOMAIN}")
        .select_related("order")
        .order_by("pk")
        .first()
    )
    shopper = User.objects.get(email=shopper_email(0))
    shopper_claim = Claim.objects.filter(shopper_email=shopper.email).exclude(reference=None).select_related("store", "order").order_by("pk").first()
    return Subjects(
        store=store,
        reviewer=User.objects.get(email=f"reviewer@{store.slug}.demo.example"),
        superuser=User.objects.filter(is_superuser=True).order_by("pk").first(),
        shopper=shopper,
        claim=claim,
        shopper_claim=shopper_claim,
        shopper_order=shopper_claim.order,
        reason_code=claim.reason_code,
    )


# --- the staff queue --------------------------------------------------------------------------


def bench_admin(s: Subjects, rounds: int, budget: float) -> None:
    print("admin claims queue (GET /admin/claims/claim/, test client, full middleware)")
    searches = [
        ("search reference", s.claim.reference),
        ("search RMA number", s.claim.rma_number),
        ("search order number", s.claim.order.number),
        ("search e-mail", s.claim.shopper_email),
        ("search tracking (exact)", s.claim.return_tracking_number),
        ("search tracking (prefix)", s.claim.return_tracking_number[:8]),
    ]
    filters = [("clock=overdue", "clock=overdue"), ("clock=today", "clock=today"), ("clock=24h", "clock=24h"), ("reason filter", f"reason_code={s.reason_code}")]
    for who, user in (("reviewer", s.reviewer), ("superuser", s.superuser)):
        client = Client()
        client.force_login(user)
        base = "/admin/claims/claim/"
        _measure(f"admin index (claims by store), {who}", _get(client, "/admin/"), rounds=rounds, budget=budget)
        _measure(f"queue, {who}", _get(client, base), rounds=rounds, budget=budget)
        for label, term in searches:
            _measure(f"queue, {who}, {label}", _get(client, f"{base}?q={term}"), rounds=rounds, budget=budget)
        for label, query in filters:
            _measure(f"queue, {who}, {label}", _get(client, f"{base}?{query}"), rounds=rounds, budget=budget)


# --- guest lookup -------------------------------------------------------------------------------


def bench_lookup(s: Subjects, rounds: int, budget: float) -> None:
    print("guest order lookup")
    order = s.claim.order
    base_url = settings.PORTAL_BASE_URL
    cases = {"match": (order.number, order.customer_email), "miss": (order.number, "someone-else@example.com")}

    def worker(number: str, email: str):
        def call():
            # the web side's row, then the worker's task; rolled back (no e-mail is kept)
            with transaction.atomic():
                lookup = order_access_link_request(store=order.store, order_number=number, email=email, base_url=base_url)
                started = time.perf_counter()
                order_lookup_process(lookup_id=lookup.pk)
                elapsed = time.perf_counter() - started
                transaction.set_rollback(True)
            return elapsed

        return call

    for name, (number, email) in cases.items():
        call = worker(number, email)
        call()
        with CaptureQueriesContext(connection) as captured:
            call()
        line = Line(f"lookup, worker's match ({name})", note="order_lookup_process")
        line.queries = len(captured.captured_queries)
        slowest = max(captured.captured_queries, key=lambda q: float(q["time"]))
        line.slowest_sql, line.slowest_ms = slowest["sql"], float(slowest["time"]) * 1000
        line.timings = [call() * 1000 for _ in range(max(rounds * 10, 200))]
        LINES.append(line)
        print(f"  {line.what:<58} p50 {line.pct(50):8.2f}  p95 {line.pct(95):8.2f}  p99 {line.pct(99):8.2f} ms  {line.queries:>6} queries (with the row and the e-mail)")

    settings.LOOKUP_RATE_PER_IP = "1000000/m"
    settings.LOOKUP_RATE_PER_ORDER = "1000000/m"
    client = Client()
    url = f"/s/{order.store.slug}/"
    for name, (number, email) in cases.items():

        def post(number=number, email=email):
            response = client.post(url, {"order_number": number, "email": email})
            if response.status_code != 200:
                raise SystemExit(f"POST {url}: {response.status_code}")

        _measure(f"lookup, web POST ({name})", post, rounds=rounds * 5, budget=budget)
    OrderLookupRequest.objects.filter(order_number=order.number).delete()


# --- My orders and claims -------------------------------------------------------------------------


def bench_my_orders(s: Subjects, rounds: int, budget: float) -> None:
    print('"My orders and claims"')
    client = Client()
    client.force_login(s.shopper)
    orders = Order.objects.filter(customer_email=s.shopper.email).count()
    claims = Claim.objects.filter(shopper_email=s.shopper.email).count()
    _measure(f"my orders, shopper with {orders} orders, {claims} claims", _get(client, "/account/orders/"), rounds=rounds, budget=budget)


# --- insights for managers --------------------------------------------------------------------------


def bench_insights(s: Subjects, rounds: int, budget: float) -> None:
    """The worker's daily count (claims.services.insights_days): every day of every store
    (the nightly run), then the hourly run with nothing new; then the managers' insights
    page (/admin/insights/) of the reviewer's store, per preset period: counted on every
    request (the cache emptied first: the closed days read from the daily tables, today
    counted), then as kept for INSIGHTS_CACHE_SECONDS."""
    from django.core.cache import cache

    from claims.services.insights_days import insights_days_refresh_all

    print("insights' daily count (claims.tasks.insights_days_task)")
    started = time.perf_counter()
    counted = insights_days_refresh_all(everything=True)
    nightly = Line(
        "insights' daily count, every day of every store (nightly)",
        timings=[(time.perf_counter() - started) * 1000],
        note=f"{sum(c.days for c in counted):,} store-days",
    )
    LINES.append(nightly)
    print(f"  {nightly.what:<58} {nightly.timings[0]:8.1f} ms  ({nightly.note})", flush=True)
    _measure("insights' daily count, nothing new (hourly)", insights_days_refresh_all, rounds=rounds, budget=budget)

    print("insights (GET /admin/insights/, a store's manager)")
    client = Client()
    client.force_login(get_user_model().objects.get(email=f"manager@{s.store.slug}.demo.example"))
    in_store = Claim.objects.filter(store=s.store).count()
    for days in (30, 90, 365):
        page = _get(client, f"/admin/insights/?store={s.store.pk}&days={days}")

        def counted(page=page):
            cache.clear()
            return page()

        what = f"insights, {days} days ({in_store:,} claims in the store)"
        _measure(f"{what}, counted", counted, rounds=rounds, budget=budget)
        _measure(f"{what}, kept", page, rounds=rounds, budget=budget)


# --- the SLA sweep ---------------------------------------------------------------------------------


@dataclass
class SweepResult:
    due_ms: float
    due_queries: int
    due_counts: dict
    idle_ms: float
    idle_queries: int
    idle_counts: dict


def bench_sweep() -> SweepResult:
    """The sweep with 1 % due, then with none due; the due claims are restored after."""
    print("SLA sweep (claims.sla.sla_sweep)")
    now = timezone.now()
    due = (
        "(status = %s AND ship_by_at <= %s) OR (status = ANY(%s) AND review_due_at < %s) "
        "OR (refund_due_at < %s AND refund_overdue_flagged_at IS NULL) OR (status = ANY(%s) AND status_changed_at < %s)"
    )
    close_days = min(Store.objects.values_list("close_claims_after_days", flat=True))
    params = [
        ClaimStatus.APPROVED_AWAITING_RETURN, now + timedelta(hours=49), list(REVIEW_CLOCK_STATES), now + timedelta(hours=1),
        now + timedelta(hours=1), list(AUTO_CLOSE_STATES), now + timedelta(hours=1) - timedelta(days=close_days),
    ]
    marks = {model: (model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) for model in (ClaimEvent, ClaimMessage, OutboundEmail)}
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_sweep_backup")
        cursor.execute(f"CREATE TEMP TABLE bench_sweep_backup AS SELECT * FROM claims_claim WHERE {due}", params)
        cursor.execute("SELECT COUNT(*) FROM bench_sweep_backup")
        backed_up = cursor.fetchone()[0]
    try:
        results = [_timed_sweep()]
        # what fell due meanwhile, or was left for the next sweep (a batch limit), until nothing is
        for extra in range(1, 21):
            if not _acted(results[-1][2]):
                break
            results.append(_timed_sweep())
            print(f"  sweep again ({extra}): {_acted(results[-1][2]):,} acted on, {results[-1][0]:,.0f} ms, {results[-1][1]:,} queries")
    finally:
        _restore(backed_up, marks)
    results = [results[0], results[-1]]
    (due_ms, due_q, due_counts), (idle_ms, idle_q, idle_counts) = results
    print(f"  sweep, {_acted(due_counts):,} claims acted on: {due_ms:,.0f} ms, {due_q:,} queries  {due_counts}")
    print(f"  sweep, nothing due: {idle_ms:,.1f} ms, {idle_q} queries  {idle_counts}")
    return SweepResult(due_ms, due_q, due_counts, idle_ms, idle_q, idle_counts)


def _acted(counts: dict) -> int:
    return sum(v for k, v in counts.items() if isinstance(v, int) and k != "errors")


def _timed_sweep() -> tuple[float, int, dict]:
    """One sweep: ms, queries (as the test suite counts them, BEGIN/COMMIT included; the
    log is unbounded here, a sweep may run more than the 9,000 Django keeps), and what
    it reports."""
    connection.queries_log = deque()
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        counts = sla_sweep()
        elapsed = (time.perf_counter() - started) * 1000
    executed = len(captured.captured_queries)
    connection.queries_log = deque(maxlen=connection.queries_limit)
    return elapsed, executed, counts


def _restore(backed_up: int, marks: dict) -> None:
    """Put the due claims back as they were; delete the events, messages and e-mails the sweep wrote."""
    columns = [f.column for f in Claim._meta.concrete_fields if f.column != "id"]
    assignments = ", ".join(f'"{c}" = b."{c}"' for c in columns)
    with transaction.atomic(), connection.cursor() as cursor:
        for model, last in marks.items():
            model.objects.filter(pk__gt=last).delete()
        cursor.execute(f"UPDATE claims_claim c SET {assignments} FROM bench_sweep_backup b WHERE c.id = b.id")
        restored = cursor.rowcount
        cursor.execute("DROP TABLE bench_sweep_backup")
    print(f"  restored {restored:,} of {backed_up:,} claims the sweep could touch")


# --- the shopper pages against a bare view: wrk against gunicorn as in the Procfile --------------


@dataclass
class PageResult:
    url: str
    requests_per_second: float
    errors: str = ""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _procfile_web() -> str:
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.startswith("web:"):
            return line.split(":", 1)[1].strip()
    raise SystemExit("Procfile has no web: line")


def bench_pages(s: Subjects, seconds: int) -> list[PageResult]:
    print(f"shopper pages vs a bare view: wrk -t2 -c8 -d{seconds}s against gunicorn as in the Procfile")
    wrk = subprocess.run(["bash", "-c", "command -v wrk"], capture_output=True, text=True).stdout.strip()
    if not wrk:
        print("  wrk is not installed (apt-get install wrk): skipped")
        return []
    client = Client()
    client.force_login(s.shopper)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    port = _free_port()
    env = {**os.environ, "PORT": str(port), "ALLOWED_HOSTS": "127.0.0.1,localhost", "DJANGO_SETTINGS_MODULE": "bench.settings"}
    command = _procfile_web()
    print(f"  {command}  (PORT={port}, DJANGO_SETTINGS_MODULE=bench.settings)")
    log = open(Path(settings.VAR_DIR) / "bench-gunicorn.log", "w")  # noqa: SIM115 - closed below
    server = subprocess.Popen(["bash", "-c", f"exec {command}"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    urls = [
        ("bare view (login + one indexed row + 3 KB template)", f"/bench/bare/{s.shopper_claim.reference}/"),
        ("shopper claim page", f"/s/{s.shopper_claim.store.slug}/claims/{s.shopper_claim.reference}/"),
        ("shopper order page", f"/s/{s.shopper_order.store.slug}/orders/{s.shopper_order.number}/"),
    ]
    results = []
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/", timeout=2)  # noqa: S310 - our own server
                break
            except OSError:
                time.sleep(0.2)
        opener = urllib.request.build_opener(_NoRedirect)
        for _label, path in urls:
            request = urllib.request.Request(base + path, headers={"Cookie": cookie})
            with opener.open(request, timeout=10) as response:
                if response.status != 200:
                    raise SystemExit(f"{path}: {response.status}")
        for label, path in urls:
            out = subprocess.run(
                [wrk, "-t2", "-c8", f"-d{seconds}s", "-H", f"Cookie: {cookie}", base + path], capture_output=True, text=True, check=True
            ).stdout
            rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
            errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
            result = PageResult(label, rate, f"{errors.group(1)} non-2xx" if errors else "")
            results.append(result)
            print(f"  {label:<58} {rate:8.1f} req/s {result.errors}", flush=True)
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=20)
        log.close()
    bare = results[0].requests_per_second if results else 0
    for result in results[1:]:
        print(f"  {result.url} / bare: {result.requests_per_second / bare:.2f}")
    return results


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        raise SystemExit(f"{req.full_url} redirected ({code}) to {newurl}: the session cookie is not accepted")


# --- report ---------------------------------------------------------------------------------------


def explain_slowest() -> None:
    timed = [line for line in LINES if line.timings and line.slowest_sql]
    if not timed:
        return
    line = max(timed, key=lambda item: item.pct(50))
    print(f"\nslowest line: {line.what} (p50 {line.pct(50):.1f} ms); its slowest query ({line.slowest_ms:.1f} ms):")
    print(f"  {line.slowest_sql[:2000]}")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + line.slowest_sql)
        plan = [row[0] for row in cursor.fetchall()]
        transaction.set_rollback(True)
    print("EXPLAIN (ANALYZE, BUFFERS):")
    for row in plan:
        print(f"  {row}")


def markdown(claims: int, seed_seconds: float | None, sweep: SweepResult | None, pages: list[PageResult]) -> None:
    print(f"\n### Benchmark at {claims:,} orders and {claims:,} claims ({os.cpu_count()} CPUs, PostgreSQL, {time.strftime('%Y-%m-%d')})\n")
    if seed_seconds is not None:
        print(f"Seeded in {seed_seconds:.0f} s.\n")
    print("| what | p50 ms | p95 ms | p99 ms | queries | n |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for line in LINES:
        print(f"| {line.what} | {line.pct(50):.1f} | {line.pct(95):.1f} | {line.pct(99):.1f} | {line.queries} | {len(line.timings)} |")
    if sweep is not None:
        print(f"| SLA sweep, {_acted(sweep.due_counts):,} due | {sweep.due_ms:,.0f} | | | {sweep.due_queries:,} | 1 |")
        print(f"| SLA sweep, 0 due | {sweep.idle_ms:,.1f} | | | {sweep.idle_queries} | 1 |")
    if pages:
        bare = pages[0].requests_per_second
        print("\n| page (wrk, gunicorn as in the Procfile) | req/s | of bare |")
        print("| --- | ---: | ---: |")
        for page in pages:
            print(f"| {page.url} {page.errors} | {page.requests_per_second:.1f} | {page.requests_per_second / bare:.2f} |")


SECTIONS = ("admin", "lookup", "my_orders", "insights", "sweep", "pages")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--claims", type=int, default=int(os.environ.get("BENCH_CLAIMS") or 1_000_000))
    parser.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_ROUNDS") or 30), help="Timed requests per line (at most).")
    parser.add_argument("--line-seconds", type=float, default=float(os.environ.get("BENCH_LINE_SECONDS") or 10), help="Time budget per line.")
    parser.add_argument("--wrk-seconds", type=int, default=int(os.environ.get("BENCH_WRK_SECONDS") or 10))
    parser.add_argument(
        "--only", default=os.environ.get("BENCH_ONLY") or ",".join(SECTIONS), help=f"Comma-separated sections (default all): {', '.join(SECTIONS)}."
    )
    parser.add_argument("--reseed", action="store_true", default=os.environ.get("BENCH_RESEED") == "1", help="Drop and seed again.")
    args = parser.parse_args()
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    print(f"database {connection.settings_dict['NAME']} on {connection.settings_dict['HOST'] or 'localhost'}")
    seed_seconds = ensure_data(args.claims, args.reseed)
    only = {name.strip() for name in args.only.split(",")}
    unknown = only - set(SECTIONS)
    if unknown:
        raise SystemExit(f"unknown sections: {', '.join(sorted(unknown))} (choose from {', '.join(SECTIONS)})")
    s = subjects()
    if "admin" in only:
        bench_admin(s, args.rounds, args.line_seconds)
    if "lookup" in only:
        bench_lookup(s, args.rounds, args.line_seconds)
    if "my_orders" in only:
        bench_my_orders(s, args.rounds, args.line_seconds)
    if "insights" in only:
        bench_insights(s, args.rounds, args.line_seconds)
    sweep = bench_sweep() if "sweep" in only else None
    pages = bench_pages(s, args.wrk_seconds) if "pages" in only else []
    explain_slowest()
    markdown(args.claims, seed_seconds, sweep, pages)


if __name__ == "__main__":
    main()
