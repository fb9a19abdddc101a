"""What the toxicity app does when the task engine announces an event (connected in ToxicityConfig.ready)."""

import logging
import uuid

from django.db import transaction

from toxicity.conf import toxicity_settings
from toxicity.services.scoring import queue_messages

logger = logging.getLogger(__name__)


def message_written(sender: object, *, message_id: uuid.UUID, **kwargs: object) -> None:
    """Runs inside the message's transaction: queue it for scoring, in a savepoint, so that whatever goes wrong here
    the message is accepted (and scored by a back-fill)."""
    try:
        if not toxicity_settings().enabled:
            return
        with transaction.atomic():
            queue_messages(message_ids=[message_id])
    except Exception:
        logger.exception("Could not queue message %s for toxicity scoring; a back-fill will score it", message_id)
