"""Engine verbs written once: a verb's plan as SQL text, run by every SQL engine.

The journey verb (:meth:`journeymine.engines.base.Engine.journey`) is a few window functions
and group-bys over the events: the same text serves DuckDB (whose dialect it is written in) and
Spark (transpiled with `SQLGlot <https://sqlglot.com>`_, ``pip install 'journeymine[spark]'``).
An engine provides the events as a relation with the columns

- ``c`` (case id, text), ``a`` (activity label, text), ``t`` (microseconds, or null for an
  untimed log), ``o`` (the order value, or null), ``r`` (input row, unique), and
- the source columns the plan needs, under the names :func:`journey_inputs` gives
  (``ch`` for the channel, ``m_<key>`` per measure, ``done`` for the completion flag),

and runs :attr:`JourneySQL.events` once (a table of the events with their touchpoint, stage,
position and window figures), makes the per-customer tables over it (per case; per case x
touchpoint with targets, progress and mean sentiment; per case x touchpoint x channel), then
the figure queries, which return tables per segment x touchpoint (stage, channel): their size
does not grow with the events or the customers. Above the engine, the figures of a map are
shares, intervals and tests from those counts, medians and sums (``scipy.stats`` from moments).

What was measured (issue 12): on DuckDB the text runs as written, so its speed is DuckDB's own;
transpiling takes milliseconds. Written per engine by hand, the same verb would be about 300
more lines on each engine, the way the older verbs are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from journeymine.engines.base import JOURNEY_COMPLETION

if TYPE_CHECKING:
    from journeymine.engines.base import CutPlan, JourneyPlan

__all__ = [
    "NUMBER",
    "PER_CASE",
    "JourneySQL",
    "cut_sql",
    "journey_inputs",
    "journey_sql",
    "kind_of",
    "to_dialect",
    "union_kinds",
]

#: numbers as text, the one pattern both engines read alike (a plain cast differs: '1_000' is a
#: number to DuckDB, '1d' to Spark); also in ``engines/spark.py`` and ``duckdb.py``
NUMBER = r"\s*([+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|[+-]?(?i:inf|infinity)|(?i:nan))\s*"

#: the SQL name of the events relation the engine provides, and of the table ``events`` makes
SOURCE, EVENTS = "__jm_ev", "__jm_je"


def journey_inputs(plan: JourneyPlan) -> dict[str, str]:
    """The source columns the plan reads: ``{name in the events relation: source column}``."""
    out: dict[str, str] = {}
    if plan.channel is not None:
        out["ch"] = plan.channel
    for key, column in plan.measures:
        out[f"m_{key}"] = column
    if plan.complete is not None:
        out["done"] = plan.complete
    return out


def kind_of(sql_type: str) -> str:
    """``"number"``, ``"text"``, ``"bool"`` or ``"other"`` for a DuckDB or Spark type name."""
    t = sql_type.strip().lower()
    if t in ("varchar", "string", "text") or t.startswith(("varchar(", "char(")):
        return "text"
    if t in ("boolean", "bool"):
        return "bool"
    numbers = {"tinyint", "smallint", "integer", "int", "bigint", "hugeint", "float", "double", "real"}
    numbers |= {"u" + n for n in ("tinyint", "smallint", "integer", "bigint", "hugeint")}
    if t in numbers or t.startswith("decimal") or t in ('"null"', "null", "void"):
        return "number"
    return "other"


@dataclass(frozen=True)
class JourneySQL:
    """The journey verb as SQL (DuckDB's dialect), in three steps:

    1. ``events`` builds the events table (named :data:`EVENTS`) from the events relation
       (:data:`SOURCE`): each event with its touchpoint ``tp``, stage ``st``, position ``p``
       and window figures;
    2. per customer, over the events table (or a view of some of its cases: the three may run
       a range of cases at a time): ``cases`` (one row per case: ``c, segment, done, lm``, the
       scores), then ``touchpoints`` (per case x touchpoint, joined to the cases table:
       ``events``, ``dwell_us``, ``met``, ``met_exp``, ``cont``, ``sentiment``, ...) and
       ``channels`` (per case x touchpoint x channel);
    3. the figures, each a small table over those three tables: ``tp_figures``,
       ``stage_figures``, ``channel_figures``, ``moments``, ``segments``; ``transitions``
       reads the events table, ``checks`` the relation.
    """

    events: str
    cases: str
    touchpoints: str
    channels: str
    tp_figures: str
    stage_figures: str
    channel_figures: str
    moments: str
    segments: str
    transitions: str
    checks: str


#: the names of the per-customer tables of step 2 (see :class:`JourneySQL`), per call suffixed
PER_CASE = ("__jm_jc", "__jm_jx", "__jm_jh")


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _in(column: str, values: Sequence[str]) -> str:
    if not values:
        return "false"
    return f"{column} IN ({', '.join(_lit(v) for v in values)})"


def _ref_hit(names: Sequence[str], touchpoints: Sequence[tuple[str, int]]) -> str:
    """SQL: whether an event (``ev.a``, its touchpoint ``m.mtp``) is one of ``names``. A set
    that is whole touchpoints of the map (a target waiting for a touchpoint, or for any other
    one) is tested on the touchpoint's number, not on a list of names: a ref of every other
    touchpoint on a large map is hundreds of names, and this test runs on every event."""
    wanted = set(names)
    by_tp: dict[int, set[str]] = {}
    for a, tp in touchpoints:
        by_tp.setdefault(int(tp), set()).add(a)
    whole = sorted(tp for tp, acts in by_tp.items() if acts <= wanted)
    if wanted and set().union(*(by_tp[tp] for tp in whole)) == wanted:
        rest = sorted(set(by_tp) - set(whole))
        if len(rest) < len(whole):
            others = f" AND m.mtp NOT IN ({', '.join(map(str, rest))})" if rest else ""
            return f"(m.mtp IS NOT NULL{others})"
        return f"(m.mtp IN ({', '.join(map(str, whole))}))"
    return _in("ev.a", names)


def _is_number(column: str) -> str:
    # a partial match anchored at both ends (RE2 in DuckDB, java.util.regex in Spark's RLIKE)
    return f"regexp_matches({column}, {_lit('^(?:' + NUMBER + ')$')})"


def _number(column: str, kind: str) -> str:
    """SQL: the column as a DOUBLE, NaN and what is no number as null."""
    if kind == "text":
        value = f"CASE WHEN {_is_number(column)} THEN CAST(trim({column}) AS DOUBLE) END"
    elif kind == "number":
        value = f"CAST({column} AS DOUBLE)"
    else:
        return "CAST(NULL AS DOUBLE)"
    return f"CASE WHEN isnan({value}) THEN NULL ELSE {value} END"


def _flag(column: str, kind: str) -> str:
    if kind == "bool":
        return column
    if kind == "number":
        return f"CASE WHEN {column} IS NULL THEN NULL ELSE {column} <> 0 END"
    if kind == "text":
        return (
            f"CASE WHEN {column} IS NULL OR trim({column}) = '' THEN NULL "
            f"ELSE lower(trim({column})) IN ('true', '1', 'yes') END"
        )
    return "CAST(NULL AS BOOLEAN)"


def _met(plan: JourneyPlan, experienced: bool) -> str:
    """SQL over a customer x touchpoint row: 1.0 (the target met), 0.0 (missed), null (no
    target, or not judged); ``experienced``: as the moments of truth judge it (see
    :class:`~journeymine.engines.base.TargetPlan`)."""

    def gap(ref: int) -> str:
        return f"CASE WHEN next{int(ref)} THEN CAST(next{int(ref)}_us AS DOUBLE) / 1e6 END"

    whens = []
    for t in plan.targets:
        parts = []
        if t.max_events is not None:
            parts.append(f"CASE WHEN events <= {int(t.max_events)} THEN 1.0 ELSE 0.0 END")
        if t.to is not None:
            g, limit = gap(t.to[0]), repr(float(t.to[1]))
            missing = "NULL" if experienced else "0.0"
            parts.append(f"CASE WHEN {g} IS NULL THEN {missing} WHEN {g} <= {limit} THEN 1.0 ELSE 0.0 END")
        if t.outcome is not None and not experienced:
            parts.append(f"CASE WHEN next{int(t.outcome)} THEN 1.0 ELSE 0.0 END")
        if t.to_next is not None:
            g, limit = gap(t.to_next[0]), repr(float(t.to_next[1]))
            parts.append(f"CASE WHEN {g} IS NULL THEN NULL WHEN {g} <= {limit} THEN 1.0 ELSE 0.0 END")
        if parts:
            # LEAST skips nulls on both engines: the worst judged part, null when none is
            value = parts[0] if len(parts) == 1 else f"least({', '.join(parts)})"
            whens.append(f"WHEN tp = {int(t.tp)} THEN {value}")
    if not whens:
        return "CAST(NULL AS DOUBLE)"
    return f"CAST(CASE {' '.join(whens)} END AS DOUBLE)"


#: sentiment is added up as decimals: a sum of doubles depends on the order the engine adds
#: them in (threads, partitions), one of decimals does not, so the figures are the same on
#: every run. Twelve decimals; values must lie within +-1e9 (``SENTIMENT_LIMIT``)
EXACT = "DECIMAL(38, 12)"
SENTIMENT_LIMIT = 1e9

#: per group of customers: their number, events and median time spent; the number of those
#: with a sentiment, the sum of their mean sentiment and of its square
_SPREAD = (
    "CAST(count(*) AS BIGINT) AS customers, CAST(sum(events) AS BIGINT) AS events, "
    "CAST(median(CAST(dwell_us AS DOUBLE) / 1e6) AS DOUBLE) AS time_spent_s"
)
_SENTIMENT = (
    "CAST(count(sentiment) AS BIGINT) AS sentiment_customers, "
    f"CAST(sum(CAST(sentiment AS {EXACT})) AS DOUBLE) AS sentiment_sum, "
    f"CAST(sum(CAST(sentiment * sentiment AS {EXACT})) AS DOUBLE) AS sentiment_sumsq"
)
_TARGET = (
    "CAST(count(met) AS BIGINT) AS target_customers, "
    "CAST(coalesce(sum(CASE WHEN met = 1.0 THEN 1 ELSE 0 END), 0) AS BIGINT) AS target_met"
)
_PROGRESS = (
    "CAST(sum(CASE WHEN cont THEN 1 ELSE 0 END) AS BIGINT) AS continued, "
    'CAST(sum(CASE WHEN NOT cont AND NOT done THEN 1 ELSE 0 END) AS BIGINT) AS "left", '
    "CAST(sum(CASE WHEN NOT cont AND done THEN 1 ELSE 0 END) AS BIGINT) AS ended_complete"
)


def journey_sql(
    plan: JourneyPlan,
    *,
    order: Sequence[str],
    kinds: Mapping[str, str],
    source: str = SOURCE,
    events: str = EVENTS,
    segments: str | None = None,
    tables: Sequence[str] = PER_CASE,
    cases_of: str | None = None,
) -> JourneySQL:
    """The journey verb's SQL for a plan.

    Parameters
    ----------
    plan : JourneyPlan
        What to compute.
    order : sequence of str
        The order of a case's events in the events relation: ``["t", "r"]``, ``["t", "o",
        "r"]`` or ``["o", "r"]`` (only the keys the log has).
    kinds : mapping
        Per input of :func:`journey_inputs`, its :func:`kind_of`.
    source, events : str
        The names of the events relation and of the events table (or of a view of some of its
        cases, for step 2) (unique per call where several may run at once).
    segments : str, optional
        A relation ``(c, segment)``: each case's segment (a case without a row has none).
    tables : sequence of three str
        The names of the cases, touchpoints and channels tables of step 2.
    cases_of : str, optional
        What step 2's touchpoints and channels join to for the cases (the cases table by
        default; a query over it that keeps the cases of a batch).

    Examples
    --------
    >>> from journeymine.engines.base import JourneyPlan
    >>> sql = journey_sql(JourneyPlan(touchpoints=(("Visit", 0),)), order=["t", "r"], kinds={})
    >>> "row_number() OVER (PARTITION BY c ORDER BY t, r)" in sql.events
    True
    """
    cc, cx, ch_table = tables
    joined = cases_of or cc
    keys = ", ".join(order)
    w = f"(PARTITION BY c ORDER BY {keys})"
    later = f"(PARTITION BY c ORDER BY {keys} ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING)"
    stage_of = dict(enumerate(plan.stages))
    if plan.touchpoints:
        values = ", ".join(
            f"({_lit(a)}, {int(tp)}, {int(stage_of.get(int(tp), 0))})" for a, tp in plan.touchpoints
        )
        mapping = f"(SELECT * FROM (VALUES {values}) AS m(ma, mtp, mst))"
    else:
        mapping = (
            "(SELECT CAST(NULL AS VARCHAR) AS ma, CAST(NULL AS INTEGER) AS mtp, "
            "CAST(NULL AS INTEGER) AS mst WHERE false)"
        )
    cols = [
        "ev.c",
        "ev.a",
        "ev.t",
        "CAST(m.mtp AS INTEGER) AS tp",
        "CAST(m.mst AS INTEGER) AS st",
        f"CAST(row_number() OVER {w} AS BIGINT) AS p",
        f"CAST(lead(ev.t) OVER {w} - ev.t AS BIGINT) AS dwell",
    ]
    timed = "t" in order
    for i, names in enumerate(plan.refs):
        hit = _ref_hit(names, plan.touchpoints)
        next_t = f"min(CASE WHEN {hit} THEN ev.t END) OVER {later}"
        cols.append(f"{next_t} AS nt{i}")
        if timed:  # every event has a time: one follows when its time does
            cols.append(f"CASE WHEN {next_t} IS NULL THEN 0 ELSE 1 END AS nx{i}")
        else:
            cols.append(f"max(CASE WHEN {hit} THEN 1 ELSE 0 END) OVER {later} AS nx{i}")
    has_channel = plan.channel is not None
    with_channels = has_channel or bool(plan.fixed_channels)
    if has_channel:
        channel = "CASE WHEN ev.ch IS NULL THEN '(none)' ELSE CAST(ev.ch AS VARCHAR) END"
    else:
        channel = "'(none)'" if with_channels else "CAST(NULL AS VARCHAR)"
    if plan.fixed_channels:
        fixed = " ".join(f"WHEN {int(tp)} THEN {_lit(name)}" for tp, name in plan.fixed_channels)
        channel = f"CASE m.mtp {fixed} ELSE {channel} END"
    cols.append(f"{channel} AS ch")
    measures = [key for key, _ in plan.measures]
    for key in measures:
        cols.append(f"{_number(f'ev.m_{key}', kinds.get(f'm_{key}', 'other'))} AS m_{key}")
    if "sentiment" not in measures:
        cols.append("CAST(NULL AS DOUBLE) AS m_sentiment")
    if plan.complete is not None:
        cols.append(f"{_flag('ev.done', kinds.get('done', 'other'))} AS done")
    events_sql = f"SELECT {', '.join(cols)} FROM {source} ev LEFT JOIN {mapping} m ON m.ma = ev.a"

    # -- step 2: per customer ------------------------------------------------------------
    last_stage = max(plan.stages, default=0)
    case_cols = [
        "c",
        f"coalesce(bool_or({_in('a', plan.outcome)}), false) AS outcome",
        "arg_min(done, p) FILTER (WHERE done IS NOT NULL) AS complete"
        if plan.complete is not None
        else "CAST(NULL AS BOOLEAN) AS complete",
        "max(CASE WHEN tp IS NOT NULL THEN p END) AS lm",
        f"coalesce(bool_or(st = {int(last_stage)}), false) AS rl",
    ]
    scores = [key for key in measures if key != "sentiment"]
    for key in scores:
        case_cols.append(f"arg_max(m_{key}, p) FILTER (WHERE m_{key} IS NOT NULL) AS {key}")
    done = {"outcome": "k.outcome", "complete": "coalesce(k.complete, false)", "last stage": "k.rl"}.get(
        plan.completion
    )
    if done is None:
        rules = ", ".join(map(repr, JOURNEY_COMPLETION))
        raise ValueError(f"JourneyPlan.completion is {plan.completion!r}; use one of {rules}")
    seg_join = f" LEFT JOIN {segments} s ON s.c = k.c" if segments else ""
    seg_col = "s.segment" if segments else "CAST(NULL AS VARCHAR) AS segment"
    cases = (
        f"SELECT k.c, {seg_col}, {done} AS done, k.lm"
        + "".join(f", k.{key}" for key in scores)
        + f" FROM (SELECT {', '.join(case_cols)} FROM {events} GROUP BY c) AS k{seg_join}"
    )
    figures = (
        "CAST(count(*) AS BIGINT) AS events, CAST(coalesce(sum(dwell), 0) AS BIGINT) AS dwell_us, "
        "CAST(count(m_sentiment) AS BIGINT) AS sentiment_n, "
        # a value out of range is an error above the engine (checks.outside), never a failed cast
        f"CAST(sum(CAST(CASE WHEN abs(m_sentiment) <= {SENTIMENT_LIMIT!r} THEN m_sentiment END AS {EXACT})) "
        f"AS {EXACT}) AS sentiment_sum"
    )
    nexts = "".join(
        f", arg_min(nx{i}, p) = 1 AS next{i}, CAST(arg_min(nt{i}, p) - min(t) AS BIGINT) AS next{i}_us"
        for i in range(len(plan.refs))
    )
    per_tp = (
        f"SELECT c, tp, min(st) AS st, {figures}, CAST(max(p) AS BIGINT) AS last_pos, "
        f"arg_min(ch, p) AS channel{nexts} FROM {events} WHERE tp IS NOT NULL GROUP BY c, tp"
    )
    mean = "CASE WHEN y.sentiment_n > 0 THEN CAST(y.sentiment_sum AS DOUBLE) / y.sentiment_n END"
    touchpoints = (
        "SELECT z.*, " + _met(plan, False) + " AS met, " + _met(plan, True) + " AS met_exp FROM ("
        f"SELECT y.*, k.segment, k.done, k.lm, y.last_pos < k.lm AS cont, {mean} AS sentiment "
        f"FROM ({per_tp}) AS y JOIN {joined} k ON k.c = y.c) AS z"
    )
    per_channel = (
        f"SELECT c, tp, ch AS channel, {figures} FROM {events} "
        f"WHERE tp IS NOT NULL{'' if with_channels else ' AND false'} GROUP BY c, tp, ch"
    )
    channels = (
        f"SELECT k.segment, y.tp, y.channel, y.events, y.dwell_us, {mean} AS sentiment "
        f"FROM ({per_channel}) AS y JOIN {joined} k ON k.c = y.c"
    )

    # -- step 3: the figures ---------------------------------------------------------------
    tp_figures = (
        f"SELECT segment, tp, {_SPREAD}, {_TARGET}, {_SENTIMENT}, {_PROGRESS} FROM {cx} "
        "GROUP BY segment, tp ORDER BY segment NULLS LAST, tp"
    )
    stage_rows = (
        "SELECT c, st, segment, done, sum(events) AS events, sum(dwell_us) AS dwell_us, "
        "max(last_pos) < max(lm) AS cont, min(met) AS met, CASE WHEN sum(sentiment_n) > 0 THEN "
        "CAST(sum(sentiment_sum) AS DOUBLE) / sum(sentiment_n) END AS sentiment "
        f"FROM {cx} GROUP BY c, st, segment, done"
    )
    stage_figures = (
        f"SELECT segment, st AS stage, {_SPREAD}, {_TARGET}, {_SENTIMENT}, {_PROGRESS} FROM ({stage_rows}) "
        "AS y GROUP BY segment, st ORDER BY segment NULLS LAST, stage"
    )
    channel_figures = (
        f"SELECT f.*, coalesce(g.target_customers, 0) AS target_customers, "
        f"coalesce(g.target_met, 0) AS target_met FROM (SELECT segment, tp, channel, {_SPREAD}, "
        f"{_SENTIMENT} FROM {ch_table} GROUP BY segment, tp, channel) AS f LEFT JOIN ("
        f"SELECT segment, tp, channel, {_TARGET} FROM {cx} WHERE met IS NOT NULL "
        "GROUP BY segment, tp, channel) AS g ON g.segment IS NOT DISTINCT FROM f.segment AND g.tp = f.tp "
        "AND g.channel = f.channel ORDER BY f.segment NULLS LAST, f.tp, f.channel"
    )
    moments = (
        f"SELECT tp, done AS completed, CAST(count(*) AS BIGINT) AS customers, {_SENTIMENT}, "
        "CAST(count(met_exp) AS BIGINT) AS judged, "
        f"CAST(coalesce(sum(CASE WHEN met_exp = 0.0 THEN 1 ELSE 0 END), 0) AS BIGINT) AS misses FROM {cx} "
        "GROUP BY tp, done ORDER BY tp, completed"
    )
    seg_cols = ["segment", "CAST(count(*) AS BIGINT) AS customers"]
    seg_cols.append("CAST(sum(CASE WHEN done THEN 1 ELSE 0 END) AS BIGINT) AS completed")
    if "nps" in scores:
        seg_cols += [
            "CAST(count(nps) AS BIGINT) AS nps_respondents",
            "CAST(coalesce(sum(CASE WHEN nps >= 9 THEN 1 ELSE 0 END), 0) AS BIGINT) AS nps_promoters",
            "CAST(coalesce(sum(CASE WHEN nps <= 6 THEN 1 ELSE 0 END), 0) AS BIGINT) AS nps_detractors",
        ]
    if "csat" in scores:
        seg_cols += [
            "CAST(count(csat) AS BIGINT) AS csat_respondents",
            "CAST(coalesce(sum(CASE WHEN csat >= 4 THEN 1 ELSE 0 END), 0) AS BIGINT) AS csat_good",
        ]
    segments_sql = f"SELECT {', '.join(seg_cols)} FROM {cc} GROUP BY segment ORDER BY segment NULLS LAST"
    transitions = (
        "SELECT tp AS source, nxt AS target, CAST(count(*) AS BIGINT) AS transitions, "
        "CAST(count(DISTINCT c) AS BIGINT) AS customers FROM (SELECT c, tp, lead(tp) OVER "
        f"(PARTITION BY c ORDER BY p) AS nxt FROM {events} WHERE tp IS NOT NULL) "
        "WHERE nxt IS NOT NULL GROUP BY tp, nxt ORDER BY source, target"
    )
    return JourneySQL(
        events=events_sql,
        cases=cases,
        touchpoints=touchpoints,
        channels=channels,
        tp_figures=tp_figures,
        stage_figures=stage_figures,
        channel_figures=channel_figures,
        moments=moments,
        segments=segments_sql,
        transitions=transitions,
        checks=_checks_sql(plan, kinds, source),
    )


def _checks_sql(plan: JourneyPlan, kinds: Mapping[str, str], source: str) -> str:
    """Per measure: its kind, values that are no numbers, the range (see ``JourneyTables``)."""
    checks = []
    for key, _ in plan.measures:
        kind = kinds.get(f"m_{key}", "other")
        x = f"m_{key}"
        number = _number(x, kind)
        if kind == "text":
            bad = f"{x} IS NOT NULL AND trim({x}) <> '' AND NOT {_is_number(x)}"
            counted = f"CAST(count(*) FILTER (WHERE {bad}) AS BIGINT), min({x}) FILTER (WHERE {bad})"
        else:
            counted = "CAST(0 AS BIGINT), CAST(NULL AS VARCHAR)"
        bounds = next(((lo, hi) for k, lo, hi in plan.ranges if k == key), None)
        outside = "CAST(0 AS BIGINT)"
        if bounds is not None:
            v = f"({number})"
            outside = (
                f"CAST(count(*) FILTER (WHERE {v} < {float(bounds[0])!r} OR {v} > {float(bounds[1])!r}) "
                "AS BIGINT)"
            )
        checks.append(
            f"SELECT {_lit(key)} AS key, {_lit(kind)} AS kind, {counted}, "
            f"CAST(min({number}) AS DOUBLE), CAST(max({number}) AS DOUBLE), {outside} FROM {source}"
        )
    if checks:
        return (
            "SELECT * FROM ("
            + " UNION ALL ".join(checks)
            + ") AS k(key, kind, not_numbers, example, low, high, outside)"
        )
    return (
        "SELECT CAST(NULL AS VARCHAR) AS key, CAST(NULL AS VARCHAR) AS kind, "
        "CAST(NULL AS BIGINT) AS not_numbers, CAST(NULL AS VARCHAR) AS example, "
        "CAST(NULL AS DOUBLE) AS low, CAST(NULL AS DOUBLE) AS high, "
        "CAST(NULL AS BIGINT) AS outside WHERE false"
    )


def union_kinds(types: Sequence[Mapping[str, str]]) -> dict[str, str | None]:
    """How a union casts each output column, given the engine types of the column in each
    source that has it (``{output name: type}`` per source): ``None`` (one type: kept),
    ``"number"`` (numbers of several types: DOUBLE) or ``"text"`` (anything else that differs:
    text, as a column with numbers in one source and text in another must stay readable)."""
    seen: dict[str, list[str]] = {}
    for part in types:
        for name, sql_type in part.items():
            seen.setdefault(name, []).append(sql_type.strip().lower())
    out: dict[str, str | None] = {}
    for name, found in seen.items():
        if len(set(found)) == 1:
            out[name] = None
        elif all(kind_of(t) == "number" for t in found):
            out[name] = "number"
        else:
            out[name] = "text"
    return out


def cut_sql(plan: CutPlan, *, order: Sequence[str], source: str) -> str:
    """The cut of :meth:`journeymine.engines.base.Engine.cut` as one query over ``source`` (the
    events relation: ``r, c, a, t, o``), one row per event: ``r``, ``c``, ``k`` (the journey's
    number in its case, from 1; 0 outside every journey), ``ended`` (how its journey ended: 0 the
    data, 1 a gap, 2 an end), ``keep`` (in a journey ``plan.select`` keeps), ``opens`` (1 on a
    journey's first event) and ``reason`` (why an event is not kept, or null).

    Cutting is a scan with state (is a journey open?), written as windows: a case falls into
    blocks, a new block beginning at its first event, after an end activity and after a gap. A
    journey is open from a block's first start (its first event, without ``start=``) to the
    block's last event, so that one block holds at most one journey, and the block says how it
    ended. A start while a journey is open opens no other; an end outside a journey ends none.
    """
    by = ", ".join(order)
    starts = "true" if plan.starts is None else _in("a", plan.starts)
    ends = "false" if plan.ends is None else _in("a", plan.ends)
    gap = "false" if plan.gap_us is None else f"t - lag(t) OVER w > {int(plan.gap_us)}"
    first_start = "brk = 1" if plan.starts is None else "s AND ns = 1"
    inside = "true" if plan.starts is None else "ns > 0"
    if plan.select == "all":
        selected = "true"
    elif plan.select == "first":
        selected = "k = 1"
    elif plan.select == "last":
        selected = "k = max(k) OVER (PARTITION BY c)"
    else:
        selected = f"k = {int(plan.select) + 1}"
    return (
        # i: the event's place in its case; brk: it begins a block; gapped: a gap before it
        f"WITH q1 AS (SELECT r, c, a, {starts} AS s, {ends} AS e, "
        f"row_number() OVER w AS i, "
        f"CASE WHEN lag(r) OVER w IS NULL THEN 1 WHEN lag({ends}) OVER w THEN 1 "
        f"WHEN {gap} THEN 1 ELSE 0 END AS brk, "
        f"CASE WHEN lag(r) OVER w IS NOT NULL AND {gap} THEN 1 ELSE 0 END AS gapped "
        f"FROM {source} WINDOW w AS (PARTITION BY c ORDER BY {by})), "
        # b: the block; next_gap: a gap follows the event
        "q2 AS (SELECT *, sum(brk) OVER (PARTITION BY c ORDER BY i ROWS UNBOUNDED PRECEDING) AS b, "
        "coalesce(lead(gapped) OVER (PARTITION BY c ORDER BY i), 0) AS next_gap FROM q1), "
        # ns: starts so far in the block; last_i: the block's last event
        "q3 AS (SELECT *, sum(CASE WHEN s THEN 1 ELSE 0 END) OVER "
        "(PARTITION BY c, b ORDER BY i ROWS UNBOUNDED PRECEDING) AS ns, "
        "max(i) OVER (PARTITION BY c, b) AS last_i FROM q2), "
        f"q4 AS (SELECT *, {inside} AS inside, CASE WHEN {inside} AND {first_start} THEN 1 ELSE 0 END "
        "AS opens FROM q3), "
        # the block's ending, read at its last event; closes: an end that closed a journey
        "q5 AS (SELECT *, max(CASE WHEN i = last_i AND inside THEN "
        "CASE WHEN e THEN 2 WHEN next_gap = 1 THEN 1 ELSE 0 END END) OVER (PARTITION BY c, b) "
        "AS ended, CASE WHEN inside AND e THEN 1 ELSE 0 END AS closes, "
        "sum(opens) OVER (PARTITION BY c ORDER BY i ROWS UNBOUNDED PRECEDING) AS k0 FROM q4), "
        "q6 AS (SELECT *, CASE WHEN inside THEN k0 ELSE 0 END AS k, coalesce(max(closes) OVER "
        "(PARTITION BY c ORDER BY i ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS seen_end "
        "FROM q5) "
        f"SELECT r, c, k, coalesce(ended, 0) AS ended, opens, keep, "
        "CASE WHEN keep THEN NULL WHEN k > 0 THEN 'not selected' WHEN seen_end = 1 "
        "THEN 'after an end' ELSE 'before a start' END AS reason "
        f"FROM (SELECT *, k > 0 AND {selected} AS keep FROM q6) AS q7"
    )


@lru_cache(maxsize=256)
def to_dialect(sql: str, dialect: str) -> str:
    """The SQL text (DuckDB's dialect) in another engine's dialect, transpiled by SQLGlot.

    Examples
    --------
    >>> to_dialect("SELECT arg_min(a, p) FROM t", "spark")
    'SELECT MIN_BY(a, p) FROM t'
    """
    if dialect == "duckdb":
        return sql
    try:
        import sqlglot
    except ImportError as exc:  # pragma: no cover - the spark extra installs it
        from journeymine.errors import EngineError

        raise EngineError(
            "the journey verb needs SQLGlot on this engine: pip install 'journeymine[spark]'"
        ) from exc
    return str(sqlglot.transpile(sql, read="duckdb", write=dialect)[0])
