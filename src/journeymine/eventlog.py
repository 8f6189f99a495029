"""EventLog: a validated log held by an engine, and ``read_events``, the way in.

An ``EventLog`` is immutable: a schema (which column is what) over a relation the engine owns,
read and prepared once. Mining functions (:func:`journeymine.discover_dfg`,
:func:`journeymine.discover_variants`) and :meth:`EventLog.cases` ask the engine for small tidy
aggregates; the events themselves stay in the engine.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from journeymine.errors import ArgumentError, ConnectorError
from journeymine.registry import connectors, get_engine, resolve_connector
from journeymine.schema import Schema
from journeymine.segments import Bins, Segmentation, resolve_segmentation

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

    from journeymine.connectors.base import Connector, Scan
    from journeymine.engines.base import Engine, LogStats, OnInvalid, Relation
    from journeymine.filters import FilterStep

__all__ = ["CASE_TABLE_COLUMNS", "EventLog", "as_log", "duration_summary", "read_events"]

#: the columns every case table starts with
CASE_TABLE_COLUMNS = ("case", "segment", "events", "start", "end", "duration_s", "variant_id")


def read_events(
    source: Any,
    *,
    case: str | None = None,
    activity: str | Sequence[str] | None = None,
    timestamp: str | None = None,
    channel: str | None = None,
    order: str | None = None,
    timestamp_format: str | None = None,
    connector: str | Connector | None = None,
    engine: str | Engine | None = None,
    on_invalid: OnInvalid = "raise",
    **options: Any,
) -> EventLog:
    """Read an event log from any source, mapping its columns once.

    Parameters
    ----------
    source : path, DataFrame, URL or anything a connector plugin claims
        A CSV (``.csv``, ``.tsv``, ``.csv.gz``), Parquet (a file, folder or glob), XES
        (``.xes``, ``.xes.gz``) file, a pandas DataFrame, or a SQLAlchemy URL with ``table=`` or
        ``query=``.
    case, activity, timestamp : str
        The case (customer, journey) id, activity (touchpoint) and time columns. Sources with XES
        names (``case:concept:name``, ``concept:name``, ``time:timestamp``) need none of them.
    channel : str, optional
        The channel column (web, app, phone, ...).
    order : str, optional
        A numeric column that orders events within a case, for logs without times
        (``order="step"``); with a timestamp too, it breaks ties.
    timestamp_format : str, optional
        A strftime format, or ``"epoch_s"``/``"epoch_ms"``/``"epoch_us"``. Detected when absent:
        ISO 8601 with any offset (normalised to UTC), naive times as they are, and common
        formats such as ``2014/10/22 11:15:41.000``.
    connector : str or Connector, optional
        Force a connector (``"csv"``, ``"parquet"``, ``"xes"``, ``"dataframe"``, ``"sql"``, or
        a plugin's); by default the source picks it (plugins first, then the file ending).
    engine : str or Engine, optional
        ``"duckdb"`` (default) or a plugin engine, by name or as an instance.
    on_invalid : {"raise", "quarantine"}
        What to do with rows that cannot be used (empty case id or activity, missing or
        unparseable timestamp): raise :class:`~journeymine.InvalidRowsError` naming them, or set
        them aside in ``log.quarantine`` with a reason each.
    **options
        Connector options: ``delimiter=`` and ``encoding=`` (CSV), ``table=`` or ``query=`` (SQL).

    Returns
    -------
    EventLog

    Examples
    --------
    >>> import journeymine as jm
    >>> frame = jm.datasets.load_demo()
    >>> log = jm.read_events(frame, case="customer_id", activity="touchpoint",
    ...                      timestamp="timestamp", channel="channel")
    >>> log.n_events == len(frame), log.invalid_rows
    (True, 0)
    """
    if on_invalid not in ("raise", "quarantine"):
        raise ArgumentError(f"on_invalid= takes 'raise' or 'quarantine', not {on_invalid!r}")
    conn = _connector(source, connector)
    unknown = sorted(set(options) - set(conn.options))
    if unknown:
        accepted = ", ".join(f"{o}=" for o in conn.options) or "none"
        raise ConnectorError(
            f"the {conn.name} connector does not take {', '.join(f'{u}=' for u in unknown)}; "
            f"its options: {accepted}"
        )
    scan = conn.scan(source, **options)
    schema = Schema(
        case=case,
        activity=activity if activity is None or isinstance(activity, str) else tuple(activity),
        timestamp=timestamp,
        channel=channel,
        order=order,
        timestamp_format=timestamp_format,
    ).resolve(scan.columns, where=scan.location, defaults=scan.defaults)
    eng = get_engine(engine)
    relation = eng.load(scan, schema, on_invalid=on_invalid)
    return EventLog(relation, engine=eng, schema=schema, scan=scan)


def as_log(data: Any, function: str, **read_options: Any) -> EventLog:
    """The :class:`EventLog` a verb works on: ``data`` itself, or ``read_events(data, ...)``.

    Verbs such as :func:`journeymine.discover_dfg` take an ``EventLog``, or a DataFrame (or
    anything :func:`read_events` reads) together with the same mapping keywords
    (``case=``, ``activity=``, ``timestamp=``, ...). ``function`` names the verb in messages.

    Examples
    --------
    >>> import journeymine as jm
    >>> log = as_log(jm.datasets.load_demo(), "discover_dfg", **jm.datasets.DEMO_COLUMNS)
    >>> as_log(log, "discover_dfg") is log
    True
    >>> as_log(log, "discover_dfg", case="customer_id")
    Traceback (most recent call last):
    ...
    journeymine.errors.ArgumentError: discover_dfg: case= is for reading a DataFrame or a file; ...
    """
    if isinstance(data, EventLog):
        if read_options:
            names = ", ".join(f"{k}=" for k in sorted(read_options))
            raise ArgumentError(
                f"{function}: {names} {'is' if len(read_options) == 1 else 'are'} for reading a "
                f"DataFrame or a file; this EventLog is already read and mapped (call read_events "
                f"again to map it differently)"
            )
        return data
    if data is None:
        raise ArgumentError(f"{function} needs an event log: an EventLog from read_events, or a DataFrame")
    return read_events(data, **read_options)


def _connector(source: Any, connector: str | Connector | None) -> Connector:
    if connector is None:
        return resolve_connector(source)
    if isinstance(connector, str):
        return connectors()[connector]
    return connector


class EventLog:
    """A validated event log, held by an engine. Create one with :func:`read_events`.

    Examples
    --------
    >>> import journeymine as jm
    >>> log = jm.read_events(jm.datasets.load_demo(), case="customer_id",
    ...                      activity="touchpoint", timestamp="timestamp")
    >>> log.timezone, log.rows_read == log.n_events + log.invalid_rows
    ('UTC', True)
    """

    __slots__ = ("__weakref__", "_cache", "_engine", "_filters", "_relation", "_scan", "_schema")

    def __init__(self, relation: Relation, *, engine: Engine, schema: Schema, scan: Scan) -> None:
        self._relation = relation
        self._engine = engine
        self._schema = schema
        self._scan = scan
        self._cache: dict[str, Any] = {}
        self._filters: tuple[FilterStep, ...] = ()

    @classmethod
    def _adopt(cls, log: EventLog) -> Any:
        """A ``cls`` that shares ``log``'s engine relation (for subclasses that add a report)."""
        obj = cls.__new__(cls)
        obj._relation, obj._engine, obj._schema, obj._scan = (
            log._relation,
            log._engine,
            log._schema,
            log._scan,
        )
        obj._cache = {}
        obj._filters = log._filters
        return obj

    def __repr__(self) -> str:
        s = self.stats
        aside = f", {s.invalid_rows:,} rows set aside" if s.invalid_rows else ""
        aside += f", {s.filtered:,} events filtered out" if self._filters else ""
        return (
            f"<EventLog {self.source}: {s.events:,} events, {s.cases:,} cases, "
            f"{s.activities:,} activities{aside}; engine {self._engine.name}>"
        )

    # -- filters ------------------------------------------------------------------------------

    def filter(
        self,
        *,
        keep: Mapping[str, Any] | None = None,
        keep_cases: Mapping[str, Any] | None = None,
        period: Any = None,
        period_mode: str = "events",
        contains: str | Sequence[str] | None = None,
        lacks: str | Sequence[str] | None = None,
        starts_with: str | Sequence[str] | None = None,
        ends_with: str | Sequence[str] | None = None,
        size: int | tuple[int | None, int | None] | None = None,
        top_variants: int | None = None,
        coverage: float | None = None,
    ) -> EventLog:
        """A new log with only what the filters keep; this one is unchanged.

        The events stay in the engine (a lazy relation over this log's); every verb works on the
        result as on a log read from only the kept rows. The steps are applied in the order
        below (events, then cases, then variants); chain calls for another order. What each
        step removed is in :attr:`filters`, and ``stats.filtered`` counts the events removed.
        See :mod:`journeymine.filters` and ``docs/filters.md``.

        Parameters
        ----------
        keep : dict, optional
            ``{column: value or list}``: the events whose column holds one of the values (text
            exactly, numbers by value, booleans as ``true``/``false``); several columns must all
            match.
        keep_cases : dict, optional
            ``{column: value or list}``: the cases whose case attribute holds one of the values.
        period : str or (start, end), optional
            ``"START..END"``, one unit (``"2011-11"`` is November 2011) or a pair of times;
            START inclusive, END exclusive (a unit's end is the end of the unit).
        period_mode : {"events", "contained", "intersecting"}
            Keep the events inside the period; the cases entirely inside it; or the cases with
            an event inside it (all their events).
        contains, lacks : str or list of str, optional
            The cases that contain every one of these activities; that contain none of them.
        starts_with, ends_with : str or list of str, optional
            The cases whose first (last) activity is one of these.
        size : int or (min, max), optional
            Events per case: exactly ``size``, or between ``min`` and ``max`` inclusive
            (``None`` for open).
        top_variants : int, optional
            The cases of the ``top_variants`` most frequent variants (ties by variant id).
        coverage : float, optional
            The cases of the most frequent variants that together cover at least this share of
            the cases (``0.8``).

        Returns
        -------
        EventLog

        Raises
        ------
        ArgumentError
            An unknown column or activity (with the close names), a period that is not one, a
            period on a log without timestamps, or a step that keeps no events.

        Examples
        --------
        >>> import journeymine as jm
        >>> log = jm.datasets.load_demo_log()
        >>> applied = log.filter(contains="Contract signed", keep_cases={"segment": "mover"})
        >>> applied.n_cases < log.n_cases, applied.rows_read == applied.n_events + applied.stats.filtered
        (True, True)
        >>> [f.argument for f in applied.filters]
        ["keep_cases={'segment': ['mover']}", "contains=['Contract signed']"]
        """
        from journeymine.filters import apply_filters

        options: dict[str, Any] = {
            "keep": keep,
            "keep_cases": keep_cases,
            "period": period,
            "contains": contains,
            "lacks": lacks,
            "starts_with": starts_with,
            "ends_with": ends_with,
            "size": size,
            "top_variants": top_variants,
            "coverage": coverage,
        }
        if period_mode != "events":
            options["period_mode"] = period_mode
        return apply_filters(self, options)

    @property
    def filters(self) -> tuple[FilterStep, ...]:
        """The filter steps that made this log from the one read, in order (empty for a log
        as read): what each kept, as :class:`journeymine.filters.FilterStep`."""
        return self._filters

    # -- what it is ---------------------------------------------------------------------------

    @property
    def schema(self) -> Schema:
        """The column mapping, with XES defaults filled in."""
        return self._schema

    @property
    def engine(self) -> Engine:
        """The engine that holds the events."""
        return self._engine

    @property
    def source(self) -> str:
        """Where the events came from (a path, ``DataFrame``, a table)."""
        return self._scan.location

    @property
    def notes(self) -> tuple[str, ...]:
        """What to know about how the source was read, as sentences for people (the command
        line prints them on stderr); empty for most logs. An XES log without ``time:timestamp``
        says that its events are in document order and have no durations.

        Examples
        --------
        >>> import journeymine as jm
        >>> jm.read_events(jm.datasets.load_demo(), **jm.datasets.DEMO_COLUMNS).notes
        ()
        """
        return self._scan.notes_for(self._schema)

    @property
    def stats(self) -> LogStats:
        """Rows read, events, cases, activities, rows set aside, timezone."""
        return self._relation.stats

    @property
    def n_events(self) -> int:
        """Number of valid events."""
        return self.stats.events

    @property
    def n_cases(self) -> int:
        """Number of cases."""
        return self.stats.cases

    @property
    def n_activities(self) -> int:
        """Number of distinct activities."""
        return self.stats.activities

    @property
    def rows_read(self) -> int:
        """Rows in the source; always ``n_events + invalid_rows + stats.filtered``."""
        return self.stats.rows_read

    @property
    def invalid_rows(self) -> int:
        """Rows set aside (``on_invalid="quarantine"``); see :attr:`quarantine`."""
        return self.stats.invalid_rows

    @property
    def timezone(self) -> str | None:
        """``"UTC"`` when the timestamps carried offsets, ``None`` when naive or absent."""
        return self.stats.timezone

    @property
    def columns(self) -> tuple[str, ...]:
        """The source columns, as read."""
        return self._relation.columns

    @property
    def case_attributes(self) -> list[str]:
        """Columns usable as segments: ``case:*`` columns and columns constant within each case.

        A column set only on some events of a case (e.g. on the first) counts, as long as it
        never takes two different values in one case.
        """
        if "case_attributes" not in self._cache:
            self._cache["case_attributes"] = self._engine.case_attributes(self._relation)
        return list(self._cache["case_attributes"])

    @property
    def quarantine(self) -> pd.DataFrame:
        """The rows set aside: ``row`` (0-based, in input order), ``line`` (for text files),
        ``reason``, ``column``, ``value``, ``detail`` (the reader's message for a malformed
        line), then the source columns as read.

        Examples
        --------
        >>> import journeymine as jm
        >>> frame = jm.datasets.load_demo().head(5)
        >>> frame.loc[2, "customer_id"] = ""
        >>> log = jm.read_events(frame, case="customer_id", activity="touchpoint",
        ...                      timestamp="timestamp", on_invalid="quarantine")
        >>> log.quarantine[["row", "reason", "column"]].to_dict("records")
        [{'row': 2, 'reason': 'empty case id', 'column': 'customer_id'}]
        """
        if "quarantine" not in self._cache:
            self._cache["quarantine"] = self._engine.quarantine(self._relation).to_pandas()
        return self._cache["quarantine"].copy()

    # -- tables ---------------------------------------------------------------------------------

    def segmentation(self, by: str | None, bins: Bins = None) -> Segmentation | None:
        """Resolve ``by=``/``bins=`` (see :mod:`journeymine.segments`) once per log."""
        key = f"segmentation:{by!r}:{bins!r}"
        if key not in self._cache:
            self._cache[key] = resolve_segmentation(self, by, bins)
        return self._cache[key]

    def cases(
        self, *, by: str | None = None, bins: Bins = None, attributes: Sequence[str] | None = None
    ) -> pd.DataFrame:
        """The case table: one row per case.

        Parameters
        ----------
        by, bins : optional
            A segment (see :func:`journeymine.discover_dfg`); adds the ``segment`` column values.
        attributes : list of str, optional
            Case attributes to include; all of :attr:`case_attributes` by default.

        Returns
        -------
        pandas.DataFrame
            ``case, segment, events, start, end, duration_s, variant_id``, then the attributes
            (an attribute whose name is one of those columns comes as ``case:<name>``).
            ``variant_id`` is the same id as in :func:`journeymine.discover_variants`.

        Examples
        --------
        >>> import journeymine as jm
        >>> log = jm.read_events(jm.datasets.load_demo(), case="customer_id",
        ...                      activity="touchpoint", timestamp="timestamp")
        >>> table = log.cases(by="segment")
        >>> len(table) == log.n_cases, int(table["events"].sum()) == log.n_events
        (True, True)
        """
        seg = self.segmentation(by, bins)
        attrs = self.case_attributes if attributes is None else list(attributes)
        missing = [a for a in attrs if a not in self.columns]
        if missing:
            from journeymine.errors import SchemaError

            raise SchemaError(
                f"no column {missing[0]!r} in {self.source}; case attributes: "
                f"{', '.join(self.case_attributes)}"
            )
        named = {f"case:{a}" if a in CASE_TABLE_COLUMNS else a: a for a in attrs}
        table = self._engine.cases(self._relation, by=seg, attributes=named)
        return self.frame(table, seg)

    def case_durations(self, *, by: str | None = None, bins: Bins = None) -> pd.DataFrame:
        """Case durations per segment: ``segment, cases, min_s, median_s, mean_s, p90_s, max_s``.

        A summary of :meth:`cases` (see :func:`duration_summary`); segments in the documented
        order. Durations are NaN for a log without timestamps.

        Examples
        --------
        >>> import journeymine as jm
        >>> table = jm.datasets.load_demo_log().case_durations(by="segment")
        >>> list(table.columns)
        ['segment', 'cases', 'min_s', 'median_s', 'mean_s', 'p90_s', 'max_s']
        >>> int(table["cases"].sum())
        3000
        """
        return duration_summary(self.cases(by=by, bins=bins, attributes=[]))

    def to_frame(self, columns: Sequence[str] = ()) -> pd.DataFrame:
        """The valid events as a pandas DataFrame, in order (case, then position in the case).

        Brings every event into memory: meant for small logs, tests and interop.
        Columns: ``case, activity, timestamp, position`` (and ``channel`` when mapped), then
        the source ``columns`` asked for.

        Examples
        --------
        >>> import journeymine as jm
        >>> log = jm.read_events(jm.datasets.load_demo(), case="customer_id",
        ...                      activity="touchpoint", timestamp="timestamp")
        >>> list(log.to_frame().columns)
        ['case', 'activity', 'timestamp', 'position']
        """
        return self.frame(self._engine.events(self._relation, columns=list(columns)), None)

    def frame(self, table: pa.Table, by: Segmentation | None) -> pd.DataFrame:
        """Turn an engine's Arrow result into the user-facing frame (time zone, segment order).

        Rows keep the engine's order within a segment; segments come in the documented order:
        bins by value (an ordered categorical), other segments as the engine sorts them (numbers
        by value, text by code point, months and weeks by date), cases without a segment last.
        """
        import numpy as np
        import pandas as pd
        import pyarrow as pa

        if self.timezone == "UTC":
            for i, fld in enumerate(table.schema):
                if pa.types.is_timestamp(fld.type) and fld.type.tz is None:
                    table = table.set_column(i, fld.name, table.column(i).cast(pa.timestamp("us", tz="UTC")))
        frame = table.to_pandas()
        if "segment" in frame.columns and by is not None and by.categories:
            # bins in value order; the open-ended bins below the first edge and above the last
            # only when some case falls there (equal-count bins never have any)
            present = set(frame["segment"].dropna())
            labels = by.categories
            categories = [c for i, c in enumerate(labels) if 0 < i < len(labels) - 1 or c in present]
            frame["segment"] = pd.Categorical(frame["segment"], categories=categories, ordered=True)
            codes = frame["segment"].cat.codes.to_numpy()
            order = np.argsort(np.where(codes < 0, len(categories), codes), kind="stable")
            frame = frame.iloc[order].reset_index(drop=True)
        return frame


def duration_summary(cases: pd.DataFrame) -> pd.DataFrame:
    """Summarise a case table (:meth:`EventLog.cases`) per segment: ``segment, cases, min_s,
    median_s, mean_s, p90_s, max_s``, one row per segment in the documented order (bins by
    value, other segments by value), the cases without a segment (``None``) last.

    Examples
    --------
    >>> import journeymine as jm
    >>> cases = jm.datasets.load_demo_log().cases(by="segment", attributes=[])
    >>> duration_summary(cases)["segment"].tolist()
    ['first-time buyer', 'mover', 'refinancer']
    """
    import pandas as pd

    # sorted as the segments are everywhere: bins in category order, other values by value,
    # missing last (the case table itself is in case order)
    group = cases.groupby("segment", observed=True, sort=True, dropna=False)["duration_s"]
    table = pd.DataFrame(
        {
            "cases": group.size(),
            "min_s": group.min(),
            "median_s": group.median(),
            "mean_s": group.mean(),
            "p90_s": group.quantile(0.9),
            "max_s": group.max(),
        }
    )
    return table.reset_index()


def _other_columns(log: EventLog) -> list[str]:
    """The log's columns other than its case, activity, timestamp and channel columns, in order
    (a composite activity's parts are among them: they stay columns of their own)."""
    schema = log.schema
    mapped = {schema.case, schema.activity, schema.timestamp, schema.channel}
    return [c for c in log.columns if c not in mapped]
