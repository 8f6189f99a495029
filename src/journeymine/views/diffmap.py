"""The difference map: one process map of two groups, each arrow coloured by which has it more.

The ``"difference-map"`` renderer draws a :class:`~journeymine.comparison.result.Comparison` (what
:func:`journeymine.compare` returns) or a :class:`~journeymine.comparison.result.Drift` (its
comparison of each period with the one before) for one pair of groups ``(a, b)``: every
transition either group has (``comparison.edges``), top to bottom as the process map is drawn
(``rankdir="LR"``: left to right), one box per activity. An arrow's colour says which group has
the transition in more of its cases (:data:`MORE_A`, red: more in A; :data:`MORE_B`, blue: more
in B: a diverging pair that colour-blind readers tell apart), its thickness how large the
difference is (scaled to the largest on the map). A **significant** difference (``q < alpha``,
Benjamini-Hochberg over all the comparison's transitions) is a solid arrow labelled with the
difference in percentage points (``+12.3 pp``: A minus B); every other transition is a thin,
light grey, dashed arrow without a label, there for context. Every arrow's tooltip gives both
shares, the difference with its interval, ``q`` and the test (or why it was not tested). A
heading names the pair and says what the colours mean; a footnote counts what is drawn and what
is hidden.

Decisions
---------
- **The shares are of cases**, as the comparison tests them: the share of the group's cases with
  the transition at least once. Counts of transitions would favour the larger group.
- **A drift draws its latest period** against the one before, by default (a comparison: its
  first pair); ``pair=`` picks another. A pair given the other way round, ``(b, a)``, is drawn
  with the signs turned (the difference is then *b minus a*).
- **Hidden transitions drop their activities**: an activity none of whose transitions is drawn
  (``min_share``, ``significant_only``) is left out, and the footnote counts it: a difference map
  is about the arrows, and isolated boxes would only spread them apart.
- **No start and end markers**: the comparison tests transitions between activities; where cases
  begin is in the variants (they order the boxes: the activities cases start with come first).
- **Untrusted text** (activity and group names, reasons) only goes into Graphviz HTML-like labels,
  escaped as the process map escapes it (:mod:`journeymine.views.processmap`), and into the SVG
  ``<title>`` tooltips, XML-escaped after Graphviz has drawn. Every id, class and colour is written
  by this module: node ids ``n0``, ``n1``, ... from the sorted activity names of the whole
  comparison (the same box has the same id on every pair's map), arrows ``e_n3_n5``, classes
  ``more_a``/``more_b`` and ``significant``/``not_significant``/``untested``.
- **Deterministic**: ids from sorted names, nodes and arrows in a fixed order, numbers rounded.

Examples
--------
>>> import journeymine as jm
>>> comparison = jm.compare(jm.datasets.load_demo_log(), by="segment", groups=("mover", "refinancer"))
>>> dot = DifferenceMap().render(comparison, format="dot")
>>> dot.startswith("digraph difference_map {"), "more in A (mover)" in dot
(True, True)
"""

from __future__ import annotations

import html
import math
import re
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from journeymine.comparison.result import Comparison, Drift
from journeymine.display import format_count, format_share, is_missing
from journeymine.errors import ArgumentError
from journeymine.hookspecs import hookimpl
from journeymine.views import style
from journeymine.views.processmap import _FORBIDDEN, _boxed, _html, _run, _text, _wrap
from journeymine.views.variantview import check_format

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "CONTEXT",
    "MORE_A",
    "MORE_B",
    "OPTIONS",
    "DifferenceMap",
    "journeymine_register_renderers",
    "p_text",
    "points",
    "resolve_pair",
]

#: the colour of a transition more frequent in group A (ColorBrewer RdBu, colour-blind safe)
MORE_A = "#b2182b"
#: the colour of a transition more frequent in group B
MORE_B = "#2166ac"
#: the colour of a transition whose difference is not significant (or was not tested)
CONTEXT = "#c2c7cf"
#: the options :meth:`DifferenceMap.render` takes
OPTIONS = ("pair", "min_share", "significant_only", "title", "rankdir")
#: drawn arrows above which dot's layout iterations are bounded (as the process map does)
LARGE = 150
_NODE_BORDER = "#9ca3af"
_NODE_FILL = "#f8fafc"
_NBSP = "\u00a0"


