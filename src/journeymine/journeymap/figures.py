"""Journey-map figures: per stage, touchpoint and channel, per segment; moments of truth; the map
against reality.

How each figure is defined (one customer = one case of the log; cut journeys first with
:func:`journeymine.cut_journeys` when a customer's stream holds several journeys):

customers, share
    Customers with at least one event at the touchpoint (stage); ``share`` divides by the
    customers of the segment.
time_spent_s
    Per customer, the time from each of their events at the touchpoint to their next event (of any
    kind), summed; the median over customers, in seconds (frames and JSON carry seconds; what a
    person reads shows them as ``45 min`` or ``3 d 4 h``). A journey's last event adds nothing.
target_met_share
    Among customers for whom the touchpoint's target could be judged, the share who met it (see
    :class:`~journeymine.journeymap.spec.Target`), with a Wilson interval. For a stage: customers
    who met every judged target of the stage.
sentiment_mean
    Per customer, the mean sentiment of their events at the touchpoint; the mean over customers
    who expressed any, with a t interval.
continued_share, left_share, completed_share
    Of the customers reaching the touchpoint: who had a later event on the map; whose last event
    on the map was here and who did not complete the journey (the drop-offs); whose last event on
    the map was here and who did complete. The three add up to 1.
completion
    A customer completed the journey when they reached an ``outcome`` touchpoint of the spec;
    without one, when the log has a ``journey_complete`` column (from ``cut_journeys``), that;
    otherwise when they reached the last stage.
moments of truth
    For each touchpoint, customers who complete against those who do not, among those reaching it:
    the difference in sentiment there (Cohen's d, Welch's t-test) and in target misses there
    (Cohen's h, Fisher's exact test); ranked by the larger effect, with Benjamini-Hochberg q-values
    over all tests. An association, not a proof of cause.
segments
    In the documented order: bins by value (the ``segment`` column is then an ordered
    categorical), other segments by text, customers without a value ``"(none)"`` last.

Every name on the map must find events in the log: a touchpoint's activity (or pattern), the
``outcome`` and the touchpoints targets wait for. A name that matches no activity (a misspelt
``Confirmation of recipt``) is a :class:`~journeymine.errors.SpecError` naming it, its line and
close matches, so that a typo never reads as 0% completion; ``unmatched="warn"`` gives a
:class:`~journeymine.journeymap.spec.SpecWarning` instead and carries on (the touchpoint is then
listed in ``unreached``). A name that matches only events :func:`~journeymine.cut_journeys` left
outside every journey is no mistake: the touchpoint is listed in ``unreached``, and no more.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from journeymine.engines.base import JourneyPlan, TargetPlan
from journeymine.engines.plans import SENTIMENT_LIMIT
from journeymine.errors import ArgumentError, EngineError, SchemaError, SpecError
from journeymine.journeymap.result import JourneyMapResult
from journeymine.journeymap.spec import (
    JourneyMap,
    check_unmatched_argument,
    did_you_mean,
    is_pattern,
    load_map,
    name_matches,
    report_unmatched,
)
from journeymine.stats import bh_adjust, cohen_d_from, cohen_h, mean_ci_from, nps_from, wilson

if TYPE_CHECKING:
    import os
    from collections.abc import Mapping

    import pyarrow as pa

    from journeymine.eventlog import EventLog
    from journeymine.segments import Bins, Segmentation

__all__ = ["JourneyMapResult", "journey_map"]  # JourneyMapResult lives in result.py (no pandas)

#: a column that marks complete journeys (written by ``cut_journeys``)
COMPLETE_COLUMN = "journey_complete"
#: fewest customers in each group for a moment-of-truth test
MIN_GROUP = 5
ALL = "all"


def journey_map(
    log: EventLog,
    spec: JourneyMap | str | os.PathLike[str] | Mapping[str, Any],
    *,
    by: str | None = None,
    bins: Bins = None,
    channel: str | None = None,
    confidence: float = 0.95,
    unmatched: Literal["error", "warn"] = "error",
) -> JourneyMapResult:
    """Compute the journey-map figures of a log against a spec.

    Parameters
    ----------
    log : EventLog
        Events of one journey per case (see :func:`journeymine.cut_journeys`).
    spec : JourneyMap, path, YAML text or mapping
        The journey map (see :mod:`journeymine.journeymap.spec`).
    by, bins : optional
        A segment: a case attribute, binned like in :func:`journeymine.discover_dfg`.
    channel : str, optional
        The channel column; by default the spec's ``channel``, then the log's mapped channel.
    confidence : float
        Of every interval (0.95).
    unmatched : {"error", "warn"}
        A touchpoint, outcome or target whose name matches no activity in the log: a
        :class:`~journeymine.errors.SpecError` naming it, its spec line and close matches
        (``"error"``), or a :class:`~journeymine.journeymap.spec.SpecWarning` for each and the
        figures without it (``"warn"``: the touchpoint is listed in ``unreached``, an outcome or
        target waiting for it is never reached).

    Returns
    -------
    JourneyMapResult

    Raises
    ------
    SpecError
        A spec that does not fit the log: a column it names is missing or not numeric, or a
        name matches no activity (with ``unmatched="error"``).

    Examples
    --------
    >>> import journeymine as jm
    >>> log = jm.read_events(jm.datasets.load_demo(), **jm.datasets.DEMO_COLUMNS)
    >>> result = jm.journey_map(log, jm.datasets.load_demo_map(), by="segment")
    >>> row = result.touchpoints.query("segment == 'mover' and touchpoint == 'Upload documents'")
    >>> round(float(row["share"].iloc[0]), 3), round(float(row["target_met_share"].iloc[0]), 3)
    (0.932, 0.554)
    >>> result.unmapped["activity"].tolist()
    ['Survey answered']

    A misspelt touchpoint is an error naming its line and the activities it may have meant:

    >>> spec = jm.JourneyMap.from_yaml('''
    ... journey: Mortgage
    ... stages:
    ...   - name: Closing
    ...     touchpoints: [Contract signed, Mortgage paid ot]
    ... ''')
    >>> jm.journey_map(log, spec)
    Traceback (most recent call last):
    ...
    journeymine.errors.SpecError: journey map, line 5: touchpoint 'Mortgage paid ot' matches no activity in \
