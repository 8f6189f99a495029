"""XES without timestamps: mined in document order, with a note; pm4py as the oracle.

XES defines a trace as an ordered list of events; timestamps are optional. pm4py's own synthetic
test logs (``a12f0n00`` ... ``a42f0n00``) have none, and pm4py's package does not ship them, so
``synthetic_log`` generates logs of the same kind: a random block-structured process (sequence,
exclusive choice, parallel, loop) over 12, 22, 32 and 42 activities, played out into traces
(many repeated), each event with ``concept:name`` and ``lifecycle:transition`` and no time.
"""

from __future__ import annotations

import math
import random
import re
from collections import Counter
from pathlib import Path
from xml.sax.saxutils import quoteattr

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import journeymine as jm
from helpers import shared_file
from journeymine.connectors.xes import POSITION, XesConnector

# --------------------------------------------------------------------------------------------
# writing logs


def xes(traces: list[tuple[str, list[str]]], *, times: dict[tuple[int, int], str] | None = None) -> str:
    """An XES document: one ``<trace>`` per ``(case id, activities)``, in the order given.
    ``times[(trace, event)]`` gives that event a ``time:timestamp``."""
    times = times or {}
    body = []
    for i, (case, activities) in enumerate(traces):
        events = []
        for j, activity in enumerate(activities):
            stamp = times.get((i, j))
            date = f'<date key="time:timestamp" value="{stamp}"/>' if stamp else ""
            events.append(
                f'<event><string key="concept:name" value={quoteattr(activity)}/>'
                f'<string key="lifecycle:transition" value="complete"/>{date}</event>'
            )
        body.append(f'<trace><string key="concept:name" value={quoteattr(case)}/>{"".join(events)}</trace>')
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<log xes.version="1.0">\n' + "\n".join(body) + "\n</log>\n"
    )


def write(path: Path, traces: list[tuple[str, list[str]]], **kw) -> Path:
    path.write_text(xes(traces, **kw), encoding="utf-8")
    return path


def process(rnd: random.Random, activities: list[str]) -> tuple:
    """A random block-structured process over ``activities`` (each used once)."""
    if len(activities) == 1:
        return ("act", activities[0])
    operator = rnd.choice(["seq", "seq", "xor", "and", "loop"])
    cut = rnd.randrange(1, len(activities))
    return (operator, process(rnd, activities[:cut]), process(rnd, activities[cut:]))


def play(rnd: random.Random, node: tuple) -> list[str]:
    """One run of a process: loops repeat (so activities repeat), ``and`` interleaves."""
    kind = node[0]
    if kind == "act":
        return [node[1]]
    if kind == "seq":
        return play(rnd, node[1]) + play(rnd, node[2])
    if kind == "xor":
        return play(rnd, rnd.choice(node[1:]))
    if kind == "loop":  # do the body, then maybe redo after the second part
        run = play(rnd, node[1])
        while rnd.random() < 0.4:
            run += play(rnd, node[2]) + play(rnd, node[1])
        return run
    left, right = play(rnd, node[1]), play(rnd, node[2])  # "and": an interleaving
    picks = [0] * len(left) + [1] * len(right)
    rnd.shuffle(picks)
    runs = (iter(left), iter(right))
    return [next(runs[pick]) for pick in picks]


