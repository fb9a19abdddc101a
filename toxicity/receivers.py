"""What the toxicity app does when the task engine announces an event (connected in ToxicityConfig.ready)."""

import logging
import uuid

from toxicity.conf import toxicity_settings
from toxicity.services.scoring import queue_messages

logger = logging.getLogger(__name__)


def message_written(sender: object, *, message_id: uuid.UUID, **kwargs: object) -> None:
    """Runs once the message is committed: queue it for scoring. The message is accepted whatever happens here."""
    try:
        if toxicity_settings().enabled:
            queue_messages(message_ids=[message_id])
    except Exception:
        logger.exception("Could not queue message %s for toxicity scoring; a back-fill will score it", message_id)
