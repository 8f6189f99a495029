"""``jm.compare`` and ``jm.drift``: tested differences between groups of cases, on engine aggregates.

Everything here works on what three engine verbs return per segment: the DFG (cases that contain
each transition), the variants (cases per variant) and the duration histograms
(:meth:`~journeymine.engines.base.Engine.durations`). Those aggregates add up over segments, so a
group may hold several segments (``rest=``: one segment against all others) and two logs compare
exactly like two segments of one. Nothing reads the events: it runs the same on Spark.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from journeymine.comparison import stattests
from journeymine.comparison.result import Comparison, Drift
from journeymine.display import segment_text
from journeymine.errors import ArgumentError
from journeymine.eventlog import EventLog, as_log

if TYPE_CHECKING:
    import os
    from collections.abc import Mapping

    from journeymine.journeymap.spec import JourneyMap
    from journeymine.segments import Bins

__all__ = ["METHODS", "compare", "drift"]

#: how each table is tested, in a sentence each (the exports print them as the methods note)
METHODS = {
    "edges": (
        "Transitions: the share of a group's cases that contain the transition at least once; "
        "difference with Newcombe's hybrid score interval (Newcombe 1998), ratio with the "
        "log-normal interval; Fisher's exact test when an expected count is below 5, else "
        "Pearson's chi-square test with Yates' correction; effect size Cohen's h."
    ),
    "variants": (
        "Variants: the share of a group's cases that follow the variant, tested as transitions are."
    ),
    "omnibus": (
        "More than two groups: one chi-square test of the 2 x k table per transition and variant "
        "(a permutation p-value when expected counts are small), then every pair."
    ),
    "distribution": (
        "Variant distributions as a whole: the Jensen-Shannon divergence (base 2; Lin 1991) of the "
        "groups' variant shares, variants with fewer than min_count cases lumped into one, and a "
        "permutation test of the case labels, p = (1 + #{T* >= T}) / (1 + permutations)."
    ),
    "durations": (
        "Durations of cases and of each transition, from the engine's histograms (bins of 1 % of "
        "1 + seconds: medians within 0.5 %); difference of medians with a percentile bootstrap "
        "interval; Mann-Whitney U test (normal approximation with tie and continuity "
        "corrections for large samples); effect size Cliff's delta. Transitions count once per "
        "occurrence, so a case that repeats one weighs more."
    ),
    "kpis": (
        "Journey KPIs from the journey map: completion, drop-off per stage and target attainment "
        "as shares (tested as transitions are), sentiment per stage as a mean over customers "
        "(Welch's t-test and interval; effect size Cohen's d)."
    ),
    "fdr": (
        "q-values: Benjamini-Hochberg (1995) over all tests of a table, across all pairs; "
        "significant means q < alpha. Features in fewer than min_count cases, or groups smaller "
        "than min_count, are not tested (independent filtering, Bourgon et al. 2010)."
    ),
}

_SHARE_COLUMNS = [
    "cases_a",
    "cases_b",
    "share_a",
    "share_b",
    "diff",
    "ci_low",
    "ci_high",
    "ratio",
    "ratio_ci_low",
    "ratio_ci_high",
    "effect",
    "p",
    "q",
    "test",
    "significant",
    "reason",
]
EDGE_COLUMNS = ["group_a", "group_b", "source", "target", *_SHARE_COLUMNS]
VARIANT_COLUMNS = ["group_a", "group_b", "variant_id", "variant", *_SHARE_COLUMNS]
OMNIBUS_COLUMNS = [
    "kind",
    "source",
    "target",
    "variant_id",
    "statistic",
    "dof",
    "p",
    "q",
    "test",
    "significant",
    "reason",
]
DISTRIBUTION_COLUMNS = ["group_a", "group_b", "statistic", "p", "permutations", "seed", "method"]
DURATION_COLUMNS = [
    "group_a",
    "group_b",
    "level",
    "source",
    "target",
    "n_a",
    "n_b",
    "median_a_s",
    "median_b_s",
    "diff_s",
    "ci_low_s",
    "ci_high_s",
    "effect",
    "p",
    "q",
    "test",
    "significant",
    "reason",
]


# -- the aggregates of one log ------------------------------------------------------------------


@dataclass
class _Mined:
    """The engine aggregates of one log per segment label (``label`` columns added)."""

    labels: list[str]  # in the documented segment order, "(none)" last
    dfg: pd.DataFrame  # label, source, target, cases
    variants: pd.DataFrame  # label, variant_id, variant, events, cases
    durations: pd.DataFrame  # label, source, target, bin, count
    activities: pd.DataFrame | None  # label, activity, cases, events (for drift only)


def _label(frame: pd.DataFrame, by: str | None, name: str | None) -> pd.DataFrame:
    frame = frame.copy()
    if name is not None:
        frame["label"] = name
    elif by is None:
        frame["label"] = "all"
    else:
        frame["label"] = [segment_text(s) for s in frame["segment"].astype(object)]
    return frame.drop(columns=["segment"])


def _mine(
    log: EventLog, by: str | None, bins: Bins, name: str | None = None, *, activities: bool = False
) -> _Mined:
    """The aggregates of one log per segment label: three engine verbs (``dfg``, ``variants``,
    ``durations``), and ``activities`` for drift's touchpoints."""
    seg = log.segmentation(by, bins)
    engine, rel = log.engine, log._relation
    variants = log.frame(engine.variants(rel, by=seg, top=None), seg)
    labels: list[str]
    if name is not None:
        labels = [name]
    elif by is None:
        labels = ["all"]
    else:
        raw = variants["segment"]
        if hasattr(raw, "cat"):
            present = set(raw.dropna())
            labels = [segment_text(c) for c in raw.cat.categories if c in present]
        else:
            labels = [segment_text(s) for s in dict.fromkeys(raw.dropna())]
        if raw.isna().any():
            labels.append("(none)")
    return _Mined(
        labels=labels,
        dfg=_label(
            log.frame(engine.dfg(rel, by=seg), seg)[["segment", "source", "target", "cases"]], by, name
        ),
        variants=_label(variants[["segment", "variant_id", "variant", "events", "cases"]], by, name),
        durations=_label(log.frame(engine.durations(rel, by=seg), seg), by, name),
        activities=_label(
            log.frame(engine.activities(rel, by=seg), seg)[["segment", "activity", "cases", "events"]],
            by,
            name,
        )
        if activities
        else None,
    )


