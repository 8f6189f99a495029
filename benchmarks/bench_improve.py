"""Time and peak memory of ``improve`` (heuristics + reverse thinking) beside ``mine``, pm4py and SQL.

The goal (issue 10): on a 4M-event log by segment with a 30-step ideal, ``improve`` takes at most
2x the time of ``journeymine mine`` on the same log plus 3 s, in at most 2 GB. For comparison, in
the same run: pm4py's variants with their cases (``pm4py.get_variants``, what a per-variant
conformance starts from) and a hand-written DuckDB query of the aggregate ``improve`` works on
(cases per segment and path of activities and channels, with their durations). ``mine`` is the
command as people run it (``journeymine mine --by region --format json``: every variant is
printed, which at millions of events is most of its time); ``verbs`` the mining alone (a DFG by
region and the top 100 variants per region, in Python), the stricter yardstick.

The ideal journey has 30 steps: the 24 activities of the generated logs (``generate.py``) in their
usual order, some optional or alternatives, and six steps the logs never hold (so that every case
misses some), so that every kind of deviation is computed. Every measurement runs in a fresh
process (the median of ``--repeat`` runs is kept); peak memory is the process's ``VmHWM``.

Usage::

    python benchmarks/bench_improve.py --events 1000000 4000000 --out /tmp/bench
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

IDEAL = """\
journey: Generated
outcome: Contract signed
steps:
  - {step: Ad seen, optional: true}
  - {step: Comparison site visit, optional: true}
  - Homepage
  - Welcome message
  - {any: [Mortgage calculator, Product page]}
  - Login
  - Start application
  - Consent given
  - {step: Upload documents, channel: app}
  - Documents accepted
  - Identity check
  - {step: Customer service call, optional: true}
  - {step: Chat, optional: true}
  - {step: Email received, channel: email}
  - {step: Email opened, optional: true}
  - {step: Branch visit, optional: true}
  - Advisor appointment
  - Advice summary sent
  - Valuation
  - Credit check
  - Credit approved
  - Offer sent
  - Offer viewed
  - Offer accepted
  - Contract signed
  - Account opened
  - Welcome pack sent
  - {step: Survey, optional: true}
  - {step: Complaint, optional: true}
  - Mortgage paid out
"""

MAPPING = {"case": "case_id", "activity": "activity", "timestamp": "timestamp", "channel": "channel"}

CHILD = r"""
import json, sys, time
task, path, ideal = sys.argv[1:4]
mapping = json.loads(sys.argv[4])
started = time.perf_counter()
if task == "mine":
    import contextlib, io
    from journeymine.cli import main
    flags = [f"--{k}={v}" for k, v in mapping.items()]
    with contextlib.redirect_stdout(io.StringIO()) as buffer:
        code = main(["mine", path, *flags, "--by", "region", "--format", "json", "--quiet"])
    answer = {"code": code, "bytes": len(buffer.getvalue())}
elif task == "verbs":
    import journeymine as jm
    log = jm.read_events(path, **mapping)
    dfg = jm.discover_dfg(log, by="region")
    variants = jm.discover_variants(log, by="region", top=100)
    answer = {"edges": len(dfg.edges), "variants": len(variants.to_frame())}
elif task == "improve":
    import journeymine as jm
    log = jm.read_events(path, **mapping)
    result = jm.improve(log, by="region", ideal=ideal, seed=0)
    text = result.to_json()
    answer = {"findings": len(result.findings),
              "conforming": round(result.reverse_thinking.conforming_share, 4), "bytes": len(text)}
elif task == "pm4py":
    import pandas as pd, pm4py
    frame = pd.read_parquet(path)
    frame = pm4py.format_dataframe(frame, case_id=mapping["case"], activity_key=mapping["activity"],
                                   timestamp_key=mapping["timestamp"])
    variants = pm4py.get_variants(frame)
    answer = {"variants": len(variants)}
else:  # hand-written DuckDB SQL: cases per region and path (activities, channels), durations
    import duckdb
    con = duckdb.connect()
    rows = con.sql(
        "WITH c AS (SELECT case_id, any_value(region) AS region, "
        "list(activity ORDER BY timestamp) AS acts, list(channel ORDER BY timestamp) AS chs, "
        "epoch(max(timestamp) - min(timestamp)) AS dur FROM read_parquet(?) GROUP BY case_id) "
        "SELECT region, acts, chs, count(*) AS cases, list(dur ORDER BY dur) AS durs FROM c GROUP BY ALL",
        params=[path],
    ).to_arrow_table()
    answer = {"paths": rows.num_rows}
elapsed = time.perf_counter() - started
with open("/proc/self/status") as status:
    peak = next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmHWM:"))
print(json.dumps({"seconds": elapsed, "peak_bytes": peak, "result": answer}))
"""

TASKS = ("mine", "verbs", "improve", "pm4py", "sql")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, nargs="+", default=[1_000_000, 4_000_000])
    parser.add_argument("--out", type=Path, default=HERE / "data")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--tasks", nargs="+", choices=TASKS, default=list(TASKS))
    args = parser.parse_args()
    sys.path.insert(0, str(HERE))
    from generate import write

    args.out.mkdir(parents=True, exist_ok=True)
    ideal = args.out / "generated_ideal.yaml"
    ideal.write_text(IDEAL, encoding="utf-8")
    print("| events | task | seconds (median) | peak MB | result |")
    print("| --- | --- | --- | --- | --- |")
    for n in args.events:
        path = write(n, args.out, csv=False)["parquet"]
        for task in args.tasks:
            runs = []
            for _ in range(args.repeat):
                proc = subprocess.run(
                    [sys.executable, "-c", CHILD, task, str(path), str(ideal), json.dumps(MAPPING)],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                runs.append(json.loads(proc.stdout.strip().splitlines()[-1]))
            runs.sort(key=lambda r: r["seconds"])
            best = runs[len(runs) // 2]
            print(
                f"| {n:,} | {task} | {best['seconds']:.2f} | {best['peak_bytes'] / 1e6:,.0f} | {best['result']} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
