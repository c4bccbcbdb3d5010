"""Services a test starts for itself (a private redis-server) are not ours: they run
on the machine's real clock. A suite run with the clock moved (bin/test with
PORTAL_TEST_CLOCK_OFFSET_DAYS, i.e. under libfaketime) moves our processes only;
redis-server aborts under libfaketime, and its clock does not matter to a test."""

import os

FAKETIME_VARIABLES = ("LD_PRELOAD", "FAKETIME", "FAKETIME_DONT_FAKE_MONOTONIC", "DYLD_INSERT_LIBRARIES")


def service_env() -> dict[str, str]:
    return {key: value for key, value in os.environ.items() if key not in FAKETIME_VARIABLES}
