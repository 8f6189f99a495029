"""The ``journeymine`` command: mine a log, compute a journey map, list plugins, run the demo.

``journeymine mine PATH --format json`` prints one JSON object with sorted keys, byte-identical for
the same input::

    {"activities": {activity: events},
     "case_durations": [{"cases", "max_s", "mean_s", "median_s", "min_s", "p90_s", "segment"}],
     "cases": n,
     "dfg": [{"cases", "count", "median_s", "segment", "source", "target"}],
     "end": {activity: cases}, "events": n, "invalid_rows": n, "start": {activity: cases},
     "variants": [{"cases", "segment", "share", "variant": [...]}]}

Durations are seconds in JSON and CSV, human units (``3 d 4 h``) in the tables. User errors exit
with 2 and one line on stderr, in flag words (see :func:`cli_words`); see ``docs/cli.md``.

``journeymine journey PATH --map MAP.yaml --format json`` prints the journey-map figures (see
:class:`journeymine.journeymap.JourneyMapResult`): ``segments``, ``stages``, ``touchpoints``
(``stage, touchpoint, segment, customers, share, target_met_share, sentiment_mean``, ...),
``channels``, ``unmapped``, ``unreached``, ``off_map_transitions`` and ``moments_of_truth``.

``journeymine improve PATH [--ideal IDEAL.yaml] [--what-if CHANGE ...] --format json`` prints
:meth:`journeymine.heuristics.Improvement.to_json` (keys sorted; byte-identical for the same input
and ``--seed``): ``findings`` ranked by impact, ``heuristics``, ``notes``, ``by``, ``seed``,
``cases``, ``outcome``, ``note``, and with an ideal ``reverse_thinking``, with changes
``what_if``. Its table gives the ranked findings with what to do, then reverse thinking, what-if
and notes. ``journeymine report --improve`` (or ``--ideal``) adds those sections to the report.

``journeymine compare PATH --by S [--groups A B | --rest A | --consecutive] [--against OTHER]
--format json`` prints :meth:`journeymine.Comparison.to_dict` (``edges``, ``variants``,
``omnibus``, ``distribution``, ``distribution_pairs``, ``durations``, ``kpis``, ``groups``,
``pairs``, ``settings``); ``--format csv|markdown|latex`` the tables for papers (``--table``
one of them). ``journeymine report --compare`` adds the comparison section.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import shlex
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from journeymine.errors import ArgumentError, JourneymineError
from journeymine.filters import FILTER_FLAGS

if TYPE_CHECKING:
    import pandas as pd

    from journeymine.dfg import DFG
    from journeymine.eventlog import EventLog
    from journeymine.variants import Variants

__all__ = ["cli_words", "main", "mine_summary"]

TABLES = ("dfg", "variants", "activities", "cases")


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--quiet", action="store_true", help="no progress messages or plugin warnings on stderr"
    )
    common.add_argument(
        "--debug",
        action="store_true",
        help="show tracebacks (of internal errors and broken plugins); also JOURNEYMINE_DEBUG=1",
    )
    parser = argparse.ArgumentParser(
        prog="journeymine",
        description="Process mining of customer journeys: DFGs and variants per segment.",
    )
    parser.add_argument("--version", action="version", version=_version())
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    mine = sub.add_parser("mine", parents=[common], help="mine a log: activities, DFG, start/end, variants")
    mine.add_argument("path", help="a CSV, Parquet (file, folder, glob), XES file or SQLAlchemy URL")
    _mapping_arguments(mine)
    _segment_arguments(mine)
    mine.add_argument(
        "--top", type=_positive_int, metavar="N", help="only the N most frequent variants per segment"
    )
    mine.add_argument("--format", choices=("table", "json", "csv"), default="table")
    mine.add_argument("--table", choices=TABLES, default="dfg", help="which table --format csv prints")

    journey = sub.add_parser(
        "journey",
        parents=[common],
        help="journey-map figures per stage, touchpoint, channel and segment, against a map spec",
    )
    journey.add_argument("path", help="a CSV, Parquet (file, folder, glob), XES file or SQLAlchemy URL")
    _mapping_arguments(journey)
    journey.add_argument(
        "--map",
        required=True,
        dest="map_path",
        help="the journey map spec (YAML); 'demo' for the demo data's map",
    )
    journey.add_argument(
        "--unmatched",
        choices=("error", "warn"),
        default="error",
        help="a touchpoint or outcome of the map that matches no activity: fail (default) or warn",
    )
    _segment_arguments(journey)
    cut = journey.add_argument_group("cut journeys first (optional)")
    cut.add_argument("--gap", help="a new journey after this much inactivity (30D, 12h)")
    cut.add_argument(
        "--start", action="append", help="activity that opens a journey (repeatable; * patterns)"
    )
    cut.add_argument("--end", action="append", help="activity that completes a journey (repeatable)")
    cut.add_argument(
        "--select", default="all", type=_select, help="which journeys: all, first, last or a number from 0"
    )
    journey.add_argument("--format", choices=("table", "json"), default="table")

    pmap = sub.add_parser(
        "map", parents=[common], help="draw the process map (Graphviz): frequency or performance, per segment"
    )
    pmap.add_argument("path", help="a CSV, Parquet (file, folder, glob), XES file or SQLAlchemy URL")
    _mapping_arguments(pmap)
    _segment_arguments(pmap)
    pmap.add_argument("--segment", help="the segment to draw (with --by), as the segments print")
    pmap.add_argument(
        "--measure",
        default="frequency",
        help="on the edges: frequency, cases, mean, median or p90; two at once as frequency+median",
    )
    pmap.add_argument(
        "--detail",
        type=_fraction,
        default=1.0,
        help="the share of transitions the drawn edges cover, 0 to 1 (default 1: every edge)",
    )
    pmap.add_argument(
        "-o", "--output", type=Path, help="FILE.svg, FILE.dot or FILE.png (default: SVG on stdout)"
    )
    pmap.add_argument("--format", choices=("svg", "dot", "png"), help="default: the ending of -o, else svg")

    report = sub.add_parser(
        "report",
        parents=[common],
        help="write a self-contained HTML report: overview, maps, variants, journey map",
    )
    report.add_argument("path", help="a CSV, Parquet (file, folder, glob), XES file or SQLAlchemy URL")
    _mapping_arguments(report)
    _segment_arguments(report)
    report.add_argument(
        "--map", dest="map_path", help="a journey map spec (YAML), or 'demo', for its section"
    )
    report.add_argument("--title", help="the report's title (default: the journey map's name, if any)")
    extra = report.add_argument_group("improve sections (optional)")
    extra.add_argument(
        "--improve",
        action="store_true",
        help="add the findings of the heuristics (implied by --ideal, --heuristic and --what-if)",
    )
    _improve_arguments(extra, outcome=False)
    versus = report.add_argument_group("comparison section (optional)")
    versus.add_argument(
        "--compare",
        action="store_true",
        help="add tested differences between the segments of --by, with the difference map",
    )
    _compare_arguments(versus, seed=False)
    report.add_argument(
        "-o", "--output", type=Path, default=Path("report.html"), help="the HTML file (default: report.html)"
    )

    improve = sub.add_parser(
        "improve",
        parents=[common],
        help="what to improve: ranked findings, reverse thinking against an ideal journey, what-if",
    )
    improve.add_argument("path", help="a CSV, Parquet (file, folder, glob), XES file or SQLAlchemy URL")
    _mapping_arguments(improve)
    _segment_arguments(improve)
    _improve_arguments(improve, outcome=True)
    improve.add_argument("--format", choices=("table", "json"), default="table")

    compare = sub.add_parser(
        "compare",
        parents=[common],
        help="tested differences between segments, periods or two logs (edges, variants, durations)",
    )
    compare.add_argument("path", help="a CSV, Parquet (file, folder, glob), XES file or SQLAlchemy URL")
    _mapping_arguments(compare)
    _segment_arguments(compare)
    _compare_arguments(compare)
    compare.add_argument(
        "--against",
        metavar="OTHER_PATH",
        help="a second log (same mapping flags): compare the two logs instead of segments",
    )
    compare.add_argument(
        "--map",
        dest="map_path",
        metavar="SPEC",
        help="a journey map spec (YAML), or 'demo': adds the journey KPIs",
    )
    compare.add_argument(
        "--table",
        choices=("groups", "edges", "variants", "omnibus", "distribution", "durations", "kpis"),
        help="only this table (csv, markdown, latex); default: all of them",
    )
    compare.add_argument("--format", choices=("table", "json", "csv", "markdown", "latex"), default="table")

    plugins = sub.add_parser("plugins", parents=[common], help="list installed plugins and their status")
    plugins.add_argument("--format", choices=("table", "json"), default="table")

    demo = sub.add_parser(
        "demo", parents=[common], help="write the demo journey data, mine it and write its HTML report"
    )
    demo.add_argument(
        "--out",
        type=Path,
        default=Path("journeymine-demo"),
        help="folder for demo_mortgage.csv and demo_report.html (default: ./journeymine-demo)",
    )
    demo.add_argument("--by", default="segment", help="segment to compare (default: segment)")
    demo.add_argument("--top", type=_positive_int, default=5, metavar="N")
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
    source.add_argument(
        "--delimiter",
        type=_delimiter,
        help="CSV delimiter: one character, or tab, comma, semicolon, pipe, space, \\t (sniffed by default)",
    )
    source.add_argument("--encoding", help="CSV text encoding (default utf-8), e.g. latin-1, cp1252")
    source.add_argument("--na-values", help="comma-separated texts that mean missing in a CSV")
    source.add_argument("--sql-table", dest="sql_table", help="table to read from a database URL")
    source.add_argument("--query", help="query to run on a database URL")
    source.add_argument(
        "--engine-setting",
        action="append",
        dest="engine_settings",
        metavar="KEY=VALUE",
        help="an engine setting, as in Python (repeatable): duckdb memory_limit=4GB, threads=2, "
        "temp_directory=DIR, database=FILE; spark master=local[2] or any spark.* key",
    )
    kept = parser.add_argument_group("filters (inside the engine; what they remove is counted on stderr)")
    kept.add_argument(
        "--keep",
        action="append",
        metavar="COL=V1,V2",
        help="only the events whose COL holds one of the values (repeatable: all must match)",
    )
    kept.add_argument(
        "--keep-cases",
        action="append",
        metavar="COL=V1,V2",
        help="only the cases whose case attribute COL holds one of the values (repeatable)",
    )
    kept.add_argument(
        "--period",
        metavar="START..END",
        help="a time period: 2011-11 (a month), 2011-11-01..2011-11-15, 2011..; END's unit is included",
    )
    kept.add_argument(
        "--period-mode",
        choices=("events", "contained", "intersecting"),
        help="with --period: the events inside (default), the cases entirely inside, or the cases "
        "with an event inside",
    )
    kept.add_argument(
        "--contains",
        action="append",
        metavar="ACTIVITY",
        help="only the cases that contain this activity (repeatable: all of them)",
    )
    kept.add_argument(
        "--lacks",
        action="append",
        metavar="ACTIVITY",
        help="only the cases that do not contain this activity (repeatable: none of them)",
    )


def _improve_arguments(parser: argparse.ArgumentParser | Any, *, outcome: bool) -> None:
    """The flags of ``improve`` (``outcome``: with --outcome, --sentiment and --map, which the
    report has of its own or takes from its --map)."""
    parser.add_argument(
        "--ideal",
        help="the ideal future-state journey (YAML, or BPMN with the pm4py extra), for reverse "
        "thinking; 'demo' for the demo's",
    )
    parser.add_argument(
        "--heuristic",
        action="append",
        dest="heuristics",
        metavar="NAME",
        help="run only this heuristic (repeatable; default: every one, see `journeymine plugins`)",
    )
    if outcome:
        parser.add_argument(
            "--outcome",
            action="append",
            metavar="ACTIVITY",
            help="activity that completes a journey (repeatable; * patterns; default: the ideal's)",
        )
        parser.add_argument("--sentiment", metavar="COLUMN", help="numeric event column with the sentiment")
        parser.add_argument(
            "--map",
            dest="map_path",
            metavar="SPEC",
            help="a journey map spec (YAML), or 'demo', for its outcome and sentiment",
        )
    parser.add_argument(
        "--what-if",
        action="append",
        dest="what_if",
        metavar="CHANGE",
        help="estimate a change (repeatable): remove:X, first-time-right:X, channel:X=CHANNEL",
    )
    parser.add_argument(
        "--seed",
        type=_seed,
        default=0,
        metavar="N",
        help="seeds every bootstrap interval (default 0): same seed, same output",
    )


def _compare_arguments(parser: argparse.ArgumentParser | Any, *, seed: bool = True) -> None:
    """The flags that choose the groups of a comparison and its tests (compare, report: which
    has a --seed of its own)."""
    which = parser.add_mutually_exclusive_group()
    which.add_argument(
        "--groups",
        nargs="+",
        metavar="NAME",
        help="the segments to compare, as they print (e.g. '[0, 5000)')",
    )
    which.add_argument("--rest", metavar="NAME", help="compare this segment with all other segments together")
    which.add_argument(
        "--consecutive", action="store_true", help="compare each segment with the one before (periods)"
    )
    parser.add_argument(
        "--alpha", type=_alpha, default=0.05, help="false discovery rate for 'significant' (default 0.05)"
    )
    parser.add_argument(
        "--permutations",
        type=_positive_int,
        default=999,
        metavar="N",
        help="permutations of the variant distribution test (default 999)",
    )
    parser.add_argument(
        "--min-count",
        type=_positive_int,
        default=10,
        metavar="N",
        help="fewest cases a transition or variant (and each group) needs to be tested (default 10)",
    )
    if seed:
        parser.add_argument(
            "--seed", type=_seed, default=0, metavar="N", help="seeds permutations and bootstraps (default 0)"
        )


def _segment_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--by", help="segment by a case attribute, or cohort:month / cohort:week")
    parser.add_argument(
        "--bins", help="bin a numeric --by: a number of equal-count bins, or edges like 0,1e5,5e5"
    )


#: names a delimiter can be given by on the command line
DELIMITERS = {
    "tab": "\t",
    "\\t": "\t",
    "comma": ",",
    "semicolon": ";",
    "pipe": "|",
    "space": " ",
}


def _delimiter(text: str) -> str:
    value = DELIMITERS.get(text.lower(), DELIMITERS.get(text, text))
    if len(value) != 1:
        names = ", ".join(k for k in DELIMITERS if k != "\\t")
        raise argparse.ArgumentTypeError(f"takes one character or one of {names}, \\t; not {text!r}")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1 or str(value) != text.strip().lstrip("+"):
        raise argparse.ArgumentTypeError(f"takes a whole number of at least 1, not {text!r}")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"takes a whole number of 0 or more, not {text!r}")
    return value


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"takes a share of transitions above 0 and at most 1, not {text!r}")
    return value


def _alpha(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(
            f"takes a false discovery rate above 0 and below 1 (such as 0.05), not {text!r}"
        )
    return value


def _select(text: str) -> str | int:
    if text in ("all", "first", "last"):
        return text
    if text.isdigit():
        return int(text)
    raise argparse.ArgumentTypeError(f"takes all, first, last or a journey number from 0, not {text!r}")


def _version() -> str:
    from journeymine import __version__

    return f"journeymine {__version__}"


#: Python arguments and the flags that stand for them, for messages shown on the command line
FLAGS = {
    "case": "--case",
    "activity": "--activity",
    "timestamp": "--timestamp",
    "channel": "--channel",
    "order": "--order",
    "timestamp_format": "--timestamp-format",
    "connector": "--connector",
    "engine": "--engine",
    "on_invalid": "--on-invalid",
    "delimiter": "--delimiter",
    "encoding": "--encoding",
    "na_values": "--na-values",
    "table": "--sql-table",
    "query": "--query",
    "by": "--by",
    "bins": "--bins",
    "top": "--top",
    "gap": "--gap",
    "start": "--start",
    "end": "--end",
    "select": "--select",
    "unmatched": "--unmatched",
    "spec": "--map",
    "map": "--map",
    "segment": "--segment",
    "measure": "--measure",
    "detail": "--detail",
    "title": "--title",
    "ideal": "--ideal",
    "improve": "--improve",
    "heuristics": "--heuristic",
    "outcome": "--outcome",
    "sentiment": "--sentiment",
    "what_if": "--what-if",
    "seed": "--seed",
    "groups": "--groups",
    "rest": "--rest",
    "consecutive": "--consecutive",
    "against": "--against",
    "alpha": "--alpha",
    "permutations": "--permutations",
    "min_count": "--min-count",
}
# the filter flags the command line takes (the rest of journeymine.filters.FILTER_FLAGS are Python only)
FLAGS.update(
    {
        k: v
        for k, v in FILTER_FLAGS.items()
        if k in ("keep", "keep_cases", "period", "period_mode", "contains", "lacks")
    }
)
_ARGUMENT = re.compile(
    r"(?<![\w.\-])(" + "|".join(sorted(FLAGS, key=len, reverse=True)) + r")="
    r"""(?:'([^']*)'|"([^"]*)"|(\.\.\.)|([A-Za-z0-9_%/+-][A-Za-z0-9_.:+%/-]*))?"""
)