def _concat(a: _Mined, b: _Mined) -> _Mined:
    return _Mined(
        labels=[*a.labels, *b.labels],
        dfg=pd.concat([a.dfg, b.dfg], ignore_index=True),
        variants=pd.concat([a.variants, b.variants], ignore_index=True),
        durations=pd.concat([a.durations, b.durations], ignore_index=True),
        activities=None,
    )


# -- groups ---------------------------------------------------------------------------------------


def _match(name: Any, labels: Sequence[str], what: str) -> str:
    from journeymine.journeymap.spec import did_you_mean

    text = segment_text(name)
    if text in labels:
        return text
    shown = ", ".join(repr(x) for x in labels)
    raise ArgumentError(
        f"{what} names {text!r}, which is not a segment; the segments are: {shown}"
        + did_you_mean(text, list(labels))
    )


def _groups(
    labels: list[str],
    groups: Sequence[Any] | None,
    rest: Any,
    consecutive: bool,
) -> tuple[dict[str, list[str]], list[tuple[str, str]], bool]:
    """``{group: [segment labels]}``, the pairs ``(a, b)`` and whether to run omnibus tests."""
    named = [x for x in labels if x != "(none)"]
    if rest is not None:
        if groups is not None or consecutive:
            raise ArgumentError(
                "rest= compares one segment with all others; pass it without groups= or consecutive="
            )
        a = _match(rest, labels, "rest=")
        others = [x for x in named if x != a]
        if not others:
            raise ArgumentError(f"rest={a!r}: there is no other segment to compare it with")
        b = f"not {a}"
        return {a: [a], b: others}, [(a, b)], False
    if groups is not None:
        if isinstance(groups, (str, bytes)) or not isinstance(groups, Sequence):
            raise ArgumentError(
                f"groups= takes two or more segment names, such as groups=('a', 'b'); not {groups!r}"
            )
        chosen = [_match(g, labels, "groups=") for g in groups]
        if len(set(chosen)) != len(chosen):
            raise ArgumentError(f"groups= names a segment twice: {list(chosen)!r}")
    else:
        chosen = named
    if len(chosen) < 2:
        raise ArgumentError(
            f"there {'is' if len(chosen) == 1 else 'are'} {len(chosen)} segment(s) to compare "
            f"({', '.join(chosen) or 'none'}); pass by= a column with two or more values, "
            "or against= another log"
        )
    mapping = {g: [g] for g in chosen}
    if consecutive:
        return mapping, [(chosen[i + 1], chosen[i]) for i in range(len(chosen) - 1)], False
    if len(chosen) == 2:
        return mapping, [(chosen[0], chosen[1])], False
    return mapping, list(combinations(chosen, 2)), True


