"""Reverse thinking (``journeymine.heuristics.reverse``): every deviation kind on hand-made paths,
the precise out-of-order rule against a brute force, invariants (row order, weights, segments
add up), the demo's planted stories against an oracle computed in pandas from the events, and
the outcomes with their intervals."""

from __future__ import annotations

import itertools
import json
import math
from collections import Counter

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import journeymine as jm
from journeymine.errors import ArgumentError
from journeymine.heuristics import IdealJourney, IdealStep, JourneyData, reverse_thinking
from journeymine.heuristics.reverse import KINDS, NOTE, IdealModel, _out_of_order
from journeymine.testing.strategies import event_frames, shuffle_keeping_ties

START = pd.Timestamp("2025-03-01", tz="UTC")


def _frame(journeys, *, hours=1.0):
    """Events of ``journeys``: {case: [activity or (activity, channel), ...]}, ``hours`` apart."""
    rows = []
    for case, steps in journeys.items():
        for i, step in enumerate(steps):
            activity, channel = step if isinstance(step, tuple) else (step, "web")
            rows.append((case, activity, START + pd.Timedelta(hours=hours * i), channel))
    return pd.DataFrame(rows, columns=["case", "activity", "timestamp", "channel"])


def _data(frame, **options):
    log = jm.read_events(frame, case="case", activity="activity", timestamp="timestamp", channel="channel")
    return JourneyData.from_log(log, **options)


IDEAL = IdealJourney(
    "J",
    ("E",),
    ["A", IdealStep(("B",), optional=True), "C", IdealStep(("D",), channel="web"), "E"],
)

KNOWN = {
    "ok": ["A", "B", "C", "D", "E"],
    "ok-skip": ["A", "C", "D", "E"],
    "extra": ["A", "X", "C", "D", "E"],
    "repeat": ["A", "C", "C", "D", "E"],
    "swap": ["A", "D", "C", "E"],
    "missing": ["A", "D", "E"],
    "channel": ["A", "C", ("D", "app"), "E"],
    "left": ["A", "C"],
    "left-skip": ["A", "D"],
    "left-extra": ["A", "X"],
}
EXPECTED = {
    "ok": set(),
    "ok-skip": set(),
    "extra": {("extra", "X")},
    "repeat": {("repeated", "C")},
    "swap": {("out_of_order", "C"), ("out_of_order", "D")},
    "missing": {("missing", "C")},
    "channel": {("channel", "D")},
    "left": set(),  # left after C: D and E were not reached, so they are not missing
    "left-skip": {("missing", "C")},  # C comes before D, the furthest step reached
    "left-extra": {("extra", "X")},
}


def _per_case(rt, data):
    """{(activities, channels): (deviations, conforms, completed, ended_after)}, from the paths frame."""
    frame = rt.paths_frame()
    out = {}
    for i, key in enumerate(zip(data.sequences, data.channel_sequences)):
        row = frame.iloc[i]
        devs = {(k, t) for k in KINDS for t in row[k]}
        out[key] = (devs, bool(row["conforms"]), bool(row["completed"]), row["ended_after"])
        out.setdefault(key[0], out[key])
    return out


def test_each_kind_of_deviation_on_hand_made_paths():
    data = _data(_frame(KNOWN), outcome="E")
    rt = reverse_thinking(data, IDEAL)
    found = _per_case(rt, data)
    for case, steps in KNOWN.items():
        acts = tuple(s if isinstance(s, str) else s[0] for s in steps)
        channels = tuple("web" if isinstance(s, str) else s[1] for s in steps)
        devs, conforms, completed, ended = found[acts, channels]
        assert devs == EXPECTED[case], case
        assert completed == (acts[-1] == "E"), case
        assert conforms == (completed and not EXPECTED[case]), case
        assert ended == (None if completed else acts[-1]), case
    assert rt.conforming_cases == 2 and rt.cases == len(KNOWN)
    assert rt.completed_cases == 7
    counts = {(d.kind, d.touchpoint): d.cases for d in rt.deviations}
    assert counts == {
        ("extra", "X"): 2,
        ("missing", "C"): 2,
        ("repeated", "C"): 1,
        ("out_of_order", "C"): 1,
        ("out_of_order", "D"): 1,
        ("channel", "D"): 1,
    }
    assert [(r.touchpoint, r.cases, r.events) for r in rt.remove] == [("X", 2, 2)]
    assert [(r.touchpoint, r.cases, r.kinds) for r in rt.redesign] == [
        ("C", 2, ("repeated", "out_of_order")),
        ("D", 2, ("out_of_order", "channel")),
    ]
    assert [(r.touchpoint, r.cases) for r in rt.missing] == [("C", 2)]
    assert sorted((r.touchpoint, r.cases) for r in rt.drop_offs) == [("C", 1), ("D", 1), ("X", 1)]
    for d in rt.deviations:
        assert d.share == pytest.approx(d.cases / rt.cases)
        assert d.share_ci[0] <= d.share <= d.share_ci[1]


