"""The DuckDB engine: embedded, out of core, the default.

The log is read once into DuckDB (CSV and Arrow sources are copied into a DuckDB table; Parquet is
scanned in place) and validated in one pass. It is then prepared once, as one row per case: the
case's activity codes (``seq``) and times (``ts``) in order, and a key of the sequence (``k``).
Every verb is a small query over that table; figures that are sums over variants (an edge's cases,
an activity's events) are computed once per variant and weighted by its cases. Only the
aggregates come up, as Arrow tables.

Settings (all optional) are passed as ``DuckDBEngine(memory_limit="8GB", temp_directory=...,
threads=2, database="work.duckdb")`` or ``read_events(..., engine=DuckDBEngine(...))``.
"""

from __future__ import annotations

import contextlib
import itertools
import re
import threading
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from journeymine import progress
from journeymine.engines import plans
from journeymine.engines.base import (
    DURATION_BINS,
    UNION_STATS,
    Cut,
    CutPlan,
    Filter,
    JourneyPlan,
    JourneyTables,
    LogStats,
    OnInvalid,
    Union,
    UnionPlan,
)
from journeymine.engines.rules import (
    EXAMPLES,
    ISO,
    NAIVE_CANDIDATES,
    SAMPLE,
    TEXT_TYPES,
    choose_naive_format,
    invalid_rows_error,
    local_time_error,
    mixed_timezones_error,
    reason_columns,
)
from journeymine.errors import ConnectorError, EngineError, SchemaError
from journeymine.hookspecs import hookimpl
from journeymine.schema import ACTIVITY_SEPARATOR, EPOCH_FORMATS, Schema
from journeymine.segments import warn_varying

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

    from journeymine.connectors.base import Scan
    from journeymine.segments import Segmentation

__all__ = ["DuckDBEngine", "DuckDBEngineFactory", "journeymine_register_engines"]

