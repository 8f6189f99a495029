"""The journey verb (``Engine.journey``) and the journey map built on it: the same on DuckDB and
Spark, table for table, and journey maps equal on both engines (issue 12).

The verb is written once as SQL (``engines/plans.py``) and transpiled for Spark: these tests are
where a transpilation slip would show. The figures themselves are checked against hand-counted
values in tests/test_journeymap.py.
"""

from __future__ import annotations

import warnings
from importlib.resources import files

import pandas as pd
import pyarrow as pa
import pytest

import journeymine as jm
from journeymine.engines.base import JourneyPlan, TargetPlan
from journeymine.engines.plans import journey_sql, kind_of, to_dialect
from journeymine.journeymap.result import FRAMES

pytestmark = pytest.mark.spark

BASE_MAP = files("journeymine.datasets").joinpath("demo_map.yaml").read_text(encoding="utf-8")
#: the demo map with every kind of target and a fixed channel, and no outcome (last-stage rule)
VARIANT_MAP = (
    BASE_MAP.replace(
        "outcome: Contract signed      # a journey is complete when the contract is signed\n", ""
    )
    .replace(
        "      - Offer viewed\n",
        "      - name: Offer viewed\n        channel: app\n"
        "        target: {max_hours_to_next: 48, required_outcome: Contract signed}\n",
    )
    .replace(
        "      - Chat\n",
        "      - name: Chat\n        target: {required_outcome: Offer*, max_hours_to_next: 2}\n",
    )
)
TABLES = ("touchpoints", "stages", "channels", "moments", "segments", "transitions", "checks")


@pytest.fixture(scope="module")
def frame(demo_frame):
    # 400 customers: enough for every figure, small enough for Spark in local mode
    return demo_frame[demo_frame["customer_id"] <= "C00400"].reset_index(drop=True)


@pytest.fixture(scope="module")
def logs(frame, spark):
    return (
        jm.read_events(frame, **jm.datasets.DEMO_COLUMNS),
        jm.read_events(frame, **jm.datasets.DEMO_COLUMNS, engine=spark),
    )


def assert_tables_equal(a: pa.Table, b: pa.Table, what: str) -> None:
    assert a.schema == b.schema, f"{what}: {a.schema} != {b.schema}"
    pd.testing.assert_frame_equal(a.to_pandas(), b.to_pandas(), check_exact=False, rtol=1e-12, obj=what)


def test_every_table_of_the_verb_is_the_same_on_both_engines(logs, frame):
    duck, spark_log = logs
    activities = sorted(duck.engine.activities(duck._relation, by=None).column("activity").to_pylist())
    plan = JourneyPlan(
        touchpoints=tuple((a, i % 7) for i, a in enumerate(activities) if a != "Survey answered"),
        channel="channel",
        measures=(("sentiment", "sentiment"), ("nps", "nps")),
        ranges=(("nps", 0.0, 10.0),),
        outcome=("Contract signed",),
        refs=(("Offer sent",), ("Offer accepted", "Contract signed"), ()),
        stages=(0, 0, 1, 1, 2, 2, 3),
        targets=(
            TargetPlan(tp=0, max_events=2, to=(0, 7 * 86_400.0)),
            TargetPlan(tp=2, to_next=(1, 86_400.0), outcome=1),
            TargetPlan(tp=5, outcome=2),
        ),
        fixed_channels=((3, "branch"),),
    )
    by = duck.segmentation("segment")
    assert by == spark_log.segmentation("segment")
    a = duck.engine.journey(duck._relation, plan, by=by)
    b = spark_log.engine.journey(spark_log._relation, plan, by=by)
    for name in TABLES:
        assert_tables_equal(getattr(a, name), getattr(b, name), name)
    tp = a.touchpoints.to_pandas()
    assert int(tp["events"].sum()) == duck.n_events - int(
        (duck.to_frame()["activity"] == "Survey answered").sum()
    )
    assert int(a.segments.to_pandas()["customers"].sum()) == duck.n_cases
    # a ref with no activities is never reached: its target is always missed
    judged = tp[tp["tp"] == 5]
    assert judged["target_customers"].sum() > 0 and judged["target_met"].sum() == 0
    # a fixed channel takes every event of its touchpoint
    channels = a.channels.to_pandas()
    assert set(channels.loc[channels["tp"] == 3, "channel"]) == {"branch"}
    assert a.checks.to_pylist()[1] == {
        "key": "nps",
        "kind": "number",
        "not_numbers": 0,
        "example": None,
        "low": float(frame["nps"].min()),
        "high": float(frame["nps"].max()),
        "outside": 0,
    }


