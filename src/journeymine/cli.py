"""The ``journeymine`` command: mine a log, compute a journey map, list plugins, run the demo.

``journeymine mine PATH --format json`` prints one JSON object with sorted keys, byte-identical for
the same input::

    {"activities": {activity: events}, "cases": n, "dfg": [{"cases", "count", "median_s",
     "segment", "source", "target"}], "end": {activity: cases}, "events": n, "invalid_rows": n,
     "start": {activity: cases}, "variants": [{"cases", "segment", "share", "variant": [...]}]}

``journeymine journey PATH --map MAP.yaml --format json`` prints the journey-map figures (see
:class:`journeymine.journeymap.JourneyMapResult`): ``segments``, ``stages``, ``touchpoints``
(``stage, touchpoint, segment, customers, share, target_met_share, sentiment_mean``, ...),
``channels``, ``unmapped``, ``unreached``, ``off_map_transitions`` and ``moments_of_truth``.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from journeymine.errors import JourneymineError

if TYPE_CHECKING:
    import pandas as pd

    from journeymine.dfg import DFG
    from journeymine.eventlog import EventLog
    from journeymine.variants import Variants

__all__ = ["main", "mine_summary"]

TABLES = ("dfg", "variants", "activities", "cases")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="journeymine",
        description="Process mining of customer journeys: DFGs and variants per segment.",
    )
    parser.add_argument("--version", action="version", version=_version())
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    mine = sub.add_parser("mine", help="mine a log: activities, DFG, start/end, variants")
    mine.add_argument("path", help="a CSV, Parquet (file, folder, glob), XES file or SQLAlchemy URL")
    _mapping_arguments(mine)
    mine.add_argument("--by", help="segment by a case attribute, or cohort:month / cohort:week")
    mine.add_argument(
        "--bins", help="bin a numeric --by: a number of equal-count bins, or edges like 0,1e5,5e5"
    )
    mine.add_argument("--top", type=int, help="only the N most frequent variants per segment")
    mine.add_argument("--format", choices=("table", "json", "csv"), default="table")
    mine.add_argument("--table", choices=TABLES, default="dfg", help="which table --format csv prints")

    journey = sub.add_parser(
        "journey", help="journey-map figures per stage, touchpoint, channel and segment, against a map spec"
    )
    journey.add_argument("path", help="a CSV, Parquet (file, folder, glob), XES file or SQLAlchemy URL")
    _mapping_arguments(journey)
    journey.add_argument(
        "--map",
        required=True,
        dest="map_path",
        help="the journey map spec (YAML); 'demo' for the demo data's map",
    )
    journey.add_argument("--by", help="segment by a case attribute, or cohort:month / cohort:week")
    journey.add_argument("--bins", help="bin a numeric --by: a number of bins, or edges like 0,1e5,5e5")
    cut = journey.add_argument_group("cut journeys first (optional)")
    cut.add_argument("--gap", help="a new journey after this much inactivity (30D, 12h)")
    cut.add_argument(
        "--start", action="append", help="activity that opens a journey (repeatable; * patterns)"
    )
    cut.add_argument("--end", action="append", help="activity that completes a journey (repeatable)")
    cut.add_argument("--select", default="all", help="which journeys: all, first, last or a number from 0")
    journey.add_argument("--format", choices=("table", "json"), default="table")

    plugins = sub.add_parser("plugins", help="list installed plugins")
    plugins.add_argument("--format", choices=("table", "json"), default="table")

    demo = sub.add_parser("demo", help="write the demo journey data and mine it")
    demo.add_argument(
        "--out",
        type=Path,
        default=Path("journeymine-demo"),
        help="folder for demo_mortgage.csv (default: ./journeymine-demo)",
    )
    demo.add_argument("--by", default="segment", help="segment to compare (default: segment)")
    demo.add_argument("--top", type=int, default=5)
    demo.add_argument("--format", choices=("table", "json"), default="table")
    return parser


def _mapping_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("column mapping (XES names are mapped without flags)")
    group.add_argument("--case", help="case (customer, journey) id column")
    group.add_argument("--activity", help="activity (touchpoint) column")
    group.add_argument("--timestamp", help="timestamp column")
    group.add_argument("--channel", help="channel column")
    group.add_argument("--order", help="numeric order column, for logs without times")
    group.add_argument("--timestamp-format", help="strftime format, or epoch_s / epoch_ms / epoch_us")
    source = parser.add_argument_group("source")
    source.add_argument("--connector", help="force a connector (csv, parquet, xes, sql, ...)")
    source.add_argument("--engine", help="engine (default: duckdb)")
    source.add_argument(
        "--on-invalid",
        choices=("raise", "quarantine"),
        default="raise",
        help="unusable rows: fail naming them (default), or set them aside",
    )
    source.add_argument("--delimiter", help="CSV delimiter (sniffed by default)")
    source.add_argument("--na-values", help="comma-separated texts that mean missing in a CSV")
    source.add_argument("--sql-table", dest="sql_table", help="table to read from a database URL")
    source.add_argument("--query", help="query to run on a database URL")
    parser.add_argument("--quiet", action="store_true", help="no progress messages on stderr")


def _version() -> str:
    from journeymine import __version__

    return f"journeymine {__version__}"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 ok, 2 bad input).

    Examples
    --------
    >>> main(["plugins", "--format", "json"])  # doctest: +ELLIPSIS
    [...]
    0
    """
    from journeymine import progress

    args = _parser().parse_args(argv)
    try:
        if args.command == "mine":
            return _mine(args)
        if args.command == "plugins":
            return _plugins(args)
        if args.command == "journey":
            return _journey(args)
        return _demo(args)
    except JourneymineError as exc:
        print(f"journeymine: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. `journeymine mine ... | head`
        return 0
    finally:
        progress.disable()  # main() may be called from a program that carries on


def _read(args: argparse.Namespace) -> EventLog:
    from journeymine import progress
    from journeymine.eventlog import read_events

    if not args.quiet:
        progress.enable(sys.stderr)
    options: dict[str, Any] = {}
    if args.delimiter:
        options["delimiter"] = args.delimiter.encode().decode("unicode_escape")
    if args.na_values:
        options["na_values"] = args.na_values.split(",")
    if args.sql_table:
        options["table"] = args.sql_table
    if args.query:
        options["query"] = args.query
    return read_events(
        args.path,
        case=args.case,
        activity=args.activity,
        timestamp=args.timestamp,
        channel=args.channel,
        order=args.order,
        timestamp_format=args.timestamp_format,
        connector=args.connector,
        engine=args.engine,
        on_invalid=args.on_invalid,
        **options,
    )


def _bins(text: str | None) -> int | list[float] | None:
    if text is None:
        return None
    from journeymine.errors import SchemaError

    try:
        if "," not in text:
            return int(text)
        return [float(v) for v in text.split(",")]
    except ValueError:
        raise SchemaError(f"--bins takes a number of bins or comma-separated edges, not {text!r}") from None


def _mine(args: argparse.Namespace) -> int:
    from journeymine.dfg import discover_dfg
    from journeymine.variants import discover_variants

    log = _read(args)
    bins = _bins(args.bins)
    if args.format == "csv":
        table = _csv_table(log, args.table, args.by, bins, args.top)
        sys.stdout.write(table.to_csv(index=False))
        return 0
    dfg = discover_dfg(log, by=args.by, bins=bins)
    variants = discover_variants(log, by=args.by, bins=bins, top=args.top)
    summary = mine_summary(log, dfg, variants)
    if args.format == "json":
        print(json.dumps(summary, sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False))
    else:
        _print_table(log, dfg, variants)
    return 0


def _csv_table(
    log: EventLog, which: str, by: str | None, bins: int | list[float] | None, top: int | None
) -> pd.DataFrame:
    from journeymine.dfg import discover_dfg
    from journeymine.variants import discover_variants

    if which == "cases":
        return log.cases(by=by, bins=bins)
    if which == "variants":
        frame = discover_variants(log, by=by, bins=bins, top=top).to_frame()
        frame["variant"] = [" > ".join(v) for v in frame["variant"]]
        return frame
    dfg = discover_dfg(log, by=by, bins=bins)
    return dfg.activities if which == "activities" else dfg.edges


def mine_summary(log: EventLog, dfg: DFG, variants: Variants) -> dict[str, Any]:
    """The JSON-ready summary that ``journeymine mine --format json`` prints.

    ``activities``, ``start`` and ``end`` are for the whole log; ``dfg`` and ``variants`` are per
    segment (``segment`` is null without ``--by``).

    Examples
    --------
    >>> import journeymine as jm
    >>> log = jm.read_events(jm.datasets.load_demo(), case="customer_id",
    ...                      activity="touchpoint", timestamp="timestamp")
    >>> summary = mine_summary(log, jm.discover_dfg(log), jm.discover_variants(log, top=1))
    >>> sorted(summary)
    ['activities', 'cases', 'dfg', 'end', 'events', 'invalid_rows', 'start', 'variants']
    """
    acts = dfg.activities.groupby("activity", observed=True)["events"].sum()
    start = dfg.start.groupby("activity", observed=True)["cases"].sum()
    end = dfg.end.groupby("activity", observed=True)["cases"].sum()
    edges = [
        {
            "segment": _plain(r["segment"]),
            "source": r["source"],
            "target": r["target"],
            "count": int(r["count"]),
            "cases": int(r["cases"]),
            "median_s": _plain(r["median_s"]),
        }
        for r in dfg.edges.to_dict("records")
    ]
    rows = [
        {
            "segment": _plain(r["segment"]),
            "variant": list(r["variant"]),
            "cases": int(r["cases"]),
            "share": float(r["share"]),
        }
        for r in variants.table.to_dict("records")
    ]
    return {
        "events": log.n_events,
        "cases": log.n_cases,
        "invalid_rows": log.invalid_rows,
        "activities": {str(k): int(v) for k, v in acts.items()},
        "dfg": edges,
        "start": {str(k): int(v) for k, v in start.items()},
        "end": {str(k): int(v) for k, v in end.items()},
        "variants": rows,
    }


def _plain(value: Any) -> Any:
    """A JSON-safe Python value: None for missing, native numbers, str otherwise."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) or type(value).__module__ == "numpy":
        number = value.item() if hasattr(value, "item") else value
        if isinstance(number, float) and math.isnan(number):
            return None
        return number
    try:
        import pandas as pd

        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _print_table(log: EventLog, dfg: DFG, variants: Variants) -> None:
    import pandas as pd

    with pd.option_context("display.max_rows", 200, "display.width", 160, "display.max_colwidth", 80):
        print(repr(log))
        if log.invalid_rows:
            reasons = log.quarantine["reason"].value_counts().to_dict()
            print("rows set aside: " + ", ".join(f"{n} {r}" for r, n in reasons.items()))
        print("\nActivities")
        print(dfg.activities.to_string(index=False))
        print("\nDirectly-follows edges (most frequent first)")
        edges = dfg.edges.sort_values(["segment", "count"], ascending=[True, False], kind="stable")
        print(edges.to_string(index=False, float_format=lambda x: f"{x:,.1f}"))
        print("\nVariants")
        table = variants.to_frame()
        table["variant"] = [" > ".join(v) for v in table["variant"]]
        print(table.drop(columns=["variant_id"]).to_string(index=False, float_format=lambda x: f"{x:,.3f}"))


def _journey(args: argparse.Namespace) -> int:
    from journeymine.journeymap.figures import journey_map
    from journeymine.journeys import cut_journeys

    if args.map_path == "demo":
        from journeymine.datasets import load_demo_map

        spec: Any = load_demo_map()
    else:
        from journeymine.journeymap.spec import load_map

        spec = load_map(Path(args.map_path))
    log = _read(args)
    cut_report = None
    if args.gap or args.start or args.end:
        select: Any = int(args.select) if args.select.isdigit() else args.select
        try:
            log = cut_journeys(log, gap=args.gap, start=args.start, end=args.end, select=select)
        except ValueError as exc:
            raise JourneymineError(str(exc)) from None
        cut_report = log.report.to_dict()
    result = journey_map(log, spec, by=args.by, bins=_bins(args.bins))
    if args.format == "json":
        out = result.to_dict()
        out["source"] = log.source
        out["invalid_rows"] = log.invalid_rows
        if cut_report is not None:
            out["journeys"] = cut_report
        print(json.dumps(out, sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False, default=_plain))
        return 0
    _print_journey(result, cut_report)
    return 0


def _print_journey(result: Any, cut_report: dict[str, int] | None) -> None:
    import pandas as pd

    def show(title: str, frame: pd.DataFrame, columns: list[str]) -> None:
        print(f"\n{title}")
        if frame.empty:
            print("  (none)")
            return
        print(
            frame[[c for c in columns if c in frame.columns]].to_string(
                index=False, float_format=lambda x: f"{x:,.3f}"
            )
        )

    with pd.option_context("display.max_rows", 400, "display.width", 200, "display.max_colwidth", 40):
        s = result.summary
        print(
            f"Journey map {result.spec.journey!r}: {s['customers']:,} customers, {s['events']:,} events "
            f"({s['events_on_map']:,} on the map); complete = {s['completion']}"
        )
        if cut_report is not None:
            print("journeys cut: " + ", ".join(f"{k} {v:,}" for k, v in cut_report.items()))
        show("Segments", result.segments, list(result.segments.columns))
        base = [
            "segment",
            "customers",
            "share",
            "time_spent_h",
            "target_met_share",
            "sentiment_mean",
            "left_share",
        ]
        show("Stages", result.stages, ["stage", *base])
        show("Touchpoints", result.touchpoints, ["stage", "touchpoint", *base])
        show(
            "Touchpoints by channel",
            result.channels,
            [
                "touchpoint",
                "channel",
                "segment",
                "customers",
                "share_of_touchpoint",
                "target_met_share",
                "sentiment_mean",
            ],
        )
        show(
            "Moments of truth (complete vs not, among customers reaching the touchpoint)",
            result.moments_of_truth,
            [
                "rank",
                "touchpoint",
                "driver",
                "effect",
                "q_value",
                "sentiment_completed",
                "sentiment_not_completed",
                "miss_completed",
                "miss_not_completed",
            ],
        )
        show("Not on the map: activities", result.unmapped, ["activity", "events", "customers"])
        show(
            "Not on the map: transitions",
            result.off_map_transitions.head(20),
            list(result.off_map_transitions.columns),
        )
        show("On the map, reached by nobody", result.unreached, ["stage", "touchpoint", "activity"])


def _plugins(args: argparse.Namespace) -> int:
    from journeymine.registry import plugins

    table = plugins()
    if args.format == "json":
        records = table.astype(object).where(table.notna(), None).to_dict("records")
        print(json.dumps(records, sort_keys=True, indent=2))
    else:
        print(table.fillna("").to_string(index=False))
    return 0


def _demo(args: argparse.Namespace) -> int:
    from journeymine import datasets, progress
    from journeymine.dfg import discover_dfg
    from journeymine.eventlog import read_events
    from journeymine.variants import discover_variants

    progress.enable(sys.stderr)
    out = Path(args.out)
    path = datasets.write_demo(out if out.suffix.lower() == ".csv" else out / "demo_mortgage.csv")
    print(f"demo journey written to {path}", file=sys.stderr)
    cols = datasets.DEMO_COLUMNS
    log = read_events(
        path,
        case=cols["case"],
        activity=cols["activity"],
        timestamp=cols["timestamp"],
        channel=cols["channel"],
    )
    dfg = discover_dfg(log, by=args.by)
    variants = discover_variants(log, by=args.by, top=args.top)
    if args.format == "json":
        summary = mine_summary(log, dfg, variants)
        print(json.dumps(summary, sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False))
    else:
        _print_table(log, dfg, variants)
        flags = " ".join(f"--{k} {v}" for k, v in datasets.DEMO_COLUMNS.items())
        print(f"\nTry: journeymine mine {path} {flags} --by region --format json")
        print(f"     journeymine journey {path} {flags} --map demo --by segment")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