def test_without_an_outcome_in_the_data_the_ideals_outcome_decides_completion():
    data = _data(_frame(KNOWN))  # no outcome= given
    rt = reverse_thinking(data, IDEAL)
    assert rt.outcome == ("E",) and rt.completed_cases == 7 and rt.conforming_cases == 2


def test_activities_of_the_outcome_are_never_extra_and_a_step_that_matches_nothing_is_noted():
    ideal = IdealJourney("J", ("Signed",), ["A", "Ghost"])
    data = _data(_frame({"c1": ["A", "Signed"]}), outcome="Signed")
    rt = reverse_thinking(data, ideal)
    assert {(d.kind, d.touchpoint) for d in rt.deviations} == {("missing", "Ghost")}
    assert any("match no activity in the log: Ghost" in n for n in rt.notes)
    nothing = reverse_thinking(_data(_frame({"c1": ["A"]})), ideal)
    assert any("matches no activity in the log: no journey completes" in n for n in nothing.notes)
    assert nothing.conforming_cases == 0


def _all_longest(values):
    for r in range(len(values), 0, -1):
        found = [
            c
            for c in itertools.combinations(range(len(values)), r)
            if all(values[a] < values[b] for a, b in itertools.pairwise(c))
        ]
        if found:
            return [{values[i] for i in c} for c in found]
    return []


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.integers(0, 7), min_size=0, max_size=9), min_size=1, max_size=12))
def test_out_of_order_is_not_on_every_longest_in_order_subsequence(paths):
    """The vectorised rule against a brute force over every longest increasing subsequence."""
    m = 8
    done = np.zeros((len(paths), m), dtype=bool)
    first = np.full((len(paths), m), np.iinfo(np.int32).max, dtype=np.int32)
    for p, steps in enumerate(paths):
        for pos, s in enumerate(steps):
            if not done[p, s]:
                done[p, s], first[p, s] = True, pos
    got = _out_of_order(done, first)
    for p, steps in enumerate(paths):
        firsts = list(dict.fromkeys(steps))
        longest = _all_longest(firsts)
        on_every = set.intersection(*longest) if longest else set()
        assert set(np.nonzero(got[p])[0].tolist()) == set(firsts) - on_every, (steps, firsts)


def test_out_of_order_examples_through_the_public_api():
    ideal = IdealJourney("J", ("E",), ["A", "B", "C", "D", "E"])
    data = _data(
        _frame(
            {
                "1": ["A", "C", "B", "D", "E"],
                "2": ["B", "A", "C", "D", "E"],
                "3": ["A", "B", "D", "C", "C", "E"],
            }
        ),
        outcome="E",
    )
    found = _per_case(reverse_thinking(data, ideal), data)
    assert found[("A", "C", "B", "D", "E")][0] == {("out_of_order", "B"), ("out_of_order", "C")}
    assert found[("B", "A", "C", "D", "E")][0] == {("out_of_order", "A"), ("out_of_order", "B")}
    assert found[("A", "B", "D", "C", "C", "E")][0] == {
        ("out_of_order", "C"),
        ("out_of_order", "D"),
        ("repeated", "C"),
    }


def test_alternatives_and_patterns_do_a_step_and_two_alternatives_repeat_it():
    ideal = IdealJourney("J", ("Sign",), ["Start", IdealStep(("Call*", "Chat")), "Sign"])
    data = _data(
        _frame(
            {
                "1": ["Start", "Call in", "Sign"],
                "2": ["Start", "Chat", "call back", "Sign"],
                "3": ["Start", "Sign"],
            }
        ),
        outcome="Sign",
    )
    found = _per_case(reverse_thinking(data, ideal), data)
    assert found[("Start", "Call in", "Sign")][0] == set()
    assert found[("Start", "Chat", "call back", "Sign")][0] == {("repeated", "Call* / Chat")}
    assert found[("Start", "Sign")][0] == {("missing", "Call* / Chat")}


