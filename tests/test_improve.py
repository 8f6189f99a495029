"""``jm.improve``: the entry point of heuristics, reverse thinking and what-if.

The heuristics, the ideal journey and what-if each have their own tests; these check what holds
across them: the same JSON on DuckDB and Spark, determinism given the seed, clear errors for bad
arguments, and that one heuristic's bug does not take the others down.
"""

from __future__ import annotations

import json
import re

import pytest

import journeymine as jm
from journeymine.heuristics import BaseHeuristic, Finding, Impact, improve


@pytest.fixture(scope="module")
def demo_result(demo_log):
    return improve(
        demo_log,
        by="segment",
        map=jm.datasets.load_demo_map(),
        ideal=jm.datasets.load_demo_ideal(),
        what_if=["remove:Documents incomplete", "first-time-right:Upload documents"],
        seed=3,
    )


def test_the_json_has_the_documented_keys_and_is_plain_json(demo_result):
    out = json.loads(demo_result.to_json())
    assert {"findings", "reverse_thinking", "what_if", "heuristics", "notes", "seed"} <= set(out)
    assert out["seed"] == 3
    assert out["findings"], "the demo's planted stories must be found"
    first = out["findings"][0]
    for key in ("heuristic", "title", "explanation", "touchpoints", "transitions", "cases", "share",
                "share_ci", "segments", "impact", "action"):  # fmt: skip
        assert key in first, key
    assert set(first["impact"]) >= {"metric", "value", "ci_low", "ci_high"}
    assert {s["segment"] for s in first["segments"]} == {"first-time buyer", "mover", "refinancer"}
    assert 0 < first["share"] <= 1 and first["share_ci"][0] <= first["share"] <= first["share_ci"][1]
    rt = out["reverse_thinking"]
    for key in ("conforming_share", "deviations", "remove", "redesign", "missing", "outcomes"):
        assert key in rt, key
    names = [h["name"] for h in out["heuristics"]]
    assert names == sorted(names) and "rework-loops" in names


def test_findings_are_ranked_material_first_then_by_score(demo_result):
    findings = demo_result.findings
    keys = [(not f.impact.material, -f.score) for f in findings]
    assert keys == sorted(keys)


def test_the_same_seed_gives_the_same_json_and_row_order_does_not_matter(demo_frame, demo_result):
    from journeymine.testing.strategies import shuffle_keeping_ties

    # ties (events of a case at the same second) keep input order by definition
    shuffled = shuffle_keeping_ties(demo_frame, seed=11, case="customer_id")
    again = improve(
        shuffled,
        by="segment",
        map=jm.datasets.load_demo_map(),
        ideal=jm.datasets.load_demo_ideal(),
        what_if=["remove:Documents incomplete", "first-time-right:Upload documents"],
        seed=3,
        **jm.datasets.DEMO_COLUMNS,
    )
    assert again.to_json() == demo_result.to_json()


@pytest.mark.spark
def test_the_same_json_on_duckdb_and_spark(spark, demo_frame, demo_result):
    log = jm.read_events(demo_frame, engine=spark, **jm.datasets.DEMO_COLUMNS)
    on_spark = improve(
        log,
        by="segment",
        map=jm.datasets.load_demo_map(),
        ideal=jm.datasets.load_demo_ideal(),
        what_if=["remove:Documents incomplete", "first-time-right:Upload documents"],
        seed=3,
    )
    a, b = json.loads(demo_result.to_json()), json.loads(on_spark.to_json())
    assert _rounded(a) == _rounded(b)


def _rounded(value):
    """Floats to 9 significant digits: sums of the same numbers in another order differ in the last bits."""
    if isinstance(value, float):
        return float(f"{value:.9g}")
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"heuristics": ["rework-loop"]}, "no heuristic 'rework-loop' (did you mean rework-loops?)"),
        ({"heuristics": [object()]}, "which is no heuristic"),
        ({"seed": -1}, "seed= must be a whole number >= 0"),
        ({"seed": 1.5}, "seed= must be a whole number >= 0"),
        ({"confidence": 1.5}, "confidence= must be a number between 0 and 1"),
    ],
)
def test_bad_arguments_are_argument_errors(demo_log, kwargs, message):
    with pytest.raises(jm.ArgumentError, match=re.escape(message)):
        improve(demo_log, **kwargs)


class Broken(BaseHeuristic):
    name = "broken"
    description = "always fails"

    def evaluate(self, data):
        raise ZeroDivisionError("a bug in a plugin")


class Planted(BaseHeuristic):
    name = "planted"
    description = "reports every case that calls customer service"

    def evaluate(self, data):
        mask = data.mask(lambda acts, _: "Customer service call" in acts)
        return [
            data.finding(
                self.name,
                title="calls",
                explanation="",
                mask=mask,
                impact=data.time_impact(mask),
                action="call back",
            )
        ]


def test_a_failing_heuristic_is_left_out_with_a_warning_and_the_others_run(demo_log):
    with pytest.warns(
        jm.PluginWarning, match="heuristic 'broken' failed and was left out: ZeroDivisionError"
    ):
        result = improve(demo_log, heuristics=[Broken(), Planted()])
    assert [f.heuristic for f in result.findings] == ["planted"]
    assert any("broken" in note for note in result.notes)
    calls = jm.datasets.load_demo()
    truth = calls.loc[calls["touchpoint"] == "Customer service call", "customer_id"].nunique()
    assert result.findings[0].cases == truth


def test_without_outcome_or_sentiment_the_notes_say_what_cannot_be_said(demo_log):
    result = improve(demo_log, heuristics=[Planted()])
    assert any("no outcome given" in n for n in result.notes)
    assert any("no sentiment column" in n for n in result.notes)
    assert isinstance(result.findings[0], Finding)
    assert isinstance(result.findings[0].impact, Impact)


def test_a_finding_is_frozen_and_serialises(demo_log):
    finding = improve(demo_log, heuristics=[Planted()]).findings[0]
    with pytest.raises(AttributeError):
        finding.cases = 1  # type: ignore[misc]
    assert json.loads(json.dumps(finding.to_dict(), allow_nan=False))["heuristic"] == "planted"
