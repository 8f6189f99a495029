"""The connector conformance kit (journeymine.testing.conformance) on the ga4 connector, NDJSON.

The frames are written in the GA4 export schema by ``ga4_kit`` (see there for the mapping); the
Parquet run is in ``test_ga4_conformance_parquet.py`` (a file of its own, so that the two slow
runs go to different pytest-xdist workers).
"""

from __future__ import annotations

import pandas as pd
import pytest
from ga4_kit import INVALID, write_ga4_ndjson, write_ga4_parquet

import journeymine as jm
from journeymine.testing.conformance import check_connector
from journeymine.testing.strategies import INVALID_KINDS


@pytest.mark.slow
def test_conformance_ndjson(tmp_path):
    # invalid=False (INVALID): an unparseable time cannot be written as GA4's INT64 microseconds;
    # the invalid rows GA4 can hold are checked by the next test (see ga4_kit.INVALID)
    check_connector("ga4", write_ga4_ndjson, directory=tmp_path, invalid=INVALID, examples=25, unicode=True)


@pytest.mark.parametrize("write", [write_ga4_ndjson, write_ga4_parquet], ids=["ndjson", "parquet"])
def test_the_invalid_rows_ga4_can_hold_are_set_aside(write, tmp_path):
    frame = pd.DataFrame(
        {
            "case": ["c1", "", "c1", "c2", "c2", "c1"],
            "activity": ["Visit", "Visit", "  ", "Visit", "Buy", "Buy"],
            "timestamp": pd.to_datetime(["2025-01-01 10:00"] * 6, utc=True).astype("datetime64[us, UTC]"),
            "channel": ["web"] * 6,
            "segment": ["new"] * 6,
            "amount": [1.0] * 6,
        }
    )
    frame["timestamp"] = frame["timestamp"].astype(object)
    frame.loc[3, "timestamp"] = None
    source, mapping = write(frame, tmp_path)
    log = jm.read_events(source, connector="ga4", on_invalid="quarantine", **mapping)
    assert (log.rows_read, log.n_events, log.invalid_rows) == (6, 3, 3)
    reasons = dict(zip(log.quarantine["row"], log.quarantine["reason"]))
    assert reasons == {1: "empty case id", 2: "empty activity", 3: "missing timestamp"}
    assert set(reasons.values()) < set(INVALID_KINDS)  # every kind but "unparseable timestamp"
