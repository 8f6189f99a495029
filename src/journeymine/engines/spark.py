"""The Spark engine: the same journey mining on Apache Spark, for data that outgrows one machine.

Install with ``pip install 'journeymine[spark]'`` (pyspark >= 3.5; a Java runtime). The engine
implements the same verbs as the DuckDB engine with the same rules (``engines/rules.py``), and its
results are equal to DuckDB's: the golden tests run both engines on the same logs.

The event data never comes to the driver: the log is prepared as one row per case (its activity
codes and times in order, sorted within each case by time, order value and input row), persisted,
and every verb is an aggregation whose small result comes back as Arrow.

A case with more events than ``max_case_events`` (one million by default: a bot, a test account)
would have to fit in one task's memory; such cases are refused with their ids
(``on_invalid="raise"``) or set aside with the reason "case over the event limit".

For example::

    from journeymine.engines.spark import SparkEngine
    engine = SparkEngine(master="local[4]", config={"spark.driver.memory": "8g"})
    log = jm.read_events("lake/events/", case="customer", activity="event", timestamp="ts",
                         engine=engine)
"""

from __future__ import annotations

import contextlib
import itertools
import os
import re
import shutil
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import reduce
from pathlib import Path
from typing import TYPE_CHECKING, Any

from journeymine import progress
from journeymine.connectors.base import Scan
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
    spark_pattern,
)
from journeymine.errors import ConnectorError, EngineError, SchemaError
from journeymine.hookspecs import hookimpl
from journeymine.schema import ACTIVITY_SEPARATOR, EPOCH_FORMATS, Schema
from journeymine.segments import warn_varying

if TYPE_CHECKING:
    import pyarrow as pa
    from pyspark.sql import Column, SparkSession

    from journeymine.segments import Segmentation

__all__ = [
    "SparkConnector",
    "SparkEngine",
    "SparkEngineFactory",
    "journeymine_register_connectors",
    "journeymine_register_engines",
    "journeymine_resolve_connector",
]

ROW, CORRUPT = "__jm_row", "__jm_corrupt"
#: settings for a local session; a cluster's own settings win where the user gives them
DEFAULT_CONFIG = {
    "spark.sql.session.timeZone": "UTC",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": "8",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
}
#: numbers the temporary views of the journey verb
_VIEWS = itertools.count()
REMOTE_ENV, MASTER_ENV = "SPARK_REMOTE", "JOURNEYMINE_SPARK_MASTER"
#: the endings by which Spark (Hadoop's codec factory) decompresses a text file, case-sensitive
HADOOP_CODEC_SUFFIXES = (".gz", ".bz2", ".deflate", ".lz4", ".snappy", ".zst")
LIMIT = 1_000_000
#: a number as text, as both engines read it alike (the same as the DuckDB engine's measure test)
NUMBER = r"\s*([+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|[+-]?(?i:inf|infinity)|(?i:nan))\s*"
#: a filter value that selects numbers: as NUMBER but without NaN, which no filter value matches
#: (NaN is a missing value; DuckDB's engine uses the same pattern)
FILTER_NUMBER = r"\s*([+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|[+-]?(?i:inf|infinity))\s*"


def _functions() -> Any:
    try:
        from pyspark.sql import functions as F
    except ImportError:
        raise EngineError(
            "the spark engine needs pyspark: pip install 'journeymine[spark]' (and a Java runtime)"
        ) from None
    return F


@dataclass(eq=False)
class SparkRelation:
    """The Spark engine's handle on one loaded log (opaque above the engine)."""

    engine: SparkEngine
    scan: Scan
    schema: Schema
    columns: tuple[str, ...]
    types: dict[str, str]
    src: Any  # DataFrame: __jm_row, the source columns (and __jm_corrupt for CSV)
    stats: LogStats = field(init=False)
    parsed: Any = None  # DataFrame: r, c, a, traw, t, tzk, oraw, o, reason
    valid: Any = None  # DataFrame: r, c, a, t, o of the valid events
    bad: Any = None  # DataFrame: r, reason (persisted)
    cs: Any = None  # DataFrame: c, n, seq, ts, k (persisted)
    names: list[str] = field(default_factory=list)
    persisted: list[Any] = field(default_factory=list)
    cache: dict[Any, Any] = field(default_factory=dict)
    parent: SparkRelation | None = None  # a filtered log holds the log it was filtered from
    where: list[Any] = field(default_factory=list)  # Columns on source rows: the events kept
    among: list[Any] = field(default_factory=list)  # DataFrames (c): the cases kept


@dataclass(eq=False)
class _SparkUnion:
    """A union's persisted staging frame (``Engine.union_rows`` reads it)."""

    engine: SparkEngine
    plan: UnionPlan
    persisted: list[Any]
    stage: Any = None