the log (did you mean 'Mortgage paid out'?); correct the name, or pass unmatched='warn' to carry on without it
    """
    spec = load_map(spec)
    if isinstance(confidence, bool) or not isinstance(confidence, (int, float)) or not 0 < confidence < 1:
        raise ArgumentError(
            f"confidence must be a number between 0 and 1, not {confidence!r}; pass confidence=0.95"
        )
    check_unmatched_argument(unmatched)
    wanted, completion_rule = _columns(log, spec, channel)
    known = _check_names(log, spec, unmatched)
    names = [t.name for t in spec.touchpoints]
    plan = _plan(log, spec, wanted, known)
    stage_of = np.array(plan.stages, dtype=np.int64)
    journey = getattr(log.engine, "journey", None)
    if journey is None:
        raise EngineError(
            f"the {getattr(log.engine, 'name', type(log.engine).__name__)!r} engine has no journey "
            "verb (Engine.journey), which journey maps need; read the log with engine='duckdb'"
        )
    seg = log.segmentation(by, bins)
    tables = journey(log._relation, plan, by=seg)
    _check_measures(tables.checks, wanted, spec)

    # -- segments, in the documented order ------------------------------------------------------
    segments = _by_segment(tables.segments, by)
    seg_order = _segment_order(segments["segment"].tolist(), seg)
    seg_customers = (
        segments.groupby("segment", sort=False)["customers"].sum().reindex(seg_order, fill_value=0)
    )

    tp_table = _by_segment(tables.touchpoints, by)
    tp_rows = _aggregate(tp_table, "tp", seg_order, seg_customers, len(names), confidence)
    tp_rows.insert(1, "stage", [spec.stages[stage_of[i]].name for i in tp_rows["tp"]])
    tp_rows.insert(2, "touchpoint", [names[i] for i in tp_rows["tp"]])
    stage_rows = _aggregate(
        _by_segment(tables.stages, by), "stage", seg_order, seg_customers, len(spec.stages), confidence
    )
    stage_rows.insert(1, "stage_name", [spec.stages[i].name for i in stage_rows["stage"]])
    stage_rows = stage_rows.drop(columns="stage").rename(columns={"stage_name": "stage"})

    with_channels = plan.channel is not None or bool(plan.fixed_channels)
    channel_rows = _channels(
        _by_segment(tables.channels, by) if with_channels else None,
        tp_table,
        names,
        stage_of,
        spec,
        seg_customers,
        confidence,
    )
    binned = bool(seg is not None and seg.categories)
    result = JourneyMapResult(
        spec=spec,
        segments=_ordered(_segment_figures(segments, seg_order, confidence), seg_order, binned),
        stages=_ordered(stage_rows.reset_index(drop=True), seg_order, binned),
        touchpoints=_ordered(tp_rows.drop(columns="tp").reset_index(drop=True), seg_order, binned),
        channels=_ordered(channel_rows, seg_order, binned),
        unmapped=_unmapped(log, plan),
        unreached=_unreached(spec, set(tp_table["tp"].tolist()), names, stage_of, known.reasons),
        off_map_transitions=_off_map(tables.transitions, names, spec, stage_of),
        moments_of_truth=_moments(tables.moments.to_pandas(), names, spec, stage_of),
        summary={
            "customers": int(segments["customers"].sum()),
            "events": log.n_events,
            "events_on_map": int(tp_table["events"].sum()),
            "segment_by": by,
            "completion": completion_rule,
            "confidence": confidence,
        },
    )
    return result


# -- the events -----------------------------------------------------------------------------------


_Wanted = dict[str, tuple[str, int | None]]


def _columns(log: EventLog, spec: JourneyMap, channel: str | None) -> tuple[_Wanted, str]:
    """The columns the spec (and ``channel=``) ask for, checked against the log, and the
    completion rule."""
    wanted: _Wanted = {}
    for key in ("sentiment", "nps", "csat"):
        col = getattr(spec, key)
        if col is not None:
            wanted[key] = (col, spec.lines.get(key))
    channel_col = channel or spec.channel
    if channel_col is not None and channel_col != log.schema.channel:
        wanted["channel"] = (channel_col, None if channel else spec.lines.get("channel"))
    completion_rule = "reached the last stage"
    if spec.outcome:
        completion_rule = "reached " + " or ".join(spec.outcome)
    elif COMPLETE_COLUMN in log.columns:
        wanted["complete"] = (COMPLETE_COLUMN, None)
        completion_rule = COMPLETE_COLUMN
    for key, (col, line) in wanted.items():
        if col not in log.columns:
            what = f"the {key} column {col!r} is not in {log.source}; its columns: {', '.join(log.columns)}"
            if key == "channel" and channel:
                raise SchemaError(f"{what}; pass channel= one of them" + did_you_mean(col, log.columns))
            raise SpecError(
                spec.where(line, f"{what}{did_you_mean(col, log.columns)}; correct {key!r} in the map")
            )
    if not log.stats.timed:
        hours = [
            t.name
            for t in spec.touchpoints
            if t.target and (t.target.max_hours_to or t.target.max_hours_to_next)
        ]
        if hours:
            raise SpecError(
                spec.where(
                    spec.touchpoint(hours[0]).line,
                    f"the target of {hours[0]!r} counts hours, but {log.source} has no timestamps; "
                    "read it with timestamp=, or remove the target",
                )
            )
    return wanted, completion_rule


def _segment_values(values: list[Any], by: str | None) -> list[Any]:
    """An engine table's segments as labels: :data:`ALL` without a segmentation, ``"(none)"``
    for customers without a value."""
    if by is None:
        return [ALL] * len(values)
    return ["(none)" if v is None or (isinstance(v, float) and math.isnan(v)) else v for v in values]


def _by_segment(table: pa.Table, by: str | None) -> pd.DataFrame:
    """A figure table of ``Engine.journey`` as a frame with segment labels."""
    frame = table.drop_columns(["segment"]).to_pandas()
    frame.insert(
        0, "segment", pd.Series(_segment_values(table.column("segment").to_pylist(), by), dtype=object)
    )
    return frame


def _segment_order(present: list[Any], seg: Segmentation | None) -> list[Any]:
    """Bins in value order, other segments by their text; customers without a value last."""
    found = set(present)
    if seg is not None and seg.categories:
        return [s for s in (*seg.categories, "(none)") if s in found]
    return sorted(found - {"(none)"}, key=str) + ["(none)"] * ("(none)" in found)


def _stage_index(spec: JourneyMap, touchpoint: str) -> int:
    return next(i for i, s in enumerate(spec.stages) if touchpoint in s.names)


@dataclass
class _Known:
    """What the log knows of the names on the map (see :func:`_check_names`)."""

    #: the log's activities, sorted
    activities: list[str]
    #: touchpoint index -> why it gets no events
    reasons: dict[int, str]


def _activity_table(log: EventLog) -> pa.Table:
    """The engine's per-activity aggregate of the whole log (computed once per log)."""
    if "activities" not in log._cache:
        log._cache["activities"] = log.engine.activities(log._relation, by=None)
    table: pa.Table = log._cache["activities"]
    return table


