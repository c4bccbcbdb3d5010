"""`make run` stops within 10 s: web, worker and beat started by bin/procfile from the
Procfile, on the embedded defaults in a private var folder, then SIGTERM (a supervisor)
or SIGINT (Ctrl-C) to the whole process group; every process of the group must be gone
within 10 s, without anyone sending SIGKILL from outside."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]
STOP_LIMIT = 10.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _embedded_env(var_dir: Path, **extra) -> dict:
    """What `make run` gives its processes: no service URLs, everything in var/."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "EMAIL_URL")}
    env.update(PORTAL_VAR_DIR=str(var_dir), SECRET_KEY="run-stop-test", STATIC_MANIFEST="false", WHITENOISE_USE_FINDERS="true")
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def var_dir(tmp_path_factory):
    """A migrated embedded database, as bin/run leaves it before starting the Procfile."""
    folder = tmp_path_factory.mktemp("run-var")
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=ROOT, env=_embedded_env(folder), check=True, timeout=300,
    )
    return folder


def _group(pgid: int) -> list[str]:
    """Processes of the group that still run (a zombie has stopped: only its parent's
    wait is missing)."""
    out = subprocess.run(["ps", "-e", "-o", "pid=,pgid=,stat=,args="], capture_output=True, text=True, check=True).stdout
    alive = []
    for line in out.splitlines():
        pid, group, stat, args = line.split(None, 3)
        if int(group) == pgid and not stat.startswith("Z"):
            alive.append(f"{pid} {args}")
    return alive


def _web_answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_every_process_stops_within_10_s(var_dir, tmp_path, stop_signal):
    port = _free_port()
    log = tmp_path / "run.log"
    env = _embedded_env(var_dir, PORT=str(port), PORTAL_BASE_URL=f"http://127.0.0.1:{port}")
    with log.open("w") as out:
        # `exec bin/procfile Procfile` is how bin/run ends; a session of its own makes it
        # the leader of the group that Ctrl-C or a supervisor signals.
        run = subprocess.Popen(["bin/procfile", "Procfile"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        def started() -> bool:
            text = log.read_text()
            return "celery@" in text and " ready." in text and "beat: Starting" in text and _web_answers(port)

        assert wait_until(started, timeout=120, interval=0.5), log.read_text()[-3000:]
        assert run.poll() is None, log.read_text()[-3000:]

        sent = time.monotonic()
        os.killpg(run.pid, stop_signal)

        def all_gone() -> bool:
            run.poll()  # reap the leader once it exits
            return not _group(run.pid)

        gone = wait_until(all_gone, timeout=STOP_LIMIT, interval=0.1)
        took = time.monotonic() - sent
        assert gone, f"still running {took:.1f} s after {stop_signal.name}: {_group(run.pid)}\n{log.read_text()[-3000:]}"
        print(f"{stop_signal.name}: all stopped in {took:.1f} s")
    finally:
        if _group(run.pid):
            os.killpg(run.pid, signal.SIGKILL)
        run.wait(timeout=10)