def cli_words(message: str) -> str:
    """Rewrite the Python arguments a message names (``pass on_invalid='quarantine'``) as flags.

    Library messages name arguments the Python way, ``name=value``; on the command line the same
    hint reads ``--name value``.

    Examples
    --------
    >>> cli_words("pass on_invalid='quarantine' to set them aside")
    'pass --on-invalid quarantine to set them aside'
    >>> cli_words("pass timestamp=... (the column with the times)")
    'pass --timestamp ... (the column with the times)'
    >>> cli_words("bins= needs by=: name the attribute; pass encoding='latin-1'")
    '--bins needs --by: name the attribute; pass --encoding latin-1'
    >>> cli_words("or pass connector=xes.")
    'or pass --connector xes.'
    >>> cli_words("raise SparkEngine(max_case_events=...)")
    'raise SparkEngine(max_case_events=...)'
    >>> cli_words("no outcome given (outcome=, --outcome or the map's)")  # said once
    "no outcome given (--outcome or the map's)"
    """

    def flag(match: re.Match[str]) -> str:
        name = FLAGS[match.group(1)]
        value = next((g for g in match.groups()[1:] if g is not None), None)
        if value is None:
            return name
        if value == "...":
            return f"{name} ..."
        tail = ""
        if match.group(5) is not None and value.endswith((".", ":")):  # the sentence's, not the value's
            value, tail = value.rstrip(".:"), value[len(value.rstrip(".:")) :]
        return f"{name} {shlex.quote(value)}{tail}"

    return _TWICE.sub(r"\1", _ARGUMENT.sub(flag, message))


