"""``jm.compare`` and ``jm.drift``: groups, tables, the figures against the events, invariants,
engines, and by simulation that the comparison does not cry wolf and finds what is planted."""

from __future__ import annotations

import itertools
import json
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import journeymine as jm
from journeymine.testing.heuristics import planted_log

PLANTED = {"case": "case", "activity": "activity", "timestamp": "timestamp", "channel": "channel"}


@pytest.fixture(scope="module")
def pair(demo_log):
    return jm.compare(demo_log, by="segment", groups=("mover", "refinancer"), map=jm.datasets.load_demo_map())


def _reference_shares(frame: pd.DataFrame, group_col: str, group: str) -> tuple[dict, int]:
    """Cases containing each transition, from the events (the test's own plain computation)."""
    g = frame[frame[group_col] == group].sort_values(["customer_id", "timestamp"], kind="stable")
    out: dict[tuple[str, str], int] = {}
    for _, acts in g.groupby("customer_id", sort=False)["touchpoint"]:
        seq = list(acts)
        for edge in set(itertools.pairwise(seq)):
            out[edge] = out.get(edge, 0) + 1
    return out, g["customer_id"].nunique()


def test_edge_shares_are_the_shares_of_cases_containing_the_transition(pair, demo_frame):
    ref_a, n_a = _reference_shares(demo_frame, "segment", "mover")
    ref_b, n_b = _reference_shares(demo_frame, "segment", "refinancer")
    edges = pair.edges
    assert set(zip(edges["source"], edges["target"])) == set(ref_a) | set(ref_b)
    for row in edges.itertuples():
        key = (row.source, row.target)
        assert row.cases_a == ref_a.get(key, 0) and row.cases_b == ref_b.get(key, 0)
        assert row.share_a == pytest.approx(row.cases_a / n_a) and row.share_b == pytest.approx(
            row.cases_b / n_b
        )
        assert row.diff == pytest.approx(row.share_a - row.share_b)
    groups = pair.groups.set_index("group")
    assert groups.loc["mover", "cases"] == n_a and groups.loc["refinancer", "cases"] == n_b


def test_p_values_are_scipys_tests_and_q_values_benjamini_hochberg(pair):
    edges = pair.edges
    tested = edges[edges["p"].notna()]
    assert len(tested) > 10
    for row in tested.head(25).itertuples():
        table = [
            [row.cases_a, pair.groups["cases"][0] - row.cases_a],
            [row.cases_b, pair.groups["cases"][1] - row.cases_b],
        ]
        if row.test == "fisher":
            expected = stats.fisher_exact(table).pvalue
        else:
            assert row.test == "chi-square"
            expected = stats.chi2_contingency(table, correction=True).pvalue
        assert row.p == pytest.approx(expected, rel=1e-9, abs=1e-300)
    q = stats.false_discovery_control(tested["p"].to_numpy(), method="bh")
    np.testing.assert_allclose(tested["q"].to_numpy(), q, rtol=1e-12)
    assert (edges["significant"] == (edges["q"] < 0.05)).all()
    # untested rows say why, and are never significant
    untested = edges[edges["p"].isna()]
    assert (untested["reason"] != "").all() and not untested["significant"].any()


def test_the_demo_stories_show_up(pair):
    # refinancers leave after the offer: the offer -> contract transition is rarer for them
    edges = pair.edges.set_index(["source", "target"])
    assert edges["significant"].any()
    dist = pair.distribution.iloc[0]
    assert dist["p"] < 0.05 and 0 < dist["statistic"] <= 1 and dist["permutations"] == 999
    kpis = pair.kpis
    completion = kpis[kpis["kpi"] == "completion"].iloc[0]
    assert completion["value_a"] > completion["value_b"] and completion["significant"]
    assert set(kpis["kpi"]) >= {"completion", "drop-off", "target", "sentiment"}
    case = pair.durations[pair.durations["level"] == "case"].iloc[0]
    assert case["n_a"] == 1077 and case["n_b"] == 728


def test_case_durations_medians_match_the_case_table_within_the_bin_width(pair, demo_log):
    cases = demo_log.cases(by="segment", attributes=[])
    row = pair.durations[pair.durations["level"] == "case"].iloc[0]
    for group, column in (("mover", "median_a_s"), ("refinancer", "median_b_s")):
        exact = float(cases.loc[cases["segment"] == group, "duration_s"].median())
        assert abs((1 + row[column]) / (1 + exact) - 1) <= 0.0051


