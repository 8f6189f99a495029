"""EventLog.filter and the filter flags: arguments, periods, what each step reports, the CLI.

The engines' own filter semantics are tested against a pandas reference in
tests/test_duckdb_filters.py and tests/test_spark_filters.py; pm4py's figures on BPIC 2012 in
tests/test_filters_bpic.py.
"""

from __future__ import annotations

import json
from datetime import datetime

import pandas as pd
import pytest

import journeymine as jm
from helpers import run_cli
from journeymine.errors import ArgumentError
from journeymine.filters import EmptyFilterError, parse_period

DEMO = jm.datasets.DEMO_COLUMNS


@pytest.fixture(scope="module")
def frame():
    return jm.datasets.load_demo()


@pytest.fixture(scope="module")
def log(frame):
    return jm.read_events(frame, **DEMO)


def test_filter_equals_reading_only_the_kept_rows(frame, log):
    kept = log.filter(keep={"channel": ["web", "app"]})
    ref = jm.read_events(frame[frame["channel"].isin(["web", "app"])], **DEMO)
    assert (kept.n_events, kept.n_cases, kept.n_activities) == (ref.n_events, ref.n_cases, ref.n_activities)
    pd.testing.assert_frame_equal(jm.discover_dfg(kept).edges, jm.discover_dfg(ref).edges)
    assert kept.stats.filtered == log.n_events - kept.n_events
    assert kept.rows_read == kept.n_events + kept.invalid_rows + kept.stats.filtered
    # the log filtered is unchanged
    assert log.n_events == len(frame) and log.filters == ()


def test_steps_apply_in_the_documented_order_and_report_what_they_kept(log):
    kept = log.filter(top_variants=5, contains="Contract signed", keep={"channel": ["web", "branch"]})
    assert [s.argument.split("=")[0] for s in kept.filters] == ["keep", "contains", "top_variants"]
    for before, after in zip(kept.filters, kept.filters[1:]):
        assert after.events_before == before.events_after
    first = kept.filters[0]
    assert first.events_before == log.n_events and first.events_removed > 0
    assert first.flag == "--keep channel=web,branch"
    assert "kept" in first.sentence() and first.to_dict()["events_after"] == first.events_after
    # a chained call keeps the steps before it
    again = kept.filter(size=(2, None))
    assert len(again.filters) == 4 and again.filters[:3] == kept.filters


def test_period_parsing():
    assert parse_period("2011") == (datetime(2011, 1, 1), datetime(2012, 1, 1))
    assert parse_period("2011-11-30") == (datetime(2011, 11, 30), datetime(2011, 12, 1))
    assert parse_period("2011-10..2011-11") == (datetime(2011, 10, 1), datetime(2011, 12, 1))
    assert parse_period("2011-11-01T06:00..2011-11-01T07:30") == (
        datetime(2011, 11, 1, 6),
        datetime(2011, 11, 1, 7, 30),
    )
    assert parse_period(("2011-11-01", None)) == (datetime(2011, 11, 1), None)
    for bad, words in [
        ("..", "both ends open"),
        ("2011-13", "not a date"),
        ("2012..2011", "ends before it starts"),
        ("soon", "not a year, month, day or time"),
        ("2011-11-01T06:00", "a point in time"),
    ]:
        with pytest.raises(ArgumentError, match=words):
            parse_period(bad)


def test_period_modes_on_the_demo(frame, log):
    t = pd.to_datetime(frame["timestamp"], utc=True)
    start, end = pd.Timestamp("2025-03-01", tz="UTC"), pd.Timestamp("2025-04-01", tz="UTC")
    inside = (t >= start) & (t < end)
    events = log.filter(period="2025-03")
    assert events.n_events == int(inside.sum())
    first = t.groupby(frame["customer_id"]).min()
    last = t.groupby(frame["customer_id"]).max()
    contained = log.filter(period="2025-03", period_mode="contained")
    assert contained.n_cases == int(((first >= start) & (last < end)).sum())
    touching = log.filter(period="2025-03", period_mode="intersecting")
    assert touching.n_cases == int(((first < end) & (last >= start)).sum())
    # a case that spans the whole period without an event in it intersects it (as in pm4py)
    assert contained.n_cases <= events.n_cases <= touching.n_cases
    # an offset is taken as given: 01:00 at +01:00 is midnight UTC
    shifted = log.filter(period="2025-03-01T01:00+01:00..2025-04-01T01:00+01:00")
    assert shifted.n_events == events.n_events


def test_bad_arguments_say_what_to_do(log):
    cases = [
        (dict(keep={"chanel": "web"}), "did you mean 'channel'"),
        (dict(contains="Contract signd"), "did you mean 'Contract signed'"),
        (dict(period_mode="contained"), "period_mode= needs period="),
        (dict(period="2025-03", period_mode="inside"), "period_mode= takes"),
        (dict(top_variants=0), "at least 1"),
        (dict(coverage=1.5), "coverage= takes a share"),
        (dict(top_variants=3, coverage=0.5), "not both"),
        (dict(size=(5, 2)), "maximum is below the minimum"),
        (dict(keep="channel"), "takes {column"),
        ({}, "needs something to keep"),
    ]
    for kwargs, words in cases:
        with pytest.raises(ArgumentError, match=words):
            log.filter(**kwargs)


