"""Reading GA4 exports: columns, values, params, session level, order, files, nulls."""

from __future__ import annotations

import warnings
from datetime import datetime, timezone

import pyarrow as pa
import pytest
from ga4_export import T0, event, write, write_ndjson, write_parquet
from journeymine_ga4 import Ga4Connector, read_ga4
from journeymine_ga4 import reader as ga4_reader
from journeymine_ga4.reader import FIXED_COLUMNS

import journeymine as jm

FORMATS = ["events_20240101.parquet", "events_20240101.jsonl", "events_20240101.ndjson.gz"]
MAPPING = {"case": "user_pseudo_id", "activity": "event_name", "timestamp": "event_time"}
SECOND = 1_000_000


def at(micros: int) -> datetime:
    return datetime.fromtimestamp(micros / 1e6, tz=timezone.utc)


@pytest.fixture(params=FORMATS, ids=["parquet", "ndjson", "ndjson.gz"])
def filename(request):
    return request.param


def test_flat_columns_and_values(tmp_path, filename):
    rows = [
        event("u1.1", "session_start", T0, session=11, user_id="customer-7", category="mobile"),
        event("u1.1", "page_view", T0 + SECOND, session=11, country="Österreich", medium="cpc"),
        event("u2.2", "page_view", T0 + 2 * SECOND, platform="ANDROID", batch_event_index=3),
    ]
    path = write(tmp_path / filename, rows)
    table = read_ga4(path)
    assert tuple(table.column_names) == FIXED_COLUMNS
    assert table.schema.field("event_time").type == pa.timestamp("us", tz="UTC")
    assert table.schema.field("event_timestamp").type == pa.int64()
    got = table.to_pylist()
    assert [r["event_name"] for r in got] == ["session_start", "page_view", "page_view"]
    assert [r["user_pseudo_id"] for r in got] == ["u1.1", "u1.1", "u2.2"]
    assert [r["user_id"] for r in got] == ["customer-7", None, None]
    assert [r["event_timestamp"] for r in got] == [T0, T0 + SECOND, T0 + 2 * SECOND]
    assert [r["event_time"] for r in got] == [at(T0), at(T0 + SECOND), at(T0 + 2 * SECOND)]
    assert [r["event_date"] for r in got] == ["20240101"] * 3
    assert [r["device_category"] for r in got] == ["mobile", "desktop", "desktop"]
    assert got[0]["device_operating_system"] == "Windows"
    assert got[0]["device_operating_system_version"] == "Windows 10"
    assert got[0]["device_browser"] == "Chrome"  # device.web_info.browser
    assert got[0]["device_language"] == "de-de"
    assert [r["geo_country"] for r in got] == ["Germany", "Österreich", "Germany"]
    assert got[0]["geo_city"] == "München" and got[0]["geo_continent"] == "Europe"
    assert [r["traffic_source_medium"] for r in got] == ["organic", "cpc", "organic"]
    assert got[0]["traffic_source_source"] == "google" and got[0]["traffic_source_name"] == "(organic)"
    assert [r["platform"] for r in got] == ["WEB", "WEB", "ANDROID"]
    assert [r["batch_event_index"] for r in got] == [None, None, 3]
    assert got[0]["event_bundle_sequence_id"] == 1 and got[0]["stream_id"] == "1234567890"


def test_read_events_with_the_documented_mapping(tmp_path, filename):
    rows = [
        event("u1", "session_start", T0, category="mobile"),
        event("u1", "page_view", T0 + SECOND, category="mobile"),
        event("u2", "page_view", T0),
        event("u2", "purchase", T0 + 5 * SECOND),
    ]
    path = write(tmp_path / filename, rows)
    log = jm.read_events(path, connector="ga4", channel="device_category", **MAPPING)
    assert (log.n_events, log.n_cases, log.invalid_rows) == (4, 2, 0)
    frame = log.to_frame()
    assert list(frame["activity"]) == ["session_start", "page_view", "page_view", "purchase"]
    assert list(frame["channel"]) == ["mobile", "mobile", "desktop", "desktop"]
    # the same with the integer microseconds
    log = jm.read_events(
        path,
        connector="ga4",
        case="user_pseudo_id",
        activity="event_name",
        timestamp="event_timestamp",
        timestamp_format="epoch_us",
    )
    assert (log.n_events, log.n_cases) == (4, 2)
    # traffic_source and geo are user-level: case attributes
    assert {"traffic_source_medium", "geo_country"} <= set(log.case_attributes)


