"""The built-in heuristics and the heuristic conformance kit (``journeymine.testing.check_heuristic``).

- every built-in passes the kit with its planted problem, and the kit fails heuristics that
  break the contract;
- each heuristic finds planted problems of known size in the right segment (several sizes and
  seeds), reports nothing material on clean logs, and never tops the list with an edge or wait
  that is the same in every segment;
- on the demo data each of the four planted stories is found by the right heuristic with the
  generator's figures (computed here in pandas), and nothing unrelated is material;
- third-party heuristics run through a real plugin; a malformed one is left out with a warning.
"""

from __future__ import annotations

import importlib
import itertools
import json
import math
import sys
import textwrap
import warnings
from typing import ClassVar

import numpy as np
import pandas as pd
import pytest

import journeymine as jm
from journeymine.errors import ArgumentError
from journeymine.heuristics import BaseHeuristic, Finding, Impact, JourneyData
from journeymine.heuristics.builtins import (
    ChannelHopping,
    ComplaintJourneys,
    DropOff,
    EmotionHotspots,
    RepeatContacts,
    ReworkLoops,
    SlowTransitions,
)
from journeymine.registry import PluginWarning
from journeymine.testing import check_heuristic
from journeymine.testing.heuristics import (
    OUTCOME,
    PROBLEMS,
    check_attributes,
    check_clean,
    check_deterministic,
    check_finds,
    check_small_logs,
    planted_data,
    planted_log,
)

BUILTINS = sorted(PROBLEMS.values())


def read(frame: pd.DataFrame, **options) -> jm.EventLog:
    return jm.read_events(frame, case="case", activity="activity", timestamp="timestamp", **options)


def run(name: str, data: JourneyData) -> list[Finding]:
    return list(jm.registry.heuristics()[name].evaluate(data))


def material(findings) -> list[Finding]:
    return [f for f in findings if f.impact.material]


# -- the registry and the kit -----------------------------------------------------------------


def test_the_builtins_are_registered_with_their_defaults():
    registered = jm.registry.heuristics()
    assert (
        sorted(n for n in registered if registered.owners[n] == "journeymine.heuristics.builtins") == BUILTINS
    )
    for name in BUILTINS:
        h = registered[name]
        assert dict(h.params) == dict(type(h).defaults)
        assert h.description and "\n" not in h.description


@pytest.mark.parametrize("problem", list(PROBLEMS))
def test_every_builtin_passes_the_kit_with_its_planted_problem(problem):
    check_heuristic(PROBLEMS[problem], problem=problem)


class _Fixed(BaseHeuristic):
    """A test double: returns what ``make(self, data)`` gives."""

    name = "test-double"
    description = "a heuristic for the kit's own tests"
    defaults: ClassVar[dict] = {}

    def __init__(self, make, name="test-double"):
        super().__init__()
        self.make = make
        self.name = name  # type: ignore[misc]

    def evaluate(self, data):
        return self.make(self, data)


def _everything(h, data):
    mask = np.ones(len(data.paths), dtype=bool)
    impact = Impact("journey_time_s", 3600.0, 60.0, 7200.0, effect=0.5, method="made up")
    return [data.finding(h.name, title="Every journey", explanation="", mask=mask, impact=impact, action="")]


