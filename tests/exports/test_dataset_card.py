"""The dataset card of a release: statistics counted on a hand-made set of trees (conftest ``trees``), with
reviews and rankings whose agreement is worked out by hand in test_statistics, and README.md whose YAML header
parses and holds what the Hugging Face Hub reads."""

import pytest
import yaml

from annotation.models import Message, Ranking, Review
from exports.card import card_metadata, split_front_matter
from exports.errors import ReleaseNotFound
from exports.file_kinds import FileKind
from exports.filters import ExportFilter
from exports.releases import ReleaseFile
from exports.services.dataset_card import collect_statistics, write_dataset_card
from exports.storage import export_storage
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def rated(trees):
    """Labels, reviews and rankings on the trees; those of messages the release leaves out must not count."""
    t = trees
    Message.objects.filter(pk=t["p1"].pk).update(
        labels={"spam": {"value": 0.0, "count": 3}, "quality": {"value": 0.5, "count": 3}}
    )
    Message.objects.filter(pk=t["a1"].pk).update(labels={"quality": {"value": 1.0, "count": 2}})
    Message.objects.filter(pk=t["a2"].pk).update(labels={"quality": {"value": 0.0, "count": 5}})
    r1, r2, r3 = UserFactory(), UserFactory(), UserFactory()
    # spam (nominal): P1 (1, 1), A1 (0, 1, 0), F1 (0, 0, 0), P2 (1), A4 (0, 1): alpha = 1/4 (test_statistics).
    # quality (interval): P1 (0, ¼), A1 (½, ½, 1), F1 (1, 1), P2 (¾): alpha = 8/11.
    reviews = [
        ("p1", r1, {"spam": 1, "quality": 0}),
        ("p1", r2, {"spam": 1, "quality": 0.25}),
        ("a1", r1, {"spam": 0, "quality": 0.5}),
        ("a1", r2, {"spam": 1, "quality": 0.5}),
        ("a1", r3, {"spam": 0, "quality": 1}),
        ("f1", r1, {"spam": 0, "quality": 1}),
        ("f1", r2, {"spam": 0, "quality": 1}),
        ("f1", r3, {"spam": 0}),
        ("p2", r1, {"spam": 1, "quality": 0.75}),
        ("a4", r2, {"spam": 0}),
        ("a4", r3, {"spam": 1}),
        # Left out: a deleted reply, and a growing tree.
        ("a2", r1, {"spam": 1, "quality": 0}),
        ("a2", r2, {"spam": 0, "quality": 1}),
        ("a6", r1, {"spam": 1, "quality": 0}),
        ("a6", r2, {"spam": 0, "quality": 1}),
    ]
    for name, reviewer, values in reviews:
        Review.objects.create(message=t[name], reviewer=reviewer, values=values, full=False)

    def rank(parent, shown, order, **fields):
        ids = [str(t[name].pk) for name in shown]
        Ranking.objects.create(
            parent=t[parent], tree=t[parent].tree, user=UserFactory(), ranked_message_ids=ids, ranking=order, **fields
        )

    # Ordinal alpha 3/8 and Kendall's W 0.375 (test_statistics).
    rank("p1", ["a1", "a2", "a3"], [0, 1, 2])
    rank("p1", ["a1", "a2", "a3"], [0, 2, 1])
    rank("p2", ["a4", "a5"], [0, 1])
    rank("p2", ["a5", "a4"], [0, 1])
    rank("p2", ["a4", "a5"], [], not_rankable=True)
    rank("p3", ["a6", "a1"], [1, 0])
    return trees


