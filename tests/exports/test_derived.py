"""The rows derived from one tree line (exports.derived), on hand-made trees with known ranks."""

from exports.derived import best_path, flat_message, preference_pairs, sft_examples, threads


def node(message_id, role, *, rank=None, replies=(), **fields):
    data = {"message_id": message_id, "role": role, "text": f"text of {message_id}", "lang": "en", **fields}
    if rank is not None:
        data["rank"] = rank
    data["replies"] = list(replies)
    return data


def ranking_events(count):
    return {"ranking": [{"type": "ranking", "ranking": [0, 1]} for _ in range(count)]}


def tree(prompt, state="ready_for_export"):
    return {"message_tree_id": prompt["message_id"], "tree_state": state, "prompt": prompt}


# P0 ─ A0 (rank 0) ─ P01 ─ A011 (the only reply, unranked)
#    ├ A1 (rank 1) ─ P11 ─ A111 (rank 0), A112 (rank 1)
#    ├ A2 (rank 2) ─ P21 (a leaf)
#    └ Aun (no rank)
BIG = tree(
    node(
        "P0",
        "prompter",
        events=ranking_events(3),
        replies=[
            node("A0", "assistant", rank=0, replies=[node("P01", "prompter", replies=[node("A011", "assistant")])]),
            node(
                "A1",
                "assistant",
                rank=1,
                replies=[
                    node(
                        "P11",
                        "prompter",
                        events=ranking_events(2),
                        replies=[node("A111", "assistant", rank=0), node("A112", "assistant", rank=1)],
                    )
                ],
            ),
            node("A2", "assistant", rank=2, replies=[node("P21", "prompter")]),
            node("Aun", "assistant"),
        ],
    )
)


def ids(messages):
    return [message["message_id"] for message in messages]


def test_threads_end_at_every_leaf_and_every_assistant_reply():
    rows = list(threads(BIG))
    assert [row["thread_id"] for row in rows] == ["A0", "A011", "A1", "A111", "A112", "A2", "P21", "Aun"]
    by_id = {row["thread_id"]: row["thread"] for row in rows}
    assert ids(by_id["A112"]) == ["P0", "A1", "P11", "A112"]
    assert ids(by_id["P21"]) == ["P0", "A2", "P21"]
    message = by_id["A111"][-1]
    assert "replies" not in message
    assert message["message_tree_id"] == "P0" and message["tree_state"] == "ready_for_export"
    assert message == flat_message(
        BIG["prompt"]["replies"][1]["replies"][0]["replies"][0], tree_id="P0", state="ready_for_export"
    )


def test_a_lone_prompt_is_one_thread_and_no_example():
    lone = tree(node("P", "prompter"), state="prompt_lottery_waiting")
    assert [row["thread_id"] for row in threads(lone)] == ["P"]
    assert list(sft_examples(lone)) == []
    assert list(sft_examples(lone, all_paths=True)) == []
    assert list(preference_pairs(lone)) == []


def test_best_path_takes_the_best_ranked_or_only_reply():
    assert ids(best_path(BIG["prompt"])) == ["P0", "A0", "P01", "A011"]
    [example] = sft_examples(BIG)
    assert example["message_ids"] == ["P0", "A0", "P01", "A011"]
    assert example["messages"] == [
        {"role": "user", "content": "text of P0"},
        {"role": "assistant", "content": "text of A0"},
        {"role": "user", "content": "text of P01"},
        {"role": "assistant", "content": "text of A011"},
    ]
    assert example["message_tree_id"] == "P0" and example["lang"] == "en"


def test_best_path_does_not_depend_on_the_order_of_the_replies():
    shuffled = tree(node("P", "prompter", replies=[node("A2", "assistant", rank=2), node("A1", "assistant", rank=1)]))
    assert [example["message_ids"] for example in sft_examples(shuffled)] == [["P", "A1"]]


