"""Mining semantics on small, hand-checked logs: order, ties, durations, segments, top."""

from __future__ import annotations

import math

import pandas as pd
import pytest

import journeymine as jm
from journeymine.errors import SchemaError

T = pd.Timestamp


def frame(rows, columns=("case", "activity", "timestamp")):
    return pd.DataFrame(rows, columns=list(columns))


def read(df, **kw):
    kw.setdefault("case", "case")
    kw.setdefault("activity", "activity")
    if "order" not in kw:
        kw.setdefault("timestamp", "timestamp")
    return jm.read_events(df, **kw)


def edges(dfg):
    return {(r.source, r.target): r.count for r in dfg.edges.itertuples()}


def test_events_are_ordered_by_time_within_a_case_not_by_row():
    df = frame(
        [
            ("c1", "Pay", "2025-01-01T10:02:00Z"),
            ("c1", "Order", "2025-01-01T10:00:00Z"),
            ("c1", "Ship", "2025-01-01T10:05:00Z"),
        ]
    )
    dfg = jm.discover_dfg(read(df))
    assert edges(dfg) == {("Order", "Pay"): 1, ("Pay", "Ship"): 1}
    assert dfg.start.to_dict("records") == [{"segment": None, "activity": "Order", "cases": 1}]
    assert dfg.end.to_dict("records") == [{"segment": None, "activity": "Ship", "cases": 1}]


def test_ties_keep_input_order():
    df = frame(
        [
            ("c1", "Email sent", "2025-01-01 10:00:00"),
            ("c1", "Email opened", "2025-01-01 10:00:00"),
            ("c2", "Email opened", "2025-01-01 10:00:00"),
            ("c2", "Email sent", "2025-01-01 10:00:00"),
        ]
    )
    variants = jm.discover_variants(read(df)).table
    assert set(variants["variant"]) == {("Email sent", "Email opened"), ("Email opened", "Email sent")}


def test_durations_count_cases_and_percentiles():
    df = frame(
        [
            ("a", "X", "2025-01-01 00:00:00"),
            ("a", "Y", "2025-01-01 00:00:10"),
            ("a", "X", "2025-01-01 00:00:20"),
            ("a", "Y", "2025-01-01 00:01:00"),
            ("b", "X", "2025-01-01 00:00:00"),
            ("b", "Y", "2025-01-01 00:00:20"),
        ]
    )
    e = jm.discover_dfg(read(df)).edges.set_index(["source", "target"])
    xy = e.loc[("X", "Y")]
    assert (xy["count"], xy["cases"]) == (3, 2)
    assert xy["mean_s"] == pytest.approx(70 / 3)
    assert xy["median_s"] == 20.0
    assert xy["p90_s"] == pytest.approx(36.0)  # linear interpolation, as numpy's default
    assert e.loc[("Y", "X"), "median_s"] == 10.0


def test_offsets_are_normalised_to_utc():
    df = frame(
        [
            ("a", "X", "2025-03-30T01:30:00+01:00"),  # 00:30 UTC
            ("a", "Y", "2025-03-30T03:00:00+02:00"),  # 01:00 UTC
        ]
    )
    log = read(df)
    assert log.timezone == "UTC"
    assert jm.discover_dfg(log).edges["median_s"].item() == 1800.0
    cases = log.cases()
    assert str(cases["start"].dt.tz) == "UTC"
    assert cases["start"].item() == T("2025-03-30 00:30:00", tz="UTC")


def test_naive_timestamps_are_taken_as_they_are():
    log = read(frame([("a", "X", "2025-01-01 10:00"), ("a", "Y", "2025-01-01 11:00")]))
    assert log.timezone is None
    assert log.cases()["start"].item() == T("2025-01-01 10:00")


def test_mixing_naive_and_aware_timestamps_is_an_error():
    df = frame([("a", "X", "2025-01-01 10:00:00+01:00"), ("a", "Y", "2025-01-01 11:00:00")])
    with pytest.raises(SchemaError, match=r"mixes values with and without a UTC offset.*row 1"):
        read(df)


@pytest.mark.parametrize(
    ("value", "fmt", "expected"),
    [
        ("2014/10/22 11:15:41.000", None, T("2014-10-22 11:15:41")),
        ("22-10-2014 11:15", None, T("2014-10-22 11:15")),
        ("2014-10-22", None, T("2014-10-22")),
        ("22.10.2014 11:15:41", None, T("2014-10-22 11:15:41")),
        ("10/22/2014 11:15", None, T("2014-10-22 11:15")),
        ("22|10|2014", "%d|%m|%Y", T("2014-10-22")),
        ("1413976541", "epoch_s", T("2014-10-22 11:15:41")),
        ("1413976541000", "epoch_ms", T("2014-10-22 11:15:41")),
    ],
)
def test_timestamp_formats(value, fmt, expected):
    log = read(frame([("a", "X", value)]), timestamp_format=fmt)
    assert log.cases()["start"].item() == expected


