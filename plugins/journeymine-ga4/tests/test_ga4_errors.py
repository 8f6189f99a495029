"""Bad input gives a ConnectorError that says what, where (file, line or row, field) and what to do."""

from __future__ import annotations

import gzip
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from ga4_export import SCHEMA, T0, event, write, write_ndjson, write_parquet
from journeymine_ga4 import Ga4Connector, read_ga4
from journeymine_ga4 import files as ga4_files
from journeymine_ga4 import reader as ga4_reader

import journeymine as jm
from journeymine.errors import ConnectorError

MAPPING = {"case": "user_pseudo_id", "activity": "event_name", "timestamp": "event_time"}


@pytest.mark.parametrize("missing", ["user_pseudo_id", "event_timestamp", "event_name"])
def test_a_parquet_file_without_a_required_field(tmp_path, missing):
    good = write(tmp_path / "events_20240101.parquet", [event("u1", "a", T0)])
    rows = [{k: v for k, v in event("u1", "a", T0).items() if k != missing}]
    bad = write_parquet(
        tmp_path / "events_20240102.parquet", rows, SCHEMA.remove(SCHEMA.get_field_index(missing))
    )
    with pytest.raises(ConnectorError) as info:
        read_ga4(tmp_path)
    message = str(info.value)
    assert str(bad) in message and str(good) not in message
    assert f"no field {missing!r}" in message
    assert "export the whole events_* table" in message


@pytest.mark.parametrize("missing", ["user_pseudo_id", "event_timestamp", "event_name"])
def test_an_ndjson_field_missing_everywhere_is_an_error(tmp_path, missing):
    rows = [{k: v for k, v in event("u1", "a", T0).items() if k != missing}]
    first = write_ndjson(tmp_path / "events_20240101.jsonl", rows)
    write_ndjson(tmp_path / "events_20240102.jsonl", rows)
    with pytest.raises(ConnectorError) as info:
        read_ga4(tmp_path)
    message = str(info.value)
    assert str(first) in message and f"no field {missing!r}" in message
    assert "export the whole events_* table" in message


@pytest.mark.parametrize("missing", ["user_pseudo_id", "event_timestamp", "event_name"])
def test_an_ndjson_field_left_out_of_a_short_file_is_null(tmp_path, missing):
    # BigQuery leaves null fields out of its JSON: a short file may lack a field that the
    # source's other files have; its events then hold a null there (set aside by read_events)
    write(tmp_path / "events_20240101.jsonl", [event("u1", "a", T0)])
    rows = [{k: v for k, v in event("u2", "b", T0).items() if k != missing}]
    write_ndjson(tmp_path / "events_20240102.jsonl", rows)
    table = read_ga4(tmp_path)
    column = {"event_timestamp": "event_time"}.get(missing, missing)
    assert table.column(column).to_pylist()[1] is None
    log = jm.read_events(tmp_path, connector="ga4", on_invalid="quarantine")
    assert (log.rows_read, log.n_events, log.invalid_rows) == (2, 1, 1)


def test_params_need_event_params(tmp_path):
    rows = [{k: v for k, v in event("u1", "a", T0).items() if k != "event_params"}]
    path = write_parquet(tmp_path / "e.parquet", rows, SCHEMA.remove(SCHEMA.get_field_index("event_params")))
    assert read_ga4(path).num_rows == 1  # not needed without params
    with pytest.raises(ConnectorError, match=r"e\.parquet has no field 'event_params'"):
        read_ga4(path, level="session")
    with pytest.raises(ConnectorError, match=r"no field 'event_params'"):
        read_ga4(write_ndjson(tmp_path / "e.jsonl", rows), params=("page_location",))


def test_a_malformed_json_line_is_named(tmp_path):
    path = tmp_path / "events_20240101.jsonl"
    lines = [json.dumps(event("u1", "a", T0)), "", '{"event_name": "b",, }', json.dumps(event("u1", "c", T0))]
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ConnectorError) as info:
        read_ga4(path)
    assert f"{path}, line 3: the line is not valid JSON" in str(info.value)