def test_no_mapping_is_needed_and_the_users_mapping_wins(tmp_path, filename):
    rows = [
        event("u1", "session_start", T0, category="mobile", session=100),
        event("u1", "page_view", T0 + SECOND, category="mobile", session=100),
        event("u1", "page_view", T0 + 3600 * SECOND, category="mobile", session=200),
        event("u2", "purchase", T0 + 5 * SECOND),
    ]
    path = write(tmp_path / filename, rows)
    log = jm.read_events(path, connector="ga4")  # the connector's suggested mapping
    assert (log.schema.case, log.schema.activity, log.schema.timestamp, log.schema.channel) == (
        "user_pseudo_id",
        "event_name",
        "event_time",
        "device_category",
    )
    assert (log.n_events, log.n_cases) == (4, 2)
    sessions = jm.read_events(path, connector="ga4", level="session", on_invalid="quarantine")
    assert sessions.schema.case == "session_id" and (sessions.n_cases, sessions.invalid_rows) == (2, 1)
    mine = jm.read_events(path, connector="ga4", case="user_id", channel="platform", on_invalid="quarantine")
    assert (mine.schema.case, mine.schema.channel, mine.schema.activity) == (
        "user_id",
        "platform",
        "event_name",
    )


def test_a_ga4_export_is_claimed_without_connector(tmp_path, filename):
    path = write(tmp_path / "export" / filename, [event("u1", "page_view", T0)])
    assert jm.read_events(path, **MAPPING).n_events == 1
    assert jm.read_events(path.parent, **MAPPING).n_events == 1
    from journeymine.registry import resolve_connector

    assert resolve_connector(path.parent).name == "ga4"
    other = tmp_path / "plain" / "events.parquet"
    other.parent.mkdir()
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"case": ["a"], "activity": ["x"], "ts": ["2024-01-01"]}), other)
    assert resolve_connector(other).name == "parquet"
    assert resolve_connector(other.parent).name == "parquet"


def test_int64_written_as_text_or_as_numbers(tmp_path):
    rows = [event("u1", "page_view", T0 + i, session=7, params={"n": 5}) for i in range(3)]
    a = read_ga4(write_ndjson(tmp_path / "text.jsonl", rows), params=("n",), level="session")
    b = read_ga4(
        write_ndjson(tmp_path / "numbers.jsonl", rows, ints_as_text=False), params=("n",), level="session"
    )
    c = read_ga4(
        write_ndjson(tmp_path / "nulls.jsonl", rows, drop_nulls=False), params=("n",), level="session"
    )
    assert a.equals(b) and a.equals(c)
    assert a.column("param_n").type == pa.int64()
    assert a.column("session_id").to_pylist() == ["u1:7"] * 3


def test_params_are_typed_from_their_values(tmp_path, filename):
    rows = [
        event(
            "u1", "page_view", T0, session=1, params={"page_location": "https://shop.example/ä", "value": 10}
        ),
        event("u1", "purchase", T0 + 1, session=1, params={"value": 12.5, "session_engaged": "1"}),
        event(
            "u2", "page_view", T0 + 2, session=2, params={"session_engaged": 1, "engagement_time_msec": 40}
        ),
    ]
    path = write(tmp_path / filename, rows)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        table = read_ga4(
            path,
            params=("page_location", "ga_session_id", "value", "session_engaged", "engagement_time_msec"),
        )
    schema = table.schema
    assert schema.field("param_page_location").type == pa.string()
    assert schema.field("param_ga_session_id").type == pa.int64()
    assert schema.field("param_value").type == pa.float64()  # ints and doubles
    assert schema.field("param_session_engaged").type == pa.string()  # text and ints
    assert schema.field("param_engagement_time_msec").type == pa.int64()
    assert table.column("param_page_location").to_pylist() == ["https://shop.example/ä", None, None]
    assert table.column("param_value").to_pylist() == [10.0, 12.5, None]
    assert table.column("param_session_engaged").to_pylist() == [None, "1", "1"]
    assert table.column("param_ga_session_id").to_pylist() == [1, 1, 2]
    assert table.column_names[-5:] == [
        "param_page_location",
        "param_ga_session_id",
        "param_value",
        "param_session_engaged",
        "param_engagement_time_msec",
    ]


