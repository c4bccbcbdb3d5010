"""The benchmark's settings: the portal's, with the benchmark's own URLconf (the bare
comparison view lives only there) and its templates. Nothing here changes the portal."""

from portal.settings import *  # noqa: F403
from portal.settings import BASE_DIR, TEMPLATES

ROOT_URLCONF = "bench.urls"
TEMPLATES[0]["DIRS"] = [*TEMPLATES[0]["DIRS"], BASE_DIR / "bench" / "templates"]
