"""The process map: a directly-follows graph drawn with Graphviz, one segment at a time.

Each activity is a box (coloured by its main channel, with its events or cases), each arrow a
direct transition (thicker for more; labelled and coloured with the measure asked for); a start
node points to the activities cases begin with and the activities cases finish with point to an
end node, with their case counts. A heading names the map, says what the lines mean and shows the
channel legend; a footnote always says how much the map leaves out.

Decisions
---------
- **A segmented DFG draws one segment.** Without ``segment=`` a DFG with several segments is
  refused with a message listing them: counts of segments could be summed, but their durations
  cannot, and a map that silently mixes segments is worse than none. The whole log's map is
  ``discover_dfg(log)``; :func:`segment_maps` draws every segment, comparably.
- **Hiding edges keeps the activities** (as Disco does): an activity whose edges are all hidden
  stays on the map, and the footnote counts such activities. Start and end arrows are never
  hidden (they are not transitions).
- **Thickness is frequency, colour is the measure**: arrows are always as thick as their
  transitions (or cases, with ``"cases"``), so the main flow stands out on a performance map
  too; their colour follows the time when one is asked for (light orange to dark red), else the
  frequency (light to dark blue).
- **Nodes show frequency**: events are instants, so an activity has no duration of its own; on a
  performance map the times are on the arrows (the time between the two events).
- **Untrusted text** (activity names, channels, segment values, titles) is only ever written into
  Graphviz HTML-like labels, escaped for XML, with backslashes doubled (Graphviz replaces
  ``\\N``, ``\\G``, ... even inside HTML labels), line breaks as ``<BR/>`` and characters XML
  forbids replaced by U+FFFD. Every other attribute is written by this module (ids ``n0``, ``n1``,
  ... from the sorted activity names; colours; numbers).
- **Deterministic**: ids from sorted names, everything sorted, numbers rounded; the SVG is what
  ``dot`` writes for that DOT text (the same on every run), with the ``<title>`` of each node and
  edge (which browsers show on hover) set to the activity names instead of the ids.

Examples
--------
>>> import journeymine as jm
>>> from journeymine.views import render
>>> dfg = jm.discover_dfg(jm.datasets.load_demo_log(), by="segment")
>>> dot = render(dfg, "dot", segment="mover", measure="frequency+median", detail=0.8)
>>> dot.startswith("digraph process_map {")
True
>>> "of transitions; the hidden edges touch" in dot
True
"""

from __future__ import annotations

import html
import math
import re
import textwrap
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from journeymine.dfg import DFG
from journeymine.display import format_count, format_duration, format_share, is_missing, segment_text
from journeymine.errors import ArgumentError, RenderError
from journeymine.hookspecs import hookimpl
from journeymine.views import style

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "COUNTS",
    "OPTIONS",
    "TIMES",
    "ProcessMap",
    "check_measure",
    "journeymine_register_renderers",
    "segment_maps",
]

#: frequency measures: what the arrows count
COUNTS = {"frequency": "transitions", "cases": "cases"}
#: performance measures: the edge column and how the heading names it
TIMES = {
    "mean": ("mean_s", "mean time"),
    "median": ("median_s", "median time"),
    "p90": ("p90_s", "90th percentile time"),
}
#: the options :meth:`ProcessMap.render` takes
OPTIONS = ("measure", "detail", "top", "segment", "scale", "like", "title", "rankdir")
#: drawn edges above which dot's layout iterations are bounded (nslimit, mclimit)
LARGE = 150
_NOT_GIVEN: Any = object()
#: line colours: frequency in blues, times in orange to red (light ends dark enough to see)
_BLUES = ("#9ecae1", "#08306b")
_REDS = ("#fdbb84", "#b30000")
_START_END = "#4b5563"
#: a no-break space: SVG drops ordinary spaces at the start of a text run (a font change)
_NBSP = "\u00a0"
_INSTALL = (
    "install Graphviz: apt-get install graphviz (Debian, Ubuntu), brew install graphviz (macOS), "
    "or conda install -c conda-forge graphviz"
)