# -- invariants -------------------------------------------------------------------------------------


def _ideal_for(frame):
    """Up to four of the frame's activities (one per spelling, ignoring case), the first on 'web'."""
    unique = list({a.casefold(): a for a in sorted(frame["activity"])}.values())
    steps = [
        IdealStep((a,), optional=i % 3 == 1, channel="web" if i == 0 else None)
        for i, a in enumerate(unique[:4])
    ]
    return IdealJourney("H", (unique[0],), steps)


def _json(rt):
    return json.dumps(rt.to_dict(), sort_keys=True, allow_nan=False)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(event_frames(max_cases=6, max_events=6, n_activities=5, unicode=False), st.integers(0, 10**6))
def test_row_order_does_not_matter(frame, seed):
    ideal = _ideal_for(frame)
    a = reverse_thinking(_data(frame, by="segment", outcome=ideal.outcome[0]), ideal)
    b = reverse_thinking(
        _data(shuffle_keeping_ties(frame, seed), by="segment", outcome=ideal.outcome[0]), ideal
    )
    assert _json(a) == _json(b)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(event_frames(max_cases=5, max_events=6, n_activities=5, unicode=False), st.integers(2, 5))
def test_a_path_with_k_cases_counts_k_times(frame, k):
    ideal = _ideal_for(frame)
    once = reverse_thinking(_data(frame, outcome=ideal.outcome[0]), ideal)
    copies = pd.concat([frame.assign(case=frame["case"] + f"#{i}") for i in range(k)], ignore_index=True)
    many = reverse_thinking(_data(copies, outcome=ideal.outcome[0]), ideal)
    assert many.cases == k * once.cases
    assert many.conforming_cases == k * once.conforming_cases
    assert [(d.kind, d.touchpoint, d.cases) for d in many.deviations] == [
        (d.kind, d.touchpoint, k * d.cases) for d in once.deviations
    ]
    assert [(r.touchpoint, r.events) for r in many.remove] == [
        (r.touchpoint, k * r.events) for r in once.remove
    ]
    assert many.conforming_share == pytest.approx(once.conforming_share)


def test_a_path_is_checked_once_and_weighted_by_its_cases():
    journeys = {f"c{i}": ["A", "X", "C", "D", "E"] for i in range(7)} | {"solo": ["A", "C", "D", "E"]}
    data = _data(_frame(journeys), outcome="E")
    assert len(data.paths) == 2 and sorted(data.cases.tolist()) == [1, 7]
    rt = reverse_thinking(data, IDEAL)
    assert [(d.kind, d.touchpoint, d.cases) for d in rt.deviations] == [("extra", "X", 7)]
    assert rt.conforming_cases == 1 and rt.paths_frame()["cases"].sum() == 8


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(event_frames(max_cases=8, max_events=6, n_activities=5, unicode=False))
def test_segments_add_up_to_the_whole(frame):
    ideal = _ideal_for(frame)
    rt = reverse_thinking(_data(frame, by="segment", outcome=ideal.outcome[0]), ideal)
    assert sum(s.cases for s in rt.segments) == rt.cases
    assert sum(s.conforming_cases for s in rt.segments) == rt.conforming_cases
    assert sum(s.completed_cases for s in rt.segments) == rt.completed_cases
    for i, d in enumerate(rt.deviations):
        rows = [s.deviations[i] for s in rt.segments]
        assert all((r.kind, r.touchpoint) == (d.kind, d.touchpoint) for r in rows)
        assert sum(r.cases for r in rows) == d.cases


# -- the demo: the planted stories, against an oracle on the events ------------------------------


