"""The `journeymine` command: the JSON contract on every source kind, formats, errors."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import journeymine as jm
from helpers import run_cli as run

KEYS = ["activities", "case_durations", "cases", "dfg", "end", "events", "invalid_rows", "start", "variants"]
MAP = ["--case", "customer_id", "--activity", "touchpoint", "--timestamp", "timestamp"]


@pytest.fixture(scope="module")
def sources(tmp_path_factory, demo_frame):
    """The demo journey as CSV, Parquet, XES and SQLite."""
    folder = tmp_path_factory.mktemp("cli")
    frame = demo_frame.head(3000)
    frame = frame[frame["customer_id"].isin(frame["customer_id"].unique()[:-1])]  # whole cases
    paths = {"csv": folder / "demo.csv", "parquet": folder / "demo.parquet"}
    frame.to_csv(paths["csv"], index=False)
    frame.to_parquet(paths["parquet"], index=False)
    db = folder / "demo.db"
    with sqlite3.connect(db) as con:
        text = frame.assign(timestamp=frame["timestamp"].map(lambda t: t.isoformat()))
        text.to_sql("events", con, index=False)
    paths["xes"] = folder / "demo.xes"
    paths["xes"].write_text(to_xes(frame), encoding="utf-8")
    return paths, db, frame


def to_xes(frame: pd.DataFrame) -> str:
    from xml.sax.saxutils import quoteattr

    out = ['<?xml version="1.0" encoding="UTF-8"?>', "<log>"]
    for case, events in frame.groupby("customer_id", sort=False):
        out.append(
            f'<trace><string key="concept:name" value={quoteattr(case)}/>'
            f'<string key="segment" value={quoteattr(events["segment"].iloc[0])}/>'
        )
        for row in events.itertuples():
            out.append(
                f'<event><string key="concept:name" value={quoteattr(row.touchpoint)}/>'
                f'<date key="time:timestamp" value="{row.timestamp.isoformat()}"/></event>'
            )
        out.append("</trace>")
    out.append("</log>")
    return "\n".join(out)


def check_contract(summary, frame, segmented=False):
    assert sorted(summary) == KEYS
    assert summary["events"] == len(frame)
    assert summary["cases"] == frame["customer_id"].nunique()
    assert summary["invalid_rows"] == 0
    assert summary["activities"] == frame["touchpoint"].value_counts().to_dict()
    assert sum(summary["start"].values()) == sum(summary["end"].values()) == summary["cases"]
    assert sum(e["count"] for e in summary["dfg"]) == summary["events"] - summary["cases"]
    assert sum(v["cases"] for v in summary["variants"]) == summary["cases"]
    for edge in summary["dfg"]:
        assert sorted(edge) == ["cases", "count", "median_s", "segment", "source", "target"]
        assert (edge["segment"] is None) != segmented
    for variant in summary["variants"]:
        assert sorted(variant) == ["cases", "segment", "share", "variant"]
        assert isinstance(variant["variant"], list)


def test_json_contract_is_the_same_on_csv_parquet_xes_and_sqlite(sources, capsys):
    paths, db, frame = sources
    outputs = {}
    for kind, path in paths.items():
        args = ["mine", path, "--format", "json", "--quiet"]
        if kind != "xes":
            args += MAP
        code, out, err = run(args, capsys)
        assert code == 0, err
        outputs[kind] = json.loads(out)
        check_contract(outputs[kind], frame)
    code, out, err = run(
        ["mine", f"sqlite:///{db}", "--sql-table", "events", *MAP, "--format", "json", "--quiet"], capsys
    )
    assert code == 0, err
    outputs["sqlite"] = json.loads(out)
    reference = outputs.pop("csv")
    for kind, summary in outputs.items():
        assert summary == reference, kind


def test_json_is_byte_identical_and_sorted(sources, capsys):
    paths, _, _ = sources
    args = ["mine", paths["parquet"], *MAP, "--format", "json", "--by", "segment", "--quiet"]
    first = run(args, capsys)[1]
    assert run(args, capsys)[1] == first
    summary = json.loads(first)
    assert first == json.dumps(summary, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def test_by_and_top(sources, capsys, demo_frame):
    paths, _, frame = sources
    code, out, _ = run(
        ["mine", paths["csv"], *MAP, "--by", "segment", "--top", "2", "--format", "json", "--quiet"], capsys
    )
    summary = json.loads(out)
    assert code == 0
    segments = {v["segment"] for v in summary["variants"]}
    assert segments == set(frame["segment"])
    assert all(sum(v["segment"] == s for v in summary["variants"]) <= 2 for s in segments)
    assert {e["segment"] for e in summary["dfg"]} == segments


def test_bins_option(sources, capsys):
    paths, _, _ = sources
    code, out, err = run(
        [
            "mine",
            paths["parquet"],
            *MAP,
            "--by",
            "loan_amount",
            "--bins",
            "0,200000,2000000",
            "--format",
            "json",
            "--quiet",
        ],
        capsys,
    )
    assert code == 0, err
    assert {v["segment"] for v in json.loads(out)["variants"]} <= {"[0, 200000)", "[200000, 2000000]"}


def test_csv_and_table_formats(sources, capsys):
    paths, _, frame = sources
    code, out, _ = run(["mine", paths["csv"], *MAP, "--format", "csv", "--quiet"], capsys)
    assert code == 0 and out.splitlines()[0] == "segment,source,target,count,cases,mean_s,median_s,p90_s"
    code, out, _ = run(["mine", paths["csv"], *MAP, "--format", "csv", "--table", "cases", "--quiet"], capsys)
    assert len(out.splitlines()) == frame["customer_id"].nunique() + 1
    code, out, _ = run(
        ["mine", paths["csv"], *MAP, "--format", "csv", "--table", "variants", "--quiet"], capsys
    )
    assert " > " in out
    code, out, _ = run(["mine", paths["csv"], *MAP, "--quiet"], capsys)
    assert code == 0 and "Directly-follows edges" in out and "Variants" in out


def test_bad_input_exits_2_with_a_message(tmp_path, capsys):
    path = tmp_path / "e.csv"
    path.write_text("customer_id,touchpoint,ts\nc1,Visit,2025-01-01\n,Call,2025-01-02\n")
    code, out, err = run(
        ["mine", path, "--case", "customer_id", "--activity", "touchpoint", "--timestamp", "timestamp"],
        capsys,
    )
    assert code == 2 and "column 'timestamp' not found" in err and out == ""
    code, _, err = run(
        ["mine", path, "--case", "customer_id", "--activity", "touchpoint", "--timestamp", "ts", "--quiet"],
        capsys,
    )
    assert code == 2 and "line 3: empty case id" in err
    code, out, _ = run(
        [
            "mine",
            path,
            "--case",
            "customer_id",
            "--activity",
            "touchpoint",
            "--timestamp",
            "ts",
            "--on-invalid",
            "quarantine",
            "--format",
            "json",
            "--quiet",
        ],
        capsys,
    )
    summary = json.loads(out)
    assert code == 0 and (summary["events"], summary["invalid_rows"]) == (1, 1)


def test_progress_goes_to_stderr_only(sources):
    paths, _, _ = sources
    from journeymine import progress

    progress.enable(sys.stderr, delay=0.0)
    try:
        result = subprocess.run(
            [
                sys.executable,
                "-c",
                "import sys; from journeymine import progress; "
                "progress.enable(sys.stderr, delay=0.0); progress.enable = lambda *a, **k: None; "
                "from journeymine.cli import _mine, _parser; "
                f"sys.exit(_mine(_parser().parse_args(['mine', {str(paths['csv'])!r}, "
                "'--case', 'customer_id', '--activity', 'touchpoint', '--timestamp', 'timestamp', "
                "'--format', 'json'])))",
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        progress.disable()
    assert result.returncode == 0, result.stderr
    assert "journeymine: reading" in result.stderr
    json.loads(result.stdout)  # stdout holds the JSON only


def test_plugins_and_demo_commands(tmp_path, capsys):
    code, out, _ = run(["plugins"], capsys)
    assert code == 0 and "journeymine.engines.duckdb" in out
    code, out, _ = run(["demo", "--out", tmp_path, "--format", "json"], capsys)
    assert code == 0
    summary = json.loads(out)
    assert summary["cases"] == 3000 and (tmp_path / "demo_mortgage.csv").is_file()
    assert jm.read_events(tmp_path / "demo_mortgage.csv", **jm.datasets.DEMO_COLUMNS).n_cases == 3000


def test_the_installed_command_runs():
    command = Path(sys.executable).parent / "journeymine"
    result = subprocess.run([str(command), "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.startswith("journeymine ")
