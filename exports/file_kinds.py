"""The kinds of dataset file an export job writes (SPEC 8), and their file names."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class FileKind(models.TextChoices):
    TREES = "trees", _("Message trees (JSON Lines)")
    MESSAGES = "messages", _("Flat messages (JSON Lines)")
    PARQUET = "parquet", _("Flat messages (Parquet)")
    THREADS = "threads", _("Conversation threads (JSON Lines)")
    SFT = "sft", _("Chat examples for supervised fine-tuning (JSON Lines)")
    PAIRS = "pairs", _("Preference pairs for reward models (JSON Lines)")


def file_name(kind: FileKind | str, *, compress: bool = False) -> str:
    """The name of a file of ``kind``, e.g. ``trees.jsonl.gz`` or ``messages.parquet`` (Parquet compresses
    inside the file, so it is never gzipped)."""
    kind = FileKind(kind)
    if kind == FileKind.PARQUET:
        return "messages.parquet"
    return f"{kind.value}.jsonl" + (".gz" if compress else "")
