"""The engine protocol: a handful of verbs, each implemented once per engine.

Big data stays inside the engine; every verb returns a small Arrow table (one row per segment x
edge, per variant, per activity, per case). Everything above the engine (mining results, journey
maps, statistics, rendering) works on those tables only, so it runs unchanged on every engine.

Contract every engine keeps (the conformance tests in ``tests/test_engines.py`` check it):

- Events of a case are ordered by timestamp (or the ``order`` column), then by input row: ties keep
  input order. Results never depend on the order of rows in the input otherwise.
- Timestamps are handled as microseconds; offset-aware input is normalised to UTC, naive input is
  taken as it is, and a column that mixes the two is a ``SchemaError``.
- A row is invalid when its case id or activity is missing or blank, or its timestamp (order value)
  is missing or cannot be parsed. With ``on_invalid="raise"`` any invalid row raises
  ``InvalidRowsError``; with ``"quarantine"`` invalid rows are set aside with a reason each, and
  ``rows_read == events + invalid_rows`` always.
- Result tables have exactly the columns documented on each verb, in that order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

if TYPE_CHECKING:
    import pyarrow as pa

    from journeymine.connectors.base import Scan
    from journeymine.schema import Schema
    from journeymine.segments import Segmentation

__all__ = [
    "DURATION_BINS",
    "FILTER_KINDS",
    "JOURNEY_COMPLETION",
    "PERIOD_MODES",
    "UNION_STATS",
    "Cut",
    "CutPlan",
    "Engine",
    "EngineFactory",
    "Filter",
    "JourneyPlan",
    "JourneyTables",
    "LogStats",
    "OnInvalid",
    "Relation",
    "TargetPlan",
    "Union",
    "UnionPart",
    "UnionPlan",
    "bin_seconds",
]

OnInvalid = Literal["raise", "quarantine"]

#: bins per unit of ``ln(1 + seconds)`` in :meth:`Engine.durations`: a bin spans 1 % of ``1 + d``
DURATION_BINS = 100


def bin_seconds(bins: Any) -> Any:
    """The duration (seconds) a :meth:`Engine.durations` bin stands for: its geometric middle in
    ``1 + d``, ``exp((bin + 0.5) / 100) - 1``; bin 0 (``d`` under about 10 ms) stands for 0.

    Every duration in a bin from 1 up lies within half a bin of the value returned: ``1 + d``
    within a factor ``exp(0.005)`` (0.5 %), so a median taken from the bins is that close to the
    exact one; in bin 0 the value is 0 and the durations are under 10.05 ms. Takes an int or a
    numpy array.

    Examples
    --------
    >>> round(float(bin_seconds(0)), 6), round(float(bin_seconds(460)), 1)
    (0.0, 99.0)
    """
    import numpy as np

    b = np.asarray(bins, dtype="float64")
    out = np.where(b <= 0, 0.0, np.expm1((b + 0.5) / DURATION_BINS))
    return out if out.ndim else float(out)


@dataclass(frozen=True)
class LogStats:
    """The figures of a loaded log.

    Attributes
    ----------
    rows_read : int
        Rows in the source (``events + invalid_rows``).
    events, cases, activities : int
        Valid events, distinct cases and distinct activities.
    invalid_rows : int
        Rows set aside (see ``EventLog.quarantine``).
    timezone : {"UTC", None}
        ``"UTC"`` when the timestamps carried offsets (normalised to UTC), ``None`` when naive or
        when the log has no timestamps.
    timed : bool
        Whether the log has timestamps (``False`` for an order-only log: durations are absent).
    filtered : int
        Valid events removed by filters (:meth:`journeymine.EventLog.filter`), so that
        ``rows_read == events + invalid_rows + filtered`` always; 0 for a log as read.
    invalid_reasons : tuple of (str, int)
        The rows set aside per reason (``("empty case id", 24)``), the most frequent first; the
        counts add up to ``invalid_rows``. Counted by the engine while it loads, so that a
        summary never needs :attr:`EventLog.quarantine` (which brings every such row up).
    """

    rows_read: int
    events: int
    cases: int
    activities: int
    invalid_rows: int
    timezone: str | None
    timed: bool
    invalid_reasons: tuple[tuple[str, int], ...] = ()
    filtered: int = 0

    @staticmethod
    def count_reasons(reasons: Mapping[str, int]) -> tuple[tuple[str, int], ...]:
        """``invalid_reasons`` from a mapping of reason to rows: most frequent first, then by name.

        Examples
        --------
        >>> LogStats.count_reasons({"empty activity": 2, "empty case id": 5, "malformed line": 2})
        (('empty case id', 5), ('empty activity', 2), ('malformed line', 2))
        """
        counted = ((str(k), int(v)) for k, v in reasons.items() if v)
        return tuple(sorted(counted, key=lambda kv: (-kv[1], kv[0])))


#: what :class:`Filter` can keep
FILTER_KINDS = ("events", "cases", "period", "contains", "starts", "ends", "size", "variants")
#: how a period filter treats cases: keep the events inside, the cases entirely inside, the cases
#: that have an event inside
PERIOD_MODES = ("events", "contained", "intersecting")


@dataclass(frozen=True)
class Filter:
    """One step of :meth:`Engine.filter`: what to keep. Checked and built above the engine
    (:meth:`journeymine.EventLog.filter`); an engine may take every field as valid.

    - ``kind="events"``: the events whose ``column`` matches one of ``values``.
    - ``kind="cases"``: the cases whose value of ``column`` (a case attribute: the case's one
      value, or its first event's with a value when it varies) matches one of ``values``.
    - ``kind="period"``: by ``mode`` (:data:`PERIOD_MODES`), the events with
      ``start <= t < end``; the cases with ``start <= first`` and ``last < end``; or the cases
      with ``first < end`` and ``last >= start`` (``start`` / ``end`` in microseconds as the
      engine holds times, ``None`` for open). Only for a timed log.
    - ``kind="contains"``: the cases that contain every activity of ``values``.
    - ``kind="starts"`` / ``"ends"``: the cases whose first / last activity is one of ``values``.
    - ``kind="size"``: the cases with ``low <= events <= high`` (``None`` for open).
    - ``kind="variants"``: the ``top`` most frequent variants (by cases, ties by variant id), or
      with ``coverage`` the fewest of the most frequent variants, in that order, whose cases
      reach at least that share of all cases.

    ``negate=True`` keeps what the step would remove (``events``, ``cases``: the rest, including
    the rows or cases with no value; ``contains``: the cases that contain none of ``values``;
    ``starts``, ``ends``: the others).

    A value matches by the column's type: a text column by equal text; a numeric column (integers,
    decimals, floats) numerically (a value that is not a number matches nothing); a boolean
    column by ``"true"`` / ``"false"`` (any case). ``values`` are text.
    """

    kind: str
    column: str | None = None
    values: tuple[str, ...] = ()
    negate: bool = False
    start: int | None = None
    end: int | None = None
    mode: str = "events"
    low: int | None = None
    high: int | None = None
    top: int | None = None
    coverage: float | None = None


@dataclass(frozen=True)
class TargetPlan:
    """A touchpoint's target as :meth:`Engine.journey` judges it, per customer reaching the
    touchpoint: each part set is met (1), missed (0) or not judged (null); the target is met
    when every judged part is, and not judged when no part is (see
    :class:`~journeymine.journeymap.spec.Target`). Times count from the customer's first
    event at the touchpoint; a ref is an index into :attr:`JourneyPlan.refs`.

    Attributes
    ----------
    tp : int
        The touchpoint.
    max_events : int, optional
        Met with at most this many events there.
    to : tuple of (int, float), optional
        ``(ref, seconds)``: met when an event of the ref follows within the seconds; missed
        when none follows. For the moments of truth, not judged when none follows.
    outcome : int, optional
        A ref: met when an event of it follows (not part of the moments' judgement).
    to_next : tuple of (int, float), optional
        ``(ref, seconds)``: like ``to``, but not judged when none follows.
    """

    tp: int
    max_events: int | None = None
    to: tuple[int, float] | None = None
    outcome: int | None = None
    to_next: tuple[int, float] | None = None


#: how :meth:`Engine.journey` decides who completed the journey
JOURNEY_COMPLETION = ("outcome", "complete", "last stage")


@dataclass(frozen=True)
class JourneyPlan:
    """What :meth:`Engine.journey` computes: the figures of a journey map over the events of a
    log. Built above the engine (:func:`journeymine.journey_map` resolves names and patterns
    to activities); an engine may take every field as valid.

    Attributes
    ----------
    touchpoints : tuple of (str, int)
        Activity -> touchpoint index (from 0). Events of other activities are off the map.
    channel : str, optional
        The source column whose text is an event's channel (a missing value: ``"(none)"``).
    measures : tuple of (str, str)
        ``(key, source column)`` of numeric event columns (``sentiment``, ``nps``, ``csat``):
        numbers, or text read as numbers by one pattern (the engines' measure rule); a value
        that is not a number, and NaN, count as missing.
    ranges : tuple of (str, float, float)
        ``(key, low, high)``: the range a measure's values must lie in (``checks.outside``
        counts those that do not).
    complete : str, optional
        A boolean column (``journey_complete``): a case's first non-null value.
    outcome : tuple of str
        Activities that complete a journey.
    refs : tuple of tuple of str
        Activity sets targets wait for (see :class:`TargetPlan`): for set ``i``, whether an
        event of the set follows a customer's first event at a touchpoint, and how long after.
    stages : tuple of int
        The stage of each touchpoint, by touchpoint index (empty: one stage); the last stage
        is the largest.
    targets : tuple of TargetPlan
        The touchpoints' targets.
    completion : {"outcome", "complete", "last stage"}
        Who completed the journey: customers with an event of ``outcome``; whose first
        non-null ``complete`` value is true; who reached the last stage.
    fixed_channels : tuple of (int, str)
        Touchpoints whose events all count in one channel, whatever ``channel`` says.
    """

    touchpoints: tuple[tuple[str, int], ...]
    channel: str | None = None
    measures: tuple[tuple[str, str], ...] = ()
    ranges: tuple[tuple[str, float, float], ...] = ()
    complete: str | None = None
    outcome: tuple[str, ...] = ()
    refs: tuple[tuple[str, ...], ...] = ()
    stages: tuple[int, ...] = ()
    targets: tuple[TargetPlan, ...] = ()
    completion: str = "outcome"
    fixed_channels: tuple[tuple[int, str], ...] = ()


@dataclass(frozen=True)
class JourneyTables:
    """What :meth:`Engine.journey` returns: the figures of a journey map per segment, small
    tables whatever the number of events or customers. A customer is a case; per customer and
    touchpoint (stage, channel) the engine computes their events, time spent (the sum over
    their events there of the time to the case's next event of any kind; 0 for a case's last
    event and untimed logs), mean sentiment, target (:class:`TargetPlan`) and whether they
    continued on the map afterwards, then aggregates over the customers of each segment.
    ``segment`` is the segmentation's value (null: no value, or no segmentation).

    Attributes
    ----------
    touchpoints : pyarrow.Table
        Per segment and touchpoint reached: ``segment, tp, customers, events, time_spent_s``
        (the median over customers), ``target_customers`` (judged), ``target_met``,
        ``sentiment_customers`` (who expressed any), ``sentiment_sum, sentiment_sumsq`` (the
        sum over those customers of their mean sentiment and of its square, added up exactly
        as decimals: the same whatever order the engine adds in), ``continued`` (had a later
        event on the map), ``left`` (did not, and did not complete), ``ended_complete`` (did
        not, and completed). Ordered by segment (nulls last), tp.
    stages : pyarrow.Table
        The same per segment and stage (``stage`` for ``tp``): a customer's figures over the
        touchpoints of the stage, the target met when every judged target of the stage is.
    channels : pyarrow.Table
        Per segment, touchpoint and channel: ``segment, tp, channel, customers, events,
        time_spent_s, sentiment_customers, sentiment_sum, sentiment_sumsq``, then
        ``target_customers, target_met`` of the customers whose first event there was in the
        channel. Empty without ``plan.channel`` and ``plan.fixed_channels``; without
        ``plan.channel`` every event not fixed is in ``"(none)"``. Ordered by segment, tp,
        channel.
    moments : pyarrow.Table
        Per touchpoint and completion: ``tp, completed, customers, sentiment_customers,
        sentiment_sum, sentiment_sumsq, judged, misses`` (the target as the moments of truth
        judge it: see :class:`TargetPlan`). Over all segments. Ordered by tp, completed.
    segments : pyarrow.Table
        Per segment: ``segment, customers, completed``, then per score (``nps``, ``csat``;
        each customer's last value by position): ``nps_respondents, nps_promoters`` (9 or
        more), ``nps_detractors`` (6 or less), ``csat_respondents, csat_good`` (4 or more).
        Ordered by segment.
    transitions : pyarrow.Table
        Between consecutive events on the map (events off the map in between are skipped):
        ``source, target`` (touchpoints), ``transitions``, ``customers`` (distinct cases).
        Ordered by source, target.
    checks : pyarrow.Table
        Per measure: ``key, kind`` (``"number"``, ``"text"``, ``"bool"``, ``"other"``),
        ``not_numbers`` (non-blank text values that are not numbers), ``example`` (the
        smallest of them), ``low, high`` (the smallest and largest number), ``outside`` (the
        numbers outside the key's range in ``plan.ranges``; 0 without one).
    """

    touchpoints: pa.Table
    stages: pa.Table
    channels: pa.Table
    moments: pa.Table
    segments: pa.Table
    transitions: pa.Table
    checks: pa.Table


@dataclass(frozen=True)
class CutPlan:
    """What :meth:`Engine.cut` does: cut each case of a log into journeys. Built above the
    engine (:func:`journeymine.cut_journeys` resolves names and patterns to activities).

    Attributes
    ----------
    gap_us : int, optional
        A journey ends when more than this many microseconds pass between two events of the
        case (a timed log only).
    starts : tuple of str, optional
        Activities that open a journey; events before one are outside every journey. ``None``:
        every event opens one when none is open.
    ends : tuple of str, optional
        Activities that complete a journey (they belong to it).
    select : {"all", "first", "last"} or int
        Which journeys of each case to keep: all, the first, the last, or the n-th (from 0).
    """

    gap_us: int | None = None
    starts: tuple[str, ...] | None = None
    ends: tuple[str, ...] | None = None
    select: str | int = "all"


@dataclass(frozen=True)
class Cut:
    """What :meth:`Engine.cut` returns.

    Attributes
    ----------
    relation : Relation or None
        The journeys kept, one case per journey (``None`` when none is kept): a relation like
        a loaded log whose case column is ``journey`` (``"<case>#<n>"``), with the source's
        columns and ``journey_index`` (n), ``journey_ended_by`` (``"end"``, ``"gap"`` or
        ``"data"``) and, when the plan has ends, ``journey_complete``. Its stats count its own
        events (``rows_read``: the events kept; nothing set aside or filtered).
    journeys, selected, complete, events_in, events_outside : int
        Journeys found, journeys kept, kept journeys ended by an end, events kept and events
        not kept.
    outside_activities : tuple of str
        The activities of the events not kept, sorted.
    """

    relation: Relation | None
    journeys: int
    selected: int
    complete: int
    events_in: int
    events_outside: int
    outside_activities: tuple[str, ...] = ()


@dataclass(frozen=True)
class UnionPart:
    """One source of :meth:`Engine.union`.

    Attributes
    ----------
    name : str
        The source's name (the ``source`` column; the channel when it has none).
    relation : Relation
        Its events, on the engine doing the union.
    zone : str, optional
        The IANA time zone its times (without an offset) are in: converted to UTC.
    columns : tuple of (str, str)
        ``(source column, output name)`` of the source's other columns kept.
    """

    name: str
    relation: Any
    zone: str | None = None
    columns: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class UnionPlan:
    """What :meth:`Engine.union` does: one log of customers from several sources.

    Attributes
    ----------
    parts : tuple of UnionPart
        The sources in priority order (ties in time keep this order; of two sources that
        recorded the same event, the first keeps it).
    identities : pyarrow.Table, optional
        ``source, id, customer`` (text): the customer of each source id. Without it the
        sources share one id space (the customer is the id).
    unmatched : {"keep", "aside"}
        Ids ``identities`` does not map: their own customers (``"<source>:<id>"``) or set aside.
    duplicates : {"drop", "keep"}
        Events an earlier source also recorded (same customer, activity and time).
    utc : bool
        The combined times are UTC instants (every source is in UTC or given a zone).
    """

    parts: tuple[UnionPart, ...]
    identities: Any = None
    unmatched: str = "keep"
    duplicates: str = "drop"
    utc: bool = True


#: the per-source counts of :attr:`Union.sources`, in order
UNION_STATS = (
    "source",
    "events",
    "ids",
    "matched_ids",
    "unmatched_ids",
    "unmatched_events",
    "duplicates",
    "events_kept",
)


@dataclass(frozen=True)
class Union:
    """What :meth:`Engine.union` returns.

    Attributes
    ----------
    relation : Relation or None
        The combined log (``None`` when every event was set aside): columns ``customer,
        activity, timestamp, channel, source, source_id``, then the parts' columns (missing
        values null; a column whose types differ between sources as text).
    sources : pyarrow.Table
        Per source, in order: ``source, events, ids, matched_ids, unmatched_ids,
        unmatched_events, duplicates, events_kept``.
    unmatched : pyarrow.Table
        Per id the identities do not map: ``source, id, events`` (by source, then id).
    duplicates, set_aside : int
        Events an earlier source recorded too; events set aside (unmatched ids).
    handle : object
        The engine's own handle for :meth:`Engine.union_rows`.
    """

    relation: Relation | None
    sources: pa.Table
    unmatched: pa.Table
    duplicates: int
    set_aside: int
    handle: Any = None


class Relation(Protocol):
    """An engine's handle on one loaded, validated log. Opaque above the engine."""

    stats: LogStats
    columns: tuple[str, ...]


@runtime_checkable
class Engine(Protocol):
    """What an engine implements. All verbs take the relation ``load`` returned."""

    name: str

    def load(self, scan: Scan, schema: Schema, *, on_invalid: OnInvalid) -> Relation:
        """Read, validate and prepare a log: ordered by (case, time, row), dictionary-encoded.

        Built once per log and reused by every verb below.
        """
        ...

    def filter(self, rel: Relation, step: Filter) -> Relation:
        """A new relation over the events of ``rel`` that ``step`` keeps; ``rel`` is unchanged.

        Lazy where the engine can be (no copy of the events), and prepared like a loaded log:
        every verb works on it, in the canonical order, with its own ``stats`` (events, cases
        and activities recounted; ``rows_read``, ``invalid_rows`` and ``invalid_reasons`` those
        of the source; ``filtered`` adds the events this step removed). Its quarantine is that
        of ``rel``. A step may keep nothing (``stats.events == 0``): the caller reports it."""
        ...

    def quarantine(self, rel: Relation) -> pa.Table:
        """The rows set aside: ``row``, ``line`` (or null), ``reason``, ``column``, ``value``,
        ``detail`` (the reader's message, for malformed lines), then the source columns as read,
        in input order."""
        ...

    def case_attributes(self, rel: Relation) -> list[str]:
        """Source columns (other than case, activity, timestamp, order) with at most one distinct
        non-null value in every case."""
        ...

    def quantiles(self, rel: Relation, column: str, probs: Sequence[float]) -> list[float | None]:
        """Quantiles (nearest actual value) of a numeric case attribute over cases."""
        ...

    def dfg(self, rel: Relation, *, by: Segmentation | None) -> pa.Table:
        """Directly-follows edges: ``segment, source, target, count, cases, mean_s, median_s,
        p90_s`` (durations null for an untimed log)."""
        ...

    def activities(self, rel: Relation, *, by: Segmentation | None) -> pa.Table:
        """Per activity: ``segment, activity, events, cases, start, end`` (start/end: cases that
        begin/finish with it)."""
        ...

    def activity_channels(self, rel: Relation, *, by: Segmentation | None) -> pa.Table:
        """Events per segment, activity and channel: ``segment, activity, channel, events``,
        ordered by segment (nulls last), activity, channel (nulls last). ``channel`` is the
        mapped channel column as text, null where it is missing or blank. Without a mapped
        channel the table is empty (with those columns)."""
        ...

    def rarest_edges(self, rel: Relation, *, by: Segmentation | None) -> pa.Table:
        """Cases by their rarest transition: ``segment, source, target, cases``.

        Edges of a segment are ranked by transitions (descending), then source, then target (by
        code point); a case counts towards the lowest-ranked edge it contains. So the cases a
        process map loses when it hides an edge and every edge ranked below it are the sum over
        those edges. Cases with a single event count nowhere. Ordered by segment (nulls last),
        source, target."""
        ...

    def variants(self, rel: Relation, *, by: Segmentation | None, top: int | None) -> pa.Table:
        """Per variant: ``segment, variant (list of activities), variant_id, events, cases, share,
        median_duration_s``; with ``top``, the ``top`` most frequent per segment (ties by id)."""
        ...

    def paths(self, rel: Relation, *, by: Segmentation | None, measure: str | None) -> pa.Table:
        """Per segment and path (a case's activities with the channel of each event, in order):
        ``segment, path_id, variant_id, activities, channels, cases, durations_s, gaps_s,
        measure_n, measure_sum, measure_sq, case_measure``.

        What the improvement heuristics and reverse thinking work on: computed once per path and
        weighted by its cases, with the case-level outcomes a confidence interval needs.

        - ``activities`` (list of str) and ``channels`` (list of str, an element null where the
          channel is missing or blank; every element null without a mapped channel), one element
          per event.
        - ``variant_id`` is the variant's id as :meth:`variants` gives it; ``path_id`` the MD5 of
          the activity names joined by U+001F, then U+001E, then the channels (a null as the
          empty text) joined by U+001F: the same on every engine.
        - ``durations_s`` (list of float): each case's duration in seconds, ascending; null for
          an untimed log. ``gaps_s`` (list of float, one shorter than ``activities``): the mean
          seconds from event ``i`` to event ``i + 1`` over the path's cases; null untimed.
        - ``measure`` names a numeric event column (sentiment, say). Per event position,
          ``measure_n`` (list of int) counts the cases with a value there and ``measure_sum`` /
          ``measure_sq`` (lists of float) add up the values and their squares; ``case_measure``
          (list of float) holds the mean value of each case that has one, ascending (empty
          when no case of the path has one). NaN counts as missing. All four are null without a
          measure. A column that is not numeric is a
          :class:`~journeymine.errors.SchemaError`.

        Ordered by segment (nulls last), cases (descending), path_id. Sums and means are added
        up per path in one documented order (cases by duration, then id; left to right from 0.0),
        so the figures are the same to the bit on every engine and for any order of input rows.
        """
        ...

    def durations(self, rel: Relation, *, by: Segmentation | None) -> pa.Table:
        """Histograms of durations per segment, of whole cases and of each transition:
        ``segment, source, target, bin, count``.

        What comparisons of durations work on (medians, bootstrap intervals, rank tests), in a
        size that does not grow with the log: a duration ``d`` in seconds (microseconds / 1e6,
        as a double) falls in ``bin = floor(ln(1 + d) * DURATION_BINS)`` (an int32; 0 for
        ``d = 0``), so a bin spans 1 % of ``1 + d``; :func:`bin_seconds` gives the value a bin
        stands for. ``count`` (int64) is the number of cases or transitions in the bin.

        - Rows with ``source`` and ``target`` null hold the case durations (last event minus
          first; 0 for a case with one event): one count per case.
        - Other rows hold the transitions ``source -> target`` (the time from an event to the
          next one of its case): one count per transition, so a case that repeats a transition
          counts once per repetition.

        Ordered by segment (nulls last), source and target (nulls first, then by code point),
        bin. Empty (with those columns) for a log without timestamps."""
        ...

    def cases(self, rel: Relation, *, by: Segmentation | None, attributes: Mapping[str, str]) -> pa.Table:
        """One row per case: ``case, segment, events, start, end, duration_s, variant_id``, then
        the case attributes, as ``{output name: source column}``. ``start`` and ``end`` are
        timestamps without a zone (UTC when ``stats.timezone`` is ``"UTC"``)."""
        ...

    def journey(self, rel: Relation, plan: JourneyPlan, *, by: Segmentation | None = None) -> JourneyTables:
        """The figures of a journey map per segment of ``by`` (see :class:`JourneyPlan` and
        :class:`JourneyTables`): what :func:`journeymine.journey_map` needs, computed inside
        the engine. ``journeymine.engines.plans`` writes the plan once as SQL (DuckDB's
        dialect, transpiled for Spark with SQLGlot) over a relation of the events the engine
        provides."""
        ...

    def cut(self, rel: Relation, plan: CutPlan) -> Cut:
        """Cut every case of ``rel`` into journeys (see :class:`CutPlan` and :class:`Cut`);
        ``rel`` is unchanged. ``journeymine.engines.plans.cut_sql`` writes the cut once as SQL
        over the events."""
        ...

    def cut_outside(self, rel: Relation, plan: CutPlan, *, columns: Sequence[str] = ()) -> pa.Table:
        """The events of ``rel`` that ``cut(rel, plan)`` does not keep, as :meth:`events` gives
        them (``case, activity, timestamp, position``, ``channel``, then ``columns``), after a
        first column ``reason``: ``"before a start"``, ``"after an end"`` or ``"not
        selected"``. Ordered by case and position; for inspection (they may be many)."""
        ...

    def union(self, plan: UnionPlan) -> Union:
        """Combine the sources of ``plan`` into one log of customers (see :class:`UnionPlan`
        and :class:`Union`), inside the engine: ids mapped through the identity table, naive
        times converted from their zone, the events two sources recorded found. Raises a
        :class:`~journeymine.errors.SchemaError` for a local time that does not exist or is
        ambiguous in its source's zone."""
        ...

    def union_rows(self, handle: Any, which: str) -> pa.Table:
        """Events of a union, for inspection: ``"duplicates"`` (``source, source_id, customer,
        activity, timestamp, first_source``) or ``"set_aside"`` (``source, source_id,
        activity, timestamp, channel``, then the parts' columns)."""
        ...

    def events(self, rel: Relation, *, columns: Sequence[str] = ()) -> pa.Table:
        """The valid events in canonical order: ``case, activity, timestamp, position`` (and
        ``channel`` when mapped), then the named source columns. For small logs and interop."""
        ...


class EngineFactory(Protocol):
    """Registered with ``journeymine_register_engines``; creates the engine on first use."""

    name: str

    def create(self, **settings: Any) -> Engine:
        """Return a new engine with the given settings."""
        ...
