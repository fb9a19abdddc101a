"""The toxicity settings, read through ``django.conf.settings`` with their defaults (the table is in README.md,
Configuration):

- ``TOXICITY_BACKEND``: ``profanity_check`` (default: alt-profanity-check, English), ``transformers`` (a model
  folder) or ``off``; ``TOXICITY_MODEL_PATH``: that folder; ``TOXICITY_MODEL_NAME``: the name stored with the
  scores (default: the package's version, or the folder's config name or folder name);
- ``TOXICITY_RUNTIME``: ``auto`` (ONNX Runtime when the folder holds ``model.onnx``, else PyTorch), ``onnx``,
  ``torch``; ``TOXICITY_BATCH_SIZE`` (0: 512 with alt-profanity-check, 64 with a transformer),
  ``TOXICITY_THREADS`` (1), ``TOXICITY_MAX_LENGTH`` (512 tokens);
- ``TOXICITY_LANGUAGES``: the languages to score (default: all the backend covers); ``TOXICITY_LABEL_MAP``:
  ``label=field`` for labels the built-in names miss;
- ``TOXICITY_FLAG_THRESHOLD`` (0.8): flag for moderators; ``TOXICITY_HIDE_THRESHOLD`` (unset: off): auto-hide;
- ``TOXICITY_EXPORT_MODELS``: the models whose scores fill ``detoxify`` in exports, the first found wins
  (default: imported ``detoxify`` scores, then the configured classifier's);
- ``TOXICITY_JOB_TIME_LIMIT`` (300 s): a scoring job running longer is stopped and retried.
"""

import json
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

BACKEND_PROFANITY_CHECK = "profanity_check"
BACKEND_TRANSFORMERS = "transformers"
BACKEND_OFF = "off"
BACKENDS = (BACKEND_PROFANITY_CHECK, BACKEND_TRANSFORMERS, BACKEND_OFF)
RUNTIMES = ("auto", "onnx", "torch")
# Messages per job batch and model call when TOXICITY_BATCH_SIZE is unset (or 0). A linear model scores a large batch
# for less per message and its batch costs little memory, so that the job's reads and writes per batch are spread
# over more messages; a transformer's batch is padded tensors whose memory grows with it.
DEFAULT_BATCH_SIZES = {BACKEND_PROFANITY_CHECK: 512, BACKEND_TRANSFORMERS: 64}
# The model name of scores read from an oasst1 file (exports.oasst_format.DETOXIFY_MODEL).
IMPORTED_MODEL = "detoxify"


@dataclass(frozen=True)
class ToxicitySettings:
    backend: str = BACKEND_PROFANITY_CHECK
    model_path: str = ""
    model_name: str = ""
    runtime: str = "auto"
    languages: tuple[str, ...] = ()
    label_map: tuple[tuple[str, str], ...] = ()
    batch_size: int = 64
    threads: int = 1
    max_length: int = 512
    flag_threshold: float = 0.8
    hide_threshold: float | None = None
    export_models: tuple[str, ...] = ()
    job_time_limit: int = 300

    @property
    def enabled(self) -> bool:
        return self.backend != BACKEND_OFF


