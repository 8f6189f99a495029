"""Golden tests: every engine gives the same results on the same logs.

The Spark engine runs in local mode. These tests skip only where no Java runtime exists (the
README's test command installs one); without pyspark they fail, since the test extra installs it.
"""

from __future__ import annotations

import gzip
import json
import os
import random
from datetime import datetime, timedelta, timezone

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import journeymine as jm

pytestmark = pytest.mark.spark


def messy_frame(seed: int = 11, cases: int = 60) -> pd.DataFrame:
    """Events with ties, unicode, every kind of invalid row, and case attributes."""
    rnd = random.Random(seed)
    acts = ["Ad seen", "Visit", "Call ☎", "Offer 'gold'", 'Quote "x"', "Sign, done", "Zahlung→ok"]
    start = datetime(2025, 1, 1, tzinfo=timezone.utc)
    rows = []
    for i in range(cases):
        t = start + timedelta(days=rnd.randrange(300), minutes=rnd.randrange(1440))
        tier = rnd.choice(["gold", "silver", None])
        amount = rnd.choice([None, str(rnd.randrange(1000, 900000))])
        for _ in range(rnd.randrange(1, 9)):
            t += timedelta(minutes=rnd.choice([0, 0, 1, 5, 60, 600]))
            rows.append(
                {
                    "customer": f"c{i:03d}",
                    "touchpoint": rnd.choice(acts),
                    "ts": t.isoformat(),
                    "channel": rnd.choice(["web", "app", "phone"]),
                    "tier": tier,
                    "amount": amount,
                }
            )
    rnd.shuffle(rows)
    frame = pd.DataFrame(rows)
    for i, (column, value) in enumerate(
        [
            ("customer", ""),
            ("customer", "   "),
            ("touchpoint", None),
            ("ts", "not a time"),
            ("ts", None),
            ("touchpoint", ""),
        ]
    ):
        frame.loc[7 * i + 3, column] = value
    return frame


MAP = {"case": "customer", "activity": "touchpoint", "timestamp": "ts", "channel": "channel"}


def results(log: jm.EventLog, by=None, bins=None, *, full=False) -> dict[str, pd.DataFrame]:
    """What the engines must agree on. ``full`` adds the top variants and every case attribute
    (each one more Spark job or two: kept for a few tests, to keep the Spark part quick)."""
    dfg = jm.discover_dfg(log, by=by, bins=bins)
    out = {
        "edges": dfg.edges,
        "start": dfg.start,
        "end": dfg.end,
        "activities": dfg.activities,
        "variants": jm.discover_variants(log, by=by, bins=bins).table,
        "cases": log.cases(by=by, bins=bins, attributes=[] if not full else None),
        "stats": pd.DataFrame([vars(log.stats)]),
        "quarantine": log.quarantine[["row", "line", "reason", "column", "value"]],
    }
    if full:
        out["top"] = jm.discover_variants(log, by=by, bins=bins, top=2).table
        out["attributes"] = pd.DataFrame({"column": log.case_attributes})
    return out


def assert_same(left: dict, right: dict) -> None:
    for key in left:
        a, b = left[key].reset_index(drop=True), right[key].reset_index(drop=True)
        try:
            pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-9, atol=1e-9)
        except AssertionError as exc:
            raise AssertionError(f"{key} differs between engines:\n{exc}") from None


def both(source, spark, **kw) -> tuple[jm.EventLog, jm.EventLog]:
    return jm.read_events(source, **kw), jm.read_events(source, engine=spark, **kw)


@pytest.fixture(scope="module")
def demo_logs(spark, demo_frame):
    frame = demo_frame[demo_frame["customer_id"] <= "C00400"]
    return both(frame, spark, **jm.datasets.DEMO_COLUMNS)


def test_demo_journey_in_full(demo_logs):
    duck, sparkl = demo_logs
    assert_same(results(duck, "segment", full=True), results(sparkl, "segment", full=True))


