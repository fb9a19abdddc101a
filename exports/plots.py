"""The plots of a dataset card, as PNG images drawn with matplotlib's Agg canvas (no display, no pyplot state)."""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

# Relative names, under the release's directory; the card embeds them by these paths.
MESSAGES_PER_LANGUAGE = "plots/messages_per_language.png"
MESSAGES_PER_DEPTH = "plots/messages_per_depth.png"
LABEL_MEANS = "plots/label_means.png"
# More languages than this are summed up as "other" in the bar chart.
MAX_LANGUAGE_BARS = 30


def render_plots(statistics: Mapping[str, Any]) -> dict[str, bytes]:
    """The PNG images of the statistics (``exports.services.dataset_card.collect_statistics``), by relative
    name; a plot with nothing to show is left out."""
    plots: dict[str, bytes] = {}
    messages = statistics["messages"]
    if messages["total"]:
        languages = list(messages["by_language"].items())
        if len(languages) > MAX_LANGUAGE_BARS:
            rest = sum(count for _lang, count in languages[MAX_LANGUAGE_BARS - 1 :])
            languages = [*languages[: MAX_LANGUAGE_BARS - 1], (_("other"), rest)]
        plots[MESSAGES_PER_LANGUAGE] = _bar_chart(
            [lang for lang, _count in languages],
            [count for _lang, count in languages],
            title=_("Messages per language"),
            ylabel=_("Messages"),
        )
        depths = messages["by_depth_and_role"]
        plots[MESSAGES_PER_DEPTH] = _stacked_bar_chart(
            list(depths),
            {role: [depths[depth].get(role, 0) for depth in depths] for role in ("prompter", "assistant")},
            title=_("Messages per depth in the tree"),
            xlabel=_("Depth (0 = the prompt)"),
            ylabel=_("Messages"),
        )
    labels = statistics.get("labels") or {}
    if labels:
        plots[LABEL_MEANS] = _horizontal_bar_chart(
            list(labels), [label["mean"] for label in labels.values()], title=_("Mean value of each label")
        )
    return plots


def _figure(width: float = 8, height: float = 4.5) -> Any:
    # The Figure class draws with the Agg canvas by itself: nothing global (pyplot, the backend) is touched.
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=100, layout="constrained")


def _png(figure: Any) -> bytes:
    out = io.BytesIO()
    figure.savefig(out, format="png", metadata={"Software": None})
    return out.getvalue()


def _integer_ticks(axis: Any) -> None:
    from matplotlib.ticker import MaxNLocator

    axis.set_major_locator(MaxNLocator(integer=True))


def _bar_chart(names: list[str], values: list[int], *, title: str, ylabel: str) -> bytes:
    figure = _figure()
    axes = figure.subplots()
    positions = list(range(len(names)))
    axes.bar(positions, values, color="#2b6cb0")
    axes.set_xticks(positions, names)
    axes.set_title(title)
    axes.set_ylabel(ylabel)
    _integer_ticks(axes.yaxis)
    axes.tick_params(axis="x", labelrotation=90 if len(names) > 12 else 0)
    axes.grid(axis="y", alpha=0.3)
    return _png(figure)


def _stacked_bar_chart(
    names: list[str], series: dict[str, list[int]], *, title: str, xlabel: str, ylabel: str
) -> bytes:
    figure = _figure()
    axes = figure.subplots()
    positions = list(range(len(names)))
    bottom = [0] * len(names)
    for (label, values), color in zip(series.items(), ("#2b6cb0", "#dd6b20"), strict=False):
        axes.bar(positions, values, bottom=bottom, label=label, color=color)
        bottom = [base + value for base, value in zip(bottom, values, strict=True)]
    axes.set_xticks(positions, names)
    axes.set_title(title)
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    _integer_ticks(axes.yaxis)
    axes.legend()
    axes.grid(axis="y", alpha=0.3)
    return _png(figure)


def _horizontal_bar_chart(names: list[str], values: list[float], *, title: str) -> bytes:
    figure = _figure(height=max(2.5, 0.35 * len(names) + 1))
    axes = figure.subplots()
    positions = list(range(len(names)))
    axes.barh(positions, values[::-1], color="#2f855a")
    axes.set_yticks(positions, names[::-1])
    axes.set_xlim(0, 1)
    axes.set_title(title)
    axes.grid(axis="x", alpha=0.3)
    return _png(figure)
