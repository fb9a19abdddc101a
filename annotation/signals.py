"""Events of the task engine that other apps may act on; they are sent once the change is committed."""

from django.dispatch import Signal

# A volunteer skipped a task. Arguments: task_id, task_type, tree_id (None for an initial prompt), skipped_at.
task_skipped = Signal()

# A message received a red flag or a report. Arguments: message_id, tree_id, flagged_at.
message_flagged = Signal()

# A message's text was written: a new message from a task, or an edit of its text. Arguments: message_id,
# edited (False for a new message), written_at. Sent inside the writing transaction, so that a receiver's rows stand
# or fall with the message (a receiver must not fail it; what it does after the commit it registers with on_commit).
# Imported messages are not announced.
message_written = Signal()
