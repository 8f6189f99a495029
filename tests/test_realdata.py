"""The real logs in ../shared/data, mined by journeymine and by pm4py (the oracle): equal results.

Skipped with a reason when ../shared/data is absent. pm4py is only a test dependency.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

import journeymine as jm
from helpers import shared_file

pytestmark = pytest.mark.realdata

# mapping, how pandas reads it for the oracle, and the figures of ../shared/data/README.md
LOGS = {
    "running-example.xes": {"map": {}, "figures": (6, 42, 8, 6)},
    "helpdesk.xes.gz": {"map": {}, "figures": (4580, 21348, 14, 226)},
    "bpic2012.xes.gz": {"map": {}, "figures": (13087, 262200, 24, 4366)},
    "receipt.csv": {
        "map": {},
        "figures": (1434, 8577, 27, 116),
        "pandas": {"sep": ",", "ts": "time:timestamp", "format": "ISO8601"},
    },
    # The README counts 1,049 cases and 15,190 events: pandas reads the case id "NA" as missing.
    # "NA" is a real patient here (between "MZ" and "NB"): journeymine keeps it (1,050 cases,
    # 15,214 events, as the published log); na_values=["NA"] reproduces the README figures.
    "sepsis.csv": {
        "map": {"case": "Case ID", "activity": "Activity", "timestamp": "Complete Timestamp"},
        "figures": (1050, 15214, 16, 846),
        "pandas": {"sep": ";", "ts": "Complete Timestamp", "format": "%Y/%m/%d %H:%M:%S.%f"},
    },
    "BPI2016_Complaints.csv": {  # Latin-1 text: said so, since it is not UTF-8
        "map": {
            "case": "CustomerID",
            "activity": "ComplaintTheme_EN",
            "timestamp": "ContactDate",
            "encoding": "latin-1",
        },
        "figures": (226, 289, None, None),
        "pandas": {"sep": ";", "ts": "ContactDate", "format": "%Y-%m-%d", "encoding": "latin-1"},
    },
    "msnbc_sample.csv.gz": {
        "map": {"case": "user_id", "activity": "page_category", "order": "step"},
        "figures": (50000, 245062, 17, None),
        "pandas": {"sep": ",", "order": "step"},
    },
}


@pytest.fixture(scope="session")
def pm4py():
    return pytest.importorskip("pm4py")


_frames: dict[str, pd.DataFrame] = {}


def oracle_frame(name: str, pm4py) -> pd.DataFrame:
    """The log as pm4py sees it: read by pm4py (XES) or pandas (CSV), then formatted by pm4py."""
    if name in _frames:
        return _frames[name]
    path = shared_file(name)
    spec = LOGS[name]
    mapping = {
        "case": "case:concept:name",
        "activity": "concept:name",
        "timestamp": "time:timestamp",
        **spec["map"],
    }
    mapping.pop("encoding", None)
    if name.endswith((".xes", ".xes.gz")):
        df = pm4py.read_xes(str(path))
    else:
        opts = spec["pandas"]
        df = pd.read_csv(
            path,
            sep=opts["sep"],
            dtype=str,
            keep_default_na=False,
            na_values=[""],
            encoding=opts.get("encoding", "utf-8"),
        )
        if "order" in opts:
            mapping["timestamp"] = "__t"
            df["__t"] = pd.to_datetime(df[opts["order"]].astype(int), unit="s", utc=True)
        else:
            df[opts["ts"]] = pd.to_datetime(df[opts["ts"]], format=opts["format"], utc=True)
    df = pm4py.format_dataframe(
        df, case_id=mapping["case"], activity_key=mapping["activity"], timestamp_key=mapping["timestamp"]
    )
    _frames[name] = df
    return df


def our_log(name: str, **extra) -> jm.EventLog:
    return jm.read_events(shared_file(name), **LOGS[name]["map"], **extra)


@pytest.mark.parametrize("name", list(LOGS))
def test_figures_of_the_readme(name):
    log = our_log(name)
    cases, events, activities, variants = LOGS[name]["figures"]
    assert (log.n_cases, log.n_events, log.invalid_rows) == (cases, events, 0)
    if activities is not None:
        assert log.n_activities == activities
    if variants is not None:
        assert len(jm.discover_variants(log)) == variants


@pytest.mark.parametrize("name", list(LOGS))
def test_dfg_start_end_variants_equal_pm4py(name, pm4py):
    log = our_log(name)
    df = oracle_frame(name, pm4py)
    dfg, start, end = pm4py.discover_dfg(df)
    ours = jm.discover_dfg(log)
    assert {(r.source, r.target): r.count for r in ours.edges.itertuples()} == dict(dfg)
    assert dict(zip(ours.start["activity"], ours.start["cases"])) == dict(start)
    assert dict(zip(ours.end["activity"], ours.end["cases"])) == dict(end)
    variants = jm.discover_variants(log).table
    assert dict(zip(variants["variant"], variants["cases"])) == dict(pm4py.get_variants(df))
    assert log.n_cases == df["case:concept:name"].nunique()
    events = df["concept:name"].value_counts().to_dict()
    assert dict(zip(ours.activities["activity"], ours.activities["events"])) == events


@pytest.mark.parametrize("name", [n for n in LOGS if "order" not in LOGS[n]["map"]])
def test_durations_equal_pm4py(name, pm4py):
    df = oracle_frame(name, pm4py)
    performance, _, _ = pm4py.discover_performance_dfg(df)
    edges = jm.discover_dfg(our_log(name)).edges.set_index(["source", "target"])
    assert len(edges) == len(performance)
    for edge, figures in performance.items():
        for ours, theirs in (("mean_s", "mean"), ("median_s", "median")):
            assert math.isclose(edges.loc[edge, ours], figures[theirs], rel_tol=1e-9, abs_tol=1e-6)


def test_sepsis_na_is_a_case_unless_said_otherwise():
    log = our_log("sepsis.csv")
    cases = log.cases(attributes=[]).set_index("case")
    assert cases.loc["NA", "events"] == 24
    readme = our_log("sepsis.csv", na_values=["NA"], on_invalid="quarantine")
    assert (readme.n_cases, readme.n_events, readme.invalid_rows) == (1049, 15190, 24)
    assert readme.rows_read == 15214
    q = readme.quarantine
    assert set(q["reason"]) == {"empty case id"} and len(q) == 24
    assert q["line"].iloc[0] == 443  # the file's own line number
    assert len(jm.discover_variants(readme)) == 845
    with pytest.raises(jm.InvalidRowsError, match="(?s)24 rows cannot be used.*line 443: empty case id"):
        our_log("sepsis.csv", na_values=["NA"])


def test_receipt_segments_by_channel_equal_pm4py_per_segment(pm4py):
    log = our_log("receipt.csv")
    df = oracle_frame("receipt.csv", pm4py)
    ours = jm.discover_dfg(log, by="channel")  # the case:channel attribute
    assert set(ours.edges["segment"]) == {"Internet", "Desk", "Post", "e-mail", "Intern"}
    for segment, part in df.groupby("case:channel"):
        dfg, start, _ = pm4py.discover_dfg(part)
        mine = ours.edges[ours.edges["segment"] == segment]
        assert {(r.source, r.target): r.count for r in mine.itertuples()} == dict(dfg)
        mine_start = ours.start[ours.start["segment"] == segment]
        assert dict(zip(mine_start["activity"], mine_start["cases"])) == dict(start)


def test_receipt_mixed_offsets_are_normalised(pm4py):
    log = our_log("receipt.csv")
    assert log.timezone == "UTC"
    df = oracle_frame("receipt.csv", pm4py)
    cases = log.cases(attributes=[]).set_index("case")
    first = df.groupby("case:concept:name")["time:timestamp"].min()
    assert (cases["start"] == first.reindex(cases.index)).all()


def test_bpic2012_amount_bins_and_month_cohorts(pm4py):
    log = our_log("bpic2012.xes.gz")
    assert "case:AMOUNT_REQ" in log.case_attributes
    variants = jm.discover_variants(log, by="AMOUNT_REQ", bins=4).table
    assert variants["cases"].sum() == log.n_cases
    per_bin = variants.groupby("segment", observed=True)["cases"].sum()
    df = oracle_frame("bpic2012.xes.gz", pm4py)
    amounts = df.groupby("case:concept:name")["case:AMOUNT_REQ"].first().astype(float)
    edges = log.segmentation("AMOUNT_REQ", 4).edges
    assert edges[0] == amounts.min() and edges[-1] == amounts.max()  # quantile edges: data values
    expected = pd.cut(amounts, list(edges), right=False).value_counts(sort=False).tolist()
    expected[-1] += int((amounts == edges[-1]).sum())  # the last bin includes its upper edge
    assert per_bin.tolist() == expected
    cases = df.groupby("case:concept:name").agg(first=("time:timestamp", "min"))
    expected = cases["first"].dt.strftime("%Y-%m").value_counts().to_dict()
    months = jm.discover_dfg(log, by="cohort:month").start.groupby("segment")["cases"].sum()
    assert months.to_dict() == expected


def test_helpdesk_attributes_nearly_constant_per_case_are_segments_with_a_warning(pm4py):
    log = our_log("helpdesk.xes.gz")
    # stored on events, constant in all cases but a few (product varies in 2 of 4,580 cases)
    assert "product" not in log.case_attributes
    with pytest.warns(jm.VaryingAttributeWarning, match="'product'.* in 2 cases.*'Case 2918'"):
        dfg = jm.discover_dfg(log, by="product")
    assert dfg.start["cases"].sum() == log.n_cases
    df = oracle_frame("helpdesk.xes.gz", pm4py)
    first = df.groupby("case:concept:name")["product"].first()  # the first event's value
    cases = log.cases(by="product", attributes=[]).set_index("case")["segment"]
    assert (cases == first.reindex(cases.index)).all()


def test_a_file_that_is_not_utf8_says_which_encoding_to_pass():
    path = shared_file("BPI2016_Complaints.csv")
    with pytest.raises(jm.ConnectorError, match="not UTF-8 text: line 45 has the byte 0xEB.*latin-1"):
        jm.read_events(path, case="CustomerID", activity="ComplaintTheme_EN", timestamp="ContactDate")


def test_msnbc_clickstream_without_times():
    log = our_log("msnbc_sample.csv.gz")
    assert not log.stats.timed
    assert jm.discover_dfg(log).edges["median_s"].isna().all()