@pytest.mark.parametrize(
    ("spec", "kw"),
    [
        (BASE_MAP, {"by": "segment"}),
        (BASE_MAP, {"by": "loan_amount", "bins": 3}),
        (VARIANT_MAP, {"channel": "region"}),
    ],
)
def test_journey_maps_are_the_same_on_both_engines(logs, spec, kw):
    duck, spark_log = logs
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a, b = (jm.journey_map(log, spec, **kw) for log in (duck, spark_log))
    for name in FRAMES:
        pd.testing.assert_frame_equal(
            getattr(a, name), getattr(b, name), check_exact=False, rtol=1e-9, obj=name
        )
    assert a.summary == b.summary
    assert a.touchpoints["customers"].sum() > 0


def test_text_measures_and_an_untimed_log(spark):
    # sentiment as text (with blanks and NaN), an order column instead of times, a composite
    # activity: the measure rule and the positions must agree on both engines
    rows = []
    for c in range(12):
        for k in range(5):
            rows.append(
                {
                    "case": f"c{c:02d}",
                    "step": (k * 7 + c) % 5,
                    "kind": ["visit", "call", "offer"][(c + k) % 3],
                    "how": ["web", "app"][k % 2],
                    "score": ["0.5", " -1 ", "", "nan", None, "1e-1"][(c * k) % 6],
                }
            )
    frame = pd.DataFrame(rows).sample(frac=1, random_state=2).reset_index(drop=True)
    kw = {"case": "case", "activity": ["kind", "how"], "order": "step"}
    duck, spark_log = jm.read_events(frame, **kw), jm.read_events(frame, **kw, engine=spark)
    plan = JourneyPlan(
        touchpoints=(("visit+web", 0), ("call+app", 1), ("offer+web", 2), ("offer+app", 2)),
        channel="how",
        measures=(("sentiment", "score"),),
        refs=(("offer+web", "offer+app"),),
    )
    a = duck.engine.journey(duck._relation, plan)
    b = spark_log.engine.journey(spark_log._relation, plan)
    for name in TABLES:
        assert_tables_equal(getattr(a, name), getattr(b, name), name)
    tp = a.touchpoints.to_pandas()
    assert (tp["time_spent_s"] == 0).all() and tp["sentiment_customers"].sum() > 0
    # 'nan' and blanks are missing; ' -1 ' and '1e-1' are numbers
    checks = a.checks.to_pylist()[0]
    assert checks["kind"] == "text" and checks["not_numbers"] == 0
    assert (checks["low"], checks["high"]) == (-1.0, 0.5)


def test_a_text_measure_that_is_no_number_is_counted_with_its_smallest_example(spark):
    frame = pd.DataFrame(
        {
            "case": ["a", "a", "b", "b"],
            "activity": ["x", "y", "x", "y"],
            "ts": pd.date_range("2025-01-01", periods=4, freq="h", tz="UTC"),
            "mood": ["good", "1", "bad", "1_000"],
        }
    )
    plan = JourneyPlan(touchpoints=(("x", 0),), measures=(("sentiment", "mood"),))
    for engine in ("duckdb", spark):
        log = jm.read_events(frame, case="case", activity="activity", timestamp="ts", engine=engine)
        (row,) = log.engine.journey(log._relation, plan).checks.to_pylist()
        # '1_000' is a number to DuckDB's cast and not to Spark's: the shared pattern says no
        assert (row["not_numbers"], row["example"]) == (3, "1_000"), engine


def test_names_with_quotes_and_backslashes_survive_the_transpilation():
    plan = JourneyPlan(touchpoints=(("it's a \\ path", 0),), outcome=("50% 'done'",), refs=(("a\\b",),))
    sql = journey_sql(plan, order=["t", "r"], kinds={})
    spark_text = to_dialect(sql.events, "spark")
    assert "'it\\'s a \\\\ path'" in spark_text
    assert "'a\\\\b'" in spark_text
    assert (
        kind_of("VARCHAR") == "text" and kind_of("decimal(10,2)") == "number" and kind_of("DATE") == "other"
    )