def _log_activities(log: EventLog) -> list[str]:
    """The activity names of the log, from the engine's per-activity aggregate."""
    table = _activity_table(log)
    return sorted({str(a) for a in table.column("activity").to_pylist() if a is not None})


def _outside_activities(log: EventLog) -> set[str]:
    """Activities of events :func:`~journeymine.cut_journeys` left outside every journey (known
    from the cut's aggregate; the events themselves stay in the engine)."""
    from journeymine.journeys import JourneyLog

    if not isinstance(log, JourneyLog):
        return set()
    return set(log.report.outside_activities)


def _check_names(log: EventLog, spec: JourneyMap, unmatched: Literal["error", "warn"]) -> _Known:
    """Every name on the map must find events: each activity (or pattern) of a touchpoint, the
    outcome and what targets wait for. Those that do not are one SpecError (or a SpecWarning
    each, with ``unmatched="warn"``) naming them, their lines and close matches."""
    activities = _log_activities(log)
    outside = sorted(_outside_activities(log) - set(activities))
    names = [t.name for t in spec.touchpoints]

    def found(name: str, pool: list[str]) -> bool:
        return any(name_matches(a, name) for a in pool)

    problems: list[tuple[int | None, str]] = []
    reasons: dict[int, str] = {}
    assigned = spec.assign(activities)
    claimed = set(assigned.values())
    for i, tp in enumerate(spec.touchpoints):
        for entry in tp.activity:
            if found(entry, activities) or found(entry, outside):
                continue
            if tp.activity == (tp.name,):
                what = f"touchpoint {tp.name!r} matches no activity in the log"
            elif is_pattern(entry):
                what = f"the pattern {entry!r} of touchpoint {tp.name!r} matches no activity in the log"
            else:
                what = f"the activity {entry!r} of touchpoint {tp.name!r} is not an activity in the log"
            problems.append((getattr(entry, "line", None) or tp.line, what + did_you_mean(entry, activities)))
        if tp.name in claimed:
            continue
        if any(found(e, activities) for e in tp.activity):
            takers = sorted({str(assigned[a]) for a in activities if tp.matches(a)})
            problems.append(
                (
                    tp.line,
                    f"touchpoint {tp.name!r} gets no events: what it matches goes to "
                    f"{', '.join(map(repr, takers))} (an exact name comes before a pattern, an earlier "
                    "touchpoint before a later one)",
                )
            )
            reasons[i] = "its activities go to other touchpoints"
        elif any(found(e, outside) for e in tp.activity):
            reasons[i] = "only outside the cut journeys"
        else:
            reasons[i] = "no activity in the log"
    # (line, the name, how to call it)
    refs: list[tuple[int | None, str, str]] = [
        (spec.lines.get("outcome"), o, f"the outcome {o!r}") for o in spec.outcome
    ]
    for tp in spec.touchpoints:
        t = tp.target
        if t is not None and t.max_hours_to is not None:
            ref = t.max_hours_to[0]
            refs.append((t.line or tp.line, ref, f"max_hours_to.touchpoint {ref!r} of {tp.name!r}"))
        if t is not None and t.required_outcome is not None:
            ref = t.required_outcome
            refs.append((t.line or tp.line, ref, f"required_outcome {ref!r} of {tp.name!r}"))
    for line, ref, label in refs:
        if ref in names or found(ref, activities) or found(ref, outside):
            continue
        problems.append(
            (
                getattr(ref, "line", None) or line,
                f"{label} is neither a touchpoint on the map nor an activity in the log"
                + did_you_mean(ref, names + activities),
            )
        )
    problems.sort(key=lambda p: math.inf if p[0] is None else p[0])
    report_unmatched(problems, place=spec.source or "journey map", unmatched=unmatched, stacklevel=3)
    return _Known(activities=activities, reasons=reasons)