class ProcessMap:
    """The process-map renderer (``"process-map"``), the default view of a :class:`~journeymine.DFG`.

    Its options are those of :meth:`render`; :func:`journeymine.views` passes them on.

    Examples
    --------
    >>> import journeymine as jm
    >>> dfg = jm.discover_dfg(jm.datasets.load_demo_log())
    >>> svg = ProcessMap().render(dfg, format="svg", detail=0.8)
    >>> svg.startswith("<?xml") and "Showing" in svg
    True
    """

    name = "process-map"
    handles = (DFG,)
    formats = ("dot", "svg", "png")
    options = OPTIONS
    default_for = ("DFG",)

    def render(self, result: Any, *, format: str = "dot", **options: Any) -> str | bytes:
        """Draw ``result`` (a DFG) as DOT text, SVG text or PNG bytes.

        Parameters
        ----------
        result : DFG
        format : {"dot", "svg", "png"}
            DOT needs no program; SVG and PNG are laid out by Graphviz ``dot`` (a
            :class:`~journeymine.RenderError` says how to install it where it is missing).
        measure : str
            What the arrows show: ``"frequency"`` (transitions, the default), ``"cases"`` (cases with
            the transition), a time between the two events (``"mean"``, ``"median"``, ``"p90"``), or
            a count and a time joined by ``+`` (``"frequency+median"``): both on one map, labels in
            that order. Activities show their events (their cases with ``"cases"``).
        detail : float
            0 to 1: draw the most frequent edges until they cover at least this share of all
            transitions (ties by source, then target); 1 (the default) draws every edge.
        top : int
            Draw the ``top`` most frequent edges instead (not with ``detail``).
        segment : object
            The segment to draw, by value or label (``"(none)"`` for cases without a value); needed
            when the DFG has more than one segment.
        scale : {"own", "shared"}
            The largest value that thickness and colour are scaled to: this segment's (``"own"``, the
            default) or the largest over every segment (and ``like``), so that maps can be compared
            side by side (``"shared"``, the default with ``like`` and in :func:`segment_maps`).
        like : DFG
            Another DFG to draw this one comparably with: the same node ids and order, scales shared
            over both (say, last quarter's map beside this quarter's).
        title : str
            The heading; by default the segment (``segment: mover``) or "Process map"; ``""`` for
            none.
        rankdir : {"TB", "LR"}
            Top to bottom (the default) or left to right.

        Returns
        -------
        str or bytes
            DOT and SVG text, PNG bytes.
        """
        if not isinstance(result, DFG):
            raise ArgumentError(
                f"the renderer 'process-map' draws a DFG, not a {type(result).__name__}; "
                "pass jm.discover_dfg(log)"
            )
        if format not in self.formats:
            raise ArgumentError(
                f"the renderer 'process-map' writes {', '.join(self.formats)}, not {format!r}; "
                "pass format=..."
            )
        unknown = sorted(set(options) - set(OPTIONS))
        if unknown:
            raise ArgumentError(
                f"the renderer 'process-map' does not take {', '.join(u + '=' for u in unknown)}; "
                f"its options: {', '.join(o + '=' for o in OPTIONS)}"
            )
        segment = options.pop("segment", None)
        plan = _plan(result, **options)
        chosen = _pick_segment(result, segment)
        dot, names = _dot(plan, chosen)
        return _output(dot, names, format)


def segment_maps(dfg: DFG, *, format: str = "svg", **options: Any) -> dict[Any, str | bytes]:
    """One process map per segment, drawn comparably: the same node ids and order, the same
    styling, thickness and colour scaled to the largest value over all segments.

    Parameters
    ----------
    dfg : DFG
    format : {"svg", "dot", "png"}
    **options
        As :meth:`ProcessMap.render` takes them, but ``segment``; ``scale`` is ``"shared"`` unless
        given.

    Returns
    -------
    dict
        Segment value (``None`` for cases without one, or for a DFG without segments) -> the map,
        in the documented segment order.

    Examples
    --------
    >>> import journeymine as jm
    >>> dfg = jm.discover_dfg(jm.datasets.load_demo_log(), by="segment")
    >>> maps = segment_maps(dfg, format="dot", detail=0.8)
    >>> list(maps)
    ['first-time buyer', 'mover', 'refinancer']
    """
    if not isinstance(dfg, DFG):
        raise ArgumentError(f"segment_maps() draws a DFG, not a {type(dfg).__name__}")
    if "segment" in options:
        raise ArgumentError("segment_maps() draws every segment; leave out segment= (or use jm.render)")
    if format not in ProcessMap.formats:
        raise ArgumentError(f"segment_maps() writes svg, dot, png, not {format!r}; pass format=...")
    options.setdefault("scale", "shared")
    plan = _plan(dfg, **options)
    out: dict[Any, str | bytes] = {}
    for value in _segments(dfg):
        dot, names = _dot(plan, value)
        out[value] = _output(dot, names, format)
    return out


@hookimpl
def journeymine_register_renderers(register: Any) -> None:
    """Register the process map (a built-in plugin, registered like any other)."""
    register(ProcessMap())


# -- options ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Measure:
    count: str  # "frequency" or "cases": thickness, and the node figure
    time: str | None  # "mean", "median", "p90" or None: colour when given
    labels: tuple[str, ...]  # edge label parts, in the order given