def test_param_types_can_be_given(tmp_path, filename):
    rows = [
        event("u1", "a", T0, params={"value": 10, "code": 7, "ratio": "0.5"}),
        event("u1", "b", T0 + 1, params={"value": 11, "code": "x7", "ratio": 2}),
    ]
    path = write(tmp_path / filename, rows)
    table = read_ga4(path, params={"value": "double", "code": "string", "ratio": "double"})
    assert table.column("param_value").to_pylist() == [10.0, 11.0]
    assert table.column("param_code").to_pylist() == ["7", "x7"]
    assert table.column("param_ratio").to_pylist() == [0.5, 2.0]
    assert read_ga4(path, params={"value": "int"}).column("param_value").to_pylist() == [10, 11]


def test_all_params(tmp_path, filename):
    rows = [
        event("u1", "a", T0, params={"zeta": "z", "alpha": 1}),
        event("u1", "b", T0 + 1, params={"mid": 1.5}),
    ]
    table = read_ga4(write(tmp_path / filename, rows), params="all")
    assert table.column_names[len(FIXED_COLUMNS) :] == ["param_alpha", "param_mid", "param_zeta"]
    assert table.column("param_mid").to_pylist() == [None, 1.5]


def test_the_first_value_of_a_repeated_key_wins(tmp_path, filename):
    rows = [
        event("u1", "a", T0, params=[("k", "first"), ("k", "second")]),
        event("u1", "b", T0 + 1, params={"k": "x"}),
    ]
    table = read_ga4(write(tmp_path / filename, rows), params=("k",))
    assert table.column("param_k").to_pylist() == ["first", "x"]


def test_a_param_found_nowhere_is_a_null_column_with_a_warning(tmp_path, filename):
    path = write(tmp_path / filename, [event("u1", "a", T0, params={"page_location": "/"})])
    with pytest.warns(UserWarning, match=r"no event of .* has the event_params key 'page_locaton'"):
        table = read_ga4(path, params=("page_locaton",))
    assert table.column("param_page_locaton").to_pylist() == [None]
    assert table.column("param_page_locaton").type == pa.string()


def test_user_properties(tmp_path, filename):
    rows = [
        event("u1", "a", T0, user_properties={"plan": "premium", "lifetime_value": 120.5}),
        event("u1", "b", T0 + 1, user_properties={"plan": "premium", "lifetime_value": 130}),
        event("u2", "a", T0 + 2),
    ]
    table = read_ga4(
        write(tmp_path / filename, rows), user_properties=("plan", "lifetime_value"), params="all"
    )
    assert table.column("user_property_plan").to_pylist() == ["premium", "premium", None]
    assert table.column("user_property_lifetime_value").to_pylist() == [120.5, 130.0, None]
    assert table.column_names[-2:] == ["user_property_plan", "user_property_lifetime_value"]


def test_session_level(tmp_path, filename):
    rows = [
        event("u1", "session_start", T0, session=100),
        event("u1", "page_view", T0 + SECOND, session=100),
        event("u1", "session_start", T0 + 3600 * SECOND, session=200),
        event("u2", "page_view", T0, session=100),
        event("u2", "user_engagement", T0 + SECOND),  # no ga_session_id
        event("", "page_view", T0 + SECOND, session=100),  # blank user_pseudo_id
    ]
    path = write(tmp_path / filename, rows)
    table = read_ga4(path, level="session")
    assert table.column_names[:3] == ["user_pseudo_id", "user_id", "session_id"]
    assert table.column("session_id").to_pylist() == ["u1:100", "u1:100", "u1:200", "u2:100", None, None]
    log = jm.read_events(
        path, connector="ga4", level="session", case="session_id", activity="event_name",
        timestamp="event_time", on_invalid="quarantine",
    )  # fmt: skip
    assert (log.n_cases, log.n_events, log.invalid_rows) == (3, 4, 2)
    assert list(log.quarantine["reason"]) == ["empty case id", "empty case id"]
    assert list(log.quarantine["row"]) == [4, 5]
    assert "session_id" not in read_ga4(path).column_names


def test_files_are_read_in_path_order_ties_in_input_order(tmp_path):
    folder = tmp_path / "export"
    # three days, written out of order; the same timestamp in several events of one user
    write_parquet(folder / "events_20240103.parquet", [event("u1", "c1", T0 + 2), event("u1", "c2", T0 + 2)])
    write_ndjson(folder / "events_20240101.jsonl", [event("u1", "a1", T0), event("u1", "a2", T0)])
    write_ndjson(
        folder / "sub" / "events_20240102.json.gz", [event("u1", "b1", T0 + 1), event("u1", "b2", T0)]
    )
    table = read_ga4(folder)
    assert table.column("event_name").to_pylist() == ["a1", "a2", "c1", "c2", "b1", "b2"]  # sorted paths
    log = jm.read_events(folder, connector="ga4", **MAPPING)
    assert list(log.to_frame()["activity"]) == ["a1", "a2", "b2", "b1", "c1", "c2"]  # by time, ties in order
    glob = read_ga4(str(folder / "events_2024010[13].*"))
    assert glob.column("event_name").to_pylist() == ["a1", "a2", "c1", "c2"]
    scan = Ga4Connector().scan(folder)
    assert [p.rsplit("/", 1)[-1] for p in scan.paths] == [
        "events_20240101.jsonl",
        "events_20240103.parquet",
        "events_20240102.json.gz",
    ]


