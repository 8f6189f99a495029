"""Reading a GA4 export in batches and flattening it: the Arrow side of the ga4 connector.

Each file is read in batches of :data:`BATCH_ROWS` events (Parquet with pyarrow, NDJSON with
DuckDB's JSON reader, which also reads gzip and the INT64-as-string values of BigQuery's JSON
export), and each batch is flattened into the columns of :func:`output_schema` with vectorised
Arrow compute. Only one batch of nested data is in memory at a time.

Imported by :meth:`journeymine_ga4.Ga4Connector.scan` only, never when the plugin is loaded.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from journeymine.errors import ConnectorError
from journeymine_ga4.files import (
    Ga4File,
    check_ndjson,
    first_bad_line,
    line_message,
    line_of,
    list_files,
    ndjson_fields,
)
from journeymine_ga4.options import Options, Selection

__all__ = ["BATCH_ROWS", "FIXED_COLUMNS", "SAMPLE", "Plan", "output_schema", "plan"]

#: events per batch
BATCH_ROWS = 65_536
#: at least this many events are read ahead to decide the type of a param (see ``plan``)
SAMPLE = 10_000

#: the fields every file must have
REQUIRED = ("event_name", "event_timestamp", "user_pseudo_id")

_STRING, _INT, _DOUBLE = "string", "int", "double"
_ARROW_TYPES = {_STRING: pa.string(), _INT: pa.int64(), _DOUBLE: pa.float64()}
_UTC = pa.timestamp("us", tz="UTC")

#: output column -> (type, the GA4 field paths it is read from, the first non-null wins)
_COLUMNS: dict[str, tuple[str, tuple[tuple[str, ...], ...]]] = {
    "user_pseudo_id": (_STRING, (("user_pseudo_id",),)),
    "user_id": (_STRING, (("user_id",),)),
    "event_name": (_STRING, (("event_name",),)),
    "event_timestamp": (_INT, (("event_timestamp",),)),
    "event_date": (_STRING, (("event_date",),)),
    "event_bundle_sequence_id": (_INT, (("event_bundle_sequence_id",),)),
    "batch_event_index": (_INT, (("batch_event_index",),)),
    "platform": (_STRING, (("platform",),)),
    "stream_id": (_STRING, (("stream_id",),)),
    "device_category": (_STRING, (("device", "category"),)),
    "device_operating_system": (_STRING, (("device", "operating_system"),)),
    "device_operating_system_version": (_STRING, (("device", "operating_system_version"),)),
    "device_browser": (_STRING, (("device", "web_info", "browser"), ("device", "browser"))),
    "device_language": (_STRING, (("device", "language"),)),
    "device_mobile_brand_name": (_STRING, (("device", "mobile_brand_name"),)),
    "geo_country": (_STRING, (("geo", "country"),)),
    "geo_region": (_STRING, (("geo", "region"),)),
    "geo_city": (_STRING, (("geo", "city"),)),
    "geo_continent": (_STRING, (("geo", "continent"),)),
    "traffic_source_name": (_STRING, (("traffic_source", "name"),)),
    "traffic_source_medium": (_STRING, (("traffic_source", "medium"),)),
    "traffic_source_source": (_STRING, (("traffic_source", "source"),)),
}

#: the fixed output columns, in order (``session_id`` comes after ``user_id`` at session level)
FIXED_COLUMNS: tuple[str, ...] = (
    "user_pseudo_id",
    "user_id",
    "event_name",
    "event_time",
    *(name for name in _COLUMNS if name not in ("user_pseudo_id", "user_id", "event_name")),
)

_VALUE = "STRUCT(string_value VARCHAR, int_value VARCHAR, float_value DOUBLE, double_value DOUBLE)"
#: the GA4 fields read from NDJSON, as DuckDB types; INT64 fields are read as text (BigQuery's
#: JSON export writes them as strings) and converted here, so that errors can name the line
_JSON_FIELDS = {
    "user_pseudo_id": "VARCHAR",
    "user_id": "VARCHAR",
    "event_name": "VARCHAR",
    "event_timestamp": "VARCHAR",
    "event_date": "VARCHAR",
    "event_bundle_sequence_id": "VARCHAR",
    "batch_event_index": "VARCHAR",
    "platform": "VARCHAR",
    "stream_id": "VARCHAR",
    "device": (
        "STRUCT(category VARCHAR, operating_system VARCHAR, operating_system_version VARCHAR, "
        "browser VARCHAR, language VARCHAR, mobile_brand_name VARCHAR, web_info STRUCT(browser VARCHAR))"
    ),
    "geo": "STRUCT(country VARCHAR, region VARCHAR, city VARCHAR, continent VARCHAR)",
    "traffic_source": "STRUCT(name VARCHAR, medium VARCHAR, source VARCHAR)",
    "event_params": f"STRUCT(key VARCHAR, value {_VALUE})[]",
    "user_properties": f"STRUCT(key VARCHAR, value {_VALUE})[]",
}
_INT_TEXT = r"^\s*[+-]?[0-9]{1,18}\s*$"
_FLOAT_TEXT = r"^\s*[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?\s*$"
_BLANK = r"^\s*$"


# --------------------------------------------------------------------------------------------
# the plan: files checked, types decided, schema known


@dataclass(frozen=True)
class Plan:
    """A checked export, ready to be read: the files, the options, the types of the params.

    Attributes
    ----------
    files : tuple of Ga4File
        The files, in reading order.
    options : Options
        The connector options.
    kinds : mapping
        ``{field: {key: kind}}``: the keys read from ``event_params`` and ``user_properties``,
        in column order, with their types (``"string"``, ``"int"``, ``"double"``).
    schema : pyarrow.Schema
        The output columns.
    """

    files: tuple[Ga4File, ...]
    options: Options
    kinds: Mapping[str, Mapping[str, str]]
    schema: pa.Schema

    def open(self) -> pa.RecordBatchReader:
        """A fresh stream of the flattened events, file after file, rows in file order."""
        return pa.RecordBatchReader.from_batches(self.schema, self._batches())

    def _batches(self) -> Iterator[pa.RecordBatch]:
        fields = _fields_read(self.options)
        for file in self.files:
            first = 0
            for raw in _raw_batches(file, fields):
                yield _flatten(raw, self, _Where(file, first))
                first += raw.num_rows


def plan(source: Any, options: Options) -> Plan:
    """List and check the files of ``source``, decide the types of the params, fix the schema.

    The type of a param (or user property) that is not given in the options is decided from
    its values in the first events that carry it: the files are read ahead (only the
    ``event_params`` / ``user_properties`` field) until every such key has been seen and at
    least :data:`SAMPLE` events have been read; with ``"all"``, every file is read ahead, to find
    every key. Only integers seen: ``int``; numbers with a fraction (or ints and doubles): ``double``;
    any text: ``string``. A key never found is a ``string`` column of nulls, with a warning.

    Raises
    ------
    journeymine.errors.ConnectorError
        For a source without GA4 files, a file that lacks a required GA4 field, a line that is
        not JSON, or a file that cannot be read.

    Examples
    --------
    >>> import json, tempfile, pathlib
    >>> from journeymine_ga4.options import parse_options
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "events_20240101.jsonl"
    >>> rows = [{"event_timestamp": "1", "event_name": "a", "user_pseudo_id": "u",
    ...          "event_params": [{"key": "value", "value": {"int_value": "10"}}]},
    ...         {"event_timestamp": "2", "event_name": "b", "user_pseudo_id": "u",
    ...          "event_params": [{"key": "value", "value": {"double_value": 10.5}}]}]
    >>> _ = path.write_text("\\n".join(json.dumps(r) for r in rows))
    >>> checked = plan(path, parse_options({"params": ("value",)}))
    >>> checked.kinds["event_params"]
    {'value': 'double'}
    >>> checked.open().read_all().column("param_value").to_pylist()
    [10.0, 10.5]
    """
    files = tuple(list_files(source))
    required = [*REQUIRED]
    if options.params.wanted or options.session:
        required.append("event_params")
    ndjson = [f for f in files if f.format != "parquet"]
    # null fields are left out of NDJSON: a short file may lack a field its sibling files have
    found: set[str] = set().union(*(ndjson_fields(f) for f in ndjson)) if len(ndjson) > 1 else set()
    for file in files:
        if file.format == "parquet":
            _check_parquet(file, required, options)
        else:
            check_ndjson(file, required, others=sorted(found))
    kinds = _decide_kinds(files, (options.params, options.user_properties), source)
    return Plan(files, options, kinds, output_schema(options, kinds))


def output_schema(options: Options, kinds: Mapping[str, Mapping[str, str]]) -> pa.Schema:
    """The output columns: the fixed ones, ``session_id`` at session level, then params and
    user properties (``param_<key>``, ``user_property_<key>``).

    Examples
    --------
    >>> from journeymine_ga4.options import parse_options
    >>> schema = output_schema(parse_options({"level": "session"}), {})
    >>> schema.names[:5]
    ['user_pseudo_id', 'user_id', 'session_id', 'event_name', 'event_time']
    >>> str(schema.field("event_time").type)
    'timestamp[us, tz=UTC]'
    """
    fields = []
    for name in FIXED_COLUMNS:
        if name == "event_time":
            fields.append(pa.field(name, _UTC))
        else:
            fields.append(pa.field(name, _ARROW_TYPES[_COLUMNS[name][0]]))
        if name == "user_id" and options.session:
            fields.append(pa.field("session_id", pa.string()))
    for selection in (options.params, options.user_properties):
        for key, kind in kinds.get(selection.record, {}).items():
            fields.append(pa.field(selection.column(key), _ARROW_TYPES[kind]))
    return pa.schema(fields)


def _fields_read(options: Options) -> list[str]:
    fields = [f for f in _JSON_FIELDS if f not in ("event_params", "user_properties")]
    if options.params.wanted or options.session:
        fields.append("event_params")
    if options.user_properties.wanted:
        fields.append("user_properties")
    return fields


def _check_parquet(file: Ga4File, required: Sequence[str], options: Options) -> None:
    import pyarrow.parquet as pq

    try:
        schema = pq.read_schema(file.path)
    except Exception as exc:
        raise ConnectorError(
            f"cannot read the Parquet schema of {file.path}: {exc}. The file is probably truncated "
            f"or corrupted; export it again."
        ) from None
    names = schema.names
    needed = [*required]
    if options.user_properties.wanted:
        needed.append("user_properties")
    missing = [name for name in needed if name not in names]
    if missing:
        raise ConnectorError(
            f"{file.path} has no field {missing[0]!r} (its fields: {', '.join(names[:20])}"
            f"{', ...' if len(names) > 20 else ''}). The ga4 connector reads the GA4 BigQuery "
            f"export (the events_YYYYMMDD tables), with the fields event_name, event_timestamp and "
            f"user_pseudo_id (and event_params for params= or level='session', user_properties for "
            f"user_properties=): export the whole events_* table, or read this file with "
            f"connector='parquet'."
        )
    stamp = schema.field("event_timestamp").type
    if not (
        pa.types.is_integer(stamp)
        or pa.types.is_timestamp(stamp)
        or pa.types.is_string(stamp)
        or pa.types.is_large_string(stamp)
    ):
        raise ConnectorError(
            f"{file.path}: event_timestamp holds {stamp} values; GA4 exports hold INT64 microseconds "
            f"since 1970-01-01 UTC. Export the events_* table as it is."
        )
    for name in ("event_params", "user_properties"):
        if name in names and not _is_key_values(schema.field(name).type):
            raise ConnectorError(
                f"{file.path}: {name} is {schema.field(name).type}, not the GA4 repeated record of "
                f"key and value (string_value, int_value, float_value, double_value). Export the "
                f"events_* table as it is."
            )


def _is_key_values(t: pa.DataType) -> bool:
    if not (pa.types.is_list(t) or pa.types.is_large_list(t)):
        return False
    item = t.value_type
    return bool(pa.types.is_struct(item) and item.get_field_index("key") >= 0)


# --------------------------------------------------------------------------------------------
# reading raw batches


def _raw_batches(file: Ga4File, fields: Sequence[str]) -> Iterator[pa.RecordBatch]:
    if file.format == "parquet":
        yield from _parquet_batches(file, fields)
    else:
        yield from _ndjson_batches(file, fields)


def _parquet_batches(file: Ga4File, fields: Sequence[str]) -> Iterator[pa.RecordBatch]:
    import pyarrow.parquet as pq

    try:
        with pq.ParquetFile(file.path) as parquet:
            columns = [f for f in fields if f in parquet.schema_arrow.names]
            yield from parquet.iter_batches(batch_size=BATCH_ROWS, columns=columns)
    except (OSError, pa.ArrowException) as exc:
        raise ConnectorError(
            f"cannot read {file.path}: {exc}. The file is probably truncated or corrupted; export it again."
        ) from None


def _ndjson_batches(file: Ga4File, fields: Sequence[str]) -> Iterator[pa.RecordBatch]:
    import duckdb

    connection = duckdb.connect(":memory:")
    try:
        relation = connection.sql(
            "SELECT * FROM read_json($path, format = 'newline_delimited', records = true, "
            "columns = $columns, compression = $compression, maximum_object_size = 268435456)",
            params={
                "path": file.path,
                "columns": {f: _JSON_FIELDS[f] for f in fields},
                "compression": "gzip" if file.compressed else "none",
            },
        )
        yield from relation.to_arrow_reader(BATCH_ROWS)
    except (duckdb.Error, pa.ArrowException, OSError) as exc:
        raise _json_error(file, exc) from None
    finally:
        connection.close()


def _json_error(file: Ga4File, exc: BaseException) -> ConnectorError:
    bad = first_bad_line(file)
    if bad is not None:
        return ConnectorError(line_message(file, *bad))
    reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return ConnectorError(
        f"cannot read {file.path} as a GA4 NDJSON export: {reason}. Check that each line is one "
        f"event of the events_* table with its GA4 fields (device, geo and traffic_source are "
        f"objects, event_params a list of {{key, value}} objects)."
    )


# --------------------------------------------------------------------------------------------
# deciding the types of params and user properties


def _decide_kinds(
    files: Sequence[Ga4File], selections: Sequence[Selection], source: Any
) -> dict[str, dict[str, str]]:
    kinds: dict[str, dict[str, str]] = {}
    looking = [s for s in selections if s.everything or s.inferred]
    seen: dict[str, dict[str, set[str]]] = {s.record: {} for s in looking}
    if looking:
        rows = 0
        done = False
        for file in files:
            for raw in _raw_batches(file, [s.record for s in looking]):
                for s in looking:
                    _observe(raw, s.record, seen[s.record], None if s.everything else set(s.inferred))
                rows += raw.num_rows
                done = rows >= SAMPLE and all(
                    not s.everything and all(k in seen[s.record] for k in s.inferred) for s in looking
                )
                if done:
                    break
            if done:
                break
    for s in selections:
        found = seen.get(s.record, {})
        keys = sorted(found) if s.everything else list(s.keys)
        chosen: dict[str, str] = {}
        for key in keys:
            if key in s.kinds:
                chosen[key] = s.kinds[key]
            elif key in found:
                chosen[key] = _kind(found[key])
            else:
                chosen[key] = _STRING
                warnings.warn(
                    f"{s.option}: no event of {source} has the {s.record} key {key!r}; its column "
                    f"{s.column(key)!r} is all null. Check the spelling (keys are case-sensitive).",
                    UserWarning,
                    stacklevel=5,
                )
        kinds[s.record] = chosen
    return kinds


def _observe(raw: pa.RecordBatch, field: str, seen: dict[str, set[str]], keys: set[str] | None) -> None:
    """Note which value kinds each key has in this batch (``keys``: only those; None: all)."""
    column = _path(raw, (field,))
    if column is None or not _is_key_values(column.type):
        return
    flat = pc.list_flatten(column)
    if len(flat) == 0:
        return
    key = _text(_path_of(flat, ("key",)), len(flat))
    value = _path_of(flat, ("value",))
    kinds = {
        _STRING: pc.is_valid(_text(_path_of(value, ("string_value",)), len(flat))),
        _INT: pc.is_valid(_or_nulls(_path_of(value, ("int_value",)), len(flat))),
        _DOUBLE: pc.or_(
            pc.is_valid(_or_nulls(_path_of(value, ("double_value",)), len(flat))),
            pc.is_valid(_or_nulls(_path_of(value, ("float_value",)), len(flat))),
        ),
    }
    table = pa.table({"key": key, **kinds})
    if keys is not None:
        table = table.filter(pc.is_in(table["key"], pa.array(sorted(keys), pa.string())))
    if table.num_rows == 0:
        return
    summary = table.group_by("key").aggregate([(kind, "any") for kind in kinds])
    for row in summary.to_pylist():
        if row["key"] is None:
            continue
        present = {kind for kind in kinds if row[f"{kind}_any"]}
        if present:
            seen.setdefault(row["key"], set()).update(present)


def _kind(present: set[str]) -> str:
    if _STRING in present:
        return _STRING
    if _DOUBLE in present:
        return _DOUBLE
    return _INT


# --------------------------------------------------------------------------------------------
# flattening one batch


@dataclass(frozen=True)
class _Where:
    """Where a batch comes from: its file, and the index of its first event in the file."""

    file: Ga4File
    first: int

    def row(self, index: int) -> str:
        """The event ``index`` of the batch, for a message: ``line 12`` or ``row 12`` (from 1)."""
        record = self.first + index
        if self.file.format == "parquet":
            return f"row {record + 1:,}"
        return f"line {line_of(self.file, record):,}"


def _flatten(raw: pa.RecordBatch, plan: Plan, where: _Where) -> pa.RecordBatch:
    n = raw.num_rows
    columns: dict[str, Any] = {}
    for name, (kind, paths) in _COLUMNS.items():
        found = [arr for arr in (_path(raw, p) for p in paths) if arr is not None]
        if kind == _INT:
            columns[name] = _integers(found[0] if found else None, n, where, name, lambda i: i)
        else:
            texts = [_text(arr, n, where, name) for arr in found]
            columns[name] = (
                texts[0] if len(texts) == 1 else (pc.coalesce(*texts) if texts else pa.nulls(n, pa.string()))
            )
    columns["event_time"] = columns["event_timestamp"].cast(_UTC)
    records: dict[str, _KeyValues] = {}

    def record(field: str) -> _KeyValues:
        if field not in records:
            records[field] = _KeyValues.of(_path(raw, (field,)), n, where, field)
        return records[field]

    if plan.options.session:
        sessions = record("event_params").text("ga_session_id", n)
        columns["session_id"] = _session_ids(columns["user_pseudo_id"], sessions)
    for selection in (plan.options.params, plan.options.user_properties):
        kinds = plan.kinds.get(selection.record, {})
        if not kinds:
            continue
        values = record(selection.record)
        for key, kind in kinds.items():
            columns[selection.column(key)] = values.typed(key, kind, n, selection)
    return pa.RecordBatch.from_arrays([columns[name] for name in plan.schema.names], schema=plan.schema)


def _session_ids(users: pa.Array, sessions: pa.Array) -> pa.Array:
    """``<user_pseudo_id>:<ga_session_id>``; null when either is null or blank."""
    joined = pc.binary_join_element_wise(users, sessions, ":")
    blank = pc.or_kleene(_blank(users), _blank(sessions))
    return pc.if_else(pc.fill_null(blank, True), pa.scalar(None, pa.string()), joined)


def _blank(values: pa.Array) -> pa.Array:
    return pc.match_substring_regex(values, _BLANK)


def _path(batch: pa.RecordBatch, path: tuple[str, ...]) -> pa.Array | None:
    """The array at ``path`` (a field, then fields of structs), or None when a part is absent."""
    if path[0] not in batch.schema.names:
        return None
    return _path_of(batch.column(batch.schema.get_field_index(path[0])), path[1:])


def _path_of(array: pa.Array | None, path: tuple[str, ...]) -> pa.Array | None:
    for name in path:
        if array is None or not pa.types.is_struct(array.type) or array.type.get_field_index(name) < 0:
            return None
        array = pc.struct_field(array, name)  # null where the struct is null
    return array


def _or_nulls(array: pa.Array | None, n: int) -> pa.Array:
    return pa.nulls(n) if array is None else array


def _text(array: pa.Array | None, n: int, where: _Where | None = None, name: str = "") -> pa.Array:
    if array is None:
        return pa.nulls(n, pa.string())
    if pa.types.is_string(array.type):
        return array
    try:
        return array.cast(pa.string())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        file = where.file.path if where is not None else "the export"
        raise ConnectorError(
            f"{file}: {name} holds {array.type} values, not text. Export the events_* table as it is."
        ) from None


def _integers(
    array: pa.Array | None, n: int, where: _Where, name: str, row_of: Callable[[int], int]
) -> pa.Array:
    """An int64 array from integers, integer text (BigQuery's JSON), whole floats or timestamps.

    ``row_of`` maps an index of ``array`` to the event of the batch, for messages.
    """
    if array is None:
        return pa.nulls(n, pa.int64())
    t = array.type
    if pa.types.is_null(t):
        return pa.nulls(len(array), pa.int64())
    if pa.types.is_timestamp(t):
        return pc.cast(array, pa.timestamp("us", tz=t.tz), safe=False).cast(pa.int64())
    if pa.types.is_integer(t):
        if t != pa.uint64():
            return array.cast(pa.int64())
        bad = pc.fill_null(pc.greater(array, np.iinfo(np.int64).max), False)
        if not pc.any(bad).as_py():
            return array.cast(pa.int64())
    elif pa.types.is_string(t) or pa.types.is_large_string(t):
        ok = pc.match_substring_regex(array, _INT_TEXT)
        bad = pc.and_(pc.is_valid(array), pc.invert(pc.fill_null(ok, False)))
        if not pc.any(bad).as_py():
            return pc.utf8_trim_whitespace(array).cast(pa.int64())
    elif pa.types.is_floating(t):
        whole = pc.and_(pc.equal(pc.floor(array), array), pc.less(pc.abs(array), 2.0**63))
        bad = pc.and_(pc.is_valid(array), pc.invert(pc.fill_null(whole, False)))
        if not pc.any(bad).as_py():
            return array.cast(pa.int64())
    else:
        raise ConnectorError(
            f"{where.file.path}: {name} holds {t} values; GA4 exports hold INT64 values there. "
            f"Export the events_* table as it is."
        )
    index = int(np.flatnonzero(bad.to_numpy(zero_copy_only=False))[0])
    value = array[index].as_py()
    raise ConnectorError(
        f"{where.file.path}, {where.row(row_of(index))}: {name} is {value!r}, not a 64-bit integer. "
        f"GA4 exports hold INT64 values there (event_timestamp: microseconds since 1970-01-01 UTC); "
        f"fix or remove that event."
    )


def _parse_numbers(texts: pa.Array, pattern: str, to: pa.DataType) -> pa.Array:
    """The texts that match ``pattern`` converted to ``to``; null elsewhere."""
    ok = pc.fill_null(pc.match_substring_regex(texts, pattern), False)
    kept = pc.if_else(ok, pc.utf8_trim_whitespace(texts), pa.scalar(None, pa.string()))
    return kept.cast(to)


@dataclass(frozen=True)
class _KeyValues:
    """The elements of a repeated key/value record of one batch, flattened."""

    rows: np.ndarray  # the event (row of the batch) of each element
    keys: pa.Array
    strings: pa.Array
    ints: pa.Array
    doubles: pa.Array
    where: _Where
    field: str

    @classmethod
    def of(cls, column: pa.Array | None, n: int, where: _Where, field: str) -> _KeyValues:
        if column is None:
            column = pa.nulls(n, pa.list_(pa.struct([("key", pa.string())])))
        if not _is_key_values(column.type):
            raise ConnectorError(
                f"{where.file.path}: {field} is {column.type}, not the GA4 repeated record of key "
                f"and value. Export the events_* table as it is."
            )
        flat = pc.list_flatten(column)
        rows = pc.list_parent_indices(column).to_numpy(zero_copy_only=False).astype(np.int64)
        m = len(flat)
        value = _path_of(flat, ("value",))
        label = f"{field}.value.int_value"
        doubles = [
            _or_nulls(_path_of(value, (name,)), m).cast(pa.float64())
            for name in ("double_value", "float_value")
        ]
        return cls(
            rows=rows,
            keys=_text(_path_of(flat, ("key",)), m, where, f"{field}.key"),
            strings=_text(_path_of(value, ("string_value",)), m, where, f"{field}.value.string_value"),
            ints=_integers(_path_of(value, ("int_value",)), m, where, label, lambda i: int(rows[i])),
            doubles=pc.coalesce(*doubles),
            where=where,
            field=field,
        )

    def _select(self, key: str) -> tuple[np.ndarray, np.ndarray]:
        """(events, element indices) of ``key``, the first element of each event only."""
        mask = pc.fill_null(pc.equal(self.keys, key), False).to_numpy(zero_copy_only=False)
        elements = np.flatnonzero(mask)
        events = self.rows[elements]
        first = np.ones(len(events), dtype=bool)
        first[1:] = events[1:] != events[:-1]  # elements of one event are contiguous
        return events[first], elements[first]

    def _scatter(self, n: int, events: np.ndarray, values: pa.Array) -> pa.Array:
        positions = np.full(n, -1, dtype=np.int64)
        positions[events] = np.arange(len(events), dtype=np.int64)
        return values.take(pa.array(positions, mask=positions < 0))

    def text(self, key: str, n: int) -> pa.Array:
        """The values of ``key`` as text (integers in decimal), one per event (null if absent)."""
        events, elements = self._select(key)
        take = pa.array(elements, pa.int64())
        values = pc.coalesce(
            self.strings.take(take),
            self.ints.take(take).cast(pa.string()),
            self.doubles.take(take).cast(pa.string()),
        )
        return self._scatter(n, events, values)

    def typed(self, key: str, kind: str, n: int, selection: Selection) -> pa.Array:
        """The values of ``key`` in a column of type ``kind``, one per event (null if absent)."""
        if kind == _STRING:
            return self.text(key, n)
        events, elements = self._select(key)
        take = pa.array(elements, pa.int64())
        strings, ints, doubles = self.strings.take(take), self.ints.take(take), self.doubles.take(take)
        if kind == _INT:
            whole = pc.and_(pc.equal(pc.floor(doubles), doubles), pc.less(pc.abs(doubles), 2.0**63))
            from_doubles = pc.if_else(pc.fill_null(whole, False), doubles, pa.scalar(None, pa.float64()))
            values = pc.coalesce(
                ints, _parse_numbers(strings, _INT_TEXT, pa.int64()), from_doubles.cast(pa.int64())
            )
        else:
            values = pc.coalesce(
                doubles, ints.cast(pa.float64()), _parse_numbers(strings, _FLOAT_TEXT, pa.float64())
            )
        given = pc.or_(pc.or_(pc.is_valid(strings), pc.is_valid(ints)), pc.is_valid(doubles))
        bad = pc.and_(given, pc.is_null(values)).to_numpy(zero_copy_only=False)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            value = next(
                v for v in (strings[i].as_py(), ints[i].as_py(), doubles[i].as_py()) if v is not None
            )
            other = _DOUBLE if kind == _INT and isinstance(value, float) else _STRING
            how = "as given" if key in selection.kinds else "decided from its first values"
            raise ConnectorError(
                f"{self.where.file.path}, {self.where.row(int(events[i]))}: the {self.field} key "
                f"{key!r} has the value {value!r}, which does not fit its column "
                f"{selection.column(key)!r} of type {kind} ({how}). "
                f"Pass {selection.option}={{{key!r}: {other!r}}} to choose the type."
            )
        return self._scatter(n, events, values)