class SparkEngine:
    """The Apache Spark engine.

    Parameters
    ----------
    session : SparkSession, optional
        A session to use; by default one is built from the other settings on first use.
    master : str, optional
        e.g. ``"local[4]"`` or ``"yarn"``; default ``$JOURNEYMINE_SPARK_MASTER`` or
        ``"local[*]"``.
    remote : str, optional
        A Spark Connect URL (``"sc://host:15002"``); default ``$SPARK_REMOTE``.
    config : mapping, optional
        Spark settings for a session built here (``{"spark.driver.memory": "8g"}``).
    max_case_events : int
        The most events one case may have (see the module docstring).
    """

    name = "spark"

    def __init__(
        self,
        *,
        session: SparkSession | None = None,
        master: str | None = None,
        remote: str | None = None,
        config: Mapping[str, str] | None = None,
        max_case_events: int = LIMIT,
    ) -> None:
        self.master = master
        self.remote = remote
        self.config = dict(config or {})
        self.max_case_events = max_case_events
        self._session = session
        self._owned = False
        self._garbage: list[Any] = []

    def __repr__(self) -> str:
        return f"SparkEngine(master={self.master!r}, remote={self.remote!r})"

    @property
    def session(self) -> SparkSession:
        """The SparkSession (built on first use)."""
        if self._session is None:
            _functions()
            from pyspark.sql import SparkSession

            builder = SparkSession.builder.appName("journeymine")
            remote = self.remote or os.environ.get(REMOTE_ENV)
            if remote:
                builder = builder.remote(remote)
            else:
                builder = builder.master(self.master or os.environ.get(MASTER_ENV, "local[*]"))
            for key, value in {**DEFAULT_CONFIG, **self.config}.items():
                builder = builder.config(key, value)
            with progress.step("starting Spark"):
                running = SparkSession.getActiveSession()
                self._session = builder.getOrCreate()
                # a session that was already running is shared: close() must not stop it
                self._owned = running is None
        session = self._session
        session.conf.set("spark.sql.session.timeZone", "UTC")
        return session

    def close(self) -> None:
        """Stop the session if this engine started it (a session passed in, or one that was
        already running, is left running)."""
        if self._session is not None and self._owned:
            self._session.stop()
        self._session = None
        self._owned = False

    def _forget(self, frames: list[Any]) -> None:
        self._garbage.extend(frames)

    def _collect_garbage(self) -> None:
        frames, self._garbage = self._garbage, []
        for frame in frames:
            with contextlib.suppress(Exception):  # the session may be gone
                frame.unpersist()

    def _persist(self, rel: SparkRelation, frame: Any) -> Any:
        from pyspark import StorageLevel

        try:
            frame = frame.persist(StorageLevel.MEMORY_AND_DISK)
        except Exception:  # Spark Connect before 3.5 cannot persist; recompute instead
            return frame
        rel.persisted.append(frame)
        return frame

    def _arrow(self, frame: Any) -> pa.Table:
        """Bring a small result to the driver as Arrow."""
        import pyarrow as pa

        self._collect_garbage()
        if hasattr(frame, "toArrow"):
            table = frame.toArrow()
        else:  # pyspark 3.5
            table = pa.Table.from_pandas(frame.toPandas(), preserve_index=False)
        return table

    # -- load ---------------------------------------------------------------------------------

    def load(self, scan: Scan, schema: Schema, *, on_invalid: OnInvalid) -> SparkRelation:
        """Read, validate and prepare a log (see :class:`journeymine.engines.base.Engine`)."""
        F = _functions()
        self._collect_garbage()
        internal = [c for c in scan.columns if c.startswith("__jm_")]
        if internal:
            raise SchemaError(
                f"{scan.location} has a column named {internal[0]!r}; names starting with '__jm_' "
                f"are journeymine's own: rename it"
            )
        paths, aliases = self._csv_paths(scan) if scan.kind == "csv" else (list(scan.paths), None)
        try:
            with progress.step(f"reading {scan.location}"):
                src = self._source(scan, paths)
        except BaseException:
            if aliases is not None:
                shutil.rmtree(aliases, ignore_errors=True)
            raise
        types = {n: t for n, t in src.dtypes if not n.startswith("__jm_")}
        rel = SparkRelation(self, scan, schema, tuple(types), types, src)
        weakref.finalize(rel, self._forget, rel.persisted)
        if aliases is not None:  # Spark reads the aliases as long as the relation lives
            weakref.finalize(rel, shutil.rmtree, aliases, True)
        if scan.kind == "csv":
            rel.cache["text"] = True
            rel.src = self._persist(rel, self._csv_rows(rel, src, F))
        with progress.step("checking rows"):
            self._check(rel, on_invalid, F)
        with progress.step("ordering events"):
            self._prepare(rel, on_invalid, F)
        return rel

    def _csv_paths(self, scan: Scan) -> tuple[list[str], str | None]:
        """The paths Spark is to read for a CSV scan, and the folder of aliases made, if any.

        The connector knows whether a file is gzip-compressed from its first bytes; Spark (Hadoop)
        decompresses by the file name alone. Where the two disagree (gzip data in ``events.csv``,
        plain text in ``events.csv.gz``), Spark reads a symbolic link whose name tells it the
        truth, so that it reads what DuckDB reads. That needs the driver's temporary folder to be
        the executors' too: in local mode; elsewhere the error asks to rename the file.
        """
        gzip = scan.options.get("compression") == "gzip"
        if gzip:
            wrong = [path for path in scan.paths if not path.endswith(".gz")]
        else:
            wrong = [path for path in scan.paths if path.endswith(HADOOP_CODEC_SUFFIXES)]
        if not wrong:
            return list(scan.paths), None
        if not self._local():
            what, fix = (
                ("is gzip-compressed but its name does not end in .gz", "add .gz to its name")
                if gzip
                else ("is not compressed but its name ends in a compression suffix", "name it .csv")
            )
            raise ConnectorError(
                f"{wrong[0]} {what}; Spark decompresses a file by its name alone, and its "
                f"executors cannot read a renamed link on the driver: {fix}, or read it with the "
                f"duckdb engine"
            )
        import tempfile

        folder = tempfile.mkdtemp(prefix="journeymine-csv-")
        paths = []
        try:
            for i, path in enumerate(scan.paths):
                if path not in wrong:
                    paths.append(path)
                    continue
                alias = os.path.join(folder, f"{i}.csv.gz" if gzip else f"{i}.csv")
                os.symlink(os.path.abspath(path), alias)
                paths.append(alias)
        except OSError as exc:
            shutil.rmtree(folder, ignore_errors=True)
            raise ConnectorError(
                f"{wrong[0]}: Spark chooses how to decompress a file by its name, and this name "
                f"says otherwise; a symbolic link to it could not be made ({exc.strerror or exc}): "
                f"rename the file (.csv.gz when gzip-compressed, .csv when not)"
            ) from None
        return paths, folder

    def _local(self) -> bool:
        """Whether Spark runs in local mode (the executors share the driver's files)."""
        try:
            master = self.session.conf.get("spark.master", "") or ""
        except Exception:  # Spark Connect may not expose it
            master = ""
        return master.startswith("local")

    def _source(self, scan: Scan, paths: list[str]) -> Any:
        F = _functions()
        spark = self.session
        if scan.kind == "csv":
            from pyspark.sql.types import StringType, StructField, StructType

            opts = dict(scan.options)
            fields = [StructField(c, StringType()) for c in scan.columns]
            fields.append(StructField(CORRUPT, StringType()))
            reader = spark.read.options(
                header=True,
                sep=opts.get("delimiter", ","),
                quote='"',
                escape='"',
                mode="PERMISSIVE",
                columnNameOfCorruptRecord=CORRUPT,
                encoding=_charset(opts.get("encoding")),
                multiLine=False,
            )
            frame = reader.schema(StructType(fields)).csv(paths)
            na = list(opts.get("na_values", ()))
            if na:
                frame = frame.select(
                    *[
                        F.when(_col(c).isin(na), None).otherwise(_col(c)).alias(c)
                        if c != CORRUPT
                        else F.col(CORRUPT)
                        for c in frame.columns
                    ]
                )
            return frame.withColumn("__jm_mid", F.monotonically_increasing_id())
        if scan.kind == "parquet":
            return self._parquet(scan, F)
        if scan.kind == "arrow":
            import numpy as np
            import pyarrow as pa

            assert scan.open is not None
            data = scan.open()
            if isinstance(data, pa.RecordBatchReader):
                data = data.read_all()
            table = data.append_column(ROW, pa.array(np.arange(data.num_rows, dtype=np.int64)))
            frame = spark.createDataFrame(table)
            # Spark reads an Arrow timestamp without a zone as its TIMESTAMP (an instant, in the
            # session's zone); it is a wall-clock time, as DuckDB reads it: TIMESTAMP_NTZ
            naive = [f.name for f in table.schema if pa.types.is_timestamp(f.type) and f.type.tz is None]
            for name in naive:
                frame = frame.withColumn(name, _col(name).cast("timestamp_ntz"))
            return frame
        if scan.kind == "spark":
            assert scan.open is not None
            frame = scan.open()
            return frame.withColumn(ROW, F.monotonically_increasing_id())
        raise EngineError(f"the spark engine cannot read a scan of kind {scan.kind!r}")

    def _parquet(self, scan: Scan, F: Any) -> Any:
        import pyarrow.parquet as pq

        files = list(scan.paths)
        offsets: dict[str, int] = {}
        total = 0
        for f in files:
            offsets[Path(f).resolve().as_uri()] = total
            total += pq.ParquetFile(f).metadata.num_rows
        frame = self.session.read.option("mergeSchema", "true").parquet(*files)
        uris = F.create_map(*[x for uri, off in offsets.items() for x in (F.lit(uri), F.lit(off))])
        path = F.regexp_replace(F.col("_metadata.file_path"), "^file:/+", "file:///")
        return frame.withColumn(ROW, (uris[path] + F.col("_metadata.row_index")).cast("bigint"))

    def _csv_rows(self, rel: SparkRelation, frame: Any, F: Any) -> Any:
        """Dense input row numbers for a CSV: the splits of one file are read in file order, so
        a row is the rows of the earlier partitions plus its place in its own."""
        frame = frame.withColumn("__jm_pid", F.spark_partition_id())
        counts = sorted(frame.groupBy("__jm_pid").count().collect())
        offsets, total = [], 0
        for row in counts:
            offsets += [F.lit(int(row[0])), F.lit(total)]
            total += int(row[1])
        mapping = F.create_map(*offsets) if offsets else F.create_map(F.lit(0), F.lit(0))
        local = F.col("__jm_mid") - F.shiftleft(F.col("__jm_pid").cast("bigint"), 33)
        frame = frame.withColumn(ROW, (mapping[F.col("__jm_pid")] + local).cast("bigint"))
        return frame.drop("__jm_mid", "__jm_pid")

    # -- validation ---------------------------------------------------------------------------

    @staticmethod
    def _blank(column: Column) -> Column:
        return column.rlike(r"^\s*$")

    def _ts_exprs(self, rel: SparkRelation, F: Any) -> tuple[Column, Column, Column]:
        """(raw, parsed microseconds, offset-aware flag) for the timestamp column."""
        schema = rel.schema
        col = schema.timestamp
        if col is None:
            return F.lit(None), F.lit(None).cast("bigint"), F.lit(None).cast("tinyint")
        c = _col(col)
        typ = rel.types[col].lower()
        fmt = schema.timestamp_format
        if fmt in EPOCH_FORMATS:
            scale = EPOCH_FORMATS[fmt]
            raw = F.when(self._blank(c.cast("string")), None).otherwise(c)
            parsed = (F.expr(f"try_cast(`{col}` AS DOUBLE)") * scale).cast("bigint")
            return raw, parsed, F.lit(None).cast("tinyint")
        if typ == "timestamp":
            rel.cache["tz"] = "UTC"
            return c, F.unix_micros(c), F.lit(1).cast("tinyint")
        if typ in ("timestamp_ntz", "date"):
            return c, F.unix_micros(c.cast("timestamp")), F.lit(0).cast("tinyint")
        if typ != "string":
            raise SchemaError(
                f"timestamp column {col!r} in {rel.scan.location} holds {typ.upper()} values, not "
                f"times; pass timestamp_format='epoch_s' (or 'epoch_ms', 'epoch_us') for numbers "
                f"since 1970, or map the right column with timestamp=..."
            )
        raw = F.when(self._blank(c), None).otherwise(c)
        ends = None
        for n in (3, 5, 6):
            test = F.substring(c, -n, 1).isin("+", "-")
            ends = test if ends is None else ends | test
        aware = c.contains(":") & (F.substring(c, -1, 1).isin("Z", "z") | ends)
        norm = F.regexp_replace(F.regexp_replace(F.trim(c), "z", "Z"), r"\s+([+-]\d\d(:?\d\d)?|Z)$", "$1")
        offset = F.coalesce(F.expr(f"try_cast(`{col}` AS TIMESTAMP)"), _try_ts(norm))
        if fmt is not None:
            pattern = spark_pattern(fmt)
            parsed_ts = F.expr(f"try_to_timestamp(`{col}`, {_lit(pattern)})")
            if "%z" in fmt or "%Z" in fmt:
                return raw, F.unix_micros(parsed_ts), F.lit(1).cast("tinyint")
            return raw, F.unix_micros(parsed_ts), F.when(aware, 1).otherwise(0).cast("tinyint")
        naive = self._naive_parser(rel, c, col, aware, offset, F)
        parsed = F.when(aware, F.unix_micros(offset)).otherwise(naive)
        return raw, parsed, F.when(aware, 1).otherwise(0).cast("tinyint")

    def _naive_parser(
        self, rel: SparkRelation, c: Column, col: str, aware: Column, offset: Column, F: Any
    ) -> Column:
        candidates = {name: self._naive(col, name, F) for name in NAIVE_CANDIDATES}
        sample = rel.src.where(c.isNotNull() & ~self._blank(c)).orderBy(ROW).limit(SAMPLE)
        aggs = [F.count(F.when(~aware, 1)).alias("total"), F.count(F.when(aware, offset)).alias("aware_ok")]
        aggs += [F.count(F.when(~aware, expr)).alias(f"h{i}") for i, expr in enumerate(candidates.values())]
        row = sample.agg(*aggs).collect()[0]
        total, aware_ok = int(row["total"]), int(row["aware_ok"])
        hits = [int(row[f"h{i}"]) for i in range(len(candidates))]
        shown = []
        if total:
            for r in sample.select(ROW, c).limit(3).collect():
                shown.append(f"{r[1]!r} ({rel.scan.where(int(r[0]))})")
        chosen = choose_naive_format(
            total, hits, aware_ok, column=col, location=rel.scan.location, examples=shown
        )
        rel.cache["timestamp_format"] = chosen
        return candidates[chosen]

    @staticmethod
    def _naive(col: str, name: str, F: Any) -> Column:
        if name == ISO:
            iso: Column = F.unix_micros(F.expr(f"try_cast(try_cast(`{col}` AS TIMESTAMP_NTZ) AS TIMESTAMP)"))
            return iso
        parsed: Column = F.unix_micros(F.expr(f"try_to_timestamp(`{col}`, {_lit(spark_pattern(name))})"))
        return parsed

    def _check(self, rel: SparkRelation, on_invalid: OnInvalid, F: Any) -> None:
        schema = rel.schema
        assert schema.case is not None and schema.activity is not None
        ts_raw, ts, tzk = self._ts_exprs(rel, F)
        order = schema.order
        if order is None:
            o_raw, o = F.lit(None), F.lit(None).cast("double")
        else:
            oc = _col(order)
            o_raw = F.when(self._blank(oc.cast("string")), None).otherwise(oc)
            o = F.expr(f"try_cast(`{order}` AS DOUBLE)")
        c = _col(schema.case).cast("string")
        a = _activity(schema, F)
        corrupt = F.col(CORRUPT) if CORRUPT in rel.src.columns else F.lit(None)
        columns = [
            F.col(ROW).alias("r"),
            c.alias("c"),
            a.alias("a"),
            ts_raw.alias("traw"),
            ts.alias("t"),
            tzk.alias("tzk"),
            o_raw.alias("oraw"),
            o.alias("o"),
            corrupt.alias("corrupt"),
        ]
        parsed = rel.src.select(*columns)
        reason = F.when(F.col("corrupt").isNotNull(), "malformed line")
        reason = reason.when(F.col("c").isNull() | self._blank(F.col("c")), "empty case id")
        reason = reason.when(F.col("a").isNull() | self._blank(F.col("a")), "empty activity")
        if schema.timestamp:
            reason = reason.when(F.col("t").isNull() & F.col("traw").isNull(), "missing timestamp")
            reason = reason.when(F.col("t").isNull(), "unparseable timestamp")
        if schema.order:
            reason = reason.when(F.col("oraw").isNull(), "missing order value")
            reason = reason.when(F.col("o").isNull(), "order value is not a number")
        parsed = parsed.withColumn("reason", reason)
        rel.parsed = parsed
        # kept to read more source columns beside the parsed ones in one pass (see _valid_with)
        rel.cache["parse"] = (columns, reason)
        rel.cache["t"] = ts  # the time of a source row, for a period filter on the source rows
        row = parsed.agg(
            F.count("*").alias("total"),
            F.count("reason").alias("invalid"),
            F.count(F.when((F.col("tzk") == 1) & F.col("reason").isNull(), 1)).alias("aware"),
            F.count(F.when((F.col("tzk") == 0) & F.col("reason").isNull(), 1)).alias("naive"),
        ).collect()[0]
        total, invalid, aware, naive = (int(row[k]) for k in ("total", "invalid", "aware", "naive"))
        if total == 0:
            raise ConnectorError(f"{rel.scan.location} has no rows (only a header?); nothing to mine")
        if aware and naive:
            self._mixed_timezones(rel, F)
        if invalid:
            rel.bad = self._persist(rel, parsed.where(F.col("reason").isNotNull()).select("r", "reason"))
            reasons = {r["reason"]: int(r["count"]) for r in rel.bad.groupBy("reason").count().collect()}
        else:
            rel.bad = None
            reasons = {}
        if reasons and on_invalid == "raise":
            raise invalid_rows_error(rel.scan, reasons, self.quarantine(rel, limit=EXAMPLES).to_pylist())
        rel.valid = parsed.where(F.col("reason").isNull()).select("r", "c", "a", "t", "o")
        rel.cache["invalid"] = invalid
        rel.cache["reasons"] = reasons
        rel.cache["total"] = total
        rel.cache.setdefault("tz", "UTC" if aware else None)

    def _mixed_timezones(self, rel: SparkRelation, F: Any) -> None:
        column = rel.schema.timestamp or ""
        shown = []
        for kind in (1, 0):
            rows = (
                rel.parsed.where((F.col("tzk") == kind) & F.col("t").isNotNull())
                .join(rel.src.select(F.col(ROW).alias("r"), _col(column).cast("string").alias("v")), "r")
                .orderBy("r")
                .select("r", "v")
                .limit(2)
                .collect()
            )
            shown.append([f"{r['v']!r} ({rel.scan.where(int(r['r']))})" for r in rows])
        raise mixed_timezones_error(column, rel.scan.location, *shown)

    # -- prepare ------------------------------------------------------------------------------

    def _prepare(self, rel: SparkRelation, on_invalid: OnInvalid, F: Any, *, check: bool = True) -> None:
        valid = rel.valid
        events = int(rel.cache["total"]) - int(rel.cache["invalid"])
        big = []
        if check and events > self.max_case_events:  # else no case can be over the limit
            big = (
                valid.groupBy("c").count().where(F.col("count") > self.max_case_events).orderBy("c").collect()
            )
        if big:
            self._oversized(rel, big, on_invalid, F)
            valid = rel.valid
        names = [r["a"] for r in valid.select("a").distinct().orderBy("a").collect()]
        rel.names = names
        spark = self.session
        acts = spark.createDataFrame([(n, i + 1) for i, n in enumerate(names)], "a string, aid int")
        keys = [k for k, on in (("t", rel.schema.timestamp), ("o", rel.schema.order)) if on]
        element = F.struct(*[F.col(k) for k in [*keys, "r"]], F.col("aid"))
        grouped = (
            valid.join(F.broadcast(acts), "a")
            .groupBy("c")
            .agg(F.array_sort(F.collect_list(element)).alias("l"))
        )
        ts = F.transform("l", lambda e: e["t"]) if rel.schema.timestamp else F.lit(None).cast("array<bigint>")
        seq = F.transform("l", lambda e: e["aid"])
        cs = grouped.select(
            "c",
            F.size("l").cast("bigint").alias("n"),
            seq.alias("seq"),
            ts.alias("ts"),
        ).withColumn("k", F.concat_ws(",", F.transform("seq", lambda x: x.cast("string"))))
        rel.cs = self._persist(rel, cs)
        row = rel.cs.agg(F.sum("n").alias("events"), F.count("*").alias("cases")).collect()[0]
        rel.stats = LogStats(
            rows_read=int(rel.cache["total"]),
            events=int(row["events"] or 0),
            cases=int(row["cases"]),
            activities=len(names),
            invalid_rows=int(rel.cache["invalid"]),
            timezone=rel.cache["tz"] if rel.schema.timestamp else None,
            timed=rel.schema.timestamp is not None,
            invalid_reasons=LogStats.count_reasons(rel.cache["reasons"]),
        )

    def _oversized(self, rel: SparkRelation, big: list[Any], on_invalid: OnInvalid, F: Any) -> None:
        shown = ", ".join(f"{r['c']!r} ({int(r['count']):,} events)" for r in big[:5])
        if on_invalid == "raise":
            raise SchemaError(
                f"{rel.scan.location}: {len(big)} case{'s' * (len(big) != 1)} have more than "
                f"{self.max_case_events:,} events ({shown}): a bot or a test account? Such a case "
                f"must fit in one task. Filter them out, raise max_case_events "
                f"(SparkEngine(max_case_events=...)), or pass on_invalid='quarantine' to set them "
                f"aside."
            )
        ids = [r["c"] for r in big]
        extra = rel.valid.where(F.col("c").isin(ids)).select(
            "r", F.lit("case over the event limit").alias("reason")
        )
        rel.bad = self._persist(rel, extra if rel.bad is None else rel.bad.unionByName(extra))
        rel.valid = rel.valid.where(~F.col("c").isin(ids))
        rel.cache["oversized"] = ids
        count = int(sum(int(r["count"]) for r in big))
        rel.cache["invalid"] = int(rel.cache["invalid"]) + count
        reasons = dict(rel.cache["reasons"])
        reasons["case over the event limit"] = reasons.get("case over the event limit", 0) + count
        rel.cache["reasons"] = reasons

    # -- filter -------------------------------------------------------------------------------

    def filter(self, rel: SparkRelation, step: Filter) -> SparkRelation:
        """A new relation over the events of ``rel`` that ``step`` keeps (see
        :class:`journeymine.engines.base.Filter`); ``rel`` is unchanged.

        The kept events are a plan over ``rel``'s source rows, never a copy: an event step is a
        condition on the source rows (their value or time), a case step keeps the cases of a
        small frame computed from ``rel``'s prepared cases. The new relation holds ``rel`` (whose
        source and quarantine it shares) and is prepared like a loaded log, with its own cache.

        Parameters
        ----------
        rel : SparkRelation
            The log to filter (loaded, or filtered before).
        step : Filter
            What to keep.

        Returns
        -------
        SparkRelation
            Its ``stats`` recount events, cases and activities; ``filtered`` adds the events
            this step removed.

        Raises
        ------
        SchemaError
            A value filter on a column that holds neither text, numbers nor booleans.
        """
        F = _functions()
        self._collect_garbage()
        child = SparkRelation(self, rel.scan, rel.schema, rel.columns, dict(rel.types), rel.src, parent=rel)
        weakref.finalize(child, self._forget, child.persisted)
        child.parsed, child.bad = rel.parsed, rel.bad
        child.where, child.among = list(rel.where), list(rel.among)
        shared = ("parse", "t", "oversized", "text", "tz", "timestamp_format", "total", "invalid", "reasons")
        for key in shared:
            if key in rel.cache:
                child.cache[key] = rel.cache[key]
        self._keep(rel, child, step, F)
        child.valid = self._valid_with(child, {})
        with progress.step("filtering events"):
            self._prepare(child, "quarantine", F, check=False)
        filtered = rel.stats.filtered + rel.stats.events - child.stats.events
        child.stats = replace(child.stats, filtered=filtered)
        return child

    def _keep(self, rel: SparkRelation, child: SparkRelation, step: Filter, F: Any) -> None:
        """Add what ``step`` keeps of ``rel`` to ``child``: a condition on the source rows
        (:attr:`SparkRelation.where`) or a frame of the cases kept (:attr:`SparkRelation.among`)."""
        from pyspark.sql import Window

        kind, negate = step.kind, step.negate
        if kind == "events":
            column = step.column or ""
            match = _match(_col(column), rel.types.get(column, ""), step.values, column, F)
            kept = F.coalesce(match, F.lit(False))
            child.where.append(~kept if negate else kept)
            return
        if kind == "period" and step.mode == "events":
            t = rel.cache["t"]
            bounds = [F.lit(True)]
            if step.start is not None:
                bounds.append(t >= F.lit(int(step.start)))
            if step.end is not None:
                bounds.append(t < F.lit(int(step.end)))
            child.where.append(F.coalesce(reduce(lambda x, y: x & y, bounds), F.lit(False)))
            return
        cs = rel.cs
        test: Column
        if kind == "cases":
            column = step.column or ""
            _match(F.col("v"), rel.types.get(column, ""), step.values, column, F)  # a date: refused first
            table = self._attribute(rel, column)
            match = _match(F.col("v"), dict(table.dtypes)["v"], step.values, column, F)
            kept = F.coalesce(match, F.lit(False))
            cases = table.where(~kept if negate else kept).select("c")
        elif kind in ("period", "size"):
            if kind == "period":
                first, last = F.element_at("ts", 1), F.element_at("ts", -1)
                low, high = step.start, step.end
                if step.mode == "contained":
                    tests = ([first >= F.lit(int(low))] if low is not None else []) + (
                        [last < F.lit(int(high))] if high is not None else []
                    )
                else:
                    tests = ([first < F.lit(int(high))] if high is not None else []) + (
                        [last >= F.lit(int(low))] if low is not None else []
                    )
            else:
                n = F.col("n")
                tests = ([n >= F.lit(int(step.low))] if step.low is not None else []) + (
                    [n <= F.lit(int(step.high))] if step.high is not None else []
                )
            test = reduce(lambda x, y: x & y, tests, F.lit(True))
            cases = cs.where(test).select("c")
        elif kind in ("contains", "starts", "ends"):
            wanted = set(step.values)
            codes = [i + 1 for i, name in enumerate(rel.names) if name in wanted]
            if kind == "contains":
                has = [F.array_contains("seq", F.lit(code)) for code in codes]
                if negate:  # none of them
                    test = ~reduce(lambda x, y: x | y, has) if has else F.lit(True)
                elif len(codes) < len(wanted) or not has:  # a name not in the log: no case has all
                    test = F.lit(False)
                else:
                    test = reduce(lambda x, y: x & y, has)
            else:
                at = F.element_at("seq", 1 if kind == "starts" else -1)
                test = at.isin(codes) if codes else F.lit(False)
                test = ~test if negate else test
            cases = cs.where(test).select("c")
        elif kind == "variants":
            vs = self._variants_table(rel)
            counts = cs.groupBy("k").agg(F.count("*").alias("cases")).join(vs.select("k", "vid"), "k")
            order = Window.orderBy(F.desc("cases"), "vid")
            if step.coverage is not None:
                # the smallest prefix that reaches the share: the variants whose predecessors do not
                before = F.sum("cases").over(order.rowsBetween(Window.unboundedPreceding, 0)) - F.col("cases")
                share = before.cast("double") / F.lit(float(rel.stats.cases or 1))
                chosen = counts.withColumn("share", share).where(F.col("share") < F.lit(float(step.coverage)))
            else:
                chosen = counts.withColumn("rank", F.row_number().over(order)).where(
                    F.col("rank") <= int(step.top or 0)
                )
            cases = cs.join(chosen.select("k"), "k", "left_semi").select("c")
        else:
            raise EngineError(f"the spark engine cannot filter by {kind!r}")
        child.among.append(self._persist(child, cases))

    # -- case attributes and segments ---------------------------------------------------------

    def _valid_src(self, rel: SparkRelation, F: Any) -> Any:
        case = _col(rel.schema.case or "").cast("string").alias("__c")
        frame = self._kept_src(rel)
        if rel.bad is not None:
            frame = frame.join(rel.bad.select(F.col("r").alias(ROW)), ROW, "left_anti")
        frame = frame.select(case, "*")
        for cases in rel.among:
            frame = frame.join(cases.select(F.col("c").alias("__c")), "__c", "left_semi")
        return frame

    @staticmethod
    def _kept_src(rel: SparkRelation) -> Any:
        """The source rows that the filters of ``rel`` keep, as far as a row tells (its value
        or its time); the cases kept are :attr:`SparkRelation.among`."""
        frame = rel.src
        if rel.where:
            frame = frame.where(reduce(lambda x, y: x & y, rel.where))
        return frame

    def case_attributes(self, rel: SparkRelation) -> list[str]:
        """Columns with at most one distinct non-null value in every case."""
        F = _functions()
        if "case_attributes" not in rel.cache:
            schema = rel.schema
            mapped = {schema.case, *schema.activity_columns, schema.timestamp, schema.order}
            candidates = [c for c in rel.columns if c not in mapped]
            found: list[str] = []
            if candidates and rel.stats.events:
                per_case = (
                    self._valid_src(rel, F)
                    .groupBy("__c")
                    .agg(*[F.countDistinct(_col(c)).alias(f"n{i}") for i, c in enumerate(candidates)])
                )
                row = per_case.agg(*[F.max(f"n{i}") for i in range(len(candidates))]).collect()[0]
                found = [c for i, c in enumerate(candidates) if row[i] is not None and row[i] <= 1]
            rel.cache["case_attributes"] = found
        return list(rel.cache["case_attributes"])

    def _attribute(self, rel: SparkRelation, column: str) -> Any:
        """A DataFrame (``c``, ``v``): a case attribute's value per case (see DuckDB's)."""
        F = _functions()
        key = ("attr", column)
        if key not in rel.cache:
            c = _col(column)
            table = (
                self._valid_src(rel, F)
                .groupBy("__c")
                .agg(F.countDistinct(c).alias("nd"), F.min(c).alias("v"))
                .withColumnRenamed("__c", "c")
            )
            table = self._persist(rel, table)
            text = bool(rel.cache.get("text")) and rel.types[column] == "string"
            figures = [F.count(F.when(F.col("nd") > 1, 1)).alias("varying")]
            if text:  # one job finds both the varying cases and the type of a text column
                figures += [
                    F.coalesce(
                        F.min(F.when(F.col("v").isNotNull(), F.col("v").rlike(rx).cast("int"))), F.lit(-1)
                    )
                    for _, rx in TEXT_TYPES
                ]
            met = table.agg(*figures).collect()[0]
            n = int(met[0])
            if n:
                varying = table.where(F.col("nd") > 1)
                order = [k for k, on in (("t", rel.schema.timestamp), ("o", rel.schema.order)) if on]
                firsts = (
                    rel.valid.join(varying.select("c"), "c")
                    .join(rel.src.select(F.col(ROW).alias("r"), c.alias("x")), "r")
                    .where(F.col("x").isNotNull())
                    .groupBy("c")
                    .agg(F.min_by("x", F.struct(*[F.col(k) for k in [*order, "r"]])).alias("f"))
                )
                examples = []
                for (case,) in varying.select("c").orderBy("c").limit(3).collect():
                    values = (
                        self._valid_src(rel, F)
                        .where((F.col("__c") == case) & c.isNotNull())
                        .select(c.cast("string").alias("v"))
                        .distinct()
                        .orderBy("v")
                        .limit(3)
                        .collect()
                    )
                    examples.append((case, [v["v"] for v in values]))
                table = self._persist(
                    rel,
                    table.join(firsts, "c", "left").select(
                        "c", "nd", F.coalesce(F.col("f"), F.col("v")).alias("v")
                    ),
                )
                warn_varying(column, n, examples)
            if text:
                for (sql_type, _), ok in zip(TEXT_TYPES, met[1:]):
                    if ok == 1:
                        table = self._persist(rel, table.withColumn("v", F.col("v").cast(sql_type.lower())))
                        break
            rel.cache[key] = table
        return rel.cache[key]

    def _numeric(self, rel: SparkRelation, column: str) -> Any:
        F = _functions()
        table = self._attribute(rel, column)
        typ = dict(table.dtypes)["v"]
        if typ == "string":
            bad = (
                table.where(F.col("v").isNotNull() & F.expr("try_cast(v AS DOUBLE)").isNull())
                .orderBy("c")
                .limit(3)
                .collect()
            )
            if bad:
                shown = ", ".join(f"{r['v']!r} (case {r['c']!r})" for r in bad)
                raise SchemaError(f"column {column!r} is not numeric, so it cannot be binned: {shown}")
        elif not any(t in typ for t in ("int", "double", "float", "decimal", "long", "short", "byte")):
            raise SchemaError(f"column {column!r} holds {typ.upper()} values; bins= needs numbers")
        return table.select("c", F.expr("try_cast(v AS DOUBLE)").alias("v"))

    def quantiles(self, rel: SparkRelation, column: str, probs: Sequence[float]) -> list[float | None]:
        """Nearest-value quantiles of a numeric case attribute over cases (SQL percentile_disc)."""
        F = _functions()
        table = self._numeric(rel, column).where(F.col("v").isNotNull())
        exprs = [F.expr(f"percentile_disc({float(p)}) WITHIN GROUP (ORDER BY v)") for p in probs]
        row = table.agg(*exprs).collect()[0]
        return [None if v is None else float(v) for v in row]

    def _segments(self, rel: SparkRelation, by: Segmentation | None) -> Any:
        F = _functions()
        if by is None:
            return None
        key = ("seg", by)
        if key in rel.cache:
            return rel.cache[key]
        if by.cohort is not None:
            first = F.timestamp_micros(F.col("ts")[0])
            if by.cohort == "month":
                segment = F.date_format(first, "yyyy-MM")
            else:
                segment = F.date_format(F.date_trunc("week", first), "yyyy-MM-dd")
            table = rel.cs.select("c", segment.alias("segment"))
        elif by.edges:
            assert by.column is not None
            table = self._numeric(rel, by.column)
            v, edges, labels = F.col("v"), by.edges, by.labels
            label = F.when(v.isNull() | F.isnan(v), F.lit(None).cast("string"))
            label = label.when(v < edges[0], labels[0])
            for i in range(1, len(edges) - 1):
                label = label.when(v < edges[i], labels[i])
            label = label.when(v <= edges[-1], labels[-2]).otherwise(labels[-1])
            table = table.select("c", label.alias("segment"))
        else:
            assert by.column is not None
            table = self._attribute(rel, by.column).select("c", F.col("v").alias("segment"))
        table = self._persist(rel, table)
        rel.cache[key] = table
        return table

    def _cases(self, rel: SparkRelation, by: Segmentation | None) -> Any:
        F = _functions()
        seg = self._segments(rel, by)
        if seg is None:
            return rel.cs.withColumn("segment", F.lit(None))
        return rel.cs.join(seg, "c")

    def _variants_table(self, rel: SparkRelation) -> Any:
        F = _functions()
        if "vs" not in rel.cache:
            names = F.array(*[F.lit(n) for n in rel.names]) if rel.names else F.array().cast("array<string>")
            seq = F.split("k", ",").cast("array<int>")
            vs = (
                rel.cs.select("k")
                .distinct()
                .withColumn("seq", seq)
                .withColumn("events", F.size("seq").cast("bigint"))
                .withColumn("names", F.transform("seq", lambda x: F.element_at(names, x)))
                .withColumn("vid", F.md5(F.concat_ws("\x1f", "names")))
            )
            rel.cache["vs"] = self._persist(rel, vs)
        return rel.cache["vs"]

    def _variant_counts(self, rel: SparkRelation, by: Segmentation | None) -> Any:
        F = _functions()
        key = ("kv", by)
        if key not in rel.cache:
            duration = (F.element_at("ts", -1) - F.element_at("ts", 1)).cast("double")
            kv = (
                self._cases(rel, by)
                .groupBy("segment", "k")
                .agg(F.count("*").alias("cases"), F.percentile(duration, F.lit(0.5)).alias("med"))
            )
            rel.cache[key] = self._persist(rel, kv)
        return rel.cache[key]

    def _name(self, rel: SparkRelation, code: Column) -> Column:
        F = _functions()
        names = F.array(*[F.lit(n) for n in rel.names]) if rel.names else F.array().cast("array<string>")
        name: Column = F.element_at(names, code)
        return name

    # -- verbs --------------------------------------------------------------------------------

    def dfg(self, rel: SparkRelation, *, by: Segmentation | None) -> pa.Table:
        """Directly-follows edges with counts and durations, per segment."""
        F = _functions()
        cases = self._cases(rel, by).where(F.col("n") > 1)
        timed = rel.schema.timestamp is not None

        def step(i: Column) -> Column:
            dt = (F.col("ts")[i] - F.col("ts")[i - 1]).cast("double") if timed else F.lit(None).cast("double")
            pair: Column = F.struct(
                F.col("seq")[i - 1].alias("a"), F.col("seq")[i].alias("b"), dt.alias("dt")
            )
            return pair

        steps = cases.select(
            "segment", F.explode(F.transform(F.sequence(F.lit(1), F.col("n") - 1), step)).alias("e")
        )
        x = steps.groupBy("segment", F.col("e.a").alias("a"), F.col("e.b").alias("b")).agg(
            F.count("*").alias("count"),
            (F.avg("e.dt") / 1e6).alias("mean_s"),
            F.percentile(F.col("e.dt"), F.array(F.lit(0.5), F.lit(0.9))).alias("q"),
        )
        kv, vs = self._variant_counts(rel, by), self._variants_table(rel)
        pairs = F.transform(
            F.sequence(F.lit(1), F.col("events") - 1),
            lambda i: F.col("seq")[i - 1].cast("bigint") * 4294967296 + F.col("seq")[i],
        )
        y = (
            kv.join(vs, "k")
            .where(F.col("events") > 1)
            .select("segment", "cases", F.explode(F.array_distinct(pairs)).alias("code"))
            .groupBy(
                "segment",
                (F.col("code") / 4294967296).cast("int").alias("a"),
                (F.col("code") % 4294967296).cast("int").alias("b"),
            )
            .agg(F.sum("cases").alias("cases"))
        )
        out = x.join(
            y.withColumnRenamed("segment", "segment_y"),
            x["segment"].eqNullSafe(F.col("segment_y")) & (x["a"] == y["a"]) & (x["b"] == y["b"]),
        ).select(
            x["segment"],
            self._name(rel, x["a"]).alias("source"),
            self._name(rel, x["b"]).alias("target"),
            F.col("count").cast("bigint").alias("count"),
            F.col("cases").cast("bigint").alias("cases"),
            F.col("mean_s").cast("double").alias("mean_s"),
            (F.col("q")[0] / 1e6).cast("double").alias("median_s"),
            (F.col("q")[1] / 1e6).cast("double").alias("p90_s"),
        )
        return self._arrow(out.orderBy(F.asc_nulls_last("segment"), "source", "target"))

    def durations(self, rel: SparkRelation, *, by: Segmentation | None) -> pa.Table:
        """Histograms of case and transition durations per segment (see ``Engine.durations``).

        One row per case (last time minus first) and one per transition (the next time minus
        this one), binned as on DuckDB: ``floor(ln(1 + seconds) * DURATION_BINS)``, the natural
        log of ``1 + x`` as DuckDB computes it (not ``log1p``, which rounds differently), so that
        every duration falls in the same bin on both engines."""
        F = _functions()
        cases = self._cases(rel, by)
        no_code = F.lit(None).cast("int")
        if rel.schema.timestamp is None:
            # DuckDB types the segment of an empty table without a segmentation as text
            segment = F.col("segment") if by is not None else F.lit(None).cast("string").alias("segment")
            empty = cases.where(F.lit(False)).select(
                segment,
                F.lit(None).cast("string").alias("source"),
                F.lit(None).cast("string").alias("target"),
                no_code.alias("bin"),
                F.lit(None).cast("bigint").alias("count"),
            )
            return _nullable(self._arrow(empty))
        ts = F.col("ts")
        whole = cases.select(
            "segment",
            no_code.alias("a"),
            no_code.alias("b"),
            (F.element_at(ts, -1) - F.element_at(ts, 1)).alias("dt"),
        )

        def step(i: Column) -> Column:
            pair: Column = F.struct(
                F.col("seq")[i - 1].alias("a"), F.col("seq")[i].alias("b"), (ts[i] - ts[i - 1]).alias("dt")
            )
            return pair

        steps = (
            cases.where(F.col("n") > 1)
            .select("segment", F.explode(F.transform(F.sequence(F.lit(1), F.col("n") - 1), step)).alias("e"))
            .select("segment", "e.a", "e.b", "e.dt")
        )
        seconds = F.col("dt").cast("double") / 1e6
        binned = F.floor(F.log(F.lit(1.0) + seconds) * DURATION_BINS).cast("int")
        out = (
            whole.unionByName(steps)
            .groupBy("segment", "a", "b", binned.alias("bin"))
            .agg(F.count("*").cast("bigint").alias("count"))
            .select(
                "segment",
                self._nullable_name(rel, F.col("a")).alias("source"),
                self._nullable_name(rel, F.col("b")).alias("target"),
                "bin",
                "count",
            )
        )
        # Spark orders text by its UTF-8 bytes (code points), as DuckDB does; the result is
        # small, so it is sorted in one task (no sampling job for a range partitioning)
        ordered = out.repartition(1).sortWithinPartitions(
            F.asc_nulls_last("segment"), F.asc_nulls_first("source"), F.asc_nulls_first("target"), "bin"
        )
        return _nullable(self._arrow(ordered))

    def _nullable_name(self, rel: SparkRelation, code: Column) -> Column:
        """The activity name of a code that may be null (then null).

        Spark 4 takes ``element_at`` of a literal array as never null, even at a null index, and
        then gives those rows a name too (``tests/test_engine_durations.py`` catches it): the
        explicit ``when`` keeps them null."""
        F = _functions()
        name: Column = F.when(code.isNotNull(), self._name(rel, code))
        return name

    def activities(self, rel: SparkRelation, *, by: Segmentation | None) -> pa.Table:
        """Per activity and segment: events, cases, and cases starting / ending with it."""
        F = _functions()
        kv, vs = self._variant_counts(rel, by), self._variants_table(rel)
        per_variant = (
            kv.join(vs, "k")
            .select(
                "segment",
                "k",
                "cases",
                F.col("seq")[0].alias("f"),
                F.element_at("seq", -1).alias("l"),
                F.explode("seq").alias("a"),
            )
            .groupBy("segment", "k", "cases", "f", "l", "a")
            .count()
        )
        out = (
            per_variant.groupBy("segment", "a")
            .agg(
                F.sum(F.col("count") * F.col("cases")).cast("bigint").alias("events"),
                F.sum("cases").cast("bigint").alias("cases"),
                F.coalesce(F.sum(F.when(F.col("a") == F.col("f"), F.col("cases"))), F.lit(0))
                .cast("bigint")
                .alias("start"),
                F.coalesce(F.sum(F.when(F.col("a") == F.col("l"), F.col("cases"))), F.lit(0))
                .cast("bigint")
                .alias("end"),
            )
            .select(
                "segment", self._name(rel, F.col("a")).alias("activity"), "events", "cases", "start", "end"
            )
        )
        return self._arrow(out.orderBy(F.asc_nulls_last("segment"), "activity"))

    def activity_channels(self, rel: SparkRelation, *, by: Segmentation | None) -> pa.Table:
        """Events per segment, activity and channel (empty without a mapped channel)."""
        F = _functions()
        channel = rel.schema.channel
        if channel is None:
            out = (
                self._cases(rel, by)
                .where(F.lit(False))
                .select(
                    "segment",
                    F.lit(None).cast("string").alias("activity"),
                    F.lit(None).cast("string").alias("channel"),
                    F.lit(None).cast("bigint").alias("events"),
                )
            )
            return self._arrow(out)
        text = _col(channel).cast("string")
        ch = F.when(text.isNull() | self._blank(text), F.lit(None).cast("string")).otherwise(text)
        events = self._valid_with(rel, {"channel": ch}).select("c", F.col("a").alias("activity"), "channel")
        seg = self._segments(rel, by)
        events = events.withColumn("segment", F.lit(None)) if seg is None else events.join(seg, "c")
        out = events.groupBy("segment", "activity", "channel").agg(
            F.count("*").cast("bigint").alias("events")
        )
        return self._arrow(out.orderBy(F.asc_nulls_last("segment"), "activity", F.asc_nulls_last("channel")))

    def rarest_edges(self, rel: SparkRelation, *, by: Segmentation | None) -> pa.Table:
        """Per segment and edge: the cases whose lowest-ranked transition it is."""
        from pyspark.sql import Window

        F = _functions()
        kv, vs = self._variant_counts(rel, by), self._variants_table(rel)
        pairs = F.transform(
            F.sequence(F.lit(1), F.col("events") - 1),
            lambda i: F.col("seq")[i - 1].cast("bigint") * 4294967296 + F.col("seq")[i],
        )
        # a join on a key of Spark's void type (no segmentation: segment is a null literal)
        # matches nothing, even null-safe: join on a constant instead, and put the null back
        segment = F.col("segment") if by is not None else F.lit(0).alias("segment")
        p = (
            kv.join(vs, "k")
            .where(F.col("events") > 1)
            .select(segment, "k", "cases", F.explode(pairs).alias("code"))
        )
        source = self._name(rel, (F.col("code") / 4294967296).cast("int")).alias("source")
        target = self._name(rel, (F.col("code") % 4294967296).cast("int")).alias("target")
        order = Window.partitionBy("segment").orderBy(F.desc("count"), "source", "target")
        r = (
            p.groupBy("segment", "code")
            .agg(F.sum("cases").alias("count"))
            .select("segment", "code", "count", source, target)
            .withColumn("rank", F.row_number().over(order))
        )
        rs = r.select(F.col("segment").alias("rs"), F.col("code").alias("rc"), "rank", "source", "target")
        w = (
            p.join(rs, p["segment"].eqNullSafe(rs["rs"]) & (p["code"] == rs["rc"]))
            .groupBy("segment", "k")
            .agg(F.first("cases").alias("cases"), F.max("rank").alias("lowest"))
        )
        out = (
            w.join(rs, w["segment"].eqNullSafe(rs["rs"]) & (w["lowest"] == rs["rank"]))
            .groupBy("segment", "source", "target")
            .agg(F.sum("cases").cast("bigint").alias("cases"))
        )
        if by is None:
            out = out.withColumn("segment", F.lit(None))
        return self._arrow(out.orderBy(F.asc_nulls_last("segment"), "source", "target"))

    def variants(self, rel: SparkRelation, *, by: Segmentation | None, top: int | None) -> pa.Table:
        """Variants per segment with cases, share and median case duration."""
        from pyspark.sql import Window

        F = _functions()
        kv, vs = self._variant_counts(rel, by), self._variants_table(rel)
        w = kv.join(vs, "k").withColumn(
            "share", F.col("cases") / F.sum("cases").over(Window.partitionBy("segment"))
        )
        if top is not None:
            rank = F.row_number().over(Window.partitionBy("segment").orderBy(F.desc("cases"), "vid"))
            w = w.withColumn("rank", rank).where(F.col("rank") <= int(top))
        out = w.select(
            "segment",
            F.col("names").alias("variant"),
            F.col("vid").alias("variant_id"),
            "events",
            F.col("cases").cast("bigint").alias("cases"),
            F.col("share").cast("double").alias("share"),
            (F.col("med") / 1e6).cast("double").alias("median_duration_s"),
        )
        return self._arrow(out.orderBy(F.asc_nulls_last("segment"), F.desc("cases"), "variant_id"))

    def paths(self, rel: SparkRelation, *, by: Segmentation | None, measure: str | None) -> pa.Table:
        """Per segment and path (activities with their channels): cases, case durations, mean
        gaps between steps and the measure per step (see ``Engine.paths``).

        One row per case (its codes, channels, times and measures in order), then one
        aggregation by path. The figures per step are folded over each path's cases with
        higher-order functions: exploding the cases to one row per event would carry the whole
        path in every row (the square of its length). A path's cases are sorted by duration and
        case id first, and every sum and mean is a left fold from 0.0 in that order, as on
        DuckDB: the two engines give the same figures to the bit, whatever the input order."""
        F = _functions()
        schema = rel.schema
        if measure is not None:
            self._check_measure(rel, measure, F)
        timed, has_m = schema.timestamp is not None, measure is not None
        null_text = F.lit(None).cast("string")
        if schema.channel is None and not has_m:
            # nothing beyond the prepared cases: their codes and times are already in order
            per_case = rel.cs.select(
                "c",
                "seq",
                F.transform("seq", lambda x: null_text).alias("chs"),
                "ts",
                F.lit(None).cast("array<double>").alias("ms"),
            )
        else:
            per_case = self._path_events(rel, measure, F)
        seg = self._segments(rel, by)
        per_case = per_case.withColumn("segment", F.lit(None)) if seg is None else per_case.join(seg, "c")
        n = F.size("seq")
        ts = F.col("ts")
        seconds = 1e6
        gaps = F.zip_with(
            F.slice(ts, 2, n - 1), F.slice(ts, 1, n - 1), lambda b, a: ((b - a) / seconds).cast("double")
        )
        given = F.filter("ms", lambda x: x.isNotNull())
        mean = F.when(
            F.size(given) > 0, F.aggregate(given, F.lit(0.0), lambda acc, x: acc + x) / F.size(given)
        )
        cases = per_case.select(
            "segment",
            "c",
            "seq",
            "chs",
            ((F.element_at(ts, -1) - F.element_at(ts, 1)) / seconds).cast("double").alias("d"),
            gaps.alias("g"),
            F.col("ms").alias("m"),
            mean.alias("cm"),
        )
        parts = (["g"] if timed else []) + (["m"] if has_m else [])
        aggs = [F.count("*").cast("bigint").alias("cases")]
        if parts:
            # the cases by duration, then id (unique): the durations come out ascending, and
            # the sums add up in the same order as on DuckDB, so that they are equal to the bit
            order = (["d"] if timed else []) + ["c"]
            aggs.append(F.array_sort(F.collect_list(F.struct(*order, *parts))).alias("pc"))
        if has_m:
            aggs.append(F.array_sort(F.collect_list("cm")).alias("cml"))  # skips the nulls
        per_path = cases.groupBy("segment", "seq", "chs").agg(*aggs)
        pc, size = F.col("pc"), F.size("seq")

        def fold(field: str, zero: Column, add: Any, length: Column) -> Column:
            start = F.array_repeat(zero, length)
            folded: Column = F.aggregate(pc, start, lambda acc, x: F.zip_with(acc, x[field], add))
            return folded

        none_double = F.lit(None).cast("array<double>")
        if timed:
            durations = F.transform(pc, lambda x: x["d"])
            total = fold("g", F.lit(0.0), lambda a, b: a + b, size - 1)
            mean_gaps = F.transform(total, lambda s: s / F.col("cases"))
        else:
            durations = mean_gaps = none_double
        if has_m:
            zero_n = F.lit(0).cast("bigint")
            measure_n = fold("m", zero_n, lambda a, b: a + F.when(b.isNull(), zero_n).otherwise(1), size)
            measure_sum = fold("m", F.lit(0.0), lambda a, b: a + F.coalesce(b, F.lit(0.0)), size)
            measure_sq = fold("m", F.lit(0.0), lambda a, b: a + F.coalesce(b * b, F.lit(0.0)), size)
            case_measure = F.col("cml")
        else:
            measure_n = F.lit(None).cast("array<bigint>")
            measure_sum = measure_sq = case_measure = none_double
        activities = F.transform("seq", lambda x: self._name(rel, x))
        names = F.concat_ws("\x1f", "activities")
        channels = F.concat_ws("\x1f", F.transform("channels", lambda x: F.coalesce(x, F.lit(""))))
        out = (
            per_path.select(
                "segment",
                activities.alias("activities"),
                F.col("chs").alias("channels"),
                "cases",
                durations.alias("durations_s"),
                mean_gaps.alias("gaps_s"),
                measure_n.alias("measure_n"),
                measure_sum.alias("measure_sum"),
                measure_sq.alias("measure_sq"),
                case_measure.alias("case_measure"),
            )
            .withColumn("path_id", F.md5(F.concat(names, F.lit("\x1e"), channels)))
            .withColumn("variant_id", F.md5(names))
            .select(
                "segment",
                "path_id",
                "variant_id",
                "activities",
                "channels",
                "cases",
                "durations_s",
                "gaps_s",
                "measure_n",
                "measure_sum",
                "measure_sq",
                "case_measure",
            )
        )
        # one row per path: sorted in one task, which spares the range partitioning of orderBy
        # (a sampling job that runs the whole plan once more)
        ordered = out.repartition(1).sortWithinPartitions(
            F.asc_nulls_last("segment"), F.desc("cases"), "path_id"
        )
        return self._arrow(ordered)

    def _valid_with(self, rel: SparkRelation, extra: Mapping[str, Column]) -> Any:
        """The valid events (``r, c, a, t, o``) with more columns computed from the source row,
        in one pass over the source: joining :attr:`SparkRelation.valid` back to the source on
        the row costs two more shuffles of every event (three times the time on 1M events)."""
        F = _functions()
        columns, reason = rel.cache["parse"]
        frame = (
            self._kept_src(rel)
            .select(*columns, *[e.alias(k) for k, e in extra.items()])
            .withColumn("reason", reason)
            .where(F.col("reason").isNull())
        )
        ids = rel.cache.get("oversized")
        if ids:
            frame = frame.where(~F.col("c").isin(ids))
        for cases in rel.among:
            frame = frame.join(cases.select("c"), "c", "left_semi")
        return frame.select("r", "c", "a", "t", "o", *extra)

    def _path_events(self, rel: SparkRelation, measure: str | None, F: Any) -> Any:
        """Per case: ``c``, ``seq`` (activity codes), ``chs`` (channels, null where missing or
        blank), ``ts`` (microseconds) and ``ms`` (the measure, NaN as null), in the order of its
        events: time, order value, input row (as in ``_prepare``)."""
        schema = rel.schema
        channel = schema.channel
        if channel is not None:
            text = _col(channel).cast("string")
            ch = F.when(text.isNull() | self._blank(text), F.lit(None).cast("string")).otherwise(text)
        else:
            ch = F.lit(None).cast("string")
        if measure is not None:
            if rel.types[measure] == "string":
                value = F.expr(f"try_cast({_quoted(measure)} AS DOUBLE)")
            else:
                value = _col(measure).cast("double")
            m = F.when(F.isnan(value), F.lit(None).cast("double")).otherwise(value)
        else:
            m = F.lit(None).cast("double")
        if "acts" not in rel.cache:
            rows = [(name, i + 1) for i, name in enumerate(rel.names)]
            rel.cache["acts"] = self.session.createDataFrame(rows, "a string, aid int")
        keys = [k for k, on in (("t", schema.timestamp), ("o", schema.order)) if on]
        element = F.struct(*[F.col(k) for k in [*keys, "r"]], "aid", "ch", "m")
        grouped = (
            self._valid_with(rel, {"ch": ch, "m": m})
            .join(F.broadcast(rel.cache["acts"]), "a")
            .groupBy("c")
            .agg(F.array_sort(F.collect_list(element)).alias("l"))
        )
        no_ts, no_ms = F.lit(None).cast("array<bigint>"), F.lit(None).cast("array<double>")
        return grouped.select(
            "c",
            F.transform("l", lambda e: e["aid"]).alias("seq"),
            F.transform("l", lambda e: e["ch"]).alias("chs"),
            (F.transform("l", lambda e: e["t"]) if schema.timestamp else no_ts).alias("ts"),
            (F.transform("l", lambda e: e["m"]) if measure is not None else no_ms).alias("ms"),
        )

    def _check_measure(self, rel: SparkRelation, column: str, F: Any) -> None:
        """A numeric event column, or a clear error (worded as DuckDB's)."""
        if column not in rel.columns:
            raise SchemaError(
                f"column {column!r} not found, so it cannot be measured; available: "
                f"{', '.join(rel.columns)}; pass measure=... with a numeric event column"
            )
        typ = rel.types[column]
        if typ == "string":
            c = _col(column)
            bad = (
                self._valid_src(rel, F)
                .where(c.isNotNull() & ~self._blank(c) & ~c.rlike(f"^{NUMBER}$"))
                .orderBy("__c", ROW)
                .select("__c", c.alias("v"))
                .limit(3)
                .collect()
            )
            if bad:
                shown = ", ".join(f"{r['v']!r} (case {r['__c']!r})" for r in bad)
                raise SchemaError(f"column {column!r} is not numeric, so it cannot be measured: {shown}")
            return
        numbers = ("tinyint", "smallint", "int", "bigint", "float", "double", "void")
        if typ not in numbers and not typ.startswith("decimal("):
            raise SchemaError(f"column {column!r} holds {typ.upper()} values; a measure needs numbers")

    def cases(
        self, rel: SparkRelation, *, by: Segmentation | None, attributes: Mapping[str, str]
    ) -> pa.Table:
        """One row per case with its segment, events, start, end, duration, variant, attributes."""
        F = _functions()
        vs = self._variants_table(rel)
        frame = self._cases(rel, by).join(vs.select("k", "vid"), "k")
        for name, column in attributes.items():
            attr = self._attribute(rel, column).select("c", F.col("v").alias(name))
            frame = frame.join(attr, "c", "left")
        first, last = F.element_at("ts", 1), F.element_at("ts", -1)
        out = frame.select(
            F.col("c").alias("case"),
            "segment",
            F.col("n").alias("events"),
            F.timestamp_micros(first).cast("timestamp_ntz").alias("start"),
            F.timestamp_micros(last).cast("timestamp_ntz").alias("end"),
            ((last - first) / 1e6).cast("double").alias("duration_s"),
            F.col("vid").alias("variant_id"),
            *[_col(name) for name in attributes],
        )
        return self._arrow(out.orderBy("case"))

    def journey(
        self, rel: SparkRelation, plan: JourneyPlan, *, by: Segmentation | None = None
    ) -> JourneyTables:
        """The figures of a journey map per segment (see ``Engine.journey``): the plan's SQL
        (``engines/plans.py``, DuckDB's dialect) transpiled for Spark with SQLGlot, over
        temporary views; the events and per-customer tables are persisted while the queries
        run, and only the figure tables reach the driver."""
        from pyspark import StorageLevel

        inputs = plans.journey_inputs(plan)
        frame = self._valid_with(rel, {name: _col(col) for name, col in inputs.items()})
        kinds = {name: plans.kind_of(rel.types.get(col, "")) for name, col in inputs.items()}
        order = [k for k, on in (("t", rel.schema.timestamp), ("o", rel.schema.order)) if on] + ["r"]
        seg = self._segments(rel, by)
        n = next(_VIEWS)
        src_name, events, seg_name = f"__jm_ev{n}", f"__jm_je{n}", f"__jm_js{n}"
        tables = tuple(f"{name}{n}" for name in plans.PER_CASE)
        sql = plans.journey_sql(
            plan,
            order=order,
            kinds=kinds,
            source=src_name,
            events=events,
            segments=seg_name if seg is not None else None,
            tables=tables,
        )
        spark = self.session

        def run(text: str) -> pa.Table:
            return self._arrow(spark.sql(plans.to_dialect(text, "spark")))

        frame.createOrReplaceTempView(src_name)
        if seg is not None:
            seg.createOrReplaceTempView(seg_name)
        views = [src_name, seg_name, events, *tables]
        kept: list[Any] = []
        try:
            checks = run(sql.checks)
            for name, text in zip((events, *tables), (sql.events, sql.cases, sql.touchpoints, sql.channels)):
                table = spark.sql(plans.to_dialect(text, "spark"))
                with contextlib.suppress(Exception):  # Spark Connect before 3.5: recompute instead
                    table = table.persist(StorageLevel.MEMORY_AND_DISK)
                    kept.append(table)
                table.createOrReplaceTempView(name)
            return JourneyTables(
                touchpoints=_nullable(run(sql.tp_figures)),
                stages=_nullable(run(sql.stage_figures)),
                channels=_nullable(run(sql.channel_figures)),
                moments=_nullable(run(sql.moments)),
                segments=_nullable(run(sql.segments)),
                transitions=_nullable(run(sql.transitions)),
                checks=_nullable(checks),
            )
        finally:
            for name in views:
                spark.catalog.dropTempView(name)
            for table in kept:
                with contextlib.suppress(Exception):
                    table.unpersist()

    def _cut_frame(self, rel: SparkRelation, plan: CutPlan) -> Any:
        """``rel``'s events cut by ``plan`` (``plans.cut_sql`` transpiled: r, c, k, ended,
        opens, keep, reason), persisted once per plan."""
        key = ("cut", plan)
        if key not in rel.cache:
            order = [k for k, on in (("t", rel.schema.timestamp), ("o", rel.schema.order)) if on] + ["r"]
            name = f"__jm_cut{next(_VIEWS)}"
            spark = self.session
            rel.valid.select("r", "c", "a", "t", "o").createOrReplaceTempView(name)
            try:
                sql = plans.to_dialect(plans.cut_sql(plan, order=order, source=name), "spark")
                rel.cache[key] = self._persist(rel, spark.sql(sql))
            finally:
                spark.catalog.dropTempView(name)
        return rel.cache[key]

    def cut(self, rel: SparkRelation, plan: CutPlan) -> Cut:
        """The journeys of ``rel`` (see ``Engine.cut``): a new relation over ``rel``'s source
        rows kept, with the journey columns, prepared like a loaded log; its events are parsed
        from those rows as ``rel``'s are. ``rel`` is unchanged and kept alive by it."""
        F = _functions()
        self._collect_garbage()
        cut = self._cut_frame(rel, plan)
        opens = F.col("opens") == 1
        with progress.step("cutting journeys"):
            row = cut.agg(
                F.count(F.when(opens, 1)).alias("journeys"),
                F.count(F.when(opens & F.col("keep"), 1)).alias("selected"),
                F.count(F.when(opens & F.col("keep") & (F.col("ended") == 2), 1)).alias("complete"),
                F.count(F.when(F.col("keep"), 1)).alias("events_in"),
                F.count(F.when(~F.col("keep"), 1)).alias("events_outside"),
            ).collect()[0]
        names = (
            cut.where(~F.col("keep"))
            .select("r")
            .join(rel.valid.select("r", "a"), "r")
            .select("a")
            .distinct()
            .orderBy("a")
            .collect()
        )
        keys = ("journeys", "selected", "events_in", "events_outside")
        counts: dict[str, Any] = {k: int(row[k] or 0) for k in keys}
        counts["complete"] = int(row["complete"] or 0) if plan.ends is not None else 0
        counts["outside_activities"] = tuple(str(r["a"]) for r in names)
        if not counts["events_in"]:
            return Cut(None, **counts)
        ended = F.col("ended")
        added = [
            F.concat(F.col("c"), F.lit("#"), F.col("k").cast("string")).alias("journey"),
            F.col("k").cast("bigint").alias("journey_index"),
        ]
        if plan.ends is not None:
            added.append((ended == 2).alias("journey_complete"))
        added.append(
            F.when(ended == 2, "end").when(ended == 1, "gap").otherwise("data").alias("journey_ended_by")
        )
        kept = cut.where(F.col("keep")).select(F.col("r").alias(ROW), *added)
        src = self._kept_src(rel).join(kept, ROW)
        src = src.select("journey", *[c for c in src.columns if c != "journey"])
        types = {n: t for n, t in src.dtypes if not n.startswith("__jm_")}
        schema = replace(rel.schema, case="journey")
        child = SparkRelation(self, rel.scan, schema, tuple(types), types, src)
        weakref.finalize(child, self._forget, child.persisted)
        child.cache["base"] = rel  # its source rows and cut frame are the child's
        for key in ("t", "text", "tz", "timestamp_format"):
            if key in rel.cache:
                child.cache[key] = rel.cache[key]
        columns, _ = rel.cache["parse"]
        columns = [F.col("journey").alias("c") if i == 1 else c for i, c in enumerate(columns)]
        child.cache["parse"] = (columns, F.lit(None).cast("string"))
        child.cache.update(total=counts["events_in"], invalid=0, reasons={})
        child.cache.setdefault("tz", None)
        child.valid = self._valid_with(child, {})
        with progress.step("ordering journeys"):
            self._prepare(child, "quarantine", F, check=False)
        return Cut(child, **counts)

    def cut_outside(self, rel: SparkRelation, plan: CutPlan, *, columns: Sequence[str] = ()) -> pa.Table:
        """The events ``cut(rel, plan)`` does not keep, with a reason each (see ``Engine.cut_outside``)."""
        F = _functions()
        outside = self._cut_frame(rel, plan).where(~F.col("keep")).select("r", "reason")
        return self._arrow(self._events_frame(rel, columns, outside))

    # -- union ------------------------------------------------------------------------------

    def union(self, plan: UnionPlan) -> Union:
        """Combine sources into one log of customers (see ``Engine.union``), as the DuckDB
        engine does: a persisted staging frame of every source event, and a new log over the
        events kept, read like a loaded log."""
        import pyarrow as pa
        from pyspark.sql import Window

        from journeymine.connectors.base import Scan

        F = _functions()
        self._collect_garbage()
        for part in plan.parts:
            if not isinstance(part.relation, SparkRelation) or part.relation.engine is not self:
                raise EngineError(f"combine: source {part.name!r} is not a log of this spark engine")
        names = [part.name for part in plan.parts]
        # a source's rows are its root log's (a cut or filtered log keeps them): ask the largest
        span = 1 + max(
            int(part.relation.valid.agg(F.coalesce(F.max("r"), F.lit(0))).collect()[0][0])
            for part in plan.parts
        )
        casts = plans.union_kinds(
            [{out: p.relation.types.get(col, "") for col, out in p.columns} for p in plan.parts]
        )
        cast_to = {"number": "double", "text": "string"}
        frames = []
        for rank, part in enumerate(plan.parts):
            rel = part.relation
            extra: dict[str, Column] = {}
            if rel.schema.channel:
                extra["__jm_ch"] = _col(rel.schema.channel).cast("string")
            for i, (col, out) in enumerate(part.columns):
                kind = casts[out]
                extra[f"__jm_x{i}"] = _col(col).cast(cast_to[kind]) if kind else _col(col)
            frame = self._valid_with(rel, extra)
            t = F.col("t")
            if part.zone is not None and rel.stats.timezone != "UTC":
                self._check_local_times(rel, part.name, part.zone, F)
                t = F.unix_micros(F.to_utc_timestamp(F.timestamp_micros("t"), part.zone))
            channel = F.lit(part.name)
            if rel.schema.channel:
                channel = F.coalesce(F.col("__jm_ch"), F.lit(part.name))
            if rel.schema.order:  # ties in time keep the source's order: order value, then row
                keys = [k for k, on in (("t", rel.schema.timestamp), ("o", rel.schema.order)) if on]
                row = F.row_number().over(Window.orderBy(*keys, "r")) - 1
            else:
                row = F.col("r")
            frames.append(
                frame.select(
                    F.lit(rank).alias("__jm_rank"),
                    F.lit(part.name).alias("source"),
                    F.col("c").alias("source_id"),
                    F.col("a").alias("activity"),
                    t.cast("bigint").alias("__jm_t"),
                    channel.alias("channel"),
                    (F.lit(rank).cast("bigint") * span + row).cast("bigint").alias("__jm_r0"),
                    *[F.col(f"__jm_x{i}").alias(out) for i, (_, out) in enumerate(part.columns)],
                )
            )
        union = reduce(lambda x, y: x.unionByName(y, allowMissingColumns=True), frames)
        if plan.identities is not None:
            ids = self.session.createDataFrame(
                plan.identities.to_pandas(), "source string, id string, customer string"
            ).select(
                F.col("source").alias("__jm_s"),
                F.col("id").alias("__jm_i"),
                F.col("customer").alias("__jm_c"),
            )
            union = union.join(
                ids, (F.col("__jm_s") == F.col("source")) & (F.col("__jm_i") == F.col("source_id")), "left"
            )
            own = F.concat(F.col("source"), F.lit(":"), F.col("source_id"))
            fallback = own if plan.unmatched == "keep" else F.lit(None).cast("string")
            union = (
                union.withColumn("__jm_unmatched", F.col("__jm_c").isNull())
                .withColumn("customer", F.coalesce(F.col("__jm_c"), fallback))
                .drop("__jm_s", "__jm_i", "__jm_c")
            )
        else:
            union = union.withColumn("__jm_unmatched", F.lit(False)).withColumn(
                "customer", F.col("source_id")
            )
        first = F.min("__jm_rank").over(Window.partitionBy("customer", "activity", "__jm_t"))
        union = union.withColumn("__jm_first", F.when(F.col("customer").isNull(), None).otherwise(first))
        handle = _SparkUnion(self, plan, [])
        weakref.finalize(handle, self._forget, handle.persisted)
        stage = union.persist()
        handle.persisted.append(stage)
        handle.stage = stage
        kept = F.col("customer").isNotNull()
        if plan.duplicates != "keep":
            kept = kept & (F.col("__jm_first") == F.col("__jm_rank"))
        unmatched_ = F.col("__jm_unmatched")
        with progress.step("combining sources"):  # the staging frame is made here
            rows = (
                stage.groupBy("__jm_rank")
                .agg(
                    F.count("*").alias("events"),
                    F.countDistinct("source_id").alias("ids"),
                    F.countDistinct(F.when(unmatched_, F.col("source_id"))).alias("unmatched_ids"),
                    F.count(F.when(unmatched_, 1)).alias("unmatched_events"),
                    F.count(F.when(F.col("__jm_first") < F.col("__jm_rank"), 1)).alias("duplicates"),
                    F.count(F.when(kept, 1)).alias("events_kept"),
                    F.count(F.when(F.col("customer").isNull(), 1)).alias("aside"),
                )
                .collect()
            )
        by_rank = {int(r["__jm_rank"]): r for r in rows}
        stats: dict[str, list[Any]] = {k: [] for k in UNION_STATS}
        aside = 0
        for rank, name in enumerate(names):
            r = by_rank.get(rank)
            got = {
                k: int(r[k] or 0) if r is not None else 0
                for k in (*UNION_STATS[1:], "aside")
                if k != "matched_ids"
            }
            n_ids, unmatched_ids = got["ids"], got["unmatched_ids"]
            aside += got["aside"]
            values: tuple[Any, ...] = (name, got["events"], n_ids, n_ids - unmatched_ids, unmatched_ids)
            values += (got["unmatched_events"], got["duplicates"], got["events_kept"])
            for key, value in zip(UNION_STATS, values):
                stats[key].append(value)
        sources = pa.table(stats)
        unmatched = self._arrow(
            stage.where(unmatched_)
            .groupBy("__jm_rank", "source", "source_id")
            .agg(F.count("*").cast("bigint").alias("events"))
            .orderBy("__jm_rank", "source_id")
            .select("source", F.col("source_id").alias("id"), "events")
        )
        duplicates = int(sum(stats["duplicates"]))
        if not sum(stats["events_kept"]):
            return Union(None, sources, unmatched, duplicates, aside, handle)
        outputs = list(dict.fromkeys(out for part in plan.parts for _, out in part.columns))
        ts = F.timestamp_micros("__jm_t")
        src = stage.where(kept).select(
            "customer",
            "activity",
            (ts if plan.utc else ts.cast("timestamp_ntz")).alias("timestamp"),
            "channel",
            "source",
            "source_id",
            *[_col(out) for out in outputs],
            F.col("__jm_r0").alias(ROW),
        )
        types = {n: t for n, t in src.dtypes if not n.startswith("__jm_")}
        scan = Scan(kind="union", location=f"the combined log of {', '.join(names)}", columns=tuple(types))
        schema = Schema(case="customer", activity="activity", timestamp="timestamp", channel="channel")
        rel = SparkRelation(self, scan, schema, tuple(types), types, src)
        weakref.finalize(rel, self._forget, rel.persisted)
        rel.cache["union"] = handle  # the staging frame lives as long as the log
        with progress.step("checking rows"):
            self._check(rel, "quarantine", F)
        with progress.step("ordering events"):
            self._prepare(rel, "quarantine", F)
        return Union(rel, sources, unmatched, duplicates, aside, handle)

    def _check_local_times(self, rel: SparkRelation, name: str, zone: str, F: Any) -> None:
        """A SchemaError naming a local time of ``rel`` that does not exist in ``zone`` or that
        it holds twice (as on DuckDB)."""
        local = F.timestamp_micros("t")
        utc = F.to_utc_timestamp(local, zone)
        back = F.from_utc_timestamp(utc, zone)
        twice = reduce(
            lambda x, y: x | y,
            [
                F.from_utc_timestamp(utc + F.expr(f"INTERVAL {m} MINUTES") * sign, zone) == local
                for m in (30, 60, 120)
                for sign in (1, -1)
            ],
        )
        found = (
            rel.valid.select(
                local.alias("when"), F.when(back != local, "nonexistent").otherwise("ambiguous").alias("kind")
            )
            .where((back != local) | twice)
            .orderBy("when")
            .limit(1)
            .collect()
        )
        if found:
            when, kind = found[0]["when"], found[0]["kind"]
            raise local_time_error(name, zone, when, kind)

    def union_rows(self, handle: Any, which: str) -> pa.Table:
        """Events of a union for its report (see ``Engine.union_rows``)."""
        F = _functions()
        assert isinstance(handle, _SparkUnion) and handle.engine is self
        stage = handle.stage
        ts = F.timestamp_micros("__jm_t")
        ts = (ts if handle.plan.utc else ts.cast("timestamp_ntz")).alias("timestamp")
        order = ["__jm_rank", "source_id", "__jm_t", "__jm_r0"]
        if which == "duplicates":
            names = F.array(*[F.lit(p.name) for p in handle.plan.parts])
            out = (
                stage.where(F.col("__jm_first") < F.col("__jm_rank"))
                .orderBy(*order)
                .select(
                    "source",
                    "source_id",
                    "customer",
                    "activity",
                    ts,
                    F.element_at(names, F.col("__jm_first") + 1).alias("first_source"),
                )
            )
            return self._arrow(out)
        outputs = list(dict.fromkeys(out for part in handle.plan.parts for _, out in part.columns))
        out = (
            stage.where(F.col("customer").isNull())
            .orderBy(*order)
            .select("source", "source_id", "activity", ts, "channel", *[_col(o) for o in outputs])
        )
        return self._arrow(out)

    def events(self, rel: SparkRelation, *, columns: Sequence[str] = ()) -> pa.Table:
        """The valid events in canonical order (case, position); for small logs."""
        return self._arrow(self._events_frame(rel, columns))

    def _events_frame(self, rel: SparkRelation, columns: Sequence[str], among: Any = None) -> Any:
        """The events in canonical order with their position in the case (over all its events);
        with ``among`` (a frame of ``r`` and more columns), only its events, its columns first."""
        from pyspark.sql import Window

        F = _functions()
        keys = [k for k, on in (("t", rel.schema.timestamp), ("o", rel.schema.order)) if on]
        w = Window.partitionBy("c").orderBy(*[F.col(k) for k in [*keys, "r"]])
        extra = [_col(c) for c in columns]
        if rel.schema.channel:
            extra.insert(0, _col(rel.schema.channel).cast("string").alias("channel"))
        # named apart from the source's columns (a source may have one called "position")
        events = rel.valid.withColumn("__jm_pos", (F.row_number().over(w) - 1).cast("int"))
        lead: list[Any] = []
        if among is not None:
            events = events.join(among, "r")
            lead = [c for c in among.columns if c != "r"]
        out = events.join(rel.src.withColumnRenamed(ROW, "r"), "r").select(
            *lead,
            F.col("c").alias("case"),
            F.col("a").alias("activity"),
            F.timestamp_micros("t").cast("timestamp_ntz").alias("timestamp"),
            F.col("__jm_pos").alias("position"),
            *extra,
        )
        return out.orderBy("case", "position")

    def quarantine(self, rel: SparkRelation, *, limit: int | None = None) -> pa.Table:
        """The rows set aside, with a reason each, in input order."""
        import pyarrow as pa

        F = _functions()
        if rel.bad is None:
            empty = {
                "row": pa.int64(),
                "line": pa.int64(),
                "reason": pa.string(),
                "column": pa.string(),
                "value": pa.string(),
                "detail": pa.string(),
            }
            fields = [pa.field(n, t) for n, t in empty.items()]
            fields += [pa.field(c, pa.string()) for c in rel.columns]
            return pa.schema(fields).empty_table()
        column_of = reason_columns(rel.schema)
        column = F.lit(None).cast("string")
        value = F.lit(None).cast("string")
        for reason, col in column_of.items():
            column = F.when(F.col("reason") == reason, F.lit(col)).otherwise(column)
            value = F.when(F.col("reason") == reason, _col(col).cast("string")).otherwise(value)
        if CORRUPT in rel.src.columns:
            value = F.when(F.col("reason") == "malformed line", F.col(CORRUPT)).otherwise(value)
        first = rel.scan.first_line
        line = (F.col("r") + first) if first is not None else F.lit(None).cast("bigint")
        frame = (
            rel.bad.join(rel.src.withColumnRenamed(ROW, "r"), "r")
            .select(
                F.col("r").cast("bigint").alias("row"),
                line.cast("bigint").alias("line"),
                "reason",
                column.alias("column"),
                value.alias("value"),
                F.lit(None).cast("string").alias("detail"),
                *[_col(c) for c in rel.columns],
            )
            .orderBy("row")
        )
        if limit is not None:
            frame = frame.limit(int(limit))
        return self._arrow(frame)