@dataclass
class _Group:
    cases: int
    events: int
    edges: pd.Series  # (source, target) -> cases
    variants: pd.Series  # variant_id -> cases
    durations: pd.DataFrame  # source, target, bin, count (case level: source/target "")


def _group_data(
    mined: _Mined, mapping: dict[str, list[str]]
) -> tuple[dict[str, _Group], dict[str, tuple[str, ...]]]:
    owner = {label: g for g, labels in mapping.items() for label in labels}
    out: dict[str, _Group] = {}
    v = mined.variants.assign(group=mined.variants["label"].map(owner)).dropna(subset=["group"])
    d = mined.dfg.assign(group=mined.dfg["label"].map(owner)).dropna(subset=["group"])
    h = mined.durations.assign(group=mined.durations["label"].map(owner)).dropna(subset=["group"])
    h = h.assign(source=h["source"].fillna(""), target=h["target"].fillna(""))
    names = {
        str(vid): tuple(seq) for vid, seq in zip(mined.variants["variant_id"], mined.variants["variant"])
    }
    for g in mapping:
        vg, dg, hg = v[v["group"] == g], d[d["group"] == g], h[h["group"] == g]
        out[g] = _Group(
            cases=int(vg["cases"].sum()),
            events=int((vg["cases"] * vg["events"]).sum()),
            edges=dg.groupby(["source", "target"], sort=False)["cases"].sum(),
            variants=vg.groupby("variant_id", sort=False)["cases"].sum(),
            durations=hg.groupby(["source", "target", "bin"], sort=True, as_index=False)["count"].sum(),
        )
    return out, names


# -- tables -----------------------------------------------------------------------------------------


def _aligned_counts(series: Sequence[pd.Series]) -> tuple[pd.Index, np.ndarray]:
    """The union of the series' keys, sorted, and their counts on it: ``(keys, (groups, keys))``
    int64, 0 where a group lacks a key."""
    keys = series[0].index
    for s in series[1:]:
        keys = keys.union(s.index, sort=False)
    keys = keys.sort_values()
    return keys, np.vstack([s.reindex(keys, fill_value=0).to_numpy(dtype="int64") for s in series])


def _share_rows(
    keys: pd.Index,
    counts: np.ndarray,
    n_a: int,
    n_b: int,
    confidence: float,
    min_count: int,
) -> dict[str, Any]:
    """The share tests of two groups' counts (rows of ``counts``) on ``keys``."""
    k_a, k_b = counts[0], counts[1]
    res = stattests.share_tests(k_a, n_a, k_b, n_b, confidence=confidence, min_count=min_count)
    return {"cases_a": k_a, "cases_b": k_b, **{k: res[k] for k in res}}


def _finish(frame: pd.DataFrame, columns: list[str], alpha: float) -> pd.DataFrame:
    if frame.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    frame["q"] = stattests.bh(frame["p"].to_numpy(dtype="float64"))
    frame["significant"] = (frame["q"] < alpha).fillna(False).astype(bool)
    return frame[columns].reset_index(drop=True)