@pytest.mark.parametrize(
    ("make", "check", "message"),
    [
        (_everything, check_clean, "fails check_clean: on a clean log"),
        (
            lambda h, d: [],
            lambda h: check_finds(h, "rework", seeds=[0]),
            "fails check_finds: on planted_log('rework'",
        ),
        (
            lambda h, d: [{"title": "a dict"}],
            check_small_logs,
            "returned a dict, not a journeymine.heuristics.Finding",
        ),
        (lambda h, d: 1 / len(d.paths) and [], check_small_logs, "raised ZeroDivisionError"),
        (
            lambda h, d: d.paths.pop("label") is None or [],
            check_small_logs,
            "changed data.paths",
        ),
        (
            lambda h, d: [
                Finding(
                    "someone-else",
                    "t",
                    "",
                    (),
                    (),
                    (),
                    0,
                    0.0,
                    (0.0, 0.0),
                    (),
                    Impact("sentiment", 0, 0, 0),
                    "",
                )
            ],
            check_small_logs,
            "it must be the heuristic's name 'test-double'",
        ),
    ],
    ids=[
        "material-on-clean",
        "misses-the-problem",
        "not-a-finding",
        "crashes-empty",
        "mutates",
        "wrong-name",
    ],
)
def test_the_kit_fails_heuristics_that_break_the_contract(make, check, message):
    h = _Fixed(make)
    check_attributes(h)
    check_deterministic(_Fixed(_everything))  # the double itself is well-formed and deterministic
    with pytest.raises(AssertionError, match="^check_heuristic: 'test-double' ") as caught:
        check(h)
    assert message in str(caught.value)


def test_the_kit_catches_findings_that_change_from_run_to_run_or_with_shuffled_rows():
    counter = itertools.count()

    def changing(h, data):
        found = _everything(h, data)
        return [Finding(**{**found[0].__dict__, "title": f"run {next(counter)}"})]

    with pytest.raises(AssertionError, match="fails check_deterministic: two runs on"):
        check_deterministic(_Fixed(changing))

    def order_dependent(h, data):  # the first path's id: the engine orders paths, not the input
        found = _everything(h, data)
        return [Finding(**{**found[0].__dict__, "title": str(id(data))})]

    with pytest.raises(AssertionError, match="fails check_deterministic"):
        check_deterministic(_Fixed(order_dependent))


@pytest.mark.parametrize(
    ("attribute", "value", "message"),
    [
        ("name", "Rework Loops", "lower-case words joined by hyphens"),
        ("description", "", "one line"),
        ("params", {"when": object()}, "params holds params['when']"),
        ("params", {"x": math.nan}, "not a finite number"),
    ],
)
def test_check_attributes_names_what_is_wrong(attribute, value, message):
    h = _Fixed(lambda h, d: [])
    setattr(h, attribute, value)
    with pytest.raises(AssertionError, match="fails check_attributes") as caught:
        check_attributes(h)
    assert message in str(caught.value)


def test_the_kit_is_exported_lazily_from_journeymine_testing():
    import subprocess

    import journeymine.testing

    assert journeymine.testing.check_heuristic is check_heuristic
    assert {"check_heuristic", "heuristics"} <= set(journeymine.testing.__all__)
    code = "import sys, journeymine.testing.heuristics; print('pandas' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"  # the kit loads pandas only when it runs


def test_check_heuristic_resolves_names_and_refuses_unknown_ones():
    check_attributes("rework-loops")
    with pytest.raises(
        ArgumentError, match="no heuristic 'rework-loop' \\(did you mean 'rework-loops'\\?\\)"
    ):
        check_heuristic("rework-loop")


# -- planted logs -----------------------------------------------------------------------------


def test_planted_logs_are_seeded_and_hold_their_truth():
    a, b = planted_log("rework", cases=120, seed=3), planted_log("rework", cases=120, seed=3)
    pd.testing.assert_frame_equal(a, b)
    assert a.attrs["planted"] == b.attrs["planted"]
    assert not planted_log("rework", cases=120, seed=4).equals(a)
    truth = a.attrs["planted"]
    assert truth["cases"] == 12 and truth["share"] == 0.1 and truth["segment"] == "business"
    assert set(a.loc[a["case"].isin(truth["case_ids"]), "segment"]) == {"business"}
    # the truth is in the events: exactly the affected cases see "Documents incomplete"
    assert sorted(a.loc[a["activity"] == "Documents incomplete", "case"].unique()) == truth["case_ids"]
    # times strictly increase within a case, so shuffled rows give the same log
    assert (a.groupby("case")["timestamp"].diff().dropna() > pd.Timedelta(0)).all()
    clean = planted_log(cases=90)
    assert clean.attrs["planted"]["cases"] == 0 and set(clean["segment"]) == {"retail", "business", "private"}
    assert (clean.groupby("case")["activity"].last() == OUTCOME).all()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"problem": "rework-loops"}, "no problem 'rework-loops' (did you mean 'rework'?)"),
        ({"problem": "rework", "share": 0}, "share= must be a number in (0, 1]"),
        ({"problem": "rework", "segment": "gold"}, "segment= must be one of retail, business, private"),
        ({"problem": "slow-transition", "segment": None}, "pass segment=..."),
        ({"problem": None, "cases": -1}, "cases= must be a whole number >= 0"),
    ],
)
def test_planted_log_refuses_bad_arguments(arguments, message):
    problem = arguments.pop("problem")
    with pytest.raises(ArgumentError) as caught:
        planted_log(problem, **arguments)
    assert message in str(caught.value)


