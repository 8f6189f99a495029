"""The DuckDB engine's own promises: settings, cleanup, and both ordering paths agreeing."""

from __future__ import annotations

import gc

import pandas as pd
import pytest

import journeymine as jm
from journeymine.engines.duckdb import DuckDBEngine

FRAME = pd.DataFrame(
    {
        "c": ["a", "a", "a", "b", "b"],
        "x": ["Visit", "Call", "Visit", "Call", "Visit"],
        "t": [
            "2025-01-01 10:00",
            "2025-01-01 10:00",
            "2025-01-01 11:00",
            "2025-01-02 09:00",
            "2025-01-02 08:00",
        ],
        "seg": ["s", "s", "s", "t", "t"],
    }
)


def objects(engine: DuckDBEngine) -> int:
    engine._collect()
    tables = engine.connection.sql("SELECT count(*) FROM duckdb_tables()").fetchall()[0][0]
    views = engine.connection.sql("SELECT count(*) FROM duckdb_views() WHERE NOT internal").fetchall()[0][0]
    return int(tables) + int(views)


def test_settings_are_applied_and_kept_as_given(tmp_path):
    engine = DuckDBEngine(memory_limit="512MB", threads=1, temp_directory=str(tmp_path))
    assert (engine.memory_limit, engine.threads) == ("512MB", 1)  # stored as given, work later
    log = jm.read_events(FRAME, case="c", activity="x", timestamp="t", engine=engine)
    settings = dict(
        engine.connection.sql(
            "SELECT name, value FROM duckdb_settings() WHERE name IN ('threads', 'memory_limit')"
        ).fetchall()
    )
    assert settings["threads"] == "1" and settings["memory_limit"].startswith("488")  # MiB
    assert log.n_events == 5
    engine.close()


def test_a_log_that_is_garbage_collected_leaves_nothing_behind():
    engine = DuckDBEngine()
    log = jm.read_events(FRAME, case="c", activity="x", timestamp="t", engine=engine)
    jm.discover_dfg(log, by="seg")
    jm.discover_variants(log, by="cohort:month")
    log.cases()
    assert objects(engine) > 0
    del log
    gc.collect()
    assert objects(engine) == 0


def test_the_packed_and_the_struct_ordering_agree():
    """Timed logs sort a packed 128-bit key; logs with an order column sort structs."""
    engine = DuckDBEngine()
    plain = jm.read_events(FRAME, case="c", activity="x", timestamp="t", engine=engine)
    with_order = jm.read_events(
        FRAME.assign(o=0), case="c", activity="x", timestamp="t", order="o", engine=engine
    )
    for by in (None, "seg"):
        pd.testing.assert_frame_equal(
            jm.discover_dfg(plain, by=by).edges, jm.discover_dfg(with_order, by=by).edges
        )
        pd.testing.assert_frame_equal(
            jm.discover_variants(plain, by=by).table, jm.discover_variants(with_order, by=by).table
        )
    # b: Visit 08:00 then Call 09:00; a: Visit and Call tie at 10:00 (input order), Visit 11:00
    assert set(jm.discover_variants(plain).table["variant"]) == {
        ("Visit", "Call"),
        ("Visit", "Call", "Visit"),
    }


def test_timestamps_far_from_1970_order_correctly():
    frame = pd.DataFrame(
        {
            "c": ["a", "a", "a"],
            "x": ["late", "early", "middle"],
            "t": ["2262-01-01 00:00", "1700-01-01 00:00", "1969-12-31 23:59:59"],
        }
    )
    log = jm.read_events(frame, case="c", activity="x", timestamp="t")
    assert jm.discover_variants(log).table["variant"].item() == ("early", "middle", "late")
    cases = log.cases()
    assert cases["start"].item() == pd.Timestamp("1700-01-01")


def test_an_engine_instance_can_be_closed_and_reopened():
    engine = DuckDBEngine()
    assert jm.read_events(FRAME, case="c", activity="x", timestamp="t", engine=engine).n_cases == 2
    engine.close()
    assert jm.read_events(FRAME, case="c", activity="x", timestamp="t", engine=engine).n_cases == 2


def test_unknown_engine_names_the_known_ones():
    with pytest.raises(jm.PluginError, match="unknown engine 'flink'; known engines: duckdb, spark"):
        jm.read_events(FRAME, case="c", activity="x", timestamp="t", engine="flink")
