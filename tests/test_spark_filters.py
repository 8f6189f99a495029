"""The Spark engine's filters and composite activities, against a pandas reference.

The oracle: a filtered relation gives, verb by verb, the tables of a log read afresh (on DuckDB,
whose verbs equal Spark's on every loaded log) from only the rows a plain pandas selection keeps (only ``rows_read``, ``invalid_rows``,
``invalid_reasons`` and ``filtered`` in the stats may differ). Spark is slow: most steps compare
the tables that show every kept event and case (events, cases, variants); one compares every
verb (``check_engine`` on Spark, in tests/test_check_engine.py, compares every verb for a filter
too).
"""

from __future__ import annotations

import gc
import random
from datetime import datetime, timedelta, timezone

import pandas as pd
import pytest

import journeymine as jm
from journeymine.engines.base import Filter
from journeymine.errors import SchemaError
from journeymine.segments import Segmentation
from journeymine.testing.engines import assert_same_tables, cases_kept, per_case, valid_rows, verb_tables

pytestmark = pytest.mark.spark

ACTS = ["Ad seen", "Visit", "Call ☎", "Offer 'gold'", "Pay"]
MAP = {"case": "customer", "activity": "touchpoint", "timestamp": "ts", "channel": "channel"}
START = datetime(2025, 1, 1, tzinfo=timezone.utc)
DAY = 86_400_000_000
TIER = Segmentation(name="tier", column="tier")
MONTH = Segmentation(name="cohort:month", cohort="month")


def frame(seed: int = 5, cases: int = 24) -> pd.DataFrame:
    """Events with ties, case attributes of every type, and two invalid rows."""
    rnd = random.Random(seed)
    rows = []
    for i in range(cases):
        t = START + timedelta(days=rnd.randrange(60), minutes=rnd.randrange(1440))
        tier, amount, vip = (
            rnd.choice(["gold", "silver", None]),
            rnd.choice([100, 250, 5000]),
            rnd.random() < 0.5,
        )
        for _ in range(rnd.randrange(1, 6)):
            t += timedelta(minutes=rnd.choice([0, 5, 60, 600]))
            rows.append(
                {
                    "customer": f"c{i:02d}",
                    "touchpoint": rnd.choice(ACTS),
                    "stage": rnd.choice(["start", "end", " ", None]),
                    "ts": t,
                    "channel": rnd.choice(["web", "app", None]),
                    "tier": tier,
                    "amount": amount,
                    "score": rnd.choice([0.5, 2.25, None]),
                    "vip": vip,
                    "day": t.date(),
                }
            )
    out = pd.DataFrame(rows)
    out.loc[3, "customer"] = None
    out.loc[7, "touchpoint"] = "  "
    return out


def read(data: pd.DataFrame, spark, **kw) -> jm.EventLog:
    kw = {**MAP, **kw}
    return jm.read_events(data.reset_index(drop=True), engine=spark, on_invalid="quarantine", **kw)


def light(log: jm.EventLog, rel=None) -> dict[str, object]:
    """The tables that show every kept event and case, with their order and variants."""
    e, rel = log.engine, log._relation if rel is None else rel
    return {
        **verb_tables(e, rel, verbs=["events", "variants"], columns=["score", "vip"]),
        **verb_tables(e, rel, by=[TIER], verbs=["cases"], attributes={"amount": "amount"}),
    }


def every_verb(log: jm.EventLog, rel=None) -> dict[str, object]:
    e, rel = log.engine, log._relation if rel is None else rel
    out = light(log, rel)
    per_segment = ["dfg", "top_variants", "activities", "activity_channels", "rarest_edges"]
    per_segment += ["measured_paths", "durations"]
    out.update(verb_tables(e, rel, by=(None, TIER), verbs=per_segment, measure="score"))
    out.update(verb_tables(e, rel, by=[MONTH], verbs=["cases"]))
    out.update(verb_tables(e, rel, verbs=["case_attributes", "quantiles"], quantiles="amount"))
    return out


