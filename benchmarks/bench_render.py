"""Time and peak memory of the pictures: the HTML report and the process map, beside the mining.

The goal (issue 9): rendering works on aggregates, so the report of a log by segment costs at most
1.5x the time of ``journeymine mine`` on the same log plus 3 s; the report of BPIC 2012 by requested
amount bands renders in under 15 s. pm4py's own DFG picture (``pm4py.save_vis_dfg``) is measured on
the same logs for comparison.

Every measurement runs in a fresh process (the median of ``--repeat`` runs is kept); peak memory is
the process's ``VmHWM``.

Usage::

    python benchmarks/bench_render.py --events 1000000 4000000 --out /tmp/bench
    python benchmarks/bench_render.py --events 4000000 --bpic ../shared/data/bpic2012.xes.gz
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

CHILD = r"""
import json, sys, time
task, path, by, bins, out = sys.argv[1:6]
mapping = json.loads(sys.argv[6])
bins = int(bins) if bins else None
started = time.perf_counter()
if task == "pm4py":
    import pm4py
    if path.endswith((".xes", ".xes.gz")):
        frame = pm4py.read_xes(path)
    else:
        import pandas as pd
        frame = pd.read_parquet(path)
        frame = pm4py.format_dataframe(frame, case_id=mapping["case"], activity_key=mapping["activity"],
                                       timestamp_key=mapping["timestamp"])
    dfg, start, end = pm4py.discover_dfg(frame)
    pm4py.save_vis_dfg(dfg, start, end, out)
    answer = {"edges": len(dfg)}
else:
    from journeymine.cli import main
    flags = [f"--{k}={v}" for k, v in mapping.items()]
    segment = ["--by", by] + (["--bins", str(bins)] if bins else []) if by else []
    if task == "mine":
        import contextlib, io
        with contextlib.redirect_stdout(io.StringIO()) as buffer:
            code = main(["mine", path, *flags, *segment, "--format", "json", "--quiet"])
        answer = {"code": code, "bytes": len(buffer.getvalue())}
    else:
        code = main(["report", path, *flags, *segment, "-o", out, "--quiet"])
        answer = {"code": code, "bytes": len(open(out, "rb").read())}
elapsed = time.perf_counter() - started
with open("/proc/self/status") as status:
    peak = next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmHWM:"))
print(json.dumps({"seconds": elapsed, "peak_bytes": peak, "result": answer}))
"""


def measure(task: str, path: Path, by: str, bins: str, mapping: dict[str, str], repeat: int) -> dict:
    runs = []
    with tempfile.TemporaryDirectory() as folder:
        out = str(Path(folder) / ("map.svg" if task == "pm4py" else "report.html"))
        for _ in range(repeat):
            proc = subprocess.run(
                [sys.executable, "-c", CHILD, task, str(path), by, bins, out, json.dumps(mapping)],
                capture_output=True,
                text=True,
                check=True,
            )
            runs.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    runs.sort(key=lambda r: r["seconds"])
    return runs[len(runs) // 2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, nargs="*", default=[1_000_000])
    parser.add_argument("--bpic", type=Path, help="the BPIC 2012 log (bpic2012.xes.gz)")
    parser.add_argument("--out", type=Path, default=HERE / "data")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-pm4py", action="store_true", help="leave pm4py out")
    args = parser.parse_args()
    sys.path.insert(0, str(HERE))
    from generate import write

    args.out.mkdir(parents=True, exist_ok=True)
    cases: list[tuple[str, Path, str, str, dict[str, str]]] = []
    generated = {"case": "case_id", "activity": "activity", "timestamp": "timestamp", "channel": "channel"}
    for n in args.events:
        cases.append((f"generated {n:,} events, by region", write(n, args.out, csv=False)["parquet"], "region", "", generated))
    if args.bpic is not None:
        cases.append(("BPIC 2012, by AMOUNT_REQ in 4 bands", args.bpic, "AMOUNT_REQ", "4", {}))
    print("| log | mine s | report s | report / mine | goal | pm4py DFG picture s | peak MB (mine / report / pm4py) |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for label, path, by, bins, mapping in cases:
        mine = measure("mine", path, by, bins, mapping, args.repeat)
        report = measure("report", path, by, bins, mapping, args.repeat)
        pm = None if args.no_pm4py else measure("pm4py", path, by, bins, mapping, 1)
        goal_s = 15.0 if "BPIC" in label else 1.5 * mine["seconds"] + 3
        ok = "met" if report["seconds"] <= goal_s else "MISSED"
        pm_s = f"{pm['seconds']:.2f}" if pm else "–"
        pm_mb = f"{pm['peak_bytes'] / 1e6:,.0f}" if pm else "–"
        print(
            f"| {label} | {mine['seconds']:.2f} | {report['seconds']:.2f} | "
            f"{report['seconds'] / mine['seconds']:.2f} | ≤ {goal_s:.1f} s: {ok} | {pm_s} | "
            f"{mine['peak_bytes'] / 1e6:,.0f} / {report['peak_bytes'] / 1e6:,.0f} / {pm_mb} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