def test_statistics_of_the_default_release_filter(rated, django_assert_num_queries):
    with django_assert_num_queries(8):
        statistics = collect_statistics(ExportFilter(anonymize_seed="secret"))

    assert statistics["filter"]["states"] == ["ready_for_export"]
    assert statistics["filter"]["anonymized"] is True
    assert "secret" not in str(statistics)
    assert statistics["trees"] == {
        "total": 2,
        "by_state": {"ready_for_export": 2},
        "by_language": {"de": 1, "en": 1},
        "by_language_and_state": {"de": {"ready_for_export": 1}, "en": {"ready_for_export": 1}},
    }
    assert statistics["messages"] == {
        "total": 6,
        "by_language": {"de": 3, "en": 3},
        "by_role": {"assistant": 3, "prompter": 3},
        "by_depth": {"0": 2, "1": 3, "2": 1},
        "by_depth_and_role": {"0": {"prompter": 2}, "1": {"assistant": 3}, "2": {"prompter": 1}},
    }
    # p1 and a1 have the same author.
    assert statistics["contributors"] == 5
    assert statistics["labels"] == {
        "quality": {"mean": 0.75, "messages": 2, "ratings": 5},
        "spam": {"mean": 0.0, "messages": 1, "ratings": 3},
    }
    labels = statistics["agreement"]["labels"]
    assert labels["spam"] == {"level": "nominal", "alpha": pytest.approx(0.25), "units": 4, "ratings": 10}
    assert labels["quality"] == {"level": "interval", "alpha": pytest.approx(8 / 11), "units": 3, "ratings": 7}
    ranking = statistics["agreement"]["ranking"]
    assert ranking["alpha"] == pytest.approx(0.375)
    assert (ranking["parents"], ranking["rankings"], ranking["kendall_w_parents"]) == (2, 4, 2)
    assert ranking["kendall_w"] == pytest.approx(0.375)


def test_toxicity_distribution_per_language(rated, settings, make_release):
    """The card reports the toxicity score of the files' detoxify field per language, released messages only."""
    from annotation.models import ToxicityScore

    settings.TOXICITY_FLAG_THRESHOLD = 0.8
    t = rated
    model = "detoxify"  # the first of the export's models by default: scores imported with the data
    for name, score in (("p1", 0.1), ("a1", 0.9), ("f1", 0.5), ("p2", 0.95), ("a2", 0.99)):
        ToxicityScore.objects.create(message=t[name], model_name=model, scores={"toxicity": score})
    toxicity = collect_statistics(ExportFilter())["toxicity"]
    assert toxicity["threshold"] == 0.8
    en, de = toxicity["by_language"]["en"], toxicity["by_language"]["de"]
    # a2 is deleted: not in the release, not counted.
    assert (en["messages"], en["scored"], en["flagged"]) == (3, 3, 1)
    assert en["mean"] == pytest.approx(0.5)
    assert (de["messages"], de["scored"], de["flagged"]) == (3, 1, 1)
    assert sum(en["histogram"]) == 3 and en["histogram"][9] == 1

    release = write_dataset_card(release_id=make_release().pk)
    section = release.card.split("## Toxicity", 1)[1]
    assert "| `de` | 1 | 3 | 0.950 | 100.0% |" in section
    assert "| `en` | 3 | 3 | 0.500 | 33.3% |" in section


def test_statistics_of_every_state(rated):
    statistics = collect_statistics(ExportFilter(states=()))
    assert statistics["trees"]["by_state"] == {"growing": 1, "ready_for_export": 2}
    assert statistics["trees"]["by_language_and_state"]["en"] == {"growing": 1, "ready_for_export": 1}
    assert statistics["messages"]["total"] == 8


def test_statistics_of_nothing(db):
    statistics = collect_statistics(ExportFilter())
    assert statistics["messages"]["total"] == 0
    assert statistics["trees"]["total"] == 0
    assert statistics["labels"] == {}
    assert statistics["agreement"]["labels"] == {}
    assert statistics["agreement"]["ranking"]["alpha"] is None