def test_ambiguous_day_month_order_asks_for_a_format():
    df = frame([("a", "X", "01/02/2025 10:00"), ("a", "Y", "03/04/2025 10:00")])
    with pytest.raises(SchemaError, match="day-first and as month-first.*timestamp_format"):
        read(df)


def test_numeric_timestamps_need_an_epoch_format():
    df = pd.DataFrame({"case": ["a"], "activity": ["X"], "timestamp": [1413976541]})
    with pytest.raises(SchemaError, match="epoch_s"):
        read(df)
    assert read(df, timestamp_format="epoch_s").cases()["start"].item() == T("2014-10-22 11:15:41")


def test_unreadable_timestamps_are_a_clear_error():
    with pytest.raises(SchemaError, match="cannot read the timestamps.*'soon'.*timestamp_format"):
        read(frame([("a", "X", "soon"), ("a", "Y", "later")]))


def test_order_only_log_has_no_durations():
    df = pd.DataFrame({"case": ["u", "u", "u"], "activity": ["b", "a", "c"], "step": [1, 0, 2]})
    log = read(df, order="step")
    assert log.timezone is None and not log.stats.timed
    dfg = jm.discover_dfg(log)
    assert edges(dfg) == {("a", "b"): 1, ("b", "c"): 1}
    assert dfg.edges["median_s"].isna().all()
    variants = jm.discover_variants(log).table
    assert variants["variant"].tolist() == [("a", "b", "c")]
    assert math.isnan(variants["median_duration_s"].item())
    cases = log.cases()
    assert cases["start"].isna().all() and cases["duration_s"].isna().all()


def test_order_breaks_timestamp_ties():
    df = pd.DataFrame(
        {
            "case": ["u", "u"],
            "activity": ["second", "first"],
            "timestamp": ["2025-01-01 10:00", "2025-01-01 10:00"],
            "seq": [2, 1],
        }
    )
    log = jm.read_events(df, case="case", activity="activity", timestamp="timestamp", order="seq")
    assert jm.discover_variants(log).table["variant"].item() == ("first", "second")


def test_segments_add_up_and_split_cases(demo_log):
    whole = jm.discover_dfg(demo_log)
    split = jm.discover_dfg(demo_log, by="segment")
    assert split.edges["count"].sum() == whole.edges["count"].sum()
    assert split.start["cases"].sum() == demo_log.n_cases
    per_edge = split.edges.groupby(["source", "target"])["count"].sum()
    assert per_edge.to_dict() == whole.edges.set_index(["source", "target"])["count"].to_dict()
    variants = jm.discover_variants(demo_log, by="segment").table
    assert variants.groupby("segment")["share"].sum().round(9).eq(1).all()
    cases = demo_log.cases(by="segment")
    assert cases.groupby("segment").size().sum() == demo_log.n_cases


def test_missing_case_attribute_is_its_own_segment():
    df = pd.DataFrame(
        {
            "case": ["a", "a", "b"],
            "activity": ["X", "Y", "X"],
            "timestamp": ["2025-01-01 10:00", "2025-01-01 11:00", "2025-01-02 10:00"],
            "tier": ["gold", None, None],
        }
    )
    dfg = jm.discover_dfg(read(df), by="tier")
    starts = {
        (None if pd.isna(r.segment) else r.segment, r.activity): r.cases for r in dfg.start.itertuples()
    }
    assert starts == {("gold", "X"): 1, (None, "X"): 1}


def test_a_column_varying_within_a_case_takes_its_first_value_with_a_warning():
    df = pd.DataFrame(
        {
            "case": ["a", "a", "b"],
            "activity": ["X", "Y", "X"],
            "timestamp": ["2025-01-01 11:00", "2025-01-01 10:00", "2025-01-01 10:00"],
            "channel": ["web", "app", None],
        }
    )
    log = read(df)
    assert "channel" not in log.case_attributes
    with pytest.warns(jm.VaryingAttributeWarning, match=r"'channel'.* in 1 case .*'a': 'app', 'web'"):
        cases = log.cases(by="channel", attributes=[])
    segments = dict(zip(cases["case"], cases["segment"]))
    assert segments["a"] == "app" and pd.isna(segments["b"])  # a's first event (10:00) was in the app


def test_unknown_segment_lists_case_attributes(demo_log):
    with pytest.raises(SchemaError, match="segment column 'segmnt' not found.*age_group"):
        jm.discover_dfg(demo_log, by="segmnt")