def assert_same(got: dict, want: dict) -> None:
    assert_same_tables(got, want, rtol=1e-12)


def check(log, spark, step: Filter, kept: pd.DataFrame, *, full: bool = False, rel=None, **kw):
    """Filter ``rel`` (the log's by default) by ``step``; compare with a fresh log of ``kept``."""
    parent = log._relation if rel is None else rel
    out = log.engine.filter(parent, step)
    s = out.stats
    assert (s.rows_read, s.invalid_rows, s.invalid_reasons) == (
        parent.stats.rows_read,
        parent.stats.invalid_rows,
        parent.stats.invalid_reasons,
    )
    assert s.rows_read == s.events + s.invalid_rows + s.filtered
    assert s.filtered == parent.stats.filtered + parent.stats.events - s.events
    if len(kept):
        # the oracle: a log of only the kept rows, read on DuckDB (whose own filters are held to
        # the same oracle in tests/test_duckdb_filters.py, and whose verbs equal Spark's on a
        # loaded log in tests/test_engines.py); reading it on Spark too doubled this file's time
        ref = read(kept, "duckdb", **kw)
        r = ref.stats
        assert (s.events, s.cases, s.activities, s.timezone, s.timed) == (
            r.events,
            r.cases,
            r.activities,
            r.timezone,
            r.timed,
        )
        verbs = every_verb if full else light
        assert_same(verbs(log, out), verbs(ref))
    else:
        assert (s.events, s.cases, s.activities) == (0, 0, 0)
    return out


# -- the pandas reference: valid_rows, per_case and cases_kept, from the kit ------------------


@pytest.fixture(scope="module")
def data():
    return frame()


@pytest.fixture(scope="module")
def log(data, spark):
    return read(data, spark)


# -- the filter kinds ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "values", "test", "negate"),
    [
        ("channel", ("web", "web "), lambda s: s.eq("web"), False),  # no trim
        ("channel", ("web", "web "), lambda s: s.eq("web"), True),
        ("amount", ("250", "5e3", "x"), lambda s: s.isin([250, 5000]), True),
        ("score", ("2.250",), lambda s: s.eq(2.25), False),
        ("vip", ("TRUE", "yes"), lambda s: s.eq(True), False),
    ],
)
def test_events(data, log, spark, column, values, test, negate):
    v = valid_rows(data)
    hit = test(v[column]).fillna(False).astype(bool) & v[column].notna()
    step = Filter(kind="events", column=column, values=values, negate=negate)
    check(log, spark, step, v[~hit] if negate else v[hit], full=column == "channel" and not negate)


def test_event_filter_that_empties_cases(data, log, spark):
    v = valid_rows(data)
    kept = v[v["touchpoint"].eq("Pay")]
    assert kept["customer"].nunique() < v["customer"].nunique()
    rel = check(log, spark, Filter(kind="events", column="touchpoint", values=("Pay",)), kept)
    assert rel.stats.cases == kept["customer"].nunique()


@pytest.mark.parametrize(
    ("column", "values", "test", "negate"),
    [
        ("tier", ("gold",), lambda s: s.eq("gold"), False),
        ("tier", ("gold",), lambda s: s.eq("gold"), True),  # keeps the cases without a tier
        ("amount", ("100", "5000.0"), lambda s: s.isin([100, 5000]), False),
        ("vip", ("false",), lambda s: s.eq(False), True),
    ],
)
def test_cases(data, log, spark, column, values, test, negate):
    v = valid_rows(data)
    first = v.dropna(subset=[column]).groupby("customer")[column].first()
    hit = set(first[test(first).astype(bool)].index)
    keep = set(v["customer"]) - hit if negate else hit
    step = Filter(kind="cases", column=column, values=values, negate=negate)
    check(log, spark, step, cases_kept(data, keep))