def check_measure(value: Any, dfg: DFG) -> None:
    """Raise :class:`~journeymine.ArgumentError` when ``value`` is no ``measure=`` the map of
    ``dfg`` can show (unknown, or a time for a log without timestamps); draws nothing.

    Examples
    --------
    >>> import journeymine as jm
    >>> dfg = jm.discover_dfg(jm.datasets.load_demo_log())
    >>> check_measure("frequency+median", dfg)
    >>> check_measure("speed", dfg)
    Traceback (most recent call last):
    ...
    journeymine.errors.ArgumentError: measure= takes frequency, cases, mean, median or p90, ...
    """
    _check_times(_measure(value), dfg, value)


def _check_times(m: _Measure, dfg: DFG, measure: Any) -> None:
    if m.time is None or not len(dfg.edges):
        return
    if not dfg.edges[TIMES[m.time][0]].notna().any():
        raise ArgumentError(
            f"measure={measure!r} needs times, and this log has none (it is ordered without "
            "timestamps); pass measure='frequency'"
        )


def _measure(value: Any) -> _Measure:
    if value is None:
        value = "frequency"
    accepted = (
        "measure= takes frequency, cases, mean, median or p90, or a count and a time joined by "
        f"'+' (frequency+median); not {value!r}: pass measure='frequency'"
    )
    if not isinstance(value, str):
        raise ArgumentError(accepted)
    parts = tuple(p.strip().lower() for p in value.split("+"))
    counts = [p for p in parts if p in COUNTS]
    times = [p for p in parts if p in TIMES]
    if len(parts) > 2 or len(counts) + len(times) != len(parts) or len(counts) > 1 or len(times) > 1:
        raise ArgumentError(accepted)
    return _Measure(counts[0] if counts else "frequency", times[0] if times else None, parts)


@dataclass(frozen=True)
class _Plan:
    """Everything shared by the maps of one call: options checked, ids, order, scales."""

    dfg: DFG
    measure: _Measure
    detail: float | None
    top: int | None
    title: str | None
    rankdir: str
    ids: Mapping[str, str]  # activity -> node id (n0, n1, ... in sorted order of names)
    order: tuple[str, ...]  # activities in the order nodes are declared (the flow, from start)
    colours: Mapping[str, str]  # channel -> colour
    largest: Mapping[str, float]  # "count", "time", "shortest", "ends" over the pool; {} for own


def _plan(
    dfg: DFG,
    *,
    measure: Any = None,
    detail: Any = None,
    top: Any = None,
    scale: Any = None,
    like: Any = None,
    title: Any = None,
    rankdir: Any = None,
) -> _Plan:
    m = _measure(measure)
    if detail is not None and top is not None:
        raise ArgumentError("pass detail= (a share of transitions) or top= (a number of edges), not both")
    if detail is not None:
        if isinstance(detail, bool) or not isinstance(detail, (int, float)) or not 0 <= detail <= 1:
            raise ArgumentError(
                f"detail= takes the share of transitions to draw, from 0 to 1, not {detail!r}; "
                "pass detail=0.8"
            )
        detail = float(detail)
    if top is not None and (isinstance(top, bool) or not isinstance(top, int) or top < 0):
        raise ArgumentError(f"top= takes a whole number of edges (0 or more), not {top!r}; pass top=20")
    if title is not None and not isinstance(title, str):
        raise ArgumentError(f"title= takes a text, not {type(title).__name__}; pass title='...'")
    direction = "TB" if rankdir is None else str(rankdir).upper()
    if direction not in ("TB", "LR"):
        raise ArgumentError(f"rankdir= takes 'TB' (top to bottom) or 'LR' (left to right), not {rankdir!r}")
    if like is not None and not isinstance(like, DFG):
        raise ArgumentError(f"like= takes a DFG to draw this map comparably with, not {type(like).__name__}")
    scale = ("shared" if like is not None else "own") if scale is None else scale
    if scale not in ("own", "shared"):
        raise ArgumentError(
            f"scale= takes 'own' (this map's largest value) or 'shared' (the largest over every "
            f"segment), not {scale!r}"
        )
    pool = [dfg] if like is None else [dfg, like]
    _check_times(m, dfg, measure)
    names = sorted({str(a) for d in pool for a in d.activities["activity"]})
    ids = {name: f"n{i}" for i, name in enumerate(names)}
    channels = [c for d in pool if len(d.channels) for c in d.channels["channel"] if not is_missing(c)]
    largest: dict[str, float] = {}
    if scale == "shared":
        edges = [d.edges for d in pool if len(d.edges)]
        ends = [f["cases"] for d in pool for f in (d.start, d.end) if len(f)]
        largest["count"] = max((float(_counts(e, m.count).max()) for e in edges), default=0.0)
        if m.time is not None:
            times = [t for e in edges for t in _finite(e[TIMES[m.time][0]])]
            largest["time"] = max(times, default=0.0)
            largest["shortest"] = min(times, default=0.0)
        largest["ends"] = max((float(c.max()) for c in ends), default=0.0)
    return _Plan(
        dfg=dfg,
        measure=m,
        detail=detail,
        top=top,
        title=title,
        rankdir=direction,
        ids=ids,
        order=_flow_order(pool, names),
        colours=style.channel_colours(channels),
        largest=largest,
    )


