"""What the toxicity app announces once committed, for the apps above it (moderation's auto-hide)."""

from django.dispatch import Signal

# A message was scored at or above TOXICITY_FLAG_THRESHOLD. Arguments: message_id, model_name, score (the headline
# score: ``toxicity``), scores (the fields the model gave), scored_at.
message_scored_toxic = Signal()