#: the range each score must lie in
SCORE_RANGES = {"nps": (0.0, 10.0), "csat": (1.0, 5.0)}
#: and the range of sentiment values the engines add up exactly (see ``engines.plans.EXACT``)
SENTIMENT_RANGE = (-SENTIMENT_LIMIT, SENTIMENT_LIMIT)


def _plan(log: EventLog, spec: JourneyMap, wanted: _Wanted, known: _Known) -> JourneyPlan:
    """The engine's plan for the map.

    A name a target or the outcome waits for is a touchpoint on the map (its activities) or
    else the activities it matches (none, when it matches nothing and ``unmatched="warn"`` let
    it pass: see :func:`_check_names`).
    """
    names = [t.name for t in spec.touchpoints]
    tp_index = {n: i for i, n in enumerate(names)}
    assigned = spec.assign(known.activities)
    tp_acts: list[list[str]] = [[] for _ in names]
    for act, owner in assigned.items():
        if owner is not None:
            tp_acts[tp_index[owner]].append(act)

    def activities_of(ref: str) -> tuple[str, ...]:
        if ref in tp_index:
            return tuple(tp_acts[tp_index[ref]])
        return tuple(a for a in known.activities if name_matches(a, ref))

    refs: dict[tuple[str, ...], int] = {}

    def ref_id(acts: tuple[str, ...] | list[str]) -> int:
        return refs.setdefault(tuple(sorted(set(acts))), len(refs))

    target_refs: dict[tuple[int, str], int] = {}
    for i, tp in enumerate(spec.touchpoints):
        t = tp.target
        if t is None:
            continue
        if t.max_hours_to is not None:
            target_refs[(i, "to")] = ref_id(activities_of(t.max_hours_to[0]))
        if t.required_outcome is not None:
            target_refs[(i, "outcome")] = ref_id(activities_of(t.required_outcome))
        if t.max_hours_to_next is not None:
            target_refs[(i, "next")] = ref_id([a for j, acts in enumerate(tp_acts) if j != i for a in acts])
    outcome = sorted({a for o in spec.outcome for a in activities_of(o)})
    measures = tuple((k, wanted[k][0]) for k in ("sentiment", "nps", "csat") if k in wanted)
    targets = []
    for i, tp in enumerate(spec.touchpoints):
        t = tp.target
        if t is None:
            continue
        target = TargetPlan(
            tp=i,
            max_events=None if t.max_repeats is None else t.max_repeats + 1,
            to=None if t.max_hours_to is None else (target_refs[(i, "to")], t.max_hours_to[1] * 3600),
            outcome=target_refs.get((i, "outcome")),
            to_next=None
            if t.max_hours_to_next is None
            else (target_refs[(i, "next")], t.max_hours_to_next * 3600),
        )
        if target != TargetPlan(tp=i):
            targets.append(target)
    if spec.outcome:
        completion = "outcome"
    elif "complete" in wanted:
        completion = "complete"
    else:
        completion = "last stage"
    plan = JourneyPlan(
        touchpoints=tuple((a, tp_index[t]) for a, t in assigned.items() if t is not None),
        channel=wanted["channel"][0] if "channel" in wanted else log.schema.channel,
        measures=measures,
        ranges=tuple(
            (k, lo, hi)
            for k, (lo, hi) in {"sentiment": SENTIMENT_RANGE, **SCORE_RANGES}.items()
            if k in wanted
        ),
        complete=COMPLETE_COLUMN if "complete" in wanted else None,
        outcome=tuple(outcome),
        refs=tuple(refs),
        stages=tuple(_stage_index(spec, n) for n in names),
        targets=tuple(targets),
        completion=completion,
        fixed_channels=tuple((i, t.channel) for i, t in enumerate(spec.touchpoints) if t.channel),
    )
    return plan


