import itertools

from annotation.services.ranking import pairwise_wins, ranked_pairs


def test_a_condorcet_winner_comes_first():
    rankings = [["a", "b", "c"], ["a", "c", "b"], ["b", "a", "c"], ["c", "a", "b"]]
    assert ranked_pairs(items=["c", "b", "a"], rankings=rankings)[0] == "a"


def test_unanimous_rankings_give_that_order():
    assert ranked_pairs(items=["x", "y", "z"], rankings=[["z", "x", "y"]] * 3) == ["z", "x", "y"]


def test_rock_paper_scissors_drops_the_weakest_pair_of_the_cycle():
    rankings = [["r", "s", "p"]] * 5 + [["s", "p", "r"]] * 2 + [["p", "r", "s"]] * 4
    wins = pairwise_wins(items=["r", "p", "s"], rankings=rankings)
    # r beats s 9-2, s beats p 7-4, p beats r 6-5: a cycle with margins 7, 3 and 1.
    assert (wins["r", "s"], wins["s", "r"], wins["s", "p"], wins["p", "s"]) == (9, 2, 7, 4)
    assert (wins["p", "r"], wins["r", "p"]) == (6, 5)
    assert ranked_pairs(items=["p", "s", "r"], rankings=rankings) == ["r", "s", "p"]


def test_a_cycle_is_broken_at_its_smallest_margin():
    rankings = [["a", "b", "c"]] * 4 + [["b", "c", "a"]] * 3 + [["c", "a", "b"]] * 2
    # a>b 6-3 (3), b>c 7-2 (5), c>a 5-4 (1): lock b>c, a>b, skip c>a.
    assert ranked_pairs(items=["c", "b", "a"], rankings=rankings) == ["a", "b", "c"]


def test_items_missing_from_a_partial_ranking_rank_below_the_ranked_ones():
    rankings = [["c"], ["c", "a"], ["a", "c", "b"]]
    # c>a 2-1, c>b 3-0, a>b 2-0 (b is missing from the first two and below a in the third).
    assert ranked_pairs(items=["a", "b", "c"], rankings=rankings) == ["c", "a", "b"]


def test_unknown_and_repeated_ids_in_a_ranking_are_ignored():
    assert ranked_pairs(items=["a", "b"], rankings=[["zzz", "b", "b", "a"]]) == ["b", "a"]


def test_ties_and_no_votes_keep_the_given_item_order():
    assert ranked_pairs(items=["m", "k", "q"], rankings=[]) == ["m", "k", "q"]
    assert ranked_pairs(items=["m", "k"], rankings=[["k", "m"], ["m", "k"]]) == ["m", "k"]
    assert ranked_pairs(items=["k", "m"], rankings=[["k", "m"], ["m", "k"]]) == ["k", "m"]


def test_the_result_does_not_depend_on_the_order_of_the_rankings():
    rankings = [["a", "b", "c", "d"], ["b", "c", "d", "a"], ["c", "d", "a", "b"], ["d", "a", "b", "c"], ["a", "c"]]
    results = {tuple(ranked_pairs(items=list("abcd"), rankings=list(p))) for p in itertools.permutations(rankings)}
    assert len(results) == 1
    assert sorted(results.pop()) == list("abcd")
