"""Tiny randomly initialised sequence-classification models saved to a folder, as ``save_pretrained`` writes a real
one: a word-level tokenizer built with ``tokenizers`` from a small vocabulary, a BERT or XLM-R configuration a few
kilobytes large, and optionally the same weights exported to ``model.onnx``. Nothing is downloaded."""

import warnings
from collections.abc import Sequence
from pathlib import Path

# Detoxify's "original" model labels, as unitary/toxic-bert names them.
ORIGINAL_LABELS = ("toxic", "severe_toxic", "obscene", "threat", "insult", "identity_hate")
WORDS = tuple(
    " ".join(
        (
            "you are a stupid idiot moron hate kill thank thanks for the help weather is nice today",
            "please explain how photosynthesis works i love this answer",
            "du bist ein dummer idiot danke für die hilfe das wetter ist schön",
            "tu es un idiot merci pour aide , . ! ?",
        )
    ).split(" ")
)


def build_tiny_model(
    folder: Path,
    *,
    architecture: str = "bert",
    labels: Sequence[str] = ORIGINAL_LABELS,
    problem_type: str | None = "multi_label_classification",
    seed: int = 0,
    onnx: bool = False,
    name_or_path: str | None = None,
) -> Path:
    import torch
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors
    from transformers import (
        BertConfig,
        BertForSequenceClassification,
        PreTrainedTokenizerFast,
        XLMRobertaConfig,
        XLMRobertaForSequenceClassification,
    )

    folder.mkdir(parents=True, exist_ok=True)
    if architecture == "bert":
        specials = {"pad": "[PAD]", "unk": "[UNK]", "cls": "[CLS]", "sep": "[SEP]", "mask": "[MASK]"}
        order = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    else:
        specials = {"bos": "<s>", "pad": "<pad>", "eos": "</s>", "unk": "<unk>", "mask": "<mask>"}
        order = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
    vocab = {token: i for i, token in enumerate([*order, *dict.fromkeys(WORDS)])}
    tokenizer = Tokenizer(models.WordLevel(vocab=vocab, unk_token=specials["unk"]))
    tokenizer.normalizer = normalizers.Lowercase()
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    first, last = (specials["cls"], specials["sep"]) if architecture == "bert" else (specials["bos"], specials["eos"])
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{first} $A {last}", special_tokens=[(first, vocab[first]), (last, vocab[last])]
    )
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        model_max_length=64,
        **{f"{kind}_token": token for kind, token in specials.items()},
        **({"cls_token": "<s>", "sep_token": "</s>"} if architecture != "bert" else {}),
    )
    fast.save_pretrained(folder)

    common = {
        "vocab_size": len(vocab),
        "hidden_size": 16,
        "num_hidden_layers": 1,
        "num_attention_heads": 2,
        "intermediate_size": 32,
        "num_labels": len(labels),
        "id2label": dict(enumerate(labels)),
        "label2id": {label: i for i, label in enumerate(labels)},
        "problem_type": problem_type,
        # Wide weights, so that different texts get clearly different scores.
        "initializer_range": 0.5,
    }
    torch.manual_seed(seed)
    if architecture == "bert":
        config = BertConfig(max_position_embeddings=64, pad_token_id=0, **common)
        model = BertForSequenceClassification(config)
    else:
        config = XLMRobertaConfig(
            max_position_embeddings=66, pad_token_id=1, bos_token_id=0, eos_token_id=2, type_vocab_size=1, **common
        )
        model = XLMRobertaForSequenceClassification(config)
    model.eval()
    model.save_pretrained(folder)
    if name_or_path is not None:
        import json

        path = folder / "config.json"
        data = json.loads(path.read_text())
        data["_name_or_path"] = name_or_path
        path.write_text(json.dumps(data))
    if onnx:
        export_onnx(model, folder)
    return folder


def export_onnx(model, folder: Path) -> Path:
    """``torch.onnx.export`` (the TorchScript exporter) to ``folder/model.onnx``."""
    import torch

    try:
        import onnx  # noqa: F401
    except ImportError:
        # The exporter imports the onnx package only to insert onnx-script functions into the graph, and a plain
        # transformer has none; the package is not installed here, so that step is skipped.
        from torch.onnx._internal.torchscript_exporter import onnx_proto_utils

        onnx_proto_utils._add_onnxscript_fn = lambda proto, custom_opsets: proto
    input_ids = torch.tensor([[2, 5, 6, 7, 3], [2, 8, 3, 0, 0]])
    attention_mask = (input_ids != 0).long()
    target = folder / "model.onnx"
    with warnings.catch_warnings():
        # The legacy exporter's deprecation and tracing notes: the graph is checked against PyTorch by the tests.
        warnings.simplefilter("ignore")
        _export(torch, model, input_ids, attention_mask, target)
    return target


def _export(torch, model, input_ids, attention_mask, target: Path) -> None:
    torch.onnx.export(
        model,
        (input_ids, attention_mask),
        str(target),
        input_names=["input_ids", "attention_mask"],
        output_names=["logits"],
        dynamic_axes={"input_ids": {0: "batch", 1: "sequence"}, "attention_mask": {0: "batch", 1: "sequence"}},
        opset_version=17,
        dynamo=False,
    )
