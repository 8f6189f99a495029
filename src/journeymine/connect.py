"""Connect several sources into one event log: one customer id, every event keeping its source.

The data of one journey comes from several systems (web analytics, app, call centre, CRM) that
know the same customer under different ids: a cookie, a device, a phone number, a CRM number.
:func:`combine` maps each source's id to one customer id through an identity table, normalises
time zones, finds events that two systems both recorded, and accounts for every event.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from journeymine.errors import ArgumentError, IdentityError, SchemaError
from journeymine.eventlog import EventLog, read_events
from journeymine.journeymap.spec import did_you_mean

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
    unused_identities : int
        Identity rows naming a source that was not given.
    """

    sources: pd.DataFrame
    unmatched: pd.DataFrame
    duplicates: pd.DataFrame
    set_aside: pd.DataFrame
    unused_identities: int = 0

    def to_dict(self) -> dict[str, Any]:
        """The per-source counts, for JSON."""
        return {
            "sources": self.sources.to_dict("records"),
            "unmatched_ids": len(self.unmatched),
            "duplicates": len(self.duplicates),
            "set_aside": len(self.set_aside),
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

    mapper, table = _identity_mapper(identities)
    frames: list[pd.DataFrame] = []
    aside_frames: list[pd.DataFrame] = []
    stats: list[dict[str, Any]] = []
    unmatched_rows: list[dict[str, Any]] = []
    for name, log in logs.items():
        frame = _source_frame(name, log, timezones.get(name))
        ids = frame["source_id"].drop_duplicates()
        customers = ids if mapper is None else ids.map(lambda i, n=name: mapper(n, i))
        lookup = dict(zip(ids, customers))
        frame["customer"] = frame["source_id"].map(lookup)
        miss = frame["customer"].isna()
        n_unmatched_ids = int(customers.isna().sum())
        if miss.any():
            counts = frame.loc[miss, "source_id"].value_counts(sort=False)
            for i, c in counts.items():
                unmatched_rows.append(
                    {
                        "source": name,
                        "id": i,
                        "events": int(c),
                        "handling": "own customer" if unmatched == "keep" else "set aside",
                    }
                )
            if unmatched == "keep":
                frame.loc[miss, "customer"] = name + ":" + frame.loc[miss, "source_id"]
            else:
                aside_frames.append(frame[miss])
                frame = frame[~miss]
        stats.append(
            {
                "source": name,
                "events": log.n_events,
                "ids": len(ids),
                "matched_ids": len(ids) - n_unmatched_ids,
                "unmatched_ids": n_unmatched_ids,
                "unmatched_events": int(miss.sum()),
            }
        )
        frame["_rank"] = len(frames)
        frames.append(frame)
    combined = pd.concat(frames, ignore_index=True)
    combined["customer"] = combined["customer"].astype(str)
    for col in [c for c in combined.columns if c not in COMBINED_COLUMNS and c != "_rank"]:
        kinds = (
            {type(v) for v in combined[col].dropna().head(100_000)}
            if combined[col].dtype == object
            else set()
        )
        if len(kinds) > 1:  # one source has numbers, another text: keep both, as text
            combined[col] = combined[col].astype("string")

    # events two sources both recorded: the first source in priority order keeps them
    key = ["customer", "activity", "timestamp"]
    first_rank = combined.groupby(key, sort=False, dropna=False)["_rank"].transform("min")
    is_dup = combined["_rank"] > first_rank
    names = list(logs)
    dup_frame = combined.loc[is_dup, ["source", "source_id", "customer", "activity", "timestamp"]].copy()
    dup_frame["first_source"] = [names[r] for r in first_rank[is_dup]]
    dup_counts = dup_frame["source"].value_counts()
    if duplicates == "drop":
        combined = combined[~is_dup]
    for row in stats:
        row["duplicates"] = int(dup_counts.get(row["source"], 0))
        row["events_kept"] = int((combined["source"] == row["source"]).sum())
    combined = combined.drop(columns="_rank").reset_index(drop=True)
    lead = list(COMBINED_COLUMNS)
    combined = combined[lead + [c for c in combined.columns if c not in lead]]

    unused = 0
    if table is not None:
        unused = int((~table["source"].isin(list(logs))).sum())
    report = CombineReport(
        sources=pd.DataFrame(stats),
        unmatched=pd.DataFrame(unmatched_rows, columns=["source", "id", "events", "handling"]),
        duplicates=dup_frame.reset_index(drop=True),
        set_aside=(
            pd.concat(aside_frames, ignore_index=True).drop(columns="customer")
            if aside_frames
            else pd.DataFrame()
        ),
        unused_identities=unused,
    )
    if combined.empty:  # only when unmatched='aside' set every event aside
        raise IdentityError(
            f"no events left after combining: the identities map no id of the sources, and "
            f"unmatched='aside' set every event aside (report: {report.to_dict()}); check that the "
            f"identity table names the sources as given ({', '.join(logs)}), or pass unmatched='keep'"
        )
    first = next(iter(logs.values()))
    new = read_events(
        combined,
        case="customer",
        activity="activity",
        timestamp="timestamp",
        channel="channel",
        engine=engine if engine is not None else first.engine,
    )
    out: CombinedLog = CombinedLog._adopt(new)
    out.report = report
    return out


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


def _source_frame(name: str, log: EventLog, zone: str | None) -> pd.DataFrame:
    schema = log.schema
    mapped = {schema.case, schema.activity, schema.timestamp, schema.channel}
    extra = [c for c in log.columns if c not in mapped]
    frame = log.to_frame(columns=extra).drop(columns="position")
    clash = sorted(set(COMBINED_COLUMNS) & set(extra))
    if clash:
        frame = frame.rename(columns={c: f"{name}:{c}" for c in clash})
        clash_cols = {c: f"{name}:{c}" for c in clash}
        extra = [clash_cols.get(c, c) for c in extra]
    frame = frame.rename(columns={"case": "source_id"})
    frame["source_id"] = frame["source_id"].astype(str)
    ts = frame["timestamp"]
    if zone is not None and log.timezone != "UTC":
        try:
            frame["timestamp"] = ts.dt.tz_localize(zone).dt.tz_convert("UTC")
        except Exception as exc:  # local times that do not exist or repeat (a change of the clock)
            raise SchemaError(
                f"cannot read the times of source {name!r} as {zone}: {exc}; correct those times in the "
                "source (they fall in a change of the clock), or give them with an offset"
            ) from None
    if "channel" not in frame.columns:
        frame["channel"] = name
    else:
        frame["channel"] = frame["channel"].astype("string").fillna(name).astype(str)
    frame["source"] = name
    frame["activity"] = frame["activity"].astype(str)
    return frame
