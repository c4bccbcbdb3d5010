import os
import shutil
import sys
import threading
import uuid
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker
from django.core.cache import cache

from portal.celery import app as celery_app

# Every test session gets its own queue, so a message left on a shared broker by an
# earlier run can never reach this run's worker (or the reverse).
TEST_QUEUE = f"test-{uuid.uuid4().hex[:8]}"


def pytest_configure(config):
    from django.conf import settings

    test_db = settings.DATABASES["default"].get("TEST", {}).get("NAME")
    if test_db and settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        Path(test_db).parent.mkdir(parents=True, exist_ok=True)
    # Hashing demo passwords with PBKDF2 would dominate the run; tests don't need it.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    celery_app.conf.task_default_queue = TEST_QUEUE
    celery_app.conf.task_routes = {
        pattern: {"queue": f"{TEST_QUEUE}-{route['queue']}"} for pattern, route in settings.CELERY_TASK_ROUTES.items()
    }
    celery_app.conf.task_always_eager = False


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters must not leak from one test into the next, nor the engine's
    view of a policy version: on SQLite a rolled-back version's id comes back, and with
    the clock frozen at the same moment so does its publication time (its cache key)."""
    from policies import selectors as policy_selectors

    _clear_cache()
    policy_selectors._policy_data_cache.clear()
    yield
    _clear_cache()
    policy_selectors._policy_data_cache.clear()


def _clear_cache() -> None:
    backend = cache._cache if hasattr(cache, "_cache") else None
    if backend is not None and hasattr(backend, "get_client"):
        client = backend.get_client(write=True)
        prefix = cache.make_key("")
        keys = list(client.scan_iter(match=f"{prefix}*"))
        if keys:
            client.delete(*keys)
    else:
        cache.clear()


@pytest.fixture(scope="session")
def celery_session_worker():
    """A real Celery worker (a thread of this process) on the configured broker:
    Redis when REDIS_URL is set, else the filesystem transport."""
    queues = [TEST_QUEUE, *{route["queue"] for route in celery_app.conf.task_routes.values()}]
    running = start_worker(
        celery_app,
        queues=queues,
        pool="solo",
        concurrency=1,
        perform_ping_check=False,
        loglevel="WARNING",
        shutdown_timeout=10,
    )
    worker = running.__enter__()
    yield worker
    if os.environ.get("FAKETIME"):
        # The suite runs with the clock moved (bin/test, PORTAL_TEST_CLOCK_OFFSET_DAYS):
        # under libfaketime a thread join with a timeout waits on the real monotonic
        # clock for a deadline taken from the moved one, i.e. for days. The worker
        # thread is a daemon; the process ends without joining it (pytest_unconfigure).
        _KEPT_UNTIL_EXIT.append(running)
        return
    running.__exit__(None, None, None)


_KEPT_UNTIL_EXIT: list = []


def pytest_sessionfinish(session, exitstatus):
    session.config._portal_exitstatus = exitstatus


def pytest_unconfigure(config):
    """With the clock moved, end the process once pytest has reported: finalising the
    kept worker would join its thread (see celery_session_worker)."""
    stuck = [
        thread.name
        for thread in threading.enumerate()
        if thread is not threading.main_thread() and not thread.daemon and thread.is_alive()
    ]
    if stuck:
        # A test left a thread running (e.g. it failed before telling the thread to
        # stop): Python would wait for it at exit and CI would hang until its timeout.
        # Say so and end with pytest's status instead.
        print(f"\nthreads still running after the suite: {', '.join(stuck)}", file=sys.stderr)
    if _KEPT_UNTIL_EXIT or stuck:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(int(getattr(config, "_portal_exitstatus", 1)))


@pytest.fixture
def celery_worker(celery_session_worker, transactional_db):
    """Tasks run in another thread with its own connection: they need committed data."""
    return celery_session_worker


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    # bin/test sets PLAYWRIGHT_CHROMIUM; a plain `pytest` finds the system Chromium itself.
    executable = os.environ.get("PLAYWRIGHT_CHROMIUM") or next(
        filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))), ""
    )
    args = {
        **browser_type_launch_args,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }
    if executable and executable != "playwright":
        args["executable_path"] = executable
    return args
