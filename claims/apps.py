from pathlib import Path

from django.apps import AppConfig
from django.conf import settings


class ClaimsConfig(AppConfig):
    name = "claims"
    verbose_name = "Claims"

    def ready(self) -> None:
        # Uploads are spooled here (never in memory past FILE_UPLOAD_MAX_MEMORY_SIZE).
        Path(settings.FILE_UPLOAD_TEMP_DIR).mkdir(parents=True, exist_ok=True)
        # The bundle and gift checks of every decision (Try it included) count the
        # units already in claims.
        from claims.selectors import units_claimed_elsewhere
        from policies.selectors import units_claimed_elsewhere_register

        units_claimed_elsewhere_register(units_claimed_elsewhere)