ROW = "__jm_row"
#: the tables of a loaded log that the relations filtered from it share (never their own)
SHARED = frozenset({"src", "raw", "bad", "rej", "rejscan", "arrow"})
#: a number in a filter's values, by the pattern both engines read alike (as measures do)
NUMBER = re.compile(r"\s*([+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|[+-]?(?i:inf|infinity))\s*")
#: DuckDB's numeric types, by exact name (a test for "INT" would let INTERVAL and BIGINT[] through)
NUMERIC_TYPES = frozenset(
    {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "FLOAT", "DOUBLE"}
    | {"U" + t for t in ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT")}
)
#: times parsed while a CSV is read (microseconds), and whether each carried a UTC offset
TS, TZK = "__jm_t", "__jm_tzk"


def q(name: str) -> str:
    """Quote an identifier."""
    return '"' + name.replace('"', '""') + '"'


def lit(value: Any) -> str:
    """A SQL literal for a str, number, bool, None or list of those."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(lit(v) for v in value) + "]"
    return "'" + str(value).replace("'", "''") + "'"


@dataclass(eq=False)
class DuckRelation:
    """The engine's handle on one loaded log (opaque above the engine)."""

    engine: DuckDBEngine
    prefix: str
    scan: Scan
    schema: Schema
    columns: tuple[str, ...]
    types: dict[str, str]
    stats: LogStats = field(init=False)
    reject_lines: list[int] = field(default_factory=list)
    #: SQL of every source row parsed (r, c, a, traw, t, tzk, oraw, o), and of the valid ones
    parsed: str = ""
    valid: str = ""
    bad_rows: int = 0
    tables: list[str] = field(default_factory=list)
    cache: dict[Any, Any] = field(default_factory=dict)
    #: the relation this one was filtered from (kept alive by this reference), or None
    parent: DuckRelation | None = None

    @property
    def root(self) -> DuckRelation:
        """The loaded log this relation was filtered from (itself when it was loaded)."""
        rel = self
        while rel.parent is not None:
            rel = rel.parent
        return rel

    def t(self, name: str) -> str:
        """A table of this relation, quoted; the source tables are the loaded log's."""
        if self.parent is not None and name in SHARED:
            return self.root.t(name)
        return q(f"{self.prefix}{name}")

    def line_row(self, r: int) -> int:
        """Input row (counting malformed CSV lines too) of accepted row ``r``."""
        k = 0
        for j, line in enumerate(self.reject_lines):
            if line - (self.scan.first_line or 0) - j <= r:
                k += 1
            else:
                break
        return r + k


#: under a memory limit, the most transitions one DFG query takes the exact quantiles of
DFG_BATCH = 20_000_000
#: the journey verb's per case x touchpoint tables are made this many events at a time
JOURNEY_BATCH = 1_000_000
#: the first columns of a union
_UNION_COLUMNS = ("customer", "activity", "timestamp", "channel", "source", "source_id")


@dataclass(eq=False)
class _UnionHandle:
    """A union's staging table (``Engine.union_rows`` reads it), dropped with the handle."""

    engine: DuckDBEngine
    stage: str
    plan: UnionPlan
    tables: list[str]


class DuckDBEngine:
    """The embedded DuckDB engine.

    Parameters
    ----------
    database : str
        ``":memory:"`` (default) or a file; either way DuckDB spills to disk beyond its memory limit.
    memory_limit : str, optional
        e.g. ``"8GB"``; DuckDB's default is 80% of RAM.
    temp_directory : str, optional
        Where to spill; DuckDB's default is ``<database>.tmp`` or ``.tmp`` for in-memory.
    threads : int, optional
        Worker threads; all cores by default.

    Examples
    --------
    >>> import journeymine as jm
    >>> engine = DuckDBEngine(memory_limit="1GB", threads=1)
    >>> log = jm.read_events(jm.datasets.load_demo(), case="customer_id", activity="touchpoint",
    ...                      timestamp="timestamp", engine=engine)
    >>> log.engine.name
    'duckdb'
    """

    name = "duckdb"

    def __init__(
        self,
        *,
        database: str = ":memory:",
        memory_limit: str | None = None,
        temp_directory: str | None = None,
        threads: int | None = None,
    ) -> None:
        self.database = database
        self.memory_limit = memory_limit
        self.temp_directory = temp_directory
        self.threads = threads
        self._connection: duckdb.DuckDBPyConnection | None = None
        self._lock = threading.RLock()
        self._ids = itertools.count()
        self._garbage: list[str] = []

    def __repr__(self) -> str:
        return f"DuckDBEngine(database={self.database!r}, memory_limit={self.memory_limit!r})"

    # -- connection --------------------------------------------------------------------------

    @property
    def connection(self) -> duckdb.DuckDBPyConnection:
        """The DuckDB connection (created on first use)."""
        if self._connection is None:
            import duckdb

            config: dict[str, Any] = {"preserve_insertion_order": True}
            if self.memory_limit:
                config["memory_limit"] = self.memory_limit
            if self.temp_directory:
                config["temp_directory"] = self.temp_directory
            if self.threads:
                config["threads"] = self.threads
            con = duckdb.connect(self.database, config=config)
            con.execute("SET TimeZone = 'UTC'")
            self._connection = con
        return self._connection

    def close(self) -> None:
        """Close the connection; relations loaded by this engine can no longer be used."""
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

    def _sql(self, sql: str, params: Sequence[Any] | None = None) -> None:
        with self._lock:
            self._collect()
            self.connection.execute(sql, params or [])

    def _rows(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple[Any, ...]]:
        with self._lock:
            self._collect()
            return self.connection.execute(sql, params or []).fetchall()

    def _arrow(self, sql: str, params: Sequence[Any] | None = None) -> pa.Table:
        with self._lock:
            self._collect()
            return self.connection.sql(sql, params=params or None).to_arrow_table()

    def _forget(self, names: list[str]) -> None:
        """Called when a relation is garbage-collected: queue its tables for dropping.

        The garbage collector may run this in the middle of a query on this connection, so it
        only queues; :meth:`_collect` drops them before the next statement.
        """
        self._garbage.extend(reversed(names))

    def _collect(self) -> None:
        if not self._garbage or self._connection is None:
            return
        con = self._connection
        names, self._garbage = self._garbage, []
        for name in names:
            # a table, a view or a registered Arrow table: try each, the others fail harmlessly
            for statement in (f"DROP TABLE IF EXISTS {q(name)}", f"DROP VIEW IF EXISTS {q(name)}"):
                with contextlib.suppress(Exception):
                    con.execute(statement)
            with contextlib.suppress(Exception):
                con.unregister(name)

    # -- load ---------------------------------------------------------------------------------

    def load(self, scan: Scan, schema: Schema, *, on_invalid: OnInvalid) -> DuckRelation:
        """Read, validate and prepare a log (see :class:`journeymine.engines.base.Engine`)."""
        prefix = f"jm{next(self._ids)}_"
        rel = DuckRelation(self, prefix, scan, schema, scan.columns, {})
        weakref.finalize(rel, self._forget, rel.tables)
        internal = [c for c in scan.columns if c.startswith("__jm_")]
        if internal:
            raise SchemaError(
                f"{scan.location} has a column named {internal[0]!r}; names starting with '__jm_' "
                f"are journeymine's own: rename it"
            )
        with progress.step(f"reading {scan.location}"):
            self._register_source(rel, on_invalid)
        described = self._rows(f"DESCRIBE {rel.t('src')}")
        rel.types = {row[0]: str(row[1]) for row in described if not row[0].startswith("__jm_")}
        rel.columns = tuple(rel.types)
        with progress.step("checking rows"):
            self._check(rel, on_invalid)
        with progress.step("ordering events"):
            self._prepare(rel)
        return rel

    def _register_source(self, rel: DuckRelation, on_invalid: OnInvalid) -> None:
        scan = rel.scan
        src = rel.t("src")
        rel.tables.append(f"{rel.prefix}src")
        if scan.kind == "csv":
            self._load_csv(rel, on_invalid)
        elif scan.kind == "parquet":
            self._load_parquet(rel)
        elif scan.kind == "arrow":
            self._load_arrow(rel)
        else:
            hint = "; pass engine='spark'" if scan.kind == "spark" else ""
            raise EngineError(f"the duckdb engine cannot read a scan of kind {scan.kind!r}{hint}")
        (count,) = self._rows(f"SELECT count(*) FROM {src}")[0]
        if count == 0 and not rel.reject_lines:
            raise ConnectorError(f"{scan.location} has no rows (only a header?); nothing to mine")

    def _load_csv(self, rel: DuckRelation, on_invalid: OnInvalid) -> None:
        scan, schema = rel.scan, rel.schema
        opts = dict(scan.options)
        args = [
            lit(list(scan.paths)),
            "header = true",
            f"delim = {lit(opts.get('delimiter', ','))}",
            f"quote = {lit(opts.get('quote', chr(34)))}",
            f"escape = {lit(opts.get('quote', chr(34)))}",
            f"compression = {lit(opts.get('compression', 'auto'))}",
            f"rejects_table = {lit(rel.prefix + 'rej')}",
            f"rejects_scan = {lit(rel.prefix + 'rejscan')}",
            "store_rejects = true",
            f"nullstr = {lit(['', *opts.get('na_values', ())])}",
        ]
        if opts.get("encoding"):
            args.append(f"encoding = {lit(opts['encoding'])}")
        rel.tables += [f"{rel.prefix}rej", f"{rel.prefix}rejscan"]
        import duckdb

        select = "*"
        if schema.timestamp:
            # Parse the times while the file is read, once: keep the text only where it did not
            # parse (for the quarantine), so the table holds 8 bytes a row, not the text.
            column = q(schema.timestamp)
            sample_args = [a for a in args if "rejects" not in a]
            sample_args += ["ignore_errors = true", "all_varchar = true"]
            sample = (
                f"(SELECT (row_number() OVER () - 1) AS {q(ROW)}, * FROM "
                f"(SELECT * FROM read_csv({', '.join(sample_args)}) LIMIT {SAMPLE}))"
            )
            _, parsed, tzk = self._ts_exprs(rel, "VARCHAR", sample)
            select = (
                f"* REPLACE (CASE WHEN {TS} IS NULL THEN {column} END AS {column}) FROM "
                f"(SELECT *, {parsed} AS {TS}, {tzk} AS {TZK}"
            )
            rel.cache["preparsed"] = True
        # every column as text: attributes are typed later by one rule shared by every engine
        # (rules.TEXT_TYPES), never by a sniffer that looks at some rows only
        source = f"read_csv({', '.join(args)}, all_varchar = true)"
        query = f"SELECT * FROM {source}" if select == "*" else f"SELECT {select} FROM {source})"
        rel.cache["text"] = True
        try:
            self._sql(f"CREATE OR REPLACE TABLE {rel.t('raw')} AS {query}")
        except duckdb.Error as exc:
            raise ConnectorError(
                f"cannot read {scan.location} as CSV: {_first_lines(str(exc))}\n"
                f"Check the delimiter (pass delimiter=...), the encoding, or whether the file "
                f"is really a CSV."
            ) from None
        rel.tables.append(f"{rel.prefix}raw")
        rejects = self._rows(f"SELECT DISTINCT line FROM {rel.t('rej')} ORDER BY line")
        rel.reject_lines = [int(r[0]) for r in rejects]
        self._sql(f"CREATE VIEW {rel.t('src')} AS SELECT rowid AS {q(ROW)}, * FROM {rel.t('raw')}")

    def _load_parquet(self, rel: DuckRelation) -> None:
        scan = rel.scan
        files = list(scan.paths)
        if "file_row_number" in scan.columns:
            raise SchemaError(
                f"{scan.location} has a column named 'file_row_number', "
                "which the duckdb engine uses; rename it"
            )
        counts = dict(
            self._rows(
                f"SELECT file_name, sum(num_rows)::BIGINT FROM parquet_file_metadata({lit(files)}) "
                f"GROUP BY file_name"
            )
        )
        offsets = [0]
        for f in files[:-1]:
            offsets.append(offsets[-1] + int(counts.get(f, 0)))
        fcol = "__jm_file"
        self._sql(
            f"CREATE VIEW {rel.t('src')} AS SELECT "
            f"({lit(offsets)}[list_position({lit(files)}, {q(fcol)})] + file_row_number)::BIGINT "
            f"AS {q(ROW)}, * EXCLUDE ({q(fcol)}, file_row_number) "
            f"FROM read_parquet({lit(files)}, filename = {lit(fcol)}, file_row_number = true, "
            f"union_by_name = true)"
        )

    def _load_arrow(self, rel: DuckRelation) -> None:
        import numpy as np
        import pyarrow as pa

        assert rel.scan.open is not None
        data = rel.scan.open()
        if isinstance(data, pa.RecordBatchReader):
            data = data.read_all()
        if not isinstance(data, pa.Table):
            raise EngineError(
                f"connector for {rel.scan.location} returned {type(data).__name__}, "
                "not an Arrow table or stream"
            )
        table = data.append_column(ROW, pa.array(np.arange(data.num_rows, dtype=np.int64)))
        view = f"{rel.prefix}arrow"
        with self._lock:
            self.connection.register(view, table)
        rel.cache["arrow"] = table  # keep the buffers alive while the view exists
        rel.tables.append(view)
        self._sql(f"CREATE VIEW {rel.t('src')} AS SELECT * FROM {q(view)}")

    # -- validation ---------------------------------------------------------------------------

    def _ts_exprs(self, rel: DuckRelation, typ: str, sample: str) -> tuple[str, str, str]:
        """(raw, parsed microseconds, offset-aware flag) expressions for the timestamp column of
        type ``typ``; the format of text timestamps is detected on the first rows of ``sample``
        (a relation with the source columns and ``__jm_row``)."""
        schema = rel.schema
        col = schema.timestamp
        if col is None:
            return "NULL", "NULL::BIGINT", "NULL::TINYINT"
        c = q(col)
        typ = typ.upper()
        fmt = schema.timestamp_format
        if fmt in EPOCH_FORMATS:
            scale = EPOCH_FORMATS[fmt]
            if typ.startswith(("VARCHAR", "STRING")):
                raw = f"CASE WHEN {_blank(c)} THEN NULL ELSE {c} END"
                return raw, f"(try_cast({c} AS DOUBLE) * {scale})::BIGINT", "NULL::TINYINT"
            return c, f"({c}::DOUBLE * {scale})::BIGINT", "NULL::TINYINT"
        if typ.startswith("TIMESTAMP WITH TIME ZONE") or typ == "TIMESTAMPTZ":
            rel.cache["tz"] = "UTC"
            return c, f"epoch_us({c})", "1::TINYINT"
        if typ.startswith("TIMESTAMP") or typ == "DATE":
            return c, f"epoch_us({c}::TIMESTAMP)", "0::TINYINT"
        if not typ.startswith("VARCHAR"):
            raise SchemaError(
                f"timestamp column {col!r} in {rel.scan.location} holds {typ} values, not times; "
                f"pass timestamp_format='epoch_s' (or 'epoch_ms', 'epoch_us') for numbers since "
                f"1970, or map the right column with timestamp=..."
            )
        raw = f"CASE WHEN {_blank(c)} THEN NULL ELSE {c} END"
        # offset-aware: a time, then Z or +hh, +hhmm, +hh:mm at the end. Character tests, not a
        # regular expression: this runs on every row
        ends = " OR ".join(f"left(right({c}, {n}), 1) IN ('+', '-')" for n in (3, 5, 6))
        aware = f"(contains({c}, ':') AND (right({c}, 1) IN ('Z', 'z') OR {ends}))"
        # the rare spellings a plain cast refuses: a space before the offset, a lower-case z
        norm = f"regexp_replace(replace(trim({c}), 'z', 'Z'), '\\s+([+-]\\d\\d(:?\\d\\d)?|Z)$', '\\1')"
        if fmt is not None:
            if "%z" in fmt or "%Z" in fmt:
                parsed = f"epoch_us(try_strptime({raw}, {lit(fmt)})::TIMESTAMPTZ)"
                return raw, parsed, "1::TINYINT"
            parsed = f"epoch_us(try_strptime({raw}, {lit(fmt)}))"
            return raw, parsed, f"CASE WHEN {aware} THEN 1 ELSE 0 END::TINYINT"
        naive = self._naive_parser(rel, c, aware, norm, sample)
        offset = f"coalesce(try_cast({c} AS TIMESTAMPTZ), try_cast({norm} AS TIMESTAMPTZ))"
        parsed = f"CASE WHEN {aware} THEN epoch_us({offset}) ELSE {naive} END"
        return raw, parsed, f"CASE WHEN {aware} THEN 1 ELSE 0 END::TINYINT"

    def _naive_parser(self, rel: DuckRelation, raw: str, aware: str, norm: str, source: str) -> str:
        """Pick how to parse naive timestamp strings, from the first values of the column."""
        candidates = [
            (
                f,
                f"epoch_us(try_strptime({raw}, {lit(f)}))"
                if f != ISO
                else f"epoch_us(try_cast({raw} AS TIMESTAMP))",
            )
            for f in NAIVE_CANDIDATES
        ]
        counts = ", ".join(f"count({expr}) FILTER (NOT {aware})" for _, expr in candidates)
        sample = f"(SELECT * FROM {source} WHERE {raw} IS NOT NULL LIMIT {SAMPLE})"
        row = self._rows(
            f"SELECT count(*) FILTER (NOT {aware}), "
            f"count(try_cast({norm} AS TIMESTAMPTZ)) FILTER ({aware}), {counts} FROM {sample}"
        )[0]
        total, aware_ok, hits = row[0], row[1], list(row[2:])
        shown = self._rows(f"SELECT {q(ROW)}, {raw} FROM {sample} LIMIT 3") if total else []
        chosen = choose_naive_format(
            total,
            hits,
            aware_ok,
            column=rel.schema.timestamp or "",
            location=rel.scan.location,
            examples=[f"{v!r} ({rel.scan.where(rel.line_row(r))})" for r, v in shown],
        )
        rel.cache["timestamp_format"] = chosen
        return dict(candidates)[chosen]

    def _order_exprs(self, rel: DuckRelation) -> tuple[str, str]:
        col = rel.schema.order
        if col is None:
            return "NULL", "NULL::DOUBLE"
        c = q(col)
        if rel.types[col].upper().startswith("VARCHAR"):
            raw = f"NULLIF(trim({c}), '')"
            return raw, f"try_cast({raw} AS DOUBLE)"
        return c, f"try_cast({c} AS DOUBLE)"

    def _check(self, rel: DuckRelation, on_invalid: OnInvalid) -> None:
        """One pass over the source: rows per reason, and offset-aware vs naive timestamps."""
        schema = rel.schema
        assert schema.case is not None and schema.activity is not None
        if "preparsed" in rel.cache:  # parsed while the CSV was read
            column = q(schema.timestamp or "")
            ts_raw, ts, tzk = f"CASE WHEN {_blank(column)} THEN NULL ELSE {column} END", TS, TZK
        else:
            typ = rel.types.get(schema.timestamp or "", "")
            ts_raw, ts, tzk = self._ts_exprs(rel, typ, rel.t("src"))
        o_raw, o = self._order_exprs(rel)
        # blank: empty or only whitespace; the cheap `< '!'` test spares the regex on most rows
        reason = (
            f"CASE WHEN c IS NULL OR {_blank('c')} THEN 'empty case id' "
            f"WHEN a IS NULL OR {_blank('a')} THEN 'empty activity' "
        )
        if schema.timestamp:
            reason += (
                "WHEN t IS NULL AND traw IS NULL THEN 'missing timestamp' "
                "WHEN t IS NULL THEN 'unparseable timestamp' "
            )
        if schema.order:
            reason += (
                "WHEN oraw IS NULL THEN 'missing order value' "
                "WHEN o IS NULL THEN 'order value is not a number' "
            )
        reason += "END"
        # every row, parsed: r (input row), c (case), a (activity), t (microseconds), o (order)
        rel.parsed = (
            f"(SELECT {q(ROW)} AS r, CAST({q(schema.case)} AS VARCHAR) AS c, "
            f"{_activity_expr(schema)} AS a, {ts_raw} AS traw, "
            f"{ts} AS t, {tzk} AS tzk, {o_raw} AS oraw, {o} AS o "
            f"FROM {rel.t('src')})"
        )
        checked = f"(SELECT r, c, a, t, o, tzk, {reason} AS reason FROM {rel.parsed})"
        total, invalid, aware, naive = self._rows(
            f"SELECT count(*), count(*) FILTER (reason IS NOT NULL), "
            f"count(*) FILTER (tzk = 1 AND reason IS NULL), "
            f"count(*) FILTER (tzk = 0 AND reason IS NULL) FROM {checked}"
        )[0]
        self._sql(
            f"CREATE TABLE {rel.t('bad')} AS SELECT r, reason FROM {checked} WHERE reason IS NOT NULL"
            if invalid
            else f"CREATE TABLE {rel.t('bad')} (r BIGINT, reason VARCHAR)"
        )
        rel.tables.append(f"{rel.prefix}bad")
        rel.bad_rows = int(invalid)
        # the valid rows, parsed; the fast path skips the anti-join when nothing was set aside
        where = f" WHERE r NOT IN (SELECT r FROM {rel.t('bad')})" if invalid else ""
        rel.valid = f"(SELECT r, c, a, t, o FROM {rel.parsed}{where})"
        if aware and naive:
            self._mixed_timezones(rel)
        reasons = dict(self._rows(f"SELECT reason, count(*) FROM {rel.t('bad')} GROUP BY reason"))
        if rel.reject_lines:
            reasons["malformed line"] = len(rel.reject_lines)
        if reasons and on_invalid == "raise":
            self._raise_invalid(rel, reasons)
        rel.cache["invalid"] = sum(reasons.values())
        rel.cache["reasons"] = reasons
        rel.cache["total"] = int(total) + len(rel.reject_lines)
        rel.cache.setdefault("tz", "UTC" if aware else None)

    def _mixed_timezones(self, rel: DuckRelation) -> None:
        column = q(rel.schema.timestamp or "")
        shown = []
        for kind in (1, 0):
            rows = self._rows(
                f"SELECT p.r, CAST(src.{column} AS VARCHAR) FROM {rel.parsed} p "
                f"JOIN {rel.t('src')} src ON src.{q(ROW)} = p.r WHERE p.tzk = {kind} "
                f"AND p.t IS NOT NULL ORDER BY p.r LIMIT 2"
            )
            shown.append([f"{v!r} ({rel.scan.where(rel.line_row(r))})" for r, v in rows])
        raise mixed_timezones_error(rel.schema.timestamp or "", rel.scan.location, *shown)

    def _raise_invalid(self, rel: DuckRelation, reasons: dict[str, int]) -> None:
        examples = self.quarantine(rel, limit=EXAMPLES).to_pylist()
        raise invalid_rows_error(rel.scan, reasons, examples)

    # -- prepare ------------------------------------------------------------------------------

    def _prepare(self, rel: DuckRelation) -> None:
        """Build the prepared log: the activity dictionary, and one row per case with its
        activities and times in order (ties by order value, then input row)."""
        acts, cs = rel.t("acts"), rel.t("cs")
        self._sql(
            f"CREATE TABLE {acts} AS SELECT a AS name, "
            f"row_number() OVER (ORDER BY a)::INTEGER AS aid FROM "
            f"(SELECT DISTINCT a FROM {rel.valid})"
        )
        rel.tables.append(f"{rel.prefix}acts")
        # Collect each case's events unordered, then sort each small list: about twice as fast
        # as ordered aggregates. With times and no order column, (time, row, activity) are packed
        # into one 128-bit integer that sorts in that order (time shifted to be non-negative,
        # row < 2^40, activity < 2^24); otherwise a struct {time, order, row, activity} sorts by
        # its fields in order.
        (n_acts,) = self._rows(f"SELECT count(*) FROM {acts}")[0]
        if rel.schema.timestamp and not rel.schema.order and n_acts < 2**24 - 1:
            key = f"((v.t + {2**62})::HUGEINT << 64) | (v.r::HUGEINT << 24) | d.aid"
            seq = f"[(e & {2**24 - 1})::INTEGER FOR e IN l]"
            times = f"[(e >> 64)::BIGINT - {2**62} FOR e IN l]"
        else:
            keys = [k for k, on in (("t", rel.schema.timestamp), ("o", rel.schema.order)) if on]
            key = "{" + ", ".join(f"'{k}': v.{k}" for k in [*keys, "r"]) + ", 'a': d.aid}"
            seq = "[e.a FOR e IN l]"
            times = "[e.t FOR e IN l]" if rel.schema.timestamp else "NULL::BIGINT[]"
        self._sql(
            f"CREATE TABLE {cs} AS SELECT c, n, seq, ts, list_aggr(seq, 'string_agg', ',') AS k "
            f"FROM (SELECT c, len(l)::BIGINT AS n, {seq} AS seq, {times} AS ts FROM ("
            f"SELECT v.c, list_sort(list({key})) AS l "
            f"FROM {rel.valid} v JOIN {acts} d ON d.name = v.a GROUP BY v.c))"
        )
        rel.tables.append(f"{rel.prefix}cs")
        events, cases, activities = self._rows(
            f"SELECT coalesce(sum(n), 0), count(*), (SELECT count(*) FROM {acts}) FROM {cs}"
        )[0]
        rel.stats = LogStats(
            rows_read=int(rel.cache["total"]),
            events=int(events),
            cases=int(cases),
            activities=int(activities),
            invalid_rows=int(rel.cache["invalid"]),
            timezone=rel.cache["tz"] if rel.schema.timestamp else None,
            timed=rel.schema.timestamp is not None,
            invalid_reasons=LogStats.count_reasons(rel.cache["reasons"]),
        )

    # -- filter -------------------------------------------------------------------------------

    def filter(self, rel: DuckRelation, step: Filter) -> DuckRelation:
        """A new relation over the events of ``rel`` that ``step`` keeps (see
        :class:`journeymine.engines.base.Filter`); ``rel`` is unchanged.

        The kept events are a query over ``rel``'s valid rows, never a copy: an event step is a
        predicate on them, a case step keeps the cases of a small table computed from ``rel``'s
        prepared cases. The new relation holds ``rel`` (whose source tables it reads) and is
        prepared like a loaded log, with tables of its own.

        Parameters
        ----------
        rel : DuckRelation
            The log to filter (loaded, or filtered before).
        step : Filter
            What to keep.

        Returns
        -------
        DuckRelation
            Its ``stats`` recount events, cases and activities; ``filtered`` adds the events
            this step removed.

        Raises
        ------
        SchemaError
            A value filter on a column that holds neither text, numbers nor booleans.
        """
        prefix = f"jm{next(self._ids)}_"
        child = DuckRelation(self, prefix, rel.scan, rel.schema, rel.columns, dict(rel.types), parent=rel)
        weakref.finalize(child, self._forget, child.tables)
        child.reject_lines = rel.reject_lines
        child.parsed, child.bad_rows = rel.parsed, rel.bad_rows
        for key in ("preparsed", "text", "tz", "timestamp_format", "total", "invalid", "reasons"):
            if key in rel.cache:
                child.cache[key] = rel.cache[key]
        keep = self._kept(rel, child, step)
        child.valid = f"(SELECT r, c, a, t, o FROM {rel.valid} WHERE {keep})"
        with progress.step("filtering events"):
            self._prepare(child)
        filtered = rel.stats.filtered + rel.stats.events - child.stats.events
        child.stats = replace(child.stats, filtered=filtered)
        return child

    def _kept(self, rel: DuckRelation, child: DuckRelation, step: Filter) -> str:
        """SQL: the condition on ``rel``'s valid rows (``r``, ``c``, ``a``, ``t``, ``o``) that
        keeps the events of ``step``. Case steps first store their cases in ``child``'s table
        ``keep`` (one column ``c``)."""
        kind, negate = step.kind, step.negate
        if kind == "events":
            column = step.column or ""
            match = self._match(f"src.{q(column)}", rel.types.get(column, ""), step.values, column)
            wanted = f"NOT coalesce({match}, false)" if negate else f"coalesce({match}, false)"
            return f"r IN (SELECT src.{q(ROW)} FROM {rel.t('src')} src WHERE {wanted})"
        if kind == "period" and step.mode == "events":
            bounds = [f"t >= {int(step.start)}" if step.start is not None else "true"]
            bounds.append(f"t < {int(step.end)}" if step.end is not None else "true")
            return " AND ".join(bounds)
        cs = rel.t("cs")
        if kind == "cases":
            column = step.column or ""
            self._match("v", rel.types.get(column, ""), step.values, column)  # a date: refused first
            table = self._attribute(rel, column)
            typ = self._rows(f"SELECT typeof(v) FROM {table} LIMIT 1")
            typ_name = str(typ[0][0]) if typ else rel.types.get(column, "")
            match = self._match("v", typ_name, step.values, column)
            wanted = f"NOT coalesce({match}, false)" if negate else f"coalesce({match}, false)"
            cases = f"SELECT c FROM {table} WHERE {wanted}"
        elif kind == "period":
            low = f"{int(step.start)}" if step.start is not None else None
            high = f"{int(step.end)}" if step.end is not None else None
            if step.mode == "contained":
                tests = ([f"ts[1] >= {low}"] if low else []) + ([f"ts[-1] < {high}"] if high else [])
            else:
                tests = ([f"ts[1] < {high}"] if high else []) + ([f"ts[-1] >= {low}"] if low else [])
            cases = f"SELECT c FROM {cs} WHERE {' AND '.join(tests) or 'true'}"
        elif kind in ("contains", "starts", "ends"):
            names = sorted(set(step.values))
            acts = rel.t("acts")
            codes = f"(SELECT coalesce(list(aid), []::INTEGER[]) FROM {acts} WHERE name IN ({_lits(names)}))"
            if kind == "contains":
                # every one of the names (one not in the log: no case), or with negate none
                known = f"(SELECT count(*) FROM {acts} WHERE name IN ({_lits(names)}))"
                test = (
                    f"NOT list_has_any(seq, {codes})"
                    if negate
                    else f"{known} = {len(names)} AND list_has_all(seq, {codes})"
                )
            else:
                at = "seq[1]" if kind == "starts" else "seq[-1]"
                test = f"list_contains({codes}, {at})"
                test = f"NOT ({test})" if negate else test
            cases = f"SELECT c FROM {cs} WHERE {test}"
        elif kind == "size":
            tests = ([f"n >= {int(step.low)}"] if step.low is not None else []) + (
                [f"n <= {int(step.high)}"] if step.high is not None else []
            )
            cases = f"SELECT c FROM {cs} WHERE {' AND '.join(tests) or 'true'}"
        elif kind == "variants":
            vs = self._variants_table(rel)
            ranked = (
                f"SELECT k, cases, vid, sum(cases) OVER (ORDER BY cases DESC, vid ROWS UNBOUNDED PRECEDING) "
                f"- cases AS before FROM (SELECT k, count(*) AS cases FROM {cs} GROUP BY k) "
                f"JOIN {vs} USING (k)"
            )
            if step.coverage is not None:
                total = f"(SELECT count(*) FROM {cs})"
                # the smallest prefix that reaches the share: the variants whose predecessors do not
                chosen = f"SELECT k FROM ({ranked}) WHERE before::DOUBLE / {total} < {float(step.coverage)!r}"
            else:
                chosen = (
                    f"SELECT k FROM ({ranked}) QUALIFY row_number() OVER (ORDER BY cases DESC, vid) "
                    f"<= {int(step.top or 0)}"
                )
            cases = f"SELECT c FROM {cs} WHERE k IN ({chosen})"
        else:
            raise EngineError(f"the duckdb engine cannot filter by {kind!r}")
        self._sql(f"CREATE TABLE {child.t('keep')} AS {cases}")
        child.tables.append(f"{child.prefix}keep")
        return f"c IN (SELECT c FROM {child.t('keep')})"

    @staticmethod
    def _match(expr: str, typ: str, values: Sequence[str], column: str) -> str:
        """SQL: whether ``expr`` (a value of ``column``, of DuckDB type ``typ``) is one of
        ``values`` (text), by the column's type; NULL where the value is."""
        typ = typ.upper()
        if typ.startswith("VARCHAR") or typ in ('"NULL"', "NULL"):
            texts = [str(v) for v in values]
            return f"({expr} IN ({_lits(texts)}))" if texts else "false"
        if typ in NUMERIC_TYPES or typ.startswith("DECIMAL("):
            numbers = sorted({float(v) for v in values if NUMBER.fullmatch(str(v))})
            if not numbers:
                return "false"
            return f"(CAST({expr} AS DOUBLE) IN ({', '.join(_double(x) for x in numbers)}))"
        if typ == "BOOLEAN":
            flags = sorted({str(v).strip().lower() for v in values} & {"true", "false"})
            return f"({expr} IN ({', '.join(flags)}))" if flags else "false"
        raise SchemaError(
            f"column {column!r} holds {typ} values; filter on it by text, numbers or booleans only: "
            f"for times, use period= (the log's timestamp), or read the column as text"
        )

    @staticmethod
    def _order_by(rel: DuckRelation, alias: str = "") -> str:
        """The order of events within a case: time, then order value, then input row (only the
        keys the log has: sorting on a constant still costs)."""
        keys = [k for k, on in (("t", rel.schema.timestamp), ("o", rel.schema.order)) if on]
        return ", ".join(f"{alias}{k}" for k in [*keys, "r"])

    def _variants_table(self, rel: DuckRelation) -> str:
        """Per distinct variant key ``k``: its activity codes, names, length and id (the MD5 of
        the names joined by U+001F, the same on every engine)."""
        vs = rel.t("vs")
        if "vs" not in rel.cache:
            self._sql(
                f"CREATE TABLE {vs} AS SELECT k, seq, len(seq)::BIGINT AS events, "
                f"md5(array_to_string(list_select(an, seq), chr(31))) AS vid FROM ("
                f"SELECT k, string_split(k, ',')::INTEGER[] AS seq FROM "
                f"(SELECT DISTINCT k FROM {rel.t('cs')})), {self._names(rel)}"
            )
            rel.tables.append(f"{rel.prefix}vs")
            rel.cache["vs"] = True
        return vs

    @staticmethod
    def _names(rel: DuckRelation) -> str:
        """A one-row subquery: ``an``, the activity names by code (codes start at 1)."""
        return f"(SELECT list(name ORDER BY aid) AS an FROM {rel.t('acts')})"

    def _variant_counts(self, rel: DuckRelation, by: Segmentation | None) -> str:
        """Per segment and variant key: cases and median case duration (microseconds).

        Most figures are sums over variants (an edge's cases, an activity's events), so they are
        computed once per variant and weighted by its cases, not once per case.
        """
        key = ("kv", by)
        if key not in rel.cache:
            name = f"kv{len(rel.cache)}"
            self._sql(
                f"CREATE TABLE {rel.t(name)} AS SELECT segment, k, count(*)::BIGINT AS cases, "
                f"quantile_cont((ts[-1] - ts[1])::DOUBLE, 0.5) AS med "
                f"FROM {self._cases(rel, by)} GROUP BY ALL"
            )
            rel.tables.append(rel.prefix + name)
            rel.cache[key] = rel.t(name)
        return str(rel.cache[key])

    # -- case attributes and segments ---------------------------------------------------------

    def _valid_src(self, rel: DuckRelation) -> str:
        """The source rows that are valid events, with their case id as ``__c``."""
        case = q(rel.schema.case or "")
        where = f" WHERE {q(ROW)} NOT IN (SELECT r FROM {rel.t('bad')})" if rel.bad_rows else ""
        if rel.parent is not None:
            where = f" WHERE {q(ROW)} IN (SELECT r FROM {rel.valid})"
        return f"(SELECT CAST({case} AS VARCHAR) AS __c, * FROM {rel.t('src')}{where})"

    def case_attributes(self, rel: DuckRelation) -> list[str]:
        """Columns with at most one distinct non-null value in every case."""
        if "case_attributes" not in rel.cache:
            schema = rel.schema
            mapped = {schema.case, *schema.activity_columns, schema.timestamp, schema.order}
            candidates = [c for c in rel.columns if c not in mapped]
            found: list[str] = []
            if candidates and rel.stats.events:
                # min <> max: two values in a case. Unlike count(DISTINCT), plain aggregates
                # spill to disk under a memory limit (10M cases x a hash set each did not fit).
                varies = ", ".join(f"bool_or(n{i})" for i in range(len(candidates)))
                inner = ", ".join(
                    f"min({q(c)}) IS DISTINCT FROM max({q(c)}) AS n{i}" for i, c in enumerate(candidates)
                )
                row = self._rows(
                    f"SELECT {varies} FROM (SELECT {inner} FROM {self._valid_src(rel)} GROUP BY __c)"
                )[0]
                found = [c for c, n in zip(candidates, row) if not n]
            rel.cache["case_attributes"] = found
        return list(rel.cache["case_attributes"])

    def _attribute(self, rel: DuckRelation, column: str) -> str:
        """A table (``c``, ``v``) with a case attribute's value per case.

        A case where the column takes several values takes the value of its first event that has
        one, with a :class:`~journeymine.segments.VaryingAttributeWarning`.
        """
        key = ("attr", column)
        if key not in rel.cache:
            name = f"attr{len(rel.cache)}"
            table = rel.t(name)
            self._sql(
                f"CREATE TABLE {table} AS SELECT __c AS c, CASE WHEN min({q(column)}) IS NULL THEN 0 "
                f"WHEN min({q(column)}) = max({q(column)}) THEN 1 ELSE 2 END AS nd, "
                f"min({q(column)}) AS v FROM {self._valid_src(rel)} GROUP BY __c"
            )
            rel.tables.append(rel.prefix + name)
            (n,) = self._rows(f"SELECT count(*) FROM {table} WHERE nd > 1")[0]
            if n:
                self._sql(
                    f"UPDATE {table} SET v = f.v FROM (SELECT p.c, first(src.{q(column)} "
                    f"ORDER BY {self._order_by(rel, 'p.')}) AS v FROM {rel.valid} p JOIN {rel.t('src')} src "
                    f"ON src.{q(ROW)} = p.r WHERE src.{q(column)} IS NOT NULL AND p.c IN "
                    f"(SELECT c FROM {table} WHERE nd > 1) GROUP BY p.c) f WHERE {table}.c = f.c"
                )
                examples = []
                for (case,) in self._rows(f"SELECT c FROM {table} WHERE nd > 1 ORDER BY c LIMIT 3"):
                    values = self._rows(
                        f"SELECT DISTINCT CAST({q(column)} AS VARCHAR) FROM {self._valid_src(rel)} "
                        f"WHERE __c = ? AND {q(column)} IS NOT NULL ORDER BY 1 LIMIT 3",
                        [case],
                    )
                    examples.append((case, [v[0] for v in values]))
                warn_varying(column, int(n), examples)
            if rel.cache.get("text") and rel.types[column].upper() == "VARCHAR":
                self._type_text(table)
            rel.cache[key] = table
        return str(rel.cache[key])

    def _type_text(self, table: str) -> None:
        """Type a text attribute by the first rule of ``rules.TEXT_TYPES`` all its values meet."""
        tests = ", ".join(f"bool_and(regexp_full_match(v, {lit(rx)}))" for _, rx in TEXT_TYPES)
        met = self._rows(f"SELECT {tests} FROM {table} WHERE v IS NOT NULL")[0]
        for (sql_type, _), ok in zip(TEXT_TYPES, met):
            if ok:
                typed = f"SELECT c, nd, CAST(v AS {sql_type}) AS v FROM {table}"
                self._sql(f"CREATE OR REPLACE TABLE {table} AS {typed}")
                return

    def _numeric(self, rel: DuckRelation, column: str) -> str:
        """The attribute table with ``v`` cast to DOUBLE, or a clear error."""
        table = self._attribute(rel, column)
        typ = rel.types[column].upper()
        if typ.startswith(("VARCHAR", "STRING")):
            bad = self._rows(
                f"SELECT c, v FROM {table} WHERE v IS NOT NULL AND try_cast(v AS DOUBLE) IS NULL "
                f"ORDER BY c LIMIT 3"
            )
            if bad:
                shown = ", ".join(f"{v!r} (case {c!r})" for c, v in bad)
                raise SchemaError(f"column {column!r} is not numeric, so it cannot be binned: {shown}")
        elif not any(t in typ for t in ("INT", "DOUBLE", "FLOAT", "DECIMAL", "REAL", "NUMERIC")):
            raise SchemaError(f"column {column!r} holds {typ} values; bins= needs numbers")
        return f"(SELECT c, try_cast(v AS DOUBLE) AS v FROM {table})"

    def quantiles(self, rel: DuckRelation, column: str, probs: Sequence[float]) -> list[float | None]:
        """Nearest-value quantiles of a numeric case attribute over cases."""
        table = self._numeric(rel, column)
        row = self._rows(f"SELECT quantile_disc(v, {lit(list(probs))}) FROM {table}")[0][0]
        return [None if v is None else float(v) for v in (row or [None] * len(probs))]

    def _segments(self, rel: DuckRelation, by: Segmentation | None) -> str | None:
        """A table (``c``, ``segment``) for a segmentation, or None when there is none."""
        if by is None:
            return None
        key = ("seg", by)
        if key in rel.cache:
            return str(rel.cache[key])
        if by.cohort is not None:
            unit = "%Y-%m" if by.cohort == "month" else "%Y-%m-%d"
            ts = (
                "make_timestamp(ts[1])"
                if by.cohort == "month"
                else "date_trunc('week', make_timestamp(ts[1]))"
            )
            sql = f"SELECT c, strftime({ts}, {lit(unit)}) AS segment FROM {rel.t('cs')}"
        elif by.edges:
            assert by.column is not None
            table = self._numeric(rel, by.column)
            edges, labels = by.edges, by.labels
            whens = [f"WHEN v < {lit(edges[0])} THEN {lit(labels[0])}"]
            for i in range(1, len(edges) - 1):
                whens.append(f"WHEN v < {lit(edges[i])} THEN {lit(labels[i])}")
            whens.append(f"WHEN v <= {lit(edges[-1])} THEN {lit(labels[-2])}")
            sql = (
                f"SELECT c, CASE WHEN v IS NULL OR isnan(v) THEN NULL {' '.join(whens)} "
                f"ELSE {lit(labels[-1])} END AS segment FROM {table}"
            )
        else:
            assert by.column is not None
            sql = f"SELECT c, v AS segment FROM {self._attribute(rel, by.column)}"
        name = f"seg{len(rel.cache)}"
        self._sql(f"CREATE TABLE {rel.t(name)} AS {sql}")
        rel.tables.append(rel.prefix + name)
        rel.cache[key] = rel.t(name)
        return rel.t(name)

    def _cases(self, rel: DuckRelation, by: Segmentation | None) -> str:
        """The prepared cases with their ``segment`` (NULL without a segmentation)."""
        seg = self._segments(rel, by)
        if seg is None:
            return f"(SELECT NULL AS segment, * FROM {rel.t('cs')})"
        return f"(SELECT s.segment, cs.* FROM {rel.t('cs')} cs JOIN {seg} s ON s.c = cs.c)"

    # -- verbs --------------------------------------------------------------------------------

    def dfg(self, rel: DuckRelation, *, by: Segmentation | None) -> pa.Table:
        """Directly-follows edges with counts and durations, per segment.

        The medians and 90th percentiles are exact (``quantile_cont``), which holds every
        transition's duration of a group in memory at once. Under a ``memory_limit``, a log
        with many transitions is therefore mined a batch of segments at a time (each batch at
        most :data:`DFG_BATCH` transitions, or one segment): the peak is that of the largest
        batch, not of the whole log (100M events by region in 4 GB).
        """
        import pyarrow as pa

        cases = self._cases(rel, by)
        batches = self._dfg_batches(rel, by)
        if batches is None:
            return self._dfg(rel, by, cases)
        table, ranges = batches
        parts = [
            self._dfg(
                rel,
                by,
                f"(SELECT x.* FROM {cases} x JOIN {table} g ON g.segment IS NOT DISTINCT FROM x.segment "
                f"WHERE g.sid BETWEEN {lo} AND {hi})",
            )
            for lo, hi in ranges
        ]
        return pa.concat_tables(parts)  # each batch in order, the batches in segment order

    def _dfg_batches(
        self, rel: DuckRelation, by: Segmentation | None
    ) -> tuple[str, list[tuple[int, int]]] | None:
        """Under a memory limit: a table of the segments (``segment, sid, n``: their order and
        transitions) and the ``sid`` ranges of the batches; ``None`` when one query fits."""
        if by is None or not self.memory_limit:
            return None
        kv, vs = self._variant_counts(rel, by), self._variants_table(rel)
        key = ("dfg segments", by)
        if key not in rel.cache:
            name = f"dseg{len(rel.cache)}"
            self._sql(
                f"CREATE TABLE {rel.t(name)} AS SELECT segment, "
                f"row_number() OVER (ORDER BY segment NULLS LAST) AS sid, n FROM ("
                f"SELECT kv.segment, sum(kv.cases * (vs.events - 1))::BIGINT AS n "
                f"FROM {kv} kv JOIN {vs} vs USING (k) GROUP BY kv.segment)"
            )
            rel.tables.append(rel.prefix + name)
            rel.cache[key] = rel.t(name)
        table = str(rel.cache[key])
        counts = self._rows(f"SELECT sid, n FROM {table} ORDER BY sid")
        if len(counts) < 2 or sum(int(n) for _, n in counts) <= DFG_BATCH:
            return None
        ranges: list[tuple[int, int]] = []
        lo, total = None, 0
        for sid, n in counts:
            if lo is not None and total + int(n) > DFG_BATCH:
                ranges.append((lo, int(sid) - 1))
                lo, total = None, 0
            if lo is None:
                lo = int(sid)
            total += int(n)
        if lo is not None:
            ranges.append((lo, int(counts[-1][0])))
        return table, ranges

    def _dfg(self, rel: DuckRelation, by: Segmentation | None, cases: str) -> pa.Table:
        kv, vs = self._variant_counts(rel, by), self._variants_table(rel)
        # lists unnested side by side stay aligned: element i of each is transition i
        times = (
            ", unnest(ts[:-2]) AS t1, unnest(ts[2:]) AS t2"
            if rel.schema.timestamp
            else ", NULL::BIGINT AS t1, NULL::BIGINT AS t2"
        )
        code = "[seq[i]::BIGINT * 4294967296 + seq[i + 1] FOR i IN range(1, len(seq))]"
        same = "x.segment IS NOT DISTINCT FROM y.segment"
        return self._arrow(
            f"WITH p AS (SELECT segment, a, b, (t2 - t1)::DOUBLE AS dt FROM (SELECT segment, "
            f"unnest(seq[:-2]) AS a, unnest(seq[2:]) AS b{times} FROM {cases} WHERE n > 1)), "
            f"x AS (SELECT segment, a, b, count(*)::BIGINT AS n, avg(dt) / 1e6 AS mean_s, "
            f"quantile_cont(dt, [0.5, 0.9]) AS q FROM p GROUP BY ALL), "
            f"y AS (SELECT segment, (code >> 32)::INTEGER AS a, (code & 4294967295)::INTEGER AS b, "
            f"sum(cases)::BIGINT AS cases FROM (SELECT kv.segment, kv.cases, "
            f"unnest(list_distinct({code})) AS code FROM {kv} kv JOIN {vs} USING (k) "
            f"WHERE events > 1) GROUP BY ALL) "
            f"SELECT x.segment, s.name AS source, t.name AS target, x.n AS count, y.cases, "
            f"x.mean_s::DOUBLE AS mean_s, (x.q[1] / 1e6)::DOUBLE AS median_s, "
            f"(x.q[2] / 1e6)::DOUBLE AS p90_s FROM x JOIN y ON {same} AND x.a = y.a AND x.b = y.b "
            f"JOIN {rel.t('acts')} s ON s.aid = x.a JOIN {rel.t('acts')} t ON t.aid = x.b "
            f"ORDER BY 1 NULLS LAST, 2, 3"
        )

    def durations(self, rel: DuckRelation, *, by: Segmentation | None) -> pa.Table:
        """Histograms of case and transition durations per segment (see ``Engine.durations``)."""
        cases = self._cases(rel, by)
        if not rel.schema.timestamp:
            return self._arrow(
                "SELECT NULL::VARCHAR AS segment, NULL::VARCHAR AS source, NULL::VARCHAR AS target, "
                "NULL::INTEGER AS bin, NULL::BIGINT AS count WHERE false"
                if by is None
                else f"SELECT segment, NULL::VARCHAR AS source, NULL::VARCHAR AS target, "
                f"NULL::INTEGER AS bin, NULL::BIGINT AS count FROM {cases} WHERE false"
            )
        binned = f"floor(ln(1 + (dt::DOUBLE / 1e6)) * {DURATION_BINS})::INTEGER"
        acts = rel.t("acts")
        return self._arrow(
            f"WITH c AS (SELECT segment, NULL::INTEGER AS a, NULL::INTEGER AS b, "
            f"ts[-1] - ts[1] AS dt FROM {cases}), "
            f"p AS (SELECT segment, unnest(seq[:-2]) AS a, unnest(seq[2:]) AS b, "
            f"unnest(ts[2:]) - unnest(ts[:-2]) AS dt FROM {cases} WHERE n > 1), "
            f"h AS (SELECT segment, a, b, {binned} AS bin, count(*)::BIGINT AS count "
            f"FROM (SELECT * FROM c UNION ALL SELECT * FROM p) GROUP BY ALL) "
            f"SELECT h.segment, s.name AS source, t.name AS target, h.bin, h.count FROM h "
            f"LEFT JOIN {acts} s ON s.aid = h.a LEFT JOIN {acts} t ON t.aid = h.b "
            f"ORDER BY 1 NULLS LAST, 2 NULLS FIRST, 3 NULLS FIRST, 4"
        )

    def activities(self, rel: DuckRelation, *, by: Segmentation | None) -> pa.Table:
        """Per activity and segment: events, cases, and cases starting / ending with it."""
        kv, vs = self._variant_counts(rel, by), self._variants_table(rel)
        return self._arrow(
            f"WITH h AS (SELECT kv.segment, kv.cases, unnest(map_entries(list_histogram(seq))) AS e, "
            f"seq[1] AS f, seq[-1] AS l FROM {kv} kv JOIN {vs} USING (k)) "
            f"SELECT h.segment, d.name AS activity, sum(h.e.value * h.cases)::BIGINT AS events, "
            f"sum(h.cases)::BIGINT AS cases, "
            f"coalesce(sum(h.cases) FILTER (h.e.key = h.f), 0)::BIGINT AS start, "
            f'coalesce(sum(h.cases) FILTER (h.e.key = h.l), 0)::BIGINT AS "end" '
            f"FROM h JOIN {rel.t('acts')} d ON d.aid = h.e.key GROUP BY ALL ORDER BY 1 NULLS LAST, 2"
        )

    def activity_channels(self, rel: DuckRelation, *, by: Segmentation | None) -> pa.Table:
        """Events per segment, activity and channel (empty without a mapped channel)."""
        channel = rel.schema.channel
        if channel is None:
            return self._arrow(
                f"SELECT segment, NULL::VARCHAR AS activity, NULL::VARCHAR AS channel, "
                f"NULL::BIGINT AS events FROM {self._cases(rel, by)} WHERE false"
            )
        seg = self._segments(rel, by)
        text = f"CAST(src.{q(channel)} AS VARCHAR)"
        # the activity as the events have it (a composite activity's label)
        events = (
            f"(SELECT v.c, v.a AS activity, CASE WHEN {_blank(text)} THEN NULL ELSE {text} END AS channel "
            f"FROM {rel.valid} v JOIN {rel.t('src')} src ON src.{q(ROW)} = v.r)"
        )
        if seg is None:
            source = f"(SELECT NULL AS segment, activity, channel FROM {events})"
        else:
            source = f"(SELECT s.segment, e.activity, e.channel FROM {events} e JOIN {seg} s ON s.c = e.c)"
        return self._arrow(
            f"SELECT segment, activity, channel, count(*)::BIGINT AS events FROM {source} "
            f"GROUP BY ALL ORDER BY 1 NULLS LAST, 2, 3 NULLS LAST"
        )

    def rarest_edges(self, rel: DuckRelation, *, by: Segmentation | None) -> pa.Table:
        """Per segment and edge: the cases whose lowest-ranked transition it is."""
        kv, vs = self._variant_counts(rel, by), self._variants_table(rel)
        acts = rel.t("acts")
        code = "[seq[i]::BIGINT * 4294967296 + seq[i + 1] FOR i IN range(1, len(seq))]"
        same = "p.segment IS NOT DISTINCT FROM r.segment"
        # once per variant, weighted by its cases: p (every transition of a variant), n (an
        # edge's transitions), r (its rank in the segment), w (a variant's lowest-ranked edge)
        return self._arrow(
            f"WITH p AS (SELECT kv.segment, kv.k, kv.cases, unnest({code}) AS code "
            f"FROM {kv} kv JOIN {vs} USING (k) WHERE events > 1), "
            f"n AS (SELECT segment, code, sum(cases) AS count FROM p GROUP BY ALL), "
            f"r AS (SELECT n.segment, n.code, row_number() OVER (PARTITION BY n.segment "
            f"ORDER BY n.count DESC, s.name, t.name) AS rank, s.name AS source, t.name AS target "
            f"FROM n JOIN {acts} s ON s.aid = (n.code >> 32) JOIN {acts} t "
            f"ON t.aid = (n.code & 4294967295)), "
            f"w AS (SELECT p.segment, p.k, any_value(p.cases) AS cases, max(r.rank) AS rank "
            f"FROM p JOIN r ON {same} AND p.code = r.code GROUP BY p.segment, p.k) "
            f"SELECT r.segment, r.source, r.target, sum(w.cases)::BIGINT AS cases FROM w JOIN r "
            f"ON w.segment IS NOT DISTINCT FROM r.segment AND w.rank = r.rank "
            f"GROUP BY ALL ORDER BY 1 NULLS LAST, 2, 3"
        )

    def variants(self, rel: DuckRelation, *, by: Segmentation | None, top: int | None) -> pa.Table:
        """Variants per segment with cases, share and median case duration."""
        kv, vs = self._variant_counts(rel, by), self._variants_table(rel)
        rank = ""
        if top is not None:
            rank = f"QUALIFY row_number() OVER (PARTITION BY segment ORDER BY cases DESC, vid) <= {int(top)}"
        return self._arrow(
            f"WITH w AS (SELECT kv.segment, kv.cases, kv.med, vs.vid, vs.seq, vs.events, "
            f"kv.cases / sum(kv.cases) OVER (PARTITION BY kv.segment) AS share "
            f"FROM {kv} kv JOIN {vs} vs USING (k) {rank}) "
            f"SELECT segment, list_select(an, seq) AS variant, vid AS variant_id, events, cases, "
            f"share::DOUBLE AS share, (med / 1e6)::DOUBLE AS median_duration_s "
            f"FROM w, {self._names(rel)} ORDER BY segment NULLS LAST, cases DESC, vid"
        )

    def cases(self, rel: DuckRelation, *, by: Segmentation | None, attributes: Mapping[str, str]) -> pa.Table:
        """One row per case with its segment, events, start, end, duration, variant and attributes."""
        vs = self._variants_table(rel)
        cols, joins = [], []
        for i, (name, column) in enumerate(attributes.items()):
            table = self._attribute(rel, column)
            cols.append(f"a{i}.v AS {q(name)}")
            joins.append(f" LEFT JOIN {table} a{i} ON a{i}.c = cs.c")
        extra = "".join(", " + c for c in cols)
        return self._arrow(
            f'SELECT cs.c AS "case", cs.segment, cs.n AS events, '
            f'make_timestamp(cs.ts[1]) AS start, make_timestamp(cs.ts[-1]) AS "end", '
            f"((cs.ts[-1] - cs.ts[1]) / 1e6)::DOUBLE AS duration_s, vs.vid AS variant_id{extra} "
            f"FROM {self._cases(rel, by)} cs JOIN {vs} vs USING (k){''.join(joins)} ORDER BY cs.c"
        )

    def paths(self, rel: DuckRelation, *, by: Segmentation | None, measure: str | None) -> pa.Table:
        """Per segment and path (activities with their channels): cases, case durations, mean
        gaps between steps and the measure per step (see ``Engine.paths``).

        One row per case (its codes, channels, times and measures in order), then one group by
        path. The figures per step are taken from each path's list of cases with list functions:
        unnesting the cases to one row per event and grouping by (path, step) carries the whole
        path in every row, which costs the square of its length (5 s against 0.3 s on a
        1M-event log). A path's cases are sorted by duration and case id first, and every sum
        and mean is a left fold from 0.0 in that order, as on Spark: the two engines give the
        same figures to the bit, whatever the order of the input rows (and of the threads)."""
        schema = rel.schema
        channel = schema.channel
        if measure is not None:
            self._check_measure(rel, measure)
        timed, has_m = schema.timestamp is not None, measure is not None
        if channel is None and not has_m:
            # nothing beyond the prepared cases: their codes and times are already in order
            source = (
                f"(SELECT c, seq, [NULL::VARCHAR FOR x IN seq] AS chs, ts, NULL::DOUBLE[] AS ms "
                f"FROM {rel.t('cs')})"
            )
        else:
            fields = [("a", "d.aid")]
            if channel:
                text = f"CAST(src.{q(channel)} AS VARCHAR)"
                fields.append(("ch", f"CASE WHEN {_blank(text)} THEN NULL ELSE {text} END"))
            else:
                fields.append(("ch", "NULL::VARCHAR"))
            if has_m:
                fields.append(("m", f"try_cast(src.{q(measure or '')} AS DOUBLE)"))
            # sorted by its first fields: time, order value, input row (unique), as everywhere
            order = [(k, f"v.{k}") for k, on in (("t", schema.timestamp), ("o", schema.order)) if on]
            key = "{" + ", ".join(f"'{k}': {e}" for k, e in [*order, ("r", "v.r"), *fields]) + "}"
            events = (
                f"(SELECT v.c, list_sort(list({key})) AS l FROM {rel.valid} v "
                f"JOIN {rel.t('acts')} d ON d.name = v.a "
                f"JOIN {rel.t('src')} src ON src.{q(ROW)} = v.r GROUP BY v.c)"
            )
            # NaN counts as missing. Tested on the list, not on the column: on a Parquet file
            # DuckDB takes the column's min/max statistics (which leave NaN out) as proof that
            # isnan() is false, and would keep every NaN
            ms = "[CASE WHEN isnan(x.m) THEN NULL ELSE x.m END FOR x IN l]" if has_m else "NULL::DOUBLE[]"
            ts = "[x.t FOR x IN l]" if timed else "NULL::BIGINT[]"
            source = (
                f"(SELECT c, [x.a FOR x IN l] AS seq, [x.ch FOR x IN l] AS chs, {ts} AS ts, {ms} AS ms "
                f"FROM {events})"
            )
        seg = self._segments(rel, by)
        if seg is None:
            per_case = f"(SELECT NULL AS segment, p.* FROM {source} p)"
        else:
            per_case = f"(SELECT s.segment, p.* FROM {source} p JOIN {seg} s ON s.c = p.c)"
        add = "lambda a, b: a + b"
        given = "[x FOR x IN ms IF x IS NOT NULL]"
        # one row per case: its path, duration and gaps (seconds), measures and their mean
        cases = (
            "SELECT segment, c, seq, chs, ((ts[-1] - ts[1]) / 1e6)::DOUBLE AS dur, "
            "[((ts[i + 1] - ts[i]) / 1e6)::DOUBLE FOR i IN range(1, len(ts))] AS gaps, ms, "
            f"CASE WHEN len({given}) > 0 THEN list_reduce({given}, {add}, 0.0) / len({given}) END AS cm "
            f"FROM {per_case}"
        )
        # one row per path, its cases sorted by duration, then id (unique)
        parts = (["'d': dur"] if timed else []) + ["'c': c"]
        parts += (["'g': gaps"] if timed else []) + (["'m': ms"] if has_m else [])
        per_path = (
            "SELECT segment, seq, chs, count(*)::BIGINT AS cases"
            + (f", list_sort(list({{{', '.join(parts)}}})) AS pc" if timed or has_m else "")
            + (
                ", coalesce(list(cm ORDER BY cm) FILTER (cm IS NOT NULL), []::DOUBLE[]) AS cml"
                if has_m
                else ""
            )
            + " FROM c GROUP BY ALL"
        )
        steps = "range(1, len(seq) + 1)"
        at = "[x.m[i] FOR x IN pc IF x.m[i] IS NOT NULL]"
        square = "[x.m[i] * x.m[i] FOR x IN pc IF x.m[i] IS NOT NULL]"
        figures = [
            "[x.d FOR x IN pc] AS durations_s" if timed else "NULL::DOUBLE[] AS durations_s",
            f"[list_reduce([x.g[i] FOR x IN pc], {add}, 0.0) / cases FOR i IN range(1, len(seq))] AS gaps_s"
            if timed
            else "NULL::DOUBLE[] AS gaps_s",
        ]
        if has_m:
            figures += [
                f"[len({at})::BIGINT FOR i IN {steps}] AS measure_n",
                f"[list_reduce({at}, {add}, 0.0)::DOUBLE FOR i IN {steps}] AS measure_sum",
                f"[list_reduce({square}, {add}, 0.0)::DOUBLE FOR i IN {steps}] AS measure_sq",
                "cml AS case_measure",
            ]
        else:
            figures += [
                "NULL::BIGINT[] AS measure_n",
                "NULL::DOUBLE[] AS measure_sum",
                "NULL::DOUBLE[] AS measure_sq",
                "NULL::DOUBLE[] AS case_measure",
            ]
        ids = (
            "md5(array_to_string(activities, chr(31)) || chr(30) || "
            "array_to_string([coalesce(x, '') FOR x IN channels], chr(31))) AS path_id, "
            "md5(array_to_string(activities, chr(31))) AS variant_id"
        )
        return self._arrow(
            f"WITH c AS ({cases}), a AS ({per_path}), "
            f"r AS (SELECT segment, list_select(n.an, seq) AS activities, chs AS channels, cases, "
            f"{', '.join(figures)} FROM a, {self._names(rel)} n) "
            f"SELECT segment, {ids}, activities, channels, cases, durations_s, gaps_s, measure_n, "
            f"measure_sum, measure_sq, case_measure FROM r ORDER BY segment NULLS LAST, cases DESC, path_id"
        )

    def _check_measure(self, rel: DuckRelation, column: str) -> None:
        """A numeric event column, or a clear error."""
        if column not in rel.columns:
            raise SchemaError(
                f"column {column!r} not found, so it cannot be measured; available: "
                f"{', '.join(rel.columns)}; pass measure=... with a numeric event column"
            )
        typ = rel.types[column].upper()
        if typ.startswith("VARCHAR"):
            # numbers as text by one pattern both engines read alike (spark.NUMBER): a cast
            # alone differs ('1_000' is a number to DuckDB, '1d' to Spark)
            number = r"\s*([+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|[+-]?(?i:inf|infinity)|(?i:nan))\s*"
            bad = self._rows(
                f"SELECT __c, {q(column)} FROM {self._valid_src(rel)} WHERE {q(column)} IS NOT NULL "
                f"AND NOT {_blank(q(column))} AND NOT regexp_full_match({q(column)}, {lit(number)}) "
                f"ORDER BY __c, {q(ROW)} LIMIT 3"
            )
            if bad:
                shown = ", ".join(f"{v!r} (case {c!r})" for c, v in bad)
                raise SchemaError(f"column {column!r} is not numeric, so it cannot be measured: {shown}")
            return
        # exact names: a test for "INT" in the name would let INTERVAL and BIGINT[] through
        numbers = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "FLOAT", "DOUBLE"}
        numbers |= {"U" + t for t in ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT")}
        if typ not in numbers and not typ.startswith("DECIMAL(") and typ not in ('"NULL"', "NULL"):
            raise SchemaError(f"column {column!r} holds {typ} values; a measure needs numbers")

    def journey(
        self, rel: DuckRelation, plan: JourneyPlan, *, by: Segmentation | None = None
    ) -> JourneyTables:
        """The figures of a journey map per segment (see ``Engine.journey``), from the plan's
        SQL (``engines/plans.py``): a temporary table of the events with their window figures,
        the per-customer tables made a range of cases at a time, then one small query per
        figure table."""
        inputs = plans.journey_inputs(plan)
        extra = "".join(f", src.{q(col)} AS {name}" for name, col in inputs.items())
        join = f" JOIN {rel.t('src')} src ON src.{q(ROW)} = v.r" if inputs else ""
        source = f"(SELECT v.c, v.a, v.t, v.o, v.r{extra} FROM {rel.valid} v{join})"
        kinds = {name: plans.kind_of(rel.types.get(col, "")) for name, col in inputs.items()}
        order = [k for k, on in (("t", rel.schema.timestamp), ("o", rel.schema.order)) if on] + ["r"]
        segments = self._segments(rel, by)
        n = next(self._ids)
        src_name, events = f"__jm_ev{n}", f"__jm_je{n}"
        tables = tuple(f"{name}{n}" for name in plans.PER_CASE)
        sql = plans.journey_sql(
            plan, order=order, kinds=kinds, source=src_name, events=events, segments=segments, tables=tables
        )
        with_source = f"WITH {src_name} AS {source} "
        checks = self._arrow(with_source + sql.checks)
        views: list[str] = []
        try:
            self._sql(f"CREATE TEMP TABLE {events} AS {with_source}{sql.events}")
            self._per_case(plan, order, kinds, events, segments, tables, views)
            out = JourneyTables(
                touchpoints=self._arrow(sql.tp_figures),
                stages=self._arrow(sql.stage_figures),
                channels=self._arrow(sql.channel_figures),
                moments=self._arrow(sql.moments),
                segments=self._arrow(sql.segments),
                transitions=self._arrow(sql.transitions),
                checks=checks,
            )
        finally:
            for view in views:
                self._sql(f"DROP VIEW IF EXISTS {view}")
            for table in (*reversed(tables), events):  # those made; IF EXISTS: a failure midway
                self._sql(f"DROP TABLE IF EXISTS {table}")
        return out

    def _per_case(
        self,
        plan: JourneyPlan,
        order: list[str],
        kinds: dict[str, str],
        events: str,
        segments: str | None,
        tables: tuple[str, ...],
        views: list[str],
    ) -> None:
        """Make the per-customer tables ``tables`` (cases, customer x touchpoint, customer x
        touchpoint x channel), a range of cases at a time when the events are many: the
        group-by over every case at once was the peak memory of a journey map (4M events: +1.4
        GB). The views of the ranges are added to ``views``."""
        (rows,) = self._rows(f"SELECT count(*) FROM {events}")[0]
        k = min(16, -(-int(rows) // JOURNEY_BATCH))
        bounds: list[Any] = []
        if k > 1:
            probs = ", ".join(f"{i / k!r}" for i in range(1, k))
            (found,) = self._rows(
                f"SELECT quantile_disc(c, [{probs}]) FROM (SELECT DISTINCT c FROM {events})"
            )[0]
            bounds = sorted(set(found or []))
        edges: list[Any] = [None, *bounds, None]
        for i, (lo, hi) in enumerate(itertools.pairwise(edges)):
            where = " AND ".join(
                w
                for w in (
                    f"c >= {lit(lo)}" if lo is not None else "",
                    f"c < {lit(hi)}" if hi is not None else "",
                )
                if w
            )
            view, cases_of = events, None
            if where:
                view = f"{events}_b{len(views)}"
                self._sql(f"CREATE TEMP VIEW {view} AS SELECT * FROM {events} WHERE {where}")
                views.append(view)
                cases_of = f"(SELECT * FROM {tables[0]} WHERE {where})"
            sql = plans.journey_sql(
                plan,
                order=order,
                kinds=kinds,
                events=view,
                segments=segments,
                tables=tables,
                cases_of=cases_of,
            )
            for table, query in zip(tables, (sql.cases, sql.touchpoints, sql.channels)):
                if i == 0:
                    self._sql(f"CREATE TEMP TABLE {table} AS {query}")
                else:
                    self._sql(f"INSERT INTO {table} {query}")

    # -- journeys -----------------------------------------------------------------------------

    def _cut_table(self, rel: DuckRelation, plan: CutPlan) -> str:
        """A table of ``rel``'s events cut by ``plan`` (``plans.cut_sql``: r, c, k, ended,
        opens, keep, reason), made once per plan."""
        key = ("cut", plan)
        if key not in rel.cache:
            name = f"cut{len(rel.cache)}"
            order = [k for k, on in (("t", rel.schema.timestamp), ("o", rel.schema.order)) if on] + ["r"]
            sql = plans.cut_sql(plan, order=order, source=f"(SELECT r, c, a, t, o FROM {rel.valid})")
            with progress.step("cutting journeys"):
                self._sql(f"CREATE TABLE {rel.t(name)} AS {sql}")
            rel.tables.append(rel.prefix + name)
            rel.cache[key] = rel.t(name)
        return str(rel.cache[key])

    def cut(self, rel: DuckRelation, plan: CutPlan) -> Cut:
        """The journeys of ``rel`` (see ``Engine.cut``): a new relation over ``rel``'s source
        rows (a view that adds the journey columns to the rows kept) and a table of its events,
        prepared like a loaded log; ``rel`` is unchanged and kept alive by it."""
        cut = self._cut_table(rel, plan)
        journeys, selected, complete, events_in, outside = self._rows(
            f"SELECT count(*) FILTER (opens = 1), count(*) FILTER (opens = 1 AND keep), "
            f"count(*) FILTER (opens = 1 AND keep AND ended = 2), count(*) FILTER (keep), "
            f"count(*) FILTER (NOT keep) FROM {cut}"
        )[0]
        counts: dict[str, Any] = {
            "journeys": int(journeys),
            "selected": int(selected),
            "complete": int(complete) if plan.ends is not None else 0,
            "events_in": int(events_in),
            "events_outside": int(outside),
        }
        names = self._rows(
            f"SELECT DISTINCT v.a FROM {rel.valid} v JOIN {cut} j ON j.r = v.r WHERE NOT j.keep ORDER BY 1"
        )
        counts["outside_activities"] = tuple(str(n) for (n,) in names)
        if not events_in:
            return Cut(None, **counts)
        prefix = f"jm{next(self._ids)}_"
        schema = replace(rel.schema, case="journey")
        child = DuckRelation(self, prefix, rel.scan, schema, (), {})
        weakref.finalize(child, self._forget, child.tables)
        child.cache["base"] = rel  # its source rows and cut table are the child's
        for key in ("preparsed", "text", "tz", "timestamp_format"):
            if key in rel.cache:
                child.cache[key] = rel.cache[key]
        journey = "j.c || '#' || CAST(j.k AS VARCHAR)"
        complete_col = "j.ended = 2 AS journey_complete, " if plan.ends is not None else ""
        self._sql(
            f"CREATE VIEW {child.t('src')} AS SELECT {journey} AS journey, s.*, "
            f"CAST(j.k AS BIGINT) AS journey_index, {complete_col}"
            f"CASE j.ended WHEN 2 THEN 'end' WHEN 1 THEN 'gap' ELSE 'data' END AS journey_ended_by "
            f"FROM {rel.t('src')} s JOIN {cut} j ON j.r = s.{q(ROW)} WHERE j.keep"
        )
        child.tables.append(f"{prefix}src")
        self._sql(
            f"CREATE TABLE {child.t('ev')} AS SELECT v.r, {journey} AS c, v.a, v.t, v.o "
            f"FROM {rel.valid} v JOIN {cut} j ON j.r = v.r WHERE j.keep"
        )
        child.tables.append(f"{prefix}ev")
        self._sql(f"CREATE TABLE {child.t('bad')} (r BIGINT, reason VARCHAR)")
        child.tables.append(f"{prefix}bad")
        child.valid = f"(SELECT r, c, a, t, o FROM {child.t('ev')})"
        described = self._rows(f"DESCRIBE {child.t('src')}")
        child.types = {row[0]: str(row[1]) for row in described if not row[0].startswith("__jm_")}
        child.columns = tuple(child.types)
        child.cache.update(total=int(events_in), invalid=0, reasons={})
        child.cache.setdefault("tz", None)
        with progress.step("ordering journeys"):
            self._prepare(child)
        return Cut(child, **counts)

    def cut_outside(self, rel: DuckRelation, plan: CutPlan, *, columns: Sequence[str] = ()) -> pa.Table:
        """The events ``cut(rel, plan)`` does not keep, with a reason each (see ``Engine.cut_outside``)."""
        cut = self._cut_table(rel, plan)
        return self._arrow(
            self._events_sql(
                rel, columns, lead="j.reason, ", join=f"JOIN {cut} j ON j.r = v.r ", keep="NOT j.keep"
            )
        )

    # -- union ------------------------------------------------------------------------------

    def union(self, plan: UnionPlan) -> Union:
        """Combine sources into one log of customers (see ``Engine.union``): one staging table
        of every source event (its customer, whether it is set aside or a duplicate), and a
        new log over a view of the events kept, read like a loaded log."""
        import pyarrow as pa

        from journeymine.connectors.base import Scan

        prefix = f"jm{next(self._ids)}_"
        stage = q(prefix + "stage")
        tables: list[str] = []
        names = [part.name for part in plan.parts]
        for part in plan.parts:
            if not isinstance(part.relation, DuckRelation) or part.relation.engine is not self:
                raise EngineError(f"combine: source {part.name!r} is not a log of this duckdb engine")
        # the row of an event: its source's rank, then its row there (ties keep this order). A
        # source's rows are its root log's (a cut or filtered log keeps them): ask the largest
        span = 1 + max(
            int(self._rows(f"SELECT coalesce(max(r), 0) FROM {part.relation.valid}")[0][0])
            for part in plan.parts
        )
        if span * len(plan.parts) >= 2**40:
            raise EngineError("combine: too many events to combine on the duckdb engine (2^40 rows)")
        casts = plans.union_kinds(
            [{out: p.relation.types.get(col, "") for col, out in p.columns} for p in plan.parts]
        )
        cast_to = {None: "", "number": "DOUBLE", "text": "VARCHAR"}
        selects = []
        for rank, part in enumerate(plan.parts):
            rel = part.relation
            t = "v.t"
            if part.zone is not None and rel.stats.timezone != "UTC":
                self._check_local_times(rel, part.name, part.zone)
                t = f"epoch_us(timezone({lit(part.zone)}, make_timestamp(v.t)))"
            channel = lit(part.name)
            if rel.schema.channel:
                channel = f"coalesce(CAST(src.{q(rel.schema.channel)} AS VARCHAR), {lit(part.name)})"
            if rel.schema.order:  # ties in time keep the source's order: order value, then row
                row = f"row_number() OVER (ORDER BY {self._order_by(rel, 'v.')}) - 1"
            else:
                row = "v.r"
            extra = "".join(
                f", CAST(src.{q(col)} AS {cast_to[casts[out]]}) AS {q(out)}"
                if casts[out]
                else f", src.{q(col)} AS {q(out)}"
                for col, out in part.columns
            )
            selects.append(
                f"SELECT {rank} AS __jm_rank, {lit(part.name)} AS source, v.c AS source_id, "
                f"v.a AS activity, {t} AS __jm_t, {channel} AS channel, "
                f"({rank} * {span} + {row})::BIGINT AS __jm_r0{extra} "
                f"FROM {rel.valid} v JOIN {rel.t('src')} src ON src.{q(ROW)} = v.r"
            )
        union = " UNION ALL BY NAME ".join(f"({sql})" for sql in selects)
        if plan.identities is not None:
            ids = prefix + "ids"
            with self._lock:
                self.connection.register(ids, plan.identities)
            tables.append(ids)
            own = "u.source || ':' || u.source_id" if plan.unmatched == "keep" else "NULL"
            mapped = (
                f"SELECT u.*, m.customer IS NULL AS __jm_unmatched, coalesce(m.customer, {own}) AS customer "
                f"FROM ({union}) u LEFT JOIN {q(ids)} m ON m.source = u.source AND m.id = u.source_id"
            )
        else:
            mapped = f"SELECT u.*, false AS __jm_unmatched, u.source_id AS customer FROM ({union}) u"
        first = "min(__jm_rank) OVER (PARTITION BY customer, activity, __jm_t)"
        with progress.step("combining sources"):
            self._sql(
                f"CREATE TABLE {stage} AS SELECT *, CASE WHEN customer IS NULL THEN NULL ELSE {first} END "
                f"AS __jm_first FROM ({mapped})"
            )
        tables.append(prefix + "stage")
        keep_dups = plan.duplicates == "keep"
        kept = f"customer IS NOT NULL AND ({'true' if keep_dups else '__jm_first = __jm_rank'})"
        rows = self._rows(
            f"SELECT __jm_rank, count(*), count(DISTINCT source_id), "
            f"count(DISTINCT source_id) FILTER (__jm_unmatched), count(*) FILTER (__jm_unmatched), "
            f"count(*) FILTER (__jm_first < __jm_rank), count(*) FILTER ({kept}), "
            f"count(*) FILTER (customer IS NULL) FROM {stage} GROUP BY 1 ORDER BY 1"
        )
        by_rank = {int(r[0]): r for r in rows}
        stats: dict[str, list[Any]] = {k: [] for k in UNION_STATS}
        aside = 0
        for rank, name in enumerate(names):
            r = by_rank.get(rank, (rank, 0, 0, 0, 0, 0, 0, 0))
            events, n_ids, unmatched_ids, unmatched_events, dups, kept_n, aside_n = (int(x) for x in r[1:])
            aside += aside_n
            for key, value in zip(
                UNION_STATS,
                (name, events, n_ids, n_ids - unmatched_ids, unmatched_ids, unmatched_events, dups, kept_n),
            ):
                stats[key].append(value)
        sources = pa.table(stats)
        unmatched = self._arrow(
            f"SELECT source, source_id AS id, count(*)::BIGINT AS events FROM {stage} "
            f"WHERE __jm_unmatched GROUP BY __jm_rank, source, source_id ORDER BY __jm_rank, source_id"
        )
        duplicates = int(sum(stats["duplicates"]))
        handle = _UnionHandle(self, stage, plan, tables)
        weakref.finalize(handle, self._forget, tables)
        total_kept = int(sum(stats["events_kept"]))
        if not total_kept:
            return Union(None, sources, unmatched, duplicates, aside, handle)
        outputs = [out for part in plan.parts for _, out in part.columns]
        extras = "".join(f", {q(out)}" for out in dict.fromkeys(outputs))
        ts = "make_timestamp(__jm_t)::TIMESTAMPTZ" if plan.utc else "make_timestamp(__jm_t)"
        rel_prefix = f"jm{next(self._ids)}_"
        scan = Scan(
            kind="union",
            location=f"the combined log of {', '.join(names)}",
            columns=(*_UNION_COLUMNS, *dict.fromkeys(outputs)),
        )
        schema = Schema(case="customer", activity="activity", timestamp="timestamp", channel="channel")
        rel = DuckRelation(self, rel_prefix, scan, schema, scan.columns, {})
        weakref.finalize(rel, self._forget, rel.tables)
        rel.cache["union"] = handle  # the staging table lives as long as the log
        self._sql(
            f"CREATE VIEW {rel.t('src')} AS SELECT customer, activity, {ts} AS timestamp, channel, source, "
            f"source_id{extras}, __jm_r0 AS {q(ROW)} FROM {stage} WHERE {kept}"
        )
        rel.tables.append(f"{rel_prefix}src")
        described = self._rows(f"DESCRIBE {rel.t('src')}")
        rel.types = {row[0]: str(row[1]) for row in described if not row[0].startswith("__jm_")}
        rel.columns = tuple(rel.types)
        with progress.step("checking rows"):
            self._check(rel, "quarantine")
        with progress.step("ordering events"):
            self._prepare(rel)
        return Union(rel, sources, unmatched, duplicates, aside, handle)

    def _check_local_times(self, rel: DuckRelation, name: str, zone: str) -> None:
        """A SchemaError naming a local time of ``rel`` that does not exist in ``zone`` (skipped
        when the clock moves forward) or that it holds twice (when the clock moves back)."""
        local = "make_timestamp(v.t)"
        utc = f"timezone({lit(zone)}, {local})"
        back = f"timezone({lit(zone)}, {utc})"
        # another instant that reads as the same local time: one shown after a change of the clock
        twice = " OR ".join(
            f"timezone({lit(zone)}, {utc} {sign} INTERVAL {m} MINUTE) = {local}"
            for m in (30, 60, 120)
            for sign in "+-"
        )
        found = self._rows(
            f"SELECT {local}, CASE WHEN {back} <> {local} THEN 'nonexistent' ELSE 'ambiguous' END "
            f"FROM (SELECT t FROM {rel.valid}) v WHERE {back} <> {local} OR {twice} ORDER BY 1 LIMIT 1"
        )
        if found:
            when, kind = found[0]
            raise local_time_error(name, zone, when, kind)

    def union_rows(self, handle: Any, which: str) -> pa.Table:
        """Events of a union for its report (see ``Engine.union_rows``)."""
        assert isinstance(handle, _UnionHandle) and handle.engine is self
        ts = "make_timestamp(__jm_t)::TIMESTAMPTZ" if handle.plan.utc else "make_timestamp(__jm_t)"
        if which == "duplicates":
            names = ", ".join(lit(p.name) for p in handle.plan.parts)
            return self._arrow(
                f"SELECT source, source_id, customer, activity, {ts} AS timestamp, "
                f"[{names}][__jm_first + 1] AS first_source FROM {handle.stage} "
                f"WHERE __jm_first < __jm_rank ORDER BY __jm_rank, source_id, __jm_t, __jm_r0"
            )
        outputs = [out for part in handle.plan.parts for _, out in part.columns]
        extras = "".join(f", {q(out)}" for out in dict.fromkeys(outputs))
        return self._arrow(
            f"SELECT source, source_id, activity, {ts} AS timestamp, channel{extras} "
            f"FROM {handle.stage} WHERE customer IS NULL ORDER BY __jm_rank, source_id, __jm_t, __jm_r0"
        )

    def events(self, rel: DuckRelation, *, columns: Sequence[str] = ()) -> pa.Table:
        """The valid events in canonical order (case, position)."""
        return self._arrow(self._events_sql(rel, columns))

    def _events_sql(
        self, rel: DuckRelation, columns: Sequence[str], *, lead: str = "", join: str = "", keep: str = ""
    ) -> str:
        """SQL: the events in canonical order with their position in the case (over all its
        events), after the ``lead`` columns, joined with ``join``, and only those ``keep`` keeps."""
        extra = "".join(f", src.{q(c)}" for c in columns)
        if rel.schema.channel:
            extra = f", CAST(src.{q(rel.schema.channel)} AS VARCHAR) AS channel" + extra
        return (
            f'SELECT {lead}v.c AS "case", v.a AS activity, make_timestamp(v.t) AS timestamp, '
            f"(row_number() OVER w - 1)::INTEGER AS position{extra} FROM {rel.valid} v {join}"
            f"JOIN {rel.t('src')} src ON src.{q(ROW)} = v.r "
            f"WINDOW w AS (PARTITION BY v.c ORDER BY {self._order_by(rel, 'v.')}) "
            + (f"QUALIFY {keep} " if keep else "")
            + "ORDER BY v.c, position"
        )

    def quarantine(self, rel: DuckRelation, *, limit: int | None = None) -> pa.Table:
        """The rows set aside, with a reason each, in input order."""
        import pyarrow as pa

        if rel.parent is not None:  # a filtered log sets aside what its source did
            return self.quarantine(rel.root, limit=limit)
        schema = rel.schema
        column_of = reason_columns(schema)
        column_case = (
            "CASE b.reason "
            + " ".join(f"WHEN {lit(k)} THEN {lit(v)}" for k, v in column_of.items() if v)
            + " END"
        )
        value_case = (
            "CASE b.reason "
            + " ".join(f"WHEN {lit(k)} THEN CAST(src.{q(v)} AS VARCHAR)" for k, v in column_of.items() if v)
            + " END"
        )
        cap = f" LIMIT {int(limit)}" if limit is not None else ""
        internal = [q(ROW)] + ([q(TS), q(TZK)] if "preparsed" in rel.cache else [])
        bad = self._arrow(
            f'SELECT b.r AS row, b.reason, {column_case} AS "column", {value_case} AS value, '
            f"NULL::VARCHAR AS detail, src.* EXCLUDE ({', '.join(internal)}) FROM {rel.t('bad')} b "
            f"JOIN {rel.t('src')} src ON src.{q(ROW)} = b.r ORDER BY b.r{cap}"
        )
        rows = [rel.line_row(int(r)) for r in bad.column("row").to_pylist()]
        bad = bad.set_column(0, "row", pa.array(rows, pa.int64()))
        if rel.reject_lines:
            rejects = self._arrow(
                f"SELECT line::BIGINT AS line, trim(any_value(csv_line), chr(10) || chr(13)) AS value,"
                f" string_agg(DISTINCT error_message, '; ') AS detail "
                f"FROM {rel.t('rej')} GROUP BY line ORDER BY line"
            )
            first = rel.scan.first_line or 0
            rej = pa.table(
                {
                    "row": pa.array([v - first for v in rejects.column("line").to_pylist()], pa.int64()),
                    "reason": pa.array(["malformed line"] * rejects.num_rows),
                    "column": pa.nulls(rejects.num_rows, pa.string()),
                    "value": rejects.column("value"),
                    "detail": rejects.column("detail"),
                }
            )
            bad = pa.concat_tables([bad, rej], promote_options="default")
            bad = bad.sort_by("row")
            if limit is not None:
                bad = bad.slice(0, limit)
        if rel.scan.first_line is not None:
            lines = pa.array([r + rel.scan.first_line for r in bad.column("row").to_pylist()], pa.int64())
        else:
            lines = pa.nulls(bad.num_rows, pa.int64())
        return bad.add_column(1, "line", lines)


def _activity_expr(schema: Schema) -> str:
    """SQL: the activity of a source row as text. A composite activity joins the text of its
    parts by ``+``, a blank part as the empty text; it is NULL (an empty activity) only when
    every part is blank."""
    cols = schema.activity_columns
    if len(cols) == 1:
        return f"CAST({q(cols[0])} AS VARCHAR)"
    texts = [f"CAST({q(c)} AS VARCHAR)" for c in cols]
    blanks = [f"({t} IS NULL OR {_blank(t)})" for t in texts]
    parts = [f"CASE WHEN {b} THEN '' ELSE {t} END" for t, b in zip(texts, blanks)]
    joined = f"concat_ws({lit(ACTIVITY_SEPARATOR)}, {', '.join(parts)})"
    return f"CASE WHEN {' AND '.join(blanks)} THEN NULL ELSE {joined} END"


def _lits(values: Sequence[str]) -> str:
    """SQL: a list of text literals for ``IN (...)`` (NULL for none: then nothing matches)."""
    return ", ".join(lit(str(v)) for v in values) or "NULL"


def _double(x: float) -> str:
    """SQL: a DOUBLE literal, infinities included."""
    if x != x or x in (float("inf"), float("-inf")):
        return f"'{x!r}'::DOUBLE"
    return f"{x!r}::DOUBLE"


def _blank(expr: str) -> str:
    """SQL: a text that is empty or only whitespace. The cheap ``< '!'`` test (true only when the
    text starts with a space or a control character) spares the regular expression on most rows."""
    return f"({expr} < '!' AND regexp_full_match({expr}, '\\s*'))"


def _first_lines(message: str, n: int = 3) -> str:
    return "\n".join(message.strip().splitlines()[:n])


class DuckDBEngineFactory:
    """Creates :class:`DuckDBEngine` instances (registered as the engine ``"duckdb"``)."""

    name = "duckdb"

    def create(self, **settings: Any) -> DuckDBEngine:
        """Return a new DuckDB engine with ``settings`` (see :class:`DuckDBEngine`)."""
        return DuckDBEngine(**settings)


@hookimpl
def journeymine_register_engines(register: Any) -> None:
    """Register the DuckDB engine (a built-in plugin, registered like any other)."""
    register(DuckDBEngineFactory())
