"""Time and peak memory of journeymine, pm4py and hand-written DuckDB SQL, side by side, in one run.

Tools: ``journeymine`` (default DuckDB engine), ``spark`` (journeymine on its Spark engine in local
mode, ``local[*]``), ``duckdb`` (hand-written SQL) and ``pm4py``. Two tasks, on generated logs of
100k, 1M, 10M and 100M events (Parquet and CSV, see ``generate.py``):

(a) ``dfg+variants``: one directly-follows graph with durations (mean, median, p90) plus variants.
    pm4py runs what the issue names: ``format_dataframe`` + ``discover_dfg`` + ``get_variants``
    (no durations: they would cost it more).
(b) ``session``: an analysis session on one log: DFG, variants, DFG per segment (``region``), and
    the case table. journeymine reads and prepares the log once; the hand-written baseline runs its
    four queries one by one, each from the file, as someone writing SQL by hand would.

Every measurement runs in a fresh process, three times by default (``--repeat``): the median is
reported, because a shared machine is noisy; peak memory is that process's maximum resident set
(``VmHWM`` in ``/proc/self/status``, Linux), which includes DuckDB's native memory. Results are checked against each other
(edge counts, variant counts) so that a fast wrong answer cannot win. For ``spark`` the peak adds
the driver JVM's ``VmHWM`` (a child process of Python) to Python's own.

Out of core: ``--memory-limit 4GB`` sets DuckDB's ``memory_limit`` (and a ``temp_directory`` under
``/tmp/jm-duckdb`` to spill to) for journeymine and the hand-written SQL alike. pm4py holds the log
in pandas and is skipped above ``--pm4py-max`` events (20M by default: at 10M it already peaks at
3.6 GB, and its memory grows linearly).

Usage::

    python benchmarks/bench_mining.py --events 100000 1000000 10000000 --out benchmarks/data
    python benchmarks/bench_mining.py --events 1000000 --tools journeymine duckdb --formats parquet
    python benchmarks/bench_mining.py --events 100000000 --formats parquet --tools journeymine \
        duckdb --memory-limit 4GB --repeat 1
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TOOLS = ("journeymine", "duckdb", "pm4py", "spark")
TASKS = ("dfg+variants", "session")

# --- the code each child process runs ------------------------------------------------------------

CHILD = r'''
import json, sys, time
tool, task, fmt, path, memory_limit = sys.argv[1:6]
started = time.perf_counter()
result = {}
jvm_pid = None

if tool in ("journeymine", "spark"):
    import journeymine as jm
    if tool == "spark":
        import warnings
        warnings.simplefilter("ignore")
        from journeymine.engines.spark import SparkEngine
        engine = SparkEngine(master="local[*]", config={
            "spark.driver.memory": "16g", "spark.sql.shuffle.partitions": "16",
            "spark.local.dir": "/tmp/jm-spark"})
        jvm_pid = engine.session.sparkContext._gateway.proc.pid
    else:
        from journeymine.engines.duckdb import DuckDBEngine
        engine = DuckDBEngine(memory_limit=memory_limit or None,
                              temp_directory="/tmp/jm-duckdb" if memory_limit else None)
    log = jm.read_events(path, case="case_id", activity="activity", timestamp="timestamp",
                         engine=engine)
    dfg = jm.discover_dfg(log)
    variants = jm.discover_variants(log)
    result = {"edges": int(dfg.edges["count"].sum()), "variants": len(variants)}
    if task == "session":
        split = jm.discover_dfg(log, by="region")
        cases = log.cases(attributes=["region", "amount"])
        result["segment_edges"] = int(split.edges["count"].sum())
        result["cases"] = len(cases)

elif tool == "duckdb":
    import duckdb
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    if memory_limit:
        con.execute(f"SET memory_limit = '{memory_limit}'")
        con.execute("SET temp_directory = '/tmp/jm-duckdb'")
    if fmt == "parquet":
        src = f"read_parquet('{path}', file_row_number = true)"
        order = "timestamp, file_row_number"
    else:  # a CSV has no row number to break ties with: ties fall as they may
        src = f"read_csv('{path}')"
        order = "timestamp"
    dfg_sql = f"""
        WITH e AS (SELECT case_id, activity AS a, lead(activity) OVER w AS b,
                          epoch_us(lead(timestamp) OVER w) - epoch_us(timestamp) AS dt
                   FROM {src} WINDOW w AS (PARTITION BY case_id ORDER BY {order}))
        SELECT a, b, count(*) AS n, count(DISTINCT case_id) AS cases, avg(dt) / 1e6,
               quantile_cont(dt, 0.5) / 1e6, quantile_cont(dt, 0.9) / 1e6
        FROM e WHERE b IS NOT NULL GROUP BY a, b"""
    variants_sql = f"""
        WITH v AS (SELECT case_id, list(activity ORDER BY {order}) AS variant,
                          epoch_us(max(timestamp)) - epoch_us(min(timestamp)) AS d
                   FROM {src} GROUP BY case_id)
        SELECT variant, count(*) AS n, quantile_cont(d, 0.5) / 1e6 FROM v GROUP BY variant"""
    dfg = con.sql(dfg_sql).fetchall()
    variants = con.sql(variants_sql).fetchall()
    result = {"edges": sum(r[2] for r in dfg), "variants": len(variants)}
    if task == "session":
        split = con.sql(f"""
            WITH e AS (SELECT region, activity AS a, lead(activity) OVER w AS b,
                              epoch_us(lead(timestamp) OVER w) - epoch_us(timestamp) AS dt
                       FROM {src} WINDOW w AS (PARTITION BY case_id ORDER BY {order}))
            SELECT region, a, b, count(*) AS n, quantile_cont(dt, 0.5) / 1e6
            FROM e WHERE b IS NOT NULL GROUP BY region, a, b""").fetchall()
        cases = con.sql(f"""
            SELECT case_id, any_value(region), any_value(amount), count(*), min(timestamp),
                   max(timestamp), epoch_us(max(timestamp)) - epoch_us(min(timestamp)),
                   md5(array_to_string(list(activity ORDER BY {order}), chr(31)))
            FROM {src} GROUP BY case_id""").fetchall()
        result["segment_edges"] = sum(r[3] for r in split)
        result["cases"] = len(cases)

elif tool == "pm4py":
    import os, warnings
    os.environ["PM4PY_DISABLE_BANNER"] = "1"
    warnings.simplefilter("ignore")
    import pandas as pd
    import pm4py
    df = pd.read_parquet(path) if fmt == "parquet" else pd.read_csv(path)
    if fmt == "csv":
        df["timestamp"] = pd.to_datetime(df["timestamp"], utc=True, format="ISO8601")
    df = pm4py.format_dataframe(df, case_id="case_id", activity_key="activity",
                                timestamp_key="timestamp")
    dfg, start, end = pm4py.discover_dfg(df)
    variants = pm4py.get_variants(df)
    result = {"edges": int(sum(dfg.values())), "variants": len(variants)}
    if task == "session":
        total = 0
        for _, part in df.groupby("region"):
            total += int(sum(pm4py.discover_dfg(part)[0].values()))
        cases = df.groupby("case:concept:name").agg(
            region=("region", "first"), amount=("amount", "first"),
            events=("concept:name", "size"), start=("time:timestamp", "min"),
            end=("time:timestamp", "max"))
        result["segment_edges"] = total
        result["cases"] = len(cases)

elapsed = time.perf_counter() - started
# VmHWM: this process's peak resident memory. (ru_maxrss would be wrong: Linux carries it over
# from the parent across fork and exec, so a small child reports its parent's peak.)
def hwm(pid):
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmHWM:"))
peak = hwm("self")
if jvm_pid is not None:  # Spark's driver JVM is a child process: add its peak
    peak += hwm(jvm_pid)
print(json.dumps({"seconds": elapsed, "peak_bytes": peak, "result": result}))
'''


def run_one(tool: str, task: str, fmt: str, path: Path, timeout: float, memory_limit: str = "") -> dict:
    env = dict(os.environ, PM4PY_DISABLE_BANNER="1")
    started = time.perf_counter()
    try:
        proc = subprocess.run(
            [sys.executable, "-c", CHILD, tool, task, fmt, str(path), memory_limit],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
        )
    except subprocess.TimeoutExpired:
        return {"error": f"timeout after {timeout:.0f} s"}
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["?"])[-1]
        return {"error": f"exit {proc.returncode}: {last[:200]}", "wall": time.perf_counter() - started}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def median_run(tool: str, task: str, fmt: str, path: Path, args: argparse.Namespace) -> dict:
    """Run a measurement ``args.repeat`` times (tools interleaved would be fairer still, but a
    shared machine's noise is mostly minutes long); keep the run with the median time."""
    runs = [run_one(tool, task, fmt, path, args.timeout, args.memory_limit) for _ in range(args.repeat)]
    good = sorted((r for r in runs if "error" not in r), key=lambda r: r["seconds"])
    if not good:
        return runs[0]
    best = dict(good[len(good) // 2])
    best["all_seconds"] = [round(r["seconds"], 3) for r in good]
    return best


def machine() -> str:
    import duckdb
    import pandas as pd

    try:
        import pm4py

        pm4py_version = pm4py.__version__
    except ImportError:  # pragma: no cover - optional
        pm4py_version = "absent"
    from journeymine import __version__

    try:
        import pyspark

        spark_version = pyspark.__version__
    except ImportError:  # pragma: no cover - optional
        spark_version = "absent"

    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{os.cpu_count()} cores, {mem:.0f} GiB RAM, {platform.system()} {platform.machine()}, "
        f"Python {platform.python_version()}; journeymine {__version__}, duckdb "
        f"{duckdb.__version__}, pandas {pd.__version__}, pm4py {pm4py_version}, pyspark "
        f"{spark_version}"
    )


def fmt_row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, nargs="+", default=[100_000, 1_000_000, 10_000_000])
    parser.add_argument("--out", type=Path, default=HERE / "data", help="where the logs go")
    parser.add_argument("--tools", nargs="+", default=list(TOOLS), choices=TOOLS)
    parser.add_argument("--tasks", nargs="+", default=list(TASKS), choices=TASKS)
    parser.add_argument("--formats", nargs="+", default=["parquet", "csv"], choices=["parquet", "csv"])
    parser.add_argument("--timeout", type=float, default=1800)
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="runs per measurement; the median time (and its peak memory) is kept",
    )
    parser.add_argument("--json", type=Path, help="also write the raw results here")
    parser.add_argument(
        "--memory-limit",
        default="",
        help="DuckDB memory_limit for journeymine and the SQL (e.g. 6GB); spills beyond",
    )
    parser.add_argument(
        "--pm4py-max",
        type=int,
        default=20_000_000,
        help="skip pm4py above this many events (it holds the log in pandas)",
    )
    args = parser.parse_args()

    sys.path.insert(0, str(HERE))
    from generate import write

    print(f"machine: {machine()}\n")
    header = ["events", "format", "task"]
    for tool in args.tools:
        header += [f"{tool} s", f"{tool} peak MB"]
    header += ["pm4py/jm time", "jm/SQL time", "jm/pm4py memory"]
    print(fmt_row(header))
    print(fmt_row(["---"] * len(header)))
    raw = []
    for n in args.events:
        paths = write(n, args.out, csv="csv" in args.formats)
        for fmt in args.formats:
            for task in args.tasks:
                results = {
                    t: {"error": "does not fit in memory"}
                    if t == "pm4py" and n > args.pm4py_max
                    else median_run(t, task, fmt, paths[fmt], args)
                    for t in args.tools
                }
                raw.append({"events": n, "format": fmt, "task": task, "results": results})
                answers = {t: r["result"] for t, r in results.items() if "result" in r}
                if len({json.dumps(a, sort_keys=True) for a in answers.values()}) > 1:
                    print(f"  note: results differ: {answers}", file=sys.stderr)
                cells = [f"{n:,}", fmt, task]
                for tool in args.tools:
                    r = results[tool]
                    if "error" in r:
                        cells += [r["error"][:40], "-"]
                    else:
                        cells += [f"{r['seconds']:.2f}", f"{r['peak_bytes'] / 1e6:,.0f}"]
                cells += [
                    _ratio(results, "pm4py", "journeymine", "seconds"),
                    _ratio(results, "journeymine", "duckdb", "seconds"),
                    _ratio(results, "journeymine", "pm4py", "peak_bytes"),
                ]
                print(fmt_row(cells), flush=True)
    if args.json:
        args.json.write_text(json.dumps({"machine": machine(), "runs": raw}, indent=2))


def _ratio(results: dict, top: str, bottom: str, key: str) -> str:
    a, b = results.get(top, {}), results.get(bottom, {})
    if key not in a or key not in b:
        return "-"
    return f"{a[key] / b[key]:.2f}x"


if __name__ == "__main__":
    main()
