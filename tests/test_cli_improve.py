"""`journeymine improve`: the JSON contract (deterministic for a seed), the table for people, and
every user mistake as one line in flag words with exit code 2.
"""

from __future__ import annotations

import json
import re

import pytest

import journeymine as jm
from helpers import run_cli as run
from journeymine.registry import heuristics

MAP = [
    "--case",
    "customer_id",
    "--activity",
    "touchpoint",
    "--timestamp",
    "timestamp",
    "--channel",
    "channel",
]
KEYS = ["by", "cases", "findings", "heuristics", "note", "notes", "outcome", "seed"]
FINDING_KEYS = [
    "action",
    "cases",
    "evidence",
    "explanation",
    "heuristic",
    "impact",
    "material",
    "score",
    "segments",
    "share",
    "share_ci",
    "title",
    "touchpoints",
    "transitions",
    "variants",
]
CHANGES = ["--what-if", "remove:Documents incomplete", "--what-if", "first-time-right:Upload documents"]


@pytest.fixture(scope="module")
def demo_csv(tmp_path_factory):
    return jm.datasets.write_demo(tmp_path_factory.mktemp("improve") / "demo.csv")


def one_error_line(err: str) -> str:
    """The stderr of a failed command: exactly one error line, and no traceback."""
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if "error:" in line]
    assert len(lines) == 1, err
    return lines[0]


# -- JSON -------------------------------------------------------------------------------------------


def test_json_has_the_keys_and_is_the_same_twice(demo_csv, capsys):
    args = ["improve", demo_csv, *MAP, "--by", "segment", "--ideal", "demo", *CHANGES, "--seed", "3"]
    code, out, err = run([*args, "--format", "json", "--quiet"], capsys)
    assert code == 0, err
    assert err == ""  # --quiet: no progress, no note
    again = run([*args, "--format", "json", "--quiet"], capsys)[1]
    assert out == again  # byte-identical for the same seed
    result = json.loads(out)
    assert sorted(result) == sorted([*KEYS, "reverse_thinking", "what_if"])
    assert list(result) == sorted(result)  # keys sorted
    assert result["seed"] == 3 and result["by"] == "segment" and result["cases"] == 3000
    assert result["outcome"] == ["Contract signed"]  # the ideal's
    assert result["findings"] and all(sorted(f) == FINDING_KEYS for f in result["findings"])
    assert {h["name"] for h in result["heuristics"]} == set(heuristics())
    assert [w["change"] for w in result["what_if"]] == [CHANGES[1], CHANGES[3]]
    assert result["reverse_thinking"]["journey"] == "Mortgage"


def test_json_is_what_the_library_gives(demo_csv, capsys):
    code, out, _ = run(
        [
            "improve",
            demo_csv,
            *MAP,
            "--ideal",
            "demo",
            "--heuristic",
            "rework-loops",
            "--format",
            "json",
            "--quiet",
        ],
        capsys,
    )
    assert code == 0
    log = jm.read_events(demo_csv, **jm.datasets.DEMO_COLUMNS)
    expected = jm.improve(log, ideal=jm.datasets.load_demo_ideal(), heuristics=["rework-loops"])
    assert out == expected.to_json() + "\n"


def test_another_seed_moves_only_the_bootstrap_intervals(demo_csv, capsys):
    def findings(seed: str) -> list[dict]:
        code, out, err = run(
            ["improve", demo_csv, *MAP, "--by", "segment", "--seed", seed, "--format", "json", "--quiet"],
            capsys,
        )
        assert code == 0, err
        return json.loads(out)["findings"]

    a, b = findings("0"), findings("1")
    # what is counted does not depend on the seed: the same findings, cases, shares, segments
    key = ["heuristic", "title", "cases", "share", "share_ci", "segments"]
    assert sorted([f[k] for k in key] for f in a) == sorted([f[k] for k in key] for f in b)
    methods = [f["impact"]["method"] for f in a]
    assert any("seed 0" in m for m in methods)


def test_heuristics_can_be_chosen_and_are_run_in_that_order(demo_csv, capsys):
    code, out, _ = run(
        [
            "improve",
            demo_csv,
            *MAP,
            "--heuristic",
            "drop-off",
            "--heuristic",
            "rework-loops",
            "--format",
            "json",
        ],
        capsys,
    )
    assert code == 0
    result = json.loads(out)
    assert [h["name"] for h in result["heuristics"]] == ["drop-off", "rework-loops"]
    assert {f["heuristic"] for f in result["findings"]} <= {"drop-off", "rework-loops"}


# -- the table --------------------------------------------------------------------------------------


def test_the_table_reads_for_people(demo_csv, capsys, monkeypatch):
    import journeymine.cli

    monkeypatch.setattr(journeymine.cli, "_width", lambda: 100)  # a terminal 100 wide
    code, out, err = run(
        ["improve", demo_csv, *MAP, "--by", "segment", "--ideal", "demo", *CHANGES, "--quiet"], capsys
    )
    assert code == 0, err
    for title in (
        "Findings (ranked by impact",
        "What to do, by rank",
        "Reverse thinking: the journeys against the ideal 'Mortgage'",
        "To remove: touchpoints the ideal does not have",
        "To redesign",
        "Outcomes: conforming against deviating cases",
        "What if: remove:Documents incomplete",
        "What if: first-time-right:Upload documents",
        "Notes",
    ):
        assert title in out, title
    assert re.search(r"^\s+1\s+\S+", out.split("Findings")[1], re.M)  # ranked from 1
    assert re.search(r"\d+\.\d% \(\d+\.\d% – \d+\.\d%\)", out)  # shares with their intervals
    assert re.search(r"[+-]\d+ (d|h|min)\b", out)  # durations in human units, signed
    assert not re.search(r"\d{5,}\.\d", out)  # never raw seconds
    assert "conforming:" in out and "observational" in out
    assert max(len(line) for line in out.splitlines() if str(demo_csv) not in line) <= 100