def test_the_same_result_whatever_the_row_order_and_from_the_seed(demo_frame, pair):
    from journeymine.testing.strategies import shuffle_keeping_ties

    shuffled = shuffle_keeping_ties(demo_frame, seed=5, case="customer_id")
    log = jm.read_events(shuffled, **jm.datasets.DEMO_COLUMNS)
    again = jm.compare(log, by="segment", groups=("mover", "refinancer"), map=jm.datasets.load_demo_map())
    assert json.dumps(again.to_dict(), sort_keys=True) == json.dumps(pair.to_dict(), sort_keys=True)
    other_seed = jm.compare(log, by="segment", groups=("mover", "refinancer"), seed=1)
    assert other_seed.distribution["seed"].iloc[0] == 1


def test_json_is_plain_and_has_the_documented_keys(pair):
    out = json.loads(json.dumps(pair.to_dict(), allow_nan=False))
    assert {"edges", "variants", "distribution", "durations", "groups", "kpis", "settings"} <= set(out)
    edge = out["edges"][0]
    for key in (
        "source",
        "target",
        "share_a",
        "share_b",
        "diff",
        "ci_low",
        "ci_high",
        "p",
        "q",
        "significant",
    ):
        assert key in edge
    assert set(out["distribution"]) >= {"statistic", "p", "permutations", "seed"}
    assert out["groups"]["mover"]["cases"] == 1077


def test_one_segment_against_the_rest_adds_up(demo_log):
    result = jm.compare(demo_log, by="segment", rest="mover")
    assert result.pairs == [("mover", "not mover")]
    groups = result.groups.set_index("group")
    assert groups.loc["not mover", "cases"] == 1195 + 728
    assert groups.loc["not mover", "segments"] == ["first-time buyer", "refinancer"]


def test_more_than_two_groups_run_an_omnibus_test_then_every_pair(demo_log):
    result = jm.compare(demo_log, by="segment")
    assert len(result.pairs) == 3
    assert set(result.omnibus["kind"]) == {"edge", "variant"}
    assert result.distribution["group_a"].isna().iloc[0]  # the omnibus row first
    assert len(result.distribution) == 4
    assert set(zip(result.edges["group_a"], result.edges["group_b"])) == set(result.pairs)


def test_two_logs_compare_as_two_groups(demo_frame):
    a = demo_frame[demo_frame["segment"] == "mover"]
    b = demo_frame[demo_frame["segment"] == "refinancer"]
    result = jm.compare(a, b, names=("movers", "refinancers"), **jm.datasets.DEMO_COLUMNS)
    same = jm.compare(
        jm.read_events(demo_frame, **jm.datasets.DEMO_COLUMNS), by="segment", groups=("mover", "refinancer")
    )
    cols = ["source", "target", "cases_a", "cases_b", "p", "q"]
    pd.testing.assert_frame_equal(result.edges[cols], same.edges[cols])
    assert result.settings["against"] == "refinancers"


def test_bins_are_named_as_they_print(demo_log):
    result = jm.compare(
        demo_log, by="loan_amount", bins=[0, 200_000, 400_000], groups=["[0, 200000)", "[200000, 400000]"]
    )
    assert result.pairs == [("[0, 200000)", "[200000, 400000]")]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "pass by="),
        ({"by": "segment", "groups": ("mover", "movers")}, "did you mean 'mover'"),
        ({"by": "segment", "groups": ("mover",)}, "1 segment"),
        ({"by": "segment", "groups": "mover"}, "two or more segment names"),
        ({"by": "segment", "rest": "mover", "groups": ("a", "b")}, "without groups="),
        ({"by": "segment", "alpha": 1.5}, "alpha= takes a number between 0 and 1"),
        ({"by": "segment", "permutations": 0}, "permutations= takes a whole number"),
        ({"by": "segment", "names": ("a", "b")}, "only with against="),
    ],
)
def test_bad_arguments_say_what_to_pass(demo_log, kwargs, message):
    with pytest.raises(jm.ArgumentError, match=message.replace("(", r"\(").replace("=", "=")):
        jm.compare(demo_log, **kwargs)


def test_drift_compares_each_month_with_the_one_before(demo_log):
    result = jm.drift(demo_log, period="month")
    periods = result.periods["period"].tolist()
    assert periods == sorted(periods) and len(periods) >= 2
    assert result.comparison.pairs == [(periods[i + 1], periods[i]) for i in range(len(periods) - 1)]
    assert int(result.periods["cases"].sum()) == demo_log.n_cases
    assert set(result.touchpoints["status"]) <= {"appeared", "vanished", "changed", "steady"}
    assert list(result.changes["period"]) == periods[1:]