def _check_measures(checks: pa.Table, wanted: _Wanted, spec: JourneyMap) -> None:
    """A measure column must hold numbers (scores in their range): a SpecError naming it."""
    for row in checks.to_pylist():
        key = row["key"]
        col, line = wanted[key]
        if row["kind"] == "bool":
            raise SpecError(spec.where(line, f"the {key} column {col!r} holds true/false, not numbers"))
        if row["kind"] == "other":
            raise SpecError(
                spec.where(
                    line, f"the {key} column {col!r} holds no numbers; point {key!r} at a numeric column"
                )
            )
        if row["not_numbers"]:
            raise SpecError(
                spec.where(
                    line,
                    f"the {key} column {col!r} is not numeric: {int(row['not_numbers']):,} values such as "
                    f"{str(row['example'])[:40]!r} are not numbers; point {key!r} at a numeric column",
                )
            )
        if row["outside"]:
            lo, hi = SCORE_RANGES.get(key, SENTIMENT_RANGE)
            example = row["low"] if row["low"] < lo else row["high"]
            what = (
                f"scores {lo:g}-{hi:g}" if key in SCORE_RANGES else f"values between {lo:,.0f} and {hi:,.0f}"
            )
            raise SpecError(
                spec.where(
                    line,
                    f"the {key} column {col!r} must hold {what}; {int(row['outside']):,} "
                    f"values lie outside, such as {example:g}",
                )
            )


def _aggregate(
    table: pd.DataFrame,
    key: str,
    seg_order: list[Any],
    seg_customers: pd.Series,
    n_keys: int,
    confidence: float,
) -> pd.DataFrame:
    """Rows of every segment x touchpoint (stage) from the engine's figure table (one row per
    segment x key reached), in segment order."""
    found = {
        (seg, int(k)): row for seg, k, row in zip(table["segment"], table[key], table.to_dict("records"))
    }
    rows = []
    for seg in seg_order:
        total = int(seg_customers[seg])
        for k in range(n_keys):
            rows.append({"segment": seg, key: k, **_figures(found.get((seg, k)), total, confidence)})
    return pd.DataFrame(rows)


