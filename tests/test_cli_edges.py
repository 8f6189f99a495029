"""The command line speaks command line: exit codes, one-line messages in flag words, human tables.

Every user error exits 2 with one line on stderr and no traceback; an internal error exits 1 with
one line that points to --debug. Tables show durations in human units and fit the terminal;
segments come in value order everywhere.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import journeymine as jm
from helpers import run_cli as run
from helpers import shared_file
from journeymine.cli import cli_words

MAP = ["--case", "customer_id", "--activity", "touchpoint", "--timestamp", "timestamp"]


@pytest.fixture(scope="module")
def demo_csv(tmp_path_factory):
    return jm.datasets.write_demo(tmp_path_factory.mktemp("edges") / "demo.csv")


def one_error_line(err: str) -> str:
    """The stderr of a failed command: exactly one line, a journeymine error, no traceback."""
    lines = [line for line in err.splitlines() if line.strip()]
    assert "Traceback" not in err
    error_lines = [line for line in lines if "error:" in line]
    assert len(error_lines) == 1, err
    return error_lines[0]


@pytest.mark.parametrize(
    ("flags", "words"),
    [
        (["--top", "-1"], "argument --top: takes a whole number of at least 1, not '-1'"),
        (["--top", "0"], "argument --top: takes a whole number of at least 1, not '0'"),
        (["--top", "many"], "argument --top: takes a whole number of at least 1, not 'many'"),
        (["--delimiter", "tabs"], "argument --delimiter: takes one character or one of tab, comma"),
        (["--on-invalid", "skip"], "argument --on-invalid: invalid choice: 'skip'"),
        (["--bins", "4"], "--bins needs --by: name the numeric case attribute to bin"),
        (["--by", "loan_amount", "--bins", "a,b"], "--bins takes a number of bins (4) or comma-separated"),
        (["--by", "loan_amount", "--bins", "0"], "--bins must be at least 1, not 0"),
        (["--by", "loan_amont"], "segment column 'loan_amont' not found; did you mean 'loan_amount'?"),
    ],
)
def test_bad_flags_exit_2_with_one_line_in_flag_words(demo_csv, capsys, flags, words):
    code, out, err = run(["mine", demo_csv, *MAP, "--quiet", *flags], capsys)
    assert code == 2
    assert out == ""
    assert words in one_error_line(err)


def test_a_misspelt_column_is_named_with_the_flag_and_a_close_match(tmp_path, capsys):
    path = tmp_path / "e.csv"
    path.write_text("customer_id,touchpoint,time\nc1,Visit,2025-01-01\n", encoding="utf-8")
    code, _, err = run(
        ["mine", path, "--case", "customer_id", "--activity", "touchpoint", "--timestamp", "ts"], capsys
    )
    line = one_error_line(err)
    assert code == 2 and "column 'ts' not found" in line and "--timestamp" in line
    assert "timestamp=" not in line


def test_invalid_rows_hint_names_the_flag(tmp_path, capsys):
    path = tmp_path / "e.csv"
    path.write_text("customer_id,touchpoint,ts\nc1,Visit,2025-01-01\n,Call,2025-01-02\n", encoding="utf-8")
    code, _, err = run(
        ["mine", path, "--case", "customer_id", "--activity", "touchpoint", "--timestamp", "ts", "--quiet"],
        capsys,
    )
    assert code == 2 and "line 3: empty case id" in err
    assert "--on-invalid quarantine" in err and "on_invalid=" not in err


def test_delimiter_tab_reads_a_tsv(tmp_path, capsys, demo_frame):
    frame = demo_frame.head(200)
    frame = frame[frame["customer_id"].isin(frame["customer_id"].unique()[:-1])]
    path = tmp_path / "events.txt"  # not .tsv: the flag, not the ending, must choose the tab
    frame.to_csv(path, sep="\t", index=False)
    for spelling in ("tab", "\\t", "\t", "TAB"):
        code, out, err = run(
            [
                "mine",
                path,
                *MAP,
                "--connector",
                "csv",
                "--delimiter",
                spelling,
                "--format",
                "json",
                "--quiet",
            ],
            capsys,
        )
        assert code == 0, err
        summary = json.loads(out)
        assert (summary["events"], summary["cases"]) == (len(frame), frame["customer_id"].nunique())


def test_encoding_latin_1(tmp_path, capsys):
    path = tmp_path / "latin.csv"
    path.write_bytes("c;a;t\n1;Beëindiging;2016-01-12\n1;Klacht;2016-01-13\n".encode("latin-1"))
    code, _, err = run(
        ["mine", path, "--case", "c", "--activity", "a", "--timestamp", "t", "--quiet"], capsys
    )
    assert code == 2 and "pass --encoding latin-1" in one_error_line(err)
    code, out, err = run(
        [
            "mine",
            path,
            "--case",
            "c",
            "--activity",
            "a",
            "--timestamp",
            "t",
            "--encoding",
            "latin-1",
            "--format",
            "json",
            "--quiet",
        ],
        capsys,
    )
    assert code == 0, err
    assert json.loads(out)["activities"] == {"Beëindiging": 1, "Klacht": 1}


def test_encoding_is_refused_by_a_connector_that_has_no_such_option(demo_csv, tmp_path, capsys):
    path = tmp_path / "demo.parquet"
    pd.read_csv(demo_csv).to_parquet(path)
    code, _, err = run(["mine", path, *MAP, "--encoding", "latin-1", "--quiet"], capsys)
    line = one_error_line(err)
    assert code == 2 and "parquet connector does not take --encoding" in line


def test_a_missing_file_and_an_unknown_engine_exit_2(tmp_path, capsys):
    code, _, err = run(["mine", tmp_path / "nope.csv", *MAP, "--quiet"], capsys)
    assert code == 2 and "file not found" in one_error_line(err)
    code, _, err = run(["mine", tmp_path / "nope.csv", *MAP, "--engine", "quantum", "--quiet"], capsys)
    assert code == 2


def test_an_internal_error_exits_1_with_one_line_and_debug_shows_the_traceback(demo_csv, capsys, monkeypatch):
    import journeymine.dfg

    def broken(*args, **kwargs):
        raise RuntimeError("the engine fell over\nsecond line")

    monkeypatch.setattr(journeymine.dfg, "discover_dfg", broken)
    code, out, err = run(["mine", demo_csv, *MAP, "--quiet"], capsys)
    assert code == 1 and out == ""
    assert err.strip().splitlines() == [
        "journeymine: internal error: RuntimeError: the engine fell over; run again with --debug "
        "to see the traceback, and please report it"
    ]
    code, _, err = run(["mine", demo_csv, *MAP, "--quiet", "--debug"], capsys)
    assert code == 1 and "Traceback (most recent call last)" in err and "second line" in err


def test_no_traceback_from_the_installed_command(demo_csv):
    command = Path(sys.executable).parent / "journeymine"
    result = subprocess.run(
        [str(command), "mine", str(demo_csv), *MAP, "--top", "-1"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr and "--top" in result.stderr


def test_cli_words_rewrites_known_arguments_only():
    assert cli_words("pass on_invalid='quarantine' to set them aside") == (
        "pass --on-invalid quarantine to set them aside"
    )
    assert cli_words("pass timestamp_format='%d-%m-%Y %H:%M'") == "pass --timestamp-format '%d-%m-%Y %H:%M'"
    assert cli_words("pass table=events or query=...") == "pass --sql-table events or --query ..."
    assert cli_words("SparkEngine(max_case_events=...) and events=3") == (
        "SparkEngine(max_case_events=...) and events=3"
    )


# -- ordered segments ------------------------------------------------------------------------------


def _band_order(labels):
    """Bands like '[0, 5000)' sorted by their lower edge."""
    return sorted(labels, key=lambda s: float(re.findall(r"-?[\d.e+]+", s)[0]))


def test_bins_come_in_value_order_in_frames_json_and_table(demo_csv, capsys):
    log = jm.read_events(demo_csv, **jm.datasets.DEMO_COLUMNS)
    dfg = jm.discover_dfg(log, by="loan_amount", bins=4)
    variants = jm.discover_variants(log, by="loan_amount", bins=4, top=2)
    cases = log.cases(by="loan_amount", bins=4)
    for frame in (dfg.edges, dfg.activities, dfg.start, variants.table, cases):
        seen = list(dict.fromkeys(frame["segment"]))
        assert seen == _band_order(seen) and len(seen) == 4
        assert frame["segment"].cat.ordered
        assert list(frame["segment"].cat.categories) == seen  # no empty out-of-range bins
    code, out, _ = run(
        ["mine", demo_csv, *MAP, "--by", "loan_amount", "--bins", "4", "--format", "json", "--quiet"], capsys
    )
    summary = json.loads(out)
    for key in ("dfg", "variants", "case_durations"):
        seen = list(dict.fromkeys(r["segment"] for r in summary[key]))
        assert seen == _band_order(seen) and len(seen) == 4, key
    code, out, _ = run(["mine", demo_csv, *MAP, "--by", "loan_amount", "--bins", "4", "--quiet"], capsys)
    assert code == 0
    section = out.split("Case durations")[1].split("Activities")[0]
    seen = re.findall(r"^\s+(\[[^\]\)]+[\]\)])", section, flags=re.M)
    assert seen == _band_order(seen) and len(seen) == 4


def test_out_of_range_bins_appear_only_when_cases_fall_there():
    log = jm.datasets.load_demo_log()
    inside = log.cases(by="loan_amount", bins=[0, 200_000, 2_000_000])
    assert list(inside["segment"].cat.categories) == ["[0, 200000)", "[200000, 2000000]"]
    outside = log.cases(by="loan_amount", bins=[100_000, 200_000, 300_000])
    assert list(outside["segment"].cat.categories) == [
        "< 100000",
        "[100000, 200000)",
        "[200000, 300000]",
        "> 300000",
    ]
    counts = outside["segment"].value_counts()
    assert counts.sum() == log.n_cases and counts["< 100000"] > 0 and counts["> 300000"] > 0


def test_shuffled_cases_give_the_same_segment_order(demo_frame):
    # whole cases in another order (rows within a case keep their order: ties keep input order)
    rank = demo_frame["customer_id"].map(
        demo_frame["customer_id"]
        .drop_duplicates()
        .sample(frac=1.0, random_state=7)
        .reset_index(drop=True)
        .pipe(lambda s: pd.Series(s.index, index=s.values))
    )
    shuffled = demo_frame.assign(_r=rank).sort_values("_r", kind="stable").drop(columns="_r")
    a = jm.discover_variants(demo_frame, by="loan_amount", bins=3, **jm.datasets.DEMO_COLUMNS).table
    b = jm.discover_variants(shuffled, by="loan_amount", bins=3, **jm.datasets.DEMO_COLUMNS).table
    pd.testing.assert_frame_equal(a, b)


@pytest.mark.realdata
def test_bpic2012_amount_bands_in_value_order(capsys):
    path = shared_file("bpic2012.xes.gz")
    args = ["mine", path, "--by", "AMOUNT_REQ", "--bins", "4", "--top", "1", "--quiet"]
    code, out, err = run([*args, "--format", "json"], capsys)
    assert code == 0, err
    expected = ["[0, 5000)", "[5000, 10000)", "[10000, 17640)", "[17640, 99999]"]
    summary = json.loads(out)
    for key in ("dfg", "variants", "case_durations"):
        assert list(dict.fromkeys(r["segment"] for r in summary[key])) == expected, key
    code, out, _ = run(args, capsys)
    positions = [out.index(f"  {band}") for band in expected]
    assert positions == sorted(positions)
    log = jm.read_events(path)
    assert list(dict.fromkeys(jm.discover_dfg(log, by="AMOUNT_REQ", bins=4).edges["segment"])) == expected


# -- durations for people, tables that fit -----------------------------------------------------------


def test_tables_show_human_durations_and_fit_the_terminal(demo_csv, capsys, monkeypatch):
    import journeymine.cli

    monkeypatch.setattr(journeymine.cli, "_width", lambda: 100)  # a terminal 100 wide
    code, out, _ = run(["mine", demo_csv, *MAP, "--by", "segment", "--quiet"], capsys)
    assert code == 0
    assert max(len(line) for line in out.splitlines() if str(demo_csv) not in line) <= 100
    assert not re.search(r"\d{1,3},\d{3},\d{3}\.\d{3}", out)  # no raw seconds like 5,909,732.000
    assert re.search(r"\b\d+ d \d+ h\b", out) and re.search(r"\b\d+ (h|min)\b", out)
    for title in (
        "Case durations",
        "Start activities",
        "End activities",
        "Directly-follows edges",
        "Variants",
    ):
        assert title in out
    variants = out.split("Variants")[1]
    first = variants.splitlines()[2]
    assert re.match(
        r"^\s+\S.*  (Website visit|Comparison site visit|Ad seen|Customer service call|Mortgage calculator) >",
        first,
    )
    assert "…" in variants  # cut to fit, the whole path is in --format json
    monkeypatch.undo()
    code, out, _ = run(["mine", demo_csv, *MAP, "--by", "segment", "--quiet"], capsys)
    assert code == 0 and "…" not in out  # not a terminal (a file, a pipe): nothing is cut


def test_json_keeps_seconds(demo_csv, capsys):
    code, out, _ = run(["mine", demo_csv, *MAP, "--format", "json", "--quiet"], capsys)
    assert code == 0
    summary = json.loads(out)
    (durations,) = summary["case_durations"]
    assert sorted(durations) == ["cases", "max_s", "mean_s", "median_s", "min_s", "p90_s", "segment"]
    assert durations["cases"] == 3000 and durations["median_s"] > 86_400


def test_reprs_are_for_people():
    log = jm.datasets.load_demo_log()
    text = repr(jm.discover_dfg(log, by="segment"))
    assert text.startswith("<DFG in 3 segments by 'segment': 19 activities")
    assert re.search(r"median \d+ (d|h|min)\b", text) and "_s" not in text
    text = repr(jm.discover_variants(log, top=1))
    assert "median" in text and re.search(r"\d+ d \d+ h", text) and "_s" not in text


# -- journey-map specs from the command line ------------------------------------------------------------


def _demo_spec(tmp_path, replace=("", "")):
    text = jm.datasets.DEMO_MAP_PATH.read_text(encoding="utf-8").replace(*replace)
    path = tmp_path / "map.yaml"
    path.write_text(text, encoding="utf-8")
    return path


JOURNEY = [
    "journey",
    "--case",
    "customer_id",
    "--activity",
    "touchpoint",
    "--timestamp",
    "timestamp",
    "--channel",
    "channel",
    "--quiet",
]


def test_journey_table_shows_human_durations(demo_csv, tmp_path, capsys):
    code, out, err = run(
        [JOURNEY[0], demo_csv, *JOURNEY[1:], "--map", _demo_spec(tmp_path), "--by", "segment"], capsys
    )
    assert code == 0, err
    touchpoints = out.split("\nTouchpoints\n")[1]
    assert "time spent" in touchpoints.splitlines()[0]
    assert re.search(r"\b\d+ d \d+ h\b", touchpoints) and re.search(r"\b\d+ min\b", touchpoints)


def test_a_misspelt_touchpoint_exits_2_naming_it_and_unmatched_warn_carries_on(demo_csv, tmp_path, capsys):
    spec = _demo_spec(tmp_path, ("- Credit check", "- Credit chek"))
    code, out, err = run([JOURNEY[0], demo_csv, *JOURNEY[1:], "--map", spec], capsys)
    line = one_error_line(err)
    assert code == 2 and out == ""
    assert "'Credit chek'" in line and "did you mean 'Credit check'?" in line
    assert "--unmatched warn" in line and "unmatched=" not in line
    code, out, err = run([JOURNEY[0], demo_csv, *JOURNEY[1:], "--map", spec, "--unmatched", "warn"], capsys)
    assert code == 0
    warnings = [w for w in err.splitlines() if w.startswith("journeymine: warning:")]
    assert len(warnings) == 1 and "'Credit chek'" in warnings[0]


def test_a_yaml_alias_bomb_is_refused_quickly(demo_csv, tmp_path, capsys):
    import time

    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    lines += ["journey: Bomb", "stages: *a9"]
    spec = tmp_path / "bomb.yaml"
    spec.write_text("\n".join(lines) + "\n", encoding="utf-8")
    started = time.perf_counter()
    code, _, err = run([JOURNEY[0], demo_csv, *JOURNEY[1:], "--map", spec], capsys)
    assert time.perf_counter() - started < 10  # a guard against a hang, not a speed test
    line = one_error_line(err)
    assert code == 2 and "bomb.yaml" in line and "alias" in line


@pytest.mark.realdata
def test_bpic2016_complaints_need_and_take_encoding_latin_1(capsys):
    path = shared_file("BPI2016_Complaints.csv")
    args = [
        "mine",
        path,
        "--case",
        "CustomerID",
        "--activity",
        "ComplaintTopic_EN",
        "--timestamp",
        "ContactDate",
        "--quiet",
    ]
    code, _, err = run(args, capsys)
    line = one_error_line(err)
    assert code == 2 and "is not UTF-8 text" in line and "pass --encoding latin-1" in line
    code, out, err = run([*args, "--encoding", "latin-1", "--format", "json"], capsys)
    assert code == 0, err
    summary = json.loads(out)
    assert (summary["events"], summary["cases"]) == (289, 226)  # the figures of ../shared/data/README.md


def test_an_unknown_encoding_exits_2(tmp_path, capsys):
    path = tmp_path / "e.csv"
    path.write_text("c,a,t\n1,x,2025-01-01\n", encoding="utf-8")
    code, _, err = run(
        ["mine", path, "--case", "c", "--activity", "a", "--timestamp", "t", "--encoding", "nope"], capsys
    )
    line = one_error_line(err)
    assert code == 2 and "unknown text encoding 'nope'; pass --encoding ..." in line


def test_text_segments_come_in_value_order_in_the_case_durations(demo_csv, capsys):
    # the case table is in case order; the summary must not follow it (C00001 is in 'South')
    code, out, _ = run(["mine", demo_csv, *MAP, "--by", "region", "--format", "json", "--quiet"], capsys)
    assert code == 0
    seen = [r["segment"] for r in json.loads(out)["case_durations"]]
    assert seen == sorted(seen) and len(seen) > 2