class DifferenceMap:
    """The difference-map renderer (``"difference-map"``), the default view of a
    :class:`~journeymine.comparison.result.Comparison` and of a
    :class:`~journeymine.comparison.result.Drift`.

    Examples
    --------
    >>> import journeymine as jm
    >>> comparison = jm.compare(jm.datasets.load_demo_log(), by="segment",
    ...                         groups=("mover", "refinancer"))
    >>> svg = DifferenceMap().render(comparison, format="svg", min_share=0.05)
    >>> svg.startswith("<?xml") and "pp" in svg and MORE_A in svg
    True
    """

    name = "difference-map"
    handles = (Comparison, Drift)
    formats = ("svg", "dot", "png")
    options = OPTIONS
    default_for = ("Comparison", "Drift")

    def render(self, result: Any, *, format: str = "svg", **options: Any) -> str | bytes:
        """Draw the differences between two groups of ``result`` as SVG text, DOT text or PNG bytes.

        Parameters
        ----------
        result : Comparison or Drift
            From :func:`journeymine.compare` (or :func:`journeymine.drift`).
        format : {"svg", "dot", "png"}
            SVG and PNG are laid out by Graphviz ``dot`` (a :class:`~journeymine.RenderError`
            says how to install it where it is missing); DOT needs no program.
        pair : tuple of str, optional
            The two groups ``(a, b)`` to draw, one of ``comparison.pairs``; by default the first
            pair (of a drift: the latest period against the one before). ``(b, a)`` draws the
            pair ``(a, b)`` with the signs turned.
        min_share : float
            Hide the transitions that fewer than this share of either group's cases have (the
            larger of the two shares below it): 0 (the default) to 1. The footnote counts them.
        significant_only : bool
            Draw only the significant differences (default ``False``: the others too, thin,
            grey and dashed, as context).
        title : str, optional
            The heading; by default ``Difference map: a vs b``; ``""`` for none.
        rankdir : {"TB", "LR"}
            Top to bottom (the default, as the process map: a journey of twenty steps fits a
            page) or left to right.

        Returns
        -------
        str or bytes
            SVG and DOT text, PNG bytes.
        """
        if not isinstance(result, (Comparison, Drift)):
            raise ArgumentError(
                f"the renderer 'difference-map' draws a Comparison or a Drift, not a "
                f"{type(result).__name__}; pass jm.compare(log, by=...)"
            )
        check_format(self.name, format, self.formats)
        unknown = sorted(set(options) - set(OPTIONS))
        if unknown:
            raise ArgumentError(
                f"the renderer 'difference-map' does not take {', '.join(u + '=' for u in unknown)}; "
                f"its options: {', '.join(o + '=' for o in OPTIONS)}"
            )
        plan = _plan(result, **options)
        dot, nodes, edges = _dot(plan)
        if format == "dot":
            return dot
        data = _run(dot, format)
        if format == "png":
            return data
        return _titles(data.decode("utf-8"), nodes, edges)


@hookimpl
def journeymine_register_renderers(register: Any) -> None:
    """Register the difference map (a built-in plugin, registered like any other)."""
    register(DifferenceMap())


# -- words shared with the report section ------------------------------------------------------


def points(diff: Any) -> str:
    """A difference of shares in percentage points, with its sign: ``+12.3 pp``.

    Examples
    --------
    >>> points(0.1234), points(-0.05), points(0.0004), points(0), points(None)
    ('+12.3 pp', '-5.0 pp', '+<0.1 pp', '0.0 pp', '–')
    """
    if is_missing(diff) or not math.isfinite(float(diff)):
        return "–"
    value = 100 * float(diff)
    if value == 0:
        return "0.0 pp"
    if abs(value) < 0.05:
        return f"{'+' if value > 0 else '-'}<0.1 pp"
    return f"{value:+.1f} pp"