def _flow_order(pool: list[DFG], names: list[str]) -> tuple[str, ...]:
    """Activities in the order a breadth-first walk from the start meets them, following the
    most frequent transitions first (over every segment): the order nodes are declared in, which
    is the order Graphviz starts from when it lays out each rank."""
    weight: dict[tuple[str, str], int] = {}
    starts: dict[str, int] = {}
    for d in pool:
        for a, b, n in zip(d.edges["source"], d.edges["target"], d.edges["count"]):
            weight[str(a), str(b)] = weight.get((str(a), str(b)), 0) + int(n)
        for a, n in zip(d.start["activity"], d.start["cases"]):
            starts[str(a)] = starts.get(str(a), 0) + int(n)
    after: dict[str, list[tuple[int, str]]] = {}
    for (a, b), n in weight.items():
        after.setdefault(a, []).append((-n, b))
    queue = sorted(starts, key=lambda a: (-starts[a], a))
    seen = set(queue)
    out: list[str] = []
    while queue:
        a = queue.pop(0)
        out.append(a)
        for _, b in sorted(after.get(a, ())):
            if b not in seen:
                seen.add(b)
                queue.append(b)
    return tuple(out + [n for n in names if n not in seen])


# -- segments ---------------------------------------------------------------------------------


def _segments(dfg: DFG) -> list[Any]:
    """The DFG's segments in the documented order ([None] without segments)."""
    import pandas as pd

    if dfg.by is None:
        return [None]
    column = dfg.activities["segment"]
    values: list[Any]
    if isinstance(column.dtype, pd.CategoricalDtype):
        present = set(column.dropna().astype(object))
        values = [c for c in column.cat.categories if c in present]
    else:
        values = sorted({v for v in column.astype(object) if not is_missing(v)}, key=_sort_key)
    if column.isna().any():
        values.append(None)
    return values


def _sort_key(value: Any) -> tuple[str, Any]:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return ("", value)
    return (type(value).__name__, value)


def _pick_segment(dfg: DFG, segment: Any) -> Any:
    values = _segments(dfg)
    if dfg.by is None:
        if segment is not None:
            raise ArgumentError(
                "this DFG has no segments (discover_dfg was called without by=); leave out segment="
            )
        return None
    if segment is None:
        if len(values) <= 1:  # one segment, or none at all (an empty DFG): nothing to mix
            return values[0] if values else None
        shown = ", ".join(repr(segment_text(v)) for v in values[:12]) + (", ..." if len(values) > 12 else "")
        raise ArgumentError(
            f"this DFG has {len(values)} segments by {dfg.by!r}: {shown}; a map draws one: pass "
            f"segment=... (processmap.segment_maps(dfg) draws them all; discover_dfg(log) without "
            f"by= gives the map of every case)"
        )
    for v in values:
        if not is_missing(v) and v == segment:
            return v
    for v in values:
        if segment_text(v) == str(segment):
            return v
    shown = ", ".join(repr(segment_text(v)) for v in values[:12]) + (", ..." if len(values) > 12 else "")
    raise ArgumentError(
        f"segment={segment!r} is not a segment of this DFG (by {dfg.by!r}); its segments: {shown}"
    )


def _rows(frame: pd.DataFrame, dfg: DFG, value: Any) -> pd.DataFrame:
    if dfg.by is None or not len(frame):
        return frame
    column = frame["segment"].astype(object)
    mask = column.isna() if is_missing(value) else column.map(lambda v: not is_missing(v) and v == value)
    return frame[mask.to_numpy(dtype=bool)]


# -- the map ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Edge:
    source: str
    target: str
    count: int
    cases: int
    time: float


