"""The DuckDB engine's filters and composite activities, against a pandas reference.

The oracle: a filtered relation gives, verb by verb, the tables of a log read afresh from only
the rows a plain pandas selection keeps (only ``rows_read``, ``invalid_rows`` and ``filtered`` in
the stats may differ). The oracle's parts (the valid rows, per case, the verb tables and their
comparison) come from the engine kit, ``journeymine.testing.engines``, which runs a few of these
steps on any engine (``check_engine``); here they all run, on DuckDB.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import journeymine as jm
from journeymine.engines.base import Filter
from journeymine.errors import SchemaError
from journeymine.segments import Segmentation
from journeymine.testing.engines import (
    assert_same_tables,
    cases_kept,
    ordered_rows,
    per_case,
    typed_events,
    valid_rows,
    verb_tables,
)

MAP = {"case": "customer", "activity": "touchpoint", "timestamp": "ts", "channel": "channel"}
START = datetime(2025, 1, 1, tzinfo=timezone.utc)


def frame(seed: int = 3, cases: int = 40) -> pd.DataFrame:
    """Events with ties, case attributes of every type, and a few invalid rows: the engine kit's
    typed log, with the day of each event (a DATE column)."""
    out = typed_events(seed=seed, cases=cases)
    return out.assign(day=out["ts"].dt.date)


def us(t: datetime) -> int:
    return int(t.timestamp() * 1_000_000)


SEGMENTS = [
    None,
    Segmentation(name="tier", column="tier"),
    Segmentation(name="cohort:month", cohort="month"),
    Segmentation(name="amount", column="amount", edges=(200.0, 2000.0), labels=("<200", "200-2000", ">2000")),
]


def verbs(log: jm.EventLog, rel=None) -> dict[str, object]:
    """Every verb's output on ``rel`` (the log's own relation by default), by every segment."""
    return verb_tables(
        log.engine,
        log._relation if rel is None else rel,
        by=SEGMENTS,
        measure="score",
        attributes={"tier": "tier", "amount": "amount"},
        columns=["stage", "score", "vip"],
        quantiles="amount",
    )


def assert_same_verbs(got: dict, want: dict) -> None:
    assert_same_tables(got, want, rtol=1e-12)


def read(data: pd.DataFrame, **kw) -> jm.EventLog:
    return jm.read_events(data.reset_index(drop=True), on_invalid="quarantine", **{**MAP, **kw})


def check(log: jm.EventLog, step: Filter, kept: pd.DataFrame, **kw):
    """Filter ``log`` by ``step`` and compare with a fresh log of ``kept`` (the reference)."""
    parent = log._relation
    rel = log.engine.filter(parent, step)
    ref_stats = None
    valid = kept
    if len(valid):
        ref = read(kept, **kw)
        ref_stats = ref.stats
        assert_same_verbs(verbs(log, rel), verbs(ref))
    s = rel.stats
    assert s.rows_read == parent.stats.rows_read
    assert s.invalid_rows == parent.stats.invalid_rows
    assert s.invalid_reasons == parent.stats.invalid_reasons
    assert s.rows_read == s.events + s.invalid_rows + s.filtered
    assert s.filtered == parent.stats.filtered + parent.stats.events - s.events
    if ref_stats is not None:
        assert (s.events, s.cases, s.activities, s.timezone, s.timed) == (
            ref_stats.events,
            ref_stats.cases,
            ref_stats.activities,
            ref_stats.timezone,
            ref_stats.timed,
        )
    else:
        assert (s.events, s.cases) == (0, 0)
    assert log.engine.quarantine(rel).equals(log.engine.quarantine(parent))
    return rel


# -- the pandas reference (valid_rows, ordered_rows, per_case, cases_kept: from the kit) ------


def variant_ranking(data: pd.DataFrame, log: jm.EventLog) -> pd.DataFrame:
    """Variants by cases (desc) then id, with their cases, from the engine's ids."""
    vt = log.engine.variants(log._relation, by=None, top=None).to_pandas()
    pc = per_case(data)
    ids = {tuple(v): i for v, i in zip(vt["variant"], vt["variant_id"])}
    pc["vid"] = [ids[s] for s in pc["seq"]]
    counts = pc.groupby("vid").size().rename("cases").reset_index()
    counts = counts.sort_values(["cases", "vid"], ascending=[False, True]).reset_index(drop=True)
    return pc, counts