def _shares(
    data: dict[str, _Group],
    pairs: list[tuple[str, str]],
    kind: str,
    names: dict[str, tuple[str, ...]],
    confidence: float,
    min_count: int,
    alpha: float,
) -> pd.DataFrame:
    parts = []
    for a, b in pairs:
        sa = data[a].edges if kind == "edges" else data[a].variants
        sb = data[b].edges if kind == "edges" else data[b].variants
        keys, counts = _aligned_counts([sa, sb])
        if len(keys) == 0:
            continue
        rows = _share_rows(keys, counts, data[a].cases, data[b].cases, confidence, min_count)
        part = pd.DataFrame({"group_a": a, "group_b": b, **rows})
        if kind == "edges":
            part.insert(2, "source", [k[0] for k in keys])
            part.insert(3, "target", [k[1] for k in keys])
        else:
            part.insert(2, "variant_id", [str(k) for k in keys])
            part.insert(3, "variant", [names.get(str(k), ()) for k in keys])
        # within a pair: the largest differences first (ties by name), so that heads read well
        part = part.iloc[np.argsort(-np.abs(part["diff"].fillna(0).to_numpy()), kind="stable")]
        parts.append(part)
    columns = EDGE_COLUMNS if kind == "edges" else VARIANT_COLUMNS
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
    return _finish(frame, columns, alpha)


def _omnibus(
    data: dict[str, _Group], groups: list[str], min_count: int, alpha: float, seed: int, permutations: int
) -> pd.DataFrame:
    parts = []
    n = np.array([data[g].cases for g in groups], dtype="int64")
    for kind in ("edge", "variant"):
        keys, counts = _aligned_counts(
            [data[g].edges if kind == "edge" else data[g].variants for g in groups]
        )
        if len(keys) == 0:
            continue
        res = stattests.omnibus_share_tests(
            counts.T, n, min_count=min_count, permutations=permutations, seed=seed
        )
        part = pd.DataFrame({"kind": kind, **res})
        if kind == "edge":
            part["source"], part["target"], part["variant_id"] = (
                [x[0] for x in keys],
                [x[1] for x in keys],
                None,
            )
        else:
            part["source"], part["target"], part["variant_id"] = None, None, [str(x) for x in keys]
        parts.append(part)
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=OMNIBUS_COLUMNS)
    return _finish(frame, OMNIBUS_COLUMNS, alpha)


def _distribution(
    data: dict[str, _Group],
    groups: list[str],
    pairs: list[tuple[str, str]],
    omnibus: bool,
    permutations: int,
    seed: int,
    min_count: int,
) -> pd.DataFrame:
    rows = []
    tests: list[tuple[str | None, str | None, list[str]]] = []
    if omnibus:
        tests.append((None, None, groups))
    tests += [(a, b, [a, b]) for a, b in pairs]
    for i, (a, b, members) in enumerate(tests):
        _, counts = _aligned_counts([data[g].variants for g in members])
        # variants with fewer than min_count cases in all are lumped into one category: each
        # such variant lies wholly in one group whatever the labels, so the plug-in divergence
        # of a sparse tail is large under any permutation and would drown the frequent variants
        rare = counts.sum(axis=0) < min_count
        if rare.any():
            counts = np.column_stack([counts[:, ~rare], counts[:, rare].sum(axis=1)])
        res = stattests.distribution_test(counts, permutations=permutations, seed=seed + i)
        rows.append({"group_a": a, "group_b": b, **{k: res[k] for k in DISTRIBUTION_COLUMNS[2:]}})
    return pd.DataFrame(rows, columns=DISTRIBUTION_COLUMNS)


