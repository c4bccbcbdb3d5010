"""Order lookup: does the answer take measurably longer when the order exists?

The lookup must not reveal whether an order number + e-mail match. Both write one
look-up row and dispatch a task after commit; the worker does the matching. This
measures both through the full Django stack (test client, middleware, templates) on
a throw-away test database and reports median and p95 per case; then the worker's
match (orders.services.order_access_link_send) for a hit, a wrong e-mail and an
unknown number, with p50/p95/p99 and the queries each runs, over `orders` orders.

Run: bin/bench   (or: .venv/bin/python bench/lookup_timing.py [rounds] [orders])
"""

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("SECRET_KEY", "bench-only")
os.environ.setdefault("STATIC_MANIFEST", "false")
os.environ.setdefault("WHITENOISE_USE_FINDERS", "true")
os.environ["CELERY_TASK_ALWAYS_EAGER"] = "false"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402


def percentile(values: list[float], p: int) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(round(p / 100 * len(ordered))) - 1)]


def worker_match(*, store, rounds: int, orders: int) -> None:
    """The worker's side: one indexed query and a constant-time e-mail comparison for a
    hit and a miss alike; on a hit the link e-mail is queued (rolled back here)."""
    from django.db import transaction
    from django.test.utils import CaptureQueriesContext

    from orders.models import Order
    from orders.selectors import order_for_lookup
    from orders.services import order_access_link_send
    from tests.factories import OrderFactory

    base = OrderFactory.build(store=store)
    Order.objects.bulk_create(
        [
            Order(
                store=store, number=f"W-{n:07d}", customer_email=f"shopper{n}@example.com", currency=base.currency,
                placed_at=base.placed_at, status=base.status,
            )
            for n in range(orders)
        ],
        batch_size=5000,
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE orders_order")
    picks = [(n * 7919) % orders for n in range(rounds)]
    cases = {
        "hit": [(f"w-{n:07d} ", f"Shopper{n}@example.com") for n in picks],
        "miss: wrong e-mail": [(f"W-{n:07d}", f"other{n}@example.com") for n in picks],
        "miss: unknown number": [(f"W-9{n:07d}", f"shopper{n}@example.com") for n in picks],
    }
    def match(number, email):
        order_for_lookup(store_id=store.pk, order_number=number, email=email)

    def match_and_email(number, email):
        order_access_link_send(store_id=store.pk, order_number=number, email=email, base_url="http://bench/")

    for title, work in (("the match (order_for_lookup)", match), ("match + link e-mail queued on a hit", match_and_email)):
        print(f"worker: {title}, {rounds} each, {Order.objects.count()} orders")
        for name, values in cases.items():
            timings, queries = [], set()
            for number, email in values:
                with transaction.atomic():
                    connection.queries_log.clear()  # a full log (9,000) would count 0 queries
                    with CaptureQueriesContext(connection) as captured:
                        start = time.perf_counter()
                        work(number, email)
                        timings.append((time.perf_counter() - start) * 1000)
                    queries.add(sum("orders_order" in query["sql"] for query in captured.captured_queries))
                    transaction.set_rollback(True)
            print(
                f"  {name:<21} p50 {statistics.median(timings):6.2f} ms   p95 {percentile(timings, 95):6.2f} ms"
                f"   p99 {percentile(timings, 99):6.2f} ms   queries on orders: {sorted(queries)}"
            )


def main(rounds: int, orders: int) -> None:
    setup_test_environment()
    settings.LOOKUP_RATE_PER_IP = "100000/m"
    settings.LOOKUP_RATE_PER_ORDER = "100000/m"
    settings.ALLOWED_HOSTS = ["testserver"]
    db_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        from portal.celery import app

        # Measure the web side only: dispatching to a broker is replaced by a no-op
        # publish so the bench does not depend on a running broker.
        app.conf.task_always_eager = False
        from notifications import services

        services._dispatch = lambda email_id: None
        from orders import services as order_services

        order_services._dispatch_lookup = lambda lookup_id: None
        from tests.factories import OrderFactory

        order = OrderFactory(number="B-1", customer_email="pat@example.com")
        client = Client()
        url = f"/s/{order.store.slug}/"
        cases = {"match": ("B-1", "pat@example.com"), "miss": ("B-1", "other@example.com")}
        timings = {name: [] for name in cases}
        for number, email in cases.values():  # warm-up
            client.post(url, {"order_number": number, "email": email})
        for _ in range(rounds):
            for name, (number, email) in cases.items():
                start = time.perf_counter()
                response = client.post(url, {"order_number": number, "email": email})
                timings[name].append((time.perf_counter() - start) * 1000)
                assert response.status_code == 200
        print(f"order lookup, {rounds} rounds each, database {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}")
        for name, values in timings.items():
            values.sort()
            p95 = values[int(len(values) * 0.95) - 1]
            print(f"  {name:<6} median {statistics.median(values):6.2f} ms   p95 {p95:6.2f} ms")
        diff = statistics.median(timings["match"]) - statistics.median(timings["miss"])
        print(f"  median difference (match - miss): {diff:+.2f} ms")
        worker_match(store=order.store, rounds=rounds, orders=orders)
    finally:
        connection.creation.destroy_test_db(db_name, verbosity=0)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300, int(sys.argv[2]) if len(sys.argv) > 2 else 20_000)