@pytest.fixture(scope="module")
def data():
    return frame()


@pytest.fixture(scope="module")
def log(data):
    return read(data)


# -- the filter kinds ------------------------------------------------------------------------


@pytest.mark.parametrize("negate", [False, True])
@pytest.mark.parametrize(
    ("column", "values", "test"),
    [
        ("channel", ("web", "app"), lambda s: s.isin(["web", "app"])),
        ("channel", ("web ",), lambda s: s.eq("web ")),  # no trim
        ("amount", ("250", "1e3", "x"), lambda s: s.isin([250, 1000])),
        ("score", ("2.25", "0.50"), lambda s: s.isin([2.25, 0.5])),
        ("vip", ("TRUE",), lambda s: s.eq(True)),
        ("vip", ("yes",), lambda s: s.eq("never")),
        ("channel", ("phone",), lambda s: s.eq("phone")),
    ],
)
def test_events(data, log, column, values, test, negate):
    v = valid_rows(data)
    hit = test(v[column]).fillna(False).astype(bool) & v[column].notna()
    kept = v[~hit] if negate else v[hit]
    check(log, Filter(kind="events", column=column, values=values, negate=negate), kept)


def test_event_filter_that_empties_cases(data, log):
    v = valid_rows(data)
    kept = v[v["touchpoint"].eq("Pay")]
    assert kept["customer"].nunique() < v["customer"].nunique()
    rel = check(log, Filter(kind="events", column="touchpoint", values=("Pay",)), kept)
    assert rel.stats.cases == kept["customer"].nunique()


@pytest.mark.parametrize("negate", [False, True])
@pytest.mark.parametrize(
    ("column", "values", "test"),
    [
        ("tier", ("gold",), lambda s: s.eq("gold")),
        ("amount", ("100", "5000.0"), lambda s: s.isin([100, 5000])),
        ("vip", ("false", "True"), lambda s: s.isin([True, False])),
    ],
)
def test_cases(data, log, column, values, test, negate):
    v = valid_rows(data)
    first = ordered_rows(data).dropna(subset=[column]).groupby("customer")[column].first()
    hit = set(first[test(first).astype(bool)].index)
    every = set(v["customer"])
    check(
        log,
        Filter(kind="cases", column=column, values=values, negate=negate),
        cases_kept(data, every - hit if negate else hit),
    )


@pytest.mark.parametrize("mode", ["events", "contained", "intersecting"])
@pytest.mark.parametrize(
    ("start", "end"),
    [
        (START + timedelta(days=20), START + timedelta(days=50)),
        (None, START + timedelta(days=30)),
        (START + timedelta(days=60), None),
    ],
)
def test_period(data, log, mode, start, end):
    step = Filter(
        kind="period",
        start=None if start is None else us(start),
        end=None if end is None else us(end),
        mode=mode,
    )
    lo = pd.Timestamp.min.tz_localize("UTC") if start is None else pd.Timestamp(start)
    hi = pd.Timestamp.max.tz_localize("UTC") if end is None else pd.Timestamp(end)
    v = valid_rows(data)
    if mode == "events":
        kept = v[(v["ts"] >= lo) & (v["ts"] < hi)]
    else:
        pc = per_case(data)
        if mode == "contained":
            keep = pc[(pc["first"] >= lo) & (pc["last"] < hi)].index
        else:
            keep = pc[(pc["first"] < hi) & (pc["last"] >= lo)].index
        kept = cases_kept(data, keep)
    check(log, step, kept)


