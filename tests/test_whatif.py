"""What-if (``journeymine.heuristics.whatif``): parsing changes, exact replays on hand-made paths
with known gaps, completion of the customers who would go on, intervals that contain the
estimate, determinism given the seed, and clear errors."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

import journeymine as jm
from journeymine.errors import ArgumentError
from journeymine.heuristics import Change, IdealJourney, IdealStep, JourneyData, what_if

START = pd.Timestamp("2025-03-01", tz="UTC")
HOUR = 3600.0


def _frame(journeys):
    """{case: [(activity, hours since the previous event[, channel]), ...]} as events."""
    rows = []
    for case, steps in journeys.items():
        t = START
        for step in steps:
            activity, hours, *rest = step
            t = t + pd.Timedelta(hours=hours)
            rows.append((case, activity, t, rest[0] if rest else "web"))
    return pd.DataFrame(rows, columns=["case", "activity", "timestamp", "channel"])


def _data(journeys, **options):
    log = jm.read_events(
        _frame(journeys), case="case", activity="activity", timestamp="timestamp", channel="channel"
    )
    options.setdefault("outcome", "Sign")
    return JourneyData.from_log(log, **options)


# -- parsing -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "change"),
    [
        ("remove:Documents incomplete", Change("remove", "Documents incomplete")),
        ("  first-time-right: Upload documents ", Change("first-time-right", "Upload documents")),
        ("channel:Advisor meeting=phone", Change("channel", "Advisor meeting", "phone")),
        ("channel:Advisor meeting", Change("channel", "Advisor meeting")),
        ("channel:a=b=c", Change("channel", "a=b", "c")),
        ("REMOVE:Chat", Change("remove", "Chat")),
    ],
)
def test_the_text_forms_parse_and_print_back(text, change):
    parsed = Change.parse(text)
    assert parsed == change
    assert Change.parse(str(parsed)) == parsed


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "Documents incomplete",
            "is not a change; write remove:<touchpoint>, first-time-right:<touchpoint> or channel:<touchpoint>=<channel>",
        ),
        ("remove:", "is not a change; write remove:<touchpoint>"),
        ("delete:Chat", "is not a change (no kind 'delete'); write remove:<touchpoint>"),
        ("first-time-rigth:Upload", "(no kind 'first-time-rigth' (did you mean 'first-time-right'?))"),
        ("channel:=phone", "write channel:<touchpoint>=<channel>"),
        ("channel:Advisor meeting=", "write channel:<touchpoint>=<channel>"),
    ],
)
def test_a_bad_text_is_an_argument_error_listing_the_forms(text, message):
    with pytest.raises(ArgumentError) as info:
        Change.parse(text)
    assert message in str(info.value)


def test_a_bad_change_object_is_an_argument_error():
    with pytest.raises(ArgumentError, match="no change kind 'add'"):
        Change("add", "Chat")  # type: ignore[arg-type]
    with pytest.raises(ArgumentError, match="only a channel change takes a channel"):
        Change("remove", "Chat", "web")
    with pytest.raises(ArgumentError, match="the touchpoint of a change must be a non-empty text"):
        Change("remove", " ")
    with pytest.raises(ArgumentError, match="a change is a text"):
        Change.parse(3)  # type: ignore[arg-type]


# -- exact replays ---------------------------------------------------------------------------------


def test_removing_a_step_with_a_constant_gap_shortens_each_journey_by_exactly_that():
    # every X comes 5 h after A; the rest varies per case
    journeys = {f"x{i}": [("A", 0), ("X", 5), ("B", 1 + i), ("Sign", 2 * i + 1)] for i in range(6)} | {
        f"n{i}": [("A", 0), ("B", 3 + i), ("Sign", 1)] for i in range(4)
    }
    data = _data(journeys)
    w = what_if(data, "remove:X")
    assert w.cases_affected == 6 and w.share_affected == pytest.approx(0.6)
    assert w.journey_time_s.difference == pytest.approx(-5 * HOUR * 6 / 10)
    assert w.journey_time_s.as_is - w.journey_time_s.to_be == pytest.approx(3 * HOUR)
    assert w.journey_time_s.ci_low <= w.journey_time_s.difference <= w.journey_time_s.ci_high
    assert w.removed_events == (("X", 6),)
    only = what_if(_data({k: v for k, v in journeys.items() if k.startswith("x")}), "remove:X")
    assert only.journey_time_s.difference == pytest.approx(-5 * HOUR)
    assert (only.journey_time_s.ci_low, only.journey_time_s.ci_high) == pytest.approx((-5 * HOUR, -5 * HOUR))
    assert only.median_journey_time_s.difference == pytest.approx(-5 * HOUR)
    assert only.completion.difference == 0


def test_removing_a_step_that_never_occurs_changes_nothing():
    journeys = {f"c{i}": [("A", 0), ("B", 1 + i), ("Sign", 2)] for i in range(5)}
    ideal = IdealJourney("J", ("Sign",), ["A", IdealStep(("Ghost",), optional=True), "B", "Sign"])
    w = what_if(_data(journeys), "remove:Ghost", ideal=ideal)
    assert w.cases_affected == 0 and w.touchpoints == () and w.removed_events == ()
    for est in (w.journey_time_s, w.median_journey_time_s, w.completion):
        assert est.difference == 0 and est.to_be == pytest.approx(est.as_is)
        assert (est.ci_low, est.ci_high) == (0.0, 0.0)
    assert any("never occurs in the log: nothing changes" in a for a in w.assumptions)


def test_first_time_right_collapses_the_loop_to_one_pass():
    # Upload (2 h) -> Incomplete (10 h) -> Call (4 h) -> Upload (1 h) -> Sign; the loop costs 10 + 4 + 1 h
    loop = [("Apply", 0), ("Upload", 2), ("Incomplete", 10), ("Call", 4), ("Upload", 1), ("Sign", 3)]
    left = [("Apply", 0), ("Upload", 2), ("Incomplete", 10)]
    clean = [("Apply", 0), ("Upload", 2), ("Sign", 3)]
    journeys = (
        {f"l{i}": loop for i in range(4)}
        | {f"q{i}": left for i in range(2)}
        | {f"c{i}": clean for i in range(4)}
    )
    data = _data(journeys)
    w = what_if(data, "first-time-right:Upload")
    assert w.cases_affected == 6  # the loops, and those who left in one
    assert w.continuing_cases == 2
    assert dict(w.removed_events) == {"Incomplete": 6, "Call": 4, "Upload": 4}
    # time: completed journeys only; the 4 loops lose 15 h each, out of 8 completed
    assert w.journey_time_s.difference == pytest.approx(-15 * HOUR * 4 / 8)
    # completion: 8 of 10 as is; the 2 who left go on at the rate of those who went on (4 of 4)
    assert w.completion.as_is == pytest.approx(0.8)
    assert w.completion.to_be == pytest.approx(1.0)
    assert any("Call, Incomplete" in a for a in w.assumptions)


def test_removing_the_step_customers_leave_after_lets_them_go_on_at_the_comparable_rate():
    journeys = (
        {f"on{i}": [("A", 0), ("X", 1), ("B", 1), ("Sign", 1)] for i in range(6)}
        | {f"stuck{i}": [("A", 0), ("X", 1), ("B", 1)] for i in range(2)}
        | {f"left{i}": [("A", 0), ("X", 1)] for i in range(4)}
        | {f"other{i}": [("A", 0), ("Sign", 1)] for i in range(8)}
    )
    w = what_if(_data(journeys, seed=2), "remove:X")
    rate = 6 / 8  # of those who met X and went on
    assert w.continuing_cases == 4
    assert w.completion.as_is == pytest.approx(14 / 20)
    assert w.completion.to_be == pytest.approx((14 + 4 * rate) / 20)
    assert w.completion.ci_low <= w.completion.difference <= w.completion.ci_high
    assert "75.0%" in " ".join(w.assumptions)


def test_a_channel_change_takes_the_time_observed_on_that_channel():
    journeys = {f"w{i}": [("A", 0), ("Meet", 1, "web"), ("Sign", 2)] for i in range(5)} | {
        f"b{i}": [("A", 0), ("Meet", 7, "branch"), ("Sign", 2)] for i in range(5)
    }
    w = what_if(_data(journeys), "channel:Meet=web")
    assert w.cases_affected == 5
    assert w.journey_time_s.difference == pytest.approx(-6 * HOUR * 5 / 10)
    assert w.completion.difference == 0  # everyone completed on both channels
    ideal = IdealJourney("J", ("Sign",), ["A", IdealStep(("Meet",), channel="web"), "Sign"])
    assert what_if(_data(journeys), "channel:Meet", ideal=ideal).journey_time_s.difference == pytest.approx(
        w.journey_time_s.difference
    )


# -- the demo --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_data(demo_log):
    return JourneyData.from_log(demo_log, by="segment", outcome="Contract signed", seed=7)


@pytest.mark.parametrize(
    "change",
    [
        "remove:Documents incomplete",
        "first-time-right:Upload documents",
        "channel:Advisor meeting=phone",
        "remove:Customer service call",
        "first-time-right:Offer viewed",
    ],
)
def test_on_the_demo_the_intervals_contain_the_estimates(demo_data, change):
    w = what_if(demo_data, change, ideal=jm.datasets.load_demo_ideal())
    assert w.cases_affected > 0
    for est in (w.journey_time_s, w.median_journey_time_s, w.completion):
        assert math.isfinite(est.ci_low) and math.isfinite(est.ci_high), est
        assert est.ci_low <= est.difference <= est.ci_high, est
        assert est.difference == pytest.approx(est.to_be - est.as_is)
        assert "seed 7" in est.method
    assert w.assumptions and all(isinstance(a, str) for a in w.assumptions)
    out = json.loads(json.dumps(w.to_dict(), allow_nan=False))
    assert set(out) >= {"change", "description", "cases_affected", "share_affected", "journey_time_s",
                        "median_journey_time_s", "completion", "assumptions"}  # fmt: skip
    assert set(out["journey_time_s"]) >= {"as_is", "to_be", "difference", "ci_low", "ci_high"}


def test_on_the_demo_the_planted_stories_pay_off(demo_frame, demo_data):
    w = what_if(demo_data, "first-time-right:Upload documents")
    rework = demo_frame.groupby("customer_id")["touchpoint"].apply(
        lambda t: (t == "Documents incomplete").any()
    )
    assert w.cases_affected == int(rework.sum())  # every rework, including those who left in it
    assert w.journey_time_s.ci_high < 0 and w.completion.ci_low > 0
    left_after = demo_frame.groupby("customer_id")["touchpoint"].last().eq("Documents incomplete").sum()
    assert w.continuing_cases == left_after


def test_the_same_seed_gives_the_same_estimate(demo_log, demo_data):
    a = what_if(demo_data, "remove:Documents incomplete").to_dict()
    b = what_if(
        JourneyData.from_log(demo_log, by="segment", outcome="Contract signed", seed=7),
        "remove:Documents incomplete",
    ).to_dict()
    other = what_if(
        JourneyData.from_log(demo_log, by="segment", outcome="Contract signed", seed=8),
        "remove:Documents incomplete",
    ).to_dict()
    assert a == b
    assert a["journey_time_s"]["difference"] == other["journey_time_s"]["difference"]
    assert a["journey_time_s"]["ci_low"] != other["journey_time_s"]["ci_low"]


def test_without_an_outcome_or_times_the_estimate_says_so():
    journeys = {f"c{i}": [("A", 0), ("X", 1 + i), ("B", 1)] for i in range(4)}
    w = what_if(_data(journeys, outcome=None), "remove:X")
    assert math.isnan(w.completion.to_be) and w.completion.method == "no outcome given"
    assert w.journey_time_s.difference < 0  # over every journey, when no outcome is known
    frame = _frame(journeys)
    log = jm.read_events(frame.drop(columns=["timestamp"]).assign(step=range(len(frame))),
                         case="case", activity="activity", order="step")  # fmt: skip
    untimed = what_if(JourneyData.from_log(log, outcome="B"), "remove:X")
    assert untimed.journey_time_s.method == "the log has no timestamps"


# -- errors ------------------------------------------------------------------------------------------


def test_an_unknown_touchpoint_is_an_argument_error_with_a_close_match(demo_data):
    with pytest.raises(
        ArgumentError,
        match=r"no touchpoint 'Documents incomplet' in the log \(did you mean 'Documents incomplete'\?\)",
    ):
        what_if(demo_data, "remove:Documents incomplet")
    with pytest.raises(ArgumentError, match="'Upload\\*x' matches no activity"):
        what_if(demo_data, "remove:Upload*x")


def test_changes_that_cannot_be_estimated_are_argument_errors(demo_data):
    with pytest.raises(ArgumentError, match="'Contract signed' completes the journey"):
        what_if(demo_data, "remove:Contract signed")
    with pytest.raises(ArgumentError, match="never done on the channel 'email'.*its channels: branch, phone"):
        what_if(demo_data, "channel:Advisor meeting=email")
    with pytest.raises(ArgumentError, match="names no channel, and no ideal journey was given"):
        what_if(demo_data, "channel:Advisor meeting")
    with pytest.raises(ArgumentError, match="the ideal journey gives none for it"):
        what_if(demo_data, "channel:Advisor meeting", ideal=jm.datasets.load_demo_ideal())


def test_a_glob_or_an_ideal_step_names_the_touchpoints(demo_data):
    w = what_if(demo_data, "remove:Customer service*")
    assert w.touchpoints == ("Customer service call",)
    ideal = IdealJourney(
        "J",
        ("Contract signed",),
        [IdealStep(("Chat", "Customer service call"), optional=True, label="Contact"), "Contract signed"],
    )
    both = what_if(demo_data, "remove:Contact", ideal=ideal)
    assert both.touchpoints == ("Chat", "Customer service call")
