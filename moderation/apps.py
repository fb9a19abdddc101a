from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ModerationConfig(AppConfig):
    name = "moderation"
    verbose_name = _("Moderation")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from annotation.signals import message_flagged, task_skipped
        from moderation import receivers
        from toxicity.signals import message_scored_toxic

        task_skipped.connect(receivers.task_skipped, dispatch_uid="moderation.task_skipped")
        message_flagged.connect(receivers.message_flagged, dispatch_uid="moderation.message_flagged")
        message_scored_toxic.connect(receivers.message_scored_toxic, dispatch_uid="moderation.message_scored_toxic")