def test_a_malformed_line_after_the_checked_head_is_named_too(tmp_path, monkeypatch):
    monkeypatch.setattr(ga4_files, "HEAD_LINES", 2)
    path = tmp_path / "events_20240101.jsonl.gz"
    lines = [json.dumps(event("u1", "a", T0 + i)) for i in range(5)]
    lines[3] = lines[3][:-5]  # truncated
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
    scan = Ga4Connector().scan(path)  # the first two lines are fine
    assert scan.open is not None
    with pytest.raises(
        ConnectorError, match=r"events_20240101\.jsonl\.gz, line 4: the line is not valid JSON"
    ):
        scan.open().read_all()
    with pytest.raises(ConnectorError, match=r"line 4"):
        jm.read_events(path, connector="ga4", **MAPPING)


def test_a_line_that_is_not_an_object(tmp_path):
    path = tmp_path / "e.ndjson"
    path.write_text(json.dumps(event("u1", "a", T0)) + "\n[1, 2]\n")
    with pytest.raises(ConnectorError, match=r"e\.ndjson, line 2: the line holds a JSON list, not an object"):
        read_ga4(path)


@pytest.mark.parametrize("value", ["yesterday", "1.5", {"micros": 1}])
def test_an_event_timestamp_that_is_no_integer(tmp_path, monkeypatch, value):
    monkeypatch.setattr(ga4_reader, "BATCH_ROWS", 2)  # the bad line is in the second batch
    rows = [event("u1", "a", T0 + i) for i in range(4)]
    rows[2]["event_timestamp"] = value
    path = write_ndjson(tmp_path / "e.jsonl", rows, ints_as_text=False)
    with pytest.raises(ConnectorError) as info:
        read_ga4(path)
    message = str(info.value)
    assert f"{path}, line 3: event_timestamp is" in message and "not a 64-bit integer" in message


def test_a_parquet_event_timestamp_as_text_is_read_or_named(tmp_path):
    schema = SCHEMA.set(SCHEMA.get_field_index("event_timestamp"), pa.field("event_timestamp", pa.string()))
    rows = [event("u1", "a", T0), event("u1", "b", T0 + 1)]
    rows[0]["event_timestamp"], rows[1]["event_timestamp"] = str(T0), str(T0 + 1)
    path = write_parquet(tmp_path / "e.parquet", rows, schema)
    assert read_ga4(path).column("event_timestamp").to_pylist() == [T0, T0 + 1]
    rows[1]["event_timestamp"] = "soon"
    write_parquet(path, rows, schema)
    with pytest.raises(
        ConnectorError, match=r"e\.parquet, row 2: event_timestamp is 'soon', not a 64-bit integer"
    ):
        read_ga4(path)


def test_a_parquet_event_timestamp_of_the_wrong_type(tmp_path):
    pq.write_table(
        pa.table({"event_timestamp": [1.5], "event_name": ["a"], "user_pseudo_id": ["u"]}).cast(
            pa.schema(
                [
                    ("event_timestamp", pa.float64()),
                    ("event_name", pa.string()),
                    ("user_pseudo_id", pa.string()),
                ]
            )
        ),
        tmp_path / "e.parquet",
    )
    pq.write_table(
        pa.table({"event_timestamp": [[1]], "event_name": ["a"], "user_pseudo_id": ["u"]}),
        tmp_path / "f.parquet",
    )
    with pytest.raises(ConnectorError, match=r"e\.parquet: event_timestamp holds double values"):
        read_ga4(tmp_path / "e.parquet")
    with pytest.raises(ConnectorError, match=r"f\.parquet: event_timestamp holds list<\w+: int64> values"):
        read_ga4(tmp_path / "f.parquet")