def _nullable(table: pa.Table) -> pa.Table:
    """The table with every field nullable, as DuckDB gives it (Spark marks counts not null)."""
    import pyarrow as pa

    return table.cast(pa.schema([f.with_nullable(True) for f in table.schema]))


def _charset(encoding: str | None) -> str:
    """A Python encoding name as the charset Spark's CSV reader knows (``latin-1`` is
    ``iso-8859-1`` there)."""
    import codecs

    if not encoding:
        return "utf-8"
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise ConnectorError(f"unknown encoding {encoding!r}") from None
    spark_names = {
        "iso8859-1": "iso-8859-1",
        "ascii": "us-ascii",
        "utf-16-be": "utf-16be",
        "utf-16-le": "utf-16le",
        "utf-32": "utf-32",
        "utf-16": "utf-16",
        "utf-8": "utf-8",
    }
    if name not in spark_names:
        raise ConnectorError(
            f"Spark's CSV reader cannot read {encoding!r}; it reads "
            f"{', '.join(sorted(spark_names.values()))}. Convert the file to UTF-8 first."
        )
    return spark_names[name]


def _match(expr: Column, typ: str, values: Sequence[str], column: str, F: Any) -> Column:
    """Whether ``expr`` (a value of ``column``, of Spark type ``typ``) is one of ``values``
    (text), by the column's type (as on DuckDB); null where the value is."""
    typ = typ.lower()
    if typ in ("string", "void") or typ.startswith(("varchar", "char")):
        texts = sorted({str(v) for v in values})
        return expr.isin(texts) if texts else F.lit(False)
    if typ in ("tinyint", "smallint", "int", "bigint", "float", "double") or typ.startswith("decimal("):
        numbers = sorted({float(v) for v in values if re.fullmatch(FILTER_NUMBER, str(v))})
        return expr.cast("double").isin(numbers) if numbers else F.lit(False)
    if typ == "boolean":
        flags = sorted({str(v).strip().lower() for v in values} & {"true", "false"})
        return expr.isin([f == "true" for f in flags]) if flags else F.lit(False)
    raise SchemaError(
        f"column {column!r} holds {typ.upper()} values; filter on it by text, numbers or booleans "
        f"only: for times, use period= (the log's timestamp), or read the column as text"
    )