def p_text(value: Any) -> str:
    """A p- or q-value for people: three decimals, ``<0.001`` below, ``–`` when not tested.

    Examples
    --------
    >>> p_text(0.04321), p_text(0.00002), p_text(float("nan"))
    ('0.043', '<0.001', '–')
    """
    if is_missing(value) or not math.isfinite(float(value)):
        return "–"
    v = float(value)
    return "<0.001" if v < 0.001 else f"{v:.3f}"


def resolve_pair(comparison: Comparison | Drift, pair: Any = None) -> tuple[str, str, bool]:
    """The pair of groups ``pair=`` names: ``(a, b, flipped)``, ``flipped`` when it was given as
    ``(b, a)`` of the comparison's pair ``(a, b)``. ``None`` picks the default: the first pair of a
    comparison, the last (latest period) of a drift.

    Raises :class:`~journeymine.ArgumentError` for a pair that is not compared, listing the pairs.

    Examples
    --------
    >>> import journeymine as jm
    >>> comparison = jm.compare(jm.datasets.load_demo_log(), by="segment",
    ...                         groups=("mover", "refinancer"))
    >>> resolve_pair(comparison), resolve_pair(comparison, ["refinancer", "mover"])
    (('mover', 'refinancer', False), ('mover', 'refinancer', True))
    >>> resolve_pair(comparison, ("mover", "first-time buyer"))
    Traceback (most recent call last):
    ...
    journeymine.errors.ArgumentError: pair=('mover', 'first-time buyer') is not a pair of this ...
    """
    drift = isinstance(comparison, Drift)
    c = comparison.comparison if isinstance(comparison, Drift) else comparison
    pairs = c.pairs
    listed = "; ".join(repr(p) for p in pairs[:12]) + ("; ..." if len(pairs) > 12 else "")
    if pair is None:
        if not pairs:
            raise ArgumentError("this comparison has no pairs of groups to draw")
        a, b = pairs[-1] if drift else pairs[0]
        return a, b, False
    if isinstance(pair, (str, bytes)) or not isinstance(pair, Sequence) or len(pair) != 2:
        raise ArgumentError(
            f"pair= takes two group names, (group_a, group_b), not {pair!r}; the pairs: {listed or 'none'}"
        )
    a, b = (str(p) for p in pair)
    if (a, b) in pairs:
        return a, b, False
    if (b, a) in pairs:
        return b, a, True
    raise ArgumentError(
        f"pair={tuple(pair)!r} is not a pair of this comparison; its pairs: {listed or 'none'}; "
        "pass pair=(group_a, group_b)"
    )


# -- what to draw -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Edge:
    source: str
    target: str
    cases_a: float
    cases_b: float
    share_a: float
    share_b: float
    diff: float
    ci_low: float
    ci_high: float
    q: float
    test: str
    significant: bool
    reason: str

    @property
    def larger(self) -> float:
        return max(_zero(self.share_a), _zero(self.share_b))


@dataclass(frozen=True)
class _Plan:
    comparison: Comparison
    a: str
    b: str
    min_share: float
    significant_only: bool
    title: str | None
    rankdir: str
    ids: Mapping[str, str]  # activity -> node id, over the whole comparison
    edges: tuple[_Edge, ...]  # the pair's transitions (signs turned for a flipped pair)
    starts: Mapping[str, float]  # activity -> the cases (both groups) whose journeys begin there


