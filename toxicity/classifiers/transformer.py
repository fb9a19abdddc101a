"""A Hugging Face sequence-classification model loaded from a local folder (never downloaded), run on the CPU.

The folder holds what ``save_pretrained`` writes (``config.json``, the tokenizer's files, the weights). When it
also holds ``model.onnx`` (or ``onnx/model.onnx``, as ``optimum`` exports it) the model runs in ONNX Runtime,
which is faster on the CPU; otherwise in PyTorch (``TOXICITY_RUNTIME`` forces one). Its labels map to the
Detoxify fields as ``toxicity.classifiers.labels`` says. A multilingual model (XLM-R based) covers every language,
or the ones listed in ``TOXICITY_LANGUAGES``.

Texts are sorted by length before they are cut into batches, so that a batch pads its texts to about the same
length: on messages of mixed length that does most of the batching's good.
"""

import inspect
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from toxicity.classifiers.base import Classifier
from toxicity.classifiers.labels import LabelMapping, map_labels
from toxicity.conf import transformer_model_name
from toxicity.errors import ClassifierUnavailable

ONNX_FILES = ("model.onnx", "onnx/model.onnx")


def onnx_file(folder: Path) -> Path | None:
    return next((folder / name for name in ONNX_FILES if (folder / name).is_file()), None)


class TransformerClassifier(Classifier):
    def __init__(
        self,
        *,
        path: str | Path,
        model_name: str = "",
        languages: Sequence[str] = (),
        batch_size: int = 64,
        threads: int = 1,
        runtime: str = "auto",
        max_length: int = 512,
        label_map: Mapping[str, str] | None = None,
    ) -> None:
        folder = Path(path)
        if not (folder / "config.json").is_file():
            raise ClassifierUnavailable(f"No model at {folder}: config.json is missing (TOXICITY_MODEL_PATH).")
        # Nothing is ever fetched: the folder is all there is.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        try:
            from transformers import AutoConfig, AutoTokenizer

            config = AutoConfig.from_pretrained(folder, local_files_only=True)
            self.tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
        except Exception as error:
            raise ClassifierUnavailable(f"The model at {folder} could not be loaded: {error}") from error
        try:
            self.mapping: LabelMapping = map_labels(
                config.id2label, problem_type=getattr(config, "problem_type", None), overrides=label_map
            )
        except ValueError as error:
            raise ClassifierUnavailable(str(error)) from error
        self.model_name = model_name or transformer_model_name(folder)
        self.languages = frozenset(languages) if languages else None
        self.batch_size = batch_size
        limit = getattr(self.tokenizer, "model_max_length", None) or max_length
        positions = getattr(config, "max_position_embeddings", None) or max_length
        # XLM-R's positions start after the padding index: two fewer than its embeddings.
        offset = 2 if getattr(config, "model_type", "") in ("xlm-roberta", "roberta", "camembert") else 0
        self.max_length = max(1, min(max_length, limit, positions - offset))
        exported = onnx_file(folder)
        if runtime == "onnx" and exported is None:
            raise ClassifierUnavailable(f"TOXICITY_RUNTIME is onnx but {folder} holds no model.onnx.")
        self.runtime = "onnx" if exported is not None and runtime in ("auto", "onnx") else "torch"
        try:
            if self.runtime == "onnx":
                self._load_onnx(exported, threads)
            else:
                self._load_torch(folder, threads)
        except ClassifierUnavailable:
            raise
        except Exception as error:
            raise ClassifierUnavailable(f"The model at {folder} could not be loaded: {error}") from error

    def _load_onnx(self, file: Path, threads: int) -> None:
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self._session = onnxruntime.InferenceSession(str(file), options, providers=["CPUExecutionProvider"])
        self._inputs = [item.name for item in self._session.get_inputs()]

    def _load_torch(self, folder: Path, threads: int) -> None:
        import torch
        from transformers import AutoModelForSequenceClassification

        torch.set_num_threads(threads)
        self._torch = torch
        self._model = AutoModelForSequenceClassification.from_pretrained(folder, local_files_only=True).eval()
        # What the tokenizer gives and the model does not take (DistilBERT and token_type_ids) stays out.
        self._inputs = list(inspect.signature(self._model.forward).parameters)

    def predict(self, texts: Sequence[str]) -> list[dict[str, float]]:
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        results: list[dict[str, float]] = [{} for _ in texts]
        for start in range(0, len(order), self.batch_size):
            chunk = order[start : start + self.batch_size]
            logits = self.logits([texts[i] for i in chunk])
            for i, scores in zip(chunk, self.mapping.scores(logits), strict=True):
                results[i] = scores
        return results

    def logits(self, texts: Sequence[str]) -> np.ndarray:
        """The model's raw outputs for one batch (batch x labels)."""
        encoded = self.tokenizer(
            list(texts), padding=True, truncation=True, max_length=self.max_length, return_tensors="np"
        )
        if self.runtime == "onnx":
            feed = {}
            for name in self._inputs:
                if name in encoded:
                    feed[name] = encoded[name].astype(np.int64)
                elif name == "token_type_ids":
                    feed[name] = np.zeros_like(encoded["input_ids"], dtype=np.int64)
            return self._session.run(None, feed)[0]
        torch = self._torch
        with torch.inference_mode():
            inputs = {
                name: torch.from_numpy(value.astype(np.int64))
                for name, value in encoded.items()
                if name in self._inputs
            }
            return self._model(**inputs).logits.float().numpy()