def _oracle(frame: pd.DataFrame, ideal: IdealJourney, outcome: str):
    """Per customer, straight from the events: the deviations as the module docs define them."""
    names = [s.names[0] for s in ideal.steps]
    required = [not s.optional for s in ideal.steps]
    index = {n: i for i, n in enumerate(names)}
    devs: Counter = Counter()
    conforming = 0
    ended: Counter = Counter()
    per_segment: dict[str, Counter] = {}
    for (_, segment), acts in frame.groupby(["customer_id", "segment"], sort=False)["touchpoint"]:
        acts = list(acts)
        completed = outcome in acts
        found = {("extra", a) for a in acts if a not in index and a != outcome}
        count = Counter(a for a in acts if a in index)
        found |= {("repeated", a) for a, k in count.items() if k >= 2}
        firsts = [index[a] for a in dict.fromkeys(a for a in acts if a in index)]
        longest = _all_longest(firsts)
        on_every = set.intersection(*longest) if longest else set()
        found |= {("out_of_order", names[v]) for v in firsts if v not in on_every}
        horizon = len(names) if completed else max(firsts, default=-1)
        found |= {
            ("missing", n) for i, n in enumerate(names) if required[i] and n not in count and i < horizon
        }
        devs.update(found)
        per_segment.setdefault(segment, Counter()).update(found)
        conforming += completed and not found
        if not completed:
            ended[acts[-1]] += 1
    return devs, conforming, ended, per_segment


@pytest.fixture(scope="module")
def demo_data(demo_log):
    return JourneyData.from_log(
        demo_log, by="segment", outcome="Contract signed", measure="sentiment", seed=5
    )


@pytest.fixture(scope="module")
def demo_rt(demo_data):
    return reverse_thinking(demo_data, jm.datasets.load_demo_ideal())


def test_the_demo_matches_the_oracle_from_the_events(demo_frame, demo_rt):
    ideal = jm.datasets.load_demo_ideal()
    devs, conforming, ended, per_segment = _oracle(demo_frame, ideal, "Contract signed")
    assert {(d.kind, d.touchpoint): d.cases for d in demo_rt.deviations} == dict(devs)
    assert demo_rt.conforming_cases == conforming
    assert {r.touchpoint: r.cases for r in demo_rt.drop_offs} == dict(ended)
    n = demo_frame["customer_id"].nunique()
    assert demo_rt.cases == n
    for row in demo_rt.remove:
        assert row.share == pytest.approx(devs[("extra", row.touchpoint)] / n)
    for row in demo_rt.missing:
        assert row.share == pytest.approx(devs[("missing", row.touchpoint)] / n)
    for seg in demo_rt.segments:
        assert {(d.kind, d.touchpoint): d.cases for d in seg.deviations if d.cases} == dict(
            per_segment[seg.segment]
        )
    # remove: exactly the touchpoints the ideal does without; their events, from the events
    assert {r.touchpoint for r in demo_rt.remove} == {"Documents incomplete", "Customer service call", "Chat"}
    events = demo_frame["touchpoint"].value_counts()
    assert {r.touchpoint: r.events for r in demo_rt.remove} == {
        t: int(events[t]) for t in ("Documents incomplete", "Customer service call", "Chat")
    }


def test_the_demo_lists_what_its_generator_planted(demo_frame, demo_rt):
    remove = {r.touchpoint: r for r in demo_rt.remove}
    # story 1: rework; story 2: repeated calls; chats
    per_customer = demo_frame.groupby("customer_id")["touchpoint"]
    rework = per_customer.apply(lambda t: (t == "Documents incomplete").any()).sum()
    callers = per_customer.apply(lambda t: (t == "Customer service call").any()).sum()
    assert remove["Documents incomplete"].cases == rework
    assert remove["Customer service call"].cases == callers
    redesign = {r.touchpoint: r for r in demo_rt.redesign}
    uploads_twice = per_customer.apply(lambda t: (t == "Upload documents").sum() >= 2).sum()
    assert redesign["Upload documents"].cases == uploads_twice and redesign["Upload documents"].kinds == (
        "repeated",
    )
    assert demo_rt.redesign[0].touchpoint == "Upload documents"
    assert "Offer viewed" in redesign  # viewed twice
    # story 4: drop-off after Documents incomplete (and after Offer sent, for refinancers)
    assert [r.touchpoint for r in demo_rt.drop_offs[:2]] == ["Documents incomplete", "Offer sent"]
    refi = {s.segment: s for s in demo_rt.segments}["refinancer"]
    assert refi.conforming_share == pytest.approx(refi.conforming_cases / refi.cases)


