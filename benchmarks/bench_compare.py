"""Time and peak memory of ``compare`` beside ``mine``, pm4py and SQL; and the larger simulation.

**Speed** (issue 11): comparing two segments of a 4M-event log (edges, variants with the
permutation test, durations) takes at most 3x the time of ``journeymine mine`` on the same log
plus 3 s. In the same run: ``mine`` (the command as people run it: ``--by region --format json``),
``verbs`` (the mining alone: a DFG by region and the top 100 variants), ``compare``
(``jm.compare(log, by="region", groups=("North", "East"))`` with 999 permutations, as JSON), what
a researcher writes with pm4py (filter each region, a DFG and the variants of each, one
chi-square test per transition: the figures compare gives for edges, without intervals,
variants or durations) and a hand-written DuckDB query of the aggregates compare works on
(cases containing each transition per region, cases per variant per region, duration
histograms). Every measurement runs in a fresh process (median of ``--repeat``); peak memory is
the process's ``VmHWM``.

**Simulation** (``--simulate``): the false discovery check of the test suite, larger. Logs where
the groups come from the same process (``planted_log(None)``: any significant row is a false
discovery) and logs with a planted rework loop in a share of one group's cases (the power, and
whether the sign is right), over many seeds, for each table.

Usage::

    python benchmarks/bench_compare.py --events 1000000 4000000 --out /tmp/bench
    python benchmarks/bench_compare.py --simulate --runs 1000
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
MAPPING = {"case": "case_id", "activity": "activity", "timestamp": "timestamp", "channel": "channel"}

CHILD = r"""
import json, sys, time
task, path = sys.argv[1:3]
mapping = json.loads(sys.argv[3])
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
elif task == "compare":
    import journeymine as jm
    log = jm.read_events(path, **mapping)
    result = jm.compare(log, by="region", groups=("North", "East"), seed=0)
    text = json.dumps(result.to_dict(), sort_keys=True, allow_nan=False)
    answer = {"edges": int(result.edges["significant"].sum()), "variants_tested": int(result.variants["p"].notna().sum()),
              "variants": len(result.variants), "durations": len(result.durations),
              "distribution_p": round(float(result.distribution["p"].iloc[0]), 4), "bytes": len(text)}
elif task == "pm4py":
    import pandas as pd, pm4py
    from scipy import stats
    frame = pd.read_parquet(path)
    frame = pm4py.format_dataframe(frame, case_id=mapping["case"], activity_key=mapping["activity"],
                                   timestamp_key=mapping["timestamp"])
    parts = {r: pm4py.filter_event_attribute_values(frame, "region", [r], level="case") for r in ("North", "East")}
    figures = {}
    for r, part in parts.items():
        variants = pm4py.get_variants(part)
        cases = sum(variants.values())
        edges = {}
        for v, n in variants.items():
            for e in set(zip(v, v[1:])):
                edges[e] = edges.get(e, 0) + n
        figures[r] = (cases, edges, pm4py.discover_dfg(part))
    (na, ea, _), (nb, eb, _) = figures["North"], figures["East"]
    ps = []
    for e in set(ea) | set(eb):
        a, b = ea.get(e, 0), eb.get(e, 0)
        if 0 < a + b < na + nb:
            ps.append(stats.chi2_contingency([[a, na - a], [b, nb - b]]).pvalue)
    answer = {"edges_tested": len(ps)}
else:  # hand-written DuckDB SQL of the aggregates: edge cases, variant cases, duration histograms
    import duckdb
    con = duckdb.connect()
    src = "(SELECT * FROM read_parquet(?) WHERE region IN ('North', 'East'))"
    con.execute(f"CREATE TEMP TABLE e AS SELECT case_id, region, activity, epoch_us(timestamp) AS t, "
                f"row_number() OVER (PARTITION BY case_id ORDER BY timestamp) AS i FROM {src}", [path])
    edges = con.sql("WITH p AS (SELECT region, case_id, activity AS a, lead(activity) OVER w AS b, "
                    "lead(t) OVER w - t AS dt FROM e WINDOW w AS (PARTITION BY case_id ORDER BY i)) "
                    "SELECT region, a, b, count(DISTINCT case_id) AS cases FROM p WHERE b IS NOT NULL GROUP BY ALL").fetchall()
    hist = con.sql("WITH p AS (SELECT region, activity AS a, lead(activity) OVER w AS b, "
                   "lead(t) OVER w - t AS dt FROM e WINDOW w AS (PARTITION BY case_id ORDER BY i)) "
                   "SELECT region, a, b, floor(ln(1 + dt / 1e6) * 100)::INT AS bin, count(*) FROM p "
                   "WHERE b IS NOT NULL GROUP BY ALL").fetchall()
    variants = con.sql("SELECT region, v, count(*) FROM (SELECT case_id, any_value(region) AS region, "
                       "list(activity ORDER BY i) AS v FROM e GROUP BY case_id) GROUP BY ALL").fetchall()
    answer = {"edges": len(edges), "bins": len(hist), "variants": len(variants)}