def _dot(plan: _Plan, value: Any) -> tuple[str, dict[str, str]]:
    """The DOT text of one segment's map, and node id -> the name its SVG title should show."""
    import graphviz

    dfg, m = plan.dfg, plan.measure
    acts = _rows(dfg.activities, dfg, value)
    edges = _edges(_rows(dfg.edges, dfg, value), m)
    starts = _ends(_rows(dfg.start, dfg, value))
    ends = _ends(_rows(dfg.end, dfg, value))
    mix = _mix(_rows(dfg.channels, dfg, value))
    events = {str(a): (int(e), int(c)) for a, e, c in zip(acts["activity"], acts["events"], acts["cases"])}
    shown = _shown(edges, plan)
    hidden = edges[len(shown) :]
    cases_total = sum(starts.values())
    linked = {n for e in shown for n in (e.source, e.target)}
    alone = {n for e in hidden for n in (e.source, e.target) if n not in linked}

    thick = [_thickness(e, m) for e in edges]
    largest_count = plan.largest.get("count", max(thick, default=0.0))
    times = [e.time for e in edges if math.isfinite(e.time)]
    # times are coloured on a log scale from the shortest to the longest: seconds to weeks
    span = (
        plan.largest.get("shortest", min(times, default=0.0)),
        plan.largest.get("time", max(times, default=0.0)),
    )
    low, high = math.log1p(span[0]), math.log1p(span[1])
    largest_ends = plan.largest.get("ends", max([*starts.values(), *ends.values()], default=0))

    g = graphviz.Digraph(
        "process_map",
        graph_attr={
            "rankdir": plan.rankdir,
            "fontname": style.FONT,
            "fontsize": "10",
            "fontcolor": style.MUTED,
            "bgcolor": "white",
            "pad": "0.3",
            "nodesep": "0.35",
            "ranksep": "0.45",
            "newrank": "true",
            "outputorder": "edgesfirst",
            "labelloc": "b",
            "labeljust": "l",
            "label": _footnote(plan, edges, shown, hidden, cases_total, dfg, value, alone),
            # a dense map (hundreds of edges) spends seconds in dot's network simplex: bound its
            # iterations, as Graphviz's docs suggest for large graphs (the layout stays fixed)
            **({"nslimit": "2", "nslimit1": "2", "mclimit": "0.3"} if len(edges) > LARGE else {}),
        },
        node_attr={
            "shape": "box",
            "style": "rounded,filled",
            "fontname": style.FONT,
            "fontsize": "12",
            "fontcolor": style.INK,
            "margin": "0.14,0.06",
            "penwidth": "1.6",
        },
        edge_attr={"fontname": style.FONT, "fontsize": "10", "fontcolor": style.INK, "arrowsize": "0.7"},
    )
    with g.subgraph(name="cluster_map") as c:
        c.attr(
            label=_heading(plan, dfg, value, cases_total, sum(e for e, _ in events.values()), mix, span),
            labelloc="t",
            labeljust="l",
            color="white",
            penwidth="0",
            margin="12",
        )
        c.node(
            "start",
            label=_html(f'<B>start</B><BR/><FONT POINT-SIZE="9">{format_count(cases_total)}</FONT>'),
            shape="circle",
            style="filled",
            fillcolor=_START_END,
            color=_START_END,
            fontcolor="white",
            fontsize="11",
            width="0.75",
            fixedsize="true",
        )
        for name in plan.order:
            if name not in events:
                continue
            c.node(
                plan.ids[name],
                label=_node_label(name, events[name], mix.get(name, []), m),
                **_node_style(plan, mix.get(name, []), alone=name in alone),
            )
        c.node(
            "end",
            label=_html(f'<B>end</B><BR/><FONT POINT-SIZE="9">{format_count(sum(ends.values()))}</FONT>'),
            shape="doublecircle",
            style="filled",
            fillcolor=_START_END,
            color=_START_END,
            fontcolor="white",
            fontsize="11",
            width="0.7",
            fixedsize="true",
        )
        position = {name: i for i, name in enumerate(plan.order)}
        for name in sorted(starts, key=position.__getitem__):
            c.edge("start", plan.ids[name], **_end_style(starts[name], largest_ends))
        for e in sorted(shown, key=lambda e: (position[e.source], position[e.target])):
            width = style.scale(_thickness(e, m), largest_count)
            colour = (
                style.shade(math.log1p(e.time) - low, high - low, light=_REDS[0], dark=_REDS[1])
                if m.time is not None
                else style.shade(_thickness(e, m), largest_count, light=_BLUES[0], dark=_BLUES[1])
            )
            c.edge(
                plan.ids[e.source],
                plan.ids[e.target],
                label=_boxed(_text(" · ".join(_figure(e, part) for part in m.labels))),
                penwidth=_number(width),
                color=colour,
                weight=str(max(1, round(width))),
            )
        for name in sorted(ends, key=position.__getitem__):
            c.edge(plan.ids[name], "end", **_end_style(ends[name], largest_ends))
        for name in sorted(alone - set(ends), key=position.__getitem__):
            # no arrow left: placed just above the end, not among the first activities
            c.edge(plan.ids[name], "end", style="invis")
        c.body.append("\t{rank=min; start}\n")
        c.body.append("\t{rank=max; end}\n")
    titles = {plan.ids[n]: n for n in events} | {"start": "start", "end": "end"}
    return g.source, titles


