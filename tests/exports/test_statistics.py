"""The numbers of a dataset card (exports.statistics): Krippendorff's alpha against cases worked out by hand
from the coincidence matrix, Kendall's W, the Hub's size categories and language codes.

Krippendorff's alpha by hand: o[c][k] = Σ over units u of (ordered pairs of values (c, k) in u) / (m_u - 1),
n_c = Σ_k o[c][k], n = Σ_c n_c, and alpha = 1 - (n - 1) · Σ o[c][k]·δ²(c, k) / Σ n_c·n_k·δ²(c, k).
"""

from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

from exports.statistics import (
    INTERVAL,
    NOMINAL,
    hub_languages,
    kendall_w,
    krippendorff_alpha,
    label_agreement,
    label_level,
    label_means,
    ranking_agreement,
    ranking_positions,
    reliability_matrix,
    size_category,
)

NAN = float("nan")


def _long(matrix: list[list[float]]) -> tuple[list[int], list[float]]:
    """(unit, value) pairs of a reliability matrix given a row per coder and a column per unit."""
    units, values = [], []
    for row in matrix:
        for unit, value in enumerate(row):
            if value == value:  # not NaN
                units.append(unit)
                values.append(value)
    return units, values


# Coders A, B, C (rows) rate units u1..u5 (columns) yes (1) or no (0); NaN is a missing value.
NOMINAL_CASE = [
    [1, 0, 0, 1, NAN],
    [1, 1, 0, NAN, 0],
    [NAN, 0, 0, NAN, 1],
]


def test_nominal_alpha_with_missing_values_by_hand():
    # u1 = (1, 1), m = 2: o11 += 2.      u2 = (0, 1, 0), m = 3: o00 += 2/2, o01 += 2/2, o10 += 2/2.
    # u3 = (0, 0, 0), m = 3: o00 += 6/2.  u4 = (1): a single value, no pair.  u5 = (0, 1): o01 += 1, o10 += 1.
    o00, o01, o10, o11 = Fraction(4), Fraction(2), Fraction(2), Fraction(2)
    n0, n1 = o00 + o01, o10 + o11
    n = n0 + n1
    assert (n0, n1, n) == (6, 4, 10)
    # Nominal: δ = 1 for different values, 0 for equal ones.
    expected = 1 - (n - 1) * (o01 + o10) / (2 * n0 * n1)
    assert expected == Fraction(1, 4)
    units, values = _long(NOMINAL_CASE)
    assert krippendorff_alpha(units, values, level=NOMINAL) == pytest.approx(float(expected))


def test_interval_alpha_with_missing_values_by_hand():
    # Quality on the 5-point scale; u4 has a single value.
    matrix = [
        [0, 0.5, 1, 0.75],
        [0.25, 0.5, 1, NAN],
        [NAN, 1, NAN, NAN],
    ]
    q = Fraction(1, 4)
    # u1 = (0, ¼): o(0,¼) = o(¼,0) = 1.  u2 = (½, ½, 1), m = 3: o(½,½) = 1, o(½,1) = o(1,½) = 1.
    # u3 = (1, 1): o(1,1) = 2.
    n = {0: 1, q: 1, 2 * q: 2, 1: 3}
    assert sum(n.values()) == 7
    observed = 2 * q**2 + 2 * (2 * q) ** 2  # o·δ² summed over the ordered pairs of different values
    values_ = sorted(n)
    expected_sum = 2 * sum(n[c] * n[k] * (c - k) ** 2 for i, c in enumerate(values_) for k in values_[i + 1 :])
    assert (observed, expected_sum) == (Fraction(5, 8), Fraction(55, 4))
    expected = 1 - (7 - 1) * observed / expected_sum
    assert expected == Fraction(8, 11)
    units, values = _long(matrix)
    assert krippendorff_alpha(units, values, level=INTERVAL) == pytest.approx(float(expected))


def test_ordinal_alpha_of_rank_positions_by_hand():
    # Two rankings of parent P's replies a, b, c: (a, b, c) and (a, c, b); two of Q's x, y: (x, y) and (y, x).
    positions = ranking_positions(
        [
            ("P", ["a", "b", "c"], [0, 1, 2]),
            ("P", ["a", "b", "c"], [0, 2, 1]),
            ("Q", ["x", "y"], [0, 1]),
            ("Q", ["y", "x"], [0, 1]),
        ]
    )
    # Units (P,a) = (0, 0), (P,b) = (1, 2), (P,c) = (2, 1), (Q,x) = (0, 1), (Q,y) = (1, 0); each m = 2:
    # o00 = 2, o12 = o21 = 2, o01 = o10 = 2.  n0 = 4, n1 = 4, n2 = 2, n = 10.
    n0, n1, n2 = 4, 4, 2
    # Ordinal: δ²(c, k) = (Σ_{g=c..k} n_g - (n_c + n_k)/2)².
    d01 = Fraction(n0 + n1 - Fraction(n0 + n1, 2)) ** 2
    d12 = Fraction(n1 + n2 - Fraction(n1 + n2, 2)) ** 2
    d02 = Fraction(n0 + n1 + n2 - Fraction(n0 + n2, 2)) ** 2
    assert (d01, d12, d02) == (16, 9, 49)
    observed = 2 * 2 * d01 + 2 * 2 * d12
    expected_sum = 2 * (n0 * n1 * d01 + n0 * n2 * d02 + n1 * n2 * d12)
    expected = 1 - 9 * observed / expected_sum
    assert expected == Fraction(3, 8)

    agreement = ranking_agreement(positions)
    assert agreement["method"] == "krippendorff_alpha_ordinal"
    assert agreement["alpha"] == pytest.approx(float(expected))
    assert (agreement["parents"], agreement["rankings"]) == (2, 4)
    # Kendall's W: P's rank sums (ranks 1..3) are a 2, b 5, c 5, mean 4, S = 6: W = 12·6 / (2²·(3³ - 3)) = 0.75;
    # Q's are 3 and 3, S = 0: W = 0. Averaged: 0.375.
    assert agreement["kendall_w"] == pytest.approx(0.375)
    assert agreement["kendall_w_parents"] == 2