#: per problem: (cases, share, seed) of the planted logs (share None: the problem's default)
SIZES = {
    "rework": [(400, 0.25, 2), (900, 0.5, 3), (600, 0.2, 4)],
    "repeat-contacts": [(400, 0.3, 2), (900, 0.15, 3), (600, 0.6, 4)],
    "channel-hopping": [(400, 0.4, 2), (900, 0.3, 3), (600, 0.6, 4)],
    "drop-off": [(400, 0.2, 2), (900, 0.2, 3), (600, 0.5, 4)],
    "slow-transition": [(400, 1.0, 2), (900, 0.5, 3), (600, 0.8, 4)],
    "emotion": [(400, 1.0, 2), (900, 0.5, 3), (600, 0.7, 4)],
    "complaint": [(400, 0.3, 2), (900, 0.2, 3), (600, 0.5, 4)],
}


def _found(problem: str, findings: list[Finding], truth: dict, segment: str | None) -> Finding:
    """The material finding of the planted problem: its cases exactly the planted ones, at the
    planted touchpoints (all of them, when one finding names them all)."""
    hits = [
        f
        for f in material(findings)
        if f.cases == truth["cases"] and set(truth["touchpoints"]) & set(f.touchpoints)
    ]
    assert hits, (
        f"{problem}: no material finding of {truth['cases']} cases; got {[(f.title, f.cases) for f in findings]}"
    )
    hits.sort(key=lambda f: not set(truth["touchpoints"]) <= set(f.touchpoints))
    f = hits[0]
    assert f.share_ci[0] <= truth["share"] <= f.share_ci[1]
    if segment is None:
        assert f.concentrated_in == ()
    else:
        assert f.concentrated_in == (segment,)
        inside = next(s for s in f.segments if s.segment == segment)
        assert inside.rest_share < inside.share
    return f


@pytest.mark.parametrize(
    ("problem", "cases", "share", "seed"),
    [(p, *size) for p, sizes in SIZES.items() for size in sizes],
)
def test_each_heuristic_finds_its_planted_problem_with_its_size_and_segment(problem, cases, share, seed):
    frame = planted_log(problem, cases=cases, share=share, seed=seed)
    truth = frame.attrs["planted"]
    f = _found(problem, run(PROBLEMS[problem], planted_data(frame)), truth, "business")
    assert f.heuristic == PROBLEMS[problem]
    assert set(truth["touchpoints"]) <= set(f.touchpoints)
    assert all(tuple(t) in f.transitions for t in truth["transitions"]) or not f.transitions
    assert f.action and f.explanation and dict(f.evidence)["params"]


@pytest.mark.parametrize("problem", [p for p in PROBLEMS if p != "slow-transition"])
def test_a_problem_planted_in_every_segment_alike_is_found_and_not_concentrated(problem):
    frame = planted_log(problem, cases=600, segment=None, share=0.2 if problem != "emotion" else 1.0, seed=5)
    _found(problem, run(PROBLEMS[problem], planted_data(frame)), frame.attrs["planted"], None)


@pytest.mark.parametrize("seed", [10, 11, 12, 13, 14, 15])
@pytest.mark.parametrize("by", ["segment", None])
def test_clean_logs_give_nothing_material(seed, by):
    data = planted_data(planted_log(None, cases=500, seed=seed), by=by)
    for name in BUILTINS:
        assert material(run(name, data)) == [], name


