"""Cutting journeys inside the engine (``Engine.cut``, issue 12): the same journeys, report and
events outside on DuckDB and Spark, and journey maps of the cut logs equal on both.

The cut is written once as SQL (``plans.cut_sql``) and transpiled for Spark. DuckDB's cut is
checked against a plain-Python reference on generated logs in tests/test_journeys.py; here the
Spark engine is compared with DuckDB on the demo journey and on generated logs with ties,
unicode names and gaps.
"""

from __future__ import annotations

import warnings
from importlib.resources import files

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings

import journeymine as jm
from journeymine.testing.strategies import event_frames

pytestmark = pytest.mark.spark

DEMO_MAP = files("journeymine.datasets").joinpath("demo_map.yaml").read_text(encoding="utf-8")
#: every argument and every select (plain start/end is in the journey-map test below)
CUTS = [
    {"start": ["Mortgage calculator", "Appointment*"], "end": "Contract signed", "select": "last"},
    {"gap": "10D", "end": ["Contract signed", "Mortgage paid out"], "select": 1},
    {"gap": "7D", "start": "*visit", "select": "first"},
]


@pytest.fixture(scope="module")
def logs(demo_frame, spark):
    frame = demo_frame[demo_frame["customer_id"] <= "C00300"].reset_index(drop=True)
    return (
        jm.read_events(frame, **jm.datasets.DEMO_COLUMNS),
        jm.read_events(frame, **jm.datasets.DEMO_COLUMNS, engine=spark),
    )


def assert_same_cut(a: jm.JourneyLog, b: jm.JourneyLog, columns: list[str]) -> None:
    assert a.report.to_dict() == b.report.to_dict()
    assert a.report.outside_activities == b.report.outside_activities
    assert a.stats == b.stats
    assert a.columns == b.columns
    pd.testing.assert_frame_equal(a.to_frame(columns=columns), b.to_frame(columns=columns), obj="events")
    pd.testing.assert_frame_equal(a.report.outside, b.report.outside, obj="outside")


@pytest.mark.parametrize("kw", CUTS, ids=[str(k) for k in CUTS])
def test_the_demo_cut_is_the_same_on_both_engines(logs, kw):
    duck, spark_log = logs
    a, b = (jm.cut_journeys(log, **kw) for log in logs)
    assert a.report.journeys > 0 and a.report.events_in + a.report.events_outside == duck.n_events
    extra = ["customer_id", "segment", "journey_index", "journey_ended_by"]
    if "end" in kw:
        extra.append("journey_complete")
    assert_same_cut(a, b, extra)
    assert spark_log.n_events == duck.n_events  # the log cut is unchanged


def test_journey_maps_of_cut_logs_are_the_same_on_both_engines(logs):
    a, b = (jm.cut_journeys(log, start="Mortgage calculator", end="Contract signed") for log in logs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ma, mb = (jm.journey_map(log, DEMO_MAP, by="segment") for log in (a, b))
    for name in ("segments", "stages", "touchpoints", "channels", "unmapped", "unreached"):
        pd.testing.assert_frame_equal(getattr(ma, name), getattr(mb, name), check_exact=False, rtol=1e-9)
    assert ma.summary == mb.summary


def test_a_filtered_log_cut_and_a_cut_log_filtered(logs):
    a, b = (
        jm.cut_journeys(log.filter(keep_cases={"segment": ["mover"]}), gap="30D").filter(
            contains="Contract signed"
        )
        for log in logs
    )
    assert a.n_cases == b.n_cases > 0
    pd.testing.assert_frame_equal(a.to_frame(columns=["segment"]), b.to_frame(columns=["segment"]))


@settings(
    max_examples=3,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
)
@given(frame=event_frames(max_cases=25, max_events=8, n_activities=4))
def test_generated_logs_cut_alike(spark, frame):
    frame = frame.rename(columns={"case": "customer"}).assign(row=range(len(frame)))
    names = sorted(set(frame["activity"]))
    kw = {"gap": "2D", "start": names[: max(1, len(names) // 2)], "end": names[-1]}
    logs = [
        jm.read_events(frame, case="customer", activity="activity", timestamp="timestamp", engine=e)
        for e in ("duckdb", spark)
    ]
    errors = []
    for log in logs:
        try:
            jm.cut_journeys(log, **kw)
        except jm.ArgumentError as exc:  # no journey at all: the same error on both
            errors.append(str(exc))
    assert len(errors) in (0, 2) and len(set(errors)) <= 1, errors
    if errors:
        return
    a, b = (jm.cut_journeys(log, **kw) for log in logs)
    assert_same_cut(a, b, ["row", "journey_index", "journey_ended_by", "journey_complete"])


def test_an_untimed_log_with_a_composite_activity_cuts_alike(spark):
    rows = [
        {"case": f"c{c}", "step": k, "what": ["open", "look", "close"][(c + k) % 3], "how": ["web", "app"][k % 2]}
        for c in range(8)
        for k in range(6)
    ]
    frame = pd.DataFrame(rows).sample(frac=1.0, random_state=3).reset_index(drop=True)
    logs = [
        jm.read_events(frame, case="case", activity=["what", "how"], order="step", engine=e)
        for e in ("duckdb", spark)
    ]
    a, b = (jm.cut_journeys(log, start="open*", end="close*") for log in logs)
    assert a.report.journeys > 0
    assert_same_cut(a, b, ["step", "what", "how", "journey_index", "journey_complete"])
