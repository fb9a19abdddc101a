"""What the toxicity app does when the task engine announces an event (connected in ToxicityConfig.ready)."""

import logging
import uuid

from toxicity.conf import toxicity_settings
from toxicity.services.scoring import queue_written_message

logger = logging.getLogger(__name__)


def message_written(sender: object, *, message_id: uuid.UUID, **kwargs: object) -> None:
    """Runs inside the message's transaction: queue it for scoring, in a savepoint, so that whatever goes wrong here
    the message is accepted (and scored by a back-fill); one round-trip to PostgreSQL."""
    try:
        if not toxicity_settings().enabled:
            return
        queue_written_message(message_id=message_id)
    except Exception:
        logger.exception("Could not queue message %s for toxicity scoring; a back-fill will score it", message_id)