@pytest.mark.parametrize("problem", list(PROBLEMS))
def test_an_edge_or_wait_the_same_in_every_segment_is_never_a_top_finding(problem):
    """``Website visit → Product page`` (every case), ``Valuation → Offer sent`` (the longest
    wait everywhere): never material, never first; the planted problem comes first."""
    frame = planted_log(problem, cases=600, seed=6)
    truth = frame.attrs["planted"]
    result = jm.improve(read(frame, channel="channel"), by="segment", outcome=OUTCOME, sentiment="sentiment")
    common = {("Website visit", "Product page"), ("Valuation", "Offer sent")}
    top = result.findings[0]
    assert top.impact.material and set(top.touchpoints) & set(truth["touchpoints"]), top.title
    for f in result.findings:
        if any(set(f.touchpoints) == set(edge) for edge in common):  # a finding about the edge
            assert not f.impact.material, f.title
            assert f is not top
    waits = [f for f in result.findings if f.title == "Valuation → Offer sent is one of the longest waits"]
    assert problem == "repeat-contacts" or len(waits) == 1  # shown as context, below the findings
    assert all(result.findings.index(w) > result.findings.index(top) for w in waits)


def test_the_longest_wait_of_a_clean_log_is_context_not_a_finding():
    data = planted_data(planted_log(None, cases=600, seed=7))
    found = SlowTransitions().evaluate(data)
    assert found and not material(found)
    titles = [f.title for f in found]
    assert "Valuation → Offer sent is one of the longest waits" in titles
    assert all(math.isnan(f.impact.ci_low) and f.score == 0 for f in found)


# -- what each heuristic says, and when it stays quiet ----------------------------------------


def test_rework_reports_the_time_in_the_loop_and_the_channel_it_comes_from():
    frame = planted_log("rework", cases=600, seed=8)
    data = planted_data(frame)
    [f] = ReworkLoops().evaluate(data)
    assert f.title == "Upload documents is redone after Documents incomplete"
    assert f.transitions == (
        ("Upload documents", "Documents incomplete"),
        ("Documents incomplete", "Upload documents"),
    )
    # the truth: from the first upload to the last re-upload, per affected case
    events = frame[frame["case"].isin(frame.attrs["planted"]["case_ids"])]
    uploads = events[events["activity"] == "Upload documents"].groupby("case")["timestamp"]
    loop_s = (uploads.max() - uploads.min()).dt.total_seconds()
    assert f.impact.metric == "journey_time_s" and f.impact.material
    assert f.impact.value == pytest.approx(loop_s.mean(), rel=1e-6)
    assert f.impact.ci_low < loop_s.mean() < f.impact.ci_high
    assert "time from Upload documents to its repetition" in f.impact.method
    evidence = dict(f.evidence)
    assert evidence["loops_per_case"] == pytest.approx(
        (events["activity"] == "Documents incomplete").sum() / f.cases
    )
    assert set(evidence["by_channel"]) <= {"web", "app"}


def test_rework_with_immediate_loops_reports_a_repeated_step_without_a_rejection():
    frame = planted_log("channel-hopping", cases=600, seed=9)
    data = planted_data(frame)
    assert ReworkLoops().evaluate(data) == []
    found = ReworkLoops(immediate=True).evaluate(data)
    [f] = [f for f in found if f.title == "Upload documents is done twice in a row"]
    assert f.cases == frame.attrs["planted"]["cases"] and f.impact.material


def test_repeat_contacts_says_when_customers_call_and_counts_the_threshold():
    frame = planted_log("repeat-contacts", cases=600, seed=8)
    data = planted_data(frame)
    [f] = RepeatContacts().evaluate(data)
    calls = frame[frame["activity"] == "Customer service call"].groupby("case").size()
    assert f.cases == int((calls >= 2).sum())
    assert f.impact.metric == "sentiment" and f.impact.value < 0 and f.impact.material
    assert dict(f.evidence)["when"][0]["after"] == "Valuation"
    assert "after Valuation and before Offer sent" in f.explanation
    [three] = RepeatContacts(min_contacts=3).evaluate(data)
    assert three.cases == int((calls >= 3).sum()) < f.cases
    # without a sentiment column, the journey time
    no_sentiment = JourneyData.from_log(read(frame, channel="channel"), by="segment", outcome=OUTCOME)
    [g] = RepeatContacts().evaluate(no_sentiment)
    assert g.impact.metric == "journey_time_s" and g.cases == f.cases


