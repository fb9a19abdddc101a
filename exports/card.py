"""The dataset card of a release: README.md as the Hugging Face Hub reads it, a YAML header and Markdown.

The header declares the license, the languages (ISO 639 codes), the size category of the message count,
the task, a name, and one configuration per file kind whose ``data_files`` are the release's files. The
body describes the data, the files and how to load them, and the statistics (exports.statistics) in
tables, with the plots (exports.plots) embedded by their paths relative to the card.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from annotation.models import TreeState
from exports import plots
from exports.file_kinds import FileKind
from exports.releases import ReleaseFile
from exports.statistics import NOMINAL, hub_languages, size_category

FRONT_MATTER = "---\n"
TASK_CATEGORIES = ["text-generation"]
TAGS = ["human-feedback", "conversations", "rlhf", "oasst"]
# The configuration the Hub's viewer opens first: the flat messages, in Parquet when there is such a file.
DEFAULT_CONFIGS = (FileKind.PARQUET, FileKind.MESSAGES)


def card_metadata(
    *, statistics: Mapping[str, Any], files: Sequence[ReleaseFile], license: str, pretty_name: str
) -> dict[str, Any]:
    """The YAML header of the card, as a dict."""
    languages = hub_languages(statistics["messages"]["by_language"])
    metadata: dict[str, Any] = {"license": license}
    if languages:
        metadata["language"] = languages
        metadata["multilinguality"] = ["multilingual" if len(languages) > 1 else "monolingual"]
    metadata["size_categories"] = [size_category(statistics["messages"]["total"])]
    metadata["task_categories"] = list(TASK_CATEGORIES)
    metadata["tags"] = list(TAGS)
    metadata["pretty_name"] = pretty_name
    default = next((kind for kind in DEFAULT_CONFIGS if any(file.kind == kind for file in files)), None)
    configs = []
    for file in files:
        config: dict[str, Any] = {
            "config_name": file.kind.value,
            "data_files": [{"split": "train", "path": file.name}],
        }
        if file.kind == default:
            config["default"] = True
        configs.append(config)
    if configs:
        metadata["configs"] = configs
    return metadata


def render_card(
    *,
    statistics: Mapping[str, Any],
    files: Sequence[ReleaseFile],
    released_on: str,
    repo_id: str,
    license: str,
    pretty_name: str,
) -> str:
    """README.md of a release (in the active language)."""
    import yaml

    metadata = card_metadata(statistics=statistics, files=files, license=license, pretty_name=pretty_name)
    header = yaml.safe_dump(metadata, sort_keys=False, allow_unicode=True, default_flow_style=False)
    sections = [
        f"# {pretty_name}",
        _summary(statistics, released_on=released_on),
        _structure(),
        _files(files),
        _loading(files, repo_id=repo_id),
        _statistics(statistics),
        _agreement(statistics),
        _toxicity(statistics),
        _selection(statistics),
        "## " + _("License") + "\n\n" + _("The data is released under the %(license)s license.") % {"license": license},
    ]
    return FRONT_MATTER + header + FRONT_MATTER + "\n" + "\n\n".join(section for section in sections if section) + "\n"


def split_front_matter(card: str) -> tuple[str, str]:
    """(the YAML header, the Markdown body) of a card; an empty header when it has none."""
    if card.startswith(FRONT_MATTER):
        end = card.find("\n" + FRONT_MATTER, len(FRONT_MATTER) - 1)
        if end != -1:
            return card[len(FRONT_MATTER) : end + 1], card[end + 1 + len(FRONT_MATTER) :].lstrip("\n")
    return "", card


# --- Sections -----------------------------------------------------------------------------------


def _summary(statistics: Mapping[str, Any], *, released_on: str) -> str:
    messages, trees = statistics["messages"], statistics["trees"]
    text = _(
        "This release holds %(messages)s messages in %(trees)s conversation trees, in %(languages)s languages, "
        "written by %(contributors)s volunteers. It was made on %(date)s."
    ) % {
        "messages": _number(messages["total"]),
        "trees": _number(trees["total"]),
        "languages": _number(len(messages["by_language"])),
        "contributors": _number(statistics.get("contributors", 0)),
        "date": released_on,
    }
    if statistics.get("filter", {}).get("anonymized"):
        text += " " + _(
            "Every user id and message id is replaced by a stable anonymous id (a hash of the id and a secret "
            "seed), the same in every file of the release."
        )
    return text


def _structure() -> str:
    return "\n\n".join(
        [
            "## " + _("Dataset structure"),
            _(
                "A conversation is a tree. Its root is a prompt written by a person acting as the user (role "
                "`prompter`); the children of a prompter message are replies written by volunteers acting as the "
                "assistant (role `assistant`), whose children are prompter follow-ups, and so on: roles alternate "
                "with the depth (the prompt has depth 0). Every path from the root is one conversation thread."
            ),
            _(
                "Each message carries its language, its review result, its rank among its siblings (0 = best), "
                "emoji counts and its labels: for each label, the mean of the reviewers' values in [0, 1] and how "
                "many reviewers gave one. The file format is that of the oasst1 release."
            ),
        ]
    )


def _files(files: Sequence[ReleaseFile]) -> str:
    if not files:
        return ""
    rows = [
        [f"[{file.name}]({file.name})", str(file.kind.label), _number(file.rows), _size(file.size_bytes)]
        for file in files
    ]
    return "## " + _("Files") + "\n\n" + _table([_("File"), _("Content"), _("Rows"), _("Size")], rows)


def _loading(files: Sequence[ReleaseFile], *, repo_id: str) -> str:
    if not files:
        return ""
    pandas_lines = ["import pandas as pd", ""]
    datasets_lines = ["from datasets import load_dataset", ""]
    for file in files:
        variable = file.kind.value
        if file.kind == FileKind.PARQUET:
            pandas_lines.append(f'{variable} = pd.read_parquet("{file.name}")')
        else:
            pandas_lines.append(f'{variable} = pd.read_json("{file.name}", lines=True)')
        if repo_id:
            datasets_lines.append(f'{variable} = load_dataset("{repo_id}", "{file.kind.value}", split="train")')
        else:
            builder = "parquet" if file.kind == FileKind.PARQUET else "json"
            datasets_lines.append(f'{variable} = load_dataset("{builder}", data_files="{file.name}", split="train")')
    return "\n\n".join(
        [
            "## " + _("Loading the data"),
            _("With pandas, from the downloaded files:"),
            "```python\n" + "\n".join(pandas_lines) + "\n```",
            _("With the Hugging Face datasets library (one configuration per file):"),
            "```python\n" + "\n".join(datasets_lines) + "\n```",
            _(
                "In the tree file each line is one tree, its messages nested under `prompt` in `replies`; the "
                "message and Parquet files have one message per line, linked by `parent_id`."
            ),
        ]
    )


def _statistics(statistics: Mapping[str, Any]) -> str:
    trees, messages = statistics["trees"], statistics["messages"]
    parts = ["## " + _("Statistics")]
    if not messages["total"]:
        parts.append(_("The release holds no messages."))
        return "\n\n".join(parts)

    parts.append("### " + _("Trees by language and state"))
    states = list(trees["by_state"])
    header = [_("Language"), *(_state_label(state) for state in states), _("Total")]
    rows = [
        [lang, *(_number(by_state.get(state, 0)) for state in states), _number(sum(by_state.values()))]
        for lang, by_state in trees["by_language_and_state"].items()
    ]
    totals = [_number(trees["by_state"][state]) for state in states]
    rows.append([f"**{_('Total')}**", *totals, _number(trees["total"])])
    parts.append(_table(header, rows))

    parts.append("### " + _("Messages by language"))
    total = messages["total"]
    rows = [[lang, _number(count), f"{100 * count / total:.1f} %"] for lang, count in messages["by_language"].items()]
    parts.append(_table([_("Language"), _("Messages"), _("Share")], rows))
    parts.append(_image(statistics, plots.MESSAGES_PER_LANGUAGE, _("Messages per language")))

    parts.append("### " + _("Messages by depth and role"))
    rows = [
        [
            depth,
            _number(by_role.get("prompter", 0)),
            _number(by_role.get("assistant", 0)),
            _number(sum(by_role.values())),
        ]
        for depth, by_role in messages["by_depth_and_role"].items()
    ]
    rows.append(
        [
            f"**{_('Total')}**",
            _number(messages["by_role"].get("prompter", 0)),
            _number(messages["by_role"].get("assistant", 0)),
            _number(total),
        ]
    )
    parts.append(_table([_("Depth"), _("Prompter"), _("Assistant"), _("Total")], rows))
    parts.append(_image(statistics, plots.MESSAGES_PER_DEPTH, _("Messages per depth")))

    labels = statistics.get("labels") or {}
    if labels:
        parts.append("### " + _("Labels"))
        parts.append(
            _(
                "The mean of each label over the messages that have it (each message counts once, with the mean "
                "of its reviewers' values), and the number of ratings behind them."
            )
        )
        rows = [
            [f"`{name}`", _decimal(label["mean"]), _number(label["messages"]), _number(label["ratings"])]
            for name, label in labels.items()
        ]
        parts.append(_table([_("Label"), _("Mean"), _("Messages"), _("Ratings")], rows))
        parts.append(_image(statistics, plots.LABEL_MEANS, _("Mean value of each label")))
    return "\n\n".join(part for part in parts if part)


def _agreement(statistics: Mapping[str, Any]) -> str:
    agreement = statistics.get("agreement") or {}
    labels = agreement.get("labels") or {}
    ranking = agreement.get("ranking") or {}
    if not labels and not ranking.get("parents"):
        return ""
    parts = ["## " + _("Agreement between annotators")]
    if labels:
        parts.append(
            _(
                "Krippendorff's alpha per label, from the individual reviews: a unit is a message, its values are "
                "those its reviewers gave. The 5-point scales are taken at the interval level, the yes/no labels "
                "and flags at the nominal level. 1 is perfect agreement, 0 agreement by chance; a dash means "
                "alpha is undefined (no message with two values, or no variation at all)."
            )
        )
        rows = [
            [
                f"`{name}`",
                _decimal(label["alpha"]),
                _("nominal") if label["level"] == NOMINAL else _("interval"),
                _number(label["units"]),
                _number(label["ratings"]),
            ]
            for name, label in labels.items()
        ]
        header = [_("Label"), _("Krippendorff's alpha"), _("Level"), _("Messages rated twice or more"), _("Values")]
        parts.append(_table(header, rows))
    if ranking.get("parents"):
        parts.append(
            _(
                "Rankings: Krippendorff's alpha at the ordinal level over the positions (0 = best) that the "
                "rankings of the same parent gave each of its replies: %(alpha)s, over %(parents)s parents ranked "
                "two or more times (%(rankings)s rankings). Kendall's W, computed per parent over the rankings of "
                "the same replies and averaged over %(w_parents)s parents: %(w)s."
            )
            % {
                "alpha": _decimal(ranking.get("alpha")),
                "parents": _number(ranking["parents"]),
                "rankings": _number(ranking.get("rankings", 0)),
                "w_parents": _number(ranking.get("kendall_w_parents", 0)),
                "w": _decimal(ranking.get("kendall_w")),
            }
        )
    return "\n\n".join(parts)


def _toxicity(statistics: Mapping[str, Any]) -> str:
    toxicity = statistics.get("toxicity") or {}
    languages = {lang: dist for lang, dist in (toxicity.get("by_language") or {}).items() if dist["scored"]}
    if not languages:
        return ""
    text = _(
        "The `toxicity` score of the `detoxify` field, per language: how many messages have one, its mean, and "
        "the share at or above %(threshold)s, the score from which a message goes to the moderators. Messages in "
        "languages the classifier does not cover have no score."
    ) % {"threshold": _decimal(toxicity.get("threshold"))}
    rows = [
        [
            f"`{lang}`",
            _number(dist["scored"]),
            _number(dist["messages"]),
            _decimal(dist["mean"]),
            f"{dist['flagged'] / dist['scored']:.1%}",
        ]
        for lang, dist in languages.items()
    ]
    header = [_("Language"), _("Scored"), _("Messages"), _("Mean toxicity"), _("At or above the threshold")]
    return "\n\n".join(["## " + _("Toxicity"), text, _table(header, rows)])


def _selection(statistics: Mapping[str, Any]) -> str:
    selection = statistics.get("filter") or {}
    if not selection:
        return ""
    states = selection.get("states") or []
    lines = [
        _("Tree states: %(states)s.") % {"states": ", ".join(f"`{state}`" for state in states) or _("all")},
        _("Languages: %(langs)s.") % {"langs": ", ".join(selection.get("langs") or []) or _("all")},
    ]
    inclusion = {"include": _("included"), "exclude": _("left out"), "only": _("only these")}
    for key, title in (
        ("deleted", _("Deleted messages")),
        ("rejected", _("Messages rejected by reviewers")),
        ("synthetic", _("Messages written by a model")),
    ):
        value = selection.get(key)
        if value:
            lines.append(f"{title}: {inclusion.get(value, value)}.")
    if selection.get("date_from") or selection.get("date_to"):
        lines.append(
            _("Trees created from %(start)s to %(end)s.")
            % {"start": selection.get("date_from") or "…", "end": selection.get("date_to") or "…"}
        )
    text = _(
        "A message left out takes the replies under it along. The counts above are those of the flat message file."
    )
    return "## " + _("Selection") + "\n\n" + "\n".join(f"- {line}" for line in lines) + "\n\n" + text


# --- Formatting ---------------------------------------------------------------------------------


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = [_row(header), "|" + "|".join("---" for _cell in header) + "|"]
    lines.extend(_row(row) for row in rows)
    return "\n".join(lines)


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(str(cell).replace("|", "\\|").replace("\n", " ") for cell in cells) + " |"


def _image(statistics: Mapping[str, Any], name: str, title: str) -> str:
    return f"![{title}]({name})" if name in (statistics.get("plots") or {}).values() else ""


def _number(value: int | None) -> str:
    return f"{value or 0:,}"


def _decimal(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _size(size: int | None) -> str:
    return "-" if size is None else str(filesizeformat(size)).replace("\xa0", " ")


def _state_label(state: str) -> str:
    return str(TreeState(state).label) if state in TreeState.values else state