@pytest.mark.parametrize("negate", [False, True])
@pytest.mark.parametrize("names", [("Pay",), ("Pay", "Visit"), ("Pay", "no such activity"), ()])
def test_contains(data, log, names, negate):
    pc = per_case(data)
    if negate:
        keep = [c for c, s in pc["seq"].items() if not set(names) & set(s)]
    else:
        keep = [c for c, s in pc["seq"].items() if set(names) <= set(s)]
    check(log, Filter(kind="contains", values=names, negate=negate), cases_kept(data, keep))


@pytest.mark.parametrize("negate", [False, True])
@pytest.mark.parametrize("kind", ["starts", "ends"])
@pytest.mark.parametrize("names", [("Visit",), ("Pay", "Ad seen", "nope")])
def test_starts_ends(data, log, kind, names, negate):
    pc = per_case(data)
    at = pc["start" if kind == "starts" else "end"]
    hit = at.isin(names)
    keep = pc.index[~hit if negate else hit]
    check(log, Filter(kind=kind, values=names, negate=negate), cases_kept(data, keep))


@pytest.mark.parametrize(("low", "high"), [(2, 4), (None, 1), (5, None), (3, 3)])
def test_size(data, log, low, high):
    pc = per_case(data)
    ok = pd.Series(True, index=pc.index)
    if low is not None:
        ok &= pc["n"] >= low
    if high is not None:
        ok &= pc["n"] <= high
    check(log, Filter(kind="size", low=low, high=high), cases_kept(data, pc.index[ok]))


@pytest.mark.parametrize("top", [1, 3, 1000])
def test_top_variants(data, log, top):
    pc, counts = variant_ranking(data, log)
    chosen = set(counts["vid"][:top])
    check(log, Filter(kind="variants", top=top), cases_kept(data, pc.index[pc["vid"].isin(chosen)]))


@pytest.mark.parametrize("coverage", [0.05, 0.3, 0.5, 0.999, 1.0])
def test_coverage(data, log, coverage):
    pc, counts = variant_ranking(data, log)
    total = counts["cases"].sum()
    n = next(i + 1 for i in range(len(counts)) if counts["cases"][: i + 1].sum() / total >= coverage)
    chosen = set(counts["vid"][:n])
    check(log, Filter(kind="variants", coverage=coverage), cases_kept(data, pc.index[pc["vid"].isin(chosen)]))


# -- edges -----------------------------------------------------------------------------------


def test_filter_keeping_nothing(data, log):
    rel = check(log, Filter(kind="events", column="channel", values=("fax",)), valid_rows(data).iloc[:0])
    assert (rel.stats.events, rel.stats.cases, rel.stats.activities) == (0, 0, 0)
    assert rel.stats.filtered == log.n_events


def test_chained_filters(data, log):
    v = valid_rows(data)
    first = log.engine.filter(log._relation, Filter(kind="events", column="channel", values=("web", "app")))
    step = v[v["channel"].isin(["web", "app"])]
    pc = per_case(step)
    keep = pc.index[pc["n"] >= 2]
    second = log.engine.filter(first, Filter(kind="size", low=2))
    ref = read(cases_kept(step, keep))
    assert_same_verbs(verbs(log, second), verbs(ref))
    assert second.stats.filtered == log.n_events - second.stats.events
    assert second.stats.rows_read == second.stats.events + second.stats.invalid_rows + second.stats.filtered
    assert log.engine.quarantine(second).equals(log.engine.quarantine(log._relation))
    # the first stays usable, and is unchanged
    assert first.stats.events == len(step)
    del first
    import gc

    gc.collect()
    assert log.engine.dfg(second, by=None).num_rows > 0  # the parent's tables stay while in use


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000))
def test_shuffled_rows_give_equal_results(data, seed):
    # without ties in time (equal times of one case keep the input order, by design)
    data = data.assign(ts=data["ts"] + pd.to_timedelta(range(len(data)), unit="s"))
    shuffled = data.sample(frac=1, random_state=seed)
    one, two = read(data), read(shuffled)
    for step in (
        Filter(kind="cases", column="tier", values=("gold",)),
        Filter(kind="variants", coverage=0.5),
        Filter(kind="events", column="channel", values=("phone",), negate=True),
    ):
        a, b = one.engine.filter(one._relation, step), two.engine.filter(two._relation, step)
        assert_same_verbs(verbs(two, b), verbs(one, a))