@pytest.mark.parametrize(
    ("mode", "start", "end"),
    [("events", 20, 45), ("events", None, 30), ("contained", 10, None), ("intersecting", 20, 40)],
)
def test_period(data, log, spark, mode, start, end):
    lo = START + timedelta(days=start) if start is not None else None
    hi = START + timedelta(days=end) if end is not None else None
    micros = [None if t is None else int(t.timestamp()) * 1_000_000 for t in (lo, hi)]
    step = Filter(kind="period", start=micros[0], end=micros[1], mode=mode)
    low = pd.Timestamp(lo) if lo else pd.Timestamp.min.tz_localize("UTC")
    high = pd.Timestamp(hi) if hi else pd.Timestamp.max.tz_localize("UTC")
    v = valid_rows(data)
    if mode == "events":
        kept = v[(v["ts"] >= low) & (v["ts"] < high)]
    else:
        pc = per_case(data)
        if mode == "contained":
            kept = cases_kept(data, pc[(pc["first"] >= low) & (pc["last"] < high)].index)
        else:
            kept = cases_kept(data, pc[(pc["first"] < high) & (pc["last"] >= low)].index)
    check(log, spark, step, kept)


@pytest.mark.parametrize(
    ("kind", "names", "negate"),
    [
        ("contains", ("Pay", "Visit"), False),
        ("contains", ("Pay", "no such activity"), False),
        ("contains", ("Pay", "Visit"), True),
        ("starts", ("Visit", "nope"), False),
        ("ends", ("Pay", "Ad seen"), True),
    ],
)
def test_activities(data, log, spark, kind, names, negate):
    pc = per_case(data)
    if kind == "contains":
        hit = pc["seq"].map(lambda s: (not set(names) & set(s)) if negate else set(names) <= set(s))
    else:
        hit = pc["start" if kind == "starts" else "end"].isin(names)
        hit = ~hit if negate else hit
    check(log, spark, Filter(kind=kind, values=names, negate=negate), cases_kept(data, pc.index[hit]))


def test_size(data, log, spark):
    pc = per_case(data)
    keep = pc.index[(pc["n"] >= 2) & (pc["n"] <= 4)]
    check(log, spark, Filter(kind="size", low=2, high=4), cases_kept(data, keep))


@pytest.mark.parametrize("step", [Filter(kind="variants", top=3), Filter(kind="variants", coverage=0.4)])
def test_variants(data, log, spark, step):
    table = log.engine.variants(log._relation, by=None, top=None).to_pandas()  # cases desc, id
    pc = per_case(data)
    ids = {tuple(v): i for v, i in zip(table["variant"], table["variant_id"])}
    if step.top is not None:
        chosen = set(table["variant_id"][: step.top])
    else:
        share = table["cases"].cumsum() / table["cases"].sum()
        chosen = set(table["variant_id"][: int((share < step.coverage).sum()) + 1])
    keep = pc.index[pc["seq"].map(ids).isin(chosen)]
    check(log, spark, step, cases_kept(data, keep))


# -- edges -----------------------------------------------------------------------------------


def test_filter_keeping_nothing(data, log, spark):
    rel = check(log, spark, Filter(kind="events", column="channel", values=("fax",)), valid_rows(data)[:0])
    assert rel.stats.filtered == log.n_events
    again = log.engine.filter(rel, Filter(kind="size", low=1))  # a filter of nothing keeps nothing
    assert (again.stats.events, again.stats.filtered) == (0, log.n_events)


def test_chained_filters_and_quarantine(data, log, spark):
    v = valid_rows(data)
    step = v[v["channel"].isin(["web", "app"])]
    first = log.engine.filter(log._relation, Filter(kind="events", column="channel", values=("web", "app")))
    pc = per_case(step)
    second = check(
        log, spark, Filter(kind="size", low=2), cases_kept(step, pc.index[pc["n"] >= 2]), rel=first
    )
    assert second.stats.filtered == log.n_events - second.stats.events
    assert log.engine.quarantine(second).equals(log.engine.quarantine(log._relation))
    del first
    gc.collect()  # the parent lives as long as the child needs it
    assert log.engine.dfg(second, by=None).num_rows > 0