def _figures(row: Mapping[Any, Any] | None, total: int, confidence: float) -> dict[str, Any]:
    n = 0 if row is None else int(row["customers"])
    out: dict[str, Any] = {"customers": n, "share": n / total if total else math.nan}
    if row is None or n == 0:
        out.update(
            events=0,
            time_spent_s=math.nan,
            target_customers=0,
            target_met_share=math.nan,
            target_ci_low=math.nan,
            target_ci_high=math.nan,
            sentiment_customers=0,
            sentiment_mean=math.nan,
            sentiment_ci_low=math.nan,
            sentiment_ci_high=math.nan,
            continued_share=math.nan,
            left_share=math.nan,
            completed_share=math.nan,
        )
        return out
    out["events"] = int(row["events"])
    out["time_spent_s"] = float(row["time_spent_s"])
    out.update(_target(row, confidence))
    out.update(_sentiment(row, confidence))
    out["continued_share"] = int(row["continued"]) / n
    out["left_share"] = int(row["left"]) / n
    out["completed_share"] = int(row["ended_complete"]) / n
    return out


def _target(row: Mapping[Any, Any], confidence: float) -> dict[str, Any]:
    judged, k = int(row["target_customers"]), int(row["target_met"])
    low, high = wilson(k, judged, confidence)
    return {
        "target_customers": judged,
        "target_met_share": k / judged if judged else math.nan,
        "target_ci_low": low,
        "target_ci_high": high,
    }


def _sentiment(row: Mapping[Any, Any], confidence: float) -> dict[str, Any]:
    n = int(row["sentiment_customers"])
    m, lo, hi = mean_ci_from(n, *_mean_var(row), confidence)
    return {"sentiment_customers": n, "sentiment_mean": m, "sentiment_ci_low": lo, "sentiment_ci_high": hi}


def _mean_var(row: Mapping[Any, Any]) -> tuple[float, float]:
    """The mean and sample variance of the customers' mean sentiment, from the engine's count,
    sum and sum of squares (exact sums of values rounded to 12 decimals: see
    ``engines.plans.EXACT``). A variance below what those decimals resolve is 0: every
    customer said the same."""
    n = int(row["sentiment_customers"])
    if n == 0:
        return math.nan, math.nan
    total, squares = _float(row["sentiment_sum"]), _float(row["sentiment_sumsq"])
    mean = total / n
    if n < 2:
        return mean, math.nan
    var = (squares - total * total / n) / (n - 1)
    resolution = 1e-12 * (1.0 + abs(squares) / n) * n / (n - 1)
    return mean, (0.0 if var <= resolution else var)


def _float(value: Any) -> float:
    return math.nan if value is None or pd.isna(value) else float(value)


def _channels(
    per: pd.DataFrame | None,
    tp_table: pd.DataFrame,
    names: list[str],
    stage_of: np.ndarray,
    spec: JourneyMap,
    seg_customers: pd.Series,
    confidence: float,
) -> pd.DataFrame:
    columns = [
        "segment",
        "stage",
        "touchpoint",
        "channel",
        "customers",
        "share",
        "share_of_touchpoint",
        "events",
        "time_spent_s",
        "target_customers",
        "target_met_share",
        "target_ci_low",
        "target_ci_high",
        "sentiment_customers",
        "sentiment_mean",
        "sentiment_ci_low",
        "sentiment_ci_high",
    ]
    if per is None or per.empty:
        return pd.DataFrame(columns=columns)
    tp_customers = {
        (seg, int(tp)): int(n)
        for seg, tp, n in zip(tp_table["segment"], tp_table["tp"], tp_table["customers"])
    }
    rows = []
    for row in per.to_dict("records"):
        seg, tp, n = row["segment"], int(row["tp"]), int(row["customers"])
        total = int(seg_customers[seg])
        rows.append(
            {
                "segment": seg,
                "stage": spec.stages[stage_of[tp]].name,
                "touchpoint": names[tp],
                "channel": row["channel"],
                "customers": n,
                "share": n / total if total else math.nan,
                "share_of_touchpoint": n / tp_customers[(seg, tp)],
                "events": int(row["events"]),
                "time_spent_s": float(row["time_spent_s"]),
                **_target(row, confidence),
                **_sentiment(row, confidence),
            }
        )
    out = pd.DataFrame(rows, columns=columns)
    seg_rank = {s: i for i, s in enumerate(seg_customers.index)}
    out["_s"] = out["segment"].map(seg_rank)
    out["_t"] = out["touchpoint"].map({n: i for i, n in enumerate(names)})
    out = out.sort_values(
        ["_s", "_t", "customers", "channel"], ascending=[True, True, False, True], kind="stable"
    )
    return out.drop(columns=["_s", "_t"]).reset_index(drop=True)


