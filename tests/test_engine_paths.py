"""Golden tests of the engine verb ``paths`` (see ``Engine.paths``): a plain-Python oracle
computed from the input frame, on every engine; and DuckDB == Spark, to the bit.

The oracle orders each case's events by timestamp (or order value), then input row, and computes
the documented figures with nothing but Python: it knows nothing about how an engine does it.
Spark tests are marked ``spark`` (they skip where no Java runtime exists).
"""

from __future__ import annotations

import functools
import hashlib
import math
import operator
import random
from collections import defaultdict
from datetime import datetime, timedelta, timezone
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import journeymine as jm
from journeymine.testing.strategies import event_frames, shuffle_keeping_ties

COLUMNS = [
    "segment",
    "path_id",
    "variant_id",
    "activities",
    "channels",
    "cases",
    "durations_s",
    "gaps_s",
    "measure_n",
    "measure_sum",
    "measure_sq",
    "case_measure",
]
TYPES = {
    "path_id": pa.string(),
    "variant_id": pa.string(),
    "activities": pa.list_(pa.string()),
    "channels": pa.list_(pa.string()),
    "cases": pa.int64(),
    "durations_s": pa.list_(pa.float64()),
    "gaps_s": pa.list_(pa.float64()),
    "measure_n": pa.list_(pa.int64()),
    "measure_sum": pa.list_(pa.float64()),
    "measure_sq": pa.list_(pa.float64()),
    "case_measure": pa.list_(pa.float64()),
}
MAP = {"case": "case", "activity": "activity", "timestamp": "timestamp", "channel": "channel"}
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# -- the engine verb, and the oracle ------------------------------------------------------------


def paths(log: jm.EventLog, by: str | None = None, bins: Any = None, measure: str | None = None) -> pa.Table:
    """The engine verb, as ``JourneyData.from_log`` calls it."""
    return log.engine.paths(log._relation, by=log.segmentation(by, bins), measure=measure)