@pytest.mark.parametrize(
    ("by", "bins"), [("loan_amount", 4), ("loan_amount", [0, 2e5, 4e5]), ("cohort:week", None)]
)
def test_demo_journey_segments(demo_logs, by, bins):
    duck, sparkl = demo_logs
    assert_same(results(duck, by, bins), results(sparkl, by, bins))


def test_messy_log_with_ties_and_invalid_rows(spark):
    frame = messy_frame()
    duck, sparkl = both(frame, spark, on_invalid="quarantine", **MAP)
    assert duck.invalid_rows == 6
    assert_same(results(duck, "tier", full=True), results(sparkl, "tier", full=True))


def test_messy_log_raises_the_same_error(spark):
    frame = messy_frame()
    with pytest.raises(jm.InvalidRowsError) as duck:
        jm.read_events(frame, **MAP)
    with pytest.raises(jm.InvalidRowsError) as sparkl:
        jm.read_events(frame, engine=spark, **MAP)
    assert str(duck.value) == str(sparkl.value)


def channel_results(log: jm.EventLog, by=None, bins=None) -> dict[str, pd.DataFrame]:
    """What the process map and the variant view read besides edges: channels, rarest edges."""
    dfg = jm.discover_dfg(log, by=by, bins=bins)
    variants = jm.discover_variants(log, by=by, bins=bins, top=1)
    return {"channels": dfg.channels, "rarest": dfg.rarest, "variant channels": variants.channels}


def test_channels_and_rarest_edges_are_the_same_on_every_engine(spark, demo_logs):
    frame = messy_frame()
    frame.loc[[1, 5, 9], "channel"] = ["", "  ", None]  # blank or missing: no channel
    duck, sparkl = both(frame, spark, on_invalid="quarantine", **MAP)
    for by, bins in [(None, None), ("tier", None), ("amount", 3)]:
        assert_same(channel_results(duck, by, bins), channel_results(sparkl, by, bins))
    got = channel_results(duck, "tier")
    assert got["channels"]["channel"].isna().any()
    assert int(got["channels"]["events"].sum()) == duck.n_events
    assert_same(channel_results(*demo_logs[:1], "segment"), channel_results(demo_logs[1], "segment"))
    # without a channel column: empty, with the same columns and types on both engines
    plain = {k: v for k, v in MAP.items() if k != "channel"}
    duck, sparkl = both(frame, spark, on_invalid="quarantine", **plain)
    assert_same(channel_results(duck, "tier"), channel_results(sparkl, "tier"))
    assert channel_results(duck)["channels"].empty


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("golden")
    frame = messy_frame(seed=5, cases=80)
    frame.to_csv(folder / "messy.csv", index=False)
    lines = (folder / "messy.csv").read_text().splitlines()
    lines.insert(9, "c999,too,many,fields,here,x,y,z")  # a malformed line
    (folder / "messy.csv").write_text("\n".join(lines) + "\n")
    parts = folder / "parts"
    parts.mkdir()
    table = pa.Table.from_pandas(frame, preserve_index=False)
    pq.write_table(table.slice(0, 150), parts / "part-0.parquet")
    pq.write_table(table.slice(150), parts / "part-1.parquet")
    sepsis_like = pd.DataFrame(
        {
            "Case ID": ["A", "A", "B", "B", "NA", "NA"],
            "Activity": ["ER Registration", "CRP", "ER Registration", "Leucocytes", "CRP", "CRP"],
            "Complete Timestamp": [
                "2014/10/22 11:15:41.000",
                "2014/10/22 11:27:00.000",
                "2014/11/01 09:00:00.000",
                "2014/11/01 09:00:00.000",
                "2014/12/01 10:00:00.000",
                "2014/12/01 08:00:00.000",
            ],
            "Age": ["85", "", "45", "", "70", ""],
        }
    )
    sepsis_like.to_csv(folder / "sepsis_like.csv", sep=";", index=False)
    clicks = pd.DataFrame(
        {
            "user": [1, 1, 1, 2, 2, 3],
            "step": [2, 0, 1, 1, 0, 0],
            "page": ["news", "frontpage", "tech", "sports", "news", "weather"],
        }
    )
    clicks.to_csv(folder / "clicks.csv.gz", index=False, compression="gzip")
    # gzip: as named, and named otherwise (the connector goes by the first bytes, Spark by the name)
    text = (folder / "messy.csv").read_bytes()
    (folder / "messy.csv.gz").write_bytes(gzip.compress(text))
    (folder / "gzip-inside.csv").write_bytes(gzip.compress(text))
    (folder / "plain-inside.csv.gz").write_bytes(text)
    return folder


