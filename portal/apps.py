from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The project package as an app: only so that every process (web, worker, beat,
    management commands) prepares what the wiring needs before it starts."""

    name = "portal"
    verbose_name = "Returns portal"

    def ready(self) -> None:
        from portal.celery import ensure_broker_folders

        ensure_broker_folders()