def test_channel_hopping_finds_the_broken_hand_over_and_is_quiet_without_channels():
    frame = planted_log("channel-hopping", cases=600, seed=8)
    data = planted_data(frame)
    found = {f.title: f for f in ChannelHopping().evaluate(data)}
    hand_over = found["The hand-over from Application started to Upload documents breaks across channels"]
    evidence = dict(hand_over.evidence)
    assert evidence["break_rate_across_channels"] > 0.9 > 0.05 > evidence["break_rate_on_one_channel"]
    assert found["Journeys hop between channels"].cases == hand_over.cases == frame.attrs["planted"]["cases"]
    no_channel = JourneyData.from_log(read(frame), by="segment", outcome=OUTCOME, measure="sentiment")
    assert ChannelHopping().evaluate(no_channel) == []


def test_drop_off_reports_where_journeys_end_and_a_note_without_an_outcome():
    frame = planted_log("drop-off", cases=600, seed=8)
    data = planted_data(frame)
    [f] = DropOff().evaluate(data)
    assert f.title == f"Journeys end after Offer sent without {OUTCOME}"
    assert f.impact.metric == "lost_completions" and f.impact.material
    # everyone else completes: the lost completions are the leavers themselves
    assert f.impact.value == pytest.approx(f.cases)
    no_outcome = JourneyData.from_log(read(frame, channel="channel"), by="segment", measure="sentiment")
    [note] = DropOff().evaluate(no_outcome)
    assert note.cases == 0 and not note.impact.material and "no outcome given" in note.explanation
    assert "no outcome given" in dict(note.evidence)["note"]


def test_emotion_hotspots_need_a_measure_and_complaints_a_complaint():
    frame = planted_log("emotion", cases=600, seed=8)
    without = JourneyData.from_log(read(frame, channel="channel"), by="segment", outcome=OUTCOME)
    assert EmotionHotspots().evaluate(without) == []
    assert ComplaintJourneys().evaluate(planted_data(frame)) == []
    found = {f.title: f for f in EmotionHotspots().evaluate(planted_data(frame))}
    seg = found["Upload documents is an emotional low point for business"]
    assert seg.impact.value == pytest.approx(-0.6, abs=0.08) and "Bonferroni" in seg.impact.method
    assert EmotionHotspots(by_segment=False).evaluate(planted_data(frame))[0].title == (
        "Upload documents is an emotional low point"
    )


def test_a_segment_unhappier_everywhere_makes_no_hotspot_of_each_of_its_touchpoints():
    frame = planted_log(None, cases=900, seed=8)
    frame.loc[frame["segment"] == "business", "sentiment"] -= 0.15
    assert EmotionHotspots().evaluate(planted_data(frame)) == []
    frame.loc[(frame["segment"] == "business") & (frame["activity"] == "Valuation"), "sentiment"] -= 0.5
    found = {f.title: f for f in EmotionHotspots().evaluate(planted_data(frame))}
    assert sorted(found) == [
        "Valuation is an emotional low point",
        "Valuation is an emotional low point for business",
    ]
    assert found["Valuation is an emotional low point for business"].impact.value == pytest.approx(
        -0.5, abs=0.1
    )


def test_complaints_cost_completions():
    frame = planted_log("complaint", cases=600, seed=8)
    [f] = ComplaintJourneys().evaluate(planted_data(frame))
    affected = frame[frame["case"].isin(frame.attrs["planted"]["case_ids"])]
    signed = affected.groupby("case")["activity"].apply(lambda a: OUTCOME in set(a))
    assert f.impact.metric == "lost_completions"
    assert f.impact.value == pytest.approx(f.cases * (1 - signed.mean()))
    assert "Offer sent" in f.touchpoints and dict(f.evidence)["came_from"] == {"Offer sent": f.cases}


