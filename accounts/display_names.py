"""The one rule for the names users are shown by: normalised, in one script per word, and not confusable
with another user's display name or user name (Unicode TR39 skeletons, case-insensitive).

``check_display_name`` is called by every surface that sets a display name (profile page, API client
header, admin) and ``check_username`` by sign-up; ``name_skeleton`` fills the indexed skeleton columns
(``User.save``), so that "is this name taken" is one indexed query.
"""

import re
import unicodedata
from functools import cache
from typing import TYPE_CHECKING

from confusable_homoglyphs.categories import unique_aliases
from confusable_homoglyphs.confusables import confusables_data, is_dangerous
from django.db import connection
from django.db.models import Q

if TYPE_CHECKING:
    from accounts.models import User

from accounts.errors import DisplayNameNotAllowed, DisplayNameTaken, DisplayNameTooLong

# Scripts written together in one word (TR39's "highly restrictive" sets): not a mix that imitates anything.
_SCRIPT_SETS = (
    {"HAN", "HIRAGANA", "KATAKANA", "LATIN"},
    {"HAN", "BOPOMOFO", "LATIN"},
    {"HAN", "HANGUL", "LATIN"},
)
_NOT_A_SCRIPT = {"COMMON", "INHERITED", "UNKNOWN"}
_SPACES = re.compile(r"\s+")
# User.display_name's length: NFKC may lengthen a name (a ligature such as U+FDFA becomes 18 letters).
DISPLAY_NAME_MAX_LENGTH = 150


def normalise_name(text: str) -> str:
    """NFKC (fullwidth and styled letters become plain ones), without control and format characters
    (zero-width joiners, bidirectional overrides), with runs of white space made one space."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(" " if char.isspace() else char for char in text if unicodedata.category(char) not in ("Cc", "Cf"))
    return _SPACES.sub(" ", text).strip()


@cache
def _prototypes() -> dict[str, str]:
    """Each confusable character's representative: one per class of characters the TR39 data says look alike.

    The package's data lists, per character, those it may be taken for; joined up, the lists are the classes.
    """
    parent: dict[str, str] = {}

    def find(char: str) -> str:
        while parent.get(char, char) != char:
            parent[char] = parent.get(parent[char], parent[char])
            char = parent[char]
        return char

    multi: dict[str, str] = {}
    for char, lookalikes in confusables_data.items():
        for entry in lookalikes:
            other = entry["c"]
            if len(char) == 1 and len(other) == 1:
                a, b = find(char), find(other)
                if a != b:
                    parent[a] = b
            elif len(char) == 1:
                multi.setdefault(char, other)
    classes: dict[str, list[str]] = {}
    for char in set(parent) | {c for c in confusables_data if len(c) == 1}:
        classes.setdefault(find(char), []).append(char)
    prototypes = dict(multi)
    for members in classes.values():
        representative = min(members, key=lambda c: (not c.isascii(), c))
        prototypes.update(dict.fromkeys(members, representative))
    return prototypes


def name_skeleton(text: str) -> str:
    """Equal for two names that look alike: normalised, case-folded, each character replaced by its class's
    representative (TR39 skeleton)."""
    prototypes = _prototypes()
    skeleton = normalise_name(text)
    # Twice: a representative may be a capital (Cherokee letter GO, U+13AA, stands for A), which is folded in turn.
    for _ in range(2):
        folded = unicodedata.normalize("NFD", skeleton.casefold())
        skeleton = unicodedata.normalize("NFD", "".join(prototypes.get(char, char) for char in folded))
    return skeleton


def is_mixed_script(name: str) -> bool:
    """A word that mixes scripts with letters that imitate another script's ("paypal" with a Cyrillic a, U+0430).

    Word by word: a name may be written in two scripts (a Latin first name, a Cyrillic last name), a word may not.
    """
    for word in name.split():
        scripts = unique_aliases(word) - _NOT_A_SCRIPT
        if len(scripts) < 2 or any(scripts <= allowed for allowed in _SCRIPT_SETS):
            continue
        if is_dangerous(word):
            return True
    return False


def _taken(skeleton: str, *, user: "User | None") -> bool:
    from accounts.models import User

    if connection.vendor == "postgresql" and connection.in_atomic_block:
        # Two look-alikes chosen at the same moment share the skeleton, so one waits for the other's commit.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"name:{skeleton}"])

    others = User.objects.exclude(pk=user.pk) if user is not None and user.pk else User.objects.all()
    return others.filter(Q(display_name_skeleton=skeleton) | Q(username_skeleton=skeleton)).exists()


def check_display_name(name: str, *, user: "User | None" = None) -> str:
    """The name as it is stored, or DisplayNameNotAllowed / DisplayNameTaken. Blank is allowed (the user name is
    shown instead); the user's current name is kept as it is, even a look-alike from before this rule."""
    name = normalise_name(name)
    if not name or (user is not None and name == user.display_name):
        return name
    if len(name) > DISPLAY_NAME_MAX_LENGTH:
        raise DisplayNameTooLong(field="display_name")
    if is_mixed_script(name):
        raise DisplayNameNotAllowed(field="display_name")
    if _taken(name_skeleton(name), user=user):
        raise DisplayNameTaken(field="display_name")
    return name


def check_username(username: str) -> None:
    """A new user name is shown where a display name is blank: the same rule, on the name as it is."""
    if is_mixed_script(username):
        raise DisplayNameNotAllowed(field="username")
    if _taken(name_skeleton(username), user=None):
        raise DisplayNameTaken(field="username")
