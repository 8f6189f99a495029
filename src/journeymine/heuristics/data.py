"""The mined aggregates every heuristic (and reverse thinking) works on: :class:`JourneyData`.

Built once per :func:`journeymine.heuristics` call from engine verbs, never from the events:

- ``paths``: one row per segment and *path* (a case's activities with the channel of each event),
  with its cases, each case's duration, the mean gap between consecutive steps and the sentiment
  (or any numeric measure) per step (the engine verb ``paths``);
- ``dfg``: directly-follows edges per segment with counts, cases and duration quantiles, and
  ``dfg_all`` the same over the whole log (the engine verb ``dfg``).

So heuristics run unchanged on DuckDB and Spark, and a figure is computed once per path and
weighted by its cases. The helpers here turn "which paths are affected" (a boolean mask over
``paths``) into the figures a :class:`~journeymine.heuristics.Finding` carries: affected cases and
their share with a Wilson interval, the share per segment against the rest, and the impact on
journey time, completion or sentiment with an interval.

Intervals
    A difference of means (journey time, sentiment) between affected and other cases gets a
    percentile bootstrap interval (``scipy.stats.bootstrap``, 999 resamples, seeded) while both
    groups hold at most ``BOOTSTRAP_MAX`` cases; above that, Welch's t interval
    (``scipy.stats.ttest_ind``), which the central limit theorem makes exact enough at that size
    and which costs nothing. Lost completions use Newcombe's hybrid score interval for a difference
    of two shares (built from Wilson intervals), times the affected cases. Every ``Impact`` names
    the method it used.

These are observational differences between groups of customers, not causal effects: customers
who loop may differ from the others in other ways too.
"""

from __future__ import annotations

import fnmatch
import functools
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from journeymine.display import segment_text
from journeymine.heuristics.finding import Finding, Impact, Metric, SegmentShare
from journeymine.stats import cohen_d, cohen_h, newcombe, wilson

if TYPE_CHECKING:
    import pandas as pd

    from journeymine.eventlog import EventLog

__all__ = ["BOOTSTRAP_MAX", "RESAMPLES", "Flat", "JourneyData", "matches_any"]

#: above this many cases in a group, a difference of means gets Welch's interval, not a bootstrap
BOOTSTRAP_MAX = 20_000
#: bootstrap resamples
RESAMPLES = 999

Mask = np.ndarray  # a boolean array, one element per row of JourneyData.paths


def matches_any(activity: str, patterns: Iterable[str]) -> bool:
    """Whether an activity matches one of the names or glob patterns (case-insensitive).

    Examples
    --------
    >>> matches_any("Customer service call", ["*call*", "Chat"])
    True
    >>> matches_any("Callback", ["Call"])
    False
    """
    low = activity.casefold()
    return any(fnmatch.fnmatchcase(low, p.casefold()) for p in patterns)