def _micros(column: pd.Series) -> list[int]:
    times = pd.to_datetime(column)
    epoch = pd.Timestamp("1970-01-01", tz="UTC" if times.dt.tz is not None else None)
    return [int(x) for x in (times - epoch) // pd.Timedelta(microseconds=1)]


def _missing(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _channel(value: Any) -> str | None:
    """Missing or blank (only whitespace): no channel."""
    return None if _missing(value) or str(value).strip(" \t\r\n") == "" else str(value)


def _fold(values: list[float]) -> float:
    return functools.reduce(operator.add, values, 0.0)


def md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def oracle(
    frame: pd.DataFrame,
    *,
    case: str = "case",
    activity: str = "activity",
    timestamp: str | None = "timestamp",
    order: str | None = None,
    channel: str | None = "channel",
    measure: str | None = None,
    segments: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """``paths`` from the input frame, in plain Python. ``segments`` maps a case to its segment
    (None: no segmentation)."""
    n = len(frame)
    times = _micros(frame[timestamp]) if timestamp else None
    orders = [float(x) for x in frame[order]] if order else None
    activities = [str(a) for a in frame[activity]]
    channels = [_channel(v) for v in frame[channel]] if channel else [None] * n
    measures = [None if _missing(v) else float(v) for v in frame[measure]] if measure else [None] * n
    per_case: dict[str, list[tuple[tuple[Any, ...], int]]] = defaultdict(list)
    for row, c in enumerate(frame[case].astype(str)):
        key = (*(k[row] for k in (times, orders) if k is not None), row)
        per_case[c].append((key, row))
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = defaultdict(list)
    for c, events in per_case.items():
        rows = [row for _, row in sorted(events)]
        acts = tuple(activities[r] for r in rows)
        chs = tuple(channels[r] for r in rows)
        values = [measures[r] for r in rows]
        given_ = [v for v in values if v is not None]
        t = [times[r] for r in rows] if times else None
        segment = None if segments is None or _missing(segments[c]) else segments[c]
        groups[(segment, acts, chs)].append(
            {
                "case": c,
                "duration": None if t is None else (t[-1] - t[0]) / 1e6,
                "gaps": None if t is None else [(t[i + 1] - t[i]) / 1e6 for i in range(len(t) - 1)],
                "values": values,
                "mean": _fold(given_) / len(given_) if given_ else None,
            }
        )
    out = []
    for (segment, acts, chs), cases in groups.items():
        k = len(acts)
        row = {
            "segment": segment,
            "path_id": md5("\x1f".join(acts) + "\x1e" + "\x1f".join(ch or "" for ch in chs)),
            "variant_id": md5("\x1f".join(acts)),
            "activities": list(acts),
            "channels": list(chs),
            "cases": len(cases),
            "durations_s": None,
            "gaps_s": None,
            "measure_n": None,
            "measure_sum": None,
            "measure_sq": None,
            "case_measure": None,
        }
        if timestamp:
            row["durations_s"] = sorted(x["duration"] for x in cases)
            row["gaps_s"] = [sum(x["gaps"][i] for x in cases) / len(cases) for i in range(k - 1)]
        if measure:
            at = [[x["values"][i] for x in cases if x["values"][i] is not None] for i in range(k)]
            row["measure_n"] = [len(v) for v in at]
            row["measure_sum"] = [float(sum(v)) for v in at]
            row["measure_sq"] = [float(sum(x * x for x in v)) for v in at]
            row["case_measure"] = sorted(x["mean"] for x in cases if x["mean"] is not None)
        out.append(row)
    # segment (nulls last), cases (descending), path_id
    return sorted(out, key=lambda r: (r["segment"] is None, r["segment"] or "", -r["cases"], r["path_id"]))


def _close(got: Any, want: Any) -> bool:
    if isinstance(want, list):
        return isinstance(got, list) and len(got) == len(want) and all(map(_close, got, want))
    if isinstance(want, float) and isinstance(got, float):
        return math.isclose(got, want, rel_tol=1e-12, abs_tol=1e-9)
    return type(got) is type(want) and got == want


def assert_paths(table: pa.Table, want: list[dict[str, Any]]) -> None:
    """The documented columns and types, then every row of the oracle, in its order."""
    assert table.column_names == COLUMNS
    for name, typ in TYPES.items():
        got = table.schema.field(name).type
        assert got == typ or (pa.types.is_list(got) and got.value_type == typ.value_type), (name, got)
    rows = table.to_pylist()
    assert len(rows) == len(want), f"{len(rows)} paths, the oracle has {len(want)}"
    for i, (got, exp) in enumerate(zip(rows, want)):
        for key in COLUMNS:
            assert _close(got[key], exp[key]), f"row {i} {key}: {got[key]!r} != {exp[key]!r}\n{exp}"


def values(table: pa.Table) -> list[dict[str, Any]]:
    """The rows as Python values (to compare engines: their lists' field names differ)."""
    return table.to_pylist()


def assert_same_on_both(duck: pa.Table, sparkt: pa.Table) -> None:
    """Same columns, types and rows on both engines, every float equal to the bit."""
    assert duck.column_names == sparkt.column_names == COLUMNS
    for a, b in zip(duck.schema, sparkt.schema):
        same = a.type == b.type or (pa.types.is_list(a.type) and a.type.value_type == b.type.value_type)
        assert same, (a, b)
    assert values(duck) == values(sparkt)


def with_measure(frame: pd.DataFrame, column: str, measure: list[Any]) -> pa.Table:
    """The frame as an Arrow table whose ``column`` keeps NaN as NaN and None as null (from
    pandas, NaN would become null)."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    return table.append_column(column, pa.array(measure, pa.float64()))


# -- the demo -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_log(demo_frame):
    return jm.read_events(demo_frame, **jm.datasets.DEMO_COLUMNS)


def demo_oracle(frame: pd.DataFrame, by: str | None, measure: str | None, segments=None) -> list:
    if by is not None and segments is None:
        segments = dict(zip(frame["customer_id"], frame[by]))
    return oracle(frame, case="customer_id", activity="touchpoint", measure=measure, segments=segments)


@pytest.mark.parametrize("by", [None, "segment"])
@pytest.mark.parametrize("measure", [None, "sentiment"])
def test_demo_matches_the_oracle(demo_log, demo_frame, by, measure):
    table = paths(demo_log, by, measure=measure)
    assert_paths(table, demo_oracle(demo_frame, by, measure))
    assert sum(table.column("cases").to_pylist()) == demo_log.n_cases
    if measure:
        # every case with a sentiment counts once; the measure counts add up to the values
        n_values = int(demo_frame["sentiment"].notna().sum())
        assert sum(sum(x) for x in table.column("measure_n").to_pylist()) == n_values
        with_any = demo_frame.groupby("customer_id")["sentiment"].count().gt(0).sum()
        assert sum(len(x) for x in table.column("case_measure").to_pylist()) == with_any


def test_demo_with_numeric_bins_matches_the_oracle(demo_log, demo_frame):
    cases = demo_log.cases(by="loan_amount", bins=4, attributes=[])
    segments = {c: (None if pd.isna(s) else str(s)) for c, s in zip(cases["case"], cases["segment"])}
    assert len(set(segments.values())) == 4
    table = paths(demo_log, "loan_amount", bins=4, measure="sentiment")
    assert_paths(table, demo_oracle(demo_frame, "loan_amount", "sentiment", segments))


def test_the_demo_log_function_gives_the_same_paths(demo_log):
    assert paths(jm.datasets.load_demo_log(), "segment", measure="sentiment").equals(
        paths(demo_log, "segment", measure="sentiment")
    )


# -- generated logs -----------------------------------------------------------------------------

MEASURE_VALUES = st.none() | st.just(math.nan) | st.floats(-5, 5, allow_nan=False, width=32)
CHANNEL_VALUES = st.sampled_from(["web", "app", "", "  ", None, "phone "])


@st.composite
def logs(draw: st.DrawFn, **kw: Any) -> pd.DataFrame:
    """``event_frames`` with a per-event ``score`` (numbers, NaN, None) and blank channels."""
    frame = draw(event_frames(**kw))
    n = len(frame)
    frame["channel"] = draw(st.lists(CHANNEL_VALUES, min_size=n, max_size=n))
    frame["score"] = pd.Series(draw(st.lists(MEASURE_VALUES, min_size=n, max_size=n)), dtype=object)
    return frame


def read(frame: pd.DataFrame, engine: Any = None, **kw: Any) -> jm.EventLog:
    """The frame with its ``score`` column kept as drawn (NaN apart from null)."""
    table = with_measure(frame.drop(columns="score"), "score", list(frame["score"]))
    return jm.read_events(table, engine=engine, **{**MAP, **kw})


@SETTINGS
@given(logs())
def test_generated_logs_match_the_oracle(frame):
    log = read(frame)
    segments = dict(zip(frame["case"].astype(str), frame["segment"]))
    for by, seg in ((None, None), ("segment", segments)):
        assert_paths(paths(log, by, measure="score"), oracle(frame, measure="score", segments=seg))
    assert_paths(paths(log), oracle(frame))


@SETTINGS
@given(logs(), st.integers(0, 2**32 - 1))
def test_row_order_does_not_matter_to_the_bit(frame, seed):
    shuffled = shuffle_keeping_ties(frame, seed)
    left, right = read(frame), read(shuffled)
    for by in (None, "segment"):
        assert paths(left, by, measure="score").equals(paths(right, by, measure="score"))
    assert paths(left).equals(paths(right))


def test_ties_keep_input_order():
    t = datetime(2025, 3, 1, 9, tzinfo=timezone.utc)
    frame = pd.DataFrame(
        {
            "case": ["a", "a", "a", "b", "b"],
            "activity": ["Visit", "Call", "Mail", "Call", "Visit"],
            "timestamp": [t, t, t + timedelta(hours=1), t, t],
            "channel": ["web", "phone", "email", "phone", "web"],
        }
    )
    table = paths(jm.read_events(frame, **MAP))
    got = {tuple(r["activities"]): r for r in table.to_pylist()}
    assert set(got) == {("Visit", "Call", "Mail"), ("Call", "Visit")}
    assert got[("Visit", "Call", "Mail")]["channels"] == ["web", "phone", "email"]
    assert got[("Visit", "Call", "Mail")]["gaps_s"] == [0.0, 3600.0]
    assert got[("Call", "Visit")]["durations_s"] == [0.0]
    # the same rows in another order: ties follow it
    swapped = paths(jm.read_events(frame.iloc[[1, 0, 2, 4, 3]], **MAP))
    assert {tuple(r["activities"]) for r in swapped.to_pylist()} == {
        ("Call", "Visit", "Mail"),
        ("Visit", "Call"),
    }


# -- documented edge cases ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def small() -> pd.DataFrame:
    """Three cases: one of a single event, blank and missing channels, NaN and missing scores."""
    t = datetime(2025, 5, 1, tzinfo=timezone.utc)
    return pd.DataFrame(
        {
            "case": ["a", "a", "a", "b", "c", "c", "c", "d", "d", "d"],
            "activity": ["Visit", "Call", "Sign", "Visit", "Visit", "Call", "Sign", "Visit", "Call", "Sign"],
            "timestamp": [t + timedelta(minutes=m) for m in (0, 5, 65, 3, 1, 2, 4, 0, 10, 20)],
            "channel": ["web", "", "branch", "app", "web", "   ", "branch", "web", None, "branch"],
            "step": [1, 2, 3, 1, 1, 2, 3, 1, 2, 3],
            "label": list("xyzxyzxyzx"),
            "tier": ["gold"] * 3 + [None] + ["silver"] * 3 + ["gold"] * 3,
            "flag": [True] * 10,
        }
    )


SCORES = [1.0, math.nan, 3.0, None, math.nan, None, math.nan, 0.5, -2.0, None]


def test_the_documented_edge_cases(small):
    log = jm.read_events(with_measure(small, "score", SCORES), **MAP)
    table = paths(log, measure="score")
    assert_paths(table, oracle(small.assign(score=SCORES), measure="score"))
    rows = {r["activities"].__len__() * 10 + r["cases"]: r for r in table.to_pylist()}
    # three cases share the path Visit -> Call (blank channel) -> Sign
    many = rows[33]
    assert many["channels"] == ["web", None, "branch"]
    assert many["path_id"] == md5("Visit\x1fCall\x1fSign\x1eweb\x1f\x1fbranch")
    assert many["variant_id"] == md5("Visit\x1fCall\x1fSign")
    assert many["durations_s"] == [180.0, 1200.0, 3900.0]  # ascending
    assert many["gaps_s"] == [(300 + 60 + 600) / 3, (3600 + 120 + 600) / 3]
    # NaN and null are missing alike; a step without any value has n 0 and sums 0.0
    assert many["measure_n"] == [2, 1, 1]
    assert many["measure_sum"] == [1.5, -2.0, 3.0]
    assert many["measure_sq"] == [1.25, 4.0, 9.0]
    # case c has no value at all: left out of case_measure; a: (1 + 3) / 2; d: (0.5 - 2) / 2
    assert many["case_measure"] == [-0.75, 2.0]
    # a one-event case: no gap, a zero duration, its missing score counted nowhere
    one = rows[11]
    assert one["activities"] == ["Visit"] and one["channels"] == ["app"]
    assert one["gaps_s"] == [] and one["durations_s"] == [0.0]
    assert one["measure_n"] == [0] and one["measure_sum"] == [0.0] and one["case_measure"] == []


def test_without_a_measure_the_measure_columns_are_null(small):
    table = paths(jm.read_events(small, **MAP))
    for column in ("measure_n", "measure_sum", "measure_sq", "case_measure"):
        assert table.column(column).null_count == table.num_rows
    assert table.column("durations_s").null_count == 0


def test_an_untimed_log(small):
    frame = small.drop(columns="timestamp").iloc[::-1]  # the order column, not the rows, orders
    log = jm.read_events(
        with_measure(frame, "score", SCORES[::-1]),
        case="case",
        activity="activity",
        order="step",
        channel="channel",
    )
    table = paths(log, measure="score")
    assert_paths(
        table, oracle(frame.assign(score=SCORES[::-1]), timestamp=None, order="step", measure="score")
    )
    assert table.column("durations_s").null_count == table.column("gaps_s").null_count == table.num_rows
    assert {tuple(a) for a in table.column("activities").to_pylist()} == {
        ("Visit", "Call", "Sign"),
        ("Visit",),
    }


def test_order_ties_keep_input_order_in_an_untimed_log():
    frame = pd.DataFrame({"case": ["a", "a", "a"], "activity": ["X", "Y", "Z"], "step": [2, 1, 1]})
    table = paths(jm.read_events(frame, case="case", activity="activity", order="step"))
    assert table.column("activities").to_pylist() == [["Y", "Z", "X"]]
    assert table.column("channels").to_pylist() == [[None, None, None]]


def test_a_log_without_channels(small):
    plain = {k: v for k, v in MAP.items() if k != "channel"}
    for measure in (None, "score"):
        table = paths(jm.read_events(with_measure(small, "score", SCORES), **plain), "tier", measure=measure)
        segments = dict(zip(small["case"], small["tier"]))
        want = oracle(small.assign(score=SCORES), channel=None, measure=measure, segments=segments)
        assert_paths(table, want)
    assert all(all(c is None for c in chs) for chs in table.column("channels").to_pylist())
    assert md5("Visit\x1fCall\x1fSign\x1e\x1f\x1f") in table.column("path_id").to_pylist()


def test_nan_in_a_parquet_file_counts_as_missing(tmp_path, small):
    """Parquet's min/max statistics leave NaN out: they must not make NaN look like a number."""
    rng = np.random.default_rng(3)
    frame = pd.concat([small.assign(case=small["case"] + str(i)) for i in range(300)], ignore_index=True)
    score = rng.normal(size=len(frame))
    score[rng.random(len(frame)) < 0.4] = np.nan  # NaN, not null: numpy has no null
    table = pa.Table.from_pandas(frame.drop(columns="flag"), preserve_index=False)
    pq.write_table(table.append_column("score", pa.array(score)), tmp_path / "e.parquet")
    log = jm.read_events(tmp_path / "e.parquet", **MAP)
    got = paths(log, measure="score")
    assert_paths(got, oracle(frame.assign(score=score), measure="score"))
    assert sum(sum(n) for n in got.column("measure_n").to_pylist()) == int((~np.isnan(score)).sum())


def test_a_measure_as_text_from_a_csv(tmp_path, small):
    frame = small.assign(score=["1", " 2.5 ", "", "nan", "-1e1", "+.5", "NaN", "inf", "3", ""])
    frame.to_csv(tmp_path / "e.csv", index=False)
    table = paths(jm.read_events(tmp_path / "e.csv", **MAP), measure="score")
    numbers = [1.0, 2.5, None, None, -10.0, 0.5, None, math.inf, 3.0, None]
    assert_paths(table, oracle(small.assign(score=numbers), measure="score"))


def test_an_empty_log_gives_no_paths_with_the_columns():
    frame = pd.DataFrame({"case": ["a", "b"], "activity": ["", " "], "timestamp": ["2025-01-01"] * 2})
    log = jm.read_events(
        frame, case="case", activity="activity", timestamp="timestamp", on_invalid="quarantine"
    )
    assert log.n_events == 0
    table = paths(log)
    assert table.num_rows == 0 and table.column_names == COLUMNS


def _bad_measures(small: pd.DataFrame, tmp_path) -> list[tuple[Any, str, str]]:
    """(source, measure, the error's text) for measures that are not numbers."""
    text = small.assign(score=["1", "2", "many", "4", "1_000", "6", "7", "x", "9", "10"])
    text.to_csv(tmp_path / "bad.csv", index=False)
    return [
        (
            small,
            "label",
            "column 'label' is not numeric, so it cannot be measured: 'x' (case 'a'), 'y' (case 'a'), 'z' (case 'a')",
        ),
        (
            tmp_path / "bad.csv",
            "score",
            "column 'score' is not numeric, so it cannot be measured: 'many' (case 'a'), '1_000' (case 'c'), 'x' (case 'd')",
        ),
        (small, "flag", "column 'flag' holds BOOLEAN values; a measure needs numbers"),
        (
            small,
            "sentiment",
            "column 'sentiment' not found, so it cannot be measured; available: case, activity, timestamp, channel, step, label, tier, flag; pass measure=... with a numeric event column",
        ),
    ]


def test_a_measure_that_is_not_numbers_is_a_schema_error(small, tmp_path):
    for source, measure, message in _bad_measures(small, tmp_path):
        log = jm.read_events(source, **MAP)
        with pytest.raises(jm.SchemaError) as raised:
            paths(log, measure=measure)
        assert str(raised.value) == message


# -- DuckDB == Spark ----------------------------------------------------------------------------


def messy(seed: int = 3, cases: int = 70) -> pd.DataFrame:
    """Ties, unicode, blank and missing channels, NaN and missing scores, one-event cases, and a
    case attribute with gaps (``tier``)."""
    rnd = random.Random(seed)
    acts = ["Ad seen", "Visit", "Call ☎", "Offer 'gold'", 'Quote "x"', "Sign, done", "Zahlung→ok"]
    start = datetime(2025, 1, 1, tzinfo=timezone.utc)
    rows = []
    for i in range(cases):
        t = start + timedelta(days=rnd.randrange(300), minutes=rnd.randrange(1440))
        tier = rnd.choice(["gold", "silver", None])
        for step in range(rnd.choice([1, 1, 2, 3, 5, 8])):
            t += timedelta(minutes=rnd.choice([0, 0, 1, 5, 60]))
            rows.append(
                {
                    "case": f"c{i:03d}" if i % 7 else f"ç{i}",
                    "activity": rnd.choice(acts[: 3 + i % 5]),
                    "timestamp": t,
                    "channel": rnd.choice(["web", "app", "phone", "", "  ", None]),
                    "tier": tier,
                    "step": step // 2,
                    "score": rnd.choice([None, math.nan, rnd.uniform(-1, 1), rnd.randrange(5)]),
                }
            )
    rnd.shuffle(rows)
    return pd.DataFrame(rows)


def on_both(spark, source: Any, **kw: Any) -> tuple[jm.EventLog, jm.EventLog]:
    return jm.read_events(source, **kw), jm.read_events(source, engine=spark, **kw)


@pytest.fixture(scope="module")
def demo_logs(spark, demo_frame):
    frame = demo_frame[demo_frame["customer_id"] <= "C00400"]
    return frame, *on_both(spark, frame, **jm.datasets.DEMO_COLUMNS)


@pytest.mark.spark
@pytest.mark.parametrize(("by", "bins"), [(None, None), ("segment", None), ("loan_amount", 4)])
def test_demo_is_the_same_on_both_engines(demo_logs, by, bins):
    frame, duck, sparkl = demo_logs
    for measure in (None, "sentiment"):
        table = paths(sparkl, by, bins, measure=measure)
        assert_same_on_both(paths(duck, by, bins, measure=measure), table)
    if bins is None:
        segments = None if by is None else dict(zip(frame["customer_id"], frame[by]))
        assert_paths(table, demo_oracle(frame, by, "sentiment", segments))


@pytest.mark.spark
def test_a_messy_log_is_the_same_on_both_engines(spark):
    frame = messy()
    table = with_measure(frame.drop(columns="score"), "score", list(frame["score"]))
    duck, sparkl = on_both(spark, table, **MAP)
    for by in (None, "tier"):
        for measure in (None, "score"):
            assert_same_on_both(paths(duck, by, measure=measure), paths(sparkl, by, measure=measure))
    segments = dict(zip(frame["case"], frame["tier"]))
    assert_paths(paths(sparkl, "tier", measure="score"), oracle(frame, measure="score", segments=segments))


@pytest.mark.spark
def test_untimed_and_channel_less_logs_are_the_same_on_both_engines(spark):
    frame = messy(seed=8)
    table = with_measure(frame.drop(columns="score"), "score", list(frame["score"]))
    kinds = [
        {"case": "case", "activity": "activity", "order": "step", "channel": "channel"},
        {"case": "case", "activity": "activity", "timestamp": "timestamp"},
        {"case": "case", "activity": "activity", "timestamp": "timestamp", "order": "step"},
    ]
    for kw in kinds:
        duck, sparkl = on_both(spark, table, **kw)
        for measure in (None, "score"):
            assert_same_on_both(paths(duck, "tier", measure=measure), paths(sparkl, "tier", measure=measure))
    untimed = paths(on_both(spark, table, **kinds[0])[1], measure="score")
    want = oracle(frame, timestamp=None, order="step", measure="score")
    assert_paths(untimed, want)


@pytest.mark.spark
def test_files_are_the_same_on_both_engines(spark, tmp_path, small):
    """A CSV (every column text) and a Parquet file with NaN in it."""
    frame = messy(seed=5)
    frame.assign(
        score=[("nan" if isinstance(v, float) and math.isnan(v) else v) for v in frame["score"]]
    ).to_csv(tmp_path / "e.csv", index=False)
    score = np.array([np.nan if v is None else v for v in frame["score"]], dtype=float)
    pq.write_table(
        pa.Table.from_pandas(frame.drop(columns="score"), preserve_index=False).append_column(
            "score", pa.array(score)
        ),
        tmp_path / "e.parquet",
    )
    for name in ("e.csv", "e.parquet"):
        duck, sparkl = on_both(spark, tmp_path / name, **MAP)
        assert_same_on_both(paths(duck, "tier", measure="score"), paths(sparkl, "tier", measure="score"))
    assert_paths(paths(sparkl, measure="score"), oracle(frame, measure="score"))


@pytest.mark.spark
def test_edge_cases_and_errors_are_the_same_on_both_engines(spark, small, tmp_path):
    duck, sparkl = on_both(spark, with_measure(small, "score", SCORES), **MAP)
    assert_same_on_both(paths(duck, "tier", measure="score"), paths(sparkl, "tier", measure="score"))
    for source, measure, message in _bad_measures(small, tmp_path):
        log = jm.read_events(source, engine=spark, **MAP)
        with pytest.raises(jm.SchemaError) as raised:
            paths(log, measure=measure)
        assert str(raised.value) == message
    frame = pd.DataFrame({"case": ["a", "b"], "activity": ["", " "], "timestamp": ["2025-01-01"] * 2})
    kw = {"case": "case", "activity": "activity", "timestamp": "timestamp", "on_invalid": "quarantine"}
    duck, sparkl = on_both(spark, frame, **kw)
    assert_same_on_both(paths(duck), paths(sparkl))
    assert paths(sparkl).num_rows == 0


@pytest.mark.spark
@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(frame=logs(max_cases=6, max_events=5))
def test_generated_logs_are_the_same_on_both_engines(spark, frame):
    duck, sparkl = read(frame), read(frame, engine=spark)
    assert_same_on_both(paths(duck, "segment", measure="score"), paths(sparkl, "segment", measure="score"))


@pytest.mark.spark
def test_cases_over_the_event_limit_are_left_out_on_spark(spark, small):
    from journeymine.engines.spark import SparkEngine

    capped = SparkEngine(session=spark.session, max_case_events=2)
    table = with_measure(small, "score", SCORES)
    log = jm.read_events(table, engine=capped, on_invalid="quarantine", **MAP)
    assert log.invalid_rows == 9  # a, c and d have three events each
    kept = small.assign(score=SCORES)[small["case"] == "b"]
    assert_paths(paths(log, measure="score"), oracle(kept, measure="score"))
