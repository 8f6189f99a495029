"""Filters and composite activities on the shared BPIC 2012 log, against pm4py's own filters
(the oracle), on both engines.

Skipped with a reason when ../shared/data is absent (or pm4py, or Java for the Spark half).
"""

from __future__ import annotations

import os
from datetime import datetime, timezone

import pandas as pd
import pytest

import journeymine as jm
from helpers import shared_file

pytestmark = [pytest.mark.realdata, pytest.mark.spark]

NAME = "bpic2012.xes.gz"
#: November 2011 as pm4py's filter_time_range takes it (both ends inclusive; datetimes, as its
#: strings have whole seconds only)
NOV_FIRST = datetime(2011, 11, 1, tzinfo=timezone.utc)
NOV_LAST = datetime(2011, 11, 30, 23, 59, 59, 999999, tzinfo=timezone.utc)
PM4PY_MODES = {"events": "events", "contained": "traces_contained", "intersecting": "traces_intersecting"}


@pytest.fixture(scope="module")
def pm4py():
    return pytest.importorskip("pm4py")


@pytest.fixture(scope="module")
def oracle(pm4py) -> pd.DataFrame:
    df = pm4py.read_xes(str(shared_file(NAME)))
    return pm4py.format_dataframe(
        df, case_id="case:concept:name", activity_key="concept:name", timestamp_key="time:timestamp"
    )


@pytest.fixture(scope="module")
def duck_log() -> jm.EventLog:
    return jm.read_events(shared_file(NAME))


@pytest.fixture(scope="module")
def spark_log(spark) -> jm.EventLog:
    return jm.read_events(shared_file(NAME), engine=spark)


ENGINES = ["duckdb", "spark"]


@pytest.fixture(params=ENGINES)
def log(request) -> jm.EventLog:
    return request.getfixturevalue("duck_log" if request.param == "duckdb" else "spark_log")


def figures(log: jm.EventLog) -> tuple[int, int, dict]:
    edges = jm.discover_dfg(log).edges
    return log.n_events, log.n_cases, {(r.source, r.target): int(r.count) for r in edges.itertuples()}


def oracle_figures(pm4py, df: pd.DataFrame) -> tuple[int, int, dict]:
    dfg, _, _ = pm4py.discover_dfg(df)
    return len(df), df["case:concept:name"].nunique(), dict(dfg)


def test_complete_events_only(log, oracle, pm4py):
    kept = log.filter(keep={"lifecycle:transition": "COMPLETE"})
    want = oracle[oracle["lifecycle:transition"] == "COMPLETE"]
    assert figures(kept) == oracle_figures(pm4py, want)
    assert kept.rows_read == kept.n_events + kept.invalid_rows + kept.stats.filtered
    (step,) = kept.filters
    assert (step.events_before, step.events_after) == (len(oracle), len(want))


#: Spark in local mode takes about 40 s per period mode on this log: all three run with
#: JOURNEYMINE_FULL_REALDATA=1; otherwise Spark runs "events" here, and the other two modes are
#: checked against the same oracle on generated logs (tests/test_spark_filters.py)
FULL = os.environ.get("JOURNEYMINE_FULL_REALDATA") == "1"


@pytest.mark.parametrize("mode", list(PM4PY_MODES))
def test_november_2011_in_three_modes(log, oracle, pm4py, mode):
    if log.engine.name == "spark" and mode != "events" and not FULL:
        pytest.skip("Spark's other period modes on BPIC 2012 run with JOURNEYMINE_FULL_REALDATA=1 (80 s)")
    kept = log.filter(period="2011-11", period_mode=mode)
    want = pm4py.filter_time_range(oracle, NOV_FIRST, NOV_LAST, mode=PM4PY_MODES[mode])
    assert 0 < len(want) < len(oracle)
    assert figures(kept) == oracle_figures(pm4py, want)


def test_cases_containing_o_accepted(log, oracle, pm4py):
    kept = log.filter(contains="O_ACCEPTED")
    want = pm4py.filter_event_attribute_values(
        oracle, "concept:name", ["O_ACCEPTED"], level="case", retain=True
    )
    assert figures(kept) == oracle_figures(pm4py, want)
    if log.engine.name == "spark" and not FULL:
        return  # lacks= on Spark is held to the oracle on generated logs (tests/test_spark_filters.py)
    lacking = log.filter(lacks="O_ACCEPTED")
    assert lacking.n_cases == log.n_cases - kept.n_cases


@pytest.mark.parametrize("engine", ENGINES)
def test_36_composite_activities(engine, oracle, pm4py, request):
    if engine == "spark" and not FULL:
        # a second copy of the log in the one Spark session of a test process ran out of heap
        # (1 GB driver) beside the other Spark tests; composite labels on Spark are held to the
        # oracle on generated logs (tests/test_spark_filters.py) in every run
        pytest.skip("BPIC 2012 with composite activities on Spark runs with JOURNEYMINE_FULL_REALDATA=1")
    path = shared_file(NAME)
    on = request.getfixturevalue("spark") if engine == "spark" else engine
    both = [jm.read_events(path, activity=["concept:name", "lifecycle:transition"], engine=on)]
    labels = oracle["concept:name"] + "+" + oracle["lifecycle:transition"]
    want = oracle.assign(**{"concept:name": labels})
    dfg, _, _ = pm4py.discover_dfg(want)
    for composite in both:
        assert composite.n_activities == labels.nunique() == 36
        assert figures(composite)[2] == dict(dfg)
        # the parts stay columns of the log
        assert {"concept:name", "lifecycle:transition"} <= set(composite.columns)
        # and the filters take composite labels
        assert composite.filter(contains="O_ACCEPTED+COMPLETE").n_cases == (
            want.loc[want["concept:name"] == "O_ACCEPTED+COMPLETE", "case:concept:name"].nunique()
        )


def test_chained_filters_equal_pm4py(duck_log, oracle, pm4py):
    kept = duck_log.filter(keep={"lifecycle:transition": "COMPLETE"}).filter(
        period="2011-11", period_mode="contained"
    )
    want = oracle[oracle["lifecycle:transition"] == "COMPLETE"]
    want = pm4py.filter_time_range(want, NOV_FIRST, NOV_LAST, mode="traces_contained")
    assert figures(kept) == oracle_figures(pm4py, want)
    assert len(kept.filters) == 2