def test_drift_finds_a_touchpoint_that_appears(demo_frame):
    frame = demo_frame.copy()
    # a new touchpoint for the customers of the last month only: "Video call" replaces the
    # events of one touchpoint
    starts = pd.to_datetime(frame.groupby("customer_id")["timestamp"].transform("min"))
    months = starts.dt.strftime("%Y-%m")
    late = months == months.max()
    swap = late & (frame["touchpoint"] == frame["touchpoint"].iloc[1])
    frame.loc[swap, "touchpoint"] = "Video call"
    result = jm.drift(jm.read_events(frame, **jm.datasets.DEMO_COLUMNS))
    appeared = result.touchpoints[result.touchpoints["status"] == "appeared"]
    assert "Video call" in set(appeared["activity"])
    assert "Video call" in result.changes.iloc[-1]["appeared"]


@pytest.mark.spark
def test_the_same_figures_on_duckdb_and_spark(spark, demo_frame, pair):
    log = jm.read_events(demo_frame, engine=spark, **jm.datasets.DEMO_COLUMNS)
    on_spark = jm.compare(log, by="segment", groups=("mover", "refinancer"), map=jm.datasets.load_demo_map())
    a, b = pair.to_dict(), on_spark.to_dict()
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


# -- simulation: honest under the null, finds what is planted -------------------------------------


def _null_runs(runs: int, cases: int) -> dict[str, int]:
    flagged = {"edges": 0, "variants": 0, "durations": 0}
    for seed in range(runs):
        frame = planted_log(None, cases=cases, seed=seed)
        log = jm.read_events(frame, **PLANTED)
        result = jm.compare(log, by="segment", groups=("retail", "business"), seed=seed, permutations=199)
        for name in flagged:
            flagged[name] += bool(result.table(name)["significant"].any())
    return flagged


def test_under_the_null_the_share_of_runs_with_any_flag_stays_within_the_fdr():
    """Two groups from the same process: at alpha 0.05 (BH), a run with any significant
    difference is a false discovery, so its rate must not exceed 5 % (binomial test, 1 %)."""
    runs = 60
    flagged = _null_runs(runs, cases=450)
    for name, k in flagged.items():
        assert stats.binomtest(k, runs, 0.05, alternative="greater").pvalue > 0.01, (name, k, runs)


def test_a_planted_difference_is_found_with_the_right_sign_and_size():
    frame = planted_log("rework", cases=900, share=0.3, segment="business", seed=2)
    log = jm.read_events(frame, **PLANTED)
    result = jm.compare(log, by="segment", groups=("business", "retail"))
    truth = frame.attrs["planted"]
    edges = result.edges.set_index(["source", "target"])
    for source, target in truth["transitions"]:
        row = edges.loc[(source, target)]
        assert row["significant"] and row["diff"] > 0
        assert row["ci_low"] <= 0.3 - row["share_b"] + 0.05 and row["ci_high"] >= 0.3 - row["share_b"] - 0.05
    # and nothing else differs much: the planted rework is the only story
    others = result.edges[result.edges["significant"]]
    planted = {tuple(t) for t in truth["transitions"]}
    extra = [(s, t) for s, t in zip(others["source"], others["target"]) if (s, t) not in planted]
    touched = set(truth["touchpoints"])
    assert all(s in touched or t in touched for s, t in extra), extra
    dist = result.distribution.iloc[0]
    assert dist["p"] < 0.01


def test_a_planted_slow_transition_is_found_in_the_durations():
    frame = planted_log("slow-transition", cases=600, segment="business", seed=4, factor=3.0)
    log = jm.read_events(frame, **PLANTED)
    result = jm.compare(log, by="segment", groups=("business", "retail"))
    slow = result.durations.set_index(["source", "target"]).loc[("Credit check", "Valuation")]
    assert slow["significant"] and slow["diff_s"] > 0 and slow["effect"] > 0.5
    assert slow["median_a_s"] / slow["median_b_s"] == pytest.approx(3.0, rel=0.25)
    assert not math.isnan(slow["ci_low_s"]) and slow["ci_low_s"] > 0


def test_cases_in_no_group_are_counted(demo_log):
    result = jm.compare(demo_log, by="nps", groups=("9", "10"))
    left_out = result.settings["left_out"]
    assert "(none)" in left_out and left_out["(none)"] > 0
    assert int(result.groups["cases"].sum()) + sum(left_out.values()) == demo_log.n_cases


def test_bins_without_segments_of_a_log_are_refused_with_against(demo_log):
    with pytest.raises(jm.ArgumentError, match="without by=, bins="):
        jm.compare(demo_log, demo_log, bins=3)
