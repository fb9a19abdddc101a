"""The scoring queue: messages waiting for the classifier. The scores themselves are annotation data
(``annotation.models.ToxicityScore``, one row per message and model); a flag is a ``Report`` of type ``toxicity``."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# The report type of a platform flag for a message scored above TOXICITY_FLAG_THRESHOLD; its reason holds the
# model's name, its labels the scores. Volunteers cannot report with this type (annotation.services.reactions).
TOXICITY_REPORT_TYPE = "toxicity"
# A message whose scoring failed this many times (while others of its batch were scored) waits for a back-fill.
MAX_ATTEMPTS = 3


class PendingScore(models.Model):
    """A message to score: queued once its text is committed (a new message or an edit), removed when scored or
    found in a language the classifier does not cover. Rows left here are what operators see as waiting."""

    message = models.OneToOneField(
        "annotation.Message", primary_key=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("message")
    )
    queued_at = models.DateTimeField(default=timezone.now, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("message waiting for a toxicity score")
        verbose_name_plural = _("messages waiting for a toxicity score")
