"""Connect several sources into one event log: one customer id, every event keeping its source.

The data of one journey comes from several systems (web analytics, app, call centre, CRM) that
know the same customer under different ids: a cookie, a device, a phone number, a CRM number.
:func:`combine` maps each source's id to one customer id through an identity table, normalises
time zones, finds events that two systems both recorded, and accounts for every event.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd

from journeymine.connectors.base import Scan
from journeymine.engines.base import UnionPart, UnionPlan
from journeymine.errors import ArgumentError, IdentityError, SchemaError
from journeymine.eventlog import EventLog, _other_columns, read_events
from journeymine.journeymap.spec import did_you_mean
from journeymine.registry import get_engine
from journeymine.schema import Schema

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["CombineReport", "CombinedLog", "combine", "read_identities"]

#: the columns of the combined log, before the sources' own attributes
COMBINED_COLUMNS = ("customer", "activity", "timestamp", "channel", "source", "source_id")

Identities = pd.DataFrame | str | os.PathLike[str] | Callable[[str, str], str | None] | None


@dataclass
class CombineReport:
    """What :func:`combine` did, source by source. Nothing is lost: every input event is in the
    combined log, in :attr:`duplicates` (when dropped) or in :attr:`set_aside`.

    Attributes
    ----------
    sources : DataFrame
        Per source: ``source, events, ids, matched_ids, unmatched_ids, unmatched_events,
        duplicates, events_kept``.
    unmatched : DataFrame
        Ids no identity maps: ``source, id, events, handling`` (``"own customer"`` or
        ``"set aside"``).
    duplicates : DataFrame
        Events another source recorded first (same customer, activity and time): ``source,
        source_id, customer, activity, timestamp, first_source``; dropped unless
        ``duplicates="keep"``.
    set_aside : DataFrame
        Events of unmatched ids, with ``unmatched="aside"``.
    n_duplicates, n_set_aside : int
        How many events :attr:`duplicates` and :attr:`set_aside` hold (counted in the engine;
        the two tables are read from it only when first asked for).
    unused_identities : int
        Identity rows naming a source that was not given.
    """

    sources: pd.DataFrame
    unmatched: pd.DataFrame
    n_duplicates: int = 0
    n_set_aside: int = 0
    unused_identities: int = 0
    _rows: Any = field(default=None, repr=False, compare=False)
    _cache: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False, compare=False)

    @property
    def duplicates(self) -> pd.DataFrame:
        """The events another source recorded first (read from the engine when first asked for)."""
        return self._read("duplicates")

    @property
    def set_aside(self) -> pd.DataFrame:
        """The events of unmatched ids set aside (read from the engine when first asked for)."""
        return self._read("set_aside")

    def _read(self, which: str) -> pd.DataFrame:
        if which not in self._cache:
            self._cache[which] = self._rows(which) if self._rows is not None else pd.DataFrame()
        return self._cache[which]

    def to_dict(self) -> dict[str, Any]:
        """The per-source counts, for JSON."""
        return {
            "sources": self.sources.to_dict("records"),
            "unmatched_ids": len(self.unmatched),
            "duplicates": self.n_duplicates,
            "set_aside": self.n_set_aside,
            "unused_identities": self.unused_identities,
        }


class CombinedLog(EventLog):
    """An :class:`~journeymine.EventLog` made by :func:`combine`, with its :class:`CombineReport`
    as ``report``."""

    __slots__ = ("report",)
    report: CombineReport


def read_identities(identities: pd.DataFrame | str | os.PathLike[str]) -> pd.DataFrame:
    """Read and check an identity table: columns ``source, id, customer``, one row per id.

    Parameters
    ----------
    identities : DataFrame or path
        A DataFrame, or a CSV or Parquet file.

    Returns
    -------
    DataFrame
        ``source, id, customer`` as text, duplicates of the same mapping removed.

    Raises
    ------
    IdentityError
        When a column is missing, an id or customer is empty, or an id maps to two customers.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"source": ["web", "phone"], "id": ["ck-1", "+3161"], "customer": ["C1", "C1"]})
    >>> read_identities(table).shape
    (2, 3)
    """
    where = "the identity table"
    if isinstance(identities, (str, os.PathLike)):
        path = Path(identities)
        where = f"identity table {path}"
        if not path.exists():
            raise IdentityError(f"no identity table at {path}")
        try:
            if path.suffix.lower() == ".parquet":
                frame = pd.read_parquet(path)
            else:
                frame = pd.read_csv(path, dtype=str, keep_default_na=False, skip_blank_lines=False)
                frame = frame[~frame.isin([""]).all(axis=1)]  # blank lines, kept to number lines right
        except (OSError, ValueError) as exc:  # pandas' and pyarrow's read errors are ValueErrors
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise IdentityError(
                f"cannot read {where}: {first}; it must be a CSV (UTF-8, with the header line "
                "source,id,customer) or a Parquet file"
            ) from None
    elif isinstance(identities, pd.DataFrame):
        frame = identities
    else:
        raise IdentityError(
            "identities must be a DataFrame, a CSV/Parquet path or a function, "
            f"not {type(identities).__name__}; pass identities='identities.csv'"
        )
    missing = [c for c in ("source", "id", "customer") if c not in frame.columns]
    if missing:
        raise IdentityError(
            f"{where} has no column {missing[0]!r}; it needs source, id, customer "
            f"(it has {', '.join(map(str, frame.columns))})"
        )
    table = frame[["source", "id", "customer"]].copy()
    from_csv = isinstance(identities, (str, os.PathLike)) and Path(identities).suffix.lower() != ".parquet"
    first_line = 2 if from_csv else None
    for col in ("source", "id", "customer"):
        text = table[col].astype("string").str.strip()
        empty = text.isna() | text.eq("")
        if empty.any():
            rows = [int(i) for i in table.index[empty.to_numpy()][:5]]
            place = ", ".join(f"line {r + first_line}" if first_line else f"row {r}" for r in rows)
            raise IdentityError(
                f"{where}: {int(empty.sum())} rows have an empty {col} ({place}); fill or remove them"
            )
        table[col] = table[col].astype(str)
    table = table.drop_duplicates()
    clash = table[table.duplicated(["source", "id"], keep=False)]
    if not clash.empty:
        listed = "; ".join(
            f"{s}/{i} -> {', '.join(sorted(g['customer']))}"
            for (s, i), g in list(clash.groupby(["source", "id"]))[:10]
        )
        n = clash[["source", "id"]].drop_duplicates().shape[0]
        raise IdentityError(
            f"{where}: {n} ids map to two or more customers: {listed}; keep one customer per id"
        )
    return table.reset_index(drop=True)


def combine(
    logs: Mapping[str, EventLog],
    identities: Identities = None,
    *,
    unmatched: Literal["keep", "aside"] = "keep",
    duplicates: Literal["drop", "keep"] = "drop",
    timezones: Mapping[str, str] | None = None,
    engine: Any = None,
) -> CombinedLog:
    """Merge event logs from several systems into one log of customers.

    Parameters
    ----------
    logs : mapping of source name to EventLog
        In priority order: when two sources recorded the same event, the first keeps it, and
        events at the same time keep this order.
    identities : DataFrame, path or function, optional
        Maps each source's id to a customer: a table (``source, id, customer``; see
        :func:`read_identities`) or a function ``(source, id) -> customer or None``. Without
        it, the sources share one id space.
    unmatched : {"keep", "aside"}
        Ids the identities do not map: kept as their own customers (``"<source>:<id>"``) or set
        aside (in ``report.set_aside``). Counted in ``report.unmatched`` either way.
    duplicates : {"drop", "keep"}
        Events a source recorded that an earlier source also recorded (same customer, activity
        and time): listed in ``report.duplicates``, and dropped unless ``"keep"``.
    timezones : mapping of source name to time zone, optional
        For sources whose times carry no offset: the zone they are in (``"Europe/Amsterdam"``);
        they are converted to UTC. A mix of zoned and naive sources without this is an error.
    engine : optional
        The engine of the combined log; by default the first log's.

    Returns
    -------
    CombinedLog
        Columns ``customer, activity, timestamp, channel, source, source_id``, then the
        sources' other columns (missing ones empty). ``channel`` is the source's channel column,
        or the source name when it has none. ``.report`` accounts for every event.

    Examples
    --------
    >>> import pandas as pd
    >>> import journeymine as jm
    >>> web = jm.read_events(pd.DataFrame({"cookie": ["ck1", "ck1"], "page": ["Home", "Calculator"],
    ...     "ts": ["2025-03-01T10:00:00Z", "2025-03-01T10:05:00Z"]}),
    ...     case="cookie", activity="page", timestamp="ts")
    >>> phone = jm.read_events(pd.DataFrame({"number": ["+316"], "call": ["Advice call"],
    ...     "ts": ["2025-03-02T09:00:00Z"]}), case="number", activity="call", timestamp="ts")
    >>> ids = pd.DataFrame({"source": ["web", "phone"], "id": ["ck1", "+316"], "customer": ["C7", "C7"]})
    >>> log = jm.combine({"web": web, "phone": phone}, identities=ids)
    >>> log.n_cases, log.n_events, jm.discover_variants(log).table["variant"][0]
    (1, 3, ('Home', 'Calculator', 'Advice call'))
    """
    if not isinstance(logs, Mapping):
        raise ArgumentError(
            f"logs must be a mapping of source name to EventLog, not {type(logs).__name__}; "
            "pass logs={'web': web_log, 'phone': phone_log}"
        )
    if not logs:
        raise ArgumentError("combine needs at least one log; pass logs={'web': web_log}")
    if unmatched not in ("keep", "aside"):
        raise ArgumentError(f"unmatched must be 'keep' or 'aside', not {unmatched!r}; pass unmatched='aside'")
    if duplicates not in ("drop", "keep"):
        raise ArgumentError(
            f"duplicates must be 'drop' or 'keep', not {duplicates!r}; pass duplicates='keep'"
        )
    if not isinstance(timezones, (Mapping, type(None))):
        raise ArgumentError(
            f"timezones must be a mapping of source name to time zone, not {type(timezones).__name__}; "
            "pass timezones={'phone': 'Europe/Amsterdam'}"
        )
    timezones = dict(timezones or {})
    for name, log in logs.items():
        if not isinstance(name, str) or not name.strip():
            raise ArgumentError(
                f"source names must be non-empty texts, not {name!r}; pass logs={{'web': ...}}"
            )
        if not isinstance(log, EventLog):
            raise ArgumentError(
                f"source {name!r} must be an EventLog (from jm.read_events), not {type(log).__name__}; "
                f"pass logs={{{name!r}: jm.read_events(..., case=..., activity=..., timestamp=...)}}"
            )
        if not log.stats.timed:
            raise SchemaError(
                f"source {name!r} ({log.source}) has no timestamps; combining needs times: "
                "read it with timestamp="
            )
    unknown_tz = sorted(set(timezones) - set(logs))
    if unknown_tz:
        raise ArgumentError(
            f"timezones names {unknown_tz[0]!r}, which is not one of the sources ({', '.join(logs)})"
            f"{did_you_mean(str(unknown_tz[0]), logs)}; pass timezones= with the sources' names"
        )
    for name, zone in timezones.items():
        _check_zone(name, zone)
    zoned = {n: log.timezone == "UTC" or n in timezones for n, log in logs.items()}
    if any(zoned.values()) and not all(zoned.values()):
        naive = [n for n, z in zoned.items() if not z]
        raise SchemaError(
            f"source {naive[0]!r} has times without an offset while other sources are in UTC; pass "
            f"timezones={{{naive[0]!r}: 'Europe/Amsterdam'}} (its zone) so that they can be compared"
        )

    target = get_engine(engine) if engine is not None else next(iter(logs.values())).engine
    mapper, table = _identity_mapper(identities)
    parts = []
    for name, log in logs.items():
        if log.engine is not target:  # another engine's events come over as Arrow
            log = _moved(log, target)
        extra = _other_columns(log)
        clash = set(COMBINED_COLUMNS) & set(extra)
        parts.append(
            UnionPart(
                name=name,
                relation=log._relation,
                zone=timezones.get(name),
                columns=tuple((c, f"{name}:{c}" if c in clash else c) for c in extra),
            )
        )
    ids = None
    if mapper is not None:
        ids = _identity_table(parts, mapper, table, target)
    plan = UnionPlan(
        parts=tuple(parts),
        identities=ids,
        unmatched=unmatched,
        duplicates=duplicates,
        utc=all(log.timezone == "UTC" or n in timezones for n, log in logs.items()),
    )
    union = target.union(plan)  # the engine reports its slow steps
    unmatched_frame = union.unmatched.to_pandas()
    unmatched_frame["handling"] = "own customer" if unmatched == "keep" else "set aside"
    unused = 0
    if table is not None:
        unused = int((~table["source"].isin(list(logs))).sum())
    report = CombineReport(
        sources=union.sources.to_pandas(),
        unmatched=unmatched_frame[["source", "id", "events", "handling"]],
        n_duplicates=union.duplicates,
        n_set_aside=union.set_aside,
        unused_identities=unused,
        _rows=functools.partial(_union_rows, target, union.handle, plan.utc),
    )
    if union.relation is None:  # only when unmatched='aside' set every event aside
        raise IdentityError(
            f"no events left after combining: the identities map no id of the sources, and "
            f"unmatched='aside' set every event aside (report: {report.to_dict()}); check that the "
            f"identity table names the sources as given ({', '.join(logs)}), or pass unmatched='keep'"
        )
    schema = Schema(case="customer", activity="activity", timestamp="timestamp", channel="channel")
    scan = Scan(
        kind="union", location=f"the combined log of {', '.join(logs)}", columns=union.relation.columns
    )
    out: CombinedLog = CombinedLog(union.relation, engine=target, schema=schema, scan=scan)
    out.report = report
    return out


def _moved(log: EventLog, target: Any) -> EventLog:
    """``log`` read again on ``target``, through Arrow: the sources of a union must share an
    engine (a log read on another engine, or combined onto ``engine=``)."""
    schema = log.schema
    extra = _other_columns(log)
    names = {"case": schema.case, "activity": schema.activity_name, "timestamp": schema.timestamp}
    if schema.channel:
        names["channel"] = schema.channel
    frame = log.to_frame(columns=extra).drop(columns="position").rename(columns=names)
    return read_events(
        frame,
        case=schema.case,
        activity=schema.activity_name,
        timestamp=schema.timestamp,
        channel=schema.channel,
        engine=target,
    )


def _identity_table(
    parts: list[UnionPart], mapper: Callable[[str, str], str | None], table: pd.DataFrame | None, engine: Any
) -> pa.Table:
    """The identities as ``source, id, customer`` text: the table's rows of the sources given,
    or, for a function, its answer for each distinct id of each source (the ids come from the
    engine's case table, never the events)."""
    import pyarrow as pa

    if table is not None:
        names = [p.name for p in parts]
        rows = table[table["source"].isin(names)].drop_duplicates(["source", "id"])
        return pa.table(
            {
                "source": pa.array(rows["source"].astype(str).tolist(), pa.string()),
                "id": pa.array(rows["id"].astype(str).tolist(), pa.string()),
                "customer": pa.array(rows["customer"].astype(str).tolist(), pa.string()),
            }
        )
    sources: list[str] = []
    ids: list[str] = []
    customers: list[str] = []
    for part in parts:
        cases = engine.cases(part.relation, by=None, attributes={}).column("case").to_pylist()
        for id_ in cases:
            customer = mapper(part.name, str(id_))
            if customer is not None:
                sources.append(part.name)
                ids.append(str(id_))
                customers.append(customer)
    return pa.table(
        {
            "source": pa.array(sources, pa.string()),
            "id": pa.array(ids, pa.string()),
            "customer": pa.array(customers, pa.string()),
        }
    )


def _union_rows(engine: Any, handle: Any, utc: bool, which: str) -> pd.DataFrame:
    """A part of a union's report, read from the engine; times in UTC when the log's are."""
    import pyarrow as pa

    table = engine.union_rows(handle, which)
    if utc:
        for i, fld in enumerate(table.schema):
            if pa.types.is_timestamp(fld.type) and fld.type.tz is None:
                table = table.set_column(i, fld.name, table.column(i).cast(pa.timestamp("us", tz="UTC")))
    frame: pd.DataFrame = table.to_pandas()
    return frame


def _identity_mapper(
    identities: Identities,
) -> tuple[Callable[[str, str], str | None] | None, pd.DataFrame | None]:
    if identities is None:
        return None, None
    if callable(identities) and not isinstance(identities, pd.DataFrame):
        fn = identities

        def call(source: str, id_: str) -> str | None:
            value = fn(source, id_)
            if value is None or pd.isna(value):
                return None
            text = str(value)
            return text if text.strip() else None

        return call, None
    table = read_identities(identities)
    lookup = {(s, i): c for s, i, c in zip(table["source"], table["id"], table["customer"])}
    return (lambda source, id_: lookup.get((source, id_))), table


def _check_zone(source: str, zone: Any) -> None:
    """An ArgumentError, with close matches, unless ``zone`` is a time zone pandas knows."""
    try:
        ok = isinstance(zone, str) and pd.Timestamp("2000-01-01").tz_localize(zone) is not None
    except Exception:  # pandas raises several kinds for an unknown zone
        ok = False
    if ok:
        return
    import zoneinfo

    hint = did_you_mean(zone, sorted(zoneinfo.available_timezones())) if isinstance(zone, str) else ""
    raise ArgumentError(
        f"timezones gives source {source!r} the time zone {zone!r}, which is not one{hint}; pass an "
        f"IANA name such as timezones={{{source!r}: 'Europe/Amsterdam'}}"
    )