def test_unranked_siblings_end_the_best_path_which_is_cut_after_its_last_assistant_reply():
    # Two replies without a rank: which is best is undefined, so the example ends at A (P2 is a prompter turn).
    undecided = tree(
        node(
            "P",
            "prompter",
            replies=[
                node(
                    "A",
                    "assistant",
                    rank=0,
                    replies=[node("P2", "prompter", replies=[node("X", "assistant"), node("Y", "assistant")])],
                ),
                node("B", "assistant", rank=1),
            ],
        )
    )
    assert [example["message_ids"] for example in sft_examples(undecided)] == [["P", "A"]]
    # A ranked reply wins over unranked siblings (they were not part of the ranking).
    mixed = tree(node("P", "prompter", replies=[node("U", "assistant"), node("R", "assistant", rank=1)]))
    assert [example["message_ids"] for example in sft_examples(mixed)] == [["P", "R"]]
    # Unranked replies right under the prompt: no example.
    growing = tree(node("P", "prompter", replies=[node("X", "assistant"), node("Y", "assistant")]), state="growing")
    assert list(sft_examples(growing)) == []
    # The only reply, ranked or not, is taken.
    single = tree(node("P", "prompter", replies=[node("A", "assistant")]), state="growing")
    assert [example["message_ids"] for example in sft_examples(single)] == [["P", "A"]]


def test_all_paths_gives_every_thread_to_a_leaf_cut_after_its_last_assistant_reply_once():
    paths = [example["message_ids"] for example in sft_examples(BIG, all_paths=True)]
    assert paths == [
        ["P0", "A0", "P01", "A011"],
        ["P0", "A1", "P11", "A111"],
        ["P0", "A1", "P11", "A112"],
        ["P0", "A2"],
        ["P0", "Aun"],
    ]
    twice = tree(
        node(
            "P", "prompter", replies=[node("A", "assistant", replies=[node("Q1", "prompter"), node("Q2", "prompter")])]
        )
    )
    assert [example["message_ids"] for example in sft_examples(twice, all_paths=True)] == [["P", "A"]]


def test_pairs_are_every_ordered_pair_of_ranked_assistant_siblings():
    rows = list(preference_pairs(BIG))
    assert [(row["chosen_id"], row["rejected_id"], row["rank_margin"]) for row in rows] == [
        ("A0", "A1", 1),
        ("A0", "A2", 2),
        ("A1", "A2", 1),
        ("A111", "A112", 1),
    ]
    first, last = rows[0], rows[-1]
    assert first["prompt"] == [{"role": "user", "content": "text of P0"}]
    assert first["chosen"] == [{"role": "assistant", "content": "text of A0"}]
    assert first["rejected"] == [{"role": "assistant", "content": "text of A1"}]
    assert (first["chosen_rank"], first["rejected_rank"], first["parent_id"], first["ranking_count"]) == (0, 1, "P0", 3)
    assert [turn["content"] for turn in last["prompt"]] == ["text of P0", "text of A1", "text of P11"]
    assert [turn["role"] for turn in last["prompt"]] == ["user", "assistant", "user"]
    assert (last["parent_id"], last["ranking_count"], last["message_tree_id"], last["lang"]) == ("P11", 2, "P0", "en")


def test_pairs_leave_out_ties_unranked_replies_and_prompter_follow_ups():
    odd = tree(
        node(
            "P",
            "prompter",
            replies=[
                node(
                    "A", "assistant", rank=0, replies=[node("Q0", "prompter", rank=0), node("Q1", "prompter", rank=1)]
                ),
                node("B", "assistant", rank=0),
                node("C", "assistant", rank=2),
                node("D", "assistant"),
            ],
        )
    )
    rows = list(preference_pairs(odd))
    assert [(row["chosen_id"], row["rejected_id"]) for row in rows] == [("A", "C"), ("B", "C")]
    assert all(row["ranking_count"] == 0 for row in rows)  # no events in this tree