def test_the_outcomes_compare_conforming_and_deviating_with_intervals(demo_rt):
    outcomes = {o.metric: o for o in demo_rt.outcomes}
    assert set(outcomes) == {"journey_time_s", "completion", "sentiment"}
    for o in outcomes.values():
        assert math.isfinite(o.ci_low) and math.isfinite(o.ci_high), o
        assert o.ci_low <= o.difference <= o.ci_high, o
        assert o.difference == pytest.approx(o.deviating - o.conforming)
        assert o.method and o.groups
    assert "seed 5" in outcomes["journey_time_s"].method
    # the demo's deviating customers are less happy and slower: the intervals exclude no difference
    assert outcomes["sentiment"].ci_high < 0
    assert outcomes["journey_time_s"].ci_low > 0
    assert demo_rt.note == NOTE and "not causal effects" in demo_rt.note


def test_the_json_has_the_documented_keys_and_is_deterministic(demo_data, demo_rt):
    out = json.loads(json.dumps(demo_rt.to_dict(), allow_nan=False))
    for key in ("journey", "outcome", "cases", "conforming_cases", "conforming_share", "conforming_share_ci",
                "deviations", "remove", "redesign", "missing", "outcomes", "segments", "note"):  # fmt: skip
        assert key in out, key
    assert set(out["deviations"][0]) == {"kind", "touchpoint", "cases", "share", "share_ci"}
    assert set(out["remove"][0]) >= {"touchpoint", "cases", "share"}
    assert set(out["redesign"][0]) >= {"touchpoint", "kinds", "cases", "share"}
    assert set(out["outcomes"][0]) >= {
        "metric",
        "conforming",
        "deviating",
        "difference",
        "ci_low",
        "ci_high",
        "method",
    }
    assert [s["segment"] for s in out["segments"]] == ["first-time buyer", "mover", "refinancer"]
    again = reverse_thinking(demo_data, jm.datasets.load_demo_ideal())
    assert _json(again) == _json(demo_rt)
    frame = demo_rt.paths_frame()
    assert len(frame) == len(demo_data.paths) and frame["cases"].sum() == demo_rt.cases
    assert frame.loc[frame["conforms"], "cases"].sum() == demo_rt.conforming_cases


def test_a_log_without_times_or_channels_says_what_it_cannot_compare():
    frame = _frame(KNOWN)
    log = jm.read_events(frame.drop(columns=["timestamp", "channel"]).assign(step=range(len(frame))),
                         case="case", activity="activity", order="step")  # fmt: skip
    rt = reverse_thinking(JourneyData.from_log(log, outcome="E"), IDEAL)
    outcomes = {o.metric: o for o in rt.outcomes}
    assert (
        math.isnan(outcomes["journey_time_s"].difference)
        and "no timestamps" in outcomes["journey_time_s"].method
    )
    assert "no sentiment" in outcomes["sentiment"].method
    assert any("channel deviations are not checked" in n for n in rt.notes)
    assert ("channel", "D") not in {(d.kind, d.touchpoint) for d in rt.deviations}


class _Model:
    """A stand-in process model (no pm4py): every variant with 'X' has X as extra."""

    journey = "Model"
    outcome = ("E",)

    def __init__(self):
        self.asked = []

    def deviations(self, variants, completed):
        self.asked.append(list(variants))
        return [(("extra", "X"),) if "X" in v else () for v in variants]


def test_a_process_model_answers_once_per_variant_and_is_weighted_by_cases():
    journeys = {f"c{i}": ["A", "X", "C", "D", "E"] for i in range(4)} | {
        "a": ["A", "C", "D", "E"],
        "b": ["A", "C"],
    }
    model = _Model()
    assert isinstance(model, IdealModel)
    rt = reverse_thinking(_data(_frame(journeys), by=None, outcome="E"), model)
    assert len(model.asked) == 1 and len(model.asked[0]) == 3
    assert [(d.kind, d.touchpoint, d.cases) for d in rt.deviations] == [("extra", "X", 4)]
    assert rt.remove[0].events == 4
    assert rt.conforming_cases == 1 and rt.journey == "Model"
    assert any("not available from a process model" in n for n in rt.notes)


def test_a_bad_ideal_or_a_bad_model_answer_is_an_argument_error():
    data = _data(_frame(KNOWN), outcome="E")
    with pytest.raises(ArgumentError, match="ideal must be an IdealJourney"):
        reverse_thinking(data, "ideal.yaml")  # type: ignore[arg-type]

    class Wrong(_Model):
        def deviations(self, variants, completed):
            return [(("odd", "X"),)] * len(variants)

    with pytest.raises(ArgumentError, match="the deviation kind 'odd'"):
        reverse_thinking(data, Wrong())
