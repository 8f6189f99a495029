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
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal, cast

import numpy as np
import pandas as pd

from journeymine.engines.base import JourneyPlan
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
from journeymine.stats import bh_adjust, cohen_d, cohen_h, mean_ci, nps, wilson

if TYPE_CHECKING:
    import os
    from collections.abc import Mapping

    import pyarrow as pa

    from journeymine.eventlog import EventLog
    from journeymine.segments import Bins

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
    stage_of = np.array([_stage_index(spec, n) for n in names], dtype=np.int64)
    plan, target_refs = _plan(log, spec, wanted, known)
    journey = getattr(log.engine, "journey", None)
    if journey is None:
        raise EngineError(
            f"the {getattr(log.engine, 'name', type(log.engine).__name__)!r} engine has no journey "
            "verb (Engine.journey), which journey maps need; read the log with engine='duckdb'"
        )
    tables = journey(log._relation, plan)
    _check_measures(tables.checks, wanted, spec)

    # -- customers and their segments: cases as integer codes from here on -------------------
    case_ids = tables.cases.column("case").combine_chunks()
    by_name = _segments(log, by, bins)
    segments = pd.Series(
        by_name.reindex(pd.Index(case_ids.to_pylist(), dtype=object)).to_numpy(),
        index=np.arange(len(case_ids)),
    )
    segments.attrs = dict(by_name.attrs)
    seg_order = _segment_order(segments)
    seg_customers = segments.value_counts().reindex(seg_order, fill_value=0)

    # -- per customer x touchpoint, from the engine ----------------------------------------
    ct = _touchpoint_frame(tables.touchpoints, case_ids, segments, spec, wanted)
    # the engine's per customer x touchpoint table is in ``ct`` now: let its buffers go
    tables = replace(tables, touchpoints=tables.touchpoints.schema.empty_table())
    last_mapped = ct.groupby("case", sort=False)["last_row"].max()
    completed = _completion(tables.cases, ct, spec, completion_rule, stage_of)
    _mark_progress(ct, last_mapped, completed)
    ct["met"], ct["met_experienced"] = _targets(spec, ct, target_refs)
    cs = _stage_frame(ct, stage_of, last_mapped, completed)
    # a stage's target is met when every judged target of its touchpoints is (min of 1/0, NaN
    # when none is judged)
    stage_met = ct.groupby(["case", _stage_col(ct, stage_of)], sort=False)["met"].min()
    met = stage_met.rename("met").reset_index()
    met.columns = pd.Index(["case", "stage", "met"])
    cs = cs.merge(met, on=["case", "stage"], how="left", validate="one_to_one")

    tp_rows = _aggregate(ct, "tp", seg_order, seg_customers, len(names), confidence)
    tp_rows.insert(1, "stage", [spec.stages[stage_of[i]].name for i in tp_rows["tp"]])
    tp_rows.insert(2, "touchpoint", [names[i] for i in tp_rows["tp"]])
    stage_rows = _aggregate(cs, "stage", seg_order, seg_customers, len(spec.stages), confidence)
    stage_rows.insert(1, "stage_name", [spec.stages[i].name for i in stage_rows["stage"]])
    stage_rows = stage_rows.drop(columns="stage").rename(columns={"stage_name": "stage"})

    per = _channel_frame(tables.channels, case_ids, segments, ct, spec, plan.channel is not None)
    channel_rows = _channels(per, ct, names, stage_of, spec, seg_customers, confidence)

    segments_frame = _segment_figures(tables.cases, spec, segments, seg_order, completed, confidence)
    binned = bool(segments.attrs.get("order"))
    result = JourneyMapResult(
        spec=spec,
        segments=_ordered(segments_frame, seg_order, binned),
        stages=_ordered(stage_rows.reset_index(drop=True), seg_order, binned),
        touchpoints=_ordered(tp_rows.drop(columns="tp").reset_index(drop=True), seg_order, binned),
        channels=_ordered(channel_rows, seg_order, binned),
        unmapped=_unmapped(log, plan),
        unreached=_unreached(spec, ct, names, stage_of, known.reasons),
        off_map_transitions=_off_map(tables.transitions, names, spec, stage_of),
        moments_of_truth=_moments(ct, names, spec, stage_of),
        summary={
            "customers": int(segments.size),
            "events": log.n_events,
            "events_on_map": int(ct["events"].sum()),
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


def _segments(log: EventLog, by: str | None, bins: Bins) -> pd.Series:
    cases = log.cases(by=by, bins=bins, attributes=[])
    seg = cases["segment"]
    if by is None:
        values = pd.Series(ALL, index=cases["case"].astype(str), dtype=object)
    else:
        values = pd.Series(
            seg.astype(object).where(seg.notna(), "(none)").to_numpy(), index=cases["case"].astype(str)
        )
        if isinstance(seg.dtype, pd.CategoricalDtype):
            values.attrs["order"] = [str(c) for c in seg.cat.categories] + ["(none)"]
    return values


def _segment_order(segments: pd.Series) -> list[Any]:
    present = set(segments.unique())
    order = segments.attrs.get("order")
    if order:
        return [s for s in order if s in present]
    return sorted(present, key=str)


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


def _plan(
    log: EventLog, spec: JourneyMap, wanted: _Wanted, known: _Known
) -> tuple[JourneyPlan, dict[tuple[int, str], int]]:
    """The engine's plan for the map, and per (touchpoint, target part) the ref it reads.

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
    plan = JourneyPlan(
        touchpoints=tuple((a, tp_index[t]) for a, t in assigned.items() if t is not None),
        channel=wanted["channel"][0] if "channel" in wanted else log.schema.channel,
        measures=measures,
        ranges=tuple((k, lo, hi) for k, (lo, hi) in SCORE_RANGES.items() if k in wanted),
        complete=COMPLETE_COLUMN if "complete" in wanted else None,
        outcome=tuple(outcome),
        refs=tuple(refs),
    )
    return plan, target_refs


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
            lo, hi = SCORE_RANGES[key]
            example = row["low"] if row["low"] < lo else row["high"]
            raise SpecError(
                spec.where(
                    line,
                    f"the {key} column {col!r} must hold scores {lo:g}-{hi:g}; {int(row['outside']):,} "
                    f"values lie outside, such as {example:g}",
                )
            )


def _codes(table: pa.Table, case_ids: pa.Array) -> np.ndarray:
    """The case column of an engine table as positions in ``case_ids`` (the cases table)."""
    import pyarrow.compute as pc

    column = table.column("case")
    return np.asarray(pc.index_in(column, value_set=case_ids).to_numpy(zero_copy_only=False), dtype=np.int64)


def _touchpoint_frame(
    table: pa.Table, case_ids: pa.Array, segments: pd.Series, spec: JourneyMap, wanted: _Wanted
) -> pd.DataFrame:
    """Per customer x touchpoint (``Engine.journey``'s ``touchpoints``) as a frame: case codes,
    seconds, the mean sentiment."""
    codes = _codes(table, case_ids)
    frame = table.drop_columns(["case"]).to_pandas()
    ct = pd.DataFrame(
        {
            "case": codes,
            "tp": frame["tp"].to_numpy(dtype=np.int64),
            "segment": segments.to_numpy()[codes],
            "events": frame["events"].to_numpy(dtype=np.int64),
            "first_row": frame["first_pos"].to_numpy(dtype=np.int64),
            "last_row": frame["last_pos"].to_numpy(dtype=np.int64),
            "dwell_s": frame["dwell_us"].to_numpy(dtype="float64") / 1e6,
        }
    )
    if "sentiment" in wanted:
        n = frame["sentiment_n"].to_numpy(dtype="float64")
        total = frame["sentiment_sum"].to_numpy(dtype="float64")
        with np.errstate(invalid="ignore", divide="ignore"):
            ct["sentiment"] = np.where(n > 0, total / np.where(n > 0, n, 1), np.nan)
        ct["sentiment_n"], ct["sentiment_sum"] = n, np.where(n > 0, total, 0.0)
    if frame["channel"].notna().any() or "channel" in wanted:
        ct["channel"] = frame["channel"].astype(object).to_numpy()
    for col in frame.columns:
        if col.startswith("next"):
            ct[col] = frame[col].to_numpy(
                dtype=bool if not col.endswith("_us") else "float64",
                na_value=False if not col.endswith("_us") else np.nan,
            )
    return ct


def _completion(
    cases: pa.Table, ct: pd.DataFrame, spec: JourneyMap, rule: str, stage_of: np.ndarray
) -> pd.Series:
    """Per case code: whether the customer completed the journey."""
    n = cases.num_rows
    if spec.outcome:
        done = np.asarray(cases.column("outcome").to_numpy(zero_copy_only=False), dtype=bool)
    elif rule == COMPLETE_COLUMN:
        flags = cases.column("complete").to_pandas()
        done = flags.fillna(False).astype(bool).to_numpy()
    else:
        last = len(spec.stages) - 1
        reached = ct.loc[stage_of[ct["tp"].to_numpy()] == last, "case"].unique()
        done = np.zeros(n, bool)
        done[reached] = True
    return pd.Series(done, index=np.arange(n))


def _mark_progress(ct: pd.DataFrame, last_mapped: pd.Series, completed: pd.Series) -> None:
    """Who continued after a row's touchpoint (stage), left there, or ended there complete."""
    codes = ct["case"].to_numpy()
    continued = ct["last_row"].to_numpy() < last_mapped.reindex(codes).to_numpy()
    done = completed.to_numpy()[codes]
    ct["continued"] = continued
    ct["left"] = ~continued & ~done
    ct["ended_complete"] = ~continued & done
    ct["completed"] = done


def _stage_frame(
    ct: pd.DataFrame, stage_of: np.ndarray, last_mapped: pd.Series, completed: pd.Series
) -> pd.DataFrame:
    """Per customer x stage, added up from the touchpoints of the stage."""
    frame = ct.assign(stage=stage_of[ct["tp"].to_numpy()])
    agg: dict[str, Any] = {
        "segment": ("segment", "first"),
        "events": ("events", "sum"),
        "first_row": ("first_row", "min"),
        "last_row": ("last_row", "max"),
        "dwell_s": ("dwell_s", "sum"),
    }
    if "sentiment" in ct:
        agg["sentiment_n"] = ("sentiment_n", "sum")
        agg["sentiment_sum"] = ("sentiment_sum", "sum")
    cs = frame.groupby(["case", "stage"], sort=True).agg(**agg).reset_index()
    if "sentiment" in ct:
        n = cs["sentiment_n"].to_numpy(dtype="float64")
        with np.errstate(invalid="ignore", divide="ignore"):
            cs["sentiment"] = np.where(n > 0, cs["sentiment_sum"].to_numpy() / np.where(n > 0, n, 1), np.nan)
    _mark_progress(cs, last_mapped, completed)
    return cs


def _targets(
    spec: JourneyMap, ct: pd.DataFrame, target_refs: Mapping[tuple[int, str], int]
) -> tuple[np.ndarray, np.ndarray]:
    """Per customer x touchpoint: 1.0 (met), 0.0 (missed), NaN (no target, or not judged).

    Returns the attainment and the same for the moments of truth, where a customer who never
    reached the touchpoint a target waits for is not judged (never getting there is the drop-off
    itself, which the comparison is about; it would make the test circular).
    """
    met = np.full(len(ct), np.nan)
    experienced = np.full(len(ct), np.nan)
    tp_col = ct["tp"].to_numpy()
    for i, tp in enumerate(spec.touchpoints):
        if tp.target is None:
            continue
        rows = np.nonzero(tp_col == i)[0]
        if rows.size == 0:
            continue
        sub = ct.iloc[rows]
        parts: list[np.ndarray] = []
        exp_parts: list[np.ndarray] = []
        t = tp.target

        if t.max_repeats is not None:
            ok = (sub["events"].to_numpy() <= t.max_repeats + 1).astype("float64")
            parts.append(ok)
            exp_parts.append(ok)
        if t.max_hours_to is not None:
            g = _gap(sub, target_refs[(i, "to")])
            ok = np.where(np.isnan(g), 0.0, (g <= t.max_hours_to[1] * 3600).astype("float64"))
            parts.append(ok)
            exp_parts.append(np.where(np.isnan(g), np.nan, ok))
        if t.required_outcome is not None:
            k = target_refs[(i, "outcome")]
            parts.append(sub[f"next{k}"].to_numpy(dtype=bool).astype("float64"))
        if t.max_hours_to_next is not None:
            g = _gap(sub, target_refs[(i, "next")])
            ok = np.where(np.isnan(g), np.nan, (g <= t.max_hours_to_next * 3600).astype("float64"))
            parts.append(ok)
            exp_parts.append(ok)
        met[rows] = _all_met(parts, rows.size)
        experienced[rows] = _all_met(exp_parts, rows.size)
    return met, experienced


def _channel_frame(
    table: pa.Table,
    case_ids: pa.Array,
    segments: pd.Series,
    ct: pd.DataFrame,
    spec: JourneyMap,
    has_channel: bool,
) -> pd.DataFrame | None:
    """Per customer x touchpoint x channel: ``segment, tp, channel, case, events, dwell_s``
    (and ``sentiment``). A touchpoint with a fixed ``channel`` in the spec counts all its
    events there; without a channel column every other event is in ``"(none)"``. None without
    channels at all."""
    fixed = {i: t.channel for i, t in enumerate(spec.touchpoints) if t.channel}
    if not has_channel and not fixed:
        return None
    columns = ["segment", "tp", "channel", "case", "events", "dwell_s"]
    if "sentiment" in ct:
        columns.append("sentiment")
    if has_channel:
        codes = _codes(table, case_ids)
        frame = table.drop_columns(["case"]).to_pandas()
        per = pd.DataFrame(
            {
                "segment": segments.to_numpy()[codes],
                "tp": frame["tp"].to_numpy(dtype=np.int64),
                "channel": frame["channel"].astype(object).to_numpy(),
                "case": codes,
                "events": frame["events"].to_numpy(dtype=np.int64),
                "dwell_s": frame["dwell_us"].to_numpy(dtype="float64") / 1e6,
            }
        )
        if "sentiment" in ct:
            n = frame["sentiment_n"].to_numpy(dtype="float64")
            total = frame["sentiment_sum"].to_numpy(dtype="float64")
            with np.errstate(invalid="ignore", divide="ignore"):
                per["sentiment"] = np.where(n > 0, total / np.where(n > 0, n, 1), np.nan)
        if fixed:
            per = per[~per["tp"].isin(list(fixed))]
    else:
        per = ct.loc[~ct["tp"].isin(list(fixed)), [c for c in columns if c != "channel"]].assign(
            channel="(none)"
        )
    if fixed:
        rows = ct[ct["tp"].isin(list(fixed))]
        own = rows[[c for c in columns if c != "channel"]].assign(channel=[fixed[tp] for tp in rows["tp"]])
        per = pd.concat([per, own], ignore_index=True)
    return per[columns].reset_index(drop=True)


def _gap(sub: pd.DataFrame, k: int) -> np.ndarray:
    """Seconds from a row's first event to the first later event of ref ``k``; NaN when none
    follows (or the log is untimed)."""
    reached = sub[f"next{k}"].to_numpy(dtype=bool)
    return np.where(reached, sub[f"next{k}_us"].to_numpy(dtype="float64") / 1e6, np.nan)


def _all_met(parts: list[np.ndarray], n: int) -> np.ndarray:
    """Met when every judged part is met; NaN when no part is judged."""
    if not parts:
        return np.full(n, np.nan)
    stacked = np.vstack(parts)
    judged = ~np.isnan(stacked)
    any_judged = judged.any(axis=0)
    worst = np.where(judged, stacked, 1.0).min(axis=0)
    return np.where(any_judged, worst, np.nan)


def _stage_col(ct: pd.DataFrame, stage_of: np.ndarray) -> pd.Series:
    return pd.Series(stage_of[ct["tp"].to_numpy()], index=ct.index, name="stage")


def _aggregate(
    table: pd.DataFrame,
    key: str,
    seg_order: list[Any],
    seg_customers: pd.Series,
    n_keys: int,
    confidence: float,
) -> pd.DataFrame:
    rows = []
    # only the columns _figures reads: splitting a wide frame into groups copies every column
    used = ["segment", key, "events", "dwell_s", "met", "sentiment", "continued", "left", "ended_complete"]
    table = table[[c for c in used if c in table.columns]]
    groups = {k: g for k, g in table.groupby(["segment", key], sort=False)}
    for seg in seg_order:
        total = int(seg_customers[seg])
        for k in range(n_keys):
            g = groups.get((seg, k))
            rows.append({"segment": seg, key: k, **_figures(g, total, confidence)})
    return pd.DataFrame(rows)


def _figures(g: pd.DataFrame | None, total: int, confidence: float) -> dict[str, Any]:
    n = 0 if g is None else len(g)
    out: dict[str, Any] = {"customers": n, "share": n / total if total else math.nan}
    if g is None or n == 0:
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
    out["events"] = int(g["events"].sum())
    out["time_spent_s"] = float(g["dwell_s"].median())
    judged = g["met"].dropna()
    k = int((judged == 1.0).sum())
    out["target_customers"] = len(judged)
    out["target_met_share"] = k / len(judged) if len(judged) else math.nan
    out["target_ci_low"], out["target_ci_high"] = wilson(k, len(judged), confidence)
    if "sentiment" in g:
        values = g["sentiment"].to_numpy(dtype="float64")
        m, lo, hi = mean_ci(values, confidence)
        out["sentiment_customers"] = int((~np.isnan(values)).sum())
    else:
        m = lo = hi = math.nan
        out["sentiment_customers"] = 0
    out["sentiment_mean"], out["sentiment_ci_low"], out["sentiment_ci_high"] = m, lo, hi
    out["continued_share"] = float(g["continued"].mean())
    out["left_share"] = float(g["left"].mean())
    out["completed_share"] = float(g["ended_complete"].mean())
    return out


def _channels(
    per: pd.DataFrame | None,
    ct: pd.DataFrame,
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
    if per is None:
        return pd.DataFrame(columns=columns)
    fixed = {i: t.channel for i, t in enumerate(spec.touchpoints) if t.channel}
    own = ct["channel"] if "channel" in ct else pd.Series("(none)", index=ct.index)
    ct = ct.assign(channel=[fixed.get(tp, ch) for tp, ch in zip(ct["tp"], own)])
    tp_customers = ct.groupby(["segment", "tp"]).size().to_dict()
    judged = ct[ct["met"].notna()]
    met_counts = judged.groupby(["segment", "tp", "channel"])["met"].agg(["size", "sum"]).to_dict("index")
    rows = []
    for key, grp in per.groupby(["segment", "tp", "channel"], sort=False):
        seg, tp, ch = cast("tuple[Any, int, str]", key)
        total = int(seg_customers[seg])
        n = len(grp)
        counts = met_counts.get((seg, tp, ch), {"size": 0, "sum": 0})
        n_met, k = int(counts["size"]), int(counts["sum"])
        values = grp["sentiment"].to_numpy(dtype="float64") if "sentiment" in grp else np.array([])
        m, lo, hi = mean_ci(values, confidence)
        t_lo, t_hi = wilson(k, n_met, confidence)
        rows.append(
            {
                "segment": seg,
                "stage": spec.stages[stage_of[tp]].name,
                "touchpoint": names[tp],
                "channel": ch,
                "customers": n,
                "share": n / total if total else math.nan,
                "share_of_touchpoint": n / tp_customers[(seg, tp)],
                "events": int(grp["events"].sum()),
                "time_spent_s": float(grp["dwell_s"].median()),
                "target_customers": n_met,
                "target_met_share": k / n_met if n_met else math.nan,
                "target_ci_low": t_lo,
                "target_ci_high": t_hi,
                "sentiment_customers": int((~np.isnan(values)).sum()),
                "sentiment_mean": m,
                "sentiment_ci_low": lo,
                "sentiment_ci_high": hi,
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


def _segment_figures(
    cases: pa.Table,
    spec: JourneyMap,
    segments: pd.Series,
    seg_order: list[Any],
    completed: pd.Series,
    confidence: float,
) -> pd.DataFrame:
    rows = []
    done = completed.reindex(segments.index).fillna(False)
    scores: dict[str, pd.Series] = {}
    for key in ("nps", "csat"):
        if key in cases.column_names:
            # each customer's last answer (by position), indexed by case code
            values = cases.column(key).to_pandas().astype("float64")
            scores[key] = pd.Series(values.to_numpy(), index=np.arange(len(values))).dropna()
    for seg in seg_order:
        members = segments.index[segments.to_numpy() == seg]
        n = len(members)
        k = int(done.loc[members].sum())
        lo, hi = wilson(k, n, confidence)
        row: dict[str, Any] = {
            "segment": seg,
            "customers": n,
            "completed": k,
            "completed_share": k / n if n else math.nan,
            "completed_ci_low": lo,
            "completed_ci_high": hi,
        }
        if "nps" in scores:
            s = scores["nps"].reindex(members).dropna()
            v, vlo, vhi, resp = nps(s.to_numpy(), confidence)
            row.update(nps=v, nps_ci_low=vlo, nps_ci_high=vhi, nps_respondents=resp)
        if "csat" in scores:
            s = scores["csat"].reindex(members).dropna()
            good = int((s >= 4).sum())
            clo, chi = wilson(good, len(s), confidence)
            row.update(
                csat=good / len(s) if len(s) else math.nan,
                csat_ci_low=clo,
                csat_ci_high=chi,
                csat_respondents=len(s),
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
    spec: JourneyMap, ct: pd.DataFrame, names: list[str], stage_of: np.ndarray, reasons: Mapping[int, str]
) -> pd.DataFrame:
    reached = set(ct["tp"].unique().tolist())
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


def _moments(ct: pd.DataFrame, names: list[str], spec: JourneyMap, stage_of: np.ndarray) -> pd.DataFrame:
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
    rows = []
    used = [c for c in ("tp", "completed", "sentiment", "met_experienced") if c in ct.columns]
    for key, g in ct[used].groupby("tp", sort=True):
        tp = int(key)
        done = g["completed"].to_numpy(dtype=bool)
        n_c, n_l = int(done.sum()), int((~done).sum())
        if n_c < MIN_GROUP or n_l < MIN_GROUP:
            continue
        row: dict[str, Any] = {
            "stage": spec.stages[stage_of[tp]].name,
            "touchpoint": names[tp],
            "customers": len(g),
            "completed": n_c,
            "not_completed": n_l,
        }
        d = p_s = math.nan
        if "sentiment" in g:
            s = g["sentiment"].to_numpy(dtype="float64")
            a, b = s[done & ~np.isnan(s)], s[~done & ~np.isnan(s)]
            if a.size >= MIN_GROUP and b.size >= MIN_GROUP:
                row["sentiment_completed"] = float(a.mean())
                row["sentiment_not_completed"] = float(b.mean())
                d = cohen_d(a, b)
                if not math.isnan(d):
                    p_s = float(stats.ttest_ind(a, b, equal_var=False).pvalue)
        h = p_m = math.nan
        met = g["met_experienced"].to_numpy(dtype="float64")
        judged = ~np.isnan(met)
        if judged.any():
            miss = met[judged] == 0.0
            dj = done[judged]
            if dj.sum() >= MIN_GROUP and (~dj).sum() >= MIN_GROUP:
                m_c, m_l = float(miss[dj].mean()), float(miss[~dj].mean())
                row["miss_completed"], row["miss_not_completed"] = m_c, m_l
                h = cohen_h(m_l, m_c)
                table = [
                    [int(miss[~dj].sum()), int((~miss[~dj]).sum())],
                    [int(miss[dj].sum()), int((~miss[dj]).sum())],
                ]
                p_m = float(stats.fisher_exact(table).pvalue)
        row.update(sentiment_d=d, sentiment_p=p_s, miss_h=h, miss_p=p_m)
        if math.isnan(d) and math.isnan(h):
            continue
        rows.append(row)
    if not rows:
        return pd.DataFrame(columns=columns)
    out = pd.DataFrame(rows)
    for c in columns:
        if c not in out:
            out[c] = math.nan
    q_s = bh_adjust(out["sentiment_p"].tolist() + out["miss_p"].tolist())
    n = len(out)
    out["sentiment_q"], out["miss_q"] = q_s[:n], q_s[n:]
    d_abs = out["sentiment_d"].abs().fillna(-1)
    h_abs = out["miss_h"].abs().fillna(-1)
    by_sentiment = d_abs >= h_abs
    out["driver"] = np.where(by_sentiment, "sentiment", "target misses")
    out["effect"] = np.where(by_sentiment, out["sentiment_d"], out["miss_h"])
    out["q_value"] = np.where(by_sentiment, out["sentiment_q"], out["miss_q"])
    out["_abs"] = np.maximum(d_abs, h_abs)
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