def test_reliability_matrix_has_a_row_per_rating_slot_and_nan_where_missing():
    matrix = reliability_matrix(["m1", "m2", "m1", "m3", "m1"], [0.5, 1.0, 0.25, 0.0, NAN])
    expected = np.array([[0.5, 1.0, 0.0], [0.25, NAN, NAN]])
    np.testing.assert_array_equal(matrix, expected)
    assert reliability_matrix([], []).shape == (0, 0)


def test_alpha_is_none_when_undefined():
    # No unit with two values.
    assert krippendorff_alpha([1, 2, 3], [0.0, 1.0, 0.5], level=INTERVAL) is None
    # Everybody gave the same value everywhere: nothing varies, alpha is 0/0.
    assert krippendorff_alpha([1, 1, 2, 2], [0.0, 0.0, 0.0, 0.0], level=NOMINAL) is None
    assert krippendorff_alpha([], [], level=NOMINAL) is None


def test_perfect_agreement_is_one():
    assert krippendorff_alpha([1, 1, 2, 2], [0.0, 0.0, 1.0, 1.0], level=NOMINAL) == pytest.approx(1.0)


def test_label_agreement_chooses_the_level_per_label():
    units, values = _long(NOMINAL_CASE)
    ratings = pd.DataFrame(
        {
            "label": ["spam"] * len(units) + ["quality"] * 4 + ["made_up_scale"] * 4,
            "unit": [*units, 1, 1, 2, 2, 1, 1, 2, 2],
            "value": [*values, 0.25, 0.5, 1.0, 1.0, 0.3, 0.3, 0.7, 0.7],
        }
    )
    agreement = label_agreement(ratings)
    assert list(agreement) == ["made_up_scale", "quality", "spam"]
    assert agreement["spam"] == {"level": NOMINAL, "alpha": pytest.approx(0.25), "units": 4, "ratings": 10}
    assert agreement["quality"]["level"] == INTERVAL
    assert agreement["made_up_scale"]["level"] == INTERVAL
    assert agreement["made_up_scale"]["alpha"] == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("name", "values", "level"),
    [
        ("spam", [], NOMINAL),
        ("fails_task", [], NOMINAL),
        ("pii", [], NOMINAL),
        ("quality", [0.0, 1.0], INTERVAL),
        ("helpfulness", [], INTERVAL),
        ("unknown_flag", [0.0, 1.0], NOMINAL),
        ("unknown_scale", [0.0, 0.5], INTERVAL),
    ],
)
def test_label_level(name, values, level):
    assert label_level(name, values) == level


def test_label_means_count_each_message_once():
    means = label_means(
        [
            {"quality": {"value": 0.5, "count": 3}, "spam": {"value": 0.0, "count": 3}},
            {"quality": {"value": 1.0, "count": 1}},
            {},
            {"quality": {"value": "bad"}, "humor": {"value": None}},
        ]
    )
    assert means == {
        "quality": {"mean": 0.75, "messages": 2, "ratings": 4},
        "spam": {"mean": 0.0, "messages": 1, "ratings": 3},
    }


def test_ranking_positions_leave_out_broken_rankings():
    positions = ranking_positions(
        [
            ("P", ["a", "b"], [1, 0]),
            ("P", ["a", "b"], [0, 0]),  # not a permutation
            ("P", ["a"], [0]),  # one reply
            ("P", ["a", "b", "c"], [0, 1]),  # not every shown reply
            ("P", ["a", "a"], [0, 1]),  # the same reply twice
            ("P", ["a", "b"], ["0", "1"]),  # not indices
        ]
    )
    assert positions.to_dict("records") == [
        {"parent": "P", "ranking": 0, "item": "b", "position": 0},
        {"parent": "P", "ranking": 0, "item": "a", "position": 1},
    ]
    agreement = ranking_agreement(positions)
    assert (agreement["alpha"], agreement["parents"], agreement["kendall_w"]) == (None, 0, None)


def test_kendall_w():
    assert kendall_w(np.array([[1, 2, 3], [1, 2, 3], [1, 2, 3]])) == pytest.approx(1.0)
    assert kendall_w(np.array([[1, 2], [2, 1]])) == pytest.approx(0.0)
    assert kendall_w(np.array([[1, 2, 3]])) is None


@pytest.mark.parametrize(
    ("count", "category"),
    [
        (0, "n<1K"),
        (999, "n<1K"),
        (1_000, "1K<n<10K"),
        (9_999, "1K<n<10K"),
        (88_838, "10K<n<100K"),
        (161_443, "100K<n<1M"),
        (5_000_000, "1M<n<10M"),
        (10**13, "n>1T"),
    ],
)
def test_size_category(count, category):
    assert size_category(count) == category


def test_hub_languages_are_primary_subtags():
    assert hub_languages(["pt-BR", "en", "pt", "zh_CN", "EN", ""]) == ["en", "pt", "zh"]
