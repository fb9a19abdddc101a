"""Merging several rankings of the same siblings with ranked pairs (Tideman), SPEC 6."""

from collections.abc import Sequence
from itertools import combinations


def pairwise_wins(*, items: Sequence[str], rankings: Sequence[Sequence[str]]) -> dict[tuple[str, str], int]:
    """(a, b) -> how many rankings put a above b.

    An item missing from a ranking is below every item that ranking orders; two missing items are tied.
    Ids in a ranking that are not among ``items`` are ignored.
    """
    wins = {(a, b): 0 for a in items for b in items if a != b}
    known = set(items)
    for ranking in rankings:
        position = {item: i for i, item in enumerate(dict.fromkeys(i for i in ranking if i in known))}
        missing = len(position)
        for a, b in combinations(items, 2):
            pa, pb = position.get(a, missing), position.get(b, missing)
            if pa < pb:
                wins[a, b] += 1
            elif pb < pa:
                wins[b, a] += 1
    return wins


def _reaches(graph: dict[str, set[str]], start: str, goal: str) -> bool:
    seen, stack = set(), [start]
    while stack:
        node = stack.pop()
        if node == goal:
            return True
        if node not in seen:
            seen.add(node)
            stack.extend(graph[node])
    return False


def ranked_pairs(*, items: Sequence[str], rankings: Sequence[Sequence[str]]) -> list[str]:
    """``items`` ordered best first by the ranked-pairs method.

    Pairs are locked in by decreasing margin, then by larger winning count, then by the order of ``items``;
    a pair that would close a cycle is skipped. Items no locked pair separates keep the order of ``items``,
    so the caller's order of ``items`` is the final, deterministic tie-break.
    """
    order = {item: i for i, item in enumerate(items)}
    wins = pairwise_wins(items=items, rankings=rankings)
    majorities = [(a, b) for (a, b), n in wins.items() if n > wins[b, a]]
    majorities.sort(key=lambda p: (-(wins[p] - wins[p[1], p[0]]), -wins[p], order[p[0]], order[p[1]]))

    graph: dict[str, set[str]] = {item: set() for item in items}
    for winner, loser in majorities:
        if not _reaches(graph, loser, winner):
            graph[winner].add(loser)

    # Topological order of the locked graph, taking the earliest available item at each step.
    beaten_by = {item: 0 for item in items}
    for losers in graph.values():
        for loser in losers:
            beaten_by[loser] += 1
    result: list[str] = []
    available = [item for item in items if beaten_by[item] == 0]
    while available:
        best = min(available, key=order.__getitem__)
        available.remove(best)
        result.append(best)
        for loser in graph[best]:
            beaten_by[loser] -= 1
            if beaten_by[loser] == 0:
                available.append(loser)
    return result