def _plan(
    result: Comparison | Drift,
    *,
    pair: Any = None,
    min_share: Any = 0.0,
    significant_only: Any = False,
    title: Any = None,
    rankdir: Any = None,
) -> _Plan:
    comparison = result.comparison if isinstance(result, Drift) else result
    if isinstance(min_share, bool) or not isinstance(min_share, (int, float)) or not 0 <= min_share <= 1:
        raise ArgumentError(
            f"min_share= takes a share of cases from 0 to 1, not {min_share!r}; pass min_share=0.05"
        )
    if not isinstance(significant_only, bool):
        raise ArgumentError(f"significant_only= takes True or False, not {significant_only!r}")
    if title is not None and not isinstance(title, str):
        raise ArgumentError(f"title= takes a text, not {type(title).__name__}; pass title='...'")
    direction = "TB" if rankdir is None else str(rankdir).upper()
    if direction not in ("TB", "LR"):
        raise ArgumentError(f"rankdir= takes 'TB' (top to bottom) or 'LR' (left to right), not {rankdir!r}")
    if pair is None and not comparison.pairs:
        a, b, flipped = "A", "B", False  # nothing compared: an empty map that says so
    else:
        a, b, flipped = resolve_pair(result, pair)
    frame = comparison.edges
    names = sorted(
        {str(v) for col in ("source", "target") if col in frame for v in frame[col] if not is_missing(v)}
    )
    edges = tuple(_pair_edges(frame, a, b, flipped))
    starts = _starts(comparison.variants, a, b)
    if flipped:
        a, b = b, a
    return _Plan(
        comparison=comparison,
        a=a,
        b=b,
        min_share=float(min_share),
        significant_only=significant_only,
        title=title,
        rankdir=direction,
        ids={name: f"n{i}" for i, name in enumerate(names)},
        edges=edges,
        starts=starts,
    )


def _rows_of(frame: pd.DataFrame, a: str, b: str) -> pd.DataFrame:
    if not len(frame) or "group_a" not in frame or "group_b" not in frame:
        return frame.iloc[0:0]
    mask = (frame["group_a"].astype(str) == a) & (frame["group_b"].astype(str) == b)
    return frame[mask.to_numpy(dtype=bool)]


def _pair_edges(frame: pd.DataFrame, a: str, b: str, flipped: bool) -> list[_Edge]:
    rows = _rows_of(frame, a, b)
    out = []
    for r in rows.to_dict("records"):
        if is_missing(r.get("source")) or is_missing(r.get("target")):
            continue
        e = _Edge(
            source=str(r["source"]),
            target=str(r["target"]),
            cases_a=_float(r.get("cases_a")),
            cases_b=_float(r.get("cases_b")),
            share_a=_float(r.get("share_a")),
            share_b=_float(r.get("share_b")),
            diff=_float(r.get("diff")),
            ci_low=_float(r.get("ci_low")),
            ci_high=_float(r.get("ci_high")),
            q=_float(r.get("q")),
            test=_str(r.get("test")),
            significant=_true(r.get("significant")),
            reason=_str(r.get("reason")),
        )
        if flipped:
            e = _Edge(
                e.source,
                e.target,
                e.cases_b,
                e.cases_a,
                e.share_b,
                e.share_a,
                -e.diff,
                -e.ci_high,
                -e.ci_low,
                e.q,
                e.test,
                e.significant,
                e.reason,
            )
        out.append(e)
    return sorted(out, key=lambda e: (e.source, e.target))


def _starts(variants: pd.DataFrame, a: str, b: str) -> dict[str, float]:
    """Activity -> cases of both groups whose variant begins with it (orders the boxes)."""
    out: dict[str, float] = {}
    rows = _rows_of(variants, a, b)
    if not len(rows) or "variant" not in rows:
        return out
    for v, na, nb in zip(
        rows["variant"], rows.get("cases_a", [0] * len(rows)), rows.get("cases_b", [0] * len(rows))
    ):
        if isinstance(v, (tuple, list)) and v:
            first = str(v[0])
            out[first] = out.get(first, 0.0) + _zero(_float(na)) + _zero(_float(nb))
    return out


def _float(value: Any) -> float:
    if is_missing(value):
        return math.nan
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _zero(value: float) -> float:
    return 0.0 if not math.isfinite(value) else value


def _str(value: Any) -> str:
    return "" if is_missing(value) else str(value)


def _true(value: Any) -> bool:
    return False if is_missing(value) else bool(value)


