"""Golden tests of the engine verb ``durations`` (see ``Engine.durations``): a plain-Python oracle
computed from the input frame, DuckDB == Spark (the same table, to the type), properties of
the histograms, and the value a bin stands for (``bin_seconds``).

The oracle orders each case's events by timestamp, then input row, and bins every duration
``d`` (seconds) as documented: ``floor(ln(1 + d) * DURATION_BINS)``. Spark tests are marked
``spark`` (they skip where no Java runtime exists).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from datetime import datetime, timedelta, timezone
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import journeymine as jm
from journeymine.engines.base import DURATION_BINS, bin_seconds
from journeymine.testing.strategies import event_frames, shuffle_keeping_ties

COLUMNS = ["segment", "source", "target", "bin", "count"]
TYPES = {"source": pa.string(), "target": pa.string(), "bin": pa.int32(), "count": pa.int64()}
MAP = {"case": "case", "activity": "activity", "timestamp": "timestamp"}
DEMO = {"case": "customer_id", "activity": "touchpoint", "timestamp": "timestamp"}
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
T0 = datetime(2025, 5, 1, 9, tzinfo=timezone.utc)
UNIX = datetime(1970, 1, 1)


# -- the engine verb, and the oracle ------------------------------------------------------------


def durations(log: jm.EventLog, by: str | None = None, bins: Any = None) -> pa.Table:
    """The engine verb, on the log's own engine."""
    return log.engine.durations(log._relation, by=log.segmentation(by, bins))


def dfg(log: jm.EventLog, by: str | None = None, bins: Any = None) -> pa.Table:
    return log.engine.dfg(log._relation, by=log.segmentation(by, bins))


def bin_of(micros: int) -> int:
    """The documented bin of a duration in microseconds, in plain Python."""
    return math.floor(math.log(1 + micros / 1e6) * DURATION_BINS)