def test_csv_with_a_malformed_line(spark, files):
    duck, sparkl = both(files / "messy.csv", spark, on_invalid="quarantine", **MAP)
    assert "malformed line" in set(duck.quarantine["reason"])
    assert_same(results(duck, "amount", 3, full=True), results(sparkl, "amount", 3, full=True))


def test_parquet_folder(spark, files):
    duck, sparkl = both(files / "parts", spark, on_invalid="quarantine", **MAP)
    assert_same(results(duck, "tier"), results(sparkl, "tier"))


def test_non_iso_text_timestamps_and_first_event_attributes(spark, files):
    kw = {"case": "Case ID", "activity": "Activity", "timestamp": "Complete Timestamp"}
    duck, sparkl = both(files / "sepsis_like.csv", spark, **kw)
    assert duck.n_cases == 3  # "NA" is a case
    assert_same(results(duck, "Age", [0, 50, 100]), results(sparkl, "Age", [0, 50, 100]))


def test_order_only_clickstream(spark, files):
    duck, sparkl = both(files / "clicks.csv.gz", spark, case="user", activity="page", order="step")
    assert_same(results(duck), results(sparkl))


def test_gzipped_csv(spark, files):
    duck, sparkl = both(files / "messy.csv.gz", spark, on_invalid="quarantine", **MAP)
    plain = jm.read_events(files / "messy.csv", on_invalid="quarantine", **MAP)
    assert "malformed line" in set(duck.quarantine["reason"])
    assert_same(results(duck, "tier", full=True), results(sparkl, "tier", full=True))
    assert_same(results(plain, "tier"), results(sparkl, "tier"))


@pytest.mark.parametrize("name", ["gzip-inside.csv", "plain-inside.csv.gz"])
def test_csv_whose_name_belies_its_compression(spark, files, name, tmp_path, monkeypatch):
    """Spark decompresses by the name; it reads a link named after the content instead."""
    import gc
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    duck, sparkl = both(files / name, spark, on_invalid="quarantine", **MAP)
    assert_same(results(duck, "tier"), results(sparkl, "tier"))
    assert [p.name.startswith("journeymine-csv-") for p in tmp_path.iterdir()] == [True]
    del sparkl
    gc.collect()
    assert list(tmp_path.iterdir()) == []  # the link goes with the log


def test_csv_whose_name_belies_its_compression_off_local_mode(spark, files, monkeypatch):
    monkeypatch.setattr(spark, "_local", lambda: False)
    with pytest.raises(jm.ConnectorError) as raised:
        jm.read_events(files / "gzip-inside.csv", engine=spark, on_invalid="quarantine", **MAP)
    assert str(raised.value) == (
        f"{files / 'gzip-inside.csv'} is gzip-compressed but its name does not end in .gz; Spark "
        "decompresses a file by its name alone, and its executors cannot read a renamed link on "
        "the driver: add .gz to its name, or read it with the duckdb engine"
    )