def _segment_figures(segments: pd.DataFrame, seg_order: list[Any], confidence: float) -> pd.DataFrame:
    rows = []
    found = {seg: row for seg, row in zip(segments["segment"], segments.to_dict("records"))}
    for seg in seg_order:
        got = found[seg]
        n, k = int(got["customers"]), int(got["completed"])
        lo, hi = wilson(k, n, confidence)
        row: dict[str, Any] = {
            "segment": seg,
            "customers": n,
            "completed": k,
            "completed_share": k / n if n else math.nan,
            "completed_ci_low": lo,
            "completed_ci_high": hi,
        }
        if "nps_respondents" in got:
            v, vlo, vhi, resp = nps_from(
                int(got["nps_respondents"]), int(got["nps_promoters"]), int(got["nps_detractors"]), confidence
            )
            row.update(nps=v, nps_ci_low=vlo, nps_ci_high=vhi, nps_respondents=resp)
        if "csat_respondents" in got:
            m, good = int(got["csat_respondents"]), int(got["csat_good"])
            clo, chi = wilson(good, m, confidence)
            row.update(
                csat=good / m if m else math.nan, csat_ci_low=clo, csat_ci_high=chi, csat_respondents=m
            )
        rows.append(row)
    return pd.DataFrame(rows)


def _unmapped(log: EventLog, plan: JourneyPlan) -> pd.DataFrame:
    """Activities off the map: events and customers, the most frequent first."""
    on_map = {a for a, _ in plan.touchpoints}
    table = _activity_table(log).to_pandas()
    off = table[~table["activity"].isin(on_map)]
    if off.empty:
        return pd.DataFrame({"activity": [], "events": [], "customers": []})
    g = pd.DataFrame(
        {
            "activity": off["activity"].astype(object).to_numpy(),
            "events": off["events"].to_numpy(dtype=np.int64),
            "customers": off["cases"].to_numpy(dtype=np.int64),
        }
    )
    return g.sort_values(["events", "activity"], ascending=[False, True], kind="stable").reset_index(
        drop=True
    )


def _unreached(
    spec: JourneyMap, reached: set[int], names: list[str], stage_of: np.ndarray, reasons: Mapping[int, str]
) -> pd.DataFrame:
    rows = [
        {
            "stage": spec.stages[stage_of[i]].name,
            "touchpoint": n,
            "activity": ", ".join(spec.touchpoints[i].activity),
            "reason": reasons.get(i, "no activity in the log"),
        }
        for i, n in enumerate(names)
        if i not in reached
    ]
    return pd.DataFrame(rows, columns=["stage", "touchpoint", "activity", "reason"])


def _ordered(frame: pd.DataFrame, seg_order: list[Any], binned: bool) -> pd.DataFrame:
    """Binned segments as an ordered categorical, in value order (the rows are in that order)."""
    if not binned or "segment" not in frame.columns:
        return frame
    out = frame.copy()
    out["segment"] = pd.Categorical(out["segment"], categories=seg_order, ordered=True)
    return out


def _off_map(transitions: pa.Table, names: list[str], spec: JourneyMap, stage_of: np.ndarray) -> pd.DataFrame:
    columns = ["source", "target", "source_stage", "target_stage", "kind", "transitions", "customers"]
    g = transitions.to_pandas()
    if g.empty:
        return pd.DataFrame(columns=columns)
    src, dst = g["source"].to_numpy(dtype=np.int64), g["target"].to_numpy(dtype=np.int64)
    s_st, d_st = stage_of[src], stage_of[dst]
    g = pd.DataFrame({"src": src, "dst": dst, "transitions": g["transitions"], "customers": g["customers"]})
    g = g[(d_st < s_st) | (d_st > s_st + 1)]
    if g.empty:
        return pd.DataFrame(columns=columns)
    rows = []
    for r in g.itertuples(index=False):
        a, b = stage_of[r.src], stage_of[r.dst]
        kind = (
            "back to an earlier stage" if b < a else f"skips {b - a - 1} stage{'s' if b - a - 1 > 1 else ''}"
        )
        rows.append(
            {
                "source": names[r.src],
                "target": names[r.dst],
                "source_stage": spec.stages[a].name,
                "target_stage": spec.stages[b].name,
                "kind": kind,
                "transitions": int(r.transitions),
                "customers": int(r.customers),
            }
        )
    out = pd.DataFrame(rows, columns=columns)
    return out.sort_values(
        ["transitions", "source", "target"], ascending=[False, True, True], kind="stable"
    ).reset_index(drop=True)