def _flow_order(edges: Iterable[_Edge], starts: Mapping[str, float], names: Iterable[str]) -> list[str]:
    """Activities in the order a breadth-first walk meets them: from those cases begin with (the
    most first), along the most common transitions first; then any the walk did not reach, the
    one with the most going out against coming in first. The order nodes and arrows are written
    in, which is where dot starts its layout from."""
    weight: dict[tuple[str, str], float] = {}
    for e in edges:
        weight[e.source, e.target] = _zero(e.share_a) + _zero(e.share_b)
    after: dict[str, list[tuple[float, str]]] = {}
    net: dict[str, float] = {}
    for (s, t), w in weight.items():
        after.setdefault(s, []).append((-w, t))
        if s != t:
            net[s] = net.get(s, 0.0) + w
            net[t] = net.get(t, 0.0) - w
    pool = sorted(set(names))
    seen: set[str] = set()
    out: list[str] = []

    def walk(first: list[str]) -> None:
        queue = [n for n in first if n not in seen]
        seen.update(queue)
        while queue:
            n = queue.pop(0)
            out.append(n)
            for _, t in sorted(after.get(n, ())):
                if t not in seen:
                    seen.add(t)
                    queue.append(t)

    walk(sorted((n for n in starts if n in pool), key=lambda n: (-starts[n], n)))
    while len(out) < len(pool):
        rest = [n for n in pool if n not in seen]
        walk([min(rest, key=lambda n: (-net.get(n, 0.0), n))])
    return out


# -- the map -----------------------------------------------------------------------------------


def _dot(plan: _Plan) -> tuple[str, dict[str, str], dict[tuple[str, str], str]]:
    """The DOT text, node id -> its tooltip, (source id, target id) -> the arrow's tooltip."""
    import graphviz

    low_share = [e for e in plan.edges if e.larger < plan.min_share]
    kept = [e for e in plan.edges if e.larger >= plan.min_share]
    not_significant = [e for e in kept if not e.significant] if plan.significant_only else []
    shown = [e for e in kept if e.significant or not plan.significant_only]
    linked = {n for e in shown for n in (e.source, e.target)}
    everyone = {n for e in plan.edges for n in (e.source, e.target)}
    order = [n for n in _flow_order(plan.edges, plan.starts, everyone) if n in linked]
    position = {n: i for i, n in enumerate(order)}
    marked = {n for e in shown if e.significant for n in (e.source, e.target)}
    largest = max((abs(e.diff) for e in shown if e.significant and math.isfinite(e.diff)), default=0.0)
    confidence = float(plan.comparison.settings.get("confidence", 0.95))
    cases = _group_cases(plan.comparison)

    g = graphviz.Digraph(
        "difference_map",
        graph_attr={
            "rankdir": plan.rankdir,
            "fontname": style.FONT,
            "fontsize": "10",
            "fontcolor": style.MUTED,
            "bgcolor": "white",
            "pad": "0.3",
            "nodesep": "0.3",
            "ranksep": "0.55",
            "newrank": "true",
            "outputorder": "edgesfirst",
            "labelloc": "b",
            "labeljust": "l",
            "label": _footnote(plan, shown, low_share, not_significant, everyone - linked),
            **({"nslimit": "2", "nslimit1": "2", "mclimit": "0.3"} if len(shown) > LARGE else {}),
        },
        node_attr={
            "shape": "box",
            "style": "rounded,filled",
            "fontname": style.FONT,
            "fontsize": "12",
            "fontcolor": style.INK,
            "margin": "0.14,0.06",
            "penwidth": "1.2",
            "fillcolor": _NODE_FILL,
            "color": _NODE_BORDER,
        },
        edge_attr={"fontname": style.FONT, "fontsize": "10", "arrowsize": "0.7"},
    )
    node_titles: dict[str, str] = {}
    edge_titles: dict[tuple[str, str], str] = {}
    with g.subgraph(name="cluster_map") as c:
        c.attr(
            label=_heading(plan, largest, cases),
            labelloc="t",
            labeljust="l",
            color="white",
            penwidth="0",
            margin="12",
        )
        if not order:
            c.node(
                "empty",
                label=_html(_text("No transitions to draw.")),
                shape="plaintext",
                style="",
                fontcolor=style.MUTED,
            )
        for name in order:
            node_id = plan.ids[name]
            node_titles[node_id] = name
            c.node(
                node_id,
                label=_html("<BR/>".join(_text(line) for line in _wrap(name))),
                id=node_id,
                **({"color": style.INK, "penwidth": "1.6"} if name in marked else {}),
            )
        for e in sorted(shown, key=lambda e: (position[e.source], position[e.target])):
            s, t = plan.ids[e.source], plan.ids[e.target]
            edge_titles[s, t] = _tooltip(e, plan, cases, confidence)
            c.edge(s, t, **_edge_style(e, s, t, largest, backward=position[e.target] < position[e.source]))
    return g.source, node_titles, edge_titles