def _edges(frame: pd.DataFrame, m: _Measure) -> list[_Edge]:
    """The segment's edges, most frequent first (ties by source, then target)."""
    column = TIMES[m.time][0] if m.time is not None else None
    out = [
        _Edge(
            str(a), str(b), int(n), int(c), float(t) if column is not None and not is_missing(t) else math.nan
        )
        for a, b, n, c, t in zip(
            frame["source"],
            frame["target"],
            frame["count"],
            frame["cases"],
            frame[column] if column is not None else [math.nan] * len(frame),
        )
    ]
    return sorted(out, key=lambda e: (-e.count, e.source, e.target))


def _ends(frame: pd.DataFrame) -> dict[str, int]:
    return {str(a): int(n) for a, n in zip(frame["activity"], frame["cases"])}


def _mix(frame: pd.DataFrame) -> dict[str, list[tuple[str | None, float]]]:
    """Activity -> its channels with their share of its events, largest first (ties by name;
    ``None`` for events without a channel, last among equals)."""
    per: dict[str, dict[str | None, int]] = {}
    for a, ch, n in zip(frame["activity"], frame["channel"], frame["events"]):
        key = None if is_missing(ch) else str(ch)
        per.setdefault(str(a), {})[key] = per.get(str(a), {}).get(key, 0) + int(n)
    out = {}
    for a, counts in per.items():
        total = sum(counts.values())
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0] is None, kv[0] or ""))
        out[a] = [(ch, n / total) for ch, n in ranked if total]
    return out


def _shown(edges: list[_Edge], plan: _Plan) -> list[_Edge]:
    """The edges drawn: a prefix of ``edges`` (most frequent first)."""
    if plan.top is not None:
        return edges[: plan.top]
    if plan.detail is None or plan.detail >= 1:
        return edges
    total = sum(e.count for e in edges)
    needed = math.ceil(plan.detail * total - 1e-9 * max(total, 1))
    covered = 0
    for i, e in enumerate(edges):
        if covered >= needed:
            return edges[:i]
        covered += e.count
    return edges


def _thickness(e: _Edge, m: _Measure) -> float:
    return float(e.count if m.count == "frequency" else e.cases)


def _counts(frame: pd.DataFrame, count: str) -> pd.Series:
    return frame["count"] if count == "frequency" else frame["cases"]


def _figure(e: _Edge, part: str) -> str:
    if part == "frequency":
        return format_count(e.count)
    if part == "cases":
        return format_count(e.cases)
    return format_duration(e.time)


def _node_label(name: str, figures: tuple[int, int], mix: list[tuple[str | None, float]], m: _Measure) -> str:
    events, cases = figures
    figure = (
        f"{format_count(cases)} case{'s' * (cases != 1)}"
        if m.count == "cases"
        else (f"{format_count(events)} event{'s' * (events != 1)}")
    )
    lines = "<BR/>".join(_text(line) for line in _wrap(name))
    out = f'<B>{lines}</B><BR/><FONT POINT-SIZE="10" COLOR="{style.MUTED}">{_text(figure)}</FONT>'
    if len(mix) > 1:
        parts = [f"{'no channel' if ch is None else ch} {_percent(share)}" for ch, share in mix[:3]]
        if len(mix) > 3:
            parts.append("…")
        out += f'<BR/><FONT POINT-SIZE="9" COLOR="{style.MUTED}">{_text(" · ".join(parts))}</FONT>'
    return _html(out)


def _node_style(plan: _Plan, mix: list[tuple[str | None, float]], *, alone: bool) -> dict[str, str]:
    """Fill and border in the activity's main channel colour; dashed when its edges are hidden."""
    out = {"style": "rounded,filled,dashed"} if alone else {}
    if not mix:
        return out | {"fillcolor": "#f3f4f6", "color": style.MUTED}
    channel = mix[0][0]
    colour = style.NO_CHANNEL if channel is None else plan.colours.get(channel, style.NO_CHANNEL)
    return out | {"fillcolor": _tint(colour, 0.18), "color": colour}


def _end_style(cases: int, largest: float) -> dict[str, str]:
    return {
        "label": _boxed(format_count(cases), style.MUTED),
        "style": "dashed",
        "color": style.NO_CHANNEL,
        "penwidth": _number(style.scale(cases, largest, low=1.0, high=3.0)),
        "arrowsize": "0.5",
    }


