import time


def wait_until(predicate, timeout: float = 90.0, interval: float = 0.05) -> bool:
    """Poll until predicate() is true; for work done by the real Celery worker."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False
