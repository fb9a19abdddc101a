"""The rule every message text obeys (SPEC 2 and 3), wherever it is written: a task, an edit, an import.

A text is stored with unified newlines and without surrounding whitespace. It is blank when nothing in it
would show: whitespace, zero-width and other formatting characters (U+200B, U+200C, U+200D, U+2060, U+FEFF,
...) and the fillers some scripts draw as nothing. It may hold at most ``max_text_length`` characters, and no
control character but tab and newline (PostgreSQL cannot store NUL).
"""

import unicodedata

from django.conf import settings
from django.utils.translation import gettext as _

from annotation.errors import TextBlank, TextInvalidCharacters, TextTooLong

# Letters and symbols that render as empty space although Unicode does not call them whitespace.
BLANK_FILLERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
# Unicode categories of characters that show nothing: format (Cf), control (Cc), separators (Z*).
INVISIBLE_CATEGORIES = frozenset({"Cf", "Cc", "Zs", "Zl", "Zp"})
ALLOWED_CONTROLS = frozenset("\n\t")


def _shows_nothing(char: str) -> bool:
    return char.isspace() or char in BLANK_FILLERS or unicodedata.category(char) in INVISIBLE_CATEGORIES


def check_message_text(text: str) -> str:
    """The text as it is stored, or TextBlank / TextTooLong / TextInvalidCharacters."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    if any(unicodedata.category(char) == "Cc" and char not in ALLOWED_CONTROLS for char in text):
        raise TextInvalidCharacters()
    text = text.strip()
    if all(_shows_nothing(char) for char in text):
        raise TextBlank()
    limit = settings.TREE_MANAGER.max_text_length
    if len(text) > limit:
        raise TextTooLong(
            _("The text is %(length)d characters long; at most %(limit)d are allowed.")
            % {"length": len(text), "limit": limit}
        )
    return text