def _heading(
    plan: _Plan,
    dfg: DFG,
    value: Any,
    cases: int,
    events: int,
    mix: Mapping[str, list[tuple[str | None, float]]],
    span: tuple[float, float],
) -> str:
    """Title, what the figures mean, the key of the time colours and the legend of the channels."""
    m = plan.measure
    if plan.title is not None:
        title = plan.title
    elif dfg.by is not None:
        title = f"{dfg.by}: {segment_text(value)}"
    else:
        title = "Process map"
    rows = []
    if title:
        rows.append(f'<FONT POINT-SIZE="16" COLOR="{style.INK}"><B>{_text(title)}</B></FONT>')
    count_word = COUNTS[m.count]
    words = [COUNTS[p] if p in COUNTS else TIMES[p][1] for p in m.labels]
    colour_word = TIMES[m.time][1] if m.time is not None else count_word
    node_word = "cases" if m.count == "cases" else "events"
    lines = (
        "thickness and colour"
        if colour_word == count_word
        else f"thickness: {count_word}; colour: {colour_word}"
    )
    about = (
        f"{format_count(cases)} cases · {format_count(events)} events. Boxes: activities with their "
        f"{node_word}; arrows: {' · '.join(words)} ({lines})."
    )
    rows.append(f'<FONT POINT-SIZE="10" COLOR="{style.MUTED}">{_text(about)}</FONT>')
    if m.time is not None and span[1] > 0:
        rows.append(
            f'<FONT POINT-SIZE="10" COLOR="{style.MUTED}">{_text(colour_word.capitalize())} on the '
            f"arrows, on a log scale:{_NBSP * 2}</FONT>"
            f'<FONT POINT-SIZE="10" COLOR="{style.INK}">'
            f'<FONT COLOR="{_REDS[0]}" POINT-SIZE="13">■</FONT>{_NBSP}{_text(format_duration(span[0]))}'
            f'{_NBSP * 2}to{_NBSP * 2}<FONT COLOR="{_REDS[1]}" POINT-SIZE="13">■</FONT>{_NBSP}'
            f"{_text(format_duration(span[1]))}</FONT>"
        )
    used = sorted({shares[0][0] for shares in mix.values() if shares}, key=lambda c: (c is None, c or ""))
    if used:
        # inline text, not table cells: cells would be spread over the heading's width
        chips = []
        for ch in used:
            colour = style.NO_CHANNEL if ch is None else plan.colours.get(ch, style.NO_CHANNEL)
            name = "no channel" if ch is None else " ".join(ch.split())  # one line per legend
            chips.append(f'<FONT COLOR="{colour}" POINT-SIZE="13">■</FONT>{_NBSP}{_text(name)}')
        rows.append(
            f'<FONT POINT-SIZE="10" COLOR="{style.MUTED}">Main channel of each activity:{_NBSP * 2}</FONT>'
            f'<FONT POINT-SIZE="10" COLOR="{style.INK}">{(_NBSP * 4).join(chips)}</FONT>'
        )
    body = "".join(f'<TR><TD ALIGN="LEFT">{row}</TD></TR>' for row in rows)
    return _html(f'<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="2">{body}</TABLE>')


def _footnote(
    plan: _Plan,
    edges: list[_Edge],
    shown: list[_Edge],
    hidden: list[_Edge],
    cases: int,
    dfg: DFG,
    value: Any,
    alone: set[str],
) -> str:
    """What the map leaves out, always: edges, transitions, cases, activities without an edge."""
    if not cases:
        text = "No cases to draw."
    elif not edges:
        text = "No transitions: every case has a single event."
    elif not hidden:
        text = f"Showing all {format_count(len(edges))} edge{'s' * (len(edges) != 1)}."
    else:
        total = sum(e.count for e in edges)
        covered = sum(e.count for e in shown)
        how = f"top {plan.top}" if plan.top is not None else f"detail {plan.detail:g}"
        touched = _hidden_cases(hidden, dfg, value)
        share = _share(touched[0], cases)
        text = (
            f"Showing {format_count(len(shown))} of {format_count(len(edges))} edges ({how}): "
            f"{_share(covered, total)} of transitions; the hidden edges touch "
            f"{'at least ' if touched[1] else ''}{share} of cases."
        )
        if alone:
            text += (
                f" {format_count(len(alone))} activit{'ies have' if len(alone) != 1 else 'y has'} "
                "every edge hidden (kept on the map, with a dashed border)."
            )
    return _html(_text(text))


def _share(part: float, whole: float) -> str:
    """``part / whole`` as a percentage that never rounds a loss away: ``<0.1%``, ``>99.9%``."""
    if not whole:
        return "–"
    share = part / whole
    if 0 < share < 0.0005:
        return "<0.1%"
    if 0.9995 <= share < 1:
        return ">99.9%"
    return format_share(share)