def test_parameters_are_checked_when_evaluating():
    data = planted_data(planted_log(None, cases=30))
    for h, message in [
        (ReworkLoops(min_share="a lot"), "min_share= must be a share in [0, 1)"),
        (RepeatContacts(min_contacts=1), "min_contacts= must be a whole number >= 2"),
        (ChannelHopping(contacts=[3]), "contacts= must be a list of activity names or glob patterns"),
        (SlowTransitions(min_ratio=0.5), "min_ratio= must be a number above 1"),
        (EmotionHotspots(by_segment="yes"), "by_segment= must be True or False"),
    ]:
        with pytest.raises(ArgumentError, match=f"heuristic {h.name!r}: ") as caught:
            h.evaluate(data)
        assert message in str(caught.value)
    with pytest.raises(ArgumentError, match="did you mean min_share"):
        DropOff(min_shares=0.1)


def test_activity_names_go_into_findings_as_they_are():
    frame = planted_log("rework", cases=300, seed=2)
    name = '<b>Upload</b> & "docs"'
    frame["activity"] = frame["activity"].replace("Upload documents", name)
    [f] = ReworkLoops().evaluate(planted_data(frame))
    assert f.title == f"{name} is redone after Documents incomplete" and name in f.explanation
    json.dumps(f.to_dict(), allow_nan=False)


def test_untimed_logs_without_channel_or_measure_give_findings_without_a_crash():
    frame = planted_log("rework", cases=300, seed=2)
    frame["step"] = frame.groupby("case").cumcount()
    log = jm.read_events(frame, case="case", activity="activity", order="step")
    data = JourneyData.from_log(log, by="segment", outcome=OUTCOME)
    assert not data.timed
    for name in BUILTINS:
        for f in run(name, data):
            json.dumps(f.to_dict(), allow_nan=False)
    [f] = ReworkLoops().evaluate(data)
    assert f.impact.metric == "lost_completions"  # no times: what the loop costs in completions


# -- the demo data: the four stories ----------------------------------------------------------


@pytest.fixture(scope="module")
def demo_truth(demo_frame):
    """The generator's truth per customer, computed in pandas from the events."""
    df = demo_frame
    seqs = df.groupby("customer_id")["touchpoint"].agg(tuple)
    cust = df.groupby("customer_id")[["segment", "region"]].first()

    def reworked(s):
        return any(
            a == "Documents incomplete" and "Upload documents" in s[:j] and "Upload documents" in s[j + 1 :]
            for j, a in enumerate(s)
        )

    cust["rework"] = seqs.map(reworked)
    cust["calls"] = seqs.map(lambda s: s.count("Customer service call"))
    cust["valuation_offer"] = seqs.map(lambda s: ("Valuation", "Offer sent") in set(itertools.pairwise(s)))
    cust["signed"] = seqs.map(lambda s: "Contract signed" in s)
    cust["last"] = seqs.map(lambda s: s[-1])
    return cust


@pytest.fixture(scope="module")
def demo_by_segment():
    return jm.improve(jm.datasets.load_demo_log(), by="segment", map=jm.datasets.load_demo_map())


@pytest.fixture(scope="module")
def demo_by_region():
    return jm.improve(jm.datasets.load_demo_log(), by="region", map=jm.datasets.load_demo_map())


def _one(result, heuristic: str, title: str) -> Finding:
    [f] = [f for f in result.findings if f.heuristic == heuristic and f.title == title]
    return f


def _matches(f: Finding, cases: int, n: int) -> None:
    assert f.impact.material
    assert f.cases == cases
    assert f.share_ci[0] <= cases / n <= f.share_ci[1]


