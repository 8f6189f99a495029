"""Under a memory limit, the DuckDB engine mines a DFG per segment a batch of segments at a time
(exact quantiles hold a group's durations in memory): the result is the one query's, to the bit."""

from __future__ import annotations

import pandas as pd
import pytest

import journeymine as jm
from journeymine.engines import duckdb as duck
from journeymine.engines.duckdb import DuckDBEngine


@pytest.mark.parametrize(("by", "bins"), [("segment", None), ("loan_amount", 3), ("region", None)])
def test_batches_of_segments_give_the_one_query_dfg(demo_frame, monkeypatch, by, bins):
    frame = demo_frame.copy()
    # some customers without a segment: their own group, last
    frame.loc[frame["customer_id"] <= "C00300", ["segment", "region", "loan_amount"]] = None
    whole = jm.read_events(frame, **jm.datasets.DEMO_COLUMNS)
    limited = jm.read_events(frame, **jm.datasets.DEMO_COLUMNS, engine=DuckDBEngine(memory_limit="1GB"))
    monkeypatch.setattr(duck, "DFG_BATCH", 5_000)
    seg = limited.segmentation(by, bins)
    batches = limited.engine._dfg_batches(limited._relation, seg)
    assert batches is not None and len(batches[1]) > 1  # the batched path runs
    a = jm.discover_dfg(whole, by=by, bins=bins).edges
    b = jm.discover_dfg(limited, by=by, bins=bins).edges
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert a["segment"].isna().any()