def _activity(schema: Schema, F: Any) -> Column:
    """The activity of a source row as text. A composite activity joins the text of its parts
    by ``+``, a blank part as the empty text; it is null (an empty activity) only when every part
    is blank (as on DuckDB)."""
    cols = schema.activity_columns
    if len(cols) == 1:
        return _col(cols[0]).cast("string")
    texts = [_col(c).cast("string") for c in cols]
    blanks = [t.isNull() | t.rlike(r"^\s*$") for t in texts]
    parts = [F.when(b, F.lit("")).otherwise(t) for t, b in zip(texts, blanks)]
    label: Column = F.when(reduce(lambda x, y: x & y, blanks), F.lit(None).cast("string")).otherwise(
        F.concat_ws(ACTIVITY_SEPARATOR, *parts)
    )
    return label


def _col(name: str) -> Column:
    """A column by name, whatever characters the name has."""
    from pyspark.sql import functions as F

    return F.col("`" + name.replace("`", "``") + "`")


def _quoted(name: str) -> str:
    """A column name quoted for Spark SQL text, whatever characters it has."""
    return "`" + name.replace("`", "``") + "`"


def _lit(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _try_ts(column: Column) -> Column:
    """``try_cast(column AS TIMESTAMP)``: null where the text is not a time (Spark 4's ANSI mode
    makes a plain cast fail instead)."""
    try_cast = getattr(column, "try_cast", None)
    return try_cast("timestamp") if try_cast is not None else column.cast("timestamp")


class SparkEngineFactory:
    """Creates :class:`SparkEngine` instances (registered as the engine ``"spark"``)."""

    name = "spark"

    def create(self, **settings: Any) -> SparkEngine:
        """Return a new Spark engine with ``settings`` (see :class:`SparkEngine`)."""
        return SparkEngine(**settings)


def _is_spark_frame(source: Any) -> bool:
    module = type(source).__module__
    return module.startswith("pyspark.sql") and type(source).__name__ == "DataFrame"


class SparkConnector:
    """Reads a Spark DataFrame, or a table of the Spark catalog (``table=`` a name).

    Only the Spark engine can read what this connector hands over. Rows of a DataFrame have no
    input order of their own: ties are broken by Spark's partition order.
    """

    name = "spark"
    suffixes: tuple[str, ...] = ()
    options = ("table",)

    def scan(self, source: Any, **options: Any) -> Scan:
        """Describe a Spark DataFrame (or the catalog table named by ``source`` or ``table=``)."""
        table = options.get("table")
        if table is None and isinstance(source, str):
            table = source
        if table is not None:
            from journeymine.registry import get_engine

            try:
                from pyspark.sql import SparkSession
            except ImportError:
                raise EngineError(
                    "reading a Spark table needs pyspark: pip install 'journeymine[spark]'"
                ) from None
            session = SparkSession.getActiveSession() or get_engine("spark").session  # type: ignore[attr-defined]
            try:
                frame = session.table(str(table))
            except Exception as exc:
                raise ConnectorError(f"no Spark table {table!r}: {exc}") from None
            location = f"Spark table {table}"
        elif _is_spark_frame(source):
            frame, location = source, "Spark DataFrame"
        else:
            raise ConnectorError(
                f"the spark connector reads a Spark DataFrame or a table name, not {type(source).__name__}"
            )
        return Scan(kind="spark", location=location, columns=tuple(frame.columns), open=lambda: frame)


@hookimpl
def journeymine_register_engines(register: Any) -> None:
    """Register the Spark engine (pyspark is imported only when it is used)."""
    register(SparkEngineFactory())


@hookimpl
def journeymine_register_connectors(register: Any) -> None:
    """Register the Spark connector (Spark DataFrames and catalog tables)."""
    register(SparkConnector())


@hookimpl
def journeymine_resolve_connector(source: Any) -> str | None:
    """Claim Spark DataFrames."""
    return "spark" if _is_spark_frame(source) else None
