"""Invariants that hold for every log: checked with hypothesis against a plain-Python reference."""

from __future__ import annotations

import pandas as pd
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import journeymine as jm
from journeymine.testing import reference
from journeymine.testing.strategies import event_frames, shuffle_keeping_ties

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
MAP = {"case": "case", "activity": "activity", "timestamp": "timestamp", "channel": "channel"}


def mined(log, by=None):
    dfg = jm.discover_dfg(log, by=by)
    variants = jm.discover_variants(log, by=by).table
    return dfg, variants


def as_dicts(dfg, variants):
    return (
        {(r.segment, r.source, r.target): (r.count, r.cases, r.median_s) for r in dfg.edges.itertuples()},
        {(r.segment, r.activity): r.cases for r in dfg.start.itertuples()},
        {(r.segment, r.activity): r.cases for r in dfg.end.itertuples()},
        {(r.segment, r.variant): (r.cases, r.variant_id) for r in variants.itertuples()},
    )


@SETTINGS
@given(event_frames())
def test_matches_the_reference_miner(frame):
    log = jm.read_events(frame, **MAP)
    ref = reference.mine(frame, case="case", activity="activity", key="timestamp")
    dfg, variants = mined(log)
    assert {(r.source, r.target): r.count for r in dfg.edges.itertuples()} == dict(ref.edges)
    assert {(r.source, r.target): r.cases for r in dfg.edges.itertuples()} == dict(ref.edge_cases)
    assert dict(zip(dfg.start["activity"], dfg.start["cases"])) == dict(ref.start)
    assert dict(zip(dfg.end["activity"], dfg.end["cases"])) == dict(ref.end)
    assert dict(zip(dfg.activities["activity"], dfg.activities["events"])) == dict(ref.activities)
    assert dict(zip(variants["variant"], variants["cases"])) == dict(ref.variants)
    assert (log.n_events, log.n_cases) == (len(frame), len(ref.traces))


@SETTINGS
@given(event_frames(), st.integers(0, 2**32 - 1))
def test_row_order_does_not_matter(frame, seed):
    shuffled = shuffle_keeping_ties(frame, seed)
    for by in (None, "segment"):
        left = as_dicts(*mined(jm.read_events(frame, **MAP), by))
        right = as_dicts(*mined(jm.read_events(shuffled, **MAP), by))
        assert left == right


@SETTINGS
@given(event_frames())
def test_counts_add_up(frame):
    log = jm.read_events(frame, **MAP)
    dfg, variants = mined(log)
    assert dfg.edges["count"].sum() == log.n_events - log.n_cases
    assert variants["cases"].sum() == log.n_cases
    assert abs(variants["share"].sum() - 1) < 1e-9
    assert (variants["events"] * variants["cases"]).sum() == log.n_events
    for by in ("segment", "cohort:month"):
        split, split_variants = mined(log, by)
        assert split.edges["count"].sum() == dfg.edges["count"].sum()
        assert split.start["cases"].sum() == split.end["cases"].sum() == log.n_cases
        assert split_variants["cases"].sum() == log.n_cases
        whole = split.activities.groupby("activity")["events"].sum().to_dict()
        assert whole == dict(zip(dfg.activities["activity"], dfg.activities["events"]))
    cases = log.cases(by="segment")
    assert len(cases) == log.n_cases and cases["events"].sum() == log.n_events


@SETTINGS
@given(event_frames())
def test_input_is_untouched(frame):
    before = frame.copy(deep=True)
    log = jm.read_events(frame, **MAP)
    mined(log, "segment")
    log.cases()
    pd.testing.assert_frame_equal(frame, before)


@SETTINGS
@given(event_frames(invalid=True))
def test_quarantine_accounts_for_every_row(frame):
    # a timestamp column where no value parses at all is a mapping or format problem, not bad
    # rows: that is a SchemaError (tested in test_mining), not a quarantine
    assume((frame["timestamp"].notna() & (frame["timestamp"] != "not a time")).any())
    log = jm.read_events(frame.drop(columns="expected_reason"), on_invalid="quarantine", **MAP)
    expected = frame["expected_reason"].dropna()
    assert log.rows_read == len(frame) == log.n_events + log.invalid_rows
    assert log.invalid_rows == len(expected)
    q = log.quarantine
    assert dict(zip(q["row"], q["reason"])) == expected.to_dict()
    valid = frame[frame["expected_reason"].isna()]
    if len(valid):
        ref = reference.mine(valid, case="case", activity="activity", key="timestamp")
        variants = jm.discover_variants(log).table
        assert dict(zip(variants["variant"], variants["cases"])) == dict(ref.variants)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(event_frames(unicode=True))
def test_csv_and_parquet_round_trip_equal_the_frame(tmp_path_factory, frame):
    folder = tmp_path_factory.mktemp("rt")
    frame.to_csv(folder / "e.csv", index=False)
    frame.to_parquet(folder / "e.parquet", index=False)
    expected = as_dicts(*mined(jm.read_events(frame, **MAP), "segment"))
    for path in ("e.csv", "e.parquet"):
        assert as_dicts(*mined(jm.read_events(folder / path, **MAP), "segment")) == expected
