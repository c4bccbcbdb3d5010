"""Order lookup: does the answer take measurably longer when the order exists?

The lookup must not reveal whether an order number + e-mail match. Both write one
look-up row and dispatch a task after commit; the worker does the matching. This
measures both through the full Django stack (test client, middleware, templates) on
a throw-away test database and reports median and p95 per case.

Run: bin/bench   (or: .venv/bin/python bench/lookup_timing.py [rounds])
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


def main(rounds: int) -> None:
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
    finally:
        connection.creation.destroy_test_db(db_name, verbosity=0)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300)