def test_original_relation_is_unchanged(data, log):
    before = verbs(log)
    log.engine.filter(log._relation, Filter(kind="cases", column="tier", values=("silver",)))
    assert_same_verbs(verbs(log), before)


def test_date_column_is_refused(log):
    for kind in ("events", "cases"):
        with pytest.raises(SchemaError, match="'day' holds DATE values"):
            log.engine.filter(log._relation, Filter(kind=kind, column="day", values=("2025-01-02",)))


def test_csv_log_matches_text(tmp_path, data):
    path = tmp_path / "events.csv"
    data.to_csv(path, index=False)
    log = jm.read_events(path, on_invalid="quarantine", **MAP)
    rel = log.engine.filter(log._relation, Filter(kind="events", column="amount", values=("250",)))
    assert rel.stats.events == int((valid_rows(data)["amount"] == 250).sum())
    rel = log.engine.filter(log._relation, Filter(kind="cases", column="amount", values=("250.0",)))
    assert rel.stats.cases == valid_rows(data).loc[lambda d: d["amount"] == 250, "customer"].nunique()


# -- composite activities --------------------------------------------------------------------


def composite(data: pd.DataFrame) -> pd.DataFrame:
    """The reference's single activity column: the parts' texts joined by '+'."""
    out = data.copy()

    def part(s: pd.Series) -> pd.Series:
        text = s.astype("string")
        return text.where(~(text.isna() | text.str.strip().eq("")), "").fillna("")

    a, b = part(out["touchpoint"]), part(out["stage"])
    label = a + "+" + b
    out["label"] = label.where(~(a.eq("") & b.eq("")), None)
    return out


def test_composite_activity_labels(data):
    log = read(data, activity=["touchpoint", "stage"])
    ref_frame = composite(data).drop(columns=["touchpoint", "stage"])
    events = log.engine.events(log._relation).to_pandas()
    labels = set(events["activity"])
    assert any(x.endswith("+") for x in labels)  # a blank part is the empty text
    ref = jm.read_events(ref_frame, on_invalid="quarantine", **{**MAP, "activity": "label"})
    acts = log.engine.activities(log._relation, by=None)
    assert acts.equals(ref.engine.activities(ref._relation, by=None))
    assert log.engine.dfg(log._relation, by=None).equals(ref.engine.dfg(ref._relation, by=None))
    assert "touchpoint" not in log.case_attributes and "stage" not in log.case_attributes
    ch = log.engine.activity_channels(log._relation, by=None)
    assert ch.equals(ref.engine.activity_channels(ref._relation, by=None))


def test_composite_activity_all_parts_blank_is_quarantined(data):
    frame_ = data.copy()
    frame_.loc[11, ["touchpoint", "stage"]] = ["", None]
    frame_.loc[12, ["touchpoint", "stage"]] = ["Visit", "  "]
    log = read(frame_, activity=["touchpoint", "stage"])
    qt = log.quarantine
    row = qt[qt["row"] == 11]
    assert list(row["reason"]) == ["empty activity"]
    assert list(row["column"]) == ["touchpoint"]
    assert 12 not in set(qt["row"])
    events = log.engine.events(log._relation).to_pandas()
    assert "Visit+" in set(events["activity"])


def test_composite_activity_filtered(data):
    log = read(data, activity=["touchpoint", "stage"])
    rel = log.engine.filter(log._relation, Filter(kind="contains", values=("Pay+end",)))
    c = composite(data)
    v = c[c["customer"].notna() & c["label"].notna()]
    keep = set(v.loc[v["label"] == "Pay+end", "customer"])
    kept = data.loc[v.index[v["customer"].isin(keep)]]
    ref = read(kept, activity=["touchpoint", "stage"])
    assert_same_verbs(verbs(log, rel), verbs(ref))
    rel = log.engine.filter(log._relation, Filter(kind="events", column="stage", values=("end",)))
    assert rel.stats.events == int((v["stage"] == "end").sum())
