"""Pages of the volunteer web app: tasks (tasks.py) and the conversation viewer (conversation.py)."""