@dataclass(eq=False)
class JourneyData:
    """Mined aggregates of one log, with the helpers heuristics build findings with.

    Attributes
    ----------
    paths : pandas.DataFrame
        The engine verb ``paths`` (see :meth:`journeymine.engines.base.Engine.paths`), segments in
        their documented order, plus ``completed`` (bool: the path reaches the outcome; all False
        without an outcome) and ``label`` (the segment as it prints, ``None`` without ``by``).
    dfg, dfg_all : pandas.DataFrame
        Directly-follows edges per segment, and over the whole log:
        ``segment, source, target, count, cases, mean_s, median_s, p90_s``.
    by : str or None
        The segment dimension.
    segments : tuple of str
        The segment labels, in order (empty without ``by``).
    outcome : tuple of str
        Names or glob patterns of the activities that complete a journey (empty: no outcome known,
        so nothing about completion can be said).
    measure : str or None
        The numeric event column held in ``measure_*`` / ``case_measure`` (sentiment).
    timed, has_channels : bool
        Whether the log has timestamps (durations) and a channel column.
    n_cases : int
    seed : int
        Seeds every bootstrap (results are the same for the same seed).
    confidence : float
        Of every interval (0.95).
    """

    paths: pd.DataFrame
    dfg: pd.DataFrame
    dfg_all: pd.DataFrame
    by: str | None
    segments: tuple[str, ...]
    outcome: tuple[str, ...]
    measure: str | None
    timed: bool
    has_channels: bool
    n_cases: int
    seed: int = 0
    confidence: float = 0.95
    _cache: dict[Any, Any] = field(default_factory=dict, repr=False)

    # -- construction -------------------------------------------------------------------------

    @classmethod
    def from_log(
        cls,
        log: EventLog,
        *,
        by: str | None = None,
        bins: Any = None,
        outcome: str | Sequence[str] | None = None,
        measure: str | None = None,
        seed: int = 0,
        confidence: float = 0.95,
    ) -> JourneyData:
        """Mine the aggregates of ``log`` (three engine queries: ``paths``, ``dfg`` twice)."""
        segmentation = log.segmentation(by, bins)
        rel = log._relation
        engine = log.engine
        import pyarrow as pa

        table = engine.paths(rel, by=segmentation, measure=measure)
        table = table.append_column("__row", pa.array(np.arange(table.num_rows, dtype="int64")))
        paths = log.frame(table, segmentation)
        # the same rows in the same order, as Arrow: the flat arrays are built from it, zero-copy
        table = table.take(pa.array(paths.pop("__row").to_numpy())).drop_columns(["__row"])
        dfg = log.frame(engine.dfg(rel, by=segmentation), segmentation)
        # unsegmented, the DFG per segment is the DFG of the whole log: mined once
        dfg_all = dfg if segmentation is None else log.frame(engine.dfg(rel, by=None), None)
        patterns = (outcome,) if isinstance(outcome, str) else tuple(outcome or ())
        paths["completed"] = _reaches(paths["activities"], patterns)
        labels = [segment_text(s) for s in paths["segment"]] if by is not None else [None] * len(paths)
        paths["label"] = labels
        order: list[str] = []
        if by is not None:
            present = {x for x in labels if x is not None}
            if hasattr(paths["segment"], "cat"):
                order = [
                    c for c in (segment_text(c) for c in paths["segment"].cat.categories) if c in present
                ]
            else:
                order = [x for x in dict.fromkeys(labels) if x is not None and x != "(none)"]
            if "(none)" in present:
                order.append("(none)")
        data = cls(
            paths=paths,
            dfg=dfg,
            dfg_all=dfg_all,
            by=by,
            segments=tuple(order),
            outcome=patterns,
            measure=measure,
            timed=bool(log.stats.timed),
            has_channels=log.schema.channel is not None,
            n_cases=int(log.n_cases),
            seed=seed,
            confidence=confidence,
        )
        data._cache["arrow"] = table
        return data

    # -- paths --------------------------------------------------------------------------------

    @property
    def cases(self) -> np.ndarray:
        """Cases per path (int64), aligned with :attr:`paths`."""
        if "cases" not in self._cache:
            self._cache["cases"] = self.paths["cases"].to_numpy(dtype="int64")
        return self._cache["cases"]

    @property
    def sequences(self) -> list[tuple[str, ...]]:
        """Each path's activities as a tuple."""
        if "seq" not in self._cache:
            self._cache["seq"] = [tuple(a) for a in self.paths["activities"]]
        return self._cache["seq"]

    @property
    def channel_sequences(self) -> list[tuple[str | None, ...]]:
        """Each path's channels as a tuple (``None`` where missing)."""
        if "chs" not in self._cache:
            self._cache["chs"] = [
                tuple(None if c is None else str(c) for c in ch) for ch in self.paths["channels"]
            ]
        return self._cache["chs"]

    @property
    def activities(self) -> tuple[str, ...]:
        """Every activity of the log, sorted."""
        if "acts" not in self._cache:
            table = self._cache.get("arrow")
            if table is not None:  # from the Arrow lists: no Python loop over the paths
                import pyarrow.compute as pc

                flat = pc.list_flatten(table.column("activities").combine_chunks())
                self._cache["acts"] = tuple(sorted(set(pc.unique(flat).to_pylist())))
            else:
                self._cache["acts"] = tuple(sorted({a for s in self.sequences for a in s}))
        return self._cache["acts"]

    @property
    def flat(self) -> Flat:
        """Every step of every path as flat arrays (numpy), for vectorised heuristics.

        Loops in Python over paths cost about a microsecond per step; on a log where channels
        vary freely almost every case is a path of its own, so a heuristic that must stay within
        ``2 x mine`` on millions of events works on these arrays instead (see :class:`Flat`).
        """
        if "flat" not in self._cache:
            self._cache["flat"] = Flat.of(self)
        return self._cache["flat"]

    def mask(self, predicate: Callable[[tuple[str, ...], tuple[str | None, ...]], bool]) -> Mask:
        """A boolean mask over :attr:`paths`: ``predicate(activities, channels)`` per path."""
        return np.fromiter(
            (bool(predicate(s, c)) for s, c in zip(self.sequences, self.channel_sequences)),
            dtype=bool,
            count=len(self.paths),
        )

    def having(self, activity: str) -> Mask:
        """The paths that contain ``activity`` (from an index of every activity, built once).

        Examples
        --------
        >>> import journeymine as jm
        >>> data = JourneyData.from_log(jm.datasets.load_demo_log())
        >>> uploads = data.having("Upload documents")
        >>> bool((uploads == data.mask(lambda s, c: "Upload documents" in s)).all())
        True
        """
        flat = self.flat
        if "act_index" not in self._cache:
            self._cache["act_index"] = {a: i for i, a in enumerate(flat.activities)}
        code = self._cache["act_index"].get(activity)
        if code is None:
            return np.zeros(len(self.paths), dtype=bool)
        word = self._activity_word(code // 64)
        return ((word >> np.uint64(code % 64)) & np.uint64(1)).astype(bool)

    def _activity_word(self, word: int) -> np.ndarray:
        """Per path, a bit set of the activities ``64 * word`` to ``64 * word + 63`` it holds
        (uint64, bit ``code % 64``), from the flat arrays in one pass; built once per word."""
        key = ("act_bits", word)
        if key not in self._cache:
            flat = self.flat
            bits = np.zeros(len(flat.lengths), dtype=np.uint64)
            filled = flat.lengths > 0
            if filled.any():
                code = flat.activity
                inside = (code >> 6) == word
                values = np.where(inside, np.left_shift(np.uint64(1), (code & 63).astype(np.uint64)), 0)
                bits[filled] = np.bitwise_or.reduceat(values.astype(np.uint64), flat.starts[filled])
            self._cache[key] = bits
        return self._cache[key]

    def count(self, mask: Mask) -> int:
        """Cases on the masked paths."""
        mask = np.asarray(mask)
        if mask.dtype == bool and mask.shape == self.cases.shape:
            return int(np.dot(self.cases, mask))  # the same whole number, without a copy
        return int(self.cases[mask].sum())

    def completed(self) -> Mask:
        """The paths that reach the outcome (all False without one)."""
        return self.paths["completed"].to_numpy(dtype=bool)

    def matching(self, patterns: Iterable[str]) -> tuple[str, ...]:
        """The log's activities that match any of the names / glob patterns (case-insensitive)."""
        pats = tuple(patterns)
        return tuple(a for a in self.activities if matches_any(a, pats))

    # -- shares -------------------------------------------------------------------------------

    def share_ci(self, k: int, n: int | None = None) -> tuple[float, float]:
        """The Wilson interval of ``k`` out of ``n`` cases (default: the whole log)."""
        return wilson(int(k), int(self.n_cases if n is None else n), self.confidence)

    def segment_shares(self, mask: Mask) -> tuple[SegmentShare, ...]:
        """Per segment: affected cases, their share in the segment and the share in the rest."""
        if not self.segments:
            return ()
        codes, sizes = self._label_codes()
        mask = np.asarray(mask, dtype=bool)
        inside = mask & (codes >= 0)
        affected = np.bincount(codes[inside], weights=self.cases[inside], minlength=len(self.segments))
        total = self.n_cases
        affected_total = self.count(mask)
        out = []
        for i, segment in enumerate(self.segments):
            n = int(sizes[i])
            k = int(affected[i])
            rest_n = total - n
            rest_k = affected_total - k
            out.append(
                SegmentShare(
                    segment=segment,
                    cases=k,
                    share=k / n if n else math.nan,
                    rest_share=rest_k / rest_n if rest_n else math.nan,
                )
            )
        return tuple(out)

    def _label_codes(self) -> tuple[np.ndarray, np.ndarray]:
        """Per path, the index of its label in :attr:`segments` (-1: none), and the cases per
        segment (float64 holding whole numbers); built once."""
        if "label_codes" not in self._cache:
            column = self.paths["label"]
            codes = np.full(len(column), -1, dtype=np.int64)
            if self.segments and hasattr(column.array, "__arrow_array__"):
                import pyarrow as pa
                import pyarrow.compute as pc

                try:  # Arrow-backed text: no copy, no Python objects
                    labels = pa.array(column.array)
                    found = pc.index_in(labels, value_set=pa.array(list(self.segments), type=labels.type))
                    codes = pc.fill_null(found, -1).to_numpy(zero_copy_only=False).astype(np.int64)
                except (pa.ArrowException, TypeError, ValueError):
                    codes = self._label_codes_of(column)
            elif self.segments:
                codes = self._label_codes_of(column)
            inside = codes >= 0
            sizes = np.bincount(codes[inside], weights=self.cases[inside], minlength=len(self.segments))
            self._cache["label_codes"] = (codes, sizes)
        return self._cache["label_codes"]

    # -- outcomes per case --------------------------------------------------------------------

    def durations(self, mask: Mask) -> np.ndarray:
        """Case durations (seconds) of the masked paths, one per case (empty untimed)."""
        if not self.timed:
            return np.empty(0)
        values, counts, _ = self.list_values("durations_s")
        return values[np.repeat(np.asarray(mask, dtype=bool), counts)]

    def case_measure(self, mask: Mask) -> np.ndarray:
        """Per case with a value, its mean measure (sentiment) on the masked paths."""
        if self.measure is None:
            return np.empty(0)
        values, counts, _ = self.list_values("case_measure")
        return values[np.repeat(np.asarray(mask, dtype=bool), counts)]

    def list_values(self, column: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """A list column of :attr:`paths` (``durations_s``, ``gaps_s``, ``case_measure``,
        ``measure_n``, ...) flattened, built once: its values (float64; paths in order, each list
        in order, as ``np.concatenate`` of the lists gives them), how many values each path has
        (0 for a null list) and whether its list is not null.

        Examples
        --------
        >>> import journeymine as jm
        >>> data = JourneyData.from_log(jm.datasets.load_demo_log())
        >>> values, counts, valid = data.list_values("durations_s")
        >>> int(counts.sum()) == data.n_cases == values.size, bool(valid.all())
        (True, True)
        """
        key = ("list", column)
        if key not in self._cache:
            table = self._cache.get("arrow")
            if table is not None:
                import pyarrow.compute as pc

                lists = table.column(column).combine_chunks()
                valid = lists.is_valid().to_numpy(zero_copy_only=False)
                counts = pc.fill_null(pc.list_value_length(lists), 0).to_numpy(zero_copy_only=False)
                flat = pc.list_flatten(lists).to_numpy(zero_copy_only=False)
                values = np.asarray(flat, dtype="float64")
            else:
                objects = self.paths[column].to_numpy(dtype=object)
                valid = np.array([x is not None for x in objects], dtype=bool)
                arrays = [np.asarray(x, dtype="float64") for x in objects if x is not None]
                counts = np.array([0 if x is None else len(x) for x in objects], dtype="int64")
                values = np.concatenate(arrays) if arrays else np.empty(0)
            self._cache[key] = (values, np.asarray(counts, dtype="int64"), np.asarray(valid, dtype=bool))
        return self._cache[key]

    def step_gaps(self) -> np.ndarray:
        """Per step of :attr:`flat`, the mean seconds to the next step of its path (``gaps_s``);
        NaN on a path's last step, and everywhere on a path without gaps (untimed). Built once.

        Examples
        --------
        >>> import journeymine as jm
        >>> data = JourneyData.from_log(jm.datasets.load_demo_log())
        >>> gaps = data.step_gaps()
        >>> bool(np.isnan(gaps[data.flat.starts + data.flat.lengths - 1]).all())
        True
        """
        if "step_gaps" not in self._cache:
            flat = self.flat
            out = np.full(len(flat.activity), math.nan)
            values, counts, valid = self.list_values("gaps_s")
            first = np.zeros(len(counts), dtype="int64")  # each path's first value in `values`
            if len(counts):
                np.cumsum(counts[:-1], out=first[1:])
            used = np.minimum(counts, np.maximum(flat.lengths - 1, 0))  # never past a path's end
            if np.array_equal(counts, np.where(valid, np.maximum(flat.lengths - 1, 0), 0)):
                # as documented: one gap per step but the last, on every path with gaps
                take = flat.remaining > 0
                if not valid.all():
                    take &= valid[flat.path]
                out[take] = values
            elif values.size and used.sum():
                start = np.zeros(len(used), dtype="int64")
                np.cumsum(used[:-1], out=start[1:])
                offset = np.arange(int(used.sum()), dtype="int64") - np.repeat(start, used)
                out[np.repeat(flat.starts, used) + offset] = values[np.repeat(first, used) + offset]
            self._cache["step_gaps"] = out
        return self._cache["step_gaps"]

    # -- impacts ------------------------------------------------------------------------------

    def time_impact(self, mask: Mask) -> Impact:
        """Extra journey time per affected case: mean duration affected minus the others."""
        if not self.timed:
            return Impact("journey_time_s", math.nan, math.nan, math.nan, method="the log has no timestamps")
        a, b = self.durations(mask), self.durations(~mask)
        return self._mean_difference("journey_time_s", a, b, harm=1.0)

    def sentiment_impact(self, mask: Mask) -> Impact:
        """Mean sentiment of affected cases minus the others (negative is harm)."""
        if self.measure is None:
            return Impact("sentiment", math.nan, math.nan, math.nan, method="no sentiment column given")
        a, b = self.case_measure(mask), self.case_measure(~mask)
        return self._mean_difference("sentiment", a, b, harm=-1.0)

    def completion_impact(self, mask: Mask) -> Impact:
        """Completions lost: affected cases x (completion share of the others - of the affected)."""
        if not self.outcome:
            return Impact("lost_completions", math.nan, math.nan, math.nan, method="no outcome given")
        done = self.completed()
        n1, n2 = self.count(mask), self.count(~mask)
        k1, k2 = self.count(mask & done), self.count(~mask & done)
        if n1 == 0 or n2 == 0:
            return Impact("lost_completions", math.nan, math.nan, math.nan, method="no comparison group")
        p1, p2 = k1 / n1, k2 / n2
        low, high = self.difference_ci(k2, n2, k1, n1)
        return Impact(
            "lost_completions",
            value=n1 * (p2 - p1),
            ci_low=n1 * low,
            ci_high=n1 * high,
            effect=cohen_h(p2, p1),
            method=(
                f"Newcombe's hybrid score interval of the completion gap ({self.confidence:.0%}), "
                f"times the affected cases"
            ),
        )

    def difference_ci(
        self, k1: int, n1: int, k2: int, n2: int, *, confidence: float | None = None
    ) -> tuple[float, float]:
        """Newcombe's hybrid score interval of ``k1/n1 - k2/n2`` (method 10, from Wilson's), at
        ``confidence`` (default: :attr:`confidence`; a heuristic testing several candidates
        passes a Bonferroni-adjusted level)."""
        low, high = newcombe(k1, n1, k2, n2, self.confidence if confidence is None else confidence)
        return float(low), float(high)

    def _mean_difference(self, metric: Metric, a: np.ndarray, b: np.ndarray, *, harm: float) -> Impact:
        if a.size < 2 or b.size < 2:
            value = float(a.mean() - b.mean()) if a.size and b.size else math.nan
            return Impact(metric, value, math.nan, math.nan, method="too few cases for an interval")
        value = float(a.mean() - b.mean())
        low, high, method = self.mean_difference_ci(a, b)
        return Impact(metric, value, low, high, effect=harm * cohen_d(a, b), method=method)

    def mean_difference_ci(self, a: np.ndarray, b: np.ndarray) -> tuple[float, float, str]:
        """An interval of ``mean(a) - mean(b)``: a seeded percentile bootstrap while both groups
        hold at most :data:`BOOTSTRAP_MAX` values, else Welch's t interval."""
        from scipy import stats

        if max(a.size, b.size) <= BOOTSTRAP_MAX:
            res = stats.bootstrap(
                (a, b),
                lambda x, y, axis=-1: np.mean(x, axis=axis) - np.mean(y, axis=axis),
                n_resamples=RESAMPLES,
                confidence_level=self.confidence,
                method="percentile",
                vectorized=True,
                random_state=np.random.default_rng(self.seed),
            )
            ci = res.confidence_interval
            return float(ci.low), float(ci.high), f"bootstrap ({RESAMPLES} resamples, seed {self.seed})"
        test = stats.ttest_ind(a, b, equal_var=False)
        ci = test.confidence_interval(self.confidence)
        return float(ci.low), float(ci.high), "Welch's t interval (large groups)"

    # -- targeted figures: against a chosen comparison group, per-case times, step measures ----

    def time_difference(self, mask: Mask, against: Mask) -> Impact:
        """Extra journey time per case: mean duration of ``mask`` minus that of ``against``
        (a comparison group chosen by the heuristic, not simply every other case)."""
        if not self.timed:
            return Impact("journey_time_s", math.nan, math.nan, math.nan, method="the log has no timestamps")
        return self._mean_difference(
            "journey_time_s", self.durations(mask), self.durations(against), harm=1.0
        )

    def sentiment_difference(self, mask: Mask, against: Mask) -> Impact:
        """Mean case sentiment of ``mask`` minus that of ``against`` (negative is harm)."""
        if self.measure is None:
            return Impact("sentiment", math.nan, math.nan, math.nan, method="no sentiment column given")
        return self._mean_difference(
            "sentiment", self.case_measure(mask), self.case_measure(against), harm=-1.0
        )

    def completion_difference(self, mask: Mask, against: Mask) -> Impact:
        """Completions lost: cases of ``mask`` x (completion share of ``against`` - of ``mask``),
        with Newcombe's interval of the gap times the cases of ``mask``."""
        if not self.outcome:
            return Impact("lost_completions", math.nan, math.nan, math.nan, method="no outcome given")
        done = self.completed()
        n1, n2 = self.count(mask), self.count(against)
        if n1 == 0 or n2 == 0:
            return Impact("lost_completions", math.nan, math.nan, math.nan, method="no comparison group")
        k1, k2 = self.count(mask & done), self.count(against & done)
        low, high = self.difference_ci(k2, n2, k1, n1)
        return Impact(
            "lost_completions",
            value=n1 * (k2 / n2 - k1 / n1),
            ci_low=n1 * low,
            ci_high=n1 * high,
            effect=cohen_h(k2 / n2, k1 / n1),
            method=(
                f"Newcombe's hybrid score interval of the completion gap ({self.confidence:.0%}), "
                "times the affected cases"
            ),
        )

    @property
    def duration_sd(self) -> float:
        """The standard deviation of the journey times of all cases (seconds; NaN below two)."""
        if "dur_sd" not in self._cache:
            d = self.durations(np.ones(len(self.paths), dtype=bool))
            self._cache["dur_sd"] = float(d.std(ddof=1)) if d.size >= 2 else math.nan
        return self._cache["dur_sd"]

    def _case_index(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per case (paths in order, a path's cases together): its path's row, its journey time
        and its path's mean journey time."""
        if "case_index" not in self._cache:
            rows = np.repeat(np.arange(len(self.paths)), self.cases)
            if self.timed and len(self.paths):
                dur = self.list_values("durations_s")[0]
                sums = np.add.reduceat(dur, np.r_[0, np.cumsum(self.cases)[:-1]]) if dur.size else dur
                means = sums / np.maximum(self.cases, 1)
                self._cache["case_index"] = (rows, dur, means[rows])
            else:
                zeros = np.zeros(rows.size)
                self._cache["case_index"] = (rows, zeros, zeros)
        return self._cache["case_index"]

    def case_times(self, values: Sequence[float] | np.ndarray, mask: Mask) -> np.ndarray:
        """One value per case of the masked paths from a time known per path (``values``,
        aligned with :attr:`paths`: a path's mean time in a loop or on a step, from ``gaps_s``).

        The aggregates hold a path's mean step times, not their spread among its cases. So each
        case gets its path's value plus its own journey time's deviation from its path's mean
        journey time: the mean is exact, and the spread is that of whole journeys within a path,
        which bounds the spread of a part of the journey when its steps' times are not negatively
        correlated. Intervals built on these values are therefore wide rather than narrow; a path
        with a single case contributes its exact value.

        Examples
        --------
        >>> import journeymine as jm
        >>> data = JourneyData.from_log(jm.datasets.load_demo_log())
        >>> every = np.ones(len(data.paths), dtype=bool)
        >>> times = data.case_times(np.zeros(len(data.paths)), every)
        >>> times.size == data.n_cases, abs(float(times.mean())) < 1e-6
        (True, True)
        """
        rows, dur, means = self._case_index()
        v = np.asarray(values, dtype="float64")
        keep = np.asarray(mask, dtype=bool)[rows]
        return v[rows[keep]] + (dur[keep] - means[keep])

    def extra_time_impact(
        self,
        affected: np.ndarray,
        baseline: np.ndarray | None = None,
        *,
        what: str,
        confidence: float | None = None,
    ) -> Impact:
        """Extra journey time per affected case from case-level times (:meth:`case_times`):
        ``mean(affected) - mean(baseline)``, or ``mean(affected)`` without a baseline (time that
        is extra by definition, such as the time spent in a loop).

        The interval is a seeded percentile bootstrap (at least :data:`RESAMPLES` resamples,
        more for a high ``confidence``, so that its tails hold enough of them) while every group
        holds at most :data:`BOOTSTRAP_MAX` values, else Student's (Welch's) t interval.
        ``confidence`` defaults to :attr:`confidence`; a heuristic making many comparisons passes
        an adjusted one. The effect is the value in standard deviations of the log's journey
        times (:attr:`duration_sd`), so that it ranks with the Cohen's *d* of
        :meth:`time_impact`. ``what`` says in the method what was measured.

        Examples
        --------
        >>> import journeymine as jm
        >>> data = JourneyData.from_log(jm.datasets.load_demo_log())
        >>> days = 86400.0
        >>> impact = data.extra_time_impact(np.array([1.0, 2.0, 3.0]) * days, what="a loop")
        >>> impact.value / days, impact.metric
        (2.0, 'journey_time_s')
        """
        from scipy import stats

        level = self.confidence if confidence is None else float(confidence)
        if not self.timed:
            return Impact("journey_time_s", math.nan, math.nan, math.nan, method="the log has no timestamps")
        groups = [np.asarray(affected, dtype="float64")]
        if baseline is not None:
            groups.append(np.asarray(baseline, dtype="float64"))
        if any(g.size < 2 for g in groups):
            value = math.nan
            if all(g.size for g in groups):
                value = float(groups[0].mean() - (groups[1].mean() if len(groups) == 2 else 0.0))
            return Impact(
                "journey_time_s", value, math.nan, math.nan, method=f"{what}; too few cases for an interval"
            )
        value = float(groups[0].mean() - (groups[1].mean() if len(groups) == 2 else 0.0))
        if max(g.size for g in groups) <= BOOTSTRAP_MAX:
            resamples = max(RESAMPLES, math.ceil(25 / (1 - level)))

            def statistic(*xs: np.ndarray, axis: int = -1) -> np.ndarray:
                m = np.mean(xs[0], axis=axis)
                return m - np.mean(xs[1], axis=axis) if len(xs) == 2 else m

            res = stats.bootstrap(
                tuple(groups),
                statistic,
                n_resamples=resamples,
                confidence_level=level,
                method="percentile",
                vectorized=True,
                random_state=np.random.default_rng(self.seed),
            )
            low, high = float(res.confidence_interval.low), float(res.confidence_interval.high)
            how = f"bootstrap ({resamples} resamples, seed {self.seed})"
        else:
            test = (
                stats.ttest_1samp(groups[0], 0.0)
                if len(groups) == 1
                else stats.ttest_ind(groups[0], groups[1], equal_var=False)
            )
            ci = test.confidence_interval(level)
            low, high = float(ci.low), float(ci.high)
            how = (
                "Student's t interval (large group)"
                if len(groups) == 1
                else "Welch's t interval (large groups)"
            )
        if level != self.confidence:
            how += f", confidence {level:.4g}"
        sd = self.duration_sd
        effect = value / sd if math.isfinite(sd) and sd > 0 else math.nan
        return Impact(
            "journey_time_s",
            value,
            low,
            high,
            effect=effect,
            method=f"{what}; {how}; effect in standard deviations of the journey time",
        )

    def step_measures(self) -> pd.DataFrame:
        """The measure (sentiment) per segment and activity, over the events with a value:
        ``label, activity, n, sum, sq`` (count, sum and sum of squares; ``label`` is ``None``
        without segments). Empty without a measure.

        Events, not customers: a customer who calls five times counts five times there.

        Examples
        --------
        >>> import journeymine as jm
        >>> data = JourneyData.from_log(jm.datasets.load_demo_log(), measure="sentiment")
        >>> int(data.step_measures()["n"].sum()) == int(jm.datasets.load_demo()["sentiment"].notna().sum())
        True
        """
        import pandas as pd

        columns = ["label", "activity", "n", "sum", "sq"]
        if "step_measures" in self._cache:
            return self._cache["step_measures"].copy()
        totals: dict[tuple[str | None, str], list[float]] = {}
        fast = self._step_measure_totals() if self.measure is not None and len(self.paths) else None
        if fast is not None:
            totals = fast
        elif self.measure is not None and len(self.paths):
            cols = [
                self.paths[c].to_numpy(dtype=object)
                for c in ("label", "measure_n", "measure_sum", "measure_sq")
            ]
            for seq, label, ns, sums, sqs in zip(self.sequences, *cols):
                if ns is None:
                    continue
                for act, n, s, q in zip(seq, ns, sums, sqs):
                    if n:
                        t = totals.setdefault((label, act), [0.0, 0.0, 0.0])
                        t[0] += float(n)
                        t[1] += float(s)
                        t[2] += float(q)
        rows = [(label, act, int(t[0]), t[1], t[2]) for (label, act), t in totals.items()]
        frame = pd.DataFrame(rows, columns=columns).sort_values(["label", "activity"], kind="stable")
        frame = frame.reset_index(drop=True)
        self._cache["step_measures"] = frame
        out: pd.DataFrame = frame.copy()
        return out

    def _label_codes_of(self, column: pd.Series) -> np.ndarray:
        import pandas as pd

        labels = column.to_numpy(dtype=object)
        return np.asarray(pd.Categorical(labels, categories=list(self.segments)).codes, dtype=np.int64)

    def _top_variants(self, mask: Mask, top: int) -> tuple[list[str], int]:
        """The ids of the masked paths' variants, most cases first (ties by id as text; at most
        ``top``), and how many variants there are; by codes built once, not a group-by."""
        if "variant_codes" not in self._cache:
            self._cache["variant_codes"] = self._variant_codes()
        codes, names, rank = self._cache["variant_codes"]
        mask = np.asarray(mask, dtype=bool) & (codes >= 0)  # a missing id is no variant
        present = np.flatnonzero(np.bincount(codes[mask], minlength=len(names)))
        cases = np.bincount(codes[mask], weights=self.cases[mask], minlength=len(names))[present]
        total = int(present.size)
        if present.size > top:  # only those that can be among the first `top`
            least = np.partition(cases, present.size - top)[present.size - top]
            keep = cases >= least
            present, cases = present[keep], cases[keep]
        order = np.lexsort((rank[present], -cases))[:top]
        return [names[i] for i in present[order]], total

    def _variant_codes(self) -> tuple[np.ndarray, Sequence[str], np.ndarray]:
        """Per path the code of its variant id (-1: none), the ids by code (as text) and each
        code's rank in the ids' order as text."""
        table = self._cache.get("arrow")
        if table is not None and _is_text(table, "variant_id"):
            import pyarrow.compute as pc

            encoded = pc.dictionary_encode(table.column("variant_id").combine_chunks())
            codes = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False).astype("int64")
            ids = encoded.dictionary  # Arrow orders text by its UTF-8 bytes: by code point, as str
            rank = np.empty(len(ids), dtype="int64")
            rank[pc.array_sort_indices(ids).to_numpy(zero_copy_only=False)] = np.arange(len(ids))
            return codes, _LazyText(ids), rank
        import pandas as pd

        found, uniques = pd.factorize(self.paths["variant_id"].to_numpy(dtype=object))
        names = [str(u) for u in uniques]
        rank = np.empty(len(names), dtype="int64")
        rank[sorted(range(len(names)), key=names.__getitem__)] = np.arange(len(names))
        return np.asarray(found, dtype="int64"), names, rank

    def _step_measure_totals(self) -> dict[tuple[str | None, str], list[float]] | None:
        """What :meth:`step_measures` adds up, from the flat arrays: per (label, activity) the
        count, sum and sum of squares, summed in the same order (paths, then positions). None
        when the measure lists do not line up with the steps (then the loop does it)."""
        import pandas as pd

        flat = self.flat
        ns, n_counts, valid = self.list_values("measure_n")
        sums, s_counts, _ = self.list_values("measure_sum")
        sqs, q_counts, _ = self.list_values("measure_sq")
        lengths = flat.lengths
        if not (
            np.array_equal(n_counts[valid], lengths[valid])
            and np.array_equal(s_counts, n_counts)
            and np.array_equal(q_counts, n_counts)
        ):
            return None
        labels = self.paths["label"].to_numpy(dtype=object)
        codes, uniques = pd.factorize(labels)
        names: list[str | None] = [str(u) for u in uniques] + [None]
        codes = np.where(codes < 0, len(uniques), codes).astype("int64")
        steps = np.repeat(valid, lengths)  # the steps of the paths with measure lists
        hit = ns != 0
        path = flat.path[steps][hit]
        act = flat.activity[steps][hit]
        acts = flat.activities
        key = codes[path] * max(1, len(acts)) + act
        keys, inverse = np.unique(key, return_inverse=True)
        n_sum = np.bincount(inverse, weights=ns[hit], minlength=len(keys))
        s_sum = np.bincount(inverse, weights=sums[hit], minlength=len(keys))
        q_sum = np.bincount(inverse, weights=sqs[hit], minlength=len(keys))
        width = max(1, len(acts))
        return {
            (names[int(k) // width], acts[int(k) % width]): [float(a), float(b), float(c)]
            for k, a, b, c in zip(keys, n_sum, s_sum, q_sum)
        }

    # -- findings -----------------------------------------------------------------------------

    def finding(
        self,
        heuristic: str,
        *,
        title: str,
        explanation: str,
        mask: Mask,
        impact: Impact,
        action: str,
        touchpoints: Sequence[str] = (),
        transitions: Sequence[tuple[str, str]] = (),
        variants: Sequence[str] | None = None,
        evidence: Mapping[str, Any] | None = None,
    ) -> Finding:
        """A :class:`Finding` for the masked paths: cases, share with its interval, segments.

        ``variants`` defaults to the ids of the masked paths' variants, most cases first (at most
        20; ``evidence["variants_total"]`` says how many there were).
        """
        k = self.count(mask)
        ev = dict(evidence or {})
        if variants is None:
            variants, total = self._top_variants(mask, 20)
            ev.setdefault("variants_total", total)
        return Finding(
            heuristic=heuristic,
            title=title,
            explanation=explanation,
            touchpoints=tuple(touchpoints),
            transitions=tuple((str(s), str(t)) for s, t in transitions),
            variants=tuple(variants),
            cases=k,
            share=k / self.n_cases if self.n_cases else math.nan,
            share_ci=self.share_ci(k),
            segments=self.segment_shares(mask),
            impact=impact,
            action=action,
            evidence=ev,
        )


@dataclass(frozen=True, eq=False)
class Flat:
    """The steps of :attr:`JourneyData.paths` as flat arrays, one element per step of a path.

    Attributes
    ----------
    path : numpy.ndarray of int64
        The row of ``paths`` each step belongs to (ascending).
    position : numpy.ndarray of int64
        The step's position in its path (0 first).
    activity : numpy.ndarray of int64
        Code of the step's activity in ``activities``.
    channel : numpy.ndarray of int64
        Code of the step's channel in ``channels``, -1 where missing.
    weight : numpy.ndarray of int64
        The cases of the step's path.
    starts, lengths : numpy.ndarray of int64
        Per path: the index of its first step in the flat arrays, and its number of steps.
    activities, channels : tuple of str
        The codes' names, sorted.

    Examples
    --------
    >>> import journeymine as jm
    >>> data = JourneyData.from_log(jm.datasets.load_demo_log())
    >>> flat = data.flat
    >>> int(flat.weight.sum()) == int(data.paths.explode("activities").cases.sum())
    True
    >>> bool(flat.activities[flat.activity[0]] == data.sequences[0][0])
    True
    """

    path: np.ndarray
    position: np.ndarray
    activity: np.ndarray
    channel: np.ndarray
    weight: np.ndarray
    starts: np.ndarray
    lengths: np.ndarray
    activities: tuple[str, ...]
    channels: tuple[str, ...]

    @classmethod
    def of(cls, data: JourneyData) -> Flat:
        import pyarrow as pa
        import pyarrow.compute as pc

        table = data._cache.get("arrow")
        if table is not None:
            acts, chs = table.column("activities").combine_chunks(), table.column("channels").combine_chunks()
        else:
            acts = pa.array(data.paths["activities"], type=pa.list_(pa.string()))
            chs = pa.array(data.paths["channels"], type=pa.list_(pa.string()))
        lengths = pc.list_value_length(acts).to_numpy(zero_copy_only=False).astype("int64")
        n = len(lengths)
        starts = np.zeros(n, dtype="int64")
        if n:
            np.cumsum(lengths[:-1], out=starts[1:])
        path = np.repeat(np.arange(n, dtype="int64"), lengths)
        position = np.arange(len(path), dtype="int64") - np.repeat(starts, lengths)
        names = tuple(data.activities)
        act = pc.index_in(pc.list_flatten(acts), value_set=pa.array(names, type=pa.string()))
        flat_ch = pc.list_flatten(chs)
        channel_names = tuple(sorted({str(c) for c in pc.unique(flat_ch).to_pylist() if c is not None}))
        ch = pc.index_in(flat_ch, value_set=pa.array(channel_names, type=pa.string()))
        return cls(
            path=path,
            position=position,
            activity=act.to_numpy(zero_copy_only=False).astype("int64"),
            channel=pc.fill_null(ch, -1).to_numpy(zero_copy_only=False).astype("int64"),
            weight=np.repeat(data.cases, lengths),
            starts=starts,
            lengths=lengths,
            activities=names,
            channels=channel_names,
        )

    def codes(self, names: Iterable[str]) -> np.ndarray:
        """The codes of the given activity names (unknown names left out)."""
        index = {a: i for i, a in enumerate(self.activities)}
        return np.array(sorted(index[a] for a in names if a in index), dtype="int64")

    def paths_with(self, step: np.ndarray) -> Mask:
        """A mask over paths: those with at least one step where ``step`` (a mask over steps) holds."""
        out = np.zeros(len(self.lengths), dtype=bool)
        out[self.path[step]] = True
        return out

    @functools.cached_property
    def remaining(self) -> np.ndarray:
        """Per step, how many steps of its path come after it (0 on a path's last step); built
        once."""
        return self.lengths[self.path] - self.position - 1

    def last_steps(self) -> np.ndarray:
        """Per path, the index of its last step in the flat arrays (-1 for an empty path)."""
        return np.where(self.lengths > 0, self.starts + self.lengths - 1, -1)


def _is_text(table: Any, column: str) -> bool:
    """Whether ``table`` (Arrow) has ``column`` holding text."""
    import pyarrow as pa

    return column in table.column_names and pa.types.is_string(table.schema.field(column).type)


class _LazyText(Sequence[str]):
    """An Arrow array of text as a sequence of ``str``, each converted when asked for."""

    def __init__(self, values: Any) -> None:
        self.values = values

    def __len__(self) -> int:
        return len(self.values)

    def __getitem__(self, i: Any) -> Any:
        return str(self.values[int(i)].as_py())


def _reaches(activities: pd.Series, patterns: tuple[str, ...]) -> np.ndarray:
    """Per path, whether one of its activities matches the outcome patterns (each distinct
    activity is matched once, not once per event)."""
    if not patterns or len(activities) == 0:
        return np.zeros(len(activities), dtype=bool)
    outcome = {a for a in {a for acts in activities for a in acts} if matches_any(str(a), patterns)}
    reached = (not outcome.isdisjoint(acts) for acts in activities)
    return np.fromiter(reached, dtype=bool, count=len(activities))