def test_events_are_streamed_in_batches(tmp_path, monkeypatch, filename):
    monkeypatch.setattr(ga4_reader, "BATCH_ROWS", 4)
    monkeypatch.setattr(ga4_reader, "SAMPLE", 4)
    rows = [event(f"u{i % 3}", f"e{i}", T0 + i, session=i % 2, params={"i": i}) for i in range(10)]
    scan = Ga4Connector().scan(write(tmp_path / filename, rows), params=("i",), level="session")
    assert scan.open is not None
    reader = scan.open()
    assert isinstance(reader, pa.RecordBatchReader)
    sizes = [batch.num_rows for batch in reader]
    assert sizes == [4, 4, 2]
    table = scan.open().read_all()  # open() can be called again
    assert table.column("param_i").to_pylist() == list(range(10))
    assert table.column("session_id").to_pylist() == [f"u{i % 3}:{i % 2}" for i in range(10)]


def test_unicode_event_names_and_ids(tmp_path, filename):
    names = ["ページビュー", "köp_klar", "🛒 add_to_cart", 'événement "cité"', "a\tb"]
    rows = [event("用户-1", n, T0 + i) for i, n in enumerate(names)]
    rows.append(event("用户-2", names[0], T0))
    path = write(tmp_path / filename, rows)
    log = jm.read_events(path, connector="ga4", **MAPPING)
    assert list(log.to_frame()["activity"]) == [*names, names[0]]
    variants = jm.discover_variants(log).table
    assert sorted(map(tuple, variants["variant"])) == [(names[0],), tuple(names)]


def test_null_ids_and_times_are_kept_for_the_quarantine(tmp_path, filename):
    rows = [
        event("u1", "page_view", T0),
        event(None, "page_view", T0 + 1),  # consent mode: no user_pseudo_id
        event("u1", None, T0 + 2),
        event("u1", "  ", T0 + 3),
        event("u1", "scroll", None),
        event("u2", "page_view", T0 + 4),
    ]
    path = write(tmp_path / filename, rows)
    table = read_ga4(path)
    assert table.num_rows == 6
    assert table.column("user_pseudo_id").to_pylist() == ["u1", None, "u1", "u1", "u1", "u2"]
    assert table.column("event_time").null_count == 1
    log = jm.read_events(path, connector="ga4", on_invalid="quarantine", **MAPPING)
    assert (log.rows_read, log.n_events, log.invalid_rows) == (6, 2, 4)
    q = log.quarantine
    assert list(zip(q["row"], q["reason"])) == [
        (1, "empty case id"),
        (2, "empty activity"),
        (3, "empty activity"),
        (4, "missing timestamp"),
    ]
    with pytest.raises(jm.InvalidRowsError) as info:
        jm.read_events(path, connector="ga4", **MAPPING)
    assert info.value.counts == {"empty case id": 1, "empty activity": 2, "missing timestamp": 1}


def test_empty_ndjson_files_hold_no_events(tmp_path):
    (tmp_path / "events_20240101.jsonl").write_text("")
    write_ndjson(tmp_path / "events_20240102.jsonl", [event("u1", "a", T0)])
    (tmp_path / "events_20240103.jsonl").write_text("\n\n")
    assert read_ga4(tmp_path).num_rows == 1


def test_a_parquet_file_with_fewer_fields_gives_null_columns(tmp_path):
    minimal = pa.table(
        {
            "event_timestamp": pa.array([T0], pa.int64()),
            "event_name": ["page_view"],
            "user_pseudo_id": ["u1"],
            "device": pa.array([{"category": "tablet"}], pa.struct([("category", pa.string())])),
        }
    )
    import pyarrow.parquet as pq

    pq.write_table(minimal, tmp_path / "events_20240101.parquet")
    row = read_ga4(tmp_path).to_pylist()[0]
    assert row["device_category"] == "tablet"
    assert row["device_browser"] is None and row["geo_country"] is None and row["platform"] is None
