"""The languages volunteers can write in: BCP-47 tags with their native names, and a user's task language."""

from typing import TYPE_CHECKING

from django.conf import settings

if TYPE_CHECKING:
    from accounts.models import User

LANGUAGES: tuple[tuple[str, str], ...] = (
    ("ar", "العربية"),
    ("bn", "বাংলা"),
    ("ca", "Català"),
    ("cs", "Čeština"),
    ("da", "Dansk"),
    ("de", "Deutsch"),
    ("el", "Ελληνικά"),
    ("en", "English"),
    ("eo", "Esperanto"),
    ("es", "Español"),
    ("eu", "Euskara"),
    ("fa", "فارسی"),
    ("fi", "Suomi"),
    ("fr", "Français"),
    ("gl", "Galego"),
    ("he", "עברית"),
    ("hi", "हिन्दी"),
    ("hu", "Magyar"),
    ("id", "Bahasa Indonesia"),
    ("it", "Italiano"),
    ("ja", "日本語"),
    ("ko", "한국어"),
    ("nb-NO", "Norsk bokmål"),
    ("nl", "Nederlands"),
    ("pl", "Polski"),
    ("pt-BR", "Português (Brasil)"),
    ("pt-PT", "Português (Portugal)"),
    ("ro", "Română"),
    ("ru", "Русский"),
    ("sk", "Slovenčina"),
    ("sv", "Svenska"),
    ("th", "ไทย"),
    ("tr", "Türkçe"),
    ("uk", "Українська"),
    ("vi", "Tiếng Việt"),
    ("zh", "中文"),
)

LANGUAGE_NAMES: dict[str, str] = dict(LANGUAGES)


def language_name(code: str) -> str:
    """The native name of a language tag, or the tag itself when it is not in the list."""
    return LANGUAGE_NAMES.get(code, code)


def user_languages(user: "User") -> list[str]:
    """The languages the user writes in, first the preferred one; the site's language for a user who chose none."""
    return list(user.languages) or [settings.LANGUAGE_CODE]


def task_language(user: "User", requested: str | None = None, *, any_language: bool = False) -> str:
    """The language to hand ``user`` tasks in: ``requested`` if it is one of the user's languages (with
    ``any_language``, whichever is given: the API accepts any valid tag), else the user's first language,
    else the site's."""
    languages = user_languages(user)
    if requested and (any_language or requested in languages):
        return requested
    return languages[0]