def _micros(column: pd.Series) -> list[int]:
    times = pd.to_datetime(column)
    epoch = pd.Timestamp("1970-01-01", tz="UTC" if times.dt.tz is not None else None)
    return [int(x) for x in (times - epoch) // pd.Timedelta(microseconds=1)]


def _missing(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def oracle(
    frame: pd.DataFrame,
    *,
    case: str = "case",
    activity: str = "activity",
    timestamp: str = "timestamp",
    segments: dict[str, Any] | str | None = None,
) -> list[dict[str, Any]]:
    """``durations`` from the input frame. ``segments`` maps a case to its segment, or is
    ``"cohort:month"`` (the month of the case's first event); None: no segmentation."""
    times = _micros(frame[timestamp])
    activities = [str(a) for a in frame[activity]]
    per_case: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for row, c in enumerate(frame[case].astype(str)):
        per_case[c].append((times[row], row))
    counts: Counter[tuple[Any, ...]] = Counter()
    for c, events in per_case.items():
        rows = [row for _, row in sorted(events)]
        t = [times[r] for r in rows]
        if segments == "cohort:month":
            segment = (UNIX + timedelta(microseconds=t[0])).strftime("%Y-%m")
        elif isinstance(segments, dict):
            segment = None if _missing(segments[c]) else segments[c]
        else:
            segment = None
        counts[(segment, None, None, bin_of(t[-1] - t[0]))] += 1
        for i in range(len(rows) - 1):
            edge = (activities[rows[i]], activities[rows[i + 1]])
            counts[(segment, *edge, bin_of(t[i + 1] - t[i]))] += 1

    def order(key: tuple[Any, ...]) -> tuple[Any, ...]:
        segment, source, target, b = key
        # segment nulls last; source and target nulls first; text by code point (as str sorts)
        return (
            segment is None,
            segment or "",
            source is not None,
            source or "",
            target is not None,
            target or "",
            b,
        )

    return [dict(zip(COLUMNS, (*key, n))) for key, n in sorted(counts.items(), key=lambda kv: order(kv[0]))]


def assert_durations(table: pa.Table, want: list[dict[str, Any]]) -> None:
    """The documented columns and types, then every row of the oracle, in its order."""
    assert table.column_names == COLUMNS
    for name, typ in TYPES.items():
        assert table.schema.field(name).type == typ, (name, table.schema.field(name).type)
    rows = table.to_pylist()
    assert len(rows) == len(want), f"{len(rows)} rows, the oracle has {len(want)}"
    for i, (got, exp) in enumerate(zip(rows, want)):
        assert got == exp, f"row {i}: {got} != {exp}"


def case_attribute(frame: pd.DataFrame, column: str, case: str = "case") -> dict[str, Any]:
    return dict(zip(frame[case].astype(str), frame[column]))


# -- the demo -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_log():
    return jm.datasets.load_demo_log()


@pytest.mark.parametrize(
    ("by", "bins"), [(None, None), ("segment", None), ("loan_amount", 4), ("cohort:month", None)]
)
def test_demo_matches_the_oracle(demo_log, demo_frame, by, bins):
    table = durations(demo_log, by, bins)
    if by == "loan_amount":
        cases = demo_log.cases(by=by, bins=bins, attributes=[])
        segments: Any = {c: (None if pd.isna(s) else str(s)) for c, s in zip(cases["case"], cases["segment"])}
        assert len(set(segments.values())) == 4
    elif by == "segment":
        segments = case_attribute(demo_frame, "segment", "customer_id")
    else:
        segments = by
    assert_durations(table, oracle(demo_frame, **DEMO, segments=segments))
    rows = table.to_pylist()
    assert sum(r["count"] for r in rows if r["source"] is None) == demo_log.n_cases
    assert sum(r["count"] for r in rows) == demo_log.n_events  # cases + (events - cases)


def test_demo_segments_add_up_to_the_whole_log(demo_log):
    summed: Counter[tuple[Any, ...]] = Counter()
    for r in durations(demo_log, "segment").to_pylist():
        summed[(r["source"], r["target"], r["bin"])] += r["count"]
    whole = {(r["source"], r["target"], r["bin"]): r["count"] for r in durations(demo_log).to_pylist()}
    assert dict(summed) == whole


# -- hand-made logs -----------------------------------------------------------------------------


def frame_of(events: list[tuple[str, str, float]], **columns: list[Any]) -> pd.DataFrame:
    """Events as (case, activity, seconds after T0)."""
    return pd.DataFrame(
        {
            "case": [c for c, _, _ in events],
            "activity": [a for _, a, _ in events],
            "timestamp": pd.Series([T0 + timedelta(seconds=s) for _, _, s in events]).astype(
                "datetime64[us, UTC]"
            ),
            **columns,
        }
    )


@pytest.fixture(scope="module")
def small() -> pd.DataFrame:
    """Ties, a one-event case, a repeated transition, sub-second gaps, a case attribute with a
    gap (``tier``), unicode names whose code-point order differs from a dictionary's."""
    events = [
        ("a", "Visit", 0),
        ("a", "Call", 0),  # a tie: input order, Visit then Call
        ("a", "Mail", 3600),
        ("b", "Visit", 10),  # one event
        ("c", "Zahlung", 0),
        ("c", "apple", 0.5),
        ("c", "Émile", 60.5),
        ("c", "apple", 61),
        ("c", "Émile", 121),  # apple -> Émile twice, 60 s each
        ("d", "ß ☎", 5),
        ("d", "Visit", 5.004),
        ("d", "Call", 86400 * 400),
    ]
    tier = {"a": "gold", "b": None, "c": "silver", "d": "gold"}
    return frame_of(events, tier=[tier[c] for c, _, _ in events]).iloc[[3, 11, 0, 1, 5, 4, 6, 2, 7, 8, 9, 10]]


def test_a_small_log_by_hand(small):
    table = durations(jm.read_events(small, **MAP))
    assert_durations(table, oracle(small))
    # bins by hand: ln(1 + 3600) = 8.189, ln(1 + 121) = 4.804, ln(1 + 34559995) = 17.358,
    # ln(1.5) = 0.405, ln(61) = 4.111, ln(1.004) = 0.004
    none = {"segment": None, "source": None, "target": None}
    assert table.to_pylist() == [
        # cases: b (one event), c (121 s), a (3600 s), d (400 days less 5 s)
        {**none, "bin": 0, "count": 1},
        {**none, "bin": 480, "count": 1},
        {**none, "bin": 818, "count": 1},
        {**none, "bin": 1735, "count": 1},
        # transitions, by code point: upper case, lower case, then accents (U+00C9 < U+00DF)
        {"segment": None, "source": "Call", "target": "Mail", "bin": 818, "count": 1},
        {"segment": None, "source": "Visit", "target": "Call", "bin": 0, "count": 1},
        {"segment": None, "source": "Visit", "target": "Call", "bin": 1735, "count": 1},
        {"segment": None, "source": "Zahlung", "target": "apple", "bin": 40, "count": 1},
        {"segment": None, "source": "apple", "target": "Émile", "bin": 411, "count": 2},
        {"segment": None, "source": "Émile", "target": "apple", "bin": 40, "count": 1},
        {"segment": None, "source": "ß ☎", "target": "Visit", "bin": 0, "count": 1},
    ]


def test_ties_keep_input_order(small):
    assert list(small.loc[[0, 1], "activity"]) == ["Visit", "Call"]  # a tie, at T0, in case a
    flipped = small.loc[[1, 0, *(i for i in small.index if i not in (0, 1))]]
    table = durations(jm.read_events(flipped, **MAP))
    assert_durations(table, oracle(flipped))
    got = {(r["source"], r["target"], r["bin"]) for r in table.to_pylist()}
    # now Call -> Visit (0 s), then Visit -> Mail (3600 s)
    assert ("Call", "Visit", 0) in got and ("Visit", "Mail", 818) in got
    assert ("Visit", "Call", 0) not in got and ("Call", "Mail", 818) not in got


def test_segments_of_a_small_log(small):
    log = jm.read_events(small, **MAP)
    table = durations(log, "tier")
    assert_durations(table, oracle(small, segments=case_attribute(small, "tier")))
    segments = table.column("segment").to_pylist()
    assert segments == sorted(segments, key=lambda s: (s is None, s or ""))
    assert segments[-1] is None and segments[0] == "gold"
    # the one-event case b has no tier: one case row, in the null segment, at the end
    assert [r for r in table.to_pylist() if r["segment"] is None] == [
        {"segment": None, "source": None, "target": None, "bin": 0, "count": 1}
    ]
    assert_durations(durations(log, "cohort:month"), oracle(small, segments="cohort:month"))
    assert set(durations(log, "cohort:month").column("segment").to_pylist()) == {"2025-05"}


def test_cohorts_across_months():
    events = [("x", "A", 0), ("x", "B", 86400 * 40), ("y", "A", 86400 * 35), ("z", "B", 86400 * 70)]
    frame = frame_of(events)
    table = durations(jm.read_events(frame, **MAP), "cohort:month")
    assert_durations(table, oracle(frame, segments="cohort:month"))
    assert table.column("segment").to_pylist() == ["2025-05", "2025-05", "2025-06", "2025-07"]


def test_naive_and_numeric_times():
    """Offset-less times are taken as they are: the same bins."""
    frame = frame_of([("a", "X", 0), ("a", "Y", 0.25), ("a", "X", 7200), ("b", "Y", 1)])
    naive = frame.assign(timestamp=frame["timestamp"].dt.tz_localize(None))
    want = oracle(frame)
    assert_durations(durations(jm.read_events(naive, **MAP)), want)
    assert want[0]["bin"] == 0 and {r["bin"] for r in want if r["source"] == "X"} == {22}


def test_bin_boundaries_to_the_microsecond():
    """Durations one microsecond either side of every bin edge up to bin 2,000 (about 5.8 years)."""
    frame = boundary_frame()
    table = durations(jm.read_events(frame, **MAP))
    assert_durations(table, oracle(frame))
    bins = set(table.column("bin").to_pylist())
    assert set(range(0, 2001)) <= bins  # every bin is hit (the edge itself and one above)


def boundary_frame(top: int = 2000) -> pd.DataFrame:
    rows = []
    for b in range(1, top + 1):
        edge = round(math.expm1(b / DURATION_BINS) * 1e6)
        for k, dt in enumerate((edge - 1, edge, edge + 1)):
            case = f"b{b:04d}.{k}"
            rows += [(case, "Start", 0), (case, "End", dt)]
    frame = pd.DataFrame(rows, columns=["case", "activity", "micros"])
    times = pd.Timestamp(T0) + pd.to_timedelta(frame["micros"], unit="us")
    return frame.assign(timestamp=times.astype("datetime64[us, UTC]")).drop(columns="micros")


# -- properties ---------------------------------------------------------------------------------


@SETTINGS
@given(event_frames(), st.integers(0, 2**32 - 1))
def test_generated_logs(frame, seed):
    """The oracle; any order of rows; case rows count cases, transitions count events - cases,
    and per edge they count as many as the DFG."""
    log = jm.read_events(frame, **MAP)
    shuffled = jm.read_events(shuffle_keeping_ties(frame, seed), **MAP)
    segments = case_attribute(frame, "segment")
    for by, seg in ((None, None), ("segment", segments), ("cohort:month", "cohort:month")):
        table = durations(log, by)
        assert_durations(table, oracle(frame, segments=seg))
        assert table.equals(durations(shuffled, by))
        rows = pd.DataFrame(table.to_pylist(), columns=COLUMNS)
        rows["segment"] = rows["segment"].astype(object).where(rows["segment"].notna(), "∅")
        cases = log.cases(by=by, attributes=[])
        cases["segment"] = cases["segment"].astype(object).where(cases["segment"].notna(), "∅")
        per_segment = cases.groupby("segment").agg(cases=("case", "size"), events=("events", "sum"))
        is_case = rows["source"].isna()
        case_rows = rows[is_case].groupby("segment")["count"].sum()
        transitions = rows[~is_case].groupby("segment")["count"].sum()
        assert set(case_rows.index) == set(per_segment.index)
        for segment, row in per_segment.iterrows():
            assert case_rows.get(segment, 0) == row["cases"]
            assert transitions.get(segment, 0) == row["events"] - row["cases"]
        edges = dfg(log, by).to_pandas()
        edges["segment"] = edges["segment"].astype(object).where(edges["segment"].notna(), "∅")
        want = dict(zip(zip(edges["segment"], edges["source"], edges["target"]), edges["count"]))
        got = rows[~is_case].groupby(["segment", "source", "target"])["count"].sum().to_dict()
        assert got == want


def test_an_untimed_log_gives_an_empty_table_with_the_columns(small):
    frame = small.drop(columns="timestamp").assign(step=range(len(small)))
    log = jm.read_events(frame, case="case", activity="activity", order="step")
    assert not log.stats.timed
    for by in (None, "tier"):
        table = durations(log, by)
        assert table.num_rows == 0
        assert table.column_names == COLUMNS
        for name, typ in {"segment": pa.string(), **TYPES}.items():
            assert table.schema.field(name).type == typ, (by, name)


def test_an_empty_log_gives_no_rows():
    frame = pd.DataFrame({"case": ["a", "b"], "activity": ["", " "], "timestamp": ["2025-01-01"] * 2})
    log = jm.read_events(frame, **MAP, on_invalid="quarantine")
    table = durations(log)
    assert log.n_events == 0 and table.num_rows == 0 and table.column_names == COLUMNS


# -- the value a bin stands for -----------------------------------------------------------------

HALF_BIN = 0.5 / DURATION_BINS  # half a bin in ln(1 + d)


@settings(max_examples=500, deadline=None)
@given(st.integers(0, 10**15) | st.integers(0, 2 * 10**4))  # microseconds: to 31 years, or 20 ms
def test_bin_seconds_is_within_half_a_bin_of_every_duration_in_it(micros):
    d = micros / 1e6
    b = bin_of(micros)
    stands_for = bin_seconds(b)
    assert isinstance(stands_for, float)
    assert float(bin_seconds(np.array([b]))[0]) == stands_for
    if b == 0:
        # bin 0 stands for 0: a duration there is under e^0.01 - 1 (10.05 ms), so within 1 %
        # of 1 + d, not 0.5 %
        assert stands_for == 0.0 and d < math.expm1(1 / DURATION_BINS)
        assert abs(d - stands_for) <= 2 * HALF_BIN * (1 + d)
        return
    # within half a bin in ln(1 + d): (1 + value) / (1 + d) in [e^-0.005, e^0.005], which is
    # within 0.5 % of 1 + d at a bin's top and 0.50125 % (e^0.005 - 1) at its bottom
    assert abs(math.log1p(stands_for) - math.log1p(d)) <= HALF_BIN * (1 + 1e-9)
    assert abs(stands_for - d) <= math.expm1(HALF_BIN) * (1 + d) * (1 + 1e-9)
    assert math.floor(math.log1p(stands_for) * DURATION_BINS) == b  # it lies in its own bin


def test_bin_seconds_at_the_edges_of_a_bin():
    """The bound of 0.5 % of 1 + d is met at a bin's top, and just missed at its bottom."""
    b = 460
    bottom, top = math.expm1(b / DURATION_BINS), math.expm1((b + 1) / DURATION_BINS)
    value = bin_seconds(b)
    assert abs(value - top) / (1 + top) == pytest.approx(-math.expm1(-HALF_BIN))  # 0.49875 %
    assert abs(value - bottom) / (1 + bottom) == pytest.approx(math.expm1(HALF_BIN))  # 0.50125 %
    assert bin_seconds(0) == 0.0 and bin_seconds(1) == pytest.approx(math.expm1(0.015))


# -- DuckDB == Spark ----------------------------------------------------------------------------


def on_both(spark: Any, source: Any, **kw: Any) -> tuple[jm.EventLog, jm.EventLog]:
    return jm.read_events(source, **kw), jm.read_events(source, engine=spark, **kw)


def assert_same_on_both(duck: pa.Table, sparkt: pa.Table) -> None:
    """The same table: columns, types (nullability too) and rows in the same order."""
    assert duck.schema == sparkt.schema, (duck.schema, sparkt.schema)
    assert duck.to_pylist() == sparkt.to_pylist()
    assert duck.equals(sparkt)


@pytest.mark.spark
def test_demo_is_the_same_on_both_engines(spark, demo_frame):
    frame = demo_frame[demo_frame["customer_id"] <= "C00400"]
    duck, sparkl = on_both(spark, frame, **jm.datasets.DEMO_COLUMNS)
    for by, bins in ((None, None), ("segment", None), ("loan_amount", 4), ("cohort:month", None)):
        assert_same_on_both(durations(duck, by, bins), durations(sparkl, by, bins))
    want = oracle(frame, **DEMO, segments=case_attribute(frame, "segment", "customer_id"))
    assert_durations(durations(sparkl, "segment"), want)


@pytest.mark.spark
def test_small_logs_are_the_same_on_both_engines(spark, small):
    duck, sparkl = on_both(spark, small, **MAP)
    for by in (None, "tier", "cohort:month"):
        assert_same_on_both(durations(duck, by), durations(sparkl, by))
    assert_durations(durations(sparkl, "tier"), oracle(small, segments=case_attribute(small, "tier")))
    # every bin edge to the microsecond: Spark's log and floor bin as DuckDB's do
    frame = boundary_frame(top=1200)
    duck, sparkl = on_both(spark, frame, **MAP)
    assert_same_on_both(durations(duck), durations(sparkl))
    # untimed: the empty table, with the same columns and types
    untimed = small.drop(columns="timestamp").assign(step=range(len(small)))
    kw = {"case": "case", "activity": "activity", "order": "step"}
    duck, sparkl = on_both(spark, untimed, **kw)
    for by in (None, "tier"):
        assert_same_on_both(durations(duck, by), durations(sparkl, by))
        assert durations(sparkl, by).num_rows == 0
