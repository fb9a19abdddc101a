"""Files derived from the trees (SPEC 8): conversation threads, chat examples for supervised fine-tuning and
preference pairs for reward models.

Each function takes one tree line as the tree export writes it (parsed: ``message_tree_id``, ``tree_state``,
``prompt`` with its ``replies`` ordered by rank, unranked last) and yields the rows it gives, so a file is
made one tree at a time. The trees are those of the export filter: what it leaves out (deleted or rejected
messages by default, and what sits under them) is in no row; with an ``only`` filter the tree holds the
threads leading to the matching messages, and so do the rows. Ids are the file's (anonymized or not).

- Threads: one per path from the prompt to a leaf and to every assistant reply, pre-order in reply order;
  ``thread_id`` is the id of the last message, ``thread`` the messages as the flat file writes them.
- Chat examples: ``messages`` are ``{"role", "content"}`` turns (prompter → ``user``) ending in an
  assistant reply, with ``message_tree_id``, ``lang`` (the prompt's) and the ``message_ids`` of the turns.
  By default one example per tree, the best-ranked path: from the prompt, the only reply where there is
  one, otherwise the best-ranked reply (lowest ``rank``; replies without a rank are passed over, as the
  ranking did not include them); where two or more replies have no rank at all, "best" is undefined and the
  path ends there. The path is then cut after its last assistant reply; a tree whose path holds none gives
  no example. With ``all_paths`` every thread from the prompt to a leaf, cut likewise, gives one example
  (each once).
- Preference pairs: for each message with two or more ranked assistant replies, one row per pair of them
  with different ranks: ``prompt`` (the thread up to that message, as turns), ``chosen`` (the better-ranked
  reply as a one-turn list) and ``rejected`` (the worse one), the layout of preference data for reward
  model and DPO trainers, with their ids, ranks, ``rank_margin`` (the difference of the ranks) and
  ``ranking_count`` (the ranking events on the parent, as the platform counts them; the tree must carry
  its events). Rankings of prompter follow-ups are left out: a reward model scores assistant replies.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import combinations

CHAT_ROLES = {"prompter": "user", "assistant": "assistant"}


def _walk(prompt: dict) -> Iterator[tuple[list[dict], dict]]:
    """(the path from the prompt to the node, the node), depth first in reply order. The path is one list,
    changed as the walk goes on: copy what is kept."""
    path: list[dict] = []
    stack: list[tuple[dict, int]] = [(prompt, 0)]
    while stack:
        node, depth = stack.pop()
        del path[depth:]
        path.append(node)
        yield path, node
        stack.extend((reply, depth + 1) for reply in reversed(node.get("replies") or ()))


def flat_message(node: dict, *, tree_id: str, state: str) -> dict:
    """The node as a line of the flat message file: without ``replies``, with its tree's id and state."""
    message = {key: value for key, value in node.items() if key != "replies"}
    message["message_tree_id"] = tree_id
    message["tree_state"] = state
    return message


def threads(tree: dict) -> Iterator[dict]:
    tree_id, state = tree["message_tree_id"], tree["tree_state"]
    flat: list[dict] = []
    for path, node in _walk(tree["prompt"]):
        del flat[len(path) - 1 :]
        flat.append(flat_message(node, tree_id=tree_id, state=state))
        if node.get("role") == "assistant" or not node.get("replies"):
            yield {"thread_id": node["message_id"], "thread": list(flat)}


def _turn(node: dict) -> dict:
    return {"role": CHAT_ROLES.get(node.get("role"), node.get("role")), "content": node.get("text")}


def _ranked(node: dict) -> bool:
    rank = node.get("rank")
    return isinstance(rank, int) and not isinstance(rank, bool)


def _best_reply(replies: list[dict]) -> dict | None:
    if len(replies) == 1:
        return replies[0]
    ranked = [reply for reply in replies if _ranked(reply)]
    # min() keeps the first of equal ranks: the file's order.
    return min(ranked, key=lambda reply: reply["rank"]) if ranked else None


def best_path(prompt: dict) -> list[dict]:
    """The prompt and, at each step, the only or the best-ranked reply, as far as "best" is defined."""
    path = [prompt]
    while (replies := path[-1].get("replies")) and (reply := _best_reply(replies)) is not None:
        path.append(reply)
    return path


def _until_last_assistant(path: list[dict]) -> list[dict]:
    end = len(path)
    while end and path[end - 1].get("role") != "assistant":
        end -= 1
    return path[:end]


def _example(tree: dict, path: list[dict]) -> dict:
    return {
        "messages": [_turn(node) for node in path],
        "message_tree_id": tree["message_tree_id"],
        "lang": tree["prompt"].get("lang"),
        "message_ids": [node["message_id"] for node in path],
    }


def sft_examples(tree: dict, *, all_paths: bool = False) -> Iterator[dict]:
    if not all_paths:
        path = _until_last_assistant(best_path(tree["prompt"]))
        if path:
            yield _example(tree, path)
        return
    seen: set[str] = set()
    for path, node in _walk(tree["prompt"]):
        if node.get("replies"):
            continue
        kept = _until_last_assistant(path)
        if kept and kept[-1]["message_id"] not in seen:
            seen.add(kept[-1]["message_id"])
            yield _example(tree, kept)


def _ranking_count(node: dict) -> int:
    events = node.get("events")
    rankings = events.get("ranking") if isinstance(events, dict) else None
    return len(rankings) if isinstance(rankings, list) else 0


def preference_pairs(tree: dict) -> Iterator[dict]:
    for path, node in _walk(tree["prompt"]):
        ranked = [reply for reply in node.get("replies") or () if reply.get("role") == "assistant" and _ranked(reply)]
        if len(ranked) < 2:
            continue
        ranked.sort(key=lambda reply: reply["rank"])
        prompt = [_turn(message) for message in path]
        for better, worse in combinations(ranked, 2):
            if better["rank"] == worse["rank"]:
                continue  # a tie says nothing about which is better
            yield {
                "prompt": prompt,
                "chosen": [_turn(better)],
                "rejected": [_turn(worse)],
                "message_tree_id": tree["message_tree_id"],
                "lang": tree["prompt"].get("lang"),
                "parent_id": node["message_id"],
                "chosen_id": better["message_id"],
                "rejected_id": worse["message_id"],
                "chosen_rank": better["rank"],
                "rejected_rank": worse["rank"],
                "rank_margin": worse["rank"] - better["rank"],
                "ranking_count": _ranking_count(node),
            }
