"""Writers for the connector conformance kit (journeymine.testing.conformance): event frames
in the GA4 export schema.

The kit's event frames (``case, activity, timestamp, channel, segment, amount``) are written in
the GA4 export schema: ``case`` -> ``user_pseudo_id``, ``activity`` -> ``event_name``,
``timestamp`` -> ``event_timestamp`` (INT64 microseconds), ``channel`` -> ``device.category``,
``segment`` -> the event param ``segment`` (a ``string_value``), ``amount`` -> the user property
``amount`` (a ``double_value``, left out when null). Each frame is split over two daily files,
so that the order across files is checked too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from ga4_export import event, write_ndjson, write_parquet

EPOCH = pd.Timestamp("1970-01-01", tz="UTC")

# check_connector(..., invalid=INVALID): GA4 stores event_timestamp as INT64 microseconds, so the
# kit's invalid rows with an unparseable time ("not a time") cannot be written at all (and in
# NDJSON, where the field could hold that text, the connector stops with a ConnectorError naming
# the file and line rather than guess). The kit checks the kinds GA4 can hold: null or blank
# user_pseudo_id, blank event_name, null event_timestamp.
INVALID = {"empty case id", "empty activity", "missing timestamp"}


def micros(value: Any) -> int | None:
    """A frame timestamp as GA4's INT64 microseconds (None stays None)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    # an unparseable time (the kit's "not a time") cannot be written as INT64 and fails here
    stamp = pd.Timestamp(value)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return int((stamp - EPOCH) // pd.Timedelta(1, "us"))


def ga4_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    rows = []
    for case, activity, timestamp, channel, segment, amount in zip(
        frame["case"],
        frame["activity"],
        frame["timestamp"],
        frame["channel"],
        frame["segment"],
        frame["amount"],
    ):
        properties = {} if amount is None or pd.isna(amount) else {"amount": float(amount)}
        rows.append(
            event(
                case,
                activity,
                micros(timestamp),
                params={"segment": segment, "engagement_time_msec": 100},
                user_properties=properties,
                category=channel,
            )
        )
    return rows


def days(rows: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    """The rows in two daily files (one when there is a single row), in input order."""
    half = (len(rows) + 1) // 2
    parts = [("events_20250101", rows[:half]), ("events_20250102", rows[half:])]
    return [(name, part) for name, part in parts if part]


def write_ga4_ndjson(frame: pd.DataFrame, directory: Path) -> tuple[Any, dict[str, Any]]:
    for name, part in days(ga4_rows(frame)):
        write_ndjson(directory / f"{name}.jsonl", part)
    mapping = {
        "case": "user_pseudo_id",
        "activity": "event_name",
        "timestamp": "event_time",
        "channel": "device_category",
        "params": ("segment",),  # typed from its values
        "user_properties": {"amount": "double"},
    }
    return directory, mapping  # the folder


def write_ga4_parquet(frame: pd.DataFrame, directory: Path) -> tuple[Any, dict[str, Any]]:
    for name, part in days(ga4_rows(frame)):
        write_parquet(directory / f"{name}.parquet", part)
    mapping = {
        "case": "user_pseudo_id",
        "activity": "event_name",
        "timestamp": "event_timestamp",
        "timestamp_format": "epoch_us",
        "channel": "device_category",
        "params": {"segment": "string", "engagement_time_msec": "int"},
        "user_properties": ("amount",),
    }
    return str(directory / "events_*.parquet"), mapping  # a glob
