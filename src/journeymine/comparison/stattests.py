"""The statistical tests of :func:`journeymine.compare`: numpy arrays in, numpy arrays out.

Pure functions, no pandas; scipy.stats does the work wherever it has the test, and the few parts
written here say why (scipy lacks them, or calling it per row would be too slow for logs with
tens of thousands of transitions or millions of cases; each such part is checked against scipy
in ``tests/test_stattests.py``).

:func:`share_tests` compares, for many features at once (transitions, variants), the share of
the cases of group *a* that have the feature with that of group *b*. The difference comes with
Newcombe's hybrid score interval (method 10 of Newcombe 1998, from the two Wilson intervals,
:func:`journeymine.stats.newcombe`), the ratio with the Katz log interval of
:func:`scipy.stats.contingency.relative_risk`, the effect size is Cohen's *h*. The p-value is
Fisher's exact test (:func:`scipy.stats.fisher_exact`) when an expected count of the 2 x 2
table is below 5, else Pearson's chi-square with Yates' correction, exactly
:func:`scipy.stats.chi2_contingency`. The chi-square statistic, the expected counts and the
relative-risk interval are computed on all rows at once (``chi2_contingency`` costs about 0.5 ms
a call, too much for 50,000 rows); Fisher's test is called once per distinct table that needs it.

:func:`omnibus_share_tests` asks the same question over more than two groups at once: the
chi-square test of each 2 x g table, with the p-value of ``chi2_contingency``. When an expected
count is below 5 the same statistic gets a Monte Carlo permutation p-value:
``chi2_contingency(method=MonteCarloMethod(...))`` draws random tables with the observed margins
(:class:`scipy.stats.random_table`, Patefield's algorithm), which is the distribution of the
table when the group labels are permuted, at a cost that does not grow with the number of cases
(``PermutationMethod`` permutes the cases and took 7 s for one table of 40,000 cases).

:func:`distribution_test` asks whether the variant distributions of the groups differ as a
whole. The statistic is the generalised Jensen-Shannon divergence with equal weights, in bits
(Lin 1991; for two groups the square of :func:`scipy.spatial.distance.jensenshannon` with
``base=2``, in ``[0, 1]``; for g groups in ``[0, log2 g]``). Its p-value comes from permuting the
group labels of the cases: :func:`scipy.stats.permutation_test` on the cases while there are at
most :data:`CASE_PERMUTATION_LIMIT` of them; above, each permuted table is drawn directly from
its multivariate hypergeometric distribution (``numpy.random.Generator.
multivariate_hypergeometric``), exactly the distribution of the table under a permutation of
the labels, in O(variants) per permutation instead of O(cases) (:class:`scipy.stats.random_table`
draws the same tables by Patefield's algorithm, but took twice as long on two groups and 5,000
variants). ``p = (1 + #{T* >= T}) / (1 + permutations)`` either way.

:func:`median_tests` compares two duration histograms (the bins of
:meth:`journeymine.engines.base.Engine.durations`): medians, the difference of the medians with
a percentile bootstrap interval, Cliff's delta (Cliff 1993) and the two-sided Mann-Whitney U
test (Mann & Whitney 1947). While both groups together hold at most :data:`EXPANDED_LIMIT`
values, the histograms are expanded and scipy does both (:func:`scipy.stats.mannwhitneyu`,
:func:`scipy.stats.bootstrap`). Above, nothing is expanded: U and scipy's tie-corrected normal
approximation with continuity correction are computed from the histograms, and resampling a
group with replacement is a multinomial draw of its histogram (Efron & Tibshirani 1993), with
the bins far from the median merged (exactly the same distribution, see ``_bootstrap_medians``),
so that a million cases in 1,000 bins take about 2 ms (a plain ``rng.multinomial`` over all bins
took 120 ms a group).

scipy >= 1.15 is needed (``rng=`` of the resampling functions, ``chi2_contingency(method=)``,
:func:`scipy.stats.quantile`).

:func:`mean_diff_tests` compares means from summaries (n, mean, standard deviation): Welch's t
test (:func:`scipy.stats.ttest_ind_from_stats`) and interval, Cohen's *d* with the pooled
standard deviation. :func:`bh` adjusts a family of p-values with Benjamini-Hochberg (Benjamini
& Hochberg 1995; :func:`scipy.stats.false_discovery_control`), leaving NaN (tests not run) out.

A test that is not run (too few cases, nothing to compare) has ``p`` NaN, ``test`` ``""`` and a
``reason`` for people; :data:`METHODS` describes each ``test`` and ``method`` name.

References: Newcombe RG (1998) Interval estimation for the difference between independent
proportions: comparison of eleven methods. *Stat Med* 17:873-890. Mann HB, Whitney DR (1947)
*Ann Math Stat* 18:50-60. Efron B, Tibshirani RJ (1993) *An Introduction to the Bootstrap*.
Benjamini Y, Hochberg Y (1995) *J R Stat Soc B* 57:289-300. Lin J (1991) Divergence measures
based on the Shannon entropy. *IEEE Trans Inf Theory* 37:145-151. Cliff N (1993) Dominance
statistics: ordinal analyses to answer ordinal questions. *Psychol Bull* 114:494-509.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from journeymine.errors import ArgumentError

__all__ = [
    "CASE_PERMUTATION_LIMIT",
    "EXPANDED_LIMIT",
    "METHODS",
    "bh",
    "distribution_test",
    "mean_diff_tests",
    "median_tests",
    "omnibus_share_tests",
    "share_tests",
]

#: :func:`distribution_test` permutes the cases with scipy up to this many cases, above it draws tables
CASE_PERMUTATION_LIMIT = 50_000
#: :func:`median_tests` expands the histograms for scipy up to this many values in both groups
#: (scipy's bootstrap resamples every value: 40 ms at 2,000, 400 ms at 20,000, against about
#: 10 ms from the histograms at any size, with the same distribution of medians)
EXPANDED_LIMIT = 2_000
#: bins further than this many standard deviations (of a share) from the median are merged in
#: the multinomial bootstrap of :func:`median_tests` (and split again in the rare resample whose
#: median falls among them, so the result is exact)
_WINDOW_SD = 8.0

#: the names in the ``test`` and ``method`` fields, and what each means
METHODS: dict[str, str] = {
    "fisher": "Fisher's exact test of the 2 x 2 table (scipy.stats.fisher_exact), used when an "
    "expected count is below 5",
    "chi-square": "Pearson's chi-square test of the table (scipy.stats.chi2_contingency, with "
    "Yates' correction for a 2 x 2 table)",
    "chi-square-monte-carlo": "the chi-square statistic with a Monte Carlo permutation p-value: "
    "random tables with the observed margins (scipy.stats.chi2_contingency with MonteCarloMethod), "
    "used when an expected count is below 5",
    "newcombe": "Newcombe's hybrid score interval of a difference of shares (method 10 of Newcombe "
    "1998, from Wilson intervals)",
    "katz": "the Katz log interval of a ratio of shares (scipy.stats.contingency.relative_risk)",
    "cohen-h": "Cohen's h of two shares, 2 asin sqrt(share_a) - 2 asin sqrt(share_b)",
    "jensen-shannon": "the generalised Jensen-Shannon divergence of the variant distributions, equal "
    "weights, in bits (Lin 1991)",
    "permutation-test": "p-value of a permutation of the cases' group labels (scipy.stats.permutation_test)",
    "hypergeometric-tables": "p-value of a permutation of the cases' group labels, each permuted "
    "table drawn from its multivariate hypergeometric distribution (large logs)",
    "mann-whitney": "two-sided Mann-Whitney U test (scipy.stats.mannwhitneyu) and a percentile "
    "bootstrap interval of the difference of medians (scipy.stats.bootstrap)",
    "mann-whitney-binned": "two-sided Mann-Whitney U test, tie-corrected normal approximation "
    "with continuity correction computed from the duration histograms, and a percentile bootstrap "
    "interval of the difference of medians from multinomial resamples of the histograms",
    "cliff": "Cliff's delta, P(a > b) - P(a < b)",
    "welch": "Welch's t test (scipy.stats.ttest_ind_from_stats, equal_var=False) and interval; "
    "effect: Cohen's d with the pooled standard deviation",
}


# -- helpers -----------------------------------------------------------------------------------


def _check_confidence(confidence: float) -> None:
    if not 0 < confidence < 1:
        raise ArgumentError(f"confidence must lie between 0 and 1, got {confidence!r}; pass confidence=0.95")


def _check_count(name: str, value: int, least: int) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < least:
        raise ArgumentError(f"{name} must be an integer >= {least}, got {value!r}; pass {name}=...")


def _int_array(name: str, value: Any) -> np.ndarray:
    a = np.asarray(value)
    if a.dtype.kind == "f":
        if not np.all(np.isfinite(a)) or not np.all(a == np.round(a)):
            raise ArgumentError(f"{name} must hold whole numbers (counts of cases); pass {name}=...")
    elif a.dtype.kind not in "iub":
        raise ArgumentError(f"{name} must hold counts of cases (integers), got dtype {a.dtype}")
    a = a.astype(np.int64)
    if a.size and a.min() < 0:
        raise ArgumentError(f"{name} must not be negative; found {int(a.min())}")
    return a


def _cases(count: int) -> str:
    return "1 case" if count == 1 else f"{count} cases"


def _fill_reasons(reason: np.ndarray, mask: np.ndarray, values: np.ndarray, template: str) -> None:
    """Set ``reason[mask]`` to ``template.format(cases=...)`` of ``values[mask]``, one format per value."""
    idx = np.nonzero(mask & (reason == ""))[0]
    if idx.size == 0:
        return
    uniq, inverse = np.unique(values[idx], return_inverse=True)
    texts = np.array([template.format(cases=_cases(int(u))) for u in uniq], dtype=object)
    reason[idx] = texts[inverse]


def _share_reasons(k: np.ndarray, n_a: np.ndarray, n_b: np.ndarray, min_count: int) -> np.ndarray:
    """The reason each row is not tested ("" when it is): k = cases with it in both groups."""
    reason = np.full(k.shape, "", dtype=object)
    least = max(min_count, 1)
    _fill_reasons(reason, n_a < least, n_a, f"group a has {{cases}}, fewer than min_count={min_count}")
    _fill_reasons(reason, n_b < least, n_b, f"group b has {{cases}}, fewer than min_count={min_count}")
    _fill_reasons(reason, k < min_count, k, f"{{cases}} in all, fewer than min_count={min_count}")
    reason[(reason == "") & (k == 0)] = "no case has it: nothing to compare"
    reason[(reason == "") & (k == n_a + n_b)] = "every case has it: nothing to compare"
    return reason


def _pearson(observed: np.ndarray, yates: bool) -> tuple[np.ndarray, np.ndarray]:
    """Pearson's chi-square of each table ``observed[i]`` (shape (m, 2, g)) and its expected
    counts, as :func:`scipy.stats.chi2_contingency` computes them (Yates' correction when asked
    and the table is 2 x 2: each cell moves towards its expected count by at most 0.5)."""
    obs = observed.astype("float64")
    rows = obs.sum(axis=2, keepdims=True)
    cols = obs.sum(axis=1, keepdims=True)
    total = obs.sum(axis=(1, 2), keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = rows * cols / total
        if yates and obs.shape[2] == 2:
            diff = expected - obs
            obs = obs + np.minimum(0.5, np.abs(diff)) * np.sign(diff)
        terms = (obs - expected) ** 2 / expected
    m = terms.shape[0]
    return terms.reshape(m, -1).sum(axis=1), expected


# -- shares ------------------------------------------------------------------------------------


def share_tests(
    k_a: Any, n_a: Any, k_b: Any, n_b: Any, *, confidence: float = 0.95, min_count: int = 10
) -> dict[str, np.ndarray]:
    """Compare the share of cases with each feature between groups *a* and *b*, row by row.

    Parameters
    ----------
    k_a, k_b : array of int
        Cases of each group with the feature (one row per feature).
    n_a, n_b : int or array of int
        Cases of each group (a scalar, or one per row).
    confidence : float
        Level of the intervals.
    min_count : int
        A row is not tested when fewer than ``min_count`` cases have the feature in both
        groups together, or a group has fewer than ``min_count`` cases; nor when every case
        has it (nothing to compare).

    Returns
    -------
    dict of arrays
        ``share_a, share_b, diff`` (a minus b), ``ci_low, ci_high`` (Newcombe's hybrid score
        interval of the difference, every row with cases in both groups, tested or not),
        ``ratio`` (a over b: ``inf`` when only *a* has cases with the feature, NaN when neither
        has), ``ratio_ci_low, ratio_ci_high`` (Katz, as scipy's ``relative_risk``; NaN when a
        count with the feature is 0), ``effect`` (Cohen's *h*), ``p``, ``test`` (``"fisher"``
        when an expected count is below 5, else ``"chi-square"``, ``""`` untested) and
        ``reason`` (``""`` when tested).

    Examples
    --------
    >>> r = share_tests([40, 3], 100, [20, 2], 100)
    >>> r["diff"].round(2).tolist(), r["test"].tolist()
    ([0.2, 0.01], ['chi-square', ''])
    >>> round(float(r["p"][0]), 4), r["reason"][1]
    (0.0034, '5 cases in all, fewer than min_count=10')
    """
    from scipy import stats
    from scipy.special import ndtri

    from journeymine.stats import newcombe

    _check_confidence(confidence)
    _check_count("min_count", min_count, 0)
    arrays = [_int_array(name, v) for name, v in (("k_a", k_a), ("n_a", n_a), ("k_b", k_b), ("n_b", n_b))]
    try:
        ka, na, kb, nb = (np.atleast_1d(a).ravel() for a in np.broadcast_arrays(*arrays))
    except ValueError:
        raise ArgumentError(
            "k_a, n_a, k_b and n_b must have one value per row (or n_a, n_b one for all rows)"
        ) from None
    for k, n, name in ((ka, na, "a"), (kb, nb, "b")):
        over = np.nonzero(k > n)[0]
        if over.size:
            i = int(over[0])
            raise ArgumentError(
                f"k_{name} cannot exceed n_{name}: row {i} has k_{name}={k[i]}, n_{name}={n[i]}"
            )

    with np.errstate(divide="ignore", invalid="ignore"):
        share_a = np.where(na > 0, ka / np.maximum(na, 1), np.nan)
        share_b = np.where(nb > 0, kb / np.maximum(nb, 1), np.nan)
        ratio = share_a / share_b
    diff = share_a - share_b
    ci_low, ci_high = newcombe(ka, na, kb, nb, confidence)
    effect = 2 * np.arcsin(np.sqrt(share_a)) - 2 * np.arcsin(np.sqrt(share_b))

    # Katz interval, as scipy.stats.contingency.relative_risk(...).confidence_interval
    rr_ok = (ka > 0) & (kb > 0)
    z = float(ndtri(1 - (1 - confidence) / 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        se = np.sqrt(1 / ka - 1 / na + 1 / kb - 1 / nb)
        ratio_ci_low = np.where(rr_ok, ratio * np.exp(-z * se), np.nan)
        ratio_ci_high = np.where(rr_ok, ratio * np.exp(z * se), np.nan)

    reason = _share_reasons(ka + kb, na, nb, min_count)
    p = np.full(ka.shape, np.nan)
    test = np.full(ka.shape, "", dtype=object)
    rows = np.nonzero(reason == "")[0]
    if rows.size:
        row_a = np.stack([ka[rows], na[rows] - ka[rows]], axis=1)
        row_b = np.stack([kb[rows], nb[rows] - kb[rows]], axis=1)
        table = np.stack([row_a, row_b], axis=1)  # (m, 2, 2): groups x (with, without the feature)
        statistic, expected = _pearson(table, yates=True)
        small = expected.reshape(rows.size, -1).min(axis=1) < 5
        p[rows] = stats.chi2.sf(statistic, 1)
        test[rows] = "chi-square"
        if small.any():
            fisher_rows = rows[small]
            flat = table[small].reshape(-1, 4)
            uniq, inverse = np.unique(flat, axis=0, return_inverse=True)
            pu = np.array([stats.fisher_exact(t.reshape(2, 2)).pvalue for t in uniq])
            p[fisher_rows] = pu[np.asarray(inverse).ravel()]
            test[fisher_rows] = "fisher"
    return {
        "share_a": share_a,
        "share_b": share_b,
        "diff": diff,
        "ci_low": ci_low,
        "ci_high": ci_high,
        "ratio": ratio,
        "ratio_ci_low": ratio_ci_low,
        "ratio_ci_high": ratio_ci_high,
        "effect": effect,
        "p": p,
        "test": test,
        "reason": reason,
    }


def omnibus_share_tests(
    k: Any, n: Any, *, min_count: int = 10, permutations: int = 999, seed: int = 0
) -> dict[str, np.ndarray]:
    """Test, per feature, whether its share of cases is the same in every group (2 x g table).

    Parameters
    ----------
    k : array of int, shape (m, g)
        Cases with the feature, per feature (row) and group (column).
    n : array of int, shape (g,)
        Cases of each group.
    min_count : int
        A row is not tested when fewer than ``min_count`` cases have the feature in all, or
        a group has fewer than ``min_count`` cases; nor when every case has it.
    permutations : int
        Random tables for the Monte Carlo p-value (rows with an expected count below 5).
    seed : int
        Seed of those tables; each row starts from ``numpy.random.default_rng(seed)``, so its
        p-value depends on its own table only.

    Returns
    -------
    dict of arrays
        ``statistic`` (Pearson's chi-square), ``dof`` (g - 1), ``p``, ``test``
        (``"chi-square"``, ``"chi-square-monte-carlo"`` or ``""``) and ``reason``.

    Examples
    --------
    >>> r = omnibus_share_tests([[30, 20, 10], [2, 3, 1]], [100, 100, 100])
    >>> r["statistic"].round(2).tolist()[0], r["dof"].tolist()[0], r["test"].tolist()
    (12.5, 2.0, ['chi-square', ''])
    """
    from scipy import stats

    _check_count("min_count", min_count, 0)
    _check_count("permutations", permutations, 1)
    kk = _int_array("k", k)
    nn = _int_array("n", n).ravel()
    if kk.ndim != 2 or kk.shape[1] != nn.size:
        raise ArgumentError(
            f"k must have one row per feature and one column per group of n ({nn.size}); got shape {kk.shape}"
        )
    if np.any(kk > nn[None, :]):
        raise ArgumentError("k cannot exceed n: a group has more cases with a feature than cases")
    m, g = kk.shape
    total = kk.sum(axis=1)
    reason = np.full(m, "", dtype=object)
    least = max(min_count, 1)
    if g < 2:
        reason[:] = "fewer than two groups: nothing to compare"
    elif nn.min() < least:
        reason[:] = f"a group has {_cases(int(nn.min()))}, fewer than min_count={min_count}"
    _fill_reasons(reason, total < min_count, total, f"{{cases}} in all, fewer than min_count={min_count}")
    reason[(reason == "") & (total == 0)] = "no case has it: nothing to compare"
    reason[(reason == "") & (total == nn.sum())] = "every case has it: nothing to compare"

    statistic = np.full(m, np.nan)
    dof = np.full(m, np.nan)
    p = np.full(m, np.nan)
    test = np.full(m, "", dtype=object)
    rows = np.nonzero(reason == "")[0]
    if rows.size:
        table = np.stack([kk[rows], nn[None, :] - kk[rows]], axis=1)  # (r, 2, g)
        stat, expected = _pearson(table, yates=True)
        statistic[rows] = stat
        dof[rows] = g - 1
        p[rows] = stats.chi2.sf(stat, g - 1)
        test[rows] = "chi-square"
        small = expected.reshape(rows.size, -1).min(axis=1) < 5
        if small.any():
            mc_rows = rows[small]
            uniq, inverse = np.unique(table[small].reshape(mc_rows.size, -1), axis=0, return_inverse=True)
            out = []
            for t in uniq:
                res = stats.chi2_contingency(
                    t.reshape(2, g),
                    correction=False,
                    method=stats.MonteCarloMethod(n_resamples=permutations, rng=np.random.default_rng(seed)),
                )
                out.append((float(res.statistic), float(res.pvalue)))
            arr = np.array(out)[np.asarray(inverse).ravel()]
            statistic[mc_rows] = arr[:, 0]
            p[mc_rows] = arr[:, 1]
            test[mc_rows] = "chi-square-monte-carlo"
    return {"statistic": statistic, "dof": dof, "p": p, "test": test, "reason": reason}


# -- variant distributions ---------------------------------------------------------------------


def _jsd(tables: np.ndarray) -> np.ndarray:
    """Generalised Jensen-Shannon divergence (equal weights, bits) of each table (..., g, V)."""
    from scipy.special import rel_entr

    t = tables.astype("float64")
    share = t / t.sum(axis=-1, keepdims=True)
    mix = share.mean(axis=-2, keepdims=True)
    value = rel_entr(share, mix).sum(axis=-1).mean(axis=-1) / math.log(2)
    return np.maximum(value, 0.0)


def _jsd_chunked(tables_of: Any, count: int, g: int, v: int) -> np.ndarray:
    """:func:`_jsd` of ``count`` tables made (in order) by ``tables_of(n)``, in chunks of at most
    two million cells, so that memory stays bounded whatever the number of variants."""
    step = max(1, 2_000_000 // max(1, g * v))
    return np.concatenate([_jsd(tables_of(min(step, count - s))) for s in range(0, count, step)])


def distribution_test(counts: Any, *, permutations: int = 999, seed: int = 0) -> dict[str, Any]:
    """Whether the variant distributions of the groups differ: Jensen-Shannon and a permutation p.

    Parameters
    ----------
    counts : array of int, shape (g, V)
        Cases per group (row) and variant (column).
    permutations : int
        Permutations of the group labels of the cases.
    seed : int
        Seed of ``numpy.random.default_rng``.

    Returns
    -------
    dict
        ``statistic`` (generalised Jensen-Shannon divergence with equal weights, bits: in
        ``[0, 1]`` for two groups, ``[0, log2 g]`` for g), ``p`` (``(1 + #{T* >= T}) / (1 +
        permutations)``; scipy's exact value when there are fewer distinct permutations than
        asked), ``permutations``, ``seed`` and ``method`` (``"permutation-test"``: scipy on the
        cases, up to :data:`CASE_PERMUTATION_LIMIT` cases; ``"hypergeometric-tables"``: above;
        or a sentence saying why there is no test).

    Examples
    --------
    >>> r = distribution_test([[30, 10, 5], [10, 30, 5]], permutations=199)
    >>> round(r["statistic"], 4), r["p"], r["method"]
    (0.1678, 0.005, 'permutation-test')
    """
    from scipy import stats

    _check_count("permutations", permutations, 1)
    c = _int_array("counts", counts)
    if c.ndim != 2:
        raise ArgumentError(f"counts must be a (groups, variants) table, got shape {c.shape}")
    out: dict[str, Any] = {
        "statistic": math.nan,
        "p": math.nan,
        "permutations": permutations,
        "seed": seed,
        "method": "",
    }
    if c.shape[0] < 2:
        out["method"] = "not tested: fewer than two groups"
        return out
    sizes = c.sum(axis=1)
    if sizes.min() == 0:
        out["method"] = "not tested: a group has no cases"
        return out
    c = c[:, c.sum(axis=0) > 0]
    g, v = c.shape
    observed = float(_jsd(c))
    out["statistic"] = observed
    total = int(sizes.sum())
    rng = np.random.default_rng(seed)

    if total <= CASE_PERMUTATION_LIMIT:
        samples = tuple(np.repeat(np.arange(v), row) for row in c)

        def statistic(*xs: np.ndarray, axis: int = -1) -> np.ndarray:
            batch = [np.atleast_2d(x) for x in xs]
            b = batch[0].shape[0]
            offset = (np.arange(b) * v)[:, None]
            tables = np.stack(
                [np.bincount((x + offset).ravel(), minlength=b * v).reshape(b, v) for x in batch], axis=1
            )
            value = _jsd(tables)
            return value if xs[0].ndim > 1 else value[0]

        res = stats.permutation_test(
            samples,
            statistic,
            permutation_type="independent",
            vectorized=True,
            n_resamples=permutations,
            alternative="greater",
            batch=max(1, min(permutations, 5_000_000 // total, 2_000_000 // (g * v))),
            rng=rng,
        )
        out["p"] = float(res.pvalue)
        out["permutations"] = int(np.size(res.null_distribution))
        out["method"] = "permutation-test"
        return out

    colors = c.sum(axis=0)

    def tables_of(count: int) -> np.ndarray:
        """``count`` permuted tables (count, g, V), drawn group by group from what is left."""
        if g == 2:
            first = rng.multivariate_hypergeometric(colors, int(sizes[0]), size=count)
            return np.stack([first, colors[None, :] - first], axis=1)
        drawn = np.empty((count, g, v), dtype=np.int64)
        for i in range(count):
            left = colors.copy()
            for j in range(g - 1):
                drawn[i, j] = rng.multivariate_hypergeometric(left, int(sizes[j]))
                left -= drawn[i, j]
            drawn[i, g - 1] = left
        return drawn

    null = _jsd_chunked(tables_of, permutations, g, v)
    gamma = abs(np.finfo("float64").eps * 100 * observed)  # as scipy.stats.permutation_test
    out["p"] = float((np.count_nonzero(null >= observed - gamma) + 1) / (permutations + 1))
    out["method"] = "hypergeometric-tables"
    return out


# -- durations ---------------------------------------------------------------------------------


def _ranks(n: int) -> tuple[int, int]:
    """The 0-based ranks whose mean is numpy's median of ``n`` values."""
    return (n - 1) // 2, n // 2


def _hist_median(values: np.ndarray, counts: np.ndarray) -> float:
    """``np.median(np.repeat(values, counts))`` without expanding (values sorted)."""
    n = int(counts.sum())
    if n == 0:
        return math.nan
    cum = np.cumsum(counts)
    r1, r2 = _ranks(n)
    i1, i2 = np.searchsorted(cum, [r1 + 1, r2 + 1], side="left")
    return float((values[i1] + values[i2]) / 2)


def _bootstrap_medians(
    values: np.ndarray,
    counts: np.ndarray,
    resamples: int,
    rng: np.random.Generator,
    window: float = _WINDOW_SD,
) -> np.ndarray:
    """Medians of ``resamples`` resamples with replacement of the histogram ``(values, counts)``.

    A resample is ``rng.multinomial(n, counts / n)``. The bins whose cumulative share lies more
    than ``window`` standard deviations of a share (``sqrt(0.25 / n)``) below or above one half
    are merged into a lump below and a lump above before drawing: by the aggregation property of
    the multinomial the drawn counts of the remaining bins and lumps have exactly their joint
    distribution. In the rare resample whose middle values fall into a lump, that lump is split
    by a second multinomial draw of its count (its exact conditional distribution), so the
    medians have exactly the distribution of full multinomial resamples, at the cost of a few
    bins instead of all of them.
    """
    keep = counts > 0
    v, c = values[keep], counts[keep]
    n = int(c.sum())
    r1, r2 = _ranks(n)
    share = np.cumsum(c) / n
    half = window * math.sqrt(0.25 / n) + 1 / n
    lo = int(np.searchsorted(share, 0.5 - half, side="left"))
    hi = min(int(np.searchsorted(share, 0.5 + half, side="left")), c.size - 1)
    lumps = np.concatenate([[c[:lo].sum()], c[lo : hi + 1], [c[hi + 1 :].sum()]])
    draws = rng.multinomial(n, lumps / n, size=resamples)
    cum = np.cumsum(draws, axis=1)
    i1 = (cum <= r1).sum(axis=1)
    i2 = (cum <= r2).sum(axis=1)
    last = lumps.size - 1
    core_values = np.concatenate([[np.nan], v[lo : hi + 1], [np.nan]])
    medians = (core_values[i1] + core_values[i2]) / 2
    below, above = c[:lo], c[hi + 1 :]
    for row in np.nonzero((i1 == 0) | (i2 == 0) | (i1 == last) | (i2 == last))[0]:
        parts = [np.zeros(0, np.int64), draws[row, 1:last], np.zeros(0, np.int64)]
        if below.size:
            parts[0] = rng.multinomial(draws[row, 0], below / below.sum())
        if above.size:
            parts[2] = rng.multinomial(draws[row, last], above / above.sum())
        medians[row] = _hist_median(v, np.concatenate(parts))
    return np.asarray(medians, dtype="float64")


def _mwu_binned(counts_a: np.ndarray, counts_b: np.ndarray) -> tuple[float, float]:
    """``(U of a, two-sided p)`` of the Mann-Whitney test from two histograms over the same sorted
    distinct values: scipy's ``method="asymptotic"`` (tie correction, continuity correction)."""
    from scipy.special import ndtr

    a = counts_a.astype("float64")
    b = counts_b.astype("float64")
    n1, n2 = a.sum(), b.sum()
    u1 = float(np.sum(a * (np.cumsum(b) - b + 0.5 * b)))
    u = max(u1, n1 * n2 - u1)
    n = n1 + n2
    t = a + b
    tie_term = float(np.sum(t**3 - t))
    s = math.sqrt(n1 * n2 / 12 * ((n + 1) - tie_term / (n * (n - 1))))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.float64(u - n1 * n2 / 2 - 0.5) / np.float64(s)
    p = float(np.clip(2 * ndtr(-z), 0.0, 1.0))
    return u1, p


def median_tests(
    bins: Any,
    counts_a: Any,
    counts_b: Any,
    *,
    confidence: float = 0.95,
    resamples: int = 999,
    seed: int = 0,
    min_count: int = 10,
) -> dict[str, Any]:
    """Compare two duration histograms: medians, their difference, Cliff's delta, Mann-Whitney.

    Parameters
    ----------
    bins : array of int
        Bin numbers of :meth:`journeymine.engines.base.Engine.durations`, sorted and unique;
        each stands for :func:`journeymine.engines.base.bin_seconds` seconds.
    counts_a, counts_b : array of int
        Values of each group in each bin.
    confidence : float
        Level of the bootstrap interval of ``median_a - median_b``.
    resamples : int
        Bootstrap resamples.
    seed : int
        Seed of ``numpy.random.default_rng``.
    min_count : int
        No interval and no test when a group has fewer than ``min_count`` values.

    Returns
    -------
    dict of floats and str
        ``median_a, median_b`` (seconds: numpy's median of the expanded values, the mean of
        the two middle ones for an even count), ``diff`` (a minus b), ``ci_low, ci_high``
        (percentile bootstrap, each group resampled with replacement), ``effect`` (Cliff's
        delta, ``2 U / (n_a n_b) - 1`` with U of *a*), ``p`` (two-sided Mann-Whitney U),
        ``test`` (``"mann-whitney"``: scipy on the expanded values, up to
        :data:`EXPANDED_LIMIT` values; ``"mann-whitney-binned"``: from the histograms above;
        ``""``: untested) and ``reason``.

    Notes
    -----
    Above :data:`EXPANDED_LIMIT` values, U is summed over bins (``a``'s count times ``b``'s
    count below it plus half ``b``'s count in it) and the p-value is scipy's normal
    approximation with tie and continuity corrections, so it equals ``scipy.stats.mannwhitneyu
    (..., method="asymptotic")`` on the expanded values; a resample is a multinomial draw of the
    histogram (``_bootstrap_medians``), the same distribution as resampling the values.

    Examples
    --------
    >>> r = median_tests([100, 200, 300], [5, 10, 5], [10, 8, 2])
    >>> round(r["median_a"], 2), round(r["median_b"], 2), r["test"]
    (6.43, 4.08, 'mann-whitney')
    >>> round(r["effect"], 3), round(r["p"], 3)
    (0.3, 0.081)
    """
    from scipy import stats

    from journeymine.engines.base import bin_seconds

    _check_confidence(confidence)
    _check_count("resamples", resamples, 1)
    _check_count("min_count", min_count, 0)
    b = _int_array_signed("bins", bins)
    ca = _int_array("counts_a", counts_a).ravel()
    cb = _int_array("counts_b", counts_b).ravel()
    if b.ndim != 1 or ca.shape != b.shape or cb.shape != b.shape:
        raise ArgumentError("bins, counts_a and counts_b must be 1-D arrays of one length")
    if b.size > 1 and np.any(np.diff(b) <= 0):
        raise ArgumentError("bins must be sorted and unique; pass bins=np.unique(bins) with counts summed")
    # bins at or below 0 all stand for 0 s: merge equal values (they are ties)
    values, inverse = np.unique(np.atleast_1d(bin_seconds(b)), return_inverse=True)
    inverse = np.asarray(inverse).ravel()
    ca = np.bincount(inverse, weights=ca, minlength=values.size).astype(np.int64)
    cb = np.bincount(inverse, weights=cb, minlength=values.size).astype(np.int64)
    n_a, n_b = int(ca.sum()), int(cb.sum())

    median_a, median_b = _hist_median(values, ca), _hist_median(values, cb)
    out: dict[str, Any] = {
        "median_a": median_a,
        "median_b": median_b,
        "diff": median_a - median_b,
        "ci_low": math.nan,
        "ci_high": math.nan,
        "effect": math.nan,
        "p": math.nan,
        "test": "",
        "reason": "",
    }
    if n_a and n_b:
        a = ca.astype("float64")
        bb = cb.astype("float64")
        u1 = float(np.sum(a * (np.cumsum(bb) - bb + 0.5 * bb)))
        out["effect"] = 2 * u1 / (n_a * n_b) - 1
    least = max(min_count, 1)
    if n_a < least:
        out["reason"] = f"group a has {_values(n_a)}, fewer than min_count={min_count}"
        return out
    if n_b < least:
        out["reason"] = f"group b has {_values(n_b)}, fewer than min_count={min_count}"
        return out

    rng = np.random.default_rng(seed)
    if n_a + n_b <= EXPANDED_LIMIT:
        xa, xb = np.repeat(values, ca), np.repeat(values, cb)
        out["p"] = float(stats.mannwhitneyu(xa, xb, alternative="two-sided").pvalue)

        def median_diff(x: np.ndarray, y: np.ndarray, axis: int = -1) -> np.ndarray:
            return np.asarray(np.median(x, axis=axis) - np.median(y, axis=axis))

        res = stats.bootstrap(
            (xa, xb),
            median_diff,
            n_resamples=resamples,
            batch=max(1, min(resamples, 2_000_000 // (n_a + n_b))),
            vectorized=True,
            paired=False,
            confidence_level=confidence,
            method="percentile",
            rng=rng,
        )
        out["ci_low"] = float(res.confidence_interval.low)
        out["ci_high"] = float(res.confidence_interval.high)
        out["test"] = "mann-whitney"
        return out

    _, out["p"] = _mwu_binned(ca, cb)
    theta = _bootstrap_medians(values, ca, resamples, rng) - _bootstrap_medians(values, cb, resamples, rng)
    alpha = (1 - confidence) / 2
    low, high = stats.quantile(theta, [alpha, 1 - alpha])  # as scipy.stats.bootstrap's percentile
    out["ci_low"], out["ci_high"] = float(low), float(high)
    out["test"] = "mann-whitney-binned"
    return out


def _values(count: int) -> str:
    return "1 value" if count == 1 else f"{count} values"


def _int_array_signed(name: str, value: Any) -> np.ndarray:
    a = np.asarray(value)
    if a.dtype.kind not in "iu" and not (a.dtype.kind == "f" and np.all(a == np.round(a))):
        raise ArgumentError(f"{name} must hold integer bin numbers, got dtype {a.dtype}")
    return np.atleast_1d(a.astype(np.int64))


# -- means -------------------------------------------------------------------------------------


def mean_diff_tests(
    n_a: Any,
    mean_a: Any,
    sd_a: Any,
    n_b: Any,
    mean_b: Any,
    sd_b: Any,
    *,
    confidence: float = 0.95,
    min_count: int = 2,
) -> dict[str, np.ndarray]:
    """Compare means from summaries: Welch's t test and interval, Cohen's *d*.

    Parameters
    ----------
    n_a, mean_a, sd_a, n_b, mean_b, sd_b : float or array
        Size, mean and sample standard deviation (``ddof=1``) of each group, one per row.
    confidence : float
        Level of the interval of ``mean_a - mean_b``.
    min_count : int
        No interval and no test when a group has fewer than ``max(min_count, 2)`` values.

    Returns
    -------
    dict of arrays
        ``diff`` (a minus b), ``ci_low, ci_high`` (Welch's interval, Welch-Satterthwaite
        degrees of freedom, as ``scipy.stats.ttest_ind(..., equal_var=False)
        .confidence_interval``), ``effect`` (Cohen's *d*, pooled standard deviation), ``p``
        (``scipy.stats.ttest_ind_from_stats(..., equal_var=False)``), ``test`` (``"welch"``
        or ``""``) and ``reason``.

    Examples
    --------
    >>> r = mean_diff_tests(20, 3.0, 1.0, 25, 2.5, 1.2)
    >>> round(float(r["diff"][0]), 2), round(float(r["effect"][0]), 3), round(float(r["p"][0]), 3)
    (0.5, 0.448, 0.135)
    """
    from scipy import stats

    _check_confidence(confidence)
    _check_count("min_count", min_count, 0)
    given = (np.asarray(v, dtype="float64") for v in (n_a, mean_a, sd_a, n_b, mean_b, sd_b))
    na, ma, sa, nb, mb, sb = (np.atleast_1d(x).ravel() for x in np.broadcast_arrays(*given))
    diff = ma - mb
    least = max(min_count, 2)
    reason = np.full(diff.shape, "", dtype=object)
    with np.errstate(divide="ignore", invalid="ignore"):
        va, vb = sa**2 / na, sb**2 / nb
        se = np.sqrt(va + vb)
        dof = (va + vb) ** 2 / (va**2 / (na - 1) + vb**2 / (nb - 1))
        pooled = np.sqrt(((na - 1) * sa**2 + (nb - 1) * sb**2) / (na + nb - 2))
        effect = np.where(pooled > 0, diff / pooled, np.nan)
    for name, n in (("a", na), ("b", nb)):
        for i in np.nonzero((reason == "") & ~(n >= least))[0]:
            count = int(n[i]) if np.isfinite(n[i]) else 0
            reason[i] = f"group {name} has {_values(count)}, fewer than min_count={least}"
    bad = (reason == "") & ~(np.isfinite(diff) & np.isfinite(sa) & np.isfinite(sb))
    reason[bad] = "a mean or standard deviation is missing"
    reason[(reason == "") & ~(se > 0)] = "no spread in either group: nothing to test"
    ok = reason == ""
    p = np.full(diff.shape, np.nan)
    ci_low = np.full(diff.shape, np.nan)
    ci_high = np.full(diff.shape, np.nan)
    if ok.any():
        res = stats.ttest_ind_from_stats(ma[ok], sa[ok], na[ok], mb[ok], sb[ok], nb[ok], equal_var=False)
        p[ok] = res.pvalue
        half = stats.t.ppf(0.5 + confidence / 2, dof[ok]) * se[ok]
        ci_low[ok] = diff[ok] - half
        ci_high[ok] = diff[ok] + half
    test = np.where(ok, "welch", "").astype(object)
    return {
        "diff": diff,
        "ci_low": ci_low,
        "ci_high": ci_high,
        "effect": effect,
        "p": p,
        "test": test,
        "reason": reason,
    }


# -- false discovery rate ----------------------------------------------------------------------


def bh(p: Any) -> np.ndarray:
    """Benjamini-Hochberg q-values of a family of p-values; NaN (tests not run) stays NaN.

    ``scipy.stats.false_discovery_control(method="bh")`` over the p-values that are not NaN
    (their number is the number of tests), clipped to ``[0, 1]``; the shape is kept.

    Examples
    --------
    >>> bh([0.01, float("nan"), 0.04, 0.03]).round(3).tolist()
    [0.03, nan, 0.04, 0.04]
    """
    from scipy import stats

    a = np.asarray(p, dtype="float64")
    q = np.full(a.shape, np.nan)
    ok = ~np.isnan(a)
    if ok.any():
        q[ok] = stats.false_discovery_control(np.clip(a[ok], 0.0, 1.0), method="bh")
    return q