def test_shuffled_rows_give_equal_results(data, log, spark):
    # without ties in time (equal times of one case keep the input order, by design)
    untied = data.assign(ts=data["ts"] + pd.to_timedelta(range(len(data)), unit="s"))
    one, two = read(untied, spark), read(untied.sample(frac=1, random_state=7), spark)
    for step in (
        Filter(kind="variants", coverage=0.5),
        Filter(kind="cases", column="tier", values=("gold",)),
    ):
        a, b = one.engine.filter(one._relation, step), two.engine.filter(two._relation, step)
        assert_same(light(two, b), light(one, a))


def test_date_column_is_refused(log):
    for kind in ("events", "cases"):
        with pytest.raises(SchemaError, match="'day' holds DATE values"):
            log.engine.filter(log._relation, Filter(kind=kind, column="day", values=("2025-01-02",)))


# -- composite activities --------------------------------------------------------------------


def test_composite_activity(data, spark):
    data = data.copy()
    data.loc[7, "stage"] = None  # with the blank touchpoint: every part blank, an empty activity
    data.loc[8, ["touchpoint", "stage"]] = ["  ", "end"]  # a blank part is the empty text
    log = read(data, spark, activity=["touchpoint", "stage"])
    parts = [
        data[c].where(~(data[c].isna() | data[c].astype(str).str.strip().eq("")), "")
        for c in ("touchpoint", "stage")
    ]
    label = (parts[0] + "+" + parts[1]).where(parts[0].ne("") | parts[1].ne(""), None)
    ref = read(data.assign(touchpoint=label), spark)  # the label as one column
    s, r = log.stats, ref.stats
    assert (s.events, s.cases, s.activities, s.invalid_rows, s.invalid_reasons) == (
        r.events,
        r.cases,
        r.activities,
        r.invalid_rows,
        r.invalid_reasons,
    )
    assert "+end" in log.engine.activities(log._relation, by=None).column("activity").to_pylist()
    assert "stage" not in log.case_attributes and "touchpoint" not in log.case_attributes
    got, want = every_verb(log), every_verb(ref)
    del want["case_attributes()"]  # the reference's own stage column is no activity part
    assert_same(got, want)
    quarantine = log.engine.quarantine(log._relation).to_pandas().set_index("row")
    assert quarantine.loc[7, ["reason", "column", "value"]].tolist() == ["empty activity", "touchpoint", "  "]
    # a filter on a part; the filtered log gives the labels as a fresh log of the kept rows
    kept = data.assign(touchpoint=label)[lambda d: d["stage"].eq("end") & d["touchpoint"].notna()]
    kept = kept[kept["customer"].notna()]
    out = check(log, spark, Filter(kind="events", column="stage", values=("end",)), kept)
    assert all(n.endswith("+end") for n in log.engine.activities(out, by=None).column("activity").to_pylist())


def test_all_parts_blank_is_an_empty_activity(spark):
    data = pd.DataFrame(
        {
            "customer": ["a", "a", "b", "b"],
            "touchpoint": ["X", None, " ", "Y"],
            "stage": [" ", "", None, "go"],
            "ts": [START + timedelta(minutes=i) for i in range(4)],
            "channel": "web",
        }
    )
    log = read(data, spark, activity=["touchpoint", "stage"])
    events = log.engine.events(log._relation).to_pandas()
    assert events["activity"].tolist() == ["X+", "Y+go"]
    quarantine = log.engine.quarantine(log._relation).to_pandas()
    assert quarantine[["row", "reason", "column"]].values.tolist() == [
        [1, "empty activity", "touchpoint"],
        [2, "empty activity", "touchpoint"],
    ]
