"""journeymine.stats against scipy (the oracle) and against published values."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from journeymine.stats import bh_adjust, cohen_d, cohen_h, mean_ci, newcombe, nps, wilson

levels = st.sampled_from([0.8, 0.9, 0.95, 0.99, 0.999])


@st.composite
def share(draw: st.DrawFn) -> tuple[int, int]:
    n = draw(st.integers(1, 10_000))
    return draw(st.integers(0, n)), n


@settings(max_examples=300, deadline=None)
@given(share(), levels)
def test_wilson_is_scipys_wilson(kn: tuple[int, int], confidence: float) -> None:
    k, n = kn
    ci = sps.binomtest(k, n).proportion_ci(method="wilson", confidence_level=confidence)
    low, high = wilson(k, n, confidence)
    assert (low, high) == (float(ci.low), float(ci.high))  # scipy's formula: the same floats
    assert 0.0 <= low <= k / n <= high <= 1.0


def test_wilson_edges() -> None:
    assert all(math.isnan(x) for x in wilson(0, 0))
    assert wilson(0, 20)[0] == 0.0 and wilson(20, 20)[1] == 1.0
    # the textbook example: 8/10 at 95 % is 0.4902 to 0.9433
    assert [round(x, 4) for x in wilson(8, 10)] == [0.4902, 0.9433]


# Newcombe (1998) Stat Med 17:873, Table II, method 10 (the hybrid score interval)
@pytest.mark.parametrize(
    ("k1", "n1", "k2", "n2", "low", "high"),
    [(56, 70, 48, 80, 0.0524, 0.3339), (9, 10, 3, 10, 0.1705, 0.8090)],
)
def test_newcombe_published_values(k1: int, n1: int, k2: int, n2: int, low: float, high: float) -> None:
    lo, hi = newcombe(k1, n1, k2, n2)
    assert round(float(lo), 4) == low and round(float(hi), 4) == high


@settings(max_examples=200, deadline=None)
@given(share(), share(), levels)
def test_newcombe_from_wilson(a: tuple[int, int], b: tuple[int, int], confidence: float) -> None:
    (k1, n1), (k2, n2) = a, b
    l1, u1 = wilson(k1, n1, confidence)
    l2, u2 = wilson(k2, n2, confidence)
    p1, p2 = k1 / n1, k2 / n2
    lo, hi = newcombe(k1, n1, k2, n2, confidence)
    assert float(lo) == pytest.approx(p1 - p2 - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2), abs=1e-14)
    assert float(hi) == pytest.approx(p1 - p2 + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2), abs=1e-14)
    assert -1 - 1e-12 <= float(lo) <= p1 - p2 <= float(hi) <= 1 + 1e-12


def test_newcombe_vectorised_and_nan() -> None:
    k1, n1, k2, n2 = np.array([5, 0, 3]), np.array([10, 0, 7]), np.array([2, 1, 0]), 12
    lo, hi = newcombe(k1, n1, k2, n2)
    assert lo.shape == (3,) and math.isnan(lo[1]) and math.isnan(hi[1])
    for i in (0, 2):
        one = newcombe(int(k1[i]), int(n1[i]), int(k2[i]), n2)
        assert (float(one[0]), float(one[1])) == (lo[i], hi[i])


def test_newcombe_coverage() -> None:
    """Over many samples the 95 % interval covers the true difference about 95 % of the time."""
    rng = np.random.default_rng(7)
    p1, p2, n1, n2 = 0.3, 0.2, 40, 60
    k1, k2 = rng.binomial(n1, p1, 20_000), rng.binomial(n2, p2, 20_000)
    lo, hi = newcombe(k1, n1, k2, n2)
    cover = np.mean((lo <= p1 - p2) & (p1 - p2 <= hi))
    assert 0.93 < cover < 0.97


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6), min_size=2, max_size=50), levels)
def test_mean_ci_is_ttest_1samp(values: list[float], confidence: float) -> None:
    a = np.array(values)
    m, lo, hi = mean_ci(a, confidence)
    assert m == pytest.approx(float(a.mean()), rel=1e-12, abs=1e-9)
    if a.std() == 0:
        return
    with warnings.catch_warnings():  # scipy warns on nearly identical values; the oracle still holds
        warnings.simplefilter("ignore", RuntimeWarning)
        ci = sps.ttest_1samp(a, 0.0).confidence_interval(confidence)
    scale = max(1.0, float(np.abs(a).max()))
    assert lo == pytest.approx(float(ci.low), abs=1e-9 * scale)
    assert hi == pytest.approx(float(ci.high), abs=1e-9 * scale)


def test_mean_ci_small() -> None:
    assert all(math.isnan(x) for x in mean_ci([]))
    m, lo, hi = mean_ci([3.0, float("nan")])
    assert m == 3.0 and math.isnan(lo) and math.isnan(hi)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.floats(0, 1), st.just(float("nan"))), max_size=40))
def test_bh_adjust_is_false_discovery_control(ps: list[float]) -> None:
    q = np.array(bh_adjust(ps))
    p = np.array(ps, dtype="float64")
    assert np.array_equal(np.isnan(q), np.isnan(p))
    ok = ~np.isnan(p)
    if ok.any():
        np.testing.assert_allclose(q[ok], sps.false_discovery_control(p[ok]), rtol=1e-12)
        assert np.all(q[ok] >= p[ok] - 1e-15)


def test_bh_adjust_by_hand() -> None:
    # m = 4: sorted 0.01, 0.02, 0.03, 0.5 -> 0.04, 0.04, 0.04, 0.5 (monotone from the top)
    assert bh_adjust([0.03, 0.5, 0.01, 0.02]) == pytest.approx([0.04, 0.5, 0.04, 0.04])
    assert bh_adjust([]) == []


def test_nps() -> None:
    value, low, high, n = nps([10, 10, 9, 8, 7, 6, 0, float("nan")])
    assert n == 7 and value == pytest.approx(100 * (3 - 2) / 7)
    var = (3 / 7 + 2 / 7 - (1 / 7) ** 2) / 7
    assert high - value == pytest.approx(100 * 1.959963984540054 * math.sqrt(var))
    assert value - low == pytest.approx(high - value)
    assert math.isnan(nps([])[0])


def test_cohen() -> None:
    rng = np.random.default_rng(1)
    a, b = rng.normal(1, 2, 50), rng.normal(0, 2, 70)
    pooled = math.sqrt((49 * a.var(ddof=1) + 69 * b.var(ddof=1)) / 118)
    assert cohen_d(a, b) == pytest.approx((a.mean() - b.mean()) / pooled)
    assert math.isnan(cohen_d(a[:1], b))
    assert cohen_h(0.5, 0.5) == 0.0
    assert cohen_h(1.0, 0.0) == pytest.approx(math.pi)