def test_a_step_that_keeps_nothing_is_an_error_naming_it(log):
    with pytest.raises(EmptyFilterError, match=r"keep=\{'channel': \['fax'\]\} keeps no events") as info:
        log.filter(keep={"channel": "fax"})
    assert info.value.step.events_before == log.n_events
    assert "--keep channel=fax keeps no events" in str(info.value.for_cli())


def test_a_period_on_an_untimed_log_is_an_error():
    frame = pd.DataFrame({"c": ["a", "a", "b"], "x": ["p", "q", "p"], "o": [1, 2, 1]})
    untimed = jm.read_events(frame, case="c", activity="x", order="o")
    with pytest.raises(ArgumentError, match="needs timestamps"):
        untimed.filter(period="2024")
    assert untimed.filter(contains="q").n_cases == 1


def test_composite_activity_by_list_or_plus(frame):
    frame = frame.assign(step=frame["touchpoint"].str.len().mod(2).map({0: "even", 1: "odd"}))
    by_list = jm.read_events(frame, **{**DEMO, "activity": ["touchpoint", "step"]})
    by_plus = jm.read_events(frame, **{**DEMO, "activity": "touchpoint+step"})
    labels = set(frame["touchpoint"] + "+" + frame["step"])
    for log in (by_list, by_plus):
        assert log.schema.activity == ("touchpoint", "step")
        assert set(jm.discover_dfg(log).activities["activity"]) == labels
        assert "step" in log.columns
    with pytest.raises(jm.SchemaError, match="composite activity"):
        jm.read_events(frame, **{**DEMO, "activity": "touchpoint+stpe"})
    with pytest.raises(jm.SchemaError, match="names a column twice"):
        jm.read_events(frame, **{**DEMO, "activity": ["touchpoint", "touchpoint"]})


# -- the command line -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_csv(tmp_path_factory):
    return jm.datasets.write_demo(tmp_path_factory.mktemp("demo") / "demo.csv")


MAP = [
    "--case",
    "customer_id",
    "--activity",
    "touchpoint",
    "--timestamp",
    "timestamp",
    "--channel",
    "channel",
]


def test_cli_filters_reach_the_engine_and_are_counted(demo_csv, capsys, log):
    code, out, err = run_cli(
        [
            "mine",
            demo_csv,
            *MAP,
            "--keep",
            "channel=web,branch",
            "--contains",
            "Contract signed",
            "--format",
            "json",
        ],
        capsys,
    )
    assert code == 0, err
    summary = json.loads(out)
    want = log.filter(keep={"channel": ["web", "branch"]}, contains="Contract signed")
    assert (summary["events"], summary["cases"]) == (want.n_events, want.n_cases)
    assert [f["flag"] for f in summary["filters"]] == [
        "--keep channel=web,branch",
        "--contains 'Contract signed'",
    ]
    assert "journeymine: filter: --keep channel=web,branch kept" in err


def test_cli_period_and_composite_activity(demo_csv, capsys, log):
    code, out, err = run_cli(
        [
            "mine",
            demo_csv,
            *MAP[:2],
            "--activity",
            "touchpoint+channel",
            *MAP[4:6],
            "--period",
            "2025-03",
            "--period-mode",
            "contained",
            "--format",
            "json",
        ],
        capsys,
    )
    assert code == 0, err
    summary = json.loads(out)
    assert summary["cases"] == log.filter(period="2025-03", period_mode="contained").n_cases
    assert all("+" in a for a in summary["activities"])


@pytest.mark.parametrize(
    ("flags", "words"),
    [
        (["--keep", "channel"], "--keep takes COL=V1,V2"),
        (["--keep", "channel=fax"], "--keep channel=fax keeps no events"),
        (["--period-mode", "contained"], "--period-mode needs --period"),
        (["--period", "2025-13"], "not a date"),
        (["--contains", "Contract signd"], "did you mean 'Contract signed'"),
        (["--engine-setting", "memory"], "--engine-setting takes KEY=VALUE"),
        (["--engine-setting", "memory=1GB"], "takes database, memory_limit, temp_directory, threads"),
    ],
)
def test_cli_filter_mistakes_exit_2_with_a_clear_message(demo_csv, capsys, flags, words):
    code, _, err = run_cli(["mine", demo_csv, *MAP, *flags], capsys)
    assert code == 2
    assert words in err and "Traceback" not in err


def test_cli_engine_settings_reach_duckdb(demo_csv, capsys, tmp_path, monkeypatch):
    from journeymine import registry

    made = []
    create = registry.create_engine

    def spy(name, settings, **kw):
        engine = create(name, settings, **kw)
        made.append(engine)
        return engine

    monkeypatch.setattr(registry, "create_engine", spy)
    code, _, err = run_cli(
        [
            "mine",
            demo_csv,
            *MAP,
            "--engine-setting",
            "memory_limit=1GB",
            "--engine-setting",
            "threads=1",
            "--engine-setting",
            f"temp_directory={tmp_path}",
        ],
        capsys,
    )
    assert code == 0, err
    (engine,) = made
    assert (engine.memory_limit, engine.threads, engine.temp_directory) == ("1GB", 1, str(tmp_path))
    assert engine.connection.execute("SELECT current_setting('threads')").fetchone()[0] == 1