def test_event_params_of_the_wrong_shape(tmp_path):
    pq.write_table(
        pa.table(
            {"event_timestamp": [T0], "event_name": ["a"], "user_pseudo_id": ["u"], "event_params": ["x=1"]}
        ),
        tmp_path / "e.parquet",
    )
    with pytest.raises(
        ConnectorError, match=r"e\.parquet: event_params is string, not the GA4 repeated record"
    ):
        read_ga4(tmp_path / "e.parquet", params=("x",))
    path = tmp_path / "e.jsonl"
    row = {"event_timestamp": str(T0), "event_name": "a", "user_pseudo_id": "u", "event_params": "x=1"}
    path.write_text(json.dumps(row) + "\n")
    with pytest.raises(ConnectorError, match=r"cannot read .*e\.jsonl as a GA4 NDJSON export"):
        read_ga4(path, params=("x",))


def test_a_param_value_that_does_not_fit_its_type(tmp_path):
    rows = [event("u1", "a", T0, params={"value": 10}), event("u1", "b", T0 + 1, params={"value": "ten"})]
    path = write_ndjson(tmp_path / "e.jsonl", rows)
    with pytest.raises(ConnectorError) as info:
        read_ga4(path, params={"value": "double"})
    assert str(info.value).startswith(f"{path}, line 2: the event_params key 'value' has the value 'ten'")
    assert "params={'value': 'string'}" in str(info.value)
    rows[1] = event("u1", "b", T0 + 1, params={"value": 10.5})
    path = write_parquet(tmp_path / "e.parquet", rows)
    with pytest.raises(
        ConnectorError, match=r"row 2: .* 'value' has the value 10\.5.*params=\{'value': 'double'\}"
    ):
        read_ga4(path, params={"value": "int"})


def test_sources_that_are_not_there(tmp_path):
    with pytest.raises(ConnectorError, match=r"file not found: .*nowhere\.parquet"):
        read_ga4(tmp_path / "nowhere.parquet")
    with pytest.raises(ConnectorError, match=r"no GA4 export files in the folder"):
        read_ga4(tmp_path)
    with pytest.raises(ConnectorError, match=r"no files match .*events_\*\.parquet"):
        read_ga4(str(tmp_path / "events_*.parquet"))
    with pytest.raises(ConnectorError, match=r"reads local files, not gs://bucket/export.*gsutil"):
        read_ga4("gs://bucket/export/")
    with pytest.raises(ConnectorError, match=r"reads a path .* got a builtins\.dict"):
        read_ga4({"events": []})


def test_a_parquet_name_on_something_else(tmp_path):
    path = tmp_path / "events_20240101.parquet"
    path.write_text("event_name,user_pseudo_id\n")
    with pytest.raises(
        ConnectorError, match=r"events_20240101\.parquet is not a Parquet file \(it starts with b'even'\)"
    ):
        read_ga4(path)


def test_a_corrupted_gzip_file(tmp_path):
    path = tmp_path / "events_20240101.jsonl.gz"
    data = gzip.compress(("\n".join(json.dumps(event("u1", "a", T0 + i)) for i in range(50)) + "\n").encode())
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ConnectorError, match=r"is gzip-compressed but cannot be decompressed"):
        read_ga4(path)


def test_options_are_checked(tmp_path):
    path = write_ndjson(tmp_path / "e.jsonl", [event("u1", "a", T0)])
    with pytest.raises(
        ConnectorError, match=r"does not take 'delimiter'; its options: params, user_properties, level"
    ):
        Ga4Connector().scan(path, delimiter=";")
    with pytest.raises(
        ConnectorError, match=r"does not take delimiter=; its options: params=, user_properties=, level="
    ):
        jm.read_events(path, connector="ga4", delimiter=";", **MAPPING)
    with pytest.raises(ConnectorError, match=r"level='visit' is not one of 'user', 'session'"):
        read_ga4(path, level="visit")
    with pytest.raises(ConnectorError, match=r"params=\{'value': 'float'\}: the type must be one of"):
        read_ga4(path, params={"value": "float"})
    with pytest.raises(ConnectorError, match=r"params=: 3 is not a key \(a non-empty string\)"):
        read_ga4(path, params=[3])
    with pytest.raises(ConnectorError, match=r"user_properties=: got 3"):
        read_ga4(path, user_properties=3)