def test_the_card_of_a_release(rated, make_release, settings):
    settings.DATASET_LICENSE = "cc-by-4.0"
    settings.DATASET_PRETTY_NAME = "Test Conversations"
    settings.HF_DATASET_REPO_ID = "open-assistant/test-conversations"
    release = make_release(
        {FileKind.TREES: b"{}\n{}\n", FileKind.MESSAGES: b"{}\n", FileKind.PARQUET: b"PAR1"},
        directory="releases/2026-12-07T0300Z",
    )

    written = write_dataset_card(release_id=release.pk)

    release.refresh_from_db()
    assert release.card == written.card
    assert release.statistics["messages"]["total"] == 6
    assert release.statistics["filter"]["anonymized"] is True
    assert release.statistics["files"] == [
        {"kind": "trees", "name": "trees.jsonl.gz", "rows": 2, "size_bytes": 6},
        {"kind": "messages", "name": "messages.jsonl.gz", "rows": 1, "size_bytes": 3},
        {"kind": "parquet", "name": "messages.parquet", "rows": 1, "size_bytes": 4},
    ]
    plots = release.statistics["plots"]
    assert plots == {
        "messages_per_language": "plots/messages_per_language.png",
        "messages_per_depth": "plots/messages_per_depth.png",
        "label_means": "plots/label_means.png",
    }
    for name in plots.values():
        with export_storage().open(f"releases/2026-12-07T0300Z/{name}") as image:
            assert image.read(8) == b"\x89PNG\r\n\x1a\n"
    with export_storage().open("releases/2026-12-07T0300Z/README.md") as stored:
        assert stored.read().decode() == release.card

    header, body = split_front_matter(release.card)
    metadata = yaml.safe_load(header)
    assert metadata == {
        "license": "cc-by-4.0",
        "language": ["de", "en"],
        "multilinguality": ["multilingual"],
        "size_categories": ["n<1K"],
        "task_categories": ["text-generation"],
        "tags": ["human-feedback", "conversations", "rlhf", "oasst"],
        "pretty_name": "Test Conversations",
        "configs": [
            {"config_name": "trees", "data_files": [{"split": "train", "path": "trees.jsonl.gz"}]},
            {"config_name": "messages", "data_files": [{"split": "train", "path": "messages.jsonl.gz"}]},
            {
                "config_name": "parquet",
                "data_files": [{"split": "train", "path": "messages.parquet"}],
                "default": True,
            },
        ],
    }
    assert body.startswith("# Test Conversations\n")
    assert "This release holds 6 messages in 2 conversation trees, in 2 languages" in body
    assert "| de | 3 | 50.0 % |" in body
    assert "| 1 | 0 | 3 | 3 |" in body  # depth 1: three assistant replies
    assert "| `quality` | 0.750 | 2 | 5 |" in body
    assert "| `quality` | 0.727 | interval | 3 | 7 |" in body
    assert "| `spam` | 0.250 | nominal | 4 | 10 |" in body
    assert "![Messages per language](plots/messages_per_language.png)" in body
    assert "| [messages.parquet](messages.parquet) | Flat messages (Parquet) | 1 | 4 bytes |" in body
    assert 'load_dataset("open-assistant/test-conversations", "parquet", split="train")' in body
    assert 'pd.read_json("trees.jsonl.gz", lines=True)' in body
    assert "cc-by-4.0" in body


def test_the_hub_client_reads_the_card(rated, make_release):
    from huggingface_hub import DatasetCard

    release = write_dataset_card(release_id=make_release().pk)
    data = DatasetCard(release.card).data
    assert data.license == "apache-2.0"
    assert data.language == ["de", "en"]
    assert data.size_categories == ["n<1K"]
    assert data.task_categories == ["text-generation"]
    assert [config["config_name"] for config in data.configs] == ["trees", "parquet"]


def test_the_card_of_an_empty_release(make_release, db):
    release = write_dataset_card(release_id=make_release().pk)
    header, body = split_front_matter(release.card)
    metadata = yaml.safe_load(header)
    assert "language" not in metadata
    assert metadata["size_categories"] == ["n<1K"]
    assert "The release holds no messages." in body
    assert release.statistics["plots"] == {}


def test_an_unknown_release(db):
    import uuid

    with pytest.raises(ReleaseNotFound):
        write_dataset_card(release_id=uuid.uuid4())


@pytest.mark.parametrize(
    ("total", "category"), [(999, "n<1K"), (12_345, "10K<n<100K"), (161_443, "100K<n<1M"), (2_000_000, "1M<n<10M")]
)
def test_size_category_of_the_message_count(total, category):
    statistics = {"messages": {"total": total, "by_language": {"en": total}}}
    files = [ReleaseFile(FileKind.MESSAGES, "messages.jsonl", "x/messages.jsonl", total, 10, False)]
    metadata = card_metadata(statistics=statistics, files=files, license="apache-2.0", pretty_name="X")
    assert metadata["size_categories"] == [category]
    assert metadata["multilinguality"] == ["monolingual"]
    assert metadata["configs"] == [
        {"config_name": "messages", "data_files": [{"split": "train", "path": "messages.jsonl"}], "default": True}
    ]


def test_split_front_matter():
    assert split_front_matter("---\na: 1\n---\n\n# Title\n") == ("a: 1\n", "# Title\n")
    assert split_front_matter("# No header\n") == ("", "# No header\n")