def test_demo_story_1_rework_of_uploads_mostly_movers(demo_by_segment, demo_truth):
    f = _one(demo_by_segment, "rework-loops", "Upload documents is redone after Documents incomplete")
    _matches(f, int(demo_truth["rework"].sum()), len(demo_truth))
    assert f.concentrated_in == ("mover",)
    movers = next(s for s in f.segments if s.segment == "mover")
    truth = demo_truth.groupby("segment")["rework"].mean()
    assert movers.share == pytest.approx(truth["mover"])
    by_channel = dict(f.evidence)["by_channel"]
    rate = {ch: v["cases"] / v["of"] for ch, v in by_channel.items()}
    assert rate["app"] > rate["web"]  # uploads from the app are rejected more often
    assert "more after Upload documents on app" in f.explanation


def test_demo_story_2_repeated_calls_while_waiting(demo_by_segment, demo_truth):
    f = _one(
        demo_by_segment, "repeat-contacts", "Customers contact again: Customer service call 2 times or more"
    )
    _matches(f, int((demo_truth["calls"] >= 2).sum()), len(demo_truth))
    assert f.impact.metric == "sentiment" and f.impact.value < -0.2
    waits = {(w["after"], w["before"]) for w in dict(f.evidence)["when"][:2]}
    assert waits <= {
        ("Credit check", "Valuation"),
        ("Valuation", "Offer sent"),
        ("Credit check", "Offer sent"),
    }


def test_demo_story_3_slow_offer_in_the_north(demo_by_region, demo_truth):
    f = _one(demo_by_region, "slow-transitions", "Valuation → Offer sent is slow in North")
    north = demo_truth["region"] == "North"
    _matches(f, int((demo_truth["valuation_offer"] & north).sum()), len(demo_truth))
    assert f.concentrated_in == ("North",)
    evidence = dict(f.evidence)
    assert 2 <= evidence["ratio_median"] <= 3.5
    assert f.impact.value / 86400 > 2  # days longer on it
    slow = [g for g in demo_by_region.findings if g.heuristic == "slow-transitions" and g.impact.material]
    assert {g.concentrated_in for g in slow} == {("North",)}


def test_demo_story_4_drop_off_refinancers_after_the_offer_others_after_incomplete_documents(
    demo_by_segment, demo_truth
):
    left = demo_truth[~demo_truth["signed"]]
    offer = _one(demo_by_segment, "drop-off", "Journeys end after Offer sent without Contract signed")
    _matches(offer, int((left["last"] == "Offer sent").sum()), len(demo_truth))
    assert offer.concentrated_in == ("refinancer",)
    docs = _one(
        demo_by_segment, "drop-off", "Journeys end after Documents incomplete without Contract signed"
    )
    _matches(docs, int((left["last"] == "Documents incomplete").sum()), len(demo_truth))
    assert "refinancer" not in docs.concentrated_in
    refi = next(s for s in docs.segments if s.segment == "refinancer")
    assert refi.share < refi.rest_share


STORY_TOUCHPOINTS = {
    "Upload documents",
    "Documents incomplete",
    "Customer service call",
    "Valuation",
    "Offer sent",
}


@pytest.mark.parametrize("by", ["segment", "region"])
def test_demo_nothing_unrelated_to_the_stories_is_material(by, demo_by_segment, demo_by_region):
    result = demo_by_segment if by == "segment" else demo_by_region
    assert result.notes == ()
    found = material(result.findings)
    assert len(found) >= 5
    assert found == list(result.findings[: len(found)])  # material ones first
    for f in found:
        assert set(f.touchpoints) & STORY_TOUCHPOINTS, f.title
    heuristics = [f.heuristic for f in result.findings[:5]]
    assert {"repeat-contacts", "drop-off", "rework-loops"} <= set(heuristics)


def test_demo_findings_are_the_same_for_the_same_seed_and_serialise(demo_by_segment):
    again = jm.improve(jm.datasets.load_demo_log(), by="segment", map=jm.datasets.load_demo_map())
    assert again.to_json() == demo_by_segment.to_json()
    frame = demo_by_segment.findings_frame()
    assert list(frame["rank"]) == list(range(1, len(frame) + 1))


# -- improve and plugins ----------------------------------------------------------------------


