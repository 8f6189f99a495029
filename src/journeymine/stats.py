"""Small, defensible statistics used by the journey figures: intervals, effect sizes, FDR.

Every interval is two-sided at the given confidence (95 % by default):

- a share: the Wilson score interval (good near 0 and 1 and for small counts);
- a mean: Student's t interval over customers (one value per customer, so that a customer
  with many events does not count many times);
- a Net Promoter Score: the normal interval with the NPS variance
  ``(p+ + p- - (p+ - p-)**2) / n`` (promoters 9-10, detractors 0-6).

Effect sizes are Cohen's *d* (means, pooled standard deviation) and Cohen's *h* (shares,
``2 asin sqrt p1 - 2 asin sqrt p2``); both are on the same scale (0.2 small, 0.5 medium, 0.8
large), so they can be ranked together. p-values from many tests are adjusted with
Benjamini-Hochberg (``q``: the false discovery rate at which the result would be called).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence

import numpy as np

__all__ = ["bh_adjust", "cohen_d", "cohen_h", "mean_ci", "nps", "wilson"]


@functools.lru_cache(maxsize=4096)
def _t(confidence: float, dof: int) -> float:
    from scipy import stats

    return float(stats.t.ppf(0.5 + confidence / 2, dof))


@functools.lru_cache(maxsize=64)
def _z(confidence: float) -> float:
    from statistics import NormalDist

    return NormalDist().inv_cdf(0.5 + confidence / 2)


def wilson(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """The Wilson score interval of a share ``k / n``; ``(nan, nan)`` when ``n == 0``.

    Examples
    --------
    >>> tuple(round(x, 3) for x in wilson(8, 10))
    (0.49, 0.943)
    """
    if n <= 0:
        return (math.nan, math.nan)
    z = _z(confidence)
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def mean_ci(values: Sequence[float] | np.ndarray, confidence: float = 0.95) -> tuple[float, float, float]:
    """Mean and Student's t interval: ``(mean, low, high)``; the interval is nan below 2 values.

    Examples
    --------
    >>> tuple(round(x, 3) for x in mean_ci([1.0, 2.0, 3.0, 4.0]))
    (2.5, 0.446, 4.554)
    """
    a = np.asarray(values, dtype="float64")
    a = a[~np.isnan(a)]
    if a.size == 0:
        return (math.nan, math.nan, math.nan)
    m = float(a.mean())
    if a.size < 2:
        return (m, math.nan, math.nan)
    se = float(a.std(ddof=1)) / math.sqrt(a.size)
    t = _t(confidence, int(a.size) - 1)
    return (m, m - t * se, m + t * se)


def nps(scores: Sequence[float] | np.ndarray, confidence: float = 0.95) -> tuple[float, float, float, int]:
    """Net Promoter Score (-100 ... 100) of 0-10 scores: ``(nps, low, high, respondents)``.

    Examples
    --------
    >>> nps([10, 9, 8, 7, 3])[0]
    20.0
    """
    a = np.asarray(scores, dtype="float64")
    a = a[~np.isnan(a)]
    n = int(a.size)
    if n == 0:
        return (math.nan, math.nan, math.nan, 0)
    promoters = float((a >= 9).mean())
    detractors = float((a <= 6).mean())
    value = 100 * (promoters - detractors)
    var = (promoters + detractors - (promoters - detractors) ** 2) / n
    half = 100 * _z(confidence) * math.sqrt(var)
    return (value, max(-100.0, value - half), min(100.0, value + half), n)


def cohen_d(a: np.ndarray, b: np.ndarray) -> float:
    """Cohen's d of ``mean(a) - mean(b)`` with the pooled standard deviation (nan if undefined).

    Examples
    --------
    >>> round(cohen_d(np.array([1.0, 2.0, 3.0]), np.array([2.0, 3.0, 4.0])), 3)
    -1.0
    """
    if a.size < 2 or b.size < 2:
        return math.nan
    pooled = ((a.size - 1) * a.var(ddof=1) + (b.size - 1) * b.var(ddof=1)) / (a.size + b.size - 2)
    if pooled <= 0:
        return math.nan
    return float((a.mean() - b.mean()) / math.sqrt(pooled))


def cohen_h(p1: float, p2: float) -> float:
    """Cohen's h between two shares: ``2 asin sqrt p1 - 2 asin sqrt p2``.

    Examples
    --------
    >>> round(cohen_h(0.5, 0.2), 3)
    0.644
    """
    return 2 * math.asin(math.sqrt(p1)) - 2 * math.asin(math.sqrt(p2))


def bh_adjust(pvalues: Sequence[float]) -> list[float]:
    """Benjamini-Hochberg adjusted p-values (q-values), in input order; nan stays nan.

    Examples
    --------
    >>> [round(q, 3) for q in bh_adjust([0.01, 0.04, 0.03, float("nan")])]
    [0.03, 0.04, 0.04, nan]
    """
    p = np.asarray(pvalues, dtype="float64")
    ok = ~np.isnan(p)
    out = np.full(p.shape, math.nan)
    m = int(ok.sum())
    if m == 0:
        return out.tolist()
    idx = np.nonzero(ok)[0]
    order = idx[np.argsort(p[idx], kind="stable")]
    ranked = p[order] * m / np.arange(1, m + 1)
    ranked = np.minimum.accumulate(ranked[::-1])[::-1]
    out[order] = np.minimum(ranked, 1.0)
    return out.tolist()
