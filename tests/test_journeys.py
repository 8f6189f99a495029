"""cut_journeys: a customer's events cut into journeys by gap, start and end; nothing dropped."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import journeymine as jm
from journeymine.journeymap.spec import SpecWarning
from journeymine.testing.strategies import event_frames, shuffle_keeping_ties


def stamp(t):
    """``MM-DD`` (noon) or ``MM-DDThh:mm:ssZ`` of 2025, as ISO text in UTC."""
    return f"2025-{t}" if "T" in t else f"2025-{t}T12:00:00Z"


def frame_of(rows):
    frame = pd.DataFrame(rows, columns=["customer", "activity", "timestamp"])
    return frame.assign(timestamp=frame["timestamp"].map(stamp), row=range(len(frame)))


def read(rows, **kw):
    """A log of (customer, activity, time) rows, with the input ``row`` as an attribute."""
    return jm.read_events(frame_of(rows), case="customer", activity="activity", timestamp="timestamp", **kw)


def journeys(cut):
    """Journey id -> its activities, in order."""
    events = cut.to_frame()
    return {j: g["activity"].tolist() for j, g in events.groupby("case", sort=False)}


def per_journey(cut, column):
    """Journey id -> the value of ``column`` (the same on every event of the journey)."""
    events = cut.to_frame(columns=[column])
    assert (events.groupby("case")[column].nunique(dropna=False) == 1).all()
    return events.groupby("case", sort=False)[column].first().to_dict()


def outside(cut):
    return [tuple(r) for r in cut.report.outside[["customer", "activity", "reason"]].itertuples(index=False)]


def counts(cut):
    r = cut.report
    return (r.customers, r.journeys, r.selected, r.complete, r.incomplete, r.events_in, r.events_outside)


# -- hand-made logs with known answers -------------------------------------------------------


def test_a_gap_splits_journeys():
    log = read(
        [
            ("c1", "A", "01-01"),
            ("c1", "B", "01-05"),
            ("c1", "C", "03-20"),
            ("c2", "A", "01-01"),
            ("c2", "B", "01-31"),  # exactly 30 days later: still the same journey
            ("c3", "A", "01-01"),  # 20 days between events: one journey of 60 days
            ("c3", "B", "01-21"),
            ("c3", "C", "02-10"),
            ("c3", "D", "03-02"),
        ]
    )
    for gap in ("30D", timedelta(days=30)):
        cut = jm.cut_journeys(log, gap=gap)
        assert journeys(cut) == {
            "c1#1": ["A", "B"],
            "c1#2": ["C"],
            "c2#1": ["A", "B"],
            "c3#1": ["A", "B", "C", "D"],
        }
        assert per_journey(cut, "journey_ended_by") == {
            "c1#1": "gap",
            "c1#2": "data",
            "c2#1": "data",
            "c3#1": "data",
        }
        assert per_journey(cut, "journey_index") == {"c1#1": 1, "c1#2": 2, "c2#1": 1, "c3#1": 1}
        assert per_journey(cut, "customer") == {"c1#1": "c1", "c1#2": "c1", "c2#1": "c2", "c3#1": "c3"}
        assert "journey_complete" not in cut.columns  # only with end=
        assert counts(cut) == (3, 4, 4, 0, 0, 9, 0)
        assert cut.report.outside.empty
    short = jm.cut_journeys(log, gap="25D")
    assert journeys(short) == {
        "c1#1": ["A", "B"],
        "c1#2": ["C"],
        "c2#1": ["A"],
        "c2#2": ["B"],
        "c3#1": ["A", "B", "C", "D"],
    }


def test_start_and_end():
    log = read(
        [
            ("c1", "X", "01-01"),  # before a start
            ("c1", "S", "01-02"),
            ("c1", "A", "01-03"),
            ("c1", "E", "01-04"),
            ("c1", "Y", "01-05"),  # after an end
            ("c1", "S", "01-06"),
            ("c1", "B", "01-07"),  # the data ends without an end: incomplete
            ("c2", "S", "01-01"),
            ("c2", "S", "01-02"),  # a start while open opens nothing
            ("c2", "A", "01-03"),
            ("c2", "E", "01-04"),
            ("c3", "X", "01-01"),  # never starts
            ("c3", "E", "01-02"),  # an end outside a journey ends nothing
        ]
    )
    cut = jm.cut_journeys(log, start="S", end="E")
    assert journeys(cut) == {"c1#1": ["S", "A", "E"], "c1#2": ["S", "B"], "c2#1": ["S", "S", "A", "E"]}
    assert per_journey(cut, "journey_complete") == {"c1#1": True, "c1#2": False, "c2#1": True}
    assert per_journey(cut, "journey_ended_by") == {"c1#1": "end", "c1#2": "data", "c2#1": "end"}
    assert outside(cut) == [
        ("c1", "X", "before a start"),
        ("c1", "Y", "after an end"),
        ("c3", "X", "before a start"),
        ("c3", "E", "before a start"),
    ]
    assert counts(cut) == (3, 3, 3, 2, 1, 9, 4)
    assert cut.n_events == 9 and cut.n_cases == 3
    assert list(cut.columns[:2]) == ["journey", "customer"]
    assert {"journey_index", "journey_complete", "journey_ended_by"} <= set(cut.columns)


def test_start_only_and_end_only():
    log = read(
        [
            ("c", "X", "01-01"),
            ("c", "S", "01-02"),
            ("c", "A", "01-03"),
            ("c", "S", "01-04"),
            ("c", "E", "01-05"),
            ("c", "B", "01-06"),
        ]
    )
    started = jm.cut_journeys(log, start="S")
    assert journeys(started) == {"c#1": ["S", "A", "S", "E", "B"]}
    assert per_journey(started, "journey_ended_by") == {"c#1": "data"}
    assert "journey_complete" not in started.columns
    assert outside(started) == [("c", "X", "before a start")]
    # without start, any event opens a journey: the one after an end opens the next
    ended = jm.cut_journeys(log, end="E")
    assert journeys(ended) == {"c#1": ["X", "S", "A", "S", "E"], "c#2": ["B"]}
    assert per_journey(ended, "journey_complete") == {"c#1": True, "c#2": False}
    assert counts(ended) == (1, 2, 2, 1, 1, 6, 0)


def test_gap_start_and_end_together():
    log = read(
        [
            ("c", "S", "01-01"),
            ("c", "A", "01-02"),
            ("c", "B", "03-01"),  # after the gap, not a start: outside
            ("c", "S", "03-02"),
            ("c", "E", "03-03"),
            ("c", "Z", "03-04"),
        ]
    )
    cut = jm.cut_journeys(log, gap="30D", start="S", end="E")
    assert journeys(cut) == {"c#1": ["S", "A"], "c#2": ["S", "E"]}
    assert per_journey(cut, "journey_ended_by") == {"c#1": "gap", "c#2": "end"}
    assert per_journey(cut, "journey_complete") == {"c#1": False, "c#2": True}
    assert outside(cut) == [("c", "B", "before a start"), ("c", "Z", "after an end")]
    assert counts(cut) == (1, 2, 2, 1, 1, 4, 2)


@pytest.fixture
def three_and_one():
    """c1 makes three journeys (by a 30-day gap), c2 one."""
    return read([("c1", "A", "01-01"), ("c1", "B", "03-01"), ("c1", "C", "05-01"), ("c2", "D", "01-01")])


@pytest.mark.parametrize(
    ("select", "kept", "left_out"),
    [
        ("all", {"c1#1": ["A"], "c1#2": ["B"], "c1#3": ["C"], "c2#1": ["D"]}, []),
        ("first", {"c1#1": ["A"], "c2#1": ["D"]}, ["B", "C"]),
        ("last", {"c1#3": ["C"], "c2#1": ["D"]}, ["A", "B"]),
        (0, {"c1#1": ["A"], "c2#1": ["D"]}, ["B", "C"]),
        (1, {"c1#2": ["B"]}, ["A", "C", "D"]),  # c2 has no second journey: contributes none
        (2, {"c1#3": ["C"]}, ["A", "B", "D"]),
    ],
)
def test_select(select, kept, left_out, three_and_one):
    cut = jm.cut_journeys(three_and_one, gap="30D", select=select)
    assert journeys(cut) == kept
    assert sorted(a for _, a, _ in outside(cut)) == left_out
    assert {reason for _, _, reason in outside(cut)} <= {"not selected"}
    assert counts(cut) == (2, 4, len(kept), 0, 0, len(kept), len(left_out))


def test_select_keeps_other_reasons_and_can_find_nothing(three_and_one):
    log = read(
        [
            ("c", "X", "01-01"),
            ("c", "S", "01-02"),
            ("c", "E", "01-03"),
            ("c", "Y", "01-04"),
            ("c", "S", "01-05"),
            ("c", "A", "01-06"),
        ]
    )
    cut = jm.cut_journeys(log, start="S", end="E", select="last")
    assert journeys(cut) == {"c#2": ["S", "A"]}
    assert outside(cut) == [
        ("c", "X", "before a start"),
        ("c", "S", "not selected"),
        ("c", "E", "not selected"),
        ("c", "Y", "after an end"),
    ]
    assert counts(cut) == (1, 2, 1, 0, 1, 2, 4)
    with pytest.raises(ValueError, match=r"no journey found .*select=3.*'journeys': 4, 'selected': 0"):
        jm.cut_journeys(three_and_one, gap="30D", select=3)


def test_start_and_end_take_lists_and_patterns():
    log = read(
        [
            ("c1", "Website visit", "01-01"),
            ("c1", "Mortgage calculator (app)", "01-02"),
            ("c1", "Offer declined", "01-03"),
            ("c2", "Mortgage calculator", "01-01"),
            ("c2", "Contract signed digitally", "01-02"),
            ("c3", "Advice call", "01-01"),
            ("c3", "Contract signed", "01-02"),
            ("c3", "Survey", "01-03"),
        ]
    )
    cut = jm.cut_journeys(
        log, start=["Mortgage calc*", "Advice call"], end=["Contract signed*", "Offer declin?d"]
    )
    assert journeys(cut) == {
        "c1#1": ["Mortgage calculator (app)", "Offer declined"],
        "c2#1": ["Mortgage calculator", "Contract signed digitally"],
        "c3#1": ["Advice call", "Contract signed"],
    }
    assert outside(cut) == [("c1", "Website visit", "before a start"), ("c3", "Survey", "after an end")]
    classes = jm.cut_journeys(log, start="[AM]*", end="Contract signed")
    assert set(journeys(classes)) == {"c1#1", "c2#1", "c3#1"}
    assert per_journey(classes, "journey_complete") == {"c1#1": False, "c2#1": False, "c3#1": True}


def test_an_activity_name_with_brackets_matches_itself():
    log = read([("c", "Call [missed]", "01-01"), ("c", "Call back", "01-02")])
    cut = jm.cut_journeys(log, start="Call [missed]")
    assert journeys(cut) == {"c#1": ["Call [missed]", "Call back"]}


def test_a_log_with_a_reason_column():
    frame = pd.DataFrame(
        {
            "customer": ["c", "c"],
            "activity": ["Call", "Visit"],
            "timestamp": ["2025-01-01T10:00:00Z", "2025-01-02T10:00:00Z"],
            "reason": ["billing", "mortgage"],
        }
    )
    log = jm.read_events(frame, case="customer", activity="activity", timestamp="timestamp")
    try:
        cut, error = jm.cut_journeys(log, start="Visit"), None
    except ValueError as exc:
        cut, error = None, str(exc)
    if error is not None:  # acceptable: a clear error, like the one for journey_* columns
        assert "'reason'" in error and "rename" in error
    else:  # or: the cut's reason, and the log's own column kept under another name
        out = cut.report.outside
        assert out["reason"].tolist() == ["before a start"]
        assert any(out[c].tolist() == ["billing"] for c in out.columns)
        assert cut.to_frame(columns=["reason"])["reason"].tolist() == ["mortgage"]


def test_an_order_only_log_is_cut_in_order():
    frame = pd.DataFrame({"customer": ["c"] * 5, "activity": ["E", "X", "S", "A", "Y"], "n": [4, 1, 2, 3, 5]})
    log = jm.read_events(frame, case="customer", activity="activity", order="n")
    cut = jm.cut_journeys(log, start="S", end="E")
    assert journeys(cut) == {"c#1": ["S", "A", "E"]}
    assert per_journey(cut, "journey_complete") == {"c#1": True}
    assert outside(cut) == [("c", "X", "before a start"), ("c", "Y", "after an end")]
    assert jm.discover_variants(cut).table["variant"].tolist() == [("S", "A", "E")]


# -- counts and structure ------------------------------------------------------------------

MIXED = [
    ("c1", "X", "01-01T08:00:00Z"),
    ("c1", "S", "01-01T09:00:00Z"),
    ("c1", "A", "01-01T09:00:00Z"),  # a tie: input order
    ("c1", "E", "01-02"),
    ("c1", "S", "03-01"),
    ("c1", "A", "03-02"),
    ("c1", "S", "06-01"),
    ("c2", "A", "01-01"),
    ("c2", "S", "01-02"),
    ("c3", "S", "02-01"),
    ("c3", "E", "02-01"),
]


@pytest.mark.parametrize(
    "options",
    [
        {"gap": "30D"},
        {"start": "S"},
        {"end": "E"},
        {"start": "S", "end": "E"},
        {"gap": "10D", "start": "S", "end": "E"},
        {"gap": "10D", "start": "S", "end": "E", "select": "first"},
        {"gap": "10D", "start": "S", "select": "last"},
        {"gap": "10D", "end": "E", "select": 1},
    ],
)
def test_counts_add_up_and_journeys_are_runs_of_a_customer(options):
    log = read(MIXED)
    cut = jm.cut_journeys(log, **options)
    check_structure(log, cut)


def check_structure(log, cut):
    """Counts add up; each journey is a contiguous run of its customer's events, in order,
    numbered in order; the events outside are exactly the others."""
    r = cut.report
    assert r.events_in + r.events_outside == log.n_events
    assert (cut.n_events, cut.n_cases) == (r.events_in, r.selected)
    assert len(r.outside) == r.events_outside and r.selected <= r.journeys
    if "journey_complete" in cut.columns:
        assert r.complete + r.incomplete == r.selected
    else:
        assert r.complete == r.incomplete == 0
    order = {c: g["row"].tolist() for c, g in log.to_frame(columns=["row"]).groupby("case", sort=False)}
    events = cut.to_frame(columns=["customer", "row", "journey_index"])
    last_end = {}
    for journey, g in events.groupby("case", sort=False):
        customer, index = g["customer"].iloc[0], int(g["journey_index"].iloc[0])
        assert journey == f"{customer}#{index}"
        rows, seq = g["row"].tolist(), order[customer]
        first = seq.index(rows[0])
        assert seq[first : first + len(rows)] == rows
        assert first > last_end.get(customer, (0, -1))[1] and index > last_end.get(customer, (0, -1))[0]
        last_end[customer] = (index, first + len(rows) - 1)
    assert sorted(events["row"].tolist() + r.outside["row"].tolist()) == sorted(
        x for rows in order.values() for x in rows
    )


def test_the_demo_against_pandas(demo_frame, demo_log):
    cut = jm.cut_journeys(demo_log, start="Mortgage calculator", end="Contract signed")
    r = cut.report

    # the same from the rows, which come by customer and in order: positions within the customer
    df = demo_frame.assign(pos=demo_frame.groupby("customer_id").cumcount())
    n = df.groupby("customer_id").size()
    calc = df[df["touchpoint"] == "Mortgage calculator"].groupby("customer_id")["pos"].min().reindex(n.index)
    sign = df[df["touchpoint"] == "Contract signed"].groupby("customer_id")["pos"].min().reindex(n.index)
    # two facts of the demo that keep the count simple: at most one signature per customer, and
    # no calculator after it (so every customer makes at most one journey)
    assert (df["touchpoint"] == "Contract signed").groupby(df["customer_id"]).sum().max() == 1
    after = df[(df["touchpoint"] == "Mortgage calculator") & (df["pos"] > df["customer_id"].map(sign))]
    assert after.empty
    started = calc.notna()
    complete = started & (sign > calc)
    events_in = (sign - calc + 1).where(complete, n - calc).where(started, 0)
    before = calc.where(started, n)
    after_end = (n - sign - 1).where(complete, 0)

    assert (r.customers, r.journeys, r.complete) == (3000, int(started.sum()), int(complete.sum()))
    assert (r.journeys, r.complete, r.incomplete) == (2510, 1796, 714)
    assert r.incomplete == int((started & ~complete).sum())
    assert r.events_in == int(events_in.sum()) and r.events_outside == int(before.sum() + after_end.sum())
    assert r.outside["reason"].value_counts().to_dict() == {
        "before a start": int(before.sum()),
        "after an end": int(after_end.sum()),
    }
    flags = per_journey(cut, "journey_complete")
    assert {j.removesuffix("#1") for j, done in flags.items() if done} == set(complete[complete].index)
    assert set(flags) == {f"{c}#1" for c in started[started].index}
    # every complete journey runs from the calculator to the signature
    variants = jm.discover_variants(cut).table
    done = variants[[v[-1] == "Contract signed" for v in variants["variant"]]]
    assert done["cases"].sum() == 1796 and all(v[0] == "Mortgage calculator" for v in variants["variant"])


# -- a property on generated logs -------------------------------------------------------------


def reference_cut(frame, *, gap=None, start=None, end=None, select="all"):
    """cut_journeys as its docstring tells it, in plain Python: journey id -> (rows, ended_by),
    and row -> reason for the events outside."""
    by_customer = defaultdict(list)
    for i, (c, a, t, row) in enumerate(
        zip(frame["customer"], frame["activity"], frame["timestamp"], frame["row"])
    ):
        by_customer[c].append((t, i, a, row))
    gap = pd.Timedelta(gap) if gap is not None else None
    found, out = {}, {}
    for customer, events in by_customer.items():
        runs, current, seen_end, last = [], None, False, None
        for t, _, activity, row in sorted(events, key=lambda e: (e[0], e[1])):
            if current is not None and gap is not None and t - last > gap:
                current[1], current = "gap", None
            if current is None and (start is None or activity in start):
                current = [[], "data"]
                runs.append(current)
            if current is not None:
                current[0].append(row)
                if end is not None and activity in end:
                    current[1], current, seen_end = "end", None, True
            else:
                out[row] = "after an end" if seen_end else "before a start"
            last = t
        n = len(runs)
        chosen = {"all": set(range(n)), "first": {0}, "last": {n - 1}}.get(select, {select})
        for k, (rows, ended_by) in enumerate(runs):
            if k in chosen:
                found[f"{customer}#{k + 1}"] = (rows, ended_by)
            else:
                out.update(dict.fromkeys(rows, "not selected"))
    return found, out


def as_found(cut):
    events = cut.to_frame(columns=["row", "journey_ended_by"])
    return {
        j: (g["row"].tolist(), g["journey_ended_by"].iloc[0]) for j, g in events.groupby("case", sort=False)
    }


@st.composite
def cuts(draw):
    frame = draw(event_frames(max_cases=6, max_events=7))
    frame = frame.rename(columns={"case": "customer"}).assign(row=range(len(frame)))
    names = sorted(frame["activity"].unique())
    assume(not any(set("*?[") & set(n) for n in names))  # names here, not patterns
    some = st.none() | st.lists(st.sampled_from(names), min_size=1, max_size=2, unique=True)
    options = {
        "gap": draw(st.none() | st.sampled_from(["1min", "2min", "3min", "1D"])),
        "start": draw(some),
        "end": draw(some),
        "select": draw(st.sampled_from(["all", "all", "first", "last", 0, 1])),
    }
    assume(options["gap"] or options["start"] or options["end"])
    return frame, options


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cuts(), st.integers(0, 2**32 - 1))
def test_generated_logs_match_the_reference_and_ignore_row_order(case, seed):
    frame, options = case
    expected, expected_out = reference_cut(frame, **options)
    shuffled = shuffle_keeping_ties(frame, seed, case="customer")
    for rows in (frame, shuffled):
        log = jm.read_events(
            rows, case="customer", activity="activity", timestamp="timestamp", channel="channel"
        )
        if not expected:
            with pytest.raises(ValueError, match="no journey found"):
                jm.cut_journeys(log, **options)
            continue
        cut = jm.cut_journeys(log, **options)
        assert as_found(cut) == expected
        assert dict(zip(cut.report.outside["row"], cut.report.outside["reason"])) == expected_out
        check_structure(log, cut)
        if options["end"] is not None:
            assert cut.report.complete == sum(ended == "end" for _, ended in expected.values())


# -- errors ------------------------------------------------------------------------------------


def _message(call, error=jm.ArgumentError):
    with pytest.raises(error) as info:
        call()
    return str(info.value)


def test_errors():
    log = read([("c", "A", "01-01"), ("c", "B", "01-02")])
    assert _message(lambda: jm.cut_journeys(log)) == (
        "cut_journeys needs gap=, start= or end= (or several) to know where journeys begin and end; "
        "pass gap='30D' (a new journey after 30 days without events)"
    )
    assert _message(lambda: jm.cut_journeys(log, gap="a month")) == (
        "gap must be a duration such as '30D' or '12h', not 'a month'; pass gap='30D'"
    )
    assert (
        _message(lambda: jm.cut_journeys(log, gap="-1D")) == "gap must be positive, not '-1D'; pass gap='30D'"
    )
    for gap in (30, "30", 1.5):
        assert _message(lambda gap=gap: jm.cut_journeys(log, gap=gap)) == (
            f"gap needs a unit, not {gap!r}; pass gap='30D' (30 days) or gap='12h'"
        )
    for select in ("middle", -1, 1.5, True):
        assert _message(lambda select=select: jm.cut_journeys(log, gap="1D", select=select)) == (
            f"select must be 'all', 'first', 'last' or a journey number >= 0, not {select!r}; "
            "pass select='last'"
        )
    assert _message(lambda: jm.cut_journeys(log, end=[])) == (
        "end must name at least one activity (a name or a pattern such as 'Offer*'), not an empty list; "
        "pass end='Mortgage calculator', or leave end out"
    )
    assert _message(lambda: jm.cut_journeys(log, start=["A", 3])) == (
        "start must name activities by text, not 3; pass start='Mortgage calculator'"
    )
    assert _message(lambda: jm.cut_journeys(log, start=7)) == (
        "start must be an activity name, a pattern or a list of them, not int; pass start='Mortgage calculator'"
    )
    assert _message(lambda: jm.cut_journeys(log, gap="1D", unmatched="skip")) == (
        "unmatched must be 'error' or 'warn', not 'skip'; pass unmatched='warn'"
    )
    assert _message(lambda: jm.cut_journeys(log.to_frame(), gap="1D")) == (
        "cut_journeys needs an EventLog, not DataFrame; pass "
        "jm.read_events(source, case=..., activity=..., timestamp=...)"
    )
    ordered = jm.read_events(
        pd.DataFrame({"c": ["c", "c"], "a": ["A", "B"], "n": [1, 2]}), case="c", activity="a", order="n"
    )
    assert _message(lambda: jm.cut_journeys(ordered, gap="1D")) == (
        "gap= needs timestamps; DataFrame is ordered without them: cut it by start= and end=, or read it "
        "with timestamp="
    )
    clash = jm.read_events(
        pd.DataFrame({"c": ["c"], "a": ["A"], "t": ["2025-01-01T00:00:00Z"], "journey_index": [3]}),
        case="c",
        activity="a",
        timestamp="t",
    )
    assert _message(lambda: jm.cut_journeys(clash, gap="1D"), jm.SchemaError) == (
        "DataFrame already has a column 'journey_index'; rename it before cutting journeys (cut_journeys "
        "adds journey, journey_index, journey_complete, journey_ended_by)"
    )
    # every error is still a ValueError, for code written before
    with pytest.raises(ValueError, match="gap must be positive"):
        jm.cut_journeys(log, gap="-1D")


def test_a_start_or_end_that_matches_no_activity_is_an_error_with_close_matches():
    log = read([("c", "Visit", "01-01"), ("c", "Contract signed", "01-02"), ("d", "Visit", "01-03")])
    assert _message(lambda: jm.cut_journeys(log, start="Visit", end="Contract signd")) == (
        "cut_journeys: end='Contract signd' matches no activity in the log (did you mean 'Contract "
        "signed'?); correct the name, or pass unmatched='warn' to carry on without it"
    )
    assert _message(lambda: jm.cut_journeys(log, start=["Nope", "Visit"], end="Contract sign*d?")) == (
        "cut_journeys: 2 names find no events in the log: start='Nope' matches no activity in the log; "
        "end='Contract sign*d?' matches no activity in the log (did you mean 'Contract signed'?); "
        "correct them, or pass unmatched='warn' to carry on without them"
    )
    # with unmatched="warn": a warning, and the cut without the name (no journey is complete)
    with pytest.warns(SpecWarning) as caught:
        cut = jm.cut_journeys(log, start="Visit", end="Contract signd", unmatched="warn")
    assert [str(w.message) for w in caught] == [
        "cut_journeys: end='Contract signd' matches no activity in the log (did you mean 'Contract "
        "signed'?); carrying on without it"
    ]
    assert caught[0].filename == __file__
    assert (cut.report.complete, cut.report.incomplete) == (0, 2)
    with pytest.warns(SpecWarning, match="start='Nope'"):
        message = _message(lambda: jm.cut_journeys(log, start="Nope", unmatched="warn"))
    assert message.startswith(
        "no journey found in DataFrame with gap=None, start='Nope', end=None, select='all'"
    )
    assert message.endswith("; check start= and end= against the log's activities")


# -- with the journey map ----------------------------------------------------------------------


def test_journey_map_uses_journey_complete():
    log = read(
        [
            ("c0", "Visit", "01-01"),
            ("c0", "Apply", "01-02"),
            ("c0", "Sign", "01-03"),
            ("c1", "Visit", "01-01"),
            ("c1", "Apply", "01-02"),  # reaches the last stage but never signs
            ("c2", "Visit", "01-01"),
            ("c2", "Sign", "01-02"),
            ("c2", "Visit", "01-03"),
        ]
    )
    spec = jm.JourneyMap.from_dict(
        {
            "journey": "Loan",
            "stages": [
                {"name": "Look", "touchpoints": ["Visit"]},
                {"name": "Do", "touchpoints": ["Apply", "Sign"]},
            ],
        }
    )
    cut = jm.cut_journeys(log, start="Visit", end="Sign")
    assert per_journey(cut, "journey_complete") == {"c0#1": True, "c1#1": False, "c2#1": True, "c2#2": False}
    result = jm.journey_map(cut, spec)
    assert result.summary["completion"] == "journey_complete"
    assert result.summary["customers"] == 4 and result.summary["events"] == 8
    seg = result.segments.iloc[0]
    assert (seg["customers"], seg["completed"], seg["completed_share"]) == (4, 2, 0.5)
    # without the cut the same spec falls back to "reached the last stage": 3 of 3
    plain = jm.journey_map(log, spec)
    assert plain.summary["completion"] == "reached the last stage"
    assert plain.segments.iloc[0][["customers", "completed"]].tolist() == [3, 3]