def synthetic_log(n_activities: int, n_traces: int, seed: int) -> list[tuple[str, list[str]]]:
    rnd = random.Random(seed)
    names = [chr(ord("A") + i % 26) + ("" if i < 26 else str(i // 26)) for i in range(n_activities)]
    model = ("seq", ("act", "start"), ("seq", process(rnd, names), ("act", "end")))
    return [(f"instance_{i}", play(rnd, model)) for i in range(n_traces)]


# --------------------------------------------------------------------------------------------
# what journeymine and pm4py find


def ours(path: Path, **kw) -> dict[str, dict]:
    log = jm.read_events(path, **kw)
    dfg = jm.discover_dfg(log)
    variants = jm.discover_variants(log).table
    return {
        "edges": {(r.source, r.target): int(r.count) for r in dfg.edges.itertuples()},
        "start": {r.activity: int(r.cases) for r in dfg.start.itertuples()},
        "end": {r.activity: int(r.cases) for r in dfg.end.itertuples()},
        "variants": {tuple(r.variant): int(r.cases) for r in variants.itertuples()},
    }


def theirs(path: Path) -> dict[str, dict]:
    """pm4py's figures. Its DataFrame functions insist on a timestamp column ("the dataframe
    should (at least) contain ... a column for the timestamp"), so the log is read as pm4py's
    EventLog object, whose traces are lists of events in document order."""
    pm4py = pytest.importorskip("pm4py")
    log = pm4py.read_xes(str(path), return_legacy_log_object=True)
    assert all("time:timestamp" not in event for trace in log for event in trace)
    variants = pm4py.get_variants(log)
    return {
        "edges": dict(pm4py.discover_dfg(log)[0]),
        "start": dict(pm4py.get_start_activities(log)),
        "end": dict(pm4py.get_end_activities(log)),
        "variants": {
            tuple(v): (len(traces) if isinstance(traces, list) else int(traces))
            for v, traces in variants.items()
        },
    }


def assert_same(left: dict, right: dict) -> None:
    for key in left:
        assert left[key] == right[key], f"{key} differ"


# --------------------------------------------------------------------------------------------
# the rule


def test_a_log_without_timestamps_is_mined_in_document_order(tmp_path):
    path = write(tmp_path / "clicks.xes", [("c1", ["b", "a", "b"]), ("c2", ["a"])])
    log = jm.read_events(path)
    assert log.schema.order == POSITION and log.schema.timestamp is None
    assert log.notes == (
        f"{path} has no time:timestamp; events are ordered by their position in the trace "
        f"(document order); durations are absent",
    )
    assert (log.n_cases, log.n_events, log.invalid_rows) == (2, 4, 0)
    edges = jm.discover_dfg(log).edges
    assert list(zip(edges["source"], edges["target"], edges["count"])) == [("a", "b", 1), ("b", "a", 1)]
    assert edges[["mean_s", "median_s", "p90_s"]].isna().all().all()  # durations absent
    cases = log.cases()
    assert cases["start"].isna().all() and cases["end"].isna().all() and cases["duration_s"].isna().all()
    assert jm.discover_variants(log).table["median_duration_s"].isna().all()
    assert log.timezone is None and not log.stats.timed
    events = log.to_frame(columns=[POSITION])
    assert list(events["activity"]) == ["b", "a", "b", "a"]
    assert list(events[POSITION]) == [0, 1, 2, 3]  # the place in the document


def test_the_position_column_counts_events_in_the_document(tmp_path):
    path = write(tmp_path / "log.xes", [("c1", ["x", "y"]), ("c2", ["z"]), ("c3", ["x", "x", "y"])])
    scan = XesConnector().scan(path)
    assert scan.columns[-1] == POSITION
    assert scan.open().column(POSITION).to_pylist() == [0, 1, 2, 3, 4, 5]
    assert dict(scan.defaults) == {"order": POSITION}


def test_two_traces_with_one_id_are_one_case_in_document_order(tmp_path):
    path = write(tmp_path / "twice.xes", [("c1", ["a", "b"]), ("c2", ["x"]), ("c1", ["c", "d"])])
    log = jm.read_events(path)
    assert log.n_cases == 2
    assert set(jm.discover_variants(log).table["variant"]) == {("a", "b", "c", "d"), ("x",)}


def test_a_timed_log_keeps_its_timestamps_and_has_no_note(tmp_path):
    times = {(0, 0): "2024-01-02T00:00:00Z", (0, 1): "2024-01-01T00:00:00Z"}
    path = write(tmp_path / "timed.xes", [("c1", ["late", "early"])], times=times)
    scan = XesConnector().scan(path)
    assert POSITION in scan.columns and not scan.defaults and not scan.default_notes
    log = jm.read_events(path)
    assert log.schema.timestamp == "time:timestamp" and log.schema.order is None
    assert log.notes == ()
    assert list(jm.discover_variants(log).table["variant"]) == [("early", "late")]  # by time


def test_an_attribute_named_like_the_position_column_is_kept(tmp_path):
    text = xes([("c1", ["a", "b"])]).replace("<event>", '<event><int key="jm:position" value="7"/>')
    path = tmp_path / "clash.xes"
    path.write_text(text)
    scan = XesConnector().scan(path)
    table = scan.open()
    assert table.column("jm:position").to_pylist() == [7, 7]
    assert table.column("jm:position_2").to_pylist() == [0, 1]
    assert jm.read_events(path).schema.order == "jm:position_2"


def test_the_users_timestamp_wins_and_the_note_goes(tmp_path):
    text = xes([("c1", ["second", "first"])])
    text = text.replace(
        '<string key="concept:name" value="second"/>',
        '<string key="concept:name" value="second"/><date key="start:timestamp" value="2024-01-02T00:00:00Z"/>',
    ).replace(
        '<string key="concept:name" value="first"/>',
        '<string key="concept:name" value="first"/><date key="start:timestamp" value="2024-01-01T00:00:00Z"/>',
    )
    path = tmp_path / "start.xes"
    path.write_text(text)
    assert (
        jm.read_events(path)
        .notes[0]
        .endswith(
            "durations are absent; to order by time instead, pass timestamp=... (dates: start:timestamp)"
        )
    )
    log = jm.read_events(path, timestamp="start:timestamp")
    assert log.schema.order is None and log.notes == ()
    assert list(jm.discover_variants(log).table["variant"]) == [("first", "second")]
    assert log.cases()["duration_s"].tolist() == [86400.0]


def test_the_users_order_wins(tmp_path):
    text = xes([("c1", ["b", "a"])])
    text = text.replace('value="b"/>', 'value="b"/><int key="step" value="2"/>').replace(
        'value="a"/>', 'value="a"/><int key="step" value="1"/>'
    )
    path = tmp_path / "steps.xes"
    path.write_text(text)
    log = jm.read_events(path, order="step")
    assert log.schema.order == "step" and log.notes == ()
    assert list(jm.discover_variants(log).table["variant"]) == [("a", "b")]


def test_some_events_without_a_timestamp_are_invalid_rows(tmp_path):
    times = {(0, 0): "2024-01-01T00:00:00Z", (0, 2): "2024-01-03T00:00:00Z", (1, 0): "2024-01-01T00:00:00Z"}
    path = write(tmp_path / "partial.xes", [("c1", ["a", "b", "c"]), ("c2", ["d"])], times=times)
    with pytest.raises(jm.InvalidRowsError) as raised:
        jm.read_events(path)
    message = str(raised.value)
    assert message.startswith(f"{path}: 1 row cannot be used (1 missing timestamp)")
    assert "row 1: missing timestamp in column 'time:timestamp'" in message
    assert "pass on_invalid='quarantine'" in message
    log = jm.read_events(path, on_invalid="quarantine")
    assert log.notes == ()
    assert (log.rows_read, log.n_events, log.invalid_rows) == (4, 3, 1)
    aside = log.quarantine
    assert aside[["row", "reason", "column", "concept:name", "case:concept:name", POSITION]].to_dict(
        "records"
    ) == [
        {
            "row": 1,
            "reason": "missing timestamp",
            "column": "time:timestamp",
            "concept:name": "b",
            "case:concept:name": "c1",
            POSITION: 1,
        }
    ]
    # to mine such a log in document order instead, order by the position
    ordered = jm.read_events(path, order=POSITION)
    assert ordered.schema.timestamp is None and ordered.n_events == 4
    assert set(jm.discover_variants(ordered).table["variant"]) == {("a", "b", "c"), ("d",)}


@pytest.mark.spark
def test_spark_mines_an_untimed_log_as_duckdb_does(tmp_path, spark):
    path = write(tmp_path / "a22.xes", synthetic_log(22, 60, seed=3))
    duck, sparkl = jm.read_events(path), jm.read_events(path, engine=spark)
    assert sparkl.notes == duck.notes and sparkl.schema == duck.schema
    for left, right in [
        (jm.discover_dfg(duck).edges, jm.discover_dfg(sparkl).edges),
        (jm.discover_variants(duck).table, jm.discover_variants(sparkl).table),
        (duck.cases(), sparkl.cases()),
    ]:
        pd.testing.assert_frame_equal(left, right)


# --------------------------------------------------------------------------------------------
# the suggested order in the schema (Scan.defaults, Scan.default_notes)


COLUMNS = ["concept:name", "case:concept:name", "time:timestamp", "when", "step", "seq"]


@pytest.mark.parametrize(
    ("given", "suggested", "timestamp", "order"),
    [
        ({}, {"order": "seq"}, None, "seq"),  # a suggested order keeps time:timestamp out
        ({}, {"timestamp": "when", "order": "seq"}, "when", "seq"),  # a suggested tie-breaker
        ({"timestamp": "when"}, {"order": "seq"}, "when", None),  # the user's time replaces both
        ({"timestamp": "when"}, {"timestamp": "time:timestamp", "order": "seq"}, "when", None),
        ({"order": "step"}, {"timestamp": "when", "order": "seq"}, None, "step"),
        ({}, {"order": "absent"}, "time:timestamp", None),  # a suggestion of no column is void
    ],
)
def test_a_suggested_order_yields_to_the_users_timestamp_or_order(given, suggested, timestamp, order):
    schema = jm.Schema(**given).resolve(COLUMNS, defaults=suggested)
    assert (schema.timestamp, schema.order) == (timestamp, order)


def test_notes_hold_always_default_notes_when_the_default_is_used():
    from journeymine.connectors.base import Scan

    scan = Scan(
        kind="arrow",
        location="x",
        columns=tuple(COLUMNS),
        defaults={"order": "seq"},
        notes=("always",),
        default_notes={"order": "ordered by seq", "channel": "never suggested"},
    )
    used = jm.Schema().resolve(COLUMNS, defaults=scan.defaults)
    assert scan.notes_for(used) == ("always", "ordered by seq")
    overridden = jm.Schema(timestamp="when").resolve(COLUMNS, defaults=scan.defaults)
    assert scan.notes_for(overridden) == ("always",)


# --------------------------------------------------------------------------------------------
# pm4py as the oracle


def test_the_synthetic_logs_have_loops_repeats_and_shared_variants():
    traces = synthetic_log(12, 200, seed=12)
    runs = [tuple(t) for _, t in traces]
    assert any(len(set(run)) < len(run) for run in runs)  # an activity repeated in a trace
    assert max(Counter(runs).values()) > 1  # variants shared by several cases


@pytest.mark.parametrize("n_activities", [12, 22, 32, 42])
def test_same_edges_and_variants_as_pm4py(tmp_path, n_activities):
    path = write(tmp_path / f"a{n_activities}.xes", synthetic_log(n_activities, 300, seed=n_activities))
    assert_same(ours(path), theirs(path))


@pytest.mark.realdata
def test_running_example_without_timestamps_as_pm4py(tmp_path):
    text = shared_file("running-example.xes").read_text(encoding="utf-8")
    stripped = re.sub(r'<date\s+key="time:timestamp"[^>]*/>', "", text)
    assert "time:timestamp" not in stripped
    path = tmp_path / "running-example-untimed.xes"
    path.write_text(stripped, encoding="utf-8")
    mine = ours(path)
    assert_same(mine, theirs(path))
    assert sum(mine["variants"].values()) == 6
    assert sum(mine["edges"].values()) == 42 - 6


@settings(max_examples=40, deadline=None)
@given(
    traces=st.lists(
        st.lists(st.sampled_from(["a", "b", "c", "d"]), min_size=1, max_size=6), min_size=1, max_size=8
    ),
    seed=st.integers(0, 2**16),
)
def test_shuffling_traces_in_the_document_changes_nothing(tmp_path_factory, traces, seed):
    folder = tmp_path_factory.mktemp("shuffle")
    named = [(f"case {i}", activities) for i, activities in enumerate(traces)]
    shuffled = random.Random(seed).sample(named, len(named))
    first, second = write(folder / "one.xes", named), write(folder / "two.xes", shuffled)
    left, right = ours(first), ours(second)
    assert left == right
    assert sum(left["edges"].values()) == sum(len(t) - 1 for t in traces)
    assert sum(left["variants"].values()) == len(traces)
    cases = [jm.read_events(p).cases() for p in (first, second)]
    pd.testing.assert_frame_equal(cases[0], cases[1])
    assert math.isnan(cases[0]["duration_s"].iloc[0])
