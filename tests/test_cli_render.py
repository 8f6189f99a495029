"""`journeymine map`, `journeymine report` and the demo's report, on generated and real logs."""

from __future__ import annotations

import json

import pytest

import journeymine as jm
from helpers import run_cli as run
from helpers import shared_file

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
    return jm.datasets.write_demo(tmp_path_factory.mktemp("render") / "demo.csv")


def test_map_writes_svg_dot_and_png_and_stdout(demo_csv, tmp_path, capsys):
    for suffix, magic in ((".svg", b"<svg"), (".dot", b"digraph"), (".png", b"\x89PNG")):
        out = tmp_path / f"map{suffix}"
        code, _, err = run(["map", demo_csv, *MAP, "--detail", "0.8", "-o", out, "--quiet"], capsys)
        assert code == 0, err
        assert magic in out.read_bytes()[:400]
    code, out, _ = run(
        ["map", demo_csv, *MAP, "--format", "dot", "--measure", "frequency+median", "--quiet"], capsys
    )
    assert code == 0 and out.startswith("digraph") and " d " in out  # durations for people


def test_map_of_one_segment_and_of_every_segment(demo_csv, tmp_path, capsys):
    code, out, err = run(
        ["map", demo_csv, *MAP, "--by", "segment", "--segment", "mover", "--format", "svg", "--quiet"], capsys
    )
    assert code == 0, err
    assert "segment: mover" in out
    target = tmp_path / "bands.svg"
    code, _, err = run(
        ["map", demo_csv, *MAP, "--by", "loan_amount", "--bins", "3", "-o", target, "--quiet"], capsys
    )
    assert code == 0, err
    written = sorted(p.name for p in tmp_path.glob("bands.*.svg"))
    assert len(written) == 3 and all(p.startswith("bands.") for p in written)
    assert err.count("written to") == 3


@pytest.mark.parametrize(
    ("flags", "words"),
    [
        (["--by", "segment"], "--by without --segment draws one map per segment: pass -o FILE.svg"),
        (["--segment", "mover"], "--segment needs --by"),
        (["--by", "segment", "--segment", "movers"], "--segment movers is not a segment of this DFG"),
        (["--measure", "speed"], "--measure takes frequency, cases, mean, median or p90"),
        (["--detail", "0"], "argument --detail: takes a share of transitions above 0 and at most 1"),
    ],
)
def test_map_refuses_bad_flags_with_exit_2(demo_csv, capsys, flags, words):
    code, out, err = run(["map", demo_csv, *MAP, "--quiet", *flags], capsys)
    assert code == 2 and out == "" and "Traceback" not in err
    assert words in err


def test_report_writes_one_self_contained_file(demo_csv, tmp_path, capsys):
    out = tmp_path / "r.html"
    code, _, err = run(
        ["report", demo_csv, *MAP, "--by", "segment", "--map", "demo", "-o", out, "--quiet"], capsys
    )
    assert code == 0, err
    text = out.read_text(encoding="utf-8")
    assert "Content-Security-Policy" in text and "https://" not in text and "http://" not in text
    for segment in ("first-time buyer", "mover", "refinancer"):
        assert segment in text
    assert f"report written to {out}" in err


def test_demo_writes_its_report_next_to_the_csv(tmp_path, capsys):
    code, out, err = run(["demo", "--out", tmp_path, "--format", "json"], capsys)
    assert code == 0
    assert json.loads(out)["cases"] == 3000
    report = tmp_path / "demo_report.html"
    assert report.is_file() and f"demo report written to {report}" in err
    code, out, _ = run(["demo", "--out", tmp_path / "again", "--quiet"], capsys)
    assert code == 0 and f"The report: {tmp_path / 'again' / 'demo_report.html'}" in out


@pytest.mark.realdata
def test_map_and_report_on_bpic2012_by_amount_bands(tmp_path, capsys):
    path = shared_file("bpic2012.xes.gz")
    out = tmp_path / "bpic.html"
    code, _, err = run(["report", path, "--by", "AMOUNT_REQ", "--bins", "4", "-o", out, "--quiet"], capsys)
    assert code == 0, err
    text = out.read_text(encoding="utf-8")
    positions = [
        text.index(band) for band in ("[0, 5000)", "[5000, 10000)", "[10000, 17640)", "[17640, 99999]")
    ]
    assert positions == sorted(positions)
    code, _, err = run(
        [
            "map",
            path,
            "--by",
            "AMOUNT_REQ",
            "--bins",
            "4",
            "--detail",
            "0.8",
            "-o",
            tmp_path / "b.svg",
            "--quiet",
        ],
        capsys,
    )
    assert code == 0 and len(list(tmp_path.glob("b.*.svg"))) == 4


@pytest.mark.realdata
def test_map_of_the_receipt_log_by_channel(tmp_path, capsys):
    path = shared_file("receipt.csv")
    out = tmp_path / "receipt.svg"
    code, _, err = run(
        ["map", path, "--by", "case:channel", "--segment", "Internet", "-o", out, "--quiet"], capsys
    )
    assert code == 0, err
    assert "<svg" in out.read_text(encoding="utf-8")