def _moments(table: pd.DataFrame, names: list[str], spec: JourneyMap, stage_of: np.ndarray) -> pd.DataFrame:
    """The moments of truth from ``JourneyTables.moments`` (per touchpoint and completion)."""
    from scipy import stats

    columns = [
        "rank",
        "stage",
        "touchpoint",
        "customers",
        "completed",
        "not_completed",
        "driver",
        "effect",
        "q_value",
        "sentiment_completed",
        "sentiment_not_completed",
        "sentiment_d",
        "sentiment_p",
        "miss_completed",
        "miss_not_completed",
        "miss_h",
        "miss_p",
    ]
    groups: dict[int, dict[bool, dict[Any, Any]]] = {}
    for rec in table.to_dict("records"):
        groups.setdefault(int(rec["tp"]), {})[bool(rec["completed"])] = rec
    empty: dict[Any, Any] = {"customers": 0, "sentiment_customers": 0, "judged": 0, "misses": 0}
    rows = []
    for tp in sorted(groups):
        c, o = groups[tp].get(True, empty), groups[tp].get(False, empty)
        n_c, n_l = int(c["customers"]), int(o["customers"])
        if n_c < MIN_GROUP or n_l < MIN_GROUP:
            continue
        row: dict[str, Any] = {
            "stage": spec.stages[stage_of[tp]].name,
            "touchpoint": names[tp],
            "customers": n_c + n_l,
            "completed": n_c,
            "not_completed": n_l,
        }
        d = p_s = math.nan
        s_c, s_l = int(c["sentiment_customers"]), int(o["sentiment_customers"])
        if s_c >= MIN_GROUP and s_l >= MIN_GROUP:
            m_c, v_c = _mean_var(c)
            m_l, v_l = _mean_var(o)
            row["sentiment_completed"], row["sentiment_not_completed"] = m_c, m_l
            d = cohen_d_from(s_c, m_c, v_c, s_l, m_l, v_l)
            if not math.isnan(d):
                p_s = float(
                    stats.ttest_ind_from_stats(
                        m_c, math.sqrt(v_c), s_c, m_l, math.sqrt(v_l), s_l, equal_var=False
                    ).pvalue
                )
        h = p_m = math.nan
        j_c, j_l = int(c["judged"]), int(o["judged"])
        if j_c >= MIN_GROUP and j_l >= MIN_GROUP:
            x_c, x_l = int(c["misses"]), int(o["misses"])
            miss_c, miss_l = x_c / j_c, x_l / j_l
            row["miss_completed"], row["miss_not_completed"] = miss_c, miss_l
            h = cohen_h(miss_l, miss_c)
            p_m = float(stats.fisher_exact([[x_l, j_l - x_l], [x_c, j_c - x_c]]).pvalue)
        row.update(sentiment_d=d, sentiment_p=p_s, miss_h=h, miss_p=p_m)
        if math.isnan(d) and math.isnan(h):
            continue
        rows.append(row)
    if not rows:
        return pd.DataFrame(columns=columns)
    out = pd.DataFrame(rows)
    for col in columns:
        if col not in out:
            out[col] = math.nan
    q_s = bh_adjust(out["sentiment_p"].tolist() + out["miss_p"].tolist())
    n = len(out)
    out["sentiment_q"], out["miss_q"] = q_s[:n], q_s[n:]
    d_abs = out["sentiment_d"].abs().fillna(-1)
    h_abs = out["miss_h"].abs().fillna(-1)
    by_sentiment = d_abs >= h_abs
    out["driver"] = np.where(by_sentiment, "sentiment", "target misses")
    out["effect"] = np.where(by_sentiment, out["sentiment_d"], out["miss_h"])
    out["q_value"] = np.where(by_sentiment, out["sentiment_q"], out["miss_q"])
    # ranked on 12 decimals: effects equal but for the last bits (sums in another order, on
    # another engine) tie, and the touchpoint breaks the tie
    out["_abs"] = np.round(np.maximum(d_abs, h_abs), 12)
    out = out.sort_values(["_abs", "touchpoint"], ascending=[False, True], kind="stable").reset_index(
        drop=True
    )
    out["rank"] = np.arange(1, len(out) + 1)
    return out[columns]


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for rec in frame.to_dict("records"):
        clean = {}
        for k, v in rec.items():
            if isinstance(v, (np.integer,)):
                v = int(v)
            elif isinstance(v, (np.floating, float)):
                v = None if math.isnan(v) else float(v)
            elif isinstance(v, np.bool_):
                v = bool(v)
            elif v is pd.NA or v is pd.NaT:
                v = None
            clean[str(k)] = v
        out.append(clean)
    return out
