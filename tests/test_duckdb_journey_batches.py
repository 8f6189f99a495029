"""The DuckDB journey verb makes its per-customer tables a range of cases at a time when the
events are many (the group-by over every case was a journey map's peak memory): the figure
tables are the one query's, to the bit (sentiment is added up as decimals)."""

from __future__ import annotations

from importlib.resources import files

import pyarrow as pa

import journeymine as jm
from journeymine.engines import duckdb as duck
from journeymine.engines.base import JourneyPlan, TargetPlan


def test_batches_of_cases_give_the_one_query_tables(demo_log, monkeypatch):
    activities = sorted(
        demo_log.engine.activities(demo_log._relation, by=None).column("activity").to_pylist()
    )
    plan = JourneyPlan(
        touchpoints=tuple((a, i % 5) for i, a in enumerate(activities)),
        channel="channel",
        measures=(("sentiment", "sentiment"),),
        outcome=("Contract signed",),
        refs=(("Offer sent",), tuple(activities[:3])),
        stages=tuple(i % 3 for i in range(5)),
        targets=(TargetPlan(tp=1, max_events=2, to=(0, 86_400.0)), TargetPlan(tp=3, to_next=(1, 3_600.0))),
        fixed_channels=((4, "branch"),),
    )
    by = demo_log.segmentation("segment")
    whole = demo_log.engine.journey(demo_log._relation, plan, by=by)
    monkeypatch.setattr(duck, "JOURNEY_BATCH", 5_000)  # the demo's 40k events: 9 batches
    batched = demo_log.engine.journey(demo_log._relation, plan, by=by)
    for name in ("touchpoints", "stages", "channels", "moments", "segments", "transitions", "checks"):
        a, b = getattr(whole, name), getattr(batched, name)
        assert a.num_rows > 0 or name == "checks"
        assert a.equals(b), name
    assert isinstance(batched.touchpoints, pa.Table)


def test_a_journey_map_is_the_same_in_batches(demo_log, monkeypatch):
    spec = files("journeymine.datasets").joinpath("demo_map.yaml").read_text(encoding="utf-8")
    whole = jm.journey_map(demo_log, spec, by="segment")
    monkeypatch.setattr(duck, "JOURNEY_BATCH", 4_000)
    batched = jm.journey_map(demo_log, spec, by="segment")
    assert whole.to_dict() == batched.to_dict()
