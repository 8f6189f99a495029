"""Generate synthetic journey logs of a given size for the benchmarks.

The logs are seeded and reproducible: a Markov chain over 24 touchpoints, 1 case per ~10 events,
case attributes for segments (``region``, ``amount``), a ``channel`` per event, and timestamps in
UTC with a share of ties within cases.

Usage::

    python benchmarks/generate.py --events 1000000 --out /tmp/jm-bench
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

ACTIVITIES = [
    "Ad seen",
    "Comparison site visit",
    "Homepage",
    "Mortgage calculator",
    "Product page",
    "Login",
    "Start application",
    "Upload documents",
    "Identity check",
    "Customer service call",
    "Chat",
    "Email received",
    "Email opened",
    "Branch visit",
    "Advisor appointment",
    "Valuation",
    "Credit check",
    "Offer sent",
    "Offer viewed",
    "Offer accepted",
    "Contract signed",
    "Account opened",
    "Survey",
    "Complaint",
]
CHANNELS = ["social", "comparison", "web", "app", "phone", "branch", "email"]
REGIONS = ["North", "East", "South", "West", "Central"]


def generate(events: int, seed: int = 7, first_case: int = 0) -> pa.Table:
    """Return a table of about ``events`` events, ordered by case then time (like most exports).

    ``first_case`` numbers the cases from there, so that chunks of a large log never share one.
    """
    rng = np.random.default_rng(seed)
    n_act = len(ACTIVITIES)
    # A sparse-ish transition matrix with a forward drift, so that variants repeat.
    base = rng.random((n_act, n_act)) ** 6
    for i in range(n_act):
        base[i, min(i + 1, n_act - 1)] += 3.0
        base[i, min(i + 2, n_act - 1)] += 1.0
    trans = base / base.sum(axis=1, keepdims=True)
    cum = np.cumsum(trans, axis=1)
    n_cases = max(1, events // 10)
    lengths = np.clip(rng.geometric(1 / 10, size=n_cases), 1, 200)
    # Rescale so that the total is close to the requested number of events.
    lengths = np.maximum(1, np.round(lengths * events / lengths.sum())).astype(np.int64)
    total = int(lengths.sum())
    case_idx = np.repeat(np.arange(n_cases), lengths)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    pos = np.arange(total) - np.repeat(starts, lengths)
    acts = np.empty(total, dtype=np.int16)
    first = rng.integers(0, 4, size=n_cases)
    acts[starts] = first
    max_len = int(lengths.max())
    prev = first.copy()
    for step in range(1, max_len):
        alive = np.nonzero(lengths > step)[0]
        if alive.size == 0:
            break
        u = rng.random(alive.size)
        nxt = (cum[prev[alive]] < u[:, None]).sum(axis=1).clip(0, n_act - 1)
        acts[starts[alive] + step] = nxt
        prev[alive] = nxt
    case_start = np.datetime64("2025-01-01T00:00:00", "s").astype(np.int64) + rng.integers(
        0, 365 * 86400, size=n_cases
    )
    gaps = rng.exponential(3600.0, size=total).astype(np.int64)
    gaps[rng.random(total) < 0.05] = 0  # ties within a case
    gaps[pos == 0] = 0
    offs = np.cumsum(gaps) - np.repeat(np.cumsum(gaps)[starts] - gaps[starts], lengths)
    ts = (np.repeat(case_start, lengths) + offs) * 1_000_000
    amount = rng.lognormal(11.5, 0.6, size=n_cases).round(-2)
    region = rng.integers(0, len(REGIONS), size=n_cases)
    case_ids = np.char.add("C", np.char.zfill((case_idx + first_case).astype(str), 8))
    return pa.table(
        {
            "case_id": pa.array(case_ids),
            "activity": pa.DictionaryArray.from_arrays(
                pa.array(acts.astype(np.int32)), pa.array(ACTIVITIES)
            ).cast(pa.string()),
            "timestamp": pa.array(ts, type=pa.timestamp("us", tz="UTC")),
            "channel": pa.DictionaryArray.from_arrays(
                pa.array(rng.integers(0, len(CHANNELS), size=total).astype(np.int32)),
                pa.array(CHANNELS),
            ).cast(pa.string()),
            "region": pa.DictionaryArray.from_arrays(
                pa.array(region[case_idx].astype(np.int32)), pa.array(REGIONS)
            ).cast(pa.string()),
            "amount": pa.array(amount[case_idx]),
        }
    )


CHUNK = 10_000_000


def write(events: int, out: Path, *, csv: bool = True, seed: int = 7) -> dict[str, Path]:
    """Write ``events_<n>.parquet`` (and ``.csv``) under ``out``; reuse files already there.

    Logs larger than 10M events are generated and written 10M events at a time (each chunk with
    its own seed and its own cases), so that generating 100M events needs no more memory than 10M.
    """
    out.mkdir(parents=True, exist_ok=True)
    paths = {"parquet": out / f"events_{events}.parquet"}
    if csv:
        paths["csv"] = out / f"events_{events}.csv"
    if all(p.exists() for p in paths.values()):
        return paths
    # Write under temporary names and rename at the end, so that an interrupted run never leaves
    # a truncated file that a later run would take for a finished one.
    partial = {kind: p.with_name(p.name + ".partial") for kind, p in paths.items()}
    parquet_writer = csv_writer = None
    done = chunk = 0
    while done < events:
        size = min(CHUNK, events - done)
        table = generate(size, seed=seed + chunk, first_case=chunk * (CHUNK // 10))
        if parquet_writer is None:
            parquet_writer = pq.ParquetWriter(partial["parquet"], table.schema)
            if csv:
                csv_writer = pacsv.CSVWriter(partial["csv"], table.schema)
        parquet_writer.write_table(table, row_group_size=1_000_000)
        if csv_writer is not None:
            csv_writer.write_table(table)
        done += table.num_rows
        chunk += 1
    assert parquet_writer is not None
    parquet_writer.close()
    if csv_writer is not None:
        csv_writer.close()
    for kind, path in partial.items():
        path.replace(paths[kind])
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, nargs="+", default=[100_000, 1_000_000, 10_000_000])
    parser.add_argument("--out", type=Path, default=Path("benchmarks/data"))
    parser.add_argument("--no-csv", action="store_true")
    args = parser.parse_args()
    for n in args.events:
        for kind, path in write(n, args.out, csv=not args.no_csv).items():
            print(f"{kind}: {path} ({path.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