def _hidden_cases(hidden: list[_Edge], dfg: DFG, value: Any) -> tuple[int, bool]:
    """Cases with at least one hidden transition, and whether that is only a lower bound.

    Exact from ``dfg.rarest`` (a case has a hidden transition when its rarest one is hidden:
    hidden edges are always the rarest ones); a DFG made without it gives the largest hidden
    edge's cases, a lower bound."""
    rarest = _rows(dfg.rarest, dfg, value)
    if len(rarest):
        keys = {(e.source, e.target) for e in hidden}
        return (
            sum(
                int(n)
                for a, b, n in zip(rarest["source"], rarest["target"], rarest["cases"])
                if (str(a), str(b)) in keys
            ),
            False,
        )
    return max((e.cases for e in hidden), default=0), True


# -- text and output ----------------------------------------------------------------------------

#: characters XML 1.0 does not allow (and Graphviz would copy into the SVG), lone surrogates
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _text(value: object) -> str:
    """Untrusted text for a Graphviz HTML-like label: XML-escaped, backslashes doubled (Graphviz
    substitutes ``\\N``, ``\\G``, ``\\E``, ... even in HTML labels), line breaks as ``<BR/>``.

    Examples
    --------
    >>> _text('<b>x</b> & "y" \\\\N')
    '&lt;b&gt;x&lt;/b&gt; &amp; &quot;y&quot; \\\\\\\\N'
    >>> _text("two\\nlines\\ttab")
    'two<BR/>lines tab'
    """
    text = _FORBIDDEN.sub("\ufffd", str(value)).replace("\t", " ")
    text = html.escape(text.replace("\\", "\\\\"), quote=True)
    return "<BR/>".join(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))


def _html(markup: str) -> str:
    """An HTML-like label: the ``graphviz`` package writes a ``<...>`` value as it is."""
    return f"<{markup}>"


def _boxed(markup: str, colour: str = style.INK) -> str:
    """An edge label on a white box, readable where it meets a thick line."""
    return _html(
        f'<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1" BGCOLOR="white">'
        f'<TR><TD><FONT COLOR="{colour}">{markup}</FONT></TD></TR></TABLE>'
    )


def _wrap(name: str, width: int = 26) -> list[str]:
    """An activity name in lines of about ``width`` characters (at spaces; line breaks kept)."""
    out: list[str] = []
    for line in name.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        out.extend(textwrap.wrap(line, width, break_long_words=False, break_on_hyphens=False) or [""])
    return out


def _tint(colour: str, amount: float) -> str:
    """``colour`` mixed with white: ``amount`` 0 is white, 1 the colour."""
    rgb = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(255 + (c - 255) * amount):02x}" for c in rgb)


def _percent(share: float) -> str:
    """A share as a whole percentage (``62%``); ``<1%`` for a small one that is not nothing."""
    return "<1%" if 0 < share < 0.005 else f"{round(100 * share)}%"


def _number(value: float) -> str:
    return f"{value:g}"


def _finite(column: Iterable[Any]) -> list[float]:
    return [float(v) for v in column if not is_missing(v) and math.isfinite(float(v))]


_TITLE = re.compile(r"<title>(n\d+|start|end)(?:&#45;&gt;(n\d+|start|end))?</title>")


def _output(dot: str, names: Mapping[str, str], format: str) -> str | bytes:
    if format == "dot":
        return dot
    data = _run(dot, format)
    if format == "png":
        return data
    svg = data.decode("utf-8")

    def title(match: re.Match[str]) -> str:
        a, b = match.group(1), match.group(2)
        if a not in names or (b is not None and b not in names):
            return match.group(0)
        text = names[a] if b is None else f"{names[a]} → {names[b]}"
        return f"<title>{html.escape(_FORBIDDEN.sub(chr(0xFFFD), text), quote=False)}</title>"

    return _TITLE.sub(title, svg)


def _run(dot: str, format: str) -> bytes:
    """Lay the graph out with Graphviz ``dot``; a missing or failing ``dot`` is a RenderError."""
    import graphviz

    try:
        out: bytes = graphviz.pipe("dot", format, dot.encode("utf-8"), quiet=True)
    except graphviz.ExecutableNotFound:
        raise RenderError(
            f"the Graphviz program 'dot' is not installed (or not on PATH), so the process map "
            f"cannot be drawn as {format}; {_INSTALL}. format='dot' gives the DOT text without it"
        ) from None
    except graphviz.CalledProcessError as exc:
        detail = (exc.stderr or b"").decode("utf-8", "replace").strip().splitlines()[:3]
        raise RenderError(
            f"Graphviz 'dot' failed to draw the process map as {format}: "
            f"{' '.join(detail) or f'exit status {exc.returncode}'}"
        ) from None
    return out
