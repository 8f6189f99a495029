"""Write files in the GA4 BigQuery export schema (events_YYYYMMDD), as Parquet or NDJSON.

The Parquet schema follows the export's: nested ``event_params`` / ``user_properties`` records of
``{key, value: {string_value, int_value, float_value, double_value}}``, ``device``, ``geo``,
``app_info``, ``traffic_source``, ``items``, ... NDJSON is written the way BigQuery writes JSON:
INT64 values as strings (``ints_as_text=False`` writes them as numbers).
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

VALUE = pa.struct(
    [
        ("string_value", pa.string()),
        ("int_value", pa.int64()),
        ("float_value", pa.float64()),
        ("double_value", pa.float64()),
    ]
)
PARAMS = pa.list_(pa.struct([("key", pa.string()), ("value", VALUE)]))
USER_VALUE = pa.struct([*VALUE, ("set_timestamp_micros", pa.int64())])
USER_PROPERTIES = pa.list_(pa.struct([("key", pa.string()), ("value", USER_VALUE)]))
DEVICE = pa.struct(
    [
        ("category", pa.string()),
        ("mobile_brand_name", pa.string()),
        ("mobile_model_name", pa.string()),
        ("mobile_marketing_name", pa.string()),
        ("mobile_os_hardware_model", pa.string()),
        ("operating_system", pa.string()),
        ("operating_system_version", pa.string()),
        ("vendor_id", pa.string()),
        ("advertising_id", pa.string()),
        ("language", pa.string()),
        ("is_limited_ad_tracking", pa.string()),
        ("time_zone_offset_seconds", pa.int64()),
        ("browser", pa.string()),
        ("browser_version", pa.string()),
        (
            "web_info",
            pa.struct(
                [("browser", pa.string()), ("browser_version", pa.string()), ("hostname", pa.string())]
            ),
        ),
    ]
)
GEO = pa.struct(
    [
        ("city", pa.string()),
        ("country", pa.string()),
        ("continent", pa.string()),
        ("region", pa.string()),
        ("sub_continent", pa.string()),
        ("metro", pa.string()),
    ]
)
SCHEMA = pa.schema(
    [
        ("event_date", pa.string()),
        ("event_timestamp", pa.int64()),
        ("event_name", pa.string()),
        ("event_params", PARAMS),
        ("event_previous_timestamp", pa.int64()),
        ("event_value_in_usd", pa.float64()),
        ("event_bundle_sequence_id", pa.int64()),
        ("event_server_timestamp_offset", pa.int64()),
        ("user_id", pa.string()),
        ("user_pseudo_id", pa.string()),
        (
            "privacy_info",
            pa.struct(
                [
                    ("analytics_storage", pa.string()),
                    ("ads_storage", pa.string()),
                    ("uses_transient_token", pa.string()),
                ]
            ),
        ),
        ("user_properties", USER_PROPERTIES),
        ("user_first_touch_timestamp", pa.int64()),
        ("user_ltv", pa.struct([("revenue", pa.float64()), ("currency", pa.string())])),
        ("device", DEVICE),
        ("geo", GEO),
        (
            "app_info",
            pa.struct(
                [
                    ("id", pa.string()),
                    ("version", pa.string()),
                    ("install_store", pa.string()),
                    ("firebase_app_id", pa.string()),
                    ("install_source", pa.string()),
                ]
            ),
        ),
        (
            "traffic_source",
            pa.struct([("name", pa.string()), ("medium", pa.string()), ("source", pa.string())]),
        ),
        ("stream_id", pa.string()),
        ("platform", pa.string()),
        ("event_dimensions", pa.struct([("hostname", pa.string())])),
        (
            "ecommerce",
            pa.struct(
                [
                    ("total_item_quantity", pa.int64()),
                    ("purchase_revenue", pa.float64()),
                    ("transaction_id", pa.string()),
                ]
            ),
        ),
        (
            "items",
            pa.list_(
                pa.struct([("item_id", pa.string()), ("item_name", pa.string()), ("price", pa.float64())])
            ),
        ),
        ("is_active_user", pa.bool_()),
        ("batch_event_index", pa.int64()),
        ("batch_page_id", pa.int64()),
        ("batch_ordering_id", pa.int64()),
    ]
)
#: the INT64 fields (written as text in BigQuery's JSON), nested paths included
INT_FIELDS = {
    "event_timestamp",
    "event_previous_timestamp",
    "event_bundle_sequence_id",
    "event_server_timestamp_offset",
    "user_first_touch_timestamp",
    "int_value",
    "set_timestamp_micros",
    "time_zone_offset_seconds",
    "total_item_quantity",
    "batch_event_index",
    "batch_page_id",
    "batch_ordering_id",
}

T0 = 1_704_067_200_000_000  # 2024-01-01T00:00:00Z in microseconds


def value(v: Any) -> dict[str, Any]:
    """A GA4 value record for a Python value: str, int or float (the kind follows the type)."""
    if isinstance(v, Mapping):
        return dict(v)
    if isinstance(v, bool) or v is None:
        raise TypeError(f"no GA4 value kind for {v!r}")
    if isinstance(v, str):
        return {"string_value": v}
    if isinstance(v, int):
        return {"int_value": v}
    return {"double_value": float(v)}


def records(values: Mapping[str, Any] | Iterable[tuple[str, Any]] | None) -> list[dict[str, Any]]:
    """A repeated key/value record from ``{key: value}`` or ``[(key, value), ...]``."""
    if values is None:
        return []
    pairs = values.items() if isinstance(values, Mapping) else values
    return [{"key": k, "value": value(v)} for k, v in pairs]


def event(
    user: str | None,
    name: str | None,
    micros: int | None,
    *,
    params: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None,
    user_properties: Mapping[str, Any] | None = None,
    session: int | None = None,
    user_id: str | None = None,
    category: str | None = "desktop",
    country: str | None = "Germany",
    medium: str | None = "organic",
    platform: str = "WEB",
    **fields: Any,
) -> dict[str, Any]:
    """One GA4 export row. ``session`` adds the param ``ga_session_id``."""
    pairs = list(params.items() if isinstance(params, Mapping) else (params or []))
    if session is not None:
        pairs = [("ga_session_id", session), ("ga_session_number", 1), *pairs]
    day = (
        datetime.fromtimestamp(micros / 1e6, tz=timezone.utc).strftime("%Y%m%d")
        if micros is not None
        else None
    )
    row: dict[str, Any] = {
        "event_date": day,
        "event_timestamp": micros,
        "event_name": name,
        "event_params": records(pairs),
        "event_bundle_sequence_id": 1,
        "user_id": user_id,
        "user_pseudo_id": user,
        "privacy_info": {"analytics_storage": "Yes", "ads_storage": "Yes", "uses_transient_token": "No"},
        "user_properties": [
            {**r, "value": {**r["value"], "set_timestamp_micros": micros}} for r in records(user_properties)
        ],
        "user_first_touch_timestamp": T0,
        "device": {
            "category": category,
            "operating_system": "Windows",
            "operating_system_version": "Windows 10",
            "language": "de-de",
            "is_limited_ad_tracking": "No",
            "browser": None,
            "web_info": {"browser": "Chrome", "browser_version": "120.0", "hostname": "shop.example"},
        },
        "geo": {"city": "München", "country": country, "continent": "Europe", "region": "Bavaria"},
        "app_info": None,
        "traffic_source": {"name": "(organic)", "medium": medium, "source": "google"},
        "stream_id": "1234567890",
        "platform": platform,
        "event_dimensions": None,
        "ecommerce": None,
        "items": [],
        "is_active_user": True,
    }
    row.update(fields)
    return row


def write_parquet(path: Path, rows: list[dict[str, Any]], schema: pa.Schema = SCHEMA) -> Path:
    """Write rows as a Parquet file of the GA4 export schema."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), path)
    return path


def _texts(obj: Any, key: str | None = None) -> Any:
    if isinstance(obj, dict):
        return {k: _texts(v, k) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_texts(v, key) for v in obj]
    if key in INT_FIELDS and isinstance(obj, int) and not isinstance(obj, bool):
        return str(obj)
    return obj


def write_ndjson(
    path: Path,
    rows: list[dict[str, Any]],
    *,
    ints_as_text: bool = True,
    drop_nulls: bool = True,
    gz: bool | None = None,
) -> Path:
    """Write rows as newline-delimited JSON, as BigQuery exports it (null fields left out)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = []
    for row in rows:
        if drop_nulls:
            row = {k: v for k, v in row.items() if v is not None}
        lines.append(json.dumps(_texts(row) if ints_as_text else row, ensure_ascii=False))
    data = ("\n".join(lines) + "\n").encode()
    if gz if gz is not None else path.suffix == ".gz":
        data = gzip.compress(data)
    path.write_bytes(data)
    return path


def write(path: Path, rows: list[dict[str, Any]], **options: Any) -> Path:
    """Write by the file ending: ``.parquet`` or NDJSON."""
    if path.suffix == ".parquet":
        return write_parquet(path, rows)
    return write_ndjson(path, rows, **options)