def test_a_misspelt_heuristic_is_an_argument_error_naming_the_right_one():
    with pytest.raises(ArgumentError, match="no heuristic 'rework-loop' \\(did you mean rework-loops\\?\\)"):
        jm.improve(jm.datasets.load_demo_log(), heuristics=["rework-loop"])


def test_heuristics_given_as_objects_with_other_parameters():
    frame = planted_log("repeat-contacts", cases=300, seed=2)
    result = jm.improve(
        read(frame, channel="channel"),
        outcome=OUTCOME,
        heuristics=[RepeatContacts(min_contacts=3), "drop-off"],
    )
    assert result.heuristics[0] == ("repeat-contacts", {**RepeatContacts.defaults, "min_contacts": 3})
    assert [f.heuristic for f in result.findings] == ["repeat-contacts"]


_ids = itertools.count()

PLUGIN = """
import numpy as np
import journeymine
from journeymine.heuristics import BaseHeuristic


class EndsRejected(BaseHeuristic):
    name = "ends-rejected"
    description = "journeys whose last step is a rejection"
    defaults = {"patterns": ("*incomplete*",), "min_cases": 5}

    def evaluate(self, data):
        from journeymine.heuristics.data import matches_any

        last = [s[-1] for s in data.sequences]
        mask = np.array([matches_any(a, self.params["patterns"]) for a in last], dtype=bool)
        k = data.count(mask)
        if k < self.params["min_cases"]:
            return []
        return [
            data.finding(
                self.name,
                title="Journeys end with a rejection",
                explanation=f"{k} journeys end with a rejection.",
                mask=mask,
                impact=data.completion_impact(mask),
                action="Tell customers what to do after a rejection.",
                evidence={"params": dict(self.params)},
            )
        ]


class NoEvaluate:
    name = "no-evaluate"
    description = "forgot its evaluate"
    params = {}


class Fails(BaseHeuristic):
    name = "always-fails"
    description = "raises"

    def evaluate(self, data):
        raise RuntimeError("boom")


@journeymine.hookimpl
def journeymine_register_heuristics(register):
    register(EndsRejected())
    register(NoEvaluate())
    register(Fails())
"""


@pytest.fixture
def install(third_party_plugins, tmp_path, monkeypatch):
    """install(name, code): a real entry point (a module and its dist-info) found on next use."""
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))

    def install(name: str, code: str) -> str:
        module = f"jmheur_{next(_ids)}_{name.replace('-', '_')}"
        (site / f"{module}.py").write_text(textwrap.dedent(code))
        info = site / f"{module}-1.0.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module}\nVersion: 1.0\n")
        (info / "entry_points.txt").write_text(f"[journeymine]\n{name} = {module}\n")
        importlib.invalidate_caches()
        third_party_plugins.reset(engines=False)
        return module

    yield install
    for module in [m for m in sys.modules if m.startswith("jmheur_")]:
        del sys.modules[module]


def test_a_plugin_heuristic_runs_in_improve_and_a_malformed_one_is_left_out(install):
    install("rejections", PLUGIN)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        registered = jm.registry.heuristics()
        result = jm.improve(jm.datasets.load_demo_log(), by="segment", outcome="Contract signed")
    messages = [str(w.message) for w in caught if issubclass(w.category, PluginWarning)]
    assert "ends-rejected" in registered and "no-evaluate" not in registered
    assert registered.owners["ends-rejected"] == "rejections"
    assert any(m.startswith("journeymine plugin 'rejections': ") and "evaluate" in m for m in messages), (
        messages
    )
    assert any("heuristic 'always-fails' failed and was left out: RuntimeError: boom" in m for m in messages)
    assert any("always-fails" in n for n in result.notes)
    [f] = [f for f in result.findings if f.heuristic == "ends-rejected"]
    assert f.cases == 323 and f.impact.material  # the drop-off after "Documents incomplete"
    assert {f.heuristic for f in result.findings} >= {"ends-rejected", "rework-loops", "drop-off"}
    check_heuristic(registered["ends-rejected"])  # the plugin's heuristic passes the kit
