"""Reading events from every built-in source, and the errors bad input gets."""

from __future__ import annotations

import gzip
import sqlite3
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import journeymine as jm
from journeymine.errors import ConnectorError, InvalidRowsError, PluginError, SchemaError

ROWS = [
    ("c1", "Ad seen", "2025-01-01T10:00:00+01:00", "social"),
    ("c1", "Website visit", "2025-01-01T10:05:00+01:00", "web"),
    ("c2", "Website visit", "2025-01-02T09:00:00+01:00", "web"),
    ("c1", "Call", "2025-01-03T08:00:00+01:00", "phone"),
    ("c2", "Call", "2025-01-02T09:30:00+01:00", "phone"),
]
COLUMNS = ["customer", "touchpoint", "ts", "channel"]
MAP = {"case": "customer", "activity": "touchpoint", "timestamp": "ts", "channel": "channel"}
EXPECTED_EDGES = {("Ad seen", "Website visit"): 1, ("Website visit", "Call"): 2}


def write_csv(path: Path, rows=ROWS, columns=COLUMNS, sep=",") -> Path:
    lines = [sep.join(columns)] + [sep.join(r) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def check(log, invalid=0):
    assert (log.n_events, log.n_cases, log.invalid_rows) == (5, 2, invalid)
    dfg = jm.discover_dfg(log)
    assert {(r.source, r.target): r.count for r in dfg.edges.itertuples()} == EXPECTED_EDGES


@pytest.mark.parametrize("sep", [",", ";", "\t", "|"])
def test_csv_delimiter_is_sniffed(tmp_path, sep):
    check(jm.read_events(write_csv(tmp_path / "e.csv", sep=sep), **MAP))


def test_csv_delimiter_can_be_given(tmp_path):
    path = write_csv(tmp_path / "e.txt", sep=";")
    check(jm.read_events(path, delimiter=";", **MAP))


def test_csv_gz_and_gzip_without_the_name(tmp_path):
    plain = write_csv(tmp_path / "e.csv").read_bytes()
    (tmp_path / "e.csv.gz").write_bytes(gzip.compress(plain))
    check(jm.read_events(tmp_path / "e.csv.gz", **MAP))
    (tmp_path / "secret.csv").write_bytes(gzip.compress(plain))
    check(jm.read_events(tmp_path / "secret.csv", **MAP))


def test_csv_quoted_fields_and_unicode(tmp_path):
    path = tmp_path / "e.csv"
    path.write_text(
        'customer,touchpoint,ts\n"c,1","Offer ""gold"" ✓",2025-01-01 10:00\n'
        '"c,1",Zahlung→ok,2025-01-01 11:00\n',
        encoding="utf-8",
    )
    log = jm.read_events(path, case="customer", activity="touchpoint", timestamp="ts")
    assert jm.discover_variants(log).table["variant"].item() == ('Offer "gold" ✓', "Zahlung→ok")
    assert log.cases()["case"].item() == "c,1"


def test_xes_style_csv_needs_no_flags(tmp_path):
    path = write_csv(
        tmp_path / "e.csv", columns=["case:concept:name", "concept:name", "time:timestamp", "channel"]
    )
    check(jm.read_events(path, channel="channel"))


def test_parquet_file_folder_and_glob(tmp_path):
    table = pa.table(dict(zip(COLUMNS, zip(*ROWS))))
    pq.write_table(table, tmp_path / "one.parquet")
    check(jm.read_events(tmp_path / "one.parquet", **MAP))
    folder = tmp_path / "parts"
    folder.mkdir()
    pq.write_table(table.slice(0, 2), folder / "part-0.parquet")
    pq.write_table(table.slice(2), folder / "part-1.parquet")
    check(jm.read_events(folder, **MAP))
    check(jm.read_events(str(folder / "part-*.parquet"), **MAP))


def test_parquet_rows_keep_input_order_across_files_for_ties(tmp_path):
    folder = tmp_path / "parts"
    folder.mkdir()
    ts = "2025-01-01 10:00:00"
    pq.write_table(pa.table({"c": ["a"], "x": ["first"], "t": [ts]}), folder / "part-0.parquet")
    pq.write_table(pa.table({"c": ["a"], "x": ["second"], "t": [ts]}), folder / "part-1.parquet")
    log = jm.read_events(folder, case="c", activity="x", timestamp="t")
    assert jm.discover_variants(log).table["variant"].item() == ("first", "second")


def test_parquet_typed_timestamps(tmp_path):
    table = pa.table(
        {
            "c": ["a", "a"],
            "x": ["X", "Y"],
            "t": pa.array([0, 90_000_000], pa.timestamp("us", tz="Europe/Amsterdam")),
        }
    )
    pq.write_table(table, tmp_path / "t.parquet")
    log = jm.read_events(tmp_path / "t.parquet", case="c", activity="x", timestamp="t")
    assert log.timezone == "UTC"
    assert jm.discover_dfg(log).edges["median_s"].item() == 90.0


def test_dataframe_input_is_untouched():
    df = pd.DataFrame(ROWS, columns=COLUMNS)
    before = df.copy(deep=True)
    check(jm.read_events(df, **MAP))
    pd.testing.assert_frame_equal(df, before)


def test_arrow_table_input():
    check(jm.read_events(pa.table(dict(zip(COLUMNS, zip(*ROWS)))), **MAP))


def test_sqlite_table_and_query(tmp_path):
    db = tmp_path / "crm.db"
    with sqlite3.connect(db) as con:
        pd.DataFrame(ROWS, columns=COLUMNS).to_sql("events", con, index=False)
    check(jm.read_events(f"sqlite:///{db}", table="events", **MAP))
    log = jm.read_events(f"sqlite:///{db}", query="SELECT * FROM events WHERE customer = 'c2'", **MAP)
    assert log.n_cases == 1
    with pytest.raises(ConnectorError, match="no table 'evnts'.*tables: events"):
        jm.read_events(f"sqlite:///{db}", table="evnts", **MAP)
    with pytest.raises(ConnectorError, match="needs table=... or query="):
        jm.read_events(f"sqlite:///{db}", **MAP)
    with pytest.raises(ConnectorError, match="SQLite database not found"):
        jm.read_events(f"sqlite:///{tmp_path / 'nope.db'}", table="events", **MAP)


def test_duckdb_file_through_sqlalchemy(tmp_path):
    pytest.importorskip("duckdb_engine")
    import duckdb

    db = tmp_path / "lake.duckdb"
    frame = pd.DataFrame(ROWS, columns=COLUMNS)
    with duckdb.connect(str(db)) as con:
        con.register("frame_view", frame)
        con.execute("CREATE TABLE events AS SELECT * FROM frame_view")
    check(jm.read_events(f"duckdb:///{db}", table="events", **MAP))


# -- bad input -------------------------------------------------------------------------------


def test_missing_column_names_the_file_and_suggests(tmp_path):
    path = write_csv(tmp_path / "e.csv")
    with pytest.raises(SchemaError) as err:
        jm.read_events(path, case="customer", activity="touchpont", timestamp="ts")
    message = str(err.value)
    assert "column 'touchpont' not found" in message and str(path) in message
    assert "did you mean 'touchpoint'" in message and "pass activity=" in message


def test_no_timestamp_and_no_order(tmp_path):
    with pytest.raises(SchemaError, match="no timestamp column.*order="):
        jm.read_events(write_csv(tmp_path / "e.csv"), case="customer", activity="touchpoint")


def test_empty_file(tmp_path):
    (tmp_path / "e.csv").write_bytes(b"")
    with pytest.raises(ConnectorError, match="is empty"):
        jm.read_events(tmp_path / "e.csv", **MAP)


def test_header_only(tmp_path):
    (tmp_path / "e.csv").write_text("customer,touchpoint,ts,channel\n")
    with pytest.raises(ConnectorError, match="header but no events"):
        jm.read_events(tmp_path / "e.csv", **MAP)


def test_file_that_is_not_what_its_name_says(tmp_path):
    pq.write_table(pa.table({"a": [1]}), tmp_path / "fake.csv")
    with pytest.raises(ConnectorError, match="not a CSV file: it is a Parquet file"):
        jm.read_events(tmp_path / "fake.csv", **MAP)
    write_csv(tmp_path / "fake.parquet")
    with pytest.raises(ConnectorError, match="not a Parquet file.*connector='csv'"):
        jm.read_events(tmp_path / "fake.parquet", **MAP)
    check(jm.read_events(tmp_path / "fake.parquet", connector="csv", **MAP))


def test_unknown_source_and_connector(tmp_path):
    (tmp_path / "e.xlsx").write_bytes(b"PK\x03\x04")
    with pytest.raises(ConnectorError, match=r"no connector knows how to read .*e\.xlsx.*connector="):
        jm.read_events(tmp_path / "e.xlsx", **MAP)
    with pytest.raises(PluginError, match="unknown connector 'excel'; known connectors: csv"):
        jm.read_events(tmp_path / "e.xlsx", connector="excel", **MAP)
    with pytest.raises(ConnectorError, match="file not found"):
        jm.read_events(tmp_path / "missing.csv", **MAP)


def test_unknown_connector_option(tmp_path):
    with pytest.raises(ConnectorError, match="does not take sheet=.*delimiter=, encoding="):
        jm.read_events(write_csv(tmp_path / "e.csv"), sheet=1, **MAP)


def test_invalid_rows_raise_with_lines_and_examples(tmp_path):
    rows = [
        *ROWS,
        ("", "Call", "2025-01-04T08:00:00+01:00", "phone"),
        ("c3", "Call", "yesterday", "phone"),
        ("c3", "", "2025-01-04T08:00:00+01:00", ""),
    ]
    path = write_csv(tmp_path / "e.csv", rows=rows)
    with pytest.raises(InvalidRowsError) as err:
        jm.read_events(path, **MAP)
    message = str(err.value)
    assert "3 rows cannot be used" in message
    assert "line 7: empty case id in column 'customer'" in message
    assert "line 8: unparseable timestamp in column 'ts' (value 'yesterday')" in message
    assert "line 9: empty activity" in message
    assert "on_invalid='quarantine'" in message
    assert err.value.counts == {"empty case id": 1, "unparseable timestamp": 1, "empty activity": 1}


def test_quarantine_sets_rows_aside_and_counts_them(tmp_path):
    rows = [*ROWS, ("", "Call", "2025-01-04T08:00:00+01:00", "phone"), ("c3", "Call", "", "phone")]
    path = write_csv(tmp_path / "e.csv", rows=rows)
    log = jm.read_events(path, on_invalid="quarantine", **MAP)
    check(log, invalid=2)  # the valid rows mine as before
    assert (log.rows_read, log.invalid_rows) == (7, 2)
    q = log.quarantine
    assert q[["row", "line", "reason", "column"]].to_dict("records") == [
        {"row": 5, "line": 7, "reason": "empty case id", "column": "customer"},
        {"row": 6, "line": 8, "reason": "missing timestamp", "column": "ts"},
    ]
    assert q["touchpoint"].tolist() == ["Call", "Call"]


def test_malformed_lines_are_quarantined_with_their_line(tmp_path):
    path = tmp_path / "e.csv"
    lines = ["customer,touchpoint,ts"] + [",".join(r[:3]) for r in ROWS]
    lines.insert(3, "c9,too,many,fields,here")
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(InvalidRowsError, match="line 4: malformed line"):
        jm.read_events(path, case="customer", activity="touchpoint", timestamp="ts")
    log = jm.read_events(
        path, case="customer", activity="touchpoint", timestamp="ts", on_invalid="quarantine"
    )
    assert (log.rows_read, log.n_events, log.invalid_rows) == (6, 5, 1)
    assert log.quarantine[["line", "reason", "value"]].to_dict("records") == [
        {"line": 4, "reason": "malformed line", "value": "c9,too,many,fields,here"}
    ]


def test_na_values_option(tmp_path):
    rows = [
        ("NA", "X", "2025-01-01 10:00"),
        ("NA", "Y", "2025-01-01 11:00"),
        ("n/a", "X", "2025-01-01 10:00"),
    ]
    path = write_csv(tmp_path / "e.csv", rows=rows, columns=["c", "a", "t"])
    log = jm.read_events(path, case="c", activity="a", timestamp="t")
    assert log.n_cases == 2  # "NA" is a valid case id unless said otherwise
    log = jm.read_events(
        path, case="c", activity="a", timestamp="t", na_values=["NA", "n/a"], on_invalid="quarantine"
    )
    assert (log.n_events, log.invalid_rows) == (0, 3)


def test_on_invalid_must_be_known(tmp_path):
    with pytest.raises(jm.ArgumentError, match="on_invalid= takes .raise. or .quarantine., not .drop."):
        jm.read_events(write_csv(tmp_path / "e.csv"), on_invalid="drop", **MAP)


@pytest.mark.parametrize("engine", ["duckdb", pytest.param("spark", marks=pytest.mark.spark)])
def test_rows_set_aside_are_counted_per_reason_by_the_engine(tmp_path, engine, request):
    if engine == "spark":
        engine = request.getfixturevalue("spark")
    path = tmp_path / "messy.csv"
    path.write_text(
        "customer,touchpoint,ts,channel\n"
        "c1,Visit,2025-01-01T10:00:00,web\n"
        ",Call,2025-01-01T11:00:00,phone\n"
        "c2,,2025-01-01T12:00:00,web\n"
        "c3,Visit,not a time,web\n"
        ",Visit,2025-01-02T10:00:00,web\n"
        "c1,Buy,2025-01-01T13:00:00,web\n",
        encoding="utf-8",
    )
    log = jm.read_events(path, on_invalid="quarantine", engine=engine, **MAP)
    reasons = dict(log.stats.invalid_reasons)
    assert reasons == log.quarantine["reason"].value_counts().to_dict()
    assert sum(reasons.values()) == log.invalid_rows == 4
    assert log.stats.invalid_reasons[0] == ("empty case id", 2)  # most frequent first
