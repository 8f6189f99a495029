"""Time and peak memory of the journey layer on generated logs: a journey map and a journey cut.

Each measurement runs in a fresh process (the median of ``--repeat`` runs is kept); peak memory is
the process's ``VmHWM``. The map below covers the generated activities (``generate.py``) in four
stages with every kind of target, so that every figure is computed.

Usage::

    python benchmarks/bench_journey.py --events 100000 1000000 --out /tmp/bench
    python benchmarks/bench_journey.py --goal --events 1000000 4000000 --out /tmp/bench
    python benchmarks/bench_journey.py --events 100000000 --repeat 1 --memory-limit 4GB --tasks map

``--goal`` checks issue 12's goal: on the log with composite activities (activity + channel),
``journeymine journey`` with a five-stage, thirty-touchpoint map by region against
``journeymine mine --top 100`` by region on the same log, both through the CLI (read, compute,
print), in fresh processes; the goal is journey <= 2x mine + 3 s and <= 1.5x its peak memory.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

SPEC = """\
journey: Generated
outcome: Contract signed
stages:
  - name: Orientation
    touchpoints: [Ad seen, Comparison site visit, Homepage, Mortgage calculator, Product page]
  - name: Application
    touchpoints:
      - Login
      - Start application
      - name: Upload documents
        target: {max_repeats: 0}
      - Identity check
      - name: Service
        activity: ["Customer service call", "Chat", "Complaint"]
        target: {max_repeats: 1}
  - name: Decision
    touchpoints:
      - Branch visit
      - Advisor appointment
      - name: Valuation
        target: {max_hours_to: {touchpoint: Offer sent, hours: 48}}
      - Credit check
      - name: Offer sent
        target: {max_hours_to_next: 24, required_outcome: Offer accepted}
      - Offer viewed
      - Offer accepted
  - name: Closing
    touchpoints: [Contract signed, Account opened]
"""

#: five stages, thirty touchpoints over activity+channel labels (patterns take the channels)
GOAL_SPEC = """\
journey: Generated (activity + channel)
outcome: "Contract signed+*"
stages:
  - name: Orientation
    touchpoints:
      - {name: Ad seen, activity: "Ad seen+*"}
      - {name: Comparison site, activity: "Comparison site visit+*"}
      - {name: Homepage on the web, activity: Homepage+web}
      - {name: Homepage elsewhere, activity: "Homepage+*"}
      - {name: Calculator, activity: "Mortgage calculator+*"}
      - {name: Product page, activity: "Product page+*"}
  - name: Application
    touchpoints:
      - {name: Login in the app, activity: Login+app}
      - {name: Login elsewhere, activity: "Login+*"}
      - {name: Start application, activity: "Start application+*"}
      - {name: Upload in the app, activity: Upload documents+app, target: {max_repeats: 0}}
      - {name: Upload elsewhere, activity: "Upload documents+*", target: {max_repeats: 0}}
      - {name: Identity check, activity: "Identity check+*"}
  - name: Contact
    touchpoints:
      - {name: Phone, activity: "Customer service call+*", target: {max_repeats: 1}}
      - {name: Chat, activity: "Chat+*"}
      - {name: Email received, activity: "Email received+*"}
      - {name: Email opened, activity: "Email opened+*"}
      - {name: Complaint, activity: "Complaint+*"}
      - {name: Survey, activity: "Survey+*"}
  - name: Decision
    touchpoints:
      - {name: Branch visit, activity: "Branch visit+*"}
      - {name: Advisor in the branch, activity: Advisor appointment+branch}
      - {name: Advisor elsewhere, activity: "Advisor appointment+*"}
      - {name: Valuation, activity: "Valuation+*", target: {max_hours_to: {touchpoint: Offer by email, hours: 48}}}
      - {name: Credit check, activity: "Credit check+*"}
      - {name: Offer by email, activity: Offer sent+email, target: {max_hours_to_next: 24, required_outcome: Offer accepted}}
      - {name: Offer elsewhere, activity: "Offer sent+*"}
      - {name: Offer viewed, activity: "Offer viewed+*"}
  - name: Closing
    touchpoints:
      - {name: Offer accepted, activity: "Offer accepted+*"}
      - {name: Contract in the branch, activity: Contract signed+branch}
      - {name: Contract elsewhere, activity: "Contract signed+*"}
      - {name: Account opened, activity: "Account opened+*"}
"""

GOAL_CHILD = r"""
import contextlib, io, json, sys, time
path, spec, task, limit = sys.argv[1:5]
started = time.perf_counter()
from journeymine.cli import main
common = [path, "--case", "case_id", "--activity", "activity+channel", "--timestamp", "timestamp",
          "--by", "region", "--format", "json", "--quiet"]
if limit:
    common += ["--engine-setting", f"memory_limit={limit}"]
out = io.StringIO()
with contextlib.redirect_stdout(out):
    code = main(["mine", *common, "--top", "100"] if task == "mine" else ["journey", *common, "--map", spec])
elapsed = time.perf_counter() - started
with open("/proc/self/status") as status:
    peak = next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmHWM:"))
print(json.dumps({"seconds": elapsed, "peak_bytes": peak, "result": {"exit": code, "bytes": len(out.getvalue())}}))
"""

CHILD = r"""
import json, sys, time
path, spec, task, limit = sys.argv[1:5]
import journeymine as jm
from journeymine.engines.duckdb import DuckDBEngine
started = time.perf_counter()
engine = DuckDBEngine(memory_limit=limit) if limit else "duckdb"
log = jm.read_events(path, case="case_id", activity="activity", timestamp="timestamp", channel="channel",
                     engine=engine)
if task == "map":
    result = jm.journey_map(log, spec, by="region")
    answer = {"rows": len(result.touchpoints), "customers": int(result.segments["customers"].sum())}
else:
    cut = jm.cut_journeys(log, gap="14D", start=["Homepage", "Mortgage calculator"], end="Contract signed")
    answer = {"journeys": cut.report.journeys, "outside": cut.report.events_outside}
elapsed = time.perf_counter() - started
with open("/proc/self/status") as status:
    peak = next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmHWM:"))
print(json.dumps({"seconds": elapsed, "peak_bytes": peak, "result": answer}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--out", type=Path, default=HERE / "data")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--goal", action="store_true", help="journey against mine --top 100 (issue 12)")
    parser.add_argument("--memory-limit", default="", help="DuckDB's memory_limit, such as 4GB")
    parser.add_argument("--tasks", nargs="+", help="some of the tasks only (map, cut; mine, journey)")
    args = parser.parse_args()
    sys.path.insert(0, str(HERE))
    from generate import write

    spec = args.out / ("generated_goal_map.yaml" if args.goal else "generated_map.yaml")
    args.out.mkdir(parents=True, exist_ok=True)
    spec.write_text(GOAL_SPEC if args.goal else SPEC, encoding="utf-8")
    child, tasks = (GOAL_CHILD, ("mine", "journey")) if args.goal else (CHILD, ("map", "cut"))
    print("| events | task | seconds (median) | peak MB | result |")
    print("| --- | --- | --- | --- | --- |")
    tasks = tuple(t for t in tasks if not args.tasks or t in args.tasks)
    for n in args.events:
        path = write(n, args.out, csv=False)["parquet"]
        for task in tasks:
            runs = []
            for _ in range(args.repeat):
                proc = subprocess.run(
                    [sys.executable, "-c", child, str(path), str(spec), task, args.memory_limit],
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