def _edge_style(e: _Edge, s: str, t: str, largest: float, *, backward: bool) -> dict[str, str]:
    """Colour by direction, thickness by size, for a significant difference; grey otherwise."""
    layout = str(1 + round(8 * (_zero(e.share_a) + _zero(e.share_b)) / 2))
    if not e.significant:
        kind = "untested" if e.reason or is_missing(e.q) else "not_significant"
        return {
            "id": f"e_{s}_{t}",
            "class": f"{_direction(e)} {kind}",
            "color": CONTEXT,
            "style": "dashed",
            "penwidth": "1",
            "arrowsize": "0.5",
            "weight": layout,
        }
    colour = MORE_A if e.diff > 0 else MORE_B
    width = style.scale(abs(e.diff), largest, low=1.6, high=7.0)
    return {
        "id": f"e_{s}_{t}",
        "class": f"{_direction(e)} significant",
        "color": colour,
        "style": "solid",
        "penwidth": f"{width:g}",
        "label": _boxed(f"<B>{_text(points(e.diff))}</B>", colour),
        "weight": str(int(layout) + 2) if not backward else "1",
    }


def _direction(e: _Edge) -> str:
    if not math.isfinite(e.diff) or e.diff == 0:
        return "equal"
    return "more_a" if e.diff > 0 else "more_b"


def _group_cases(comparison: Comparison) -> dict[str, int]:
    frame = comparison.groups
    if not len(frame) or "group" not in frame or "cases" not in frame:
        return {}
    return {str(g): int(n) for g, n in zip(frame["group"], frame["cases"]) if not is_missing(n)}


def _one_line(value: str) -> str:
    return " ".join(value.split())


def _heading(plan: _Plan, largest: float, cases: Mapping[str, int]) -> str:
    """Title, what the arrows mean, the colour key and what bold means."""
    a, b = _one_line(plan.a), _one_line(plan.b)
    title = f"Difference map: {a} vs {b}" if plan.title is None else plan.title
    rows = []
    if title:
        rows.append(f'<FONT POINT-SIZE="16" COLOR="{style.INK}"><B>{_text(title)}</B></FONT>')

    def sized(name: str, raw: str) -> str:
        n = cases.get(raw)
        return f"{name}, {format_count(n)} case{'s' * (n != 1)}" if n is not None else name

    for about in (
        f"A: {sized(a, plan.a)}; B: {sized(b, plan.b)}.",
        "Each arrow: the share of each group's cases with that transition; labels: A minus B in "
        "percentage points (pp).",
    ):
        rows.append(f'<FONT POINT-SIZE="10" COLOR="{style.MUTED}">{_text(about)}</FONT>')
    chips = (
        f'<FONT COLOR="{MORE_A}" POINT-SIZE="13">■</FONT>{_NBSP}{_text(f"more in A ({a})")}'
        f"{_NBSP * 4}"
        f'<FONT COLOR="{MORE_B}" POINT-SIZE="13">■</FONT>{_NBSP}{_text(f"more in B ({b})")}'
        f"{_NBSP * 4}"
        f'<FONT COLOR="{CONTEXT}" POINT-SIZE="13">■</FONT>{_NBSP}{_text("not significant (dashed)")}'
    )
    rows.append(f'<FONT POINT-SIZE="10" COLOR="{style.INK}">{chips}</FONT>')
    alpha = plan.comparison.alpha
    bold = (
        f"bold: significant at FDR {_level(alpha)} (Benjamini-Hochberg q < {alpha:g}); "
        + (f"thickness: the size of the difference, up to {points(largest)[1:]}." if largest else "")
    ).rstrip("; ")
    rows.append(f'<FONT POINT-SIZE="10" COLOR="{style.MUTED}">{_text(bold)}</FONT>')
    body = "".join(f'<TR><TD ALIGN="LEFT">{row}</TD></TR>' for row in rows)
    return _html(f'<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="2">{body}</TABLE>')


