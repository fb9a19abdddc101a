"""Which PostgreSQL text search configuration (stemmer and stop words) suits a message's language."""

# Message language (its primary subtag) -> PostgreSQL configuration; languages without one use 'simple'.
SEARCH_CONFIGS: dict[str, str] = {
    "ar": "arabic",
    "ca": "catalan",
    "da": "danish",
    "de": "german",
    "el": "greek",
    "en": "english",
    "es": "spanish",
    "eu": "basque",
    "fi": "finnish",
    "fr": "french",
    "ga": "irish",
    "hi": "hindi",
    "hu": "hungarian",
    "hy": "armenian",
    "id": "indonesian",
    "it": "italian",
    "lt": "lithuanian",
    "nb": "norwegian",
    "ne": "nepali",
    "nl": "dutch",
    "nn": "norwegian",
    "no": "norwegian",
    "pt": "portuguese",
    "ro": "romanian",
    "ru": "russian",
    "sr": "serbian",
    "sv": "swedish",
    "ta": "tamil",
    "tr": "turkish",
    "yi": "yiddish",
}
SIMPLE = "simple"
# The SQL function (created by migration 0008 on PostgreSQL) mapping a language tag to its configuration.
CONFIG_FUNCTION = "annotation_search_config"


def search_config(lang: str) -> str:
    """The configuration name for a language tag ('pt-BR' -> 'portuguese', 'ja' -> 'simple')."""
    return SEARCH_CONFIGS.get(lang.split("-")[0].lower(), SIMPLE)