elapsed = time.perf_counter() - started
with open("/proc/self/status") as status:
    peak = next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmHWM:"))
print(json.dumps({"seconds": elapsed, "peak_bytes": peak, "result": answer}))
"""

TASKS = ("mine", "verbs", "compare", "pm4py", "sql")


def speed(args: argparse.Namespace) -> None:
    sys.path.insert(0, str(HERE))
    from generate import write

    args.out.mkdir(parents=True, exist_ok=True)
    print("| events | task | seconds (median) | peak MB | result |")
    print("| --- | --- | --- | --- | --- |")
    for n in args.events:
        path = write(n, args.out, csv=False)["parquet"]
        for task in args.tasks:
            runs = []
            for _ in range(args.repeat):
                proc = subprocess.run(
                    [sys.executable, "-c", CHILD, task, str(path), json.dumps(MAPPING)],
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


def simulate(args: argparse.Namespace) -> None:
    """False discoveries under the null, power and sign under a planted difference."""
    from scipy import stats

    import journeymine as jm
    from journeymine.testing.heuristics import planted_log

    mapping = {"case": "case", "activity": "activity", "timestamp": "timestamp", "channel": "channel"}
    tables = ("edges", "variants", "durations")
    started = time.perf_counter()
    print(f"| setting | runs | cases | {' | '.join(f'{t}: runs with any flag' for t in tables)} |")
    print(f"| --- | --- | --- | {' | '.join('---' for _ in tables)} |")
    null = dict.fromkeys(tables, 0)
    for seed in range(args.runs):
        log = jm.read_events(planted_log(None, cases=args.cases, seed=10_000 + seed), **mapping)
        result = jm.compare(log, by="segment", groups=("retail", "business"), seed=seed, permutations=199)
        for t in tables:
            null[t] += bool(result.table(t)["significant"].any())
    cells = []
    for t in tables:
        ci = stats.binomtest(null[t], args.runs).proportion_ci(method="wilson")
        cells.append(f"{null[t] / args.runs:.3f} [{ci.low:.3f}, {ci.high:.3f}]")
    print(f"| same process (alpha 0.05) | {args.runs} | {args.cases} | {' | '.join(cells)} |", flush=True)
    for share in (0.05, 0.1, 0.2):
        found = right_sign = 0
        runs = max(args.runs // 5, 20)
        for seed in range(runs):
            frame = planted_log(
                "rework", cases=args.cases, share=share, segment="business", seed=20_000 + seed
            )
            result = jm.compare(
                jm.read_events(frame, **mapping),
                by="segment",
                groups=("business", "retail"),
                seed=seed,
                permutations=199,
            )
            edges = result.edges.set_index(["source", "target"])
            key = tuple(frame.attrs["planted"]["transitions"][0])
            if key in edges.index and edges.loc[key, "significant"]:
                found += 1
                right_sign += bool(edges.loc[key, "diff"] > 0)
        print(
            f"| rework in {share:.0%} of one group's cases: found (right sign) | {runs} | {args.cases} | "
            f"{found / runs:.2f} ({right_sign}/{found}) | | |",
            flush=True,
        )
    print(f"\n{time.perf_counter() - started:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, nargs="+", default=[1_000_000, 4_000_000])
    parser.add_argument("--out", type=Path, default=HERE / "data")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--tasks", nargs="+", choices=TASKS, default=list(TASKS))
    parser.add_argument("--simulate", action="store_true", help="run the simulation instead of the timings")
    parser.add_argument("--runs", type=int, default=1000, help="simulation runs under the null")
    parser.add_argument(
        "--cases", type=int, default=600, help="cases per simulated log (a third per segment)"
    )
    args = parser.parse_args()
    if args.simulate:
        simulate(args)
    else:
        speed(args)


if __name__ == "__main__":
    main()