def _durations(
    data: dict[str, _Group],
    pairs: list[tuple[str, str]],
    confidence: float,
    min_count: int,
    alpha: float,
    seed: int,
    timed: bool,
) -> pd.DataFrame:
    rows = []
    if timed:
        for a, b in pairs:
            ha, hb = data[a].durations, data[b].durations
            ga = {k: g for k, g in ha.groupby(["source", "target"], sort=False)}
            gb = {k: g for k, g in hb.groupby(["source", "target"], sort=False)}
            keys = sorted(set(ga) | set(gb))
            for key in keys:
                xa, xb = ga.get(key), gb.get(key)
                bins = np.union1d(
                    xa["bin"].to_numpy(dtype="int64") if xa is not None else np.empty(0, "int64"),
                    xb["bin"].to_numpy(dtype="int64") if xb is not None else np.empty(0, "int64"),
                )
                ca = _aligned(bins, xa)
                cb = _aligned(bins, xb)
                res = stattests.median_tests(
                    bins, ca, cb, confidence=confidence, seed=seed, min_count=min_count
                )
                case_level = key == ("", "")
                rows.append(
                    {
                        "group_a": a,
                        "group_b": b,
                        "level": "case" if case_level else "transition",
                        "source": None if case_level else key[0],
                        "target": None if case_level else key[1],
                        "n_a": int(ca.sum()),
                        "n_b": int(cb.sum()),
                        "median_a_s": res["median_a"],
                        "median_b_s": res["median_b"],
                        "diff_s": res["diff"],
                        "ci_low_s": res["ci_low"],
                        "ci_high_s": res["ci_high"],
                        "effect": res["effect"],
                        "p": res["p"],
                        "test": res["test"],
                        "reason": res["reason"],
                    }
                )
    frame = pd.DataFrame(rows, columns=[c for c in DURATION_COLUMNS if c not in ("q", "significant")])
    return _finish(frame, DURATION_COLUMNS, alpha)


def _aligned(bins: np.ndarray, frame: pd.DataFrame | None) -> np.ndarray:
    out = np.zeros(len(bins), dtype="int64")
    if frame is not None and len(frame):
        idx = np.searchsorted(bins, frame["bin"].to_numpy(dtype="int64"))
        np.add.at(out, idx, frame["count"].to_numpy(dtype="int64"))
    return out


# -- the verbs ----------------------------------------------------------------------------------


