from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ToxicityConfig(AppConfig):
    name = "toxicity"
    verbose_name = _("Toxicity")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from annotation.signals import message_written
        from toxicity import receivers

        message_written.connect(receivers.message_written, dispatch_uid="toxicity.message_written")