#: a flag named twice in a row once the Python argument became it (``outcome=, --outcome``)
_TWICE = re.compile(r"(--[a-z][a-z0-9-]*)(?:,? (?:or )?\1(?![\w-]))+")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 ok, 1 internal error, 2 bad input).

    A user's mistake (a missing column, a bad flag value, an unreadable file) is one line on
    stderr and exit code 2; an unexpected error is one line pointing to ``--debug`` (which shows
    the traceback) and exit code 1. Plugin warnings are one line each (``--quiet`` silences them).

    Examples
    --------
    >>> main(["plugins", "--format", "json"])  # doctest: +ELLIPSIS
    [...]
    0
    """
    import warnings

    from journeymine import progress

    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # a bad flag (argparse said why, exit 2), or --help / --version
        return exc.code if isinstance(exc.code, int) else 2
    debug = bool(args.debug) or os.environ.get("JOURNEYMINE_DEBUG", "").lower() in {"1", "true", "yes"}
    saved = os.environ.get("JOURNEYMINE_DEBUG")
    if args.debug:
        os.environ["JOURNEYMINE_DEBUG"] = "1"  # plugin warnings carry their tracebacks
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("default")
            warnings.showwarning = _warning_printer(quiet=args.quiet, debug=debug)
            if args.command == "mine":
                return _mine(args)
            if args.command == "plugins":
                return _plugins(args)
            if args.command == "journey":
                return _journey(args)
            if args.command == "map":
                return _map(args)
            if args.command == "report":
                return _report(args)
            if args.command == "improve":
                return _improve(args)
            if args.command == "compare":
                return _compare(args)
            return _demo(args)
    except JourneymineError as exc:
        text = str(exc) if getattr(exc, "cli_words", False) else cli_words(str(exc))
        print(f"journeymine: error: {text}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. `journeymine mine ... | head`
        return 0
    except OSError as exc:  # a file that cannot be read or written: the user's to fix
        where = f": {exc.filename}" if exc.filename else ""
        print(f"journeymine: error: {exc.strerror or exc}{where}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("journeymine: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug, not the user's mistake
        if debug:
            traceback.print_exc()
        hint = "" if debug else "; run again with --debug to see the traceback"
        text = str(exc).splitlines()[0] if str(exc) else ""
        print(
            f"journeymine: internal error: {type(exc).__name__}: {text}{hint}, and please report it",
            file=sys.stderr,
        )
        return 1
    finally:
        progress.disable()  # main() may be called from a program that carries on
        if args.debug:
            if saved is None:
                os.environ.pop("JOURNEYMINE_DEBUG", None)
            else:
                os.environ["JOURNEYMINE_DEBUG"] = saved


def _warning_printer(*, quiet: bool, debug: bool) -> Any:
    """A ``warnings.showwarning`` that prints each warning once, as one line for people."""
    from journeymine.registry import PluginWarning

    shown: set[str] = set()

    def show(message: Any, category: type[Warning], filename: str, lineno: int, *_: Any, **__: Any) -> None:
        text = str(message)
        if issubclass(category, PluginWarning):
            if quiet:
                return
        elif not (category.__module__.startswith("journeymine") or debug):
            return  # other libraries' warnings are for developers: see them with --debug
        if text in shown:
            return
        shown.add(text)
        print(f"journeymine: warning: {cli_words(text)}", file=sys.stderr)

    return show


def _read(args: argparse.Namespace, path: str | None = None) -> EventLog:
    from journeymine import progress
    from journeymine.eventlog import read_events

    if not args.quiet:
        progress.enable(sys.stderr)
    options: dict[str, Any] = {}
    if args.delimiter:
        options["delimiter"] = args.delimiter
    if args.encoding:
        options["encoding"] = args.encoding
    if args.na_values:
        options["na_values"] = args.na_values.split(",")
    if args.sql_table:
        options["table"] = args.sql_table
    if args.query:
        options["query"] = args.query
    log = read_events(
        args.path if path is None else path,
        case=args.case,
        activity=args.activity,
        timestamp=args.timestamp,
        channel=args.channel,
        order=args.order,
        timestamp_format=args.timestamp_format,
        connector=args.connector,
        engine=_engine(args),
        on_invalid=args.on_invalid,
        **options,
    )
    for note in getattr(log, "notes", ()):
        print(f"journeymine: note: {cli_words(note)}", file=sys.stderr)
    return _filtered(args, log)


def _engine(args: argparse.Namespace) -> Any:
    """The engine of --engine, created with the --engine-setting values when there are any."""
    from journeymine.registry import create_engine

    pairs = getattr(args, "engine_settings", None) or []
    if not pairs:
        return args.engine
    settings: dict[str, str] = {}
    for pair in pairs:
        key, eq, value = pair.partition("=")
        if not eq or not key.strip():
            raise ArgumentError(f"--engine-setting takes KEY=VALUE (memory_limit=4GB), not {pair!r}")
        settings[key.strip()] = value.strip()
    cache = args.__dict__.setdefault("_engine_instance", {})
    if "engine" not in cache:  # one engine for every log a command reads (compare --against)
        cache["engine"] = create_engine(args.engine or "duckdb", settings, flag="--engine-setting")
    return cache["engine"]


def _values(flag: str, pairs: Sequence[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for pair in pairs:
        column, eq, values = pair.partition("=")
        if not eq or not column or not values:
            raise ArgumentError(f"{flag} takes COL=V1,V2 (lifecycle:transition=COMPLETE), not {pair!r}")
        out.setdefault(column, []).extend(values.split(","))
    return out


def _filtered(args: argparse.Namespace, log: EventLog) -> EventLog:
    """The log with the filter flags applied, and on stderr what each step kept."""
    from journeymine.filters import EmptyFilterError

    options: dict[str, Any] = {}
    if getattr(args, "keep", None):
        options["keep"] = _values("--keep", args.keep)
    if getattr(args, "keep_cases", None):
        options["keep_cases"] = _values("--keep-cases", args.keep_cases)
    if getattr(args, "period", None):
        options["period"] = args.period
    if getattr(args, "period_mode", None):
        if not options.get("period"):
            raise ArgumentError("--period-mode needs --period START..END")
        options["period_mode"] = args.period_mode
    for name in ("contains", "lacks"):
        if getattr(args, name, None):
            options[name] = list(args.__dict__[name])
    if not options:
        return log
    try:
        out = log.filter(**options)
    except EmptyFilterError as exc:
        raise exc.for_cli() from None
    if not getattr(args, "quiet", False):
        for step in out.filters:
            print(f"journeymine: filter: {step.sentence(cli=True)}", file=sys.stderr)
    return out


def _bins(text: str | None) -> int | list[float] | None:
    if text is None:
        return None
    try:
        if "," not in text:
            return int(text)
        return [float(v) for v in text.split(",")]
    except ValueError:
        raise ArgumentError(
            f"--bins takes a number of bins (4) or comma-separated edges (0,1e5,5e5), not {text!r}"
        ) from None


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
    summary = mine_summary(log, dfg, variants, by=args.by, bins=bins)
    if args.format == "json":
        print(json.dumps(summary, sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False))
    else:
        _print_table(log, dfg, variants, summary)
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


def mine_summary(
    log: EventLog, dfg: DFG, variants: Variants, *, by: str | None = None, bins: Any = None
) -> dict[str, Any]:
    """The JSON-ready summary that ``journeymine mine --format json`` prints.

    ``activities``, ``start`` and ``end`` are for the whole log; ``dfg``, ``variants`` and
    ``case_durations`` are per segment (``segment`` is null without ``--by``), segments in
    their documented order (bins by value). Durations are in seconds (``*_s``).

    Examples
    --------
    >>> import journeymine as jm
    >>> log = jm.datasets.load_demo_log()
    >>> summary = mine_summary(log, jm.discover_dfg(log), jm.discover_variants(log, top=1))
    >>> sorted(summary)
    ['activities', 'case_durations', 'cases', 'dfg', 'end', 'events', 'invalid_rows', 'start', 'variants']
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
    durations = [
        {k: int(v) if k == "cases" else _plain(v) for k, v in r.items()}
        for r in log.case_durations(by=by, bins=bins).to_dict("records")
    ]
    return {
        "events": log.n_events,
        "cases": log.n_cases,
        "invalid_rows": log.invalid_rows,
        **({"filters": [f.to_dict() for f in log.filters]} if log.filters else {}),
        "activities": {str(k): int(v) for k, v in acts.items()},
        "dfg": edges,
        "start": {str(k): int(v) for k, v in start.items()},
        "end": {str(k): int(v) for k, v in end.items()},
        "variants": rows,
        "case_durations": durations,
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


def _width() -> int | None:
    """The terminal's width, to fit tables to; ``None`` (no cutting) when stdout is no terminal."""
    import shutil

    try:
        if not sys.stdout.isatty():
            return None
    except (AttributeError, ValueError):  # a closed or unusual stdout
        return None
    return max(60, shutil.get_terminal_size((120, 24)).columns)


#: shorter headers for the journey tables, so that more of the names fit
JOURNEY_LABELS = {
    "completed_share": "share",
    "target_met_share": "target met",
    "sentiment_mean": "sentiment",
    "left_share": "left after",
    "share_of_touchpoint": "of touchpoint",
    "nps_respondents": "respondents",
    "sentiment_completed": "sentiment: complete",
    "sentiment_not_completed": "not complete",
    "miss_completed": "missed: complete",
    "miss_not_completed": "not complete",
}


def _show(
    title: str,
    frame: pd.DataFrame,
    *,
    flex: str | Sequence[str] | None = None,
    labels: dict[str, str] | None = None,
) -> None:
    from journeymine.display import frame_table

    print(f"\n{title}")
    if frame.empty:
        print("  (none)")
        return
    print(frame_table(frame, width=_width(), flex=flex, indent=2, labels=labels))


def _many(n: int, one: str, more: str | None = None) -> str:
    """``1 case``, ``2,000 cases``."""
    from journeymine.display import format_count

    return f"{format_count(n)} {one if n == 1 else more or one + 's'}"


def _print_table(log: EventLog, dfg: DFG, variants: Variants, summary: dict[str, Any]) -> None:
    import pandas as pd

    from journeymine.display import format_count

    s = log.stats
    print(
        f"{log.source}: {_many(s.events, 'event')}, {_many(s.cases, 'case')}, "
        f"{_many(s.activities, 'activity', 'activities')} (engine {log.engine.name})"
    )
    if log.invalid_rows:
        reasons = dict(s.invalid_reasons)
        print(
            f"rows set aside: {format_count(log.invalid_rows)} ("
            + ", ".join(f"{format_count(n)} {r}" for r, n in reasons.items())
            + ")"
        )
    segmented = dfg.by is not None

    def cols(frame: pd.DataFrame) -> pd.DataFrame:
        return frame if segmented else frame.drop(columns=["segment"])

    durations = pd.DataFrame(summary["case_durations"])
    if not durations.empty:
        title = "Case durations" if log.stats.timed else "Cases (no timestamps: durations are absent)"
        _show(title, cols(durations), flex="segment")
    names = ("segment", "activity")
    _show("Activities", cols(dfg.activities), flex=names)
    _show("Start activities (cases that begin with it)", cols(dfg.start), flex=names)
    _show("End activities (cases that end with it)", cols(dfg.end), flex=names)
    edges = dfg.edges.sort_values(["segment", "count"], ascending=[True, False], kind="stable")
    _show(
        "Directly-follows edges (most frequent first)",
        cols(edges.reset_index(drop=True)),
        flex=("segment", "source", "target"),
    )
    table = variants.to_frame().drop(columns=["variant_id"])
    table["variant"] = [" > ".join(v) for v in table["variant"]]
    order = ("segment", "cases", "share", "events", "median_duration_s", "variant")
    table = table[[c for c in order if c in table]]
    title = "Variants (most frequent first; full paths in --format json)"
    _show(title, cols(table), flex=("segment", "variant"))


def _journey(args: argparse.Namespace) -> int:
    from journeymine.journeymap.figures import journey_map
    from journeymine.journeys import cut_journeys

    spec = _spec(args.map_path)
    log = _read(args)
    cut_report = None
    if args.gap or args.start or args.end:
        log = cut_journeys(
            log, gap=args.gap, start=args.start, end=args.end, select=args.select, unmatched=args.unmatched
        )
        cut_report = log.report.to_dict()
    result = journey_map(log, spec, by=args.by, bins=_bins(args.bins), unmatched=args.unmatched)
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
    from journeymine.display import format_count

    names = ("segment", "stage", "touchpoint", "activity", "channel", "driver", "source", "target")

    def show(title: str, frame: pd.DataFrame, columns: list[str]) -> None:
        shown = frame[[c for c in columns if c in frame.columns]] if not frame.empty else frame
        _show(title, shown, flex=names, labels=JOURNEY_LABELS)

    s = result.summary
    print(
        f"Journey map {result.spec.journey!r}: {format_count(s['customers'])} customers, "
        f"{format_count(s['events'])} events ({format_count(s['events_on_map'])} on the map); "
        f"complete = {s['completion']}"
    )
    if cut_report is not None:
        print("journeys cut: " + ", ".join(f"{k} {format_count(v)}" for k, v in cut_report.items()))
    show(
        "Segments (intervals in --format json)",
        result.segments,
        ["segment", "customers", "completed", "completed_share", "nps", "nps_respondents"],
    )
    base = [
        "segment",
        "customers",
        "share",
        "time_spent_s",
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
    show("On the map, reached by nobody", result.unreached, ["stage", "touchpoint", "activity", "reason"])


def _spec(map_path: str | None) -> Any:
    if map_path is None:
        return None
    if map_path == "demo":
        from journeymine.datasets import load_demo_map

        return load_demo_map()
    from journeymine.journeymap.spec import load_map

    return load_map(Path(map_path))


def _map(args: argparse.Namespace) -> int:
    from journeymine.dfg import discover_dfg
    from journeymine.views import render

    if args.segment is not None and args.by is None:
        raise ArgumentError("--segment needs --by: name the case attribute whose segment to draw")
    fmt = args.format or (args.output.suffix.lower().lstrip(".") if args.output else "svg") or "svg"
    if args.output is None and fmt == "png" and sys.stdout.isatty():
        raise ArgumentError("a PNG is not for the terminal: pass -o FILE.png (or redirect stdout)")
    log = _read(args)
    dfg = discover_dfg(log, by=args.by, bins=_bins(args.bins))
    options: dict[str, Any] = {"measure": args.measure, "detail": args.detail}
    if args.by is not None and args.segment is None:
        return _segment_maps(dfg, fmt, args.output, options)
    if args.segment is not None:
        options["segment"] = args.segment
    out = render(dfg, fmt, path=args.output, renderer="process-map", **options)
    if args.output is not None:
        print(f"journeymine: process map written to {args.output}", file=sys.stderr)
    elif isinstance(out, bytes):
        sys.stdout.buffer.write(out)
    else:
        sys.stdout.write(out)
    return 0


def _segment_maps(dfg: DFG, fmt: str, output: Path | None, options: dict[str, Any]) -> int:
    """``map --by S`` without ``--segment``: one file per segment, drawn comparably."""
    from journeymine.views import write_output
    from journeymine.views.processmap import segment_maps

    if output is None:
        raise ArgumentError(
            "--by without --segment draws one map per segment: pass -o FILE.svg (the maps are "
            "written beside it, one per segment), or --segment V for one map on stdout"
        )
    maps = segment_maps(dfg, format=fmt, **options)
    used: set[str] = set()
    for segment, out in maps.items():
        slug = (
            re.sub(r"[^0-9A-Za-z]+", "-", "none" if segment is None else str(segment)).strip("-") or "segment"
        )
        name, n = slug, 1
        while name in used:
            n += 1
            name = f"{slug}-{n}"
        used.add(name)
        target = output.with_name(f"{output.stem}.{name}{output.suffix or '.' + fmt}")
        write_output(target, out)
        print(f"journeymine: process map of {dfg.by} = {segment} written to {target}", file=sys.stderr)
    return 0


def _report(args: argparse.Namespace) -> int:
    from journeymine.views.report import report

    spec = _spec(args.map_path)
    ideal = _ideal(args.ideal)
    changes = _changes(args.what_if)
    if args.heuristics:
        _check_heuristics(args.heuristics)
    log = _read(args)
    report(
        log,
        by=args.by,
        bins=_bins(args.bins),
        map=spec,
        path=args.output,
        title=args.title,
        ideal=ideal,
        improve=args.improve,
        heuristics=args.heuristics,
        what_if=changes,
        seed=args.seed,
        compare=_report_comparison(args),
    )
    print(f"journeymine: report written to {args.output}", file=sys.stderr)
    return 0


def _report_comparison(args: argparse.Namespace) -> dict[str, Any] | bool:
    """``report --compare``: the compare arguments of the flags (``False`` without --compare)."""
    chosen = args.groups or args.rest or args.consecutive
    if not args.compare:
        if chosen:
            raise ArgumentError(
                "--groups, --rest and --consecutive choose the groups of --compare; add --compare"
            )
        return False
    if not args.by:
        raise ArgumentError("--compare compares the segments of --by: add --by COLUMN")
    return {
        "groups": args.groups,
        "rest": args.rest,
        "consecutive": args.consecutive,
        "alpha": args.alpha,
        "permutations": args.permutations,
        "min_count": args.min_count,
    }


def _ideal(path: str | None) -> Any:
    """The ideal journey of ``--ideal`` (``demo``: the demo data's), read before the log."""
    if path is None:
        return None
    if path == "demo":
        from journeymine.datasets import load_demo_ideal

        return load_demo_ideal()
    from journeymine.heuristics.ideal import load_ideal

    return load_ideal(Path(path))


def _changes(texts: Sequence[str] | None) -> tuple[Any, ...]:
    """The changes of ``--what-if``, parsed before the log is read (a typo fails at once)."""
    if not texts:
        return ()
    from journeymine.heuristics.whatif import Change

    return tuple(Change.parse(text) for text in texts)


def _improve(args: argparse.Namespace) -> int:
    from journeymine.heuristics.run import improve

    spec = _spec(args.map_path)
    ideal = _ideal(args.ideal)
    changes = _changes(args.what_if)
    if args.heuristics:
        _check_heuristics(args.heuristics)
    log = _read(args)
    result = improve(
        log,
        by=args.by,
        bins=_bins(args.bins),
        ideal=ideal,
        heuristics=args.heuristics,
        outcome=args.outcome,
        sentiment=args.sentiment,
        map=spec,
        what_if=changes,
        seed=args.seed,
    )
    if args.format == "json":
        print(result.to_json())
        return 0
    _print_improvement(result, log)
    return 0


def _compare(args: argparse.Namespace) -> int:
    from journeymine.comparison.run import compare

    spec = _spec(args.map_path)
    if args.against is not None and (args.by or args.groups or args.rest or args.consecutive):
        raise ArgumentError(
            "--against compares two logs as a whole; leave out --by, --groups, --rest and --consecutive"
        )
    log = _read(args)
    other = _read(args, args.against) if args.against is not None else None
    result = compare(
        log,
        other,
        by=args.by,
        bins=_bins(args.bins),
        groups=args.groups,
        rest=args.rest,
        consecutive=args.consecutive,
        map=spec,
        alpha=args.alpha,
        seed=args.seed,
        permutations=args.permutations,
        min_count=args.min_count,
    )
    if args.format == "json":
        print(json.dumps(result.to_dict(), sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False))
    elif args.format == "csv":
        sys.stdout.write(result.to_csv(args.table))
    elif args.format == "markdown":
        sys.stdout.write(result.to_markdown(args.table))
    elif args.format == "latex":
        sys.stdout.write(result.to_latex(args.table))
    else:
        _print_comparison(result, log)
    return 0


def _print_comparison(result: Any, log: EventLog) -> None:
    """``compare --format table``: the groups, the overall test, the significant differences."""
    import pandas as pd

    from journeymine.display import format_count, format_duration

    s = result.settings
    groups = ", ".join(
        f"{g} ({format_count(int(n))} cases)" for g, n in zip(result.groups["group"], result.groups["cases"])
    )
    print(f"{log.source}: {groups}")
    left_out = s.get("left_out") or {}
    if left_out:
        cases = sum(left_out.values())
        which = "; ".join(f"{k}: {format_count(n)}" for k, n in left_out.items())
        print(f"not in any group: {_many(cases, 'case')} ({which})")
    print(
        f"significant: q < {s['alpha']:g} (Benjamini-Hochberg over each table); "
        f"seed {s['seed']}, {s['permutations']} permutations; full tables in --format json or csv"
    )

    def pct(x: Any) -> str:
        return "" if pd.isna(x) else f"{100 * x:.1f}%"

    def pp(x: Any) -> str:
        return "" if pd.isna(x) else f"{100 * x:+.1f} pp"

    def pval(x: Any) -> str:
        return "" if pd.isna(x) else ("<0.001" if x < 0.001 else f"{x:.3g}")

    dist = result.distribution.copy()
    if not dist.empty:
        dist = dist.assign(
            group_a=dist["group_a"].fillna("(all)"),
            group_b=dist["group_b"].fillna("(omnibus)"),
            statistic=[f"{x:.4f}" for x in dist["statistic"]],
            p=[pval(x) for x in dist["p"]],
        )
        _show(
            "Variant distributions (Jensen-Shannon divergence, permutation test)",
            dist.drop(columns=["seed", "method"]),
        )
    for name, title, keys in (
        ("edges", "Transitions that differ (share of cases containing them)", ["source", "target"]),
        ("variants", "Variants that differ (share of cases)", ["variant"]),
    ):
        frame = result.significant(name)
        tested = int(result.table(name)["p"].notna().sum()) if not result.table(name).empty else 0
        shown = frame.head(20)
        table = pd.DataFrame({"a": shown["group_a"], "b": shown["group_b"]})
        for k in keys:
            table[k] = [" > ".join(v) for v in shown[k]] if k == "variant" else shown[k]
        table["share a"] = [pct(x) for x in shown["share_a"]]
        table["share b"] = [pct(x) for x in shown["share_b"]]
        table["a - b"] = [pp(x) for x in shown["diff"]]
        table["interval"] = [f"[{pp(lo)}, {pp(hi)}]" for lo, hi in zip(shown["ci_low"], shown["ci_high"])]
        table["q"] = [pval(x) for x in shown["q"]]
        _show(f"{title}: {len(frame)} of {tested} tested", table, flex=keys)
    if not result.durations.empty:
        significant = result.significant("durations")
        frame = significant.head(20)
        tested = int(result.durations["p"].notna().sum())
        table = pd.DataFrame(
            {
                "a": frame["group_a"],
                "b": frame["group_b"],
                "what": [
                    "whole case" if lv == "case" else f"{src} -> {tgt}"
                    for lv, src, tgt in zip(frame["level"], frame["source"], frame["target"])
                ],
                "median a": [format_duration(x) for x in frame["median_a_s"]],
                "median b": [format_duration(x) for x in frame["median_b_s"]],
                "a - b": [("-" if x < 0 else "+") + format_duration(abs(x)) for x in frame["diff_s"]],
                "q": [pval(x) for x in frame["q"]],
            }
        )
        _show(f"Durations that differ (medians): {len(significant)} of {tested} tested", table, flex="what")
    if not result.kpis.empty:
        significant = result.significant("kpis")
        frame = significant.head(20)
        table = pd.DataFrame(
            {
                "a": frame["group_a"],
                "b": frame["group_b"],
                "kpi": frame["kpi"],
                "stage": frame["stage"].fillna(""),
                "a value": [
                    f"{x:.3g}" if k == "sentiment" else pct(x) for k, x in zip(frame["kpi"], frame["value_a"])
                ],
                "b value": [
                    f"{x:.3g}" if k == "sentiment" else pct(x) for k, x in zip(frame["kpi"], frame["value_b"])
                ],
                "a - b": [
                    f"{x:+.3g}" if k == "sentiment" else pp(x) for k, x in zip(frame["kpi"], frame["diff"])
                ],
                "q": [pval(x) for x in frame["q"]],
            }
        )
        _show(
            f"Journey KPIs that differ: {len(significant)} of {int(result.kpis['p'].notna().sum())} tested",
            table,
            flex="stage",
        )


def _check_heuristics(names: Sequence[str]) -> None:
    """``--heuristic`` names that no plugin registered: refused before the log is read."""
    from difflib import get_close_matches

    from journeymine.registry import heuristics

    known = heuristics()
    for name in names:
        if name not in known:
            close = get_close_matches(name, list(known), n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise ArgumentError(
                f"--heuristic {name!r} is no heuristic{hint}; the heuristics: {', '.join(sorted(known))}"
            )


def _print_improvement(result: Any, log: EventLog) -> None:
    """``improve --format table``: findings, reverse thinking, what-if, notes."""
    from journeymine.display import format_count, format_share, text_table
    from journeymine.heuristics import sections as words

    data = result.data
    segmented = f" by {result.by} ({len(data.segments)} segments)" if result.by is not None else ""
    outcome = ", ".join(data.outcome) if data.outcome else "none given"
    width = _width()
    print(f"{log.source}: {_many(data.n_cases, 'case')}{segmented}; complete = {outcome}")
    _say(
        f"heuristics: {', '.join(name for name, _ in result.heuristics) or 'none'}; seed {result.seed}", width
    )
    print(
        f"\nFindings (ranked by impact; {words.level(data.confidence)} intervals; "
        "explanations and evidence in --format json)"
    )
    if not result.findings:
        print("  (none: no heuristic found something that goes wrong)")
    else:
        rows = [
            [
                str(i),
                f.title,
                format_count(f.cases),
                words.share_text(f.share, f.share_ci),
                words.impact_short(f.impact),
                "yes" if f.impact.material else "no",
            ]
            for i, f in enumerate(result.findings, 1)
        ]
        header = ["rank", "finding", "cases", "share of cases", "impact", "sure"]
        print(text_table(rows, header, align="><>><<", width=width, flex=1, indent=2))
        print("  sure: the whole interval of the impact is on the harmful side")
        print("\nWhat to do, by rank")
        for i, f in enumerate(result.findings, 1):
            value, interval = words.impact_text(f.impact)
            where = [
                f"{s.segment} ({format_share(s.share)} vs {format_share(s.rest_share)} elsewhere)"
                for s in f.segments
                if s.segment in f.concentrated_in
            ]
            impact = f"impact: {value}" + (
                f" ({words.level(data.confidence)} interval {interval})" if interval else ""
            )
            if where:
                impact += f"; concentrated in {', '.join(where)}"
            lead = f"{i}. "
            _say(f"{lead}{f.title} [{f.heuristic}]", width, indent=2, hang=len(lead))
            _say(f"do: {f.action or 'no action suggested'}", width, indent=2 + len(lead), hang=4)
            _say(impact, width, indent=2 + len(lead), hang=8)
    if result.reverse_thinking is not None:
        _print_reverse(result.reverse_thinking.to_dict(), width)
    for estimate in result.what_if:
        _print_what_if(estimate.to_dict(), width)
    notes = [*result.notes, words.observational(result)]
    print("\nNotes")
    for note in notes:
        _say(f"- {cli_words(note)}", width, indent=2, hang=2)


def _say(text: str, width: int | None, *, indent: int = 0, hang: int = 0) -> None:
    """Print a line of prose, wrapped to the terminal (only on a terminal, as the tables are)."""
    import textwrap

    lead = " " * indent
    if width is None:
        print(lead + text)
        return
    print(textwrap.fill(text, width=width, initial_indent=lead, subsequent_indent=lead + " " * hang))


def _print_reverse(rt: dict[str, Any], width: int | None) -> None:
    from journeymine.display import format_count, text_table
    from journeymine.heuristics import sections as words

    outcome = rt.get("outcome")
    outcome_text = ", ".join(outcome) if isinstance(outcome, list) else outcome
    print()
    _say(
        f"Reverse thinking: the journeys against the ideal {rt.get('journey')!r}"
        + (f" (complete = {outcome_text})" if outcome_text else ""),
        width,
        hang=4,
    )
    conforming = rt.get("conforming_cases")
    print(
        f"  conforming: {format_count(conforming)} of {_many(int(rt.get('cases') or 0), 'case')}, "
        f"{words.share_text(rt.get('conforming_share'), rt.get('conforming_share_ci'))}"
    )
    lists = (
        ("Deviations from the ideal", "deviations", ["kind", "touchpoint", "cases", "share"]),
        ("To remove: touchpoints the ideal does not have", "remove", ["touchpoint", "cases", "share"]),
        (
            "To redesign: touchpoints of the ideal done otherwise",
            "redesign",
            ["touchpoint", "kinds", "cases", "share"],
        ),
        ("Missing: steps of the ideal the journeys skip", "missing", ["touchpoint", "cases", "share"]),
        ("Where the journeys that do not complete end", "drop_offs", ["touchpoint", "cases", "share"]),
    )
    for title, key, columns in lists:
        rows = rt.get(key) or []
        print(f"\n{title}")
        if not rows:
            print("  (none)")
            continue
        header, cells, align = words.record_table(rows, columns)
        print(text_table(cells, header, align=align, width=width, flex=(0, 1), indent=2))
    outcomes = rt.get("outcomes") or []
    print("\nOutcomes: conforming against deviating cases")
    if not outcomes:
        print("  (none: no times, outcome or sentiment to compare)")
    else:
        cells = [words.outcome_cells(o) for o in outcomes]
        header = ["metric", "conforming", "deviating", "difference", "interval", "method"]
        print(text_table(cells, header, align="<>>>><", width=width, flex=(5,), indent=2))
    segments = rt.get("segments") or []
    if segments:
        print("\nConforming share per segment")
        header, cells, align = words.record_table(
            segments, ["segment", "cases", "conforming_cases", "conforming_share"]
        )
        print(text_table(cells, header, align=align, width=width, flex=(0,), indent=2))
    for note in rt.get("notes") or []:
        _say(f"note: {cli_words(note)}", width, indent=2, hang=6)
    if rt.get("note"):
        _say(f"note: {rt['note']}", width, indent=2, hang=6)


def _print_what_if(w: dict[str, Any], width: int | None) -> None:
    from journeymine.display import format_count, text_table
    from journeymine.heuristics import sections as words

    print()
    _say(f"What if: {w.get('change')}: {w.get('description', '')}".rstrip(": "), width, hang=4)
    print(
        f"  cases affected: {format_count(w.get('cases_affected'))} "
        f"({words.share_text(w.get('share_affected'))})"
    )
    rows = words.what_if_rows(w)
    if rows:
        print(
            text_table(
                rows,
                ["estimate", "as is", "to be", "difference", "interval"],
                align="<>>>>",
                width=width,
                flex=(0,),
                indent=2,
            )
        )
    for assumption in w.get("assumptions") or []:
        _say(f"assumes: {assumption}", width, indent=2, hang=9)


def _plugins(args: argparse.Namespace) -> int:
    from journeymine.display import frame_table
    from journeymine.registry import plugins

    table = plugins()
    if args.format == "json":
        records = table.astype(object).where(table.notna(), None).to_dict("records")
        print(json.dumps(records, sort_keys=True, indent=2))
    else:
        import textwrap

        shown = table[[c for c in ("name", "version", "builtin", "status", "registered") if c in table]]
        print(frame_table(shown.fillna(""), width=_width(), flex="registered"))
        problems = table[table["error"].notna()] if "error" in table else table.iloc[:0]
        if len(problems):
            print("\nProblems (hooks and details: --format json; tracebacks: --debug)")
            for name, error in zip(problems["name"], problems["error"]):
                for i, part in enumerate(str(error).split(" | ")):
                    lead = f"  {name}: " if i == 0 else " " * (len(name) + 4)
                    print(
                        textwrap.fill(
                            cli_words(part),
                            width=_width() or 100,
                            initial_indent=lead,
                            subsequent_indent=" " * (len(name) + 6),
                        )
                    )
    return 0


#: the changes whose effect the demo report estimates
DEMO_WHAT_IF = ("remove:Documents incomplete", "first-time-right:Upload documents")


def _demo(args: argparse.Namespace) -> int:
    from journeymine import datasets, progress
    from journeymine.dfg import discover_dfg
    from journeymine.eventlog import read_events
    from journeymine.variants import discover_variants

    if not args.quiet:
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
    summary = mine_summary(log, dfg, variants, by=args.by)
    from journeymine.views.report import report

    report_path = path.with_name("demo_report.html")
    report(
        log,
        by=args.by,
        map=datasets.load_demo_map(),
        ideal=datasets.load_demo_ideal(),
        what_if=DEMO_WHAT_IF,
        compare={"groups": ("mover", "refinancer")} if args.by == "segment" else False,
        path=report_path,
    )
    print(f"demo report written to {report_path}", file=sys.stderr)
    if args.format == "json":
        print(json.dumps(summary, sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False))
    else:
        _print_table(log, dfg, variants, summary)
        flags = " ".join(f"--{k} {v}" for k, v in datasets.DEMO_COLUMNS.items())
        print(f"\nThe report: {report_path} (open it in a browser)")
        print(f"Try: journeymine mine {path} {flags} --by region --format json")
        print(f"     journeymine journey {path} {flags} --map demo --by segment")
        print(f"     journeymine map {path} {flags} --by segment --segment mover --detail 0.8 -o mover.svg")
        changes = " ".join(f"--what-if {shlex.quote(c)}" for c in DEMO_WHAT_IF)
        print(f"     journeymine improve {path} {flags} --by segment --ideal demo {changes}")
        print(f"     journeymine compare {path} {flags} --by segment --groups mover refinancer --map demo")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
