"""`journeymine compare`: the JSON contract, the table for people, the exports, and every user
mistake as one line in flag words with exit code 2."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest

import journeymine as jm
from helpers import run_cli as run

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


@pytest.fixture(scope="module")
def demo_csv(tmp_path_factory):
    path = tmp_path_factory.mktemp("compare") / "demo.csv"
    jm.datasets.load_demo().to_csv(path, index=False)
    return path


def test_json_has_the_documented_keys_and_is_deterministic(demo_csv, capsys):
    args = [
        "compare",
        demo_csv,
        *MAP,
        "--by",
        "segment",
        "--groups",
        "mover",
        "refinancer",
        "--quiet",
        "--format",
        "json",
    ]
    code, out, err = run(args, capsys)
    assert code == 0, err
    result = json.loads(out)
    assert {"edges", "variants", "distribution", "durations", "groups", "settings"} <= set(result)
    edge = result["edges"][0]
    assert {
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
    } <= set(edge)
    assert set(result["distribution"]) >= {"statistic", "p", "permutations", "seed"}
    assert result["groups"]["mover"]["cases"] == 1077
    assert run(args, capsys)[1] == out


def test_the_table_names_the_groups_and_the_significant_differences(demo_csv, capsys):
    code, out, err = run(["compare", demo_csv, *MAP, "--by", "segment", "--rest", "mover", "--quiet"], capsys)
    assert code == 0, err
    assert "mover (1,077 cases)" in out and "not mover (1,923 cases)" in out
    assert "Transitions that differ" in out and "Upload documents" in out


def test_csv_markdown_and_latex(demo_csv, capsys):
    base = ["compare", demo_csv, *MAP, "--by", "segment", "--groups", "mover", "refinancer", "--quiet"]
    code, out, _ = run([*base, "--format", "csv", "--table", "edges"], capsys)
    assert code == 0
    frame = pd.read_csv(io.StringIO(out), keep_default_na=False, na_values=[""])
    assert {"source", "target", "p", "q", "significant"} <= set(frame.columns) and len(frame) > 10
    code, out, _ = run([*base, "--format", "markdown"], capsys)
    assert code == 0 and "| group a |" in out and "Methods" in out
    code, out, _ = run([*base, "--format", "latex", "--table", "edges"], capsys)
    assert code == 0 and "\\begin{tabular}" in out and "\\toprule" in out


def test_two_files_against_each_other(demo_csv, tmp_path, capsys):
    frame = jm.datasets.load_demo()
    a, b = tmp_path / "movers.csv", tmp_path / "refinancers.csv"
    frame[frame["segment"] == "mover"].to_csv(a, index=False)
    frame[frame["segment"] == "refinancer"].to_csv(b, index=False)
    code, out, err = run(["compare", a, *MAP, "--against", b, "--quiet", "--format", "json"], capsys)
    assert code == 0, err
    assert set(json.loads(out)["groups"]) == {"movers.csv", "refinancers.csv"}


def test_periods_one_after_the_other(demo_csv, capsys):
    code, out, err = run(
        ["compare", demo_csv, *MAP, "--by", "cohort:month", "--consecutive", "--quiet", "--format", "json"],
        capsys,
    )
    assert code == 0, err
    pairs = json.loads(out)["pairs"]
    assert all(a > b for a, b in pairs)


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (
            ["--by", "segment", "--groups", "mover", "movers"],
            "--groups names 'movers', which is not a segment",
        ),
        (["--groups", "mover", "refinancer"], "pass --by"),
        (["--by", "segment", "--alpha", "2"], "--alpha: takes a false discovery rate"),
        (["--by", "segment", "--against", "x.csv"], "--against compares two logs"),
        (["--by", "segment", "--rest", "mover", "--groups", "a", "b"], "not allowed with argument"),
        (["--by", "segment", "--table", "nope"], "invalid choice"),
    ],
)
def test_mistakes_are_one_line_in_flag_words(demo_csv, capsys, flags, message):
    code, _, err = run(["compare", demo_csv, *MAP, *flags, "--quiet"], capsys)
    assert code == 2
    assert message in err, err
    assert "Traceback" not in err


def test_report_with_a_comparison_section(demo_csv, tmp_path, capsys):
    out = tmp_path / "report.html"
    code, _, err = run(
        [
            "report",
            demo_csv,
            *MAP,
            "--by",
            "segment",
            "--compare",
            "--groups",
            "mover",
            "refinancer",
            "-o",
            out,
            "--quiet",
        ],
        capsys,
    )
    assert code == 0, err
    page = out.read_text(encoding="utf-8")
    assert "Comparison" in page and "mover" in page
    code, _, err = run(
        ["report", demo_csv, *MAP, "--groups", "mover", "refinancer", "-o", out, "--quiet"], capsys
    )
    assert code == 2 and "add --compare" in err
