"""journeymine.comparison.stattests against scipy, row by row, and against simulation."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps
from scipy.spatial.distance import jensenshannon
from scipy.stats.contingency import relative_risk

from journeymine.comparison import stattests
from journeymine.comparison.stattests import (
    METHODS,
    bh,
    distribution_test,
    mean_diff_tests,
    median_tests,
    omnibus_share_tests,
    share_tests,
)
from journeymine.engines.base import bin_seconds
from journeymine.errors import ArgumentError
from journeymine.stats import cohen_d, newcombe


def random_tables(rng: np.random.Generator, m: int) -> tuple[np.ndarray, ...]:
    """Rows from tiny to large, rare to common features: both tests and every reason occur."""
    n_a = rng.choice([5, 12, 30, 200, 5_000], m) + rng.integers(0, 5, m)
    n_b = rng.choice([5, 12, 30, 200, 5_000], m) + rng.integers(0, 5, m)
    p = rng.choice([0.0, 0.01, 0.05, 0.3, 0.9, 1.0], m)
    k_a = rng.binomial(n_a, p)
    k_b = rng.binomial(n_b, np.clip(p + rng.normal(0, 0.05, m), 0, 1))
    return k_a, n_a, k_b, n_b


# -- share_tests -------------------------------------------------------------------------------


def test_share_tests_equal_scipy_row_by_row() -> None:
    rng = np.random.default_rng(11)
    k_a, n_a, k_b, n_b = random_tables(rng, 1_500)
    r = share_tests(k_a, n_a, k_b, n_b, confidence=0.9, min_count=10)
    tested = r["reason"] == ""
    assert {"fisher", "chi-square"} <= set(r["test"][tested]) and (~tested).sum() > 50
    for i in range(k_a.size):
        table = np.array([[k_a[i], n_a[i] - k_a[i]], [k_b[i], n_b[i] - k_b[i]]])
        assert r["share_a"][i] == k_a[i] / n_a[i] and r["diff"][i] == k_a[i] / n_a[i] - k_b[i] / n_b[i]
        assert r["effect"][i] == pytest.approx(
            2 * math.asin(math.sqrt(k_a[i] / n_a[i])) - 2 * math.asin(math.sqrt(k_b[i] / n_b[i])), abs=1e-12
        )
        lo, hi = newcombe(int(k_a[i]), int(n_a[i]), int(k_b[i]), int(n_b[i]), 0.9)
        assert r["ci_low"][i] == pytest.approx(float(lo), abs=1e-14)
        assert r["ci_high"][i] == pytest.approx(float(hi), abs=1e-14)
        if k_a[i] > 0 and k_b[i] > 0:
            rr = relative_risk(int(k_a[i]), int(n_a[i]), int(k_b[i]), int(n_b[i]))
            ci = rr.confidence_interval(0.9)
            assert r["ratio"][i] == pytest.approx(rr.relative_risk, rel=1e-12)
            assert r["ratio_ci_low"][i] == pytest.approx(ci.low, rel=1e-12)
            assert r["ratio_ci_high"][i] == pytest.approx(ci.high, rel=1e-12)
        else:
            assert math.isnan(r["ratio_ci_low"][i]) and math.isnan(r["ratio_ci_high"][i])
        if not tested[i]:
            assert math.isnan(r["p"][i]) and r["test"][i] == ""
            continue
        chi = sps.chi2_contingency(table)  # Yates' correction: the default for 2 x 2
        if chi.expected_freq.min() < 5:
            assert r["test"][i] == "fisher"
            assert r["p"][i] == pytest.approx(sps.fisher_exact(table).pvalue, rel=1e-12, abs=1e-300)
        else:
            assert r["test"][i] == "chi-square"
            assert r["p"][i] == pytest.approx(chi.pvalue, rel=1e-9, abs=1e-300)


@settings(max_examples=150, deadline=None)
@given(
    st.integers(1, 400).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
    st.integers(1, 400).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
)
def test_share_tests_property(a: tuple[int, int], b: tuple[int, int]) -> None:
    (k_a, n_a), (k_b, n_b) = a, b
    r = share_tests([k_a], n_a, [k_b], n_b, min_count=1)
    table = np.array([[k_a, n_a - k_a], [k_b, n_b - k_b]])
    if k_a + k_b == 0:
        assert r["reason"][0] == "0 cases in all, fewer than min_count=1" and math.isnan(r["p"][0])
        return
    if k_a + k_b == n_a + n_b:
        assert r["reason"][0] == "every case has it: nothing to compare" and math.isnan(r["p"][0])
        return
    chi = sps.chi2_contingency(table)
    want = sps.fisher_exact(table).pvalue if chi.expected_freq.min() < 5 else chi.pvalue
    assert r["p"][0] == pytest.approx(want, rel=1e-9, abs=1e-300)
    assert r["ci_low"][0] <= r["diff"][0] <= r["ci_high"][0]
    # swapping the groups mirrors everything
    s = share_tests([k_b], n_b, [k_a], n_a, min_count=1)
    assert s["p"][0] == pytest.approx(r["p"][0], rel=1e-12)
    assert s["ci_low"][0] == pytest.approx(-r["ci_high"][0], abs=1e-12)


def test_share_tests_reasons() -> None:
    r = share_tests([3, 2, 6, 100, 60, 40], [100, 100, 8, 100, 100, 100], [2, 20, 4, 100, 0, 20], 100)
    assert r["reason"].tolist() == [
        "5 cases in all, fewer than min_count=10",
        "",
        "group a has 8 cases, fewer than min_count=10",
        "every case has it: nothing to compare",
        "",
        "",
    ]
    assert r["test"].tolist() == ["", "chi-square", "", "", "chi-square", "chi-square"]
    assert np.isnan(r["p"][[0, 2, 3]]).all() and (r["p"][[1, 4, 5]] < 0.01).all()
    one = share_tests([1], 100, [0], 100, min_count=10)
    assert one["reason"][0] == "1 case in all, fewer than min_count=10"
    zero = share_tests([0], 10, [0], 10, min_count=0)
    assert zero["reason"][0] == "no case has it: nothing to compare"
    empty = share_tests([0], 0, [3], 50, min_count=0)
    assert empty["reason"][0] == "group a has 0 cases, fewer than min_count=0" and math.isnan(
        empty["diff"][0]
    )
    # ratio: only a has it -> inf; neither -> nan; a count of 0 -> no interval
    only_a = share_tests([30, 0], 100, [0, 0], 100)
    assert only_a["ratio"][0] == math.inf and math.isnan(only_a["ratio"][1])
    assert math.isnan(only_a["ratio_ci_low"][0])


def test_share_tests_null_p_values_are_not_anticonservative() -> None:
    rng = np.random.default_rng(2024)
    m = 2_000
    n_a, n_b = rng.integers(20, 400, m), rng.integers(20, 400, m)
    p = rng.uniform(0.02, 0.6, m)
    r = share_tests(rng.binomial(n_a, p), n_a, rng.binomial(n_b, p), n_b)
    pv = r["p"][~np.isnan(r["p"])]
    assert pv.size > 1_900
    assert 0.01 < np.mean(pv < 0.05) <= 0.07
    assert 0.05 < np.mean(pv < 0.2) <= 0.23


def test_share_tests_are_fast() -> None:
    rng = np.random.default_rng(3)
    share_tests([1], 10, [1], 10)  # scipy imported
    m = 50_000
    k_a, k_b = rng.poisson(0.5, m), rng.poisson(0.5, m)
    k_a[:300] += rng.integers(5, 300, 300)
    started = time.perf_counter()
    r = share_tests(k_a, 20_000, k_b, 30_000)
    assert time.perf_counter() - started < 0.5 and (r["test"] != "").sum() >= 250
    k_a, k_b = rng.integers(0, 60, 5_000), rng.integers(0, 60, 5_000)
    started = time.perf_counter()
    r = share_tests(k_a, rng.integers(100, 20_000, 5_000), k_b, 30_000)
    assert time.perf_counter() - started < 3 and (r["test"] == "fisher").sum() > 100


def test_share_tests_arguments() -> None:
    with pytest.raises(ArgumentError, match="k_a cannot exceed n_a: row 1"):
        share_tests([1, 12], 10, [1, 1], 10)
    with pytest.raises(ArgumentError, match="confidence"):
        share_tests([1], 10, [1], 10, confidence=95)
    with pytest.raises(ArgumentError, match="one value per row"):
        share_tests([1, 2], [10, 10, 10], [1, 2], 10)
    with pytest.raises(ArgumentError, match="negative"):
        share_tests([-1], 10, [1], 10)


# -- omnibus_share_tests -----------------------------------------------------------------------


def test_omnibus_equals_chi2_contingency() -> None:
    rng = np.random.default_rng(5)
    n = np.array([80, 300, 1_000, 45])
    p = rng.choice([0.005, 0.02, 0.1, 0.5], 300)
    k = rng.binomial(n[None, :], p[:, None])
    r = omnibus_share_tests(k, n, permutations=199, seed=3)
    assert {"chi-square", "chi-square-monte-carlo", ""} <= set(r["test"])
    for i in range(k.shape[0]):
        table = np.vstack([k[i], n - k[i]])
        if r["test"][i] == "":
            assert k[i].sum() < 10 and math.isnan(r["p"][i])
            continue
        ref = sps.chi2_contingency(table)
        assert r["dof"][i] == 3
        if r["test"][i] == "chi-square":
            assert ref.expected_freq.min() >= 5
            assert r["statistic"][i] == pytest.approx(ref.statistic, rel=1e-12)
            assert r["p"][i] == pytest.approx(ref.pvalue, rel=1e-9, abs=1e-300)
        else:
            assert ref.expected_freq.min() < 5
            mc = sps.chi2_contingency(
                table,
                correction=False,
                method=sps.MonteCarloMethod(n_resamples=199, rng=np.random.default_rng(3)),
            )
            assert (r["statistic"][i], r["p"][i]) == (mc.statistic, mc.pvalue)
            assert r["statistic"][i] == pytest.approx(ref.statistic, rel=1e-12)


def test_omnibus_reasons_and_two_groups() -> None:
    r = omnibus_share_tests([[3, 2, 1], [50, 60, 70]], [50, 60, 70])
    assert r["reason"].tolist() == [
        "6 cases in all, fewer than min_count=10",
        "every case has it: nothing to compare",
    ]
    small = omnibus_share_tests([[30, 20, 2]], [50, 60, 7])
    assert small["reason"][0] == "a group has 7 cases, fewer than min_count=10"
    # with two groups it is the 2 x 2 chi-square (Yates) of share_tests
    two = omnibus_share_tests([[40, 20]], [100, 100])
    assert two["p"][0] == pytest.approx(share_tests([40], 100, [20], 100)["p"][0], rel=1e-12)
    with pytest.raises(ArgumentError, match="one column per group"):
        omnibus_share_tests([[1, 2, 3]], [10, 10])


# -- distribution_test -------------------------------------------------------------------------


def test_jensen_shannon_statistic() -> None:
    c = np.array([[30, 10, 5, 0], [10, 30, 5, 7]])
    r = distribution_test(c, permutations=99)
    assert r["statistic"] == pytest.approx(jensenshannon(c[0], c[1], base=2) ** 2, rel=1e-12)
    three = np.array([[30, 10, 5], [10, 30, 5], [5, 5, 40]])
    p = three / three.sum(axis=1, keepdims=True)
    want = sps.entropy(p.mean(axis=0), base=2) - np.mean([sps.entropy(row, base=2) for row in p])
    assert distribution_test(three, permutations=99)["statistic"] == pytest.approx(want, rel=1e-12)
    assert distribution_test([[5, 0], [0, 5]], permutations=9)["statistic"] == pytest.approx(1.0)
    same = distribution_test([[10, 20, 30], [10, 20, 30]], permutations=99)
    assert same["statistic"] == 0.0 and same["p"] == 1.0


def test_distribution_seeded_and_p_formula() -> None:
    c = np.array([[40, 25, 20, 15], [30, 30, 25, 15]])
    one = distribution_test(c, permutations=499, seed=4)
    assert one == distribution_test(c, permutations=499, seed=4)
    assert one["method"] == "permutation-test" and one["permutations"] == 499
    # p = (1 + #{T* >= T}) / (1 + B): a multiple of 1 / 500
    assert round(one["p"] * 500, 9) == round(one["p"] * 500) and 0 < one["p"] <= 1
    assert distribution_test(c, permutations=499, seed=5)["p"] != one["p"]


def _both_ways(monkeypatch: pytest.MonkeyPatch, counts: np.ndarray, **kw: int) -> tuple[dict, dict]:
    cases = distribution_test(counts, **kw)
    monkeypatch.setattr(stattests, "CASE_PERMUTATION_LIMIT", 0)
    tables = distribution_test(counts, **kw)
    monkeypatch.setattr(stattests, "CASE_PERMUTATION_LIMIT", 50_000)
    assert (cases["method"], tables["method"]) == ("permutation-test", "hypergeometric-tables")
    assert cases["statistic"] == tables["statistic"]
    return cases, tables


@pytest.mark.parametrize("groups", [2, 3])
def test_distribution_two_ways_agree(monkeypatch: pytest.MonkeyPatch, groups: int) -> None:
    rng = np.random.default_rng(groups)
    base = rng.dirichlet(np.ones(8))
    for shift in (0.0, 0.03, 0.08):
        probs = [base] + [np.abs(base + rng.normal(0, shift, 8)) for _ in range(groups - 1)]
        counts = np.array([rng.multinomial(300, pr / pr.sum()) for pr in probs])
        cases, tables = _both_ways(monkeypatch, counts, permutations=3_999, seed=1)
        p = (cases["p"] + tables["p"]) / 2
        assert abs(cases["p"] - tables["p"]) <= 4 * math.sqrt(2 * p * (1 - p) / 4_000) + 1e-3


def test_distribution_two_ways_same_null_distribution(monkeypatch: pytest.MonkeyPatch) -> None:
    """Under the null both ways give (near) uniform p-values with the same distribution."""
    rng = np.random.default_rng(99)
    probs = rng.dirichlet(np.ones(6))
    p_cases, p_tables = [], []
    for seed in range(150):
        counts = np.array([rng.multinomial(60, probs), rng.multinomial(90, probs)])
        cases, tables = _both_ways(monkeypatch, counts, permutations=199, seed=seed)
        p_cases.append(cases["p"])
        p_tables.append(tables["p"])
    assert sps.ks_2samp(p_cases, p_tables).pvalue > 0.01
    for ps in (np.array(p_cases), np.array(p_tables)):
        assert np.mean(ps < 0.05) <= 0.1 and sps.kstest(ps, "uniform").pvalue > 0.001


def test_distribution_large_uses_tables() -> None:
    rng = np.random.default_rng(8)
    counts = np.vstack([rng.multinomial(40_000, np.ones(300) / 300) for _ in range(2)])
    r = distribution_test(counts, permutations=199)
    assert r["method"] == "hypergeometric-tables" and 0 < r["p"] <= 1
    assert distribution_test([[5, 5]], permutations=9)["method"] == "not tested: fewer than two groups"
    assert math.isnan(distribution_test([[5, 5], [0, 0]], permutations=9)["p"])


# -- median_tests ------------------------------------------------------------------------------


def histogram(
    rng: np.random.Generator, n: int, centre: float, spread: float
) -> tuple[np.ndarray, np.ndarray]:
    bins = np.clip(np.round(rng.normal(centre, spread, n)), 0, None).astype(int)
    values, counts = np.unique(bins, return_counts=True)
    return values, counts


def aligned(*hists: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, ...]:
    bins = np.unique(np.concatenate([h[0] for h in hists]))
    out = [bins]
    for b, c in hists:
        full = np.zeros(bins.size, dtype=np.int64)
        full[np.searchsorted(bins, b)] = c
        out.append(full)
    return tuple(out)


@pytest.mark.parametrize(("n_a", "n_b"), [(11, 30), (40, 41), (400, 900), (15_000, 12_000)])
def test_median_tests_equal_scipy_on_expanded_values(n_a: int, n_b: int) -> None:
    rng = np.random.default_rng(n_a)
    bins, ca, cb = aligned(histogram(rng, n_a, 500, 40), histogram(rng, n_b, 510, 60))
    bins = np.concatenate([[0], bins + 1])  # bin 0 stands for 0 s
    ca, cb = np.concatenate([[2], ca]), np.concatenate([[1], cb])
    r = median_tests(bins, ca, cb, seed=2)
    xa, xb = np.repeat(bin_seconds(bins), ca), np.repeat(bin_seconds(bins), cb)
    assert r["median_a"] == np.median(xa) and r["median_b"] == np.median(xb)
    assert r["diff"] == np.median(xa) - np.median(xb)
    mwu = sps.mannwhitneyu(xa, xb, method="asymptotic")
    assert r["effect"] == pytest.approx(2 * mwu.statistic / (xa.size * xb.size) - 1, abs=1e-12)
    # the histogram formula equals scipy's asymptotic test on the expanded values
    u1, p = stattests._mwu_binned(np.asarray(ca), np.asarray(cb))
    assert u1 == pytest.approx(mwu.statistic, rel=1e-12)
    assert p == pytest.approx(mwu.pvalue, abs=1e-9)
    if xa.size + xb.size <= stattests.EXPANDED_LIMIT:
        assert r["test"] == "mann-whitney"
        assert r["p"] == sps.mannwhitneyu(xa, xb).pvalue
    else:
        assert r["test"] == "mann-whitney-binned" and r["p"] == pytest.approx(mwu.pvalue, abs=1e-9)
    assert r["ci_low"] <= r["diff"] <= r["ci_high"]


def test_cliffs_delta_brute_force() -> None:
    rng = np.random.default_rng(4)
    bins, ca, cb = aligned(histogram(rng, 60, 100, 5), histogram(rng, 50, 102, 5))
    r = median_tests(bins, ca, cb)
    xa, xb = np.repeat(bin_seconds(bins), ca), np.repeat(bin_seconds(bins), cb)
    want = np.mean(xa[:, None] > xb[None, :]) - np.mean(xa[:, None] < xb[None, :])
    assert r["effect"] == pytest.approx(want, abs=1e-12)


def test_bootstrap_medians_exact_distribution() -> None:
    """Lumping far bins (and splitting them again when needed) keeps the multinomial law."""
    rng = np.random.default_rng(12)
    bins, counts = histogram(rng, 301, 200, 15)
    values = bin_seconds(bins)
    draws = 20_000
    full = stattests._bootstrap_medians(values, counts, draws, np.random.default_rng(1), window=math.inf)
    lumped = stattests._bootstrap_medians(values, counts, draws, np.random.default_rng(2))
    forced = stattests._bootstrap_medians(values, counts, draws, np.random.default_rng(3), window=0.0)
    x = np.repeat(values, counts)
    res = sps.bootstrap(
        (x,), np.median, n_resamples=draws, vectorized=True, method="percentile", rng=np.random.default_rng(4)
    )
    ref = res.bootstrap_distribution
    support = np.unique(np.concatenate([full, lumped, forced, ref]))
    freq = [np.searchsorted(support, s) for s in (ref, full, lumped, forced)]
    shares = [np.bincount(f, minlength=support.size) / draws for f in freq]
    for s in shares[1:]:
        assert np.abs(s - shares[0]).max() < 0.02
        table = np.vstack([shares[0], s]) * draws
        table = table[:, table.sum(axis=0) >= 10]
        assert sps.chi2_contingency(table).pvalue > 0.001


def test_binned_interval_matches_scipy_bootstrap(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(21)
    bins, ca, cb = aligned(histogram(rng, 900, 300, 25), histogram(rng, 800, 306, 25))
    scipy_way = median_tests(bins, ca, cb, resamples=4_999, seed=1)
    monkeypatch.setattr(stattests, "EXPANDED_LIMIT", 0)
    binned = median_tests(bins, ca, cb, resamples=4_999, seed=1)
    assert (scipy_way["test"], binned["test"]) == ("mann-whitney", "mann-whitney-binned")
    assert binned["p"] == pytest.approx(scipy_way["p"], abs=1e-9)
    width = float(np.median(np.diff(bin_seconds(bins))))
    assert abs(binned["ci_low"] - scipy_way["ci_low"]) <= 2 * width
    assert abs(binned["ci_high"] - scipy_way["ci_high"]) <= 2 * width


def test_median_tests_seeded_reasons_and_fast() -> None:
    rng = np.random.default_rng(6)
    bins = np.arange(300, 1_300)
    pa = np.exp(-(((bins - 800) / 150.0) ** 2))
    pb = np.exp(-(((bins - 805) / 150.0) ** 2))
    ca, cb = rng.multinomial(1_000_000, pa / pa.sum()), rng.multinomial(1_000_000, pb / pb.sum())
    first = median_tests(bins, ca, cb, seed=3)
    assert first == median_tests(bins, ca, cb, seed=3) and first["test"] == "mann-whitney-binned"
    best = math.inf
    for _ in range(3):
        started = time.perf_counter()
        median_tests(bins, ca, cb, seed=3)
        best = min(best, time.perf_counter() - started)
    assert best < 0.05
    few = median_tests([10, 20], [3, 4], [30, 40])
    assert few["reason"] == "group a has 7 values, fewer than min_count=10" and math.isnan(few["p"])
    assert not math.isnan(few["median_a"]) and math.isnan(few["ci_low"]) and few["test"] == ""
    assert (
        median_tests([10], [0], [5], min_count=0)["reason"] == "group a has 0 values, fewer than min_count=0"
    )
    with pytest.raises(ArgumentError, match="sorted and unique"):
        median_tests([20, 10], [3, 4], [3, 4])


# -- mean_diff_tests and bh --------------------------------------------------------------------


def test_mean_diff_tests_equal_scipy() -> None:
    rng = np.random.default_rng(13)
    groups = []
    for n1, n2, s1, s2, d in rng.uniform([3, 3, 0.5, 0.5, -1], [300, 300, 3, 3, 1], (40, 5)).tolist():
        groups.append((rng.normal(0, s1, int(n1)), rng.normal(d, s2, int(n2))))
    summary = np.array(
        [[a.size, a.mean(), a.std(ddof=1), b.size, b.mean(), b.std(ddof=1)] for a, b in groups]
    )
    r = mean_diff_tests(*summary.T, confidence=0.9)
    for i, (a, b) in enumerate(groups):
        ref = sps.ttest_ind(a, b, equal_var=False)
        ci = ref.confidence_interval(0.9)
        assert r["p"][i] == pytest.approx(ref.pvalue, rel=1e-9)
        assert r["ci_low"][i] == pytest.approx(ci.low, rel=1e-9)
        assert r["ci_high"][i] == pytest.approx(ci.high, rel=1e-9)
        assert r["effect"][i] == pytest.approx(cohen_d(a, b), rel=1e-9)
    assert set(r["test"]) == {"welch"}
    small = mean_diff_tests(
        [1, 5, 5], [1.0, 2.0, 2.0], [0.0, 1.0, 0.0], [9, 9, 9], [2.0, 2.5, 2.0], [1.0, 1.0, 0.0]
    )
    assert small["reason"].tolist() == [
        "group a has 1 value, fewer than min_count=2",
        "",
        "no spread in either group: nothing to test",
    ]
    assert np.isnan(small["p"][[0, 2]]).all() and small["test"].tolist() == ["", "welch", ""]


def test_bh_keeps_nan_and_shape() -> None:
    rng = np.random.default_rng(17)
    p = rng.uniform(0, 1, 200) ** 3
    p[rng.choice(200, 30, replace=False)] = np.nan
    q = bh(p)
    ok = ~np.isnan(p)
    assert np.array_equal(np.isnan(q), ~ok)
    np.testing.assert_allclose(q[ok], sps.false_discovery_control(p[ok]), rtol=1e-12)
    assert bh(p.reshape(10, 20)).shape == (10, 20) and bh([]).size == 0


def test_methods_describe_every_name() -> None:
    names = {"fisher", "chi-square", "chi-square-monte-carlo", "permutation-test", "hypergeometric-tables"}
    names |= {"mann-whitney", "mann-whitney-binned", "welch"}
    assert names <= set(METHODS) and all(METHODS[n] for n in names)
