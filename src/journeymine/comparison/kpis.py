"""Journey KPIs compared between groups: completion, drop-off, target attainment, sentiment.

Taken from the journey-map figures (:func:`journeymine.journey_map`, per segment): shares come
with their counts, and a stage's sentiment with its customers, mean and t interval, from which
the standard deviation is recovered exactly (``sd = half-width x sqrt(n) / t``). Counts add up
over the segments of a group; means and variances are pooled.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from journeymine.comparison import stattests
from journeymine.display import segment_text

if TYPE_CHECKING:
    from journeymine.eventlog import EventLog
    from journeymine.journeymap.result import JourneyMapResult
    from journeymine.segments import Bins

__all__ = ["KPI_COLUMNS", "kpi_table"]

KPI_COLUMNS = [
    "group_a",
    "group_b",
    "kpi",
    "stage",
    "touchpoint",
    "n_a",
    "n_b",
    "value_a",
    "value_b",
    "diff",
    "ci_low",
    "ci_high",
    "effect",
    "effect_kind",
    "p",
    "q",
    "test",
    "significant",
    "reason",
]


def _figures(result: JourneyMapResult, label: str | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The segments and stages frames with a ``label`` column (the segment as it prints)."""
    seg, stages = result.segments.copy(), result.stages.copy()
    for frame in (seg, stages):
        frame["label"] = (
            label if label is not None else [segment_text(s) for s in frame["segment"].astype(object)]
        )
    return seg, stages


def _sd(half: float, n: int, confidence: float) -> float:
    from scipy import stats

    if n < 2 or not math.isfinite(half):
        return math.nan
    return float(half * math.sqrt(n) / stats.t.ppf(0.5 + confidence / 2, n - 1))


def _pooled(n: np.ndarray, mean: np.ndarray, sd: np.ndarray) -> tuple[int, float, float]:
    ok = n > 0
    n, mean, sd = n[ok], mean[ok], sd[ok]
    total = int(n.sum())
    if total == 0:
        return 0, math.nan, math.nan
    m = float((n * mean).sum() / total)
    if total < 2:
        return total, m, math.nan
    ss = float((np.where(n > 1, (n - 1) * np.nan_to_num(sd) ** 2, 0.0)).sum() + (n * (mean - m) ** 2).sum())
    return total, m, math.sqrt(ss / (total - 1))


def kpi_table(
    logs: tuple[EventLog, EventLog | None],
    spec: Any,
    by: str | None,
    bins: Bins,
    mapping: dict[str, list[str]],
    pairs: Sequence[tuple[str, str]],
    *,
    confidence: float,
    min_count: int,
    alpha: float,
) -> pd.DataFrame:
    """The KPI table of a comparison (see :class:`~journeymine.comparison.result.Comparison`)."""
    from journeymine.journeymap.figures import journey_map

    if logs[1] is None:
        seg, stages = _figures(journey_map(logs[0], spec, by=by, bins=bins), None)
    else:
        names = list(mapping)
        parts = [_figures(journey_map(log, spec), name) for log, name in zip(logs, names) if log is not None]
        seg = pd.concat([p[0] for p in parts], ignore_index=True)
        stages = pd.concat([p[1] for p in parts], ignore_index=True)
    stage_names = list(dict.fromkeys(stages["stage"]))

    def group(g: str) -> dict[tuple[str, str | None], Any]:
        labels = mapping[g]
        s = seg[seg["label"].isin(labels)]
        st = stages[stages["label"].isin(labels)]
        out: dict[tuple[str, str | None], Any] = {
            ("completion", None): (int(s["customers"].sum()), int(s["completed"].sum())),
        }
        for name in stage_names:
            x = st[st["stage"] == name]
            customers = x["customers"].to_numpy(dtype="int64")
            left = np.rint(customers * x["left_share"].fillna(0).to_numpy()).astype("int64")
            out[("drop-off", name)] = (int(customers.sum()), int(left.sum()))
            tn = x["target_customers"].to_numpy(dtype="int64")
            met = np.rint(tn * x["target_met_share"].fillna(0).to_numpy()).astype("int64")
            out[("target", name)] = (int(tn.sum()), int(met.sum()))
            sn = x["sentiment_customers"].to_numpy(dtype="int64")
            half = ((x["sentiment_ci_high"] - x["sentiment_ci_low"]) / 2).to_numpy(dtype="float64")
            sd = np.array([_sd(h, int(n), confidence) for h, n in zip(half, sn)], dtype="float64")
            out[("sentiment", name)] = _pooled(sn, x["sentiment_mean"].to_numpy(dtype="float64"), sd)
        return out

    figures = {g: group(g) for g in mapping}
    rows: list[dict[str, Any]] = []
    for a, b in pairs:
        fa, fb = figures[a], figures[b]
        share_keys = [k for k in fa if k[0] != "sentiment" and (fa[k][0] or fb[k][0])]
        if share_keys:
            res = stattests.share_tests(
                np.array([fa[k][1] for k in share_keys]),
                np.array([fa[k][0] for k in share_keys]),
                np.array([fb[k][1] for k in share_keys]),
                np.array([fb[k][0] for k in share_keys]),
                confidence=confidence,
                min_count=min_count,
            )
            for i, k in enumerate(share_keys):
                rows.append(
                    {
                        "group_a": a,
                        "group_b": b,
                        "kpi": k[0],
                        "stage": k[1],
                        "touchpoint": None,
                        "n_a": fa[k][0],
                        "n_b": fb[k][0],
                        "value_a": res["share_a"][i],
                        "value_b": res["share_b"][i],
                        "diff": res["diff"][i],
                        "ci_low": res["ci_low"][i],
                        "ci_high": res["ci_high"][i],
                        "effect": res["effect"][i],
                        "effect_kind": "h",
                        "p": res["p"][i],
                        "test": res["test"][i],
                        "reason": res["reason"][i],
                    }
                )
        keys = [k for k in fa if k[0] == "sentiment" and (fa[k][0] or fb[k][0])]
        if keys:
            res = stattests.mean_diff_tests(
                *(np.array([f[k][i] for k in keys], dtype="float64") for f in (fa, fb) for i in range(3)),
                confidence=confidence,
                min_count=min_count,
            )
            for i, k in enumerate(keys):
                rows.append(
                    {
                        "group_a": a,
                        "group_b": b,
                        "kpi": "sentiment",
                        "stage": k[1],
                        "touchpoint": None,
                        "n_a": fa[k][0],
                        "n_b": fb[k][0],
                        "value_a": fa[k][1],
                        "value_b": fb[k][1],
                        "diff": res["diff"][i],
                        "ci_low": res["ci_low"][i],
                        "ci_high": res["ci_high"][i],
                        "effect": res["effect"][i],
                        "effect_kind": "d",
                        "p": res["p"][i],
                        "test": res["test"][i],
                        "reason": res["reason"][i],
                    }
                )
    if not rows:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in KPI_COLUMNS})
    frame = pd.DataFrame(rows)
    order = {"completion": 0, "drop-off": 1, "target": 2, "sentiment": 3}
    frame = frame.iloc[np.argsort(frame["kpi"].map(order).to_numpy(), kind="stable")].reset_index(drop=True)
    frame["q"] = stattests.bh(frame["p"].to_numpy(dtype="float64"))
    frame["significant"] = (frame["q"] < alpha).fillna(False).astype(bool)
    return frame[KPI_COLUMNS]