def test_spark_dataframe_source(spark, demo_frame):
    frame = demo_frame[demo_frame["customer_id"] <= "C00100"]
    sdf = spark.session.createDataFrame(pa.Table.from_pandas(frame, preserve_index=False))
    log = jm.read_events(sdf, engine=spark, **jm.datasets.DEMO_COLUMNS)
    duck = jm.read_events(frame, **jm.datasets.DEMO_COLUMNS)
    assert log.source == "Spark DataFrame"
    left, right = results(duck, "segment"), results(log, "segment")
    for key in ("edges", "variants", "cases", "activities"):  # no ties in the demo data
        pd.testing.assert_frame_equal(left[key], right[key], check_exact=False, rtol=1e-9)


def test_a_spark_dataframe_needs_the_spark_engine(spark):
    sdf = spark.session.createDataFrame([("a", "x", "2025-01-01")], "c string, a string, t string")
    with pytest.raises(jm.EngineError, match="cannot read a scan of kind 'spark'"):
        jm.read_events(sdf, case="c", activity="a", timestamp="t")


def test_oversized_cases_are_refused_or_set_aside(spark):
    from journeymine.engines.spark import SparkEngine

    small = SparkEngine(session=spark.session, max_case_events=3)
    frame = pd.DataFrame(
        {"c": ["bot"] * 5 + ["u"] * 2, "a": list("abcdeab"), "t": [f"2025-01-01 10:0{i}" for i in range(7)]}
    )
    with pytest.raises(jm.SchemaError, match=r"1 case have more than 3 events \('bot' \(5 events\)\)"):
        jm.read_events(frame, case="c", activity="a", timestamp="t", engine=small)
    log = jm.read_events(frame, case="c", activity="a", timestamp="t", engine=small, on_invalid="quarantine")
    assert (log.n_cases, log.invalid_rows, log.rows_read) == (1, 5, 7)
    assert set(log.quarantine["reason"]) == {"case over the event limit"}


def test_the_cli_prints_the_same_json_on_spark(spark, files, capsys):
    from journeymine.cli import main

    args = [
        "mine",
        str(files / "parts"),
        "--case",
        "customer",
        "--activity",
        "touchpoint",
        "--timestamp",
        "ts",
        "--by",
        "tier",
        "--on-invalid",
        "quarantine",
        "--format",
        "json",
        "--quiet",
    ]
    assert main(args) == 0
    duck = capsys.readouterr().out
    assert main([*args, "--engine", "spark"]) == 0
    assert capsys.readouterr().out == duck
    assert json.loads(duck)["invalid_rows"] == 6


CONNECT = """
import os, warnings
warnings.simplefilter("ignore")
import pandas as pd
import journeymine as jm
frame = jm.datasets.load_demo()
frame = frame[frame["customer_id"] <= "C00150"]
spark = jm.read_events(frame, engine="spark", **jm.datasets.DEMO_COLUMNS)  # SPARK_REMOTE decides
duck = jm.read_events(frame, **jm.datasets.DEMO_COLUMNS)
session = spark.engine.session
assert type(session).__module__.startswith("pyspark.sql.connect"), type(session)
for left, right in [(jm.discover_dfg(duck, by="segment").edges, jm.discover_dfg(spark, by="segment").edges),
                    (jm.discover_variants(duck).table, jm.discover_variants(spark).table),
                    (duck.cases(), spark.cases())]:
    pd.testing.assert_frame_equal(left, right, check_exact=False, rtol=1e-9)
print("EQUAL OVER SPARK CONNECT")
"""


def test_spark_connect_remote_from_the_environment(java):
    """A Spark Connect session (a local Connect server), chosen by $SPARK_REMOTE alone."""
    pytest.importorskip("grpc", reason="Spark Connect needs pyspark[connect] (grpcio)")
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("JOURNEYMINE_")}
    env.update(SPARK_REMOTE="local[2]", PYTHONWARNINGS="ignore")
    result = subprocess.run(
        [sys.executable, "-c", CONNECT], capture_output=True, text=True, env=env, timeout=600
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().endswith("EQUAL OVER SPARK CONNECT")
