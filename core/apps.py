from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from core import metrics

        metrics.register_collectors()
        metrics.connect_job_signals()
