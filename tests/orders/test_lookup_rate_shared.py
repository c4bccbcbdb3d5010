"""The look-up rate limits hold across web processes: a real gunicorn with two worker
processes, sharing a private Redis as the cache, on this test's database. Whichever
worker answers, the 6th look-up from one IP within the minute gets the friendly 429."""

import http.client
import os
import re
import socket
import subprocess
import sys
import time
import zlib
from urllib.parse import urlencode

import pytest
import redis
from django.conf import settings
from django.db import connection

from tests.external import service_env
from tests.factories import StoreFactory
from tests.waiting import wait_until

PER_IP = 5  # LOOKUP_RATE_PER_IP, 5/m
TOO_MANY = "Too many attempts"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{os.path.abspath(db['NAME'])}"
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def private_redis():
    """A redis-server of this test only (no persistence): the shared cache."""
    port = _free_port()
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        env=service_env(),
    )
    client = redis.Redis(host="127.0.0.1", port=port, socket_timeout=2)

    def answers() -> bool:
        try:
            return client.ping()
        except redis.ConnectionError:
            return False

    assert wait_until(answers, timeout=10), "redis-server did not start"
    yield f"redis://127.0.0.1:{port}/0"
    server.kill()
    server.wait(timeout=10)


@pytest.fixture
def gunicorn(transactional_db, private_redis, tmp_path):
    """`gunicorn portal.wsgi --workers 2`; the access log names the worker (pid) that
    served each request."""
    port = _free_port()
    access_log = tmp_path / "access.log"
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "REDIS_URL": private_redis,
        "CELERY_BROKER_URL": private_redis,  # the look-up queues a task; no worker reads it
        "PORTAL_VAR_DIR": str(tmp_path),
        "LOOKUP_RATE_PER_IP": "5/m",
        "LOOKUP_RATE_PER_ORDER": "10/h",
    }
    with (tmp_path / "gunicorn.log").open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "portal.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2"]
            + ["--access-logfile", str(access_log), "--access-logformat", "%(p)s %(m)s %(q)s %(s)s"],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        booted = lambda: (tmp_path / "gunicorn.log").read_text().count("Booting worker") >= 2  # noqa: E731
        assert wait_until(lambda: booted() and _status(port, "GET", "/") == 200, timeout=60), (tmp_path / "gunicorn.log").read_text()
        yield port, access_log
    finally:
        server.terminate()
        server.wait(timeout=30)


def _request(port: int, method: str, path: str, body: str = "", headers: dict | None = None):
    """A new connection each time, so the kernel may hand it to either worker."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body, headers={"Connection": "close", **(headers or {})})
        response = conn.getresponse()
        return response.status, response.getheader("Set-Cookie", ""), response.read().decode()
    finally:
        conn.close()


def _status(port: int, method: str, path: str) -> int:
    try:
        return _request(port, method, path)[0]
    except OSError:
        return 0


def _seconds_left_in_ip_window() -> int:
    """django-ratelimit counts in fixed windows (per key, with a jitter): a window that
    ends mid-test would restart the count."""
    now = int(time.time())
    end = now - now % 60 + zlib.crc32(b"127.0.0.1") % 60
    return (end if end >= now else end + 60) - now


def test_per_ip_limit_is_shared_by_both_gunicorn_workers(gunicorn):
    port, access_log = gunicorn
    store = StoreFactory()
    path = f"/s/{store.slug}/"
    status, cookie, page = _request(port, "GET", path)
    assert status == 200
    csrf_cookie = re.search(r"csrftoken=([^;]+)", cookie).group(1)
    csrf_token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    assert wait_until(lambda: _seconds_left_in_ip_window() > 15, timeout=20)

    def post(n: int, *, hold_body: bool = False):
        body = urlencode({"csrfmiddlewaretoken": csrf_token, "order_number": f"NO-{n}", "email": f"guest{n}@example.com"})
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={csrf_cookie}"}
        if not hold_body:
            status, _cookie, text = _request(port, "POST", f"{path}?n={n}", body, headers)
            results[n] = (status, text)
            # gunicorn writes the access line just after the response
            assert wait_until(lambda: n in _served_by(access_log), timeout=30), access_log.read_text()
            return None
        # Headers now, the body later: the worker that accepted it waits for the body, so
        # the next look-up is served by the other worker (sync workers, one at a time).
        held = socket.create_connection(("127.0.0.1", port), timeout=30)
        head = (
            f"POST {path}?n={n} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
            + f"Content-Length: {len(body)}\r\n\r\n"
        )
        held.sendall(head.encode())
        return held, body

    results = {}  # request number -> (status, body)
    for n in range(1, PER_IP + 1):
        post(n)
    # Two more at once: one held by a worker, the other served by the other one (tried
    # again, at most five times, should the held one not have been accepted first).
    n = PER_IP
    for _attempt in range(5):
        held, held_body = post(n + 1, hold_body=True)
        time.sleep(0.5)  # let a worker accept the held connection (it then waits for the body)
        post(n + 2)
        held.sendall(held_body.encode())
        reply = b""
        while chunk := held.recv(65536):
            reply += chunk
        held.close()
        status_line, _, rest = reply.decode().partition("\r\n")
        results[n + 1] = (int(status_line.split()[1]), rest)
        assert wait_until(lambda n=n: n + 1 in _served_by(access_log), timeout=30), access_log.read_text()
        served = _served_by(access_log)
        n += 2
        if len({served[m] for m in results if m > PER_IP}) == 2:
            break
    results = dict(sorted(results.items()))

    served_by = _served_by(access_log)
    assert [results[n][0] for n in results] == [200] * PER_IP + [429] * (len(results) - PER_IP), served_by
    assert all(TOO_MANY in text for status, text in results.values() if status == 429)
    # both workers refused: neither counted only the look-ups it served itself
    refusing = {served_by[n] for n in results if n > PER_IP}
    assert len(refusing) == 2, f"one worker served every refused look-up: {served_by}"


def _served_by(access_log) -> dict[int, str]:
    """request number -> pid of the worker that served it"""
    served = {}
    for line in access_log.read_text().splitlines():
        match = re.fullmatch(r"<?(\d+)>? POST n=(\d+) \d+", line.strip())
        if match:
            served[int(match.group(2))] = match.group(1)
    return served
