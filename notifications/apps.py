from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "E-mail outbox"

    def ready(self) -> None:
        from portal.celery import ensure_broker_folders

        ensure_broker_folders()