def _check(alpha: float, confidence: float, permutations: int, min_count: int, seed: int) -> None:
    for name, value in (("alpha", alpha), ("confidence", confidence)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < 1:
            raise ArgumentError(f"{name}= takes a number between 0 and 1 (such as 0.05), not {value!r}")
    for name, value, low in (
        ("permutations", permutations, 1),
        ("min_count", min_count, 1),
        ("seed", seed, 0),
    ):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise ArgumentError(f"{name}= takes a whole number of at least {low}, not {value!r}")


def _log_name(log: EventLog, fallback: str) -> str:
    source = str(log.source)
    if source and source not in ("DataFrame", "Arrow table") and not source.startswith("<"):
        return Path(source).name
    return fallback


def compare(
    log: EventLog | Any,
    against: EventLog | Any = None,
    *,
    by: str | None = None,
    bins: Bins = None,
    groups: Sequence[Any] | None = None,
    rest: Any = None,
    consecutive: bool = False,
    map: JourneyMap | str | os.PathLike[str] | Mapping[str, Any] | None = None,
    names: Sequence[str] | None = None,
    alpha: float = 0.05,
    confidence: float = 0.95,
    seed: int = 0,
    permutations: int = 999,
    min_count: int = 10,
    **read_options: Any,
) -> Comparison:
    """Test where groups of cases differ: transitions, variants, durations and journey KPIs.

    Compare two segments (``by=`` and ``groups=(a, b)``), one segment against all others
    (``rest=a``), every segment of ``by`` (more than two: an omnibus test per feature, then
    every pair), each period against the one before (``by="cohort:month", consecutive=True``),
    or two logs (``against=``). Differences are *a minus b*; every table controls the false
    discovery rate over all its tests (Benjamini-Hochberg), and a feature seen in fewer than
    ``min_count`` cases is listed but not tested, with the reason. Only engine aggregates are
    read (DFG, variants, duration histograms), so it runs on any engine and any size.

    Parameters
    ----------
    log : EventLog, DataFrame or path
        The events (read with ``**read_options`` when not an ``EventLog``).
    against : EventLog, DataFrame or path, optional
        A second log: compare the two logs as groups (``names`` them; by default their file
        names, else ``"a"`` and ``"b"``). Not with ``by``.
    by, bins : optional
        The segments (a case attribute, ``"cohort:month"`` / ``"cohort:week"``), as for
        :func:`journeymine.discover_dfg`.
    groups : sequence of str, optional
        The segments to compare, as their labels print (``"[0, 5000)"``); default every
        segment (cases without a value are left out).
    rest : str, optional
        Compare this segment with all other segments together (the group ``"not <name>"``).
    consecutive : bool
        Compare each segment with the one before it (for periods; see :func:`drift`).
    map : JourneyMap, path, YAML text or mapping, optional
        A journey map: adds the journey KPIs (completion, drop-off and sentiment per stage,
        target attainment).
    alpha : float
        The false discovery rate at which a difference is called significant.
    confidence : float
        Of the intervals.
    seed, permutations : int
        Seed every random draw (permutation test, bootstrap); permutations of the variant
        distribution test (the bootstrap draws 999 resamples).
    min_count : int
        Fewest cases a feature (and each group) needs to be tested.

    Returns
    -------
    Comparison

    Examples
    --------
    >>> import journeymine as jm
    >>> result = jm.compare(jm.datasets.load_demo_log(), by="segment", groups=("mover", "refinancer"))
    >>> result.pairs
    [('mover', 'refinancer')]
    >>> sorted(result.edges.columns[:4])
    ['group_a', 'group_b', 'source', 'target']
    >>> bool(result.edges["significant"].any())
    True
    """
    _check(alpha, confidence, permutations, min_count, seed)
    if not isinstance(consecutive, bool):
        raise ArgumentError(f"consecutive= takes True or False, not {consecutive!r}")
    log = as_log(log, "compare", **read_options)
    other = None
    if against is not None:
        if by is not None or bins is not None or groups is not None or rest is not None or consecutive:
            raise ArgumentError(
                "against= compares two logs as a whole; pass it without by=, bins=, groups=, rest= "
                "or consecutive="
            )
        other = as_log(against, "compare", **read_options)
        if names is None:
            first, second = _log_name(log, "a"), _log_name(other, "b")
            names = (first, second) if first != second else ("a", "b")
        if isinstance(names, (str, bytes)) or len(names) != 2 or len({str(n) for n in names}) != 2:
            raise ArgumentError(f"names= takes two different names for the two logs, not {names!r}")
        mined = _concat(_mine(log, None, None, str(names[0])), _mine(other, None, None, str(names[1])))
        mapping = {str(names[0]): [str(names[0])], str(names[1]): [str(names[1])]}
        pairs, omnibus = [(str(names[0]), str(names[1]))], False
    else:
        if names is not None:
            raise ArgumentError("names= names the two logs of against=; pass it only with against=")
        if by is None:
            raise ArgumentError(
                "compare needs groups: pass by= (the segments to compare) or against= (another log)"
            )
        mined = _mine(log, by, bins)
        mapping, pairs, omnibus = _groups(mined.labels, groups, rest, consecutive)
    return _compare(
        mined,
        mapping,
        pairs,
        omnibus,
        logs=(log, other),
        by=by,
        bins=bins,
        map=map,
        alpha=alpha,
        confidence=confidence,
        seed=seed,
        permutations=permutations,
        min_count=min_count,
        against=None if other is None else pairs[0][1],
    )


def _compare(
    mined: _Mined,
    mapping: dict[str, list[str]],
    pairs: list[tuple[str, str]],
    omnibus: bool,
    *,
    logs: tuple[EventLog, EventLog | None],
    by: str | None,
    bins: Bins,
    map: Any,
    alpha: float,
    confidence: float,
    seed: int,
    permutations: int,
    min_count: int,
    against: str | None,
) -> Comparison:
    data, names = _group_data(mined, mapping)
    # the cases of segments in no group (without a value, or not chosen): counted, never lost
    grouped = {label for labels in mapping.values() for label in labels}
    per_label = mined.variants.groupby("label", sort=False)["cases"].sum()
    left_out = {str(k): int(v) for k, v in per_label.items() if k not in grouped}
    group_names = list(mapping)
    groups = pd.DataFrame(
        {
            "group": group_names,
            "segments": [list(mapping[g]) for g in group_names],
            "cases": [data[g].cases for g in group_names],
            "events": [data[g].events for g in group_names],
        }
    )
    timed = bool(logs[0].stats.timed) and (logs[1] is None or bool(logs[1].stats.timed))
    kpis = pd.DataFrame()
    if map is not None:
        from journeymine.comparison.kpis import kpi_table

        kpis = kpi_table(
            logs, map, by, bins, mapping, pairs, confidence=confidence, min_count=min_count, alpha=alpha
        )
    methods = {k: v for k, v in METHODS.items() if k != "omnibus" or omnibus}
    if map is None:
        methods.pop("kpis")
    if not timed:
        methods.pop("durations")
    return Comparison(
        groups=groups,
        edges=_shares(data, pairs, "edges", names, confidence, min_count, alpha),
        variants=_shares(data, pairs, "variants", names, confidence, min_count, alpha),
        omnibus=_omnibus(data, group_names, min_count, alpha, seed, permutations)
        if omnibus
        else pd.DataFrame(columns=OMNIBUS_COLUMNS),
        distribution=_distribution(data, group_names, pairs, omnibus, permutations, seed, min_count),
        durations=_durations(data, pairs, confidence, min_count, alpha, seed, timed),
        kpis=kpis,
        settings={
            "by": by,
            "bins": bins if bins is None or isinstance(bins, int) else list(bins),
            "groups": group_names,
            "pairs": [list(p) for p in pairs],
            "alpha": alpha,
            "confidence": confidence,
            "seed": seed,
            "permutations": permutations,
            "min_count": min_count,
            "against": against,
            "left_out": left_out,
            "methods": methods,
        },
    )


def drift(
    log: EventLog | Any,
    *,
    period: str = "month",
    map: JourneyMap | str | os.PathLike[str] | Mapping[str, Any] | None = None,
    alpha: float = 0.05,
    confidence: float = 0.95,
    seed: int = 0,
    permutations: int = 999,
    min_count: int = 10,
    **read_options: Any,
) -> Drift:
    """Each period against the one before: what changed significantly, what appeared or vanished.

    Cases fall into the period (``"month"`` or ``"week"``) of their first event; each period is
    compared with the one before it as :func:`compare` does (``group_a`` is the period, so
    ``diff`` is the change since the previous one), and every activity's share of cases is
    tested too: an activity that has cases in a period and none in the one before *appeared*
    (a touchpoint the journey map may be missing), one that had and has none *vanished*.

    Parameters
    ----------
    log : EventLog, DataFrame or path
    period : {"month", "week"}
    map, alpha, confidence, seed, permutations, min_count
        As for :func:`compare`.

    Returns
    -------
    Drift

    Examples
    --------
    >>> import journeymine as jm
    >>> result = jm.drift(jm.datasets.load_demo_log(), period="month")
    >>> list(result.changes.columns[:3])
    ['period', 'previous', 'cases']
    """
    if period not in ("month", "week"):
        raise ArgumentError(f"period= takes 'month' or 'week', not {period!r}")
    _check(alpha, confidence, permutations, min_count, seed)
    log = as_log(log, "drift", **read_options)
    if not log.stats.timed:
        raise ArgumentError("drift needs timestamps: this log has none (pass timestamp= when reading it)")
    by = f"cohort:{period}"
    mined = _mine(log, by, None, activities=True)
    periods = [x for x in mined.labels if x != "(none)"]
    if len(periods) < 2:
        raise ArgumentError(
            f"drift needs cases in two or more {period}s; all {log.n_cases} cases start in "
            f"{', '.join(periods) or 'none'}"
        )
    mapping, pairs, _ = _groups(mined.labels, None, None, True)
    comparison = _compare(
        mined,
        mapping,
        pairs,
        False,
        logs=(log, None),
        by=by,
        bins=None,
        map=map,
        alpha=alpha,
        confidence=confidence,
        seed=seed,
        permutations=permutations,
        min_count=min_count,
        against=None,
    )
    touchpoints = _touchpoints(mined, comparison, pairs, confidence, min_count, alpha)
    return Drift(
        comparison=comparison,
        periods=comparison.groups[["group", "cases", "events"]].rename(columns={"group": "period"}),
        touchpoints=touchpoints,
        changes=_changes(comparison, touchpoints, pairs),
    )


def _touchpoints(
    mined: _Mined,
    comparison: Comparison,
    pairs: list[tuple[str, str]],
    confidence: float,
    min_count: int,
    alpha: float,
) -> pd.DataFrame:
    acts = mined.activities
    assert acts is not None  # mined with activities=True
    cases = dict(zip(comparison.groups["group"], comparison.groups["cases"]))
    parts = []
    for a, b in pairs:
        keys, counts = _aligned_counts(
            [acts[acts["label"] == g].set_index("activity")["cases"] for g in (a, b)]
        )
        res = _share_rows(keys, counts, int(cases[a]), int(cases[b]), confidence, min_count)
        part = pd.DataFrame(
            {
                "period": a,
                "previous": b,
                "activity": list(keys),
                "cases": res["cases_a"],
                "cases_before": res["cases_b"],
                "share": res["share_a"],
                "share_before": res["share_b"],
                "p": res["p"],
            }
        )
        parts.append(part)
    columns = [
        "period",
        "previous",
        "activity",
        "cases",
        "cases_before",
        "share",
        "share_before",
        "status",
        "p",
        "q",
        "significant",
    ]
    if not parts:
        return pd.DataFrame(columns=columns)
    frame = pd.concat(parts, ignore_index=True)
    frame["q"] = stattests.bh(frame["p"].to_numpy(dtype="float64"))
    frame["significant"] = (frame["q"] < alpha).fillna(False).astype(bool)
    status = np.where(
        (frame["cases"] > 0) & (frame["cases_before"] == 0),
        "appeared",
        np.where(
            (frame["cases"] == 0) & (frame["cases_before"] > 0),
            "vanished",
            np.where(frame["significant"], "changed", "steady"),
        ),
    )
    frame["status"] = status
    return frame[columns]


def _changes(comparison: Comparison, touchpoints: pd.DataFrame, pairs: list[tuple[str, str]]) -> pd.DataFrame:
    cases = dict(zip(comparison.groups["group"], comparison.groups["cases"]))
    rows = []

    def count(frame: pd.DataFrame, a: str, b: str) -> int:
        if frame.empty:
            return 0
        return int(frame[(frame["group_a"] == a) & (frame["group_b"] == b)]["significant"].sum())

    for a, b in pairs:
        dist = comparison.distribution
        d = dist[(dist["group_a"] == a) & (dist["group_b"] == b)]
        tp = touchpoints[(touchpoints["period"] == a) & (touchpoints["previous"] == b)]
        rows.append(
            {
                "period": a,
                "previous": b,
                "cases": int(cases[a]),
                "cases_before": int(cases[b]),
                "edges_changed": count(comparison.edges, a, b),
                "variants_changed": count(comparison.variants, a, b),
                "durations_changed": count(comparison.durations, a, b),
                "distribution_p": float(d["p"].iloc[0]) if len(d) else math.nan,
                "appeared": tp.loc[tp["status"] == "appeared", "activity"].tolist(),
                "vanished": tp.loc[tp["status"] == "vanished", "activity"].tolist(),
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "period",
            "previous",
            "cases",
            "cases_before",
            "edges_changed",
            "variants_changed",
            "durations_changed",
            "distribution_p",
            "appeared",
            "vanished",
        ],
    )