def test_the_table_is_not_cut_when_stdout_is_no_terminal(demo_csv, capsys, monkeypatch):
    import journeymine.cli

    monkeypatch.setattr(journeymine.cli, "_width", lambda: None)
    code, out, _ = run(["improve", demo_csv, *MAP, "--heuristic", "rework-loops", "--quiet"], capsys)
    assert code == 0
    findings = out.split("Findings")[1].split("What to do")[0]
    assert "…" not in findings


# -- mistakes ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("flags", "words"),
    [
        (
            ["--heuristic", "rework-loop"],
            "--heuristic 'rework-loop' is no heuristic (did you mean rework-loops?)",
        ),
        (["--seed", "-1"], "argument --seed: takes a whole number of 0 or more, not '-1'"),
        (["--seed", "many"], "argument --seed: takes a whole number of 0 or more, not 'many'"),
        (["--format", "csv"], "argument --format: invalid choice: 'csv'"),
        (["--ideal", "no-such-ideal.yaml"], "no ideal journey file no-such-ideal.yaml"),
        (["--by", "segmnt"], "segment column 'segmnt' not found"),
    ],
)
def test_mistakes_are_one_line_with_exit_2(demo_csv, capsys, flags, words):
    code, out, err = run(["improve", demo_csv, *MAP, "--quiet", *flags], capsys)
    assert code == 2
    assert out == ""
    assert words in one_error_line(err)


def test_a_broken_ideal_file_is_named_with_its_line(demo_csv, tmp_path, capsys):
    path = tmp_path / "ideal.yaml"
    path.write_text("journey: Mortgage\nsteps:\n  - Advisor meeting\n  - {step: Offer sent, optionl: true}\n")
    code, _, err = run(["improve", demo_csv, *MAP, "--ideal", path, "--quiet"], capsys)
    line = one_error_line(err)
    assert code == 2
    assert str(path) in line and "line 4" in line and "optional" in line


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ("remove", "'remove' is not a change"),
        ("explode:Chat", "no kind 'explode'"),
        ("remove:No such touchpoint", "no touchpoint 'No such touchpoint' in the log"),
        ("channel:Chat", "channel:Chat names no channel"),
    ],
)
def test_a_bad_change_is_one_line_in_flag_words(demo_csv, capsys, change, words):
    code, out, err = run(["improve", demo_csv, *MAP, "--what-if", change, "--quiet"], capsys)
    assert code == 2 and out == ""
    line = one_error_line(err)
    assert words in line and "--what-if" in line and "what_if=" not in line


def test_an_outcome_that_matches_no_activity_is_refused_with_a_close_match(demo_csv, capsys):
    code, out, err = run(["improve", demo_csv, *MAP, "--outcome", "Contract signd", "--quiet"], capsys)
    assert code == 2 and out == ""
    line = one_error_line(err)
    assert "the outcome 'Contract signd' matches no activity" in line and "'Contract signed'?" in line
    assert "pass --outcome an activity" in line
    code, out, _ = run(
        ["improve", demo_csv, *MAP, "--outcome", "Contract*", "--format", "json", "--quiet"], capsys
    )
    assert code == 0 and json.loads(out)["outcome"] == ["Contract*"]  # a pattern that matches


def test_a_missing_sentiment_column_names_the_flag(demo_csv, capsys):
    code, _, err = run(["improve", demo_csv, *MAP, "--sentiment", "sentimnt", "--quiet"], capsys)
    line = one_error_line(err)
    assert code == 2 and "--sentiment sentimnt is no column of the log" in line
    assert "(did you mean 'sentiment'?)" in line
    assert "--sentiment" in line and "--measure" not in line


def test_library_hints_speak_flags(demo_csv, capsys):
    """What the library says with Python arguments (outcome=, sentiment=) reads as flags."""
    code, out, _ = run(["improve", demo_csv, *MAP, "--heuristic", "drop-off", "--quiet"], capsys)
    assert code == 0
    notes = out.split("\nNotes\n")[1]
    assert "--outcome" in notes and "outcome=" not in notes and "--outcome, --outcome" not in notes


def test_quiet_silences_progress_and_notes_but_not_the_result(demo_csv, capsys):
    code, out, _ = run(["improve", demo_csv, *MAP, "--heuristic", "rework-loops"], capsys)
    assert code == 0 and out
    quiet = run(["improve", demo_csv, *MAP, "--heuristic", "rework-loops", "--quiet"], capsys)
    assert quiet[0] == 0 and quiet[1] == out and quiet[2] == ""


# -- the report ---------------------------------------------------------------------------------------


def test_report_takes_improve_and_ideal(demo_csv, tmp_path, capsys):
    target = tmp_path / "r.html"
    code, _, err = run(
        ["report", demo_csv, *MAP, "--by", "segment", "--ideal", "demo", *CHANGES, "-o", target, "--quiet"],
        capsys,
    )
    assert code == 0, err
    page = target.read_text(encoding="utf-8")
    for anchor in ("jm-improve-findings", "jm-reverse-thinking", "jm-what-if"):
        assert f'id="{anchor}"' in page
    code, _, _ = run(["report", demo_csv, *MAP, "--improve", "-o", target, "--quiet"], capsys)
    page = target.read_text(encoding="utf-8")
    assert code == 0 and 'id="jm-improve-findings"' in page and 'id="jm-reverse-thinking"' not in page
    code, _, err = run(["report", demo_csv, *MAP, "--improve", "--heuristic", "nope", "-o", target], capsys)
    assert code == 2 and "--heuristic 'nope' is no heuristic" in one_error_line(err)
