"""Journey maps on Spark with a small driver result limit (issue 12): does the map of each shared
log run with ``spark.driver.maxResultSize=4m``, and how large are the tables it brings up?

For each log in ``../shared/data`` (and the bundled demo), a map is built from its activities
(the most frequent first, eight touchpoints per stage, every activity on the map), and
``journey_map`` runs on a fresh local Spark session (``local[2]``) with the limit, in a fresh
process. The sizes are those of the journey verb's tables (Arrow bytes, measured on DuckDB, the
same tables on both engines): the largest is what one Spark action must bring to the driver.

Usage::

    python benchmarks/bench_spark_results.py              # every log, 4m
    python benchmarks/bench_spark_results.py --limit 8m --logs sepsis.csv bpic2012.xes.gz
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SHARED = HERE.parent.parent / "shared" / "data"

#: how each log is read (as tests/test_engines_realdata.py reads them) and its segment
LOGS = {
    "demo": ({}, "segment"),
    "running-example.xes": ({}, None),
    "BPI2016_Complaints.csv": (
        {"case": "CustomerID", "activity": "ComplaintTheme_EN", "timestamp": "ContactDate", "encoding": "latin-1"},
        "Gender",
    ),
    "receipt.csv": ({}, "case:channel"),
    "sepsis.csv": ({"case": "Case ID", "activity": "Activity", "timestamp": "Complete Timestamp"}, None),
    "helpdesk.xes.gz": ({}, None),
    "bpic2012.xes.gz": ({}, None),
    "msnbc_sample.csv.gz": ({"case": "user_id", "activity": "page_category", "order": "step"}, None),
}

CHILD = r"""
import json, sys, time
name, spec_path, options, by, limit = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), sys.argv[4] or None, sys.argv[5]
import journeymine as jm
from journeymine.engines.spark import SparkEngine
engine = SparkEngine(master="local[2]", config={
    "spark.driver.maxResultSize": limit,
    "spark.sql.shuffle.partitions": "2",
    "spark.default.parallelism": "2",
})
source = jm.datasets.load_demo() if name == "demo" else options.pop("path")
if name == "demo":
    options = dict(jm.datasets.DEMO_COLUMNS)
log = jm.read_events(source, engine=engine, **options)
started = time.perf_counter()
try:
    result = jm.journey_map(log, open(spec_path, encoding="utf-8").read(), by=by, unmatched="warn")
    answer = {"ok": True, "rows": len(result.touchpoints)}
except Exception as exc:  # the limit: Spark's message, first line
    text = str(exc).strip().splitlines()
    answer = {"ok": False, "error": next((l for l in text if "maxResultSize" in l), text[0] if text else "")[:160]}
answer["seconds"] = time.perf_counter() - started
print(json.dumps(answer))
engine.close()
"""


def spec_for(activities: list[str]) -> str:
    """A map of every activity, eight touchpoints per stage, names as JSON strings (valid YAML)."""
    lines = ["journey: Every activity", "stages:"]
    for i in range(0, len(activities), 8):
        lines.append(f"  - name: Stage {i // 8 + 1}")
        lines.append("    touchpoints:")
        lines.extend(f"      - {json.dumps(a, ensure_ascii=False)}" for a in activities[i : i + 8])
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", default="4m")
    parser.add_argument("--logs", nargs="+", default=list(LOGS), choices=list(LOGS))
    parser.add_argument("--out", type=Path, default=Path("/tmp/jm-spark-results"))
    args = parser.parse_args()
    import journeymine as jm

    args.out.mkdir(parents=True, exist_ok=True)
    print(f"| log | cases | events | touchpoints | largest table (MB) | all tables (MB) | map on Spark, {args.limit} | seconds |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for name in args.logs:
        options, by = LOGS[name]
        if name == "demo":
            log = jm.read_events(jm.datasets.load_demo(), **jm.datasets.DEMO_COLUMNS)
            options = {}
        else:
            path = SHARED / name
            if not path.exists():
                print(f"| {name} | (not found: {path}) | | | | | | |")
                continue
            options = {**options, "path": str(path)}
            log = jm.read_events(str(path), **{k: v for k, v in options.items() if k != "path"})
        counts = log.engine.activities(log._relation, by=None).to_pandas().sort_values(
            ["events", "activity"], ascending=[False, True]
        )
        activities = [str(a) for a in counts["activity"]]
        spec = spec_for(activities)
        spec_path = args.out / f"{name}.yaml"
        spec_path.write_text(spec, encoding="utf-8")
        sizes = _table_sizes(log, spec, by)
        proc = subprocess.run(
            [sys.executable, "-c", CHILD, name, str(spec_path), json.dumps(options), by or "", args.limit],
            capture_output=True,
            text=True,
        )
        lines = proc.stdout.strip().splitlines()
        answer = json.loads(lines[-1]) if lines else {"ok": False, "error": proc.stderr.strip()[-160:], "seconds": 0}
        outcome = "runs" if answer["ok"] else f"fails: {answer['error']}"
        print(
            f"| {name} | {log.n_cases:,} | {log.n_events:,} | {len(activities)} | {max(sizes.values()) / 1e6:.2f} "
            f"| {sum(sizes.values()) / 1e6:.2f} | {outcome} | {answer['seconds']:.1f} |",
            flush=True,
        )


def _table_sizes(log, spec: str, by: str | None) -> dict[str, int]:
    """Arrow bytes of each table of the journey verb for this map (computed on DuckDB)."""
    import warnings

    import journeymine as jm
    from journeymine.engines.base import JourneyTables

    seen: dict[str, int] = {}
    engine = log.engine
    original = engine.journey

    def spy(rel, plan, *, by=None):
        tables: JourneyTables = original(rel, plan, by=by)
        for field in dataclasses.fields(JourneyTables):
            seen[field.name] = getattr(tables, field.name).nbytes
        return tables

    engine.journey = spy
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            jm.journey_map(log, spec, by=by, unmatched="warn")
    finally:
        del engine.journey
    return seen


if __name__ == "__main__":
    main()
