"""The claim draft: how long a shopper waits for the decision to follow an answer.

Each answer on the draft page posts the answers form (live-decision.js) and gets the
decision panel back; the page itself is rendered on load and after a rule change.
This measures both through the full Django stack (test client, session, middleware,
templates, the policy engine) on a throw-away test database with the demo stores, for
drafts of one, two and three order lines (a bundle with its gift), and reports median
and p95 per case. Answers alternate so every save changes something.

Run: bin/bench   (or: .venv/bin/python bench/draft_decision_timing.py [rounds])
"""

import contextlib
import io
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("SECRET_KEY", "bench-only")
os.environ.setdefault("STATIC_MANIFEST", "false")
os.environ.setdefault("WHITENOISE_USE_FINDERS", "true")
os.environ["CELERY_TASK_ALWAYS_EAGER"] = "false"
warnings.filterwarnings("ignore", message="No directory at")  # static files come from the finders

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

LIVE = {"X-Requested-With": "fetch", "Accept": "application/json"}

# (case, order, reason, lines taken, the answers that flip between saves)
CASES = [
    ("IMIRROR, 1 line, 4 questions", "IM-80010", "not-satisfied", 1, ["no-cosmetic-damage", "original-box", "complete-set", "packaging-undamaged"]),
    ("Voltaic, 2 lines, 4 questions", "VC-70020", "change-of-demand", 2, ["unused", "untested", "unprogrammed", "packaging-intact"]),
    ("KWOKING, 3 lines (bundle + gift), 2 questions", "KW-50002", "changed-mind", 3, ["mint", "unused"]),
]


def _p95(values: list[float]) -> float:
    return sorted(values)[max(int(len(values) * 0.95) - 1, 0)]


def main(rounds: int) -> None:
    setup_test_environment()
    settings.ALLOWED_HOSTS = ["testserver"]
    db_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        from claims.actors import shopper_actor
        from claims.services import claim_start
        from demo.services import demo_load
        from orders.guest_access import SESSION_KEY
        from orders.models import Order

        with contextlib.redirect_stdout(io.StringIO()):  # the demo logins
            demo_load(with_claims=False)
        print(f"claim draft decision, {rounds} rounds each, database {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}")
        for name, number, reason, taken, questions in CASES:
            order = Order.objects.get(number=number)
            lines = list(order.lines.order_by("pk"))[:taken]
            claim = claim_start(
                store=order.store, actor=shopper_actor(email=order.customer_email), reason_code=reason, order=order, lines=[(line, line.quantity) for line in lines]
            )
            client = Client()
            session = client.session
            session[SESSION_KEY] = [order.pk]
            session.save()
            url = f"/claims/{claim.pk}/draft/"
            saves, pages = [], []
            for n in range(rounds + 5):  # the first five warm up
                answer = "yes" if n % 2 else "no"
                start = time.perf_counter()
                response = client.post(url, {**{f"q_{q}": answer for q in questions}, "save": "1"}, headers=LIVE)
                saved = (time.perf_counter() - start) * 1000
                assert response.status_code == 200, response.status_code
                start = time.perf_counter()
                response = client.get(url)
                rendered = (time.perf_counter() - start) * 1000
                assert response.status_code == 200, response.status_code
                if n >= 5:
                    saves.append(saved)
                    pages.append(rendered)
            print(f"  {name}")
            print(f"    answer saved, panel back  median {statistics.median(saves):6.2f} ms   p95 {_p95(saves):6.2f} ms")
            print(f"    whole draft page          median {statistics.median(pages):6.2f} ms   p95 {_p95(pages):6.2f} ms")
    finally:
        connection.creation.destroy_test_db(db_name, verbosity=0)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