def toxicity_settings() -> ToxicitySettings:
    """The current settings, checked: a wrong value is a configuration error, not a failed job later."""
    label_map = getattr(settings, "TOXICITY_LABEL_MAP", None) or {}
    backend = str(getattr(settings, "TOXICITY_BACKEND", BACKEND_PROFANITY_CHECK) or BACKEND_OFF).strip().lower()
    values = ToxicitySettings(
        backend=backend,
        model_path=str(getattr(settings, "TOXICITY_MODEL_PATH", "") or ""),
        model_name=str(getattr(settings, "TOXICITY_MODEL_NAME", "") or ""),
        runtime=str(getattr(settings, "TOXICITY_RUNTIME", "auto") or "auto").strip().lower(),
        languages=tuple(primary_language(code) for code in getattr(settings, "TOXICITY_LANGUAGES", ()) or () if code),
        label_map=tuple(sorted((str(k), str(v or "")) for k, v in dict(label_map).items())),
        batch_size=int(getattr(settings, "TOXICITY_BATCH_SIZE", 0) or 0) or DEFAULT_BATCH_SIZES.get(backend, 64),
        threads=int(getattr(settings, "TOXICITY_THREADS", 1)),
        max_length=int(getattr(settings, "TOXICITY_MAX_LENGTH", 512)),
        flag_threshold=float(getattr(settings, "TOXICITY_FLAG_THRESHOLD", 0.8)),
        hide_threshold=_optional_float(getattr(settings, "TOXICITY_HIDE_THRESHOLD", None)),
        export_models=tuple(getattr(settings, "TOXICITY_EXPORT_MODELS", ()) or ()),
        job_time_limit=int(getattr(settings, "TOXICITY_JOB_TIME_LIMIT", 300)),
    )
    if values.backend not in BACKENDS:
        raise ImproperlyConfigured(f"TOXICITY_BACKEND must be one of {', '.join(BACKENDS)}, not {values.backend!r}")
    if values.runtime not in RUNTIMES:
        raise ImproperlyConfigured(f"TOXICITY_RUNTIME must be one of {', '.join(RUNTIMES)}, not {values.runtime!r}")
    if values.batch_size < 1 or values.threads < 1 or values.max_length < 1:
        raise ImproperlyConfigured("TOXICITY_BATCH_SIZE, TOXICITY_THREADS and TOXICITY_MAX_LENGTH must be positive")
    if not 0 <= values.flag_threshold <= 1:
        raise ImproperlyConfigured("TOXICITY_FLAG_THRESHOLD must lie between 0 and 1")
    if values.hide_threshold is not None and not values.flag_threshold <= values.hide_threshold <= 1:
        raise ImproperlyConfigured("TOXICITY_HIDE_THRESHOLD must lie between TOXICITY_FLAG_THRESHOLD and 1")
    return values


def _optional_float(value: object) -> float | None:
    if value is None or value == "":
        return None
    return float(value)  # type: ignore[arg-type]


def primary_language(code: str) -> str:
    """``pt-BR``, ``pt_BR`` and ``PT`` all cover ``pt``."""
    return code.replace("_", "-").split("-")[0].strip().lower()


def covered_languages(values: ToxicitySettings | None = None) -> tuple[str, ...] | None:
    """The languages the configured classifier scores (None: all), known without loading it."""
    values = values or toxicity_settings()
    if values.backend == BACKEND_PROFANITY_CHECK:
        return tuple(code for code in ("en",) if not values.languages or code in values.languages)
    return values.languages or None


def classifier_model_name(values: ToxicitySettings | None = None) -> str:
    """The model name the configured classifier stores its scores under, found without loading the model."""
    values = values or toxicity_settings()
    if values.model_name:
        return values.model_name
    if values.backend == BACKEND_PROFANITY_CHECK:
        return profanity_check_model_name()
    if values.backend == BACKEND_TRANSFORMERS and values.model_path:
        return transformer_model_name(Path(values.model_path))
    return ""


def profanity_check_model_name() -> str:
    try:
        return f"alt-profanity-check-{metadata.version('alt-profanity-check')}"
    except metadata.PackageNotFoundError:
        return "alt-profanity-check"


def transformer_model_name(folder: Path) -> str:
    """The name in the folder's config.json (``_name_or_path``, as the hub writes it) unless it is a local path;
    else the folder's own name."""
    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        config = {}
    name = str(config.get("_name_or_path") or "") if isinstance(config, dict) else ""
    if name and not Path(name).is_absolute() and not name.startswith("."):
        return name
    return folder.resolve().name or str(folder)


def export_model_names(values: ToxicitySettings | None = None) -> list[str]:
    """The models whose scores an export writes as ``detoxify``, in order of preference."""
    values = values or toxicity_settings()
    if values.export_models:
        return list(values.export_models)
    names = [IMPORTED_MODEL]
    own = classifier_model_name(values) if values.enabled else ""
    if own and own not in names:
        names.append(own)
    return names