def test_case_prefix_is_optional_in_by():
    df = pd.DataFrame(
        {
            "case:concept:name": ["a", "b"],
            "concept:name": ["X", "X"],
            "time:timestamp": ["2025-01-01 10:00", "2025-01-01 10:00"],
            "case:tier": ["g", "s"],
        }
    )
    log = jm.read_events(df)
    assert jm.discover_dfg(log, by="tier").start["segment"].tolist() == ["g", "s"]


def test_bins_by_edges_and_by_count(demo_log):
    edges_ = [0, 150_000, 300_000, 450_000]
    dfg = jm.discover_dfg(demo_log, by="loan_amount", bins=edges_)
    cats = list(dfg.start["segment"].cat.categories)
    # no case is below 0: no '< 0' category (an open-ended bin is a category only when used)
    assert cats == ["[0, 150000)", "[150000, 300000)", "[300000, 450000]", "> 450000"]
    assert dfg.start["cases"].sum() == demo_log.n_cases
    cases = demo_log.cases(by="loan_amount", bins=4)
    counts = cases["segment"].value_counts()
    assert counts.sum() == demo_log.n_cases
    assert counts.max() - counts[counts > 0].min() <= 0.1 * len(cases)  # equal-count bins


def test_bins_need_a_numeric_attribute(demo_log):
    with pytest.raises(SchemaError, match="'region' is not numeric"):
        jm.discover_dfg(demo_log, by="region", bins=3)
    with pytest.raises(SchemaError, match="increasing"):
        jm.discover_dfg(demo_log, by="loan_amount", bins=[5, 1])


def test_cohorts_by_month_and_week():
    df = frame(
        [
            ("a", "X", "2025-01-31T23:00:00Z"),
            ("a", "Y", "2025-02-01T01:00:00Z"),
            ("b", "X", "2025-02-03T10:00:00Z"),
        ]
    )
    log = read(df)
    month = jm.discover_dfg(log, by="cohort:month").start
    assert dict(zip(month["segment"], month["cases"])) == {"2025-01": 1, "2025-02": 1}
    week = log.cases(by="cohort:week").set_index("case")["segment"].to_dict()
    assert week == {"a": "2025-01-27", "b": "2025-02-03"}


def test_cohorts_need_timestamps():
    df = pd.DataFrame({"case": ["u"], "activity": ["a"], "step": [1]})
    with pytest.raises(SchemaError, match="needs timestamps"):
        jm.discover_dfg(read(df, order="step"), by="cohort:month")


def test_top_variants_per_segment_keep_share_of_the_segment(demo_log):
    top = jm.discover_variants(demo_log, by="segment", top=2).table
    assert top.groupby("segment", observed=True).size().max() == 2
    every = jm.discover_variants(demo_log, by="segment").table
    head = every.groupby("segment", observed=True).head(2).reset_index(drop=True)
    pd.testing.assert_frame_equal(top, head)
    with pytest.raises(jm.ArgumentError, match="top= takes a whole number of at least 1, not 0"):
        jm.discover_variants(demo_log, top=0)


def test_variant_ids_are_stable_across_segments_and_the_case_table(demo_log):
    whole = jm.discover_variants(demo_log).table.set_index("variant_id")["variant"]
    split = jm.discover_variants(demo_log, by="region").table
    assert all(whole[v] == seq for v, seq in zip(split["variant_id"], split["variant"]))
    cases = demo_log.cases()
    counts = cases["variant_id"].value_counts()
    table = jm.discover_variants(demo_log).table.set_index("variant_id")["cases"]
    assert counts.sort_index().tolist() == table.sort_index().tolist()


def test_case_table(demo_log, demo_frame):
    cases = demo_log.cases(by="region")
    assert list(cases.columns[:7]) == [
        "case",
        "segment",
        "events",
        "start",
        "end",
        "duration_s",
        "variant_id",
    ]
    for attr in ("segment", "age_group", "region", "acquisition", "loan_amount"):
        assert attr in demo_log.case_attributes
    for column in ("case:segment", "age_group", "region", "acquisition", "loan_amount"):
        assert column in cases.columns  # an attribute named like a case-table column is prefixed
    first = cases.iloc[0]
    events = demo_frame[demo_frame["customer_id"] == first["case"]]
    assert first["events"] == len(events)
    assert first["start"] == events["timestamp"].min()
    assert first["duration_s"] == (events["timestamp"].max() - events["timestamp"].min()).total_seconds()
    assert (cases["segment"] == cases["region"]).all()


def test_events_round_trip_in_order(demo_log, demo_frame):
    events = demo_log.to_frame(columns=["sentiment"])
    assert len(events) == len(demo_frame)
    assert events.groupby("case")["position"].apply(lambda p: (p.diff().dropna() == 1).all()).all()
    assert events.groupby("case")["timestamp"].apply(lambda t: t.is_monotonic_increasing).all()