def _level(alpha: float) -> str:
    return f"{100 * alpha:g}%"


def _footnote(
    plan: _Plan,
    shown: Sequence[_Edge],
    low_share: Sequence[_Edge],
    not_significant: Sequence[_Edge],
    alone: set[str],
) -> str:
    """What the map shows and what it hides, always."""
    total = len(plan.edges)
    if not total:
        return _html(_text("No transitions to compare."))
    significant = [e for e in shown if e.significant]
    more_a = sum(1 for e in significant if e.diff > 0)
    untested = sum(1 for e in shown if not e.significant and (e.reason or is_missing(e.q)))
    plural = "s" * (total != 1)
    parts = [
        f"Showing {format_count(len(shown))} of {format_count(total)} transition{plural}: "
        f"{format_count(len(significant))} significant ({more_a} more in A, "
        f"{len(significant) - more_a} more in B)"
    ]
    context = len(shown) - len(significant)
    if context:
        parts[0] += f", {format_count(context)} not significant" + (
            f" ({untested} of them not tested)" if untested else ""
        )
    parts[0] += "."
    if low_share:
        hidden_sig = sum(1 for e in low_share if e.significant)
        parts.append(
            f"{format_count(len(low_share))} hidden: in fewer than {format_share(plan.min_share)} of "
            f"either group's cases (min_share={plan.min_share:g})"
            + (f", {hidden_sig} of them significant." if hidden_sig else ".")
        )
    if not_significant:
        parts.append(f"{format_count(len(not_significant))} not significant hidden (significant_only=True).")
    if alone:
        n = len(alone)
        parts.append(f"{n} activit{'ies' if n != 1 else 'y'} without a drawn transition left out.")
    # a line per part, wrapped: the footnote must not set the picture's width
    lines = [line for part in parts for line in textwrap.wrap(part, 110, break_on_hyphens=False)]
    return _html("".join(f'{_text(line)}<BR ALIGN="LEFT"/>' for line in lines))


def _tooltip(e: _Edge, plan: _Plan, cases: Mapping[str, int], confidence: float) -> str:
    def share(name: str, value: float, n: float) -> str:
        whole = cases.get(name)
        counted = (
            f" ({format_count(n)} of {format_count(whole)} cases)"
            if math.isfinite(n) and whole is not None
            else ""
        )
        return f"{name}: {format_share(value)}{counted}"

    lines = [
        f"{e.source} → {e.target}",
        "A " + share(plan.a, e.share_a, e.cases_a),
        "B " + share(plan.b, e.share_b, e.cases_b),
    ]
    diff = f"A minus B: {points(e.diff)}"
    if math.isfinite(e.ci_low) and math.isfinite(e.ci_high):
        diff += f" [{100 * confidence:g}% CI {points(e.ci_low)} to {points(e.ci_high)}]"
    lines.append(diff)
    if e.reason or is_missing(e.q):
        lines.append(f"not tested: {e.reason or 'no test'}")
    else:
        verdict = "significant" if e.significant else "not significant"
        how = f" ({e.test})" if e.test else ""
        lines.append(f"q = {p_text(e.q)}{how}: {verdict} at FDR {_level(plan.comparison.alpha)}")
    return "\n".join(lines)


# -- SVG tooltips -------------------------------------------------------------------------------

_TITLE = re.compile(r"<title>(n\d+)(?:&#45;&gt;(n\d+))?</title>")


def _titles(svg: str, nodes: Mapping[str, str], edges: Mapping[tuple[str, str], str]) -> str:
    """Each node's and arrow's ``<title>`` (the browser's tooltip) in words, not ids."""

    def title(match: re.Match[str]) -> str:
        a, b = match.group(1), match.group(2)
        text = nodes.get(a) if b is None else edges.get((a, b))
        if text is None:
            return match.group(0)
        return f"<title>{html.escape(_FORBIDDEN.sub(chr(0xFFFD), text), quote=False)}</title>"

    return _TITLE.sub(title, svg)
