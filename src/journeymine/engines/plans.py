"""Engine verbs written once: a verb's plan as SQL text, run by every SQL engine.

The journey verb (:meth:`journeymine.engines.base.Engine.journey`) is a few window functions
and group-bys over the events: the same text serves DuckDB (whose dialect it is written in) and
Spark (transpiled with `SQLGlot <https://sqlglot.com>`_, ``pip install 'journeymine[spark]'``).
An engine provides the events as a relation with the columns

- ``c`` (case id, text), ``a`` (activity label, text), ``t`` (microseconds, or null for an
  untimed log), ``o`` (the order value, or null), ``r`` (input row, unique), and
- the source columns the plan needs, under the names :func:`journey_inputs` gives
  (``ch`` for the channel, ``m_<key>`` per measure, ``done`` for the completion flag),

and runs :attr:`JourneySQL.events` once (a table of the events with their touchpoint,
position and window figures), then each query over it. Everything else (the figures of a map)
is computed above the engine from the small tables the queries return.

What was measured (issue 12): on DuckDB the text runs as written, so its speed is DuckDB's own;
transpiling takes milliseconds. Written per engine by hand, the same verb would be about 300
more lines on each engine, the way the older verbs are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from journeymine.engines.base import CutPlan, JourneyPlan

__all__ = [
    "NUMBER",
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
    """The journey verb as SQL (DuckDB's dialect): ``events`` builds the events table (named
    :data:`EVENTS`) from the events relation (:data:`SOURCE`); each query reads that table,
    except ``checks``, which reads the relation."""

    events: str
    touchpoints: str
    channels: str
    cases: str
    transitions: str
    checks: str


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


def journey_sql(
    plan: JourneyPlan,
    *,
    order: Sequence[str],
    kinds: Mapping[str, str],
    source: str = SOURCE,
    events: str = EVENTS,
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
        The names of the events relation and of the events table (unique per call where
        several may run at once).

    Examples
    --------
    >>> from journeymine.engines.base import JourneyPlan
    >>> sql = journey_sql(JourneyPlan(touchpoints=(("Visit", 0),)), order=["t", "r"], kinds={})
    >>> "row_number() OVER (PARTITION BY c ORDER BY t, r)" in sql.events
    True
    """
    keys = ", ".join(order)
    w = f"(PARTITION BY c ORDER BY {keys})"
    later = f"(PARTITION BY c ORDER BY {keys} ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING)"
    if plan.touchpoints:
        values = ", ".join(f"({_lit(a)}, {int(tp)})" for a, tp in plan.touchpoints)
        mapping = f"(SELECT * FROM (VALUES {values}) AS m(ma, mtp))"
    else:
        mapping = "(SELECT CAST(NULL AS VARCHAR) AS ma, CAST(NULL AS INTEGER) AS mtp WHERE false)"
    cols = [
        "ev.c",
        "ev.a",
        "ev.t",
        "CAST(m.mtp AS INTEGER) AS tp",
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
    cols.append(
        "CASE WHEN ev.ch IS NULL THEN '(none)' ELSE CAST(ev.ch AS VARCHAR) END AS ch"
        if has_channel
        else "CAST(NULL AS VARCHAR) AS ch"
    )
    measures = [key for key, _ in plan.measures]
    for key in measures:
        cols.append(f"{_number(f'ev.m_{key}', kinds.get(f'm_{key}', 'other'))} AS m_{key}")
    if "sentiment" not in measures:
        cols.append("CAST(NULL AS DOUBLE) AS m_sentiment")
    if plan.complete is not None:
        cols.append(f"{_flag('ev.done', kinds.get('done', 'other'))} AS done")
    events_sql = f"SELECT {', '.join(cols)} FROM {source} ev LEFT JOIN {mapping} m ON m.ma = ev.a"

    figures = [
        "CAST(count(*) AS BIGINT) AS events",
        "CAST(coalesce(sum(dwell), 0) AS BIGINT) AS dwell_us",
        "CAST(count(m_sentiment) AS BIGINT) AS sentiment_n",
        "CAST(sum(m_sentiment) AS DOUBLE) AS sentiment_sum",
    ]
    nexts = []
    for i in range(len(plan.refs)):
        nexts.append(f"arg_min(nx{i}, p) = 1 AS next{i}")
        nexts.append(f"CAST(arg_min(nt{i}, p) - min(t) AS BIGINT) AS next{i}_us")
    touchpoints = (
        f'SELECT c AS "case", tp, {figures[0]}, CAST(min(p) AS BIGINT) AS first_pos, '
        f"CAST(max(p) AS BIGINT) AS last_pos, CAST(min(t) AS BIGINT) AS first_t, "
        f"{', '.join(figures[1:])}, arg_min(ch, p) AS channel"
        + "".join(f", {n}" for n in nexts)
        + f' FROM {events} WHERE tp IS NOT NULL GROUP BY c, tp ORDER BY "case", tp'
    )
    channels = (
        f'SELECT c AS "case", tp, ch AS channel, {", ".join(figures)} FROM {events} '
        f"WHERE tp IS NOT NULL{'' if has_channel else ' AND false'} GROUP BY c, tp, ch "
        f'ORDER BY "case", tp, channel'
    )
    case_cols = [
        'c AS "case"',
        f"coalesce(bool_or({_in('a', plan.outcome)}), false) AS outcome",
        "arg_min(done, p) FILTER (WHERE done IS NOT NULL) AS complete"
        if plan.complete is not None
        else "CAST(NULL AS BOOLEAN) AS complete",
    ]
    for key in measures:
        if key != "sentiment":
            case_cols.append(f"arg_max(m_{key}, p) FILTER (WHERE m_{key} IS NOT NULL) AS {key}")
    cases = f'SELECT {", ".join(case_cols)} FROM {events} GROUP BY c ORDER BY "case"'
    transitions = (
        "SELECT tp AS source, nxt AS target, CAST(count(*) AS BIGINT) AS transitions, "
        "CAST(count(DISTINCT c) AS BIGINT) AS customers FROM (SELECT c, tp, lead(tp) OVER "
        f"(PARTITION BY c ORDER BY p) AS nxt FROM {events} WHERE tp IS NOT NULL) "
        "WHERE nxt IS NOT NULL GROUP BY tp, nxt ORDER BY source, target"
    )
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
        check_sql = (
            "SELECT * FROM ("
            + " UNION ALL ".join(checks)
            + ") AS k(key, kind, not_numbers, example, low, high, outside)"
        )
    else:
        check_sql = (
            "SELECT CAST(NULL AS VARCHAR) AS key, CAST(NULL AS VARCHAR) AS kind, "
            "CAST(NULL AS BIGINT) AS not_numbers, CAST(NULL AS VARCHAR) AS example, "
            "CAST(NULL AS DOUBLE) AS low, CAST(NULL AS DOUBLE) AS high, "
            "CAST(NULL AS BIGINT) AS outside WHERE false"
        )
    return JourneySQL(events_sql, touchpoints, channels, cases, transitions, check_sql)


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
