"""The review labels of SPEC 4: their widget, and which messages they apply to."""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from annotation.models import Role


@dataclass(frozen=True)
class Label:
    name: str
    # "yes_no", "flag" (both 0 or 1) or "scale" (0, 0.25, 0.5, 0.75, 1).
    widget: str
    title: Promise
    # None: applies to every message; otherwise only to messages of this role.
    role: str | None = None


LABELS: tuple[Label, ...] = (
    Label("spam", "yes_no", _("Spam")),
    Label("fails_task", "yes_no", _("Fails the task"), Role.ASSISTANT),
    Label("lang_mismatch", "flag", _("Wrong language")),
    Label("pii", "flag", _("Contains personal information")),
    Label("not_appropriate", "flag", _("Not appropriate")),
    Label("hate_speech", "flag", _("Hate speech")),
    Label("sexual_content", "flag", _("Sexual content")),
    Label("moral_judgement", "flag", _("Moral judgement")),
    Label("political_content", "flag", _("Political content")),
    Label("quality", "scale", _("Quality")),
    Label("toxicity", "scale", _("Toxicity")),
    Label("humor", "scale", _("Humor")),
    Label("helpfulness", "scale", _("Helpfulness"), Role.ASSISTANT),
    Label("creativity", "scale", _("Creativity")),
    Label("violence", "scale", _("Violence")),
)
LABELS_BY_NAME = {label.name: label for label in LABELS}
SIMPLE_LABEL_NAMES = ("spam", "lang_mismatch", "quality")
# A review must answer these wherever they apply (SPEC 4 makes spam mandatory; without a quality value and,
# for assistant replies, whether the reply fails its task, a review says too little to rank by).
REQUIRED_LABEL_NAMES = ("spam", "fails_task", "quality")


def label_names(*, role: str, full: bool) -> list[str]:
    """The labels a review of a message of ``role`` shows, in display order."""
    names = [label.name for label in LABELS if label.role in (None, role)]
    return names if full else [name for name in names if name in SIMPLE_LABEL_NAMES]
